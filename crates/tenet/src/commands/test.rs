//! `tenet test DIR...`: rule fixtures. Each `spec.yaml` names a rule and cases (an input and the
//! expected outcome per entity id); the command prints one table row per expectation and exits 1
//! when any outcome differs.
//!
//! ```yaml
//! rule: D9.AWS.IAM.67          # a built-in id, or an id from `rules:`
//! rules: my-rules.yaml         # optional: rule file or directory, relative to the spec
//! now: 2024-05-01T00:00:00Z    # optional: the clock of before()/after()
//! cases:
//!   - input: action_list_fail.json            # relative to the spec
//!     expect:
//!       "arn:aws:iam::111122223333:policy/P": FAIL   # PASS | FAIL | SKIP | UNKNOWN
//! ```
//!
//! Entities of the input that a case does not list are not checked; a listed id that the input
//! does not produce is a mismatch (`MISSING`).

use super::error;
use super::subjects::{Subject, load_inputs, subjects};
use crate::cli::TestArgs;
use crate::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use gsl::EvalContext;
use serde::Deserialize;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    rule: String,
    #[serde(default)]
    rules: Option<PathBuf>,
    #[serde(default)]
    now: Option<String>,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    input: PathBuf,
    expect: serde_yaml_ng::Mapping,
}

struct Row {
    rule: String,
    input: String,
    entity: String,
    expected: String,
    actual: String,
}

impl Row {
    fn ok(&self) -> bool {
        self.expected == self.actual
    }
}

pub fn run(args: TestArgs) -> u8 {
    let mut specs = Vec::new();
    for d in &args.dirs {
        if let Err(e) = find_specs(d, &mut specs) {
            error(e);
            return EXIT_ERROR;
        }
    }
    if specs.is_empty() {
        error("no spec.yaml found (a fixture directory holds a spec.yaml per rule)");
        return EXIT_ERROR;
    }
    let mut rows = Vec::new();
    let mut broken = false;
    for spec in &specs {
        match run_spec(spec) {
            Ok(r) => rows.extend(r),
            Err(e) => {
                error(format!("{}: {e}", spec.display()));
                broken = true;
            }
        }
    }
    if let Err(e) = print_table(&rows) {
        error(format!("cannot write output: {e}"));
        return EXIT_ERROR;
    }
    if broken {
        EXIT_ERROR
    } else if rows.iter().all(Row::ok) {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    }
}

/// `path` itself if it is a file, else every `spec.yaml` below it (sorted).
fn find_specs(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    if path.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    if !path.is_dir() {
        return Err(format!("{}: no such file or directory", path.display()));
    }
    let mut found = Vec::new();
    walk(path, &mut found)
        .map_err(|e| format!("{}: cannot read directory: {e}", path.display()))?;
    found.sort();
    out.extend(found);
    Ok(())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.file_name().is_some_and(|n| n == "spec.yaml") {
            out.push(path);
        }
    }
    Ok(())
}

fn run_spec(path: &Path) -> Result<Vec<Row>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let spec: Spec = serde_yaml_ng::from_str(&text).map_err(|e| e.to_string())?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let rule = compile(&spec, dir)?;
    let cx = match &spec.now {
        None => EvalContext::new(),
        Some(t) => {
            EvalContext::at_iso(t).ok_or_else(|| format!("now: `{t}` is not an ISO-8601 date"))?
        }
    };
    let mut rows = Vec::new();
    for case in &spec.cases {
        let input = dir.join(&case.input);
        let inventory = load_inputs(std::slice::from_ref(&input)).map_err(|e| e.join("; "))?;
        let (entities, warnings) = subjects(&inventory, &rule);
        if let Some(w) = warnings.first() {
            return Err(format!("{}: {w}", case.input.display()));
        }
        for (k, v) in &case.expect {
            let (Some(id), Some(want)) = (k.as_str(), v.as_str()) else {
                return Err(format!(
                    "{}: expect maps entity ids to PASS, FAIL, SKIP or UNKNOWN",
                    case.input.display()
                ));
            };
            if !matches!(want, "PASS" | "FAIL" | "SKIP" | "UNKNOWN") {
                return Err(format!(
                    "{}: `{want}` for {id}: expected PASS, FAIL, SKIP or UNKNOWN",
                    case.input.display()
                ));
            }
            let actual = entities
                .iter()
                .find(|e: &&Subject| e.id == id)
                .map_or("MISSING", |e| rule.evaluate(&e.value, &cx).label());
            rows.push(Row {
                rule: spec.rule.clone(),
                input: case.input.display().to_string(),
                entity: id.to_string(),
                expected: want.to_string(),
                actual: actual.to_string(),
            });
        }
    }
    Ok(rows)
}

/// The spec's rule: from `rules:` when given (relative to the spec), else a built-in one.
fn compile(spec: &Spec, dir: &Path) -> Result<gsl::CompiledRule, String> {
    let (builtin, loaded) = match &spec.rules {
        Some(p) => (
            Vec::new(),
            tenet_rules::load_path(&dir.join(p)).map_err(|e| e.to_string())?,
        ),
        None => (
            tenet_rules::builtin().map_err(|e| e.to_string())?,
            Vec::new(),
        ),
    };
    let metas: Vec<_> = builtin.into_iter().filter(|m| m.id == spec.rule).collect();
    let loaded: Vec<_> = loaded.into_iter().filter(|m| m.id == spec.rule).collect();
    if metas.is_empty() && loaded.is_empty() {
        return Err(format!("rule `{}` not found", spec.rule));
    }
    let set = tenet_rules::RuleSet::compile(metas, loaded, &tenet_rules::functions()).map_err(
        |errs| {
            errs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        },
    )?;
    set.rules
        .into_iter()
        .next()
        .map(|r| r.logic)
        .ok_or_else(|| format!("rule `{}` not found", spec.rule))
}

fn print_table(rows: &[Row]) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let header = ["RULE", "INPUT", "ENTITY", "EXPECTED", "ACTUAL", "RESULT"];
    let cells = |r: &Row| -> [String; 6] {
        [
            r.rule.clone(),
            r.input.clone(),
            r.entity.clone(),
            r.expected.clone(),
            r.actual.clone(),
            if r.ok() { "ok" } else { "MISMATCH" }.to_string(),
        ]
    };
    let mut widths = header.map(str::len);
    for r in rows {
        for (w, c) in widths.iter_mut().zip(cells(r)) {
            *w = (*w).max(c.len());
        }
    }
    let line = |out: &mut dyn Write, cols: [String; 6]| -> std::io::Result<()> {
        let mut s = String::new();
        for (i, (c, w)) in cols.iter().zip(widths).enumerate() {
            if i + 1 == cols.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  "));
            }
        }
        writeln!(out, "{}", s.trim_end())
    };
    line(&mut out, header.map(String::from))?;
    for r in rows {
        line(&mut out, cells(r))?;
    }
    let failed = rows.iter().filter(|r| !r.ok()).count();
    writeln!(
        out,
        "{} expectation(s): {} passed, {failed} failed",
        rows.len(),
        rows.len() - failed
    )
}
