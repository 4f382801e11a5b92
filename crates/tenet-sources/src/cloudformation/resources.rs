//! The IAM resources of a template, as a [`Model`].

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use gsl::Value;
use tenet_inventory::{Suppression, Warning, suppression};

use super::intrinsics::Resolver;
use crate::iac::model::{
    Doc, IdentityDraft, InlineDraft, Kind, Model, PolicyDraft, PolicyRef, Site, Target,
};
use crate::iac::node::{N, Node, Pos, parse_json};

/// At most this many undecidable conditions per entity are split into branches (2^n passes).
const MAX_OPEN_CONDITIONS: usize = 3;

fn identity_kind(ty: &str) -> Option<Kind> {
    match ty {
        "AWS::IAM::User" => Some(Kind::User),
        "AWS::IAM::Group" => Some(Kind::Group),
        "AWS::IAM::Role" => Some(Kind::Role),
        _ => None,
    }
}

struct Reader<'a> {
    file: Arc<Path>,
    origin: String,
    r: Resolver<'a>,
    /// Logical id -> (kind, resolved literal name) of declared identities.
    names: HashMap<&'a str, (Kind, Option<String>)>,
    model: Model,
}

pub(crate) fn read(path: &Path, template: &Node) -> Model {
    let mut rd = Reader {
        file: Arc::from(path),
        origin: path.display().to_string(),
        r: Resolver::new(template),
        names: HashMap::new(),
        model: Model::default(),
    };
    let resources = template.get("Resources").map_or(&[][..], Node::entries);
    for e in resources {
        let ty = e.value.get("Type").and_then(Node::as_str).unwrap_or("");
        if let Some(kind) = identity_kind(ty) {
            let key = match kind {
                Kind::User => "UserName",
                Kind::Group => "GroupName",
                Kind::Role => "RoleName",
            };
            let name = e
                .value
                .get("Properties")
                .and_then(|p| p.get(key))
                .and_then(|n| rd.r.resolve(n))
                .and_then(|v| v.as_str().map(str::to_string));
            rd.names.insert(e.key.as_str(), (kind, name));
        }
    }
    for e in resources {
        let ty = e.value.get("Type").and_then(Node::as_str).unwrap_or("");
        if !ty.starts_with("AWS::IAM::") {
            continue;
        }
        if let Some(c) = e.value.get("Condition").and_then(Node::as_str)
            && rd.r.condition(c) == Ok(false)
        {
            rd.model.warnings.push(Warning {
                origin: rd.origin.clone(),
                line: Some(e.pos.line),
                message: format!(
                    "{}: not created with the parameter defaults (condition {c} is false); not checked",
                    e.key
                ),
            });
            continue;
        }
        rd.resource(&e.key, e.pos, ty, &e.value);
    }
    rd.model
}

impl Reader<'_> {
    fn site(&self, pos: Pos) -> Site {
        Site {
            file: self.file.clone(),
            pos,
        }
    }

    fn suppressions(&mut self, id: &str, res: &Node) -> Vec<Suppression> {
        let Some(meta) = res.get("Metadata") else {
            return Vec::new();
        };
        let parsed = suppression::from_cfn_metadata(
            &meta.to_value(),
            &format!("{}: Resources.{id}.Metadata", self.origin),
        );
        for w in parsed.warnings {
            self.model.warnings.push(Warning {
                origin: self.origin.clone(),
                line: Some(meta.pos.line),
                message: w,
            });
        }
        parsed.suppressions
    }

    /// Runs `build` once, or once per branch of the undecidable conditions it met; `build`
    /// gets the id suffix naming the branch.
    fn branches(&mut self, mut build: impl FnMut(&mut Self, &str)) {
        self.r.forced.clear();
        self.r.open.borrow_mut().clear();
        let mut probe = Model::default();
        std::mem::swap(&mut probe, &mut self.model);
        build(self, "");
        std::mem::swap(&mut probe, &mut self.model);
        let open: Vec<String> = self.r.open.borrow().clone();
        if open.is_empty() {
            merge(&mut self.model, probe);
            return;
        }
        let open: Vec<String> = open.into_iter().take(MAX_OPEN_CONDITIONS).collect();
        for bits in 0..(1u32 << open.len()) {
            self.r.forced = open
                .iter()
                .enumerate()
                .map(|(i, c)| (c.clone(), bits & (1 << i) == 0))
                .collect();
            let label: Vec<String> = self
                .r
                .forced
                .iter()
                .map(|(c, b)| {
                    if *b {
                        format!("if {c}")
                    } else {
                        format!("unless {c}")
                    }
                })
                .collect();
            build(self, &format!(" [{}]", label.join(", ")));
        }
        self.r.forced.clear();
    }

    fn resource(&mut self, id: &str, pos: Pos, ty: &str, res: &Node) {
        let empty = Node::new(pos, N::Map(Vec::new()));
        let props = res.get("Properties").unwrap_or(&empty);
        let sup = self.suppressions(id, res);
        match ty {
            "AWS::IAM::ManagedPolicy" => self.branches(|me, suffix| {
                let key = format!("{id}{suffix}");
                let doc = me.doc(props.get("PolicyDocument"), id);
                let p = PolicyDraft {
                    key: key.clone(),
                    name: me.name_or_generated(props.get("ManagedPolicyName")),
                    path: me.opt(props.get("Path"), "/"),
                    description: me.opt(props.get("Description"), ""),
                    arn: Value::unknown("the ARN of a policy is known only after deployment"),
                    doc,
                    site: me.site(pos),
                    suppressions: sup.clone(),
                };
                me.model.policies.push(p);
                for (field, kind) in [
                    ("Users", Kind::User),
                    ("Groups", Kind::Group),
                    ("Roles", Kind::Role),
                ] {
                    for t in me.targets(props.get(field), kind) {
                        me.model.attachments.push((PolicyRef::Key(key.clone()), t));
                    }
                }
            }),
            "AWS::IAM::Policy"
            | "AWS::IAM::UserPolicy"
            | "AWS::IAM::GroupPolicy"
            | "AWS::IAM::RolePolicy" => self.branches(|me, _suffix| {
                let doc = me.doc(props.get("PolicyDocument"), id);
                let mut targets = Vec::new();
                let fields: &[(&str, Kind)] = match ty {
                    "AWS::IAM::UserPolicy" => &[("UserName", Kind::User)],
                    "AWS::IAM::GroupPolicy" => &[("GroupName", Kind::Group)],
                    "AWS::IAM::RolePolicy" => &[("RoleName", Kind::Role)],
                    _ => &[
                        ("Users", Kind::User),
                        ("Groups", Kind::Group),
                        ("Roles", Kind::Role),
                    ],
                };
                for (field, kind) in fields {
                    targets.extend(me.targets(props.get(field), *kind));
                }
                let d = InlineDraft {
                    name: me.opt(props.get("PolicyName"), id),
                    doc,
                    targets,
                    site: me.site(pos),
                    suppressions: sup.clone(),
                };
                me.model.inlines.push(d);
            }),
            _ => {
                let Some(kind) = identity_kind(ty) else {
                    return;
                };
                self.branches(|me, suffix| {
                    let key = format!("{id}{suffix}");
                    let name_key = match kind {
                        Kind::User => "UserName",
                        Kind::Group => "GroupName",
                        Kind::Role => "RoleName",
                    };
                    let assume_role = (kind == Kind::Role)
                        .then(|| me.doc(props.get("AssumeRolePolicyDocument"), id));
                    me.model.identities.push(IdentityDraft {
                        kind,
                        key: key.clone(),
                        name: me.name_or_generated(props.get(name_key)),
                        path: me.opt(props.get("Path"), "/"),
                        arn: Value::unknown(format!(
                            "the ARN of {id} is known only after deployment"
                        )),
                        assume_role,
                        site: me.site(pos),
                        suppressions: sup.clone(),
                    });
                    let me_target = Target::Key(key.clone());
                    for item in me.list_items(props.get("ManagedPolicyArns")) {
                        let r = me.policy_ref(&item);
                        if let Some(r) = r {
                            me.model.attachments.push((r, me_target.clone()));
                        }
                    }
                    for item in me.list_items(props.get("Policies")) {
                        let ipos = item.pos;
                        let Some(resolved_item) = me.resolve_map_node(&item) else {
                            continue;
                        };
                        let doc = me.doc(resolved_item.get("PolicyDocument"), id);
                        let d = InlineDraft {
                            name: me.opt(resolved_item.get("PolicyName"), id),
                            doc,
                            targets: vec![me_target.clone()],
                            site: me.site(ipos),
                            suppressions: sup.clone(),
                        };
                        me.model.inlines.push(d);
                    }
                });
            }
        }
    }

    /// An item that is itself an `Fn::If` choosing between maps: the chosen map node.
    fn resolve_map_node(&self, n: &Node) -> Option<Node> {
        match Resolver::intrinsic(n) {
            Some(("Fn::If", arg)) => {
                let items = arg.items();
                let name = items.first()?.as_str()?;
                let chosen = match self.r.condition(name) {
                    Ok(true) => items.get(1)?,
                    Ok(false) => items.get(2)?,
                    Err(_) => {
                        let mut open = self.r.open.borrow_mut();
                        if !open.iter().any(|c| c == name) {
                            open.push(name.to_string());
                        }
                        items.get(1)?
                    }
                };
                self.resolve_map_node(chosen)
            }
            Some(("Ref", r)) if r.as_str() == Some("AWS::NoValue") => None,
            _ => Some(n.clone()),
        }
    }

    /// The items of a list property, with `Fn::If` / `AWS::NoValue` items resolved to nodes.
    fn list_items(&self, n: Option<&Node>) -> Vec<Node> {
        let Some(n) = n else { return Vec::new() };
        let Some(n) = self.resolve_map_node(n) else {
            return Vec::new();
        };
        match &n.v {
            N::Seq(items) => items
                .iter()
                .filter_map(|i| self.resolve_map_node(i))
                .collect(),
            _ => vec![n],
        }
    }

    fn policy_ref(&self, item: &Node) -> Option<PolicyRef> {
        if let Some((f, arg)) = Resolver::intrinsic(item) {
            let target = match f {
                "Ref" => arg.as_str(),
                "Fn::GetAtt" => arg.items().first().and_then(Node::as_str),
                _ => None,
            };
            if let Some(t) = target
                && self.r.resources.get(t) == Some(&"AWS::IAM::ManagedPolicy")
            {
                return Some(PolicyRef::Key(t.to_string()));
            }
        }
        self.r.resolve(item).map(PolicyRef::Arn)
    }

    fn targets(&self, n: Option<&Node>, kind: Kind) -> Vec<Target> {
        let mut out = Vec::new();
        for item in self.list_items(n) {
            if let Some(("Ref", arg)) = Resolver::intrinsic(&item)
                && let Some(id) = arg.as_str()
                && self.names.get(id).is_some_and(|(k, _)| *k == kind)
            {
                out.push(Target::Key(id.to_string()));
                continue;
            }
            let values = match self.r.resolve(&item) {
                None => continue,
                Some(Value::List(l)) => l,
                Some(v) => vec![v],
            };
            for v in values {
                let declared = v.as_str().and_then(|s| {
                    self.names
                        .iter()
                        .find(|(_, (k, name))| *k == kind && name.as_deref() == Some(s))
                        .map(|(id, _)| id.to_string())
                });
                out.push(match declared {
                    Some(id) => Target::Key(id),
                    None => Target::Named(kind, v),
                });
            }
        }
        out
    }

    fn opt(&self, n: Option<&Node>, default: &str) -> Value {
        n.and_then(|n| self.r.resolve(n))
            .unwrap_or_else(|| Value::str(default))
    }

    fn name_or_generated(&self, n: Option<&Node>) -> Value {
        n.and_then(|n| self.r.resolve(n)).unwrap_or_else(|| {
            Value::unknown("the name is generated by CloudFormation at deployment")
        })
    }

    /// A policy document: an object (intrinsics resolved) or a JSON string.
    fn doc(&self, n: Option<&Node>, id: &str) -> Doc {
        let Some(n) = n else {
            return Doc::unknown(format!("{id}: no PolicyDocument"));
        };
        if Resolver::intrinsic(n).is_none()
            && let N::Map(es) = &n.v
        {
            let mut m = gsl::Map::with_capacity(es.len());
            let mut statements = Vec::new();
            for e in es {
                if e.key == "Statement"
                    && matches!(e.value.v, N::Seq(_) | N::Map(_))
                    && Resolver::intrinsic(&e.value).is_none()
                {
                    if let N::Seq(items) = &e.value.v {
                        let mut kept = Vec::new();
                        for item in items {
                            if let Some(v) = self.r.resolve(item) {
                                // An Fn::If choosing a list of statements is spliced in.
                                kept.push(v);
                                // An Fn::If item is located at the branch this pass chose.
                                let at = self.resolve_map_node(item).map_or(item.pos, |n| n.pos);
                                statements.push(Some(at));
                            }
                        }
                        m.insert("Statement", Value::List(kept));
                    } else if let Some(v) = self.r.resolve(&e.value) {
                        statements.push(Some(e.value.pos));
                        m.insert("Statement", v);
                    }
                    continue;
                }
                if let Some(v) = self.r.resolve(&e.value) {
                    m.insert(e.key.as_str(), v);
                }
            }
            return Doc {
                value: Value::Object(m),
                statements,
            };
        }
        match self.r.resolve(n) {
            Some(Value::String(s)) => match parse_json(&s) {
                Ok(parsed) => {
                    let value = parsed.to_value();
                    let count = match value.get("Statement") {
                        Some(Value::List(l)) => l.len(),
                        Some(_) => 1,
                        None => 0,
                    };
                    Doc {
                        value,
                        statements: vec![Some(n.pos); count],
                    }
                }
                Err(e) => Doc::unknown(format!(
                    "{id}: PolicyDocument is a string that is not JSON (line {}, column {} of the string: {})",
                    e.pos.line, e.pos.column, e.message
                )),
            },
            Some(v @ (Value::Object(_) | Value::Unknown(_))) => Doc {
                statements: Vec::new(),
                value: v,
            },
            Some(other) => Doc::unknown(format!(
                "{id}: PolicyDocument must be an object or a JSON string, found {other}"
            )),
            None => Doc::unknown(format!("{id}: PolicyDocument is AWS::NoValue")),
        }
    }
}

fn merge(into: &mut Model, from: Model) {
    into.policies.extend(from.policies);
    into.identities.extend(from.identities);
    into.inlines.extend(from.inlines);
    into.attachments.extend(from.attachments);
    into.warnings.extend(from.warnings);
}
