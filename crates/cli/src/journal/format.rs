//! The Markdown forms of entries, stories and practice attempts: front matter (a small, strict subset of YAML whose
//! values are JSON scalars and arrays or bare words) and `## Heading` sections. One form serves
//! the editor template, `--from-file`, `starl show`, and the Markdown export and import, so a
//! round trip is exact.

use std::fmt::Write as _;

use jiff::civil::Date;
use jiff::Timestamp;
use starl_store::{Category, Entry, Feedback, FollowUp, FollowUpStatus, PracticeAttempt, Story};

/// A problem in a Markdown file, at a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

fn err<T>(line: usize, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError { line, message: message.into() })
}

/// The sections of an entry: field, heading, and the guidance the template shows.
pub const SECTIONS: &[(&str, &str, &str)] = &[
    (
        "what_happened",
        "What happened",
        "The facts, in order: what went wrong, when, who noticed. Plain words, no drama.",
    ),
    ("impact", "Impact", "What it cost, with numbers: users, minutes, money, trust. Don't minimise it."),
    ("my_part", "My part", "Your own decisions and actions that led to it: \"I\", not \"we\" or \"they\"."),
    ("root_cause", "Why it happened", "The root cause: what you assumed, skipped or didn't know."),
    ("what_i_did", "What I did", "How you responded: who you told, how fast, what you fixed."),
    ("learned", "What I learned", "A specific, actionable lesson, not \"communication is key\"."),
    (
        "will_change",
        "What I will change",
        "The concrete change in how you work. starl will ask in 30 days whether it stuck.",
    ),
];

/// Other headings accepted for a section (lower case).
fn section_for(heading: &str) -> Option<&'static str> {
    let h = heading.trim().trim_end_matches(':').trim().to_lowercase();
    for (field, title, _) in SECTIONS {
        if h == title.to_lowercase() {
            return Some(field);
        }
    }
    Some(match h.as_str() {
        "what went wrong" | "the failure" => "what_happened",
        "the impact" => "impact",
        "my role" | "my part in it" => "my_part",
        "root cause" | "why" | "cause" => "root_cause",
        "response" | "my response" => "what_i_did",
        "learned" | "learning" | "lesson" | "lessons" | "what i learnt" => "learned",
        "will change" | "change" | "what i'll change" | "next time" => "will_change",
        _ => return None,
    })
}

/// A JSON string: valid YAML too, and exact for any text.
fn q(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialise")
}

fn list(v: &[String]) -> String {
    serde_json::to_string(v).expect("lists serialise")
}

/// An entry as Markdown. `template` adds the guidance comments and leaves optional keys blank.
pub fn entry_to_markdown(e: &Entry, template: bool) -> String {
    let mut s = String::from("---\n");
    if template {
        let _ = writeln!(s, "title: {}", e.title);
        let _ = writeln!(s, "happened: {}", e.happened);
        let _ = writeln!(
            s,
            "category: {}    # technical | leadership | communication",
            e.category.map_or("", |c| c.as_str())
        );
        let _ = writeln!(s, "tags: {}    # [deploy, database]", list(&e.tags));
        let _ = writeln!(
            s,
            "severity: {}    # 1 (minor) to 5 (severe)",
            e.severity.map_or(String::new(), |v| v.to_string())
        );
    } else {
        let _ = writeln!(s, "kind: entry");
        if e.id > 0 {
            let _ = writeln!(s, "id: {}", e.id);
        }
        let _ = writeln!(s, "title: {}", q(&e.title));
        let _ = writeln!(s, "happened: {}", e.happened);
        if let Some(c) = e.category {
            let _ = writeln!(s, "category: {c}");
        }
        let _ = writeln!(s, "tags: {}", list(&e.tags));
        if let Some(v) = e.severity {
            let _ = writeln!(s, "severity: {v}");
        }
        if let Some(f) = &e.follow_up {
            let _ = writeln!(s, "follow_up: {}", f.due);
            let _ = writeln!(s, "follow_up_status: {}", f.status);
            if !f.evidence.is_empty() {
                let _ = writeln!(s, "follow_up_evidence: {}", q(&f.evidence));
            }
            if let Some(r) = f.recorded {
                let _ = writeln!(s, "follow_up_recorded: {r}");
            }
        }
        let _ = writeln!(s, "created: {}", e.created);
        let _ = writeln!(s, "updated: {}", e.updated);
    }
    s.push_str("---\n");
    for ((field, title, help), (_, text)) in SECTIONS.iter().zip(e.text_fields()) {
        debug_assert_eq!(*field, e.text_fields().iter().find(|(f, _)| f == field).unwrap().0);
        let _ = write!(s, "\n## {title}\n");
        if template {
            let _ = writeln!(s, "<!-- {help} -->");
        }
        if !text.is_empty() {
            let _ = writeln!(s, "{text}");
        }
    }
    s
}

/// Front matter: `key: value` lines between `---` lines, with their line numbers.
struct Front {
    pairs: Vec<(usize, String, String)>,
    /// The line the body starts on and its text.
    body_line: usize,
    body: String,
}

/// Split off the front matter. Leading blank lines and HTML comments (the error note the editor
/// loop puts on top) are skipped.
fn split_front(text: &str) -> Result<Option<Front>, ParseError> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut i = 0;
    let mut in_comment = false;
    while i < lines.len() {
        let l = lines[i].trim();
        if in_comment || l.starts_with("<!--") {
            in_comment = !l.contains("-->");
        } else if !l.is_empty() {
            break;
        }
        i += 1;
    }
    if i >= lines.len() || lines[i].trim_end() != "---" {
        return Ok(None);
    }
    let start = i + 1;
    let mut pairs = Vec::new();
    let mut j = start;
    loop {
        let Some(line) = lines.get(j) else { return err(start, "the front matter has no closing `---`") };
        let l = line.trim_end();
        if l == "---" {
            break;
        }
        let t = l.trim();
        if !(t.is_empty() || t.starts_with('#')) {
            let Some((k, v)) = t.split_once(':') else {
                return err(j + 1, format!("expected `key: value`, found `{t}`"));
            };
            pairs.push((j + 1, k.trim().to_owned(), v.trim().to_owned()));
        }
        j += 1;
    }
    Ok(Some(Front { pairs, body_line: j + 2, body: lines[j + 1..].concat() }))
}

/// A scalar value: JSON if it looks like JSON, else the bare text up to a ` #` comment.
fn scalar(line: usize, v: &str) -> Result<Option<String>, ParseError> {
    if v.starts_with('"') {
        return serde_json::from_str::<String>(v).map(Some).or_else(|e| err(line, format!("bad quoted string: {e}")));
    }
    let v = match v.find(" #") {
        Some(i) => &v[..i],
        None if v.starts_with('#') => "",
        None => v,
    };
    let v = v.trim();
    Ok((!v.is_empty() && v != "null" && v != "~").then(|| v.to_owned()))
}

fn string_list(line: usize, v: &str) -> Result<Vec<String>, ParseError> {
    let v = match v.find(" #") {
        Some(i) if !v.starts_with('[') || v[..i].trim_end().ends_with(']') => &v[..i],
        _ => v,
    }
    .trim();
    if v.is_empty() {
        return Ok(Vec::new());
    }
    if v.starts_with('[') {
        if let Ok(l) = serde_json::from_str::<Vec<String>>(v) {
            return Ok(l);
        }
        // YAML flow list of bare words: [a, b]
        let inner = v.strip_prefix('[').and_then(|x| x.strip_suffix(']'));
        let Some(inner) = inner else { return err(line, "a list is written [a, b]") };
        return Ok(inner.split(',').map(|w| w.trim().trim_matches('"').to_owned()).filter(|w| !w.is_empty()).collect());
    }
    Ok(v.split(',').map(|w| w.trim().to_owned()).filter(|w| !w.is_empty()).collect())
}

fn date(line: usize, v: &str) -> Result<Date, ParseError> {
    v.parse().or_else(|_| err(line, format!("`{v}` is not a date (YYYY-MM-DD)")))
}

fn stamp(line: usize, v: &str) -> Result<Timestamp, ParseError> {
    v.parse().or_else(|_| err(line, format!("`{v}` is not a time (2026-03-02T10:00:00Z)")))
}

/// What kind of record a Markdown file holds, by its front matter.
pub fn kind_of(text: &str) -> Result<&'static str, ParseError> {
    let Some(front) = split_front(text)? else { return Ok("entry") };
    for (line, k, v) in &front.pairs {
        if k == "kind" {
            return match scalar(*line, v)?.as_deref() {
                Some("entry") => Ok("entry"),
                Some("story") => Ok("story"),
                Some("attempt") => Ok("attempt"),
                Some("feedback") => Ok("feedback"),
                other => {
                    err(*line, format!("kind `{}`: expected entry, story, attempt or feedback", other.unwrap_or("")))
                }
            };
        }
    }
    Ok(if front.pairs.iter().any(|(_, k, _)| k == "happened") { "entry" } else { "story" })
}

/// Drop HTML comments (the template's guidance), keeping line structure.
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("<!--") {
        out.push_str(&rest[..i]);
        match rest[i..].find("-->") {
            Some(j) => {
                let comment = &rest[i..i + j + 3];
                out.extend(comment.chars().filter(|&c| c == '\n'));
                rest = &rest[i + j + 3..];
            }
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Read an entry from its Markdown form. `base` gives what the text leaves out (id, dates).
pub fn entry_from_markdown(text: &str, base: &Entry) -> Result<Entry, ParseError> {
    let mut e = base.clone();
    let Some(front) = split_front(text)? else {
        return err(1, "an entry starts with front matter: a `---` line, `title: ...`, `happened: ...`, `---`");
    };
    let mut title_line = front.body_line.saturating_sub(1);
    let mut follow_up: Option<FollowUp> = None;
    let mut has_follow_up_key = false;
    for (line, k, v) in &front.pairs {
        let line = *line;
        match k.as_str() {
            "kind" | "id" => {}
            "title" => {
                title_line = line;
                e.title = scalar(line, v)?.unwrap_or_default();
            }
            "happened" | "date" => match scalar(line, v)? {
                Some(d) => e.happened = date(line, &d)?,
                None => return err(line, "`happened` needs a date (YYYY-MM-DD)"),
            },
            "category" => {
                e.category = match scalar(line, v)? {
                    None => None,
                    Some(c) => Some(c.parse::<Category>().or_else(|x| err(line, x.to_string()))?),
                }
            }
            "tags" => {
                e.tags = Vec::new();
                for t in string_list(line, v)? {
                    e.tags.push(starl_store::normalize_tag(&t).or_else(|x| err(line, x.to_string()))?);
                }
            }
            "severity" => {
                e.severity = match scalar(line, v)? {
                    None => None,
                    Some(s) => match s.parse::<u8>() {
                        Ok(n @ 1..=5) => Some(n),
                        _ => return err(line, format!("severity `{s}`: use 1 (minor) to 5 (severe)")),
                    },
                }
            }
            "follow_up" => {
                has_follow_up_key = true;
                if let Some(d) = scalar(line, v)? {
                    let due = date(line, &d)?;
                    let f = follow_up.get_or_insert_with(|| FollowUp::open(due));
                    f.due = due;
                }
            }
            "follow_up_status" | "follow_up_evidence" | "follow_up_recorded" => {
                let Some(val) = scalar(line, v)? else { continue };
                let Some(f) = follow_up.as_mut() else {
                    return err(line, format!("`{k}` comes after `follow_up: DATE`"));
                };
                match k.as_str() {
                    "follow_up_status" => {
                        f.status = val.parse::<FollowUpStatus>().or_else(|x| err(line, x.to_string()))?
                    }
                    "follow_up_evidence" => f.evidence = val,
                    _ => f.recorded = Some(stamp(line, &val)?),
                }
            }
            "created" => e.created = stamp(line, &scalar(line, v)?.unwrap_or_default())?,
            "updated" => e.updated = stamp(line, &scalar(line, v)?.unwrap_or_default())?,
            other => return err(line, format!("unknown key `{other}`")),
        }
    }
    if has_follow_up_key {
        e.follow_up = follow_up;
    }
    if e.title.trim().is_empty() {
        return err(title_line, "the entry needs a title");
    }
    for (field, _, _) in SECTIONS {
        if let Some(t) = e.text_field_mut(field) {
            t.clear();
        }
    }
    let body = strip_comments(&front.body);
    let mut current: Option<&str> = None;
    let mut text = String::new();
    let flush = |current: Option<&str>, text: &mut String, e: &mut Entry| {
        if let Some(f) = current.and_then(|f| e.text_field_mut(f)) {
            if !f.is_empty() {
                f.push_str("\n\n");
            }
            f.push_str(text.trim());
        }
        text.clear();
    };
    for (i, line) in body.split_inclusive('\n').enumerate() {
        let n = front.body_line + i;
        if let Some(h) = line.strip_prefix("## ") {
            flush(current, &mut text, &mut e);
            match section_for(h) {
                Some(f) => current = Some(f),
                None => {
                    let known: Vec<_> = SECTIONS.iter().map(|s| s.1).collect();
                    return err(n, format!("unknown section `{}` (sections: {})", h.trim(), known.join(", ")));
                }
            }
        } else if current.is_none() {
            if !line.trim().is_empty() {
                return err(n, "text before the first `## ` section heading");
            }
        } else {
            text.push_str(line);
        }
    }
    flush(current, &mut text, &mut e);
    Ok(e)
}

/// Whether the text says nothing yet: no title and every section empty (the template untouched).
pub fn entry_is_blank(text: &str) -> bool {
    let stripped = strip_comments(text);
    let Ok(Some(front)) = split_front(&stripped) else {
        return stripped.trim().is_empty();
    };
    let title = front.pairs.iter().find(|(_, k, _)| k == "title").map(|(l, _, v)| scalar(*l, v));
    let no_title = matches!(title, None | Some(Ok(None)));
    let no_text = front.body.lines().all(|l| l.trim().is_empty() || l.starts_with("## "));
    no_title && no_text
}

/// A story as Markdown: front matter, a blank line, then the body exactly.
pub fn story_to_markdown(s: &Story) -> String {
    let mut m = String::from("---\nkind: story\n");
    if s.id > 0 {
        let _ = writeln!(m, "id: {}", s.id);
    }
    let _ = writeln!(m, "title: {}", q(&s.title));
    if let Some(f) = &s.framework {
        let _ = writeln!(m, "framework: {f}");
    }
    if let Some(e) = s.entry_id {
        let _ = writeln!(m, "entry: {e}");
    }
    let _ = writeln!(m, "ready: {}", s.ready);
    if !s.pinned.is_empty() {
        let _ = writeln!(m, "pinned: {}", list(&s.pinned));
    }
    if !s.unpinned.is_empty() {
        let _ = writeln!(m, "unpinned: {}", list(&s.unpinned));
    }
    if let Some(v) = s.score {
        let _ = writeln!(m, "score: {v}");
    }
    let _ = writeln!(m, "created: {}", s.created);
    let _ = writeln!(m, "updated: {}", s.updated);
    m.push_str("---\n\n");
    m.push_str(&s.body);
    m
}

/// Read a story. Without front matter, the title is the first `# ` heading (or first line).
pub fn story_from_markdown(text: &str, base: &Story) -> Result<Story, ParseError> {
    let mut s = base.clone();
    match split_front(text)? {
        Some(front) => {
            for (line, k, v) in &front.pairs {
                let line = *line;
                let val = scalar(line, v)?;
                let int = |what: &str| -> Result<Option<i64>, ParseError> {
                    val.as_deref()
                        .map(|x| x.parse::<i64>().or_else(|_| err(line, format!("{what} `{x}` is not a number"))))
                        .transpose()
                };
                match k.as_str() {
                    "kind" | "id" => {}
                    "title" => s.title = val.unwrap_or_default(),
                    "framework" => s.framework = val,
                    "entry" => s.entry_id = int("entry")?,
                    "ready" => {
                        s.ready = match val.as_deref() {
                            Some("true" | "yes") => true,
                            Some("false" | "no") | None => false,
                            Some(x) => return err(line, format!("ready `{x}`: true or false")),
                        }
                    }
                    "pinned" => s.pinned = string_list(line, v)?,
                    "unpinned" => s.unpinned = string_list(line, v)?,
                    "score" => {
                        s.score = match int("score")? {
                            None => None,
                            Some(n @ 0..=100) => Some(n as u8),
                            Some(n) => return err(line, format!("score {n}: 0 to 100")),
                        }
                    }
                    "created" => s.created = stamp(line, &val.unwrap_or_default())?,
                    "updated" => s.updated = stamp(line, &val.unwrap_or_default())?,
                    other => return err(line, format!("unknown key `{other}`")),
                }
            }
            s.body = front.body.strip_prefix('\n').unwrap_or(&front.body).to_owned();
        }
        None => s.body = text.to_owned(),
    }
    if s.title.trim().is_empty() {
        let first = s.body.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
        s.title = first.trim_start_matches('#').trim().chars().take(80).collect();
    }
    if s.title.trim().is_empty() {
        return err(1, "the story is empty");
    }
    Ok(s)
}

/// A practice attempt as Markdown: front matter, a blank line, then the answer exactly.
pub fn attempt_to_markdown(a: &PracticeAttempt) -> String {
    let mut m = String::from("---\nkind: attempt\n");
    if a.id > 0 {
        let _ = writeln!(m, "id: {}", a.id);
    }
    let _ = writeln!(m, "question: {}", a.question);
    if let Some(s) = a.story_id {
        let _ = writeln!(m, "story: {s}");
    }
    if let Some(d) = a.duration_seconds {
        let _ = writeln!(m, "duration_seconds: {d}");
    }
    let _ = writeln!(m, "words: {}", a.words);
    let _ = writeln!(m, "score: {}", a.score);
    for (theme, v) in a.themes.iter() {
        let _ = writeln!(m, "{theme}: {v}");
    }
    let _ = writeln!(m, "created: {}", a.created);
    m.push_str("---\n\n");
    m.push_str(&a.answer);
    m
}

/// Read a practice attempt from its Markdown form. `base` gives what the text leaves out.
pub fn attempt_from_markdown(text: &str, base: &PracticeAttempt) -> Result<PracticeAttempt, ParseError> {
    let mut a = base.clone();
    let Some(front) = split_front(text)? else {
        return err(1, "a practice attempt starts with front matter: `---`, `kind: attempt`, `question: ...`, `---`");
    };
    let mut question_line = None;
    for (line, k, v) in &front.pairs {
        let line = *line;
        let val = scalar(line, v)?;
        let number = |what: &str, max: u64| -> Result<Option<u64>, ParseError> {
            match val.as_deref() {
                None => Ok(None),
                Some(x) => match x.parse::<u64>() {
                    Ok(n) if n <= max => Ok(Some(n)),
                    _ => err(line, format!("{what} `{x}`: a whole number from 0 to {max}")),
                },
            }
        };
        match k.as_str() {
            "kind" | "id" => {}
            "question" => {
                question_line = Some(line);
                a.question = val.unwrap_or_default();
            }
            "story" => a.story_id = number("story", i32::MAX as u64)?.map(|n| n as i64),
            "duration_seconds" => {
                a.duration_seconds = number("duration_seconds", u64::from(u32::MAX))?.map(|n| n as u32)
            }
            "words" => a.words = number("words", u64::from(u32::MAX))?.unwrap_or(0) as u32,
            "score" => a.score = number("score", 100)?.unwrap_or(0) as u8,
            "created" => a.created = stamp(line, &val.unwrap_or_default())?,
            theme => match a.themes.get_mut(theme) {
                Some(slot) => *slot = number(theme, 100)?.unwrap_or(0) as u8,
                None => return err(line, format!("unknown key `{theme}`")),
            },
        }
    }
    if a.question.trim().is_empty() {
        return err(question_line.unwrap_or(1), "the attempt needs a `question:` (a question id such as `failed`)");
    }
    a.answer = front.body.strip_prefix('\n').unwrap_or(&front.body).to_owned();
    if a.answer.trim().is_empty() {
        return err(front.body_line, "the attempt has no answer after its front matter");
    }
    Ok(a)
}

/// A peer's review in its Markdown form: everything in the front matter (quoted, so exact), the
/// comments as the body.
pub fn feedback_to_markdown(f: &Feedback) -> String {
    let mut m = String::from("---\nkind: feedback\n");
    if f.id > 0 {
        let _ = writeln!(m, "id: {}", f.id);
    }
    let _ = writeln!(m, "story: {}", f.story_id);
    let _ = writeln!(m, "reviewer: {}", q(&f.reviewer));
    if let Some(v) = f.authenticity {
        let _ = writeln!(m, "authenticity: {v}");
    }
    if let Some(v) = f.learning {
        let _ = writeln!(m, "learning: {v}");
    }
    let _ = writeln!(m, "strengthen: {}", q(&f.strengthen));
    let _ = writeln!(m, "received: {}", f.received);
    m.push_str("---\n\n");
    m.push_str(&f.comments);
    m
}

/// Read a peer's review from its Markdown form. `base` gives what the text leaves out.
pub fn feedback_from_markdown(text: &str, base: &Feedback) -> Result<Feedback, ParseError> {
    let mut f = base.clone();
    let Some(front) = split_front(text)? else {
        return err(1, "feedback starts with front matter: `---`, `kind: feedback`, `story: ID`, `---`");
    };
    let mut story_line = None;
    for (line, k, v) in &front.pairs {
        let line = *line;
        let val = scalar(line, v)?;
        let rating = |what: &str| -> Result<Option<u8>, ParseError> {
            match val.as_deref() {
                None => Ok(None),
                Some(x) => match x.parse::<u8>() {
                    Ok(n @ 1..=5) => Ok(Some(n)),
                    _ => err(line, format!("{what} `{x}`: a rating from 1 to 5")),
                },
            }
        };
        match k.as_str() {
            "kind" | "id" => {}
            "story" => {
                story_line = Some(line);
                f.story_id = match val.as_deref().map(str::parse::<i64>) {
                    Some(Ok(n)) if n > 0 => n,
                    _ => return err(line, "story: the id of the story reviewed"),
                }
            }
            "reviewer" => f.reviewer = val.unwrap_or_default(),
            "authenticity" => f.authenticity = rating("authenticity")?,
            "learning" => f.learning = rating("learning")?,
            "strengthen" => f.strengthen = val.unwrap_or_default(),
            "received" => f.received = stamp(line, &val.unwrap_or_default())?,
            other => return err(line, format!("unknown key `{other}`")),
        }
    }
    if story_line.is_none() && f.story_id <= 0 {
        return err(1, "the feedback needs a `story:` (the id of the story reviewed)");
    }
    f.comments = front.body.strip_prefix('\n').unwrap_or(&front.body).to_owned();
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date as d;

    fn sample() -> Entry {
        let mut e = Entry::new(
            "Locked the \"orders\" table # really",
            d(2026, 3, 2),
            Timestamp::from_second(1_770_000_000).unwrap(),
        );
        e.id = 4;
        e.what_happened = "The migration ran.\n\nTwo paragraphs, a [link](x) and <b>html</b>.".into();
        e.learned = "Dry-run first.".into();
        e.will_change = "Checklist.".into();
        e.category = Some(Category::Technical);
        e.tags = vec!["db".into(), "ops".into()];
        e.severity = Some(3);
        e.follow_up = Some(FollowUp {
            due: d(2026, 4, 1),
            status: FollowUpStatus::Held,
            evidence: "It held: \"two\" releases.".into(),
            recorded: Some(Timestamp::from_second(1_775_000_000).unwrap()),
        });
        e
    }

    #[test]
    fn feedback_round_trips_and_names_bad_lines() {
        let mut f = Feedback::new(7, Timestamp::from_second(1_770_000_000).unwrap());
        f.id = 3;
        f.reviewer = "Ana \"the peer\" # not a comment".into();
        f.authenticity = Some(4);
        f.strengthen = "Two lines:\nnumbers, and what changed.".into();
        f.comments = "Good.\n\n## Not a heading of ours\n".into();
        let md = feedback_to_markdown(&f);
        assert_eq!(kind_of(&md).unwrap(), "feedback");
        let back = feedback_from_markdown(&md, &Feedback::new(0, Timestamp::UNIX_EPOCH)).unwrap();
        assert_eq!(Feedback { id: 3, ..back }, f, "{md}");
        let base = Feedback::new(0, Timestamp::UNIX_EPOCH);
        let e = feedback_from_markdown("---\nkind: feedback\nstory: 2\nlearning: 7\n---\n", &base).unwrap_err();
        assert_eq!(e.line, 4, "{e:?}");
        let e = feedback_from_markdown("---\nkind: feedback\nreviewer: x\n---\n", &base).unwrap_err();
        assert!(e.message.contains("story"), "{e:?}");
    }

    #[test]
    fn entry_round_trips() {
        let e = sample();
        let md = entry_to_markdown(&e, false);
        let back = entry_from_markdown(&md, &Entry::new("x", d(2000, 1, 1), Timestamp::UNIX_EPOCH)).unwrap();
        assert_eq!(Entry { id: 4, ..back.clone() }, e, "{md}");
        assert_eq!(entry_to_markdown(&Entry { id: 4, ..back }, false), md);
    }

    #[test]
    fn the_template_is_blank_until_filled() {
        let t = entry_to_markdown(&Entry::new("", d(2026, 3, 2), Timestamp::UNIX_EPOCH), true);
        assert!(entry_is_blank(&t), "{t}");
        let filled = t.replacen("title: ", "title: Dropped the table", 1);
        assert!(!entry_is_blank(&filled));
        let e = entry_from_markdown(&filled, &Entry::new("", d(2026, 3, 2), Timestamp::UNIX_EPOCH)).unwrap();
        assert_eq!(e.title, "Dropped the table");
        assert_eq!((e.category, e.severity, e.tags.len()), (None, None, 0));
        assert!(e.learned.is_empty());
    }

    #[test]
    fn errors_name_the_line() {
        let base = Entry::new("", d(2026, 3, 2), Timestamp::UNIX_EPOCH);
        let e = entry_from_markdown("---\ntitle: x\nhappened: 2026-13-01\n---\n", &base).unwrap_err();
        assert_eq!(e.line, 3);
        let e = entry_from_markdown("---\ntitle: x\nseverity: 9\n---\n", &base).unwrap_err();
        assert_eq!(e.line, 3);
        let e = entry_from_markdown("---\ntitle: x\n---\n\n## Feelings\nsad\n", &base).unwrap_err();
        assert_eq!(e.line, 5, "{e}");
        let e = entry_from_markdown("<!-- starl: an error\nsecond line -->\n---\ntitle:\n---\n", &base).unwrap_err();
        assert_eq!(e.line, 4, "{e}");
    }

    #[test]
    fn attempt_round_trips_exactly() {
        let mut a = PracticeAttempt::new(
            "failed",
            "\nStarts with a blank line.\n\n\"Quoted\" — ünïcode\n",
            Timestamp::UNIX_EPOCH,
        );
        a.id = 7;
        a.story_id = Some(3);
        a.duration_seconds = Some(161);
        a.words = 9;
        a.score = 74;
        a.themes.learning = 55;
        a.themes.prevention = 100;
        let md = attempt_to_markdown(&a);
        assert_eq!(kind_of(&md), Ok("attempt"));
        let back = attempt_from_markdown(&md, &PracticeAttempt::new("", "", Timestamp::UNIX_EPOCH)).unwrap();
        assert_eq!(PracticeAttempt { id: 7, ..back.clone() }, a, "{md}");
        assert_eq!(attempt_to_markdown(&PracticeAttempt { id: 7, ..back }), md);
        let base = PracticeAttempt::new("", "", Timestamp::UNIX_EPOCH);
        let e = attempt_from_markdown("---\nkind: attempt\nquestion: failed\nscore: 101\n---\n\nx", &base).unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        let e = attempt_from_markdown("---\nkind: attempt\nquestion: failed\nmood: 3\n---\n\nx", &base).unwrap_err();
        assert_eq!((e.line, e.message.as_str()), (4, "unknown key `mood`"));
        let e = attempt_from_markdown("---\nkind: attempt\nquestion: failed\n---\n\n", &base).unwrap_err();
        assert!(e.message.contains("no answer"), "{e}");
    }

    #[test]
    fn story_round_trips_exactly() {
        let mut s = Story::new("The migration", "## Situation\nText.\n\n## Learning\nMore", Timestamp::UNIX_EPOCH);
        s.id = 2;
        s.entry_id = Some(4);
        s.pinned = vec!["failed".into()];
        s.score = Some(71);
        let md = story_to_markdown(&s);
        let back = story_from_markdown(&md, &Story::new("", "", Timestamp::UNIX_EPOCH)).unwrap();
        assert_eq!(Story { id: 2, ..back }, s);
    }
}
