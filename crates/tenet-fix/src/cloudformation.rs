//! Realising a [`Plan`] in CloudFormation templates.
//!
//! JSON templates: the JSON editor on the document object that holds the statement the source
//! located (or on the JSON string a document is written as).

use crate::json::{self, TextEdit};
use crate::plan::{Plan, Unfixable};
use crate::sites::site_edits;
use jsonc_parser::ast;
use jsonc_parser::common::Ranged;

/// Byte offset of a 1-based line and (character) column.
fn offset(text: &str, line: usize, column: usize) -> Option<usize> {
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    let rest = &text[start..];
    let at = rest
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(rest.len(), |(i, _)| i);
    Some(start + at)
}

/// The edits of a JSON template that fix the document whose statement the source located at
/// `line`:`column` (a statement object, or the document string).
pub fn json_edits(
    text: &str,
    line: usize,
    column: usize,
    plan: &Plan,
) -> Result<Vec<TextEdit>, Unfixable> {
    let root = json::parse(text).map_err(|e| {
        Unfixable(format!(
            "line {}, column {}: {}",
            e.line, e.column, e.message
        ))
    })?;
    let at = offset(text, line, column)
        .ok_or_else(|| Unfixable(format!("line {line} is not in the template")))?;
    match find(&root, at) {
        Some(node) => site_edits(text, node, plan),
        None => Err(Unfixable(format!(
            "line {line}, column {column}: the policy document is not written as a JSON object or string here (built by an intrinsic function?)"
        ))),
    }
}

/// The document (an object with `Statement`) one of whose statements starts at `at`, or a string
/// starting at `at`.
fn find<'b, 'a>(v: &'b ast::Value<'a>, at: usize) -> Option<&'b ast::Value<'a>> {
    match v {
        ast::Value::StringLit(s) if s.range.start == at => Some(v),
        ast::Value::Object(o) => {
            if let Some(p) = o.get("Statement") {
                let hit = match &p.value {
                    ast::Value::Array(a) => a.elements.iter().any(|e| e.range().start == at),
                    s => s.range().start == at,
                };
                if hit {
                    return Some(v);
                }
            }
            o.properties.iter().find_map(|p| find(&p.value, at))
        }
        ast::Value::Array(a) => a.elements.iter().find_map(|e| find(e, at)),
        _ => None,
    }
}

/// YAML templates: not implemented yet.
pub fn yaml_edits(
    _text: &str,
    _line: usize,
    _column: usize,
    _plan: &Plan,
) -> Result<Vec<TextEdit>, Unfixable> {
    Err(Unfixable("YAML templates are not edited yet".into()))
}
