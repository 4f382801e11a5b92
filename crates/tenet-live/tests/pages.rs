#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Paging, throttling and denials through the real SDK, against a scripted IAM endpoint on
//! loopback: moto never pages GetAccountAuthorizationDetails and never throttles or denies, so
//! these behaviours are driven by a server that answers with AWS's own XML.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use tenet_live::{LiveError, Session};

/// What the endpoint answers to the n-th request (0-based), given the request's `Marker`.
type Script = dyn Fn(usize, Option<&str>) -> (u16, String) + Send + Sync;

/// Starts the endpoint; returns its URL and the `Marker` of every request received.
fn serve(script: Arc<Script>) -> (String, Arc<Mutex<Vec<Option<String>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let (script, log) = (script.clone(), log.clone());
            std::thread::spawn(move || connection(stream, &*script, &log));
        }
    });
    (url, seen)
}

fn connection(stream: TcpStream, script: &Script, log: &Mutex<Vec<Option<String>>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).unwrap();
        let body = String::from_utf8(body).unwrap();
        let marker = body
            .split('&')
            .find_map(|kv| kv.strip_prefix("Marker="))
            .map(str::to_string);
        let n = {
            let mut seen = log.lock().unwrap();
            seen.push(marker.clone());
            seen.len() - 1
        };
        let (status, xml) = script(n, marker.as_deref());
        let reason = if status == 200 { "OK" } else { "Error" };
        write!(
            out,
            "HTTP/1.1 {status} {reason}\r\ncontent-type: text/xml\r\ncontent-length: {}\r\nx-amzn-requestid: r{n}\r\n\r\n{xml}",
            xml.len()
        )
        .unwrap();
        out.flush().unwrap();
    }
}

fn session(url: &str) -> Session {
    Session::from_client(support::client(url, "testing", "testing")).unwrap()
}

fn page(truncated: Option<&str>, lists: &str) -> (u16, String) {
    let more = match truncated {
        Some(m) => format!("<IsTruncated>true</IsTruncated><Marker>{m}</Marker>"),
        None => "<IsTruncated>false</IsTruncated>".into(),
    };
    (
        200,
        format!(
            r#"<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetAccountAuthorizationDetailsResult>{more}{lists}</GetAccountAuthorizationDetailsResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetAccountAuthorizationDetailsResponse>"#
        ),
    )
}

fn error(status: u16, code: &str, message: &str) -> (u16, String) {
    (
        status,
        format!(
            r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>r</RequestId></ErrorResponse>"#
        ),
    )
}

const USER: &str = "<UserDetailList><member><Path>/</Path><UserName>alice</UserName><UserId>AIDA1</UserId><Arn>arn:aws:iam::123456789012:user/alice</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate><AttachedManagedPolicies><member><PolicyName>keys</PolicyName><PolicyArn>arn:aws:iam::123456789012:policy/keys</PolicyArn></member></AttachedManagedPolicies></member></UserDetailList>";

/// `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"*"}]}`,
/// percent-encoded as AWS sends it.
const POLICY: &str = "<Policies><member><PolicyName>keys</PolicyName><PolicyId>ANPA1</PolicyId><Arn>arn:aws:iam::123456789012:policy/keys</Arn><Path>/</Path><DefaultVersionId>v3</DefaultVersionId><AttachmentCount>1</AttachmentCount><IsAttachable>true</IsAttachable><PolicyVersionList><member><Document>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22iam%3ACreateAccessKey%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D</Document><VersionId>v3</VersionId><IsDefaultVersion>true</IsDefaultVersion></member></PolicyVersionList></member></Policies>";

const ROLE: &str = "<RoleDetailList><member><Path>/</Path><RoleName>ci</RoleName><RoleId>AROA1</RoleId><Arn>arn:aws:iam::123456789012:role/ci</Arn><AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D</AssumeRolePolicyDocument></member></RoleDetailList>";

#[test]
fn pages_are_followed_merged_and_throttling_is_retried() {
    // Page 1: a user attaching a policy that only page 2 holds; page 2 is throttled once;
    // page 3: a role.
    let (url, seen) = serve(Arc::new(|n, marker| match marker {
        None => page(Some("m2"), USER),
        Some("m2") if n == 1 => error(400, "Throttling", "Rate exceeded"),
        Some("m2") => page(Some("m3"), POLICY),
        Some("m3") => page(None, ROLE),
        Some(other) => panic!("unexpected marker {other}"),
    }));
    let mut progress = Vec::new();
    let account = session(&url)
        .with_page_size(Some(1))
        .read_account(&mut |p| progress.push((p.pages, p.entities)))
        .unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [
            None,
            Some("m2".into()),
            Some("m2".into()),
            Some("m3".into())
        ]
    );
    assert_eq!(account.pages, 3);
    assert_eq!(progress, [(1, 1), (2, 2), (3, 3)]);
    assert_eq!(account.account_id.as_deref(), Some("123456789012"));
    let records: Vec<(&str, &str)> = account
        .inventory
        .records()
        .iter()
        .map(|r| (r.kind.as_str(), r.name.as_str()))
        .collect();
    assert_eq!(
        records,
        [
            ("IamUser", "alice"),
            ("IamRole", "ci"),
            ("IamPolicy", "keys")
        ]
    );
    // The attachment across pages is in the graph, and the document was decoded once.
    let policy = account.inventory.records()[2].materialize().unwrap().value;
    assert_eq!(
        policy.get("users").unwrap().to_json(),
        serde_json::json!([{"name": "alice", "arn": "arn:aws:iam::123456789012:user/alice", "id": "AIDA1"}])
    );
    assert_eq!(
        policy.get("document").unwrap().to_json(),
        serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"}]})
    );
    // The saved export is one page.
    let saved: serde_json::Value = serde_json::from_slice(&account.export).unwrap();
    assert_eq!(saved["UserDetailList"].as_array().unwrap().len(), 1);
    assert_eq!(saved["RoleDetailList"].as_array().unwrap().len(), 1);
    assert_eq!(saved["Policies"].as_array().unwrap().len(), 1);
    assert_eq!(saved["IsTruncated"], false);
}

#[test]
fn access_denied_names_the_missing_permission() {
    let (url, _) = serve(Arc::new(|_, _| {
        error(
            403,
            "AccessDenied",
            "User: arn:aws:iam::123456789012:user/ro is not authorized to perform: iam:GetAccountAuthorizationDetails on resource: *",
        )
    }));
    let err = session(&url).read_account(&mut |_| {}).err().unwrap();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert_eq!(
        err.to_string(),
        "GetAccountAuthorizationDetails failed: AccessDenied: User: arn:aws:iam::123456789012:user/ro is not authorized to perform: iam:GetAccountAuthorizationDetails on resource: *; the credentials need the IAM permission iam:GetAccountAuthorizationDetails (see docs/aws-permissions.md)"
    );
}

#[test]
fn a_denial_on_a_later_page_says_which_page() {
    let (url, _) = serve(Arc::new(|_, marker| match marker {
        None => page(Some("m2"), USER),
        Some(_) => error(403, "AccessDenied", "denied"),
    }));
    let err = session(&url).read_account(&mut |_| {}).err().unwrap();
    assert!(matches!(err, LiveError::Aws { .. }));
    assert_eq!(
        err.to_string(),
        "GetAccountAuthorizationDetails (page 2) failed: AccessDenied: denied; the credentials need the IAM permission iam:GetAccountAuthorizationDetails (see docs/aws-permissions.md)"
    );
}

#[test]
fn a_repeated_marker_stops_the_loop() {
    let (url, _) = serve(Arc::new(|_, _| page(Some("same"), USER)));
    let err = session(&url).read_account(&mut |_| {}).err().unwrap();
    assert_eq!(
        err.to_string(),
        "GetAccountAuthorizationDetails returned the Marker same twice (page 2); stopping instead of reading the same pages again"
    );
}
