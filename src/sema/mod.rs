//! Semantic analysis: the ASTs of a workspace -> one `Model`, with every error of spec
//! section 4 that needs names or kinds (duplicates, references, attributes, values).
//!
//! Three passes over the items in declaration order: the first declares every id, the
//! second reads each declaration's attributes and resolves its references, the third
//! resolves the links, so that an id may be used before, or in another file than, its
//! declaration. The first pass decides every node's index; the other two then read only
//! what it built, so on a big workspace they run on several threads, each over a
//! contiguous run of the items, and their outputs are joined in order: the model and
//! the diagnostics are the same as one thread's.

mod again;
pub mod attributes;
pub mod model;
pub mod period;

pub use again::reanalyze;

use std::borrow::Cow;
use std::collections::hash_map::Entry;

use attributes::{Attrs, What, describe};
use model::*;

use crate::config::Config;
use crate::diagnostics::{Code, Diagnostic, Label};
use crate::parallel;
use crate::source::{FileId, Loc, SourceFile, by_file};
use crate::syntax::ast::{self, Decl, DeclKind, Item, Qualifier, RESERVED_WORDS, Value, ValueKind};

/// The first pass: every id declared, in order.
struct Declare {
    diags: Vec<Diagnostic>,
    symbols: Symbols,
    map: Option<MapInfo>,
    /// Where the id of each slot is declared, by kind (layers, groups, results,
    /// measures, actions), so that `duplicate-id` can label the first declaration; the
    /// length of each list is the index of the kind's next slot.
    declared: [Vec<Loc>; 5],
}

/// The second and third passes over one run of items: what they read is shared, what
/// they find is their own (`model` holds only the run's nodes, links and references).
pub struct Sema<'a> {
    sources: &'a [SourceFile],
    config: &'a Config,
    symbols: &'a Symbols,
    /// Where the map's title is, when there is a map: the `map` item that declared it.
    map_at: Option<Loc>,
    /// The nodes of the whole workspace, once the second pass is done (the third pass's
    /// help texts read them).
    filled: Option<&'a Model>,
    diags: Vec<Diagnostic>,
    model: Model,
    /// What each id of the link being resolved names (`link`'s buffer).
    ends: Vec<Option<NodeRef>>,
    /// The unknown references found, whose help `suggest_all` writes.
    unknown: Vec<Unknown>,
    /// The smallest declared id of each class of kinds (`example`), once asked for.
    examples: [std::cell::OnceCell<Option<Text>>; Expect::CLASSES],
}

/// What the second and third passes read that no run builds.
#[derive(Clone, Copy)]
struct Shared<'a> {
    sources: &'a [SourceFile],
    config: &'a Config,
    symbols: &'a Symbols,
    map_at: Option<Loc>,
}

impl<'a> Shared<'a> {
    fn sema(self, filled: Option<&'a Model>) -> Sema<'a> {
        let Shared { sources, config, symbols, map_at } = self;
        Sema {
            sources,
            config,
            symbols,
            map_at,
            filled,
            diags: Vec::new(),
            model: Model::default(),
            ends: Vec::new(),
            unknown: Vec::new(),
            examples: Default::default(),
        }
    }
}

/// What each pass reported, before the three lists are joined: the language server keeps
/// it with the model, so that the next analysis, after an edit, reads again only what the
/// edit changed (`reanalyze`).
#[derive(Clone, Debug, Default)]
pub struct Outline {
    /// The first pass's diagnostics: duplicates, reserved words, misplaced items.
    declared: Vec<Diagnostic>,
    /// The second pass's (attributes), in file order: each points into its item's file.
    filled: Found,
    /// The third pass's (links), likewise.
    linked: Found,
    /// How many of the model's references the second pass found: they come first, in
    /// file order, then the third pass's.
    attribute_references: usize,
}

/// Diagnostics, and which of them are unknown references (positions in the list).
#[derive(Clone, Debug, Default)]
struct Found {
    diags: Vec<Diagnostic>,
    unknown: Vec<Unknown>,
}

impl Found {
    /// Appends a run's diagnostics, and its unknown references with their new positions.
    fn append(&mut self, diags: Vec<Diagnostic>, unknown: Vec<Unknown>) {
        let offset = self.diags.len();
        self.diags.extend(diags);
        self.unknown.extend(unknown.into_iter().map(|(at, name, expect)| (at + offset, name, expect)));
    }

    /// Replaces what the pass found in `file` (whose diagnostics are together: the pass
    /// goes through the files in order) with `found`.
    fn replace(&mut self, file: FileId, found: Found) {
        let range = by_file(&self.diags, file, |diag| diag.primary.loc.file);
        let (removed, added) = (range.len(), found.diags.len());
        let from = self.unknown.partition_point(|(at, ..)| *at < range.start);
        let to = self.unknown.partition_point(|(at, ..)| *at < range.end);
        // The later unknown references move with their diagnostics.
        for (at, ..) in &mut self.unknown[to..] {
            *at = *at - removed + added;
        }
        let moved = found.unknown.into_iter().map(|(at, name, expect)| (at + range.start, name, expect));
        self.unknown.splice(from..to, moved);
        self.diags.splice(range, found.diags);
    }
}

impl Outline {
    /// Appends every pass's diagnostics to `diags`, in order, with the help of each
    /// unknown reference written.
    fn report(self, diags: &mut Vec<Diagnostic>, symbols: &Symbols) {
        let offset = diags.len() + self.declared.len();
        diags.extend(self.declared);
        let mut all = Found::default();
        all.append(self.filled.diags, self.filled.unknown);
        all.append(self.linked.diags, self.linked.unknown);
        diags.extend(all.diags);
        let unknown = all.unknown.into_iter().map(|(at, name, expect)| (at + offset, name, expect)).collect();
        suggest_all(symbols, diags, unknown, SUGGESTION_BUDGET);
    }
}

/// What a declaration became in the first pass.
#[derive(Clone, Copy)]
enum Slot {
    Node(NodeRef),
    /// A duplicate, a reserved word, or a misplaced item: checked, not kept.
    Discard,
}

/// A declaration, its slot, and its enclosing declaration's slot and tree.
type Pending<'a> = (FileId, &'a Decl, Slot, Option<(Slot, &'a Decl)>);

/// Items a thread takes at least, in the second and third passes: below that, one
/// thread does it all (starting a thread costs about as much as a few hundred items).
const PER_THREAD: usize = 4_000;

/// Analyses a workspace. `asts[i]` is the tree of `sources[i]`.
pub fn analyze(sources: &[SourceFile], asts: &[ast::Ast], config: &Config, diags: &mut Vec<Diagnostic>) -> Model {
    let (model, outline) = analyze_in_runs(sources, asts, config, PER_THREAD);
    outline.report(diags, &model.symbols);
    model
}

/// `analyze`, also giving what each pass found, for `reanalyze` after the next edit.
pub fn analyze_outlined(
    sources: &[SourceFile],
    asts: &[ast::Ast],
    config: &Config,
    diags: &mut Vec<Diagnostic>,
) -> (Model, Outline) {
    let (model, outline) = analyze_in_runs(sources, asts, config, PER_THREAD);
    outline.clone().report(diags, &model.symbols);
    (model, outline)
}

fn analyze_in_runs(sources: &[SourceFile], asts: &[ast::Ast], config: &Config, per_thread: usize) -> (Model, Outline) {
    let mut first = Declare { diags: Vec::new(), symbols: Symbols::default(), map: None, declared: Default::default() };
    // At least one symbol per top-level item but the links: grown once, not doubling.
    let items: usize = asts.iter().map(|ast| ast.items.len()).sum();
    first.symbols.reserve(items / 2);
    let mut decls = Vec::new();
    let mut links = Vec::new();
    for (i, ast) in asts.iter().enumerate() {
        let file = FileId(i as u32);
        for item in ast.items.iter() {
            match item {
                Item::Decl(decl) => first.declare(file, decl, None, &mut decls),
                Item::Link(link) => links.push((file, link)),
            }
        }
    }
    let Declare { diags: declared, symbols, map, declared: slots } = first;
    let map_at = map.as_ref().map(|map| map.loc);
    let shared = Shared { sources, config, symbols: &symbols, map_at };

    // The first run fills the model itself, whose lists are made the exact size they
    // will be; the others fill lists of their own, also of exact size, which are then
    // appended in order. On a big map, lists grown by doubling touched twice the memory,
    // and fresh memory is much of the cost.
    let mut model = Model { map, ..Model::default() };
    let [layers, groups, results, measures, actions] = slots.each_ref().map(Vec::len);
    model.layers.reserve_exact(layers);
    model.groups.reserve_exact(groups);
    model.results.reserve_exact(results);
    model.measures.reserve_exact(measures);
    model.actions.reserve_exact(actions);
    let runs = parallel::in_runs_seeded(&decls, per_thread, model, |run, seed| {
        let mut sema = shared.sema(None);
        match seed {
            Some(model) => sema.model = model,
            None => {
                let mut counts = [0; 5];
                for &(_, _, slot, _) in run {
                    if let Slot::Node(node) = slot {
                        counts[kind_index(node)] += 1;
                    }
                }
                let [layers, groups, results, measures, actions] = counts;
                sema.model.layers.reserve_exact(layers);
                sema.model.groups.reserve_exact(groups);
                sema.model.results.reserve_exact(results);
                sema.model.measures.reserve_exact(measures);
                sema.model.actions.reserve_exact(actions);
            }
        }
        for &(file, decl, slot, parent) in run {
            sema.fill(file, decl, slot, parent);
        }
        (sema.diags, sema.unknown, sema.model)
    });
    let mut runs = runs.into_iter();
    let Some((found, unknown, mut model)) = runs.next() else { unreachable!("in_runs gives one run at least") };
    let mut filled = Found::default();
    filled.append(found, unknown);
    let rest: Vec<_> = runs.collect();
    model.references.reserve_exact(rest.iter().map(|(_, _, part)| part.references.len()).sum());
    for (found, unknown, part) in rest {
        filled.append(found, unknown);
        model.map = part.map.or(model.map);
        model.layers.extend(part.layers);
        model.groups.extend(part.groups);
        model.results.extend(part.results);
        model.measures.extend(part.measures);
        model.actions.extend(part.actions);
        model.references.extend(part.references);
    }
    let attribute_references = model.references.len();
    let linked = link_all(shared, &links, &mut model, per_thread);
    gather_measures(&mut model);
    model.symbols = symbols;
    (model, Outline { declared, filled, linked, attribute_references })
}

/// The third pass over every link of the workspace, whose links and references it
/// appends to the model's.
fn link_all(shared: Shared<'_>, links: &[(FileId, &ast::Link)], model: &mut Model, per_thread: usize) -> Found {
    // The first run appends to the model's lists, taken out of it while the runs read
    // the nodes (`filled`).
    let pairs: usize = links.iter().map(|(_, link)| link.nodes.len().saturating_sub(1)).sum();
    let mut seed = (std::mem::take(&mut model.links), std::mem::take(&mut model.references));
    seed.0.reserve_exact(pairs);
    // Each id of a link that resolves is a reference: at most one per id.
    seed.1.reserve(links.iter().map(|(_, link)| link.nodes.len()).sum());
    let filled = &*model;
    let runs = parallel::in_runs_seeded(links, per_thread, seed, |run, seed| {
        let mut sema = shared.sema(Some(filled));
        match seed {
            Some((links, references)) => (sema.model.links, sema.model.references) = (links, references),
            None => {
                sema.model.links.reserve_exact(run.iter().map(|(_, link)| link.nodes.len().saturating_sub(1)).sum())
            }
        }
        for &(file, link) in run {
            sema.link(file, link);
        }
        (sema.diags, sema.unknown, sema.model.links, sema.model.references)
    });
    let mut runs = runs.into_iter();
    let Some((found, unknown, links, references)) = runs.next() else { unreachable!("in_runs gives one run at least") };
    (model.links, model.references) = (links, references);
    let mut linked = Found::default();
    linked.append(found, unknown);
    let rest: Vec<_> = runs.collect();
    model.references.reserve_exact(rest.iter().map(|(_, _, _, references)| references.len()).sum());
    for (found, unknown, links, references) in rest {
        linked.append(found, unknown);
        model.links.extend(links);
        model.references.extend(references);
    }
    linked
}

/// Lists each result's measures (nested or by `of`), in declaration order.
fn gather_measures(model: &mut Model) {
    for (i, measure) in model.measures.iter().enumerate() {
        if let Some(result) = measure.of {
            let list = &mut model.results[result].measures;
            // Most results have one measure: room for one, not four, to start with.
            if list.is_empty() {
                list.reserve_exact(1);
            }
            list.push(i);
        }
    }
}

/// The smallest id of each class of kinds: what `Sema::example` gives.
fn examples(symbols: &Symbols) -> [Option<&Text>; Expect::CLASSES] {
    let mut smallest: [Option<&Text>; Expect::CLASSES] = Default::default();
    for (id, node) in symbols {
        for expect in [Expect::Layer, Expect::Group, Expect::Result, Expect::Cause] {
            let class = &mut smallest[expect.class()];
            if expect.accepts(*node) && class.is_none_or(|least| id < least) {
                *class = Some(id);
            }
        }
    }
    smallest
}

fn links_of(ast: &ast::Ast) -> impl Iterator<Item = &ast::Link> {
    ast.items.iter().filter_map(|item| match item {
        Item::Link(link) => Some(link),
        Item::Decl(_) => None,
    })
}

/// An unknown reference: where its diagnostic is in the list, the name, what it had to be.
type Unknown = (usize, Text, Expect);

/// How many declared ids "did you mean" compares unknown names with, at most, in one
/// analysis (about half a second). A broken workspace can hold thousands of unknown
/// references (a deleted file, a renamed layer) among 100,000 ids: each distinct unknown
/// name is looked up once, in order, and once the budget is spent the rest are told to
/// declare the id instead.
const SUGGESTION_BUDGET: usize = 2_000_000;

/// Declared ids, lowercased, that an unknown name is compared with.
type Candidates<'s> = Vec<(Cow<'s, str>, &'s str)>;

/// Writes the help of every unknown-reference diagnostic, in the order the analysis met
/// them (the same however the work was split): the closest declared id of the right kind,
/// or how to declare one.
fn suggest_all<'s>(symbols: &'s Symbols, diags: &mut [Diagnostic], unknown: Vec<Unknown>, mut budget: usize) {
    let mut candidates: [Option<Candidates>; Expect::CLASSES] = Default::default();
    let mut answers: rustc_hash::FxHashMap<(Text, Expect), Option<&str>> = Default::default();
    for (at, name, expect) in unknown {
        let found = match answers.get(&(name.clone(), expect)) {
            Some(&found) => found,
            None => {
                let list = candidates[expect.suggested_class()].get_or_insert_with(|| {
                    let accepted = symbols.iter().filter(|(_, node)| expect.suggests(**node));
                    // Most ids are lowercase ASCII already: borrowed, not copied.
                    let lower = |id: &'s Text| match id.is_ascii() && !id.bytes().any(|b| b.is_ascii_uppercase()) {
                        true => Cow::Borrowed(id.as_str()),
                        false => Cow::Owned(id.as_str().to_lowercase()),
                    };
                    accepted.map(|(id, _)| (lower(id), id.as_str())).collect()
                });
                let found = if list.len() <= budget {
                    budget -= list.len();
                    crate::diagnostics::suggest_lowered(&name, list.iter().map(|(lower, id)| (&**lower, *id)))
                } else {
                    None
                };
                answers.insert((name.clone(), expect), found);
                found
            }
        };
        let help = match found {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("declare {} `{name}`, or use the id of one that exists", expect.a()),
        };
        if let Some(diag) = diags.get_mut(at) {
            diag.help = Some(help);
        }
    }
}

impl Declare {
    fn push(&mut self, diag: Diagnostic) {
        self.diags.push(diag);
    }

    /// First pass: give each declaration its slot and register its id.
    fn declare<'a>(
        &mut self,
        file: FileId,
        decl: &'a Decl,
        parent: Option<(Slot, DeclKind, &'a Decl)>,
        out: &mut Vec<Pending<'a>>,
    ) {
        let slot = self.slot(file, decl, parent);
        out.push((file, decl, slot, parent.map(|(slot, _, parent)| (slot, parent))));
        for nested in decl.nested() {
            self.declare(file, nested, Some((slot, decl.kind, decl)), out);
        }
    }

    fn slot(&mut self, file: FileId, decl: &Decl, parent: Option<(Slot, DeclKind, &Decl)>) -> Slot {
        if let Some((_, parent_kind, _)) = parent
            && !nests_in(decl.kind, parent_kind)
        {
            let container = if decl.kind == DeclKind::Measure { "result" } else { "group" };
            let message = format!("a `{}` cannot be nested in a `{}`", decl.kind.keyword(), parent_kind.keyword());
            let help = format!("move it out of the block; a `{}` nests only in a `{container}`", decl.kind.keyword());
            let loc = Loc::new(file, decl.keyword);
            self.push(Diagnostic::new(Code::SyntaxError, Label::new(loc, "misplaced item"), message).with_help(help));
            return Slot::Discard;
        }
        let Some(id) = &decl.id else {
            // The map: at most one per workspace.
            if let Some(first) = &self.map {
                let loc = Loc::new(file, decl.title.span);
                let diag = Diagnostic::new(
                    Code::DuplicateMap,
                    Label::new(loc, "second `map`"),
                    "a workspace has one `map`, and this is a second one",
                )
                .with_label(Label::new(first.loc, "the first `map` is here"))
                .with_help("merge the two `map` items into one");
                self.push(diag);
            } else {
                self.map = Some(MapInfo {
                    title: decl.title.value.clone(),
                    purpose: None,
                    vision: None,
                    mission: None,
                    owner: None,
                    horizon: None,
                    method: None,
                    loc: Loc::new(file, decl.title.span),
                });
            }
            return Slot::Discard;
        };
        let loc = Loc::new(file, id.span);
        if RESERVED_WORDS.contains(&id.name.as_str()) {
            let message = format!("`{}` is a reserved word and cannot be an id", id.name);
            let help = format!(
                "choose another id, such as `my_{}`: {} are reserved",
                id.name,
                attributes::backticked(RESERVED_WORDS)
            );
            self.push(Diagnostic::new(Code::ReservedWord, Label::new(loc, "reserved word"), message).with_help(help));
            return Slot::Discard;
        }
        // The second pass pushes kept nodes in this same order, so the index is the
        // number of earlier slots of the kind.
        let Some((counter, make)) = node_kind(decl.kind) else { return Slot::Discard };
        match self.symbols.entry(id.name.clone()) {
            Entry::Occupied(first) => {
                let node = *first.get();
                let first = self.declared[kind_index(node)][node_index(node)];
                let message = format!("`{}` is already declared, as {}", id.name, a(node.kind_name()));
                let diag = Diagnostic::new(Code::DuplicateId, Label::new(loc, "declared again here"), message)
                    .with_label(Label::new(first, "first declared here"))
                    .with_help(
                        "rename one of them: ids are shared by every file of the workspace, and references go to the first",
                    );
                self.push(diag);
                Slot::Discard
            }
            Entry::Vacant(slot) => {
                let node = make(self.declared[counter].len());
                self.declared[counter].push(loc);
                slot.insert(node);
                Slot::Node(node)
            }
        }
    }
}

impl Sema<'_> {
    pub fn push(&mut self, diag: Diagnostic) {
        self.diags.push(diag);
    }

    pub fn slice(&self, file: FileId, value: &Value) -> String {
        self.sources[file.0 as usize].slice(value.span).to_owned()
    }

    /// Second pass: read the attributes of one declaration into its node.
    fn fill(&mut self, file: FileId, decl: &Decl, slot: Slot, parent: Option<(Slot, &Decl)>) {
        let parent_decl = parent.map(|(_, decl)| decl);
        let parent = parent.map(|(slot, _)| slot);
        let id = decl.id.as_ref().map_or_else(Text::default, |id| id.name.clone());
        let loc = Loc::new(file, decl.name_span());
        let what = match &decl.id {
            Some(id) => What::Decl(decl.kind.keyword(), &id.name),
            None => What::Map,
        };
        let keep = matches!(slot, Slot::Node(_));
        match decl.kind {
            DeclKind::Map => {
                let attrs = self.attrs(file, what, attributes::MAP, decl.attributes());
                let purpose = self.string(&attrs, "purpose");
                let vision = self.string(&attrs, "vision");
                let mission = self.string(&attrs, "mission");
                let owner = self.string(&attrs, "owner");
                let horizon = self.period(&attrs, "horizon");
                let method = self.one_of(&attrs, "method", attributes::METHODS, "a method").map(|w| Spanned {
                    value: match w.value {
                        "bsc" => Method::Bsc,
                        "rbm" => Method::Rbm,
                        _ => Method::Pump,
                    },
                    loc: w.loc,
                });
                let title_at = Loc::new(file, decl.title.span);
                if self.map_at == Some(title_at) {
                    let title = decl.title.value.clone();
                    self.model.map =
                        Some(MapInfo { title, purpose, vision, mission, owner, horizon, method, loc: title_at });
                }
            }
            DeclKind::Layer => {
                let attrs = self.attrs(file, what, attributes::LAYER, decl.attributes());
                let note = self.string(&attrs, "note");
                if keep {
                    self.model.layers.push(Layer { id, title: decl.title.value.clone(), note, loc });
                }
            }
            DeclKind::Group => {
                let attrs = self.attrs(file, what, attributes::GROUP, decl.attributes());
                let intents: Vec<&str> = self.config.intents.iter().map(String::as_str).collect();
                let intent = self.word(&attrs, "intent", &intents, "an intent");
                let group = Group {
                    id,
                    name: decl.title.value.clone(),
                    parent: match parent {
                        Some(Slot::Node(NodeRef::Group(p))) => Some(p),
                        _ => None,
                    },
                    intent,
                    share: self.percent(&attrs, "share"),
                    gives: self.string(&attrs, "gives"),
                    gets: self.string(&attrs, "gets"),
                    proposition: self.string(&attrs, "proposition"),
                    criteria: self.string(&attrs, "criteria"),
                    note: self.string(&attrs, "note"),
                    loc,
                };
                if keep {
                    self.model.groups.push(group);
                }
            }
            DeclKind::Result => {
                let attrs = self.attrs(file, what, attributes::RESULT, decl.attributes());
                let layer = attrs.get("layer").and_then(|a| self.reference(file, &a.value, Expect::Layer));
                let for_groups = match attrs.get("for") {
                    Some(attribute) => self.group_list(file, &attribute.value),
                    None => Vec::new(),
                };
                let result = ResultNode {
                    id,
                    statement: Spanned { value: decl.title.value.clone(), loc: Loc::new(file, decl.title.span) },
                    layer: layer.and_then(|n| match n.value {
                        NodeRef::Layer(i) => Some(i),
                        _ => None,
                    }),
                    for_groups,
                    owner: self.string(&attrs, "owner"),
                    note: self.string(&attrs, "note"),
                    measures: Vec::new(),
                    loc,
                };
                if keep {
                    self.model.results.push(result);
                }
            }
            DeclKind::Measure => {
                let attrs = self.attrs(file, what, attributes::MEASURE, decl.attributes());
                let of = match (parent, attrs.get("of")) {
                    (Some(parent), Some(of)) => {
                        let enclosing = match (parent, parent_decl.and_then(|p| p.id.as_ref())) {
                            (Slot::Node(_), Some(id)) => format!(" `{}`", id.name),
                            _ => String::new(),
                        };
                        let message = format!("nested measure `{id}` must not have `of`");
                        let help =
                            format!("remove `of:`: a nested measure is evidence of its enclosing result{enclosing}");
                        let loc = Loc::new(file, of.name.span);
                        self.push(
                            Diagnostic::new(Code::MissingOf, Label::new(loc, "`of` on a nested measure"), message)
                                .with_help(help),
                        );
                        None
                    }
                    (Some(Slot::Node(NodeRef::Result(r))), None) => Some(r),
                    (Some(_), None) => None,
                    (None, Some(of)) => self.reference(file, &of.value, Expect::Result).and_then(|n| match n.value {
                        NodeRef::Result(r) => Some(r),
                        _ => None,
                    }),
                    (None, None) => {
                        let message = format!("measure `{id}` does not say which result it is evidence of");
                        let help = "add `of: RESULT_ID`, or nest the measure in its result's block";
                        self.push(
                            Diagnostic::new(Code::MissingOf, Label::new(loc, "no `of`"), message).with_help(help),
                        );
                        None
                    }
                };
                let measure = Measure {
                    id,
                    name: decl.title.value.clone(),
                    of,
                    unit: self.string(&attrs, "unit"),
                    direction: self.direction(&attrs),
                    baseline: self.quantity(&attrs, "baseline", Qualifier::At),
                    target: self.target(&attrs),
                    frequency: self
                        .one_of(&attrs, "frequency", attributes::FREQUENCIES, "a frequency")
                        .map(|w| w.value),
                    formula: self.string(&attrs, "formula"),
                    source: self.string(&attrs, "source"),
                    data: self.data(&attrs),
                    owner: self.string(&attrs, "owner"),
                    note: self.string(&attrs, "note"),
                    loc,
                };
                if keep {
                    self.model.measures.push(measure);
                }
            }
            DeclKind::Action => {
                let attrs = self.attrs(file, what, attributes::ACTION, decl.attributes());
                let action = Action {
                    id,
                    title: decl.title.value.clone(),
                    owner: self.string(&attrs, "owner"),
                    due: self.period(&attrs, "due"),
                    status: self.one_of(&attrs, "status", attributes::STATUSES, "a status").map(|w| w.value),
                    note: self.string(&attrs, "note"),
                    loc,
                };
                if keep {
                    self.model.actions.push(action);
                }
            }
        }
    }

    /// `for: g` or `for: [g, h]`.
    fn group_list(&mut self, file: FileId, value: &Value) -> Vec<Spanned<usize>> {
        let items: Vec<&Value> = match &value.kind {
            ValueKind::List(items) => items.iter().collect(),
            _ => vec![value],
        };
        items
            .into_iter()
            .filter_map(|item| self.reference(file, item, Expect::Group))
            .filter_map(|node| match node.value {
                NodeRef::Group(g) => Some(Spanned { value: g, loc: node.loc }),
                _ => None,
            })
            .collect()
    }

    /// Resolves an id in an attribute to a node of the expected kind.
    fn reference(&mut self, file: FileId, value: &Value, expect: Expect) -> Option<Spanned<NodeRef>> {
        let loc = Loc::new(file, value.span);
        let ValueKind::Ident(name) = &value.kind else {
            let message = format!("expected the id of {}, found {}", expect.a(), describe(value));
            let help = format!("write the id without quotes, e.g. `{}`", self.example(expect));
            self.push(Diagnostic::new(Code::InvalidValue, Label::new(loc, "not an id"), message).with_help(help));
            return None;
        };
        self.resolve(loc, name, expect)
    }

    fn resolve(&mut self, loc: Loc, name: &str, expect: Expect) -> Option<Spanned<NodeRef>> {
        let Some(&node) = self.symbols.get(name) else {
            // A keyword is never declared, so "did you mean" would only mislead.
            if RESERVED_WORDS.contains(&name) {
                let message = format!("`{name}` is a keyword, not the id of {}", expect.a());
                let help = format!(
                    "write the id of {} here; `{name}` only starts a `{name}` item, at the start of a line",
                    expect.a()
                );
                let label = Label::new(loc, "a keyword");
                self.push(Diagnostic::new(Code::UnknownReference, label, message).with_help(help));
                return None;
            }
            let message = format!("unknown {} `{name}`", expect.name());
            // The help ("did you mean") is written once every run is joined: `suggest_all`.
            self.unknown.push((self.diags.len(), Text::from(name), expect));
            self.push(Diagnostic::new(Code::UnknownReference, Label::new(loc, "not declared"), message));
            return None;
        };
        self.model.references.push(Reference { loc, target: node });
        if !expect.accepts(node) {
            let message = format!("`{name}` is {}, but {} is expected here", a(node.kind_name()), expect.a());
            let help = self.wrong_kind_help(node, expect);
            self.push(
                Diagnostic::new(Code::WrongKind, Label::new(loc, format!("this is {}", a(node.kind_name()))), message)
                    .with_help(help),
            );
            return None;
        }
        Some(Spanned { value: node, loc })
    }

    fn wrong_kind_help(&self, node: NodeRef, expect: Expect) -> String {
        match (node, expect) {
            (NodeRef::Measure(m), Expect::Cause | Expect::Effect | Expect::Middle) => {
                let filled = self.filled;
                match filled.and_then(|model| Some((model, model.measures.get(m)?.of?))) {
                    Some((model, r)) => format!("link the result it measures instead: `{}`", model.results[r].id),
                    None => "links join results and actions; measures sit inside their result".to_owned(),
                }
            }
            (NodeRef::Group(_), Expect::Cause | Expect::Effect | Expect::Middle) => {
                "links join results and actions; say who a result is for with `for:` on the result".to_owned()
            }
            (NodeRef::Layer(_), Expect::Cause | Expect::Effect | Expect::Middle) => {
                "links join results and actions; place a result in a layer with `layer:` on the result".to_owned()
            }
            _ => format!("use the id of {}, e.g. `{}`", expect.a(), self.example(expect)),
        }
    }

    /// An id of the expected kind for help texts, or a placeholder.
    /// The smallest id of each kind is found once per run, not once per diagnostic: a
    /// broken workspace can have thousands of references to the wrong kind.
    fn example(&self, expect: Expect) -> String {
        let first = self.examples[expect.class()].get_or_init(|| {
            let ids = self.symbols.iter().filter(|(_, n)| expect.accepts(**n)).map(|(id, _)| id);
            ids.min().cloned()
        });
        first.as_ref().map_or_else(|| expect.name().to_uppercase().replace(' ', "_"), |id| id.to_string())
    }

    fn link(&mut self, file: FileId, link: &ast::Link) {
        let attrs: Attrs<'_> = self.attrs(file, What::Link, attributes::LINK, link.attributes());
        let strength = self.one_of(&attrs, "strength", attributes::STRENGTHS, "a strength").map(|w| w.value);
        let polarity = self.one_of(&attrs, "polarity", attributes::POLARITIES, "a polarity");
        let evidence = self.string(&attrs, "evidence");
        let assumption = self.string(&attrs, "assumption");
        let note = self.string(&attrs, "note");
        let last = link.nodes.len().saturating_sub(1);
        // Resolve each id once: a middle id is both an effect and a cause. The list is
        // the same one for every link of the run (one allocation, not one per link).
        let mut ends = std::mem::take(&mut self.ends);
        ends.clear();
        ends.extend(link.nodes.iter().enumerate().map(|(i, node)| {
            let loc = Loc::new(file, node.span);
            let expect = if i == 0 {
                Expect::Cause
            } else if i == last {
                Expect::Effect
            } else {
                Expect::Middle
            };
            let resolved = self.resolve(loc, &node.name, expect)?.value;
            if let NodeRef::Action(_) = resolved
                && i > 0
            {
                let message = format!("`{}` is an action, and an action cannot be the effect of a link", node.name);
                let cause = &link.nodes[i - 1].name;
                let help = match self.symbols.get(cause.as_str()) {
                    Some(NodeRef::Result(_)) => format!(
                        "actions cause results: reverse the link (`{} -> {cause}`), or make `{}` a result",
                        node.name, node.name
                    ),
                    _ => format!(
                        "actions cause results: link `{cause}` and `{}` each to the results they move",
                        node.name
                    ),
                };
                let label = Label::new(loc, "an action as an effect");
                self.push(Diagnostic::new(Code::LinkIntoAction, label, message).with_help(help));
                return None;
            }
            Some(resolved)
        }));
        let (mut evidence, mut assumption, mut note) = (evidence, assumption, note);
        let mut label = link.label.as_ref().map(|l| l.value.clone());
        let pairs = link.nodes.len().saturating_sub(1);
        for (i, pair) in link.nodes.windows(2).enumerate() {
            let (Some(from), Some(to)) = (ends[i], ends[i + 1]) else { continue };
            let NodeRef::Result(to) = to else { continue };
            let to_loc = Loc::new(file, pair[1].span);
            if from == NodeRef::Result(to) {
                let message = format!("`{}` is linked to itself", pair[0].name);
                let help = "remove the link: a result cannot cause itself";
                self.push(
                    Diagnostic::new(Code::SelfLink, Label::new(to_loc, "the same result"), message).with_help(help),
                );
                continue;
            }
            // The last pair (the only one, but for chains) takes the values.
            let last = i + 1 == pairs;
            let take = |value: &mut Option<Text>| if last { value.take() } else { value.clone() };
            self.model.links.push(Link {
                from,
                to,
                from_loc: Loc::new(file, pair[0].span),
                to_loc,
                label: take(&mut label),
                strength,
                inverse: polarity.as_ref().is_some_and(|p| p.value == "inverse"),
                evidence: take(&mut evidence),
                assumption: take(&mut assumption),
                note: take(&mut note),
            });
        }
        self.ends = ends;
    }
}

/// Whether a declaration of `kind` may be nested in one of `parent`.
fn nests_in(kind: DeclKind, parent: DeclKind) -> bool {
    matches!((kind, parent), (DeclKind::Measure, DeclKind::Result) | (DeclKind::Group, DeclKind::Group))
}

/// How a node is referred to, by its index.
type MakeRef = fn(usize) -> NodeRef;

/// The slot counter of a kind of declaration that becomes a node (not the map), and how
/// its nodes are referred to.
fn node_kind(kind: DeclKind) -> Option<(usize, MakeRef)> {
    match kind {
        DeclKind::Layer => Some((0, NodeRef::Layer)),
        DeclKind::Group => Some((1, NodeRef::Group)),
        DeclKind::Result => Some((2, NodeRef::Result)),
        DeclKind::Measure => Some((3, NodeRef::Measure)),
        DeclKind::Action => Some((4, NodeRef::Action)),
        DeclKind::Map => None,
    }
}

/// The slot counter of a node's kind (`Sema::declared`), and its index.
fn kind_index(node: NodeRef) -> usize {
    match node {
        NodeRef::Layer(_) => 0,
        NodeRef::Group(_) => 1,
        NodeRef::Result(_) => 2,
        NodeRef::Measure(_) => 3,
        NodeRef::Action(_) => 4,
    }
}

fn node_index(node: NodeRef) -> usize {
    match node {
        NodeRef::Layer(i) | NodeRef::Group(i) | NodeRef::Result(i) | NodeRef::Measure(i) | NodeRef::Action(i) => i,
    }
}

fn a(kind: &str) -> String {
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {kind}")
}

/// What kind of node a reference must name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Expect {
    Layer,
    Group,
    Result,
    /// The first id of a link: a result or an action.
    Cause,
    /// The last id of a link: a result.
    Effect,
    /// An id in the middle of a chain: an effect and then a cause.
    Middle,
}

impl Expect {
    /// How many different sets of kinds the expectations accept (`class`).
    const CLASSES: usize = 4;

    /// Which set of kinds this accepts: a link's ids all accept results and actions.
    fn class(self) -> usize {
        match self {
            Expect::Layer => 0,
            Expect::Group => 1,
            Expect::Result => 2,
            Expect::Cause | Expect::Effect | Expect::Middle => 3,
        }
    }

    fn accepts(self, node: NodeRef) -> bool {
        match self {
            Expect::Layer => matches!(node, NodeRef::Layer(_)),
            Expect::Group => matches!(node, NodeRef::Group(_)),
            Expect::Result => matches!(node, NodeRef::Result(_)),
            Expect::Cause | Expect::Effect | Expect::Middle => matches!(node, NodeRef::Result(_) | NodeRef::Action(_)),
        }
    }

    /// Which kinds "did you mean" may suggest: only those the place takes without an
    /// error, so an effect (or an id in the middle of a chain) is only ever a result,
    /// though naming an action there is a different error than naming a layer.
    fn suggests(self, node: NodeRef) -> bool {
        match self {
            Expect::Effect | Expect::Middle => matches!(node, NodeRef::Result(_)),
            _ => self.accepts(node),
        }
    }

    /// The class of `suggests`' kinds (at most `CLASSES`).
    fn suggested_class(self) -> usize {
        match self {
            Expect::Effect | Expect::Middle => Expect::Result.class(),
            _ => self.class(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Expect::Layer => "layer",
            Expect::Group => "group",
            Expect::Result | Expect::Effect | Expect::Middle => "result",
            Expect::Cause => "result or action",
        }
    }

    fn a(self) -> String {
        a(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each distinct unknown name is looked up once, in order, while the budget lasts;
    /// after that the help says how to declare the id.
    #[test]
    fn suggestions_stop_when_the_budget_is_spent() {
        let mut symbols = Symbols::default();
        for (i, id) in ["profit", "loyalty", "growth"].into_iter().enumerate() {
            symbols.insert(Text::from(id), NodeRef::Result(i));
        }
        symbols.insert(Text::from("financial"), NodeRef::Layer(0));
        let names = ["proft", "loyalti", "proft", "financal", "growht"];
        let expects = [Expect::Result, Expect::Result, Expect::Result, Expect::Layer, Expect::Result];
        let loc = Loc::new(FileId(0), crate::source::Span::new(0, 1));
        let mut diags: Vec<Diagnostic> = names
            .iter()
            .map(|_| Diagnostic::new(Code::UnknownReference, Label::new(loc, "not declared"), ""))
            .collect();
        let unknown = names.iter().zip(expects).enumerate().map(|(i, (n, e))| (i, Text::from(*n), e)).collect();
        // Three results to compare with per result name, one layer: room for two
        // result names and the layer.
        suggest_all(&symbols, &mut diags, unknown, 7);
        let helps: Vec<&str> = diags.iter().map(|d| d.help.as_deref().unwrap_or_default()).collect();
        assert_eq!(
            helps,
            [
                "did you mean `profit`?",
                "did you mean `loyalty`?",
                "did you mean `profit`?",
                "did you mean `financial`?",
                "declare a result `growht`, or use the id of one that exists",
            ]
        );
    }

    /// The passes that run on several threads give what one thread gives: the same
    /// model, and the same diagnostics in the same order, errors in every file included
    /// (some of whose help texts read nodes filled by another thread).
    #[test]
    fn runs_on_several_threads_give_one_thread_s_analysis() {
        let mut files = crate::synth::workspace(3_000, 50, 7);
        for (i, file) in files.iter_mut().enumerate().skip(2).step_by(7) {
            file.text.push_str(&format!(
                "result r{i} \"Again\" {{\n  layer: nowhere\n  measure n{i} \"Nested\" {{\n    of: r1\n  }}\n}}\n\
                 result fresh{i} \"Fresh\" {{\n  for: [g0, r2, gx]\n  measure k{i} \"Kept\" {{\n    of: r1\n  }}\n}}\n\
                 measure loose{i} \"Loose\" {{\n  of: g0\n  target: soon\n}}\n\
                 measure bare{i} \"Bare\"\n\
                 action act{i} \"Act\"\n\
                 r{} -> m{}\n\
                 a5 -> r2 -> act{i}\n\
                 r3 -> r3 -> r{i}\n\
                 fresh{i} -> r9x {{\n  strength: mighty\n}}\n",
                i * 3,
                i * 5,
            ));
        }
        let workspace = crate::synth::as_workspace(&files);
        let mut parse_diags = Vec::new();
        let asts: Vec<_> = workspace
            .files
            .iter()
            .enumerate()
            .map(|(i, file)| crate::parse_file(FileId(i as u32), file, &mut parse_diags))
            .collect();
        assert!(parse_diags.is_empty(), "{parse_diags:?}");
        let config = Config::default();
        let analyse = |per_thread| {
            let mut diags = Vec::new();
            let (model, outline) = analyze_in_runs(&workspace.files, &asts, &config, per_thread);
            outline.report(&mut diags, &model.symbols);
            (format!("{model:#?}"), diags)
        };
        let (one_model, one_diags) = analyse(usize::MAX);
        let (many_model, many_diags) = analyse(500);
        assert!(one_diags.len() > 100, "the errors were not found: {}", one_diags.len());
        assert_eq!(one_diags, many_diags);
        assert!(one_model == many_model, "the models differ");
    }

    /// `text` without the block of the item that starts with `start`.
    fn without(text: &str, start: &str) -> String {
        let at = text.find(start).unwrap_or_else(|| panic!("no {start:?}"));
        let end = at + text[at..].find("\n}\n").unwrap_or(0) + 3;
        format!("{}{}", &text[..at], &text[end..])
    }

    /// `text` with the measure nested in `result` moved out of it, after it, with `of`.
    fn nested_out(text: &str, result: &str, measure: &str) -> String {
        let at = text.find(&format!("result {result} ")).unwrap_or_else(|| panic!("no {result}"));
        let from = at + text[at..].find(&format!("  measure {measure} ")).unwrap_or_else(|| panic!("no {measure}"));
        let to = from + text[from..].find("\n  }\n").unwrap_or(0) + 5;
        let block: String =
            text[from..to].lines().map(|line| format!("{}\n", line.strip_prefix("  ").unwrap_or(line))).collect();
        let block = block.replacen("{\n", &format!("{{\n  of: {result}\n"), 1);
        let end = to + text[to..].find("}\n").unwrap_or(0) + 2;
        format!("{}{}{block}{}", &text[..from], &text[to..end], &text[end..])
    }

    /// `reanalyze` after an edit gives what analysing the whole workspace gives (model,
    /// diagnostics, and the outline the next edit starts from), and declines exactly the
    /// edits that change what the first pass decides.
    #[test]
    fn reanalysis_after_an_edit_is_the_whole_analysis() {
        let mut files = crate::synth::workspace(600, 50, 11);
        let mut add = |path: &str, text: &str| {
            let file = files.iter_mut().find(|f| f.path == path).unwrap_or_else(|| panic!("no {path}"));
            file.text.push_str(text);
        };
        // The edited file: a measure by `of` named by a link in another file (whose help
        // names the measure's result), a measure without `of`, an unknown reference.
        add("results/00003.strata", "measure loose \"Loose\" {\n  of: r151\n}\nmeasure bare \"Bare\"\nr150 -> zz\n");
        add("results/00001.strata", "r60 -> m170\n");
        // In a file that uses no id the edits rename: a link to a measure, whose help
        // names the measure's result, and an unknown id that an edit declares.
        add(
            "001-groups.strata",
            "r0 -> loose\nr0 -> m155\nmeasure probe \"Probe\" {\n  of: yet_unknown\n}\n\
             measure quoted \"Quoted\" {\n  of: \"r1\"\n}\n",
        );
        // A duplicate in the middle of a file (declared first at its top), in a file that
        // uses an id the edits rename.
        let dup = files.iter_mut().find(|f| f.path == "results/00011.strata").expect("results/00011.strata");
        dup.text = format!("result r560 \"First\"\n{}r598 -> r150\n", dup.text);
        let mut workspace = crate::synth::as_workspace(&files);
        let config = Config::default();
        let parse = |sources: &[SourceFile]| -> Vec<ast::Ast> {
            let mut diags = Vec::new();
            sources.iter().enumerate().map(|(i, f)| crate::parse_file(FileId(i as u32), f, &mut diags)).collect()
        };
        let mut asts = parse(&workspace.files);
        let mut previous = analyze_outlined(&workspace.files, &asts, &config, &mut Vec::new());
        let file = |path: &str| FileId(workspace.files.iter().position(|f| f.path == path).unwrap_or(0) as u32);
        let (early, edited, other, map, duplicated) = (
            file("results/00001.strata"),
            file("results/00003.strata"),
            file("results/00004.strata"),
            file("000-map.strata"),
            file("results/00011.strata"),
        );
        let first = |from: &'static str, to: &'static str| move |text: &str| text.replacen(from, to, 1);
        type Edit = Box<dyn Fn(&str) -> String>;
        let edits: Vec<(&str, Vec<FileId>, Edit, Option<bool>)> = vec![
            ("a statement", vec![edited], Box::new(first("result r150 \"", "result r150 \"Newly ")), Some(true)),
            (
                "a value made wrong",
                vec![edited],
                Box::new(first("frequency: monthly", "frequency: hourly")),
                Some(true),
            ),
            ("a layer misspelt", vec![edited], Box::new(first("layer: ", "layer: x")), Some(true)),
            ("a measure's `of`", vec![edited], Box::new(first("of: r151", "of: r152")), Some(true)),
            ("a link added", vec![edited], Box::new(|t: &str| format!("{t}r199 -> r150\n")), Some(true)),
            ("a link removed", vec![edited], Box::new(first("r150 -> zz\n", "")), Some(true)),
            ("a comment", vec![edited], Box::new(|t: &str| format!("{t}# A note.\n")), Some(true)),
            ("nothing", vec![edited], Box::new(str::to_owned), Some(true)),
            ("two files", vec![edited, other], Box::new(first("owner: \"", "owner: \"Chief ")), Some(true)),
            ("a broken file", vec![edited], Box::new(first("{", "{{ }")), None),
            ("the brace mended", vec![edited], Box::new(first("{{ }", "{")), None),
            ("a result added", vec![edited], Box::new(|t: &str| format!("{t}result s_fresh \"Fresh\"\n")), Some(true)),
            // Every later file's results move up one.
            (
                "a result added early",
                vec![early],
                Box::new(|t: &str| format!("result s_early \"Early\"\n{t}")),
                Some(true),
            ),
            ("a layer added early", vec![early], Box::new(|t: &str| format!("{t}layer later \"Later\"\n")), Some(true)),
            ("an early result removed", vec![early], Box::new(|t: &str| without(t, "result r51 ")), Some(true)),
            ("a measure moved out", vec![edited], Box::new(|t: &str| nested_out(t, "r151", "m151")), Some(true)),
            ("an id renamed", vec![edited], Box::new(first("result r150 ", "result r150x ")), Some(true)),
            ("renamed back", vec![edited], Box::new(first("result r150x ", "result r150 ")), Some(true)),
            (
                "renamed to an unknown id",
                vec![edited],
                Box::new(first("result r153 ", "result yet_unknown ")),
                Some(true),
            ),
            ("a measure renamed", vec![edited], Box::new(first("measure m170 ", "measure m170x ")), Some(true)),
            // The help of `r0 -> m155` in another file names the result `m155` measures.
            ("a measure's result renamed", vec![edited], Box::new(first("result r155 ", "result r155x ")), Some(true)),
            ("a declaration removed", vec![edited], Box::new(first("measure bare \"Bare\"\n", "")), Some(true)),
            // Its uses in other files now name an action: links into it are errors.
            ("a result made an action", vec![edited], Box::new(first("result r156 ", "action r156 ")), Some(true)),
            ("renamed to the smallest id", vec![edited], Box::new(first("action a150 ", "action a ")), Some(true)),
            // The help of `of: "r1"` in another file gives the smallest result id.
            ("the smallest result id", vec![edited], Box::new(first("result r154 ", "result b_first ")), Some(true)),
            ("renamed to a taken id", vec![edited], Box::new(first("result r155x ", "result r151 ")), Some(false)),
            ("the map's file", vec![map], Box::new(first("Serve", "Delight")), Some(false)),
            ("a file with a duplicate", vec![duplicated], Box::new(first("Owner", "Head")), Some(false)),
        ];
        for (what, changed, edit, incremental) in edits {
            for &file in &changed {
                let source = &mut workspace.files[file.0 as usize];
                *source = SourceFile::new(source.path.clone(), edit(&source.text));
            }
            asts = parse(&workspace.files);
            let mut whole = Vec::new();
            let (model, outline) = analyze_outlined(&workspace.files, &asts, &config, &mut whole);
            let mut again = Vec::new();
            let redone = reanalyze(&previous.0, &previous.1, &changed, &workspace.files, &asts, &config, &mut again);
            if let Some(expected) = incremental {
                assert_eq!(redone.is_some(), expected, "{what}: reanalysed or not");
            }
            if let Some((redone, redone_outline)) = redone {
                assert_eq!(again, whole, "{what}: diagnostics");
                let (a, b) = (redone.shown(), model.shown());
                if a != b {
                    let first = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(0);
                    let context: Vec<_> = a.lines().zip(b.lines()).skip(first.saturating_sub(5)).take(12).collect();
                    panic!("{what}: the models differ at line {first}: {context:#?}");
                }
                assert_eq!(format!("{redone_outline:?}"), format!("{outline:?}"), "{what}: outlines");
            } else {
                assert!(again.is_empty(), "{what}: declined, but reported");
            }
            previous = (model, outline);
        }
    }
}
