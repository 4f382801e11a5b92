//! Realising a [`Plan`] in CloudFormation templates.
//!
//! JSON templates: the JSON editor on the document object that holds the statement the source
//! located (or on the JSON string a document is written as).

use crate::json::{self, TextEdit, apply_edits};
use crate::plan::{Plan, StatementFix, Unfixable};
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

// YAML templates: line edits at the statements, not a YAML library's re-serialisation. The YAML
// crates at hand drop comments and CloudFormation's short tags (`!Sub`, `!If`) when writing, and
// none edits in place; a policy's statements are block mappings in a block sequence, whose
// extent is given by indentation alone, so inserting lines (a `Condition`, a split statement, the
// covering Deny) and removing an `Action` item's line is exact. Anything else (flow style, a
// statement built by a tag) is reported, not edited; the caller re-parses the result with the
// CloudFormation source and rescans it.

/// One line: its byte offset, text (without `\n`), indentation and whether it holds content.
struct Line<'a> {
    start: usize,
    text: &'a str,
    indent: usize,
}

impl Line<'_> {
    fn content(&self) -> bool {
        let t = self.text.trim_start();
        !t.is_empty() && !t.starts_with('#')
    }
    fn end(&self) -> usize {
        self.start + self.text.len()
    }
    /// `key` when the line is `key:` (after an optional `- `) and the rest after the colon.
    fn key(&self) -> Option<(&str, &str, usize)> {
        let mut t = &self.text[self.indent..];
        let mut col = self.indent;
        while let Some(r) = t.strip_prefix("- ") {
            let n = r.len() - r.trim_start().len();
            col += 2 + n;
            t = r.trim_start();
        }
        let colon = t.find(':')?;
        let key = t[..colon].trim_matches(|c| c == '"' || c == '\'');
        let rest = &t[colon + 1..];
        if !(rest.is_empty() || rest.starts_with(' ')) {
            return None;
        }
        let rest = match rest.find(" #") {
            Some(h) => &rest[..h],
            None => rest,
        };
        Some((key, rest.trim(), col))
    }
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for l in text.split('\n') {
        let l2 = l.strip_suffix('\r').unwrap_or(l);
        out.push(Line {
            start,
            text: l2,
            indent: l2.len() - l2.trim_start_matches(' ').len(),
        });
        start += l.len() + 1;
    }
    out
}

/// The last content line in `[from, to)`, or `from - 1`.
fn last_content(ls: &[Line<'_>], from: usize, to: usize) -> usize {
    (from..to)
        .rev()
        .find(|&k| ls[k].content())
        .unwrap_or(from.saturating_sub(1))
}

/// The end (exclusive) of the block of lines nested deeper than `col` after line `k`.
fn block_end(ls: &[Line<'_>], k: usize, col: usize) -> usize {
    let mut e = k + 1;
    while e < ls.len() && (!ls[e].content() || ls[e].indent > col) {
        e += 1;
    }
    e
}

/// A mapping's keys in lines `[from, to)` at column `col`: (line, key, rest).
fn keys<'a>(
    ls: &'a [Line<'a>],
    from: usize,
    to: usize,
    col: usize,
) -> Vec<(usize, &'a str, &'a str)> {
    (from..to)
        .filter_map(|k| {
            let (key, rest, c) = ls[k].key()?;
            (c == col).then_some((k, key, rest))
        })
        .collect()
}

struct Item {
    /// First and last content line.
    first: usize,
    last: usize,
    col: usize,
}

/// The edits of a YAML template for the document whose statements the source located near
/// `line` (the `Statement` key or a statement).
pub fn yaml_edits(
    text: &str,
    line: usize,
    _column: usize,
    plan: &Plan,
) -> Result<Vec<TextEdit>, Unfixable> {
    let ls = lines(text);
    let from = line.saturating_sub(1).min(ls.len().saturating_sub(1));
    let Some(k) = (from.saturating_sub(200)..=from)
        .rev()
        .find(|&k| ls[k].key().is_some_and(|(key, _, _)| key == "Statement"))
    else {
        return Err(Unfixable(format!("line {line}: no `Statement` key found")));
    };
    let (_, rest, kcol) = ls[k].key().unwrap_or(("", "", 0));
    if !rest.is_empty() {
        return Err(Unfixable(format!(
            "line {}: `Statement` is written in flow style or built by a tag; not edited",
            k + 1
        )));
    }
    let end = block_end(&ls, k, kcol);
    if from >= end {
        return Err(Unfixable(format!(
            "line {line}: the document is JSON text inside the template (a block scalar or `!Sub`); not edited"
        )));
    }
    // Items: `- ` lines at the first item's indentation.
    let mut items: Vec<Item> = Vec::new();
    let mut dash = None;
    let mut single = false;
    #[allow(clippy::needless_range_loop)] // `j` is a line number, stored in items
    for j in k + 1..end {
        if !ls[j].content() {
            continue;
        }
        let t = &ls[j].text[ls[j].indent..];
        let d = *dash.get_or_insert(ls[j].indent);
        if ls[j].indent < d {
            break;
        }
        if ls[j].indent == d {
            if !t.starts_with("- ") {
                if items.is_empty() {
                    single = true;
                    break;
                }
                break;
            }
            let col = ls[j].key().map(|(_, _, c)| c).ok_or_else(|| {
                Unfixable(format!(
                    "line {}: a statement that is not a block mapping",
                    j + 1
                ))
            })?;
            items.push(Item {
                first: j,
                last: j,
                col,
            });
        } else if let Some(it) = items.last_mut() {
            it.last = j;
        }
    }
    if single {
        let d = dash.unwrap_or(kcol + 2);
        items.push(Item {
            first: k + 1,
            last: last_content(&ls, k + 1, end),
            col: d,
        });
        if !plan.append.is_empty()
            || plan
                .statements
                .iter()
                .any(|(_, f)| f != &StatementFix::Condition)
        {
            return Err(Unfixable(
                "`Statement` is a single mapping; write it as a list to add statements".into(),
            ));
        }
    }
    let unit = detect_unit(&ls, &items);
    let mut edits = Vec::new();
    for (i, fix) in &plan.statements {
        let Some(it) = items.get(*i) else {
            return Err(Unfixable(format!("Statement[{i}] is not in the YAML text")));
        };
        let ks = keys(&ls, it.first, it.last + 1, it.col);
        let cond = yaml_condition_edits(&ls, it, &ks, &unit, *i)?;
        match fix {
            StatementFix::Condition => edits.extend(cond),
            StatementFix::Split { access_key, sid } => {
                let Some(&(a, _, arest)) = ks.iter().find(|(_, key, _)| *key == "Action") else {
                    return Err(Unfixable(format!("Statement[{i}] has no `Action`")));
                };
                if !arest.is_empty() {
                    return Err(Unfixable(format!(
                        "Statement[{i}].Action is not a block list; not split"
                    )));
                }
                // The list's lines: deeper than the key, or `- ` items at its column.
                let mut aend = a + 1;
                while aend <= it.last
                    && (!ls[aend].content()
                        || ls[aend].indent > it.col
                        || (ls[aend].indent == it.col
                            && ls[aend].text[ls[aend].indent..].starts_with("- ")))
                {
                    aend += 1;
                }
                let elems: Vec<usize> = (a + 1..aend)
                    .filter(|&j| ls[j].content() && ls[j].text[ls[j].indent..].starts_with("- "))
                    .collect();
                let content = (a + 1..aend).filter(|&j| ls[j].content()).count();
                if content != elems.len() {
                    return Err(Unfixable(format!(
                        "Statement[{i}].Action has items over several lines; not split"
                    )));
                }
                let remove_line = |j: usize| TextEdit {
                    start: ls[j].start,
                    end: ls.get(j + 1).map_or(ls[j].end(), |n| n.start),
                    with: String::new(),
                };
                let mut inner = Vec::new();
                for (n, &j) in elems.iter().enumerate() {
                    if access_key.contains(&n) {
                        edits.push(remove_line(j));
                    } else {
                        inner.push(remove_line(j));
                    }
                }
                if let Some(sid) = sid {
                    let Some(&(sl, _, _)) = ks.iter().find(|(_, key, _)| *key == "Sid") else {
                        return Err(Unfixable(format!("Statement[{i}] has no `Sid`")));
                    };
                    let l = &ls[sl];
                    let colon = l.text.find("Sid:").map_or(0, |c| c + 4);
                    inner.push(TextEdit {
                        start: l.start + colon,
                        end: l.end(),
                        with: format!(" {sid}"),
                    });
                }
                inner.extend(cond);
                let (s, e) = (ls[it.first].start, ls[it.last].end());
                let copy = apply_edits(
                    &text[s..e],
                    &inner
                        .into_iter()
                        .map(|x| TextEdit {
                            start: x.start - s,
                            end: x.end - s,
                            with: x.with,
                        })
                        .collect::<Vec<_>>(),
                );
                edits.push(TextEdit {
                    start: e,
                    end: e,
                    with: format!("\n{copy}"),
                });
            }
        }
    }
    if !plan.append.is_empty() {
        let Some(last) = items.last() else {
            return Err(Unfixable("`Statement` is empty".into()));
        };
        let d = ls[last.first].indent;
        let mut with = String::new();
        for v in &plan.append {
            with.push('\n');
            with.push_str(&yaml_statement(v, d, &unit));
        }
        let e = ls[last.last].end();
        edits.push(TextEdit {
            start: e,
            end: e,
            with,
        });
    }
    Ok(edits)
}

fn detect_unit(ls: &[Line<'_>], items: &[Item]) -> String {
    for it in items {
        for j in it.first..=it.last {
            if let Some((_, rest, c)) = ls[j].key()
                && c == it.col
                && rest.is_empty()
                && let Some(n) = ls.get(j + 1).filter(|n| n.content() && n.indent > it.col)
            {
                return " ".repeat(n.indent - it.col);
            }
        }
    }
    "  ".into()
}

fn yaml_condition_edits(
    ls: &[Line<'_>],
    it: &Item,
    ks: &[(usize, &str, &str)],
    unit: &str,
    i: usize,
) -> Result<Vec<TextEdit>, Unfixable> {
    let pad = |n: usize| " ".repeat(n);
    let u = unit.len();
    let at_end = |j: usize, with: String| TextEdit {
        start: ls[j].end(),
        end: ls[j].end(),
        with,
    };
    let Some(&(c, _, crest)) = ks.iter().find(|(_, k, _)| *k == "Condition") else {
        let col = it.col;
        return Ok(vec![at_end(
            it.last,
            format!(
                "\n{}Condition:\n{}Bool:\n{}aws:SecureTransport: \"true\"",
                pad(col),
                pad(col + u),
                pad(col + 2 * u)
            ),
        )]);
    };
    if !crest.is_empty() {
        return Err(Unfixable(format!(
            "Statement[{i}].Condition is written in flow style; not edited"
        )));
    }
    let cend = block_end(ls, c, it.col).min(it.last + 1);
    let ccol = (c + 1..cend)
        .find(|&j| ls[j].content())
        .map_or(it.col + u, |j| ls[j].indent);
    let cks = keys(ls, c + 1, cend, ccol);
    let Some(&(b, _, brest)) = cks.iter().find(|(_, k, _)| *k == "Bool") else {
        return Ok(vec![at_end(
            last_content(ls, c + 1, cend),
            format!(
                "\n{}Bool:\n{}aws:SecureTransport: \"true\"",
                pad(ccol),
                pad(ccol + u)
            ),
        )]);
    };
    if !brest.is_empty() {
        return Err(Unfixable(format!(
            "Statement[{i}].Condition.Bool is written in flow style; not edited"
        )));
    }
    let bend = block_end(ls, b, ccol).min(cend);
    let bcol = (b + 1..bend)
        .find(|&j| ls[j].content())
        .map_or(ccol + u, |j| ls[j].indent);
    let bks = keys(ls, b + 1, bend, bcol);
    match bks
        .iter()
        .find(|(_, k, _)| k.eq_ignore_ascii_case(SECURE_TRANSPORT_KEY))
    {
        None => Ok(vec![at_end(
            last_content(ls, b + 1, bend),
            format!("\n{}aws:SecureTransport: \"true\"", pad(bcol)),
        )]),
        Some(&(j, key, rest)) => {
            let v = rest.trim_matches(|c| c == '"' || c == '\'');
            if key == SECURE_TRANSPORT_KEY && v == "true" {
                return Ok(Vec::new());
            }
            Ok(vec![TextEdit {
                start: ls[j].start + ls[j].indent,
                end: ls[j].end(),
                with: "aws:SecureTransport: \"true\"".into(),
            }])
        }
    }
}

const SECURE_TRANSPORT_KEY: &str = "aws:SecureTransport";

/// A statement value (the covering Deny) as a YAML sequence item at column `d`.
fn yaml_statement(v: &gsl::Value, d: usize, unit: &str) -> String {
    use gsl::Value;
    fn scalar(v: &Value) -> String {
        match v {
            Value::String(s)
                if s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ":-_/.".contains(c))
                    && !s.is_empty()
                    && !matches!(&**s, "true" | "false" | "yes" | "no" | "null") =>
            {
                s.to_string()
            }
            other => other.to_json().to_string(),
        }
    }
    fn write(v: &Value, col: usize, unit: &str, out: &mut Vec<String>, first: Option<String>) {
        let mut prefix = first;
        if let Value::Object(m) = v {
            for (k, x) in m.iter() {
                let lead = prefix.take().unwrap_or_else(|| " ".repeat(col));
                match x {
                    Value::Object(_) => {
                        out.push(format!("{lead}{}:", scalar(&Value::str(k))));
                        write(x, col + unit.len(), unit, out, None);
                    }
                    Value::List(l) => {
                        out.push(format!("{lead}{}:", scalar(&Value::str(k))));
                        for e in l {
                            out.push(format!("{}- {}", " ".repeat(col + unit.len()), scalar(e)));
                        }
                    }
                    other => out.push(format!(
                        "{lead}{}: {}",
                        scalar(&Value::str(k)),
                        scalar(other)
                    )),
                }
            }
        }
    }
    let mut out = Vec::new();
    write(
        v,
        d + 2,
        unit,
        &mut out,
        Some(format!("{}- ", " ".repeat(d))),
    );
    out.join("\n")
}
