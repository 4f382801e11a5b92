//! Realising a [`Plan`] in Terraform sources, as text edits located with `hcl-edit`.
//!
//! `hcl-edit` parses HCL losslessly and keeps the byte span of every block, attribute and
//! expression; the edits are splices at those spans, so everything outside them (comments,
//! alignment, blank lines) stays byte for byte, and the new text copies the indentation around
//! it. Where the document is written decides the edit:
//! - `jsonencode({...})`: the statement object gets a `Condition` item (merged into an existing
//!   `Condition`/`Bool`); a split statement is a copy of the original object with the access-key
//!   actions;
//! - `data "aws_iam_policy_document"`: the `statement` block gets a `condition` block; a split is
//!   a second `statement` block;
//! - a heredoc: the JSON editor on the heredoc's text (`${...}` inside strings stays as written);
//! - `file("x.json")`: the JSON editor on that file;
//! - `local.x`: followed to its definition in the module.
//!
//! Anything else (`var.x`, a module's output, a computed expression) is reported with the reason,
//! never guessed. `terraform fmt` aligns `=` only across consecutive single-line items, so a
//! multi-line `Condition` item or a `condition` block joins no alignment group and the items
//! around it keep their spacing.

use crate::json::{self, TextEdit, apply_edits};
use crate::plan::{Plan, StatementFix, Unfixable};
use gsl::Value;
use hcl_edit::Span;
use hcl_edit::expr::{Array, Expression, Object, ObjectKey, ObjectValue, TraversalOperator};
use hcl_edit::structure::{Block, Body};
use hcl_edit::template::Element;
use std::path::{Path, PathBuf};
use tenet_iam::secure_transport::SECURE_TRANSPORT;

/// Edits per file.
pub type FileEdits = Vec<(PathBuf, Vec<TextEdit>)>;

/// A Terraform module's files, read by the caller (this crate does no I/O).
pub trait Files {
    /// The text of `path`, or `None` when it cannot be read.
    fn read(&self, path: &Path) -> Option<String>;
    /// The `.tf` files of the module directory `dir`.
    fn tf_files(&self, dir: &Path) -> Vec<PathBuf>;
}

/// Parses HCL; the error names line and column.
pub fn parse(text: &str) -> Result<Body, String> {
    hcl_edit::parser::parse_body(text).map_err(|e| {
        format!(
            "line {}, column {}: {}",
            e.location().line(),
            e.location().column(),
            e.message()
        )
    })
}

/// Byte offset of a 1-based line and (character) column.
fn offset(text: &str, line: usize, column: usize) -> Option<usize> {
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    let rest = &text[start..];
    let mut chars = rest.char_indices();
    let at = chars
        .nth(column.saturating_sub(1))
        .map_or(rest.len(), |(i, _)| i);
    Some(start + at)
}

/// The text of `r` with `edits` (positioned in the whole text) applied: the split-off copy of
/// a statement.
fn copy_with_edits(text: &str, r: &std::ops::Range<usize>, edits: Vec<TextEdit>) -> String {
    let local: Vec<TextEdit> = edits
        .into_iter()
        .map(|e| TextEdit {
            start: e.start - r.start,
            end: e.end - r.start,
            with: e.with,
        })
        .collect();
    apply_edits(&text[r.start..r.end], &local)
}

fn span(s: &impl Span) -> Result<std::ops::Range<usize>, Unfixable> {
    s.span()
        .ok_or_else(|| Unfixable("a part of the configuration has no position".into()))
}

/// The edits that fix the policy document of the resource (or `inline_policy` block) that starts
/// at `line`:`column` of `file`.
pub fn fix_resource(
    files: &dyn Files,
    file: &Path,
    line: usize,
    column: usize,
    plan: &Plan,
) -> Result<FileEdits, Unfixable> {
    let text = files
        .read(file)
        .ok_or_else(|| Unfixable(format!("cannot read {}", file.display())))?;
    let body = parse(&text).map_err(|e| Unfixable(format!("{}: {e}", file.display())))?;
    let at = offset(&text, line, column)
        .ok_or_else(|| Unfixable(format!("{}:{line}: no such line", file.display())))?;
    let block = find_block(&body, at).ok_or_else(|| {
        Unfixable(format!(
            "{}:{line}:{column}: no resource block here",
            file.display()
        ))
    })?;
    let attr = block
        .body
        .get_attribute("policy")
        .ok_or_else(|| Unfixable("the resource has no `policy` argument".into()))?;
    let dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();
    let site = Site {
        files,
        dir,
        file: file.to_path_buf(),
        text: &text,
        body: &body,
    };
    site.expr(&attr.value, plan, 0)
}

/// The block starting at byte `at`: a top-level block or one nested in it (`inline_policy`).
fn find_block(body: &Body, at: usize) -> Option<&Block> {
    for b in body.blocks() {
        let Some(r) = b.span() else { continue };
        if r.start == at {
            return Some(b);
        }
        if r.contains(&at) {
            return b
                .body
                .blocks()
                .find(|n| n.span().is_some_and(|s| s.start == at));
        }
    }
    None
}

struct Site<'a> {
    files: &'a dyn Files,
    dir: PathBuf,
    file: PathBuf,
    text: &'a str,
    body: &'a Body,
}

impl Site<'_> {
    fn expr(&self, e: &Expression, plan: &Plan, depth: usize) -> Result<FileEdits, Unfixable> {
        if depth > 8 {
            return Err(Unfixable("too many `local` indirections".into()));
        }
        match e {
            Expression::FuncCall(f) => {
                let name = f.name.name.value().as_str();
                let arg = f.args.iter().next();
                match (name, arg) {
                    ("jsonencode", Some(Expression::Object(o))) => {
                        let edits = jsonencode_edits(self.text, o, plan)?;
                        Ok(vec![(self.file.clone(), edits)])
                    }
                    ("file", Some(a)) => self.file_target(a, plan),
                    _ => Err(Unfixable(format!(
                        "the document is computed by `{name}(...)`; only `jsonencode({{...}})` with the statements written in it, `file(...)`, heredocs and aws_iam_policy_document are edited"
                    ))),
                }
            }
            Expression::HeredocTemplate(h) => {
                let r = span(&h.template)?;
                let body = &self.text[r.start..r.end];
                let doc = json::parse(body).map_err(|e| {
                    Unfixable(format!(
                        "the heredoc is not plain JSON (line {} of it, column {}: {}); interpolations outside JSON strings are not edited",
                        e.line, e.column, e.message
                    ))
                })?;
                let edits = json::document_edits(body, &doc, plan)?;
                Ok(vec![(
                    self.file.clone(),
                    edits
                        .into_iter()
                        .map(|e| TextEdit {
                            start: e.start + r.start,
                            end: e.end + r.start,
                            with: e.with,
                        })
                        .collect(),
                )])
            }
            Expression::Traversal(t) => {
                let Expression::Variable(root) = &t.expr else {
                    return Err(Unfixable(
                        "the document is computed by an expression that is not edited".into(),
                    ));
                };
                let names: Vec<&str> = t
                    .operators
                    .iter()
                    .filter_map(|o| match o.value() {
                        TraversalOperator::GetAttr(i) => Some(i.value().as_str()),
                        _ => None,
                    })
                    .collect();
                match (root.value().as_str(), names.as_slice()) {
                    ("data", ["aws_iam_policy_document", name, ..]) => {
                        self.data_document(name, plan)
                    }
                    ("local", [name, ..]) => {
                        let (file, text, body) = self.local(name)?;
                        let Some(a) = body
                            .blocks()
                            .filter(|b| b.ident.value().as_str() == "locals")
                            .find_map(|b| b.body.get_attribute(name))
                        else {
                            return Err(Unfixable(format!("`local.{name}` is not declared")));
                        };
                        let site = Site {
                            files: self.files,
                            dir: self.dir.clone(),
                            file,
                            text: &text,
                            body: &body,
                        };
                        site.expr(&a.value, plan, depth + 1)
                    }
                    ("var", [name, ..]) => Err(Unfixable(format!(
                        "the document is the value of `var.{name}`, set by the caller of the module; fix it where it is set"
                    ))),
                    ("module", [name, ..]) => Err(Unfixable(format!(
                        "the document is built by module `{name}`; fix it in that module"
                    ))),
                    (root, _) => Err(Unfixable(format!(
                        "the document comes from `{root}...`, which is not edited"
                    ))),
                }
            }
            Expression::Parenthesis(p) => self.expr(p.inner(), plan, depth + 1),
            _ => Err(Unfixable(
                "the document is computed by an expression that is not edited".into(),
            )),
        }
    }

    /// The module file declaring `local.<name>`, parsed.
    fn local(&self, name: &str) -> Result<(PathBuf, String, Body), Unfixable> {
        for path in self.module_files() {
            let Some(text) = self.files.read(&path) else {
                continue;
            };
            let Ok(body) = parse(&text) else { continue };
            let found = body
                .blocks()
                .filter(|b| b.ident.value().as_str() == "locals")
                .any(|b| b.body.has_attribute(name));
            if found {
                return Ok((path, text, body));
            }
        }
        Err(Unfixable(format!("`local.{name}` is not declared")))
    }

    fn module_files(&self) -> Vec<PathBuf> {
        let mut files = self.files.tf_files(&self.dir);
        if !files.contains(&self.file) {
            files.insert(0, self.file.clone());
        }
        files
    }

    fn file_target(&self, arg: &Expression, plan: &Plan) -> Result<FileEdits, Unfixable> {
        let rel = match arg {
            Expression::String(s) => s.value().to_string(),
            Expression::StringTemplate(t) => {
                let mut out = String::new();
                for (k, el) in t.iter().enumerate() {
                    match el {
                        Element::Literal(l) => out.push_str(l.value()),
                        Element::Interpolation(i) if k == 0 && is_path_module(&i.expr) => {
                            out.push('.');
                        }
                        _ => {
                            return Err(Unfixable(
                                "the file name of `file(...)` is computed; only a literal name or `${path.module}/...` is edited".into(),
                            ));
                        }
                    }
                }
                out
            }
            _ => {
                return Err(Unfixable(
                    "the file name of `file(...)` is computed; only a literal name or `${path.module}/...` is edited".into(),
                ));
            }
        };
        let path = if Path::new(&rel).is_absolute() {
            PathBuf::from(&rel)
        } else {
            self.dir.join(rel.trim_start_matches("./"))
        };
        let text = self
            .files
            .read(&path)
            .ok_or_else(|| Unfixable(format!("cannot read {}", path.display())))?;
        let doc = json::parse(&text).map_err(|e| {
            Unfixable(format!(
                "{}:{}:{}: {}",
                path.display(),
                e.line,
                e.column,
                e.message
            ))
        })?;
        let edits = json::document_edits(&text, &doc, plan)?;
        Ok(vec![(path, edits)])
    }

    fn data_document(&self, name: &str, plan: &Plan) -> Result<FileEdits, Unfixable> {
        for path in self.module_files() {
            let owned;
            let (text, body): (&str, &Body) = if path == self.file {
                (self.text, self.body)
            } else {
                let Some(t) = self.files.read(&path) else {
                    continue;
                };
                let Ok(b) = parse(&t) else { continue };
                owned = (t, b);
                (&owned.0, &owned.1)
            };
            let found = body.blocks().find(|b| {
                b.ident.value().as_str() == "data"
                    && label(b, 0) == "aws_iam_policy_document"
                    && label(b, 1) == name
            });
            if let Some(b) = found {
                let edits = policy_document_edits(text, b, plan)?;
                return Ok(vec![(path, edits)]);
            }
        }
        Err(Unfixable(format!(
            "data.aws_iam_policy_document.{name} is not declared in this module"
        )))
    }
}

fn is_path_module(e: &Expression) -> bool {
    match e {
        Expression::Traversal(t) => {
            matches!(&t.expr, Expression::Variable(v) if v.value().as_str() == "path")
                && t.operators.len() == 1
                && matches!(t.operators[0].value(), TraversalOperator::GetAttr(a) if a.value().as_str() == "module")
        }
        _ => false,
    }
}

fn label(b: &Block, i: usize) -> &str {
    b.labels.get(i).map_or("", |l| l.as_str())
}

fn key_name(k: &ObjectKey) -> Option<String> {
    match k {
        ObjectKey::Ident(i) => Some(i.value().as_str().to_string()),
        ObjectKey::Expression(Expression::String(s)) => Some(s.value().to_string()),
        ObjectKey::Expression(_) => None,
    }
}

/// The one item of `o` named `name`.
fn item<'o>(
    o: &'o Object,
    name: &str,
) -> Result<Option<(&'o ObjectKey, &'o ObjectValue)>, Unfixable> {
    let mut found = o
        .iter()
        .filter(|(k, _)| key_name(k).as_deref() == Some(name));
    let first = found.next();
    if found.next().is_some() {
        return Err(Unfixable(format!(
            "the key `{name}` appears twice in one object; fix the duplicate first"
        )));
    }
    Ok(first)
}

/// The whitespace at the start of the line holding byte `at`.
fn line_indent(text: &str, at: usize) -> String {
    let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    text[start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// The end of the line holding byte `at` (the position of its `\n`, or the end of the text).
fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |n| at + n)
}

fn hcl_string(s: &str) -> String {
    // HCL strings use JSON's escapes, plus `${` and `%{` which start templates.
    serde_json::Value::String(s.to_string())
        .to_string()
        .replace("${", "$${")
        .replace("%{", "%%{")
}

fn hcl_key(k: &str) -> String {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ident { k.to_string() } else { hcl_string(k) }
}

/// `v` as an HCL expression; objects on several lines (as `terraform fmt` lays them out, `=`
/// aligned across consecutive single-line items), lists of scalars on one line.
fn render(v: &Value, indent: &str, unit: &str) -> String {
    match v {
        Value::Object(m) if !m.is_empty() => {
            let inner = format!("{indent}{unit}");
            let items: Vec<(String, String)> = m
                .iter()
                .map(|(k, v)| (hcl_key(k), render(v, &inner, unit)))
                .collect();
            let mut lines = Vec::new();
            let mut k = 0;
            while k < items.len() {
                // A run of single-line items is aligned; a multi-line item stands alone.
                let mut end = k;
                while end < items.len() && !items[end].1.contains('\n') {
                    end += 1;
                }
                if end == k {
                    let (key, val) = &items[k];
                    lines.push(format!("{inner}{key} = {val}"));
                    k += 1;
                    continue;
                }
                let width = items[k..end]
                    .iter()
                    .map(|(key, _)| key.chars().count())
                    .max()
                    .unwrap_or(0);
                for (key, val) in &items[k..end] {
                    lines.push(format!("{inner}{key:<width$} = {val}"));
                }
                k = end;
            }
            format!("{{\n{}\n{indent}}}", lines.join("\n"))
        }
        Value::List(l) => {
            let items: Vec<String> = l.iter().map(|x| render(x, indent, unit)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::String(s) => hcl_string(s),
        other => other.to_json().to_string(),
    }
}

/// The edits of a `jsonencode({...})` document object.
pub fn jsonencode_edits(text: &str, doc: &Object, plan: &Plan) -> Result<Vec<TextEdit>, Unfixable> {
    let Some((_, stmts)) = item(doc, "Statement")? else {
        return Err(Unfixable("the document has no `Statement`".into()));
    };
    let (items, single): (Vec<&Expression>, bool) = match stmts.expr() {
        Expression::Array(a) => (a.iter().collect(), false),
        o @ Expression::Object(_) => (vec![o], true),
        _ => {
            return Err(Unfixable(
                "`Statement` is computed; only statements written in the jsonencode object are edited".into(),
            ));
        }
    };
    let mut edits = Vec::new();
    for (i, fix) in &plan.statements {
        let Some(Expression::Object(obj)) = items.get(*i) else {
            return Err(Unfixable(format!(
                "Statement[{i}] is not written as an object in the configuration"
            )));
        };
        match fix {
            StatementFix::Condition => edits.extend(hcl_condition_edits(text, obj, *i)?),
            StatementFix::Split { access_key, sid } => {
                if single {
                    return Err(Unfixable(
                        "`Statement` is a single object; write it as a list to split it".into(),
                    ));
                }
                let Some((_, action)) = item(obj, "Action")? else {
                    return Err(Unfixable(format!("Statement[{i}] has no `Action`")));
                };
                let Expression::Array(arr) = action.expr() else {
                    return Err(Unfixable(format!("Statement[{i}].Action is not a list")));
                };
                let keep: Vec<usize> = (0..arr.len()).filter(|k| !access_key.contains(k)).collect();
                edits.push(keep_elements(text, arr, &keep)?);
                let mut inner = vec![keep_elements(text, arr, access_key)?];
                if let Some(sid) = sid {
                    let Some((_, v)) = item(obj, "Sid")? else {
                        return Err(Unfixable(format!("Statement[{i}] has no `Sid`")));
                    };
                    let r = span(v.expr())?;
                    inner.push(TextEdit {
                        start: r.start,
                        end: r.end,
                        with: hcl_string(sid),
                    });
                }
                inner.extend(hcl_condition_edits(text, obj, *i)?);
                let r = span(obj)?;
                let copy = copy_with_edits(text, &r, inner);
                edits.push(TextEdit {
                    start: r.end,
                    end: r.end,
                    with: format!(",\n{}{copy}", line_indent(text, r.start)),
                });
            }
        }
    }
    if !plan.append.is_empty() {
        let Some(last) = items.last().filter(|_| !single) else {
            return Err(Unfixable(
                "`Statement` is not a list of statements to append to".into(),
            ));
        };
        let r = span(*last)?;
        let indent = line_indent(text, r.start);
        let unit = unit_of(text, last).unwrap_or_else(|| "  ".into());
        let mut with = String::new();
        for v in &plan.append {
            with.push_str(&format!(",\n{indent}{}", render(v, &indent, &unit)));
        }
        edits.push(TextEdit {
            start: r.end,
            end: r.end,
            with,
        });
    }
    Ok(edits)
}

/// The indentation step inside object `e` (its first item's indentation beyond the object's).
fn unit_of(text: &str, e: &Expression) -> Option<String> {
    let Expression::Object(o) = e else {
        return None;
    };
    let (k, _) = o.iter().next()?;
    let ks = k.span()?.start;
    let os = e.span()?.start;
    if !text[os..ks].contains('\n') {
        return None;
    }
    line_indent(text, ks)
        .strip_prefix(line_indent(text, os).as_str())
        .filter(|u| !u.is_empty())
        .map(str::to_string)
}

/// Inserts `key = value` as the last item of `obj`, in its layout: on a line of its own after the
/// last item's line (keeping a comment at its end) when the items are on their own lines, else
/// inline after the last item.
fn insert_item(text: &str, obj: &Object, key: &str, value: &Value) -> Result<TextEdit, Unfixable> {
    let r = span(obj)?;
    let Some((k, last)) = obj.iter().last() else {
        let mut m = gsl::Map::new();
        m.insert(key, value.clone());
        let indent = line_indent(text, r.start);
        return Ok(TextEdit {
            start: r.start,
            end: r.end,
            with: render(&Value::Object(m), &indent, "  "),
        });
    };
    let first_key = obj.iter().next().map(|(k, _)| k).unwrap_or(k);
    let multiline = text[r.start..span(first_key)?.start].contains('\n');
    let vend = span(last.expr())?.end;
    if multiline {
        let indent = line_indent(text, span(k)?.start);
        let outer = line_indent(text, r.start);
        let unit = indent
            .strip_prefix(outer.as_str())
            .filter(|u| !u.is_empty())
            .unwrap_or("  ")
            .to_string();
        let at = line_end(text, vend).min(r.end.saturating_sub(1));
        Ok(TextEdit {
            start: at,
            end: at,
            with: format!(
                "\n{indent}{} = {}",
                hcl_key(key),
                render(value, &indent, &unit)
            ),
        })
    } else {
        // One line: `{ a = 1, b = 2 }`.
        let inline = render_inline(value);
        Ok(TextEdit {
            start: vend,
            end: vend,
            with: format!(", {} = {inline}", hcl_key(key)),
        })
    }
}

fn render_inline(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{} = {}", hcl_key(k), render_inline(v)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
        other => render(other, "", ""),
    }
}

/// Edits that make `Condition.Bool["aws:SecureTransport"]` `"true"` in statement object `obj`.
fn hcl_condition_edits(text: &str, obj: &Object, i: usize) -> Result<Vec<TextEdit>, Unfixable> {
    let Some((_, cond)) = item(obj, "Condition")? else {
        return Ok(vec![insert_item(
            text,
            obj,
            "Condition",
            &crate::plan::condition_value("true"),
        )?]);
    };
    let Expression::Object(c) = cond.expr() else {
        return Err(Unfixable(format!(
            "Statement[{i}].Condition is not written as an object"
        )));
    };
    let Some((_, b)) = item(c, "Bool")? else {
        let mut inner = gsl::Map::new();
        inner.insert(SECURE_TRANSPORT, Value::str("true"));
        return Ok(vec![insert_item(text, c, "Bool", &Value::Object(inner))?]);
    };
    let Expression::Object(bo) = b.expr() else {
        return Err(Unfixable(format!(
            "Statement[{i}].Condition.Bool is not written as an object"
        )));
    };
    let matching: Vec<(&ObjectKey, &ObjectValue)> = bo
        .iter()
        .filter(|(k, _)| key_name(k).is_some_and(|n| n.eq_ignore_ascii_case(SECURE_TRANSPORT)))
        .collect();
    let Some((k, v)) = matching.first() else {
        return Ok(vec![insert_item(
            text,
            bo,
            SECURE_TRANSPORT,
            &Value::str("true"),
        )?]);
    };
    if matching.len() > 1 {
        return Err(Unfixable(format!(
            "Statement[{i}].Condition.Bool names aws:SecureTransport twice"
        )));
    }
    let mut edits = Vec::new();
    if key_name(k).as_deref() != Some(SECURE_TRANSPORT) {
        let r = span(*k)?;
        edits.push(TextEdit {
            start: r.start,
            end: r.end,
            with: hcl_string(SECURE_TRANSPORT),
        });
    }
    let exact = matches!(v.expr(), Expression::String(s) if s.value().as_str() == "true");
    if !exact {
        let r = span(v.expr())?;
        edits.push(TextEdit {
            start: r.start,
            end: r.end,
            with: "\"true\"".into(),
        });
    }
    Ok(edits)
}

/// The array's elements kept at `keep` (in order), with the array's own separators.
fn keep_elements(text: &str, arr: &Array, keep: &[usize]) -> Result<TextEdit, Unfixable> {
    let els: Vec<&Expression> = arr.iter().collect();
    let (Some(first), Some(last)) = (els.first(), els.last()) else {
        return Err(Unfixable("an empty action list cannot be split".into()));
    };
    let (fs, ls) = (span(*first)?, span(*last)?);
    let sep = match els.get(1) {
        Some(second) => text[fs.end..span(*second)?.start].to_string(),
        None => ", ".into(),
    };
    let mut kept = Vec::new();
    for &k in keep {
        if let Some(e) = els.get(k) {
            let r = span(*e)?;
            kept.push(&text[r.start..r.end]);
        }
    }
    Ok(TextEdit {
        start: fs.start,
        end: ls.end,
        with: kept.join(&sep),
    })
}

/// The edits of a `data "aws_iam_policy_document"` block.
pub fn policy_document_edits(
    text: &str,
    data: &Block,
    plan: &Plan,
) -> Result<Vec<TextEdit>, Unfixable> {
    for a in [
        "source_policy_documents",
        "override_policy_documents",
        "source_json",
        "override_json",
    ] {
        if data.body.has_attribute(a) {
            return Err(Unfixable(format!(
                "the document merges `{a}`; its statement numbering is not the blocks' order, so it is not edited"
            )));
        }
    }
    if data
        .body
        .blocks()
        .any(|b| b.ident.value().as_str() == "dynamic")
    {
        return Err(Unfixable(
            "the document has `dynamic` blocks; their statements are generated, so it is not edited".into(),
        ));
    }
    let stmts: Vec<&Block> = data.body.get_blocks("statement").collect();
    let mut edits = Vec::new();
    for (i, fix) in &plan.statements {
        let Some(b) = stmts.get(*i) else {
            return Err(Unfixable(format!(
                "Statement[{i}] is not a `statement` block"
            )));
        };
        match fix {
            StatementFix::Condition => edits.extend(block_condition_edits(text, b, *i)?),
            StatementFix::Split { access_key, sid } => {
                let Some(actions) = b.body.get_attribute("actions") else {
                    return Err(Unfixable(format!("Statement[{i}] has no `actions`")));
                };
                let Expression::Array(arr) = &actions.value else {
                    return Err(Unfixable(format!(
                        "Statement[{i}].actions is computed; only a written list is split"
                    )));
                };
                let keep: Vec<usize> = (0..arr.len()).filter(|k| !access_key.contains(k)).collect();
                edits.push(keep_elements(text, arr, &keep)?);
                let mut inner = vec![keep_elements(text, arr, access_key)?];
                if let Some(sid) = sid {
                    let Some(a) = b.body.get_attribute("sid") else {
                        return Err(Unfixable(format!("Statement[{i}] has no `sid`")));
                    };
                    let r = span(&a.value)?;
                    inner.push(TextEdit {
                        start: r.start,
                        end: r.end,
                        with: hcl_string(sid),
                    });
                }
                inner.extend(block_condition_edits(text, b, *i)?);
                let r = span(*b)?;
                let copy = copy_with_edits(text, &r, inner);
                let blank = if text[r.end..].starts_with("\n\n") {
                    "\n"
                } else {
                    ""
                };
                edits.push(TextEdit {
                    start: r.end,
                    end: r.end,
                    with: format!("\n{blank}{}{}", line_indent(text, r.start), copy.trim_end()),
                });
            }
        }
    }
    if !plan.append.is_empty() {
        let r = span(data)?;
        let (indent, unit) = match stmts.last() {
            Some(b) => {
                let s = span(*b)?;
                let ind = line_indent(text, s.start);
                let outer = line_indent(text, r.start);
                let unit = ind
                    .strip_prefix(outer.as_str())
                    .filter(|u| !u.is_empty())
                    .unwrap_or("  ")
                    .to_string();
                (ind, unit)
            }
            None => (
                format!("{}  ", line_indent(text, r.start)),
                "  ".to_string(),
            ),
        };
        let close = text[..r.end].rfind('}').unwrap_or(r.end);
        let at = text[..close].rfind('\n').map_or(close, |n| n + 1);
        let mut with = String::new();
        for v in &plan.append {
            if !stmts.is_empty() || !with.is_empty() {
                with.push('\n');
            }
            with.push_str(&statement_block(v, &indent, &unit)?);
            with.push('\n');
        }
        edits.push(TextEdit {
            start: at,
            end: at,
            with,
        });
    }
    Ok(edits)
}

/// A `statement` block for a statement value (the covering Deny).
fn statement_block(v: &Value, indent: &str, unit: &str) -> Result<String, Unfixable> {
    let inner = format!("{indent}{unit}");
    let mut attrs: Vec<(&str, String)> = Vec::new();
    let list = |x: Option<&Value>| -> String {
        match x {
            Some(Value::List(l)) => render(&Value::List(l.clone()), "", ""),
            Some(other) => render(&Value::List(vec![other.clone()]), "", ""),
            None => "[]".into(),
        }
    };
    if let Some(sid) = v.get("Sid") {
        attrs.push(("sid", render(sid, "", "")));
    }
    if let Some(e) = v.get("Effect") {
        attrs.push(("effect", render(e, "", "")));
    }
    attrs.push(("actions", list(v.get("Action"))));
    attrs.push(("resources", list(v.get("Resource"))));
    let width = attrs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = format!("{indent}statement {{\n");
    for (k, val) in &attrs {
        out.push_str(&format!("{inner}{k:<width$} = {val}\n"));
    }
    if let Some(Value::Object(c)) = v.get("Condition") {
        for (test, vars) in c.iter() {
            let Value::Object(vars) = vars else {
                return Err(Unfixable("a condition that is not a map".into()));
            };
            for (var, vals) in vars.iter() {
                out.push('\n');
                out.push_str(&condition_block(test, var, &list(Some(vals)), &inner, unit));
            }
        }
    }
    out.push_str(&format!("{indent}}}"));
    Ok(out)
}

fn condition_block(test: &str, var: &str, values: &str, indent: &str, unit: &str) -> String {
    let inner = format!("{indent}{unit}");
    format!(
        "{indent}condition {{\n{inner}test     = {}\n{inner}variable = {}\n{inner}values   = {values}\n{indent}}}\n",
        hcl_string(test),
        hcl_string(var)
    )
}

/// Edits that make a `statement` block require TLS: a `condition` block, or the existing
/// `Bool` / `aws:SecureTransport` block's values corrected.
fn block_condition_edits(text: &str, b: &Block, i: usize) -> Result<Vec<TextEdit>, Unfixable> {
    let lit = |body: &Body, k: &str| -> Option<String> {
        match body.get_attribute(k).map(|a| &a.value) {
            Some(Expression::String(s)) => Some(s.value().to_string()),
            _ => None,
        }
    };
    let existing: Vec<&Block> = b
        .body
        .get_blocks("condition")
        .filter(|c| {
            lit(&c.body, "test").as_deref() == Some("Bool")
                && lit(&c.body, "variable")
                    .is_some_and(|v| v.eq_ignore_ascii_case(SECURE_TRANSPORT))
        })
        .collect();
    if existing.len() > 1 {
        return Err(Unfixable(format!(
            "Statement[{i}] has several Bool aws:SecureTransport conditions"
        )));
    }
    if let Some(c) = existing.first() {
        let mut edits = Vec::new();
        if lit(&c.body, "variable").as_deref() != Some(SECURE_TRANSPORT)
            && let Some(a) = c.body.get_attribute("variable")
        {
            let r = span(&a.value)?;
            edits.push(TextEdit {
                start: r.start,
                end: r.end,
                with: hcl_string(SECURE_TRANSPORT),
            });
        }
        let exact = matches!(
            c.body.get_attribute("values").map(|a| &a.value),
            Some(Expression::Array(a)) if a.len() == 1 && matches!(a.get(0), Some(Expression::String(s)) if s.value().as_str() == "true")
        );
        if !exact {
            let Some(a) = c.body.get_attribute("values") else {
                return Err(Unfixable(format!(
                    "Statement[{i}]: a condition without `values`"
                )));
            };
            let r = span(&a.value)?;
            edits.push(TextEdit {
                start: r.start,
                end: r.end,
                with: "[\"true\"]".into(),
            });
        }
        return Ok(edits);
    }
    let r = span(b)?;
    let block_text = &text[r.start..r.end];
    if !block_text.contains('\n') {
        return Err(Unfixable(format!(
            "Statement[{i}] is a one-line block; write it on several lines to add a condition"
        )));
    }
    let outer = line_indent(text, r.start);
    let inner = match b.body.iter().next().and_then(|s| s.span()) {
        Some(s) => line_indent(text, s.start),
        None => format!("{outer}  "),
    };
    let unit = inner
        .strip_prefix(outer.as_str())
        .filter(|u| !u.is_empty())
        .unwrap_or("  ")
        .to_string();
    // Before the line of the closing brace.
    let close = r.end - 1;
    let at = text[..close].rfind('\n').map_or(close, |n| n + 1);
    // A blank line before the block when the body has any content, as `terraform fmt` output
    // usually separates blocks from attributes.
    let sep = if b.body.is_empty() { "" } else { "\n" };
    Ok(vec![TextEdit {
        start: at,
        end: at,
        with: format!(
            "{sep}{}",
            condition_block("Bool", SECURE_TRANSPORT, "[\"true\"]", &inner, &unit)
        ),
    }])
}
