//! Small date arithmetic the engine needs; no clock anywhere.

use time::Date;

/// Whole calendar months from `from` to `to` (negative if `to` is earlier).
pub fn months_between(from: Date, to: Date) -> i64 {
    let mut m = (to.year() as i64 - from.year() as i64) * 12 + (to.month() as i64 - from.month() as i64);
    if to.day() < from.day() {
        m -= 1;
    }
    m
}

/// The date as ISO text.
pub fn iso(d: Date) -> String {
    failwell_domain::dates::iso(d)
}
