//! GSL, the Governance Specification Language of CloudGuard, as Tenet implements it.
//!
//! Pipeline inside this crate: text -> [`lexer`] -> [`parser`] -> [`ast`] -> [`compile`] ->
//! [`CompiledRule::evaluate`]. The crate knows nothing about clouds and does no I/O; cloud
//! knowledge enters only through functions registered in a [`FunctionRegistry`].
//!
//! Public contract (other crates rely on it):
//! - [`compile`] turns rule text into a [`CompiledRule`] once (regexes, function lookups);
//!   errors are [`Diagnostic`]s with byte spans.
//! - [`CompiledRule::evaluate`] is the hot path: no evidence, no allocation where avoidable.
//! - [`CompiledRule::explain`] re-runs one entity and returns a [`Trace`] with the evidence.

pub mod diagnostic;
pub mod outcome;
pub mod value;

pub use diagnostic::{Diagnostic, Span};
pub use outcome::{Check, Offender, Outcome, Trace};
pub use value::{Map, Value};
