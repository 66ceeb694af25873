//! Decisions are append-only: the database itself refuses to change or remove one.

use crate::{databases, raw};
use failwell_store::{NewDecision, RecommendationRow, RegimeAdded, ScanRecord, Store};

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
    }
}

#[tokio::test]
async fn decisions_are_recorded_and_the_database_refuses_to_change_or_delete_them() {
    for db in databases().await {
        let b = db.backend;
        let store = Store::open(&db.url).await.unwrap();
        let scan = store.record_scan(&run("2024-01-01"), &[], &[], &[], &[], true, &recommendations()).await.unwrap();
        let rec = store.recommendation(scan, "E08000017").await.unwrap().expect("stored");
        assert_eq!(rec.recommended_rung.as_deref(), Some("improvement_notice"));
        assert_eq!(store.recommendation(scan, "X1").await.unwrap().unwrap().recommended_rung, None);
        assert!(store.recommendation(scan, "NOPE").await.unwrap().is_none());
        assert_eq!(store.scan_as_of(scan).await.unwrap().as_deref(), Some("2024-01-01"));
        assert_eq!(store.scan_as_of(scan + 1).await.unwrap(), None);

        let declined = store.record_decision(&decision(scan, false, "Peer review first")).await.unwrap();
        assert_eq!(declined.decision, "declined");
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
        store.close().await;

        // Raw SQL on a connection of its own: update and delete are refused by triggers.
        let update = raw(&db, "update decision set reason = 'rewritten'").await;
        assert!(update.as_ref().is_err_and(|e| e.contains("append-only")), "[{b}] update: {update:?}");
        let delete = raw(&db, "delete from decision").await;
        assert!(delete.as_ref().is_err_and(|e| e.contains("append-only")), "[{b}] delete: {delete:?}");
        if b == "postgres" {
            let truncate = raw(&db, "truncate decision").await;
            assert!(truncate.as_ref().is_err_and(|e| e.contains("append-only")), "[{b}] truncate: {truncate:?}");
        }
        let store = Store::open(&db.url).await.unwrap();
        let after = store.decisions(None).await.unwrap();
        assert_eq!(after, all, "[{b}] nothing changed");
        store.close().await;
    }
}

#[tokio::test]
async fn a_regime_version_is_added_once_and_never_replaced() {
    for db in databases().await {
        let b = db.backend;
        let store = Store::open(&db.url).await.unwrap();
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
    }
}
