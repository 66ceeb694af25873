//! The dates between which a part of a regime holds.
//!
//! What counts as failure moves (after Mid Staffordshire, after Rotherham), so every
//! definition is dated. Ranges are half-open: `valid_to` is the first day on which the
//! part no longer holds, so one version can end on the day the next begins.

use time::Date;

/// A half-open date range `[from, to)`; `to = None` means "still in force".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Validity {
    /// The first day on which the part holds.
    pub from: Date,
    /// The first day on which it no longer holds, if it has ended.
    pub to: Option<Date>,
}

impl Validity {
    /// True when the part holds on `date`.
    pub fn contains(&self, date: Date) -> bool {
        date >= self.from && self.to.is_none_or(|to| date < to)
    }

    /// True when the two ranges share at least one day.
    pub fn overlaps(&self, other: &Validity) -> bool {
        let starts_before_other_ends = other.to.is_none_or(|to| self.from < to);
        let other_starts_before_self_ends = self.to.is_none_or(|to| other.from < to);
        starts_before_other_ends && other_starts_before_self_ends
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn touching_ranges_do_not_overlap() {
        let a = Validity { from: date!(2005 - 09 - 01), to: Some(date!(2012 - 09 - 01)) };
        let b = Validity { from: date!(2012 - 09 - 01), to: None };
        assert!(!a.overlaps(&b));
        assert!(!b.overlaps(&a));
        assert!(a.contains(date!(2012 - 08 - 31)));
        assert!(!a.contains(date!(2012 - 09 - 01)));
        assert!(b.contains(date!(2012 - 09 - 01)));
        let c = Validity { from: date!(2012 - 08 - 31), to: None };
        assert!(a.overlaps(&c) && c.overlaps(&a));
    }
}
