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

#[test]
fn terraform_json_syntax_entities_documents_and_positions() {
    let d = dump(&load("terraform/json_syntax"));
    let ids: Vec<&str> = d
        .lines()
        .filter(|l| !l.starts_with(' '))
        .map(|l| l.split(" @").next().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "IamPolicy aws_iam_policy.keys",
            "IamPolicy aws_iam_policy.tls",
            "IamPolicy aws_iam_policy.doc",
            "IamUser aws_iam_user.alice",
            "IamRole aws_iam_role.ci",
        ],
        "{d}"
    );
    // `"${jsonencode({...})}"`: no TLS condition, attached to alice (D9.AWS.IAM.67 fails).
    let keys = line_of(&d, "IamPolicy aws_iam_policy.keys @25:7 ");
    assert!(keys.contains(r#""name":"team-keys""#), "{keys}");
    assert!(
        keys.contains(r#""document":{"Statement":[{"Action":"iam:CreateAccessKey","Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"},"users":[{"name":"alice""#),
        "{keys}"
    );
    assert!(d.contains("  document.Statement[0] @28:19\n"), "{d}");
    // A plain JSON string with the condition (and `$${` as a literal `${`): passes.
    let tls = line_of(&d, "IamPolicy aws_iam_policy.tls @30:7 ");
    assert!(
        tls.contains(r#""Resource":"arn:aws:iam::*:user/${aws:username}","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#),
        "{tls}"
    );
    assert!(tls.contains(r#""users":[{"name":"alice""#), "{tls}");
    // A policy document with `statement` as a list of objects; the second lacks the condition.
    let doc = line_of(&d, "IamPolicy aws_iam_policy.doc @35:7 ");
    assert!(
        doc.contains(r#""document":{"Statement":[{"Action":"iam:UpdateAccessKey","Condition":{"Bool":{"aws:SecureTransport":"true"}},"Effect":"Allow","Resource":"*","Sid":"Rotate"},{"Action":"iam:ListAccessKeys","Effect":"Allow","Resource":"*","Sid":"List"}],"Version":"2012-10-17"}"#),
        "{doc}"
    );
    assert!(doc.contains(r#""roles":[{"name":"ci""#), "{doc}");
    assert!(d.contains("  document.Statement[0] @71:11\n"), "{d}");
    assert!(d.contains("  document.Statement[1] @81:11\n"), "{d}");
    let role = line_of(&d, "IamRole aws_iam_role.ci @19:7 ");
    assert!(
        role.contains(r#""managedPolicies":[{"name":"doc""#)
            && role.contains(r#""assumeRolePolicy":{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"}}]"#),
        "{role}"
    );
    let user = line_of(&d, "IamUser aws_iam_user.alice @14:7 ");
    assert!(
        user.contains(r#""managedPolicies":[{"name":"team-keys""#)
            && user.contains(r#"{"name":"tls""#),
        "{user}"
    );
    assert!(!d.contains("warning:"), "{d}");
}

/// A scratch directory with `files`, removed by the caller.
fn scratch(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tenet-iac-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (f, text) in files {
        std::fs::write(dir.join(f), text).unwrap();
    }
    dir
}

/// Entity values with positions left out.
fn values(inv: &Inventory) -> Vec<String> {
    inv.records()
        .iter()
        .map(|r| format!("{} {}", r.id, r.materialize().unwrap().value))
        .collect()
}

#[test]
fn terraform_json_syntax_matches_the_same_configuration_in_hcl() {
    let hcl = r#"
variable "key_action" {
  type    = string
  default = "iam:CreateAccessKey"
}
locals {
  prefix = "team"
}
resource "aws_iam_user" "alice" {
  name = "alice"
}
resource "aws_iam_role" "ci" {
  name               = "ci"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
resource "aws_iam_policy" "keys" {
  name   = "${local.prefix}-keys"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = var.key_action, Resource = "*" }] })
}
resource "aws_iam_policy" "tls" {
  name   = "tls"
  policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:UpdateAccessKey\",\"Resource\":\"arn:aws:iam::*:user/$${aws:username}\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"true\"}}}]}"
}
resource "aws_iam_policy" "doc" {
  name   = "doc"
  policy = data.aws_iam_policy_document.keys.json
}
resource "aws_iam_user_policy_attachment" "alice_keys" {
  user       = aws_iam_user.alice.name
  policy_arn = aws_iam_policy.keys.arn
}
resource "aws_iam_user_policy_attachment" "alice_tls" {
  user       = aws_iam_user.alice.name
  policy_arn = aws_iam_policy.tls.arn
}
resource "aws_iam_role_policy_attachment" "ci_doc" {
  role       = aws_iam_role.ci.name
  policy_arn = aws_iam_policy.doc.arn
}
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}
data "aws_iam_policy_document" "keys" {
  statement {
    sid       = "Rotate"
    actions   = ["iam:UpdateAccessKey"]
    resources = ["*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["true"]
    }
  }
  statement {
    sid       = "List"
    actions   = ["iam:ListAccessKeys"]
    resources = ["*"]
  }
}
"#;
    let dir = scratch("hcl-twin", &[("main.tf", hcl)]);
    let from_hcl = load_input(&dir, &LoadOptions::default());
    std::fs::remove_dir_all(&dir).unwrap();
    let mut a = values(&from_hcl.unwrap());
    let mut b = values(&load("terraform/json_syntax"));
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[test]
fn terraform_json_syntax_mixed_with_hcl_and_single_file() {
    let json = r#"{"resource": {"aws_iam_policy": {"p": {"name": "p", "policy": "${jsonencode({Version = \"2012-10-17\", Statement = [{Effect = \"Allow\", Action = \"iam:CreateAccessKey\", Resource = \"*\"}]})}"}}}}"#;
    let hcl = "resource \"aws_iam_user\" \"u\" {\n  name = \"u\"\n}\nresource \"aws_iam_user_policy_attachment\" \"a\" {\n  user       = aws_iam_user.u.name\n  policy_arn = aws_iam_policy.p.arn\n}\n";
    let dir = scratch("mixed", &[("iam.tf.json", json), ("main.tf", hcl)]);
    let whole = load_input(&dir, &LoadOptions::default()).map(|i| dump(&i));
    let single = load_input(&dir.join("iam.tf.json"), &LoadOptions::default()).map(|i| dump(&i));
    std::fs::remove_dir_all(&dir).unwrap();
    let whole = whole.unwrap();
    let p = line_of(&whole, "IamPolicy aws_iam_policy.p @1:34 ");
    assert!(p.contains(r#""users":[{"name":"u""#), "{whole}");
    assert!(line_of(&whole, "IamUser aws_iam_user.u @1:1 ").contains(r#""name":"p""#));
    let single = single.unwrap();
    assert!(
        single.contains("IamPolicy aws_iam_policy.p @1:34 "),
        "{single}"
    );
    assert!(!single.contains("aws_iam_user.u"), "{single}");
}

#[test]
fn terraform_json_syntax_errors_point_at_the_file_line_and_column() {
    let dir = scratch(
        "bad-json",
        &[(
            "main.tf.json",
            "{\n  \"resource\": {\n    \"aws_iam_policy\": {,\n",
        )],
    );
    let bad = load_input(&dir, &LoadOptions::default());
    let bad_expr = std::fs::write(
        dir.join("main.tf.json"),
        "{\n  \"resource\": {\"aws_iam_policy\": {\"p\": {\n    \"policy\": \"${jsonencode(}\"\n  }}}\n}\n",
    )
    .map(|()| load_input(&dir, &LoadOptions::default()));
    std::fs::remove_dir_all(&dir).unwrap();
    let e = bad.unwrap_err().to_string();
    assert!(
        e.ends_with(
            "main.tf.json:3:24: invalid JSON: expected a string key in double quotes, found `,`"
        ),
        "{e}"
    );
    let e = bad_expr.unwrap().unwrap_err().to_string();
    assert!(
        e.contains("main.tf.json:3:15: invalid Terraform JSON expression"),
        "{e}"
    );
}
