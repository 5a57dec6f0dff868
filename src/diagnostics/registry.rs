//! The registry of diagnostic codes: one line per code, its kind and default level,
//! its one-line summary, and its explanation (`explain/CODE.md`, compiled in so that a
//! missing file fails the build). Codes are never renamed or reused.

/// How a lint is configured: `allow` hides it, `warn` and `deny` report it as a
/// warning or an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

/// Errors are always errors; lints have a default level that configuration changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Error,
    Lint(Level),
}

macro_rules! registry {
    ($($variant:ident = $name:literal, $kind:expr, $summary:literal;)*) => {
        /// Every diagnostic code Strata can report.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            /// Every code, errors first, in the order of the spec.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable kebab-case name (`unknown-reference`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            pub fn kind(self) -> Kind {
                match self {
                    $(Code::$variant => $kind,)*
                }
            }

            /// One line saying when it fires.
            pub fn summary(self) -> &'static str {
                match self {
                    $(Code::$variant => $summary,)*
                }
            }

            /// The long explanation printed by `strata explain CODE`.
            pub fn explanation(self) -> &'static str {
                match self {
                    $(Code::$variant => include_str!(concat!("explain/", $name, ".md")),)*
                }
            }
        }
    };
}

use Kind::{Error as E, Lint};
use Level::{Allow, Warn};

registry! {
    SyntaxError = "syntax-error", E, "text that does not match the grammar";
    InvalidEncoding = "invalid-encoding", E, "a file that is not UTF-8";
    ReservedWord = "reserved-word", E, "a reserved word used as an id";
    DuplicateId = "duplicate-id", E, "an id declared twice in the workspace";
    UnknownReference = "unknown-reference", E, "a reference to an id nobody declared";
    WrongKind = "wrong-kind", E, "a reference to an id of the wrong kind";
    UnknownAttribute = "unknown-attribute", E, "an attribute the kind does not have";
    DuplicateAttribute = "duplicate-attribute", E, "an attribute given twice in one block";
    InvalidValue = "invalid-value", E, "a value of the wrong type, outside its set, or an impossible date";
    MissingOf = "missing-of", E, "a top-level measure without `of`, or a nested one with `of`";
    DuplicateMap = "duplicate-map", E, "more than one `map` item in the workspace";
    SelfLink = "self-link", E, "a link from a result to itself";
    LinkIntoAction = "link-into-action", E, "an action as the effect of a link";
    InvalidConfig = "invalid-config", E, "a mistake in `strata.toml`";
    ResultIsAction = "result-is-action", Lint(Warn), "a result statement that starts with an action verb or \"to\"";
    WeaselWord = "weasel-word", Lint(Warn), "a result statement that contains a weasel word";
    DirectionWord = "direction-word", Lint(Warn), "a result statement that starts with a direction verb";
    TargetInResult = "target-in-result", Lint(Warn), "a result statement that contains a number, percentage or date";
    MultipleFocus = "multiple-focus", Lint(Warn), "a result statement that joins two outcomes";
    ResultWithoutMeasure = "result-without-measure", Lint(Warn), "a result with no measure";
    MeasureIncomplete = "measure-incomplete", Lint(Warn), "a measure without `unit`, `direction` or `frequency`";
    TargetWithoutBaseline = "target-without-baseline", Lint(Warn), "a measure with a target but no baseline";
    TargetWithoutDate = "target-without-date", Lint(Warn), "a target without `by PERIOD`";
    TargetWrongSide = "target-wrong-side", Lint(Warn), "a target that is not an improvement on the baseline";
    TargetBeforeBaseline = "target-before-baseline", Lint(Warn), "a target dated no later than its baseline";
    CausalCycle = "causal-cycle", Lint(Warn), "links that form a loop";
    IsolatedResult = "isolated-result", Lint(Warn), "a result with no links at all";
    UnlinkedAction = "unlinked-action", Lint(Warn), "an action that is the cause of no link";
    DownwardLink = "downward-link", Lint(Warn), "a link whose effect sits in a lower layer than its cause";
    NoPathToTop = "no-path-to-top", Lint(Warn), "a result with no path of links to the first layer";
    DuplicateLink = "duplicate-link", Lint(Warn), "the same link stated twice";
    EmptyLayer = "empty-layer", Lint(Warn), "a layer that holds no result";
    GroupIncomplete = "group-incomplete", Lint(Warn), "a group without `intent`, `gives`, `gets` or `proposition`";
    UnusedGroup = "unused-group", Lint(Warn), "a top-level group that no result is for";
    ResultForExitGroup = "result-for-exit-group", Lint(Warn), "a result for a group the business means to exit";
    GroupShareOverflow = "group-share-overflow", Lint(Warn), "group shares that add up to more than 100%";
    MissingOwner = "missing-owner", Lint(Allow), "a result or measure without `owner`";
    UnusedSuppression = "unused-suppression", Lint(Warn), "a suppression comment that suppressed nothing";
    InvalidSuppression = "invalid-suppression", Lint(Warn), "a suppression comment naming an unknown code or an error";
}

impl Code {
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|code| code.name() == name)
    }

    pub fn is_error(self) -> bool {
        self.kind() == Kind::Error
    }

    /// The level a lint has when `strata.toml` says nothing about it. Under
    /// `method: bsc`, direction words are allowed (spec section 5).
    pub fn default_level(self, method_is_bsc: bool) -> Option<Level> {
        match self.kind() {
            Kind::Error => None,
            Kind::Lint(_) if self == Code::DirectionWord && method_is_bsc => Some(Level::Allow),
            Kind::Lint(level) => Some(level),
        }
    }
}
