//! A small reader over toml's spanned document tree that reports every problem.
//!
//! serde's derive stops at the first error, and authors want all of them at once. This
//! reader checks one table at a time: unknown keys, missing keys and wrong types are each
//! recorded with the position of the offending key or value, and reading carries on.

use super::error::Sink;
use super::keyword::Keyword;
use super::ladder::{Period, PeriodUnit};
use super::pos::Positions;
use super::validity::Validity;
use crate::failure::FailureType;
use std::collections::BTreeMap;
use time::Date;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A spanned value from the toml parser.
pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// Reads the keys of one table, remembering where each value was.
pub(crate) struct Reader<'s, 'a, 'i> {
    sink: &'s Sink<'s>,
    table: &'a DeTable<'i>,
    what: &'static str,
    pos: Positions,
}

impl<'s, 'a, 'i> Reader<'s, 'a, 'i> {
    /// Starts reading `value` as a table describing a `what`, allowing only `keys`.
    ///
    /// Returns `None` (after recording an error) when the value is not a table.
    pub(crate) fn new(sink: &'s Sink<'s>, value: &'a Value<'i>, what: &'static str, keys: &[&str]) -> Option<Self> {
        let at = value.span().start;
        let Some(table) = value.get_ref().as_table() else {
            sink.error(at, format!("expected a table for {what}, found {}", value.get_ref().type_str()));
            return None;
        };
        for key in table.keys() {
            if !keys.contains(&key.get_ref().as_ref()) {
                sink.error(
                    key.span().start,
                    format!("unknown key {:?} in {what} (expected one of {})", key.get_ref(), keys.join(", ")),
                );
            }
        }
        Some(Self { sink, table, what, pos: Positions::new(at) })
    }

    /// The positions gathered so far.
    pub(crate) fn finish(self) -> Positions {
        self.pos
    }

    /// The error sink this reader reports to.
    pub(crate) fn sink(&self) -> &'s Sink<'s> {
        self.sink
    }

    /// The positions gathered so far, without ending the read.
    pub(crate) fn positions(&self) -> &Positions {
        &self.pos
    }

    /// Where the table itself starts.
    pub(crate) fn at(&self) -> usize {
        self.pos.item
    }

    /// The raw value of `key`, recording its position.
    pub(crate) fn raw(&mut self, key: &'static str) -> Option<&'a Value<'i>> {
        let v = self.table.get(key)?;
        self.pos.set_field(key, v.span().start);
        Some(v)
    }

    fn missing(&self, key: &str) {
        self.sink.error(self.pos.item, format!("missing key {key:?} in {}", self.what));
    }

    fn wrong_type(&self, key: &str, v: &Value<'_>, expected: &str) {
        self.sink.error(
            v.span().start,
            format!("{key:?} in {} must be {expected}, found {}", self.what, v.get_ref().type_str()),
        );
    }

    fn required<T>(&mut self, key: &'static str, found: Option<T>, present: bool) -> Option<T> {
        if !present {
            self.missing(key);
        }
        found
    }

    /// An optional string.
    pub(crate) fn opt_str(&mut self, key: &'static str) -> Option<String> {
        let v = self.raw(key)?;
        match v.get_ref().as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                self.wrong_type(key, v, "a string");
                None
            }
        }
    }

    /// A required, non-empty string.
    pub(crate) fn str(&mut self, key: &'static str) -> Option<String> {
        let present = self.table.contains_key(key);
        let s = self.opt_str(key);
        if let Some(s) = &s
            && s.trim().is_empty()
        {
            self.sink.error(self.pos.field(key), format!("{key:?} must not be empty"));
            return None;
        }
        self.required(key, s, present)
    }

    /// An optional integer.
    pub(crate) fn opt_int(&mut self, key: &'static str) -> Option<i64> {
        let v = self.raw(key)?;
        match v.get_ref().as_integer() {
            Some(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Some(n),
                Err(_) => {
                    self.sink.error(v.span().start, format!("{key:?} is out of range"));
                    None
                }
            },
            None => {
                self.wrong_type(key, v, "an integer");
                None
            }
        }
    }

    /// A required integer.
    pub(crate) fn int(&mut self, key: &'static str) -> Option<i64> {
        let present = self.table.contains_key(key);
        let n = self.opt_int(key);
        self.required(key, n, present)
    }

    /// A number (integer or float), required.
    pub(crate) fn number(&mut self, key: &'static str) -> Option<f64> {
        let Some(v) = self.raw(key) else {
            self.missing(key);
            return None;
        };
        number_of(self.sink, key, v)
    }

    /// A boolean with a default.
    pub(crate) fn bool_or(&mut self, key: &'static str, default: bool) -> bool {
        let Some(v) = self.raw(key) else {
            return default;
        };
        match v.get_ref().as_bool() {
            Some(b) => b,
            None => {
                self.wrong_type(key, v, "true or false");
                default
            }
        }
    }

    /// An optional date: a TOML local date (`2014-10-01`) or a string holding one.
    pub(crate) fn opt_date(&mut self, key: &'static str) -> Option<Date> {
        let v = self.raw(key)?;
        let parsed = match v.get_ref() {
            DeValue::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => time::Month::try_from(d.month)
                    .ok()
                    .and_then(|m| Date::from_calendar_date(d.year.into(), m, d.day).ok()),
                _ => None,
            },
            DeValue::String(s) => parse_iso_date(s),
            _ => None,
        };
        if parsed.is_none() {
            self.sink.error(v.span().start, format!("{key:?} must be a date written YYYY-MM-DD"));
        }
        parsed
    }

    /// A required date.
    pub(crate) fn date(&mut self, key: &'static str) -> Option<Date> {
        let present = self.table.contains_key(key);
        let d = self.opt_date(key);
        self.required(key, d, present)
    }

    /// `valid_from` (required) and `valid_to` (optional, exclusive), checked for order.
    pub(crate) fn validity(&mut self) -> Option<Validity> {
        let from = self.date("valid_from");
        self.finish_validity(from)
    }

    /// Like [`Reader::validity`], but missing dates are taken from the enclosing part.
    pub(crate) fn validity_within(&mut self, parent: Option<Validity>) -> Option<Validity> {
        let from = self.opt_date("valid_from").or(parent.map(|p| p.from));
        let v = self.finish_validity(from)?;
        Some(Validity { to: v.to.or(parent.and_then(|p| p.to)), ..v })
    }

    fn finish_validity(&mut self, from: Option<Date>) -> Option<Validity> {
        let to = self.opt_date("valid_to");
        let from = from?;
        if let Some(to) = to
            && to <= from
        {
            self.sink.error(self.pos.field("valid_to"), format!("valid_to {to} must be after valid_from {from}"));
            // Keep the part so that later checks (duplicates, references) still see it.
            return Some(Validity { from, to: None });
        }
        Some(Validity { from, to })
    }

    /// A word from a closed list, required.
    pub(crate) fn keyword<K: Keyword>(&mut self, key: &'static str) -> Option<K> {
        let present = self.table.contains_key(key);
        let k = self.opt_keyword(key);
        self.required(key, k, present)
    }

    /// A word from a closed list, optional.
    pub(crate) fn opt_keyword<K: Keyword>(&mut self, key: &'static str) -> Option<K> {
        let s = self.opt_str(key)?;
        let k = K::from_code(&s);
        if k.is_none() {
            self.sink.error(self.pos.field(key), K::unknown(&s));
        }
        k
    }

    /// One failure type, required.
    pub(crate) fn failure_type(&mut self, key: &'static str) -> Option<FailureType> {
        let present = self.table.contains_key(key);
        let s = self.opt_str(key);
        let ft = s.and_then(|s| match s.parse::<FailureType>() {
            Ok(ft) => Some(ft),
            Err(e) => {
                self.sink.error(self.pos.field(key), e.to_string());
                None
            }
        });
        self.required(key, ft, present)
    }

    /// An optional list of strings (empty when absent); element positions are kept.
    pub(crate) fn str_list(&mut self, key: &'static str) -> Vec<String> {
        let Some(v) = self.raw(key) else {
            return Vec::new();
        };
        let Some(items) = v.get_ref().as_array() else {
            self.wrong_type(key, v, "an array of strings");
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut at = Vec::new();
        for item in items.iter() {
            match item.get_ref().as_str() {
                Some(s) => {
                    out.push(s.to_string());
                    at.push(item.span().start);
                }
                None => self.wrong_type(key, item, "a string"),
            }
        }
        self.pos.set_elems(key, at);
        out
    }

    /// An optional list of failure types.
    pub(crate) fn failure_types(&mut self, key: &'static str) -> Vec<FailureType> {
        let words = self.str_list(key);
        let mut out = Vec::new();
        for (i, w) in words.iter().enumerate() {
            match w.parse::<FailureType>() {
                Ok(ft) => out.push(ft),
                Err(e) => self.sink.error(self.pos.elem(key, i), e.to_string()),
            }
        }
        out
    }

    /// The elements of an array of tables (`[[key]]`), empty when absent.
    pub(crate) fn tables(&mut self, key: &'static str) -> Vec<&'a Value<'i>> {
        let Some(v) = self.raw(key) else {
            return Vec::new();
        };
        match v.get_ref().as_array() {
            Some(items) => items.iter().collect(),
            None => {
                self.wrong_type(key, v, "an array of tables");
                Vec::new()
            }
        }
    }

    /// A period written as an inline table with one key, e.g. `{ months = 12 }`.
    pub(crate) fn opt_period(&mut self, key: &'static str) -> Option<Period> {
        let v = self.raw(key)?;
        let units: Vec<&str> = PeriodUnit::ALL.iter().map(|u| u.code()).collect();
        let mut r = Reader::new(self.sink, v, "period", &units)?;
        let mut found = Vec::new();
        for unit in PeriodUnit::ALL {
            if let Some(n) = r.opt_int(unit.code()) {
                found.push((*unit, n, r.pos.field(unit.code())));
            }
        }
        match found.as_slice() {
            [(unit, n, at)] => match u32::try_from(*n) {
                Ok(amount) if amount > 0 => Some(Period { amount, unit: *unit }),
                _ => {
                    self.sink.error(*at, format!("{key:?} must be a positive whole number"));
                    None
                }
            },
            _ => {
                self.sink.error(
                    v.span().start,
                    format!("{key:?} must give exactly one of {}, e.g. {{ months = 3 }}", units.join(", ")),
                );
                None
            }
        }
    }

    /// An optional table of named numbers (`{ name = 1.5, ... }`), empty when absent.
    pub(crate) fn number_map(&mut self, key: &'static str) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        let Some(v) = self.raw(key) else {
            return out;
        };
        let Some(t) = v.get_ref().as_table() else {
            self.wrong_type(key, v, "a table of numbers");
            return out;
        };
        for (k, v) in t.iter() {
            if let Some(n) = number_of(self.sink, k.get_ref(), v) {
                out.insert(k.get_ref().to_string(), n);
            }
        }
        out
    }

    /// The key/value pairs of an inline table of strings, with positions of each side.
    pub(crate) fn string_pairs(&mut self, key: &'static str) -> Vec<(String, usize, String, usize)> {
        let present = self.table.contains_key(key);
        let Some(v) = self.raw(key) else {
            self.required::<()>(key, None, present);
            return Vec::new();
        };
        let Some(t) = v.get_ref().as_table() else {
            self.wrong_type(key, v, "a table of strings");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, val) in t.iter() {
            match val.get_ref().as_str() {
                Some(s) => out.push((k.get_ref().to_string(), k.span().start, s.to_string(), val.span().start)),
                None => self.wrong_type(k.get_ref(), val, "a string"),
            }
        }
        out.sort_by_key(|p| p.1);
        out
    }
}

fn number_of(sink: &Sink<'_>, key: &str, v: &Value<'_>) -> Option<f64> {
    let n = match v.get_ref() {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok().map(|n| n as f64),
        DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if n.is_finite() => Some(n),
        _ => {
            sink.error(v.span().start, format!("{key:?} must be a finite number"));
            None
        }
    }
}

fn parse_iso_date(s: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &format).ok()
}
