//! `--format json`: exactly one JSON array on standard output, one report per readable input in
//! input order, each the analyzer's [`Report`] with `"path"` first. Written as it goes: `[`, each
//! report, `]`.

use std::io::{self, Write};

use serde::Serialize;
use starl_analyzer::Report;

use super::{Printer, Story};
use crate::lint::Tally;

#[derive(Serialize)]
struct WithPath<'a> {
    path: &'a str,
    #[serde(flatten)]
    report: &'a Report,
}

pub struct Json<W: Write> {
    out: W,
    first: bool,
}

impl<W: Write> Json<W> {
    pub fn new(out: W) -> Self {
        Json { out, first: true }
    }
}

impl<W: Write> Printer for Json<W> {
    fn begin(&mut self) -> io::Result<()> {
        self.out.write_all(b"[")
    }

    fn story(&mut self, story: &Story) -> io::Result<()> {
        self.out.write_all(if self.first { b"\n" } else { b",\n" })?;
        self.first = false;
        serde_json::to_writer(&mut self.out, &WithPath { path: story.name, report: story.report })?;
        // Let a consumer reading the stream see each report as soon as it is complete.
        self.out.flush()
    }

    fn finish(&mut self, _: &Tally) -> io::Result<()> {
        self.out.write_all(if self.first { b"]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }
}
