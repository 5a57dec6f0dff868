//! XmR charts (§9.2): segments, limit points, central line, average moving range,
//! natural process limits, and the three detection rules with per-point marks and
//! maximal signals.
//!
//! Lines are compared with a margin of 1e-9 × (|CL| + mR̄): a value that equals a line
//! in decimal (as the data file writes it) can differ from it in binary floating point
//! by a rounding error, and "strictly beyond" must not depend on that. So a value on a
//! line, as written, is on it: not beyond a limit or halfway line, and on neither side
//! of the central line.

use super::Series;
use crate::sema::model::Direction;
use crate::sema::period::Period;

/// Wheeler's scaling factor from the average moving range to the natural process limits.
pub const LIMIT_FACTOR: f64 = 2.66;
/// Wheeler's scaling factor from the average moving range to the upper range limit.
pub const RANGE_FACTOR: f64 = 3.268;
/// A segment needs this many values for limits.
pub const MIN_VALUES: usize = 5;

/// The `[xmr]` settings of `strata.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct XmrSettings {
    /// `run-length`: successive values on one side of the central line that make a long run.
    pub run_length: usize,
    /// `baseline-points`: the limits of a segment come from its first N values.
    pub baseline_points: usize,
}

impl Default for XmrSettings {
    fn default() -> XmrSettings {
        XmrSettings { run_length: 8, baseline_points: 20 }
    }
}

/// The values each setting accepts. A run shorter than 5 is routine (four values on
/// one side of the line happen one time in eight by chance alone), and limits from fewer
/// than 5 values are what §9.2 refuses a segment; the upper bounds only keep typos out.
pub const RUN_LENGTH: std::ops::RangeInclusive<i64> = 5..=1000;
pub const BASELINE_POINTS: std::ops::RangeInclusive<i64> = 5..=1000;

/// Why an `[xmr]` setting was refused: the `invalid-config` message and help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingError {
    pub message: String,
    pub help: String,
}

impl XmrSettings {
    /// The keys of `[xmr]`.
    pub const KEYS: [&'static str; 2] = ["run-length", "baseline-points"];

    /// Sets `key` of `[xmr]` to `value` (`None`: the TOML value is not an integer), or
    /// says what is wrong, for `invalid-config`.
    pub fn set(&mut self, key: &str, value: Option<i64>) -> Result<(), SettingError> {
        let (slot, range, what) = match key {
            "run-length" => (&mut self.run_length, RUN_LENGTH, "successive values on one side of the central line"),
            "baseline-points" => (&mut self.baseline_points, BASELINE_POINTS, "values to base the limits on"),
            _ => {
                return Err(SettingError {
                    message: format!("`[xmr]` has no setting `{}`", super::shown(key)),
                    help: "use `run-length` or `baseline-points`".to_owned(),
                });
            }
        };
        let (low, high) = (*range.start(), *range.end());
        match value {
            Some(n) if range.contains(&n) => {
                *slot = usize::try_from(n).unwrap_or(*slot);
                Ok(())
            }
            Some(n) => Err(SettingError {
                message: format!("`{key}` is {n}, outside {low} to {high}"),
                help: format!("set `{key}` to a whole number of {what} from {low} to {high}"),
            }),
            None => Err(SettingError {
                message: format!("`{key}` must be a whole number"),
                help: format!("set `{key}` to a whole number of {what} from {low} to {high}"),
            }),
        }
    }
}

/// A detection rule, in the order a point's marks are listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    OutsideLimits,
    LongRun,
    ShortRun,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::OutsideLimits => "outside-limits",
            Rule::LongRun => "long-run",
            Rule::ShortRun => "short-run",
        }
    }
}

/// Which side of the central line a signal is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    Upper,
    Lower,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Upper => "upper",
            Side::Lower => "lower",
        }
    }
}

/// What a signal means given the measure's `direction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sense {
    Improvement,
    Deterioration,
}

impl Sense {
    pub fn as_str(self) -> &'static str {
        match self {
            Sense::Improvement => "improvement",
            Sense::Deterioration => "deterioration",
        }
    }
}

/// The rules that mark a point, each with its side. A point can be in a short run above
/// and one below (the fourth value of one window and the first of the next).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    pub outside_limits: Option<Side>,
    pub long_run: Option<Side>,
    pub short_run_upper: bool,
    pub short_run_lower: bool,
}

impl Marks {
    /// The rules marking the point, in the order `outside-limits`, `long-run`, `short-run`.
    pub fn rules(&self) -> impl Iterator<Item = Rule> + use<> {
        [
            self.outside_limits.map(|_| Rule::OutsideLimits),
            self.long_run.map(|_| Rule::LongRun),
            (self.short_run_upper || self.short_run_lower).then_some(Rule::ShortRun),
        ]
        .into_iter()
        .flatten()
    }

    /// Whether `rule` marks the point on `side`.
    pub fn has(&self, rule: Rule, side: Side) -> bool {
        match rule {
            Rule::OutsideLimits => self.outside_limits == Some(side),
            Rule::LongRun => self.long_run == Some(side),
            Rule::ShortRun => match side {
                Side::Upper => self.short_run_upper,
                Side::Lower => self.short_run_lower,
            },
        }
    }
}

/// A point of the chart: a value of the series and the rules that mark it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChartPoint {
    pub period: Period,
    pub value: f64,
    /// The CSV line of the value.
    pub line: u32,
    pub marks: Marks,
}

/// A segment's limits (§9.2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    pub central_line: f64,
    pub mean_moving_range: f64,
    pub unpl: f64,
    pub lnpl: f64,
    pub url: f64,
}

impl Limits {
    /// The limits from a segment's limit points (at least 2 values).
    pub fn of(limit_points: &[f64]) -> Limits {
        let k = limit_points.len() as f64;
        let central_line = limit_points.iter().sum::<f64>() / k;
        let ranges: f64 = limit_points.windows(2).map(|w| (w[1] - w[0]).abs()).sum();
        let mean_moving_range = ranges / (k - 1.0);
        Limits {
            central_line,
            mean_moving_range,
            unpl: central_line + LIMIT_FACTOR * mean_moving_range,
            lnpl: central_line - LIMIT_FACTOR * mean_moving_range,
            url: RANGE_FACTOR * mean_moving_range,
        }
    }

    /// Where `value` lies: above or below `line`, or on it (within the margin).
    fn side(&self, value: f64, line: f64) -> Option<Side> {
        let margin = 1e-9 * (self.central_line.abs() + self.mean_moving_range);
        if value > line + margin {
            Some(Side::Upper)
        } else if value < line - margin {
            Some(Side::Lower)
        } else {
            None
        }
    }

    fn upper_halfway(&self) -> f64 {
        self.central_line + (self.unpl - self.central_line) / 2.0
    }

    fn lower_halfway(&self) -> f64 {
        self.central_line - (self.central_line - self.lnpl) / 2.0
    }
}

/// A stretch of a series with its own limits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    /// The first and last point (indices into `Chart::points`, inclusive).
    pub from: usize,
    pub to: usize,
    /// How many of its first values the limits come from: `min(n, baseline-points)`.
    pub limit_points: usize,
    /// `None` under [`MIN_VALUES`] values: no limits, no marks.
    pub limits: Option<Limits>,
}

/// A maximal stretch of consecutive points of one segment marked by one rule on one side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signal {
    pub rule: Rule,
    /// The first and last point (indices into `Chart::points`, inclusive).
    pub from: usize,
    pub to: usize,
    pub side: Side,
    /// `None` when the measure has no `direction`.
    pub sense: Option<Sense>,
}

/// An XmR chart, shaped as the `data` object of the JSON export (§7.3).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Chart {
    pub points: Vec<ChartPoint>,
    pub segments: Vec<Segment>,
    /// In the order of their first point, then rule, then side.
    pub signals: Vec<Signal>,
}

/// The chart of a series: a segment from the first point and from each point that
/// starts a new one, each judged against its own limits.
pub fn chart(series: &Series, settings: &XmrSettings, direction: Option<Direction>) -> Chart {
    let mut points: Vec<ChartPoint> = series
        .points
        .iter()
        .map(|p| ChartPoint { period: p.period, value: p.value, line: p.at.line, marks: Marks::default() })
        .collect();
    let values: Vec<f64> = points.iter().map(|p| p.value).collect();
    let mut segments = Vec::new();
    let mut from = 0;
    for i in 1..=values.len() {
        if i == values.len() || series.points[i].recalculate {
            segments.push(segment(&values, from, i - 1, settings, &mut points));
            from = i;
        }
    }
    let mut signals = Vec::new();
    for s in &segments {
        for rule in [Rule::OutsideLimits, Rule::LongRun, Rule::ShortRun] {
            for side in [Side::Upper, Side::Lower] {
                let mut i = s.from;
                while i <= s.to {
                    if !points[i].marks.has(rule, side) {
                        i += 1;
                        continue;
                    }
                    let start = i;
                    while i < s.to && points[i + 1].marks.has(rule, side) {
                        i += 1;
                    }
                    signals.push(Signal { rule, from: start, to: i, side, sense: sense(side, direction) });
                    i += 1;
                }
            }
        }
    }
    signals.sort_by_key(|s| (s.from, s.rule, s.side));
    Chart { points, segments, signals }
}

fn sense(side: Side, direction: Option<Direction>) -> Option<Sense> {
    Some(match (side, direction?) {
        (Side::Upper, Direction::Up) | (Side::Lower, Direction::Down) => Sense::Improvement,
        _ => Sense::Deterioration,
    })
}

/// Points `from..=to` as one segment: its limits and its points' marks.
fn segment(values: &[f64], from: usize, to: usize, settings: &XmrSettings, points: &mut [ChartPoint]) -> Segment {
    let n = to + 1 - from;
    let limit_points = n.min(settings.baseline_points.max(2));
    if n < MIN_VALUES {
        return Segment { from, to, limit_points, limits: None };
    }
    let limits = Limits::of(&values[from..from + limit_points]);
    let marks = judge(&values[from..=to], &limits, settings.run_length);
    for (point, marks) in points[from..=to].iter_mut().zip(marks) {
        point.marks = marks;
    }
    Segment { from, to, limit_points, limits: Some(limits) }
}

/// The marks of a segment's values against its limits.
fn judge(values: &[f64], limits: &Limits, run_length: usize) -> Vec<Marks> {
    let mut marks = vec![Marks::default(); values.len()];
    // outside-limits: strictly above UNPL or below LNPL.
    for (x, m) in values.iter().zip(&mut marks) {
        m.outside_limits = match (limits.side(*x, limits.unpl), limits.side(*x, limits.lnpl)) {
            (Some(Side::Upper), _) => Some(Side::Upper),
            (_, Some(Side::Lower)) => Some(Side::Lower),
            _ => None,
        };
    }
    // long-run: a run of values on one side; a value on the central line is skipped,
    // neither ending the run nor counted in it.
    let mut run: Vec<usize> = Vec::new();
    let mut run_side = None;
    let close = |run: &mut Vec<usize>, side: Option<Side>, marks: &mut [Marks]| {
        if run.len() >= run_length.max(1) {
            for &i in run.iter() {
                marks[i].long_run = side;
            }
        }
        run.clear();
    };
    for (i, x) in values.iter().enumerate() {
        let Some(side) = limits.side(*x, limits.central_line) else { continue };
        if run_side != Some(side) {
            close(&mut run, run_side, &mut marks);
            run_side = Some(side);
        }
        run.push(i);
    }
    close(&mut run, run_side, &mut marks);
    // short-run: 3 of 4 successive values beyond one halfway line, none beyond the other.
    let beyond: Vec<(bool, bool)> = values
        .iter()
        .map(|x| {
            (
                limits.side(*x, limits.upper_halfway()) == Some(Side::Upper),
                limits.side(*x, limits.lower_halfway()) == Some(Side::Lower),
            )
        })
        .collect();
    for start in 0..values.len().saturating_sub(3) {
        let window = &beyond[start..start + 4];
        let up = window.iter().filter(|b| b.0).count();
        let down = window.iter().filter(|b| b.1).count();
        if up >= 3 && down == 0 {
            marks[start..start + 4].iter_mut().for_each(|m| m.short_run_upper = true);
        }
        if down >= 3 && up == 0 {
            marks[start..start + 4].iter_mut().for_each(|m| m.short_run_lower = true);
        }
    }
    marks
}

#[cfg(test)]
mod tests {
    use super::{Chart, Marks, Rule, Sense, Side, XmrSettings, chart};
    use crate::evidence::{Point, Position, Series};
    use crate::sema::model::Direction;
    use crate::sema::period::Period;
    use proptest::prelude::*;

    /// A monthly series from 2020-01; `recalculate` at the given indices.
    fn series(values: &[f64], recalculate: &[usize]) -> Series {
        let points = values
            .iter()
            .enumerate()
            .map(|(i, &value)| {
                let period = Period::Month(2020 + (i / 12) as u16, (i % 12) as u8 + 1);
                let at = Position { line: i as u32 + 2, column: 9, start: 0, end: 0 };
                Point { period, value, percent: false, at, period_at: at, recalculate: recalculate.contains(&i) }
            })
            .collect();
        Series { points }
    }

    /// Each marked point as `index:rules` (`O`, `L`, `S` for the three rules; `+`/`-` for the side).
    fn marks(chart: &Chart) -> Vec<String> {
        let mut out = Vec::new();
        for (i, p) in chart.points.iter().enumerate() {
            let m = p.marks;
            let side = |s: Option<Side>| match s {
                Some(Side::Upper) => "+",
                Some(Side::Lower) => "-",
                None => "",
            };
            let mut text = String::new();
            if m.outside_limits.is_some() {
                text += &format!("O{}", side(m.outside_limits));
            }
            if m.long_run.is_some() {
                text += &format!("L{}", side(m.long_run));
            }
            if m.short_run_upper {
                text += "S+";
            }
            if m.short_run_lower {
                text += "S-";
            }
            if !text.is_empty() {
                out.push(format!("{i}:{text}"));
            }
        }
        out
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 0.005
    }

    /// Donald J. Wheeler, *Making Sense of Data* (SPC Press, 2003), p. 382, "Data set to
    /// use when verifying software", as transcribed in statprocon's tests
    /// (github.com/mattmccormick/statprocon, tests/test_xmr.py, `test_verifying_software`):
    /// average 4135.50, average moving range 355.93, limits 3188.72 and 5082.28, upper
    /// range limit 1163.19. The marks are worked by hand from those limits: only 5200 is
    /// beyond a limit; the seven low values from 3980 on are one short of a long run, and
    /// no four successive values hold three beyond a halfway line (4608.9 and 3662.1).
    #[test]
    fn wheeler_verification_data_set() {
        let values = [
            5045.0, 4350.0, 4350.0, 3975.0, 4290.0, 4430.0, 4485.0, 4285.0, 3980.0, 3925.0, 3645.0, 3760.0, 3300.0,
            3685.0, 3463.0, 5200.0,
        ];
        let chart = chart(&series(&values, &[]), &XmrSettings::default(), Some(Direction::Down));
        assert_eq!(chart.segments.len(), 1);
        let s = chart.segments[0];
        assert_eq!((s.from, s.to, s.limit_points), (0, 15, 16));
        let l = s.limits.expect("limits");
        assert!(close(l.central_line, 4135.50), "{l:?}");
        assert!(close(l.mean_moving_range, 355.93), "{l:?}");
        assert!(close(l.lnpl, 3188.72), "{l:?}");
        assert!(close(l.unpl, 5082.28), "{l:?}");
        assert!(close(l.url, 1163.19), "{l:?}");
        assert_eq!(marks(&chart), ["15:O+"]);
        assert_eq!(chart.signals.len(), 1);
        let signal = chart.signals[0];
        assert_eq!((signal.rule, signal.from, signal.to, signal.side), (Rule::OutsideLimits, 15, 15, Side::Upper));
        // Up is worse for a measure whose direction is down.
        assert_eq!(signal.sense, Some(Sense::Deterioration));
    }

    /// Wheeler, *Making Sense of Data*, Table 8.1: the percentage of high school seniors
    /// who smoke daily, 14 years (as transcribed in statprocon's `test_rule_2`). The last
    /// eight values lie below the central line (19.27): a long run, the book's signal.
    /// Worked by hand: mR̄ = 11.1 / 13 = 0.854, so the upper halfway line is 20.41, and
    /// 21.3, 20.9 and 21.0 among the first four values make a short run there.
    #[test]
    fn wheeler_smoking_long_run() {
        let values = [21.3, 20.2, 20.9, 21.0, 18.8, 19.6, 18.7, 18.6, 18.1, 18.9, 19.2, 18.2, 17.3, 19.0];
        let chart = chart(&series(&values, &[]), &XmrSettings::default(), Some(Direction::Down));
        let l = chart.segments[0].limits.expect("limits");
        assert!(close(l.central_line, 19.271) && close(l.mean_moving_range, 0.854), "{l:?}");
        assert_eq!(
            marks(&chart),
            ["0:S+", "1:S+", "2:S+", "3:S+", "6:L-", "7:L-", "8:L-", "9:L-", "10:L-", "11:L-", "12:L-", "13:L-"]
        );
        let signals: Vec<_> = chart.signals.iter().map(|s| (s.rule, s.from, s.to, s.side, s.sense)).collect();
        assert_eq!(
            signals,
            [
                (Rule::ShortRun, 0, 3, Side::Upper, Some(Sense::Deterioration)),
                (Rule::LongRun, 6, 13, Side::Lower, Some(Sense::Improvement)),
            ]
        );
        assert_eq!(chart.points[6].marks.rules().map(Rule::as_str).collect::<Vec<_>>(), ["long-run"]);
    }

    /// A value on the central line neither extends nor breaks a run: eight values above
    /// with two on the line among them make a long run, and the two are not marked; the
    /// signals are the stretches of marked points, so the run shows as three.
    #[test]
    fn values_on_the_central_line_in_a_run() {
        // Limit points 12, 8, 12, 8, 10: CL 10, mR̄ 3.5, halfway lines 14.655 and 5.345.
        let values = [12.0, 8.0, 12.0, 8.0, 10.0, 11.0, 11.0, 10.0, 11.0, 11.0, 11.0, 10.0, 11.0, 11.0, 11.0];
        let settings = XmrSettings { baseline_points: 5, ..XmrSettings::default() };
        let chart = chart(&series(&values, &[]), &settings, None);
        assert_eq!(chart.segments[0].limits.expect("limits").central_line, 10.0);
        assert_eq!(marks(&chart), ["5:L+", "6:L+", "8:L+", "9:L+", "10:L+", "12:L+", "13:L+", "14:L+"]);
        let stretches: Vec<_> = chart.signals.iter().map(|s| (s.from, s.to, s.sense)).collect();
        assert_eq!(stretches, [(5, 6, None), (8, 10, None), (12, 14, None)]);
        // Seven above, and a value on the line does not make the eighth.
        let chart = super::chart(&series(&values[..14], &[]), &settings, None);
        assert_eq!(marks(&chart), Vec::<String>::new());
    }

    /// Short runs: 3 of 4 beyond the same halfway line and none beyond the other, all
    /// four marked; strictly beyond, so a value on the halfway line does not count.
    #[test]
    fn short_runs() {
        // Limit points 0, 2, 0, 2, 0: CL 0.8, mR̄ 2, UNPL 6.12, halfway lines 3.46 and -1.86.
        let base = [0.0, 2.0, 0.0, 2.0, 0.0];
        let settings = XmrSettings { baseline_points: 5, ..XmrSettings::default() };
        let with = |tail: &[f64]| {
            let values: Vec<f64> = base.iter().chain(tail).copied().collect();
            marks(&chart(&series(&values, &[]), &settings, Some(Direction::Up)))
        };
        assert_eq!(with(&[4.0, 0.0, 4.0, 4.0]), ["5:S+", "6:S+", "7:S+", "8:S+"]);
        assert_eq!(with(&[4.0, -3.0, 4.0, 4.0]), Vec::<String>::new());
        assert_eq!(with(&[4.0, 3.46, 4.0, 1.0]), Vec::<String>::new());
        // Three below, then three above: the window before the three below holds the last
        // limit point (0, not beyond), and the point between both runs is in both.
        assert_eq!(
            with(&[-2.0, -2.0, -2.0, 1.0, 4.0, 4.0, 4.0]),
            ["4:S-", "5:S-", "6:S-", "7:S-", "8:S+S-", "9:S+", "10:S+", "11:S+"]
        );
        // Beyond the limit too: outside-limits first.
        assert_eq!(with(&[7.0, 4.0, 4.0]), ["4:S+", "5:O+S+", "6:S+", "7:S+"]);
    }

    /// A value written as its limit is on the limit, not beyond it: limit points 13, 5,
    /// 11, 17, 11 give CL 11.4 and mR̄ 6, so UNPL is 28.69 exactly, which binary floating
    /// point computes as 28.689999999999998 (below the value 28.69 as read).
    #[test]
    fn a_value_on_a_limit_is_not_beyond_it() {
        let settings = XmrSettings { baseline_points: 5, ..XmrSettings::default() };
        let on = chart(&series(&[13.0, 5.0, 11.0, 17.0, 11.0, 28.69], &[]), &settings, None);
        assert!(on.segments[0].limits.expect("limits").unpl < 28.69);
        assert_eq!(on.points[5].marks.outside_limits, None);
        let beyond = chart(&series(&[13.0, 5.0, 11.0, 17.0, 11.0, 28.7], &[]), &settings, None);
        assert_eq!(beyond.points[5].marks.outside_limits, Some(Side::Upper));
    }

    #[test]
    fn segments_limit_points_and_short_segments() {
        let values = [1.0, 2.0, 3.0, 9.0, 9.0, 9.0, 9.0, 9.0, 1.0, 2.0, 3.0, 4.0];
        let settings = XmrSettings { baseline_points: 3, ..XmrSettings::default() };
        let chart = chart(&series(&values, &[8]), &settings, None);
        let segments: Vec<_> =
            chart.segments.iter().map(|s| (s.from, s.to, s.limit_points, s.limits.is_some())).collect();
        assert_eq!(segments, [(0, 7, 3, true), (8, 11, 3, false)]);
        // Limits from 1, 2, 3 only: CL 2, mR̄ 1, UNPL 4.66, upper halfway line 3.33; the
        // 9s are beyond both, and the 3 before them completes the first window of four.
        let l = chart.segments[0].limits.expect("limits");
        assert_eq!((l.central_line, l.mean_moving_range), (2.0, 1.0));
        assert_eq!(marks(&chart), ["2:S+", "3:O+S+", "4:O+S+", "5:O+S+", "6:O+S+", "7:O+S+"]);
        // The second segment has 4 values: no limits, no marks.
        assert!(chart.points[8..].iter().all(|p| p.marks == Default::default()));
        assert!(chart.signals.iter().all(|s| s.to <= 7));
    }

    #[test]
    fn settings_are_checked() {
        let mut settings = XmrSettings::default();
        assert_eq!(settings.set("run-length", Some(7)), Ok(()));
        assert_eq!(settings.set("baseline-points", Some(12)), Ok(()));
        assert_eq!(settings, XmrSettings { run_length: 7, baseline_points: 12 });
        let error = settings.set("run-length", Some(4)).expect_err("refused");
        assert_eq!(error.message, "`run-length` is 4, outside 5 to 1000");
        assert_eq!(
            error.help,
            "set `run-length` to a whole number of successive values on one side of the central line from 5 to 1000"
        );
        let error = settings.set("baseline-points", None).expect_err("refused");
        assert_eq!(error.message, "`baseline-points` must be a whole number");
        let error = settings.set("runs", Some(8)).expect_err("refused");
        assert_eq!(
            (error.message.as_str(), error.help.as_str()),
            ("`[xmr]` has no setting `runs`", "use `run-length` or `baseline-points`")
        );
        assert_eq!(settings, XmrSettings { run_length: 7, baseline_points: 12 });
    }

    fn integer_series() -> impl Strategy<Value = Vec<f64>> {
        prop::collection::vec((-50i32..50).prop_map(f64::from), 0..40)
    }

    /// A fixed seed unless `PROPTEST_RNG_SEED` says otherwise, and no failure files
    /// (proptest would write them into the source tree), as in `tests/it/props.rs`.
    fn config() -> ProptestConfig {
        let env = ProptestConfig::default();
        let seeded = std::env::var_os("PROPTEST_RNG_SEED").is_some();
        let rng_seed = if seeded { env.rng_seed } else { prop::test_runner::RngSeed::Fixed(18) };
        ProptestConfig { rng_seed, failure_persistence: None, ..env }
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn limits_are_symmetric_around_the_central_line(values in integer_series(), bp in 5usize..25) {
            let settings = XmrSettings { baseline_points: bp, ..XmrSettings::default() };
            let chart = chart(&series(&values, &[]), &settings, None);
            for s in &chart.segments {
                prop_assert_eq!(s.limits.is_some(), values.len() >= 5);
                if let Some(l) = s.limits {
                    prop_assert!(((l.unpl - l.central_line) - (l.central_line - l.lnpl)).abs() < 1e-9);
                    prop_assert!(l.lnpl <= l.central_line && l.central_line <= l.unpl);
                    prop_assert!(l.mean_moving_range >= 0.0 && (l.url - 3.268 * l.mean_moving_range).abs() < 1e-9);
                }
            }
        }

        #[test]
        fn marks_do_not_change_when_a_constant_is_added(values in integer_series(), c in -1000i32..1000, run in 5usize..10) {
            let settings = XmrSettings { run_length: run, ..XmrSettings::default() };
            let shifted: Vec<f64> = values.iter().map(|v| v + f64::from(c)).collect();
            let a = chart(&series(&values, &[]), &settings, None);
            let b = chart(&series(&shifted, &[]), &settings, None);
            prop_assert_eq!(marks(&a), marks(&b));
            prop_assert_eq!(&a.signals, &b.signals);
        }

        #[test]
        fn scaling_keeps_marks_and_a_negative_factor_swaps_sides(values in integer_series(), k in 1i32..20) {
            let settings = XmrSettings::default();
            let a = chart(&series(&values, &[]), &settings, Some(Direction::Up));
            let scaled: Vec<f64> = values.iter().map(|v| v * f64::from(k)).collect();
            let b = chart(&series(&scaled, &[]), &settings, Some(Direction::Up));
            prop_assert_eq!(marks(&a), marks(&b));
            let flipped: Vec<f64> = values.iter().map(|v| -v * f64::from(k)).collect();
            let c = chart(&series(&flipped, &[]), &settings, Some(Direction::Up));
            let flip = |s: Option<Side>| s.map(|s| if s == Side::Upper { Side::Lower } else { Side::Upper });
            let swapped: Vec<Marks> = a.points.iter().map(|p| Marks {
                outside_limits: flip(p.marks.outside_limits),
                long_run: flip(p.marks.long_run),
                short_run_upper: p.marks.short_run_lower,
                short_run_lower: p.marks.short_run_upper,
            }).collect();
            prop_assert_eq!(swapped, c.points.iter().map(|p| p.marks).collect::<Vec<_>>());
            prop_assert_eq!(a.signals.len(), c.signals.len());
            for x in &a.signals {
                let y = c.signals.iter().find(|y| (y.rule, y.from, y.to) == (x.rule, x.from, x.to) && y.side != x.side);
                prop_assert!(y.is_some_and(|y| y.sense != x.sense), "{:?} has no mirror in {:?}", x, c.signals);
            }
        }

        #[test]
        fn a_constant_series_signals_nothing(value in -1e6f64..1e6, n in 0usize..60) {
            let chart = chart(&series(&vec![value; n], &[]), &XmrSettings::default(), Some(Direction::Up));
            prop_assert!(chart.signals.is_empty());
            prop_assert!(chart.points.iter().all(|p| p.marks == Default::default()));
            if let Some(l) = chart.segments.first().and_then(|s| s.limits) {
                prop_assert!(l.unpl == l.central_line && l.lnpl == l.central_line && l.url == 0.0);
            }
        }

        #[test]
        fn each_segment_is_its_own_chart(values in integer_series(), cuts in prop::collection::vec(1usize..40, 0..4)) {
            let settings = XmrSettings { baseline_points: 8, ..XmrSettings::default() };
            let whole = chart(&series(&values, &cuts), &settings, None);
            let mut starts: Vec<usize> = cuts.iter().copied().filter(|&c| c < values.len()).collect();
            starts.push(0);
            starts.push(values.len());
            starts.sort_unstable();
            starts.dedup();
            let mut parts = Vec::new();
            for w in starts.windows(2) {
                let part = chart(&series(&values[w[0]..w[1]], &[]), &settings, None);
                parts.extend(part.points.iter().map(|p| p.marks));
                prop_assert!(whole.segments.iter().any(|s| s.from == w[0] && s.to + 1 == w[1]));
            }
            prop_assert_eq!(whole.points.iter().map(|p| p.marks).collect::<Vec<_>>(), parts);
            prop_assert_eq!(whole.segments.len(), starts.len() - 1);
        }
    }
}
