//! Access tokens for the two kinds of keys (merchant and accounting partner), kept in memory only.
//! A token is reused until shortly before it expires; callers invalidate it on a 401.

use super::dto::TokenResponse;
use crate::secrets::Secret;
use crate::{Error, Result};
use std::time::{Duration, Instant};

/// Merchant keys: keys as headers, empty body.
pub const MERCHANT_TOKEN_PATH: [&str; 2] = ["accesstoken", "get"];
/// Accounting-partner keys: HTTP Basic and `grant_type=client_credentials`.
pub const PARTNER_TOKEN_PATH: [&str; 3] = ["miami", "v1", "token"];

/// Renew this long before the server's expiry, so a token never dies in flight.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// When the server does not say how long a token lives, trust it this long.
const UNKNOWN_LIFETIME: Duration = Duration::from_secs(600);
/// No token is trusted for longer than a day, whatever the server says (a lifetime near
/// `i64::MAX` must neither overflow the clock nor keep a revoked token in use).
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// A bearer token and when to stop using it. The value prints as `***`.
#[derive(Clone)]
pub struct Token {
    value: Secret,
    use_until: Instant,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("value", &self.value)
            .field("use_until", &self.use_until)
            .finish()
    }
}

impl Token {
    /// Build from a token answer; `now_epoch` resolves `expires_on` when `expires_in` is absent.
    pub fn from_response(resp: TokenResponse, received: Instant, now_epoch: i64) -> Result<Token> {
        let value = resp
            .access_token
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::Undecodable {
                detail: "the token answer had no access_token".into(),
                excerpt: String::new(),
            })?;
        let use_for = match resp.lifetime_secs(now_epoch) {
            Some(secs) => usable_for(Duration::from_secs(secs.unsigned_abs()).min(MAX_LIFETIME)),
            None => UNKNOWN_LIFETIME,
        };
        Ok(Token {
            value: Secret::new(value),
            use_until: received.checked_add(use_for).unwrap_or(received),
        })
    }

    pub fn is_fresh(&self, now: Instant) -> bool {
        now < self.use_until
    }

    pub fn secret(&self) -> &Secret {
        &self.value
    }
}

/// How long a token of this lifetime may be used: until [`REFRESH_MARGIN`] before expiry, or
/// half its life when it is too short for the margin to make sense.
pub fn usable_for(lifetime: Duration) -> Duration {
    if lifetime > REFRESH_MARGIN * 2 {
        lifetime - REFRESH_MARGIN
    } else {
        lifetime / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server number meets the clock: nothing overflows, whatever the lifetime (issue 13, item 5).
    #[test]
    fn extreme_lifetimes_neither_panic_nor_outlive_a_day() {
        let now = Instant::now();
        for json in [
            format!(r#"{{"access_token":"t","expires_in":{}}}"#, i64::MAX),
            format!(r#"{{"access_token":"t","expires_in":"{}"}}"#, i64::MAX - 1),
            format!(r#"{{"access_token":"t","expires_on":{}}}"#, i64::MIN),
            format!(r#"{{"access_token":"t","expires_on":{}}}"#, i64::MAX),
            r#"{"access_token":"t","expires_in":-5}"#.to_string(),
        ] {
            let resp: TokenResponse = serde_json::from_str(&json).expect("json");
            let t = Token::from_response(resp, now, 1_700_000_000).expect("token");
            assert!(!t.is_fresh(now + MAX_LIFETIME), "{json}");
        }
    }

    /// Any i64, with the edges (where overflow lives) drawn often, not once in 2^60.
    fn server_number() -> impl proptest::strategy::Strategy<Value = i64> {
        use proptest::prelude::*;
        prop_oneof![
            any::<i64>(),
            i64::MAX - 100_000..=i64::MAX,
            i64::MIN..=i64::MIN + 100_000,
            -100_000i64..=100_000,
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Any numbers in the token answer: a token or an error, never a panic.
        #[test]
        fn any_token_numbers_are_handled(a in server_number(), b in server_number(), c in server_number()) {
            let json = format!(r#"{{"access_token":"t","expires_in":{a},"ext_expires_in":{b},"expires_on":{c}}}"#);
            if let Ok(resp) = serde_json::from_str::<TokenResponse>(&json) {
                let _ = Token::from_response(resp, Instant::now(), c.wrapping_sub(a));
            }
        }
    }

    fn token(json: &str) -> Token {
        let resp: TokenResponse = serde_json::from_str(json).expect("json");
        Token::from_response(resp, Instant::now(), 1_700_000_000).expect("token")
    }

    #[test]
    fn a_day_long_token_is_used_until_a_minute_before_it_expires() {
        assert_eq!(usable_for(Duration::from_secs(86398)), Duration::from_secs(86338));
        assert_eq!(usable_for(Duration::from_secs(60)), Duration::from_secs(30));
        let t = token(r#"{"access_token":"abc","expires_in":"86398"}"#);
        let now = Instant::now();
        assert!(t.is_fresh(now + Duration::from_secs(86_000)));
        assert!(!t.is_fresh(now + Duration::from_secs(86_339)));
    }

    #[test]
    fn a_token_answer_without_a_token_is_undecodable_and_prints_nothing() {
        let resp: TokenResponse = serde_json::from_str(r#"{"expires_in":10}"#).expect("json");
        let err = Token::from_response(resp, Instant::now(), 0).expect_err("no token");
        assert_eq!(err.kind(), "undecodable");
        let t = token(r#"{"access_token":"sentinel-token-xyz","expires_in":3600}"#);
        assert!(!format!("{t:?}").contains("sentinel"));
        assert_eq!(t.secret().expose(), "sentinel-token-xyz");
    }
}
