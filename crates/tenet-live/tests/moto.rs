#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Reading and fixing accounts through the AWS SDK against a local moto server. See
//! `support/mod.rs` for how each test gets an account of its own.
//!
//! moto does not page GetAccountAuthorizationDetails (it ignores `MaxItems`): paging is tested
//! against a scripted IAM endpoint in `pages.rs`.

mod support;

use support::{FAILING, PASSING, TestAccount, endpoint, outcomes, plan, rules};
use tenet_inventory::Provenance;
use tenet_live::apply::{ApplyOptions, Status};

const D9: &str = "D9.AWS.IAM.67";

/// A document whose strings hold `+`, `%` and a space: decoded more or less than once, they
/// would change (`+` to a space, `%41` to `A`).
const ODD: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a+b/%41 c/*"}]}"#;

#[test]
fn reads_an_account_like_an_export() {
    let Some(url) = endpoint() else { return };
    let acct = TestAccount::new(&url, "reads_an_account_like_an_export");
    let failing = acct.policy("keys-without-tls", FAILING);
    let passing = acct.policy("keys-with-tls", PASSING);
    let _unattached = acct.policy("keys-unattached", FAILING);
    let odd = acct.policy("odd-characters", ODD);
    acct.user("alice", &[&failing, &odd]);
    acct.role("builder", &[&passing]);
    acct.runtime.block_on(async {
        let c = &acct.client;
        c.create_group().group_name("admins").send().await.unwrap();
        c.attach_group_policy()
            .group_name("admins")
            .policy_arn(&failing)
            .send()
            .await
            .unwrap();
        c.add_user_to_group()
            .group_name("admins")
            .user_name("alice")
            .send()
            .await
            .unwrap();
        c.put_role_policy()
            .role_name("builder")
            .policy_name("inline-keys")
            .policy_document(FAILING)
            .send()
            .await
            .unwrap();
    });

    let session = acct.session(&url);
    let mut seen = Vec::new();
    let account = session.read_account(&mut |p| seen.push(p)).unwrap();
    assert_eq!(account.account_id.as_deref(), Some(acct.id.as_str()));
    assert_eq!(account.pages, 1);
    assert_eq!(seen.len(), 1);
    let records = account.inventory.records();
    assert_eq!(
        seen[0].entities,
        records
            .iter()
            .filter(|r| r.kind != "IamInlinePolicy")
            .count()
    );

    let mine = |kind: &str| -> Vec<String> {
        let mut v: Vec<String> = records
            .iter()
            .filter(|r| r.kind == kind && r.id.contains(&acct.id))
            .map(|r| r.name.clone())
            .collect();
        v.sort();
        v
    };
    assert_eq!(mine("IamUser"), ["alice", "tenet-tests"]);
    assert_eq!(mine("IamGroup"), ["admins"]);
    assert_eq!(mine("IamRole"), ["builder"]);
    assert_eq!(
        mine("IamPolicy"),
        [
            "keys-unattached",
            "keys-with-tls",
            "keys-without-tls",
            "odd-characters"
        ]
    );
    assert_eq!(mine("IamInlinePolicy"), ["inline-keys"]);

    // Provenance names the account, the ARN and the default version.
    let p = records.iter().find(|r| r.id == failing).unwrap();
    assert_eq!(
        p.provenance,
        Provenance::Live {
            account: Some(acct.id.clone()),
            arn: failing.clone(),
            version_id: Some("v1".into()),
        }
    );

    // The document was decoded exactly once.
    let odd_doc = records
        .iter()
        .find(|r| r.id == odd)
        .unwrap()
        .materialize()
        .unwrap()
        .value
        .get("document")
        .unwrap()
        .to_json();
    assert_eq!(
        odd_doc,
        serde_json::from_str::<serde_json::Value>(ODD).unwrap()
    );

    // Every rule works unchanged: attached and failing FAILs, attached and passing PASSes,
    // unattached SKIPs; the inline rule sees the role's inline policy.
    let rules = rules(&[D9, "TN.AWS.IAM.67.INLINE"]);
    let got = outcomes(&account.inventory, &rules, &format!(":{}:", acct.id));
    let want = |rule: &str, what: &str, outcome: &str| {
        (rule.to_string(), acct.arn(what), outcome.to_string())
    };
    let got: Vec<_> = got
        .into_iter()
        .filter(|(_, id, _)| !id.ends_with("/tenet-tests"))
        .collect();
    assert_eq!(
        got,
        vec![
            want(D9, "policy/keys-unattached", "SKIP"),
            want(D9, "policy/keys-with-tls", "PASS"),
            want(D9, "policy/keys-without-tls", "FAIL"),
            // No access-key action: the rule's `where` is false.
            want(D9, "policy/odd-characters", "SKIP"),
            want(
                "TN.AWS.IAM.67.INLINE",
                "role/builder/inline/inline-keys",
                "FAIL"
            ),
        ]
    );

    // The saved export is a standard export: loading it offline gives the same entities.
    let offline =
        tenet_sources::gaad::load_bytes(std::path::Path::new("saved.json"), &account.export)
            .unwrap();
    let ids = |inv: &tenet_inventory::Inventory| -> Vec<(String, String)> {
        inv.records()
            .iter()
            .map(|r| (r.kind.clone(), r.id.clone()))
            .collect()
    };
    assert_eq!(ids(&offline), ids(&account.inventory));
    let saved: serde_json::Value = serde_json::from_slice(&account.export).unwrap();
    assert_eq!(saved["IsTruncated"], serde_json::Value::Bool(false));
    // AWS CLI form: documents are objects, not encoded strings.
    let policies = saved["Policies"].as_array().unwrap();
    let p = policies
        .iter()
        .find(|p| p["Arn"] == failing.as_str())
        .unwrap();
    assert!(p["PolicyVersionList"][0]["Document"].is_object());
}

#[test]
fn five_versions_delete_the_oldest_non_default_never_the_default() {
    let Some(url) = endpoint() else { return };
    let acct = TestAccount::new(&url, "five_versions");
    let arn = acct.policy("five", FAILING);
    acct.user("bob", &[&arn]);
    // v1 (failing) stays the default: the oldest version of all is the default one.
    acct.runtime.block_on(async {
        for n in 2..=5 {
            let doc = FAILING.replace("\"Keys\"", &format!("\"Keys{n}\""));
            acct.client
                .create_policy_version()
                .policy_arn(&arn)
                .policy_document(doc)
                .set_as_default(false)
                .send()
                .await
                .unwrap();
        }
    });
    let versions = |a: &TestAccount| a.versions(&arn);
    assert_eq!(
        versions(&acct),
        [
            ("v1".into(), true),
            ("v2".into(), false),
            ("v3".into(), false),
            ("v4".into(), false),
            ("v5".into(), false)
        ]
    );
    let session = acct.session(&url);
    let rules = rules(&[D9]);
    let account = session.read_account(&mut |_| {}).unwrap();
    let fixes = plan(&account.inventory, &rules, &arn);
    assert_eq!(fixes.len(), 1);

    // Dry run: described, nothing written.
    let dry = session.apply_fixes(&fixes, Some(&acct.id), ApplyOptions::default());
    assert_eq!(dry[0].status, Status::Planned);
    assert_eq!(
        dry[0].steps,
        [
            "would delete version v2, the oldest non-default one (IAM keeps at most five versions)",
            "would create a new version with the fix and set it as default, replacing v1",
        ]
    );
    assert_eq!(versions(&acct).len(), 5);

    let applied = session.apply_fixes(
        &fixes,
        Some(&acct.id),
        ApplyOptions {
            apply: true,
            copy_aws_managed: false,
        },
    );
    let o = &applied[0];
    assert_eq!(o.status, Status::Applied);
    assert_eq!(o.previous_version.as_deref(), Some("v1"));
    assert_eq!(o.deleted_version.as_deref(), Some("v2"));
    assert_eq!(o.fixed_version.as_deref(), Some("v6"));
    assert_eq!(
        o.rollback,
        [format!(
            "aws iam set-default-policy-version --policy-arn {arn} --version-id v1"
        )]
    );
    assert_eq!(
        versions(&acct),
        [
            ("v1".into(), false),
            ("v3".into(), false),
            ("v4".into(), false),
            ("v5".into(), false),
            ("v6".into(), true)
        ]
    );
    assert_eq!(
        session
            .still_failing(&rules, std::slice::from_ref(&arn))
            .unwrap(),
        []
    );
}

#[test]
fn applying_twice_changes_nothing_the_second_time() {
    let Some(url) = endpoint() else { return };
    let acct = TestAccount::new(&url, "applying_twice");
    let arn = acct.policy("twice", FAILING);
    acct.role("runner", &[&arn]);
    let session = acct.session(&url);
    let rules = rules(&[D9]);
    let apply = ApplyOptions {
        apply: true,
        copy_aws_managed: false,
    };
    let account = session.read_account(&mut |_| {}).unwrap();
    let fixes = plan(&account.inventory, &rules, &arn);
    let first = session.apply_fixes(&fixes, Some(&acct.id), apply);
    assert_eq!(first[0].status, Status::Applied);
    assert_eq!(first[0].fixed_version.as_deref(), Some("v2"));
    assert_eq!(
        acct.versions(&arn),
        [("v1".into(), false), ("v2".into(), true)]
    );

    // A second scan finds nothing to fix.
    let again = session.read_account(&mut |_| {}).unwrap();
    assert_eq!(plan(&again.inventory, &rules, &arn), []);
    // The same fix applied again (e.g. a stale plan) is recognised and not written.
    let second = session.apply_fixes(&fixes, Some(&acct.id), apply);
    assert_eq!(second[0].status, Status::Unchanged);
    assert_eq!(
        second[0].steps,
        ["already fixed: the default version v2 is the fix"]
    );
    assert_eq!(
        acct.versions(&arn),
        [("v1".into(), false), ("v2".into(), true)]
    );

    // After a rollback, the identical version is made default again instead of a new one.
    acct.runtime.block_on(async {
        acct.client
            .set_default_policy_version()
            .policy_arn(&arn)
            .version_id("v1")
            .send()
            .await
            .unwrap();
    });
    let third = session.apply_fixes(&fixes, Some(&acct.id), apply);
    assert_eq!(third[0].status, Status::Applied);
    assert_eq!(
        third[0].steps,
        ["set the existing version v2 (identical to the fix) as default, replacing v1"]
    );
    assert_eq!(
        acct.versions(&arn),
        [("v1".into(), false), ("v2".into(), true)]
    );
}

#[test]
fn a_policy_changed_since_the_scan_is_not_written() {
    let Some(url) = endpoint() else { return };
    let acct = TestAccount::new(&url, "changed_since_scan");
    let arn = acct.policy("moving", FAILING);
    acct.user("carol", &[&arn]);
    let session = acct.session(&url);
    let rules = rules(&[D9]);
    let account = session.read_account(&mut |_| {}).unwrap();
    let fixes = plan(&account.inventory, &rules, &arn);
    acct.runtime.block_on(async {
        acct.client
            .create_policy_version()
            .policy_arn(&arn)
            .policy_document(FAILING.replace("\"Keys\"", "\"Edited\""))
            .set_as_default(true)
            .send()
            .await
            .unwrap();
    });
    let out = session.apply_fixes(
        &fixes,
        Some(&acct.id),
        ApplyOptions {
            apply: true,
            copy_aws_managed: false,
        },
    );
    assert_eq!(
        out[0].status,
        Status::Refused(
            "the default version is now v2, the scan read v1: the policy changed since; scan again"
                .into()
        )
    );
    assert_eq!(
        acct.versions(&arn),
        [("v1".into(), false), ("v2".into(), true)]
    );
}

#[test]
fn aws_managed_policies_only_through_a_copy() {
    let Some(url) = endpoint() else { return };
    let acct = TestAccount::new(&url, "aws_managed");
    // An AWS managed policy with `iam:ListAccessKeys` and no condition (moto loads AWS's set
    // with MOTO_IAM_LOAD_MANAGED_POLICIES=true).
    let original = "arn:aws:iam::aws:policy/AWSCodeCommitReadOnly".to_string();
    acct.user("dave", &[&original]);
    acct.role("ci", &[&original]);
    let session = acct.session(&url);
    let rules = rules(&[D9]);
    let account = session.read_account(&mut |_| {}).unwrap();
    let fixes = plan(&account.inventory, &rules, &original);
    assert_eq!(fixes.len(), 1, "the AWS managed policy fails D9.AWS.IAM.67");
    let versions_before = acct.versions(&original);
    let copy = acct.arn("policy/AWSCodeCommitReadOnly-RequireTls");

    // Refused without the flag, even with --apply; the plan is shown.
    let refused = session.apply_fixes(
        &fixes,
        Some(&acct.id),
        ApplyOptions {
            apply: true,
            copy_aws_managed: false,
        },
    );
    assert!(
        matches!(&refused[0].status, Status::Refused(r) if r.starts_with("an AWS managed policy cannot be edited"))
    );
    assert_eq!(
        refused[0].steps,
        [
            "would create the customer managed policy AWSCodeCommitReadOnly-RequireTls (a copy with the fix), unless an identical one exists",
            "would attach AWSCodeCommitReadOnly-RequireTls to user dave",
            "would attach AWSCodeCommitReadOnly-RequireTls to role ci",
            "would detach the original from user dave",
            "would detach the original from role ci",
        ]
    );
    assert_eq!(acct.attached("user", "dave"), [original.as_str()]);
    assert_eq!(acct.attached("role", "ci"), [original.as_str()]);

    // With the flag: the copy is attached, the original detached, the original never edited.
    let done = session.apply_fixes(
        &fixes,
        Some(&acct.id),
        ApplyOptions {
            apply: true,
            copy_aws_managed: true,
        },
    );
    assert_eq!(done[0].status, Status::Applied);
    assert_eq!(done[0].copy_arn.as_deref(), Some(copy.as_str()));
    assert_eq!(
        done[0].rollback,
        [
            format!(
                "aws iam attach-user-policy --user-name dave --policy-arn {original} && aws iam detach-user-policy --user-name dave --policy-arn {copy}"
            ),
            format!(
                "aws iam attach-role-policy --role-name ci --policy-arn {original} && aws iam detach-role-policy --role-name ci --policy-arn {copy}"
            ),
        ]
    );
    assert_eq!(acct.attached("user", "dave"), [copy.as_str()]);
    assert_eq!(acct.attached("role", "ci"), [copy.as_str()]);
    assert_eq!(acct.versions(&original), versions_before);
    assert_eq!(
        session
            .still_failing(&rules, &[original.clone(), copy.clone()])
            .unwrap(),
        []
    );
    let after = session.read_account(&mut |_| {}).unwrap();
    assert_eq!(
        outcomes(&after.inventory, &rules, "AWSCodeCommitReadOnly"),
        [
            (D9.to_string(), copy.clone(), "PASS".to_string()),
            (D9.to_string(), original.clone(), "SKIP".to_string()),
        ]
    );
}
