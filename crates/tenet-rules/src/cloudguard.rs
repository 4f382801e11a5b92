//! CloudGuard ruleset exports: a JSON array of rule objects, or an object with a `rules` array
//! (and usually the ruleset `name`, which becomes the rule's framework).

use crate::meta::{Remediation, RuleMeta, Severity};
use crate::ruleset::RuleError;
use serde::Deserialize;
use serde_json::Value as Json;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CgRule {
    #[serde(default)]
    rule_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    logic: String,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    remediation: Option<String>,
    #[serde(default)]
    compliance_tag: Option<String>,
    #[serde(default)]
    category: Option<String>,
}

/// True when `v` looks like a CloudGuard export rather than a Tenet rule file.
pub(crate) fn is_export(v: &Json) -> bool {
    let looks_cg =
        |o: &Json| o.get("logic").is_some() && o.get("title").is_none() && o.get("id").is_none();
    match v {
        Json::Array(items) => items.first().is_some_and(looks_cg),
        Json::Object(o) => o.get("rules").is_some_and(Json::is_array) || looks_cg(v),
        _ => false,
    }
}

pub(crate) fn parse_export(v: Json, origin: &str) -> Result<Vec<RuleMeta>, RuleError> {
    let (ruleset, items) = match v {
        Json::Array(items) => (None, items),
        Json::Object(mut o) => {
            let name = o.get("name").and_then(Json::as_str).map(str::to_string);
            match o.remove("rules") {
                Some(Json::Array(items)) => (name, items),
                Some(_) => {
                    return Err(RuleError::new(
                        origin,
                        "`rules` must be an array of rule objects",
                    ));
                }
                None => (None, vec![Json::Object(o)]),
            }
        }
        _ => {
            return Err(RuleError::new(
                origin,
                "expected a JSON array of rules or an object with a `rules` array",
            ));
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| convert(item, i, ruleset.as_deref(), origin))
        .collect()
}

fn convert(
    item: Json,
    index: usize,
    ruleset: Option<&str>,
    origin: &str,
) -> Result<RuleMeta, RuleError> {
    let at = format!("{origin} (rule #{})", index + 1);
    let r: CgRule = serde_json::from_value(item).map_err(|e| RuleError::new(&at, e.to_string()))?;
    let severity = match r.severity.as_deref() {
        None | Some("") => Severity::Low,
        Some(s) => Severity::parse(s).ok_or_else(|| {
            RuleError::new(
                &at,
                format!(
                    "unknown severity `{s}`: expected Informational, Low, Medium, High or Critical"
                ),
            )
        })?,
    };
    // A rule without a ruleId gets a stable id from its position, so findings stay addressable.
    let id = r
        .rule_id
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| format!("{}#{}", file_stem(origin), index + 1));
    let title = r.name.unwrap_or_else(|| id.clone());
    Ok(RuleMeta {
        id,
        title,
        severity,
        category: r.category.unwrap_or_default(),
        entity: String::new(),
        origin: ruleset.unwrap_or("CloudGuard ruleset").to_string(),
        logic: r.logic,
        description: r.description.unwrap_or_default(),
        notes: Vec::new(),
        frameworks: ruleset.map(|s| vec![s.to_string()]).unwrap_or_default(),
        fix: None,
        fixer: None,
        remediation: Remediation {
            text: r.remediation.filter(|s| !s.trim().is_empty()),
            ..Remediation::default()
        },
        references: Vec::new(),
        compliance_tag: r.compliance_tag.filter(|s| !s.trim().is_empty()),
        source: origin.to_string(),
    })
}

fn file_stem(origin: &str) -> &str {
    let name = origin.rsplit(['/', '\\']).next().unwrap_or(origin);
    name.split('.').next().unwrap_or(name)
}
