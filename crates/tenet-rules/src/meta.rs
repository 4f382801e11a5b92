//! Rule metadata and the Tenet rule file format (YAML, one rule or a list of rules).

use crate::ruleset::RuleError;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Severity {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Case-insensitive; CloudGuard exports use `Low`, `High`, ... and sometimes `Info`.
    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "informational" | "info" => Some(Severity::Informational),
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Informational => "Informational",
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
            Severity::Critical => "Critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Severity::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown severity `{s}`: expected Informational, Low, Medium, High or Critical"
            ))
        })
    }
}

/// How to fix a finding, per channel.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub console: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terraform: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cli: Option<String>,
    /// Free text (CloudGuard exports carry one remediation string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Everything known about a rule except its compiled form.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    #[serde(default)]
    pub category: String,
    /// Entity type; filled from the logic when absent.
    #[serde(default)]
    pub entity: String,
    /// Who defined the rule (`CloudGuard`, `Tenet`, a ruleset name).
    #[serde(default)]
    pub origin: String,
    pub logic: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub notes: Vec<String>,
    #[serde(default)]
    pub frameworks: Vec<String>,
    /// One-line fix shown under each finding; `{statements}` is replaced by the offending
    /// statements ("statement 1 (Sid Keys)").
    #[serde(default)]
    pub fix: Option<String>,
    /// Name of the automatic fixer that applies, if any.
    #[serde(default)]
    pub fixer: Option<String>,
    #[serde(default)]
    pub remediation: Remediation,
    #[serde(default)]
    pub references: Vec<String>,
    /// CloudGuard's compliance tag (section reference inside a ruleset), kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compliance_tag: Option<String>,
    /// Where the rule was loaded from (`<builtin>/...` or a file path).
    #[serde(skip_deserializing)]
    pub source: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(Box<RuleMeta>),
    Many(Vec<RuleMeta>),
}

/// Parses a Tenet rule file: one rule object or a list of them.
pub(crate) fn parse_tenet_yaml(text: &str, origin: &str) -> Result<Vec<RuleMeta>, RuleError> {
    // Parse to a generic value first so that errors name the line; then map, so that a field
    // error names the field instead of "did not match any variant".
    let value: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(text).map_err(|e| RuleError::yaml(origin, &e))?;
    let rules = match value {
        serde_yaml_ng::Value::Sequence(items) => items
            .into_iter()
            .map(|v| {
                serde_yaml_ng::from_value::<RuleMeta>(v).map_err(|e| RuleError::yaml(origin, &e))
            })
            .collect::<Result<Vec<_>, _>>()?,
        other => match serde_yaml_ng::from_value::<OneOrMany>(other.clone()) {
            Ok(OneOrMany::One(r)) => vec![*r],
            Ok(OneOrMany::Many(v)) => v,
            Err(_) => vec![
                serde_yaml_ng::from_value::<RuleMeta>(other)
                    .map_err(|e| RuleError::yaml(origin, &e))?,
            ],
        },
    };
    Ok(rules
        .into_iter()
        .map(|mut r| {
            r.source = origin.to_string();
            r
        })
        .collect())
}
