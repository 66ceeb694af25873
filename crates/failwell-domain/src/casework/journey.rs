//! Spells in intervention and relapse: an organisation that leaves intervention and comes
//! back has relapsed. The report's turnarounds were judged on whether they lasted; the
//! yo-yo count keeps that question in view across a whole journey.

use time::Date;

/// One span of intervention from any source (a designation in the events, a case).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Span {
    /// First day.
    #[serde(serialize_with = "crate::dates::serialize_iso")]
    pub start: Date,
    /// Last day, if it has ended.
    #[serde(serialize_with = "crate::dates::serialize_iso_option")]
    pub end: Option<Date>,
    /// What it was, in words (for the journey).
    pub what: String,
    /// The kind of rung a designation in the record stands for (a notice, a direction,
    /// commissioners); `None` for a judgement or one of failwell's cases. Not serialised:
    /// the journey figure draws these as bars beside the cases' rungs.
    #[serde(skip)]
    pub designation: Option<crate::regime::RungKind>,
}

/// A spell in intervention: overlapping or touching spans joined.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Episode {
    /// First day.
    #[serde(serialize_with = "crate::dates::serialize_iso")]
    pub start: Date,
    /// Last day, if it has ended.
    #[serde(serialize_with = "crate::dates::serialize_iso_option")]
    pub end: Option<Date>,
    /// The spans it joins, in order of start.
    pub spans: Vec<Span>,
    /// True when an earlier episode ended before this one began: a relapse.
    pub relapse: bool,
}

/// Joins spans into episodes, oldest first, marking each that follows an exit as a
/// relapse. The yo-yo count is the number of relapses.
pub fn episodes(mut spans: Vec<Span>) -> Vec<Episode> {
    spans.sort_by_key(|s| (s.start, s.end.is_none(), s.end));
    let mut out: Vec<Episode> = Vec::new();
    for span in spans {
        if let Some(last) = out.last_mut().filter(|last| last.end.is_none_or(|end| span.start <= end)) {
            last.end = match (last.end, span.end) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            };
            last.spans.push(span);
            continue;
        }
        let relapse = !out.is_empty();
        out.push(Episode { start: span.start, end: span.end, spans: vec![span], relapse });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn span(start: Date, end: Option<Date>) -> Span {
        Span { start, end, what: "x".into(), designation: None }
    }

    #[test]
    fn overlapping_spans_are_one_episode_and_a_return_is_a_relapse() {
        let e = episodes(vec![
            span(date!(2019 - 06 - 04), Some(date!(2023 - 05 - 11))),
            span(date!(2011 - 03 - 15), Some(date!(2013 - 02 - 20))),
            span(date!(2009 - 01 - 01), Some(date!(2013 - 02 - 20))),
        ]);
        assert_eq!(e.len(), 2);
        assert_eq!(
            (e[0].start, e[0].end, e[0].spans.len(), e[0].relapse),
            (date!(2009 - 01 - 01), Some(date!(2013 - 02 - 20)), 2, false)
        );
        assert!(e[1].relapse);
        assert_eq!(e.iter().filter(|e| e.relapse).count(), 1);
    }

    #[test]
    fn an_open_span_keeps_the_episode_open() {
        let e =
            episodes(vec![span(date!(2020 - 01 - 01), None), span(date!(2024 - 01 - 01), Some(date!(2024 - 06 - 01)))]);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].end, None);
        assert!(episodes(Vec::new()).is_empty());
    }
}
