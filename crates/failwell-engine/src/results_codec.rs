//! The binary layout of one indicator's recorded series results (`indicator_scan`).
//!
//! An incremental scan at England scale reads back 600,000 series results of the
//! indicators it does not chart again. As JSON they were 90 MB and took most of a second
//! to parse; most of that was the recent points of quiet series. Here a quiet series costs
//! about 60 bytes and no allocation beyond its organisation code, and only the series
//! with signals carry JSON (their evidence is read by people and by the tracking of
//! signals across scans, so it keeps the shape the report prints).
//!
//! Layout, all integers LEB128 varints, `f64` little-endian:
//!
//! ```text
//! format byte (FORMAT) · series count
//! per series: organisation (len, UTF-8) · points (u8) · per point: period (len, text) · value (f64)
//!             · signals (len, JSON array; 0 = none)
//! ```

use crate::error::EngineError;
use crate::series_pass::{IndicatorResults, SeriesResult};
use failwell_domain::Period;

/// The layout's version: a reader refuses any other.
pub const FORMAT: u8 = 3;

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Encodes one indicator's results.
///
/// # Errors
/// A signal that cannot be written as JSON (a non-finite number in its evidence).
pub fn encode(results: &IndicatorResults) -> Result<Vec<u8>, EngineError> {
    let mut out = Vec::with_capacity(1 + results.series.len() * 64);
    out.push(FORMAT);
    put_varint(&mut out, results.series.len() as u64);
    let mut period = String::with_capacity(10);
    for r in &results.series {
        put_bytes(&mut out, r.organisation.as_bytes());
        out.push(r.tail.len().min(usize::from(u8::MAX)) as u8);
        for (p, v) in r.tail.iter().take(usize::from(u8::MAX)) {
            period.clear();
            use std::fmt::Write;
            let _ = write!(period, "{p}");
            put_bytes(&mut out, period.as_bytes());
            out.extend_from_slice(&v.to_le_bytes());
        }
        if r.signals.is_empty() {
            put_varint(&mut out, 0);
        } else {
            let json = serde_json::to_vec(&r.signals).map_err(|e| EngineError::Cache(e.to_string()))?;
            put_bytes(&mut out, &json);
        }
    }
    Ok(out)
}

/// A cursor over encoded results that names what it found wrong.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn bad(&self, what: &str) -> EngineError {
        EngineError::Cache(format!("recorded results: {what} at byte {}", self.at))
    }

    fn byte(&mut self) -> Result<u8, EngineError> {
        let b = *self.bytes.get(self.at).ok_or_else(|| self.bad("unexpected end"))?;
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, EngineError> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(self.bad("varint too long"))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], EngineError> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len()).ok_or_else(|| self.bad("unexpected end"))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn text(&mut self) -> Result<&'a str, EngineError> {
        let n = self.varint()? as usize;
        let bytes = self.take(n)?;
        std::str::from_utf8(bytes).map_err(|_| self.bad("text not UTF-8"))
    }
}

/// Decodes what [`encode`] wrote.
///
/// # Errors
/// Another layout's bytes, or damaged bytes: the caller charts in full instead.
pub fn decode(bytes: &[u8]) -> Result<IndicatorResults, EngineError> {
    let mut r = Reader { bytes, at: 0 };
    if r.byte()? != FORMAT {
        return Err(r.bad("unknown format"));
    }
    let n = r.varint()? as usize;
    let mut series = Vec::with_capacity(n.min(bytes.len()));
    for _ in 0..n {
        let organisation = r.text()?.to_string();
        let points = usize::from(r.byte()?);
        let mut tail = Vec::with_capacity(points);
        for _ in 0..points {
            let period: Period = r.text()?.parse().map_err(|_| r.bad("bad period"))?;
            let value = f64::from_le_bytes(r.take(8)?.try_into().map_err(|_| r.bad("short value"))?);
            tail.push((period, value));
        }
        let json = r.varint()? as usize;
        let signals = if json == 0 {
            Vec::new()
        } else {
            let text = r.take(json)?;
            serde_json::from_slice(text).map_err(|e| EngineError::Cache(format!("recorded signals: {e}")))?
        };
        series.push(SeriesResult { organisation, tail, signals });
    }
    if r.at != bytes.len() {
        return Err(r.bad("trailing bytes"));
    }
    Ok(IndicatorResults { series })
}
