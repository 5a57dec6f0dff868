//! An XmR chart as inline SVG (spec 10.1), pure: a measure's values over time, each
//! segment's central line and natural process limits, its halfway lines (faint), the
//! target milestones at their dates, and the points of each signal marked, with the
//! rule in a tooltip (`<title>`). The chart is a picture only: `report/mod.rs` writes
//! the same limits and signals as text beside it, for screen readers and print.
//!
//! Time runs left to right by each period's last day, so a milestone after the data
//! sits at its date. No `id` attribute is used (a report holds a thousand charts), no
//! script and no external reference. Every user string is escaped; numbers have at
//! most one decimal in coordinates, so the output is the same for the same data.

use std::fmt::Write as _;

use crate::evidence::MeasureData;
use crate::evidence::xmr::{Limits, Signal};
use crate::layout::svg::{escape, num};
use crate::sema::model::Measure;
use crate::sema::period::Period;

/// The picture's size and the plot area's margins, in pixels.
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 70.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 30.0;

/// The charts' style, for the page that holds them: colours, dashes and the dot on each
/// value live here once rather than on every element of a thousand charts.
pub const CSS: &str = "
svg.xmr { font-family: Helvetica, Arial, sans-serif; font-size: 10px; }
svg.xmr .frame { fill: #ffffff; stroke: #cbd5e1; }
svg.xmr text { fill: #64748b; }
svg.xmr .e { text-anchor: end; }
svg.xmr .h { stroke: #cbd5e1; stroke-dasharray: 1 3; }
svg.xmr .cl, svg.xmr .l { stroke: #475569; }
svg.xmr .l { stroke-dasharray: 5 3; }
svg.xmr text.n { fill: #475569; }
svg.xmr .r { stroke: #cbd5e1; stroke-dasharray: 2 3; }
svg.xmr .v { fill: none; stroke: #0f172a; stroke-width: 1.2; marker: url(#xmr-dot); }
svg.xmr .s { fill: none; stroke: #7c3aed; stroke-linecap: round; opacity: 0.75; stroke-width: 7; }
svg.xmr .s.o { stroke-width: 11; }
svg.xmr .s.lr { stroke-width: 9; }
svg.xmr .t { fill: #0369a1; }
svg.xmr .t line { stroke: #0369a1; stroke-dasharray: 1 3; }
";

/// The one definition the charts share (the dot on each value), for the page to hold once.
pub const DEFS: &str = "<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>\
<marker id=\"xmr-dot\" viewBox=\"0 0 4 4\" refX=\"2\" refY=\"2\" markerWidth=\"4\" markerHeight=\"4\" \
markerUnits=\"userSpaceOnUse\"><circle cx=\"2\" cy=\"2\" r=\"2\" fill=\"#0f172a\"/></marker></defs></svg>";

/// The SVG of `measure`'s chart; `title` is its accessible name (the `<title>`). Styled by
/// [`CSS`], its dots drawn with [`DEFS`]: both must be in the page.
pub fn svg(measure: &Measure, data: &MeasureData, title: &str) -> String {
    let chart = &data.chart;
    let points = &chart.points;
    let mut out = String::with_capacity(1_000 + 10 * points.len());
    let _ = write!(
        out,
        "<svg class=\"xmr\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" \
         height=\"{HEIGHT}\" role=\"img\"><title>"
    );
    escape(&mut out, title);
    out.push_str("</title>");

    let milestones: Vec<(f64, f64, String)> = measure
        .target
        .iter()
        .flat_map(|t| t.milestones())
        .map(|q| {
            let text = format!(
                "target {}{}{}",
                q.raw,
                if q.percent { "%" } else { "" },
                match &q.when {
                    Some(w) => format!(" by {}", w.value),
                    None => String::new(),
                }
            );
            (q.when.as_ref().map_or(f64::NAN, |w| day(w.value)), q.value, text)
        })
        .collect();

    // The ranges of both axes.
    let mut xs: Vec<f64> = points.iter().map(|p| day(p.period)).collect();
    xs.extend(milestones.iter().map(|m| m.0).filter(|x| x.is_finite()));
    let mut ys: Vec<f64> = points.iter().map(|p| p.value).collect();
    for s in &chart.segments {
        if let Some(l) = &s.limits {
            ys.extend([l.unpl, l.lnpl]);
        }
    }
    ys.extend(milestones.iter().map(|m| m.1));
    let (x0, x1) = bounds(&xs);
    let (mut y0, mut y1) = bounds(&ys);
    let pad = ((y1 - y0) * 0.08).max(y1.abs().max(1.0) * 1e-6);
    y0 -= pad;
    y1 += pad;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let sx = |x: f64| if x1 > x0 { LEFT + (x - x0) / (x1 - x0) * plot_w } else { LEFT + plot_w / 2.0 };
    let sy = |y: f64| TOP + (y1 - y) / (y1 - y0) * plot_h;

    // The frame and the axes' end labels.
    let _ = write!(
        out,
        "<rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
        num(LEFT),
        num(TOP),
        num(plot_w),
        num(plot_h)
    );
    for (y, at) in [(y1, TOP + 8.0), (y0, TOP + plot_h)] {
        let _ = write!(out, "<text class=\"e\" x=\"{}\" y=\"{}\">{}</text>", num(LEFT - 4.0), num(at), value(y));
    }
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let _ = write!(out, "<text x=\"{}\" y=\"{}\">{}</text>", num(LEFT), num(HEIGHT - 12.0), first.period);
        if points.len() > 1 {
            let _ = write!(
                out,
                "<text class=\"e\" x=\"{}\" y=\"{}\">{}</text>",
                num(sx(day(last.period))),
                num(HEIGHT - 12.0),
                last.period
            );
        }
    }

    // Each segment: a faint rule where it starts, then its lines.
    let half = if points.len() > 1 { plot_w / (points.len() as f64 - 1.0) / 2.0 } else { 8.0 };
    for (i, s) in chart.segments.iter().enumerate() {
        let (Some(first), Some(last)) = (points.get(s.from), points.get(s.to)) else { continue };
        let (a, b) = (sx(day(first.period)), sx(day(last.period)));
        if i > 0 {
            let x = num(a - half.min(6.0));
            let _ = write!(
                out,
                "<line class=\"r\" x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\"/><text x=\"{}\" y=\"{}\">limits recalculated</text>",
                num(TOP),
                num(TOP + plot_h),
                num(a - half.min(6.0) + 3.0),
                num(TOP + plot_h - 4.0)
            );
        }
        let Some(limits) = &s.limits else { continue };
        let last_segment = i + 1 == chart.segments.len();
        segment_lines(&mut out, limits, a, b.max(a + 1.0), &sy, last_segment);
    }

    // The values: a line through them, a dot on each (the marker).
    if !points.is_empty() {
        out.push_str("<path class=\"v\" d=\"");
        path(&mut out, points.iter().map(|p| (sx(day(p.period)), sy(p.value))), false);
        out.push_str("\"/>");
    }

    // Signals: the points of each, ringed, with the rule in a tooltip.
    for signal in &chart.signals {
        let class = match signal.rule {
            crate::evidence::xmr::Rule::OutsideLimits => "s o",
            crate::evidence::xmr::Rule::LongRun => "s lr",
            crate::evidence::xmr::Rule::ShortRun => "s sr",
        };
        let _ = write!(out, "<g class=\"{class}\"><title>");
        escape(&mut out, &signal_text(data, signal));
        out.push_str("</title><path d=\"");
        let ringed = points.get(signal.from..=signal.to).unwrap_or_default();
        path(&mut out, ringed.iter().map(|p| (sx(day(p.period)), sy(p.value))), true);
        out.push_str("\"/></g>");
    }

    // Target milestones: a diamond at each date, or a dotted line when it has none.
    for (x, y, text) in &milestones {
        out.push_str("<g class=\"t\"><title>");
        escape(&mut out, text);
        out.push_str("</title>");
        if x.is_finite() {
            let (cx, cy) = (sx(*x), sy(*y));
            let _ = write!(
                out,
                "<path d=\"M{},{}l5,5l-5,5l-5,-5z\"/><text class=\"e t\" x=\"{}\" y=\"{}\">",
                num(cx),
                num(cy - 5.0),
                num(cx - 7.0),
                num(if cy < TOP + 12.0 { cy + 14.0 } else { cy - 6.0 })
            );
            escape(&mut out, text);
            out.push_str("</text>");
        } else {
            let yy = num(sy(*y));
            let _ = write!(out, "<line x1=\"{}\" y1=\"{yy}\" x2=\"{}\" y2=\"{yy}\"/>", num(LEFT), num(LEFT + plot_w));
        }
        out.push_str("</g>");
    }
    if points.is_empty() {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">no values yet</text>",
            num(LEFT + plot_w / 2.0),
            num(TOP + plot_h / 2.0)
        );
    }
    out.push_str("</svg>");
    out
}

/// Path data through `points`: a line (`M` then `l` steps), or a zero-length stroke at
/// each (`dots`), drawn as dots by a round cap. Relative steps in whole pixels keep a
/// thousand charts small; the rounding is carried, so no error accumulates.
fn path(out: &mut String, points: impl Iterator<Item = (f64, f64)>, dots: bool) {
    let mut at: Option<(i64, i64)> = None;
    for (x, y) in points {
        let (x, y) = (whole(x), whole(y));
        match at {
            None => {
                let _ = write!(out, "M{x},{y}");
            }
            Some((px, py)) if dots => {
                let _ = write!(out, "h0m{},{}", x - px, y - py);
            }
            Some((px, py)) => {
                let _ = write!(out, "l{},{}", x - px, y - py);
            }
        }
        at = Some((x, y));
    }
    if dots && at.is_some() {
        out.push_str("h0");
    }
}

fn whole(x: f64) -> i64 {
    if x.is_finite() { x.round().clamp(-1e6, 1e6) as i64 } else { 0 }
}

/// A segment's central line, limits and (faint) halfway lines from `a` to `b`; the
/// last segment's lines are named at the right.
fn segment_lines(out: &mut String, l: &Limits, a: f64, b: f64, sy: &dyn Fn(f64) -> f64, named: bool) {
    let halfway = [l.central_line + (l.unpl - l.central_line) / 2.0, l.central_line - (l.central_line - l.lnpl) / 2.0];
    for y in halfway {
        let yy = num(sy(y));
        let _ = write!(out, "<line class=\"h\" x1=\"{}\" y1=\"{yy}\" x2=\"{}\" y2=\"{yy}\"/>", num(a), num(b));
    }
    for (class, y, name) in [("cl", l.central_line, "CL"), ("l", l.unpl, "UNPL"), ("l", l.lnpl, "LNPL")] {
        let yy = num(sy(y));
        let _ = write!(out, "<line class=\"{class}\" x1=\"{}\" y1=\"{yy}\" x2=\"{}\" y2=\"{yy}\"/>", num(a), num(b));
        if named {
            let _ = write!(
                out,
                "<text class=\"n\" x=\"{}\" y=\"{}\">{name} {}</text>",
                num(WIDTH - RIGHT + 4.0),
                num(sy(y) + 3.0),
                value(y)
            );
        }
    }
}

/// What a signal is, in words: `long-run upper, 2024-05 to 2025-02 (improvement)`.
pub fn signal_text(data: &MeasureData, signal: &Signal) -> String {
    let points = &data.chart.points;
    let when = match (points.get(signal.from), points.get(signal.to)) {
        (Some(a), Some(_)) if signal.from == signal.to => a.period.to_string(),
        (Some(a), Some(b)) => format!("{} to {}", a.period, b.period),
        _ => String::new(),
    };
    let sense = signal.sense.map(|s| format!(" ({})", s.as_str())).unwrap_or_default();
    let count = signal.to + 1 - signal.from;
    let values = if count == 1 { "1 value".to_owned() } else { format!("{count} values") };
    format!("{} {}, {when}, {values}{sense}", signal.rule.as_str(), signal.side.as_str())
}

/// The smallest and largest of `values` (finite ones), or `(0, 1)` when there are none.
fn bounds(values: &[f64]) -> (f64, f64) {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let lo = finite.clone().fold(f64::INFINITY, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
    if lo.is_finite() && hi.is_finite() { (lo, hi) } else { (0.0, 1.0) }
}

/// The period's last day as a day count (from the civil calendar), for the time axis.
fn day(period: Period) -> f64 {
    let (y, m, d) = period.end();
    // Days from civil (Howard Hinnant's algorithm), in whole days.
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe) as f64
}

/// A value as a reader sees it: up to three significant decimals, no trailing zeros.
pub fn value(x: f64) -> String {
    if !x.is_finite() {
        return "–".to_owned();
    }
    let digits = if x.abs() >= 100.0 {
        1
    } else if x.abs() >= 1.0 {
        2
    } else {
        3
    };
    let text = format!("{x:.digits$}");
    let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text };
    if text == "-0" { "0".to_owned() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_values() {
        assert_eq!(day(Period::Day(2000, 3, 1)) - day(Period::Day(2000, 2, 28)), 2.0);
        assert_eq!(day(Period::Month(2024, 2)) - day(Period::Month(2024, 1)), 29.0);
        assert_eq!(day(Period::Year(2025)) - day(Period::Year(2024)), 365.0);
        assert_eq!(value(40.0), "40");
        assert_eq!(value(40.456), "40.46");
        assert_eq!(value(1234.56), "1234.6");
        assert_eq!(value(0.12345), "0.123");
        assert_eq!(value(-0.0001), "0");
        assert_eq!(bounds(&[f64::NAN]), (0.0, 1.0));
        let mut out = String::new();
        path(&mut out, [(1.4, 2.6), (3.5, 2.4), (3.4, 9.0)].into_iter(), false);
        assert_eq!(out, "M1,3l3,-1l-1,7");
        out.clear();
        path(&mut out, [(1.0, 2.0), (3.0, 2.0)].into_iter(), true);
        assert_eq!(out, "M1,2h0m2,0h0");
        out.clear();
        escape(&mut out, "<a> & \"b\" ]]> \u{1}");
        assert_eq!(out, "&lt;a&gt; &amp; &quot;b&quot; ]]&gt; \u{fffd}");
    }
}
