//! Every file of the shared account-export corpus either loads (with the entity counts below) or
//! is refused with a clear message; nothing panics, and every record materialises.
//!
//! The corpus lives outside the repository: `$TENET_CORPUS`, else
//! `$CARGO_MANIFEST_DIR/../../../shared/corpus`. Missing: a failure when `CI=true`, else a note.
#![allow(clippy::unwrap_used, clippy::panic)] // test helpers: a failure is the test failing

use std::path::{Path, PathBuf};

use tenet_sources::load_path;

fn corpus_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("TENET_CORPUS") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
    };
    let dir = dir.join("account-exports");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("corpus not found at {}", dir.display());
    }
    eprintln!(
        "note: corpus not found at {}; set TENET_CORPUS to run this test",
        dir.display()
    );
    None
}

/// (file, users, groups, roles, policies, load warnings)
const LOADS: &[(&str, usize, usize, usize, usize, usize)] = &[
    (
        "awscli-docs__get-account-authorization-details.json",
        3,
        3,
        1,
        3,
        7,
    ),
    (
        "cloudmapper__demo_iam-get-account-authorization-details.json",
        2,
        1,
        4,
        2,
        0,
    ),
    ("cloudsplaining__example-authz-details.json", 3, 2, 3, 32, 0),
    ("cloudsplaining__example.json", 44, 5, 78, 84, 0),
    (
        "cloudsplaining__example_authz_details_for_overrides.json",
        0,
        0,
        0,
        1,
        0,
    ),
    (
        "cloudsplaining__example_authz_details_for_overrides_complete.json",
        1,
        1,
        2,
        3,
        0,
    ),
    ("cloudsplaining__example_authz_v2.json", 1, 1, 2, 2, 1),
    (
        "cloudsplaining__managed_policy_mismatch.json",
        0,
        1,
        0,
        1,
        1,
    ),
    ("iamspy__allow-testing-s3.json", 0, 0, 2, 0, 0),
    ("iamspy__allow-with-conditions.json", 0, 0, 1, 0, 0),
    ("iamspy__basic-allow.json", 0, 0, 1, 0, 0),
    ("iamspy__basic-deny.json", 0, 0, 1, 0, 0),
    ("iamspy__batch-allow.json", 0, 0, 3, 0, 0),
    ("iamspy__role-boundary-allow.json", 0, 0, 1, 1, 0),
    ("iamspy__role-boundary-deny.json", 0, 0, 1, 1, 0),
    ("iamspy__role-boundary-no-policies.json", 0, 0, 1, 1, 0),
    ("iamspy__user-allow-check.json", 1, 0, 0, 1, 0),
    ("iamspy__user-boundary-allow.json", 1, 0, 0, 1, 0),
    ("iamspy__user-boundary-deny.json", 1, 0, 0, 1, 0),
];

const NOT_EXPORT: &str = "not an `aws iam get-account-authorization-details` export: expected an object with UserDetailList, GroupDetailList, RoleDetailList or Policies; found keys status_code, data";

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn every_corpus_file_loads_or_is_refused_clearly() {
    let Some(dir) = corpus_dir() else { return };
    let mut files = Vec::new();
    json_files(&dir, &mut files);
    files.sort();
    let mut seen = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_str().unwrap();
        let in_api_responses = path.parent().is_some_and(|p| p.ends_with("api-responses"));
        match load_path(path) {
            Err(e) => {
                assert!(in_api_responses, "{name} was refused: {e}");
                assert_eq!(e.message, NOT_EXPORT, "{name}");
                assert_eq!((e.line, e.column), (None, None));
            }
            Ok(inv) => {
                assert!(!in_api_responses, "{name} is not an export but loaded");
                let counts = inv.len_by_kind();
                let count = |k: &str| counts.get(k).copied().unwrap_or(0);
                let got = (
                    count("IamUser"),
                    count("IamGroup"),
                    count("IamRole"),
                    count("IamPolicy"),
                    inv.warnings().len(),
                );
                let expected = LOADS
                    .iter()
                    .find(|l| l.0 == name)
                    .map(|l| (l.1, l.2, l.3, l.4, l.5))
                    .unwrap_or_else(|| panic!("{name}: no expected counts; got {got:?}"));
                assert_eq!(
                    got, expected,
                    "{name}: (users, groups, roles, policies, warnings)"
                );
                // Inline policies: one record per entry of the identities' *PolicyList, counted
                // independently with serde_json.
                let raw: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap_or_default();
                let pages = match raw {
                    serde_json::Value::Array(pages) => pages,
                    page => vec![page],
                };
                let inline: usize = pages
                    .iter()
                    .flat_map(|page| {
                        [
                            ("UserDetailList", "UserPolicyList"),
                            ("GroupDetailList", "GroupPolicyList"),
                            ("RoleDetailList", "RolePolicyList"),
                        ]
                        .map(|(list, key)| {
                            page[list].as_array().map_or(0, |ids| {
                                ids.iter()
                                    .map(|i| i[key].as_array().map_or(0, Vec::len))
                                    .sum()
                            })
                        })
                    })
                    .sum();
                assert_eq!(count("IamInlinePolicy"), inline, "{name}: inline policies");
                for r in inv.records() {
                    let e = r.materialize().unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert!(e.warnings.is_empty(), "{name}: {:?}", e.warnings);
                    if r.kind == "IamInlinePolicy" {
                        let identity_arn =
                            e.value.get("identity").and_then(|i| i.get("arn")?.as_str());
                        let policy = e.value.get("name").and_then(|v| v.as_str()).unwrap();
                        assert_eq!(
                            format!("{}/inline/{policy}", identity_arn.unwrap()),
                            r.id,
                            "{name}"
                        );
                        let doc = e.value.get("document").unwrap();
                        assert!(doc.get("Statement").is_some(), "{name}: {} {doc}", r.id);
                        continue;
                    }
                    assert_eq!(
                        e.value.get("arn").and_then(|v| v.as_str()),
                        Some(r.id.as_str())
                    );
                    if r.kind == "IamPolicy" {
                        let doc = e.value.get("document").unwrap();
                        assert!(doc.get("Statement").is_some(), "{name}: {} {doc}", r.id);
                    }
                }
                seen += 1;
            }
        }
    }
    assert_eq!(seen, LOADS.len(), "every expected file was loaded");
}

#[test]
fn the_missing_policy_of_managed_policy_mismatch_is_named() {
    let Some(dir) = corpus_dir() else { return };
    let inv = load_path(&dir.join("cloudsplaining__managed_policy_mismatch.json")).unwrap();
    let warnings: Vec<String> = inv.warnings().iter().map(|w| w.message.clone()).collect();
    assert_eq!(
        warnings,
        [
            "managed policy arn:aws:iam::aws:policy/AWSLambdaReadOnlyAccess is attached to group anton-test but is not in `Policies`; it is not checked"
        ]
    );
}

#[test]
fn attachments_match_an_independent_count() {
    let Some(dir) = corpus_dir() else { return };
    for name in [
        "cloudsplaining__example.json",
        "cloudsplaining__example-authz-details.json",
    ] {
        let path = dir.join(name);
        // Independent count: (policy ARN, kind) -> attaching identity ARNs, from serde_json.
        let raw: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let mut expected = std::collections::BTreeMap::<(String, &str), Vec<String>>::new();
        for (list, kind) in [
            ("UserDetailList", "users"),
            ("GroupDetailList", "groups"),
            ("RoleDetailList", "roles"),
        ] {
            for ident in raw[list].as_array().unwrap() {
                for a in ident["AttachedManagedPolicies"].as_array().unwrap() {
                    expected
                        .entry((a["PolicyArn"].as_str().unwrap().to_string(), kind))
                        .or_default()
                        .push(ident["Arn"].as_str().unwrap().to_string());
                }
            }
        }
        let inv = load_path(&path).unwrap();
        let mut got = std::collections::BTreeMap::<(String, &str), Vec<String>>::new();
        for r in inv.records().iter().filter(|r| r.kind == "IamPolicy") {
            let v = r.materialize().unwrap().value;
            for kind in ["users", "groups", "roles"] {
                for who in v.get(kind).unwrap().as_list().unwrap() {
                    got.entry((r.id.clone(), kind))
                        .or_default()
                        .push(who.get("arn").unwrap().as_str().unwrap().to_string());
                }
            }
        }
        // Only policies present in `Policies` can carry attachments.
        expected.retain(|(arn, _), _| inv.records().iter().any(|r| &r.id == arn));
        assert_eq!(got, expected, "{name}");
        assert!(!got.is_empty());
    }
}
