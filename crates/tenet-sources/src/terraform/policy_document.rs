//! `data "aws_iam_policy_document"`: rendered as the AWS provider renders it.
//!
//! Statements come from `statement` blocks (and `dynamic "statement"`), with `sid`, `effect`
//! (default `Allow`), `actions`/`not_actions`, `resources`/`not_resources`, `principals`/
//! `not_principals` and `condition` blocks (several blocks are ANDed; blocks with the same test
//! and variable are merged, their values ORed). A one-element list renders as a string, as the
//! provider does. `source_policy_documents` are concatenated first; a statement of this document
//! whose Sid matches one of theirs replaces it; then each `override_policy_documents` statement
//! replaces the statement with its Sid or is appended.

use std::path::Path;
use std::sync::Arc;

use gsl::{Map, Value};
use hcl_edit::structure::{Block, Body};

use super::functions::json_text;
use super::hcl_eval::{Eval, Scope, to_text};
use super::module::{Decl, File, Instance, label};
use crate::iac::node::{Pos, parse_json};

/// Blocks named `name`, static and `dynamic`, each with the scope of its iteration.
fn blocks<'b>(
    inst: &Instance<'_>,
    body: &'b Body,
    name: &str,
    scope: &Scope,
) -> Vec<(&'b Block, &'b Body, Scope)> {
    let mut out = Vec::new();
    for b in body.blocks() {
        let id = b.ident.value().as_str();
        if id == name {
            out.push((b, &b.body, scope.clone()));
        } else if id == "dynamic" && label(b, 0) == name {
            let Some(content) = b.body.get_blocks("content").next() else {
                continue;
            };
            let iter = b
                .body
                .get_attribute("iterator")
                .and_then(|a| a.value.as_variable().map(|v| v.as_str().to_string()))
                .unwrap_or_else(|| name.to_string());
            let Some(fe) = b.body.get_attribute("for_each") else {
                continue;
            };
            let pairs: Vec<(Value, Value)> = match inst.eval(&fe.value, scope) {
                Value::List(l) => l
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (Value::Number(i as f64), v))
                    .collect(),
                Value::Object(m) => m.iter().map(|(k, v)| (Value::str(k), v.clone())).collect(),
                _ => Vec::new(),
            };
            for (k, v) in pairs {
                let mut m = Map::new();
                m.insert("key", k);
                m.insert("value", v);
                out.push((b, &content.body, scope.with(&iter, Value::Object(m))));
            }
        }
    }
    out
}

fn attr(inst: &Instance<'_>, body: &Body, key: &str, scope: &Scope) -> Option<Value> {
    body.get_attribute(key).map(|a| inst.eval(&a.value, scope))
}

/// A list that renders as a string when it has one element.
fn one_or_list(v: Value) -> Value {
    match v {
        Value::List(mut l) if l.len() == 1 => l.pop().unwrap_or(Value::Null),
        other => other,
    }
}

fn strings(v: Value) -> Value {
    match v {
        Value::List(l) => Value::List(
            l.into_iter()
                .map(|x| to_text(&x).map_or(x, Value::str))
                .collect(),
        ),
        other => other,
    }
}

fn principals(inst: &Instance<'_>, body: &Body, name: &str, scope: &Scope) -> Option<Value> {
    let mut m = Map::new();
    let mut any = false;
    for (_, b, sc) in blocks(inst, body, name, scope) {
        any = true;
        let ty = attr(inst, b, "type", &sc)
            .and_then(|t| to_text(&t))
            .unwrap_or_default();
        let ids = strings(attr(inst, b, "identifiers", &sc).unwrap_or(Value::List(vec![])));
        if ty == "*" {
            return Some(Value::str("*"));
        }
        match m.get_mut(&ty) {
            Some(Value::List(l)) => {
                if let Value::List(more) = ids {
                    l.extend(more);
                }
            }
            _ => {
                m.insert(ty.as_str(), ids);
            }
        }
    }
    if !any {
        return None;
    }
    let mut out = Map::new();
    for (k, v) in m.iter() {
        out.insert(k, one_or_list(v.clone()));
    }
    Some(Value::Object(out))
}

fn statement(inst: &Instance<'_>, body: &Body, scope: &Scope) -> Value {
    let mut s = Map::new();
    if let Some(sid) = attr(inst, body, "sid", scope).filter(|v| !matches!(v, Value::Null)) {
        s.insert("Sid", sid);
    }
    s.insert(
        "Effect",
        attr(inst, body, "effect", scope).unwrap_or(Value::str("Allow")),
    );
    for (k, out) in [
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ] {
        if let Some(v) = attr(inst, body, k, scope).filter(|v| !matches!(v, Value::Null)) {
            s.insert(out, one_or_list(strings(v)));
        }
    }
    for (k, out) in [
        ("principals", "Principal"),
        ("not_principals", "NotPrincipal"),
    ] {
        if let Some(p) = principals(inst, body, k, scope) {
            s.insert(out, p);
        }
    }
    // test -> [(variable, values)], in the order written.
    type Tests = Vec<(String, Vec<(String, Vec<Value>)>)>;
    let mut cond: Tests = Vec::new();
    for (_, b, sc) in blocks(inst, body, "condition", scope) {
        let test = attr(inst, b, "test", &sc)
            .and_then(|t| to_text(&t))
            .unwrap_or_default();
        let var = attr(inst, b, "variable", &sc)
            .and_then(|t| to_text(&t))
            .unwrap_or_default();
        let values = match strings(attr(inst, b, "values", &sc).unwrap_or(Value::List(vec![]))) {
            Value::List(l) => l,
            other => vec![other],
        };
        let t = match cond.iter_mut().find(|(t, _)| *t == test) {
            Some(t) => t,
            None => {
                cond.push((test, Vec::new()));
                let n = cond.len() - 1;
                &mut cond[n]
            }
        };
        match t.1.iter_mut().find(|(v, _)| *v == var) {
            Some((_, vals)) => {
                for v in values {
                    if !vals.contains(&v) {
                        vals.push(v);
                    }
                }
            }
            None => t.1.push((var, values)),
        }
    }
    if !cond.is_empty() {
        let mut c = Map::new();
        for (test, vars) in cond {
            let mut m = Map::new();
            for (var, vals) in vars {
                m.insert(var, one_or_list(Value::List(vals)));
            }
            c.insert(test, Value::Object(m));
        }
        s.insert("Condition", Value::Object(c));
    }
    Value::Object(s)
}

fn sid(v: &Value) -> Option<&str> {
    v.get("Sid")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Statements of a JSON document text (a source or override document).
fn statements_of(inst: &Instance<'_>, v: &Value) -> Result<Vec<Value>, String> {
    let text = match v {
        Value::String(s) => s,
        Value::Unknown(r) => return Err(r.to_string()),
        Value::Null => return Ok(Vec::new()),
        other => return Err(format!("{other} is not a policy document")),
    };
    let doc = parse_json(text).map_err(|e| format!("not JSON: {}", e.message))?;
    Ok(
        match inst.unknowns.restore(doc.to_value()).get("Statement") {
            Some(Value::List(l)) => l.clone(),
            Some(s) => vec![s.clone()],
            None => Vec::new(),
        },
    )
}

/// Renders the document of one data block instance: (document, statement positions).
pub(crate) fn render(
    inst: &Instance<'_>,
    file: &File,
    body: &Body,
    scope: &Scope,
) -> (Value, Vec<Option<Pos>>) {
    let mut stmts: Vec<(Value, Option<Pos>)> = Vec::new();
    let mut doc = Map::new();
    let version = attr(inst, body, "version", scope).unwrap_or(Value::str("2012-10-17"));
    doc.insert("Version", version);
    if let Some(id) = attr(inst, body, "policy_id", scope) {
        doc.insert("Id", id);
    }
    let mut unknown: Option<String> = None;
    if let Some(Value::List(srcs)) = attr(inst, body, "source_policy_documents", scope) {
        for s in &srcs {
            match statements_of(inst, s) {
                Ok(l) => stmts.extend(l.into_iter().map(|v| (v, None))),
                Err(r) => unknown = Some(format!("source_policy_documents: {r}")),
            }
        }
    }
    for (b, body, sc) in blocks(inst, body, "statement", scope) {
        let st = statement(inst, body, &sc);
        let pos = Some(file.pos_of(b));
        match sid(&st).and_then(|id| stmts.iter().position(|(s, _)| sid(s) == Some(id))) {
            Some(i) => stmts[i] = (st, pos),
            None => stmts.push((st, pos)),
        }
    }
    if let Some(Value::List(ovs)) = attr(inst, body, "override_policy_documents", scope) {
        for o in &ovs {
            match statements_of(inst, o) {
                Ok(l) => {
                    for st in l {
                        match sid(&st)
                            .and_then(|id| stmts.iter().position(|(s, _)| sid(s) == Some(id)))
                        {
                            Some(i) => stmts[i] = (st, None),
                            None => stmts.push((st, None)),
                        }
                    }
                }
                Err(r) => unknown = Some(format!("override_policy_documents: {r}")),
            }
        }
    }
    if let Some(r) = unknown {
        return (Value::unknown(r), Vec::new());
    }
    let positions = stmts.iter().map(|(_, p)| *p).collect();
    // The provider renders a document without statements as `{"Version": ...}` alone.
    if !stmts.is_empty() {
        doc.insert(
            "Statement",
            Value::List(stmts.into_iter().map(|(v, _)| v).collect()),
        );
    }
    (Value::Object(doc), positions)
}

/// The value `data.aws_iam_policy_document.<name>` has: `{json, minified_json}` (a list or map
/// of those under `count`/`for_each`).
pub(crate) fn data_value(inst: &Instance<'_>, key: &str, d: &Decl<'_>) -> Value {
    let insts = match inst.expand(d.block, &Scope::default()) {
        Ok(i) => i,
        Err(why) => return Value::unknown(format!("{key}: {why}")),
    };
    let multi = d.block.body.has_attribute("count") || d.block.body.has_attribute("for_each");
    let is_count = d.block.body.has_attribute("count");
    let mut list = Vec::new();
    let mut map = Map::new();
    for (suffix, sc) in insts {
        let (doc, positions) = render(inst, d.file, &d.block.body, &sc);
        if !multi {
            inst.doc_positions
                .borrow_mut()
                .insert(key.to_string(), (Arc::clone(&d.file.path), positions));
        }
        let mut text = String::new();
        json_text(&Eval { r: inst }, &doc, &mut text);
        let mut o = Map::new();
        o.insert("json", Value::str(text.as_str()));
        o.insert("minified_json", Value::str(text));
        o.insert("id", Value::unknown(format!("{key}.id is computed")));
        let o = Value::Object(o);
        if is_count {
            list.push(o);
        } else if multi {
            map.insert(suffix.trim_start_matches("[\"").trim_end_matches("\"]"), o);
        } else {
            return o;
        }
    }
    if is_count {
        Value::List(list)
    } else {
        Value::Object(map)
    }
}

#[allow(dead_code)]
fn _path(_: &Path) {}
