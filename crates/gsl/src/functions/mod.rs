//! Built-in functions, called method style (`scope numberOfHosts()`), and the registry through
//! which other crates add their own (IAM-aware extensions live outside this crate).
//!
//! A function receives the value it is applied to (the *receiver*; `Value::Null` when the path is
//! missing), its evaluated arguments and the [`EvalContext`] (clock). The evaluator handles
//! `Value::Unknown` receivers and arguments before calling: functions never see them.

mod cloudwatch;
mod core;
mod net;
mod time;

pub(crate) use core::{is_empty, length};
pub(crate) use time::parse_date;

use crate::eval::EvalContext;
use crate::value::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::RangeInclusive;
use std::sync::Arc;

/// `f(receiver, args, context)`.
pub type Function =
    Arc<dyn Fn(&Value, &[Value], &EvalContext) -> Result<Value, String> + Send + Sync>;

/// Checks literal arguments at compile time (e.g. the unit of `after`).
pub(crate) type Validator = fn(&[Value]) -> Result<(), String>;

/// Names of the functions in [`FunctionRegistry::standard`].
pub const STANDARD_NAMES: &[&str] = &[
    "isEmpty",
    "length",
    "before",
    "after",
    "split",
    "getValue",
    "isPublic",
    "numberOfHosts",
    "allowedHostsForPort",
    "isFilterPatternEqual",
];

/// Functions the evaluator computes inline (they must see `with` results without copying).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    IsEmpty,
    Length,
}

#[derive(Clone)]
pub(crate) struct Entry {
    pub arity: RangeInclusive<usize>,
    pub f: Function,
    pub builtin: Option<Builtin>,
    pub validate: Option<Validator>,
}

/// The functions a rule may call. Compile-time lookups: an unknown name is a diagnostic.
#[derive(Clone, Default)]
pub struct FunctionRegistry {
    entries: BTreeMap<String, Entry>,
}

impl fmt::Debug for FunctionRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.entries.keys()).finish()
    }
}

impl FunctionRegistry {
    /// An empty registry (even `isEmpty` is missing: use [`FunctionRegistry::standard`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Every function of the GSL reference (see `docs/gsl.md`).
    pub fn standard() -> Self {
        let mut r = Self::new();
        r.builtin("isEmpty", 0..=0, Builtin::IsEmpty, |v, _, _| {
            Ok(Value::Bool(core::is_empty(v)))
        });
        r.builtin("length", 0..=0, Builtin::Length, |v, _, _| {
            Ok(Value::Number(core::length(v) as f64))
        });
        r.checked("before", 2..=2, time::validate, time::before);
        r.checked("after", 2..=2, time::validate, time::after);
        r.checked("split", 1..=1, core::validate_split, core::split);
        r.checked("getValue", 1..=1, core::validate_get_value, core::get_value);
        r.plain("isPublic", 0..=0, net::is_public);
        r.plain("numberOfHosts", 0..=0, net::number_of_hosts);
        r.checked(
            "allowedHostsForPort",
            1..=1,
            net::validate_port,
            net::allowed_hosts_for_port,
        );
        r.checked(
            "isFilterPatternEqual",
            1..=1,
            cloudwatch::validate,
            cloudwatch::is_filter_pattern_equal,
        );
        r
    }

    /// Adds or replaces a function. `arity` is the accepted argument count.
    pub fn register(&mut self, name: &str, arity: RangeInclusive<usize>, f: Function) {
        self.entries.insert(
            name.to_string(),
            Entry {
                arity,
                f,
                builtin: None,
                validate: None,
            },
        );
    }

    /// Registered names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.get(name)
    }

    fn plain(
        &mut self,
        name: &str,
        arity: RangeInclusive<usize>,
        f: fn(&Value, &[Value], &EvalContext) -> Result<Value, String>,
    ) {
        self.register(name, arity, Arc::new(f));
    }

    fn checked(
        &mut self,
        name: &str,
        arity: RangeInclusive<usize>,
        validate: Validator,
        f: fn(&Value, &[Value], &EvalContext) -> Result<Value, String>,
    ) {
        self.register(name, arity, Arc::new(f));
        if let Some(e) = self.entries.get_mut(name) {
            e.validate = Some(validate);
        }
    }

    fn builtin(
        &mut self,
        name: &str,
        arity: RangeInclusive<usize>,
        b: Builtin,
        f: fn(&Value, &[Value], &EvalContext) -> Result<Value, String>,
    ) {
        self.register(name, arity, Arc::new(f));
        if let Some(e) = self.entries.get_mut(name) {
            e.builtin = Some(b);
        }
    }
}

/// Text form of a scalar for string operators (`like`, `regexMatch`, `split`).
pub(crate) fn scalar_text(v: &Value) -> Option<std::borrow::Cow<'_, str>> {
    use std::borrow::Cow;
    match v {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(crate::value::format_number(*n))),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

/// The string argument at `i`, or an error naming what was expected.
pub(crate) fn str_arg<'a>(args: &'a [Value], i: usize, what: &str) -> Result<&'a str, String> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!("expected {what} (a string), found {other}")),
        None => Err(format!("missing {what}")),
    }
}

/// The numeric argument at `i` (numeric strings accepted).
pub(crate) fn num_arg(args: &[Value], i: usize, what: &str) -> Result<f64, String> {
    match args.get(i) {
        Some(Value::Number(n)) => Ok(*n),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| format!("expected {what} (a number), found '{s}'")),
        Some(other) => Err(format!("expected {what} (a number), found {other}")),
        None => Err(format!("missing {what}")),
    }
}
