//! Text for people: each FAIL and UNKNOWN with the rule, the entity, where it comes from, who it
//! is attached to, the offending statements and the fix in one line; then the counts.

use std::io::{self, Write};
use tenet_findings::{Related, Report, RuleResult};
use tenet_inventory::Provenance;

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

pub fn write(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let style = Style { color };
    let related = report.related();
    for (r, related) in report.results.iter().zip(&related) {
        match (&r.suppressed, &r.outcome) {
            (Some(s), _) => {
                let rule = &report.rules[r.rule];
                let entity = &report.entities[r.entity];
                writeln!(
                    out,
                    "{} {} {}: {} ({}, was {})",
                    style.paint("1;34", "SUPPRESSED"),
                    rule.id,
                    entity.name,
                    s.reason,
                    s.origin,
                    r.outcome.label()
                )?;
            }
            (None, gsl::Outcome::Fail | gsl::Outcome::Unknown(_)) => {
                finding(report, r, related.as_ref(), &style, out)?
            }
            _ => {}
        }
    }
    if report.results.iter().any(|r| r.suppressed.is_some()) {
        writeln!(out)?;
    }
    summary(report, &style, out)
}

fn location(p: &Provenance) -> Option<String> {
    match p {
        Provenance::File { path, line, column } => Some(match (line, column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", path.display()),
            (Some(l), None) => format!("{}:{l}", path.display()),
            _ => path.display().to_string(),
        }),
        Provenance::Live {
            account,
            arn,
            version_id,
        } => Some(format!(
            "live account {}{}",
            account.as_deref().unwrap_or(arn),
            version_id
                .as_ref()
                .map(|v| format!(", version {v}"))
                .unwrap_or_default()
        )),
        Provenance::None => None,
    }
}

fn finding(
    report: &Report,
    r: &RuleResult,
    related: Option<&Related>,
    style: &Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    let rule = &report.rules[r.rule];
    let entity = &report.entities[r.entity];
    let label = match r.outcome {
        gsl::Outcome::Fail => style.paint("1;31", "FAIL"),
        _ => style.paint("1;33", "UNKNOWN"),
    };
    writeln!(
        out,
        "{label} {} [{}] {}",
        style.paint("1", &rule.id),
        rule.severity,
        rule.title
    )?;
    let noun = match entity.kind.as_str() {
        "IamPolicy" => "policy",
        "IamUser" => "user",
        "IamGroup" => "group",
        "IamRole" => "role",
        "IamInlinePolicy" => "inline policy",
        other => other,
    };
    if entity.name == entity.id || entity.name.is_empty() {
        writeln!(out, "  {noun}: {}", entity.id)?;
    } else {
        writeln!(out, "  {noun}: {} ({})", entity.name, entity.id)?;
    }
    if let Some(loc) = location(&entity.provenance) {
        writeln!(out, "  source: {loc}")?;
    }
    if !entity.attached.is_empty() {
        let list: Vec<String> = entity
            .attached
            .iter()
            .map(|a| format!("{} {}", a.kind, a.name))
            .collect();
        writeln!(out, "  attached to: {}", list.join(", "))?;
    }
    for ev in &r.evidence {
        writeln!(
            out,
            "  - {}",
            crate::common::evidence_line(&entity.provenance, ev)
        )?;
    }
    // The counterpart rule judged the same entity differently: show both verdicts.
    if let Some(rel) = related {
        writeln!(out, "  {}", rel.line)?;
    }
    if let (gsl::Outcome::Fail, Some(fix)) = (&r.outcome, crate::common::fix(rule, r)) {
        writeln!(out, "  fix: {fix}")?;
    }
    writeln!(out)
}

fn summary(report: &Report, style: &Style, out: &mut dyn Write) -> io::Result<()> {
    let s = report.summary();
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    let fail = format!("{} FAIL", s.fail);
    let suppressed = if s.suppressed > 0 {
        format!(", {} SUPPRESSED", s.suppressed)
    } else {
        String::new()
    };
    writeln!(
        out,
        "{}, {} PASS, {} SKIP, {} UNKNOWN{suppressed} ({}, {}, {})",
        if s.fail > 0 {
            style.paint("1;31", &fail)
        } else {
            fail
        },
        s.pass,
        s.skip,
        s.unknown,
        plural(s.total(), "result"),
        plural(report.rules.len(), "rule"),
        plural(report.entities.len(), "entity").replace("entitys", "entities"),
    )?;
    let failing: Vec<_> = report
        .by_framework()
        .into_iter()
        .filter(|(_, c)| c.fail > 0)
        .collect();
    if !failing.is_empty() {
        writeln!(out, "Compliance frameworks with failures:")?;
        let width = failing.iter().map(|(f, _)| f.len()).max().unwrap_or(0);
        for (f, c) in failing {
            writeln!(out, "  {f:<width$}  {} FAIL, {} PASS", c.fail, c.pass)?;
        }
    }
    Ok(())
}
