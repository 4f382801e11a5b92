//! D9.AWS.IAM.67 end to end: each fixture is an account export with one policy `P`, scanned by
//! the `tenet` binary; the test asserts the exact outcome (and, where it matters, the evidence).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers: failing is the assertion

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/d9_aws_iam_67")
        .join(name)
}

/// Runs `tenet scan --format json` and returns (exit code, parsed output).
fn scan(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .arg("scan")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("run tenet");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

/// The single D9.AWS.IAM.67 result for policy `P` in a fixture.
fn result_for(file: &str) -> (i32, Value) {
    let path = fixture(file);
    let (code, json) = scan(&[path.to_str().unwrap(), "--rule", "D9.AWS.IAM.67"]);
    let results: Vec<&Value> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["entity"]["id"] == "arn:aws:iam::111122223333:policy/P")
        .collect();
    assert_eq!(
        results.len(),
        1,
        "{file}: exactly one result for P: {json:#}"
    );
    (code, results[0].clone())
}

fn assert_outcome(file: &str, expected: &str) -> Value {
    let (code, r) = result_for(file);
    assert_eq!(r["outcome"], expected, "{file}: {r:#}");
    assert_eq!(r["rule"], "D9.AWS.IAM.67");
    assert_eq!(r["entity"]["type"], "IamPolicy");
    assert_eq!(r["entity"]["name"], "P");
    let expected_code = if expected == "FAIL" { 1 } else { 0 };
    assert_eq!(code, expected_code, "{file}: exit code");
    r
}

#[test]
fn action_as_string_without_condition_fails() {
    let r = assert_outcome("action_string_fail.json", "FAIL");
    let ev = &r["evidence"][0];
    assert_eq!(ev["path"], "document.Statement[0]");
    assert_eq!(ev["index"], 0);
    assert_eq!(
        ev["matched"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["value"] == "iam:CreateAccessKey")
            .count(),
        1
    );
    assert_eq!(
        ev["failed"][0]["path"],
        "document.Statement[0].Condition.Bool.aws:SecureTransport"
    );
    assert_eq!(ev["failed"][0]["actual"], Value::Null);
}

#[test]
fn action_as_list_with_condition_passes() {
    let r = assert_outcome("action_list_pass.json", "PASS");
    assert_eq!(r["evidence"], serde_json::json!([]));
}

#[test]
fn action_as_list_without_condition_fails_naming_only_the_matching_action() {
    let r = assert_outcome("action_list_fail.json", "FAIL");
    let ev = &r["evidence"][0];
    assert_eq!(ev["sid"], "Keys");
    let values: Vec<&Value> = ev["matched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["value"])
        .collect();
    assert!(
        values.contains(&&Value::from("iam:CreateAccessKey")),
        "{ev:#}"
    );
    assert!(!values.contains(&&Value::from("s3:GetObject")), "{ev:#}");
    assert_eq!(
        ev["message"],
        "Statement[0] (Sid Keys): matches iam:CreateAccessKey; requires Condition.Bool.aws:SecureTransport = 'true' (found: missing)"
    );
}

#[test]
fn single_object_statement() {
    let r = assert_outcome("single_statement_object_fail.json", "FAIL");
    assert_eq!(r["evidence"][0]["path"], "document.Statement");
    assert_outcome("single_statement_object_pass.json", "PASS");
}

#[test]
fn every_access_key_statement_must_carry_the_condition() {
    assert_outcome("allow_with_condition_pass.json", "PASS");
    let r = assert_outcome("allow_one_with_one_without_fail.json", "FAIL");
    let evidence = r["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 1, "only the statement without TLS: {r:#}");
    assert_eq!(evidence[0]["index"], 1);
    assert_eq!(evidence[0]["sid"], "NoTls");
}

#[test]
fn deny_statements_are_ignored_by_the_filter() {
    assert_outcome("deny_only_skip.json", "SKIP");
    assert_outcome("deny_ignored_pass.json", "PASS");
}

#[test]
fn attachment_decides_relevance() {
    assert_outcome("unattached_skip.json", "SKIP");
    let r = assert_outcome("attached_group_only_fail.json", "FAIL");
    assert_eq!(
        r["entity"]["attachedTo"],
        serde_json::json!([{"kind": "group", "name": "g1"}])
    );
    let r = assert_outcome("attached_role_only_fail.json", "FAIL");
    assert_eq!(
        r["entity"]["attachedTo"],
        serde_json::json!([{"kind": "role", "name": "r1"}])
    );
}

#[test]
fn true_spelled_any_way_passes() {
    for f in [
        "value_json_true_pass.json",
        "value_string_true_pass.json",
        "value_list_true_pass.json",
        "value_capital_true_pass.json",
    ] {
        assert_outcome(f, "PASS");
    }
}

#[test]
fn false_fails_and_reports_the_value_found() {
    let r = assert_outcome("value_false_fail.json", "FAIL");
    assert_eq!(r["evidence"][0]["failed"][0]["actual"], "false");
}

#[test]
fn published_rule_is_literal_about_the_condition_path() {
    // BoolIfExists and a lower-case key enforce TLS in IAM, but the published path does not match.
    assert_outcome("bool_if_exists_fail.json", "FAIL");
    assert_outcome("lowercase_condition_key_fail.json", "FAIL");
}

#[test]
fn published_rule_is_literal_about_action_names() {
    // `iam:*` and lower-case names grant access-key actions, but /AccessKey/ does not match them.
    assert_outcome("iam_star_skip.json", "SKIP");
    assert_outcome("lowercase_action_skip.json", "SKIP");
}

#[test]
fn only_the_default_version_is_evaluated() {
    assert_outcome("non_default_version_violation_pass.json", "PASS");
}

#[test]
fn url_encoded_documents_are_decoded() {
    let r = assert_outcome("url_encoded_fail.json", "FAIL");
    assert_eq!(r["evidence"][0]["sid"], "Encoded");
    assert_outcome("url_encoded_pass.json", "PASS");
}

#[test]
fn every_pair_is_reported_with_a_summary() {
    let path = fixture("unattached_skip.json");
    let (code, json) = scan(&[path.to_str().unwrap()]);
    assert_eq!(code, 0);
    // D9.AWS.IAM.67 and TN.AWS.IAM.67 both skip the unattached policy; no inline policies.
    assert_eq!(json["summary"]["SKIP"], 2);
    assert_eq!(json["summary"]["PASS"], 0);
    assert_eq!(json["summary"]["FAIL"], 0);
    assert_eq!(json["summary"]["UNKNOWN"], 0);
    assert_eq!(json["summary"]["total"], 2);
}
