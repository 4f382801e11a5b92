//! The documented disagreements with @cloud-copilot/iam-simulate
//! (`scripts/iam-simulate-exceptions.tsv`, checked by `scripts/iam-simulate-check.mjs`): each
//! listed verdict is Tenet's real verdict on that policy, and each reason is pinned by a test of
//! the semantics it names.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers: failing is the assertion

use std::path::{Path, PathBuf};

use gsl::Value;
use tenet_iam::ACCESS_KEY_ACTIONS;
use tenet_iam::secure_transport::analyze;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("TENET_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/corpus"));
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but the conformance corpus is missing at {}",
        dir.display()
    );
    None
}

fn decode(d: &serde_json::Value) -> serde_json::Value {
    match d {
        serde_json::Value::String(s) if s.starts_with('{') => serde_json::from_str(s).unwrap(),
        serde_json::Value::String(s) => {
            // Percent-decoding, `+` kept (as the export loader does).
            let bytes = s.as_bytes();
            let mut out = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'%' && i + 2 < bytes.len() {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            serde_json::from_slice(&out).unwrap()
        }
        other => other.clone(),
    }
}

/// The document an exception's policy id names: `aws-managed/<name>` or
/// `<fixture path>#<policy ARN | identity ARN/inline/name>`.
fn document(id: &str) -> Option<serde_json::Value> {
    if let Some(name) = id.strip_prefix("aws-managed/") {
        let path = corpus()?.join("aws-managed").join(format!("{name}.json"));
        return Some(serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap());
    }
    let (file, arn) = id.split_once('#').unwrap();
    let export: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(file)).unwrap()).unwrap();
    for p in export["Policies"].as_array().into_iter().flatten() {
        if p["Arn"] == arn {
            let v = p["PolicyVersionList"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["IsDefaultVersion"] == true)
                .unwrap();
            return Some(decode(&v["Document"]));
        }
    }
    for (list, key) in [
        ("UserDetailList", "UserPolicyList"),
        ("GroupDetailList", "GroupPolicyList"),
        ("RoleDetailList", "RolePolicyList"),
    ] {
        for ident in export[list].as_array().into_iter().flatten() {
            for p in ident[key].as_array().into_iter().flatten() {
                let inline_id = format!(
                    "{}/inline/{}",
                    ident["Arn"].as_str().unwrap(),
                    p["PolicyName"].as_str().unwrap()
                );
                if inline_id == arn {
                    return Some(decode(&p["PolicyDocument"]));
                }
            }
        }
    }
    panic!("{id}: no such policy");
}

fn verdict(doc: &serde_json::Value, action: &str) -> &'static str {
    let r = analyze(&Value::from_json(doc));
    if r.statements
        .iter()
        .any(|s| s.unknown.iter().any(|v| v.action == action))
    {
        "unknown"
    } else if r.granted_without_tls().contains(&action) {
        "allowed"
    } else {
        "denied"
    }
}

#[test]
fn every_listed_exception_is_tenets_real_verdict() {
    let text = std::fs::read_to_string(root().join("scripts/iam-simulate-exceptions.tsv")).unwrap();
    let mut checked = 0;
    let mut rows = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        rows += 1;
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 5, "{line}");
        let [policy, action, tenet, simulator, reason] =
            [cols[0], cols[1], cols[2], cols[3], cols[4]];
        assert!(ACCESS_KEY_ACTIONS.contains(&action), "{line}");
        assert_ne!(tenet, simulator, "{line}");
        assert!(reason.len() > 40, "a reason, not a label: {line}");
        let Some(doc) = document(policy) else {
            continue;
        };
        assert_eq!(verdict(&doc, action), tenet, "{policy} {action}");
        checked += 1;
    }
    assert_eq!(rows, 21, "update this count when the list changes");
    eprintln!("{checked} of {rows} exceptions checked");
}

fn doc(json: &str) -> serde_json::Value {
    serde_json::from_str(json).unwrap()
}

/// Reason "policy variable": `${aws:username}` in a Resource stands for any user name.
#[test]
fn policy_variables_in_resources_match_any_user() {
    let d = doc(
        r#"{"Statement":[{"Effect":"Allow","Action":"iam:ListAccessKeys",
            "Resource":"arn:aws:iam::*:user/${aws:username}"}]}"#,
    );
    assert_eq!(verdict(&d, "iam:ListAccessKeys"), "allowed");
}

/// Reason "other condition keys": a condition on another key may hold, so the grant stands.
#[test]
fn conditions_on_other_keys_are_free() {
    let d = doc(
        r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*",
            "Condition":{"Bool":{"aws:IsMcpServiceAction":"true"}}}]}"#,
    );
    for a in ACCESS_KEY_ACTIONS {
        assert_eq!(verdict(&d, a), "allowed", "{a}");
    }
}

/// Reason "`*:*`": every action, though the simulator rejects the spelling.
#[test]
fn star_colon_star_is_every_action() {
    let d = doc(r#"{"Statement":[{"Effect":"Allow","Action":"*:*","Resource":"*"}]}"#);
    for a in ACCESS_KEY_ACTIONS {
        assert_eq!(verdict(&d, a), "allowed", "{a}");
    }
}
