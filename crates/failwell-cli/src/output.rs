//! Standard output for reports that can run to hundreds of megabytes.
//!
//! Rust's standard output is line-buffered: a scan of England written straight to it
//! costs one `write` system call per line of JSON (millions). Reports go through one
//! large buffer instead. JSON is indented for a person at a terminal and compact when
//! piped or redirected, where a program (or `jq`) reads it, as `gh` and `kubectl` do.

use serde::Serialize;
use std::io::{BufWriter, IsTerminal, StdoutLock, Write};

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

/// `value` as [`write_json`] would write it, for writing later, in a buffer made with
/// room for `size_hint` bytes (a report of England is 70 MB: growing a buffer to that by
/// doubling copies it again and again).
pub fn json<T: Serialize>(value: &T, size_hint: usize) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(size_hint);
    json_to(&mut out, value)?;
    Ok(out)
}

/// Writes `bytes` to standard output.
pub fn write_bytes(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
}
