//! Every report format for a Terraform module and a CloudFormation template, each with a FAIL
//! located at its statement and a FAIL suppressed in the code (`# tenet:ignore`,
//! `Metadata.tenet.ignore`). Run from the repository with relative inputs, so the snapshots hold
//! relative paths only.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers: failing is the assertion

use std::path::PathBuf;
use std::process::Command;

#[path = "../../tenet-report/tests/support/sarif_schema.rs"]
mod sarif_schema;
use sarif_schema::validate_sarif;

const TERRAFORM: &str = "crates/tenet/tests/fixtures/reports_iac/terraform";
const TERRAFORM_FILE: &str = "crates/tenet/tests/fixtures/reports_iac/terraform/main.tf";
const CLOUDFORMATION: &str = "crates/tenet-sources/tests/fixtures/cloudformation/managed.yaml";

fn tenet(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."))
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

/// Runs every format on `input` (exit 1: it has FAILs), checks that no output names an absolute
/// path, snapshots each as `<name>_<format>`, and returns the SARIF.
fn snapshot_all(input: &str, name: &str) -> serde_json::Value {
    let cwd = std::fs::canonicalize(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .unwrap()
        .display()
        .to_string();
    let mut sarif = None;
    for format in ["text", "json", "sarif", "junit", "csv", "html"] {
        let (code, out, err) = tenet(&[
            "scan",
            input,
            "--no-config",
            "--color",
            "never",
            "--format",
            format,
        ]);
        assert_eq!(code, 1, "{name} {format}: {err}");
        assert_eq!(err, "", "{name} {format}: no warnings");
        assert!(!out.contains(&cwd), "{name} {format}: absolute path");
        let snap = format!("{name}_{format}");
        match format {
            "json" => {
                insta::assert_json_snapshot!(
                    snap,
                    serde_json::from_str::<serde_json::Value>(&out).unwrap()
                )
            }
            "sarif" => {
                let doc = validate_sarif(&out);
                insta::assert_json_snapshot!(snap, doc);
                sarif = Some(doc);
            }
            _ => insta::assert_snapshot!(snap, out),
        }
    }
    sarif.unwrap()
}

/// (rule, entity, start line, start column, suppressed) of every SARIF result, all in `file`.
fn regions(sarif: &serde_json::Value, file: &str) -> Vec<(String, String, u64, u64, bool)> {
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0];
            let phys = &loc["physicalLocation"];
            assert_eq!(phys["artifactLocation"]["uri"], file);
            if let Some(s) = r.get("suppressions") {
                assert_eq!(s[0]["kind"], "inSource", "suppressed in the code: {r}");
            }
            (
                r["ruleId"].as_str().unwrap().to_string(),
                loc["logicalLocations"][0]["fullyQualifiedName"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                phys["region"]["startLine"].as_u64().unwrap(),
                phys["region"]["startColumn"].as_u64().unwrap(),
                r.get("suppressions").is_some(),
            )
        })
        .collect()
}

/// 1-based line `n` of `file` (relative to the repository).
fn line(file: &str, n: u64) -> String {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(file),
    )
    .unwrap();
    text.lines().nth(n as usize - 1).unwrap().to_string()
}

fn r(
    rule: &str,
    entity: &str,
    l: u64,
    c: u64,
    suppressed: bool,
) -> (String, String, u64, u64, bool) {
    (rule.into(), entity.into(), l, c, suppressed)
}

#[test]
fn terraform_every_format() {
    let sarif = snapshot_all(TERRAFORM, "terraform");
    // Each region is the offending statement: the second jsonencode item of `keys`, the only
    // one of the suppressed `rotate`.
    assert_eq!(
        regions(&sarif, TERRAFORM_FILE),
        [
            r("D9.AWS.IAM.67", "aws_iam_policy.keys", 13, 7, false),
            r("TN.AWS.IAM.67", "aws_iam_policy.keys", 13, 7, false),
            r("D9.AWS.IAM.67", "aws_iam_policy.rotate", 24, 18, true),
            r("TN.AWS.IAM.67", "aws_iam_policy.rotate", 24, 18, true),
        ]
    );
    assert_eq!(
        &line(TERRAFORM_FILE, 13)[6..],
        "{ Effect = \"Allow\", Action = \"iam:CreateAccessKey\", Resource = \"*\" },"
    );
    assert!(
        line(TERRAFORM_FILE, 24)[17..]
            .starts_with("{ Effect = \"Allow\", Action = \"iam:UpdateAccessKey\""),
    );
}

#[test]
fn cloudformation_every_format() {
    let sarif = snapshot_all(CLOUDFORMATION, "cloudformation");
    // Keys' second statement; the else branch of Branchy's `!If` (IsBlue unknown); the
    // suppressed inline statement of Dev (a single mapping).
    assert_eq!(
        regions(&sarif, CLOUDFORMATION),
        [
            r("D9.AWS.IAM.67", "Keys", 24, 13, false),
            r("D9.AWS.IAM.67", "Branchy [unless IsBlue]", 51, 15, false),
            r("TN.AWS.IAM.67", "Branchy [unless IsBlue]", 51, 15, false),
            r("TN.AWS.IAM.67.INLINE", "Dev/inline/inline", 66, 15, true),
        ]
    );
    assert_eq!(line(CLOUDFORMATION, 24), "          - Effect: Allow");
    assert_eq!(
        line(CLOUDFORMATION, 25),
        "            Action: !Sub 'iam:${Stage}AccessKey'"
    );
    assert_eq!(line(CLOUDFORMATION, 51), "            - Effect: Allow");
    assert_eq!(
        line(CLOUDFORMATION, 52),
        "              Action: iam:UpdateAccessKey"
    );
    assert_eq!(line(CLOUDFORMATION, 66), "              Effect: Allow");
    assert_eq!(
        line(CLOUDFORMATION, 67),
        "              Action: iam:DeleteAccessKey"
    );
}
