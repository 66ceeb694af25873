//! A whole case through the real store, on every backend: a peer review opened from an
//! accepted recommendation, escalated with a reason, its obligations met and lapsed,
//! closed with lessons, then a relapse; every bad move refused, written nowhere but the
//! audit log, which (like the steps) the database keeps append-only.

use failwell_domain::casework::{
    ActionTag, CaseActor, CaseRole, CaseworkRefusal, CriterionOf, CriterionRule, ExitKind, Lessons, NewIntervention,
    NewStep, Power, ProgressStatus, TargetSide,
};
use failwell_domain::regime::Regime;
use failwell_engine::casework::criteria::CriterionState;
use failwell_engine::casework::plan::{self, NewAction, Rag};
use failwell_engine::casework::{self, CaseworkError, journey};
use failwell_store::{NewDecision, RecommendationRow, ScanRecord};
use failwell_test_support::each_backend;
use failwell_test_support::seed::{DONCASTER, Seed, WEST_SUSSEX, day, load_observations, observation};

fn opening(org: &str, rung: &str, by: &str, start: &str, decision: Option<i64>) -> NewIntervention {
    NewIntervention {
        organisations: vec![org.parse().unwrap()],
        sector: "childrens_services".into(),
        rung: rung.into(),
        applied_by: by.into(),
        start: day(start),
        planned_end: Some(day("2025-06-30")),
        report_published: None,
        actors: vec![
            CaseActor {
                name: "P. Reviewer".into(),
                role: CaseRole::PeerReviewer,
                power: Power::Advise,
                email: Some("p@example.org".into()),
            },
            CaseActor {
                name: "D. Observer".into(),
                role: CaseRole::DepartmentObserver,
                power: Power::Monitor,
                email: None,
            },
        ],
        reason: "Re-referrals rising".into(),
        opened_by: "caseworker".into(),
        decision,
    }
}

fn step(to: &str, by: &str, on: &str, jump: Option<&str>) -> NewStep {
    NewStep {
        to_rung: to.into(),
        by: by.into(),
        on: day(on),
        reason: "The peer review found practice unsafe".into(),
        jump_reason: jump.map(Into::into),
        person: None,
        recorded_by: "caseworker".into(),
    }
}

fn refusal(r: Result<impl std::fmt::Debug, CaseworkError>) -> CaseworkRefusal {
    match r {
        Err(CaseworkError::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_whole_case_from_recommendation_to_relapse() {
    each_backend(|store| async move {
        let b = store.name();
        let regime = Regime::england();
        Seed::small().load(&store).await.unwrap();
        let run = ScanRecord {
            id: 0,
            as_of: "2024-01-01".into(),
            regime: "england".into(),
            regime_version: "1".into(),
            config: "test".into(),
            through_import: 0,
            mode: "full".into(),
            organisations: 2,
            signals: 0,
            new_signals: 0,
            closed_signals: 0,
        };
        let rec = |org: &str| RecommendationRow {
            organisation: org.into(),
            recommended_rung: Some("peer_review".into()),
            current_rung: Some("universal_monitoring".into()),
            rationale: "[]".into(),
        };
        let scan =
            store.record_scan(&run, &[], &[], &[], &[], true, &[rec(WEST_SUSSEX), rec(DONCASTER)]).await.unwrap();
        let decide = |org: &str, accepted: bool| NewDecision {
            scan_id: scan,
            organisation: org.into(),
            recommended_rung: "peer_review".into(),
            accepted,
            reason: "agreed".into(),
            decided_by: "director".into(),
            request_id: None,
        };
        let accepted = store.record_decision(&decide(WEST_SUSSEX, true)).await.unwrap();
        let declined = store.record_decision(&decide(DONCASTER, false)).await.unwrap();

        // A decision on another organisation, or a declined one, cannot open a case.
        let r = refusal(
            casework::open(
                &store,
                &regime,
                &opening(WEST_SUSSEX, "peer_review", "lga", "2024-02-01", Some(declined.id)),
            )
            .await,
        );
        assert_eq!(r, CaseworkRefusal::DecisionDoesNotFit(declined.id), "[{b}]");
        let r = refusal(
            casework::open(&store, &regime, &opening("E99999999", "peer_review", "lga", "2024-02-01", None)).await,
        );
        assert_eq!(r, CaseworkRefusal::UnknownOrganisation("E99999999".into()), "[{b}]");
        let r = refusal(
            casework::open(&store, &regime, &opening(WEST_SUSSEX, "peer_review", "dfe", "2024-02-01", None)).await,
        );
        assert!(matches!(r, CaseworkRefusal::NotEntitled { .. }), "[{b}] {r}");

        let id = casework::open(
            &store,
            &regime,
            &opening(WEST_SUSSEX, "peer_review", "lga", "2024-02-01", Some(accepted.id)),
        )
        .await
        .unwrap();
        let case = store.intervention(id).await.unwrap().unwrap();
        assert_eq!(
            (case.rung.as_str(), case.statutory, case.decision),
            ("peer_review", false, Some(accepted.id)),
            "[{b}]"
        );
        assert_eq!(case.actors.len(), 2);
        let dues: Vec<(&str, &str)> = case.obligations.iter().map(|o| (o.clock.as_str(), o.due.as_str())).collect();
        assert_eq!(dues, [("feedback_letter", "2024-03-14"), ("action_plan", "2024-05-01")], "[{b}]");

        // A second open peer review of the same council is refused.
        let r = refusal(
            casework::open(&store, &regime, &opening(WEST_SUSSEX, "peer_review", "lga", "2024-03-01", None)).await,
        );
        assert_eq!(
            r,
            CaseworkRefusal::AlreadyOpen { organisation: WEST_SUSSEX.into(), rung: "peer_review".into(), id },
            "[{b}]"
        );

        // The feedback letter arrives; the action plan does not before the escalation.
        casework::meet(&store, id, case.obligations[0].id, day("2024-03-10"), "caseworker").await.unwrap();
        let r = refusal(casework::meet(&store, id, case.obligations[0].id, day("2024-03-11"), "caseworker").await);
        assert!(matches!(r, CaseworkRefusal::ObligationSettled { .. }), "[{b}] met twice: {r}");

        // Peer review (1) to improvement notice (3) is a jump: refused without its own reason,
        // and refused to an actor the regime does not give the notice to.
        let r =
            refusal(casework::step(&store, &regime, id, &step("improvement_notice", "dfe", "2024-06-01", None)).await);
        assert!(matches!(r, CaseworkRefusal::JumpWithoutReason { rungs: 2, .. }), "[{b}] {r}");
        let r = refusal(
            casework::step(&store, &regime, id, &step("improvement_notice", "lga", "2024-06-01", Some("unsafe"))).await,
        );
        assert!(matches!(r, CaseworkRefusal::NotEntitled { .. }), "[{b}] {r}");
        // A step taken by one of the case's people needs the power to direct: the peer
        // reviewer advises, and a person the case does not name takes no step on it.
        let jump = step("improvement_notice", "dfe", "2024-06-01", Some("unsafe"));
        let by_reviewer = NewStep { person: Some("P. Reviewer".into()), ..jump.clone() };
        let r = refusal(casework::step(&store, &regime, id, &by_reviewer).await);
        assert!(
            matches!(&r, CaseworkRefusal::PowerTooWeak { held: Power::Advise, needed: Power::Direct, .. }),
            "[{b}] {r}"
        );
        let by_stranger = NewStep { person: Some("S. Stranger".into()), ..jump };
        let r = refusal(casework::step(&store, &regime, id, &by_stranger).await);
        assert!(matches!(r, CaseworkRefusal::NotOnCase { .. }), "[{b}] {r}");
        casework::step(
            &store,
            &regime,
            id,
            &step("improvement_notice", "dfe", "2024-06-01", Some("Children at risk now")),
        )
        .await
        .unwrap();
        let case = store.intervention(id).await.unwrap().unwrap();
        assert_eq!(case.rung, "improvement_notice");
        assert_eq!(case.steps.len(), 2);
        assert_eq!(case.steps[1].jump_reason.as_deref(), Some("Children at risk now"));
        let plan = case.obligations.iter().find(|o| o.clock == "action_plan").unwrap();
        assert_eq!(
            (plan.met_on.as_deref(), plan.lapsed_on.as_deref()),
            (None, Some("2024-06-01")),
            "[{b}] unmet obligations lapse"
        );
        let reviews: Vec<&str> =
            case.obligations.iter().filter(|o| o.clock == "notice_review").map(|o| o.due.as_str()).collect();
        assert_eq!(reviews, ["2024-12-01", "2025-06-01"], "[{b}] six-monthly reviews up to the planned end");

        // A plan: a process action whose criterion is tied to re-referrals, and exit criteria
        // of both kinds.
        // A part of a plan from before the case began is refused: no review could show it.
        let r = refusal(plan::add_theme(&store, id, "Too early", day("2020-01-01"), "caseworker").await);
        assert!(matches!(r, CaseworkRefusal::EndBeforeStart { .. }), "[{b}] {r}");
        let theme = plan::add_theme(&store, id, "Safe practice", day("2024-06-01"), "caseworker").await.unwrap();
        let action = |title: &str, tag, from| NewAction {
            theme,
            title: title.into(),
            lead: "Head of practice".into(),
            due: day("2025-01-31"),
            tag,
            from: day(from),
        };
        let audit_action = plan::add_action(
            &store,
            id,
            &action("Audit every re-referral", ActionTag::Process, "2024-06-01"),
            "caseworker",
        )
        .await
        .unwrap();
        // Added to the plan in the autumn: a review of June does not show it.
        plan::add_action(&store, id, &action("Merge the front doors", ActionTag::Structural, "2024-09-01"), "caseworker")
            .await
            .unwrap();
        casework::add_person(
            &store,
            id,
            &"N. Newcomer:board_member:advise".parse().unwrap(),
            day("2024-09-01"),
            "caseworker",
        )
        .await
        .unwrap();
        let target = CriterionRule::Indicator {
            organisation: WEST_SUSSEX.parse().unwrap(),
            indicator: "rereferrals_pct".parse().unwrap(),
            target: 17.0,
            side: TargetSide::AtMost,
            by: None,
        };
        let rereferrals =
            plan::add_criterion(&store, id, CriterionOf::Action(audit_action), &target, day("2024-06-01"), "caseworker")
                .await
                .unwrap();
        let unknown = CriterionRule::Indicator {
            organisation: WEST_SUSSEX.parse().unwrap(),
            indicator: "no_such_indicator".parse().unwrap(),
            target: 1.0,
            side: TargetSide::AtMost,
            by: None,
        };
        let r = refusal(
            plan::add_criterion(&store, id, CriterionOf::Exit(ExitKind::Outcome), &unknown, day("2024-06-01"), "caseworker")
                .await,
        );
        assert_eq!(r, CaseworkRefusal::UnknownIndicator("no_such_indicator".into()), "[{b}]");
        let owned = CriterionRule::Judged { description: "Leaders own the plan".into(), judge: "D. Observer".into() };
        let owned =
            plan::add_criterion(&store, id, CriterionOf::Exit(ExitKind::Capability), &owned, day("2024-06-01"), "caseworker")
                .await
                .unwrap();
        let outstanding =
            CriterionRule::Rating { organisation: WEST_SUSSEX.parse().unwrap(), at_least: "outstanding".into() };
        // A goal beyond adequate, set in the new year.
        plan::add_criterion(
            &store,
            id,
            CriterionOf::Exit(ExitKind::Outcome),
            &outstanding,
            day("2025-01-20"),
            "caseworker",
        )
        .await
        .unwrap();

        let review = plan::review(&store, &regime, id, day("2024-06-15")).await.unwrap();
        let verdict = |r: &plan::CaseReview, c: i64| r.criteria.iter().find(|k| k.id == c).unwrap().verdict.clone();
        assert_eq!(verdict(&review, rereferrals).state, CriterionState::NotMet, "[{b}]");
        assert!(!review.all_structural, "[{b}] one action is about practice");
        assert_eq!(review.exit_ready, Some(false));
        // June's review shows the plan and the people as they stood in June.
        let titles = |r: &plan::CaseReview| r.actions.iter().map(|a| a.action.title.clone()).collect::<Vec<_>>();
        let people = |r: &plan::CaseReview| r.intervention.actors.iter().map(|a| a.name.clone()).collect::<Vec<_>>();
        assert_eq!(titles(&review), ["Audit every re-referral"], "[{b}]");
        assert!(!people(&review).contains(&"N. Newcomer".to_string()), "[{b}] {:?}", people(&review));
        assert_eq!(review.exit_counts, (0, 0, 0, 1), "[{b}] the outcome criterion is set in 2025");

        // The newcomer steps down in the spring: not before they joined, not in a role
        // they do not hold, and once only. Autumn's review lists them; spring's does not.
        let leave = |role, on: &str| casework::remove_person(&store, id, "n. newcomer", role, day(on), "caseworker");
        let r = refusal(leave(CaseRole::BoardMember, "2024-08-01").await);
        assert!(matches!(r, CaseworkRefusal::EndBeforeStart { .. }), "[{b}] before they joined: {r}");
        let r = refusal(leave(CaseRole::BoardChair, "2025-03-01").await);
        assert!(matches!(r, CaseworkRefusal::NotInCase { .. }), "[{b}] not their role: {r}");
        leave(CaseRole::BoardMember, "2025-03-01").await.unwrap();
        let r = refusal(leave(CaseRole::BoardMember, "2025-03-02").await);
        assert!(matches!(r, CaseworkRefusal::NotInCase { .. }), "[{b}] gone already: {r}");
        let stored = store.intervention(id).await.unwrap().unwrap();
        let newcomer = stored.actors.iter().find(|a| a.name == "N. Newcomer").expect("kept in the record");
        assert_eq!((newcomer.from.as_deref(), newcomer.left.as_deref()), (Some("2024-09-01"), Some("2025-03-01")));
        let autumn = plan::review(&store, &regime, id, day("2024-10-01")).await.unwrap();
        assert!(people(&autumn).contains(&"N. Newcomer".to_string()), "[{b}] {:?}", people(&autumn));
        let spring = plan::review(&store, &regime, id, day("2025-03-01")).await.unwrap();
        assert!(!people(&spring).contains(&"N. Newcomer".to_string()), "[{b}] {:?}", people(&spring));

        // A person the case names is held to their power whoever records the move: the
        // peer reviewer advises, so may shape the plan but brings no one in.
        let extra: CaseActor = "X. Extra:partner:advise".parse().unwrap();
        let r = refusal(casework::add_person(&store, id, &extra, day("2025-03-01"), "p. reviewer").await);
        assert!(
            matches!(&r, CaseworkRefusal::PowerTooWeak { held: Power::Advise, needed: Power::Direct, .. }),
            "[{b}] {r}"
        );

        // New figures arrive: seven years well below the old mean (revising the last two), a real shift.
        let new: Vec<_> = (0..7)
            .map(|i| {
                let y = 2020 + i; // to 2026/27, the year under way: no figure for a year not begun
                observation(
                    WEST_SUSSEX,
                    "rereferrals_pct",
                    &format!("{y}/{:02}", (y + 1) % 100),
                    14.0 + f64::from(i % 2),
                    Some("2024-07-01"),
                )
            })
            .collect();
        load_observations(&store, &new).await.unwrap();
        plan::record_progress(
            &store,
            id,
            audit_action,
            day("2024-12-01"),
            ProgressStatus::OnTrack,
            "Audits weekly",
            "Head of practice",
        )
        .await
        .unwrap();
        let r = refusal(
            plan::judge_criterion(&store, id, owned, day("2025-01-15"), true, "Board minutes", "caseworker").await,
        );
        assert!(matches!(r, CaseworkRefusal::NotTheJudge { .. }), "[{b}] {r}");
        plan::judge_criterion(
            &store,
            id,
            owned,
            day("2025-01-15"),
            true,
            "The council wrote and leads its own plan",
            "D. Observer",
        )
        .await
        .unwrap();

        let review = plan::review(&store, &regime, id, day("2025-02-01")).await.unwrap();
        let v = verdict(&review, rereferrals);
        assert_eq!(v.state, CriterionState::Met, "[{b}] {}", v.why);
        assert_eq!(v.since, Some(day("2024-07-01")), "[{b}]");
        assert!(v.why.contains("special cause of improvement"), "[{b}] {}", v.why);
        // Exit on capability with an outcome criterion still unmet: the readiness says so.
        assert_eq!(review.exit_counts, (0, 1, 1, 1), "[{b}]");
        assert_eq!(titles(&review), ["Audit every re-referral", "Merge the front doors"], "[{b}]");
        assert!(people(&review).contains(&"N. Newcomer".to_string()), "[{b}] {:?}", people(&review));
        assert_eq!(review.exit_ready, Some(false), "[{b}]");
        let audit_rag = review.actions.iter().find(|a| a.action.id == audit_action).unwrap();
        assert_eq!(audit_rag.rag, Rag::Red, "[{b}] due 31 January, not done: {}", audit_rag.why);

        // Closing asks for lessons; a closed case cannot move.
        let mut lessons =
            Lessons { worked: "Peer challenge early".into(), did_not_work: "".into(), exit: "capability".into() };
        assert!(matches!(
            refusal(casework::close(&store, id, day("2025-03-01"), &lessons, "caseworker").await),
            CaseworkRefusal::Blank(_)
        ));
        lessons.did_not_work = "Waiting for the notice".into();
        casework::close(&store, id, day("2025-03-01"), &lessons, "caseworker").await.unwrap();
        let r =
            refusal(casework::step(&store, &regime, id, &step("statutory_direction", "dfe", "2025-04-01", None)).await);
        assert_eq!(r, CaseworkRefusal::Closed(id), "[{b}]");
        let case = store.intervention(id).await.unwrap().unwrap();
        assert_eq!(case.status(), "closed");
        assert_eq!(case.lessons.as_ref().and_then(|l| l["worked"].as_str()), Some("Peer challenge early"));
        assert!(case.obligations.iter().all(|o| o.met_on.is_some() || o.lapsed_on.is_some()), "[{b}] nothing left due");

        // A tapered exit: a check-in after the formal end, held once.
        let check = plan::schedule_check_in(
            &store,
            id,
            day("2025-06-01"),
            "P. Reviewer",
            "Re-referrals and leadership",
            "caseworker",
        )
        .await
        .unwrap();
        plan::hold_check_in(&store, id, check, day("2025-06-03"), "Holding steady", "P. Reviewer").await.unwrap();
        let r = refusal(plan::hold_check_in(&store, id, check, day("2025-06-04"), "Again", "P. Reviewer").await);
        assert!(matches!(r, CaseworkRefusal::CheckInHeld { .. }), "[{b}] held twice: {r}");
        let after = plan::review(&store, &regime, id, day("2025-06-10")).await.unwrap();
        assert_eq!(after.check_ins[0].outcome.as_deref(), Some("Holding steady"));

        // A deadline the regime makes extendable moves once by its extension; a second, or
        // one on a clock with none, is refused.
        let mut trust = opening(DONCASTER, "recovery_support_programme", "nhs_england", "2024-01-01", None);
        trust.sector = "hospitals".into();
        trust.planned_end = None;
        let support = casework::open(&store, &regime, &trust).await.unwrap();
        let reinspection = store.intervention(support).await.unwrap().unwrap().obligations[0].clone();
        assert_eq!((reinspection.clock.as_str(), reinspection.due.as_str()), ("reinspection", "2025-01-01"), "[{b}]");
        let due = casework::extend(&store, &regime, support, reinspection.id, "Leaders changed in October", "caseworker").await.unwrap();
        assert_eq!(due, day("2025-07-01"), "[{b}] twelve months, extendable once by six");
        let r = refusal(casework::extend(&store, &regime, support, reinspection.id, "Again", "caseworker").await);
        assert!(matches!(r, CaseworkRefusal::ExtensionsUsed { used: 1, .. }), "[{b}] {r}");
        let extended = store.intervention(support).await.unwrap().unwrap().obligations[0].clone();
        assert_eq!((extended.due.as_str(), extended.first_due.as_deref(), extended.extensions), ("2025-07-01", Some("2025-01-01"), 1));
        let notice = store.intervention(id).await.unwrap().unwrap();
        let review = notice.obligations.iter().find(|o| o.clock == "notice_review" && o.lapsed_on.is_some()).unwrap();
        let r = refusal(casework::extend(&store, &regime, id, review.id, "Late", "caseworker").await);
        assert!(matches!(r, CaseworkRefusal::ObligationSettled { .. }), "[{b}] {r}");

        // A return to intervention after the exit is a relapse.
        let mut relapse = opening(WEST_SUSSEX, "statutory_direction", "dfe", "2025-09-01", None);
        relapse.planned_end = None;
        let again = casework::open(&store, &regime, &relapse).await.unwrap();
        assert!(again > id);
        let (_, j) = journey::read(&store, &regime, WEST_SUSSEX, day("2025-12-01")).await.unwrap().unwrap();
        assert_eq!(j.episodes.len(), 2, "[{b}] {j:?}");
        assert_eq!(j.relapses, 1, "[{b}]");
        assert!(j.episodes[1].relapse && j.episodes[1].end.is_none());

        // Every move is in the audit log, refusals with their reasons.
        let log = store.audit_log(100).await.unwrap();
        let refused: Vec<&str> = log.iter().filter(|e| e.outcome == "refused").map(|e| e.detail.as_str()).collect();
        assert_eq!(refused.len(), 21, "[{b}] {refused:#?}");
        assert!(refused.iter().any(|d| d.contains("first day (2020-01-01) is before the start")), "[{b}]");
        assert!(refused.iter().any(|d| d.contains("needs the power to direct")), "[{b}]");
        assert!(refused.iter().any(|d| d.contains("from zero to 100")), "[{b}]");
        assert_eq!(
            log.iter().filter(|e| e.outcome == "done").count(),
            21,
            "[{b}] two decisions, three openings, a meeting, a step, a closing, a theme, two actions, a person who later left, three criteria, progress, a judgement, a check-in scheduled and held, an extension: {log:#?}"
        );
        store.close().await;

        // The database refuses to rewrite the audit log or a step.
        for sql in
            ["update audit_log set detail = 'x'", "delete from audit_log", "update intervention_step set reason = 'x'"]
        {
            let r = store.database().execute(sql).await;
            assert!(r.as_ref().is_err_and(|e| e.contains("append-only")), "[{b}] {sql}: {r:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn the_scan_shows_the_rung_an_open_case_holds_and_forgets_it_after_the_exit() {
    use failwell_engine::ScanOptions;
    use failwell_test_support::scan::scan;
    each_backend(|store| async move {
        let b = store.name();
        let regime = Regime::england();
        Seed::small().load(&store).await.unwrap();
        let as_of = |d: &str| ScanOptions { as_of: Some(day(d)), record: false, ..ScanOptions::default() };
        let west_sussex = |report: &failwell_engine::ScanReport| {
            report.organisations.iter().find(|o| o.organisation == WEST_SUSSEX).cloned().expect("West Sussex judged")
        };
        // Judged Good: universal monitoring, until a DfE adviser is sent on 1 February 2024.
        let before = west_sussex(&scan(&store, &as_of("2024-03-01")).await.unwrap());
        assert_eq!(before.current_rung.as_deref(), Some("universal_monitoring"), "[{b}]");
        let id = casework::open(&store, &regime, &opening(WEST_SUSSEX, "dfe_adviser", "dfe", "2024-02-01", None))
            .await
            .unwrap();
        let during = west_sussex(&scan(&store, &as_of("2024-03-01")).await.unwrap());
        assert_eq!(during.current_rung.as_deref(), Some("dfe_adviser"), "[{b}] the case's rung");
        assert!(!during.current_rung_inferred, "[{b}] recorded, not inferred");
        assert_eq!(
            during.rationale[0],
            format!("Stands on DfE adviser by intervention case {id} of failwell's casework (on this rung since 2024-02-01)."),
            "[{b}]"
        );
        assert_eq!(during.context.current_rung_level, 2, "[{b}] the trigger rules see it");
        // Before the case opened, and after it closed, the scan does not see it.
        let earlier = west_sussex(&scan(&store, &as_of("2024-01-15")).await.unwrap());
        assert_eq!(earlier.current_rung.as_deref(), Some("universal_monitoring"), "[{b}]");
        let lessons =
            Lessons { worked: "Advice early".into(), did_not_work: "Nothing noted".into(), exit: "capability".into() };
        casework::close(&store, id, day("2024-06-01"), &lessons, "caseworker").await.unwrap();
        let after = west_sussex(&scan(&store, &as_of("2024-07-01")).await.unwrap());
        assert_eq!(after.current_rung.as_deref(), Some("universal_monitoring"), "[{b}] the exit ends it");
        let still = west_sussex(&scan(&store, &as_of("2024-03-01")).await.unwrap());
        assert_eq!(still.current_rung.as_deref(), Some("dfe_adviser"), "[{b}] as of a day it was open");
        // The scan reads only the cases open on its day: from the start, up to the day
        // before the end.
        let open_on = |d: &'static str| {
            let store = &store;
            async move { store.interventions_open_on(day(d)).await.unwrap().iter().map(|c| c.id).collect::<Vec<_>>() }
        };
        assert_eq!(open_on("2024-02-01").await, vec![id], "[{b}] the first day");
        assert_eq!(open_on("2024-05-31").await, vec![id], "[{b}] the last day");
        assert!(open_on("2024-01-31").await.is_empty(), "[{b}] before it");
        assert!(open_on("2024-06-01").await.is_empty(), "[{b}] on the day it ended");
    })
    .await;
}
