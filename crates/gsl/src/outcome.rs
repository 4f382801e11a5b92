//! Outcomes and the evidence that explains them.

use crate::value::Value;
use std::fmt;

/// The verdict for one (rule, entity) pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail,
    /// Not relevant: the `where` clause is false (or the entity type differs).
    Skip,
    /// A value the rule needs could not be resolved; never counted as PASS.
    Unknown(String),
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Fail => "FAIL",
            Outcome::Skip => "SKIP",
            Outcome::Unknown(_) => "UNKNOWN",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One leaf test evaluated during an explained run.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// Absolute path of the value tested, from the entity root, e.g.
    /// `document.Statement[1].Action[2]` or `document.Statement[1].Condition.Bool.aws:SecureTransport`.
    pub path: String,
    /// The test as written in the rule, e.g. `regexMatch /AccessKey/` or `= 'true'`.
    pub test: String,
    /// The value found; `None` when the path is missing.
    pub actual: Option<Value>,
    pub result: bool,
}

/// An element of a collection that decided a FAIL, e.g. a statement that a `contain-all` rejected
/// (or, under `should not`, one that a `contain` accepted).
#[derive(Clone, Debug, PartialEq)]
pub struct Offender {
    /// Absolute path of the element, e.g. `document.Statement[1]`.
    pub path: String,
    /// Index in the original (unfiltered) collection; a single non-list value has index 0.
    pub index: usize,
    /// The element itself.
    pub value: Value,
    /// Checks that were true in the selecting filter (`with [...]`) for this element, e.g. the
    /// actions that matched `/AccessKey/`.
    pub matched: Vec<Check>,
    /// Checks that were false in the required predicate for this element, e.g. the missing
    /// `Condition.Bool.aws:SecureTransport`.
    pub failed: Vec<Check>,
}

/// Evidence from an explained evaluation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    /// Elements that made the assertion fail (empty when the failure is not about elements).
    pub offenders: Vec<Offender>,
    /// Leaf checks of the top-level assertion that decided the outcome when no collection was
    /// involved (e.g. `passwordPolicy.minPasswordLength >= 14` found 8).
    pub checks: Vec<Check>,
    /// Human-readable step log of the evaluation (for `tenet explain`).
    pub steps: Vec<String>,
}
