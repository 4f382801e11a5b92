//! Reading an account: `GetAccountAuthorizationDetails` page by page into one export, then the
//! export loader.
//!
//! The SDK offers a page paginator for this operation (`into_paginator()`); the loop is written
//! out instead so that each page is counted for progress, an error names the page it happened
//! on, and a service that repeats a `Marker` cannot loop forever.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use tenet_inventory::{Inventory, Provenance};

use crate::export::{Export, Group, Policy, Role, User};
use crate::{LiveError, Session};

/// What has been read so far, for a progress display.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub pages: usize,
    /// Users, groups, roles and managed policies.
    pub entities: usize,
}

/// One account as read.
pub struct Account {
    /// From the ARNs read (no extra call is made for it).
    pub account_id: Option<String>,
    pub pages: usize,
    /// The merged pages as one standard export (AWS CLI form), for `--save-export`.
    pub export: Vec<u8>,
    /// The entities, with [`Provenance::Live`].
    pub inventory: Inventory,
}

/// The origin of warnings about live data.
pub fn origin(account_id: Option<&str>) -> String {
    format!("live account {}", account_id.unwrap_or("(unknown)"))
}

impl Session {
    /// Reads every user, group, role and managed policy with GetAccountAuthorizationDetails,
    /// following `Marker` while `IsTruncated`; `progress` is called after each page.
    pub fn read_account(&self, progress: &mut dyn FnMut(Progress)) -> Result<Account, LiveError> {
        let mut export = Export::default();
        let mut marker: Option<String> = None;
        let mut seen: HashSet<String> = HashSet::new();
        let mut pages = 0usize;
        loop {
            let page = self
                .block_on(
                    self.client
                        .get_account_authorization_details()
                        .set_marker(marker.clone())
                        .set_max_items(self.page_size)
                        .send(),
                )
                .map_err(|e| {
                    let target = (pages > 0).then(|| format!("page {}", pages + 1));
                    LiveError::aws(
                        "GetAccountAuthorizationDetails",
                        "iam:GetAccountAuthorizationDetails",
                        target.as_deref(),
                        e,
                    )
                })?;
            pages += 1;
            export
                .user_detail_list
                .extend(page.user_detail_list().iter().map(User::from));
            export
                .group_detail_list
                .extend(page.group_detail_list().iter().map(Group::from));
            export
                .role_detail_list
                .extend(page.role_detail_list().iter().map(Role::from));
            export
                .policies
                .extend(page.policies().iter().map(Policy::from));
            progress(Progress {
                pages,
                entities: export.user_detail_list.len()
                    + export.group_detail_list.len()
                    + export.role_detail_list.len()
                    + export.policies.len(),
            });
            if !page.is_truncated() {
                break;
            }
            match page.marker().filter(|m| !m.is_empty()) {
                Some(m) if seen.insert(m.to_string()) => marker = Some(m.to_string()),
                Some(m) => {
                    return Err(LiveError::Data(format!(
                        "GetAccountAuthorizationDetails returned the Marker {m} twice (page {pages}); stopping instead of reading the same pages again"
                    )));
                }
                None => {
                    return Err(LiveError::Data(format!(
                        "GetAccountAuthorizationDetails page {pages} has IsTruncated but no Marker: the later pages cannot be read"
                    )));
                }
            }
        }
        account(export, pages)
    }
}

fn account(export: Export, pages: usize) -> Result<Account, LiveError> {
    let account_id = export
        .user_detail_list
        .iter()
        .map(|u| &u.arn)
        .chain(export.group_detail_list.iter().map(|g| &g.arn))
        .chain(export.role_detail_list.iter().map(|r| &r.arn))
        .chain(export.policies.iter().map(|p| &p.arn))
        .flatten()
        .find_map(|arn| account_of(arn));
    let versions: BTreeMap<String, String> = export
        .policies
        .iter()
        .filter_map(|p| Some((p.arn.clone()?, p.default_version_id.clone()?)))
        .collect();
    let bytes = serde_json::to_vec_pretty(&export)
        .map_err(|e| LiveError::Data(format!("cannot write the export: {e}")))?;
    let origin = origin(account_id.as_deref());
    let loaded = tenet_sources::gaad::load_bytes(Path::new(&origin), &bytes)
        .map_err(|e| LiveError::Data(e.to_string()))?;
    let (records, warnings) = loaded.into_parts();
    let mut inventory = Inventory::new();
    inventory.reserve(records.len());
    for mut r in records {
        r.provenance = Provenance::Live {
            account: account_id.clone(),
            version_id: if r.kind == "IamPolicy" {
                versions.get(&r.id).cloned()
            } else {
                None
            },
            arn: r.id.clone(),
        };
        inventory.push(r);
    }
    for w in warnings {
        inventory.warn(w);
    }
    Ok(Account {
        account_id,
        pages,
        export: bytes,
        inventory,
    })
}

/// The account of an ARN (`arn:PARTITION:iam::ACCOUNT:...`); `None` for AWS managed policies.
pub fn account_of(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some(_), Some(_), Some(account)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
        .then(|| account.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts() {
        assert_eq!(
            account_of("arn:aws:iam::123456789012:user/a").as_deref(),
            Some("123456789012")
        );
        assert_eq!(account_of("arn:aws:iam::aws:policy/ReadOnlyAccess"), None);
        assert_eq!(account_of("not an arn"), None);
    }
}
