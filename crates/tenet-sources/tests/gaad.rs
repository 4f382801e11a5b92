//! The GAAD loader against small fixtures: each input with its exact expected result.
#![allow(clippy::unwrap_used, clippy::panic)] // test helpers: a failure is the test failing

use std::path::Path;

use tenet_inventory::Inventory;
use tenet_sources::{SourceError, gaad, load_path};

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new("tests/fixtures").join(name)
}

/// Loads through `load_path` (reader) and checks `load_bytes` agrees.
fn load(name: &str) -> Result<Inventory, SourceError> {
    let path = fixture(name);
    let by_path = load_path(&path);
    let bytes = std::fs::read(&path).unwrap();
    let by_bytes = gaad::load_bytes(&path, &bytes);
    assert_eq!(
        by_path, by_bytes,
        "load_path and load_bytes differ for {name}"
    );
    by_path
}

fn error(name: &str) -> String {
    load(name).unwrap_err().to_string()
}

/// `kind name` and the materialised value of every record, and all warnings, as lines.
fn dump(inv: &Inventory) -> Vec<String> {
    let mut out: Vec<String> = inv.warnings().iter().map(|w| w.to_string()).collect();
    for r in inv.records() {
        let e = r.materialize().unwrap();
        out.extend(e.warnings.iter().map(|w| w.to_string()));
        out.push(format!("{} {}", r.kind, r.name));
        out.push(e.value.to_string());
    }
    out
}

fn expect(name: &str, expected: &[&str]) {
    let got = dump(&load(name).unwrap());
    assert_eq!(got, expected, "{name}");
}

#[test]
fn cli_form_with_attachment_via_user_group_role_and_none() {
    expect(
        "cli-form.json",
        &[
            r#"tests/fixtures/cli-form.json: warning: managed policy arn:aws:iam::aws:policy/ReadOnlyAccess is attached to role app but is not in `Policies`; it is not checked"#,
            r#"IamUser alice"#,
            r#"{"name":"alice","arn":"arn:aws:iam::111122223333:user/alice","id":"AIDAALICE","path":"/","createDate":"2024-01-01T00:00:00Z","groups":["devs"],"managedPolicies":[{"name":"UserAttached","arn":"arn:aws:iam::111122223333:policy/UserAttached"}],"inlinePolicies":[{"name":"alice-inline","document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}}]}"#,
            r#"IamInlinePolicy alice-inline"#,
            r#"{"name":"alice-inline","identity":{"type":"IamUser","name":"alice","arn":"arn:aws:iam::111122223333:user/alice"},"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}}"#,
            r#"IamUser bob"#,
            r#"{"name":"bob","arn":"arn:aws:iam::111122223333:user/ops/bob","id":"AIDABOB","path":"/ops/","createDate":"2024-01-02T00:00:00Z","groups":[],"managedPolicies":[],"inlinePolicies":[],"permissionsBoundary":{"arn":"arn:aws:iam::111122223333:policy/Unattached","type":"Policy"}}"#,
            r#"IamGroup devs"#,
            r#"{"name":"devs","arn":"arn:aws:iam::111122223333:group/devs","id":"AGPADEVS","path":"/","createDate":"2024-01-03T00:00:00Z","managedPolicies":[{"name":"GroupOnly","arn":"arn:aws:iam::111122223333:policy/GroupOnly"}],"inlinePolicies":[]}"#,
            r#"IamRole app"#,
            r#"{"name":"app","arn":"arn:aws:iam::111122223333:role/service/app","id":"AROAAPP","path":"/service/","createDate":"2024-01-04T00:00:00Z","managedPolicies":[{"name":"RoleOnly","arn":"arn:aws:iam::111122223333:policy/RoleOnly"},{"name":"ReadOnlyAccess","arn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}],"inlinePolicies":[],"assumeRolePolicy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}}"#,
            r#"IamPolicy UserAttached"#,
            r#"{"name":"UserAttached","arn":"arn:aws:iam::111122223333:policy/UserAttached","id":"ANPAUSER","path":"/","isAwsManaged":false,"attachmentCount":1,"permissionsBoundaryUsageCount":0,"isAttachable":true,"createDate":"2024-02-01T00:00:00Z","updateDate":"2024-02-01T00:00:00Z","defaultVersionId":"v1","versions":[{"versionId":"v1","isDefaultVersion":true,"createDate":"2024-02-01T00:00:00Z","document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:ListAccessKeys"],"Resource":"*"}]}}],"users":[{"name":"alice","arn":"arn:aws:iam::111122223333:user/alice","id":"AIDAALICE"}],"roles":[],"groups":[],"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:ListAccessKeys"],"Resource":"*"}]}}"#,
            r#"IamPolicy GroupOnly"#,
            r#"{"name":"GroupOnly","arn":"arn:aws:iam::111122223333:policy/GroupOnly","id":"ANPAGROUP","path":"/","isAwsManaged":false,"attachmentCount":1,"permissionsBoundaryUsageCount":0,"isAttachable":true,"createDate":"2024-02-02T00:00:00Z","updateDate":"2024-02-02T00:00:00Z","defaultVersionId":"v1","versions":[{"versionId":"v1","isDefaultVersion":true,"createDate":"2024-02-02T00:00:00Z","document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}}],"users":[],"roles":[],"groups":[{"name":"devs","arn":"arn:aws:iam::111122223333:group/devs","id":"AGPADEVS"}],"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}}"#,
            r#"IamPolicy RoleOnly"#,
            r#"{"name":"RoleOnly","arn":"arn:aws:iam::111122223333:policy/RoleOnly","id":"ANPAROLE","path":"/","isAwsManaged":false,"attachmentCount":1,"permissionsBoundaryUsageCount":0,"isAttachable":true,"createDate":"2024-02-03T00:00:00Z","updateDate":"2024-02-03T00:00:00Z","defaultVersionId":"v1","versions":[{"versionId":"v1","isDefaultVersion":true,"createDate":"2024-02-03T00:00:00Z","document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}}],"users":[],"roles":[{"name":"app","arn":"arn:aws:iam::111122223333:role/service/app","id":"AROAAPP"}],"groups":[],"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}}"#,
            r#"IamPolicy Unattached"#,
            r#"{"name":"Unattached","arn":"arn:aws:iam::111122223333:policy/Unattached","id":"ANPAUNATT","path":"/","description":"boundary only","isAwsManaged":false,"attachmentCount":0,"permissionsBoundaryUsageCount":1,"isAttachable":true,"createDate":"2024-02-04T00:00:00Z","updateDate":"2024-02-05T00:00:00Z","defaultVersionId":"v2","versions":[{"versionId":"v2","isDefaultVersion":true,"createDate":"2024-02-05T00:00:00Z","document":{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}},{"versionId":"v1","isDefaultVersion":false,"createDate":"2024-02-04T00:00:00Z","document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}}],"users":[],"roles":[],"groups":[],"document":{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}}"#,
        ],
    );
}

#[test]
fn url_encoded_raw_api_form() {
    expect(
        "url-encoded.json",
        &[
            r#"IamUser moto-user"#,
            r#"{"name":"moto-user","arn":"arn:aws:iam::111122223333:user/moto-user","id":"AIDAMOTO","path":"/","createDate":"2024-03-01T00:00:00Z","groups":[],"managedPolicies":[{"name":"Encoded","arn":"arn:aws:iam::111122223333:policy/team/Encoded"}],"inlinePolicies":[{"name":"json-string","document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}}]}"#,
            r#"IamInlinePolicy json-string"#,
            r#"{"name":"json-string","identity":{"type":"IamUser","name":"moto-user","arn":"arn:aws:iam::111122223333:user/moto-user"},"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}}"#,
            r#"IamRole encoded-role"#,
            r#"{"name":"encoded-role","arn":"arn:aws:iam::111122223333:role/encoded-role","id":"AROAENC","path":"/","createDate":"2024-03-01T00:00:00Z","managedPolicies":[],"inlinePolicies":[{"name":"role-inline","document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}}],"assumeRolePolicy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}}"#,
            r#"IamInlinePolicy role-inline"#,
            r#"{"name":"role-inline","identity":{"type":"IamRole","name":"encoded-role","arn":"arn:aws:iam::111122223333:role/encoded-role"},"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}}"#,
            r#"IamPolicy Encoded"#,
            r#"{"name":"Encoded","arn":"arn:aws:iam::111122223333:policy/team/Encoded","path":"/team/","isAwsManaged":false,"attachmentCount":1,"isAttachable":true,"createDate":"2024-03-01T00:00:00Z","updateDate":"2024-03-02T00:00:00Z","defaultVersionId":"v2","versions":[{"versionId":"v1","isDefaultVersion":false,"createDate":"2024-03-01T00:00:00Z","document":{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}},{"versionId":"v2","isDefaultVersion":true,"createDate":"2024-03-02T00:00:00Z","document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"*","Condition":{"StringLike":{"aws:username":"a+b c*"}}}]}}],"users":[{"name":"moto-user","arn":"arn:aws:iam::111122223333:user/moto-user","id":"AIDAMOTO"}],"roles":[],"groups":[],"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"*","Condition":{"StringLike":{"aws:username":"a+b c*"}}}]}}"#,
        ],
    );
}

#[test]
fn array_of_pages() {
    expect(
        "pages-array.json",
        &[
            r#"tests/fixtures/pages-array.json: warning: arn:aws:iam::111122223333:policy/Differs appears more than once with different content; the first copy is used"#,
            r#"IamUser u1"#,
            r#"{"name":"u1","arn":"arn:aws:iam::111122223333:user/u1","id":"AIDAU1","path":"/","groups":[],"managedPolicies":[{"name":"P1","arn":"arn:aws:iam::111122223333:policy/P1"}],"inlinePolicies":[]}"#,
            r#"IamUser u2"#,
            r#"{"name":"u2","arn":"arn:aws:iam::111122223333:user/u2","id":"AIDAU2","path":"/","groups":[],"managedPolicies":[{"name":"P1","arn":"arn:aws:iam::111122223333:policy/P1"},{"name":"P2","arn":"arn:aws:iam::111122223333:policy/P2"}],"inlinePolicies":[]}"#,
            r#"IamPolicy P1"#,
            r#"{"name":"P1","arn":"arn:aws:iam::111122223333:policy/P1","id":"ANPAP1","path":"/","isAwsManaged":false,"attachmentCount":1,"isAttachable":true,"defaultVersionId":"v1","versions":[{"versionId":"v1","isDefaultVersion":true,"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}}],"users":[{"name":"u1","arn":"arn:aws:iam::111122223333:user/u1","id":"AIDAU1"},{"name":"u2","arn":"arn:aws:iam::111122223333:user/u2","id":"AIDAU2"}],"roles":[],"groups":[],"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}}"#,
            r#"IamPolicy Same"#,
            r#"{"name":"Same","arn":"arn:aws:iam::111122223333:policy/Same","id":"ANPASAME","path":"/","isAwsManaged":false,"attachmentCount":1,"isAttachable":true,"defaultVersionId":"v1","versions":[{"versionId":"v1","isDefaultVersion":true,"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}}],"users":[],"roles":[],"groups":[],"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}}"#,
            r#"IamPolicy Differs"#,
            r#"{"name":"Differs","arn":"arn:aws:iam::111122223333:policy/Differs","id":"ANPADIFFERS","path":"/","isAwsManaged":false,"attachmentCount":1,"isAttachable":true,"defaultVersionId":"v1","versions":[{"versionId":"v1","isDefaultVersion":true,"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:*","Resource":"*"}]}}],"users":[],"roles":[],"groups":[],"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:*","Resource":"*"}]}}"#,
            r#"IamPolicy P2"#,
            r#"{"name":"P2","arn":"arn:aws:iam::111122223333:policy/P2","id":"ANPAP2","path":"/","isAwsManaged":false,"attachmentCount":1,"isAttachable":true,"defaultVersionId":"v1","versions":[{"versionId":"v1","isDefaultVersion":true,"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}}],"users":[{"name":"u2","arn":"arn:aws:iam::111122223333:user/u2","id":"AIDAU2"}],"roles":[],"groups":[],"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}}"#,
        ],
    );
}

#[test]
fn concatenated_pages() {
    expect(
        "pages-concatenated.json",
        &[
            r#"tests/fixtures/pages-concatenated.json: warning: arn:aws:iam::111122223333:policy/Differs appears more than once with different content; the first copy is used"#,
            r#"IamUser u1"#,
            r#"{"name":"u1","arn":"arn:aws:iam::111122223333:user/u1","id":"AIDAU1","path":"/","groups":[],"managedPolicies":[{"name":"P1","arn":"arn:aws:iam::111122223333:policy/P1"}],"inlinePolicies":[]}"#,
            r#"IamUser u2"#,
            r#"{"name":"u2","arn":"arn:aws:iam::111122223333:user/u2","id":"AIDAU2","path":"/","groups":[],"managedPolicies":[{"name":"P1","arn":"arn:aws:iam::111122223333:policy/P1"},{"name":"P2","arn":"arn:aws:iam::111122223333:policy/P2"}],"inlinePolicies":[]}"#,
            r#"IamPolicy P1"#,
            r#"{"name":"P1","arn":"arn:aws:iam::111122223333:policy/P1","id":"ANPAP1","path":"/","isAwsManaged":false,"attachmentCount":1,"isAttachable":true,"defaultVersionId":"v1","versions":[{"versionId":"v1","isDefaultVersion":true,"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}}],"users":[{"name":"u1","arn":"arn:aws:iam::111122223333:user/u1","id":"AIDAU1"},{"name":"u2","arn":"arn:aws:iam::111122223333:user/u2","id":"AIDAU2"}],"roles":[],"groups":[],"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}}"#,
            r#"IamPolicy Same"#,
            r#"{"name":"Same","arn":"arn:aws:iam::111122223333:policy/Same","id":"ANPASAME","path":"/","isAwsManaged":false,"attachmentCount":1,"isAttachable":true,"defaultVersionId":"v1","versions":[{"versionId":"v1","isDefaultVersion":true,"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}}],"users":[],"roles":[],"groups":[],"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}}"#,
            r#"IamPolicy Differs"#,
            r#"{"name":"Differs","arn":"arn:aws:iam::111122223333:policy/Differs","id":"ANPADIFFERS","path":"/","isAwsManaged":false,"attachmentCount":1,"isAttachable":true,"defaultVersionId":"v1","versions":[{"versionId":"v1","isDefaultVersion":true,"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:*","Resource":"*"}]}}],"users":[],"roles":[],"groups":[],"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:*","Resource":"*"}]}}"#,
            r#"IamPolicy P2"#,
            r#"{"name":"P2","arn":"arn:aws:iam::111122223333:policy/P2","id":"ANPAP2","path":"/","isAwsManaged":false,"attachmentCount":1,"isAttachable":true,"defaultVersionId":"v1","versions":[{"versionId":"v1","isDefaultVersion":true,"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}}],"users":[{"name":"u2","arn":"arn:aws:iam::111122223333:user/u2","id":"AIDAU2"}],"roles":[],"groups":[],"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}}"#,
        ],
    );
}

#[test]
fn duplicate_keys_warn_naming_the_file() {
    expect(
        "duplicate-keys.json",
        &[
            r#"tests/fixtures/duplicate-keys.json: warning: IamPolicy arn:aws:iam::111122223333:policy/Dup: duplicate key `Effect` in document.Statement[0]: the last value wins, as IAM does"#,
            r#"tests/fixtures/duplicate-keys.json: warning: IamPolicy arn:aws:iam::111122223333:policy/Dup: duplicate key `Action` in document.Statement[0]: the values were merged into one list, as IAM does"#,
            r#"IamPolicy Dup"#,
            r#"{"name":"Dup","arn":"arn:aws:iam::111122223333:policy/Dup","isAwsManaged":false,"defaultVersionId":"v1","versions":[{"versionId":"v1","isDefaultVersion":true,"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:UpdateAccessKey","iam:DeleteAccessKey"],"Resource":"*"}]}}],"attachmentCount":0,"users":[],"roles":[],"groups":[],"document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:UpdateAccessKey","iam:DeleteAccessKey"],"Resource":"*"}]}}"#,
        ],
    );
}

#[test]
fn policy_missing_from_policies_is_a_warning() {
    expect(
        "missing-policy.json",
        &[
            r#"tests/fixtures/missing-policy.json: warning: managed policy arn:aws:iam::111122223333:policy/Gone is attached to group ops but is not in `Policies`; it is not checked"#,
            r#"IamGroup ops"#,
            r#"{"name":"ops","arn":"arn:aws:iam::111122223333:group/ops","id":"AGPAOPS","managedPolicies":[{"name":"Gone","arn":"arn:aws:iam::111122223333:policy/Gone"},{"name":"Here","arn":"arn:aws:iam::111122223333:policy/Here"}],"inlinePolicies":[]}"#,
            r#"IamPolicy Here"#,
            r#"{"name":"Here","arn":"arn:aws:iam::111122223333:policy/Here","isAwsManaged":false,"defaultVersionId":"v1","versions":[{"versionId":"v1","isDefaultVersion":true,"document":{"Version":"2012-10-17","Statement":[]}}],"attachmentCount":1,"users":[],"roles":[],"groups":[{"name":"ops","arn":"arn:aws:iam::111122223333:group/ops","id":"AGPAOPS"}],"document":{"Version":"2012-10-17","Statement":[]}}"#,
        ],
    );
}

#[test]
fn default_version_by_flag_id_or_unknown() {
    expect(
        "no-default.json",
        &[
            r#"tests/fixtures/no-default.json: warning: policy arn:aws:iam::111122223333:policy/Lost: default version unknown: no version is marked `IsDefaultVersion` and `DefaultVersionId` (v3) matches none of the 1 versions"#,
            r#"IamPolicy Lost"#,
            r#"{"name":"Lost","arn":"arn:aws:iam::111122223333:policy/Lost","isAwsManaged":false,"defaultVersionId":"v3","versions":[{"versionId":"v1","isDefaultVersion":false,"document":{"Statement":[]}}],"attachmentCount":0,"users":[],"roles":[],"groups":[],"document":{"$unknown":"default version unknown: no version is marked `IsDefaultVersion` and `DefaultVersionId` (v3) matches none of the 1 versions"}}"#,
            r#"IamPolicy ById"#,
            r#"{"name":"ById","arn":"arn:aws:iam::111122223333:policy/ById","isAwsManaged":false,"defaultVersionId":"v2","versions":[{"versionId":"v1","isDefaultVersion":false,"document":{"Statement":"old"}},{"versionId":"v2","isDefaultVersion":true,"document":{"Statement":"new"}}],"attachmentCount":0,"users":[],"roles":[],"groups":[],"document":{"Statement":"new"}}"#,
        ],
    );
}

#[test]
fn malformed_json_names_file_line_column() {
    assert_eq!(
        error("malformed.json"),
        r#"tests/fixtures/malformed.json:5:6: expected `,` or `}`"#
    );
}

#[test]
fn truncated_json() {
    assert_eq!(
        error("truncated.json"),
        r#"tests/fixtures/truncated.json:3:1: EOF while parsing a list"#
    );
}

#[test]
fn valid_json_that_is_not_an_export() {
    assert_eq!(
        error("not-export.json"),
        r#"tests/fixtures/not-export.json: not an `aws iam get-account-authorization-details` export: expected an object with UserDetailList, GroupDetailList, RoleDetailList or Policies; found keys PolicyVersion, ResponseMetadata"#
    );
}

#[test]
fn array_that_is_not_pages() {
    assert_eq!(
        error("array-of-numbers.json"),
        r#"tests/fixtures/array-of-numbers.json: not an `aws iam get-account-authorization-details` export: expected an object with UserDetailList, GroupDetailList, RoleDetailList or Policies; found an array whose item [0] is a number"#
    );
}

#[test]
fn wrong_field_type_names_the_field() {
    assert_eq!(
        error("wrong-type.json"),
        r#"tests/fixtures/wrong-type.json:3:20: `Policies`: invalid type: string "none", expected a list of managed policy objects"#
    );
}

#[test]
fn wrong_nested_field_type_names_the_path() {
    assert_eq!(
        error("wrong-nested-type.json"),
        r#"tests/fixtures/wrong-nested-type.json:5:72: `Policies[1].PolicyVersionList[0].IsDefaultVersion`: invalid type: string "yes", expected a boolean"#
    );
}

#[test]
fn empty_file() {
    assert_eq!(
        error("empty.json"),
        r#"tests/fixtures/empty.json: empty file: expected an `aws iam get-account-authorization-details` export"#
    );
}

#[test]
fn provenance_is_the_file_and_the_line_is_found_on_demand() {
    let inv = load("cli-form.json").unwrap();
    let lines: Vec<(String, Option<usize>)> = inv
        .records()
        .iter()
        .filter(|r| r.name == "UserAttached" || r.name == "app")
        .map(|r| {
            match &r.provenance {
                tenet_inventory::Provenance::File { path, .. } => {
                    assert_eq!(&**path, fixture("cli-form.json").as_path())
                }
                other => panic!("{other:?}"),
            }
            (r.name.clone(), r.locate_line())
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("app".to_string(), Some(56)),
            ("UserAttached".to_string(), Some(75))
        ]
    );
}

#[test]
fn several_inputs_extend_one_inventory() {
    let mut inv = load("cli-form.json").unwrap();
    inv.extend(load("url-encoded.json").unwrap());
    assert_eq!(
        format!("{:?}", inv.len_by_kind()),
        r#"{"IamGroup": 1, "IamInlinePolicy": 3, "IamPolicy": 5, "IamRole": 2, "IamUser": 3}"#
    );
    assert_eq!(inv.warnings().len(), 1);
}

#[test]
fn whitespace_only_and_bom_only_files_are_empty() {
    let dir = std::env::temp_dir().join(format!("tenet-sources-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ws = dir.join("ws.json");
    std::fs::write(&ws, " \n\t\n").unwrap();
    let bom = dir.join("bom.json");
    std::fs::write(&bom, "\u{feff}{\"Policies\": []}").unwrap();
    assert_eq!(
        load_path(&ws).unwrap_err().message,
        "empty file: expected an `aws iam get-account-authorization-details` export"
    );
    assert_eq!(load_path(&bom).unwrap().records().len(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unreadable_document_is_unknown_with_a_warning() {
    let text = br#"{"Policies": [{"Arn": "arn:aws:iam::1:policy/p", "PolicyVersionList": [
        {"VersionId": "v1", "IsDefaultVersion": true, "Document": "%7Bnot%20json"}]}],
        "RoleDetailList": [{"RoleName": "r", "Arn": "arn:aws:iam::1:role/r",
        "AssumeRolePolicyDocument": "{oops", "RolePolicyList": [{"PolicyName": "i", "PolicyDocument": null}]}]}"#;
    let inv = gaad::load_bytes(Path::new("mem.json"), text).unwrap();
    assert_eq!(
        dump(&inv),
        [
            "mem.json: warning: policy arn:aws:iam::1:policy/p: default version v1: the percent-decoded document is not valid JSON: key must be a string at line 1 column 2",
            "mem.json: warning: role r: inline policy `i`: the document is null",
            "mem.json: warning: role r: `AssumeRolePolicyDocument`: the document string is not valid JSON: key must be a string at line 1 column 2",
            "IamRole r",
            r#"{"name":"r","arn":"arn:aws:iam::1:role/r","managedPolicies":[],"inlinePolicies":[{"name":"i","document":{"$unknown":"the document is null"}}],"assumeRolePolicy":{"$unknown":"the document string is not valid JSON: key must be a string at line 1 column 2"}}"#,
            "IamInlinePolicy i",
            r#"{"name":"i","identity":{"type":"IamRole","name":"r","arn":"arn:aws:iam::1:role/r"},"document":{"$unknown":"the document is null"}}"#,
            "IamPolicy p",
            r#"{"name":"p","arn":"arn:aws:iam::1:policy/p","isAwsManaged":false,"defaultVersionId":"v1","versions":[{"versionId":"v1","isDefaultVersion":true,"document":{"$unknown":"default version unreadable: the percent-decoded document is not valid JSON: key must be a string at line 1 column 2"}}],"attachmentCount":0,"users":[],"roles":[],"groups":[],"document":{"$unknown":"default version unreadable: the percent-decoded document is not valid JSON: key must be a string at line 1 column 2"}}"#,
        ]
    );
}
