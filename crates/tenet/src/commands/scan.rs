//! `tenet scan`: load inputs, evaluate rules, write the report.

use super::{PRODUCED_TYPES, compile_rules_where, error, warning};
use crate::cli::{ColorChoice, ScanArgs};
use crate::config::Config;
use crate::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tenet_findings::{Baseline, SuppressOptions};
use tenet_inventory::{Date, Inventory};
use tenet_report::Format;

/// Progress bars appear from this many files, or records, on (and only on a terminal).
const PROGRESS_FILES: usize = 20;
const PROGRESS_RECORDS: usize = 5_000;

/// Files named on the command line, with directories expanded to the `.json` files below them
/// (sorted, so output order is stable).
pub(crate) fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found = Vec::new();
            walk(input, &mut found)
                .map_err(|e| format!("{}: cannot read directory: {e}", input.display()))?;
            found.sort();
            if found.is_empty() {
                return Err(format!(
                    "{}: no .json, .yaml, .yml, .template or .tf files in this directory",
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

/// Collects inputs below `dir`: a directory holding `.tf` or `.tf.json` files is one Terraform
/// module (loaded
/// as a unit, with nothing else below it); otherwise `.json`, `.yaml`, `.yml` and
/// `.template` files (account exports and CloudFormation templates, told apart by content).
/// Directories named `.terraform` (downloaded providers and modules) are skipped.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        entries.push(entry?.path());
    }
    let is_terraform = |p: &PathBuf| {
        p.is_file()
            && (p.extension().is_some_and(|x| x == "tf")
                || p.to_string_lossy().ends_with(".tf.json"))
    };
    if entries.iter().any(is_terraform) {
        // Local modules below it are loaded through the root that calls them.
        out.push(dir.to_path_buf());
        return Ok(());
    }
    for path in entries {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != ".terraform") {
                walk(&path, out)?;
            }
        } else if path
            .extension()
            .is_some_and(|x| x == "json" || x == "yaml" || x == "yml" || x == "template")
        {
            out.push(path);
        }
    }
    Ok(())
}

/// A progress bar on stderr, when stderr is a terminal and the work is long enough to need one.
fn progress(len: usize, threshold: usize, what: &str) -> Option<ProgressBar> {
    if len < threshold || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) =
        ProgressStyle::with_template(&format!("{{bar:40}} {{pos}}/{{len}} {what} ({{eta}})"))
    {
        bar.set_style(style);
    }
    Some(bar)
}

/// The configuration in force: `--config`, else the nearest tenet.toml (none with
/// `--no-config`).
fn load_config(args: &ScanArgs) -> Result<Config, String> {
    let path = match (&args.config, args.no_config) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => None,
        (None, false) => args.inputs.first().and_then(|i| Config::find(i)),
    };
    match path {
        Some(p) => Config::load(&p),
        None => Ok(Config::default()),
    }
}

fn write_to(path: &Path, report: &tenet_findings::Report, format: Format) -> Result<(), String> {
    let fail = |e: std::io::Error| {
        format!(
            "{}: cannot write {} output: {e}",
            path.display(),
            format.name()
        )
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let file = std::fs::File::create(path).map_err(fail)?;
    let mut out = BufWriter::new(file);
    tenet_report::write(report, format, false, &mut out)
        .and_then(|_| out.flush())
        .map_err(fail)
}

/// Loads every input file (in parallel); errors are reported as they come. Returns the
/// inventory, the number of inputs that could not be loaded, and the inputs' names.
fn load_files(
    inputs: &[PathBuf],
    options: &tenet_sources::LoadOptions,
) -> Result<(Inventory, usize, Vec<String>), String> {
    let files = expand_inputs(inputs)?;
    let bar = progress(files.len(), PROGRESS_FILES, "files");
    let loaded: Vec<_> = files
        .par_iter()
        .map(|f| {
            let r = tenet_sources::load_input(f, options);
            if let Some(b) = &bar {
                b.inc(1);
            }
            r
        })
        .collect();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
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
    let names = files.iter().map(|f| f.display().to_string()).collect();
    Ok((inventory, input_errors, names))
}

pub fn run(args: ScanArgs) -> u8 {
    let config = match load_config(&args) {
        Ok(c) => c,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    // Flags override the configuration.
    let mut selection = args.selection.clone();
    if selection.only.is_empty() {
        selection.only = config.rules.clone();
    }
    let mut rule_files = config.rule_files.clone();
    rule_files.append(&mut selection.rules);
    selection.rules = rule_files;
    selection.no_builtin |= config.no_builtin;
    let min_severity = args.severity.or(config.severity);
    let explicit = &args.selection.only;
    let Ok(rules) = compile_rules_where(&selection, |r| {
        min_severity.is_none_or(|m| r.severity >= m)
            && (explicit.contains(&r.id) || !config.disabled_rules.contains(&r.id))
    }) else {
        return EXIT_ERROR;
    };
    let fail_on = args.fail_on.or(config.fail_on);
    let fail_on_unknown = args.fail_on_unknown || config.fail_on_unknown;
    let format = args
        .format
        .or(config.format.map(|f| f.0))
        .unwrap_or(Format::Text);
    let mut outputs: Vec<(Format, PathBuf)> = config
        .output
        .iter()
        .filter(|(f, _)| !args.outputs.iter().any(|o| o.format == f.0))
        .map(|(f, p)| (f.0, p.clone()))
        .collect();
    outputs.extend(args.outputs.iter().map(|o| (o.format, o.path.clone())));
    let baseline_path = args.baseline.clone().or(config.baseline.clone());
    let baseline = match (&baseline_path, &args.create_baseline) {
        (Some(p), None) => match std::fs::read_to_string(p) {
            Ok(text) => match Baseline::parse(&text, &p.display().to_string()) {
                Ok(b) => Some(b),
                Err(e) => {
                    error(e);
                    return EXIT_ERROR;
                }
            },
            Err(e) => {
                error(format!("{}: cannot read baseline: {e}", p.display()));
                return EXIT_ERROR;
            }
        },
        _ => None,
    };

    let (inventory, input_errors, inputs) = if args.live.aws {
        match super::live::read(&args.live, args.save_export.as_deref()) {
            Ok((_, account)) => {
                let origin = tenet_live::read::origin(account.account_id.as_deref());
                (account.inventory, 0, vec![origin])
            }
            Err(e) => {
                error(e);
                return EXIT_ERROR;
            }
        }
    } else {
        let load = tenet_sources::LoadOptions {
            var_files: args.var_files.clone(),
        };
        match load_files(&args.inputs, &load) {
            Ok(x) => x,
            Err(e) => {
                error(e);
                return EXIT_ERROR;
            }
        }
    };
    for w in rules.unproduced_entity_warnings(PRODUCED_TYPES) {
        warning(w);
    }
    let bar = progress(inventory.records().len(), PROGRESS_RECORDS, "entities");
    let options = tenet_findings::ScanOptions {
        progress: bar
            .clone()
            .map(|b| -> tenet_findings::Progress { Arc::new(move |n| b.inc(n)) }),
        ..tenet_findings::ScanOptions::default()
    };
    let today = Date::from_unix(options.context.clone().unwrap_or_default().now_unix());
    let mut report = tenet_findings::scan(&inventory, &rules, &options);
    // The report holds what output needs; free the inventory (documents) before writing it.
    drop(inventory);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    report.inputs = inputs;

    let mut created = None;
    if let Some(path) = &args.create_baseline {
        let b = Baseline::from_report(&report);
        if let Err(e) = std::fs::write(path, b.to_json()) {
            error(format!("{}: cannot write baseline: {e}", path.display()));
            return EXIT_ERROR;
        }
        eprintln!(
            "baseline: {} finding(s) written to {}",
            b.findings.len(),
            path.display()
        );
        created = Some((b, path.display().to_string()));
    }
    let read = baseline.zip(baseline_path.map(|p| p.display().to_string()));
    let scoped = config.suppressions();
    tenet_findings::apply_suppressions(
        &mut report,
        &SuppressOptions {
            today,
            config: &scoped,
            baseline: created
                .as_ref()
                .or(read.as_ref())
                .map(|(b, p)| (b, p.as_str())),
        },
    );

    let stdout = std::io::stdout();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    // Warnings go to stderr in every format (machine formats also carry them).
    for w in &report.warnings {
        warning(w);
    }
    let mut output_errors = 0usize;
    for (f, path) in &outputs {
        if let Err(e) = write_to(path, &report, *f) {
            error(e);
            output_errors += 1;
        }
    }
    let mut out = BufWriter::new(stdout.lock());
    if let Err(e) = tenet_report::write(&report, format, color, &mut out).and_then(|_| out.flush())
    {
        error(format!("cannot write output: {e}"));
        return EXIT_ERROR;
    }
    if input_errors > 0 || output_errors > 0 {
        EXIT_ERROR
    } else if !report.gating(fail_on, fail_on_unknown).is_empty() {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}
