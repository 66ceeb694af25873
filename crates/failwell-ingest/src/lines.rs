//! Where each line of a CSV stream starts, so that a row names the line a text editor
//! shows it on.
//!
//! csv's `Position::line()` of a record is the line count where the reader stood when it
//! began the record: after the last byte the previous record took. A record ends at its
//! terminator's first byte, so after a CRLF row the reader still stands before the `\n`
//! (one line early), and the blank lines csv skips before a record are not counted
//! either. The byte offset is exact, though; [`LineIndex`] watches the bytes go by and
//! maps an offset to the line of the first byte at or after it that begins a line's
//! content, which is where the record truly starts.

use std::collections::VecDeque;
use std::io::{self, Read};

/// A reader that notes where every line's content starts, for [`LineIndex::line_of`]:
/// wrap the input in it before handing it to `csv::Reader`, and ask it the line of each
/// record (`reader.get_mut().line_of(record.position())`).
pub struct LineIndex<R> {
    inner: R,
    /// Bytes read so far.
    offset: u64,
    /// The line of the next byte (1-based): one more than the `\n` seen so far.
    line: u64,
    /// Whether the last byte seen ended a line (or nothing has been read yet).
    at_line_start: bool,
    /// (offset, line) of each byte that begins a line's content (a byte other than `\r`
    /// or `\n` after one of them, or the first byte), not yet passed by the reader.
    starts: VecDeque<(u64, u64)>,
}

impl<R> LineIndex<R> {
    /// Watches `inner`.
    pub fn new(inner: R) -> Self {
        LineIndex { inner, offset: 0, line: 1, at_line_start: true, starts: VecDeque::new() }
    }

    /// The line of the first line-starting byte at or after `offset` (a record's
    /// position as csv reports it), or `None` if no such byte has been read. Offsets
    /// must be asked for in increasing order: the starts before `offset` are forgotten,
    /// so the index holds only the lines csv has buffered ahead.
    pub fn line_at(&mut self, offset: u64) -> Option<u64> {
        while self.starts.front().is_some_and(|&(o, _)| o < offset) {
            self.starts.pop_front();
        }
        self.starts.front().map(|&(_, line)| line)
    }

    /// The line a record (or a record's error) at csv's `position` starts on, as an
    /// editor shows it; 0 when csv knows no position. Records must be asked about in
    /// the order they are read.
    pub fn line_of(&mut self, position: Option<&csv::Position>) -> u64 {
        position.map_or(0, |p| self.line_at(p.byte()).unwrap_or(p.line()))
    }
}

impl<R: Read> Read for LineIndex<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let bytes = &buf[..n];
        let mut i = 0;
        while i < n {
            if self.at_line_start {
                // Skip the rest of the terminator and any blank lines.
                while i < n && matches!(bytes[i], b'\r' | b'\n') {
                    self.line += u64::from(bytes[i] == b'\n');
                    i += 1;
                }
                if i == n {
                    break;
                }
                self.starts.push_back((self.offset + i as u64, self.line));
                self.at_line_start = false;
            }
            match bytes[i..].iter().position(|b| matches!(b, b'\r' | b'\n')) {
                Some(j) => {
                    i += j;
                    self.at_line_start = true;
                }
                None => i = n,
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}
