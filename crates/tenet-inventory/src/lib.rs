//! The entity model: what sources produce and rules evaluate.
//!
//! An [`Inventory`] is a list of [`Record`]s (one per entity: `IamPolicy`, `IamUser`, `IamGroup`,
//! `IamRole`) plus the [`Warning`]s the sources raised. Records are compact; the scanner calls
//! [`Record::materialize`] per entity (in parallel) to get the [`gsl::Value`] rules see.
//!
//! Entity shapes (CloudGuard's property names):
//! - `IamPolicy`: `name`, `arn`, `id`, `path`, `description`, `isAwsManaged`, `attachmentCount`,
//!   `permissionsBoundaryUsageCount`, `isAttachable`, `createDate`, `updateDate`,
//!   `defaultVersionId`, `versions` (`[{versionId, isDefaultVersion, createDate, document}]`),
//!   `document` (the default version, exactly as written), `users`/`roles`/`groups`
//!   (`[{name, arn, id}]` of the identities that attach it; group membership is not attachment,
//!   nor is a permissions boundary).
//! - `IamUser`/`IamGroup`/`IamRole`: `name`, `arn`, `id`, `path`, `createDate`,
//!   `managedPolicies` (`[{name, arn}]`), `inlinePolicies` (`[{name, document}]`),
//!   `permissionsBoundary` (`{arn, type}`, when set); users also `groups` (names), roles also
//!   `assumeRolePolicy`.

pub mod json;
pub mod locate;
mod record;
pub mod suppression;

use std::collections::BTreeMap;
use std::fmt;

pub use record::{EntityError, Provenance, Raw, RawPath, Record, Seg};
pub use suppression::{Date, Suppression};

/// What a source found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inventory {
    records: Vec<Record>,
    warnings: Vec<Warning>,
}

impl Inventory {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn records(&self) -> &[Record] {
        &self.records
    }

    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Makes room for `additional` more records (sources that know their count avoid regrowth).
    pub fn reserve(&mut self, additional: usize) {
        self.records.reserve_exact(additional);
    }

    pub fn push(&mut self, r: Record) {
        self.records.push(r);
    }

    pub fn warn(&mut self, w: Warning) {
        self.warnings.push(w);
    }

    /// Adds another input's records and warnings (several inputs in one scan).
    pub fn extend(&mut self, other: Inventory) {
        // The first input moves in whole instead of being copied into an empty vector.
        if self.records.is_empty() {
            self.records = other.records;
        } else {
            self.records.extend(other.records);
        }
        self.warnings.extend(other.warnings);
    }

    pub fn len_by_kind(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for r in &self.records {
            *counts.entry(r.kind.clone()).or_insert(0) += 1;
        }
        counts
    }

    pub fn into_parts(self) -> (Vec<Record>, Vec<Warning>) {
        (self.records, self.warnings)
    }
}

/// A materialised entity, with the warnings raised while building it (e.g. duplicate keys).
#[derive(Clone, Debug, PartialEq)]
pub struct Entity {
    pub value: gsl::Value,
    pub warnings: Vec<Warning>,
}

/// Something worth telling the user that does not stop the scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The file path, or the ARN for live data.
    pub origin: String,
    pub line: Option<usize>,
    pub message: String,
}

impl Warning {
    pub fn new(origin: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            origin: origin.into(),
            line: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Warning {
    /// `origin[:line]: warning: message`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: warning: {}", self.origin, self.message),
            None => write!(f, "{}: warning: {}", self.origin, self.message),
        }
    }
}
