//! Conformance over `../shared/corpus` (real inputs written by other people). Skipped with a note
//! when the corpus is absent, except under `CI=true`, where its absence is a failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers: failing is the assertion

use gsl::{Map, Outcome, Value};
use std::path::PathBuf;
use std::process::Command;

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("TENET_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but the conformance corpus is missing at {}",
        dir.display()
    );
    eprintln!(
        "note: no corpus at {}; conformance test not run",
        dir.display()
    );
    None
}

fn builtin_rule(id: &str) -> tenet_rules::CompiledRuleEntry {
    let metas = tenet_rules::builtin().unwrap();
    let mut set =
        tenet_rules::RuleSet::compile(metas, Vec::new(), &tenet_rules::functions()).unwrap();
    let i = set.rules.iter().position(|r| r.meta.id == id).unwrap();
    set.rules.swap_remove(i)
}

fn d9_aws_iam_67() -> tenet_rules::CompiledRuleEntry {
    builtin_rule("D9.AWS.IAM.67")
}

/// Outcomes of `rule` on every current AWS managed policy, each evaluated as if attached to a
/// user: (failing names sorted, pass count, skip count, current count).
fn aws_managed_outcomes(
    dir: &std::path::Path,
    rule: &tenet_rules::CompiledRuleEntry,
) -> (Vec<String>, usize, usize, usize) {
    let dir = dir.join("aws-managed");
    let sources = std::fs::read_to_string(dir.join("SOURCES.tsv")).unwrap();
    let cx = gsl::EvalContext::new();
    let (mut pass, mut skip, mut failing) = (0, 0, Vec::new());
    let mut current = 0;
    for line in sources.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.get(7) != Some(&"current") {
            continue;
        }
        current += 1;
        let text = std::fs::read_to_string(dir.join(cols[0])).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut user = Map::new();
        user.insert("name", Value::str("corpus-user"));
        let mut m = Map::new();
        m.insert("name", Value::str(cols[0].trim_end_matches(".json")));
        m.insert("users", Value::List(vec![Value::Object(user)]));
        m.insert("groups", Value::List(vec![]));
        m.insert("roles", Value::List(vec![]));
        m.insert("document", Value::from_json(&doc));
        match rule.logic.evaluate(&Value::Object(m), &cx) {
            Outcome::Pass => pass += 1,
            Outcome::Skip => skip += 1,
            Outcome::Fail => failing.push(cols[0].trim_end_matches(".json").to_string()),
            Outcome::Unknown(r) => panic!("{}: UNKNOWN {r}", cols[0]),
        }
    }
    failing.sort();
    (failing, pass, skip, current)
}

/// Every current AWS managed policy, evaluated as if attached to a user: exactly 12 FAIL with the
/// published regex (the literal-match count; see iam.md for the ones it misses).
#[test]
fn aws_managed_policies_literal_match_count() {
    let Some(dir) = corpus() else { return };
    let (failing, pass, skip, current) = aws_managed_outcomes(&dir, &d9_aws_iam_67());
    eprintln!(
        "aws-managed: {current} current policies: {} FAIL, {pass} PASS, {skip} SKIP",
        failing.len()
    );
    assert_eq!(
        failing,
        vec![
            "AWSAuditManagerServiceRolePolicy",
            "AWSCodeCommitFullAccess",
            "AWSCodeCommitPowerUser",
            "AWSCodeCommitReadOnly",
            "AWSConfigServiceRolePolicy",
            "AWSPartnerLedSupportReadOnlyAccess",
            "AWSSupportServiceRolePolicy",
            "AWS_ConfigRole",
            "AccessAnalyzerServiceRolePolicy",
            "ReadOnlyAccess",
            "SecurityAudit",
            "SystemAdministrator",
        ]
    );
    assert_eq!(current, 1571);
}

/// Every account export in the corpus either scans (exit 0 or 1, JSON on stdout) or is refused
/// with a clear message naming the file (exit 2); never a panic.
#[test]
fn account_exports_scan_or_are_refused_clearly() {
    let Some(dir) = corpus() else { return };
    let mut files = Vec::new();
    for sub in ["account-exports", "account-exports/api-responses"] {
        for e in std::fs::read_dir(dir.join(sub)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "json") {
                files.push(p);
            }
        }
    }
    files.sort();
    let (mut scanned, mut refused) = (0, 0);
    for f in &files {
        let out = Command::new(env!("CARGO_BIN_EXE_tenet"))
            .args(["scan", "--format", "json"])
            .arg(f)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{}: {stderr}", f.display());
        match out.status.code() {
            Some(0 | 1) => {
                let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                assert!(
                    json["summary"]["total"].as_u64().unwrap() > 0
                        || json["results"].as_array().unwrap().is_empty()
                );
                scanned += 1;
            }
            Some(2) => {
                let name = f.file_name().unwrap().to_string_lossy();
                assert!(
                    stderr.contains("error:") && stderr.contains(&*name),
                    "{}: unclear refusal: {stderr}",
                    f.display()
                );
                refused += 1;
            }
            other => panic!("{}: unexpected exit {other:?}: {stderr}", f.display()),
        }
    }
    eprintln!("account-exports: {scanned} scanned, {refused} refused");
    // The two api-responses files are GetPolicyVersion responses, not exports.
    assert_eq!(refused, 2);
    assert_eq!(scanned, files.len() - 2);
}

/// TN.AWS.IAM.67 on every current AWS managed policy, as if attached to a user: what the
/// policies really grant (wildcards, NotAction, resource scope) without TLS.
#[test]
fn aws_managed_policies_iam_aware_count() {
    let Some(dir) = corpus() else { return };
    let (failing, pass, skip, current) = aws_managed_outcomes(&dir, &builtin_rule("TN.AWS.IAM.67"));
    eprintln!(
        "aws-managed: {current} current policies: TN.AWS.IAM.67 {} FAIL, {pass} PASS, {skip} SKIP",
        failing.len()
    );
    // Every D9.AWS.IAM.67 failure, plus what the literal regex misses: `*` (AdministratorAccess),
    // `iam:*`/`iam:Get*`/`iam:List*` (IAMFullAccess, IAMReadOnlyAccess, ViewOnlyAccess, ...),
    // NotAction (PowerUserAccess), a condition on another key (AWSMcpServiceActionsFullAccess).
    assert_eq!(
        failing,
        vec![
            "AWSAuditManagerServiceRolePolicy",
            "AWSCodeCommitFullAccess",
            "AWSCodeCommitPowerUser",
            "AWSCodeCommitReadOnly",
            "AWSConfigServiceRolePolicy",
            "AWSElasticBeanstalkRoleCore",
            "AWSMcpServiceActionsFullAccess",
            "AWSPartnerLedSupportReadOnlyAccess",
            "AWSQuickSightListIAM",
            "AWSSupportServiceRolePolicy",
            "AWS_ConfigRole",
            "AccessAnalyzerServiceRolePolicy",
            "AdministratorAccess",
            "AmazonLaunchWizardFullAccessV2",
            "IAMFullAccess",
            "IAMReadOnlyAccess",
            "PowerUserAccess",
            "ReadOnlyAccess",
            "SecurityAudit",
            "SupportUser",
            "SystemAdministrator",
            "ViewOnlyAccess",
            "WellArchitectedAgentResourceScanning",
        ]
    );
    let d9 = aws_managed_outcomes(&dir, &d9_aws_iam_67()).0;
    assert!(d9.iter().all(|p| failing.contains(p)), "{d9:?}");
    // No AWS managed policy that grants access-key actions enforces TLS.
    assert_eq!((pass, skip, current), (0, 1548, 1571));
}
