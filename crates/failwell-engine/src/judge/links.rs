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

/// One-to-one successions that hold by `day`: each organisation in `closed` with exactly
/// one `predecessor_of` link, to a successor that has no other predecessor, mapped to
/// that successor. Such a change keeps the area (a county council become a unitary
/// council with the county's area, a new code after a minor boundary change), so the
/// successor carries on its predecessor's journey; a split (Cumbria, Northamptonshire)
/// or a merger of several (Bournemouth, Poole and part of Dorset) does not, and the
/// predecessor's record stays its own.
pub fn heirs<'a>(
    links: &'a [Link],
    closed: &std::collections::BTreeSet<&str>,
    day: Date,
) -> std::collections::BTreeMap<&'a str, &'a str> {
    use std::collections::BTreeMap;
    let mut successors: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut predecessors: BTreeMap<&str, usize> = BTreeMap::new();
    for l in links.iter().filter(|l| l.link_type == failwell_domain::LinkType::PredecessorOf) {
        if l.valid_from.is_none_or(|f| f <= day) {
            successors.entry(l.from.as_str()).or_default().push(l.to.as_str());
            *predecessors.entry(l.to.as_str()).or_default() += 1;
        }
    }
    successors
        .into_iter()
        .filter(|(from, to)| closed.contains(from) && to.len() == 1 && predecessors.get(to[0]) == Some(&1))
        .map(|(from, to)| (from, to[0]))
        .filter(|(from, to)| from != to)
        .collect()
}

/// A predecessor's signal, carried over to its heir `to`: the signal names the heir, and
/// its key the heir's code in place of the predecessor's, so it is tracked with the
/// heir's own from scan to scan.
pub fn inherited(mut s: crate::judge::signal::Signal, to: &str) -> crate::judge::signal::Signal {
    if let Some(rest) = s.key.strip_prefix(s.organisation.as_str()).and_then(|r| r.strip_prefix('|')) {
        s.key = format!("{to}|{rest}");
    }
    s.organisation = to.to_string();
    s
}
