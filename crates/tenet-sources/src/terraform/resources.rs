//! The IAM resources of a module instance, into the shared [`Model`].

use std::sync::Arc;

use gsl::Value;
use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{Block, Body, Structure};
use tenet_inventory::{Warning, suppression};

use super::hcl_eval::{Scope, to_text};
use super::module::{File, Instance, label};
use crate::iac::model::{
    Doc, IdentityDraft, InlineDraft, Kind, Model, PolicyDraft, PolicyRef, Site, Target,
};
use crate::iac::node::{Pos, parse_json};

const IDENTITIES: [(&str, Kind); 3] = [
    ("aws_iam_user", Kind::User),
    ("aws_iam_group", Kind::Group),
    ("aws_iam_role", Kind::Role),
];

/// `aws_iam_policy.p.arn` / `aws_iam_policy.p[0].arn` -> `(type, address)` within `inst`.
fn reference(inst: &Instance<'_>, e: &Expression, scope: &Scope) -> Option<(String, String)> {
    // `"${aws_iam_role.r.id}"` (Terraform 0.11 style) is the reference itself.
    if let Expression::StringTemplate(t) = e
        && t.len() == 1
        && let Some(hcl_edit::template::Element::Interpolation(i)) = t.iter().next()
    {
        return reference(inst, &i.expr, scope);
    }
    let Expression::Traversal(t) = e else {
        return None;
    };
    let Expression::Variable(root) = &t.expr else {
        return None;
    };
    let ty = root.value().as_str();
    if !ty.starts_with("aws_iam_") {
        return None;
    }
    let mut ops = t.operators.iter();
    let TraversalOperator::GetAttr(name) = ops.next()?.value() else {
        return None;
    };
    let mut addr = format!("{}{ty}.{}", inst.prefix, name.value().as_str());
    if let Some(op) = ops.next()
        && let TraversalOperator::Index(ix) = op.value()
    {
        match inst.eval(ix, scope) {
            Value::String(s) => {
                let mut q = String::new();
                tenet_inventory::json::write_str(&mut q, &s);
                addr.push_str(&format!("[{q}]"));
            }
            Value::Number(n) => addr.push_str(&format!("[{}]", n as usize)),
            _ => return None,
        }
    }
    Some((ty.to_string(), addr))
}

/// The items of a list argument, each either a reference or a value.
fn items(
    inst: &Instance<'_>,
    e: &Expression,
    scope: &Scope,
) -> Vec<Result<(String, String), Value>> {
    if let Expression::Array(a) = e {
        return a
            .iter()
            .flat_map(|x| match reference(inst, x, scope) {
                Some(r) => vec![Ok(r)],
                None => match inst.eval(x, scope) {
                    Value::List(l) => l.into_iter().map(Err).collect(),
                    v => vec![Err(v)],
                },
            })
            .collect();
    }
    if let Some(r) = reference(inst, e, scope) {
        return vec![Ok(r)];
    }
    match inst.eval(e, scope) {
        Value::List(l) => l.into_iter().map(Err).collect(),
        Value::Null => Vec::new(),
        v => vec![Err(v)],
    }
}

fn target(kind: Kind, item: Result<(String, String), Value>) -> Option<Target> {
    match item {
        Ok((ty, addr)) if IDENTITIES.iter().any(|(t, k)| *t == ty && *k == kind) => {
            Some(Target::Key(addr))
        }
        Ok(_) => None,
        Err(Value::Null) => None,
        Err(v) => Some(Target::Named(kind, v)),
    }
}

fn policy_ref(item: Result<(String, String), Value>) -> Option<PolicyRef> {
    match item {
        Ok((ty, addr)) if ty == "aws_iam_policy" => Some(PolicyRef::Key(addr)),
        Ok((_, addr)) => Some(PolicyRef::Arn(Value::unknown(format!(
            "{addr} is not an aws_iam_policy"
        )))),
        Err(Value::Null) => None,
        Err(v) => Some(PolicyRef::Arn(v)),
    }
}

/// The expression of a template that is one interpolation (`"${x}"`, as the JSON syntax writes
/// every expression), for positions; `e` itself otherwise.
fn sole_interpolation(e: &Expression) -> &Expression {
    if let Expression::StringTemplate(t) = e {
        let mut it = t.iter();
        if let (Some(hcl_edit::template::Element::Interpolation(i)), None) = (it.next(), it.next())
        {
            return &i.expr;
        }
    }
    e
}

/// Positions of the statements written in `jsonencode({Statement = [...]})`.
fn jsonencode_positions(file: &File, e: &Expression) -> Vec<Option<Pos>> {
    let Expression::FuncCall(f) = e else {
        return Vec::new();
    };
    if f.name.name.value().as_str() != "jsonencode" {
        return Vec::new();
    }
    let Some(Expression::Object(o)) = f.args.iter().next() else {
        return Vec::new();
    };
    for (k, v) in o.iter() {
        let name = match k {
            ObjectKey::Ident(i) => i.value().as_str().to_string(),
            ObjectKey::Expression(x) => x.as_str().map(str::to_string).unwrap_or_default(),
        };
        if name == "Statement" {
            return match v.expr() {
                Expression::Array(a) => a.iter().map(|s| Some(file.pos_of(s))).collect(),
                other => vec![Some(file.pos_of(other))],
            };
        }
    }
    Vec::new()
}

pub(crate) struct Reader<'m> {
    pub model: &'m mut Model,
}

impl Reader<'_> {
    fn warn(&mut self, file: &File, pos: Pos, message: String) {
        self.model.warnings.push(Warning {
            origin: file.path.display().to_string(),
            line: Some(pos.line),
            message,
        });
    }

    /// A policy argument's document.
    fn doc(
        &mut self,
        inst: &Instance<'_>,
        file: &File,
        addr: &str,
        e: &Expression,
        scope: &Scope,
    ) -> Doc {
        let v = inst.eval(e, scope);
        let text = match v {
            Value::String(t) => t,
            Value::Unknown(r) => return Doc::unknown(r),
            Value::Null => return Doc::unknown(format!("{addr}: the policy is null")),
            other => {
                return Doc {
                    value: other,
                    statements: Vec::new(),
                };
            }
        };
        let base = file.pos_of(e);
        match parse_json(&text) {
            Ok(n) => {
                let value = inst.unknowns.restore(n.to_value());
                let mut statements = jsonencode_positions(file, sole_interpolation(e));
                if statements.is_empty() {
                    if let Expression::Traversal(t) = sole_interpolation(e)
                        && let Some(key) = data_key(t)
                        && let Some((_, p)) = inst.doc_positions.borrow().get(&key)
                    {
                        statements = p.clone();
                    } else if matches!(e, Expression::HeredocTemplate(_)) {
                        statements = n
                            .get("Statement")
                            .map(|s| match &s.v {
                                crate::iac::node::N::Seq(items) => items
                                    .iter()
                                    .map(|i| {
                                        Some(Pos {
                                            line: base.line + i.pos.line,
                                            column: i.pos.column,
                                        })
                                    })
                                    .collect(),
                                _ => vec![Some(Pos {
                                    line: base.line + s.pos.line,
                                    column: s.pos.column,
                                })],
                            })
                            .unwrap_or_default();
                    }
                }
                Doc { value, statements }
            }
            Err(err) => {
                // Heredoc text starts on the line after `<<EOF`.
                let line = if matches!(e, Expression::HeredocTemplate(_)) {
                    base.line + err.pos.line
                } else {
                    base.line
                };
                let reason = format!(
                    "{addr}: the policy is not valid JSON (line {line}, column {}): {}",
                    err.pos.column, err.message
                );
                self.warn(
                    file,
                    Pos {
                        line,
                        column: err.pos.column,
                    },
                    reason.clone(),
                );
                Doc::unknown(reason)
            }
        }
    }

    pub fn read(&mut self, inst: &Instance<'_>) {
        for f in &inst.src.files {
            for s in f.body.iter() {
                let Structure::Block(b) = s else { continue };
                if b.ident.value().as_str() != "resource" {
                    continue;
                }
                let ty = label(b, 0);
                if !ty.starts_with("aws_iam_") {
                    continue;
                }
                let base = format!("{}{ty}.{}", inst.prefix, label(b, 1));
                let insts = match inst.expand(b, &Scope::default()) {
                    Ok(i) => i,
                    Err(why) => {
                        self.warn(f, f.pos_of(b), format!("{base}: {why}; not checked"));
                        continue;
                    }
                };
                let (first, last) = f.lines_of(b);
                let sup = suppression::from_terraform_comments(
                    &f.text,
                    first,
                    last,
                    &f.path.display().to_string(),
                );
                for w in sup.warnings {
                    self.warn(f, f.pos_of(b), w);
                }
                for (suffix, scope) in insts {
                    let addr = format!("{base}{suffix}");
                    self.resource(inst, f, b, ty, &addr, &scope, &sup.suppressions);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn resource(
        &mut self,
        inst: &Instance<'_>,
        f: &File,
        b: &Block,
        ty: &str,
        addr: &str,
        scope: &Scope,
        sup: &[tenet_inventory::Suppression],
    ) {
        let body = &b.body;
        let site = Site {
            file: Arc::clone(&f.path),
            pos: f.pos_of(b),
        };
        let get = |k: &str| body.get_attribute(k).map(|a| inst.eval(&a.value, scope));
        let name = |default: &str| -> Value {
            match get("name") {
                Some(v) if !matches!(v, Value::Null) => v,
                _ => match get("name_prefix") {
                    Some(Value::String(p)) => {
                        Value::unknown(format!("generated at apply from name_prefix `{p}`"))
                    }
                    _ => Value::unknown(format!("{default} is generated at apply")),
                },
            }
        };
        match ty {
            "aws_iam_policy" => {
                let doc = match body.get_attribute("policy") {
                    Some(a) => self.doc(inst, f, addr, &a.value, scope),
                    None => Doc::unknown(format!("{addr} has no policy")),
                };
                self.model.policies.push(PolicyDraft {
                    key: addr.to_string(),
                    name: name("the name"),
                    path: get("path").unwrap_or(Value::str("/")),
                    description: get("description").unwrap_or(Value::str("")),
                    arn: Value::unknown(format!("{addr}.arn is known only after apply")),
                    doc,
                    site,
                    suppressions: sup.to_vec(),
                });
            }
            "aws_iam_user" | "aws_iam_group" | "aws_iam_role" => {
                let kind = IDENTITIES
                    .iter()
                    .find(|(t, _)| *t == ty)
                    .map_or(Kind::User, |(_, k)| *k);
                let assume_role = body
                    .get_attribute("assume_role_policy")
                    .map(|a| self.doc(inst, f, addr, &a.value, scope));
                self.model.identities.push(IdentityDraft {
                    kind,
                    key: addr.to_string(),
                    name: name("the name"),
                    path: get("path").unwrap_or(Value::str("/")),
                    arn: Value::unknown(format!("{addr}.arn is known only after apply")),
                    assume_role,
                    site: site.clone(),
                    suppressions: sup.to_vec(),
                });
                let me = Target::Key(addr.to_string());
                if let Some(a) = body.get_attribute("managed_policy_arns") {
                    for it in items(inst, &a.value, scope) {
                        if let Some(p) = policy_ref(it) {
                            self.model.attachments.push((p, me.clone()));
                        }
                    }
                }
                for ib in body.get_blocks("inline_policy") {
                    let Some(p) = ib.body.get_attribute("policy") else {
                        continue;
                    };
                    let doc = self.doc(inst, f, addr, &p.value, scope);
                    self.model.inlines.push(InlineDraft {
                        name: ib
                            .body
                            .get_attribute("name")
                            .map_or(Value::Null, |a| inst.eval(&a.value, scope)),
                        doc,
                        targets: vec![me.clone()],
                        site: Site {
                            file: Arc::clone(&f.path),
                            pos: f.pos_of(ib),
                        },
                        suppressions: sup.to_vec(),
                    });
                }
            }
            "aws_iam_user_policy" | "aws_iam_group_policy" | "aws_iam_role_policy" => {
                let (field, kind) = match ty {
                    "aws_iam_user_policy" => ("user", Kind::User),
                    "aws_iam_group_policy" => ("group", Kind::Group),
                    _ => ("role", Kind::Role),
                };
                let doc = match body.get_attribute("policy") {
                    Some(a) => self.doc(inst, f, addr, &a.value, scope),
                    None => Doc::unknown(format!("{addr} has no policy")),
                };
                let targets = body
                    .get_attribute(field)
                    .map(|a| {
                        items(inst, &a.value, scope)
                            .into_iter()
                            .filter_map(|i| target(kind, i))
                            .collect()
                    })
                    .unwrap_or_default();
                self.model.inlines.push(InlineDraft {
                    name: name("the name"),
                    doc,
                    targets,
                    site,
                    suppressions: sup.to_vec(),
                });
            }
            "aws_iam_policy_attachment" => {
                let Some(p) = body
                    .get_attribute("policy_arn")
                    .and_then(|a| items(inst, &a.value, scope).into_iter().next())
                    .and_then(policy_ref)
                else {
                    return;
                };
                for (field, kind) in [
                    ("users", Kind::User),
                    ("groups", Kind::Group),
                    ("roles", Kind::Role),
                ] {
                    if let Some(a) = body.get_attribute(field) {
                        for it in items(inst, &a.value, scope) {
                            if let Some(t) = target(kind, it) {
                                self.model.attachments.push((p.clone(), t));
                            }
                        }
                    }
                }
            }
            _ => {
                let one = [
                    (
                        "aws_iam_user_policy_attachment",
                        "user",
                        Kind::User,
                        "policy_arn",
                    ),
                    (
                        "aws_iam_group_policy_attachment",
                        "group",
                        Kind::Group,
                        "policy_arn",
                    ),
                    (
                        "aws_iam_role_policy_attachment",
                        "role",
                        Kind::Role,
                        "policy_arn",
                    ),
                    (
                        "aws_iam_user_policy_attachments_exclusive",
                        "user_name",
                        Kind::User,
                        "policy_arns",
                    ),
                    (
                        "aws_iam_group_policy_attachments_exclusive",
                        "group_name",
                        Kind::Group,
                        "policy_arns",
                    ),
                    (
                        "aws_iam_role_policy_attachments_exclusive",
                        "role_name",
                        Kind::Role,
                        "policy_arns",
                    ),
                ];
                let Some((_, field, kind, parg)) = one.iter().find(|(t, ..)| *t == ty) else {
                    return;
                };
                let targets: Vec<Target> = body
                    .get_attribute(field)
                    .map(|a| {
                        items(inst, &a.value, scope)
                            .into_iter()
                            .filter_map(|i| target(*kind, i))
                            .collect()
                    })
                    .unwrap_or_default();
                let policies: Vec<PolicyRef> = body
                    .get_attribute(parg)
                    .map(|a| {
                        items(inst, &a.value, scope)
                            .into_iter()
                            .filter_map(policy_ref)
                            .collect()
                    })
                    .unwrap_or_default();
                for p in &policies {
                    for t in &targets {
                        self.model.attachments.push((p.clone(), t.clone()));
                    }
                }
            }
        }
    }
}

/// `data.aws_iam_policy_document.x.json` -> `data.aws_iam_policy_document.x`.
fn data_key(t: &hcl_edit::expr::Traversal) -> Option<String> {
    let Expression::Variable(root) = &t.expr else {
        return None;
    };
    if root.value().as_str() != "data" {
        return None;
    }
    let names: Vec<&str> = t
        .operators
        .iter()
        .filter_map(|o| match o.value() {
            TraversalOperator::GetAttr(i) => Some(i.value().as_str()),
            _ => None,
        })
        .collect();
    match names.as_slice() {
        [ty, n, ..] => Some(format!("data.{ty}.{n}")),
        _ => None,
    }
}

#[allow(dead_code)]
fn _unused(_: &Body, _: &dyn Span) {}

/// Identities named by a literal string that matches a declared identity's name become that
/// identity (an attachment by name across modules).
pub(crate) fn link_by_name(model: &mut Model) {
    let names: Vec<(Kind, String, String)> = model
        .identities
        .iter()
        .filter_map(|i| {
            i.name
                .as_str()
                .map(|n| (i.kind, n.to_string(), i.key.clone()))
        })
        .collect();
    let fix = |t: &mut Target| {
        if let Target::Named(kind, Value::String(s)) = t
            && let Some((_, _, key)) = names.iter().find(|(k, n, _)| k == kind && **n == **s)
        {
            *t = Target::Key(key.clone());
        }
    };
    for (_, t) in &mut model.attachments {
        fix(t);
    }
    for d in &mut model.inlines {
        d.targets.iter_mut().for_each(fix);
    }
    let _ = to_text;
}
