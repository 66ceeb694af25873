//! Streaming readers: one row in memory at a time.

use crate::error::{Position, RowError};
use crate::format::Format;
use crate::lines::LineIndex;
use crate::mapping::Mapping;
use crate::records::Record;
use crate::row::{Row, Source};
use std::io::{BufRead, BufReader, Read};
use std::marker::PhantomData;

/// A record with the line it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<R> {
    /// Its line in the file (1-based; the header is line 1 in CSV).
    pub line: u64,
    /// The record.
    pub record: R,
}

/// A fault that stops reading a file altogether (as opposed to one bad row).
pub type ReadError = RowError;

enum Input<'a> {
    Csv {
        reader: csv::Reader<LineIndex<Box<dyn Read + Send + 'a>>>,
        header: Vec<String>,
    },
    Json {
        lines: std::io::Lines<BufReader<Box<dyn Read + Send + 'a>>>,
        line: u64,
        /// The keys the mapping names, and whether any object has had each: JSON Lines has
        /// no header to check up front, so a misspelt key is caught at the end instead.
        named: Vec<(String, bool)>,
    },
}

/// Places a problem in a file read by a [`RecordReader`] (see [`RecordReader::locator`]).
#[derive(Debug, Clone)]
pub struct Locator {
    file: String,
    /// The CSV header (none for JSON Lines).
    header: Option<Vec<String>>,
    sources: Vec<Source>,
    mapping: Mapping,
    columns: &'static [&'static str],
}

impl Locator {
    /// The position of our column `ours` on `line`, in the file's own terms.
    pub fn locate(&self, line: u64, ours: Option<&'static str>) -> Position {
        place(&self.file, self.header.as_deref(), &self.sources, &self.mapping, self.columns, line, ours)
    }
}

/// Our column `ours` (one of `columns`) on `line` as the file names it: its number and
/// header in a CSV file, `--set NAME` for a constant, else the key the mapping reads.
fn place(
    file: &str,
    header: Option<&[String]>,
    sources: &[Source],
    mapping: &Mapping,
    columns: &[&str],
    line: u64,
    ours: Option<&'static str>,
) -> Position {
    let mut p = Position { file: file.to_string(), line, column: None, column_name: None };
    let Some(name) = ours else { return p };
    let i = columns.iter().position(|c| *c == name);
    match (header, i.map(|i| &sources[i])) {
        (Some(header), Some(Source::Field(j))) => {
            p.column = Some(*j as u64 + 1);
            p.column_name = Some(header[*j].clone());
        }
        (Some(_), Some(Source::Constant(_))) => p.column_name = Some(format!("--set {name}")),
        _ => p.column_name = Some(mapping.source_column(name).to_string()),
    }
    p
}

/// Reads records of one kind from a CSV or JSON Lines stream.
pub struct RecordReader<'a, R: Record> {
    file: String,
    input: Input<'a>,
    sources: Vec<Source>,
    mapping: Mapping,
    filter_columns: Vec<usize>,
    domain_fields: Vec<usize>,
    record: csv::StringRecord,
    finished: bool,
    /// Data rows read so far, kept or filtered out, good or bad.
    rows: u64,
    _kind: PhantomData<R>,
}

impl<'a, R: Record> RecordReader<'a, R> {
    /// Opens a stream; `file` names it in errors. Fails on an unreadable header, on a CSV
    /// file with no header at all (an empty file is more likely a failed download than a
    /// publisher's empty release, which still has its header), or on a mapping that
    /// names columns the header lacks. The input is `Send` so that a file can be parsed on
    /// a thread of its own while the rows before are stored.
    pub fn new(
        file: &str,
        input: Box<dyn Read + Send + 'a>,
        format: Format,
        mapping: Mapping,
    ) -> Result<Self, ReadError> {
        let at = |line, reason: String| RowError {
            position: Position { file: file.into(), line, column: None, column_name: None },
            reason,
        };
        let (input, sources, filter_columns, domain_fields) = match format {
            Format::Csv => {
                let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(LineIndex::new(input));
                let header: Vec<String> = reader
                    .headers()
                    .map_err(|e| at(1, format!("cannot read the header: {e}")))?
                    .iter()
                    .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
                    .collect();
                if header.is_empty() {
                    return Err(at(1, "the file is empty: it has no header row".into()));
                }
                mapping.check_header(file, &header)?;
                let sources = R::COLUMNS
                    .iter()
                    .map(|ours| {
                        if let Some(v) = mapping.constants.get(*ours) {
                            Source::Constant(v.clone())
                        } else {
                            let theirs = mapping.source_column(ours);
                            header.iter().position(|h| h == theirs).map_or(Source::Absent, Source::Field)
                        }
                    })
                    .collect();
                let filters = mapping
                    .filters
                    .iter()
                    .map(|f| header.iter().position(|h| *h == f.column).expect("checked above"))
                    .collect();
                let domains = mapping
                    .domain_columns
                    .iter()
                    .map(|d| header.iter().position(|h| h == d).expect("checked above"))
                    .collect();
                (Input::Csv { reader, header }, sources, filters, domains)
            }
            Format::JsonLines => {
                let sources = R::COLUMNS
                    .iter()
                    .enumerate()
                    .map(|(i, ours)| match mapping.constants.get(*ours) {
                        Some(v) => Source::Constant(v.clone()),
                        None => Source::Field(i),
                    })
                    .collect();
                let n = R::COLUMNS.len();
                let filters = (n..n + mapping.filters.len()).collect();
                let m = n + mapping.filters.len();
                let domains = (m..m + mapping.domain_columns.len()).collect();
                let named = mapping
                    .renames
                    .values()
                    .chain(mapping.filters.iter().map(|f| &f.column))
                    .chain(&mapping.domain_columns)
                    .map(|k| (k.clone(), false))
                    .collect();
                (Input::Json { lines: BufReader::new(input).lines(), line: 0, named }, sources, filters, domains)
            }
        };
        Ok(RecordReader {
            file: file.into(),
            input,
            sources,
            mapping,
            filter_columns,
            domain_fields,
            record: csv::StringRecord::new(),
            finished: false,
            rows: 0,
            _kind: PhantomData,
        })
    }

    /// How many data rows have been read so far: every row after the header (blank lines
    /// aside), whether kept, filtered out or bad, so that a summary can say what it counted.
    pub fn rows_read(&self) -> u64 {
        self.rows
    }

    /// The position of our column `ours` on `line`, in the file's own terms.
    pub fn locate(&self, line: u64, ours: Option<&'static str>) -> Position {
        let header = match &self.input {
            Input::Csv { header, .. } => Some(header.as_slice()),
            Input::Json { .. } => None,
        };
        place(&self.file, header, &self.sources, &self.mapping, R::COLUMNS, line, ours)
    }

    /// What [`RecordReader::locate`] needs, apart from the reader: a row's problem found
    /// later (by the store) is placed with it while the reader has gone on, perhaps on
    /// another thread.
    pub fn locator(&self) -> Locator {
        Locator {
            file: self.file.clone(),
            header: match &self.input {
                Input::Csv { header, .. } => Some(header.clone()),
                Input::Json { .. } => None,
            },
            sources: self.sources.clone(),
            mapping: self.mapping.clone(),
            columns: R::COLUMNS,
        }
    }

    /// Reads the next raw row into `self.record`; returns its line, or `None` at the end.
    fn next_raw(&mut self) -> Result<Option<u64>, RowError> {
        match &mut self.input {
            Input::Csv { reader, .. } => match reader.read_record(&mut self.record) {
                Ok(true) => {
                    self.rows += 1;
                    Ok(Some(reader.get_mut().line_of(self.record.position())))
                }
                Ok(false) => Ok(None),
                Err(e) => {
                    let line = reader.get_mut().line_of(e.position());
                    // A row with the wrong number of fields or bad UTF-8 is a row read.
                    self.rows += u64::from(line > 0);
                    Err(RowError { position: self.locate(line, None), reason: csv_reason(&e) })
                }
            },
            Input::Json { lines, line, named } => loop {
                *line += 1;
                let n = *line;
                let text = match lines.next() {
                    None => {
                        return match named.iter().find(|(_, seen)| !seen) {
                            Some((key, _)) if n > 1 => Err(RowError {
                                position: Position {
                                    file: self.file.clone(),
                                    line: n - 1,
                                    column: None,
                                    column_name: None,
                                },
                                reason: format!("no object in the file has the key {key:?} that the mapping names"),
                            }),
                            _ => Ok(None),
                        };
                    }
                    Some(Err(e)) => {
                        return Err(RowError { position: self.locate(n, None), reason: e.to_string() });
                    }
                    Some(Ok(t)) => t,
                };
                if text.trim().is_empty() {
                    continue;
                }
                self.rows += 1;
                let obj: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(&text).map_err(|e| RowError {
                        position: Position {
                            file: self.file.clone(),
                            line: n,
                            column: Some(e.column() as u64),
                            column_name: None,
                        },
                        reason: format!("not a JSON object: {e}"),
                    })?;
                for (key, seen) in named.iter_mut() {
                    *seen |= obj.contains_key(key.as_str());
                }
                self.record.clear();
                let cell = |key: &str| match obj.get(key) {
                    None | Some(serde_json::Value::Null) => String::new(),
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                };
                for ours in R::COLUMNS {
                    self.record.push_field(&cell(self.mapping.source_column(ours)));
                }
                for f in &self.mapping.filters {
                    self.record.push_field(&cell(&f.column));
                }
                for d in &self.mapping.domain_columns {
                    self.record.push_field(&cell(d));
                }
                return Ok(Some(n));
            },
        }
    }
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("has {len} fields where the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { err, .. } => format!("field {} is not valid UTF-8", err.field() + 1),
        _ => e.to_string(),
    }
}

impl<R: Record> Iterator for RecordReader<'_, R> {
    type Item = Result<Sourced<R>, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.finished {
            let line = match self.next_raw() {
                Ok(Some(line)) => line,
                Ok(None) => {
                    self.finished = true;
                    return None;
                }
                Err(e) => {
                    // A broken CSV stream (bad quoting, bad UTF-8) cannot be resynchronised safely.
                    // A CSV stream broken beyond resynchronising, or a JSON Lines file that
                    // cannot be read at all, ends the file; one bad JSON line does not.
                    self.finished = match self.input {
                        Input::Csv { .. } => e.position.line == 0,
                        Input::Json { .. } => e.position.column.is_none(),
                    };
                    return Some(Err(e));
                }
            };
            let keep = self
                .mapping
                .filters
                .iter()
                .zip(&self.filter_columns)
                .all(|(f, &j)| f.keeps(self.record.get(j).unwrap_or("").trim()));
            if !keep {
                continue;
            }
            let row = Row {
                columns: R::COLUMNS,
                sources: &self.sources,
                record: &self.record,
                mapping: &self.mapping,
                domain_fields: &self.domain_fields,
            };
            match R::from_row(&row) {
                Ok(Some(record)) => return Some(Ok(Sourced { line, record })),
                Ok(None) => continue,
                Err(fe) => {
                    let absent = fe
                        .column
                        .and_then(|c| R::COLUMNS.iter().position(|x| *x == c))
                        .is_some_and(|i| matches!(self.sources[i], Source::Absent));
                    let mut position = self.locate(line, fe.column);
                    let mut reason = fe.reason;
                    if absent {
                        // Every row would fail the same way: say so once, about the header.
                        self.finished = true;
                        position.line = 1;
                        reason = format!(
                            "the file has no column {:?} ({reason}); add it, or map it from one of yours ({}=THEIR_COLUMN: --map on the command line, map= in the web import)",
                            fe.column.unwrap_or(""),
                            fe.column.unwrap_or("")
                        );
                    }
                    return Some(Err(RowError { position, reason }));
                }
            }
        }
        None
    }
}
