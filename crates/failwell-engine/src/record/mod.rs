//! What a recorded scan leaves behind and reads back: signal continuity across scans,
//! the decisions taken on earlier recommendations (recalled when the same rung is
//! recommended again), and the cache of each indicator's results (its binary format, checksum and the
//! settings' fingerprint), which only the scan's machinery may see.

pub mod continuity;
pub mod decisions;
pub(crate) mod results_codec;
