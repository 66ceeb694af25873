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
