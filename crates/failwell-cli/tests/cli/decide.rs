//! Decisions on recommendations (`failwell decide`, `failwell decisions`) and regime
//! versions kept in the store (`failwell regime add|list`, `--regime-version`).

use crate::scan::load;
use crate::support::*;
use serde_json::Value;

fn recorded_scan(store: &TestStore) -> (i64, Value) {
    let out = ok(store, &["scan", "--format", "json"]);
    let scan: Value = serde_json::from_str(&out).unwrap();
    (scan["recorded"]["scan_id"].as_i64().unwrap_or_else(|| panic!("[{}] recorded: {out}", store.backend)), scan)
}

#[test]
fn recommendations_are_accepted_or_declined_with_a_reason_and_both_are_kept() {
    for store in stores() {
        let b = store.backend;
        let _keep = load(&store);
        let (id, scan) = recorded_scan(&store);
        let don = scan["organisations"].as_array().unwrap().iter().find(|o| o["organisation"] == "E08000017").unwrap();
        assert_eq!(don["recommended_rung"], "improvement_notice");
        let id = id.to_string();
        let decide = |verdict: &str, reason: &str| {
            run(
                &store,
                &[
                    "decide",
                    "--scan",
                    &id,
                    "--organisation",
                    "E08000017",
                    verdict,
                    "--reason",
                    reason,
                    "--by",
                    "A. Reviewer",
                ],
            )
        };
        let out = decide("--decline", "Peer review first: new leadership in post");
        assert!(out.status.success(), "[{b}] {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("E08000017 declined improvement_notice"), "[{b}]");
        assert!(decide("--accept", "Grade confirmed on appeal").status.success(), "[{b}]");

        // A reason is required and may not be blank; one verdict, not both: usage errors.
        let none = run(&store, &["decide", "--scan", &id, "--organisation", "E08000017", "--accept", "--by", "X"]);
        assert_eq!(none.status.code(), Some(2), "[{b}] no reason");
        assert!(String::from_utf8_lossy(&none.stderr).contains("--reason"), "[{b}]");
        assert_eq!(decide("--accept", "   ").status.code(), Some(2), "[{b}] blank reason");
        let both = run(
            &store,
            &[
                "decide",
                "--scan",
                &id,
                "--organisation",
                "E08000017",
                "--accept",
                "--decline",
                "--reason",
                "r",
                "--by",
                "X",
            ],
        );
        assert_eq!(both.status.code(), Some(2), "[{b}] both verdicts");

        // An organisation not in the scan's results, and a scan that was never recorded.
        let unknown = run(
            &store,
            &["decide", "--scan", &id, "--organisation", "E99999999", "--accept", "--reason", "r", "--by", "X"],
        );
        assert_eq!(unknown.status.code(), Some(1), "[{b}]");
        let err = String::from_utf8_lossy(&unknown.stderr);
        assert!(err.contains("organisation \"E99999999\" is not in the results of scan"), "[{b}] {err}");
        let no_scan = run(
            &store,
            &["decide", "--scan", "999", "--organisation", "E08000017", "--accept", "--reason", "r", "--by", "X"],
        );
        assert_eq!(no_scan.status.code(), Some(1), "[{b}]");
        let err = String::from_utf8_lossy(&no_scan.stderr);
        assert!(err.contains("no recorded scan 999: the latest recorded scan is"), "[{b}] {err}");

        let list: Value = serde_json::from_str(&ok(&store, &["decisions", "--format", "json"])).unwrap();
        let list = list["decisions"].as_array().unwrap();
        assert_eq!(list.len(), 2, "[{b}] only the two valid decisions: {list:?}");
        assert_eq!(list[0]["decision"], "declined");
        assert_eq!(list[0]["reason"], "Peer review first: new leadership in post");
        assert_eq!(list[0]["decided_by"], "A. Reviewer");
        assert_eq!(list[0]["recommended_rung"], "improvement_notice");
        assert_eq!(list[0]["scan_id"].as_i64().unwrap().to_string(), id);
        assert_eq!(list[1]["decision"], "accepted");
        assert!(time_like(list[1]["decided_at"].as_str().unwrap()), "[{b}] RFC 3339: {}", list[1]["decided_at"]);
        let text = ok(&store, &["decisions", "--organisation", "E08000017"]);
        assert_eq!(text.lines().count(), 2, "[{b}] {text}");
        assert!(text.lines().next().unwrap().contains("declined improvement_notice"), "[{b}] {text}");
        assert_eq!(ok(&store, &["decisions", "--organisation", "E10000032"]).trim(), "no decisions recorded");
    }
}

#[test]
fn a_declined_recommendation_is_recalled_when_the_next_scan_recommends_the_same_rung() {
    for store in stores() {
        let b = store.backend;
        let _keep = load(&store);
        let (id, _) = recorded_scan(&store);
        let id = id.to_string();
        ok(
            &store,
            &[
                "decide",
                "--scan",
                &id,
                "--organisation",
                "E08000017",
                "--decline",
                "--reason",
                "Peer review first",
                "--by",
                "A. Reviewer",
            ],
        );
        let text = ok(&store, &["scan", "--organisation", "E08000017"]);
        assert!(text.contains(" by A. Reviewer: Peer review first"), "[{b}] {text}");
        assert!(text.contains("recommendation of improvement_notice was declined on "), "[{b}] {text}");
        // Accepted later: the decline is no longer the latest word.
        ok(
            &store,
            &["decide", "--scan", &id, "--organisation", "E08000017", "--accept", "--reason", "Confirmed", "--by", "B"],
        );
        let text = ok(&store, &["scan", "--organisation", "E08000017"]);
        assert!(!text.contains("was declined on"), "[{b}] {text}");
    }
}

#[test]
fn a_recommendation_repeated_by_a_later_scan_is_decided_on_where_it_was_made() {
    for store in stores() {
        let b = store.backend;
        let _keep = load(&store);
        let (first, _) = recorded_scan(&store);
        let (second, _) = recorded_scan(&store);
        assert!(second > first, "[{b}]");
        let out = ok(
            &store,
            &[
                "decide",
                "--scan",
                &second.to_string(),
                "--organisation",
                "E08000017",
                "--accept",
                "--reason",
                "Confirmed",
                "--by",
                "A. Reviewer",
            ],
        );
        assert!(
            out.contains(&format!("scan {second} repeated the recommendation that scan {first} made")),
            "[{b}] {out}"
        );
        assert!(out.contains(&format!("E08000017 accepted improvement_notice (scan {first} as of ")), "[{b}] {out}");
    }
}

fn time_like(s: &str) -> bool {
    s.len() >= 20 && s.as_bytes()[4] == b'-' && s.as_bytes()[10] == b'T'
}

/// The built-in regime as a newer version in which a failing grade no longer jumps.
fn newer_england(version: &str) -> String {
    let england = std::fs::read_to_string(data_dir().join("../regimes/england.toml")).unwrap();
    england
        .replace("version = \"2026.7\"", &format!("version = \"{version}\""))
        .replace("allow_jump = true", "allow_jump = false")
}

#[test]
fn scans_and_diffs_are_judged_again_under_a_stored_regime_version() {
    for store in stores() {
        let b = store.backend;
        let _keep = load(&store);
        assert_eq!(ok(&store, &["regime", "list"]).trim(), "england 2026.7 built-in", "[{b}]");
        let (_d, newer) = file("newer.toml", &newer_england("2027.1"));
        let newer = newer.to_str().unwrap();
        assert!(ok(&store, &["regime", "add", newer]).contains("added regime england version 2027.1"), "[{b}]");
        assert!(ok(&store, &["regime", "add", newer]).contains("nothing changed"), "[{b}] the same text again");
        let (_d2, clash) =
            file("clash.toml", &newer_england("2027.1").replace("allow_jump = false", "allow_jump = true"));
        let out = run(&store, &["regime", "add", clash.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "[{b}]");
        assert!(String::from_utf8_lossy(&out.stderr).contains("stored already with different text"), "[{b}]");
        let (_d3, bad) = file("bad.toml", "id = \"england\"\n");
        assert_eq!(run(&store, &["regime", "add", bad.to_str().unwrap()]).status.code(), Some(1), "[{b}] invalid");
        let list = ok(&store, &["regime", "list"]);
        assert_eq!(list.lines().count(), 2, "[{b}] {list}");
        assert!(list.lines().nth(1).unwrap().starts_with("england 2027.1 added "), "[{b}] {list}");

        let judged = |version: &str| -> Value {
            let out = ok(&store, &["scan", "--as-of", "2024-01-01", "--format", "json", "--regime-version", version]);
            serde_json::from_str(&out).unwrap()
        };
        let don = |scan: &Value| {
            scan["organisations"].as_array().unwrap().iter().find(|o| o["organisation"] == "E08000017").unwrap().clone()
        };
        let old = judged("2026.7");
        assert_eq!(old["regime_version"], "2026.7", "[{b}] the built-in");
        assert_eq!(don(&old)["recommended_rung"], "improvement_notice");
        let new = judged("2027.1");
        assert_eq!(new["regime_version"], "2027.1", "[{b}] the stored version");
        assert_ne!(don(&new)["recommended_rung"], "improvement_notice", "[{b}] no jump under 2027.1");

        let out = run(&store, &["scan", "--regime-version", "1999"]);
        assert_eq!(out.status.code(), Some(1), "[{b}]");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(
                "no version \"1999\" of regime england: the versions available are 2026.7 (built-in), 2027.1 (stored)"
            ),
            "[{b}] {err}"
        );

        let out = ok(&store, &["diff", "--as-of", "2024-01-01", "--format", "json", "--regime-version", "2027.1"]);
        let doc: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["old"]["version"], "2026.7", "[{b}]");
        assert_eq!(doc["new"]["version"], "2027.1");
        let changes = doc["changes"].as_array().unwrap();
        assert!(
            changes.iter().any(|c| c["organisation"] == "E08000017" && c["field"] == "recommended_rung"),
            "[{b}] {out}"
        );
        let out =
            ok(&store, &["diff", "--as-of", "2024-01-01", "--old-version", "2027.1", "--regime-version", "2027.1"]);
        assert!(out.contains(": 0 organisations would be judged differently"), "[{b}] {out}");
        assert_eq!(run(&store, &["diff", "--regime-version", "1999"]).status.code(), Some(1), "[{b}]");
        assert_eq!(run(&store, &["diff"]).status.code(), Some(2), "[{b}] --new or --regime-version");
    }
}
