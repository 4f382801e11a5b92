//! `aws iam get-account-authorization-details` exports (GAAD).
//!
//! Accepted layouts: one page object; a JSON array of page objects; several page objects one
//! after the other (what `cat page*.json > all.json` gives). Lists of all pages are concatenated;
//! an entity seen twice (same ARN) is kept once, with a warning if the copies differ.
//!
//! Each entity becomes one [`Record`] whose body is compact JSON text (see `page.rs`); a
//! policy's default document is stored once and placed at both `document` and its entry in
//! `versions`. The attachment graph (`users`/`roles`/`groups` of a policy) is computed here from
//! the identities' `AttachedManagedPolicies`; group membership and permissions boundaries are
//! not attachments. An identity that attaches a policy missing from `Policies` is a warning.
//! Each inline policy (`UserPolicyList`, `GroupPolicyList`, `RolePolicyList`) is also an
//! `IamInlinePolicy` record (`<identity ARN>/inline/<name>`), sharing its document text with the
//! identity's record.

mod decode;
mod page;

pub(crate) use page::{strip_position, take_error_path};

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use gsl::Value;
use tenet_inventory::json::write_str;
use tenet_inventory::{Inventory, Provenance, Raw, RawPath, Record, Seg, Warning};

use crate::SourceError;
use page::{Identity, Kind, Page, Policy, Step, Top};

/// Decodes a policy document as the IAM API returns it (GAAD, GetPolicyVersion): a string that
/// is JSON text, or percent-encoded JSON decoded exactly once. Returns compact JSON text, or why
/// the document cannot be read. The same rule the export loader applies.
pub fn decode_document(text: &str) -> Result<String, String> {
    match decode::document_string(text) {
        decode::Doc::Json(json) => Ok(json),
        decode::Doc::Invalid(why) => Err(why),
    }
}

/// Loads an export held in memory.
pub fn load_bytes(origin: &Path, bytes: &[u8]) -> Result<Inventory, SourceError> {
    let stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Top>();
    load_stream(origin, stream)
}

/// Loads an export from a reader without holding the whole text in memory. Pass a buffered
/// reader (`BufReader`): serde_json reads it byte by byte.
pub fn load_reader(origin: &Path, r: impl Read) -> Result<Inventory, SourceError> {
    let stream = serde_json::Deserializer::from_reader(r).into_iter::<Top>();
    load_stream(origin, stream)
}

fn load_stream(
    origin: &Path,
    stream: impl Iterator<Item = Result<Top, serde_json::Error>>,
) -> Result<Inventory, SourceError> {
    page::clear_error_path();
    let mut acc = Accumulator::default();
    let mut any = false;
    let mut last_truncated: Option<Option<String>> = None;
    for top in stream {
        let Top(pages) = top.map_err(|e| SourceError::from_json(origin, &e))?;
        for page in pages {
            any = true;
            if !page.recognised {
                return Err(SourceError::new(
                    origin,
                    format!(
                        "not an `aws iam get-account-authorization-details` export: expected an object with UserDetailList, GroupDetailList, RoleDetailList or Policies; found {}",
                        page.found.strip_prefix("found ").unwrap_or(&page.found)
                    ),
                ));
            }
            last_truncated = page.is_truncated.then(|| page.marker.clone());
            acc.add(page);
        }
    }
    if !any {
        return Err(SourceError::new(
            origin,
            "empty file: expected an `aws iam get-account-authorization-details` export",
        ));
    }
    if let Some(marker) = last_truncated {
        acc.notes.push(format!(
            "the last page has `IsTruncated: true`{}: later pages are missing, so entities and attachments may be incomplete",
            marker.map(|m| format!(" (Marker {m})")).unwrap_or_default()
        ));
    }
    Ok(acc.finish(origin))
}

#[derive(Default)]
struct Accumulator {
    identities: Vec<Identity>,
    policies: Vec<Policy>,
    notes: Vec<String>,
}

impl Accumulator {
    fn add(&mut self, mut page: Page) {
        self.notes.extend(page.notes);
        // The common single-page case: keep the page's list instead of copying into a new one.
        if self.policies.is_empty() && page.policies.iter().all(|p| !p.arn.is_empty()) {
            std::mem::swap(&mut self.policies, &mut page.policies);
        }
        for i in page.users.into_iter().chain(page.groups).chain(page.roles) {
            if i.arn.is_empty() {
                self.notes.push(format!(
                    "a {} without `Arn`{} was skipped",
                    i.kind.noun(),
                    named(&i.name)
                ));
            } else {
                self.identities.push(i);
            }
        }
        for p in page.policies {
            if p.arn.is_empty() {
                self.notes.push(format!(
                    "a policy without `Arn`{} was skipped",
                    named(&p.name)
                ));
            } else {
                self.policies.push(p);
            }
        }
    }

    fn finish(mut self, origin: &Path) -> Inventory {
        let path: Arc<Path> = Arc::from(origin);
        let origin_text = origin.display().to_string();

        // Users, groups, roles in that order; file order within each kind.
        self.identities.sort_by_key(|i| i.kind);
        let identities = dedup(
            &mut self.notes,
            &self.identities,
            |i| (i.kind, &i.arn),
            |a, b| a.json == b.json,
        );
        let policies = dedup(
            &mut self.notes,
            &self.policies,
            |p| ((), &p.arn),
            |a, b| a.head == b.head && doc_text(&a.default) == doc_text(&b.default),
        );

        // The attachment graph: policy index -> attaching identities, in identity order.
        let mut by_arn: Vec<u32> = policies.clone();
        by_arn.sort_by(|&a, &b| {
            self.policies[a as usize]
                .arn
                .cmp(&self.policies[b as usize].arn)
        });
        let mut edges: Vec<(u32, u32)> = Vec::new();
        let mut missing: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for &ii in &identities {
            let ident = &self.identities[ii as usize];
            for parn in &ident.attached {
                match by_arn.binary_search_by(|&p| self.policies[p as usize].arn.as_str().cmp(parn))
                {
                    Ok(at) => edges.push((by_arn[at], ii)),
                    Err(_) => missing.entry(parn).or_default().push(format!(
                        "{} {}",
                        ident.kind.noun(),
                        ident.name
                    )),
                }
            }
        }
        edges.sort_unstable();
        edges.dedup();
        for (parn, by) in missing {
            self.notes.push(format!(
                "managed policy {parn} is attached to {} but is not in `Policies`; it is not checked",
                by.join(", ")
            ));
        }

        let mut inv = Inventory::new();
        inv.reserve(identities.len() + policies.len());
        for n in self.notes.drain(..) {
            inv.warn(Warning::new(origin_text.clone(), n));
        }
        let prov = || Provenance::File {
            path: path.clone(),
            line: None,
            column: None,
        };

        let document_path = RawPath::new([Seg::from("document")]);
        // Move the drafts out so their text can be reused without copies.
        let mut identity_slots: Vec<Option<Identity>> = std::mem::take(&mut self.identities)
            .into_iter()
            .map(Some)
            .collect();
        for &ii in &identities {
            let Some(ident) = identity_slots[ii as usize].as_mut() else {
                continue;
            };
            let mut r = Record::new(
                ident.kind.record_kind(),
                ident.arn.clone(),
                ident.name.clone(),
                prov(),
            );
            r.push_raw(RawPath::root(), Raw::Json(ident.json.clone()));
            for (steps, reason) in std::mem::take(&mut ident.unknown) {
                r.push_raw(raw_path(&steps), Raw::Value(Value::unknown(reason)));
            }
            ident.attached = Vec::new();
            let inline = std::mem::take(&mut ident.inline);
            for (i, (_, doc)) in inline.iter().enumerate() {
                if let Ok(doc) = doc {
                    let path = RawPath::new([
                        Seg::from("inlinePolicies"),
                        Seg::from(i),
                        Seg::from("document"),
                    ]);
                    r.push_raw(path, Raw::Json(doc.clone()));
                }
            }
            inv.push(r);
            // Each inline policy is also an entity of its own, right after its identity; the
            // document text is shared with the identity's record.
            for (name, doc) in inline {
                let mut head = String::from("{\"name\":");
                write_str(&mut head, &name);
                head.push_str(",\"identity\":{\"type\":");
                write_str(&mut head, ident.kind.record_kind());
                head.push_str(",\"name\":");
                write_str(&mut head, &ident.name);
                head.push_str(",\"arn\":");
                write_str(&mut head, &ident.arn);
                head.push_str("}}");
                let mut p = Record::new(
                    "IamInlinePolicy",
                    format!("{}/inline/{name}", ident.arn),
                    name,
                    prov(),
                );
                p.push_raw(RawPath::root(), Raw::Json(Arc::from(head)));
                match doc {
                    Ok(doc) => p.push_raw(document_path.clone(), Raw::Json(doc)),
                    Err(reason) => p.set_field("document", Value::unknown(reason)),
                }
                inv.push(p);
            }
        }

        let unattached: Arc<str> = Arc::from(r#"{"users":[],"roles":[],"groups":[]}"#);
        let mut version_paths: Vec<RawPath> = Vec::new();
        let mut version_path = |i: usize| {
            while version_paths.len() <= i {
                let n = version_paths.len();
                version_paths.push(RawPath::new([
                    Seg::from("versions"),
                    Seg::from(n),
                    Seg::from("document"),
                ]));
            }
            version_paths[i].clone()
        };
        let mut e = 0;
        for &pi in &policies {
            while e < edges.len() && edges[e].0 < pi {
                e += 1;
            }
            let from = e;
            while e < edges.len() && edges[e].0 == pi {
                e += 1;
            }
            let attachers = &edges[from..e];
            let p = &mut self.policies[pi as usize];
            // Moved, not cloned: the draft is not needed any more.
            let mut r = Record::new(
                "IamPolicy",
                std::mem::take(&mut p.arn),
                std::mem::take(&mut p.name),
                prov(),
            );
            r.push_raw(RawPath::root(), Raw::Json(p.head.clone()));
            // Attachments as a second root part; the common "attached to nothing" text is shared.
            let links = if attachers.is_empty() && p.attachment_count.is_some() {
                unattached.clone()
            } else {
                Arc::from(attachments(p.attachment_count, attachers, &identity_slots))
            };
            r.push_raw(RawPath::root(), Raw::Json(links));
            match p.default.take() {
                Some((i, Ok(doc))) => {
                    r.push_raw(document_path.clone(), Raw::Json(doc.clone()));
                    r.push_raw(version_path(i), Raw::Json(doc));
                }
                Some((i, Err(reason))) => {
                    let reason = format!("default version unreadable: {reason}");
                    r.set_field("document", Value::unknown(reason.clone()));
                    r.push_raw(version_path(i), Raw::Value(Value::unknown(reason)));
                }
                None => {
                    let reason = p
                        .no_default
                        .take()
                        .unwrap_or_else(|| "default version unknown".into());
                    r.set_field("document", Value::unknown(reason));
                }
            }
            for (steps, reason) in std::mem::take(&mut p.unknown) {
                r.push_raw(raw_path(&steps), Raw::Value(Value::unknown(reason)));
            }
            inv.push(r);
        }
        inv
    }
}

fn named(name: &str) -> String {
    if name.is_empty() {
        String::new()
    } else {
        format!(" (`{name}`)")
    }
}

fn doc_text(d: &Option<(usize, Result<Arc<str>, String>)>) -> Option<&str> {
    match d {
        Some((_, Ok(t))) => Some(t),
        _ => None,
    }
}

/// `{"attachmentCount":n,"users":[..],"roles":[..],"groups":[..]}`: the identities attaching a
/// policy (`attachmentCount` only when the export did not give it).
fn attachments(
    count: Option<u64>,
    attachers: &[(u32, u32)],
    identities: &[Option<Identity>],
) -> String {
    let mut out = String::from("{");
    if count.is_none() {
        out.push_str(&format!("\"attachmentCount\":{},", attachers.len()));
    }
    for (n, (key, kind)) in [
        ("users", Kind::User),
        ("roles", Kind::Role),
        ("groups", Kind::Group),
    ]
    .into_iter()
    .enumerate()
    {
        if n > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(key);
        out.push_str("\":[");
        let mut first = true;
        for &(_, ii) in attachers {
            let Some(ident) = identities.get(ii as usize).and_then(Option::as_ref) else {
                continue;
            };
            if ident.kind != kind {
                continue;
            }
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str("{\"name\":");
            write_str(&mut out, &ident.name);
            out.push_str(",\"arn\":");
            write_str(&mut out, &ident.arn);
            if let Some(id) = &ident.id {
                out.push_str(",\"id\":");
                write_str(&mut out, id);
            }
            out.push('}');
        }
        out.push(']');
    }
    out.push('}');
    out
}

fn raw_path(steps: &[Step]) -> RawPath {
    RawPath::new(steps.iter().map(|s| match s {
        Step::Key(k) => Seg::from(*k),
        Step::Index(i) => Seg::from(*i),
    }))
}

/// Indices of the entities to keep: the first of each ARN (per key), in input order. Later
/// copies are dropped, with a warning when they differ from the first.
fn dedup<T, K: Ord + Copy>(
    notes: &mut Vec<String>,
    items: &[T],
    key: impl Fn(&T) -> (K, &String),
    same: impl Fn(&T, &T) -> bool,
) -> Vec<u32> {
    let mut order: Vec<u32> = (0..items.len() as u32).collect();
    // Stable sort: equal ARNs stay in input order, so the first copy comes first.
    order.sort_by(|&a, &b| key(&items[a as usize]).cmp(&key(&items[b as usize])));
    let mut keep = vec![true; items.len()];
    let mut differing: Vec<&String> = Vec::new();
    for w in order.windows(2) {
        let (a, b) = (&items[w[0] as usize], &items[w[1] as usize]);
        if key(a) == key(b) {
            keep[w[1] as usize] = false;
            // Compare with the first copy (w[0] may itself be a later copy; equal chains hold).
            if !same(a, b) {
                differing.push(key(b).1);
            }
        }
    }
    differing.dedup();
    for arn in differing {
        notes.push(format!(
            "{arn} appears more than once with different content; the first copy is used"
        ));
    }
    (0..items.len() as u32)
        .filter(|&i| keep[i as usize])
        .collect()
}
