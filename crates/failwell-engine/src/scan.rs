//! The scan: every organisation's evidence as known on a day, turned into signals, an
//! assessment and a recommended rung.
//!
//! Deterministic by construction: the store streams in key order, organisations are
//! kept in a `BTreeMap`, every list is sorted before it is returned, and "today" is the
//! as-of day (or, without one, the latest publication date in the evidence), never the
//! clock.

use crate::assess::{Assessment, Band, Trajectory, TypeRisk, assess};
use crate::churn::{ChurnRule, churn_signal};
use crate::error::EngineError;
use crate::events::{current_rung, event_signals};
use crate::inspection::{inspection_signals, is_self_assessment, oversight_sector, resolve_grade};
use crate::insularity::{Insularity, InsularityInput, PeerNorms, SeriesTail};
use crate::ladder::{Recommendation, recommend};
use crate::options::ScanOptions;
use crate::reading::read_in_context;
use crate::rules::{RuleBook, RuleContext};
use crate::series::{IndicatorInfo, SeriesInput, spc_signals};
use crate::signal::{Direction, JudgedBy, Reading, Signal, Strength};
use crate::system::{SystemReport, SystemRule, system_view};
use failwell_domain::regime::Regime;
use failwell_domain::{Event, Indicator, Inspection, Link, Method, Organisation, dates};
use failwell_stats::spc::{RuleSet, XmrChart};
use failwell_store::{ScanPoint, Store};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use time::Date;

/// The rule set name recorded on signals the engine judges itself (inspections, events).
pub const ENGINE_RULE_SET: &str = "failwell-engine-1";

/// One organisation's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrganisationReport {
    /// The organisation's code.
    pub organisation: String,
    /// Its name.
    pub name: String,
    /// The sector whose ladder applies.
    pub sector: String,
    /// The worst band of any failure type.
    pub overall_band: Band,
    /// The highest failure-type score.
    pub overall_score: f64,
    /// Band per failure type code.
    pub bands: BTreeMap<&'static str, Band>,
    /// Score, band and contributing signals per failure type.
    pub risks: Vec<TypeRisk>,
    /// Improving, stable or deteriorating.
    pub trajectory: Trajectory,
    /// The latest inspection grade, if any.
    pub grade: Option<String>,
    /// The recommended rung's id (`None` when no ladder covers the sector).
    pub recommended_rung: Option<String>,
    /// The current rung's id.
    pub current_rung: Option<String>,
    /// The full recommendation: rungs, rules that held, cap, reasons.
    pub recommendation: Option<Recommendation>,
    /// The facts the trigger rules saw.
    pub context: RuleContext,
    /// Every signal, concerns first, then by key.
    pub signals: Vec<Signal>,
    /// Why, in sentences: the recommendation's reasons, then readings worth knowing.
    pub rationale: Vec<String>,
    /// How insular it is (Insight 3), with each component's evidence.
    pub insularity: Insularity,
}

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
    /// Organisations, worst first (overall score descending, then code).
    pub organisations: Vec<OrganisationReport>,
    /// Groups of linked organisations signalling together, recommended first.
    pub systems: Vec<SystemReport>,
}

/// Accumulates one series at a time from the ordered stream.
struct SeriesCutter<'a> {
    indicators: &'a BTreeMap<String, IndicatorInfo>,
    key: Option<(String, String)>,
    periods: Vec<String>,
    values: Vec<f64>,
    published: Vec<Option<String>>,
    chart: XmrChart,
    rules: RuleSet,
    judged_by: JudgedBy,
    options: &'a ScanOptions,
    out: BTreeMap<String, Vec<Signal>>,
    seen: BTreeSet<String>,
    latest: Option<String>,
    tails: Vec<SeriesTail>,
}

impl SeriesCutter<'_> {
    fn push(&mut self, p: ScanPoint) {
        if let Some(d) = &p.published_on
            && self.latest.as_ref().is_none_or(|l| d > l)
        {
            self.latest = Some(d.clone());
        }
        if !self.indicators.contains_key(&p.indicator) {
            return;
        }
        let same = self.key.as_ref().is_some_and(|(o, i)| *o == p.organisation && *i == p.indicator);
        if !same {
            self.flush();
            self.key = Some((p.organisation.clone(), p.indicator.clone()));
        }
        self.periods.push(p.period);
        self.values.push(p.value.unwrap_or(f64::NAN));
        self.published.push(p.published_on);
    }

    fn flush(&mut self) {
        if let Some((org, ind)) = self.key.take() {
            if !self.seen.contains(&org) {
                self.seen.insert(org.clone());
            }
            let info = &self.indicators[&ind];
            let n = crate::insularity::TAIL_POINTS;
            self.tails.push(SeriesTail::of(&org, &ind, info.polarity, &self.periods, &self.values, n));
            let signals = spc_signals(
                &mut self.chart,
                &self.rules,
                SeriesInput {
                    organisation: &org,
                    indicator: info,
                    periods: &self.periods,
                    values: &self.values,
                    published: &self.published,
                },
                &self.judged_by,
                self.options.recent_points,
                self.options.min_points,
            );
            if !signals.is_empty() {
                self.out.entry(org).or_default().extend(signals);
            }
        }
        self.periods.clear();
        self.values.clear();
        self.published.clear();
    }
}

/// Runs the scan over `store` under `regime` (its trigger rules already compiled into
/// `rules`).
///
/// # Errors
/// The store failing, or a trigger rule failing for some organisation.
pub async fn scan(
    store: &Store,
    regime: &Regime,
    rules: &RuleBook,
    options: &ScanOptions,
) -> Result<ScanReport, EngineError> {
    let as_of = options.as_of;
    // The registry and catalogue are not evidence: use what is known now.
    let organisations: Vec<Organisation> = store.records_as_of("organisation", None).await?;
    let catalogue: Vec<Indicator> = store.records_as_of("indicator", None).await?;
    let inspections: Vec<Inspection> = store.records_as_of("inspection", as_of).await?;
    let events: Vec<Event> = store.records_as_of("event", as_of).await?;

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
    let mut cutter = SeriesCutter {
        indicators: &indicators,
        key: None,
        periods: Vec::new(),
        values: Vec::new(),
        published: Vec::new(),
        chart: XmrChart::new(),
        rules: rule_set.clone(),
        judged_by: spc_judge,
        options,
        out: BTreeMap::new(),
        seen: BTreeSet::new(),
        latest: None,
        tails: Vec::new(),
    };
    store
        .scan_points::<std::convert::Infallible>(as_of, &mut |p| {
            cutter.push(p);
            Ok(())
        })
        .await
        .map_err(|e| match e {
            failwell_store::ExportError::Store(s) => EngineError::Store(s),
            failwell_store::ExportError::Sink(never) => match never {},
        })?;
    cutter.flush();

    // "Today": the as-of day, else the latest publication in the evidence.
    let today = match as_of {
        Some(d) => d,
        None => {
            let mut latest = cutter.latest.as_deref().and_then(|d| dates::parse_date(d).ok());
            for d in inspections
                .iter()
                .map(|i| i.published_on)
                .chain(events.iter().map(|e| e.published_on.unwrap_or(e.occurred_on)))
            {
                latest = Some(latest.map_or(d, |l: Date| l.max(d)));
            }
            latest.unwrap_or(Date::MIN)
        }
    };
    let mut series_signals = cutter.out;
    let charted = cutter.seen;
    let links: Vec<Link> = store.records_as_of("link", None).await?;
    let norms = PeerNorms::new(&cutter.tails, &links, today);
    let contacts = crate::insularity::contact_coverage(&organisations, &events, &links, options.peer_contact_coverage);
    let churn = ChurnRule {
        window_months: options.churn_window_months,
        weak_at: options.churn_weak_changes,
        moderate_at: options.churn_moderate_changes,
    };

    let mut by_org_ins: BTreeMap<&str, Vec<Inspection>> = BTreeMap::new();
    for i in &inspections {
        by_org_ins.entry(i.organisation.as_str()).or_default().push(i.clone());
    }
    let mut by_org_ev: BTreeMap<&str, Vec<Event>> = BTreeMap::new();
    for e in &events {
        by_org_ev.entry(e.organisation.as_str()).or_default().push(e.clone());
    }

    let judge = JudgedBy {
        regime: regime.id.clone(),
        regime_version: regime.version.clone(),
        rule_set: ENGINE_RULE_SET.to_string(),
    };
    let mut reports = Vec::new();
    for org in &organisations {
        let code = org.code.as_str();
        let ins = by_org_ins.get(code).map(Vec::as_slice).unwrap_or(&[]);
        let evs = by_org_ev.get(code).map(Vec::as_slice).unwrap_or(&[]);
        let mut signals = series_signals.remove(code).unwrap_or_default();
        // Every organisation with evidence is reported, quiet ones included (as low).
        if !charted.contains(code) && signals.is_empty() && ins.is_empty() && evs.is_empty() {
            continue;
        }
        let sector = oversight_sector(org.sector.as_str(), ins);
        let (ins_signals, facts) =
            inspection_signals(regime, &sector, code, ins, today, options.stale_inspection_years, &judge);
        signals.extend(ins_signals);
        let lifted_on = ins
            .iter()
            .filter(|i| i.published_on <= today && !is_self_assessment(i))
            .filter(|i| !resolve_grade(regime, &sector, i).is_some_and(|g| g.is_failing()))
            .map(|i| i.published_on)
            .max();
        let (ev_signals, ev_facts) = event_signals(code, evs, lifted_on, today, options.recent_event_months, &judge);
        signals.extend(ev_signals);
        signals.extend(churn_signal(code, evs, today, churn, &judge));
        let insularity = crate::insularity::measure(
            regime,
            &norms,
            InsularityInput {
                organisation: code,
                sector: &sector,
                inspections: ins,
                events: evs,
                links: &links,
                today,
                peer_contact_years: options.peer_contact_years,
                contacts,
            },
        );

        // The latest designation of failure: an event, or a failing grade published.
        let designated_on = match (ev_facts.designated_on, facts.failing.then_some(facts.published_on).flatten()) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        read_in_context(&mut signals, designated_on, options.designation_window_months);
        signals.sort_by(|a, b| a.direction.cmp(&b.direction).then(b.strength.cmp(&a.strength)).then(a.key.cmp(&b.key)));

        let assessment: Assessment = assess(regime, &signals, today, options.band_thresholds);
        let ladder = regime.ladder_at(&sector, today);
        let current = ladder.and_then(|l| current_rung(l, &ev_facts));
        let counted: Vec<&Signal> = signals.iter().filter(|s| s.counts_as_concern()).collect();
        let designation_in_force =
            current.is_some_and(|c| ladder.and_then(|l| l.lightest()).is_some_and(|f| c.level > f.level));
        let context = RuleContext {
            organisation: code.to_string(),
            sector: sector.clone(),
            overall_band: assessment.overall_band.as_str().to_string(),
            overall_score: assessment.overall_score,
            bands: assessment
                .risks
                .iter()
                .map(|r| (r.failure_type.code().to_string(), r.band.as_str().to_string()))
                .collect(),
            scores: assessment.risks.iter().map(|r| (r.failure_type.code().to_string(), r.score)).collect(),
            signals_count: counted.len() as i64,
            strong_signals: counted.iter().filter(|s| s.strength == Strength::Strong).count() as i64,
            improvement_signals: signals.iter().filter(|s| s.direction == Direction::Improvement).count() as i64,
            failing_grade: facts.failing,
            grade: facts.grade.clone().unwrap_or_default(),
            grade_dropped: facts.dropped,
            months_since_inspection: facts.months_since.unwrap_or(-1),
            current_rung: current.map(|r| r.id.clone()).unwrap_or_default(),
            current_rung_level: current.map_or(0, |r| r.level),
            harm: ev_facts.harm,
            trajectory: assessment.trajectory.as_str().to_string(),
            early_signs: !counted.is_empty() && !facts.failing && !designation_in_force,
            honest_reporting: signals.iter().any(|s| s.reading == Reading::ProbableHonestReporting),
            insularity: insularity.index,
            insularity_band: insularity.band.as_str().to_string(),
        };
        let recommendation = match (ladder, current) {
            (Some(l), Some(c)) => {
                let holding = rules.holding(&l.id, &context, today).map_err(EngineError::RuleFailed)?;
                Some(recommend(l, c, &holding, context.early_signs))
            }
            _ => None,
        };
        let mut rationale = recommendation.as_ref().map(|r| r.rationale.clone()).unwrap_or_else(|| {
            vec![format!("No escalation ladder of the regime covers sector {sector:?} on {}.", dates::iso(today))]
        });
        let mut read: Vec<(&str, Reading)> =
            signals.iter().filter(|s| s.reading != Reading::AsIs).map(|s| (s.source.as_str(), s.reading)).collect();
        read.sort();
        read.dedup();
        for (source, reading) in read {
            rationale.push(match reading {
                Reading::ProbableHonestReporting => format!(
                    "{source} rose after the designation of failure while no outcome indicator worsened: read as a probable surge of honest reporting, not deterioration."
                ),
                _ => format!(
                    "{source} rose after the designation of failure and outcome indicators worsened with it: read as deterioration."
                ),
            });
        }
        rationale.extend(crate::insularity::rationale(&insularity));
        reports.push(OrganisationReport {
            organisation: code.to_string(),
            name: org.name.clone(),
            sector,
            overall_band: assessment.overall_band,
            overall_score: assessment.overall_score,
            bands: assessment.bands(),
            risks: assessment.risks,
            trajectory: assessment.trajectory,
            grade: facts.grade,
            recommended_rung: recommendation.as_ref().map(|r| r.recommended.id.clone()),
            current_rung: recommendation.as_ref().map(|r| r.current.id.clone()),
            recommendation,
            context,
            signals,
            rationale,
            insularity,
        });
    }
    reports.sort_by(|a, b| {
        b.overall_score
            .total_cmp(&a.overall_score)
            .then_with(|| {
                let level = |r: &OrganisationReport| r.recommendation.as_ref().map_or(0, |x| x.recommended.level);
                level(b).cmp(&level(a))
            })
            .then_with(|| a.organisation.cmp(&b.organisation))
    });
    let system_rule =
        SystemRule { min_members: options.system_min_members, share: options.system_share, band: options.system_band };
    let systems = system_view(&organisations, &links, &reports, today, system_rule);
    Ok(ScanReport {
        as_of: dates::iso(today),
        regime: regime.id.clone(),
        regime_version: regime.version.clone(),
        rule_set: rule_set.name,
        organisations: reports,
        systems,
    })
}
