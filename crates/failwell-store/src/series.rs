//! Series as the scan reads them: the packed current figures of each series
//! (`series_current`), kept in step with `observation` by every import, and the same
//! shape rebuilt from the observation rows for a scan "as known on" an earlier day.
//!
//! Why packed: at England scale a scan reads 72 million points. As rows that is 72
//! million decoded tuples; packed it is 600,000 rows of two columns, and decoding a
//! series is a copy of its bytes. The rows stay the record (revisions, "as known on");
//! the packed form is derived and can always be rebuilt from them.

use crate::error::StoreError;
use crate::open::{Backend, Store};
use failwell_domain::dates;
use futures::TryStreamExt;
use sqlx::{Any, AnyConnection, AssertSqlSafe, Row};
use time::Date;

/// Series per query when reading or rebuilding by id.
const CHUNK: usize = 500;
/// Marks an unknown publication day in the packed bytes.
const NO_DAY: i32 = i32::MIN;

/// One series: its periods in time order, values (`NaN` where withheld) and the day each
/// point was published. Buffers are reused from series to series by the readers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesData {
    /// The series' id in the store.
    pub series_id: i64,
    periods: String,
    ends: Vec<u32>,
    /// Values in period order, `NaN` where the publisher withheld the figure.
    pub values: Vec<f64>,
    /// Publication day of each point, where known.
    pub published: Vec<Option<Date>>,
}

impl SeriesData {
    /// Number of points.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the series has no points.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The `i`th period, in canonical form.
    pub fn period(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize + 1 };
        &self.periods[start..self.ends[i] as usize]
    }

    /// Empties the series, keeping its buffers.
    pub fn clear(&mut self) {
        self.periods.clear();
        self.ends.clear();
        self.values.clear();
        self.published.clear();
    }

    /// Appends a point (periods must come in time order).
    pub fn push(&mut self, period: &str, value: Option<f64>, published: Option<Date>) {
        if !self.ends.is_empty() {
            self.periods.push(',');
        }
        self.periods.push_str(period);
        self.ends.push(self.periods.len() as u32);
        self.values.push(value.unwrap_or(f64::NAN));
        self.published.push(published);
    }

    /// Replaces the last point (a later revision of the same period).
    fn replace_last(&mut self, value: Option<f64>, published: Option<Date>) {
        if let (Some(v), Some(p)) = (self.values.last_mut(), self.published.last_mut()) {
            *v = value.unwrap_or(f64::NAN);
            *p = published;
        }
    }

    /// The packed bytes: n little-endian f64 values, then n i32 Julian days.
    fn pack(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len() * 12);
        for v in &self.values {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for p in &self.published {
            out.extend_from_slice(&p.map_or(NO_DAY, Date::to_julian_day).to_le_bytes());
        }
        out
    }

    /// Loads a packed series, reusing this one's buffers.
    fn unpack(&mut self, series_id: i64, periods: &str, packed: &[u8]) -> Result<(), String> {
        self.clear();
        self.series_id = series_id;
        self.periods.push_str(periods);
        if !periods.is_empty() {
            for (i, b) in periods.bytes().enumerate() {
                if b == b',' {
                    self.ends.push(i as u32);
                }
            }
            self.ends.push(periods.len() as u32);
        }
        let n = self.ends.len();
        if packed.len() != n * 12 {
            return Err(format!("{n} periods but {} packed bytes (expected {})", packed.len(), n * 12));
        }
        let (values, days) = packed.split_at(n * 8);
        self.values.extend(values.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))));
        for c in days.chunks_exact(4) {
            let day = i32::from_le_bytes(c.try_into().expect("4 bytes"));
            self.published.push(if day == NO_DAY { None } else { Date::from_julian_day(day).ok() });
        }
        Ok(())
    }

    /// The latest publication day among the points.
    fn latest_published(&self) -> Option<Date> {
        self.published.iter().flatten().max().copied()
    }
}

/// A series' identity: which organisation and indicator, and the last import that changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesKey {
    /// The series' id in the store.
    pub id: i64,
    /// The organisation's code.
    pub organisation: String,
    /// The indicator's code.
    pub indicator: String,
    /// The last import that changed its figures (`None` before the store tracked it).
    pub changed_in_import: Option<i64>,
}

fn id_list(ids: &[i64]) -> String {
    // Integers from the store itself: formatting them into the text is safe and lets one
    // statement carry hundreds without hundreds of bound parameters.
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

fn corrupt(key: i64, reason: String) -> StoreError {
    StoreError::Corrupt { kind: "series_current", key: key.to_string(), reason }
}

fn parse_day(text: Option<String>) -> Option<Date> {
    text.and_then(|d| dates::parse_date(&d).ok())
}

impl Store {
    /// Every series with its organisation and indicator codes, by id.
    pub async fn series_index(&self) -> Result<Vec<SeriesKey>, StoreError> {
        let rows = sqlx::query(
            "select s.id, org.code, ind.code, s.changed_in_import from series s
             join organisation org on org.id = s.organisation_id
             join indicator ind on ind.id = s.indicator_id
             order by s.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SeriesKey {
                    id: r.try_get(0)?,
                    organisation: r.try_get(1)?,
                    indicator: r.try_get(2)?,
                    changed_in_import: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Series changed by an import after `import_id`, by id.
    pub async fn series_changed_since(&self, import_id: i64) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_scalar("select id from series where changed_in_import > $1 order by id")
            .bind(import_id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// The newest import's id (0 for an empty store).
    pub async fn latest_import(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar::<_, Option<i64>>("select max(id) from import_run")
            .fetch_one(&self.pool)
            .await?
            .unwrap_or(0))
    }

    /// The latest publication day of any current figure.
    pub async fn latest_published(&self) -> Result<Option<Date>, StoreError> {
        let d: Option<String> =
            sqlx::query_scalar("select max(latest_published) from series_current").fetch_one(&self.pool).await?;
        Ok(parse_day(d))
    }

    /// Streams the current figures of every series (or of `only`), in id order, into `sink`.
    /// The `SeriesData` passed is reused: copy what must outlive the call.
    pub async fn current_series(
        &self,
        only: Option<&[i64]>,
        sink: &mut dyn FnMut(&SeriesData),
    ) -> Result<u64, StoreError> {
        let select = "select series_id, periods, packed from series_current";
        let statements: Vec<String> = match only {
            None => vec![format!("{select} order by series_id")],
            Some(ids) => ids
                .chunks(CHUNK)
                .map(|chunk| format!("{select} where series_id in ({}) order by series_id", id_list(chunk)))
                .collect(),
        };
        let mut data = SeriesData::default();
        let mut n = 0;
        for sql in statements {
            let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&self.pool);
            while let Some(row) = rows.try_next().await? {
                let id: i64 = row.try_get(0)?;
                let periods: &str = row.try_get(1)?;
                let packed: &[u8] = row.try_get(2)?;
                data.unpack(id, periods, packed).map_err(|e| corrupt(id, e))?;
                sink(&data);
                n += 1;
            }
        }
        Ok(n)
    }

    /// Streams every series as known on `as_of` (each period at its latest revision
    /// published on or before that day; a point with no publication day counts as always
    /// known), in id order, into `sink`. Reads the observation rows: slower than
    /// [`Store::current_series`], and the only way to see the past.
    pub async fn series_as_of(&self, as_of: Date, sink: &mut dyn FnMut(&SeriesData)) -> Result<u64, StoreError> {
        let mut rows = sqlx::query(
            "select series_id, period, value, published_on from observation
             where coalesce(published_on, '0000-01-01') <= $1
             order by series_id, period, revision",
        )
        .bind(dates::iso(as_of))
        .fetch(&self.pool);
        let mut data = SeriesData::default();
        let mut n = 0;
        while let Some(row) = rows.try_next().await? {
            let id: i64 = row.try_get(0)?;
            let period: &str = row.try_get(1)?;
            let value: Option<f64> = row.try_get(2)?;
            let published = parse_day(row.try_get(3)?);
            if id != data.series_id && !data.is_empty() {
                sink(&data);
                n += 1;
                data.clear();
            }
            data.series_id = id;
            // Rows come in revision order: a later revision of the same period replaces it.
            if data.len() > 0 && data.period(data.len() - 1) == period {
                data.replace_last(value, published);
            } else {
                data.push(period, value, published);
            }
        }
        if !data.is_empty() {
            sink(&data);
            n += 1;
        }
        Ok(n)
    }
}

/// Rebuilds the packed current figures of `ids` from their observation rows, on `conn`
/// (inside the caller's transaction, so an import and its packed figures commit together).
pub(crate) async fn rebuild_current(conn: &mut AnyConnection, backend: Backend, ids: &[i64]) -> Result<(), StoreError> {
    let mut data = SeriesData::default();
    let mut packed: Vec<(i64, String, Vec<u8>, Option<String>)> = Vec::with_capacity(CHUNK);
    for chunk in ids.chunks(CHUNK) {
        packed.clear();
        {
            let mut rows = sqlx::query(AssertSqlSafe(format!(
                "select series_id, period, value, published_on from observation
                 where series_id in ({}) order by series_id, period, revision",
                id_list(chunk)
            )))
            .fetch(&mut *conn);
            data.clear();
            let done = |d: &SeriesData, out: &mut Vec<_>| {
                out.push((d.series_id, d.periods.clone(), d.pack(), d.latest_published().map(dates::iso)));
            };
            while let Some(row) = rows.try_next().await? {
                let id: i64 = row.try_get(0)?;
                let period: &str = row.try_get(1)?;
                let value: Option<f64> = row.try_get(2)?;
                let published = parse_day(row.try_get(3)?);
                if id != data.series_id && !data.is_empty() {
                    done(&data, &mut packed);
                    data.clear();
                }
                data.series_id = id;
                if data.len() > 0 && data.period(data.len() - 1) == period {
                    data.replace_last(value, published);
                } else {
                    data.push(period, value, published);
                }
            }
            if !data.is_empty() {
                done(&data, &mut packed);
            }
        }
        if packed.is_empty() {
            continue;
        }
        let mut sql = String::from("insert into series_current (series_id, periods, packed, latest_published) values ");
        for i in 0..packed.len() {
            if i > 0 {
                sql.push(',');
            }
            match backend {
                Backend::Sqlite => sql.push_str("(?,?,?,?)"),
                Backend::Postgres => {
                    let b = i * 4;
                    sql.push_str(&format!("(${},${},${},${})", b + 1, b + 2, b + 3, b + 4));
                }
            }
        }
        sql.push_str(
            " on conflict (series_id) do update set periods = excluded.periods, packed = excluded.packed,
              latest_published = excluded.latest_published",
        );
        let mut query = sqlx::query::<Any>(AssertSqlSafe(sql));
        for (id, periods, bytes, latest) in packed.drain(..) {
            query = query.bind(id).bind(periods).bind(bytes).bind(latest);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}
