//! Decisions on recommendations: a person accepts or declines what a recorded scan
//! recommended for an organisation, with a reason. Both are kept, append-only: this API
//! offers no update and no delete, and the database refuses them too (triggers in
//! migration 3), so the record of who decided what, when and why cannot be rewritten.

use crate::error::StoreError;
use crate::open::Store;
use sqlx::Row;

/// What a recorded scan recommended for one organisation, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecommendation {
    /// The scan that made the recommendation: the scan asked about, or an earlier one
    /// whose recommendation it repeated (a scan writes only what changed). Decisions refer
    /// to it.
    pub scan_id: i64,
    /// Organisation code.
    pub organisation: String,
    /// The recommended rung (`None`: no ladder covered the organisation's sector).
    pub recommended_rung: Option<String>,
    /// The rung it stood on.
    pub current_rung: Option<String>,
    /// The reasons, a JSON array of sentences.
    pub rationale: String,
}

/// A decision to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDecision {
    /// The recorded scan whose recommendation is decided on (the decision is recorded
    /// against the scan that made it, see [`StoredRecommendation::scan_id`]).
    pub scan_id: i64,
    /// Organisation code.
    pub organisation: String,
    /// The rung that scan recommended.
    pub recommended_rung: String,
    /// `true`: accepted; `false`: declined.
    pub accepted: bool,
    /// Why (required, not blank).
    pub reason: String,
    /// Who decided (required, not blank).
    pub decided_by: String,
    /// The web request that recorded it, for its audit entry (`None` from the command line).
    pub request_id: Option<String>,
}

/// A recorded decision.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    /// Its id (in the order decisions were recorded).
    pub id: i64,
    /// The scan that made the recommendation decided on.
    pub scan_id: i64,
    /// That scan's as-of day.
    pub scan_as_of: String,
    /// Organisation code.
    pub organisation: String,
    /// The rung recommended.
    pub recommended_rung: String,
    /// `accepted` or `declined`.
    pub decision: String,
    /// Why.
    pub reason: String,
    /// Who decided.
    pub decided_by: String,
    /// When it was recorded (RFC 3339, UTC).
    pub decided_at: String,
}

const DECISION_COLUMNS: &str = "d.id, d.scan_id, s.as_of, d.organisation, d.recommended_rung, d.decision, d.reason,
     d.decided_by, d.decided_at from decision d join scan_run s on s.id = d.scan_id";

fn decision(r: &sqlx::any::AnyRow) -> Result<Decision, StoreError> {
    Ok(Decision {
        id: r.try_get(0)?,
        scan_id: r.try_get(1)?,
        scan_as_of: r.try_get(2)?,
        organisation: r.try_get(3)?,
        recommended_rung: r.try_get(4)?,
        decision: r.try_get(5)?,
        reason: r.try_get(6)?,
        decided_by: r.try_get(7)?,
        decided_at: r.try_get(8)?,
    })
}

impl Store {
    /// The as-of day of recorded scan `id`, if there is one.
    pub async fn scan_as_of(&self, id: i64) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("select as_of from scan_run where id = $1").bind(id).fetch_optional(self.reads()).await?)
    }

    /// What recorded scan `scan_id` recommended for `organisation`: the recommendation in
    /// force at that scan, made by it or by an earlier scan that it repeated (`None` when
    /// the scan did not report the organisation, or was recorded before recommendations
    /// were kept).
    pub async fn recommendation(
        &self,
        scan_id: i64,
        organisation: &str,
    ) -> Result<Option<StoredRecommendation>, StoreError> {
        let row = sqlx::query(
            "select scan_id, organisation, recommended_rung, current_rung, rationale from recommendation
             where organisation = $2 and scan_id <= $1 and (superseded_in is null or superseded_in > $1)
               and reported = 1",
        )
        .bind(scan_id)
        .bind(organisation)
        .fetch_optional(self.reads())
        .await?;
        row.map(|r| {
            Ok(StoredRecommendation {
                scan_id: r.try_get(0)?,
                organisation: r.try_get(1)?,
                recommended_rung: r.try_get(2)?,
                current_rung: r.try_get(3)?,
                rationale: r.try_get(4)?,
            })
        })
        .transpose()
    }

    /// Records a decision, against the scan that made the recommendation, with its audit
    /// entry in the same transaction (so a decision from the command line is in the log
    /// too, and moves the store's count of writes that the web's caches key on), and
    /// returns it as stored. A scan and organisation with no recommendation in force are
    /// refused ([`StoreError::NoRecommendation`]); the database refuses a blank reason or name.
    pub async fn record_decision(&self, d: &NewDecision) -> Result<Decision, StoreError> {
        let Some(made_in) = self.recommendation(d.scan_id, &d.organisation).await?.map(|r| r.scan_id) else {
            return Err(StoreError::NoRecommendation { scan: d.scan_id, organisation: d.organisation.clone() });
        };
        let mut tx = crate::casework::begin(self).await?;
        let verdict = if d.accepted { "accepted" } else { "declined" };
        let id: i64 = sqlx::query_scalar(
            "insert into decision (scan_id, organisation, recommended_rung, decision, reason, decided_by, decided_at)
             values ($1, $2, $3, $4, $5, $6, $7) returning id",
        )
        .bind(made_in)
        .bind(&d.organisation)
        .bind(&d.recommended_rung)
        .bind(verdict)
        .bind(&d.reason)
        .bind(&d.decided_by)
        .bind(crate::import::now())
        .fetch_one(&mut *tx)
        .await?;
        let subject = format!("{} scan {}", d.organisation, d.scan_id);
        let detail = format!("{verdict} {}: {}", d.recommended_rung, d.reason);
        let note =
            crate::casework::AuditNote { who: &d.decided_by, action: "decide", subject: &subject, detail: &detail };
        crate::casework::audit_request(&mut tx, &note, "done", d.request_id.as_deref()).await?;
        tx.commit().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("select {DECISION_COLUMNS} where d.id = $1")))
            .bind(id)
            .fetch_one(self.reads())
            .await?;
        decision(&row)
    }

    /// Every decision, or one organisation's, in the order they were recorded.
    pub async fn decisions(&self, organisation: Option<&str>) -> Result<Vec<Decision>, StoreError> {
        let rows = match organisation {
            Some(code) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "select {DECISION_COLUMNS} where d.organisation = $1 order by d.id"
                )))
                .bind(code)
                .fetch_all(self.reads())
                .await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!("select {DECISION_COLUMNS} order by d.id")))
                    .fetch_all(self.reads())
                    .await?
            }
        };
        rows.iter().map(decision).collect()
    }
}
