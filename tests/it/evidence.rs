//! Measure data against an independent XmR implementation (statprocon, in the Python
//! test environment), and the data-file reader on hostile input.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;
use strata::evidence::xmr::{Chart, XmrSettings, chart};
use strata::evidence::{Point, Position, Series, read_table, series};
use strata::sema::period::Period;

use crate::common::root;

/// A small deterministic generator (xorshift64*), so that every run sees the same series.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> i64 {
        (self.next() % n) as i64
    }
}

/// Random integer series of the shapes that exercise the rules: few distinct values
/// (many values on the central line), a level shift part way (runs, values beyond the
/// limits), a drift, limit points paired around 1 so that the central line is a value,
/// and short series. `k` is the number of limit points the series will have (at most).
fn random_series(rng: &mut Rng, k: usize) -> Vec<i64> {
    let n = match rng.below(10) {
        0 => rng.below(5),
        _ => 5 + rng.below(36),
    } as usize;
    let kind = rng.below(5);
    let shift_at = rng.below(n.max(1) as u64) as usize;
    let shift = rng.below(41) - 20;
    let mut values: Vec<i64> = (0..n)
        .map(|i| match kind {
            0 => rng.below(5),
            1 => rng.below(21) + if i >= shift_at { shift } else { 0 },
            2 => rng.below(11) + i as i64 / 3,
            3 => rng.below(3) * 10 + if i >= shift_at { shift / 4 } else { 0 },
            _ => rng.below(3) + if i >= shift_at && shift > 10 { 2 } else { 0 },
        })
        .collect();
    let k = k.min(n);
    if kind == 4 {
        for pair in 0..k / 2 {
            let e = rng.below(3);
            values[2 * pair] = 1 + e;
            values[2 * pair + 1] = 1 - e;
        }
        if k % 2 == 1 {
            values[k - 1] = 1;
        }
    }
    values
}

fn monthly(values: &[i64]) -> Series {
    let points = values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let period = Period::Month(2000 + (i / 12) as u16, (i % 12) as u8 + 1);
            let at = Position { line: i as u32 + 2, column: 1, start: 0, end: 0 };
            Point { period, value: v as f64, percent: false, at, period_at: at, recalculate: false }
        })
        .collect();
    Series { points }
}

/// The Python that has statprocon: the test environment's (scripts/test creates it),
/// else `python3` on the path.
fn python() -> PathBuf {
    let venv = root().join("target/test-env/venv/bin/python");
    if venv.exists() { venv } else { PathBuf::from("python3") }
}

/// Runs tests/tools/xmr_reference.py on the series; `None` (skip) when statprocon is not
/// installed, except on CI, where scripts/test installs it.
fn statprocon(input: &Value) -> Option<Vec<Value>> {
    let mut child = Command::new(python())
        .arg(root().join("tests/tools/xmr_reference.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("python3 is needed for this test (run scripts/test): {e}"));
    if let Some(mut pipe) = child.stdin.take() {
        let _ = pipe.write_all(input.to_string().as_bytes());
    }
    let output = child.wait_with_output().unwrap_or_else(|e| panic!("python failed to run: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(3) && std::env::var_os("CI").is_none() {
        eprintln!("skipped: {stderr}run scripts/test, which installs it from tests/requirements.txt");
        return None;
    }
    assert!(output.status.success(), "xmr_reference.py failed:\n{stderr}");
    let value: Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("bad JSON from statprocon: {e}"));
    Some(value.as_array().cloned().unwrap_or_default())
}

/// An exact fraction from the reference, as (numerator, denominator).
fn fraction(v: &Value) -> (i128, i128) {
    let pair = v.as_array().unwrap_or_else(|| panic!("not a fraction: {v}"));
    let n = |i: usize| pair[i].as_i64().map(i128::from).unwrap_or_else(|| panic!("not a fraction: {v}"));
    (n(0), n(1))
}

/// statprocon rounds its limits to 3 places, so where a value lies within 0.002 of a
/// limit or halfway line (or exactly on one that 3 places cannot write) its rules 1 and
/// 3 judge a different line from the spec's; those series are not compared on them.
fn near_a_line(values: &[i64], exact: &Value) -> bool {
    ["unpl", "lnpl", "upper_halfway", "lower_halfway"].iter().any(|name| {
        let (num, den) = fraction(&exact[name]);
        values.iter().any(|&x| {
            let gap = (i128::from(x) * den - num).abs();
            (gap > 0 && gap * 1000 < 2 * den) || (gap == 0 && (num * 1000) % den != 0)
        })
    })
}

fn close(mine: f64, theirs: &Value, tolerance: f64) -> bool {
    let theirs: f64 = theirs.as_str().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN);
    (mine - theirs).abs() <= tolerance
}

#[test]
fn xmr_agrees_with_statprocon_on_random_series() {
    let mut rng = Rng(0x5eed_0018);
    let cases: Vec<(Vec<i64>, usize)> = (0..800)
        .map(|_| 5 + rng.below(21) as usize)
        .collect::<Vec<_>>()
        .into_iter()
        .map(|k| (random_series(&mut rng, k), k))
        .collect();
    let mut charts: Vec<Chart> = Vec::new();
    let mut asked = Vec::new();
    for (values, baseline_points) in &cases {
        let settings = XmrSettings { run_length: 8, baseline_points: *baseline_points };
        let c = chart(&monthly(values), &settings, None);
        if values.len() < 5 {
            // Too short for limits: nothing to ask statprocon.
            assert!(c.segments.iter().all(|s| s.limits.is_none()), "{values:?}");
            assert!(c.points.iter().all(|p| p.marks == Default::default()) && c.signals.is_empty(), "{values:?}");
        } else {
            asked.push(serde_json::json!({ "values": values, "limit_points": values.len().min(*baseline_points) }));
        }
        charts.push(c);
    }
    let Some(reference) = statprocon(&Value::Array(asked)) else { return };
    let long: Vec<(&(Vec<i64>, usize), &Chart)> = cases.iter().zip(&charts).filter(|(c, _)| c.0.len() >= 5).collect();
    assert_eq!(reference.len(), long.len());
    let (mut judged, mut ties, mut marked) = (0, 0, [0usize; 3]);
    for (((values, _), chart), theirs) in long.into_iter().zip(&reference) {
        let limits = chart.segments[0].limits.unwrap_or_else(|| panic!("no limits for {values:?}"));
        let exact = &theirs["exact"];
        for (name, mine) in [
            ("central_line", limits.central_line),
            ("mean_moving_range", limits.mean_moving_range),
            ("unpl", limits.unpl),
            ("lnpl", limits.lnpl),
            ("url", limits.url),
        ] {
            // The formulas, exactly (up to floating point), and statprocon's rounding.
            let (num, den) = fraction(&exact[name]);
            let formula = num as f64 / den as f64;
            assert!(
                (mine - formula).abs() <= 1e-9 * (1.0 + formula.abs()),
                "{name} of {values:?}: {mine} vs {formula}"
            );
            assert!(close(mine, &theirs[name], 0.003), "{name} of {values:?}: {mine} vs statprocon {}", theirs[name]);
        }
        let column = |rule: &str| -> Vec<bool> {
            theirs[rule].as_array().map(|a| a.iter().map(|b| b.as_bool() == Some(true)).collect()).unwrap_or_default()
        };
        let long_run: Vec<bool> = chart.points.iter().map(|p| p.marks.long_run.is_some()).collect();
        assert_eq!(long_run, column("rule2"), "long-run of {values:?}");
        let (cl_num, cl_den) = fraction(&exact["central_line"]);
        ties += usize::from(values.iter().any(|&x| i128::from(x) * cl_den == cl_num));
        if !near_a_line(values, exact) {
            judged += 1;
            let outside: Vec<bool> = chart.points.iter().map(|p| p.marks.outside_limits.is_some()).collect();
            let short: Vec<bool> =
                chart.points.iter().map(|p| p.marks.short_run_upper || p.marks.short_run_lower).collect();
            assert_eq!(outside, column("rule1"), "outside-limits of {values:?}");
            assert_eq!(short, column("rule3"), "short-run of {values:?}");
        }
        for (count, rule) in marked.iter_mut().zip(["rule1", "rule2", "rule3"]) {
            *count += usize::from(column(rule).contains(&true));
        }
    }
    // The comparison must have had something to compare.
    eprintln!("judged {judged} of {}, ties {ties}, marked {marked:?}", reference.len());
    assert!(judged >= reference.len() * 8 / 10, "only {judged} of {} series judged on rules 1 and 3", reference.len());
    assert!(ties >= 100, "only {ties} series with a value on the central line");
    assert!(marked.iter().all(|&n| n >= 50), "series marked by each rule: {marked:?}");
}

#[test]
fn hostile_data_files_are_problems_not_crashes() {
    // A quote left open at the start swallows the file: one problem, at the quote.
    let mut open = String::from("period,value\n\"2026-01,1\n");
    for i in 0..50_000 {
        open.push_str(&format!("{}-{:02},{i}\n", 2030 + i / 12, i % 12 + 1));
    }
    let table = read_table(open.as_bytes(), &["m"]);
    let at: Vec<(u32, u32)> = table.problems.iter().map(|p| (p.at.line, p.at.column)).collect();
    assert_eq!(at, [(2, 1)]);

    // 5 MB of rows that are all wrong: the problems stay few, every row is looked at.
    let mut garbage = String::from("period,value\n");
    while garbage.len() < 5_000_000 {
        garbage.push_str("not a period,\u{0}\u{202e}12,5\n");
    }
    let table = read_table(garbage.as_bytes(), &["m"]);
    assert_eq!(table.problems.len(), strata::evidence::MAX_PROBLEMS + 1);
    assert!(table.rows.is_empty());

    // A file in reverse order: the first row is kept, every other reported (up to the
    // cap), in time linear in the rows (a quadratic search would take minutes here).
    let mut reversed = String::from("period,value\n");
    for day in (0..200_000u32).rev() {
        reversed.push_str(&format!("{}-{:02}-{:02},1\n", 1000 + day / 336, (day % 336) / 28 + 1, day % 28 + 1));
    }
    let table = read_table(reversed.as_bytes(), &["m"]);
    assert_eq!(table.rows.len(), 1);
    assert_eq!(table.problems.len(), strata::evidence::MAX_PROBLEMS + 1);
    assert_eq!(table.problems[0].message, "the period `1595-03-23` is out of order: it follows `1595-03-24` (line 2)");

    // A long valid file: every row read, in order.
    let mut long = String::from("period,value\n");
    for day in 0..100_000u32 {
        let (y, d) = (1800 + day / 365, day % 365);
        let (m, dd) = (d / 28 + 1, d % 28 + 1);
        if m <= 12 {
            long.push_str(&format!("{y}-{m:02}-{dd:02},{day}.5\n"));
        }
    }
    let table = read_table(long.as_bytes(), &["m"]);
    assert!(table.problems.is_empty(), "{:?}", &table.problems[..1]);
    let (s, problems) = series(&table, "m", Some("daily"));
    assert!(problems.is_empty());
    assert_eq!(s.points.len(), table.rows.len());
    assert!(s.points.windows(2).all(|w| w[0].period.end() < w[1].period.end()));
}
