//! Source files, byte spans and the line index that turns offsets into lines and columns.
//!
//! Everything inside Strata works on byte offsets. Columns are computed only at the
//! edges (JSON, terminal, LSP) from one `LineIndex` per file, in the unit each edge
//! wants: Unicode scalar values for the CLI, UTF-8 or UTF-16 for the language server.

use std::fmt;

/// A file of the workspace, by its position in `Workspace::files`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A half-open byte range `[start, end)` within one file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start: to_u32(start), end: to_u32(end) }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

fn to_u32(n: usize) -> u32 {
    // Files are capped well below 4 GiB when they are read (see `MAX_FILE_BYTES`).
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The largest file Strata reads; larger ones are reported instead of parsed.
pub const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;

/// A span in a particular file: what diagnostics and the model point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    pub file: FileId,
    pub span: Span,
}

impl Loc {
    pub fn new(file: FileId, span: Span) -> Loc {
        Loc { file, span }
    }
}

/// Where the entries of `file` are in a list sorted by file (what an analysis pass
/// builds: it goes through the files in order).
pub fn by_file<T>(list: &[T], file: FileId, file_of: impl Fn(&T) -> FileId) -> std::ops::Range<usize> {
    list.partition_point(|item| file_of(item) < file)..list.partition_point(|item| file_of(item) <= file)
}

/// One file's text. Bytes that are not UTF-8 are kept lossily for display, and the
/// offset of the first bad byte is remembered so that it can be reported.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as the user sees it: relative to where they ran the command, `/`-separated.
    pub path: String,
    pub text: String,
    pub line_index: LineIndex,
    /// Byte offset of the first byte that is not valid UTF-8, if any.
    pub invalid_utf8_at: Option<usize>,
    /// The path relative to the workspace root, `/`-separated, when `path` is not that
    /// (the CLI's paths are relative to where it runs); `None` when `path` is relative to
    /// the root already, as the language server's are. A measure's `data` is resolved
    /// against it (`path_in_root`).
    pub in_root: Option<String>,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let line_index = LineIndex::new(&text);
        SourceFile { path: path.into(), text, line_index, invalid_utf8_at: None, in_root: None }
    }

    /// Decodes a file's bytes. A leading UTF-8 byte-order mark is dropped, as editors
    /// do, so that columns match what the user sees (the formatter puts it back).
    pub fn from_bytes(path: impl Into<String>, mut bytes: Vec<u8>) -> SourceFile {
        if bytes.starts_with(b"\xEF\xBB\xBF") {
            bytes.drain(..3);
        }
        match String::from_utf8(bytes) {
            Ok(text) => SourceFile::new(path, text),
            Err(err) => {
                let at = err.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
                SourceFile { invalid_utf8_at: Some(at), ..SourceFile::new(path, text) }
            }
        }
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// The file's path relative to the workspace root (it may start with `..` for a file
    /// given on the command line outside the root).
    pub fn path_in_root(&self) -> &str {
        self.in_root.as_deref().unwrap_or(&self.path)
    }
}

/// How columns are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnUnit {
    /// Bytes of UTF-8.
    Utf8,
    /// UTF-16 code units (the LSP default).
    Utf16,
    /// Unicode scalar values (the CLI and JSON output).
    Char,
}

/// A 0-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line + 1, self.col + 1)
    }
}

/// The byte offset where each line starts. `\n`, `\r\n` and a lone `\r` all end a line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    /// Whether each line is ASCII, where a column in any unit is a byte count: a
    /// column on a long line then costs nothing, instead of a walk from the line's start
    /// (200,000 diagnostics on one 3 MB line took 40 s to place).
    ascii: Vec<bool>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut line_starts = Vec::with_capacity(bytes.len() / 32 + 1);
        line_starts.push(0);
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
                line_starts.push(to_u32(i + 1));
            }
        }
        let ascii = (0..line_starts.len())
            .map(|line| {
                let start = line_starts[line] as usize;
                let end = line_starts.get(line + 1).map_or(bytes.len(), |&s| s as usize);
                bytes[start..end].is_ascii()
            })
            .collect();
        LineIndex { line_starts, ascii }
    }

    /// The index of `text` made from this one, the index of the text before the bytes
    /// `old` of it were replaced with `inserted` bytes: the same as `LineIndex::new(text)`.
    /// Only the lines the edit touched (and the one before, where a `\r` may have met a
    /// `\n`) are read again; the later ones move by the change in length. Indexing a 4 MB
    /// document again took 3.4 ms of each keystroke in the language server, issue 17.
    pub fn edit(&mut self, text: &str, old: std::ops::Range<usize>, inserted: usize) {
        let bytes = text.as_bytes();
        let (old_len, delta) = ((old.end - old.start.min(old.end)) as i64, inserted as i64);
        let delta = delta - old_len;
        // What the old text's end was: the edit must lie inside it, and the moved starts
        // inside the new text; otherwise (a caller's mistake) the index is made afresh.
        let old_total = bytes.len() as i64 - delta;
        let last_start = self.line_starts.last().map_or(0, |&s| i64::from(s));
        if self.line_starts.is_empty() || old.start > old.end || old.end as i64 > old_total || last_start > old_total {
            *self = LineIndex::new(text);
            return;
        }
        let from_line = self.line_of(old.start).saturating_sub(1);
        let redo_from = self.line_starts[from_line] as usize;
        // Line starts after the old range's first byte past it are made by bytes the
        // edit left alone: kept, moved.
        let kept = self.line_starts.partition_point(|&start| (start as usize) < old.end + 1);
        // Where the bytes after the old range are now.
        let tail_start = (old.end as i64 + delta) as usize;
        let mut starts: Vec<u32> = Vec::new();
        let region = bytes.get(redo_from..tail_start).unwrap_or_default();
        for i in memchr::memchr2_iter(b'\n', b'\r', region) {
            let at = redo_from + i;
            if bytes[at] == b'\n' || bytes.get(at + 1) != Some(&b'\n') {
                starts.push(to_u32(at + 1));
            }
        }
        let moved = self.line_starts[kept..].iter().map(|&start| to_u32((i64::from(start) + delta) as usize));
        let tail: Vec<u32> = moved.collect();
        self.line_starts.truncate(from_line + 1);
        self.line_starts.extend(starts);
        let redone = self.line_starts.len();
        self.line_starts.extend(tail);
        let ascii_tail: Vec<bool> = self.ascii[kept..].to_vec();
        self.ascii.truncate(from_line);
        for line in from_line..redone {
            let start = self.line_starts[line] as usize;
            let end = self.line_starts.get(line + 1).map_or(bytes.len(), |&s| s as usize);
            self.ascii.push(bytes.get(start..end).is_some_and(<[u8]>::is_ascii));
        }
        self.ascii.extend(ascii_tail);
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The 0-based line holding `offset` (clamped to the text).
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = to_u32(offset);
        self.line_starts.partition_point(|&start| start <= offset).saturating_sub(1)
    }

    /// `line_of` for an offset at or after the start of line `from`, searched outwards
    /// from there (a gallop): offsets asked in increasing order cost steps in the
    /// distance between them, not a search of every line. Any other offset is searched
    /// for as `line_of` does.
    pub fn line_of_from(&self, from: usize, offset: usize) -> usize {
        let at = to_u32(offset);
        match self.line_starts.get(from) {
            Some(&start) if start <= at => gallop(&self.line_starts, from, |&start| start <= at) - 1,
            _ => self.line_of(offset),
        }
    }

    /// The byte range of line `line`, without its line break.
    pub fn line_span(&self, text: &str, line: usize) -> Span {
        let start = self.line_starts.get(line).map_or(text.len(), |&s| s as usize);
        let mut end = self.line_starts.get(line + 1).map_or(text.len(), |&s| s as usize);
        let bytes = text.as_bytes();
        while end > start && matches!(bytes[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        Span::new(start, end)
    }

    /// The line and column of a byte offset. An offset inside a character counts as
    /// that character's start; an offset past the end clamps to the end.
    pub fn line_col(&self, text: &str, offset: usize, unit: ColumnUnit) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.line_starts[line] as usize;
        let prefix = &text[start..offset];
        let col = match unit {
            _ if self.ascii.get(line).copied().unwrap_or(false) => prefix.len(),
            ColumnUnit::Utf8 => prefix.len(),
            ColumnUnit::Utf16 => prefix.chars().map(char::len_utf16).sum(),
            ColumnUnit::Char => prefix.chars().count(),
        };
        LineCol { line: to_u32(line), col: to_u32(col) }
    }

    /// The byte offset of a line and column, clamped: a line past the end gives the
    /// end of the text, a column past the end of its line gives the end of the line,
    /// and a column inside a character (half a surrogate pair) gives its start.
    pub fn offset(&self, text: &str, pos: LineCol, unit: ColumnUnit) -> usize {
        let line = pos.line as usize;
        if line >= self.line_starts.len() {
            return text.len();
        }
        let span = self.line_span(text, line);
        if self.ascii.get(line).copied().unwrap_or(false) {
            return (span.start as usize + pos.col as usize).min(span.end as usize);
        }
        let line_text = &text[span.range()];
        let mut counted = 0usize;
        for (i, ch) in line_text.char_indices() {
            let width = match unit {
                ColumnUnit::Utf8 => ch.len_utf8(),
                ColumnUnit::Utf16 => ch.len_utf16(),
                ColumnUnit::Char => 1,
            };
            if counted + width > pos.col as usize {
                return span.start as usize + i;
            }
            counted += width;
        }
        span.end as usize
    }
}

/// The largest char boundary at or before `offset`.
pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A file name (its bytes, as the system holds them) as it is shown in every output:
/// valid UTF-8 as it is, but each byte that is not UTF-8 written `\xFF`, an ASCII control
/// character `\x0A` (past ASCII `\u{85}`), and a backslash `\\`, so that two different
/// names never show alike and a name cannot break a line of output. `name_bytes` undoes it.
pub fn shown_name(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c if c.is_control() && c.is_ascii() => {
                    let _ = write!(out, "\\x{:02X}", c as u32);
                }
                c if c.is_control() => {
                    let _ = write!(out, "\\u{{{:X}}}", c as u32);
                }
                c => out.push(c),
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02X}");
        }
    }
    out
}

/// The bytes of a name shown by `shown_name` (for a `file:` URI, say). Text that
/// `shown_name` cannot have written is taken as it is.
pub fn name_bytes(shown: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(shown.len());
    let mut rest = shown;
    while let Some(at) = rest.find('\\') {
        out.extend_from_slice(&rest.as_bytes()[..at]);
        rest = &rest[at..];
        let hex = |digits: &str| {
            let plain = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_hexdigit());
            plain.then(|| u32::from_str_radix(digits, 16).ok()).flatten()
        };
        if let Some(tail) = rest.strip_prefix("\\\\") {
            out.push(b'\\');
            rest = tail;
        } else if let Some(byte) = rest.get(2..4).filter(|_| rest.starts_with("\\x")).and_then(hex) {
            out.push(byte as u8);
            rest = &rest[4..];
        } else if let Some((c, len)) = rest
            .strip_prefix("\\u{")
            .and_then(|tail| tail.split_once('}'))
            .and_then(|(digits, _)| Some((char::from_u32(hex(digits)?)?, digits.len() + 4)))
        {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            rest = &rest[len..];
        } else {
            out.push(b'\\');
            rest = &rest[1..];
        }
    }
    out.extend_from_slice(rest.as_bytes());
    out
}

/// The first index at or after `from` where `before` stops holding (it holds for a
/// leading run of `all[from..]` and for nothing after), searched outwards from `from`
/// (a gallop): steps in the distance to it, not in the length of `all`.
pub(crate) fn gallop<T>(all: &[T], from: usize, before: impl Fn(&T) -> bool) -> usize {
    let mut step = 1;
    let mut low = from;
    while low + step <= all.len() && before(&all[low + step - 1]) {
        low += step;
        step *= 2;
    }
    let high = (low + step).min(all.len());
    low + all[low..high].partition_point(before)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Texts of line breaks of every kind, ASCII and wider characters.
    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(prop_oneof!["\n", "\r", "\r\n", "a", "bc", "é", "😀", " "], 0..40)
            .prop_map(|parts| parts.concat())
    }

    proptest! {
        /// An index moved on by an edit is the index of the edited text made afresh:
        /// wherever the edit falls (splitting a `\r\n`, joining a `\r` to a `\n`, at
        /// either end), whatever it removes and inserts.
        #[test]
        fn an_index_moved_on_by_an_edit_is_the_new_texts(
            before in text(),
            inserted in text(),
            a in 0usize..200,
            b in 0usize..200,
        ) {
            let boundaries: Vec<usize> =
                (0..=before.len()).filter(|&i| before.is_char_boundary(i)).collect();
            let (a, b) = (boundaries[a % boundaries.len()], boundaries[b % boundaries.len()]);
            let old = a.min(b)..a.max(b);
            let mut after = before.clone();
            after.replace_range(old.clone(), &inserted);
            let mut index = LineIndex::new(&before);
            index.edit(&after, old, inserted.len());
            prop_assert_eq!(index, LineIndex::new(&after));
        }

        /// Searched from any line, before or after the offset's, or past the last, an
        /// offset is on the line `line_of` finds.
        #[test]
        fn a_line_found_from_a_line_is_the_line_found(text in text(), from in 0usize..50, offset in 0usize..200) {
            let index = LineIndex::new(&text);
            prop_assert_eq!(index.line_of_from(from, offset), index.line_of(offset));
        }
    }

    #[test]
    fn an_edit_that_does_not_fit_the_text_makes_the_index_afresh() {
        let mut index = LineIndex::new("a\nb\n");
        index.edit("a\n", 10..20, 0);
        assert_eq!(index, LineIndex::new("a\n"));
        let mut index = LineIndex::default();
        index.edit("x\ry", 0..0, 3);
        assert_eq!(index, LineIndex::new("x\ry"));
    }

    #[test]
    fn names_show_apart_and_come_back() {
        let names: [&[u8]; 8] = [
            b"plain.strata",
            b"caf\xe9.strata",
            b"caf\\xE9.strata",
            b"a\\b",
            b"line\nbreak",
            "nel\u{85}".as_bytes(),
            b"\\",
            b"\\x",
        ];
        let shown: Vec<String> = names.iter().map(|n| shown_name(n)).collect();
        assert_eq!(
            shown,
            [
                "plain.strata",
                "caf\\xE9.strata",
                "caf\\\\xE9.strata",
                "a\\\\b",
                "line\\x0Abreak",
                "nel\\u{85}",
                "\\\\",
                "\\\\x"
            ]
        );
        for (name, shown) in names.iter().zip(&shown) {
            assert_eq!(name_bytes(shown), *name, "{shown}");
        }
        // Not written by `shown_name`: kept as it is.
        assert_eq!(name_bytes("a\\q\\x4"), b"a\\q\\x4");
        assert_eq!(name_bytes("\\x+1\\u{+41}\\u{}"), b"\\x+1\\u{+41}\\u{}");
    }

    #[test]
    fn columns_in_every_unit() {
        let text = "a\r\n😀é x\rlast";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 3);
        let x = text.find('x').unwrap_or_default();
        let char_pos = index.line_col(text, x, ColumnUnit::Char);
        assert_eq!(char_pos, LineCol { line: 1, col: 3 });
        assert_eq!(index.line_col(text, x, ColumnUnit::Utf16).col, 4);
        assert_eq!(index.line_col(text, x, ColumnUnit::Utf8).col, 7);
        for unit in [ColumnUnit::Char, ColumnUnit::Utf16, ColumnUnit::Utf8] {
            let pos = index.line_col(text, x, unit);
            assert_eq!(index.offset(text, pos, unit), x);
        }
        let last = index.line_col(text, text.len(), ColumnUnit::Char);
        assert_eq!(last, LineCol { line: 2, col: 4 });
    }

    #[test]
    fn ascii_lines_count_columns_as_the_others_do() {
        let text = "ascii only\r\nnot ascii: é😀 x\rascii again x\n";
        let index = LineIndex::new(text);
        assert_eq!(index.ascii, [true, false, true, true]);
        for offset in 0..=text.len() {
            let offset = floor_char_boundary(text, offset);
            let line = index.line_of(offset);
            let start = index.line_starts[line] as usize;
            let prefix = &text[start..offset];
            let at = |unit| index.line_col(text, offset, unit).col as usize;
            assert_eq!(at(ColumnUnit::Char), prefix.chars().count(), "{offset}");
            assert_eq!(at(ColumnUnit::Utf16), prefix.chars().map(char::len_utf16).sum::<usize>(), "{offset}");
            // Inside a line break, a column maps back to the line's end, on any line.
            let end = index.line_span(text, line).end as usize;
            for unit in [ColumnUnit::Char, ColumnUnit::Utf16, ColumnUnit::Utf8] {
                let pos = index.line_col(text, offset, unit);
                assert_eq!(index.offset(text, pos, unit), offset.min(end), "{offset} {unit:?}");
            }
        }
        // A column past the end of an ASCII line clamps to its end, as on any line.
        assert_eq!(index.offset(text, LineCol { line: 0, col: 99 }, ColumnUnit::Char), 10);
    }

    #[test]
    fn every_kind_of_line_break_starts_a_line() {
        let index = LineIndex::new("a\nb\r\nc\rd\r\r\n\n");
        assert_eq!(index.line_starts, [0, 2, 5, 7, 9, 11, 12]);
        assert_eq!(LineIndex::new("").line_starts, [0]);
    }

    #[test]
    fn offsets_clamp() {
        let text = "ab\n😀";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, LineCol { line: 9, col: 0 }, ColumnUnit::Utf16), text.len());
        assert_eq!(index.offset(text, LineCol { line: 0, col: 99 }, ColumnUnit::Utf16), 2);
        // Inside the surrogate pair of the emoji: its start.
        assert_eq!(index.offset(text, LineCol { line: 1, col: 1 }, ColumnUnit::Utf16), 3);
        // Inside a multi-byte character: its start.
        assert_eq!(index.line_col(text, 5, ColumnUnit::Char), LineCol { line: 1, col: 0 });
    }
}
