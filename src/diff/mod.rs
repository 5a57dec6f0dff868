//! The semantic diff (spec 11), pure: two analysed workspaces in, a list of changes and
//! the diagnostics introduced and fixed out. Items are matched by id whatever file they
//! live in, links by cause and effect, diagnostics by code, severity, item and message
//! (never by line), so moving text between files is no change at all. Loading the two
//! sides (directories or git revisions) is the edge's job (`diff/git.rs`, `cli.rs`);
//! rendering is `diff/render.rs`. Decisions where the spec is silent are in
//! docs/diff.md.

pub mod git;
pub mod render;

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::diagnostics::render::json_diagnostic;
use crate::diagnostics::{Diagnostic, Severity};
use crate::sema::model::{Direction, Link, Model, NodeRef, Quantity, Target};
use crate::source::Loc;
use crate::syntax::ast::{Ast, Decl, Item};
use crate::{Analysis, Workspace};

/// One side of the comparison: a workspace and what `check` found in it.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    pub workspace: &'a Workspace,
    pub analysis: &'a Analysis,
}

/// Every kind of change, by its kebab-case name (spec 11).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    MapAdded,
    MapRemoved,
    LayerAdded,
    LayerRemoved,
    LayerOrderChanged,
    GroupAdded,
    GroupRemoved,
    ResultAdded,
    ResultRemoved,
    MeasureAdded,
    MeasureRemoved,
    ActionAdded,
    ActionRemoved,
    StatementReworded,
    TitleReworded,
    NameReworded,
    AttributeChanged,
    IntentChanged,
    StatusChanged,
    MeasureMoved,
    TargetLowered,
    TargetRaised,
    TargetDeferred,
    TargetBroughtForward,
    LinkAdded,
    LinkRemoved,
    LinkChanged,
    ValueRevised,
    LimitsRecalculated,
    RecalculationRemoved,
    SignalStarted,
    SignalEnded,
}

impl Kind {
    pub const ALL: &[Kind] = &[
        Kind::MapAdded,
        Kind::MapRemoved,
        Kind::LayerAdded,
        Kind::LayerRemoved,
        Kind::LayerOrderChanged,
        Kind::GroupAdded,
        Kind::GroupRemoved,
        Kind::ResultAdded,
        Kind::ResultRemoved,
        Kind::MeasureAdded,
        Kind::MeasureRemoved,
        Kind::ActionAdded,
        Kind::ActionRemoved,
        Kind::StatementReworded,
        Kind::TitleReworded,
        Kind::NameReworded,
        Kind::AttributeChanged,
        Kind::IntentChanged,
        Kind::StatusChanged,
        Kind::MeasureMoved,
        Kind::TargetLowered,
        Kind::TargetRaised,
        Kind::TargetDeferred,
        Kind::TargetBroughtForward,
        Kind::LinkAdded,
        Kind::LinkRemoved,
        Kind::LinkChanged,
        Kind::ValueRevised,
        Kind::LimitsRecalculated,
        Kind::RecalculationRemoved,
        Kind::SignalStarted,
        Kind::SignalEnded,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::MapAdded => "map-added",
            Kind::MapRemoved => "map-removed",
            Kind::LayerAdded => "layer-added",
            Kind::LayerRemoved => "layer-removed",
            Kind::LayerOrderChanged => "layer-order-changed",
            Kind::GroupAdded => "group-added",
            Kind::GroupRemoved => "group-removed",
            Kind::ResultAdded => "result-added",
            Kind::ResultRemoved => "result-removed",
            Kind::MeasureAdded => "measure-added",
            Kind::MeasureRemoved => "measure-removed",
            Kind::ActionAdded => "action-added",
            Kind::ActionRemoved => "action-removed",
            Kind::StatementReworded => "statement-reworded",
            Kind::TitleReworded => "title-reworded",
            Kind::NameReworded => "name-reworded",
            Kind::AttributeChanged => "attribute-changed",
            Kind::IntentChanged => "intent-changed",
            Kind::StatusChanged => "status-changed",
            Kind::MeasureMoved => "measure-moved",
            Kind::TargetLowered => "target-lowered",
            Kind::TargetRaised => "target-raised",
            Kind::TargetDeferred => "target-deferred",
            Kind::TargetBroughtForward => "target-brought-forward",
            Kind::LinkAdded => "link-added",
            Kind::LinkRemoved => "link-removed",
            Kind::LinkChanged => "link-changed",
            Kind::ValueRevised => "value-revised",
            Kind::LimitsRecalculated => "limits-recalculated",
            Kind::RecalculationRemoved => "recalculation-removed",
            Kind::SignalStarted => "signal-started",
            Kind::SignalEnded => "signal-ended",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// What the kind says, for the human and markdown renderings.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::MapAdded => "map added",
            Kind::MapRemoved => "map removed",
            Kind::LayerAdded => "layer added",
            Kind::LayerRemoved => "layer removed",
            Kind::LayerOrderChanged => "layer order changed",
            Kind::GroupAdded => "group added",
            Kind::GroupRemoved => "group removed",
            Kind::ResultAdded => "result added",
            Kind::ResultRemoved => "result removed",
            Kind::MeasureAdded => "measure added",
            Kind::MeasureRemoved => "measure removed",
            Kind::ActionAdded => "action added",
            Kind::ActionRemoved => "action removed",
            Kind::StatementReworded => "statement reworded",
            Kind::TitleReworded => "title reworded",
            Kind::NameReworded => "name reworded",
            Kind::AttributeChanged => "attribute changed",
            Kind::IntentChanged => "intent changed",
            Kind::StatusChanged => "status changed",
            Kind::MeasureMoved => "measure moved",
            Kind::TargetLowered => "target lowered",
            Kind::TargetRaised => "target raised",
            Kind::TargetDeferred => "target deferred",
            Kind::TargetBroughtForward => "target brought forward",
            Kind::LinkAdded => "link added",
            Kind::LinkRemoved => "link removed",
            Kind::LinkChanged => "link changed",
            Kind::ValueRevised => "value revised",
            Kind::LimitsRecalculated => "limits recalculated",
            Kind::RecalculationRemoved => "recalculation removed",
            Kind::SignalStarted => "signal started",
            Kind::SignalEnded => "signal ended",
        }
    }
}

/// Where an item is on one side: the file as shown, and the 1-based line of its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub file: String,
    pub line: usize,
}

/// Which part of the map a change belongs to: the human and markdown renderings group by
/// it, and every output lists changes in this order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// The map item and the layers.
    Map,
    /// Customer groups.
    Groups,
    /// A result, its measures and the links into it; the number orders the results as
    /// the head side declares them, then those only the base side has.
    Result(usize, String),
    Actions,
    /// Measures that are of no result.
    Other,
}

/// One change between the two sides.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub kind: Kind,
    /// The item's id; `"a -> b"` for a link, `"map"` for the map, `"layers"` for the order.
    pub id: String,
    /// The attribute that changed (`attribute-changed`, `link-changed`, targets), if any.
    pub attribute: Option<&'static str>,
    /// The 1-based position of the milestone in a target list, for target changes of a
    /// measure whose target is a list.
    pub milestone: Option<usize>,
    /// The period of a data change: the revised value's, the new segment's, the signal's
    /// first point's.
    pub period: Option<String>,
    /// The value on each side as it would be written (strings without their quotes);
    /// `None` where it does not exist.
    pub before: Option<String>,
    pub after: Option<String>,
    pub before_at: Option<Place>,
    pub after_at: Option<Place>,
    /// For a removed item, what depended on it on the base side (`link a -> b`,
    /// `measure m`, `result r (for)`...).
    pub dependents: Vec<String>,
    pub section: Section,
}

/// A diagnostic introduced or fixed.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub severity: Severity,
    /// The item the diagnostic is about (what it is matched by, with code, severity and
    /// message): the innermost declaration or link around it, or the file for one that is
    /// not a `.strata` file; `None` between items.
    pub item: Option<String>,
    /// The object of `check --format json` (spec 7.1), positions on its own side.
    pub json: serde_json::Value,
}

/// What changed between a base and a head.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diff {
    pub changes: Vec<Change>,
    /// On the head side, not on the base side.
    pub introduced: Vec<Finding>,
    /// On the base side, not on the head side.
    pub fixed: Vec<Finding>,
    /// How many `.strata` files of each side had syntax errors: what parsed is compared.
    pub broken_files: (usize, usize),
}

impl Diff {
    /// Adds another workspace's diff (a repository of several maps).
    pub fn append(&mut self, mut other: Diff) {
        self.changes.append(&mut other.changes);
        self.introduced.append(&mut other.introduced);
        self.fixed.append(&mut other.fixed);
        self.broken_files.0 += other.broken_files.0;
        self.broken_files.1 += other.broken_files.1;
    }

    /// How many changes of each kind, in kind order.
    pub fn counts(&self) -> Vec<(Kind, usize)> {
        let mut counts: BTreeMap<Kind, usize> = BTreeMap::new();
        for change in &self.changes {
            *counts.entry(change.kind).or_default() += 1;
        }
        counts.into_iter().collect()
    }

    /// Whether any `--fail-on` condition holds.
    pub fn fails_on(&self, condition: FailOn) -> bool {
        let new = |severity| self.introduced.iter().any(|f| f.severity == severity);
        match condition {
            FailOn::Kind(kind) => self.changes.iter().any(|c| c.kind == kind),
            FailOn::Added => self.changes.iter().any(|c| c.kind.name().ends_with("-added")),
            FailOn::Removed => {
                self.changes.iter().any(|c| c.kind.name().ends_with("-removed") && c.kind != Kind::RecalculationRemoved)
            }
            FailOn::NewErrors => new(Severity::Error),
            FailOn::NewWarnings => new(Severity::Warning),
        }
    }
}

/// A condition of `--fail-on`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Kind(Kind),
    /// Any `*-added` kind.
    Added,
    /// Any `*-removed` kind of item (not `recalculation-removed`).
    Removed,
    NewErrors,
    NewWarnings,
}

impl FailOn {
    pub fn parse(name: &str) -> Option<FailOn> {
        match name {
            "new-errors" => Some(FailOn::NewErrors),
            "new-warnings" => Some(FailOn::NewWarnings),
            "added" => Some(FailOn::Added),
            "removed" => Some(FailOn::Removed),
            _ => Kind::from_name(name).map(FailOn::Kind),
        }
    }

    /// Every name `parse` accepts.
    pub fn names() -> Vec<&'static str> {
        let mut names = vec!["new-errors", "new-warnings", "added", "removed"];
        names.extend(Kind::ALL.iter().map(|k| k.name()));
        names
    }
}

/// Compares two analysed workspaces.
pub fn diff(before: Side, after: Side) -> Diff {
    let mut cx = Cx { before, after, changes: Vec::new(), order: rustc_hash::FxHashMap::default() };
    for (i, result) in after.analysis.model.results.iter().enumerate() {
        cx.order.entry(result.id.as_str()).or_insert(i);
    }
    let count = after.analysis.model.results.len();
    for (i, result) in before.analysis.model.results.iter().enumerate() {
        cx.order.entry(result.id.as_str()).or_insert(count + i);
    }
    cx.map();
    cx.layers();
    cx.groups();
    cx.results();
    cx.measures();
    cx.actions();
    cx.links();
    let mut changes = cx.changes;
    changes.sort_by(|a, b| a.section.cmp(&b.section));
    let (introduced, fixed) = diagnostics(before, after);
    let broken = |side: Side| side.analysis.asts.iter().filter(|ast| ast.has_errors).count();
    Diff { changes, introduced, fixed, broken_files: (broken(before), broken(after)) }
}

struct Cx<'a> {
    before: Side<'a>,
    after: Side<'a>,
    changes: Vec<Change>,
    /// Each result id's place in the order of sections.
    order: rustc_hash::FxHashMap<&'a str, usize>,
}

fn place(side: Side, loc: Loc) -> Option<Place> {
    let file = side.workspace.files.get(loc.file.0 as usize)?;
    Some(Place { file: file.path.clone(), line: file.line_index.line_of(loc.span.start as usize) + 1 })
}

fn text(value: &Option<impl AsRef<str>>) -> Option<Cow<'_, str>> {
    value.as_ref().map(|v| Cow::Borrowed(v.as_ref()))
}

/// A value made for the comparison.
fn owned(value: Option<String>) -> Option<Cow<'static, str>> {
    value.map(Cow::Owned)
}

/// A value that is always there, borrowed.
fn some(value: &str) -> Option<Cow<'_, str>> {
    Some(Cow::Borrowed(value))
}

fn quantity(q: &Quantity) -> String {
    let mut out = q.raw.to_string();
    if q.percent {
        out.push('%');
    }
    out
}

fn dated(q: &Quantity, word: &str) -> String {
    match &q.when {
        Some(when) => format!("{} {word} {}", quantity(q), when.value),
        None => quantity(q),
    }
}

fn milestones(target: &Option<Target>) -> &[Quantity] {
    target.as_ref().map_or(&[][..], Target::milestones)
}

/// Whether two lists of quantities are written the same (value and date).
fn same_quantities(x: &[Quantity], y: &[Quantity]) -> bool {
    let date = |q: &Quantity| q.when.as_ref().map(|w| w.value);
    x.len() == y.len() && x.iter().zip(y).all(|(x, y)| x.raw == y.raw && x.percent == y.percent && date(x) == date(y))
}

fn target_text(target: &Target) -> String {
    match target {
        Target::One(one) => dated(one, "by"),
        Target::List(list) => format!("[{}]", list.iter().map(|q| dated(q, "by")).collect::<Vec<_>>().join(", ")),
    }
}

fn list<'a>(items: &[String]) -> Option<Cow<'a, str>> {
    (!items.is_empty()).then(|| Cow::Owned(format!("[{}]", items.join(", "))))
}

/// An attribute's value on each side, as text (borrowed where the model has it as text,
/// so that comparing 100,000 unchanged items allocates nothing).
type Pair<'a> = (Option<Cow<'a, str>>, Option<Cow<'a, str>>);

/// Where a change goes, before it is one: `Section` without its allocation.
#[derive(Clone, Copy)]
enum At<'a> {
    Map,
    Groups,
    Result(&'a str),
    Actions,
    Other,
}

impl<'a> Cx<'a> {
    fn models(&self) -> (&'a Model, &'a Model) {
        (&self.before.analysis.model, &self.after.analysis.model)
    }

    fn section(&self, at: At) -> Section {
        match at {
            At::Map => Section::Map,
            At::Groups => Section::Groups,
            At::Result(id) => Section::Result(self.order.get(id).copied().unwrap_or(usize::MAX), id.to_owned()),
            At::Actions => Section::Actions,
            At::Other => Section::Other,
        }
    }

    #[allow(clippy::too_many_arguments)] // one call shape for every kind of change
    fn push(
        &mut self,
        kind: Kind,
        id: &str,
        attribute: Option<&'static str>,
        (before, after): Pair,
        at: (Option<Loc>, Option<Loc>),
        section: &At,
    ) {
        let section = self.section(*section);
        self.changes.push(Change {
            kind,
            id: id.to_owned(),
            attribute,
            milestone: None,
            period: None,
            before: before.map(Cow::into_owned),
            after: after.map(Cow::into_owned),
            before_at: at.0.and_then(|loc| place(self.before, loc)),
            after_at: at.1.and_then(|loc| place(self.after, loc)),
            dependents: Vec::new(),
            section,
        });
    }

    /// `attribute-changed` (or `kind`) for each attribute whose text differs.
    fn attributes<'p>(
        &mut self,
        kind: Kind,
        id: &str,
        at: (Loc, Loc),
        section: &At,
        pairs: impl IntoIterator<Item = (&'static str, Pair<'p>)>,
    ) {
        for (name, pair) in pairs {
            if pair.0 != pair.1 {
                self.push(kind, id, Some(name), pair, (Some(at.0), Some(at.1)), section);
            }
        }
    }

    fn added(&mut self, kind: Kind, id: &str, title: &str, loc: Loc, section: &At) {
        self.push(kind, id, None, (None, some(title)), (None, Some(loc)), section);
    }

    fn removed(&mut self, kind: Kind, id: &str, title: &str, loc: Loc, section: &At, dependents: Vec<String>) {
        self.push(kind, id, None, (some(title), None), (Some(loc), None), section);
        if let Some(change) = self.changes.last_mut() {
            change.dependents = dependents;
        }
    }

    fn map(&mut self) {
        let (b, a) = self.models();
        let section = At::Map;
        match (&b.map, &a.map) {
            (None, None) => {}
            (None, Some(map)) => self.added(Kind::MapAdded, "map", &map.title, map.loc, &section),
            (Some(map), None) => self.removed(Kind::MapRemoved, "map", &map.title, map.loc, &section, Vec::new()),
            (Some(x), Some(y)) => {
                let at = (x.loc, y.loc);
                let title = [("title", (some(&x.title), some(&y.title)))];
                self.attributes(Kind::TitleReworded, "map", at, &section, title);
                let method =
                    |m: &crate::sema::model::MapInfo| m.method.as_ref().map(|m| Cow::Borrowed(m.value.as_str()));
                let horizon = |m: &crate::sema::model::MapInfo| owned(m.horizon.map(|h| h.to_string()));
                let pairs = [
                    ("purpose", (text(&x.purpose), text(&y.purpose))),
                    ("vision", (text(&x.vision), text(&y.vision))),
                    ("mission", (text(&x.mission), text(&y.mission))),
                    ("owner", (text(&x.owner), text(&y.owner))),
                    ("horizon", (horizon(x), horizon(y))),
                    ("method", (method(x), method(y))),
                ];
                self.attributes(Kind::AttributeChanged, "map", at, &section, pairs);
            }
        }
    }

    fn layers(&mut self) {
        let (b, a) = self.models();
        let section = At::Map;
        for layer in &b.layers {
            match a.symbols.get(&layer.id) {
                Some(&NodeRef::Layer(j)) => {
                    let other = &a.layers[j];
                    let at = (layer.loc, other.loc);
                    let title = [("title", (some(&layer.title), some(&other.title)))];
                    self.attributes(Kind::TitleReworded, &layer.id, at, &section, title);
                    let note = [("note", (text(&layer.note), text(&other.note)))];
                    self.attributes(Kind::AttributeChanged, &layer.id, at, &section, note);
                }
                _ => {
                    let i = b.layers.iter().position(|l| l.id == layer.id);
                    let dependents = b
                        .results
                        .iter()
                        .filter(|r| r.layer.is_some() && r.layer == i)
                        .map(|r| format!("result {} (layer)", r.id))
                        .collect();
                    self.removed(Kind::LayerRemoved, &layer.id, &layer.title, layer.loc, &section, dependents);
                }
            }
        }
        for layer in &a.layers {
            if !matches!(b.symbols.get(&layer.id), Some(NodeRef::Layer(_))) {
                self.added(Kind::LayerAdded, &layer.id, &layer.title, layer.loc, &section);
            }
        }
        // The order of the layers both sides have.
        let common = |m: &Model, other: &Model| -> Vec<String> {
            m.layers
                .iter()
                .filter(|l| matches!(other.symbols.get(&l.id), Some(NodeRef::Layer(_))))
                .map(|l| l.id.to_string())
                .collect()
        };
        let (old, new) = (common(b, a), common(a, b));
        if old != new {
            let first = |m: &Model| m.layers.first().map(|l| l.loc);
            self.push(
                Kind::LayerOrderChanged,
                "layers",
                None,
                (list(&old), list(&new)),
                (first(b), first(a)),
                &section,
            );
        }
    }

    fn groups(&mut self) {
        let (b, a) = self.models();
        let section = At::Groups;
        let parent = |m: &'a Model, p: Option<usize>| p.map(|p| Cow::Borrowed(m.groups[p].id.as_str()));
        for group in &b.groups {
            match a.symbols.get(&group.id) {
                Some(&NodeRef::Group(j)) => {
                    let other = &a.groups[j];
                    let at = (group.loc, other.loc);
                    let name = [("name", (some(&group.name), some(&other.name)))];
                    self.attributes(Kind::NameReworded, &group.id, at, &section, name);
                    let intent =
                        |g: &'a crate::sema::model::Group| g.intent.as_ref().map(|i| Cow::Borrowed(i.value.as_str()));
                    let intent = [("intent", (intent(group), intent(other)))];
                    self.attributes(Kind::IntentChanged, &group.id, at, &section, intent);
                    let share =
                        |g: &crate::sema::model::Group| owned(g.share.as_ref().map(|s| format!("{}%", s.value)));
                    let pairs = [
                        ("parent", (parent(b, group.parent), parent(a, other.parent))),
                        ("share", (share(group), share(other))),
                        ("gives", (text(&group.gives), text(&other.gives))),
                        ("gets", (text(&group.gets), text(&other.gets))),
                        ("proposition", (text(&group.proposition), text(&other.proposition))),
                        ("criteria", (text(&group.criteria), text(&other.criteria))),
                        ("note", (text(&group.note), text(&other.note))),
                    ];
                    self.attributes(Kind::AttributeChanged, &group.id, at, &section, pairs);
                }
                _ => {
                    let i = b.groups.iter().position(|g| g.id == group.id);
                    let mut dependents: Vec<String> = b
                        .groups
                        .iter()
                        .filter(|g| g.parent.is_some() && g.parent == i)
                        .map(|g| format!("group {} (sub-group)", g.id))
                        .collect();
                    dependents.extend(
                        b.results
                            .iter()
                            .filter(|r| r.for_groups.iter().any(|f| Some(f.value) == i))
                            .map(|r| format!("result {} (for)", r.id)),
                    );
                    self.removed(Kind::GroupRemoved, &group.id, &group.name, group.loc, &section, dependents);
                }
            }
        }
        for group in &a.groups {
            if !matches!(b.symbols.get(&group.id), Some(NodeRef::Group(_))) {
                self.added(Kind::GroupAdded, &group.id, &group.name, group.loc, &section);
            }
        }
    }

    fn results(&mut self) {
        let (b, a) = self.models();
        let layer = |m: &'a Model, l: Option<usize>| l.map(|l| Cow::Borrowed(m.layers[l].id.as_str()));
        let groups = |m: &Model, r: &crate::sema::model::ResultNode| {
            list(&r.for_groups.iter().map(|g| m.groups[g.value].id.to_string()).collect::<Vec<_>>())
        };
        for (i, result) in b.results.iter().enumerate() {
            let section = At::Result(&result.id);
            match a.symbols.get(&result.id) {
                Some(&NodeRef::Result(j)) => {
                    let other = &a.results[j];
                    let at = (result.loc, other.loc);
                    let statement = (some(&result.statement.value), some(&other.statement.value));
                    self.attributes(Kind::StatementReworded, &result.id, at, &section, [("statement", statement)]);
                    let pairs = [
                        ("layer", (layer(b, result.layer), layer(a, other.layer))),
                        ("for", (groups(b, result), groups(a, other))),
                        ("owner", (text(&result.owner), text(&other.owner))),
                        ("note", (text(&result.note), text(&other.note))),
                    ];
                    self.attributes(Kind::AttributeChanged, &result.id, at, &section, pairs);
                }
                _ => {
                    let mut dependents: Vec<String> = b
                        .links
                        .iter()
                        .filter(|l| l.to == i || l.from == NodeRef::Result(i))
                        .map(|l| format!("link {}", link_id(b, l)))
                        .collect();
                    dependents.extend(result.measures.iter().map(|&m| format!("measure {}", b.measures[m].id)));
                    let statement = result.statement.value.clone();
                    self.removed(Kind::ResultRemoved, &result.id, &statement, result.loc, &section, dependents);
                }
            }
        }
        for result in &a.results {
            if !matches!(b.symbols.get(&result.id), Some(NodeRef::Result(_))) {
                let section = At::Result(&result.id);
                self.added(Kind::ResultAdded, &result.id, &result.statement.value, result.loc, &section);
            }
        }
    }

    fn measure_section<'m>(&self, m: &'m Model, of: Option<usize>) -> At<'m> {
        match of {
            Some(r) => At::Result(&m.results[r].id),
            None => At::Other,
        }
    }

    fn measures(&mut self) {
        let (b, a) = self.models();
        let of = |m: &'a Model, o: Option<usize>| o.map(|o| Cow::Borrowed(m.results[o].id.as_str()));
        for (i, measure) in b.measures.iter().enumerate() {
            match a.symbols.get(&measure.id) {
                Some(&NodeRef::Measure(j)) => {
                    let other = &a.measures[j];
                    let section = self.measure_section(a, other.of);
                    let at = (measure.loc, other.loc);
                    let name = [("name", (some(&measure.name), some(&other.name)))];
                    self.attributes(Kind::NameReworded, &measure.id, at, &section, name);
                    self.attributes(
                        Kind::MeasureMoved,
                        &measure.id,
                        at,
                        &section,
                        [("of", (of(b, measure.of), of(a, other.of)))],
                    );
                    let direction = |d: Option<Direction>| d.map(|d| Cow::Borrowed(d.as_str()));
                    // Written out only when they differ: most baselines do not.
                    let baseline = |q: &Option<Quantity>| owned(q.as_ref().map(|q| dated(q, "at")));
                    let baselines = if same_quantities(measure.baseline.as_slice(), other.baseline.as_slice()) {
                        (None, None)
                    } else {
                        (baseline(&measure.baseline), baseline(&other.baseline))
                    };
                    let data =
                        |m: &'a crate::sema::model::Measure| m.data.as_ref().map(|d| Cow::Borrowed(d.written.as_str()));
                    let pairs = [
                        ("unit", (text(&measure.unit), text(&other.unit))),
                        ("direction", (direction(measure.direction), direction(other.direction))),
                        ("baseline", baselines),
                    ];
                    self.attributes(Kind::AttributeChanged, &measure.id, at, &section, pairs);
                    self.target(measure, other, at, &section);
                    let pairs = [
                        ("frequency", (text(&measure.frequency), text(&other.frequency))),
                        ("formula", (text(&measure.formula), text(&other.formula))),
                        ("source", (text(&measure.source), text(&other.source))),
                        ("data", (data(measure), data(other))),
                        ("owner", (text(&measure.owner), text(&other.owner))),
                        ("note", (text(&measure.note), text(&other.note))),
                    ];
                    self.attributes(Kind::AttributeChanged, &measure.id, at, &section, pairs);
                    self.data(&measure.id, i, j, &section);
                }
                _ => {
                    let section = self.measure_section(b, measure.of);
                    self.removed(Kind::MeasureRemoved, &measure.id, &measure.name, measure.loc, &section, Vec::new());
                }
            }
        }
        for measure in &a.measures {
            if !matches!(b.symbols.get(&measure.id), Some(NodeRef::Measure(_))) {
                let section = self.measure_section(a, measure.of);
                self.added(Kind::MeasureAdded, &measure.id, &measure.name, measure.loc, &section);
            }
        }
    }

    /// A target's milestones compared one for one, when both sides have as many: each
    /// value lowered or raised (given the head's `direction`), each date deferred or
    /// brought forward. Otherwise (a target added or removed, milestones added or
    /// removed, or no direction to judge a value by) `attribute-changed` with the whole
    /// target on each side.
    fn target(
        &mut self,
        before: &crate::sema::model::Measure,
        after: &crate::sema::model::Measure,
        at: (Loc, Loc),
        section: &At,
    ) {
        if same_quantities(milestones(&before.target), milestones(&after.target))
            && before.target.as_ref().map(Target::is_list) == after.target.as_ref().map(Target::is_list)
        {
            return;
        }
        let whole = (owned(before.target.as_ref().map(target_text)), owned(after.target.as_ref().map(target_text)));
        if whole.0 == whole.1 {
            return;
        }
        let (Some(old), Some(new)) = (&before.target, &after.target) else {
            return self.attributes(Kind::AttributeChanged, &before.id, at, section, [("target", whole)]);
        };
        let (old, new) = (old.milestones(), new.milestones());
        let direction = after.direction.or(before.direction);
        let comparable = old.len() == new.len()
            && old.iter().zip(new).all(|(x, y)| {
                let value_ok = quantity(x) == quantity(y) || (x.percent == y.percent && direction.is_some());
                let date_ok = x.when.is_some() == y.when.is_some();
                value_ok && date_ok
            });
        if !comparable {
            return self.attributes(Kind::AttributeChanged, &before.id, at, section, [("target", whole)]);
        }
        let listed = after.target.as_ref().is_some_and(Target::is_list);
        for (n, (x, y)) in old.iter().zip(new).enumerate() {
            let mut found = Vec::new();
            if x.value != y.value
                && let Some(direction) = direction
            {
                let better = match direction {
                    Direction::Up => y.value > x.value,
                    Direction::Down => y.value < x.value,
                };
                let kind = if better { Kind::TargetRaised } else { Kind::TargetLowered };
                found.push((kind, quantity(x), quantity(y), x.loc, y.loc));
            }
            if let (Some(wx), Some(wy)) = (&x.when, &y.when)
                && wx.value.end() != wy.value.end()
            {
                let kind =
                    if wy.value.end() > wx.value.end() { Kind::TargetDeferred } else { Kind::TargetBroughtForward };
                found.push((kind, wx.value.to_string(), wy.value.to_string(), wx.loc, wy.loc));
            }
            for (kind, old, new, lx, ly) in found {
                self.push(
                    kind,
                    &before.id,
                    Some("target"),
                    (owned(Some(old)), owned(Some(new))),
                    (Some(lx), Some(ly)),
                    section,
                );
                if let Some(change) = self.changes.last_mut() {
                    change.milestone = listed.then_some(n + 1);
                }
            }
        }
        let _ = at;
    }

    /// What the measure's data says differently (spec 9): values revised (a period both
    /// sides have, with another value), limit recalculations added or removed (a segment
    /// starting at a period on one side only), signals started or ended (a rule marking a
    /// stretch from the same first period on one side only: a signal that only grew
    /// longer is the same signal). Points only added are not changes of their own.
    fn data(&mut self, id: &str, i: usize, j: usize, section: &At) {
        let (Some(Some(old)), Some(Some(new))) =
            (self.before.analysis.evidence.get(i), self.after.analysis.evidence.get(j))
        else {
            return;
        };
        let (before, after) = (self.before, self.after);
        let at = |side: Side, data: &crate::evidence::MeasureData, line: u32| {
            let index = (data.file.0 as usize).checked_sub(side.workspace.files.len() + 1)?;
            let file = side.workspace.data.get(index)?;
            Some(Place { file: file.source.path.clone(), line: line as usize })
        };
        // (kind, period, values, where on each side)
        type Found<'v> = (Kind, String, Pair<'v>, Option<Place>, Option<Place>);
        let mut found: Vec<Found> = Vec::new();
        let new_points: BTreeMap<_, _> = new.chart.points.iter().map(|p| (p.period.end(), p)).collect();
        for point in &old.chart.points {
            if let Some(other) = new_points.get(&point.period.end())
                && point.value != other.value
            {
                let values = (owned(Some(point.value.to_string())), owned(Some(other.value.to_string())));
                let places = (at(before, old, point.line), at(after, new, other.line));
                found.push((Kind::ValueRevised, point.period.to_string(), values, places.0, places.1));
            }
        }
        type Starts<'c> = BTreeMap<(u16, u8, u8), &'c crate::evidence::xmr::ChartPoint>;
        let starts = |data: &'a crate::evidence::MeasureData| -> Starts<'a> {
            let points = &data.chart.points;
            data.chart.segments.iter().skip(1).filter_map(|s| points.get(s.from)).map(|p| (p.period.end(), p)).collect()
        };
        let (old_starts, new_starts) = (starts(old), starts(new));
        for (end, point) in &new_starts {
            if !old_starts.contains_key(end) {
                let values = (None, owned(Some(point.period.to_string())));
                found.push((
                    Kind::LimitsRecalculated,
                    point.period.to_string(),
                    values,
                    None,
                    at(after, new, point.line),
                ));
            }
        }
        for (end, point) in &old_starts {
            if !new_starts.contains_key(end) {
                let values = (owned(Some(point.period.to_string())), None);
                found.push((
                    Kind::RecalculationRemoved,
                    point.period.to_string(),
                    values,
                    at(before, old, point.line),
                    None,
                ));
            }
        }
        type Key = (&'static str, &'static str, (u16, u8, u8));
        let signals = |data: &'a crate::evidence::MeasureData| -> BTreeMap<Key, (String, u32)> {
            let points = &data.chart.points;
            data.chart
                .signals
                .iter()
                .filter_map(|s| {
                    let (first, last) = (points.get(s.from)?, points.get(s.to)?);
                    let shown = format!("{} {} {}..{}", s.rule.as_str(), s.side.as_str(), first.period, last.period);
                    Some(((s.rule.as_str(), s.side.as_str(), first.period.end()), (shown, first.line)))
                })
                .collect()
        };
        let (old_signals, new_signals) = (signals(old), signals(new));
        for (key, (shown, line)) in &new_signals {
            if !old_signals.contains_key(key) {
                let period = shown.rsplit(' ').next().unwrap_or_default().split("..").next().unwrap_or_default();
                let values = (None, owned(Some(shown.clone())));
                found.push((Kind::SignalStarted, period.to_owned(), values, None, at(after, new, *line)));
            }
        }
        for (key, (shown, line)) in &old_signals {
            if !new_signals.contains_key(key) {
                let period = shown.rsplit(' ').next().unwrap_or_default().split("..").next().unwrap_or_default();
                let values = (owned(Some(shown.clone())), None);
                found.push((Kind::SignalEnded, period.to_owned(), values, at(before, old, *line), None));
            }
        }
        for (kind, period, (x, y), place_x, place_y) in found {
            self.push(kind, id, Some("data"), (x, y), (None, None), section);
            if let Some(change) = self.changes.last_mut() {
                change.period = Some(period);
                change.before_at = place_x;
                change.after_at = place_y;
            }
        }
    }

    fn actions(&mut self) {
        let (b, a) = self.models();
        let section = At::Actions;
        for (i, action) in b.actions.iter().enumerate() {
            match a.symbols.get(&action.id) {
                Some(&NodeRef::Action(j)) => {
                    let other = &a.actions[j];
                    let at = (action.loc, other.loc);
                    let title = [("title", (some(&action.title), some(&other.title)))];
                    self.attributes(Kind::TitleReworded, &action.id, at, &section, title);
                    let status = [("status", (text(&action.status), text(&other.status)))];
                    self.attributes(Kind::StatusChanged, &action.id, at, &section, status);
                    let due = |d: Option<crate::sema::period::Period>| owned(d.map(|d| d.to_string()));
                    let pairs = [
                        ("owner", (text(&action.owner), text(&other.owner))),
                        ("due", (due(action.due), due(other.due))),
                        ("note", (text(&action.note), text(&other.note))),
                    ];
                    self.attributes(Kind::AttributeChanged, &action.id, at, &section, pairs);
                }
                _ => {
                    let dependents = b
                        .links
                        .iter()
                        .filter(|l| l.from == NodeRef::Action(i))
                        .map(|l| format!("link {}", link_id(b, l)))
                        .collect();
                    self.removed(Kind::ActionRemoved, &action.id, &action.title, action.loc, &section, dependents);
                }
            }
        }
        for action in &a.actions {
            if !matches!(b.symbols.get(&action.id), Some(NodeRef::Action(_))) {
                self.added(Kind::ActionAdded, &action.id, &action.title, action.loc, &section);
            }
        }
    }

    fn links(&mut self) {
        let (b, a) = self.models();
        // The same cause -> effect stated twice is matched occurrence by occurrence.
        type Pairs<'m> = rustc_hash::FxHashMap<(&'m str, &'m str), Vec<&'m Link>>;
        let key = |m: &'a Model, link: &Link| (m.id(link.from), m.results[link.to].id.as_str());
        let by_pair = |m: &'a Model| {
            let mut pairs = Pairs::default();
            for link in &m.links {
                pairs.entry(key(m, link)).or_default().push(link);
            }
            pairs
        };
        let (old, new) = (by_pair(b), by_pair(a));
        let nth = |pairs: &Pairs<'a>, key, link: &Link| {
            pairs.get(&key).and_then(|list| list.iter().position(|l| std::ptr::eq(*l, link))).unwrap_or(0)
        };
        let polarity = |l: &Link| some(if l.inverse { "inverse" } else { "direct" });
        // Links in the order each side states them: the base's, then the head's new ones.
        for link in &b.links {
            let key = key(b, link);
            let k = nth(&old, key, link);
            let section = At::Result(key.1);
            match new.get(&key).and_then(|list| list.get(k)) {
                Some(other) => {
                    let at = (link.from_loc, other.from_loc);
                    let pairs = [
                        ("label", (text(&link.label), text(&other.label))),
                        ("strength", (text(&link.strength), text(&other.strength))),
                        ("polarity", (polarity(link), polarity(other))),
                        ("evidence", (text(&link.evidence), text(&other.evidence))),
                        ("assumption", (text(&link.assumption), text(&other.assumption))),
                        ("note", (text(&link.note), text(&other.note))),
                    ];
                    if pairs.iter().any(|(_, (x, y))| x != y) {
                        let id = format!("{} -> {}", key.0, key.1);
                        self.attributes(Kind::LinkChanged, &id, at, &section, pairs);
                    }
                }
                None => {
                    let id = format!("{} -> {}", key.0, key.1);
                    let values = (text(&link.label), None);
                    self.push(Kind::LinkRemoved, &id, None, values, (Some(link.from_loc), None), &section);
                }
            }
        }
        for link in &a.links {
            let key = key(a, link);
            let k = nth(&new, key, link);
            if old.get(&key).and_then(|list| list.get(k)).is_none() {
                let id = format!("{} -> {}", key.0, key.1);
                let section = At::Result(key.1);
                self.push(Kind::LinkAdded, &id, None, (None, text(&link.label)), (None, Some(link.from_loc)), &section);
            }
        }
    }
}

fn link_id(m: &Model, link: &Link) -> String {
    format!("{} -> {}", m.id(link.from), m.results[link.to].id)
}

/// The diagnostics only the head has (introduced) and only the base has (fixed), matched
/// as multisets by code, severity, item and message.
fn diagnostics(before: Side, after: Side) -> (Vec<Finding>, Vec<Finding>) {
    type Key = (&'static str, Severity, Option<String>, String);
    fn keyed<'a>(side: Side<'a>) -> Vec<(Key, &'a Diagnostic)> {
        side.analysis
            .diagnostics
            .iter()
            .map(|d| ((d.code.name(), d.severity, item_of(side, d), d.message.clone()), d))
            .collect()
    }
    let (old, new) = (keyed(before), keyed(after));
    let count = |list: &[(Key, &Diagnostic)]| {
        let mut counts: BTreeMap<Key, usize> = BTreeMap::new();
        for (key, _) in list {
            *counts.entry(key.clone()).or_default() += 1;
        }
        counts
    };
    let unmatched = |side: Side, list: &[(Key, &Diagnostic)], mut other: BTreeMap<Key, usize>| -> Vec<Finding> {
        let mut out = Vec::new();
        for (key, d) in list {
            match other.get_mut(key) {
                Some(n) if *n > 0 => *n -= 1,
                _ => out.push(Finding {
                    severity: d.severity,
                    item: key.2.clone(),
                    json: json_diagnostic(side.workspace, d),
                }),
            }
        }
        out
    };
    let introduced = unmatched(after, &new, count(&old));
    let fixed = unmatched(before, &old, count(&new));
    (introduced, fixed)
}

/// The item a diagnostic is about: the innermost declaration (or the link) whose text
/// holds its primary span; a file that is not a `.strata` file stands for itself, by its
/// path in the workspace.
fn item_of(side: Side, d: &Diagnostic) -> Option<String> {
    let loc = d.loc();
    let i = loc.file.0 as usize;
    let Some(ast) = side.analysis.asts.get(i) else {
        if i == side.workspace.files.len() {
            return Some("strata.toml".to_owned());
        }
        let data = side.workspace.data.get(i.checked_sub(side.workspace.files.len() + 1)?)?;
        return Some(data.path.clone());
    };
    item_at(ast, loc.span.start)
}

fn item_at(ast: &Ast, offset: u32) -> Option<String> {
    let at = ast.items.partition_point(|item| item.span().end <= offset);
    let item = ast.items.get(at).filter(|item| item.span().start <= offset)?;
    match item {
        Item::Link(link) => Some(link.nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(" -> ")),
        Item::Decl(decl) => {
            // Nesting is bounded by the parser (ARCHITECTURE.md, invariant 1).
            let mut decl: &Decl = decl;
            while let Some(inner) = decl.nested().find(|d| d.span.start <= offset && offset < d.span.end) {
                decl = inner;
            }
            Some(decl.id.as_ref().map_or_else(|| decl.kind.keyword().to_owned(), |id| id.name.to_string()))
        }
    }
}

/// Diffs the workspaces of two sides, each keyed by its root relative to the walked path
/// (a repository of several maps, `workspace.rs`): a workspace is compared with the one
/// of the same key on the other side, or with nothing (every item added or removed).
pub fn diff_all(before: &[(String, Side)], after: &[(String, Side)]) -> Diff {
    let nothing = Workspace::default();
    let empty = crate::check(&nothing);
    let empty = Side { workspace: &nothing, analysis: &empty };
    let mut keys: Vec<&String> = before.iter().chain(after).map(|(key, _)| key).collect();
    keys.sort();
    keys.dedup();
    let mut out = Diff::default();
    for key in keys {
        fn find<'a>(list: &[(String, Side<'a>)], key: &str) -> Option<Side<'a>> {
            list.iter().find(|(k, _)| k == key).map(|(_, side)| *side)
        }
        let (old, new) = (find(before, key).unwrap_or(empty), find(after, key).unwrap_or(empty));
        out.append(diff(old, new));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn workspace(files: &[(&str, &str)]) -> Workspace {
        let files = files.iter().map(|(path, text)| SourceFile::new(*path, *text)).collect();
        Workspace { files, config: None, data: Vec::new() }
    }

    fn kinds(before: &[(&str, &str)], after: &[(&str, &str)]) -> (Vec<(&'static str, String)>, Diff) {
        let (b, a) = (workspace(before), workspace(after));
        let (x, y) = (crate::check(&b), crate::check(&a));
        let found = diff(Side { workspace: &b, analysis: &x }, Side { workspace: &a, analysis: &y });
        (found.changes.iter().map(|c| (c.kind.name(), c.id.clone())).collect(), found)
    }

    #[test]
    fn a_link_stated_twice_is_matched_occurrence_by_occurrence() {
        let map = "result a \"A holds\"\nresult b \"B holds\"\n";
        let once = format!("{map}a -> b\n");
        let twice = format!("{map}a -> b\na -> b: \"again\"\n");
        let (changes, found) = kinds(&[("m.strata", &once)], &[("m.strata", &twice)]);
        assert_eq!(changes, vec![("link-added", "a -> b".to_owned())]);
        assert_eq!(found.changes[0].after.as_deref(), Some("again"));
        // The second `duplicate-link` is one more of the same diagnostic: introduced once.
        assert_eq!(found.introduced.iter().filter(|f| f.json["code"] == "duplicate-link").count(), 1);
        let (back, found) = kinds(&[("m.strata", &twice)], &[("m.strata", &once)]);
        assert_eq!(back, vec![("link-removed", "a -> b".to_owned())]);
        assert_eq!(found.fixed.iter().filter(|f| f.json["code"] == "duplicate-link").count(), 1);
    }

    #[test]
    fn an_id_of_another_kind_is_removed_and_added() {
        let before = "result a \"A holds\"\nresult b \"B holds\"\nb -> a\n";
        let after = "result a \"A holds\"\naction b \"Build B\"\nb -> a\n";
        let (changes, _) = kinds(&[("m.strata", before)], &[("m.strata", after)]);
        assert!(changes.contains(&("result-removed", "b".to_owned())), "{changes:?}");
        assert!(changes.contains(&("action-added", "b".to_owned())), "{changes:?}");
        assert!(!changes.iter().any(|(kind, _)| kind.starts_with("link")), "the link is the same: {changes:?}");
    }

    #[test]
    fn diagnostics_are_matched_by_item_not_by_line() {
        let before = "result a \"Improve sales\"\n";
        let after = "# a comment moves everything down\n\n\nresult a \"Improve sales\"\n";
        let (changes, found) = kinds(&[("one.strata", before)], &[("two.strata", after)]);
        assert!(changes.is_empty() && found.introduced.is_empty() && found.fixed.is_empty(), "{found:?}");
    }

    #[test]
    fn fail_on_names_every_kind() {
        for kind in Kind::ALL {
            assert_eq!(FailOn::parse(kind.name()), Some(FailOn::Kind(*kind)));
        }
        assert_eq!(FailOn::parse("removed"), Some(FailOn::Removed));
        assert_eq!(FailOn::parse("target-lowerd"), None);
    }
}
