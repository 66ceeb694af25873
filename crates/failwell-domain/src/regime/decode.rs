//! Builds the model from the spanned TOML tree, one table at a time.
//!
//! Each function reads every key it knows before giving up on a part, so one bad part
//! yields all its errors; a part with a fatal error is left out and later checks simply
//! do not see it.

use super::error::Sink;
use super::ladder::{Clock, ClockRule, ClockStart, ExitPhilosophy, Ladder, Rung};
use super::learned::{LearnedScore, feature_meaning};
use super::model::{Actor, Definition, FailureTypeDef, Regime, Sector, SignalWeight, TriggerRule};
use super::reader::{Reader, Value};
use super::scale::{Crosswalk, Grade, GradeMapping, Scale};
use super::validity::Validity;

/// The top-level tables a regime file may contain.
const TOP: &[&str] = &[
    "regime",
    "failure_types",
    "sectors",
    "actors",
    "scales",
    "crosswalks",
    "ladders",
    "definitions",
    "trigger_rules",
    "signal_weights",
    "learned_scores",
];

/// Reads a whole document; `None` when the `[regime]` header is unusable.
pub(crate) fn regime(sink: &Sink<'_>, doc: &Value<'_>) -> Option<Regime> {
    let mut r = Reader::new(sink, doc, "the regime file", TOP)?;
    let header = match r.raw("regime") {
        Some(v) => {
            Reader::new(sink, v, "[regime]", &["id", "version", "name", "description", "valid_from", "valid_to"])
        }
        None => {
            sink.error(0, "missing table [regime] (id, version, name, valid_from)");
            None
        }
    };
    let failure_types = each(&mut r, "failure_types", |v| failure_type(sink, v));
    let sectors = each(&mut r, "sectors", |v| sector(sink, v));
    let actors = each(&mut r, "actors", |v| actor(sink, v));
    let scales = each(&mut r, "scales", |v| scale(sink, v));
    let crosswalks = each(&mut r, "crosswalks", |v| crosswalk(sink, v));
    let ladders = each(&mut r, "ladders", |v| ladder(sink, v));
    let definitions = each(&mut r, "definitions", |v| definition(sink, v));
    let trigger_rules = each(&mut r, "trigger_rules", |v| trigger_rule(sink, v));
    let signal_weights = each(&mut r, "signal_weights", |v| signal_weight(sink, v));
    let learned_scores = each(&mut r, "learned_scores", |v| learned_score(sink, v));

    let mut h = header?;
    let id = h.str("id");
    let version = h.str("version");
    let name = h.str("name");
    let description = h.opt_str("description");
    let validity = h.validity();
    Some(Regime {
        id: id?,
        version: version?,
        name: name?,
        description,
        validity: validity?,
        failure_types,
        sectors,
        actors,
        scales,
        crosswalks,
        ladders,
        definitions,
        trigger_rules,
        signal_weights,
        learned_scores,
        pos: h.finish(),
    })
}

/// Reads each element of `[[key]]`. An element that fails to decode but has a readable
/// `id` is remembered as declared, so references to it do not add "unknown" errors on top
/// of the real one.
fn each<'a, 'i, T>(
    r: &mut Reader<'_, 'a, 'i>,
    key: &'static str,
    mut read: impl FnMut(&'a Value<'i>) -> Option<T>,
) -> Vec<T> {
    let sink = r.sink();
    let mut out = Vec::new();
    for v in r.tables(key) {
        match read(v) {
            Some(t) => out.push(t),
            None => {
                if let Some(id) = v.get_ref().get("id").and_then(|id| id.get_ref().as_str()) {
                    sink.declare_broken(key, id);
                }
            }
        }
    }
    out
}

fn failure_type(sink: &Sink<'_>, v: &Value<'_>) -> Option<FailureTypeDef> {
    let mut r = Reader::new(sink, v, "failure type", &["id", "name", "description", "valid_from", "valid_to"])?;
    let ft = r.failure_type("id");
    let name = r.str("name");
    let description = r.str("description");
    let validity = r.validity();
    Some(FailureTypeDef {
        failure_type: ft?,
        name: name?,
        description: description?,
        validity: validity?,
        pos: r.finish(),
    })
}

fn sector(sink: &Sink<'_>, v: &Value<'_>) -> Option<Sector> {
    let mut r = Reader::new(sink, v, "sector", &["id", "name", "description", "valid_from", "valid_to"])?;
    let id = r.str("id");
    let name = r.str("name");
    let description = r.opt_str("description");
    let validity = r.validity();
    Some(Sector { id: id?, name: name?, description, validity: validity?, pos: r.finish() })
}

fn actor(sink: &Sink<'_>, v: &Value<'_>) -> Option<Actor> {
    let mut r = Reader::new(
        sink,
        v,
        "actor",
        &["id", "name", "kind", "sectors", "succeeds", "description", "valid_from", "valid_to"],
    )?;
    let id = r.str("id");
    let name = r.str("name");
    let kind = r.keyword("kind");
    let sectors = r.str_list("sectors");
    let succeeds = r.opt_str("succeeds");
    let description = r.opt_str("description");
    let validity = r.validity();
    Some(Actor {
        id: id?,
        name: name?,
        kind: kind?,
        sectors,
        succeeds,
        description,
        validity: validity?,
        pos: r.finish(),
    })
}

fn scale(sink: &Sink<'_>, v: &Value<'_>) -> Option<Scale> {
    let mut r = Reader::new(
        sink,
        v,
        "scale",
        &["id", "version", "name", "owner", "sectors", "areas", "description", "grades", "valid_from", "valid_to"],
    )?;
    let id = r.str("id");
    let version = r.str("version");
    let name = r.str("name");
    let owner = r.opt_str("owner");
    let sectors = r.str_list("sectors");
    let areas = r.str_list("areas");
    let description = r.opt_str("description");
    let raw_grades = r.tables("grades");
    if raw_grades.is_empty() {
        sink.error(r.at(), "a scale needs at least one [[scales.grades]]");
    }
    let grades: Vec<Grade> = raw_grades.into_iter().filter_map(|g| grade(sink, g)).collect();
    let validity = r.validity();
    Some(Scale {
        id: id?,
        version: version?,
        name: name?,
        owner,
        sectors,
        areas,
        description,
        grades,
        validity: validity?,
        pos: r.finish(),
    })
}

fn grade(sink: &Sink<'_>, v: &Value<'_>) -> Option<Grade> {
    let mut r = Reader::new(sink, v, "grade", &["code", "label", "aliases", "rank", "failing", "description"])?;
    let code = r.str("code");
    let label = r.str("label");
    let aliases = r.str_list("aliases");
    let rank = r.int("rank");
    let failing = r.bool_or("failing", false);
    let description = r.opt_str("description");
    Some(Grade { code: code?, label: label?, aliases, rank: rank?, failing, description, pos: r.finish() })
}

fn crosswalk(sink: &Sink<'_>, v: &Value<'_>) -> Option<Crosswalk> {
    let mut r = Reader::new(
        sink,
        v,
        "crosswalk",
        &["id", "scale", "from_version", "to_version", "rationale", "map", "valid_from", "valid_to"],
    )?;
    let id = r.str("id");
    let scale = r.str("scale");
    let from_version = r.str("from_version");
    let to_version = r.str("to_version");
    let rationale = r.opt_str("rationale");
    let map = r
        .string_pairs("map")
        .into_iter()
        .map(|(from, from_at, to, to_at)| GradeMapping { from, to, from_at, to_at })
        .collect();
    let validity = r.validity();
    Some(Crosswalk {
        id: id?,
        scale: scale?,
        from_version: from_version?,
        to_version: to_version?,
        rationale,
        map,
        validity: validity?,
        pos: r.finish(),
    })
}

fn ladder(sink: &Sink<'_>, v: &Value<'_>) -> Option<Ladder> {
    let mut r = Reader::new(
        sink,
        v,
        "ladder",
        &["id", "sector", "name", "exit", "description", "rungs", "valid_from", "valid_to"],
    )?;
    let id = r.str("id");
    let sector = r.str("sector");
    let name = r.str("name");
    let exit = r.keyword::<ExitPhilosophy>("exit");
    let description = r.opt_str("description");
    let validity = r.validity();
    let rungs = r.tables("rungs").into_iter().filter_map(|v| rung(sink, v, validity, exit)).collect();
    Some(Ladder {
        id: id?,
        sector: sector?,
        name: name?,
        exit: exit?,
        description,
        rungs,
        validity: validity?,
        pos: r.finish(),
    })
}

fn rung(sink: &Sink<'_>, v: &Value<'_>, parent: Option<Validity>, ladder_exit: Option<ExitPhilosophy>) -> Option<Rung> {
    let mut r = Reader::new(
        sink,
        v,
        "rung",
        &[
            "id",
            "name",
            "kind",
            "level",
            "applied_by",
            "statutory",
            "exit",
            "description",
            "clocks",
            "capacity_per_year",
            "valid_from",
            "valid_to",
        ],
    )?;
    let id = r.str("id");
    let name = r.str("name");
    let kind = r.keyword("kind");
    let capacity_per_year = r.opt_int("capacity_per_year");
    let level = r.int("level");
    let applied_by = r.str_list("applied_by");
    let statutory = r.bool_or("statutory", false);
    let exit = r.opt_keyword::<ExitPhilosophy>("exit").or(ladder_exit);
    let description = r.opt_str("description");
    let validity = r.validity_within(parent);
    let clocks = r.tables("clocks").into_iter().filter_map(|v| clock(sink, v, validity)).collect();
    Some(Rung {
        id: id?,
        name: name?,
        kind: kind?,
        level: level?,
        applied_by,
        statutory,
        exit: exit?,
        description,
        clocks,
        capacity_per_year,
        validity: validity?,
        pos: r.finish(),
    })
}

fn clock(sink: &Sink<'_>, v: &Value<'_>, parent: Option<Validity>) -> Option<Clock> {
    let mut r = Reader::new(
        sink,
        v,
        "clock",
        &[
            "id",
            "name",
            "within",
            "every",
            "from",
            "extendable_by",
            "max_extensions",
            "approximate",
            "description",
            "valid_from",
            "valid_to",
        ],
    )?;
    let id = r.str("id");
    let name = r.str("name");
    let within_given = r.raw("within").is_some();
    let every_given = r.raw("every").is_some();
    let within = r.opt_period("within");
    let every = r.opt_period("every");
    let rule = match (within, every, within_given, every_given) {
        (Some(p), None, _, false) => Some(ClockRule::Within(p)),
        (None, Some(p), false, _) => Some(ClockRule::Every(p)),
        (_, _, true, true) => {
            sink.error(r.at(), "a clock gives either \"within\" (once) or \"every\" (repeating), not both");
            None
        }
        (_, _, false, false) => {
            sink.error(r.at(), "a clock needs \"within\" (once) or \"every\" (repeating)");
            None
        }
        _ => None, // the period itself was bad and is already reported
    };
    let from = r.opt_keyword::<ClockStart>("from");
    let from_given = r.raw("from").is_some();
    let extendable_by = r.opt_period("extendable_by");
    let max_extensions = r.opt_int("max_extensions");
    let approximate = r.bool_or("approximate", false);
    let description = r.opt_str("description");
    let validity = r.validity_within(parent);
    let max_extensions = match (extendable_by, max_extensions) {
        (None, Some(_)) => {
            sink.error(r.positions().field("max_extensions"), "\"max_extensions\" needs \"extendable_by\"");
            None
        }
        (Some(_), None) => Some(1),
        (_, Some(n)) => match u32::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                sink.error(r.positions().field("max_extensions"), "\"max_extensions\" must not be negative");
                None
            }
        },
        (None, None) => Some(0),
    };
    let from = if from_given { from? } else { ClockStart::Entry };
    Some(Clock {
        id: id?,
        name: name?,
        rule: rule?,
        from,
        extendable_by,
        max_extensions: max_extensions?,
        approximate,
        description,
        validity: validity?,
        pos: r.finish(),
    })
}

fn definition(sink: &Sink<'_>, v: &Value<'_>) -> Option<Definition> {
    let mut r = Reader::new(
        sink,
        v,
        "definition",
        &["id", "version", "sector", "failure_types", "text", "thresholds", "valid_from", "valid_to"],
    )?;
    let id = r.str("id");
    let version = r.str("version");
    let sector = r.opt_str("sector");
    let failure_types = r.failure_types("failure_types");
    let text = r.str("text");
    let thresholds = r.number_map("thresholds");
    let validity = r.validity();
    Some(Definition {
        id: id?,
        version: version?,
        sector,
        failure_types,
        text: text?,
        thresholds,
        validity: validity?,
        pos: r.finish(),
    })
}

fn trigger_rule(sink: &Sink<'_>, v: &Value<'_>) -> Option<TriggerRule> {
    let mut r = Reader::new(
        sink,
        v,
        "trigger rule",
        &["id", "ladder", "rung", "expression", "rationale", "failure_types", "allow_jump", "valid_from", "valid_to"],
    )?;
    let id = r.str("id");
    let ladder = r.str("ladder");
    let rung = r.str("rung");
    let expression = r.str("expression");
    let rationale = r.str("rationale");
    let failure_types = r.failure_types("failure_types");
    let allow_jump = r.bool_or("allow_jump", false);
    let validity = r.validity();
    Some(TriggerRule {
        id: id?,
        ladder: ladder?,
        rung: rung?,
        expression: expression?,
        rationale: rationale?,
        failure_types,
        allow_jump,
        validity: validity?,
        pos: r.finish(),
    })
}

fn signal_weight(sink: &Sink<'_>, v: &Value<'_>) -> Option<SignalWeight> {
    let mut r = Reader::new(sink, v, "signal weight", &["failure_type", "signal", "weight", "valid_from", "valid_to"])?;
    let failure_type = r.failure_type("failure_type");
    let signal = r.str("signal");
    let weight = r.number("weight");
    if let Some(w) = weight
        && w < 0.0
    {
        sink.error(r.positions().field("weight"), "\"weight\" must not be negative");
    }
    let validity = r.validity();
    Some(SignalWeight {
        failure_type: failure_type?,
        signal: signal?,
        weight: weight.filter(|w| *w >= 0.0)?,
        validity: validity?,
        pos: r.finish(),
    })
}

fn learned_score(sink: &Sink<'_>, v: &Value<'_>) -> Option<LearnedScore> {
    let mut r = Reader::new(
        sink,
        v,
        "learned score",
        &[
            "id",
            "sector",
            "foretells",
            "description",
            "fitted_from",
            "fitted_to",
            "failing_cases",
            "sound_cases",
            "penalty",
            "intercept",
            "threshold",
            "weights",
        ],
    )?;
    let id = r.str("id");
    let sector = r.str("sector");
    let foretells = r.str("foretells");
    let description = r.opt_str("description");
    let fitted_from = r.date("fitted_from");
    let fitted_to = r.date("fitted_to");
    let failing_cases = r.int("failing_cases");
    let sound_cases = r.int("sound_cases");
    let penalty = r.number("penalty");
    let intercept = r.number("intercept");
    let threshold = r.raw("threshold").is_some().then(|| r.number("threshold")).flatten();
    let weights = r.number_map("weights");
    let at = |key: &'static str| r.positions().field(key);
    if let (Some(from), Some(to)) = (fitted_from, fitted_to)
        && from > to
    {
        sink.error(at("fitted_to"), format!("\"fitted_to\" ({to}) is before \"fitted_from\" ({from})"));
    }
    for key in ["failing_cases", "sound_cases"] {
        let n = if key == "failing_cases" { failing_cases } else { sound_cases };
        if n.is_some_and(|n| n < 0) {
            sink.error(at(key), format!("{key:?} must not be negative"));
        }
    }
    if penalty.is_some_and(|p| !(p >= 0.0 && p.is_finite())) {
        sink.error(at("penalty"), "\"penalty\" must be a finite number, 0 or more");
    }
    if intercept.is_some_and(|i| !i.is_finite()) {
        sink.error(at("intercept"), "\"intercept\" must be finite");
    }
    if let Some(t) = threshold
        && !(0.0..=1.0).contains(&t)
    {
        sink.error(at("threshold"), format!("\"threshold\" is a probability, between 0 and 1, not {t}"));
    }
    if weights.is_empty() {
        sink.error(
            at("weights").max(r.at()),
            "a learned score needs \"weights\": { feature = log odds per unit, ... }",
        );
    }
    for (feature, w) in &weights {
        if feature_meaning(feature).is_none() {
            sink.error(
                at("weights"),
                format!(
                    "unknown feature {feature:?} in \"weights\": a feature is one of {} or \"level:<indicator code>\"",
                    super::learned::FIXED_FEATURES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ),
            );
        } else if !w.is_finite() {
            sink.error(at("weights"), format!("the weight of {feature:?} must be finite"));
        }
    }
    Some(LearnedScore {
        id: id?,
        sector: sector?,
        foretells: foretells?,
        description,
        fitted_from: fitted_from?,
        fitted_to: fitted_to?,
        failing_cases: failing_cases?,
        sound_cases: sound_cases?,
        penalty: penalty?,
        intercept: intercept?,
        threshold,
        weights: weights.into_iter().collect(),
        pos: r.finish(),
    })
}
