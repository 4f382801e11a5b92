//! `--format sarif`: SARIF 2.1.0 for code-scanning services.
//!
//! One `reportingDescriptor` per rule (title, description, help with remediation, level from
//! severity, frameworks as tags). Results are the findings: FAIL (`kind: fail`), UNKNOWN
//! (`kind: review`) and suppressed ones (with `suppressions`, so services show them as
//! dismissed rather than lose them); PASS and SKIP are not findings and are left out.
//! Locations: the file and region where the entity is written, plus a logical location with the
//! entity id (the ARN) so account data is addressable too. `partialFingerprints` come from
//! [`Report::fingerprint`], which does not move when lines do.

use crate::common;
use serde::Serialize;
use std::collections::BTreeMap;
use tenet_findings::{Report, RuleResult, SuppressionKind};
use tenet_inventory::Provenance;
use tenet_rules::{RuleMeta, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Name of Tenet's fingerprint in `partialFingerprints` (versioned, as SARIF recommends).
pub const FINGERPRINT_KEY: &str = "tenetFinding/v1";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: Vec<Invocation>,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    semantic_version: &'static str,
    rules: Vec<Descriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    id: &'a str,
    name: String,
    short_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text>,
    help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<&'a str>,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    tags: &'a [String],
    /// GitHub code scanning reads this (0.1-10) to rank security findings.
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    severity: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    category: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    kind: &'static str,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    properties: ResultProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties {
    entity_type: String,
    outcome: &'static str,
}

/// SARIF `level` of a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Informational => "note",
    }
}

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Informational => "0.5",
    }
}

/// A URI reference for a path as given: relative paths stay relative (services resolve them
/// against the repository root), absolute ones become `file://` URIs; reserved characters are
/// percent-encoded.
fn uri(path: &std::path::Path) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'/')
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    let text = path.display().to_string().replace('\\', "/");
    let encoded = percent_encoding::utf8_percent_encode(&text, KEEP).to_string();
    if text.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

fn physical(p: &Provenance) -> Option<PhysicalLocation> {
    match p {
        Provenance::File { path, line, column } => Some(PhysicalLocation {
            artifact_location: ArtifactLocation { uri: uri(path) },
            region: line.map(|l| Region {
                start_line: l,
                start_column: *column,
            }),
        }),
        _ => None,
    }
}

/// `SelfServiceAccessKeys` -> `SelfServiceAccessKeys`; SARIF wants rule names in PascalCase.
fn pascal(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn descriptor(rule: &RuleMeta) -> Descriptor<'_> {
    let mut text = String::new();
    let mut markdown = String::new();
    if !rule.description.trim().is_empty() {
        text.push_str(rule.description.trim());
        markdown.push_str(rule.description.trim());
    } else {
        text.push_str(&rule.title);
        markdown.push_str(&rule.title);
    }
    if let Some(fix) = &rule.fix {
        let fix = fix.replace("{statements}", "each offending statement");
        text.push_str(&format!("\n\nFix: {fix}"));
        markdown.push_str(&format!("\n\n**Fix:** {fix}"));
    }
    for (label, snippet) in common::remediations(rule) {
        text.push_str(&format!("\n\n{label}:\n{snippet}"));
        markdown.push_str(&format!("\n\n**{label}:**\n\n```\n{snippet}\n```"));
    }
    Descriptor {
        id: &rule.id,
        name: pascal(&rule.title),
        short_description: Text {
            text: rule.title.clone(),
        },
        full_description: (!rule.description.trim().is_empty()).then(|| Text {
            text: rule.description.trim().to_string(),
        }),
        help: Help { text, markdown },
        help_uri: rule
            .references
            .iter()
            .find(|r| r.starts_with("https://"))
            .map(String::as_str),
        default_configuration: Configuration {
            level: level(rule.severity),
        },
        properties: RuleProperties {
            tags: &rule.frameworks,
            security_severity: security_severity(rule.severity),
            severity: rule.severity.as_str(),
            category: &rule.category,
        },
    }
}

fn result(report: &Report, r: &RuleResult) -> SarifResult {
    let rule = &report.rules[r.rule];
    let entity = &report.entities[r.entity];
    let failed = r.outcome == gsl::Outcome::Fail;
    let mut text = format!("{} {}: {}", entity.kind, entity.name, rule.title);
    let detail = common::message(report, r);
    text.push('\n');
    text.push_str(&detail);
    if let (true, Some(fix)) = (failed, common::fix(rule, r)) {
        text.push_str(&format!("\nFix: {fix}"));
    }
    let physical_location = physical(&common::result_provenance(entity, r));
    let suppressions = r
        .suppressed
        .iter()
        .map(|s| Suppression {
            kind: match s.kind {
                SuppressionKind::Source => "inSource",
                SuppressionKind::Config | SuppressionKind::Baseline => "external",
            },
            status: "accepted",
            justification: format!("{} ({})", s.reason, s.origin),
        })
        .collect();
    SarifResult {
        rule_id: rule.id.clone(),
        rule_index: r.rule,
        // SARIF: a result whose kind is not `fail` has level `none`.
        kind: if failed { "fail" } else { "review" },
        level: if failed { level(rule.severity) } else { "none" },
        message: Text { text },
        locations: vec![Location {
            physical_location,
            logical_locations: vec![LogicalLocation {
                name: entity.name.clone(),
                fully_qualified_name: entity.id.clone(),
                kind: "resource",
            }],
        }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, report.fingerprint(r))]),
        suppressions,
        properties: ResultProperties {
            entity_type: entity.kind.clone(),
            outcome: r.outcome.label(),
        },
    }
}

pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "tenet",
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: report.rules.iter().map(descriptor).collect(),
                },
            },
            invocations: vec![Invocation {
                execution_successful: true,
                tool_execution_notifications: report
                    .warnings
                    .iter()
                    .map(|w| Notification {
                        level: "warning",
                        message: Text { text: w.clone() },
                    })
                    .collect(),
            }],
            results: tenet_findings::findings(report)
                .map(|r| result(report, r))
                .collect(),
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_references_with_reserved_characters_encoded() {
        assert_eq!(uri("examples/a b.json".as_ref()), "examples/a%20b.json");
        assert_eq!(uri("/tmp/x#1.tf".as_ref()), "file:///tmp/x%231.tf");
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(
            pascal("Ensure policy requires SSL/TLS"),
            "EnsurePolicyRequiresSSLTLS"
        );
    }
}
