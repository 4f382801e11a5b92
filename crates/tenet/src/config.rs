//! `tenet.toml`: project defaults for `tenet scan`, found upward from the first scanned path
//! (or named with `--config`). Flags override it. Relative paths in it are relative to the
//! file's folder.
//!
//! ```toml
//! rules = ["D9.AWS.IAM.67"]          # run only these (like --rule)
//! rule-files = ["policies/"]          # load these too (like --rules)
//! disabled-rules = ["TN.AWS.IAM.67.INLINE"]
//! severity = "low"                    # ignore rules below (like --severity)
//! fail-on = "high"                    # like --fail-on
//! fail-on-unknown = true
//! format = "text"                     # stdout
//! baseline = ".tenet-baseline.json"
//!
//! [output]                            # like --output FORMAT=PATH
//! sarif = "tenet.sarif"
//!
//! [[suppress]]
//! rule = "D9.AWS.IAM.67"              # or "*"
//! entity = "arn:aws:iam::*:policy/ci-*"
//! reason = "CI keys are rotated by a TLS-only job"
//! expires = "2025-12-31"
//! ```

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tenet_findings::ScopedSuppression;
use tenet_inventory::{Date, Suppression};
use tenet_report::Format;
use tenet_rules::Severity;

pub const FILE_NAME: &str = "tenet.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default)]
    pub rule_files: Vec<PathBuf>,
    #[serde(default)]
    pub no_builtin: bool,
    #[serde(default)]
    pub disabled_rules: Vec<String>,
    pub severity: Option<Severity>,
    pub fail_on: Option<Severity>,
    #[serde(default)]
    pub fail_on_unknown: bool,
    pub format: Option<FormatName>,
    #[serde(default)]
    pub output: BTreeMap<FormatName, PathBuf>,
    pub baseline: Option<PathBuf>,
    #[serde(default)]
    pub suppress: Vec<SuppressEntry>,
    /// The file it was read from (set after reading).
    #[serde(skip)]
    pub path: PathBuf,
}

/// A format name, checked while reading so that errors point into the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormatName(pub Format);

impl Ord for FormatName {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.name().cmp(other.0.name())
    }
}

impl PartialOrd for FormatName {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<'de> Deserialize<'de> for FormatName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Format::parse(&s).map(FormatName).ok_or_else(|| {
            serde::de::Error::custom(format!("unknown format `{s}`: expected {}", format_names()))
        })
    }
}

/// `text, json, sarif, junit, csv or html`.
pub fn format_names() -> String {
    let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
    match names.split_last() {
        Some((last, init)) => format!("{} or {last}", init.join(", ")),
        None => String::new(),
    }
}

/// A date `YYYY-MM-DD`, as a TOML string or a TOML date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateValue(pub Date);

impl<'de> Deserialize<'de> for DateValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = toml::Value::deserialize(d)?;
        let text = match &v {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(dt) => dt.to_string(),
            other => other.to_string(),
        };
        Date::parse(&text).map(DateValue).ok_or_else(|| {
            serde::de::Error::custom(format!("expected a date YYYY-MM-DD, found {v}"))
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuppressEntry {
    pub rule: String,
    /// Entity id (ARN) or name; `*` matches any run of characters. Every entity when absent.
    #[serde(default = "any")]
    pub entity: String,
    pub reason: String,
    pub expires: Option<DateValue>,
}

fn any() -> String {
    "*".to_string()
}

impl Config {
    /// Reads and checks a config file. Errors name the file, line and column, and what was
    /// expected.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let mut config: Config = toml::from_str(&text).map_err(|e| {
            let (line, col) = e.span().map(|s| line_col(&text, s.start)).unwrap_or((1, 1));
            format!(
                "{}:{line}:{col}: {}",
                path.display(),
                e.message().trim_end()
            )
        })?;
        for (i, s) in config.suppress.iter().enumerate() {
            if s.reason.trim().is_empty() || s.rule.trim().is_empty() {
                return Err(format!(
                    "{}: suppress[{i}]: `rule` and `reason` must not be empty (a suppression always says why)",
                    path.display()
                ));
            }
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        config.rule_files.iter_mut().for_each(resolve);
        config.output.values_mut().for_each(resolve);
        config.baseline.iter_mut().for_each(resolve);
        config.path = path.to_path_buf();
        Ok(config)
    }

    /// The nearest `tenet.toml` in `start`'s folder (its own folder for a file) or above.
    pub fn find(start: &Path) -> Option<PathBuf> {
        let abs = std::path::absolute(start).ok()?;
        let mut dir = if abs.is_dir() {
            Some(abs.as_path())
        } else {
            abs.parent()
        };
        while let Some(d) = dir {
            let candidate = d.join(FILE_NAME);
            if candidate.is_file() {
                return Some(candidate);
            }
            dir = d.parent();
        }
        None
    }

    /// The `[[suppress]]` entries, for the findings stage.
    pub fn suppressions(&self) -> Vec<ScopedSuppression> {
        self.suppress
            .iter()
            .enumerate()
            .map(|(i, s)| ScopedSuppression {
                entity: s.entity.clone(),
                suppression: Suppression {
                    rule: s.rule.clone(),
                    reason: s.reason.clone(),
                    expires: s.expires.map(|d| d.0),
                    origin: format!("{}: suppress[{i}]", self.path.display()),
                },
            })
            .collect()
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let (mut line, mut col) = (1, 1);
    for (at, c) in text.char_indices() {
        if at >= offset {
            break;
        }
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, text).unwrap();
        Config::load(&path).map_err(|e| e.replace(&path.display().to_string(), "tenet.toml"))
    }

    #[test]
    fn reads_every_key_and_resolves_paths() {
        let c = load(
            "rules = [\"R1\"]\nrule-files = [\"r/\"]\ndisabled-rules = [\"R2\"]\nseverity = \"medium\"\nfail-on = \"High\"\nfail-on-unknown = true\nformat = \"json\"\nbaseline = \"b.json\"\n[output]\nsarif = \"out/t.sarif\"\n[[suppress]]\nrule = \"R1\"\nentity = \"arn:*\"\nreason = \"why\"\nexpires = 2030-01-02\n",
        )
        .unwrap();
        assert_eq!(c.rules, ["R1"]);
        assert_eq!(c.disabled_rules, ["R2"]);
        assert_eq!(
            (c.severity, c.fail_on),
            (Some(Severity::Medium), Some(Severity::High))
        );
        assert!(c.fail_on_unknown);
        assert_eq!(c.format, Some(FormatName(Format::Json)));
        let dir = c.path.parent().unwrap().to_path_buf();
        assert_eq!(c.rule_files, [dir.join("r/")]);
        assert_eq!(c.baseline, Some(dir.join("b.json")));
        assert_eq!(
            c.output.get(&FormatName(Format::Sarif)),
            Some(&dir.join("out/t.sarif"))
        );
        let s = c.suppressions();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].entity, "arn:*");
        assert_eq!(s[0].suppression.expires, Date::parse("2030-01-02"));
    }

    #[test]
    fn errors_name_line_column_and_expectation() {
        assert_eq!(
            load("severity = \"low\"\nfail-on = \"hgih\"\n").unwrap_err(),
            "tenet.toml:2:11: unknown severity `hgih`: expected Informational, Low, Medium, High or Critical"
        );
        assert_eq!(
            load("[output]\npdf = \"x\"\n").unwrap_err(),
            "tenet.toml:2:1: unknown format `pdf`: expected text, json, sarif, junit, csv or html"
        );
        let e = load("fail_on = \"high\"\n").unwrap_err();
        assert!(
            e.starts_with("tenet.toml:1:1: unknown field `fail_on`, expected one of"),
            "{e}"
        );
        assert_eq!(
            load("[[suppress]]\nrule = \"R\"\nreason = \"r\"\nexpires = \"soon\"\n").unwrap_err(),
            "tenet.toml:4:11: expected a date YYYY-MM-DD, found \"soon\""
        );
        assert_eq!(
            load("[[suppress]]\nrule = \"R\"\nreason = \" \"\n").unwrap_err(),
            "tenet.toml: suppress[0]: `rule` and `reason` must not be empty (a suppression always says why)"
        );
    }

    #[test]
    fn found_upward_from_a_file_or_folder() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("x.json"), "{}").unwrap();
        assert_eq!(Config::find(&sub.join("x.json")), None);
        std::fs::write(dir.path().join(FILE_NAME), "").unwrap();
        let want = Some(dir.path().join(FILE_NAME));
        assert_eq!(Config::find(&sub.join("x.json")), want);
        assert_eq!(Config::find(&sub), want);
    }
}
