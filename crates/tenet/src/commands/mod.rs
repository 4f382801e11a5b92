//! The verbs, one module each; each returns the process exit code. Shared helpers live here.

mod check;
mod explain;
mod fix;
mod fix_iac;
mod live;
mod query;
mod rules;
mod scan;
mod subjects;
mod test;

use crate::cli::{Command, RuleSelection};
use tenet_rules::{RuleMeta, RuleSet};

/// Entity types that Tenet's sources produce today.
pub(crate) const PRODUCED_TYPES: &[&str] = &[
    "IamPolicy",
    "IamUser",
    "IamGroup",
    "IamRole",
    "IamInlinePolicy",
];

pub fn run(cli: crate::cli::Cli) -> u8 {
    match cli.command {
        Command::Scan(a) => scan::run(a),
        Command::Rules(a) => rules::run(a),
        Command::Check(a) => check::run(a),
        Command::Fix(a) => fix::run(a),
        Command::Query(a) => query::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Test(a) => test::run(a),
    }
}

pub(crate) fn error(msg: impl std::fmt::Display) {
    eprintln!("error: {msg}");
}

pub(crate) fn warning(msg: impl std::fmt::Display) {
    eprintln!("warning: {msg}");
}

/// Built-in plus `--rules` metadata, filtered by `--rule`.
pub(crate) fn select_rules(sel: &RuleSelection) -> Result<(Vec<RuleMeta>, Vec<RuleMeta>), ()> {
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

pub(crate) fn compile_rules(sel: &RuleSelection) -> Result<RuleSet, ()> {
    compile_rules_where(sel, |_| true)
}

/// Like [`compile_rules`], keeping only the selected rules for which `keep` holds.
pub(crate) fn compile_rules_where(
    sel: &RuleSelection,
    keep: impl Fn(&RuleMeta) -> bool,
) -> Result<RuleSet, ()> {
    let (mut builtin, mut loaded) = select_rules(sel)?;
    builtin.retain(&keep);
    loaded.retain(&keep);
    RuleSet::compile(builtin, loaded, &tenet_rules::functions()).map_err(|errors| {
        for e in &errors {
            error(e);
        }
    })
}
