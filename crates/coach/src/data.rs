//! The embedded data files, parsed strictly.

use std::sync::OnceLock;

use serde::de::DeserializeOwned;

/// A data file that does not parse: which file, which line, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct DataError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Parse TOML `text` from `file` into `T` (whose types deny unknown fields).
pub(crate) fn parse_toml<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, DataError> {
    toml::from_str(text).map_err(|e| DataError {
        file: file.to_owned(),
        line: e.span().map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1),
        message: e.message().trim().to_owned(),
    })
}

/// A word list: one entry a line, `#` comments and blank lines skipped, lower-cased.
pub(crate) fn parse_list(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_lowercase).collect()
}

/// The built-in copy of a data file, parsed once. The files are tested, so failing here is a bug.
pub(crate) fn builtin<T: DeserializeOwned>(cell: &'static OnceLock<T>, file: &str, text: &str) -> &'static T {
    cell.get_or_init(|| match parse_toml(file, text) {
        Ok(v) => v,
        Err(e) => panic!("built-in data file is broken: {e}"),
    })
}
