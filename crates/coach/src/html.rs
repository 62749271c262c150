//! Escaping for the HTML pages this crate writes (all text from users goes through here).

/// Escape text for an HTML or SVG text node.
pub fn text(s: &str) -> String {
    html_escape::encode_text(s).into_owned()
}

/// Escape text for a double-quoted HTML or SVG attribute value.
pub fn attr(s: &str) -> String {
    html_escape::encode_double_quoted_attribute(s).into_owned()
}

/// The shared look of starl's pages: one inline style sheet, no external resources.
pub const STYLE: &str = r#"
:root { --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --accent: #0969da; --good: #1a7f37; --bad: #cf222e; --warn: #9a6700; --paper: #ffffff; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--soft); color: var(--ink); font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 860px; margin: 2rem auto; padding: 2rem 2.5rem; background: var(--paper); border: 1px solid var(--line); border-radius: 10px; }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; padding-bottom: .3rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
p.sub { color: var(--muted); margin: 0 0 1.5rem; }
.story p { white-space: pre-wrap; margin: .4rem 0 .8rem; }
.story h3:first-child { margin-top: 0; }
pre.story { white-space: pre-wrap; font-size: .9rem; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 1rem; margin-bottom: .5rem; }
code { background: var(--soft); border: 1px solid var(--line); border-radius: 4px; padding: 0 .25em; font-size: .9em; }
.story { background: var(--soft); border-left: 4px solid var(--accent); padding: 1rem 1.25rem; border-radius: 4px; font-size: 1rem; }
.ph { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 4px; padding: 0 .2em; font-size: .95em; white-space: nowrap; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: .9rem; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.held { color: var(--good); font-weight: 600; } .didnt-hold { color: var(--bad); font-weight: 600; } .open { color: var(--warn); }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: 1.25rem; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; }
.card h3 { margin-top: 0; }
.stat { font-size: 1.8rem; font-weight: 700; }
.muted { color: var(--muted); }
.scale { display: flex; gap: .5rem; margin: .3rem 0 1rem; }
.scale span { display: inline-block; width: 2.2rem; height: 2.2rem; line-height: 2.2rem; text-align: center; border: 1.5px solid var(--line); border-radius: 50%; }
.box { border: 1.5px dashed var(--line); border-radius: 6px; min-height: 6rem; margin: .3rem 0 1rem; }
ul.tight { margin: .3rem 0; padding-left: 1.3rem; }
svg { max-width: 100%; height: auto; display: block; }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #1f2328; }
footer { color: var(--muted); font-size: .85rem; margin-top: 2rem; }
@media (max-width: 600px) { main { margin: 0; padding: 1.2rem; border: 0; border-radius: 0; } .stat { font-size: 1.4rem; } }
@media print { body { background: #fff; } main { border: 0; margin: 0; } }
"#;

/// Escape `s` for HTML and show its `backticked` parts as code.
pub fn text_with_code(s: &str) -> String {
    let escaped = text(s);
    if !escaped.matches('`').count().is_multiple_of(2) {
        return escaped; // an unpaired backtick: no code spans
    }
    let mut out = String::with_capacity(escaped.len() + 16);
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(part);
            out.push_str("</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

/// A complete page: `title` (escaped here) and a `body` that is already HTML.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        text(title)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn code_spans() {
        assert_eq!(super::text_with_code("run `starl due` <now>"), "run <code>starl due</code> &lt;now&gt;");
        assert_eq!(super::text_with_code("a ` b"), "a ` b");
    }
}
