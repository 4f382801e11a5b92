//! One test per line of docs/gsl.md: a rule, an entity, the exact outcome.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use gsl::{EvalContext, FunctionRegistry, Outcome, Value, compile};
use serde_json::{Value as Json, json};

/// 2024-01-15T00:00:00Z
const NOW: i64 = 1_705_276_800;

fn eval(rule: &str, entity: Json) -> Outcome {
    let r = compile(rule, &FunctionRegistry::standard())
        .unwrap_or_else(|d| panic!("{}", d[0].render(rule, "rule")));
    let e = Value::from_json(&entity);
    let cx = EvalContext::at_unix(NOW);
    let fast = r.evaluate(&e, &cx);
    assert_eq!(fast, r.explain(&e, &cx).0, "explain disagrees on {rule}");
    fast
}

use Outcome::{Fail, Pass, Skip};

fn check(cases: &[(&str, Json, Outcome)]) {
    for (rule, entity, want) in cases {
        assert_eq!(&eval(rule, entity.clone()), want, "{rule} on {entity}");
    }
}

#[test]
fn rule_forms() {
    check(&[
        ("X should have a", json!({"a": 1}), Pass),
        ("X should a", json!({"a": 1}), Pass),
        ("X should not have a", json!({"a": 1}), Fail),
        ("X should not a", json!({}), Pass),
        ("X where b should have a", json!({"a": 1}), Skip),
        ("X where b should have a", json!({"a": 1, "b": 1}), Pass),
        ("X should fail", json!({}), Fail),
        ("X where b should fail", json!({}), Skip),
        ("X where b = 1", json!({"b": 1}), Pass),
        ("X where b = 1", json!({"b": 2}), Skip),
        (
            "List<X> should have items length() = 2",
            json!({"items": [{}, {}]}),
            Pass,
        ),
        (
            "List<X> should have items with [on = true] length() > 0",
            json!({"items": [{"on": false}]}),
            Fail,
        ),
    ]);
    let agg = compile(
        "List<CloudTrail> should have items",
        &FunctionRegistry::standard(),
    )
    .unwrap();
    assert!(agg.is_aggregate() && !agg.is_query() && agg.entity_type() == "CloudTrail");
    let q = compile(
        "cloudtrail where event.name = 'x'",
        &FunctionRegistry::standard(),
    )
    .unwrap();
    assert!(q.is_query() && !q.is_aggregate() && q.entity_type() == "cloudtrail");
}

#[test]
fn precedence() {
    check(&[
        // or < and < not < postfix
        ("X should have a or b and c", json!({"a": 1}), Pass),
        ("X should have (a or b) and c", json!({"a": 1}), Fail),
        ("X should have not a and b", json!({"b": 1}), Pass),
        (
            "X should have not a = 1 and b",
            json!({"a": 2, "b": 1}),
            Pass,
        ),
        ("X should have not (a and b)", json!({"a": 1}), Pass),
        ("X should have not not a", json!({"a": 1}), Pass),
    ]);
}

#[test]
fn missing_null_and_truthiness() {
    check(&[
        ("X should have a", json!({}), Fail),
        ("X should have a", json!({"a": null}), Fail),
        ("X should have a", json!({"a": false}), Fail),
        ("X should have a", json!({"a": ""}), Fail),
        ("X should have a", json!({"a": []}), Fail),
        ("X should have a", json!({"a": {}}), Fail),
        ("X should have a", json!({"a": 0}), Pass),
        ("X should have a", json!({"a": "false"}), Pass),
        ("X should have a.b", json!({"a": {"b": [1]}}), Pass),
        ("X should have a.b", json!({"a": "b"}), Fail),
        // Comparisons with a missing operand are false; `!=` is `not =`.
        ("X should have a = 1", json!({}), Fail),
        ("X should have a < 1", json!({}), Fail),
        ("X should have a != 1", json!({}), Pass),
        ("X should have a != 1", json!({"a": null}), Pass),
        ("X should have a = b", json!({"a": 1}), Fail),
        ("X should have k != 'null'", json!({}), Pass),
    ]);
}

#[test]
fn segments_are_exact_and_may_contain_colons_and_hyphens() {
    check(&[
        (
            "X should have C.Bool.aws:SecureTransport = 'true'",
            json!({"C": {"Bool": {"aws:SecureTransport": "true"}}}),
            Pass,
        ),
        (
            "X should have C.Bool.aws:SecureTransport = 'true'",
            json!({"C": {"Bool": {"aws:securetransport": "true"}}}),
            Fail,
        ),
        (
            "X should have N.s3:x-amz-acl = 'private'",
            json!({"N": {"s3:x-amz-acl": "private"}}),
            Pass,
        ),
        ("X should have Name", json!({"name": 1}), Fail),
    ]);
}

#[test]
fn loose_equality() {
    check(&[
        ("X should have a = 'true'", json!({"a": true}), Pass),
        ("X should have a = true", json!({"a": "true"}), Pass),
        ("X should have a = true", json!({"a": "True"}), Pass),
        ("X should have a = 1", json!({"a": "1"}), Pass),
        ("X should have a = '1'", json!({"a": 1.0}), Pass),
        ("X should have a = '1.5'", json!({"a": 1.5}), Pass),
        ("X should have a = 'ON'", json!({"a": "on"}), Pass),
        ("X should have a = 'é'", json!({"a": "É"}), Fail),
        ("X should have a = 1", json!({"a": true}), Fail),
        ("X should have a = 1", json!({"a": 1}), Pass),
        ("X should have a = false", json!({"a": false}), Pass),
        ("X should have a = b", json!({"a": "X", "b": "x"}), Pass),
    ]);
}

#[test]
fn ordering_numbers_and_dates() {
    check(&[
        ("X should have a >= 14", json!({"a": 14}), Pass),
        ("X should have a > 14", json!({"a": 14}), Fail),
        ("X should have a < 14", json!({"a": 9}), Pass),
        ("X should have a <= -1", json!({"a": -1}), Pass),
        ("X should have a > 9", json!({"a": "10"}), Pass),
        ("X should have a > 9", json!({"a": "ten"}), Fail),
        (
            "X should have a > b",
            json!({"a": "2024-01-02T00:00:00Z", "b": "2024-01-01T23:00:00-02:00"}),
            Fail,
        ),
        (
            "X should have a > b",
            json!({"a": "2024-01-02T02:00:00Z", "b": "2024-01-01T23:00:00-02:00"}),
            Pass,
        ),
        (
            "X should have a < b",
            json!({"a": "2023-12-31", "b": "2024-01-01"}),
            Pass,
        ),
        ("X should have a > b", json!({"a": "abc", "b": "abb"}), Fail),
        ("X should have a > 1", json!({"a": [5]}), Fail),
    ]);
}

#[test]
fn list_where_a_single_value_is_expected() {
    let acts = json!({"a": ["s3:GetObject", "iam:CreateAccessKey"]});
    check(&[
        (
            "X should have a = 'iam:CreateAccessKey'",
            acts.clone(),
            Pass,
        ),
        (
            "X should have a != 'iam:CreateAccessKey'",
            acts.clone(),
            Fail,
        ),
        ("X should have a != 'x'", acts.clone(), Pass),
        ("X should have a like 'IAM:%'", acts.clone(), Pass),
        (
            "X should have a in ('x', 'S3:GETOBJECT')",
            acts.clone(),
            Pass,
        ),
        ("X should have a regexMatch /AccessKey/", acts.clone(), Pass),
        (
            "X should have a regexMatch /^AccessKey/",
            acts.clone(),
            Fail,
        ),
        ("X should have a = 'x'", json!({"a": []}), Fail),
    ]);
}

#[test]
fn single_value_where_a_list_is_expected() {
    check(&[
        ("X should have a contain [$ = 'x']", json!({"a": "x"}), Pass),
        ("X should have a contain ['x']", json!({"a": "x"}), Pass),
        (
            "X should have a contain [b = 1]",
            json!({"a": {"b": 1}}),
            Pass,
        ),
        (
            "X should have a contain-all [b = 1]",
            json!({"a": {"b": 2}}),
            Fail,
        ),
        ("X should have a length() = 1", json!({"a": {"b": 2}}), Pass),
        // Missing is an empty list.
        ("X should have a contain [$ = 'x']", json!({}), Fail),
        ("X should have a contain-any [$ = 'x']", json!({}), Fail),
        ("X should have a contain-all [$ = 'x']", json!({}), Pass),
        ("X should have a contain-none [$ = 'x']", json!({}), Pass),
        (
            "X should have a with [$ = 'x'] length() = 0",
            json!({}),
            Pass,
        ),
    ]);
}

#[test]
fn like_operator() {
    check(&[
        (
            "X should have n like '%root%'",
            json!({"n": "my-ROOT-user"}),
            Pass,
        ),
        (
            "X should have n like 'root'",
            json!({"n": "root-user"}),
            Fail,
        ),
        (
            "X should have n like 'default'",
            json!({"n": "Default"}),
            Pass,
        ),
        (
            "X should have n like '%root_account%'",
            json!({"n": "<root_account>"}),
            Pass,
        ),
        (
            "X should have n like '%root_account%'",
            json!({"n": "rootXaccount"}),
            Fail,
        ),
        ("X should have n like 'a.c%'", json!({"n": "abc"}), Fail),
        ("X should have n like '%'", json!({"n": ""}), Pass),
        ("X should have n like 'x'", json!({}), Fail),
    ]);
}

#[test]
fn regex_operator() {
    check(&[
        (
            "X should have n regexMatch /^<root_account>$/",
            json!({"n": "<root_account>"}),
            Pass,
        ),
        (
            "X should have n regexMatch /^<root_account>$/",
            json!({"n": "<ROOT_account>"}),
            Fail,
        ),
        (
            "X should have n regexMatch /^<root_account>$/i",
            json!({"n": "<ROOT_account>"}),
            Pass,
        ),
        (
            "X should have n regexMatch /^s3:Put/",
            json!({"n": "s3:PutObject"}),
            Pass,
        ),
        (
            "X should have n regexMatch /s3:\\/x/",
            json!({"n": "s3:/x"}),
            Pass,
        ),
        ("X should have n regexMatch /^1/", json!({"n": 10}), Pass),
    ]);
}

#[test]
fn in_operator() {
    check(&[
        (
            "X should have p in ('TCP','ALL')",
            json!({"p": "tcp"}),
            Pass,
        ),
        (
            "X should have p in ('TCP','ALL')",
            json!({"p": "UDP"}),
            Fail,
        ),
        ("X should have p in (22, 80)", json!({"p": "80"}), Pass),
        ("X should have p in ('7')", json!({"p": 7}), Pass),
        ("X should have p in ('7')", json!({}), Fail),
        (
            "X should have not ~getValue('accountNumber') in (P.AWS split(':'))",
            json!({"accountNumber": "123", "P": {"AWS": "arn:aws:iam::999:root"}}),
            Pass,
        ),
        (
            "X should have ~getValue('accountNumber') in (P.AWS split(':'))",
            json!({"accountNumber": "123", "P": {"AWS": ["arn:aws:iam::999:root", "arn:aws:iam::123:root"]}}),
            Pass,
        ),
    ]);
}

#[test]
fn collection_operators() {
    let l = json!({"s": [{"e": "Allow", "n": 1}, {"e": "Deny", "n": 2}]});
    check(&[
        ("X should have s contain [e = 'Deny']", l.clone(), Pass),
        ("X should have s contain-any [e = 'x']", l.clone(), Fail),
        ("X should have s contain-all [n > 0]", l.clone(), Pass),
        ("X should have s contain-all [n > 1]", l.clone(), Fail),
        ("X should have s contain-none [n > 2]", l.clone(), Pass),
        ("X should have s contain-none [n > 1]", l.clone(), Fail),
        (
            "X should have s contain-all [n > 1]",
            json!({"s": []}),
            Pass,
        ),
        (
            "X should have s contain-none [n > 1]",
            json!({"s": []}),
            Pass,
        ),
        ("X should have s with [e = 'Allow']", l.clone(), Pass),
        ("X should have s with [e = 'x']", l.clone(), Fail),
        (
            "X should have s with [e = 'Allow'] contain-all [n = 1]",
            l.clone(),
            Pass,
        ),
        (
            "X should have s with [n > 0] contain-all [n = 1]",
            l.clone(),
            Fail,
        ),
        ("X should have s with [n > 0] length() = 2", l.clone(), Pass),
        ("X should have s with [n > 5] isEmpty()", l.clone(), Pass),
        (
            "X should have s with [n > 0] with [e = 'Deny'] length() = 1",
            l.clone(),
            Pass,
        ),
        // `with [P] where Q` refines the filter.
        (
            "X should have s with [n > 0] where e = 'Deny'",
            l.clone(),
            Pass,
        ),
        (
            "X should have s with [n > 1] where e = 'Allow'",
            l.clone(),
            Fail,
        ),
        // Nested predicates and `$`.
        (
            "X should have t contain [$ = 'a'] and t contain-none [$ = 'z']",
            json!({"t": ["a", "b"]}),
            Pass,
        ),
        (
            "X should have g contain [m contain-any [$ in ('allUsers')]]",
            json!({"g": [{"m": ["x"]}, {"m": ["allUsers"]}]}),
            Pass,
        ),
        // `~` reads the entity from inside a predicate.
        (
            "X should have s contain [n = ~want]",
            json!({"want": 2, "s": [{"n": 1}, {"n": 2}]}),
            Pass,
        ),
    ]);
}

#[test]
fn group_by() {
    let items = json!({"items": [{"c": "a"}, {"c": "b"}, {"c": "a"}]});
    check(&[
        (
            "List<X> should have items groupBy [c] length() = 2",
            items.clone(),
            Pass,
        ),
        (
            "List<X> should have items groupBy [c] contain [key = 'a' and values length() = 2]",
            items.clone(),
            Pass,
        ),
        (
            "List<X> should have items groupBy [c] contain-all [values length() > 1]",
            items,
            Fail,
        ),
    ]);
}

#[test]
fn functions() {
    check(&[
        ("X should have a isEmpty()", json!({}), Pass),
        ("X should have a isEmpty()", json!({"a": ""}), Pass),
        ("X should have a isEmpty()", json!({"a": [0]}), Fail),
        ("X should have a length() = 3", json!({"a": "abc"}), Pass),
        (
            "X should have t after(-24, 'hours')",
            json!({"t": "2024-01-14T12:00:00Z"}),
            Pass,
        ),
        (
            "X should have t after (-24, 'hours')",
            json!({"t": "2024-01-13T12:00:00Z"}),
            Fail,
        ),
        (
            "X should have t before(-90, 'days')",
            json!({"t": "2023-01-01T00:00:00Z"}),
            Pass,
        ),
        (
            "X should have t before(30, 'days')",
            json!({"t": "2024-03-01T00:00:00Z"}),
            Fail,
        ),
        ("X should have t before(1, 'minutes')", json!({}), Fail),
        (
            "X should have s split(',') length() = 3",
            json!({"s": "a,b,c"}),
            Pass,
        ),
        (
            "X should have $ getValue('a.b') = 1",
            json!({"a": {"b": 1}}),
            Pass,
        ),
        (
            "X should have ip isPublic()",
            json!({"ip": "8.8.8.0/24"}),
            Pass,
        ),
        (
            "X should have ip isPublic()",
            json!({"ip": "10.0.0.0/8"}),
            Fail,
        ),
        (
            "X should have ip numberOfHosts() > 256",
            json!({"ip": "10.0.0.0/23"}),
            Pass,
        ),
        (
            "X should have ip numberOfHosts() > 256",
            json!({"ip": "sg-1234"}),
            Fail,
        ),
        (
            "X should have r allowedHostsForPort(22) >= 4294967296",
            json!({"r": [{"destinationPort": 22, "destinationPortTo": 22, "source": "*"}]}),
            Pass,
        ),
        (
            "X should have f isFilterPatternEqual('{ ($.a = 1) || ($.b = 2) }')",
            json!({"f": "{($.b=2)||($.a=1)}"}),
            Pass,
        ),
    ]);
}

#[test]
fn three_valued_logic() {
    let u = |why: &str| Value::unknown(why);
    let mut m = gsl::Map::new();
    m.insert("u", u("known after apply"));
    m.insert("t", Value::Bool(true));
    m.insert("f", Value::Bool(false));
    m.insert("l", Value::List(vec![Value::from("x"), u("elem")]));
    let e = Value::Object(m);
    let cx = EvalContext::at_unix(NOW);
    let reg = FunctionRegistry::standard();
    let unk = |r: &str| Outcome::Unknown(r.into());
    for (rule, want) in [
        ("X should have f and u", Fail),
        ("X should have u and f", Fail),
        ("X should have t or u", Pass),
        ("X should have u or t", Pass),
        ("X should have t and u", unk("known after apply")),
        ("X should have f or u", unk("known after apply")),
        ("X should have not u", unk("known after apply")),
        ("X should have u = 1", unk("known after apply")),
        ("X should have u.deeper = 1", unk("known after apply")),
        ("X should have u isEmpty()", unk("known after apply")),
        ("X where u should have t", unk("known after apply")),
        ("X should have l contain [$ = 'x']", Pass),
        ("X should have l contain [$ = 'y']", unk("elem")),
        ("X should have l contain-all [$ = 'y']", Fail),
        ("X should have l = 'x'", Pass),
        ("X should fail", Fail),
    ] {
        let r = compile(rule, &reg).unwrap();
        assert_eq!(r.evaluate(&e, &cx), want, "{rule}");
        assert_eq!(r.explain(&e, &cx).0, want, "{rule} (explain)");
    }
}

#[test]
fn evidence_for_scalar_checks_and_should_not() {
    let reg = FunctionRegistry::standard();
    let cx = EvalContext::at_unix(NOW);
    let r = compile("Iam should have passwordPolicy.minPasswordLength>=14", &reg).unwrap();
    let (o, t) = r.explain(
        &Value::from_json(&json!({"passwordPolicy": {"minPasswordLength": 8}})),
        &cx,
    );
    assert_eq!(o, Fail);
    assert!(t.offenders.is_empty());
    assert_eq!(t.checks.len(), 1);
    assert_eq!(t.checks[0].path, "passwordPolicy.minPasswordLength");
    assert_eq!(t.checks[0].test, ">= 14");
    assert_eq!(t.checks[0].actual, Some(Value::Number(8.0)));

    // Under `should not`, the offenders are the elements `contain` accepted.
    let r = compile(
        "SecurityGroup should not have inboundRules contain [port <= 22 and portTo >= 22 and scope numberOfHosts() > 256]",
        &reg,
    )
    .unwrap();
    let sg = json!({"inboundRules": [
        {"port": 22, "portTo": 22, "scope": "10.0.0.0/24"},
        {"port": 0, "portTo": 65535, "scope": "0.0.0.0/0"},
    ]});
    let (o, t) = r.explain(&Value::from_json(&sg), &cx);
    assert_eq!(o, Fail);
    assert_eq!(t.offenders.len(), 1);
    let off = &t.offenders[0];
    assert_eq!((off.path.as_str(), off.index), ("inboundRules[1]", 1));
    assert!(off.failed.is_empty());
    let last = off.matched.last().unwrap();
    assert_eq!(last.path, "inboundRules[1].scope");
    assert_eq!(last.test, "numberOfHosts() > 256");
    assert_eq!(last.actual, Some(Value::Number(4294967296.0)));

    // Bare-path and function checks at top level.
    let r = compile("IamPolicy should have users isEmpty() and kmsKeyId", &reg).unwrap();
    let (o, t) = r.explain(&Value::from_json(&json!({"users": [{"name": "bob"}]})), &cx);
    assert_eq!(o, Fail);
    assert_eq!(t.checks[0].path, "users");
    assert_eq!(t.checks[0].test, "isEmpty()");
    assert_eq!(
        t.checks[0].actual,
        Some(Value::from_json(&json!([{"name": "bob"}])))
    );
    assert!(!t.steps.is_empty());
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let reg = FunctionRegistry::standard();
    for (open, close) in [("(", ")"), ("a contain [", "]")] {
        let src = format!(
            "X should have {}a{}",
            open.repeat(10_000),
            close.repeat(10_000)
        );
        let err = compile(&src, &reg).unwrap_err();
        assert!(
            err[0].message.contains("nested too deeply"),
            "{}",
            err[0].message
        );
    }
    let src = format!("X should have {}", "not ".repeat(10_000) + "a");
    assert!(compile(&src, &reg).is_err());
    let src = format!("X should have a{}", " isEmpty()".repeat(10_000));
    assert!(compile(&src, &reg).is_err());
    // Long flat `and` chains are fine (they are not nested).
    let src = format!("X should have a{}", " and a".repeat(10_000));
    assert_eq!(
        compile(&src, &reg).unwrap().evaluate(
            &Value::from_json(&json!({"a": 1})),
            &EvalContext::at_unix(0)
        ),
        Pass
    );
    // Reasonable nesting evaluates.
    let src = format!("X should have {}a = 1{}", "(".repeat(60), ")".repeat(60));
    assert_eq!(eval(&src, json!({"a": 1})), Pass);
}
