//! The kinds of file failwell imports, and their two encodings.

use std::path::Path;

/// The record kinds `failwell import` and `failwell export` take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The registry of organisations and groups.
    Organisations,
    /// Dated links between organisations.
    Links,
    /// The indicator catalogue.
    Indicators,
    /// Indicator figures.
    Observations,
    /// Inspection judgements.
    Inspections,
    /// Regulatory and organisational events.
    Events,
}

impl Kind {
    /// The word on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Organisations => "organisations",
            Kind::Links => "links",
            Kind::Indicators => "indicators",
            Kind::Observations => "observations",
            Kind::Inspections => "inspections",
            Kind::Events => "events",
        }
    }
}

/// How a file is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated, one header row.
    Csv,
    /// One JSON object per line, keys as the CSV header.
    JsonLines,
}

impl Format {
    /// Guesses from the file name: `.json`/`.jsonl`/`.ndjson` are JSON Lines, anything else CSV.
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("json" | "jsonl" | "ndjson") => Format::JsonLines,
            _ => Format::Csv,
        }
    }
}
