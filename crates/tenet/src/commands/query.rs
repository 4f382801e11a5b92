//! `tenet query 'Entity where ...' INPUT...`: list the entities a GSL query selects.

use super::error;
use super::subjects::{load_inputs, subjects};
use crate::cli::QueryArgs;
use crate::{EXIT_CLEAN, EXIT_ERROR};
use gsl::{EvalContext, Outcome};
use std::io::Write;

pub fn run(args: QueryArgs) -> u8 {
    let compiled = match gsl::compile(&args.query, &tenet_rules::functions()) {
        Ok(c) => c,
        Err(diags) => {
            for d in diags {
                eprint!("{}", d.render(&args.query, "<query>"));
            }
            return EXIT_ERROR;
        }
    };
    // A rule with `should` asks a different question (which entities pass); refusing it keeps
    // `query` unambiguous.
    if !compiled.is_query() {
        error("not a query: a query is `Entity where <condition>`, without a `should` part");
        return EXIT_ERROR;
    }
    let inventory = match load_inputs(&args.inputs) {
        Ok(i) => i,
        Err(errors) => {
            errors.iter().for_each(error);
            return EXIT_ERROR;
        }
    };
    let (entities, warnings) = subjects(&inventory, &compiled);
    warnings.iter().for_each(super::warning);
    let cx = EvalContext::new();
    let mut selected = 0usize;
    let mut unknown = 0usize;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut write = || -> std::io::Result<()> {
        for e in &entities {
            match compiled.evaluate(&e.value, &cx) {
                Outcome::Pass => {
                    selected += 1;
                    writeln!(out, "{}\t{}", e.id, e.name)?;
                }
                // Undecidable selections are listed apart: never silently in or out.
                Outcome::Unknown(reason) => {
                    unknown += 1;
                    writeln!(out, "{}\t{}\tUNKNOWN: {reason}", e.id, e.name)?;
                }
                Outcome::Fail | Outcome::Skip => {}
            }
        }
        let unknown_note = if unknown > 0 {
            format!(", {unknown} unknown")
        } else {
            String::new()
        };
        writeln!(
            out,
            "{selected} of {} {} selected{unknown_note}",
            entities.len(),
            compiled.entity_type()
        )
    };
    match write() {
        Ok(()) => EXIT_CLEAN,
        Err(e) => {
            error(format!("cannot write output: {e}"));
            EXIT_ERROR
        }
    }
}
