//! Fixes for the `secure-transport-condition` fixer: every FAIL of D9.AWS.IAM.67,
//! TN.AWS.IAM.67 and TN.AWS.IAM.67.INLINE turned into an exact, minimal edit.
//!
//! - [`plan`](mod@plan): the document-level fix, pure: a document and its offending statements in,
//!   the fixed document and labelled edits (safe or unsafe) out.
//! - [`json`]: the plan realised as edits of JSON text that touch only the changed statements.
//! - [`sites`]: where a document sits in an export (or a plain file) and in which encoding.
//! - [`script`]: an AWS CLI script that applies fixes to an account.
//!
//! Nothing here does I/O; nothing panics on input.

pub mod cloudformation;
pub mod hcl;
pub mod json;
pub mod plan;
pub mod script;
pub mod sites;

pub use plan::{
    Edit, FixOptions, MANAGED_POLICY_LIMIT, Plan, Safety, StatementFix, Unfixable, plan,
};

#[cfg(test)]
mod hcl_tests;
#[cfg(test)]
mod tests;
