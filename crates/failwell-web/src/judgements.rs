//! Every use of the engine's API, in one module.
//!
//! The web service shows what the engine judged: it runs the engine's scan in-process
//! (never recorded: a page view must not change the history of signals) and turns the
//! engine's report into the plain view types below, which the pages, the API and the
//! OpenAPI document use. Nothing else in this crate names an engine type, so a change to
//! the engine's modules is absorbed here.

use crate::error::WebError;
use failwell_domain::regime::Regime;
use failwell_engine::{Band, OrganisationReport, RuleBook, ScanOptions, ScanReport, Signal};
use failwell_store::Store;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use time::Date;

/// What the engine judged of every organisation as known on a day, in view form.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    /// The day judged as of (ISO 8601).
    pub as_of: String,
    /// The regime's id.
    pub regime: String,
    /// The regime's version.
    pub regime_version: String,
    /// The SPC rule set.
    pub rule_set: String,
    /// The failure types, in the regime's order: code and name.
    pub failure_types: Vec<Named>,
    /// Organisations, worst first.
    pub organisations: Vec<Judgement>,
    /// Indicators moving nationally, in words: shown once, not against each organisation.
    pub national: Vec<String>,
}

/// A code and its human name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Named {
    /// The stable code.
    pub id: String,
    /// Its human name.
    pub name: String,
}

/// What the engine judged of one organisation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Judgement {
    /// The organisation's code (GSS, ODS or URN).
    pub code: String,
    /// Its name.
    pub name: String,
    /// The sector whose ladder applies.
    pub sector: String,
    /// The worst band of any failure type: `low`, `moderate`, `high` or `severe`.
    pub overall_band: String,
    /// The band's order, 0 (low) to 3 (severe), for sorting and filtering.
    pub overall_rank: u8,
    /// The highest failure-type score.
    pub overall_score: f64,
    /// Band per failure type code.
    pub bands: BTreeMap<String, String>,
    /// `improving`, `stable` or `deteriorating`.
    pub trajectory: String,
    /// The latest inspection grade, if any.
    pub grade: Option<String>,
    /// The rung it stands on.
    pub current_rung: Option<Named>,
    /// The rung recommended.
    pub recommended_rung: Option<Named>,
    /// Why, in sentences: the recommendation's reasons, then readings worth knowing.
    pub reasons: Vec<String>,
    /// How insular it is: the index in [0, 1] and what it rests on.
    pub insularity: String,
    /// Every signal, concerns first.
    pub signals: Vec<SignalView>,
    /// The likelihood that its next judgement fails, by the regime's learned score for
    /// its sector, with each feature's part (absent when the regime has none).
    pub learned: Option<LearnedView>,
}

/// A learned score applied to one organisation: the probability, the flag, and every
/// weighted feature's part, so the sum can be checked by hand.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LearnedView {
    /// The learned score's id in the regime.
    pub score: String,
    /// The regime version whose weights were applied.
    pub regime_version: String,
    /// The judgement series it foretells (an inspection framework).
    pub foretells: String,
    /// The probability that the next judgement fails, in [0, 1].
    pub probability: f64,
    /// The log odds: the intercept plus every part.
    pub log_odds: f64,
    /// The log odds with every feature at 0.
    pub intercept: f64,
    /// The probability at or above which it flags.
    pub threshold: Option<f64>,
    /// Whether it flags this organisation.
    pub flagged: bool,
    /// The judgements the weights were fitted on, in words.
    pub fitted_on: String,
    /// The sentence the CLI prints.
    pub summary: String,
    /// Each weighted feature's part, largest first.
    pub contributions: Vec<ContributionView>,
}

/// One feature's part in a learned score.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContributionView {
    /// The feature (`level:<indicator>` for an indicator's level against all organisations).
    pub feature: String,
    /// What it measures.
    pub meaning: String,
    /// The organisation's value (0 without one: the typical organisation).
    pub value: f64,
    /// The weight, in log odds per unit.
    pub weight: f64,
    /// Value × weight.
    pub contribution: f64,
}

/// One signal, as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SignalView {
    /// `series`, `inspection`, `event`, …: what kind of evidence.
    pub source_kind: String,
    /// The indicator code, inspection framework or event type.
    pub source: String,
    /// The indicator's code, for series signals.
    pub indicator: Option<String>,
    /// The rule that found it, e.g. `spc.shift`.
    pub rule: String,
    /// `concern`, `improvement` or `neutral`.
    pub direction: String,
    /// `weak`, `moderate` or `strong`.
    pub strength: String,
    /// The failure types it is evidence of.
    pub failure_types: Vec<String>,
    /// The first period or date covered.
    pub start: String,
    /// The last period or date covered.
    pub end: String,
    /// The day from which it could be known.
    pub known_from: Option<String>,
    /// How it is read in context (`as_is`, `probable_honest_reporting`, …).
    pub reading: String,
    /// What was found, in a sentence.
    pub explanation: String,
}

/// The regime's text, compiled once at start to find its errors early; each scan compiles
/// its own copy on its own thread (see [`Judge::judge`]).
#[derive(Debug, Clone)]
pub struct Judge {
    text: Arc<str>,
    regime: Arc<Regime>,
}

impl Judge {
    /// The built-in England regime.
    ///
    /// # Errors
    /// When its trigger rules do not compile (a bug caught by the engine's tests).
    pub fn england() -> Result<Judge, WebError> {
        let text: Arc<str> = failwell_domain::regime::ENGLAND.into();
        let regime = compile(&text)?.0;
        Ok(Judge { text, regime: Arc::new(regime) })
    }

    /// The regime judged under.
    pub fn regime(&self) -> &Regime {
        &self.regime
    }

    /// The regime judged under, shared (for work on a thread of its own).
    pub fn regime_arc(&self) -> Arc<Regime> {
        Arc::clone(&self.regime)
    }

    /// Scans `store` as known on `as_of` (everything stored when `None`) without
    /// recording the scan, and returns the report in view form.
    ///
    /// The scan runs on a blocking thread of its own, driven by the current runtime: it
    /// is CPU-bound for a second or more at England scale and must not stall the
    /// runtime's workers that answer other requests.
    ///
    /// # Errors
    /// When the store or the engine fails.
    pub async fn judge(&self, store: &Store, as_of: Option<Date>) -> Result<Report, WebError> {
        let (store, text) = (store.clone(), self.text.clone());
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            handle.block_on(async move {
                let (regime, rules) = compile(&text)?;
                let options = ScanOptions { as_of, record: false, ..ScanOptions::default() };
                let report = failwell_engine::scan(&store, &regime, &rules, &options)
                    .await
                    .map_err(|e| WebError::Judging(e.to_string()))?;
                Ok(view(&report, &regime))
            })
        })
        .await
        .map_err(|e| WebError::Judging(format!("the scan stopped: {e}")))?
    }
}

impl Judge {
    /// Scans `store` with everything stored and records the scan (its signals' continuity
    /// with earlier scans, its results for decisions), as `failwell scan` does; returns
    /// what was recorded. On a blocking thread of its own, as [`Judge::judge`].
    ///
    /// # Errors
    /// When the store or the engine fails.
    pub async fn record(&self, store: &Store) -> Result<failwell_engine::Recorded, WebError> {
        let (store, text) = (store.clone(), self.text.clone());
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            handle.block_on(async move {
                let (regime, rules) = compile(&text)?;
                let options = ScanOptions { record: true, ..ScanOptions::default() };
                let report = failwell_engine::scan(&store, &regime, &rules, &options)
                    .await
                    .map_err(|e| WebError::Judging(e.to_string()))?;
                report.recorded.ok_or_else(|| WebError::Judging("the scan was not recorded".into()))
            })
        })
        .await
        .map_err(|e| WebError::Judging(format!("the scan stopped: {e}")))?
    }
}

fn compile(text: &str) -> Result<(Regime, RuleBook), WebError> {
    let regime = Regime::from_toml_str(text).map_err(|e| WebError::Judging(format!("invalid regime: {e}")))?;
    let rules = RuleBook::compile(&regime, Some(text)).map_err(|e| WebError::Judging(e.to_string()))?;
    Ok((regime, rules))
}

/// The order of a band, 0 (low) to 3 (severe).
fn rank(band: Band) -> u8 {
    match band {
        Band::Low => 0,
        Band::Moderate => 1,
        Band::High => 2,
        Band::Severe => 3,
    }
}

/// The snake_case code serde writes for a unit enum of the engine's (trajectory, strength,
/// reading, …): the same words the CLI's JSON uses.
fn code<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn view(report: &ScanReport, regime: &Regime) -> Report {
    let mut rung_names: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for ladder in &regime.ladders {
        for rung in &ladder.rungs {
            rung_names.entry((ladder.sector.as_str(), rung.id.as_str())).or_insert(rung.name.as_str());
        }
    }
    let named = |sector: &str, id: &Option<String>| {
        id.as_ref().map(|id| Named {
            id: id.clone(),
            name: rung_names.get(&(sector, id.as_str())).map_or_else(|| id.clone(), |n| (*n).to_string()),
        })
    };
    let failure_types =
        regime.failure_types.iter().map(|f| Named { id: code(&f.failure_type), name: f.name.clone() }).collect();
    Report {
        as_of: report.as_of.clone(),
        regime: report.regime.clone(),
        regime_version: report.regime_version.clone(),
        rule_set: report.rule_set.clone(),
        failure_types,
        organisations: report.organisations.iter().map(|o| organisation(o, &named)).collect(),
        national: report.national.iter().map(|n| n.explanation.clone()).collect(),
    }
}

fn organisation(o: &OrganisationReport, named: &dyn Fn(&str, &Option<String>) -> Option<Named>) -> Judgement {
    Judgement {
        code: o.organisation.clone(),
        name: o.name.clone(),
        sector: o.sector.clone(),
        overall_band: o.overall_band.as_str().to_string(),
        overall_rank: rank(o.overall_band),
        overall_score: o.overall_score,
        bands: o.bands.iter().map(|(k, b)| ((*k).to_string(), b.as_str().to_string())).collect(),
        trajectory: code(&o.trajectory),
        grade: o.grade.clone(),
        current_rung: named(&o.sector, &o.current_rung),
        recommended_rung: named(&o.sector, &o.recommended_rung),
        reasons: o.rationale.clone(),
        insularity: o.insularity.explanation.clone(),
        signals: o.signals.iter().map(signal).collect(),
        learned: o.learned.as_ref().map(|l| LearnedView {
            score: l.score.clone(),
            regime_version: l.regime_version.clone(),
            foretells: l.foretells.clone(),
            probability: l.probability,
            log_odds: l.log_odds,
            intercept: l.intercept,
            threshold: l.threshold,
            flagged: l.flagged,
            fitted_on: l.fitted_on.clone(),
            summary: failwell_engine::judge::learned::in_words(l),
            contributions: l
                .contributions
                .iter()
                .map(|c| ContributionView {
                    feature: c.feature.clone(),
                    meaning: c.meaning.clone(),
                    value: c.value,
                    weight: c.weight,
                    contribution: c.contribution,
                })
                .collect(),
        }),
    }
}

fn signal(s: &Signal) -> SignalView {
    SignalView {
        source_kind: code(&s.source_kind),
        source: s.source.clone(),
        indicator: s.indicator.clone(),
        rule: s.rule.to_string(),
        direction: s.direction.code().to_string(),
        strength: code(&s.strength),
        failure_types: s.failure_types.iter().map(code).collect(),
        start: s.start.to_string(),
        end: s.end.to_string(),
        known_from: s.known_from.map(failwell_domain::dates::iso),
        reading: code(&s.reading),
        explanation: s.evidence.explanation(),
    }
}

/// The band codes, lightest first (for filters: the engine's own words).
pub const BANDS: [&str; 4] = ["low", "moderate", "high", "severe"];
