//! The GOV.UK components ported to askama macros (`templates/components.html`), each
//! rendered with a fixture's options and compared with the HTML govuk-frontend publishes
//! for it (`tests/fixtures/<component>.json`, copied from the package by
//! `assets-src/build.sh`). Whitespace between and just inside tags is normalised; every
//! tag, attribute and text must match.

use askama::Template;
use failwell_web::view::{Cell, SelectItem, SummaryRow};

/// The reference HTML of `component`'s fixture `name`.
fn fixture(component: &str, name: &str) -> String {
    let path = format!("{}/tests/fixtures/{component}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let found = json["fixtures"].as_array().unwrap().iter().find(|f| f["name"] == name);
    found.unwrap_or_else(|| panic!("{component} has no fixture {name:?}"))["html"].as_str().unwrap().to_string()
}

/// Collapses whitespace runs to one space and drops whitespace next to a tag's edge, so
/// that indentation does not count but every tag, attribute and word does.
fn normalise(html: &str) -> String {
    let collapsed = html.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.replace("> ", ">").replace(" <", "<")
}

fn assert_same(ours: &str, component: &str, name: &str) {
    assert_eq!(normalise(ours), normalise(&fixture(component, name)), "{component} / {name}");
}

#[derive(Template)]
#[template(
    source = r#"{% import "components.html" as c %}{% call c::skip_link(href, text) %}{% endcall %}"#,
    ext = "html"
)]
struct SkipLink<'a> {
    href: &'a str,
    text: &'a str,
}

#[derive(Template)]
#[template(
    source = r#"{% import "components.html" as c %}{% call c::generic_header(href, service) %}{% endcall %}"#,
    ext = "html"
)]
struct GenericHeader<'a> {
    href: &'a str,
    service: &'a str,
}

#[derive(Template)]
#[template(
    source = r#"{% import "components.html" as c %}{% call c::tag(text, classes) %}{% endcall %}"#,
    ext = "html"
)]
struct Tag<'a> {
    text: &'a str,
    classes: &'a str,
}

#[derive(Template)]
#[template(source = r#"{% import "components.html" as c %}{% call c::inset_text(text) %}{% endcall %}"#, ext = "html")]
struct InsetText<'a> {
    text: &'a str,
}

#[derive(Template)]
#[template(source = r#"{% import "components.html" as c %}{% call c::button(text) %}{% endcall %}"#, ext = "html")]
struct Button<'a> {
    text: &'a str,
}

#[derive(Template)]
#[template(
    source = r#"{% import "components.html" as c %}{% call c::notification_banner(title, heading) %}{% endcall %}"#,
    ext = "html"
)]
struct NotificationBanner<'a> {
    title: &'a str,
    heading: &'a str,
}

#[derive(Template)]
#[template(
    source = r#"{% import "components.html" as c %}{% call c::select(name, label, items) %}{% endcall %}"#,
    ext = "html"
)]
struct Select<'a> {
    name: &'a str,
    label: &'a str,
    items: Vec<SelectItem>,
}

#[derive(Template)]
#[template(
    source = r#"{% import "components.html" as c %}{% call c::summary_list(rows) %}{% endcall %}"#,
    ext = "html"
)]
struct SummaryList {
    rows: Vec<SummaryRow>,
}

#[derive(Template)]
#[template(
    source = r#"{% import "components.html" as c %}{% call c::table(caption, head, rows) %}{% endcall %}"#,
    ext = "html"
)]
struct Table<'a> {
    caption: &'a str,
    head: Vec<Cell>,
    rows: Vec<Vec<Cell>>,
}

#[test]
fn skip_link_matches_its_fixtures() {
    let ours = SkipLink { href: "#test-target-element", text: "Skip to main content" }.render().unwrap();
    assert_same(&ours, "skip-link", "default");
    assert_same(&SkipLink { href: "#content", text: "skip" }.render().unwrap(), "skip-link", "custom text");
}

#[test]
fn generic_header_matches_its_fixture() {
    assert_same(
        &GenericHeader { href: "/", service: "My cool service" }.render().unwrap(),
        "generic-header",
        "default",
    );
}

#[test]
fn tag_matches_its_fixtures() {
    assert_same(&Tag { text: "Alpha", classes: "" }.render().unwrap(), "tag", "default");
    assert_same(&Tag { text: "Grey", classes: "govuk-tag--grey" }.render().unwrap(), "tag", "grey");
    assert_same(&Tag { text: "Red", classes: "govuk-tag--red" }.render().unwrap(), "tag", "red");
}

#[test]
fn inset_text_matches_its_fixture() {
    let text = "It can take up to 8 weeks to register a lasting power of attorney if there are no mistakes in the application.";
    assert_same(&InsetText { text }.render().unwrap(), "inset-text", "default");
}

#[test]
fn button_matches_its_fixture() {
    assert_same(&Button { text: "Save and continue" }.render().unwrap(), "button", "default");
}

#[test]
fn notification_banner_matches_its_fixture() {
    let ours = NotificationBanner { title: "Important", heading: "This publication was withdrawn on 7 March 2014." };
    assert_same(&ours.render().unwrap(), "notification-banner", "default");
}

#[test]
fn select_matches_its_fixtures() {
    let item = |value: &str, selected: bool, disabled: bool| SelectItem {
        value: value.into(),
        text: format!("GOV.UK frontend option {value}"),
        selected,
        disabled,
    };
    let ours = Select {
        name: "select-1",
        label: "Label text goes here",
        items: vec![item("1", false, false), item("2", true, false), item("3", false, true)],
    };
    let html = ours.render().unwrap();
    assert_same(&html, "select", "default");
    assert_same(&html, "select", "with selected value");
}

#[test]
fn summary_list_matches_its_fixture_for_text_rows() {
    // The fixture's third row holds HTML; our port takes text only (always escaped), so
    // the comparison is with the fixture less that row.
    let reference = fixture("summary-list", "default");
    let third = reference
        .find("  <div class=\"govuk-summary-list__row\">\n    <dt class=\"govuk-summary-list__key\">\n      Contact")
        .unwrap();
    let expected = format!("{}</dl>", &reference[..third]);
    let ours = SummaryList {
        rows: vec![SummaryRow::new("Name", "Firstname Lastname"), SummaryRow::new("Date of birth", "13/08/1980")],
    };
    assert_eq!(normalise(&ours.render().unwrap()), normalise(&expected));
}

#[test]
fn table_matches_its_fixtures() {
    let money = |s: &str| Cell { text: s.into(), numeric: true, ..Cell::default() };
    let month = |s: &str| Cell { text: s.into(), header: true, ..Cell::default() };
    let rows = vec![
        vec![month("January"), money("£85"), money("£95")],
        vec![month("February"), money("£75"), money("£55")],
        vec![month("March"), money("£165"), money("£125")],
    ];
    let head = vec![
        Cell::text("Month you apply"),
        Cell { numeric: true, ..Cell::text("Rate for bicycles") },
        Cell { numeric: true, ..Cell::text("Rate for vehicles") },
    ];
    let ours = Table { caption: "Caption 1: Months and rates", head, rows: rows.clone() };
    assert_same(&ours.render().unwrap(), "table", "with head and caption");
    let ours = Table { caption: "", head: Vec::new(), rows };
    assert_same(&ours.render().unwrap(), "table", "with firstCellIsHeader true");
}
