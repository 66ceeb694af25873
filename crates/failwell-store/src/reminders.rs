//! Reminders as stored: each day's digest to each person, claimed before it is sent and
//! marked sent or failed after (migration 10), so a digest goes out at most once a day
//! and a failed one is tried again by the next run.

use crate::error::StoreError;
use crate::open::Store;
use sqlx::Row;

/// A reminder as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredReminder {
    /// Its id.
    pub id: i64,
    /// The day the digest is for.
    pub day: String,
    /// Who it went to.
    pub recipient: String,
    /// `email` or `webhook`.
    pub channel: String,
    /// `pending`, `sent` or `failed`.
    pub outcome: String,
    /// How many items it held.
    pub items: i64,
    /// What happened (the error of a failed send).
    pub detail: String,
    /// When it was recorded (RFC 3339).
    pub at: String,
}

impl Store {
    /// Claims the day's digest to `recipient` on `channel`: `Some(id)` when this run may
    /// send it, `None` when it was already sent or claimed (by a run that may have
    /// crashed after sending: it is not sent again).
    pub async fn claim_reminder(
        &self,
        day: &str,
        recipient: &str,
        channel: &str,
        items: i64,
    ) -> Result<Option<i64>, StoreError> {
        let claimed: Option<i64> = sqlx::query_scalar(
            "insert into reminder (day, recipient, channel, outcome, items, detail, at)
             values ($1, $2, $3, 'pending', $4, '', $5)
             on conflict (day, recipient, channel) where outcome in ('pending', 'sent') do nothing
             returning id",
        )
        .bind(day)
        .bind(recipient)
        .bind(channel)
        .bind(items)
        .bind(crate::import::now())
        .fetch_optional(&self.pool)
        .await?;
        Ok(claimed)
    }

    /// Marks a claimed reminder sent, or failed with why (a failed one can be claimed again).
    pub async fn finish_reminder(&self, id: i64, sent: bool, detail: &str) -> Result<(), StoreError> {
        sqlx::query("update reminder set outcome = $2, detail = $3, at = $4 where id = $1 and outcome = 'pending'")
            .bind(id)
            .bind(if sent { "sent" } else { "failed" })
            .bind(detail)
            .bind(crate::import::now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The reminders recorded (of one day, if given), in the order recorded: the newest
    /// `newest` of them, or all with `None`. The web's log shows a page of the newest and
    /// counts the rest with [`Store::reminder_outcomes`], rather than reading a table that
    /// grows by a row per person and day.
    pub async fn reminders(&self, day: Option<&str>, newest: Option<i64>) -> Result<Vec<StoredReminder>, StoreError> {
        let rows = sqlx::query(
            "select id, day, recipient, channel, outcome, items, detail, at from reminder
             where ($1 is null or day = $1) order by id desc limit $2",
        )
        .bind(day)
        .bind(newest.unwrap_or(i64::MAX))
        .fetch_all(self.reads())
        .await?;
        let mut list = rows
            .iter()
            .map(|r| {
                Ok(StoredReminder {
                    id: r.try_get(0)?,
                    day: r.try_get(1)?,
                    recipient: r.try_get(2)?,
                    channel: r.try_get(3)?,
                    outcome: r.try_get(4)?,
                    items: r.try_get(5)?,
                    detail: r.try_get(6)?,
                    at: r.try_get(7)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        list.reverse();
        Ok(list)
    }

    /// How many reminders (of one day, if given) each outcome has: `sent`, `failed`, `pending`.
    pub async fn reminder_outcomes(&self, day: Option<&str>) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "select outcome, count(*) from reminder where ($1 is null or day = $1) group by outcome order by outcome",
        )
        .bind(day)
        .fetch_all(self.reads())
        .await?)
    }
}
