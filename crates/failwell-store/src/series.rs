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
use failwell_domain::{Period, dates};
use futures::TryStreamExt;
use sqlx::{Any, AnyConnection, AssertSqlSafe, Row};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use time::Date;

/// Series per query when reading or rebuilding by id.
pub(crate) const CHUNK: usize = 500;
/// The first byte of the packed format (a later layout gets another number).
const FORMAT: u8 = 2;

/// The periods of a series: a list, or (the usual case, and 8 bytes instead of 960 for
/// ten years of months) a run of consecutive periods of one grain.
#[derive(Debug, Clone, PartialEq)]
enum Periods {
    /// Comma-joined text and where each period ends in it.
    List { text: String, ends: Vec<u32> },
    /// `len` periods from `first`, each the next of its grain.
    Run { first: Period, len: usize },
}

impl Default for Periods {
    fn default() -> Self {
        Periods::List { text: String::new(), ends: Vec::new() }
    }
}

/// Appends `v` as a LEB128 varint.
fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a LEB128 varint at `*at`, advancing it.
fn get_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

/// One series: its periods in time order, values (`NaN` where withheld) and the day each
/// point was published. Buffers are reused from series to series by the readers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesData {
    /// The series' id in the store.
    pub series_id: i64,
    periods: Periods,
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
    pub fn period(&self, i: usize) -> Cow<'_, str> {
        match &self.periods {
            Periods::List { text, ends } => {
                let start = if i == 0 { 0 } else { ends[i - 1] as usize + 1 };
                Cow::Borrowed(&text[start..ends[i] as usize])
            }
            Periods::Run { first, .. } => Cow::Owned(first.offset(i as i32).map(|p| p.to_string()).unwrap_or_default()),
        }
    }

    /// Period `i` as a [`Period`] (`None` only if the store holds a text that is not one,
    /// which the import never writes).
    pub fn period_value(&self, i: usize) -> Option<Period> {
        match &self.periods {
            Periods::List { .. } => self.period(i).parse().ok(),
            Periods::Run { first, .. } => first.offset(i as i32),
        }
    }

    /// Empties the series, keeping its buffers.
    pub fn clear(&mut self) {
        match &mut self.periods {
            Periods::List { text, ends } => {
                text.clear();
                ends.clear();
            }
            run => *run = Periods::default(),
        }
        self.values.clear();
        self.published.clear();
    }

    /// Appends a point (periods must come in time order).
    pub fn push(&mut self, period: &str, value: Option<f64>, published: Option<Date>) {
        if let Periods::Run { .. } = self.periods {
            // Rare: a run read back and then extended. Spell it out as a list.
            let list: Vec<String> = (0..self.len()).map(|i| self.period(i).into_owned()).collect();
            self.periods = Periods::List { text: String::new(), ends: Vec::new() };
            if let Periods::List { text, ends } = &mut self.periods {
                for p in list {
                    if !ends.is_empty() {
                        text.push(',');
                    }
                    text.push_str(&p);
                    ends.push(text.len() as u32);
                }
            }
        }
        if let Periods::List { text, ends } = &mut self.periods {
            if !ends.is_empty() {
                text.push(',');
            }
            text.push_str(period);
            ends.push(text.len() as u32);
        }
        self.values.push(value.unwrap_or(f64::NAN));
        self.published.push(published);
    }

    /// The `periods` column: `FIRST*N` for a run of consecutive periods, else the
    /// comma-joined list.
    fn periods_column(&self) -> String {
        let run = |text: &str| -> Option<String> {
            let mut parts = text.split(',');
            let first: Period = parts.next()?.parse().ok()?;
            for (k, p) in parts.enumerate() {
                let next = first.offset(k as i32 + 1)?;
                if p.parse::<Period>().ok()? != next {
                    return None;
                }
            }
            Some(format!("{first}*{}", self.len()))
        };
        match &self.periods {
            Periods::List { text, .. } => run(text).unwrap_or_else(|| text.clone()),
            Periods::Run { first, len } => format!("{first}*{len}"),
        }
    }

    /// Replaces the last point (a later revision of the same period).
    fn replace_last(&mut self, value: Option<f64>, published: Option<Date>) {
        if let (Some(v), Some(p)) = (self.values.last_mut(), self.published.last_mut()) {
            *v = value.unwrap_or(f64::NAN);
            *p = published;
        }
    }

    /// The packed bytes: the format byte, the point count (varint), n little-endian f64
    /// values, then the publication days as varints — 0 for unknown, else the zigzag
    /// difference from the previous known day plus one (a monthly series' days differ by
    /// about 30: one byte each instead of four).
    fn pack(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len() * 10 + 8);
        out.push(FORMAT);
        put_varint(&mut out, self.len() as u64);
        for v in &self.values {
            out.extend_from_slice(&v.to_le_bytes());
        }
        let mut previous = 0i64;
        for p in &self.published {
            match p {
                None => put_varint(&mut out, 0),
                Some(d) => {
                    let day = i64::from(d.to_julian_day());
                    let delta = day - previous;
                    put_varint(&mut out, (((delta << 1) ^ (delta >> 63)) as u64) + 1);
                    previous = day;
                }
            }
        }
        out
    }

    /// Loads a packed series, reusing this one's buffers.
    fn unpack(&mut self, series_id: i64, periods: &str, packed: &[u8]) -> Result<(), String> {
        self.clear();
        self.series_id = series_id;
        if packed.first() != Some(&FORMAT) {
            return Err(format!("unknown packed format {:?}", packed.first()));
        }
        let mut at = 1;
        let n = get_varint(packed, &mut at).ok_or("truncated point count")? as usize;
        match periods.split_once('*') {
            Some((first, len)) => {
                let first: Period = first.parse().map_err(|e| format!("{e}"))?;
                let len: usize = len.parse().map_err(|_| format!("bad run length {len:?}"))?;
                self.periods = Periods::Run { first, len };
            }
            None => {
                if let Periods::List { text, ends } = &mut self.periods {
                    text.push_str(periods);
                    if !periods.is_empty() {
                        ends.extend(periods.bytes().enumerate().filter(|(_, b)| *b == b',').map(|(i, _)| i as u32));
                        ends.push(periods.len() as u32);
                    }
                }
            }
        }
        let periods_len = match &self.periods {
            Periods::List { ends, .. } => ends.len(),
            Periods::Run { len, .. } => *len,
        };
        if periods_len != n || packed.len() < at + n * 8 {
            return Err(format!("{periods_len} periods, {n} points, {} bytes", packed.len()));
        }
        let values = &packed[at..at + n * 8];
        at += n * 8;
        self.values.extend(values.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))));
        let mut previous = 0i64;
        for _ in 0..n {
            let code = get_varint(packed, &mut at).ok_or("truncated publication days")?;
            if code == 0 {
                self.published.push(None);
            } else {
                let z = code - 1;
                previous += ((z >> 1) as i64) ^ -((z & 1) as i64);
                self.published.push(Date::from_julian_day(previous as i32).ok());
            }
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

pub(crate) fn id_list(ids: &[i64]) -> String {
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
        self.series_index_where(None).await
    }

    async fn series_index_where(&self, indicators: Option<&[String]>) -> Result<Vec<SeriesKey>, StoreError> {
        let filter = match indicators {
            None => String::new(),
            Some(codes) => {
                // Codes are validated slugs ([a-z0-9_]); quoting doubles any quote anyway.
                let list: Vec<String> = codes.iter().map(|c| format!("'{}'", c.replace('\'', "''"))).collect();
                format!("where ind.code in ({})", if list.is_empty() { "null".to_string() } else { list.join(",") })
            }
        };
        let sql = format!(
            "select s.id, org.code, ind.code, s.changed_in_import from series s
             join organisation org on org.id = s.organisation_id
             join indicator ind on ind.id = s.indicator_id
             {filter} order by s.id"
        );
        let sql = sql.as_str();
        if let Some(readers) = &self.side_readers {
            return readers.read(|conn| {
                let mut statement = conn.prepare(sql)?;
                let rows = statement.query_map([], |r| {
                    Ok(SeriesKey {
                        id: r.get(0)?,
                        organisation: r.get(1)?,
                        indicator: r.get(2)?,
                        changed_in_import: r.get(3)?,
                    })
                })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            });
        }
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(self.reads()).await?;
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

    /// Every series of the indicators `codes`, by id (what an incremental scan charts again).
    pub async fn series_of_indicators(&self, codes: &[String]) -> Result<Vec<SeriesKey>, StoreError> {
        let mut keys = self.series_index_where(Some(codes)).await?;
        keys.sort_by_key(|k| k.id);
        Ok(keys)
    }

    /// The indicators with a series changed by an import after `import_id`, by code.
    pub async fn indicators_changed_since(&self, import_id: i64) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "select distinct ind.code from series s join indicator ind on ind.id = s.indicator_id
             where s.changed_in_import > $1 order by ind.code",
        )
        .bind(import_id)
        .fetch_all(self.reads())
        .await?)
    }

    /// The newest import's id (0 for an empty store).
    pub async fn latest_import(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar::<_, Option<i64>>("select max(id) from import_run")
            .fetch_one(self.reads())
            .await?
            .unwrap_or(0))
    }

    /// The latest publication day of any current figure.
    pub async fn latest_published(&self) -> Result<Option<Date>, StoreError> {
        let d: Option<String> =
            sqlx::query_scalar("select max(latest_published) from series_current").fetch_one(self.reads()).await?;
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
        let mut data = SeriesData::default();
        let mut n = 0;
        if let Some(readers) = &self.side_readers {
            let statements: Vec<String> = match only {
                None => vec![format!("{select} order by series_id")],
                Some(ids) => ids
                    .chunks(CHUNK)
                    .map(|chunk| format!("{select} where series_id in ({}) order by series_id", id_list(chunk)))
                    .collect(),
            };
            return readers.read(|conn| {
                for sql in &statements {
                    let mut statement = conn.prepare(sql)?;
                    let mut rows = statement.query([])?;
                    while let Some(row) = rows.next()? {
                        let id: i64 = row.get(0)?;
                        let periods = row.get_ref(1)?.as_str().map_err(|e| corrupt(id, e.to_string()))?;
                        let packed = row.get_ref(2)?.as_blob().map_err(|e| corrupt(id, e.to_string()))?;
                        data.unpack(id, periods, packed).map_err(|e| corrupt(id, e))?;
                        sink(&data);
                        n += 1;
                    }
                }
                Ok(n)
            });
        }
        // PostgreSQL: the native driver, which decodes rows in place; the `Any` driver
        // converts every row first (measured: 6,000 packed series in 29 ms against 40 ms).
        // The ids go as one array: one statement to parse and plan (about 1 ms each for a
        // list of 500 literals), not twelve for one indicator of England.
        let Some(pool) = &self.copy_pool else { unreachable!("a store is a SQLite file or has a PostgreSQL pool") };
        let query = match only {
            None => sqlx::query(AssertSqlSafe(format!("{select} order by series_id"))),
            Some(ids) => {
                sqlx::query(AssertSqlSafe(format!("{select} where series_id = any($1) order by series_id"))).bind(ids)
            }
        };
        let mut rows = query.fetch(pool);
        while let Some(row) = rows.try_next().await? {
            let id: i64 = row.try_get(0)?;
            let periods: &str = row.try_get(1)?;
            let packed: &[u8] = row.try_get(2)?;
            data.unpack(id, periods, packed).map_err(|e| corrupt(id, e))?;
            sink(&data);
            n += 1;
        }
        Ok(n)
    }

    /// Streams every series (or those of `only`) as known on `as_of` (each period at its
    /// latest revision published on or before that day; a point with no publication day
    /// counts as always known), in id order, into `sink`. Reads the observation rows:
    /// slower than [`Store::current_series`], and the only way to see the past.
    pub async fn series_as_of(
        &self,
        as_of: Date,
        only: Option<&[i64]>,
        sink: &mut dyn FnMut(&SeriesData),
    ) -> Result<u64, StoreError> {
        let statement = |filter: &str| {
            format!(
                "select series_id, period, value, published_on from observation
                 where coalesce(published_on, '0000-01-01') <= $1{filter}
                 order by series_id, period, revision"
            )
        };
        // A chosen few series are read a chunk of ids at a time (literal integers, so the
        // text is safe); each series lies whole in one chunk, so the cutter sees it whole.
        let statements: Vec<String> = match only {
            None => vec![statement("")],
            Some(ids) => {
                let mut ids = ids.to_vec();
                ids.sort_unstable();
                ids.chunks(CHUNK).map(|c| statement(&format!(" and series_id in ({})", id_list(c)))).collect()
            }
        };
        let as_of = dates::iso(as_of);
        let mut cutter = RowCutter { data: SeriesData::default(), count: 0 };
        if let Some(readers) = &self.side_readers {
            readers.read(|conn| {
                for sql in &statements {
                    let mut statement = conn.prepare(sql)?;
                    let mut rows = statement.query([&as_of])?;
                    while let Some(row) = rows.next()? {
                        let id: i64 = row.get(0)?;
                        let period = row.get_ref(1)?.as_str().map_err(|e| corrupt(id, e.to_string()))?;
                        let published: Option<String> = row.get(3)?;
                        cutter.push(id, period, row.get(2)?, parse_day(published), sink);
                    }
                }
                Ok(())
            })?;
        } else {
            for sql in statements {
                let mut rows = sqlx::query(AssertSqlSafe(sql)).bind(&as_of).fetch(self.reads());
                while let Some(row) = rows.try_next().await? {
                    let id: i64 = row.try_get(0)?;
                    let period: &str = row.try_get(1)?;
                    cutter.push(id, period, row.try_get(2)?, parse_day(row.try_get(3)?), sink);
                }
            }
        }
        Ok(cutter.finish(sink))
    }
}

/// Cuts rows ordered by (series, period, revision) into series, keeping each period's
/// last revision.
struct RowCutter {
    data: SeriesData,
    count: u64,
}

impl RowCutter {
    fn push(
        &mut self,
        id: i64,
        period: &str,
        value: Option<f64>,
        published: Option<Date>,
        sink: &mut dyn FnMut(&SeriesData),
    ) {
        let data = &mut self.data;
        if id != data.series_id && !data.is_empty() {
            sink(data);
            self.count += 1;
            data.clear();
        }
        data.series_id = id;
        // Rows come in revision order: a later revision of the same period replaces it.
        if !data.is_empty() && data.period(data.len() - 1) == period {
            data.replace_last(value, published);
        } else {
            data.push(period, value, published);
        }
    }

    fn finish(mut self, sink: &mut dyn FnMut(&SeriesData)) -> u64 {
        if !self.data.is_empty() {
            sink(&self.data);
            self.count += 1;
        }
        self.count
    }
}

/// Rebuilds the packed current figures of `ids` from their observation rows, on `conn`
/// (inside the caller's transaction, so an import and its packed figures commit together).
pub(crate) async fn rebuild_current(conn: &mut AnyConnection, backend: Backend, ids: &[i64]) -> Result<(), StoreError> {
    let mut packed: Vec<PackedRow> = Vec::with_capacity(CHUNK);
    for chunk in ids.chunks(CHUNK) {
        packed.clear();
        {
            let mut rows = sqlx::query(AssertSqlSafe(format!(
                "select series_id, period, value, published_on from observation
                 where series_id in ({}) order by series_id, period, revision",
                id_list(chunk)
            )))
            .fetch(&mut *conn);
            let mut cutter = RowCutter { data: SeriesData::default(), count: 0 };
            let mut done = |d: &SeriesData| packed.push(packed_row(d));
            while let Some(row) = rows.try_next().await? {
                let id: i64 = row.try_get(0)?;
                let period: &str = row.try_get(1)?;
                cutter.push(id, period, row.try_get(2)?, parse_day(row.try_get(3)?), &mut done);
            }
            cutter.finish(&mut done);
        }
        write_packed(conn, backend, &mut packed).await?;
    }
    Ok(())
}

/// Applies the rows import `import_id` wrote for `ids` (their keys are in the staging
/// table `staged`) to the series' packed current figures, where that is exact: each row
/// revises a period already packed, or follows the last one (a later period of the same
/// length, as a publisher's next month is). That is a monthly file's common case, and it
/// reads only the file's rows and the packed figures, where a rebuild reads every revision
/// of every period of each series: at England scale, 6,000 series of 120 months took the
/// rebuild 1.6-2.0 s. Returns the series it left for [`rebuild_current`]: none packed yet,
/// or a row whose period falls before the last.
pub(crate) async fn update_current(
    conn: &mut AnyConnection,
    backend: Backend,
    staged: &str,
    import_id: i64,
    ids: &[i64],
) -> Result<Vec<i64>, StoreError> {
    let mut left = Vec::new();
    let mut packed: Vec<PackedRow> = Vec::with_capacity(CHUNK);
    for chunk in ids.chunks(CHUNK) {
        let list = id_list(chunk);
        let mut current: HashMap<i64, SeriesData> = HashMap::with_capacity(chunk.len());
        let rows = sqlx::query(AssertSqlSafe(format!(
            "select series_id, periods, packed from series_current where series_id in ({list})"
        )))
        .fetch_all(&mut *conn)
        .await?;
        for row in rows {
            let id: i64 = row.try_get(0)?;
            let mut d = SeriesData::default();
            d.unpack(id, row.try_get(1)?, row.try_get(2)?).map_err(|e| corrupt(id, e))?;
            current.insert(id, d);
        }
        if current.is_empty() {
            // None packed yet (a first load): nothing to apply, every one rebuilt.
            left.extend_from_slice(chunk);
            continue;
        }
        // This import's revision of each staged key (one per key: the merge wrote it).
        let rows = sqlx::query(AssertSqlSafe(format!(
            "select o.series_id, o.period, o.value, o.published_on from {staged} s
             join observation o on o.series_id = s.series_id and o.period = s.period and o.import_id = $1
             where s.series_id in ({list}) order by o.series_id, o.period"
        )))
        .bind(import_id)
        .fetch_all(&mut *conn)
        .await?;
        let mut refused: HashSet<i64> = chunk.iter().copied().filter(|id| !current.contains_key(id)).collect();
        for row in rows {
            let id: i64 = row.try_get(0)?;
            let Some(d) = current.get_mut(&id).filter(|_| !refused.contains(&id)) else { continue };
            let period: &str = row.try_get(1)?;
            let (value, published): (Option<f64>, Option<Date>) = (row.try_get(2)?, parse_day(row.try_get(3)?));
            if !apply_row(d, period, value, published) {
                refused.insert(id);
            }
        }
        packed.clear();
        for id in chunk {
            match current.get(id) {
                Some(d) if !refused.contains(id) => packed.push(packed_row(d)),
                _ => left.push(*id),
            }
        }
        write_packed(conn, backend, &mut packed).await?;
    }
    Ok(left)
}

/// One row of this import applied to a series' figures: a period already there takes the
/// new revision's figure; a later period of the same length is appended. Anything else
/// (a period falling between, or written another way) is refused, and the series rebuilt:
/// the store orders periods as text, and only for periods of one shape do the store's
/// order and this one surely agree.
fn apply_row(d: &mut SeriesData, period: &str, value: Option<f64>, published: Option<Date>) -> bool {
    let n = d.len();
    if let Some(i) = (0..n).rev().find(|&i| d.period(i) == period) {
        d.values[i] = value.unwrap_or(f64::NAN);
        d.published[i] = published;
        return true;
    }
    let follows = n > 0 && {
        let last = d.period(n - 1);
        last.len() == period.len() && period > last.as_ref()
    };
    if follows {
        d.push(period, value, published);
    }
    follows
}

/// A `series_current` row: series id, periods column, packed figures, latest release day.
pub(crate) type PackedRow = (i64, String, Vec<u8>, Option<String>);

/// The `series_current` row of a series' figures.
fn packed_row(d: &SeriesData) -> PackedRow {
    (d.series_id, d.periods_column(), d.pack(), d.latest_published().map(dates::iso))
}

/// Packs the rows of a series with no stored rows before this import (each is revision
/// 1), given in period order with no period twice: what [`rebuild_current`] would pack from
/// them after the merge, through the same cutter.
pub(crate) fn pack_new_series<'a>(
    series_id: i64,
    rows: impl Iterator<Item = (&'a str, Option<f64>, Option<Date>)>,
) -> PackedRow {
    let mut cutter = RowCutter { data: SeriesData::default(), count: 0 };
    let mut packed = None;
    let mut done = |d: &SeriesData| packed = Some(packed_row(d));
    for (period, value, published) in rows {
        cutter.push(series_id, period, value, published, &mut done);
    }
    cutter.finish(&mut done);
    packed.unwrap_or_else(|| packed_row(&SeriesData { series_id, ..SeriesData::default() }))
}

/// Upserts packed rows into `series_current`, emptying `packed`.
pub(crate) async fn write_packed(
    conn: &mut AnyConnection,
    backend: Backend,
    packed: &mut Vec<PackedRow>,
) -> Result<(), StoreError> {
    if packed.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "insert into series_current (series_id, periods, packed, latest_published) values {}
         on conflict (series_id) do update set periods = excluded.periods, packed = excluded.packed,
           latest_published = excluded.latest_published",
        crate::scan_state::placeholders(backend, packed.len(), 4)
    );
    let mut query = sqlx::query::<Any>(AssertSqlSafe(sql));
    for (id, periods, bytes, latest) in packed.drain(..) {
        query = query.bind(id).bind(periods).bind(bytes).bind(latest);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Option<Date> {
        Some(dates::parse_date(s).unwrap())
    }

    fn round_trip(d: &SeriesData) -> SeriesData {
        let mut back = SeriesData::default();
        back.unpack(d.series_id, &d.periods_column(), &d.pack()).unwrap();
        back
    }

    #[test]
    fn a_run_of_months_packs_as_a_run_and_reads_back_point_for_point() {
        let mut d = SeriesData { series_id: 7, ..SeriesData::default() };
        d.push("2024-11", Some(1.5), day("2024-12-15"));
        d.push("2024-12", None, None);
        d.push("2025-01", Some(-3.25), day("2024-12-01"));
        assert_eq!(d.periods_column(), "2024-11*3");
        let back = round_trip(&d);
        assert_eq!(back.series_id, 7);
        assert_eq!((0..3).map(|i| back.period(i).into_owned()).collect::<Vec<_>>(), ["2024-11", "2024-12", "2025-01"]);
        assert_eq!(back.values[0], 1.5);
        assert!(back.values[1].is_nan());
        assert_eq!(back.values[2], -3.25);
        assert_eq!(back.published, d.published);
    }

    #[test]
    fn a_gap_keeps_the_list() {
        let mut d = SeriesData::default();
        d.push("2019/20", Some(1.0), None);
        d.push("2021/22", Some(2.0), day("2022-09-30"));
        assert_eq!(d.periods_column(), "2019/20,2021/22");
        let back = round_trip(&d);
        assert_eq!(back.period(1), "2021/22");
        assert_eq!(back.published, d.published);
        // A run read back can still be extended.
        let mut run = SeriesData::default();
        run.push("2024", Some(1.0), None);
        run.push("2025", Some(1.0), None);
        let mut back = round_trip(&run);
        back.push("2027", Some(3.0), None);
        assert_eq!(back.periods_column(), "2024,2025,2027");
    }

    #[test]
    fn bytes_of_another_format_are_refused() {
        let mut d = SeriesData::default();
        assert!(d.unpack(1, "2024*1", &[1, 1, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(d.unpack(1, "2024*2", &[FORMAT, 2, 0, 0]).is_err());
    }
}
