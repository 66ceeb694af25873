//! Reporting periods.
//!
//! Publishers report for a calendar year, a financial/academic year (April–March), a
//! month or a single day ("at 31 March"). A period keeps its grain so that months are
//! never compared with years, and it has one canonical text form that sorts in time order
//! within a grain — which is what the store keys observations on.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::{Date, Month};

/// One reporting period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Period {
    /// A calendar year, written `2024`.
    Year(i32),
    /// The year from 1 April to 31 March, written `2023/24` (ends in the second year).
    FinancialYear(i32),
    /// A calendar month, written `2024-03`.
    Month(i32, u8),
    /// A single day, written `2024-03-31`.
    Day(Date),
}

/// A period that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a period (expected YYYY, YYYY/YY, YYYY-MM or YYYY-MM-DD)")]
pub struct BadPeriod(pub String);

impl BadPeriod {
    /// What a period looks like, for a message that names the value already.
    pub const EXPECTED: &'static str = "not a period (expected YYYY, YYYY/YY, YYYY-MM or YYYY-MM-DD)";
}

impl Period {
    /// The first day the period covers.
    pub fn start(self) -> Date {
        match self {
            Period::Year(y) => date(y, 1, 1),
            Period::FinancialYear(y) => date(y, 4, 1),
            Period::Month(y, m) => date(y, m, 1),
            Period::Day(d) => d,
        }
    }

    /// The last day the period covers: the earliest a figure for it could be known.
    pub fn end(self) -> Date {
        match self {
            Period::Year(y) => date(y, 12, 31),
            Period::FinancialYear(y) => date(y + 1, 3, 31),
            Period::Month(y, m) => {
                let month = Month::try_from(m).expect("validated month");
                Date::from_calendar_date(y, month, month.length(y)).expect("valid end of month")
            }
            Period::Day(d) => d,
        }
    }

    /// The period `n` steps of its own grain after this one (before it when `n` < 0):
    /// the next month of a month, the next year of a year. `None` beyond the years a
    /// period can name.
    pub fn offset(self, n: i32) -> Option<Period> {
        let p = match self {
            Period::Year(y) => Period::Year(y.checked_add(n)?),
            Period::FinancialYear(y) => Period::FinancialYear(y.checked_add(n)?),
            Period::Month(y, m) => {
                let index = (y as i64) * 12 + (m as i64 - 1) + n as i64;
                Period::Month(index.div_euclid(12) as i32, (index.rem_euclid(12) + 1) as u8)
            }
            Period::Day(d) => Period::Day(Date::from_julian_day(d.to_julian_day().checked_add(n)?).ok()?),
        };
        let year = match p {
            Period::Year(y) | Period::FinancialYear(y) | Period::Month(y, _) => y,
            Period::Day(d) => d.year(),
        };
        (1000..=9998).contains(&year).then_some(p)
    }

    /// A financial year named by the calendar year it ends in (DfE's "2024" is 2023/24).
    pub fn financial_year_ending(year: i32) -> Period {
        Period::FinancialYear(year - 1)
    }
}

fn date(y: i32, m: u8, d: u8) -> Date {
    Date::from_calendar_date(y, Month::try_from(m).expect("validated month"), d).expect("valid calendar date")
}

/// A period equals the text that is its canonical form (`Period::Month(2024, 3) == "2024-03"`),
/// so records and tests can name periods as publishers write them.
impl PartialEq<&str> for Period {
    fn eq(&self, other: &&str) -> bool {
        other.parse::<Period>().is_ok_and(|p| p == *self)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Year(y) => write!(f, "{y:04}"),
            Period::FinancialYear(y) => write!(f, "{y:04}/{:02}", (y + 1).rem_euclid(100)),
            Period::Month(y, m) => write!(f, "{y:04}-{m:02}"),
            Period::Day(d) => write!(f, "{}", crate::dates::iso(d)),
        }
    }
}

impl FromStr for Period {
    type Err = BadPeriod;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadPeriod(s.to_string());
        let t = s.trim();
        let number = |p: &str, len: usize| -> Result<i32, BadPeriod> {
            if p.len() == len && p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        // Four-digit years whose periods end inside the calendar `time` represents.
        let year = |p: &str| number(p, 4).and_then(|y| if (1000..=9998).contains(&y) { Ok(y) } else { Err(bad()) });
        if let Some((y, next)) = t.split_once('/') {
            let year = year(y)?;
            return if number(next, 2)? == (year + 1).rem_euclid(100) {
                Ok(Period::FinancialYear(year))
            } else {
                Err(bad())
            };
        }
        let parts: Vec<&str> = t.split('-').collect();
        match parts.as_slice() {
            [y] => Ok(Period::Year(year(y)?)),
            [y, m] => match (year(y)?, number(m, 2)?) {
                (year, month @ 1..=12) => Ok(Period::Month(year, month as u8)),
                _ => Err(bad()),
            },
            [_, _, _] => crate::dates::parse_date(t).map(Period::Day).map_err(|_| bad()),
            _ => Err(bad()),
        }
    }
}

impl TryFrom<String> for Period {
    type Error = BadPeriod;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms_round_trip() {
        for s in ["2024", "2023/24", "2024-03", "2024-03-31", "1999/00"] {
            assert_eq!(s.parse::<Period>().unwrap().to_string(), s, "{s}");
        }
    }

    #[test]
    fn bad_periods_are_refused() {
        for s in ["2024-13", "24", "2023/25", "2024-3", "2024-02-30", "", "9999/00", "0000", "0999-01"] {
            assert!(s.parse::<Period>().is_err(), "{s}");
        }
    }

    #[test]
    fn offsets_step_in_the_period_s_own_grain() {
        let p = |s: &str| s.parse::<Period>().unwrap();
        assert_eq!(p("2024-11").offset(3).unwrap().to_string(), "2025-02");
        assert_eq!(p("2024-01").offset(-1).unwrap().to_string(), "2023-12");
        assert_eq!(p("2023/24").offset(2).unwrap().to_string(), "2025/26");
        assert_eq!(p("1999/00").offset(1).unwrap().to_string(), "2000/01");
        assert_eq!(p("2024").offset(-24).unwrap().to_string(), "2000");
        assert_eq!(p("2024-02-28").offset(2).unwrap().to_string(), "2024-03-01");
        assert_eq!(p("9998-12").offset(1), None);
    }

    #[test]
    fn ends() {
        assert_eq!(Period::financial_year_ending(2024).end().to_string(), "2024-03-31");
        assert_eq!(Period::Month(2024, 2).end().to_string(), "2024-02-29");
        assert!(Period::Month(2024, 1) < Period::Month(2024, 2));
    }

    #[test]
    fn a_period_equals_only_its_canonical_text() {
        assert_eq!(Period::Month(2024, 3), "2024-03");
        assert_eq!(Period::FinancialYear(2023), "2023/24");
        assert_ne!(Period::Month(2024, 3), "2024-04");
        assert_ne!(Period::Year(2024), "2024-01");
        assert_ne!(Period::Year(2024), "not a period");
    }
}
