//! What a recorded scan leaves behind and reads back: signal continuity across scans,
//! and the cache of each indicator's results (its binary format, checksum and the
//! settings' fingerprint), which only the scan's machinery may see.

pub mod continuity;
pub(crate) mod hash;
pub(crate) mod results_codec;
