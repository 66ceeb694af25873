//! What the pages show, as known on a day: the engine's judgements and the registry
//! records beside them, built once and kept in memory.
//!
//! A scan of England takes seconds, a page must take milliseconds: the latest snapshot
//! (and a few as-of ones) are cached. A cached snapshot is reused while the store's
//! [`JudgedMarks`] are the ones it was built from: an import, or a case opened, stepped
//! or closed (here or from the command line), makes the next request build a new one.

use crate::error::WebError;
use crate::judgements::{Judge, Judgement, Report};
use failwell_domain::records::{Event, Indicator, Inspection, Link, Organisation};
use failwell_store::{JudgedMarks, Store, StoreMarks};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use time::Date;

/// How many as-of snapshots are kept beside the latest (each holds a whole report).
const AS_OF_KEPT: usize = 4;

/// Judgements and registry records as known on one day.
#[derive(Debug)]
pub struct Snapshot {
    /// The day asked for (`None`: everything stored).
    pub requested: Option<Date>,
    /// The engine's report.
    pub report: Report,
    /// Organisations by code, as known on the day.
    pub organisations: BTreeMap<String, Organisation>,
    /// Links touching each organisation (either end), as known on the day.
    pub links: HashMap<String, Vec<Link>>,
    /// Each organisation's inspection judgements published by the day, newest first.
    pub inspections: HashMap<String, Vec<Inspection>>,
    /// The indicator catalogue by code.
    pub indicators: BTreeMap<String, Indicator>,
    /// Each organisation's series: (series id, indicator code), in id order.
    pub series: HashMap<String, Vec<(i64, String)>>,
    /// Each organisation's events (notices, directions, commissioners, leadership
    /// changes, …) as known on the day, in the store's order: the journey and the
    /// timeline read them here rather than from the store on every page.
    pub events: HashMap<String, Vec<Event>>,
    /// Where each organisation is in `report.organisations`.
    index: HashMap<String, usize>,
    /// Each judged organisation's region, in `report.organisations`' order: the overview
    /// filters and sorts on it, and lists the choices below, on every request.
    regions: Vec<Option<String>>,
    /// What the overview's filters offer: the sectors and regions of the judged
    /// organisations, and their recommended rungs (a rung id with every name it goes by).
    pub choices: Choices,
    /// The SPC charts already drawn from this snapshot's figures.
    pub(crate) charts: crate::pages::ChartCache,
}

/// The values the overview's filters offer, sorted.
#[derive(Debug, Default)]
pub struct Choices {
    /// Sector ids.
    pub sectors: Vec<String>,
    /// Region names.
    pub regions: Vec<String>,
    /// Recommended rungs: (id, every name it goes by, joined with " / ").
    pub rungs: Vec<(String, String)>,
}

impl Choices {
    fn of(report: &Report, regions: &[Option<String>]) -> Choices {
        let sectors: std::collections::BTreeSet<&str> =
            report.organisations.iter().map(|j| j.sector.as_str()).collect();
        let region_names: std::collections::BTreeSet<&str> = regions.iter().flatten().map(String::as_str).collect();
        // A rung id may name a rung of several sectors' ladders (`peer_review`): one option
        // per id, with every name it goes by.
        let mut rungs: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
        for r in report.organisations.iter().filter_map(|j| j.recommended_rung.as_ref()) {
            rungs.entry(r.id.as_str()).or_default().insert(r.name.as_str());
        }
        Choices {
            sectors: sectors.into_iter().map(str::to_string).collect(),
            regions: region_names.into_iter().map(str::to_string).collect(),
            rungs: rungs
                .into_iter()
                .map(|(id, names)| (id.to_string(), names.into_iter().collect::<Vec<_>>().join(" / ")))
                .collect(),
        }
    }
}

impl Snapshot {
    /// The region of the organisation at `i` in `report.organisations`.
    pub fn region_at(&self, i: usize) -> Option<&str> {
        self.regions.get(i).and_then(Option::as_deref)
    }

    /// The judgement of organisation `code`, if the scan reported it.
    pub fn judgement(&self, code: &str) -> Option<&Judgement> {
        self.index.get(code).map(|&i| &self.report.organisations[i])
    }

    async fn build(store: &Store, judge: &Judge, as_of: Option<Date>) -> Result<Snapshot, WebError> {
        let started = std::time::Instant::now();
        let report = judge.judge(store, as_of).await?;
        let organisations: Vec<Organisation> = store.records_as_of("organisation", as_of).await?;
        let link_list: Vec<Link> = store.records_as_of("link", as_of).await?;
        let inspection_list: Vec<Inspection> = store.records_as_of("inspection", as_of).await?;
        let indicator_list: Vec<Indicator> = store.records_as_of("indicator", None).await?;
        let event_list: Vec<Event> = store.records_as_of("event", as_of).await?;
        let mut events: HashMap<String, Vec<Event>> = HashMap::new();
        for e in event_list {
            events.entry(e.organisation.to_string()).or_default().push(e);
        }
        let mut series: HashMap<String, Vec<(i64, String)>> = HashMap::new();
        for key in store.series_index().await? {
            series.entry(key.organisation).or_default().push((key.id, key.indicator));
        }
        for list in series.values_mut() {
            list.sort_unstable();
        }
        let mut links: HashMap<String, Vec<Link>> = HashMap::new();
        for l in link_list {
            links.entry(l.from.to_string()).or_default().push(l.clone());
            if l.to != l.from {
                links.entry(l.to.to_string()).or_default().push(l);
            }
        }
        let mut inspections: HashMap<String, Vec<Inspection>> = HashMap::new();
        for i in inspection_list {
            inspections.entry(i.organisation.to_string()).or_default().push(i);
        }
        for list in inspections.values_mut() {
            list.sort_by(|a, b| b.published_on.cmp(&a.published_on).then(b.inspected_on.cmp(&a.inspected_on)));
        }
        let index = report.organisations.iter().enumerate().map(|(i, o)| (o.code.clone(), i)).collect();
        let organisations: BTreeMap<String, Organisation> =
            organisations.into_iter().map(|o| (o.code.to_string(), o)).collect();
        let regions: Vec<Option<String>> =
            report.organisations.iter().map(|j| organisations.get(&j.code).and_then(|o| o.region.clone())).collect();
        let choices = Choices::of(&report, &regions);
        tracing::info!(
            as_of = %report.as_of,
            organisations = report.organisations.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "snapshot built"
        );
        Ok(Snapshot {
            requested: as_of,
            report,
            organisations,
            links,
            inspections,
            indicators: indicator_list.into_iter().map(|i| (i.code.to_string(), i)).collect(),
            series,
            events,
            index,
            regions,
            choices,
            charts: crate::pages::ChartCache::default(),
        })
    }
}

/// A cached snapshot with its key: the day asked for and the marks it was built from.
type Entry = (Option<Date>, JudgedMarks, Arc<Snapshot>);

/// The cache of snapshots, keyed by the day asked for and the store's marks.
#[derive(Debug, Default)]
pub struct Snapshots {
    // One lock for looking up and building: two requests for a missing snapshot build it
    // once (a scan uses every core; two at once would only slow both).
    entries: tokio::sync::Mutex<Vec<Entry>>,
}

impl Snapshots {
    /// The snapshot as known on `as_of`, built if the cache has none from the store's
    /// marks now (`known`, when the request has read them, else read here), and the marks
    /// (their `changed` keys what a page reads beside it).
    ///
    /// # Errors
    /// When the store or the engine fails.
    pub async fn get(
        &self,
        store: &Store,
        judge: &Judge,
        as_of: Option<Date>,
        known: Option<StoreMarks>,
    ) -> Result<(Arc<Snapshot>, StoreMarks), WebError> {
        let mut read = match known {
            Some(marks) => marks,
            None => store.marks().await?,
        };
        let mut entries = self.entries.lock().await;
        let hit = |entries: &mut Vec<Entry>, marks: JudgedMarks| {
            let pos = entries.iter().position(|(d, m, _)| *d == as_of && *m == marks)?;
            let entry = entries.remove(pos);
            let snapshot = entry.2.clone();
            entries.insert(0, entry);
            Some(snapshot)
        };
        if let Some(snapshot) = hit(&mut entries, read.judged) {
            return Ok((snapshot, read));
        }
        if known.is_some() {
            // Marks read earlier in the request may be older than a snapshot another
            // request has built since: read them again rather than build (and keep) an
            // older one in its place.
            read = store.marks().await?;
            if let Some(snapshot) = hit(&mut entries, read.judged) {
                return Ok((snapshot, read));
            }
        }
        let marks = read.judged;
        let snapshot = Arc::new(Snapshot::build(store, judge, as_of).await?);
        entries.retain(|(d, m, _)| *m == marks && *d != as_of);
        entries.insert(0, (as_of, marks, snapshot.clone()));
        // The latest is always kept; of the as-of ones, the most recently used.
        let mut as_of_seen = 0;
        entries.retain(|(d, _, _)| {
            if d.is_none() {
                return true;
            }
            as_of_seen += 1;
            as_of_seen <= AS_OF_KEPT
        });
        Ok((snapshot, read))
    }
}
