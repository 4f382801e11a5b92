//! Realising a [`Plan`] as edits of JSON text, touching only the statements it changes.
//!
//! Positions come from `jsonc-parser`'s AST, which keeps the byte range of every value and
//! property (serde keeps none). It is the parser dprint uses for format-preserving edits, has no
//! dependencies, and its strictness is configurable: we parse strict JSON only, so that a file
//! IAM tooling would reject is reported with its line and column rather than edited.
//!
//! New text copies the style around it: a member goes on its own line with its siblings'
//! indentation when they are on their own lines, with the same `:`/`,` spacing otherwise; a
//! split statement is a copy of the original's text with its `Action` list filtered, so it keeps
//! the author's layout.

use crate::plan::{Plan, StatementFix, Unfixable};
use gsl::Value;
use jsonc_parser::ast::{self, ObjectProp};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, CommentCollectionStrategy, ParseOptions};
use tenet_iam::secure_transport::SECURE_TRANSPORT;

/// Replace `text[start..end]` with `with`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    pub start: usize,
    pub end: usize,
    pub with: String,
}

impl TextEdit {
    fn insert(at: usize, with: String) -> TextEdit {
        TextEdit {
            start: at,
            end: at,
            with,
        }
    }
}

/// A JSON syntax error with its 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Parses strict JSON with positions. An empty text is an error.
pub fn parse(text: &str) -> Result<ast::Value<'_>, SyntaxError> {
    let strict = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::Off,
        tokens: false,
    };
    match jsonc_parser::parse_to_ast(text, &collect, &strict) {
        Ok(r) => r.value.ok_or_else(|| SyntaxError {
            line: 1,
            column: 1,
            message: "expected a JSON value, found nothing".into(),
        }),
        Err(e) => Err(SyntaxError {
            line: e.line_display(),
            column: e.column_display(),
            message: format!("expected valid JSON: {}", e.kind()),
        }),
    }
}

/// Applies non-overlapping edits (any order) to `text`.
pub fn apply_edits(text: &str, edits: &[TextEdit]) -> String {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    let mut out = String::with_capacity(text.len() + 256);
    let mut at = 0;
    for e in sorted {
        if e.start < at {
            continue;
        }
        out.push_str(&text[at..e.start]);
        out.push_str(&e.with);
        at = e.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The edits that turn the policy document `doc` (an object node of `text`) into the plan's
/// fixed document.
pub fn document_edits(
    text: &str,
    doc: &ast::Value<'_>,
    plan: &Plan,
) -> Result<Vec<TextEdit>, Unfixable> {
    let Some(root) = doc.as_object() else {
        return Err(Unfixable("the document is not a JSON object".into()));
    };
    let Some(stmt_prop) = unique(root, "Statement")? else {
        return Err(Unfixable("the document has no `Statement`".into()));
    };
    let (items, single): (Vec<&ast::Value<'_>>, bool) = match &stmt_prop.value {
        ast::Value::Array(a) => (a.elements.iter().collect(), false),
        v @ ast::Value::Object(_) => (vec![v], true),
        _ => {
            return Err(Unfixable(
                "`Statement` is neither a list nor an object".into(),
            ));
        }
    };
    let mut edits = Vec::new();
    // Text appended after the last statement (split statements go right after theirs).
    let mut after: Vec<(usize, String)> = Vec::new();
    for (i, fix) in &plan.statements {
        let Some(node) = items.get(*i) else {
            return Err(Unfixable(format!("Statement[{i}] is not in the text")));
        };
        let Some(obj) = node.as_object() else {
            return Err(Unfixable(format!("Statement[{i}] is not an object")));
        };
        match fix {
            StatementFix::Condition => edits.extend(condition_edits(text, obj, *i)?),
            StatementFix::Split { access_key, sid } => {
                let Some(action) = unique(obj, "Action")? else {
                    return Err(Unfixable(format!("Statement[{i}] has no `Action`")));
                };
                let Some(arr) = action.value.as_array() else {
                    return Err(Unfixable(format!("Statement[{i}].Action is not a list")));
                };
                let keep: Vec<usize> = (0..arr.elements.len())
                    .filter(|k| !access_key.contains(k))
                    .collect();
                edits.push(keep_elements(text, arr, &keep));
                // The new statement: the original's text with the access-key patterns only, its
                // own Sid and the condition.
                let mut inner = vec![keep_elements(text, arr, access_key)];
                if let Some(sid) = sid {
                    match unique(obj, "Sid")? {
                        Some(p) => inner.push(TextEdit {
                            start: p.value.range().start,
                            end: p.value.range().end,
                            with: json_string(sid),
                        }),
                        None => return Err(Unfixable(format!("Statement[{i}] has no `Sid`"))),
                    }
                }
                inner.extend(condition_edits(text, obj, *i)?);
                let r = obj.range;
                let shifted: Vec<TextEdit> = inner
                    .into_iter()
                    .map(|e| TextEdit {
                        start: e.start - r.start,
                        end: e.end - r.start,
                        with: e.with,
                    })
                    .collect();
                let copy = apply_edits(&text[r.start..r.end], &shifted);
                after.push((*i, copy));
            }
        }
    }
    let mut appended: Vec<String> = Vec::new();
    if !plan.append.is_empty() {
        let style = match items.last() {
            Some(v) => Style::like(text, v),
            None => Style::compact(),
        };
        for v in &plan.append {
            appended.push(render(v, &style, &style.indent));
        }
    }
    if single {
        let r = stmt_prop.value.range();
        let indent = line_indent(text, r.start);
        let sep = separator_like(text, stmt_prop, &indent);
        let mut tail = String::new();
        for (_, copy) in &after {
            tail.push_str(&sep);
            tail.push_str(copy);
        }
        for a in &appended {
            tail.push_str(&sep);
            tail.push_str(a);
        }
        if !tail.is_empty() {
            edits.push(TextEdit::insert(r.start, "[".into()));
            edits.push(TextEdit::insert(r.end, format!("{tail}]")));
        }
        return Ok(edits);
    }
    let sep = element_separator(text, &items, &stmt_prop.value);
    for (i, copy) in after {
        if let Some(node) = items.get(i) {
            edits.push(TextEdit::insert(node.range().end, format!("{sep}{copy}")));
        }
    }
    if let Some(last) = items.last() {
        let tail: String = appended.iter().map(|a| format!("{sep}{a}")).collect();
        if !tail.is_empty() {
            edits.push(TextEdit::insert(last.range().end, tail));
        }
    } else if !appended.is_empty() {
        let r = stmt_prop.value.range();
        edits.push(TextEdit {
            start: r.start,
            end: r.end,
            with: format!("[{}]", appended.join(", ")),
        });
    }
    Ok(edits)
}

/// The one property named `name`; two of them make an edit ambiguous.
fn unique<'b, 'a>(
    obj: &'b ast::Object<'a>,
    name: &str,
) -> Result<Option<&'b ObjectProp<'a>>, Unfixable> {
    let mut found = obj.properties.iter().filter(|p| p.name.as_str() == name);
    let first = found.next();
    if found.next().is_some() {
        return Err(Unfixable(format!(
            "the key `{name}` appears twice in one object; fix the duplicate first"
        )));
    }
    Ok(first)
}

/// Edits that make `Condition.Bool.aws:SecureTransport` `"true"` in statement `obj`.
fn condition_edits(
    text: &str,
    obj: &ast::Object<'_>,
    i: usize,
) -> Result<Vec<TextEdit>, Unfixable> {
    let Some(cond) = unique(obj, "Condition")? else {
        return Ok(vec![insert_member(
            text,
            obj,
            "Condition",
            &crate::plan::condition_value("true"),
        )]);
    };
    let Some(cond_obj) = cond.value.as_object() else {
        return Err(Unfixable(format!(
            "Statement[{i}].Condition is not an object"
        )));
    };
    let Some(b) = unique(cond_obj, "Bool")? else {
        let mut inner = gsl::Map::new();
        inner.insert(SECURE_TRANSPORT, Value::str("true"));
        return Ok(vec![insert_member(
            text,
            cond_obj,
            "Bool",
            &Value::Object(inner),
        )]);
    };
    let Some(bool_obj) = b.value.as_object() else {
        return Err(Unfixable(format!(
            "Statement[{i}].Condition.Bool is not an object"
        )));
    };
    let matching: Vec<&ObjectProp<'_>> = bool_obj
        .properties
        .iter()
        .filter(|p| p.name.as_str().eq_ignore_ascii_case(SECURE_TRANSPORT))
        .collect();
    let Some(first) = matching.first() else {
        return Ok(vec![insert_member(
            text,
            bool_obj,
            SECURE_TRANSPORT,
            &Value::str("true"),
        )]);
    };
    let mut edits = Vec::new();
    let exact = first.name.as_str() == SECURE_TRANSPORT
        && first
            .value
            .as_string_lit()
            .is_some_and(|s| s.value == "true");
    if !exact {
        let colon = &text[first.name.range().end..first.value.range().start];
        edits.push(TextEdit {
            start: first.range.start,
            end: first.range.end,
            with: format!("{}{colon}\"true\"", json_string(SECURE_TRANSPORT)),
        });
    }
    // Other spellings of the same key would still AND their values in: drop them.
    for p in matching.iter().skip(1) {
        edits.push(remove_member(text, bool_obj, p));
    }
    Ok(edits)
}

/// Deletes property `p` of `obj` with the separator before it (or after it, for the first).
fn remove_member(text: &str, obj: &ast::Object<'_>, p: &ObjectProp<'_>) -> TextEdit {
    let k = obj
        .properties
        .iter()
        .position(|q| q.range == p.range)
        .unwrap_or(0);
    if k > 0 {
        TextEdit {
            start: obj.properties[k - 1].range.end,
            end: p.range.end,
            with: String::new(),
        }
    } else if let Some(next) = obj.properties.get(1) {
        TextEdit {
            start: p.range.start,
            end: next.range.start,
            with: String::new(),
        }
    } else {
        let _ = text;
        TextEdit {
            start: p.range.start,
            end: p.range.end,
            with: String::new(),
        }
    }
}

/// Inserts `"key": value` as the last member of `obj`, in its style.
fn insert_member(text: &str, obj: &ast::Object<'_>, key: &str, value: &Value) -> TextEdit {
    let Some(last) = obj.properties.last() else {
        let mut m = gsl::Map::new();
        m.insert(key, value.clone());
        let style = Style::compact();
        return TextEdit {
            start: obj.range.start,
            end: obj.range.end,
            with: render(&Value::Object(m), &style, ""),
        };
    };
    let colon = text[last.name.range().end..last.value.range().start].to_string();
    // Whitespace before a member: what precedes the last one (after the previous comma or `{`).
    let before_last = &text[obj.range.start + 1..last.range.start];
    let ws = match before_last.rfind(',') {
        Some(c) => &before_last[c + 1..],
        None => before_last,
    };
    let style = if ws.contains('\n') {
        let indent = line_indent(text, last.range.start);
        let unit = indent_unit(&indent, &line_indent(text, obj.range.start));
        Style::multiline(indent, unit, colon)
    } else {
        Style::one_line(colon)
    };
    let member = format!(
        "{}{}{}",
        json_string(key),
        style.colon,
        render(value, &style, &style.indent)
    );
    let ws = if ws.is_empty() && !style.multiline {
        &style.comma[1..]
    } else {
        ws
    };
    TextEdit::insert(last.range.end, format!(",{ws}{member}"))
}

/// The array's text keeping only the elements at `keep` (in order), with its own separators.
fn keep_elements(text: &str, arr: &ast::Array<'_>, keep: &[usize]) -> TextEdit {
    let els = &arr.elements;
    let r = arr.range;
    let (Some(first), Some(last)) = (els.first(), els.last()) else {
        return TextEdit {
            start: r.start,
            end: r.end,
            with: text[r.start..r.end].to_string(),
        };
    };
    let sep = match els.get(1) {
        Some(second) => &text[first.range().end..second.range().start],
        None => ", ",
    };
    let kept: Vec<&str> = keep
        .iter()
        .filter_map(|&k| els.get(k))
        .map(|e| &text[e.range().start..e.range().end])
        .collect();
    TextEdit {
        start: first.range().start,
        end: last.range().end,
        with: kept.join(sep),
    }
}

/// How to write new values where they go.
#[derive(Clone, Debug)]
struct Style {
    multiline: bool,
    /// Indentation of the line the value starts on.
    indent: String,
    unit: String,
    colon: String,
    comma: String,
}

impl Style {
    fn compact() -> Style {
        Style {
            multiline: false,
            indent: String::new(),
            unit: String::new(),
            colon: ": ".into(),
            comma: ", ".into(),
        }
    }

    /// The style of statement `like` (an object), for a new sibling statement.
    fn like(text: &str, like: &ast::Value<'_>) -> Style {
        let r = like.range();
        let colon = first_colon(text, r.start, r.end).unwrap_or_else(|| ": ".into());
        let first = like.as_object().and_then(|o| o.properties.first());
        match first {
            Some(p) if text[r.start..p.range.start].contains('\n') => {
                let indent = line_indent(text, r.start);
                let unit = indent_unit(&line_indent(text, p.range.start), &indent);
                Style::multiline(indent, unit, colon)
            }
            _ => Style::one_line(colon),
        }
    }

    fn multiline(indent: String, unit: String, colon: String) -> Style {
        Style {
            multiline: true,
            indent,
            unit,
            colon,
            comma: ",".into(),
        }
    }

    fn one_line(colon: String) -> Style {
        Style {
            multiline: false,
            indent: String::new(),
            unit: String::new(),
            comma: comma_for(&colon).into(),
            colon,
        }
    }
}

/// One level of indentation: what `inner` adds to `outer` (two spaces when that is unclear).
fn indent_unit(inner: &str, outer: &str) -> String {
    inner
        .strip_prefix(outer)
        .filter(|u| !u.is_empty())
        .unwrap_or("  ")
        .to_string()
}

/// `", "` beside `": "`, `","` beside `":"`: the spacing of a one-line document.
fn comma_for(colon: &str) -> &'static str {
    if colon.ends_with(' ') { ", " } else { "," }
}

/// The spacing around the first `:` that separates a key from its value in `text[from..to]`.
fn first_colon(text: &str, from: usize, to: usize) -> Option<String> {
    let bytes = text.as_bytes();
    let mut in_str = false;
    let mut esc = false;
    for k in from..to {
        let b = bytes[k];
        if in_str {
            if esc {
                esc = false;
            } else if b == b'\\' {
                esc = true;
            } else if b == b'"' {
                in_str = false;
            }
        } else if b == b'"' {
            in_str = true;
        } else if b == b':' {
            let mut s = k;
            while s > from && (bytes[s - 1] == b' ' || bytes[s - 1] == b'\t') {
                s -= 1;
            }
            let mut e = k + 1;
            while e < to && (bytes[e] == b' ' || bytes[e] == b'\t') {
                e += 1;
            }
            return Some(text[s..e].to_string());
        }
    }
    None
}

/// The whitespace-and-comma text between two elements of the statement list.
fn element_separator(text: &str, items: &[&ast::Value<'_>], list: &ast::Value<'_>) -> String {
    if let [a, b, ..] = items {
        return text[a.range().end..b.range().start].to_string();
    }
    let r = list.range();
    match items.first() {
        Some(first) => {
            let ws = &text[r.start + 1..first.range().start];
            if ws.is_empty() {
                let colon = first_colon(text, r.start, r.end).unwrap_or_else(|| ": ".into());
                comma_for(&colon).into()
            } else {
                format!(",{ws}")
            }
        }
        None => ", ".into(),
    }
}

/// For a single-object `Statement` that becomes a list: `,` and the line break and indentation
/// its members' key uses, else a space.
fn separator_like(text: &str, prop: &ObjectProp<'_>, indent: &str) -> String {
    let r = prop.value.range();
    if text[r.start..r.end].contains('\n') {
        format!(",\n{indent}")
    } else {
        ", ".into()
    }
}

/// The whitespace at the start of the line holding byte `at`.
fn line_indent(text: &str, at: usize) -> String {
    let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    text[start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// `v` as JSON in `style`; `indent` is the indentation of the line it starts on.
fn render(v: &Value, style: &Style, indent: &str) -> String {
    match v {
        Value::Object(m) if !m.is_empty() => {
            if style.multiline {
                let inner = format!("{indent}{}", style.unit);
                let members: Vec<String> = m
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{inner}{}{}{}",
                            json_string(k),
                            style.colon,
                            render(v, style, &inner)
                        )
                    })
                    .collect();
                format!("{{\n{}\n{indent}}}", members.join(",\n"))
            } else {
                let members: Vec<String> = m
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{}{}{}",
                            json_string(k),
                            style.colon,
                            render(v, style, indent)
                        )
                    })
                    .collect();
                format!("{{{}}}", members.join(&style.comma))
            }
        }
        Value::List(l) if !l.is_empty() => {
            if style.multiline {
                let inner = format!("{indent}{}", style.unit);
                let items: Vec<String> = l
                    .iter()
                    .map(|v| format!("{inner}{}", render(v, style, &inner)))
                    .collect();
                format!("[\n{}\n{indent}]", items.join(",\n"))
            } else {
                let items: Vec<String> = l.iter().map(|v| render(v, style, indent)).collect();
                format!("[{}]", items.join(&style.comma))
            }
        }
        other => other.to_json().to_string(),
    }
}

/// Fixes one document held as JSON text (a plain policy file, or the decoded text of a
/// document string): the fixed text.
pub fn fix_text(text: &str, plan: &Plan) -> Result<String, Unfixable> {
    let doc = parse(text).map_err(|e| {
        Unfixable(format!(
            "line {}, column {}: {}",
            e.line, e.column, e.message
        ))
    })?;
    let edits = document_edits(text, &doc, plan)?;
    Ok(apply_edits(text, &edits))
}
