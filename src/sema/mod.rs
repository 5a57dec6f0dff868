//! Semantic analysis: the ASTs of a workspace -> one `Model`, with every error of spec
//! section 4 that needs names or kinds (duplicates, references, attributes, values).
//!
//! Two passes over the items in declaration order: the first declares every id, the
//! second reads attributes and resolves references, so that an id may be used before,
//! or in another file than, its declaration.

pub mod attributes;
pub mod model;
pub mod period;

use std::collections::hash_map::Entry;

use attributes::{Attrs, What, describe};
use model::*;

use crate::config::Config;
use crate::diagnostics::{Code, Diagnostic, Label, suggest};
use crate::source::{FileId, Loc, SourceFile};
use crate::syntax::ast::{self, Decl, DeclKind, Item, Qualifier, RESERVED_WORDS, Value, ValueKind};

pub struct Sema<'a> {
    sources: &'a [SourceFile],
    config: &'a Config,
    diags: &'a mut Vec<Diagnostic>,
    model: Model,
    /// Where the id of each slot is declared, by kind (layers, groups, results,
    /// measures, actions), so that `duplicate-id` can label the first declaration; the
    /// length of each list is the index of the kind's next slot.
    declared: [Vec<Loc>; 5],
}

/// What a declaration became in the first pass.
#[derive(Clone, Copy)]
enum Slot {
    Node(NodeRef),
    /// A duplicate, a reserved word, or a misplaced item: checked, not kept.
    Discard,
}

/// Analyses a workspace. `asts[i]` is the tree of `sources[i]`.
pub fn analyze(sources: &[SourceFile], asts: &[ast::Ast], config: &Config, diags: &mut Vec<Diagnostic>) -> Model {
    let mut sema = Sema { sources, config, diags, model: Model::default(), declared: Default::default() };
    // At least one symbol per top-level item but the links: grown once, not doubling.
    let items: usize = asts.iter().map(|ast| ast.items.len()).sum();
    sema.model.symbols.reserve(items / 2);
    let mut decls = Vec::new();
    for (i, ast) in asts.iter().enumerate() {
        let file = FileId(i as u32);
        for item in &ast.items {
            if let Item::Decl(decl) = item {
                sema.declare(file, decl, None, &mut decls);
            }
        }
    }
    // The second pass pushes one node per slot: room for exactly that many.
    let [layers, groups, results, measures, actions] = sema.declared.each_ref().map(Vec::len);
    sema.model.layers.reserve_exact(layers);
    sema.model.groups.reserve_exact(groups);
    sema.model.results.reserve_exact(results);
    sema.model.measures.reserve_exact(measures);
    sema.model.actions.reserve_exact(actions);
    for &(file, decl, slot, parent) in &decls {
        sema.fill(file, decl, slot, parent);
    }
    let pairs: usize = asts
        .iter()
        .flat_map(|ast| &ast.items)
        .map(|item| match item {
            Item::Link(link) => link.nodes.len().saturating_sub(1),
            Item::Decl(_) => 0,
        })
        .sum();
    sema.model.links.reserve_exact(pairs);
    for (i, ast) in asts.iter().enumerate() {
        let file = FileId(i as u32);
        for item in &ast.items {
            if let Item::Link(link) = item {
                sema.link(file, link);
            }
        }
    }
    let mut model = sema.model;
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
    model.references.shrink_to_fit();
    model
}

type Pending<'a> = (FileId, &'a Decl, Slot, Option<Slot>);

impl Sema<'_> {
    pub fn push(&mut self, diag: Diagnostic) {
        self.diags.push(diag);
    }

    pub fn slice(&self, file: FileId, value: &Value) -> String {
        self.sources[file.0 as usize].slice(value.span).to_owned()
    }

    /// First pass: give each declaration its slot and register its id.
    fn declare<'a>(
        &mut self,
        file: FileId,
        decl: &'a Decl,
        parent: Option<(Slot, DeclKind)>,
        out: &mut Vec<Pending<'a>>,
    ) {
        let slot = self.slot(file, decl, parent);
        out.push((file, decl, slot, parent.map(|(slot, _)| slot)));
        for nested in decl.nested() {
            self.declare(file, nested, Some((slot, decl.kind)), out);
        }
    }

    fn slot(&mut self, file: FileId, decl: &Decl, parent: Option<(Slot, DeclKind)>) -> Slot {
        if let Some((_, parent_kind)) = parent {
            let allowed = matches!(
                (decl.kind, parent_kind),
                (DeclKind::Measure, DeclKind::Result) | (DeclKind::Group, DeclKind::Group)
            );
            if !allowed {
                let container = if decl.kind == DeclKind::Measure { "result" } else { "group" };
                let message = format!("a `{}` cannot be nested in a `{}`", decl.kind.keyword(), parent_kind.keyword());
                let help =
                    format!("move it out of the block; a `{}` nests only in a `{container}`", decl.kind.keyword());
                let loc = Loc::new(file, decl.keyword);
                self.push(
                    Diagnostic::new(Code::SyntaxError, Label::new(loc, "misplaced item"), message).with_help(help),
                );
                return Slot::Discard;
            }
        }
        let Some(id) = &decl.id else {
            // The map: at most one per workspace.
            if let Some(first) = &self.model.map {
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
                self.model.map = Some(MapInfo {
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
        let (counter, make): (usize, fn(usize) -> NodeRef) = match decl.kind {
            DeclKind::Layer => (0, NodeRef::Layer),
            DeclKind::Group => (1, NodeRef::Group),
            DeclKind::Result => (2, NodeRef::Result),
            DeclKind::Measure => (3, NodeRef::Measure),
            DeclKind::Action => (4, NodeRef::Action),
            DeclKind::Map => return Slot::Discard,
        };
        match self.model.symbols.entry(id.name.to_string()) {
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

    /// Second pass: read the attributes of one declaration into its node.
    fn fill(&mut self, file: FileId, decl: &Decl, slot: Slot, parent: Option<Slot>) {
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
                let method = self
                    .one_of(&attrs, "method", attributes::METHODS, "a method")
                    .map(|w| Spanned { value: if w.value == "bsc" { Method::Bsc } else { Method::Pump }, loc: w.loc });
                if let Some(map) = self.model.map.as_mut().filter(|m| m.loc == Loc::new(file, decl.title.span)) {
                    *map = MapInfo { purpose, vision, mission, owner, horizon, method, ..map.clone() };
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
                        let enclosing = match parent {
                            Slot::Node(node) => format!(" `{}`", self.model.id(node)),
                            Slot::Discard => String::new(),
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
                    target: self.quantity(&attrs, "target", Qualifier::By),
                    frequency: self
                        .one_of(&attrs, "frequency", attributes::FREQUENCIES, "a frequency")
                        .map(|w| w.value),
                    formula: self.string(&attrs, "formula"),
                    source: self.string(&attrs, "source"),
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
        let Some(&node) = self.model.symbols.get(name) else {
            let candidates: Vec<&str> = self
                .model
                .symbols
                .iter()
                .filter(|(_, node)| expect.accepts(**node))
                .map(|(id, _)| id.as_str())
                .collect();
            let help = match suggest(name, candidates.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("declare {} `{name}`, or use the id of one that exists", expect.a()),
            };
            let message = format!("unknown {} `{name}`", expect.name());
            self.push(
                Diagnostic::new(Code::UnknownReference, Label::new(loc, "not declared"), message).with_help(help),
            );
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
                match self.model.measures.get(m).and_then(|m| m.of) {
                    Some(r) => format!("link the result it measures instead: `{}`", self.model.results[r].id),
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
    fn example(&self, expect: Expect) -> String {
        let mut ids: Vec<&String> =
            self.model.symbols.iter().filter(|(_, n)| expect.accepts(**n)).map(|(id, _)| id).collect();
        ids.sort();
        ids.first().map_or_else(|| expect.name().to_uppercase().replace(' ', "_"), |id| (*id).clone())
    }

    fn link(&mut self, file: FileId, link: &ast::Link) {
        let attrs: Attrs<'_> = self.attrs(file, What::Link, attributes::LINK, link.attributes());
        let strength = self.one_of(&attrs, "strength", attributes::STRENGTHS, "a strength").map(|w| w.value);
        let polarity = self.one_of(&attrs, "polarity", attributes::POLARITIES, "a polarity");
        let evidence = self.string(&attrs, "evidence");
        let assumption = self.string(&attrs, "assumption");
        let note = self.string(&attrs, "note");
        let last = link.nodes.len().saturating_sub(1);
        // Resolve each id once: a middle id is both an effect and a cause.
        let ends: Vec<Option<NodeRef>> = link
            .nodes
            .iter()
            .enumerate()
            .map(|(i, node)| {
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
                    let help = match self.model.symbols.get(cause.as_str()) {
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
            })
            .collect();
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
#[derive(Clone, Copy, PartialEq, Eq)]
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
    fn accepts(self, node: NodeRef) -> bool {
        match self {
            Expect::Layer => matches!(node, NodeRef::Layer(_)),
            Expect::Group => matches!(node, NodeRef::Group(_)),
            Expect::Result => matches!(node, NodeRef::Result(_)),
            Expect::Cause | Expect::Effect | Expect::Middle => matches!(node, NodeRef::Result(_) | NodeRef::Action(_)),
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
