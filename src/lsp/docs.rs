//! What each item keyword and attribute means (spec section 3), for hover and completion.

use super::lookup::Owner;
use crate::config::Config;
use crate::sema::attributes;
use crate::syntax::ast::DeclKind;

/// One attribute: its name, the value it takes and what it means.
pub struct AttributeDoc {
    pub name: &'static str,
    pub value: &'static str,
    pub meaning: &'static str,
}

const fn doc(name: &'static str, value: &'static str, meaning: &'static str) -> AttributeDoc {
    AttributeDoc { name, value, meaning }
}

const MAP: &[AttributeDoc] = &[
    doc("purpose", "string", "why the organisation exists; the ultimate results serve it"),
    doc("vision", "string", "where the organisation wants to be"),
    doc("mission", "string", "what the organisation does, for whom"),
    doc("owner", "string", "who owns the map"),
    doc("horizon", "period", "the time the map looks ahead to"),
    doc("method", "`pump` | `bsc` | `rbm`", "which method's wording rules apply; default `pump`"),
];

const LAYER: &[AttributeDoc] = &[doc("note", "string", "a note")];

const GROUP: &[AttributeDoc] = &[
    doc(
        "intent",
        "an intent (`attract`, `grow`, `retain`, `maintain`, `serve`, `reengineer`, `retire`, `exit` by default; `exit` and `retire` are exit intents)",
        "what the business means to do with this group",
    ),
    doc("share", "percentage", "share of the customer base (of the parent group, for a sub-group)"),
    doc("gives", "string", "the value the group gives the business (spend, loyalty, advocacy)"),
    doc("gets", "string", "the value the group gets from the business"),
    doc("proposition", "string", "the value proposition for this group"),
    doc("criteria", "string", "how a customer is recognised as in this group"),
    doc("note", "string", "a note"),
];

const RESULT: &[AttributeDoc] = &[
    doc("layer", "layer id", "which band of the map the result sits in"),
    doc("for", "group id or list of group ids", "which customer groups the result is for"),
    doc("owner", "string", "who is accountable for the result"),
    doc("note", "string", "a note"),
];

const MEASURE: &[AttributeDoc] = &[
    doc("of", "result id", "the result this measure is evidence of (top-level measures only)"),
    doc("unit", "string", "the unit: `\"%\"`, `\"minutes\"`, `\"AUD\"`, …"),
    doc("direction", "`up` | `down`", "which way is better"),
    doc("baseline", "number or percentage, optionally `at PERIOD`", "where the measure stands now"),
    doc("target", "number or percentage, optionally `by PERIOD`", "where it should get to, and by when"),
    doc("frequency", "`daily` | `weekly` | `monthly` | `quarterly` | `yearly`", "how often it is calculated"),
    doc("formula", "string", "how it is calculated"),
    doc("source", "string", "where the data comes from"),
    doc("owner", "string", "who is accountable for the measure"),
    doc("note", "string", "a note"),
];

const ACTION: &[AttributeDoc] = &[
    doc("owner", "string", "who leads the action"),
    doc("due", "period", "when it is due"),
    doc("status", "`planned` | `active` | `done` | `dropped`", "where the action stands"),
    doc("note", "string", "a note"),
];

const LINK: &[AttributeDoc] = &[
    doc("strength", "`weak` | `moderate` | `strong`", "how strong the effect is believed to be"),
    doc("polarity", "`direct` | `inverse`", "inverse: more of the cause means less of the effect; default `direct`"),
    doc("evidence", "string", "what supports the link"),
    doc("assumption", "string", "what must hold for the link to work"),
    doc("note", "string", "a note"),
];

/// The attributes a block may have, in the order of the spec.
pub fn attributes(owner: Owner) -> &'static [AttributeDoc] {
    match owner {
        Owner::Link => LINK,
        Owner::Decl { kind, .. } => match kind {
            DeclKind::Map => MAP,
            DeclKind::Layer => LAYER,
            DeclKind::Group => GROUP,
            DeclKind::Result => RESULT,
            DeclKind::Measure => MEASURE,
            DeclKind::Action => ACTION,
        },
    }
}

pub fn attribute(owner: Owner, name: &str) -> Option<&'static AttributeDoc> {
    attributes(owner).iter().find(|a| a.name == name)
}

/// The words an enum attribute takes, whatever block it is in.
pub fn values(attribute: &str, config: &Config) -> Option<Vec<String>> {
    let fixed: &[&str] = match attribute {
        "direction" => attributes::DIRECTIONS,
        "frequency" => attributes::FREQUENCIES,
        "status" => attributes::STATUSES,
        "strength" => attributes::STRENGTHS,
        "polarity" => attributes::POLARITIES,
        "method" => attributes::METHODS,
        "intent" => return Some(config.intents.clone()),
        _ => return None,
    };
    Some(fixed.iter().map(|w| (*w).to_owned()).collect())
}

/// What an item keyword declares.
pub fn keyword(kind: DeclKind) -> &'static str {
    match kind {
        DeclKind::Map => "`map \"Title\" { … }`: the map as a whole (at most one per workspace)",
        DeclKind::Layer => {
            "`layer ID \"Title\"`: an ordered band of the map, top to bottom in declaration order (a balanced-scorecard perspective or a level)"
        }
        DeclKind::Group => "`group ID \"Name\" { … }`: a customer group; groups nest to form sub-groups",
        DeclKind::Result => {
            "`result ID \"Statement\" { … }`: an outcome the organisation wants, written as if it were already true"
        }
        DeclKind::Measure => {
            "`measure ID \"Name\" { … }`: a performance measure, the evidence of one result (nested in it, or with `of:`)"
        }
        DeclKind::Action => "`action ID \"Title\" { … }`: an initiative meant to move results",
    }
}
