//! The assessment of one organisation: a score and band per failure type and overall,
//! a trajectory, and the signals behind each — never a bare number.

use crate::judge::signal::{Direction, Signal, SignalRule, SourceKind};
use crate::judge::weights::weight;
use failwell_domain::FailureType;
use failwell_domain::regime::Regime;
use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;

/// How worried to be, in four words people use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Nothing of note.
    Low,
    /// Something to watch.
    Moderate,
    /// Clear evidence of trouble.
    High,
    /// Failure, or strong evidence of it on several fronts.
    Severe,
}

impl Band {
    /// The band's code, as CEL rules compare it.
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Low => "low",
            Band::Moderate => "moderate",
            Band::High => "high",
            Band::Severe => "severe",
        }
    }

    /// The band of `score` given the thresholds of moderate, high and severe.
    pub fn of(score: f64, thresholds: [f64; 3]) -> Band {
        if score >= thresholds[2] {
            Band::Severe
        } else if score >= thresholds[1] {
            Band::High
        } else if score >= thresholds[0] {
            Band::Moderate
        } else {
            Band::Low
        }
    }
}

/// Which way things are going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trajectory {
    /// More evidence of improvement than of deterioration.
    Improving,
    /// Neither outweighs the other.
    Stable,
    /// More evidence of deterioration than of improvement.
    Deteriorating,
}

impl Trajectory {
    /// The code, as CEL rules compare it.
    pub fn as_str(self) -> &'static str {
        match self {
            Trajectory::Improving => "improving",
            Trajectory::Stable => "stable",
            Trajectory::Deteriorating => "deteriorating",
        }
    }
}

/// The risk of one failure type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeRisk {
    /// The failure type.
    pub failure_type: FailureType,
    /// Sum over sources of the strongest counted signal's strength points × weight (an
    /// indicator series counts once however many SPC rules fire on it).
    pub score: f64,
    /// The band of the score.
    pub band: Band,
    /// Keys of the signals that contributed, in key order.
    pub signals: Vec<String>,
}

/// One organisation's assessment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// The highest band of any failure type: types are never added together, so a
    /// financial collapse and a safeguarding failure stay separate judgements.
    pub overall_band: Band,
    /// The highest score of any failure type.
    pub overall_score: f64,
    /// One entry per failure type, in the report's order.
    pub risks: Vec<TypeRisk>,
    /// Which way things are going.
    pub trajectory: Trajectory,
}

impl Assessment {
    /// The bands by failure type code, sorted by code.
    pub fn bands(&self) -> BTreeMap<&'static str, Band> {
        self.risks.iter().map(|r| (r.failure_type.code(), r.band)).collect()
    }
}

/// Assesses one organisation from its signals.
pub fn assess(regime: &Regime, signals: &[Signal], today: Date, thresholds: [f64; 3]) -> Assessment {
    let mut risks = Vec::with_capacity(FailureType::ALL.len());
    for ft in FailureType::ALL {
        // One series, one vote: several rules firing on one series are one piece of
        // evidence, so each source counts once, at its strongest weighted signal.
        let mut best: BTreeMap<(SourceKind, &str, Option<SignalRule>), f64> = BTreeMap::new();
        let mut keys = Vec::new();
        for s in signals.iter().filter(|s| s.counts_as_concern()) {
            let w = weight(regime, s, ft, today);
            if w > 0.0 {
                let vote_of = (s.source_kind != SourceKind::Indicator).then_some(s.rule);
                let slot = best.entry((s.source_kind, s.source.as_str(), vote_of)).or_insert(0.0);
                *slot = slot.max(s.strength.points() * w);
                keys.push(s.key.clone());
            }
        }
        // `+ 0.0`: the sum of no values is -0.0 (IEEE 754's additive identity), which
        // would print as `-0.0`; adding +0.0 makes it +0.0 and leaves every other sum as it is.
        let score: f64 = best.values().sum::<f64>() + 0.0;
        keys.sort();
        risks.push(TypeRisk { failure_type: ft, score, band: Band::of(score, thresholds), signals: keys });
    }
    let overall_score = risks.iter().map(|r| r.score).fold(0.0, f64::max);
    let balance: f64 = signals
        .iter()
        .filter(|s| s.rule.is_change() && !s.read_away())
        .map(|s| match s.direction {
            Direction::Improvement => s.strength.points(),
            Direction::Concern => -s.strength.points(),
            Direction::Neutral => 0.0,
        })
        .sum();
    let trajectory = if balance > 0.0 {
        Trajectory::Improving
    } else if balance < 0.0 {
        Trajectory::Deteriorating
    } else {
        Trajectory::Stable
    };
    Assessment { overall_band: Band::of(overall_score, thresholds), overall_score, risks, trajectory }
}
