//! Terraform and CloudFormation fixtures: the exact entities each declares.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers: failing is the assertion

use std::path::PathBuf;

use tenet_inventory::{Inventory, Provenance};
use tenet_sources::{LoadOptions, load_input};

fn fixture(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(p)
}

fn load(p: &str) -> Inventory {
    load_input(&fixture(p), &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// `kind id @line:col -> value` per record, and the warnings.
fn dump(inv: &Inventory) -> String {
    let mut out = String::new();
    for r in inv.records() {
        let (line, col) = match &r.provenance {
            Provenance::File { line, column, .. } => (line.unwrap_or(0), column.unwrap_or(0)),
            _ => (0, 0),
        };
        let v = r.materialize().unwrap().value;
        out.push_str(&format!("{} {} @{line}:{col} {v}\n", r.kind, r.id));
        for (p, l, c) in &r.locations {
            out.push_str(&format!("  {p} @{l}:{c}\n"));
        }
        for s in &r.suppressions {
            out.push_str(&format!("  suppress {} ({})\n", s.rule, s.reason));
        }
    }
    for w in inv.warnings() {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}

fn line_of(dump: &str, needle: &str) -> String {
    dump.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle} in\n{dump}"))
        .to_string()
}

#[test]
fn cloudformation_yaml_entities_attachments_and_branches() {
    let d = dump(&load("cloudformation/managed.yaml"));
    let ids: Vec<&str> = d
        .lines()
        .filter(|l| l.starts_with("Iam"))
        .map(|l| l.split(" @").next().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "IamPolicy Keys",
            "IamPolicy Tls",
            "IamPolicy Branchy [if IsBlue]",
            "IamPolicy Branchy [unless IsBlue]",
            "IamGroup Admins",
            "IamRole Dev",
            "IamInlinePolicy Dev/inline/inline",
        ]
    );
    let keys = line_of(&d, "IamPolicy Keys @13:3");
    // `2012-10-17` unquoted stays a string; the Sub in Action keeps its literal text.
    assert!(keys.contains(r#""Version":"2012-10-17""#), "{keys}");
    assert!(
        keys.contains(r#""Action":"iam:${Stage}AccessKey""#),
        "{keys}"
    );
    assert!(keys.contains(r#""groups":[{"name":"admins""#), "{keys}");
    assert!(
        keys.contains("AWS::AccountId is known only at deployment"),
        "{keys}"
    );
    assert!(d.contains("  document.Statement[1] @24:13\n"), "{d}");
    let unless = line_of(&d, "IamPolicy Branchy [unless IsBlue]");
    assert!(!unless.contains("SecureTransport"), "{unless}");
    let role = line_of(&d, "IamRole Dev @54:3");
    assert!(
        role.contains(
            r#"{"name":"ReadOnlyAccess","arn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}"#
        ),
        "{role}"
    );
    assert!(
        role.contains(r#""assumeRolePolicy":{"Version":"2012-10-17""#),
        "{role}"
    );
    assert!(
        d.contains("  suppress TN.AWS.IAM.67.INLINE (break-glass role)"),
        "{d}"
    );
}

#[test]
fn cloudformation_json_join_and_import_value() {
    let d = dump(&load("cloudformation/managed.json"));
    let p = line_of(&d, "IamPolicy P @4:5");
    assert!(p.contains(r#""Action":"iam:CreateAccessKey""#), "{p}");
    assert!(
        p.contains(r#""users":[{"name":"alice""#),
        "attached by literal name: {p}"
    );
    let i = line_of(&d, "IamPolicy Imported @17:5");
    assert!(i.contains(r#""document":{"$unknown":"Fn::ImportValue SharedDoc: the value is exported by another stack"}"#), "{i}");
}

#[test]
fn terraform_policies_documents_and_attachments() {
    let d = dump(&load("terraform/basic"));
    let json = line_of(&d, "IamPolicy aws_iam_policy.json @38:1");
    assert!(
        json.contains(r#"{"Action":"iam:CreateAccessKey","Effect":"Allow","Resource":"*"}"#),
        "{json}"
    );
    assert!(
        json.contains(r#""Resource":{"$unknown":"variable bucket is not set and has no default"}"#),
        "{json}"
    );
    assert!(json.contains(r#""users":[{"name":"alice""#), "{json}");
    assert!(d.contains("  document.Statement[1] @44:7\n"), "{d}");
    let heredoc = line_of(&d, "IamPolicy aws_iam_policy.heredoc @55:1");
    assert!(heredoc.contains(r#""Resource":"arn:aws:iam::*:user/${aws:username}","Condition":{"Bool":{"aws:SecureTransport":"true"}}"#), "{heredoc}");
    assert!(d.contains("  document.Statement[0] @61:5\n"), "{d}");
    let doc = line_of(&d, "IamPolicy aws_iam_policy.doc @107:1");
    // The override replaced the Sid "Keys" statement (dropping its condition); the two
    // condition blocks with the same test and variable were merged.
    assert!(
        doc.contains(
            r#"{"Action":"iam:DeleteAccessKey","Effect":"Allow","Resource":"*","Sid":"Keys"}"#
        ),
        "{doc}"
    );
    assert!(
        doc.contains(r#""aws:RequestedRegion":["eu-west-1","eu-west-2"]"#),
        "{doc}"
    );
    assert!(doc.contains(r#""roles":[{"name":"ci""#), "{doc}");
    let inline = line_of(&d, "IamInlinePolicy aws_iam_role.ci/inline/keys @18:3");
    assert!(
        inline.contains(r#""identity":{"type":"IamRole","name":"ci""#),
        "{inline}"
    );
}

#[test]
fn terraform_local_modules_with_count_and_remote_module_warning() {
    let d = dump(&load("terraform/modules"));
    for i in 0..2 {
        let p = line_of(
            &d,
            &format!("IamPolicy module.keys[{i}].aws_iam_policy.p @4:1"),
        );
        assert!(p.contains(r#""name":"keys-devs""#), "{p}");
        assert!(p.contains(r#""groups":[{"name":"devs","#), "{p}");
    }
    assert!(d.contains("module.remote: module source `terraform-aws-modules/iam/aws` is not local and is not fetched; its IAM resources are not checked"), "{d}");
}

#[test]
fn terraform_unknown_interpolated_into_heredoc_json_is_unknown_in_place() {
    let d = dump(&load("terraform/heredoc_unknown"));
    let p = line_of(&d, "IamPolicy aws_iam_policy.p @3:1");
    assert!(
        p.contains(r#"{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":{"$unknown":"variable account is not set and has no default"}}"#),
        "{p}"
    );
    assert!(d.contains("  document.Statement[0] @9:5\n"), "{d}");
}

#[test]
fn terraform_legacy_references_empty_documents_and_invalid_effects() {
    let d = dump(&load("terraform/legacy"));
    // `"${aws_iam_role.r.id}"` links the inline policy to the role; an empty
    // aws_iam_policy_document renders as `{"Version": ...}` alone, as the provider does.
    assert!(
        d.contains(r#"IamRole aws_iam_role.r @2:1 {"name":"r""#),
        "{d}"
    );
    assert!(
        d.contains(r#""assumeRolePolicy":{"Version":"2012-10-17"}"#),
        "{d}"
    );
    assert!(
        d.contains("IamInlinePolicy aws_iam_role.r/inline/p @9:1"),
        "{d}"
    );
    assert!(
        d.contains("main.tf:14: warning: p: Statement[0] (column 18): Effect `NotAllow` is not valid, expected `Allow` or `Deny`; IAM rejects this document"),
        "{d}"
    );
}
