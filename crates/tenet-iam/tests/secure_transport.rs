//! The TLS-enforcement semantics, end to end on policy documents.

use gsl::Value;
use tenet_iam::secure_transport::{ACCESS_KEY_ACTIONS, TlsReport, analyze, https_only_api};

const IAM_FIVE: [&str; 5] = [
    "iam:CreateAccessKey",
    "iam:DeleteAccessKey",
    "iam:GetAccessKeyLastUsed",
    "iam:ListAccessKeys",
    "iam:UpdateAccessKey",
];

fn doc(json: &str) -> Value {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(v) => Value::from_json(&v),
        Err(e) => unreachable!("bad test JSON {json}: {e}"),
    }
}

fn run(json: &str) -> TlsReport {
    analyze(&doc(json))
}

/// A policy with one Allow statement of the given action JSON, resource JSON and condition JSON.
fn allow(action: &str, resource: &str, condition: Option<&str>) -> String {
    let cond = condition.map_or(String::new(), |c| format!(r#","Condition":{c}"#));
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{action},"Resource":{resource}{cond}}}]}}"#
    )
}

fn granted(json: &str) -> Vec<&'static str> {
    run(json).granted_without_tls()
}

fn warnings(r: &TlsReport) -> Vec<String> {
    r.statements
        .iter()
        .flat_map(|s| s.warnings.clone())
        .collect()
}

const TLS_TRUE: &str = r#"{"Bool":{"aws:SecureTransport":"true"}}"#;

#[test]
fn no_condition_grants_and_explains() {
    let r = run(&allow(r#""iam:*""#, r#""*""#, None));
    assert_eq!(r.granted_without_tls(), IAM_FIVE);
    let first = &r.statements[0].granted_without_tls[0];
    assert_eq!(first.action, "iam:CreateAccessKey");
    assert_eq!(
        first.reason,
        "`iam:*` grants iam:CreateAccessKey; no aws:SecureTransport condition"
    );
    assert!(warnings(&r).is_empty());
    assert!(!r.is_unknown());
}

#[test]
fn action_spellings_that_grant_create_access_key() {
    for action in [
        r#""iam:CreateAccessKey""#,
        r#""iam:createaccesskey""#,
        r#""IAM:CREATEACCESSKEY""#,
        r#""iam:?reateAccessKey""#,
        r#""iam:Create*""#,
        r#"["s3:GetObject", "iam:Create*"]"#,
    ] {
        assert_eq!(
            granted(&allow(action, r#""*""#, None)),
            ["iam:CreateAccessKey"],
            "{action}"
        );
    }
    for action in [r#""*""#, r#""*:*""#, r#"["*"]"#] {
        assert_eq!(
            granted(&allow(action, r#""*""#, None)),
            ACCESS_KEY_ACTIONS,
            "{action}"
        );
    }
    assert_eq!(
        granted(&allow(r#""iam:*Key*""#, r#""*""#, None)),
        IAM_FIVE,
        "iam:*Key*"
    );
    assert!(granted(&allow(r#""iam:CreateUser""#, r#""*""#, None)).is_empty());
}

#[test]
fn not_action_grants_everything_not_listed() {
    let json = r#"{"Statement":[{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}]}"#;
    let r = run(json);
    assert_eq!(r.granted_without_tls(), ACCESS_KEY_ACTIONS);
    assert_eq!(
        r.statements[0].granted_without_tls[8].reason,
        "NotAction [`s3:*`] grants sts:GetAccessKeyInfo (not excluded); no aws:SecureTransport condition"
    );
    let json =
        r#"{"Statement":[{"Effect":"Allow","NotAction":["iam:*","lightsail:*"],"Resource":"*"}]}"#;
    assert_eq!(granted(json), ["sts:GetAccessKeyInfo"]);
}

#[test]
fn resource_scope_limits_the_grant() {
    assert!(granted(&allow(r#""iam:*""#, r#""arn:aws:s3:::b/*""#, None)).is_empty());
    assert!(granted(&allow(r#""iam:*""#, r#""arn:aws:iam::*:role/*""#, None)).is_empty());
    assert_eq!(
        granted(&allow(
            r#""iam:*""#,
            r#""arn:aws:iam::123456789012:user/alice""#,
            None
        )),
        IAM_FIVE
    );
    // Lightsail bucket ARNs reach the two bucket-key actions; GetBucketAccessKeys (and
    // sts:GetAccessKeyInfo) have no resource types, so only "*" reaches them.
    assert_eq!(
        granted(&allow(
            r#""*""#,
            r#""arn:aws:lightsail:*:*:Bucket/*""#,
            None
        )),
        [
            "lightsail:CreateBucketAccessKey",
            "lightsail:DeleteBucketAccessKey"
        ]
    );
    // NotResource: everything but S3 still includes users.
    let json =
        r#"{"Statement":[{"Effect":"Allow","Action":"iam:*","NotResource":"arn:aws:s3:::*"}]}"#;
    assert_eq!(granted(json), IAM_FIVE);
}

#[test]
fn allow_side_conditions() {
    let enforced = |cond: &str| granted(&allow(r#""*""#, r#""*""#, Some(cond))).is_empty();
    // Documented form, any value spelling.
    assert!(enforced(TLS_TRUE));
    assert!(enforced(r#"{"Bool":{"aws:SecureTransport":true}}"#));
    assert!(enforced(r#"{"Bool":{"aws:SecureTransport":"True"}}"#));
    assert!(enforced(r#"{"Bool":{"aws:SecureTransport":["true"]}}"#));
    assert!(enforced(
        r#"{"BoolIfExists":{"aws:SecureTransport":"true"}}"#
    ));
    // Key names are case-insensitive.
    assert!(enforced(r#"{"Bool":{"aws:securetransport":"true"}}"#));
    assert!(enforced(r#"{"Bool":{"AWS:SECURETRANSPORT":"true"}}"#));
    // Working but undocumented spellings.
    assert!(enforced(
        r#"{"StringEquals":{"aws:SecureTransport":"true"}}"#
    ));
    assert!(enforced(
        r#"{"StringEqualsIgnoreCase":{"aws:SecureTransport":"TRUE"}}"#
    ));
    assert!(enforced(
        r#"{"StringNotEquals":{"aws:SecureTransport":"false"}}"#
    ));
    assert!(enforced(r#"{"StringLike":{"aws:SecureTransport":"t*"}}"#));
    assert!(enforced(
        r#"{"ForAnyValue:Bool":{"aws:SecureTransport":"true"}}"#
    ));
    assert!(enforced(
        r#"{"ForAllValues:Bool":{"aws:SecureTransport":"true"}}"#
    ));
    assert!(enforced(
        r#"{"Bool":{"aws:SecureTransport":"true"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#
    ));
    // Conditions that enforce nothing.
    assert!(!enforced(
        r#"{"Bool":{"aws:SecureTransport":["true","false"]}}"#
    ));
    assert!(!enforced(r#"{"Bool":{"aws:SecureTransport":"false"}}"#));
    assert!(!enforced(r#"{"Null":{"aws:SecureTransport":"false"}}"#));
    assert!(!enforced(
        r#"{"StringEquals":{"aws:SecureTransport":"false"}}"#
    ));
    assert!(!enforced(r#"{"StringLike":{"aws:SecureTransport":"*"}}"#));
    // StringEquals is case-sensitive: "False" matches neither "true" nor "false", so the
    // statement never applies and grants nothing.
    assert!(enforced(
        r#"{"StringEquals":{"aws:SecureTransport":"False"}}"#
    ));
    assert!(!enforced(r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#));
    assert!(!enforced(r#"{"Bool":{"aws:SecureTransportX":"true"}}"#));
    // A mis-cased operator: IAM rejects the policy; it requires nothing.
    assert!(!enforced(r#"{"bool":{"aws:SecureTransport":"true"}}"#));
}

#[test]
fn null_tests_nothing() {
    let r = run(&allow(
        r#""iam:*""#,
        r#""*""#,
        Some(r#"{"Null":{"aws:SecureTransport":"false"}}"#),
    ));
    assert_eq!(r.granted_without_tls(), IAM_FIVE);
    // `Null: true` asks for an absent key: never the case, so the Allow grants nothing at all
    // (with or without TLS) -- reported as a dead statement, not as TLS enforcement.
    let r = run(&allow(
        r#""iam:*""#,
        r#""*""#,
        Some(r#"{"Null":{"aws:SecureTransport":"true"}}"#),
    ));
    assert!(r.granted_without_tls().is_empty());
    assert_eq!(
        warnings(&r),
        [
            "`Null` on aws:SecureTransport is always false (the key is always present): the statement never applies; to require TLS use `Bool` with \"true\""
        ]
    );
    let r = run(&allow(
        r#""iam:*""#,
        r#""*""#,
        Some(r#"{"Null":{"aws:SecureTransport":["true","false"]}}"#),
    ));
    assert_eq!(r.granted_without_tls(), IAM_FIVE);
}

#[test]
fn string_not_equals_both_values_denies_everything() {
    // NOR over both values: the Allow never applies, so nothing is granted at all.
    let cond = r#"{"StringNotEquals":{"aws:SecureTransport":["true","false"]}}"#;
    assert!(granted(&allow(r#""*""#, r#""*""#, Some(cond))).is_empty());
}

#[test]
fn reasons_for_ineffective_conditions() {
    let r = run(&allow(
        r#""iam:CreateAccessKey""#,
        r#""*""#,
        Some(r#"{"Bool":{"aws:SecureTransport":["true","false"]}}"#),
    ));
    assert_eq!(
        r.statements[0].granted_without_tls[0].reason,
        "`iam:CreateAccessKey` grants iam:CreateAccessKey; `Bool` on aws:SecureTransport also holds for false"
    );
    assert_eq!(
        warnings(&r),
        ["`Bool` on aws:SecureTransport lists both true and false: it restricts nothing"]
    );

    let r = run(&allow(
        r#""iam:CreateAccessKey""#,
        r#""*""#,
        Some(r#"{"bool":{"aws:SecureTransport":"true"}}"#),
    ));
    assert_eq!(
        r.statements[0].granted_without_tls[0].reason,
        "`iam:CreateAccessKey` grants iam:CreateAccessKey; `bool` is not an IAM operator, so it requires nothing"
    );
    assert_eq!(
        warnings(&r),
        [
            "`bool` is not a condition operator (operator names are case-sensitive); IAM rejects the policy",
            "`bool` on aws:SecureTransport: write the operator as `Bool`"
        ]
    );
}

#[test]
fn warnings_for_undocumented_spellings() {
    let w = |cond: &str| warnings(&run(&allow(r#""iam:*""#, r#""*""#, Some(cond))));
    assert!(w(TLS_TRUE).is_empty());
    assert!(w(r#"{"BoolIfExists":{"aws:securetransport":true}}"#).is_empty());
    assert_eq!(
        w(r#"{"StringEquals":{"aws:SecureTransport":"true"}}"#),
        [
            "`StringEquals` on the Boolean key aws:SecureTransport works but is not the documented form; use `Bool`"
        ]
    );
    assert_eq!(
        w(r#"{"ForAnyValue:Bool":{"aws:SecureTransport":"true"}}"#),
        [
            "`ForAnyValue:Bool` on the single-valued key aws:SecureTransport works but is not the documented form; use `Bool`"
        ]
    );
    assert_eq!(
        w(r#"{"Null":{"aws:SecureTransport":"false"}}"#),
        [
            "`Null` on aws:SecureTransport tests presence only and enforces nothing: the key is always present; use `Bool` with \"true\""
        ]
    );
    assert_eq!(
        w(r#"{"NumericEquals":{"aws:SecureTransport":"1"}}"#),
        ["`NumericEquals` does not apply to the Boolean key aws:SecureTransport; use `Bool`"]
    );
    assert_eq!(
        w(r#"{"Bool":{"aws:SecureTransport":"yes"}}"#),
        ["`Bool` on aws:SecureTransport has a value other than true/false"]
    );
}

fn with_deny(allow_action: &str, deny: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[
            {{"Effect":"Allow","Action":{allow_action},"Resource":"*"}},
            {deny}]}}"#
    )
}

#[test]
fn covering_deny_enforces() {
    let deny = r#"{"Sid":"DenyHttp","Effect":"Deny","Action":"iam:*","Resource":"*",
                   "Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#;
    let r = run(&with_deny(r#""iam:*""#, deny));
    assert!(r.granted_without_tls().is_empty());
    assert!(
        r.statements
            .iter()
            .all(|s| s.granted_without_tls.is_empty())
    );
    // Other spellings of a covering Deny.
    for deny in [
        r#"{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:securetransport":false}}}"#,
        r#"{"Effect":"Deny","NotAction":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"False"}}}"#,
        r#"{"Effect":"Deny","Action":"iam:*","NotResource":"arn:aws:s3:::*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
        r#"{"Effect":"Deny","Action":"iam:*","Resource":"arn:*:iam::*:user/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
        r#"{"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{"Null":{"aws:SecureTransport":"false"}}}"#,
        r#"{"Effect":"Deny","Action":"iam:*","Resource":"*"}"#,
    ] {
        assert!(granted(&with_deny(r#""iam:*""#, deny)).is_empty(), "{deny}");
    }
}

#[test]
fn deny_that_does_not_cover() {
    // An extra condition on another key: the Deny may not apply.
    let deny = r#"{"Effect":"Deny","Action":"iam:*","Resource":"*",
        "Condition":{"Bool":{"aws:SecureTransport":"false"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}"#;
    let r = run(&with_deny(r#""iam:*""#, deny));
    assert_eq!(r.granted_without_tls(), IAM_FIVE);
    assert_eq!(
        r.statements[0].granted_without_tls[0].reason,
        "`iam:*` grants iam:CreateAccessKey; no aws:SecureTransport condition; Deny statement 1 does not cover it: it also requires `IpAddress` on aws:SourceIp, which may not hold"
    );
    // Narrower actions.
    let deny = r#"{"Effect":"Deny","Action":"iam:CreateAccessKey","Resource":"*",
        "Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#;
    assert_eq!(
        granted(&with_deny(r#""iam:*""#, deny)),
        [
            "iam:DeleteAccessKey",
            "iam:GetAccessKeyLastUsed",
            "iam:ListAccessKeys",
            "iam:UpdateAccessKey"
        ]
    );
    // Narrower resources than the Allow's `*`.
    let deny = r#"{"Effect":"Deny","Action":"iam:*","Resource":"arn:aws:iam::1:user/*",
        "Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#;
    assert_eq!(granted(&with_deny(r#""iam:*""#, deny)), IAM_FIVE);
    // The wrong value: denies HTTPS, not HTTP.
    let deny = r#"{"Effect":"Deny","Action":"iam:*","Resource":"*",
        "Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#;
    assert_eq!(granted(&with_deny(r#""iam:*""#, deny)), IAM_FIVE);
    // A mis-cased operator: no cover (and IAM rejects the policy).
    let deny = r#"{"Effect":"Deny","Action":"iam:*","Resource":"*",
        "Condition":{"bool":{"aws:SecureTransport":"false"}}}"#;
    assert_eq!(granted(&with_deny(r#""iam:*""#, deny)), IAM_FIVE);
    // Deny NotAction that excludes IAM.
    let deny = r#"{"Effect":"Deny","NotAction":"iam:*","Resource":"*",
        "Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#;
    assert_eq!(granted(&with_deny(r#""*""#, deny)), IAM_FIVE);
}

#[test]
fn deny_covers_a_narrow_allow() {
    let json = r#"{"Statement":[
        {"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::1:user/bob"},
        {"Effect":"Deny","Action":"iam:*","Resource":"arn:aws:iam::1:user/*",
         "Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;
    assert!(granted(json).is_empty());
}

#[test]
fn statements_are_reported_separately() {
    let json = r#"{"Statement":[
        {"Sid":"A","Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"*",
         "Condition":{"Bool":{"aws:SecureTransport":"true"}}},
        {"Sid":"B","Effect":"Allow","Action":"sts:GetAccessKeyInfo","Resource":"*"},
        {"Sid":"C","Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    let r = run(json);
    let per: Vec<(Option<&str>, Vec<&str>)> = r
        .statements
        .iter()
        .map(|s| {
            (
                s.sid.as_deref(),
                s.granted_without_tls.iter().map(|v| v.action).collect(),
            )
        })
        .collect();
    assert_eq!(
        per,
        [
            (Some("A"), vec![]),
            (Some("B"), vec!["sts:GetAccessKeyInfo"]),
            (Some("C"), vec![])
        ]
    );
}

#[test]
fn single_statement_object_is_accepted() {
    let json = r#"{"Statement":{"Effect":"Allow","Action":"iam:ListAccessKeys","Resource":"*"},"Version":"2012-10-17"}"#;
    assert_eq!(granted(json), ["iam:ListAccessKeys"]);
}

#[test]
fn invalid_statements_grant_nothing_and_warn() {
    let r = run(r#"{"Statement":[{"Effect":"allow","Action":"iam:*","Resource":"*"}]}"#);
    assert!(r.granted_without_tls().is_empty());
    assert_eq!(
        warnings(&r),
        ["`Effect` is \"allow\", not \"Allow\" or \"Deny\"; IAM rejects the policy"]
    );
}

#[test]
fn unresolved_values_give_unknown_not_a_guess() {
    let mut d = doc(&allow(r#""iam:*""#, r#""*""#, Some(TLS_TRUE)));
    set_first_statement(&mut d, "Condition", Value::unknown("var.condition"));
    let r = analyze(&d);
    assert!(r.is_unknown());
    assert!(r.granted_without_tls().is_empty());
    assert_eq!(r.statements[0].unknown.len(), 5);

    let mut d = doc(&allow(r#""iam:*""#, r#""*""#, None));
    set_first_statement(
        &mut d,
        "Condition",
        doc(r#"{"Bool":{"aws:SecureTransport":null}}"#),
    );
    if let Some(Value::Object(c)) = first_statement(&mut d).and_then(|s| s.get_mut("Condition"))
        && let Some(Value::Object(b)) = c.get_mut("Bool")
    {
        b.insert("aws:SecureTransport", Value::unknown("var.tls"));
    }
    let r = analyze(&d);
    assert_eq!(
        r.statements[0].unknown[0].reason,
        "`iam:*` grants iam:CreateAccessKey; the aws:SecureTransport condition has an unresolved value (var.tls)"
    );

    let mut d = doc(&allow(r#""s3:*""#, r#""*""#, None));
    set_first_statement(
        &mut d,
        "Action",
        Value::List(vec![Value::str("s3:*"), Value::unknown("var.extra")]),
    );
    let r = analyze(&d);
    assert_eq!(r.statements[0].unknown.len(), 9);
    assert!(r.granted_without_tls().is_empty());

    assert!(analyze(&Value::unknown("known after apply")).is_unknown());
}

fn first_statement(d: &mut Value) -> Option<&mut gsl::Map> {
    if let Value::Object(m) = d
        && let Some(Value::List(l)) = m.get_mut("Statement")
        && let Some(Value::Object(s)) = l.get_mut(0)
    {
        return Some(s);
    }
    None
}

fn set_first_statement(d: &mut Value, key: &str, v: Value) {
    if let Some(s) = first_statement(d) {
        s.insert(key, v);
    }
}

#[test]
fn report_as_gsl_value() {
    let r = run(&allow(r#""sts:*""#, r#""*""#, None));
    let v = r.to_value().to_json();
    assert_eq!(
        v,
        serde_json::json!({
            "granted": ["sts:GetAccessKeyInfo"],
            "grantedWithoutTls": ["sts:GetAccessKeyInfo"],
            "unknown": false,
            "unresolved": null,
            "warnings": [],
            "statements": [{
                "index": 0,
                "sid": null,
                "effect": "Allow",
                "granted": ["sts:GetAccessKeyInfo"],
                "grantedWithoutTls": [{
                    "action": "sts:GetAccessKeyInfo",
                    "reason": "`sts:*` grants sts:GetAccessKeyInfo; no aws:SecureTransport condition"
                }],
                "unknown": [],
                "warnings": []
            }]
        })
    );
}

#[test]
fn https_only_apis() {
    assert!(https_only_api("iam:CreateAccessKey"));
    assert!(https_only_api("STS:GetAccessKeyInfo"));
    assert!(!https_only_api("lightsail:CreateBucketAccessKey"));
}

#[test]
fn odd_inputs_never_panic() {
    for json in [
        "null",
        "1",
        r#""text""#,
        "[]",
        "{}",
        r#"{"Statement":null}"#,
        r#"{"Statement":[null,1,"x",[],{}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Action":[[],{}],"Resource":[null]}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":[1]}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":[1]}}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":{"a":1}}}}]}"#,
        r#"{"Statement":[{"Effect":"Deny","Action":"*","NotResource":[],"Condition":{"ForAllValues:StringNotLikeIfExists":{"aws:SecureTransport":[]}}}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Action":"::::","Resource":"${${${"}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Action":"é:?","Resource":"arn:é:*:?:${}:*"}]}"#,
    ] {
        let _ = run(json);
    }
}

#[test]
fn granted_over_any_transport_decides_relevance() {
    let granted_any = |json: &str| run(json).granted();
    // Granted over TLS only: granted, but not without TLS.
    let tls = allow(r#""iam:ListAccessKeys""#, r#""*""#, Some(TLS_TRUE));
    assert_eq!(granted_any(&tls), ["iam:ListAccessKeys"]);
    assert!(granted(&tls).is_empty());
    // Only over plain HTTP (an odd policy): granted, and granted without TLS.
    let plain = allow(
        r#""iam:ListAccessKeys""#,
        r#""*""#,
        Some(r#"{"Bool":{"aws:SecureTransport":"false"}}"#),
    );
    assert_eq!(granted_any(&plain), ["iam:ListAccessKeys"]);
    assert_eq!(granted(&plain), ["iam:ListAccessKeys"]);
    // A Deny on everything, whatever the transport: nothing is granted.
    let denied = r#"{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},
        {"Effect":"Deny","Action":"iam:*Key*","Resource":"*"}]}"#;
    assert!(granted_any(denied).is_empty());
    // A Deny on plain HTTP leaves the TLS grant.
    let tls_deny = with_deny(
        r#""iam:*""#,
        r#"{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
    );
    assert_eq!(granted_any(&tls_deny), IAM_FIVE);
    assert!(granted(&tls_deny).is_empty());
    // Out of resource scope: nothing.
    assert!(granted_any(&allow(r#""iam:*""#, r#""arn:aws:s3:::b/*""#, None)).is_empty());
}

#[test]
fn summaries_group_actions_by_cause() {
    let summary = |json: &str| {
        let r = run(json);
        tenet_iam::summarize(&r.statements[0].granted_without_tls)
    };
    assert_eq!(
        summary(&allow(
            r#"["iam:CreateAccessKey","iam:listaccesskeys","iam:Delete*"]"#,
            r#""*""#,
            None
        )),
        "grants iam:CreateAccessKey without TLS (no aws:SecureTransport condition); \
         `iam:Delete*` grants iam:DeleteAccessKey without TLS (no aws:SecureTransport condition); \
         `iam:listaccesskeys` grants iam:ListAccessKeys without TLS (no aws:SecureTransport condition)"
    );
    assert_eq!(
        summary(&allow(
            r#"["iam:CreateAccessKey","iam:UpdateAccessKey"]"#,
            r#""*""#,
            None
        )),
        "grants iam:CreateAccessKey, iam:UpdateAccessKey without TLS (no aws:SecureTransport condition)"
    );
    let deny = r#"{"Effect":"Deny","Action":"iam:CreateAccessKey","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#;
    assert_eq!(
        summary(&with_deny(r#""iam:*Access*""#, deny)),
        "`iam:*Access*` grants iam:DeleteAccessKey, iam:GetAccessKeyLastUsed, iam:ListAccessKeys, \
         iam:UpdateAccessKey without TLS (no aws:SecureTransport condition; Deny statement 1 does \
         not cover it: its actions do not include iam:DeleteAccessKey, iam:GetAccessKeyLastUsed, \
         iam:ListAccessKeys, iam:UpdateAccessKey)"
    );
}
