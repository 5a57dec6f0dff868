//! One measure's values from a table (§9.1): the value column, numbers, and the
//! granularity its `frequency` asks for.

use super::table::{Problems, Table};
use super::{Position, Problem, ProblemCode, shown};
use crate::sema::period::Period;

/// A measure's values in period order: the rows with a value in its column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub points: Vec<Point>,
}

/// One value of a measure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub period: Period,
    pub value: f64,
    /// Written with `%`.
    pub percent: bool,
    /// The value cell; `at.line` is the CSV line of the row.
    pub at: Position,
    /// The period cell.
    pub period_at: Position,
    /// A new segment starts at this point (a `recalculate` row, or the first value after
    /// one without a value of this measure). Meaningless on the first point.
    pub recalculate: bool,
}

/// The values of measure `id` in `table`, whose `frequency` (`daily`, …, `yearly`;
/// `None` or another word: no check) sets the granularity its periods should have.
/// Problems: `invalid-data` for each value that is not a number (the row is skipped) or
/// a missing value column, and one `data-frequency-mismatch` at the first point of
/// another granularity, with the count. A table without a `period` column gives nothing,
/// and no problem: the table has reported it.
pub fn series(table: &Table, id: &str, frequency: Option<&str>) -> (Series, Vec<Problem>) {
    let mut problems = Problems::default();
    let mut series = Series::default();
    if table.period_column.is_none() {
        return (series, Vec::new());
    }
    let Some(column) = table.value_column(id) else {
        let at = table.header.first().copied().unwrap_or_default();
        problems.push(
            at,
            format!("the data file has no `{}` column and no `value` column", shown(id)),
            format!("add a column named `{}` (or `value`) with the measure's values", shown(id)),
        );
        return (series, problems.finish());
    };
    let mut recalculate = false;
    for (i, row) in table.rows.iter().enumerate() {
        recalculate |= row.recalculate;
        let Some(cell) = table.cell(i, column) else {
            // The column was not asked for when the table was read: a caller's mistake,
            // which the tests of the wiring catch; read it as no values.
            debug_assert!(false, "column `{id}` was not asked for in read_table");
            break;
        };
        if cell.bad || cell.text.is_empty() {
            continue;
        }
        match parse_value(cell.text) {
            Ok((value, percent)) => {
                series.points.push(Point { period: row.period, value, percent, at: cell.at, period_at: row.at, recalculate });
                recalculate = false;
            }
            Err((message, help)) => problems.push(cell.at, message, help),
        }
    }
    let mut problems = problems.finish();
    if let Some(mismatch) = frequency_mismatch(&series, frequency) {
        problems.push(mismatch);
    }
    (series, problems)
}

/// The granularity a frequency asks for, as a period of that kind.
fn granularity(frequency: &str) -> Option<(fn(&Period) -> bool, &'static str, &'static str)> {
    Some(match frequency {
        "yearly" => (|p| matches!(p, Period::Year(..)), "years", "`2026`"),
        "quarterly" => (|p| matches!(p, Period::Quarter(..)), "quarters", "`2026-Q1`"),
        "monthly" => (|p| matches!(p, Period::Month(..)), "months", "`2026-01`"),
        "weekly" | "daily" => (|p| matches!(p, Period::Day(..)), "days", "`2026-01-31`"),
        _ => return None,
    })
}

fn frequency_mismatch(series: &Series, frequency: Option<&str>) -> Option<Problem> {
    let frequency = frequency?;
    let (fits, kind, example) = granularity(frequency)?;
    let mut odd = series.points.iter().filter(|p| !fits(&p.period));
    let first = odd.next()?;
    let count = 1 + odd.count();
    let others = match count {
        1 => String::new(),
        2 => " (and 1 more row)".to_owned(),
        n => format!(" (and {} more rows)", n - 1),
    };
    // The period cell, not the value: the period is what has the wrong granularity.
    let at = first.period_at;
    Some(Problem {
        code: ProblemCode::FrequencyMismatch,
        at,
        message: format!("the period `{}` is not one of the {kind} a {frequency} measure has{others}", first.period),
        help: format!("write one row per {} (e.g. {example}), or change the measure's `frequency`", &kind[..kind.len() - 1]),
    })
}

/// A value cell (§2 number, optionally followed by `%`): the value and whether it is a
/// percentage, or the message and help for what it is instead. `-0` is 0.
pub fn parse_value(text: &str) -> Result<(f64, bool), (String, String)> {
    let (number, percent) = match text.strip_suffix('%') {
        Some(number) => (number.trim_end(), true),
        None => (text, false),
    };
    if is_number(number) {
        // The grammar allows any number of digits; a double does not.
        let value: f64 = number.parse().unwrap_or(f64::INFINITY);
        if !value.is_finite() {
            return Err((format!("`{}` is too large a number", shown(text)), "write a smaller number".to_owned()));
        }
        return Ok((value + 0.0, percent));
    }
    let message = format!("`{}` is not a number", shown(text));
    let lower = number.to_ascii_lowercase();
    let help = if let Some((whole, part)) = number.split_once(',')
        && is_number(whole)
        && !part.is_empty()
        && part.bytes().all(|b| b.is_ascii_digit())
        && part.len() != 3
    {
        format!("`{}` has a decimal comma: write `{whole}.{part}`", shown(text))
    } else if number.contains(',') && is_number(&number.replace(',', "")) {
        format!("write the number without thousands separators: `{}`", number.replace(',', ""))
    } else if matches!(lower.trim_start_matches(['-', '+']), "nan" | "inf" | "infinity" | "n/a" | "na" | "-") {
        "leave the cell empty when there is no value for the period".to_owned()
    } else if let Some(rest) = number.strip_prefix('+')
        && is_number(rest)
    {
        format!("write `{rest}`, without `+`")
    } else if number.parse::<f64>().is_ok_and(f64::is_finite) && (lower.contains('e') || number.contains('.')) {
        if lower.contains('e') {
            "write the number in full, without an exponent (`1200`, not `1.2e3`)".to_owned()
        } else {
            "write a digit on both sides of the point (`0.5`, `5.0`)".to_owned()
        }
    } else {
        "write a number such as `42`, `-3` or `31.5%`, or leave the cell empty".to_owned()
    };
    Err((message, help))
}

/// `-?[0-9]+(\.[0-9]+)?`, the number of §2.
fn is_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, part) = match digits.split_once('.') {
        Some((whole, part)) => (whole, Some(part)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && part.is_none_or(all_digits)
}
