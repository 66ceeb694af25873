//! What a judgement of the store was made from, in four numbers: a picture judged from the
//! store stays true while none of them moves.
//!
//! A scan reads the figures and records (each import), the decisions on its
//! recommendations (a declined rung is recalled) and the intervention cases open on its
//! day (the rung each holds). A service that keeps a judged picture in memory must build
//! it again when any of these change, whichever process changed them: a case opened or
//! stepped from the command line changes the rung the web shows.

use crate::error::StoreError;
use crate::open::Store;
use sqlx::Row;

/// The marks of what a scan reads beyond the regime; equal marks, the same scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JudgedMarks {
    /// The newest import's id (0 for none).
    pub import: i64,
    /// The newest decision's id (decisions are appended, never changed).
    pub decision: i64,
    /// The newest step of any case: an opening is a case's first step, so this moves
    /// with every opening and every move on the ladder.
    pub step: i64,
    /// How many cases have ended (a closing sets an end; nothing reopens a case).
    pub closed: i64,
}

/// The store's marks: what a scan reads, and the newest change of any kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreMarks {
    /// What a scan reads.
    pub judged: JudgedMarks,
    /// The newest audited write's id: every write (a casework move, a plan's progress, an
    /// account's change) is audited in its own transaction, reads as `read`. Casework read
    /// at this mark stays true until it moves.
    pub changed: i64,
}

impl Store {
    /// The marks now, in one query of five indexed lookups (each on a primary key, the
    /// audit log's index of changes, or the table of cases, small beside the figures).
    pub async fn marks(&self) -> Result<StoreMarks, StoreError> {
        let row = sqlx::query(
            "select (select max(id) from import_run), (select max(id) from decision),
                    (select max(id) from intervention_step),
                    (select count(*) from intervention where ended_on is not null),
                    (select max(id) from audit_log where action <> 'read')",
        )
        .fetch_one(self.reads())
        .await?;
        let mark = |i: usize| -> Result<i64, StoreError> { Ok(row.try_get::<Option<i64>, _>(i)?.unwrap_or(0)) };
        Ok(StoreMarks {
            judged: JudgedMarks { import: mark(0)?, decision: mark(1)?, step: mark(2)?, closed: mark(3)? },
            changed: mark(4)?,
        })
    }
}
