//! `tenet fix`: turn every FAIL of a rule with the `secure-transport-condition` fixer into an
//! edit of the input file (a unified diff by default, in place with `--write`) or an AWS CLI
//! script (`--format cli`).
//!
//! Findings come from the scan pipeline; each failing entity's document is fixed by
//! `tenet_fix::plan` and written back with format-preserving text edits. Before anything is
//! shown or written, the fixed text is scanned again: a fix that would leave its FAIL, or change
//! the verdict of any other rule, is reported as an error rather than applied.

use super::scan::expand_inputs;
use super::{compile_rules_where, error, warning};
use crate::cli::{FixArgs, FixFormat};
use crate::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use gsl::{Map, Outcome, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tenet_fix::script::{Identity, ScriptItem, ScriptTarget};
use tenet_fix::sites::{Target, find, site_edits, top_values};
use tenet_fix::{FixOptions, Plan, json};
use tenet_inventory::{Inventory, Provenance, Record};
use tenet_rules::RuleSet;

/// The fixer this command implements (rule metadata `fixer:`).
pub(crate) const FIXER: &str = "secure-transport-condition";

/// GSL functions that make a rule IAM-aware: its FAILs include wildcard and NotAction grants.
const IAM_AWARE_FUNCTIONS: [&str; 2] = ["accessKeyGrantsWithoutTls", "accessKeyActionsGranted"];

/// One failing entity and what to do about it.
pub(super) struct EntityFix {
    pub(super) kind: String,
    pub(super) id: String,
    pub(super) rules: Vec<String>,
    pub(super) value: Value,
    pub(super) result: Result<Plan, tenet_fix::Unfixable>,
}

/// What one input file holds.
pub(super) enum Input {
    /// An account export.
    Export,
    /// A single policy document.
    Document,
    /// Infrastructure code: a Terraform module or a CloudFormation template.
    Iac,
}

pub fn run(args: FixArgs) -> u8 {
    let Ok(rules) = compile_rules_where(&args.selection, |r| r.fixer.as_deref() == Some(FIXER))
    else {
        return EXIT_ERROR;
    };
    if rules.rules.is_empty() {
        error(format!(
            "no selected rule has the `{FIXER}` fixer (see `tenet rules`)"
        ));
        return EXIT_ERROR;
    }
    let opts = FixOptions {
        whole_statement: args.whole_statement,
        allow_unsafe: args.r#unsafe,
    };
    if args.live.aws {
        return super::live::fix(&args, &rules, opts);
    }
    let files = match expand_inputs(&args.inputs) {
        Ok(f) => f,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    let mut status = EXIT_CLEAN;
    let mut diffs = String::new();
    let mut script_items = Vec::new();
    let (mut applied, mut skipped, mut unfixable) = (0usize, 0usize, 0usize);
    for file in &files {
        let outcome = if super::fix_iac::is_iac(file) {
            super::fix_iac::fix_unit(file, &rules, opts)
        } else {
            fix_file(file, &rules, opts)
        };
        let done = match outcome {
            Ok(d) => d,
            Err(e) => {
                error(e);
                status = EXIT_ERROR;
                continue;
            }
        };
        for f in &done.entities {
            match &f.result {
                Ok(p) => {
                    for e in &p.edits {
                        eprintln!("{}: {} {}: {e}", file.display(), f.kind, f.id);
                    }
                    for e in &p.skipped {
                        eprintln!(
                            "{}: {} {}: not applied, needs --unsafe: {e}",
                            file.display(),
                            f.kind,
                            f.id
                        );
                    }
                    if p.over_limit() && f.kind == "IamPolicy" {
                        warning(format!(
                            "{}: {} {}: the fixed document has {} characters (excluding whitespace), over the managed-policy limit of {}",
                            file.display(),
                            f.kind,
                            f.id,
                            p.size,
                            tenet_fix::MANAGED_POLICY_LIMIT
                        ));
                    }
                    applied += usize::from(!p.is_empty());
                    skipped += usize::from(!p.skipped.is_empty());
                }
                Err(e) => {
                    unfixable += 1;
                    eprintln!("{}: {} {}: cannot fix: {e}", file.display(), f.kind, f.id);
                }
            }
        }
        match args.format {
            FixFormat::Diff => {
                for c in &done.changes {
                    let name = c.path.display().to_string();
                    diffs.push_str(
                        &similar::TextDiff::from_lines(&c.original, &c.fixed)
                            .unified_diff()
                            .context_radius(3)
                            .header(&format!("a/{name}"), &format!("b/{name}"))
                            .to_string(),
                    );
                    if args.write
                        && let Err(e) = write_atomic(&c.path, &c.fixed)
                    {
                        error(e);
                        status = EXIT_ERROR;
                    }
                }
            }
            FixFormat::Cli => match done.input {
                Input::Export => script_items.extend(done.entities.iter().filter_map(script_item)),
                Input::Document | Input::Iac => {
                    warning(format!(
                        "{}: not account data: no CLI commands for it (use the diff or --write)",
                        file.display()
                    ));
                }
            },
        }
    }
    let mut out = std::io::stdout().lock();
    let written = match args.format {
        FixFormat::Diff if !args.write => out.write_all(diffs.as_bytes()),
        FixFormat::Diff => Ok(()),
        FixFormat::Cli => out.write_all(tenet_fix::script::render(&script_items).as_bytes()),
    };
    if let Err(e) = written.and_then(|_| out.flush()) {
        error(format!("cannot write output: {e}"));
        return EXIT_ERROR;
    }
    eprintln!(
        "{applied} polic{} fixed{}, {skipped} with unsafe edits not applied (--unsafe), {unfixable} that cannot be fixed",
        if applied == 1 { "y" } else { "ies" },
        if args.write || args.format == FixFormat::Cli {
            ""
        } else {
            " in the diff (--write applies it)"
        }
    );
    if status != EXIT_CLEAN {
        return status;
    }
    let pending = !diffs.is_empty() && !args.write && args.format == FixFormat::Diff;
    if pending || skipped > 0 || unfixable > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

pub(super) struct FileFix {
    pub(super) input: Input,
    /// The files the fix changes (an IaC fix may edit several).
    pub(super) changes: Vec<Change>,
    pub(super) entities: Vec<EntityFix>,
}

/// One changed file.
pub(super) struct Change {
    pub(super) path: PathBuf,
    pub(super) original: String,
    pub(super) fixed: String,
}

/// Fixes one file in memory and checks the result by scanning it again.
fn fix_file(path: &Path, rules: &RuleSet, opts: FixOptions) -> Result<FileFix, String> {
    let original = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let input = detect(&original);
    let inventory = load(path, &original, &input)?;
    let entities = plan_fixes(&inventory, rules, opts);

    let syntax =
        |e: json::SyntaxError| format!("{}:{}:{}: {}", path.display(), e.line, e.column, e.message);
    let mut edits = Vec::new();
    let tops = top_values(&original).map_err(syntax)?;
    let mut entities = entities;
    for (offset, slice) in tops {
        let root = json::parse(slice).map_err(|e| {
            syntax(json::SyntaxError {
                line: e.line + original[..offset].matches('\n').count(),
                ..e
            })
        })?;
        for f in entities.iter_mut() {
            let Ok(plan) = &f.result else { continue };
            if plan.is_empty() {
                continue;
            }
            let target = match input {
                Input::Document => Target::Document,
                Input::Export | Input::Iac => match Target::for_entity(&f.kind, &f.id) {
                    Some(t) => t,
                    None => continue,
                },
            };
            let mut failed = None;
            for node in find(&root, &target) {
                match site_edits(slice, node, plan) {
                    Ok(es) => edits.extend(es.into_iter().map(|e| json::TextEdit {
                        start: e.start + offset,
                        end: e.end + offset,
                        with: e.with,
                    })),
                    Err(e) => failed = Some(e),
                }
            }
            if let Some(e) = failed {
                f.result = Err(e);
            }
        }
    }
    let fixed = json::apply_edits(&original, &edits);
    if fixed != original {
        verify(path, &original, &fixed, &input, rules, &entities)?;
    }
    let changes = if fixed == original {
        Vec::new()
    } else {
        vec![Change {
            path: path.to_path_buf(),
            original,
            fixed,
        }]
    };
    Ok(FileFix {
        input,
        changes,
        entities,
    })
}

/// A JSON object with `Statement` and none of an export's lists is a policy document.
fn detect(text: &str) -> Input {
    let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(text) else {
        return Input::Export;
    };
    let export_keys = [
        "UserDetailList",
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
    ];
    if m.contains_key("Statement") && !export_keys.iter().any(|k| m.contains_key(*k)) {
        Input::Document
    } else {
        Input::Export
    }
}

/// The inventory of one file. A policy document becomes one managed policy attached to a
/// placeholder identity, so that the rules about attached policies judge it.
fn load(path: &Path, text: &str, input: &Input) -> Result<Inventory, String> {
    match input {
        Input::Export | Input::Iac => {
            tenet_sources::gaad::load_bytes(path, text.as_bytes()).map_err(|e| e.to_string())
        }
        Input::Document => {
            let (doc, _) = tenet_inventory::json::parse(text, "document")
                .map_err(|e| format!("{}:{}:{}: {e}", path.display(), e.line(), e.column()))?;
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut holder = Map::new();
            holder.insert("name", Value::str("(policy document)"));
            let mut m = Map::new();
            m.insert("name", Value::str(name.as_str()));
            m.insert("arn", Value::str(path.display().to_string()));
            m.insert("isAwsManaged", Value::Bool(false));
            m.insert("users", Value::List(vec![Value::Object(holder)]));
            m.insert("groups", Value::List(Vec::new()));
            m.insert("roles", Value::List(Vec::new()));
            m.insert("document", doc);
            let mut inv = Inventory::new();
            inv.push(Record::from_value(
                "IamPolicy",
                path.display().to_string(),
                name,
                Provenance::File {
                    path: Arc::from(path),
                    line: None,
                    column: None,
                },
                Value::Object(m),
            ));
            Ok(inv)
        }
    }
}

/// Scans `inventory` and plans a fix for every entity that a fixer rule FAILs.
pub(super) fn plan_fixes(
    inventory: &Inventory,
    rules: &RuleSet,
    opts: FixOptions,
) -> Vec<EntityFix> {
    let options = tenet_findings::ScanOptions::default();
    let today =
        tenet_inventory::Date::from_unix(options.context.clone().unwrap_or_default().now_unix());
    let mut report = tenet_findings::scan(inventory, rules, &options);
    // A suppressed FAIL (a `tenet:ignore` comment, CloudFormation Metadata) is accepted: not fixed.
    tenet_findings::apply_suppressions(
        &mut report,
        &tenet_findings::SuppressOptions {
            today,
            config: &[],
            baseline: None,
        },
    );
    for r in report.results.iter().filter(|r| r.suppressed.is_some()) {
        let e = &report.entities[r.entity];
        eprintln!(
            "{} {}: {} is suppressed: not fixed",
            e.kind, e.id, report.rules[r.rule].id
        );
    }
    // (entity index) -> (targets, iam-aware, rule ids)
    let mut failing: BTreeMap<usize, (Vec<usize>, bool, Vec<String>)> = BTreeMap::new();
    for r in report
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Fail && r.suppressed.is_none())
    {
        let meta = &report.rules[r.rule];
        let entry = failing.entry(r.entity).or_default();
        entry.0.extend(r.evidence.iter().filter_map(|e| e.index));
        entry.1 |= IAM_AWARE_FUNCTIONS.iter().any(|f| meta.logic.contains(f));
        entry.2.push(meta.id.clone());
    }
    let mut out = Vec::new();
    for (entity, (targets, iam_aware, rule_ids)) in failing {
        let e = &report.entities[entity];
        let Some(record) = inventory
            .records()
            .iter()
            .find(|r| r.kind == e.kind && r.id == e.id)
        else {
            continue;
        };
        let (value, result) = match record.materialize() {
            Ok(ent) => {
                let doc = ent.value.get("document").cloned().unwrap_or(Value::Null);
                let result = tenet_fix::plan(&doc, &targets, iam_aware, opts);
                (ent.value, result)
            }
            Err(err) => (
                Value::Null,
                Err(tenet_fix::Unfixable(format!(
                    "cannot read the entity: {err}"
                ))),
            ),
        };
        out.push(EntityFix {
            kind: e.kind.clone(),
            id: e.id.clone(),
            rules: rule_ids,
            value,
            result,
        });
    }
    out
}

/// Scans the fixed text: every fully fixed entity passes the fixer rules, and no other verdict
/// of those rules changed from what the fix intends.
fn verify(
    path: &Path,
    original: &str,
    fixed: &str,
    input: &Input,
    rules: &RuleSet,
    entities: &[EntityFix],
) -> Result<(), String> {
    let fail = |why: String| format!("{}: the fix was not applied: {why}", path.display());
    json::parse(fixed)
        .map_err(|e| fail(format!("the fixed text does not parse: {}", e.message)))?;
    let before = load(path, original, input)?;
    let after = load(path, fixed, input).map_err(fail)?;
    compare(&before, &after, rules, entities).map_err(fail)
}

/// Every fully fixed entity of `before` passes in `after`, and no other verdict changed (partly
/// fixed entities may only improve).
pub(super) fn compare(
    before: &Inventory,
    after: &Inventory,
    rules: &RuleSet,
    entities: &[EntityFix],
) -> Result<(), String> {
    let before = tenet_findings::scan(before, rules, &tenet_findings::ScanOptions::default());
    let after = tenet_findings::scan(after, rules, &tenet_findings::ScanOptions::default());
    let outcomes = |r: &tenet_findings::Report| -> BTreeMap<(String, String, String), String> {
        r.results
            .iter()
            .map(|x| {
                let e = &r.entities[x.entity];
                (
                    (r.rules[x.rule].id.clone(), e.kind.clone(), e.id.clone()),
                    x.outcome.label().to_string(),
                )
            })
            .collect()
    };
    let (b, a) = (outcomes(&before), outcomes(&after));
    for (key, was) in &b {
        let now = a.get(key).map(String::as_str).unwrap_or("missing");
        let fixed_here = entities.iter().any(|f| {
            f.kind == key.1
                && f.id == key.2
                && f.result
                    .as_ref()
                    .is_ok_and(|p| !p.is_empty() && p.skipped.is_empty())
        });
        let ok = if was == "FAIL" && fixed_here {
            now == "PASS"
        } else {
            // Partly fixed entities may only improve; others must not change.
            now == was || (was == "FAIL" && now == "PASS")
        };
        if !ok {
            return Err(format!(
                "{} on {} {}: {was} before, {now} after",
                key.0, key.1, key.2
            ));
        }
    }
    Ok(())
}

/// Writes `text` to `path` atomically: a temporary file in the same directory, renamed over it.
pub(super) fn write_atomic(path: &Path, text: &str) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("{}: cannot write: {e}", path.display());
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(fail)?;
    tmp.write_all(text.as_bytes()).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(tmp.path(), meta.permissions()).map_err(fail)?;
    }
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

/// The CLI script entry for a fixed entity of account data.
pub(super) fn script_item(f: &EntityFix) -> Option<ScriptItem> {
    let plan = f.result.as_ref().ok().filter(|p| !p.is_empty())?;
    let names = |key: &str, kind: &str| -> Vec<Identity> {
        f.value
            .get(key)
            .and_then(Value::as_list)
            .unwrap_or_default()
            .iter()
            .filter_map(|i| i.get("name").and_then(Value::as_str))
            .map(|n| Identity {
                kind: kind.into(),
                name: n.into(),
            })
            .collect()
    };
    let target = match f.kind.as_str() {
        "IamPolicy" => {
            let mut attached = names("users", "user");
            attached.extend(names("groups", "group"));
            attached.extend(names("roles", "role"));
            ScriptTarget::Managed {
                arn: f.id.clone(),
                default_version: f
                    .value
                    .get("defaultVersionId")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                attached,
            }
        }
        "IamInlinePolicy" => {
            let ident = f.value.get("identity")?;
            let kind = match ident.get("type").and_then(Value::as_str)? {
                "IamUser" => "user",
                "IamGroup" => "group",
                "IamRole" => "role",
                _ => return None,
            };
            ScriptTarget::Inline {
                identity: Identity {
                    kind: kind.into(),
                    name: ident.get("name").and_then(Value::as_str)?.into(),
                },
                policy: f.value.get("name").and_then(Value::as_str)?.into(),
            }
        }
        _ => return None,
    };
    Some(ScriptItem {
        target,
        rules: f.rules.clone(),
        edits: plan.edits.clone(),
        document: plan.document.clone(),
        size: plan.size,
    })
}
