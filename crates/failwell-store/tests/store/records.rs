//! Records as the scan reads them: without a day, the revision an import marked current
//! (an indexed read); with one, the latest revision known on that day.

use failwell_domain::{Code, Organisation, Slug};
use failwell_store::Store;
use failwell_test_support::each_backend;
use time::macros::date;

fn council(code: &str, name: &str, learned_on: time::Date) -> Organisation {
    Organisation {
        code: Code::new(code).unwrap(),
        name: name.into(),
        sector: Slug::new("local_government").unwrap(),
        org_type: Slug::new("county_council").unwrap(),
        region: None,
        opened_on: None,
        closed_on: None,
        source: "test".into(),
        learned_on: Some(learned_on),
    }
}

async fn import(store: &Store, orgs: &[Organisation]) {
    let mut session = store.begin_import("organisations", "orgs.csv").await.unwrap();
    for (line, org) in orgs.iter().enumerate() {
        session.add_organisation(line as u64 + 2, org).await.unwrap().unwrap();
    }
    session.finish().await.unwrap();
}

fn names(orgs: &[Organisation]) -> Vec<(&str, &str)> {
    orgs.iter().map(|o| (o.code.as_str(), o.name.as_str())).collect()
}

#[tokio::test]
async fn the_current_revision_is_the_latest_known_on_any_later_day() {
    each_backend(|store| async move {
        let b = store.name();
        import(
            &store,
            &[council("E1", "First name", date!(2020 - 01 - 01)), council("E2", "Other", date!(2020 - 01 - 01))],
        )
        .await;
        // E1 is renamed (a second revision); E2 is offered again unchanged (no revision).
        import(
            &store,
            &[council("E1", "Second name", date!(2023 - 06 - 01)), council("E2", "Other", date!(2020 - 01 - 01))],
        )
        .await;

        let now: Vec<Organisation> = store.records_as_of("organisation", None).await.unwrap();
        assert_eq!(names(&now), [("E1", "Second name"), ("E2", "Other")], "[{b}]");
        let later: Vec<Organisation> = store.records_as_of("organisation", Some(date!(2030 - 01 - 01))).await.unwrap();
        assert_eq!(now, later, "[{b}] the current read and the as-of read agree");
        let before: Vec<Organisation> = store.records_as_of("organisation", Some(date!(2022 - 01 - 01))).await.unwrap();
        assert_eq!(names(&before), [("E1", "First name"), ("E2", "Other")], "[{b}] the revision was not yet known");
        store.close().await;
    })
    .await;
}

fn inspection(code: &str, inspected_on: time::Date, overall: &str) -> failwell_domain::records::Inspection {
    failwell_domain::records::Inspection {
        organisation: Code::new(code).unwrap(),
        regulator: Slug::new("ofsted").unwrap(),
        framework: Slug::new("ilacs").unwrap(),
        scale_version: Slug::new("ofsted_ilacs_2018").unwrap(),
        inspected_on,
        published_on: inspected_on + time::Duration::days(40),
        overall: Slug::new(overall).unwrap(),
        domains: vec![],
        source: "test".into(),
    }
}

#[tokio::test]
async fn a_case_reads_only_its_own_organisations_current_records() {
    each_backend(|store| async move {
        let b = store.name();
        let day = date!(2020 - 01 - 01);
        import(&store, &[council("E1", "One", day), council("E2", "Two", day), council("E3", "Three", day)]).await;
        let mut session = store.begin_import("inspections", "inspections.csv").await.unwrap();
        for (line, i) in [
            inspection("E1", date!(2019 - 03 - 01), "good"),
            inspection("E2", date!(2019 - 04 - 01), "inadequate"),
            inspection("E3", date!(2019 - 05 - 01), "good"),
            inspection("E3", date!(2022 - 05 - 01), "inadequate"),
        ]
        .iter()
        .enumerate()
        {
            session.add_inspection(line as u64 + 2, i).await.unwrap().unwrap();
        }
        session.finish().await.unwrap();
        // E1's inspection is revised: only the current revision is read.
        let mut session = store.begin_import("inspections", "revised.csv").await.unwrap();
        session
            .add_inspection(2, &inspection("E1", date!(2019 - 03 - 01), "requires_improvement"))
            .await
            .unwrap()
            .unwrap();
        session.finish().await.unwrap();

        let codes = ["E3".to_string(), "E1".to_string()];
        let ours: Vec<failwell_domain::records::Inspection> =
            store.current_records_of("inspection", &codes).await.unwrap();
        let all: Vec<failwell_domain::records::Inspection> = store.records_as_of("inspection", None).await.unwrap();
        let filtered: Vec<_> = all.into_iter().filter(|i| i.organisation.as_str() != "E2").collect();
        assert_eq!(ours, filtered, "[{b}] the same records, in the same order, as the whole read filtered");
        assert_eq!(ours.len(), 3, "[{b}]");
        assert_eq!(ours[0].overall.as_str(), "requires_improvement", "[{b}] the current revision");
        let none: Vec<failwell_domain::records::Inspection> =
            store.current_records_of("inspection", &[]).await.unwrap();
        assert!(none.is_empty(), "[{b}]");
        store.close().await;
    })
    .await;
}
