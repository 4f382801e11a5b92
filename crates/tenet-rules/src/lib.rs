//! Rules as data. A rule is metadata plus GSL logic; built-in rules ship inside the binary as
//! YAML files under `rules/`, and users add their own with `--rules PATH` (Tenet rule files or
//! CloudGuard ruleset exports). Compilation happens once per scan in [`RuleSet::compile`].

mod cloudguard;
mod meta;
mod ruleset;

pub use meta::{Remediation, RuleMeta, Severity};
pub use ruleset::{CompiledRuleEntry, RuleError, RuleSet, load_path};

/// The YAML text of every built-in rule, in a stable order.
const BUILTIN: &[(&str, &str)] = &[(
    "D9.AWS.IAM.67.yaml",
    include_str!("../rules/D9.AWS.IAM.67.yaml"),
)];

/// The functions rules may call: GSL's standard library plus Tenet's documented extensions.
/// Every place that compiles rules uses this registry, so user rules can call the extensions too.
pub fn functions() -> gsl::FunctionRegistry {
    gsl::FunctionRegistry::standard()
}

/// Metadata of every built-in rule.
pub fn builtin() -> Result<Vec<RuleMeta>, RuleError> {
    BUILTIN
        .iter()
        .map(|(name, text)| meta::parse_tenet_yaml(text, &format!("<builtin>/{name}")))
        .collect::<Result<Vec<Vec<RuleMeta>>, _>>()
        .map(|v| v.into_iter().flatten().collect())
}
