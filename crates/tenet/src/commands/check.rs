//! `tenet check`: validate rules and print every error.

use super::error;
use crate::cli::CheckArgs;
use crate::{EXIT_CLEAN, EXIT_ERROR};
use tenet_rules::RuleSet;

pub fn run(args: CheckArgs) -> u8 {
    if args.files.is_empty() && args.logic.is_none() {
        error("nothing to check: give rule files or --logic 'GSL'");
        return EXIT_ERROR;
    }
    let functions = tenet_rules::functions();
    let mut errors = 0usize;
    let mut ok = 0usize;
    if let Some(logic) = &args.logic {
        match gsl::compile(logic, &functions) {
            Ok(_) => ok += 1,
            Err(diags) => {
                for d in diags {
                    eprint!("{}", d.render(logic, "<logic>"));
                    errors += 1;
                }
            }
        }
    }
    for f in &args.files {
        match tenet_rules::load_path(f) {
            Err(e) => {
                error(e);
                errors += 1;
            }
            Ok(metas) => {
                let n = metas.len();
                match RuleSet::compile(Vec::new(), metas, &functions) {
                    Ok(_) => ok += n,
                    Err(es) => {
                        errors += es.len();
                        for e in es {
                            error(e);
                        }
                    }
                }
            }
        }
    }
    println!("{ok} rule(s) valid, {errors} error(s)");
    if errors > 0 { EXIT_ERROR } else { EXIT_CLEAN }
}
