//! Every row and every error names the line a text editor shows it on: for LF and CRLF
//! (Windows, Excel) files alike, with blank lines and quoted line breaks counted.

use failwell_domain::Observation;
use failwell_ingest::{Format, Mapping, RecordReader, RowError};

/// Reads `text` as an observations CSV: the line of every good row, and every error.
fn read(text: &str) -> (Vec<u64>, Vec<RowError>) {
    let input = Box::new(std::io::Cursor::new(text.as_bytes().to_vec()));
    let reader = RecordReader::<Observation>::new("obs.csv", input, Format::Csv, Mapping::default())
        .unwrap_or_else(|e| panic!("the header reads: {e}"));
    let (mut lines, mut errors) = (Vec::new(), Vec::new());
    for item in reader {
        match item {
            Ok(s) => lines.push(s.line),
            Err(e) => errors.push(e),
        }
    }
    (lines, errors)
}

fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

/// A header, four good rows (lines 2-5), a bad value on line 6, a good row on line 7.
const BAD_VALUE_ON_LINE_6: &str = "organisation,indicator,period,value
E08000017,rereferrals_pct,2020,20.5
E08000017,rereferrals_pct,2021,21.5
E08000017,rereferrals_pct,2022,22.5
E08000017,rereferrals_pct,2023,23.5
E08000017,rereferrals_pct,2024,twelve
E08000017,rereferrals_pct,2025,25.5
";

#[test]
fn a_bad_value_names_its_true_line_with_lf_and_with_crlf_endings() {
    for (endings, text) in [("LF", BAD_VALUE_ON_LINE_6.to_string()), ("CRLF", crlf(BAD_VALUE_ON_LINE_6))] {
        let (lines, errors) = read(&text);
        assert_eq!(lines, [2, 3, 4, 5, 7], "{endings}: the good rows' lines");
        assert_eq!(errors.len(), 1, "{endings}: one error: {errors:?}");
        assert_eq!(errors[0].position.to_string(), "obs.csv:6:4 (value)", "{endings}: {}", errors[0]);
    }
}

#[test]
fn a_row_with_too_many_fields_names_its_true_line_with_crlf_endings() {
    let text = crlf(
        "organisation,indicator,period,value\nE08000017,rereferrals_pct,2020,1\nE08000017,rereferrals_pct,2021,2,extra\n",
    );
    let (lines, errors) = read(&text);
    assert_eq!(lines, [2]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].position.line, 3, "{}", errors[0]);
    assert!(errors[0].reason.contains("has 5 fields where the header has 4"), "{}", errors[0]);
}

#[test]
fn blank_lines_and_quoted_line_breaks_are_counted() {
    // Line 2 is blank; the row on lines 3-4 holds a line break inside a quoted source; the
    // bad value is on line 7, after a second blank line (6); the file ends without a newline.
    let text = "organisation,indicator,period,value,source
\nE08000017,rereferrals_pct,2020,20.5,\"NHS England\nmonthly release\"
E08000017,rereferrals_pct,2021,21.5,

E08000017,rereferrals_pct,2022,twelve,
E08000017,rereferrals_pct,2023,23.5,";
    for (endings, text) in [("LF", text.to_string()), ("CRLF", crlf(text))] {
        let (lines, errors) = read(&text);
        assert_eq!(lines, [3, 5, 8], "{endings}: the good rows' lines");
        assert_eq!(errors.len(), 1, "{endings}: {errors:?}");
        assert_eq!(errors[0].position.line, 7, "{endings}: {}", errors[0]);
    }
}

#[test]
fn an_empty_file_is_an_error_naming_the_file() {
    let input = Box::new(std::io::Cursor::new(Vec::new()));
    let error = match RecordReader::<Observation>::new("empty.csv", input, Format::Csv, Mapping::default()) {
        Ok(_) => panic!("an empty file has no header and is refused"),
        Err(e) => e,
    };
    assert_eq!(error.position.file, "empty.csv");
    assert_eq!(error.position.line, 1);
    assert!(error.reason.contains("empty"), "{error}");
}

#[test]
fn a_header_without_rows_is_no_error() {
    for text in ["organisation,indicator,period,value\n", "organisation,indicator,period,value\r\n"] {
        let (lines, errors) = read(text);
        assert!(lines.is_empty() && errors.is_empty(), "{text:?}: {lines:?} {errors:?}");
    }
}
