//! Shared by the tests that run against a local moto server (`TENET_MOTO_ENDPOINT`).
//!
//! Each test works in an account of its own, so tests run in parallel against one server and
//! nothing needs resetting: moto picks the account from the `x-moto-account-id` header, which is
//! sent once to create an IAM user and its access key; moto then maps every request signed with
//! that key to the user's account.

#![allow(dead_code)]

use aws_sdk_iam::Client;
use aws_sdk_iam::config::{BehaviorVersion, Credentials, Region};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use tenet_rules::RuleSet;

/// The moto endpoint, or `None` (with a note) when the live tests cannot run here. Under
/// `CI=true` a missing server is a failure, never a skip.
pub fn endpoint() -> Option<String> {
    match std::env::var("TENET_MOTO_ENDPOINT") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").as_deref() == Ok("true") => panic!(
            "CI=true but TENET_MOTO_ENDPOINT is not set: the live tests need a moto server (scripts/test starts one)"
        ),
        _ => {
            eprintln!(
                "live test NOT RUN: TENET_MOTO_ENDPOINT is not set (scripts/test starts moto_server when `pip install 'moto[server]'` was done)"
            );
            None
        }
    }
}

pub fn client(endpoint: &str, key: &str, secret: &str) -> Client {
    let config = aws_sdk_iam::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(key, secret, None, None, "tenet-tests"))
        .build();
    Client::from_conf(config)
}

/// A fresh moto account for one test.
pub struct TestAccount {
    pub id: String,
    pub key: String,
    pub secret: String,
    pub client: Client,
    pub runtime: tokio::runtime::Runtime,
}

impl TestAccount {
    pub fn new(endpoint: &str, test: &str) -> TestAccount {
        let mut h = DefaultHasher::new();
        (test, std::process::id(), std::time::SystemTime::now()).hash(&mut h);
        let id = format!("{:012}", h.finish() % 1_000_000_000_000);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let boot = client(endpoint, "testing", "testing");
        let header = id.clone();
        let (key, secret) = runtime.block_on(async {
            let h = header.clone();
            boot.create_user()
                .user_name("tenet-tests")
                .customize()
                .mutate_request(move |r| {
                    r.headers_mut().insert("x-moto-account-id", h.clone());
                })
                .send()
                .await
                .unwrap();
            let h = header.clone();
            let k = boot
                .create_access_key()
                .user_name("tenet-tests")
                .customize()
                .mutate_request(move |r| {
                    r.headers_mut().insert("x-moto-account-id", h.clone());
                })
                .send()
                .await
                .unwrap();
            let k = k.access_key().unwrap();
            (
                k.access_key_id().to_string(),
                k.secret_access_key().to_string(),
            )
        });
        let client = client(endpoint, &key, &secret);
        TestAccount {
            id,
            key,
            secret,
            client,
            runtime,
        }
    }

    pub fn arn(&self, what: &str) -> String {
        format!("arn:aws:iam::{}:{what}", self.id)
    }

    pub fn policy(&self, name: &str, doc: &str) -> String {
        self.runtime.block_on(async {
            let p = self
                .client
                .create_policy()
                .policy_name(name)
                .policy_document(doc)
                .send()
                .await
                .unwrap();
            p.policy().unwrap().arn().unwrap().to_string()
        })
    }

    pub fn user(&self, name: &str, policies: &[&str]) {
        self.runtime.block_on(async {
            self.client
                .create_user()
                .user_name(name)
                .send()
                .await
                .unwrap();
            for p in policies {
                self.client
                    .attach_user_policy()
                    .user_name(name)
                    .policy_arn(*p)
                    .send()
                    .await
                    .unwrap();
            }
        })
    }

    pub fn role(&self, name: &str, policies: &[&str]) {
        self.runtime.block_on(async {
            self.client
                .create_role()
                .role_name(name)
                .assume_role_policy_document(TRUST)
                .send()
                .await
                .unwrap();
            for p in policies {
                self.client
                    .attach_role_policy()
                    .role_name(name)
                    .policy_arn(*p)
                    .send()
                    .await
                    .unwrap();
            }
        })
    }

    /// (version id, is default), oldest first.
    pub fn versions(&self, arn: &str) -> Vec<(String, bool)> {
        self.runtime.block_on(async {
            let out = self
                .client
                .list_policy_versions()
                .policy_arn(arn)
                .send()
                .await
                .unwrap();
            let mut v: Vec<(String, bool)> = out
                .versions()
                .iter()
                .map(|v| (v.version_id().unwrap().to_string(), v.is_default_version()))
                .collect();
            v.sort_by_key(|(id, _)| id.trim_start_matches('v').parse::<u32>().unwrap());
            v
        })
    }

    /// The managed policies attached to a user or role, by ARN, sorted.
    pub fn attached(&self, kind: &str, name: &str) -> Vec<String> {
        self.runtime.block_on(async {
            let arns: Vec<String> = if kind == "user" {
                let o = self
                    .client
                    .list_attached_user_policies()
                    .user_name(name)
                    .send()
                    .await
                    .unwrap();
                o.attached_policies()
                    .iter()
                    .map(|p| p.policy_arn().unwrap().to_string())
                    .collect()
            } else {
                let o = self
                    .client
                    .list_attached_role_policies()
                    .role_name(name)
                    .send()
                    .await
                    .unwrap();
                o.attached_policies()
                    .iter()
                    .map(|p| p.policy_arn().unwrap().to_string())
                    .collect()
            };
            let mut arns = arns;
            arns.sort();
            arns
        })
    }

    pub fn session(&self, endpoint: &str) -> tenet_live::Session {
        tenet_live::Session::from_client(client(endpoint, &self.key, &self.secret)).unwrap()
    }
}

pub const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// Allows an access-key action without TLS: D9.AWS.IAM.67 fails it when attached.
pub const FAILING: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Keys","Effect":"Allow","Action":["iam:CreateAccessKey","iam:ListAccessKeys"],"Resource":"*"}]}"#;

/// The same with the condition.
pub const PASSING: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Keys","Effect":"Allow","Action":["iam:CreateAccessKey","iam:ListAccessKeys"],"Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#;

pub fn rules(only: &[&str]) -> RuleSet {
    let builtin: Vec<_> = tenet_rules::builtin()
        .unwrap()
        .into_iter()
        .filter(|r| only.contains(&r.id.as_str()))
        .collect();
    assert_eq!(builtin.len(), only.len());
    RuleSet::compile(builtin, Vec::new(), &tenet_rules::functions()).unwrap()
}

/// (rule, entity ARN) -> outcome label, for entities whose ARN contains `scope`.
pub fn outcomes(
    inventory: &tenet_inventory::Inventory,
    rules: &RuleSet,
    scope: &str,
) -> Vec<(String, String, String)> {
    let report = tenet_findings::scan(inventory, rules, &tenet_findings::ScanOptions::default());
    let mut v: Vec<(String, String, String)> = report
        .results
        .iter()
        .filter_map(|r| {
            let e = &report.entities[r.entity];
            e.id.contains(scope).then(|| {
                (
                    report.rules[r.rule].id.clone(),
                    e.id.clone(),
                    r.outcome.label().to_string(),
                )
            })
        })
        .collect();
    v.sort();
    v
}

/// The fixes of the failing managed policies whose ARN contains `scope`, planned with the
/// literal rule's offending statements (as `tenet fix` does for D9.AWS.IAM.67).
pub fn plan(
    inventory: &tenet_inventory::Inventory,
    rules: &RuleSet,
    scope: &str,
) -> Vec<tenet_live::apply::PolicyFix> {
    let report = tenet_findings::scan(inventory, rules, &tenet_findings::ScanOptions::default());
    let mut fixes = Vec::new();
    for r in &report.results {
        let e = &report.entities[r.entity];
        if r.outcome != gsl::Outcome::Fail || e.kind != "IamPolicy" || !e.id.contains(scope) {
            continue;
        }
        let record = inventory
            .records()
            .iter()
            .find(|x| x.kind == e.kind && x.id == e.id)
            .unwrap();
        let value = record.materialize().unwrap().value;
        let doc = value.get("document").unwrap();
        let targets: Vec<usize> = r.evidence.iter().filter_map(|x| x.index).collect();
        let plan = tenet_fix::plan(doc, &targets, false, tenet_fix::FixOptions::default()).unwrap();
        let scanned_version = match &record.provenance {
            tenet_inventory::Provenance::Live { version_id, .. } => version_id.clone(),
            _ => None,
        };
        fixes.push(tenet_live::apply::PolicyFix {
            arn: e.id.clone(),
            rules: vec![report.rules[r.rule].id.clone()],
            document: plan.document.to_json(),
            scanned_version,
        });
    }
    fixes
}
