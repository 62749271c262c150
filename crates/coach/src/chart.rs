//! Charts: horizontal bar charts and sparklines for the terminal (Unicode blocks, fitted to a
//! width, falling back to plain numbers when the terminal is too narrow), and the same charts as
//! inline SVG for HTML pages (no external resources, all text escaped).
//!
//! ```
//! use starl_coach::chart::{bar_chart, Bar};
//! let bars = [Bar::new("technical", 5.0), Bar::new("communication", 2.0)];
//! let text = bar_chart(&bars, 40);
//! assert!(text.lines().all(|l| unicode_width::UnicodeWidthStr::width(l) <= 40));
//! ```

use std::fmt::Write as _;

use serde::Serialize;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::html;

/// One bar: a label and a value (a count, a score).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// How the value is written after the bar (`2:41`); `None`: the number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Bar {
    pub fn new(label: impl Into<String>, value: f64) -> Bar {
        Bar { label: label.into(), value, display: None }
    }

    /// The bar with its value written as `display`.
    pub fn shown_as(mut self, display: impl Into<String>) -> Bar {
        self.display = Some(display.into());
        self
    }

    fn value_text(&self) -> String {
        self.display.clone().unwrap_or_else(|| format_value(self.value))
    }
}

/// The narrowest bar worth drawing; below it the chart is a list of numbers.
pub const MIN_BAR_COLUMNS: usize = 6;

const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A number as a chart shows it: whole numbers without decimals.
pub fn format_value(v: f64) -> String {
    if !v.is_finite() {
        "-".to_owned()
    } else if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// Cut `s` to at most `width` terminal columns, with an ellipsis when cut. Control characters
/// become spaces (they have no width a terminal agrees on).
pub fn clip(s: &str, width: usize) -> String {
    let s: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if s.width() <= width {
        return s;
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    // Sequences (emoji, combining marks) can be wider together than their characters.
    while out.width() > width - 1 {
        out.pop();
    }
    out.push('…');
    out
}

fn pad(s: &str, width: usize) -> String {
    let w = s.width();
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

/// A bar `cells` columns long at most, for `value` of `max`, in eighths of a block.
fn bar(value: f64, max: f64, cells: usize) -> String {
    if max <= 0.0 || !value.is_finite() || value <= 0.0 {
        return String::new();
    }
    let eighths = ((value / max).min(1.0) * cells as f64 * 8.0).round() as usize;
    let eighths = eighths.max(1); // a non-zero value always shows
    let mut s = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        s.push(EIGHTHS[eighths % 8]);
    }
    s
}

/// A horizontal bar chart in at most `width` columns: `label │██████▌ 13`. Bars are scaled to the
/// largest value. When `width` leaves fewer than [`MIN_BAR_COLUMNS`] for the bars, the chart
/// degrades to `label  value` lines, clipping labels as needed: every line fits in `width`.
pub fn bar_chart(bars: &[Bar], width: usize) -> String {
    bar_chart_scaled(bars, width, None)
}

/// [`bar_chart`] against a fixed maximum (`Some(100.0)` for scores).
pub fn bar_chart_scaled(bars: &[Bar], width: usize, max: Option<f64>) -> String {
    let max = max.unwrap_or_else(|| bars.iter().map(|b| b.value).filter(|v| v.is_finite()).fold(0.0, f64::max));
    let values: Vec<String> = bars.iter().map(Bar::value_text).collect();
    let value_w = values.iter().map(|v| v.width()).max().unwrap_or(0);
    let labels: Vec<String> = bars.iter().map(|b| clip(&b.label, 28)).collect();
    let label_w = labels.iter().map(|l| l.width()).max().unwrap_or(0);
    let mut out = String::new();
    // label, " ", bar area, " ", value
    let fixed = label_w + 1 + 1 + value_w;
    if width >= fixed + MIN_BAR_COLUMNS {
        let cells = (width - fixed).min(50);
        for ((b, label), v) in bars.iter().zip(&labels).zip(&values) {
            let drawn = bar(b.value, max, cells);
            let _ = writeln!(out, "{} {} {v}", pad(label, label_w), pad(&drawn, cells));
        }
    } else {
        // Too narrow for bars: label and value, the label clipped to what is left.
        for (label, v) in labels.iter().zip(&values) {
            let v = clip(v, width);
            let room = width.saturating_sub(v.width() + 1);
            let label = clip(label, room.min(label_w.max(1)));
            let line = if label.is_empty() { v } else { format!("{} {v}", pad(&label, room.min(label_w))) };
            let _ = writeln!(out, "{}", clip(line.trim_end(), width));
        }
    }
    // No trailing spaces on a line.
    out.lines().map(|l| format!("{}\n", l.trim_end())).collect()
}

/// A sparkline of `values` (▁▂▃▄▅▆▇█), scaled from `min` to `max` (the values' own range when
/// `None`); the last `width` values when there are more.
pub fn sparkline(values: &[f64], width: usize, range: Option<(f64, f64)>) -> String {
    let shown = &values[values.len().saturating_sub(width)..];
    let finite = shown.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = range.unwrap_or_else(|| {
        finite.clone().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
    });
    shown
        .iter()
        .map(|&v| {
            if !v.is_finite() {
                ' '
            } else if hi <= lo {
                SPARKS[3]
            } else {
                SPARKS[(((v - lo) / (hi - lo)).clamp(0.0, 1.0) * 7.0).round() as usize]
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// SVG

/// How an SVG chart looks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SvgOptions {
    /// Width of the drawing in pixels (it scales down with the page).
    pub width: u32,
    /// The chart's accessible title.
    pub title: String,
    /// The value of a full bar, or the top of the line chart's axis (`None`: the largest value).
    pub max: Option<f64>,
    /// Bar or line colour (a CSS colour).
    pub color: String,
}

impl Default for SvgOptions {
    fn default() -> SvgOptions {
        SvgOptions { width: 640, title: String::new(), max: None, color: "#0969da".to_owned() }
    }
}

fn svg_open(width: u32, height: u32, title: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\"><title>{}</title>",
        html::attr(title),
        html::text(title)
    )
}

/// A horizontal bar chart as an inline `<svg>` element.
pub fn svg_bar_chart(bars: &[Bar], o: &SvgOptions) -> String {
    let row = 26u32;
    // Room for the longest label (about 7 pixels a character), within reason.
    let longest = bars.iter().map(|b| clip(&b.label, 26).chars().count()).max().unwrap_or(0) as u32;
    let label_w = (longest * 7 + 14).clamp(60, 190);
    let value_w = 44u32;
    let width = o.width.max(label_w + value_w + 60);
    let height = (bars.len() as u32 * row).max(row) + 4;
    let max = o.max.unwrap_or_else(|| bars.iter().map(|b| b.value).filter(|v| v.is_finite()).fold(0.0, f64::max));
    let area = f64::from(width - label_w - value_w - 8);
    let mut s = svg_open(width, height, &o.title);
    if bars.is_empty() {
        let _ = write!(s, "<text x=\"0\" y=\"18\" fill=\"#57606a\">nothing to show</text>");
    }
    for (i, b) in bars.iter().enumerate() {
        let y = i as u32 * row + 2;
        let w = if max > 0.0 && b.value.is_finite() && b.value > 0.0 {
            ((b.value / max).min(1.0) * area).max(2.0)
        } else {
            0.0
        };
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{label_w}\" y=\"{}\" width=\"{w:.1}\" height=\"{}\" rx=\"3\" fill=\"{}\"><title>{}: {}</title></rect><text x=\"{:.1}\" y=\"{}\">{}</text>",
            label_w - 8,
            y + 16,
            html::text(&clip(&b.label, 26)),
            y + 3,
            row - 8,
            html::attr(&o.color),
            html::text(&b.label),
            html::text(&b.value_text()),
            f64::from(label_w) + w + 6.0,
            y + 16,
            html::text(&b.value_text()),
        );
    }
    s.push_str("</svg>");
    s
}

/// A line chart of `points` (label, value) in order, as an inline `<svg>` element: axis from 0 to
/// `max` (or the largest value), a dot per point with its value, and the first and last labels.
pub fn svg_line_chart(points: &[(String, f64)], o: &SvgOptions) -> String {
    let (width, height) = (o.width.max(200), 220u32);
    let (left, right, top, bottom) = (40.0, 20.0, 18.0, 34.0);
    let max =
        o.max.unwrap_or_else(|| points.iter().map(|p| p.1).filter(|v| v.is_finite()).fold(0.0, f64::max)).max(1.0);
    let plot_w = f64::from(width) - left - right;
    let plot_h = f64::from(height) - top - bottom;
    let x = |i: usize| {
        if points.len() <= 1 {
            left + plot_w / 2.0
        } else {
            left + plot_w * i as f64 / (points.len() - 1) as f64
        }
    };
    let y = |v: f64| top + plot_h * (1.0 - (v.clamp(0.0, max) / max));
    let mut s = svg_open(width, height, &o.title);
    for k in 0..=4 {
        let v = max * f64::from(k) / 4.0;
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#d0d7de\" stroke-width=\"1\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#57606a\">{}</text>",
            left + plot_w,
            left - 6.0,
            y(v) + 4.0,
            format_value(v.round()),
            yy = y(v)
        );
    }
    if points.is_empty() {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#57606a\">no attempts yet</text>",
            left + plot_w / 2.0,
            top + plot_h / 2.0
        );
    } else {
        let path: Vec<String> = points.iter().enumerate().map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.1))).collect();
        let _ = write!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>",
            path.join(" "),
            html::attr(&o.color)
        );
        let label_every = points.len().div_ceil(12).max(1);
        for (i, (label, v)) in points.iter().enumerate() {
            let _ = write!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"{}\"><title>{}: {}</title></circle>",
                x(i),
                y(*v),
                html::attr(&o.color),
                html::text(label),
                format_value(*v)
            );
            if points.len() <= 24 {
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                    x(i) + if i == 0 { 8.0 } else { 0.0 },
                    y(*v) - 9.0,
                    format_value(*v)
                );
            }
            if i % label_every == 0 || i + 1 == points.len() {
                // The first and last labels stay inside the drawing.
                let anchor = match (i, points.len()) {
                    (_, 1) => "middle",
                    (0, _) => "start",
                    (i, n) if i + 1 == n => "end",
                    _ => "middle",
                };
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"{anchor}\" fill=\"#57606a\">{}</text>",
                    x(i),
                    height - 12,
                    html::text(&clip(label, 12))
                );
            }
        }
    }
    s.push_str("</svg>");
    s
}

/// A small sparkline as an inline `<svg>` element, `width` x `height` pixels.
pub fn svg_sparkline(values: &[f64], width: u32, height: u32, color: &str) -> String {
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" aria-hidden=\"true\">"
    );
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.len() >= 2 {
        let (lo, hi) = finite.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
        let span = if hi > lo { hi - lo } else { 1.0 };
        let pts: Vec<String> = finite
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let x = 2.0 + (f64::from(width) - 4.0) * i as f64 / (finite.len() - 1) as f64;
                let y = 2.0 + (f64::from(height) - 4.0) * (1.0 - (v - lo) / span);
                format!("{x:.1},{y:.1}")
            })
            .collect();
        let _ = write!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>",
            pts.join(" "),
            html::attr(color)
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bars_scale_and_label() {
        let bars = [Bar::new("technical", 8.0), Bar::new("leadership", 1.0), Bar::new("communication", 0.0)];
        let text = bar_chart(&bars, 40);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("technical     ") && lines[0].ends_with(" 8"), "{text}");
        assert!(lines[0].contains("████"), "{text}");
        assert!(lines[2].ends_with(" 0") && !lines[2].contains('█'), "{text}");
        // Too narrow: numbers only.
        let narrow = bar_chart(&bars, 12);
        assert!(!narrow.contains('█') && narrow.lines().all(|l| l.width() <= 12), "{narrow}");
        assert!(narrow.starts_with("technical  8\n"), "{narrow}");
    }

    #[test]
    fn sparkline_shape() {
        assert_eq!(sparkline(&[0.0, 50.0, 100.0], 10, Some((0.0, 100.0))), "▁▅█");
        assert_eq!(sparkline(&[1.0, 2.0, 3.0, 4.0], 2, None), "▁█");
        assert_eq!(sparkline(&[], 5, None), "");
    }

    #[test]
    fn svg_is_escaped_and_self_contained() {
        let o = SvgOptions { title: "a <b> & \"c\"".into(), ..SvgOptions::default() };
        let s = svg_bar_chart(&[Bar::new("<script>alert(1)</script>", 3.0)], &o);
        assert!(!s.contains("<script>") && s.contains("&lt;script&gt;"), "{s}");
        assert!(!s.contains("href") && !s.contains("http://") || s.contains("xmlns=\"http://www.w3.org/2000/svg\""));
        let l = svg_line_chart(
            &[("2026-07-01".into(), 40.0), ("2026-08-01".into(), 80.0)],
            &SvgOptions { max: Some(100.0), ..o },
        );
        assert!(l.contains("<polyline") && l.ends_with("</svg>"), "{l}");
        assert!(svg_line_chart(&[], &SvgOptions::default()).contains("no attempts yet"));
        assert!(svg_sparkline(&[1.0, 3.0], 80, 20, "red").contains("polyline"));
    }

    proptest! {
        #[test]
        fn every_line_fits_the_width(
            labels in prop::collection::vec(".{0,40}", 0..8),
            values in prop::collection::vec(0.0f64..1e7, 8),
            width in 1usize..160,
        ) {
            let bars: Vec<Bar> = labels.iter().zip(&values).map(|(l, v)| Bar::new(l.replace(['\n', '\r'], ""), *v)).collect();
            let text = bar_chart(&bars, width);
            prop_assert_eq!(text.lines().count(), bars.len());
            for line in text.lines() {
                prop_assert!(line.width() <= width.max(1), "{:?} is wider than {}", line, width);
            }
        }

        #[test]
        fn sparklines_fit(values in prop::collection::vec(prop::num::f64::ANY, 0..50), width in 0usize..40) {
            prop_assert!(sparkline(&values, width, None).chars().count() <= width);
        }
    }
}
