//! `export --format json`: the compiled model as spec section 7.3 lays it out, every
//! list in declaration order, absent attributes as `null` (or `[]` for lists), every
//! node and link with the `file` and 1-based `line` of its id. The shape is pinned by
//! `schema/export.schema.json`.

use serde_json::{Map, Value, json};

use super::file_line;
use crate::Workspace;
use crate::sema::model::{Model, NodeRef, Quantity};
use crate::source::Loc;

/// The JSON document, pretty-printed, ending with a newline.
pub fn export(workspace: &Workspace, model: &Model) -> String {
    let id_of = |node: NodeRef| -> Value {
        let exists = match node {
            NodeRef::Layer(i) => i < model.layers.len(),
            NodeRef::Group(i) => i < model.groups.len(),
            NodeRef::Result(i) => i < model.results.len(),
            NodeRef::Measure(i) => i < model.measures.len(),
            NodeRef::Action(i) => i < model.actions.len(),
        };
        if exists { json!(model.id(node)) } else { Value::Null }
    };
    let place = |object: &mut Map<String, Value>, loc: Loc| {
        let (file, line) = file_line(workspace, loc);
        object.insert("file".to_owned(), json!(file));
        object.insert("line".to_owned(), json!(line));
    };

    let map = model.map.as_ref().map_or(Value::Null, |m| {
        let mut object = object(json!({
            "title": m.title,
            "purpose": m.purpose,
            "vision": m.vision,
            "mission": m.mission,
            "owner": m.owner,
            "horizon": m.horizon.map(|p| p.to_string()),
            "method": model.method().as_str(),
        }));
        place(&mut object, m.loc);
        Value::Object(object)
    });
    let layers: Vec<Value> = model
        .layers
        .iter()
        .map(|l| {
            let mut object = object(json!({ "id": l.id, "title": l.title, "note": l.note }));
            place(&mut object, l.loc);
            Value::Object(object)
        })
        .collect();
    let groups: Vec<Value> = model
        .groups
        .iter()
        .map(|g| {
            let mut object = object(json!({
                "id": g.id,
                "name": g.name,
                "parent": g.parent.map_or(Value::Null, |p| id_of(NodeRef::Group(p))),
                "intent": g.intent.as_ref().map(|i| &i.value),
                "share": g.share.as_ref().map(|s| s.value),
                "gives": g.gives,
                "gets": g.gets,
                "proposition": g.proposition,
                "criteria": g.criteria,
                "note": g.note,
            }));
            place(&mut object, g.loc);
            Value::Object(object)
        })
        .collect();
    let results: Vec<Value> = model
        .results
        .iter()
        .map(|r| {
            let for_groups: Vec<Value> = r.for_groups.iter().map(|g| id_of(NodeRef::Group(g.value))).collect();
            let measures: Vec<Value> = r.measures.iter().map(|&m| id_of(NodeRef::Measure(m))).collect();
            let mut object = object(json!({
                "id": r.id,
                "statement": r.statement.value,
                "layer": r.layer.map_or(Value::Null, |l| id_of(NodeRef::Layer(l))),
                "for": for_groups,
                "owner": r.owner,
                "note": r.note,
                "measures": measures,
            }));
            place(&mut object, r.loc);
            Value::Object(object)
        })
        .collect();
    let measures: Vec<Value> = model
        .measures
        .iter()
        .map(|m| {
            let mut object = object(json!({
                "id": m.id,
                "name": m.name,
                "of": m.of.map_or(Value::Null, |r| id_of(NodeRef::Result(r))),
                "unit": m.unit,
                "direction": m.direction.map(|d| d.as_str()),
                "baseline": quantity(m.baseline.as_ref(), "at"),
                "target": quantity(m.target.as_ref(), "by"),
                "frequency": m.frequency,
                "formula": m.formula,
                "source": m.source,
                "owner": m.owner,
                "note": m.note,
            }));
            place(&mut object, m.loc);
            Value::Object(object)
        })
        .collect();
    let actions: Vec<Value> = model
        .actions
        .iter()
        .map(|a| {
            let mut object = object(json!({
                "id": a.id,
                "title": a.title,
                "owner": a.owner,
                "due": a.due.map(|p| p.to_string()),
                "status": a.status,
                "note": a.note,
            }));
            place(&mut object, a.loc);
            Value::Object(object)
        })
        .collect();
    let links: Vec<Value> = model
        .links
        .iter()
        .map(|l| {
            let mut object = object(json!({
                "from": id_of(l.from),
                "to": id_of(NodeRef::Result(l.to)),
                "label": l.label,
                "strength": l.strength,
                "polarity": if l.inverse { "inverse" } else { "direct" },
                "evidence": l.evidence,
                "assumption": l.assumption,
                "note": l.note,
            }));
            place(&mut object, l.from_loc);
            Value::Object(object)
        })
        .collect();
    let document = json!({
        "map": map,
        "layers": layers,
        "groups": groups,
        "results": results,
        "measures": measures,
        "actions": actions,
        "links": links,
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A baseline (`at`) or target (`by`): `{ "value": 31.5, "percent": true, "at": "2026-09" }`.
fn quantity(q: Option<&Quantity>, when: &str) -> Value {
    let Some(q) = q else { return Value::Null };
    let mut object = Map::new();
    object.insert("value".to_owned(), json!(q.value));
    object.insert("percent".to_owned(), json!(q.percent));
    object.insert(when.to_owned(), json!(q.when.as_ref().map(|w| w.value.to_string())));
    Value::Object(object)
}
