//! The binary layout of one indicator's recorded series results (`indicator_scan`).
//!
//! An incremental scan at England scale reads back 600,000 series results of the
//! indicators it does not chart again. As JSON they were 90 MB and took most of a second
//! to parse; most of that was the recent points of quiet series. Here a quiet series costs
//! about 15 bytes (its organisation, latest period and peer outcome; not its last points,
//! see `IndicatorResults::tails_dropped`) and no allocation beyond its organisation code,
//! and only the series
//! with signals carry JSON (their evidence is read by people and by the tracking of
//! signals across scans, so it keeps the shape the report prints).
//!
//! The body is stored as one LZ4 block: the evidence JSON and the organisation codes
//! compress 2.4 to 1 (60 MB to 25 MB at England scale), and LZ4 unpacks at gigabytes a
//! second, so reading it back costs less (SQLite's overflow pages, PostgreSQL's
//! out-of-line values and the bytes sent) than it did uncompressed.
//!
//! Layout, all integers LEB128 varints unless said, `f64` little-endian:
//!
//! ```text
//! format byte (FORMAT) · checksum (u64 LE, of every byte after it) · body length (u32 LE)
//! · the body as one LZ4 block
//! body: peer key (len, UTF-8; empty: not judged) · series count
//! per series: organisation (len, UTF-8) · latest period? · signals (count; per signal,
//!             see below) · peer outcome
//! peer outcome: 0 none · 1 too few points · 2 no norm · 3 not distant
//!             · 4 distant · points (u8) · per point: period · value · median · sd (f64) · n
//!               · neighbours (0: every organisation; else count + 1, then each: len, UTF-8)
//! signal: key · organisation · source kind (u8) · source · indicator? · rule · direction (u8)
//!         · side? (u8) · strength (u8) · failure types (count; each u8) · indicator kind?
//!         · start · end · known from? · reading (u8) · regime · regime version · rule set
//!         · tracking? (id · first seen) · evidence (JSON text)
//!         texts are len, UTF-8; `x?` is 0 for none, else 1 then x; enums are their
//!         position in the declaration (failure types: in `FailureType::ALL`)
//! period: grain (0 year, 1 financial year, 2 month, 3 day) · year (zigzag) [· month (u8)]
//!         or, for a day, its Julian day number (zigzag)
//! ```

use crate::error::EngineError;
use crate::judge::insularity::{Distant, Norm, PeerOutcome};
use crate::judge::signal::{EvidenceJson, JudgedBy, Signal, Tracking};
use crate::scan::series_pass::{IndicatorResults, SeriesResult};
use failwell_domain::Period;
use failwell_domain::{FailureType, IndicatorKind};
use std::sync::Arc;

/// The layout's version: a reader refuses any other.
pub const FORMAT: u8 = 11;

/// Bytes of the checksum after the format byte.
const CHECKSUM: usize = 8;

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
pub fn encode(results: &IndicatorResults) -> Vec<u8> {
    let mut body = Vec::with_capacity(results.series.len() * 64);
    put_bytes(&mut body, results.peer_key.as_deref().unwrap_or("").as_bytes());
    put_varint(&mut body, results.series.len() as u64);
    for r in &results.series {
        put_bytes(&mut body, r.organisation.as_bytes());
        // The tail is not kept (see `IndicatorResults::tails_dropped`): its values were
        // half of the packed results, and only a change of peer groups needs them.
        match r.latest {
            None => body.push(0),
            Some(p) => {
                body.push(1);
                put_period(&mut body, p);
            }
        }
        put_varint(&mut body, r.signals.len() as u64);
        for s in &r.signals {
            put_signal(&mut body, s);
        }
        put_peer(&mut body, r.peer.as_ref());
    }
    let packed = lz4_flex::block::compress_prepend_size(&body);
    let mut out = Vec::with_capacity(1 + CHECKSUM + packed.len());
    out.push(FORMAT);
    out.extend_from_slice(&[0; CHECKSUM]);
    out.extend_from_slice(&packed);
    let sum = crate::stable_hash::checksum(&out[1 + CHECKSUM..]);
    out[1..1 + CHECKSUM].copy_from_slice(&sum.to_le_bytes());
    out
}

fn put_text(out: &mut Vec<u8>, s: &str) {
    put_bytes(out, s.as_bytes());
}

fn put_optional_text(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_text(out, s);
        }
    }
}

/// A signal field by field: 40,000 of them are read back by every incremental scan at
/// England scale, and as JSON their names and quotes cost more to parse than the points.
/// The evidence stays JSON text (it is printed as it is). The destructuring names every
/// field, so a field added to `Signal` and forgotten here does not compile.
fn put_signal(out: &mut Vec<u8>, s: &Signal) {
    let Signal {
        key,
        organisation,
        source_kind,
        source,
        indicator,
        rule,
        direction,
        side,
        strength,
        failure_types,
        indicator_kind,
        start,
        end,
        known_from,
        reading,
        judged_by,
        tracking,
        evidence,
    } = s;
    put_text(out, key);
    put_text(out, organisation);
    out.push(*source_kind as u8);
    put_text(out, source);
    put_optional_text(out, indicator.as_deref());
    put_text(out, &rule.to_string());
    out.push(*direction as u8);
    match side {
        None => out.push(0),
        Some(side) => out.extend([1, *side as u8]),
    }
    out.push(*strength as u8);
    put_varint(out, failure_types.len() as u64);
    for t in failure_types {
        out.push(FailureType::ALL.iter().position(|a| a == t).unwrap_or(usize::from(u8::MAX)) as u8);
    }
    put_optional_text(out, indicator_kind.map(IndicatorKind::code));
    put_text(out, &start.to_string());
    put_text(out, &end.to_string());
    put_optional_text(out, known_from.map(crate::dates::iso).as_deref());
    out.push(*reading as u8);
    put_text(out, &judged_by.regime);
    put_text(out, &judged_by.regime_version);
    put_text(out, &judged_by.rule_set);
    match tracking {
        None => out.push(0),
        Some(t) => {
            out.push(1);
            put_text(out, &t.id);
            put_text(out, &t.first_seen);
        }
    }
    put_text(out, evidence.as_str());
}

fn put_peer(out: &mut Vec<u8>, outcome: Option<&PeerOutcome>) {
    match outcome {
        None => out.push(0),
        Some(PeerOutcome::TooFew) => out.push(1),
        Some(PeerOutcome::NoNorm) => out.push(2),
        Some(PeerOutcome::NotDistant) => out.push(3),
        Some(PeerOutcome::Distant(d)) => {
            let Distant { points, neighbours } = d.as_ref();
            out.push(4);
            out.push(points.len().min(usize::from(u8::MAX)) as u8);
            for (p, v, norm) in points.iter().take(usize::from(u8::MAX)) {
                put_period(out, *p);
                for x in [*v, norm.median, norm.sd] {
                    out.extend_from_slice(&x.to_le_bytes());
                }
                put_varint(out, norm.n as u64);
            }
            match neighbours {
                None => put_varint(out, 0),
                Some(n) => {
                    put_varint(out, n.len() as u64 + 1);
                    for code in n {
                        put_bytes(out, code.as_bytes());
                    }
                }
            }
        }
    }
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

    fn f64(&mut self) -> Result<f64, EngineError> {
        let bytes = self.take(8)?;
        Ok(f64::from_le_bytes(bytes.try_into().map_err(|_| self.bad("short value"))?))
    }

    fn peer(&mut self) -> Result<Option<PeerOutcome>, EngineError> {
        Ok(Some(match self.byte()? {
            0 => return Ok(None),
            1 => PeerOutcome::TooFew,
            2 => PeerOutcome::NoNorm,
            3 => PeerOutcome::NotDistant,
            4 => {
                let n = usize::from(self.byte()?);
                let mut points = Vec::with_capacity(n);
                for _ in 0..n {
                    let period = self.period()?;
                    let (value, median, sd) = (self.f64()?, self.f64()?, self.f64()?);
                    let n = usize::try_from(self.varint()?).map_err(|_| self.bad("bad peer count"))?;
                    points.push((period, value, Norm { median, sd, n }));
                }
                let neighbours = match self.varint()? as usize {
                    0 => None,
                    k => Some((1..k).map(|_| self.text().map(str::to_string)).collect::<Result<Vec<_>, _>>()?),
                };
                PeerOutcome::Distant(Box::new(Distant { points, neighbours }))
            }
            _ => return Err(self.bad("bad peer outcome")),
        }))
    }

    fn string(&mut self) -> Result<String, EngineError> {
        self.text().map(str::to_string)
    }

    fn optional_string(&mut self) -> Result<Option<String>, EngineError> {
        match self.byte()? {
            0 => Ok(None),
            1 => self.string().map(Some),
            _ => Err(self.bad("bad option")),
        }
    }

    /// The `index`th of `values` (an enum by its position).
    fn pick<T: Copy>(&mut self, values: &[T]) -> Result<T, EngineError> {
        let i = usize::from(self.byte()?);
        values.get(i).copied().ok_or_else(|| self.bad("bad enum value"))
    }

    fn signal(&mut self) -> Result<Signal, EngineError> {
        use crate::judge::signal::{Direction, Reading, SourceKind, Strength};
        use failwell_stats::spc::Side;
        let key = self.string()?;
        let organisation = self.string()?;
        let source_kind = self.pick(&[SourceKind::Indicator, SourceKind::Inspection, SourceKind::Event])?;
        let source = self.string()?;
        let indicator = self.optional_string()?;
        let rule = self.string()?.parse().map_err(|_| self.bad("unknown signal rule"))?;
        let direction = self.pick(&[Direction::Concern, Direction::Improvement, Direction::Neutral])?;
        let side = match self.byte()? {
            0 => None,
            1 => Some(self.pick(&[Side::High, Side::Low])?),
            _ => return Err(self.bad("bad option")),
        };
        let strength = self.pick(&[Strength::Weak, Strength::Moderate, Strength::Strong])?;
        let n = self.varint()? as usize;
        let failure_types = (0..n).map(|_| self.pick(&FailureType::ALL)).collect::<Result<Vec<_>, _>>()?;
        let indicator_kind = match self.optional_string()? {
            None => None,
            Some(code) => Some(code.parse().map_err(|_| self.bad("unknown indicator kind"))?),
        };
        let start = self.string()?.parse().map_err(|_| self.bad("not a period"))?;
        let end = self.string()?.parse().map_err(|_| self.bad("not a period"))?;
        let known_from = match self.optional_string()? {
            None => None,
            Some(day) => Some(failwell_domain::dates::parse_date(&day).map_err(|_| self.bad("not a date"))?),
        };
        let reading = self.pick(&[
            Reading::AsIs,
            Reading::ProbableHonestReporting,
            Reading::DeteriorationConfirmedByOutcomes,
            Reading::NationalShift,
            Reading::SmallNumbers,
            Reading::NoExitRecorded,
            Reading::SeriesStopped,
        ])?;
        let judged_by = JudgedBy { regime: self.string()?, regime_version: self.string()?, rule_set: self.string()? };
        let tracking = match self.byte()? {
            0 => None,
            1 => Some(Tracking { id: self.string()?, first_seen: self.string()? }),
            _ => return Err(self.bad("bad option")),
        };
        // Intact (the checksum matched) and written by `EvidenceJson`: JSON already.
        let evidence = EvidenceJson::recorded(self.text()?);
        Ok(Signal {
            key,
            organisation,
            source_kind,
            source,
            indicator,
            rule,
            direction,
            side,
            strength,
            failure_types,
            indicator_kind,
            start,
            end,
            known_from,
            reading,
            judged_by,
            tracking,
            evidence,
        })
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
#[cfg(test)]
pub fn decode(bytes: &[u8]) -> Result<IndicatorResults, EngineError> {
    decode_sharing(bytes, &mut Vec::new(), &mut Vec::new())
}

/// [`decode`], sharing organisation codes with the results decoded before (`names`, by
/// position): the indicators of a store list mostly the same organisations in the same
/// order, so each code is allocated once rather than once a series. The body is unpacked
/// into `body`, reused from one indicator to the next.
fn decode_sharing(
    bytes: &[u8],
    names: &mut Vec<Arc<str>>,
    body: &mut Vec<u8>,
) -> Result<IndicatorResults, EngineError> {
    unpack(bytes, body)?;
    let bytes = &body[..];
    let mut r = Reader { bytes, at: 0 };
    let peer_key = Some(r.text()?).filter(|k| !k.is_empty()).map(str::to_string);
    let n = r.varint()? as usize;
    let mut series = Vec::with_capacity(n.min(bytes.len()));
    for i in 0..n {
        let code = r.text()?;
        let organisation = match names.get(i) {
            Some(name) if &**name == code => Arc::clone(name),
            _ => {
                let name: Arc<str> = code.into();
                match names.get_mut(i) {
                    Some(slot) => *slot = Arc::clone(&name),
                    None => names.push(Arc::clone(&name)),
                }
                name
            }
        };
        let latest = match r.byte()? {
            0 => None,
            1 => Some(r.period()?),
            _ => return Err(r.bad("bad option")),
        };
        // Counted, so that the signals (large structs) are not moved as a vector grows.
        let count = r.varint()? as usize;
        let mut signals = Vec::with_capacity(count.min(bytes.len()));
        for _ in 0..count {
            signals.push(r.signal()?);
        }
        let peer = r.peer()?;
        series.push(SeriesResult { organisation, latest, signals, peer });
    }
    if r.at != bytes.len() {
        return Err(r.bad("trailing bytes"));
    }
    Ok(IndicatorResults { series, tails: Vec::new(), peer_key })
}

/// Checks the format and checksum of `bytes` and unpacks their body into `body`.
fn unpack(bytes: &[u8], body: &mut Vec<u8>) -> Result<(), EngineError> {
    let mut r = Reader { bytes, at: 0 };
    if r.byte()? != FORMAT {
        return Err(r.bad("unknown format"));
    }
    let sum = u64::from_le_bytes(r.take(CHECKSUM)?.try_into().unwrap_or([0; CHECKSUM]));
    if sum != crate::stable_hash::checksum(&bytes[1 + CHECKSUM..]) {
        return Err(r.bad("checksum does not match: damaged"));
    }
    let packed = &bytes[r.at..];
    let (length, block) =
        lz4_flex::block::uncompressed_size(packed).map_err(|e| r.bad(&format!("body length unreadable ({e})")))?;
    // LZ4 expands at most 255 to 1: a larger length is not one this codec wrote.
    if length > block.len().saturating_mul(255) {
        return Err(r.bad("body length impossible"));
    }
    body.clear();
    body.resize(length, 0);
    match lz4_flex::block::decompress_into(block, body) {
        Ok(n) if n == length => Ok(()),
        Ok(_) => Err(r.bad("body shorter than its length")),
        Err(e) => Err(r.bad(&format!("body does not unpack ({e})"))),
    }
}

/// Decodes many indicators' results, sharing them out over the machine's cores.
pub fn decode_all(items: &[(String, Vec<u8>)]) -> Vec<Result<IndicatorResults, EngineError>> {
    let cores = crate::scan::parallel::threads();
    let shares: Vec<&[(String, Vec<u8>)]> = items.chunks(items.len().div_ceil(cores).max(1)).collect();
    crate::scan::parallel::map(shares, 2, |share| {
        // Each core shares codes among its own indicators: no counter is touched by two.
        let (mut names, mut body) = (Vec::new(), Vec::new());
        share.iter().map(|(_, bytes)| decode_sharing(bytes, &mut names, &mut body)).collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::signal::JudgedBy;
    use crate::scan::series_pass::Tail;

    fn p(s: &str) -> Period {
        s.parse().unwrap()
    }

    /// Every grain of period, a series with signals (real ones: late returns), one without,
    /// and every peer outcome.
    fn results() -> IndicatorResults {
        let judge = JudgedBy { regime: "r".into(), regime_version: "1".into(), rule_set: "t".into() };
        let latest =
            [("A", "x", p("2024-03")), ("B", "x", p("2024-03")), ("C", "x", p("2024-03")), ("D", "x", p("2024-01"))];
        let mut signals = crate::judge::returns::late_returns(&latest, &judge);
        assert!(!signals.is_empty());
        // Every optional field filled and every enum off its first value, on one signal.
        let mut full = signals[0].clone();
        full.side = Some(failwell_stats::spc::Side::Low);
        full.source_kind = crate::judge::signal::SourceKind::Event;
        full.direction = crate::judge::signal::Direction::Neutral;
        full.strength = crate::judge::signal::Strength::Strong;
        full.reading = crate::judge::signal::Reading::DeteriorationConfirmedByOutcomes;
        full.failure_types = FailureType::ALL.to_vec();
        full.indicator_kind = Some(IndicatorKind::ReportingCulture);
        full.known_from = None;
        full.tracking = Some(Tracking { id: "D|x|returns.missing|2024-02".into(), first_seen: "2024-04-15".into() });
        signals.push(full);
        IndicatorResults {
            series: vec![
                SeriesResult {
                    organisation: "A".into(),
                    latest: Some(p("2024-02")),
                    signals: vec![],
                    peer: Some(PeerOutcome::TooFew),
                },
                SeriesResult {
                    organisation: "D".into(),
                    latest: Some(p("2024-03-31")),
                    signals,
                    peer: Some(PeerOutcome::Distant(Box::new(Distant {
                        points: vec![(p("2024"), 0.0, Norm { median: -3.5, sd: 0.25, n: 7 })],
                        neighbours: Some(vec!["N1".into(), "N2".into(), "N3".into()]),
                    }))),
                },
                SeriesResult { organisation: "E".into(), latest: None, signals: vec![], peer: None },
                SeriesResult {
                    organisation: "F".into(),
                    latest: Some(p("2023/24")),
                    signals: vec![],
                    peer: Some(PeerOutcome::Distant(Box::new(Distant { points: vec![], neighbours: None }))),
                },
                SeriesResult {
                    organisation: "G".into(),
                    latest: Some(p("2024")),
                    signals: vec![],
                    peer: Some(PeerOutcome::NoNorm),
                },
                SeriesResult {
                    organisation: "H".into(),
                    latest: Some(p("2024-03")),
                    signals: vec![],
                    peer: Some(PeerOutcome::NotDistant),
                },
            ],
            peer_key: Some("0123456789abcdef".into()),
            tails: vec![
                Tail::of(&[(p("2024-01"), 1.5), (p("2024-02"), -0.25)]),
                Tail::of(&[(p("2023/24"), -2.0), (p("2024"), 0.0), (p("2024-03-31"), 1e300)]),
                Tail::default(),
                Tail::default(),
                Tail::default(),
                Tail::default(),
            ],
        }
    }

    /// `results` as a recorded scan keeps them: without their tails.
    fn recorded(mut results: IndicatorResults) -> IndicatorResults {
        results.tails.clear();
        results
    }

    #[test]
    fn results_read_back_exactly_as_written_less_their_tails() {
        let mut r = results();
        let back = decode(&encode(&r)).unwrap();
        assert_eq!(back, recorded(r.clone()));
        assert!(back.tails.is_empty() && back.tails_dropped());
        assert_eq!(back.series[1].latest, Some(p("2024-03-31")), "the latest period is kept");
        r.peer_key = None;
        assert_eq!(decode(&encode(&r)).unwrap(), recorded(r), "not judged against peers");
    }

    #[test]
    fn results_decoded_together_share_codes_and_read_back_exactly() {
        let a = results();
        let mut b = results();
        b.series.reverse();
        b.series.truncate(4);
        let items: Vec<(String, Vec<u8>)> =
            [("a", &a), ("b", &b), ("c", &a)].iter().map(|(k, r)| (k.to_string(), encode(r))).collect();
        let decoded: Vec<IndicatorResults> = decode_all(&items).into_iter().map(Result::unwrap).collect();
        assert_eq!(decoded, vec![recorded(a.clone()), recorded(b), recorded(a)]);
    }

    #[test]
    fn damaged_or_foreign_bytes_are_refused_not_misread() {
        let bytes = encode(&results());
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n]).is_err(), "a prefix of {n} bytes decoded");
        }
        let mut other = bytes.clone();
        other[0] = FORMAT + 1;
        assert!(decode(&other).is_err(), "another layout's format byte");
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_err(), "trailing bytes");
        // Any byte changed, evidence and values included: the checksum no longer matches.
        for at in 0..bytes.len() {
            for flip in [0x01, 0x80] {
                let mut damaged = bytes.clone();
                damaged[at] ^= flip;
                assert!(decode(&damaged).is_err(), "byte {at} changed ({flip:#x}) decoded");
            }
        }
    }
}
