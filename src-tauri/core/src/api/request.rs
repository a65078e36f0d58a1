//! What a request carries and where it may go: the base URL (production unless told, plain http
//! only to this machine), proxies (loopback never through one, the real API only via
//! `HTTPS_PROXY`), and the headers every call sends (keys, MSN, the Vipps-System-* identification).

use super::client::{Credentials, PLUGIN_NAME, PRODUCTION_BASE_URL, SYSTEM_NAME};
use super::dto;
use crate::{Error, Result};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::net::IpAddr;
use url::Url;

/// Proxies: loopback (the demo, the simulator) never goes through one, and the real API only
/// through an https proxy named by `HTTPS_PROXY` (or `https_proxy`). `HTTP_PROXY` and `ALL_PROXY`
/// are ignored: a plain-http proxy would see the keys (issue 13, item 1). `NO_PROXY` is not read.
pub(super) fn with_proxy(builder: reqwest::ClientBuilder, base: &Url) -> Result<reqwest::ClientBuilder> {
    let builder = builder.no_proxy();
    if is_loopback(base) || base.scheme() != "https" {
        return Ok(builder);
    }
    match https_proxy_from_env() {
        Some(proxy) => {
            let proxy = reqwest::Proxy::https(&proxy).map_err(|_| {
                Error::Input("HTTPS_PROXY is not a proxy address (e.g. http://proxy.example:3128).".into())
            })?;
            Ok(builder.proxy(proxy))
        }
        None => Ok(builder),
    }
}

/// `HTTPS_PROXY` or `https_proxy`, if set.
#[allow(clippy::disallowed_methods)] // the one place a proxy setting is read
fn https_proxy_from_env() -> Option<String> {
    ["HTTPS_PROXY", "https_proxy"]
        .iter()
        .find_map(|k| std::env::var(k).ok())
        .filter(|v| !v.trim().is_empty())
}

/// Production unless told otherwise; plain http only to this machine.
pub fn parse_base_url(base_url: &str) -> Result<Url> {
    let text = base_url.trim();
    let text = if text.is_empty() {
        PRODUCTION_BASE_URL
    } else {
        text
    };
    let url = Url::parse(text).map_err(|_| {
        Error::Input(format!(
            "The API address \"{}\" is not a valid URL; it should look like {PRODUCTION_BASE_URL}.",
            dto::excerpt(text)
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Input(
            "The API address must not contain a user name or password; keys belong in the profile.".into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Input(
            "The API address must not contain a query (?…) or fragment (#…).".into(),
        ));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(Error::Input(format!(
            "The API address {} uses plain http://, which is only allowed for this computer \
             (localhost, 127.0.0.1, ::1); use https:// for anything else.",
            dto::excerpt(url.as_str())
        ))),
        other => Err(Error::Input(format!(
            "The API address must start with https:// (it starts with {}://).",
            dto::excerpt(other)
        ))),
    }
}

pub(super) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

pub(super) fn system_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    let version = truncate30(crate::VERSION);
    insert(&mut h, "vipps-system-name", SYSTEM_NAME, false);
    insert(&mut h, "vipps-system-version", &version, false);
    insert(&mut h, "vipps-system-plugin-name", PLUGIN_NAME, false);
    insert(&mut h, "vipps-system-plugin-version", &version, false);
    h
}

fn truncate30(s: &str) -> String {
    s.chars().take(30).collect()
}

/// Insert a header whose value was already validated; a bad value is skipped, never printed.
pub(super) fn insert(h: &mut HeaderMap, name: &'static str, value: &str, sensitive: bool) {
    if let Ok(mut v) = HeaderValue::from_str(value) {
        v.set_sensitive(sensitive);
        h.insert(HeaderName::from_static(name), v);
    }
}

/// The headers every API call carries, after checking each key can travel in a header at all.
pub(super) fn api_headers(credentials: &Credentials) -> Result<HeaderMap> {
    let check = |label: &str, value: &str| -> Result<()> {
        if value.trim().is_empty() {
            return Err(Error::Input(format!(
                "The {label} is empty. Fill it in in the profile."
            )));
        }
        HeaderValue::from_str(value).map(|_| ()).map_err(|_| {
            Error::Input(format!(
                "The {label} contains characters that cannot be sent (line breaks or non-ASCII). \
                 Paste it again without them."
            ))
        })
    };
    let mut h = system_headers();
    match credentials {
        Credentials::Merchant {
            client_id,
            client_secret,
            subscription_key,
            msn,
        } => {
            check("client id", client_id)?;
            check("client secret", client_secret.expose())?;
            check("subscription key", subscription_key.expose())?;
            insert(
                &mut h,
                "ocp-apim-subscription-key",
                subscription_key.expose(),
                true,
            );
            if let Some(msn) = msn.as_deref().filter(|m| !m.trim().is_empty()) {
                check("merchant serial number", msn)?;
                insert(&mut h, "merchant-serial-number", msn, false);
            }
        }
        Credentials::Partner {
            client_id,
            client_secret,
        } => {
            check("client id", client_id)?;
            check("client secret", client_secret.expose())?;
        }
    }
    Ok(h)
}
