//! D9.AWS.IAM.67 as published, on small policies: verdicts and the evidence `explain` gives.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use gsl::{Check, EvalContext, FunctionRegistry, Offender, Outcome, Value, compile};
use serde_json::{Value as Json, json};

const RULE: &str = "IamPolicy where document.Statement contain [Effect='Allow' and Action regexMatch /AccessKey/ ] and not ( roles isEmpty() and users isEmpty() and groups isEmpty()) should have document.Statement with [Effect='Allow' and Action regexMatch /AccessKey/ ] contain-all [Condition.Bool.aws:SecureTransport = 'true']";

fn policy(statement: Json) -> Value {
    Value::from_json(&json!({
        "name": "p",
        "roles": [{"name": "app", "arn": "arn:aws:iam::123456789012:role/app"}],
        "users": [],
        "groups": [],
        "document": {"Version": "2012-10-17", "Statement": statement}
    }))
}

fn run(entity: &Value) -> Outcome {
    let rule = compile(RULE, &FunctionRegistry::standard()).unwrap();
    let cx = EvalContext::at_unix(1_700_000_000);
    let fast = rule.evaluate(entity, &cx);
    let (explained, _) = rule.explain(entity, &cx);
    assert_eq!(fast, explained, "evaluate and explain disagree");
    fast
}

fn tls(value: Json) -> Json {
    json!({"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*",
           "Condition": {"Bool": {"aws:SecureTransport": value}}})
}

#[test]
fn the_documented_offender() {
    let keys = json!({"Sid":"Keys","Effect":"Allow","Action":["s3:GetObject","iam:CreateAccessKey"],"Resource":"*"});
    let entity = policy(json!([
        {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        keys.clone(),
    ]));
    let rule = compile(RULE, &FunctionRegistry::standard()).unwrap();
    let (outcome, trace) = rule.explain(&entity, &EvalContext::at_unix(0));
    assert_eq!(outcome, Outcome::Fail);
    assert_eq!(
        trace.offenders,
        vec![Offender {
            path: "document.Statement[1]".into(),
            index: 1,
            value: Value::from_json(&keys),
            matched: vec![
                Check {
                    path: "document.Statement[1].Effect".into(),
                    test: "= 'Allow'".into(),
                    actual: Some(Value::from("Allow")),
                    result: true,
                },
                Check {
                    path: "document.Statement[1].Action[1]".into(),
                    test: "regexMatch /AccessKey/".into(),
                    actual: Some(Value::from("iam:CreateAccessKey")),
                    result: true,
                },
            ],
            failed: vec![Check {
                path: "document.Statement[1].Condition.Bool.aws:SecureTransport".into(),
                test: "= 'true'".into(),
                actual: None,
                result: false,
            }],
        }]
    );
    assert!(trace.checks.is_empty());
    assert!(
        trace.steps.iter().any(|s| s.starts_with("   where ")),
        "{:#?}",
        trace.steps
    );
    // The deciding leaf is marked and names the element and the missing value.
    assert!(
        trace.steps.iter().any(|s| s.starts_with("=> ")
            && s.ends_with(
                "Statement[1]: Condition.Bool.aws:SecureTransport = 'true' -> false (missing)"
            )),
        "{:#?}",
        trace.steps
    );
}

#[test]
fn single_object_statement_and_string_action() {
    let entity =
        policy(json!({"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"}));
    let rule = compile(RULE, &FunctionRegistry::standard()).unwrap();
    let (outcome, trace) = rule.explain(&entity, &EvalContext::at_unix(0));
    assert_eq!(outcome, Outcome::Fail);
    assert_eq!(trace.offenders.len(), 1);
    let o = &trace.offenders[0];
    assert_eq!((o.path.as_str(), o.index), ("document.Statement", 0));
    assert_eq!(o.matched[1].path, "document.Statement.Action");
    assert_eq!(
        o.failed[0].path,
        "document.Statement.Condition.Bool.aws:SecureTransport"
    );
}

#[test]
fn allow_with_the_condition_passes() {
    for v in [json!(true), json!("true"), json!(["true"]), json!("True")] {
        assert_eq!(run(&policy(json!([tls(v.clone())]))), Outcome::Pass, "{v}");
        assert_eq!(
            run(&policy(tls(v.clone()))),
            Outcome::Pass,
            "single statement {v}"
        );
    }
    assert_eq!(run(&policy(json!([tls(json!("false"))]))), Outcome::Fail);
}

#[test]
fn only_every_access_key_allow_counts() {
    // One compliant statement does not excuse another.
    let open = json!({"Effect": "Allow", "Action": ["iam:UpdateAccessKey"], "Resource": "*"});
    assert_eq!(
        run(&policy(json!([tls(json!("true")), open]))),
        Outcome::Fail
    );
    // A Deny is ignored: it is neither selected nor required to carry the condition.
    let deny = json!({"Effect": "Deny", "Action": "iam:DeleteAccessKey", "Resource": "*"});
    assert_eq!(
        run(&policy(json!([tls(json!("true")), deny.clone()]))),
        Outcome::Pass
    );
    assert_eq!(run(&policy(json!([deny]))), Outcome::Skip);
}

#[test]
fn condition_spelling_is_exact() {
    let if_exists = json!({"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:SecureTransport": "true"}}});
    assert_eq!(run(&policy(json!([if_exists]))), Outcome::Fail);
    let lower = json!({"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*",
        "Condition": {"Bool": {"aws:securetransport": "true"}}});
    assert_eq!(run(&policy(json!([lower]))), Outcome::Fail);
}

#[test]
fn not_relevant_policies_are_skipped() {
    let mut unattached =
        policy(json!([{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"}]));
    if let Value::Object(m) = &mut unattached {
        m.insert("roles", Value::List(vec![]));
    }
    assert_eq!(run(&unattached), Outcome::Skip);
    // The published regex is case-sensitive and knows nothing of wildcards.
    for action in ["iam:*", "iam:createaccesskey", "*"] {
        let p = policy(json!([{"Effect": "Allow", "Action": action, "Resource": "*"}]));
        assert_eq!(run(&p), Outcome::Skip, "{action}");
    }
}

/// Replaces the value at `path` (object keys, or list indices as numbers).
fn set(v: &mut Value, path: &[&str], new: Value) {
    let Some((first, rest)) = path.split_first() else {
        *v = new;
        return;
    };
    let next = match v {
        Value::Object(m) => m.get_mut(first).unwrap(),
        Value::List(l) => &mut l[first.parse::<usize>().unwrap()],
        _ => panic!("cannot descend into {v}"),
    };
    set(next, rest, new);
}

#[test]
fn unknown_values_give_unknown() {
    let mut p = policy(json!([tls(json!("placeholder"))]));
    let why = Value::unknown("var.require_tls is known after apply");
    set(
        &mut p,
        &[
            "document",
            "Statement",
            "0",
            "Condition",
            "Bool",
            "aws:SecureTransport",
        ],
        why,
    );
    assert_eq!(
        run(&p),
        Outcome::Unknown("var.require_tls is known after apply".into())
    );
    // An unknown action in the `where` clause: relevance itself is unknown.
    let mut p = policy(json!([{"Effect": "Allow", "Action": "x", "Resource": "*"}]));
    set(
        &mut p,
        &["document", "Statement", "0", "Action"],
        Value::unknown("action from a variable"),
    );
    assert_eq!(run(&p), Outcome::Unknown("action from a variable".into()));
    // Statement 1 decides the `where` clause (`contain` is `true or unknown`), but whether
    // statement 0 must carry the condition stays unknown.
    let mut p = policy(json!([{"Effect": "Allow", "Action": "x", "Resource": "*"},
                              {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"}]));
    set(
        &mut p,
        &["document", "Statement", "0", "Action"],
        Value::unknown("action from a variable"),
    );
    assert_eq!(run(&p), Outcome::Unknown("action from a variable".into()));
}
