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
    scan_with(p, &[])
}

fn scan_with(p: &str, extra: &[&str]) -> (i32, Vec<(String, String, u64, u64)>) {
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .args([
            "scan",
            fixtures(p).to_str().unwrap(),
            "--rule",
            "D9.AWS.IAM.67",
            "--format",
            "json",
        ])
        .args(extra)
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

#[test]
fn terraform_var_files_apply_after_tfvars_and_auto_tfvars_in_order() {
    let var = |f: &str| {
        fixtures(&format!("terraform/vars/{f}"))
            .display()
            .to_string()
    };
    // terraform.tfvars sets the prefix, keys.auto.tfvars the action; the default keeps TLS off.
    let (code, rows) = scan("terraform/vars");
    assert_eq!(code, 1);
    assert_eq!(rows, [row("FAIL", "aws_iam_policy.keys", 16, 1)]);
    let (prod, name) = (var("prod.tfvars"), var("name.tfvars"));
    let (code, rows) = scan_with("terraform/vars", &["--var-file", &prod]);
    assert_eq!(code, 0);
    assert_eq!(rows, [row("PASS", "aws_iam_policy.keys", 16, 1)]);
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .args(["scan", fixtures("terraform/vars").to_str().unwrap()])
        .args(["--rule", "D9.AWS.IAM.67", "--format", "json"])
        .args(["--var-file", &prod, "--var-file", &name])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["results"][0]["entity"]["name"], "prod-keys");
    assert_eq!(
        json["results"][0]["entity"]["attachedTo"][0]["name"],
        "prod-u"
    );
    // A missing variable file is an input error (exit 2) naming the file.
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .args(["scan", fixtures("terraform/vars").to_str().unwrap()])
        .args(["--var-file", "no-such.tfvars"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no-such.tfvars: cannot read"), "{err}");
}

#[test]
fn findings_name_the_offending_statement_position() {
    let file = fixtures("terraform/basic/main.tf");
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .args(["scan", fixtures("terraform/basic").to_str().unwrap()])
        .args(["--rule", "D9.AWS.IAM.67", "--format", "json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let json_policy = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["entity"]["id"] == "aws_iam_policy.json")
        .unwrap();
    // The resource starts at 38:1; its second jsonencode statement at 44:7.
    assert_eq!(json_policy["entity"]["source"]["line"], 38);
    assert_eq!(json_policy["evidence"][0]["path"], "document.Statement[1]");
    assert_eq!(
        json_policy["evidence"][0]["location"],
        serde_json::json!({"line": 44, "column": 7})
    );
    // Text names file:line:col of the statement; SARIF's region is the statement.
    let text = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .args(["scan", fixtures("terraform/basic").to_str().unwrap()])
        .args(["--rule", "D9.AWS.IAM.67", "--color", "never"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!(
            "- Statement[1]: matches iam:CreateAccessKey; requires Condition.Bool.aws:SecureTransport = 'true' (found: missing) ({}:44:7)",
            file.display()
        )),
        "{text}"
    );
    let sarif = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .args(["scan", fixtures("terraform/basic").to_str().unwrap()])
        .args(["--rule", "D9.AWS.IAM.67", "--format", "sarif"])
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let regions: Vec<(u64, u64)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let reg = &r["locations"][0]["physicalLocation"]["region"];
            (
                reg["startLine"].as_u64().unwrap(),
                reg["startColumn"].as_u64().unwrap(),
            )
        })
        .collect();
    // aws_iam_policy.doc: its failing statement (an override from jsonencode) has no recorded
    // position, so the region is the resource.
    assert_eq!(regions, [(44, 7), (107, 1)]);
}

/// (outcome, id, attached-to names, reason) of every result of `tenet scan PLAN`.
fn scan_plan(plan: &std::path::Path) -> Vec<(String, String, String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .args(["scan", plan.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let attached: Vec<String> = r["entity"]["attachedTo"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| {
                            format!(
                                "{} {}",
                                x["kind"].as_str().unwrap(),
                                x["name"].as_str().unwrap()
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            (
                format!(
                    "{} {}",
                    r["rule"].as_str().unwrap(),
                    r["outcome"].as_str().unwrap()
                ),
                r["entity"]["id"].as_str().unwrap().to_string(),
                attached.join(", "),
                r["reason"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn terraform_plan_json_rendered_documents_unknowns_and_attachments() {
    let rows = scan_plan(&fixtures("terraform-plans/plan.json"));
    let r = |o: &str, id: &str, a: &str, why: &str| {
        (
            o.to_string(),
            id.to_string(),
            a.to_string(),
            why.to_string(),
        )
    };
    let unknown = "the document of `aws_iam_policy.self` is known only after apply (terraform plan: after_unknown.policy)";
    assert_eq!(
        rows,
        [
            r("D9.AWS.IAM.67 PASS", "aws_iam_policy.doc", "role ci", ""),
            r("TN.AWS.IAM.67 PASS", "aws_iam_policy.doc", "role ci", ""),
            r(
                "D9.AWS.IAM.67 FAIL",
                "aws_iam_policy.json",
                "user alice",
                ""
            ),
            r(
                "TN.AWS.IAM.67 FAIL",
                "aws_iam_policy.json",
                "user alice",
                ""
            ),
            r(
                "D9.AWS.IAM.67 UNKNOWN",
                "aws_iam_policy.self",
                "role ci",
                unknown
            ),
            r(
                "TN.AWS.IAM.67 UNKNOWN",
                "aws_iam_policy.self",
                "role ci",
                unknown
            ),
            r(
                "D9.AWS.IAM.67 FAIL",
                "module.keys[0].aws_iam_policy.p",
                "group devs-0",
                ""
            ),
            r(
                "TN.AWS.IAM.67 FAIL",
                "module.keys[0].aws_iam_policy.p",
                "group devs-0",
                ""
            ),
            r(
                "D9.AWS.IAM.67 FAIL",
                "module.keys[1].aws_iam_policy.p",
                "group devs-1",
                ""
            ),
            r(
                "TN.AWS.IAM.67 FAIL",
                "module.keys[1].aws_iam_policy.p",
                "group devs-1",
                ""
            ),
            r(
                "TN.AWS.IAM.67.INLINE FAIL",
                "aws_iam_role.ci/inline/inline",
                "role ci",
                ""
            ),
        ]
    );
}

#[test]
fn terraform_plan_next_to_its_configuration_points_at_the_source() {
    let dir = std::env::temp_dir().join(format!("tenet-plan-{}", std::process::id()));
    let src = fixtures("terraform-plans/src/plan");
    std::fs::create_dir_all(dir.join("modules/keys")).unwrap();
    for f in ["main.tf", "modules/keys/main.tf"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    std::fs::copy(fixtures("terraform-plans/plan.json"), dir.join("plan.json")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .args(["scan", dir.join("plan.json").to_str().unwrap()])
        .args(["--rule", "D9.AWS.IAM.67", "--format", "json"])
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let at: Vec<(String, String, u64, u64)> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "FAIL")
        .map(|r| {
            let src = &r["entity"]["source"];
            let ev = &r["evidence"][0]["location"];
            (
                r["entity"]["id"].as_str().unwrap().to_string(),
                src["file"]
                    .as_str()
                    .unwrap()
                    .rsplit("tenet-plan-")
                    .next()
                    .unwrap()
                    .split_once('/')
                    .unwrap()
                    .1
                    .to_string(),
                src["line"].as_u64().unwrap() * 1000 + src["column"].as_u64().unwrap(),
                ev["line"].as_u64().unwrap() * 1000 + ev["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let row = |id: &str, f: &str, res: u64, st: u64| (id.to_string(), f.to_string(), res, st);
    assert_eq!(
        at,
        [
            row("aws_iam_policy.json", "main.tf", 20_001, 26_007),
            row(
                "module.keys[0].aws_iam_policy.p",
                "./modules/keys/main.tf",
                8_001,
                12_018
            ),
            row(
                "module.keys[1].aws_iam_policy.p",
                "./modules/keys/main.tf",
                8_001,
                12_018
            ),
        ]
    );
}

/// A directory tree whose module is written only in Terraform's JSON syntax is found by the
/// directory walk and scanned as one module.
#[test]
fn directory_walk_finds_json_syntax_modules() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("iam");
    std::fs::create_dir(&module).unwrap();
    std::fs::copy(
        fixtures("terraform/json_syntax/main.tf.json"),
        module.join("main.tf.json"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .args([
            "scan",
            dir.path().to_str().unwrap(),
            "--rule",
            "D9.AWS.IAM.67",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut rows: Vec<(String, String)> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["entity"]["id"].as_str().unwrap().to_string(),
                r["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        vec![
            ("aws_iam_policy.doc".to_string(), "FAIL".to_string()),
            ("aws_iam_policy.keys".to_string(), "FAIL".to_string()),
            ("aws_iam_policy.tls".to_string(), "PASS".to_string()),
        ]
    );
    assert_eq!(out.status.code(), Some(1));
}
