//! The server-rendered pages. Every page works without JavaScript: filters are GET
//! forms, sorting is links, so every view has a URL that can be shared.

use crate::AppState;
use crate::auth::Signed;
use crate::error::{PageError, WebError};
use crate::judgements::{BANDS, Judgement};
use crate::query::{AsOfQuery, OverviewQuery, Sort, segment};
use crate::snapshot::Snapshot;
use crate::view::{Cell, SelectItem, SummaryRow, age, band_class, long_date, select_items};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use failwell_domain::Code;
use failwell_domain::access::Reach;
use std::collections::{BTreeMap, HashMap};

/// The banner text of an as-of view.
fn as_of_note(snapshot: &Snapshot) -> Option<String> {
    snapshot.requested.map(|d| {
        format!(
            "As known on {}: this page shows only what had been published by that day, judged as failwell would have judged it then.",
            long_date(d)
        )
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "overview.html")]
pub(crate) struct OverviewPage {
    /// The published directory (no judgement in it) rather than the national view.
    directory: bool,
    /// Links to the table's other pages (`None`: it fits on one).
    pagination: Option<crate::view::Pagination>,
    reach_note: Option<String>,
    as_of_note: Option<String>,
    report_as_of: String,
    regime: String,
    national: Vec<String>,
    sectors: Vec<SelectItem>,
    regions: Vec<SelectItem>,
    bands: Vec<SelectItem>,
    rungs: Vec<SelectItem>,
    as_of_value: String,
    sort: &'static str,
    shown: usize,
    total: usize,
    band_counts: Vec<(String, usize)>,
    head: Vec<Cell>,
    rows: Vec<Vec<Cell>>,
}

/// The organisations that pass `query`'s filters, sorted as it asks, with the snapshot
/// they came from (shared by the page and the API).
pub(crate) async fn filtered(
    state: &AppState,
    query: &OverviewQuery,
    marks: Option<failwell_store::StoreMarks>,
) -> Result<(std::sync::Arc<Snapshot>, crate::query::Filters, Vec<usize>), WebError> {
    let filters = query.filters()?;
    check_known(state.judge.regime(), &filters)?;
    let snapshot = state.snapshot(filters.as_of, marks).await?;
    let mut shown: Vec<usize> = (0..snapshot.report.organisations.len())
        .filter(|&i| filters.admits(&snapshot.report.organisations[i], snapshot.region_at(i)))
        .collect();
    let orgs = &snapshot.report.organisations;
    let rung = |j: &Judgement| j.recommended_rung.as_ref().map(|r| r.name.clone()).unwrap_or_default();
    // Every order ends with the code, so it is total: the API's pages neither overlap nor
    // skip, and the same URL always shows the same rows.
    let worst_first = |a: &Judgement, b: &Judgement| {
        b.overall_rank.cmp(&a.overall_rank).then(b.overall_score.total_cmp(&a.overall_score))
    };
    shown.sort_by(|&a, &b| {
        let (x, y) = (&orgs[a], &orgs[b]);
        match filters.sort {
            Sort::Band => worst_first(x, y),
            Sort::Name => x.name.cmp(&y.name),
            Sort::Code => std::cmp::Ordering::Equal,
            Sort::Sector => x.sector.cmp(&y.sector).then_with(|| worst_first(x, y)),
            Sort::Region => snapshot.region_at(a).cmp(&snapshot.region_at(b)).then_with(|| worst_first(x, y)),
            Sort::Rung => rung(x).cmp(&rung(y)).then_with(|| worst_first(x, y)),
            Sort::Signals => y.signals.len().cmp(&x.signals.len()),
        }
        .then_with(|| x.code.cmp(&y.code))
    });
    Ok((snapshot, filters, shown))
}

/// Refuses a sector or rung the regime does not have: a mistyped link should say so,
/// not show an empty table.
fn check_known(regime: &failwell_domain::regime::Regime, filters: &crate::query::Filters) -> Result<(), WebError> {
    if let Some(s) = &filters.sector
        && !regime.sectors.iter().any(|x| x.id == *s)
    {
        let known: Vec<&str> = regime.sectors.iter().map(|x| x.id.as_str()).collect();
        return Err(WebError::BadParameter {
            parameter: "sector",
            reason: format!("{s:?} is not a sector of the regime; use one of {}", known.join(", ")),
        });
    }
    if let Some(r) = &filters.rung
        && !regime.ladders.iter().any(|l| l.rungs.iter().any(|x| x.id == *r))
    {
        return Err(WebError::BadParameter {
            parameter: "rung",
            reason: format!("{r:?} is not a rung of any ladder of the regime"),
        });
    }
    Ok(())
}

/// What a viewer without national reach is told on the overview.
fn reach_note(signed: &Signed) -> Option<String> {
    if signed.viewer.is_national() {
        None
    } else if signed.viewer.role.is_none() {
        Some("failwell's judgements are not published: this is the directory of organisations, with their published ratings and indicator figures on each one's page. Sign in to see the judgements of the organisations in your reach.".into())
    } else {
        Some(format!(
            "This is the directory of organisations: failwell's judgements are shown only on the pages of the organisations in your reach ({}).",
            if signed.viewer.organisations.is_empty() {
                "none yet: you are not named on any case".to_string()
            } else {
                signed.viewer.organisations.iter().map(Code::as_str).collect::<Vec<_>>().join(", ")
            }
        ))
    }
}

/// The sector filter's options: the judged organisations' sectors, by their regime names.
fn sector_items(state: &AppState, snapshot: &Snapshot, filters: &crate::query::Filters) -> Vec<SelectItem> {
    select_items(snapshot.choices.sectors.iter().map(|s| (s.clone(), sector_name(state, s))), filters.sector.as_deref())
}

/// A sector's name in the regime (its id when the regime does not name it).
fn sector_name(state: &AppState, id: &str) -> String {
    state.judge.regime().sectors.iter().find(|s| s.id == id).map_or_else(|| id.to_string(), |s| s.name.clone())
}

/// The region filter's options.
fn region_items(snapshot: &Snapshot, filters: &crate::query::Filters) -> Vec<SelectItem> {
    select_items(snapshot.choices.regions.iter().map(|r| (r.clone(), r.clone())), filters.region.as_deref())
}

/// The overview for a viewer without national reach: every organisation the sector and
/// region filters admit, with its published facts only.
fn directory(
    state: &AppState,
    signed: &Signed,
    snapshot: &Snapshot,
    filters: &crate::query::Filters,
    shown: &[usize],
    page: usize,
) -> Result<OverviewPage, WebError> {
    let (on_page, pagination) = paged(shown, page, filters)?;
    let report = &snapshot.report;
    let sortable = |text: &str, sort: Sort| Cell {
        text: text.to_string(),
        href: Some(format!("/?{}#results", filters.query_with_sort(sort))),
        aria_sort: Some(if filters.sort == sort { "ascending" } else { "none" }),
        ..Cell::default()
    };
    let head = vec![
        sortable("Organisation", Sort::Name),
        sortable("Code", Sort::Code),
        sortable("Sector", Sort::Sector),
        sortable("Region", Sort::Region),
        Cell::text("Current rung"),
    ];
    let as_of_suffix = as_of_query(filters.as_of);
    let rows = on_page
        .iter()
        .map(|&i| {
            let j = &report.organisations[i];
            vec![
                Cell::link(j.name.clone(), format!("/organisations/{}{as_of_suffix}", segment(&j.code))),
                Cell::text(j.code.clone()),
                Cell::text(sector_name(state, &j.sector)),
                Cell::text(snapshot.region_at(i).unwrap_or_default()),
                Cell::text(j.current_rung.as_ref().map(|r| r.name.clone()).unwrap_or_default()),
            ]
        })
        .collect();
    Ok(OverviewPage {
        pagination,
        directory: true,
        reach_note: reach_note(signed),
        as_of_note: as_of_note(snapshot),
        report_as_of: report.as_of.clone(),
        regime: format!("{} {}", report.regime, report.regime_version),
        national: Vec::new(),
        sectors: sector_items(state, snapshot, filters),
        regions: region_items(snapshot, filters),
        bands: Vec::new(),
        rungs: Vec::new(),
        as_of_value: filters.as_of.map(failwell_domain::dates::iso).unwrap_or_default(),
        sort: filters.sort.as_str(),
        shown: shown.len(),
        total: report.organisations.len(),
        band_counts: Vec::new(),
        head,
        rows,
    })
}

/// Page `page` of the organisations `shown` (indices into the report), and the links to
/// the others: a page of a few hundred rows is slow to read and to send.
fn paged<'a>(
    shown: &'a [usize],
    page: usize,
    filters: &crate::query::Filters,
) -> Result<(&'a [usize], Option<crate::view::Pagination>), WebError> {
    let pages = shown.len().div_ceil(crate::query::PAGE_ROWS).max(1);
    if page > pages {
        return Err(WebError::BadParameter {
            parameter: "page",
            reason: format!(
                "there {} only {pages} page{} of results",
                if pages == 1 { "is" } else { "are" },
                if pages == 1 { "" } else { "s" }
            ),
        });
    }
    let start = (page - 1) * crate::query::PAGE_ROWS;
    let end = (start + crate::query::PAGE_ROWS).min(shown.len());
    let links = crate::view::pagination(page, pages, |n| format!("/?{}#results", filters.query_with_page(n)));
    Ok((&shown[start..end], links))
}

/// `GET /`: the national overview.
pub async fn overview(
    State(state): State<AppState>,
    signed: Signed,
    Query(mut query): Query<OverviewQuery>,
) -> Result<OverviewPage, PageError> {
    // failwell's judgements are not published: a viewer without national reach gets a
    // directory of the organisations with their published facts, in an order and under
    // filters that say nothing of any judgement (no band or rung filter, no worst-first).
    let national = signed.viewer.is_national();
    if !national {
        query.band = None;
        query.rung = None;
        if !matches!(query.sort.as_deref(), Some("name" | "code" | "sector" | "region")) {
            query.sort = Some("name".into());
        }
    }
    signed.allow(&state, if national { Reach::National } else { Reach::Published }).await?;
    let (snapshot, filters, shown) = filtered(&state, &query, signed.marks).await?;
    if !national {
        return Ok(directory(&state, &signed, &snapshot, &filters, &shown, query.page_number()?)?);
    }
    let (on_page, pagination) = paged(&shown, query.page_number()?, &filters)?;
    let report = &snapshot.report;
    let mut band_counts: Vec<(String, usize)> = BANDS.iter().rev().map(|b| (b.to_string(), 0)).collect();
    for &i in &shown {
        if let Some(c) = band_counts.iter_mut().find(|(b, _)| *b == report.organisations[i].overall_band) {
            c.1 += 1;
        }
    }
    let sortable = |text: &str, sort: Sort| Cell {
        text: text.to_string(),
        href: Some(format!("/?{}#results", filters.query_with_sort(sort))),
        aria_sort: Some(if filters.sort == sort {
            if matches!(sort, Sort::Band | Sort::Signals) { "descending" } else { "ascending" }
        } else {
            "none"
        }),
        ..Cell::default()
    };
    let mut head = vec![
        sortable("Organisation", Sort::Name),
        sortable("Code", Sort::Code),
        sortable("Sector", Sort::Sector),
        sortable("Region", Sort::Region),
        Cell::text("Current rung"),
        sortable("Recommended rung", Sort::Rung),
        sortable("Overall band", Sort::Band),
    ];
    head.push(Cell::text("Failure types of concern"));
    head.push(Cell { numeric: true, ..sortable("Signals", Sort::Signals) });
    let as_of_suffix = as_of_query(filters.as_of);
    let rows = on_page
        .iter()
        .map(|&i| {
            let j = &report.organisations[i];
            let mut row = vec![
                Cell::link(j.name.clone(), format!("/organisations/{}{as_of_suffix}", segment(&j.code))),
                Cell::text(j.code.clone()),
                Cell::text(sector_name(&state, &j.sector)),
                Cell::text(snapshot.region_at(i).unwrap_or_default()),
                Cell::text(j.current_rung.as_ref().map(|r| r.name.clone()).unwrap_or_default()),
                Cell::text(j.recommended_rung.as_ref().map(|r| r.name.clone()).unwrap_or_default()),
                Cell::band(&j.overall_band),
            ];
            row.push(Cell::bands_of_concern(
                report.failure_types.iter().filter_map(|f| Some((f.name.as_str(), j.bands.get(&f.id)?.as_str()))),
            ));
            row.push(Cell::number(j.signals.len()));
            row
        })
        .collect();
    Ok(OverviewPage {
        pagination,
        directory: false,
        reach_note: reach_note(&signed),
        as_of_note: as_of_note(&snapshot),
        report_as_of: report.as_of.clone(),
        regime: format!("{} {}", report.regime, report.regime_version),
        national: report.national.clone(),
        sectors: sector_items(&state, &snapshot, &filters),
        regions: region_items(&snapshot, &filters),
        bands: select_items(BANDS.iter().map(|b| (b.to_string(), b.to_string())), filters.band.as_deref()),
        rungs: select_items(snapshot.choices.rungs.iter().cloned(), filters.rung.as_deref()),
        as_of_value: filters.as_of.map(failwell_domain::dates::iso).unwrap_or_default(),
        sort: filters.sort.as_str(),
        shown: shown.len(),
        total: report.organisations.len(),
        band_counts,
        head,
        rows,
    })
}

/// An organisation's judgement, laid out for its page.
pub(crate) struct JudgementView {
    overall_band: String,
    band_class: &'static str,
    trajectory: String,
    rungs: Vec<SummaryRow>,
    reasons: Vec<String>,
    insularity: String,
    type_head: Vec<Cell>,
    type_rows: Vec<Vec<Cell>>,
    signal_head: Vec<Cell>,
    signal_rows: Vec<Vec<Cell>>,
    /// The learned score, in words and as a table of parts.
    learned: Option<LearnedPart>,
}

/// The learned score on the organisation page.
pub(crate) struct LearnedPart {
    /// "34 %": the likelihood.
    likelihood: String,
    /// The series it foretells.
    foretells: String,
    /// Flagged or not, with the threshold, in words.
    flag: String,
    flagged: bool,
    /// What the weights were fitted on, and the regime version.
    source: String,
    head: Vec<Cell>,
    rows: Vec<Vec<Cell>>,
}

#[derive(Template, WebTemplate)]
#[template(path = "organisation.html")]
pub(crate) struct OrganisationPage {
    /// Whether the viewer sees failwell's judgement, decisions and casework here.
    unpublished: bool,
    signed_in: bool,
    decide: Option<crate::decide::DecideForm>,
    open_case: Option<crate::decide::OpenForm>,
    /// The journey drawn as a figure (judgements, rungs held, spells, events).
    journey_svg: Option<String>,
    /// Whether the viewer may open an intervention no decision proposed (signed in with
    /// the form, steering cases, on today's page).
    may_open: bool,
    as_of_note: Option<String>,
    as_of_suffix: String,
    report_as_of: String,
    code: String,
    /// The code as a path segment, for the page's links and forms.
    code_url: String,
    /// This page's path as a query value, for the sign-in link's `next`.
    next: String,
    name: String,
    identity: Vec<SummaryRow>,
    judgement: Option<JudgementView>,
    ratings_head: Vec<Cell>,
    ratings: Vec<Vec<Cell>>,
    links_head: Vec<Cell>,
    links: Vec<Vec<Cell>>,
    decisions_head: Vec<Cell>,
    decisions: Vec<Vec<Cell>>,
    cases_head: Vec<Cell>,
    cases: Vec<Vec<Cell>>,
    journey: crate::casework::JourneyView,
    timeline_head: Vec<Cell>,
    timeline: Vec<Vec<Cell>>,
    charts: std::sync::Arc<Vec<ChartView>>,
}

/// One SPC chart on an organisation page, with the table of its values.
#[derive(Clone)]
pub(crate) struct ChartView {
    pub(crate) id: String,
    /// The indicator's code.
    pub(crate) indicator: String,
    pub(crate) title: String,
    pub(crate) href: String,
    /// Where the chart's table is downloaded as CSV.
    pub(crate) csv_href: String,
    pub(crate) svg: String,
    pub(crate) icon_svg: String,
    pub(crate) variation: &'static str,
    /// The assurance icon, when the chart has a target.
    pub(crate) assurance_svg: Option<String>,
    /// What it says, with the target and where it comes from (empty without one).
    pub(crate) assurance: String,
    pub(crate) table_head: Vec<Cell>,
    pub(crate) table_rows: Vec<Vec<Cell>>,
    /// Its section of the organisation page, rendered once when the chart is drawn (empty
    /// for the indicator page's national chart, which that page draws itself): the
    /// page then copies it rather than formatting and escaping its table again on each
    /// view, about a tenth of the page's CPU (`BENCHMARKS.md`, "2026-12-07 (fifth
    /// session)").
    pub(crate) section: String,
}

/// One chart's section of the organisation page (`chart_section.html`).
#[derive(Template)]
#[template(path = "chart_section.html")]
struct ChartSection<'a> {
    ch: &'a ChartView,
}

/// Which way a chart reads as better, from the indicator's polarity.
fn improvement(polarity: failwell_domain::Polarity) -> failwell_stats::spc::Improvement {
    match polarity {
        failwell_domain::Polarity::HigherIsBetter => failwell_stats::spc::Improvement::Increase,
        failwell_domain::Polarity::HigherIsWorse => failwell_stats::spc::Improvement::Decrease,
        failwell_domain::Polarity::Neutral => failwell_stats::spc::Improvement::Neutral,
    }
}

/// A target an organisation's indicator is held to, and where it comes from (a case's
/// criterion: failwell's indicators have no national targets).
#[derive(Debug, Clone)]
pub(crate) struct ChartTarget {
    /// The indicator's code.
    pub(crate) indicator: String,
    /// The target, in the indicator's unit.
    pub(crate) value: f64,
    /// Where it comes from, in words ("intervention 3, criterion 7").
    pub(crate) from: String,
}

/// The SPC chart of every SPC indicator of organisation `code` with enough figures,
/// special causes first, then by title: the current figures, or on an as-of page those
/// known that day. An indicator with a target in `targets` has it drawn and its
/// assurance icon.
///
/// Charts are kept with the snapshot they were drawn from ([`ChartCache`]).
pub(crate) async fn charts(
    state: &AppState,
    snapshot: &Snapshot,
    code: &str,
    as_of_suffix: &str,
    only: Option<&str>,
    targets: &[ChartTarget],
) -> Result<std::sync::Arc<Vec<ChartView>>, WebError> {
    use std::fmt::Write as _;
    let mut key = format!("{code}\u{1f}{as_of_suffix}\u{1f}{}", only.unwrap_or_default());
    for t in targets {
        // Writing to a String cannot fail.
        let _ = write!(key, "\u{1f}{}={}@{}", t.indicator, t.value, t.from);
    }
    if let Some(kept) = snapshot.charts.get(&key) {
        return Ok(kept);
    }
    let drawn = std::sync::Arc::new(draw_charts(state, snapshot, code, as_of_suffix, only, targets).await?);
    snapshot.charts.keep(key, drawn.clone());
    Ok(drawn)
}

/// Charts drawn from one snapshot, by organisation, link suffix, indicator asked for and
/// targets. The figures cannot change under a snapshot (an import makes a new one), and
/// reading and drawing a dozen SPC charts (the series, the limits, the SVG and the tables)
/// on every view was about a fifth of an organisation page's time: see `BENCHMARKS.md`,
/// "The web service under load".
#[derive(Default)]
pub(crate) struct ChartCache(std::sync::Mutex<HashMap<String, std::sync::Arc<Vec<ChartView>>>>);

/// Chart sets kept per snapshot at most. A set is 50–150 kB (a dozen SVGs and their
/// tables), so 512 hold at most about 75 MB, and a snapshot (up to five are kept) cannot
/// grow without bound as a crawler walks every organisation of England.
const CHART_SETS_KEPT: usize = 512;

impl ChartCache {
    fn get(&self, key: &str) -> Option<std::sync::Arc<Vec<ChartView>>> {
        self.0.lock().ok()?.get(key).cloned()
    }

    /// Keeps a set; when the cache is full it starts again empty, so the pages read now
    /// (not the first ever read) are the ones kept.
    fn keep(&self, key: String, charts: std::sync::Arc<Vec<ChartView>>) {
        if let Ok(mut kept) = self.0.lock() {
            if kept.len() >= CHART_SETS_KEPT {
                kept.clear();
            }
            kept.insert(key, charts);
        }
    }
}

impl std::fmt::Debug for ChartCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = self.0.lock().map_or(0, |k| k.len());
        f.debug_struct("ChartCache").field("kept", &kept).finish()
    }
}

/// [`charts`], drawn.
async fn draw_charts(
    state: &AppState,
    snapshot: &Snapshot,
    code: &str,
    as_of_suffix: &str,
    only: Option<&str>,
    targets: &[ChartTarget],
) -> Result<Vec<ChartView>, WebError> {
    let wanted: Vec<(i64, &failwell_domain::Indicator)> = snapshot
        .series
        .get(code)
        .into_iter()
        .flatten()
        .filter_map(|(id, ind)| snapshot.indicators.get(ind).map(|i| (*id, i)))
        .filter(|(_, i)| i.method.code() == "spc")
        .filter(|(_, i)| only.is_none_or(|o| i.code.as_str() == o))
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = wanted.iter().map(|(id, _)| *id).collect();
    // The store's reader takes a plain (not `Send`) callback, so the read runs on a
    // blocking thread of its own, driven by this runtime, as the judging does.
    let (store, handle, as_of) = (state.store.clone(), tokio::runtime::Handle::current(), snapshot.requested);
    let read = tokio::task::spawn_blocking(move || {
        handle.block_on(async move {
            let mut read: HashMap<i64, (Vec<String>, Vec<f64>)> = HashMap::new();
            let mut keep = |d: &failwell_store::SeriesData| {
                let periods = (0..d.len()).map(|i| d.period(i).into_owned()).collect();
                read.insert(d.series_id, (periods, d.values.clone()));
            };
            // As the scan it stands beside read them: the current figures, or those known
            // on the snapshot's day.
            match as_of {
                None => store.current_series(Some(&ids), &mut keep).await,
                Some(day) => store.series_as_of(day, Some(&ids), &mut keep).await,
            }
            .map(|_| read)
        })
    })
    .await
    .map_err(|e| WebError::Judging(format!("reading the series stopped: {e}")))??;
    let min_points = failwell_engine::ScanOptions::default().min_points;
    let mut out = Vec::new();
    for (id, ind) in wanted {
        let Some((periods, values)) = read.get(&id) else { continue };
        if values.iter().filter(|v| !v.is_nan()).count() < min_points {
            continue;
        }
        let improvement = improvement(ind.polarity);
        let chart_id = format!("chart-{}", ind.code);
        let target = targets.iter().find(|t| t.indicator == ind.code.as_str());
        let Some(chart) = crate::spc_chart::chart_with_target(
            &chart_id,
            &ind.title,
            periods,
            values,
            improvement,
            target.map(|t| t.value),
        ) else {
            continue;
        };
        let assurance = target
            .filter(|_| !chart.assurance.is_empty())
            .map(|t| format!("{} (target {}, from {}).", chart.assurance, crate::spc_chart::figure(t.value), t.from))
            .unwrap_or_default();
        let fig = |v: f64| if v.is_finite() { crate::spc_chart::figure(v) } else { "–".into() };
        let table_rows = chart
            .points
            .iter()
            .map(|p| {
                vec![
                    Cell { text: p.period.clone(), header: true, ..Cell::default() },
                    Cell { numeric: true, ..Cell::text(p.value.map_or_else(|| "withheld".into(), fig)) },
                    Cell { numeric: true, ..Cell::text(fig(p.mean)) },
                    Cell { numeric: true, ..Cell::text(fig(p.lower)) },
                    Cell { numeric: true, ..Cell::text(fig(p.upper)) },
                    Cell::text(p.point_type.replace('_', " ")),
                ]
            })
            .collect();
        let mut table_head = heads(&["Period", "Value", "Mean", "Lower limit", "Upper limit", "Point"]);
        for c in &mut table_head[1..5] {
            c.numeric = true;
        }
        let mut view = ChartView {
            id: chart_id,
            indicator: ind.code.to_string(),
            title: ind.title.clone(),
            href: format!("/indicators/{}{as_of_suffix}", segment(ind.code.as_str())),
            csv_href: format!(
                "/organisations/{}/charts/{}.csv{as_of_suffix}",
                segment(code),
                segment(ind.code.as_str())
            ),
            svg: chart.svg,
            icon_svg: chart.icon_svg,
            variation: chart.variation,
            assurance_svg: chart.assurance_svg,
            assurance,
            table_head,
            table_rows,
            section: String::new(),
        };
        view.section = ChartSection { ch: &view }.render()?;
        out.push(view);
    }
    out.sort_by(|a, b| {
        let common = |c: &ChartView| c.variation.starts_with("Common cause");
        common(a).cmp(&common(b)).then_with(|| a.title.cmp(&b.title))
    });
    Ok(out)
}

/// `GET /organisations/{code}/charts/{indicator}.csv`: the values of one SPC chart, exactly
/// as the table beside the chart shows them (period, value, mean, limits, point type), so
/// a reader can check the chart by hand or in a spreadsheet.
pub async fn chart_csv(
    State(state): State<AppState>,
    Path((code, file)): Path<(String, String)>,
    Query(query): Query<AsOfQuery>,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse;
    let Some(indicator) = file.strip_suffix(".csv") else {
        return Err(WebError::NotFound(format!("chart file {file:?} (charts are .csv)")).into());
    };
    let snapshot = state.snapshot(query.date()?, None).await?;
    if !snapshot.organisations.contains_key(&code) {
        return Err(WebError::NotFound(format!("organisation {code:?}")).into());
    }
    let Some(chart) = charts(&state, &snapshot, &code, "", Some(indicator), &[]).await?.first().cloned() else {
        return Err(WebError::NotFound(format!("a chart of {indicator:?} for {code:?}")).into());
    };
    let mut csv = String::new();
    for row in std::iter::once(&chart.table_head).chain(&chart.table_rows) {
        let line: Vec<String> = row.iter().map(|c| csv_field(&c.text)).collect();
        csv.push_str(&line.join(","));
        csv.push_str("\r\n");
    }
    let disposition = format!("attachment; filename=\"{code}-{}.csv\"", chart.indicator);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        csv,
    )
        .into_response())
}

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
pub(crate) fn csv_field(text: &str) -> String {
    // A spreadsheet would run a field that starts like a formula (CWE-1236): such a field
    // is written as text. A number with its sign ("-0.5") is left as it is.
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.parse::<f64>().is_err();
    let text = &if formula { format!("'{text}") } else { text.to_string() };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_string() }
}

/// Who judged, under which framework, in words: the regulator's name in the regime (its
/// id in capitals without one) and the framework, an acronym in capitals ("Ofsted ILACS",
/// "Ofsted annual assessment"). One wording for the ratings table, the timeline and the
/// journey chart.
pub(crate) fn judged_by(regime: &failwell_domain::regime::Regime, i: &failwell_domain::Inspection) -> String {
    let regulator =
        regime.actor(i.regulator.as_str()).map_or_else(|| i.regulator.as_str().to_uppercase(), |a| a.name.clone());
    let framework = i.framework.as_str();
    let framework = if framework.contains('_') { framework.replace('_', " ") } else { framework.to_uppercase() };
    format!("{regulator} {framework}")
}

/// The query string that keeps a link on the same as-of day (empty for "now").
fn as_of_query(as_of: Option<time::Date>) -> String {
    as_of.map(|d| format!("?as_of={}", failwell_domain::dates::iso(d))).unwrap_or_default()
}

pub(crate) fn heads(names: &[&str]) -> Vec<Cell> {
    names.iter().map(|n| Cell::text(*n)).collect()
}

/// `GET /organisations/{code}`: one organisation.
pub async fn organisation(
    State(state): State<AppState>,
    signed: Signed,
    Path(code): Path<String>,
    Query(query): Query<AsOfQuery>,
) -> Result<OrganisationPage, PageError> {
    let as_of = query.date()?;
    let (snapshot, mut reads) = state.snapshot_and_casework(as_of, signed.marks).await?;
    let Some(org) = snapshot.organisations.get(&code) else {
        return Err(WebError::NotFound(format!("organisation {code:?}")).into());
    };
    // The page is published; failwell's judgement, decisions and casework on it are shown
    // only to a viewer with the organisation in reach (and that read is audited).
    let this = [org.code.clone()];
    let unpublished = signed.may(Reach::Organisations(&this));
    signed.allow(&state, if unpublished { Reach::Organisations(&this) } else { Reach::Published }).await?;
    let as_of_suffix = as_of_query(as_of);
    // A judgement's age: from today (the server's clock) on the page of now, whose
    // judgement is as of the latest figures, which may be months old; from the day asked
    // for on an as-of page, and said so.
    let (age_to, age_words) = match as_of {
        Some(d) => (d, format!("before {}", long_date(d))),
        None => (time::OffsetDateTime::now_utc().date(), "ago".to_string()),
    };
    let mut identity = vec![
        SummaryRow::new("Code", org.code.to_string()),
        SummaryRow::new(
            "Sector",
            state.judge.regime().sector(org.sector.as_str()).map_or_else(|| org.sector.to_string(), |s| s.name.clone()),
        ),
        SummaryRow::new("Type", org.org_type.to_string().replace('_', " ")),
        SummaryRow::new("Region", org.region.clone().unwrap_or_else(|| "–".into())),
    ];
    // The sector whose ladder judges it, when not its own (a council judged on its
    // children's services): the overview and the scan list it under that one.
    if let Some(j) = snapshot.judgement(&code).filter(|j| j.sector != org.sector.as_str()) {
        let name = state.judge.regime().sector(&j.sector).map_or_else(|| j.sector.clone(), |s| s.name.clone());
        identity.insert(2, SummaryRow::new("Overseen as", format!("{name}, the sector of its latest judgement")));
    }
    if let Some(d) = org.opened_on {
        identity.push(SummaryRow::new("Opened", long_date(d)));
    }
    if let Some(d) = org.closed_on {
        identity.push(SummaryRow::new("Closed", long_date(d)));
    }
    identity.push(SummaryRow::new("Source", org.source.clone()));
    let judgement =
        snapshot.judgement(&code).filter(|_| unpublished).map(|j| judgement_view(j, &snapshot, &as_of_suffix));
    let ratings = snapshot
        .inspections
        .get(&code)
        .map(|list| {
            list.iter()
                .map(|i| {
                    let overall = i.overall.to_string().replace('_', " ");
                    let judged = if i.published_on <= age_to {
                        format!("judged {overall} {} {age_words}", age(i.published_on, age_to))
                    } else {
                        format!("judged {overall}")
                    };
                    vec![
                        Cell::text(judged_by(state.judge.regime(), i)),
                        Cell::text(overall),
                        Cell::text(long_date(i.inspected_on)),
                        Cell::text(long_date(i.published_on)),
                        Cell::text(judged),
                    ]
                })
                .collect()
        })
        .unwrap_or_default();
    let links = snapshot
        .links
        .get(&code)
        .map(|list| {
            list.iter()
                .map(|l| {
                    let (other, direction) = if l.from.as_str() == code { (&l.to, "to") } else { (&l.from, "from") };
                    let other_name = snapshot
                        .organisations
                        .get(other.as_str())
                        .map_or_else(|| other.to_string(), |o| o.name.clone());
                    vec![
                        Cell::text(format!("{} ({direction})", l.link_type.code().replace('_', " "))),
                        Cell::link(other_name, format!("/organisations/{}{as_of_suffix}", segment(other.as_str()))),
                        Cell::text(l.rank.map(|r| r.to_string()).unwrap_or_default()),
                        Cell::text(match (l.valid_from, l.valid_to) {
                            (None, None) => String::new(),
                            (f, t) => format!(
                                "{} to {}",
                                f.map(long_date).unwrap_or_default(),
                                t.map(long_date).unwrap_or_else(|| "now".into())
                            ),
                        }),
                        Cell::text(l.note.clone()),
                    ]
                })
                .collect()
        })
        .unwrap_or_default();
    let decision_list = if unpublished { reads.decisions(&state, &code).await?.to_vec() } else { Vec::new() };
    let decisions = decision_list
        .iter()
        .rev()
        .map(|d| {
            vec![
                Cell::text(d.decided_at.get(..10).unwrap_or(&d.decided_at).to_string()),
                Cell::text(d.recommended_rung.clone()),
                Cell::text(d.decision.clone()),
                Cell::text(d.decided_by.clone()),
                Cell::text(d.reason.clone()),
            ]
        })
        .collect();
    // Casework as known on the page's day (today without one).
    let today = snapshot.requested.unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    // The public sees the journey the published record makes (judgements and designations),
    // without failwell's own cases or the timeline of casework.
    let journey =
        crate::casework::journey_of(&state, &snapshot, &code, today, unpublished.then_some(&mut reads)).await?;
    let (case_list, timeline) = if unpublished {
        let case_list = crate::casework::cases_of(&state, &mut reads, &code, today).await?;
        let timeline = crate::casework::timeline(&state, &mut reads, &snapshot, &code, as_of).await?;
        (case_list, timeline)
    } else {
        (Vec::new(), Vec::new())
    };
    // The targets its open cases' criteria hold its indicators to (casework: not published).
    let targets = crate::casework::targets(&state, &mut reads, &code, &case_list, today).await?;
    let charts = charts(&state, &snapshot, &code, &as_of_suffix, None, &targets).await?;
    let (cases_head, cases) =
        if case_list.is_empty() { (Vec::new(), Vec::new()) } else { crate::casework::case_rows(&case_list) };
    let journey_svg = journey_figure(&state, &snapshot, &code, &case_list, &journey, today);
    let (decide, open_case) = if as_of.is_none() && signed.may(Reach::Decide) {
        let sector = snapshot.judgement(&code).map(|j| j.sector.as_str()).unwrap_or_default();
        (
            crate::decide::form(&state, &signed, &mut reads, &code).await?,
            crate::decide::open_form(&state, &signed, sector, &decision_list, &case_list),
        )
    } else {
        (None, None)
    };
    Ok(OrganisationPage {
        unpublished,
        signed_in: signed.viewer.role.is_some(),
        decide,
        open_case,
        may_open: as_of.is_none() && signed.csrf.is_some() && signed.may(Reach::SteerCase),
        timeline_head: heads(&["Day", "What", "Detail"]),
        timeline,
        cases_head,
        cases,
        journey,
        journey_svg,
        charts,
        as_of_note: as_of_note(&snapshot),
        as_of_suffix,
        report_as_of: snapshot.report.as_of.clone(),
        code: org.code.to_string(),
        code_url: segment(org.code.as_str()),
        next: crate::query::encode(&format!("/organisations/{}", segment(org.code.as_str()))),
        name: org.name.clone(),
        identity,
        judgement,
        ratings_head: heads(&["Inspection", "Judgement", "Inspected", "Published", "Age"]),
        ratings,
        links_head: heads(&["Link", "Organisation", "Rank", "Valid", "Note"]),
        links,
        decisions_head: heads(&["Decided", "Rung recommended", "Decision", "By", "Reason"]),
        decisions,
    })
}

/// The organisation's journey as one figure, from what the page has read: the judgements
/// and events of the snapshot, the rungs its cases held (from their steps), and the
/// spells of its journey.
fn journey_figure(
    state: &AppState,
    snapshot: &Snapshot,
    code: &str,
    cases: &[crate::casework::InterventionView],
    journey: &crate::casework::JourneyView,
    today: time::Date,
) -> Option<String> {
    use crate::journey_chart::{Event, Held, Journey, Judged, Spell};
    let day = |s: &str| failwell_domain::dates::parse_date(s).ok();
    let regime = state.judge.regime();
    let judged = snapshot
        .inspections
        .get(code)
        .into_iter()
        .flatten()
        .filter(|i| i.published_on <= today)
        .map(|i| Judged { on: i.published_on, grade: i.overall.as_str().to_string(), by: judged_by(regime, i) })
        .collect();
    let mut held = Vec::new();
    for c in cases {
        let steps: Vec<_> = c.steps.iter().filter_map(|s| Some((day(&s.on)?, s.to_rung.as_str()))).collect();
        for (i, (from, rung)) in steps.iter().enumerate() {
            let to = steps.get(i + 1).map(|(d, _)| *d).or_else(|| c.ended_on.as_deref().and_then(day));
            let r = regime.rung(&c.ladder, rung);
            held.push(Held {
                case: c.id,
                rung: r.map_or_else(|| (*rung).to_string(), |r| r.name.clone()),
                level: r.map_or(0, |r| r.level),
                from: *from,
                to,
            });
        }
    }
    let spells = journey
        .episodes
        .iter()
        .filter_map(|e| Some(Spell { from: day(&e.start)?, to: e.end.as_deref().and_then(day), relapse: e.relapse }))
        .collect();
    let events = snapshot
        .events
        .get(code)
        .into_iter()
        .flatten()
        .filter(|e| e.occurred_on <= today)
        .map(|e| Event { on: e.occurred_on, what: format!("{}: {}", e.event_type.code().replace('_', " "), e.title) })
        .collect();
    let recorded = journey.designations.clone();
    crate::journey_chart::draw(&Journey { judged, held, recorded, spells, events }, today)
}

fn judgement_view(j: &Judgement, snapshot: &Snapshot, as_of_suffix: &str) -> JudgementView {
    let rung = |r: &Option<crate::judgements::Named>| r.as_ref().map_or_else(|| "–".to_string(), |r| r.name.clone());
    let type_rows = snapshot
        .report
        .failure_types
        .iter()
        .map(|f| {
            vec![
                Cell { text: f.name.clone(), header: true, ..Cell::default() },
                j.bands.get(&f.id).map_or_else(|| Cell::text("–"), |b| Cell::band(b)),
                Cell::number(j.signals.iter().filter(|s| s.failure_types.contains(&f.id)).count()),
            ]
        })
        .collect();
    let signal_rows = j
        .signals
        .iter()
        .map(|s| {
            let source = match &s.indicator {
                Some(code) => {
                    let title = snapshot.indicators.get(code).map_or_else(|| code.clone(), |i| i.title.clone());
                    Cell::link(title, format!("/indicators/{}{as_of_suffix}", segment(code)))
                }
                None => Cell::text(s.source.replace('_', " ")),
            };
            vec![
                source,
                Cell::text(format!("{} {}", s.strength, s.direction)),
                Cell::text(s.rule.clone()),
                Cell::text(if s.start == s.end { s.start.clone() } else { format!("{} to {}", s.start, s.end) }),
                Cell::text(if s.reading == "as_is" {
                    s.explanation.clone()
                } else {
                    format!("{} (read as {})", s.explanation, s.reading.replace('_', " "))
                }),
            ]
        })
        .collect();
    JudgementView {
        overall_band: j.overall_band.clone(),
        band_class: band_class(&j.overall_band),
        trajectory: j.trajectory.clone(),
        rungs: vec![
            SummaryRow::new("Current rung", rung(&j.current_rung)),
            SummaryRow::new("Recommended rung", rung(&j.recommended_rung)),
            SummaryRow::new("Latest grade", j.grade.clone().unwrap_or_else(|| "–".into()).replace('_', " ")),
        ],
        reasons: j.reasons.clone(),
        insularity: j.insularity.clone(),
        type_head: heads(&["Failure type", "Band", "Signals"]),
        type_rows,
        signal_head: heads(&["Evidence", "Signal", "Rule", "Covers", "What was found"]),
        signal_rows,
        learned: j.learned.as_ref().map(learned_part),
    }
}

/// The learned score's parts as a table whose last column sums to the log odds.
fn learned_part(l: &crate::judgements::LearnedView) -> LearnedPart {
    let number = |x: f64, places: usize| Cell::number(format!("{x:.places$}"));
    let mut rows = vec![vec![
        Cell { text: "Intercept".into(), header: true, ..Cell::default() },
        Cell::text("the log odds of a typical organisation, every feature at 0"),
        Cell::text("–"),
        Cell::text("–"),
        number(l.intercept, 3),
    ]];
    rows.extend(l.contributions.iter().map(|c| {
        vec![
            Cell { text: c.feature.clone(), header: true, ..Cell::default() },
            Cell::text(c.meaning.clone()),
            number(c.value, 2),
            number(c.weight, 3),
            number(c.contribution, 3),
        ]
    }));
    rows.push(vec![
        Cell { text: "Log odds".into(), header: true, ..Cell::default() },
        Cell::text(format!("the sum; the likelihood is 1 / (1 + e^−{:.3})", l.log_odds)),
        Cell::text(""),
        Cell::text(""),
        number(l.log_odds, 3),
    ]);
    LearnedPart {
        likelihood: format!("{:.0} %", l.probability * 100.0),
        foretells: l.foretells.clone(),
        flag: match l.threshold {
            Some(t) if l.flagged => format!("Flagged: at or above the score's threshold of {:.0} %.", t * 100.0),
            Some(t) => format!("Not flagged: below the score's threshold of {:.0} %.", t * 100.0),
            None => "The score has no threshold: it ranks, it does not flag.".to_string(),
        },
        flagged: l.flagged,
        source: format!("Weights of {} in regime version {}, fitted on {}.", l.score, l.regime_version, l.fitted_on),
        head: heads(&["Feature", "What it measures", "Value", "Weight", "Part"]),
        rows,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "list.html")]
pub(crate) struct ListPage {
    /// The navigation's section this list belongs to (its link), marked as the current one.
    pub(crate) nav: &'static str,
    /// Whether parts of the page are withheld from this viewer (marked for the role matrix).
    pub(crate) limited: bool,
    /// A figure above the table (the indicator page's funnel plot).
    pub(crate) figure: Option<FigureView>,
    /// The national SPC chart (the indicator page's).
    pub(crate) national: Option<ChartView>,
    /// The CSRF token of the form that records a scan (the scans page, for deciders).
    pub(crate) record_scan: Option<String>,
    pub(crate) title: String,
    pub(crate) caption: Option<String>,
    pub(crate) intro: Vec<String>,
    pub(crate) summary: Vec<SummaryRow>,
    pub(crate) table_caption: String,
    pub(crate) head: Vec<Cell>,
    pub(crate) rows: Vec<Vec<Cell>>,
    pub(crate) empty: String,
}

/// A figure with its own table, on a list page.
pub(crate) struct FigureView {
    pub(crate) heading: String,
    pub(crate) intro: String,
    /// The periods to choose from (a GET form), the chosen one selected.
    pub(crate) periods: Vec<SelectItem>,
    pub(crate) as_of: String,
    pub(crate) svg: String,
    pub(crate) table_caption: String,
    pub(crate) head: Vec<Cell>,
    pub(crate) rows: Vec<Vec<Cell>>,
}

/// The indicator page's query: as known on a day, and the funnel's period.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct IndicatorQuery {
    /// Judge as known on this day (YYYY-MM-DD).
    pub as_of: Option<String>,
    /// The funnel plot's period (default: the latest with enough figures).
    pub period: Option<String>,
}

/// The funnel plot of a numerator-and-denominator indicator for one period: every
/// organisation that published both, against the national figure, with the outliers in a
/// table. `None` for other indicators or with too few figures.
/// The smallest number of organisations a period needs to count in the national chart:
/// fewer, and the "national" figure is a few organisations' figure.
const NATIONAL_MIN_ORGANISATIONS: usize = 5;

/// The indicator's national SPC chart: each period's mean of the organisations' figures
/// (each organisation counting once, so a large one does not stand for the country), in
/// the Making Data Count style with the indicator's better direction, and its table with
/// how many organisations each period holds. `None` when fewer than the scan's minimum
/// of periods have enough organisations.
fn national_chart(
    ind: &failwell_domain::Indicator,
    points: &[failwell_store::CountPoint],
    as_of_suffix: &str,
) -> Option<ChartView> {
    let mut by_period: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for p in points {
        if let Some(v) = p.value.filter(|v| v.is_finite()) {
            let e = by_period.entry(p.period.as_str()).or_default();
            e.0 += v;
            e.1 += 1;
        }
    }
    by_period.retain(|_, (_, n)| *n >= NATIONAL_MIN_ORGANISATIONS);
    if by_period.len() < failwell_engine::ScanOptions::default().min_points {
        return None;
    }
    let periods: Vec<String> = by_period.keys().map(|p| (*p).to_string()).collect();
    let values: Vec<f64> = by_period.values().map(|(sum, n)| sum / *n as f64).collect();
    let improvement = improvement(ind.polarity);
    let title = format!("{}: the mean of the organisations' figures", ind.title);
    let chart = crate::spc_chart::chart("national", &title, &periods, &values, improvement)?;
    let fig = |v: f64| if v.is_finite() { crate::spc_chart::figure(v) } else { "–".into() };
    let table_rows = chart
        .points
        .iter()
        .zip(by_period.values())
        .map(|(p, (_, n))| {
            vec![
                Cell { text: p.period.clone(), header: true, ..Cell::default() },
                Cell { numeric: true, ..Cell::text(n.to_string()) },
                Cell { numeric: true, ..Cell::text(p.value.map_or_else(|| "–".into(), fig)) },
                Cell { numeric: true, ..Cell::text(fig(p.mean)) },
                Cell { numeric: true, ..Cell::text(fig(p.lower)) },
                Cell { numeric: true, ..Cell::text(fig(p.upper)) },
                Cell::text(p.point_type.replace('_', " ")),
            ]
        })
        .collect();
    let mut table_head =
        heads(&["Period", "Organisations", "Mean", "Centre line", "Lower limit", "Upper limit", "Point"]);
    for c in &mut table_head[1..6] {
        c.numeric = true;
    }
    Some(ChartView {
        id: "national".into(),
        indicator: ind.code.to_string(),
        title,
        href: format!("/indicators/{}{as_of_suffix}", segment(ind.code.as_str())),
        csv_href: String::new(),
        svg: chart.svg,
        icon_svg: chart.icon_svg,
        variation: chart.variation,
        assurance_svg: None,
        assurance: String::new(),
        table_head,
        table_rows,
        // Drawn on the indicator page, not as an organisation's section.
        section: String::new(),
    })
}

fn funnel_figure(
    snapshot: &Snapshot,
    ind: &failwell_domain::Indicator,
    points: &[failwell_store::CountPoint],
    as_of: Option<time::Date>,
    period: Option<&str>,
) -> Result<Option<FigureView>, WebError> {
    if ind.counts != failwell_domain::Counts::NumeratorDenominator {
        return Ok(None);
    }
    let mut by_period: BTreeMap<&str, Vec<crate::funnel_chart::FunnelUnit>> = BTreeMap::new();
    for p in points {
        if let (Some(x), Some(n)) = (p.numerator, p.denominator)
            && n > 0.0
            && (0.0..=n).contains(&x)
        {
            let name =
                snapshot.organisations.get(&p.organisation).map_or_else(|| p.organisation.clone(), |o| o.name.clone());
            by_period.entry(p.period.as_str()).or_default().push(crate::funnel_chart::FunnelUnit {
                name,
                code: p.organisation.clone(),
                numerator: x,
                denominator: n,
            });
        }
    }
    by_period.retain(|_, units| units.len() >= 5);
    let chosen = match period.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) if by_period.contains_key(p) => p.to_string(),
        Some(p) => {
            return Err(WebError::BadParameter {
                parameter: "period",
                reason: format!("{p:?} has no funnel: choose one of the periods listed on the page"),
            });
        }
        None => match by_period.keys().next_back() {
            Some(p) => (*p).to_string(),
            None => return Ok(None),
        },
    };
    let units = &by_period[chosen.as_str()];
    let Some(plot) = crate::funnel_chart::plot("funnel", &format!("{}, {chosen}", ind.title), units, ind.polarity)
    else {
        return Ok(None);
    };
    let target = plot.result.model.target;
    let mut rows: Vec<(f64, Vec<Cell>)> = Vec::new();
    for (u, r) in units.iter().zip(&plot.result.units) {
        use failwell_stats::funnel::{Classification, Level};
        if matches!(r.classification, Classification::Within) {
            continue;
        }
        let l95 = plot.result.model.limits_at(u.denominator, Level::P95);
        let l998 = plot.result.model.limits_at(u.denominator, Level::P998);
        let side = match crate::funnel_chart::worse(r.classification, ind.polarity) {
            Some(true) => "worse",
            Some(false) => "better",
            None => "no better direction",
        };
        let place = match r.classification {
            Classification::Above998 => "above the 99.8% limit",
            Classification::Above95 => "above the 95% limit",
            Classification::Below998 => "below the 99.8% limit",
            _ => "below the 95% limit",
        };
        rows.push((
            r.z_adjusted.abs(),
            vec![
                Cell::link(u.name.clone(), format!("/organisations/{}", segment(&u.code))),
                Cell::number(crate::spc_chart::figure(u.numerator)),
                Cell::number(crate::spc_chart::figure(u.denominator)),
                Cell::number(crate::spc_chart::figure(r.value)),
                Cell::text(format!(
                    "{} to {}",
                    crate::spc_chart::figure(l95.lower),
                    crate::spc_chart::figure(l95.upper)
                )),
                Cell::text(format!(
                    "{} to {}",
                    crate::spc_chart::figure(l998.lower),
                    crate::spc_chart::figure(l998.upper)
                )),
                Cell::text(format!("{place} ({side})")),
            ],
        ));
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut head = heads(&["Organisation", "Numerator", "Denominator", "Value", "95% limits", "99.8% limits", "Where"]);
    for c in [1, 2, 3] {
        head[c].numeric = true;
    }
    let adjustment = match plot.result.model.adjustment {
        failwell_stats::funnel::Adjustment::Multiplicative { phi } => format!(
            "The figures vary more between organisations than chance allows (over-dispersion φ = {}), so the limits are widened by its square root.",
            crate::spc_chart::figure(phi)
        ),
        failwell_stats::funnel::Adjustment::Additive { tau2 } => format!(
            "The figures vary more between organisations than chance allows (τ² = {}), so the limits are widened.",
            crate::spc_chart::figure(tau2)
        ),
        failwell_stats::funnel::Adjustment::None => {
            "The figures vary between organisations no more than chance allows, so the limits are not widened.".into()
        }
    };
    Ok(Some(FigureView {
        heading: format!("Funnel plot, {chosen}"),
        intro: format!(
            "{} organisations published both figures for {chosen}. The black line is the national figure ({}); the dashed lines are the 95% limits and the solid grey lines the 99.8% limits, which narrow as the denominator grows. {adjustment} Points outside the limits are coloured orange on the worse side and blue on the better.",
            units.len(),
            crate::spc_chart::figure(target)
        ),
        periods: by_period
            .keys()
            .rev()
            .map(|p| SelectItem {
                value: (*p).to_string(),
                text: (*p).to_string(),
                selected: *p == chosen,
                disabled: false,
            })
            .collect(),
        as_of: as_of.map(failwell_domain::dates::iso).unwrap_or_default(),
        svg: plot.svg,
        table_caption: format!("Outside the 95% limits in {chosen} ({})", rows.len()),
        head,
        rows: rows.into_iter().map(|(_, r)| r).collect(),
    }))
}

/// `GET /indicators/{code}`: an indicator's definition, its funnel plot when it has
/// numerators and denominators, and the organisations it signals for.
pub async fn indicator(
    State(state): State<AppState>,
    signed: Signed,
    Path(code): Path<String>,
    Query(query): Query<IndicatorQuery>,
) -> Result<ListPage, PageError> {
    let as_of = crate::query::parse_as_of(query.as_of.as_deref())?;
    let snapshot = state.snapshot(as_of, signed.marks).await?;
    let Some(ind) = snapshot.indicators.get(&code) else {
        return Err(WebError::NotFound(format!("indicator {code:?}")).into());
    };
    let as_of_suffix = as_of_query(as_of);
    let national = signed.viewer.is_national();
    signed.allow(&state, if national { Reach::National } else { Reach::Published }).await?;
    let mut rows = Vec::new();
    for j in snapshot.report.organisations.iter().filter(|_| national) {
        for s in j.signals.iter().filter(|s| s.indicator.as_deref() == Some(code.as_str())) {
            rows.push(vec![
                Cell::link(j.name.clone(), format!("/organisations/{}{as_of_suffix}", segment(&j.code))),
                Cell::text(format!("{} {}", s.strength, s.direction)),
                Cell::text(s.rule.clone()),
                Cell::text(s.end.clone()),
                Cell::text(s.explanation.clone()),
            ]);
        }
    }
    let summary = vec![
        SummaryRow::new("Code", ind.code.to_string()),
        SummaryRow::new("Unit", ind.unit.clone()),
        SummaryRow::new(
            "Which way is better",
            match ind.polarity {
                failwell_domain::Polarity::HigherIsBetter => "Higher",
                failwell_domain::Polarity::HigherIsWorse => "Lower",
                failwell_domain::Polarity::Neutral => "Neither (context)",
            },
        ),
        SummaryRow::new("Kind", ind.kind.to_string().replace('_', " ")),
        SummaryRow::new(
            "Failure types",
            ind.failure_types.iter().map(|f| f.to_string().replace('_', " ")).collect::<Vec<_>>().join(", "),
        ),
        SummaryRow::new("Definition", ind.definition.clone()),
        SummaryRow::new("Definition version", ind.definition_version.clone()),
        SummaryRow::new("Source", ind.source.clone()),
    ];
    let points = state.store.count_points(&[ind.code.to_string()], as_of).await?;
    let figure = funnel_figure(&snapshot, ind, &points, as_of, query.period.as_deref())?;
    let national_chart = national_chart(ind, &points, &as_of_suffix);
    Ok(ListPage {
        nav: "/",
        figure,
        national: national_chart,
        record_scan: None,
        title: ind.title.clone(),
        caption: Some("Indicator".into()),
        intro: snapshot.requested.map(|d| format!("As known on {}.", long_date(d))).into_iter().collect(),
        summary,
        table_caption: format!("Signals as of {}", snapshot.report.as_of),
        head: heads(&["Organisation", "Signal", "Rule", "Latest period", "What was found"]),
        rows,
        empty: if national {
            "No organisation signals on this indicator.".into()
        } else {
            "Which organisations the scan signals on this indicator is not published: analysts see them when signed in."
                .into()
        },
        limited: !national,
    })
}

/// `GET /scans`: the recorded scans, newest first.
/// `POST /scans`: records a scan of the store as it is now (analysts and administrators),
/// audited, and goes back to the list: the recommendations decisions are taken on.
pub async fn record_scan(
    State(state): State<AppState>,
    signed: Signed,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse;
    crate::auth::check_csrf(&signed, &form.csrf)?;
    record_scan_as(&state, &signed).await?;
    Ok((axum::http::StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, "/scans")]).into_response())
}

/// A form with nothing but its CSRF token.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    csrf: String,
}

/// Records a scan as `signed`, who must decide; the audit log keeps who and which scan.
pub(crate) async fn record_scan_as(state: &AppState, signed: &Signed) -> Result<failwell_engine::Recorded, WebError> {
    signed.allow(state, Reach::Decide).await?;
    match state.judge.record(&state.store).await {
        Ok(r) => {
            let (subject, detail) = r.audit_entry();
            signed.audit(state, "record scan", &subject, &detail, "done").await?;
            Ok(r)
        }
        Err(e) => {
            signed.audit(state, "record scan", "scan", &e.to_string(), "refused").await?;
            Err(e)
        }
    }
}

pub async fn scans(State(state): State<AppState>, signed: Signed) -> Result<ListPage, PageError> {
    signed.allow(&state, Reach::National).await?;
    let rows = state
        .store
        .scans(crate::SCANS_LISTED)
        .await?
        .into_iter()
        .map(|s| {
            vec![
                Cell::number(s.id),
                Cell::text(s.as_of),
                Cell::text(format!("{} {}", s.regime, s.regime_version)),
                Cell::text(s.mode),
                Cell::number(s.organisations),
                Cell::number(s.signals),
                Cell::number(s.new_signals),
                Cell::number(s.closed_signals),
            ]
        })
        .collect();
    let mut head = heads(&["Scan", "As of", "Regime", "Mode", "Organisations", "Signals", "New", "Closed"]);
    for c in [0, 4, 5, 6, 7] {
        head[c].numeric = true;
    }
    Ok(ListPage {
        nav: "/scans",
        figure: None,
        national: None,
        record_scan: signed.csrf.clone().filter(|_| signed.may(Reach::Decide)),
        limited: false,
        title: "Scans".into(),
        caption: None,
        intro: vec![
            "Every recorded scan (failwell scan, the demo, or this page's button): the pages judge afresh from the store and record nothing; a recorded scan is what decisions are taken on, and what carries each signal's history from scan to scan.".into(),
        ],
        summary: Vec::new(),
        table_caption: "Recorded scans, newest first".into(),
        head,
        rows,
        empty: "No scan has been recorded yet: record one here or run failwell scan.".into(),
    })
}

/// `GET /decisions`: the decisions on recommendations, newest first.
pub async fn decisions(State(state): State<AppState>, signed: Signed) -> Result<ListPage, PageError> {
    signed.allow(&state, Reach::National).await?;
    let rows = state
        .store
        .decisions(None)
        .await?
        .into_iter()
        .rev()
        .map(|d| {
            vec![
                Cell::text(d.decided_at.get(..10).unwrap_or(&d.decided_at).to_string()),
                Cell::link(d.organisation.clone(), format!("/organisations/{}", segment(&d.organisation))),
                Cell::number(d.scan_id),
                Cell::text(d.recommended_rung),
                Cell::text(d.decision),
                Cell::text(d.decided_by),
                Cell::text(d.reason),
            ]
        })
        .collect();
    Ok(ListPage {
        nav: "/decisions",
        figure: None,
        national: None,
        record_scan: None,
        limited: false,
        title: "Decisions".into(),
        caption: None,
        intro: vec!["Who accepted or declined a recommendation, and why. Decisions are append-only.".into()],
        summary: Vec::new(),
        table_caption: "Decisions, newest first".into(),
        head: heads(&["Decided", "Organisation", "Scan", "Rung recommended", "Decision", "By", "Reason"]),
        rows,
        empty: "No decisions yet (failwell decide records one).".into(),
    })
}

/// Any other address: a GOV.UK-styled 404.
pub async fn not_found() -> PageError {
    PageError(WebError::NotFound("page".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indicator() -> failwell_domain::Indicator {
        failwell_domain::Indicator {
            code: failwell_domain::Slug::new("rereferrals_pct").unwrap(),
            title: "Re-referrals".into(),
            unit: "percent".into(),
            polarity: "higher_is_worse".parse().unwrap(),
            kind: "outcome".parse().unwrap(),
            failure_types: vec!["performance".parse().unwrap()],
            method: "spc".parse().unwrap(),
            counts: "none".parse().unwrap(),
            denominator: None,
            definition: "Re-referrals within 12 months".into(),
            definition_version: "1".into(),
            valid_from: None,
            source: "test".into(),
            learned_on: None,
        }
    }

    fn points(organisations: usize, periods: usize) -> Vec<failwell_store::CountPoint> {
        let mut out = Vec::new();
        for p in 0..periods {
            for o in 0..organisations {
                out.push(failwell_store::CountPoint {
                    organisation: format!("E0600000{o}"),
                    indicator: "rereferrals_pct".into(),
                    period: format!("{}/{:02}", 2012 + p, (13 + p) % 100),
                    value: Some(20.0 + o as f64 + if p == periods - 1 { 30.0 } else { 0.0 }),
                    numerator: None,
                    denominator: None,
                    expected: None,
                    published_on: None,
                });
            }
        }
        out
    }

    #[test]
    fn the_national_chart_is_each_periods_mean_of_enough_organisations() {
        let chart = national_chart(&indicator(), &points(5, 8), "").expect("eight periods of five");
        assert_eq!(chart.table_rows.len(), 8);
        let first: Vec<&str> = chart.table_rows[0].iter().map(|c| c.text.as_str()).collect();
        assert_eq!(&first[..3], ["2012/13", "5", "22"], "the mean of 20, 21, 22, 23, 24");
        let last: Vec<&str> = chart.table_rows[7].iter().map(|c| c.text.as_str()).collect();
        assert_eq!((last[2], last[6]), ("52", "concern"), "a national leap, and lower is better");
        assert!(chart.svg.contains("<svg"));
        assert!(national_chart(&indicator(), &points(4, 8), "").is_none(), "four organisations are not the country");
        assert!(national_chart(&indicator(), &points(5, 5), "").is_none(), "too few periods for limits");
    }
}

#[cfg(test)]
mod chart_cache_tests {
    use super::{CHART_SETS_KEPT, ChartCache, ChartView};
    use std::sync::Arc;

    fn set(title: &str) -> Arc<Vec<ChartView>> {
        Arc::new(vec![ChartView {
            id: String::new(),
            indicator: String::new(),
            title: title.into(),
            href: String::new(),
            csv_href: String::new(),
            svg: String::new(),
            icon_svg: String::new(),
            variation: "",
            assurance_svg: None,
            assurance: String::new(),
            table_head: Vec::new(),
            table_rows: Vec::new(),
            section: String::new(),
        }])
    }

    #[test]
    fn a_full_cache_starts_again_with_the_newest_set() {
        let cache = ChartCache::default();
        for k in 0..CHART_SETS_KEPT {
            cache.keep(k.to_string(), set(&k.to_string()));
        }
        assert_eq!(cache.get("7").map(|s| s[0].title.clone()), Some("7".into()), "kept while there is room");
        cache.keep("new".into(), set("new"));
        assert!(cache.get("7").is_none(), "the full cache started again");
        assert_eq!(cache.get("new").map(|s| s[0].title.clone()), Some("new".into()));
    }
}
