//! The simulator's HTTP side: routing, auth checks, paging, production error shapes, fault injection.
//! Served with hyper directly (axum's router has no way to close a connection without an answer).

#[path = "sales.rs"]
pub mod sales;

use super::data::{DayEntries, World};
use super::faults::{FaultEndpoint, FaultKind, FaultPlan, FaultSpec};
use super::rng::{mix, GOLDEN_GAMMA};
use super::{SimConfig, SimStats};
use crate::model::{Entry, EntryType, Topic};
use base64::Engine;
use bytes::Bytes;
use chrono::NaiveDate;
use http::{header, HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A generated date, keyed by (ledger, date), in the small LRU of recent dates.
type CachedDay = ((String, NaiveDate), Arc<DayEntries>);

pub(crate) type SimBody = UnsyncBoxBody<Bytes, std::io::Error>;

const DAY_CACHE_DATES: usize = 6;
const DAY_CACHE_ENTRIES: usize = 150_000;
const FEED_MAX_DATES_PER_PAGE: usize = 2_000;
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Principal {
    Merchant(usize),
    Partner,
}

struct TokenInfo {
    principal: Principal,
    expires_at: Instant,
    uses: u32,
}

/// Everything the connection tasks share.
pub(crate) struct Shared {
    world: Arc<World>,
    page_size: usize,
    ledgers_page_size: usize,
    latency_ms: u64,
    token_ttl: Duration,
    faults: FaultPlan,
    today: Mutex<NaiveDate>,
    tokens: Mutex<HashMap<String, TokenInfo>>,
    stats: Mutex<SimStats>,
    days: Mutex<VecDeque<CachedDay>>,
    counter: AtomicU64,
    seed: u64,
}

impl Shared {
    pub(crate) fn new(world: Arc<World>, config: &SimConfig, spec: FaultSpec) -> Shared {
        Shared {
            world,
            page_size: config.page_size.max(1),
            ledgers_page_size: config.ledgers_page_size.max(1),
            latency_ms: config.latency_ms,
            token_ttl: Duration::from_secs(config.token_ttl_secs.max(1)),
            faults: FaultPlan::new(spec, config.seed),
            today: Mutex::new(config.today),
            tokens: Mutex::new(HashMap::new()),
            stats: Mutex::new(SimStats::default()),
            days: Mutex::new(VecDeque::new()),
            counter: AtomicU64::new(1),
            seed: config.seed,
        }
    }

    pub(crate) fn stats(&self) -> SimStats {
        lock(&self.stats).clone()
    }

    pub(crate) fn reset_stats(&self) {
        *lock(&self.stats) = SimStats::default();
    }

    pub(crate) fn today(&self) -> NaiveDate {
        *lock(&self.today)
    }

    pub(crate) fn set_today(&self, date: NaiveDate) {
        *lock(&self.today) = date;
    }

    pub(crate) fn world(&self) -> Arc<World> {
        self.world.clone()
    }

    fn next_id(&self) -> u64 {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        mix(self.seed ^ n.wrapping_mul(GOLDEN_GAMMA))
    }

    fn context_id(&self) -> String {
        let a = self.next_id();
        let b = self.next_id();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48 & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    /// One generated date, from a small LRU so paging a 33,000-entry date does not regenerate it per page.
    async fn day(&self, ledger_id: &str, date: NaiveDate) -> Option<Arc<DayEntries>> {
        {
            let mut days = lock(&self.days);
            if let Some(pos) = days.iter().position(|((l, d), _)| l == ledger_id && *d == date) {
                let hit = days.remove(pos)?;
                let day = hit.1.clone();
                days.push_front(hit);
                return Some(day);
            }
        }
        lock(&self.stats).dates_generated += 1;
        let world = self.world.clone();
        let id = ledger_id.to_string();
        let day = Arc::new(
            tokio::task::spawn_blocking(move || world.day(&id, date))
                .await
                .ok()?,
        );
        if day.funds.is_empty() && day.fees.is_empty() {
            // Empty dates (before a ledger starts, the doc example's other dates) cost nothing to make
            // again; caching them would only push out the big ones.
            return Some(day);
        }
        let mut days = lock(&self.days);
        days.push_front(((ledger_id.to_string(), date), day.clone()));
        days.truncate(DAY_CACHE_DATES);
        // Bulk dates are large (33,000 entries a topic): bound the cache by entries too.
        while days.len() > 1
            && days
                .iter()
                .map(|(_, d)| d.funds.len() + d.fees.len())
                .sum::<usize>()
                > DAY_CACHE_ENTRIES
        {
            days.pop_back();
        }
        Some(day)
    }

    fn ledger_ids(&self, who: Principal) -> Vec<String> {
        match who {
            Principal::Merchant(i) => self
                .world
                .merchants()
                .get(i)
                .map(|m| m.ledger_ids.clone())
                .unwrap_or_default(),
            Principal::Partner => self.world.partner().ledger_ids.clone(),
        }
    }

    fn can_see(&self, who: Principal, ledger_id: &str) -> bool {
        self.ledger_ids(who).iter().any(|l| l == ledger_id)
            && self
                .world
                .ledger_profile(ledger_id)
                .is_some_and(|p| p.first_date < self.today())
    }
}

// ---------------------------------------------------------------------------------------------
// Serving connections.

pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!("simulator: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let shared = shared.clone();
                let mut stop = stop.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle(shared.clone(), req));
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = stop.changed() => {}
                    }
                });
            }
        }
    }
}

/// What a handler answers before faults reshape its delivery.
struct Reply {
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
    retry_after: Option<u64>,
    gzip: bool,
}

impl Reply {
    fn json<T: Serialize>(status: StatusCode, value: &T) -> Reply {
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
        Reply {
            status,
            content_type: "application/json; charset=utf-8",
            body,
            retry_after: None,
            gzip: false,
        }
    }
}

fn unauthorized(message: &str) -> Reply {
    Reply::json(
        StatusCode::UNAUTHORIZED,
        &serde_json::json!({ "code": "Unauthorized", "message": message }),
    )
}

fn problem(status: StatusCode, detail: &str, instance: &str, trace_id: String) -> Reply {
    let body = serde_json::json!({
        "type": format!("https://developer.vippsmobilepay.com/docs/APIs/report-api/errors/{}", status.as_u16()),
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
        "instance": instance,
        "traceId": trace_id,
    });
    let mut r = Reply::json(status, &body);
    r.content_type = "application/problem+json";
    r
}

fn server_error(code: u32, message: &str, context_id: String) -> Reply {
    Reply::json(
        StatusCode::INTERNAL_SERVER_ERROR,
        &serde_json::json!({ "errorCode": code, "errorMessage": message, "contextId": context_id }),
    )
}

#[derive(Debug, Clone)]
enum Route {
    MerchantToken,
    PartnerToken,
    Ledgers,
    Dates {
        ledger_id: String,
        topic: String,
        date: String,
    },
    Feed {
        ledger_id: String,
        topic: String,
    },
    Sales(sales::SalesRoute),
}

impl Route {
    fn endpoint(&self) -> FaultEndpoint {
        match self {
            Route::MerchantToken | Route::PartnerToken => FaultEndpoint::Token,
            Route::Ledgers => FaultEndpoint::Ledgers,
            Route::Dates { .. } => FaultEndpoint::Report,
            Route::Feed { .. } => FaultEndpoint::Feed,
            Route::Sales(r) => r.endpoint(),
        }
    }
}

fn route(method: &Method, path: &str) -> Option<Route> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, segs.as_slice()) {
        (&Method::POST, ["accesstoken", "get"]) => Some(Route::MerchantToken),
        (&Method::POST, ["miami", "v1", "token"]) => Some(Route::PartnerToken),
        (&Method::GET, ["settlement", "v1", "ledgers"]) => Some(Route::Ledgers),
        (&Method::GET, ["report", "v2", "ledgers", id, topic, "dates", date]) => Some(Route::Dates {
            ledger_id: id.to_string(),
            topic: topic.to_string(),
            date: date.to_string(),
        }),
        (&Method::GET, ["sales", "report", "v1", "ledgers", rest @ ..]) => {
            sales::route(rest).map(Route::Sales)
        }
        (&Method::GET, ["report", "v2", "ledgers", id, topic, "feed"]) => Some(Route::Feed {
            ledger_id: id.to_string(),
            topic: topic.to_string(),
        }),
        _ => None,
    }
}

fn fault_name(kind: FaultKind) -> &'static str {
    match kind {
        FaultKind::RateLimited => "429",
        FaultKind::ServerError => "500",
        FaultKind::ValidationError => "10002",
        FaultKind::BadRequest => "400",
        FaultKind::CutBody => "cut",
        FaultKind::DropConnection => "drop",
        FaultKind::SlowBody => "slow",
        FaultKind::EmptyPage => "empty",
    }
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<SimBody>, std::io::Error> {
    let path = req.uri().path().to_string();
    let query: Vec<(String, String)> = req
        .uri()
        .query()
        .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let request_key = format!("{} {}", req.method(), req.uri());
    let gzip = header_str(req.headers(), "accept-encoding").is_some_and(|v| v.contains("gzip"));
    let Some(route) = route(req.method(), &path) else {
        let trace = shared.context_id();
        return Ok(deliver(
            problem(StatusCode::NOT_FOUND, "No such endpoint.", &path, trace),
            None,
            &shared,
        ));
    };
    let ep = route.endpoint();
    {
        let mut stats = lock(&shared.stats);
        match &route {
            Route::MerchantToken => {
                stats.token_requests += 1;
                stats.merchant_token_requests += 1;
            }
            Route::PartnerToken => {
                stats.token_requests += 1;
                stats.partner_token_requests += 1;
            }
            Route::Ledgers => stats.ledger_requests += 1,
            Route::Dates {
                ledger_id,
                topic,
                date,
            } => {
                stats.report_requests += 1;
                if let (Some(t), Ok(d)) = (Topic::parse(topic), NaiveDate::parse_from_str(date, "%Y-%m-%d")) {
                    *stats
                        .report_requests_by_date
                        .entry((ledger_id.clone(), t, d))
                        .or_default() += 1;
                }
            }
            Route::Feed { .. } => stats.feed_requests += 1,
            Route::Sales(_) => stats.sales_requests += 1,
        }
    }
    let latency = shared.latency_ms + shared.faults.spec.latency_for(ep);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let fault = shared.faults.decide(ep, &request_key);
    if let Some(kind) = fault {
        let mut stats = lock(&shared.stats);
        stats.faults_injected += 1;
        *stats
            .faults_by_kind
            .entry(fault_name(kind).to_string())
            .or_default() += 1;
    }
    let early = match fault {
        Some(FaultKind::DropConnection) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "simulated dropped connection",
            ));
        }
        Some(FaultKind::RateLimited) => {
            let secs = shared.faults.spec.retry_after_secs;
            let mut r = problem(
                StatusCode::TOO_MANY_REQUESTS,
                &format!("Rate limit is exceeded. Try again in {secs} seconds."),
                &path,
                shared.context_id(),
            );
            r.retry_after = Some(secs);
            Some(r)
        }
        Some(FaultKind::ServerError) => Some(server_error(
            10001,
            "An unknown error occurred. Please try again later.",
            shared.context_id(),
        )),
        Some(FaultKind::ValidationError) => Some(server_error(
            10002,
            "Input validation failed: the request is not valid.",
            shared.context_id(),
        )),
        Some(FaultKind::BadRequest) => Some(problem(
            StatusCode::BAD_REQUEST,
            "One or more validation errors occurred.",
            &path,
            shared.context_id(),
        )),
        _ => None,
    };
    let reply = match early {
        Some(r) => r,
        None => {
            let (parts, body) = req.into_parts();
            match route {
                Route::MerchantToken => merchant_token(&shared, &parts.headers),
                Route::PartnerToken => {
                    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                    partner_token(&shared, &parts.headers, &body)
                }
                Route::Ledgers => match authorize(&shared, &parts.headers) {
                    Ok(who) => ledgers(&shared, who, &query),
                    Err(r) => r,
                },
                Route::Dates {
                    ledger_id,
                    topic,
                    date,
                } => match authorize(&shared, &parts.headers) {
                    Ok(who) => {
                        let empty = fault == Some(FaultKind::EmptyPage);
                        dates(&shared, who, (&ledger_id, &topic, &date), &query, &path, empty).await
                    }
                    Err(r) => r,
                },
                Route::Feed { ledger_id, topic } => match authorize(&shared, &parts.headers) {
                    Ok(who) => feed(&shared, who, &ledger_id, &topic, &query, &path).await,
                    Err(r) => r,
                },
                Route::Sales(r) => match authorize(&shared, &parts.headers) {
                    Ok(who) => sales::answer(
                        &shared,
                        who,
                        &r,
                        &query,
                        &path,
                        fault == Some(FaultKind::EmptyPage),
                    ),
                    Err(r) => r,
                },
            }
        }
    };
    if reply.status == StatusCode::UNAUTHORIZED {
        lock(&shared.stats).unauthorized += 1;
    }
    let shape = match fault {
        Some(k @ (FaultKind::CutBody | FaultKind::SlowBody)) => Some(k),
        _ => None,
    };
    let reply = if gzip { compress(reply, &shared) } else { reply };
    Ok(deliver(reply, shape, &shared))
}

/// Production compresses when asked; so does the simulator, for anything worth compressing.
fn compress(mut reply: Reply, shared: &Shared) -> Reply {
    use std::io::Write;
    if reply.body.len() < 512 {
        return reply;
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let compressed = encoder.write_all(&reply.body).and_then(|_| encoder.finish());
    if let Ok(body) = compressed {
        reply.body = body;
        reply.gzip = true;
        lock(&shared.stats).gzipped_responses += 1;
    }
    reply
}

fn deliver(reply: Reply, shape: Option<FaultKind>, shared: &Shared) -> Response<SimBody> {
    let len = reply.body.len();
    let body: SimBody = match shape {
        Some(FaultKind::CutBody) => {
            let half = Bytes::from(reply.body[..len / 2].to_vec());
            // Send half, give it a moment to reach the socket, then fail the body: hyper closes the connection.
            let stream = futures_util::stream::unfold(0u8, move |step| {
                let half = half.clone();
                async move {
                    match step {
                        0 => Some((Ok(Frame::data(half)), 1)),
                        1 => {
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            Some((
                                Err(std::io::Error::new(
                                    std::io::ErrorKind::BrokenPipe,
                                    "simulated cut body",
                                )),
                                2,
                            ))
                        }
                        _ => None,
                    }
                }
            });
            BodyExt::boxed_unsync(StreamBody::new(stream))
        }
        Some(FaultKind::SlowBody) => {
            let data = Bytes::from(reply.body);
            let chunk = (len / 10).max(64);
            let pause = Duration::from_millis(shared.faults.spec.slow_chunk_ms);
            let stream = futures_util::stream::unfold(0usize, move |at| {
                let data = data.clone();
                async move {
                    if at >= data.len() {
                        return None;
                    }
                    if at > 0 {
                        tokio::time::sleep(pause).await;
                    }
                    let end = (at + chunk).min(data.len());
                    Some((Ok::<_, std::io::Error>(Frame::data(data.slice(at..end))), end))
                }
            });
            BodyExt::boxed_unsync(StreamBody::new(stream))
        }
        _ => BodyExt::boxed_unsync(Full::new(Bytes::from(reply.body)).map_err(|never| match never {})),
    };
    let mut builder = Response::builder()
        .status(reply.status)
        .header(header::CONTENT_TYPE, reply.content_type)
        .header(header::CONTENT_LENGTH, len);
    if let Some(secs) = reply.retry_after {
        builder = builder.header(header::RETRY_AFTER, secs);
    }
    if reply.gzip {
        builder = builder.header(header::CONTENT_ENCODING, "gzip");
    }
    builder.body(body).unwrap_or_else(|_| {
        let mut r = Response::new(BodyExt::boxed_unsync(
            Full::new(Bytes::new()).map_err(|never| match never {}),
        ));
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}

// ---------------------------------------------------------------------------------------------
// Tokens.

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

fn issue_token(shared: &Shared, principal: Principal, subject: &str) -> (String, u64) {
    let now = crate::clock::Clock::System.now().timestamp();
    let ttl = shared.token_ttl.as_secs();
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
            expires_at: Instant::now() + shared.token_ttl,
            uses: 0,
        },
    );
    (token, ttl)
}

fn merchant_token(shared: &Shared, headers: &HeaderMap) -> Reply {
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

fn partner_token(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Reply {
    let basic = header_str(headers, "authorization")
        .and_then(|v| v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic ")))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let Some((id, secret)) = basic.as_deref().and_then(|s| s.split_once(':')) else {
        return unauthorized("Missing or malformed Basic authorization with the accounting keys.");
    };
    let partner = shared.world.partner();
    if partner.client_id != id || partner.client_secret != secret {
        return unauthorized("Invalid client_id or client_secret.");
    }
    let grant = url::form_urlencoded::parse(body)
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.into_owned());
    if grant.as_deref() != Some("client_credentials") {
        return problem(
            StatusCode::BAD_REQUEST,
            "grant_type must be client_credentials.",
            "/miami/v1/token",
            shared.context_id(),
        );
    }
    let (token, ttl) = issue_token(shared, Principal::Partner, id);
    Reply::json(
        StatusCode::OK,
        &serde_json::json!({ "access_token": token, "expires_in": ttl, "token_type": "Bearer" }),
    )
}

/// Checks what production checks: "Bearer <token>", a live token, and the subscription key of a merchant token.
fn authorize(shared: &Shared, headers: &HeaderMap) -> Result<Principal, Reply> {
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

// ---------------------------------------------------------------------------------------------
// Ledgers, dates, feed.

fn query_value<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn encode_cursor(s: &str) -> String {
    B64.encode(s)
}

fn decode_cursor(c: &str, prefix: &str) -> Option<String> {
    let raw = String::from_utf8(B64.decode(c.trim()).ok()?).ok()?;
    raw.strip_prefix(prefix).map(str::to_string)
}

fn bad_cursor(shared: &Shared, path: &str) -> Reply {
    problem(
        StatusCode::BAD_REQUEST,
        "The cursor is not valid.",
        path,
        shared.context_id(),
    )
}

fn ledgers(shared: &Shared, who: Principal, query: &[(String, String)]) -> Reply {
    let path = "/settlement/v1/ledgers";
    let wanted: Vec<String> = query
        .iter()
        .filter(|(k, _)| k == "settlesForRecipientHandles")
        .flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_string()).collect::<Vec<_>>())
        .filter(|s| !s.is_empty())
        .collect();
    let visible: Vec<_> = shared
        .world
        .ledgers()
        .into_iter()
        .filter(|l| shared.can_see(who, &l.ledger_id))
        .filter(|l| wanted.is_empty() || l.settles_for_recipient_handles.iter().any(|h| wanted.contains(h)))
        .collect();
    let offset = match query_value(query, "cursor").filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => match decode_cursor(c, "ledgers:").and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => n,
            None => return bad_cursor(shared, path),
        },
    };
    let end = (offset + shared.ledgers_page_size).min(visible.len());
    let items = visible.get(offset.min(end)..end).unwrap_or_default();
    let cursor = if end < visible.len() {
        encode_cursor(&format!("ledgers:{end}"))
    } else {
        String::new()
    };
    Reply::json(
        StatusCode::OK,
        &serde_json::json!({ "items": items, "cursor": cursor }),
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireEntry<'a> {
    psp_reference: &'a str,
    time: String,
    ledger_date: String,
    entry_type: &'a str,
    reference: &'a str,
    currency: &'a str,
    amount: i64,
    balance_before: i64,
    balance_after: i64,
    recipient_handle: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    masked_phone_no: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
}

fn wire<'a>(world: &World, e: &'a Entry, gdpr: bool) -> WireEntry<'a> {
    WireEntry {
        psp_reference: &e.psp_reference,
        time: world.format_time(&e.ledger_id, e.time),
        ledger_date: e.ledger_date.format("%Y-%m-%d").to_string(),
        entry_type: e.entry_type.as_str(),
        reference: &e.reference,
        currency: &e.currency,
        amount: e.amount,
        balance_before: e.balance_before,
        balance_after: e.balance_after,
        recipient_handle: e.recipient_handle.as_deref(),
        name: e.name.as_deref().filter(|_| gdpr),
        masked_phone_no: e.masked_phone_no.as_deref().filter(|_| gdpr),
        message: e.message.as_deref().filter(|_| gdpr),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DatePage<'a> {
    items: Vec<WireEntry<'a>>,
    has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    cursor: Option<String>,
    try_later: bool,
}

fn is_settlement(t: &EntryType) -> bool {
    matches!(
        t,
        EntryType::FeesRetained | EntryType::PayoutScheduled | EntryType::FeesInvoiced
    )
}

/// How much of a date is visible: all of a closed date; of today, the activity so far; of later dates, nothing.
fn visible_len(entries: &[Entry], date: NaiveDate, today: NaiveDate) -> usize {
    if date < today {
        entries.len()
    } else if date == today {
        let now = crate::clock::Clock::System.now();
        entries
            .iter()
            .take_while(|e| e.time <= now && !is_settlement(&e.entry_type))
            .count()
    } else {
        0
    }
}

fn wants_gdpr(query: &[(String, String)]) -> bool {
    query_value(query, "includeGDPRSensitiveData").is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

async fn dates(
    shared: &Shared,
    who: Principal,
    (ledger_id, topic, date): (&str, &str, &str),
    query: &[(String, String)],
    path: &str,
    empty_page: bool,
) -> Reply {
    if !shared.can_see(who, ledger_id) {
        return problem(
            StatusCode::NOT_FOUND,
            &format!("Ledger {ledger_id} was not found or is not available to these credentials."),
            path,
            shared.context_id(),
        );
    }
    let Some(topic) = Topic::parse(topic) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "The topic must be funds or fees.",
            path,
            shared.context_id(),
        );
    };
    let Ok(date) = NaiveDate::parse_from_str(date, "%Y-%m-%d") else {
        return problem(
            StatusCode::BAD_REQUEST,
            "The date must be YYYY-MM-DD.",
            path,
            shared.context_id(),
        );
    };
    let offset = match query_value(query, "cursor").filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => match decode_cursor(c, "page:").and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => n,
            None => return bad_cursor(shared, path),
        },
    };
    let today = shared.today();
    let Some(day) = shared.day(ledger_id, date).await else {
        return server_error(
            10001,
            "The report could not be produced. Please try again.",
            shared.context_id(),
        );
    };
    let entries = day.topic(topic);
    let len = visible_len(entries, date, today);
    let start = offset.min(len);
    let end = (offset + shared.page_size).min(len);
    if empty_page && start < len {
        // Production sometimes answers "more to come" with nothing in it; the cursor stays put.
        let page = DatePage {
            items: Vec::new(),
            has_more: true,
            cursor: Some(encode_cursor(&format!("page:{offset}"))),
            try_later: date >= today,
        };
        return Reply::json(StatusCode::OK, &page);
    }
    let gdpr = wants_gdpr(query);
    let items: Vec<WireEntry> = entries[start..end]
        .iter()
        .map(|e| wire(&shared.world, e, gdpr))
        .collect();
    // A full page says "more", even when nothing follows: production can answer with an empty last page.
    let has_more = items.len() == shared.page_size && offset + shared.page_size <= len;
    let page = DatePage {
        items,
        has_more,
        cursor: has_more.then(|| encode_cursor(&format!("page:{}", offset + shared.page_size))),
        try_later: date >= today,
    };
    Reply::json(StatusCode::OK, &page)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FeedPage<'a> {
    items: Vec<WireEntry<'a>>,
    cursor: String,
    try_later: bool,
}

async fn feed(
    shared: &Shared,
    who: Principal,
    ledger_id: &str,
    topic: &str,
    query: &[(String, String)],
    path: &str,
) -> Reply {
    if !shared.can_see(who, ledger_id) {
        return problem(
            StatusCode::NOT_FOUND,
            &format!("Ledger {ledger_id} was not found or is not available to these credentials."),
            path,
            shared.context_id(),
        );
    }
    let Some(topic) = Topic::parse(topic) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "The topic must be funds or fees.",
            path,
            shared.context_id(),
        );
    };
    let first = shared
        .world
        .ledger_profile(ledger_id)
        .map(|p| p.first_date)
        .unwrap_or(super::data::DATA_START);
    let (mut date, mut offset) = match query_value(query, "cursor").filter(|c| !c.is_empty()) {
        None => (first, 0usize),
        Some(c) => {
            let pos = decode_cursor(c, "feed:").and_then(|s| {
                let (d, o) = s.split_once('/')?;
                Some((
                    NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?,
                    o.parse::<usize>().ok()?,
                ))
            });
            match pos {
                Some(p) => p,
                None => return bad_cursor(shared, path),
            }
        }
    };
    let today = shared.today();
    let mut taken: Vec<(Arc<DayEntries>, usize, usize)> = Vec::new();
    let mut count = 0usize;
    let mut at_end = false;
    for _ in 0..FEED_MAX_DATES_PER_PAGE {
        if date >= today {
            at_end = true;
            break;
        }
        let Some(day) = shared.day(ledger_id, date).await else {
            return server_error(
                10001,
                "The feed could not be produced. Please try again.",
                shared.context_id(),
            );
        };
        let len = day.topic(topic).len();
        let end = (offset + shared.page_size - count).min(len);
        if end > offset {
            count += end - offset;
            taken.push((day.clone(), offset, end));
        }
        if end >= len {
            date = date.succ_opt().unwrap_or(date);
            offset = 0;
        } else {
            offset = end;
        }
        if count >= shared.page_size {
            break;
        }
    }
    let gdpr = wants_gdpr(query);
    let items: Vec<WireEntry> = taken
        .iter()
        .flat_map(|(day, s, e)| day.topic(topic)[*s..*e].iter())
        .map(|e| wire(&shared.world, e, gdpr))
        .collect();
    let page = FeedPage {
        items,
        cursor: encode_cursor(&format!("feed:{}/{offset}", date.format("%Y-%m-%d"))),
        try_later: at_end,
    };
    Reply::json(StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_the_production_paths() {
        assert!(matches!(
            route(&Method::POST, "/accesstoken/get"),
            Some(Route::MerchantToken)
        ));
        assert!(matches!(
            route(&Method::POST, "/miami/v1/token"),
            Some(Route::PartnerToken)
        ));
        assert!(matches!(
            route(&Method::GET, "/settlement/v1/ledgers"),
            Some(Route::Ledgers)
        ));
        assert!(matches!(
            route(&Method::GET, "/report/v2/ledgers/12345/funds/dates/2022-10-01"),
            Some(Route::Dates { .. })
        ));
        assert!(matches!(
            route(&Method::GET, "/report/v2/ledgers/12345/fees/feed"),
            Some(Route::Feed { .. })
        ));
        assert!(route(&Method::GET, "/accesstoken/get").is_none());
    }

    #[test]
    fn cursors_round_trip_and_reject_foreign_ones() {
        let c = encode_cursor("page:2000");
        assert_eq!(decode_cursor(&c, "page:").as_deref(), Some("2000"));
        assert_eq!(decode_cursor(&c, "feed:"), None);
        assert_eq!(decode_cursor("!!!", "page:"), None);
    }
}
