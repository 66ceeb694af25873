//! The domain crate's one integration-test binary (one link instead of many).

mod regime;
