//! Data to load into a test store, as domain records, through the store's own import
//! API (so what a test reads back went through the same checks as a file import).
//!
//! - [`Seed::small`]: two councils and their region, as the CLI's scan tests build them
//!   by hand: ten years of two indicators, Ofsted judgements (one Inadequate), a
//!   self-assessment, leadership changes, a peer review, a serious incident, and links.
//!   Small enough to reason about, real-shaped enough that every kind of evidence is
//!   judged.
//! - [`Synthetic`]: many organisations × indicators × months from a seeded generator,
//!   as `failwell bench scan` makes them, for tests that need volume (the scan's
//!   multi-threaded paths start at hundreds of organisations).

use crate::error::HarnessError;
use failwell_domain::{Code, Event, Indicator, Inspection, Link, Observation, Organisation, Period, Slug};
use failwell_stats::rng::SplitMix64;
use failwell_store::{ImportSummary, Store};
use std::str::FromStr;
use time::Date;

/// Records to load into a store, one import per kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seed {
    /// Organisations and groups (regions).
    pub organisations: Vec<Organisation>,
    /// Links between them (membership of a region, statistical neighbours).
    pub links: Vec<Link>,
    /// The indicator catalogue.
    pub indicators: Vec<Indicator>,
    /// Figures.
    pub observations: Vec<Observation>,
    /// Inspection judgements (and self-assessments, regulator `self`).
    pub inspections: Vec<Inspection>,
    /// Events on the organisations' timelines.
    pub events: Vec<Event>,
}

/// What loading a seed did: one import summary per kind, in load order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded {
    /// `(kind, summary)` per non-empty kind.
    pub imports: Vec<(&'static str, ImportSummary)>,
}

/// A day written `YYYY-MM-DD`.
///
/// # Panics
/// On a malformed day: seed data are written in code, so that is a bug in the seed.
pub fn day(s: &str) -> Date {
    failwell_domain::dates::parse_date(s).unwrap_or_else(|e| panic!("seed day {s:?}: {e}"))
}

/// A word of a closed vocabulary, a code or a slug, parsed.
///
/// # Panics
/// As [`day`].
fn word<T: FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Display,
{
    T::from_str(s).unwrap_or_else(|e| panic!("seed word {s:?}: {e}"))
}

fn code(s: &str) -> Code {
    Code::new(s).unwrap_or_else(|e| panic!("seed code {s:?}: {e}"))
}

fn slug(s: &str) -> Slug {
    Slug::new(s).unwrap_or_else(|e| panic!("seed slug {s:?}: {e}"))
}

/// An organisation known since `learned_on`.
pub fn organisation(code_: &str, name: &str, sector: &str, org_type: &str, region: Option<&str>) -> Organisation {
    Organisation {
        code: code(code_),
        name: name.into(),
        sector: slug(sector),
        org_type: slug(org_type),
        region: region.map(str::to_string),
        opened_on: None,
        closed_on: None,
        source: "test".into(),
        learned_on: Some(day("2010-01-01")),
    }
}

/// An indicator of the SPC method with no counts.
pub fn indicator(code_: &str, title: &str, polarity: &str, kind: &str, failure_types: &[&str]) -> Indicator {
    Indicator {
        code: slug(code_),
        title: title.into(),
        unit: String::new(),
        polarity: word(polarity),
        kind: word(kind),
        failure_types: failure_types.iter().map(|t| word(t)).collect(),
        method: word("spc"),
        counts: word("none"),
        denominator: None,
        definition: title.into(),
        definition_version: "1".into(),
        valid_from: None,
        source: "test".into(),
        learned_on: None,
    }
}

/// A figure published on `published_on`.
pub fn observation(org: &str, indicator_: &str, period: &str, value: f64, published_on: Option<&str>) -> Observation {
    Observation {
        organisation: code(org),
        indicator: slug(indicator_),
        period: word::<Period>(period),
        value: Some(value),
        suppression: None,
        numerator: None,
        denominator: None,
        expected: None,
        published_on: published_on.map(day),
        source: "test".into(),
    }
}

/// An Ofsted ILACS judgement (or a self-assessment on its scale, regulator `self`).
pub fn ilacs(org: &str, regulator: &str, inspected_on: &str, published_on: &str, overall: &str) -> Inspection {
    Inspection {
        organisation: code(org),
        regulator: slug(regulator),
        framework: slug("ilacs"),
        scale_version: slug("ofsted_ilacs_2018"),
        inspected_on: day(inspected_on),
        published_on: day(published_on),
        overall: slug(overall),
        domains: vec![],
        source: "test".into(),
    }
}

/// An event with no end and no publication day of its own.
pub fn event(org: &str, event_type: &str, occurred_on: &str, actor: &str, title: &str) -> Event {
    Event {
        organisation: code(org),
        event_type: word(event_type),
        occurred_on: day(occurred_on),
        ended_on: None,
        published_on: None,
        actor: actor.into(),
        title: title.into(),
        detail: String::new(),
        failure_types: vec![],
        source: "test".into(),
    }
}

/// A link holding from `valid_from` (or always) with no end.
pub fn link(from: &str, to: &str, link_type: &str, valid_from: Option<&str>) -> Link {
    Link {
        from: code(from),
        to: code(to),
        link_type: word(link_type),
        valid_from: valid_from.map(day),
        valid_to: None,
        rank: None,
        note: String::new(),
        source: "test".into(),
        learned_on: Some(day("2010-01-01")),
    }
}

/// Doncaster, in the small seed: its re-referrals jump in 2021/22 and Ofsted judges it
/// Inadequate in 2023.
pub const DONCASTER: &str = "E08000017";
/// West Sussex, in the small seed: steady figures, a Good judgement.
pub const WEST_SUSSEX: &str = "E10000032";
/// Their region, a group.
pub const REGION: &str = "E12000003";

impl Seed {
    /// Two councils and their region, with every kind of evidence (see the module's
    /// documentation). As of 2024-01-01 Doncaster is severe and recommended an
    /// improvement notice; West Sussex is low.
    pub fn small() -> Seed {
        let organisations = vec![
            organisation(
                DONCASTER,
                "Doncaster",
                "local_government",
                "metropolitan_district",
                Some("Yorkshire and The Humber"),
            ),
            organisation(WEST_SUSSEX, "West Sussex", "local_government", "county_council", Some("South East")),
            organisation(REGION, "Yorkshire and The Humber region", "group", "region", None),
        ];
        let links = vec![
            link(DONCASTER, REGION, "member_of", Some("2010-01-01")),
            link(WEST_SUSSEX, REGION, "member_of", Some("2010-01-01")),
        ];
        let indicators = vec![
            indicator(
                "rereferrals_pct",
                "Re-referrals within 12 months",
                "higher_is_worse",
                "outcome",
                &["performance"],
            ),
            indicator("referrals", "Referrals", "neutral", "reporting_culture", &["performance", "connection"]),
        ];
        // Ten years of steady figures; Doncaster's re-referrals jump in 2021/22
        // (published 1 November 2022).
        let steady = [20.0, 22.0, 19.0, 23.0, 21.0, 20.0, 22.0, 19.0, 23.0, 21.0];
        let mut observations = Vec::new();
        for org in [DONCASTER, WEST_SUSSEX] {
            for (i, v) in steady.iter().enumerate() {
                let y = 2012 + i;
                let v = if org == DONCASTER && i == 9 { 45.0 } else { *v };
                let period = format!("{y}/{:02}", (y + 1) % 100);
                let published = format!("{}-11-01", y + 1);
                observations.push(observation(org, "rereferrals_pct", &period, v, Some(&published)));
                observations.push(observation(org, "referrals", &period, 1000.0 + v, Some(&published)));
            }
        }
        let inspections = vec![
            ilacs(DONCASTER, "ofsted", "2019-03-01", "2019-04-15", "good"),
            ilacs(DONCASTER, "ofsted", "2023-04-20", "2023-06-01", "inadequate"),
            ilacs(WEST_SUSSEX, "ofsted", "2022-05-01", "2022-06-20", "good"),
            // Doncaster rated itself good four months before Ofsted judged it inadequate.
            ilacs(DONCASTER, "self", "2023-01-10", "2023-02-01", "good"),
        ];
        let events = vec![
            event(DONCASTER, "leadership_change", "2022-06-01", "council", "Director of children's services resigns"),
            event(DONCASTER, "leadership_change", "2023-03-01", "council", "Interim director appointed"),
            event(WEST_SUSSEX, "leadership_change", "2022-09-01", "council", "Chief executive retires"),
            event(WEST_SUSSEX, "leadership_change", "2023-07-01", "council", "New chief executive"),
            event(WEST_SUSSEX, "peer_review", "2023-01-01", "lga", "LGA peer review of children's services"),
            event(WEST_SUSSEX, "serious_incident_reported", "2023-05-01", "council", "Serious case review published"),
        ];
        Seed { organisations, links, indicators, observations, inspections, events }
    }

    /// Loads every kind, registry first, one import per kind that has records.
    ///
    /// # Errors
    /// A store failure, or a row the store refused ([`HarnessError::Row`]).
    pub async fn load(&self, store: &Store) -> Result<Loaded, HarnessError> {
        let mut imports = Vec::new();
        if !self.organisations.is_empty() {
            let mut s = store.begin_import("organisations", "seed").await?;
            for (i, r) in self.organisations.iter().enumerate() {
                row("organisations", i, s.add_organisation(i as u64 + 2, r).await?)?;
            }
            imports.push(("organisations", s.finish().await?));
        }
        if !self.links.is_empty() {
            let mut s = store.begin_import("links", "seed").await?;
            for (i, r) in self.links.iter().enumerate() {
                row("links", i, s.add_link(i as u64 + 2, r).await?)?;
            }
            imports.push(("links", s.finish().await?));
        }
        if !self.indicators.is_empty() {
            let mut s = store.begin_import("indicators", "seed").await?;
            for (i, r) in self.indicators.iter().enumerate() {
                row("indicators", i, s.add_indicator(i as u64 + 2, r).await?)?;
            }
            imports.push(("indicators", s.finish().await?));
        }
        if !self.observations.is_empty() {
            imports.push(("observations", load_observations(store, &self.observations).await?));
        }
        if !self.inspections.is_empty() {
            let mut s = store.begin_import("inspections", "seed").await?;
            for (i, r) in self.inspections.iter().enumerate() {
                row("inspections", i, s.add_inspection(i as u64 + 2, r).await?)?;
            }
            imports.push(("inspections", s.finish().await?));
        }
        if !self.events.is_empty() {
            let mut s = store.begin_import("events", "seed").await?;
            for (i, r) in self.events.iter().enumerate() {
                row("events", i, s.add_event(i as u64 + 2, r).await?)?;
            }
            imports.push(("events", s.finish().await?));
        }
        Ok(Loaded { imports })
    }
}

/// Imports `observations` as one file (a publisher's release).
///
/// # Errors
/// As [`Seed::load`].
pub async fn load_observations(store: &Store, observations: &[Observation]) -> Result<ImportSummary, HarnessError> {
    let mut s = store.begin_import("observations", "seed").await?;
    s.start_file();
    for (i, r) in observations.iter().enumerate() {
        row("observations", i, s.add_observation(i as u64 + 2, r.clone()).await?)?;
    }
    Ok(s.finish().await?)
}

/// A refused row as an error naming it.
fn row(kind: &'static str, index: usize, result: Result<(), failwell_store::RowProblem>) -> Result<(), HarnessError> {
    result.map_err(|problem| HarnessError::Row { kind, line: index as u64 + 1, problem })
}

/// A synthetic store's shape: `organisations` acute trusts in nine regions, each with
/// `indicators` monthly series of `months` months from January 2020, each month
/// published on the 15th of the next. About one trust in twenty deteriorates (a step of
/// 1.5 standard deviations) from a month in the second half, so scans find signals.
///
/// The same shape and seed give the same records, whatever is generated first: every
/// series draws from a generator of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Synthetic {
    /// Trusts (regions aside).
    pub organisations: usize,
    /// Indicators (cycling over polarities, kinds and failure types).
    pub indicators: usize,
    /// Months of figures loaded by [`Synthetic::seed`].
    pub months: usize,
    /// The generator's seed.
    pub seed: u64,
}

/// Regions the trusts belong to (groups for the system view).
const REGIONS: usize = 9;
/// The failure types indicators are cycled over.
const FAILURE_TYPES: [&str; 7] =
    ["performance", "financial", "governance", "policy_and_politics", "external", "commissioning", "connection"];

impl Synthetic {
    /// The trust numbered `o`'s code.
    pub fn organisation_code(o: usize) -> String {
        format!("SYN{o:05}")
    }

    /// The indicator numbered `i`'s code.
    pub fn indicator_code(i: usize) -> String {
        format!("syn_{i:03}")
    }

    /// The registry, the catalogue and the first [`Synthetic::months`] months.
    pub fn seed(&self) -> Seed {
        let mut organisations: Vec<Organisation> = (0..REGIONS)
            .map(|r| organisation(&format!("SYNREG{r}"), &format!("Synthetic region {r}"), "group", "region", None))
            .collect();
        let mut links = Vec::with_capacity(self.organisations);
        for o in 0..self.organisations {
            let code = Self::organisation_code(o);
            let region = format!("Synthetic region {}", o % REGIONS);
            organisations.push(organisation(
                &code,
                &format!("Synthetic trust {o}"),
                "hospitals",
                "acute_trust",
                Some(&region),
            ));
            links.push(link(&code, &format!("SYNREG{}", o % REGIONS), "member_of", None));
        }
        let indicators = (0..self.indicators)
            .map(|i| {
                indicator(
                    &Self::indicator_code(i),
                    &format!("Synthetic indicator {i}"),
                    ["higher_is_worse", "higher_is_better"][i % 2],
                    ["outcome", "process", "outcome", "reporting_culture"][i % 4],
                    &[FAILURE_TYPES[i % 7]],
                )
            })
            .collect();
        let mut observations = Vec::with_capacity(self.organisations * self.indicators * self.months);
        for o in 0..self.organisations {
            for i in 0..self.indicators {
                let values = self.series(o, i, self.months);
                for (m, v) in values.into_iter().enumerate() {
                    observations.push(self.observation(o, i, m, v));
                }
            }
        }
        Seed { organisations, links, indicators, observations, inspections: vec![], events: vec![] }
    }

    /// Month `m` (0-based from January 2020) of every series: the month after the seed's
    /// last is `self.months`.
    pub fn month(&self, m: usize) -> Vec<Observation> {
        let mut out = Vec::with_capacity(self.organisations * self.indicators);
        for o in 0..self.organisations {
            for i in 0..self.indicators {
                let v = self.series(o, i, m + 1)[m];
                out.push(self.observation(o, i, m, v));
            }
        }
        out
    }

    /// The day month `m`'s figures are published: the 15th of the month after.
    pub fn published_on(m: usize) -> Date {
        let (y, mo) = Self::year_month(m + 1);
        day(&format!("{y}-{mo:02}-15"))
    }

    fn year_month(m: usize) -> (usize, usize) {
        (2020 + m / 12, m % 12 + 1)
    }

    /// The first `n` values of trust `o`'s series of indicator `i`.
    fn series(&self, o: usize, i: usize, n: usize) -> Vec<f64> {
        let mut trust = SplitMix64::new(self.seed ^ (o as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let declining = trust.next_f64() < 0.05;
        let onset = self.months / 2 + (trust.next_u64() % (self.months as u64 / 2).max(1)) as usize;
        let mut rng = SplitMix64::new(trust.next_u64() ^ (i as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
        let level = 50.0 + 20.0 * rng.next_f64();
        let sd = 1.0 + 4.0 * rng.next_f64();
        let worse = if i.is_multiple_of(2) { 1.0 } else { -1.0 };
        (0..n)
            .map(|m| {
                let step = if declining && m >= onset { 1.5 * sd * worse } else { 0.0 };
                // Rounded as a publisher would, so a value survives any text round trip.
                ((level + step + sd * rng.normal()) * 1000.0).round() / 1000.0
            })
            .collect()
    }

    fn observation(&self, o: usize, i: usize, m: usize, value: f64) -> Observation {
        let (y, mo) = Self::year_month(m);
        let mut obs =
            observation(&Self::organisation_code(o), &Self::indicator_code(i), &format!("{y}-{mo:02}"), value, None);
        obs.published_on = Some(Self::published_on(m));
        obs.source = "synthetic".into();
        obs
    }
}
