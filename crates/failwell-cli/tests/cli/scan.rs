//! `failwell scan` on a small hand-made data set: the JSON fields, as-of, determinism,
//! and `failwell regime check` refusing a bad trigger rule.

use crate::support::*;
use serde_json::Value;

const ORGS: &str = "code,name,sector,org_type,region,opened_on,closed_on,source,learned_on
E08000017,Doncaster,local_government,metropolitan_district,Yorkshire and The Humber,,,test,2010-01-01
E10000032,West Sussex,local_government,county_council,South East,,,test,2010-01-01
";

const INDICATORS: &str = "code,title,unit,polarity,kind,failure_types,method,counts,definition,definition_version,valid_from,source,learned_on
rereferrals_pct,Re-referrals within 12 months,%,higher_is_worse,outcome,performance,spc,none,Share of referrals that are re-referrals,1,2013-04-01,test,
referrals,Referrals,count,neutral,reporting_culture,performance;connection,spc,none,Referrals in the year,1,2013-04-01,test,
";

const INSPECTIONS: &str =
    "organisation,regulator,framework,scale_version,inspected_on,published_on,overall,domains,source
E08000017,ofsted,ilacs,ofsted_ilacs_2018,2019-03-01,2019-04-15,good,,test
E08000017,ofsted,ilacs,ofsted_ilacs_2018,2023-04-20,2023-06-01,inadequate,impact_of_leaders=inadequate,test
E10000032,ofsted,ilacs,ofsted_ilacs_2018,2022-05-01,2022-06-20,good,,test
";

/// Ten years of steady figures for both councils; Doncaster's re-referrals jump in
/// 2022/23 (published 1 November 2023).
fn observations() -> String {
    let mut csv = String::from("organisation,indicator,period,value,value_note,published_on\n");
    let steady = [20.0, 22.0, 19.0, 23.0, 21.0, 20.0, 22.0, 19.0, 23.0, 21.0];
    for org in ["E08000017", "E10000032"] {
        for (i, v) in steady.iter().enumerate() {
            let y = 2012 + i;
            let v = if org == "E08000017" && i == 9 { 45.0 } else { *v };
            csv.push_str(&format!("{org},rereferrals_pct,{y}/{:02},{v},,{}-11-01\n", (y + 1) % 100, y + 1));
            csv.push_str(&format!("{org},referrals,{y}/{:02},{},,{}-11-01\n", (y + 1) % 100, 1000.0 + v, y + 1));
        }
    }
    csv
}

pub fn load(store: &TestStore) -> Vec<tempfile::TempDir> {
    let mut keep = Vec::new();
    for (kind, name, text) in [
        ("organisations", "orgs.csv", ORGS.to_string()),
        ("indicators", "indicators.csv", INDICATORS.to_string()),
        ("observations", "obs.csv", observations()),
        ("inspections", "inspections.csv", INSPECTIONS.to_string()),
    ] {
        let (d, p) = file(name, &text);
        ok(store, &["import", kind, p.to_str().unwrap()]);
        keep.push(d);
    }
    keep
}

fn scan_json(store: &TestStore, as_of: &str) -> Value {
    let out = ok(store, &["scan", "--as-of", as_of, "--format", "json"]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("[{}] not JSON: {e}\n{out}", store.backend))
}

fn org<'a>(scan: &'a Value, code: &str) -> &'a Value {
    scan["organisations"].as_array().unwrap().iter().find(|o| o["organisation"] == code).unwrap()
}

#[test]
fn scan_json_names_bands_rungs_and_the_evidence_of_every_signal() {
    for store in stores() {
        let _keep = load(&store);
        let scan = scan_json(&store, "2024-01-01");
        let b = store.backend;
        assert_eq!(scan["as_of"], "2024-01-01");
        assert_eq!(scan["regime"], "england");
        assert_eq!(scan["rule_set"], "mdc");
        assert_eq!(scan["organisations"][0]["organisation"], "E08000017", "[{b}] worst first");
        let don = org(&scan, "E08000017");
        assert_eq!(don["sector"], "childrens_services", "[{b}] ILACS puts a council on the children's ladder");
        assert_eq!(don["overall_band"], "severe", "[{b}] {don:#}");
        assert_eq!(don["bands"]["performance"], "severe");
        assert_eq!(don["bands"]["financial"], "low");
        // No event records a notice: the rung is inferred from the failing grade (marked).
        assert_eq!(don["current_rung"], "improvement_notice", "[{b}] inferred from the failing grade");
        assert_eq!(don["current_rung_inferred"], true, "[{b}]");
        assert_eq!(don["recommended_rung"], "improvement_notice", "[{b}] the regime's response, not an escalation");
        assert_eq!(don["grade"], "inadequate");
        assert!(don["rationale"].as_array().unwrap().iter().any(|r| r.as_str().unwrap().contains("cs_inadequate")));
        let signals = don["signals"].as_array().unwrap();
        let failing = signals.iter().find(|s| s["rule"] == "inspection.failing_grade").expect("failing grade");
        assert_eq!(failing["start"], "2023-06-01");
        assert_eq!(failing["strength"], "strong");
        assert_eq!(failing["judged_by"]["regime_version"], "2026.7");
        assert!(failing["failure_types"].as_array().unwrap().iter().any(|t| t == "governance"), "leaders inadequate");
        let spc = signals
            .iter()
            .find(|s| s["indicator"] == "rereferrals_pct" && s["rule"] == "spc.outside_limits")
            .unwrap_or_else(|| panic!("[{b}] re-referral jump: {signals:#?}"));
        assert_eq!(spc["start"], "2021/22");
        assert_eq!(spc["direction"], "concern");
        assert_eq!(spc["judged_by"]["rule_set"], "mdc");
        assert_eq!(spc["evidence"]["points"][0]["value"], 45.0);
        assert!(spc["evidence"]["limits"]["upl"].as_f64().unwrap() < 45.0);
        assert!(spc["evidence"]["explanation"].as_str().unwrap().contains("special cause of concern"));
        assert_eq!(spc["key"], "E08000017|rereferrals_pct|spc.outside_limits|2021/22");

        let ws = org(&scan, "E10000032");
        assert_eq!(ws["overall_band"], "low", "[{b}] {ws:#}");
        assert_eq!(ws["recommended_rung"], "universal_monitoring");
        assert!(ws["signals"].as_array().unwrap().iter().all(|s| s["direction"] != "concern"));
    }
}

#[test]
fn as_of_uses_only_what_was_published_by_then() {
    for store in stores() {
        let _keep = load(&store);
        // Before the Inadequate judgement (2023-06-01) and the 2021/22 figures (2022-11-01) were published.
        let scan = scan_json(&store, "2022-10-01");
        let don = org(&scan, "E08000017");
        assert_eq!(don["grade"], "good", "[{}] {don:#}", store.backend);
        assert_eq!(don["recommended_rung"], "universal_monitoring");
        assert!(don["signals"].as_array().unwrap().iter().all(|s| s["rule"] != "inspection.failing_grade"));
        assert!(don["signals"].as_array().unwrap().iter().all(|s| s["end"] != "2021/22"));
        // Once the figures are out (but not yet the judgement), the jump is an early sign: peer review.
        let scan = scan_json(&store, "2023-05-01");
        let don = org(&scan, "E08000017");
        assert_eq!(don["grade"], "good");
        assert_eq!(don["recommended_rung"], "peer_review", "[{}] {don:#}", store.backend);
        assert_eq!(don["trajectory"], "deteriorating");
    }
}

#[test]
fn the_same_as_of_scan_twice_is_identical() {
    for store in stores() {
        let _keep = load(&store);
        for format in ["json", "text"] {
            let a = ok(&store, &["scan", "--as-of", "2024-01-01", "--format", format]);
            let b = ok(&store, &["scan", "--as-of", "2024-01-01", "--format", format]);
            assert_eq!(a, b, "[{}] {format}", store.backend);
        }
        let text = ok(&store, &["scan", "--as-of", "2024-01-01"]);
        assert!(text.contains("E08000017 Doncaster"), "{text}");
        assert!(text.contains("recommended: Improvement notice"), "{text}");
    }
}

#[test]
fn regime_check_and_scan_refuse_a_rule_naming_an_unknown_field() {
    let bad = failwell_domain_free_regime();
    let (_d, path) = file("bad.toml", &bad);
    let out = failwell().args(["regime", "check", path.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = bad.lines().position(|l| l.contains("overall_bnd")).unwrap() + 1;
    assert!(err.contains(&format!("bad.toml:{line}:14: trigger rule \"typo\"")), "{err}");
    assert!(err.contains("unknown field \"overall_bnd\""), "{err}");
    let ok_out = failwell().args(["regime", "check"]).output().unwrap();
    assert!(ok_out.status.success(), "{}", String::from_utf8_lossy(&ok_out.stderr));
    assert!(String::from_utf8_lossy(&ok_out.stdout).contains("trigger rules"));
    for store in stores() {
        let out = run(&store, &["scan", "--regime", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "[{}] scan refuses the regime", store.backend);
    }
}

/// The built-in regime with one more rule whose expression has a typo.
fn failwell_domain_free_regime() -> String {
    let england = std::fs::read_to_string(data_dir().join("../regimes/england.toml")).unwrap();
    format!(
        "{england}\n[[trigger_rules]]\nid = \"typo\"\nladder = \"childrens_services_2010\"\nrung = \"peer_review\"\nexpression = \"overall_bnd == 'high'\"\nrationale = \"A typo.\"\nvalid_from = 2010-05-12\n"
    )
}

#[test]
fn diff_lists_what_a_newer_regime_would_change() {
    for store in stores() {
        let _keep = load(&store);
        let england = std::fs::read_to_string(data_dir().join("../regimes/england.toml")).unwrap();
        let (_d1, same) = file("same.toml", &england);
        let out = ok(&store, &["diff", "--as-of", "2024-01-01", "--new", same.to_str().unwrap()]);
        assert!(out.contains(": 0 organisations would be judged differently"), "[{}] {out}", store.backend);
        // A newer definition that no longer lets a failing grade jump straight to the notice.
        let stricter = england
            .replace("version = \"2026.7\"", "version = \"2027.1\"")
            .replace("allow_jump = true", "allow_jump = false");
        let (_d2, newer) = file("newer.toml", &stricter);
        let out = ok(&store, &["diff", "--as-of", "2024-01-01", "--format", "json", "--new", newer.to_str().unwrap()]);
        let doc: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["new"]["version"], "2027.1");
        let changes = doc["changes"].as_array().unwrap();
        let don = changes
            .iter()
            .find(|c| c["organisation"] == "E08000017" && c["field"] == "recommended_rung")
            .unwrap_or_else(|| panic!("[{}] Doncaster's rung changes: {out}", store.backend));
        assert_eq!(don["old"], "improvement_notice");
        assert_ne!(don["new"], "improvement_notice");
        assert!(changes.iter().all(|c| c["organisation"] != "E10000032"), "West Sussex is unaffected");
    }
}

#[test]
fn scan_reports_leadership_churn_insularity_and_the_system_view() {
    let extra_orgs = "code,name,sector,org_type,region,opened_on,closed_on,source,learned_on
E12000003,Yorkshire and The Humber region,group,region,,,,test,2010-01-01
";
    let links = "from,to,link_type,valid_from,valid_to,rank,note,source,learned_on
E08000017,E12000003,member_of,2010-01-01,,,,test,2010-01-01
E10000032,E12000003,member_of,2010-01-01,,,,test,2010-01-01
";
    // Doncaster rated itself good four months before Ofsted judged it inadequate.
    let self_rating = "organisation,regulator,framework,scale_version,inspected_on,published_on,overall,domains,source
E08000017,self,ilacs,ofsted_ilacs_2018,2023-01-10,2023-02-01,good,,test
";
    let events = "organisation,event_type,occurred_on,ended_on,published_on,actor,title,detail,failure_types,source
E08000017,leadership_change,2022-06-01,,,council,Director of children's services resigns,,,test
E08000017,leadership_change,2023-03-01,,,council,Interim director appointed,,,test
E10000032,leadership_change,2022-09-01,,,council,Chief executive retires,,,test
E10000032,leadership_change,2023-07-01,,,council,New chief executive,,,test
E10000032,peer_review,2023-01-01,,,lga,LGA peer review of children's services,,,test
E10000032,serious_incident_reported,2023-05-01,,,council,Serious case review published,,,test
";
    for store in stores() {
        let b = store.backend;
        let mut _keep = load(&store);
        for (kind, name, text) in [
            ("organisations", "groups.csv", extra_orgs),
            ("links", "links.csv", links),
            ("inspections", "self.csv", self_rating),
            ("events", "events.csv", events),
        ] {
            let (d, p) = file(name, text);
            ok(&store, &["import", kind, p.to_str().unwrap()]);
            _keep.push(d);
        }
        let scan = scan_json(&store, "2024-01-01");
        let don = org(&scan, "E08000017");
        assert_eq!(don["grade"], "inadequate", "[{b}] the self-rating is not a judgement");
        let churn = don["signals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["rule"] == "event.leadership_churn")
            .unwrap_or_else(|| panic!("[{b}] churn: {don:#}"));
        assert_eq!(churn["key"], "E08000017|leadership_change|event.leadership_churn|2022-06-01");
        assert_eq!(churn["strength"], "weak");
        assert_eq!(churn["evidence"]["points"][1]["label"], "leadership_change: Interim director appointed");

        let ins = &don["insularity"];
        assert_eq!(ins["band"], "high", "[{b}] {ins:#}");
        assert_eq!(ins["index"], 1.0);
        let comps = ins["components"].as_array().unwrap();
        assert!(comps[0]["score"].is_null(), "[{b}] two councils are too few for a peer norm");
        assert_eq!(comps[1]["score"], 1.0, "[{b}] no peer contact recorded for Doncaster");
        assert_eq!(comps[2]["score"], 1.0, "[{b}] good against inadequate: two grades");
        assert_eq!(don["context"]["insularity_band"], "high");
        assert!(
            don["rationale"].as_array().unwrap().iter().any(|r| r.as_str().unwrap().starts_with("Insularity is high"))
        );
        let ws = org(&scan, "E10000032");
        assert_eq!(ws["insularity"]["components"][1]["score"], 0.5, "[{b}] one peer review");

        let systems = scan["systems"].as_array().unwrap();
        assert_eq!(systems.len(), 1, "[{b}] {systems:#?}");
        let region = &systems[0];
        assert_eq!(region["group"], "E12000003");
        assert_eq!(region["members"], serde_json::json!(["E08000017", "E10000032"]));
        assert!(
            region["shared_failure_types"].as_array().unwrap().iter().any(|t| t == "governance"),
            "[{b}] {region:#}"
        );
        // Both councils of the sector are the region's: it cannot signal more than its
        // sector does, so no system response (issue 16, item 5), and the comparison says so.
        assert!(region["recommendation"].is_null(), "[{b}] {region:#}");
        let against = region["against_sectors"].as_array().unwrap();
        assert!(!against.is_empty(), "[{b}] {region:#}");
        assert!(against.iter().all(|e| e["expected"] == e["members_at_band"].as_f64().unwrap()), "[{b}] {region:#}");

        let text = ok(&store, &["scan", "--as-of", "2024-01-01"]);
        assert!(text.contains("  insularity: Insularity 1 (high)"), "[{b}] {text}");
        assert!(text.contains("Systems (groups of linked organisations)"), "[{b}] {text}");
        assert!(text.contains("E12000003 Yorkshire and The Humber region: 2 of 2 members signalling"), "[{b}] {text}");
        // Asked about some organisations, the report keeps the groups they are in, no others.
        let one: serde_json::Value = serde_json::from_str(&ok(
            &store,
            &["scan", "--as-of", "2024-01-01", "--format", "json", "--organisation", "E08000017"],
        ))
        .unwrap();
        assert_eq!(one["systems"].as_array().map(Vec::len), Some(1), "[{b}] its region");
        let none: serde_json::Value = serde_json::from_str(&ok(
            &store,
            &["scan", "--as-of", "2024-01-01", "--format", "json", "--organisation", "E06000001"],
        ))
        .unwrap();
        assert_eq!(none["systems"].as_array().map(Vec::len), Some(0), "[{b}] a region it is not in");
    }
}

// Signals across scans and incremental scans.

/// Imports `text` as `kind`; the returned guard keeps the file.
fn import(store: &TestStore, kind: &str, name: &str, text: &str) -> tempfile::TempDir {
    let (d, p) = file(name, text);
    ok(store, &["import", kind, p.to_str().unwrap()]);
    d
}

/// `failwell scan --format json` of "now" with `extra` flags.
fn scan_now(store: &TestStore, extra: &[&str]) -> Value {
    let mut args = vec!["scan", "--format", "json"];
    args.extend_from_slice(extra);
    let out = ok(store, &args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("[{}] not JSON: {e}\n{out}", store.backend))
}

/// Every signal of a scan, over all organisations.
fn all_signals(scan: &Value) -> Vec<&Value> {
    scan["organisations"].as_array().unwrap().iter().flat_map(|o| o["signals"].as_array().unwrap()).collect()
}

/// The signal of `org` on `indicator` by `rule`, if any.
fn find_signal<'a>(scan: &'a Value, org: &str, indicator: &str, rule: &str) -> Option<&'a Value> {
    all_signals(scan).into_iter().find(|s| s["organisation"] == org && s["indicator"] == indicator && s["rule"] == rule)
}

fn closed(scan: &Value) -> Vec<&str> {
    scan["recorded"]["closed_signals"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect()
}

const OBS_HEADER: &str = "organisation,indicator,period,value,value_note,published_on\n";

#[test]
fn a_scan_the_store_refuses_to_record_prints_no_report_and_records_nothing() {
    for store in stores() {
        let b = store.backend;
        let _keep = load(&store);
        // The store refuses the scan's recommendations, the last rows a scan writes.
        execute_sql(
            &store,
            "create trigger refuse before insert on recommendation begin select raise(abort, 'refused by the test'); end;",
            "create function refuse() returns trigger language plpgsql as $$ begin raise exception 'refused by the test'; end $$;
             create trigger refuse before insert on recommendation for each row execute function refuse();",
        );
        let out = run(&store, &["scan", "--format", "json"]);
        assert!(!out.status.success(), "[{b}] the scan was not recorded, so it failed");
        assert!(out.stdout.is_empty(), "[{b}] no report printed: {}", String::from_utf8_lossy(&out.stdout));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("refused by the test"),
            "[{b}] the reason is given: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let audit = ok(&store, &["intervention", "audit"]);
        assert!(
            audit.lines().any(|l| l.contains("cli:")
                && l.contains(": record scan — scan [refused]: ")
                && l.contains("refused by the test")),
            "[{b}] the refused recording is in the audit log: {audit} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Nothing of it was kept: the next scan finds no signal seen before.
        execute_sql(&store, "drop trigger refuse;", "drop trigger refuse on recommendation;");
        let scan = scan_now(&store, &[]);
        assert_eq!(scan["mode"], "full", "[{b}] no recorded scan to continue");
        assert_eq!(scan["recorded"]["new_signals"], all_signals(&scan).len(), "[{b}] every signal new");
        assert_eq!(scan["recorded"]["ongoing_signals"], 0, "[{b}]");
    }
}

#[test]
fn a_recorded_scan_is_in_the_audit_log_under_who_ran_it() {
    for store in stores() {
        let b = store.backend;
        let _keep = load(&store);
        let recorded = scan_now(&store, &[]);
        scan_now(&store, &["--no-record"]);
        scan_now(&store, &["--as-of", "2024-01-01"]);
        let audit = ok(&store, &["intervention", "audit"]);
        let scans: Vec<&str> = audit.lines().filter(|l| l.contains(": record scan — ")).collect();
        // One entry: a scan not recorded changed nothing.
        assert_eq!(scans.len(), 1, "[{b}] {audit}");
        let expected = format!(
            "record scan — scan {} [done]: {} new, 0 ongoing, 0 closed signal(s)",
            recorded["recorded"]["scan_id"],
            all_signals(&recorded).len()
        );
        assert!(scans[0].contains("cli:") && scans[0].contains(&expected), "[{b}] {expected} in {audit}");
    }
}

#[test]
fn a_second_scan_with_nothing_imported_continues_every_signal_and_charts_nothing() {
    for store in stores() {
        let b = store.backend;
        let _keep = load(&store);
        let first = scan_now(&store, &[]);
        assert_eq!(first["mode"], "full", "[{b}] nothing recorded yet");
        let total = all_signals(&first).len();
        assert!(total >= 3, "[{b}] the data set has signals: {total}");
        assert_eq!(first["series_charted"], 4);
        assert_eq!(first["recorded"]["new_signals"], total, "[{b}] all new");
        assert_eq!(first["recorded"]["ongoing_signals"], 0);
        assert!(closed(&first).is_empty());

        let second = scan_now(&store, &[]);
        assert_eq!(second["as_of"], first["as_of"]);
        assert_eq!(second["mode"], "incremental", "[{b}]");
        assert_eq!(second["series_charted"], 0, "[{b}] nothing imported since");
        assert_eq!(second["series_reused"], 4, "[{b}]");
        assert_eq!(second["recorded"]["new_signals"], 0, "[{b}] {:#}", second["recorded"]);
        assert_eq!(second["recorded"]["ongoing_signals"], total);
        assert!(closed(&second).is_empty(), "[{b}]");
        assert!(second["recorded"]["scan_id"].as_i64().unwrap() > first["recorded"]["scan_id"].as_i64().unwrap());
        for s in all_signals(&second) {
            assert_eq!(s["tracking"]["first_seen"], first["as_of"], "[{b}] {s:#}");
            assert_eq!(s["tracking"]["id"], s["key"], "[{b}] nothing moved");
        }
        assert_eq!(second["organisations"], first["organisations"], "[{b}] the same judgement");
        assert_eq!(second["systems"], first["systems"]);
    }
}

#[test]
fn an_incremental_scan_after_an_import_equals_a_full_scan() {
    // 2022/23 re-referrals: West Sussex jumps (a new signal), Doncaster is back to normal
    // (its 2021/22 jump is now the point before the latest, with new limits).
    let more = format!(
        "{OBS_HEADER}E08000017,rereferrals_pct,2022/23,21,,2023-11-01\nE10000032,rereferrals_pct,2022/23,45,,2023-11-01\n"
    );
    for a in stores() {
        let b_store = fresh_like(&a);
        let bk = a.backend;
        let mut _keep = load(&a);
        _keep.extend(load(&b_store));
        let before_a = scan_now(&a, &[]);
        let before_b = scan_now(&b_store, &[]);
        assert_eq!(before_a["organisations"], before_b["organisations"], "[{bk}] identical stores");
        assert!(find_signal(&before_a, "E10000032", "rereferrals_pct", "spc.outside_limits").is_none());
        _keep.push(import(&a, "observations", "more.csv", &more));
        _keep.push(import(&b_store, "observations", "more.csv", &more));

        let inc = scan_now(&a, &[]);
        let full = scan_now(&b_store, &["--full"]);
        assert_eq!(inc["mode"], "incremental", "[{bk}]");
        assert_eq!(inc["series_charted"], 2, "[{bk}] the two re-referral series");
        assert_eq!(inc["series_reused"], 2, "[{bk}] the two referral series");
        assert_eq!(full["mode"], "full", "[{bk}]");
        assert_eq!(full["series_charted"], 4);
        assert_eq!(full["series_reused"], 0);
        assert_eq!(inc["as_of"], "2023-11-01");

        // Not trivially equal: the new period made a signal and changed another.
        let ws = find_signal(&inc, "E10000032", "rereferrals_pct", "spc.outside_limits")
            .unwrap_or_else(|| panic!("[{bk}] West Sussex's jump: {:#}", inc["organisations"]));
        assert_eq!(ws["start"], "2022/23");
        assert_eq!(ws["tracking"]["first_seen"], "2023-11-01");
        assert!(inc["recorded"]["new_signals"].as_u64().unwrap() >= 1, "[{bk}] {:#}", inc["recorded"]);
        let don_before = find_signal(&before_a, "E08000017", "rereferrals_pct", "spc.outside_limits").unwrap();
        let don_after = find_signal(&inc, "E08000017", "rereferrals_pct", "spc.outside_limits").unwrap();
        assert_eq!(don_after["tracking"]["id"], don_before["key"], "[{bk}] the same jump, continued");
        assert_ne!(don_after["evidence"]["limits"], don_before["evidence"]["limits"], "[{bk}] limits recomputed");
        assert_ne!(inc["organisations"], before_a["organisations"]);

        assert_eq!(inc["organisations"], full["organisations"], "[{bk}] incremental and full scans differ");
        assert_eq!(inc["systems"], full["systems"]);
        assert_eq!(inc["recorded"], full["recorded"], "[{bk}] the same history recorded");
        // And the next scan of each, with nothing new, is incremental and still agrees.
        let inc2 = scan_now(&a, &[]);
        let full2 = scan_now(&b_store, &[]);
        assert_eq!((inc2["series_charted"].as_u64(), full2["series_charted"].as_u64()), (Some(0), Some(0)), "[{bk}]");
        assert_eq!(inc2["organisations"], full2["organisations"], "[{bk}]");
        assert_eq!(inc2["organisations"], inc["organisations"], "[{bk}]");
    }
}

#[test]
fn new_peer_groups_chart_the_recorded_indicators_again_and_agree_with_a_full_scan() {
    // Recorded results keep no tails: peer distance under new statistical neighbours
    // needs the series charted again.
    let links = "from,to,link_type,valid_from,rank,note\nE08000017,E10000032,neighbour,,1,\nE10000032,E08000017,neighbour,,1,\n";
    for a in stores() {
        let b_store = fresh_like(&a);
        let bk = a.backend;
        let mut _keep = load(&a);
        _keep.extend(load(&b_store));
        scan_now(&a, &[]);
        scan_now(&b_store, &[]);
        _keep.push(import(&a, "links", "links.csv", links));
        _keep.push(import(&b_store, "links", "links.csv", links));

        let inc = scan_now(&a, &[]);
        let full = scan_now(&b_store, &["--full"]);
        assert_eq!(inc["mode"], "incremental", "[{bk}] no figure changed");
        assert_eq!(inc["series_charted"], 4, "[{bk}] every indicator charted again for its peer distance");
        assert_eq!(inc["series_reused"], 0, "[{bk}]");
        assert_eq!(inc["organisations"], full["organisations"], "[{bk}] incremental and full scans differ");
        assert_eq!(inc["recorded"], full["recorded"], "[{bk}]");
        // Judged under the new groups and written again: the next scan reuses them.
        let next = scan_now(&a, &[]);
        assert_eq!((next["series_charted"].as_u64(), next["series_reused"].as_u64()), (Some(0), Some(4)), "[{bk}]");
        assert_eq!(next["organisations"], inc["organisations"], "[{bk}]");
    }
}

#[test]
fn a_signal_whose_cause_is_revised_away_is_closed() {
    let rereferral = "E08000017|rereferrals_pct|spc.outside_limits|2021/22";
    // Doncaster's 2021/22 re-referrals corrected to an ordinary figure, and two normal years.
    let corrected = format!(
        "{OBS_HEADER}E08000017,rereferrals_pct,2021/22,21,,2023-07-01
E08000017,rereferrals_pct,2022/23,20,,2023-11-01
E08000017,rereferrals_pct,2023/24,22,,2024-11-01
"
    );
    for store in stores() {
        let b = store.backend;
        let mut _keep = load(&store);
        let first = scan_now(&store, &[]);
        let jump = find_signal(&first, "E08000017", "rereferrals_pct", "spc.outside_limits")
            .unwrap_or_else(|| panic!("[{b}] the jump: {first:#}"));
        assert_eq!(jump["key"], rereferral);
        assert_eq!(jump["tracking"]["id"], rereferral);

        _keep.push(import(&store, "observations", "corrected.csv", &corrected));
        let second = scan_now(&store, &[]);
        assert_eq!(second["as_of"], "2024-11-01");
        assert_eq!(second["mode"], "incremental", "[{b}]");
        assert!(find_signal(&second, "E08000017", "rereferrals_pct", "spc.outside_limits").is_none(), "[{b}]");
        assert!(closed(&second).contains(&rereferral), "[{b}] {:#}", second["recorded"]);
        // Only what was not seen again closes: no signal still seen is in the list.
        for s in all_signals(&second) {
            assert!(!closed(&second).contains(&s["tracking"]["id"].as_str().unwrap()), "[{b}] {s:#}");
        }
        // Closed once: the next scan does not close it again.
        let third = scan_now(&store, &[]);
        assert!(closed(&third).is_empty(), "[{b}] {:#}", third["recorded"]);
    }
}

#[test]
fn a_closed_signal_that_returns_is_new_and_the_next_scan_agrees() {
    let rereferral = "E08000017|rereferrals_pct|spc.outside_limits|2021/22";
    let corrected = format!("{OBS_HEADER}E08000017,rereferrals_pct,2021/22,21,,2023-07-01\n");
    // The correction withdrawn: the jump is back at the latest point, under the same key.
    let withdrawn = format!("{OBS_HEADER}E08000017,rereferrals_pct,2021/22,45,,2023-08-01\n");
    for store in stores() {
        let b = store.backend;
        let mut _keep = load(&store);
        let first = scan_now(&store, &[]);
        assert_eq!(first["as_of"], "2023-06-01");
        assert!(find_signal(&first, "E08000017", "rereferrals_pct", "spc.outside_limits").is_some());
        _keep.push(import(&store, "observations", "corrected.csv", &corrected));
        let second = scan_now(&store, &[]);
        assert!(closed(&second).contains(&rereferral), "[{b}] {:#}", second["recorded"]);

        _keep.push(import(&store, "observations", "withdrawn.csv", &withdrawn));
        let third = scan_now(&store, &[]);
        assert_eq!(third["as_of"], "2023-08-01");
        let back = find_signal(&third, "E08000017", "rereferrals_pct", "spc.outside_limits")
            .unwrap_or_else(|| panic!("[{b}] the jump is back: {third:#}"));
        assert_eq!(back["key"], rereferral, "[{b}]");
        assert!(third["recorded"]["new_signals"].as_u64().unwrap() >= 1, "[{b}] {:#}", third["recorded"]);
        let fourth = scan_now(&store, &[]);
        assert_eq!(fourth["mode"], "incremental");
        let still = find_signal(&fourth, "E08000017", "rereferrals_pct", "spc.outside_limits").unwrap();
        assert_eq!(fourth["recorded"]["new_signals"], 0, "[{b}]");
        assert_eq!(
            still["tracking"], back["tracking"],
            "[{b}] the scan that saw it return and the next one must agree on its first day"
        );
    }
}

#[test]
fn as_of_scans_are_not_recorded_unless_asked_and_never_before_the_last_recorded_scan() {
    for store in stores() {
        let b = store.backend;
        let _keep = load(&store);
        let as_of = scan_json(&store, "2023-05-01");
        assert_eq!(as_of["mode"], "as_of", "[{b}]");
        assert!(as_of.get("recorded").is_none(), "[{b}] an as-of scan is not recorded by default");
        let now = scan_now(&store, &[]);
        assert_eq!(now["as_of"], "2023-06-01");
        assert_eq!(now["mode"], "full", "[{b}] the as-of scan left nothing to continue");
        assert_eq!(now["recorded"]["ongoing_signals"], 0, "[{b}] nor any signal");
        let first_id = now["recorded"]["scan_id"].as_i64().unwrap();

        // Asked to record a day before the last recorded scan: not recorded, not tracked.
        let args = ["scan", "--as-of", "2022-12-01", "--record", "--format", "json"];
        let earlier = ok(&store, &args);
        let doc: Value = serde_json::from_str(&earlier).unwrap();
        assert!(doc.get("recorded").is_none(), "[{b}] {earlier}");
        assert!(all_signals(&doc).iter().all(|s| s.get("tracking").is_none()), "[{b}] history does not run backwards");
        assert!(!all_signals(&doc).is_empty());
        assert_eq!(ok(&store, &args), earlier, "[{b}] the same as-of scan twice is identical");

        // Nothing was recorded in between: the next scan continues the first one.
        let next = scan_now(&store, &[]);
        assert_eq!(next["mode"], "incremental", "[{b}]");
        assert_eq!(next["recorded"]["scan_id"].as_i64().unwrap(), first_id + 1, "[{b}]");
        assert_eq!(next["recorded"]["new_signals"], 0);
        assert!(closed(&next).is_empty(), "[{b}] the earlier scan closed nothing");
    }
}

#[test]
fn reimporting_the_same_observations_changes_nothing_and_the_next_scan_charts_nothing() {
    for store in stores() {
        let b = store.backend;
        let mut _keep = load(&store);
        let before = ok(&store, &["export", "observations"]);
        let first = scan_now(&store, &[]);
        let (d, p) = file("obs.csv", &observations());
        let again = ok(&store, &["import", "observations", p.to_str().unwrap()]);
        _keep.push(d);
        assert!(again.contains("0 new or changed"), "[{b}] {again}");
        assert_eq!(ok(&store, &["export", "observations"]), before, "[{b}]");
        let second = scan_now(&store, &[]);
        assert_eq!(second["mode"], "incremental", "[{b}]");
        assert_eq!(second["series_charted"], 0, "[{b}] no series changed");
        assert_eq!(second["series_reused"], 4);
        assert_eq!(second["recorded"]["new_signals"], 0);
        assert_eq!(second["organisations"], first["organisations"], "[{b}]");
    }
}

// Funnel signals.

const TRUST_INDICATORS: &str = "code,title,unit,polarity,kind,failure_types,method,counts,definition,definition_version,valid_from,source,learned_on
breach_rate,Share of attendances over 4 hours,proportion,higher_is_worse,process,performance,funnel,numerator_denominator,Over 4 hours,1,,test,
";

/// Eight acute trusts with 1,000 attendances a month; in 2024-03 RT1 has 400 over four
/// hours against about 200 for the others. Published mid-month after.
fn trust_files() -> (String, String) {
    let mut orgs = String::from("code,name,sector,org_type,region,opened_on,closed_on,source,learned_on\n");
    let mut obs = String::from("organisation,indicator,period,numerator,denominator,published_on\n");
    for t in 1..=8 {
        orgs.push_str(&format!("RT{t},Trust {t},hospitals,acute_trust,,,,test,2020-01-01\n"));
        for (m, published) in [("2024-02", "2024-03-14"), ("2024-03", "2024-04-11")] {
            let x = if t == 1 && m == "2024-03" { 400 } else { 196 + t };
            obs.push_str(&format!("RT{t},breach_rate,{m},{x},1000,{published}\n"));
        }
    }
    (orgs, obs)
}

#[test]
fn a_funnel_indicator_gives_a_funnel_signal_in_full_incremental_and_as_of_scans() {
    for store in stores() {
        let b = store.backend;
        let (orgs, obs) = trust_files();
        let _keep = [
            import(&store, "organisations", "orgs.csv", &orgs),
            import(&store, "indicators", "indicators.csv", TRUST_INDICATORS),
            import(&store, "observations", "obs.csv", &obs),
        ];
        let full = scan_now(&store, &[]);
        assert_eq!(full["mode"], "full", "[{b}]");
        let s = find_signal(&full, "RT1", "breach_rate", "funnel.outside_998")
            .unwrap_or_else(|| panic!("[{b}] no funnel signal: {full:#}"));
        assert_eq!(s["key"], "RT1|breach_rate|funnel.outside_998|2024-03", "[{b}]");
        assert_eq!(s["direction"], "concern", "[{b}]");
        assert_eq!(s["strength"], "moderate", "[{b}]");
        assert_eq!(s["known_from"], "2024-04-11", "[{b}]");
        let f = &s["evidence"]["counts"];
        assert_eq!(f["method"], "funnel", "[{b}]");
        assert_eq!(f["period"], "2024-03", "[{b}]");
        assert_eq!(f["numerator"], 400.0, "[{b}]");
        assert_eq!(f["denominator"], 1000.0, "[{b}]");
        assert_eq!(f["peers"], 8, "[{b}]");
        assert_eq!(f["peer_group"], "org_type", "[{b}]");
        assert!(f["limits_998"]["upper"].as_f64().unwrap() < 0.4, "[{b}] {f:#}");
        assert!(s["evidence"]["explanation"].as_str().unwrap().contains("400 of 1000 (40.0%)"), "[{b}] {s:#}");
        // Only RT1 is outside; every trust is reported (quiet ones as low).
        let funnel_signals: Vec<_> =
            all_signals(&full).into_iter().filter(|s| s["rule"].as_str().unwrap().starts_with("funnel.")).collect();
        assert_eq!(funnel_signals.len(), 1, "[{b}] {funnel_signals:#?}");
        assert_eq!(full["organisations"].as_array().unwrap().len(), 8, "[{b}]");
        assert_eq!(org(&full, "RT1")["bands"]["performance"], "moderate", "[{b}]");

        // An incremental scan sees the same funnel signal, continued.
        let again = scan_now(&store, &[]);
        assert_eq!(again["mode"], "incremental", "[{b}]");
        assert_eq!(again["organisations"], full["organisations"], "[{b}]");
        let s2 = find_signal(&again, "RT1", "breach_rate", "funnel.outside_998").expect("still there");
        assert_eq!(s2["tracking"]["id"], s["key"], "[{b}]");
        assert_eq!(again["recorded"]["closed_signals"].as_array().unwrap().len(), 0, "[{b}]");

        // As known before March's figures were published: nothing to see.
        let before = scan_json(&store, "2024-04-01");
        assert!(find_signal(&before, "RT1", "breach_rate", "funnel.outside_998").is_none(), "[{b}]");
        assert_eq!(before["organisations"].as_array().unwrap().len(), 8, "[{b}]");

        // A revision brings RT1 back in line: gone now, still there as known before it.
        let _revised = import(
            &store,
            "observations",
            "revised.csv",
            "organisation,indicator,period,numerator,denominator,published_on\nRT1,breach_rate,2024-03,201,1000,2024-05-10\n",
        );
        let now = scan_now(&store, &[]);
        assert!(find_signal(&now, "RT1", "breach_rate", "funnel.outside_998").is_none(), "[{b}]");
        assert_eq!(closed(&now), vec![s["key"].as_str().unwrap()], "[{b}]");
        let then = scan_json(&store, "2024-05-01");
        assert!(find_signal(&then, "RT1", "breach_rate", "funnel.outside_998").is_some(), "[{b}]");
    }
}
