//! One error type for the core crate, with variants a user can act on.
//! Every message is a sentence for a person; none ever contains a secret.

use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401 after one token refresh, or a token request refused.
    #[error("The keys were rejected by Vipps MobilePay. Check the client id, client secret and subscription key in the profile.")]
    KeysRejected,
    /// 404, or a ledger these keys cannot see.
    #[error("{0} is not visible to these keys. Almost always the merchant has not granted it to this accounting partner: in the business portal, Reports → Accounting partners. Merchant keys see only their own sales unit's ledger.")]
    NoAccess(String),
    #[error("Vipps MobilePay asked us to slow down (rate limited{}). Try again in a minute.", retry_after_text(.retry_after_secs))]
    RateLimited { retry_after_secs: Option<u64> },
    #[error("The Vipps MobilePay server had a temporary problem ({status}{}). Try again later.", context_text(.context_id))]
    ServerTransient { status: u16, context_id: Option<String> },
    #[error("Vipps MobilePay refused the request as invalid: {message}{}", context_text(.context_id))]
    Validation {
        message: String,
        context_id: Option<String>,
    },
    #[error(
        "Could not reach Vipps MobilePay at {host}: {detail}. Check the network connection and try again."
    )]
    Network { host: String, detail: String },
    #[error("Vipps MobilePay sent an answer Avstem could not read ({detail}). Try again; if it persists, report it with this text: {excerpt}")]
    Undecodable { detail: String, excerpt: String },
    #[error("{0}")]
    Keyring(String),
    #[error("{0}")]
    Cache(String),
    #[error("{0}")]
    Input(String),
    #[error("{0}")]
    Io(String),
    #[error("Cancelled.")]
    Cancelled,
}

fn retry_after_text(secs: &Option<u64>) -> String {
    secs.map(|s| format!(", retry after {s} s")).unwrap_or_default()
}

fn context_text(ctx: &Option<String>) -> String {
    ctx.as_ref()
        .map(|c| format!(", context id {c}"))
        .unwrap_or_default()
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What the UI and the CLI's `--json` receive: `{ kind, message, contextId? }`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UserError {
    pub kind: String,
    pub message: String,
    pub context_id: Option<String>,
}

impl Error {
    pub fn kind(&self) -> &'static str {
        match self {
            Error::KeysRejected => "keys-rejected",
            Error::NoAccess(_) => "no-access",
            Error::RateLimited { .. } => "rate-limited",
            Error::ServerTransient { .. } => "server",
            Error::Validation { .. } => "validation",
            Error::Network { .. } => "network",
            Error::Undecodable { .. } => "undecodable",
            Error::Keyring(_) => "keyring",
            Error::Cache(_) => "cache",
            Error::Input(_) => "input",
            Error::Io(_) => "io",
            Error::Cancelled => "cancelled",
        }
    }

    pub fn context_id(&self) -> Option<&str> {
        match self {
            Error::ServerTransient { context_id, .. } | Error::Validation { context_id, .. } => {
                context_id.as_deref()
            }
            _ => None,
        }
    }

    /// Worth another attempt with backoff: 429, 5xx (10001), timeouts, dropped connections, cut bodies.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::RateLimited { .. }
                | Error::ServerTransient { .. }
                | Error::Network { .. }
                | Error::Undecodable { .. }
        )
    }

    /// The message without any excerpt of a server body, for text that is stored or logged: a body
    /// excerpt can hold personal data (names, phone numbers) even when the user did not ask for them.
    pub fn to_stored_text(&self) -> String {
        match self {
            Error::Undecodable { detail, .. } => {
                format!("Vipps MobilePay sent an answer Avstem could not read ({detail}). Try again.")
            }
            other => other.to_string(),
        }
    }

    pub fn to_user(&self) -> UserError {
        UserError {
            kind: self.kind().to_string(),
            message: self.to_string(),
            context_id: self.context_id().map(str::to_string),
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Cache(crate::store::describe_sqlite_error(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_error_text_leaves_out_the_body_excerpt() {
        let e = Error::Undecodable {
            detail: "bad JSON at 12".into(),
            excerpt: "{\"name\":\"Kari Nordmann\"".into(),
        };
        assert!(
            e.to_string().contains("Kari Nordmann"),
            "shown once to the user, for a report"
        );
        let stored = e.to_stored_text();
        assert!(!stored.contains("Kari"), "{stored}");
        assert!(stored.contains("bad JSON at 12"), "{stored}");
        assert_eq!(
            Error::KeysRejected.to_stored_text(),
            Error::KeysRejected.to_string()
        );
    }
}
