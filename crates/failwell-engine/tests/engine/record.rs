//! The whole Ofsted record of a council's children's services, judged under the built-in
//! England regime: grades of the 2009 inspections, the single inspection framework and
//! ILACS are three scale versions, compared only through the regime's crosswalks.

use crate::support::*;
use failwell_domain::regime::{ENGLAND, Regime};
use failwell_domain::{Code, Inspection, Slug};
use failwell_engine::judge::inspection::{inspection_signals, resolve_grade};

/// A judgement as the demo loads it from Ofsted's 2009-2023 file: the publication day
/// stands for the inspection day, and grades keep the file's four-point wording.
fn judgement(framework: &str, on: &str, grade: &str) -> Inspection {
    Inspection {
        organisation: Code::new("E08000032").unwrap(),
        regulator: Slug::new("ofsted").unwrap(),
        framework: Slug::new(framework).unwrap(),
        scale_version: Slug::new("as_published").unwrap(),
        inspected_on: day(on),
        published_on: day(on),
        overall: Slug::from_label(grade).unwrap(),
        domains: vec![],
        source: "test".into(),
    }
}

fn england() -> Regime {
    Regime::from_toml_str(ENGLAND).unwrap()
}

#[test]
fn the_older_wording_resolves_to_each_scale_version() {
    let r = england();
    let slac = judgement("safeguarding_and_lac", "2011-05-06", "Requires improvement to be good");
    let g = resolve_grade(&r, "childrens_services", &slac).expect("2009 grade");
    assert_eq!((g.scale.version.as_str(), g.grade.code.as_str()), ("2009", "adequate"));
    let sif = judgement("sif", "2015-05-06", "Requires improvement to be good");
    let g = resolve_grade(&r, "childrens_services", &sif).expect("SIF grade");
    assert_eq!((g.scale.version.as_str(), g.grade.code.as_str()), ("2013", "requires_improvement"));
}

#[test]
fn previous_grade_and_drop_see_the_judgements_before_ilacs() {
    let r = england();
    let record = [
        judgement("safeguarding_and_lac", "2011-05-06", "Requires improvement to be good"),
        judgement("sif", "2015-05-06", "Inadequate"),
        judgement("ilacs", "2019-10-01", "Good"),
    ];
    // As of 2016: the SIF judgement fell from the 2009 framework's Adequate.
    let (s, facts) = inspection_signals(&r, "childrens_services", "E08000032", &record, day("2016-01-01"), 4, &judge());
    assert!(facts.failing && facts.dropped, "{facts:?}");
    assert!(s.iter().any(|s| s.rule == "inspection.grade_drop"), "{s:#?}");
    // As of 2020: ILACS Good is a rise from SIF Inadequate, through the 2013-2018 crosswalk.
    let (_, facts) = inspection_signals(&r, "childrens_services", "E08000032", &record, day("2020-01-01"), 4, &judge());
    assert!(facts.improved && !facts.failing, "{facts:?}");
    assert_eq!(facts.months_since, Some(3));
    // Without the SIF judgement, ILACS is compared with the 2009 grade directly.
    let record = [
        judgement("safeguarding_and_lac", "2011-05-06", "Good"),
        judgement("ilacs", "2019-10-01", "Requires improvement"),
    ];
    let (_, facts) = inspection_signals(&r, "childrens_services", "E08000032", &record, day("2020-01-01"), 4, &judge());
    assert!(facts.dropped, "{facts:?}");
}
