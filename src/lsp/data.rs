//! Measure data in the editor (spec §9): a measure's XmR chart read out in words for
//! hover and code lens, and the `.csv` files a `data:` path may name, for completion.
//! Pure: the chart comes from the analysis, the file list from the edge.

use std::fmt::Write as _;

use crate::evidence::MeasureData;
use crate::evidence::xmr::{Chart, MIN_VALUES, Rule, Segment, Sense, Side, Signal};

/// A number as the hover and lens show it: at most two decimals, no trailing zeros,
/// `%` when the data wrote percentages.
fn number(x: f64, percent: bool) -> String {
    let mut text = format!("{x:.2}");
    if text.contains('.') {
        while text.ends_with('0') {
            text.pop();
        }
        if text.ends_with('.') {
            text.pop();
        }
    }
    if text == "-0" {
        text = "0".to_owned();
    }
    if percent {
        text.push('%');
    }
    text
}

/// Whether the measure's values were written as percentages (its last value decides).
fn percent(data: &MeasureData) -> bool {
    data.series.points.last().is_some_and(|p| p.percent)
}

/// The segment whose limits are in force: the last one.
fn current(chart: &Chart) -> Option<&Segment> {
    chart.segments.last()
}

/// The signals of the current segment, latest first.
fn current_signals(chart: &Chart) -> Vec<&Signal> {
    let Some(segment) = current(chart) else { return Vec::new() };
    let mut signals: Vec<&Signal> = chart.signals.iter().filter(|s| s.from >= segment.from).collect();
    signals.sort_by_key(|s| (std::cmp::Reverse(s.to), std::cmp::Reverse(s.from), s.rule, s.side));
    signals
}

fn side_word(side: Side) -> &'static str {
    match side {
        Side::Upper => "above",
        Side::Lower => "below",
    }
}

fn arrow(side: Side) -> &'static str {
    match side {
        Side::Upper => "↑",
        Side::Lower => "↓",
    }
}

/// When a signal happened: `since P` when it reaches the latest value, `at P` for one
/// point, `P1 to P2` otherwise.
fn when(chart: &Chart, signal: &Signal) -> String {
    let period = |i: usize| chart.points.get(i).map(|p| p.period.to_string()).unwrap_or_default();
    if signal.to + 1 == chart.points.len() && signal.from != signal.to {
        format!("since {}", period(signal.from))
    } else if signal.from == signal.to {
        format!("at {}", period(signal.from))
    } else {
        format!("{} to {}", period(signal.from), period(signal.to))
    }
}

/// A signal in words: "long run below the central line since 2026-05 (a deterioration)".
pub fn signal_words(chart: &Chart, signal: &Signal) -> String {
    let count = signal.to + 1 - signal.from;
    let side = side_word(signal.side);
    let limit = match signal.side {
        Side::Upper => "upper",
        Side::Lower => "lower",
    };
    let what = match (signal.rule, count) {
        (Rule::OutsideLimits, 1) => format!("a point beyond the {limit} limit"),
        (Rule::OutsideLimits, n) => format!("{n} points beyond the {limit} limit"),
        (Rule::LongRun, n) => format!("long run of {n} values {side} the central line"),
        (Rule::ShortRun, n) => format!("short run of {n} values near the {limit} limit"),
    };
    let mut text = format!("{what} {}", when(chart, signal));
    match signal.sense {
        Some(Sense::Improvement) => text.push_str(" (an improvement)"),
        Some(Sense::Deterioration) => text.push_str(" (a deterioration)"),
        None => {}
    }
    text
}

/// A signal for the lens: "long run ↓ since 2026-05".
fn signal_short(chart: &Chart, signal: &Signal) -> String {
    let rule = match signal.rule {
        Rule::OutsideLimits => "beyond limit",
        Rule::LongRun => "long run",
        Rule::ShortRun => "short run",
    };
    format!("{rule} {} {}", arrow(signal.side), when(chart, signal))
}

/// The hover's lines about a measure's data, as (label, text) pairs. The text holds no
/// user text (numbers, periods and words of ours), and nothing Markdown reads as markup
/// in a list item's text.
pub fn hover_lines(data: &MeasureData) -> Vec<(&'static str, String)> {
    let chart = &data.chart;
    let pct = percent(data);
    let mut lines = Vec::new();
    let values = chart.points.len();
    let Some(last) = chart.points.last() else {
        lines.push(("values", "none yet".to_owned()));
        return lines;
    };
    let mut count = format!("{values} value{}", if values == 1 { "" } else { "s" });
    if chart.segments.len() > 1 {
        let _ = write!(count, " in {} segments (limits recalculated)", chart.segments.len());
    }
    if data.invalid {
        count.push_str("; the data file has errors, this is what could be read");
    }
    lines.push(("values", count));
    lines.push(("last value", format!("{} ({})", number(last.value, pct), last.period)));
    let Some(segment) = current(chart) else { return lines };
    let Some(limits) = segment.limits else {
        let n = segment.to + 1 - segment.from;
        let text = format!("none yet: the current segment has {n} of the {MIN_VALUES} values limits need");
        lines.push(("limits", text));
        return lines;
    };
    let from = chart.points.get(segment.from).map(|p| p.period.to_string()).unwrap_or_default();
    lines.push(("central line", number(limits.central_line, pct)));
    let text = format!(
        "{} to {} (from {} values from {from}; mR̄ {})",
        number(limits.lnpl, pct),
        number(limits.unpl, pct),
        segment.limit_points,
        number(limits.mean_moving_range, pct)
    );
    lines.push(("natural process limits", text));
    let signals = current_signals(chart);
    if signals.is_empty() {
        lines.push(("signals", "none: routine variation".to_owned()));
    }
    for signal in signals {
        lines.push(("signal", signal_words(chart, signal)));
    }
    lines
}

/// The most signals a lens names; the rest are counted.
const LENS_SIGNALS: usize = 2;

/// The code lens title of a measure with data: "14 values · CL 4.4 · long run ↓ since 2026-05".
pub fn lens_title(data: &MeasureData) -> String {
    let chart = &data.chart;
    let values = chart.points.len();
    let mut parts = vec![format!("{values} value{}", if values == 1 { "" } else { "s" })];
    if data.invalid {
        parts.push("data file has errors".to_owned());
    }
    match current(chart).and_then(|s| s.limits) {
        None => parts.push("no limits yet".to_owned()),
        Some(limits) => {
            parts.push(format!("CL {}", number(limits.central_line, percent(data))));
            let signals = current_signals(chart);
            if signals.is_empty() {
                parts.push("no signals".to_owned());
            }
            parts.extend(signals.iter().take(LENS_SIGNALS).map(|s| signal_short(chart, s)));
            if signals.len() > LENS_SIGNALS {
                parts.push(format!("+{} more", signals.len() - LENS_SIGNALS));
            }
        }
    }
    parts.join(" · ")
}

/// The path of `target` (a file's name below the root) as a `data` path written in the
/// file named `from` below the root: relative to `from`'s folder, through `..` where
/// it must go up (never above the root, which both are below).
pub fn relative_path(from: &str, target: &str) -> String {
    let folder: Vec<&str> = from.split('/').filter(|c| !c.is_empty()).collect();
    let folder = &folder[..folder.len().saturating_sub(1)];
    let parts: Vec<&str> = target.split('/').filter(|c| !c.is_empty()).collect();
    let (dirs, name) = parts.split_at(parts.len().saturating_sub(1));
    let common = folder.iter().zip(dirs).take_while(|(a, b)| a == b).count();
    let mut out: Vec<&str> = vec![".."; folder.len() - common];
    out.extend(&dirs[common..]);
    out.extend(name);
    out.join("/")
}

/// The most paths one completion offers; the client asks again as the user types on.
pub const MAX_PATHS: usize = 200;

/// The `data` paths to offer in the file named `from` below the root: every CSV file of
/// `csv` (names below the root) as a path from `from`'s folder, those containing `typed`
/// (ignoring case), sorted, at most [`MAX_PATHS`]; and whether some were left out.
pub fn paths(from: &str, csv: &[String], typed: &str) -> (Vec<String>, bool) {
    let typed = typed.to_lowercase();
    let mut found: Vec<String> =
        csv.iter().map(|target| relative_path(from, target)).filter(|p| p.to_lowercase().contains(&typed)).collect();
    found.sort();
    let more = found.len() > MAX_PATHS;
    found.truncate(MAX_PATHS);
    (found, more)
}

#[cfg(test)]
mod tests {
    use super::{MAX_PATHS, number, paths, relative_path};

    #[test]
    fn paths_are_relative_to_the_declaring_file() {
        assert_eq!(relative_path("map.strata", "data/a.csv"), "data/a.csv");
        assert_eq!(relative_path("maps/x.strata", "data/a.csv"), "../data/a.csv");
        assert_eq!(relative_path("maps/deep/x.strata", "maps/a.csv"), "../a.csv");
        assert_eq!(relative_path("maps/x.strata", "maps/sub/a.csv"), "sub/a.csv");
        assert_eq!(relative_path("a/b/c.strata", "d/e.csv"), "../../d/e.csv");
        let csv = ["z.csv", "data/b.csv", "data/A.csv"].map(str::to_owned);
        assert_eq!(paths("maps/x.strata", &csv, "").0, ["../data/A.csv", "../data/b.csv", "../z.csv"]);
        assert_eq!(paths("maps/x.strata", &csv, "DATA/a").0, ["../data/A.csv"]);
        let many: Vec<String> = (0..300).map(|i| format!("d/{i:03}.csv")).collect();
        let (found, more) = paths("m.strata", &many, "d/");
        assert_eq!((found.len(), more, found[0].as_str()), (MAX_PATHS, true, "d/000.csv"));
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(number(4.4, false), "4.4");
        assert_eq!(number(4.0, true), "4%");
        assert_eq!(number(31.256, true), "31.26%");
        assert_eq!(number(-0.001, false), "0");
        assert_eq!(number(1e300, false).len(), 301);
    }
}
