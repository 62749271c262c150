//! `--format short`: one line per finding, `path:line:col: severity[rule] message`, or
//! `path: severity[rule] message` for story-level findings. For editors' error formats and grep.

use std::io::{self, Write};

use super::{one_line, severity_style, Printer, Story};
use crate::lint::Tally;

pub struct Short<W: Write> {
    out: W,
}

impl<W: Write> Short<W> {
    pub fn new(out: W) -> Self {
        Short { out }
    }
}

impl<W: Write> Printer for Short<W> {
    fn story(&mut self, story: &Story) -> io::Result<()> {
        let name = story.display_name();
        for d in &story.report.diagnostics {
            let style = severity_style(d.severity);
            let place = match (d.line, d.column) {
                (Some(line), Some(col)) => format!("{name}:{line}:{col}"),
                _ => name.to_owned(),
            };
            let severity = d.severity.as_str();
            writeln!(self.out, "{place}: {style}{severity}[{}]{style:#} {}", d.rule, one_line(&d.message))?;
        }
        Ok(())
    }

    fn finish(&mut self, _: &Tally) -> io::Result<()> {
        self.out.flush()
    }
}
