//! Findings: one result per evaluated (rule, entity) pair, with the evidence that explains it.
//!
//! This is the one findings model every reporter and fixer reads. The engine driver in
//! [`scan`] materialises each inventory record once, evaluates every rule about its type on it,
//! and asks the GSL engine for evidence only for the pairs that did not pass.

mod evidence;
mod model;
mod scan;
mod suppress;

pub use evidence::{Evidence, Expectation, Observation, Position};
pub use model::{
    Attachment, EntityRef, Related, Report, RuleResult, Summary, Suppressed, SuppressionKind,
};
pub use scan::{Progress, ScanOptions, scan};
pub use suppress::{
    Baseline, BaselineEntry, ScopedSuppression, SuppressOptions, apply_suppressions, findings,
};
