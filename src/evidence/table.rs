//! Reading a data file (§9.1): CSV bytes -> the header, the rows in period order and the
//! cells Strata uses, each with its position, plus the file's problems.

use std::cell::RefCell;
use std::io;

use super::{MAX_PROBLEMS, Position, Problem, ProblemCode, shown};
use crate::sema::period::Period;

/// A data file as Strata uses it. Only the cells of the columns asked for are kept
/// (`note` and the value columns), so a file of 10,000 columns costs what its used
/// columns cost.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// Every header name, trimmed, as written.
    pub columns: Vec<String>,
    /// The header's cells, for problems about a column.
    pub header: Vec<Position>,
    /// The rows with a good period, in strictly increasing period order.
    pub rows: Vec<Row>,
    /// What is wrong with the file, in file order.
    pub problems: Vec<Problem>,
    /// The `period` column, when there is one: without it no row is read.
    pub period_column: Option<usize>,
    /// The `note` column, when there is one (its cells are kept).
    pub note_column: Option<usize>,
    /// The columns whose cells are kept, in slot order.
    kept: Vec<usize>,
    /// `rows.len() * kept.len()` cells, row by row.
    cells: Vec<Cell>,
    /// The kept cells' text, one after the other.
    text: String,
}

/// A row with a good period.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Row {
    pub period: Period,
    /// The period cell; `at.line` is the row's line.
    pub at: Position,
    /// `limits` says `recalculate`: a new segment starts here.
    pub recalculate: bool,
}

/// A kept cell: its text (trimmed) and position. A cell that is not UTF-8 or holds a
/// NUL byte was reported when the file was read and reads as empty.
#[derive(Clone, Copy, Debug)]
struct Cell {
    start: u32,
    end: u32,
    at: Position,
    bad: bool,
}

/// A kept cell as [`Table::cell`] gives it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellRef<'a> {
    /// Trimmed; empty for a missing cell.
    pub text: &'a str,
    pub at: Position,
    /// Reported already when the file was read (not UTF-8, or a NUL byte): skip it.
    pub bad: bool,
}

/// The column names with a meaning of their own; a measure with one of these ids reads
/// the `value` column.
const RESERVED: [&str; 3] = ["period", "note", "limits"];

impl Table {
    /// The column a measure reads its values from: the one named as its id, else
    /// `value`.
    pub fn value_column(&self, id: &str) -> Option<usize> {
        let own = if RESERVED.iter().any(|r| same_name(r, id)) { None } else { self.column(id) };
        own.or_else(|| self.column("value"))
    }

    /// The first column with this name (trimmed, compared case-insensitively).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| same_name(c, name.trim()))
    }

    /// The cell of a kept column in a row; `None` when the column was not asked for.
    pub fn cell(&self, row: usize, column: usize) -> Option<CellRef<'_>> {
        let slot = self.kept.iter().position(|&k| k == column)?;
        let cell = self.cells.get(row * self.kept.len() + slot)?;
        let text = self.text.get(cell.start as usize..cell.end as usize).unwrap_or_default();
        Some(CellRef { text, at: cell.at, bad: cell.bad })
    }

    /// The row's `note`, when the file has that column and the cell is not empty.
    pub fn note(&self, row: usize) -> Option<&str> {
        let cell = self.cell(row, self.note_column?)?;
        (!cell.text.is_empty() && !cell.bad).then_some(cell.text)
    }
}

fn same_name(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}

/// Reads a data file. `ids` are the measures that read it: their value columns (and
/// `note`) are kept. Never fails: what is wrong is in `problems`, and every row that
/// can be read is.
pub fn read_table(bytes: &[u8], ids: &[&str]) -> Table {
    read_table_with(bytes, ids, SHARED_READER_BYTES)
}

/// Building the CSV crate's parser (its DFA) costs more than reading a 60-row file: a
/// quarter of `check` on 10,000 such files (BENCHMARKS.md). So each thread keeps one
/// reader and points it at each file of up to `SHARED_READER_BYTES` in turn (a copy of
/// the bytes, then a seek to the start, which resets the parser, its buffer and its
/// position); a bigger file gets a reader of its own, which reads it in place.
const SHARED_READER_BYTES: usize = 64 * 1024;

thread_local! {
    static SHARED_READER: RefCell<Option<csv::Reader<Source>>> = const { RefCell::new(None) };
}

/// The bytes of the file the shared reader reads.
#[derive(Default)]
struct Source {
    bytes: Vec<u8>,
    at: usize,
}

impl io::Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = self.bytes.get(self.at..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.at += n;
        Ok(n)
    }
}

impl io::Seek for Source {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        match pos {
            io::SeekFrom::Start(at) => self.at = usize::try_from(at).unwrap_or(usize::MAX),
            _ => return Err(io::ErrorKind::Unsupported.into()),
        }
        Ok(self.at as u64)
    }
}

fn csv_reader<R: io::Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input)
}

/// The reader of one file: the thread's shared one, or one of its own.
enum Records<'a> {
    Shared(csv::Reader<Source>),
    Own(csv::Reader<&'a [u8]>),
}

impl<'a> Records<'a> {
    fn new(input: &'a [u8], shared_up_to: usize) -> Records<'a> {
        if input.len() > shared_up_to {
            return Records::Own(csv_reader(input));
        }
        let mut reader = SHARED_READER.with(|r| r.borrow_mut().take()).unwrap_or_else(|| csv_reader(Source::default()));
        let source = reader.get_mut();
        source.bytes.clear();
        source.bytes.extend_from_slice(input);
        source.at = 0;
        // `seek_raw`, not `seek`: `seek` skips the reset when the position is already
        // the start, as it is after an empty file, and the reader would stay at its end.
        match reader.seek_raw(io::SeekFrom::Start(0), csv::Position::new()) {
            Ok(()) => Records::Shared(reader),
            Err(_) => Records::Own(csv_reader(input)),
        }
    }

    fn position(&self) -> usize {
        let at = match self {
            Records::Shared(r) => r.position().byte(),
            Records::Own(r) => r.position().byte(),
        };
        usize::try_from(at).unwrap_or(usize::MAX)
    }

    fn read(&mut self, record: &mut csv::ByteRecord) -> csv::Result<bool> {
        match self {
            Records::Shared(r) => r.read_byte_record(record),
            Records::Own(r) => r.read_byte_record(record),
        }
    }

    /// Gives the shared reader back to the thread.
    fn done(self) {
        if let Records::Shared(reader) = self {
            SHARED_READER.with(|r| *r.borrow_mut() = Some(reader));
        }
    }
}

fn read_table_with(bytes: &[u8], ids: &[&str], shared_up_to: usize) -> Table {
    let mut problems = Problems::default();
    let mut table = Table::default();
    let input = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if input.starts_with(b"\xff\xfe") || input.starts_with(b"\xfe\xff") {
        problems.push(
            Position { line: 1, column: 1, start: 0, end: 2 },
            "the data file is UTF-16, not UTF-8".to_owned(),
            "save the file as UTF-8 (in a spreadsheet: CSV UTF-8)".to_owned(),
        );
        table.problems = problems.finish();
        return table;
    }

    let mut reader = Records::new(input, shared_up_to);
    let mut record = csv::ByteRecord::new();
    let mut lines = Lines::default();
    let mut spans = Vec::new();
    let mut header_seen = false;
    let mut layout = Layout::default();
    let mut read = Read::default();
    loop {
        let start = reader.position();
        match reader.read(&mut record) {
            Ok(true) => {}
            // Reading from a slice cannot fail; stop rather than loop if it ever does.
            Ok(false) | Err(_) => break,
        }
        let end = reader.position().min(input.len());
        let raw = &input[start.min(end)..end];
        let open_quote = cell_spans(raw, &mut spans);
        let place = |i: usize, lines: &Lines| -> Position {
            // A cell the row does not have is placed just after the row's last cell.
            let after = spans.last().map_or((0, 0), |&(_, e)| (e, e));
            let (s, e) = spans.get(i).copied().unwrap_or(after);
            lines.position(input, start + s, start + e)
        };
        if let Some(at) = open_quote {
            let pos = lines.position(input, start + at, start + at + 1);
            problems.push(
                pos,
                "a quote opened here is never closed".to_owned(),
                "close the quoted cell with `\"` (a quote inside a quoted cell is written `\"\"`)".to_owned(),
            );
            lines.advance(input, end);
            break;
        }
        if !header_seen {
            header_seen = true;
            for i in 0..record.len() {
                let name = String::from_utf8_lossy(&record[i]).trim().to_owned();
                table.columns.push(name);
                table.header.push(place(i, &lines));
            }
            layout = header_layout(&table, ids, &mut problems);
            table.period_column = layout.period;
            table.note_column = table.column("note");
            table.kept = layout.kept.clone();
            if layout.period.is_none() {
                lines.advance(input, end);
                break;
            }
            lines.advance(input, end);
            continue;
        }
        read_row(&record, &layout, &table.columns, &mut problems, &mut read, &mut |i| place(i, &lines));
        lines.advance(input, end);
    }
    reader.done();

    if !header_seen {
        problems.push(
            Position { line: 1, column: 1, start: 0, end: 0 },
            "the data file is empty".to_owned(),
            "write a header row such as `period,value`, then one row per period".to_owned(),
        );
    } else if table.period_column.is_some() && read.rows.is_empty() && problems.list.is_empty() {
        let at = table.header.first().copied().unwrap_or_default();
        problems.push(
            at,
            "the data file has a header but no rows".to_owned(),
            "add one row per period under the header, e.g. `2026-01,4.6`".to_owned(),
        );
    }
    table.rows = read.rows;
    table.cells = read.cells;
    table.text = read.text;
    keep_in_order(&mut table, &mut problems);
    table.problems = problems.finish();
    table
}

/// What the header says: where the columns Strata reads are.
#[derive(Default)]
struct Layout {
    period: Option<usize>,
    limits: Option<usize>,
    kept: Vec<usize>,
    width: usize,
}

fn header_layout(table: &Table, ids: &[&str], problems: &mut Problems) -> Layout {
    let mut layout = Layout { width: table.columns.len(), ..Layout::default() };
    // A name Strata reads given twice is ambiguous; the first is used.
    let mut wanted: Vec<&str> = vec!["period", "limits", "note", "value"];
    wanted.extend(ids.iter().copied());
    for name in &wanted {
        let mut same = table.columns.iter().enumerate().filter(|(_, c)| same_name(c, name.trim()));
        let first = same.next();
        if let (Some(_), Some((i, column))) = (first, same.next())
            && !problems.list.iter().any(|p| p.at == table.header[i])
        {
            problems.push(
                table.header[i],
                format!("column `{}` appears twice in the header", shown(column)),
                "rename or remove one of the two columns; the first is read".to_owned(),
            );
        }
    }
    layout.period = table.column("period");
    layout.limits = table.column("limits");
    if layout.period.is_none() {
        let at = table.header.first().copied().unwrap_or_default();
        let first = table.columns.first().map(String::as_str).unwrap_or_default();
        let help = if table.columns.len() == 1 && (first.contains(';') || first.contains('\t')) {
            "the header looks separated by `;` or tabs: save the file with commas between cells (CSV)".to_owned()
        } else {
            "add a `period` column with each row's period (`2026`, `2026-Q1`, `2026-01` or `2026-01-31`)".to_owned()
        };
        problems.push(at, "the data file has no `period` column".to_owned(), help);
        return layout;
    }
    let mut kept: Vec<usize> = table.column("note").into_iter().collect();
    kept.extend(ids.iter().filter_map(|id| table.value_column(id)));
    kept.sort_unstable();
    kept.dedup();
    layout.kept = kept;
    layout
}

/// The rows read so far, before the order of their periods is checked, with their kept
/// cells (`kept.len()` per row) and the cells' text.
#[derive(Default)]
struct Read {
    rows: Vec<Row>,
    cells: Vec<Cell>,
    text: String,
}

fn read_row(
    record: &csv::ByteRecord,
    layout: &Layout,
    columns: &[String],
    problems: &mut Problems,
    read: &mut Read,
    place: &mut dyn FnMut(usize) -> Position,
) {
    let trimmed = |i: usize| record.get(i).map(|c| c.trim_ascii()).unwrap_or_default();
    if (0..record.len()).all(|i| trimmed(i).is_empty()) {
        return;
    }
    if let Some(extra) = (layout.width..record.len()).find(|&i| !trimmed(i).is_empty()) {
        let before = trimmed(extra - 1);
        let after = trimmed(extra);
        let digits = |b: &[u8]| !b.is_empty() && b.iter().all(u8::is_ascii_digit);
        let comma =
            digits(before.strip_prefix(b"-").unwrap_or(before)) && digits(after.strip_suffix(b"%").unwrap_or(after));
        let help = if comma {
            format!(
                "`{0},{1}` looks like a number with a decimal comma: write `{0}.{1}`",
                String::from_utf8_lossy(before),
                String::from_utf8_lossy(after)
            )
        } else {
            "remove the extra cells, or quote a cell that holds a comma (`\"a, b\"`)".to_owned()
        };
        let message = format!("this row has more cells than the header's {}", layout.width);
        problems.push(place(extra), message, help);
        return;
    }
    let Some(period_column) = layout.period else { return };
    let period_at = place(period_column);
    let period = match text_of(trimmed(period_column), period_at, "period", problems) {
        None => None,
        Some("") => {
            problems.push(
                period_at,
                "this row has no period".to_owned(),
                "write the period the row's values are for, e.g. `2026-01`".to_owned(),
            );
            None
        }
        Some(text) => match Period::parse(text) {
            Some(period) => Some(period),
            None => {
                problems.push(period_at, format!("`{}` is not a period", shown(text)), period_help(text));
                None
            }
        },
    };
    let mut recalculate = false;
    if let Some(limits) = layout.limits {
        let at = place(limits);
        match text_of(trimmed(limits), at, "limits", problems) {
            Some(text) if text.eq_ignore_ascii_case("recalculate") => recalculate = true,
            Some("") | None => {}
            Some(text) => {
                problems.push(
                    at,
                    format!("`{}` is not a `limits` value", shown(text)),
                    "write `recalculate` to compute new limits from this row on, or leave the cell empty".to_owned(),
                );
            }
        }
    }
    let Some(period) = period else { return };
    read.rows.push(Row { period, at: period_at, recalculate });
    for &column in &layout.kept {
        let at = place(column);
        let name = columns.get(column).map(String::as_str).unwrap_or_default();
        let text = text_of(trimmed(column), at, name, problems);
        let start = read.text.len() as u32;
        read.text.push_str(text.unwrap_or_default());
        read.cells.push(Cell { start, end: read.text.len() as u32, at, bad: text.is_none() });
    }
}

/// A cell's text, or `None` after reporting a byte that is not UTF-8 or a NUL byte
/// (at that byte).
fn text_of<'a>(bytes: &'a [u8], at: Position, column: &str, problems: &mut Problems) -> Option<&'a str> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let pos = byte_in_cell(at, bytes, e.valid_up_to());
            problems.push(
                pos,
                format!("this `{}` cell is not valid UTF-8", shown(column)),
                "save the file as UTF-8 (in a spreadsheet: CSV UTF-8)".to_owned(),
            );
            return None;
        }
    };
    if let Some(nul) = text.find('\0') {
        problems.push(
            byte_in_cell(at, bytes, nul),
            format!("this `{}` cell holds a NUL byte", shown(column)),
            "remove the NUL byte: a data file is text, one row per period".to_owned(),
        );
        return None;
    }
    Some(text)
}

/// The position of a byte inside a cell, assuming the cell is written as it reads
/// (unquoted, one line): exact for the cells where such bytes turn up, and never
/// outside the cell.
fn byte_in_cell(at: Position, bytes: &[u8], offset: usize) -> Position {
    let chars = bytes[..offset].iter().filter(|&&b| (b as i8) >= -0x40).count() as u32;
    let start = at.start.saturating_add(offset as u32).min(at.end);
    Position { line: at.line, column: at.column.saturating_add(chars), start, end: start.saturating_add(1) }
}

fn period_help(text: &str) -> String {
    let example = "write a year (`2027`), a quarter (`2027-Q1`), a month (`2027-03`) or a day (`2027-03-31`)";
    let normal = text.replace(['/', '.'], "-");
    if normal != text && Period::parse(&normal).is_some() {
        return format!("write `{normal}`: periods are written with `-`");
    }
    // `get`, not indexing: byte 4 may fall inside a character (`abcé-01`).
    let year = text.get(..4).and_then(Period::parse);
    if text.len() > 5 && year.is_some() && text.get(4..).is_some_and(|rest| rest.starts_with('-')) {
        return format!("`{}` is not a real date; {example}", shown(text));
    }
    example.to_owned()
}

/// Keeps the rows whose periods increase: the longest strictly increasing run of rows
/// (not necessarily adjacent), so that one mistyped period costs one problem. Each row
/// left out is reported: given twice, or out of order beside a kept neighbour.
fn keep_in_order(table: &mut Table, problems: &mut Problems) {
    let rows = &table.rows;
    let keys: Vec<(u16, u8, u8)> = rows.iter().map(|r| r.period.end()).collect();
    // Nearly every file is in order: one pass says so.
    if keys.windows(2).all(|w| w[0] < w[1]) {
        return;
    }
    let key = |i: usize| keys[i];
    // Scanning from the end for a strictly decreasing sequence keeps the earlier of
    // two equal periods, and so reports the later one.
    let mut tails: Vec<usize> = Vec::new();
    let mut before: Vec<usize> = vec![usize::MAX; rows.len()];
    for i in (0..rows.len()).rev() {
        let j = tails.partition_point(|&t| key(t) > key(i));
        if j > 0 {
            before[i] = tails[j - 1];
        }
        if j == tails.len() {
            tails.push(i);
        } else {
            tails[j] = i;
        }
    }
    let mut keep = vec![false; rows.len()];
    let mut next = tails.last().copied().unwrap_or(usize::MAX);
    while next != usize::MAX {
        keep[next] = true;
        next = before[next];
    }
    drop((tails, before));
    // The kept rows' periods increase, so each left-out row's neighbours are found by
    // binary search.
    let kept: Vec<usize> = (0..rows.len()).filter(|&i| keep[i]).collect();
    for i in (0..rows.len()).filter(|&i| !keep[i]) {
        let row = rows[i];
        let after = kept.partition_point(|&k| k < i);
        let equal = kept.partition_point(|&k| key(k) < key(i));
        let same = kept.get(equal).filter(|&&k| rows[k].period == row.period && k < i);
        let (message, help) = if let Some(&k) = same {
            (
                format!("the period `{}` is given twice (first on line {})", row.period, rows[k].at.line),
                "remove one of the two rows, or correct its period".to_owned(),
            )
        } else if let Some(&k) = kept[..after].last().filter(|&&k| key(k) >= key(i)) {
            (
                format!(
                    "the period `{}` is out of order: it follows `{}` (line {})",
                    row.period, rows[k].period, rows[k].at.line
                ),
                "sort the rows by period, or correct this period".to_owned(),
            )
        } else {
            let k = kept.get(after).copied().unwrap_or(i);
            (
                format!(
                    "the period `{}` is out of order: it precedes `{}` (line {})",
                    row.period, rows[k].period, rows[k].at.line
                ),
                "sort the rows by period, or correct this period".to_owned(),
            )
        };
        problems.push(row.at, message, help);
    }
    if kept.len() == table.rows.len() {
        return;
    }
    // Left-out rows' text stays in `text`: it is no more than the file held.
    let width = table.kept.len();
    let mut n = 0;
    table.rows.retain(|_| {
        n += 1;
        keep[n - 1]
    });
    let mut n = 0;
    table.cells.retain(|_| {
        n += 1;
        keep[(n - 1) / width.max(1)]
    });
}

/// The problems of one file, at most [`MAX_PROBLEMS`] of them plus a count of the rest.
#[derive(Default)]
pub(super) struct Problems {
    pub list: Vec<Problem>,
    left_out: usize,
    first_left_out: Position,
}

impl Problems {
    pub fn push(&mut self, at: Position, message: String, help: String) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(Problem { code: ProblemCode::InvalidData, at, message, help });
        } else {
            if self.left_out == 0 {
                self.first_left_out = at;
            }
            self.left_out += 1;
        }
    }

    pub fn finish(mut self) -> Vec<Problem> {
        self.list.sort_by_key(|p| p.at);
        if self.left_out > 0 {
            let n = self.left_out;
            self.list.push(Problem {
                code: ProblemCode::InvalidData,
                at: self.first_left_out,
                message: format!("{n} more problem{} in this data file", if n == 1 { "" } else { "s" }),
                help: "fix the problems above, then check again".to_owned(),
            });
        }
        self.list
    }
}

/// Lines and columns of the records read so far: the line the current record starts
/// on, counted through every record's bytes once. `\n`, `\r\n` and a lone `\r` each end
/// a line, as in `source::LineIndex` (the `csv` crate also ends a record at a lone `\r`).
#[derive(Default)]
struct Lines {
    /// Where the current record starts, and the line there (0-based).
    at: usize,
    line: usize,
    /// The last line start at or before `at`.
    line_start: usize,
}

/// The line breaks in `input[from..to]`: how many, and where the line after the last
/// one starts.
fn breaks(input: &[u8], from: usize, to: usize) -> (usize, Option<usize>) {
    let (mut count, mut last) = (0, None);
    for i in memchr::memchr2_iter(b'\n', b'\r', &input[from..to]) {
        let at = from + i;
        if input[at] == b'\r' && input.get(at + 1) == Some(&b'\n') {
            continue;
        }
        count += 1;
        last = Some(at + 1);
    }
    (count, last)
}

impl Lines {
    fn advance(&mut self, input: &[u8], to: usize) {
        let (count, last) = breaks(input, self.at, to);
        self.line += count;
        self.line_start = last.unwrap_or(self.line_start);
        self.at = to;
    }

    /// The position of bytes `start..end`, which lie in the current record.
    fn position(&self, input: &[u8], start: usize, end: usize) -> Position {
        let start = start.clamp(self.at, input.len());
        let (count, last) = breaks(input, self.at, start);
        let line_start = last.unwrap_or(self.line_start);
        let column = input[line_start..start].iter().filter(|&&b| (b as i8) >= -0x40).count();
        let sat = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Position {
            line: sat(self.line + count + 1),
            column: sat(column + 1),
            start: sat(start),
            end: sat(end.max(start)),
        }
    }
}

/// The byte ranges of a record's cells within its raw bytes, quotes included, as the
/// `csv` crate splits them (RFC 4180, with its leniency: a quote inside an unquoted
/// cell is text). Returns where an unclosed quote opens.
fn cell_spans(raw: &[u8], spans: &mut Vec<(usize, usize)>) -> Option<usize> {
    spans.clear();
    // The bytes before a record may hold the end of the line before it and blank lines.
    let mut i = raw.iter().position(|&b| b != b'\n' && b != b'\r').unwrap_or(raw.len());
    loop {
        let start = i;
        if raw.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match memchr::memchr(b'"', &raw[i..]) {
                    None => {
                        spans.push((start, raw.len()));
                        return Some(start);
                    }
                    Some(q) if raw.get(i + q + 1) == Some(&b'"') => i += q + 2,
                    Some(q) => {
                        i += q + 1;
                        break;
                    }
                }
            }
        }
        let end = raw[i..].iter().position(|&b| matches!(b, b',' | b'\n' | b'\r')).map_or(raw.len(), |n| i + n);
        spans.push((start, end));
        if raw.get(end) != Some(&b',') {
            return None;
        }
        i = end + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::{Position, Table, cell_spans, read_table, read_table_with};
    use crate::sema::period::Period;

    /// Each problem as `line:column message | help`.
    fn problems(table: &Table) -> Vec<String> {
        table.problems.iter().map(|p| format!("{}:{} {} | {}", p.at.line, p.at.column, p.message, p.help)).collect()
    }

    fn periods(table: &Table) -> Vec<String> {
        table.rows.iter().map(|r| format!("{}@{}", r.period, r.at.line)).collect()
    }

    #[test]
    fn reads_header_rows_and_kept_cells_with_positions() {
        let csv = "\u{feff}Period , Wait_Time,other,note\r\n2026-01,4.6,x,\"first, with a comma\"\r\n\r\n2026-02 , 5.1 ,y,\r\n";
        let table = read_table(csv.as_bytes(), &["wait_time"]);
        assert_eq!(problems(&table), Vec::<String>::new());
        assert_eq!(table.columns, ["Period", "Wait_Time", "other", "note"]);
        assert_eq!(periods(&table), ["2026-01@2", "2026-02@4"]);
        let value = table.value_column("wait_time").expect("own column");
        assert_eq!(value, 1);
        let cell = table.cell(1, value).expect("kept cell");
        assert_eq!(cell.text, "5.1");
        // The BOM is not text: line 4 `2026-02 , 5.1 ,y,` has the value cell at column 10,
        // bytes counted after the BOM.
        let at4 = csv.find("2026-02").expect("the row") - 3;
        assert_eq!(cell.at, Position { line: 4, column: 10, start: (at4 + 9) as u32, end: (at4 + 14) as u32 });
        assert_eq!(table.note(0), Some("first, with a comma"));
        assert_eq!(table.note(1), None);
        // `other` was not asked for, so it is not kept.
        assert!(table.cell(0, 2).is_none());
    }

    #[test]
    fn columns_are_in_unicode_scalar_values_and_quoted_newlines_count_as_lines() {
        let csv = "période,period,café\n\"a\nb\",2026,é4\n";
        let table = read_table(csv.as_bytes(), &["café"]);
        assert_eq!(problems(&table), Vec::<String>::new());
        let cell = table.cell(0, table.value_column("café").expect("own column")).expect("kept cell");
        // Line 2 holds `"a`, line 3 `b",2026,é4`: the cell starts at column 9 of line 3.
        assert_eq!((cell.at.line, cell.at.column, cell.text), (3, 9, "é4"));
        assert_eq!(table.rows[0].at.line, 3);
        assert_eq!(table.rows[0].at.column, 4);
    }

    #[test]
    fn a_period_with_a_character_across_its_fifth_byte_is_reported_not_a_panic() {
        // Found by the `export` fuzz target: the help sliced the text at byte 4, inside `é`.
        for period in ["abcé-01", "202é", "2026é-01-01"] {
            let csv = format!("period,value\n{period},4\n");
            let table = read_table(csv.as_bytes(), &["m"]);
            let got = problems(&table);
            assert_eq!(got.len(), 1, "{period}: {got:?}");
            assert!(got[0].starts_with(&format!("2:1 `{period}` is not a period")), "{period}: {got:?}");
        }
    }

    #[test]
    fn unreadable_files_say_why() {
        let cases: [(&[u8], &str); 6] = [
            (b"", "1:1 the data file is empty"),
            (b"\n\n", "1:1 the data file is empty"),
            (b"period,value\n", "1:1 the data file has a header but no rows"),
            (b"month,value\n2026-01,4\n", "1:1 the data file has no `period` column"),
            (
                b"period;value\n2026-01;4\n",
                "1:1 the data file has no `period` column | the header looks separated by `;`",
            ),
            (b"\xff\xfep\0e\0", "1:1 the data file is UTF-16, not UTF-8"),
        ];
        for (csv, expected) in cases {
            let table = read_table(csv, &["m"]);
            let got = problems(&table);
            assert_eq!(got.len(), 1, "{expected}: {got:?}");
            assert!(got[0].starts_with(expected), "{expected}: {got:?}");
            assert!(table.rows.is_empty());
        }
    }

    #[test]
    fn bad_cells_are_reported_where_they_are_and_the_rest_is_read() {
        let csv = b"period,value,limits\n2026-01,1,\n2026-13,2,\n,3,\n2026-03,4\xff5,\n2026-04,6\x007,\n2026-05,8,again\n2026/06,9,\n2026-07,10,Recalculate\n";
        let table = read_table(csv, &["m"]);
        assert_eq!(
            problems(&table),
            [
                "3:1 `2026-13` is not a period | `2026-13` is not a real date; write a year (`2027`), a quarter (`2027-Q1`), a month (`2027-03`) or a day (`2027-03-31`)",
                "4:1 this row has no period | write the period the row's values are for, e.g. `2026-01`",
                "5:10 this `value` cell is not valid UTF-8 | save the file as UTF-8 (in a spreadsheet: CSV UTF-8)",
                "6:10 this `value` cell holds a NUL byte | remove the NUL byte: a data file is text, one row per period",
                "7:11 `again` is not a `limits` value | write `recalculate` to compute new limits from this row on, or leave the cell empty",
                "8:1 `2026/06` is not a period | write `2026-06`: periods are written with `-`",
            ]
        );
        assert_eq!(periods(&table), ["2026-01@2", "2026-03@5", "2026-04@6", "2026-05@7", "2026-07@9"]);
        let value = table.value_column("m").expect("value column");
        assert!(table.cell(1, value).expect("kept cell").bad);
        assert!(table.rows[4].recalculate && !table.rows[3].recalculate);
    }

    #[test]
    fn one_mistyped_period_is_one_problem() {
        let csv = "period,value\n2026-01,1\n2062-02,2\n2026-03,3\n2026-04,4\n2026-04,5\n2026-02,6\n2026-05,7\n";
        let table = read_table(csv.as_bytes(), &["m"]);
        assert_eq!(
            problems(&table),
            [
                "3:1 the period `2062-02` is out of order: it precedes `2026-03` (line 4) | sort the rows by period, or correct this period",
                "6:1 the period `2026-04` is given twice (first on line 5) | remove one of the two rows, or correct its period",
                "7:1 the period `2026-02` is out of order: it follows `2026-04` (line 5) | sort the rows by period, or correct this period",
            ]
        );
        assert_eq!(periods(&table), ["2026-01@2", "2026-03@4", "2026-04@5", "2026-05@8"]);
        // Periods compare by the last day they cover: a quarter ending with its last month.
        let table = read_table(b"period,value\n2026-Q1,1\n2026-03,2\n2026-04-01,3\n", &["m"]);
        assert_eq!(
            table.rows.iter().map(|r| r.period).collect::<Vec<_>>(),
            [Period::Quarter(2026, 1), Period::Day(2026, 4, 1)]
        );
        assert_eq!(table.problems.len(), 1);
    }

    #[test]
    fn open_quotes_extra_cells_and_duplicate_columns() {
        let table = read_table(b"period,value\n2026-01,1\n2026-02,\"2\n2026-03,3\n", &["m"]);
        assert_eq!(
            problems(&table),
            [
                "3:9 a quote opened here is never closed | close the quoted cell with `\"` (a quote inside a quoted cell is written `\"\"`)"
            ]
        );
        assert_eq!(periods(&table), ["2026-01@2"]);

        let table = read_table(b"period,value\n2026-01,12,5\n2026-02,3,\n2026-03,4,x\n2026-04,-1,25%\n", &["m"]);
        assert_eq!(
            problems(&table),
            [
                "2:12 this row has more cells than the header's 2 | `12,5` looks like a number with a decimal comma: write `12.5`",
                "4:11 this row has more cells than the header's 2 | remove the extra cells, or quote a cell that holds a comma (`\"a, b\"`)",
                "5:12 this row has more cells than the header's 2 | `-1,25%` looks like a number with a decimal comma: write `-1.25%`",
            ]
        );
        assert_eq!(periods(&table), ["2026-02@3"]);

        let table = read_table(b"period,value,Value\n2026-01,1,2\n", &["m"]);
        assert_eq!(
            problems(&table),
            [
                "1:14 column `Value` appears twice in the header | rename or remove one of the two columns; the first is read"
            ]
        );
        assert_eq!(table.cell(0, table.value_column("m").expect("value column")).expect("kept cell").text, "1");
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        let table = read_table(b"period,value\r2026-01,1\r2026-02,x\r\n2026-03,3", &["m"]);
        assert_eq!(periods(&table), ["2026-01@2", "2026-02@3", "2026-03@4"]);
        let cell = table.cell(1, 1).expect("kept cell");
        assert_eq!((cell.at.line, cell.at.column, cell.at.start), (3, 9, 31));
    }

    #[test]
    fn a_missing_cell_is_placed_after_the_row() {
        let table = read_table(b"value,period\r\n4\r\n", &["m"]);
        let got = problems(&table);
        assert_eq!(got.len(), 1);
        assert!(got[0].starts_with("2:2 this row has no period"), "{got:?}");
    }

    #[test]
    fn problems_are_capped_per_file() {
        let mut csv = String::from("period,value\n");
        for i in 0..500 {
            csv.push_str(&format!("bad{i},1\n"));
        }
        let table = read_table(csv.as_bytes(), &["m"]);
        assert_eq!(table.problems.len(), super::MAX_PROBLEMS + 1);
        let last = table.problems.last().expect("problems");
        assert_eq!((last.at.line, last.message.as_str()), (102, "400 more problems in this data file"));
    }

    #[test]
    fn many_columns_keep_only_the_used_cells() {
        let mut header = String::from("period");
        let mut row = String::from("2026-01");
        for i in 0..10_000 {
            header.push_str(&format!(",c{i}"));
            row.push_str(&format!(",{i}"));
        }
        let csv = format!("{header}\n{row}\n");
        let table = read_table(csv.as_bytes(), &["c9999"]);
        assert!(table.problems.is_empty());
        assert_eq!(table.columns.len(), 10_001);
        let cell = table.cell(0, table.value_column("c9999").expect("own column")).expect("kept cell");
        assert_eq!(cell.text, "9999");
        assert_eq!(cell.at.column as usize, row.rfind(',').expect("a comma") + 2);
    }

    /// The thread's shared reader, pointed at one file after another, reads each as a
    /// reader of its own would: nothing of a file (a quote left open, a lone `\r`, a
    /// record cut off at the end) leaks into the next.
    #[test]
    fn the_shared_reader_reads_each_file_as_a_fresh_one() {
        let files: [&[u8]; 10] = [
            b"period,value\n2026-01,4.6\n2026-02,5\n",
            b"period,value\n2026-01,\"open\n2026-02,5\n",
            b"period,value\r2026-01,1\r2026-02,2",
            b"",
            b"period,value,note\n2026-01,1,\"a\nb\"\n2026-02,2,\"c,d\"\r\n",
            b"\xef\xbb\xbfperiod,value\n2026-01,12,5\n",
            b"period,value\n",
            b"period,value\n2026-02,1\n2026-01,2\n2026-03,\n2026-04,x\n",
            b"value\n1\n",
            b"period,value\n2026-01,1\n2026-02,2\n2026-03,3",
        ];
        let fresh: Vec<String> = files.iter().map(|f| format!("{:?}", read_table_with(f, &["m"], 0))).collect();
        for round in 0..2 {
            for (file, expected) in files.iter().zip(&fresh) {
                let shared = format!("{:?}", read_table_with(file, &["m"], usize::MAX));
                assert_eq!(&shared, expected, "round {round}: {:?}", String::from_utf8_lossy(file));
            }
        }
    }

    #[test]
    fn cell_spans_split_as_the_csv_crate_does() {
        let cases: [&[u8]; 7] =
            [b"a,b,c\n", b"\"a,\"\"b\",c\r\n", b"\r\n\n,,\n", b"a\"b,\"c\"d,e", b"\"x\ny\",z\n", b"one", b"\"open,x\n"];
        for raw in cases {
            let mut spans = Vec::new();
            let open = cell_spans(raw, &mut spans);
            let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(raw);
            let mut record = csv::ByteRecord::new();
            assert!(reader.read_byte_record(&mut record).expect("a record"));
            assert_eq!(spans.len(), record.len(), "{:?}", String::from_utf8_lossy(raw));
            assert_eq!(open.is_some(), raw.starts_with(b"\"open"));
            for (i, (s, e)) in spans.iter().enumerate() {
                let text = &raw[*s..*e];
                let unquoted = text.strip_prefix(b"\"").unwrap_or(text);
                assert!(
                    unquoted.starts_with(&record[i][..record[i].len().min(1)]),
                    "{:?} cell {i}",
                    String::from_utf8_lossy(raw)
                );
            }
        }
    }
}
