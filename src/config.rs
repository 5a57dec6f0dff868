//! `strata.toml`: lint levels and vocabularies (spec section 6). A mistake in it is an
//! `invalid-config` diagnostic on the file itself, and the defaults stand in for the
//! part that was wrong.

use std::collections::BTreeMap;

use crate::diagnostics::{Code, Diagnostic, Kind, Label, Level, suggest};
use crate::evidence::xmr::XmrSettings;
use crate::lints::vocabulary;
use crate::source::{FileId, Loc, Span};

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Levels set in `[lints]`; a lint not named here has its default level.
    pub levels: BTreeMap<Code, Level>,
    pub weasel_words: Vec<String>,
    pub action_verbs: Vec<String>,
    pub direction_verbs: Vec<String>,
    pub intents: Vec<String>,
    /// `[xmr]` (spec §6, §9.2): how measure data is read as an XmR chart.
    pub xmr: XmrSettings,
}

impl Default for Config {
    fn default() -> Config {
        let owned = |words: &[&str]| words.iter().map(|w| (*w).to_owned()).collect();
        Config {
            levels: BTreeMap::new(),
            weasel_words: owned(vocabulary::WEASEL_WORDS),
            action_verbs: owned(vocabulary::ACTION_VERBS),
            direction_verbs: owned(vocabulary::DIRECTION_VERBS),
            intents: owned(vocabulary::INTENTS),
            xmr: XmrSettings::default(),
        }
    }
}

const VOCABULARIES: &[&str] = &["weasel-words", "action-verbs", "direction-verbs", "intents"];

/// Reads `strata.toml`. Problems are pushed onto `diags`; the result is always usable.
pub fn parse(file: FileId, text: &str, diags: &mut Vec<Diagnostic>) -> Config {
    let mut config = Config::default();
    let mut report = |range: Option<std::ops::Range<usize>>, message: String, help: Option<String>| {
        let range = range.unwrap_or(0..0);
        let loc = Loc::new(file, Span::new(range.start, range.end));
        let mut diag = Diagnostic::new(Code::InvalidConfig, Label::bare(loc), message);
        diag.help = help;
        diags.push(diag);
    };
    let doc = match toml_edit::Document::parse(text) {
        Ok(doc) => doc,
        Err(err) => {
            let message = err.message().trim_end_matches('\n').replace('\n', " ");
            let help = "fix the TOML syntax; until then the default settings are used";
            report(err.span(), format!("`strata.toml` is not valid TOML: {message}"), Some(help.to_owned()));
            return config;
        }
    };
    for (key, item) in doc.iter() {
        let key_span = doc.key(key).and_then(|k| k.span());
        match key {
            "lints" => match item.as_table_like() {
                Some(table) => {
                    for (name, value) in table.iter() {
                        let name_span = table.key(name).and_then(|k| k.span());
                        read_level(&mut config, text, name, name_span, value, &mut report);
                    }
                }
                None => report(item.span(), "`lints` must be a table".to_owned(), Some(LINTS_HELP.to_owned())),
            },
            "vocabulary" => match item.as_table_like() {
                Some(table) => {
                    for (name, value) in table.iter() {
                        let name_span = table.key(name).and_then(|k| k.span());
                        let list = match name {
                            "weasel-words" => &mut config.weasel_words,
                            "action-verbs" => &mut config.action_verbs,
                            "direction-verbs" => &mut config.direction_verbs,
                            "intents" => &mut config.intents,
                            _ => {
                                let help = match suggest(name, VOCABULARIES.iter().copied()) {
                                    Some(close) => format!("did you mean `{close}`?"),
                                    None => format!("the vocabularies are {}", backticked(VOCABULARIES)),
                                };
                                report(name_span, format!("unknown vocabulary `{name}`"), Some(help));
                                continue;
                            }
                        };
                        read_words(list, name, value, &mut report);
                    }
                }
                None => report(item.span(), "`vocabulary` must be a table".to_owned(), None),
            },
            "xmr" => match item.as_table_like() {
                Some(table) => {
                    for (name, value) in table.iter() {
                        let name_span = table.key(name).and_then(|k| k.span());
                        // A bad value or unknown key leaves the default in place.
                        let known = XmrSettings::KEYS.contains(&name);
                        if let Err(err) = config.xmr.set(name, value.as_integer()) {
                            let at = if known { value.span().or(name_span) } else { name_span };
                            report(at, err.message, Some(err.help));
                        }
                    }
                }
                None => report(
                    item.span(),
                    "`xmr` must be a table".to_owned(),
                    Some("write `[xmr]` and one setting a line, e.g. `run-length = 8`".to_owned()),
                ),
            },
            _ => {
                let help = match suggest(key, ["lints", "vocabulary", "xmr"]) {
                    Some(close) => format!("did you mean `[{close}]`?"),
                    None => "`strata.toml` has three sections: `[lints]`, `[vocabulary]` and `[xmr]`".to_owned(),
                };
                report(key_span, format!("unknown key `{key}` in `strata.toml`"), Some(help));
            }
        }
    }
    config
}

const LINTS_HELP: &str = "write one line per lint, e.g. `weasel-word = \"deny\"`";

type Report<'a> = dyn FnMut(Option<std::ops::Range<usize>>, String, Option<String>) + 'a;

fn read_level(
    config: &mut Config,
    text: &str,
    name: &str,
    name_span: Option<std::ops::Range<usize>>,
    value: &toml_edit::Item,
    report: &mut Report<'_>,
) {
    let code = match Code::from_name(name) {
        Some(code) if code.kind() == Kind::Error => {
            let help = "errors are always errors; only lints have a level".to_owned();
            report(name_span, format!("`{name}` is an error, not a lint, and cannot be configured"), Some(help));
            return;
        }
        Some(code) => code,
        None => {
            let lints = Code::ALL.iter().filter(|c| !c.is_error()).map(|c| c.name());
            let help = match suggest(name, lints) {
                Some(close) => format!("did you mean `{close}`?"),
                None => "`strata explain --list` lists every lint".to_owned(),
            };
            report(name_span, format!("unknown lint `{name}`"), Some(help));
            return;
        }
    };
    match value.as_str().and_then(Level::parse) {
        Some(level) => {
            config.levels.insert(code, level);
        }
        None => {
            let shown = value.span().and_then(|span| text.get(span)).unwrap_or_else(|| value.type_name());
            let help = "use \"allow\", \"warn\" or \"deny\"".to_owned();
            report(value.span(), format!("`{}` is not a lint level", shown.trim()), Some(help));
        }
    }
}

/// A vocabulary is a list that replaces the default, or `{ add = [...], remove = [...] }`.
fn read_words(list: &mut Vec<String>, name: &str, value: &toml_edit::Item, report: &mut Report<'_>) {
    let help = format!("write `{name} = [\"word\", ...]` or `{name} = {{ add = [...], remove = [...] }}`");
    if let Some(array) = value.as_array() {
        if let Some(words) = strings(array, report) {
            *list = words;
        }
        return;
    }
    let Some(table) = value.as_table_like() else {
        report(value.span(), format!("`{name}` must be a list of words or a table"), Some(help));
        return;
    };
    for (key, item) in table.iter() {
        let key_span = table.key(key).and_then(|k| k.span());
        let Some(words) = item.as_array().map(|array| strings(array, report)) else {
            report(item.span().or(key_span), format!("`{name}.{key}` must be a list of words"), Some(help.clone()));
            continue;
        };
        let Some(words) = words else { continue };
        match key {
            // Entries compare by their singular ("benefit" is "benefits").
            // Keyed once each in a set, not compared with every entry (quadratic: an
            // `add` of 50,000 words took minutes, issue 17).
            "add" => {
                let mut keys: std::collections::HashSet<String> =
                    list.iter().map(|w| vocabulary::entry_key(w)).collect();
                for word in words {
                    if keys.insert(vocabulary::entry_key(&word)) {
                        list.push(word);
                    }
                }
            }
            "remove" => {
                let keys: std::collections::HashSet<String> = words.iter().map(|w| vocabulary::entry_key(w)).collect();
                list.retain(|w| !keys.contains(&vocabulary::entry_key(w)));
            }
            _ => report(key_span, format!("unknown key `{key}` in `{name}`"), Some("use `add` or `remove`".to_owned())),
        }
    }
}

fn strings(array: &toml_edit::Array, report: &mut Report<'_>) -> Option<Vec<String>> {
    let mut words = Vec::new();
    for value in array.iter() {
        match value.as_str() {
            Some(word) if !word.trim().is_empty() => words.push(word.trim().to_lowercase()),
            _ => {
                report(value.span(), "a vocabulary entry must be a non-empty string".to_owned(), None);
                return None;
            }
        }
    }
    Some(words)
}

fn backticked(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_vocabulary_edits() {
        let text = "[lints]\nweasel-word = \"deny\"\n[vocabulary]\nweasel-words = { add = [\"Synergy2\"], remove = [\"quality\"] }\nintents = [\"keep\"]\n";
        let mut diags = Vec::new();
        let config = parse(FileId(0), text, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(config.levels.get(&Code::WeaselWord), Some(&Level::Deny));
        assert!(config.weasel_words.contains(&"synergy2".to_owned()));
        assert!(!config.weasel_words.contains(&"quality".to_owned()));
        assert_eq!(config.intents, ["keep"]);
    }

    #[test]
    fn vocabulary_edits_compare_singulars() {
        let text = "[vocabulary]\nweasel-words = { add = [\"Benefit\", \"silos\"], remove = [\"capabilities\", \"synergies\"] }\n";
        let mut diags = Vec::new();
        let config = parse(FileId(0), text, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        let count = |w: &str| config.weasel_words.iter().filter(|x| *x == w).count();
        assert_eq!((count("benefits"), count("benefit")), (1, 0), "`benefit` is `benefits`, already there");
        assert_eq!(count("silos"), 1);
        assert_eq!((count("capability"), count("synergy")), (0, 0));
    }

    #[test]
    fn mistakes_are_diagnostics() {
        let text = "[lints]\nweasel-word = \"sometimes\"\nno-such-lint = \"warn\"\nduplicate-id = \"allow\"\n[extra]\n";
        let mut diags = Vec::new();
        parse(FileId(0), text, &mut diags);
        let messages: Vec<_> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`\"sometimes\"` is not a lint level",
                "unknown lint `no-such-lint`",
                "`duplicate-id` is an error, not a lint, and cannot be configured",
                "unknown key `extra` in `strata.toml`"
            ]
        );
        let mut diags = Vec::new();
        assert_eq!(parse(FileId(0), "[lints\n", &mut diags), Config::default());
        assert_eq!(diags.len(), 1);
    }

    #[test]
    fn xmr_settings_are_read_and_checked() {
        let text = "[xmr]\nrun-length = 7\nbaseline-points = 12\n";
        let mut diags = Vec::new();
        let config = parse(FileId(0), text, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!((config.xmr.run_length, config.xmr.baseline_points), (7, 12));

        let text = "[xmr]\nrun-length = 2\nbaseline-points = \"x\"\nrun_length = 9\n";
        let mut diags = Vec::new();
        let config = parse(FileId(0), text, &mut diags);
        assert_eq!(config.xmr, XmrSettings::default());
        let spans: Vec<_> = diags.iter().map(|d| &text[d.primary.loc.span.range()]).collect();
        assert_eq!(spans, ["2", "\"x\"", "run_length"]);
        assert_eq!(diags.len(), 3);
    }
}
