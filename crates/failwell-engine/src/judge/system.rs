//! The system view: the ownership of failure is shared (the report's conclusions).
//!
//! Failure at Rotherham ran through the council, the police and the Home Office; Doncaster
//! saw parallel interventions at the council and its children's services. The system
//! view looks at groups of linked organisations — an academy chain, a health economy, a
//! region's councils — and says where several members signal together, with a
//! recommendation to respond at system level when they share a failure type.
//!
//! A **group** is an organisation that others link to with `part_of` or `member_of`, the
//! link holding on the as-of day. Its **members** are those organisations that the scan
//! reports on. The `region` field of the registry is not used: regions that matter are
//! groups in the registry with `member_of` links (the demo loads the DfE regions so), and
//! a name shared as free text would make a second, unchecked grouping.

use crate::judge::assess::Band;
use crate::judge::links::holds_on;
use crate::scan::OrganisationReport;
use failwell_domain::{FailureType, Link, LinkType, Organisation};
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use time::Date;

/// Counted concern signals listed per member as evidence.
pub const STRONGEST_SIGNALS: usize = 3;

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
    /// "Respond at system level …" when enough members signal in the same failure type.
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
/// `min_members` members at band `band` or worse in it, and they are at least `share` of
/// the members.
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
        let mut enough = Vec::new();
        let mut most = 0usize;
        for ft in FailureType::ALL {
            if evidence.iter().filter(|e| e.failure_types.contains(&ft)).count() >= min_members {
                shared.push(ft);
            }
            let k = member_reports
                .iter()
                .filter(|m| m.risks.iter().any(|r| r.failure_type == ft && r.band >= band))
                .count();
            // A tolerance so that 1 of 3 counts as a third.
            if k >= min_members && k as f64 >= share * n as f64 - 1e-9 {
                enough.push(ft);
                most = most.max(k);
            }
        }
        let name = names.get(group).copied().unwrap_or(group).to_string();
        let recommendation = (!enough.is_empty()).then(|| {
            let types: Vec<&str> = enough.iter().map(|t| t.code()).collect();
            format!(
                "Respond at system level: up to {most} of the {n} members of {name} are {} or worse in {} \
                 (threshold: {min_members} members and {:.0}% of them); one response across the group, \
                 rather than separate interventions at organisations whose troubles are linked.",
                band.as_str(),
                types.join(", "),
                share * 100.0
            )
        });
        out.push(SystemReport {
            group: group.to_string(),
            name,
            members: members.iter().map(|m| m.to_string()).collect(),
            share: signalling.len() as f64 / n as f64,
            signalling,
            shared_failure_types: shared,
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
