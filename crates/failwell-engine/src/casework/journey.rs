//! An organisation's journey through intervention: every designation in its events,
//! every failing judgement and every case, its predecessors' included, joined into spells
//! (episodes); a spell that begins after an earlier one ended is a relapse, and the
//! yo-yo count is how many there were.
//!
//! A designation ends with its ending event where the data has one (a notice lifted,
//! commissioners withdrawn), or with the first judgement after it that is not failing if
//! that comes first: most notices in the data have no ending event, and a judgement no
//! longer failing is the usual exit in children's services (an ending event years later
//! belongs to a later designation). A judgement lifts only designations by actors of its
//! own sector, and a service transferred elsewhere ends only with its return.

use crate::judge::events::{AssumedEnds, acts_in_sector, designation};
use crate::judge::inspection::{is_self_assessment, oversight_sector, resolve_grade};
use failwell_domain::casework::{Episode, Span, episodes};
use failwell_domain::dates::{iso, parse_date};
use failwell_domain::regime::{Regime, RungKind};
use failwell_domain::{Event, Inspection, Link, LinkType, Organisation};
use failwell_store::{Store, StoreError, StoredIntervention};
use time::Date;

/// An organisation's spells in intervention and its relapses.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Journey {
    /// The organisation.
    pub organisation: String,
    /// Its predecessors whose history it carries, nearest first.
    pub predecessors: Vec<String>,
    /// The spells, oldest first.
    pub episodes: Vec<Episode>,
    /// How many spells followed an exit (the yo-yo count).
    pub relapses: usize,
}

/// The codes whose history `code` carries: itself, then its predecessors (and theirs).
pub fn lineage(code: &str, links: &[Link]) -> Vec<String> {
    let mut out = vec![code.to_string()];
    let mut i = 0;
    while i < out.len() {
        let current = out[i].clone();
        for l in links.iter().filter(|l| l.link_type == LinkType::PredecessorOf && l.to.as_str() == current) {
            if !out.iter().any(|c| c == l.from.as_str()) {
                out.push(l.from.to_string());
            }
        }
        i += 1;
    }
    out
}

/// The journey of `organisation` from the records of it and its predecessors (`codes`,
/// from [`lineage`]) and the cases covering any of them, as known on `today`.
pub fn journey(
    regime: &Regime,
    organisation: &Organisation,
    codes: &[String],
    inspections: &[Inspection],
    events: &[Event],
    cases: &[StoredIntervention],
    today: Date,
) -> Journey {
    let ours = |c: &str| codes.iter().any(|x| x == c);
    let mut ins: Vec<&Inspection> = inspections
        .iter()
        .filter(|i| ours(i.organisation.as_str()) && i.published_on <= today && !is_self_assessment(i))
        .collect();
    ins.sort_by_key(|i| i.published_on);
    let owned: Vec<Inspection> = ins.iter().map(|i| (*i).clone()).collect();
    let sector = oversight_sector(organisation.sector.as_str(), &owned);
    let judged: Vec<(Date, bool, String)> = ins
        .iter()
        .filter_map(|i| {
            let g = resolve_grade(regime, &sector, i)?;
            Some((i.published_on, g.is_failing(), format!("judged {} ({})", g.grade.label, i.framework)))
        })
        .collect();
    let next_sound = |after: Date| judged.iter().find(|(d, failing, _)| *d > after && !failing).map(|j| j.0);

    let mut spans = Vec::new();
    for (on, failing, what) in &judged {
        if *failing {
            spans.push(Span { start: *on, end: next_sound(*on), what: what.clone(), designation: None });
        }
    }
    let mut evs: Vec<&Event> =
        events.iter().filter(|e| ours(e.organisation.as_str()) && e.occurred_on <= today).collect();
    evs.sort_by_key(|e| (e.occurred_on, e.event_type));
    let assumed = AssumedEnds::of(regime, today);
    for (i, e) in evs.iter().enumerate() {
        let Some((kind, ends_with)) = designation(e.event_type) else { continue };
        let ended = evs[i + 1..]
            .iter()
            .find(|later| Some(later.event_type) == ends_with && later.organisation == e.organisation)
            .map(|later| later.occurred_on);
        // Whichever comes first: the ending event, or (except for a service moved
        // elsewhere) a judgement that is no longer failing.
        // A judgement lifts only what was applied in its own sector: a children's
        // services judgement does not end Best Value commissioners.
        let sound = if kind == RungKind::StructuralChange || !acts_in_sector(regime, &sector, e) {
            None
        } else {
            next_sound(e.occurred_on)
        };
        // Whichever comes first of those and the event's own end day.
        let end = [ended, sound, e.ended_on].into_iter().flatten().min();
        // With no ending in the record, the day the regime takes it to have ended (as the
        // scan does), once that day has passed.
        let taken = if end.is_none() { assumed.end(kind, e.occurred_on).filter(|d| *d <= today) } else { None };
        let open = match (end, taken) {
            (Some(_), _) => String::new(),
            (None, Some(d)) => format!(
                " (no ending in the record: taken to have ended by {} under the regime's {})",
                iso(d),
                crate::judge::events::DESIGNATION_WITHOUT_EXIT
            ),
            (None, None) => " (no ending in the record)".to_string(),
        };
        let end = end.or(taken);
        let what = format!("{}: {}{open}", e.event_type, e.title);
        spans.push(Span { start: e.occurred_on, end, what, designation: Some(kind) });
    }
    for c in cases.iter().filter(|c| c.organisations.iter().any(|o| ours(o))) {
        let (Ok(start), end) = (parse_date(&c.start_on), c.ended_on.as_deref().map(parse_date)) else { continue };
        if start > today {
            continue;
        }
        let end = end.and_then(Result::ok).filter(|d| *d <= today);
        let what = format!("intervention {} on {} (from {})", c.id, c.rung, iso(start));
        spans.push(Span { start, end, what, designation: None });
    }
    let episodes = episodes(spans);
    Journey {
        organisation: organisation.code.to_string(),
        predecessors: codes.iter().skip(1).cloned().collect(),
        relapses: episodes.iter().filter(|e| e.relapse).count(),
        episodes,
    }
}

/// Reads what [`journey`] needs from the store (the current record) and builds the
/// journey of organisation `code` as known on `today`; `None` for an unknown code.
///
/// # Errors
/// The store failing.
pub async fn read(
    store: &Store,
    regime: &Regime,
    code: &str,
    today: Date,
) -> Result<Option<(Organisation, Journey)>, StoreError> {
    let organisations: Vec<Organisation> = store.records_as_of("organisation", None).await?;
    let Some(org) = organisations.into_iter().find(|o| o.code.as_str() == code) else { return Ok(None) };
    let links: Vec<Link> = store.records_as_of("link", None).await?;
    let codes = lineage(code, &links);
    let inspections: Vec<Inspection> = store.records_as_of("inspection", None).await?;
    let events: Vec<Event> = store.records_as_of("event", None).await?;
    let mut cases = Vec::new();
    for c in &codes {
        cases.extend(store.interventions(Some(c)).await?);
    }
    cases.sort_by_key(|c| c.id);
    cases.dedup_by_key(|c| c.id);
    let j = journey(regime, &org, &codes, &inspections, &events, &cases, today);
    Ok(Some((org, j)))
}
