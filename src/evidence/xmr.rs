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
            "baseline-points" => (&mut self.baseline_points, BASELINE_POINTS, "values the limits are computed from"),
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
