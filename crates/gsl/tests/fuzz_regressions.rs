//! Replays inputs for the fuzz targets of `fuzz/` (same checks, on stable, in CI): the seed
//! inputs, every input kept in `tests/fuzz_regressions/` (crashes found by fuzzing, once fixed),
//! and hostile shapes written by hand.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use gsl::{EvalContext, FunctionRegistry, Value, compile, parse};
use std::path::{Path, PathBuf};

/// The `parse` target: errors carry spans inside the text; accepted rules print and re-parse to
/// the same tree.
fn parse_target(src: &str) {
    match parse(src) {
        Ok(rule) => {
            let printed = rule.to_string();
            let again = parse(&printed)
                .unwrap_or_else(|e| panic!("printed rule does not parse: {printed:?}: {e:?}"));
            assert_eq!(again.without_spans(), rule.without_spans(), "{printed:?}");
        }
        Err(errs) => {
            for e in errs {
                assert!(e.span.start <= e.span.end && e.span.end <= src.len());
                let _ = e.render(src, "fuzz");
            }
        }
    }
}

/// The `evaluate` target: rule text, NUL, entity JSON; evaluate and explain agree.
fn evaluate_target(text: &str) {
    let (rule, json) = text.split_once('\0').unwrap_or((text, "{}"));
    let Ok(json) = serde_json::from_str::<serde_json::Value>(json) else {
        return;
    };
    let entity = Value::from_json(&json);
    let Ok(compiled) = compile(rule, &FunctionRegistry::standard()) else {
        return;
    };
    let cx = EvalContext::at_unix(1_700_000_000);
    assert_eq!(
        compiled.evaluate(&entity, &cx),
        compiled.explain(&entity, &cx).0,
        "{rule}"
    );
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn seeds_and_kept_inputs_replay() {
    let seeds = root().join("../../fuzz/seeds");
    let kept = root().join("tests/fuzz_regressions");
    let parse_inputs = files(&seeds.join("parse"));
    let eval_inputs = files(&seeds.join("evaluate"));
    assert!(parse_inputs.len() > 50 && eval_inputs.len() > 20);
    for f in parse_inputs.iter().chain(&files(&kept.join("parse"))) {
        let bytes = std::fs::read(f).unwrap();
        if let Ok(s) = std::str::from_utf8(&bytes) {
            parse_target(s);
        }
    }
    for f in eval_inputs.iter().chain(&files(&kept.join("evaluate"))) {
        let bytes = std::fs::read(f).unwrap();
        if let Ok(s) = std::str::from_utf8(&bytes) {
            evaluate_target(s);
        }
    }
}

#[test]
fn hostile_shapes_are_errors_not_crashes() {
    let deep = |open: &str, close: &str, n: usize| {
        format!("X should have {}a{}", open.repeat(n), close.repeat(n))
    };
    for src in [
        deep("(", ")", 10_000),
        deep("a contain [", "]", 10_000),
        deep("[", "]", 10_000),
        deep("not ", "", 10_000),
        deep("(", "", 10_000),
        format!("X should have a{}", " = 1".repeat(10_000)),
        format!("X should have a{}", " with [b]".repeat(10_000)),
        format!(
            "X should have ~getValue({}'a'{})",
            "(".repeat(5_000),
            ")".repeat(5_000)
        ),
        format!("X should have a in ({})", "(".repeat(10_000)),
        "X should have a regexMatch /(((((((((((((((((((((((((a)))))))))))))))))))))))))/".into(),
    ] {
        parse_target(&src);
        evaluate_target(&format!("{src}\0{{\"a\": [1, {{\"b\": 2}}]}}"));
        if let Err(errs) = compile(&src, &FunctionRegistry::standard()) {
            assert!(!errs.is_empty());
        }
    }
}
