//! Improvement plans as stored: themes, actions, progress updates (append-only),
//! criteria of a theme, an action or the exit (the rule kept as the domain's JSON),
//! named people's judgements of criteria (append-only), and the check-ins of a tapered
//! exit. Every write is one transaction with its audit entry, as in `casework.rs`.

use crate::casework::{AuditNote, audit, begin, iso, known_case, open_case, part_from};
use crate::error::StoreError;
use crate::open::Store;
use failwell_domain::casework::{ActionTag, CaseworkRefusal, CriterionOf, CriterionRule, ProgressStatus};
use sqlx::Row;
use time::Date;

/// A progress update on an action.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredUpdate {
    /// The day it speaks for.
    pub on: String,
    /// The status then.
    pub status: String,
    /// What was said.
    pub note: String,
    /// Who recorded it.
    pub by: String,
}

/// An action of a plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredAction {
    /// Its id.
    pub id: i64,
    /// What is to be done.
    pub title: String,
    /// The lead officer.
    pub lead: String,
    /// Due day.
    pub due: String,
    /// What kind of change.
    pub tag: String,
    /// The day it is part of the plan from (`None`: from the case's start).
    pub from: Option<String>,
    /// Its updates, oldest first (the last is its status).
    pub updates: Vec<StoredUpdate>,
}

/// A theme of a plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredTheme {
    /// Its id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// The day it is part of the plan from (`None`: from the case's start).
    pub from: Option<String>,
    /// Its actions.
    pub actions: Vec<StoredAction>,
}

/// A person's judgement of a criterion.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredJudgement {
    /// The day.
    pub on: String,
    /// Met or not.
    pub met: bool,
    /// The evidence.
    pub evidence: String,
    /// Who judged.
    pub by: String,
}

/// A criterion with what it belongs to and its judgements.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredCriterion {
    /// Its id.
    pub id: i64,
    /// Theme, action or exit.
    pub of: CriterionOf,
    /// What it asks.
    pub rule: CriterionRule,
    /// The day it applies from (`None`: from the case's start).
    pub from: Option<String>,
    /// Named people's judgements, oldest first.
    pub judgements: Vec<StoredJudgement>,
}

/// A check-in after a tapered exit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredCheckIn {
    /// Its id.
    pub id: i64,
    /// When it is due.
    pub due: String,
    /// Who holds it.
    pub who: String,
    /// What it reviews.
    pub reviews: String,
    /// When it was held.
    pub held_on: Option<String>,
    /// What it found.
    pub outcome: Option<String>,
}

/// An intervention's plan, criteria and check-ins.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredPlan {
    /// Themes with their actions.
    pub themes: Vec<StoredTheme>,
    /// Criteria of themes, actions and the exit.
    pub criteria: Vec<StoredCriterion>,
    /// Check-ins, by due day.
    pub check_ins: Vec<StoredCheckIn>,
}

/// A board meeting of an intervention.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredMeeting {
    /// Its id.
    pub id: i64,
    /// The day it was held.
    pub held_on: String,
    /// Its minutes.
    pub minutes: String,
    /// The decisions it took.
    pub decisions: Vec<String>,
    /// Who recorded it.
    pub recorded_by: String,
}

/// One figure of a series, its current revision.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SeriesPoint {
    /// The period.
    pub period: String,
    /// The value (`None` when withheld).
    pub value: Option<f64>,
    /// When it was published.
    pub published_on: Option<String>,
}

impl Store {
    /// Adds a theme to an open intervention's plan, part of it from `from`.
    ///
    /// # Errors
    /// [`StoreError::Refused`] when the intervention is unknown or closed, or `from` is
    /// before its start.
    pub async fn add_theme(
        &self,
        intervention: i64,
        title: &str,
        from: Date,
        note: &AuditNote<'_>,
    ) -> Result<i64, StoreError> {
        let mut tx = begin(self).await?;
        open_case(&mut tx, intervention).await?;
        part_from(&mut tx, intervention, "theme's first day", from).await?;
        let id: i64 = sqlx::query_scalar(
            "insert into plan_theme (intervention_id, title, from_on, created_by, created_at)
             values ($1, $2, $3, $4, $5) returning id",
        )
        .bind(intervention)
        .bind(title)
        .bind(iso(from))
        .bind(note.who)
        .bind(crate::import::now())
        .fetch_one(&mut *tx)
        .await?;
        audit(&mut tx, note, "done").await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Adds an action to a theme of an open intervention, part of the plan from `from`.
    ///
    /// # Errors
    /// [`StoreError::Refused`] when the theme is not the intervention's, it is closed, or
    /// `from` is before its start.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_action(
        &self,
        intervention: i64,
        theme: i64,
        title: &str,
        lead: &str,
        due: Date,
        tag: ActionTag,
        from: Date,
        note: &AuditNote<'_>,
    ) -> Result<i64, StoreError> {
        let mut tx = begin(self).await?;
        open_case(&mut tx, intervention).await?;
        part_from(&mut tx, intervention, "action's first day", from).await?;
        let ours: Option<i64> = sqlx::query_scalar("select id from plan_theme where id = $1 and intervention_id = $2")
            .bind(theme)
            .bind(intervention)
            .fetch_optional(&mut *tx)
            .await?;
        if ours.is_none() {
            return Err(CaseworkRefusal::NotInCase { what: "theme", id: theme, name: None, intervention }.into());
        }
        let id: i64 = sqlx::query_scalar(
            "insert into plan_action (theme_id, title, lead, due, tag, from_on, created_by, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
        )
        .bind(theme)
        .bind(title)
        .bind(lead)
        .bind(iso(due))
        .bind(tag.as_str())
        .bind(iso(from))
        .bind(note.who)
        .bind(crate::import::now())
        .fetch_one(&mut *tx)
        .await?;
        audit(&mut tx, note, "done").await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records a progress update on an action of an open intervention (append-only).
    ///
    /// # Errors
    /// [`StoreError::Refused`] when the action is not the intervention's, or it is closed.
    pub async fn record_progress(
        &self,
        intervention: i64,
        action: i64,
        on: Date,
        status: ProgressStatus,
        text: &str,
        note: &AuditNote<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = begin(self).await?;
        open_case(&mut tx, intervention).await?;
        let ours: Option<i64> = sqlx::query_scalar(
            "select a.id from plan_action a join plan_theme t on t.id = a.theme_id where a.id = $1 and t.intervention_id = $2",
        )
        .bind(action)
        .bind(intervention)
        .fetch_optional(&mut *tx)
        .await?;
        if ours.is_none() {
            return Err(CaseworkRefusal::NotInCase { what: "action", id: action, name: None, intervention }.into());
        }
        sqlx::query(
            "insert into progress_update (action_id, on_date, status, note, recorded_by, recorded_at)
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(action)
        .bind(iso(on))
        .bind(status.as_str())
        .bind(text)
        .bind(note.who)
        .bind(crate::import::now())
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, note, "done").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a criterion to an intervention (open or closed: exit criteria stay watched
    /// after the exit), applying from `from`. An indicator criterion must name an indicator
    /// of the catalogue and an organisation of the case.
    ///
    /// # Errors
    /// [`StoreError::Refused`] for an unknown intervention, indicator or organisation, a
    /// theme or action of another intervention, or `from` before the case's start.
    pub async fn add_criterion(
        &self,
        intervention: i64,
        of: CriterionOf,
        rule: &CriterionRule,
        from: Date,
        note: &AuditNote<'_>,
    ) -> Result<i64, StoreError> {
        let mut tx = begin(self).await?;
        let orgs: Vec<String> =
            sqlx::query_scalar("select organisation from intervention_organisation where intervention_id = $1")
                .bind(intervention)
                .fetch_all(&mut *tx)
                .await?;
        if orgs.is_empty() {
            return Err(CaseworkRefusal::NoSuchIntervention(intervention).into());
        }
        part_from(&mut tx, intervention, "criterion's first day", from).await?;
        let organisation = match rule {
            CriterionRule::Indicator { organisation, .. }
            | CriterionRule::Rating { organisation, .. }
            | CriterionRule::LeadershipStable { organisation, .. } => Some(organisation.as_str()),
            CriterionRule::Judged { .. } => None,
        };
        if let Some(o) = organisation.filter(|o| !orgs.iter().any(|x| x == o)) {
            return Err(CaseworkRefusal::NotInCase {
                what: "organisation",
                id: 0,
                name: Some(o.to_string()),
                intervention,
            }
            .into());
        }
        if let CriterionRule::Indicator { indicator, .. } = rule {
            let known: Option<i64> = sqlx::query_scalar("select id from indicator where code = $1")
                .bind(indicator.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            if known.is_none() {
                return Err(CaseworkRefusal::UnknownIndicator(indicator.to_string()).into());
            }
        }
        let (theme, action, exit) = match of {
            CriterionOf::Theme(t) => (Some(t), None, None),
            CriterionOf::Action(a) => (None, Some(a), None),
            CriterionOf::Exit(k) => (None, None, Some(k.as_str())),
        };
        let belongs: Option<i64> = match of {
            CriterionOf::Theme(t) => {
                sqlx::query_scalar("select id from plan_theme where id = $1 and intervention_id = $2")
                    .bind(t)
                    .bind(intervention)
                    .fetch_optional(&mut *tx)
                    .await?
            }
            CriterionOf::Action(a) => {
                sqlx::query_scalar(
                    "select a.id from plan_action a join plan_theme t on t.id = a.theme_id
                     where a.id = $1 and t.intervention_id = $2",
                )
                .bind(a)
                .bind(intervention)
                .fetch_optional(&mut *tx)
                .await?
            }
            CriterionOf::Exit(_) => Some(intervention),
        };
        if belongs.is_none() {
            let (what, id) = match of {
                CriterionOf::Theme(t) => ("theme", t),
                CriterionOf::Action(a) => ("action", a),
                CriterionOf::Exit(_) => ("intervention", intervention),
            };
            return Err(CaseworkRefusal::NotInCase { what, id, name: None, intervention }.into());
        }
        let id: i64 = sqlx::query_scalar(
            "insert into criterion (intervention_id, theme_id, action_id, exit_kind, rule, from_on, created_by, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
        )
        .bind(intervention)
        .bind(theme)
        .bind(action)
        .bind(exit)
        .bind(serde_json::to_string(rule).expect("a rule serialises"))
        .bind(iso(from))
        .bind(note.who)
        .bind(crate::import::now())
        .fetch_one(&mut *tx)
        .await?;
        audit(&mut tx, note, "done").await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records a named person's judgement of a criterion judged by people (append-only).
    ///
    /// # Errors
    /// [`StoreError::Refused`] when the criterion is not the intervention's, is judged from
    /// the evidence rather than by a person, or names another judge.
    pub async fn record_judgement(
        &self,
        intervention: i64,
        criterion: i64,
        on: Date,
        met: bool,
        evidence: &str,
        note: &AuditNote<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = begin(self).await?;
        let rule: Option<String> =
            sqlx::query_scalar("select rule from criterion where id = $1 and intervention_id = $2")
                .bind(criterion)
                .bind(intervention)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(rule) = rule else {
            return Err(
                CaseworkRefusal::NotInCase { what: "criterion", id: criterion, name: None, intervention }.into()
            );
        };
        match serde_json::from_str::<CriterionRule>(&rule) {
            Ok(CriterionRule::Judged { judge, .. }) if judge == note.who => {}
            Ok(CriterionRule::Judged { judge, .. }) => {
                return Err(CaseworkRefusal::NotTheJudge { criterion, judge, who: note.who.to_string() }.into());
            }
            Ok(_) => return Err(CaseworkRefusal::JudgedFromEvidence(criterion).into()),
            Err(e) => {
                return Err(StoreError::Corrupt {
                    kind: "criterion",
                    key: criterion.to_string(),
                    reason: e.to_string(),
                });
            }
        }
        sqlx::query(
            "insert into criterion_judgement (criterion_id, on_date, met, evidence, judged_by, recorded_at)
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(criterion)
        .bind(iso(on))
        .bind(i64::from(met))
        .bind(evidence)
        .bind(note.who)
        .bind(crate::import::now())
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, note, "done").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Schedules a check-in after an intervention's exit (a tapered exit).
    ///
    /// # Errors
    /// [`StoreError::Refused`] when the intervention is unknown.
    pub async fn schedule_check_in(
        &self,
        intervention: i64,
        due: Date,
        who: &str,
        reviews: &str,
        note: &AuditNote<'_>,
    ) -> Result<i64, StoreError> {
        let mut tx = begin(self).await?;
        known_case(&mut tx, intervention).await?;
        let id: i64 = sqlx::query_scalar(
            "insert into check_in (intervention_id, due, who, reviews, recorded_by, recorded_at)
             values ($1, $2, $3, $4, $5, $6) returning id",
        )
        .bind(intervention)
        .bind(iso(due))
        .bind(who)
        .bind(reviews)
        .bind(note.who)
        .bind(crate::import::now())
        .fetch_one(&mut *tx)
        .await?;
        audit(&mut tx, note, "done").await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records a check-in held, with its outcome (once).
    ///
    /// # Errors
    /// [`StoreError::Refused`] when the check-in is not the intervention's or was held.
    pub async fn hold_check_in(
        &self,
        intervention: i64,
        check_in: i64,
        on: Date,
        outcome: &str,
        note: &AuditNote<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = begin(self).await?;
        let done = sqlx::query(
            "update check_in set held_on = $3, outcome = $4 where id = $2 and intervention_id = $1 and held_on is null",
        )
        .bind(intervention)
        .bind(check_in)
        .bind(iso(on))
        .bind(outcome)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            let held: Option<Option<String>> =
                sqlx::query_scalar("select held_on from check_in where id = $1 and intervention_id = $2")
                    .bind(check_in)
                    .bind(intervention)
                    .fetch_optional(&mut *tx)
                    .await?;
            return Err(match held {
                Some(Some(on)) => CaseworkRefusal::CheckInHeld { check_in, on },
                _ => CaseworkRefusal::NotInCase { what: "check-in", id: check_in, name: None, intervention },
            }
            .into());
        }
        audit(&mut tx, note, "done").await?;
        tx.commit().await?;
        Ok(())
    }

    /// An intervention's plan, criteria and check-ins.
    pub async fn plan(&self, intervention: i64) -> Result<StoredPlan, StoreError> {
        let themes = sqlx::query("select id, title, from_on from plan_theme where intervention_id = $1 order by id")
            .bind(intervention)
            .fetch_all(self.reads())
            .await?;
        let actions = sqlx::query(
            "select a.id, a.theme_id, a.title, a.lead, a.due, a.tag, a.from_on from plan_action a
             join plan_theme t on t.id = a.theme_id where t.intervention_id = $1 order by a.id",
        )
        .bind(intervention)
        .fetch_all(self.reads())
        .await?;
        let updates = sqlx::query(
            "select u.action_id, u.on_date, u.status, u.note, u.recorded_by from progress_update u
             join plan_action a on a.id = u.action_id join plan_theme t on t.id = a.theme_id
             where t.intervention_id = $1 order by u.id",
        )
        .bind(intervention)
        .fetch_all(self.reads())
        .await?;
        let mut out_themes = Vec::new();
        for t in &themes {
            let theme_id: i64 = t.try_get(0)?;
            let mut list = Vec::new();
            for a in actions.iter().filter(|a| a.try_get::<i64, _>(1).is_ok_and(|x| x == theme_id)) {
                let id: i64 = a.try_get(0)?;
                let mut ups = Vec::new();
                for u in updates.iter().filter(|u| u.try_get::<i64, _>(0).is_ok_and(|x| x == id)) {
                    ups.push(StoredUpdate {
                        on: u.try_get(1)?,
                        status: u.try_get(2)?,
                        note: u.try_get(3)?,
                        by: u.try_get(4)?,
                    });
                }
                list.push(StoredAction {
                    id,
                    title: a.try_get(2)?,
                    lead: a.try_get(3)?,
                    due: a.try_get(4)?,
                    tag: a.try_get(5)?,
                    from: a.try_get(6)?,
                    updates: ups,
                });
            }
            out_themes.push(StoredTheme { id: theme_id, title: t.try_get(1)?, from: t.try_get(2)?, actions: list });
        }
        let judgements = sqlx::query(
            "select j.criterion_id, j.on_date, j.met, j.evidence, j.judged_by from criterion_judgement j
             join criterion c on c.id = j.criterion_id where c.intervention_id = $1 order by j.id",
        )
        .bind(intervention)
        .fetch_all(self.reads())
        .await?;
        let mut criteria = Vec::new();
        for c in sqlx::query(
            "select id, theme_id, action_id, exit_kind, rule, from_on from criterion where intervention_id = $1 order by id",
        )
        .bind(intervention)
        .fetch_all(self.reads())
        .await?
        {
            let id: i64 = c.try_get(0)?;
            let corrupt = |reason: String| StoreError::Corrupt { kind: "criterion", key: id.to_string(), reason };
            let of = match (
                c.try_get::<Option<i64>, _>(1)?,
                c.try_get::<Option<i64>, _>(2)?,
                c.try_get::<Option<String>, _>(3)?,
            ) {
                (Some(t), _, _) => CriterionOf::Theme(t),
                (_, Some(a), _) => CriterionOf::Action(a),
                (_, _, Some(k)) => CriterionOf::Exit(
                    k.parse().map_err(|e: failwell_domain::casework::UnknownWord| corrupt(e.to_string()))?,
                ),
                _ => return Err(corrupt("belongs to nothing".into())),
            };
            let rule: CriterionRule =
                serde_json::from_str(&c.try_get::<String, _>(4)?).map_err(|e| corrupt(e.to_string()))?;
            let mut js = Vec::new();
            for j in judgements.iter().filter(|j| j.try_get::<i64, _>(0).is_ok_and(|x| x == id)) {
                js.push(StoredJudgement {
                    on: j.try_get(1)?,
                    met: j.try_get::<i64, _>(2)? != 0,
                    evidence: j.try_get(3)?,
                    by: j.try_get(4)?,
                });
            }
            criteria.push(StoredCriterion { id, of, rule, from: c.try_get(5)?, judgements: js });
        }
        let check_ins = sqlx::query(
            "select id, due, who, reviews, held_on, outcome from check_in where intervention_id = $1 order by due, id",
        )
        .bind(intervention)
        .fetch_all(self.reads())
        .await?
        .iter()
        .map(|r| {
            Ok(StoredCheckIn {
                id: r.try_get(0)?,
                due: r.try_get(1)?,
                who: r.try_get(2)?,
                reviews: r.try_get(3)?,
                held_on: r.try_get(4)?,
                outcome: r.try_get(5)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
        Ok(StoredPlan { themes: out_themes, criteria, check_ins })
    }

    /// Records a board meeting of an intervention (open or closed), with its minutes and
    /// decisions (append-only).
    ///
    /// # Errors
    /// [`StoreError::Refused`] when the intervention is unknown.
    pub async fn record_meeting(
        &self,
        intervention: i64,
        held_on: Date,
        minutes: &str,
        decisions: &[String],
        note: &AuditNote<'_>,
    ) -> Result<i64, StoreError> {
        let mut tx = begin(self).await?;
        known_case(&mut tx, intervention).await?;
        let id: i64 = sqlx::query_scalar(
            "insert into board_meeting (intervention_id, held_on, minutes, decisions, recorded_by, recorded_at)
             values ($1, $2, $3, $4, $5, $6) returning id",
        )
        .bind(intervention)
        .bind(iso(held_on))
        .bind(minutes)
        .bind(serde_json::to_string(decisions).expect("strings serialise"))
        .bind(note.who)
        .bind(crate::import::now())
        .fetch_one(&mut *tx)
        .await?;
        audit(&mut tx, note, "done").await?;
        tx.commit().await?;
        Ok(id)
    }

    /// An intervention's board meetings, oldest first.
    pub async fn meetings(&self, intervention: i64) -> Result<Vec<StoredMeeting>, StoreError> {
        sqlx::query(
            "select id, held_on, minutes, decisions, recorded_by from board_meeting
             where intervention_id = $1 order by held_on, id",
        )
        .bind(intervention)
        .fetch_all(self.reads())
        .await?
        .iter()
        .map(|r| {
            let id: i64 = r.try_get(0)?;
            let decisions: String = r.try_get(3)?;
            Ok(StoredMeeting {
                id,
                held_on: r.try_get(1)?,
                minutes: r.try_get(2)?,
                decisions: serde_json::from_str(&decisions).map_err(|e| StoreError::Corrupt {
                    kind: "board meeting",
                    key: id.to_string(),
                    reason: e.to_string(),
                })?,
                recorded_by: r.try_get(4)?,
            })
        })
        .collect()
    }

    /// The current figures of one organisation's series of one indicator, in period order.
    pub async fn series_points(&self, organisation: &str, indicator: &str) -> Result<Vec<SeriesPoint>, StoreError> {
        sqlx::query(
            "select o.period, o.value, o.published_on from observation o
             join series s on s.id = o.series_id
             join organisation g on g.id = s.organisation_id
             join indicator i on i.id = s.indicator_id
             where g.code = $1 and i.code = $2
               and o.revision = (select max(m.revision) from observation m
                                 where m.series_id = o.series_id and m.period = o.period)
             order by o.period",
        )
        .bind(organisation)
        .bind(indicator)
        .fetch_all(self.reads())
        .await?
        .iter()
        .map(|r| Ok(SeriesPoint { period: r.try_get(0)?, value: r.try_get(1)?, published_on: r.try_get(2)? }))
        .collect()
    }
}
