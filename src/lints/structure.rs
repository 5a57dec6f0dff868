//! The shape of the map (PuMP results maps, balanced-scorecard strategy maps): no loops
//! of causes, every result in the story, actions linked, links flowing up the layers to
//! the results in the first layer, no link said twice, no empty layer.

use petgraph::Direction as Dir;

use super::Lints;
use crate::diagnostics::{Code, Diagnostic, Label};
use crate::graph::MapGraph;
use crate::sema::model::{Model, NodeRef};
use crate::source::{FileId, Loc};
use crate::syntax::ast::{Ast, Ident, Item};
use rustc_hash::{FxHashMap, FxHashSet};

/// The nodes with a link whose other end names nothing a link can join (an unknown id,
/// a keyword, a node of the wrong kind): sema reports that end, and sets the link
/// aside. The shape lints still count the link, so that one typo draws one diagnostic
/// (spec section 5, "One mistake, one diagnostic").
#[derive(Default)]
pub struct Dangling {
    /// Causes of such a link (its effect is the broken end).
    pub causes: FxHashSet<NodeRef>,
    /// Effects of such a link.
    pub effects: FxHashSet<NodeRef>,
}

impl Dangling {
    /// From every file's links, and what sema reported (`diags`): an unknown id whose
    /// "did you mean" names a result or action counts as that node, since the fix the
    /// help offers links it.
    pub fn new(model: &Model, asts: &[Ast], diags: &[Diagnostic]) -> Dangling {
        let mut dangling = Dangling::default();
        // Every link the model set aside was reported; without such a report (nearly
        // always) there is nothing to read.
        let set_aside =
            |code| matches!(code, Code::UnknownReference | Code::WrongKind | Code::SelfLink | Code::LinkIntoAction);
        if !diags.iter().any(|d| set_aside(d.code)) {
            return dangling;
        }
        let meant: FxHashMap<Loc, &str> = diags
            .iter()
            .filter(|d| d.code == Code::UnknownReference)
            .filter_map(|d| {
                let help = d.help.as_deref()?.strip_prefix("did you mean `")?;
                Some((d.loc(), &help[..help.find('`')?]))
            })
            .collect();
        let links = asts.iter().enumerate().flat_map(|(i, ast)| {
            ast.items.iter().filter_map(move |item| match item {
                Item::Link(link) => Some((FileId(i as u32), link)),
                Item::Decl(_) => None,
            })
        });
        for (file, link) in links {
            let meant_node = |end: &Ident| {
                let name = meant.get(&Loc::new(file, end.span)).copied().unwrap_or(&end.name);
                model.symbols.get(name).copied()
            };
            let cause_kind = |n: &NodeRef| matches!(n, NodeRef::Result(_) | NodeRef::Action(_));
            let effect_kind = |n: &NodeRef| matches!(n, NodeRef::Result(_));
            for pair in link.nodes.windows(2) {
                let (from, to) = (model.symbols.get(pair[0].name.as_str()), model.symbols.get(pair[1].name.as_str()));
                // A link the model holds: both ends name nodes of the right kinds, and
                // not the same one (a link to itself is an error).
                if from.is_some_and(cause_kind) && to.is_some_and(effect_kind) && from != to {
                    continue;
                }
                if let Some(cause) = meant_node(&pair[0]).filter(cause_kind) {
                    dangling.causes.insert(cause);
                }
                if let Some(effect) = meant_node(&pair[1]).filter(effect_kind) {
                    dangling.effects.insert(effect);
                }
            }
        }
        dangling
    }
}

pub fn check(lints: &mut Lints<'_>, graph: &MapGraph, dangling: &Dangling, meant: &super::Meant) {
    let model = lints.model;

    for component in graph.cycles() {
        let links = graph.cycle_links(&component);
        let Some(&first) = links.iter().min() else { continue };
        let names: Vec<String> = component.iter().map(|&n| format!("`{}`", model.id(graph.node(n)))).collect();
        let link = &model.links[first];
        let message = format!("{} cause each other in a loop", join(&names));
        let mut diag = Diagnostic::new(
            Code::CausalCycle,
            Label::new(link_loc(link.from_loc, link.to_loc), "this link closes a loop"),
            message,
        )
        .with_help("cause and effect runs one way: remove or reverse one of the links in the loop");
        for &i in links.iter().filter(|&&i| i != first) {
            let l = &model.links[i];
            diag = diag.with_label(Label::new(
                link_loc(l.from_loc, l.to_loc),
                format!("`{}` -> `{}`", model.id(l.from), model.results[l.to].id),
            ));
        }
        lints.push(diag);
    }

    let several = model.results.len() > 1;
    for (i, result) in model.results.iter().enumerate() {
        let Some(node) = graph.index(NodeRef::Result(i)) else { continue };
        let broken_link =
            dangling.causes.contains(&NodeRef::Result(i)) || dangling.effects.contains(&NodeRef::Result(i));
        if several && !broken_link && graph.degree(node, Dir::Incoming) == 0 && graph.degree(node, Dir::Outgoing) == 0 {
            let message = format!("result `{}` is not linked to any other result or action", result.id);
            let help = format!(
                "link it to what it causes (`{} -> ...`) or to what causes it (`... -> {}`)",
                result.id, result.id
            );
            lints.push(
                Diagnostic::new(Code::IsolatedResult, Label::new(result.loc, "no links"), message).with_help(help),
            );
        }
    }

    for (i, action) in model.actions.iter().enumerate() {
        let Some(node) = graph.index(NodeRef::Action(i)) else { continue };
        if graph.degree(node, Dir::Outgoing) == 0 && !dangling.causes.contains(&NodeRef::Action(i)) {
            let message = format!("action `{}` is not linked to any result it should move", action.id);
            let help = format!("link it to the result it is meant to move: `{} -> RESULT`", action.id);
            lints.push(
                Diagnostic::new(Code::UnlinkedAction, Label::new(action.loc, "moves no result"), message)
                    .with_help(help),
            );
        }
    }

    let layer_of = |node: NodeRef| match node {
        NodeRef::Result(r) => model.results[r].layer,
        _ => None,
    };
    let mut seen: FxHashMap<(NodeRef, usize), Loc> = FxHashMap::default();
    seen.reserve(model.links.len());
    for link in &model.links {
        if let (Some(from), Some(to)) = (layer_of(link.from), model.results[link.to].layer)
            && to > from
        {
            let (cause, effect) = (&model.layers[from], &model.layers[to]);
            let message = format!(
                "link `{}` -> `{}` points down, from layer `{}` to the lower layer `{}`",
                model.id(link.from),
                model.results[link.to].id,
                cause.id,
                effect.id
            );
            let help =
                "cause and effect flow up the layers: reverse the link, or move one of the results to another layer";
            lints.push(
                Diagnostic::new(Code::DownwardLink, Label::new(link.to_loc, "effect in a lower layer"), message)
                    .with_help(help),
            );
        }
        match seen.get(&(link.from, link.to)) {
            Some(&first) => {
                let message =
                    format!("the link `{}` -> `{}` is stated twice", model.id(link.from), model.results[link.to].id);
                let diag = Diagnostic::new(Code::DuplicateLink, Label::new(link.to_loc, "stated again"), message)
                    .with_label(Label::new(first, "first stated here"))
                    .with_help("remove the second statement of the link");
                lints.push(diag);
            }
            None => {
                seen.insert((link.from, link.to), link.to_loc);
            }
        }
    }

    if !model.layers.is_empty() {
        // A result whose link names a typo may lead up through it: it counts as reaching
        // the top, and so do the results that lead to it.
        let top: Vec<_> = (0..model.results.len())
            .filter(|&r| {
                model.results[r].layer == Some(0)
                    || meant.top.contains(&r)
                    || dangling.causes.contains(&NodeRef::Result(r))
            })
            .filter_map(|r| graph.index(NodeRef::Result(r)))
            .collect();
        let reaching = graph.reaching(top);
        let first_layer = &model.layers[0];
        for (i, result) in model.results.iter().enumerate() {
            let reached = graph.index(NodeRef::Result(i)).is_some_and(|n| reaching[n.index()]);
            if !reached {
                let message = format!(
                    "result `{}` has no path of links up to a result in the first layer, `{}`",
                    result.id, first_layer.id
                );
                let help = format!(
                    "link it, directly or through other results, to a result in layer `{}`: every result should serve the ultimate results",
                    first_layer.id
                );
                lints.push(
                    Diagnostic::new(Code::NoPathToTop, Label::new(result.loc, "serves no top result"), message)
                        .with_help(help),
                );
            }
        }
    }

    let mut used = vec![false; model.layers.len()];
    for result in &model.results {
        if let Some(layer) = result.layer {
            used[layer] = true;
        }
    }
    for (i, (layer, used)) in model.layers.iter().zip(used).enumerate() {
        if !used && !meant.layers.contains(&i) {
            let message = format!("layer `{}` holds no result", layer.id);
            let help = format!("place a result in it with `layer: {}`, or remove the layer", layer.id);
            lints
                .push(Diagnostic::new(Code::EmptyLayer, Label::new(layer.loc, "empty layer"), message).with_help(help));
        }
    }
}

/// A link statement's span from cause to effect, when both are in one place.
fn link_loc(from: Loc, to: Loc) -> Loc {
    if from.file == to.file && from.span.start < to.span.start {
        Loc::new(from.file, from.span.to(to.span))
    } else {
        to
    }
}

fn join(names: &[String]) -> String {
    match names {
        [init @ .., last] if !init.is_empty() => format!("{} and {last}", init.join(", ")),
        _ => names.join(""),
    }
}
