//! `--format csv`: one row per evaluated (rule, entity) pair, PASS and SKIP included, for
//! spreadsheets. Columns: rule, severity, title, entity_type, entity_id, entity_name, outcome,
//! original_outcome (the engine's verdict of a SUPPRESSED row), location, frameworks (`; `),
//! message (evidence lines joined with ` | `), suppression (reason and where it is written).

use crate::common;
use tenet_findings::Report;

pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "rule",
        "severity",
        "title",
        "entity_type",
        "entity_id",
        "entity_name",
        "outcome",
        "original_outcome",
        "location",
        "frameworks",
        "message",
        "suppression",
    ])?;
    for r in &report.results {
        let rule = &report.rules[r.rule];
        let e = &report.entities[r.entity];
        let message = match r.outcome {
            gsl::Outcome::Pass | gsl::Outcome::Skip => String::new(),
            _ => common::message(report, r)
                .lines()
                .filter(|l| !l.starts_with("suppressed ("))
                .collect::<Vec<_>>()
                .join(" | "),
        };
        let suppression = r
            .suppressed
            .as_ref()
            .map(|s| format!("{} [{}]", s.reason, s.origin))
            .unwrap_or_default();
        w.write_record([
            rule.id.as_str(),
            rule.severity.as_str(),
            rule.title.as_str(),
            e.kind.as_str(),
            e.id.as_str(),
            e.name.as_str(),
            r.label(),
            r.outcome.label(),
            common::location(&common::result_provenance(e, r)).as_str(),
            rule.frameworks.join("; ").as_str(),
            message.as_str(),
            suppression.as_str(),
        ])?;
    }
    w.flush()
}
