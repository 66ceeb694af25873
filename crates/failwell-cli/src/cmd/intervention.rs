//! `failwell intervention …`: casework on the ladder. Open an intervention (from an
//! accepted recommendation or on its own), step it up or down, record obligations met,
//! close it with its lessons, and read cases, what falls due, journeys and the audit log.
//! Every move is checked by the engine's casework rules; a refusal says why, writes
//! nothing, and is itself recorded in the audit log.

use crate::cmd::scan::{ScanFormat, load_regime, parse_date, today_or};
use crate::output::outln;
use failwell_domain::Code;
use failwell_domain::casework::{CaseActor, CaseRole, DueStatus, Lessons, NewIntervention, NewStep};
use failwell_domain::dates::iso;
use failwell_engine::casework::{self, journey};
use failwell_store::{Store, StoredIntervention};
use std::path::PathBuf;
use std::process::ExitCode;
use time::Date;

/// The casework commands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum InterventionCommand {
    /// Open an intervention on a rung of the sector's ladder; its rung's clocks become dated obligations.
    Open(OpenArgs),
    /// Move an open intervention up or down the ladder (a jump of more than one rung needs --jump-reason).
    Step(StepArgs),
    /// Record an obligation met.
    Meet(MeetArgs),
    /// Extend an obligation's deadline, as far as the regime's clock allows (e.g. a re-inspection extendable once by 6 months).
    Extend {
        /// The intervention.
        id: i64,
        /// The obligation's id (see `failwell intervention show`).
        #[arg(long)]
        obligation: i64,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Who records it.
        #[arg(long = "by")]
        by: String,
        /// The regime (TOML); default: the built-in England regime.
        #[arg(long)]
        regime: Option<PathBuf>,
    },
    /// Add a person to an open intervention (a board member joining, a commissioner appointed later).
    AddPerson {
        /// The intervention.
        id: i64,
        /// The person: `NAME:ROLE:POWER[:EMAIL]` (roles and powers as for `open --actor`).
        person: CaseActor,
        /// The day they join the case [default: today]; a review or board pack of an earlier day leaves them out.
        #[arg(long, value_parser = parse_date)]
        from: Option<Date>,
        /// Who records it.
        #[arg(long = "by")]
        by: String,
    },
    /// Record that a person left an intervention: from that day they are not on it.
    RemovePerson {
        /// The intervention.
        id: i64,
        /// Their name, as the case records it.
        #[arg(long)]
        name: String,
        /// Their role on the case (as for `open --actor`).
        #[arg(long)]
        role: CaseRole,
        /// The day they left [default: today]; a review or board pack of an earlier day still lists them.
        #[arg(long, value_parser = parse_date)]
        on: Option<Date>,
        /// Who records it.
        #[arg(long = "by")]
        by: String,
    },
    /// Close an intervention, with its lessons.
    Close(CloseArgs),
    /// List interventions (all, or one organisation's).
    List(ListArgs),
    /// Show one intervention: people, steps, obligations and where each stands today.
    Show(ShowArgs),
    /// What falls due across open interventions: overdue, due today, due soon.
    Due(DueArgs),
    /// An organisation's journey: spells in intervention (its predecessors' included) and its relapses.
    Journey(JourneyArgs),
    /// The audit log of casework moves, done and refused, newest first.
    Audit(AuditArgs),
    /// The lessons of every closed intervention, newest first.
    Lessons {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
        format: ScanFormat,
    },
}

/// Options of `failwell intervention open`.
#[derive(Debug, Clone, clap::Args)]
pub struct OpenArgs {
    /// An organisation it covers (repeat for a shared case: a place, a health economy, a chain).
    #[arg(long = "organisation", required = true)]
    pub organisations: Vec<String>,
    /// The sector whose ladder it is on (e.g. childrens_services).
    #[arg(long)]
    pub sector: String,
    /// The rung: an id of the sector's ladder in `regimes/england.toml` (or the --regime file).
    #[arg(long)]
    pub rung: String,
    /// The regime actor applying it (one the rung names).
    #[arg(long = "applied-by")]
    pub applied_by: String,
    /// Start day (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    pub start: Date,
    /// Planned end day.
    #[arg(long = "planned-end", value_parser = parse_date)]
    pub planned_end: Option<Date>,
    /// The day the triggering report was published (clocks "from report" run from it).
    #[arg(long = "report-published", value_parser = parse_date)]
    pub report_published: Option<Date>,
    /// A person taking part: `NAME:ROLE:POWER[:EMAIL]` (roles: lead_commissioner, improvement_director, executive_head, board_chair, board_member, partner, peer_reviewer, department_observer, case_lead; powers: monitor, advise, direct, replace).
    #[arg(long = "actor")]
    pub actors: Vec<CaseActor>,
    /// Why it opens.
    #[arg(long)]
    pub reason: String,
    /// Who records it.
    #[arg(long = "by")]
    pub by: String,
    /// The accepted decision on a scan's recommendation that it answers (`failwell decisions`).
    #[arg(long)]
    pub decision: Option<i64>,
    /// The regime (TOML); default: the built-in England regime.
    #[arg(long)]
    pub regime: Option<PathBuf>,
}

/// Options of `failwell intervention step`.
#[derive(Debug, Clone, clap::Args)]
pub struct StepArgs {
    /// The intervention.
    pub id: i64,
    /// The rung to move to.
    #[arg(long)]
    pub to: String,
    /// The regime actor taking the step (one the new rung names).
    #[arg(long = "taken-by")]
    pub taken_by: String,
    /// The day.
    #[arg(long, value_parser = parse_date)]
    pub on: Date,
    /// Why.
    #[arg(long)]
    pub reason: String,
    /// Why a step of more than one rung is needed.
    #[arg(long = "jump-reason")]
    pub jump_reason: Option<String>,
    /// The person on the case taking the step, when one of its people does (a lead
    /// commissioner, say): the case must name them with the power to direct or replace.
    #[arg(long)]
    pub person: Option<String>,
    /// Who records it.
    #[arg(long = "by")]
    pub by: String,
    /// The regime (TOML); default: the built-in England regime.
    #[arg(long)]
    pub regime: Option<PathBuf>,
}

/// Options of `failwell intervention meet`.
#[derive(Debug, Clone, clap::Args)]
pub struct MeetArgs {
    /// The intervention.
    pub id: i64,
    /// The obligation's id (see `failwell intervention show`).
    #[arg(long)]
    pub obligation: i64,
    /// The day it was met.
    #[arg(long, value_parser = parse_date)]
    pub on: Date,
    /// Who records it.
    #[arg(long = "by")]
    pub by: String,
}

/// Options of `failwell intervention close`.
#[derive(Debug, Clone, clap::Args)]
pub struct CloseArgs {
    /// The intervention.
    pub id: i64,
    /// The day it ends.
    #[arg(long, value_parser = parse_date)]
    pub on: Date,
    /// Lesson: what worked.
    #[arg(long)]
    pub worked: String,
    /// Lesson: what did not.
    #[arg(long = "did-not-work")]
    pub did_not_work: String,
    /// How it ended (e.g. capability, outcome, structural).
    #[arg(long)]
    pub exit: String,
    /// Who records it.
    #[arg(long = "by")]
    pub by: String,
}

/// Options of `failwell intervention list`.
#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// Only cases covering this organisation.
    #[arg(long)]
    pub organisation: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
}

/// Options of `failwell intervention show`.
#[derive(Debug, Clone, clap::Args)]
pub struct ShowArgs {
    /// The intervention.
    pub id: i64,
    /// The day obligations are judged against [default: today].
    #[arg(long, value_parser = parse_date)]
    pub today: Option<Date>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
}

/// Options of `failwell intervention due`.
#[derive(Debug, Clone, clap::Args)]
pub struct DueArgs {
    /// Only the cases this person takes part in (by name, as recorded).
    #[arg(long)]
    pub person: Option<String>,
    /// The day [default: today].
    #[arg(long, value_parser = parse_date)]
    pub today: Option<Date>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
}

/// Options of `failwell intervention journey`.
#[derive(Debug, Clone, clap::Args)]
pub struct JourneyArgs {
    /// The organisation's code.
    pub organisation: String,
    /// As known on this day [default: today].
    #[arg(long, value_parser = parse_date)]
    pub today: Option<Date>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
    /// The regime (TOML); default: the built-in England regime.
    #[arg(long)]
    pub regime: Option<PathBuf>,
}

/// Options of `failwell intervention audit`.
#[derive(Debug, Clone, clap::Args)]
pub struct AuditArgs {
    /// At most this many entries.
    #[arg(long, default_value_t = 50)]
    pub limit: i64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
}

/// Runs a casework command.
pub async fn run(database: &str, command: &InterventionCommand) -> anyhow::Result<ExitCode> {
    let store = Store::open(database).await?;
    let result = dispatch(&store, command).await;
    store.close().await;
    result
}

async fn dispatch(store: &Store, command: &InterventionCommand) -> anyhow::Result<ExitCode> {
    match command {
        InterventionCommand::Open(a) => {
            let (regime, _) = load_regime(a.regime.as_ref())?;
            let organisations = a
                .organisations
                .iter()
                .map(|c| c.parse::<Code>().map_err(|e| anyhow::anyhow!("--organisation {c:?}: {e}")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let new = NewIntervention {
                organisations,
                sector: a.sector.clone(),
                rung: a.rung.clone(),
                applied_by: a.applied_by.clone(),
                start: a.start,
                planned_end: a.planned_end,
                report_published: a.report_published,
                actors: a.actors.clone(),
                reason: a.reason.clone(),
                opened_by: a.by.clone(),
                decision: a.decision,
            };
            let id = casework::open(store, &regime, &new).await?;
            let case = store.intervention(id).await?.expect("just opened");
            outln!(
                "opened intervention {id}: {} on {} ({} obligations laid out)",
                case.organisations.join(", "),
                case.rung,
                case.obligations.len()
            )?;
        }
        InterventionCommand::Step(a) => {
            let (regime, _) = load_regime(a.regime.as_ref())?;
            let step = NewStep {
                to_rung: a.to.clone(),
                by: a.taken_by.clone(),
                on: a.on,
                reason: a.reason.clone(),
                jump_reason: a.jump_reason.clone(),
                person: a.person.clone(),
                recorded_by: a.by.clone(),
            };
            casework::step(store, &regime, a.id, &step).await?;
            outln!("intervention {} moved to {} on {}", a.id, a.to, iso(a.on))?;
        }
        InterventionCommand::Meet(a) => {
            casework::meet(store, a.id, a.obligation, a.on, &a.by).await?;
            outln!("obligation {} of intervention {} met on {}", a.obligation, a.id, iso(a.on))?;
        }
        InterventionCommand::Extend { id, obligation, reason, by, regime } => {
            let (regime, _) = load_regime(regime.as_ref())?;
            let due = casework::extend(store, &regime, *id, *obligation, reason, by).await?;
            outln!("obligation {obligation} of intervention {id} now due {}", iso(due))?;
        }
        InterventionCommand::AddPerson { id, person, from, by } => {
            casework::add_person(store, *id, person, today_or(*from), by).await?;
            outln!("{} added to intervention {id} as {} ({})", person.name, person.role, person.power)?;
        }
        InterventionCommand::RemovePerson { id, name, role, on, by } => {
            let on = today_or(*on);
            casework::remove_person(store, *id, name, *role, on, by).await?;
            outln!("{name} ({role}) left intervention {id} on {}", iso(on))?;
        }
        InterventionCommand::Close(a) => {
            let lessons =
                Lessons { worked: a.worked.clone(), did_not_work: a.did_not_work.clone(), exit: a.exit.clone() };
            casework::close(store, a.id, a.on, &lessons, &a.by).await?;
            outln!("intervention {} closed on {} ({} exit); lessons recorded", a.id, iso(a.on), a.exit)?;
        }
        InterventionCommand::List(a) => {
            let cases = store.interventions(a.organisation.as_deref()).await?;
            match a.format {
                ScanFormat::Json => crate::output::write_json(&serde_json::json!({ "interventions": cases }))?,
                ScanFormat::Text => {
                    if cases.is_empty() {
                        outln!("no interventions recorded")?;
                    }
                    for c in &cases {
                        outln!("{}", summary(c))?;
                    }
                }
            }
        }
        InterventionCommand::Show(a) => {
            let Some(case) = store.intervention(a.id).await? else {
                anyhow::bail!("there is no intervention {}", a.id)
            };
            let today = today_or(a.today);
            match a.format {
                ScanFormat::Json => crate::output::write_json(&serde_json::json!({
                    "intervention": case,
                    "today": iso(today),
                    "obligation_status": case.obligations.iter().map(|o| (o.id, status(o, today).as_str())).collect::<std::collections::BTreeMap<_, _>>(),
                }))?,
                ScanFormat::Text => show(&case, today)?,
            }
        }
        InterventionCommand::Due(a) => {
            let today = today_or(a.today);
            let cases = store.interventions(None).await?;
            let mut rows = Vec::new();
            for c in cases.iter().filter(|c| c.ended_on.is_none()) {
                if a.person.as_ref().is_some_and(|p| !c.actors.iter().any(|x| &x.name == p)) {
                    continue;
                }
                for o in &c.obligations {
                    let s = status(o, today);
                    if matches!(s, DueStatus::Overdue | DueStatus::DueToday | DueStatus::DueSoon) {
                        rows.push((s, o, c));
                    }
                }
            }
            rows.sort_by(|x, y| (x.0, &x.1.due).cmp(&(y.0, &y.1.due)));
            match a.format {
                ScanFormat::Json => crate::output::write_json(&serde_json::json!({
                    "today": iso(today),
                    "due": rows.iter().map(|(s, o, c)| serde_json::json!({
                        "status": s, "intervention": c.id, "organisations": c.organisations, "obligation": o,
                    })).collect::<Vec<_>>(),
                }))?,
                ScanFormat::Text => {
                    if rows.is_empty() {
                        outln!(
                            "nothing overdue or due within {} days of {}",
                            failwell_domain::casework::DUE_SOON_DAYS,
                            iso(today)
                        )?;
                    }
                    for (s, o, c) in &rows {
                        outln!(
                            "{:<9} {}  #{} {} (intervention {}, {}){}",
                            s.as_str(),
                            o.due,
                            o.id,
                            o.name,
                            c.id,
                            c.organisations.join(", "),
                            if o.approximate { " [approximate]" } else { "" }
                        )?;
                    }
                }
            }
        }
        InterventionCommand::Journey(a) => {
            let (regime, _) = load_regime(a.regime.as_ref())?;
            let today = today_or(a.today);
            let Some((org, j)) = journey::read(store, &regime, &a.organisation, today).await? else {
                anyhow::bail!("unknown organisation {:?}", a.organisation)
            };
            match a.format {
                ScanFormat::Json => crate::output::write_json(&j)?,
                ScanFormat::Text => {
                    outln!(
                        "{} ({}): {} spell(s) in intervention, {} relapse(s){}",
                        org.name,
                        org.code,
                        j.episodes.len(),
                        j.relapses,
                        if j.predecessors.is_empty() {
                            String::new()
                        } else {
                            format!("; carries the history of {}", j.predecessors.join(", "))
                        }
                    )?;
                    for e in &j.episodes {
                        outln!(
                            "  {} to {}{}",
                            iso(e.start),
                            e.end.map_or("now (open)".to_string(), iso),
                            if e.relapse { "  RELAPSE" } else { "" }
                        )?;
                        for s in &e.spans {
                            outln!("    {} to {}: {}", iso(s.start), s.end.map_or("open".to_string(), iso), s.what)?;
                        }
                    }
                }
            }
        }
        InterventionCommand::Lessons { format } => {
            let closed: Vec<StoredIntervention> =
                store.interventions(None).await?.into_iter().filter(|c| c.lessons.is_some()).rev().collect();
            match format {
                ScanFormat::Json => crate::output::write_json(&serde_json::json!({
                    "lessons": closed.iter().map(|c| serde_json::json!({
                        "intervention": c.id, "organisations": c.organisations, "rung": c.rung,
                        "start_on": c.start_on, "ended_on": c.ended_on, "lessons": c.lessons,
                    })).collect::<Vec<_>>(),
                }))?,
                ScanFormat::Text => {
                    if closed.is_empty() {
                        outln!("no intervention has closed yet")?;
                    }
                    for c in &closed {
                        let l = c.lessons.as_ref().expect("filtered");
                        let text = |f: &str| l[f].as_str().unwrap_or_default().to_string();
                        outln!("{}", summary(c))?;
                        outln!(
                            "  exit: {}\n  worked: {}\n  did not work: {}",
                            text("exit"),
                            text("worked"),
                            text("did_not_work")
                        )?;
                    }
                }
            }
        }
        InterventionCommand::Audit(a) => {
            let entries = store.audit_log(a.limit).await?;
            match a.format {
                ScanFormat::Json => crate::output::write_json(&serde_json::json!({ "audit": entries }))?,
                ScanFormat::Text => {
                    for e in &entries {
                        // The action and its subject apart ("open intervention — intervention 2"),
                        // so that neither reads into the other.
                        outln!(
                            "#{} {} {}: {} — {} [{}]: {}",
                            e.id,
                            e.at,
                            e.who,
                            e.action,
                            e.subject,
                            e.outcome,
                            e.detail
                        )?;
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn status(o: &failwell_store::StoredObligation, today: Date) -> DueStatus {
    o.status_on(today).unwrap_or(DueStatus::DueToday)
}

fn summary(c: &StoredIntervention) -> String {
    format!(
        "#{} {} {} on {} ({}, applied by {}) from {}{}",
        c.id,
        c.status(),
        c.organisations.join(", "),
        c.rung,
        if c.statutory { "statutory" } else { "by agreement" },
        c.applied_by,
        c.start_on,
        c.ended_on.as_ref().map_or(String::new(), |e| format!(" to {e}"))
    )
}

fn show(c: &StoredIntervention, today: Date) -> anyhow::Result<()> {
    outln!("{}", summary(c))?;
    outln!("  reason: {}", c.reason)?;
    if let Some(p) = &c.planned_end {
        outln!("  planned end: {p}")?;
    }
    if let Some(d) = c.decision {
        outln!("  answers decision {d}")?;
    }
    for a in &c.actors {
        outln!(
            "  {} — {} ({}){}{}{}",
            a.name,
            a.role,
            a.power,
            a.email.as_ref().map_or(String::new(), |e| format!(" <{e}>")),
            a.from.as_ref().map_or(String::new(), |d| format!(", from {d}")),
            a.left.as_ref().map_or(String::new(), |d| format!(", left on {d}"))
        )?;
    }
    outln!("  steps:")?;
    for s in &c.steps {
        outln!(
            "    {} {} -> {} by {}: {}{}",
            s.on,
            s.from_rung.as_deref().unwrap_or("(opened)"),
            s.to_rung,
            s.by,
            s.reason,
            s.jump_reason.as_ref().map_or(String::new(), |j| format!(" (jump: {j})"))
        )?;
    }
    outln!("  obligations as of {}:", iso(today))?;
    for o in &c.obligations {
        outln!(
            "    #{} {} {:<9} {}{}{}",
            o.id,
            o.due,
            status(o, today).as_str(),
            o.name,
            if o.approximate { " [approximate]" } else { "" },
            if o.counted_from_entry { " [counted from the start: no report day was given]" } else { "" }
        )?;
        if let Some(first) = &o.first_due {
            outln!("        extended {} time(s); first due {first}", o.extensions)?;
        }
    }
    if let Some(l) = &c.lessons {
        outln!("  lessons: {l}")?;
    }
    Ok(())
}
