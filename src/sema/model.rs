//! The compiled model of a workspace: every node with its attributes resolved, in
//! declaration order (files in path order, items in source order).

use super::period::Period;
use crate::source::Loc;
use rustc_hash::FxHashMap;

pub use crate::syntax::ast::Text;

/// An index into one of the model's node lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeRef {
    Layer(usize),
    Group(usize),
    Result(usize),
    Measure(usize),
    Action(usize),
}

impl NodeRef {
    pub fn kind_name(self) -> &'static str {
        match self {
            NodeRef::Layer(_) => "layer",
            NodeRef::Group(_) => "group",
            NodeRef::Result(_) => "result",
            NodeRef::Measure(_) => "measure",
            NodeRef::Action(_) => "action",
        }
    }
}

/// A value with the place it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub loc: Loc,
}

#[derive(Clone, Debug, Default)]
pub struct Model {
    pub map: Option<MapInfo>,
    pub layers: Vec<Layer>,
    pub groups: Vec<Group>,
    pub results: Vec<ResultNode>,
    pub measures: Vec<Measure>,
    pub actions: Vec<Action>,
    pub links: Vec<Link>,
    /// Every declared id, resolved to its first declaration.
    pub symbols: Symbols,
    /// Every place an id is used (attributes and links), resolved.
    pub references: Vec<Reference>,
}

/// Every declared id and the node it names. Most ids fit in a `Text` without an
/// allocation, so a lookup compares them without following a pointer.
pub type Symbols = FxHashMap<Text, NodeRef>;

/// A use of an id, and the node it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reference {
    pub loc: Loc,
    pub target: NodeRef,
}

impl Model {
    pub fn id(&self, node: NodeRef) -> &str {
        match node {
            NodeRef::Layer(i) => &self.layers[i].id,
            NodeRef::Group(i) => &self.groups[i].id,
            NodeRef::Result(i) => &self.results[i].id,
            NodeRef::Measure(i) => &self.measures[i].id,
            NodeRef::Action(i) => &self.actions[i].id,
        }
    }

    /// Where the node's id is declared.
    pub fn loc(&self, node: NodeRef) -> Loc {
        match node {
            NodeRef::Layer(i) => self.layers[i].loc,
            NodeRef::Group(i) => self.groups[i].loc,
            NodeRef::Result(i) => self.results[i].loc,
            NodeRef::Measure(i) => self.measures[i].loc,
            NodeRef::Action(i) => self.actions[i].loc,
        }
    }

    /// The title, name or statement of a node.
    pub fn title(&self, node: NodeRef) -> &str {
        match node {
            NodeRef::Layer(i) => &self.layers[i].title,
            NodeRef::Group(i) => &self.groups[i].name,
            NodeRef::Result(i) => &self.results[i].statement.value,
            NodeRef::Measure(i) => &self.measures[i].name,
            NodeRef::Action(i) => &self.actions[i].title,
        }
    }

    pub fn method(&self) -> Method {
        self.map.as_ref().and_then(|m| m.method.as_ref()).map_or(Method::Pump, |m| m.value)
    }

    /// The whole model as text, the symbol table in id order (a hash map's own order
    /// depends on how it was built), so that two models compare as text: for tests and
    /// fuzzing.
    pub fn shown(&self) -> String {
        let mut symbols: Vec<_> = self.symbols.iter().collect();
        symbols.sort();
        let rest = Model { symbols: Symbols::default(), ..self.clone() };
        format!("{rest:#?}\n{symbols:?}")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Pump,
    Bsc,
    /// Results-based management: results chains and logic models (v2).
    Rbm,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Pump => "pump",
            Method::Bsc => "bsc",
            Method::Rbm => "rbm",
        }
    }
}

#[derive(Clone, Debug)]
pub struct MapInfo {
    pub title: Text,
    pub purpose: Option<Text>,
    pub vision: Option<Text>,
    pub mission: Option<Text>,
    pub owner: Option<Text>,
    pub horizon: Option<Period>,
    pub method: Option<Spanned<Method>>,
    /// The title string.
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct Layer {
    pub id: Text,
    pub title: Text,
    pub note: Option<Text>,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct Group {
    pub id: Text,
    pub name: Text,
    pub parent: Option<usize>,
    pub intent: Option<Spanned<Text>>,
    pub share: Option<Spanned<f64>>,
    pub gives: Option<Text>,
    pub gets: Option<Text>,
    pub proposition: Option<Text>,
    pub criteria: Option<Text>,
    pub note: Option<Text>,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct ResultNode {
    pub id: Text,
    pub statement: Spanned<Text>,
    pub layer: Option<usize>,
    pub for_groups: Vec<Spanned<usize>>,
    pub owner: Option<Text>,
    pub note: Option<Text>,
    /// Measures of this result, nested or by `of`, in declaration order.
    pub measures: Vec<usize>,
    pub loc: Loc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

/// A baseline or target: `31.5% at 2026-09`, `35% by 2027-12`.
#[derive(Clone, Debug)]
pub struct Quantity {
    pub value: f64,
    pub percent: bool,
    /// The value as written, for display (`31.5`).
    pub raw: Text,
    pub when: Option<Spanned<Period>>,
    /// The whole attribute value.
    pub loc: Loc,
}

/// A measure's `target`: one value (`35% by 2027-12`) or (v2) a list of milestones
/// (`[70% by 2025, 90% by 2027]`). One value is kept without a list of its own: most
/// measures have one, and a big map has 100,000 of them.
#[derive(Clone, Debug)]
pub enum Target {
    One(Quantity),
    /// Never empty. The dated milestones are in strictly increasing date order: one out
    /// of order, or due when the one before it is, is reported and left out. Each one's
    /// `loc` is its own value in the list.
    List(Vec<Quantity>),
}

impl Target {
    /// Every milestone in order; a single target is a list of one.
    pub fn milestones(&self) -> &[Quantity] {
        match self {
            Target::One(one) => std::slice::from_ref(one),
            Target::List(list) => list,
        }
    }

    /// Whether the source wrote a list (even of one), which the JSON export keeps.
    pub fn is_list(&self) -> bool {
        matches!(self, Target::List(_))
    }
}

/// A measure's `data` (v2): the CSV file that holds its values (spec 9.1).
#[derive(Clone, Debug)]
pub struct DataPath {
    /// The path as written, relative to the file that declares the measure.
    pub written: Text,
    /// The same file relative to the workspace root: normalised (no `.` or `..`),
    /// `/`-separated, never leaving the root. What the IO edge reads, below the root.
    pub path: String,
    /// The string value.
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct Measure {
    pub id: Text,
    pub name: Text,
    pub of: Option<usize>,
    pub unit: Option<Text>,
    pub direction: Option<Direction>,
    pub baseline: Option<Quantity>,
    pub target: Option<Target>,
    pub frequency: Option<&'static str>,
    pub formula: Option<Text>,
    pub source: Option<Text>,
    /// Boxed: few measures have data, and every measure has room for this field.
    pub data: Option<Box<DataPath>>,
    pub owner: Option<Text>,
    pub note: Option<Text>,
    pub loc: Loc,
}

#[derive(Clone, Debug)]
pub struct Action {
    pub id: Text,
    pub title: Text,
    pub owner: Option<Text>,
    pub due: Option<Period>,
    pub status: Option<&'static str>,
    pub note: Option<Text>,
    pub loc: Loc,
}

/// One cause -> effect link; a chain `a -> b -> c` gives two.
#[derive(Clone, Debug)]
pub struct Link {
    /// A result or an action.
    pub from: NodeRef,
    /// Always a result.
    pub to: usize,
    pub from_loc: Loc,
    pub to_loc: Loc,
    pub label: Option<Text>,
    pub strength: Option<&'static str>,
    /// `true` for `polarity: inverse`.
    pub inverse: bool,
    pub evidence: Option<Text>,
    pub assumption: Option<Text>,
    pub note: Option<Text>,
}
