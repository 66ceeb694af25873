//! `failwell spc` on small tables.

use clap::{CommandFactory, Parser};
use failwell_analyst::spc::{SpcArgs, ToolError, run};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: SpcArgs,
}

fn parse(argv: &[&str]) -> SpcArgs {
    let mut full = vec!["spc"];
    full.extend(argv);
    Cli::try_parse_from(full).expect("arguments parse").args
}

fn spc(argv: &[&str], input: &str) -> Result<String, ToolError> {
    let args = parse(argv);
    let mut out = Vec::new();
    run(&args, &mut input.as_bytes(), &mut out)?;
    Ok(String::from_utf8(out).unwrap())
}

fn rows(csv_text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers.iter().map(str::to_owned).zip(rec.iter().map(str::to_owned)).collect()
        })
        .collect()
}

/// rnorm(20) after set.seed(123), as in NHSRplotthedots' tests, with dates.
fn rnorm_csv() -> String {
    let y = [
        -0.56047565,
        -0.23017749,
        1.55870831,
        0.07050839,
        0.12928774,
        1.71506499,
        0.46091621,
        -1.26506123,
        -0.68685285,
        -0.44566197,
        1.22408180,
        0.35981383,
        0.40077145,
        0.11068272,
        -0.55584113,
        1.78691314,
        0.49785048,
        -1.96661716,
        0.70135590,
        -0.47279141,
    ];
    let mut s = String::from("period,org,rate\n");
    for (i, v) in y.iter().enumerate() {
        let org = if i < 10 { "A" } else { "B" };
        s.push_str(&format!("2020-01-{:02},{org},{v}\n", i + 2));
    }
    s
}

#[test]
fn one_row_per_point_with_limits_and_icons() {
    let out = spc(&["--value", "rate", "--date", "period", "--rules", "ptd"], &rnorm_csv()).unwrap();
    let r = rows(&out);
    assert_eq!(r.len(), 20);
    for key in [
        "group",
        "index",
        "date",
        "value",
        "mean",
        "lpl",
        "upl",
        "lower_2s",
        "upper_2s",
        "rule",
        "point_type",
        "variation_icon",
        "assurance_icon",
    ] {
        assert!(r[0].contains_key(key), "missing column {key}");
    }
    assert_eq!(r[0]["index"], "1");
    assert_eq!(r[19]["index"], "20");
    assert_eq!(r[0]["date"], "2020-01-02");
    // NHSRplotthedots' published limits (tests/testthat/_snaps/ptd_spc.md).
    let lpl: f64 = r[0]["lpl"].parse().unwrap();
    let upl: f64 = r[0]["upl"].parse().unwrap();
    assert!((lpl + 3.01138).abs() < 1e-5 && (upl - 3.294627).abs() < 1e-6);
    assert!(r.iter().all(|p| p["rule"].is_empty() && p["point_type"] == "common_cause"));
    assert!(r.iter().all(|p| p["variation_icon"] == "common_cause" && p["assurance_icon"] == "none"));
}

#[test]
fn groups_get_their_own_limits_and_index() {
    let out = spc(&["--value", "rate", "--group", "org", "--rules", "ptd"], &rnorm_csv()).unwrap();
    let r = rows(&out);
    assert_eq!(r[10]["group"], "B");
    assert_eq!(r[10]["index"], "1");
    assert!(!r[0].contains_key("date"));
    // _snaps/ptd_spc.md with facet_field: 0.0746 / -2.60 / 2.75 and 0.209 / -3.28 / 3.70.
    let f = |row: usize, k: &str| r[row][k].parse::<f64>().unwrap();
    assert!((f(0, "mean") - 0.0746).abs() < 5e-5 && (f(0, "upl") - 2.75).abs() < 5e-3);
    assert!((f(10, "mean") - 0.209).abs() < 5e-4 && (f(10, "lpl") + 3.28).abs() < 5e-3);
}

#[test]
fn rebase_by_date_value() {
    let out = spc(&["--value", "rate", "--date", "period", "--rules", "ptd", "--rebase", "2020-01-12"], &rnorm_csv())
        .unwrap();
    let r = rows(&out);
    assert_eq!(r[9]["segment"], "1");
    assert_eq!(r[10]["segment"], "2");
    assert_ne!(r[9]["mean"], r[10]["mean"]);
    assert!((r[10]["mean"].parse::<f64>().unwrap() - 0.209).abs() < 5e-4);

    let err = spc(&["--value", "rate", "--date", "period", "--rebase", "2021-01-01"], &rnorm_csv()).unwrap_err();
    assert!(err.to_string().contains("2021-01-01"), "{err}");
}

#[test]
fn special_causes_targets_and_explanations() {
    let mut csv_text = String::from("month,waits\n");
    let ys = [10, 12, 10, 12, 10, 12, 10, 12, 10, 12, 11, 30];
    for (i, y) in ys.iter().enumerate() {
        csv_text.push_str(&format!("m{i},{y}\n"));
    }
    let out = spc(&["--value", "waits", "--improvement", "decrease", "--target", "20", "--fix-after", "11"], &csv_text)
        .unwrap();
    let r = rows(&out);
    let last = &r[11];
    assert_eq!(last["rule"], "outside_limits");
    assert_eq!(last["side"], "high");
    assert_eq!(last["point_type"], "concern");
    assert_eq!(last["variation_icon"], "concern_high");
    // Lower is better and 20 lies above the upper limit (about 16.05): always met.
    assert_eq!(last["assurance_icon"], "pass");
    assert!(last["explanation"].starts_with("Point 12 (value 30) lies above the upper process limit"));
    assert!(r[0]["explanation"].is_empty());
}

#[test]
fn json_has_a_summary_per_group() {
    let out = spc(&["--value", "rate", "--group", "org", "--format", "json", "--target", "5"], &rnorm_csv()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rule_set"]["name"], "mdc");
    let groups = v["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["group"], "A");
    assert_eq!(groups[0]["variation_icon"], "common_cause");
    assert_eq!(groups[0]["assurance_icon"], "fail");
    assert_eq!(groups[0]["points"].as_array().unwrap().len(), 10);
    assert_eq!(groups[1]["points"][0]["index"], 1);
    assert!(groups[0]["segments"][0]["upl"].as_f64().unwrap() > 2.0);
}

#[test]
fn missing_values_keep_their_row() {
    // (A wholly blank line is no row at all in CSV, so the gap is a blank cell.)
    let out = spc(&["--value", "y"], "t,y\na,1\nb,3\nc,\nd,2\ne,NA\nf,6\n").unwrap();
    let r = rows(&out);
    assert_eq!(r.len(), 6);
    assert_eq!(r[2]["value"], "");
    assert_eq!(r[2]["index"], "3");
    assert_eq!(r[4]["value"], "");
    assert_eq!(r[0]["mean"], "3");
}

#[test]
fn non_numeric_value_names_line_and_column() {
    let err = spc(&["--value", "rate"], "period,rate\n2020-01,1.5\n2020-02,abc\n").unwrap_err();
    match &err {
        ToolError::Input { line, column, reason } => {
            assert_eq!((*line, *column), (3, 2));
            assert!(reason.contains("'rate'") && reason.contains("abc"), "{reason}");
        }
        other => panic!("expected an input error, got {other:?}"),
    }
    assert!(err.to_string().starts_with("line 3, column 2:"), "{err}");
}

#[test]
fn missing_column_is_named() {
    let err = spc(&["--value", "rates"], "period,rate\n2020-01,1.5\n").unwrap_err();
    assert!(matches!(err, ToolError::MissingColumn { line: 1, .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("'rates'") && text.contains("period, rate"), "{text}");
}

#[test]
fn ragged_row_names_its_line() {
    let err = spc(&["--value", "rate"], "period,rate\n2020-01,1.5\n2020-02\n").unwrap_err();
    assert!(matches!(err, ToolError::Input { line: 3, .. }), "{err:?}");
}

#[test]
fn rule_sets_and_screening_switches() {
    // A spike: screening narrows the limits, so --screen-outliers changes them
    // under mdc and --no-screen-outliers changes them under ptd.
    let csv_text = "y\n1\n2\n1\n2\n1\n2\n1\n20\n1\n2\n1\n2\n";
    let upl = |argv: &[&str]| {
        let mut a = vec!["--value", "y"];
        a.extend(argv);
        rows(&spc(&a, csv_text).unwrap())[0]["upl"].parse::<f64>().unwrap()
    };
    assert_eq!(upl(&["--rules", "mdc"]), upl(&["--rules", "ptd", "--no-screen-outliers"]));
    assert_eq!(upl(&["--rules", "ptd"]), upl(&["--rules", "mdc", "--screen-outliers"]));
    assert!(upl(&["--rules", "ptd"]) < upl(&["--rules", "mdc"]));
    assert!(upl(&["--rules", "powerbi"]) != upl(&["--rules", "ptd"]));
    let json = spc(&["--value", "y", "--screen-outliers", "--format", "json"], csv_text).unwrap();
    assert!(json.contains("\"name\": \"mdc+screen-outliers\""));
}

#[test]
fn help_documents_every_option() {
    let help = Cli::command().render_long_help().to_string();
    for opt in [
        "FILE|-",
        "--value",
        "--date",
        "--group",
        "--rules",
        "--improvement",
        "--fix-after",
        "--rebase",
        "--target",
        "--screen-outliers",
        "--no-screen-outliers",
        "--format",
        "mdc",
        "ptd",
        "powerbi",
        "increase",
        "decrease",
        "neutral",
        "csv",
        "json",
    ] {
        assert!(help.contains(opt), "help lacks {opt}:\n{help}");
    }
    assert!(Cli::try_parse_from(["spc"]).is_err(), "--value is required");
    assert!(Cli::try_parse_from(["spc", "--value", "y", "--rules", "nope"]).is_err());
    let a = parse(&["data.csv", "--value", "y", "--rebase", "a", "b", "--date", "d", "--target", "-3"]);
    assert_eq!(a.rebase, ["a", "b"]);
    assert_eq!(a.file.as_deref(), Some(std::path::Path::new("data.csv")));
    assert_eq!(a.target, Some(-3.0));
}

#[test]
fn a_run_is_explained_once_and_many_groups_keep_their_order() {
    // 1,300 groups (more than one batch of 512) of 20 points; every 7th group has twelve
    // points low, then eight high: a shift below the mean over points 1-12, and the later
    // points beyond the upper 2-sigma line.
    let mut csv_text = String::from("g,t,v\n");
    for g in 0..1300 {
        for t in 0..20 {
            let v = if g % 7 == 0 && t >= 12 { 20 + t % 2 } else { 10 + (t * 7 + g) % 5 };
            csv_text.push_str(&format!("G{g:04},{t},{v}\n"));
        }
    }
    let out = spc(&["--value", "v", "--group", "g", "--date", "t"], &csv_text).unwrap();
    let r = rows(&out);
    assert_eq!(r.len(), 1300 * 20);
    // Input order, whatever the cores: group by group, point by point.
    for (k, row) in r.iter().enumerate() {
        let expected = (format!("G{:04}", k / 20), (k % 20 + 1).to_string());
        assert_eq!((row["group"].clone(), row["index"].clone()), expected);
    }
    // G0000: every point is caught by a rule, but each flag's sentence is written once,
    // on the first point it caught.
    let g0 = &r[..20];
    assert!(g0.iter().all(|row| !row["rule"].is_empty()), "every point flagged");
    let shift = "Points 1\u{2013}12 (12 points) all lie below the mean";
    let said: Vec<usize> = (0..20).filter(|&i| g0[i]["explanation"].starts_with(shift)).collect();
    assert_eq!(said, vec![0], "the shift is explained on point 1 only");
    let sentences = g0.iter().filter(|row| !row["explanation"].is_empty()).count();
    assert!((1..10).contains(&sentences), "one sentence a flag, not one a point: {sentences}");
    assert_eq!(r.iter().filter(|row| row["group"] == "G0007" && !row["rule"].is_empty()).count(), 20, "G0007 too");
}
