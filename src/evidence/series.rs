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
/// and no problem: the table has reported it. `id` must be one of the ids the table
/// was read with (only their columns are kept).
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
                series.points.push(Point {
                    period: row.period,
                    value,
                    percent,
                    at: cell.at,
                    period_at: row.at,
                    recalculate,
                });
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

/// Whether a period has the granularity a frequency asks for; its name; an example.
type Granularity = (fn(&Period) -> bool, &'static str, &'static str);

/// The granularity a frequency asks for.
fn granularity(frequency: &str) -> Option<Granularity> {
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
        help: format!(
            "write one row per {} (e.g. {example}), or change the measure's `frequency`",
            &kind[..kind.len() - 1]
        ),
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
    } else if lower.contains('e') && number.parse::<f64>().is_ok() {
        "write the number in full, without an exponent (`1200`, not `1.2e3`)".to_owned()
    } else if number.contains('.') && number.parse::<f64>().is_ok() {
        "write a digit on both sides of the point (`0.5`, `5.0`)".to_owned()
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

#[cfg(test)]
mod tests {
    use super::{parse_value, series};
    use crate::evidence::{ProblemCode, read_table};

    #[test]
    fn values_are_section_2_numbers() {
        assert_eq!(parse_value("42"), Ok((42.0, false)));
        assert_eq!(parse_value("-3.25"), Ok((-3.25, false)));
        assert_eq!(parse_value("31.5%"), Ok((31.5, true)));
        let zero = parse_value("-0").expect("a number").0;
        assert!(zero == 0.0 && zero.is_sign_positive(), "-0 reads as 0");
        let cases = [
            ("1e400", "`1e400` is not a number", "write the number in full, without an exponent (`1200`, not `1.2e3`)"),
            ("1e3", "`1e3` is not a number", "write the number in full, without an exponent (`1200`, not `1.2e3`)"),
            ("NaN", "`NaN` is not a number", "leave the cell empty when there is no value for the period"),
            ("-inf", "`-inf` is not a number", "leave the cell empty when there is no value for the period"),
            ("12,5", "`12,5` is not a number", "`12,5` has a decimal comma: write `12.5`"),
            ("1,234", "`1,234` is not a number", "write the number without thousands separators: `1234`"),
            ("+5", "`+5` is not a number", "write `5`, without `+`"),
            (".5", "`.5` is not a number", "write a digit on both sides of the point (`0.5`, `5.0`)"),
            ("$12", "`$12` is not a number", "write a number such as `42`, `-3` or `31.5%`, or leave the cell empty"),
        ];
        for (text, message, help) in cases {
            assert_eq!(parse_value(text), Err((message.to_owned(), help.to_owned())), "{text}");
        }
        let huge = format!("1{}", "0".repeat(400));
        assert_eq!(parse_value(&huge).expect_err("too large").1, "write a smaller number");
    }

    #[test]
    fn a_series_takes_its_own_column_else_value() {
        let csv = "period,value,wait,limits\n2026-01,1,10,\n2026-02,2,,recalculate\n2026-03,x,30,\n2026-04,4,40,\n";
        let table = read_table(csv.as_bytes(), &["wait", "other"]);
        assert!(table.problems.is_empty());
        let (wait, problems) = series(&table, "wait", Some("monthly"));
        assert!(problems.is_empty(), "{problems:?}");
        let values: Vec<(f64, bool)> = wait.points.iter().map(|p| (p.value, p.recalculate)).collect();
        // `recalculate` on a row without a `wait` value starts the segment at the next one.
        assert_eq!(values, [(10.0, false), (30.0, true), (40.0, false)]);
        assert_eq!(wait.points[1].at.line, 4);

        let (other, problems) = series(&table, "other", None);
        assert_eq!(other.points.iter().map(|p| p.value).collect::<Vec<_>>(), [1.0, 2.0, 4.0]);
        assert_eq!(problems.len(), 1);
        assert_eq!((problems[0].at.line, problems[0].at.column), (4, 9));
        assert_eq!(problems[0].message, "`x` is not a number");
    }

    #[test]
    fn missing_value_column_and_no_period_column() {
        let table = read_table(b"period,wait\n2026-01,1\n", &["queue"]);
        let (s, problems) = series(&table, "queue", None);
        assert!(s.points.is_empty());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].message, "the data file has no `queue` column and no `value` column");
        assert_eq!(problems[0].help, "add a column named `queue` (or `value`) with the measure's values");
        // The table reported the missing `period`: the series adds nothing.
        let table = read_table(b"month,queue\n2026-01,1\n", &["queue"]);
        assert_eq!(table.problems.len(), 1);
        assert_eq!(series(&table, "queue", None).1, []);
    }

    #[test]
    fn frequency_mismatch_is_one_problem_at_the_first_row() {
        let csv = "period,value\n2026-01,1\n2026-Q2,2\n2026-07,3\n2026-08-01,4\n2027,5\n";
        let table = read_table(csv.as_bytes(), &["m"]);
        let (_, problems) = series(&table, "m", Some("monthly"));
        assert_eq!(problems.len(), 1);
        let p = &problems[0];
        assert_eq!(p.code, ProblemCode::FrequencyMismatch);
        assert_eq!((p.at.line, p.at.column), (3, 1));
        assert_eq!(p.message, "the period `2026-Q2` is not one of the months a monthly measure has (and 2 more rows)");
        assert_eq!(p.help, "write one row per month (e.g. `2026-01`), or change the measure's `frequency`");
        let (_, problems) = series(&table, "m", None);
        assert!(problems.is_empty());
        let table = read_table(b"period,value\n2026-01-05,1\n2026-01-12,2\n", &["m"]);
        assert!(series(&table, "m", Some("weekly")).1.is_empty());
        assert_eq!(series(&table, "m", Some("quarterly")).1.len(), 1);
    }
}
