//! What to lint: command-line paths expanded into story inputs, and each input read into text
//! with every way it can be unusable named in one line.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use starl_analyzer::Syntax;

/// File name extensions that a folder walk picks up.
const STORY_EXTENSIONS: &[&str] = &["md", "markdown", "txt"];

/// Where a story comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File(PathBuf),
}

/// One story to lint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The path as given on the command line or found in the folder walk; `-` for standard input.
    pub name: String,
    pub source: Source,
    pub syntax: Syntax,
}

/// An input that cannot be linted, and why.
#[derive(Debug)]
pub struct Failed {
    pub name: String,
    pub error: InputError,
}

/// Why an input cannot be linted, in one line.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("no such file or folder")]
    NotFound,
    #[error("permission denied")]
    PermissionDenied,
    #[error("cannot read: {0}")]
    Io(io::Error),
    #[error("cannot walk the folder: {0}")]
    Walk(String),
    #[error("too large: {}over the limit of {limit} bytes (raise it with --max-size)", size_of(*.size))]
    TooLarge { size: Option<u64>, limit: u64 },
    #[error("looks like a binary file (NUL byte at offset {offset}); starl reads text stories")]
    Binary { offset: usize },
    #[error("not valid UTF-8: first bad byte at offset {offset} (line {line}); save the story as UTF-8")]
    InvalidUtf8 { offset: usize, line: usize },
    #[error("empty: there is no story to read")]
    Empty,
    #[error("contains only whitespace: there is no story to read")]
    Blank,
}

fn size_of(size: Option<u64>) -> String {
    size.map_or_else(String::new, |n| format!("{n} bytes, "))
}

impl From<io::Error> for InputError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::NotFound => InputError::NotFound,
            io::ErrorKind::PermissionDenied => InputError::PermissionDenied,
            _ => InputError::Io(e),
        }
    }
}

/// Expand command-line paths, in order: `-` is standard input, a folder stands for every story
/// file under it (sorted, skipping hidden folders and `target`), anything else is a file.
pub fn expand(paths: &[PathBuf]) -> impl Iterator<Item = Result<Input, Failed>> + '_ {
    paths.iter().flat_map(|path| -> Vec<Result<Input, Failed>> {
        if path.as_os_str() == "-" {
            return vec![Ok(Input { name: "-".into(), source: Source::Stdin, syntax: Syntax::Markdown })];
        }
        if path.is_dir() {
            let found = walk(path);
            if found.is_empty() {
                crate::report_note(&format!("{}: no .md, .markdown or .txt files in this folder", path.display()));
            }
            found
        } else {
            vec![Ok(file_input(path.to_path_buf()))]
        }
    })
}

fn file_input(path: PathBuf) -> Input {
    let plain = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("txt"));
    Input {
        name: path.display().to_string(),
        syntax: if plain { Syntax::Plain } else { Syntax::Markdown },
        source: Source::File(path),
    }
}

fn is_story_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| STORY_EXTENSIONS.iter().any(|s| e.eq_ignore_ascii_case(s)))
}

/// Every story file under `dir`, in sorted order. The paths of one folder are few next to the
/// stories themselves, so they are collected; the stories are read one at a time.
fn walk(dir: &Path) -> Vec<Result<Input, Failed>> {
    let skip = |e: &walkdir::DirEntry| {
        e.depth() > 0 && e.file_type().is_dir() && {
            let name = e.file_name().to_string_lossy();
            name.starts_with('.') || name == "target"
        }
    };
    walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !skip(e))
        .filter_map(|entry| match entry {
            Ok(e) => (e.file_type().is_file() && is_story_file(e.path())).then(|| Ok(file_input(e.into_path()))),
            Err(e) => {
                let name = e.path().unwrap_or(dir).display().to_string();
                let error = match e.io_error().map(io::Error::kind) {
                    Some(io::ErrorKind::PermissionDenied) => InputError::PermissionDenied,
                    _ => InputError::Walk(e.to_string()),
                };
                Some(Err(Failed { name, error }))
            }
        })
        .collect()
}

/// Read an input into text, reading at most `max_size + 1` bytes whatever the source claims.
pub fn read(input: &Input, max_size: u64) -> Result<String, InputError> {
    let mut bytes = Vec::new();
    match &input.source {
        Source::Stdin => read_bounded(io::stdin().lock(), max_size, &mut bytes)?,
        Source::File(path) => {
            let file = File::open(path)?;
            // Refuse a large file before reading it; the bounded read below also covers files
            // that grow and special files whose size is not known in advance.
            let len = file.metadata()?.len();
            if len > max_size {
                return Err(InputError::TooLarge { size: Some(len), limit: max_size });
            }
            bytes.reserve_exact(len as usize);
            read_bounded(file, max_size, &mut bytes)?;
        }
    }
    decode(bytes)
}

fn read_bounded(source: impl Read, max_size: u64, bytes: &mut Vec<u8>) -> Result<(), InputError> {
    source.take(max_size.saturating_add(1)).read_to_end(bytes)?;
    if bytes.len() as u64 > max_size {
        return Err(InputError::TooLarge { size: None, limit: max_size });
    }
    Ok(())
}

/// Check that bytes are a story: text, UTF-8, not empty.
fn decode(bytes: Vec<u8>) -> Result<String, InputError> {
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(InputError::Binary { offset });
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        InputError::InvalidUtf8 { offset, line }
    })?;
    if text.is_empty() {
        return Err(InputError::Empty);
    }
    if text.trim().is_empty() {
        return Err(InputError::Blank);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_names_the_first_bad_byte() {
        let e = decode(b"fine\nstill fine\nbad \xff here".to_vec()).unwrap_err();
        assert!(matches!(e, InputError::InvalidUtf8 { offset: 20, line: 3 }), "{e:?}");
        assert!(matches!(decode(b"a\0b".to_vec()), Err(InputError::Binary { offset: 1 })));
        assert!(matches!(decode(Vec::new()), Err(InputError::Empty)));
        assert!(matches!(decode(b" \n\t\n".to_vec()), Err(InputError::Blank)));
        assert_eq!(decode("I was wrong. \u{1F600}".as_bytes().to_vec()).unwrap(), "I was wrong. \u{1F600}");
    }

    #[test]
    fn bounded_read_stops_past_the_limit() {
        let mut bytes = Vec::new();
        let e = read_bounded(io::repeat(b'a'), 10, &mut bytes).unwrap_err();
        assert!(matches!(e, InputError::TooLarge { limit: 10, .. }));
        assert_eq!(bytes.len(), 11);
    }

    #[test]
    fn txt_files_are_plain_text() {
        assert_eq!(file_input("a/b.TXT".into()).syntax, Syntax::Plain);
        assert_eq!(file_input("a/b.md".into()).syntax, Syntax::Markdown);
        assert_eq!(file_input("notes".into()).syntax, Syntax::Markdown);
    }
}
