//! One module per subcommand.

pub mod bench;
pub mod demo;
pub mod export;
pub mod import;
pub mod status;
