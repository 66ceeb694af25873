//! One module per subcommand.

pub mod analyst;
pub mod backtest;
pub mod bench;
pub mod bench_scan;
pub mod board;
pub mod calibrate;
pub mod decide;
pub mod demo;
pub mod diff;
pub mod export;
pub mod import;
pub mod intervention;
pub mod plan;
pub mod regime;
pub mod remind;
pub mod scan;
pub mod serve;
pub mod status;
pub mod user;

/// Who the audit log says ran a command: the operating-system user, as `cli:NAME`.
pub(crate) fn operator() -> String {
    format!("cli:{}", std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "unknown".into()))
}

/// Writes an audit entry under [`operator`]: the command line's moves that change the
/// store (an import, a recorded scan) are in the log as the web's are under an account.
pub(crate) async fn audit(
    store: &failwell_store::Store,
    action: &str,
    (subject, detail): (&str, &str),
    outcome: &str,
) -> Result<(), failwell_store::StoreError> {
    let who = operator();
    let note = failwell_store::AuditNote { who: &who, action, subject, detail };
    store.record_audit(&note, outcome, None).await
}

/// The audit entry of an import of `kind` from `files` that ended with `outcome` (none for
/// a dry run that found nothing wrong: it wrote nothing).
pub(crate) async fn audit_import(
    store: &failwell_store::Store,
    kind: failwell_ingest::Kind,
    files: &[std::path::PathBuf],
    outcome: &failwell_engine::import::Outcome,
    dry_run: bool,
) -> Result<(), failwell_store::StoreError> {
    let inputs = files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(",");
    match outcome.audit_entry(kind, &inputs, dry_run) {
        Some((subject, detail, result)) => audit(store, "import", (&subject, &detail), result).await,
        None => Ok(()),
    }
}

/// The audit entry of a scan recorded from the command line (the web's button writes the
/// same words under the signed-in account).
pub(crate) async fn audit_recorded_scan(
    store: &failwell_store::Store,
    recorded: &failwell_engine::Recorded,
) -> Result<(), failwell_store::StoreError> {
    let (subject, detail) = recorded.audit_entry();
    audit(store, "record scan", (&subject, &detail), "done").await
}
