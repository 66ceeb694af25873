//! failwell-store
