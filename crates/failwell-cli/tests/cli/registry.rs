//! Registry truth on both databases: a closed council is not judged after its close
//! date, and a council whose area passed whole to one successor hands it its journey.

use crate::support::*;
use serde_json::Value;

const ORGS: &str = "code,name,sector,org_type,region,closed_on,source
E10000901,Old County,local_government,upper_tier_council,,2023-04-01,test
E06000901,New Unitary,local_government,upper_tier_council,,,test
";
const LINKS: &str = "from,to,link_type,valid_from,note,source
E10000901,E06000901,predecessor_of,2023-04-01,the whole area,test
";
const INSPECTIONS: &str =
    "organisation,regulator,framework,scale_version,inspected_on,published_on,overall,domains,source
E10000901,ofsted,ilacs,ofsted_ilacs_2018,2022-04-01,2022-06-01,inadequate,,test
";

fn scan_as_of(store: &TestStore, day: &str) -> Value {
    serde_json::from_str(&ok(store, &["scan", "--format", "json", "--as-of", day])).unwrap()
}

fn find<'a>(scan: &'a Value, code: &str) -> Option<&'a Value> {
    scan["organisations"].as_array().unwrap().iter().find(|o| o["organisation"] == code)
}

#[test]
fn a_closed_council_is_not_judged_after_closing_and_its_one_successor_inherits_its_journey() {
    for store in stores() {
        let b = store.backend;
        for (kind, text) in [("organisations", ORGS), ("links", LINKS), ("inspections", INSPECTIONS)] {
            let (_dir, path) = file(&format!("{kind}.csv"), text);
            ok(&store, &["import", kind, &path.display().to_string()]);
        }
        // Before it closed, the old county is judged on its own failing judgement.
        let before = scan_as_of(&store, "2022-12-01");
        let old = find(&before, "E10000901").unwrap_or_else(|| panic!("[{b}] judged before closing: {before}"));
        assert_eq!(old["grade"], "inadequate", "[{b}]");
        assert!(find(&before, "E06000901").is_none(), "[{b}] no evidence for the successor yet");
        // After: the old county is gone, and the successor carries its judgement, with the
        // rung inferred from it (no event says what rung it stands on).
        let after = scan_as_of(&store, "2024-01-01");
        assert!(find(&after, "E10000901").is_none(), "[{b}] closed but judged: {after}");
        let heir = find(&after, "E06000901").unwrap_or_else(|| panic!("[{b}] successor not judged: {after}"));
        assert_eq!(heir["grade"], "inadequate", "[{b}] inherited journey: {heir}");
        assert_eq!(heir["current_rung_inferred"], true, "[{b}] {heir}");
        assert_ne!(heir["current_rung"], "universal_monitoring", "[{b}]");
    }
}
