//! Resource scope: can a statement's `Resource` (or the complement of its `NotResource`) name a
//! resource that a given action acts on, and does one statement's scope cover another's?
//!
//! An action accepts the ARN formats of the resource types the catalog lists for it
//! (`arn:${Partition}:iam::${Account}:user/${UserNameWithPath}`), placeholders standing for any
//! text; an action with no resource types is authorised against the literal resource `*` only,
//! so only a policy resource matching the one-character string `*` (such as `*`) reaches it.
//! Policy resources are globs (`*`, `?`), compared case-sensitively as IAM compares ARNs; a `*`
//! inside one of an ARN's leading fields stays within that field (see [`Glob::policy_arn`]).
//! Both sides being patterns, "may match" is glob intersection and "covers" is glob containment;
//! see [`crate::glob`] for the algorithms and their exactness.

use crate::catalog::Action;
use crate::glob::Glob;

/// A statement's resource scope: `Resource: [...]` or `NotResource: [...]`.
#[derive(Clone, Debug)]
pub enum ResourceScope {
    /// The statement applies to resources matched by any pattern.
    Resource(Vec<String>),
    /// The statement applies to resources matched by none of the patterns.
    NotResource(Vec<String>),
}

impl ResourceScope {
    /// A `Resource` scope.
    pub fn resource<S: AsRef<str>>(patterns: impl IntoIterator<Item = S>) -> ResourceScope {
        ResourceScope::Resource(
            patterns
                .into_iter()
                .map(|p| p.as_ref().to_string())
                .collect(),
        )
    }

    /// A `NotResource` scope.
    pub fn not_resource<S: AsRef<str>>(patterns: impl IntoIterator<Item = S>) -> ResourceScope {
        ResourceScope::NotResource(
            patterns
                .into_iter()
                .map(|p| p.as_ref().to_string())
                .collect(),
        )
    }

    /// Could a request for `action` fall inside this scope? Exact for `Resource`; for
    /// `NotResource` it errs towards "yes" (an ARN format is taken as excluded only when a single
    /// listed pattern contains it).
    pub fn may_include(&self, action: &Action) -> bool {
        let formats = accepted_resources(action);
        match self {
            ResourceScope::Resource(ps) => ps
                .iter()
                .map(|p| Glob::policy_arn(p))
                .any(|p| formats.iter().any(|f| p.intersects(f))),
            ResourceScope::NotResource(ns) => {
                let ns: Vec<Glob> = ns.iter().map(|n| Glob::policy_arn(n)).collect();
                formats.iter().any(|f| !ns.iter().any(|n| n.covers(f)))
            }
        }
    }

    /// Does this scope contain every resource of `action` that `other` may include? Sound: `true`
    /// is certain, `false` means "not proven". Used to decide whether a Deny statement's
    /// resources cover an Allow statement's.
    pub fn covers(&self, other: &ResourceScope, action: &Action) -> bool {
        let formats = accepted_resources(action);
        // The other scope, split into pieces `pattern ∩ format` (pattern absent = whole format),
        // each of which must lie inside this scope.
        let pieces: Vec<(Option<Glob>, &Glob)> = match other {
            ResourceScope::Resource(ps) => {
                let ps: Vec<Glob> = ps.iter().map(|p| Glob::policy_arn(p)).collect();
                ps.into_iter()
                    .flat_map(|p| {
                        formats
                            .iter()
                            .filter(|f| p.intersects(f))
                            .map(|f| (Some(p.clone()), f))
                            .collect::<Vec<_>>()
                    })
                    .collect()
            }
            ResourceScope::NotResource(ns) => {
                let ns: Vec<Glob> = ns.iter().map(|n| Glob::policy_arn(n)).collect();
                formats
                    .iter()
                    .filter(|f| !ns.iter().any(|n| n.covers(f)))
                    .map(|f| (None, f))
                    .collect()
            }
        };
        match self {
            ResourceScope::Resource(ds) => {
                let ds: Vec<Glob> = ds.iter().map(|d| Glob::policy_arn(d)).collect();
                pieces.iter().all(|(p, f)| {
                    ds.iter()
                        .any(|d| d.covers(f) || p.as_ref().is_some_and(|p| d.covers(p)))
                })
            }
            ResourceScope::NotResource(ms) => {
                let ms: Vec<Glob> = ms.iter().map(|m| Glob::policy_arn(m)).collect();
                pieces.iter().all(|(p, f)| {
                    ms.iter()
                        .all(|m| !m.intersects(f) || p.as_ref().is_some_and(|p| !m.intersects(p)))
                })
            }
        }
    }
}

/// The resources `action` is authorised against, as patterns.
fn accepted_resources(action: &Action) -> Vec<Glob> {
    let formats: Vec<Glob> = action.arn_formats().map(Glob::arn_format).collect();
    if formats.is_empty() {
        vec![Glob::literal("*")]
    } else {
        formats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::catalog;

    fn action(name: &str) -> Action {
        match catalog().lookup(name) {
            Some(a) => a,
            None => unreachable!("catalog lacks {name}"),
        }
    }

    #[test]
    fn resource_may_include() {
        let cak = action("iam:CreateAccessKey");
        let yes = |p: &[&str]| ResourceScope::resource(p).may_include(&cak);
        assert!(yes(&["*"]));
        assert!(yes(&["arn:aws:iam::123456789012:user/alice"]));
        assert!(yes(&["arn:aws:iam::*:user/*"]));
        assert!(yes(&["arn:aws:s3:::b/*", "arn:*:iam::*"]));
        assert!(yes(&["arn:aws:iam::*:user/${aws:username}"]));
        assert!(!yes(&["arn:aws:s3:::b/*"]));
        assert!(!yes(&["arn:aws:iam::*:role/*"]));
        assert!(!yes(&[]));
    }

    #[test]
    fn actions_without_resource_types_accept_only_star() {
        let info = action("sts:GetAccessKeyInfo");
        assert!(ResourceScope::resource(["*"]).may_include(&info));
        assert!(!ResourceScope::resource(["arn:aws:sts::*"]).may_include(&info));
        assert!(!ResourceScope::resource(["arn:*"]).may_include(&info));
        assert!(ResourceScope::not_resource(["arn:*"]).may_include(&info));
        assert!(!ResourceScope::not_resource(["*"]).may_include(&info));
    }

    #[test]
    fn not_resource_may_include() {
        let cak = action("iam:CreateAccessKey");
        assert!(ResourceScope::not_resource(["arn:aws:s3:::*"]).may_include(&cak));
        assert!(!ResourceScope::not_resource(["*"]).may_include(&cak));
        assert!(!ResourceScope::not_resource(["arn:*:iam::*:user/*"]).may_include(&cak));
        // Only some users excluded: others remain.
        assert!(ResourceScope::not_resource(["arn:aws:iam::*:user/admin"]).may_include(&cak));
    }

    #[test]
    fn covers() {
        let cak = action("iam:CreateAccessKey");
        let star = ResourceScope::resource(["*"]);
        let bob = ResourceScope::resource(["arn:aws:iam::1:user/bob"]);
        let users = ResourceScope::resource(["arn:aws:iam::1:user/*"]);
        assert!(star.covers(&star, &cak));
        assert!(star.covers(&bob, &cak));
        assert!(users.covers(&bob, &cak));
        assert!(!bob.covers(&users, &cak));
        assert!(
            !users.covers(&star, &cak),
            "Allow * reaches users of other accounts"
        );
        assert!(
            ResourceScope::resource(["arn:*:iam::*:user/*"]).covers(&star, &cak),
            "covers every ARN the action accepts"
        );
        // Irrelevant allow patterns (no overlap with the action's formats) need no covering.
        let mixed = ResourceScope::resource(["arn:aws:s3:::b/*", "arn:aws:iam::1:user/bob"]);
        assert!(users.covers(&mixed, &cak));
        // Deny with NotResource covers what it does not exclude.
        let not_s3 = ResourceScope::not_resource(["arn:aws:s3:::*"]);
        assert!(not_s3.covers(&star, &cak));
        let not_bob = ResourceScope::not_resource(["arn:aws:iam::1:user/bob"]);
        assert!(!not_bob.covers(&star, &cak));
        assert!(not_bob.covers(&ResourceScope::resource(["arn:aws:iam::1:user/eve"]), &cak));
        // Allow NotResource is covered by a Deny on everything.
        assert!(star.covers(&ResourceScope::not_resource(["arn:aws:s3:::*"]), &cak));
        // Actions without resource types: only "*" covers "*".
        let info = action("sts:GetAccessKeyInfo");
        assert!(star.covers(&star, &info));
        assert!(!ResourceScope::resource(["arn:*"]).covers(&star, &info));
    }
}
