//! `failwell cusum` (to be written).

/// Options of `failwell cusum`.
#[derive(Debug, Clone, clap::Args)]
pub struct CusumArgs {}

/// Runs `failwell cusum` over `input`, writing to `output`.
pub fn run(
    _args: &CusumArgs,
    _input: &mut dyn std::io::Read,
    _output: &mut dyn std::io::Write,
) -> Result<(), crate::spc::ToolError> {
    Ok(())
}
