//! Checks that need the whole file: unique ids, references that resolve, ladders that
//! climb, scales that can fail, and versions that do not overlap.
//!
//! Runs after decoding, so parts that failed to decode are simply absent; every problem
//! found is recorded at the value responsible for it.

use super::error::Sink;
use super::model::Regime;
use super::scale::Scale;
use super::validity::Validity;
use std::collections::HashMap;

/// Runs every whole-file check.
pub(crate) fn regime(sink: &Sink<'_>, r: &Regime) {
    ids(sink, r);
    references(sink, r);
    for scale in &r.scales {
        scale_grades(sink, scale);
    }
    for ladder in &r.ladders {
        let mut previous: Option<(i64, usize)> = None;
        for rung in &ladder.rungs {
            let at = rung.pos.field("level");
            if let Some((level, line_at)) = previous
                && rung.level <= level
            {
                sink.error(
                    at,
                    format!(
                        "rung {:?} has level {}, not above level {} of the rung at line {}: \
                         a ladder lists its rungs lightest first with strictly increasing levels",
                        rung.id,
                        rung.level,
                        level,
                        sink.line_of(line_at)
                    ),
                );
            }
            previous = Some((rung.level, at));
            if let Some(capacity) = rung.capacity_per_year {
                let at = rung.pos.field("capacity_per_year");
                if capacity < 1 {
                    sink.error(
                        at,
                        format!("rung {:?} has capacity_per_year {capacity}: it must be at least 1", rung.id),
                    );
                } else if rung.statutory {
                    sink.error(
                        at,
                        format!(
                            "rung {:?} is statutory and has a capacity_per_year: a statutory trigger is never rationed",
                            rung.id
                        ),
                    );
                }
            }
        }
    }
    crosswalks(sink, r);
    overlaps(sink, r);
}

/// Reports every id seen before in its group, pointing back at the first.
fn unique(sink: &Sink<'_>, what: &str, items: impl IntoIterator<Item = (String, usize)>) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (id, at) in items {
        if let Some(first) = seen.get(&id) {
            sink.error(at, format!("duplicate {what} {id:?} (first defined at line {})", sink.line_of(*first)));
        } else {
            seen.insert(id, at);
        }
    }
}

fn ids(sink: &Sink<'_>, r: &Regime) {
    let id = |s: &String, at: usize| (s.clone(), at);
    unique(sink, "sector id", r.sectors.iter().map(|s| id(&s.id, s.pos.field("id"))));
    unique(sink, "actor id", r.actors.iter().map(|a| id(&a.id, a.pos.field("id"))));
    unique(sink, "scale version", r.scales.iter().map(|s| (format!("{} {}", s.id, s.version), s.pos.field("version"))));
    unique(sink, "crosswalk id", r.crosswalks.iter().map(|c| id(&c.id, c.pos.field("id"))));
    unique(sink, "ladder id", r.ladders.iter().map(|l| id(&l.id, l.pos.field("id"))));
    unique(
        sink,
        "definition version",
        r.definitions.iter().map(|d| (format!("{} {}", d.id, d.version), d.pos.field("version"))),
    );
    unique(sink, "trigger rule id", r.trigger_rules.iter().map(|t| id(&t.id, t.pos.field("id"))));
    unique(sink, "learned score id", r.learned_scores.iter().map(|l| id(&l.id, l.pos.field("id"))));
    unique(sink, "learned score of sector", r.learned_scores.iter().map(|l| (l.sector.clone(), l.pos.field("sector"))));
    for scale in &r.scales {
        unique(sink, "grade code", scale.grades.iter().map(|g| id(&g.code, g.pos.field("code"))));
    }
    for ladder in &r.ladders {
        unique(sink, "rung id", ladder.rungs.iter().map(|g| id(&g.id, g.pos.field("id"))));
        for rung in &ladder.rungs {
            unique(sink, "clock id", rung.clocks.iter().map(|c| id(&c.id, c.pos.field("id"))));
        }
    }
}

fn references(sink: &Sink<'_>, r: &Regime) {
    let sector = |name: &str, at: usize| {
        if r.sector(name).is_none() && !sink.is_broken("sectors", name) {
            sink.error(at, format!("unknown sector {name:?}"));
        }
    };
    let actor = |name: &str, at: usize| {
        if r.actor(name).is_none() && !sink.is_broken("actors", name) {
            sink.error(at, format!("unknown actor {name:?}"));
        }
    };
    for a in &r.actors {
        for (i, s) in a.sectors.iter().enumerate() {
            sector(s, a.pos.elem("sectors", i));
        }
        if let Some(prev) = &a.succeeds {
            actor(prev, a.pos.field("succeeds"));
        }
    }
    for s in &r.scales {
        for (i, sec) in s.sectors.iter().enumerate() {
            sector(sec, s.pos.elem("sectors", i));
        }
        if let Some(owner) = &s.owner {
            actor(owner, s.pos.field("owner"));
        }
    }
    for l in &r.ladders {
        sector(&l.sector, l.pos.field("sector"));
        for rung in &l.rungs {
            for (i, a) in rung.applied_by.iter().enumerate() {
                let at = rung.pos.elem("applied_by", i);
                match r.actor(a) {
                    None => actor(a, at),
                    Some(found) if !found.validity.overlaps(&rung.validity) => sink.error(
                        at,
                        format!(
                            "actor {a:?} ({}) never exists while rung {:?} applies ({})",
                            span_words(&found.validity),
                            rung.id,
                            span_words(&rung.validity)
                        ),
                    ),
                    Some(_) => {}
                }
            }
        }
    }
    for d in &r.definitions {
        if let Some(s) = &d.sector {
            sector(s, d.pos.field("sector"));
        }
    }
    for l in &r.learned_scores {
        sector(&l.sector, l.pos.field("sector"));
    }
    for t in &r.trigger_rules {
        match r.ladders.iter().find(|l| l.id == t.ladder) {
            None if sink.is_broken("ladders", &t.ladder) => {}
            None => sink.error(t.pos.field("ladder"), format!("unknown ladder {:?}", t.ladder)),
            Some(l) if l.rung(&t.rung).is_none() => {
                sink.error(t.pos.field("rung"), format!("ladder {:?} has no rung {:?}", l.id, t.rung))
            }
            Some(_) => {}
        }
    }
}

fn scale_grades(sink: &Sink<'_>, scale: &Scale) {
    if !scale.grades.is_empty() && !scale.grades.iter().any(|g| g.failing) {
        sink.error(
            scale.pos.item,
            format!(
                "scale {:?} version {:?} has no failing grade: mark at least one grade `failing = true`",
                scale.id, scale.version
            ),
        );
    }
    let mut ranks: HashMap<i64, usize> = HashMap::new();
    let mut previous: Option<i64> = None;
    for g in &scale.grades {
        let at = g.pos.field("rank");
        if let Some(first) = ranks.get(&g.rank) {
            sink.error(
                at,
                format!(
                    "duplicate rank {} in scale {:?} version {:?} (first used at line {})",
                    g.rank,
                    scale.id,
                    scale.version,
                    sink.line_of(*first)
                ),
            );
        } else {
            if let Some(p) = previous
                && g.rank < p
            {
                sink.error(
                    at,
                    format!(
                        "grade {:?} has rank {} after a grade of rank {}: list grades best first \
                         (rank 1 is best)",
                        g.code, g.rank, p
                    ),
                );
            }
            ranks.insert(g.rank, at);
        }
        previous = Some(previous.map_or(g.rank, |p| p.max(g.rank)));
        // An alias that is another grade's code or alias would make a grade ambiguous.
        for (i, alias) in g.aliases.iter().enumerate() {
            let clash = scale
                .grades
                .iter()
                .find(|o| o.code == *alias || (!std::ptr::eq(*o, g) && o.aliases.iter().any(|a| a == alias)));
            if let Some(o) = clash {
                sink.error(
                    g.pos.elem("aliases", i),
                    format!(
                        "alias {alias:?} of grade {:?} is already grade {:?}'s code or alias in scale {:?} version {:?}",
                        g.code, o.code, scale.id, scale.version
                    ),
                );
            }
        }
    }
}

fn crosswalks(sink: &Sink<'_>, r: &Regime) {
    for c in &r.crosswalks {
        let from = r.scale(&c.scale, &c.from_version);
        let to = r.scale(&c.scale, &c.to_version);
        if (from.is_none() || to.is_none()) && sink.is_broken("scales", &c.scale) {
            continue; // a version failed to decode and was reported already
        }
        if !r.scales.iter().any(|s| s.id == c.scale) {
            if !sink.is_broken("scales", &c.scale) {
                sink.error(c.pos.field("scale"), format!("unknown scale {:?}", c.scale));
            }
            continue;
        }
        if from.is_none() {
            sink.error(c.pos.field("from_version"), format!("scale {:?} has no version {:?}", c.scale, c.from_version));
        }
        if to.is_none() {
            sink.error(c.pos.field("to_version"), format!("scale {:?} has no version {:?}", c.scale, c.to_version));
        }
        if c.from_version == c.to_version {
            sink.error(c.pos.field("to_version"), "a crosswalk joins two different versions of a scale");
        }
        for m in &c.map {
            if let Some(s) = from
                && s.grade(&m.from).is_none()
            {
                sink.error(m.from_at, format!("version {:?} of scale {:?} has no grade {:?}", s.version, s.id, m.from));
            }
            if let Some(s) = to
                && s.grade(&m.to).is_none()
            {
                sink.error(m.to_at, format!("version {:?} of scale {:?} has no grade {:?}", s.version, s.id, m.to));
            }
        }
    }
}

/// One dated item in a group whose versions must not overlap.
struct Dated {
    group: String,
    label: String,
    validity: Validity,
    at: usize,
}

fn no_overlap(sink: &Sink<'_>, what: &str, items: Vec<Dated>) {
    for (i, b) in items.iter().enumerate() {
        if let Some(a) = items[..i].iter().find(|a| a.group == b.group && a.validity.overlaps(&b.validity)) {
            sink.error(
                b.at,
                format!(
                    "{what} {} overlaps {} (line {}) in time: versions must not overlap \
                     (valid_to is exclusive, so one may end the day the next begins)",
                    b.label,
                    a.label,
                    sink.line_of(a.at)
                ),
            );
        }
    }
}

fn overlaps(sink: &Sink<'_>, r: &Regime) {
    no_overlap(
        sink,
        "scale",
        r.scales
            .iter()
            .map(|s| Dated {
                group: s.id.clone(),
                label: format!("{:?} version {:?}", s.id, s.version),
                validity: s.validity,
                at: s.pos.field("valid_from"),
            })
            .collect(),
    );
    no_overlap(
        sink,
        "ladder",
        r.ladders
            .iter()
            .map(|l| Dated {
                group: l.sector.clone(),
                label: format!("{:?} for sector {:?}", l.id, l.sector),
                validity: l.validity,
                at: l.pos.field("valid_from"),
            })
            .collect(),
    );
    no_overlap(
        sink,
        "definition",
        r.definitions
            .iter()
            .map(|d| Dated {
                group: d.id.clone(),
                label: format!("{:?} version {:?}", d.id, d.version),
                validity: d.validity,
                at: d.pos.field("valid_from"),
            })
            .collect(),
    );
    no_overlap(
        sink,
        "failure type wording",
        r.failure_types
            .iter()
            .map(|f| Dated {
                group: f.failure_type.code().to_string(),
                label: format!("{:?}", f.failure_type.code()),
                validity: f.validity,
                at: f.pos.field("id"),
            })
            .collect(),
    );
    no_overlap(
        sink,
        "signal weight",
        r.signal_weights
            .iter()
            .map(|w| Dated {
                group: format!("{} {}", w.failure_type, w.signal),
                label: format!("{:?} for {:?}", w.signal, w.failure_type.code()),
                validity: w.validity,
                at: w.pos.field("signal"),
            })
            .collect(),
    );
}

/// "from 2014-10-01" or "2013-07-16 to 2021-07-01", for messages.
fn span_words(v: &Validity) -> String {
    match v.to {
        Some(to) => format!("{} to {to}", v.from),
        None => format!("from {}", v.from),
    }
}
