#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `tenet scan --aws` and `tenet fix --aws` end to end, against a local moto server
//! (`TENET_MOTO_ENDPOINT`; scripts/test starts one). Each test has an account of its own.

#[path = "../../tenet-live/tests/support/mod.rs"]
mod support;

use std::process::{Command, Output};
use support::{FAILING, PASSING, TestAccount, endpoint};

fn tenet(acct: &TestAccount, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tenet"))
        .args(args)
        .args(["--endpoint-url", url, "--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", &acct.key)
        .env("AWS_SECRET_ACCESS_KEY", &acct.secret)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn scan_aws_reports_like_an_export_and_saves_one() {
    let Some(url) = endpoint() else { return };
    let acct = TestAccount::new(&url, "cli_scan_aws");
    let failing = acct.policy("cli-keys", FAILING);
    let passing = acct.policy("cli-keys-tls", PASSING);
    acct.user("erin", &[&failing]);
    acct.role("deploy", &[&passing]);
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("export.json");

    let live = tenet(
        &acct,
        &url,
        &[
            "scan",
            "--aws",
            "--rule",
            "D9.AWS.IAM.67",
            "--format",
            "json",
            "--save-export",
            saved.to_str().unwrap(),
        ],
    );
    assert_eq!(live.status.code(), Some(1), "{}", text(&live.stderr));
    let stderr = text(&live.stderr);
    assert!(
        stderr.contains(&format!(
            "export: 1 page of live account {} written to {}",
            acct.id,
            saved.display()
        )),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&live.stdout).unwrap();
    let mine = |r: &serde_json::Value| -> Vec<(String, String, serde_json::Value)> {
        let mut v: Vec<_> = r["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| {
                x["entity"]["id"]
                    .as_str()
                    .unwrap()
                    .contains(&format!(":{}:", acct.id))
            })
            .map(|x| {
                (
                    x["entity"]["name"].as_str().unwrap().to_string(),
                    x["outcome"].as_str().unwrap().to_string(),
                    x["entity"]["source"].clone(),
                )
            })
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let got = mine(&report);
    assert_eq!(
        got.iter()
            .map(|(n, o, _)| (n.as_str(), o.as_str()))
            .collect::<Vec<_>>(),
        [("cli-keys", "FAIL"), ("cli-keys-tls", "PASS")]
    );
    assert_eq!(
        got[0].2,
        serde_json::json!({"account": acct.id, "arn": failing, "versionId": "v1"})
    );

    // The saved export scans offline to the same verdicts.
    let offline = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .args([
            "scan",
            saved.to_str().unwrap(),
            "--rule",
            "D9.AWS.IAM.67",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(offline.status.code(), Some(1));
    let offline: serde_json::Value = serde_json::from_slice(&offline.stdout).unwrap();
    assert_eq!(
        mine(&offline)
            .iter()
            .map(|(n, o, _)| (n.clone(), o.clone()))
            .collect::<Vec<_>>(),
        got.iter()
            .map(|(n, o, _)| (n.clone(), o.clone()))
            .collect::<Vec<_>>()
    );
}

#[test]
fn fix_aws_dry_run_then_apply_then_nothing() {
    let Some(url) = endpoint() else { return };
    let acct = TestAccount::new(&url, "cli_fix_aws");
    let arn = acct.policy("cli-fix", FAILING);
    acct.user("frank", &[&arn]);
    let fix = |extra: &[&str]| {
        let mut args = vec!["fix", "--aws", "--rule", "D9.AWS.IAM.67"];
        args.extend_from_slice(extra);
        tenet(&acct, &url, &args)
    };

    let dry = fix(&[]);
    assert_eq!(dry.status.code(), Some(1), "{}", text(&dry.stderr));
    assert_eq!(
        text(&dry.stdout),
        format!(
            "{arn}: Statement[0]: add Condition Bool aws:SecureTransport \"true\" (safe)\n\
             {arn}: dry run (--apply writes it)\n  \
             would create a new version with the fix and set it as default, replacing v1\n  \
             rollback: aws iam set-default-policy-version --policy-arn {arn} --version-id v1\n"
        )
    );
    assert_eq!(acct.versions(&arn), [("v1".into(), true)]);

    let applied = fix(&["--apply"]);
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied.stderr));
    let out = text(&applied.stdout);
    assert!(out.contains(&format!("{arn}: applied\n")), "{out}");
    assert!(out.contains("  previous default version: v1\n"), "{out}");
    assert!(
        text(&applied.stderr).contains("re-read the account: the 1 fixed policy pass"),
        "{}",
        text(&applied.stderr)
    );
    assert_eq!(
        acct.versions(&arn),
        [("v1".into(), false), ("v2".into(), true)]
    );

    let again = fix(&["--apply"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert_eq!(
        text(&again.stdout),
        "nothing to fix: no FAIL of a rule with a fixer\n"
    );
    assert_eq!(
        acct.versions(&arn),
        [("v1".into(), false), ("v2".into(), true)]
    );
}

#[test]
fn fix_aws_refuses_aws_managed_policies_without_the_flag() {
    let Some(url) = endpoint() else { return };
    let acct = TestAccount::new(&url, "cli_fix_aws_managed");
    let original = "arn:aws:iam::aws:policy/AWSCodeCommitReadOnly";
    acct.user("gina", &[original]);
    let copy = acct.arn("policy/AWSCodeCommitReadOnly-RequireTls");

    let refused = tenet(
        &acct,
        &url,
        &["fix", "--aws", "--apply", "--rule", "D9.AWS.IAM.67"],
    );
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    let out = text(&refused.stdout);
    assert!(
        out.contains(&format!("{original}: not written: an AWS managed policy cannot be edited; --copy-aws-managed replaces it with a customer managed copy holding the fix\n")),
        "{out}"
    );
    assert_eq!(acct.attached("user", "gina"), [original.to_string()]);

    let done = tenet(
        &acct,
        &url,
        &[
            "fix",
            "--aws",
            "--apply",
            "--copy-aws-managed",
            "--rule",
            "D9.AWS.IAM.67",
        ],
    );
    assert_eq!(done.status.code(), Some(0), "{}", text(&done.stderr));
    assert_eq!(acct.attached("user", "gina"), [copy]);
}

#[test]
fn aws_flags_need_aws() {
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .args(["fix", "x.json", "--apply"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .args(["scan", "x.json", "--aws"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cannot be used with"),
        "{}",
        text(&out.stderr)
    );
}
