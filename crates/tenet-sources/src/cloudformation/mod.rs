//! CloudFormation templates (JSON and YAML) into IAM entities.
//!
//! Read: `AWS::IAM::ManagedPolicy` (its `Users`/`Groups`/`Roles` are attachments),
//! `AWS::IAM::Policy` and `AWS::IAM::{User,Group,Role}Policy` (inline), and `ManagedPolicyArns` /
//! `Policies` / `AssumeRolePolicyDocument` on users, groups and roles. Intrinsics are resolved by
//! [`intrinsics`]. An entity whose content depends on a condition that cannot be decided offline
//! is evaluated once per branch: its id names the branch (`Policy [if IsProd]`,
//! `Policy [unless IsProd]`), so a failing branch is reported as such.
//!
//! Positions: each entity points at its logical id in the template, and each statement at its
//! first line (statements written as a JSON string point at the string).

mod intrinsics;
mod resources;

use std::path::Path;

use tenet_inventory::Inventory;

use crate::SourceError;
use crate::iac::node::{Node, ParseError, parse_json};
use crate::iac::yaml::parse_yaml;

/// Whether a parsed document looks like a CloudFormation template.
pub(crate) fn is_template(n: &Node) -> bool {
    n.get("AWSTemplateFormatVersion").is_some()
        || n.get("Resources").is_some_and(|r| {
            r.entries().iter().any(|e| {
                e.value
                    .get("Type")
                    .and_then(Node::as_str)
                    .is_some_and(|t| t.contains("::"))
            })
        })
}

fn error(path: &Path, e: ParseError, what: &str) -> SourceError {
    SourceError {
        path: path.to_path_buf(),
        line: Some(e.pos.line),
        column: Some(e.pos.column),
        message: format!("invalid {what}: {}", e.message),
    }
}

/// Parses `text` as JSON (when it starts with `{`) or YAML.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Node, SourceError> {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('{') {
        parse_json(text).map_err(|e| error(path, e, "JSON"))
    } else {
        parse_yaml(text).map_err(|e| error(path, e, "YAML"))
    }
}

/// Loads a template already parsed.
pub(crate) fn load_node(path: &Path, template: &Node) -> Result<Inventory, SourceError> {
    if !is_template(template) {
        return Err(SourceError::new(
            path,
            "not a CloudFormation template: expected `AWSTemplateFormatVersion` or `Resources` with typed resources",
        ));
    }
    Ok(resources::read(path, template).into_inventory())
}

/// Loads a template file's text.
pub fn load_str(path: &Path, text: &str) -> Result<Inventory, SourceError> {
    let node = parse(path, text)?;
    load_node(path, &node)
}
