//! SDK responses written as a standard `get-account-authorization-details` export, in the form
//! the AWS CLI prints: PascalCase keys, ISO-8601 dates, documents as JSON objects.
//!
//! Documents arrive percent-encoded. Each is decoded here exactly once, by the export loader's
//! own rule (`tenet_sources::gaad::decode_document`), and embedded as raw JSON text so that
//! duplicate keys survive for the loader to report. A document that cannot be decoded is kept as
//! the string AWS sent: the loader then reports why it is unreadable.

use aws_sdk_iam::primitives::{DateTime, DateTimeFormat};
use aws_sdk_iam::types::{
    AttachedPermissionsBoundary, AttachedPolicy, GroupDetail, ManagedPolicyDetail, PolicyDetail,
    RoleDetail, Tag, UserDetail,
};
use serde::Serialize;
use serde_json::value::RawValue;

/// The merged pages.
#[derive(Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Export {
    pub user_detail_list: Vec<User>,
    pub group_detail_list: Vec<Group>,
    pub role_detail_list: Vec<Role>,
    pub policies: Vec<Policy>,
    pub is_truncated: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct User {
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    create_date: Option<String>,
    user_policy_list: Vec<Inline>,
    group_list: Vec<String>,
    attached_managed_policies: Vec<Attached>,
    #[serde(skip_serializing_if = "Option::is_none")]
    permissions_boundary: Option<Boundary>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<KeyValue>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Group {
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    create_date: Option<String>,
    group_policy_list: Vec<Inline>,
    attached_managed_policies: Vec<Attached>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Role {
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    create_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assume_role_policy_document: Option<Box<RawValue>>,
    instance_profile_list: Vec<InstanceProfile>,
    role_policy_list: Vec<Inline>,
    attached_managed_policies: Vec<Attached>,
    #[serde(skip_serializing_if = "Option::is_none")]
    permissions_boundary: Option<Boundary>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<KeyValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role_last_used: Option<LastUsed>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Policy {
    #[serde(skip_serializing_if = "Option::is_none")]
    policy_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_version_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attachment_count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    permissions_boundary_usage_count: Option<i32>,
    is_attachable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    create_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    update_date: Option<String>,
    policy_version_list: Vec<Version>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Version {
    #[serde(skip_serializing_if = "Option::is_none")]
    document: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_id: Option<String>,
    is_default_version: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    create_date: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Inline {
    #[serde(skip_serializing_if = "Option::is_none")]
    policy_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy_document: Option<Box<RawValue>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Attached {
    #[serde(skip_serializing_if = "Option::is_none")]
    policy_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy_arn: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Boundary {
    #[serde(skip_serializing_if = "Option::is_none")]
    permissions_boundary_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    permissions_boundary_arn: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct InstanceProfile {
    path: String,
    instance_profile_name: String,
    instance_profile_id: String,
    arn: String,
    create_date: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct KeyValue {
    key: String,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct LastUsed {
    #[serde(skip_serializing_if = "Option::is_none")]
    last_used_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<String>,
}

fn s(v: Option<&str>) -> Option<String> {
    v.map(str::to_string)
}

fn date(d: Option<&DateTime>) -> Option<String> {
    d.and_then(|d| d.fmt(DateTimeFormat::DateTime).ok())
}

/// A document as AWS sent it, decoded once; the original string when it cannot be.
pub(crate) fn document(text: Option<&str>) -> Option<Box<RawValue>> {
    let text = text?;
    match tenet_sources::gaad::decode_document(text) {
        Ok(json) => RawValue::from_string(json).ok(),
        // The loader reports why this string is unreadable.
        Err(_) => serde_json::to_string(text)
            .ok()
            .and_then(|quoted| RawValue::from_string(quoted).ok()),
    }
}

fn inline(list: &[PolicyDetail]) -> Vec<Inline> {
    list.iter()
        .map(|p| Inline {
            policy_name: s(p.policy_name()),
            policy_document: document(p.policy_document()),
        })
        .collect()
}

fn attached(list: &[AttachedPolicy]) -> Vec<Attached> {
    list.iter()
        .map(|p| Attached {
            policy_name: s(p.policy_name()),
            policy_arn: s(p.policy_arn()),
        })
        .collect()
}

fn boundary(b: Option<&AttachedPermissionsBoundary>) -> Option<Boundary> {
    b.map(|b| Boundary {
        permissions_boundary_type: b
            .permissions_boundary_type()
            .map(|t| t.as_str().to_string()),
        permissions_boundary_arn: s(b.permissions_boundary_arn()),
    })
}

fn tags(list: &[Tag]) -> Vec<KeyValue> {
    list.iter()
        .map(|t| KeyValue {
            key: t.key().to_string(),
            value: t.value().to_string(),
        })
        .collect()
}

impl From<&UserDetail> for User {
    fn from(u: &UserDetail) -> Self {
        User {
            path: s(u.path()),
            user_name: s(u.user_name()),
            user_id: s(u.user_id()),
            arn: s(u.arn()),
            create_date: date(u.create_date()),
            user_policy_list: inline(u.user_policy_list()),
            group_list: u.group_list().to_vec(),
            attached_managed_policies: attached(u.attached_managed_policies()),
            permissions_boundary: boundary(u.permissions_boundary()),
            tags: tags(u.tags()),
        }
    }
}

impl From<&GroupDetail> for Group {
    fn from(g: &GroupDetail) -> Self {
        Group {
            path: s(g.path()),
            group_name: s(g.group_name()),
            group_id: s(g.group_id()),
            arn: s(g.arn()),
            create_date: date(g.create_date()),
            group_policy_list: inline(g.group_policy_list()),
            attached_managed_policies: attached(g.attached_managed_policies()),
        }
    }
}

impl From<&RoleDetail> for Role {
    fn from(r: &RoleDetail) -> Self {
        Role {
            path: s(r.path()),
            role_name: s(r.role_name()),
            role_id: s(r.role_id()),
            arn: s(r.arn()),
            create_date: date(r.create_date()),
            assume_role_policy_document: document(r.assume_role_policy_document()),
            instance_profile_list: r
                .instance_profile_list()
                .iter()
                .map(|p| InstanceProfile {
                    path: p.path().to_string(),
                    instance_profile_name: p.instance_profile_name().to_string(),
                    instance_profile_id: p.instance_profile_id().to_string(),
                    arn: p.arn().to_string(),
                    create_date: date(Some(p.create_date())).unwrap_or_default(),
                })
                .collect(),
            role_policy_list: inline(r.role_policy_list()),
            attached_managed_policies: attached(r.attached_managed_policies()),
            permissions_boundary: boundary(r.permissions_boundary()),
            tags: tags(r.tags()),
            role_last_used: r.role_last_used().map(|l| LastUsed {
                last_used_date: date(l.last_used_date()),
                region: s(l.region()),
            }),
        }
    }
}

impl From<&ManagedPolicyDetail> for Policy {
    fn from(p: &ManagedPolicyDetail) -> Self {
        Policy {
            policy_name: s(p.policy_name()),
            policy_id: s(p.policy_id()),
            arn: s(p.arn()),
            path: s(p.path()),
            default_version_id: s(p.default_version_id()),
            attachment_count: p.attachment_count(),
            permissions_boundary_usage_count: p.permissions_boundary_usage_count(),
            is_attachable: p.is_attachable(),
            description: s(p.description()),
            create_date: date(p.create_date()),
            update_date: date(p.update_date()),
            policy_version_list: p
                .policy_version_list()
                .iter()
                .map(|v| Version {
                    document: document(v.document()),
                    version_id: s(v.version_id()),
                    is_default_version: v.is_default_version(),
                    create_date: date(v.create_date()),
                })
                .collect(),
        }
    }
}
