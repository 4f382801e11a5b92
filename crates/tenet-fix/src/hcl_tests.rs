#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::hcl::{Files, fix_resource, parse};
use crate::json::apply_edits;
use crate::plan::{FixOptions, plan};
use gsl::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

struct Mem(BTreeMap<PathBuf, String>);

impl Files for Mem {
    fn read(&self, path: &Path) -> Option<String> {
        self.0.get(path).cloned()
    }
    fn tf_files(&self, dir: &Path) -> Vec<PathBuf> {
        self.0
            .keys()
            .filter(|p| p.parent() == Some(dir) && p.extension().is_some_and(|x| x == "tf"))
            .cloned()
            .collect()
    }
}

/// Fixes the resource at line 1 of `m/main.tf` whose document is `doc` (as the source renders
/// it); returns every file's text after the fix.
fn fix(files: &[(&str, &str)], doc: &str, iam_aware: bool) -> BTreeMap<PathBuf, String> {
    let mem = Mem(files
        .iter()
        .map(|(p, t)| (PathBuf::from(p), t.to_string()))
        .collect());
    let d = Value::from_json(&serde_json::from_str(doc).unwrap());
    let n = match d.get("Statement") {
        Some(Value::List(l)) => l.len(),
        _ => 1,
    };
    let targets: Vec<usize> = (0..n).collect();
    let p = plan(
        &d,
        &targets,
        iam_aware,
        FixOptions {
            whole_statement: false,
            allow_unsafe: true,
        },
    )
    .unwrap();
    let edits = fix_resource(&mem, Path::new("m/main.tf"), 1, 1, &p).unwrap();
    let mut out = mem.0.clone();
    for (path, es) in edits {
        let t = apply_edits(&out[&path], &es);
        if path.extension().is_some_and(|x| x == "tf") {
            parse(&t).unwrap_or_else(|e| panic!("{e}\n{t}"));
        }
        out.insert(path, t);
    }
    out
}

#[test]
fn jsonencode_condition_and_split() {
    let tf = r#"resource "aws_iam_policy" "p" {
  # keep me
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "Keys"
        Effect   = "Allow"
        Action   = ["iam:CreateAccessKey", "s3:GetObject"]
        Resource = "*" # all
      },
      {
        Effect   = "Allow"
        Action   = "iam:UpdateAccessKey"
        Resource = "*"
      },
    ]
  })
}
"#;
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Keys","Effect":"Allow","Action":["iam:CreateAccessKey","s3:GetObject"],"Resource":"*"},{"Effect":"Allow","Action":"iam:UpdateAccessKey","Resource":"*"}]}"#;
    let out = fix(&[("m/main.tf", tf)], doc, true);
    assert_eq!(
        out[Path::new("m/main.tf")],
        r#"resource "aws_iam_policy" "p" {
  # keep me
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "Keys"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = "*" # all
      },
      {
        Sid      = "KeysTls"
        Effect   = "Allow"
        Action   = ["iam:CreateAccessKey"]
        Resource = "*" # all
        Condition = {
          Bool = {
            "aws:SecureTransport" = "true"
          }
        }
      },
      {
        Effect   = "Allow"
        Action   = "iam:UpdateAccessKey"
        Resource = "*"
        Condition = {
          Bool = {
            "aws:SecureTransport" = "true"
          }
        }
      },
    ]
  })
}
"#
    );
}

#[test]
fn policy_document_condition_block() {
    let tf = r#"resource "aws_iam_policy" "p" {
  policy = data.aws_iam_policy_document.d.json
}
"#;
    let data = r#"data "aws_iam_policy_document" "d" {
  statement {
    sid       = "Keys"
    actions   = ["iam:CreateAccessKey", "s3:GetObject"]
    resources = ["*"]
  }

  statement {
    actions   = ["iam:UpdateAccessKey"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:username"
      values   = ["me"]
    }
  }
}
"#;
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Keys","Effect":"Allow","Action":["iam:CreateAccessKey","s3:GetObject"],"Resource":"*"},{"Effect":"Allow","Action":"iam:UpdateAccessKey","Resource":"*","Condition":{"StringEquals":{"aws:username":"me"}}}]}"#;
    let out = fix(&[("m/main.tf", tf), ("m/data.tf", data)], doc, false);
    assert_eq!(out[Path::new("m/main.tf")], tf);
    assert_eq!(
        out[Path::new("m/data.tf")],
        r#"data "aws_iam_policy_document" "d" {
  statement {
    sid       = "Keys"
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }

  statement {
    sid       = "KeysTls"
    actions   = ["iam:CreateAccessKey"]
    resources = ["*"]

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["true"]
    }
  }

  statement {
    actions   = ["iam:UpdateAccessKey"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:username"
      values   = ["me"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["true"]
    }
  }
}
"#
    );
}

#[test]
fn heredoc_and_file() {
    let tf = "resource \"aws_iam_user_policy\" \"p\" {\n  policy = <<EOF\n{\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"iam:CreateAccessKey\", \"Resource\": \"${var.arn}\"}\n  ]\n}\nEOF\n}\n";
    let doc = r#"{"Statement":[{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"x"}]}"#;
    let out = fix(&[("m/main.tf", tf)], doc, false);
    assert_eq!(
        out[Path::new("m/main.tf")],
        "resource \"aws_iam_user_policy\" \"p\" {\n  policy = <<EOF\n{\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"iam:CreateAccessKey\", \"Resource\": \"${var.arn}\", \"Condition\": {\"Bool\": {\"aws:SecureTransport\": \"true\"}}}\n  ]\n}\nEOF\n}\n"
    );
    let tf = "resource \"aws_iam_policy\" \"p\" {\n  policy = file(\"${path.module}/p.json\")\n}\n";
    let json = "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"iam:CreateAccessKey\", \"Resource\": \"*\"}}\n";
    let out = fix(&[("m/main.tf", tf), ("m/p.json", json)], doc, false);
    assert_eq!(out[Path::new("m/main.tf")], tf);
    assert_eq!(
        out[Path::new("m/p.json")],
        "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"iam:CreateAccessKey\", \"Resource\": \"*\", \"Condition\": {\"Bool\": {\"aws:SecureTransport\": \"true\"}}}}\n"
    );
}
