//! The error every loader returns: which file, where in it, and what is wrong.

use std::fmt;
use std::path::{Path, PathBuf};

/// A file that cannot be loaded. Display: `path:line:col: message`, or `path: message` when the
/// problem has no position (e.g. valid JSON that is not an export).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceError {
    pub path: PathBuf,
    /// 1-based.
    pub line: Option<usize>,
    /// 1-based.
    pub column: Option<usize>,
    pub message: String,
}

impl SourceError {
    pub fn new(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// From a serde_json error: its position, and its message without the " at line .." tail.
    pub(crate) fn from_json(path: &Path, e: &serde_json::Error) -> Self {
        let text = e.to_string();
        let message = crate::gaad::strip_position(&text);
        let field = crate::gaad::take_error_path();
        let message = if e.is_data() && !field.is_empty() {
            format!("`{field}`: {message}")
        } else {
            message.to_string()
        };
        Self {
            path: path.to_path_buf(),
            line: (e.line() > 0).then_some(e.line()),
            // serde_json says column 0 for the start of a line (e.g. at end of file).
            column: (e.line() > 0).then_some(e.column().max(1)),
            message,
        }
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for SourceError {}
