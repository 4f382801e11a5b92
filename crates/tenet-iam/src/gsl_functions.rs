//! Tenet's IAM-aware GSL extension functions (not part of CloudGuard's GSL; documented in
//! `docs/gsl-extensions.md`). Each is applied to a policy document, method style:
//!
//! - `document accessKeyActionsGranted()`: the access-key actions the document grants to some
//!   request, over TLS or not (list of `service:Name`, catalog casing).
//! - `document accessKeyGrantsWithoutTls()`: one object per Allow statement that grants
//!   access-key actions without TLS: `{statement, path, sid, actions, reasons, message}` (empty
//!   list: TLS is enforced for every access-key action the document grants).
//! - `document secureTransportAnalysis()`: the whole analysis ([`TlsReport::to_value`]).
//!
//! When the answer depends on unresolved values (Terraform unknowns, CloudGuard intrinsics) the
//! first two return `Value::Unknown` with the reason, unless something is certainly granted.
//!
//! Warnings about how TLS is required (`StringEquals` on the Boolean key, `Null`, ...) cannot
//! change a verdict; they are collected per thread as *notes* that the scan driver takes with
//! [`take_notes`] after each evaluation and reports with the entity.

use std::cell::RefCell;
use std::sync::Arc;

use gsl::{FunctionRegistry, Map, Value};

use crate::secure_transport::{TlsReport, analyze, summarize};

/// Names of the functions [`register`] adds.
pub const NAMES: &[&str] = &[
    "accessKeyActionsGranted",
    "accessKeyGrantsWithoutTls",
    "secureTransportAnalysis",
];

thread_local! {
    static NOTES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Takes the notes the functions recorded on this thread since the last call (each once).
pub fn take_notes() -> Vec<String> {
    NOTES.with(|n| std::mem::take(&mut *n.borrow_mut()))
}

/// Adds the IAM-aware extension functions to `r`.
pub fn register(r: &mut FunctionRegistry) {
    r.register(
        "accessKeyActionsGranted",
        0..=0,
        Arc::new(|doc, _, _| Ok(access_key_actions_granted(doc))),
    );
    r.register(
        "accessKeyGrantsWithoutTls",
        0..=0,
        Arc::new(|doc, _, _| Ok(access_key_grants_without_tls(doc))),
    );
    r.register(
        "secureTransportAnalysis",
        0..=0,
        Arc::new(|doc, _, _| Ok(analyze(doc).to_value())),
    );
}

/// `accessKeyActionsGranted()`.
pub fn access_key_actions_granted(doc: &Value) -> Value {
    let report = analyze(doc);
    record_notes(&report);
    let granted = report.granted();
    if granted.is_empty()
        && let Some(reason) = &report.unresolved
    {
        return Value::unknown(reason.as_str());
    }
    Value::List(granted.into_iter().map(Value::str).collect())
}

/// `accessKeyGrantsWithoutTls()`.
pub fn access_key_grants_without_tls(doc: &Value) -> Value {
    let report = analyze(doc);
    record_notes(&report);
    // A single-object `Statement` is addressed without an index, as GSL paths do.
    let single = matches!(doc.get("Statement"), Some(Value::Object(_)));
    let items: Vec<Value> = report
        .statements
        .iter()
        .filter(|s| !s.granted_without_tls.is_empty())
        .map(|s| {
            let mut m = Map::with_capacity(6);
            m.insert("statement", Value::Number(s.index as f64));
            let path = if single {
                "Statement".to_string()
            } else {
                format!("Statement[{}]", s.index)
            };
            m.insert("path", Value::str(path.as_str()));
            m.insert("sid", s.sid.as_deref().map_or(Value::Null, Value::str));
            m.insert(
                "actions",
                Value::List(
                    s.granted_without_tls
                        .iter()
                        .map(|v| Value::str(v.action))
                        .collect(),
                ),
            );
            m.insert(
                "reasons",
                Value::List(
                    s.granted_without_tls
                        .iter()
                        .map(|v| Value::str(v.reason.as_str()))
                        .collect(),
                ),
            );
            m.insert(
                "message",
                Value::str(summarize(&s.granted_without_tls).as_str()),
            );
            Value::Object(m)
        })
        .collect();
    if items.is_empty() && report.is_unknown() {
        let reason = report.unresolved.clone().or_else(|| {
            report
                .statements
                .iter()
                .find_map(|s| s.unknown.first().map(|v| v.reason.clone()))
        });
        return Value::unknown(reason.unwrap_or_else(|| "unresolved values".into()));
    }
    Value::List(items)
}

/// Records the warnings of the statements that grant access-key actions (and of the document,
/// when some statement does): other statements are not this analysis' business.
fn record_notes(report: &TlsReport) {
    let relevant: Vec<&crate::StatementTls> = report
        .statements
        .iter()
        .filter(|s| !s.granted.is_empty())
        .collect();
    if relevant.is_empty() {
        return;
    }
    NOTES.with(|n| {
        let mut n = n.borrow_mut();
        let mut add = |text: String| {
            if !n.contains(&text) {
                n.push(text);
            }
        };
        for w in &report.warnings {
            add(w.clone());
        }
        for s in relevant {
            for w in &s.warnings {
                let at = match &s.sid {
                    Some(sid) => format!("Statement[{}] (Sid {sid})", s.index),
                    None => format!("Statement[{}]", s.index),
                };
                add(format!("{at}: {w}"));
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: &str) -> Value {
        match serde_json::from_str::<serde_json::Value>(json) {
            Ok(v) => Value::from_json(&v),
            Err(e) => unreachable!("bad test JSON: {e}"),
        }
    }

    fn registry() -> FunctionRegistry {
        let mut r = FunctionRegistry::standard();
        register(&mut r);
        r
    }

    fn outcome(logic: &str, document: &str) -> gsl::Outcome {
        let rule = match gsl::compile(logic, &registry()) {
            Ok(r) => r,
            Err(e) => unreachable!("{logic}: {e:?}"),
        };
        let mut m = Map::new();
        m.insert("document", doc(document));
        rule.evaluate(&Value::Object(m), &gsl::EvalContext::at_unix(0))
    }

    const LOGIC: &str = "IamPolicy where document accessKeyActionsGranted() length() > 0 \
                         should have document accessKeyGrantsWithoutTls() isEmpty()";

    #[test]
    fn registers_every_documented_name() {
        let r = registry();
        for n in NAMES {
            assert!(r.contains(n), "{n}");
        }
    }

    #[test]
    fn values() {
        let d = doc(
            r#"{"Statement":[{"Sid":"A","Effect":"Allow","Action":"iam:*","Resource":"*"},
                {"Effect":"Allow","Action":"sts:GetAccessKeyInfo","Resource":"*",
                 "Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#,
        );
        let granted = access_key_actions_granted(&d);
        assert_eq!(
            granted.to_json(),
            serde_json::json!([
                "iam:CreateAccessKey",
                "iam:DeleteAccessKey",
                "iam:GetAccessKeyLastUsed",
                "iam:ListAccessKeys",
                "iam:UpdateAccessKey",
                "sts:GetAccessKeyInfo"
            ])
        );
        let without = access_key_grants_without_tls(&d).to_json();
        assert_eq!(without.as_array().map(Vec::len), Some(1));
        assert_eq!(without[0]["statement"], 0);
        assert_eq!(without[0]["sid"], "A");
        assert_eq!(without[0]["actions"].as_array().map(Vec::len), Some(5));
        assert_eq!(
            without[0]["reasons"][0],
            "`iam:*` grants iam:CreateAccessKey; no aws:SecureTransport condition"
        );
        assert_eq!(without[0]["path"], "Statement[0]");
        assert_eq!(
            without[0]["message"],
            "`iam:*` grants iam:CreateAccessKey, iam:DeleteAccessKey, iam:GetAccessKeyLastUsed, \
             iam:ListAccessKeys, iam:UpdateAccessKey without TLS (no aws:SecureTransport condition)"
        );
        let single = doc(r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#);
        let without = access_key_grants_without_tls(&single).to_json();
        assert_eq!(without[0]["path"], "Statement");
        assert_eq!(
            without[0]["message"],
            "`*` grants iam:CreateAccessKey, iam:DeleteAccessKey, iam:GetAccessKeyLastUsed, \
             iam:ListAccessKeys, iam:UpdateAccessKey, lightsail:CreateBucketAccessKey, \
             lightsail:DeleteBucketAccessKey, lightsail:GetBucketAccessKeys, sts:GetAccessKeyInfo \
             without TLS (no aws:SecureTransport condition)"
        );
        assert_eq!(
            analyze(&d).to_value().to_json()["granted"]
                .as_array()
                .map(Vec::len),
            Some(6)
        );
    }

    #[test]
    fn rule_outcomes() {
        use gsl::Outcome::{Fail, Pass, Skip};
        let allow = |action: &str, cond: &str| {
            format!(
                r#"{{"Statement":[{{"Effect":"Allow","Action":{action},"Resource":"*"{cond}}}]}}"#
            )
        };
        let tls = r#","Condition":{"BoolIfExists":{"aws:securetransport":"true"}}"#;
        assert_eq!(outcome(LOGIC, &allow(r#""iam:Create*""#, "")), Fail);
        assert_eq!(outcome(LOGIC, &allow(r#""iam:Create*""#, tls)), Pass);
        assert_eq!(outcome(LOGIC, &allow(r#""s3:*""#, "")), Skip);
        // Denied whatever the transport: grants nothing, so not relevant.
        let denied = r#"{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},
            {"Effect":"Deny","Action":"*","Resource":"*"}]}"#;
        assert_eq!(outcome(LOGIC, denied), Skip);
    }

    #[test]
    fn unknown_documents_are_unknown_not_pass() {
        let u = Value::unknown("known after apply");
        assert_eq!(access_key_actions_granted(&u), u);
        assert_eq!(access_key_grants_without_tls(&u), u);
    }

    #[test]
    fn notes_name_the_statement_and_are_taken_once() {
        take_notes();
        let d = doc(
            r#"{"Statement":[{"Sid":"S","Effect":"Allow","Action":"iam:ListAccessKeys","Resource":"*",
                "Condition":{"StringEquals":{"aws:SecureTransport":"true"}}},
                {"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
                "Condition":{"Null":{"aws:SecureTransport":"false"}}}]}"#,
        );
        access_key_actions_granted(&d);
        access_key_grants_without_tls(&d);
        assert_eq!(
            take_notes(),
            [
                "Statement[0] (Sid S): `StringEquals` on the Boolean key aws:SecureTransport works but is not the documented form; use `Bool`"
            ]
        );
        assert!(take_notes().is_empty());
    }
}
