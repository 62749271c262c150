//! Redaction for peer review (004, exercise 2): before a story goes to a peer, confidential
//! details are replaced by placeholders.
//!
//! What is redacted: the names the user lists (config `[share] names`, `companies`); words that
//! look like people's or companies' names (capitalised word sequences that are not at the start
//! of a sentence and are not common capitalised words: weekdays, months, story headings, job
//! titles, tech terms; a sequence ending in `Corp`, `Inc`, `Ltd`... is a company); e-mail
//! addresses; URLs and bare domain names; and, when asked, numbers and amounts.
//!
//! Placeholders are deterministic and consistent within a document: the first person is
//! `[Person A]` everywhere, the second `[Person B]`; likewise `[Company A]`, `[Team A]`, and
//! `[Name A]` for a listed name that is not a person's ("billing migration");
//! `[email]`, `[url]`, `[amount]`. A first name alone is the same person as the full name seen
//! elsewhere ("Priya Sharma" ... "Priya" are both `[Person A]`), and a name found once is redacted
//! everywhere, at a sentence start or in the title too.
//!
//! Redaction works on spans: each [`Redaction`] says which bytes of the original it replaces,
//! and nothing outside those spans is altered. The word lists are data (`data/redact.toml`).
//!
//! ```
//! use starl_coach::redact::{RedactOptions, Redactor};
//! let r = Redactor::new(RedactOptions { names: vec!["Dana".into()], ..Default::default() });
//! let out = r.redact("On Friday I told Priya Sharma at Acme Corp (priya@acme.com). Dana agreed.");
//! assert_eq!(out.text, "On Friday I told [Person A] at [Company A] ([email]). [Person B] agreed.");
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::data::{builtin, parse_toml};
use crate::DataError;

const DATA_FILE: &str = "data/redact.toml";
const DATA_TEXT: &str = include_str!("../data/redact.toml");

/// The e-mail addresses redaction removes (public so tests can check the result has none).
pub const EMAIL_PATTERN: &str =
    r"(?i)[a-z0-9._%+\-]+@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,}";
/// The URLs with a scheme or `www.` redaction removes.
pub const URL_PATTERN: &str = r#"(?i)\b(?:(?:https?|ftp)://|www\.)[^\s<>"'`]+"#;

/// The word lists of `data/redact.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedactData {
    pub company_suffixes: Vec<String>,
    pub company_cues: Vec<String>,
    pub sentence_openers: Vec<String>,
    pub allow: Vec<String>,
    pub tlds: Vec<String>,
    #[serde(default = "default_team_words")]
    pub team_words: Vec<String>,
}

fn default_team_words() -> Vec<String> {
    ["team", "squad", "department", "guild", "tribe", "org"].map(String::from).to_vec()
}

impl RedactData {
    pub fn builtin() -> &'static RedactData {
        static CELL: OnceLock<RedactData> = OnceLock::new();
        builtin(&CELL, DATA_FILE, DATA_TEXT)
    }

    pub fn parse(file: &str, text: &str) -> Result<RedactData, DataError> {
        parse_toml(file, text)
    }
}

/// What to redact besides what always is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedactOptions {
    /// Names to redact wherever they occur (case-insensitive, whole words): people, projects,
    /// anything confidential. A name ending in a company suffix is a company.
    #[serde(default)]
    pub names: Vec<String>,
    /// Company and client names to redact as `[Company X]`.
    #[serde(default)]
    pub companies: Vec<String>,
    /// Also redact numbers and amounts (`$2,000`, `15%`, `500,000`) as `[amount]`.
    #[serde(default)]
    pub numbers: bool,
}

/// What kind of detail a redaction hides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Person,
    /// A name from the user's list that does not look like a person's ("billing migration").
    Name,
    Company,
    Team,
    Email,
    Url,
    Amount,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Person => "Person",
            Kind::Name => "Name",
            Kind::Company => "Company",
            Kind::Team => "Team",
            Kind::Email => "email",
            Kind::Url => "url",
            Kind::Amount => "amount",
        }
    }

    /// Whether placeholders of this kind are lettered per distinct value (`[Person A]`).
    fn lettered(self) -> bool {
        matches!(self, Kind::Person | Kind::Name | Kind::Company | Kind::Team)
    }
}

/// One replaced span of the original text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redaction {
    /// Byte offsets into the original, end exclusive.
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    pub placeholder: String,
    /// The text replaced (for the author's eyes only: it is not in the redacted text).
    pub original: String,
}

/// A redacted text and what was replaced, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redacted {
    pub text: String,
    pub redactions: Vec<Redaction>,
}

/// One placeholder of a document and what it stood for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegendEntry {
    pub placeholder: String,
    pub kind: Kind,
    /// The distinct originals it replaced (a full name and its first name, say).
    pub originals: Vec<String>,
    pub count: usize,
}

/// A redacted document: its parts (a title, a body...) redacted with one set of placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RedactedDocument {
    pub parts: Vec<Redacted>,
    pub legend: Vec<LegendEntry>,
}

/// Redacts documents with one set of options. Build once (it compiles its patterns), use often.
#[derive(Debug, Clone)]
pub struct Redactor {
    options: RedactOptions,
    email: Regex,
    url: Regex,
    domain: Regex,
    number: Regex,
    word: Regex,
    user: Option<Regex>,
    allow: HashSet<String>,
    openers: HashSet<String>,
    suffixes: HashSet<String>,
    cues: Vec<Vec<String>>,
    team_words: HashSet<String>,
}

#[derive(Debug, Clone)]
struct Candidate {
    part: usize,
    start: usize,
    end: usize,
    kind: Kind,
    /// Lower priority number wins an overlap.
    priority: u8,
}

fn lower(s: &str) -> String {
    s.to_lowercase().replace('’', "'")
}

impl Redactor {
    pub fn new(options: RedactOptions) -> Redactor {
        let d = RedactData::builtin();
        let tlds: Vec<String> = d.tlds.iter().map(|t| regex::escape(t)).collect();
        let domain =
            format!(r#"(?i)\b(?:[a-z0-9](?:[a-z0-9\-]{{0,61}}[a-z0-9])?\.)+(?:{})\b(?:/[^\s<>"'`]*)?"#, tlds.join("|"));
        let mut user: Vec<&String> =
            options.names.iter().chain(&options.companies).filter(|n| !n.trim().is_empty()).collect();
        user.sort_by_key(|n| std::cmp::Reverse(n.len()));
        let user = (!user.is_empty()).then(|| {
            let alts: Vec<String> = user.iter().map(|n| regex::escape(n.trim())).collect();
            Regex::new(&format!(r"(?i)\b(?:{})\b", alts.join("|"))).expect("escaped names compile")
        });
        Redactor {
            email: Regex::new(EMAIL_PATTERN).expect("pattern compiles"),
            url: Regex::new(URL_PATTERN).expect("pattern compiles"),
            domain: Regex::new(&domain).expect("pattern compiles"),
            number: Regex::new(r"(?:[$€£¥]\s?)?\d(?:[\d,.]*\d)?(?:\s?%|\s?(?:k|K|m|M|bn|million|billion|thousand)\b)?")
                .expect("pattern compiles"),
            word: Regex::new(r"\p{Lu}[\p{L}\p{M}'’\-]*").expect("pattern compiles"),
            user,
            allow: d.allow.iter().map(|w| lower(w)).collect(),
            openers: d.sentence_openers.iter().map(|w| lower(w)).collect(),
            suffixes: d.company_suffixes.iter().map(|w| lower(w)).collect(),
            cues: d.company_cues.iter().map(|c| c.split_whitespace().map(lower).collect()).collect(),
            team_words: d.team_words.iter().map(|w| lower(w)).collect(),
            options,
        }
    }

    /// Redact one text (name-like words detected in it).
    pub fn redact(&self, text: &str) -> Redacted {
        self.redact_document(&[(text, true)]).parts.remove(0)
    }

    /// Redact the parts of one document with one set of placeholders, in order. `detect` says
    /// whether name-like words are looked for in that part (a body) or only names known from
    /// the other parts and the user's list (a title in Title Case).
    pub fn redact_document(&self, parts: &[(&str, bool)]) -> RedactedDocument {
        let mut cands: Vec<Candidate> = Vec::new();
        for (i, &(text, detect)) in parts.iter().enumerate() {
            self.patterns(i, text, &mut cands);
            if detect {
                self.names_like(i, text, &mut cands);
            }
        }
        // Names found anywhere are redacted everywhere (at a sentence start, in the title).
        let mut known: Vec<(String, Kind)> = Vec::new();
        // A capitalised part of a person's name (its first or last name) counts too.
        let name_part =
            |w: &&str| w.starts_with(char::is_uppercase) && w.chars().count() >= 3 && !self.allow.contains(&lower(w));
        for c in cands.iter().filter(|c| c.kind.lettered()) {
            let s = &parts[c.part].0[c.start..c.end];
            known.push((s.to_owned(), c.kind));
            if c.kind == Kind::Person {
                known.extend(s.split_whitespace().filter(name_part).map(|w| (w.to_owned(), Kind::Person)));
            }
        }
        for n in &self.options.names {
            known.extend(n.split_whitespace().filter(name_part).map(|w| (w.to_owned(), Kind::Person)));
        }
        known.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        known.dedup_by(|a, b| a.0 == b.0);
        if !known.is_empty() {
            let alts: Vec<String> = known.iter().map(|(n, _)| regex::escape(n)).collect();
            let re = Regex::new(&format!(r"\b(?:{})\b", alts.join("|"))).expect("escaped names compile");
            let kind_of: HashMap<&str, Kind> = known.iter().map(|(n, k)| (n.as_str(), *k)).collect();
            for (i, &(text, _)) in parts.iter().enumerate() {
                for m in re.find_iter(text) {
                    let kind = kind_of.get(m.as_str()).copied().unwrap_or(Kind::Person);
                    cands.push(Candidate { part: i, start: m.start(), end: m.end(), kind, priority: 3 });
                }
            }
        }
        // Overlapping addresses become one: `http://a@b.io` is one URL, not `http://` and an
        // e-mail address (which would leave `http://[email]`, a URL again).
        merge_addresses(&mut cands);
        // Keep the best non-overlapping candidates.
        cands.sort_by_key(|c| (c.priority, c.part, c.start, std::cmp::Reverse(c.end)));
        let mut kept: Vec<Vec<Candidate>> = vec![Vec::new(); parts.len()];
        for c in cands {
            let list = &mut kept[c.part];
            if list.iter().all(|k| c.end <= k.start || c.start >= k.end) {
                list.push(c);
            }
        }
        // A first or last name alone is the person whose full name contains it.
        let mut ids = Identities::default();
        for c in kept.iter().flatten().filter(|c| c.kind == Kind::Person) {
            let original = &parts[c.part].0[c.start..c.end];
            if original.split_whitespace().count() > 1 {
                for w in
                    original.split_whitespace().filter(|w| w.chars().count() >= 3 && !self.allow.contains(&lower(w)))
                {
                    ids.whole.entry(lower(w)).or_insert_with(|| lower(original));
                }
            }
        }
        // Placeholders, in document order.
        let mut out_parts = Vec::with_capacity(parts.len());
        for (i, &(text, _)) in parts.iter().enumerate() {
            let mut list = std::mem::take(&mut kept[i]);
            list.sort_by_key(|c| c.start);
            let mut out = String::with_capacity(text.len());
            let mut redactions = Vec::with_capacity(list.len());
            let mut at = 0;
            for c in list {
                let original = &text[c.start..c.end];
                let placeholder = ids.placeholder(c.kind, original);
                out.push_str(&text[at..c.start]);
                out.push_str(&placeholder);
                at = c.end;
                redactions.push(Redaction {
                    start: c.start,
                    end: c.end,
                    kind: c.kind,
                    placeholder,
                    original: original.to_owned(),
                });
            }
            out.push_str(&text[at..]);
            out_parts.push(Redacted { text: out, redactions });
        }
        let mut legend: BTreeMap<(Kind, usize, String), LegendEntry> = BTreeMap::new();
        for r in out_parts.iter().flat_map(|p| &p.redactions) {
            let order = ids.order.get(&r.placeholder).copied().unwrap_or(0);
            let e = legend.entry((r.kind, order, r.placeholder.clone())).or_insert_with(|| LegendEntry {
                placeholder: r.placeholder.clone(),
                kind: r.kind,
                originals: Vec::new(),
                count: 0,
            });
            e.count += 1;
            if !e.originals.contains(&r.original) {
                e.originals.push(r.original.clone());
            }
        }
        RedactedDocument { parts: out_parts, legend: legend.into_values().collect() }
    }

    /// E-mail addresses, URLs, the user's names, numbers.
    fn patterns(&self, part: usize, text: &str, out: &mut Vec<Candidate>) {
        let mut push = |start, end, kind, priority| out.push(Candidate { part, start, end, kind, priority });
        for m in self.email.find_iter(text) {
            push(m.start(), m.end(), Kind::Email, 0);
        }
        for m in self.url.find_iter(text).chain(self.domain.find_iter(text)) {
            let trimmed = m.as_str().trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '}', '\'', '"', '>']);
            let end = m.start() + trimmed.len().max(1);
            push(m.start(), end.max(m.start() + 1).min(m.end()), Kind::Url, 1);
        }
        if let Some(user) = &self.user {
            for m in user.find_iter(text) {
                let s = lower(m.as_str());
                let company = self.options.companies.iter().any(|c| lower(c.trim()) == s)
                    || s.split_whitespace().last().is_some_and(|w| self.suffixes.contains(w.trim_end_matches('.')));
                // As the user spelled it: "Priya Sharma" is a person, "billing migration" a name.
                let spelled = self.options.names.iter().find(|n| lower(n.trim()) == s);
                let person = spelled.is_some_and(|n| n.split_whitespace().all(|w| w.starts_with(char::is_uppercase)));
                let kind = if company {
                    Kind::Company
                } else if person {
                    Kind::Person
                } else {
                    Kind::Name
                };
                push(m.start(), m.end(), kind, 2);
            }
        }
        if self.options.numbers {
            for m in self.number.find_iter(text) {
                let (mut start, end) = (m.start(), m.end());
                // Not inside a word or an identifier: p99, Q3, v2, S3.
                if text[..start].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                while text[start..end].starts_with(char::is_whitespace) {
                    start += text[start..].chars().next().map_or(1, char::len_utf8);
                }
                if start < end {
                    push(start, end, Kind::Amount, 5);
                }
            }
        }
    }

    /// Capitalised word sequences that look like names.
    fn names_like(&self, part: usize, text: &str, out: &mut Vec<Candidate>) {
        // Capitalised words (with a lower-case letter: not an acronym), possessive 's cut off.
        let mut words: Vec<(usize, usize)> = Vec::new();
        for m in self.word.find_iter(text) {
            let mut w = m.as_str();
            for suffix in ["'s", "’s", "'", "’", "-"] {
                if let Some(x) = w.strip_suffix(suffix) {
                    w = x;
                }
            }
            if w.is_empty() || !w.chars().any(char::is_lowercase) {
                continue;
            }
            // Part of a longer word ("McDonald" is fine; "iOS", "eBay" start lower-case: skipped).
            if text[..m.start()].chars().next_back().is_some_and(|c| c.is_alphanumeric()) {
                continue;
            }
            if self.allow.contains(&lower(w)) {
                continue;
            }
            words.push((m.start(), m.start() + w.len()));
        }
        // Group words separated by one space into sequences.
        let mut i = 0;
        while i < words.len() {
            let mut j = i + 1;
            while j < words.len() && &text[words[j - 1].1..words[j].0] == " " {
                j += 1;
            }
            let mut seq = &words[i..j];
            i = j;
            if self.at_sentence_start(text, seq[0].0) {
                let first = lower(&text[seq[0].0..seq[0].1]);
                if seq.len() == 1 {
                    continue; // a lone capitalised word opening a sentence: not enough to tell
                }
                if self.openers.contains(&first) {
                    seq = &seq[1..];
                }
            }
            let (start, end) = (seq[0].0, seq[seq.len() - 1].1);
            let last = lower(&text[seq[seq.len() - 1].0..end]);
            let kind = if self.suffixes.contains(&last) {
                if seq.len() == 1 {
                    continue; // "Labs" alone is not a company
                }
                Kind::Company
            } else if self.preceded_by_cue(text, start) {
                Kind::Company
            } else if self.followed_by_team(text, end) {
                Kind::Team
            } else {
                Kind::Person
            };
            out.push(Candidate { part, start, end, kind, priority: 4 });
        }
    }

    /// Whether the word at `at` opens a sentence: the start of the text, a paragraph, a heading
    /// or a list item, or after `.`, `!`, `?` or `:` (markup and quotes skipped).
    fn at_sentence_start(&self, text: &str, at: usize) -> bool {
        let before = &text[..at];
        let mut newlines = 0;
        for (i, c) in before.char_indices().rev() {
            match c {
                '\n' => {
                    newlines += 1;
                    if newlines >= 2 {
                        return true;
                    }
                    // A new line after a heading or a list item starts a sentence; so does a
                    // line that is itself a heading or list item (checked below via its start).
                    let line_start = before[..i].rfind('\n').map_or(0, |p| p + 1);
                    let prev = before[line_start..i].trim_start();
                    if prev.starts_with('#') || prev.is_empty() {
                        return true;
                    }
                }
                ' ' | '\t' | '\r' | '*' | '_' | '#' | '>' | '"' | '\'' | '“' | '‘' | '(' | '[' | '`' | '|' => {}
                '-' | '+' if newlines == 0 && line_is_item(before, i) => return true,
                '.' | '!' | '?' | ':' | '…' => return true,
                _ => return false,
            }
        }
        true
    }

    fn preceded_by_cue(&self, text: &str, start: usize) -> bool {
        let before: Vec<String> = text[..start]
            .split_whitespace()
            .rev()
            .take(3)
            .map(|w| lower(w.trim_matches(|c: char| !c.is_alphanumeric())))
            .collect();
        self.cues.iter().any(|cue| cue.len() <= before.len() && cue.iter().rev().zip(&before).all(|(a, b)| a == b))
    }

    fn followed_by_team(&self, text: &str, end: usize) -> bool {
        text[end..]
            .split_whitespace()
            .next()
            .is_some_and(|w| self.team_words.contains(&lower(w.trim_matches(|c: char| !c.is_alphanumeric()))))
    }
}

/// Merge overlapping e-mail and URL candidates of a part into one URL candidate spanning both.
fn merge_addresses(cands: &mut Vec<Candidate>) {
    let (mut addresses, others): (Vec<Candidate>, Vec<Candidate>) =
        cands.drain(..).partition(|c| matches!(c.kind, Kind::Email | Kind::Url));
    addresses.sort_by_key(|c| (c.part, c.start, std::cmp::Reverse(c.end)));
    let mut merged: Vec<Candidate> = Vec::with_capacity(addresses.len());
    for c in addresses {
        match merged.last_mut() {
            // Inside the one before: an e-mail's domain, an address in a URL's query.
            Some(m) if m.part == c.part && c.start < m.end && c.end <= m.end => {}
            // Overlapping it: one URL over both.
            Some(m) if m.part == c.part && c.start < m.end => {
                m.end = c.end;
                m.kind = Kind::Url;
                m.priority = 0;
            }
            _ => merged.push(c),
        }
    }
    cands.extend(merged);
    cands.extend(others);
}

/// Whether the line holding byte `i` starts with a list marker right before `i`.
fn line_is_item(before: &str, i: usize) -> bool {
    let line_start = before[..i].rfind('\n').map_or(0, |p| p + 1);
    before[line_start..i].trim().is_empty()
}

/// Placeholders handed out in order of first appearance.
#[derive(Default)]
struct Identities {
    by_key: HashMap<(Kind, String), String>,
    /// A person's name part (lower case) -> the full name (lower case) it belongs to.
    whole: HashMap<String, String>,
    next: HashMap<Kind, usize>,
    order: HashMap<String, usize>,
}

impl Identities {
    fn placeholder(&mut self, kind: Kind, original: &str) -> String {
        if !kind.lettered() {
            return format!("[{}]", kind.label());
        }
        let mut name = lower(original);
        if kind == Kind::Person {
            if let Some(full) = self.whole.get(&name) {
                name = full.clone();
            }
        }
        let key = (kind, name);
        if let Some(p) = self.by_key.get(&key) {
            return p.clone();
        }
        let n = self.next.entry(kind).or_insert(0);
        let p = format!("[{} {}]", kind.label(), letters(*n));
        *n += 1;
        let order = self.order.len();
        self.order.insert(p.clone(), order);
        self.by_key.insert(key, p.clone());
        p
    }
}

/// 0 -> A, 25 -> Z, 26 -> AA, like spreadsheet columns.
fn letters(mut n: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn r(text: &str) -> String {
        Redactor::new(RedactOptions::default()).redact(text).text
    }

    #[test]
    fn letters_go_on_past_z() {
        assert_eq!(
            [letters(0), letters(25), letters(26), letters(27), letters(701), letters(702)],
            ["A", "Z", "AA", "AB", "ZZ", "AAA"]
        );
    }

    #[test]
    fn people_companies_teams() {
        assert_eq!(
            r("Last Tuesday I told Priya Sharma. Priya was calm, and Priya's manager too."),
            "Last Tuesday I told [Person A]. [Person A] was calm, and [Person A]'s manager too."
        );
        assert_eq!(
            r("I joined Globex in March and worked with Acme Corp."),
            "I joined [Company A] in March and worked with [Company B]."
        );
        assert_eq!(r("The Payments team asked for Kubernetes logs."), "The [Team A] team asked for Kubernetes logs.");
        assert_eq!(r("Priya Sharma approved it."), "[Person A] approved it.");
        // A lone capitalised word at a sentence start is left alone; headings and tech terms too.
        assert_eq!(
            r("## Situation\nMigrations ran on Postgres in AWS on Friday.\n"),
            "## Situation\nMigrations ran on Postgres in AWS on Friday.\n"
        );
        assert_eq!(r("**Task:** Rollback the API."), "**Task:** Rollback the API.");
        // A wrapped line does not start a sentence.
        assert_eq!(r("I paired with\nJonas on it."), "I paired with\n[Person A] on it.");
    }

    #[test]
    fn emails_urls_numbers() {
        let red = Redactor::new(RedactOptions { numbers: true, ..Default::default() });
        assert_eq!(red.redact("See http://a@b.io now").text, "See [url] now");
        let out = red.redact("Mail ops@acme.io or see https://status.acme.io/incidents/42, acme.com and www.acme.dev. We lost $2,000 and 15% of 500,000 users in Q3 on p99.");
        assert_eq!(
            out.text,
            "Mail [email] or see [url], [url] and [url]. We lost [amount] and [amount] of [amount] users in Q3 on p99."
        );
        assert!(out.redactions.iter().all(|x| !x.original.is_empty()));
        let plain = r("We lost $2,000.");
        assert_eq!(plain, "We lost $2,000.");
    }

    #[test]
    fn user_names_and_title_consistency() {
        let red = Redactor::new(RedactOptions {
            names: vec!["Project Falcon".into(), "initech ltd".into()],
            companies: vec!["Hooli".into()],
            numbers: false,
        });
        let doc = red.redact_document(&[
            ("Falcon Rollout With Priya", false),
            ("project falcon was late. I told Priya Sharma and Hooli; Initech Ltd heard too. Priya agreed.", true),
        ]);
        assert_eq!(
            doc.parts[1].text,
            "[Person A] was late. I told [Person B] and [Company A]; [Company B] heard too. [Person B] agreed."
        );
        // The title gets known names only: "Falcon" is part of a listed name, "Priya" was found in the body.
        assert_eq!(doc.parts[0].text, "[Person A] Rollout With [Person B]");
        let priya = doc.legend.iter().find(|l| l.placeholder == "[Person B]").unwrap();
        assert_eq!(priya.originals, ["Priya", "Priya Sharma"]);
        assert_eq!(priya.count, 3);
    }

    #[test]
    fn lower_case_names_redact_only_whole() {
        let red = Redactor::new(RedactOptions { names: vec!["billing migration".into()], ..Default::default() });
        assert_eq!(
            red.redact("The billing migration slipped; the migration plan was mine.").text,
            "The [Name A] slipped; the migration plan was mine."
        );
    }

    #[test]
    fn spans_are_exact() {
        let text = "Ask Dana Scully (dana@fbi.gov) about www.x-files.org today.";
        let out = Redactor::new(RedactOptions::default()).redact(text);
        for x in &out.redactions {
            assert_eq!(&text[x.start..x.end], x.original);
        }
        assert_eq!(out.text, "Ask [Person A] ([email]) about [url] today.");
    }

    #[test]
    fn data_parses_strictly() {
        assert!(RedactData::builtin().allow.len() > 50);
        assert!(RedactData::parse("r.toml", "company_suffixes = []\nnope = 1\n").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn never_panics_and_never_leaves_an_email_or_url(text in "\\PC{0,200}", numbers: bool) {
            let red = Redactor::new(RedactOptions { names: vec!["Zed".into()], numbers, ..Default::default() });
            let out = red.redact(&text);
            let email = Regex::new(EMAIL_PATTERN).unwrap();
            let url = Regex::new(URL_PATTERN).unwrap();
            prop_assert!(!email.is_match(&out.text), "{:?} -> {:?}", text, out.text);
            prop_assert!(!url.is_match(&out.text), "{:?} -> {:?}", text, out.text);
        }

        #[test]
        fn story_shaped_text(
            words in prop::collection::vec(prop_oneof![
                Just("I".to_owned()), Just("told".to_owned()), Just("Priya".to_owned()), Just("at".to_owned()),
                Just("Acme".to_owned()), Just("Corp.".to_owned()), Just("a.b@c.io".to_owned()), Just("https://x.io/a?b=1".to_owned()),
                Just("www.y.com.".to_owned()), Just("$2,000".to_owned()), Just("\n\n".to_owned()), Just("é@ü.de".to_owned()),
                Just("x.com@".to_owned()), Just("@".to_owned()), Just("http://".to_owned()), Just("www.".to_owned()), Just("[".to_owned()), "[a-z@.:/]{1,8}",
            ], 0..40),
            numbers: bool,
        ) {
            let text = words.join(" ");
            let out = Redactor::new(RedactOptions { numbers, ..Default::default() }).redact(&text);
            prop_assert!(!Regex::new(EMAIL_PATTERN).unwrap().is_match(&out.text), "{:?} -> {:?}", text, out.text);
            prop_assert!(!Regex::new(URL_PATTERN).unwrap().is_match(&out.text), "{:?} -> {:?}", text, out.text);
            // Outside the spans, nothing changed.
            let mut rebuilt = String::new();
            let mut at = 0;
            for x in &out.redactions {
                rebuilt.push_str(&text[at..x.start]);
                rebuilt.push_str(&x.placeholder);
                at = x.end;
            }
            rebuilt.push_str(&text[at..]);
            prop_assert_eq!(rebuilt, out.text);
        }
    }
}
