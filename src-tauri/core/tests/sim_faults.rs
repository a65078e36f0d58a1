//! Injected faults over real HTTP: each kind has production's shape, decisions follow the seed,
//! and a client that retries gets every entry in the end.

use avstem_core::model::Topic;
use avstem_core::sim::{self, demo, SimConfig, SimHandle};
use chrono::NaiveDate;
use serde_json::Value;
use std::time::{Duration, Instant};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

async fn start(faults: &str) -> SimHandle {
    sim::start(SimConfig {
        seed: 7,
        today: d("2026-11-25"),
        faults: faults.to_string(),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

async fn partner_token(http: &reqwest::Client, base: &str) -> String {
    for _ in 0..20 {
        let resp = http
            .post(format!("{base}/miami/v1/token"))
            .basic_auth(demo::PARTNER_CLIENT_ID, Some(demo::PARTNER_CLIENT_SECRET))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await;
        if let Ok(resp) = resp {
            if resp.status() == 200 {
                if let Ok(body) = resp.json::<Value>().await {
                    return body["access_token"].as_str().expect("token").to_string();
                }
            }
        }
    }
    panic!("no token after 20 attempts");
}

fn date_url(sim: &SimHandle, ledger: &str, date: &str) -> String {
    format!("{}/report/v2/ledgers/{ledger}/funds/dates/{date}", sim.base_url())
}

#[tokio::test]
async fn rate_limiting_answers_429_with_retry_after() {
    let sim = start("report:429=1,retry-after=0").await;
    let http = client();
    let token = partner_token(&http, &sim.base_url()).await;
    let resp = http
        .get(date_url(&sim, "302321", "2023-01-02"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("response");
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "0");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["status"], 429);
    assert_eq!(sim.stats().faults_by_kind.get("429"), Some(&1));
    sim.shutdown().await;
}

#[tokio::test]
async fn server_errors_carry_error_code_and_a_context_id() {
    for (spec, code) in [("report:500=1", 10001), ("report:10002=1", 10002)] {
        let sim = start(spec).await;
        let http = client();
        let token = partner_token(&http, &sim.base_url()).await;
        let resp = http
            .get(date_url(&sim, "302321", "2023-01-02"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("response");
        assert_eq!(resp.status(), 500);
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["errorCode"], code);
        assert!(body["errorMessage"].as_str().is_some_and(|m| !m.is_empty()));
        let ctx = body["contextId"].as_str().expect("contextId");
        assert_eq!(ctx.len(), 36, "uuid-like: {ctx}");
        assert_eq!(ctx.matches('-').count(), 4);
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn a_validation_fault_is_a_400_problem() {
    let sim = start("ledgers:400=1").await;
    let http = client();
    let token = partner_token(&http, &sim.base_url()).await;
    let resp = http
        .get(format!("{}/settlement/v1/ledgers", sim.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .expect("response");
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["status"], 400);
    assert!(body["traceId"].is_string());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_cut_body_fails_mid_json_and_a_dropped_connection_sends_nothing() {
    let sim = start("report:cut=1").await;
    let http = client();
    let token = partner_token(&http, &sim.base_url()).await;
    let resp = http
        .get(date_url(&sim, "302321", "2023-01-02"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("headers arrive");
    assert_eq!(resp.status(), 200);
    assert!(resp.bytes().await.is_err(), "the body is cut off");
    sim.shutdown().await;

    let sim = start("report:drop=1").await;
    let token = partner_token(&http, &sim.base_url()).await;
    let err = http
        .get(date_url(&sim, "302321", "2023-01-02"))
        .bearer_auth(&token)
        .send()
        .await
        .expect_err("no answer");
    assert!(!err.is_timeout(), "closed, not timed out: {err}");
    assert_eq!(sim.stats().faults_by_kind.get("drop"), Some(&1));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_slow_body_trickles_but_arrives_whole() {
    let sim = start("report:slow=1,slow-ms=15").await;
    let http = client();
    let token = partner_token(&http, &sim.base_url()).await;
    let started = Instant::now();
    let body: Value = http
        .get(date_url(&sim, "302321", "2023-01-02"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("response")
        .json()
        .await
        .expect("whole json");
    let expected = sim.world().entries("302321", Topic::Funds, d("2023-01-02"));
    assert_eq!(body["items"].as_array().map(Vec::len), Some(expected.len()));
    assert!(
        started.elapsed() >= Duration::from_millis(15 * 5),
        "took {:?}",
        started.elapsed()
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_token_wears_out_after_n_calls_and_a_fresh_one_works() {
    let sim = start("token:expire-after=2").await;
    let http = client();
    let token = partner_token(&http, &sim.base_url()).await;
    let url = format!("{}/settlement/v1/ledgers", sim.base_url());
    let statuses: Vec<u16> = {
        let mut out = Vec::new();
        for _ in 0..3 {
            out.push(
                http.get(&url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("response")
                    .status()
                    .as_u16(),
            );
        }
        out
    };
    assert_eq!(statuses, [200, 200, 401]);
    let fresh = partner_token(&http, &sim.base_url()).await;
    assert_eq!(
        http.get(&url)
            .bearer_auth(&fresh)
            .send()
            .await
            .expect("response")
            .status(),
        200
    );
    assert_eq!(sim.stats().partner_token_requests, 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn latency_is_added_globally_and_per_endpoint() {
    let sim = sim::start(SimConfig {
        seed: 1,
        today: d("2026-11-25"),
        latency_ms: 30,
        faults: "ledgers:latency=60".into(),
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let http = client();
    let token = partner_token(&http, &sim.base_url()).await;
    let started = Instant::now();
    let resp = http
        .get(format!("{}/settlement/v1/ledgers", sim.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .expect("ok");
    assert_eq!(resp.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(90),
        "{:?}",
        started.elapsed()
    );
    sim.shutdown().await;
}

/// Fetches all pages of one date, retrying each page on any fault, like a sync would.
async fn fetch_date_with_retries(http: &reqwest::Client, sim: &SimHandle, url: &str) -> (Vec<Value>, u32) {
    let mut token = partner_token(http, &sim.base_url()).await;
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let mut retries = 0;
    loop {
        let mut attempt = 0;
        let page: Value = loop {
            attempt += 1;
            assert!(attempt < 20, "a page never succeeded");
            let mut req = http.get(url).bearer_auth(&token);
            if let Some(c) = &cursor {
                req = req.query(&[("cursor", c)]);
            }
            let resp = match req.send().await {
                Ok(r) => r,
                Err(_) => {
                    retries += 1;
                    continue;
                }
            };
            if resp.status() == 401 {
                token = partner_token(http, &sim.base_url()).await;
                retries += 1;
                continue;
            }
            if resp.status() != 200 {
                retries += 1;
                continue;
            }
            match resp.json::<Value>().await {
                Ok(v) => break v,
                Err(_) => {
                    retries += 1;
                    continue;
                }
            }
        };
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        if page["hasMore"] != true {
            return (items, retries);
        }
        cursor = Some(page["cursor"].as_str().expect("cursor").to_string());
    }
}

#[tokio::test]
async fn a_faulty_server_still_yields_every_entry_to_a_client_that_retries() {
    let spec = "report:500=0.2,report:429=0.15,report:cut=0.1,report:drop=0.1,report:10002=0.05,token:expire-after=7,retry-after=0";
    let sim = sim::start(SimConfig {
        seed: 99,
        today: d("2026-11-25"),
        faults: spec.into(),
        page_size: 5,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let http = client();
    let mut total = 0;
    let mut retries = 0;
    for date in ["2023-05-05", "2023-05-06", "2023-05-07"] {
        let (items, r) = fetch_date_with_retries(&http, &sim, &date_url(&sim, "302321", date)).await;
        retries += r;
        let expected = sim.world().entries("302321", Topic::Funds, d(date));
        assert_eq!(items.len(), expected.len());
        for (got, want) in items.iter().zip(&expected) {
            assert_eq!(got["pspReference"], want.psp_reference.as_str());
            assert_eq!(got["balanceAfter"], want.balance_after);
        }
        total += items.len();
    }
    let stats = sim.stats();
    assert!(total > 60, "{total} entries");
    assert!(stats.faults_injected >= 10, "{stats:?}");
    assert_eq!(u64::from(retries), stats.faults_injected + stats.unauthorized);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_same_seed_gives_the_same_fault_sequence() {
    async fn statuses(seed: u64) -> Vec<u16> {
        let sim = sim::start(SimConfig {
            seed,
            today: d("2026-11-25"),
            faults: "ledgers:500=0.3,ledgers:429=0.3,max-consecutive=0".into(),
            ..SimConfig::default()
        })
        .await
        .expect("sim");
        let http = client();
        let token = partner_token(&http, &sim.base_url()).await;
        let mut out = Vec::new();
        for _ in 0..30 {
            let url = format!("{}/settlement/v1/ledgers", sim.base_url());
            out.push(
                http.get(url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("response")
                    .status()
                    .as_u16(),
            );
        }
        sim.shutdown().await;
        out
    }
    let a = statuses(5).await;
    assert_eq!(a, statuses(5).await);
    assert_ne!(a, statuses(6).await);
    assert!(a.contains(&200) && a.contains(&500) && a.contains(&429), "{a:?}");
}

#[tokio::test]
async fn a_bad_fault_spec_is_refused_at_start() {
    let err = sim::start(SimConfig {
        faults: "report:teapot=0.5".into(),
        ..SimConfig::default()
    })
    .await
    .err()
    .expect("refused");
    assert!(err.to_string().contains("teapot"), "{err}");
}

#[tokio::test]
async fn an_empty_page_says_has_more_and_its_cursor_leads_to_the_same_entries() {
    let sim = start("report:empty=1").await;
    let http = client();
    let token = partner_token(&http, &sim.base_url()).await;
    let url = date_url(&sim, "302321", "2023-01-02");
    let page: Value = http
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("response")
        .json()
        .await
        .expect("json");
    assert_eq!(page["items"].as_array().map(Vec::len), Some(0));
    assert_eq!(page["hasMore"], true);
    let cursor = page["cursor"].as_str().expect("cursor").to_string();
    // p = 1 keeps answering empty: the cursor must point at the same place every time.
    let again: Value = http
        .get(&url)
        .query(&[("cursor", &cursor)])
        .bearer_auth(&token)
        .send()
        .await
        .expect("response")
        .json()
        .await
        .expect("json");
    assert_eq!(again["cursor"], cursor.as_str());
    assert_eq!(sim.stats().faults_by_kind.get("empty"), Some(&2));
    sim.shutdown().await;
}
