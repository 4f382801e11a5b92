//! Inputs and the entities a single rule looks at, shared by `query`, `explain` and `test`.

use std::path::PathBuf;
use tenet_inventory::Inventory;

/// One entity a rule is evaluated on.
pub(crate) struct Subject {
    pub kind: String,
    pub id: String,
    pub name: String,
    pub value: gsl::Value,
}

/// Loads the inputs as `tenet scan` does (directories expanded to their `.json` files). Errors
/// name the file; every failing input is reported.
pub(crate) fn load_inputs(inputs: &[PathBuf]) -> Result<Inventory, Vec<String>> {
    let files = super::scan::expand_inputs(inputs).map_err(|e| vec![e])?;
    let mut inventory = Inventory::new();
    let mut errors = Vec::new();
    for f in &files {
        match tenet_sources::load_path(f) {
            Ok(inv) => inventory.extend(inv),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if errors.is_empty() {
        Ok(inventory)
    } else {
        Err(errors)
    }
}

/// The entities `rule` applies to: every record of its type, or for `List<X>` one aggregate
/// `{accountNumber, items}` per account (grouped like `tenet scan` does). Records that cannot be
/// read become warnings.
pub(crate) fn subjects(
    inventory: &Inventory,
    rule: &gsl::CompiledRule,
) -> (Vec<Subject>, Vec<String>) {
    let kind = rule.entity_type();
    let mut warnings = Vec::new();
    let mut out = Vec::new();
    let mut accounts: std::collections::BTreeMap<String, Vec<gsl::Value>> = Default::default();
    for record in inventory.records().iter().filter(|r| r.kind == kind) {
        match record.materialize() {
            Ok(e) if rule.is_aggregate() => accounts
                .entry(account_of(&record.id))
                .or_default()
                .push(e.value),
            Ok(e) => out.push(Subject {
                kind: record.kind.clone(),
                id: record.id.clone(),
                name: record.name.clone(),
                value: e.value,
            }),
            Err(e) => warnings.push(format!("{}: {e}", record.id)),
        }
    }
    for (account, items) in accounts {
        let mut m = gsl::Map::new();
        m.insert("accountNumber", gsl::Value::str(account.as_str()));
        m.insert("items", gsl::Value::List(items));
        out.push(Subject {
            kind: format!("List<{kind}>"),
            id: format!("List<{kind}>@{account}"),
            name: format!("{kind} in account {account}"),
            value: gsl::Value::Object(m),
        });
    }
    (out, warnings)
}

/// The account of an ARN (`arn:aws:iam::123456789012:...`), `unknown` otherwise.
fn account_of(id: &str) -> String {
    let mut parts = id.splitn(6, ':');
    match (parts.next(), parts.nth(3)) {
        (Some("arn"), Some(acct)) if !acct.is_empty() => acct.to_string(),
        _ => "unknown".to_string(),
    }
}

/// A rule named on the command line: the id of a built-in or `--rules` rule, or GSL text.
/// Compile errors are printed with carets.
pub(crate) fn resolve_rule(
    rule: &str,
    sel: &crate::cli::RuleSelection,
) -> Result<(String, gsl::CompiledRule), ()> {
    let looks_like_gsl = rule.contains(char::is_whitespace);
    if !looks_like_gsl {
        let set = super::compile_rules_where(sel, |m| m.id == rule)?;
        if let Some(entry) = set.rules.into_iter().find(|r| r.meta.id == rule) {
            return Ok((entry.meta.id, entry.logic));
        }
        let known = super::compile_rules(sel)?;
        let ids: Vec<&str> = known.rules.iter().map(|r| r.meta.id.as_str()).collect();
        let hint = gsl_nearest(rule, &ids)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        super::error(format!("no rule `{rule}` (see `tenet rules`){hint}"));
        return Err(());
    }
    match gsl::compile(rule, &tenet_rules::functions()) {
        Ok(c) => Ok(("<logic>".to_string(), c)),
        Err(diags) => {
            for d in diags {
                eprint!("{}", d.render(rule, "<logic>"));
            }
            Err(())
        }
    }
}

/// The id closest to `word` (case-insensitive edit distance), if reasonably close.
fn gsl_nearest<'a>(word: &str, ids: &[&'a str]) -> Option<&'a str> {
    let w = word.to_ascii_lowercase();
    ids.iter()
        .map(|id| (strsim::levenshtein(&w, &id.to_ascii_lowercase()), *id))
        .filter(|(d, id)| *d <= 2.max(id.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, id)| id)
}
