//! `failwell funnel` end to end: parse arguments as the CLI does, run over CSV text.

use clap::{CommandFactory, Parser};
use failwell_analyst::funnel::{FunnelArgs, run};
use failwell_analyst::spc::ToolError;

#[derive(Parser)]
#[command(name = "funnel")]
struct Cli {
    #[command(flatten)]
    args: FunnelArgs,
}

fn tool(argv: &[&str], input: &str) -> Result<String, ToolError> {
    let mut full = vec!["funnel"];
    full.extend_from_slice(argv);
    let cli = Cli::try_parse_from(full).expect("arguments parse");
    let mut out = Vec::new();
    run(&cli.args, &mut input.as_bytes(), &mut out)?;
    Ok(String::from_utf8(out).unwrap())
}

/// FunnelPlotR's six-unit example (tests/testthat/test-classes_methods.R).
const SIX: &str = "trust,deaths,expected\na,100,108\nb,150,112\nc,180,165\nd,80,95\ne,120,100\nf,225,220\n";

#[test]
fn ratio_funnel_json_with_shmi() {
    let out = tool(
        &[
            "--unit",
            "trust",
            "--observed",
            "deaths",
            "--expected",
            "expected",
            "--overdispersion",
            "shmi",
            "--format",
            "json",
        ],
        SIX,
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // φ = 2.948033 as FunnelPlotR reports for these data.
    let phi = v["summary"]["phi"].as_f64().unwrap();
    assert!((phi - 2.948033).abs() < 1e-6, "{phi}");
    assert!(v["summary"]["tau2"].as_f64().unwrap() > 0.0);
    let units = v["units"].as_array().unwrap();
    assert_eq!(units.len(), 6);
    assert_eq!(units[1]["unit"], "b");
    let b = &units[1];
    assert!(b["upper_95"].as_f64().unwrap() < b["upper_998"].as_f64().unwrap());
    assert!(b["explanation"].as_str().unwrap().starts_with("b: 150 observed against 112 expected (ratio 1.34)"));
    assert!(v["summary"]["method"].as_str().unwrap().contains("τ²"));
}

#[test]
fn proportion_funnel_csv() {
    let input = "org,num,den\nA,10,100\nB,30,100\nC,200,1000\nD,20,100\n";
    let out = tool(&["--unit", "org", "--numerator", "num", "--denominator", "den"], input).unwrap();
    let mut lines = out.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with(
            "unit,numerator,denominator,value,target,lower_95,upper_95,lower_998,upper_998,classification"
        )
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 4);
    assert!(rows[0].starts_with("A,10,100,0.1,0.2,"), "{}", rows[0]);
    assert!(rows[0].contains(",below 99.8%,") || rows[0].contains(",below 95%,"), "{}", rows[0]);
}

#[test]
fn overdispersion_is_reported_in_every_csv_row() {
    let out = tool(
        &[
            "--unit",
            "trust",
            "--observed",
            "deaths",
            "--expected",
            "expected",
            "--overdispersion",
            "multiplicative",
            "--limits",
            "normal",
        ],
        SIX,
    )
    .unwrap();
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    let phi_col = rdr.headers().unwrap().iter().position(|h| h == "phi").unwrap();
    let phis: Vec<String> = rdr.records().map(|r| r.unwrap()[phi_col].to_string()).collect();
    assert_eq!(phis.len(), 6);
    assert!(phis.iter().all(|p| p == &phis[0] && !p.is_empty()));
}

#[test]
fn bad_number_names_line_and_column() {
    let input = "trust,deaths,expected\na,100,108\nb,lots,112\n";
    let err = tool(&["--unit", "trust", "--observed", "deaths", "--expected", "expected"], input).unwrap_err();
    match err {
        ToolError::Input { line, column, reason } => {
            assert_eq!((line, column), (3, 2));
            assert!(reason.contains("'lots' is not a number"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn invalid_values_name_their_line() {
    let input = "org,num,den\nA,10,100\nB,130,100\n";
    let err = tool(&["--unit", "org", "--numerator", "num", "--denominator", "den"], input).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("line 3, column 2:"), "{text}");
    assert!(text.contains("exceeds denominator"), "{text}");
    assert!(text.contains("unit \"B\": numerator 130"), "the unit by its name in the file, not its index: {text}");
}

#[test]
fn missing_column_is_explained() {
    let err = tool(&["--unit", "trust", "--observed", "dead", "--expected", "expected"], SIX).unwrap_err();
    assert!(err.to_string().contains("no column named 'dead'"), "{err}");
}

#[test]
fn arguments_are_checked_by_clap() {
    // Both measures at once, or neither, is a usage error.
    assert!(
        Cli::try_parse_from([
            "funnel",
            "--unit",
            "u",
            "--numerator",
            "a",
            "--denominator",
            "b",
            "--observed",
            "c",
            "--expected",
            "d"
        ])
        .is_err()
    );
    assert!(Cli::try_parse_from(["funnel", "--unit", "u"]).is_err());
    assert!(Cli::try_parse_from(["funnel", "--unit", "u", "--observed", "c"]).is_err());
}

#[test]
fn help_documents_every_option() {
    let help = Cli::command().render_long_help().to_string();
    for opt in [
        "--unit",
        "--numerator",
        "--denominator",
        "--observed",
        "--expected",
        "--overdispersion",
        "--limits",
        "--trim",
        "--target",
        "--format",
        "shmi",
        "multiplicative",
        "additive",
        "exact",
        "normal",
        "[FILE]",
    ] {
        assert!(help.contains(opt), "help lacks {opt}:\n{help}");
    }
}
