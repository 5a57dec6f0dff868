//! Measure data (spec §9): CSV bytes -> a table -> one measure's series -> its XmR chart; pure.
//!
//! The stage does no IO: the edge reads each data file once and hands its bytes here.
//! Three steps, each a plain function over plain data:
//!
//! ```text
//! bytes ──read_table(bytes, ids)──▶ Table ──series(&table, id, frequency)──▶ Series ──xmr::chart──▶ Chart
//!            │                                   │
//!            └── problems of the file            └── problems of one measure's column
//! ```
//!
//! - [`read_table`] reads the header and the rows (RFC 4180 through the `csv` crate),
//!   keeps only the cells Strata uses (`period`, `limits`, `note` and the value columns
//!   of the measures `ids` that read the file), checks the periods (real dates, strictly
//!   increasing) and reports what is wrong as [`Problem`]s. A file shared by several
//!   measures is read once, with all their ids.
//! - [`series`] picks one measure's value column (its id, else `value`), parses the
//!   values and checks their granularity against the measure's `frequency`. Its problems
//!   depend only on the table and the column (and the frequency for
//!   `data-frequency-mismatch`), so measures that fall back to the same `value` column
//!   give the same problems: the wiring reports them once per column.
//! - [`xmr::chart`] computes the segments, limits, per-point marks and signals of
//!   §9.2; [`xmr::XmrSettings`] holds `[xmr]` from `strata.toml`, with a validator.
//!
//! Every problem carries the position of the offending cell ([`Position`]: 1-based
//! line and column in Unicode scalar values, and the byte range in the file after a
//! UTF-8 byte-order mark), a lowercase message and an imperative help, and the code it
//! is reported under ([`ProblemCode`]); the wiring turns it into a `Diagnostic` whose
//! file is the CSV file.
//!
//! Decisions where §9 is silent (each tested in the submodules):
//! - cells are trimmed of spaces and tabs before they are read; `limits` accepts
//!   `recalculate` in any case; a row whose cells are all empty is skipped; a file with
//!   a header and no rows is `invalid-data` (at the header); so is a UTF-16 file;
//! - a column name Strata reads that the header gives twice is reported and the first
//!   is read; a measure whose id is `period`, `note` or `limits` reads `value`;
//! - a cell that is not UTF-8 or holds a NUL byte is reported once, by the table, at
//!   that byte, and then reads as empty (so no measure reports it again);
//! - periods are ordered by the last day they cover (as `target-before-baseline`
//!   compares them); when rows are out of order, the fewest rows that leave the rest
//!   strictly increasing are reported and dropped (a longest increasing subsequence,
//!   keeping the earlier row of two equal periods), so one mistyped period gives one
//!   problem;
//! - `-0` is the number 0; a number too large for a double is reported;
//! - a row with more non-empty cells than the header has is reported and skipped (a
//!   decimal comma `12,5` outside quotes makes one, and the help says so); a row with
//!   fewer cells than the header has reads the missing ones as empty;
//! - `data-frequency-mismatch` counts the measure's values (rows with a value in its
//!   column), and points at the first one's period cell;
//! - `recalculate` on a row without a value for the measure starts the new segment at
//!   the measure's next value; on its first value it changes nothing;
//! - a segment under 5 values has no central line either (all five numbers `None`);
//! - a value within 1e-9 × (|CL| + mR̄) of a line is on it (neither beyond a limit or
//!   halfway line nor on a side of CL), so that a value written as its limit is not
//!   "strictly beyond" it by a binary rounding error (`xmr.rs`);
//! - `[xmr]` accepts whole numbers from 5 to 1000 for both settings
//!   ([`xmr::RUN_LENGTH`], [`xmr::BASELINE_POINTS`]);
//! - a signal is a stretch of consecutive *marked* points, as §7.3 says, so a value on
//!   the central line inside a long run (never marked) splits its signal in two;
//! - at most [`MAX_PROBLEMS`] problems are kept per file (and per column), then one
//!   more says how many were left out, so a 200 MB file of garbage stays a short report.

mod series;
mod table;
mod wiring;
pub mod xmr;

pub use series::{Point, Series, series};
pub use table::{CellRef, Row, Table, read_table};
pub use wiring::{Evidence, FileResults, MeasureData, analyze, analyze_files};

/// Where a problem is: the 1-based line and column (in Unicode scalar values, as the
/// CLI shows columns) of the start of the cell, and the cell's byte range in the file
/// (after a UTF-8 byte-order mark, which is not part of the text).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: u32,
    pub column: u32,
    pub start: u32,
    pub end: u32,
}

/// The code a problem is reported under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemCode {
    /// `invalid-data` (§4): the file does not follow §9.1.
    InvalidData,
    /// `data-frequency-mismatch` (§5): periods of another granularity than `frequency`.
    FrequencyMismatch,
}

/// A problem with a data file, at a cell.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub code: ProblemCode,
    pub at: Position,
    pub message: String,
    pub help: String,
}

/// The most problems kept for one file (and one column); one more problem then says
/// how many were left out.
pub const MAX_PROBLEMS: usize = 100;

/// A cell's text for a message: control and bidirectional-formatting characters
/// escaped, backticks replaced, long text cut, so that a message is one clean line.
fn shown(text: &str) -> String {
    const LONGEST: usize = 40;
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == LONGEST {
            out.push('…');
            break;
        }
        match c {
            '`' => out.push('\''),
            c if c.is_control()
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') =>
            {
                out.extend(c.escape_default())
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn shown_text_is_one_clean_line() {
        assert_eq!(shown("12,5"), "12,5");
        assert_eq!(shown("a\nb\0c`d\u{202e}"), "a\\nb\\u{0}c'd\\u{202e}");
        assert_eq!(shown(&"x".repeat(50)), format!("{}…", "x".repeat(40)));
    }
}
