//! Model -> a petgraph graph of cause and effect: one node per result and action, one
//! edge per link (weighted by the link's index in `Model::links`). Cycles, reachability
//! and neighbourhoods are answered here.

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::sema::model::{Model, NodeRef};

pub struct MapGraph {
    pub graph: DiGraph<NodeRef, usize>,
    results: usize,
}

impl MapGraph {
    pub fn new(model: &Model) -> MapGraph {
        let mut graph = DiGraph::with_capacity(model.results.len() + model.actions.len(), model.links.len());
        for i in 0..model.results.len() {
            graph.add_node(NodeRef::Result(i));
        }
        for i in 0..model.actions.len() {
            graph.add_node(NodeRef::Action(i));
        }
        let results = model.results.len();
        let mut map = MapGraph { graph, results };
        for (i, link) in model.links.iter().enumerate() {
            if let (Some(from), Some(to)) = (map.index(link.from), map.index(NodeRef::Result(link.to))) {
                map.graph.add_edge(from, to, i);
            }
        }
        map
    }

    /// The graph node of a result or action.
    pub fn index(&self, node: NodeRef) -> Option<NodeIndex> {
        match node {
            NodeRef::Result(i) if i < self.results => Some(NodeIndex::new(i)),
            NodeRef::Action(i) if self.results + i < self.graph.node_count() => Some(NodeIndex::new(self.results + i)),
            _ => None,
        }
    }

    pub fn node(&self, index: NodeIndex) -> NodeRef {
        self.graph[index]
    }

    /// Sets of results that cause each other (strongly connected components of more
    /// than one node), each sorted, in order of their first node.
    ///
    /// Kosaraju's algorithm, because petgraph's runs on an explicit stack: its
    /// `tarjan_scc` recurses once per node of a path, and a valid map whose links form a
    /// path of some 21,000 results overflowed a server thread's stack (ARCHITECTURE.md,
    /// invariant 9). Both give the same components; sorting makes the order theirs.
    pub fn cycles(&self) -> Vec<Vec<NodeIndex>> {
        let mut components: Vec<Vec<NodeIndex>> = petgraph::algo::kosaraju_scc(&self.graph)
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|mut c| {
                c.sort();
                c
            })
            .collect();
        components.sort();
        components
    }

    /// The links (indices into `Model::links`) of one cycle through `component`,
    /// starting at its first node, found by breadth-first search inside the component.
    pub fn cycle_links(&self, component: &[NodeIndex]) -> Vec<usize> {
        let Some(&start) = component.first() else { return Vec::new() };
        let inside = |n: NodeIndex| component.binary_search(&n).is_ok();
        let mut came_from: std::collections::HashMap<NodeIndex, (NodeIndex, usize)> = Default::default();
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(node) = queue.pop_front() {
            let mut edges: Vec<_> = self.graph.edges_directed(node, Direction::Outgoing).collect();
            edges.sort_by_key(|e| *e.weight());
            for edge in edges {
                use petgraph::visit::EdgeRef;
                let next = edge.target();
                if !inside(next) {
                    continue;
                }
                if next == start {
                    let mut links = vec![*edge.weight()];
                    let mut at = node;
                    while at != start {
                        let Some(&(prev, link)) = came_from.get(&at) else { break };
                        links.push(link);
                        at = prev;
                    }
                    links.reverse();
                    return links;
                }
                if let std::collections::hash_map::Entry::Vacant(slot) = came_from.entry(next) {
                    slot.insert((node, *edge.weight()));
                    queue.push_back(next);
                }
            }
        }
        Vec::new()
    }

    /// Every node from which some node in `targets` can be reached along the links.
    pub fn reaching(&self, targets: impl IntoIterator<Item = NodeIndex>) -> Vec<bool> {
        let mut seen = vec![false; self.graph.node_count()];
        let mut stack: Vec<NodeIndex> = targets.into_iter().collect();
        for &node in &stack {
            seen[node.index()] = true;
        }
        while let Some(node) = stack.pop() {
            for cause in self.graph.neighbors_directed(node, Direction::Incoming) {
                if !seen[cause.index()] {
                    seen[cause.index()] = true;
                    stack.push(cause);
                }
            }
        }
        seen
    }

    pub fn degree(&self, node: NodeIndex, direction: Direction) -> usize {
        self.graph.edges_directed(node, direction).count()
    }
}
