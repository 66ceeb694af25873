//! `failwell funnel` (to be written).

/// Options of `failwell funnel`.
#[derive(Debug, Clone, clap::Args)]
pub struct FunnelArgs {}

/// Runs `failwell funnel` over `input`, writing to `output`.
pub fn run(
    _args: &FunnelArgs,
    _input: &mut dyn std::io::Read,
    _output: &mut dyn std::io::Write,
) -> Result<(), crate::spc::ToolError> {
    Ok(())
}
