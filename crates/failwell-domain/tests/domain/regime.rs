//! Regimes as data: the shipped England regime, and every validation rule.

use failwell_domain::failure::FailureType;
use failwell_domain::regime::{
    ClockRule, ClockStart, ExitPhilosophy, GradeComparison, NotComparable, Period, PeriodUnit, Regime, RegimeError,
    RungKind,
};
use proptest::prelude::*;
use time::macros::date;

const ENGLAND: &str = include_str!("../../../../regimes/england.toml");

fn england() -> Regime {
    match Regime::from_toml_str(ENGLAND) {
        Ok(r) => r,
        Err(e) => panic!("england.toml is invalid:\n{e}"),
    }
}

// ---------------------------------------------------------------------------------------
// The England regime

#[test]
fn england_has_four_sectors_and_seven_failure_types() {
    let r = england();
    assert_eq!(r.id, "england");
    let sectors: Vec<&str> = r.sectors.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(sectors, ["local_government", "schools", "hospitals", "childrens_services"]);
    for ft in FailureType::ALL {
        let def = r.failure_type_at(ft, date!(2016 - 01 - 01)).unwrap_or_else(|| panic!("no wording for {ft}"));
        assert!(def.description.len() > 20);
    }
    // The built-in copy is the same file.
    assert_eq!(Regime::england(), r);
}

#[test]
fn every_ladder_climbs_from_universal_monitoring_with_peers_low_down() {
    let r = england();
    for sector in ["local_government", "schools", "hospitals", "childrens_services"] {
        let ladders = r.ladders_for(sector);
        assert!(!ladders.is_empty(), "{sector} has no ladder");
        for ladder in ladders {
            let first = ladder.lightest().unwrap();
            assert_eq!(first.id, "universal_monitoring", "{}", ladder.id);
            assert_eq!(first.kind, RungKind::UniversalMonitoring);
            assert_eq!(first.level, 0);
            assert!(ladder.rungs.windows(2).all(|w| w[0].level < w[1].level), "{} is not lightest first", ladder.id);
            assert_eq!(
                ladder.rungs[1].kind,
                RungKind::PeerReview,
                "{}: peer review should be the first rung above monitoring",
                ladder.id
            );
            assert!(!ladder.rungs[1].statutory);
            assert!(ladder.rungs.len() >= 5, "{} is too short", ladder.id);
            let last = ladder.rungs.last().unwrap();
            assert!(
                matches!(last.kind, RungKind::Commissioners | RungKind::StructuralChange),
                "{} should end in commissioners or a transfer",
                ladder.id
            );
        }
    }
}

#[test]
fn exit_philosophies_follow_the_sectors() {
    let r = england();
    let on = date!(2016 - 06 - 01);
    let lg = r.ladder_at("local_government", on).unwrap();
    assert_eq!(lg.exit, ExitPhilosophy::Capability);
    assert_eq!(lg.rung("commissioners").unwrap().exit, ExitPhilosophy::Capability);
    for sector in ["schools", "hospitals", "childrens_services"] {
        let l = r.ladder_at(sector, on).unwrap();
        assert_eq!(l.exit, ExitPhilosophy::Outcome, "{sector}");
        // A rung without its own `exit` inherits the ladder's.
        assert_eq!(l.rungs.last().unwrap().exit, ExitPhilosophy::Outcome);
        // Voluntary peer help ends on confidence, not on a grade.
        assert_eq!(l.rungs[1].exit, ExitPhilosophy::Capability);
    }
}

#[test]
fn ladder_at_picks_the_version_in_force() {
    let r = england();
    assert_eq!(r.ladder_at("hospitals", date!(2013 - 07 - 16)).unwrap().id, "hospitals_2013");
    assert_eq!(r.ladder_at("hospitals", date!(2021 - 06 - 30)).unwrap().id, "hospitals_2013");
    let now = r.ladder_at("hospitals", date!(2021 - 07 - 01)).unwrap();
    assert_eq!(now.id, "hospitals_2021");
    assert!(now.rung("special_measures").is_none());
    assert_eq!(now.rung("recovery_support_programme").unwrap().kind, RungKind::SpecialMeasures);
    assert!(r.ladder_at("hospitals", date!(2010 - 01 - 01)).is_none());
    assert!(r.ladder_at("prisons", date!(2020 - 01 - 01)).is_none());
}

#[test]
fn rung_validity_narrows_within_a_ladder() {
    let r = england();
    let l = r.ladder("childrens_services_2010").unwrap();
    let ids = |d| l.rungs_at(d).map(|r| r.id.as_str()).collect::<Vec<_>>();
    assert!(!ids(date!(2012 - 01 - 01)).contains(&"trust_or_partnership"));
    assert!(ids(date!(2015 - 01 - 01)).contains(&"trust_or_partnership"));
    assert_eq!(l.above("commissioner").len(), 1);
    assert!(l.above("no_such_rung").is_empty());
}

#[test]
fn special_measures_clock_allows_one_six_month_extension() {
    let r = england();
    let sm = r.rung("hospitals_2013", "special_measures").unwrap();
    assert!(sm.applied_by.iter().any(|a| a == "cqc"));
    let re = sm.clock("reinspection").unwrap();
    assert_eq!(re.rule, ClockRule::Within(Period { amount: 12, unit: PeriodUnit::Months }));
    assert_eq!(re.max_extensions, 1);
    let entry = date!(2013 - 07 - 16);
    assert_eq!(re.first_due(entry), Some(date!(2014 - 07 - 16)));
    assert_eq!(re.latest_due(entry), Some(date!(2015 - 01 - 16)));
    let monthly = sm.clock("progress_report").unwrap();
    assert!(matches!(monthly.rule, ClockRule::Every(_)));

    let plan = r.rung("childrens_services_2010", "statutory_direction").unwrap().clock("action_plan").unwrap();
    assert_eq!(plan.from, ClockStart::Report);
    assert!(plan.approximate);
    assert_eq!(plan.first_due(date!(2020 - 01 - 01)), Some(date!(2020 - 03 - 11)));

    let peer = r.rung("local_government_2011", "peer_challenge").unwrap();
    assert!(peer.applied_by == ["lga"]);
    assert_eq!(peer.clocks.len(), 2);
}

#[test]
fn failing_grades_are_marked() {
    let r = england();
    let failing =
        |scale: &str, on| r.scale_at(scale, on).unwrap().failing_grades().map(|g| g.code.clone()).collect::<Vec<_>>();
    assert_eq!(failing("ofsted_school", date!(2015 - 01 - 01)), ["inadequate"]);
    assert_eq!(failing("ofsted_school", date!(2026 - 01 - 01)), ["urgent_improvement"]);
    assert_eq!(failing("ofsted_safeguarding", date!(2026 - 01 - 01)), ["not_met"]);
    assert_eq!(failing("cqc", date!(2016 - 01 - 01)), ["inadequate"]);
    assert_eq!(failing("ofsted_childrens", date!(2019 - 01 - 01)), ["inadequate"]);
    let ri = r.grade("cqc", "2014", "requires_improvement").unwrap();
    assert!(!ri.is_failing());
    assert!(r.grade("cqc", "2014", "inadequate").unwrap().grade.is_failing());
    assert_eq!(r.scale("cqc", "2014").unwrap().areas, ["safe", "effective", "caring", "responsive", "well_led"]);
}

#[test]
fn scale_at_follows_the_ofsted_versions() {
    let r = england();
    let v = |d| r.scale_at("ofsted_school", d).unwrap().version.clone();
    assert_eq!(v(date!(2012 - 08 - 31)), "2005");
    assert_eq!(v(date!(2012 - 09 - 01)), "2012");
    assert_eq!(v(date!(2025 - 11 - 09)), "2012");
    assert_eq!(v(date!(2025 - 11 - 10)), "2025");
    assert!(r.scale_at("ofsted_school", date!(2005 - 08 - 31)).is_none());
    let versions: Vec<_> = r.scale_versions("ofsted_school").iter().map(|s| s.version.as_str()).collect();
    assert_eq!(versions, ["2005", "2012", "2025"]);
}

#[test]
fn report_cards_are_not_comparable_with_four_grades() {
    let r = england();
    let inadequate = r.grade("ofsted_school", "2012", "inadequate").unwrap();
    let urgent = r.grade("ofsted_school", "2025", "urgent_improvement").unwrap();
    assert_eq!(
        r.compare_grades(inadequate, urgent),
        Err(NotComparable::NoCrosswalk { scale: "ofsted_school".into(), from: "2012".into(), to: "2025".into() })
    );
    assert!(r.compare_grades(urgent, inadequate).is_err());
    // NHS oversight segments changed meaning in June 2025: no crosswalk either.
    let seg = |v: &'static str| r.grade("nhs_oversight", v, "segment_4").unwrap();
    assert!(r.compare_grades(seg("2021"), seg("2025")).is_err());
    assert_eq!(r.scale_at("nhs_oversight", date!(2025 - 07 - 01)).unwrap().version, "2025");
    // Different scales never compare, even with the same words.
    let cqc = r.grade("cqc", "2014", "inadequate").unwrap();
    assert!(matches!(r.compare_grades(inadequate, cqc), Err(NotComparable::DifferentScales(..))));
}

#[test]
fn crosswalked_versions_compare_in_both_directions() {
    let r = england();
    let satisfactory = r.grade("ofsted_school", "2005", "satisfactory").unwrap();
    let ri = r.grade("ofsted_school", "2012", "requires_improvement").unwrap();
    let good = r.grade("ofsted_school", "2012", "good").unwrap();
    let inadequate = r.grade("ofsted_school", "2012", "inadequate").unwrap();
    assert_eq!(r.compare_grades(satisfactory, ri), Ok(GradeComparison::Same));
    assert_eq!(r.compare_grades(satisfactory, good), Ok(GradeComparison::Worse));
    assert_eq!(r.compare_grades(inadequate, satisfactory), Ok(GradeComparison::Worse));
    assert_eq!(r.compare_grades(good, satisfactory), Ok(GradeComparison::Better));
    // Same version: by rank.
    assert_eq!(r.compare_grades(good, ri), Ok(GradeComparison::Better));
    // Children's services: 2009 "adequate" crosswalks to Requires improvement (SIF and
    // ILACS), so the whole inspection record compares; SIF to ILACS too.
    let adequate = r.grade("ofsted_childrens", "2009", "adequate").unwrap();
    let ilacs_ri = r.grade("ofsted_childrens", "2018", "requires_improvement").unwrap();
    let ilacs_good = r.grade("ofsted_childrens", "2018", "good").unwrap();
    let sif_good = r.grade("ofsted_childrens", "2013", "good").unwrap();
    assert_eq!(r.compare_grades(adequate, ilacs_ri), Ok(GradeComparison::Same));
    assert_eq!(r.compare_grades(adequate, ilacs_good), Ok(GradeComparison::Worse));
    assert_eq!(r.compare_grades(sif_good, ilacs_ri), Ok(GradeComparison::Better));
    // Ofsted's 2023 statistics write Adequate in the later words: found under either.
    let alias = r.grade("ofsted_childrens", "2009", "requires_improvement_to_be_good").unwrap();
    assert_eq!(alias.grade.code, "adequate");
}

#[test]
fn actors_are_dated_and_linked() {
    let r = england();
    let mhclg = r.actor("mhclg").unwrap();
    assert_eq!(mhclg.succeeds.as_deref(), Some("dluhc"));
    let in_2015: Vec<_> = r.actors_at(date!(2015 - 06 - 01)).map(|a| a.id.as_str()).collect();
    assert!(in_2015.contains(&"dclg") && in_2015.contains(&"monitor"));
    assert!(!in_2015.contains(&"mhclg") && !in_2015.contains(&"audit_commission"));
    let def = r.definition_at("hospital_special_measures_entry", date!(2016 - 01 - 01)).unwrap();
    assert_eq!(def.version, "2014");
    assert_eq!(def.thresholds.get("inadequate_key_questions"), Some(&2.0));
}

// ---------------------------------------------------------------------------------------
// Validation: each rule, at its exact line and column.

/// A valid regime of 16 lines; tests append to it.
const BASE: &str = r#"[regime]
id = "t"
version = "1"
name = "Test"
valid_from = 2020-01-01

[[sectors]]
id = "s"
name = "S"
valid_from = 2020-01-01

[[actors]]
id = "a"
name = "A"
kind = "regulator"
valid_from = 2020-01-01
"#;
const BASE_LINES: usize = 16;

/// A scale of two grades (lines +1 to +14 after the base).
const SCALE: &str = r#"[[scales]]
id = "sc"
version = "1"
name = "Scale"
valid_from = 2020-01-01
[[scales.grades]]
code = "good"
label = "Good"
rank = 1
[[scales.grades]]
code = "bad"
label = "Bad"
rank = 2
failing = true
"#;

fn errors(extra: &str) -> Vec<RegimeError> {
    let src = format!("{BASE}{extra}");
    match Regime::from_toml_str(&src) {
        Ok(_) => panic!("expected errors in:\n{src}"),
        Err(e) => e.into_vec(),
    }
}

fn one_error(extra: &str) -> RegimeError {
    let e = errors(extra);
    assert_eq!(e.len(), 1, "expected one error, got {e:#?}");
    e.into_iter().next().unwrap()
}

#[test]
fn the_base_snippets_are_valid() {
    let r = Regime::from_toml_str(&format!("{BASE}{SCALE}")).unwrap();
    assert_eq!(BASE.lines().count(), BASE_LINES);
    assert_eq!(r.sectors.len(), 1);
    assert_eq!(r.scales[0].grades.len(), 2);
}

#[test]
fn syntax_errors_are_reported_with_position() {
    let e = Regime::from_toml_str("[regime]\nid = \"t\"\nversion = \n").unwrap_err();
    let e = &e.as_slice()[0];
    assert_eq!((e.line, e.column), (3, 11));
    assert!(e.message.starts_with("TOML syntax"), "{}", e.message);
}

#[test]
fn display_reads_line_then_column() {
    let e = one_error("\n[[sectors]]\nid = \"s2\"\nname = \"S2\"\ncolour = \"red\"\nvalid_from = 2020-01-01\n");
    assert_eq!(e.line, BASE_LINES + 5);
    assert_eq!(e.column, 1);
    let shown = e.to_string();
    assert!(
        shown.starts_with(&format!("line {}, column 1: unknown key \"colour\" in sector", BASE_LINES + 5)),
        "{shown}"
    );
}

#[test]
fn unknown_keys_and_tables_are_errors() {
    let e = one_error("\n[prisons]\nid = 1\n");
    assert_eq!((e.line, e.column), (BASE_LINES + 2, 2));
    assert!(e.message.contains("unknown key \"prisons\""), "{}", e.message);

    // Unknown key inside a nested table, at its column.
    let e = one_error(&SCALE.replace("rank = 2", "rank = 2\n  shade = 3"));
    assert_eq!((e.line, e.column), (BASE_LINES + 14, 3));
    assert!(e.message.contains("in grade"));
}

#[test]
fn missing_keys_point_at_the_table_header() {
    let e = one_error("\n[[sectors]]\nid = \"s2\"\nvalid_from = 2020-01-01\n");
    assert_eq!((e.line, e.column), (BASE_LINES + 2, 1));
    assert!(e.message.contains("missing key \"name\" in sector"));
}

#[test]
fn wrong_types_and_bad_dates_are_errors() {
    let e = errors("\n[[sectors]]\nid = 7\nname = \"S2\"\nvalid_from = \"2020-13-01\"\n");
    assert_eq!(e.len(), 2, "{e:#?}");
    assert_eq!((e[0].line, e[0].column), (BASE_LINES + 3, 6));
    assert!(e[0].message.contains("must be a string"));
    assert_eq!((e[1].line, e[1].column), (BASE_LINES + 5, 14));
    assert!(e[1].message.contains("YYYY-MM-DD"));
}

#[test]
fn duplicate_ids_are_errors() {
    let e = one_error("\n[[sectors]]\nid = \"s\"\nname = \"Again\"\nvalid_from = 2020-01-01\n");
    assert_eq!((e.line, e.column), (BASE_LINES + 3, 6));
    assert!(e.message.contains("duplicate sector id \"s\" (first defined at line 8)"), "{}", e.message);

    let e = one_error(&SCALE.replace("code = \"bad\"", "code = \"good\""));
    assert_eq!(e.line, BASE_LINES + 11);
    assert!(e.message.contains("duplicate grade code"));
}

const LADDER: &str = r#"
[[ladders]]
id = "l"
sector = "s"
name = "L"
exit = "outcome"
valid_from = 2020-01-01
[[ladders.rungs]]
id = "watch"
name = "Watch"
kind = "universal_monitoring"
level = 0
applied_by = ["a"]
[[ladders.rungs]]
id = "notice"
name = "Notice"
kind = "formal_notice"
level = 1
applied_by = ["a", "nobody"]
"#;

#[test]
fn a_rung_naming_an_unknown_actor_is_an_error() {
    let e = one_error(LADDER);
    assert_eq!((e.line, e.column), (BASE_LINES + 19, 20));
    assert_eq!(e.message, "unknown actor \"nobody\"");
}

#[test]
fn a_rung_naming_an_actor_out_of_office_is_an_error() {
    let src = LADDER.replace(", \"nobody\"", ", \"old\"")
        + "[[actors]]\nid = \"old\"\nname = \"Old\"\nkind = \"department\"\nvalid_from = 2001-01-01\nvalid_to = 2010-01-01\n";
    let e = one_error(&src);
    assert_eq!((e.line, e.column), (BASE_LINES + 19, 20));
    assert!(e.message.contains("never exists while rung \"notice\" applies"), "{}", e.message);
}

#[test]
fn ladder_levels_must_strictly_increase() {
    let e = one_error(&LADDER.replace(", \"nobody\"", "").replace("level = 1", "level = 0"));
    assert_eq!((e.line, e.column), (BASE_LINES + 18, 9));
    assert!(e.message.contains("not above level 0 of the rung at line 28"), "{}", e.message);
}

#[test]
fn a_scale_needs_a_failing_grade() {
    let e = one_error(&SCALE.replace("failing = true\n", ""));
    assert_eq!((e.line, e.column), (BASE_LINES + 1, 1));
    assert!(e.message.contains("no failing grade"), "{}", e.message);
}

#[test]
fn duplicate_ranks_are_errors() {
    let e = one_error(&SCALE.replace("rank = 2", "rank = 1"));
    assert_eq!((e.line, e.column), (BASE_LINES + 13, 8));
    assert!(e.message.contains("duplicate rank 1"), "{}", e.message);
}

#[test]
fn grades_must_be_listed_best_first() {
    let src = SCALE.replace("rank = 1", "rank = 5").replace("rank = 2", "rank = 4");
    let e = one_error(&src);
    assert_eq!(e.line, BASE_LINES + 13);
    assert!(e.message.contains("best first"), "{}", e.message);
}

#[test]
fn a_crosswalk_naming_a_missing_grade_is_an_error() {
    let v2 = SCALE
        .replace("version = \"1\"", "version = \"2\"")
        .replace("valid_from = 2020-01-01", "valid_from = 2021-01-01");
    let v1 = SCALE.replace("valid_from = 2020-01-01", "valid_from = 2020-01-01\nvalid_to = 2021-01-01");
    // v1: lines +1..+15, v2: +16..+29, crosswalk from +30.
    let crosswalk = r#"[[crosswalks]]
id = "c"
scale = "sc"
from_version = "1"
to_version = "2"
map = { good = "good", bad = "awful", ugly = "bad" }
valid_from = 2021-01-01
"#;
    let e = errors(&format!("{v1}{v2}{crosswalk}"));
    assert_eq!(e.len(), 2, "{e:#?}");
    let line = BASE_LINES + 15 + 14 + 6;
    assert_eq!((e[0].line, e[0].column), (line, 30));
    assert_eq!(e[0].message, "version \"2\" of scale \"sc\" has no grade \"awful\"");
    assert_eq!((e[1].line, e[1].column), (line, 39));
    assert_eq!(e[1].message, "version \"1\" of scale \"sc\" has no grade \"ugly\"");
}

#[test]
fn valid_to_must_follow_valid_from() {
    let e = one_error("\n[[sectors]]\nid = \"s2\"\nname = \"S2\"\nvalid_from = 2020-01-01\nvalid_to = 2019-12-31\n");
    assert_eq!((e.line, e.column), (BASE_LINES + 6, 12));
    assert!(e.message.contains("must be after valid_from"), "{}", e.message);
    // An empty range (same day) is rejected too: valid_to is exclusive.
    let e = one_error("\n[[sectors]]\nid = \"s2\"\nname = \"S2\"\nvalid_from = 2020-01-01\nvalid_to = 2020-01-01\n");
    assert_eq!(e.line, BASE_LINES + 6);
}

#[test]
fn overlapping_versions_of_a_scale_are_errors() {
    let v2 = SCALE
        .replace("version = \"1\"", "version = \"2\"")
        .replace("valid_from = 2020-01-01", "valid_from = 2021-01-01");
    // Version 1 has no end, so version 2 overlaps it.
    let e = one_error(&format!("{SCALE}{v2}"));
    assert_eq!((e.line, e.column), (BASE_LINES + 14 + 5, 14));
    assert!(e.message.contains("overlaps"), "{}", e.message);
    assert!(e.message.contains("(line 21)"), "{}", e.message);
    // Touching ranges are fine.
    let v1 = SCALE.replace("valid_from = 2020-01-01", "valid_from = 2020-01-01\nvalid_to = 2021-01-01");
    assert!(Regime::from_toml_str(&format!("{BASE}{v1}{v2}")).is_ok());
}

#[test]
fn unknown_failure_types_are_errors() {
    let e = one_error(
        "\n[[failure_types]]\nid = \"finance\"\nname = \"F\"\ndescription = \"d\"\nvalid_from = 2020-01-01\n",
    );
    assert_eq!((e.line, e.column), (BASE_LINES + 3, 6));
    assert!(e.message.contains("unknown failure type \"finance\""), "{}", e.message);

    let e = one_error(
        "\n[[definitions]]\nid = \"d\"\nversion = \"1\"\nfailure_types = [\"governance\", \"moral\"]\ntext = \"t\"\nvalid_from = 2020-01-01\n",
    );
    assert_eq!((e.line, e.column), (BASE_LINES + 5, 32));
}

#[test]
fn unknown_keywords_list_the_accepted_words() {
    let e = one_error("\n[[actors]]\nid = \"b\"\nname = \"B\"\nkind = \"ombudsman\"\nvalid_from = 2020-01-01\n");
    assert_eq!((e.line, e.column), (BASE_LINES + 5, 8));
    assert!(e.message.contains("unknown actor kind \"ombudsman\""));
    assert!(e.message.contains("peer_body"));
}

#[test]
fn trigger_rules_must_name_a_real_rung() {
    let ladder = LADDER.replace(", \"nobody\"", "");
    let rules = r#"
[[trigger_rules]]
id = "r1"
ladder = "l"
rung = "notice"
expression = "grade == 'inadequate'"
rationale = "An inadequate grade calls for a notice."
valid_from = 2020-01-01
[[trigger_rules]]
id = "r2"
ladder = "l"
rung = "special_measures"
expression = "true"
rationale = "x"
valid_from = 2020-01-01
"#;
    let e = one_error(&format!("{ladder}{rules}"));
    assert_eq!((e.line, e.column), (BASE_LINES + 19 + 12, 8));
    assert!(e.message.contains("has no rung \"special_measures\""));
    let ok = Regime::from_toml_str(&format!(
        "{BASE}{ladder}{}",
        &rules[..rules.find("[[trigger_rules]]\nid = \"r2\"").unwrap()]
    ))
    .unwrap();
    assert_eq!(ok.trigger_rules_for("l").count(), 1);
}

#[test]
fn clocks_need_exactly_one_rule() {
    let ladder = LADDER.replace(", \"nobody\"", "");
    let e = errors(&format!(
        "{ladder}[[ladders.rungs.clocks]]\nid = \"c\"\nname = \"C\"\nwithin = {{ months = 0 }}\n[[ladders.rungs.clocks]]\nid = \"d\"\nname = \"D\"\nwithin = {{ days = 1, weeks = 2 }}\n[[ladders.rungs.clocks]]\nid = \"e\"\nname = \"E\"\n"
    ));
    let lines: Vec<usize> = e.iter().map(|e| e.line).collect();
    assert_eq!(lines, [BASE_LINES + 23, BASE_LINES + 27, BASE_LINES + 28], "{e:#?}");
    assert!(e[0].message.contains("positive"));
    assert!(e[1].message.contains("exactly one"));
    assert!(e[2].message.contains("needs"));
}

#[test]
fn a_broken_part_is_not_reported_again_where_it_is_named() {
    // The sector lacks a name; the actor that names it must not add "unknown sector".
    let e = one_error(
        "\n[[sectors]]\nid = \"s2\"\nvalid_from = 2020-01-01\n\n[[actors]]\nid = \"b\"\nname = \"B\"\nkind = \"auditor\"\nsectors = [\"s2\"]\nvalid_from = 2020-01-01\n",
    );
    assert_eq!(e.line, BASE_LINES + 2);
    assert!(e.message.contains("missing key \"name\""));
    // A sector never declared is still unknown.
    let e = one_error(
        "\n[[actors]]\nid = \"b\"\nname = \"B\"\nkind = \"auditor\"\nsectors = [\"s\", \"s3\"]\nvalid_from = 2020-01-01\n",
    );
    assert_eq!((e.line, e.column), (BASE_LINES + 6, 17));
    assert_eq!(e.message, "unknown sector \"s3\"");
}

#[test]
fn every_error_is_reported_in_file_order() {
    let src = format!(
        "{BASE}{}{}\n[[sectors]]\nid = \"s\"\nname = \"dup\"\nvalid_from = 2020-01-01\nvalid_to = 2019-01-01\n",
        SCALE.replace("failing = true\n", "").replace("rank = 2", "rank = 1"),
        LADDER,
    );
    let e = Regime::from_toml_str(&src).unwrap_err();
    let got: Vec<(usize, &str)> = e.iter().map(|e| (e.line, e.message.split(' ').next().unwrap())).collect();
    assert_eq!(
        got,
        [
            (BASE_LINES + 1, "scale"),      // no failing grade
            (BASE_LINES + 13, "duplicate"), // rank 1 twice
            // The scale lost its `failing` line, so it is 13 lines long.
            (BASE_LINES + 13 + 19, "unknown"),
            (BASE_LINES + 13 + 19 + 3, "duplicate"),
            (BASE_LINES + 13 + 19 + 6, "valid_to"),
        ],
        "{e}"
    );
    // The collection displays one error per line.
    assert_eq!(e.to_string().lines().count(), 5);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever is fed in, parsing never panics and every error has a real position.
    #[test]
    fn arbitrary_text_never_panics(extra in "[\\[\\]a-z_=\"0-9 .\\n{}-]{0,80}") {
        let src = format!("{BASE}{extra}");
        if let Err(e) = Regime::from_toml_str(&src) {
            prop_assert!(!e.is_empty());
            let lines = src.lines().count().max(1) + 1;
            for err in &e {
                prop_assert!(err.line >= 1 && err.line <= lines);
                prop_assert!(err.column >= 1);
            }
        }
    }
}

#[test]
fn the_example_in_the_docs_is_valid() {
    let doc = include_str!("../../../../docs/regimes.md");
    let start = doc.find("```toml\n").expect("docs have a TOML example") + 8;
    let len = doc[start..].find("```").unwrap();
    let r = Regime::from_toml_str(&doc[start..start + len]).unwrap_or_else(|e| panic!("{e}"));
    let ladder = r.ladder_at("hospitals", date!(2024 - 01 - 01)).unwrap();
    assert_eq!(ladder.rungs.len(), 3);
    assert_eq!(r.trigger_rules.len(), 1);
}

/// A learned score of sector `s` (lines +1 to +13 after the base).
const LEARNED: &str = r#"
[[learned_scores]]
id = "s_failing"
sector = "s"
foretells = "sc"
fitted_from = 2014-01-01
fitted_to = 2025-12-31
failing_cases = 75
sound_cases = 219
penalty = 3.0
intercept = -1.5
threshold = 0.3
weights = { previous_inadequate = 0.5, "level:caseload" = 0.37 }
"#;

#[test]
fn a_learned_score_is_read_with_its_weights_and_computes_log_odds() {
    let r = Regime::from_toml_str(&format!("{BASE}{LEARNED}")).unwrap();
    let l = r.learned_score("s").expect("the sector's learned score");
    assert_eq!((l.failing_cases, l.sound_cases, l.threshold), (75, 219, Some(0.3)));
    assert_eq!(l.weights, vec![("level:caseload".to_string(), 0.37), ("previous_inadequate".to_string(), 0.5)]);
    // -1.5 + 0.5 × 1 + 0.37 × 2; a feature without a value counts as 0.
    let odds = l.log_odds(|f| match f {
        "previous_inadequate" => Some(1.0),
        "level:caseload" => Some(2.0),
        _ => None,
    });
    assert!((odds - (-1.5 + 0.5 + 0.74)).abs() < 1e-12);
    assert!((l.log_odds(|_| None) - -1.5).abs() < 1e-12);
    assert!(r.learned_score("other").is_none());
}

#[test]
fn a_learned_score_naming_an_unknown_feature_or_sector_is_an_error() {
    let e = one_error(&LEARNED.replace("previous_inadequate", "shoe_size"));
    assert_eq!(e.line, BASE_LINES + 13);
    assert!(e.message.starts_with("unknown feature \"shoe_size\" in \"weights\""), "{}", e.message);
    let e = one_error(&LEARNED.replace("sector = \"s\"", "sector = \"nowhere\""));
    assert_eq!((e.line, e.message.as_str()), (BASE_LINES + 4, "unknown sector \"nowhere\""));
    let e = one_error(&LEARNED.replace("threshold = 0.3", "threshold = 1.3"));
    assert_eq!(e.line, BASE_LINES + 12);
    assert!(e.message.contains("between 0 and 1"), "{}", e.message);
    let e = one_error(&LEARNED.replace("fitted_to = 2025-12-31", "fitted_to = 2013-12-31"));
    assert_eq!(e.line, BASE_LINES + 7);
    // Two scores for one sector: which one would judge?
    let e = one_error(&format!("{LEARNED}{}", LEARNED.replace("s_failing", "s_again")));
    assert!(e.message.starts_with("duplicate learned score of sector \"s\""), "{}", e.message);
}
