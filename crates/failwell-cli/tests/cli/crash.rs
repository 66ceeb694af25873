//! A killed import leaves the store as it was, and can simply be run again.

use crate::support::*;
use std::io::Write;
use std::time::{Duration, Instant};

/// Writes a registry of `orgs` organisations and one indicator, and an observations file
/// of `orgs × months` rows.
fn big_files(dir: &std::path::Path, orgs: usize, months: usize) -> (String, String, String) {
    let org_path = dir.join("orgs.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&org_path).unwrap());
    writeln!(f, "code,name,sector,org_type").unwrap();
    for o in 0..orgs {
        writeln!(f, "ORG{o:05},Organisation {o},hospitals,acute_trust").unwrap();
    }
    drop(f);
    let ind_path = dir.join("ind.csv");
    std::fs::write(&ind_path, "code,title,polarity,kind\nwaits,Waits,higher_is_worse,process\n").unwrap();
    let obs_path = dir.join("obs.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&obs_path).unwrap());
    writeln!(f, "organisation,indicator,period,value,published_on").unwrap();
    for o in 0..orgs {
        for m in 0..months {
            let (y, mo) = (2000 + m / 12, m % 12 + 1);
            writeln!(f, "ORG{o:05},waits,{y}-{mo:02},{}.25,", (o * 7 + m * 13) % 1000).unwrap();
        }
    }
    drop(f);
    let s = |p: std::path::PathBuf| p.display().to_string();
    (s(org_path), s(ind_path), s(obs_path))
}

#[test]
fn sigkill_during_a_large_import_leaves_the_store_consistent_and_rerunnable() {
    let dir = tempfile::tempdir().unwrap();
    let (orgs, ind, obs) = big_files(dir.path(), 2_000, 240); // 480,000 rows
    for store in stores() {
        ok(&store, &["import", "organisations", &orgs]);
        ok(&store, &["import", "indicators", &ind]);
        let before = ok(&store, &["status"]);

        let mut child = failwell().args(["--database", &store.url, "import", "observations", &obs]).spawn().unwrap();
        let started = Instant::now();
        std::thread::sleep(Duration::from_millis(700));
        let finished_early = child.try_wait().unwrap().is_some();
        child.kill().ok();
        let status = child.wait().unwrap();
        eprintln!("[{}] killed after {:?} (finished early: {finished_early})", store.backend, started.elapsed());

        let after_kill = ok(&store, &["status"]);
        if !finished_early {
            assert!(!status.success(), "[{}] the import was killed", store.backend);
            assert_eq!(after_kill, before, "[{}] a killed import leaves no trace", store.backend);
        }
        let rerun = ok(&store, &["import", "observations", &obs]);
        assert!(rerun.contains("480000 rows read"), "[{}] {rerun}", store.backend);
        assert_eq!(count(&store, "observations"), 480_000, "[{}]", store.backend);
        let again = ok(&store, &["import", "observations", &obs]);
        assert!(again.contains("0 new or changed"), "[{}] re-running changes nothing: {again}", store.backend);
    }
}
