//! Every tool names the line an editor shows a bad row on, whatever the file's line
//! endings: CRLF (Windows, Excel) as well as LF, with blank lines counted.

use clap::Parser;
use failwell_analyst::spc::ToolError;

#[derive(Parser)]
struct Spc {
    #[command(flatten)]
    args: failwell_analyst::spc::SpcArgs,
}

#[derive(Parser)]
struct Funnel {
    #[command(flatten)]
    args: failwell_analyst::funnel::FunnelArgs,
}

#[derive(Parser)]
struct Cusum {
    #[command(flatten)]
    args: failwell_analyst::cusum::CusumArgs,
}

/// The line of the input error each tool reports for `text`.
fn lines(text: &str) -> [u64; 3] {
    let line = |r: Result<(), ToolError>| match r {
        Err(ToolError::Input { line, .. }) => line,
        other => panic!("an input error: {other:?}"),
    };
    let (mut input, mut out) = (text.as_bytes(), Vec::new());
    let spc = Spc::try_parse_from(["spc", "--value", "value"]).unwrap().args;
    let funnel = Funnel::try_parse_from(["funnel", "--unit", "org", "--numerator", "value", "--denominator", "den"])
        .unwrap()
        .args;
    let cusum =
        Cusum::try_parse_from(["cusum", "--observed", "value", "--expected", "den", "--threshold", "3"]).unwrap().args;
    [
        line(failwell_analyst::spc::run(&spc, &mut input, &mut out)),
        line(failwell_analyst::funnel::run(&funnel, &mut text.as_bytes(), &mut out)),
        line(failwell_analyst::cusum::run(&cusum, &mut text.as_bytes(), &mut out)),
    ]
}

#[test]
fn a_bad_value_names_its_true_line_with_lf_and_with_crlf_endings() {
    // Header, good rows on lines 2-4, a blank line 5, the bad value on line 6.
    let text = "org,value,den\na,5,10\nb,6,10\nc,5,10\n\nd,lots,10\ne,4,10\n";
    assert_eq!(lines(text), [6, 6, 6], "LF");
    assert_eq!(lines(&text.replace('\n', "\r\n")), [6, 6, 6], "CRLF");
}
