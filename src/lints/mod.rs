//! The method lints of spec section 5, one family per file, and the step that applies
//! suppression comments and lint levels (`strata.toml`, the map's method).

mod data;
mod focus;
mod groups;
mod measures;
mod structure;
pub(crate) mod suppress;
pub mod vocabulary;
mod wording;

use crate::Workspace;
use crate::config::Config;
use crate::diagnostics::{Code, Diagnostic, Level, Severity};
use crate::evidence::Evidence;
use crate::graph::MapGraph;
use crate::sema::model::NodeRef;
use crate::sema::model::{Method, Model};
use crate::source::{FileId, Loc, by_file};
use crate::syntax::ast::{Ast, Decl, DeclKind, Item, ValueKind};
use rustc_hash::{FxHashMap, FxHashSet};

/// What every lint family reads, and where it reports.
pub struct Lints<'a> {
    pub workspace: &'a Workspace,
    pub model: &'a Model,
    /// What a reported error leaves in doubt (the completeness lints do not ask for it).
    pub doubt: &'a Doubt,
    found: Vec<Diagnostic>,
}

/// The lints that ask an item for something it lacks. When the item's block holds a
/// syntax error, the broken line may have held it: they stay quiet (spec section 5,
/// "One mistake, one diagnostic"). A misspelt or badly valued attribute that may be
/// what they ask for is left out of what they ask (`Doubt`).
const ASK_FOR_MORE: &[Code] =
    &[Code::ResultWithoutMeasure, Code::MeasureIncomplete, Code::MissingOf, Code::GroupIncomplete];

/// What the results' `layer:` and `for:` would name once each typo is fixed as its
/// "did you mean" says: the lints that would then go quiet stay quiet now (spec section
/// 5, "One mistake, one diagnostic"; the typo is reported already).
#[derive(Default)]
pub struct Meant {
    /// Layers a result was meant to be in.
    pub layers: FxHashSet<usize>,
    /// Results meant to be in the first layer.
    pub top: FxHashSet<usize>,
    /// Groups a result was meant to be for.
    pub groups: FxHashSet<usize>,
}

impl Meant {
    fn new(model: &Model, asts: &[Ast], diags: &[Diagnostic]) -> Meant {
        let mut meant = Meant::default();
        let suggested: rustc_hash::FxHashMap<Loc, &str> = diags
            .iter()
            .filter(|d| d.code == Code::UnknownReference)
            .filter_map(|d| {
                let help = d.help.as_deref()?.strip_prefix("did you mean `")?;
                Some((d.loc(), &help[..help.find('`')?]))
            })
            .collect();
        if suggested.is_empty() {
            return meant;
        }
        for (i, ast) in asts.iter().enumerate() {
            let file = FileId(i as u32);
            let results = ast.items.iter().filter_map(|item| match item {
                Item::Decl(decl) if decl.kind == DeclKind::Result => Some(decl),
                _ => None,
            });
            for decl in results {
                let Some(id) = &decl.id else { continue };
                let Some(&NodeRef::Result(r)) = model.symbols.get(id.name.as_str()) else { continue };
                for attribute in decl.attributes() {
                    let values = match &attribute.value.kind {
                        ValueKind::List(items) => items.iter().collect(),
                        _ => vec![&attribute.value],
                    };
                    for value in values {
                        let Some(name) = suggested.get(&Loc::new(file, value.span)) else { continue };
                        match (attribute.name.name.as_str(), model.symbols.get(*name)) {
                            ("layer", Some(&NodeRef::Layer(l))) => {
                                meant.layers.insert(l);
                                if l == 0 {
                                    meant.top.insert(r);
                                }
                            }
                            ("for", Some(&NodeRef::Group(g))) => {
                                meant.groups.insert(g);
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        meant
    }
}

/// What an unknown attribute (by its "did you mean") or an invalid value may be, once
/// fixed, among what the lints of `ASK_FOR_MORE` ask for.
const ASKED: &[&str] = &["unit", "direction", "frequency", "of", "intent", "gives", "gets", "proposition"];

/// The items in doubt, by the loc of their id: those whose own block holds a syntax
/// error (all of it in doubt), and the attributes of `ASKED` a misspelt name or a bad
/// value may be. An error inside a nested item's block is that item's, not its
/// parent's.
#[derive(Default)]
pub struct Doubt {
    pub whole: FxHashSet<Loc>,
    pub attributes: FxHashMap<Loc, Vec<&'static str>>,
}

impl Doubt {
    /// Whether the item named at `item` may have the attribute `name` after all.
    pub fn about(&self, item: Loc, name: &str) -> bool {
        self.whole.contains(&item) || self.attributes.get(&item).is_some_and(|names| names.contains(&name))
    }
}

/// What an error leaves in doubt about the item whose block holds it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum InDoubt {
    /// A syntax error: anything the broken line may have held.
    Whole,
    /// A misspelt attribute name whose "did you mean" is this asked-for name.
    Named(&'static str),
    /// An invalid value: the asked-for attribute that holds it, if any.
    ValueOf,
}

fn doubt(asts: &[Ast], diags: &[Diagnostic]) -> Doubt {
    let mut doubt = Doubt::default();
    let asked = |name: &str| ASKED.iter().copied().find(|a| *a == name);
    let what = |d: &Diagnostic| -> Option<InDoubt> {
        match d.code {
            Code::SyntaxError => Some(InDoubt::Whole),
            Code::UnknownAttribute => {
                let name = d.help.as_deref()?.strip_prefix("did you mean `")?.split('`').next()?;
                asked(name).map(InDoubt::Named)
            }
            Code::InvalidValue => Some(InDoubt::ValueOf),
            _ => None,
        }
    };
    let mut errors: Vec<(Loc, InDoubt)> = diags.iter().filter_map(|d| Some((d.loc(), what(d)?))).collect();
    if errors.is_empty() {
        return doubt;
    }
    errors.sort();
    for (i, ast) in asts.iter().enumerate() {
        let file = FileId(i as u32);
        let from = errors.partition_point(|(loc, _)| loc.file < file);
        let to = errors.partition_point(|(loc, _)| loc.file <= file);
        if from == to {
            continue;
        }
        // Every block in source order (nested ones after their parent), without
        // recursion: (where it opens, where it ends, the item).
        let mut blocks = Vec::new();
        let mut todo: Vec<&Decl> = ast
            .items
            .iter()
            .rev()
            .filter_map(|item| match item {
                Item::Decl(decl) => Some(decl),
                Item::Link(_) => None,
            })
            .collect();
        while let Some(decl) = todo.pop() {
            if let Some(block) = &decl.block {
                blocks.push((block.open.start, block.span.end, decl));
            }
            let nested: Vec<&Decl> = decl.nested().collect();
            todo.extend(nested.into_iter().rev());
        }
        // Blocks nest, so the open ones at an offset form a stack; the innermost holds it.
        let mut open: Vec<(u32, &Decl)> = Vec::new();
        let mut next = 0;
        for &(error, what) in &errors[from..to] {
            let at = error.span.start;
            while let Some(&(start, end, decl)) = blocks.get(next).filter(|b| b.0 <= at) {
                open.retain(|(e, _)| *e > start);
                open.push((end, decl));
                next += 1;
            }
            open.retain(|(end, _)| *end > at);
            let Some(&(_, decl)) = open.last() else { continue };
            let item = Loc::new(file, decl.name_span());
            let name = match what {
                InDoubt::Whole => {
                    doubt.whole.insert(item);
                    continue;
                }
                InDoubt::Named(name) => name,
                // The attribute whose value holds the error, however the block is laid
                // out (`frequency: mohthly` on one line with the rest, or on its own).
                InDoubt::ValueOf => {
                    let holder = decl.attributes().find(|a| (a.value.span.start..=a.value.span.end).contains(&at));
                    let Some(name) = holder.and_then(|a| asked(&a.name.name)) else { continue };
                    name
                }
            };
            doubt.attributes.entry(item).or_default().push(name);
        }
    }
    doubt
}

impl Lints<'_> {
    pub fn push(&mut self, diag: Diagnostic) {
        self.found.push(diag);
    }
}

/// Runs every lint on the model, drops what suppression comments and `allow` levels
/// silence, and sets each remaining lint's severity from its level.
pub fn run(
    workspace: &Workspace,
    asts: &[Ast],
    model: &Model,
    config: &Config,
    evidence: &Evidence,
    diags: &mut Vec<Diagnostic>,
) {
    run_inner(workspace, asts, model, config, evidence, diags, None, false);
}

/// `run` for the language server, which keeps what the wording lints found (before
/// suppressions and levels): given what they found in the last analysis, with the same
/// configuration, and the files whose text changed since, only those files' results
/// are read again (the wording lints read nothing but a result's own statement). Gives
/// what they found this time.
pub fn run_keeping(
    workspace: &Workspace,
    asts: &[Ast],
    model: &Model,
    config: &Config,
    evidence: &Evidence,
    diags: &mut Vec<Diagnostic>,
    before: Option<(&[Diagnostic], &[FileId])>,
) -> Vec<Diagnostic> {
    run_inner(workspace, asts, model, config, evidence, diags, before, true)
}

/// `run_keeping`; only the language server wants the wording lints' findings kept (a
/// copy of them: on 100,000 results drawing 500,000 warnings, a tenth of `check`).
#[allow(clippy::too_many_arguments)]
fn run_inner(
    workspace: &Workspace,
    asts: &[Ast],
    model: &Model,
    config: &Config,
    evidence: &Evidence,
    diags: &mut Vec<Diagnostic>,
    before: Option<(&[Diagnostic], &[FileId])>,
    keep: bool,
) -> Vec<Diagnostic> {
    let vocabularies = wording::Vocabularies::shared(config);
    let wording = || {
        let mut lints = Lints { workspace, model, doubt: &Doubt::default(), found: Vec::new() };
        let Some((kept, changed)) = before else {
            wording::check(&mut lints, &vocabularies, &model.results);
            return lints.found;
        };
        let mut found = kept.to_vec();
        for &file in changed {
            let results = &model.results[by_file(&model.results, file, |result| result.loc.file)];
            wording::check(&mut lints, &vocabularies, results);
            let at = by_file(&found, file, |diag| diag.primary.loc.file);
            found.splice(at, lints.found.drain(..));
        }
        found
    };
    let doubt = doubt(asts, diags);
    let the_rest = || {
        let mut lints = Lints { workspace, model, doubt: &doubt, found: Vec::new() };
        let meant = Meant::new(model, asts, diags);
        measures::check(&mut lints);
        structure::check(&mut lints, &MapGraph::new(model), &structure::Dangling::new(model, asts, diags), &meant);
        groups::check(&mut lints, &meant);
        data::check(&mut lints, evidence);
        lints.found
    };
    // The wording lints read every statement word by word: about half the work. On a
    // big map they run beside the others; either way the findings come in the same order.
    const PARALLEL_RESULTS: usize = 2_000;
    let (found, mut rest) = if model.results.len() >= PARALLEL_RESULTS && before.is_none() {
        std::thread::scope(|scope| {
            let words = scope.spawn(wording);
            let rest = the_rest();
            (words.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), rest)
        })
    } else {
        (wording(), the_rest())
    };
    // The lints that ask for named attributes leave out those in doubt themselves.
    let asks = |d: &Diagnostic| match d.code {
        Code::MissingOf => doubt.about(d.loc(), "of"),
        _ => ASK_FOR_MORE.contains(&d.code) && doubt.whole.contains(&d.loc()),
    };
    diags.retain(|d| !asks(d));
    rest.retain(|d| !asks(d));
    let shown = wording::shown(workspace, model, &vocabularies, &found);
    let mut comments = Vec::new();
    let mut suppressions = suppress::collect(workspace, asts, &mut comments);
    // In this order: what the wording lints found and the method shows, what the others
    // found, what the suppression comments themselves draw.
    let wording = || found.iter().zip(&shown).filter_map(|(d, shown)| shown.then_some(d));
    let all: Vec<&Diagnostic> = wording().chain(&rest).chain(&comments).collect();
    let covered = suppress::covered(&mut suppressions, &all);
    drop(all);
    let mut unused = Vec::new();
    suppress::unused(&suppressions, &mut unused);
    let to_show = covered.iter().filter(|c| !**c).count() + unused.len();

    // `covered` in `all`'s three parts.
    let (covered_wording, covered) = covered.split_at(covered.len() - rest.len() - comments.len());
    let (covered_rest, covered_comments) = covered.split_at(rest.len());
    fn uncovered<T>(items: impl Iterator<Item = T>, covered: &[bool]) -> impl Iterator<Item = T> {
        items.zip(covered).filter_map(|(item, covered)| (!covered).then_some(item))
    }
    // What the wording lints found, when kept, stays whole: only what is shown is copied.
    let (shown_wording, kept) = if keep {
        (uncovered(wording(), covered_wording).cloned().collect(), found)
    } else {
        let moved = found.into_iter().zip(shown).filter_map(|(d, shown)| shown.then_some(d));
        (uncovered(moved, covered_wording).collect::<Vec<_>>(), Vec::new())
    };
    let rest = uncovered(rest.into_iter(), covered_rest);
    let comments = uncovered(comments.into_iter(), covered_comments);
    let found = shown_wording.into_iter().chain(rest).chain(comments).chain(unused);
    // `filter_map` promises no length: grown once, not doubling (40,000 warnings: a
    // tenth of the lints' time went to copying them on).
    diags.reserve(to_show);
    diags.extend(found.filter_map(|diag| leveled(config, model, diag)));
    kept
}

/// A lint with the severity its level gives it, or `None` when it is allowed.
pub fn leveled(config: &Config, model: &Model, mut diag: Diagnostic) -> Option<Diagnostic> {
    let direction_words_allowed = model.method() != Method::Pump;
    let level = config.levels.get(&diag.code).copied().or_else(|| diag.code.default_level(direction_words_allowed));
    match level {
        Some(Level::Deny) => diag.severity = Severity::Error,
        Some(Level::Warn) => diag.severity = Severity::Warning,
        Some(Level::Allow) | None => return None,
    }
    Some(diag)
}

/// The evidence lints of the measures `which` (indexes into `model.measures`) that read
/// their charts in `evidence`, before suppressions and levels: what `run` would find
/// about them (for the language server's re-check of an edited CSV file).
pub fn data_lints(
    workspace: &Workspace,
    model: &Model,
    evidence: &[Option<std::sync::Arc<crate::evidence::MeasureData>>],
    which: &[usize],
) -> Vec<Diagnostic> {
    let mut lints = Lints { workspace, model, doubt: &Doubt::default(), found: Vec::new() };
    for &m in which {
        if let (Some(measure), Some(Some(data))) = (model.measures.get(m), evidence.get(m)) {
            data::judge(&mut lints, measure, data);
        }
    }
    lints.found
}

/// Whether a suppression comment covers one of `diags` (lints, before suppressions):
/// then suppressing them decides what `unused-suppression` says.
pub fn any_suppressed<'d>(
    workspace: &Workspace,
    asts: &[Ast],
    diags: impl IntoIterator<Item = &'d Diagnostic>,
) -> bool {
    let lints: Vec<&Diagnostic> = diags.into_iter().collect();
    let mut suppressions = suppress::collect(workspace, asts, &mut Vec::new());
    suppress::covered(&mut suppressions, &lints).contains(&true)
}
