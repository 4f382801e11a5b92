//! `--rules` with CloudGuard ruleset exports.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers: failing is the assertion

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn path(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
        .display()
        .to_string()
}

fn tenet(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .args(args)
        .output()
        .expect("run tenet");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn outcomes(json: &Value, rule: &str) -> Vec<String> {
    json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule"] == rule)
        .map(|r| {
            format!(
                "{} {}",
                r["entity"]["name"].as_str().unwrap(),
                r["outcome"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn ruleset_object_export_adds_a_second_rule() {
    let (code, out, err) = tenet(&[
        "scan",
        &path("d9_aws_iam_67/action_list_pass.json"),
        "--rules",
        &path("rulesets/cloudguard-ruleset.json"),
        "--format",
        "json",
    ]);
    let json: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    // The export's D9.AWS.IAM.67 replaces the built-in one (same id), D9.AWS.IAM.85 is new.
    assert!(err.contains("replaces the built-in rule"), "{err}");
    assert_eq!(outcomes(&json, "D9.AWS.IAM.67"), vec!["P PASS"]);
    // D9.AWS.IAM.85 forbids Allow statements naming access-key actions at all.
    assert_eq!(outcomes(&json, "D9.AWS.IAM.85"), vec!["P FAIL"]);
    let rule85 = json["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "D9.AWS.IAM.85")
        .unwrap();
    assert_eq!(
        rule85["frameworks"],
        serde_json::json!(["Key hygiene (exported)"])
    );
    assert_eq!(code, 1);
}

#[test]
fn ruleset_array_export_loads() {
    let (code, out, _) = tenet(&[
        "scan",
        &path("d9_aws_iam_67/unattached_skip.json"),
        "--rules",
        &path("rulesets/cloudguard-array.json"),
        "--format",
        "json",
    ]);
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(outcomes(&json, "D9.AWS.IAM.67"), vec!["P SKIP"]);
    // attachmentCount is 0, so D9.AWS.IAM.85's `where` is false.
    assert_eq!(outcomes(&json, "D9.AWS.IAM.85"), vec!["P SKIP"]);
    assert_eq!(code, 0);
}

#[test]
fn ruleset_with_bad_logic_is_an_input_error_with_a_caret() {
    let (code, out, err) = tenet(&[
        "scan",
        &path("d9_aws_iam_67/unattached_skip.json"),
        "--rules",
        &path("rulesets/cloudguard-bad-logic.json"),
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("contains-all"), "{err}");
    assert!(err.contains("did you mean `contain-all`"), "{err}");
    assert!(err.contains('^'), "{err}");
}
