//! Column mapping, so a published file loads without hand editing.
//!
//! `--map value=attendances_all` reads our `value` from their `attendances_all`;
//! `--set indicator=ae_attendances` gives a column a constant; `--filter` keeps only rows
//! whose column matches; `--period-style` reads a publisher's period convention.

use crate::error::RowError;
use std::collections::HashMap;

/// How a publisher writes the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PeriodStyle {
    /// Our own forms (`2024`, `2023/24`, `2024-03`, `2024-03-31`).
    #[default]
    Canonical,
    /// A year number that names the financial year ending 31 March of that year (DfE's `2024` = `2023/24`).
    YearEndingMarch,
    /// A date standing for its whole month (NHS England's `2024-03-01` = `2024-03`).
    MonthOfDate,
}

impl std::str::FromStr for PeriodStyle {
    type Err = String;

    /// The command line's words: `canonical`, `year-ending-march`, `month-of-date`.
    fn from_str(s: &str) -> Result<PeriodStyle, String> {
        match s.trim() {
            "canonical" => Ok(PeriodStyle::Canonical),
            "year-ending-march" => Ok(PeriodStyle::YearEndingMarch),
            "month-of-date" => Ok(PeriodStyle::MonthOfDate),
            other => Err(format!("{other:?} is not a period style (canonical, year-ending-march, month-of-date)")),
        }
    }
}

/// A row filter: keep rows whose column equals (or starts with) a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Their column.
    pub column: String,
    /// What to compare with.
    pub value: String,
    /// Compare only the start.
    pub prefix: bool,
    /// Keep rows that do *not* match.
    pub negate: bool,
}

impl Filter {
    /// Reads `COL=VALUE`, `COL!=VALUE`, `COL^=PREFIX` or `COL!^=PREFIX`.
    pub fn parse(s: &str) -> Result<Filter, String> {
        // The operator is the first `=` and whatever of `!^` stands right before it, so a
        // value may itself contain `=`, `!=` or `^=`.
        if let Some(eq) = s.find('=') {
            let head = &s[..eq];
            let (column, prefix, negate) = if let Some(c) = head.strip_suffix("!^") {
                (c, true, true)
            } else if let Some(c) = head.strip_suffix('^') {
                (c, true, false)
            } else if let Some(c) = head.strip_suffix('!') {
                (c, false, true)
            } else {
                (head, false, false)
            };
            if !column.trim().is_empty() {
                return Ok(Filter { column: column.trim().into(), value: s[eq + 1..].into(), prefix, negate });
            }
        }
        Err(format!("{s:?} is not a filter (COL=VALUE, COL!=VALUE, COL^=PREFIX or COL!^=PREFIX)"))
    }

    /// Whether a cell passes.
    pub fn keeps(&self, cell: &str) -> bool {
        let hit = if self.prefix { cell.starts_with(&self.value) } else { cell == self.value };
        hit != self.negate
    }
}

/// Everything that adapts a foreign file to one of our formats.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// Our column → their column.
    pub renames: HashMap<String, String>,
    /// Our column → a constant for every row.
    pub constants: HashMap<String, String>,
    /// Rows to keep.
    pub filters: Vec<Filter>,
    /// How the period is written.
    pub period_style: PeriodStyle,
    /// When `published_on` is absent: the period's last day plus this many days.
    pub published_lag_days: Option<i64>,
    /// Skip rows that have neither a value nor a publisher's note instead of refusing them
    /// (wide published files leave cells empty for measures a year did not collect).
    pub skip_empty: bool,
    /// Their columns that each hold one domain's grade (inspections): the column name is
    /// the domain, the cell its grade. Used when the file has no `domains` column.
    pub domain_columns: Vec<String>,
}

impl Mapping {
    /// Adds `OURS=THEIRS` from `--map`.
    pub fn add_rename(&mut self, spec: &str) -> Result<(), String> {
        let (ours, theirs) = split_pair(spec, "--map")?;
        self.renames.insert(ours, theirs);
        Ok(())
    }

    /// Adds `OURS=VALUE` from `--set`.
    pub fn add_constant(&mut self, spec: &str) -> Result<(), String> {
        let (ours, value) = split_pair(spec, "--set")?;
        self.constants.insert(ours, value);
        Ok(())
    }

    /// The names of the settings [`Mapping::from_pairs`] reads.
    pub const SETTINGS: &'static [&'static str] =
        &["map", "set", "filter", "period_style", "published_lag_days", "skip_empty", "domain_columns"];

    /// A mapping from named settings, as a web form or query string gives them: `map` and
    /// `set` (`OURS=THEIRS`, `OURS=VALUE`) and `filter` may repeat; `period_style`,
    /// `published_lag_days`, `skip_empty` (`true`/`on`) and `domain_columns`
    /// (comma-separated) as the command line's flags of the same names. Empty values and
    /// other names are ignored. A bad setting is refused with its name and why.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Mapping, (&'static str, String)> {
        let mut m = Mapping::default();
        for (key, value) in pairs {
            let value = value.trim();
            let Some(key) = Mapping::SETTINGS.iter().copied().find(|k| *k == key) else { continue };
            if value.is_empty() {
                continue;
            }
            let refused = |why: String| (key, why);
            match key {
                "map" => m.add_rename(value).map_err(refused)?,
                "set" => m.add_constant(value).map_err(refused)?,
                "filter" => m.filters.push(Filter::parse(value).map_err(refused)?),
                "period_style" => m.period_style = value.parse().map_err(refused)?,
                "published_lag_days" => {
                    m.published_lag_days =
                        Some(value.parse().map_err(|_| refused(format!("{value:?} is not a whole number of days")))?);
                }
                "skip_empty" => m.skip_empty = matches!(value, "true" | "on" | "yes" | "1"),
                "domain_columns" => {
                    m.domain_columns =
                        value.split(',').map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect();
                }
                _ => {}
            }
        }
        Ok(m)
    }

    /// Their name for our column.
    pub fn source_column<'a>(&'a self, ours: &'a str) -> &'a str {
        self.renames.get(ours).map(String::as_str).unwrap_or(ours)
    }

    /// Checks that every column the mapping names exists in the header.
    pub fn check_header(&self, file: &str, header: &[String]) -> Result<(), RowError> {
        let names = self.renames.values().chain(self.filters.iter().map(|f| &f.column)).chain(&self.domain_columns);
        for name in names {
            if !header.iter().any(|h| h == name) {
                return Err(RowError {
                    position: crate::Position { file: file.into(), line: 1, column: None, column_name: None },
                    reason: format!(
                        "the mapping names column {name:?}, which the header does not have (it has: {})",
                        header.join(", ")
                    ),
                });
            }
        }
        Ok(())
    }
}

fn split_pair(spec: &str, flag: &str) -> Result<(String, String), String> {
    match spec.split_once('=') {
        Some((a, b)) if !a.trim().is_empty() => Ok((a.trim().to_string(), b.to_string())),
        _ => Err(format!("{flag} takes COLUMN=VALUE, not {spec:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapping_from_named_settings_is_the_flags_one() {
        let m = Mapping::from_pairs([
            ("map", "value=rate"),
            ("map", "organisation=la_code"),
            ("set", "indicator=caseload"),
            ("filter", "level=Local authority"),
            ("period_style", "year-ending-march"),
            ("published_lag_days", "240"),
            ("skip_empty", "on"),
            ("domain_columns", "leadership, help"),
            ("dry_run", "true"),
            ("map", ""),
        ])
        .unwrap();
        assert_eq!(m.source_column("value"), "rate");
        assert_eq!(m.source_column("organisation"), "la_code");
        assert_eq!(m.constants["indicator"], "caseload");
        assert_eq!(
            (m.filters.len(), m.period_style, m.published_lag_days),
            (1, PeriodStyle::YearEndingMarch, Some(240))
        );
        assert!(m.skip_empty);
        assert_eq!(m.domain_columns, ["leadership", "help"]);
        let (key, why) = Mapping::from_pairs([("map", "value")]).unwrap_err();
        assert_eq!(key, "map");
        assert!(why.contains("COLUMN=VALUE"), "{why}");
        assert_eq!(Mapping::from_pairs([("period_style", "weekly")]).unwrap_err().0, "period_style");
        assert_eq!(Mapping::from_pairs([("published_lag_days", "soon")]).unwrap_err().0, "published_lag_days");
    }

    #[test]
    fn filters() {
        let f = Filter::parse("geographic_level=Local authority").unwrap();
        assert!(f.keeps("Local authority") && !f.keeps("Regional"));
        let f = Filter::parse("indicator!^=sw_").unwrap();
        assert!(f.keeps("referrals") && !f.keeps("sw_turnover"));
        assert!(Filter::parse("nothing").is_err());
        let f = Filter::parse("note=a!=b").unwrap();
        assert_eq!((f.column.as_str(), f.value.as_str(), f.negate), ("note", "a!=b", false));
    }
}
