//! `tenet scan`: load inputs, evaluate rules, write the report.

use super::{PRODUCED_TYPES, compile_rules, error, warning};
use crate::cli::{ColorChoice, OutputFormat, ScanArgs};
use crate::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use rayon::prelude::*;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use tenet_inventory::Inventory;

/// Files named on the command line, with directories expanded to the `.json` files below them
/// (sorted, so output order is stable).
fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found = Vec::new();
            walk(input, &mut found)
                .map_err(|e| format!("{}: cannot read directory: {e}", input.display()))?;
            found.sort();
            if found.is_empty() {
                return Err(format!(
                    "{}: no .json files in this directory",
                    input.display()
                ));
            }
            files.extend(found);
        } else if input.exists() {
            files.push(input.clone());
        } else {
            return Err(format!("{}: no such file or directory", input.display()));
        }
    }
    Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "json") {
            out.push(path);
        }
    }
    Ok(())
}

pub fn run(args: ScanArgs) -> u8 {
    let Ok(rules) = compile_rules(&args.selection) else {
        return EXIT_ERROR;
    };
    let files = match expand_inputs(&args.inputs) {
        Ok(f) => f,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    let loaded: Vec<_> = files
        .par_iter()
        .map(|f| tenet_sources::load_path(f))
        .collect();
    let mut inventory = Inventory::new();
    let mut input_errors = 0usize;
    for result in loaded {
        match result {
            Ok(inv) => inventory.extend(inv),
            Err(e) => {
                error(&e);
                input_errors += 1;
            }
        }
    }
    for w in rules.unproduced_entity_warnings(PRODUCED_TYPES) {
        warning(w);
    }
    let mut report =
        tenet_findings::scan(&inventory, &rules, &tenet_findings::ScanOptions::default());
    report.inputs = files.iter().map(|f| f.display().to_string()).collect();

    let stdout = std::io::stdout();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let format = match args.format {
        OutputFormat::Text => tenet_report::Format::Text,
        OutputFormat::Json => tenet_report::Format::Json,
    };
    // Warnings go to stderr in every format (machine formats also carry them on stdout).
    for w in &report.warnings {
        warning(w);
    }
    let mut out = BufWriter::new(stdout.lock());
    if let Err(e) = tenet_report::write(&report, format, color, &mut out).and_then(|_| out.flush())
    {
        error(format!("cannot write output: {e}"));
        return EXIT_ERROR;
    }
    if input_errors > 0 {
        EXIT_ERROR
    } else if report.has_failures() {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}
