//! Deciding on a recommendation: a person accepts or declines the rung a recorded scan
//! recommended for an organisation, with a reason. One rule for `failwell decide` and the
//! web form alike: the scan must be recorded, must have reported the organisation, and must
//! have recommended a rung.

use failwell_store::{Decision, NewDecision, Store, StoreError};

/// Why a decision cannot be recorded.
#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    /// No such recorded scan (with the latest one, when there is one).
    #[error("no recorded scan {scan}: {latest}")]
    NoScan {
        /// The scan named.
        scan: i64,
        /// What the latest recorded scan is, or that there is none.
        latest: String,
    },
    /// The scan did not report the organisation.
    #[error(
        "organisation {organisation:?} is not in the results of scan {scan} (as of {as_of}): nothing was recommended for it to decide on"
    )]
    NotReported {
        /// The scan named.
        scan: i64,
        /// Its as-of day.
        as_of: String,
        /// The organisation named.
        organisation: String,
    },
    /// No ladder covered the organisation's sector, so no rung was recommended.
    #[error(
        "scan {scan} made no recommendation for {organisation}: no escalation ladder of its regime covers the organisation's sector"
    )]
    NoRung {
        /// The scan named.
        scan: i64,
        /// The organisation named.
        organisation: String,
    },
    /// The store failed or refused (a blank reason or name).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A decision recorded, and the scan whose recommendation it decided (an earlier scan
/// than the one named when the named scan repeated it).
#[derive(Debug, Clone)]
pub struct Decided {
    /// The decision as stored.
    pub decision: Decision,
    /// The scan named.
    pub asked_scan: i64,
}

/// Records `by`'s decision on what recorded scan `scan` recommended for `organisation`,
/// with its audit entry (naming the web request that made it, if one did).
///
/// # Errors
/// [`DecideError`] says why nothing was recorded.
pub async fn decide(
    store: &Store,
    scan: i64,
    organisation: &str,
    accepted: bool,
    reason: &str,
    by: &str,
    request_id: Option<&str>,
) -> Result<Decided, DecideError> {
    let Some(as_of) = store.scan_as_of(scan).await? else {
        let latest = store.last_scan().await?.map_or_else(
            || "no scan has been recorded yet (run `failwell scan`)".to_string(),
            |l| format!("the latest recorded scan is {} (as of {})", l.id, l.as_of),
        );
        return Err(DecideError::NoScan { scan, latest });
    };
    let Some(rec) = store.recommendation(scan, organisation).await? else {
        return Err(DecideError::NotReported { scan, as_of, organisation: organisation.to_string() });
    };
    let Some(rung) = rec.recommended_rung else {
        return Err(DecideError::NoRung { scan, organisation: organisation.to_string() });
    };
    let decision = store
        .record_decision(&NewDecision {
            scan_id: scan,
            organisation: organisation.to_string(),
            recommended_rung: rung,
            accepted,
            reason: reason.to_string(),
            decided_by: by.to_string(),
            request_id: request_id.map(str::to_string),
        })
        .await?;
    Ok(Decided { decision, asked_scan: scan })
}
