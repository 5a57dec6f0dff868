//! `--focus ID --depth N`: the sub-map within N links of one node, in either
//! direction, as a model of its own (indexes renumbered, declaration order kept).
//!
//! Links join results and actions, so those are what the distance counts. A measure
//! stands for its result. The sub-model keeps the measures of the results it keeps,
//! the layers that hold them, the groups they are for (with their parent groups, so
//! that every reference resolves) and the links between kept nodes.

use std::collections::VecDeque;

use super::{ExportError, Focus};
use crate::diagnostics::suggest;
use crate::sema::model::{Model, NodeRef, Text};

/// A focused sub-model, and the node it is centred on (an index into it).
#[derive(Debug)]
pub struct Focused {
    pub model: Model,
    pub center: NodeRef,
}

/// Cuts `model` down to the nodes within `focus.depth` links of `focus.id`.
pub fn focus(model: &Model, focus: &Focus) -> Result<Focused, ExportError> {
    let center = center(model, &focus.id)?;
    let n = model.results.len();
    // Distances over results (0..n) and actions (n..): links taken both ways.
    let slot = |node: NodeRef| match node {
        NodeRef::Result(i) => Some(i),
        NodeRef::Action(i) => Some(n + i),
        _ => None,
    };
    let mut neighbours = vec![Vec::new(); n + model.actions.len()];
    for link in &model.links {
        let (Some(from), Some(to)) = (slot(link.from), slot(NodeRef::Result(link.to))) else { continue };
        if from < neighbours.len() && to < neighbours.len() {
            neighbours[from].push(to);
            neighbours[to].push(from);
        }
    }
    let mut distance: Vec<Option<usize>> = vec![None; neighbours.len()];
    let mut queue = VecDeque::new();
    if let Some(start) = slot(center).filter(|&s| s < distance.len()) {
        distance[start] = Some(0);
        queue.push_back(start);
    }
    while let Some(node) = queue.pop_front() {
        let Some(d) = distance[node] else { continue };
        if d >= focus.depth {
            continue;
        }
        for &next in &neighbours[node] {
            if distance[next].is_none() {
                distance[next] = Some(d + 1);
                queue.push_back(next);
            }
        }
    }
    let keep_result: Vec<bool> = (0..n).map(|i| distance[i].is_some()).collect();
    let keep_action: Vec<bool> = (0..model.actions.len()).map(|i| distance[n + i].is_some()).collect();
    Ok(submodel(model, &keep_result, &keep_action, center))
}

/// The result or action the focus is centred on.
fn center(model: &Model, id: &str) -> Result<NodeRef, ExportError> {
    match model.symbols.get(id) {
        Some(&node @ (NodeRef::Result(_) | NodeRef::Action(_))) => Ok(node),
        Some(&NodeRef::Measure(i)) => match model.measures.get(i).and_then(|m| m.of) {
            Some(result) => Ok(NodeRef::Result(result)),
            None => Err(ExportError::DetachedMeasure { id: id.to_owned() }),
        },
        Some(&node) => Err(ExportError::UnlinkedFocus { id: id.to_owned(), kind: node.kind_name() }),
        None => {
            let candidates = model
                .results
                .iter()
                .map(|r| r.id.as_str())
                .chain(model.measures.iter().map(|m| m.id.as_str()))
                .chain(model.actions.iter().map(|a| a.id.as_str()));
            let suggestion = suggest(id, candidates).map(str::to_owned);
            Err(ExportError::UnknownFocus { id: id.to_owned(), suggestion })
        }
    }
}

/// The new index of each kept element, `None` for the dropped ones.
fn renumber(keep: &[bool]) -> Vec<Option<usize>> {
    let mut next = 0;
    keep.iter()
        .map(|&k| {
            k.then(|| {
                next += 1;
                next - 1
            })
        })
        .collect()
}

fn at(map: &[Option<usize>], old: usize) -> Option<usize> {
    map.get(old).copied().flatten()
}

fn submodel(model: &Model, keep_result: &[bool], keep_action: &[bool], center: NodeRef) -> Focused {
    let results = renumber(keep_result);
    let actions = renumber(keep_action);

    let mut keep_layer = vec![false; model.layers.len()];
    let mut keep_group = vec![false; model.groups.len()];
    for (result, _) in model.results.iter().zip(keep_result).filter(|(_, k)| **k) {
        if let Some(slot) = result.layer.and_then(|l| keep_layer.get_mut(l)) {
            *slot = true;
        }
        for group in &result.for_groups {
            // The group and its ancestors; the bound stops a malformed parent chain.
            let mut next = Some(group.value);
            for _ in 0..=model.groups.len() {
                let Some(g) = next.filter(|&g| g < keep_group.len()) else { break };
                keep_group[g] = true;
                next = model.groups[g].parent;
            }
        }
    }
    let keep_measure: Vec<bool> =
        model.measures.iter().map(|m| m.of.is_some_and(|r| keep_result.get(r) == Some(&true))).collect();
    let layers = renumber(&keep_layer);
    let groups = renumber(&keep_group);
    let measures = renumber(&keep_measure);

    let mut sub = Model { map: model.map.clone(), ..Model::default() };
    sub.layers = model.layers.iter().zip(&keep_layer).filter(|(_, k)| **k).map(|(l, _)| l.clone()).collect();
    sub.groups = model
        .groups
        .iter()
        .zip(&keep_group)
        .filter(|(_, k)| **k)
        .map(|(g, _)| {
            let mut g = g.clone();
            g.parent = g.parent.and_then(|p| at(&groups, p));
            g
        })
        .collect();
    sub.results = model
        .results
        .iter()
        .zip(keep_result)
        .filter(|(_, k)| **k)
        .map(|(r, _)| {
            let mut r = r.clone();
            r.layer = r.layer.and_then(|l| at(&layers, l));
            r.for_groups.retain_mut(|g| match at(&groups, g.value) {
                Some(new) => {
                    g.value = new;
                    true
                }
                None => false,
            });
            r.measures = r.measures.iter().filter_map(|&m| at(&measures, m)).collect();
            r
        })
        .collect();
    sub.measures = model
        .measures
        .iter()
        .zip(&keep_measure)
        .filter(|(_, k)| **k)
        .map(|(m, _)| {
            let mut m = m.clone();
            m.of = m.of.and_then(|r| at(&results, r));
            m
        })
        .collect();
    sub.actions = model.actions.iter().zip(keep_action).filter(|(_, k)| **k).map(|(a, _)| a.clone()).collect();
    let remap = |node: NodeRef| match node {
        NodeRef::Result(i) => at(&results, i).map(NodeRef::Result),
        NodeRef::Action(i) => at(&actions, i).map(NodeRef::Action),
        _ => None,
    };
    sub.links = model
        .links
        .iter()
        .filter_map(|link| {
            let from = remap(link.from)?;
            let to = at(&results, link.to)?;
            let mut link = link.clone();
            link.from = from;
            link.to = to;
            Some(link)
        })
        .collect();
    let nodes = (0..sub.layers.len())
        .map(NodeRef::Layer)
        .chain((0..sub.groups.len()).map(NodeRef::Group))
        .chain((0..sub.results.len()).map(NodeRef::Result))
        .chain((0..sub.measures.len()).map(NodeRef::Measure))
        .chain((0..sub.actions.len()).map(NodeRef::Action));
    let symbols: Vec<(Text, NodeRef)> = nodes.map(|node| (sub.id(node).into(), node)).collect();
    sub.symbols.extend(symbols);
    let center = remap(center).unwrap_or(center);
    Focused { model: sub, center }
}
