//! Importing records: files in, one transaction, every bad row named with its file, line
//! and column. One path for `failwell import`, the demo and the web API alike, so the
//! rules (all or nothing, a duplicate row refused, the first bad rows listed and the rest
//! counted) cannot differ between them. The caller opens the inputs: a file with a
//! progress bar on the command line, a request body on the web.

use crate::parse_ahead::ParseAhead;
use failwell_domain::regime::{Regime, Scale};
use failwell_domain::{Event, Indicator, Inspection, Link, Observation, Organisation};
use failwell_ingest::{Format, Kind, Mapping, Position, Record, RecordReader, RowError};
use failwell_store::{ImportSession, ImportSummary, RowProblem, Store, StoreError};
use std::io::Read;

/// How many bad rows are listed before the rest are only counted.
pub const SHOWN_ERRORS: usize = 50;

/// How often (in rows) a long read reports its progress.
const PROGRESS_EVERY: u64 = 65_536;

/// What an import found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The store's summary (rolled back when there are errors or on a dry run).
    pub summary: ImportSummary,
    /// The first bad rows.
    pub errors: Vec<RowError>,
    /// How many bad rows in all.
    pub error_count: usize,
    /// How many data rows the inputs hold (as far as they were read), good or bad, kept
    /// or filtered out: what the errors are counted against.
    pub rows: u64,
}

impl Outcome {
    /// Why nothing was imported, in one line (the web's page and the audit log say it).
    pub fn refused_detail(&self) -> String {
        format!("nothing was imported: {} error(s) in {} row(s)", self.error_count, self.rows)
    }

    /// The audit log's entry for this outcome of an import of `kind` from `inputs`, as
    /// (subject, detail, outcome): `done` with what it wrote, or `refused` with why; a dry
    /// run that found no error wrote nothing and has none. One rule for every way in (the
    /// command line, the API, the upload page), so the log reads alike whoever imported.
    pub fn audit_entry(&self, kind: Kind, inputs: &str, dry_run: bool) -> Option<(String, String, &'static str)> {
        let subject = format!("{} from {inputs}", kind.name());
        if self.error_count > 0 {
            Some((subject, self.refused_detail(), "refused"))
        } else if dry_run {
            None
        } else {
            let s = &self.summary;
            Some((
                subject,
                format!("{} rows read, {} new or changed (import {})", s.read, s.changed, s.import_id),
                "done",
            ))
        }
    }

    fn push(&mut self, e: RowError) {
        self.error_count += 1;
        if self.errors.len() < SHOWN_ERRORS {
            self.errors.push(e);
        }
    }
}

/// An import under way: its transaction, and what it has found so far.
pub struct Import {
    session: ImportSession,
    kind: Kind,
    mapping: Mapping,
    outcome: Outcome,
    /// The inputs' names, in the order read (a duplicate row names the input it is in).
    names: Vec<String>,
    /// The regime's grading scales an inspection's grade must be on, when given.
    scales: Option<Vec<Scale>>,
}

/// Why an inspection's grade cannot be judged: scales of the regime are in use on its day
/// and none has it. Stored anyway, it would be a judgement the scan cannot read — a
/// misspelt "Inadequate" silently taking a failing judgement's place. A judgement from
/// before any scale of the regime began is stored as it is: an archive goes back further
/// than the regime reads, and the scan passes over what it cannot place.
fn unknown_grade(scales: &[Scale], ins: &Inspection) -> Option<String> {
    let in_use: Vec<&Scale> = scales.iter().filter(|s| s.validity.contains(ins.inspected_on)).collect();
    let code = ins.overall.as_str();
    if in_use.is_empty() || in_use.iter().any(|s| s.grade(code).is_some()) {
        return None;
    }
    let day = failwell_domain::dates::iso(ins.inspected_on);
    let mut known: Vec<&str> = in_use.iter().flat_map(|s| s.grades.iter().map(|g| g.code.as_str())).collect();
    known.sort_unstable();
    known.dedup();
    Some(format!("unknown grade {code:?}: the regime's scales in use on {day} have {}", known.join(", ")))
}

impl Import {
    /// Begins an import of `kind` records, labelled `label` in the store's import log.
    ///
    /// # Errors
    /// When the store cannot begin the transaction.
    pub async fn begin(store: &Store, kind: Kind, label: &str, mapping: Mapping) -> Result<Import, StoreError> {
        let session = store.begin_import(kind.name(), label).await?;
        Ok(Import { session, kind, mapping, outcome: Outcome::default(), names: Vec::new(), scales: None })
    }

    /// Refuses an inspection whose grade no scale of `regime` in use on its day has, so
    /// every judgement stored is one the scan can read. Without it, grades are stored as
    /// they come (a store judged under a regime of its own).
    pub fn check_grades(&mut self, regime: &Regime) {
        self.scales = Some(regime.scales.clone());
    }

    /// Reads one input named `name` into the import: each good row offered to the store,
    /// each bad one kept with its place. `progress` hears the rows read so far, now and
    /// then.
    ///
    /// # Errors
    /// When the store fails (a bad row is not an error here: it is in the outcome).
    pub async fn read(
        &mut self,
        name: &str,
        input: Box<dyn Read + Send>,
        format: Format,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), StoreError> {
        self.session.start_file();
        self.names.push(name.to_string());
        match self.kind {
            Kind::Organisations => self.read_into::<Organisation>(name, input, format, progress).await,
            Kind::Links => self.read_into::<Link>(name, input, format, progress).await,
            Kind::Indicators => self.read_into::<Indicator>(name, input, format, progress).await,
            Kind::Observations => self.read_into::<Observation>(name, input, format, progress).await,
            Kind::Inspections => self.read_into::<Inspection>(name, input, format, progress).await,
            Kind::Events => self.read_into::<Event>(name, input, format, progress).await,
        }
    }

    async fn read_into<R: Storable + Send + 'static>(
        &mut self,
        name: &str,
        input: Box<dyn Read + Send>,
        format: Format,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), StoreError> {
        let reader = match RecordReader::<R>::new(name, input, format, self.mapping.clone()) {
            Ok(r) => r,
            Err(e) => {
                self.outcome.push(e);
                return Ok(());
            }
        };
        let locator = reader.locator();
        // The file is parsed on a thread of its own while the rows before are stored.
        let mut parsed = ParseAhead::start(reader);
        let mut rows = 0u64;
        let mut chunk = parsed.next().await;
        while let Some(items) = chunk {
            for item in items {
                rows += 1;
                match item {
                    Err(e) => self.outcome.push(e),
                    Ok(s) => {
                        if let Some(reason) = self.scales.as_deref().and_then(|scales| s.record.ungradable(scales)) {
                            self.outcome.push(RowError { position: locator.locate(s.line, Some("overall")), reason });
                        } else if let Err(problem) = s.record.store(&mut self.session, s.line).await? {
                            let column = problem.column();
                            self.outcome.push(RowError {
                                position: locator.locate(s.line, column),
                                reason: problem.to_string(),
                            });
                        }
                    }
                }
                if rows.is_multiple_of(PROGRESS_EVERY) {
                    progress(rows);
                }
            }
            // The store writes the rows just offered while the next chunk arrives: on
            // SQLite the write runs on the driver's own thread.
            let (written, next) = futures::join!(self.session.write_offered(), parsed.next());
            written?;
            chunk = next;
        }
        self.outcome.rows += parsed.finish();
        Ok(())
    }

    /// Ends the import: a row repeating another is an error; then the transaction is
    /// committed only when every row was good and this is not a dry run, and rolled back
    /// otherwise.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn finish(mut self, dry_run: bool) -> Result<Outcome, StoreError> {
        let duplicates = self.session.duplicate_observations(SHOWN_ERRORS).await?;
        for d in &duplicates {
            let name = |n: u32| self.names.get(n as usize - 1).cloned().unwrap_or_default();
            let first = if d.first.0 == d.at.0 {
                format!("line {}", d.first.1)
            } else {
                format!("{}:{}", name(d.first.0), d.first.1)
            };
            self.outcome.push(RowError {
                position: Position { file: name(d.at.0), line: d.at.1, column: None, column_name: None },
                reason: format!("the same organisation, indicator and period already appear at {first}"),
            });
        }
        self.outcome.summary = if dry_run || self.outcome.error_count > 0 {
            self.session.abandon(dry_run && self.outcome.error_count == 0).await?
        } else {
            self.session.finish().await?
        };
        Ok(self.outcome)
    }

    /// Gives the import up (an input could not be opened): nothing is written.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn abandon(self) -> Result<(), StoreError> {
        self.session.abandon(false).await.map(|_| ())
    }
}

/// Stores one record through the session method for its kind.
trait Storable: Record {
    /// Why the record's grade cannot be judged on `scales` (inspections only).
    fn ungradable(&self, _scales: &[Scale]) -> Option<String> {
        None
    }

    /// Offers the record to the session.
    fn store(
        self,
        session: &mut ImportSession,
        line: u64,
    ) -> impl std::future::Future<Output = Result<Result<(), RowProblem>, StoreError>>;
}

impl Storable for Organisation {
    async fn store(self, s: &mut ImportSession, line: u64) -> Result<Result<(), RowProblem>, StoreError> {
        s.add_organisation(line, &self).await
    }
}
impl Storable for Link {
    async fn store(self, s: &mut ImportSession, line: u64) -> Result<Result<(), RowProblem>, StoreError> {
        s.add_link(line, &self).await
    }
}
impl Storable for Indicator {
    async fn store(self, s: &mut ImportSession, line: u64) -> Result<Result<(), RowProblem>, StoreError> {
        s.add_indicator(line, &self).await
    }
}
impl Storable for Observation {
    async fn store(self, s: &mut ImportSession, line: u64) -> Result<Result<(), RowProblem>, StoreError> {
        s.add_observation(line, self).await
    }
}
impl Storable for Inspection {
    fn ungradable(&self, scales: &[Scale]) -> Option<String> {
        unknown_grade(scales, self)
    }
    async fn store(self, s: &mut ImportSession, line: u64) -> Result<Result<(), RowProblem>, StoreError> {
        s.add_inspection(line, &self).await
    }
}
impl Storable for Event {
    async fn store(self, s: &mut ImportSession, line: u64) -> Result<Result<(), RowProblem>, StoreError> {
        s.add_event(line, &self).await
    }
}
