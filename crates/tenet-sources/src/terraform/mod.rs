//! Terraform configurations (HCL) into IAM entities.
//!
//! A directory is one module: its `.tf` and `.tf.json` files (the JSON syntax translated into
//! HCL, see `json_syntax`) are parsed once (with `hcl-edit`, which keeps
//! spans) and evaluated together, with variables from defaults, `terraform.tfvars`,
//! `*.auto.tfvars` and `--var-file` files (later ones win), locals, conditionals, templates and
//! local modules (`source = "./..."`), each module instance evaluated once. Remote modules,
//! attributes known only after apply and unset variables are `Unknown` with the reason.
//!
//! Entity ids are resource addresses (`module.x.aws_iam_policy.y[0]`); entities point at their
//! block, statements at their `statement` block or `jsonencode` element.

mod functions;
mod hcl_eval;
mod json_syntax;
mod module;
pub mod plan;
mod policy_document;
mod resources;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gsl::Value;
use tenet_inventory::{Inventory, Warning};

use crate::SourceError;
use crate::iac::model::Model;
use hcl_eval::{Eval, Op, Resolve, Scope, Unknowns};
use module::{File, Instance, Sources};

/// Resolves nothing: `.tfvars` files hold literal values.
struct Literal(Unknowns);

impl Resolve for Literal {
    fn root(&self, name: &str, ops: &[Op], _: &Scope) -> (Value, usize) {
        (
            Value::unknown(format!("`{name}` cannot be referenced in a .tfvars file")),
            ops.len(),
        )
    }
    fn read_file(&self, _: &str) -> Result<String, String> {
        Err("file() cannot be used in a .tfvars file".into())
    }
    fn unknowns(&self) -> &Unknowns {
        &self.0
    }
}

fn tfvars(path: &Path, into: &mut HashMap<String, Value>) -> Result<(), SourceError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SourceError::new(path, format!("cannot read: {e}")))?;
    let f = File::parse(path, text)?;
    let lit = Literal(Unknowns::default());
    let ev = Eval { r: &lit };
    for a in f.body.attributes() {
        into.insert(
            a.key.value().as_str().to_string(),
            ev.expr(&a.value, &Scope::default()),
        );
    }
    Ok(())
}

/// Loads the module in `dir` (all its `.tf` files, or only `files` when given).
pub fn load_module(
    dir: &Path,
    files: Option<Vec<PathBuf>>,
    var_files: &[PathBuf],
) -> Result<Inventory, SourceError> {
    let mut sources = Sources::default();
    sources.load(dir, files.clone())?;
    let mut inputs = HashMap::new();
    if files.is_none() {
        let mut auto: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.to_string_lossy().ends_with(".auto.tfvars"))
                    .collect()
            })
            .unwrap_or_default();
        auto.sort();
        let main = dir.join("terraform.tfvars");
        if main.is_file() {
            tfvars(&main, &mut inputs)?;
        }
        for p in auto {
            tfvars(&p, &mut inputs)?;
        }
    }
    for p in var_files {
        tfvars(p, &mut inputs)?;
    }
    let Some(root) = sources.get(dir) else {
        return Err(SourceError::new(dir, "no Terraform files"));
    };
    if root.files.is_empty() {
        return Err(sources.errors.first().cloned().unwrap_or_else(|| {
            SourceError::new(dir, "no .tf or .tf.json files in this directory")
        }));
    }
    let unknowns = Unknowns::default();
    let mut model = Model::default();
    for e in &sources.errors {
        model.warnings.push(Warning {
            origin: e.path.display().to_string(),
            line: e.line,
            message: format!("{}; this file is not checked", e.message),
        });
    }
    let inst = Instance::new(root, &sources, String::new(), inputs, &unknowns, 0);
    walk(&inst, &mut model);
    resources::link_by_name(&mut model);
    Ok(model.into_inventory())
}

/// Reads the IAM resources of an instance and of its child module instances.
fn walk(inst: &Instance<'_>, model: &mut Model) {
    resources::Reader { model }.read(inst);
    let mut names: Vec<&str> = inst.modules.keys().copied().collect();
    names.sort_unstable();
    for name in names {
        for (addr, child) in inst.children(name) {
            match child {
                Ok(c) => walk(&c, model),
                Err(why) => {
                    let d = inst.modules.get(name);
                    model.warnings.push(Warning {
                        origin: d.map_or_else(String::new, |d| d.file.path.display().to_string()),
                        line: d.map(|d| d.file.pos_of(d.block).line),
                        message: format!("{addr}: {why}; its IAM resources are not checked"),
                    });
                }
            }
        }
    }
}
