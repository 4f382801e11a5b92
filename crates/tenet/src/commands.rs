//! The verbs. Each returns the process exit code.

use crate::cli::{
    CheckArgs, ColorChoice, Command, OutputFormat, RuleSelection, RulesArgs, ScanArgs,
};
use crate::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use rayon::prelude::*;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use tenet_inventory::Inventory;
use tenet_rules::{RuleMeta, RuleSet};

/// Entity types that Tenet's sources produce today.
const PRODUCED_TYPES: &[&str] = &["IamPolicy", "IamUser", "IamGroup", "IamRole"];

pub fn run(cli: crate::cli::Cli) -> u8 {
    match cli.command {
        Command::Scan(a) => scan(a),
        Command::Rules(a) => rules(a),
        Command::Check(a) => check(a),
    }
}

fn error(msg: impl std::fmt::Display) {
    eprintln!("error: {msg}");
}

fn warning(msg: impl std::fmt::Display) {
    eprintln!("warning: {msg}");
}

/// Built-in plus `--rules` metadata, filtered by `--rule`.
fn select_rules(sel: &RuleSelection) -> Result<(Vec<RuleMeta>, Vec<RuleMeta>), ()> {
    let mut failed = false;
    let builtin = if sel.no_builtin {
        Vec::new()
    } else {
        tenet_rules::builtin().map_err(error)?
    };
    let mut loaded = Vec::new();
    for path in &sel.rules {
        match tenet_rules::load_path(path) {
            Ok(r) => loaded.extend(r),
            Err(e) => {
                error(e);
                failed = true;
            }
        }
    }
    if failed {
        return Err(());
    }
    if !sel.only.is_empty() {
        for id in &sel.only {
            if !builtin.iter().chain(&loaded).any(|r| &r.id == id) {
                error(format!("--rule {id}: no such rule (see `tenet rules`)"));
                failed = true;
            }
        }
        if failed {
            return Err(());
        }
    }
    let keep = |r: &RuleMeta| sel.only.is_empty() || sel.only.contains(&r.id);
    Ok((
        builtin.into_iter().filter(keep).collect(),
        loaded.into_iter().filter(keep).collect(),
    ))
}

fn compile_rules(sel: &RuleSelection) -> Result<RuleSet, ()> {
    let (builtin, loaded) = select_rules(sel)?;
    RuleSet::compile(builtin, loaded, &tenet_rules::functions()).map_err(|errors| {
        for e in &errors {
            error(e);
        }
    })
}

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

fn scan(args: ScanArgs) -> u8 {
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

fn rules(args: RulesArgs) -> u8 {
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
    writeln!(
        out,
        "{:<w$}  {:<8}  {:<10}  TITLE",
        "ID", "SEVERITY", "ENTITY"
    )?;
    for r in &set.rules {
        let m = &r.meta;
        writeln!(
            out,
            "{:<w$}  {:<8}  {:<10}  {}",
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

fn check(args: CheckArgs) -> u8 {
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
