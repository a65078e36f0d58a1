//! Volume: the bulk ledger's big dates are served page by page from one generation, and a
//! ledger-month of over 1,000,000 funds entries exists without being held in memory.

use avstem_core::model::Topic;
use avstem_core::sim::data::{World, BULK_LEDGER_ID};
use avstem_core::sim::{self, demo, SimConfig};
use chrono::NaiveDate;
use serde_json::Value;
use std::time::Instant;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// Serves one bulk date over HTTP with the bench merchant's keys; returns (entries, pages, seconds).
async fn serve_bulk_date(per_day: u32, date: &str) -> (Vec<Value>, u32, f64, u64) {
    let sim = sim::start(SimConfig {
        seed: 3,
        today: d("2026-11-25"),
        bulk_entries_per_day: per_day,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{}/accesstoken/get", sim.base_url()))
        .header("client_id", demo::BENCH_CLIENT_ID)
        .header("client_secret", demo::BENCH_CLIENT_SECRET)
        .header("Ocp-Apim-Subscription-Key", demo::BENCH_SUBSCRIPTION_KEY)
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let token = token["access_token"].as_str().expect("token").to_string();
    let url = format!(
        "{}/report/v2/ledgers/{BULK_LEDGER_ID}/funds/dates/{date}",
        sim.base_url()
    );
    let started = Instant::now();
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut req = http
            .get(&url)
            .bearer_auth(&token)
            .header("Ocp-Apim-Subscription-Key", demo::BENCH_SUBSCRIPTION_KEY);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c)]);
        }
        let page: Value = req.send().await.expect("page").json().await.expect("json");
        pages += 1;
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        if page["hasMore"] != true {
            break;
        }
        cursor = page["cursor"].as_str().map(str::to_string);
    }
    let secs = started.elapsed().as_secs_f64();
    let generated = sim.stats().dates_generated;
    sim.shutdown().await;
    (items, pages, secs, generated)
}

fn assert_chain(items: &[Value]) {
    let mut balance = 0;
    for e in items {
        assert_eq!(e["balanceBefore"], balance);
        let after = e["balanceAfter"].as_i64().expect("after");
        assert_eq!(
            after,
            e["balanceBefore"].as_i64().expect("before") + e["amount"].as_i64().expect("amount")
        );
        balance = after;
    }
    assert_eq!(balance, 0, "the payout empties the balance");
    assert_eq!(
        items.last().map(|e| e["entryType"].clone()),
        Some(Value::from("payout-scheduled"))
    );
}

#[tokio::test]
async fn a_five_thousand_entry_date_is_generated_once_and_served_in_pages() {
    let (items, pages, secs, generated) = serve_bulk_date(5_000, "2026-10-14").await;
    assert_eq!(items.len(), 5_000);
    assert_eq!(pages, 6, "five full pages and the empty one after hasMore");
    assert_eq!(generated, 1, "paging reuses the generated date");
    assert_chain(&items);
    println!("5,000-entry date over HTTP: {pages} pages in {secs:.3} s");
}

/// `cargo test -p avstem-core --test sim_bulk -- --ignored --nocapture` prints the figures.
#[tokio::test]
#[ignore = "volume measurement: 33,334 entries a date, a 1,000,000-entry month"]
async fn a_33_000_entry_date_over_http_and_a_million_entry_month() {
    let (items, pages, secs, generated) = serve_bulk_date(33_334, "2026-10-14").await;
    assert_eq!(items.len(), 33_334);
    assert_eq!(pages, 34);
    assert_eq!(generated, 1);
    assert_chain(&items);
    println!("33,334-entry date generated once and served over HTTP in {pages} pages: {secs:.2} s");

    let world = World::with_bulk(3, d("2026-11-25"), 33_334);
    let started = Instant::now();
    let mut month = 0usize;
    for day in 1..=31 {
        let date = NaiveDate::from_ymd_opt(2026, 10, day).expect("date");
        month += world.entries(BULK_LEDGER_ID, Topic::Funds, date).len();
    }
    assert!(month >= 1_000_000, "{month}");
    println!(
        "October 2026 on ledger 900001: {month} funds entries generated date by date in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
