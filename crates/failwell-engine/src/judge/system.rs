//! The system view: the ownership of failure is shared (the report's conclusions).
//!
//! Failure at Rotherham ran through the council, the police and the Home Office; Doncaster
//! saw parallel interventions at the council and its children's services. The system
//! view looks at groups of linked organisations — an academy chain, a health economy, a
//! region's councils — and says where several members signal together, with a
//! recommendation to respond at system level when they share a failure type **more than
//! their sectors as a whole do**. When most councils of England are high in performance,
//! a region whose councils are too is not a system in trouble (before this check, every
//! region of the demo was recommended a system response): the members' count at the band
//! is put against the count their sectors' rates would give, and only a count that chance
//! at those rates would reach less than [`EXCESS_TAIL`] of the time is a system signal.
//!
//! A **group** is an organisation that others link to with `part_of` or `member_of`, the
//! link holding on the as-of day. Its **members** are those organisations that the scan
//! reports on. The `region` field of the registry is not used: regions that matter are
//! groups in the registry with `member_of` links (the demo loads the DfE regions so), and
//! a name shared as free text would make a second, unchecked grouping.

use crate::judge::assess::Band;
use crate::judge::links::holds_on;
use crate::judge::organisation::OrganisationReport;
use failwell_domain::{FailureType, Link, LinkType, Organisation};
use failwell_stats::dist::poisson_binomial_at_least;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use time::Date;

/// Counted concern signals listed per member as evidence.
pub const STRONGEST_SIGNALS: usize = 3;

/// The chance below which a group's count at the band is more than its members' sectors
/// would give: 5 %, one-sided.
pub const EXCESS_TAIL: f64 = 0.05;

/// A failure type in which a group's members are at the band more often than their
/// sectors are.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Excess {
    /// The failure type.
    pub failure_type: FailureType,
    /// Members at the band or worse in it.
    pub members_at_band: usize,
    /// How many the members' sectors' rates give (the sum of each member's sector rate).
    pub expected: f64,
    /// The chance of at least that many under those rates, the members independent
    /// (exact: the Poisson binomial distribution).
    pub tail: f64,
}

/// One member of a group, as evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberEvidence {
    /// The member's code.
    pub organisation: String,
    /// Its overall band.
    pub overall_band: Band,
    /// Whether it is signalling (overall band moderate or worse).
    pub signalling: bool,
    /// The failure types in which it is at least moderate.
    pub failure_types: Vec<FailureType>,
    /// Keys of its strongest counted concern signals (up to [`STRONGEST_SIGNALS`]).
    pub strongest_signals: Vec<String>,
}

/// One group of linked organisations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemReport {
    /// The group's code.
    pub group: String,
    /// Its name (the code when the registry does not name it).
    pub name: String,
    /// Members reported by the scan, by code.
    pub members: Vec<String>,
    /// Those signalling: overall band moderate or worse.
    pub signalling: Vec<String>,
    /// `signalling / members`.
    pub share: f64,
    /// Failure types in which at least two members (`system_min_members`) are at least
    /// moderate.
    pub shared_failure_types: Vec<FailureType>,
    /// The failure types in which at least `min_members` members are at the band, each
    /// against what their sectors' rates give.
    pub against_sectors: Vec<Excess>,
    /// "Respond at system level …" when enough members are at the band in the same
    /// failure type, and more than their sectors' rates give.
    pub recommendation: Option<String>,
    /// Per member: its band, the types it signals in, its strongest signal keys.
    pub evidence: Vec<MemberEvidence>,
}

/// When a group is recommended a system-level response (see [`crate::ScanOptions`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SystemRule {
    /// At least this many members (and never fewer than 2)…
    pub min_members: usize,
    /// …and at least this share of the members…
    pub share: f64,
    /// …at this band or worse in one failure type.
    pub band: Band,
}

fn evidence_of(r: &OrganisationReport) -> MemberEvidence {
    MemberEvidence {
        organisation: r.organisation.clone(),
        overall_band: r.overall_band,
        signalling: r.overall_band >= Band::Moderate,
        failure_types: r.risks.iter().filter(|t| t.band >= Band::Moderate).map(|t| t.failure_type).collect(),
        // Signals come concerns first, strongest first, then by key.
        strongest_signals: r
            .signals
            .iter()
            .filter(|s| s.counts_as_concern())
            .take(STRONGEST_SIGNALS)
            .map(|s| s.key.clone())
            .collect(),
    }
}

/// The system view over the scan's `reports`: every group with at least `min_members`
/// members reported, recommended ones first, then by share signalling (descending), then
/// by code.
///
/// A group is recommended a system-level response when some failure type has at least
/// `min_members` members at band `band` or worse in it, they are at least `share` of the
/// members, and chance at their sectors' rates (over every organisation of `reports`)
/// gives that many less than [`EXCESS_TAIL`] of the time.
pub fn system_view(
    organisations: &[Organisation],
    links: &[Link],
    reports: &[OrganisationReport],
    today: Date,
    rule: SystemRule,
) -> Vec<SystemReport> {
    let SystemRule { min_members, share, band } = rule;
    let min_members = min_members.max(2);
    let by_code: FxHashMap<&str, &OrganisationReport> = reports.iter().map(|r| (r.organisation.as_str(), r)).collect();
    let names: BTreeMap<&str, &str> = organisations.iter().map(|o| (o.code.as_str(), o.name.as_str())).collect();
    let at_band =
        |r: &OrganisationReport, ft: FailureType| r.risks.iter().any(|t| t.failure_type == ft && t.band >= band);
    // Each sector's rate at the band per failure type, over every organisation reported.
    let mut sector_counts: BTreeMap<(&str, FailureType), (usize, usize)> = BTreeMap::new();
    for r in reports {
        for ft in FailureType::ALL {
            let c = sector_counts.entry((r.sector.as_str(), ft)).or_default();
            c.0 += usize::from(at_band(r, ft));
            c.1 += 1;
        }
    }
    let sector_rate = |sector: &str, ft: FailureType| {
        // Every entry counts at least the organisation that made it: n ≥ 1.
        sector_counts.get(&(sector, ft)).map_or(0.0, |&(k, n)| k as f64 / n as f64)
    };
    let mut groups: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for l in links {
        if matches!(l.link_type, LinkType::PartOf | LinkType::MemberOf)
            && holds_on(l, today)
            && l.from != l.to
            && by_code.contains_key(l.from.as_str())
        {
            groups.entry(l.to.as_str()).or_default().insert(l.from.as_str());
        }
    }
    let mut out = Vec::new();
    for (group, members) in groups {
        if members.len() < min_members {
            continue;
        }
        let member_reports: Vec<&OrganisationReport> = members.iter().map(|m| by_code[m]).collect();
        let evidence: Vec<MemberEvidence> = member_reports.iter().map(|r| evidence_of(r)).collect();
        let signalling: Vec<String> =
            evidence.iter().filter(|e| e.signalling).map(|e| e.organisation.clone()).collect();
        let n = members.len();
        let mut shared = Vec::new();
        let mut enough: Vec<&Excess> = Vec::new();
        let mut against_sectors = Vec::new();
        for ft in FailureType::ALL {
            if evidence.iter().filter(|e| e.failure_types.contains(&ft)).count() >= min_members {
                shared.push(ft);
            }
            let k = member_reports.iter().filter(|m| at_band(m, ft)).count();
            if k >= min_members {
                let rates: Vec<f64> = member_reports.iter().map(|m| sector_rate(&m.sector, ft)).collect();
                against_sectors.push(Excess {
                    failure_type: ft,
                    members_at_band: k,
                    expected: rates.iter().sum(),
                    tail: poisson_binomial_at_least(k, &rates),
                });
            }
        }
        for e in &against_sectors {
            // A tolerance so that 1 of 3 counts as a third.
            if e.members_at_band as f64 >= share * n as f64 - 1e-9 && e.tail < EXCESS_TAIL {
                enough.push(e);
            }
        }
        let most = enough.iter().map(|e| e.members_at_band).max().unwrap_or(0);
        let name = names.get(group).copied().unwrap_or(group).to_string();
        let recommendation = (!enough.is_empty()).then(|| {
            let types: Vec<String> = enough
                .iter()
                .map(|e| {
                    format!(
                        "{} ({} where their sectors' rates give {:.1}; chance {:.3})",
                        e.failure_type.code(),
                        e.members_at_band,
                        e.expected,
                        e.tail
                    )
                })
                .collect();
            format!(
                "Respond at system level: up to {most} of the {n} members of {name} are {} or worse in {}, \
                 more than their sectors as a whole (threshold: {min_members} members, {:.0}% of them, and a \
                 chance under {:.0}% at the sectors' rates); one response across the group, rather than \
                 separate interventions at organisations whose troubles are linked.",
                band.as_str(),
                types.join(", "),
                share * 100.0,
                EXCESS_TAIL * 100.0
            )
        });
        out.push(SystemReport {
            group: group.to_string(),
            name,
            members: members.iter().map(|m| m.to_string()).collect(),
            share: signalling.len() as f64 / n as f64,
            signalling,
            shared_failure_types: shared,
            against_sectors,
            recommendation,
            evidence,
        });
    }
    out.sort_by(|a, b| {
        b.recommendation
            .is_some()
            .cmp(&a.recommendation.is_some())
            .then(b.share.total_cmp(&a.share))
            .then_with(|| a.group.cmp(&b.group))
    });
    out
}
