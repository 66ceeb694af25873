//! Regime files: the built-in England regime validates, and every kind of error in a regime
//! file is reported with its line and column.

mod regime;
