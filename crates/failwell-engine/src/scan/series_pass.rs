//! The series pass: chart every series (a full scan), only the series of the indicators
//! an import changed since the last recorded scan (an incremental scan), or every series
//! as known on an earlier day (an as-of scan).
//!
//! The unit of incremental work is the indicator, not the series: peer comparisons span
//! every organisation of one indicator, so when one organisation's figures change, the
//! whole indicator's results are rebuilt, and the others are reused from the last
//! recorded scan. Results are kept per indicator in a compact binary layout
//! (`indicator_scan`, see `record::results_codec`); reading them back gives exactly what
//! charting again would, which the tests check.

use crate::error::EngineError;
use crate::judge::insularity::PeerOutcome;
use crate::judge::series::{IndicatorInfo, SeriesInput, spc_signals};
use crate::judge::signal::{JudgedBy, Signal};
use crate::options::ScanOptions;
use failwell_domain::Period;
use failwell_stats::spc::{RuleSet, XmrChart};
use failwell_store::{ScanRecord, SeriesData, SeriesKey, SeriesScan, Store};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use time::Date;

/// Points kept per series for comparison with peers (the insularity index reads them).
pub use crate::judge::insularity::TAIL_POINTS;

/// What the pass derived from one series, besides its tail (kept beside it in
/// [`IndicatorResults::tails`]). At England scale the last scan's results are 600,000 of
/// these, read back by every incremental scan: 64 bytes each, with the tail 112.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesResult {
    /// The organisation's code, shared: an incremental scan at England scale reads back
    /// 600,000 series of the same 6,000 organisations, and a string each was 600,000
    /// allocations to make and free (see `results_codec::decode_all`).
    pub organisation: Arc<str>,
    /// The period of its last non-missing point (what the late returns compare).
    pub latest: Option<Period>,
    /// Its signals, if any.
    pub signals: Vec<Signal>,
    /// Its peer distance (`None` until judged, and for a neutral indicator).
    pub peer: Option<PeerOutcome>,
}

/// The last (up to [`TAIL_POINTS`]) non-missing points of a series, oldest first, held
/// inline: an incremental scan at England scale reads back 600,000 of them, and one
/// allocation each cost more than reading them. Reads as a slice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tail {
    len: u8,
    points: [(Period, f64); TAIL_POINTS],
}

impl Tail {
    /// The last [`TAIL_POINTS`] of `points` (all of them when fewer).
    pub fn of(points: &[(Period, f64)]) -> Tail {
        let kept = &points[points.len().saturating_sub(TAIL_POINTS)..];
        let mut tail = Tail::default();
        tail.points[..kept.len()].copy_from_slice(kept);
        tail.len = kept.len() as u8;
        tail
    }
}

impl Default for Tail {
    fn default() -> Tail {
        Tail { len: 0, points: [(Period::Year(0), 0.0); TAIL_POINTS] }
    }
}

impl std::ops::Deref for Tail {
    type Target = [(Period, f64)];
    fn deref(&self) -> &[(Period, f64)] {
        &self.points[..usize::from(self.len)]
    }
}

/// Everything the pass derived from one indicator's series, by organisation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndicatorResults {
    /// One entry per series, ordered by organisation code.
    pub series: Vec<SeriesResult>,
    /// Each series' last few non-missing points (oldest first: period, value), in the
    /// order of `series`, which the peer distance is judged on; empty when the results
    /// were read back from a recorded scan (see [`IndicatorResults::tails_dropped`]).
    pub tails: Vec<Tail>,
    /// The key of the peer groups the series' peer distance was judged under
    /// ([`crate::judge::insularity::PeerGroups::key`]); `None` until judged.
    pub peer_key: Option<String>,
}

impl IndicatorResults {
    /// Whether the series' tails are missing: results read back from a recorded scan,
    /// which keeps each series' peer outcome and latest period but not its tail (the
    /// tails' values were half of what every incremental scan read back, for the rare
    /// scan whose peer groups changed). Such a scan charts the indicator again
    /// ([`chart_again`]) before judging its peer distance.
    pub fn tails_dropped(&self) -> bool {
        self.tails.len() != self.series.len()
    }
}

/// How the series were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanMode {
    /// Every series charted from its current figures.
    Full,
    /// Only the indicators changed since the last recorded scan charted; the rest reused.
    Incremental,
    /// Every series charted as known on the as-of day, from the observation rows.
    AsOf,
}

/// The pass's output.
#[derive(Debug, Clone)]
pub struct SeriesPass {
    /// Results per indicator code.
    pub by_indicator: BTreeMap<String, IndicatorResults>,
    /// Full, incremental or as-of.
    pub mode: ScanMode,
    /// Series charted by this scan.
    pub charted: u64,
    /// Series whose results were reused from the last recorded scan.
    pub reused: u64,
    /// Indicators whose results this scan (re)built: what a recorded scan must write.
    pub rebuilt: BTreeSet<String>,
    /// The latest publication day among the figures read (now-scans only).
    pub latest_published: Option<Date>,
    /// The newest import the store had when the pass began.
    pub through_import: i64,
    /// The fingerprint of what shapes the results; see [`fingerprint`].
    pub config: String,
}

use crate::stable_hash::stable_hash;

/// Everything that shapes the series results besides the figures: an incremental scan
/// may reuse results only from a scan with the same fingerprint.
pub fn fingerprint(
    judged_by: &JudgedBy,
    options: &ScanOptions,
    indicators: &BTreeMap<String, IndicatorInfo>,
    as_of: Option<Date>,
) -> String {
    // The layout of the results is part of the fingerprint: a newer failwell charts in
    // full once rather than misreading an older one's results.
    let mut text = format!(
        "results={}|{}|{}|{}|recent={}|min={}|as_of={}",
        crate::record::results_codec::FORMAT,
        judged_by.regime,
        judged_by.regime_version,
        judged_by.rule_set,
        options.recent_points,
        options.min_points,
        as_of.map_or("now".to_string(), crate::dates::iso)
    );
    for i in indicators.values() {
        text.push_str(&format!("|{}:{:?}:{:?}:{:?}", i.code, i.polarity, i.kind, i.failure_types));
    }
    stable_hash(text.as_bytes())
}

/// Charts series one at a time into per-indicator results. Owns what it reads, so that
/// it can run on a thread of its own beside the reader.
struct Charter {
    index: Arc<HashMap<i64, SeriesKey>>,
    indicators: Arc<BTreeMap<String, IndicatorInfo>>,
    chart: XmrChart,
    rules: RuleSet,
    judged_by: JudgedBy,
    recent_points: usize,
    min_points: usize,
    out: BTreeMap<String, Vec<(SeriesResult, Tail)>>,
    charted: u64,
}

impl Charter {
    fn chart(&mut self, data: &SeriesData) {
        let Some(key) = self.index.get(&data.series_id) else { return };
        let Some(info) = self.indicators.get(&key.indicator) else { return };
        self.charted += 1;
        let input = SeriesInput { organisation: &key.organisation, indicator: info, data };
        let signals =
            spc_signals(&mut self.chart, &self.rules, input, &self.judged_by, self.recent_points, self.min_points);
        let mut last: Vec<(Period, f64)> = (0..data.len())
            .rev()
            .filter(|&i| !data.values[i].is_nan())
            .take(TAIL_POINTS)
            .filter_map(|i| Some((data.period_value(i)?, data.values[i])))
            .collect();
        last.reverse();
        let tail = Tail::of(&last);
        let results = match self.out.get_mut(&key.indicator) {
            Some(r) => r,
            None => self.out.entry(key.indicator.clone()).or_default(),
        };
        let organisation = key.organisation.as_str().into();
        results.push((SeriesResult { organisation, latest: tail.last().map(|(p, _)| *p), signals, peer: None }, tail));
    }

    fn finish(self) -> (BTreeMap<String, IndicatorResults>, u64) {
        let out = self
            .out
            .into_iter()
            .map(|(code, mut charted)| {
                charted.sort_by(|a, b| a.0.organisation.cmp(&b.0.organisation));
                let (series, tails) = charted.into_iter().unzip();
                (code, IndicatorResults { series, tails, peer_key: None })
            })
            .collect();
        (out, self.charted)
    }
}

impl Charter {
    fn new(
        keys: Vec<SeriesKey>,
        indicators: &BTreeMap<String, IndicatorInfo>,
        rules: &RuleSet,
        judged_by: &JudgedBy,
        options: &ScanOptions,
    ) -> Charter {
        Charter {
            index: Arc::new(keys.into_iter().map(|k| (k.id, k)).collect()),
            indicators: Arc::new(indicators.clone()),
            chart: XmrChart::new(),
            rules: rules.clone(),
            judged_by: judged_by.clone(),
            recent_points: options.recent_points,
            min_points: options.min_points,
            out: BTreeMap::new(),
            charted: 0,
        }
    }
}

/// Charts the indicators `codes` of `pass` again from the store's current figures,
/// replacing their results read back from the recorded scan: their peer distance must be
/// judged again (the peer groups changed), and recorded results keep no tails. They are
/// then rebuilt, and written again by a recorded scan.
///
/// # Errors
/// The store failing.
pub async fn chart_again(
    store: &Store,
    pass: &mut SeriesPass,
    codes: &BTreeSet<String>,
    indicators: &BTreeMap<String, IndicatorInfo>,
    rules: &RuleSet,
    judged_by: &JudgedBy,
    options: &ScanOptions,
) -> Result<(), EngineError> {
    let charter = |keys: Vec<SeriesKey>| Charter::new(keys, indicators, rules, judged_by, options);
    let (charted, n) = chart_indicators(store, codes, &charter).await?;
    for code in codes {
        if let Some(old) = pass.by_indicator.remove(code).filter(IndicatorResults::tails_dropped) {
            pass.reused = pass.reused.saturating_sub(old.series.len() as u64);
        }
    }
    pass.charted += n;
    pass.rebuilt.extend(charted.keys().cloned());
    pass.by_indicator.extend(charted);
    Ok(())
}

/// Which series to read.
enum Read<'a> {
    /// The current figures of every series, or of these.
    Current(Option<&'a [i64]>),
    /// Every series as known on a day.
    AsOf(Date),
}

/// Series handed to the charting thread at a time.
const BATCH: usize = 256;

/// Reads series from the store and charts them on a second thread meanwhile: reading
/// (SQLite decoding pages, or PostgreSQL rows) and charting each take about half of a
/// full scan, and the machines this runs on have at least two cores.
async fn read_and_chart(
    store: &Store,
    read: Read<'_>,
    charter: Charter,
) -> Result<(BTreeMap<String, IndicatorResults>, u64), EngineError> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<SeriesData>>(8);
    let worker = std::thread::spawn(move || {
        let mut charter = charter;
        for batch in rx {
            for data in &batch {
                charter.chart(data);
            }
        }
        charter.finish()
    });
    let mut batch = Vec::with_capacity(BATCH);
    let mut sink = |d: &SeriesData| {
        batch.push(d.clone());
        if batch.len() == BATCH {
            // A send fails only if the worker died; its join below reports that.
            let _ = tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
        }
    };
    let result = match read {
        Read::Current(only) => store.current_series(only, &mut sink).await,
        Read::AsOf(day) => store.series_as_of(day, None, &mut sink).await,
    };
    if !batch.is_empty() {
        let _ = tx.send(batch);
    }
    drop(tx);
    let charted = worker.join().map_err(|_| EngineError::Internal("the charting thread failed".into()))?;
    result?;
    Ok(charted)
}

/// Reads and charts every series of `indicators` (none: nothing to do).
async fn chart_indicators(
    store: &Store,
    indicators: &BTreeSet<String>,
    charter: &impl Fn(Vec<SeriesKey>) -> Charter,
) -> Result<(BTreeMap<String, IndicatorResults>, u64), EngineError> {
    if indicators.is_empty() {
        return Ok((BTreeMap::new(), 0));
    }
    let keys = store.series_of_indicators(&indicators.iter().cloned().collect::<Vec<_>>()).await?;
    if keys.is_empty() {
        return Ok((BTreeMap::new(), 0));
    }
    let ids: Vec<i64> = keys.iter().map(|k| k.id).collect();
    read_and_chart(store, Read::Current(Some(&ids)), charter(keys)).await
}

/// Runs the series pass: as of a day when `options.as_of` is set; otherwise incrementally
/// when the last recorded scan has the same fingerprint and `options.full` is not set,
/// else in full. `recorded_results`, when given, is the last scan's results being read
/// already (else they are read here, if needed).
pub async fn series_pass(
    store: &Store,
    recorded_results: Option<failwell_store::Ahead<Vec<SeriesScan>>>,
    indicators: &BTreeMap<String, IndicatorInfo>,
    rules: &RuleSet,
    judged_by: &JudgedBy,
    options: &ScanOptions,
) -> Result<SeriesPass, EngineError> {
    // Read before the series: an import landing meanwhile is then charted again next time.
    let through_import = store.latest_import().await?;
    let config = fingerprint(judged_by, options, indicators, options.as_of);
    let charter = |keys: Vec<SeriesKey>| Charter::new(keys, indicators, rules, judged_by, options);
    if let Some(day) = options.as_of {
        let charter = charter(store.series_index().await?);
        let (by_indicator, charted) = read_and_chart(store, Read::AsOf(day), charter).await?;
        let rebuilt = by_indicator.keys().cloned().collect();
        return Ok(SeriesPass {
            by_indicator,
            mode: ScanMode::AsOf,
            charted,
            reused: 0,
            rebuilt,
            latest_published: None,
            through_import,
            config,
        });
    }
    let latest_published = store.latest_published().await?;
    let last: Option<ScanRecord> = if options.full { None } else { store.last_scan().await? };
    if let Some(last) = last.filter(|l| l.config == config) {
        // The unit is the indicator: every series of an indicator with a changed series.
        let touched: BTreeSet<String> =
            store.indicators_changed_since(last.through_import).await?.into_iter().collect();
        let mut reused = BTreeMap::new();
        let started = std::time::Instant::now();
        let cached = match recorded_results {
            Some(reading) => reading.get().await?,
            None => store.indicator_scans().await?,
        };
        tracing::info!(elapsed = ?started.elapsed(), bytes = cached.iter().map(|c| c.results.len()).sum::<usize>(), "read the last scan's results");
        let wanted: Vec<(String, Vec<u8>)> = cached
            .into_iter()
            .filter(|c| !touched.contains(&c.indicator) && indicators.contains_key(&c.indicator))
            .map(|SeriesScan { indicator, results }| (indicator, results))
            .collect();
        // Decoded on other threads while the changed indicators are read and charted: the
        // two are independent, and each alone leaves a core idle some of the time.
        let decoding = std::thread::spawn(move || {
            let decoded = crate::record::results_codec::decode_all(&wanted);
            wanted.into_iter().map(|(indicator, _)| indicator).zip(decoded).collect::<Vec<_>>()
        });
        let (mut by_indicator, mut charted) = chart_indicators(store, &touched, &charter).await?;
        let decoded = decoding.join().map_err(|_| EngineError::Internal("the decoding thread failed".into()))?;
        let mut damaged = BTreeSet::new();
        for (indicator, decoded) in decoded {
            match decoded {
                Ok(results) => {
                    reused.insert(indicator, results);
                }
                // A damaged cache costs time, never a wrong result: chart the indicator again.
                Err(e) => {
                    tracing::warn!(%indicator, error = %e, "recorded results unreadable: charting the indicator again");
                    damaged.insert(indicator);
                }
            }
        }
        if !damaged.is_empty() {
            let (more, n) = chart_indicators(store, &damaged, &charter).await?;
            by_indicator.extend(more);
            charted += n;
        }
        tracing::info!(elapsed = ?started.elapsed(), "charted the changed indicators and decoded the others");
        let rebuilt: BTreeSet<String> = by_indicator.keys().cloned().collect();
        let reused_count = reused.values().map(|r| r.series.len() as u64).sum();
        by_indicator.extend(reused);
        return Ok(SeriesPass {
            by_indicator,
            mode: ScanMode::Incremental,
            charted,
            reused: reused_count,
            rebuilt,
            latest_published,
            through_import,
            config,
        });
    }
    let charter = charter(store.series_index().await?);
    let (by_indicator, charted) = read_and_chart(store, Read::Current(None), charter).await?;
    let rebuilt = by_indicator.keys().cloned().collect();
    Ok(SeriesPass {
        by_indicator,
        mode: ScanMode::Full,
        charted,
        reused: 0,
        rebuilt,
        latest_published,
        through_import,
        config,
    })
}

/// The store's packed series, as judging reads it.
impl crate::judge::series::SeriesPoints for SeriesData {
    fn values(&self) -> &[f64] {
        &self.values
    }

    fn period(&self, i: usize) -> std::borrow::Cow<'_, str> {
        SeriesData::period(self, i)
    }

    fn period_value(&self, i: usize) -> Option<failwell_domain::Period> {
        SeriesData::period_value(self, i)
    }

    fn published(&self, i: usize) -> Option<time::Date> {
        self.published.get(i).copied().flatten()
    }
}
