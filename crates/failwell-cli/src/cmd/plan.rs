//! `failwell plan …`: an intervention's improvement plan (themes, actions with a lead, a
//! due day and a tag, dated progress updates), the criteria of its themes, actions and
//! exit, named judges' judgements, the review of a case on a day (RAG, criteria with their
//! reasons, the all-structural warning, exit readiness) and the check-ins of a tapered exit.

use crate::cmd::scan::{ScanFormat, load_regime, parse_date, today_or};
use crate::output::outln;
use failwell_domain::casework::{ActionTag, CriterionOf, CriterionRule, ExitKind, ProgressStatus, TargetSide};
use failwell_domain::dates::iso;
use failwell_engine::casework::plan::{self, CaseReview, NewAction};
use failwell_store::Store;
use std::path::PathBuf;
use std::process::ExitCode;
use time::Date;

/// The plan commands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum PlanCommand {
    /// Add a theme to an intervention's plan.
    Theme {
        /// The intervention.
        id: i64,
        /// The theme's title.
        #[arg(long)]
        title: String,
        /// The day it is part of the plan from [default: today]; a review or board pack of an earlier day leaves it out.
        #[arg(long, value_parser = parse_date)]
        from: Option<Date>,
        /// Who records it.
        #[arg(long = "by")]
        by: String,
    },
    /// Add an action to a theme.
    Action {
        /// The intervention.
        id: i64,
        /// The theme.
        #[arg(long)]
        theme: i64,
        /// What is to be done.
        #[arg(long)]
        title: String,
        /// The lead officer.
        #[arg(long)]
        lead: String,
        /// Due day.
        #[arg(long, value_parser = parse_date)]
        due: Date,
        /// What kind of change: structural, leadership, culture, process or capacity.
        #[arg(long)]
        tag: ActionTag,
        /// The day it is part of the plan from [default: today]; a review or board pack of an earlier day leaves it out.
        #[arg(long, value_parser = parse_date)]
        from: Option<Date>,
        /// Who records it.
        #[arg(long = "by")]
        by: String,
    },
    /// Record a dated progress update on an action (kept; the latest is its status).
    Progress {
        /// The intervention.
        id: i64,
        /// The action.
        #[arg(long)]
        action: i64,
        /// The day it speaks for.
        #[arg(long, value_parser = parse_date)]
        on: Date,
        /// not_started, on_track, at_risk, off_track or done.
        #[arg(long)]
        status: ProgressStatus,
        /// What happened.
        #[arg(long)]
        note: String,
        /// Who records it.
        #[arg(long = "by")]
        by: String,
    },
    /// Add a criterion to a theme, an action or the exit.
    Criterion(CriterionArgs),
    /// Record a named judge's judgement of a criterion, with its evidence.
    Judge {
        /// The intervention.
        id: i64,
        /// The criterion.
        #[arg(long)]
        criterion: i64,
        /// Met.
        #[arg(long, conflicts_with = "not_met", required_unless_present = "not_met")]
        met: bool,
        /// Not met.
        #[arg(long = "not-met")]
        not_met: bool,
        /// The day.
        #[arg(long, value_parser = parse_date)]
        on: Date,
        /// The evidence.
        #[arg(long)]
        evidence: String,
        /// The judge (the person the criterion names).
        #[arg(long = "by")]
        by: String,
    },
    /// Review a case on a day: actions with RAG, criteria with reasons, exit readiness, check-ins.
    Show {
        /// The intervention.
        id: i64,
        /// The day [default: today].
        #[arg(long, value_parser = parse_date)]
        today: Option<Date>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
        format: ScanFormat,
        /// The regime (TOML); default: the built-in England regime.
        #[arg(long)]
        regime: Option<PathBuf>,
    },
    /// Schedule a check-in after the exit (a tapered exit): who, when, what it reviews.
    CheckIn {
        /// The intervention.
        id: i64,
        /// Due day.
        #[arg(long, value_parser = parse_date)]
        due: Date,
        /// Who holds it.
        #[arg(long)]
        who: String,
        /// What it reviews.
        #[arg(long)]
        reviews: String,
        /// Who records it.
        #[arg(long = "by")]
        by: String,
    },
    /// Record a check-in held, with what it found.
    Held {
        /// The intervention.
        id: i64,
        /// The check-in.
        #[arg(long = "check-in")]
        check_in: i64,
        /// The day it was held.
        #[arg(long, value_parser = parse_date)]
        on: Date,
        /// What it found.
        #[arg(long)]
        outcome: String,
        /// Who records it.
        #[arg(long = "by")]
        by: String,
    },
}

/// Options of `failwell plan criterion`: what it belongs to, then one kind of rule.
#[derive(Debug, Clone, clap::Args)]
#[command(group(clap::ArgGroup::new("of").required(true).args(["theme", "action", "exit"])))]
#[command(group(clap::ArgGroup::new("rule").required(true).args(["indicator", "rating_at_least", "leadership_stable_months", "judged"])))]
pub struct CriterionArgs {
    /// The intervention.
    pub id: i64,
    /// A criterion of this theme.
    #[arg(long)]
    pub theme: Option<i64>,
    /// A criterion of this action.
    #[arg(long)]
    pub action: Option<i64>,
    /// An exit criterion: outcome or capability.
    #[arg(long)]
    pub exit: Option<ExitKind>,
    /// The organisation (one of the case's) an indicator, rating or leadership criterion is about.
    #[arg(long)]
    pub organisation: Option<String>,
    /// An indicator criterion: the indicator's code (with --target and --side).
    #[arg(long, requires_all = ["organisation", "target", "side"])]
    pub indicator: Option<String>,
    /// The indicator's target.
    #[arg(long, allow_hyphen_values = true)]
    pub target: Option<f64>,
    /// at_least or at_most.
    #[arg(long)]
    pub side: Option<TargetSide>,
    /// The day the indicator should meet its target by.
    #[arg(long = "by-day", value_parser = parse_date)]
    pub by_day: Option<Date>,
    /// A rating criterion: the organisation's latest judgement at or above this grade (e.g. good).
    #[arg(long = "rating-at-least", requires = "organisation")]
    pub rating_at_least: Option<String>,
    /// A capability criterion: no leadership change for this many months.
    #[arg(long = "leadership-stable-months", requires = "organisation")]
    pub leadership_stable_months: Option<u32>,
    /// A criterion judged by a person: what must be true (with --judge).
    #[arg(long, requires = "judge")]
    pub judged: Option<String>,
    /// Who judges it.
    #[arg(long)]
    pub judge: Option<String>,
    /// The day it applies from [default: today]; a review or board pack of an earlier day leaves it out.
    #[arg(long, value_parser = parse_date)]
    pub from: Option<Date>,
    /// Who records it.
    #[arg(long = "by")]
    pub by: String,
}

impl CriterionArgs {
    fn of(&self) -> CriterionOf {
        match (self.theme, self.action, self.exit) {
            (Some(t), _, _) => CriterionOf::Theme(t),
            (_, Some(a), _) => CriterionOf::Action(a),
            (_, _, Some(k)) => CriterionOf::Exit(k),
            _ => unreachable!("clap requires one of --theme, --action, --exit"),
        }
    }

    fn rule(&self) -> anyhow::Result<CriterionRule> {
        let org = || -> anyhow::Result<failwell_domain::Code> {
            let o = self.organisation.as_deref().unwrap_or_default();
            o.parse().map_err(|e| anyhow::anyhow!("--organisation {o:?}: {e}"))
        };
        Ok(match (&self.indicator, &self.rating_at_least, self.leadership_stable_months, &self.judged) {
            (Some(i), _, _, _) => CriterionRule::Indicator {
                organisation: org()?,
                indicator: i.parse().map_err(|e| anyhow::anyhow!("--indicator {i:?}: {e}"))?,
                target: self.target.expect("clap requires --target"),
                side: self.side.expect("clap requires --side"),
                by: self.by_day,
            },
            (_, Some(g), _, _) => CriterionRule::Rating { organisation: org()?, at_least: g.clone() },
            (_, _, Some(m), _) => CriterionRule::LeadershipStable { organisation: org()?, months: m },
            (_, _, _, Some(d)) => {
                CriterionRule::Judged { description: d.clone(), judge: self.judge.clone().unwrap_or_default() }
            }
            _ => unreachable!("clap requires one kind of rule"),
        })
    }
}

/// Runs a plan command.
pub async fn run(database: &str, command: &PlanCommand) -> anyhow::Result<ExitCode> {
    let store = Store::open(database).await?;
    let result = dispatch(&store, command).await;
    store.close().await;
    result
}

async fn dispatch(store: &Store, command: &PlanCommand) -> anyhow::Result<ExitCode> {
    match command {
        PlanCommand::Theme { id, title, from, by } => {
            let t = plan::add_theme(store, *id, title, today_or(*from), by).await?;
            outln!("theme {t} added to intervention {id}")?;
        }
        PlanCommand::Action { id, theme, title, lead, due, tag, from, by } => {
            let a = NewAction {
                theme: *theme,
                title: title.clone(),
                lead: lead.clone(),
                due: *due,
                tag: *tag,
                from: today_or(*from),
            };
            let n = plan::add_action(store, *id, &a, by).await?;
            outln!("action {n} added to theme {theme} of intervention {id}")?;
        }
        PlanCommand::Progress { id, action, on, status, note, by } => {
            plan::record_progress(store, *id, *action, *on, *status, note, by).await?;
            outln!("action {action}: {status} on {}", iso(*on))?;
        }
        PlanCommand::Criterion(a) => {
            let rule = a.rule()?;
            let n = plan::add_criterion(store, a.id, a.of(), &rule, today_or(a.from), &a.by).await?;
            outln!("criterion {n} added: {}", failwell_engine::casework::criteria::describe(&rule))?;
        }
        PlanCommand::Judge { id, criterion, met, not_met: _, on, evidence, by } => {
            plan::judge_criterion(store, *id, *criterion, *on, *met, evidence, by).await?;
            outln!("criterion {criterion} judged {} on {} by {by}", if *met { "met" } else { "not met" }, iso(*on))?;
        }
        PlanCommand::Show { id, today, format, regime } => {
            let (regime, _) = load_regime(regime.as_ref())?;
            let today = today_or(*today);
            let r = plan::review(store, &regime, *id, today).await?;
            match format {
                ScanFormat::Json => crate::output::write_json(&r)?,
                ScanFormat::Text => show(&r)?,
            }
        }
        PlanCommand::CheckIn { id, due, who, reviews, by } => {
            let n = plan::schedule_check_in(store, *id, *due, who, reviews, by).await?;
            outln!("check-in {n} scheduled for {} ({who})", iso(*due))?;
        }
        PlanCommand::Held { id, check_in, on, outcome, by } => {
            plan::hold_check_in(store, *id, *check_in, *on, outcome, by).await?;
            outln!("check-in {check_in} held on {}", iso(*on))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(r: &CaseReview) -> anyhow::Result<()> {
    let c = &r.intervention;
    outln!("Intervention {} ({}) on {}, reviewed as of {}", c.id, c.organisations.join(", "), c.rung, iso(r.today))?;
    if r.all_structural {
        outln!(
            "WARNING: every action of this plan is structural; structural change alone seldom turns an organisation round"
        )?;
    }
    for a in &r.actions {
        let latest = a.latest.as_ref().map_or("no update".to_string(), |u| format!("{} on {}", u.status, u.on));
        outln!(
            "  [{:?}] #{} {} / {} (lead {}, due {}, {}): {}; {}",
            a.rag,
            a.action.id,
            a.theme,
            a.action.title,
            a.action.lead,
            a.action.due,
            a.action.tag,
            latest,
            a.why
        )?;
    }
    outln!("criteria:")?;
    for k in &r.criteria {
        outln!(
            "  #{} {:?} {} — {}{}: {}",
            k.id,
            k.of,
            k.description,
            k.verdict.state.as_str(),
            k.verdict.since.map_or(String::new(), |d| format!(" since {}", iso(d))),
            k.verdict.why
        )?;
    }
    let (om, ot, cm, ct) = r.exit_counts;
    match r.exit_ready {
        None => outln!("exit readiness: no exit criteria set")?,
        Some(ready) => outln!(
            "exit readiness: {} (outcome {om} of {ot} met, capability {cm} of {ct} met)",
            if ready { "ready" } else { "not ready" }
        )?,
    }
    for ch in &r.check_ins {
        outln!(
            "  check-in #{} due {} by {} ({}): {}",
            ch.id,
            ch.due,
            ch.who,
            ch.reviews,
            ch.held_on.as_ref().map_or("not yet held".to_string(), |h| format!(
                "held {h}: {}",
                ch.outcome.clone().unwrap_or_default()
            ))
        )?;
    }
    Ok(())
}
