//! Report formats, suppressions, baselines, the project config and exit codes, through the
//! binary as CI uses it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers: failing is the assertion

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tenet_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .current_dir(dir)
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

fn tenet(args: &[&str]) -> (i32, String, String) {
    tenet_in(&root(), args)
}

const EXAMPLE: &str = "examples/account-export.json";

#[path = "../../tenet-report/tests/support/sarif_schema.rs"]
mod sarif_schema;
use sarif_schema::validate_sarif;

#[test]
fn example_sarif_is_schema_valid() {
    let (code, out, err) = tenet(&["scan", EXAMPLE, "--format", "sarif"]);
    assert_eq!(code, 1, "{err}");
    let doc = validate_sarif(&out);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let (_, text, _) = tenet(&["scan", EXAMPLE, "--color", "never"]);
    let fails = text.lines().filter(|l| l.starts_with("FAIL ")).count();
    assert_eq!(results.len(), fails);
    insta::assert_json_snapshot!("example_sarif", doc);
}

#[test]
fn example_junit_csv_html() {
    for (format, name) in [
        ("junit", "example_junit"),
        ("csv", "example_csv"),
        ("html", "example_html"),
    ] {
        let (code, out, err) = tenet(&["scan", EXAMPLE, "--format", format]);
        assert_eq!(code, 1, "{format}: {err}");
        insta::assert_snapshot!(name, out);
    }
}

#[test]
fn several_formats_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let (code, out, err) = tenet(&[
        "scan",
        EXAMPLE,
        "--format",
        "json",
        "--output",
        &format!("sarif={d}/out/t.sarif"),
        "--output",
        &format!("junit={d}/t.xml"),
        "--output",
        &format!("csv={d}/t.csv"),
        "--output",
        &format!("html={d}/t.html"),
        "--output",
        &format!("text={d}/t.txt"),
    ]);
    assert_eq!(code, 1, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    validate_sarif(&std::fs::read_to_string(dir.path().join("out/t.sarif")).unwrap());
    let (_, sarif, _) = tenet(&["scan", EXAMPLE, "--format", "sarif"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/t.sarif")).unwrap(),
        sarif
    );
    let (_, text, _) = tenet(&["scan", EXAMPLE, "--color", "never"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("t.txt")).unwrap(),
        text
    );
    let csv = std::fs::read_to_string(dir.path().join("t.csv")).unwrap();
    assert_eq!(
        csv.lines().count(),
        1 + json["results"].as_array().unwrap().len()
    );
    let xml = std::fs::read_to_string(dir.path().join("t.xml")).unwrap();
    assert_eq!(
        xml.matches("<testcase ").count(),
        json["results"].as_array().unwrap().len()
    );
    assert!(
        std::fs::read_to_string(dir.path().join("t.html"))
            .unwrap()
            .starts_with("<!doctype html>")
    );
}

#[test]
fn output_spec_errors_are_usage_errors() {
    let (code, _, err) = tenet(&["scan", EXAMPLE, "--output", "sarif"]);
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "expected FORMAT=PATH with FORMAT one of text, json, sarif, junit, csv or html"
        ),
        "{err}"
    );
    let (code, _, err) = tenet(&["scan", EXAMPLE, "--format", "xml"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("expected text, json, sarif, junit, csv or html"),
        "{err}"
    );
    let (code, _, err) = tenet(&["scan", EXAMPLE, "--fail-on", "severe"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("expected informational, low, medium, high or critical"),
        "{err}"
    );
}

#[test]
fn fail_on_and_severity() {
    // Every rule of the example is Low.
    assert_eq!(tenet(&["scan", EXAMPLE, "--fail-on", "low"]).0, 1);
    assert_eq!(tenet(&["scan", EXAMPLE, "--fail-on", "medium"]).0, 0);
    assert_eq!(tenet(&["scan", EXAMPLE, "--fail-on", "critical"]).0, 0);
    let (code, out, _) = tenet(&["scan", EXAMPLE, "--severity", "high", "--format", "json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["rules"].as_array().unwrap().len(), 0);
    assert_eq!(json["summary"]["total"], 0);
}

#[test]
fn fail_on_unknown() {
    let dir = tempfile::tempdir().unwrap();
    // A policy whose document is not JSON is UNKNOWN for every policy rule.
    let text = std::fs::read_to_string(root().join(EXAMPLE)).unwrap();
    let bad = text.replacen(
        "\"Document\": {",
        "\"Document\": \"%7Bnot json\", \"Ignored\": {",
        1,
    );
    assert_ne!(bad, text);
    let path = dir.path().join("export.json");
    std::fs::write(&path, bad).unwrap();
    let p = path.display().to_string();
    let (_, out, _) = tenet(&["scan", &p, "--format", "json", "--no-config"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        json["summary"]["UNKNOWN"].as_u64().unwrap() > 0,
        "{}",
        json["summary"]
    );
    assert_eq!(
        tenet(&["scan", &p, "--fail-on", "high", "--no-config"]).0,
        0
    );
    assert_eq!(
        tenet(&[
            "scan",
            &p,
            "--fail-on",
            "high",
            "--fail-on-unknown",
            "--no-config"
        ])
        .0,
        0
    );
    assert_eq!(
        tenet(&[
            "scan",
            &p,
            "--fail-on",
            "low",
            "--fail-on-unknown",
            "--rule",
            "TN.AWS.IAM.67",
            "--no-config"
        ])
        .0,
        1
    );
}

/// The example with KeyRotationAutomation's `RotateKeys` statement no longer requiring TLS.
fn with_new_violation(text: &str) -> String {
    let at = text.find("\"Sid\": \"RotateKeys\"").unwrap();
    let (head, tail) = text.split_at(at);
    let tail = tail.replacen(
        "\"aws:SecureTransport\": \"true\"",
        "\"aws:SecureTransport\": \"false\"",
        1,
    );
    format!("{head}{tail}")
}

#[test]
fn baseline_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export.json");
    let original = std::fs::read_to_string(root().join(EXAMPLE)).unwrap();
    std::fs::write(&export, &original).unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "scan",
            "export.json",
            "--rule",
            "D9.AWS.IAM.67",
            "--color",
            "never",
        ];
        args.extend_from_slice(extra);
        tenet_in(dir.path(), &args)
    };
    // Creating a baseline accepts every current finding.
    let (code, out, err) = run(&["--create-baseline", "baseline.json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("baseline: 3 finding(s) written to baseline.json"),
        "{err}"
    );
    let baseline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("baseline.json")).unwrap())
            .unwrap();
    let entities: Vec<&str> = baseline["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["entity"].as_str().unwrap())
        .collect();
    assert_eq!(
        entities,
        [
            "arn:aws:iam::111122223333:policy/DeveloperToolsAccess",
            "arn:aws:iam::111122223333:policy/SelfServiceAccessKeys",
            "arn:aws:iam::aws:policy/AWSCodeCommitReadOnly",
        ]
    );
    // Unchanged: clean, the accepted findings reported as SUPPRESSED.
    let (code, out, err) = run(&["--baseline", "baseline.json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.lines()
            .filter(|l| l.starts_with("SUPPRESSED D9.AWS.IAM.67 "))
            .count(),
        3,
        "{out}"
    );
    assert!(out.contains("SUPPRESSED D9.AWS.IAM.67 SelfServiceAccessKeys: accepted in the baseline (baseline.json, was FAIL)"), "{out}");
    assert!(!out.contains("\nFAIL "), "{out}");
    assert!(
        out.contains("0 FAIL, 2 PASS, 2 SKIP, 0 UNKNOWN, 3 SUPPRESSED"),
        "{out}"
    );
    // A new violation: exit 1, and the only FAIL is the new one.
    std::fs::write(&export, with_new_violation(&original)).unwrap();
    let (code, out, err) = run(&["--baseline", "baseline.json"]);
    assert_eq!(code, 1, "{out}{err}");
    let fails: Vec<&str> = out.lines().filter(|l| l.starts_with("FAIL ")).collect();
    assert_eq!(fails.len(), 1, "{out}");
    assert!(out.contains("  policy: KeyRotationAutomation (arn:aws:iam::111122223333:policy/KeyRotationAutomation)"), "{out}");
    assert!(
        out.contains("1 FAIL, 1 PASS, 2 SKIP, 0 UNKNOWN, 3 SUPPRESSED"),
        "{out}"
    );
    let (_, sarif, _) = run(&["--baseline", "baseline.json", "--format", "sarif"]);
    let doc = validate_sarif(&sarif);
    let unsuppressed: Vec<&serde_json::Value> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_none())
        .collect();
    assert_eq!(unsuppressed.len(), 1);
    assert_eq!(
        unsuppressed[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "arn:aws:iam::111122223333:policy/KeyRotationAutomation"
    );
}

#[test]
fn bad_baseline_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("b.json"),
        "{\"version\": 1,\n \"findings\": {}}",
    )
    .unwrap();
    let e = root().join(EXAMPLE).display().to_string();
    let (code, _, err) = tenet_in(dir.path(), &["scan", &e, "--baseline", "b.json"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("error: b.json:2:13: expected a Tenet baseline"),
        "{err}"
    );
    let (code, _, err) = tenet_in(dir.path(), &["scan", &e, "--baseline", "missing.json"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("error: missing.json: cannot read baseline:"),
        "{err}"
    );
}

#[test]
fn project_config_is_found_upward_and_flags_override_it() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("accounts/prod");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::copy(root().join(EXAMPLE), sub.join("export.json")).unwrap();
    std::fs::write(
        dir.path().join("tenet.toml"),
        r#"disabled-rules = ["TN.AWS.IAM.67.INLINE"]
fail-on = "high"
format = "json"

[output]
sarif = "reports/tenet.sarif"

[[suppress]]
rule = "D9.AWS.IAM.67"
entity = "arn:aws:iam::aws:policy/*"
reason = "AWS-managed; tracked upstream"

[[suppress]]
rule = "*"
entity = "DeveloperToolsAccess"
reason = "was accepted until the end of 2020"
expires = 2020-12-31
"#,
    )
    .unwrap();
    let (code, out, err) = tenet_in(&sub, &["scan", "export.json"]);
    assert_eq!(
        code, 0,
        "fail-on = high: the Low FAILs do not fail the run: {err}"
    );
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<&str> = json["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["D9.AWS.IAM.67", "TN.AWS.IAM.67"]);
    let suppressed: Vec<&serde_json::Value> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "SUPPRESSED")
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["entity"]["name"], "AWSCodeCommitReadOnly");
    let origin = suppressed[0]["suppression"]["origin"].as_str().unwrap();
    assert!(origin.ends_with("tenet.toml: suppress[0]"), "{origin}");
    // The expired one warns and no longer applies.
    assert!(err.contains("tenet.toml: suppress[1]: suppression of D9.AWS.IAM.67 for arn:aws:iam::111122223333:policy/DeveloperToolsAccess expired on 2020-12-31; the FAIL is reported"), "{err}");
    assert!(dir.path().join("reports/tenet.sarif").is_file());
    // Flags win: --fail-on low fails, --format text prints text, --rule runs a disabled rule.
    let (code, out, _) = tenet_in(
        &sub,
        &[
            "scan",
            "export.json",
            "--fail-on",
            "low",
            "--format",
            "text",
            "--rule",
            "TN.AWS.IAM.67.INLINE",
        ],
    );
    assert_eq!(code, 1);
    assert!(out.contains("FAIL TN.AWS.IAM.67.INLINE"), "{out}");
    // --no-config ignores it.
    let (code, out, _) = tenet_in(
        &sub,
        &["scan", "export.json", "--no-config", "--color", "never"],
    );
    assert_eq!(code, 1);
    assert!(out.contains("FAIL TN.AWS.IAM.67.INLINE"), "{out}");
}

#[test]
fn config_errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root().join(EXAMPLE), dir.path().join("export.json")).unwrap();
    std::fs::write(
        dir.path().join("tenet.toml"),
        "format = \"json\"\nfail-on = \"hgih\"\n",
    )
    .unwrap();
    let (code, out, err) = tenet_in(dir.path(), &["scan", "export.json"]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("tenet.toml:2:11: unknown severity `hgih`: expected Informational, Low, Medium, High or Critical"), "{err}");
}
