//! Errors with byte spans, rendered with the rule text and a caret.

use std::fmt;
use std::ops::Range;

/// A byte range into the rule text.
pub type Span = Range<usize>;

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Byte range of the offending text (empty range = a position, e.g. end of input).
    pub span: Span,
    /// What went wrong, including what was expected ("expected `]` to close `[` ...").
    pub message: String,
    /// The nearest valid keyword, function or entity name, when one is close.
    pub suggestion: Option<String>,
}

impl Diagnostic {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Self {
            span,
            message: message.into(),
            suggestion: None,
        }
    }

    pub fn with_suggestion(mut self, s: impl Into<String>) -> Self {
        self.suggestion = Some(s.into());
        self
    }

    /// 1-based (line, column) of the span start in `src`; columns count characters.
    pub fn line_col(&self, src: &str) -> (usize, usize) {
        let start = self.span.start.min(src.len());
        let before = src.get(..start).unwrap_or(src);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = src
            .get(line_start..start)
            .map_or(1, |s| s.chars().count() + 1);
        (line, col)
    }

    /// Renders `origin:line:col: error: message`, the source line, and a caret line under the
    /// span, then the suggestion if any.
    pub fn render(&self, src: &str, origin: &str) -> String {
        let (line, col) = self.line_col(src);
        let mut out = format!("{origin}:{line}:{col}: error: {}\n", self.message);
        let start = self.span.start.min(src.len());
        let line_start = src
            .get(..start)
            .and_then(|b| b.rfind('\n'))
            .map_or(0, |i| i + 1);
        let line_end = src
            .get(line_start..)
            .and_then(|r| r.find('\n'))
            .map_or(src.len(), |i| line_start + i);
        let text = src.get(line_start..line_end).unwrap_or("");
        let gutter = format!("{line}");
        out.push_str(&format!(
            "{} |\n{gutter} | {text}\n",
            " ".repeat(gutter.len())
        ));
        let end = self.span.end.clamp(start, line_end.max(start));
        let width = src.get(start..end).map_or(1, |s| s.chars().count()).max(1);
        out.push_str(&format!(
            "{} | {}{}\n",
            " ".repeat(gutter.len()),
            " ".repeat(col - 1),
            "^".repeat(width)
        ));
        if let Some(s) = &self.suggestion {
            out.push_str(&format!("  = help: did you mean `{s}`?\n"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (at bytes {}..{})",
            self.message, self.span.start, self.span.end
        )?;
        if let Some(s) = &self.suggestion {
            write!(f, "; did you mean `{s}`?")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}
