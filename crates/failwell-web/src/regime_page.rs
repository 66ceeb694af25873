//! `GET /regime`: the regime failwell judges under, in words, for everyone: each sector's
//! ladders with their rungs (who applies them, on what legal basis, how they end, their
//! clocks), the trigger rules with their reasons, the actors and the failure types. It is
//! published: the rules by which organisations are judged should be readable by the
//! organisations judged.

use crate::AppState;
use crate::error::PageError;
use crate::pages::heads;
use crate::view::{Cell, long_date};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use failwell_domain::regime::{Regime, Validity};

/// One ladder, laid out.
pub(crate) struct LadderView {
    name: String,
    caption: String,
    head: Vec<Cell>,
    rows: Vec<Vec<Cell>>,
}

/// One sector with its ladders.
pub(crate) struct SectorView {
    id: String,
    name: String,
    description: String,
    ladders: Vec<LadderView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "regime.html")]
pub(crate) struct RegimePage {
    title: String,
    description: String,
    sectors: Vec<SectorView>,
    rules_head: Vec<Cell>,
    rules: Vec<Vec<Cell>>,
    actors_head: Vec<Cell>,
    actors: Vec<Vec<Cell>>,
    types_head: Vec<Cell>,
    types: Vec<Vec<Cell>>,
}

fn period(v: &Validity) -> String {
    match v.to {
        Some(to) => format!("from {} until {}", long_date(v.from), long_date(to)),
        None => format!("from {}", long_date(v.from)),
    }
}

fn actor_name(regime: &Regime, id: &str) -> String {
    regime.actors.iter().find(|a| a.id == id).map_or_else(|| id.to_string(), |a| a.name.clone())
}

/// `GET /regime`.
pub(crate) async fn page(State(state): State<AppState>) -> Result<RegimePage, PageError> {
    let regime = state.judge.regime();
    let sectors = regime
        .sectors
        .iter()
        .map(|s| SectorView {
            id: s.id.clone(),
            name: s.name.clone(),
            description: s.description.clone().unwrap_or_default(),
            ladders: regime
                .ladders
                .iter()
                .filter(|l| l.sector == s.id)
                .map(|l| LadderView {
                    name: l.name.clone(),
                    caption: format!(
                        "In force {}; interventions end on {} unless a rung says otherwise.",
                        period(&l.validity),
                        l.exit.as_str()
                    ),
                    head: heads(&["Level", "Rung", "Legal basis", "Applied by", "Ends on", "Clocks"]),
                    rows: l
                        .rungs
                        .iter()
                        .map(|r| {
                            let mut name = r.name.clone();
                            if let Some(d) = &r.description {
                                name = format!("{name}: {d}");
                            }
                            if let Some(n) = r.capacity_per_year {
                                name = format!("{name} (at most {n} a year)");
                            }
                            let clocks = if r.clocks.is_empty() {
                                "No deadlines".to_string()
                            } else {
                                r.clocks
                                    .iter()
                                    .map(|c| format!("{}: {}", c.name, c.in_words()))
                                    .collect::<Vec<_>>()
                                    .join(". ")
                            };
                            vec![
                                Cell::number(r.level),
                                Cell::text(name),
                                Cell::text(if r.statutory { "Statutory" } else { "By agreement" }),
                                Cell::text({
                                    // Two of the regime's actors may share a name (a department
                                    // renamed and renamed back): each name once.
                                    let mut names: Vec<String> = Vec::new();
                                    for n in r.applied_by.iter().map(|a| actor_name(regime, a)) {
                                        if !names.contains(&n) {
                                            names.push(n);
                                        }
                                    }
                                    names.join(", ")
                                }),
                                Cell::text(r.exit.as_str()),
                                Cell::text(clocks),
                            ]
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let rules = regime
        .trigger_rules
        .iter()
        .map(|t| {
            vec![
                Cell::text(t.rationale.clone()),
                Cell::text(format!("{} ({})", t.rung.replace('_', " "), t.ladder)),
                Cell::text(t.expression.clone()),
                Cell::text(period(&t.validity)),
            ]
        })
        .collect();
    let actors = regime
        .actors
        .iter()
        .map(|a| {
            vec![
                Cell::text(a.name.clone()),
                Cell::text(a.kind.as_str().replace('_', " ")),
                Cell::text(a.sectors.join(", ")),
                Cell::text(period(&a.validity)),
            ]
        })
        .collect();
    let types = regime
        .failure_types
        .iter()
        .map(|f| vec![Cell::text(f.name.clone()), Cell::text(f.description.clone())])
        .collect();
    Ok(RegimePage {
        title: format!("{} (version {})", regime.name, regime.version),
        description: regime.description.clone().unwrap_or_default(),
        sectors,
        rules_head: heads(&["When", "Recommends", "Rule as written", "In force"]),
        rules,
        actors_head: heads(&["Actor", "Kind", "Sectors", "In force"]),
        actors,
        types_head: heads(&["Failure type", "What it means"]),
        types,
    })
}
