//! The demo loads the real public data; its figures are checked against the files.

use crate::support::*;
use serde_json::Value;

#[test]
fn demo_loads_the_real_data_with_release_dates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").display().to_string();
    let out = failwell().args(["demo", "--no-serve", "--database", &db]).current_dir(dir.path()).output().unwrap();
    assert!(out.status.success(), "demo failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let store = TestStore { url: db, backend: "sqlite", _dir: None };
    assert!(count(&store, "inspections") >= 271, "ILACS judgements loaded: {text}");
    assert!(count(&store, "observations") > 100_000, "{text}");
    // Doncaster's re-referral rate for 2023/24, as DfE published it, with its November release date.
    let export = ok(&store, &["export", "observations"]);
    let line = export
        .lines()
        .find(|l| l.starts_with("E08000017,rereferrals_within_12m_pct,2023/24,"))
        .expect("Doncaster 2023/24 re-referrals");
    assert!(line.contains(",2024-11-01,"), "released 31 March + 215 days: {line}");
    // A withheld figure keeps the publisher's note and no value.
    assert!(export.lines().any(|l| l.contains(",,c,")), "suppressed figures keep their note");
    // Middlesbrough's 2019 ILACS inspection: Inadequate, published 2020-01-24.
    let inspections = ok(&store, &["export", "inspections"]);
    assert!(
        inspections.contains("E06000002,ofsted,ilacs,ofsted_ilacs_2018,2019-11-25,2020-01-24,inadequate,impact_of_leaders=inadequate;help_and_protection=inadequate;children_in_care=inadequate,"),
        "{inspections}"
    );
    // Statistical neighbours are ranked links.
    let links = ok(&store, &["export", "links"]);
    assert!(links.lines().filter(|l| l.contains(",neighbour,")).count() >= 1500);
    // Bradford's 2014 single-inspection-framework judgement, from the 2009-2023 file, under
    // its own framework and scale version (the inspection day taken as the publication day).
    assert!(
        inspections.lines().any(|l| l.starts_with(
            "E08000032,ofsted,sif,ofsted_sif_2013,2014-05-23,2014-05-23,requires_improvement_to_be_good,"
        )),
        "Bradford's 2014 SIF grade: {inspections}"
    );
    assert!(inspections.contains(",safeguarding_and_lac,ofsted_slac_2009,"), "2009-2012 inspections loaded");
    demo_casework(&store, &text);
    demo_accounts(&store, &text);
    demo_scan_is_pinned(&store);
    // After the pinned scans, which count the scans recorded before them.
    demo_registry_and_interventions(&store);
}

/// The demo's casework: a demonstration case opened from the scan's top peer-review
/// recommendation, with its clocks; West Sussex's relapse and the case studies' journeys
/// read from the real record.
fn demo_casework(store: &TestStore, text: &str) {
    assert!(
        text.contains("journey: West Sussex (E10000032): 2 spell(s) in intervention, 1 relapse(s)"),
        "West Sussex's 2019 relapse: {text}"
    );
    let list: Value = serde_json::from_str(&ok(store, &["intervention", "list", "--format", "json"])).unwrap();
    let cases = list["interventions"].as_array().expect("interventions");
    assert_eq!(cases.len(), 1, "{list}");
    let case = &cases[0];
    assert_eq!((case["rung"].as_str(), case["applied_by"].as_str()), (Some("peer_review"), Some("lga")));
    assert_eq!(case["decision"], 1, "opened from the accepted decision");
    assert!(case["reason"].as_str().unwrap().starts_with("Demonstration case, not a real intervention"));
    assert_eq!(case["obligations"].as_array().map(Vec::len), Some(2), "the peer review's two clocks: {case}");
    let review: Value =
        serde_json::from_str(&ok(store, &["plan", "show", "1", "--format", "json", "--today", "2026-03-01"])).unwrap();
    assert_eq!(review["actions"].as_array().map(Vec::len), Some(3), "{review}");
    assert_eq!(review["criteria"].as_array().map(Vec::len), Some(4), "{review}");
    assert_eq!(review["exit_ready"], false, "{review}");
    assert_eq!(review["all_structural"], false);
    // The judged criterion names the peer reviewer's demo account, so it can be judged on the web.
    let text_review = ok(store, &["plan", "show", "1", "--today", "2026-03-01"]);
    assert!(text_review.contains("owns its improvement plan (judged by peer)"), "{text_review}");
    assert!(text.contains("  peer      peer_reviewer"), "the account it names: {text}");
    let rereferrals = &review["criteria"][0]["verdict"];
    assert!(
        rereferrals["why"]
            .as_str()
            .is_some_and(|w| w.contains("rereferrals") || w.contains("figure") || w.contains("Latest")),
        "{rereferrals}"
    );
    let meetings = ok(store, &["board", "meetings", "1"]);
    assert!(meetings.contains("decided: Adopt the plan"), "the demonstration board met: {meetings}");
    let decisions = ok(store, &["decisions"]);
    assert!(decisions.contains(" accepted peer_review "), "{decisions}");
    let journey = |code: &str| -> Value {
        serde_json::from_str(&ok(
            store,
            &["intervention", "journey", code, "--format", "json", "--today", "2026-01-01"],
        ))
        .unwrap()
    };
    let ws = journey("E10000032");
    assert_eq!(ws["relapses"], 1, "{ws}");
    assert_eq!(ws["episodes"][1]["start"], "2019-05-08", "the relapse begins with the 2019 Inadequate judgement: {ws}");
    // Eltham's history is Harris Academy Greenwich's: one spell in special measures, ended.
    let harris = journey("HARRIS-GREENWICH");
    assert_eq!(harris["predecessors"][0], "ELTHAM-FS", "{harris}");
    assert_eq!(
        (harris["episodes"].as_array().map(Vec::len), harris["relapses"].as_u64()),
        (Some(1), Some(0)),
        "{harris}"
    );
    assert!(harris["episodes"][0]["end"].is_string(), "left special measures in 2012: {harris}");
    let basildon = journey("RDD");
    assert_eq!(basildon["episodes"][0]["end"], "2014-06-09", "left special measures in June 2014: {basildon}");
}

/// Registry truth and real interventions, as the demo's current scan shows them.
fn demo_registry_and_interventions(store: &TestStore) {
    let scan: serde_json::Value = serde_json::from_str(&ok(store, &["scan", "--format", "json"])).unwrap();
    let orgs = scan["organisations"].as_array().expect("organisations");
    let find = |code: &str| orgs.iter().find(|o| o["organisation"] == code);
    // The demo's "most at risk" ten, each for its reason: all ten judged Inadequate (the
    // statutory rule holds, with the failing-grade signal behind it), each on a rung the
    // intervention data record. A rule that still holds never steps an organisation down,
    // so Bradford, Solihull and Sefton are recommended the rung they stand on. Issue 16
    // changes judging: this list moves with it, on purpose and said so. Croydon was
    // eighth, on the rung of a children's commissioner appointed in 2017 whose exit the
    // data does not record, until regime 2026.7 took such a designation to have ended
    // after 60 months (`designation_without_exit`); Bury came in tenth.
    let top: Vec<&str> = orgs.iter().take(10).map(|o| o["organisation"].as_str().unwrap()).collect();
    assert_eq!(
        top,
        [
            "E08000032",
            "E08000029",
            "E08000014",
            "E06000006",
            "E09000016",
            "E08000008",
            "E06000030",
            "E06000019",
            // Seventh until the small-number reading (judge/small_numbers.rs) stopped
            // counting its one or two social workers' agency and vacancy rates.
            "E06000053",
            "E08000002"
        ],
        "the demo's top ten"
    );
    for o in orgs.iter().take(10) {
        let reason = o["rationale"][0].as_str().unwrap_or_default();
        assert_eq!(o["current_rung_inferred"], false, "{}: a recorded rung", o["name"]);
        assert!(reason.starts_with("Rule cs_inadequate holds (failing_grade)"), "{}: {reason}", o["name"]);
        assert!(
            o["signals"].as_array().unwrap().iter().any(|s| s["rule"] == "inspection.failing_grade"),
            "{}: the failing grade is among its signals",
            o["name"]
        );
    }
    for (code, rung) in
        [("E08000032", "trust_or_partnership"), ("E08000029", "commissioner"), ("E08000014", "commissioner")]
    {
        let o = find(code).unwrap();
        assert_eq!((&o["current_rung"], &o["recommended_rung"]), (&rung.into(), &rung.into()), "{}", o["name"]);
    }
    // Designations long past with no exit recorded (Croydon's 2017 commissioner, Medway's
    // 2013 special measures) are shown, read as such, and set no rung.
    for (code, rule) in [("E09000008", "event.commissioners_appointed"), ("RPA", "event.special_measures_in")] {
        let o = find(code).unwrap();
        assert_eq!(o["current_rung"], "universal_monitoring", "{}", o["name"]);
        let s = o["signals"].as_array().unwrap().iter().find(|s| s["rule"] == rule).expect("the designation shown");
        assert_eq!(s["reading"], "no_exit_recorded", "{s}");
    }
    // A national shift is not a local failure: A&E four-hour performance worsened at most
    // trusts at once; it is shown once, and not counted against each trust (before, 136
    // trusts were recommended peer support, most for that alone).
    let national = scan["national"].as_array().expect("the national view");
    let ae = national.iter().find(|n| n["indicator"] == "ae_4h_breach_rate").expect("the A&E shift");
    assert!(ae["share"].as_f64().unwrap() > 0.5, "{ae}");
    let trusts_peer =
        orgs.iter().filter(|o| o["sector"] == "hospitals" && o["recommended_rung"] == "peer_support").count();
    assert!(trusts_peer < 100, "trusts recommended peer support: {trusts_peer}");
    // The flag budget: children's services peer review takes 15 councils a year, the
    // highest-risk first; every one recommended it carries its rank.
    let ranked: Vec<&Value> = orgs
        .iter()
        .filter(|o| !o["recommendation"]["budget"].is_null())
        .map(|o| &o["recommendation"]["budget"])
        .collect();
    assert!(ranked.len() > 15, "more councils recommended peer review than it can take: {}", ranked.len());
    assert_eq!(ranked.iter().filter(|b| b["within"] == true).count(), 15);
    assert!(ranked.iter().all(|b| b["capacity"] == 15 && b["of"] == ranked.len()));
    // Cumbria, and the North Yorkshire and Somerset county codes, closed on 2023-04-01:
    // none is judged after it (so none is "at risk" for missing returns).
    for closed in ["E10000006", "E10000023", "E10000027", "E10000021"] {
        assert!(find(closed).is_none(), "{closed} closed but judged");
    }
    // Bradford: a trust since 2023, recorded in the intervention events (not inferred).
    let bradford = find("E08000032").expect("Bradford judged");
    assert_eq!(bradford["current_rung"], "trust_or_partnership", "{bradford}");
    assert_eq!(bradford["current_rung_inferred"], false);
    // A council Inadequate with no intervention event: an inferred rung, marked and
    // explained, never universal monitoring.
    let nottingham = find("E06000018").expect("Nottingham judged");
    assert_eq!(nottingham["current_rung_inferred"], true, "{nottingham}");
    assert_ne!(nottingham["current_rung"], "universal_monitoring");
    assert!(nottingham["rationale"][0].as_str().unwrap().starts_with("Current rung inferred, not recorded"));
    for o in orgs.iter().filter(|o| o["context"]["failing_grade"] == true && o["sector"] == "childrens_services") {
        assert_ne!(o["current_rung"], "universal_monitoring", "a failing council on universal monitoring: {o}");
    }
    // Small numbers: the Isles of Scilly's agency and vacancy rates are percentages of one
    // or two social workers; their chart signals are read as small numbers, not counted,
    // and no other council's are (the catalogue names sw_in_post_fte as the denominator).
    let small: Vec<(String, String)> = orgs
        .iter()
        .flat_map(|o| o["signals"].as_array().unwrap().iter().map(move |s| (o, s)))
        .filter(|(_, s)| s["reading"] == "small_numbers")
        .map(|(o, s)| (o["organisation"].as_str().unwrap().to_string(), s["indicator"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(small.len(), 4, "{small:?}");
    assert!(small.iter().all(|(org, _)| org == "E06000053"), "{small:?}");
    assert!(
        small.iter().any(|(_, i)| i == "sw_agency_rate_fte_pct")
            && small.iter().any(|(_, i)| i == "sw_vacancy_rate_fte_pct")
    );
    let scilly = find("E06000053").expect("the Isles of Scilly judged");
    assert!(
        scilly["rationale"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("percentage of very few people"))
    );
}

/// The demo store's scan output, byte for byte: (bytes, FNV-1a 64 of the bytes) of the
/// recorded incremental scan after the demo's own, and of an as-of scan. Refactoring the
/// engine must not change a byte (issue 15); a change of judging that changes them on
/// purpose updates these figures and says so in its commit.
const PINNED_SCAN: (usize, u64) = (4_227_998, 0xc741_0688_2200_9309);
const PINNED_AS_OF_2021_06_30: (usize, u64) = (2_882_718, 0x9a06_cd0e_bfe9_e18f);

fn demo_scan_is_pinned(store: &TestStore) {
    let fnv = |bytes: &[u8]| {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    };
    let scan = ok(store, &["scan", "--format", "json"]);
    let as_of = ok(store, &["scan", "--format", "json", "--as-of", "2021-06-30"]);
    assert!(scan.contains("\"scan_id\":2"), "the second recorded scan: {}", &scan[..200.min(scan.len())]);
    assert_eq!((scan.len(), fnv(scan.as_bytes())), PINNED_SCAN, "the demo scan changed");
    assert_eq!((as_of.len(), fnv(as_of.as_bytes())), PINNED_AS_OF_2021_06_30, "the as-of scan changed");
}

/// The demo makes one account per role with a random password printed once, and no other.
fn demo_accounts(store: &TestStore, text: &str) {
    let at = text.find("accounts (passwords shown once").expect("the demo prints its accounts");
    let lines: Vec<&str> = text[at..].lines().skip(1).take(5).collect();
    for (user, role) in [
        ("admin", "administrator"),
        ("analyst", "analyst"),
        ("board", "board_member"),
        ("provider", "provider"),
        ("peer", "peer_reviewer"),
    ] {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(user))
            .unwrap_or_else(|| panic!("{user}: {lines:?}"));
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[1], role, "{line}");
        assert_eq!(words[2].len(), 20, "a random password: {line}");
    }
    let list = ok(store, &["user", "list"]);
    assert_eq!(list.lines().count(), 5, "{list}");
    assert!(
        list.contains("provider provider (Demo provider) of "),
        "the provider works at the demonstration case's organisation: {list}"
    );
}
