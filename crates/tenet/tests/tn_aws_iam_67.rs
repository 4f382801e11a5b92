//! TN.AWS.IAM.67 and TN.AWS.IAM.67.INLINE end to end: each fixture is an account export, scanned
//! by the `tenet` binary with every built-in rule; the test asserts the exact outcome, evidence,
//! warnings and, where D9.AWS.IAM.67 disagrees, the side-by-side line.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers: failing is the assertion

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

const P: &str = "arn:aws:iam::111122223333:policy/P";
const IAM_FIVE: &str = "iam:CreateAccessKey, iam:DeleteAccessKey, iam:GetAccessKeyLastUsed, iam:ListAccessKeys, iam:UpdateAccessKey";
const ALL_NINE: &str = "iam:CreateAccessKey, iam:DeleteAccessKey, iam:GetAccessKeyLastUsed, iam:ListAccessKeys, iam:UpdateAccessKey, lightsail:CreateBucketAccessKey, lightsail:DeleteBucketAccessKey, lightsail:GetBucketAccessKeys, sts:GetAccessKeyInfo";
const TN_PASS_NOTE: &str =
    "every access-key action it grants requires TLS as IAM evaluates the policy";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tn_aws_iam_67")
        .join(name)
}

struct Scan {
    code: i32,
    json: Value,
    stderr: String,
}

fn scan(file: &str, extra: &[&str]) -> Scan {
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .arg("scan")
        .arg(fixture(file))
        .args(extra)
        .args(["--format", "json"])
        .output()
        .expect("run tenet");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{file}: stdout is not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Scan {
        code: out.status.code().unwrap_or(-1),
        json,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl Scan {
    fn result(&self, rule: &str, entity: &str) -> &Value {
        let found: Vec<&Value> = self.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["rule"] == rule && r["entity"]["id"] == entity)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "one {rule} result for {entity}: {:#}",
            self.json
        );
        found[0]
    }

    fn messages(&self, rule: &str, entity: &str) -> Vec<String> {
        self.result(rule, entity)["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["message"].as_str().unwrap().to_string())
            .collect()
    }
}

/// Scans a managed-policy fixture and checks TN.AWS.IAM.67's outcome and evidence messages on
/// `P`, and D9.AWS.IAM.67's outcome (with the side-by-side line when they differ).
fn check(file: &str, tn: &str, d9: &str, messages: &[&str]) -> Scan {
    let s = scan(file, &[]);
    let r = s.result("TN.AWS.IAM.67", P);
    assert_eq!(r["outcome"], tn, "{file}: {r:#}");
    assert_eq!(r["entity"]["type"], "IamPolicy");
    assert_eq!(s.messages("TN.AWS.IAM.67", P), messages, "{file}");
    let d = s.result("D9.AWS.IAM.67", P);
    assert_eq!(d["outcome"], d9, "{file}: {d:#}");
    if tn == d9 {
        assert_eq!(r.get("related"), None, "{file}");
        assert_eq!(d.get("related"), None, "{file}");
    } else {
        let why = match tn {
            "PASS" => TN_PASS_NOTE.to_string(),
            "SKIP" => "it grants no access-key action (wildcards, NotAction and resource scope considered)".into(),
            _ => messages[0].to_string(),
        };
        let line = format!("CloudGuard-compatible: {d9}; IAM-aware: {tn} — {why}");
        assert_eq!(
            r["related"],
            json!({"rule": "D9.AWS.IAM.67", "outcome": d9, "summary": line}),
            "{file}"
        );
        assert_eq!(
            d["related"],
            json!({"rule": "TN.AWS.IAM.67", "outcome": tn, "summary": line}),
            "{file}"
        );
    }
    let expected_code = if tn == "FAIL" || d9 == "FAIL" { 1 } else { 0 };
    assert_eq!(s.code, expected_code, "{file}: exit code");
    s
}

fn no_tls(subject: &str, grant: &str) -> String {
    format!("{subject}: {grant} without TLS (no aws:SecureTransport condition)")
}

#[test]
fn wildcards_grant_every_access_key_action() {
    let m = no_tls("Statement[0] (Sid Keys)", &format!("`*` grants {ALL_NINE}"));
    check("star_fail.json", "FAIL", "SKIP", &[&m]);
    let m = no_tls(
        "Statement[0] (Sid Keys)",
        &format!("`*:*` grants {ALL_NINE}"),
    );
    check("star_colon_star_fail.json", "FAIL", "SKIP", &[&m]);
    let m = no_tls(
        "Statement[0] (Sid Keys)",
        &format!("`iam:*` grants {IAM_FIVE}"),
    );
    let s = check("iam_star_fail.json", "FAIL", "SKIP", &[&m]);
    let ev = &s.result("TN.AWS.IAM.67", P)["evidence"][0];
    assert_eq!(ev["path"], "document.Statement[0]");
    assert_eq!(ev["index"], 0);
    assert_eq!(ev["sid"], "Keys");
    let actions: Vec<&str> = ev["matched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    assert_eq!(actions.join(", "), IAM_FIVE);
}

#[test]
fn partial_wildcards_and_case() {
    let one = |grant: &str| no_tls("Statement[0] (Sid Keys)", grant);
    check(
        "iam_create_star_fail.json",
        "FAIL",
        "SKIP",
        &[&one("`iam:Create*` grants iam:CreateAccessKey")],
    );
    // The literal regex happens to match this one: both fail, no side-by-side line.
    check(
        "iam_question_mark_fail.json",
        "FAIL",
        "FAIL",
        &[&one("`iam:?reateAccessKey` grants iam:CreateAccessKey")],
    );
    check(
        "lowercase_action_fail.json",
        "FAIL",
        "SKIP",
        &[&one("`iam:createaccesskey` grants iam:CreateAccessKey")],
    );
}

#[test]
fn not_action_grants_everything_not_listed() {
    let m = no_tls(
        "Statement[0] (Sid Keys)",
        &format!("NotAction [`s3:*`, `ec2:*`] grants {ALL_NINE} (not excluded)"),
    );
    check("not_action_fail.json", "FAIL", "SKIP", &[&m]);
}

#[test]
fn resource_scope_decides_what_is_granted() {
    // `iam:*` on an S3 ARN reaches no access-key action.
    check("iam_star_s3_resource_skip.json", "SKIP", "SKIP", &[]);
    // Bucket ARNs reach the two bucket-level actions; GetBucketAccessKeys accepts only `*`.
    let m = no_tls(
        "Statement[0] (Sid Buckets)",
        "`lightsail:*AccessKey*` grants lightsail:CreateBucketAccessKey, lightsail:DeleteBucketAccessKey",
    );
    check("lightsail_bucket_keys_fail.json", "FAIL", "FAIL", &[&m]);
}

#[test]
fn tls_enforced_any_documented_way_passes() {
    // `iam:*` does not match /AccessKey/, so the published rule skips what TN passes.
    check("bool_pass.json", "PASS", "SKIP", &[]);
    check("bool_if_exists_pass.json", "PASS", "FAIL", &[]);
    check("lowercase_key_pass.json", "PASS", "FAIL", &[]);
    check("deny_covering_pass.json", "PASS", "FAIL", &[]);
}

#[test]
fn conditions_that_restrict_nothing_fail() {
    let s = check(
        "true_and_false_fail.json",
        "FAIL",
        "PASS",
        &[
            "Statement[0] (Sid Keys): grants iam:CreateAccessKey without TLS (`Bool` on aws:SecureTransport also holds for false)",
        ],
    );
    assert_eq!(
        s.json["warnings"],
        json!([format!(
            "{P}: TN.AWS.IAM.67: Statement[0] (Sid Keys): `Bool` on aws:SecureTransport lists both true and false: it restricts nothing"
        )])
    );
    let s = check(
        "null_fail.json",
        "FAIL",
        "FAIL",
        &[
            "Statement[0] (Sid Keys): grants iam:CreateAccessKey without TLS (`Null` on aws:SecureTransport also holds for false)",
        ],
    );
    assert_eq!(
        s.json["warnings"],
        json!([format!(
            "{P}: TN.AWS.IAM.67: Statement[0] (Sid Keys): `Null` on aws:SecureTransport tests presence only and enforces nothing: the key is always present; use `Bool` with \"true\""
        )])
    );
}

#[test]
fn deny_with_another_condition_does_not_cover() {
    check(
        "deny_extra_condition_fail.json",
        "FAIL",
        "FAIL",
        &[
            "Statement[0] (Sid Keys): grants iam:CreateAccessKey without TLS (no aws:SecureTransport condition; Deny statement 1 (DenyPlainHttp) does not cover it: it also requires `StringEquals` on aws:PrincipalTag/team, which may not hold)",
        ],
    );
}

#[test]
fn undocumented_spelling_passes_with_a_warning() {
    let s = check("string_equals_pass.json", "PASS", "FAIL", &[]);
    let w = format!(
        "{P}: TN.AWS.IAM.67: Statement[0] (Sid Keys): `StringEquals` on the Boolean key aws:SecureTransport works but is not the documented form; use `Bool`"
    );
    assert_eq!(s.json["warnings"], json!([w]));
    assert!(s.stderr.contains(&format!("warning: {w}")), "{}", s.stderr);
}

#[test]
fn unattached_policies_are_not_relevant() {
    check("unattached_skip.json", "SKIP", "SKIP", &[]);
}

#[test]
fn inline_policies_of_users_groups_and_roles() {
    let s = scan("inline_policies.json", &[]);
    assert_eq!(s.code, 1);
    let rule = "TN.AWS.IAM.67.INLINE";
    let user = "arn:aws:iam::111122223333:user/u1/inline/user-keys";
    let group = "arn:aws:iam::111122223333:group/g1/inline/group-keys";
    let role_s3 = "arn:aws:iam::111122223333:role/r1/inline/role-s3";
    let role_buckets = "arn:aws:iam::111122223333:role/r1/inline/role-buckets";
    let r = s.result(rule, user);
    assert_eq!(r["outcome"], "FAIL");
    assert_eq!(
        r["entity"],
        json!({
            "type": "IamInlinePolicy", "id": user, "name": "user-keys",
            "source": r["entity"]["source"].clone(),
            "attachedTo": [{"kind": "user", "name": "u1"}],
        })
    );
    assert_eq!(
        s.messages(rule, user),
        [no_tls(
            "Statement[0] (Sid UserKeys)",
            &format!("`iam:*Key*` grants {IAM_FIVE}")
        )]
    );
    // BoolIfExists with an upper-case key: enforced.
    assert_eq!(s.result(rule, group)["outcome"], "PASS");
    assert_eq!(
        s.result(rule, group)["entity"]["attachedTo"],
        json!([{"kind": "group", "name": "g1"}])
    );
    assert_eq!(s.result(rule, role_s3)["outcome"], "SKIP");
    // A URL-encoded document, as the raw API returns it.
    let r = s.result(rule, role_buckets);
    assert_eq!(r["outcome"], "FAIL");
    assert_eq!(
        r["entity"]["attachedTo"],
        json!([{"kind": "role", "name": "r1"}])
    );
    assert_eq!(
        s.messages(rule, role_buckets),
        [no_tls(
            "Statement[0] (Sid Buckets)",
            "grants lightsail:GetBucketAccessKeys"
        )]
    );
    // Only the inline rule applies to inline policies; no managed policy here.
    let kinds: Vec<(&str, &str)> = s.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().unwrap(),
                r["entity"]["type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds, vec![(rule, "IamInlinePolicy"); 4]);
}

#[test]
fn text_report_shows_both_verdicts() {
    let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
        .arg("scan")
        .arg(fixture("true_and_false_fail.json"))
        .args(["--color", "never"])
        .output()
        .expect("run tenet");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("\n  CloudGuard-compatible: PASS; IAM-aware: FAIL — Statement[0] (Sid Keys): grants iam:CreateAccessKey without TLS (`Bool` on aws:SecureTransport also holds for false)\n"),
        "{text}"
    );
}
