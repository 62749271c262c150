//! starl's practice loop, shared by the command line and the web app: everything between the
//! journal (`starl-store`) and the analyzer (`starl-analyzer`) that turns them into coaching.
//!
//! - [`practice`]: choose a question to rehearse, what interviewers look for in it, pace and
//!   filler words of a spoken answer, a summary of each attempt, and the history of attempts.
//! - [`reframe`]: 004's failureToStrength walk (weakness -> learning -> improvement) for its three
//!   scenarios, each answer checked with the analyzer.
//! - [`redact`]: names, companies, e-mail addresses, URLs and (optionally) amounts replaced by
//!   consistent placeholders, by spans, before a story goes to a peer.
//! - [`packet`]: the peer-review packet (Markdown and self-contained HTML) and its rubric parser.
//! - [`review`]: the quarterly review of the failure log, and its terminal and HTML renderings.
//! - [`chart`]: terminal bar charts and sparklines, SVG bar and line charts.
//!
//! **Invariant:** like the analyzer, this crate does no I/O, is not async, touches no database and
//! reads no clock: time and data come in as arguments. Everything it returns derives `Serialize`.
//! **Invariant:** knowledge is data: questions' guidance, filler words, scenarios, redaction
//! word lists and stop words are files in `data/`, embedded at build time and parsed strictly
//! (unknown keys are errors; the tests parse them all).

//! A practice page, end to end (what `starl practice` does):
//!
//! ```
//! use starl_coach::practice::{self, Pick};
//! let analyzer = starl_analyzer::Analyzer::builtin();
//! // Ready stories with the analyzer's fits, and earlier attempts, come from the store.
//! let coverage = practice::coverage(analyzer.rules(), &[], &[]);
//! let question = &practice::choose(&coverage, &Pick::LeastCovered).unwrap().question;
//! let answer = "Um, I shipped a migration that locked the orders table for 40 minutes. ...";
//! let report = analyzer.analyze(answer);
//! let seconds = practice::parse_duration("0:20").unwrap();
//! let summary = practice::summarize(&question.id, answer, &report, Some(seconds), &[]);
//! assert_eq!(summary.fillers.as_ref().unwrap().total, 1);
//! let attempt = summary.to_attempt(answer, None, jiff::Timestamp::UNIX_EPOCH); // Store::record_attempt
//! assert_eq!(attempt.question, question.id);
//! ```

pub mod chart;
mod data;
pub mod html;
pub mod packet;
pub mod practice;
pub mod redact;
pub mod reframe;
pub mod review;

pub use data::DataError;
