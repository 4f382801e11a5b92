//! `--aws`: `tenet scan` and `tenet fix` on a live account through the AWS API (`tenet-live`).

use super::fix::{EntityFix, plan_fixes, script_item};
use super::{error, warning};
use crate::cli::{FixArgs, FixFormat, LiveArgs};
use crate::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use gsl::Value;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::Path;
use tenet_fix::FixOptions;
use tenet_live::apply::{ApplyOptions, PolicyFix, Status};
use tenet_live::{Account, LiveOptions, Session};
use tenet_rules::RuleSet;

/// Connects and reads the account, with a spinner on stderr (only on a terminal) counting pages
/// and entities. With `save`, the merged pages are written there as a standard export.
pub(crate) fn read(args: &LiveArgs, save: Option<&Path>) -> Result<(Session, Account), String> {
    let session = Session::connect(&LiveOptions {
        profile: args.profile.clone(),
        region: args.region.clone(),
        endpoint_url: args.endpoint_url.clone(),
        page_size: None,
    })
    .map_err(|e| e.to_string())?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message("reading the account (GetAccountAuthorizationDetails)");
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    });
    let account = session.read_account(&mut |p| {
        if let Some(b) = &bar {
            b.set_message(format!(
                "reading the account: {} page{}, {} entities",
                p.pages,
                if p.pages == 1 { "" } else { "s" },
                p.entities
            ));
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let account = account.map_err(|e| e.to_string())?;
    if let Some(path) = save {
        std::fs::write(path, &account.export)
            .map_err(|e| format!("{}: cannot write the export: {e}", path.display()))?;
        eprintln!(
            "export: {} page{} of {} written to {}",
            account.pages,
            if account.pages == 1 { "" } else { "s" },
            tenet_live::read::origin(account.account_id.as_deref()),
            path.display()
        );
    }
    Ok((session, account))
}

/// `tenet fix --aws`: plan from the live account, then describe (default), print a CLI script
/// (`--format cli`) or apply (`--apply`), re-read and re-evaluate.
pub(crate) fn fix(args: &FixArgs, rules: &RuleSet, opts: FixOptions) -> u8 {
    let (session, account) = match read(&args.live, None) {
        Ok(x) => x,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    for w in account.inventory.warnings() {
        warning(w);
    }
    let entities = plan_fixes(&account.inventory, rules, opts);
    if args.format == FixFormat::Cli {
        let items: Vec<_> = entities.iter().filter_map(script_item).collect();
        let mut out = std::io::stdout().lock();
        if let Err(e) = out
            .write_all(tenet_fix::script::render(&items).as_bytes())
            .and_then(|_| out.flush())
        {
            error(format!("cannot write output: {e}"));
            return EXIT_ERROR;
        }
        return if items.is_empty() {
            EXIT_CLEAN
        } else {
            EXIT_FINDINGS
        };
    }

    let mut pending = false;
    let mut fixes = Vec::new();
    for f in &entities {
        match (&f.result, f.kind.as_str()) {
            (Err(e), _) => {
                pending = true;
                println!("{}: cannot fix: {e}", f.id);
            }
            (Ok(p), _) if p.is_empty() => {
                pending |= !p.skipped.is_empty();
            }
            (Ok(p), "IamPolicy") => {
                for e in &p.edits {
                    println!("{}: {e}", f.id);
                }
                for e in &p.skipped {
                    pending = true;
                    println!("{}: not applied, needs --unsafe: {e}", f.id);
                }
                fixes.push(policy_fix(f, p));
            }
            (Ok(_), _) => {
                pending = true;
                println!(
                    "{}: inline policies are not written by --apply; `tenet fix --aws --format cli` prints the put-*-policy command",
                    f.id
                );
            }
        }
    }
    if entities.is_empty() {
        println!("nothing to fix: no FAIL of a rule with a fixer");
    }
    let apply = ApplyOptions {
        apply: args.apply,
        copy_aws_managed: args.copy_aws_managed,
    };
    let outcomes = session.apply_fixes(&fixes, account.account_id.as_deref(), apply);
    let mut failed = false;
    let mut written = Vec::new();
    for o in &outcomes {
        let status = match &o.status {
            Status::Unchanged => "unchanged".to_string(),
            Status::Planned => {
                pending = true;
                "dry run (--apply writes it)".to_string()
            }
            Status::Applied => {
                written.push(o.arn.clone());
                written.extend(o.copy_arn.clone());
                "applied".to_string()
            }
            Status::Refused(why) => {
                pending = true;
                format!("not written: {why}")
            }
            Status::Failed(why) => {
                failed = true;
                format!("FAILED: {why}")
            }
        };
        println!("{}: {status}", o.arn);
        for s in &o.steps {
            println!("  {s}");
        }
        if let Some(v) = &o.previous_version
            && o.status == Status::Applied
        {
            println!("  previous default version: {v}");
        }
        for r in &o.rollback {
            println!("  rollback: {r}");
        }
    }
    if !written.is_empty() {
        match session.still_failing(rules, &written) {
            Ok(left) if left.is_empty() => {
                eprintln!(
                    "re-read the account: the {} fixed polic{} pass",
                    written.len(),
                    if written.len() == 1 { "y" } else { "ies" }
                );
            }
            Ok(left) => {
                for (rule, arn) in &left {
                    error(format!("{arn} still fails {rule} after the fix"));
                }
                return EXIT_FINDINGS;
            }
            Err(e) => {
                error(format!("cannot re-read the account to check the fix: {e}"));
                return EXIT_ERROR;
            }
        }
    }
    if failed {
        EXIT_ERROR
    } else if pending {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

fn policy_fix(f: &EntityFix, p: &tenet_fix::Plan) -> PolicyFix {
    PolicyFix {
        arn: f.id.clone(),
        rules: f.rules.clone(),
        document: p.document.to_json(),
        scanned_version: f
            .value
            .get("defaultVersionId")
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}
