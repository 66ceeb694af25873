//! Trigger rules: refused at load when they do not parse or name unknown fields;
//! evaluated against the documented context.

use crate::support::*;
use failwell_domain::regime::Regime;
use failwell_engine::{RuleBook, RuleContext};

fn rule(id: &str, expression: &str) -> String {
    format!(
        "[[trigger_rules]]\nid = \"{id}\"\nladder = \"care\"\nrung = \"peer_review\"\nexpression = \"{expression}\"\nrationale = \"r\"\nvalid_from = 2000-01-01\n"
    )
}

fn compile(extra: &str) -> Result<RuleBook, failwell_engine::RuleErrors> {
    let src = format!("{REGIME}\n{extra}");
    RuleBook::compile(&Regime::from_toml_str(&src).unwrap(), Some(&src))
}

#[test]
fn an_unknown_field_is_refused_with_its_line() {
    let extra = format!("{}{}", rule("ok", "early_signs"), rule("typo", "overall_bnd == 'high'"));
    let errors = compile(&extra).unwrap_err();
    assert_eq!(errors.0.len(), 1, "{errors}");
    let e = &errors.0[0];
    assert_eq!(e.rule, "typo");
    assert!(e.message.contains("unknown field \"overall_bnd\""), "{}", e.message);
    let src = format!("{REGIME}\n{extra}");
    let line = src.lines().nth(e.line - 1).unwrap();
    assert!(line.starts_with("expression = \"overall_bnd"), "points at the expression: {line:?}");
    assert_eq!(e.column, 14);
}

#[test]
fn an_unknown_failure_type_in_bands_is_refused() {
    let errors = compile(&rule("fin", "bands.finance == 'high'")).unwrap_err();
    assert!(errors.0[0].message.contains("\\\"bands.finance\\\"") || errors.0[0].message.contains("bands.finance"));
    assert!(compile(&rule("fin", "bands.financial == 'high' || scores.governance > 2.0")).is_ok());
}

#[test]
fn a_rule_that_does_not_parse_is_refused() {
    let errors = compile(&rule("broken", "failing_grade &&")).unwrap_err();
    assert!(errors.0[0].message.contains("does not parse"), "{}", errors.0[0].message);
}

#[test]
fn a_rule_that_is_not_a_condition_is_refused() {
    let errors = compile(&rule("number", "signals_count + 1")).unwrap_err();
    assert!(errors.0[0].message.contains("not true or false"), "{}", errors.0[0].message);
}

#[test]
fn macros_may_bind_their_own_names() {
    assert!(compile(&rule("m", "[1, 2].exists(x, x == signals_count)")).is_ok());
    assert!(compile(&rule("m2", "[1, 2].exists(x, y == 1)")).is_err());
}

#[test]
fn rules_hold_against_the_context() {
    let book = compile(&format!(
        "{}{}",
        rule("band", "bands.performance == 'high' && months_since_inspection > 12"),
        rule("grade", "failing_grade && grade == 'inadequate'")
    ))
    .unwrap();
    let mut ctx = RuleContext::default();
    assert!(book.holding("care", &ctx, day("2020-01-01")).unwrap().is_empty());
    ctx.bands.insert("performance".into(), "high".into());
    ctx.months_since_inspection = 13;
    let held: Vec<_> = book.holding("care", &ctx, day("2020-01-01")).unwrap().iter().map(|r| r.id.clone()).collect();
    assert_eq!(held, vec!["band"]);
    ctx.failing_grade = true;
    ctx.grade = "inadequate".into();
    assert_eq!(book.holding("care", &ctx, day("2020-01-01")).unwrap().len(), 2);
    // Not in force before its valid_from.
    assert!(book.holding("care", &ctx, day("1999-01-01")).unwrap().is_empty());
}

#[test]
fn the_england_regime_compiles() {
    let src = failwell_domain::regime::ENGLAND;
    let book = RuleBook::compile(&Regime::from_toml_str(src).unwrap(), Some(src)).unwrap_or_else(|e| panic!("{e}"));
    assert!(book.len() >= 10);
}

#[test]
fn rules_may_use_insularity_and_a_misspelt_insularity_field_is_refused() {
    let book = compile(&rule("ins", "insularity_band == 'high' && insularity >= 0.67")).expect("known fields");
    let mut ctx = RuleContext::default();
    assert_eq!(ctx.insularity_band, "not_measured");
    assert!(book.holding("care", &ctx, day("2024-01-01")).unwrap().is_empty());
    ctx.insularity = 0.8;
    ctx.insularity_band = "high".into();
    assert_eq!(book.holding("care", &ctx, day("2024-01-01")).unwrap().len(), 1);
    let errors = compile(&rule("typo", "insularity_bnd == 'high'")).unwrap_err();
    assert!(errors.0[0].message.contains("unknown field \"insularity_bnd\""), "{}", errors.0[0].message);
}

#[test]
fn rules_judged_once_for_a_set_of_facts_still_answer_every_context() {
    // `holding` remembers its answer for the facts the rules use: a change in one of
    // them changes the answer, a change in a fact no rule uses does not.
    let book =
        compile(&format!("{}{}", rule("band", "bands.performance == 'high'"), rule("score", "overall_score > 2.5")))
            .unwrap();
    let ids = |ctx: &RuleContext, on: &str| -> Vec<String> {
        book.holding("care", ctx, day(on)).unwrap().iter().map(|r| r.id.clone()).collect()
    };
    let mut ctx = RuleContext::default();
    assert!(ids(&ctx, "2020-01-01").is_empty());
    ctx.organisation = "OTHER".into();
    ctx.signals_count = 9;
    assert!(ids(&ctx, "2020-01-01").is_empty(), "facts no rule uses");
    ctx.bands.insert("performance".into(), "high".into());
    assert_eq!(ids(&ctx, "2020-01-01"), ["band"]);
    ctx.overall_score = 2.6;
    assert_eq!(ids(&ctx, "2020-01-01"), ["band", "score"]);
    ctx.overall_score = 2.5;
    assert_eq!(ids(&ctx, "2020-01-01"), ["band"], "a float is compared exactly");
    // The same facts on another day, or for another ladder, are judged again.
    assert!(ids(&ctx, "1999-01-01").is_empty());
    assert!(book.holding("other", &ctx, day("2020-01-01")).unwrap().is_empty());
    ctx.bands.insert("performance".into(), "low".into());
    ctx.overall_score = 0.0;
    assert!(ids(&ctx, "2020-01-01").is_empty(), "the first facts again");
}
