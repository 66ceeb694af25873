//! What people decided on earlier recommendations, read back into a new scan: a
//! recommendation declined before is not made again as if for the first time.
//!
//! Judgement, not output: it lives in the engine so that every front end (the CLI, the
//! web) recalls declines the same way.

use crate::scan::ScanReport;
use failwell_store::Decision;
use std::collections::BTreeMap;

/// A recommendation declined before is recalled when the same rung is recommended again:
/// the organisation's latest decision, when it declined the rung this scan recommends,
/// is added to its reasons ("… was declined on D by X: reason").
pub fn recall_declines(report: &mut ScanReport, decisions: &[Decision]) {
    let mut latest: BTreeMap<&str, &Decision> = BTreeMap::new();
    for d in decisions {
        latest.insert(d.organisation.as_str(), d);
    }
    for org in &mut report.organisations {
        let Some(d) = latest.get(org.organisation.as_str()) else { continue };
        if d.decision == "declined" && org.recommended_rung.as_deref() == Some(d.recommended_rung.as_str()) {
            org.rationale.push(format!(
                "A recommendation of {} was declined on {} by {}: {}",
                d.recommended_rung,
                d.decided_at.get(..10).unwrap_or(&d.decided_at),
                d.decided_by,
                d.reason
            ));
        }
    }
}
