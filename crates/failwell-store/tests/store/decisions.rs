//! Decisions are append-only: the database itself refuses to change or remove one.

use failwell_store::{NewDecision, RecommendationRow, RegimeAdded, ScanRecord};
use failwell_test_support::{TestDatabase, each_backend};

fn run(as_of: &str) -> ScanRecord {
    ScanRecord {
        id: 0,
        as_of: as_of.into(),
        regime: "england".into(),
        regime_version: "1".into(),
        config: "test".into(),
        through_import: 0,
        mode: "full".into(),
        organisations: 2,
        signals: 0,
        new_signals: 0,
        closed_signals: 0,
    }
}

fn recommendations() -> Vec<RecommendationRow> {
    vec![
        RecommendationRow {
            organisation: "E08000017".into(),
            recommended_rung: Some("improvement_notice".into()),
            current_rung: Some("universal_monitoring".into()),
            rationale: r#"["A failing grade."]"#.into(),
        },
        RecommendationRow {
            organisation: "X1".into(),
            recommended_rung: None,
            current_rung: None,
            rationale: "[]".into(),
        },
    ]
}

fn decision(scan_id: i64, accepted: bool, reason: &str) -> NewDecision {
    NewDecision {
        scan_id,
        organisation: "E08000017".into(),
        recommended_rung: "improvement_notice".into(),
        accepted,
        reason: reason.into(),
        decided_by: "A. Reviewer".into(),
        request_id: None,
    }
}

#[tokio::test]
async fn decisions_are_recorded_and_the_database_refuses_to_change_or_delete_them() {
    each_backend(|mut store| async move {
        let b = store.name();
        let scan = store.record_scan(&run("2024-01-01"), &[], &[], &[], &[], true, &recommendations()).await.unwrap();
        let rec = store.recommendation(scan, "E08000017").await.unwrap().expect("stored");
        assert_eq!(rec.recommended_rung.as_deref(), Some("improvement_notice"));
        assert_eq!(store.recommendation(scan, "X1").await.unwrap().unwrap().recommended_rung, None);
        assert!(store.recommendation(scan, "NOPE").await.unwrap().is_none());
        assert_eq!(store.scan_as_of(scan).await.unwrap().as_deref(), Some("2024-01-01"));
        assert_eq!(store.scan_as_of(scan + 1).await.unwrap(), None);

        let before = store.marks().await.unwrap().changed;
        let declined = store.record_decision(&decision(scan, false, "Peer review first")).await.unwrap();
        assert_eq!(declined.decision, "declined");
        // Each decision is audited in its own transaction, and so counts as a write.
        assert_eq!(store.marks().await.unwrap().changed, before + 1, "[{b}]");
        let log = store.audit_log(10).await.unwrap();
        assert_eq!(
            (log[0].who.as_str(), log[0].action.as_str(), log[0].subject.as_str(), log[0].outcome.as_str()),
            ("A. Reviewer", "decide", &*format!("E08000017 scan {scan}"), "done"),
            "[{b}]"
        );
        assert_eq!(log[0].detail, "declined improvement_notice: Peer review first", "[{b}]");
        assert_eq!(declined.scan_as_of, "2024-01-01");
        let accepted = store.record_decision(&decision(scan, true, "Grade confirmed")).await.unwrap();
        assert_eq!(accepted.decision, "accepted");
        let all = store.decisions(None).await.unwrap();
        assert_eq!(all.iter().map(|d| d.id).collect::<Vec<_>>(), vec![declined.id, accepted.id], "[{b}]");
        assert_eq!(store.decisions(Some("X1")).await.unwrap(), vec![]);

        // The database refuses a blank reason and an organisation the scan did not report.
        assert!(store.record_decision(&decision(scan, true, "  ")).await.is_err(), "[{b}] blank reason");
        let mut unknown = decision(scan, true, "r");
        unknown.organisation = "NOPE".into();
        assert!(store.record_decision(&unknown).await.is_err(), "[{b}] not in the scan");
        let decided = store.audit_log(10).await.unwrap().iter().filter(|e| e.action == "decide").count();
        assert_eq!(decided, 2, "[{b}] a refused decision leaves no audit entry");
        store.close().await;

        // Raw SQL on a connection of its own: update and delete are refused by triggers.
        let update = store.database().execute("update decision set reason = 'rewritten'").await;
        assert!(update.as_ref().is_err_and(|e| e.contains("append-only")), "[{b}] update: {update:?}");
        let delete = store.database().execute("delete from decision").await;
        assert!(delete.as_ref().is_err_and(|e| e.contains("append-only")), "[{b}] delete: {delete:?}");
        if b == "postgres" {
            // `cascade`: interventions refer to decisions, and a plain truncate is refused
            // for that before the trigger is asked.
            let truncate = store.database().execute("truncate decision cascade").await;
            assert!(truncate.as_ref().is_err_and(|e| e.contains("append-only")), "[{b}] truncate: {truncate:?}");
        }
        store.reopen().await.unwrap();
        let after = store.decisions(None).await.unwrap();
        assert_eq!(after, all, "[{b}] nothing changed");
        store.close().await;
    })
    .await;
}

/// Rows scan `scan` wrote to the recommendation table (counted by a no-op update).
async fn written_by(db: &TestDatabase, scan: i64) -> u64 {
    db.execute(&format!("update recommendation set reported = reported where scan_id = {scan}")).await.unwrap()
}

#[tokio::test]
async fn a_scan_writes_only_the_recommendations_that_changed_and_each_scan_still_reads_its_own() {
    each_backend(|store| async move {
        let b = store.name();
        let record = |as_of: &'static str, recs: Vec<RecommendationRow>| {
            let store = &store;
            async move { store.record_scan(&run(as_of), &[], &[], &[], &[], false, &recs).await.unwrap() }
        };
        let first = record("2024-01-01", recommendations()).await;
        assert_eq!(written_by(store.database(), first).await, 2, "[{b}] the first scan writes all");

        // The same two again, and a third organisation: only the third is written.
        let mut more = recommendations();
        more.push(RecommendationRow {
            organisation: "Y2".into(),
            recommended_rung: Some("peer_review".into()),
            current_rung: Some("universal_monitoring".into()),
            rationale: r#"["Early signs."]"#.into(),
        });
        let second = record("2024-02-01", more.clone()).await;
        assert_eq!(written_by(store.database(), second).await, 1, "[{b}] only what changed");
        let repeated = store.recommendation(second, "E08000017").await.unwrap().expect("in force");
        assert_eq!(repeated.scan_id, first, "[{b}] made by the first scan, repeated by the second");
        assert_eq!(repeated.recommended_rung.as_deref(), Some("improvement_notice"));
        assert_eq!(store.recommendation(second, "Y2").await.unwrap().unwrap().scan_id, second);
        assert!(store.recommendation(first, "Y2").await.unwrap().is_none(), "[{b}] not reported by the first");

        // A changed rung is written; an organisation no longer reported is withdrawn.
        let mut third_recs = vec![more[0].clone(), more[2].clone()];
        third_recs[0].recommended_rung = Some("intervention".into());
        let third = record("2024-03-01", third_recs).await;
        assert_eq!(written_by(store.database(), third).await, 2, "[{b}] the changed one and the withdrawn one");
        let changed = store.recommendation(third, "E08000017").await.unwrap().unwrap();
        assert_eq!((changed.scan_id, changed.recommended_rung.as_deref()), (third, Some("intervention")), "[{b}]");
        assert!(store.recommendation(third, "X1").await.unwrap().is_none(), "[{b}] withdrawn");
        // History reads as it was recorded.
        assert_eq!(
            store.recommendation(second, "E08000017").await.unwrap().unwrap().recommended_rung.as_deref(),
            Some("improvement_notice")
        );
        assert!(store.recommendation(second, "X1").await.unwrap().is_some(), "[{b}] reported by the second");

        // A decision on a repeated recommendation refers to the scan that made it; one on a
        // withdrawn recommendation is refused.
        let decided = store.record_decision(&decision(second, true, "Confirmed")).await.unwrap();
        assert_eq!((decided.scan_id, decided.scan_as_of.as_str()), (first, "2024-01-01"), "[{b}]");
        let mut withdrawn = decision(third, true, "r");
        withdrawn.organisation = "X1".into();
        let refused = store.record_decision(&withdrawn).await;
        assert!(
            matches!(refused, Err(failwell_store::StoreError::NoRecommendation { scan, .. }) if scan == third),
            "[{b}] {refused:?}"
        );

        // Reported again: written again.
        let fourth = record("2024-04-01", recommendations()).await;
        assert_eq!(store.recommendation(fourth, "X1").await.unwrap().unwrap().scan_id, fourth, "[{b}]");
        assert!(store.recommendation(fourth, "Y2").await.unwrap().is_none(), "[{b}] Y2 withdrawn now");
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn rows_recorded_before_migration_6_stay_each_scans_own() {
    each_backend(|mut store| async move {
        let b = store.name();
        let mut scans = Vec::new();
        for as_of in ["2024-01-01", "2024-02-01", "2024-03-01"] {
            scans.push(store.record_scan(&run(as_of), &[], &[], &[], &[], false, &recommendations()).await.unwrap());
        }
        store.close().await;
        let (s1, s2, s3) = (scans[0], scans[1], scans[2]);
        // Back to version 5, where every scan wrote a row for each organisation it
        // reported: the second scan reported only E08000017, the third both.
        store
            .database()
            .execute(&format!(
                "drop index recommendation_in_force; drop index recommendation_organisation;
                 alter table recommendation drop column superseded_in;
                 alter table recommendation drop column reported;
                 delete from schema_version where version = 6;
                 insert into recommendation (scan_id, organisation, recommended_rung, current_rung, rationale) values
                   ({s2}, 'E08000017', 'improvement_notice', 'universal_monitoring', '[\"A failing grade.\"]'),
                   ({s3}, 'E08000017', 'improvement_notice', 'universal_monitoring', '[\"A failing grade.\"]'),
                   ({s3}, 'X1', null, null, '[]');"
            ))
            .await
            .unwrap();
        store.reopen().await.unwrap();
        assert_eq!(store.recommendation(s1, "X1").await.unwrap().unwrap().scan_id, s1, "[{b}]");
        assert!(store.recommendation(s2, "X1").await.unwrap().is_none(), "[{b}] the second did not report X1");
        assert_eq!(store.recommendation(s2, "E08000017").await.unwrap().unwrap().scan_id, s2, "[{b}]");
        assert_eq!(store.recommendation(s3, "X1").await.unwrap().unwrap().scan_id, s3, "[{b}]");
        // The last scan's rows stay in force: the same recommendations again write nothing.
        let s4 = store.record_scan(&run("2024-04-01"), &[], &[], &[], &[], false, &recommendations()).await.unwrap();
        assert_eq!(written_by(store.database(), s4).await, 0, "[{b}]");
        assert_eq!(store.recommendation(s4, "E08000017").await.unwrap().unwrap().scan_id, s3, "[{b}]");
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn two_scans_recording_at_once_are_written_one_after_the_other() {
    each_backend(|store| async move {
        let b = store.name();
        let writes = |recommendations: &'static [RecommendationRow]| failwell_store::ScanWrites {
            new: &[],
            changed: &[],
            closed: &[],
            results: &[],
            replace_all: false,
            recommendations,
        };
        let recs: &'static [RecommendationRow] = recommendations().leak();
        let first = store.begin_scan_record(&run("2024-01-01")).await.unwrap();
        let other = store.clone();
        let second = tokio::spawn(async move {
            let recording = other.begin_scan_record(&run("2024-01-02")).await.unwrap();
            recording.finish(writes(recs)).await.unwrap()
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(!second.is_finished(), "[{b}] the second waits for the first to commit");
        let first = first.finish(writes(recs)).await.unwrap();
        let second = second.await.unwrap();
        assert!(second > first, "[{b}]");
        // The second saw what the first wrote: the same recommendations are not written twice.
        assert_eq!(written_by(store.database(), first).await, 2, "[{b}]");
        assert_eq!(written_by(store.database(), second).await, 0, "[{b}]");
        assert_eq!(store.recommendation(second, "E08000017").await.unwrap().unwrap().scan_id, first, "[{b}]");
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_regime_version_is_added_once_and_never_replaced() {
    each_backend(|store| async move {
        let b = store.name();
        assert_eq!(store.add_regime("england", "2", "text a").await.unwrap(), RegimeAdded::Added, "[{b}]");
        assert_eq!(store.add_regime("england", "2", "text a").await.unwrap(), RegimeAdded::Unchanged);
        assert_eq!(store.add_regime("england", "2", "text b").await.unwrap(), RegimeAdded::Conflict);
        assert_eq!(store.add_regime("england", "10", "text c").await.unwrap(), RegimeAdded::Added);
        let listed: Vec<(String, String)> =
            store.regimes().await.unwrap().into_iter().map(|r| (r.id, r.version)).collect();
        assert_eq!(listed, [("england".into(), "10".into()), ("england".into(), "2".into())], "[{b}]");
        assert_eq!(store.regime("england", "2").await.unwrap().unwrap().text, "text a");
        assert!(store.regime("england", "3").await.unwrap().is_none());
        store.close().await;
    })
    .await;
}
