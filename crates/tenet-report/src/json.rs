//! `--format json`: one JSON object on stdout. Field names are a stable interface:
//! `results[]` has one object for every evaluated (rule, entity) pair, PASS and SKIP included,
//! with `rule`, `entity {type, id, name}`, `outcome` and `evidence`; `summary` has the counts.
//! A suppressed FAIL or UNKNOWN has `outcome: SUPPRESSED` and `suppression {kind, reason, origin,
//! originalOutcome, expires?}`.

use serde::Serialize;
use serde_json::{Value as Json, json};
use tenet_findings::{Evidence, Related, Report, RuleResult, Summary};
use tenet_inventory::Provenance;

#[derive(Serialize)]
struct Document<'a> {
    tool: Tool,
    inputs: &'a [String],
    rules: Vec<Json>,
    results: Results<'a>,
    summary: SummaryJson<'a>,
    warnings: &'a [String],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct ResultJson<'a> {
    rule: &'a str,
    severity: &'a str,
    entity: Json,
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    /// Present when `outcome` is `SUPPRESSED`: why, where it is written, and the engine's verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<Json>,
    evidence: &'a [Evidence],
    /// The counterpart rule's verdict on the same entity, when it differs:
    /// `{rule, outcome, summary}` (`summary` shows both verdicts side by side).
    #[serde(skip_serializing_if = "Option::is_none")]
    related: Option<Json>,
}

#[derive(Serialize)]
struct SummaryJson<'a> {
    #[serde(flatten)]
    counts: Summary,
    total: usize,
    entities: usize,
    rules: usize,
    frameworks: std::collections::BTreeMap<&'a str, Summary>,
}

pub fn source_json(p: &Provenance) -> Option<Json> {
    match p {
        Provenance::File { path, line, column } => {
            let mut o = json!({ "file": path.display().to_string() });
            if let Some(l) = line {
                o["line"] = json!(l);
            }
            if let Some(c) = column {
                o["column"] = json!(c);
            }
            Some(o)
        }
        Provenance::Live {
            account,
            arn,
            version_id,
        } => Some(json!({
            "account": account, "arn": arn, "versionId": version_id,
        })),
        Provenance::None => None,
    }
}

/// The results, serialised one at a time as the writer asks for them: building them all as JSON
/// values first would hold a second copy of the report in memory for large scans.
struct Results<'a> {
    report: &'a Report,
    related: Vec<Option<Related>>,
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.report
                .results
                .iter()
                .zip(&self.related)
                .map(|(r, related)| result_json(self.report, r, related.as_ref())),
        )
    }
}

fn result_json<'a>(
    report: &'a Report,
    r: &'a RuleResult,
    related: Option<&Related>,
) -> ResultJson<'a> {
    let e = &report.entities[r.entity];
    let mut entity = json!({ "type": e.kind, "id": e.id, "name": e.name });
    if let Some(src) = source_json(&e.provenance) {
        entity["source"] = src;
    }
    if !e.attached.is_empty() {
        entity["attachedTo"] = json!(e.attached);
    }
    let rule = &report.rules[r.rule];
    ResultJson {
        rule: &rule.id,
        severity: rule.severity.as_str(),
        entity,
        outcome: r.label(),
        reason: match &r.outcome {
            gsl::Outcome::Unknown(reason) => Some(reason),
            _ => None,
        },
        suppression: r.suppressed.as_ref().map(|s| {
            let mut o = json!({
                "kind": s.kind, "reason": s.reason, "origin": s.origin,
                "originalOutcome": r.outcome.label(),
            });
            if let Some(d) = s.expires {
                o["expires"] = json!(d.to_string());
            }
            o
        }),
        evidence: &r.evidence,
        related: related
            .map(|rel| json!({ "rule": rel.rule, "outcome": rel.outcome, "summary": rel.line })),
    }
}

pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let results = Results {
        report,
        related: report.related(),
    };
    let counts = report.summary();
    let doc = Document {
        tool: Tool {
            name: "tenet",
            version: env!("CARGO_PKG_VERSION"),
        },
        inputs: &report.inputs,
        rules: report
            .rules
            .iter()
            .map(|r| {
                json!({
                    "id": r.id, "title": r.title, "severity": r.severity.as_str(),
                    "category": r.category, "entity": r.entity, "frameworks": r.frameworks,
                })
            })
            .collect(),
        results,
        summary: SummaryJson {
            counts,
            total: counts.total(),
            entities: report.entities.len(),
            rules: report.rules.len(),
            frameworks: report.by_framework(),
        },
        warnings: &report.warnings,
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}
