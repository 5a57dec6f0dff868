//! Measures as evidence (PuMP): every result has one; each is calculable (unit,
//! direction, frequency); a target comes after a baseline, has a date, and improves;
//! so does each milestone of a list of targets.

use super::Lints;
use crate::diagnostics::{Code, Diagnostic, Label};
use crate::sema::model::{Direction, Measure, Quantity, Target};

pub fn check(lints: &mut Lints<'_>) {
    let model = lints.model;
    for result in &model.results {
        if result.measures.is_empty() {
            let message = format!("result `{}` has no measure", result.id);
            let help = format!(
                "add a measure that shows whether the result is happening: nest a `measure` in its block, or declare one with `of: {}`",
                result.id
            );
            lints.push(
                Diagnostic::new(Code::ResultWithoutMeasure, Label::new(result.loc, "no measure"), message)
                    .with_help(help),
            );
        }
        if result.owner.is_none() {
            let message = format!("result `{}` has no owner", result.id);
            let help = "add `owner: \"...\"`: the one person accountable for the result";
            lints
                .push(Diagnostic::new(Code::MissingOwner, Label::new(result.loc, "no owner"), message).with_help(help));
        }
    }
    for measure in &model.measures {
        let id = &measure.id;
        let missing: Vec<&str> = [
            ("unit", measure.unit.is_none()),
            ("direction", measure.direction.is_none()),
            ("frequency", measure.frequency.is_none()),
        ]
        .iter()
        .filter(|(name, missing)| *missing && !lints.doubt.about(measure.loc, name))
        .map(|(name, _)| *name)
        .collect();
        if !missing.is_empty() {
            let names = crate::sema::attributes::backticked(&missing);
            let message = format!("measure `{id}` has no {names}");
            let help = format!("add {names} so that a stranger could calculate the measure the same way");
            lints.push(
                Diagnostic::new(Code::MeasureIncomplete, Label::new(measure.loc, format!("no {names}")), message)
                    .with_help(help),
            );
        }
        if measure.owner.is_none() {
            let message = format!("measure `{id}` has no owner");
            let help = "add `owner: \"...\"`: the one person who answers for the measure";
            lints.push(
                Diagnostic::new(Code::MissingOwner, Label::new(measure.loc, "no owner"), message).with_help(help),
            );
        }
        let Some(target) = &measure.target else { continue };
        if measure.baseline.is_none() {
            // Once per measure, however many milestones: the baseline is missing once.
            let message = format!("measure `{id}` has a target but no baseline");
            let help =
                "add `baseline: VALUE at PERIOD`: know where the measure stands before setting where it should go";
            lints.push(
                Diagnostic::new(Code::TargetWithoutBaseline, Label::new(measure.loc, "no baseline"), message)
                    .with_help(help),
            );
        }
        // Every other target lint reads each milestone on its own (a single target is a
        // list of one), and points at that milestone's value.
        for milestone in target.milestones() {
            if let Some(baseline) = &measure.baseline {
                wrong_side(lints, measure, target, milestone, baseline);
                before_baseline(lints, measure, target, milestone, baseline);
            }
            if milestone.when.is_none() {
                let message = format!("{} has no date", name(measure, target, milestone));
                let example = format!("{} by 2027-12", shown(milestone));
                let help = match target.is_list() {
                    false => format!("add when it should be reached: `target: {example}`"),
                    true => format!("add when it should be reached, in date order with the others: `{example}`"),
                };
                lints.push(
                    Diagnostic::new(Code::TargetWithoutDate, Label::new(milestone.loc, "no `by PERIOD`"), message)
                        .with_help(help),
                );
            }
        }
    }
}

/// How messages name a target: "the target of `m`", or, in a list, "milestone `70% by
/// 2026` of `m`".
fn name(measure: &Measure, target: &Target, milestone: &Quantity) -> String {
    match target.is_list() {
        false => format!("the target of `{}`", measure.id),
        true => {
            let by = milestone.when.as_ref().map(|w| format!(" by {}", w.value)).unwrap_or_default();
            format!("milestone `{}{by}` of `{}`", shown(milestone), measure.id)
        }
    }
}

fn wrong_side(lints: &mut Lints<'_>, measure: &Measure, target: &Target, milestone: &Quantity, baseline: &Quantity) {
    // A target equal to the baseline is a maintenance target: holding the line is a
    // goal too (spec section 5, v2).
    let good = match measure.direction {
        _ if baseline.percent != milestone.percent => None,
        Some(Direction::Up) => Some(milestone.value >= baseline.value),
        Some(Direction::Down) => Some(milestone.value <= baseline.value),
        None => None,
    };
    if good != Some(false) {
        return;
    }
    let (dir, better) = match measure.direction {
        Some(Direction::Up) => ("up", "above"),
        _ => ("down", "below"),
    };
    let what = match target.is_list() {
        false => format!("{} ({})", name(measure, target, milestone), shown(milestone)),
        true => name(measure, target, milestone),
    };
    let message = format!("{what} is worse than its baseline ({}) for `direction: {dir}`", shown(baseline));
    let help = format!(
        "set a target {better} the baseline (or equal to it, to hold the line), or check the measure's `direction`"
    );
    let label = Label::new(milestone.loc, "not on the good side of the baseline");
    lints.push(Diagnostic::new(Code::TargetWrongSide, label, message).with_help(help));
}

fn before_baseline(
    lints: &mut Lints<'_>,
    measure: &Measure,
    target: &Target,
    milestone: &Quantity,
    baseline: &Quantity,
) {
    let (Some(by), Some(at)) = (&milestone.when, &baseline.when) else { return };
    if by.value.end() > at.value.end() {
        return;
    }
    let message = format!(
        "{} is due by {}, which is not after its baseline at {}",
        name(measure, target, milestone),
        by.value,
        at.value
    );
    let help = "date the target after the baseline: a target says where the measure should be later";
    let diag = Diagnostic::new(Code::TargetBeforeBaseline, Label::new(by.loc, "not after the baseline"), message)
        .with_label(Label::new(at.loc, "baseline date"))
        .with_help(help);
    lints.push(diag);
}

fn shown(q: &Quantity) -> String {
    format!("{}{}", q.raw, if q.percent { "%" } else { "" })
}
