//! The findings model shared by reporters and fixers.

use crate::evidence::Evidence;
use gsl::Outcome;
use serde::Serialize;
use std::collections::BTreeMap;
use tenet_inventory::{Date, Provenance, Suppression};
use tenet_rules::{RuleMeta, Severity};

/// An identity a policy is attached to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// `user`, `group` or `role`.
    pub kind: &'static str,
    pub name: String,
}

/// What reporters need to know about an entity, without its whole value.
#[derive(Clone, Debug, PartialEq)]
pub struct EntityRef {
    pub kind: String,
    pub id: String,
    pub name: String,
    pub provenance: Provenance,
    pub attached: Vec<Attachment>,
    /// Suppressions its source found (Terraform comments, CloudFormation `Metadata`).
    pub suppressions: Vec<Suppression>,
}

/// The verdict of one rule on one entity.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleResult {
    /// Index into [`Report::rules`].
    pub rule: usize,
    /// Index into [`Report::entities`].
    pub entity: usize,
    pub outcome: Outcome,
    /// Why it failed (empty for PASS and SKIP).
    pub evidence: Vec<Evidence>,
    /// Set when a suppression or the baseline covers this FAIL or UNKNOWN: it is reported as
    /// `SUPPRESSED`, with `outcome` kept as the engine's verdict.
    pub suppressed: Option<Suppressed>,
}

impl RuleResult {
    /// The outcome as reported: `SUPPRESSED`, else the engine's `PASS`/`FAIL`/`SKIP`/`UNKNOWN`.
    pub fn label(&self) -> &'static str {
        if self.suppressed.is_some() {
            "SUPPRESSED"
        } else {
            self.outcome.label()
        }
    }

    /// A FAIL that no suppression covers.
    pub fn is_failure(&self) -> bool {
        self.suppressed.is_none() && self.outcome == Outcome::Fail
    }

    /// An UNKNOWN that no suppression covers.
    pub fn is_unknown(&self) -> bool {
        self.suppressed.is_none() && matches!(self.outcome, Outcome::Unknown(_))
    }
}

/// Where a suppression came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionKind {
    /// Written next to the resource (Terraform comment, CloudFormation `Metadata`).
    Source,
    /// The project configuration (`tenet.toml`).
    Config,
    /// The baseline file.
    Baseline,
}

/// Why a result is not counted as a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppressed {
    pub kind: SuppressionKind,
    pub reason: String,
    /// Where it is written (`main.tf:12`, `tenet.toml: suppress[0]`, the baseline's path).
    pub origin: String,
    pub expires: Option<Date>,
}

/// Counts per outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    #[serde(rename = "PASS")]
    pub pass: usize,
    #[serde(rename = "FAIL")]
    pub fail: usize,
    #[serde(rename = "SKIP")]
    pub skip: usize,
    #[serde(rename = "UNKNOWN")]
    pub unknown: usize,
    /// FAIL and UNKNOWN results covered by a suppression or the baseline (counted here only).
    #[serde(rename = "SUPPRESSED")]
    pub suppressed: usize,
}

impl Summary {
    pub fn add(&mut self, o: &Outcome) {
        match o {
            Outcome::Pass => self.pass += 1,
            Outcome::Fail => self.fail += 1,
            Outcome::Skip => self.skip += 1,
            Outcome::Unknown(_) => self.unknown += 1,
        }
    }

    /// Counts a result under its reported outcome: a suppressed one as SUPPRESSED only.
    pub fn add_result(&mut self, r: &RuleResult) {
        if r.suppressed.is_some() {
            self.suppressed += 1;
        } else {
            self.add(&r.outcome);
        }
    }

    pub fn total(&self) -> usize {
        self.pass + self.fail + self.skip + self.unknown + self.suppressed
    }
}

/// Everything a scan produced.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub rules: Vec<RuleMeta>,
    pub entities: Vec<EntityRef>,
    /// Ordered by entity (input order), then rule.
    pub results: Vec<RuleResult>,
    /// Warnings from inputs, rules and evaluation, each naming where it comes from.
    pub warnings: Vec<String>,
    /// The inputs scanned, as given.
    pub inputs: Vec<String>,
}

/// The verdict of a counterpart rule (see [`tenet_rules::COUNTERPARTS`]) on the same entity,
/// attached to a result when the two verdicts differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    /// The other rule's id.
    pub rule: String,
    /// The other rule's outcome label (`PASS`, `FAIL`, ...).
    pub outcome: &'static str,
    /// Both verdicts side by side, the CloudGuard-compatible one first, e.g.
    /// "CloudGuard-compatible: PASS; IAM-aware: FAIL — Statement[0]: `iam:*` grants
    /// iam:CreateAccessKey without TLS (no aws:SecureTransport condition)".
    pub line: String,
}

impl Report {
    /// For each result (same order as [`Report::results`]), its counterpart's verdict on the same
    /// entity when the two outcomes differ.
    pub fn related(&self) -> Vec<Option<Related>> {
        let mut out = vec![None; self.results.len()];
        // (entity, rule index) -> result index.
        let at: std::collections::HashMap<(usize, usize), usize> = self
            .results
            .iter()
            .enumerate()
            .map(|(i, r)| ((r.entity, r.rule), i))
            .collect();
        for c in tenet_rules::COUNTERPARTS {
            let (Some(mine), Some(other)) = (
                self.rules.iter().position(|r| r.id == c.rule),
                self.rules.iter().position(|r| r.id == c.other),
            ) else {
                continue;
            };
            for (i, r) in self.results.iter().enumerate() {
                if r.rule != mine {
                    continue;
                }
                let Some(&j) = at.get(&(r.entity, other)) else {
                    continue;
                };
                let o = &self.results[j];
                if r.label() == o.label() {
                    continue;
                }
                let why = match (&r.outcome, r.evidence.first()) {
                    (Outcome::Pass, _) => Some(c.pass_note.to_string()),
                    (Outcome::Skip, _) => Some(c.skip_note.to_string()),
                    (_, Some(ev)) if r.evidence.len() > 1 => Some(format!(
                        "{} (and {} more)",
                        ev.message,
                        r.evidence.len() - 1
                    )),
                    (_, Some(ev)) => Some(ev.message.clone()),
                    (_, None) => None,
                };
                let line = format!(
                    "{}: {}; {}: {}{}",
                    c.other_label,
                    o.label(),
                    c.label,
                    r.label(),
                    why.map(|w| format!(" — {w}")).unwrap_or_default()
                );
                out[i] = Some(Related {
                    rule: c.other.to_string(),
                    outcome: o.label(),
                    line: line.clone(),
                });
                out[j] = Some(Related {
                    rule: c.rule.to_string(),
                    outcome: r.label(),
                    line,
                });
            }
        }
        out
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for r in &self.results {
            s.add_result(r);
        }
        s
    }

    /// Outcome counts per compliance framework (a result counts once for each framework its
    /// rule maps to), sorted by framework name.
    pub fn by_framework(&self) -> BTreeMap<&str, Summary> {
        let mut m: BTreeMap<&str, Summary> = BTreeMap::new();
        for r in &self.results {
            for f in &self.rules[r.rule].frameworks {
                m.entry(f.as_str()).or_default().add_result(r);
            }
        }
        m
    }

    /// Whether a FAIL not covered by a suppression exists.
    pub fn has_failures(&self) -> bool {
        self.results.iter().any(RuleResult::is_failure)
    }

    /// The unsuppressed results that fail a CI gate: FAILs of rules at or above `min` severity
    /// (every FAIL when `None`), and UNKNOWNs of such rules too when `unknown` is set.
    pub fn gating(&self, min: Option<Severity>, unknown: bool) -> Vec<&RuleResult> {
        self.results
            .iter()
            .filter(|r| min.is_none_or(|m| self.rules[r.rule].severity >= m))
            .filter(|r| r.is_failure() || (unknown && r.is_unknown()))
            .collect()
    }

    /// A stable identity of a result across runs: the rule id, entity kind and entity id (not
    /// the file line, which moves when unrelated lines change). Baselines and SARIF
    /// `partialFingerprints` use it.
    pub fn fingerprint(&self, r: &RuleResult) -> String {
        use sha2::{Digest, Sha256};
        let e = &self.entities[r.entity];
        let mut h = Sha256::new();
        for part in [self.rules[r.rule].id.as_str(), &e.kind, &e.id] {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        h.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}
