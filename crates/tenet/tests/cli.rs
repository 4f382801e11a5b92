//! The command line as users meet it: exit codes, error messages and the text report.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers: failing is the assertion

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(rel: &str) -> String {
    root()
        .join("tests/fixtures")
        .join(rel)
        .display()
        .to_string()
}

fn tenet(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .current_dir(root().join("../.."))
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .expect("run tenet");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bundled_example_text_report() {
    let (code, out, err) = tenet(&["scan", "examples/account-export.json", "--color", "never"]);
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!("example_text", out);
}

#[test]
fn bundled_example_json_report() {
    let (code, out, _) = tenet(&["scan", "examples/account-export.json", "--format", "json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    insta::assert_json_snapshot!("example_json", json);
}

#[test]
fn malformed_json_names_file_line_and_column() {
    let f = fixture("bad/trailing-comma.json");
    let (code, out, err) = tenet(&["scan", &f]);
    assert_eq!(code, 2);
    assert!(out.is_empty() || out.contains("0 FAIL"), "{out}");
    assert!(err.contains(&format!("{f}:4:")), "{err}");
    assert!(
        err.contains("trailing comma") || err.contains("expected"),
        "{err}"
    );
}

#[test]
fn json_that_is_not_an_export_is_refused() {
    let (code, _, err) = tenet(&["scan", &fixture("bad/not-an-export.json")]);
    assert_eq!(code, 2);
    assert!(
        err.contains("not an `aws iam get-account-authorization-details` export"),
        "{err}"
    );
}

#[test]
fn empty_file_is_refused() {
    let (code, _, err) = tenet(&["scan", &fixture("bad/empty.json")]);
    assert_eq!(code, 2);
    assert!(err.contains("empty.json"), "{err}");
}

#[test]
fn wrong_field_type_names_the_field() {
    let (code, _, err) = tenet(&["scan", &fixture("bad/wrong-type.json")]);
    assert_eq!(code, 2);
    assert!(err.contains("Policies"), "{err}");
}

#[test]
fn missing_input_is_a_usage_error() {
    let (code, _, err) = tenet(&["scan", "does/not/exist.json"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("does/not/exist.json: no such file or directory"),
        "{err}"
    );
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let (code, _, err) = tenet(&["scan", "--frobnicate"]);
    assert_eq!(code, 2);
    assert!(err.contains("--frobnicate"), "{err}");
}

#[test]
fn unknown_rule_id_is_a_usage_error() {
    let (code, _, err) = tenet(&["scan", "examples/account-export.json", "--rule", "D9.NOPE"]);
    assert_eq!(code, 2);
    assert!(err.contains("--rule D9.NOPE: no such rule"), "{err}");
}

#[test]
fn rules_lists_and_shows_the_builtin_rule() {
    let (code, out, _) = tenet(&["rules"]);
    assert_eq!(code, 0);
    let ids: Vec<&str> = out
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect();
    assert_eq!(
        ids,
        [
            "ID",
            "D9.AWS.IAM.67",
            "TN.AWS.IAM.67",
            "TN.AWS.IAM.67.INLINE"
        ]
    );
    assert!(
        out.contains("\nTN.AWS.IAM.67.INLINE  Low       IamInlinePolicy  Ensure inline"),
        "{out}"
    );
    assert!(
        out.contains("\nD9.AWS.IAM.67         Low       IamPolicy        Ensure policy"),
        "{out}"
    );
    let (code, out, _) = tenet(&["rules", "D9.AWS.IAM.67"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("rule_d9_aws_iam_67", out);
}

#[test]
fn check_reports_errors_with_a_caret() {
    let (code, _, err) = tenet(&[
        "check",
        "--logic",
        "IamPolicy should have name contains-all ['x']",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("<logic>:1:"), "{err}");
    assert!(err.contains('^'), "{err}");
    let (code, out, _) = tenet(&["check", "--logic", "IamPolicy should have name like '%x%'"]);
    assert_eq!(code, 0);
    assert!(out.contains("1 rule(s) valid, 0 error(s)"), "{out}");
}
