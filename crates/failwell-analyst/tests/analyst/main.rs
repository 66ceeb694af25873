//! The analyst commands (`failwell spc`, `funnel`, `cusum`) against their references: every
//! figure and flag checked, error lines and columns named.

mod cusum;
mod funnel;
mod lines;
mod spc;
