//! Access tokens: the merchant token (`/accesstoken/get`, keys as headers), the partner token
//! (`/miami/v1/token`, Basic auth) and the check every data request passes (`authorize`).

use super::{lock, unauthorized, Principal, Reply, Shared, B64};
use base64::Engine;
use http::{HeaderMap, StatusCode};
use std::time::Instant;

pub(super) struct TokenInfo {
    principal: Principal,
    expires_at: Instant,
    uses: u32,
}

pub(super) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

fn issue_token(shared: &Shared, principal: Principal, subject: &str) -> (String, u64) {
    let now = crate::clock::Clock::System.now().timestamp();
    let lifetime = match principal {
        Principal::Partner => shared.partner_token_ttl,
        Principal::Merchant(_) => shared.token_ttl,
    };
    let ttl = lifetime.as_secs();
    let header = B64.encode(br#"{"typ":"JWT","alg":"RS256","x5t":"avstem-sim","kid":"avstem-sim"}"#);
    let jti = shared.next_id();
    let padding: String = (0..16).map(|_| format!("{:016x}", shared.next_id())).collect();
    let payload = serde_json::json!({
        "aud": "00000002-0000-0000-c000-000000000000",
        "iss": "https://sim.avstem.invalid/",
        "iat": now, "nbf": now, "exp": now + i64::try_from(ttl).unwrap_or(86_400),
        "sub": subject, "appid": subject, "jti": format!("{jti:016x}"),
        "tid": "avstem-simulator", "ver": "1.0", "sim": padding,
    });
    let payload = B64.encode(payload.to_string());
    let signature: Vec<u8> = (0..32).flat_map(|_| shared.next_id().to_le_bytes()).collect();
    let token = format!("{header}.{payload}.{}", B64.encode(signature));
    let mut tokens = lock(&shared.tokens);
    // A long run with `expire-after` hands out many tokens; forget the dead ones now and then.
    if tokens.len() > 1_000 {
        let now = Instant::now();
        let limit = shared.faults.spec.token_expire_after;
        tokens.retain(|_, t| t.expires_at > now && limit.is_none_or(|n| t.uses <= n));
    }
    tokens.insert(
        token.clone(),
        TokenInfo {
            principal,
            expires_at: Instant::now() + lifetime,
            uses: 0,
        },
    );
    (token, ttl)
}

pub(super) fn merchant_token(shared: &Shared, headers: &HeaderMap) -> Reply {
    let id = header_str(headers, "client_id").unwrap_or_default();
    let secret = header_str(headers, "client_secret").unwrap_or_default();
    let sub = header_str(headers, "Ocp-Apim-Subscription-Key");
    let msn = header_str(headers, "Merchant-Serial-Number");
    let Some(sub) = sub.filter(|s| !s.is_empty()) else {
        return unauthorized(
            "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.",
        );
    };
    let found = shared
        .world
        .merchants()
        .iter()
        .position(|m| m.client_id == id && m.client_secret == secret);
    let Some(i) = found else {
        return unauthorized("Invalid client_id or client_secret.");
    };
    let merchant = &shared.world.merchants()[i];
    if merchant.subscription_key != sub {
        return unauthorized("Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.");
    }
    if msn.is_some_and(|m| !m.is_empty() && m != merchant.msn) {
        return unauthorized("The Merchant-Serial-Number does not belong to these keys.");
    }
    let (token, ttl) = issue_token(shared, Principal::Merchant(i), id);
    let now = crate::clock::Clock::System.now().timestamp();
    // Production sends these numbers as strings.
    Reply::json(
        StatusCode::OK,
        &serde_json::json!({
            "token_type": "Bearer",
            "expires_in": ttl.to_string(),
            "ext_expires_in": ttl.to_string(),
            "expires_on": (now + i64::try_from(ttl).unwrap_or(0)).to_string(),
            "not_before": now.to_string(),
            "resource": "00000002-0000-0000-c000-000000000000",
            "access_token": token,
        }),
    )
}

/// `/miami/v1/token` answers as an OAuth 2.0 server: every refusal is `invalid_client` — wrong
/// accounting keys (401), a missing `grant_type` or a subscription key sent (400) — with the
/// `error_description` the provider's access-token docs name.
pub(super) fn partner_token(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Reply {
    let basic = header_str(headers, "authorization")
        .and_then(|v| v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic ")))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let Some((id, secret)) = basic.as_deref().and_then(|s| s.split_once(':')) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "Missing or malformed client authentication.",
        );
    };
    let partner = shared.world.partner();
    if partner.client_id != id || partner.client_secret != secret {
        return oauth_error(StatusCode::UNAUTHORIZED, "Invalid client_id or client_secret.");
    }
    if header_str(headers, "Ocp-Apim-Subscription-Key").is_some() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "A subscription key is not used with this flow.",
        );
    }
    let grant = url::form_urlencoded::parse(body)
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.into_owned());
    if grant.as_deref() != Some("client_credentials") {
        return oauth_error(StatusCode::BAD_REQUEST, "Missing grant type.");
    }
    let (token, ttl) = issue_token(shared, Principal::Partner, id);
    Reply::json(
        StatusCode::OK,
        &serde_json::json!({ "access_token": token, "expires_in": ttl, "token_type": "Bearer" }),
    )
}

fn oauth_error(status: StatusCode, description: &str) -> Reply {
    Reply::json(
        status,
        &serde_json::json!({ "error": "invalid_client", "error_description": description }),
    )
}

/// Checks what production checks: "Bearer <token>", a live token, and the subscription key of a merchant token.
pub(super) fn authorize(shared: &Shared, headers: &HeaderMap) -> Result<Principal, Reply> {
    let auth = header_str(headers, "authorization").unwrap_or_default();
    let token = match auth.strip_prefix("Bearer ") {
        Some(t) if !t.trim().is_empty() => t.trim(),
        _ => {
            return Err(unauthorized(
                "Access denied: send the access token as \"Authorization: Bearer <token>\".",
            ))
        }
    };
    let mut tokens = lock(&shared.tokens);
    let Some(info) = tokens.get_mut(token) else {
        return Err(unauthorized(
            "Access denied: the access token is invalid or has expired.",
        ));
    };
    info.uses += 1;
    let worn_out = shared
        .faults
        .spec
        .token_expire_after
        .is_some_and(|n| info.uses > n);
    if worn_out || Instant::now() >= info.expires_at {
        tokens.remove(token);
        return Err(unauthorized("Access denied: the access token has expired."));
    }
    let who = info.principal;
    drop(tokens);
    if let Principal::Merchant(i) = who {
        let expected = shared
            .world
            .merchants()
            .get(i)
            .map(|m| m.subscription_key.as_str())
            .unwrap_or_default();
        match header_str(headers, "Ocp-Apim-Subscription-Key") {
            None | Some("") => {
                return Err(unauthorized(
                    "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.",
                ))
            }
            Some(k) if k != expected => {
                return Err(unauthorized(
                    "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.",
                ))
            }
            Some(_) => {}
        }
    }
    Ok(who)
}
