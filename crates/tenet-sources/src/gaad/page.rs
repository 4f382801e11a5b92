//! One page of `get-account-authorization-details`, read with serde visitors.
//!
//! Each user, group, role and policy is turned into a draft as soon as it is read: small fields
//! become a compact JSON object text (in CloudGuard's property names) and documents stay compact
//! JSON text. No parsed tree of the export is ever held, which keeps memory near the size of the
//! documents themselves.

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::de::value::MapAccessDeserializer;
use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::value::RawValue;
use tenet_inventory::json::{compact, write_str};

use super::decode::Doc;

/// Which identity list an entry came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    User,
    Group,
    Role,
}

impl Kind {
    pub(crate) fn record_kind(self) -> &'static str {
        match self {
            Kind::User => "IamUser",
            Kind::Group => "IamGroup",
            Kind::Role => "IamRole",
        }
    }

    pub(crate) fn noun(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Group => "group",
            Kind::Role => "role",
        }
    }

    fn keys(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Kind::User => ("UserName", "UserId", "UserPolicyList"),
            Kind::Group => ("GroupName", "GroupId", "GroupPolicyList"),
            Kind::Role => ("RoleName", "RoleId", "RolePolicyList"),
        }
    }
}

/// A user, group or role, ready to become a record.
#[derive(Debug)]
pub(crate) struct Identity {
    pub kind: Kind,
    pub name: String,
    pub arn: String,
    pub id: Option<String>,
    /// The whole entity as compact JSON (documents included), shared with the record as is.
    pub json: Arc<str>,
    /// Documents that could not be read: where they go and why.
    pub unknown: Vec<(Vec<Step>, String)>,
    /// ARNs of the attached managed policies (for the attachment graph).
    pub attached: Vec<String>,
    /// Inline policies in `*PolicyList` order: name and document (or why it is unreadable).
    /// The documents are not in `json`: each is stored once and placed in both the identity and
    /// its `IamInlinePolicy` record.
    pub inline: Vec<(String, Result<Arc<str>, String>)>,
    pub notes: Vec<String>,
}

/// A managed policy, ready to become a record once attachments are known.
#[derive(Debug)]
pub(crate) struct Policy {
    pub name: String,
    pub arn: String,
    /// The entity as compact JSON, without attachments and the default document (added later
    /// as separate parts, so this text goes into the record without a copy).
    pub head: Arc<str>,
    pub attachment_count: Option<u64>,
    /// The default version's index in `versions` and its document (stored once, placed twice).
    pub default: Option<(usize, Result<Arc<str>, String>)>,
    /// Why there is no usable default document, if so.
    pub no_default: Option<String>,
    pub unknown: Vec<(Vec<Step>, String)>,
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    Key(&'static str),
    Index(usize),
}

/// What one top-level JSON value of the file held.
#[derive(Debug, Default)]
pub(crate) struct Page {
    pub users: Vec<Identity>,
    pub groups: Vec<Identity>,
    pub roles: Vec<Identity>,
    pub policies: Vec<Policy>,
    /// Warnings without origin; the loader adds the file.
    pub notes: Vec<String>,
    pub is_truncated: bool,
    pub marker: Option<String>,
    /// Whether any of the four export lists was present.
    pub recognised: bool,
    /// What was found instead, for the "not an export" message.
    pub found: String,
}

/// The top-level values of a file: a page object, or an array of page objects.
pub(crate) struct Top(pub Vec<Page>);

impl<'de> Deserialize<'de> for Top {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Top;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an export page object or an array of them")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Top, A::Error> {
                Ok(Top(vec![PageVisitor.visit_map(map)?]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Top, A::Error> {
                let mut pages = Vec::new();
                while let Some(p) = seq
                    .next_element::<Page>()
                    .map_err(|e| within(&format!("[{}]", pages.len()), e))?
                {
                    let mut p = p;
                    if !p.recognised && !p.found.starts_with("found ") {
                        p.found = format!("an array whose item [{}] is {}", pages.len(), p.found);
                    }
                    pages.push(p);
                }
                if pages.is_empty() {
                    pages.push(not_page("an empty array".into()));
                }
                Ok(Top(pages))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Top, E> {
                PageVisitor.visit_bool(v).map(|p| Top(vec![p]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Top, E> {
                PageVisitor.visit_i64(v).map(|p| Top(vec![p]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Top, E> {
                PageVisitor.visit_u64(v).map(|p| Top(vec![p]))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Top, E> {
                PageVisitor.visit_f64(v).map(|p| Top(vec![p]))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Top, E> {
                PageVisitor.visit_str(v).map(|p| Top(vec![p]))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Top, E> {
                PageVisitor.visit_unit().map(|p| Top(vec![p]))
            }
        }
        d.deserialize_any(V)
    }
}

fn not_page(found: String) -> Page {
    Page {
        found,
        ..Page::default()
    }
}

impl<'de> Deserialize<'de> for Page {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PageVisitor)
    }
}

struct PageVisitor;

impl<'de> Visitor<'de> for PageVisitor {
    type Value = Page;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an export page object")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Page, E> {
        Ok(not_page("a boolean".into()))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Page, E> {
        Ok(not_page("a number".into()))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Page, E> {
        Ok(not_page("a number".into()))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Page, E> {
        Ok(not_page("a number".into()))
    }
    fn visit_str<E>(self, _: &str) -> Result<Page, E> {
        Ok(not_page("a string".into()))
    }
    fn visit_unit<E>(self) -> Result<Page, E> {
        Ok(not_page("null".into()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Page, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(not_page("an array".into()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Page, A::Error> {
        let mut page = Page::default();
        let mut keys = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "UserDetailList" | "GroupDetailList" | "RoleDetailList" => {
                    page.recognised = true;
                    let kind = match key.as_str() {
                        "UserDetailList" => Kind::User,
                        "GroupDetailList" => Kind::Group,
                        _ => Kind::Role,
                    };
                    let mut items = Vec::new();
                    let notes = &mut page.notes;
                    map.next_value_seed(ListSeed {
                        what: "a list of identity objects",
                        allow_single: false,
                        element: || IdentitySeed { kind },
                        sink: |mut i: Identity| {
                            notes.append(&mut i.notes);
                            items.push(i);
                        },
                        _m: PhantomData,
                    })
                    .map_err(|e| within(&key, e))?;
                    match kind {
                        Kind::User => page.users.extend(items),
                        Kind::Group => page.groups.extend(items),
                        Kind::Role => page.roles.extend(items),
                    }
                }
                "Policies" => {
                    page.recognised = true;
                    let notes = &mut page.notes;
                    let policies = &mut page.policies;
                    map.next_value_seed(ListSeed {
                        what: "a list of managed policy objects",
                        allow_single: false,
                        element: || Plain::<Policy>(PhantomData),
                        sink: |mut p: Policy| {
                            notes.append(&mut p.notes);
                            policies.push(p);
                        },
                        _m: PhantomData,
                    })
                    .map_err(|e| within(&key, e))?;
                }
                "IsTruncated" => {
                    page.is_truncated = value::<A, Option<bool>>(&mut map, &key)?.unwrap_or(false);
                }
                "Marker" => page.marker = value(&mut map, &key)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            if keys.len() < 12 {
                keys.push(key);
            }
        }
        page.found = if keys.is_empty() {
            "an empty object".into()
        } else {
            format!("found keys {}", keys.join(", "))
        };
        Ok(page)
    }
}

/// Reads a map value, naming the key in type errors.
fn value<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    key: &str,
) -> Result<T, A::Error> {
    map.next_value::<T>().map_err(|e| within(key, e))
}

thread_local! {
    /// The fields an error travelled through, innermost first. Errors are passed up unchanged
    /// (so they keep serde_json's exact position); the loader reads this to name the field.
    static ERROR_PATH: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Records that `e` happened inside `step` (a key, or `[index]`).
pub(crate) fn within<E>(step: &str, e: E) -> E {
    ERROR_PATH.with(|p| p.borrow_mut().push(step.to_string()));
    e
}

/// Forgets any recorded path (called before each load).
pub(crate) fn clear_error_path() {
    ERROR_PATH.with(|p| p.borrow_mut().clear());
}

/// The recorded path, e.g. `Policies[3].PolicyVersionList[0].IsDefaultVersion`; then cleared.
pub(crate) fn take_error_path() -> String {
    let steps = ERROR_PATH.with(|p| std::mem::take(&mut *p.borrow_mut()));
    let mut out = String::new();
    for step in steps.iter().rev() {
        if !out.is_empty() && !step.starts_with('[') {
            out.push('.');
        }
        out.push_str(step);
    }
    out
}

/// serde_json appends " at line L column C" to messages; the loader reports them separately.
pub(crate) fn strip_position(msg: &str) -> &str {
    if let Some(at) = msg.rfind(" at line ") {
        let tail = &msg[at + " at line ".len()..];
        let mut parts = tail.split(" column ");
        if let (Some(l), Some(c), None) = (parts.next(), parts.next(), parts.next())
            && l.bytes().all(|b| b.is_ascii_digit())
            && c.bytes().all(|b| b.is_ascii_digit())
        {
            return &msg[..at];
        }
    }
    msg
}

/// A list whose elements are handed to `sink` one by one (so no intermediate list is built).
/// `null` reads as an empty list. With `allow_single`, one object stands for a one-element
/// list (the AWS CLI documentation prints `AttachedManagedPolicies` that way).
struct ListSeed<T, S, F, G> {
    what: &'static str,
    allow_single: bool,
    element: G,
    sink: F,
    _m: PhantomData<(T, S)>,
}

impl<'de, T, S, F, G> DeserializeSeed<'de> for ListSeed<T, S, F, G>
where
    S: DeserializeSeed<'de, Value = T>,
    F: FnMut(T),
    G: FnMut() -> S,
{
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T, S, F, G> Visitor<'de> for ListSeed<T, S, F, G>
where
    S: DeserializeSeed<'de, Value = T>,
    F: FnMut(T),
    G: FnMut() -> S,
{
    /// Whether a single object stood for the list.
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)
    }

    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_none<E>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<bool, A::Error> {
        let mut n = 0;
        loop {
            let seed = (self.element)();
            match seq
                .next_element_seed(seed)
                .map_err(|e| within(&format!("[{n}]"), e))?
            {
                Some(item) => (self.sink)(item),
                None => return Ok(false),
            }
            n += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(mut self, map: A) -> Result<bool, A::Error> {
        if !self.allow_single {
            return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
        }
        let seed = (self.element)();
        let item = seed.deserialize(MapAccessDeserializer::new(map))?;
        (self.sink)(item);
        Ok(true)
    }
}

/// Plain elements (no notes needed): `T: Deserialize` as a seed.
struct Plain<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Plain<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::deserialize(d)
    }
}

/// Reads a list of plain elements into a Vec; returns whether a single object stood for it.
fn list<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    key: &str,
    what: &'static str,
    allow_single: bool,
) -> Result<(Vec<T>, bool), A::Error> {
    let mut items = Vec::new();
    let single = map
        .next_value_seed(ListSeed {
            what,
            allow_single,
            element: || Plain::<T>(PhantomData),
            sink: |t| items.push(t),
            _m: PhantomData,
        })
        .map_err(|e| within(key, e))?;
    Ok((items, single))
}

/// `{PolicyName, PolicyArn}` in `AttachedManagedPolicies`.
struct Attached {
    name: Option<String>,
    arn: Option<String>,
}

/// `{PolicyName, PolicyDocument}` in `*PolicyList`.
struct Inline {
    name: Option<String>,
    doc: Option<Doc>,
}

/// `{PermissionsBoundaryArn, PermissionsBoundaryType}`.
struct Boundary {
    arn: Option<String>,
    kind: Option<String>,
}

/// `{Document, VersionId, IsDefaultVersion, CreateDate}` in `PolicyVersionList`.
struct Version {
    id: Option<String>,
    is_default: Option<bool>,
    create_date: Option<Box<RawValue>>,
    doc: Option<Doc>,
}

macro_rules! object_visitor {
    ($ty:ident, $what:literal, |$map:ident, $key:ident| $init:expr, $body:expr) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }
                    #[allow(unused_mut)]
                    fn visit_map<A: MapAccess<'de>>(self, mut $map: A) -> Result<$ty, A::Error> {
                        let mut out: $ty = $init;
                        while let Some($key) = $map.next_key::<String>()? {
                            let set: &mut $ty = &mut out;
                            #[allow(clippy::redundant_closure_call)]
                            ($body)(set, &mut $map, $key.as_str())?;
                        }
                        Ok(out)
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
}

object_visitor!(
    Attached,
    "an attached policy object ({PolicyName, PolicyArn})",
    |map, key| Attached {
        name: None,
        arn: None
    },
    |o: &mut Attached, map: &mut A, key: &str| -> Result<(), A::Error> {
        match key {
            "PolicyName" => o.name = value(map, key)?,
            "PolicyArn" => o.arn = value(map, key)?,
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
);

object_visitor!(
    Inline,
    "an inline policy object ({PolicyName, PolicyDocument})",
    |map, key| Inline {
        name: None,
        doc: None
    },
    |o: &mut Inline, map: &mut A, key: &str| -> Result<(), A::Error> {
        match key {
            "PolicyName" => o.name = value(map, key)?,
            "PolicyDocument" => o.doc = Some(value(map, key)?),
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
);

object_visitor!(
    Boundary,
    "a permissions boundary object",
    |map, key| Boundary {
        arn: None,
        kind: None
    },
    |o: &mut Boundary, map: &mut A, key: &str| -> Result<(), A::Error> {
        match key {
            "PermissionsBoundaryArn" => o.arn = value(map, key)?,
            "PermissionsBoundaryType" => o.kind = value(map, key)?,
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
);

object_visitor!(
    Version,
    "a policy version object",
    |map, key| Version {
        id: None,
        is_default: None,
        create_date: None,
        doc: None
    },
    |o: &mut Version, map: &mut A, key: &str| -> Result<(), A::Error> {
        match key {
            "VersionId" => o.id = value(map, key)?,
            "IsDefaultVersion" => o.is_default = value(map, key)?,
            "CreateDate" => o.create_date = value(map, key)?,
            "Document" => o.doc = Some(value(map, key)?),
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
);

/// Writes a compact JSON object member by member.
struct ObjWriter {
    buf: String,
    first: bool,
}

impl ObjWriter {
    fn new(capacity: usize) -> Self {
        let mut buf = String::with_capacity(capacity);
        buf.push('{');
        Self { buf, first: true }
    }

    fn key(&mut self, k: &str) {
        if !self.first {
            self.buf.push(',');
        }
        self.first = false;
        write_str(&mut self.buf, k);
        self.buf.push(':');
    }

    fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        write_str(&mut self.buf, v);
    }

    fn opt_str(&mut self, k: &str, v: Option<&str>) {
        if let Some(v) = v {
            self.str(k, v);
        }
    }

    fn raw(&mut self, k: &str, json: &str) {
        self.key(k);
        self.buf.push_str(json);
    }

    fn opt_raw(&mut self, k: &str, v: Option<&RawValue>) {
        if let Some(v) = v {
            self.raw(k, &compact(v.get()));
        }
    }

    fn num(&mut self, k: &str, v: u64) {
        self.raw(k, &v.to_string());
    }

    fn bool(&mut self, k: &str, v: bool) {
        self.raw(k, if v { "true" } else { "false" });
    }

    fn finish(mut self) -> String {
        self.buf.push('}');
        self.buf
    }
}

/// The last path segment of an ARN (`arn:aws:iam::aws:policy/job/ViewOnly` -> `ViewOnly`).
pub(crate) fn name_from_arn(arn: &str) -> &str {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or(arn);
    resource.rsplit('/').next().unwrap_or(resource)
}

struct IdentitySeed {
    kind: Kind,
}

impl<'de> DeserializeSeed<'de> for IdentitySeed {
    type Value = Identity;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Identity, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for IdentitySeed {
    type Value = Identity;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} object", self.kind.noun())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Identity, A::Error> {
        let kind = self.kind;
        let mut notes = Vec::new();
        let (name_key, id_key, inline_key) = kind.keys();
        let mut name: Option<String> = None;
        let mut id: Option<String> = None;
        let mut arn: Option<String> = None;
        let mut path: Option<String> = None;
        let mut create_date: Option<Box<RawValue>> = None;
        let mut groups: Vec<String> = Vec::new();
        let mut attached: Vec<Attached> = Vec::new();
        let mut attached_single = false;
        let mut inline: Vec<Inline> = Vec::new();
        let mut assume: Option<Doc> = None;
        let mut boundary: Option<Boundary> = None;
        while let Some(key) = map.next_key::<String>()? {
            let k = key.as_str();
            if k == name_key {
                name = value(&mut map, k)?;
            } else if k == id_key {
                id = value(&mut map, k)?;
            } else if k == inline_key {
                inline = list(&mut map, k, "a list of inline policy objects", false)?.0;
            } else {
                match k {
                    "Arn" => arn = value(&mut map, k)?,
                    "Path" => path = value(&mut map, k)?,
                    "CreateDate" => create_date = value(&mut map, k)?,
                    "GroupList" if kind == Kind::User => {
                        groups = value::<A, Option<Vec<String>>>(&mut map, k)?.unwrap_or_default();
                    }
                    "AttachedManagedPolicies" => {
                        (attached, attached_single) =
                            list(&mut map, k, "a list of attached policy objects", true)?;
                    }
                    "AssumeRolePolicyDocument" if kind == Kind::Role => {
                        assume = Some(value(&mut map, k)?);
                    }
                    "PermissionsBoundary" => boundary = value(&mut map, k)?,
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
        }
        let Some(arn) = arn else {
            // Without an ARN nothing can refer to it; the loader skips it with a warning.
            return Ok(Identity {
                kind,
                name: name.unwrap_or_default(),
                arn: String::new(),
                id,
                json: Arc::from(""),
                unknown: Vec::new(),
                attached: Vec::new(),
                inline: Vec::new(),
                notes,
            });
        };
        let name = name.unwrap_or_else(|| name_from_arn(&arn).to_string());
        if attached_single {
            notes.push(format!(
                "{} {name}: `AttachedManagedPolicies` is a single object, not a list; read as a one-element list",
                kind.noun()
            ));
        }
        let mut unknown = Vec::new();
        let mut w = ObjWriter::new(256);
        w.str("name", &name);
        w.str("arn", &arn);
        w.opt_str("id", id.as_deref());
        w.opt_str("path", path.as_deref());
        w.opt_raw("createDate", create_date.as_deref());
        if kind == Kind::User {
            w.key("groups");
            w.buf.push('[');
            for (i, g) in groups.iter().enumerate() {
                if i > 0 {
                    w.buf.push(',');
                }
                write_str(&mut w.buf, g);
            }
            w.buf.push(']');
        }
        w.key("managedPolicies");
        w.buf.push('[');
        let mut attached_arns = Vec::with_capacity(attached.len());
        let mut written = 0;
        for a in attached {
            let Some(parn) = a.arn else {
                notes.push(format!(
                    "{} {name}: an entry of `AttachedManagedPolicies` has no `PolicyArn`; ignored",
                    kind.noun()
                ));
                continue;
            };
            if written > 0 {
                w.buf.push(',');
            }
            written += 1;
            let mut o = ObjWriter::new(64);
            o.str("name", a.name.as_deref().unwrap_or(name_from_arn(&parn)));
            o.str("arn", &parn);
            w.buf.push_str(&o.finish());
            attached_arns.push(parn);
        }
        w.buf.push(']');
        w.key("inlinePolicies");
        w.buf.push('[');
        let mut inline_docs = Vec::with_capacity(inline.len());
        for (i, p) in inline.into_iter().enumerate() {
            if i > 0 {
                w.buf.push(',');
            }
            let mut o = ObjWriter::new(64);
            let pname = p.name.unwrap_or_default();
            o.str("name", &pname);
            match p.doc {
                Some(Doc::Json(d)) => inline_docs.push((pname, Ok(Arc::from(d)))),
                Some(Doc::Invalid(reason)) => {
                    inline_docs.push((pname.clone(), Err(reason.clone())));
                    notes.push(format!(
                        "{} {name}: inline policy `{pname}`: {reason}",
                        kind.noun()
                    ));
                    unknown.push((
                        vec![
                            Step::Key("inlinePolicies"),
                            Step::Index(i),
                            Step::Key("document"),
                        ],
                        reason,
                    ));
                }
                None => {
                    let reason = "the export has no `PolicyDocument` for this inline policy";
                    inline_docs.push((pname, Err(reason.into())));
                    unknown.push((
                        vec![
                            Step::Key("inlinePolicies"),
                            Step::Index(i),
                            Step::Key("document"),
                        ],
                        reason.into(),
                    ))
                }
            }
            w.buf.push_str(&o.finish());
        }
        w.buf.push(']');
        if kind == Kind::Role {
            match assume {
                Some(Doc::Json(d)) => w.raw("assumeRolePolicy", &d),
                Some(Doc::Invalid(reason)) => {
                    notes.push(format!("role {name}: `AssumeRolePolicyDocument`: {reason}"));
                    unknown.push((vec![Step::Key("assumeRolePolicy")], reason));
                }
                None => {}
            }
        }
        if let Some(b) = boundary {
            let mut o = ObjWriter::new(96);
            o.opt_str("arn", b.arn.as_deref());
            o.opt_str("type", b.kind.as_deref());
            w.raw("permissionsBoundary", &o.finish());
        }
        Ok(Identity {
            kind,
            name,
            arn,
            id,
            json: Arc::from(w.finish()),
            unknown,
            attached: attached_arns,
            inline: inline_docs,
            notes,
        })
    }
}

impl<'de> Deserialize<'de> for Policy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Policy, D::Error> {
        d.deserialize_map(PolicyVisitor)
    }
}

struct PolicyVisitor;

impl<'de> Visitor<'de> for PolicyVisitor {
    type Value = Policy;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a managed policy object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Policy, A::Error> {
        let mut notes = Vec::new();
        let mut name: Option<String> = None;
        let mut id: Option<String> = None;
        let mut arn: Option<String> = None;
        let mut path: Option<String> = None;
        let mut description: Option<String> = None;
        let mut default_version_id: Option<String> = None;
        let mut attachment_count: Option<u64> = None;
        let mut boundary_count: Option<u64> = None;
        let mut is_attachable: Option<bool> = None;
        let mut create_date: Option<Box<RawValue>> = None;
        let mut update_date: Option<Box<RawValue>> = None;
        let mut versions: Vec<Version> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let k = key.as_str();
            match k {
                "PolicyName" => name = value(&mut map, k)?,
                "PolicyId" => id = value(&mut map, k)?,
                "Arn" => arn = value(&mut map, k)?,
                "Path" => path = value(&mut map, k)?,
                "Description" => description = value(&mut map, k)?,
                "DefaultVersionId" => default_version_id = value(&mut map, k)?,
                "AttachmentCount" => attachment_count = value(&mut map, k)?,
                "PermissionsBoundaryUsageCount" => boundary_count = value(&mut map, k)?,
                "IsAttachable" => is_attachable = value(&mut map, k)?,
                "CreateDate" => create_date = value(&mut map, k)?,
                "UpdateDate" => update_date = value(&mut map, k)?,
                "PolicyVersionList" => {
                    versions = list(&mut map, k, "a list of policy version objects", false)?.0;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let Some(arn) = arn else {
            return Ok(Policy {
                name: name.unwrap_or_default(),
                arn: String::new(),
                head: Arc::from(""),
                attachment_count: None,
                default: None,
                no_default: None,
                unknown: Vec::new(),
                notes,
            });
        };
        // moto leaves out PolicyName and PolicyId.
        let name = name.unwrap_or_else(|| name_from_arn(&arn).to_string());
        let is_aws_managed = arn.split(':').nth(4) == Some("aws");

        // The default version: IsDefaultVersion, else DefaultVersionId.
        let flagged: Vec<usize> = (0..versions.len())
            .filter(|&i| versions[i].is_default == Some(true))
            .collect();
        let by_id = default_version_id
            .as_deref()
            .and_then(|d| versions.iter().position(|v| v.id.as_deref() == Some(d)));
        let default_index = flagged.first().copied().or(by_id);
        if flagged.len() > 1 {
            notes.push(format!(
                "policy {arn}: {} versions are marked `IsDefaultVersion`; using the first",
                flagged.len()
            ));
        }
        if let (Some(f), Some(b)) = (flagged.first(), by_id)
            && *f != b
        {
            notes.push(format!(
                "policy {arn}: `DefaultVersionId` {} disagrees with the version marked `IsDefaultVersion`; using the marked one",
                default_version_id.as_deref().unwrap_or_default()
            ));
        }
        let no_default = match default_index {
            Some(_) => None,
            None => {
                let why = if versions.is_empty() {
                    "the export has no `PolicyVersionList` for this policy".to_string()
                } else {
                    format!(
                        "no version is marked `IsDefaultVersion` and `DefaultVersionId` ({}) matches none of the {} versions",
                        default_version_id.as_deref().unwrap_or("absent"),
                        versions.len()
                    )
                };
                notes.push(format!("policy {arn}: default version unknown: {why}"));
                Some(format!("default version unknown: {why}"))
            }
        };
        let default_version_id = default_version_id
            .or_else(|| default_index.and_then(|i| versions.get(i).and_then(|v| v.id.clone())));

        let mut w = ObjWriter::new(512);
        w.str("name", &name);
        w.str("arn", &arn);
        w.opt_str("id", id.as_deref());
        w.opt_str("path", path.as_deref());
        w.opt_str("description", description.as_deref());
        w.bool("isAwsManaged", is_aws_managed);
        if let Some(n) = attachment_count {
            w.num("attachmentCount", n);
        }
        if let Some(n) = boundary_count {
            w.num("permissionsBoundaryUsageCount", n);
        }
        if let Some(b) = is_attachable {
            w.bool("isAttachable", b);
        }
        w.opt_raw("createDate", create_date.as_deref());
        w.opt_raw("updateDate", update_date.as_deref());
        w.opt_str("defaultVersionId", default_version_id.as_deref());
        w.key("versions");
        w.buf.push('[');
        let mut default = None;
        let mut unknown = Vec::new();
        for (i, v) in versions.into_iter().enumerate() {
            if i > 0 {
                w.buf.push(',');
            }
            let is_default = Some(i) == default_index;
            let mut o = ObjWriter::new(64);
            o.opt_str("versionId", v.id.as_deref());
            o.bool("isDefaultVersion", is_default);
            o.opt_raw("createDate", v.create_date.as_deref());
            let doc = v.doc.unwrap_or_else(|| {
                Doc::Invalid("the export has no `Document` for this version".into())
            });
            match doc {
                // Stored once, placed at `document` and here when the record is built.
                d if is_default => {
                    if let Doc::Invalid(reason) = &d {
                        notes.push(format!(
                            "policy {arn}: default version {}: {reason}",
                            v.id.as_deref().unwrap_or("?")
                        ));
                    }
                    default = Some((
                        i,
                        match d {
                            Doc::Json(text) => Ok(Arc::from(text)),
                            Doc::Invalid(reason) => Err(reason),
                        },
                    ));
                }
                Doc::Json(d) => o.raw("document", &d),
                Doc::Invalid(reason) => {
                    notes.push(format!(
                        "policy {arn}: version {}: {reason}",
                        v.id.as_deref().unwrap_or("?")
                    ));
                    unknown.push((
                        vec![Step::Key("versions"), Step::Index(i), Step::Key("document")],
                        reason,
                    ));
                }
            }
            w.buf.push_str(&o.finish());
        }
        w.buf.push(']');
        let head = Arc::from(w.finish());
        Ok(Policy {
            name,
            arn,
            head,
            attachment_count,
            default,
            no_default,
            unknown,
            notes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_arns() {
        assert_eq!(
            name_from_arn("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"),
            "ViewOnlyAccess"
        );
        assert_eq!(name_from_arn("arn:aws:iam::1:policy/p"), "p");
        assert_eq!(name_from_arn("weird"), "weird");
    }

    #[test]
    fn positions_are_stripped() {
        assert_eq!(
            strip_position("expected `,` at line 3 column 4"),
            "expected `,`"
        );
        assert_eq!(strip_position("at line 3"), "at line 3");
    }
}
