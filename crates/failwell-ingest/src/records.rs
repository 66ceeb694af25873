//! Each record kind's columns, and how a row becomes a record and a record a row.
//!
//! The column list is the documented format (`docs/formats.md`); export writes exactly
//! these columns in this order, which is what makes export → import round-trip.

use crate::format::Kind;
use crate::row::{FieldError, Row, date, failure_types, num};
use failwell_domain::*;

/// A record kind with a file format.
pub trait Record: Sized {
    /// Which kind.
    const KIND: Kind;
    /// Our columns, in file order.
    const COLUMNS: &'static [&'static str];
    /// Reads one row; `Ok(None)` skips a row the mapping says to skip.
    fn from_row(row: &Row) -> Result<Option<Self>, FieldError>;
    /// Writes one row, a cell per column.
    fn to_cells(&self) -> Vec<String>;
}

impl Record for Organisation {
    const KIND: Kind = Kind::Organisations;
    const COLUMNS: &'static [&'static str] =
        &["code", "name", "sector", "org_type", "region", "opened_on", "closed_on", "source", "learned_on"];
    fn from_row(row: &Row) -> Result<Option<Self>, FieldError> {
        let code = row.code("code")?;
        Ok(Some(Organisation {
            // Some published registers leave non-trust sites unnamed: the code stands in.
            name: row.get("name").unwrap_or(code.as_str()).to_string(),
            code,
            sector: row.slug("sector")?,
            org_type: row.slug("org_type")?,
            region: row.get("region").map(str::to_string),
            opened_on: row.date_opt("opened_on")?,
            closed_on: row.date_opt("closed_on")?,
            source: row.text("source"),
            learned_on: row.date_opt("learned_on")?,
        }))
    }
    fn to_cells(&self) -> Vec<String> {
        vec![
            self.code.to_string(),
            self.name.clone(),
            self.sector.to_string(),
            self.org_type.to_string(),
            self.region.clone().unwrap_or_default(),
            date(self.opened_on),
            date(self.closed_on),
            self.source.clone(),
            date(self.learned_on),
        ]
    }
}

impl Record for Link {
    const KIND: Kind = Kind::Links;
    const COLUMNS: &'static [&'static str] =
        &["from", "to", "link_type", "valid_from", "valid_to", "rank", "note", "source", "learned_on"];
    fn from_row(row: &Row) -> Result<Option<Self>, FieldError> {
        let link = Link {
            from: row.code("from")?,
            to: row.code("to")?,
            link_type: row.parse("link_type")?,
            valid_from: row.date_opt("valid_from")?,
            valid_to: row.date_opt("valid_to")?,
            rank: row.parse_opt("rank")?,
            note: row.text("note"),
            source: row.text("source"),
            learned_on: row.date_opt("learned_on")?,
        };
        if link.from == link.to {
            return Err(FieldError { column: Some("to"), reason: "an organisation cannot be linked to itself".into() });
        }
        if let (Some(a), Some(b)) = (link.valid_from, link.valid_to)
            && b <= a
        {
            return Err(FieldError { column: Some("valid_to"), reason: "valid_to must be after valid_from".into() });
        }
        Ok(Some(link))
    }
    fn to_cells(&self) -> Vec<String> {
        vec![
            self.from.to_string(),
            self.to.to_string(),
            self.link_type.to_string(),
            date(self.valid_from),
            date(self.valid_to),
            self.rank.map(|r| r.to_string()).unwrap_or_default(),
            self.note.clone(),
            self.source.clone(),
            date(self.learned_on),
        ]
    }
}

impl Record for Indicator {
    const KIND: Kind = Kind::Indicators;
    const COLUMNS: &'static [&'static str] = &[
        "code",
        "title",
        "unit",
        "polarity",
        "kind",
        "failure_types",
        "method",
        "counts",
        "definition",
        "definition_version",
        "valid_from",
        "source",
        "learned_on",
        "denominator",
    ];
    fn from_row(row: &Row) -> Result<Option<Self>, FieldError> {
        Ok(Some(Indicator {
            code: row.parse("code")?,
            title: row.required("title")?.to_string(),
            unit: row.text("unit"),
            polarity: row.parse("polarity")?,
            kind: row.parse("kind")?,
            failure_types: row.failure_types("failure_types")?,
            method: row.parse_opt("method")?.unwrap_or(Method::Spc),
            counts: row.parse_opt("counts")?.unwrap_or(Counts::None),
            denominator: row.parse_opt("denominator")?,
            definition: row.text("definition"),
            definition_version: row.get("definition_version").unwrap_or("1").to_string(),
            valid_from: row.date_opt("valid_from")?,
            source: row.text("source"),
            learned_on: row.date_opt("learned_on")?,
        }))
    }
    fn to_cells(&self) -> Vec<String> {
        vec![
            self.code.to_string(),
            self.title.clone(),
            self.unit.clone(),
            self.polarity.to_string(),
            self.kind.to_string(),
            failure_types(&self.failure_types),
            self.method.to_string(),
            self.counts.to_string(),
            self.definition.clone(),
            self.definition_version.clone(),
            date(self.valid_from),
            self.source.clone(),
            date(self.learned_on),
            self.denominator.as_ref().map_or_else(String::new, ToString::to_string),
        ]
    }
}

impl Record for Observation {
    const KIND: Kind = Kind::Observations;
    const COLUMNS: &'static [&'static str] = &[
        "organisation",
        "indicator",
        "period",
        "value",
        "value_note",
        "numerator",
        "denominator",
        "expected",
        "published_on",
        "source",
    ];
    fn from_row(row: &Row) -> Result<Option<Self>, FieldError> {
        let period = row.period("period")?;
        let mut published_on = row.date_opt("published_on")?;
        if published_on.is_none()
            && let Some(lag) = row.mapping().published_lag_days
        {
            published_on = Some(period.end().checked_add(time::Duration::days(lag)).ok_or(FieldError {
                column: Some("period"),
                reason: format!("--published-lag-days {lag} takes the release date out of the calendar"),
            })?);
        }
        let obs = Observation {
            organisation: row.code("organisation")?,
            indicator: row.parse("indicator")?,
            period,
            value: row.number("value")?,
            suppression: row.parse_opt("value_note")?,
            numerator: row.number("numerator")?,
            denominator: row.number("denominator")?,
            expected: row.number("expected")?,
            published_on,
            source: row.text("source"),
        };
        let empty = obs.value.is_none() && obs.suppression.is_none() && obs.numerator.is_none();
        if empty && row.mapping().skip_empty {
            return Ok(None);
        }
        obs.normalise().map(Some).map_err(|e| {
            let column = match e {
                BadObservation::Denominator => Some("denominator"),
                BadObservation::Negative(c) | BadObservation::NotFinite(c) => Some(c),
                BadObservation::ValueAndNote(_) => Some("value_note"),
                // A row-level fault: no one column is to blame.
                BadObservation::Missing => None,
            };
            FieldError { column, reason: e.to_string() }
        })
    }
    fn to_cells(&self) -> Vec<String> {
        vec![
            self.organisation.to_string(),
            self.indicator.to_string(),
            self.period.to_string(),
            num(self.value),
            self.suppression.map(|s| s.code().to_string()).unwrap_or_default(),
            num(self.numerator),
            num(self.denominator),
            num(self.expected),
            date(self.published_on),
            self.source.clone(),
        ]
    }
}

impl Record for Inspection {
    const KIND: Kind = Kind::Inspections;
    const COLUMNS: &'static [&'static str] = &[
        "organisation",
        "regulator",
        "framework",
        "scale_version",
        "inspected_on",
        "published_on",
        "overall",
        "domains",
        "source",
    ];
    fn from_row(row: &Row) -> Result<Option<Self>, FieldError> {
        let inspected_on = row.date("inspected_on")?;
        let published_on = row.date("published_on")?;
        if published_on < inspected_on {
            return Err(FieldError {
                column: Some("published_on"),
                reason: "published before the inspection took place".into(),
            });
        }
        // Grades come from a `domains` cell (`domain=grade;…`) and/or from one column per
        // domain named with --domain-columns.
        let mut pairs: Vec<(&str, &str)> = row.domain_cells().collect();
        for part in row.get("domains").unwrap_or("").split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (d, g) = part.split_once('=').ok_or_else(|| FieldError {
                column: Some("domains"),
                reason: format!("{part:?} is not DOMAIN=GRADE"),
            })?;
            pairs.push((d, g));
        }
        let mut domains = Vec::new();
        for (d, g) in pairs {
            if g.trim().is_empty() {
                continue;
            }
            let bad = || FieldError { column: Some("domains"), reason: format!("{d}={g} is not DOMAIN=GRADE") };
            domains.push((Slug::from_label(d).map_err(|_| bad())?, Slug::from_label(g).map_err(|_| bad())?));
        }
        Ok(Some(Inspection {
            organisation: row.code("organisation")?,
            regulator: row.slug("regulator")?,
            framework: row.slug("framework")?,
            scale_version: row.slug("scale_version")?,
            inspected_on,
            published_on,
            overall: row.slug("overall")?,
            domains,
            source: row.text("source"),
        }))
    }
    fn to_cells(&self) -> Vec<String> {
        vec![
            self.organisation.to_string(),
            self.regulator.to_string(),
            self.framework.to_string(),
            self.scale_version.to_string(),
            date(Some(self.inspected_on)),
            date(Some(self.published_on)),
            self.overall.to_string(),
            self.domains.iter().map(|(d, g)| format!("{d}={g}")).collect::<Vec<_>>().join(";"),
            self.source.clone(),
        ]
    }
}

impl Record for Event {
    const KIND: Kind = Kind::Events;
    const COLUMNS: &'static [&'static str] = &[
        "organisation",
        "event_type",
        "occurred_on",
        "ended_on",
        "published_on",
        "actor",
        "title",
        "detail",
        "failure_types",
        "source",
    ];
    fn from_row(row: &Row) -> Result<Option<Self>, FieldError> {
        let e = Event {
            organisation: row.code("organisation")?,
            event_type: row.parse("event_type")?,
            occurred_on: row.date("occurred_on")?,
            ended_on: row.date_opt("ended_on")?,
            published_on: row.date_opt("published_on")?,
            actor: row.text("actor"),
            title: row.required("title")?.to_string(),
            detail: row.text("detail"),
            failure_types: row.failure_types("failure_types")?,
            source: row.text("source"),
        };
        if e.ended_on.is_some_and(|end| end < e.occurred_on) {
            return Err(FieldError { column: Some("ended_on"), reason: "ends before it occurred".into() });
        }
        Ok(Some(e))
    }
    fn to_cells(&self) -> Vec<String> {
        vec![
            self.organisation.to_string(),
            self.event_type.to_string(),
            date(Some(self.occurred_on)),
            date(self.ended_on),
            date(self.published_on),
            self.actor.clone(),
            self.title.clone(),
            self.detail.clone(),
            failure_types(&self.failure_types),
            self.source.clone(),
        ]
    }
}
