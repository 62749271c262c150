//! starl's analyzer: the pure core that reads a failure story and says what an interviewer will
//! hear.
//!
//! **Invariant:** this crate does no I/O, spawns nothing, is not async and never panics on any
//! input text. Text goes in, a [`Report`] comes out. Rule files come in as strings; reading them
//! from disk is the caller's job.
//!
//! ```
//! let analyzer = starl_analyzer::Analyzer::builtin();
//! let report = analyzer.analyze("The requirements kept changing, so the release slipped.");
//! assert!(report.diagnostics.iter().any(|d| d.rule == "blame-shifting"));
//! ```

mod cache;
mod document;
mod engine;
mod model;
mod pattern;
mod report;

pub use cache::{CacheError, BUILD_FINGERPRINT, BUILTIN_HASH, CACHE_FORMAT, MAGIC};
pub use document::{body_start, Syntax};
pub use engine::{Analyzer, Options, OptionsError};
pub use model::{Category, Framework, Kind, Part, Question, Rule, RuleError, RuleSet, Severity, BUILTIN};
pub use report::{Diagnostic, PartSpan, Report, Strength, Structure, Themes};
