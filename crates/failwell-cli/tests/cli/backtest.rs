//! `failwell backtest` from the command line: its three formats on the scan tests' small
//! store (three ILACS judgements: 2019, 2022 and 2023), and a clear error when there is
//! nothing to backtest.

use crate::scan::load;
use crate::support::*;
use serde_json::Value;

#[test]
fn backtest_writes_text_json_and_csv_with_the_same_cases() {
    for store in stores() {
        let _keep = load(&store);
        let json: Value = serde_json::from_str(&ok(&store, &["backtest", "--format", "json", "--resamples", "50"]))
            .expect("backtest --format json is JSON");
        let cases = json["cases"].as_array().expect("cases");
        assert_eq!(cases.len(), 3, "{json}");
        assert_eq!(json["scans"], 3);
        assert_eq!(json["evaluated_from_year"], 2020, "the year after the series' first");
        // Doncaster's 2023 Inadequate: evaluated, failing, previously Good (rank 2).
        let doncaster = cases.iter().find(|c| c["published_on"] == "2023-06-01").expect("the 2023 case");
        assert_eq!(doncaster["outcome"], "failing");
        assert_eq!(doncaster["evaluated"], true);
        assert_eq!(doncaster["previous_rank"], 2);
        assert_eq!(doncaster["scanned_as_of"], "2023-05-31");
        let names: Vec<&str> =
            json["figures"]["methods"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            ["risk score", "learned score", "recommendation", "previous grade below good", "previous grade inadequate"]
        );

        let csv = ok(&store, &["backtest", "--format", "csv", "--resamples", "50"]);
        let mut lines = csv.lines();
        assert!(lines.next().unwrap().starts_with("organisation,name,published_on,grade,outcome,"), "{csv}");
        assert_eq!(lines.count(), 3, "{csv}");

        let text = ok(&store, &["backtest", "--resamples", "50"]);
        assert!(text.starts_with("Backtest of ilacs judgements under england"), "{text}");
        assert!(text.contains("previous grade below good:"), "{text}");
        assert!(text.contains("Misses (failing, not flagged by the risk score)"), "{text}");
    }
}

#[test]
fn backtest_of_a_series_the_store_lacks_is_an_error() {
    for store in stores() {
        let _keep = load(&store);
        let out = run(&store, &["backtest", "--framework", "cqc_2014"]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no judgements of framework \"cqc_2014\""), "{err}");
        let out = run(&store, &["backtest", "--false-alarm-rate", "2"]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("--false-alarm-rate must be between 0 and 1"));
    }
}
