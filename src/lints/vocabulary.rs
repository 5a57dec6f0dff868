//! The word lists of `../shared/domain.md` (PuMP) and how result statements are matched
//! against them: whole words, case-insensitive, phrases; weasel and direction words also
//! in their inflected forms, action verbs in their base and -ing forms only; every entry
//! in its singular and plural forms. Words are runs of letters and digits, so any run
//! of whitespace (a line break, a tab, a no-break space) between two words is one gap.

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

/// The action verbs that name a project rather than an objective: under `method: bsc`,
/// where objectives conventionally start with a verb ("Develop staff skills"), only
/// these make a result an action (spec section 5). A verb a user adds to `action-verbs`
/// counts as one of these too.
pub const PROJECT_VERBS: &[&str] = &[
    "implement",
    "launch",
    "roll out",
    "install",
    "deploy",
    "migrate",
    "conduct",
    "hold",
    "introduce",
    "execute",
    "set up",
    "upgrade",
    "complete",
    "automate",
    "digitise",
    "digitize",
    "restructure",
];

/// What a business can mean to do with a customer group: Profit By Design's own words
/// (grow, maintain, re-engineer or retire the relationship) and attract, retain, serve
/// and exit.
pub const INTENTS: &[&str] = &["attract", "grow", "retain", "maintain", "serve", "reengineer", "retire", "exit"];

/// The intents that mean the business is leaving the relationship: such a group needs
/// managing, but no results and no value proposition of its own.
pub const EXIT_INTENTS: &[&str] = &["exit", "retire"];

use rustc_hash::FxHashMap;

/// A word of a statement: its byte range in the statement, and where its lowercase
/// text is in `Words::lower`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Word {
    pub start: usize,
    pub end: usize,
    lower: (usize, usize),
}

/// A statement split into words: runs of letters, digits and inner apostrophes.
/// Hyphens separate words, so `world-class` is the phrase `world class`. The lowercase
/// text of every word is in one buffer, which `split` reuses from statement to
/// statement.
#[derive(Clone, Debug, Default)]
pub struct Words {
    lower: String,
    list: Vec<Word>,
}

impl Words {
    pub fn new(text: &str) -> Words {
        let mut words = Words::default();
        words.split(text);
        words
    }

    /// Splits `text`, replacing the words held.
    pub fn split(&mut self, text: &str) {
        self.lower.clear();
        self.list.clear();
        let mut start = None;
        if text.is_ascii() {
            // Lowercase once; every word's lowercase is then at the same offsets.
            self.lower.push_str(text);
            self.lower.make_ascii_lowercase();
            let bytes = text.as_bytes();
            for (i, &b) in bytes.iter().enumerate() {
                let inner_apostrophe =
                    b == b'\'' && start.is_some() && bytes.get(i + 1).is_some_and(u8::is_ascii_alphanumeric);
                if b.is_ascii_alphanumeric() || inner_apostrophe {
                    start.get_or_insert(i);
                } else if let Some(s) = start.take() {
                    self.list.push(Word { start: s, end: i, lower: (s, i) });
                }
            }
            if let Some(s) = start {
                self.list.push(Word { start: s, end: text.len(), lower: (s, text.len()) });
            }
            return;
        }
        let mut chars = text.char_indices().peekable();
        while let Some((i, ch)) = chars.next() {
            let inner_apostrophe = matches!(ch, '\'' | '’')
                && start.is_some()
                && chars.peek().is_some_and(|&(_, next)| next.is_alphanumeric());
            if ch.is_alphanumeric() || inner_apostrophe {
                start.get_or_insert(i);
            } else if let Some(s) = start.take() {
                self.push(text, s, i);
            }
        }
        if let Some(s) = start {
            self.push(text, s, text.len());
        }
    }

    fn push(&mut self, text: &str, start: usize, end: usize) {
        let word = &text[start..end];
        let from = self.lower.len();
        if word.is_ascii() {
            self.lower.push_str(word);
            self.lower[from..].make_ascii_lowercase();
        } else {
            // `str::to_lowercase` knows the word's end (a final sigma), `char`'s does not.
            self.lower.push_str(&word.to_lowercase());
        }
        self.list.push(Word { start, end, lower: (from, self.lower.len()) });
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&Word> {
        self.list.get(i)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Word> {
        self.list.iter()
    }

    /// The lowercase text of word `i`.
    pub fn text(&self, i: usize) -> &str {
        let (from, to) = self.list[i].lower;
        &self.lower[from..to]
    }

    fn text_of(&self, i: usize) -> Option<&str> {
        let (from, to) = self.list.get(i)?.lower;
        Some(&self.lower[from..to])
    }
}

impl std::ops::Index<usize> for Words {
    type Output = Word;

    fn index(&self, i: usize) -> &Word {
        &self.list[i]
    }
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
    first: FxHashMap<String, Vec<(Vec<String>, String)>>,
    /// For each first byte of a form in `first`, a bit for each length (63 for 63 and
    /// longer) that some form of that first byte has: most words are ruled out by it
    /// without hashing.
    shapes: [u64; 256],
}

fn shape(word: &str) -> (usize, u64) {
    (word.as_bytes().first().map_or(0, |b| usize::from(*b)), 1 << word.len().min(63))
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
        let mut first: FxHashMap<String, Vec<(Vec<String>, String)>> = FxHashMap::default();
        for entry in entries {
            let words = Words::new(entry);
            let parts: Vec<String> = (0..words.len()).map(|i| words.text(i).to_owned()).collect();
            let Some((head, rest)) = parts.split_first() else { continue };
            // In a phrase only the first word inflects ("rolling out"); other words of
            // a weasel phrase ("best in class") stay as they are, but for the last
            // word's singular and plural. A word entry matches its singular and plural
            // too ("benefits", "benefit"; "synergy", "synergies"), except an action
            // verb's plural, which would be a noun ("Trains run on time").
            let heads = match forms {
                Forms::Inflected if rest.is_empty() => {
                    let single = singular(head);
                    let mut heads = inflections(head);
                    heads.extend(inflections(&single));
                    heads.push(plural(&single));
                    heads
                }
                Forms::Inflected => vec![head.clone()],
                Forms::BaseAndIng if rest.is_empty() => {
                    let mut heads = base_and_ing(head);
                    heads.extend(base_and_ing(&singular(head)));
                    heads
                }
                Forms::BaseAndIng => base_and_ing(head),
            };
            let rests: Vec<Vec<String>> = match rest.split_last() {
                Some((last, init)) if forms == Forms::Inflected => {
                    let single = singular(last);
                    let mut lasts = vec![last.clone(), plural(&single), single];
                    lasts.dedup();
                    lasts.into_iter().map(|l| init.iter().cloned().chain([l]).collect()).collect()
                }
                _ => vec![rest.to_vec()],
            };
            for form in heads {
                let list = first.entry(form).or_default();
                for rest in &rests {
                    if !list.iter().any(|(r, _)| r == rest) {
                        list.push((rest.clone(), entry.clone()));
                    }
                }
            }
        }
        let mut shapes = [0; 256];
        for form in first.keys() {
            let (byte, bit) = shape(form);
            shapes[byte] |= bit;
        }
        Matcher { first, shapes }
    }

    /// The entry matching at word `at`, longest first.
    pub fn at(&self, words: &Words, at: usize) -> Option<Match> {
        let word = words.text_of(at)?;
        let (byte, bit) = shape(word);
        if self.shapes[byte] & bit == 0 {
            return None;
        }
        let candidates = self.first.get(word)?;
        candidates
            .iter()
            .filter(|(rest, _)| {
                rest.iter().enumerate().all(|(k, part)| words.text_of(at + 1 + k).is_some_and(|w| w == part))
            })
            .max_by_key(|(rest, _)| rest.len())
            .map(|(rest, entry)| Match { start: at, end: at + 1 + rest.len(), entry: entry.clone() })
    }

    /// Every non-overlapping match, left to right.
    pub fn all(&self, words: &Words) -> Vec<Match> {
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

/// The singular of an English noun, by the regular rules (benefits -> benefit,
/// capacities -> capacity, processes -> process); other words as they are.
pub fn singular(word: &str) -> String {
    let stem = |suffix: &str| word[..word.len() - suffix.len()].to_owned();
    if word.len() <= 3 || !word.is_ascii() {
        word.to_owned()
    } else if word.ends_with("ies") && word.len() > 4 {
        stem("ies") + "y"
    } else if ["sses", "shes", "ches", "xes", "zes"].iter().any(|s| word.ends_with(s)) {
        stem("es")
    } else if ["ss", "us", "is"].iter().any(|s| word.ends_with(s)) {
        word.to_owned()
    } else if word.ends_with('s') {
        stem("s")
    } else {
        word.to_owned()
    }
}

/// The plural of an English noun, by the regular rules.
pub fn plural(word: &str) -> String {
    let vowel = |c: char| "aeiou".contains(c);
    if ["s", "x", "z", "ch", "sh"].iter().any(|s| word.ends_with(s)) {
        format!("{word}es")
    } else if let Some(stem) = word.strip_suffix('y')
        && stem.chars().last().is_some_and(|c| !vowel(c))
    {
        format!("{stem}ies")
    } else {
        format!("{word}s")
    }
}

/// What identifies a vocabulary entry whatever its number and case: its words, the
/// last in the singular. `strata.toml`'s `add` and `remove` compare entries by it, so
/// that removing "benefit" removes "benefits".
pub fn entry_key(entry: &str) -> String {
    let words = Words::new(entry);
    let mut parts: Vec<String> = (0..words.len()).map(|i| words.text(i).to_owned()).collect();
    if let Some(last) = parts.last_mut() {
        *last = singular(last);
    }
    parts.join(" ")
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
        m.at(&Words::new(text), 0).map(|m| m.entry)
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
            .all(&Words::new("Staff work efficiently in a world-class, RELIABLY quiet store"))
            .into_iter()
            .map(|m| m.entry)
            .collect();
        assert_eq!(found, ["efficient", "world-class", "reliable"]);
        assert!(weasel.all(&Words::new("Customers come back for more")).is_empty());
        let direction = matcher(DIRECTION_VERBS, Forms::Inflected);
        assert_eq!(first(&direction, "Increased awareness of the brand").as_deref(), Some("increase"));
        assert_eq!(first(&direction, "Growing revenue").as_deref(), Some("grow"));
        assert_eq!(first(&direction, "Lowest prices"), None);
    }

    #[test]
    fn entries_match_their_singular_and_plural() {
        let weasel = matcher(WEASEL_WORDS, Forms::Inflected);
        let found = |text: &str| weasel.all(&Words::new(text)).into_iter().map(|m| m.entry).collect::<Vec<_>>();
        assert_eq!(found("One real benefit"), ["benefits"]);
        assert_eq!(found("Synergies and capabilities"), ["synergy", "capability"]);
        assert_eq!(found("Best in classes"), ["best in class"]);
        // A phrase over a line break, a tab or a no-break space is the same phrase.
        assert_eq!(found("best\n   in\tclass"), ["best in class"]);
        assert_eq!(found("best\u{a0}in class"), ["best in class"]);
        assert!(found("Quantity and qualms").is_empty());
        // An action verb's plural would be a noun.
        let action = matcher(ACTION_VERBS, Forms::BaseAndIng);
        assert_eq!(first(&action, "Trains run on time"), None);
        assert_eq!(first(&action, "Roll\n  out kiosks").as_deref(), Some("roll out"));
        let added = matcher(&["Implements"], Forms::BaseAndIng);
        assert_eq!(first(&added, "Implement a CRM").as_deref(), Some("Implements"));
    }

    #[test]
    fn singular_plural_and_keys() {
        let pairs = [("benefits", "benefit"), ("synergies", "synergy"), ("processes", "process"), ("boxes", "box")];
        for (plural_form, single) in pairs {
            assert_eq!(singular(plural_form), single);
            assert_eq!(plural(single), plural_form);
        }
        for same in ["process", "status", "analysis", "seamless", "agile", "gas"] {
            assert_eq!(singular(same), same);
        }
        assert_eq!(entry_key("Best in Classes"), "best in class");
        assert_eq!(entry_key("benefit"), entry_key("Benefits"));
    }

    #[test]
    fn words_keep_offsets() {
        let w = Words::new("Café's “best”-in class");
        let texts: Vec<&str> = (0..w.len()).map(|i| w.text(i)).collect();
        assert_eq!(texts, ["café's", "best", "in", "class"]);
        let ascii = Words::new("It's Tom's-SHOP, 42x");
        let texts: Vec<&str> = (0..ascii.len()).map(|i| ascii.text(i)).collect();
        assert_eq!(texts, ["it's", "tom's", "shop", "42x"]);
        assert_eq!((ascii[3].start, ascii[3].end), (17, 20));
        assert_eq!(&"Café's “best”-in class"[w[1].start..w[1].end], "best");
    }
}
