//! `tenet rules [ID]`: list rules, or show one in full.

use super::{compile_rules, error};
use crate::cli::RulesArgs;
use crate::{EXIT_CLEAN, EXIT_ERROR};
use std::io::Write;
use tenet_rules::{RuleMeta, RuleSet};

pub fn run(args: RulesArgs) -> u8 {
    let Ok(set) = compile_rules(&args.selection) else {
        return EXIT_ERROR;
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = match &args.id {
        None => list_rules(&set, &mut out),
        Some(id) => match set.rules.iter().find(|r| &r.meta.id == id) {
            Some(r) => show_rule(&r.meta, &mut out),
            None => {
                error(format!("no rule `{id}` (see `tenet rules`)"));
                return EXIT_ERROR;
            }
        },
    };
    match result {
        Ok(()) => EXIT_CLEAN,
        Err(e) => {
            error(format!("cannot write output: {e}"));
            EXIT_ERROR
        }
    }
}

fn list_rules(set: &RuleSet, out: &mut dyn Write) -> std::io::Result<()> {
    let w = set
        .rules
        .iter()
        .map(|r| r.meta.id.len())
        .max()
        .unwrap_or(2)
        .max(2);
    let e = set
        .rules
        .iter()
        .map(|r| r.meta.entity.len())
        .max()
        .unwrap_or(6)
        .max(6);
    writeln!(
        out,
        "{:<w$}  {:<8}  {:<e$}  TITLE",
        "ID", "SEVERITY", "ENTITY"
    )?;
    for r in &set.rules {
        let m = &r.meta;
        writeln!(
            out,
            "{:<w$}  {:<8}  {:<e$}  {}",
            m.id,
            m.severity.as_str(),
            m.entity,
            m.title
        )?;
    }
    Ok(())
}

fn show_rule(m: &RuleMeta, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{} - {}", m.id, m.title)?;
    writeln!(
        out,
        "severity: {}\ncategory: {}\nentity: {}\nsource: {}",
        m.severity, m.category, m.entity, m.source
    )?;
    if !m.origin.is_empty() {
        writeln!(out, "origin: {}", m.origin)?;
    }
    writeln!(out, "\nlogic:\n  {}", m.logic.trim())?;
    if !m.description.is_empty() {
        writeln!(out, "\ndescription:\n  {}", m.description.trim())?;
    }
    for n in &m.notes {
        writeln!(out, "note: {}", n.trim())?;
    }
    if !m.frameworks.is_empty() {
        writeln!(out, "\nframeworks ({}):", m.frameworks.len())?;
        for f in &m.frameworks {
            writeln!(out, "  - {f}")?;
        }
    }
    let rem = &m.remediation;
    for (label, text) in [
        ("console", &rem.console),
        ("terraform", &rem.terraform),
        ("cli", &rem.cli),
        ("remediation", &rem.text),
    ] {
        if let Some(t) = text {
            writeln!(out, "\nremediation ({label}):")?;
            for line in t.trim_end().lines() {
                writeln!(out, "  {line}")?;
            }
        }
    }
    Ok(())
}
