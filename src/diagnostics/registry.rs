//! The registry of diagnostic codes: one line per code with its kind and default level,
//! and its explanation (`explain/CODE.md`, compiled in so that a missing file fails the
//! build), whose first line is the code's one-line summary. Codes are never renamed or
//! reused.

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
    ($($variant:ident = $name:literal, $kind:expr;)*) => {
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

            /// Where the name comes among all the codes' names, alphabetically: ordering
            /// by it is ordering by name, without comparing strings (sorting 40,000
            /// diagnostics compared their names some 600,000 times).
            pub fn name_order(self) -> usize {
                static ORDER: std::sync::OnceLock<Vec<usize>> = std::sync::OnceLock::new();
                let order = ORDER.get_or_init(|| {
                    let mut by_name = Code::ALL.to_vec();
                    by_name.sort_by_key(|code| code.name());
                    let mut order = vec![0; Code::ALL.len()];
                    for (place, code) in by_name.into_iter().enumerate() {
                        order[code as usize] = place;
                    }
                    order
                });
                order[self as usize]
            }

            pub fn kind(self) -> Kind {
                match self {
                    $(Code::$variant => $kind,)*
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
    SyntaxError = "syntax-error", E;
    InvalidEncoding = "invalid-encoding", E;
    ReservedWord = "reserved-word", E;
    DuplicateId = "duplicate-id", E;
    UnknownReference = "unknown-reference", E;
    WrongKind = "wrong-kind", E;
    UnknownAttribute = "unknown-attribute", E;
    DuplicateAttribute = "duplicate-attribute", E;
    InvalidValue = "invalid-value", E;
    MissingOf = "missing-of", E;
    DuplicateMap = "duplicate-map", E;
    SelfLink = "self-link", E;
    LinkIntoAction = "link-into-action", E;
    InvalidConfig = "invalid-config", E;
    MisplacedSuppression = "misplaced-suppression", E;
    MissingDataFile = "missing-data-file", E;
    InvalidData = "invalid-data", E;
    ResultIsAction = "result-is-action", Lint(Warn);
    WeaselWord = "weasel-word", Lint(Warn);
    DirectionWord = "direction-word", Lint(Warn);
    TargetInResult = "target-in-result", Lint(Warn);
    MultipleFocus = "multiple-focus", Lint(Warn);
    ResultWithoutMeasure = "result-without-measure", Lint(Warn);
    MeasureIncomplete = "measure-incomplete", Lint(Warn);
    TargetWithoutBaseline = "target-without-baseline", Lint(Warn);
    TargetWithoutDate = "target-without-date", Lint(Warn);
    TargetWrongSide = "target-wrong-side", Lint(Warn);
    TargetBeforeBaseline = "target-before-baseline", Lint(Warn);
    CausalCycle = "causal-cycle", Lint(Warn);
    IsolatedResult = "isolated-result", Lint(Warn);
    UnlinkedAction = "unlinked-action", Lint(Warn);
    DownwardLink = "downward-link", Lint(Warn);
    NoPathToTop = "no-path-to-top", Lint(Warn);
    DuplicateLink = "duplicate-link", Lint(Warn);
    EmptyLayer = "empty-layer", Lint(Warn);
    GroupIncomplete = "group-incomplete", Lint(Warn);
    UnusedGroup = "unused-group", Lint(Warn);
    ResultForExitGroup = "result-for-exit-group", Lint(Warn);
    GroupShareOverflow = "group-share-overflow", Lint(Warn);
    MissingOwner = "missing-owner", Lint(Allow);
    UnusedSuppression = "unused-suppression", Lint(Warn);
    InvalidSuppression = "invalid-suppression", Lint(Warn);
    DataFrequencyMismatch = "data-frequency-mismatch", Lint(Warn);
    ShortBaseline = "short-baseline", Lint(Warn);
    BaselineMismatch = "baseline-mismatch", Lint(Warn);
    TargetWithinLimits = "target-within-limits", Lint(Warn);
}

impl Code {
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|code| code.name() == name)
    }

    /// One line saying when it fires: the explanation's title, after the code.
    pub fn summary(self) -> &'static str {
        let title = self.explanation().lines().next().unwrap_or_default();
        title.split_once("`: ").map_or(title, |(_, summary)| summary.trim())
    }

    pub fn is_error(self) -> bool {
        self.kind() == Kind::Error
    }

    /// The level a lint has when `strata.toml` says nothing about it. Under
    /// `method: bsc` and `method: rbm`, whose outcomes conventionally start with a verb
    /// or state a change, direction words are allowed (spec section 5).
    pub fn default_level(self, direction_words_allowed: bool) -> Option<Level> {
        match self.kind() {
            Kind::Error => None,
            Kind::Lint(_) if self == Code::DirectionWord && direction_words_allowed => Some(Level::Allow),
            Kind::Lint(level) => Some(level),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn codes_in_name_order_are_codes_in_the_order_of_their_names() {
        for a in Code::ALL {
            for b in Code::ALL {
                assert_eq!(
                    a.name_order().cmp(&b.name_order()),
                    a.name().cmp(b.name()),
                    "{} and {}",
                    a.name(),
                    b.name()
                );
            }
        }
    }
}
