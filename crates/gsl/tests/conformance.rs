//! Runs the language-neutral conformance suite in `conformance/gsl/*.yaml` (format: the README
//! there) against this implementation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use gsl::{EvalContext, FunctionRegistry, Value, compile};
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    section: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    #[serde(rename = "ref")]
    reference: String,
    rule: String,
    #[serde(default)]
    entity: Option<serde_json::Value>,
    expect: String,
    #[serde(default)]
    now: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    span: Option<[usize; 2]>,
}

fn suite_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../conformance/gsl")
}

/// Runs one case; `Err` describes the disagreement.
fn run(case: &Case) -> Result<(), String> {
    let registry = FunctionRegistry::standard();
    let compiled = compile(&case.rule, &registry);
    if case.expect == "ERROR" {
        let errs = match compiled {
            Ok(_) => return Err("compiled, expected ERROR".into()),
            Err(e) => e,
        };
        let d = &errs[0];
        if let Some(want) = &case.error
            && !d.message.contains(want.as_str())
        {
            return Err(format!("error `{}` does not contain `{want}`", d.message));
        }
        if let Some([s, e]) = case.span
            && d.span != (s..e)
        {
            return Err(format!("error span {:?}, expected {s}..{e}", d.span));
        }
        return Ok(());
    }
    if case.error.is_some() || case.span.is_some() {
        return Err("`error`/`span` only go with expect: ERROR".into());
    }
    let rule = compiled.map_err(|e| format!("rejected: {}", e[0].render(&case.rule, "rule")))?;
    let cx = match &case.now {
        // A clock far from any date used in the suite, so that a case that forgets `now` but
        // depends on it is noticed.
        None => EvalContext::at_unix(0),
        Some(t) => EvalContext::at_iso(t).ok_or_else(|| format!("bad now `{t}`"))?,
    };
    let entity = Value::from_json(case.entity.as_ref().unwrap_or(&serde_json::json!({})));
    let got = rule.evaluate(&entity, &cx);
    let (explained, _) = rule.explain(&entity, &cx);
    if got != explained {
        return Err(format!("evaluate says {got}, explain says {explained}"));
    }
    if got.label() != case.expect {
        return Err(format!("got {got:?}, expected {}", case.expect));
    }
    Ok(())
}

#[test]
fn conformance_suite() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(suite_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "suite files: {files:?}");
    let mut failures = Vec::new();
    let mut total = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let file: File =
            serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!file.cases.is_empty(), "{}: no cases", path.display());
        for (i, case) in file.cases.iter().enumerate() {
            total += 1;
            assert!(
                matches!(
                    case.expect.as_str(),
                    "PASS" | "FAIL" | "SKIP" | "UNKNOWN" | "ERROR"
                ),
                "{}: case {i}: expect `{}`",
                path.display(),
                case.expect
            );
            if let Err(e) = run(case) {
                failures.push(format!(
                    "{} [{}] case {i} ({}): {}\n    rule: {}",
                    path.file_name().unwrap().to_string_lossy(),
                    file.section,
                    case.reference,
                    e,
                    case.rule
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} conformance cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(total >= 150, "only {total} cases");
}
