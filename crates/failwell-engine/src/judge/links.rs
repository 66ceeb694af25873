//! When a registry link holds. The registry is taken as known now; a link's own dates
//! (`valid_from` inclusive, `valid_to` exclusive) say when it held.

use failwell_domain::Link;
use time::Date;

/// Whether `link` holds on `day`.
pub fn holds_on(link: &Link, day: Date) -> bool {
    link.valid_from.is_none_or(|f| f <= day) && link.valid_to.is_none_or(|t| day < t)
}

/// Whether `link` held on some day of `from..=to`.
pub fn holds_during(link: &Link, from: Date, to: Date) -> bool {
    link.valid_from.is_none_or(|f| f <= to) && link.valid_to.is_none_or(|t| from < t)
}
