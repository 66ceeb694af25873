//! The scan: every organisation's evidence as known on a day, turned into signals, an
//! assessment and a recommended rung.
//!
//! Deterministic by construction: the store streams in key order, organisations are
//! kept in a `BTreeMap`, every list is sorted before it is returned, and "today" is the
//! as-of day (or, without one, the latest publication date in the evidence), never the
//! clock.

pub mod count_pass;
pub mod denominator_pass;
pub mod level_pass;
pub mod parallel;
pub mod peer_pass;
pub mod series_pass;

use crate::error::EngineError;
use crate::judge::insularity::{PeerGroups, PeerNorms};
pub use crate::judge::organisation::OrganisationReport;
use crate::judge::organisation::{Evidence, Setting, judge_organisation};
use crate::judge::rules::RuleBook;
use crate::judge::series::IndicatorInfo;
use crate::judge::signal::{JudgedBy, Signal};
use crate::judge::system::{SystemReport, SystemRule, system_view};
use crate::options::ScanOptions;
use crate::record::continuity::match_signals;
use crate::scan::series_pass::{ScanMode, SeriesPass, series_pass};
use failwell_domain::regime::Regime;
use failwell_domain::{Event, Indicator, Inspection, Link, Method, Organisation, Period, dates};
use failwell_stats::spc::RuleSet;
use failwell_store::{OpenSignal, RecommendationRow, ScanRecord, ScanWrites, SeriesScan, SignalRow, Store};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use time::Date;

/// The rule set name recorded on signals the engine judges itself (inspections, events).
pub const ENGINE_RULE_SET: &str = "failwell-engine-1";

/// A whole scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanReport {
    /// The as-of day used ("today" for ages and clocks).
    pub as_of: String,
    /// Regime id.
    pub regime: String,
    /// Regime version.
    pub regime_version: String,
    /// SPC rule set.
    pub rule_set: String,
    /// How the series were read: full, incremental or as of a day.
    pub mode: ScanMode,
    /// Series charted by this scan.
    pub series_charted: u64,
    /// Series whose results were reused from the last recorded scan (incremental).
    pub series_reused: u64,
    /// What recording the scan did, when it was recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded: Option<Recorded>,
    /// Organisations, worst first (overall score descending, then code).
    pub organisations: Vec<OrganisationReport>,
    /// Groups of linked organisations signalling together, recommended first.
    pub systems: Vec<SystemReport>,
    /// Indicators moving nationally, shown once here rather than against each
    /// organisation (judge/national.rs).
    pub national: Vec<crate::judge::national::NationalShift>,
}

impl ScanReport {
    /// The report as compact JSON (the same text as `serde_json::to_vec`), in parts to be
    /// written one after the other: the organisations, 70 MB at England scale, are
    /// rendered on every core, and each core's share is kept as its own buffer rather
    /// than copied into one. Takes `&mut self` to render the rest without them; they are
    /// put back before it returns.
    ///
    /// # Errors
    /// Only a bug: every part of a report serialises.
    pub fn json_parts(&mut self) -> serde_json::Result<Vec<Vec<u8>>> {
        let organisations = std::mem::take(&mut self.organisations);
        // Signals are most of an organisation's JSON (evidence), about 4 KB the rest.
        let parts = crate::json_parts::spliced(&*self, "organisations", &organisations, |o| 3 + o.signals.len());
        self.organisations = organisations;
        parts
    }
}

/// A recorded scan's place in the history of signals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recorded {
    /// The scan's id in the store.
    pub scan_id: i64,
    /// Signals no earlier scan had seen.
    pub new_signals: usize,
    /// Signals continuing one an earlier scan saw.
    pub ongoing_signals: usize,
    /// Identities of signals earlier scans saw and this one did not: closed.
    pub closed_signals: Vec<String>,
}

impl Recorded {
    /// The audit log's subject and detail for recording this scan: one wording whoever
    /// recorded it (the web's "record scan" button, `failwell scan`, the demo).
    #[must_use]
    pub fn audit_entry(&self) -> (String, String) {
        (
            format!("scan {}", self.scan_id),
            format!(
                "{} new, {} ongoing, {} closed signal(s)",
                self.new_signals,
                self.ongoing_signals,
                self.closed_signals.len()
            ),
        )
    }
}

/// Runs the scan over `store` under `regime` (its trigger rules already compiled into
/// `rules`), and records it when `options.record` says so.
///
/// # Errors
/// The store failing, or a trigger rule failing for some organisation.
pub async fn scan(
    store: &Store,
    regime: &Regime,
    rules: &RuleBook,
    options: &ScanOptions,
) -> Result<ScanReport, EngineError> {
    scan_then(store, regime, rules, options, |report| report).await
}

/// Runs the scan like [`scan`] and hands its report to `consume` on a thread of its own
/// while the scan is written to the store: at England scale writing it and printing the
/// report each take a tenth of a second or more, and they need nothing from each other.
/// The report already carries the id the scan is recorded under.
///
/// Returns what `consume` returned, once the scan is committed. Should writing fail, the
/// error is returned and `consume`'s result dropped: a caller that prints only what
/// `consume` returns never prints a report the store does not hold.
///
/// # Errors
/// As [`scan`].
pub async fn scan_then<R, F>(
    store: &Store,
    regime: &Regime,
    rules: &RuleBook,
    options: &ScanOptions,
    consume: F,
) -> Result<R, EngineError>
where
    R: Send + 'static,
    F: FnOnce(ScanReport) -> R + Send + 'static,
{
    let (mut report, pending) = judge_and_track(store, regime, rules, options).await?;
    let Some(pending) = pending else { return Ok(consume(report)) };
    let recording = store.begin_scan_record(&pending.run).await?;
    if let Some(r) = report.recorded.as_mut() {
        r.scan_id = recording.id();
    }
    let consumer = std::thread::spawn(move || consume(report));
    let written = recording.finish(pending.writes()).await;
    // Joined only once the store is done: nothing else is left for this task to wait on.
    let consumed = consumer.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
    written?;
    Ok(consumed)
}

/// The scan, judged and tracked but not yet written: the report, and what recording it
/// would write (`None` when the scan is not recorded).
async fn judge_and_track(
    store: &Store,
    regime: &Regime,
    rules: &RuleBook,
    options: &ScanOptions,
) -> Result<(ScanReport, Option<PendingRecord>), EngineError> {
    let started = std::time::Instant::now();
    let as_of = options.as_of;
    // Read while the scan reads its records (see failwell_store::Ahead): the recorded
    // results, which an incremental scan reuses, and the open signals, needed only to
    // track the signals at the end.
    let recorded_results = (as_of.is_none() && !options.full).then(|| store.indicator_scans_ahead());
    let open_signals = store.open_signals_ahead();
    // The registry and catalogue are not evidence: use what is known now. Only the
    // catalogue is needed to chart the series; the rest is read meanwhile.
    let organisations = store.records_ahead::<Organisation>("organisation", None);
    let inspections = store.records_ahead::<Inspection>("inspection", as_of);
    let events = store.records_ahead::<Event>("event", as_of);
    let links = store.records_ahead::<Link>("link", None);
    let catalogue: Vec<Indicator> = store.records_as_of("indicator", None).await?;

    let indicators: BTreeMap<String, IndicatorInfo> = catalogue
        .iter()
        .filter(|i| i.method == Method::Spc)
        .map(|i| {
            let info = IndicatorInfo {
                code: i.code.as_str().to_string(),
                polarity: i.polarity,
                kind: i.kind,
                failure_types: i.failure_types.clone(),
            };
            (info.code.clone(), info)
        })
        .collect();

    let rule_set = RuleSet::mdc();
    let spc_judge =
        JudgedBy { regime: regime.id.clone(), regime_version: regime.version.clone(), rule_set: rule_set.name.clone() };
    tracing::info!(elapsed = ?started.elapsed(), "catalogue read");
    let mut pass = series_pass(store, recorded_results, &indicators, &rule_set, &spc_judge, options).await?;
    tracing::info!(elapsed = ?started.elapsed(), charted = pass.charted, reused = pass.reused, "series pass");
    let (inspections, events) = (inspections.get().await?, events.get().await?);
    // "Today": the as-of day, else the latest publication in the evidence (else, in a
    // store with no dated evidence and so nothing to judge, the calendar's today).
    let today = match as_of {
        Some(d) => d,
        None => {
            let mut latest = pass.latest_published;
            for d in inspections
                .iter()
                .map(|i| i.published_on)
                .chain(events.iter().map(|e| e.published_on.unwrap_or(e.occurred_on)))
            {
                latest = Some(latest.map_or(d, |l: Date| l.max(d)));
            }
            latest.unwrap_or_else(|| time::OffsetDateTime::now_utc().date())
        }
    };
    let (organisations, links) = (organisations.get().await?, links.get().await?);
    tracing::debug!(elapsed = ?started.elapsed(), "records read");
    // Peer distance, judged afresh only for the indicators charted or judged under other
    // peer groups (peer_pass.rs).
    let groups = PeerGroups::new(&links, today);
    // Results read back keep no tails: those to judge again under other peer groups are
    // charted again first (the peer groups rarely change).
    let stale = crate::scan::peer_pass::stale(&pass, &indicators, &groups);
    let untailed: BTreeSet<String> = stale
        .into_iter()
        .filter(|code| {
            pass.by_indicator.get(code).is_some_and(crate::scan::series_pass::IndicatorResults::tails_dropped)
        })
        .collect();
    if !untailed.is_empty() {
        tracing::info!(indicators = untailed.len(), "peer groups changed: charting again");
        crate::scan::series_pass::chart_again(store, &mut pass, &untailed, &indicators, &rule_set, &spc_judge, options)
            .await?;
    }
    let judged = crate::scan::peer_pass::judge_peers(&mut pass, &indicators, &groups, options.parallel_from_series);
    tracing::info!(elapsed = ?started.elapsed(), indicators = judged, "peer distance judged");
    // What a recorded scan keeps of the indicators it rebuilt, encoded now, while the
    // results still hold their signals: the signals then move to their organisations.
    let encoded = options.record.then(|| encode_rebuilt(&pass));
    tracing::debug!(elapsed = ?started.elapsed(), "rebuilt results encoded");
    // Each organisation's signals from series, as the lists they came in: a signal is a
    // large struct, and growing one list by appending moved 40,000 of them again and again.
    let mut series_signals: FxHashMap<String, Vec<Vec<Signal>>> = FxHashMap::default();
    for results in pass.by_indicator.values_mut() {
        for r in results.series.iter_mut().filter(|r| !r.signals.is_empty()) {
            let signals = std::mem::take(&mut r.signals);
            match series_signals.get_mut(&*r.organisation) {
                Some(parts) => parts.push(signals),
                None => {
                    series_signals.insert(r.organisation.to_string(), vec![signals]);
                }
            }
        }
    }
    tracing::debug!(elapsed = ?started.elapsed(), "series signals gathered by organisation");
    // Funnel and CUSUM indicators: judged afresh by every scan (they are few), never reused
    // from a recorded scan, so incremental and full scans agree.
    let peers = crate::judge::counts::Peers::new(&organisations, &links, today);
    let counted = crate::scan::count_pass::count_pass(store, &catalogue, &peers, as_of, regime).await?;
    tracing::debug!(elapsed = ?started.elapsed(), "counted indicators");
    for (org, signals) in counted.signals {
        series_signals.entry(org).or_default().push(signals);
    }
    let judge = JudgedBy {
        regime: regime.id.clone(),
        regime_version: regime.version.clone(),
        rule_set: ENGINE_RULE_SET.to_string(),
    };
    // Organisations closed by the as-of day owe no returns and are not judged. One whose
    // area passed whole to one successor (judge/links.rs, heirs) is judged as that
    // successor: its series, late returns, judgements and events count as the successor's,
    // so a new code is never a missing return and the successor's journey starts where it began.
    let closed: BTreeSet<&str> =
        organisations.iter().filter(|o| o.closed_on.is_some_and(|d| d <= today)).map(|o| o.code.as_str()).collect();
    let mut heirs = crate::judge::links::heirs(&links, &closed, today);
    for _ in 0..heirs.len() {
        // A chain of changes (A became B, B became C) ends at the last heir.
        let next: BTreeMap<&str, &str> =
            heirs.iter().map(|(from, to)| (*from, heirs.get(to).copied().unwrap_or(to))).collect();
        if next == heirs {
            break;
        }
        heirs = next;
    }
    /// The code a series of `code` counts for: its heir, itself, or none when it closed.
    fn heir_in<'a>(heirs: &BTreeMap<&str, &'a str>, closed: &BTreeSet<&str>, code: &'a str) -> Option<&'a str> {
        match heirs.get(code) {
            Some(to) => Some(to),
            None if closed.contains(code) => None,
            None => Some(code),
        }
    }
    let heir_of = |code| heir_in(&heirs, &closed, code);
    // Two passes over every series, independent of each other: the late returns on a
    // thread of their own while the peer outcomes are filed by organisation.
    let (norms, late) = std::thread::scope(|s| {
        let late = s.spawn(|| {
            // Each series' latest period against its peers' (returns.rs), an indicator at
            // a time in one buffer.
            let mut late = Vec::new();
            let mut stopped: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            let mut latest: Vec<(&str, Period)> = Vec::new();
            for (code, results) in &pass.by_indicator {
                latest.clear();
                latest.extend(results.series.iter().filter_map(|r| Some((heir_of(&r.organisation)?, r.latest?))));
                if !heirs.is_empty() {
                    // An heir's own series and its predecessor's: the later counts.
                    latest.sort_by(|a, b| a.0.cmp(b.0).then(b.1.cmp(&a.1)));
                    latest.dedup_by_key(|x| x.0);
                }
                let gone = crate::judge::returns::late_returns_of(code, &latest, &judge, &mut late);
                if !gone.is_empty() {
                    stopped.insert(code.clone(), gone.into_iter().map(str::to_string).collect());
                }
            }
            late.sort_by(|a, b| a.key.cmp(&b.key));
            (late, stopped)
        });
        let norms = PeerNorms::filed(
            pass.by_indicator.len(),
            pass.by_indicator
                .iter()
                .filter_map(|(code, results)| indicators.get(code).map(|info| (code, info, results)))
                .flat_map(|(code, info, results)| {
                    results
                        .series
                        .iter()
                        .map(move |r| (&*r.organisation, code.as_str(), info.polarity, r.peer.as_ref()))
                }),
        );
        (norms, late.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    });
    let (late, stopped) = late;
    for s in late {
        series_signals.entry(s.organisation.clone()).or_default().push(vec![s]);
    }
    for (from, to) in &heirs {
        if let Some(parts) = series_signals.remove(*from) {
            let own: FxHashSet<&str> = series_signals
                .get(*to)
                .map(|p| p.iter().flatten().map(|s| s.key.as_str()).collect())
                .unwrap_or_default();
            let moved: Vec<Signal> = parts
                .into_iter()
                .flatten()
                .map(|s| crate::judge::links::inherited(s, to))
                .filter(|s| !own.contains(s.key.as_str()))
                .collect();
            series_signals.entry(to.to_string()).or_default().push(moved);
        }
    }
    // A national shift is not a local failure (judge/national.rs): an indicator's latest
    // period, and how many organisations reported it, against the organisations signalling.
    let reporting: BTreeMap<String, crate::judge::national::LatestReporting> = pass
        .by_indicator
        .iter()
        .filter_map(|(code, results)| {
            let latest = results.series.iter().filter_map(|r| r.latest).max()?;
            let organisations =
                results.series.iter().filter(|r| r.latest == Some(latest)).map(|r| r.organisation.clone()).collect();
            Some((code.clone(), crate::judge::national::LatestReporting { period: latest.to_string(), organisations }))
        })
        .collect();
    let shift_rule = crate::judge::national::ShiftRule {
        share: options.national_shift_share,
        min_organisations: options.national_shift_min_organisations,
    };
    // A series that stopped long ago (judge/returns.rs) is history: its signals are shown,
    // not counted, and no part of a national movement now.
    crate::judge::returns::mark_stopped(series_signals.values_mut().flatten().flatten(), &stopped);
    let national =
        crate::judge::national::find_shifts(&reporting, series_signals.values().flatten().flatten(), shift_rule);
    crate::judge::national::mark(series_signals.values_mut().flatten().flatten(), &national);
    // Small numbers read exactly (judge/small_numbers.rs), for the percentages whose
    // catalogue entry names a denominator; its figures are read only then.
    let denominator_of: BTreeMap<&str, &str> = catalogue
        .iter()
        .filter(|i| crate::judge::small_numbers::is_percentage(&i.unit))
        .filter_map(|i| Some((i.code.as_str(), i.denominator.as_ref()?.as_str())))
        .collect();
    if !denominator_of.is_empty() {
        let figures = denominator_pass::read(store, &denominator_of, today).await?;
        crate::judge::small_numbers::mark(series_signals.values_mut().flatten().flatten(), &denominator_of, &figures);
    }
    // Organisations with a series: every one the peer outcomes were filed for (filing
    // read each series' organisation already), and those of counted indicators.
    let mut charted: FxHashSet<&str> = norms.organisations().collect();
    charted.extend(counted.organisations.iter().map(String::as_str));
    tracing::info!(elapsed = ?started.elapsed(), "counted indicators, peer norms and late returns");
    let contacts =
        crate::judge::insularity::contact_coverage(&organisations, &events, &links, options.peer_contact_coverage);
    // Each organisation's peer-contact links, so that judging one does not read them all.
    let mut contact_links: BTreeMap<&str, Vec<Link>> = BTreeMap::new();
    for l in links.iter().filter(|l| crate::judge::insularity::is_contact_link(l.link_type)) {
        contact_links.entry(l.from.as_str()).or_default().push(l.clone());
        if l.to != l.from {
            contact_links.entry(l.to.as_str()).or_default().push(l.clone());
        }
    }
    let mut by_org_ins: BTreeMap<&str, Vec<Inspection>> = BTreeMap::new();
    for i in &inspections {
        by_org_ins
            .entry(heirs.get(i.organisation.as_str()).unwrap_or(&i.organisation.as_str()))
            .or_default()
            .push(i.clone());
    }
    let mut by_org_ev: BTreeMap<&str, Vec<Event>> = BTreeMap::new();
    for e in &events {
        by_org_ev
            .entry(heirs.get(e.organisation.as_str()).unwrap_or(&e.organisation.as_str()))
            .or_default()
            .push(e.clone());
    }

    // The rungs open intervention cases hold on the day (failwell's own casework),
    // by organisation (its heir's, where it closed into one). Only the cases open that
    // day are read, not every closed case's people and steps.
    let mut cases_held: BTreeMap<String, Vec<crate::judge::organisation::CaseHeld>> = BTreeMap::new();
    for case in store.interventions_open_on(today).await? {
        let Some(held) = held_on(&case, today) else { continue };
        for code in &case.organisations {
            let code = heirs.get(code.as_str()).copied().unwrap_or(code.as_str());
            cases_held.entry(code.to_string()).or_default().push(held.clone());
        }
    }
    let inputs: Vec<(&Organisation, Option<Vec<Vec<Signal>>>)> =
        organisations.iter().map(|o| (o, series_signals.remove(o.code.as_str()))).collect();
    let setting = Setting { today, norms: &norms, contacts, judge: &judge };
    let judge_one =
        |org: &Organisation, series: Option<Vec<Vec<Signal>>>| -> Result<Option<OrganisationReport>, EngineError> {
            let code = org.code.as_str();
            if closed.contains(code) {
                return Ok(None);
            }
            let evidence = Evidence {
                organisation: org,
                // Joined here, on the judging threads: 40,000 signals moved at England scale.
                signals: concat(series),
                charted: charted.contains(code),
                inspections: by_org_ins.get(code).map(Vec::as_slice).unwrap_or(&[]),
                events: by_org_ev.get(code).map(Vec::as_slice).unwrap_or(&[]),
                contact_links: contact_links.get(code).map(Vec::as_slice).unwrap_or(&[]),
                cases: cases_held.get(code).map(Vec::as_slice).unwrap_or(&[]),
            };
            judge_organisation(evidence, &setting, regime, rules, options)
        };
    let mut judged = judge_all(inputs, options.parallel_from_organisations, &judge_one)?;
    if judged.iter().any(|r| regime.learned_score(&r.sector).is_some()) {
        let levels = crate::scan::level_pass::LevelSeries::read(store, &catalogue).await?.levels(store, today).await?;
        for r in &mut judged {
            let Some(score) = regime.learned_score(&r.sector) else { continue };
            let inspections = by_org_ins.get(r.organisation.as_str()).into_iter().flatten();
            let previous = crate::judge::inspection::latest_grade(regime, &r.sector, inspections, today);
            let features = crate::judge::learned::named_features(
                Some(r),
                previous.map(|(_, g)| g.grade.rank),
                previous.is_some_and(|(_, g)| g.is_failing()),
                levels.get(&r.organisation),
            );
            r.learned = Some(crate::judge::learned::learned_risk(score, &regime.version, &features));
        }
        tracing::info!(elapsed = ?started.elapsed(), "learned scores applied");
    }
    // After the learned scores: a budget ranks by the likelihood of failing where a sector has one.
    crate::judge::budget::ration(&mut judged, regime);
    let mut reports = worst_first(judged);
    let system_rule =
        SystemRule { min_members: options.system_min_members, share: options.system_share, band: options.system_band };
    let systems = system_view(&organisations, &links, &reports, today, system_rule);
    tracing::info!(elapsed = ?started.elapsed(), organisations = reports.len(), "organisations judged");
    let as_of_text = dates::iso(today);
    let (recorded, pending) =
        track(store, open_signals, &mut reports, &pass, encoded, regime, options, &as_of_text).await?;
    tracing::info!(elapsed = ?started.elapsed(), "tracked");
    let (mode, series_charted, series_reused) = (pass.mode, pass.charted, pass.reused);
    // At England scale the pass holds 600,000 series results: they are freed on another
    // core while the caller prints the report.
    std::thread::spawn(move || drop(pass));
    let report = ScanReport {
        as_of: as_of_text,
        regime: regime.id.clone(),
        regime_version: regime.version.clone(),
        rule_set: rule_set.name,
        mode,
        series_charted,
        series_reused,
        recorded,
        organisations: reports,
        systems,
        national,
    };
    Ok((report, pending))
}

/// One organisation's signals matched with its open ones: the identities it continued,
/// and (when recording) the rows of its new and changed signals.
#[derive(Default)]
struct Tracked {
    ongoing: Vec<String>,
    new: Vec<SignalRow>,
    changed: Vec<SignalRow>,
}

/// What a recorded scan writes, made before it is written.
struct PendingRecord {
    run: ScanRecord,
    new: Vec<SignalRow>,
    changed: Vec<SignalRow>,
    closed: Vec<String>,
    results: Vec<SeriesScan>,
    replace_all: bool,
    recommendations: Vec<RecommendationRow>,
}

impl PendingRecord {
    fn writes(&self) -> ScanWrites<'_> {
        ScanWrites {
            new: &self.new,
            changed: &self.changed,
            closed: &self.closed,
            results: &self.results,
            replace_all: self.replace_all,
            recommendations: &self.recommendations,
        }
    }
}

/// The lists of one organisation's signals as one, moved once, with room for the
/// inspection and event signals still to come.
fn concat(parts: Option<Vec<Vec<Signal>>>) -> Vec<Signal> {
    let Some(parts) = parts else { return Vec::new() };
    let mut all = Vec::with_capacity(parts.iter().map(Vec::len).sum::<usize>() + 8);
    for p in parts {
        all.extend(p);
    }
    all
}

/// Judges every organisation, on as many threads as the machine has (organisations are
/// independent once the series are charted), keeping the input order.
fn judge_all<'a, F>(
    inputs: Vec<(&'a Organisation, Option<Vec<Vec<Signal>>>)>,
    parallel_from: usize,
    judge: &F,
) -> Result<Vec<OrganisationReport>, EngineError>
where
    F: Fn(&'a Organisation, Option<Vec<Vec<Signal>>>) -> Result<Option<OrganisationReport>, EngineError> + Sync,
{
    let judged = crate::scan::parallel::map(inputs, parallel_from, |(org, signals)| judge(org, signals));
    let mut out = Vec::with_capacity(judged.len());
    for r in judged {
        out.extend(r?);
    }
    Ok(out)
}

/// The rung an intervention case holds on `day`: open then (started, not yet ended),
/// at its last step taken by then. `None` for a case not open that day.
fn held_on(case: &failwell_store::StoredIntervention, day: Date) -> Option<crate::judge::organisation::CaseHeld> {
    let parse = |s: &str| failwell_domain::dates::parse_date(s).ok();
    if parse(&case.start_on)? > day || case.ended_on.as_deref().and_then(parse).is_some_and(|end| end <= day) {
        return None;
    }
    let step = case
        .steps
        .iter()
        .filter_map(|s| Some((parse(&s.on)?, s)))
        .filter(|(on, _)| *on <= day)
        .max_by_key(|(on, s)| (*on, s.id))?;
    Some(crate::judge::organisation::CaseHeld {
        case: case.id,
        ladder: case.ladder.clone(),
        rung: step.1.to_rung.clone(),
        since: step.0,
    })
}

/// `reports` worst first: overall score descending, then recommended rung descending,
/// then code. Positions are sorted rather than the reports, which are large: sorting
/// 6,000 of them moved each a dozen times.
fn worst_first(reports: Vec<OrganisationReport>) -> Vec<OrganisationReport> {
    let level = |r: &OrganisationReport| r.recommendation.as_ref().map_or(0, |x| x.recommended.level);
    let mut order: Vec<usize> = (0..reports.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&reports[a], &reports[b]);
        b.overall_score
            .total_cmp(&a.overall_score)
            .then_with(|| level(b).cmp(&level(a)))
            .then_with(|| a.organisation.cmp(&b.organisation))
    });
    let mut slots: Vec<Option<OrganisationReport>> = reports.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// The results of the indicators the pass charted, encoded for `indicator_scan`.
fn encode_rebuilt(pass: &SeriesPass) -> Vec<SeriesScan> {
    let rebuilt: Vec<(&String, &crate::scan::series_pass::IndicatorResults)> =
        pass.rebuilt.iter().filter_map(|code| pass.by_indicator.get(code).map(|r| (code, r))).collect();
    crate::scan::parallel::map(rebuilt, 2, |(code, r)| SeriesScan {
        indicator: code.clone(),
        results: crate::record::results_codec::encode(r),
    })
}

/// Matches the scan's signals with the open ones the store remembers (setting each
/// signal's tracking) and, when asked, makes what recording the scan writes (the scan id
/// is set when it is written). Scans of a day before the last recorded scan are neither
/// tracked nor recorded: history does not run backwards. `open_signals` is the store's
/// open signals, read since the scan began.
#[allow(clippy::too_many_arguments)]
async fn track(
    store: &Store,
    open_signals: failwell_store::Ahead<Vec<failwell_store::OpenSignal>>,
    reports: &mut [OrganisationReport],
    pass: &SeriesPass,
    results: Option<Vec<SeriesScan>>,
    regime: &Regime,
    options: &ScanOptions,
    today: &str,
) -> Result<(Option<Recorded>, Option<PendingRecord>), EngineError> {
    let last = store.last_scan().await?;
    if last.as_ref().is_some_and(|l| l.as_of.as_str() > today) {
        return Ok((None, None));
    }
    let started = std::time::Instant::now();
    let open = if last.is_some() { open_signals.get().await? } else { Vec::new() };
    tracing::debug!(elapsed = ?started.elapsed(), open = open.len(), "open signals read");
    let organisations = reports.len() as i64;
    let signals = reports.iter().map(|r| r.signals.len() as i64).sum();
    // Matching never pairs two organisations' signals (a key names its organisation, and
    // so does a run), so each organisation is matched on its own, on every core; the
    // open signals of organisations not reported are all closed below.
    let mut open_by_org: FxHashMap<&str, Vec<&OpenSignal>> = FxHashMap::default();
    for o in &open {
        open_by_org.entry(o.organisation.as_str()).or_default().push(o);
    }
    let record = options.record;
    let row = |s: &Signal, content_hash: String| -> Result<SignalRow, EngineError> {
        let content = serde_json::to_string(s).map_err(|e| EngineError::Cache(e.to_string()))?;
        let id = s.tracking.as_ref().map_or_else(|| s.key.clone(), |t| t.id.clone());
        Ok(SignalRow {
            key: id,
            organisation: s.organisation.clone(),
            source: s.source.clone(),
            rule: s.rule.to_string(),
            direction: s.direction.code().to_string(),
            content_hash,
            content,
        })
    };
    // Each organisation's matching, and when recording, its new signals and the ongoing
    // ones whose content changed (found by hash: only those are written out).
    let tracked =
        crate::scan::parallel::map(reports.iter_mut().collect(), options.parallel_from_organisations, |report| {
            let open = open_by_org.get(report.organisation.as_str()).map_or(&[][..], Vec::as_slice);
            let mut signals: Vec<&mut Signal> = report.signals.iter_mut().collect();
            let continuity = match_signals(open, &mut signals, today);
            let mut tracked = Tracked { ongoing: Vec::with_capacity(continuity.ongoing.len()), ..Tracked::default() };
            for (i, id) in continuity.ongoing {
                if record {
                    let hash = signals[i].content_hash();
                    if open.iter().find(|o| o.key == id).is_none_or(|o| o.content_hash != hash) {
                        tracked.changed.push(row(signals[i], hash)?);
                    }
                }
                tracked.ongoing.push(id);
            }
            if record {
                for i in continuity.new {
                    tracked.new.push(row(signals[i], signals[i].content_hash())?);
                }
            }
            Ok::<_, EngineError>(tracked)
        })
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    tracing::debug!(elapsed = ?started.elapsed(), "organisations' signals matched");
    let mut taken: FxHashSet<&str> = FxHashSet::default();
    let mut ongoing = 0;
    let mut new: BTreeMap<String, SignalRow> = BTreeMap::new();
    let mut changed = Vec::new();
    for t in &tracked {
        ongoing += t.ongoing.len();
        taken.extend(t.ongoing.iter().map(String::as_str));
    }
    // Open signals no organisation continued, in key order.
    let closed: Vec<String> = open.iter().filter(|o| !taken.contains(o.key.as_str())).map(|o| o.key.clone()).collect();
    drop(taken);
    for t in tracked {
        for r in t.new {
            new.insert(r.key.clone(), r);
        }
        changed.extend(t.changed);
    }
    tracing::debug!(elapsed = ?started.elapsed(), "signals matched");
    if !record {
        return Ok((None, None));
    }
    // Encoded before the signals left the pass (see `scan`): never again here.
    let results = results.ok_or_else(|| EngineError::Internal("a recorded scan's results were not encoded".into()))?;
    let run = ScanRecord {
        id: 0,
        as_of: today.to_string(),
        regime: regime.id.clone(),
        regime_version: regime.version.clone(),
        config: pass.config.clone(),
        through_import: pass.through_import,
        mode: format!("{:?}", pass.mode).to_lowercase(),
        organisations,
        signals,
        new_signals: new.len() as i64,
        closed_signals: closed.len() as i64,
    };
    let new: Vec<SignalRow> = new.into_values().collect();
    // What was recommended, so that a person can accept or decline it (`failwell decide`).
    let recommendations = reports
        .iter()
        .map(|r| {
            let reasons = r.recommendation.as_ref().map_or(&[][..], |x| x.rationale.as_slice());
            serde_json::to_string(reasons)
                .map(|rationale| RecommendationRow {
                    organisation: r.organisation.clone(),
                    recommended_rung: r.recommended_rung.clone(),
                    current_rung: r.current_rung.clone(),
                    rationale,
                })
                .map_err(|e| EngineError::Cache(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    tracing::debug!(elapsed = ?started.elapsed(), new = new.len(), changed = changed.len(), "rows made");
    let recorded =
        Recorded { scan_id: 0, new_signals: new.len(), ongoing_signals: ongoing, closed_signals: closed.clone() };
    let pending = PendingRecord {
        run,
        new,
        changed,
        closed,
        results,
        replace_all: pass.mode != ScanMode::Incremental,
        recommendations,
    };
    Ok((Some(recorded), Some(pending)))
}
