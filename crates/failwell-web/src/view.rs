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
}
