//! Standard output for reports that can run to hundreds of megabytes.
//!
//! Rust's standard output is line-buffered: a scan of England written straight to it
//! costs one `write` system call per line of JSON (millions). Reports go through one
//! large buffer instead. JSON is indented for a person at a terminal and compact when
//! piped or redirected, where a program (or `jq`) reads it, as `gh` and `kubectl` do.

use serde::Serialize;
use std::io::{BufWriter, IsTerminal, StdoutLock, Write};

/// `println!` that hands back the error instead of panicking when standard output
/// cannot be written (its reader has gone), so that [`reader_gone`] can end the command
/// quietly.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*)
    }};
}
pub(crate) use outln;

/// Whether `error` comes of writing to a pipe whose reader has gone, as in
/// `failwell export … | head` once `head` has its lines. That is no failure: the reader
/// has what it wanted, so the command ends quietly and successfully, as `cat` or `grep`
/// do (they are killed by SIGPIPE, which Rust ignores, so failwell sees `EPIPE` instead).
/// The one place this is decided: every command hands its write errors up to `main`.
pub fn reader_gone(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        let kind = if let Some(e) = cause.downcast_ref::<std::io::Error>() {
            Some(e.kind())
        } else if let Some(e) = cause.downcast_ref::<serde_json::Error>() {
            // serde_json's error names its I/O error's kind but does not give it as a source.
            e.io_error_kind()
        } else {
            None
        };
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// Bytes buffered before a write to standard output.
const BUFFER: usize = 1 << 20;

/// A buffered handle on standard output; flush it before returning.
pub fn stdout() -> BufWriter<StdoutLock<'static>> {
    BufWriter::with_capacity(BUFFER, std::io::stdout().lock())
}

/// Writes `value` as JSON and a newline: indented at a terminal, compact otherwise.
pub fn write_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = stdout();
    json_to(&mut out, value)?;
    out.flush()?;
    Ok(())
}

/// `value` as JSON and a newline into `out`: indented when standard output is a terminal.
fn json_to<T: Serialize, W: Write>(mut out: W, value: &T) -> anyhow::Result<()> {
    if std::io::stdout().is_terminal() {
        serde_json::to_writer_pretty(&mut out, value)?;
    } else {
        serde_json::to_writer(&mut out, value)?;
    }
    writeln!(out)?;
    Ok(())
}

/// A scan report as [`write_json`] would write it, for writing later with
/// [`write_parts`]: compact, in the parts the engine renders on every core (a report of
/// England is 70 MB, and joining the parts would copy it again); indented, in one part,
/// at a terminal (a person does not read 70 MB).
pub fn json_parts(report: &mut failwell_engine::ScanReport) -> anyhow::Result<Vec<Vec<u8>>> {
    if std::io::stdout().is_terminal() {
        let mut out = Vec::new();
        json_to(&mut out, report)?;
        return Ok(vec![out]);
    }
    let mut parts = report.json_parts()?;
    parts.push(b"\n".to_vec());
    Ok(parts)
}

/// Writes `parts` to standard output, one after the other.
pub fn write_parts(parts: &[Vec<u8>]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for part in parts {
        out.write_all(part)?;
    }
    out.flush()?;
    Ok(())
}
