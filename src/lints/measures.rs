//! Measures as evidence (PuMP): every result has one; each is calculable (unit,
//! direction, frequency); a target comes after a baseline, has a date, and improves.

use super::Lints;
use crate::diagnostics::{Code, Diagnostic, Label};
use crate::sema::model::Direction;

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
        match &measure.baseline {
            None => {
                let message = format!("measure `{id}` has a target but no baseline");
                let help =
                    "add `baseline: VALUE at PERIOD`: know where the measure stands before setting where it should go";
                lints.push(
                    Diagnostic::new(Code::TargetWithoutBaseline, Label::new(measure.loc, "no baseline"), message)
                        .with_help(help),
                );
            }
            Some(baseline) => {
                // A target equal to the baseline is a maintenance target: holding the
                // line is a goal too (spec section 5, v2).
                let good = match measure.direction {
                    _ if baseline.percent != target.percent => None,
                    Some(Direction::Up) => Some(target.value >= baseline.value),
                    Some(Direction::Down) => Some(target.value <= baseline.value),
                    None => None,
                };
                if good == Some(false) {
                    let (dir, better) = match measure.direction {
                        Some(Direction::Up) => ("up", "above"),
                        _ => ("down", "below"),
                    };
                    let message = format!(
                        "the target of `{id}` ({}) is worse than its baseline ({}) for `direction: {dir}`",
                        shown(target),
                        shown(baseline)
                    );
                    let help = format!(
                        "set a target {better} the baseline (or equal to it, to hold the line), or check the measure's `direction`"
                    );
                    let label = Label::new(target.loc, "not on the good side of the baseline");
                    lints.push(Diagnostic::new(Code::TargetWrongSide, label, message).with_help(help));
                }
                if let (Some(by), Some(at)) = (&target.when, &baseline.when)
                    && by.value.end() <= at.value.end()
                {
                    let message = format!(
                        "the target of `{id}` is due by {}, which is not after its baseline at {}",
                        by.value, at.value
                    );
                    let help = "date the target after the baseline: a target says where the measure should be later";
                    let diag = Diagnostic::new(
                        Code::TargetBeforeBaseline,
                        Label::new(by.loc, "not after the baseline"),
                        message,
                    )
                    .with_label(Label::new(at.loc, "baseline date"))
                    .with_help(help);
                    lints.push(diag);
                }
            }
        }
        if target.when.is_none() {
            let message = format!("the target of `{id}` has no date");
            let help = format!("add when it should be reached: `target: {} by 2027-12`", shown(target));
            lints.push(
                Diagnostic::new(Code::TargetWithoutDate, Label::new(target.loc, "no `by PERIOD`"), message)
                    .with_help(help),
            );
        }
    }
}

fn shown(q: &crate::sema::model::Quantity) -> String {
    format!("{}{}", q.raw, if q.percent { "%" } else { "" })
}
