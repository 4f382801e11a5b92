//! Small pieces several formats share, so that they say the same thing the same way.

use tenet_findings::{EntityRef, Evidence, Report, RuleResult};
use tenet_inventory::Provenance;
use tenet_rules::RuleMeta;

/// `path:line:col`, `path:line`, `path`, `live account ...`, or empty for derived entities.
pub fn location(p: &Provenance) -> String {
    match p {
        Provenance::File { path, line, column } => match (line, column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", path.display()),
            (Some(l), None) => format!("{}:{l}", path.display()),
            _ => path.display().to_string(),
        },
        Provenance::Live { account, arn, .. } => {
            format!("live account {}", account.as_deref().unwrap_or(arn))
        }
        Provenance::None => String::new(),
    }
}

/// `path:line:col` of the statement an evidence item names, when its source recorded it.
pub fn evidence_location(p: &Provenance, ev: &Evidence) -> Option<String> {
    match (p, ev.location) {
        (Provenance::File { path, .. }, Some(at)) => {
            Some(format!("{}:{}:{}", path.display(), at.line, at.column))
        }
        _ => None,
    }
}

/// An evidence item's message, followed by where its statement is written when known.
pub fn evidence_line(p: &Provenance, ev: &Evidence) -> String {
    match evidence_location(p, ev) {
        Some(at) => format!("{} ({at})", ev.message),
        None => ev.message.clone(),
    }
}

/// Where a result points for formats with one location per result: the first offending
/// statement whose position the source recorded, else the entity.
pub fn result_provenance(e: &EntityRef, r: &RuleResult) -> Provenance {
    match (&e.provenance, r.evidence.iter().find_map(|ev| ev.location)) {
        (Provenance::File { path, .. }, Some(at)) => Provenance::File {
            path: path.clone(),
            line: Some(at.line),
            column: Some(at.column),
        },
        (p, _) => p.clone(),
    }
}

/// One line per evidence item, or the UNKNOWN reason, or the suppression, for messages.
pub fn message(report: &Report, r: &RuleResult) -> String {
    let p = &report.entities[r.entity].provenance;
    let mut lines: Vec<String> = r.evidence.iter().map(|e| evidence_line(p, e)).collect();
    if let gsl::Outcome::Unknown(reason) = &r.outcome
        && !lines.iter().any(|l| l.contains(reason.as_str()))
    {
        lines.push(format!("unknown: {reason}"));
    }
    if let Some(s) = &r.suppressed {
        lines.push(format!(
            "suppressed ({}): {} [{}]",
            r.outcome.label(),
            s.reason,
            s.origin
        ));
    }
    if lines.is_empty() {
        lines.push(match r.outcome {
            gsl::Outcome::Pass => "passes".to_string(),
            gsl::Outcome::Skip => "not in the rule's scope".to_string(),
            _ => report.rules[r.rule].title.clone(),
        });
    }
    lines.join("\n")
}

/// The one-line fix with the offending statements filled in, when the rule has one.
pub fn fix(rule: &RuleMeta, r: &RuleResult) -> Option<String> {
    let fix = rule.fix.as_ref()?;
    let subjects: Vec<String> = r
        .evidence
        .iter()
        .filter(|e| e.index.is_some())
        .map(|e| e.subject())
        .collect();
    let statements = match subjects.as_slice() {
        [] => "each offending statement".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    Some(fix.replace("{statements}", &statements))
}

/// Remediation snippets by channel, in a fixed order.
pub fn remediations(rule: &RuleMeta) -> Vec<(&'static str, &str)> {
    let r = &rule.remediation;
    [
        ("Console", &r.console),
        ("Terraform", &r.terraform),
        ("CLI", &r.cli),
        ("Remediation", &r.text),
    ]
    .into_iter()
    .filter_map(|(label, text)| text.as_deref().map(|t| (label, t.trim_end())))
    .collect()
}
