//! A flag budget: peer capacity is finite. A rung below the statutory ones may say how
//! many organisations it can take a year (`capacity_per_year`); when the scan recommends
//! it to more organisations than that, the highest-risk ones get it and the rest wait on
//! the rung they stand on, in rank order, each told its rank. Statutory rungs carry no budget (the
//! regime refuses one), so a failing judgement is never rationed.

use crate::judge::organisation::OrganisationReport;
use failwell_domain::regime::Regime;
use serde::Serialize;
use std::collections::BTreeMap;

/// Where an organisation stood in the queue for a rung with a budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BudgetRank {
    /// The rung with the budget.
    pub rung: String,
    /// Its rank by risk (1 = highest) among those recommended it.
    pub rank: usize,
    /// How many were recommended it.
    pub of: usize,
    /// How many it can take a year.
    pub capacity: i64,
    /// Whether the organisation is within the budget (else it waits on its current rung).
    pub within: bool,
}

/// What a queue ranks by: the likelihood that the next judgement fails where the regime
/// has a learned score for the sector (every organisation of a queue shares its sector,
/// so a queue never mixes the two), else the overall score.
fn risk_of(report: &OrganisationReport) -> f64 {
    report.learned.as_ref().map_or(report.overall_score, |l| l.probability)
}

/// The ranking's measure, as the sentence says it.
fn risk_in_words(report: &OrganisationReport) -> String {
    match &report.learned {
        Some(l) => format!("by the likelihood of a failing judgement ({:.0} %)", l.probability * 100.0),
        None => format!("by risk (score {})", report.overall_score),
    }
}

/// Applies every rung's budget to `reports`: the organisations recommended a step up to a
/// rung with a capacity are ranked by `risk_of` (highest first, then by code), the
/// first `capacity` keep the recommendation, the rest are recommended their current rung;
/// each gets its rank and a sentence saying why. Organisations already on the rung hold
/// their place and are not counted.
pub fn ration(reports: &mut [OrganisationReport], regime: &Regime) {
    let mut queues: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, report) in reports.iter().enumerate() {
        let Some(rec) = &report.recommendation else { continue };
        if rec.recommended.level <= rec.current.level {
            continue;
        }
        let capacity = regime
            .ladder(&rec.recommended.ladder)
            .and_then(|l| l.rung(&rec.recommended.id))
            .and_then(|r| r.capacity_per_year);
        if capacity.is_some() {
            queues.entry((rec.recommended.ladder.clone(), rec.recommended.id.clone())).or_default().push(i);
        }
    }
    for ((ladder_id, rung_id), mut queue) in queues {
        let Some(ladder) = regime.ladder(&ladder_id) else { continue };
        let Some(rung) = ladder.rung(&rung_id) else { continue };
        let Some(capacity) = rung.capacity_per_year else { continue };
        queue.sort_by(|&a, &b| {
            risk_of(&reports[b])
                .total_cmp(&risk_of(&reports[a]))
                .then_with(|| reports[a].organisation.cmp(&reports[b].organisation))
        });
        let of = queue.len();
        for (at, &i) in queue.iter().enumerate() {
            let rank = at + 1;
            let within = i64::try_from(rank).is_ok_and(|r| r <= capacity);
            let report = &mut reports[i];
            let by = risk_in_words(report);
            let Some(rec) = report.recommendation.as_mut() else { continue };
            let sentence = if within {
                format!(
                    "{} can take {capacity} organisations a year: ranked {rank} of the {of} recommended it, {by}, within the budget.",
                    rung.name
                )
            } else {
                let waits = rec.current.clone();
                let sentence = format!(
                    "{} can take {capacity} organisations a year and {of} were recommended it: ranked {rank} {by}, beyond the budget, so the recommendation is to stay on {} until a place frees for it, in rank order.",
                    rung.name, waits.name
                );
                rec.capped_from.get_or_insert_with(|| rec.recommended.clone());
                rec.recommended = waits;
                report.recommended_rung = Some(rec.recommended.id.clone());
                sentence
            };
            let place = rec.rationale.len();
            rec.rationale.push(sentence.clone());
            rec.budget = Some(BudgetRank { rung: rung_id.clone(), rank, of, capacity, within });
            let place = place.min(report.rationale.len());
            report.rationale.insert(place, sentence);
        }
    }
}
