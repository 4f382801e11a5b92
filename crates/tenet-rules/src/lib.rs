//! Rules as data. A rule is metadata plus GSL logic; built-in rules ship inside the binary as
//! YAML files under `rules/`, and users add their own with `--rules PATH` (Tenet rule files or
//! CloudGuard ruleset exports). Compilation happens once per scan in [`RuleSet::compile`].

mod cloudguard;
mod meta;
mod ruleset;

pub use meta::{Remediation, RuleMeta, Severity};
pub use ruleset::{CompiledRuleEntry, RuleError, RuleSet, load_path};

/// The YAML text of every built-in rule, in a stable order.
const BUILTIN: &[(&str, &str)] = &[
    (
        "D9.AWS.IAM.67.yaml",
        include_str!("../rules/D9.AWS.IAM.67.yaml"),
    ),
    (
        "TN.AWS.IAM.67.yaml",
        include_str!("../rules/TN.AWS.IAM.67.yaml"),
    ),
    (
        "TN.AWS.IAM.67.INLINE.yaml",
        include_str!("../rules/TN.AWS.IAM.67.INLINE.yaml"),
    ),
];

/// The functions rules may call: GSL's standard library plus Tenet's documented extensions
/// (`docs/gsl-extensions.md`). Every place that compiles rules uses this registry, so user rules
/// can call the extensions too.
pub fn functions() -> gsl::FunctionRegistry {
    let mut r = gsl::FunctionRegistry::standard();
    tenet_iam::gsl_functions::register(&mut r);
    r
}

/// Notes (warnings that do not change a verdict) that extension functions recorded on this
/// thread since the last call. The scan driver takes them after each evaluation.
pub fn take_function_notes() -> Vec<String> {
    tenet_iam::gsl_functions::take_notes()
}

/// Two rules with one intent judged two ways; reports show both verdicts when they disagree on
/// an entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counterpart {
    pub rule: &'static str,
    /// How reports name this rule's verdict.
    pub label: &'static str,
    pub other: &'static str,
    pub other_label: &'static str,
    /// Why this rule passes when it does (shown when the other rule does not).
    pub pass_note: &'static str,
    /// Why this rule skips when it does.
    pub skip_note: &'static str,
}

/// The built-in counterparts: each Tenet IAM-aware rule and the CloudGuard rule it refines.
pub const COUNTERPARTS: &[Counterpart] = &[Counterpart {
    rule: "TN.AWS.IAM.67",
    label: "IAM-aware",
    other: "D9.AWS.IAM.67",
    other_label: "CloudGuard-compatible",
    pass_note: "every access-key action it grants requires TLS as IAM evaluates the policy",
    skip_note: "it grants no access-key action (wildcards, NotAction and resource scope considered)",
}];

/// Metadata of every built-in rule.
pub fn builtin() -> Result<Vec<RuleMeta>, RuleError> {
    BUILTIN
        .iter()
        .map(|(name, text)| meta::parse_tenet_yaml(text, &format!("<builtin>/{name}")))
        .collect::<Result<Vec<Vec<RuleMeta>>, _>>()
        .map(|v| v.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_compile_with_the_extensions() {
        let metas = builtin().unwrap_or_default();
        let ids: Vec<&str> = metas.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(
            ids,
            ["D9.AWS.IAM.67", "TN.AWS.IAM.67", "TN.AWS.IAM.67.INLINE"]
        );
        let set = RuleSet::compile(metas, Vec::new(), &functions());
        let set = set.unwrap_or_else(|e| unreachable!("{e:?}"));
        let entities: Vec<&str> = set.rules.iter().map(|r| r.meta.entity.as_str()).collect();
        assert_eq!(entities, ["IamPolicy", "IamPolicy", "IamInlinePolicy"]);
        assert!(
            set.rules
                .iter()
                .filter(|r| r.meta.id.starts_with("TN."))
                .all(|r| r.meta.origin == "Tenet"
                    && r.meta.description.contains("HTTPS only")
                    && r.meta.description.contains("Lightsail"))
        );
    }

    #[test]
    fn counterparts_name_builtin_rules() {
        let metas = builtin().unwrap_or_default();
        for c in COUNTERPARTS {
            assert!(metas.iter().any(|m| m.id == c.rule), "{}", c.rule);
            assert!(metas.iter().any(|m| m.id == c.other), "{}", c.other);
        }
    }

    #[test]
    fn registry_has_the_iam_extensions() {
        let r = functions();
        for n in tenet_iam::gsl_functions::NAMES {
            assert!(r.contains(n), "{n}");
        }
    }
}
