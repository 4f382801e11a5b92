//! Loading rule files from disk and compiling a set of rules once.

use crate::cloudguard;
use crate::meta::{RuleMeta, parse_tenet_yaml};
use gsl::{CompiledRule, FunctionRegistry};
use std::fmt;
use std::path::Path;

/// A rule that could not be loaded or compiled. `message` is complete and may span several lines
/// (a rendered GSL diagnostic with the rule text and a caret).
#[derive(Clone, Debug, PartialEq)]
pub struct RuleError {
    pub origin: String,
    pub message: String,
}

impl RuleError {
    pub fn new(origin: &str, message: impl Into<String>) -> Self {
        Self {
            origin: origin.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn yaml(origin: &str, e: &serde_yaml_ng::Error) -> Self {
        let at = match e.location() {
            Some(l) => format!("{origin}:{}:{}", l.line(), l.column()),
            None => origin.to_string(),
        };
        Self::new(&at, e.to_string())
    }

    fn json(origin: &str, e: &serde_json::Error) -> Self {
        Self::new(
            &format!("{origin}:{}:{}", e.line(), e.column()),
            e.to_string(),
        )
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.contains('\n') {
            // Rendered diagnostics already name the origin.
            f.write_str(self.message.trim_end())
        } else {
            write!(f, "{}: {}", self.origin, self.message)
        }
    }
}

impl std::error::Error for RuleError {}

/// Loads rule metadata from a file or a directory (every `.yaml`, `.yml` and `.json` file in it,
/// sorted by name). A file is either Tenet rules (YAML/JSON: one rule or a list) or a CloudGuard
/// ruleset export (JSON array of rules, or an object with a `rules` array).
pub fn load_path(path: &Path) -> Result<Vec<RuleMeta>, RuleError> {
    let origin = path.display().to_string();
    if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| RuleError::new(&origin, format!("cannot read directory: {e}")))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension()
                    .and_then(|x| x.to_str())
                    .is_some_and(|x| matches!(x, "yaml" | "yml" | "json"))
            })
            .collect();
        files.sort();
        let mut all = Vec::new();
        for f in files {
            all.extend(load_file(&f)?);
        }
        return Ok(all);
    }
    load_file(path)
}

fn load_file(path: &Path) -> Result<Vec<RuleMeta>, RuleError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| RuleError::new(&origin, format!("cannot read rule file: {e}")))?;
    let is_json =
        path.extension().is_some_and(|x| x == "json") || text.trim_start().starts_with(['[', '{']);
    if is_json {
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| RuleError::json(&origin, &e))?;
        if cloudguard::is_export(&v) {
            return cloudguard::parse_export(v, &origin);
        }
    }
    parse_tenet_yaml(&text, &origin)
}

/// A rule with its compiled logic.
pub struct CompiledRuleEntry {
    pub meta: RuleMeta,
    pub logic: CompiledRule,
}

/// The rules of one scan, each compiled once.
pub struct RuleSet {
    pub rules: Vec<CompiledRuleEntry>,
    /// Non-fatal remarks (a loaded rule replacing a built-in one).
    pub warnings: Vec<String>,
}

impl RuleSet {
    /// Compiles `builtin` and then `loaded` rules. A loaded rule whose id equals a built-in one
    /// replaces it (with a warning); two loaded rules with one id are an error. Every failing rule
    /// is reported, not just the first.
    pub fn compile(
        builtin: Vec<RuleMeta>,
        loaded: Vec<RuleMeta>,
        functions: &FunctionRegistry,
    ) -> Result<RuleSet, Vec<RuleError>> {
        let mut warnings = Vec::new();
        let mut errors = Vec::new();
        let mut metas: Vec<RuleMeta> = Vec::new();
        let builtin_count = builtin.len();
        for meta in builtin.into_iter().chain(loaded) {
            match metas.iter().position(|m| m.id == meta.id) {
                Some(i) if i < builtin_count && metas[i].source.starts_with("<builtin>") => {
                    warnings.push(format!(
                        "rule {} from {} replaces the built-in rule of the same id",
                        meta.id, meta.source
                    ));
                    metas[i] = meta;
                }
                Some(i) => errors.push(RuleError::new(
                    &meta.source,
                    format!(
                        "duplicate rule id `{}` (also defined in {})",
                        meta.id, metas[i].source
                    ),
                )),
                None => metas.push(meta),
            }
        }
        let mut rules = Vec::with_capacity(metas.len());
        for mut meta in metas {
            match gsl::compile(&meta.logic, functions) {
                Ok(logic) => {
                    if meta.entity.is_empty() {
                        meta.entity = logic.entity_type().to_string();
                    } else if meta.entity != logic.entity_type() {
                        errors.push(RuleError::new(
                            &meta.source,
                            format!(
                                "rule {}: `entity: {}` does not match the logic, which is about `{}`",
                                meta.id,
                                meta.entity,
                                logic.entity_type()
                            ),
                        ));
                        continue;
                    }
                    rules.push(CompiledRuleEntry { meta, logic });
                }
                Err(diags) => {
                    let origin = format!("{} (rule {})", meta.source, meta.id);
                    for d in diags {
                        errors.push(RuleError::new(&origin, d.render(&meta.logic, &origin)));
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(RuleSet { rules, warnings })
        } else {
            Err(errors)
        }
    }

    /// Warnings for rules about entity types that no input of this scan produces, so that whole
    /// CloudGuard rulesets load without pretending to check what they cannot.
    pub fn unproduced_entity_warnings(&self, produced: &[&str]) -> Vec<String> {
        let mut seen = std::collections::BTreeMap::<&str, usize>::new();
        for r in &self.rules {
            let t = r.logic.entity_type();
            if !produced.contains(&t) {
                *seen.entry(t).or_default() += 1;
            }
        }
        seen.into_iter()
            .map(|(t, n)| {
                format!(
                    "no input produces `{t}`; {n} rule{} about it will not apply",
                    if n == 1 { "" } else { "s" }
                )
            })
            .collect()
    }
}
