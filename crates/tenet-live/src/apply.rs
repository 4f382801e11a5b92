//! Writing fixes of managed policies back to the account, with guard rails.
//!
//! Customer managed policy: read the current default version; nothing to do when its normalised
//! document already equals the fix (IAM has no idempotency token, so this is what makes a second
//! run a no-op); refuse when the default changed since the scan; reuse an identical non-default
//! version (SetDefaultPolicyVersion); otherwise, at IAM's limit of five versions, delete the
//! oldest non-default one (never the default), then CreatePolicyVersion `--set-as-default`. The
//! previous default is printed with the CLI line that restores it.
//!
//! AWS managed policies cannot be edited (a local emulator may allow it; AWS does not), so they
//! are never written to: with `copy_aws_managed`, a customer managed copy holding the fix is
//! created (or an identical one reused), attached to every user, group and role that has the
//! original, and only then is the original detached from them — attach first, so no identity is
//! ever left without the permissions it had.
//!
//! Without `apply` nothing is written: each step is described as what would be done.

use aws_sdk_iam::primitives::DateTime;
use serde_json::Value;
use tenet_fix::MANAGED_POLICY_LIMIT;
use tenet_fix::script::is_aws_managed;
use tenet_rules::RuleSet;

use crate::{LiveError, Session};

/// The fix of one managed policy, as `tenet fix` planned it from the scan.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyFix {
    pub arn: String,
    /// Rule ids whose FAILs this fixes.
    pub rules: Vec<String>,
    /// The fixed document.
    pub document: Value,
    /// The default version the scan judged: a different default now means someone changed the
    /// policy since, and the fix is not written.
    pub scanned_version: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApplyOptions {
    /// Write (otherwise: a dry run that only describes).
    pub apply: bool,
    /// Fix AWS managed policies through a customer managed copy.
    pub copy_aws_managed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// The account already has the fix; nothing was (or would be) written.
    Unchanged,
    /// Dry run: the steps would be taken.
    Planned,
    /// The steps were taken.
    Applied,
    /// Not written, with the reason.
    Refused(String),
    /// A call failed part-way; the steps before it were taken.
    Failed(String),
}

/// What happened to one policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub arn: String,
    pub status: Status,
    /// The steps, in order (`would ...` in a dry run).
    pub steps: Vec<String>,
    /// The default version before the fix (customer managed policies).
    pub previous_version: Option<String>,
    /// The version that is the fix (created, reused or already default).
    pub fixed_version: Option<String>,
    /// A version deleted (or that would be) to stay within five.
    pub deleted_version: Option<String>,
    /// For AWS managed policies: the customer managed copy.
    pub copy_arn: Option<String>,
    /// Commands that undo what was done.
    pub rollback: Vec<String>,
}

impl Outcome {
    fn new(arn: &str) -> Outcome {
        Outcome {
            arn: arn.to_string(),
            status: Status::Planned,
            steps: Vec::new(),
            previous_version: None,
            fixed_version: None,
            deleted_version: None,
            copy_arn: None,
            rollback: Vec::new(),
        }
    }
}

/// A user, group or role a policy is attached to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// `user`, `group` or `role`.
    pub kind: &'static str,
    pub name: String,
}

/// Name of the customer managed copy of an AWS managed policy (IAM names are at most 128
/// characters). The same name `tenet fix --format cli` uses, so both find each other's copy.
pub fn copy_name(arn: &str) -> String {
    let name = arn.rsplit('/').next().unwrap_or(arn);
    format!("{name}-RequireTls").chars().take(128).collect()
}

/// The document in a canonical form for comparison: object keys sorted, and a one-element list
/// the same as its element (IAM treats `"Action": "x"` and `"Action": ["x"]` alike).
pub fn normalise(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), normalise(&m[k])))
                    .collect(),
            )
        }
        Value::Array(a) if a.len() == 1 => normalise(&a[0]),
        Value::Array(a) => Value::Array(a.iter().map(normalise).collect()),
        other => other.clone(),
    }
}

/// IAM's size of a document: characters excluding whitespace.
fn size(doc: &str) -> usize {
    doc.chars().filter(|c| !c.is_whitespace()).count()
}

fn sh(s: &str) -> String {
    if s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_:/.+=@,".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Version ids `v1`, `v2`, ... in numeric order (a tie-break when dates are equal).
fn version_number(id: &str) -> u64 {
    id.trim_start_matches('v').parse().unwrap_or(u64::MAX)
}

impl Session {
    /// Applies (or with `apply: false` describes) each fix. A failure on one policy is reported
    /// in its outcome and does not stop the others.
    pub fn apply_fixes(
        &self,
        fixes: &[PolicyFix],
        account_id: Option<&str>,
        opts: ApplyOptions,
    ) -> Vec<Outcome> {
        fixes
            .iter()
            .map(|fix| {
                let mut out = Outcome::new(&fix.arn);
                let result = if is_aws_managed(&fix.arn) {
                    self.aws_managed(fix, account_id, opts, &mut out)
                } else {
                    self.customer_managed(fix, opts, &mut out)
                };
                if let Err(e) = result {
                    out.status = Status::Failed(e.to_string());
                }
                out
            })
            .collect()
    }

    /// The default version id and its document (normalised).
    fn default_document(&self, arn: &str) -> Result<(String, Value), LiveError> {
        let policy = self
            .block_on(self.client.get_policy().policy_arn(arn).send())
            .map_err(|e| LiveError::aws("GetPolicy", "iam:GetPolicy", Some(arn), e))?;
        let version = policy
            .policy()
            .and_then(|p| p.default_version_id())
            .ok_or_else(|| {
                LiveError::Data(format!("{arn}: GetPolicy returned no default version"))
            })?
            .to_string();
        let doc = self.version_document(arn, &version)?;
        Ok((version, doc))
    }

    fn version_document(&self, arn: &str, version: &str) -> Result<Value, LiveError> {
        let out = self
            .block_on(
                self.client
                    .get_policy_version()
                    .policy_arn(arn)
                    .version_id(version)
                    .send(),
            )
            .map_err(|e| {
                LiveError::aws("GetPolicyVersion", "iam:GetPolicyVersion", Some(arn), e)
            })?;
        let text = out
            .policy_version()
            .and_then(|v| v.document())
            .ok_or_else(|| LiveError::Data(format!("{arn}: version {version} has no document")))?;
        // AWS percent-encodes it; some emulators do not. The loader's rule handles both.
        let json = tenet_sources::gaad::decode_document(text)
            .map_err(|why| LiveError::Data(format!("{arn}: version {version}: {why}")))?;
        let value: Value = serde_json::from_str(&json)
            .map_err(|e| LiveError::Data(format!("{arn}: version {version}: {e}")))?;
        Ok(normalise(&value))
    }

    /// Every version: (id, is default, created).
    fn versions(&self, arn: &str) -> Result<Vec<(String, bool, Option<DateTime>)>, LiveError> {
        let mut all = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let out = self
                .block_on(
                    self.client
                        .list_policy_versions()
                        .policy_arn(arn)
                        .set_marker(marker.take())
                        .send(),
                )
                .map_err(|e| {
                    LiveError::aws("ListPolicyVersions", "iam:ListPolicyVersions", Some(arn), e)
                })?;
            all.extend(out.versions().iter().filter_map(|v| {
                Some((
                    v.version_id()?.to_string(),
                    v.is_default_version(),
                    v.create_date().copied(),
                ))
            }));
            match out.marker().filter(|m| out.is_truncated() && !m.is_empty()) {
                Some(m) => marker = Some(m.to_string()),
                None => break,
            }
        }
        Ok(all)
    }

    fn customer_managed(
        &self,
        fix: &PolicyFix,
        opts: ApplyOptions,
        out: &mut Outcome,
    ) -> Result<(), LiveError> {
        let arn = fix.arn.as_str();
        let text = serde_json::to_string(&fix.document)
            .map_err(|e| LiveError::Data(format!("{arn}: cannot write the fixed document: {e}")))?;
        if size(&text) > MANAGED_POLICY_LIMIT {
            out.status = Status::Refused(format!(
                "the fixed document has {} characters (excluding whitespace), over IAM's limit of {MANAGED_POLICY_LIMIT}",
                size(&text)
            ));
            return Ok(());
        }
        let want = normalise(&fix.document);
        let (current, doc) = self.default_document(arn)?;
        out.previous_version = Some(current.clone());
        if doc == want {
            out.status = Status::Unchanged;
            out.fixed_version = Some(current.clone());
            out.steps.push(format!(
                "already fixed: the default version {current} is the fix"
            ));
            return Ok(());
        }
        if let Some(scanned) = &fix.scanned_version
            && *scanned != current
        {
            out.status = Status::Refused(format!(
                "the default version is now {current}, the scan read {scanned}: the policy changed since; scan again"
            ));
            return Ok(());
        }
        let (verb, done) = if opts.apply {
            ("", Status::Applied)
        } else {
            ("would ", Status::Planned)
        };
        out.rollback.push(format!(
            "aws iam set-default-policy-version --policy-arn {} --version-id {current}",
            sh(arn)
        ));
        let versions = self.versions(arn)?;
        // An identical non-default version: make it the default instead of adding another.
        for (id, is_default, _) in &versions {
            if *is_default || self.version_document(arn, id)? != want {
                continue;
            }
            out.steps.push(format!(
                "{verb}set the existing version {id} (identical to the fix) as default, replacing {current}"
            ));
            out.fixed_version = Some(id.clone());
            if opts.apply {
                self.block_on(
                    self.client
                        .set_default_policy_version()
                        .policy_arn(arn)
                        .version_id(id)
                        .send(),
                )
                .map_err(|e| {
                    LiveError::aws(
                        "SetDefaultPolicyVersion",
                        "iam:SetDefaultPolicyVersion",
                        Some(arn),
                        e,
                    )
                })?;
            }
            out.status = done;
            return Ok(());
        }
        if versions.len() >= 5 {
            let oldest = versions
                .iter()
                .filter(|(_, is_default, _)| !is_default)
                .min_by(|a, b| {
                    let key = |v: &(String, bool, Option<DateTime>)| {
                        (
                            v.2.map(|d| (d.secs(), d.subsec_nanos())),
                            version_number(&v.0),
                        )
                    };
                    key(a).cmp(&key(b))
                })
                .map(|v| v.0.clone())
                .ok_or_else(|| {
                    LiveError::Data(format!("{arn}: five versions and none is non-default"))
                })?;
            out.steps.push(format!(
                "{verb}delete version {oldest}, the oldest non-default one (IAM keeps at most five versions)"
            ));
            out.deleted_version = Some(oldest.clone());
            if opts.apply {
                self.block_on(
                    self.client
                        .delete_policy_version()
                        .policy_arn(arn)
                        .version_id(&oldest)
                        .send(),
                )
                .map_err(|e| {
                    LiveError::aws(
                        "DeletePolicyVersion",
                        "iam:DeletePolicyVersion",
                        Some(arn),
                        e,
                    )
                })?;
            }
        }
        out.steps.push(format!(
            "{verb}create a new version with the fix and set it as default, replacing {current}"
        ));
        if opts.apply {
            let created = self
                .block_on(
                    self.client
                        .create_policy_version()
                        .policy_arn(arn)
                        .policy_document(&text)
                        .set_as_default(true)
                        .send(),
                )
                .map_err(|e| {
                    LiveError::aws(
                        "CreatePolicyVersion",
                        "iam:CreatePolicyVersion",
                        Some(arn),
                        e,
                    )
                })?;
            out.fixed_version = created
                .policy_version()
                .and_then(|v| v.version_id())
                .map(str::to_string);
        }
        out.status = done;
        Ok(())
    }

    /// The users, groups and roles a policy is attached to now (not as scanned).
    pub fn attachments(&self, arn: &str) -> Result<Vec<Attachment>, LiveError> {
        let mut all = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let out = self
                .block_on(
                    self.client
                        .list_entities_for_policy()
                        .policy_arn(arn)
                        .set_marker(marker.take())
                        .send(),
                )
                .map_err(|e| {
                    LiveError::aws(
                        "ListEntitiesForPolicy",
                        "iam:ListEntitiesForPolicy",
                        Some(arn),
                        e,
                    )
                })?;
            let named = |kind: &'static str, name: Option<&str>| {
                name.map(|n| Attachment {
                    kind,
                    name: n.to_string(),
                })
            };
            all.extend(
                out.policy_users()
                    .iter()
                    .filter_map(|u| named("user", u.user_name())),
            );
            all.extend(
                out.policy_groups()
                    .iter()
                    .filter_map(|g| named("group", g.group_name())),
            );
            all.extend(
                out.policy_roles()
                    .iter()
                    .filter_map(|r| named("role", r.role_name())),
            );
            match out.marker().filter(|m| out.is_truncated() && !m.is_empty()) {
                Some(m) => marker = Some(m.to_string()),
                None => break,
            }
        }
        Ok(all)
    }

    fn attach(&self, who: &Attachment, policy: &str) -> Result<(), LiveError> {
        let c = &self.client;
        let target = format!("{} {}", who.kind, who.name);
        match who.kind {
            "user" => self
                .block_on(
                    c.attach_user_policy()
                        .user_name(&who.name)
                        .policy_arn(policy)
                        .send(),
                )
                .map(drop)
                .map_err(|e| {
                    LiveError::aws("AttachUserPolicy", "iam:AttachUserPolicy", Some(&target), e)
                }),
            "group" => self
                .block_on(
                    c.attach_group_policy()
                        .group_name(&who.name)
                        .policy_arn(policy)
                        .send(),
                )
                .map(drop)
                .map_err(|e| {
                    LiveError::aws(
                        "AttachGroupPolicy",
                        "iam:AttachGroupPolicy",
                        Some(&target),
                        e,
                    )
                }),
            _ => self
                .block_on(
                    c.attach_role_policy()
                        .role_name(&who.name)
                        .policy_arn(policy)
                        .send(),
                )
                .map(drop)
                .map_err(|e| {
                    LiveError::aws("AttachRolePolicy", "iam:AttachRolePolicy", Some(&target), e)
                }),
        }
    }

    fn detach(&self, who: &Attachment, policy: &str) -> Result<(), LiveError> {
        let c = &self.client;
        let target = format!("{} {}", who.kind, who.name);
        match who.kind {
            "user" => self
                .block_on(
                    c.detach_user_policy()
                        .user_name(&who.name)
                        .policy_arn(policy)
                        .send(),
                )
                .map(drop)
                .map_err(|e| {
                    LiveError::aws("DetachUserPolicy", "iam:DetachUserPolicy", Some(&target), e)
                }),
            "group" => self
                .block_on(
                    c.detach_group_policy()
                        .group_name(&who.name)
                        .policy_arn(policy)
                        .send(),
                )
                .map(drop)
                .map_err(|e| {
                    LiveError::aws(
                        "DetachGroupPolicy",
                        "iam:DetachGroupPolicy",
                        Some(&target),
                        e,
                    )
                }),
            _ => self
                .block_on(
                    c.detach_role_policy()
                        .role_name(&who.name)
                        .policy_arn(policy)
                        .send(),
                )
                .map(drop)
                .map_err(|e| {
                    LiveError::aws("DetachRolePolicy", "iam:DetachRolePolicy", Some(&target), e)
                }),
        }
    }

    fn aws_managed(
        &self,
        fix: &PolicyFix,
        account_id: Option<&str>,
        opts: ApplyOptions,
        out: &mut Outcome,
    ) -> Result<(), LiveError> {
        let arn = fix.arn.as_str();
        let name = copy_name(arn);
        let partition = arn.split(':').nth(1).unwrap_or("aws");
        let copy_arn = account_id.map(|a| format!("arn:{partition}:iam::{a}:policy/{name}"));
        let attached = self.attachments(arn)?;
        let who = |a: &Attachment| format!("{} {}", a.kind, a.name);
        let (verb, done) = if opts.apply && opts.copy_aws_managed {
            ("", Status::Applied)
        } else {
            ("would ", Status::Planned)
        };
        out.steps.push(format!(
            "{verb}create the customer managed policy {name} (a copy with the fix), unless an identical one exists"
        ));
        for a in &attached {
            out.steps.push(format!("{verb}attach {name} to {}", who(a)));
        }
        for a in &attached {
            out.steps
                .push(format!("{verb}detach the original from {}", who(a)));
        }
        out.copy_arn = copy_arn.clone();
        let copy_ref = copy_arn
            .clone()
            .unwrap_or_else(|| format!("<the ARN of {name}>"));
        for a in &attached {
            out.rollback.push(format!(
                "aws iam attach-{k}-policy --{k}-name {n} --policy-arn {arn} && aws iam detach-{k}-policy --{k}-name {n} --policy-arn {c}",
                k = a.kind,
                n = sh(&a.name),
                arn = sh(arn),
                c = sh(&copy_ref),
            ));
        }
        if !opts.copy_aws_managed {
            out.status = Status::Refused(
                "an AWS managed policy cannot be edited; --copy-aws-managed replaces it with a customer managed copy holding the fix".into(),
            );
            return Ok(());
        }
        let Some(copy_arn) = copy_arn else {
            out.status = Status::Refused(
                "the account id is unknown (no customer ARN was read), so the copy's ARN cannot be formed".into(),
            );
            return Ok(());
        };
        let text = serde_json::to_string(&fix.document)
            .map_err(|e| LiveError::Data(format!("{arn}: cannot write the fixed document: {e}")))?;
        if size(&text) > MANAGED_POLICY_LIMIT {
            out.status = Status::Refused(format!(
                "the fixed document has {} characters (excluding whitespace), over IAM's limit of {MANAGED_POLICY_LIMIT}",
                size(&text)
            ));
            return Ok(());
        }
        // An existing copy is reused only when it holds exactly the fix.
        let exists = match self.block_on(self.client.get_policy().policy_arn(&copy_arn).send()) {
            Ok(_) => true,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_no_such_entity_exception()) =>
            {
                false
            }
            Err(e) => {
                return Err(LiveError::aws(
                    "GetPolicy",
                    "iam:GetPolicy",
                    Some(&copy_arn),
                    e,
                ));
            }
        };
        if exists {
            let (_, doc) = self.default_document(&copy_arn)?;
            if doc != normalise(&fix.document) {
                out.status = Status::Refused(format!(
                    "{copy_arn} exists with a different document; remove or rename it first"
                ));
                return Ok(());
            }
            out.steps[0] = format!("{verb}reuse the existing customer managed policy {copy_arn}");
        }
        out.status = done.clone();
        if done != Status::Applied {
            return Ok(());
        }
        if !exists {
            self.block_on(
                self.client
                    .create_policy()
                    .policy_name(&name)
                    .policy_document(&text)
                    .description(format!(
                        "Copy of {arn} requiring TLS for access-key actions (tenet fix)"
                    ))
                    .send(),
            )
            .map_err(|e| LiveError::aws("CreatePolicy", "iam:CreatePolicy", Some(&name), e))?;
        }
        // Attach everywhere first: if a call fails part-way, nobody has lost a permission.
        for a in &attached {
            self.attach(a, &copy_arn)?;
        }
        for a in &attached {
            self.detach(a, arn)?;
        }
        Ok(())
    }

    /// Reads the account again and scans it with `rules`: the FAILs left on `arns`, as
    /// (rule id, ARN).
    pub fn still_failing(
        &self,
        rules: &RuleSet,
        arns: &[String],
    ) -> Result<Vec<(String, String)>, LiveError> {
        let account = self.read_account(&mut |_| {})?;
        let report = tenet_findings::scan(
            &account.inventory,
            rules,
            &tenet_findings::ScanOptions::default(),
        );
        Ok(report
            .results
            .iter()
            .filter(|r| r.outcome == gsl::Outcome::Fail)
            .filter_map(|r| {
                let e = &report.entities[r.entity];
                (e.kind == "IamPolicy" && arns.contains(&e.id))
                    .then(|| (report.rules[r.rule].id.clone(), e.id.clone()))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn normalised_documents() {
        let a = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:CreateAccessKey"], "Resource": "*"}]});
        let b = json!({"Statement": {"Resource": ["*"], "Action": "iam:CreateAccessKey", "Effect": "Allow"}, "Version": "2012-10-17"});
        assert_eq!(normalise(&a), normalise(&b));
        let c = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:CreateAccessKey", "iam:ListUsers"], "Resource": "*"}]});
        assert_ne!(normalise(&a), normalise(&c));
    }

    #[test]
    fn copy_names() {
        assert_eq!(
            copy_name("arn:aws:iam::aws:policy/service-role/AWSLambdaRole"),
            "AWSLambdaRole-RequireTls"
        );
        assert_eq!(
            copy_name(&format!("arn:aws:iam::aws:policy/{}", "x".repeat(130))).len(),
            128
        );
    }

    #[test]
    fn shell_words() {
        assert_eq!(sh("arn:aws:iam::1:policy/a"), "arn:aws:iam::1:policy/a");
        assert_eq!(sh("it's"), r"'it'\''s'");
    }
}
