//! ISO dates, the only date form failwell reads and writes.

use time::{Date, format_description::BorrowedFormatItem, macros::format_description};

const ISO: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// Reads `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<Date, time::error::Parse> {
    Date::parse(s.trim(), ISO)
}

/// Writes `YYYY-MM-DD`.
pub fn iso(d: Date) -> String {
    d.format(ISO).expect("a date always formats")
}

/// Serialises a date as `YYYY-MM-DD` (`#[serde(serialize_with = "…")]`): the form every
/// JSON output of failwell uses for a day.
pub fn serialize_iso<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&iso(*d))
}

/// As [`serialize_iso`], for an optional date (`null` when absent).
pub fn serialize_iso_option<S: serde::Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&iso(*d)),
        None => s.serialize_none(),
    }
}

/// Reads an optional `YYYY-MM-DD` (`#[serde(deserialize_with = "…")]`), the counterpart of
/// [`serialize_iso_option`].
pub fn deserialize_iso_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    let s: Option<String> = serde::Deserialize::deserialize(d)?;
    s.map(|s| parse_date(&s).map_err(serde::de::Error::custom)).transpose()
}

/// Whether `day` is after the day after `today`, the one rule for "in the future" that
/// imports and casework share: `today` is UTC's, and a day's grace keeps a record made
/// just after midnight in a time zone ahead of UTC (where it is already tomorrow) on time.
#[must_use]
pub fn is_ahead_of(day: Date, today: Date) -> bool {
    day > today.next_day().unwrap_or(today)
}

/// `start` plus whole calendar months, the day kept where the month has it and the
/// month's last day otherwise (31 January plus one month is 28 or 29 February); `None`
/// past the calendar's end.
#[must_use]
pub fn add_months(start: Date, months: u32) -> Option<Date> {
    let index = i64::from(start.year()) * 12 + (start.month() as i64 - 1) + i64::from(months);
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = time::Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    let day = start.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).ok()
}
