//! Reading query strings: every parameter is taken as text and checked here, so a bad
//! value is a 400 that names the parameter and says why (axum's own rejection would be a
//! bare sentence about deserialisation).

use crate::error::WebError;
use crate::judgements::{BANDS, Judgement};
use serde::Deserialize;
use time::Date;

/// The query string of the overview and its API twin, as sent (an empty value, as a GET
/// form sends for "any", means no filter).
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverviewQuery {
    /// Only this sector (its id, e.g. `childrens_services`).
    pub sector: Option<String>,
    /// Only this region (as the registry names it).
    pub region: Option<String>,
    /// Only this overall band: `low`, `moderate`, `high` or `severe`.
    pub band: Option<String>,
    /// Only organisations recommended this rung (its id).
    pub rung: Option<String>,
    /// Judge as known on this day (YYYY-MM-DD).
    pub as_of: Option<String>,
    /// Sort by `band` (worst first, the default), `name`, `code`, `sector`, `region`,
    /// `rung` or `signals`; ties are always broken by code, so pages do not overlap.
    pub sort: Option<String>,
    /// API only: how many organisations to return (1 to 1000, default 100).
    // Read as text, so that a value that is not a number is the service's own 400 naming
    // the parameter; documented as the integer it must be.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
    /// API only: how many to skip (default 0), for the next page.
    #[param(value_type = Option<u32>)]
    pub offset: Option<String>,
    /// Pages only: which page of the table, [`PAGE_ROWS`] rows each (default 1).
    #[param(value_type = Option<u32>, minimum = 1)]
    pub page: Option<String>,
}

/// How many organisations a page of the overview's table shows.
pub const PAGE_ROWS: usize = 100;

/// The API's page size when none is asked for.
pub const DEFAULT_LIMIT: usize = 100;
/// The largest page the API returns.
pub const MAX_LIMIT: usize = 1000;

/// The as-of parameter alone (organisation pages).
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// Judge as known on this day (YYYY-MM-DD).
    pub as_of: Option<String>,
}

impl AsOfQuery {
    /// The day, checked.
    ///
    /// # Errors
    /// A value that is not a date.
    pub fn date(&self) -> Result<Option<Date>, WebError> {
        parse_as_of(self.as_of.as_deref())
    }
}

/// How the overview is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Worst band first (the engine's order).
    Band,
    /// By name.
    Name,
    /// By code.
    Code,
    /// By sector, then worst first.
    Sector,
    /// By region, then worst first.
    Region,
    /// By recommended rung, then worst first.
    Rung,
    /// Most signals first.
    Signals,
}

impl Sort {
    /// Every sort with its parameter value.
    pub const ALL: [(Sort, &'static str); 7] = [
        (Sort::Band, "band"),
        (Sort::Name, "name"),
        (Sort::Code, "code"),
        (Sort::Sector, "sector"),
        (Sort::Region, "region"),
        (Sort::Rung, "rung"),
        (Sort::Signals, "signals"),
    ];

    /// Its parameter value.
    pub fn as_str(self) -> &'static str {
        Sort::ALL.iter().find(|(s, _)| *s == self).map_or("band", |(_, n)| n)
    }
}

/// The overview's filters, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filters {
    /// Sector id.
    pub sector: Option<String>,
    /// Region name.
    pub region: Option<String>,
    /// Overall band.
    pub band: Option<String>,
    /// Recommended rung id.
    pub rung: Option<String>,
    /// As-of day.
    pub as_of: Option<Date>,
    /// Order.
    pub sort: Sort,
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

/// Reads an `as_of` value.
///
/// # Errors
/// A value that is not a date.
pub fn parse_as_of(v: Option<&str>) -> Result<Option<Date>, WebError> {
    parse_day("as_of", v)
}

/// Reads an optional day parameter (`None` when absent or blank).
///
/// # Errors
/// A 400 naming `parameter` when the value is not a date.
pub fn parse_day(parameter: &'static str, v: Option<&str>) -> Result<Option<Date>, WebError> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(s) => failwell_domain::dates::parse_date(s).map(Some).map_err(|e| WebError::BadParameter {
            parameter,
            reason: format!("{s:?} is not a date in the form YYYY-MM-DD ({e})"),
        }),
    }
}

/// Reads a non-negative whole number parameter.
fn number(parameter: &'static str, v: &Option<String>) -> Result<Option<usize>, WebError> {
    given(v)
        .map(|s| {
            s.parse::<usize>().map_err(|_| WebError::BadParameter {
                parameter,
                reason: format!("{s:?} is not a whole number of 0 or more"),
            })
        })
        .transpose()
}

impl OverviewQuery {
    /// The page asked for: `(offset, limit)`.
    ///
    /// # Errors
    /// A `limit` or `offset` that is not a number, or a `limit` out of range.
    pub fn page(&self) -> Result<(usize, usize), WebError> {
        let limit = number("limit", &self.limit)?.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(WebError::BadParameter {
                parameter: "limit",
                reason: format!("{limit} is out of range; use 1 to {MAX_LIMIT}"),
            });
        }
        Ok((number("offset", &self.offset)?.unwrap_or(0), limit))
    }

    /// The page of the table asked for (1 when none is).
    ///
    /// # Errors
    /// A `page` that is not a whole number of 1 or more.
    pub fn page_number(&self) -> Result<usize, WebError> {
        match number("page", &self.page)? {
            Some(0) => Err(WebError::BadParameter { parameter: "page", reason: "pages are numbered from 1".into() }),
            n => Ok(n.unwrap_or(1)),
        }
    }

    /// Checks every parameter.
    ///
    /// # Errors
    /// The first parameter that cannot be read, named.
    pub fn filters(&self) -> Result<Filters, WebError> {
        let band = given(&self.band);
        if let Some(b) = &band
            && !BANDS.contains(&b.as_str())
        {
            return Err(WebError::BadParameter {
                parameter: "band",
                reason: format!("{b:?} is not a band; use one of {}", BANDS.join(", ")),
            });
        }
        let sort = match given(&self.sort) {
            None => Sort::Band,
            Some(s) => {
                Sort::ALL.iter().find(|(_, n)| *n == s).map(|(v, _)| *v).ok_or_else(|| WebError::BadParameter {
                    parameter: "sort",
                    reason: format!(
                        "{s:?} is not a sort; use one of {}",
                        Sort::ALL.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
                    ),
                })?
            }
        };
        Ok(Filters {
            sector: given(&self.sector),
            region: given(&self.region),
            band,
            rung: given(&self.rung),
            as_of: parse_as_of(self.as_of.as_deref())?,
            sort,
        })
    }
}

impl Filters {
    /// Whether `j`, in `region`, passes every filter.
    pub fn admits(&self, j: &Judgement, region: Option<&str>) -> bool {
        self.sector.as_ref().is_none_or(|s| *s == j.sector)
            && self.region.as_ref().is_none_or(|r| Some(r.as_str()) == region)
            && self.band.as_ref().is_none_or(|b| *b == j.overall_band)
            && self.rung.as_ref().is_none_or(|r| j.recommended_rung.as_ref().is_some_and(|n| n.id == *r))
    }

    /// The query string that reproduces these filters with another sort (for the
    /// sortable table's header links).
    pub fn query_with_sort(&self, sort: Sort) -> String {
        let mut parts: Vec<(&str, String)> = Vec::new();
        for (k, v) in [("sector", &self.sector), ("region", &self.region), ("band", &self.band), ("rung", &self.rung)] {
            if let Some(v) = v {
                parts.push((k, v.clone()));
            }
        }
        if let Some(d) = self.as_of {
            parts.push(("as_of", failwell_domain::dates::iso(d)));
        }
        parts.push(("sort", sort.as_str().to_string()));
        parts.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&")
    }

    /// The query string of page `page` of these filters in their sort.
    pub fn query_with_page(&self, page: usize) -> String {
        format!("{}&page={page}", self.query_with_sort(self.sort))
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
pub fn encode(v: &str) -> String {
    percent_encode(v, "+")
}

/// `v` as one segment of a path: as [`encode`], but a space is `%20` (a `+` in a path is a
/// plus) and a slash `%2F`, so a code such as "E06000061 / E06000062" (a trust serving
/// two councils) stays one segment.
pub fn segment(v: &str) -> String {
    percent_encode(v, "%20")
}

fn percent_encode(v: &str, space: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push_str(space),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_no_filter_and_bad_ones_name_their_parameter() {
        let q = OverviewQuery { sector: Some(String::new()), band: Some(" ".into()), ..Default::default() };
        let f = q.filters().unwrap();
        assert_eq!((f.sector, f.band, f.sort), (None, None, Sort::Band));
        let bad = OverviewQuery { band: Some("awful".into()), ..Default::default() }.filters().unwrap_err();
        assert!(matches!(bad, WebError::BadParameter { parameter: "band", .. }), "{bad}");
        let bad = OverviewQuery { as_of: Some("2024-13-01".into()), ..Default::default() }.filters().unwrap_err();
        assert!(matches!(bad, WebError::BadParameter { parameter: "as_of", .. }), "{bad}");
        let bad = OverviewQuery { sort: Some("colour".into()), ..Default::default() }.filters().unwrap_err();
        assert!(matches!(bad, WebError::BadParameter { parameter: "sort", .. }), "{bad}");
        let bad = OverviewQuery { limit: Some("0".into()), ..Default::default() }.page().unwrap_err();
        assert!(matches!(bad, WebError::BadParameter { parameter: "limit", .. }), "{bad}");
        let bad = OverviewQuery { offset: Some("-1".into()), ..Default::default() }.page().unwrap_err();
        assert!(matches!(bad, WebError::BadParameter { parameter: "offset", .. }), "{bad}");
        assert_eq!(OverviewQuery::default().page().unwrap(), (0, DEFAULT_LIMIT));
    }

    #[test]
    fn sort_links_keep_the_filters() {
        let q =
            OverviewQuery { region: Some("North East".into()), as_of: Some("2020-03-31".into()), ..Default::default() };
        assert_eq!(q.filters().unwrap().query_with_sort(Sort::Name), "region=North+East&as_of=2020-03-31&sort=name");
    }

    #[test]
    fn a_code_with_a_space_and_a_slash_stays_one_path_segment() {
        assert_eq!(segment("E06000061 / E06000062"), "E06000061%20%2F%20E06000062");
        assert_eq!(encode("E06000061 / E06000062"), "E06000061+%2F+E06000062", "a query value");
        assert_eq!(segment("E08000017"), "E08000017");
    }
}
