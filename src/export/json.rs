//! `export --format json`: the compiled model as spec section 7.3 lays it out, every
//! list in declaration order, absent attributes as `null` (or `[]` for lists), every
//! node and link with the `file` and 1-based `line` of its id. The shape is pinned by
//! `schema/export.schema.json`.

use serde::Serialize;

use super::file_line;
use crate::Workspace;
use crate::evidence::MeasureData;
use crate::evidence::xmr::{Chart, Marks};
use crate::sema::model::{Model, NodeRef, Quantity, Target};
use crate::source::Loc;

/// The JSON document, pretty-printed, ending with a newline. Serialised straight from
/// borrowed views of the model (a `serde_json::Value` tree first cost ten times as
/// much: 168,000 instructions a result).
/// `evidence[i]`, when given, is the data of `model.measures[i]` (`Analysis::evidence`):
/// a measure with data carries its `data` object (spec 7.3, v2), the others `null`.
pub fn export(workspace: &Workspace, model: &Model, evidence: &[Option<std::sync::Arc<MeasureData>>]) -> String {
    let id_of = |node: NodeRef| -> Option<&str> {
        let exists = match node {
            NodeRef::Layer(i) => i < model.layers.len(),
            NodeRef::Group(i) => i < model.groups.len(),
            NodeRef::Result(i) => i < model.results.len(),
            NodeRef::Measure(i) => i < model.measures.len(),
            NodeRef::Action(i) => i < model.actions.len(),
        };
        exists.then(|| model.id(node))
    };
    let place = |loc: Loc| file_line(workspace, loc);
    let document = Document {
        map: model.map.as_ref().map(|m| {
            let (file, line) = place(m.loc);
            MapView {
                title: &m.title,
                purpose: m.purpose.as_deref(),
                vision: m.vision.as_deref(),
                mission: m.mission.as_deref(),
                owner: m.owner.as_deref(),
                horizon: m.horizon.map(|p| p.to_string()),
                method: model.method().as_str(),
                file,
                line,
            }
        }),
        layers: model
            .layers
            .iter()
            .map(|l| {
                let (file, line) = place(l.loc);
                LayerView { id: &l.id, title: &l.title, note: l.note.as_deref(), file, line }
            })
            .collect(),
        groups: model
            .groups
            .iter()
            .map(|g| {
                let (file, line) = place(g.loc);
                GroupView {
                    id: &g.id,
                    name: &g.name,
                    parent: g.parent.and_then(|p| id_of(NodeRef::Group(p))),
                    intent: g.intent.as_ref().map(|i| i.value.as_str()),
                    share: g.share.as_ref().map(|s| s.value),
                    gives: g.gives.as_deref(),
                    gets: g.gets.as_deref(),
                    proposition: g.proposition.as_deref(),
                    criteria: g.criteria.as_deref(),
                    note: g.note.as_deref(),
                    file,
                    line,
                }
            })
            .collect(),
        results: model
            .results
            .iter()
            .map(|r| {
                let (file, line) = place(r.loc);
                ResultView {
                    id: &r.id,
                    statement: &r.statement.value,
                    layer: r.layer.and_then(|l| id_of(NodeRef::Layer(l))),
                    for_groups: r.for_groups.iter().map(|g| id_of(NodeRef::Group(g.value))).collect(),
                    owner: r.owner.as_deref(),
                    note: r.note.as_deref(),
                    measures: r.measures.iter().map(|&m| id_of(NodeRef::Measure(m))).collect(),
                    file,
                    line,
                }
            })
            .collect(),
        measures: model
            .measures
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let (file, line) = place(m.loc);
                let data = evidence
                    .get(i)
                    .and_then(Option::as_ref)
                    .map(|data| DataView { file: workspace_path(workspace, data), chart: &data.chart });
                MeasureView {
                    id: &m.id,
                    name: &m.name,
                    of: m.of.and_then(|r| id_of(NodeRef::Result(r))),
                    unit: m.unit.as_deref(),
                    direction: m.direction.map(|d| d.as_str()),
                    baseline: m.baseline.as_ref().map(Baseline::of),
                    target: m.target.as_ref().map(TargetView::of),
                    frequency: m.frequency,
                    formula: m.formula.as_deref(),
                    source: m.source.as_deref(),
                    owner: m.owner.as_deref(),
                    note: m.note.as_deref(),
                    data,
                    file,
                    line,
                }
            })
            .collect(),
        actions: model
            .actions
            .iter()
            .map(|a| {
                let (file, line) = place(a.loc);
                ActionView {
                    id: &a.id,
                    title: &a.title,
                    owner: a.owner.as_deref(),
                    due: a.due.map(|p| p.to_string()),
                    status: a.status,
                    note: a.note.as_deref(),
                    file,
                    line,
                }
            })
            .collect(),
        links: model
            .links
            .iter()
            .map(|l| {
                let (file, line) = place(l.from_loc);
                LinkView {
                    from: id_of(l.from),
                    to: id_of(NodeRef::Result(l.to)),
                    label: l.label.as_deref(),
                    strength: l.strength,
                    polarity: if l.inverse { "inverse" } else { "direct" },
                    evidence: l.evidence.as_deref(),
                    assumption: l.assumption.as_deref(),
                    note: l.note.as_deref(),
                    file,
                    line,
                }
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

// The views below fix the key order of spec 7.3: fields serialise in declaration order,
// `None` as `null`, and every node and link ends with its `file` and `line`.

#[derive(Serialize)]
struct Document<'a> {
    map: Option<MapView<'a>>,
    layers: Vec<LayerView<'a>>,
    groups: Vec<GroupView<'a>>,
    results: Vec<ResultView<'a>>,
    measures: Vec<MeasureView<'a>>,
    actions: Vec<ActionView<'a>>,
    links: Vec<LinkView<'a>>,
}

#[derive(Serialize)]
struct MapView<'a> {
    title: &'a str,
    purpose: Option<&'a str>,
    vision: Option<&'a str>,
    mission: Option<&'a str>,
    owner: Option<&'a str>,
    horizon: Option<String>,
    method: &'a str,
    file: &'a str,
    line: usize,
}

#[derive(Serialize)]
struct LayerView<'a> {
    id: &'a str,
    title: &'a str,
    note: Option<&'a str>,
    file: &'a str,
    line: usize,
}

#[derive(Serialize)]
struct GroupView<'a> {
    id: &'a str,
    name: &'a str,
    parent: Option<&'a str>,
    intent: Option<&'a str>,
    share: Option<f64>,
    gives: Option<&'a str>,
    gets: Option<&'a str>,
    proposition: Option<&'a str>,
    criteria: Option<&'a str>,
    note: Option<&'a str>,
    file: &'a str,
    line: usize,
}

#[derive(Serialize)]
struct ResultView<'a> {
    id: &'a str,
    statement: &'a str,
    layer: Option<&'a str>,
    #[serde(rename = "for")]
    for_groups: Vec<Option<&'a str>>,
    owner: Option<&'a str>,
    note: Option<&'a str>,
    measures: Vec<Option<&'a str>>,
    file: &'a str,
    line: usize,
}

#[derive(Serialize)]
struct MeasureView<'a> {
    id: &'a str,
    name: &'a str,
    of: Option<&'a str>,
    unit: Option<&'a str>,
    direction: Option<&'a str>,
    baseline: Option<Baseline>,
    target: Option<TargetView>,
    frequency: Option<&'a str>,
    formula: Option<&'a str>,
    source: Option<&'a str>,
    owner: Option<&'a str>,
    note: Option<&'a str>,
    data: Option<DataView<'a>>,
    file: &'a str,
    line: usize,
}

/// The path of a measure's data file as the user sees it (as a node's `file`).
fn workspace_path<'a>(workspace: &'a Workspace, data: &MeasureData) -> &'a str {
    let index = (data.file.0 as usize).checked_sub(workspace.files.len() + 1);
    index.and_then(|i| workspace.data.get(i)).map_or("", |d| d.source.path.as_str())
}

/// A measure's `data` object (spec 7.3, v2), serialised straight from its chart.
struct DataView<'a> {
    file: &'a str,
    chart: &'a Chart,
}

impl Serialize for DataView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let chart = self.chart;
        let period = |i: usize| chart.points.get(i).map(|p| p.period.to_string());
        let mut out = serializer.serialize_struct("data", 4)?;
        out.serialize_field("file", self.file)?;
        let points = chart.points.iter().map(|p| PointView {
            period: p.period.to_string(),
            value: p.value,
            line: p.line,
            signals: Rules(p.marks),
        });
        out.serialize_field("points", &Seq::new(points))?;
        let segments = chart.segments.iter().map(|s| {
            let limits = s.limits;
            SegmentView {
                from: period(s.from),
                to: period(s.to),
                limit_points: s.limit_points,
                central_line: limits.map(|l| l.central_line),
                mean_moving_range: limits.map(|l| l.mean_moving_range),
                unpl: limits.map(|l| l.unpl),
                lnpl: limits.map(|l| l.lnpl),
                url: limits.map(|l| l.url),
            }
        });
        out.serialize_field("segments", &Seq::new(segments))?;
        let signals = chart.signals.iter().map(|s| SignalView {
            rule: s.rule.as_str(),
            from: period(s.from),
            to: period(s.to),
            side: s.side.as_str(),
            sense: s.sense.map(|s| s.as_str()),
        });
        out.serialize_field("signals", &Seq::new(signals))?;
        out.end()
    }
}

/// A sequence serialised from an iterator as it goes, without collecting it.
struct Seq<I>(std::cell::Cell<Option<I>>);

impl<I> Seq<I> {
    fn new(items: I) -> Seq<I> {
        Seq(std::cell::Cell::new(Some(items)))
    }
}

impl<I: Iterator<Item = T>, T: Serialize> Serialize for Seq<I> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Serialised once: the iterator is taken.
        serializer.collect_seq(self.0.take().into_iter().flatten())
    }
}

#[derive(Serialize)]
struct PointView {
    period: String,
    value: f64,
    line: u32,
    signals: Rules,
}

/// A point's rules, in the order `outside-limits`, `long-run`, `short-run`.
struct Rules(Marks);

impl Serialize for Rules {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.rules().map(|r| r.as_str()))
    }
}

#[derive(Serialize)]
struct SegmentView {
    from: Option<String>,
    to: Option<String>,
    limit_points: usize,
    central_line: Option<f64>,
    mean_moving_range: Option<f64>,
    unpl: Option<f64>,
    lnpl: Option<f64>,
    url: Option<f64>,
}

#[derive(Serialize)]
struct SignalView {
    rule: &'static str,
    from: Option<String>,
    to: Option<String>,
    side: &'static str,
    sense: Option<&'static str>,
}

/// A baseline: `{ "value": 31.5, "percent": true, "at": "2026-09" }`.
#[derive(Serialize)]
struct Baseline {
    value: f64,
    percent: bool,
    at: Option<String>,
}

impl Baseline {
    fn of(q: &Quantity) -> Baseline {
        Baseline { value: q.value, percent: q.percent, at: q.when.as_ref().map(|w| w.value.to_string()) }
    }
}

/// A target or one milestone: `{ "value": 35, "percent": true, "by": "2027-12" }`.
#[derive(Serialize)]
struct Milestone {
    value: f64,
    percent: bool,
    by: Option<String>,
}

impl Milestone {
    fn of(q: &Quantity) -> Milestone {
        Milestone { value: q.value, percent: q.percent, by: q.when.as_ref().map(|w| w.value.to_string()) }
    }
}

/// A target as the source gave it (spec 7.3, v2): one object, or a list of milestones.
#[derive(Serialize)]
#[serde(untagged)]
enum TargetView {
    One(Milestone),
    List(Vec<Milestone>),
}

impl TargetView {
    fn of(target: &Target) -> TargetView {
        match target {
            Target::One(one) => TargetView::One(Milestone::of(one)),
            Target::List(list) => TargetView::List(list.iter().map(Milestone::of).collect()),
        }
    }
}

#[derive(Serialize)]
struct ActionView<'a> {
    id: &'a str,
    title: &'a str,
    owner: Option<&'a str>,
    due: Option<String>,
    status: Option<&'a str>,
    note: Option<&'a str>,
    file: &'a str,
    line: usize,
}

#[derive(Serialize)]
struct LinkView<'a> {
    from: Option<&'a str>,
    to: Option<&'a str>,
    label: Option<&'a str>,
    strength: Option<&'a str>,
    polarity: &'a str,
    evidence: Option<&'a str>,
    assumption: Option<&'a str>,
    note: Option<&'a str>,
    file: &'a str,
    line: usize,
}
