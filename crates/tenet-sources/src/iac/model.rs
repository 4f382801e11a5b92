//! The entities infrastructure code declares, before they become records: managed policies,
//! identities, inline policies and the attachments between them. CloudFormation and Terraform
//! fill a [`Model`]; [`Model::into_inventory`] builds the same entity shapes an account export
//! gives (see `tenet_inventory`), so every rule runs unchanged on IaC.
//!
//! What AWS assigns at deployment (ARNs, ids, generated names) is `Unknown` with that reason,
//! never a made-up string. Entity ids are the resource address (Terraform) or logical id
//! (CloudFormation).

use std::path::Path;
use std::sync::Arc;

use gsl::{Map, Value};
use tenet_inventory::{Inventory, Provenance, Record, Suppression, Warning};

use super::node::Pos;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    User,
    Group,
    Role,
}

impl Kind {
    pub fn record_kind(self) -> &'static str {
        match self {
            Kind::User => "IamUser",
            Kind::Group => "IamGroup",
            Kind::Role => "IamRole",
        }
    }
}

/// A document with the position of each of its statements (when known).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Doc {
    pub value: Value,
    pub statements: Vec<Option<Pos>>,
}

impl Doc {
    pub fn unknown(reason: impl Into<Box<str>>) -> Self {
        Self {
            value: Value::unknown(reason),
            statements: Vec::new(),
        }
    }
}

/// Where a declaration is: its file and the position of the resource.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Site {
    pub file: Arc<Path>,
    pub pos: Pos,
}

#[derive(Clone, Debug)]
pub(crate) struct PolicyDraft {
    /// Resource address / logical id: the record id.
    pub key: String,
    pub name: Value,
    pub path: Value,
    pub description: Value,
    pub arn: Value,
    pub doc: Doc,
    pub site: Site,
    pub suppressions: Vec<Suppression>,
}

#[derive(Clone, Debug)]
pub(crate) struct IdentityDraft {
    pub kind: Kind,
    pub key: String,
    pub name: Value,
    pub path: Value,
    pub arn: Value,
    pub assume_role: Option<Doc>,
    pub site: Site,
    pub suppressions: Vec<Suppression>,
}

/// Who an attachment or inline policy targets: a declared identity (by key), or one declared
/// elsewhere, known by name only.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Target {
    Key(String),
    Named(Kind, Value),
}

/// Which policy an attachment attaches.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum PolicyRef {
    /// A declared policy, by key.
    Key(String),
    /// A policy not declared here (AWS managed, another stack's, or unresolvable).
    Arn(Value),
}

#[derive(Clone, Debug)]
pub(crate) struct InlineDraft {
    pub name: Value,
    pub doc: Doc,
    pub targets: Vec<Target>,
    pub site: Site,
    pub suppressions: Vec<Suppression>,
}

#[derive(Default, Debug)]
pub(crate) struct Model {
    pub policies: Vec<PolicyDraft>,
    pub identities: Vec<IdentityDraft>,
    pub inlines: Vec<InlineDraft>,
    pub attachments: Vec<(PolicyRef, Target)>,
    pub warnings: Vec<Warning>,
}

/// Whether a declaration's key answers a reference: the same key, or one branch of it
/// (`Policy [if IsProd]` answers `Policy`).
pub(crate) fn key_matches(decl: &str, reference: &str) -> bool {
    decl == reference
        || decl
            .strip_prefix(reference)
            .is_some_and(|rest| rest.starts_with(" ["))
}

fn text(v: &Value) -> Option<&str> {
    v.as_str()
}

fn display(v: &Value, fallback: &str) -> String {
    text(v).map_or_else(|| fallback.to_string(), str::to_string)
}

/// `arn:aws:iam::aws:policy/...` is AWS managed; its name is the last path segment.
fn name_from_arn(arn: &Value) -> Value {
    match arn.as_str() {
        Some(a) => Value::str(a.rsplit('/').next().unwrap_or(a)),
        None => arn.clone(),
    }
}

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Map::with_capacity(pairs.len());
    for (k, v) in pairs {
        m.insert(k, v);
    }
    Value::Object(m)
}

fn provenance(site: &Site) -> Provenance {
    Provenance::File {
        path: site.file.clone(),
        line: Some(site.pos.line),
        column: Some(site.pos.column),
    }
}

/// Statement locations as `document.Statement[i]` paths, for evidence.
fn locate(r: &mut Record, prefix: &str, doc: &Doc) {
    let single = !matches!(doc.value.get("Statement"), Some(Value::List(_)));
    for (i, p) in doc.statements.iter().enumerate() {
        if let Some(p) = p {
            let path = if single {
                format!("{prefix}.Statement")
            } else {
                format!("{prefix}.Statement[{i}]")
            };
            r.locations.push((path, p.line, p.column));
        }
    }
}

/// Statements IAM would reject for their `Effect` (only `Allow` and `Deny` exist, case
/// included): a warning each, at the statement. The rules still see the document as written.
fn check_effects(inv: &mut Inventory, key: &str, doc: &Doc, site: &Site) {
    let statements: Vec<&Value> = match doc.value.get("Statement") {
        Some(Value::List(l)) => l.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => return,
    };
    for (i, st) in statements.into_iter().enumerate() {
        let Some(effect) = st.get("Effect").and_then(Value::as_str) else {
            continue;
        };
        if effect == "Allow" || effect == "Deny" {
            continue;
        }
        let pos = doc.statements.get(i).copied().flatten().unwrap_or(site.pos);
        inv.warn(Warning {
            origin: site.file.display().to_string(),
            line: Some(pos.line),
            message: format!(
                "{key}: Statement[{i}] (column {}): Effect `{effect}` is not valid, expected `Allow` or `Deny`; IAM rejects this document",
                pos.column
            ),
        });
    }
}

impl Model {
    pub fn into_inventory(self) -> Inventory {
        let mut inv = Inventory::new();
        for w in self.warnings {
            inv.warn(w);
        }
        for p in &self.policies {
            check_effects(&mut inv, &p.key, &p.doc, &p.site);
        }
        for d in &self.inlines {
            check_effects(
                &mut inv,
                &display(&d.name, "inline policy"),
                &d.doc,
                &d.site,
            );
        }
        let find_identity = |t: &Target| -> Option<&IdentityDraft> {
            match t {
                Target::Key(k) => self.identities.iter().find(|i| key_matches(&i.key, k)),
                Target::Named(..) => None,
            }
        };
        // (kind, name, arn, id) of a target.
        let describe = |t: &Target| -> Option<(Kind, Value, Value, String)> {
            match t {
                Target::Key(k) => find_identity(t)
                    .map(|i| (i.kind, i.name.clone(), i.arn.clone(), i.key.clone()))
                    .or_else(|| {
                        // A key that names nothing declared: keep the attachment visible.
                        let _ = k;
                        None
                    }),
                Target::Named(kind, name) => Some((
                    *kind,
                    name.clone(),
                    Value::unknown("the ARN of an identity declared elsewhere is not known"),
                    display(name, "?"),
                )),
            }
        };

        for p in &self.policies {
            let mut lists: [(Kind, Vec<Value>); 3] = [
                (Kind::User, vec![]),
                (Kind::Role, vec![]),
                (Kind::Group, vec![]),
            ];
            let mut seen: Vec<String> = Vec::new();
            for (pref, target) in &self.attachments {
                if !matches!(pref, PolicyRef::Key(k) if key_matches(&p.key, k)) {
                    continue;
                }
                let Some((kind, name, arn, id)) = describe(target) else {
                    continue;
                };
                let tag = format!("{kind:?}/{id}");
                if seen.contains(&tag) {
                    continue;
                }
                seen.push(tag);
                if let Some((_, l)) = lists.iter_mut().find(|(k, _)| *k == kind) {
                    l.push(obj(vec![
                        ("name", name),
                        ("arn", arn),
                        ("id", Value::str(id)),
                    ]));
                }
            }
            let count = lists.iter().map(|(_, l)| l.len()).sum::<usize>();
            let [(_, users), (_, roles), (_, groups)] = lists;
            let value = obj(vec![
                ("name", p.name.clone()),
                ("arn", p.arn.clone()),
                ("id", Value::str(p.key.as_str())),
                ("path", p.path.clone()),
                ("description", p.description.clone()),
                ("isAwsManaged", Value::Bool(false)),
                ("attachmentCount", Value::Number(count as f64)),
                ("isAttachable", Value::Bool(true)),
                ("defaultVersionId", Value::str("v1")),
                (
                    "versions",
                    Value::List(vec![obj(vec![
                        ("versionId", Value::str("v1")),
                        ("isDefaultVersion", Value::Bool(true)),
                        ("document", p.doc.value.clone()),
                    ])]),
                ),
                ("document", p.doc.value.clone()),
                ("users", Value::List(users)),
                ("roles", Value::List(roles)),
                ("groups", Value::List(groups)),
            ]);
            let mut r = Record::from_value(
                "IamPolicy",
                p.key.as_str(),
                display(&p.name, &p.key),
                provenance(&p.site),
                value,
            );
            locate(&mut r, "document", &p.doc);
            r.suppressions = p.suppressions.clone();
            inv.push(r);
        }

        let mut ids: Vec<&IdentityDraft> = self.identities.iter().collect();
        ids.sort_by_key(|i| i.kind);
        for i in ids {
            let is_me = |t: &Target| matches!(t, Target::Key(k) if key_matches(&i.key, k));
            let mut managed = Vec::new();
            for (pref, t) in &self.attachments {
                if !is_me(t) {
                    continue;
                }
                let entry = match pref {
                    PolicyRef::Key(k) => {
                        match self.policies.iter().find(|p| key_matches(&p.key, k)) {
                            Some(p) => obj(vec![("name", p.name.clone()), ("arn", p.arn.clone())]),
                            None => continue,
                        }
                    }
                    PolicyRef::Arn(a) => obj(vec![("name", name_from_arn(a)), ("arn", a.clone())]),
                };
                if !managed.contains(&entry) {
                    managed.push(entry);
                }
            }
            let mut inline = Vec::new();
            let mut locs = Vec::new();
            for d in &self.inlines {
                if d.targets.iter().any(is_me) {
                    locs.push((inline.len(), d));
                    inline.push(obj(vec![
                        ("name", d.name.clone()),
                        ("document", d.doc.value.clone()),
                    ]));
                }
            }
            let mut fields = vec![
                ("name", i.name.clone()),
                ("arn", i.arn.clone()),
                ("id", Value::str(i.key.as_str())),
                ("path", i.path.clone()),
                ("managedPolicies", Value::List(managed)),
                ("inlinePolicies", Value::List(inline)),
            ];
            if let Some(a) = &i.assume_role {
                fields.push(("assumeRolePolicy", a.value.clone()));
            }
            let mut r = Record::from_value(
                i.kind.record_kind(),
                i.key.as_str(),
                display(&i.name, &i.key),
                provenance(&i.site),
                obj(fields),
            );
            for (n, d) in locs {
                locate(&mut r, &format!("inlinePolicies[{n}].document"), &d.doc);
            }
            r.suppressions = i.suppressions.clone();
            inv.push(r);
        }

        for d in &self.inlines {
            for t in &d.targets {
                let Some((kind, name, _arn, id)) = describe(t) else {
                    continue;
                };
                let arn = find_identity(t).map_or_else(
                    || Value::unknown("the ARN of an identity declared elsewhere is not known"),
                    |i| i.arn.clone(),
                );
                let pname = display(&d.name, "?");
                let value = obj(vec![
                    ("name", d.name.clone()),
                    ("document", d.doc.value.clone()),
                    (
                        "identity",
                        obj(vec![
                            ("type", Value::str(kind.record_kind())),
                            ("name", name.clone()),
                            ("arn", arn),
                        ]),
                    ),
                ]);
                let mut r = Record::from_value(
                    "IamInlinePolicy",
                    format!("{id}/inline/{pname}"),
                    pname,
                    provenance(&d.site),
                    value,
                );
                locate(&mut r, "document", &d.doc);
                r.suppressions = d.suppressions.clone();
                inv.push(r);
            }
        }
        inv
    }
}
