//! The readers through their public API: lines and columns named as the user's editor
//! would show them, whatever the file's line endings.

mod lines;
