//! `tenet explain RULE INPUT... [--entity ID]`: the evaluation trace of a rule on each entity,
//! showing which sub-expression decided the outcome and with which values.

use super::error;
use super::subjects::{load_inputs, resolve_rule, subjects};
use crate::cli::ExplainArgs;
use crate::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use gsl::{EvalContext, Outcome};
use std::io::Write;

pub fn run(args: ExplainArgs) -> u8 {
    let Ok((id, rule)) = resolve_rule(&args.rule, &args.selection) else {
        return EXIT_ERROR;
    };
    let cx = match &args.now {
        None => EvalContext::new(),
        Some(t) => match EvalContext::at_iso(t) {
            Some(cx) => cx,
            None => {
                error(format!(
                    "--now {t}: expected an ISO-8601 date such as 2024-05-01T00:00:00Z"
                ));
                return EXIT_ERROR;
            }
        },
    };
    let inventory = match load_inputs(&args.inputs) {
        Ok(i) => i,
        Err(errors) => {
            errors.iter().for_each(error);
            return EXIT_ERROR;
        }
    };
    let (mut entities, warnings) = subjects(&inventory, &rule);
    warnings.iter().for_each(super::warning);
    if let Some(want) = &args.entity {
        entities.retain(|e| &e.id == want || &e.name == want);
        if entities.is_empty() {
            error(format!(
                "--entity {want}: no {} with this id or name in the inputs",
                rule.entity_type()
            ));
            return EXIT_ERROR;
        }
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failed = false;
    let mut write = || -> std::io::Result<()> {
        writeln!(out, "rule {id}: {}", rule.source().trim())?;
        let mut counts = [0usize; 4];
        for e in &entities {
            let (outcome, trace) = rule.explain(&e.value, &cx);
            let slot = match &outcome {
                Outcome::Fail => 0,
                Outcome::Unknown(_) => 1,
                Outcome::Pass => 2,
                Outcome::Skip => 3,
            };
            counts[slot] += 1;
            let reason = match &outcome {
                Outcome::Unknown(r) => format!(" ({r})"),
                _ => String::new(),
            };
            writeln!(out)?;
            writeln!(out, "{} {} ({}): {outcome}{reason}", e.kind, e.id, e.name)?;
            for step in &trace.steps {
                writeln!(out, "{step}")?;
            }
        }
        failed = counts[0] > 0;
        writeln!(out)?;
        writeln!(
            out,
            "{} entities: {} FAIL, {} UNKNOWN, {} PASS, {} SKIP (=> marks what decided each outcome)",
            entities.len(),
            counts[0],
            counts[1],
            counts[2],
            counts[3]
        )
    };
    match write() {
        Ok(()) if failed => EXIT_FINDINGS,
        Ok(()) => EXIT_CLEAN,
        Err(e) => {
            error(format!("cannot write output: {e}"));
            EXIT_ERROR
        }
    }
}
