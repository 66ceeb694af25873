//! The packed current figures each import keeps (`series_current`) against the figures
//! read from every revision: a later file is applied to the packed figures where that is
//! exact (a revised period, a later month), and a series rebuilt where it is not.

use failwell_domain::{Observation, Suppression};
use failwell_store::Store;
use failwell_test_support::each_backend;
use failwell_test_support::seed::{Seed, indicator, load_observations, observation, organisation};
use time::macros::date;

/// Every series as (id, periods, values as text, publication days), from the packed
/// figures or, with a day, from the revisions known on it.
async fn figures(
    store: &Store,
    as_of: Option<time::Date>,
) -> Vec<(i64, Vec<String>, Vec<String>, Vec<Option<time::Date>>)> {
    let mut out = Vec::new();
    let mut keep = |d: &failwell_store::SeriesData| {
        out.push((
            d.series_id,
            (0..d.len()).map(|i| d.period(i).into_owned()).collect(),
            d.values.iter().map(|v| v.to_string()).collect(),
            d.published.clone(),
        ))
    };
    match as_of {
        None => store.current_series(None, &mut keep).await.unwrap(),
        Some(day) => store.series_as_of(day, None, &mut keep).await.unwrap(),
    };
    out.sort_by_key(|s| s.0);
    out
}

#[tokio::test]
async fn every_import_keeps_the_packed_figures_equal_to_all_their_revisions() {
    each_backend(|store| async move {
        let b = store.name();
        let mut seed = Seed::default();
        for code in ["E1", "E2", "E3"] {
            seed.organisations.push(organisation(code, code, "local_government", "unitary", None));
        }
        seed.indicators.push(indicator("rate", "A rate", "higher_is_worse", "outcome", &["performance"]));
        for code in ["E1", "E2", "E3"] {
            for m in 1..=6 {
                seed.observations.push(observation(
                    code,
                    "rate",
                    &format!("2024-{m:02}"),
                    f64::from(m),
                    Some("2024-07-15"),
                ));
            }
        }
        seed.load(&store).await.unwrap();
        let first = figures(&store, None).await;
        assert_eq!(first.len(), 3, "[{b}]");
        assert_eq!(first, figures(&store, Some(date!(2100 - 01 - 01))).await, "[{b}] a first load");

        // E1: the next month and a revised March; E2: a month before its first (falls
        // between: rebuilt) and a withheld June; E3 untouched.
        let withheld = Observation {
            value: None,
            suppression: Some(Suppression::Confidential),
            ..observation("E2", "rate", "2024-06", 0.0, Some("2024-08-15"))
        };
        let later = [
            observation("E1", "rate", "2024-07", 7.5, Some("2024-08-15")),
            observation("E1", "rate", "2024-03", 30.0, Some("2024-08-15")),
            observation("E2", "rate", "2023-12", 0.5, Some("2024-08-15")),
            withheld,
        ];
        let summary = load_observations(&store, &later).await.unwrap();
        assert_eq!(summary.changed, 4, "[{b}] {summary:?}");
        let now = figures(&store, None).await;
        assert_eq!(now, figures(&store, Some(date!(2100 - 01 - 01))).await, "[{b}] packed = every revision");
        let (e1, e2, e3) = (&now[0], &now[1], &now[2]);
        assert_eq!(e1.1.len(), 7, "[{b}] E1's July appended: {e1:?}");
        assert_eq!((e1.2[2].as_str(), e1.2[6].as_str()), ("30", "7.5"), "[{b}] {e1:?}");
        assert_eq!(e1.3[2], Some(date!(2024 - 08 - 15)), "[{b}] the revision's publication day");
        assert_eq!((e2.1[0].as_str(), e2.1.len()), ("2023-12", 7), "[{b}] E2's December first: {e2:?}");
        assert_eq!(e2.2[6], "NaN", "[{b}] the withheld June: {e2:?}");
        assert_eq!(e3, &first[2], "[{b}] E3 as it was");

        // The same file again changes nothing.
        assert_eq!(load_observations(&store, &later).await.unwrap().changed, 0, "[{b}]");
        assert_eq!(figures(&store, None).await, now, "[{b}]");
        store.close().await;
    })
    .await;
}
