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
                w.write_record(R::COLUMNS)?;
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
            Inner::Csv(w) => Ok(w.write_record(&cells)?),
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
