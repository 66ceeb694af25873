//! Identifiers: external codes and slugs.
//!
//! Organisations are known by the codes their publishers use (GSS codes for councils,
//! ODS codes for NHS bodies, URNs for schools); indicators, sectors and types by slugs
//! of our own. Parsing them once, here, means a stray space or comma in a published file
//! is caught at import with its line and column instead of creating a second organisation.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A publisher's code for an organisation or group (e.g. `E08000017`, `RDD`, `100170`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Code(String);

/// A lowercase identifier of our own (e.g. `childrens_services`, `ae_4h_breach_rate`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

/// A code or slug that breaks its rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadId {
    /// Nothing was given.
    #[error("is empty")]
    Empty,
    /// Longer than the store keeps.
    #[error("{0:?} is longer than 64 characters")]
    TooLong(String),
    /// A character that codes never contain.
    #[error("{0:?} contains {1:?}; codes are letters, digits, spaces, '-', '_', '.' and '/'")]
    BadCharacter(String, char),
    /// A slug with something other than lowercase letters, digits and underscores.
    #[error("{0:?} is not a slug (lowercase letters, digits and '_', starting with a letter)")]
    NotSlug(String),
}

impl Code {
    /// Checks and wraps a code; surrounding spaces are trimmed.
    pub fn new(s: &str) -> Result<Code, BadId> {
        let t = s.trim();
        if t.is_empty() {
            return Err(BadId::Empty);
        }
        if t.len() > 64 {
            return Err(BadId::TooLong(t.into()));
        }
        if let Some(c) = t.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ' '))) {
            return Err(BadId::BadCharacter(t.into(), c));
        }
        Ok(Code(t.to_string()))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Slug {
    /// Checks and wraps a slug.
    pub fn new(s: &str) -> Result<Slug, BadId> {
        let t = s.trim();
        if t.is_empty() {
            return Err(BadId::Empty);
        }
        if t.len() > 64 {
            return Err(BadId::TooLong(t.into()));
        }
        let ok = t.starts_with(|c: char| c.is_ascii_lowercase())
            && t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok { Ok(Slug(t.to_string())) } else { Err(BadId::NotSlug(t.into())) }
    }

    /// Turns a label such as "Requires improvement" into `requires_improvement`.
    pub fn from_label(label: &str) -> Result<Slug, BadId> {
        let mut out = String::new();
        for c in label.trim().chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
        }
        Slug::new(out.trim_end_matches('_'))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! text_impls {
    ($t:ty) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl TryFrom<String> for $t {
            type Error = BadId;
            fn try_from(s: String) -> Result<Self, BadId> {
                <$t>::new(&s)
            }
        }
        impl From<$t> for String {
            fn from(c: $t) -> String {
                c.0
            }
        }
        impl std::str::FromStr for $t {
            type Err = BadId;
            fn from_str(s: &str) -> Result<Self, BadId> {
                <$t>::new(s)
            }
        }
    };
}
text_impls!(Code);
text_impls!(Slug);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(Code::new(" E08000017 ").unwrap().as_str(), "E08000017");
        assert!(matches!(Code::new("E08,17"), Err(BadId::BadCharacter(_, ','))));
        assert_eq!(Code::new("E06000061 / E06000062").unwrap().as_str(), "E06000061 / E06000062");
        assert!(matches!(Code::new(""), Err(BadId::Empty)));
    }

    #[test]
    fn slugs() {
        assert!(Slug::new("ae_4h").is_ok());
        assert!(Slug::new("AE").is_err());
        assert!(Slug::new("4h").is_err());
        assert_eq!(
            Slug::from_label("Requires improvement to be good").unwrap().as_str(),
            "requires_improvement_to_be_good"
        );
    }
}
