//! What went wrong, said so that someone can act on it: the call, the error AWS returned, and for
//! a denial the permission to grant.

use aws_sdk_iam::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use std::fmt;

#[derive(Debug)]
pub enum LiveError {
    /// Local setup (runtime, configuration).
    Setup(String),
    /// A call to IAM failed (after the SDK's retries).
    Aws {
        /// The API operation, e.g. `GetAccountAuthorizationDetails`.
        operation: &'static str,
        /// The IAM permission the call needs, e.g. `iam:GetAccountAuthorizationDetails`.
        permission: &'static str,
        /// What it was about (a policy ARN, an identity), when not the account.
        target: Option<String>,
        /// The AWS error code (`AccessDenied`, `Throttling`, ...), when AWS answered.
        code: Option<String>,
        message: String,
    },
    /// AWS answered with something Tenet cannot use.
    Data(String),
}

impl LiveError {
    pub(crate) fn aws<E, R>(
        operation: &'static str,
        permission: &'static str,
        target: Option<&str>,
        err: SdkError<E, R>,
    ) -> LiveError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        let code = err.code().map(str::to_string);
        let message = match (&err, err.message()) {
            (SdkError::ServiceError(_), Some(m)) => m.to_string(),
            (SdkError::DispatchFailure(_), _) => {
                format!(
                    "cannot reach the IAM endpoint: {}",
                    DisplayErrorContext(&err)
                )
            }
            (SdkError::TimeoutError(_), _) => {
                format!("the IAM endpoint timed out: {}", DisplayErrorContext(&err))
            }
            _ => DisplayErrorContext(&err).to_string(),
        };
        LiveError::Aws {
            operation,
            permission,
            target: target.map(str::to_string),
            code,
            message,
        }
    }

    /// The AWS error code, if AWS answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            LiveError::Aws { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

fn is_denied(code: &str) -> bool {
    matches!(
        code,
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" | "Forbidden"
    )
}

fn is_credentials(code: &str) -> bool {
    matches!(
        code,
        "InvalidClientTokenId"
            | "SignatureDoesNotMatch"
            | "ExpiredToken"
            | "ExpiredTokenException"
            | "UnrecognizedClientException"
    )
}

fn is_throttling(code: &str) -> bool {
    matches!(
        code,
        "Throttling" | "ThrottlingException" | "TooManyRequestsException" | "RequestLimitExceeded"
    )
}

impl fmt::Display for LiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LiveError::Setup(m) | LiveError::Data(m) => f.write_str(m),
            LiveError::Aws {
                operation,
                permission,
                target,
                code,
                message,
            } => {
                write!(f, "{operation}")?;
                if let Some(t) = target {
                    write!(f, " ({t})")?;
                }
                write!(f, " failed: ")?;
                if let Some(c) = code {
                    write!(f, "{c}: ")?;
                }
                f.write_str(message)?;
                match code.as_deref() {
                    Some(c) if is_denied(c) => write!(
                        f,
                        "; the credentials need the IAM permission {permission} (see docs/aws-permissions.md)"
                    ),
                    Some(c) if is_credentials(c) => f.write_str(
                        "; the credentials were rejected: check the profile, the environment or the SSO session",
                    ),
                    Some(c) if is_throttling(c) => write!(
                        f,
                        "; still throttled after {} attempts with backoff: try again later",
                        crate::MAX_ATTEMPTS
                    ),
                    _ => Ok(()),
                }
            }
        }
    }
}

impl std::error::Error for LiveError {}
