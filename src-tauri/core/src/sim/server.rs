//! The simulator's HTTP side: the shared state, the request pipeline (route, count, latency,
//! fault, answer) and production's error shapes. Served with hyper directly (axum's router has no
//! way to close a connection without an answer). The parts: [`tokens`] (auth), [`paging`]
//! (cursors and request checks every data endpoint shares), [`report`] (Report API endpoints),
//! [`sales`] (Sales API), [`delivery`] (gzip and body faults).

mod delivery;
mod paging;
mod report;
#[path = "sales.rs"]
pub mod sales;
mod tokens;

use super::data::{DayEntries, World};
use super::faults::{FaultEndpoint, FaultKind, FaultPlan, FaultSpec};
use super::rng::{mix, GOLDEN_GAMMA};
use super::{SimConfig, SimStats};
use crate::model::Topic;
use bytes::Bytes;
use chrono::NaiveDate;
use delivery::{compress, deliver};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{combinators::UnsyncBoxBody, BodyExt};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use report::{dates, feed, ledgers};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokens::{authorize, header_str, merchant_token, partner_token, TokenInfo};

/// A generated date, keyed by (ledger, date), in the small LRU of recent dates.
type CachedDay = ((String, NaiveDate), Arc<DayEntries>);

pub(crate) type SimBody = UnsyncBoxBody<Bytes, std::io::Error>;

const DAY_CACHE_DATES: usize = 6;
const DAY_CACHE_ENTRIES: usize = 150_000;
/// The firm world: a month-end asks for up to 10 dates at once across 200 ledgers, each date's
/// pages one after another, so the cache keeps as many dates as are in flight (ten bulk dates
/// of 66,000 entries included). A smaller cache made every page of a bulk date generate the whole
/// date again: most of a month-end benchmark's time and memory was the simulator's.
const FIRM_DAY_CACHE_DATES: usize = 64;
const FIRM_DAY_CACHE_ENTRIES: usize = 700_000;
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

/// Everything the connection tasks share.
pub(crate) struct Shared {
    world: Arc<World>,
    page_size: usize,
    ledgers_page_size: usize,
    latency_ms: u64,
    token_ttl: Duration,
    partner_token_ttl: Duration,
    faults: FaultPlan,
    today: Mutex<NaiveDate>,
    tokens: Mutex<HashMap<String, TokenInfo>>,
    stats: Mutex<SimStats>,
    days: Mutex<VecDeque<CachedDay>>,
    /// The day cache's bounds: dates and entries.
    day_cache: (usize, usize),
    counter: AtomicU64,
    /// Requests being answered right now (the most at once is `SimStats::max_in_flight`).
    in_flight: AtomicU64,
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
            partner_token_ttl: Duration::from_secs(config.partner_token_ttl_secs.max(1)),
            faults: FaultPlan::new(spec, config.seed),
            today: Mutex::new(config.today),
            tokens: Mutex::new(HashMap::new()),
            stats: Mutex::new(SimStats::default()),
            days: Mutex::new(VecDeque::new()),
            day_cache: if config.firm {
                (FIRM_DAY_CACHE_DATES, FIRM_DAY_CACHE_ENTRIES)
            } else {
                (DAY_CACHE_DATES, DAY_CACHE_ENTRIES)
            },
            counter: AtomicU64::new(1),
            in_flight: AtomicU64::new(0),
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
        days.truncate(self.day_cache.0);
        // Bulk dates are large (33,000 entries a topic): bound the cache by entries too.
        while days.len() > 1
            && days
                .iter()
                .map(|(_, d)| d.funds.len() + d.fees.len())
                .sum::<usize>()
                > self.day_cache.1
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
            Principal::Partner => self.world.partner_ledger_ids(),
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
    /// Sent as `Vipps-Feed-Page-Size` on report and feed pages.
    page_size: Option<usize>,
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
            page_size: None,
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

/// Counts one request in flight while it is answered (latency included).
struct InFlight(Arc<Shared>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<SimBody>, std::io::Error> {
    let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    {
        let mut stats = lock(&shared.stats);
        stats.max_in_flight = stats.max_in_flight.max(now);
    }
    let _counted = InFlight(shared.clone());
    answer(shared, req).await
}

async fn answer(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<SimBody>, std::io::Error> {
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
    count_request(&shared, &route);
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
        Some(kind) => fault_reply(&shared, kind, &path),
        None => None,
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

/// The request counters tests read (every page counts).
fn count_request(shared: &Shared, route: &Route) {
    let mut stats = lock(&shared.stats);
    match route {
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

/// The answer a fault gives instead of the handler's, for the faults that answer at once.
fn fault_reply(shared: &Shared, kind: FaultKind, path: &str) -> Option<Reply> {
    match kind {
        FaultKind::RateLimited => {
            let secs = shared.faults.spec.retry_after_secs;
            let mut r = problem(
                StatusCode::TOO_MANY_REQUESTS,
                &format!("Rate limit is exceeded. Try again in {secs} seconds."),
                path,
                shared.context_id(),
            );
            r.retry_after = Some(secs);
            Some(r)
        }
        FaultKind::ServerError => Some(server_error(
            10001,
            "An unknown error occurred. Please try again later.",
            shared.context_id(),
        )),
        FaultKind::ValidationError => Some(server_error(
            10002,
            "Input validation failed: the request is not valid.",
            shared.context_id(),
        )),
        FaultKind::BadRequest => Some(problem(
            StatusCode::BAD_REQUEST,
            "One or more validation errors occurred.",
            path,
            shared.context_id(),
        )),
        _ => None,
    }
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
}
