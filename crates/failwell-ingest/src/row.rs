//! One input row seen through the mapping, and the field readers every record uses.

use crate::mapping::{Mapping, PeriodStyle};
use failwell_domain::period::BadPeriod;
use failwell_domain::{Code, FailureType, Period, Slug, dates};
use std::str::FromStr;
use time::Date;

/// A fault in one of our columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Our column's name; `None` when the row as a whole is wrong.
    pub column: Option<&'static str>,
    /// Why.
    pub reason: String,
}

impl FieldError {
    /// A fault of the whole row.
    pub fn row(reason: impl ToString) -> FieldError {
        FieldError { column: None, reason: reason.to_string() }
    }
}

/// Where each of our columns comes from in the input.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// Their field at this index.
    Field(usize),
    /// A constant from `--set`.
    Constant(String),
    /// Not in the file.
    Absent,
}

/// One row, read through the mapping by our column names.
pub struct Row<'a> {
    pub(crate) columns: &'static [&'static str],
    pub(crate) sources: &'a [Source],
    pub(crate) record: &'a csv::StringRecord,
    pub(crate) mapping: &'a Mapping,
    /// Indices of the mapping's domain columns in `record`, in `mapping.domain_columns` order.
    pub(crate) domain_fields: &'a [usize],
}

impl<'a> Row<'a> {
    /// The cell of our column `name`, trimmed; `None` when absent or empty.
    pub fn get(&self, name: &'static str) -> Option<&'a str> {
        let i = self.columns.iter().position(|c| *c == name)?;
        let raw = match &self.sources[i] {
            Source::Field(j) => self.record.get(*j)?,
            Source::Constant(v) => v.as_str(),
            Source::Absent => return None,
        };
        let t = raw.trim();
        (!t.is_empty()).then_some(t)
    }

    /// (domain, grade) cells from the mapping's domain columns; empty cells are left out.
    pub fn domain_cells(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.mapping.domain_columns.iter().zip(self.domain_fields).filter_map(|(name, &j)| {
            let cell = self.record.get(j)?.trim();
            (!cell.is_empty()).then_some((name.as_str(), cell))
        })
    }

    /// The mapping in force (period style, lags).
    pub fn mapping(&self) -> &Mapping {
        self.mapping
    }

    /// A required cell.
    pub fn required(&self, name: &'static str) -> Result<&'a str, FieldError> {
        self.get(name).ok_or(FieldError { column: Some(name), reason: format!("{name} is required") })
    }

    /// Reads a required cell with `FromStr`.
    pub fn parse<T: FromStr>(&self, name: &'static str) -> Result<T, FieldError>
    where
        T::Err: std::fmt::Display,
    {
        let s = self.required(name)?;
        s.parse().map_err(|e| bad(name, s, e))
    }

    /// Reads an optional cell with `FromStr`.
    pub fn parse_opt<T: FromStr>(&self, name: &'static str) -> Result<Option<T>, FieldError>
    where
        T::Err: std::fmt::Display,
    {
        self.get(name).map(|s| s.parse().map_err(|e| bad(name, s, e))).transpose()
    }

    /// A code.
    pub fn code(&self, name: &'static str) -> Result<Code, FieldError> {
        self.parse::<Code>(name)
    }

    /// A slug; a label such as "Requires improvement" is turned into one.
    pub fn slug(&self, name: &'static str) -> Result<Slug, FieldError> {
        let s = self.required(name)?;
        Slug::from_label(s).map_err(|e| bad(name, s, e))
    }

    /// An optional ISO date.
    pub fn date_opt(&self, name: &'static str) -> Result<Option<Date>, FieldError> {
        self.get(name)
            .map(|s| dates::parse_date(s).map_err(|_| bad(name, s, "not a date (expected YYYY-MM-DD)")))
            .transpose()
    }

    /// A required ISO date.
    pub fn date(&self, name: &'static str) -> Result<Date, FieldError> {
        self.date_opt(name)?.ok_or(FieldError { column: Some(name), reason: format!("{name} is required") })
    }

    /// An optional number; refuses text, infinities and NaN.
    pub fn number(&self, name: &'static str) -> Result<Option<f64>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(s) => match s.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(Some(v)),
                _ => Err(bad(name, s, "not a number")),
            },
        }
    }

    /// A period, read in the mapping's period style.
    pub fn period(&self, name: &'static str) -> Result<Period, FieldError> {
        let s = self.required(name)?;
        let read = match self.mapping.period_style {
            // The message names the value once (`bad` puts it first).
            PeriodStyle::Canonical => s.parse::<Period>().map_err(|_| BadPeriod::EXPECTED.to_string()),
            PeriodStyle::YearEndingMarch => match s.parse::<i32>() {
                Ok(y) if s.len() == 4 && (1001..=9999).contains(&y) => Ok(Period::financial_year_ending(y)),
                _ => Err("not a year (the period style year-ending-march expects YYYY)".to_string()),
            },
            PeriodStyle::MonthOfDate => match dates::parse_date(s) {
                Ok(d) => Ok(Period::Month(d.year(), d.month() as u8)),
                Err(_) => s.parse::<Period>().map_err(|_| BadPeriod::EXPECTED.to_string()),
            },
        };
        read.map_err(|e| bad(name, s, e))
    }

    /// A `;`-separated list of failure types.
    pub fn failure_types(&self, name: &'static str) -> Result<Vec<FailureType>, FieldError> {
        let mut out: Vec<FailureType> = Vec::new();
        for part in self.get(name).unwrap_or("").split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let t = part.parse::<FailureType>().map_err(|e| bad(name, part, e))?;
            if !out.contains(&t) {
                out.push(t);
            }
        }
        Ok(out)
    }

    /// A free-text cell, empty when absent.
    pub fn text(&self, name: &'static str) -> String {
        self.get(name).unwrap_or("").to_string()
    }
}

fn bad(name: &'static str, value: &str, why: impl std::fmt::Display) -> FieldError {
    FieldError { column: Some(name), reason: format!("{value:?}: {why}") }
}

/// Writes an optional number so that it reads back to the same `f64`.
pub fn num(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// Writes an optional date.
pub fn date(d: Option<Date>) -> String {
    d.map(dates::iso).unwrap_or_default()
}

/// Writes a list of failure types.
pub fn failure_types(ts: &[FailureType]) -> String {
    ts.iter().map(|t| t.code()).collect::<Vec<_>>().join(";")
}
