//! Suppressions: "do not report RULE for this entity, because REASON (until EXPIRES)".
//!
//! Sources attach them to records ([`Record::suppressions`](crate::Record)); the findings stage
//! applies them. This module holds the model and the two in-source syntaxes, so every source reads
//! them the same way:
//! - Terraform comments: `# tenet:ignore RULE reason` (or `//`), on the lines directly above a
//!   resource block, on its header line, or on any line inside it ([`from_terraform_comments`]).
//! - CloudFormation resource `Metadata`: `tenet: { ignore: [{rule, reason, expires}] }`
//!   ([`from_cfn_metadata`]).
//!
//! A suppression always has a reason: one without is refused with a warning, never applied
//! silently.

use gsl::Value;
use std::fmt;

/// A calendar date (`YYYY-MM-DD`), the form of `expires`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD` (a real calendar date).
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.trim().as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = std::str::from_utf8(&b[r]).ok()?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        if day == 0 || day > days {
            return None;
        }
        Some(Date {
            year: i32::try_from(year).ok()?,
            month: u8::try_from(month).ok()?,
            day: u8::try_from(day).ok()?,
        })
    }

    /// The UTC date of a Unix timestamp (Howard Hinnant's civil-from-days).
    pub fn from_unix(secs: i64) -> Date {
        let z = secs.div_euclid(86_400) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One suppression as written by the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// The rule id it silences (`*` for every rule).
    pub rule: String,
    pub reason: String,
    /// Last day it applies; after that the finding is reported again, with a warning.
    pub expires: Option<Date>,
    /// Where it was written, for messages: `main.tf:12`, `template.yaml: Resources.Bucket.Metadata`,
    /// `tenet.toml: suppress[0]`.
    pub origin: String,
}

impl Suppression {
    pub fn matches_rule(&self, rule: &str) -> bool {
        self.rule == "*" || self.rule == rule
    }
}

/// What a suppression syntax found: the suppressions, and warnings for the ones it refused.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub suppressions: Vec<Suppression>,
    pub warnings: Vec<String>,
}

const MARKER: &str = "tenet:ignore";

/// Terraform: the `# tenet:ignore RULE reason` comments that apply to the resource whose block
/// spans `first_line..=last_line` (1-based) of `text`: the comment lines directly above the
/// header, and comments on any line of the block (trailing comments included). `path` names the
/// file in origins and warnings. A trailing `expires=YYYY-MM-DD` word sets the expiry.
pub fn from_terraform_comments(
    text: &str,
    first_line: usize,
    last_line: usize,
    path: &str,
) -> Parsed {
    let lines: Vec<&str> = text.lines().collect();
    let mut wanted: Vec<usize> = Vec::new();
    // Comment lines directly above the header belong to the resource.
    let mut above = first_line.saturating_sub(1);
    while above >= 1 {
        let t = lines.get(above - 1).map_or("", |l| l.trim_start());
        if t.starts_with('#') || t.starts_with("//") {
            wanted.push(above);
            above -= 1;
        } else {
            break;
        }
    }
    wanted.reverse();
    wanted.extend(first_line.max(1)..=last_line.min(lines.len()));
    let mut out = Parsed::default();
    for n in wanted {
        let Some(line) = lines.get(n - 1) else {
            continue;
        };
        let Some(comment) = comment_of(line) else {
            continue;
        };
        let Some(col) = comment.find(MARKER) else {
            continue;
        };
        let origin = format!("{path}:{n}");
        let rest = &comment[col + MARKER.len()..];
        if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
            continue; // `tenet:ignored` or similar: not ours
        }
        let mut words: Vec<&str> = rest.split_whitespace().collect();
        let mut expires = None;
        if let Some(last) = words.last()
            && let Some(date) = last.strip_prefix("expires=")
        {
            match Date::parse(date) {
                Some(d) => expires = Some(d),
                None => {
                    out.warnings.push(format!(
                        "{origin}: tenet:ignore: expected expires=YYYY-MM-DD, found `{last}`; this suppression is not applied"
                    ));
                    continue;
                }
            }
            words.pop();
        }
        let Some((rule, reason)) = words.split_first() else {
            out.warnings.push(format!(
                "{origin}: tenet:ignore: expected a rule id and a reason (# tenet:ignore RULE reason); this suppression is not applied"
            ));
            continue;
        };
        if reason.is_empty() {
            out.warnings.push(format!(
                "{origin}: tenet:ignore {rule}: expected a reason after the rule id; this suppression is not applied"
            ));
            continue;
        }
        out.suppressions.push(Suppression {
            rule: (*rule).to_string(),
            reason: reason.join(" "),
            expires,
            origin,
        });
    }
    out
}

/// The comment part of an HCL line (`#` or `//` outside a string), if any.
fn comment_of(line: &str) -> Option<&str> {
    let bytes = line.as_bytes();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'#' if !in_string => return Some(&line[i + 1..]),
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return Some(&line[i + 2..]),
            _ => {}
        }
        i += 1;
    }
    None
}

/// CloudFormation: the suppressions in a resource's `Metadata` value
/// (`tenet: { ignore: [{rule, reason, expires}] }`). `origin` names the resource, e.g.
/// `template.yaml: Resources.Bucket.Metadata`. A missing `tenet` key is no suppression; a
/// malformed one is a warning.
pub fn from_cfn_metadata(metadata: &Value, origin: &str) -> Parsed {
    let mut out = Parsed::default();
    let Some(tenet) = metadata.get("tenet") else {
        return out;
    };
    let Some(items) = tenet.get("ignore").and_then(Value::as_list) else {
        out.warnings.push(format!(
            "{origin}.tenet: expected `ignore: [{{rule, reason, expires}}]`; no suppression applied"
        ));
        return out;
    };
    for (i, item) in items.iter().enumerate() {
        let at = format!("{origin}.tenet.ignore[{i}]");
        let field = |k: &str| item.get(k).and_then(Value::as_str).map(str::trim);
        let (Some(rule), Some(reason)) = (field("rule"), field("reason")) else {
            out.warnings.push(format!(
                "{at}: expected `rule` and `reason` (strings); this suppression is not applied"
            ));
            continue;
        };
        if rule.is_empty() || reason.is_empty() {
            out.warnings.push(format!(
                "{at}: `rule` and `reason` must not be empty; this suppression is not applied"
            ));
            continue;
        }
        let expires = match item.get("expires") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_str().and_then(Date::parse) {
                Some(d) => Some(d),
                None => {
                    out.warnings.push(format!(
                        "{at}.expires: expected a date YYYY-MM-DD, found {v}; this suppression is not applied"
                    ));
                    continue;
                }
            },
        };
        out.suppressions.push(Suppression {
            rule: rule.to_string(),
            reason: reason.to_string(),
            expires,
            origin: at,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_strictly_and_convert_from_unix() {
        assert_eq!(
            Date::parse("2024-02-29"),
            Some(Date {
                year: 2024,
                month: 2,
                day: 29
            })
        );
        assert_eq!(Date::parse("2023-02-29"), None);
        assert_eq!(Date::parse("2024-13-01"), None);
        assert_eq!(Date::parse("2024-1-01"), None);
        assert_eq!(Date::parse("+024-01-01"), None);
        assert_eq!(Date::from_unix(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix(1_709_251_199).to_string(), "2024-02-29");
        assert_eq!(Date::from_unix(1_709_251_200).to_string(), "2024-03-01");
    }

    const TF: &str = r##"# unrelated
resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}

# Public by design: static website.
# tenet:ignore TN.S3.1 website bucket expires=2999-12-31
resource "aws_iam_policy" "keys" { # tenet:ignore D9.AWS.IAM.67 rotated by a TLS-only job
  name   = "keys"
  policy = "{\"a\": \"# tenet:ignore X not a comment\"}"
  // tenet:ignore TN.IAM.2
  description = "x" # tenet:ignore TN.IAM.3 expires=2024-02-30
}
"##;

    #[test]
    fn terraform_comments_above_on_and_inside_the_block() {
        let p = from_terraform_comments(TF, 8, 13, "main.tf");
        assert_eq!(
            p.suppressions,
            vec![
                Suppression {
                    rule: "TN.S3.1".into(),
                    reason: "website bucket".into(),
                    expires: Date::parse("2999-12-31"),
                    origin: "main.tf:7".into(),
                },
                Suppression {
                    rule: "D9.AWS.IAM.67".into(),
                    reason: "rotated by a TLS-only job".into(),
                    expires: None,
                    origin: "main.tf:8".into(),
                },
            ]
        );
        assert_eq!(
            p.warnings,
            vec![
                "main.tf:11: tenet:ignore TN.IAM.2: expected a reason after the rule id; this suppression is not applied",
                "main.tf:12: tenet:ignore: expected expires=YYYY-MM-DD, found `expires=2024-02-30`; this suppression is not applied",
            ]
        );
        // The first resource has none: the blank line separates the comments from it.
        assert_eq!(
            from_terraform_comments(TF, 2, 4, "main.tf"),
            Parsed::default()
        );
    }

    fn obj(pairs: Vec<(&str, Value)>) -> Value {
        let mut m = gsl::Map::new();
        for (k, v) in pairs {
            m.insert(k, v);
        }
        Value::Object(m)
    }

    #[test]
    fn cfn_metadata_ignore_list() {
        let meta = obj(vec![(
            "tenet",
            obj(vec![(
                "ignore",
                Value::List(vec![
                    obj(vec![
                        ("rule", Value::str("D9.AWS.IAM.67")),
                        ("reason", Value::str("break-glass role")),
                        ("expires", Value::str("2030-01-31")),
                    ]),
                    obj(vec![("rule", Value::str("TN.X"))]),
                    obj(vec![
                        ("rule", Value::str("TN.Y")),
                        ("reason", Value::str("r")),
                        ("expires", Value::str("soon")),
                    ]),
                ]),
            )]),
        )]);
        let p = from_cfn_metadata(&meta, "t.yaml: Resources.Keys.Metadata");
        assert_eq!(
            p.suppressions,
            vec![Suppression {
                rule: "D9.AWS.IAM.67".into(),
                reason: "break-glass role".into(),
                expires: Date::parse("2030-01-31"),
                origin: "t.yaml: Resources.Keys.Metadata.tenet.ignore[0]".into(),
            }]
        );
        assert_eq!(
            p.warnings,
            vec![
                "t.yaml: Resources.Keys.Metadata.tenet.ignore[1]: expected `rule` and `reason` (strings); this suppression is not applied",
                "t.yaml: Resources.Keys.Metadata.tenet.ignore[2].expires: expected a date YYYY-MM-DD, found \"soon\"; this suppression is not applied",
            ]
        );
        assert_eq!(
            from_cfn_metadata(&obj(vec![]), "t").suppressions,
            Vec::new()
        );
        assert_eq!(
            from_cfn_metadata(&obj(vec![("tenet", Value::str("x"))]), "t").warnings,
            vec!["t.tenet: expected `ignore: [{rule, reason, expires}]`; no suppression applied"]
        );
    }
}
