//! Import and export: all-or-nothing, re-runnable, round-tripping, every error placed.

use crate::support::*;

const ORGS: &str = "code,name,sector,org_type,region,opened_on,closed_on,source,learned_on
E08000017,Doncaster,local_government,metropolitan_district,Yorkshire and The Humber,,,test,2010-01-01
E10000032,West Sussex,local_government,county_council,South East,,,test,2010-01-01
";

const INDICATORS: &str = "code,title,unit,polarity,kind,failure_types,method,counts,definition,definition_version,valid_from,source,learned_on
rereferrals_pct,Re-referrals within 12 months,%,higher_is_worse,outcome,performance,spc,none,Share of referrals that are re-referrals,1,2013-04-01,test,
";

fn load_registry(store: &TestStore) -> (tempfile::TempDir, tempfile::TempDir) {
    let (d1, orgs) = file("orgs.csv", ORGS);
    let (d2, inds) = file("indicators.csv", INDICATORS);
    ok(store, &["import", "organisations", orgs.to_str().unwrap()]);
    ok(store, &["import", "indicators", inds.to_str().unwrap()]);
    (d1, d2)
}

#[test]
fn a_bad_row_in_the_middle_changes_nothing_and_is_named() {
    for store in stores() {
        let _keep = load_registry(&store);
        let mut csv = String::from("organisation,indicator,period,value,value_note,published_on\n");
        for year in 2013..2020 {
            csv.push_str(&format!("E08000017,rereferrals_pct,{year},{}.5,,\n", 20 + year % 7));
        }
        csv.push_str("E08000017,rereferrals_pct,2020,twelve,,\n"); // line 9
        for year in 2021..2025 {
            csv.push_str(&format!("E08000017,rereferrals_pct,{year},{}.5,,\n", 20 + year % 7));
        }
        let (_d, path) = file("obs.csv", &csv);
        let before = ok(&store, &["export", "observations"]);
        let out = run(&store, &["import", "observations", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "[{}] a bad row fails the import", store.backend);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("obs.csv:9:4 (value)"), "[{}] names file, line, column: {err}", store.backend);
        assert!(err.contains("not a number"), "[{}] gives the reason: {err}", store.backend);
        assert_eq!(ok(&store, &["export", "observations"]), before, "[{}] store unchanged", store.backend);
    }
}

#[test]
fn reimport_changes_nothing_and_a_changed_value_is_a_new_revision() {
    for store in stores() {
        let _keep = load_registry(&store);
        let (_d, path) = file(
            "obs.csv",
            "organisation,indicator,period,value,value_note,published_on\nE08000017,rereferrals_pct,2023/24,21.5,,2024-10-31\nE10000032,rereferrals_pct,2023/24,,c,2024-10-31\n",
        );
        let first = ok(&store, &["import", "observations", path.to_str().unwrap()]);
        assert!(first.contains("2 rows read, 2 new or changed"), "{first}");
        let again = ok(&store, &["import", "observations", path.to_str().unwrap()]);
        assert!(again.contains("2 rows read, 0 new or changed"), "[{}] {again}", store.backend);
        let (_d2, revised) = file(
            "obs2.csv",
            "organisation,indicator,period,value,value_note,published_on\nE08000017,rereferrals_pct,2023/24,22.0,,2025-02-01\n",
        );
        let third = ok(&store, &["import", "observations", revised.to_str().unwrap()]);
        assert!(third.contains("1 rows read, 1 new or changed"), "[{}] {third}", store.backend);
        let export = ok(&store, &["export", "observations"]);
        assert!(export.contains("E08000017,rereferrals_pct,2023/24,22,,,,,2025-02-01,"), "{export}");
        assert!(export.contains("E10000032,rereferrals_pct,2023/24,,c,"), "suppression kept: {export}");
        assert_eq!(count(&store, "observations"), 3, "[{}] both revisions kept", store.backend);
    }
}

#[test]
fn export_then_import_round_trips_exactly() {
    for store in stores() {
        let _keep = load_registry(&store);
        let (_d, path) = file(
            "obs.csv",
            "organisation,indicator,period,value,numerator,denominator,published_on,source\nE08000017,rereferrals_pct,2024-03,0.1,1,10,2024-04-12,a\nE10000032,rereferrals_pct,2024-03,0.3333333333333333,1,3,2024-04-12,b\n",
        );
        ok(&store, &["import", "observations", path.to_str().unwrap()]);
        let (_d2, links) = file(
            "links.csv",
            "from,to,link_type,valid_from,rank,note\nE08000017,E10000032,neighbour,2025-01-01,3,\"Close, very\"\nE10000032,E08000017,predecessor_of,2020-04-01,,\n",
        );
        ok(&store, &["import", "links", links.to_str().unwrap()]);
        let (_d3, ins) = file(
            "ins.csv",
            "organisation,regulator,framework,scale_version,inspected_on,published_on,overall,domains\nE08000017,ofsted,ilacs,ofsted_ilacs_2018,2019-01-07,2019-02-20,Requires improvement,impact_of_leaders=Good;help_and_protection=Inadequate\n",
        );
        ok(&store, &["import", "inspections", ins.to_str().unwrap()]);
        let (_d4, ev) = file(
            "ev.csv",
            "organisation,event_type,occurred_on,ended_on,actor,title,detail,failure_types\nE08000017,commissioners_appointed,2010-01-01,2014-07-01,dclg,Commissioners sent in,\"Governance, in short\",governance;performance\n",
        );
        ok(&store, &["import", "events", ev.to_str().unwrap()]);
        let fresh = fresh_like(&store);
        for kind in ["organisations", "indicators", "observations", "links", "inspections", "events"] {
            let exported = ok(&store, &["export", kind]);
            let (_d, p) = file("x.csv", &exported);
            ok(&fresh, &["import", kind, p.to_str().unwrap()]);
            assert_eq!(ok(&fresh, &["export", kind]), exported, "[{}] {kind} round-trips", store.backend);
        }
    }
}

#[test]
fn unknown_organisation_and_dry_run() {
    for store in stores() {
        let _keep = load_registry(&store);
        let (_d, path) = file(
            "obs.csv",
            "organisation,indicator,period,value\nE08000017,rereferrals_pct,2024,1\nE99999999,rereferrals_pct,2024,2\nE08000017,no_such,2024,3\n",
        );
        let out = run(&store, &["import", "observations", "--dry-run", path.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("obs.csv:3") && err.contains("unknown organisation \"E99999999\""), "{err}");
        assert!(err.contains("obs.csv:4:2 (indicator)") && err.contains("unknown indicator"), "{err}");
        let (_d2, good) = file("good.csv", "organisation,indicator,period,value\nE08000017,rereferrals_pct,2024,1\n");
        let out = ok(&store, &["import", "observations", "--dry-run", good.to_str().unwrap()]);
        assert!(out.contains("dry run: 1 rows read, 1 would be new or changed"), "{out}");
        assert_eq!(count(&store, "observations"), 0, "[{}] dry run wrote nothing", store.backend);
    }
}

#[test]
fn a_denominator_must_be_in_the_catalogue_first() {
    for store in stores() {
        let header = "code,title,unit,polarity,kind,method,denominator\n";
        // The agency rate names a denominator that is nowhere: refused, with its place.
        let (_d, bad) =
            file("ind.csv", &format!("{header}agency_pct,Agency rate,percent,higher_is_worse,process,spc,in_post\n"));
        let out = run(&store, &["import", "indicators", bad.to_str().unwrap()]);
        assert!(!out.status.success(), "[{}]", store.backend);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("ind.csv:2:7 (denominator)") && err.contains("unknown denominator \"in_post\""), "{err}");
        assert_eq!(count(&store, "indicators"), 0, "[{}] nothing imported", store.backend);
        // Earlier in the same file, it is known; it round-trips through the export.
        let (_d2, good) = file(
            "ind.csv",
            &format!(
                "{header}in_post,Social workers in post,FTE,neutral,context,none,\nagency_pct,Agency rate,percent,higher_is_worse,process,spc,in_post\n"
            ),
        );
        ok(&store, &["import", "indicators", good.to_str().unwrap()]);
        let exported = ok(&store, &["export", "indicators"]);
        assert!(exported.lines().next().unwrap().ends_with(",denominator"), "{exported}");
        assert!(exported.lines().any(|l| l.starts_with("agency_pct,") && l.ends_with(",in_post")), "{exported}");
    }
}

#[test]
fn a_key_given_twice_names_both_lines() {
    for store in stores() {
        let _keep = load_registry(&store);
        let (_d, path) = file(
            "obs.csv",
            "organisation,indicator,period,value\nE08000017,rereferrals_pct,2022,1\nE08000017,rereferrals_pct,2023,2\nE08000017,rereferrals_pct,2022,3\n",
        );
        let out = run(&store, &["import", "observations", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "[{}]", store.backend);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("obs.csv:4: the same organisation, indicator and period already appear at line 2"),
            "[{}] {err}",
            store.backend
        );
        assert_eq!(count(&store, "observations"), 0, "[{}] nothing written", store.backend);
    }
}

#[test]
fn json_lines_import_and_export_agree_with_csv() {
    for store in stores() {
        let _keep = load_registry(&store);
        let (_d, path) = file(
            "obs.jsonl",
            "{\"organisation\":\"E08000017\",\"indicator\":\"rereferrals_pct\",\"period\":\"2023/24\",\"value\":21.5}\n\n{\"organisation\":\"E10000032\",\"indicator\":\"rereferrals_pct\",\"period\":\"2023/24\",\"value_note\":\"x\"}\n",
        );
        ok(&store, &["import", "observations", path.to_str().unwrap()]);
        let jsonl = ok(&store, &["export", "observations", "--format", "jsonl"]);
        assert_eq!(jsonl.lines().count(), 2, "{jsonl}");
        assert!(jsonl.contains("\"value\":\"21.5\""), "{jsonl}");
        let (_d2, again) = file("again.jsonl", &jsonl);
        let out = ok(&store, &["import", "observations", again.to_str().unwrap()]);
        assert!(out.contains("2 rows read, 0 new or changed"), "[{}] {out}", store.backend);
        let (_d3, bad) = file(
            "bad.jsonl",
            "{\"organisation\":\"E08000017\",\"indicator\":\"rereferrals_pct\",\"period\":\"2024\",\"value\":\"ten\"}\nnot json\n",
        );
        let err = String::from_utf8_lossy(&run(&store, &["import", "observations", bad.to_str().unwrap()]).stderr)
            .to_string();
        assert!(err.contains("bad.jsonl:1 (value)") && err.contains("not a number"), "{err}");
        assert!(err.contains("bad.jsonl:2:") && err.contains("not a JSON object"), "{err}");
        let out = run(&store, &["import", "observations", "--map", "value=amount", again.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(err.contains("no object in the file has the key \"amount\""), "a misspelt mapping is caught: {err}");
    }
}

#[test]
fn a_published_file_loads_through_the_mapping() {
    for store in stores() {
        let _keep = load_registry(&store);
        // DfE's own layout: a year meaning the year to 31 March, released in the autumn.
        let (_d, path) = file(
            "dfe.csv",
            "year,geographic_level,area_code,indicator,value,value_note\n2024,Local authority,E08000017,rereferrals_pct,21.5,\n2024,Regional,E12000003,rereferrals_pct,20.1,\n2023,Local authority,E08000017,rereferrals_pct,,c\n",
        );
        let p = path.to_str().unwrap();
        let args = [
            "import",
            "observations",
            p,
            "--filter",
            "geographic_level=Local authority",
            "--map",
            "organisation=area_code",
            "--map",
            "period=year",
            "--period-style",
            "year-ending-march",
            "--published-lag-days",
            "215",
        ];
        let out = ok(&store, &args);
        assert!(
            out.contains("2 rows read, 2 new or changed"),
            "[{}] the regional row is filtered out: {out}",
            store.backend
        );
        let export = ok(&store, &["export", "observations"]);
        assert!(
            export.contains("E08000017,rereferrals_pct,2023/24,21.5,,,,,2024-11-01,"),
            "[{}] {export}",
            store.backend
        );
        assert!(export.contains("E08000017,rereferrals_pct,2022/23,,c,,,,2023-11-01,"), "[{}] {export}", store.backend);
    }
}

#[test]
fn a_key_repeated_in_a_second_file_names_the_first_file() {
    for store in stores() {
        let _keep = load_registry(&store);
        let (_d1, a) = file("a.csv", "organisation,indicator,period,value\nE08000017,rereferrals_pct,2022,1\n");
        let (_d2, b) = file(
            "b.csv",
            "organisation,indicator,period,value\nE10000032,rereferrals_pct,2022,1\nE08000017,rereferrals_pct,2022,2\n",
        );
        let out = run(&store, &["import", "observations", a.to_str().unwrap(), b.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("b.csv:3: the same organisation, indicator and period already appear at")
                && err.contains("a.csv:2"),
            "[{}] {err}",
            store.backend
        );
        assert_eq!(count(&store, "observations"), 0);
    }
}

/// `failwell import` writes its audit entry under the operating-system user, as the web
/// writes one under the signed-in account: what it wrote, or why nothing; a dry run none.
#[test]
fn an_import_is_in_the_audit_log_under_who_ran_it() {
    for store in stores() {
        let b = store.backend;
        let _keep = load_registry(&store);
        let (_d1, good) = file("good.csv", "organisation,indicator,period,value\nE08000017,rereferrals_pct,2022,1\n");
        let (_d2, bad) = file("bad.csv", "organisation,indicator,period,value\nE08000017,rereferrals_pct,2022,x\n");
        ok(&store, &["import", "observations", "--dry-run", good.to_str().unwrap()]);
        ok(&store, &["import", "observations", good.to_str().unwrap()]);
        assert_eq!(run(&store, &["import", "observations", bad.to_str().unwrap()]).status.code(), Some(1), "[{b}]");
        let audit = ok(&store, &["intervention", "audit"]);
        let imports: Vec<&str> = audit.lines().filter(|l| l.contains(": import — ")).collect();
        // Newest first: the refused file, the good one, the two registry files; no dry run.
        assert_eq!(imports.len(), 4, "[{b}] {audit}");
        assert!(
            imports[0].contains("cli:")
                && imports[0].contains("observations from ")
                && imports[0].contains("bad.csv [refused]: nothing was imported: 1 error(s) in 1 row(s)"),
            "[{b}] {audit}"
        );
        assert!(imports[1].contains("good.csv [done]: 1 rows read, 1 new or changed (import "), "[{b}] {audit}");
        assert!(imports[3].contains("organisations from ") && imports[3].contains("[done]"), "[{b}] {audit}");
    }
}
