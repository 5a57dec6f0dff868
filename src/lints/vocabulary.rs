//! The word lists of `../shared/domain.md` (PuMP) and how result statements are matched
//! against them: whole words, case-insensitive, phrases; weasel and direction words also
//! in their inflected forms, action verbs in their base and -ing forms only.

/// Words that make a result unmeasurable (PuMP's "weasel words").
pub const WEASEL_WORDS: &[&str] = &[
    "agile",
    "benefits",
    "best in class",
    "capacity",
    "capability",
    "diversity",
    "effective",
    "effectiveness",
    "efficient",
    "efficiency",
    "empowered",
    "engaged",
    "engagement",
    "enhanced",
    "excellence",
    "excellent",
    "fit for purpose",
    "holistic",
    "innovative",
    "innovation",
    "leading",
    "livability",
    "optimal",
    "productive",
    "productivity",
    "quality",
    "reliable",
    "responsive",
    "robust",
    "seamless",
    "streamlined",
    "sustainable",
    "sustainability",
    "synergy",
    "world-class",
];

/// Verbs that make a statement an action rather than a result.
pub const ACTION_VERBS: &[&str] = &[
    "implement",
    "launch",
    "develop",
    "deliver",
    "build",
    "create",
    "introduce",
    "roll out",
    "conduct",
    "establish",
    "run",
    "hold",
    "deploy",
    "install",
    "hire",
    "recruit",
    "train",
    "design",
    "review",
    "upgrade",
    "migrate",
    "complete",
    "execute",
    "provide",
    "organise",
    "organize",
    "set up",
    "start",
    "adopt",
    "automate",
    "digitise",
    "digitize",
    "restructure",
];

/// Verbs that state a change to make instead of the outcome as if it were true.
pub const DIRECTION_VERBS: &[&str] = &[
    "increase",
    "improve",
    "reduce",
    "decrease",
    "maximise",
    "maximize",
    "minimise",
    "minimize",
    "enhance",
    "boost",
    "grow",
    "raise",
    "lower",
    "cut",
    "expand",
    "strengthen",
];

/// What a business can mean to do with a customer group (Profit By Design).
pub const INTENTS: &[&str] = &["attract", "grow", "retain", "serve", "exit"];

use std::collections::HashMap;

/// A word of a statement: lowercase text and its byte range in the statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// Splits a statement into words: runs of letters, digits and inner apostrophes.
/// Hyphens separate words, so `world-class` is the phrase `world class`.
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, ch)) = chars.next() {
        let inner_apostrophe = matches!(ch, '\'' | '’')
            && start.is_some()
            && chars.peek().is_some_and(|&(_, next)| next.is_alphanumeric());
        if ch.is_alphanumeric() || inner_apostrophe {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push(Word { text: text[s..i].to_lowercase(), start: s, end: i });
        }
    }
    if let Some(s) = start {
        out.push(Word { text: text[s..].to_lowercase(), start: s, end: text.len() });
    }
    out
}

/// Which forms of an entry match.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Forms {
    /// Every inflection: improve, improves, improved, improving; efficient, efficiently.
    Inflected,
    /// The base and -ing forms only: implement, implementing (not implemented).
    BaseAndIng,
}

/// A vocabulary compiled for matching: every form of an entry's first word, mapped to
/// the entry's remaining words and the entry itself.
pub struct Matcher {
    first: HashMap<String, Vec<(Vec<String>, String)>>,
}

/// A match: the words `[start, end)` of the statement, and the vocabulary entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    pub entry: String,
}

impl Matcher {
    pub fn new(entries: &[String], forms: Forms) -> Matcher {
        let mut first: HashMap<String, Vec<(Vec<String>, String)>> = HashMap::new();
        for entry in entries {
            let parts: Vec<String> = words(entry).into_iter().map(|w| w.text).collect();
            let Some((head, rest)) = parts.split_first() else { continue };
            // In a phrase only the first word inflects ("rolling out"); other words of
            // a weasel phrase ("best in class") stay as they are.
            let heads = match forms {
                Forms::Inflected if rest.is_empty() => inflections(head),
                Forms::Inflected => vec![head.clone()],
                Forms::BaseAndIng => base_and_ing(head),
            };
            for form in heads {
                let list = first.entry(form).or_default();
                if !list.iter().any(|(r, _)| r == rest) {
                    list.push((rest.to_vec(), entry.clone()));
                }
            }
        }
        Matcher { first }
    }

    /// The entry matching at word `at`, longest first.
    pub fn at(&self, words: &[Word], at: usize) -> Option<Match> {
        let candidates = self.first.get(&words.get(at)?.text)?;
        candidates
            .iter()
            .filter(|(rest, _)| {
                rest.iter().enumerate().all(|(k, part)| words.get(at + 1 + k).is_some_and(|w| &w.text == part))
            })
            .max_by_key(|(rest, _)| rest.len())
            .map(|(rest, entry)| Match { start: at, end: at + 1 + rest.len(), entry: entry.clone() })
    }

    /// Every non-overlapping match, left to right.
    pub fn all(&self, words: &[Word]) -> Vec<Match> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < words.len() {
            match self.at(words, i) {
                Some(m) => {
                    i = m.end;
                    out.push(m);
                }
                None => i += 1,
            }
        }
        out
    }
}

fn base_and_ing(base: &str) -> Vec<String> {
    let mut out = vec![base.to_owned()];
    match base.strip_suffix('e') {
        Some(stem) if !base.ends_with("ee") => out.push(format!("{stem}ing")),
        _ => out.push(format!("{base}ing")),
    }
    if let Some(doubled) = doubled(base) {
        out.push(format!("{doubled}ing"));
    }
    out
}

/// A short verb's final consonant doubled: run -> runn(ing), cut -> cutt(ing).
fn doubled(base: &str) -> Option<String> {
    let chars: Vec<char> = base.chars().collect();
    let vowel = |c: char| "aeiou".contains(c);
    match chars.as_slice() {
        [.., a, b, c] if !vowel(*a) && vowel(*b) && !vowel(*c) && !"wxy".contains(*c) => Some(format!("{base}{c}")),
        _ => None,
    }
}

fn inflections(base: &str) -> Vec<String> {
    let mut out = base_and_ing(base);
    out.push(format!("{base}s"));
    out.push(format!("{base}es"));
    if base.ends_with('e') {
        out.push(format!("{base}d"));
    } else {
        out.push(format!("{base}ed"));
    }
    if let Some(doubled) = doubled(base) {
        out.push(format!("{doubled}ed"));
    }
    match base.strip_suffix('y') {
        Some(stem) if !stem.ends_with(['a', 'e', 'o', 'u']) => {
            out.extend(["ies", "ied", "ily", "iness"].iter().map(|s| format!("{stem}{s}")));
        }
        _ => {}
    }
    match base.strip_suffix("le") {
        Some(stem) => out.push(format!("{stem}ly")),
        None => out.push(format!("{base}ly")),
    }
    if base.ends_with("ic") {
        out.push(format!("{base}ally"));
    }
    out.extend(
        match base {
            "grow" => &["grew", "grown"][..],
            "cut" => &["cuts"][..],
            _ => &[][..],
        }
        .iter()
        .map(|s| (*s).to_owned()),
    );
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(words: &[&str], forms: Forms) -> Matcher {
        Matcher::new(&words.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>(), forms)
    }

    fn first(m: &Matcher, text: &str) -> Option<String> {
        m.at(&words(text), 0).map(|m| m.entry)
    }

    #[test]
    fn action_verbs_match_base_and_ing_only() {
        let m = matcher(ACTION_VERBS, Forms::BaseAndIng);
        assert_eq!(first(&m, "Implementing a CRM").as_deref(), Some("implement"));
        assert_eq!(first(&m, "Roll out self-service kiosks").as_deref(), Some("roll out"));
        assert_eq!(first(&m, "Running the shop").as_deref(), Some("run"));
        assert_eq!(first(&m, "Trained staff answer every call"), None);
        assert_eq!(first(&m, "Customers come back for more"), None);
        assert_eq!(first(&m, "Rolling stock is on time"), None);
    }

    #[test]
    fn weasel_and_direction_words_match_inflections() {
        let weasel = matcher(WEASEL_WORDS, Forms::Inflected);
        let found: Vec<String> = weasel
            .all(&words("Staff work efficiently in a world-class, RELIABLY quiet store"))
            .into_iter()
            .map(|m| m.entry)
            .collect();
        assert_eq!(found, ["efficient", "world-class", "reliable"]);
        assert!(weasel.all(&words("Customers come back for more")).is_empty());
        let direction = matcher(DIRECTION_VERBS, Forms::Inflected);
        assert_eq!(first(&direction, "Increased awareness of the brand").as_deref(), Some("increase"));
        assert_eq!(first(&direction, "Growing revenue").as_deref(), Some("grow"));
        assert_eq!(first(&direction, "Lowest prices"), None);
    }

    #[test]
    fn words_keep_offsets() {
        let w = words("Café's “best”-in class");
        let texts: Vec<&str> = w.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["café's", "best", "in", "class"]);
        assert_eq!(&"Café's “best”-in class"[w[1].start..w[1].end], "best");
    }
}
