//! Parsing on a thread of its own, ahead of the store: performance machinery for the
//! import, kept apart from its rules (what is a bad row, all or nothing), which stay in
//! `import.rs`.
//!
//! Why: reading and checking a row (CSV fields, codes, periods, numbers, dates) is about
//! half of the import's work on its task's thread, and the store's side (resolving the
//! series, writing the staging rows) the other half. On PostgreSQL the staging rows go
//! out by `COPY` from that same thread, so before this the two halves ran one after the
//! other on one core. The figures are in `BENCHMARKS.md` ("Import", eighth session).
//!
//! The rows arrive in the order the file holds them, in chunks of [`READ_AHEAD`], at most
//! [`CHUNKS_AHEAD`] chunks ahead, so memory stays flat whatever the file's size.

use failwell_ingest::{Record, RecordReader, RowError, Sourced};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};

/// Rows in a chunk (below the store's own batch of 1,000, so that the store writes each
/// chunk when told, not in the middle of one).
pub(crate) const READ_AHEAD: usize = 512;

/// Chunks the parser may be ahead of the store.
const CHUNKS_AHEAD: usize = 4;

/// A row read: the record with its line, or why it is bad.
pub(crate) type Parsed<R> = Result<Sourced<R>, RowError>;

/// A file being parsed on a thread of its own.
pub(crate) struct ParseAhead<R> {
    chunks: mpsc::Receiver<Vec<Parsed<R>>>,
    parser: std::thread::JoinHandle<u64>,
}

impl<R: Record + Send + 'static> ParseAhead<R> {
    /// Starts parsing `reader` on a new thread.
    pub(crate) fn start(mut reader: RecordReader<'static, R>) -> Self {
        let (mut sender, chunks) = mpsc::channel(CHUNKS_AHEAD);
        let parser = std::thread::spawn(move || {
            loop {
                let chunk: Vec<Parsed<R>> = reader.by_ref().take(READ_AHEAD).collect();
                // Stops at the end, or when the importer has stopped listening (the store
                // failed): the rest of the file is not read.
                if chunk.is_empty() || futures::executor::block_on(sender.send(chunk)).is_err() {
                    break;
                }
            }
            reader.rows_read()
        });
        ParseAhead { chunks, parser }
    }

    /// The next chunk of rows, in file order; `None` at the end of the file.
    pub(crate) async fn next(&mut self) -> Option<Vec<Parsed<R>>> {
        self.chunks.next().await
    }

    /// Stops listening, waits for the parser, and says how many data rows it read.
    pub(crate) fn finish(self) -> u64 {
        drop(self.chunks);
        self.parser.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use failwell_domain::Observation;
    use failwell_ingest::{Format, Mapping};

    fn reader(text: String) -> RecordReader<'static, Observation> {
        RecordReader::new("obs.csv", Box::new(std::io::Cursor::new(text)), Format::Csv, Mapping::default())
            .expect("a header")
    }

    #[test]
    fn every_row_arrives_once_in_file_order_bad_ones_too() {
        let mut text = String::from("organisation,indicator,period,value\n");
        for i in 0..(3 * READ_AHEAD + 7) {
            let value = if i == 700 { "x".to_string() } else { i.to_string() };
            text.push_str(&format!("E06000001,ind,2020-01,{value}\n"));
        }
        let mut ahead = ParseAhead::start(reader(text));
        let mut lines = Vec::new();
        let mut bad = Vec::new();
        futures::executor::block_on(async {
            while let Some(chunk) = ahead.next().await {
                assert!(chunk.len() <= READ_AHEAD);
                for item in chunk {
                    match item {
                        Ok(s) => lines.push(s.line),
                        Err(e) => bad.push(e.position.line),
                    }
                }
            }
        });
        assert_eq!(ahead.finish(), 3 * READ_AHEAD as u64 + 7);
        assert_eq!(bad, [702], "row 700 is on line 702 (the header is line 1)");
        let expected: Vec<u64> = (2..=(3 * READ_AHEAD as u64 + 8)).filter(|&l| l != 702).collect();
        assert_eq!(lines, expected);
    }

    #[test]
    fn a_store_that_stops_listening_stops_the_parser() {
        let mut text = String::from("organisation,indicator,period,value\n");
        for i in 0..(50 * READ_AHEAD) {
            text.push_str(&format!("E06000001,ind,2020-01,{i}\n"));
        }
        let mut ahead = ParseAhead::start(reader(text));
        let first = futures::executor::block_on(ahead.next()).expect("a chunk");
        assert_eq!(first.len(), READ_AHEAD);
        // Dropped after one chunk: the parser ends within the chunks it had ahead.
        let read = ahead.finish();
        assert!(read < (2 + CHUNKS_AHEAD as u64 + 1) * READ_AHEAD as u64, "read {read} rows");
    }
}
