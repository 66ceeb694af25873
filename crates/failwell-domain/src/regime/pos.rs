//! Where each value of a parsed part came from in the source text.
//!
//! Cross-reference checks (an unknown actor, a duplicate id) run after the whole file is
//! read, yet must still point at the exact value at fault. Each part therefore keeps the
//! byte offsets of its fields. Offsets are private: they mean nothing without the source.

/// Byte offsets of a part's header and of each field read from it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Positions {
    /// The table header (or inline table) that introduced the part.
    pub(crate) item: usize,
    fields: Vec<(&'static str, usize)>,
    elems: Vec<(&'static str, Vec<usize>)>,
}

impl Positions {
    pub(crate) fn new(item: usize) -> Self {
        Self { item, ..Self::default() }
    }

    pub(crate) fn set_field(&mut self, name: &'static str, at: usize) {
        self.fields.push((name, at));
    }

    pub(crate) fn set_elems(&mut self, name: &'static str, at: Vec<usize>) {
        self.elems.push((name, at));
    }

    /// The value of `name`, or the part's header when the field was absent.
    pub(crate) fn field(&self, name: &str) -> usize {
        self.fields.iter().find(|(n, _)| *n == name).map_or(self.item, |(_, at)| *at)
    }

    /// The `i`-th element of the array `name`, falling back to the array itself.
    pub(crate) fn elem(&self, name: &str, i: usize) -> usize {
        self.elems
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.get(i).copied())
            .unwrap_or_else(|| self.field(name))
    }
}

/// Positions are bookkeeping, not meaning: two parts that say the same thing are equal
/// wherever they were written.
impl PartialEq for Positions {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Positions {}
