//! `failwell demo`: a fresh store from the real data in `data/`.
//!
//! The recipe is a list of `failwell import` command lines, so every step is one a user
//! could type (and `docs/demo.md` prints them). Release dates follow each publisher's
//! calendar, so "what did we know on date D" is answered honestly:
//! - DfE children in need, referrals and child protection (year to 31 March): released
//!   about the start of November the same year (31 March + 215 days);
//! - DfE children looked after: mid-November (31 March + 230 days);
//! - DfE children's social work workforce: February of the next year (31 March + 330 days);
//! - ONS mid-year population, as DfE supplies it: the next summer (31 March + 470 days);
//! - NHS England monthly A&E and bed sitreps: about two weeks after the month ends;
//! - Ofsted judgements: their publication date, which the file carries.

use crate::cmd::import::{ImportArgs, import_files};
use crate::output::outln;
use anyhow::{Context, bail};
use clap::Parser;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Options of `failwell demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Where the repository's `data/` folder is (default: ./data, else the one beside the source).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Stop after loading instead of serving the web pages and API.
    #[arg(long)]
    pub no_serve: bool,
    /// Where to serve once loaded.
    #[arg(long, env = "FAILWELL_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// Print the recipe as `failwell import` commands and stop.
    #[arg(long)]
    pub print_recipe: bool,
}

const LA_OBS: &[&str] = &[
    "--filter",
    "geographic_level=Local authority",
    "--map",
    "organisation=area_code",
    "--map",
    "period=year",
    "--map",
    "source=source_file",
    "--period-style",
    "year-ending-march",
    "--skip-empty",
];

/// The demo's recipe, in load order (registry before evidence): a label and the
/// arguments of `failwell import`, where `{data}` stands for the data folder.
pub fn recipe() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut steps: Vec<(&'static str, Vec<&'static str>)> = vec![
        ("indicator catalogue", vec!["indicators", "{data}/demo/indicators.csv"]),
        ("regions", vec!["organisations", "{data}/demo/regions.csv"]),
        (
            "councils (DfE local authority list)",
            vec![
                "organisations",
                "{data}/public/la_lookup.csv",
                "--map",
                "code=la_code",
                "--map",
                "name=la_name",
                "--map",
                "region=region_name",
                "--set",
                "sector=local_government",
                "--set",
                "org_type=upper_tier_council",
                "--set",
                "source=DfE local authority lookup",
            ],
        ),
        (
            "NHS acute trusts (type 1 A&E)",
            vec![
                "organisations",
                "{data}/public/nhs_trusts.csv",
                "--filter",
                "has_type1_ae_2016_2019=yes",
                "--map",
                "code=org_code",
                "--map",
                "name=org_name",
                "--set",
                "sector=hospitals",
                "--set",
                "org_type=acute_trust",
                "--set",
                "source=NHS England / THF trust reference",
            ],
        ),
        (
            "other NHS providers and sites",
            vec![
                "organisations",
                "{data}/public/nhs_trusts.csv",
                "--filter",
                "has_type1_ae_2016_2019!=yes",
                "--map",
                "code=org_code",
                "--map",
                "name=org_name",
                "--set",
                "sector=hospitals",
                "--set",
                "org_type=nhs_provider",
                "--set",
                "source=NHS England / THF trust reference",
            ],
        ),
        ("case-study organisations", vec!["organisations", "{data}/demo/case_study_organisations.csv"]),
        (
            "councils in regions",
            vec![
                "links",
                "{data}/public/la_lookup.csv",
                "--map",
                "from=la_code",
                "--map",
                "to=region_code",
                "--set",
                "link_type=member_of",
                "--set",
                "source=DfE local authority lookup",
            ],
        ),
        (
            "DfE statistical neighbours (2025 model)",
            vec![
                "links",
                "{data}/public/la_statistical_neighbours.csv",
                "--map",
                "from=la_code",
                "--map",
                "to=neighbour_la_code",
                "--map",
                "rank=neighbour_rank",
                "--map",
                "note=closeness",
                "--set",
                "link_type=neighbour",
                "--set",
                "source=DfE children's services statistical neighbours 2025",
            ],
        ),
        ("case-study links", vec!["links", "{data}/demo/case_study_links.csv"]),
        // Councils abolished or recoded (2019-2023), with the day each closed: a closed
        // council is not judged after it, and owes no returns.
        ("council reorganisations (close dates)", vec!["organisations", "{data}/demo/la_reorganisations.csv"]),
        // Which council took over each closed one's area; one whole successor inherits.
        ("council successions", vec!["links", "{data}/demo/la_successions.csv"]),
        (
            "organisations named in the intervention facts",
            vec!["organisations", "{data}/demo/intervention_organisations.csv"],
        ),
    ];
    let la = |label, extra: &[&'static str]| {
        let mut v = vec!["observations", "{data}/public/la_childrens_services_indicators.csv"];
        v.extend_from_slice(LA_OBS);
        v.extend_from_slice(extra);
        (label, v)
    };
    steps.push(la(
        "children in need, referrals, child protection (DfE, November release)",
        &[
            "--filter",
            "indicator!^=sw_",
            "--filter",
            "indicator!^=cla_",
            "--filter",
            "indicator!=ons_population_0_17_mid_year",
            "--published-lag-days",
            "215",
        ],
    ));
    steps.push(la(
        "children looked after (DfE, mid-November release)",
        &["--filter", "indicator^=cla_", "--published-lag-days", "230"],
    ));
    steps.push(la(
        "social work workforce (DfE, February release)",
        &["--filter", "indicator^=sw_", "--published-lag-days", "330"],
    ));
    steps.push(la(
        "population aged 0-17 (ONS via DfE)",
        &["--filter", "indicator=ons_population_0_17_mid_year", "--published-lag-days", "470"],
    ));
    // NHS England's monthly files: a date standing for its month, released about two weeks after it.
    let nhs = |file: &'static str, label, extra: &[&'static str]| {
        let mut v = vec![
            "observations",
            file,
            "--map",
            "organisation=org_code",
            "--map",
            "period=month",
            "--period-style",
            "month-of-date",
            "--published-lag-days",
            "14",
            "--skip-empty",
        ];
        v.extend_from_slice(extra);
        (label, v)
    };
    let ae = |label, extra| nhs("{data}/public/nhs_trust_ae_monthly.csv", label, extra);
    let beds = |label, extra| nhs("{data}/public/nhs_trust_beds_monthly.csv", label, extra);
    steps.push(ae("A&E attendances", &["--map", "value=attendances_all", "--set", "indicator=ae_attendances"]));
    steps.push(ae(
        "A&E four-hour breaches, all types",
        &[
            "--filter",
            "attendances_all!=0",
            "--map",
            "numerator=attendances_over_4h_all",
            "--map",
            "denominator=attendances_all",
            "--set",
            "indicator=ae_4h_breach_rate",
        ],
    ));
    steps.push(ae(
        "A&E four-hour breaches, type 1",
        &[
            "--filter",
            "attendances_type1!=",
            "--filter",
            "attendances_type1!=0",
            "--map",
            "numerator=attendances_over_4h_type1",
            "--map",
            "denominator=attendances_type1",
            "--set",
            "indicator=ae_type1_4h_breach_rate",
        ],
    ));
    steps.push(ae(
        "emergency admissions",
        &["--map", "value=emergency_admissions_total", "--set", "indicator=emergency_admissions_total"],
    ));
    steps.push(ae(
        "decision-to-admit waits over 4 hours",
        &["--map", "value=emergency_admissions_dta_over_4h", "--set", "indicator=emergency_admissions_dta_over_4h"],
    ));
    steps.push(beds(
        "general and acute bed occupancy",
        &["--map", "value=ga_occupancy_rate", "--set", "indicator=ga_occupancy_rate"],
    ));
    steps.push(beds(
        "adult critical care bed occupancy",
        &["--map", "value=adult_cc_occupancy_rate", "--set", "indicator=adult_cc_occupancy_rate"],
    ));
    steps.push((
        "Ofsted ILACS judgements 2018-2025",
        vec![
            "inspections",
            "{data}/public/la_ofsted_ilacs_inspections.csv",
            "--map",
            "organisation=la_code",
            "--map",
            "inspected_on=inspection_date",
            "--map",
            "published_on=publication_date",
            "--map",
            "overall=overall_effectiveness",
            "--domain-columns",
            "impact_of_leaders,help_and_protection,children_in_care,care_leavers",
            "--set",
            "regulator=ofsted",
            "--set",
            "framework=ilacs",
            "--set",
            "scale_version=ofsted_ilacs_2018",
            "--set",
            "source=Ofsted LA inspection outcomes as at 31 March 2025",
        ],
    ));
    // Ofsted's judgements before ILACS: one wide row per council, one step per framework
    // column group. The file has publication dates only, so the inspection day is taken to
    // be the publication day. West Sussex's record before ILACS comes from its case study,
    // which has the inspection days. A grade of "-" (no judgement made) is left out.
    macro_rules! older {
        ($label:literal, $date:literal, $overall:literal, $framework:literal, $scale:literal $(, $extra:literal)*) => {
            steps.push((
                $label,
                vec![
                    "inspections",
                    "{data}/public/la_ofsted_inspections_2009_2023.csv",
                    "--filter",
                    concat!($date, "!="),
                    "--filter",
                    "la_code!=E10000032",
                    "--map",
                    "organisation=la_code",
                    "--map",
                    concat!("inspected_on=", $date),
                    "--map",
                    concat!("published_on=", $date),
                    "--map",
                    concat!("overall=", $overall),
                    "--set",
                    "regulator=ofsted",
                    "--set",
                    concat!("framework=", $framework),
                    "--set",
                    concat!("scale_version=", $scale),
                    "--set",
                    "source=Ofsted, Children's social care data in England 2023, LA inspections 2009-2023",
                    $($extra),*
                ],
            ))
        };
    }
    older!(
        "Ofsted safeguarding and looked-after children inspections 2009-2012",
        "safeguarding_and_looked_after_children_slac_inspection_publication_date",
        "slac_safeguarding_overall_effectiveness_oe",
        "safeguarding_and_lac",
        "ofsted_slac_2009",
        "--filter",
        "slac_looked_after_children_overall_effectiveness_oe!=-",
        "--domain-columns",
        "slac_looked_after_children_overall_effectiveness_oe"
    );
    older!(
        "  the same, where looked-after children were not judged",
        "safeguarding_and_looked_after_children_slac_inspection_publication_date",
        "slac_safeguarding_overall_effectiveness_oe",
        "safeguarding_and_lac",
        "ofsted_slac_2009",
        "--filter",
        "slac_looked_after_children_overall_effectiveness_oe=-"
    );
    older!(
        "Ofsted safeguarding re-inspections 2011-2012",
        "slac_re_inspection_of_safeguarding_publication_date",
        "slac_re_inspection_safeguarding_oe",
        "safeguarding_and_lac",
        "ofsted_slac_2009"
    );
    older!(
        "Ofsted looked-after children re-inspections 2011",
        "slac_re_inspection_of_services_for_children_looked_after_publication_date",
        "slac_re_inspection_of_services_children_looked_after_oe",
        "looked_after_children",
        "ofsted_slac_2009"
    );
    older!(
        "Ofsted child protection inspections 2012-2013",
        "child_protection_inspections_cpi_publication_date",
        "cpi_overall_effectiveness_oe",
        "child_protection",
        "ofsted_cpi_2012"
    );
    older!(
        "Ofsted child protection re-inspections 2013",
        "child_protection_re_inspection_cpri_publication_date",
        "cpri_overall_effectiveness_oe",
        "child_protection",
        "ofsted_cpi_2012"
    );
    older!(
        "Ofsted targeted looked-after children inspections 2013",
        "targeted_looked_after_children_tlac_inspection_publication_date",
        "tlac_overall_effectiveness_oe",
        "looked_after_children",
        "ofsted_tlac_2013"
    );
    older!(
        "Ofsted single inspection framework (SIF) 2014-2017",
        "first_sif_publication_date",
        "first_sif_overall_judgement_oe",
        "sif",
        "ofsted_sif_2013",
        "--filter",
        "first_sif_cla_sub_adoption_performance!=-",
        "--domain-columns",
        "first_sif_children_who_need_help_and_protection,first_sif_children_looked_after_and_achieving_permanence,first_sif_cla_sub_adoption_performance,first_sif_cla_sub_experiences_and_progress_of_care_leavers,first_sif_leadership_management_and_governance,lscb_overall_effectiveness"
    );
    older!(
        "  the same, where adoption was not judged",
        "first_sif_publication_date",
        "first_sif_overall_judgement_oe",
        "sif",
        "ofsted_sif_2013",
        "--filter",
        "first_sif_cla_sub_adoption_performance=-",
        "--domain-columns",
        "first_sif_children_who_need_help_and_protection,first_sif_leadership_management_and_governance,lscb_overall_effectiveness"
    );
    older!(
        "Ofsted SIF re-inspections 2016-2018",
        "sif_re_inspection_publication_date",
        "sif_re_inspection_overall_judgement_oe",
        "sif",
        "ofsted_sif_2013",
        "--domain-columns",
        "sif_re_inspection_children_who_need_help_and_protection,sif_re_inspection_children_looked_after_and_achieving_permanence,sif_re_inspection_cla_sub_adoption_performance,sif_re_inspection_leadership_management_and_governance"
    );
    steps.push(("case-study inspections", vec!["inspections", "{data}/demo/case_study_inspections.csv"]));
    steps.push(("case-study events", vec!["events", "{data}/demo/case_study_events.csv"]));
    // Dated interventions (notices, directions, commissioners, trusts, lifts), each with
    // its source; partial, so a council without one may still be under intervention.
    steps.push(("intervention events (compiled facts)", vec!["events", "{data}/demo/intervention_events.csv"]));
    steps
}

/// A database URL fit to print: any password is replaced by `***`.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// `failwell import`'s arguments on their own, to read a recipe line.
#[derive(Debug, Parser)]
struct ImportLine {
    #[command(flatten)]
    args: ImportArgs,
}

fn data_dir(arg: Option<&Path>) -> anyhow::Result<PathBuf> {
    let candidates: Vec<PathBuf> = match arg {
        Some(p) => vec![p.to_path_buf()],
        None => vec![PathBuf::from("data"), Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")],
    };
    for c in &candidates {
        if c.join("public/la_lookup.csv").is_file() {
            return Ok(c.clone());
        }
    }
    bail!("cannot find the demo data (looked in {:?}); run from the repository root or pass --data DIR", candidates)
}

/// Runs the demo.
pub async fn run(database: &str, args: &DemoArgs) -> anyhow::Result<ExitCode> {
    if args.print_recipe {
        for (label, argv) in recipe() {
            let quoted: Vec<String> = argv
                .iter()
                .map(|a| a.replace("{data}", "data"))
                .map(|a| {
                    if a.contains('\'') {
                        format!("\"{a}\"")
                    } else if a.contains([' ', '!', '^', '&', ',']) {
                        format!("'{a}'")
                    } else {
                        a
                    }
                })
                .collect();
            outln!("# {label}\nfailwell import {}\n", quoted.join(" "))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let data = data_dir(args.data.as_deref())?;
    let url = database.to_string();
    let sqlite_file = match url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        Some(path) => Some(path.split('?').next().unwrap_or(path).to_string()),
        None if !url.contains("://") => Some(url.clone()),
        None => None,
    };
    if let Some(file) = &sqlite_file {
        for suffix in ["", "-wal", "-shm"] {
            let p = format!("{file}{suffix}");
            if Path::new(&p).exists() {
                std::fs::remove_file(&p).with_context(|| format!("cannot remove the old demo store {p}"))?;
            }
        }
    }
    let store = failwell_store::Store::open(&url).await?;
    if sqlite_file.is_none() && store.counts().await?.organisations > 0 {
        bail!("the demo builds a fresh store, and this PostgreSQL database is not empty: give it an empty database");
    }
    let url = redact(&url);
    let data_str = data.display().to_string();
    // Grades are checked against the regime the demo then scans under.
    let (regime, _) = crate::cmd::scan::load_regime(None)?;
    let started = std::time::Instant::now();
    outln!("failwell demo: loading real public data into {url}")?;
    for (label, argv) in recipe() {
        let argv: Vec<String> = argv.iter().map(|a| a.replace("{data}", &data_str)).collect();
        let parsed = ImportLine::try_parse_from(std::iter::once("import".to_string()).chain(argv.iter().cloned()))
            .with_context(|| format!("demo step {label}: bad arguments {argv:?}"))?
            .args;
        let t = std::time::Instant::now();
        let outcome =
            import_files(&store, parsed.kind.into(), &parsed.files, &parsed.mapping()?, (false, Some(&regime))).await?;
        crate::cmd::audit_import(&store, parsed.kind.into(), &parsed.files, &outcome, false).await?;
        if outcome.error_count > 0 {
            let list: Vec<String> = outcome.errors.iter().map(|e| e.to_string()).collect();
            bail!("demo step {label}: {} bad rows:\n{}", outcome.error_count, list.join("\n"));
        }
        outln!("  {label:<72} {:>7} rows  {:>6.2}s", outcome.summary.changed, t.elapsed().as_secs_f64())?;
    }
    outln!("loaded in {:.1}s:", started.elapsed().as_secs_f64())?;
    crate::cmd::status::print_counts(&store.counts().await?)?;
    let report = scan_summary(&store).await?;
    let case_org = demo_casework(&store, &report).await?;
    demo_accounts(&store, case_org.as_deref()).await?;
    if !args.no_serve {
        return crate::cmd::serve::serve_store(store, args.addr).await;
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Scans the freshly loaded store under the built-in regime (recorded, as `failwell scan`
/// would) and prints the bands and the organisations most at risk.
async fn scan_summary(store: &failwell_store::Store) -> anyhow::Result<failwell_engine::ScanReport> {
    let (regime, rules) = crate::cmd::scan::load_regime(None)?;
    let options = failwell_engine::ScanOptions { record: true, ..Default::default() };
    let t = std::time::Instant::now();
    let report = failwell_engine::scan(store, &regime, &rules, &options).await?;
    if let Some(recorded) = &report.recorded {
        crate::cmd::audit_recorded_scan(store, recorded).await?;
    }
    let mut bands: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for o in &report.organisations {
        *bands.entry(o.overall_band.as_str()).or_default() += 1;
    }
    let signals: usize = report.organisations.iter().map(|o| o.signals.len()).sum();
    outln!(
        "scanned as of {} in {:.1}s: {} organisations, {signals} signals; overall bands: {}",
        report.as_of,
        t.elapsed().as_secs_f64(),
        report.organisations.len(),
        bands.iter().map(|(b, n)| format!("{b} {n}")).collect::<Vec<_>>().join(", ")
    )?;
    outln!("most at risk (the full report: failwell --database <store> scan):")?;
    for o in report.organisations.iter().take(10) {
        outln!(
            "  {:<10} {:<40} {:<8} recommended: {}",
            o.organisation,
            o.name.chars().take(40).collect::<String>(),
            o.overall_band.as_str(),
            o.recommended_rung.as_deref().unwrap_or("-")
        )?;
    }
    Ok(report)
}

/// The demonstration case's plan: one theme, actions of three kinds, a criterion tied to
/// the council's re-referral rate (judged from the real figures), and exit criteria of
/// both kinds. Illustrative, like the case.
async fn demo_plan(store: &failwell_store::Store, id: i64, code: &str, start: time::Date) -> anyhow::Result<()> {
    use failwell_domain::casework::{ActionTag, CriterionOf, CriterionRule, ExitKind, TargetSide};
    use failwell_engine::casework::plan::{self, NewAction};
    let by = "failwell demo";
    let org: failwell_domain::Code = code.parse()?;
    let due = |months: u32| {
        failwell_domain::regime::Period { amount: months, unit: failwell_domain::regime::PeriodUnit::Months }
            .after(start)
            .unwrap_or(start)
    };
    // The plan is the case's from its first day.
    let theme = plan::add_theme(store, id, "Help and protection (demonstration)", start, by).await?;
    let mut first = None;
    for (title, lead, months, tag) in [
        ("Audit every re-referral within a month", "Head of children's social care", 6, ActionTag::Process),
        ("Stable permanent team managers in the front door", "Director of children's services", 9, ActionTag::Capacity),
        ("Practice weeks with the peer council's social workers", "Principal social worker", 4, ActionTag::Culture),
    ] {
        let a = NewAction { theme, title: title.into(), lead: lead.into(), due: due(months), tag, from: start };
        let n = plan::add_action(store, id, &a, by).await?;
        first.get_or_insert(n);
    }
    let rereferrals = CriterionRule::Indicator {
        organisation: org.clone(),
        indicator: "rereferrals_within_12m_pct".parse()?,
        target: 20.0,
        side: TargetSide::AtMost,
        by: Some(due(24)),
    };
    plan::add_criterion(store, id, CriterionOf::Action(first.expect("three actions")), &rereferrals, start, by).await?;
    let good = CriterionRule::Rating { organisation: org.clone(), at_least: "good".into() };
    plan::add_criterion(store, id, CriterionOf::Exit(ExitKind::Outcome), &good, start, by).await?;
    let stable = CriterionRule::LeadershipStable { organisation: org, months: 12 };
    plan::add_criterion(store, id, CriterionOf::Exit(ExitKind::Capability), &stable, start, by).await?;
    let owned = CriterionRule::Judged {
        description: "The council owns its improvement plan".into(),
        // By the peer reviewer's demo account's user name: on the web, a criterion is
        // judged by the signed-in user it names.
        judge: DEMO_PEER_ACCOUNT.into(),
    };
    plan::add_criterion(store, id, CriterionOf::Exit(ExitKind::Capability), &owned, start, by).await?;
    // A first board meeting three weeks in, and a progress update before it, so the
    // board pack has earlier minutes to show.
    // Never after today: a record of something done is refused when dated ahead, and data
    // published in the last weeks would put these days there.
    let today = time::OffsetDateTime::now_utc().date();
    let after = |days: i64| start.checked_add(time::Duration::days(days)).unwrap_or(start).min(today.max(start));
    let first = first.expect("three actions");
    plan::record_progress(
        store,
        id,
        first,
        after(18),
        failwell_domain::casework::ProgressStatus::OnTrack,
        "Demonstration: audits of last month's re-referrals begun",
        by,
    )
    .await?;
    failwell_engine::casework::board::record_meeting(
        store,
        id,
        after(24),
        "Demonstration: the board agreed the plan and its criteria",
        &["Adopt the plan".to_string(), "Review re-referral audits monthly".to_string()],
        by,
    )
    .await?;
    Ok(())
}

/// The organisation whose journey the demo shows: West Sussex children's services, one of
/// the report's turnarounds, judged Inadequate again in 2019.
pub const RELAPSE_CASE: &str = "E10000032";

/// Casework on the demo store: the scan's highest-ranked recommendation of children's
/// services peer review is accepted and opened as an intervention (a demonstration case,
/// named as such: not a real intervention), and West Sussex's journey is read from the
/// real record to show its relapse.
/// Opens the demonstration case; returns the organisation it is about.
async fn demo_casework(
    store: &failwell_store::Store,
    report: &failwell_engine::ScanReport,
) -> anyhow::Result<Option<String>> {
    use failwell_domain::casework::{CaseActor, CaseRole, NewIntervention, Power};
    let (regime, _) = crate::cmd::scan::load_regime(None)?;
    let today = failwell_domain::dates::parse_date(&report.as_of)?;
    let Some(scan_id) = report.recorded.as_ref().map(|r| r.scan_id) else { return Ok(None) };
    // The highest-ranked council recommended peer review that has never been in
    // intervention: a demonstration case on a council with a past would read as a relapse.
    let mut chosen = None;
    for o in report.organisations.iter().filter(|o| {
        o.sector == "childrens_services"
            && o.recommended_rung.as_deref() == Some("peer_review")
            && o.current_rung.as_deref() == Some("universal_monitoring")
    }) {
        let journey = failwell_engine::casework::journey::read(store, &regime, &o.organisation, today).await?;
        if journey.is_some_and(|(_, j)| j.episodes.is_empty()) {
            chosen = Some(o);
            break;
        }
    }
    let case_org = chosen.map(|o| o.organisation.clone());
    if let Some(org) = chosen {
        let decision = store
            .record_decision(&failwell_store::NewDecision {
                scan_id,
                organisation: org.organisation.clone(),
                recommended_rung: "peer_review".into(),
                accepted: true,
                reason: "Demonstration: the highest-ranked peer-review recommendation, accepted to show casework"
                    .into(),
                decided_by: "failwell demo".into(),
                request_id: None,
            })
            .await?;
        let new = NewIntervention {
            organisations: vec![org.organisation.parse()?],
            sector: org.sector.clone(),
            rung: "peer_review".into(),
            applied_by: "lga".into(),
            start: today,
            planned_end: today.replace_year(today.year() + 1).ok(),
            report_published: None,
            actors: vec![
                CaseActor {
                    name: DEMO_PEER_REVIEWER.into(),
                    role: CaseRole::PeerReviewer,
                    power: Power::Advise,
                    email: None,
                },
                CaseActor {
                    name: DEMO_BOARD_MEMBER.into(),
                    role: CaseRole::BoardMember,
                    power: Power::Advise,
                    email: None,
                },
                CaseActor {
                    name: "DfE observer (demonstration)".into(),
                    role: CaseRole::DepartmentObserver,
                    power: Power::Monitor,
                    email: None,
                },
            ],
            reason: format!(
                "Demonstration case, not a real intervention: answers decision {} on scan {scan_id}",
                decision.id
            ),
            opened_by: "failwell demo".into(),
            decision: Some(decision.id),
        };
        let id = failwell_engine::casework::open(store, &regime, &new).await?;
        demo_plan(store, id, &org.organisation, today).await?;
        outln!(
            "casework: demonstration intervention {id} opened: peer review of {} ({}) from accepted decision {} (failwell intervention show {id})",
            org.name,
            org.organisation,
            decision.id
        )?;
    }
    if let Some((org, j)) = failwell_engine::casework::journey::read(store, &regime, RELAPSE_CASE, today).await? {
        outln!(
            "journey: {} ({RELAPSE_CASE}): {} spell(s) in intervention, {} relapse(s) (failwell intervention journey {RELAPSE_CASE})",
            org.name,
            j.episodes.len(),
            j.relapses
        )?;
    }
    Ok(case_org)
}

/// The user name of the demo account that is the demonstration case's peer reviewer.
const DEMO_PEER_ACCOUNT: &str = "peer";

/// The demonstration case's peer reviewer, and the demo account that is them.
const DEMO_PEER_REVIEWER: &str = "Peer review lead (demonstration)";
/// The demonstration case's board member, and the demo account that is them.
const DEMO_BOARD_MEMBER: &str = "Board member (demonstration)";

/// Makes an administrator and one account per role, each with a random password printed
/// once (there are no default passwords). The scoped accounts reach the demonstration
/// case's organisation: the provider works there, the board member and the peer reviewer
/// are named on its case.
async fn demo_accounts(store: &failwell_store::Store, case_org: Option<&str>) -> anyhow::Result<()> {
    use failwell_domain::access::Role;
    let mut made = Vec::new();
    for (username, role, name) in [
        ("admin", Role::Administrator, "Demo administrator"),
        ("analyst", Role::Analyst, "Demo analyst"),
        ("board", Role::BoardMember, DEMO_BOARD_MEMBER),
        ("provider", Role::Provider, "Demo provider"),
        (DEMO_PEER_ACCOUNT, Role::PeerReviewer, DEMO_PEER_REVIEWER),
    ] {
        let organisation = (role == Role::Provider).then(|| case_org.map(str::to_string)).flatten();
        if role == Role::Provider && organisation.is_none() {
            continue;
        }
        let args = crate::cmd::user::AddArgs {
            username: username.into(),
            role,
            display_name: name.into(),
            email: None,
            organisation,
            password_stdin: false,
        };
        let (account, password) = crate::cmd::user::add(store, &args, "failwell demo").await?;
        made.push((account, password.unwrap_or_default()));
    }
    outln!("accounts (passwords shown once and kept only as hashes; sign in at /sign-in):")?;
    for (a, p) in &made {
        let reach = a.organisation.as_deref().map_or(String::new(), |o| format!(" of {o}"));
        outln!("  {:<9} {:<14} {p}  {}{reach}", a.username, a.role.as_str(), a.display_name)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(super::redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("demo.db"), "demo.db");
    }
}
