//! Where a policy document sits in a file, and how it is written there.
//!
//! An export holds a managed policy's default document at
//! `Policies[].PolicyVersionList[default].Document` and an inline policy's at
//! `{User,Group,Role}DetailList[].{User,Group,Role}PolicyList[].PolicyDocument`; a file may hold
//! one page, a list of pages, or pages one after the other. A document is a JSON object, a JSON
//! string holding JSON text, or a percent-encoded string (the raw API's form); edits are made in
//! the decoded text and written back in the same form, keeping untouched percent-escapes as
//! they were.

use crate::json::{self, TextEdit, apply_edits, document_edits};
use crate::plan::{Plan, Unfixable};
use jsonc_parser::ast;
use jsonc_parser::common::Ranged;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// What a finding's entity is, as far as finding its document goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A managed policy of an export, by ARN: its default version's document.
    Policy { arn: String },
    /// An inline policy of an export: the identity's ARN and the policy's name.
    Inline { identity: String, name: String },
    /// The whole file is the document.
    Document,
}

impl Target {
    /// The target for an entity of `kind` with id `id` (`<identity ARN>/inline/<name>` for
    /// inline policies).
    pub fn for_entity(kind: &str, id: &str) -> Option<Target> {
        match kind {
            "IamPolicy" => Some(Target::Policy { arn: id.into() }),
            "IamInlinePolicy" => {
                // Policy names cannot contain `/`, so the last marker is the separator.
                let at = id.rfind("/inline/")?;
                Some(Target::Inline {
                    identity: id[..at].into(),
                    name: id[at + "/inline/".len()..].into(),
                })
            }
            _ => None,
        }
    }
}

/// The top-level JSON values of `text` (pages written one after the other), with their offsets.
pub fn top_values(text: &str) -> Result<Vec<(usize, &str)>, json::SyntaxError> {
    let mut out = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<serde::de::IgnoredAny>();
    let mut start = 0;
    loop {
        match stream.next() {
            None => break,
            Some(Ok(_)) => {
                let end = stream.byte_offset();
                out.push((start, &text[start..end]));
                start = end;
            }
            Some(Err(e)) => {
                return Err(json::SyntaxError {
                    line: e.line(),
                    column: e.column(),
                    message: format!("expected valid JSON: {e}"),
                });
            }
        }
    }
    Ok(out)
}

/// Every node of `root` (a page, or a list of pages) that holds `target`'s document.
pub fn find<'b, 'a>(root: &'b ast::Value<'a>, target: &Target) -> Vec<&'b ast::Value<'a>> {
    let pages: Vec<&ast::Object<'a>> = match root {
        ast::Value::Object(o) => vec![o],
        ast::Value::Array(a) => a.elements.iter().filter_map(|e| e.as_object()).collect(),
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    match target {
        Target::Document => out.push(root),
        Target::Policy { arn } => {
            for page in pages {
                for p in list(page, "Policies") {
                    if text_of(p, "Arn") != Some(arn.as_str()) {
                        continue;
                    }
                    let versions = list(p, "PolicyVersionList");
                    let default = versions
                        .iter()
                        .find(|v| {
                            v.get("IsDefaultVersion")
                                .and_then(|b| b.value.as_boolean_lit())
                                .is_some_and(|b| b.value)
                        })
                        .or_else(|| {
                            let id = text_of(p, "DefaultVersionId")?;
                            versions
                                .iter()
                                .find(|v| text_of(v, "VersionId") == Some(id))
                        });
                    if let Some(d) = default.and_then(|v| v.get("Document")) {
                        out.push(&d.value);
                    }
                }
            }
        }
        Target::Inline { identity, name } => {
            for page in pages {
                for (details, policies) in [
                    ("UserDetailList", "UserPolicyList"),
                    ("GroupDetailList", "GroupPolicyList"),
                    ("RoleDetailList", "RolePolicyList"),
                ] {
                    for ident in list(page, details) {
                        if text_of(ident, "Arn") != Some(identity.as_str()) {
                            continue;
                        }
                        for p in list(ident, policies) {
                            if text_of(p, "PolicyName") == Some(name.as_str())
                                && let Some(d) = p.get("PolicyDocument")
                            {
                                out.push(&d.value);
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

fn list<'b, 'a>(o: &'b ast::Object<'a>, key: &str) -> Vec<&'b ast::Object<'a>> {
    o.get(key)
        .and_then(|p| p.value.as_array())
        .map(|a| a.elements.iter().filter_map(|e| e.as_object()).collect())
        .unwrap_or_default()
}

fn text_of<'b>(o: &'b ast::Object<'_>, key: &str) -> Option<&'b str> {
    o.get(key)
        .and_then(|p| p.value.as_string_lit())
        .map(|s| s.value.as_ref())
}

/// RFC 3986 unreserved characters stay as they are; everything else is escaped, as the IAM API
/// does.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The edits of `text` that fix the document held at `node` (an object or a string).
pub fn site_edits(
    text: &str,
    node: &ast::Value<'_>,
    plan: &Plan,
) -> Result<Vec<TextEdit>, Unfixable> {
    match node {
        ast::Value::Object(_) => document_edits(text, node, plan),
        ast::Value::StringLit(_) => {
            let r = node.range();
            let raw: String = serde_json::from_str(&text[r.start..r.end])
                .map_err(|e| Unfixable(format!("unreadable document string: {e}")))?;
            let new = if raw.trim_start().starts_with('{') {
                json::fix_text(&raw, plan)?
            } else {
                fix_percent_encoded(&raw, plan)?
            };
            Ok(vec![TextEdit {
                start: r.start,
                end: r.end,
                with: serde_json::Value::String(new).to_string(),
            }])
        }
        _ => Err(Unfixable(
            "the document is neither a JSON object nor a string".into(),
        )),
    }
}

/// Fixes a percent-encoded document: edits are made in the decoded text and mapped back, so
/// the escapes of untouched parts stay byte for byte.
pub fn fix_percent_encoded(encoded: &str, plan: &Plan) -> Result<String, Unfixable> {
    let bytes = encoded.as_bytes();
    // decoded byte k comes from encoded[pos[k]..pos[k + 1]].
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut pos = Vec::with_capacity(bytes.len() + 1);
    let mut k = 0;
    while k < bytes.len() {
        pos.push(k);
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[k] == b'%'
            && k + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[k + 1]), hex(bytes[k + 2]))
        {
            decoded.push((h * 16 + l) as u8);
            k += 3;
            continue;
        }
        decoded.push(bytes[k]);
        k += 1;
    }
    pos.push(bytes.len());
    let text = String::from_utf8(decoded)
        .map_err(|_| Unfixable("the percent-decoded document is not UTF-8".into()))?;
    let doc = json::parse(&text).map_err(|e| {
        Unfixable(format!(
            "the percent-decoded document, line {}, column {}: {}",
            e.line, e.column, e.message
        ))
    })?;
    let edits = document_edits(&text, &doc, plan)?;
    let mapped: Vec<TextEdit> = edits
        .into_iter()
        .map(|e| TextEdit {
            start: pos[e.start],
            end: pos[e.end],
            with: utf8_percent_encode(&e.with, ENCODE).to_string(),
        })
        .collect();
    Ok(apply_edits(encoded, &mapped))
}
