//! `failwell spc|funnel|cusum`: open the input (a file, or `-`/nothing for standard
//! input) and hand it to the analyst tool.

use anyhow::Context;
use failwell_analyst::spc::ToolError;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::process::ExitCode;

/// Runs an analyst tool over `file` (or standard input), writing to standard output.
pub fn run(
    file: Option<&Path>,
    tool: impl FnOnce(&mut dyn Read, &mut dyn Write) -> Result<(), ToolError>,
) -> anyhow::Result<ExitCode> {
    let (name, mut input): (String, Box<dyn Read>) = match file {
        Some(p) if p != Path::new("-") => (
            p.display().to_string(),
            Box::new(BufReader::new(std::fs::File::open(p).with_context(|| format!("cannot open {}", p.display()))?)),
        ),
        _ => ("<stdin>".into(), Box::new(BufReader::new(std::io::stdin().lock()))),
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    match tool(&mut input, &mut out) {
        Ok(()) => {
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        // A closed pipe is `main`'s to judge (`output::reader_gone`), like any other command's.
        Err(ToolError::Io(e)) => Err(anyhow::Error::new(e).context(name)),
        Err(e) => {
            out.flush().ok();
            eprintln!("error: {name}: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}
