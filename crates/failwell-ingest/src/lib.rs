//! failwell-ingest
