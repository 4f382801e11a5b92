//! IAM action patterns (`iam:Create*`, `*`, `s3:?etObject`) and the sets of catalog actions they
//! denote.
//!
//! Semantics (see `docs/iam.md`): both the service prefix and the action name are
//! case-insensitive; `*` matches any run and `?` exactly one character; the bare `*` and `*:*`
//! mean every action. Wildcards in the *prefix* (`ia?:...`, `*:Get*`) are not the documented
//! form; we still expand them as globs over the prefix, because a posture check must not miss a
//! grant that IAM might honour. A string with no `:` other than `*` names no action.
//!
//! Matching uses the small linear glob matcher in [`crate::glob`] rather than `regex`: two
//! metacharacters, no escaping of the `.`/`-` in names, nothing to compile, and expansions are
//! cached per distinct pattern anyway.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use crate::catalog::{Action, ActionId, catalog};
use crate::glob::Glob;

/// A parsed action pattern from a policy's `Action`/`NotAction`.
#[derive(Clone, Debug)]
pub struct ActionPattern {
    text: String,
    kind: Kind,
}

#[derive(Clone, Debug)]
enum Kind {
    /// `*`, `*:*` (and `**`-style variants): every action.
    All,
    /// `prefix:name`, both lower-cased; `prefix_text` is the prefix as text.
    Scoped {
        prefix_text: String,
        prefix: Glob,
        name: Glob,
    },
    /// Not a valid action string: matches nothing.
    Invalid,
}

impl ActionPattern {
    /// Parses a pattern as written in a policy (never fails; invalid strings match nothing).
    pub fn new(text: &str) -> ActionPattern {
        let lower = text.trim().to_ascii_lowercase();
        let kind = match lower.split_once(':') {
            _ if Glob::new(&lower).matches_everything() => Kind::All,
            Some((prefix_text, name)) => {
                let (prefix, name) = (Glob::new(prefix_text), Glob::new(name));
                if prefix.matches_everything() && name.matches_everything() {
                    Kind::All
                } else {
                    Kind::Scoped {
                        prefix_text: prefix_text.to_string(),
                        prefix,
                        name,
                    }
                }
            }
            None => Kind::Invalid,
        };
        ActionPattern {
            text: text.to_string(),
            kind,
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True for `*` and `*:*`.
    pub fn is_all(&self) -> bool {
        matches!(self.kind, Kind::All)
    }

    /// Does the pattern match this action (case-insensitively)?
    pub fn matches(&self, action: &Action) -> bool {
        self.matches_lower(action.lower_name())
    }

    /// Does the pattern match `service:name`, given already lower-cased?
    fn matches_lower(&self, lower: &str) -> bool {
        match &self.kind {
            Kind::All => true,
            Kind::Invalid => false,
            Kind::Scoped { prefix, name, .. } => lower
                .split_once(':')
                .is_some_and(|(p, n)| prefix.matches(p) && name.matches(n)),
        }
    }

    /// Every catalog action the pattern matches, computed without the cache.
    fn expand_uncached(&self) -> ActionSet {
        let c = catalog();
        let mut set = ActionSet::empty();
        match &self.kind {
            Kind::All => return ActionSet::all(),
            Kind::Invalid => {}
            Kind::Scoped {
                prefix_text,
                prefix,
                name,
            } => {
                let ranges: Vec<_> = if prefix.is_literal() {
                    c.service_range(prefix_text).into_iter().collect()
                } else {
                    c.service_ranges()
                        .filter(|(p, _)| prefix.matches(p))
                        .map(|(_, r)| r)
                        .collect()
                };
                for range in ranges {
                    for id in range {
                        let lower = c.lower_name_of(id);
                        let bare = lower.split_once(':').map_or(lower, |(_, n)| n);
                        if name.matches(bare) {
                            set.insert(ActionId(id));
                        }
                    }
                }
            }
        }
        set
    }
}

/// Most distinct patterns kept in the expansion cache before it is emptied.
const CACHE_LIMIT: usize = 8192;

static CACHE: LazyLock<Mutex<HashMap<String, Arc<ActionSet>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Every catalog action matched by `pattern` (case-insensitive). Results are cached per distinct
/// lower-cased pattern (up to a bound) for the life of the process.
pub fn expand(pattern: &str) -> Arc<ActionSet> {
    let key = pattern.trim().to_ascii_lowercase();
    if let Some(hit) = lock_cache().get(&key) {
        return Arc::clone(hit);
    }
    // Computed outside the lock: two threads may race to compute the same set; both agree.
    let set = Arc::new(ActionPattern::new(pattern).expand_uncached());
    let mut cache = lock_cache();
    if cache.len() >= CACHE_LIMIT {
        // Real accounts use a few thousand distinct patterns at most; this only bounds memory
        // (about 2.8 KB per entry) against adversarial input.
        cache.clear();
    }
    cache.insert(key, Arc::clone(&set));
    set
}

fn lock_cache() -> std::sync::MutexGuard<'static, HashMap<String, Arc<ActionSet>>> {
    // A poisoned cache still holds correct entries (they are inserted whole).
    CACHE.lock().unwrap_or_else(|e| e.into_inner())
}

/// A statement's action scope: `Action: [...]` or `NotAction: [...]`.
#[derive(Clone, Debug)]
pub enum ActionScope {
    /// The statement applies to the actions matched by any pattern.
    Action(Vec<ActionPattern>),
    /// The statement applies to every action matched by none of the patterns.
    NotAction(Vec<ActionPattern>),
}

impl ActionScope {
    /// Builds an `Action` scope from pattern strings.
    pub fn action<S: AsRef<str>>(patterns: impl IntoIterator<Item = S>) -> ActionScope {
        ActionScope::Action(
            patterns
                .into_iter()
                .map(|p| ActionPattern::new(p.as_ref()))
                .collect(),
        )
    }

    /// Builds a `NotAction` scope from pattern strings.
    pub fn not_action<S: AsRef<str>>(patterns: impl IntoIterator<Item = S>) -> ActionScope {
        ActionScope::NotAction(
            patterns
                .into_iter()
                .map(|p| ActionPattern::new(p.as_ref()))
                .collect(),
        )
    }

    /// Does the scope include this action?
    pub fn includes(&self, action: &Action) -> bool {
        match self {
            ActionScope::Action(ps) => ps.iter().any(|p| p.matches(action)),
            ActionScope::NotAction(ps) => !ps.iter().any(|p| p.matches(action)),
        }
    }

    /// Why the scope includes `action`, e.g. "`iam:*` grants iam:CreateAccessKey"; `None` if it
    /// does not include it. `verb` is "grants" or "denies".
    pub fn explain(&self, action: &Action, verb: &str) -> Option<String> {
        match self {
            ActionScope::Action(ps) => ps
                .iter()
                .find(|p| p.matches(action))
                .map(|p| format!("`{}` {verb} {}", p.as_str(), action.full_name())),
            ActionScope::NotAction(ps) => (!ps.iter().any(|p| p.matches(action))).then(|| {
                let listed: Vec<String> = ps.iter().map(|p| format!("`{}`", p.as_str())).collect();
                format!(
                    "NotAction [{}] {verb} {} (not excluded)",
                    listed.join(", "),
                    action.full_name()
                )
            }),
        }
    }

    /// Every catalog action in the scope.
    pub fn expand(&self) -> ActionSet {
        let mut set = ActionSet::empty();
        let patterns = match self {
            ActionScope::Action(ps) | ActionScope::NotAction(ps) => ps,
        };
        for p in patterns {
            set.union_with(&expand(p.as_str()));
        }
        if matches!(self, ActionScope::NotAction(_)) {
            set = set.complement();
        }
        set
    }
}

/// A set of catalog actions (a bit set over [`ActionId`]s).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionSet {
    words: Vec<u64>,
}

impl ActionSet {
    fn word_count() -> usize {
        catalog().len().div_ceil(64)
    }

    /// The empty set.
    pub fn empty() -> ActionSet {
        ActionSet {
            words: vec![0; Self::word_count()],
        }
    }

    /// Every action of the catalog.
    pub fn all() -> ActionSet {
        ActionSet::empty().complement()
    }

    /// Adds an action.
    pub fn insert(&mut self, id: ActionId) {
        if let Some(w) = self.words.get_mut(id.index() / 64) {
            *w |= 1u64 << (id.index() % 64);
        }
    }

    /// Is the action in the set?
    pub fn contains(&self, id: ActionId) -> bool {
        self.words
            .get(id.index() / 64)
            .is_some_and(|w| w & (1u64 << (id.index() % 64)) != 0)
    }

    /// Number of actions in the set.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// True if the set holds no action.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    /// Adds every action of `other`.
    pub fn union_with(&mut self, other: &ActionSet) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }

    /// Keeps only the actions also in `other`.
    pub fn intersect_with(&mut self, other: &ActionSet) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= b;
        }
    }

    /// Every catalog action not in this set.
    pub fn complement(&self) -> ActionSet {
        let n = catalog().len();
        let mut words: Vec<u64> = self.words.iter().map(|w| !w).collect();
        if !n.is_multiple_of(64)
            && let Some(last) = words.last_mut()
        {
            *last &= (1u64 << (n % 64)) - 1;
        }
        ActionSet { words }
    }

    /// The actions of the set, in catalog order.
    pub fn iter(&self) -> impl Iterator<Item = Action> + '_ {
        let c = catalog();
        self.words.iter().enumerate().flat_map(move |(wi, &w)| {
            (0..64)
                .filter(move |b| w & (1u64 << b) != 0)
                .filter_map(move |b| c.action(ActionId((wi * 64 + b) as u32)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(set: &ActionSet) -> Vec<String> {
        set.iter().map(|a| a.full_name()).collect()
    }

    fn create_access_key() -> Action {
        match catalog().lookup("iam:CreateAccessKey") {
            Some(a) => a,
            None => unreachable!("catalog lacks iam:CreateAccessKey"),
        }
    }

    #[test]
    fn patterns_that_match_create_access_key() {
        let a = create_access_key();
        for p in [
            "iam:CreateAccessKey",
            "iam:createaccesskey",
            "IAM:CREATEACCESSKEY",
            "iam:?reateAccessKey",
            "iam:Create*",
            "iam:*Key*",
            "iam:*",
            "*",
            "*:*",
            "**",
            "*:CreateAccessKey",
            "i?m:CreateAccessKey",
        ] {
            assert!(ActionPattern::new(p).matches(&a), "{p}");
            assert!(expand(p).contains(a.id()), "{p}");
        }
        for p in [
            "iam:Create",
            "iam:CreateAccessKey?",
            "s3:*",
            "iam",
            "iam:",
            "",
            "createaccesskey",
            "iam:Delete*",
        ] {
            assert!(!ActionPattern::new(p).matches(&a), "{p}");
            assert!(!expand(p).contains(a.id()), "{p}");
        }
    }

    #[test]
    fn expand_counts() {
        let all = catalog().len();
        assert_eq!(expand("*").len(), all);
        assert_eq!(expand("*:*").len(), all);
        assert!(expand("*:*").iter().count() == all);
        assert_eq!(
            names(&expand("iam:*accesskey*")),
            [
                "iam:CreateAccessKey",
                "iam:DeleteAccessKey",
                "iam:GetAccessKeyLastUsed",
                "iam:ListAccessKeys",
                "iam:UpdateAccessKey"
            ]
        );
        assert_eq!(
            names(&expand("sts:GetAccessKeyInfo")),
            ["sts:GetAccessKeyInfo"]
        );
        assert_eq!(names(&expand("*:*AccessKey*")).len(), 9);
        assert!(expand("nosuchservice:*").is_empty());
        assert!(expand("iam:NoSuchAction").is_empty());
        // Cached result equals the uncached one.
        assert_eq!(
            *expand("iam:Get*"),
            ActionPattern::new("iam:Get*").expand_uncached()
        );
    }

    #[test]
    fn not_action_grants_everything_not_listed() {
        let scope = ActionScope::not_action(["s3:*"]);
        let set = scope.expand();
        assert_eq!(set.len(), catalog().len() - expand("s3:*").len());
        assert!(scope.includes(&create_access_key()));
        assert!(set.contains(create_access_key().id()));
        let scope = ActionScope::not_action(["iam:*", "sts:*"]);
        assert!(!scope.includes(&create_access_key()));
        let explained = ActionScope::not_action(["s3:*"]).explain(&create_access_key(), "grants");
        assert_eq!(
            explained.as_deref(),
            Some("NotAction [`s3:*`] grants iam:CreateAccessKey (not excluded)")
        );
    }

    #[test]
    fn action_scope_explains_the_matching_pattern() {
        let scope = ActionScope::action(["s3:GetObject", "iam:*"]);
        assert_eq!(
            scope.explain(&create_access_key(), "grants").as_deref(),
            Some("`iam:*` grants iam:CreateAccessKey")
        );
        assert!(
            ActionScope::action(["s3:*"])
                .explain(&create_access_key(), "grants")
                .is_none()
        );
    }

    #[test]
    fn set_algebra() {
        let mut a = (*expand("iam:*")).clone();
        let b = expand("iam:Create*");
        a.intersect_with(&b);
        assert_eq!(a, *b);
        assert_eq!(ActionSet::empty().complement().len(), catalog().len());
        assert!(ActionSet::all().complement().is_empty());
    }
}
