//! Writers for export: the same columns the readers take.

use crate::format::Format;
use crate::records::Record;
use std::io::Write;
use std::marker::PhantomData;

/// Writes records of one kind as CSV (with header) or JSON Lines.
pub struct RecordWriter<W: Write, R: Record> {
    inner: Inner<W>,
    _kind: PhantomData<R>,
}

enum Inner<W: Write> {
    /// Boxed: the CSV writer carries its buffer inline, the JSON one is the bare writer.
    Csv(Box<csv::Writer<W>>),
    Json(W),
}

impl<W: Write, R: Record> RecordWriter<W, R> {
    /// Starts a file; CSV gets its header row at once, so an empty export is still a valid file.
    pub fn new(out: W, format: Format) -> std::io::Result<Self> {
        let inner = match format {
            Format::Csv => {
                let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(out);
                w.write_record(R::COLUMNS).map_err(into_io)?;
                Inner::Csv(Box::new(w))
            }
            Format::JsonLines => Inner::Json(out),
        };
        Ok(RecordWriter { inner, _kind: PhantomData })
    }

    /// Writes one record.
    pub fn write(&mut self, record: &R) -> std::io::Result<()> {
        let cells = record.to_cells();
        match &mut self.inner {
            Inner::Csv(w) => w.write_record(&cells).map_err(into_io),
            Inner::Json(w) => {
                let obj: serde_json::Map<String, serde_json::Value> = R::COLUMNS
                    .iter()
                    .zip(cells)
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| (k.to_string(), serde_json::Value::String(v)))
                    .collect();
                serde_json::to_writer(&mut *w, &obj)?;
                w.write_all(b"\n")
            }
        }
    }

    /// Flushes and returns the sink.
    pub fn finish(self) -> std::io::Result<W> {
        match self.inner {
            Inner::Csv(w) => w.into_inner().map_err(|e| e.into_error()),
            Inner::Json(mut w) => {
                w.flush()?;
                Ok(w)
            }
        }
    }
}

/// The csv crate's error as the I/O error it carries, when it carries one. Its own
/// conversion wraps an I/O error as `Other`, hiding its kind: a closed pipe (`failwell
/// export … | head`) must stay a `BrokenPipe`, which the command line ends on quietly.
fn into_io(e: csv::Error) -> std::io::Error {
    if !e.is_io_error() {
        return std::io::Error::other(e);
    }
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::into_io;

    #[test]
    fn a_closed_pipe_stays_a_broken_pipe() {
        let mut w = csv::Writer::from_writer(Closed);
        let e = w.write_record(["a", "b"]).and_then(|()| w.flush().map_err(csv::Error::from)).unwrap_err();
        assert_eq!(into_io(e).kind(), std::io::ErrorKind::BrokenPipe);
    }

    /// A sink whose reader has gone.
    struct Closed;

    impl std::io::Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }
}
