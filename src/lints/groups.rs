//! Customer groups (Profit By Design): a two-way value exchange and an intent for every
//! group, every group served by some result, none served that the business means to exit,
//! and shares that add up.

use super::Lints;
use crate::diagnostics::{Code, Diagnostic, Label};
use crate::sema::model::{Group, Model};

pub fn check(lints: &mut Lints<'_>, meant: &super::Meant) {
    let model = lints.model;
    let groups = &model.groups;

    for (i, group) in groups.iter().enumerate() {
        // A group the business is leaving needs no value proposition of its own.
        let exiting = is_exit(intent(model, i));
        let missing: Vec<&str> = [
            ("intent", inherited(model, i, |g| g.intent.is_some())),
            ("gives", inherited(model, i, |g| g.gives.is_some())),
            ("gets", inherited(model, i, |g| g.gets.is_some())),
            ("proposition", exiting || inherited(model, i, |g| g.proposition.is_some())),
        ]
        .iter()
        .filter(|(name, has)| !has && !lints.doubt.about(group.loc, name))
        .map(|(name, _)| *name)
        .collect();
        if !missing.is_empty() {
            let message = format!("group `{}` has no {}", group.id, crate::sema::attributes::backticked(&missing));
            let help = "state the value exchange: what the group gives the business, what it gets, the proposition written for it, and the business's intent";
            lints.push(
                Diagnostic::new(Code::GroupIncomplete, Label::new(group.loc, "incomplete group"), message)
                    .with_help(help),
            );
        }
    }

    let mut served = vec![false; groups.len()];
    // A group a result names through a typo is served once the typo is fixed.
    for &g in &meant.groups {
        let mut at = Some(g);
        while let Some(g) = at {
            served[g] = true;
            at = groups[g].parent;
        }
    }
    for result in &model.results {
        for target in &result.for_groups {
            let mut at = Some(target.value);
            while let Some(g) = at {
                served[g] = true;
                at = groups[g].parent;
            }
            if let Some(exit) = intent(model, target.value).filter(|i| is_exit(Some(i))) {
                let group = &groups[target.value];
                let message =
                    format!("result `{}` is for `{}`, a group the business means to {exit}", result.id, group.id);
                let help = "aim the result at the groups the strategy is for, or change the group's intent";
                lints.push(
                    Diagnostic::new(
                        Code::ResultForExitGroup,
                        Label::new(target.loc, format!("intent: {exit}")),
                        message,
                    )
                    .with_help(help),
                );
            }
        }
    }
    for (i, (group, served)) in groups.iter().zip(&served).enumerate() {
        // A group the business means to exit or retire needs no results of its own.
        if group.parent.is_none() && !served && !is_exit(intent(model, i)) {
            let message = format!("no result is for group `{}` or any of its sub-groups", group.id);
            let help = format!("add `for: {}` to the results meant for this group, or remove the group", group.id);
            lints.push(
                Diagnostic::new(Code::UnusedGroup, Label::new(group.loc, "unused group"), message).with_help(help),
            );
        }
    }

    // Groups with a share, bucketed by parent (`None` for the top level), in order.
    let mut by_parent: std::collections::BTreeMap<Option<usize>, Vec<&Group>> = Default::default();
    for group in groups.iter().filter(|g| g.share.is_some()) {
        by_parent.entry(group.parent).or_default().push(group);
    }
    for (parent, siblings) in by_parent {
        let total: f64 = siblings.iter().filter_map(|g| g.share.as_ref().map(|s| s.value)).sum();
        // Published shares are rounded: allow half a percentage point per share summed
        // (34% + 33% + 34% is a whole).
        let rounding = 0.5 * siblings.len() as f64;
        if total <= 100.0 + rounding + 1e-9 {
            continue;
        }
        let (loc, message) = match parent {
            Some(p) => (
                groups[p].loc,
                format!("the sub-groups of `{}` have shares adding up to {}%", groups[p].id, trim(total)),
            ),
            None => match siblings.last() {
                Some(last) => (last.loc, format!("the top-level groups have shares adding up to {}%", trim(total))),
                None => continue,
            },
        };
        let mut diag = Diagnostic::new(Code::GroupShareOverflow, Label::new(loc, "more than 100%"), message)
            .with_help("shares of one level are parts of a whole: correct them so they add up to 100% at most");
        for g in &siblings {
            if let Some(share) = &g.share {
                diag = diag.with_label(Label::new(share.loc, format!("`{}`: {}%", g.id, trim(share.value))));
            }
        }
        lints.push(diag);
    }
}

/// Whether the group, or an ancestor it inherits from, has the attribute.
fn inherited(model: &Model, group: usize, has: impl Fn(&Group) -> bool) -> bool {
    let mut at = Some(group);
    while let Some(g) = at {
        if has(&model.groups[g]) {
            return true;
        }
        at = model.groups[g].parent;
    }
    false
}

/// Whether an intent is an exit intent (`exit`, `retire`).
fn is_exit(intent: Option<&str>) -> bool {
    intent.is_some_and(|i| crate::lints::vocabulary::EXIT_INTENTS.contains(&i))
}

/// The group's intent, inherited from its parents when it has none.
fn intent(model: &Model, group: usize) -> Option<&str> {
    let mut at = Some(group);
    while let Some(g) = at {
        if let Some(intent) = &model.groups[g].intent {
            return Some(&intent.value);
        }
        at = model.groups[g].parent;
    }
    None
}

fn trim(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}
