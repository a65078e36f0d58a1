//! Shared pieces for the client tests: tiny servers on 127.0.0.1 that answer exactly what a
//! test scripts, the example-day fixtures, and keys with a sentinel secret to hunt for.
#![allow(dead_code)]

use avstem_core::api::{ClientConfig, Credentials};
use avstem_core::model::{Entry, EntryType};
use avstem_core::secrets::Secret;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub const FUNDS: &str = include_str!("../fixtures/doc-example-2022-10-01/funds.json");
pub const FEES: &str = include_str!("../fixtures/doc-example-2022-10-01/fees.json");
pub const LEDGERS: &str = include_str!("../fixtures/doc-example-2022-10-01/ledgers.json");

/// Appears in no answer and no error, ever.
pub const SENTINEL_SECRET: &str = "sentinel-secret-7f3a";
pub const SENTINEL_SUBSCRIPTION: &str = "sentinel-subkey-91bc";
pub const SENTINEL_TOKEN_PREFIX: &str = "sentinel-token-";

pub fn merchant() -> Credentials {
    Credentials::Merchant {
        client_id: "merchant-id".into(),
        client_secret: Secret::new(SENTINEL_SECRET),
        subscription_key: Secret::new(SENTINEL_SUBSCRIPTION),
        msn: Some("123455".into()),
    }
}

pub fn partner() -> Credentials {
    Credentials::Partner {
        client_id: "partner-id".into(),
        client_secret: Secret::new(SENTINEL_SECRET),
    }
}

/// Short waits so fault tests take milliseconds, not minutes.
pub fn quick() -> ClientConfig {
    ClientConfig {
        timeout: Duration::from_secs(3),
        max_retries: 3,
        base_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_secs(3),
        ..ClientConfig::default()
    }
}

/// Serve `router` on a random loopback port; the server lives as long as the test's runtime.
pub async fn serve(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

/// Counts calls; clones share the count.
#[derive(Clone, Default)]
pub struct Hits(Arc<AtomicUsize>);

impl Hits {
    /// Count this call and return its index (0 for the first).
    pub fn next(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst)
    }
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// One request as the server saw it: headers and the raw query (or a form body).
pub type SeenRequest = (HeaderMap, Option<String>);

/// Requests the server saw, in order.
#[derive(Clone, Default)]
pub struct Seen(Arc<Mutex<Vec<SeenRequest>>>);

impl Seen {
    pub fn push(&self, headers: &HeaderMap, query: Option<String>) {
        if let Ok(mut v) = self.0.lock() {
            v.push((headers.clone(), query));
        }
    }
    pub fn all(&self) -> Vec<SeenRequest> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
    pub fn queries(&self) -> Vec<String> {
        self.all()
            .into_iter()
            .map(|(_, q)| q.unwrap_or_default())
            .collect()
    }
}

/// A token answer in the merchant shape, numbers as strings as production sends them.
/// Each call gets a new token so a refresh is visible.
pub fn token_json(n: usize, expires_in: &str) -> String {
    format!(
        r#"{{"token_type":"Bearer","expires_in":"{expires_in}","ext_expires_in":"{expires_in}",
            "expires_on":"4102444800","not_before":"1700000000","resource":"00000002-0000-0000-c000-000000000000",
            "access_token":"{SENTINEL_TOKEN_PREFIX}{n}"}}"#
    )
}

pub fn json(status: StatusCode, body: impl Into<String>) -> Response {
    (status, [("content-type", "application/json")], body.into()).into_response()
}

pub fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// A page of `n` synthetic captures starting at `first` (balances chain from `first * 100`).
pub fn captures_page(first: usize, n: usize, has_more: bool, cursor: &str) -> String {
    let items: Vec<String> = (first..first + n)
        .map(|i| {
            let before = i as i64 * 100;
            format!(
                r#"{{"pspReference":"psp-{i}","time":"2022-10-01T12:00:00.000000Z","ledgerDate":"2022-10-01",
                    "entryType":"capture","reference":"order-{i}","currency":"NOK","amount":100,
                    "balanceBefore":{before},"balanceAfter":{},"recipientHandle":"NO:57860",
                    "name":"Kari","maskedPhoneNo":"xxx xx 123","message":"hei"}}"#,
                before + 100
            )
        })
        .collect();
    format!(
        r#"{{"items":[{}],"hasMore":{has_more},"cursor":"{cursor}","tryLater":false}}"#,
        items.join(",")
    )
}

/// What a raw-socket server does with one API request.
#[derive(Clone, Debug)]
pub enum Raw {
    /// Close the connection without a byte.
    Drop,
    /// Read the request and never answer.
    Hang,
    /// Send a 200 announcing `announced` bytes of JSON and then only `body`, then close.
    Cut { body: String, announced: usize },
    /// A complete 200 JSON answer.
    Json(String),
}

/// A server below HTTP for the faults a framework will not produce: token calls are answered,
/// API calls follow `script` in order (the last step repeats).
pub async fn serve_raw(script: Vec<Raw>, api_hits: Hits) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let script = Arc::new(script);
    tokio::spawn(async move {
        let token_hits = Hits::default();
        while let Ok((mut sock, _)) = listener.accept().await {
            let script = script.clone();
            let api_hits = api_hits.clone();
            let token_hits = token_hits.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let reply = |body: &str| {
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                if head.starts_with("POST /accesstoken/get") {
                    let body = token_json(token_hits.next(), "3600");
                    let _ = sock.write_all(reply(&body).as_bytes()).await;
                    return;
                }
                let i = api_hits.next();
                let step = script.get(i).or(script.last()).cloned().unwrap_or(Raw::Drop);
                match step {
                    Raw::Drop => drop(sock),
                    Raw::Hang => {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                    }
                    Raw::Cut { body, announced } => {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {announced}\r\nconnection: close\r\n\r\n"
                        );
                        let _ = sock.write_all(head.as_bytes()).await;
                        let _ = sock.write_all(body.as_bytes()).await;
                        let _ = sock.flush().await;
                    }
                    Raw::Json(body) => {
                        let _ = sock.write_all(reply(&body).as_bytes()).await;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

/// Both token endpoints on `router`, each call counted in `tokens`, the request seen in `seen`
/// (with the form body in place of the query). Tokens live `expires_in` seconds.
pub fn with_tokens(router: Router, tokens: Hits, seen: Seen, expires_in: &'static str) -> Router {
    let handler = move |headers: HeaderMap, body: String| {
        let tokens = tokens.clone();
        let seen = seen.clone();
        async move {
            seen.push(&headers, Some(body));
            json(StatusCode::OK, token_json(tokens.next(), expires_in))
        }
    };
    router
        .route("/accesstoken/get", axum::routing::post(handler.clone()))
        .route("/miami/v1/token", axum::routing::post(handler))
}

/// The figures of report-api.md §9, shared with the simulator test.
pub fn assert_example_day(funds: &[Entry], fees: &[Entry]) {
    let sum = |es: &[Entry], t: EntryType| -> i64 {
        es.iter().filter(|e| e.entry_type == t).map(|e| e.amount).sum()
    };
    assert_eq!(funds.len(), 6);
    assert_eq!(fees.len(), 4);
    assert_eq!(sum(funds, EntryType::Capture), 40000, "sales");
    assert_eq!(sum(funds, EntryType::Refund), -10000, "refunds");
    assert_eq!(
        sum(funds, EntryType::FeesRetained),
        -1200,
        "fees retained on funds"
    );
    assert_eq!(sum(fees, EntryType::CaptureFee), -1200, "capture fees");
    assert_eq!(sum(fees, EntryType::FeesRetained), 1200, "fees retained on fees");
    let payouts: Vec<_> = funds
        .iter()
        .filter(|e| e.entry_type == EntryType::PayoutScheduled)
        .collect();
    assert_eq!(payouts.len(), 1);
    assert_eq!(payouts[0].amount, -28800);
    assert_eq!(
        avstem_core::model::payout_number(&payouts[0].psp_reference),
        Some(2000023)
    );
    assert_eq!(payouts[0].reference, "Vipps utbet. 2000023 Vippsnr 57860");
    for es in [funds, fees] {
        assert_eq!(es[0].balance_before, 0);
        assert_eq!(es[es.len() - 1].balance_after, 0);
        assert!(es.iter().all(|e| e.balance_after == e.balance_before + e.amount));
        assert!(es.windows(2).all(|w| w[0].balance_after == w[1].balance_before));
        assert!(es
            .iter()
            .enumerate()
            .all(|(i, e)| e.seq as usize == i && e.ledger_id == "12345"));
    }
    let balances: Vec<i64> = funds.iter().map(|e| e.balance_after).collect();
    assert_eq!(balances, vec![10000, 20000, 40000, 30000, 28800, 0]);
    // 16:33:00.824993+0200 is 14:33:00.824993 UTC.
    assert_eq!(funds[0].time.to_rfc3339(), "2022-10-01T14:33:00.824993+00:00");
    assert_eq!(funds[4].recipient_handle, None);
    assert_eq!(funds[0].recipient_handle.as_deref(), Some("NO:57860"));
}
