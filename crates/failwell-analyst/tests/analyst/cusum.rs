//! `failwell cusum` end to end.

use clap::{CommandFactory, Parser};
use failwell_analyst::cusum::{CusumArgs, run};
use failwell_analyst::spc::ToolError;

#[derive(Parser)]
#[command(name = "cusum")]
struct Cli {
    #[command(flatten)]
    args: CusumArgs,
}

fn tool(argv: &[&str], input: &str) -> Result<String, ToolError> {
    let mut full = vec!["cusum"];
    full.extend_from_slice(argv);
    let cli = Cli::try_parse_from(full).expect("arguments parse");
    let mut out = Vec::new();
    run(&cli.args, &mut input.as_bytes(), &mut out)?;
    Ok(String::from_utf8(out).unwrap())
}

/// The R cusum package's example (tests/testthat/test-cusum.R; outcomes as the published
/// values imply), with a constant probability of 0.05.
const CASES: &str = "case,died,risk\n1,0,0.05\n2,1,0.05\n3,0,0.05\n4,0,0.05\n5,0,0.05\n6,0,0.05\n7,0,0.05\n8,1,0.05\n9,0,0.05\n10,0,0.05\n";

#[test]
fn bernoulli_csv_reproduces_r_package_values() {
    let out =
        tool(&["--outcome", "died", "--probability", "risk", "--threshold", "2.96", "--id", "case"], CASES).unwrap();
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    let values: Vec<f64> =
        rdr.records().map(|r| r.unwrap()[5].parse::<f64>().unwrap()).map(|v| (v * 100.0).round() / 100.0).collect();
    assert_eq!(values, vec![0.00, 0.64, 0.60, 0.55, 0.50, 0.45, 0.40, 1.04, 1.00, 0.95]);
}

#[test]
fn false_alarm_threshold_by_exact_enumeration() {
    // p = 0.1 for 10 cases, α = 0.05: the conservative exact threshold is 1.50758
    // (the R package's "closest" rule gives 1.41227; see the stats tests).
    let mut input = String::from("died,risk\n");
    for _ in 0..10 {
        input.push_str("1,0.1\n");
    }
    let out =
        tool(&["--outcome", "died", "--probability", "risk", "--false-alarm", "0.05", "--format", "json"], &input)
            .unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let h = v["summary"]["threshold"].as_f64().unwrap();
    assert!((h - 1.5075804629).abs() < 1e-8, "{h}");
    assert_eq!(v["summary"]["threshold_method"]["method"], "exact");
    assert!(v["summary"]["false_alarm"].as_f64().unwrap() <= 0.05);
    // Ten deaths in a row signal, and the signal is explained.
    let rows = v["rows"].as_array().unwrap();
    let first = rows.iter().find(|r| r["signal"] == true).unwrap();
    assert_eq!(first["index"], 3);
    assert!(first["explanation"].as_str().unwrap().contains("Bernoulli CUSUM tuned to an odds ratio of 2"));
}

#[test]
fn poisson_periods_with_simulated_threshold() {
    let input = "month,deaths,expected\n1,10,10\n2,12,10\n3,19,10\n4,21,10\n5,9,10\n";
    let argv = [
        "--observed",
        "deaths",
        "--expected",
        "expected",
        "--odds-ratio",
        "1.5",
        "--false-alarm",
        "0.05",
        "--horizon",
        "1000",
        "--runs",
        "400",
        "--seed",
        "7",
        "--id",
        "month",
        "--name",
        "Trust RXX",
    ];
    let a = tool(&argv, input).unwrap();
    let b = tool(&argv, input).unwrap();
    assert_eq!(a, b, "seeded thresholds are reproducible");
    assert!(a.contains("simulation (400 runs, seed 7)"), "{a}");
    let header = a.lines().next().unwrap();
    assert_eq!(header, "index,id,outcome,expected,weight,cusum,signal,threshold,threshold_method,explanation");
}

#[test]
fn bad_outcome_names_line_and_column() {
    let input = "died,risk\n0,0.1\nmaybe,0.1\n";
    let err = tool(&["--outcome", "died", "--probability", "risk", "--threshold", "3"], input).unwrap_err();
    match err {
        ToolError::Input { line, column, reason } => {
            assert_eq!((line, column), (3, 1));
            assert!(reason.contains("'maybe'"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let err =
        tool(&["--outcome", "died", "--probability", "risk", "--threshold", "3"], "died,risk\n1,1.5\n").unwrap_err();
    assert!(err.to_string().starts_with("line 2, column 2:"), "{err}");
}

#[test]
fn arguments_are_checked_by_clap() {
    assert!(Cli::try_parse_from(["cusum", "--outcome", "y", "--probability", "p"]).is_err());
    assert!(
        Cli::try_parse_from([
            "cusum",
            "--outcome",
            "y",
            "--probability",
            "p",
            "--threshold",
            "3",
            "--false-alarm",
            "0.1"
        ])
        .is_err()
    );
    assert!(Cli::try_parse_from(["cusum", "--outcome", "y", "--threshold", "3"]).is_err());
}

#[test]
fn help_documents_every_option() {
    let help = Cli::command().render_long_help().to_string();
    for opt in [
        "--outcome",
        "--probability",
        "--observed",
        "--expected",
        "--odds-ratio",
        "--threshold",
        "--false-alarm",
        "--horizon",
        "--threshold-method",
        "--runs",
        "--seed",
        "--cells",
        "--no-reset",
        "--format",
        "--id",
        "--name",
        "[FILE]",
    ] {
        assert!(help.contains(opt), "help lacks {opt}:\n{help}");
    }
}
