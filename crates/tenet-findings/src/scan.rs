//! The engine driver: rules x inventory -> report.

use crate::evidence::{self, Evidence};
use crate::model::{Attachment, EntityRef, Report, RuleResult};
use gsl::{EvalContext, Map, Outcome, Value};
use rayon::prelude::*;
use std::collections::BTreeMap;
use tenet_inventory::{Inventory, Provenance, Record};
use tenet_rules::RuleSet;

/// Called with the number of records evaluated since the last call (from several threads).
pub type Progress = std::sync::Arc<dyn Fn(u64) + Send + Sync>;

/// Knobs of one scan.
#[derive(Default)]
pub struct ScanOptions {
    /// The clock rules see (`before`/`after`); the real clock when `None`.
    pub context: Option<EvalContext>,
    /// Progress reporting (a progress bar), per record of the inventory.
    pub progress: Option<Progress>,
}

struct EntityOutcome {
    entity: EntityRef,
    results: Vec<(usize, Outcome, Vec<Evidence>)>,
    warnings: Vec<String>,
}

/// Evaluates every rule on every entity of its type. Records are materialised one at a time (in
/// parallel) and dropped after evaluation, so memory stays close to the inventory's size.
pub fn scan(inventory: &Inventory, rules: &RuleSet, options: &ScanOptions) -> Report {
    let cx = options.context.clone().unwrap_or_default();
    let mut per_kind: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut aggregate: Vec<usize> = Vec::new();
    for (i, r) in rules.rules.iter().enumerate() {
        if r.logic.is_aggregate() {
            aggregate.push(i);
        } else {
            per_kind.entry(r.logic.entity_type()).or_default().push(i);
        }
    }

    let mut outcomes: Vec<EntityOutcome> = inventory
        .records()
        .par_iter()
        .filter_map(|record| {
            if let Some(p) = &options.progress {
                p(1);
            }
            let applicable = per_kind.get(record.kind.as_str())?;
            Some(evaluate_record(record, applicable, rules, &cx))
        })
        .collect();
    locate_findings(&mut outcomes);

    let mut report = Report {
        rules: rules.rules.iter().map(|r| r.meta.clone()).collect(),
        warnings: inventory
            .warnings()
            .iter()
            .map(ToString::to_string)
            .collect(),
        ..Report::default()
    };
    report.warnings.extend(rules.warnings.iter().cloned());
    // Exact sizes up front: growing by doubling would briefly hold half again as much.
    report.entities.reserve_exact(outcomes.len());
    report
        .results
        .reserve_exact(outcomes.iter().map(|o| o.results.len()).sum());
    for o in outcomes {
        let entity = report.entities.len();
        report.entities.push(o.entity);
        report.warnings.extend(o.warnings);
        for (rule, outcome, evidence) in o.results {
            report.results.push(RuleResult {
                rule,
                entity,
                outcome,
                evidence,
                suppressed: None,
            });
        }
    }
    for rule in aggregate {
        evaluate_aggregate(inventory, rules, rule, &cx, &mut report);
    }
    report
}

fn evaluate_record(
    record: &Record,
    applicable: &[usize],
    rules: &RuleSet,
    cx: &EvalContext,
) -> EntityOutcome {
    let mut out = EntityOutcome {
        entity: EntityRef {
            kind: record.kind.clone(),
            id: record.id.clone(),
            name: record.name.clone(),
            provenance: record.provenance.clone(),
            attached: Vec::new(),
            suppressions: record.suppressions.clone(),
        },
        results: Vec::with_capacity(applicable.len()),
        warnings: Vec::new(),
    };
    let entity = match record.materialize() {
        Ok(e) => e,
        Err(e) => {
            // A record whose data cannot be read is UNKNOWN for every rule about it: never a
            // silent PASS, never a crash.
            let reason = e.to_string();
            out.warnings.push(format!("{}: {reason}", record.id));
            for &i in applicable {
                let outcome = Outcome::Unknown(reason.clone());
                let ev = evidence::from_trace(&gsl::Trace::default(), &outcome);
                out.results.push((i, outcome, ev));
            }
            return out;
        }
    };
    out.warnings
        .extend(entity.warnings.iter().map(ToString::to_string));
    out.entity.attached = attachments(&entity.value);
    for &i in applicable {
        let logic = &rules.rules[i].logic;
        // Notes left on this thread by an earlier evaluation that was not taken are stale.
        tenet_rules::take_function_notes();
        let outcome = logic.evaluate(&entity.value, cx);
        let evidence = match outcome {
            Outcome::Pass | Outcome::Skip => Vec::new(),
            Outcome::Fail | Outcome::Unknown(_) => {
                let (_, trace) = logic.explain(&entity.value, cx);
                let mut ev = evidence::from_trace(&trace, &outcome);
                evidence::locate(&mut ev, &record.locations);
                ev
            }
        };
        // Extension functions' notes (e.g. an undocumented but working TLS condition) do not
        // change the verdict; they are reported once per rule and entity.
        for note in tenet_rules::take_function_notes() {
            out.warnings
                .push(format!("{}: {}: {note}", record.id, rules.rules[i].meta.id));
        }
        out.results.push((i, outcome, evidence));
    }
    out
}

/// Fills in the line of each entity that has a FAIL or UNKNOWN and no recorded line, reading each
/// file once (only files with such findings) and scanning it once.
fn locate_findings(outcomes: &mut [EntityOutcome]) {
    let mut by_file: BTreeMap<std::path::PathBuf, Vec<usize>> = BTreeMap::new();
    for (at, o) in outcomes.iter().enumerate() {
        let needs_line = o
            .results
            .iter()
            .any(|(_, outcome, _)| matches!(outcome, Outcome::Fail | Outcome::Unknown(_)));
        if let (
            true,
            Provenance::File {
                path, line: None, ..
            },
        ) = (needs_line, &o.entity.provenance)
        {
            by_file.entry(path.to_path_buf()).or_default().push(at);
        }
    }
    for (path, ats) in by_file {
        let Ok(file) = std::fs::File::open(&path) else {
            continue;
        };
        let wanted: std::collections::HashSet<&str> = ats
            .iter()
            .map(|&at| outcomes[at].entity.id.as_str())
            .collect();
        let Ok(found) =
            tenet_inventory::locate::arn_positions(std::io::BufReader::new(file), &wanted)
        else {
            continue;
        };
        for at in ats {
            let o = &mut outcomes[at];
            let position = found.get(&o.entity.id).copied();
            if let (Some((l, c)), Provenance::File { line, column, .. }) =
                (position, &mut o.entity.provenance)
            {
                *line = Some(l);
                *column = Some(c);
            }
        }
    }
}

/// The identities a policy is attached to, from its `users`/`groups`/`roles` lists (or, for an
/// inline policy, its `identity`).
fn attachments(value: &Value) -> Vec<Attachment> {
    let mut out = Vec::new();
    if let Some(identity) = value.get("identity") {
        let kind = match identity.get("type").and_then(Value::as_str) {
            Some("IamUser") => Some("user"),
            Some("IamGroup") => Some("group"),
            Some("IamRole") => Some("role"),
            _ => None,
        };
        if let (Some(kind), Some(name)) = (kind, identity.get("name").and_then(Value::as_str)) {
            out.push(Attachment {
                kind,
                name: name.to_string(),
            });
        }
    }
    for (field, kind) in [("users", "user"), ("groups", "group"), ("roles", "role")] {
        if let Some(items) = value.get(field).and_then(Value::as_list) {
            for item in items {
                if let Some(name) = item.get("name").and_then(Value::as_str) {
                    out.push(Attachment {
                        kind,
                        name: name.to_string(),
                    });
                }
            }
        }
    }
    out
}

/// `List<Entity>` rules see one object per account whose `items` are that account's entities.
fn evaluate_aggregate(
    inventory: &Inventory,
    rules: &RuleSet,
    rule: usize,
    cx: &EvalContext,
    report: &mut Report,
) {
    let logic = &rules.rules[rule].logic;
    let kind = logic.entity_type();
    let mut accounts: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for record in inventory.records().iter().filter(|r| r.kind == kind) {
        match record.materialize() {
            Ok(e) => accounts
                .entry(account_of(&record.id))
                .or_default()
                .push(e.value),
            Err(e) => report.warnings.push(format!("{}: {e}", record.id)),
        }
    }
    for (account, items) in accounts {
        let mut m = Map::new();
        m.insert("accountNumber", Value::str(account.as_str()));
        m.insert("items", Value::List(items));
        let value = Value::Object(m);
        let outcome = logic.evaluate(&value, cx);
        let evidence = if matches!(outcome, Outcome::Fail | Outcome::Unknown(_)) {
            evidence::from_trace(&logic.explain(&value, cx).1, &outcome)
        } else {
            Vec::new()
        };
        let entity = report.entities.len();
        report.entities.push(EntityRef {
            kind: format!("List<{kind}>"),
            id: format!("List<{kind}>@{account}"),
            name: format!("{kind} in account {account}"),
            provenance: Provenance::None,
            attached: Vec::new(),
            suppressions: Vec::new(),
        });
        report.results.push(RuleResult {
            rule,
            entity,
            outcome,
            evidence,
            suppressed: None,
        });
    }
}

/// The account part of an ARN (`arn:partition:service:region:account:...`), or `unknown`.
fn account_of(id: &str) -> String {
    let mut parts = id.splitn(6, ':');
    match (parts.next(), parts.nth(3)) {
        (Some("arn"), Some(acct)) if !acct.is_empty() => acct.to_string(),
        _ => "unknown".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::account_of;

    #[test]
    fn account_from_arn() {
        assert_eq!(
            account_of("arn:aws:iam::123456789012:policy/p"),
            "123456789012"
        );
        assert_eq!(account_of("arn:aws:iam::aws:policy/ReadOnlyAccess"), "aws");
        assert_eq!(account_of("logical-id"), "unknown");
    }
}
