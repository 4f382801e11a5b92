//! `tenet fix` on infrastructure code: Terraform modules (`.tf` files, a module directory) and
//! CloudFormation templates (JSON, YAML).
//!
//! Each failing entity's plan becomes text edits at the place its source located it
//! (`tenet_fix::hcl`, `tenet_fix::cloudformation`); a Terraform fix may edit several files (a
//! policy document in another file of the module, a `file()` target). Before anything is shown,
//! the edited files must parse and the configuration is scanned again: Terraform from a copy of
//! the module tree with the edits applied (the loader reads modules from disk), CloudFormation
//! from the edited text.

use super::fix::{Change, EntityFix, FileFix, Input, compare, plan_fixes};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use tenet_fix::json::TextEdit;
use tenet_fix::{FixOptions, Unfixable};
use tenet_inventory::{Inventory, Provenance};
use tenet_rules::RuleSet;

/// A Terraform module directory, a `.tf` file, or a CloudFormation template?
pub(super) fn is_iac(path: &Path) -> bool {
    if path.is_dir() || is_tf(path) || is_yaml(path) {
        return true;
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    m.contains_key("AWSTemplateFormatVersion")
        || m.get("Resources")
            .and_then(|r| r.as_object())
            .is_some_and(|r| r.values().any(|v| v.get("Type").is_some()))
}

fn is_tf(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "tf")
}

fn is_yaml(path: &Path) -> bool {
    path.extension()
        .is_some_and(|x| x == "yaml" || x == "yml" || x == "template")
}

/// The file system, for `tenet_fix::hcl`.
struct Disk;

impl tenet_fix::hcl::Files for Disk {
    fn read(&self, path: &Path) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }
    fn tf_files(&self, dir: &Path) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file() && is_tf(p))
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }
}

/// Edits collected per file; an entity whose edit overlaps another entity's (different) edit is
/// not fixed in this run.
#[derive(Default)]
struct Collected(BTreeMap<PathBuf, Vec<TextEdit>>);

impl Collected {
    fn add(&mut self, edits: Vec<(PathBuf, Vec<TextEdit>)>) -> Result<(), Unfixable> {
        for (path, es) in &edits {
            let have = self.0.get(path).map(Vec::as_slice).unwrap_or_default();
            for e in es {
                let clash = have.iter().any(|h| {
                    h != e && h.start < e.end && e.start < h.end
                        || (h.start == h.end && e.start == e.end && h.start == e.start && h != e)
                });
                if clash {
                    return Err(Unfixable(
                        "another fix in this run edits the same text; run `tenet fix` again after applying this one".into(),
                    ));
                }
            }
        }
        for (path, es) in edits {
            let have = self.0.entry(path).or_default();
            for e in es {
                // The same edit from two entities (count instances, a shared document) once.
                if !have.contains(&e) {
                    have.push(e);
                }
            }
        }
        Ok(())
    }
}

/// Fixes one Terraform unit or CloudFormation template in memory and checks the result.
pub(super) fn fix_unit(path: &Path, rules: &RuleSet, opts: FixOptions) -> Result<FileFix, String> {
    let inventory = tenet_sources::load_path(path).map_err(|e| e.to_string())?;
    let mut entities = plan_fixes(&inventory, rules, opts);
    let terraform = path.is_dir() || is_tf(path);
    let template = if terraform {
        None
    } else {
        Some(
            std::fs::read_to_string(path)
                .map_err(|e| format!("{}: cannot read: {e}", path.display()))?,
        )
    };
    let mut collected = Collected::default();
    for f in entities.iter_mut() {
        let Ok(plan) = &f.result else { continue };
        if plan.is_empty() {
            continue;
        }
        let edits = match &template {
            None => terraform_edits(&inventory, f, plan),
            Some(text) => template_edits(path, text, &inventory, f, plan),
        };
        if let Err(e) = edits.and_then(|es| collected.add(es)) {
            f.result = Err(e);
        }
    }
    let mut changes = Vec::new();
    for (p, edits) in &collected.0 {
        let original = match (&template, p == path) {
            (Some(t), true) => t.clone(),
            _ => std::fs::read_to_string(p)
                .map_err(|e| format!("{}: cannot read: {e}", p.display()))?,
        };
        let fixed = tenet_fix::json::apply_edits(&original, edits);
        if fixed != original {
            changes.push(Change {
                path: p.clone(),
                original,
                fixed,
            });
        }
    }
    if !changes.is_empty() {
        verify(path, &inventory, &changes, rules, &entities, terraform)
            .map_err(|why| format!("{}: the fix was not applied: {why}", path.display()))?;
    }
    Ok(FileFix {
        input: Input::Iac,
        changes,
        entities,
    })
}

/// An entity's file, line, column and statement locations.
type Located = (PathBuf, usize, usize, Vec<(String, usize, usize)>);

/// Where the source put the entity: its file and position.
fn site(inventory: &Inventory, f: &EntityFix) -> Result<Located, Unfixable> {
    let record = inventory
        .records()
        .iter()
        .find(|r| r.kind == f.kind && r.id == f.id)
        .ok_or_else(|| Unfixable("the entity is not in the configuration".into()))?;
    match &record.provenance {
        Provenance::File {
            path,
            line: Some(line),
            column: Some(column),
        } => Ok((path.to_path_buf(), *line, *column, record.locations.clone())),
        _ => Err(Unfixable(
            "the source gives no position for the entity".into(),
        )),
    }
}

fn terraform_edits(
    inventory: &Inventory,
    f: &EntityFix,
    plan: &tenet_fix::Plan,
) -> Result<Vec<(PathBuf, Vec<TextEdit>)>, Unfixable> {
    let (file, line, column, _) = site(inventory, f)?;
    if file.extension().is_some_and(|x| x == "json") {
        return Err(Unfixable(
            "the document comes from a Terraform plan; fix the configuration it was planned from"
                .into(),
        ));
    }
    tenet_fix::hcl::fix_resource(&Disk, &file, line, column, plan)
}

fn template_edits(
    path: &Path,
    text: &str,
    inventory: &Inventory,
    f: &EntityFix,
    plan: &tenet_fix::Plan,
) -> Result<Vec<(PathBuf, Vec<TextEdit>)>, Unfixable> {
    let (_, _, _, locations) = site(inventory, f)?;
    // The first located statement of the document tells which document it is.
    let prefix = if f.kind == "IamInlinePolicy" || f.kind == "IamPolicy" {
        "document.Statement"
    } else {
        return Err(Unfixable("not a policy".into()));
    };
    let Some((_, line, column)) = locations.iter().find(|(p, ..)| p.starts_with(prefix)) else {
        return Err(Unfixable(
            "the source gives no position for the document's statements (built by an intrinsic function?)".into(),
        ));
    };
    let edits = if is_yaml(path) {
        tenet_fix::cloudformation::yaml_edits(text, *line, *column, plan)?
    } else {
        tenet_fix::cloudformation::json_edits(text, *line, *column, plan)?
    };
    Ok(vec![(path.to_path_buf(), edits)])
}

/// The edited files parse, and a rescan passes the fixed FAILs with every other outcome as it
/// was.
fn verify(
    path: &Path,
    before: &Inventory,
    changes: &[Change],
    rules: &RuleSet,
    entities: &[EntityFix],
    terraform: bool,
) -> Result<(), String> {
    for c in changes {
        let parsed = if is_tf(&c.path) {
            tenet_fix::hcl::parse(&c.fixed).map(|_| ())
        } else if is_yaml(&c.path) {
            Ok(())
        } else {
            tenet_fix::json::parse(&c.fixed)
                .map(|_| ())
                .map_err(|e| format!("line {}, column {}: {}", e.line, e.column, e.message))
        };
        parsed.map_err(|e| format!("{} does not parse after the fix: {e}", c.path.display()))?;
    }
    let after = if terraform {
        mirror_load(path, changes)?
    } else {
        let fixed = &changes
            .iter()
            .find(|c| c.path == path)
            .ok_or("the template was not edited")?
            .fixed;
        tenet_sources::cloudformation::load_str(path, fixed)
            .map_err(|e| format!("the fixed template does not load: {e}"))?
    };
    compare(before, &after, rules, entities)
}

/// Loads the Terraform unit `path` from a copy of its module tree with `changes` applied.
fn mirror_load(path: &Path, changes: &[Change]) -> Result<Inventory, String> {
    let unit = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    };
    let abs = |p: &Path| std::fs::canonicalize(p).map_err(|e| format!("{}: {e}", p.display()));
    let mut dirs = BTreeSet::new();
    module_dirs(&abs(&unit)?, &mut dirs);
    let mut roots: Vec<PathBuf> = dirs.iter().cloned().collect();
    for c in changes {
        roots.push(
            abs(&c.path)?
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        );
    }
    let base = roots
        .iter()
        .skip(1)
        .fold(roots.first().cloned().unwrap_or_default(), |a, b| {
            common(&a, b)
        });
    let tmp =
        tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    for d in &dirs {
        copy_tree(d, &tmp.path().join(d.strip_prefix(&base).unwrap_or(d)))?;
    }
    for c in changes {
        let a = abs(&c.path)?;
        let to = tmp.path().join(a.strip_prefix(&base).unwrap_or(&a));
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&to, &c.fixed).map_err(|e| format!("{}: {e}", to.display()))?;
    }
    let au = abs(&unit)?;
    let mut target = tmp.path().join(au.strip_prefix(&base).unwrap_or(&au));
    if !path.is_dir()
        && let Some(name) = path.file_name()
    {
        target = target.join(name);
    }
    tenet_sources::load_path(&target)
        .map_err(|e| format!("the fixed configuration does not load: {e}"))
}

/// `dir` and the local modules it calls, recursively.
fn module_dirs(dir: &Path, out: &mut BTreeSet<PathBuf>) {
    if !out.insert(dir.to_path_buf()) {
        return;
    }
    let files = tenet_fix::hcl::Files::tf_files(&Disk, dir);
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let Ok(body) = tenet_fix::hcl::parse(&text) else {
            continue;
        };
        for b in body.get_blocks("module") {
            let Some(src) = b
                .body
                .get_attribute("source")
                .and_then(|a| a.value.as_str())
            else {
                continue;
            };
            if (src.starts_with("./") || src.starts_with("../"))
                && let Ok(d) = std::fs::canonicalize(dir.join(src))
            {
                module_dirs(&d, out);
            }
        }
    }
}

fn common(a: &Path, b: &Path) -> PathBuf {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect()
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let rd = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name();
        if p.is_dir() {
            if name != ".terraform" && name != ".git" {
                copy_tree(&p, &to.join(&name))?;
            }
        } else if p.is_file() {
            std::fs::copy(&p, to.join(&name)).map_err(|e| format!("{}: {e}", p.display()))?;
        }
    }
    Ok(())
}
