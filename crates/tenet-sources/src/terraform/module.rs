//! Terraform modules: files parsed once, instances evaluated lazily with memoisation.
//!
//! A [`Sources`] holds every parsed file of the root module and of the local modules it calls
//! (`source = "./..."`), read once. An [`Instance`] is one module instance (the root, or one
//! `module` block, or one of its `count`/`for_each` instances) with its input values; names are
//! resolved on demand and each local, data source and module output is evaluated once per
//! instance.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gsl::{Map, Value};
use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};

use super::hcl_eval::{Eval, Op, Resolve, Scope, Unknowns, to_text, traverse};
use super::json_syntax::translate;
use crate::SourceError;
use crate::iac::node::{Pos, parse_json};

/// One parsed `.tf` file, or a `.tf.json` file translated into HCL (see `json_syntax`).
pub(crate) struct File {
    pub path: Arc<Path>,
    /// The file's own text (for a `.tf.json` file, the JSON, not the generated HCL).
    pub text: String,
    pub body: Body,
    line_starts: Vec<usize>,
    /// For a `.tf.json` file: offsets in the generated HCL and the JSON position each came from.
    origin: Option<Vec<(usize, Pos)>>,
}

impl File {
    pub fn parse(path: &Path, text: String) -> Result<File, SourceError> {
        let body = hcl_edit::parser::parse_body(&text).map_err(|e| SourceError {
            path: path.to_path_buf(),
            line: Some(e.location().line()),
            column: Some(e.location().column()),
            message: format!("invalid HCL: {}", e.message()),
        })?;
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Ok(File {
            path: Arc::from(path),
            text,
            body,
            line_starts,
            origin: None,
        })
    }

    /// Reads a `.tf.json` file: its JSON is translated into HCL and parsed; positions are those
    /// of the JSON.
    pub fn parse_json(path: &Path, text: String) -> Result<File, SourceError> {
        let at = |pos: Pos, message: String| SourceError {
            path: path.to_path_buf(),
            line: Some(pos.line),
            column: Some(pos.column),
            message,
        };
        let node =
            parse_json(&text).map_err(|e| at(e.pos, format!("invalid JSON: {}", e.message)))?;
        let t = translate(&node).map_err(|e| at(e.pos, e.message))?;
        let origin_of = |offset: usize| {
            let i = t.origin.partition_point(|(g, _)| *g <= offset);
            t.origin
                .get(i.saturating_sub(1))
                .map_or(Pos { line: 1, column: 1 }, |(_, p)| *p)
        };
        let body = hcl_edit::parser::parse_body(&t.hcl).map_err(|e| {
            at(
                origin_of(e.location().offset()),
                format!("invalid Terraform JSON expression: {}", e.message()),
            )
        })?;
        Ok(File {
            path: Arc::from(path),
            text,
            body,
            line_starts: Vec::new(),
            origin: Some(t.origin),
        })
    }

    /// 1-based line and column of a byte offset (of the source text; for a `.tf.json` file, of
    /// the generated HCL, mapped back to the JSON).
    pub fn pos(&self, offset: usize) -> Pos {
        if let Some(origin) = &self.origin {
            let i = origin.partition_point(|(g, _)| *g <= offset);
            return origin
                .get(i.saturating_sub(1))
                .map_or(Pos { line: 1, column: 1 }, |(_, p)| *p);
        }
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        Pos { line, column }
    }

    pub fn pos_of(&self, s: &impl Span) -> Pos {
        s.span()
            .map_or(Pos { line: 1, column: 1 }, |r| self.pos(r.start))
    }

    pub fn lines_of(&self, s: &impl Span) -> (usize, usize) {
        match s.span() {
            Some(r) => (
                self.pos(r.start).line,
                self.pos(r.end.saturating_sub(1)).line,
            ),
            None => (1, 1),
        }
    }
}

/// A module's directory and files.
pub(crate) struct ModuleSrc {
    pub dir: PathBuf,
    pub files: Vec<File>,
}

/// Every module of a scan, parsed once.
#[derive(Default)]
pub(crate) struct Sources {
    pub modules: HashMap<PathBuf, ModuleSrc>,
    /// Files that failed to parse (reported, not fatal for the rest).
    pub errors: Vec<SourceError>,
}

fn local_source(b: &Block) -> Option<String> {
    let src = b.body.get_attribute("source")?.value.as_str()?.to_string();
    (src.starts_with("./") || src.starts_with("../")).then_some(src)
}

impl Sources {
    /// Parses the module in `dir` (only `files` when given) and, recursively, the local modules
    /// it calls.
    pub fn load(&mut self, dir: &Path, files: Option<Vec<PathBuf>>) -> Result<(), SourceError> {
        let key = normal(dir);
        if self.modules.contains_key(&key) {
            return Ok(());
        }
        let paths = match files {
            Some(f) => f,
            None => {
                let mut f: Vec<PathBuf> = std::fs::read_dir(dir)
                    .map_err(|e| SourceError::new(dir, format!("cannot read directory: {e}")))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file() && is_terraform_file(p))
                    .collect();
                f.sort();
                f
            }
        };
        let mut parsed = Vec::new();
        for p in paths {
            let text = match std::fs::read_to_string(&p) {
                Ok(t) => t,
                Err(e) => {
                    self.errors
                        .push(SourceError::new(&p, format!("cannot read: {e}")));
                    continue;
                }
            };
            let file = if is_json_file(&p) {
                File::parse_json(&p, text)
            } else {
                File::parse(&p, text)
            };
            match file {
                Ok(f) => parsed.push(f),
                Err(e) => self.errors.push(e),
            }
        }
        let mut children = Vec::new();
        for f in &parsed {
            for b in f.body.get_blocks("module") {
                if let Some(src) = local_source(b) {
                    children.push(dir.join(src));
                }
            }
        }
        self.modules.insert(
            key,
            ModuleSrc {
                dir: dir.to_path_buf(),
                files: parsed,
            },
        );
        for c in children {
            if c.is_dir() {
                self.load(&c, None)?;
            }
        }
        Ok(())
    }

    pub fn get(&self, dir: &Path) -> Option<&ModuleSrc> {
        self.modules.get(&normal(dir))
    }
}

fn is_json_file(p: &Path) -> bool {
    p.file_name()
        .is_some_and(|n| n.to_string_lossy().to_lowercase().ends_with(".tf.json"))
}

/// A `.tf` or `.tf.json` file.
pub(crate) fn is_terraform_file(p: &Path) -> bool {
    p.extension().is_some_and(|x| x == "tf") || is_json_file(p)
}

/// `a/b/../c` -> `a/c` (no file-system access: modules are keyed by their written path).
pub(crate) fn normal(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// A declared block: `resource "type" "name"`, `data "type" "name"`, `module "name"`.
pub(crate) struct Decl<'a> {
    pub file: &'a File,
    pub block: &'a Block,
}

pub(crate) struct Instance<'a> {
    pub src: &'a ModuleSrc,
    pub sources: &'a Sources,
    /// `module.a.` / `module.a["k"].`; empty for the root.
    pub prefix: String,
    pub inputs: HashMap<String, Value>,
    pub variables: HashMap<&'a str, Option<&'a Expression>>,
    pub locals: HashMap<&'a str, &'a Expression>,
    pub resources: HashMap<(&'a str, &'a str), Decl<'a>>,
    pub data: HashMap<(&'a str, &'a str), Decl<'a>>,
    pub modules: HashMap<&'a str, Decl<'a>>,
    pub outputs: HashMap<&'a str, &'a Expression>,
    pub unknowns: &'a Unknowns,
    memo: RefCell<HashMap<String, Value>>,
    busy: RefCell<HashSet<String>>,
    /// Statement positions of rendered `aws_iam_policy_document`s, by `data.<type>.<name>`.
    pub doc_positions: RefCell<HashMap<String, DocPositions>>,
    pub depth: usize,
}

/// The file of a rendered document and the positions of its statements.
pub(crate) type DocPositions = (Arc<Path>, Vec<Option<Pos>>);

pub(crate) fn label(b: &Block, i: usize) -> &str {
    b.labels.get(i).map_or("", |l| l.as_str())
}

impl<'a> Instance<'a> {
    pub fn new(
        src: &'a ModuleSrc,
        sources: &'a Sources,
        prefix: String,
        inputs: HashMap<String, Value>,
        unknowns: &'a Unknowns,
        depth: usize,
    ) -> Self {
        let mut me = Instance {
            src,
            sources,
            prefix,
            inputs,
            variables: HashMap::new(),
            locals: HashMap::new(),
            resources: HashMap::new(),
            data: HashMap::new(),
            modules: HashMap::new(),
            outputs: HashMap::new(),
            unknowns,
            memo: RefCell::new(HashMap::new()),
            busy: RefCell::new(HashSet::new()),
            doc_positions: RefCell::new(HashMap::new()),
            depth,
        };
        for f in &src.files {
            for s in f.body.iter() {
                let Structure::Block(b) = s else { continue };
                match b.ident.value().as_str() {
                    "variable" => {
                        me.variables.insert(
                            label(b, 0),
                            b.body.get_attribute("default").map(|a| &a.value),
                        );
                    }
                    "locals" => {
                        for a in b.body.attributes() {
                            me.locals.insert(a.key.value().as_str(), &a.value);
                        }
                    }
                    "resource" => {
                        me.resources
                            .insert((label(b, 0), label(b, 1)), Decl { file: f, block: b });
                    }
                    "data" => {
                        me.data
                            .insert((label(b, 0), label(b, 1)), Decl { file: f, block: b });
                    }
                    "module" => {
                        me.modules.insert(label(b, 0), Decl { file: f, block: b });
                    }
                    "output" => {
                        if let Some(a) = b.body.get_attribute("value") {
                            me.outputs.insert(label(b, 0), &a.value);
                        }
                    }
                    _ => {}
                }
            }
        }
        me
    }

    pub fn eval(&self, e: &Expression, s: &Scope) -> Value {
        Eval { r: self }.expr(e, s)
    }

    /// Evaluates `key` once; a reference cycle is unknown, never a hang.
    fn memo(&self, key: &str, f: impl FnOnce() -> Value) -> Value {
        if let Some(v) = self.memo.borrow().get(key) {
            return v.clone();
        }
        if !self.busy.borrow_mut().insert(key.to_string()) {
            return Value::unknown(format!("{key} refers to itself"));
        }
        let v = f();
        self.busy.borrow_mut().remove(key);
        self.memo.borrow_mut().insert(key.to_string(), v.clone());
        v
    }

    /// The instances of a block: `(address suffix, scope)`, from `count` / `for_each`.
    pub fn expand(&self, b: &Block, scope: &Scope) -> Result<Vec<(String, Scope)>, String> {
        if let Some(c) = b.body.get_attribute("count") {
            return match self.eval(&c.value, scope) {
                Value::Number(n) => Ok((0..n.max(0.0) as usize)
                    .map(|i| {
                        let mut m = Map::new();
                        m.insert("index", Value::Number(i as f64));
                        (format!("[{i}]"), scope.with("count", Value::Object(m)))
                    })
                    .collect()),
                Value::Unknown(r) => Err(format!("count is unknown: {r}")),
                other => Err(format!("count is {other}, not a number")),
            };
        }
        if let Some(fe) = b.body.get_attribute("for_each") {
            let pairs: Vec<(String, Value)> = match self.eval(&fe.value, scope) {
                Value::Object(m) => m.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
                Value::List(l) => l
                    .into_iter()
                    .filter_map(|v| to_text(&v).map(|k| (k, v)))
                    .collect(),
                Value::Null => Vec::new(),
                Value::Unknown(r) => return Err(format!("for_each is unknown: {r}")),
                other => return Err(format!("for_each is {other}, not a map or set")),
            };
            return Ok(pairs
                .into_iter()
                .map(|(k, v)| {
                    let mut m = Map::new();
                    m.insert("key", Value::str(k.as_str()));
                    m.insert("value", v);
                    let mut addr = String::new();
                    tenet_inventory::json::write_str(&mut addr, &k);
                    (format!("[{addr}]"), scope.with("each", Value::Object(m)))
                })
                .collect());
        }
        Ok(vec![(String::new(), scope.clone())])
    }

    /// A child module instance's inputs.
    fn child_inputs(&self, b: &Block, scope: &Scope) -> HashMap<String, Value> {
        let mut inputs = HashMap::new();
        for a in b.body.attributes() {
            let k = a.key.value().as_str();
            if matches!(
                k,
                "source" | "version" | "count" | "for_each" | "providers" | "depends_on"
            ) {
                continue;
            }
            inputs.insert(k.to_string(), self.eval(&a.value, scope));
        }
        inputs
    }

    /// Child instances of `module "name"`: (address prefix, instance).
    pub fn children(&self, name: &str) -> Vec<(String, Result<Instance<'a>, String>)> {
        let Some(d) = self.modules.get(name) else {
            return Vec::new();
        };
        let base = format!("{}module.{name}", self.prefix);
        let Some(src) = local_source(d.block) else {
            let what = d
                .block
                .body
                .get_attribute("source")
                .and_then(|a| a.value.as_str().map(str::to_string))
                .unwrap_or_default();
            return vec![(
                base,
                Err(format!(
                    "module source `{what}` is not local and is not fetched"
                )),
            )];
        };
        if self.depth > 16 {
            return vec![(base, Err("modules nested deeper than 16 levels".into()))];
        }
        let dir = self.src.dir.join(src);
        let Some(child) = self.sources.get(&dir) else {
            return vec![(
                base,
                Err(format!("module directory {} not found", dir.display())),
            )];
        };
        match self.expand(d.block, &Scope::default()) {
            Err(why) => vec![(base, Err(why))],
            Ok(insts) => insts
                .into_iter()
                .map(|(suffix, sc)| {
                    let inputs = self.child_inputs(d.block, &sc);
                    let prefix = format!("{base}{suffix}.");
                    (
                        format!("{base}{suffix}"),
                        Ok(Instance::new(
                            child,
                            self.sources,
                            prefix,
                            inputs,
                            self.unknowns,
                            self.depth + 1,
                        )),
                    )
                })
                .collect(),
        }
    }

    fn variable(&self, name: &str) -> Value {
        if let Some(v) = self.inputs.get(name) {
            return v.clone();
        }
        match self.variables.get(name) {
            Some(Some(d)) => self.eval(d, &Scope::default()),
            Some(None) => Value::unknown(format!("variable {name} is not set and has no default")),
            None => Value::unknown(format!("variable {name} is not declared")),
        }
    }

    /// The object a resource instance's references see: its arguments, and `Unknown` for every
    /// attribute computed at apply.
    fn resource_value(&self, ty: &str, name: &str, ops: &[Op]) -> (Value, usize) {
        let Some(d) = self.resources.get(&(ty, name)) else {
            return (
                Value::unknown(format!("{ty}.{name} is not declared in this module")),
                ops.len(),
            );
        };
        let insts = match self.expand(d.block, &Scope::default()) {
            Ok(i) => i,
            Err(why) => return (Value::unknown(format!("{ty}.{name}: {why}")), ops.len()),
        };
        let multi = d.block.body.has_attribute("count") || d.block.body.has_attribute("for_each");
        let (scope, used) = if multi {
            match ops.first() {
                Some(Op::Index(k)) => {
                    let want = format!(
                        "[{}]",
                        match k {
                            Value::String(s) => {
                                let mut a = String::new();
                                tenet_inventory::json::write_str(&mut a, s);
                                a
                            }
                            other => to_text(other).unwrap_or_default(),
                        }
                    );
                    match insts.into_iter().find(|(s, _)| *s == want) {
                        Some((_, sc)) => (sc, 1),
                        None => {
                            return (
                                Value::unknown(format!("{ty}.{name}{want} does not exist")),
                                ops.len(),
                            );
                        }
                    }
                }
                _ => {
                    return (
                        Value::unknown(format!("{ty}.{name} has several instances")),
                        ops.len(),
                    );
                }
            }
        } else {
            (Scope::default(), 0)
        };
        match ops.get(used) {
            Some(Op::Attr(a)) => {
                let v = match d.block.body.get_attribute(a) {
                    Some(attr) => self.eval(&attr.value, &scope),
                    None => Value::unknown(format!(
                        "{}{ty}.{name}.{a} is known only after apply",
                        self.prefix
                    )),
                };
                (v, used + 1)
            }
            _ => (
                Value::unknown(format!("{ty}.{name} as a whole is known only after apply")),
                ops.len(),
            ),
        }
    }
}

impl Resolve for Instance<'_> {
    fn root(&self, name: &str, ops: &[Op], _scope: &Scope) -> (Value, usize) {
        let attr = |i: usize| match ops.get(i) {
            Some(Op::Attr(a)) => Some(a.as_str()),
            _ => None,
        };
        match name {
            "var" => match attr(0) {
                Some(v) => (self.variable(v), 1),
                None => (Value::unknown("`var` needs an attribute"), ops.len()),
            },
            "local" => match attr(0) {
                Some(l) => match self.locals.get(l) {
                    Some(e) => (
                        self.memo(&format!("local.{l}"), || self.eval(e, &Scope::default())),
                        1,
                    ),
                    None => (Value::unknown(format!("local.{l} is not declared")), 1),
                },
                None => (Value::unknown("`local` needs an attribute"), ops.len()),
            },
            "path" => match attr(0) {
                Some("module") => (Value::str(self.src.dir.display().to_string()), 1),
                Some(_) => (Value::str("."), 1),
                None => (Value::unknown("`path` needs an attribute"), ops.len()),
            },
            "terraform" => (Value::str("default"), 1),
            "data" => match (attr(0), attr(1)) {
                (Some(ty), Some(n)) => {
                    let key = format!("data.{ty}.{n}");
                    let Some(d) = self.data.get(&(ty, n)) else {
                        return (Value::unknown(format!("{key} is not declared")), 2);
                    };
                    if ty != "aws_iam_policy_document" {
                        return (
                            Value::unknown(format!("{key} is read from AWS at plan time")),
                            ops.len(),
                        );
                    }
                    let v = self.memo(&key, || super::policy_document::data_value(self, &key, d));
                    (v, 2)
                }
                _ => (Value::unknown("`data` needs a type and a name"), ops.len()),
            },
            "module" => match attr(0) {
                Some(m) => {
                    let key = format!("module.{m}");
                    let v = self.memo(&key, || {
                        let d = self.modules.get(m);
                        let multi = d.is_some_and(|d| {
                            d.block.body.has_attribute("count")
                                || d.block.body.has_attribute("for_each")
                        });
                        let mut objs = Vec::new();
                        let mut keyed = Map::new();
                        for (addr, inst) in self.children(m) {
                            let obj = match inst {
                                Err(why) => Value::unknown(format!("{addr}: {why}")),
                                Ok(i) => {
                                    let mut o = Map::new();
                                    for (k, e) in &i.outputs {
                                        o.insert(*k, i.eval(e, &Scope::default()));
                                    }
                                    Value::Object(o)
                                }
                            };
                            if let Some(k) = addr
                                .rsplit_once("[\"")
                                .map(|(_, k)| k.trim_end_matches("\"]").to_string())
                            {
                                keyed.insert(k, obj.clone());
                            }
                            objs.push(obj);
                        }
                        if !multi {
                            objs.pop()
                                .unwrap_or(Value::unknown(format!("{key} is not declared")))
                        } else if !keyed.is_empty() {
                            Value::Object(keyed)
                        } else {
                            Value::List(objs)
                        }
                    });
                    (v, 1)
                }
                None => (Value::unknown("`module` needs a name"), ops.len()),
            },
            "each" | "count" | "self" => (
                Value::unknown(format!("`{name}` is not available here")),
                ops.len(),
            ),
            ty => match attr(0) {
                Some(n) if self.resources.contains_key(&(ty, n)) => {
                    let (v, used) = self.resource_value(ty, n, &ops[1..]);
                    (v, used + 1)
                }
                Some(n) => (
                    Value::unknown(format!("{ty}.{n} is not declared in this module")),
                    ops.len(),
                ),
                None => (
                    Value::unknown(format!("`{ty}` is not a known name")),
                    ops.len(),
                ),
            },
        }
    }

    fn read_file(&self, path: &str) -> Result<String, String> {
        if let Some(r) = self.unknowns.reason_in(path) {
            return Err(r);
        }
        let p = Path::new(path);
        let full = if p.is_absolute() || p.starts_with(&self.src.dir) {
            p.to_path_buf()
        } else {
            self.src.dir.join(p)
        };
        std::fs::read_to_string(&full).map_err(|e| format!("cannot read {}: {e}", full.display()))
    }

    fn unknowns(&self) -> &Unknowns {
        self.unknowns
    }
}

/// Applies ops left over by `root` (used by callers that evaluate a traversal themselves).
#[allow(dead_code)]
pub(crate) fn rest(v: Value, ops: &[Op]) -> Value {
    traverse(v, ops)
}
