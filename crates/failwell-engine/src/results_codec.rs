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
//! per series: organisation (len, UTF-8) · points (u8) · per point: period · value (f64)
//!             · signals (count; per signal: len, JSON)
//! period: grain (0 year, 1 financial year, 2 month, 3 day) · year (zigzag) [· month (u8)]
//!         or, for a day, its Julian day number (zigzag)
//! ```

use crate::error::EngineError;
use crate::series_pass::{IndicatorResults, SeriesResult};
use failwell_domain::Period;

/// The layout's version: a reader refuses any other.
pub const FORMAT: u8 = 5;

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

fn put_period(out: &mut Vec<u8>, p: Period) {
    match p {
        Period::Year(y) => {
            out.push(0);
            put_varint(out, zigzag(i64::from(y)));
        }
        Period::FinancialYear(y) => {
            out.push(1);
            put_varint(out, zigzag(i64::from(y)));
        }
        Period::Month(y, m) => {
            out.push(2);
            put_varint(out, zigzag(i64::from(y)));
            out.push(m);
        }
        Period::Day(d) => {
            out.push(3);
            put_varint(out, zigzag(i64::from(d.to_julian_day())));
        }
    }
}

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
    for r in &results.series {
        put_bytes(&mut out, r.organisation.as_bytes());
        out.push(r.tail.len().min(usize::from(u8::MAX)) as u8);
        for (p, v) in r.tail.iter().take(usize::from(u8::MAX)) {
            put_period(&mut out, *p);
            out.extend_from_slice(&v.to_le_bytes());
        }
        put_varint(&mut out, r.signals.len() as u64);
        for s in &r.signals {
            let json = serde_json::to_vec(s).map_err(|e| EngineError::Cache(e.to_string()))?;
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
        let end =
            self.at.checked_add(n).filter(|e| *e <= self.bytes.len()).ok_or_else(|| self.bad("unexpected end"))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn period(&mut self) -> Result<Period, EngineError> {
        let grain = self.byte()?;
        let n = unzigzag(self.varint()?);
        let year = i32::try_from(n).map_err(|_| self.bad("bad year"));
        let p = match grain {
            0 => Period::Year(year?),
            1 => Period::FinancialYear(year?),
            2 => Period::Month(year?, self.byte()?),
            3 => Period::Day(time::Date::from_julian_day(year?).map_err(|_| self.bad("bad day"))?),
            _ => return Err(self.bad("bad period grain")),
        };
        // Only what `Period`'s own parser accepts: a month is 1 to 12.
        if matches!(p, Period::Month(_, m) if !(1..=12).contains(&m)) {
            return Err(self.bad("bad month"));
        }
        Ok(p)
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
            let period = r.period()?;
            let value = f64::from_le_bytes(r.take(8)?.try_into().map_err(|_| r.bad("short value"))?);
            tail.push((period, value));
        }
        // Counted, so that the signals (large structs) are not moved as a vector grows.
        let count = r.varint()? as usize;
        let mut signals = Vec::with_capacity(count.min(bytes.len()));
        for _ in 0..count {
            let n = r.varint()? as usize;
            let text = r.take(n)?;
            signals
                .push(serde_json::from_slice(text).map_err(|e| EngineError::Cache(format!("recorded signal: {e}")))?);
        }
        series.push(SeriesResult { organisation, tail, signals });
    }
    if r.at != bytes.len() {
        return Err(r.bad("trailing bytes"));
    }
    Ok(IndicatorResults { series })
}

/// Decodes many indicators' results, sharing them out over the machine's cores.
pub fn decode_all(items: &[(String, Vec<u8>)]) -> Vec<Result<IndicatorResults, EngineError>> {
    crate::parallel::map(items.iter().collect(), 2, |(_, bytes)| decode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::JudgedBy;

    fn p(s: &str) -> Period {
        s.parse().unwrap()
    }

    /// Every grain of period, a series with signals (real ones: late returns), one without.
    fn results() -> IndicatorResults {
        let judge = JudgedBy { regime: "r".into(), regime_version: "1".into(), rule_set: "t".into() };
        let latest =
            [("A", "x", p("2024-03")), ("B", "x", p("2024-03")), ("C", "x", p("2024-03")), ("D", "x", p("2024-01"))];
        let signals = crate::returns::late_returns(&latest, &judge);
        assert!(!signals.is_empty());
        IndicatorResults {
            series: vec![
                SeriesResult {
                    organisation: "A".into(),
                    tail: vec![(p("2024-01"), 1.5), (p("2024-02"), -0.25)],
                    signals: vec![],
                },
                SeriesResult {
                    organisation: "D".into(),
                    tail: vec![(p("2023/24"), -2.0), (p("2024"), 0.0), (p("2024-03-31"), 1e300)],
                    signals,
                },
                SeriesResult { organisation: "E".into(), tail: vec![], signals: vec![] },
            ],
        }
    }

    #[test]
    fn results_read_back_exactly_as_written() {
        let r = results();
        assert_eq!(decode(&encode(&r).unwrap()).unwrap(), r);
    }

    #[test]
    fn damaged_or_foreign_bytes_are_refused_not_misread() {
        let bytes = encode(&results()).unwrap();
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n]).is_err(), "a prefix of {n} bytes decoded");
        }
        let mut other = bytes.clone();
        other[0] = FORMAT + 1;
        assert!(decode(&other).is_err(), "another layout's format byte");
        let mut longer = bytes;
        longer.push(0);
        assert!(decode(&longer).is_err(), "trailing bytes");
    }
}
