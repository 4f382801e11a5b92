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

pub mod ast;
mod compile;
pub mod diagnostic;
pub mod eval;
pub mod functions;
pub mod lexer;
pub mod outcome;
pub mod parser;
mod suggest;
pub mod value;

pub use diagnostic::{Diagnostic, Span};
pub use eval::{CompiledRule, EvalContext};
pub use functions::{Function, FunctionRegistry};
pub use outcome::{Check, Offender, Outcome, Trace};
pub use value::{Map, Value};

/// Parses rule text into a syntax tree.
pub fn parse(src: &str) -> Result<ast::Rule, Vec<Diagnostic>> {
    parser::parse(src)
}

/// Parses and compiles a rule against `functions`.
pub fn compile(src: &str, functions: &FunctionRegistry) -> Result<CompiledRule, Vec<Diagnostic>> {
    let rule = parse(src)?;
    compile::compile_rule(src, &rule, functions)
}

/// Compile-time guarantee that compiled rules can be shared across threads.
#[allow(dead_code)]
fn assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<CompiledRule>();
    is::<FunctionRegistry>();
}
