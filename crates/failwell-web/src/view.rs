//! Small view types the templates share (table cells, summary rows, select items) and
//! the wording helpers (band colours, ages).

use time::Date;

/// One cell of a GOV.UK table.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    /// Its text.
    pub text: String,
    /// A link, if the text is one.
    pub href: Option<String>,
    /// Tag classes, if the text is a coloured tag (the text always says what the colour does).
    pub tag: Option<&'static str>,
    /// Right-aligned number.
    pub numeric: bool,
    /// A row header (`<th scope="row">`).
    pub header: bool,
    /// For sortable column headers: `ascending`, `descending` or `none`.
    pub aria_sort: Option<&'static str>,
    /// Several coloured tags in one cell, each (classes, text), one a line; shown after
    /// `text` when both are given.
    pub tags: Vec<(&'static str, String)>,
}

impl Cell {
    /// Plain text.
    pub fn text(text: impl Into<String>) -> Cell {
        Cell { text: text.into(), ..Cell::default() }
    }

    /// A number, right-aligned.
    pub fn number(n: impl ToString) -> Cell {
        Cell { text: n.to_string(), numeric: true, ..Cell::default() }
    }

    /// A link.
    pub fn link(text: impl Into<String>, href: String) -> Cell {
        Cell { text: text.into(), href: Some(href), ..Cell::default() }
    }

    /// A band as a coloured tag.
    pub fn band(band: &str) -> Cell {
        Cell { text: band.to_string(), tag: Some(band_class(band)), ..Cell::default() }
    }

    /// The failure types whose band is above `low`, worst first, each as a tag saying its
    /// name and band; `none` when every one is low. One column instead of one a failure
    /// type keeps a national table within a screen's width, and most of its cells low.
    pub fn bands_of_concern<'a>(bands: impl IntoIterator<Item = (&'a str, &'a str)>) -> Cell {
        let rank = |b: &str| match b {
            "severe" => 0,
            "high" => 1,
            "moderate" => 2,
            _ => 3,
        };
        let mut concern: Vec<(&str, &str)> = bands.into_iter().filter(|(_, b)| rank(b) < 3).collect();
        concern.sort_by_key(|(_, b)| rank(b));
        if concern.is_empty() {
            return Cell::text("none");
        }
        Cell {
            tags: concern.into_iter().map(|(name, band)| (band_class(band), format!("{name}: {band}"))).collect(),
            ..Cell::default()
        }
    }
}

/// A row of a GOV.UK summary list.
#[derive(Debug, Clone)]
pub struct SummaryRow {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
    /// A link, if the value is one.
    pub href: Option<String>,
}

impl SummaryRow {
    /// A plain row.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> SummaryRow {
        SummaryRow { key: key.into(), value: value.into(), href: None }
    }
}

/// An option of a GOV.UK select.
#[derive(Debug, Clone)]
pub struct SelectItem {
    /// The value sent.
    pub value: String,
    /// The text shown.
    pub text: String,
    /// Chosen now.
    pub selected: bool,
    /// Not choosable.
    pub disabled: bool,
}

/// The options of a filter: "Any" then each value, the current one selected.
pub fn select_items(values: impl IntoIterator<Item = (String, String)>, current: Option<&str>) -> Vec<SelectItem> {
    let mut items =
        vec![SelectItem { value: String::new(), text: "Any".into(), selected: current.is_none(), disabled: false }];
    items.extend(values.into_iter().map(|(value, text)| SelectItem {
        selected: current == Some(value.as_str()),
        value,
        text,
        disabled: false,
    }));
    items
}

/// The GOV.UK tag colour of a band (its text is always shown too).
pub fn band_class(band: &str) -> &'static str {
    match band {
        "low" => "govuk-tag--green",
        "moderate" => "govuk-tag--yellow",
        "high" => "govuk-tag--orange",
        "severe" => "govuk-tag--red",
        _ => "govuk-tag--grey",
    }
}

/// How long before `now` `then` was, in words: "2 years 3 months", "5 months", "less than a month".
pub fn age(then: Date, now: Date) -> String {
    if then > now {
        return "in the future".into();
    }
    let mut months = (now.year() - then.year()) * 12 + (now.month() as i32 - then.month() as i32);
    if now.day() < then.day() {
        months -= 1;
    }
    let (years, months) = (months / 12, months % 12);
    let unit = |n: i32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match (years, months) {
        (0, 0) => "less than a month".into(),
        (0, m) => unit(m, "month", "months"),
        (y, 0) => unit(y, "year", "years"),
        (y, m) => format!("{} {}", unit(y, "year", "years"), unit(m, "month", "months")),
    }
}

/// A day as people write it: "31 March 2020".
pub fn long_date(d: Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn ages_read_as_people_say_them() {
        assert_eq!(age(date!(2020 - 01 - 24), date!(2022 - 04 - 30)), "2 years 3 months");
        assert_eq!(age(date!(2020 - 01 - 24), date!(2020 - 02 - 23)), "less than a month");
        assert_eq!(age(date!(2020 - 01 - 24), date!(2021 - 01 - 24)), "1 year");
        assert_eq!(age(date!(2020 - 01 - 24), date!(2020 - 06 - 30)), "5 months");
        assert_eq!(long_date(date!(2020 - 03 - 31)), "31 March 2020");
    }

    #[test]
    fn only_bands_above_low_are_listed_worst_first() {
        let c = Cell::bands_of_concern([
            ("Financial", "low"),
            ("Governance", "moderate"),
            ("Performance", "severe"),
            ("Policy", "high"),
        ]);
        let tags: Vec<&str> = c.tags.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(tags, ["Performance: severe", "Policy: high", "Governance: moderate"]);
        assert_eq!(c.tags[0].0, "govuk-tag--red");
        let none = Cell::bands_of_concern([("Financial", "low")]);
        assert!(none.tags.is_empty());
        assert_eq!(none.text, "none");
    }
}

/// The GOV.UK pagination component's links: previous, numbered pages (the first, the
/// last, and those next to the current one, with ellipses between), next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pagination {
    /// The previous page's address.
    pub previous: Option<String>,
    /// The next page's address.
    pub next: Option<String>,
    /// The numbered items.
    pub items: Vec<PageItem>,
}

/// One numbered page, or an ellipsis (`number` 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageItem {
    /// The page number (0 for an ellipsis).
    pub number: usize,
    /// Its address.
    pub href: String,
    /// The page shown.
    pub current: bool,
}

/// The pagination of page `current` of `pages` (`None` when there is only one page).
pub fn pagination(current: usize, pages: usize, href: impl Fn(usize) -> String) -> Option<Pagination> {
    if pages <= 1 {
        return None;
    }
    let mut items = Vec::new();
    let mut last = 0;
    for n in 1..=pages {
        if n == 1 || n == pages || n.abs_diff(current) <= 1 {
            if n > last + 1 {
                items.push(PageItem { number: 0, href: String::new(), current: false });
            }
            items.push(PageItem { number: n, href: href(n), current: n == current });
            last = n;
        }
    }
    Some(Pagination {
        previous: (current > 1).then(|| href(current - 1)),
        next: (current < pages).then(|| href(current + 1)),
        items,
    })
}

#[cfg(test)]
mod pagination_tests {
    use super::*;

    #[test]
    fn pages_next_to_the_current_one_and_the_ends_are_numbered() {
        let p = pagination(5, 9, |n| format!("?page={n}")).unwrap();
        let numbers: Vec<usize> = p.items.iter().map(|i| i.number).collect();
        assert_eq!(numbers, vec![1, 0, 4, 5, 6, 0, 9]);
        assert_eq!((p.previous.as_deref(), p.next.as_deref()), (Some("?page=4"), Some("?page=6")));
        assert!(p.items.iter().filter(|i| i.current).all(|i| i.number == 5));
        let first = pagination(1, 2, |n| n.to_string()).unwrap();
        assert_eq!((first.previous, first.next.as_deref()), (None, Some("2")));
        assert!(pagination(1, 1, |n| n.to_string()).is_none());
    }
}
