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

/// A first load of the same figures in three layouts — series by series with months out of
/// order, month by month (every series' rows apart), and mixed with a series already
/// stored — packs the same figures, equal to those read from every revision. The first
/// layout is packed as it is read; the others are rebuilt after the merge.
#[tokio::test]
async fn a_first_load_packs_the_same_figures_however_the_file_is_ordered() {
    each_backend(|store| async move {
        let b = store.name();
        let mut seed = Seed::default();
        for code in ["E1", "E2", "E3"] {
            seed.organisations.push(organisation(code, code, "local_government", "unitary", None));
        }
        for ind in ["grouped", "by_month", "mixed"] {
            seed.indicators.push(indicator(ind, ind, "higher_is_worse", "outcome", &["performance"]));
        }
        // E1 already has a `mixed` figure: that file is not a first load of every series.
        seed.observations.push(observation("E1", "mixed", "2024-01", 100.0, Some("2024-02-15")));
        seed.load(&store).await.unwrap();
        let value = |org: usize, m: u32| f64::from(m) * 1.5 + org as f64;
        // A row without a release day is dated to the import's day.
        let published = |m: u32| (m != 4).then(|| format!("2024-{:02}-15", m + 1));
        let row = |ind: &str, org: usize, m: u32| {
            observation(["E1", "E2", "E3"][org], ind, &format!("2024-{m:02}"), value(org, m), published(m).as_deref())
        };
        let grouped: Vec<Observation> =
            (0..3).flat_map(|org| [3, 1, 2, 4, 6, 5].map(|m| row("grouped", org, m))).collect();
        let by_month: Vec<Observation> =
            (1..=6).flat_map(|m| (0..3).map(move |org| (org, m))).map(|(o, m)| row("by_month", o, m)).collect();
        // E2 comes apart (its rows before and after E3's); E1 revises its stored January.
        let mixed: Vec<Observation> = [(1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (0, 1), (0, 2)]
            .into_iter()
            .map(|(o, m)| row("mixed", o, m))
            .collect();
        for file in [&grouped, &by_month, &mixed] {
            load_observations(&store, file).await.unwrap();
        }
        let packed = figures(&store, None).await;
        assert_eq!(packed, figures(&store, Some(date!(2100 - 01 - 01))).await, "[{b}] packed = every revision");
        assert_eq!(packed.len(), 9, "[{b}]");
        // By indicator, then organisation.
        let keys = store.series_index().await.unwrap();
        let key = |id: i64| keys.iter().find(|k| k.id == id).map(|k| (k.indicator.clone(), k.organisation.clone()));
        let mut packed = packed;
        packed.sort_by_key(|s| key(s.0));
        let packed: Vec<_> = packed.into_iter().map(|s| (s.1, s.2, s.3)).collect();
        let (by_month, grouped, mixed) = (&packed[0..3], &packed[3..6], &packed[6..9]);
        assert_eq!(grouped, by_month, "[{b}] grouped and month by month pack alike");
        let today = time::OffsetDateTime::now_utc().date();
        let e1 = &grouped[0];
        assert_eq!(e1.0, ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"], "[{b}] in period order");
        assert_eq!((e1.2[3], e1.2[0]), (Some(today), Some(date!(2024 - 02 - 15))), "[{b}] {e1:?}");
        assert_eq!(
            (mixed[0].0.len(), mixed[0].1[0].as_str()),
            (2, "1.5"),
            "[{b}] the stored January revised: {mixed:?}"
        );
        assert_eq!(mixed[1].0, ["2024-01", "2024-02", "2024-03"], "[{b}] E2's rows, apart, all packed: {mixed:?}");
        store.close().await;
    })
    .await;
}

/// A key given twice is found with the line it first appeared on, whether the rows come
/// series by series (found as they are read) or apart (found by the staging table).
#[tokio::test]
async fn a_repeated_key_is_found_whether_or_not_the_rows_are_grouped() {
    each_backend(|store| async move {
        let b = store.name();
        let mut seed = Seed::default();
        for code in ["E1", "E2"] {
            seed.organisations.push(organisation(code, code, "local_government", "unitary", None));
        }
        seed.indicators.push(indicator("rate", "A rate", "higher_is_worse", "outcome", &["performance"]));
        seed.load(&store).await.unwrap();
        let row = |org: &str, m: u32| observation(org, "rate", &format!("2024-{m:02}"), f64::from(m), None);
        let grouped =
            [row("E1", 1), row("E1", 2), row("E1", 1), row("E2", 1), row("E2", 2), row("E2", 2), row("E2", 1)];
        let apart = [row("E1", 1), row("E2", 1), row("E1", 2), row("E1", 1), row("E2", 2), row("E2", 2), row("E2", 1)];
        for (layout, rows, expected) in [
            ("grouped", &grouped, vec![((1, 4), (1, 2)), ((1, 7), (1, 6)), ((1, 8), (1, 5))]),
            ("apart", &apart, vec![((1, 5), (1, 2)), ((1, 7), (1, 6)), ((1, 8), (1, 3))]),
        ] {
            let mut s = store.begin_import("observations", layout).await.unwrap();
            s.start_file();
            for (i, r) in rows.iter().enumerate() {
                s.add_observation(i as u64 + 2, r.clone()).await.unwrap().unwrap();
            }
            let found: Vec<_> =
                s.duplicate_observations(50).await.unwrap().into_iter().map(|d| (d.at, d.first)).collect();
            assert_eq!(found, expected, "[{b}] {layout}");
            s.abandon(false).await.unwrap();
        }
        let mut none = 0;
        store.current_series(None, &mut |_| none += 1).await.unwrap();
        assert_eq!(none, 0, "[{b}] nothing kept");
        store.close().await;
    })
    .await;
}
