//! Closed sets of words used as values in regime files (actor kinds, rung kinds...).
//!
//! One trait lets the reader reject an unknown word with the full list of accepted ones.

/// A value drawn from a fixed list of codes.
pub(crate) trait Keyword: Sized + Copy + 'static {
    /// What the word names, for messages ("actor kind").
    const WHAT: &'static str;
    /// Every accepted value.
    const ALL: &'static [Self];
    /// The code written in files.
    fn code(self) -> &'static str;

    /// Finds the value written as `s`.
    fn from_code(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.code() == s)
    }

    /// The message for a word that is not in the list.
    fn unknown(s: &str) -> String {
        let expected: Vec<&str> = Self::ALL.iter().map(|k| k.code()).collect();
        format!("unknown {} {s:?} (expected one of {})", Self::WHAT, expected.join(", "))
    }
}
