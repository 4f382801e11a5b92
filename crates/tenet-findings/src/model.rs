//! The findings model shared by reporters and fixers.

use crate::evidence::Evidence;
use gsl::Outcome;
use serde::Serialize;
use std::collections::BTreeMap;
use tenet_inventory::Provenance;
use tenet_rules::RuleMeta;

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

    pub fn total(&self) -> usize {
        self.pass + self.fail + self.skip + self.unknown
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

impl Report {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for r in &self.results {
            s.add(&r.outcome);
        }
        s
    }

    /// Outcome counts per compliance framework (a result counts once for each framework its
    /// rule maps to), sorted by framework name.
    pub fn by_framework(&self) -> BTreeMap<&str, Summary> {
        let mut m: BTreeMap<&str, Summary> = BTreeMap::new();
        for r in &self.results {
            for f in &self.rules[r.rule].frameworks {
                m.entry(f.as_str()).or_default().add(&r.outcome);
            }
        }
        m
    }

    pub fn has_failures(&self) -> bool {
        self.results.iter().any(|r| r.outcome == Outcome::Fail)
    }
}
