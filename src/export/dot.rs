//! `export --format dot`: a Graphviz strategy map for `dot -Tsvg` (spec 7.4).
//!
//! The picture a leadership team puts on the wall: the map's title and purpose on top;
//! one band (cluster) per layer, first layer at the top, its results on one rank in
//! declaration order; each result a box with its statement, owner, customer groups and
//! measures (baseline → target, by when); actions as dashed boxes outside the bands,
//! pointing at the results they move; arrows from cause up to effect, thicker for
//! stronger links, red and dashed with a `−` for inverse ones; a legend of the
//! customer groups. Every string from a source file goes through `html` (HTML-like
//! labels) or `quote` (quoted strings), so any text renders as text. The design and
//! its reasons are in `docs/export.md`.

use std::fmt::Write as _;

use super::{Output, display_lines, fits_as_is, layer_members, wrap, write_measure_title, write_measure_values};
use crate::sema::model::{Link, Model, NodeRef};
use rustc_hash::FxHashMap;

const FONT: &str = "Helvetica,Arial,sans-serif";
/// Band fills, alternating down the map.
const BANDS: [&str; 2] = ["#f1f5f9", "#e8eef5"];
/// One colour per top-level customer group (sub-groups take their root's).
const GROUP_COLOURS: [&str; 8] =
    ["#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"];
const MUTED: &str = "#475569";
/// `<FONT COLOR="{MUTED}">`, and the same at 9 points: written out, they are constants.
const MUTED_FONT: &str = "<FONT COLOR=\"#475569\">";
const SMALL_MUTED_FONT: &str = "<FONT POINT-SIZE=\"9\" COLOR=\"#475569\">";
const INVERSE: &str = "#b91c1c";
const ACTION: &str = "#a16207";

/// Writes the DOT text of the map to `output`; `center` (a focused export's centre) is
/// drawn bold.
pub fn write(model: &Model, center: Option<NodeRef>, output: &mut dyn Output) -> std::io::Result<()> {
    let mut out = Out { text: String::new(), output, error: None };
    out.push_str("digraph \"strata\" {\n");
    // `remincross=false`: Graphviz's last crossing pass over clusters would reorder the
    // results inside their ranks, which are in declaration order by design.
    let _ = write!(
        out,
        "  graph [rankdir=BT, newrank=true, remincross=false, nodesep=0.35, ranksep=0.55, pad=0.3, fontname={}, fontsize=12",
        quote(FONT)
    );
    if let Some(map) = &model.map {
        let title = styled("<FONT POINT-SIZE=\"20\">", &styled("<B>", &html(&wrap(&map.title, 60))));
        let mut rows = vec![format!("<TR><TD>{title}</TD></TR>")];
        if let Some(purpose) = &map.purpose {
            let purpose = styled(&format!("<FONT COLOR=\"{MUTED}\">"), &styled("<I>", &html(&wrap(purpose, 80))));
            rows.push(format!("<TR><TD>{purpose}</TD></TR>"));
        }
        let _ = write!(out, ", labelloc=t, label=<{}>", table(&rows, 2));
    }
    out.push_str("]\n");
    let _ = writeln!(
        out,
        "  node [fontname={}, fontsize=11, shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", \
         color=\"{MUTED}\", penwidth=1.2, margin=\"0.12,0.06\"]",
        quote(FONT)
    );
    let _ = writeln!(
        out,
        "  edge [fontname={}, fontsize=9, color=\"#334155\", fontcolor=\"{MUTED}\", arrowsize=0.8, penwidth=1.6]",
        quote(FONT)
    );

    let members = layer_members(model);
    let colours = group_colours(model);
    let places = Places::of(model, &members);
    let mut structure = Vec::new();
    for (i, layer) in model.layers.iter().enumerate() {
        let order = members.get(i).map_or(&[][..], Vec::as_slice);
        write_layer(&mut out, model, i, order, &places, &colours, center);
        if let Some(above) = i.checked_sub(1).and_then(|a| model.layers.get(a)) {
            structure.push(format!("  {} -> {} [style=invis]", anchor(&layer.id), anchor(&above.id)));
        }
    }

    let unlayered: Vec<usize> =
        (0..model.results.len()).filter(|&r| places.layer[r].is_none_or(|l| l >= model.layers.len())).collect();
    if !unlayered.is_empty() {
        out.push('\n');
    }
    write_all(&mut out, &unlayered, |out, &r| write_result(out, model, r, &colours, center, "  "));
    if !model.actions.is_empty() {
        out.push('\n');
    }
    let actions: Vec<usize> = (0..model.actions.len()).collect();
    write_all(&mut out, &actions, |out, &i| write_action(out, model, i, center));

    if !model.groups.is_empty() {
        out.push('\n');
        // Made-up ids start with `@`, which no Strata id can: `@LAYER` anchors a band,
        // `@@groups` is the legend.
        write_legend(&mut out, model, &colours);
        if let Some(last) = model.layers.last() {
            structure.push(format!("  \"@@groups\" -> {} [style=invis]", anchor(&last.id)));
        }
    }

    if !model.links.is_empty() {
        out.push('\n');
    }
    let groups = edge_groups(model, &places);
    write_all(&mut out, &groups, |out, edge| write_edge(out, model, edge.links(), &places));
    if !structure.is_empty() {
        out.push('\n');
        for line in structure {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out.push_str("}\n");
    out.finish()
}

/// The text being written, handed to the output whenever a part made on several threads
/// comes next (and at the end), and that part handed over chunk by chunk as made.
/// Dereferences to the text being written, so the writers push onto it as onto a
/// `String`. After the output fails, nothing more is handed to it; `finish` tells.
struct Out<'a> {
    text: String,
    output: &'a mut dyn Output,
    error: Option<std::io::Error>,
}

impl Out<'_> {
    fn put(&mut self, text: &str) -> bool {
        if self.error.is_none()
            && let Err(error) = self.output.put(text)
        {
            self.error = Some(error);
        }
        self.error.is_none()
    }

    fn hand_over(&mut self) {
        let text = std::mem::take(&mut self.text);
        self.put(&text);
        self.text = text;
        self.text.clear();
    }

    fn finish(mut self) -> std::io::Result<()> {
        self.hand_over();
        self.error.map_or(Ok(()), Err)
    }
}

impl std::ops::Deref for Out<'_> {
    type Target = String;
    fn deref(&self) -> &String {
        &self.text
    }
}

impl std::ops::DerefMut for Out<'_> {
    fn deref_mut(&mut self) -> &mut String {
        &mut self.text
    }
}

/// Writes `items` in order with `write`, on several threads when there are thousands:
/// they write consecutive chunks, handed to the output in order while the next are
/// written (`parallel::in_order`), so the text is the same as one thread's. Results and
/// edges are most of a big map's DOT.
fn write_all<T: Sync>(out: &mut Out<'_>, items: &[T], write: impl Fn(&mut String, &T) + Sync) {
    const PARALLEL: usize = 4_000;
    /// About 350 KB of DOT on generated maps: a few hundred writes for 100,000 results.
    const CHUNK: usize = 500;
    if items.len() < PARALLEL {
        // About 700 bytes a result on generated maps: grown once, not twenty times.
        out.reserve(700 * items.len());
        items.iter().for_each(|item| write(out, item));
        return;
    }
    out.hand_over();
    let work = |run: &[T], text: &mut String| {
        text.reserve(700 * run.len());
        run.iter().for_each(|item| write(text, item));
    };
    crate::parallel::in_order(items, CHUNK, work, |text| out.put(text));
}

/// The invisible node that holds a band's place: its results line up after it, and
/// the bands stack by invisible edges between these.
fn anchor(layer: &str) -> String {
    quote(&format!("@{layer}"))
}

/// One band: a cluster with the layer's title and note, its results on one rank.
fn write_layer(
    out: &mut Out<'_>,
    model: &Model,
    i: usize,
    order: &[usize],
    places: &Places,
    colours: &[&'static str],
    center: Option<NodeRef>,
) {
    let Some(layer) = model.layers.get(i) else { return };
    let anchor = anchor(&layer.id);
    let _ = writeln!(out, "\n  subgraph {} {{", quote(&format!("cluster_{}", layer.id)));
    let title = styled("<FONT POINT-SIZE=\"13\">", &styled("<B>", &html(&wrap(&layer.title, 60))));
    let mut rows = vec![format!("<TR><TD ALIGN=\"LEFT\">{title}</TD></TR>")];
    if let Some(note) = &layer.note {
        let note = styled(&format!("<FONT POINT-SIZE=\"9\" COLOR=\"{MUTED}\">"), &html(&wrap(note, 70)));
        rows.push(format!("<TR><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\">{note}</TD></TR>"));
    }
    // In a bottom-to-top drawing, `labelloc=b` puts the band's title at its top.
    let _ = writeln!(
        out,
        "    graph [label=<{}>, labeljust=l, labelloc=b, style=\"rounded,filled\", color=\"#cbd5e1\", fillcolor=\"{}\", \
         margin=14]",
        table(&rows, 0),
        BANDS[i % BANDS.len()]
    );
    let _ = writeln!(out, "    {anchor} [shape=point, style=invis, width=0, height=0, label=\"\"]");
    write_all(out, order, |out, &r| write_result(out, model, r, colours, center, "    "));
    let quoted: Vec<String> = order.iter().map(|&r| quote(&model.results[r].id)).collect();
    out.push_str("    { rank=same; ");
    out.push_str(&anchor);
    out.push(';');
    for id in &quoted {
        out.push(' ');
        out.push_str(id);
        out.push(';');
    }
    out.push_str(" }\n");
    // Invisible edges inside the rank keep the results in declaration order, left to
    // right, except between two linked results: their one edge does it (two flat edges
    // between neighbours trip Graphviz up).
    let mut previous = anchor.as_str();
    let mut previous_result: Option<usize> = None;
    for (&r, id) in order.iter().zip(&quoted) {
        let linked = previous_result.is_some() && places.linked_before.get(r) == Some(&true);
        if !linked {
            out.push_str("    ");
            out.push_str(previous);
            out.push_str(" -> ");
            out.push_str(id);
            out.push_str(" [style=invis]\n");
        }
        previous = id;
        previous_result = Some(r);
    }
    out.push_str("  }\n");
}

/// An action: a dashed box with its title and facts, filled by its status.
fn write_action(out: &mut String, model: &Model, i: usize, center: Option<NodeRef>) {
    let Some(action) = model.actions.get(i) else { return };
    let mut rows = vec![format!("<TR><TD>{}</TD></TR>", html(&wrap(&action.title, 26)))];
    let facts = super::action_facts(action);
    if !facts.is_empty() {
        let facts = styled(SMALL_MUTED_FONT, &html(&wrap(&facts.join(" · "), 36)));
        rows.push(format!("<TR><TD>{facts}</TD></TR>"));
    }
    let fill = match action.status {
        Some("active") => "#eff6ff",
        Some("done") => "#f0fdf4",
        Some("dropped") => "#f3f4f6",
        _ => "#fefce8",
    };
    let bold = center == Some(NodeRef::Action(i));
    let _ = writeln!(
        out,
        "  {} [label=<{}>, style=\"rounded,dashed,filled\", fillcolor=\"{fill}\", color=\"{ACTION}\"{}]",
        quote(&action.id),
        table(&rows, 2),
        if bold { ", penwidth=3" } else { "" }
    );
}

fn write_result(
    out: &mut String,
    model: &Model,
    r: usize,
    colours: &[&'static str],
    center: Option<NodeRef>,
    indent: &str,
) {
    // Written straight onto `out`: a result is most of the map.
    let result = &model.results[r];
    out.push_str(indent);
    write_quoted(out, &result.id);
    out.push_str(" [label=<");
    open_table(out, 2);
    out.push_str("<TR><TD>");
    write_styled(out, "<B>", |out| write_wrapped(out, &result.statement.value, 28));
    out.push_str("</TD></TR>");
    // The texts made to be wrapped, one after another, in one buffer.
    let mut scratch = String::new();
    if let Some(owner) = &result.owner {
        out.push_str("<TR><TD>");
        scratch.push_str("Owner: ");
        scratch.push_str(owner);
        write_styled(out, SMALL_MUTED_FONT, |out| write_wrapped(out, &scratch, 36));
        out.push_str("</TD></TR>");
    }
    if !result.for_groups.is_empty() {
        let chips: Vec<String> = result
            .for_groups
            .iter()
            .filter_map(|g| model.groups.get(g.value).map(|group| (g.value, group)))
            .map(|(g, group)| {
                let colour = colours.get(g).copied().unwrap_or(MUTED);
                format!("<FONT COLOR=\"{colour}\">●</FONT> {}", html(&wrap(&group.name, 34)))
            })
            .collect();
        let _ = write!(out, "<TR><TD><FONT POINT-SIZE=\"9\">{}</FONT></TD></TR>", chips.join("<BR/>"));
    }
    let mut first = true;
    for m in result.measures.iter().filter_map(|&m| model.measures.get(m)) {
        if first {
            out.push_str("<HR/>");
            first = false;
        }
        out.push_str("<TR><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\">");
        write_styled(out, "<FONT POINT-SIZE=\"9\">", |out| {
            scratch.clear();
            write_measure_title(&mut scratch, m);
            write_wrapped(out, &scratch, 40);
            scratch.clear();
            if write_measure_values(&mut scratch, m) {
                out.push_str("<BR/>");
                write_styled(out, MUTED_FONT, |out| write_wrapped(out, &scratch, 40));
            }
        });
        out.push_str("</TD></TR>");
    }
    out.push_str("</TABLE>>");
    if center == Some(NodeRef::Result(r)) {
        out.push_str(", penwidth=3, color=\"#0f172a\"");
    }
    out.push_str("]\n");
}

/// The links drawn as one edge: a link between results of different layers or from
/// an action alone; every link between the same two results of one layer together.
/// Graphviz fails to route two flat edges between neighbours on some maps (either
/// way round), so a layer's pair gets one edge, with arrowheads at both ends for a
/// loop.
fn edge_groups<'m>(model: &'m Model, places: &Places) -> Vec<Edge<'m>> {
    let mut groups: Vec<Edge<'_>> = Vec::with_capacity(model.links.len());
    let mut flat_pairs: FxHashMap<(usize, usize), usize> = FxHashMap::default();
    for link in &model.links {
        match places.flat_pair(link) {
            Some(pair) => match flat_pairs.get(&pair) {
                Some(&group) => groups[group].push(link),
                None => {
                    flat_pairs.insert(pair, groups.len());
                    groups.push(Edge::One(link));
                }
            },
            None => groups.push(Edge::One(link)),
        }
    }
    groups
}

/// The links of one edge: most edges are one link, which needs no list of its own.
enum Edge<'a> {
    One(&'a Link),
    Many(Vec<&'a Link>),
}

impl<'a> Edge<'a> {
    fn push(&mut self, link: &'a Link) {
        match self {
            Edge::One(first) => *self = Edge::Many(vec![*first, link]),
            Edge::Many(links) => links.push(link),
        }
    }

    fn links(&self) -> &[&'a Link] {
        match self {
            Edge::One(link) => std::slice::from_ref(link),
            Edge::Many(links) => links,
        }
    }
}

/// Where each result is drawn, in lists of their own: looked up once per link, they are
/// read far faster than the results themselves (a cache miss each at 100,000 results).
struct Places {
    /// Each result's layer, as the model has it.
    layer: Vec<Option<usize>>,
    /// Each layered result's place, left to right, in its layer's rank.
    position: Vec<Option<usize>>,
    /// Whether a link joins the result and the one just before it in its rank.
    linked_before: Vec<bool>,
}

impl Places {
    fn of(model: &Model, members: &[Vec<usize>]) -> Places {
        let layer: Vec<Option<usize>> = model.results.iter().map(|r| r.layer).collect();
        let mut position = vec![None; model.results.len()];
        for order in members {
            for (at, &r) in order.iter().enumerate() {
                if let Some(slot) = position.get_mut(r) {
                    *slot = Some(at);
                }
            }
        }
        let mut places = Places { layer, position, linked_before: vec![false; model.results.len()] };
        for link in &model.links {
            let Some((a, b)) = places.flat_pair(link) else { continue };
            let (Some(at_a), Some(at_b)) = (places.position[a], places.position[b]) else { continue };
            if at_a.abs_diff(at_b) == 1 {
                places.linked_before[if at_a > at_b { a } else { b }] = true;
            }
        }
        places
    }

    /// The two results (smaller index first) of a link inside one layer.
    fn flat_pair(&self, link: &Link) -> Option<(usize, usize)> {
        let NodeRef::Result(from) = link.from else { return None };
        let layer = (*self.layer.get(from)?)?;
        (*self.layer.get(link.to)? == Some(layer)).then_some((from.min(link.to), from.max(link.to)))
    }
}

/// One edge for a group of `edge_groups`. A flat edge runs left to right in its rank
/// (`dir=back` or `both` show the links' real direction), and its label is an
/// `xlabel`, placed after layout: routing labelled flat edges fails on some maps.
fn write_edge(out: &mut String, model: &Model, links: &[&Link], places: &Places) {
    let Some(first) = links.first() else { return };
    let Some(effect) = model.results.get(first.to) else { return };
    let cause = match first.from {
        NodeRef::Result(i) if i < model.results.len() => model.id(first.from),
        NodeRef::Action(i) if i < model.actions.len() => model.id(first.from),
        _ => return,
    };
    let flat = places.flat_pair(first).is_some();
    let at = |node: NodeRef| match node {
        NodeRef::Result(r) => places.position.get(r).copied().flatten(),
        _ => None,
    };
    // Tail and head as drawn: for a flat edge, left and right.
    let (tail, head) = match (flat, at(first.from), at(NodeRef::Result(first.to))) {
        (true, Some(a), Some(b)) if a > b => (NodeRef::Result(first.to), first.from),
        _ => (first.from, NodeRef::Result(first.to)),
    };
    let name = |node: NodeRef| if node == first.from { cause } else { effect.id.as_str() };
    out.push_str("  ");
    write_quoted(out, name(tail));
    out.push_str(" -> ");
    write_quoted(out, name(head));
    // The attributes, written straight onto `out` (an edge is a third of a map's DOT):
    // ` [a, b]`, or nothing when there are none.
    let open = out.len();
    out.push_str(" [");
    let start = out.len();
    let next = |out: &mut String| {
        if out.len() > start {
            out.push_str(", ");
        }
    };
    let forward = |l: &Link| l.from == tail;
    match (links.iter().any(|l| forward(l)), links.iter().any(|l| !forward(l))) {
        (false, _) => {
            next(out);
            out.push_str("dir=back");
        }
        (true, true) => {
            next(out);
            out.push_str("dir=both");
        }
        (true, false) => {}
    }
    // A label of blank lines is left out: with a `headlabel`, it crashes Graphviz.
    let mut labels = links.iter().filter_map(|l| l.label.as_deref());
    let text: std::borrow::Cow<'_, str> = match (labels.next(), labels.next()) {
        (None, _) => "".into(),
        (Some(one), None) => one.into(),
        (Some(_), Some(_)) => links.iter().filter_map(|l| l.label.as_deref()).collect::<Vec<_>>().join("\n").into(),
    };
    if !text.is_empty() {
        let mark = out.len();
        next(out);
        out.push_str(if flat { "xlabel=<" } else { "label=<" });
        let inner = out.len();
        write_wrapped(out, &text, 26);
        if out.len() == inner {
            out.truncate(mark);
        } else {
            out.push('>');
        }
    }
    let strength = links.iter().map(|l| strength_rank(l.strength)).max().unwrap_or(0);
    let (penwidth, weight) = match strength {
        1 => ("1", "1"),
        2 => ("2.4", "2"),
        3 => ("3.6", "3"),
        _ => ("", "1"),
    };
    if !penwidth.is_empty() {
        next(out);
        out.push_str("penwidth=");
        out.push_str(penwidth);
    }
    if weight != "1" {
        next(out);
        out.push_str("weight=");
        out.push_str(weight);
    }
    if links.iter().all(|l| l.inverse) {
        next(out);
        out.push_str("color=\"");
        out.push_str(INVERSE);
        out.push_str("\", style=dashed");
    } else if matches!(first.from, NodeRef::Action(_)) {
        next(out);
        out.push_str("color=\"");
        out.push_str(ACTION);
        out.push('"');
    }
    let marks = [
        ("headlabel=<<B>−</B>>", links.iter().any(|l| forward(l) && l.inverse)),
        ("taillabel=<<B>−</B>>", links.iter().any(|l| !forward(l) && l.inverse)),
    ];
    for (mark, inverse) in marks {
        if inverse {
            next(out);
            out.push_str(mark);
        }
    }
    if links.iter().any(|l| l.inverse) {
        next(out);
        out.push_str("labelfontcolor=\"");
        out.push_str(INVERSE);
        out.push_str("\", labelfontsize=14");
    }
    // A link down the layers keeps the bands in order instead of pulling them apart.
    let layer = |node: NodeRef| match node {
        NodeRef::Result(i) => model.results.get(i).and_then(|r| r.layer),
        _ => None,
    };
    if let (Some(from), Some(to)) = (layer(first.from), effect.layer)
        && from < to
    {
        next(out);
        out.push_str("constraint=false");
    }
    let notes: Vec<String> =
        links.iter().map(|l| link_notes(model, l, links.len() > 1)).filter(|n| !n.is_empty()).collect();
    if !notes.is_empty() {
        next(out);
        out.push_str("tooltip=");
        out.push_str(&quote_text(&notes.join("\n\n")));
    }
    if out.len() == start {
        out.truncate(open);
    } else {
        out.push(']');
    }
    out.push('\n');
}

pub(crate) fn strength_rank(strength: Option<&str>) -> u8 {
    match strength {
        Some("weak") => 1,
        Some("moderate") => 2,
        Some("strong") => 3,
        _ => 0,
    }
}

/// A link's attributes for its tooltip, one per line; `named` starts with the link
/// itself (`a -> b`), for an edge that stands for several links.
pub(crate) fn link_notes(model: &Model, link: &Link, named: bool) -> String {
    let mut notes = Vec::new();
    if named && let Some(effect) = model.results.get(link.to) {
        notes.push(format!("{} -> {}", model.id(link.from), effect.id));
    }
    if let Some(strength) = &link.strength {
        notes.push(format!("strength: {strength}"));
    }
    if link.inverse {
        notes.push("polarity: inverse".to_owned());
    }
    for (name, value) in [("evidence", &link.evidence), ("assumption", &link.assumption), ("note", &link.note)] {
        if let Some(value) = value {
            notes.push(format!("{name}: {value}"));
        }
    }
    if notes.len() == usize::from(named) { String::new() } else { notes.join("\n") }
}

fn write_legend(out: &mut String, model: &Model, colours: &[&'static str]) {
    let mut rows = vec!["<TR><TD COLSPAN=\"3\" ALIGN=\"LEFT\"><B>Customer groups</B></TD></TR>".to_owned()];
    for (g, group) in model.groups.iter().enumerate() {
        let depth = depth(model, g);
        let colour = colours.get(g).copied().unwrap_or(MUTED);
        let indent = "&#160;&#160;&#160;".repeat(depth);
        let marker = if depth == 0 { "●" } else { "○" };
        let mut facts = Vec::new();
        if let Some(intent) = &group.intent {
            facts.push(intent.value.clone());
        }
        if let Some(share) = &group.share {
            facts.push(format!("{}%", share.value).into());
        }
        let proposition = group.proposition.as_ref().map(|p| html(&wrap(p, 44))).unwrap_or_default();
        let proposition = styled("<FONT POINT-SIZE=\"9\">", &styled("<I>", &proposition));
        let facts = styled(&format!("<FONT POINT-SIZE=\"9\" COLOR=\"{MUTED}\">"), &html(&[facts.join(" · ")]));
        rows.push(format!(
            "<TR><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\">{indent}<FONT COLOR=\"{colour}\">{marker}</FONT> {}</TD>\
             <TD ALIGN=\"LEFT\">{facts}</TD><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\">{proposition}</TD></TR>",
            html(&wrap(&group.name, 30)),
        ));
    }
    let _ = writeln!(
        out,
        "  \"@@groups\" [shape=plain, label=<<TABLE BORDER=\"1\" STYLE=\"ROUNDED\" COLOR=\"#cbd5e1\" BGCOLOR=\"#ffffff\" \
         CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"3\">{}</TABLE>>]",
        rows.join("")
    );
}

/// How deep a group is nested (0 for a top-level group).
pub(crate) fn depth(model: &Model, group: usize) -> usize {
    let mut depth = 0;
    let mut next = model.groups.get(group).and_then(|g| g.parent);
    while let Some(parent) = next {
        depth += 1;
        if depth > model.groups.len() {
            break;
        }
        next = model.groups.get(parent).and_then(|g| g.parent);
    }
    depth
}

/// Each group's colour: its top-level ancestor's, by that ancestor's position.
pub(crate) fn group_colours(model: &Model) -> Vec<&'static str> {
    let mut roots = 0;
    let mut root_colour = Vec::with_capacity(model.groups.len());
    for (g, group) in model.groups.iter().enumerate() {
        match group.parent {
            Some(parent) if parent < g => {
                let colour = root_colour.get(parent).copied().unwrap_or(MUTED);
                root_colour.push(colour);
            }
            _ => {
                root_colour.push(GROUP_COLOURS[roots % GROUP_COLOURS.len()]);
                roots += 1;
            }
        }
    }
    root_colour
}

/// `content` inside an element such as `<B>` or `<FONT …>`, or nothing: Graphviz
/// rejects an empty element.
fn styled(open: &str, content: &str) -> String {
    if content.is_empty() {
        return String::new();
    }
    let name = open.trim_start_matches('<').split([' ', '>']).next().unwrap_or_default();
    [open, content, "</", name, ">"].concat()
}

/// `styled`, written onto `out`: the element is left out if `content` writes nothing.
fn write_styled(out: &mut String, open: &str, content: impl FnOnce(&mut String)) {
    let mark = out.len();
    out.push_str(open);
    let inner = out.len();
    content(out);
    if out.len() == inner {
        out.truncate(mark);
        return;
    }
    let name = open.trim_start_matches('<').split([' ', '>']).next().unwrap_or_default();
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// An HTML-like label table of rows.
fn table(rows: &[String], padding: u8) -> String {
    let mut out = String::new();
    open_table(&mut out, padding);
    for row in rows {
        out.push_str(row);
    }
    out.push_str("</TABLE>");
    out
}

/// The opening tag of `table`.
fn open_table(out: &mut String, padding: u8) {
    out.push_str("<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"");
    let _ = write!(out, "{padding}");
    out.push_str("\">");
}

/// Lines of text as the content of an HTML-like label: escaped, joined by `<BR/>`.
fn html(lines: &[String]) -> String {
    let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 5).sum());
    write_html(&mut out, lines);
    out
}

/// `html(&wrap(text, width))`, written onto `out`, without the lines in between when
/// the text stays as it is, or is printable ASCII (nearly every string: one column a
/// character, no line breaks, nothing to make visible), which is wrapped as it is
/// written.
fn write_wrapped(out: &mut String, text: &str, width: usize) {
    let width = width.max(1);
    if !text.bytes().fold(true, |ok, b| ok & (b.wrapping_sub(0x20) < 0x5f)) {
        if fits_as_is(text, width) {
            write_html_line(out, text);
        } else {
            write_html(out, &wrap(text, width));
        }
        return;
    }
    // `wrap` for one line of printable ASCII: each byte is a column.
    if text.len() <= width && super::single_spaced(text) {
        write_html_line(out, text);
        return;
    }
    let mut used = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if used > 0 && used + 1 + word.len() > width {
            out.push_str("<BR/>");
            used = 0;
        }
        if word.len() <= width {
            if used > 0 {
                out.push(' ');
                used += 1;
            }
            write_html_line(out, word);
            used += word.len();
            continue;
        }
        // A word longer than a line, in pieces of a line each (ASCII: cut anywhere).
        let mut rest = word;
        while !rest.is_empty() {
            let (piece, after) = rest.split_at(width.min(rest.len()));
            if used > 0 {
                out.push_str("<BR/>");
            }
            write_html_line(out, piece);
            used = piece.len();
            rest = after;
        }
    }
}

/// `html`, written onto `out`.
fn write_html(out: &mut String, lines: &[String]) {
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("<BR/>");
        }
        write_html_line(out, line);
    }
}

/// One line of `html`.
fn write_html_line(out: &mut String, line: &str) {
    // The characters escaped are ASCII, so the text between them is copied whole.
    let mut from = 0;
    for (at, byte) in line.bytes().enumerate() {
        let escaped = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            // A text of nothing but `]` is a syntax error to Graphviz's HTML parser.
            b']' => "&#93;",
            // Graphviz expands `\G`, `\N`, `\L`... even in HTML-like labels (after
            // decoding entities, so `&#92;` is no way out) and reads `\\` as `\`.
            b'\\' => "\\\\",
            _ => continue,
        };
        out.push_str(&line[from..at]);
        out.push_str(escaped);
        from = at + 1;
    }
    out.push_str(&line[from..]);
}

/// A DOT quoted string (an id, or an escString such as a tooltip): `"` and `\`
/// escaped, line breaks as `\n`, control characters made visible.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    write_quoted(&mut out, text);
    out
}

/// `quote`, written onto `out`.
fn write_quoted(out: &mut String, text: &str) {
    let escape = |out: &mut String, line: &str| {
        let mut from = 0;
        for (at, byte) in line.bytes().enumerate() {
            if matches!(byte, b'"' | b'\\') {
                out.push_str(&line[from..at]);
                out.push('\\');
                from = at;
            }
        }
        out.push_str(&line[from..]);
    };
    out.push('"');
    if super::plain(text) {
        escape(out, text);
    } else {
        for (i, line) in display_lines(text).iter().enumerate() {
            if i > 0 {
                out.push_str("\\n");
            }
            escape(out, line);
        }
    }
    out.push('"');
}

/// Text for a quoted attribute that Graphviz writes into the SVG (a tooltip): also
/// `&` as `&amp;`, since Graphviz passes anything that looks like an entity through.
fn quote_text(text: &str) -> String {
    quote(&text.replace('&', "&amp;"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font_constants_use_the_muted_colour() {
        assert_eq!(MUTED_FONT, format!("<FONT COLOR=\"{MUTED}\">"));
        assert_eq!(SMALL_MUTED_FONT, format!("<FONT POINT-SIZE=\"9\" COLOR=\"{MUTED}\">"));
    }

    #[test]
    fn writing_on_several_threads_gives_one_thread_s_text() {
        let items: Vec<usize> = (0..10_007).collect();
        let write = |out: &mut String, n: &usize| out.push_str(&format!("n{n};"));
        let mut output = String::new();
        let mut out = Out { text: "start;".to_owned(), output: &mut output, error: None };
        write_all(&mut out, &items, write);
        out.push_str("end;");
        assert!(out.finish().is_ok());
        let sequential: String = items.iter().map(|n| format!("n{n};")).collect();
        assert_eq!(output, format!("start;{sequential}end;"));
    }

    /// The ASCII path of `write_wrapped` wraps as `wrap` does, on generated texts of
    /// words, runs of spaces, words longer than a line and characters to escape.
    #[test]
    fn writing_wrapped_ascii_is_wrapping_then_escaping() {
        let alphabet: Vec<char> = "  aaabbbcc&<>\"]\\é\n".chars().collect();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut texts = vec![String::new(), " ".to_owned(), "a".repeat(90), format!("x {} y", "b".repeat(61))];
        for _ in 0..2_000 {
            let mut text = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            for i in 0..seed % 70 {
                let pick = (seed >> (i % 50)) as usize + i as usize * 7;
                text.push(alphabet[pick % alphabet.len()]);
            }
            texts.push(text);
        }
        for text in &texts {
            for width in [1, 2, 5, 26, 28, 40] {
                let mut written = String::new();
                write_wrapped(&mut written, text, width);
                assert_eq!(written, html(&wrap(text, width)), "{text:?} at width {width}");
            }
        }
    }

    #[test]
    fn escapes() {
        assert_eq!(quote("a \"b\" \\ c\nd\u{7}"), "\"a \\\"b\\\" \\\\ c\\nd\u{2407}\"");
        assert_eq!(html(&["<&>\"] \\ é".to_owned(), "x".to_owned()]), "&lt;&amp;&gt;&quot;&#93; \\\\ é<BR/>x");
    }
}
