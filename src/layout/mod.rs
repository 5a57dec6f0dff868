//! The map's own layered layout (spec 10.3), pure: a `Model` in, boxes, bands and
//! routed edges out, for `svg.rs` to draw. No Graphviz and no recursion.
//!
//! Rows, top to bottom: one per layer in declaration order (a band), then the results
//! without a layer, then the actions, so effects sit above causes and actions beneath
//! the results they move. Within its row each box is ordered by barycentre sweeps
//! (down then up, four times: each sweep one sort of the row, `n log n`), then placed
//! near the mean of its neighbours by two passes that keep boxes apart. Edges leave the
//! top of a cause and enter the bottom of an effect, spread along the box edge in the
//! order of their other ends; between rows they are cubic curves with vertical
//! tangents, and through a row in between they run straight down the gap between two
//! boxes nearest their course, so no edge crosses a box. A label sits on its edge's
//! first curve, in the space between two rows, which is made tall enough for the
//! tallest label there: no label is ever over a box. Every text is wrapped as the DOT
//! export wraps it and measured with the font's widths (`text.rs`).

pub mod svg;
pub mod text;

use crate::export::{action_facts, measure_title, measure_values, wrap};
use crate::sema::model::{Model, NodeRef};

/// Font sizes and line heights, in pixels.
pub const BODY: f64 = 11.0;
pub const SMALL: f64 = 9.0;
const SMALL_LINE: f64 = 12.0;
/// Space between two boxes of a row: the channel an edge through the row runs down.
const GAP: f64 = 28.0;
/// Padding inside a box.
const PAD_X: f64 = 10.0;
const PAD_Y: f64 = 7.0;
/// The space above a row's boxes, before labels are counted, and below them.
const ABOVE: f64 = 44.0;
const BELOW: f64 = 18.0;
/// The column at the left where the bands' titles are.
const GUTTER: f64 = 170.0;
const MARGIN: f64 = 20.0;
/// How high a link between two boxes of one row arcs above them.
const ARC: f64 = 30.0;
const SWEEPS: usize = 4;

/// Colours shared with the DOT export's design.
pub const MUTED: &str = "#475569";
pub const TEXT: &str = "#0f172a";

/// One line of text in a box, a band title, a label or the legend.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub text: String,
    pub size: f64,
    pub bold: bool,
    pub italic: bool,
    pub colour: &'static str,
    /// A coloured dot before the text (a customer group).
    pub dot: Option<&'static str>,
}

impl Line {
    fn new(text: String, size: f64) -> Line {
        Line { text, size, bold: false, italic: false, colour: TEXT, dot: None }
    }

    /// The line's width in pixels, the dot included.
    pub fn width(&self) -> f64 {
        let dot = if self.dot.is_some() { self.size * 1.2 } else { 0.0 };
        dot + text::width(&self.text, self.size, self.bold)
    }

    /// The height the line takes.
    pub fn height(&self) -> f64 {
        if self.size > SMALL { self.size + 3.0 } else { SMALL_LINE }
    }
}

/// Lines of wrapped text, all in one style.
fn lines(text: &str, columns: usize, style: &Line) -> Vec<Line> {
    wrap(text, columns).into_iter().map(|text| Line { text, ..style.clone() }).collect()
}

/// A result or an action, placed.
#[derive(Clone, Debug)]
pub struct Node {
    pub what: NodeRef,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub lines: Vec<Line>,
    /// A rule is drawn above this line (the first measure).
    pub rule_before: Option<usize>,
    /// Drawn bold: a focused export's centre.
    pub center: bool,
    row: usize,
}

/// What a row holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    Layer(usize),
    Unlayered,
    Actions,
}

/// A horizontal band of the picture.
#[derive(Clone, Debug)]
pub struct Row {
    pub kind: RowKind,
    /// The band's top and height.
    pub y: f64,
    pub h: f64,
    /// The top of its boxes and the height of the tallest.
    pub boxes_y: f64,
    pub boxes_h: f64,
    /// The band's title (and note), in the gutter.
    pub title: Vec<Line>,
    /// Its nodes, left to right.
    pub nodes: Vec<usize>,
}

/// A part of an edge's path after its start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Seg {
    /// A straight line to the point.
    Line(f64, f64),
    /// A cubic curve to the point, vertical where it leaves and where it arrives.
    Curve(f64, f64),
    /// A cubic curve to the point through two given control points.
    Arc { c1: (f64, f64), c2: (f64, f64), to: (f64, f64) },
}

/// A label, placed: its box's top left corner and size, and its lines.
#[derive(Clone, Debug)]
pub struct Label {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub lines: Vec<Line>,
}

/// A link, routed.
#[derive(Clone, Debug)]
pub struct Edge {
    /// Its index in `model.links`.
    pub link: usize,
    pub from: usize,
    pub to: usize,
    pub start: (f64, f64),
    pub path: Vec<Seg>,
    pub label: Option<Label>,
}

/// The whole picture.
#[derive(Clone, Debug)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    /// The map's title and purpose, centred at the top.
    pub title: Vec<Line>,
    pub rows: Vec<Row>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// The customer-group legend: top left corner, and each group's cells.
    pub legend: Option<Legend>,
}

#[derive(Clone, Debug)]
pub struct Legend {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub heading: Line,
    /// Per group: the top of its row, its indent, and its three cells.
    pub rows: Vec<LegendRow>,
    /// The left edge of the second and third columns.
    pub columns: [f64; 2],
}

#[derive(Clone, Debug)]
pub struct LegendRow {
    pub y: f64,
    pub indent: f64,
    pub cells: [Vec<Line>; 3],
}

/// Lays out `model`; `center` (a focused export's centre) is drawn bold.
pub fn layout(model: &Model, center: Option<NodeRef>) -> Layout {
    let colours = crate::export::dot::group_colours(model);
    let mut nodes = Vec::with_capacity(model.results.len() + model.actions.len());
    let mut rows: Vec<Row> = model
        .layers
        .iter()
        .enumerate()
        .map(|(l, layer)| {
            let mut title = lines(&layer.title, 22, &Line { bold: true, ..Line::new(String::new(), 13.0) });
            if let Some(note) = &layer.note {
                title.extend(lines(note, 30, &Line { colour: MUTED, ..Line::new(String::new(), SMALL) }));
            }
            Row { kind: RowKind::Layer(l), y: 0.0, h: 0.0, boxes_y: 0.0, boxes_h: 0.0, title, nodes: Vec::new() }
        })
        .collect();
    let empty = |kind| Row { kind, y: 0.0, h: 0.0, boxes_y: 0.0, boxes_h: 0.0, title: Vec::new(), nodes: Vec::new() };
    let unlayered_row = rows.len();
    rows.push(empty(RowKind::Unlayered));
    let actions_row = rows.len();
    rows.push(empty(RowKind::Actions));

    let mut node_of_result = vec![usize::MAX; model.results.len()];
    for (r, result) in model.results.iter().enumerate() {
        let row = result.layer.filter(|&l| l < model.layers.len()).unwrap_or(unlayered_row);
        node_of_result[r] = nodes.len();
        rows[row].nodes.push(nodes.len());
        nodes.push(result_node(model, r, row, &colours, center == Some(NodeRef::Result(r))));
    }
    let first_action = nodes.len();
    for (a, action) in model.actions.iter().enumerate() {
        rows[actions_row].nodes.push(nodes.len());
        let mut content = lines(&action.title, 26, &Line::new(String::new(), BODY));
        let facts = action_facts(action);
        if !facts.is_empty() {
            content.extend(lines(&facts.join(" · "), 36, &Line { colour: MUTED, ..Line::new(String::new(), SMALL) }));
        }
        nodes.push(boxed(NodeRef::Action(a), content, None, actions_row, center == Some(NodeRef::Action(a))));
    }

    // The links as node pairs; a link naming nothing drawable is left out.
    let node_of = |n: NodeRef| match n {
        NodeRef::Result(r) => node_of_result.get(r).copied().filter(|&i| i != usize::MAX),
        NodeRef::Action(a) => (a < model.actions.len()).then_some(first_action + a),
        _ => None,
    };
    let pairs: Vec<(usize, usize, usize)> = model
        .links
        .iter()
        .enumerate()
        .filter_map(|(i, link)| Some((i, node_of(link.from)?, node_of(NodeRef::Result(link.to))?)))
        .collect();
    let mut neighbours = vec![Vec::new(); nodes.len()];
    for &(_, a, b) in &pairs {
        if a != b {
            neighbours[a].push(b);
            neighbours[b].push(a);
        }
    }

    order_rows(&mut rows, &nodes, &neighbours);
    place_horizontally(&rows, &mut nodes, &neighbours);

    // The labels, wrapped and measured, and the row whose space above holds each.
    let label_style = Line { colour: MUTED, ..Line::new(String::new(), SMALL) };
    // Each label's lines, width and height.
    let mut labels: Vec<Option<(Vec<Line>, f64, f64)>> = Vec::with_capacity(pairs.len());
    let mut tallest = vec![0.0f64; rows.len()];
    for &(i, a, b) in &pairs {
        let label = model.links[i].label.as_deref().map(|text| lines(text, 26, &label_style));
        let label = label.filter(|l| l.iter().any(|line| !line.text.is_empty()));
        labels.push(label.map(|lines| {
            let (ra, rb) = (nodes[a].row, nodes[b].row);
            let space = match ra.cmp(&rb) {
                std::cmp::Ordering::Greater | std::cmp::Ordering::Equal => ra,
                std::cmp::Ordering::Less => ra + 1,
            };
            let w = lines.iter().map(Line::width).fold(0.0, f64::max) + 8.0;
            let h = lines.iter().map(Line::height).sum::<f64>() + 4.0;
            let extra = if ra == rb { ARC } else { 0.0 };
            tallest[space] = tallest[space].max(h + extra);
            (lines, w, h)
        }));
    }

    // Vertically: the title, then each row with room above for its labels.
    let mut title = Vec::new();
    if let Some(map) = &model.map {
        title.extend(lines(&map.title, 60, &Line { bold: true, ..Line::new(String::new(), 20.0) }));
        if let Some(purpose) = &map.purpose {
            title.extend(lines(purpose, 80, &Line { italic: true, colour: MUTED, ..Line::new(String::new(), BODY) }));
        }
    }
    let mut y = MARGIN + title.iter().map(Line::height).sum::<f64>() + if title.is_empty() { 0.0 } else { 12.0 };
    for (r, row) in rows.iter_mut().enumerate() {
        let boxes_h = row.nodes.iter().map(|&n| nodes[n].h).fold(0.0, f64::max);
        if boxes_h == 0.0 && !matches!(row.kind, RowKind::Layer(_)) {
            // Drawn as nothing, but an edge passing through it keeps its course.
            row.y = y;
            row.boxes_y = y;
            continue;
        }
        let title_h = row.title.iter().map(Line::height).sum::<f64>() + 20.0;
        row.y = y;
        row.boxes_y = y + ABOVE + tallest[r];
        row.boxes_h = boxes_h;
        row.h = (row.boxes_y + boxes_h + BELOW - y).max(title_h);
        for &n in &row.nodes {
            nodes[n].y = row.boxes_y;
        }
        y += row.h;
    }

    let mut width =
        rows.iter().flat_map(|row| row.nodes.last().map(|&n| nodes[n].x + nodes[n].w)).fold(GUTTER + MARGIN, f64::max)
            + MARGIN;
    width = width.max(title.iter().map(Line::width).fold(0.0, f64::max) + 2.0 * MARGIN);

    let legend = legend(model, &colours, y + 16.0);
    if let Some(legend) = &legend {
        width = width.max(legend.x + legend.w + MARGIN);
        y = legend.y + legend.h;
    }
    let height = y + MARGIN;

    let ports = ports(&nodes, &pairs);
    let mut edges = Vec::with_capacity(pairs.len());
    for (k, &(link, a, b)) in pairs.iter().enumerate() {
        let (start, path) = route(&rows, &nodes, a, b, ports[k]);
        let label = labels[k].take().map(|(lines, w, h)| {
            let (cx, cy) = label_anchor(start, &path);
            let cy = if nodes[a].row == nodes[b].row { cy - h / 2.0 - 2.0 } else { cy };
            let x = (cx - w / 2.0).clamp(MARGIN, (width - MARGIN - w).max(MARGIN));
            Label { x, y: cy - h / 2.0, w, h, lines }
        });
        edges.push(Edge { link, from: a, to: b, start, path, label });
    }
    Layout { width, height, title, rows, nodes, edges, legend }
}

/// A result's box: statement, owner, groups, then its measures under a rule.
fn result_node(model: &Model, r: usize, row: usize, colours: &[&'static str], center: bool) -> Node {
    let result = &model.results[r];
    let mut content = lines(&result.statement.value, 28, &Line { bold: true, ..Line::new(String::new(), BODY) });
    let small = Line::new(String::new(), SMALL);
    if let Some(owner) = &result.owner {
        content.extend(lines(&format!("Owner: {owner}"), 36, &Line { colour: MUTED, ..small.clone() }));
    }
    for g in &result.for_groups {
        let Some(group) = model.groups.get(g.value) else { continue };
        let colour = colours.get(g.value).copied().unwrap_or(MUTED);
        let mut chip = lines(&group.name, 34, &small);
        if let Some(first) = chip.first_mut() {
            first.dot = Some(colour);
        }
        content.extend(chip);
    }
    let mut rule = None;
    for m in result.measures.iter().filter_map(|&m| model.measures.get(m)) {
        rule.get_or_insert(content.len());
        content.extend(lines(&measure_title(m), 40, &small));
        if let Some(values) = measure_values(m) {
            content.extend(lines(&values, 40, &Line { colour: MUTED, ..small.clone() }));
        }
    }
    boxed(NodeRef::Result(r), content, rule, row, center)
}

/// A box sized to its lines.
fn boxed(what: NodeRef, lines: Vec<Line>, rule_before: Option<usize>, row: usize, center: bool) -> Node {
    let w = lines.iter().map(Line::width).fold(0.0, f64::max) + 2.0 * PAD_X;
    let rule = if rule_before.is_some() { 8.0 } else { 0.0 };
    let h = lines.iter().map(Line::height).sum::<f64>() + 2.0 * PAD_Y + rule;
    Node { what, x: 0.0, y: 0.0, w: w.max(60.0), h, lines, rule_before, center, row }
}

/// Barycentre sweeps: each row sorted by the mean place of its neighbours in the rows
/// above (going down) or below (going up); a node without such neighbours keeps its
/// place. Places are fractions of a row's width, so rows of any length compare.
fn order_rows(rows: &mut [Row], nodes: &[Node], neighbours: &[Vec<usize>]) {
    let mut place = vec![0.0f64; nodes.len()];
    let set_places = |row: &Row, place: &mut [f64]| {
        let n = row.nodes.len() as f64;
        for (i, &v) in row.nodes.iter().enumerate() {
            place[v] = (i as f64 + 0.5) / n;
        }
    };
    for row in rows.iter() {
        set_places(row, &mut place);
    }
    let mut keyed: Vec<(f64, usize, usize)> = Vec::new();
    for sweep in 0..2 * SWEEPS {
        let down = sweep % 2 == 0;
        let order: Vec<usize> = if down { (0..rows.len()).collect() } else { (0..rows.len()).rev().collect() };
        for r in order {
            keyed.clear();
            for (i, &v) in rows[r].nodes.iter().enumerate() {
                let (mut sum, mut count) = (0.0, 0usize);
                for &u in &neighbours[v] {
                    let other = nodes[u].row;
                    if (down && other < r) || (!down && other > r) {
                        sum += place[u];
                        count += 1;
                    }
                }
                let key = if count == 0 { place[v] } else { sum / count as f64 };
                keyed.push((key, i, v));
            }
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            rows[r].nodes.clear();
            rows[r].nodes.extend(keyed.iter().map(|k| k.2));
            set_places(&rows[r], &mut place);
        }
    }
}

/// Each row packed left to right, then twice pulled towards the mean centre of each
/// node's neighbours: a pass from the left and one from the right each keep the boxes
/// `GAP` apart, and their average does too. Then everything moves right of the gutter.
fn place_horizontally(rows: &[Row], nodes: &mut [Node], neighbours: &[Vec<usize>]) {
    for row in rows {
        let mut x = 0.0;
        for &n in &row.nodes {
            nodes[n].x = x;
            x += nodes[n].w + GAP;
        }
    }
    let mut desired = Vec::new();
    let mut from_left = Vec::new();
    for _ in 0..2 {
        for row in rows {
            desired.clear();
            for &n in &row.nodes {
                let centre = |m: usize| nodes[m].x + nodes[m].w / 2.0;
                let list = &neighbours[n];
                let want = if list.is_empty() {
                    centre(n)
                } else {
                    list.iter().map(|&m| centre(m)).sum::<f64>() / list.len() as f64
                };
                desired.push(want - nodes[n].w / 2.0);
            }
            from_left.clear();
            let mut limit = f64::NEG_INFINITY;
            for (i, &n) in row.nodes.iter().enumerate() {
                let x = desired[i].max(limit);
                from_left.push(x);
                limit = x + nodes[n].w + GAP;
            }
            let mut limit = f64::INFINITY;
            for (i, &n) in row.nodes.iter().enumerate().rev() {
                let x = desired[i].min(limit - nodes[n].w);
                limit = x - GAP;
                nodes[n].x = (x + from_left[i]) / 2.0;
            }
        }
    }
    let least = rows.iter().filter_map(|row| row.nodes.first()).map(|&n| nodes[n].x).fold(f64::INFINITY, f64::min);
    if least.is_finite() {
        for node in nodes.iter_mut() {
            node.x += GUTTER + MARGIN - least;
        }
    }
}

/// Where each edge leaves its cause and reaches its effect: spread along the box's top
/// or bottom in the order of the other end, so edges at a box do not cross there.
fn ports(nodes: &[Node], pairs: &[(usize, usize, usize)]) -> Vec<(f64, f64)> {
    // Per node and side (0 top, 1 bottom): (the other end's centre, edge, end).
    let mut at: Vec<[Vec<(f64, usize, usize)>; 2]> = vec![[Vec::new(), Vec::new()]; nodes.len()];
    let centre = |n: usize| nodes[n].x + nodes[n].w / 2.0;
    for (k, &(_, a, b)) in pairs.iter().enumerate() {
        let (ra, rb) = (nodes[a].row, nodes[b].row);
        let (side_a, side_b) = match ra.cmp(&rb) {
            std::cmp::Ordering::Greater => (0, 1),
            std::cmp::Ordering::Less => (1, 0),
            std::cmp::Ordering::Equal => (0, 0),
        };
        at[a][side_a].push((centre(b), k, 0));
        at[b][side_b].push((centre(a), k, 1));
    }
    let mut ports = vec![(0.0, 0.0); pairs.len()];
    for (n, sides) in at.iter_mut().enumerate() {
        for side in sides.iter_mut() {
            side.sort_by(|p, q| p.0.total_cmp(&q.0).then(p.1.cmp(&q.1)).then(p.2.cmp(&q.2)));
            let count = side.len() as f64;
            let inner = nodes[n].w * 0.8;
            for (i, &(_, k, end)) in side.iter().enumerate() {
                let x = nodes[n].x + nodes[n].w * 0.1 + inner * (i as f64 + 1.0) / (count + 1.0);
                if end == 0 {
                    ports[k].0 = x;
                } else {
                    ports[k].1 = x;
                }
            }
        }
    }
    ports
}

/// An x in `row` near `want` that is in no box: `want` itself when it falls in a gap,
/// otherwise the middle of the gap on the nearer side of the box it hits.
fn channel(row: &Row, nodes: &[Node], want: f64) -> f64 {
    let list = &row.nodes;
    // The first box whose right edge (plus half a gap) is past `want`.
    let i = list.partition_point(|&n| nodes[n].x + nodes[n].w + GAP / 2.0 <= want);
    let Some(&n) = list.get(i) else { return want };
    let node = &nodes[n];
    if want <= node.x - GAP / 2.0 {
        return want;
    }
    let left = node.x - GAP / 2.0;
    let right = node.x + node.w + GAP / 2.0;
    if want - left <= right - want { left } else { right }
}

/// The path of an edge from node `a` to node `b`, leaving and arriving at `ports`.
fn route(rows: &[Row], nodes: &[Node], a: usize, b: usize, ports: (f64, f64)) -> ((f64, f64), Vec<Seg>) {
    let (na, nb) = (&nodes[a], &nodes[b]);
    let (ra, rb) = (na.row, nb.row);
    let (xa, xb) = ports;
    let mut path = Vec::new();
    if ra == rb {
        let top = na.y;
        let lift = ARC;
        let arc = Seg::Arc { c1: (xa, top - lift), c2: (xb, top - lift), to: (xb, nb.y) };
        return ((xa, top), vec![arc]);
    }
    let span = ra.abs_diff(rb) as f64;
    let at = |k: usize| xa + (xb - xa) * (k.abs_diff(ra) as f64) / span;
    if ra > rb {
        // Up: from a's top, through the rows between, into b's bottom.
        let start = (xa, na.y);
        for k in (rb + 1..ra).rev() {
            let row = &rows[k];
            let x = channel(row, nodes, at(k));
            path.push(Seg::Curve(x, row.boxes_y + row.boxes_h));
            path.push(Seg::Line(x, row.boxes_y));
        }
        let bottom = rows[rb].boxes_y + rows[rb].boxes_h;
        if nb.y + nb.h < bottom - 0.5 {
            path.push(Seg::Curve(xb, bottom));
            path.push(Seg::Line(xb, nb.y + nb.h));
        } else {
            path.push(Seg::Curve(xb, nb.y + nb.h));
        }
        (start, path)
    } else {
        // Down: from a's bottom, through the rows between, onto b's top.
        let start = (xa, na.y + na.h);
        let bottom = rows[ra].boxes_y + rows[ra].boxes_h;
        if na.y + na.h < bottom - 0.5 {
            path.push(Seg::Line(xa, bottom));
        }
        for (k, row) in rows.iter().enumerate().take(rb).skip(ra + 1) {
            let x = channel(row, nodes, at(k));
            path.push(Seg::Curve(x, row.boxes_y));
            path.push(Seg::Line(x, row.boxes_y + row.boxes_h));
        }
        path.push(Seg::Curve(xb, nb.y));
        (start, path)
    }
}

/// The middle of an edge's first curve (its arc's top, for an arc).
fn label_anchor(start: (f64, f64), path: &[Seg]) -> (f64, f64) {
    let mut from = start;
    for seg in path {
        match *seg {
            Seg::Line(x, y) => from = (x, y),
            Seg::Curve(x, y) => return ((from.0 + x) / 2.0, (from.1 + y) / 2.0),
            Seg::Arc { c1, c2, to } => {
                // The point at t = 1/2 of the cubic.
                let x = (from.0 + 3.0 * c1.0 + 3.0 * c2.0 + to.0) / 8.0;
                let y = (from.1 + 3.0 * c1.1 + 3.0 * c2.1 + to.1) / 8.0;
                return (x, y);
            }
        }
    }
    from
}

/// The customer-group legend below the map: name (indented by nesting), intent and
/// share, proposition.
fn legend(model: &Model, colours: &[&'static str], top: f64) -> Option<Legend> {
    if model.groups.is_empty() {
        return None;
    }
    let heading = Line { bold: true, ..Line::new("Customer groups".to_owned(), BODY) };
    let small = Line::new(String::new(), SMALL);
    let mut rows = Vec::with_capacity(model.groups.len());
    let mut widths = [0.0f64; 3];
    for (g, group) in model.groups.iter().enumerate() {
        let depth = crate::export::dot::depth(model, g);
        let mut name = lines(&group.name, 30, &Line::new(String::new(), BODY));
        if let Some(first) = name.first_mut() {
            first.dot = Some(colours.get(g).copied().unwrap_or(MUTED));
        }
        let mut facts = Vec::new();
        if let Some(intent) = &group.intent {
            facts.push(intent.value.to_string());
        }
        if let Some(share) = &group.share {
            facts.push(format!("{}%", share.value));
        }
        let facts = if facts.is_empty() {
            Vec::new()
        } else {
            vec![Line { colour: MUTED, ..Line::new(facts.join(" · "), SMALL) }]
        };
        let proposition = group
            .proposition
            .as_ref()
            .map(|p| lines(p, 44, &Line { italic: true, ..small.clone() }))
            .unwrap_or_default();
        let indent = 14.0 * depth.min(8) as f64;
        widths[0] = widths[0].max(indent + name.iter().map(Line::width).fold(0.0, f64::max));
        widths[1] = widths[1].max(facts.iter().map(Line::width).fold(0.0, f64::max));
        widths[2] = widths[2].max(proposition.iter().map(Line::width).fold(0.0, f64::max));
        rows.push(LegendRow { y: 0.0, indent, cells: [name, facts, proposition] });
    }
    let x = MARGIN;
    let columns = [x + 10.0 + widths[0] + 16.0, x + 10.0 + widths[0] + 16.0 + widths[1] + 16.0];
    let mut y = top + 8.0 + heading.height() + 4.0;
    for row in &mut rows {
        row.y = y;
        let h = row.cells.iter().map(|c| c.iter().map(Line::height).sum::<f64>()).fold(0.0, f64::max);
        y += h + 4.0;
    }
    let w = columns[1] + widths[2] + 10.0 - x;
    Some(Legend { x, y: top, w, h: y + 6.0 - top, heading, rows, columns })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Workspace;
    use crate::source::SourceFile;

    fn model(text: &str) -> Model {
        let workspace = Workspace { files: vec![SourceFile::new("map.strata", text)], config: None, data: Vec::new() };
        crate::check(&workspace).model
    }

    /// Pairs of links between two rows that cross, from the boxes' centres.
    fn crossings(layout: &Layout, model: &Model) -> usize {
        let centre = |n: &Node| n.x + n.w / 2.0;
        let ends: Vec<(f64, f64)> =
            layout.edges.iter().map(|e| (centre(&layout.nodes[e.from]), centre(&layout.nodes[e.to]))).collect();
        let mut count = 0;
        for (i, a) in ends.iter().enumerate() {
            for b in &ends[i + 1..] {
                if (a.0 - b.0) * (a.1 - b.1) < 0.0 {
                    count += 1;
                }
            }
        }
        assert_eq!(ends.len(), model.links.len());
        count
    }

    #[test]
    fn sweeps_untangle_a_twisted_map() {
        // The bottom row is declared in the reverse order of the results it causes: in
        // declaration order every pair of the 6 links crosses (15 crossings).
        let mut text = String::from("layer top \"Top\"\nlayer bottom \"Bottom\"\n");
        for i in 0..6 {
            text.push_str(&format!("result t{i} \"Effect {i} holds\" {{ layer: top }}\n"));
        }
        for i in (0..6).rev() {
            text.push_str(&format!("result b{i} \"Cause {i} holds\" {{ layer: bottom }}\nb{i} -> t{i}\n"));
        }
        let model = model(&text);
        let layout = layout(&model, None);
        assert_eq!(crossings(&layout, &model), 0);
        // Results stay in their layers' rows, top row above.
        let top = layout.rows[0].boxes_y;
        let bottom = layout.rows[1].boxes_y;
        assert!(top < bottom);
        assert_eq!(layout.rows[0].nodes.len(), 6);
        assert_eq!(layout.rows[1].nodes.len(), 6);
    }

    #[test]
    fn boxes_fit_their_words_and_keep_apart() {
        let model = model(
            "layer l \"L\"\nresult a \"A short one\" { layer: l }\n\
             result b \"A much longer statement that wraps over several lines of the box\" { layer: l }\n",
        );
        let layout = layout(&model, None);
        for node in &layout.nodes {
            for line in &node.lines {
                assert!(line.width() + 2.0 * PAD_X <= node.w + 1e-9, "{line:?} is wider than its box");
            }
        }
        let (a, b) = (&layout.nodes[0], &layout.nodes[1]);
        assert!(a.x + a.w + GAP <= b.x + 1e-9 || b.x + b.w + GAP <= a.x + 1e-9, "the boxes are too close");
        assert!(layout.nodes[1].lines.len() > 1, "the long statement is wrapped");
    }
}
