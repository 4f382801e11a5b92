//! `tenet scan` on Terraform and CloudFormation fixtures (in `tenet-sources`): exact D9.AWS.IAM.67
//! outcomes per entity, with the resource address / logical id and the source position.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers: failing is the assertion

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn fixtures(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tenet-sources/tests/fixtures")
        .join(p)
}

/// (exit code, [(outcome, entity id, line, column)]) of D9.AWS.IAM.67.
fn scan(p: &str) -> (i32, Vec<(String, String, u64, u64)>) {
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .args([
            "scan",
            fixtures(p).to_str().unwrap(),
            "--rule",
            "D9.AWS.IAM.67",
            "--format",
            "json",
        ])
        .output()
        .expect("run tenet");
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let mut rows: Vec<_> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let src = &r["entity"]["source"];
            (
                r["outcome"].as_str().unwrap().to_string(),
                r["entity"]["id"].as_str().unwrap().to_string(),
                src["line"].as_u64().unwrap_or(0),
                src["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    rows.sort();
    (out.status.code().unwrap_or(-1), rows)
}

fn row(o: &str, id: &str, l: u64, c: u64) -> (String, String, u64, u64) {
    (o.into(), id.into(), l, c)
}

#[test]
fn terraform_directory_is_one_module() {
    let (code, rows) = scan("terraform/basic");
    assert_eq!(code, 1);
    assert_eq!(
        rows,
        [
            row("FAIL", "aws_iam_policy.doc", 107, 1),
            row("FAIL", "aws_iam_policy.json", 38, 1),
            row("PASS", "aws_iam_policy.heredoc", 55, 1),
        ]
    );
}

#[test]
fn terraform_local_modules_with_count() {
    let (code, rows) = scan("terraform/modules");
    assert_eq!(code, 1);
    assert_eq!(
        rows,
        [
            row("FAIL", "module.keys[0].aws_iam_policy.p", 4, 1),
            row("FAIL", "module.keys[1].aws_iam_policy.p", 4, 1),
        ]
    );
}

#[test]
fn cloudformation_json_and_yaml_with_branches_and_unknowns() {
    let (code, rows) = scan("cloudformation");
    assert_eq!(code, 1);
    assert_eq!(
        rows,
        [
            row("FAIL", "Branchy [unless IsBlue]", 38, 3),
            row("FAIL", "Keys", 13, 3),
            row("FAIL", "P", 4, 5),
            row("PASS", "Branchy [if IsBlue]", 38, 3),
            row("PASS", "Tls", 27, 3),
            row("UNKNOWN", "Imported", 17, 5),
        ]
    );
}
