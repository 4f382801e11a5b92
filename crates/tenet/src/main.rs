//! `tenet`: the command line. Parses arguments, wires the pipeline
//! (sources -> inventory -> rules -> findings -> reporters) and maps outcomes to exit codes.

mod cli;
mod commands;
mod config;

use std::process::ExitCode;

/// Exit codes: 0 no finding at or above the threshold, 1 at least one (by default: an
/// unsuppressed FAIL; see `--fail-on`, `--fail-on-unknown`), 2 usage or input error.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let args = match cli::parse() {
        Ok(a) => a,
        Err(code) => return ExitCode::from(code),
    };
    ExitCode::from(commands::run(args))
}
