//! `terraform show -json` plans into IAM entities.
//!
//! Terraform has already evaluated everything a plan can know, so documents are read as
//! rendered: `resource_changes[].change.after.policy` (the same text `planned_values` holds).
//! An attribute in `after_unknown` is known only after apply and becomes `Unknown` with that
//! reason. Attachments usually name policies by an ARN that is unknown at plan time; the
//! plan's `configuration` says which resource the expression references, which links them.
//!
//! Entity ids are the resource addresses, module path and index included. A plan carries no
//! source positions: entities point at their `"address"` in the plan file, and, when the
//! plan sits in the directory of the configuration it was made from, at their block and
//! statements in the `.tf` files.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use gsl::Value;
use serde_json::Value as Json;
use tenet_inventory::{Inventory, Provenance, Warning};

use crate::SourceError;
use crate::iac::model::{
    Doc, IdentityDraft, InlineDraft, Kind, Model, PolicyDraft, PolicyRef, Site, Target,
};
use crate::iac::node::Pos;

/// Whether a JSON file's beginning looks like `terraform show -json` output of a plan.
pub fn looks_like_plan(head: &str) -> bool {
    head.contains("\"format_version\"")
        && head.contains("\"terraform_version\"")
        && (head.contains("\"planned_values\"")
            || head.contains("\"resource_changes\"")
            || head.contains("\"variables\""))
}

/// Loads a plan file (`terraform show -json PLAN > plan.json`).
pub fn load_plan(path: &Path, text: &str) -> Result<Inventory, SourceError> {
    let plan: Json = serde_json::from_str(text).map_err(|e| SourceError {
        path: path.to_path_buf(),
        line: Some(e.line()),
        column: Some(e.column()),
        message: format!("not valid JSON ({e}): expected `terraform show -json` output"),
    })?;
    let Some(changes) = plan.get("resource_changes").and_then(Json::as_array) else {
        if plan.get("planned_values").is_some() || plan.get("format_version").is_some() {
            // A plan with no changes, or `terraform show -json` of a state: nothing to read.
            let mut inv = Inventory::new();
            inv.warn(Warning {
                origin: path.display().to_string(),
                line: None,
                message: "no resource_changes in this Terraform JSON (a state, or a plan without changes): nothing is checked".into(),
            });
            return Ok(inv);
        }
        return Err(SourceError::new(
            path,
            "expected `terraform show -json` output of a plan (no resource_changes)",
        ));
    };
    let file: Arc<Path> = Arc::from(path);
    let positions = address_positions(text);
    let config = plan.get("configuration").and_then(|c| c.get("root_module"));
    let mut model = Model::default();
    // Policies first, so that attachments can resolve references to their instances.
    let is_policy = |rc: &&Json| rc.get("type").and_then(Json::as_str) == Some("aws_iam_policy");
    for rc in changes.iter().filter(is_policy) {
        read_change(rc, config, &file, &positions, &mut model);
    }
    for rc in changes.iter().filter(|rc| !is_policy(rc)) {
        read_change(rc, config, &file, &positions, &mut model);
    }
    super::resources::link_by_name(&mut model);
    let inv = model.into_inventory();
    Ok(map_to_source(path, inv))
}

/// 1-based position of the first `"address": "..."` of each address in the plan text.
fn address_positions(text: &str) -> HashMap<String, Pos> {
    let mut out = HashMap::new();
    let (mut line, mut line_start) = (1usize, 0usize);
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(off) = text[i..].find("\"address\"") {
        let at = i + off;
        for (j, b) in bytes.iter().enumerate().take(at).skip(i) {
            if *b == b'\n' {
                line += 1;
                line_start = j + 1;
            }
        }
        i = at + 9;
        let rest = text[i..].trim_start_matches([' ', '\t', '\r', '\n', ':']);
        if let Some(rest) = rest.strip_prefix('"')
            && let Some(end) = rest.find('"')
        {
            let column = text[line_start..at].chars().count() + 1;
            out.entry(rest[..end].replace("\\\"", "\""))
                .or_insert(Pos { line, column });
        }
    }
    out
}

/// The module part of an address (`module.a[0].module.b`), and its configuration path
/// (`["a", "b"]`, instance keys dropped).
fn module_calls(module_address: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = module_address;
    while let Some(r) = rest.strip_prefix("module.") {
        // A for_each key may hold dots; it is quoted in brackets.
        let name_end = r.find(['.', '[']).unwrap_or(r.len());
        out.push(r[..name_end].to_string());
        let mut after = &r[name_end..];
        if after.starts_with('[') {
            let close = close_bracket(after).unwrap_or(after.len());
            after = &after[close..];
        }
        rest = after.strip_prefix('.').unwrap_or(after);
    }
    out
}

/// The index just past the `]` closing the bracket at the start of `s` (quotes respected).
fn close_bracket(s: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ']' if !quoted => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// The configuration block of a resource of a module instance.
fn config_of<'a>(root: Option<&'a Json>, calls: &[String], cfg_address: &str) -> Option<&'a Json> {
    let mut m = root?;
    for c in calls {
        m = m.get("module_calls")?.get(c)?.get("module")?;
    }
    m.get("resources")?
        .as_array()?
        .iter()
        .find(|r| r.get("address").and_then(Json::as_str) == Some(cfg_address))
}

struct Change<'a> {
    address: &'a str,
    /// `module.a[0].` or empty.
    prefix: String,
    after: &'a Json,
    unknown: &'a Json,
    config: Option<&'a Json>,
    site: Site,
}

impl Change<'_> {
    fn is_unknown(&self, attr: &str) -> bool {
        matches!(self.unknown.get(attr), Some(Json::Bool(true)))
    }

    /// An attribute as a value: `Unknown` when known only after apply, `Null` when unset.
    fn attr(&self, attr: &str) -> Value {
        if self.is_unknown(attr) {
            return Value::unknown(format!(
                "`{}.{attr}` is known only after apply (terraform plan)",
                self.address
            ));
        }
        match self.after.get(attr) {
            Some(v) => Value::from_json(v),
            None => Value::Null,
        }
    }

    /// The resource addresses (with this module's prefix) an attribute's expression
    /// references, e.g. `aws_iam_policy.p` for `aws_iam_policy.p.arn`.
    fn references(&self, attr: &str, of_type: &[&str]) -> Vec<String> {
        let refs = self
            .config
            .and_then(|c| c.get("expressions"))
            .and_then(|e| e.get(attr))
            .map(collect_references)
            .unwrap_or_default();
        let mut out: Vec<String> = Vec::new();
        for r in refs {
            let mut parts = r.splitn(3, '.');
            let (Some(t), Some(name)) = (parts.next(), parts.next()) else {
                continue;
            };
            if !of_type.contains(&t) {
                continue;
            }
            // `aws_iam_policy.p[0]` keeps a literal index; `p[count.index]` is cut to `p`.
            let name = match name.split_once('[') {
                Some((base, ix)) if !ix.ends_with(']') => base,
                _ => name,
            };
            let key = format!("{}{t}.{name}", self.prefix);
            if !out.contains(&key) {
                out.push(key);
            }
        }
        out
    }

    fn doc(&self, attr: &str) -> Doc {
        if self.is_unknown(attr) {
            return Doc::unknown(format!(
                "the document of `{}` is known only after apply (terraform plan: after_unknown.{attr})",
                self.address
            ));
        }
        match self.after.get(attr) {
            Some(Json::String(s)) => parse_doc(s, self.address),
            Some(Json::Null) | None => Doc::unknown(format!("`{}` has no {attr}", self.address)),
            Some(other) => Doc {
                value: Value::from_json(other),
                statements: Vec::new(),
            },
        }
    }
}

/// References anywhere in an expression tree (`references` lists, nested blocks).
fn collect_references(e: &Json) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(v) = stack.pop() {
        match v {
            Json::Object(m) => {
                if let Some(Json::Array(rs)) = m.get("references") {
                    out.extend(rs.iter().filter_map(Json::as_str).map(str::to_string));
                }
                stack.extend(m.values().filter(|v| v.is_object() || v.is_array()));
            }
            Json::Array(a) => stack.extend(a.iter()),
            _ => {}
        }
    }
    out
}

fn parse_doc(text: &str, address: &str) -> Doc {
    match serde_json::from_str::<Json>(text) {
        Ok(v) => Doc {
            value: Value::from_json(&v),
            statements: Vec::new(),
        },
        Err(e) => Doc::unknown(format!(
            "the document of `{address}` in the plan is not JSON: {e}"
        )),
    }
}

fn read_change(
    rc: &Json,
    config: Option<&Json>,
    file: &Arc<Path>,
    positions: &HashMap<String, Pos>,
    model: &mut Model,
) {
    let s = |k: &str| rc.get(k).and_then(Json::as_str);
    let (Some(address), Some(rtype), Some(name)) = (s("address"), s("type"), s("name")) else {
        return;
    };
    if s("mode") != Some("managed") || !rtype.starts_with("aws_iam_") {
        return;
    }
    let Some(change) = rc.get("change") else {
        return;
    };
    // A resource being destroyed has no `after`.
    let Some(after) = change.get("after").filter(|a| a.is_object()) else {
        return;
    };
    let module = s("module_address").unwrap_or("");
    let calls = module_calls(module);
    let empty = Json::Object(serde_json::Map::new());
    let c = Change {
        address,
        prefix: if module.is_empty() {
            String::new()
        } else {
            format!("{module}.")
        },
        after,
        unknown: change.get("after_unknown").unwrap_or(&empty),
        config: config_of(config, &calls, &format!("{rtype}.{name}")),
        site: Site {
            file: file.clone(),
            pos: positions
                .get(address)
                .copied()
                .unwrap_or(Pos { line: 1, column: 1 }),
        },
    };
    let arn_unknown = || Value::unknown(format!("the ARN of `{address}` is assigned at apply"));
    let kind_of = |t: &str| match t {
        "user" | "users" => Some(Kind::User),
        "group" | "groups" => Some(Kind::Group),
        "role" | "roles" => Some(Kind::Role),
        _ => None,
    };
    match rtype {
        "aws_iam_policy" => model.policies.push(PolicyDraft {
            key: address.to_string(),
            name: c.attr("name"),
            path: c.attr("path"),
            description: c.attr("description"),
            arn: known_or(c.attr("arn"), arn_unknown),
            doc: c.doc("policy"),
            site: c.site.clone(),
            suppressions: Vec::new(),
        }),
        "aws_iam_user" | "aws_iam_group" | "aws_iam_role" => {
            let kind = match rtype {
                "aws_iam_user" => Kind::User,
                "aws_iam_group" => Kind::Group,
                _ => Kind::Role,
            };
            model.identities.push(IdentityDraft {
                kind,
                key: address.to_string(),
                name: c.attr("name"),
                path: c.attr("path"),
                arn: known_or(c.attr("arn"), arn_unknown),
                assume_role: (kind == Kind::Role).then(|| c.doc("assume_role_policy")),
                site: c.site.clone(),
                suppressions: Vec::new(),
            });
            if kind == Kind::Role {
                read_role_extras(&c, model);
            }
        }
        "aws_iam_user_policy" | "aws_iam_group_policy" | "aws_iam_role_policy" => {
            let t = &rtype["aws_iam_".len()..rtype.len() - "_policy".len()];
            let Some(kind) = kind_of(t) else { return };
            let targets = targets(&c, t, kind);
            model.inlines.push(InlineDraft {
                name: c.attr("name"),
                doc: c.doc("policy"),
                targets,
                site: c.site.clone(),
                suppressions: Vec::new(),
            });
        }
        "aws_iam_user_policy_attachment"
        | "aws_iam_group_policy_attachment"
        | "aws_iam_role_policy_attachment" => {
            let t = &rtype["aws_iam_".len()..rtype.len() - "_policy_attachment".len()];
            let Some(kind) = kind_of(t) else { return };
            let policy = policy_ref(&c, "policy_arn", model);
            for target in targets(&c, t, kind) {
                for p in &policy {
                    model.attachments.push((p.clone(), target.clone()));
                }
            }
        }
        "aws_iam_policy_attachment" => {
            let policy = policy_ref(&c, "policy_arn", model);
            for field in ["users", "groups", "roles"] {
                let Some(kind) = kind_of(field) else { continue };
                for target in targets(&c, field, kind) {
                    for p in &policy {
                        model.attachments.push((p.clone(), target.clone()));
                    }
                }
            }
        }
        "aws_iam_user_policy_attachments_exclusive"
        | "aws_iam_group_policy_attachments_exclusive"
        | "aws_iam_role_policy_attachments_exclusive" => {
            let t = &rtype["aws_iam_".len()..rtype.find("_policy_").unwrap_or(rtype.len())];
            let Some(kind) = kind_of(t) else { return };
            let field = format!("{t}_name");
            let policy = policy_ref(&c, "policy_arns", model);
            for target in targets(&c, &field, kind) {
                for p in &policy {
                    model.attachments.push((p.clone(), target.clone()));
                }
            }
        }
        _ => {}
    }
}

fn known_or(v: Value, unknown: impl Fn() -> Value) -> Value {
    match v {
        Value::Null => unknown(),
        v => v,
    }
}

/// `managed_policy_arns` and `inline_policy` blocks of an `aws_iam_role`.
fn read_role_extras(c: &Change<'_>, model: &mut Model) {
    let me = Target::Key(c.address.to_string());
    for p in policy_ref(c, "managed_policy_arns", model) {
        model.attachments.push((p, me.clone()));
    }
    let Some(Json::Array(blocks)) = c.after.get("inline_policy") else {
        return;
    };
    for (i, b) in blocks.iter().enumerate() {
        let unknown = c
            .unknown
            .get("inline_policy")
            .and_then(|u| u.get(i))
            .and_then(|u| u.get("policy"));
        let doc = match (unknown, b.get("policy")) {
            (Some(Json::Bool(true)), _) => Doc::unknown(format!(
                "the inline policy {i} of `{}` is known only after apply (terraform plan)",
                c.address
            )),
            (_, Some(Json::String(s))) if !s.is_empty() => parse_doc(s, c.address),
            // The provider's empty placeholder block (no inline policies declared).
            _ => continue,
        };
        model.inlines.push(InlineDraft {
            name: b.get("name").map_or(Value::Null, Value::from_json),
            doc,
            targets: vec![me.clone()],
            site: c.site.clone(),
            suppressions: Vec::new(),
        });
    }
}

/// Who an attachment or inline policy targets: by name when the plan knows it, else by the
/// identity resource its expression references.
fn targets(c: &Change<'_>, attr: &str, kind: Kind) -> Vec<Target> {
    let types: &[&str] = match kind {
        Kind::User => &["aws_iam_user"],
        Kind::Group => &["aws_iam_group"],
        Kind::Role => &["aws_iam_role"],
    };
    match c.attr(attr) {
        Value::String(s) => vec![Target::Named(kind, Value::String(s))],
        Value::List(items) => {
            let mut refs = c.references(attr, types).into_iter();
            items
                .into_iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(Target::Named(kind, Value::String(s))),
                    Value::Unknown(_) => refs.next().map(Target::Key),
                    _ => None,
                })
                .collect()
        }
        Value::Null => Vec::new(),
        _ => c
            .references(attr, types)
            .into_iter()
            .map(Target::Key)
            .collect(),
    }
}

/// The policies an attachment attaches: a known ARN, or the declared policy its
/// configuration references (resolved to the instances of that resource in the plan).
fn policy_ref(c: &Change<'_>, attr: &str, model: &Model) -> Vec<PolicyRef> {
    let by_reference = || -> Vec<PolicyRef> {
        let mut out = Vec::new();
        for key in c.references(attr, &["aws_iam_policy"]) {
            // `aws_iam_policy.p` may have instances `aws_iam_policy.p[0]`, ...: one is taken
            // only when it is the attachment's own index.
            let own_index = c.address.rfind('[').map(|i| &c.address[i..]);
            let declared: Vec<&str> = model
                .policies
                .iter()
                .map(|p| p.key.as_str())
                .filter(|k| {
                    *k == key
                        || k.strip_prefix(key.as_str())
                            .is_some_and(|r| r.starts_with('['))
                })
                .collect();
            let chosen = match declared.as_slice() {
                [one] => Some(one.to_string()),
                many => own_index
                    .map(|ix| format!("{key}{ix}"))
                    .filter(|k| many.contains(&k.as_str())),
            };
            // Policies come later in the plan than some attachments: keep the key.
            out.push(PolicyRef::Key(chosen.unwrap_or(key)));
        }
        out
    };
    match c.attr(attr) {
        Value::String(s) => vec![PolicyRef::Arn(Value::String(s))],
        Value::List(items) => {
            let refs = by_reference();
            let mut out: Vec<PolicyRef> = items
                .into_iter()
                .filter(|v| !matches!(v, Value::Unknown(_)))
                .map(PolicyRef::Arn)
                .collect();
            out.extend(refs);
            out
        }
        Value::Null => Vec::new(),
        _ => by_reference(),
    }
}

/// When the plan's directory holds the configuration's `.tf` files, entities point at their
/// block and statements there (same addresses); others keep their place in the plan.
fn map_to_source(path: &Path, inv: Inventory) -> Inventory {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let has_tf = std::fs::read_dir(dir).is_ok_and(|rd| {
        rd.filter_map(Result::ok)
            .any(|e| e.path().extension().is_some_and(|x| x == "tf"))
    });
    if !has_tf {
        return inv;
    }
    let Ok(hcl) = super::load_module(dir, None, &[]) else {
        return inv;
    };
    let (hcl_records, _) = hcl.into_parts();
    let by_id: HashMap<(&str, &str), &tenet_inventory::Record> = hcl_records
        .iter()
        .map(|r| ((r.kind.as_str(), r.id.as_str()), r))
        .collect();
    let (records, warnings) = inv.into_parts();
    let mut out = Inventory::new();
    for w in warnings {
        out.warn(w);
    }
    for mut r in records {
        if let Some(src) = by_id.get(&(r.kind.as_str(), r.id.as_str()))
            && matches!(src.provenance, Provenance::File { .. })
        {
            r.provenance = src.provenance.clone();
            r.locations = src.locations.clone();
        }
        out.push(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths_drop_instance_keys() {
        assert_eq!(module_calls(""), Vec::<String>::new());
        assert_eq!(module_calls("module.a[0].module.b"), ["a", "b"]);
        assert_eq!(module_calls("module.a[\"x.y]\"].module.b"), ["a", "b"]);
    }

    #[test]
    fn addresses_are_found_with_their_position() {
        let p = address_positions("{\n  \"x\": 1,\n  \"address\": \"aws_iam_policy.p[0]\"}");
        assert_eq!(
            p.get("aws_iam_policy.p[0]"),
            Some(&Pos { line: 3, column: 3 })
        );
    }
}
