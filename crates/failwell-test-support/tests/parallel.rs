//! A mid-size synthetic store, big enough that the scan shares its work out over threads
//! (organisations are judged and tracked on several threads from 500 of them; the peer
//! pass from 10,000 series), scanned three ways that must agree: a full scan, an
//! incremental scan after one more month is imported, and a scan as of that month's
//! publication day. On SQLite, and on PostgreSQL when configured.

use failwell_test_support::scan::{judgement, scan_as_of, scan_now, signals};
use failwell_test_support::seed::{Synthetic, load_observations};
use failwell_test_support::{TestDatabase, TestStore};

/// 1,200 trusts × 9 indicators (10,800 series) × 36 months = 388,800 figures.
const SHAPE: Synthetic = Synthetic { organisations: 1_200, indicators: 9, months: 36, seed: 20_261_205 };

/// Indicators the new month is imported for: the others are reused by the incremental scan.
const UPDATED: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_incremental_and_as_of_scans_agree_on_a_store_big_enough_for_threads() {
    let started = std::time::Instant::now();
    let seed = SHAPE.seed();
    let next: Vec<_> = SHAPE
        .month(SHAPE.months)
        .into_iter()
        .filter(|o| (0..UPDATED).any(|i| o.indicator.as_str() == Synthetic::indicator_code(i)))
        .collect();
    assert_eq!(next.len(), SHAPE.organisations * UPDATED);
    let series = SHAPE.organisations * SHAPE.indicators;
    for database in TestDatabase::all().unwrap() {
        let b = database.name();
        let a = TestStore::open(database).await.unwrap();
        seed.load(&a).await.unwrap();
        let first = scan_now(&a, true).await.unwrap();
        assert_eq!(first.series_charted as usize, series, "[{b}]");
        assert_eq!(
            first.organisations.len(),
            SHAPE.organisations,
            "[{b}] every trust (its region has no evidence of its own)"
        );
        let first_signals = signals(&judgement(&first)).len();
        assert!(first_signals > 100, "[{b}] the declining trusts signal: {first_signals}");
        a.close().await;
        // The same store and history twice: one continues incrementally, one re-charts all.
        let b_store = TestStore::open(a.database().copy().unwrap()).await.unwrap();
        let mut a = a;
        a.reopen().await.unwrap();
        for store in [&a, &b_store] {
            load_observations(store, &next).await.unwrap();
        }

        let incremental = scan_now(&a, false).await.unwrap();
        let full = scan_now(&b_store, true).await.unwrap();
        assert_eq!(format!("{:?}", incremental.mode), "Incremental", "[{b}]");
        assert_eq!(incremental.series_charted as usize, SHAPE.organisations * UPDATED, "[{b}] the new month's series");
        assert_eq!(incremental.series_reused as usize, series - SHAPE.organisations * UPDATED, "[{b}] the rest");
        assert_eq!(format!("{:?}", full.mode), "Full", "[{b}]");
        assert_eq!(incremental.as_of, time_iso(Synthetic::published_on(SHAPE.months)), "[{b}]");

        let inc = judgement(&incremental);
        assert_ne!(inc, judgement(&first), "[{b}] the new month changed the judgement");
        assert_eq!(inc, judgement(&full), "[{b}] incremental and full scans differ");
        // The same history recorded, signal by signal.
        assert_eq!(incremental.recorded, full.recorded, "[{b}]");
        let with_tracking = |r: &failwell_engine::ScanReport| serde_json::to_value(&r.organisations).unwrap();
        assert_eq!(with_tracking(&incremental), with_tracking(&full), "[{b}] tracking differs");

        let as_of = scan_as_of(&a, Synthetic::published_on(SHAPE.months)).await.unwrap();
        assert_eq!(format!("{:?}", as_of.mode), "AsOf", "[{b}]");
        assert_eq!(as_of.series_charted as usize, series, "[{b}]");
        assert_eq!(judgement(&as_of), inc, "[{b}] the as-of re-run differs");
        assert!(signals(&inc).len() >= first_signals / 2, "[{b}] still signalling");
        eprintln!("[{b}] done after {:.1} s", started.elapsed().as_secs_f64());
    }
}

fn time_iso(d: time::Date) -> String {
    failwell_domain::dates::iso(d)
}

/// The thresholds from which the scan shares work out over the cores are settable: a
/// small store scanned with every step threaded and with none gives the same judgement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threaded_and_single_threaded_scans_agree_with_the_thresholds_lowered() {
    use failwell_engine::ScanOptions;
    use failwell_test_support::scan::scan;
    let shape = Synthetic { organisations: 200, indicators: 3, months: 24, seed: 7 };
    for database in TestDatabase::all().unwrap() {
        let b = database.name();
        let store = TestStore::open(database).await.unwrap();
        shape.seed().load(&store).await.unwrap();
        let threaded =
            ScanOptions { parallel_from_organisations: 2, parallel_from_series: 2, ..ScanOptions::default() };
        let single = ScanOptions {
            parallel_from_organisations: usize::MAX,
            parallel_from_series: usize::MAX,
            ..ScanOptions::default()
        };
        let a = judgement(&scan(&store, &threaded).await.unwrap());
        let one = judgement(&scan(&store, &single).await.unwrap());
        assert!(signals(&a).len() > 5, "[{b}] the synthetic trusts signal: {}", signals(&a).len());
        assert_eq!(a, one, "[{b}] threads changed the judgement");
    }
}
