//! Evaluation throughput: D9.AWS.IAM.67, compiled once, over 1,000,000 in-memory policy entities
//! (a realistic mix: most policies are about other services, some grant access-key actions with
//! or without TLS, some are unattached, a few have a single-object `Statement` or a string
//! `Action`). Reports entities per second. Run: `cargo bench -p gsl --bench evaluate`; set
//! `GSL_BENCH_ENTITIES` to change the count.

#![allow(clippy::expect_used)] // a benchmark harness: failures are bugs to see at once

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gsl::{EvalContext, FunctionRegistry, Outcome, Value};
use serde_json::json;

const RULE: &str = "IamPolicy where document.Statement contain [Effect='Allow' and Action regexMatch /AccessKey/ ] \
    and not ( roles isEmpty() and users isEmpty() and groups isEmpty()) \
    should have document.Statement with [Effect='Allow' and Action regexMatch /AccessKey/ ] \
    contain-all [Condition.Bool.aws:SecureTransport = 'true']";

/// Policy `i` of the mix (deterministic).
fn policy(i: usize) -> Value {
    let attached = |on: bool| {
        if on {
            json!([{"name": format!("user{i}"), "arn": format!("arn:aws:iam::111122223333:user/user{i}")}])
        } else {
            json!([])
        }
    };
    let s3 = json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket", "s3:PutObject"], "Resource": "*"});
    let ec2 = json!({"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"});
    let keys = json!({"Effect": "Allow", "Action": ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys"], "Resource": "*"});
    let keys_tls = json!({"Effect": "Allow", "Action": ["iam:CreateAccessKey", "iam:UpdateAccessKey"], "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}}});
    let deny = json!({"Effect": "Deny", "Action": "iam:*", "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}});
    let statements = match i % 10 {
        // 60%: other services, several statements.
        0..=5 => {
            json!([s3, ec2, {"Effect": "Allow", "Action": ["logs:PutLogEvents", "logs:CreateLogStream"], "Resource": "*"}])
        }
        // 10%: access keys without TLS (FAIL when attached).
        6 => json!([s3, keys]),
        // 10%: access keys with TLS and a Deny (PASS).
        7 => json!([keys_tls, deny, ec2]),
        // 10%: a single-object Statement, string Action.
        8 => json!({"Effect": "Allow", "Action": "iam:ListAccessKeys", "Resource": "*"}),
        // 10%: mixed, one statement with TLS and one without.
        _ => json!([keys_tls, keys]),
    };
    let v = json!({
        "name": format!("policy-{i}"),
        "arn": format!("arn:aws:iam::111122223333:policy/policy-{i}"),
        "document": {"Version": "2012-10-17", "Statement": statements},
        "users": attached(!i.is_multiple_of(3)),
        "groups": attached(i.is_multiple_of(7)),
        "roles": attached(false),
    });
    Value::from_json(&v)
}

fn bench(c: &mut Criterion) {
    let n = std::env::var("GSL_BENCH_ENTITIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000usize);
    let entities: Vec<Value> = (0..n).map(policy).collect();
    let rule = gsl::compile(RULE, &FunctionRegistry::standard()).expect("rule compiles");
    let cx = EvalContext::at_unix(1_700_000_000);

    // The mix, once, so the benchmark is known to exercise every outcome.
    let mut counts = [0usize; 4];
    for e in &entities {
        counts[match rule.evaluate(e, &cx) {
            Outcome::Pass => 0,
            Outcome::Fail => 1,
            Outcome::Skip => 2,
            Outcome::Unknown(_) => 3,
        }] += 1;
    }
    eprintln!(
        "{n} policies: {} PASS, {} FAIL, {} SKIP, {} UNKNOWN",
        counts[0], counts[1], counts[2], counts[3]
    );

    let mut g = c.benchmark_group("d9_aws_iam_67");
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(10);
    g.bench_function(format!("evaluate_{n}_policies"), |b| {
        b.iter(|| {
            let mut fails = 0usize;
            for e in &entities {
                if rule.evaluate(e, &cx) == Outcome::Fail {
                    fails += 1;
                }
            }
            fails
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
