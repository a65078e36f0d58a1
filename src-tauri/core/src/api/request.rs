//! What a request carries and where it may go: the base URL (production unless told, plain http
//! only to this machine), proxies (loopback never through one, the real API only via
//! `HTTPS_PROXY`, except hosts `NO_PROXY` lists), and the headers every call sends (keys, MSN, the Vipps-System-* identification).

use super::client::{Credentials, PLUGIN_NAME, PRODUCTION_BASE_URL, SYSTEM_NAME};
use super::dto;
use crate::{Error, Result};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::net::IpAddr;
use url::Url;

/// Which proxy an https API address goes through. Loopback never goes through one, whatever this
/// says, and plain-http proxy variables (`HTTP_PROXY`, `ALL_PROXY`) are never used: such a proxy
/// would read the keys.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum ProxySetting {
    /// `HTTPS_PROXY` (or `https_proxy`), except the hosts `NO_PROXY` (or `no_proxy`) lists; read
    /// when the client is built.
    #[default]
    FromEnvironment,
    /// This proxy, except the hosts `no_proxy` lists (the `NO_PROXY` syntax: `host, .domain, 10.0.0.0/8, *`).
    Https { proxy: String, no_proxy: String },
    /// Straight to the server.
    Direct,
}

// A proxy address may hold a user name and password: never printed.
impl std::fmt::Debug for ProxySetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProxySetting::FromEnvironment => f.write_str("FromEnvironment"),
            ProxySetting::Https { no_proxy, .. } => f
                .debug_struct("Https")
                .field("proxy", &"***")
                .field("no_proxy", no_proxy)
                .finish(),
            ProxySetting::Direct => f.write_str("Direct"),
        }
    }
}

impl ProxySetting {
    /// `FromEnvironment` resolved to what the variables say.
    fn resolve(&self) -> ProxySetting {
        match self {
            ProxySetting::FromEnvironment => match proxy_variables() {
                (Some(proxy), no_proxy) => ProxySetting::Https {
                    proxy,
                    no_proxy: no_proxy.unwrap_or_default(),
                },
                (None, _) => ProxySetting::Direct,
            },
            other => other.clone(),
        }
    }
}

/// `HTTPS_PROXY`/`https_proxy` and `NO_PROXY`/`no_proxy`, each if set and not blank.
#[allow(clippy::disallowed_methods)] // the one place proxy settings are read
fn proxy_variables() -> (Option<String>, Option<String>) {
    let read = |names: [&str; 2]| {
        names
            .iter()
            .find_map(|k| std::env::var(k).ok())
            .filter(|v| !v.trim().is_empty())
    };
    (
        read(["HTTPS_PROXY", "https_proxy"]),
        read(["NO_PROXY", "no_proxy"]),
    )
}

/// `builder` with reqwest's own reading of the proxy variables switched off, and an https proxy
/// only for an https address off this computer.
pub(super) fn with_proxy(
    builder: reqwest::ClientBuilder,
    base: &Url,
    setting: &ProxySetting,
) -> Result<reqwest::ClientBuilder> {
    let builder = builder.no_proxy();
    if is_loopback(base) || base.scheme() != "https" {
        return Ok(builder);
    }
    match setting.resolve() {
        ProxySetting::Https { proxy, no_proxy } => {
            // Not quoted back: a proxy address may hold a password.
            let proxy = reqwest::Proxy::https(proxy.as_str()).map_err(|_| {
                Error::Input(
                    "HTTPS_PROXY is not a proxy address; it should look like http://proxy.example:3128."
                        .into(),
                )
            })?;
            Ok(builder.proxy(proxy.no_proxy(reqwest::NoProxy::from_string(&no_proxy))))
        }
        ProxySetting::FromEnvironment | ProxySetting::Direct => Ok(builder),
    }
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

/// `localhost`, 127.0.0.0/8 or ::1.
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    /// A "proxy" that counts connections and drops each at once.
    async fn counting_proxy() -> (String, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("addr"));
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                drop(socket);
            }
        });
        (address, connections)
    }

    /// Connections the proxy saw while one GET to `target` was tried.
    async fn proxied(target: &str, setting: ProxySetting, proxy_seen: &AtomicUsize) -> usize {
        let base = parse_base_url(target).expect("address");
        let client = with_proxy(reqwest::Client::builder(), &base, &setting)
            .expect("proxy setting")
            .timeout(Duration::from_millis(500))
            .build()
            .expect("client");
        let before = proxy_seen.load(Ordering::SeqCst);
        let _ = client.get(base).send().await;
        proxy_seen.load(Ordering::SeqCst) - before
    }

    /// TEST-NET-1 (RFC 5737): routed nowhere, so a direct attempt simply times out.
    const OFF_THIS_COMPUTER: &str = "https://192.0.2.1";

    #[tokio::test]
    async fn the_real_api_goes_through_the_https_proxy_unless_no_proxy_names_it() {
        let (proxy, seen) = counting_proxy().await;
        let via = |no_proxy: &str| ProxySetting::Https {
            proxy: proxy.clone(),
            no_proxy: no_proxy.into(),
        };
        assert_eq!(proxied(OFF_THIS_COMPUTER, via(""), &seen).await, 1);
        assert_eq!(proxied(OFF_THIS_COMPUTER, via("192.0.2.1"), &seen).await, 0);
        assert_eq!(
            proxied(OFF_THIS_COMPUTER, via("10.0.0.1, 192.0.2.0/24"), &seen).await,
            0
        );
        assert_eq!(proxied(OFF_THIS_COMPUTER, ProxySetting::Direct, &seen).await, 0);
        // Loopback never goes through a proxy, whatever the setting.
        assert_eq!(proxied("http://127.0.0.1:9", via(""), &seen).await, 0);
        assert_eq!(proxied("https://localhost:9", via(""), &seen).await, 0);
    }

    #[test]
    fn a_proxy_that_is_no_address_is_refused_without_echoing_it() {
        let setting = ProxySetting::Https {
            proxy: "http://user:sentinel@[not-an-address]:3128".into(),
            no_proxy: String::new(),
        };
        let base = parse_base_url("").expect("production");
        let err = with_proxy(reqwest::Client::builder(), &base, &setting).expect_err("refused");
        assert!(
            err.to_string().contains("HTTPS_PROXY is not a proxy address"),
            "{err}"
        );
        assert!(!err.to_string().contains("sentinel"), "{err}");
        assert!(!format!("{setting:?}").contains("sentinel"));
    }

    #[test]
    fn system_headers_fit_in_thirty_characters() {
        let h = system_headers();
        assert_eq!(h.len(), 4);
        for (name, value) in &h {
            assert!(value.len() <= 30, "{name}");
        }
        assert_eq!(
            h.get("vipps-system-name").and_then(|v| v.to_str().ok()),
            Some("avstem")
        );
    }
}
