//! `failwell export`: the current revision of every record, in the format import reads.

use crate::cmd::import::KindArg;
use anyhow::Context;
use failwell_domain::{Event, Indicator, Inspection, Link, Organisation};
use failwell_ingest::{Format, Record, RecordWriter};
use failwell_store::{ExportError, Store};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// The encodings export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// CSV with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// Options of `failwell export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// What to export.
    #[arg(value_enum)]
    pub kind: KindArg,
    /// Write here instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// The encoding (default: from the output's extension, else CSV).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
}

/// Runs `failwell export`.
pub async fn run(database: &str, args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let store = Store::open(database).await?;
    let format = match (args.format, &args.output) {
        (Some(FormatArg::Csv), _) => Format::Csv,
        (Some(FormatArg::Jsonl), _) => Format::JsonLines,
        (None, Some(p)) => Format::from_path(p),
        (None, None) => Format::Csv,
    };
    let out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let out = std::io::BufWriter::with_capacity(1 << 16, out);
    let n = export_kind(&store, args.kind, out, format).await?;
    store.close().await;
    if args.output.is_some() {
        eprintln!("{n} records written");
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes every current record of `kind` to `out`; returns how many.
pub async fn export_kind<W: Write>(store: &Store, kind: KindArg, out: W, format: Format) -> anyhow::Result<u64> {
    async fn records<T: Record + serde::de::DeserializeOwned, W: Write>(
        store: &Store,
        kind: &'static str,
        out: W,
        format: Format,
    ) -> anyhow::Result<u64> {
        let mut w = RecordWriter::<W, T>::new(out, format)?;
        let n = store.export_records::<T, std::io::Error>(kind, &mut |r| w.write(&r)).await.map_err(flatten)?;
        w.finish()?.flush()?;
        Ok(n)
    }
    match kind {
        KindArg::Organisations => records::<Organisation, W>(store, "organisation", out, format).await,
        KindArg::Links => records::<Link, W>(store, "link", out, format).await,
        KindArg::Indicators => {
            // The catalogue is small: gathered, so that each indicator's denominator can be
            // written before it, as an import of the file into an empty store needs.
            let mut all = Vec::new();
            store
                .export_records::<Indicator, std::convert::Infallible>("indicator", &mut |i| {
                    all.push(i);
                    Ok(())
                })
                .await
                .map_err(|e| match e {
                    ExportError::Store(s) => anyhow::Error::from(s),
                    ExportError::Sink(never) => match never {},
                })?;
            let n = all.len() as u64;
            let mut w = RecordWriter::<W, Indicator>::new(out, format)?;
            for i in denominators_first(all) {
                w.write(&i).context("cannot write the export")?;
            }
            w.finish()?.flush()?;
            Ok(n)
        }
        KindArg::Inspections => records::<Inspection, W>(store, "inspection", out, format).await,
        KindArg::Events => records::<Event, W>(store, "event", out, format).await,
        KindArg::Observations => {
            let mut w = RecordWriter::new(out, format)?;
            let n = store.export_observations::<std::io::Error>(&mut |o| w.write(&o)).await.map_err(flatten)?;
            w.finish()?.flush()?;
            Ok(n)
        }
    }
}

fn flatten(e: ExportError<std::io::Error>) -> anyhow::Error {
    match e {
        ExportError::Store(s) => s.into(),
        ExportError::Sink(io) => anyhow::Error::new(io).context("cannot write the export"),
    }
}

/// The catalogue in code order, except that an indicator's denominator comes before it
/// (and its denominator's before that): the order an import checks them in.
fn denominators_first(all: Vec<Indicator>) -> Vec<Indicator> {
    let mut by_code: std::collections::BTreeMap<String, Indicator> =
        all.into_iter().map(|i| (i.code.to_string(), i)).collect();
    let codes: Vec<String> = by_code.keys().cloned().collect();
    let mut out = Vec::with_capacity(codes.len());
    for code in codes {
        // Up the chain of denominators still to be written, then down it.
        let mut chain = Vec::new();
        let mut next = Some(code);
        while let Some(c) = next.take() {
            let Some(i) = by_code.remove(&c) else { break };
            next = i.denominator.as_ref().map(|d| d.to_string());
            chain.push(i);
        }
        out.extend(chain.into_iter().rev());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::denominators_first;
    use failwell_domain::Indicator;

    fn indicator(code: &str, denominator: Option<&str>) -> Indicator {
        let mut i: Indicator = serde_json::from_value(serde_json::json!({
            "code": code, "title": code, "unit": "count", "polarity": "neutral", "kind": "process",
            "failure_types": [], "method": "spc", "counts": "none", "definition": "d",
            "definition_version": "1", "valid_from": null, "source": "test", "learned_on": null
        }))
        .expect("an indicator");
        i.denominator = denominator.map(|d| d.parse().unwrap());
        i
    }

    #[test]
    fn a_denominator_is_written_before_the_indicators_that_divide_by_it() {
        let all = vec![
            indicator("agency_pct", Some("sw_fte")),
            indicator("b", None),
            indicator("sw_fte", Some("z_posts")),
            indicator("z_posts", None),
        ];
        let order: Vec<String> = denominators_first(all).iter().map(|i| i.code.to_string()).collect();
        assert_eq!(order, ["z_posts", "sw_fte", "agency_pct", "b"]);
    }
}
