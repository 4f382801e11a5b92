//! Throughput of `tenet scan` (load + D9.AWS.IAM.67 + findings, no output) on a generated export
//! of 100,000 policies, beside plain `serde_json` parsing of the same bytes into a
//! `serde_json::Value`; and the IAM-aware TN.AWS.IAM.67 against D9.AWS.IAM.67 on the same
//! export, with and without loading (`rule_*`: findings only, on the loaded inventory). Run:
//! `cargo bench -p tenet --bench scan`. Set `TENET_BENCH_POLICIES` to change the size.

#![allow(clippy::expect_used)] // a benchmark harness: generated input, failures are bugs to see at once

#[path = "support/generate.rs"]
mod generate;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::Path;

fn bench(c: &mut Criterion) {
    let n = std::env::var("TENET_BENCH_POLICIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let bytes = generate::export(n).into_bytes();
    let only = |id: &str| {
        let metas = tenet_rules::builtin()
            .expect("built-in rules")
            .into_iter()
            .filter(|m| m.id == id)
            .collect();
        tenet_rules::RuleSet::compile(metas, Vec::new(), &tenet_rules::functions())
            .expect("compile built-in rule")
    };
    let rules = only("D9.AWS.IAM.67");
    let tn = only("TN.AWS.IAM.67");

    let mut g = c.benchmark_group(format!("export_{n}_policies"));
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.sample_size(10);
    g.bench_function("serde_json_value_parse", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(&bytes).expect("valid JSON"))
    });
    g.bench_function("tenet_scan", |b| {
        b.iter(|| {
            let inv =
                tenet_sources::gaad::load_bytes(Path::new("bench.json"), &bytes).expect("load");
            tenet_findings::scan(&inv, &rules, &tenet_findings::ScanOptions::default())
        })
    });
    g.bench_function("tenet_scan_tn_aws_iam_67", |b| {
        b.iter(|| {
            let inv =
                tenet_sources::gaad::load_bytes(Path::new("bench.json"), &bytes).expect("load");
            tenet_findings::scan(&inv, &tn, &tenet_findings::ScanOptions::default())
        })
    });
    let inv = tenet_sources::gaad::load_bytes(Path::new("bench.json"), &bytes).expect("load");
    for (name, set) in [("rule_d9_aws_iam_67", &rules), ("rule_tn_aws_iam_67", &tn)] {
        g.bench_function(name, |b| {
            b.iter(|| tenet_findings::scan(&inv, set, &tenet_findings::ScanOptions::default()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
