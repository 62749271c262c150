//! The peer-review packet (004, exercise 2): a story, redacted if asked, with the rubric a peer
//! fills in: how authentic it feels (1-5), whether the learning is compelling (1-5), where it
//! could be strengthened, and comments. As Markdown (which comes back filled in and is read by
//! [`parse_rubric`]) and as one self-contained HTML page (inline CSS, no external resources,
//! every text escaped).

use std::fmt::Write as _;

use regex::Regex;
use serde::{Deserialize, Serialize};
use starl_store::{Feedback, Id, Story};

use crate::html;
use crate::redact::{LegendEntry, Redactor};

/// A story made ready for a reviewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Packet {
    pub story_id: Id,
    pub title: String,
    /// The story, in Markdown (redacted if asked).
    pub body: String,
    pub redacted: bool,
    /// The placeholders in the text (`[Person A]`...), without what they stand for.
    pub placeholders: Vec<String>,
}

/// Make the packet for `story`, redacting with `redactor` if given. The legend (placeholders
/// with what they replaced) is for the author's eyes: it is not in the packet.
pub fn packet(story: &Story, redactor: Option<&Redactor>) -> (Packet, Vec<LegendEntry>) {
    match redactor {
        None => (
            Packet {
                story_id: story.id,
                title: story.title.clone(),
                body: story.body.clone(),
                redacted: false,
                placeholders: Vec::new(),
            },
            Vec::new(),
        ),
        Some(r) => {
            let mut doc = r.redact_document(&[(&story.title, false), (&story.body, true)]);
            let body = doc.parts.pop().expect("two parts").text;
            let title = doc.parts.pop().expect("two parts").text;
            let mut placeholders: Vec<String> = doc.legend.iter().map(|l| l.placeholder.clone()).collect();
            placeholders.dedup();
            (Packet { story_id: story.id, title, body, redacted: true, placeholders }, doc.legend)
        }
    }
}

const INTRO: &str = "Please read the story below as an interviewer would hear it (\"Tell me about a time you failed\"), then fill in the review at the end and send this file back. Be honest: that is the point of the exercise.";

/// The rubric's questions, as the Markdown shows them and the parser reads them.
pub const REVIEW_HEADING: &str = "## Your review";
pub const AUTHENTICITY_LABEL: &str = "Authenticity (1-5)";
pub const LEARNING_LABEL: &str = "Learning (1-5)";
pub const STRENGTHEN_HEADING: &str = "### Where could the story be strengthened?";
pub const COMMENTS_HEADING: &str = "### Comments";

/// The packet as Markdown: front matter naming the story, the story as a quotation, and the
/// rubric to fill in.
pub fn render_markdown(p: &Packet) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "---\nstarl-review: 1\nstory: {}\n---\n", p.story_id);
    let _ = writeln!(s, "# Peer review: {}\n", p.title.trim());
    let _ = writeln!(s, "{INTRO}\n");
    if p.redacted {
        let _ = writeln!(
            s,
            "Names and other confidential details were replaced by placeholders such as {}; read them as ordinary names.\n",
            if p.placeholders.is_empty() { "[Person A]".to_owned() } else { p.placeholders.iter().take(3).cloned().collect::<Vec<_>>().join(", ") }
        );
    }
    s.push_str("## The story\n\n");
    for line in p.body.trim_end().lines() {
        if line.trim().is_empty() {
            s.push_str(">\n");
        } else {
            let _ = writeln!(s, "> {line}");
        }
    }
    let _ = write!(
        s,
        "\n{REVIEW_HEADING}\n\n\
         <!-- Fill in after each colon; scores go from 1 (not at all) to 5 (completely).\n     \
         Write your answers under the last two headings. -->\n\n\
         Reviewer: \n\
         {AUTHENTICITY_LABEL}: \n\
         {LEARNING_LABEL}: \n\n\
         {STRENGTHEN_HEADING}\n\n\n\
         {COMMENTS_HEADING}\n\n"
    );
    s
}

/// The packet as one self-contained HTML page.
pub fn render_html(p: &Packet) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "<h1>Peer review: {}</h1>", mark_placeholders(&html::text(p.title.trim())));
    let _ = writeln!(b, "<p class=\"sub\">{}</p>", html::text(INTRO));
    if p.redacted {
        let _ = writeln!(
            b,
            "<p class=\"muted\">Names and other confidential details were replaced by placeholders such as <span class=\"ph\">[Person A]</span>; read them as ordinary names.</p>"
        );
    }
    b.push_str("<h2>The story</h2>\n<div class=\"story\">");
    b.push_str(&story_html(&p.body));
    b.push_str("</div>\n<h2>Your review</h2>\n");
    let scale = |q: &str, hint: &str| {
        format!(
            "<h3>{}</h3><p class=\"muted\">{}</p><div class=\"scale\">{}</div>\n",
            html::text(q),
            html::text(hint),
            (1..=5).map(|n| format!("<span>{n}</span>")).collect::<String>()
        )
    };
    b.push_str(&scale(
        "How authentic does the story feel?",
        "1: rehearsed or evasive ... 5: honest, a real failure owned",
    ));
    b.push_str(&scale(
        "Is the learning compelling?",
        "1: generic (\"I learned a lot\") ... 5: specific, and shown to have changed how they work",
    ));
    let _ = writeln!(b, "<h3>Where could the story be strengthened?</h3><div class=\"box\"></div>");
    let _ = writeln!(b, "<h3>Comments</h3><div class=\"box\"></div>");
    let _ = writeln!(
        b,
        "<p class=\"muted\">To reply, fill in the review at the end of the Markdown copy of this packet, or paste this into your reply and fill it in:</p><pre class=\"story\">{}</pre>",
        html::text(&format!("Reviewer: \n{AUTHENTICITY_LABEL}: \n{LEARNING_LABEL}: \n\n{STRENGTHEN_HEADING}\n\n{COMMENTS_HEADING}\n"))
    );
    let _ = writeln!(b, "<footer>starl review packet · story {}</footer>", p.story_id);
    html::page(&format!("Peer review: {}", p.title.trim()), &b)
}

/// A story's Markdown as simple HTML: headings and paragraphs, everything escaped, placeholders
/// highlighted.
fn story_html(body: &str) -> String {
    let mut out = String::new();
    let mut para: Vec<&str> = Vec::new();
    let flush = |para: &mut Vec<&str>, out: &mut String| {
        if !para.is_empty() {
            let _ = write!(out, "<p>{}</p>", mark_placeholders(&html::text(&para.join("\n"))));
            para.clear();
        }
    };
    let mut in_comment = false;
    for line in body.lines() {
        let t = line.trim();
        if in_comment || t.starts_with("<!--") {
            in_comment = !t.contains("-->");
            continue;
        }
        if let Some(h) = t.strip_prefix('#') {
            flush(&mut para, &mut out);
            let _ = write!(out, "<h3>{}</h3>", mark_placeholders(&html::text(h.trim_start_matches('#').trim())));
        } else if t.is_empty() {
            flush(&mut para, &mut out);
        } else {
            para.push(t);
        }
    }
    flush(&mut para, &mut out);
    out
}

fn mark_placeholders(escaped: &str) -> String {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let re = RE
        .get_or_init(|| Regex::new(r"\[(?:(?:Person|Name|Company|Team) [A-Z]+|email|url|amount)\]").expect("compiles"));
    re.replace_all(escaped, "<span class=\"ph\">$0</span>").into_owned()
}

/// The feedback a story received, oldest first, as Markdown for `starl story show`.
pub fn feedback_markdown(feedback: &[Feedback], tz: &jiff::tz::TimeZone) -> String {
    let mut s = String::new();
    if feedback.is_empty() {
        return s;
    }
    let score = |v: Option<u8>| v.map_or("-".to_owned(), |v| format!("{v}/5"));
    let _ = writeln!(s, "\n## Peer feedback ({})", feedback.len());
    for f in feedback {
        let who = if f.reviewer.trim().is_empty() { "Unnamed reviewer" } else { f.reviewer.trim() };
        let _ = writeln!(
            s,
            "\n### {who}, {}: authenticity {}, learning {}",
            f.received.to_zoned(tz.clone()).date(),
            score(f.authenticity),
            score(f.learning)
        );
        if !f.strengthen.trim().is_empty() {
            let _ = writeln!(s, "Where to strengthen: {}", f.strengthen.trim());
        }
        if !f.comments.trim().is_empty() {
            let _ = writeln!(s, "Comments: {}", f.comments.trim());
        }
    }
    s
}

/// A filled-in rubric.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rubric {
    /// The story the packet was made for (its front matter), if it says.
    pub story: Option<Id>,
    pub reviewer: String,
    /// How authentic the story feels, 1-5.
    pub authenticity: Option<u8>,
    /// Whether the learning is compelling, 1-5.
    pub learning: Option<u8>,
    /// Where the story could be strengthened.
    pub strengthen: String,
    pub comments: String,
}

/// A rubric that cannot be read, at a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct RubricError {
    pub line: usize,
    pub message: String,
}

fn rerr<T>(line: usize, message: impl Into<String>) -> Result<T, RubricError> {
    Err(RubricError { line, message: message.into() })
}

/// Read a filled-in review packet (Markdown): the front matter's `story`, and everything under
/// `## Your review`. Errors name the line.
pub fn parse_rubric(text: &str) -> Result<Rubric, RubricError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut r = Rubric::default();
    // Front matter.
    if lines.first().is_some_and(|l| l.trim() == "---") {
        let Some(close) = lines.iter().skip(1).position(|l| l.trim() == "---") else {
            return rerr(1, "the front matter is not closed with `---`");
        };
        for (i, l) in lines[1..=close].iter().enumerate() {
            let n = i + 2;
            let Some((k, v)) = l.split_once(':') else {
                return rerr(n, format!("expected `key: value`, found `{}`", l.trim()));
            };
            match k.trim() {
                "story" => match v.trim().parse::<Id>() {
                    Ok(id) if id > 0 => r.story = Some(id),
                    _ => return rerr(n, format!("`story` must be a story id, not `{}`", v.trim())),
                },
                "starl-review" => {}
                other => return rerr(n, format!("unknown key `{other}` in the front matter (expected `story`)")),
            }
        }
    }
    let Some(start) = lines.iter().rposition(|l| l.trim().eq_ignore_ascii_case(REVIEW_HEADING)) else {
        return rerr(lines.len().max(1), format!("no `{REVIEW_HEADING}` section: is this a starl review packet?"));
    };
    #[derive(PartialEq)]
    enum Section {
        Fields,
        Strengthen,
        Comments,
    }
    let mut section = Section::Fields;
    let mut seen: Vec<&str> = Vec::new();
    let (mut strengthen, mut comments): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    let mut in_comment = false;
    for (i, raw) in lines.iter().enumerate().skip(start + 1) {
        let n = i + 1;
        let t = raw.trim();
        if in_comment || t.starts_with("<!--") {
            in_comment = !t.contains("-->");
            continue;
        }
        if let Some(h) = t.strip_prefix("###") {
            let h = h.trim().to_lowercase();
            section = if h.contains("strength") || h.starts_with("where") {
                Section::Strengthen
            } else if h.starts_with("comment") {
                Section::Comments
            } else {
                return rerr(
                    n,
                    format!("unknown heading `{}`: expected `{STRENGTHEN_HEADING}` or `{COMMENTS_HEADING}`", t),
                );
            };
            continue;
        }
        if t.starts_with("## ") || t == "##" {
            return rerr(n, format!("unexpected heading `{t}` after `{REVIEW_HEADING}`"));
        }
        match section {
            Section::Strengthen => strengthen.push(raw.trim_end()),
            Section::Comments => comments.push(raw.trim_end()),
            Section::Fields if t.is_empty() => {}
            Section::Fields => {
                let Some((k, v)) = t.split_once(':') else {
                    return rerr(n, format!("expected `Reviewer:`, `{AUTHENTICITY_LABEL}:`, `{LEARNING_LABEL}:` or a `###` heading, found `{t}`"));
                };
                let key = k.trim().to_lowercase();
                let field = if key.starts_with("reviewer") || key == "name" || key == "from" {
                    "reviewer"
                } else if key.starts_with("authentic") || key.starts_with("how authentic") {
                    "authenticity"
                } else if key.starts_with("learning") || key.starts_with("is the learning") {
                    "learning"
                } else {
                    return rerr(
                        n,
                        format!("unknown field `{}`: expected Reviewer, Authenticity or Learning", k.trim()),
                    );
                };
                if seen.contains(&field) {
                    return rerr(n, format!("`{field}` is given twice"));
                }
                seen.push(field);
                let v = v.trim();
                match field {
                    "reviewer" => r.reviewer = v.to_owned(),
                    f => {
                        let score =
                            parse_score(v).map_err(|m| RubricError { line: n, message: format!("{f}: {m}") })?;
                        if f == "authenticity" {
                            r.authenticity = score;
                        } else {
                            r.learning = score;
                        }
                    }
                }
            }
        }
    }
    let block = |v: Vec<&str>| v.join("\n").trim().to_owned();
    r.strengthen = block(strengthen);
    r.comments = block(comments);
    if r.authenticity.is_none() && r.learning.is_none() && r.strengthen.is_empty() && r.comments.is_empty() {
        return rerr(start + 1, "the review is empty: give at least one score or comment");
    }
    Ok(r)
}

/// `4`, `4/5`, `4 of 5`, `4 - mostly`: a score from 1 to 5; empty is no score.
fn parse_score(v: &str) -> Result<Option<u8>, String> {
    let v = v.trim().trim_start_matches('[').trim();
    if v.is_empty() || v == "]" {
        return Ok(None);
    }
    let digits: String = v.chars().take_while(|c| c.is_ascii_digit()).collect();
    let rest = v[digits.len()..].trim_start();
    if digits.is_empty() {
        return Err(format!("expected a score from 1 to 5, found `{v}`"));
    }
    if !(rest.is_empty() || rest.starts_with(['/', '-', '–', '—', '(', ']', ',', '.']) || rest.starts_with("of")) {
        return Err(format!("expected a score from 1 to 5, found `{v}`"));
    }
    match digits.parse::<u8>() {
        Ok(n @ 1..=5) => Ok(Some(n)),
        _ => Err(format!("a score is 1 to 5, not {digits}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::RedactOptions;
    use jiff::Timestamp;

    fn story() -> Story {
        let mut s = Story::new(
            "The Falcon migration & <me>",
            "## Situation\nI led the migration with Priya Sharma at Acme Corp.\n\n## Learning\nI now dry-run every migration. Ask priya@acme.com.\n",
            Timestamp::UNIX_EPOCH,
        );
        s.id = 3;
        s
    }

    #[test]
    fn markdown_packet_snapshot_and_round_trip() {
        let red = Redactor::new(RedactOptions { names: vec!["Falcon".into()], ..Default::default() });
        let (p, legend) = packet(&story(), Some(&red));
        assert!(legend.iter().any(|l| l.originals == ["Priya Sharma"]));
        let md = render_markdown(&p);
        insta::assert_snapshot!("packet_markdown", md);
        assert!(!md.contains("Priya") && !md.contains("acme.com") && !md.contains("Falcon"));
        // Filled in, it reads back.
        let filled = md
            .replace("Reviewer: \n", "Reviewer: Sam\n")
            .replace("Authenticity (1-5): \n", "Authenticity (1-5): 4\n")
            .replace("Learning (1-5): \n", "Learning (1-5): 3/5\n")
            .replace("strengthened?\n\n", "strengthened?\nSay how much the migration cost.\nAnd when.\n")
            + "Good story.\n";
        let r = parse_rubric(&filled).unwrap();
        assert_eq!(
            r,
            Rubric {
                story: Some(3),
                reviewer: "Sam".into(),
                authenticity: Some(4),
                learning: Some(3),
                strengthen: "Say how much the migration cost.\nAnd when.".into(),
                comments: "Good story.".into(),
            }
        );
        // Left blank, it is an error at the review heading.
        let e = parse_rubric(&md).unwrap_err();
        let heading = md.lines().position(|l| l == REVIEW_HEADING).unwrap() + 1;
        assert_eq!(e.line, heading, "{e}");
    }

    #[test]
    fn rubric_errors_name_the_line() {
        let e = parse_rubric("## Your review\nReviewer: a\nAuthenticity (1-5): 7\n").unwrap_err();
        assert_eq!((e.line, e.message.as_str()), (3, "authenticity: a score is 1 to 5, not 7"));
        let e = parse_rubric("## Your review\nAuthenticity: great\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = parse_rubric("## Your review\nLearning: 2\nlearning: 3\n").unwrap_err();
        assert!(e.line == 3 && e.message.contains("twice"), "{e}");
        let e = parse_rubric("---\nstory: x\n---\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = parse_rubric("hello\nworld\n").unwrap_err();
        assert!(e.message.contains("no `## Your review`"), "{e}");
        let e = parse_rubric("## Your review\n### Praise\nnice\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = parse_rubric("## Your review\nThis is great\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert_eq!(parse_rubric("## Your review\nLearning: 5 of 5\n").unwrap().learning, Some(5));
    }

    #[test]
    fn feedback_as_markdown() {
        let mut f = Feedback::new(3, Timestamp::UNIX_EPOCH);
        f.authenticity = Some(4);
        f.comments = "Good.".into();
        let md = feedback_markdown(&[f], &jiff::tz::TimeZone::UTC);
        assert_eq!(md, "\n## Peer feedback (1)\n\n### Unnamed reviewer, 1970-01-01: authenticity 4/5, learning -\nComments: Good.\n");
        assert_eq!(feedback_markdown(&[], &jiff::tz::TimeZone::UTC), "");
    }

    #[test]
    fn html_packet_is_escaped_and_offline() {
        let (p, _) = packet(&story(), None);
        let h = render_html(&p);
        assert!(h.contains("The Falcon migration &amp; &lt;me&gt;"), "{h}");
        assert!(!h.contains("<me>"));
        assert!(!h.contains("src=") && !h.contains("<link") && !h.contains("<script"));
        let (p, _) = packet(&story(), Some(&Redactor::new(RedactOptions::default())));
        assert!(render_html(&p).contains("<span class=\"ph\">[Person A]</span>"));
    }
}
