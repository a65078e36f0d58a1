//! What an answer means when it is not the data asked for: status codes, error bodies, answers
//! over the size cap and endless paging, each turned into an `Error` a user can act on.

use super::client::MAX_PAGES_PER_DATE;
use super::dto::{self, ErrorBody, TokenResponse};
use crate::{Error, Result};
use reqwest::StatusCode;
use std::time::Duration;

/// What one HTTP exchange produced, before it is judged.
pub(super) struct Reply {
    pub status: StatusCode,
    pub retry_after: Option<Duration>,
    /// `Vipps-Feed-Page-Size`: the page size the server resolved for this ledger.
    pub page_size: Option<u32>,
    pub body: bytes::Bytes,
}

pub(super) fn decode_token(body: &[u8]) -> Result<TokenResponse> {
    // A token answer holds a token: never quote it back, not even in part.
    dto::decode::<TokenResponse>(body, "token answer").map_err(|e| match e {
        Error::Undecodable { detail, .. } => Error::Undecodable {
            detail,
            excerpt: "(not shown: a token answer may hold keys)".into(),
        },
        other => other,
    })
}

/// A non-2xx, non-401 answer from the Report API.
pub(super) fn status_error(reply: &Reply, ledger_id: Option<&str>) -> Error {
    let body = ErrorBody::parse(&reply.body);
    let status = reply.status.as_u16();
    let subject = || ledger_id.map_or_else(|| "The ledger list".to_string(), |l| format!("Ledger {l}"));
    match (status, body.error_code) {
        (_, Some(10002)) => validation(&body, status),
        (429, _) => Error::RateLimited {
            retry_after_secs: reply.retry_after.map(|d| d.as_secs()),
        },
        (_, Some(10001)) => Error::ServerTransient {
            status,
            context_id: body.context(),
        },
        (403, _) if ledger_id.is_none() => Error::KeysRejected,
        (403 | 404, _) => Error::NoAccess(subject()),
        (408, _) | (500..=599, _) => Error::ServerTransient {
            status,
            context_id: body.context(),
        },
        (400..=499, _) => validation(&body, status),
        // Redirects are never followed (the keys would go along): say so, and do not retry.
        (300..=399, _) => Error::Validation {
            message: format!(
                "the server answered with a redirect (HTTP {status}), which Avstem does not follow; \
                 check the server address in the profile"
            ),
            context_id: None,
        },
        _ => Error::Undecodable {
            detail: format!("unexpected HTTP status {status}"),
            excerpt: dto::excerpt(&String::from_utf8_lossy(&reply.body)),
        },
    }
}

/// A non-2xx answer from a token endpoint: refusals of the keys become `KeysRejected`.
pub(super) fn token_status_error(reply: &Reply) -> Error {
    let body = ErrorBody::parse(&reply.body);
    let status = reply.status.as_u16();
    let oauth_refusal = matches!(
        body.error.as_deref(),
        Some("invalid_client" | "unauthorized_client" | "invalid_grant" | "access_denied")
    );
    match status {
        401 | 403 => Error::KeysRejected,
        400 if oauth_refusal => Error::KeysRejected,
        _ => status_error(reply, None),
    }
}

fn validation(body: &ErrorBody, status: u16) -> Error {
    Error::Validation {
        message: match body.text() {
            Some(t) => format!("{t} (HTTP {status})"),
            None => format!("HTTP {status}"),
        },
        context_id: body.context(),
    }
}

pub(super) fn body_too_large(cap: usize) -> Error {
    let size = if cap >= 1024 * 1024 {
        format!("{} MiB", cap / (1024 * 1024))
    } else {
        format!("{cap} bytes")
    };
    Error::Undecodable {
        detail: format!("the server sent more than {size} for one answer; Avstem stopped reading it"),
        excerpt: String::new(),
    }
}

pub(super) fn repeated_cursor(what: &str, cursor: &str) -> Error {
    Error::Undecodable {
        detail: format!(
            "the {what} kept sending a cursor it had already sent; stopped to avoid an endless loop"
        ),
        excerpt: dto::excerpt(cursor),
    }
}

pub(super) fn too_many_pages(what: &str) -> Error {
    Error::Undecodable {
        detail: format!("the {what} did not end after {MAX_PAGES_PER_DATE} pages"),
        excerpt: String::new(),
    }
}
