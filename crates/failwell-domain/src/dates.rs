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
