//! What a judgement of the store, or a page's reading of it, was made from: a picture
//! built from the store stays true while its marks do not move.
//!
//! A scan reads the figures and records (each import) and the intervention cases open on
//! its day (the rung each holds). A service that keeps a judged picture in memory must
//! build it again when either changes, whichever process changed it: a case opened or
//! stepped from the command line, back-dated, changes the rung the web shows. What a page
//! reads beside the judgement (casework, plans, meetings) changes with any write, and
//! every write is audited: migration 14 counts the audited writes as they commit.

use crate::error::StoreError;
use crate::open::Store;
use sqlx::Row;

/// The marks of what a scan reads beyond the regime; equal marks, the same scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JudgedMarks {
    /// The newest import's id (0 for none).
    pub import: i64,
    /// The newest step of any case: an opening is a case's first step, so this moves
    /// with every opening and every move on the ladder.
    pub step: i64,
    /// How many cases have ended (a closing sets an end; nothing reopens a case).
    pub closed: i64,
}

/// The store's marks: what a scan reads, and how many writes have committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreMarks {
    /// What a scan reads.
    pub judged: JudgedMarks,
    /// How many audited writes have committed (`store_change`, counted by a trigger on
    /// the audit log in each write's own transaction): every write (a casework move, a
    /// plan's progress, an account's change) moves it, reads do not. A count rather than
    /// the newest entry's id, because PostgreSQL hands ids out at insert, not at commit: a
    /// later, shorter write could commit a higher id first.
    pub changed: i64,
    /// The newest recorded scan's id (0 for none): `failwell scan` records one without an
    /// audit entry. Recordings take turns (a lock held from before the scan's id is handed
    /// out until it commits), so ids commit in order and the newest is a true mark.
    pub scan: i64,
}

impl Store {
    /// The marks now, in one query of five indexed lookups (primary keys, the table of
    /// cases and the one-row count of changes).
    pub async fn marks(&self) -> Result<StoreMarks, StoreError> {
        let row = sqlx::query(
            "select (select max(id) from import_run), (select max(id) from intervention_step),
                    (select count(*) from intervention where ended_on is not null),
                    (select n from store_change where id = 1), (select max(id) from scan_run)",
        )
        .fetch_one(self.reads())
        .await?;
        let mark = |i: usize| -> Result<i64, StoreError> { Ok(row.try_get::<Option<i64>, _>(i)?.unwrap_or(0)) };
        Ok(StoreMarks {
            judged: JudgedMarks { import: mark(0)?, step: mark(1)?, closed: mark(2)? },
            changed: mark(3)?,
            scan: mark(4)?,
        })
    }
}
