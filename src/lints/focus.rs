//! `multiple-focus`: does a result statement join two outcomes? A few rules over a small
//! English lexicon tell "Members renew early and refer their friends" (two outcomes) from
//! "Farmers and growers trust our advice" (one outcome, two kinds of people).
//!
//! PuMP asks for one focus per result, and a lint that fires on compound nouns gets
//! switched off, so every rule here is written for precision: when the words do not
//! settle it, the statement passes. "and", "&" and "as well as" join two outcomes when
//! they join
//! - two predicates after a verb: "Members renew early and refer their friends",
//!   "Attract and retain members", "Children are protected and have a voice";
//! - two clauses: "Sales grow and margins are stable";
//! - two qualities, after a linking verb ("Staff are trained and engaged", "Residents
//!   feel safe, happy and welcome") or heading a statement without one ("Safe and
//!   healthy communities").
//!
//! They do not when they join nouns: the people an outcome is for ("Farmers and
//! growers"), what it is about ("our infrastructure and facilities"), a compound noun
//! ("Sales and service teams", "Bed and breakfast owners"); nor a pair of adjectives that
//! picks out which things are meant ("unused and vacant buildings"), nor a doublet that
//! names one quality ("safe and secure"). `docs/lints.md` gives the precision and recall
//! measured on published statements (`tests/fixtures/corpus/`).

/// The joiner of the first two outcomes that `text` joins, as written in the lint's
/// message: `and`, `&` or `as well as`.
pub fn joined(text: &str) -> Option<&'static str> {
    // Most statements join nothing: skip the tokenizing for them.
    let may_join = |word: &str| text.as_bytes().windows(word.len()).any(|w| w.eq_ignore_ascii_case(word.as_bytes()));
    if !text.contains('&') && !may_join("and") && !may_join("well") {
        return None;
    }
    let tokens = tokenize(text);
    let mut i = 0;
    while i < tokens.len() {
        let (joiner, width) = match tokens[i].as_str() {
            "and" => ("and", 1),
            "&" => ("&", 1),
            "as" if tokens.get(i + 1).is_some_and(|t| t == "well") && tokens.get(i + 2).is_some_and(|t| t == "as") => {
                ("as well as", 3)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        if joins_two_outcomes(&tokens, i, i + width) {
            return Some(joiner);
        }
        i += width;
    }
    None
}

/// Whether the joiner at `tokens[at..after]` joins two outcomes.
fn joins_two_outcomes(tokens: &[String], at: usize, after: usize) -> bool {
    let before = &tokens[..at];
    // The conjunct on the left: the last word before the joiner (an Oxford comma skipped).
    let Some(left) = before.iter().rposition(|t| t != ",") else { return false };
    let left_word = before[left].as_str();
    // The conjunct on the right: the first word after the joiner that is not an adverb.
    let Some(right) = (after..tokens.len()).find(|&k| !is_adverb(&tokens[k])) else { return false };
    let right_word = tokens[right].as_str();
    let next = tokens.get(right + 1).map(String::as_str);

    two_qualities(tokens, at, left_word, right_word)
        || verb_pair(tokens, left_word, right)
        || (has_verb(before)
            && !subject_compound(tokens, at)
            && (two_predicates(tokens, left_word, right_word, next) || two_clauses(tokens, after)))
}

/// "are trained and engaged", "feel safe, happy and loved", "Safe and healthy
/// communities": two qualities asserted of one thing, either after a linking verb or at
/// the head of a statement that starts with them.
fn two_qualities(tokens: &[String], at: usize, left: &str, right: &str) -> bool {
    if !is_quality(left) || !is_quality(right) || is_doublet(left, right) {
        return false;
    }
    // Walk back from the joiner over the qualities, adverbs and commas of the run.
    let mut k = at;
    while k > 0 && (is_quality(&tokens[k - 1]) || is_adverb(&tokens[k - 1]) || tokens[k - 1] == ",") {
        k -= 1;
    }
    if let Some(word) = k.checked_sub(1).map(|i| tokens[i].as_str())
        && (is_linking(word) || (word == "up" && k >= 2 && is_form_of(&tokens[k - 2], "grow")))
    {
        return true;
    }
    // A statement may open with a determiner and words that only narrow it ("Our new,
    // safe and clean stations"); anywhere else the pair picks out which things are meant
    // ("clean up dilapidated and dangerous buildings"). And when a verb follows, the
    // qualities only describe the subject of the outcome ("Skilled and motivated staff
    // answer every call").
    let mut head = k;
    while head > 0 && (is_scope(&tokens[head - 1]) || tokens[head - 1] == ",") {
        head -= 1;
    }
    let opens = head == 0 || (head == 1 && DETERMINERS.contains(&tokens[0].as_str()));
    opens && !has_verb(&tokens[at..])
}

/// "renew early and refer their friends", "attract and retain", "are protected and have
/// a voice": the word after the joiner starts a second predicate.
fn two_predicates(tokens: &[String], left: &str, right: &str, next: Option<&str>) -> bool {
    if is_finite_auxiliary(right) {
        return true;
    }
    let Some(verb) = verb_form(right) else { return false };
    match verb.form {
        Form::Base | Form::Third => {
            // A word that is also a noun ("support", "care", "value") is a verb only when
            // an object follows it, or when it is the second of two verbs.
            !verb.ambiguous
                || next.is_some_and(|n| OBJECTS.contains(&n))
                || verb_form(left).is_some_and(|l| !l.ambiguous && matches!(l.form, Form::Base | Form::Third))
        }
        // "Promoting opportunities and reducing inequalities": -ing forms join only in a
        // statement that itself opens with one, where they cannot be nouns of a list.
        Form::Ing => tokens.first().and_then(|t| verb_form(t)).is_some_and(|v| v.form == Form::Ing),
        Form::Past => false,
    }
}

/// "Sales grow and margins are stable": after the joiner, a subject of a few words and
/// then a verb that can only be one.
fn two_clauses(tokens: &[String], after: usize) -> bool {
    let mut k = after;
    if tokens.get(k).is_some_and(|t| DETERMINERS.contains(&t.as_str()) || SUBJECT_PRONOUNS.contains(&t.as_str())) {
        k += 1;
    }
    let start = k;
    while k < tokens.len() && k - start < 5 {
        let word = tokens[k].as_str();
        let is_noun_like = word != ","
            && !is_finite_auxiliary(word)
            && !PREPOSITIONS.contains(&word)
            && !SUBJECT_PRONOUNS.contains(&word)
            && !OBJECTS.contains(&word)
            && verb_form(word).is_none_or(|v| v.ambiguous);
        if !is_noun_like {
            break;
        }
        k += 1;
    }
    if k == start && !tokens.get(after).is_some_and(|t| SUBJECT_PRONOUNS.contains(&t.as_str())) {
        return false;
    }
    let Some(word) = tokens.get(k) else { return false };
    is_finite_auxiliary(word)
        || verb_form(word).is_some_and(|v| !v.ambiguous && matches!(v.form, Form::Base | Form::Third))
}

/// Whether `words` hold a verb (so that a joiner after them is in the predicate, not in
/// the subject): an auxiliary, a verb that is only a verb, or a verb that is also a noun
/// where only a verb fits (first, as in "Support ...", or before an object).
fn has_verb(words: &[String]) -> bool {
    words.iter().enumerate().any(|(k, word)| {
        let object_follows = words.get(k + 1).is_some_and(|n| OBJECTS.contains(&n.as_str()));
        is_finite_auxiliary(word)
            || verb_form(word).is_some_and(|v| match v.form {
                Form::Base | Form::Third => !v.ambiguous || k == 0 || object_follows,
                // A gerund or a participle is a noun or an adjective ("Learning and
                // teaching", "Protected areas and parks") unless it opens the statement
                // with an object after it ("Promoting healthy eating and ...").
                Form::Ing => k == 0 && k + 1 < words.len(),
                Form::Past => false,
            })
    })
}

/// "Buy and sell prices are fair": when the only verb before the joiner opens the
/// statement and an auxiliary follows the joiner (not in a relative clause), what comes
/// before the joiner is part of the subject.
fn subject_compound(tokens: &[String], at: usize) -> bool {
    // Only a verb opening the statement can be read either way.
    if at == 0 || has_verb(&tokens[1..at]) {
        return false;
    }
    tokens[at..]
        .iter()
        .take_while(|t| !matches!(t.as_str(), "who" | "that" | "which" | "where" | "when"))
        .any(|t| is_finite_auxiliary(t))
}

/// "Customers trust and recommend us": two verbs joined, one that can only be a verb,
/// with an object after them (so not "Buy and sell prices").
fn verb_pair(tokens: &[String], left: &str, right: usize) -> bool {
    let finite = |word: &str| verb_form(word).filter(|v| matches!(v.form, Form::Base | Form::Third));
    let (Some(l), Some(r)) = (finite(left), finite(&tokens[right])) else { return false };
    (!l.ambiguous || !r.ambiguous)
        && tokens.get(right + 1).is_none_or(|n| OBJECTS.contains(&n.as_str()) || is_adverb(n))
}

/// Lowercase words and the punctuation that matters (`,` and `&`); other punctuation and
/// whitespace of any kind only separate words. Apostrophes and hyphens inside a word
/// keep it whole ("life's", "high-quality").
fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        let inner =
            matches!(ch, '\'' | '’' | '-') && !word.is_empty() && chars.peek().is_some_and(|c| c.is_alphanumeric());
        if ch.is_alphanumeric() || inner {
            // Most words are ASCII: lowercased without `ToLowercase`'s iterator.
            if ch.is_ascii() {
                word.push(ch.to_ascii_lowercase());
            } else {
                word.extend(ch.to_lowercase());
            }
            continue;
        }
        if !word.is_empty() {
            tokens.push(std::mem::take(&mut word));
        }
        if matches!(ch, ',' | '&') {
            tokens.push(ch.to_string());
        }
    }
    if !word.is_empty() {
        tokens.push(word);
    }
    tokens
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Form {
    Base,
    Third,
    Past,
    Ing,
}

#[derive(Clone, Copy, Debug)]
struct VerbForm {
    form: Form,
    /// Whether the verb is also a common noun ("support", "value", "care").
    ambiguous: bool,
}

/// The form of `word` if it is a form of a verb of the lexicon.
fn verb_form(word: &str) -> Option<VerbForm> {
    let find = |base: &str| lexicon().verbs.get(base).copied();
    if let Some(ambiguous) = find(word) {
        return Some(VerbForm { form: Form::Base, ambiguous });
    }
    for (form, bases) in
        [(Form::Third, third_bases(word)), (Form::Ing, ing_bases(word)), (Form::Past, past_bases(word))]
    {
        if let Some(ambiguous) = bases.iter().find_map(|b| find(b)) {
            return Some(VerbForm { form, ambiguous });
        }
    }
    IRREGULAR.iter().find(|(form, _)| *form == word).and_then(|(_, base)| {
        let form = if PAST_IRREGULAR.contains(&word) { Form::Past } else { Form::Third };
        find(base).map(|ambiguous| VerbForm { form, ambiguous })
    })
}

fn is_form_of(word: &str, base: &str) -> bool {
    word == base
        || third_bases(word).iter().chain(&ing_bases(word)).chain(&past_bases(word)).any(|b| b == base)
        || IRREGULAR.iter().any(|(form, b)| *form == word && *b == base)
}

fn third_bases(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(stem) = word.strip_suffix("ies") {
        out.push(format!("{stem}y"));
    }
    if let Some(stem) = word.strip_suffix("es") {
        out.push(stem.to_owned());
    }
    if let Some(stem) = word.strip_suffix('s') {
        out.push(stem.to_owned());
    }
    out
}

fn ing_bases(word: &str) -> Vec<String> {
    let Some(stem) = word.strip_suffix("ing") else { return Vec::new() };
    let mut out = vec![stem.to_owned(), format!("{stem}e")];
    out.extend(undoubled(stem));
    out
}

fn past_bases(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(stem) = word.strip_suffix("ied") {
        out.push(format!("{stem}y"));
    }
    if let Some(stem) = word.strip_suffix("ed") {
        out.push(stem.to_owned());
        out.extend(undoubled(stem));
    }
    if let Some(stem) = word.strip_suffix('d') {
        out.push(stem.to_owned());
    }
    out
}

/// A stem whose last letter was doubled before a suffix ("runn" of "running"), undoubled.
fn undoubled(stem: &str) -> Option<String> {
    let mut chars = stem.chars().rev();
    let last = chars.next()?;
    (chars.next() == Some(last)).then(|| stem[..stem.len() - last.len_utf8()].to_owned())
}

/// The big word lists as sets: every word of a statement is looked up a dozen times
/// (each base form it may have), and a scan of the lists took most of the wording
/// lints' time on 10,000 statements (issue 17).
struct Lexicon {
    /// Each verb, and whether it is also a common noun (`NOUN_VERBS`).
    verbs: rustc_hash::FxHashMap<&'static str, bool>,
    qualities: rustc_hash::FxHashSet<&'static str>,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: std::sync::OnceLock<Lexicon> = std::sync::OnceLock::new();
    LEXICON.get_or_init(|| {
        // A word in both lists is a plain verb, as the lists were read before.
        let mut verbs: rustc_hash::FxHashMap<&'static str, bool> = NOUN_VERBS.iter().map(|&w| (w, true)).collect();
        verbs.extend(VERBS.iter().map(|&w| (w, false)));
        Lexicon { verbs, qualities: QUALITIES.iter().copied().collect() }
    })
}

/// A quality a result can assert of something: a word of the lexicon, or a participle
/// ("trained", "protected", "community-focussed").
fn is_quality(word: &str) -> bool {
    lexicon().qualities.contains(word)
        || (word.len() > 4 && word.ends_with("ed") && !word.ends_with("eed") && !NOT_PARTICIPLES.contains(&word))
}

fn is_adverb(word: &str) -> bool {
    ADVERBS.contains(&word) || (word.len() > 4 && word.ends_with("ly") && !NOT_ADVERBS.contains(&word))
}

fn is_linking(word: &str) -> bool {
    LINKING.contains(&word)
}

fn is_finite_auxiliary(word: &str) -> bool {
    AUXILIARIES.contains(&word) || (LINKING.contains(&word) && !matches!(word, "be" | "been" | "being"))
}

fn is_scope(word: &str) -> bool {
    SCOPE.contains(&word) || is_quality(word) || is_adverb(word)
}

fn is_doublet(left: &str, right: &str) -> bool {
    DOUBLETS.iter().any(|(a, b)| (*a == left && *b == right) || (*a == right && *b == left))
}

/// Verbs that join qualities to their subject.
const LINKING: &[&str] = &[
    "is", "are", "am", "was", "were", "be", "been", "being", "feel", "feels", "felt", "remain", "remains", "stay",
    "stays", "become", "becomes", "seem", "seems", "look", "looks",
];

/// Words that can only be the finite verb of a clause.
const AUXILIARIES: &[&str] = &[
    "has", "have", "had", "can", "could", "will", "would", "shall", "should", "may", "might", "must", "do", "does",
    "did",
];

const DETERMINERS: &[&str] = &[
    "a", "an", "the", "our", "their", "its", "his", "her", "your", "my", "this", "that", "these", "those", "every",
    "each", "all", "both", "some", "any", "no",
];

const SUBJECT_PRONOUNS: &[&str] = &["we", "they", "i", "you", "he", "she", "everyone", "everybody", "nobody"];

/// Words that start the object of a verb: after a word that is also a noun, they make
/// it a verb ("value all those", "support each other").
const OBJECTS: &[&str] = &[
    "a", "an", "the", "our", "their", "its", "his", "her", "your", "my", "this", "these", "those", "every", "each",
    "all", "us", "them", "me", "him", "it", "others", "one", "more", "new",
];

const PREPOSITIONS: &[&str] = &[
    "to", "of", "in", "on", "at", "for", "with", "by", "from", "through", "into", "about", "across", "within",
    "without", "behind", "between", "under", "over", "after", "before", "as", "than", "like", "via", "per", "who",
    "which", "that", "where", "when", "so",
];

const ADVERBS: &[&str] = &[
    "well", "more", "most", "very", "also", "both", "then", "often", "always", "fast", "early", "together", "again",
    "too", "still", "not", "never", "first",
];

/// Words ending in -ly that are not adverbs.
const NOT_ADVERBS: &[&str] =
    &["family", "supply", "assembly", "reply", "apply", "rally", "ally", "italy", "july", "holy"];

/// Words ending in -ed that are not participles.
const NOT_PARTICIPLES: &[&str] = &["hundred", "kindred", "sacred", "naked", "wicked", "bled", "shred"];

/// Words that narrow what a statement is about without being a quality of it: "Young
/// and old residents" is one outcome for two groups.
const SCOPE: &[&str] = &[
    "new", "existing", "young", "old", "older", "younger", "local", "small", "large", "big", "rural", "urban",
    "public", "private", "current", "future", "many", "key", "main", "first", "all", "every", "other",
];

/// Pairs that name one quality: joining them is not two outcomes.
const DOUBLETS: &[(&str, &str)] = &[
    ("safe", "secure"),
    ("safe", "sound"),
    ("safe", "well"),
    ("fair", "equitable"),
    ("open", "transparent"),
    ("willing", "able"),
    ("ready", "willing"),
    ("ready", "able"),
];

/// Qualities a result asserts (participles are recognised by their ending).
const QUALITIES: &[&str] = &[
    "able",
    "accessible",
    "accountable",
    "accurate",
    "active",
    "affordable",
    "attractive",
    "aware",
    "better",
    "calm",
    "capable",
    "cheap",
    "cheaper",
    "clean",
    "cleaner",
    "collaborative",
    "competent",
    "competitive",
    "confident",
    "connected",
    "consistent",
    "convenient",
    "courteous",
    "creative",
    "current",
    "diverse",
    "easy",
    "easier",
    "effective",
    "efficient",
    "entrepreneurial",
    "equitable",
    "fair",
    "faster",
    "fit",
    "friendly",
    "green",
    "greener",
    "happy",
    "happier",
    "healthy",
    "healthier",
    "helpful",
    "honest",
    "inclusive",
    "independent",
    "innovative",
    "knowledgeable",
    "livable",
    "liveable",
    "loyal",
    "modern",
    "open",
    "passionate",
    "productive",
    "profitable",
    "prosperous",
    "proud",
    "punctual",
    "quick",
    "quicker",
    "quiet",
    "ready",
    "reliable",
    "resilient",
    "respectful",
    "responsive",
    "safe",
    "safer",
    "satisfied",
    "secure",
    "simple",
    "skilful",
    "skillful",
    "strong",
    "stronger",
    "sustainable",
    "thriving",
    "tidy",
    "timely",
    "transparent",
    "vibrant",
    "warm",
    "welcome",
    "welcoming",
    "well",
    "willing",
];

/// Verbs that are only verbs (in the forms a result statement uses).
const VERBS: &[&str] = &[
    "achieve",
    "adopt",
    "afford",
    "apply",
    "appreciate",
    "arrive",
    "assess",
    "attend",
    "attract",
    "avoid",
    "become",
    "believe",
    "belong",
    "bring",
    "buy",
    "choose",
    "come",
    "comply",
    "connect",
    "contribute",
    "create",
    "deliver",
    "decide",
    "depend",
    "develop",
    "earn",
    "embrace",
    "empower",
    "enable",
    "engage",
    "enhance",
    "enjoy",
    "ensure",
    "exceed",
    "evaluate",
    "expand",
    "explain",
    "find",
    "fulfil",
    "fulfill",
    "get",
    "give",
    "go",
    "grow",
    "hear",
    "identify",
    "improve",
    "include",
    "inform",
    "invest",
    "join",
    "keep",
    "know",
    "learn",
    "listen",
    "maintain",
    "make",
    "manage",
    "meet",
    "obtain",
    "participate",
    "perform",
    "prefer",
    "prepare",
    "prevent",
    "promote",
    "protect",
    "provide",
    "realise",
    "realize",
    "receive",
    "recognise",
    "recognize",
    "recommend",
    "recover",
    "reduce",
    "refer",
    "remember",
    "renew",
    "respond",
    "retain",
    "see",
    "seek",
    "sell",
    "serve",
    "speak",
    "succeed",
    "survive",
    "take",
    "teach",
    "tell",
    "thrive",
    "understand",
];

/// Verbs that are also common nouns.
const NOUN_VERBS: &[&str] = &[
    "access",
    "book",
    "build",
    "call",
    "care",
    "change",
    "cost",
    "cycle",
    "drink",
    "experience",
    "foster",
    "gain",
    "help",
    "hire",
    "increase",
    "influence",
    "lead",
    "leave",
    "live",
    "love",
    "need",
    "order",
    "partner",
    "pay",
    "play",
    "reach",
    "report",
    "respect",
    "return",
    "reuse",
    "reward",
    "share",
    "shop",
    "show",
    "spend",
    "support",
    "talk",
    "travel",
    "trust",
    "use",
    "value",
    "visit",
    "volunteer",
    "vote",
    "walk",
    "want",
    "win",
    "work",
];

/// Irregular forms and their bases.
const IRREGULAR: &[(&str, &str)] = &[
    ("does", "do"),
    ("goes", "go"),
    ("has", "have"),
    ("made", "make"),
    ("gave", "give"),
    ("given", "give"),
    ("got", "get"),
    ("grew", "grow"),
    ("grown", "grow"),
    ("knew", "know"),
    ("known", "know"),
    ("took", "take"),
    ("taken", "take"),
    ("kept", "keep"),
    ("found", "find"),
    ("came", "come"),
    ("chose", "choose"),
    ("chosen", "choose"),
    ("brought", "bring"),
    ("bought", "buy"),
    ("built", "build"),
    ("paid", "pay"),
    ("won", "win"),
    ("understood", "understand"),
];

const PAST_IRREGULAR: &[&str] = &[
    "made",
    "gave",
    "given",
    "got",
    "grew",
    "grown",
    "knew",
    "known",
    "took",
    "taken",
    "kept",
    "found",
    "came",
    "chose",
    "chosen",
    "brought",
    "bought",
    "built",
    "paid",
    "won",
    "understood",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_on_two_outcomes() {
        for text in [
            "Members renew early and refer their friends",
            "Staff are trained and engaged",
            "Stores are clean & calm",
            "Customers are loyal as well as proud of us",
            "Attract and retain members",
            "Children are protected and have a voice",
            "Sales grow and margins are stable",
            "Safe and healthy communities",
            "Residents feel safe, happy, and welcome",
            "People value, enjoy, protect and enhance their environment",
            "Promoting healthy eating and reducing smoking",
            "Program design improves and evaluations are more useful",
            "Residents and visitors feel welcome and come back",
            "Customers trust and recommend us",
            "Graduates find jobs and stay in the region",
            "Visitors enjoy the festival and local businesses thrive",
            "People can find and use open data",
            "Visitors stay longer and spend more",
            "Our people are skilled, and valued for it",
        ] {
            assert!(joined(text).is_some(), "{text}");
        }
        assert_eq!(joined("Customers are loyal as well as proud of us"), Some("as well as"));
        assert_eq!(joined("Stores are clean & calm"), Some("&"));
    }

    #[test]
    fn passes_compound_nouns_names_and_scopes() {
        for text in [
            "Farmers and growers trust our advice",
            "Sales and service teams share one customer record",
            "Bed and breakfast owners list with us",
            "Residents feel safe and secure at night",
            "Young and old residents use the library",
            "Staff have the skills and support they need",
            "We have the information and tools we need to do our job",
            "Participants use logic models in program planning and evaluation",
            "Increase our efforts to clean up dilapidated and dangerous buildings",
            "Customers shop at Marks and Spencer",
            "Residents have access to parks and libraries",
            "Children and young people get the best possible start in life",
            "The basic needs of children and youth are met",
            "Customers come back for more",
            "Customers get advice and help",
            "Pupils make progress and gains in reading",
            "Services meet their needs and wants",
            "Staff get the conditions and pay they deserve",
            "We increase recycling and reuse",
            "Learning and teaching are strong",
            "Protected areas and parks expand",
            "Buy and sell prices are fair",
            "Care and support workers feel valued",
            "Customers buy coffee and cake every morning",
            "Patients get the right care and support at home",
            "Our health and safety record is clean",
            "Research and development spending grows",
            "We have staff and volunteers who care",
            "Our clients get advice and information they can trust",
            "Residents can access libraries and community centres near home",
            "Skilled and motivated staff deliver our services",
            "Children are safe and well",
            "Customers receive accurate and timely bills",
            "New and existing customers come back",
            "Small and medium businesses grow",
            "Customers can order and pay online",
            "Residents are proud of where they live and want to stay",
            "",
            "and",
            "Staff are &",
        ] {
            assert_eq!(joined(text), None, "{text}");
        }
    }

    #[test]
    fn whitespace_of_any_kind_separates_words() {
        assert!(joined("Staff are trained\nand\u{a0}engaged").is_some());
        assert!(joined("Staff\tare trained and engaged").is_some());
    }

    #[test]
    fn any_text_is_read_without_a_panic() {
        for text in ["𐀀𐀀ing and 𐀀𐀀ed", "ßß and ßßing", "and and and", "& & ,", ", and ,", "as well as", "Ǆǆ AND éé"]
        {
            let _ = joined(text);
        }
        assert_eq!(undoubled("runn").as_deref(), Some("run"));
        assert_eq!(undoubled("𐀀𐀀").as_deref(), Some("𐀀"));
        assert_eq!(undoubled("ab"), None);
    }

    #[test]
    fn forms_of_the_lexicon() {
        assert_eq!(verb_form("refers").map(|v| v.form), Some(Form::Third));
        assert_eq!(verb_form("reducing").map(|v| v.form), Some(Form::Ing));
        assert_eq!(verb_form("promoting").map(|v| v.form), Some(Form::Ing));
        assert_eq!(verb_form("protected").map(|v| v.form), Some(Form::Past));
        assert!(verb_form("supports").is_some_and(|v| v.ambiguous));
        assert!(verb_form("farmers").is_none());
        assert!(is_form_of("grows", "grow"));
    }
}
