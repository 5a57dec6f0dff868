//! `export --format svg`: a `Layout` drawn as one self-contained SVG (spec 10.3), in
//! the DOT export's design: alternating layer bands with their titles, results as
//! rounded boxes (statement, owner, groups, measures under a rule), actions as dashed
//! boxes filled by status, edges thicker for stronger links, red and dashed with a `−`
//! for inverse ones, labels on a white ground, the customer-group legend. No script, no
//! external style or font. Every user string is XML-escaped text; ids are only in
//! `data-` attributes, escaped too. Numbers have one decimal at most, so the output is
//! byte-for-byte the same for the same map.

use std::fmt::Write as _;

use super::{Label, Line, MUTED, RowKind, Seg, layout, text};
use crate::export::dot::{link_notes, strength_rank};
use crate::sema::model::{Model, NodeRef};

const FONT: &str = "Helvetica, Arial, 'Liberation Sans', sans-serif";
const BANDS: [&str; 2] = ["#f1f5f9", "#e8eef5"];
const EDGE: &str = "#334155";
const INVERSE: &str = "#b91c1c";
const ACTION: &str = "#a16207";

/// The SVG text of the map; `center` (a focused export's centre) is drawn bold.
pub fn export(model: &Model, center: Option<NodeRef>) -> String {
    draw(model, center, None)
}

/// The SVG text of the map with each result's box a link to `#` and what `anchor`
/// makes of its id (the report's sections).
pub fn linked(model: &Model, anchor: &dyn Fn(&str) -> String) -> String {
    draw(model, None, Some(anchor))
}

fn draw(model: &Model, center: Option<NodeRef>, anchor: Option<&dyn Fn(&str) -> String>) -> String {
    let layout = layout(model, center);
    let mut out = String::with_capacity(1_000 + 900 * layout.nodes.len());
    let (w, h) = (num(layout.width), num(layout.height));
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         font-family=\"{FONT}\" role=\"img\">"
    );
    let name = model.map.as_ref().map_or("Strategy map", |m| &m.title);
    out.push_str("<title>");
    escape(&mut out, &crate::export::display_line(name));
    out.push_str("</title>\n<defs>\n");
    for (id, colour) in [("arrow", EDGE), ("arrow-inverse", INVERSE), ("arrow-action", ACTION)] {
        let _ = writeln!(
            out,
            "<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" \
             markerUnits=\"userSpaceOnUse\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{colour}\"/></marker>"
        );
    }
    out.push_str("</defs>\n");
    let _ = writeln!(out, "<rect class=\"background\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>");

    // The title, centred.
    let mut y = 20.0;
    for line in &layout.title {
        y += line.height();
        text_line(&mut out, layout.width / 2.0, y - 4.0, line, "middle");
    }

    // Bands.
    let mut band = 0;
    for row in &layout.rows {
        let RowKind::Layer(l) = row.kind else { continue };
        let id = model.layers.get(l).map_or("", |layer| &layer.id);
        out.push_str("<g class=\"band\" data-layer=\"");
        escape(&mut out, id);
        let _ = writeln!(
            out,
            "\"><rect x=\"10\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"{}\" stroke=\"#cbd5e1\"/>",
            num(row.y),
            num(layout.width - 20.0),
            num(row.h),
            BANDS[band % 2]
        );
        band += 1;
        let mut ty = row.y + 10.0;
        for line in &row.title {
            ty += line.height();
            text_line(&mut out, 22.0, ty - 3.0, line, "start");
        }
        out.push_str("</g>\n");
    }

    // Edges under the boxes; labels above everything.
    for edge in &layout.edges {
        let Some(link) = model.links.get(edge.link) else { continue };
        let (Some(from), Some(to)) = (layout.nodes.get(edge.from), layout.nodes.get(edge.to)) else { continue };
        let (colour, marker) = if link.inverse {
            (INVERSE, "arrow-inverse")
        } else if matches!(link.from, NodeRef::Action(_)) {
            (ACTION, "arrow-action")
        } else {
            (EDGE, "arrow")
        };
        let width = match strength_rank(link.strength) {
            1 => "1",
            2 => "2.4",
            3 => "3.6",
            _ => "1.6",
        };
        out.push_str("<g class=\"edge\" data-from=\"");
        escape(&mut out, model.id(from.what));
        out.push_str("\" data-to=\"");
        escape(&mut out, model.id(to.what));
        out.push_str("\">");
        let notes = link_notes(model, link, false);
        out.push_str("<title>");
        escape(&mut out, &format!("{} -> {}", model.id(from.what), model.id(to.what)));
        if !notes.is_empty() {
            out.push('\n');
            escape(&mut out, &notes);
        }
        out.push_str("</title><path d=\"");
        let _ = write!(out, "M{},{}", num(edge.start.0), num(edge.start.1));
        let mut at = edge.start;
        for seg in &edge.path {
            match *seg {
                Seg::Line(x, y) => {
                    let _ = write!(out, " L{},{}", num(x), num(y));
                    at = (x, y);
                }
                Seg::Curve(x, y) => {
                    let mid = (at.1 + y) / 2.0;
                    let _ = write!(out, " C{},{} {},{} {},{}", num(at.0), num(mid), num(x), num(mid), num(x), num(y));
                    at = (x, y);
                }
                Seg::Arc { c1, c2, to } => {
                    let _ = write!(
                        out,
                        " C{},{} {},{} {},{}",
                        num(c1.0),
                        num(c1.1),
                        num(c2.0),
                        num(c2.1),
                        num(to.0),
                        num(to.1)
                    );
                    at = to;
                }
            }
        }
        let _ =
            write!(out, "\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\" marker-end=\"url(#{marker})\"");
        if link.inverse {
            out.push_str(" stroke-dasharray=\"6 4\"");
        }
        out.push_str("/>");
        if link.inverse {
            // The `−` beside the head, as in the DOT export.
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" font-size=\"14\" font-weight=\"bold\" fill=\"{INVERSE}\">−</text>",
                num(at.0 + 5.0),
                num(at.1 + if edge.path.iter().any(|s| matches!(s, Seg::Arc { .. })) { -6.0 } else { 14.0 })
            );
        }
        out.push_str("</g>\n");
    }

    for node in &layout.nodes {
        let (class, fill, stroke, dash) = match node.what {
            NodeRef::Action(a) => {
                let fill = match model.actions.get(a).and_then(|x| x.status) {
                    Some("active") => "#eff6ff",
                    Some("done") => "#f0fdf4",
                    Some("dropped") => "#f3f4f6",
                    _ => "#fefce8",
                };
                ("action", fill, ACTION, " stroke-dasharray=\"5 3\"")
            }
            _ => ("result", "#ffffff", MUTED, ""),
        };
        let stroke = if node.center { "#0f172a" } else { stroke };
        let stroke_width = if node.center { "3" } else { "1.2" };
        let link = match (anchor, node.what) {
            (Some(anchor), NodeRef::Result(r)) => model.results.get(r).map(|result| anchor(&result.id)),
            _ => None,
        };
        if let Some(link) = &link {
            out.push_str("<a href=\"#");
            escape(&mut out, link);
            out.push_str("\">");
        }
        let _ = write!(out, "<g class=\"node {class}\" data-id=\"");
        escape(&mut out, model.id(node.what));
        if let NodeRef::Result(r) = node.what
            && let Some(layer) = model.results.get(r).and_then(|r| r.layer).and_then(|l| model.layers.get(l))
        {
            out.push_str("\" data-layer=\"");
            escape(&mut out, &layer.id);
        }
        let _ = write!(
            out,
            "\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\" \
             stroke-width=\"{stroke_width}\"{dash}/>",
            num(node.x),
            num(node.y),
            num(node.w),
            num(node.h)
        );
        let mut y = node.y + 7.0;
        for (i, line) in node.lines.iter().enumerate() {
            if node.rule_before == Some(i) {
                y += 4.0;
                let _ = write!(
                    out,
                    "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#cbd5e1\"/>",
                    num(node.x + 4.0),
                    num(y),
                    num(node.x + node.w - 4.0),
                    num(y)
                );
                y += 4.0;
            }
            y += line.height();
            // Statements and titles are centred, measures start at the left, as in DOT.
            if node.rule_before.is_some_and(|r| i >= r) {
                text_line(&mut out, node.x + 10.0, y - 3.0, line, "start");
            } else {
                let left = node.x + (node.w - line.width()) / 2.0;
                text_line(&mut out, left, y - 3.0, line, "start");
            }
        }
        out.push_str(if link.is_some() { "</g></a>\n" } else { "</g>\n" });
    }

    for label in layout.edges.iter().filter_map(|e| e.label.as_ref()) {
        write_label(&mut out, label);
    }

    if let Some(legend) = &layout.legend {
        let _ = write!(
            out,
            "<g class=\"legend\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"#ffffff\" stroke=\"#cbd5e1\"/>",
            num(legend.x),
            num(legend.y),
            num(legend.w),
            num(legend.h)
        );
        text_line(&mut out, legend.x + 10.0, legend.y + 8.0 + legend.heading.height() - 3.0, &legend.heading, "start");
        for row in &legend.rows {
            let lefts = [legend.x + 10.0 + row.indent, legend.columns[0], legend.columns[1]];
            for (cell, left) in row.cells.iter().zip(lefts) {
                let mut y = row.y;
                for line in cell {
                    y += line.height();
                    text_line(&mut out, left, y - 3.0, line, "start");
                }
            }
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

fn write_label(out: &mut String, label: &Label) {
    let _ = write!(
        out,
        "<g class=\"label\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.9\"/>",
        num(label.x),
        num(label.y),
        num(label.w),
        num(label.h)
    );
    let mut y = label.y + 2.0;
    for line in &label.lines {
        y += line.height();
        let left = label.x + (label.w - line.width()) / 2.0;
        text_line(out, left, y - 3.0, line, "start");
    }
    out.push_str("</g>\n");
}

/// One line of text with its baseline at `y`; a group's dot before it.
fn text_line(out: &mut String, x: f64, y: f64, line: &Line, anchor: &str) {
    if line.text.is_empty() && line.dot.is_none() {
        return;
    }
    let mut x = x;
    if anchor == "middle" {
        x -= line.width() / 2.0;
    }
    if let Some(colour) = line.dot {
        let r = line.size * 0.35;
        let _ = write!(
            out,
            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{colour}\"/>",
            num(x + r),
            num(y - line.size * 0.35),
            num(r)
        );
        x += line.size * 1.2;
    }
    let _ = write!(out, "<text x=\"{}\" y=\"{}\" font-size=\"{}\"", num(x), num(y), num(line.size));
    if line.bold {
        out.push_str(" font-weight=\"bold\"");
    }
    if line.italic {
        out.push_str(" font-style=\"italic\"");
    }
    let _ = write!(out, " fill=\"{}\"", line.colour);
    // A line in printable ASCII, measured exactly, is held to its measured width, so a
    // browser without the font still fits the words in their box (DejaVu Sans, a common
    // fallback, is about a tenth wider). Other text is estimated, and stretching it to an
    // estimate would distort it, so it keeps its own width.
    if line.text.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        let _ = write!(
            out,
            " textLength=\"{}\" lengthAdjust=\"spacingAndGlyphs\"",
            num(text::width(&line.text, line.size, line.bold))
        );
    }
    out.push_str(" xml:space=\"preserve\">");
    escape(out, &line.text);
    out.push_str("</text>");
}

/// `text` as XML character data or attribute value: `& < > " '` escaped, and the
/// characters XML forbids or HTML warns of (controls but the line break, DEL, and the
/// noncharacters `U+FFFE`, `U+FFFF` and their kin) replaced by `U+FFFD`, so that any
/// user string (a link's note is not wrapped first) keeps the file well-formed.
pub(crate) fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push('\n'),
            c if (c as u32) < 0x20 || c == '\u{7f}' || (c as u32) & 0xfffe == 0xfffe => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

/// A coordinate with at most one decimal.
pub(crate) fn num(x: f64) -> String {
    let x = if x.is_finite() { (x * 10.0).round() / 10.0 } else { 0.0 };
    let x = if x == 0.0 { 0.0 } else { x };
    if x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x:.1}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_escapes() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(3.04), "3");
        assert_eq!(num(-0.01), "0");
        assert_eq!(num(12.36), "12.4");
        assert_eq!(num(f64::NAN), "0");
        let mut out = String::new();
        escape(&mut out, "<script>\"a\" & 'b' ]]>");
        assert_eq!(out, "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39; ]]&gt;");
    }

    /// A link's note reaches the edge's `<title>` unwrapped: what XML forbids in it must
    /// not make the SVG ill-formed.
    #[test]
    fn characters_xml_forbids_are_replaced() {
        let mut out = String::new();
        escape(&mut out, "a\u{ffff}b\u{fffe}c\u{1}d\u{7f}e\nf");
        assert_eq!(out, "a\u{fffd}b\u{fffd}c\u{fffd}d\u{fffd}e\nf");
    }
}
