//! A record: one entity as a source found it, kept compact until a rule needs it.
//!
//! Account exports can hold 100,000 policies, so a record does not keep parsed trees. Its body is
//! `fields` (small values a source computed) plus `raw` JSON texts (compact, already decoded) to
//! be parsed and placed at a path. [`Record::materialize`] builds the full [`gsl::Value`]; the
//! scanner calls it per entity and drops the result after evaluation.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use gsl::{Map, Value};

use crate::json;
use crate::{Entity, Suppression, Warning};

/// Where a record came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Provenance {
    /// A file. `path` is shared by all records of the file. `line`/`column` are 1-based and
    /// optional: exports leave them empty and [`Record::locate_line`] finds the line on demand.
    File {
        path: Arc<Path>,
        line: Option<usize>,
        column: Option<usize>,
    },
    /// A live account.
    Live {
        account: Option<String>,
        arn: String,
        version_id: Option<String>,
    },
    None,
}

impl Provenance {
    /// What warnings name as their origin: the file path, or the ARN for live data.
    pub fn origin(&self) -> Option<String> {
        match self {
            Provenance::File { path, .. } => Some(path.display().to_string()),
            Provenance::Live { arn, .. } => Some(arn.clone()),
            Provenance::None => None,
        }
    }
}

/// One step of a [`RawPath`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Key(Cow<'static, str>),
    Index(usize),
}

impl From<&'static str> for Seg {
    fn from(k: &'static str) -> Self {
        Seg::Key(Cow::Borrowed(k))
    }
}

impl From<String> for Seg {
    fn from(k: String) -> Self {
        Seg::Key(Cow::Owned(k))
    }
}

impl From<usize> for Seg {
    fn from(i: usize) -> Self {
        Seg::Index(i)
    }
}

/// Where a raw part goes in the entity. Empty: the root (an object whose members are merged in).
/// Shared (`Arc`): sources build each distinct path once and clone it into every record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawPath(Arc<[Seg]>);

impl Default for RawPath {
    fn default() -> Self {
        Self(Arc::from([]))
    }
}

impl RawPath {
    pub fn root() -> Self {
        Self::default()
    }

    pub fn new(segs: impl IntoIterator<Item = Seg>) -> Self {
        Self(segs.into_iter().collect::<Vec<_>>().into())
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn segs(&self) -> &[Seg] {
        &self.0
    }
}

impl fmt::Display for RawPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A part of an entity that is placed at a [`RawPath`] when the record is materialised.
#[derive(Clone, Debug, PartialEq)]
pub enum Raw {
    /// Compact JSON text, parsed by the duplicate-aware parser. `Arc` so that one document can be
    /// placed twice (a policy's `document` and its default entry in `versions`) but stored once.
    Json(Arc<str>),
    /// A value built by the source (e.g. `Value::Unknown` for a document that could not be read).
    Value(Value),
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Body {
    fields: Map,
    raw: Vec<(RawPath, Raw)>,
}

/// One entity of the inventory.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// `IamPolicy`, `IamUser`, `IamGroup`, `IamRole`, ...
    pub kind: String,
    /// The ARN for account data.
    pub id: String,
    pub name: String,
    pub provenance: Provenance,
    /// Suppressions the source found for this entity (Terraform comments, CloudFormation
    /// `Metadata`); applied by the findings stage, never by the source.
    pub suppressions: Vec<Suppression>,
    /// Positions of parts of the entity in its file, for evidence: (entity path such as
    /// `document.Statement[1]`, 1-based line, 1-based column). IaC sources fill it; exports
    /// leave it empty.
    pub locations: Vec<(String, usize, usize)>,
    body: Body,
}

/// Materialising failed: a raw part is not valid JSON or cannot be placed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {kind} {id}: {message}")]
pub struct EntityError {
    pub origin: String,
    pub kind: String,
    pub id: String,
    pub message: String,
}

impl Record {
    pub fn new(
        kind: impl Into<String>,
        id: impl Into<String>,
        name: impl Into<String>,
        provenance: Provenance,
    ) -> Self {
        Self {
            kind: kind.into(),
            id: id.into(),
            name: name.into(),
            provenance,
            suppressions: Vec::new(),
            locations: Vec::new(),
            body: Body::default(),
        }
    }

    /// A record whose value a source built completely (IaC sources). A non-object value is
    /// stored under the key `value`.
    pub fn from_value(
        kind: impl Into<String>,
        id: impl Into<String>,
        name: impl Into<String>,
        provenance: Provenance,
        value: Value,
    ) -> Self {
        let mut r = Self::new(kind, id, name, provenance);
        match value {
            Value::Object(m) => r.body.fields = m,
            other => {
                r.body.fields.insert("value", other);
            }
        }
        r
    }

    /// Sets a small field. Fields override members of root raw parts.
    pub fn set_field(&mut self, key: impl Into<Box<str>>, value: Value) {
        self.body.fields.insert(key, value);
    }

    pub fn fields(&self) -> &Map {
        &self.body.fields
    }

    /// Adds a part placed at `path` by [`Record::materialize`], in the order added.
    pub fn push_raw(&mut self, path: RawPath, raw: Raw) {
        self.body.raw.push((path, raw));
    }

    pub fn raw_parts(&self) -> impl Iterator<Item = (&RawPath, &Raw)> {
        self.body.raw.iter().map(|(p, r)| (p, r))
    }

    /// The origin warnings name: the file, else the ARN/id.
    pub fn origin(&self) -> String {
        self.provenance.origin().unwrap_or_else(|| self.id.clone())
    }

    fn error(&self, message: String) -> EntityError {
        EntityError {
            origin: self.origin(),
            kind: self.kind.clone(),
            id: self.id.clone(),
            message,
        }
    }

    /// Builds the full value: root raw parts (objects, merged in order), then `fields`, then the
    /// other raw parts at their paths. Duplicate keys in raw JSON become warnings.
    pub fn materialize(&self) -> Result<Entity, EntityError> {
        let mut warnings = Vec::new();
        let mut root = Map::new();
        for (path, raw) in &self.body.raw {
            if !path.is_root() {
                continue;
            }
            match self.parse_part(path, raw, &mut warnings)? {
                Value::Object(m) if root.is_empty() => root = m,
                Value::Object(m) => {
                    for (k, v) in m.iter() {
                        root.insert(k, v.clone());
                    }
                }
                other => {
                    return Err(
                        self.error(format!("root part is not an object: {}", kind_name(&other)))
                    );
                }
            }
        }
        for (k, v) in self.body.fields.iter() {
            root.insert(k, v.clone());
        }
        let mut value = Value::Object(root);
        // One document placed twice is stored once; parse it once too.
        let mut previous: Option<(&Arc<str>, Value)> = None;
        for (n, (path, raw)) in self.body.raw.iter().enumerate() {
            if path.is_root() {
                continue;
            }
            let part = match (raw, &previous) {
                (Raw::Json(text), Some((prev, parsed))) if Arc::ptr_eq(text, prev) => {
                    parsed.clone()
                }
                _ => {
                    let parsed = self.parse_part(path, raw, &mut warnings)?;
                    if let Raw::Json(text) = raw
                        && self.body.raw[n + 1..]
                            .iter()
                            .any(|(_, r)| matches!(r, Raw::Json(t) if Arc::ptr_eq(t, text)))
                    {
                        previous = Some((text, parsed.clone()));
                    }
                    parsed
                }
            };
            place(&mut value, path.segs(), part)
                .map_err(|m| self.error(format!("cannot place part at `{path}`: {m}")))?;
        }
        Ok(Entity { value, warnings })
    }

    fn parse_part(
        &self,
        path: &RawPath,
        raw: &Raw,
        warnings: &mut Vec<Warning>,
    ) -> Result<Value, EntityError> {
        match raw {
            Raw::Value(v) => Ok(v.clone()),
            Raw::Json(text) => {
                let (v, dups) = json::parse(text, &path.to_string())
                    .map_err(|e| self.error(format!("invalid JSON in part `{path}`: {e}")))?;
                for d in dups {
                    warnings.push(Warning {
                        origin: self.origin(),
                        line: self.known_line(),
                        message: format!("{} {}: {d}", self.kind, self.id),
                    });
                }
                Ok(v)
            }
        }
    }

    fn known_line(&self) -> Option<usize> {
        match &self.provenance {
            Provenance::File { line, .. } => *line,
            _ => None,
        }
    }

    /// The 1-based line of the record in its file: the recorded line, else the line of
    /// `"Arn": "<id>"` found by streaming the file once. Done on demand, never while loading.
    pub fn locate_line(&self) -> Option<usize> {
        match &self.provenance {
            Provenance::File { line: Some(l), .. } => Some(*l),
            Provenance::File { path, .. } => {
                let file = std::fs::File::open(path).ok()?;
                self.locate_line_in(std::io::BufReader::new(file))
            }
            _ => None,
        }
    }

    /// Like [`Record::locate_line`], over input the caller already holds.
    pub fn locate_line_in(&self, input: impl std::io::Read) -> Option<usize> {
        let wanted: std::collections::HashSet<&str> = [self.id.as_str()].into_iter().collect();
        crate::locate::arn_positions(input, &wanted)
            .ok()?
            .remove(&self.id)
            .map(|(line, _)| line)
    }
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Object(_) => "an object",
        Value::Unknown(_) => "unknown",
    }
}

/// Puts `part` at `segs`: the last key is inserted (or replaced), everything before must exist.
fn place(value: &mut Value, segs: &[Seg], part: Value) -> Result<(), String> {
    let Some((last, parents)) = segs.split_last() else {
        *value = part;
        return Ok(());
    };
    let mut at = value;
    for seg in parents {
        at = match (seg, at) {
            (Seg::Key(k), Value::Object(m)) => {
                m.get_mut(k).ok_or_else(|| format!("no member `{k}`"))?
            }
            (Seg::Index(i), Value::List(l)) => {
                l.get_mut(*i).ok_or_else(|| format!("no item [{i}]"))?
            }
            (_, other) => return Err(format!("{} is not a container", kind_name(other))),
        };
    }
    match (last, at) {
        (Seg::Key(k), Value::Object(m)) => {
            m.insert(k.as_ref(), part);
            Ok(())
        }
        (Seg::Index(i), Value::List(l)) => match l.get_mut(*i) {
            Some(slot) => {
                *slot = part;
                Ok(())
            }
            None => Err(format!("no item [{i}]")),
        },
        (_, other) => Err(format!("{} is not a container", kind_name(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prov() -> Provenance {
        Provenance::File {
            path: Arc::from(Path::new("x.json")),
            line: None,
            column: None,
        }
    }

    #[test]
    fn materialize_places_parts() {
        let mut r = Record::new("IamPolicy", "arn:p", "p", prov());
        r.push_raw(
            RawPath::root(),
            Raw::Json(Arc::from(r#"{"name":"p","versions":[{"versionId":"v1"}]}"#)),
        );
        r.set_field("users", Value::List(vec![]));
        let doc: Arc<str> = Arc::from(r#"{"Statement":{"Action":"a","Action":"b"}}"#);
        r.push_raw(RawPath::new(["document".into()]), Raw::Json(doc.clone()));
        r.push_raw(
            RawPath::new(["versions".into(), 0.into(), "document".into()]),
            Raw::Json(doc),
        );
        let e = r.materialize().unwrap();
        assert_eq!(
            e.value.to_string(),
            r#"{"name":"p","versions":[{"versionId":"v1","document":{"Statement":{"Action":["a","b"]}}}],"users":[],"document":{"Statement":{"Action":["a","b"]}}}"#
        );
        assert_eq!(e.warnings.len(), 1, "a shared document warns once");
        assert_eq!(
            e.warnings[0].to_string(),
            "x.json: warning: IamPolicy arn:p: duplicate key `Action` in document.Statement: the values were merged into one list, as IAM does"
        );
    }

    #[test]
    fn bad_path_is_an_error_not_a_panic() {
        let mut r = Record::new("IamRole", "arn:r", "r", Provenance::None);
        r.push_raw(
            RawPath::new(["a".into(), "b".into()]),
            Raw::Value(Value::Null),
        );
        assert_eq!(
            r.materialize().unwrap_err().to_string(),
            "arn:r: IamRole arn:r: cannot place part at `a.b`: no member `a`"
        );
    }

    #[test]
    fn locate_line_finds_the_arn_key() {
        let text = b"{\"U\": [{\"PolicyArn\": \"arn:p\"}],\n \"P\": [\n  {\"Arn\" : \"arn:p\"}]}";
        let r = Record::new("IamPolicy", "arn:p", "p", prov());
        assert_eq!(r.locate_line_in(&text[..]), Some(3));
    }
}
