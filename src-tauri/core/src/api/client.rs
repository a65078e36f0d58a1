//! HTTP client for the Report API: token handling, the common headers, paging, retries and
//! turning every failure into an `Error` a user can act on.

use super::auth::{self, Token};
use super::dto::{self, EntriesPage, EntryContext, LedgerDto, LedgersPage};
use super::retry;
use crate::clock::Clock;
use crate::model::{Entry, Ledger, Topic};
use crate::secrets::Secret;
use crate::{Error, Result};
use chrono::NaiveDate;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_LENGTH, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

use super::answers::{body_too_large, decode_token, status_error, token_status_error, Reply};
pub(super) use super::answers::{repeated_cursor, too_many_pages};
use super::request::{api_headers, insert, system_headers, with_proxy};
pub use super::request::{parse_base_url, ProxySetting};

/// The only place the Report API exists.
pub const PRODUCTION_BASE_URL: &str = "https://api.vipps.no";

/// What the four `Vipps-System-*` headers say (each at most 30 characters).
pub const SYSTEM_NAME: &str = "avstem";
pub const PLUGIN_NAME: &str = "avstem-core";

/// A date of more pages than this is not a report, it is a loop.
pub const MAX_PAGES_PER_DATE: u32 = 100_000;
const MAX_LEDGER_PAGES: u32 = 10_000;
/// Empty "more to come" pages in a row that return the cursor they were asked with.
pub const MAX_STALLED_PAGES: u32 = 5;

/// The keys a profile holds. Secrets print as `***`.
#[derive(Debug, Clone)]
pub enum Credentials {
    Merchant {
        client_id: String,
        client_secret: Secret,
        subscription_key: Secret,
        msn: Option<String>,
    },
    Partner {
        client_id: String,
        client_secret: Secret,
    },
}

impl Credentials {
    /// "merchant" or "partner".
    pub fn kind(&self) -> &'static str {
        match self {
            Credentials::Merchant { .. } => "merchant",
            Credentials::Partner { .. } => "partner",
        }
    }
}

/// The most one answer may hold: a page of 1000 entries is well under 2 MiB.
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// How long one call may take, its token fetch and retries included.
pub const CALL_DEADLINE: Duration = Duration::from_secs(90);

#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// One request, from connecting to the last byte of the answer.
    pub timeout: Duration,
    pub max_retries: u32,
    /// First backoff step; doubled each retry, with jitter, capped by `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// One call, token fetch and retries included, ends by this: a server that accepts and never
    /// answers costs at most this, not timeout × retries (issue 13, item 8).
    pub deadline: Duration,
    /// The most one answer may hold; refused while it arrives, never buffered past this.
    pub max_body_bytes: usize,
    pub proxy: ProxySetting,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            timeout: Duration::from_secs(30),
            max_retries: 5,
            base_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
            deadline: CALL_DEADLINE,
            max_body_bytes: MAX_BODY_BYTES,
            proxy: ProxySetting::default(),
        }
    }
}

/// All entries of one (ledger, topic, date), every page followed.
#[derive(Debug, Clone)]
pub struct DatePage {
    pub entries: Vec<Entry>,
    /// The date is not closed upstream: nothing here is final.
    pub try_later: bool,
    pub pages: u32,
}

/// One page of the feed. `entries[i].seq` is the position within this page; `cursor` is the
/// caller's whole position and must be persisted after the entries are stored.
#[derive(Debug, Clone)]
pub struct FeedPage {
    pub entries: Vec<Entry>,
    pub cursor: String,
    pub try_later: bool,
}

/// Cheap to clone: share one per profile across concurrent requests.
#[derive(Clone)]
pub struct ApiClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    /// `host[:port]`, for network error messages.
    host: String,
    credentials: Credentials,
    config: ClientConfig,
    /// Sent on every API call: subscription key, MSN, Vipps-System-*.
    api_headers: HeaderMap,
    /// In memory only; the lock also makes concurrent callers share one token fetch.
    token: tokio::sync::Mutex<Option<Token>>,
    requests: AtomicU64,
    token_requests: AtomicU64,
    /// The page size each ledger's pages said they use (`Vipps-Feed-Page-Size`).
    page_sizes: std::sync::Mutex<std::collections::HashMap<String, u32>>,
    /// Told of every wait the server asked for (`Retry-After`), so progress can show it.
    on_wait: std::sync::RwLock<Option<WaitObserver>>,
}

/// Called with the wait and what it was for, before the client sleeps on a server's `Retry-After`.
pub type WaitObserver = Arc<dyn Fn(Duration, &str) + Send + Sync>;

/// The longest `Retry-After` honoured (a longer one is waited this long, then the call is judged
/// again). Beyond the backoff cap: a server asking for 90 s gets its 90 s, not 30.
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(300);

// Base URL only: everything else is either secret or noise.
impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("base_url", &self.base_url())
            .finish()
    }
}

/// How one attempt ended.
enum Attempt<T> {
    Done(T),
    /// 401: the token may be stale.
    Unauthorized,
    Failed(Failure),
}

/// A failed attempt, and whether another could help.
struct Failure {
    error: Error,
    retry_after: Option<Duration>,
    /// False for an answer over the size cap: asking again would only fetch it again.
    retryable: bool,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            retryable: error.is_retryable(),
            error,
            retry_after: None,
        }
    }
}

impl ApiClient {
    /// `base_url`: production by default (an empty string means production); `http://` only for
    /// loopback.
    pub fn new(base_url: &str, credentials: Credentials, config: ClientConfig) -> Result<Self> {
        let base = parse_base_url(base_url)?;
        let host = match (base.host_str(), base.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => String::from("(no host)"),
        };
        let api_headers = api_headers(&credentials)?;
        let http = with_proxy(reqwest::Client::builder(), &base, &config.proxy)?
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .gzip(true)
            // Keys travel in custom headers that reqwest does not strip on a cross-host redirect:
            // follow none; a 3xx is reported as an error.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(format!("{SYSTEM_NAME}/{}", crate::VERSION))
            .build()
            .map_err(|_| {
                Error::Io("Could not set up the HTTPS client (TLS initialisation failed).".into())
            })?;
        Ok(ApiClient {
            inner: Arc::new(Inner {
                http,
                base,
                host,
                credentials,
                config,
                api_headers,
                token: tokio::sync::Mutex::new(None),
                requests: AtomicU64::new(0),
                token_requests: AtomicU64::new(0),
                page_sizes: Default::default(),
                on_wait: Default::default(),
            }),
        })
    }

    /// The page size `ledger_id`'s pages last said they use, when they said one.
    pub fn page_size(&self, ledger_id: &str) -> Option<u32> {
        self.inner.page_sizes.lock().ok()?.get(ledger_id).copied()
    }

    /// Be told of each wait the server asks for (`Retry-After`), e.g. to show it in progress.
    pub fn on_server_wait(&self, observer: Option<WaitObserver>) {
        if let Ok(mut slot) = self.inner.on_wait.write() {
            *slot = observer;
        }
    }

    fn tell_wait(&self, wait: Duration, what: &str) {
        let observer = self.inner.on_wait.read().ok().and_then(|o| o.clone());
        if let Some(observer) = observer {
            observer(wait, what);
        }
    }

    /// A client for the production Report API.
    pub fn production(credentials: Credentials, config: ClientConfig) -> Result<Self> {
        ApiClient::new(PRODUCTION_BASE_URL, credentials, config)
    }

    /// The base URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str().trim_end_matches('/')
    }

    pub fn credentials_kind(&self) -> &'static str {
        self.inner.credentials.kind()
    }

    /// HTTP requests sent so far (token calls and retries included).
    pub fn requests_made(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// Token calls sent so far (retries included).
    pub fn token_requests(&self) -> u64 {
        self.inner.token_requests.load(Ordering::Relaxed)
    }

    /// Fetch a token now: the cheapest way to tell whether the keys work.
    pub async fn verify_keys(&self) -> Result<()> {
        self.bearer(self.deadline()).await.map(|_| ())
    }

    /// Every ledger these keys can see, following the cursor; optionally only the ledger that
    /// settles for one recipient handle (`NO:57860`, `api:123455`).
    pub async fn ledgers(&self, settles_for_recipient_handle: Option<&str>) -> Result<Vec<Ledger>> {
        let mut ledgers = Vec::new();
        let mut cursor: Option<String> = None;
        let mut seen = HashSet::new();
        for _ in 0..MAX_LEDGER_PAGES {
            let query = [
                settles_for_recipient_handle.map(|h| ("settlesForRecipientHandles", h)),
                cursor.as_deref().map(|c| ("cursor", c)),
            ];
            let url = self.url_with(&["settlement", "v1", "ledgers"], &query);
            let page: LedgersPage = self.get_json(url, "ledger list", None).await?;
            ledgers.extend(page.items.into_iter().filter_map(LedgerDto::into_model));
            match page.cursor.filter(|c| !c.is_empty()) {
                Some(next) if seen.insert(next.clone()) => cursor = Some(next),
                Some(next) => return Err(repeated_cursor("ledger list", &next)),
                None => return Ok(ledgers),
            }
        }
        Err(too_many_pages("ledger list"))
    }

    /// Every entry of one ledger date, all pages followed. `gdpr` adds name, masked phone number
    /// and message (Vippsnummer payments only); it is asked for on every page.
    pub async fn entries_for_date(
        &self,
        ledger_id: &str,
        topic: Topic,
        date: NaiveDate,
        gdpr: bool,
    ) -> Result<DatePage> {
        let date_text = date.format("%Y-%m-%d").to_string();
        let what = format!("report page for ledger {ledger_id} {topic} {date_text}");
        let ctx = EntryContext {
            ledger_id,
            topic,
            requested_date: Some(date),
            gdpr,
        };
        let mut entries: Vec<Entry> = Vec::new();
        let (try_later, pages) = self
            .all_date_pages(
                &what,
                ledger_id,
                |cursor| {
                    let query = [
                        cursor.map(|c| ("cursor", c)),
                        gdpr.then_some(("includeGDPRSensitiveData", "true")),
                    ];
                    let path = [
                        "report",
                        "v2",
                        "ledgers",
                        ledger_id,
                        topic.as_str(),
                        "dates",
                        &date_text,
                    ];
                    self.url_with(&path, &query)
                },
                |page: EntriesPage| DatePageParts::from(page),
                |item: dto::EntryDto| {
                    let seq = u32::try_from(entries.len()).map_err(|_| too_many_pages(&what))?;
                    entries.push(item.into_model(ctx, seq)?);
                    Ok(())
                },
            )
            .await?;
        Ok(DatePage {
            entries,
            try_later,
            pages,
        })
    }

    /// Follow a dates endpoint's cursor to the last page, handing each item to `take`; returns
    /// whether any page said `tryLater` and how many pages came. A cursor seen before is refused
    /// (an endless loop); "more to come" with an empty page and the cursor unchanged means the
    /// server is not ready: pause and ask again, a bounded number of times. Shared by the Report
    /// and Sales APIs, whose pages differ only in their items.
    pub(super) async fn all_date_pages<P: serde::de::DeserializeOwned, T>(
        &self,
        what: &str,
        ledger_id: &str,
        url: impl Fn(Option<&str>) -> Url,
        parts: impl Fn(P) -> DatePageParts<T>,
        mut take: impl FnMut(T) -> Result<()>,
    ) -> Result<(bool, u32)> {
        let (mut try_later, mut pages, mut stalls) = (false, 0u32, 0u32);
        let mut cursor: Option<String> = None;
        let mut seen = HashSet::new();
        while pages < MAX_PAGES_PER_DATE {
            let page: P = self
                .get_json(url(cursor.as_deref()), what, Some(ledger_id))
                .await?;
            let page = parts(page);
            pages += 1;
            try_later |= page.try_later;
            let empty = page.items.is_empty();
            for item in page.items {
                take(item)?;
            }
            if !page.has_more {
                return Ok((try_later, pages));
            }
            match page.cursor.filter(|c| !c.is_empty()) {
                // No `hasMore`, and a cursor already followed: that was the last page.
                Some(next) if page.absent_has_more && seen.contains(&next) => return Ok((try_later, pages)),
                Some(next) if seen.insert(next.clone()) => {
                    stalls = 0;
                    cursor = Some(next);
                }
                Some(next)
                    if empty && cursor.as_deref() == Some(next.as_str()) && stalls < MAX_STALLED_PAGES =>
                {
                    let cfg = &self.inner.config;
                    tokio::time::sleep(retry::full_jitter(cfg.base_backoff, cfg.max_backoff, stalls)).await;
                    stalls += 1;
                }
                Some(next) => return Err(repeated_cursor(what, &next)),
                None => {
                    return Err(Error::Undecodable {
                        detail: format!("the {what} said more pages follow but gave no cursor"),
                        excerpt: String::new(),
                    })
                }
            }
        }
        Err(too_many_pages(what))
    }

    /// One page of a ledger's feed from `cursor` (`None` = the beginning). At the end the same
    /// cursor comes back with `try_later`.
    pub async fn feed_page(&self, ledger_id: &str, topic: Topic, cursor: Option<&str>) -> Result<FeedPage> {
        self.feed_page_with(ledger_id, topic, cursor, false).await
    }

    /// [`ApiClient::feed_page`], optionally with the GDPR-sensitive fields.
    pub async fn feed_page_with(
        &self,
        ledger_id: &str,
        topic: Topic,
        cursor: Option<&str>,
        gdpr: bool,
    ) -> Result<FeedPage> {
        let what = format!("feed page for ledger {ledger_id} {topic}");
        let query = [
            cursor.filter(|c| !c.is_empty()).map(|c| ("cursor", c)),
            gdpr.then_some(("includeGDPRSensitiveData", "true")),
        ];
        let url = self.url_with(
            &["report", "v2", "ledgers", ledger_id, topic.as_str(), "feed"],
            &query,
        );
        let page: EntriesPage = self.get_json(url, &what, Some(ledger_id)).await?;
        let ctx = EntryContext {
            ledger_id,
            topic,
            requested_date: None,
            gdpr,
        };
        let entries = page
            .items
            .into_iter()
            .enumerate()
            .map(|(i, item)| item.into_model(ctx, u32::try_from(i).unwrap_or(u32::MAX)))
            .collect::<Result<Vec<_>>>()?;
        let cursor = page
            .cursor
            .filter(|c| !c.is_empty())
            .or_else(|| cursor.map(str::to_string))
            .unwrap_or_default();
        Ok(FeedPage {
            entries,
            cursor,
            try_later: page.try_later.unwrap_or(false),
        })
    }

    // ------------------------------------------------------------ plumbing

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// `url` plus the query pairs that are present; no `?` at all when none are.
    pub(super) fn url_with(&self, segments: &[&str], query: &[Option<(&str, &str)>]) -> Url {
        let mut url = self.url(segments);
        let pairs: Vec<(&str, &str)> = query.iter().flatten().copied().collect();
        if !pairs.is_empty() {
            url.query_pairs_mut().extend_pairs(pairs);
        }
        url
    }

    /// GET with the bearer token; one token refresh on a 401; retries with backoff, all within
    /// the call's deadline.
    pub(super) async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: Url,
        what: &str,
        ledger_id: Option<&str>,
    ) -> Result<T> {
        let mut deadline = self.deadline();
        let mut refreshed = false;
        let mut retries = 0u32;
        loop {
            let token = self.bearer(deadline).await?;
            let mut auth = HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                Error::Undecodable {
                    detail: "the access token contains characters that cannot be sent back".into(),
                    excerpt: String::new(),
                }
            })?;
            auth.set_sensitive(true);
            let request = self
                .inner
                .http
                .request(Method::GET, url.clone())
                .headers(self.inner.api_headers.clone())
                .header(AUTHORIZATION, auth);
            let attempt = match self.exchange(request, deadline).await {
                Err(f) => Attempt::Failed(f),
                Ok(reply) if reply.status.is_success() => match dto::decode::<T>(&reply.body, what) {
                    Ok(v) if reply.page_size.is_some() && ledger_id.is_some() => {
                        self.note_page_size(ledger_id, reply.page_size);
                        Attempt::Done(v)
                    }
                    Ok(v) => Attempt::Done(v),
                    Err(e) => Attempt::Failed(e.into()),
                },
                Ok(reply) if reply.status == StatusCode::UNAUTHORIZED => Attempt::Unauthorized,
                Ok(reply) => Attempt::Failed(Failure {
                    retry_after: reply.retry_after,
                    ..status_error(&reply, ledger_id).into()
                }),
            };
            match attempt {
                Attempt::Done(v) => return Ok(v),
                Attempt::Unauthorized if !refreshed => {
                    // The token may have expired early or been revoked: one fresh token, then judge.
                    refreshed = true;
                    self.invalidate(&token).await;
                }
                Attempt::Unauthorized => return Err(Error::KeysRejected),
                Attempt::Failed(failure) => {
                    let Some(wait) = self.retry_wait(&failure, retries, deadline) else {
                        return Err(failure.error);
                    };
                    if failure.retry_after.is_some() {
                        // The server's own wait does not count against the call's deadline.
                        deadline = deadline.checked_add(wait).unwrap_or(deadline);
                        self.tell_wait(wait, what);
                    }
                    tracing::debug!(
                        kind = failure.error.kind(),
                        retry = retries + 1,
                        wait_ms = wait.as_millis() as u64,
                        "retrying {what}"
                    );
                    retries += 1;
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    fn note_page_size(&self, ledger_id: Option<&str>, size: Option<u32>) {
        if let (Some(l), Some(n), Ok(mut m)) = (ledger_id, size, self.inner.page_sizes.lock()) {
            if m.get(l) != Some(&n) {
                tracing::debug!(ledger = l, page_size = n, "page size");
                m.insert(l.to_string(), n);
            }
        }
    }

    /// When a call that starts now must end.
    fn deadline(&self) -> Instant {
        let now = Instant::now();
        now.checked_add(self.inner.config.deadline)
            .unwrap_or_else(|| now + Duration::from_secs(24 * 3600))
    }

    /// The wait before attempt `retries + 1`, or `None` when the failure is final: not worth
    /// another attempt, retries used up, or the wait would pass the deadline.
    fn retry_wait(&self, failure: &Failure, retries: u32, deadline: Instant) -> Option<Duration> {
        let cfg = &self.inner.config;
        if !failure.retryable || retries >= cfg.max_retries {
            return None;
        }
        if let Some(asked) = failure.retry_after {
            // Honoured up to MAX_SERVER_WAIT, beyond the backoff cap and outside the deadline.
            return Some(asked.min(MAX_SERVER_WAIT));
        }
        let wait = retry::delay(cfg.base_backoff, cfg.max_backoff, retries, None);
        let left = deadline.saturating_duration_since(Instant::now());
        (wait < left).then_some(wait)
    }

    /// A token that is still fresh, or a new one. Holding the lock while fetching makes
    /// concurrent callers wait for one fetch instead of each starting their own.
    async fn bearer(&self, deadline: Instant) -> Result<Secret> {
        let mut slot = self.inner.token.lock().await;
        if let Some(t) = slot.as_ref().filter(|t| t.is_fresh(Instant::now())) {
            return Ok(t.secret().clone());
        }
        let token = self.fetch_token(deadline).await?;
        let secret = token.secret().clone();
        *slot = Some(token);
        Ok(secret)
    }

    /// Forget `used` unless someone already replaced it.
    async fn invalidate(&self, used: &Secret) {
        let mut slot = self.inner.token.lock().await;
        if slot.as_ref().is_some_and(|t| t.secret() == used) {
            *slot = None;
        }
    }

    async fn fetch_token(&self, deadline: Instant) -> Result<Token> {
        let mut retries = 0u32;
        loop {
            let request = self.token_request();
            self.inner.token_requests.fetch_add(1, Ordering::Relaxed);
            let sent = Instant::now();
            let result = match self.exchange(request, deadline).await {
                Err(f) => Err(f),
                Ok(reply) if reply.status.is_success() => decode_token(&reply.body)
                    .and_then(|resp| Token::from_response(resp, sent, Clock::System.now().timestamp()))
                    .map_err(Failure::from),
                Ok(reply) => Err(Failure {
                    retry_after: reply.retry_after,
                    ..token_status_error(&reply).into()
                }),
            };
            match result {
                Ok(token) => return Ok(token),
                Err(failure) => {
                    let Some(wait) = self.retry_wait(&failure, retries, deadline) else {
                        return Err(failure.error);
                    };
                    retries += 1;
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    fn token_request(&self) -> reqwest::RequestBuilder {
        let system = system_headers();
        match &self.inner.credentials {
            Credentials::Merchant {
                client_id,
                client_secret,
                subscription_key,
                msn,
            } => {
                let mut headers = system;
                // Values were validated in `new`, so these inserts cannot fail here.
                insert(&mut headers, "client_id", client_id, false);
                insert(&mut headers, "client_secret", client_secret.expose(), true);
                insert(
                    &mut headers,
                    "ocp-apim-subscription-key",
                    subscription_key.expose(),
                    true,
                );
                if let Some(msn) = msn.as_deref().filter(|m| !m.is_empty()) {
                    insert(&mut headers, "merchant-serial-number", msn, false);
                }
                headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
                self.inner
                    .http
                    .request(Method::POST, self.url(&auth::MERCHANT_TOKEN_PATH))
                    .headers(headers)
                    .body("")
            }
            Credentials::Partner {
                client_id,
                client_secret,
            } => self
                .inner
                .http
                .request(Method::POST, self.url(&auth::PARTNER_TOKEN_PATH))
                .headers(system)
                .basic_auth(client_id, Some(client_secret.expose()))
                .form(&[("grant_type", "client_credentials")]),
        }
    }

    /// Send once and read the whole body, within the request timeout and what is left of the
    /// call's deadline; transport failures become `Error::Network`.
    async fn exchange(
        &self,
        request: reqwest::RequestBuilder,
        deadline: Instant,
    ) -> std::result::Result<Reply, Failure> {
        let cfg = &self.inner.config;
        let left = deadline.saturating_duration_since(Instant::now());
        let limit = if left < cfg.timeout {
            TimeLimit::Deadline(left)
        } else {
            TimeLimit::Request(cfg.timeout)
        };
        if left.is_zero() {
            return Err(self.network_error(None, limit).into());
        }
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let response = request
            .timeout(limit.duration())
            .send()
            .await
            .map_err(|e| self.network_error(Some((&e, false)), limit))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry::parse_retry_after(v, Clock::System.now()));
        let page_size = response
            .headers()
            .get("Vipps-Feed-Page-Size")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u32>().ok())
            .filter(|n| *n > 0);
        let body = self.read_capped(response, limit).await?;
        Ok(Reply {
            status,
            retry_after,
            page_size,
            body,
        })
    }

    /// The whole body, refused past `max_body_bytes` while it arrives (never buffered unbounded).
    async fn read_capped(
        &self,
        mut response: reqwest::Response,
        limit: TimeLimit,
    ) -> std::result::Result<bytes::Bytes, Failure> {
        let cap = self.inner.config.max_body_bytes;
        let too_large = || Failure {
            retryable: false,
            ..body_too_large(cap).into()
        };
        if response
            .content_length()
            .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > cap))
        {
            return Err(too_large());
        }
        let mut body = bytes::BytesMut::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.network_error(Some((&e, true)), limit))?
        {
            if body.len().saturating_add(chunk.len()) > cap {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }

    /// Words for a transport failure (`None`: the deadline passed before the request could be
    /// sent). Built from the error's kind and its innermost cause only: never from a request, so
    /// no header can leak in.
    fn network_error(&self, failed: Option<(&reqwest::Error, bool)>, limit: TimeLimit) -> Error {
        let detail = match failed {
            None => limit.no_answer(self.inner.config.deadline),
            Some((e, _)) if e.is_timeout() => limit.no_answer(self.inner.config.deadline),
            Some((e, true)) => format!(
                "the connection dropped while the answer was arriving ({})",
                root_cause(e)
            ),
            Some((e, false)) if e.is_connect() => format!("could not connect ({})", root_cause(e)),
            Some((e, false)) => format!("the connection failed ({})", root_cause(e)),
        };
        Error::Network {
            host: self.inner.host.clone(),
            detail,
        }
    }
}

/// What bounds one request: its own timeout, or the rest of the call's deadline when less is left.
#[derive(Clone, Copy)]
enum TimeLimit {
    Request(Duration),
    Deadline(Duration),
}

impl TimeLimit {
    fn duration(self) -> Duration {
        match self {
            TimeLimit::Request(d) | TimeLimit::Deadline(d) => d,
        }
    }

    fn no_answer(self, deadline: Duration) -> String {
        match self {
            TimeLimit::Request(d) => format!("no answer within {} s", d.as_secs_f64()),
            TimeLimit::Deadline(_) => format!(
                "no answer within the {} s a call may take, retries included",
                deadline.as_secs_f64()
            ),
        }
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    dto::excerpt(&cur.to_string())
}

/// What [`ApiClient::all_date_pages`] needs of a page: its items, and whether and where more follow.
pub(super) struct DatePageParts<T> {
    pub items: Vec<T>,
    pub has_more: bool,
    /// `hasMore` was not sent and is inferred from the cursor.
    pub absent_has_more: bool,
    pub cursor: Option<String>,
    pub try_later: bool,
}

impl From<EntriesPage> for DatePageParts<dto::EntryDto> {
    fn from(page: EntriesPage) -> Self {
        // A page with a cursor but no `hasMore` is not the end: follow the cursor (a cursor seen
        // before then ends the date, see `all_date_pages`).
        let cursor_given = page.cursor.as_deref().is_some_and(|c| !c.trim().is_empty());
        DatePageParts {
            absent_has_more: page.has_more.is_none() && cursor_given,
            has_more: page.has_more.unwrap_or(cursor_given),
            cursor: page.cursor,
            try_later: page.try_later.unwrap_or(false),
            items: page.items,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials::Partner {
            client_id: "id".into(),
            client_secret: Secret::new("s"),
        }
    }

    #[test]
    fn plain_http_is_only_for_this_computer() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
            "http://127.3.2.1/",
            "",
        ] {
            assert!(
                ApiClient::new(ok, creds(), ClientConfig::default()).is_ok(),
                "{ok}"
            );
        }
        for bad in [
            "http://api.vipps.no",
            "http://10.0.0.1:80",
            "ftp://x",
            "not a url",
            "https://u:p@h",
        ] {
            let err = ApiClient::new(bad, creds(), ClientConfig::default()).expect_err(bad);
            assert_eq!(err.kind(), "input", "{bad}");
        }
        let c = ApiClient::new("", creds(), ClientConfig::default()).expect("default");
        assert_eq!(c.base_url(), PRODUCTION_BASE_URL);
    }

    #[test]
    fn paths_are_joined_and_ledger_ids_escaped() {
        let c =
            ApiClient::new("http://127.0.0.1:9/prefix/", creds(), ClientConfig::default()).expect("client");
        assert_eq!(
            c.url(&["report", "v2", "ledgers", "a/b c", "funds"]).as_str(),
            "http://127.0.0.1:9/prefix/report/v2/ledgers/a%2Fb%20c/funds"
        );
    }

    #[test]
    fn keys_with_line_breaks_are_refused_without_echoing_them() {
        let bad = Credentials::Merchant {
            client_id: "id".into(),
            client_secret: Secret::new("sentinel\nsecret"),
            subscription_key: Secret::new("k"),
            msn: None,
        };
        let err = ApiClient::new("", bad, ClientConfig::default()).expect_err("bad secret");
        assert!(err.to_string().contains("client secret"));
        assert!(!err.to_string().contains("sentinel"));
    }
}
