//! The evidence lints (spec §5, v2): what a measure's data says about its baseline and
//! targets, read as an XmR chart (Wheeler, *Understanding Variation*; PuMP, Stacey Barr).
//! `data-frequency-mismatch` comes from the data stage (`evidence::analyze`), which finds
//! it while reading the values; the other three read the charts.

use super::Lints;
use crate::diagnostics::{Code, Diagnostic, Label};
use crate::evidence::xmr::{Chart, Limits, MIN_VALUES};
use crate::evidence::{Evidence, MeasureData};
use crate::sema::model::{Measure, Quantity};

/// Data with `invalid-data` problems is not judged (`MeasureData::invalid`).
pub fn check(lints: &mut Lints<'_>, evidence: &Evidence) {
    for diag in &evidence.mismatches {
        lints.push(diag.clone());
    }
    let model = lints.model;
    for (measure, data) in model.measures.iter().zip(&evidence.measures) {
        if let Some(data) = data {
            judge(lints, measure, data);
        }
    }
}

/// The three lints that read one measure's chart.
pub fn judge(lints: &mut Lints<'_>, measure: &Measure, data: &MeasureData) {
    if data.invalid {
        return;
    }
    short_baseline(lints, measure, data);
    if let Some(baseline) = &measure.baseline {
        baseline_mismatch(lints, measure, &data.chart, baseline);
    }
    target_within_limits(lints, measure, &data.chart);
}

/// The first segment has fewer than 5 values (or there are none): no limits yet.
fn short_baseline(lints: &mut Lints<'_>, measure: &Measure, data: &MeasureData) {
    let first = data.chart.segments.first().map_or(0, |s| s.to + 1 - s.from);
    if first >= MIN_VALUES {
        return;
    }
    let id = &measure.id;
    let before = if data.chart.segments.len() > 1 { " before its first recalculation" } else { "" };
    let message = match first {
        0 => format!("measure `{id}` has no values yet: no natural process limits"),
        1 => format!("measure `{id}` has 1 value{before}: no natural process limits yet"),
        n => format!("measure `{id}` has {n} values{before}: no natural process limits yet"),
    };
    let help = format!(
        "add rows to the data file until the first segment has at least {MIN_VALUES} values; until then no signal can be read"
    );
    lints.push(
        Diagnostic::new(
            Code::ShortBaseline,
            Label::new(measure.loc, format!("fewer than {MIN_VALUES} values")),
            message,
        )
        .with_help(help),
    );
}

/// The declared baseline lies outside the natural process limits of the segment holding
/// its period: the segment of the last value whose period ends no later than the
/// baseline's (so `2025-Q4` over monthly data is judged by the segment of `2025-12`),
/// the last segment without `at`. A baseline before every value is not judged.
fn baseline_mismatch(lints: &mut Lints<'_>, measure: &Measure, chart: &Chart, baseline: &Quantity) {
    let segment = match &baseline.when {
        None => chart.segments.last(),
        Some(when) => {
            let end = when.value.end();
            let last = chart.points.iter().rposition(|p| p.period.end() <= end);
            last.and_then(|i| chart.segments.iter().find(|s| s.from <= i && i <= s.to))
        }
    };
    let Some(limits) = segment.and_then(|s| s.limits) else { return };
    if limits.lnpl <= baseline.value && baseline.value <= limits.unpl {
        return;
    }
    let id = &measure.id;
    let message = format!(
        "measure `{id}`'s baseline {} lies outside its natural process limits ({} to {}, central line {})",
        shown(baseline),
        number(limits.lnpl),
        number(limits.unpl),
        number(limits.central_line)
    );
    let help = format!(
        "set the baseline to the central line of the data (`baseline: {}{}`), or check the data and the baseline's date",
        number(limits.central_line),
        if baseline.percent { "%" } else { "" }
    );
    lints.push(
        Diagnostic::new(Code::BaselineMismatch, Label::new(baseline.loc, "outside the limits"), message)
            .with_help(help),
    );
}

/// Each milestone strictly between the limits of the last segment.
fn target_within_limits(lints: &mut Lints<'_>, measure: &Measure, chart: &Chart) {
    let Some(target) = &measure.target else { return };
    let Some(limits) = chart.segments.last().and_then(|s| s.limits) else { return };
    for milestone in target.milestones() {
        if !within(&limits, milestone.value) {
            continue;
        }
        let message = format!(
            "measure `{}`'s target {} lies within its natural process limits ({} to {}): routine variation meets and misses it by chance",
            measure.id,
            shown(milestone),
            number(limits.lnpl),
            number(limits.unpl)
        );
        let help = "set a target beyond the limits, and plan the change in the process that would reach it; a target within them asks for no change";
        lints.push(
            Diagnostic::new(Code::TargetWithinLimits, Label::new(milestone.loc, "within the limits"), message)
                .with_help(help),
        );
    }
}

fn within(limits: &Limits, value: f64) -> bool {
    limits.lnpl < value && value < limits.unpl
}

/// A quantity as written: `35%`.
fn shown(quantity: &Quantity) -> String {
    format!("`{}{}`", quantity.raw, if quantity.percent { "%" } else { "" })
}

/// A limit for a message: at most two decimals.
fn number(x: f64) -> String {
    let rounded = (x * 100.0).round() / 100.0;
    if rounded == 0.0 { "0".to_owned() } else { format!("{rounded}") }
}
