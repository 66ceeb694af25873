//! `failwell spc` (to be written).

/// Options of `failwell spc`.
#[derive(Debug, Clone, clap::Args)]
pub struct SpcArgs {}

/// Runs `failwell spc` over `input`, writing to `output`.
pub fn run(
    _args: &SpcArgs,
    _input: &mut dyn std::io::Read,
    _output: &mut dyn std::io::Write,
) -> Result<(), crate::spc::ToolError> {
    Ok(())
}

/// An error of an analyst tool, naming where the input went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// Bad input at a line and column.
    #[error("{line}:{column}: {reason}")]
    Input { line: u64, column: u64, reason: String },
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
