//! Live AWS accounts through the official AWS SDK for Rust.
//!
//! - [`read`]: `GetAccountAuthorizationDetails`, page by page (`IsTruncated`/`Marker`), merged
//!   into one standard export and loaded by the same GAAD loader as an export file, so every rule
//!   and output works unchanged. Records get [`tenet_inventory::Provenance::Live`].
//! - [`apply`]: fixes of managed policies written back with guard rails (compare before writing,
//!   reuse an identical version, the five-version limit, rollback lines; AWS managed policies only
//!   through a customer managed copy).
//!
//! This is the only crate that depends on the SDK and tokio. Its API is blocking: a [`Session`]
//! owns a current-thread runtime and blocks on each call, so the CLI stays synchronous.

pub mod apply;
mod error;
mod export;
pub mod read;

pub use error::LiveError;
pub use read::{Account, Progress};

use aws_config::BehaviorVersion;
use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_sdk_iam::config::Region;

/// Where and as whom to connect. Credentials come from the standard chain (environment,
/// profiles, SSO, web identity, container and instance roles).
#[derive(Clone, Debug, Default)]
pub struct LiveOptions {
    /// A profile of `~/.aws/config` (else `AWS_PROFILE`, else `default`).
    pub profile: Option<String>,
    /// The signing region (IAM is global; default: the configured region, else `us-east-1`).
    pub region: Option<String>,
    /// Another IAM endpoint, e.g. a local emulator (else `AWS_ENDPOINT_URL_IAM` /
    /// `AWS_ENDPOINT_URL`, else AWS).
    pub endpoint_url: Option<String>,
    /// `MaxItems` per GetAccountAuthorizationDetails page (default: the service's, 100).
    pub page_size: Option<i32>,
}

/// Attempts per call, throttling included. The SDK's standard retry mode backs off
/// exponentially with jitter between them.
const MAX_ATTEMPTS: u32 = 8;

/// A connection to one account.
pub struct Session {
    runtime: tokio::runtime::Runtime,
    client: aws_sdk_iam::Client,
    page_size: Option<i32>,
}

impl Session {
    /// Loads the configuration and credentials the standard way. Nothing is sent yet.
    pub fn connect(options: &LiveOptions) -> Result<Session, LiveError> {
        let runtime = runtime()?;
        let config = runtime.block_on(async {
            let region = RegionProviderChain::first_try(options.region.clone().map(Region::new))
                .or_default_provider()
                .or_else(Region::from_static("us-east-1"));
            let mut loader = aws_config::defaults(BehaviorVersion::latest())
                .region(region)
                .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
            if let Some(p) = &options.profile {
                loader = loader.profile_name(p);
            }
            if let Some(url) = &options.endpoint_url {
                loader = loader.endpoint_url(url);
            }
            loader.load().await
        });
        Ok(Session {
            runtime,
            client: aws_sdk_iam::Client::new(&config),
            page_size: options.page_size,
        })
    }

    /// A session over a client built elsewhere (tests, custom credentials).
    pub fn from_client(client: aws_sdk_iam::Client) -> Result<Session, LiveError> {
        Ok(Session {
            runtime: runtime()?,
            client,
            page_size: None,
        })
    }

    /// `MaxItems` per GetAccountAuthorizationDetails page.
    pub fn with_page_size(mut self, page_size: Option<i32>) -> Self {
        self.page_size = page_size;
        self
    }

    pub fn client(&self) -> &aws_sdk_iam::Client {
        &self.client
    }

    /// Runs a future of this session's client to completion.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, LiveError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| LiveError::Setup(format!("cannot start the async runtime: {e}")))
}
