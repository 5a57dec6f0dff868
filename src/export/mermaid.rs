//! `export --format mermaid`: the map as a Mermaid `flowchart BT` that GitHub renders
//! (spec 7.4): one subgraph per layer, results and actions as nodes, links as edges
//! (`==>` strong, `-.->` weak, red with `−` for inverse).
//!
//! Mermaid's own rules shape the text. Node ids are generated (`r_` results, `a_`
//! actions, `L_` layers, non-ASCII ids encoded), so that no id is a keyword (`end`) or
//! starts with `o`/`x` after an edge. Labels are quoted, and every character Mermaid
//! gives a meaning inside a quoted label is an entity code (`#quot;`, `#35;`, ...):
//! quotes, `#` (entity syntax), `<>&` (HTML labels), `%` (directives), `$` (KaTeX),
//! `` ` `` (Markdown strings), `|` (edge labels), `:` after `fa` (icons), and `ﬂ`
//! and `¶` (Mermaid's own markers for entity codes).

use std::fmt::Write as _;

use super::{display_line, display_lines, layer_members, measure_title, measure_values};
use crate::sema::model::{Model, NodeRef};

const BANDS: [&str; 2] = ["#f1f5f9", "#e8eef5"];

/// The Mermaid text of the map; `center` (a focused export's centre) is drawn bold.
pub fn export(model: &Model, center: Option<NodeRef>) -> String {
    let mut out = String::from("flowchart BT\n");
    if let Some(map) = &model.map {
        // `%` would let a title open a `%%{init}%%` directive, even in a comment.
        let _ = writeln!(out, "  %% {}", display_line(&map.title).replace('%', "％"));
    }
    let members = layer_members(model);
    for (i, layer) in model.layers.iter().enumerate() {
        let _ = writeln!(out, "  subgraph {}[\"{}\"]", id("L", &layer.id), text(&layer.title));
        for &r in members.get(i).into_iter().flatten() {
            write_result(&mut out, model, r, "    ");
        }
        out.push_str("  end\n");
    }
    for (r, result) in model.results.iter().enumerate() {
        if result.layer.is_none_or(|l| l >= model.layers.len()) {
            write_result(&mut out, model, r, "  ");
        }
    }
    for action in &model.actions {
        let mut label = text(&action.title);
        let facts = super::action_facts(action);
        if !facts.is_empty() {
            let _ = write!(label, "<br/><i>{}</i>", text(&facts.join(" · ")));
        }
        let class = match action.status {
            Some("active") => "active",
            Some("done") => "done",
            Some("dropped") => "dropped",
            _ => "action",
        };
        let _ = writeln!(out, "  {}([\"{label}\"]):::{class}", id("a", &action.id));
    }

    let mut inverse = Vec::new();
    let mut from_actions = Vec::new();
    let mut count = 0;
    for link in &model.links {
        let Some(effect) = model.results.get(link.to) else { continue };
        let cause = match link.from {
            NodeRef::Result(i) => model.results.get(i).map(|r| id("r", &r.id)),
            NodeRef::Action(i) => model.actions.get(i).map(|a| id("a", &a.id)),
            _ => None,
        };
        let Some(cause) = cause else { continue };
        let arrow = match link.strength {
            Some("strong") => "==>",
            Some("weak") => "-.->",
            _ => "-->",
        };
        let label = match (&link.label, link.inverse) {
            (Some(label), true) => format!("|\"− {}\"|", text(label)),
            (Some(label), false) => format!("|\"{}\"|", text(label)),
            (None, true) => "|\"−\"|".to_owned(),
            (None, false) => String::new(),
        };
        let _ = writeln!(out, "  {cause} {arrow}{label} {}", id("r", &effect.id));
        if link.inverse {
            inverse.push(count.to_string());
        } else if matches!(link.from, NodeRef::Action(_)) {
            from_actions.push(count.to_string());
        }
        count += 1;
    }
    // Invisible links stack the bands in layer order, first layer on top.
    for pair in model.layers.windows(2).rev() {
        let _ = writeln!(out, "  {} ~~~ {}", id("L", &pair[1].id), id("L", &pair[0].id));
    }

    out.push_str("  classDef result fill:#ffffff,stroke:#475569,color:#0f172a\n");
    out.push_str("  classDef action fill:#fefce8,stroke:#a16207,stroke-dasharray:4 3\n");
    out.push_str("  classDef active fill:#eff6ff,stroke:#a16207,stroke-dasharray:4 3\n");
    out.push_str("  classDef done fill:#f0fdf4,stroke:#a16207,stroke-dasharray:4 3\n");
    out.push_str("  classDef dropped fill:#f3f4f6,stroke:#a16207,stroke-dasharray:4 3,color:#475569\n");
    for (i, layer) in model.layers.iter().enumerate() {
        let _ = writeln!(out, "  style {} fill:{},stroke:#cbd5e1", id("L", &layer.id), BANDS[i % BANDS.len()]);
    }
    match center {
        Some(NodeRef::Result(r)) if r < model.results.len() => {
            let _ = writeln!(out, "  style {} stroke:#0f172a,stroke-width:3px", id("r", &model.results[r].id));
        }
        Some(NodeRef::Action(a)) if a < model.actions.len() => {
            let _ = writeln!(out, "  style {} stroke-width:3px", id("a", &model.actions[a].id));
        }
        _ => {}
    }
    if !from_actions.is_empty() {
        let _ = writeln!(out, "  linkStyle {} stroke:#a16207", from_actions.join(","));
    }
    if !inverse.is_empty() {
        let _ = writeln!(out, "  linkStyle {} stroke:#b91c1c,stroke-dasharray:5 4", inverse.join(","));
    }
    protect_entities(&out)
}

/// Before it decodes entity codes, Mermaid cuts the last `;` off a line where `style`
/// comes before a `:` and a `#` (meant for colours in `style` lines), and then once
/// more where `classDef` does, which would break the last entity of a label. A `;`
/// at the end of such a line for each of the two, where Mermaid allows empty
/// statements anyway, is what it cuts.
fn protect_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        out.push_str(line);
        if line.contains(';') {
            for word in ["style", "classDef"] {
                if line.contains(word) {
                    out.push(';');
                }
            }
        }
        out.push('\n');
    }
    out
}

fn write_result(out: &mut String, model: &Model, r: usize, indent: &str) {
    let result = &model.results[r];
    let mut label = format!("<b>{}</b>", text(&result.statement.value));
    let groups: Vec<&str> =
        result.for_groups.iter().filter_map(|g| model.groups.get(g.value)).map(|g| g.name.as_str()).collect();
    if !groups.is_empty() {
        let _ = write!(label, "<br/><i>for {}</i>", text(&groups.join(", ")));
    }
    for measure in result.measures.iter().filter_map(|&m| model.measures.get(m)) {
        let _ = write!(label, "<br/>{}", text(&measure_title(measure)));
        if let Some(values) = measure_values(measure) {
            let _ = write!(label, ": {}", text(&values));
        }
    }
    let _ = writeln!(out, "{indent}{}[\"{label}\"]:::result", id("r", &result.id));
}

/// A node or subgraph id: `prefix_id` for ASCII ids; for others `prefixu_` then the
/// id with `_` doubled and every other character as `_hex_`, which keeps ids apart.
fn id(prefix: &str, id: &str) -> String {
    if id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return format!("{prefix}_{id}");
    }
    let mut out = format!("{prefix}u_");
    for c in id.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c == '_' {
            out.push_str("__");
        } else {
            let _ = write!(out, "_{:x}_", c as u32);
        }
    }
    out
}

/// A string as the text of a quoted Mermaid label: lines joined by `<br/>`, and every
/// character Mermaid would read as syntax written as an entity code.
fn text(source: &str) -> String {
    let mut out = String::new();
    for (i, line) in display_lines(source).iter().enumerate() {
        if i > 0 {
            out.push_str("<br/>");
        }
        let mut plain = String::new();
        for c in line.chars() {
            match c {
                '"' => out.push_str("#quot;"),
                '#' => out.push_str("#35;"),
                '&' => out.push_str("#amp;"),
                '<' => out.push_str("#lt;"),
                '>' => out.push_str("#gt;"),
                '%' => out.push_str("#37;"),
                '$' => out.push_str("#36;"),
                '`' => out.push_str("#96;"),
                '|' => out.push_str("#124;"),
                // Mermaid's own encoding of entity codes uses `ﬂ°` and `¶ß`.
                'ﬂ' => out.push_str("#64258;"),
                '¶' => out.push_str("#182;"),
                ':' if ["fa", "fab", "fak", "fal", "far", "fas"].iter().any(|p| plain.ends_with(p)) => {
                    out.push_str("#58;")
                }
                _ => out.push(c),
            }
            plain.push(c);
        }
    }
    if out.is_empty() {
        // Mermaid needs some text between the quotes: a no-break space.
        out.push_str("#160;");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{id, text};

    #[test]
    fn ids_are_safe_and_distinct() {
        assert_eq!(id("r", "end"), "r_end");
        assert_eq!(id("a", "o1"), "a_o1");
        assert_eq!(id("r", "café"), "ru_caf_e9_");
        assert_ne!(id("r", "é_e9_"), id("r", "_e9_é"));
    }

    #[test]
    fn labels_escape_mermaid_syntax() {
        assert_eq!(
            text("a \"b\" #1 <i> & 50% $$x$$"),
            "a #quot;b#quot; #35;1 #lt;i#gt; #amp; 50#37; #36;#36;x#36;#36;"
        );
        assert_eq!(text("fa:fa-user a:b\nc"), "fa#58;fa-user a:b<br/>c");
        assert_eq!(text(""), "#160;");
    }
}
