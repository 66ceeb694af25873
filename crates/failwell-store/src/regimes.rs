//! Regime definitions kept by id and version (`failwell regime add`), so that a scan can
//! be judged again under a definition that is no longer the built-in one. The store keeps
//! the text; validating it is the caller's business.

use crate::error::StoreError;
use crate::open::Store;
use sqlx::Row;

/// A stored regime definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRegime {
    /// The regime's id.
    pub id: String,
    /// Its version.
    pub version: String,
    /// The TOML text, as added.
    pub text: String,
    /// When it was added (RFC 3339, UTC).
    pub added_at: String,
}

/// What adding a regime did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegimeAdded {
    /// Stored.
    Added,
    /// The same id and version with the same text was stored already: nothing changed.
    Unchanged,
    /// The same id and version is stored with different text: refused, nothing changed.
    Conflict,
}

impl Store {
    /// Stores regime `id` version `version`; a version is immutable once added.
    pub async fn add_regime(&self, id: &str, version: &str, text: &str) -> Result<RegimeAdded, StoreError> {
        let mut tx = self.pool.begin().await?;
        let stored: Option<String> = sqlx::query_scalar("select text from regime where id = $1 and version = $2")
            .bind(id)
            .bind(version)
            .fetch_optional(&mut *tx)
            .await?;
        let outcome = match stored {
            Some(t) if t == text => RegimeAdded::Unchanged,
            Some(_) => RegimeAdded::Conflict,
            None => {
                sqlx::query("insert into regime (id, version, text, added_at) values ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(version)
                    .bind(text)
                    .bind(crate::import::now())
                    .execute(&mut *tx)
                    .await?;
                RegimeAdded::Added
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// Every stored regime, by id then version (text order).
    pub async fn regimes(&self) -> Result<Vec<StoredRegime>, StoreError> {
        let rows = sqlx::query("select id, version, text, added_at from regime order by id, version")
            .fetch_all(self.reads())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredRegime {
                    id: r.try_get(0)?,
                    version: r.try_get(1)?,
                    text: r.try_get(2)?,
                    added_at: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Stored regime `id` version `version`, if added.
    pub async fn regime(&self, id: &str, version: &str) -> Result<Option<StoredRegime>, StoreError> {
        let row = sqlx::query("select id, version, text, added_at from regime where id = $1 and version = $2")
            .bind(id)
            .bind(version)
            .fetch_optional(self.reads())
            .await?;
        row.map(|r| {
            Ok(StoredRegime { id: r.try_get(0)?, version: r.try_get(1)?, text: r.try_get(2)?, added_at: r.try_get(3)? })
        })
        .transpose()
    }
}
