//! The simulator over real HTTP on 127.0.0.1, with raw reqwest: auth flows, error shapes, paging,
//! tryLater, the documented example day and the injected faults.

use avstem_core::model::Topic;
use avstem_core::sim::{self, demo, SimConfig, SimHandle};
use chrono::NaiveDate;
use serde_json::Value;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn config() -> SimConfig {
    SimConfig {
        seed: 42,
        today: d("2026-11-25"),
        ..SimConfig::default()
    }
}

async fn start(config: SimConfig) -> SimHandle {
    sim::start(config).await.expect("simulator starts")
}

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/doc-example-2022-10-01/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture file")).expect("fixture json")
}

async fn merchant_token(
    http: &reqwest::Client,
    base: &str,
    id: &str,
    secret: &str,
    sub: &str,
) -> reqwest::Response {
    http.post(format!("{base}/accesstoken/get"))
        .header("client_id", id)
        .header("client_secret", secret)
        .header("Ocp-Apim-Subscription-Key", sub)
        .send()
        .await
        .expect("token request")
}

async fn demo_merchant_token(http: &reqwest::Client, base: &str) -> String {
    let resp = merchant_token(
        http,
        base,
        demo::MERCHANT_CLIENT_ID,
        demo::MERCHANT_CLIENT_SECRET,
        demo::MERCHANT_SUBSCRIPTION_KEY,
    )
    .await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("token json");
    body["access_token"].as_str().expect("access_token").to_string()
}

async fn partner_token(http: &reqwest::Client, base: &str) -> String {
    let resp = http
        .post(format!("{base}/miami/v1/token"))
        .basic_auth(demo::PARTNER_CLIENT_ID, Some(demo::PARTNER_CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("partner token request");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["token_type"], "Bearer");
    assert!(
        body["expires_in"].as_u64().is_some(),
        "partner expires_in is a number: {body}"
    );
    body["access_token"].as_str().expect("access_token").to_string()
}

async fn get_partner(http: &reqwest::Client, url: &str, token: &str) -> reqwest::Response {
    http.get(url).bearer_auth(token).send().await.expect("request")
}

async fn get_merchant(http: &reqwest::Client, url: &str, token: &str) -> reqwest::Response {
    http.get(url)
        .bearer_auth(token)
        .header("Ocp-Apim-Subscription-Key", demo::MERCHANT_SUBSCRIPTION_KEY)
        .header("Merchant-Serial-Number", demo::MERCHANT_MSN)
        .send()
        .await
        .expect("request")
}

/// Follows `cursor` until `hasMore` is false; returns every item and the number of pages.
async fn all_pages(http: &reqwest::Client, url: &str, token: &str, gdpr: bool) -> (Vec<Value>, u32, bool) {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut req = http.get(url).bearer_auth(token);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c.as_str())]);
        }
        if gdpr {
            req = req.query(&[("includeGDPRSensitiveData", "true")]);
        }
        let page: Value = req.send().await.expect("page").json().await.expect("page json");
        pages += 1;
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        if page["hasMore"] != true {
            return (items, pages, page["tryLater"] == true);
        }
        cursor = Some(page["cursor"].as_str().expect("cursor with hasMore").to_string());
    }
}

#[tokio::test]
async fn the_documented_example_day_is_served_exactly_as_the_fixture() {
    let sim = start(config()).await;
    let http = reqwest::Client::new();
    let token = partner_token(&http, &sim.base_url()).await;
    for topic in ["funds", "fees"] {
        let url = format!(
            "{}/report/v2/ledgers/12345/{topic}/dates/2022-10-01",
            sim.base_url()
        );
        let served: Value = get_partner(&http, &url, &token).await.json().await.expect("json");
        assert_eq!(
            served,
            fixture(&format!("{topic}.json")),
            "{topic} page differs from the fixture"
        );
    }
    let payout = &fixture("funds.json")["items"][5];
    assert_eq!(payout["amount"], -28800);
    assert_eq!(payout["pspReference"], "12345-2000023");
    sim.shutdown().await;
}

#[tokio::test]
async fn the_partner_sees_nine_ledgers_in_three_currencies_two_a_page() {
    let sim = start(config()).await;
    let http = reqwest::Client::new();
    let token = partner_token(&http, &sim.base_url()).await;
    let mut ids = Vec::new();
    let mut currencies = std::collections::BTreeSet::new();
    let mut cursor = String::new();
    let mut pages = 0;
    loop {
        let mut url = format!("{}/settlement/v1/ledgers", sim.base_url());
        if !cursor.is_empty() {
            url = format!("{url}?cursor={cursor}");
        }
        let page: Value = get_partner(&http, &url, &token).await.json().await.expect("json");
        pages += 1;
        for l in page["items"].as_array().expect("items") {
            ids.push(l["ledgerId"].as_str().expect("id").to_string());
            currencies.insert(l["currency"].as_str().expect("currency").to_string());
        }
        cursor = page["cursor"].as_str().expect("cursor").to_string();
        if cursor.is_empty() {
            break;
        }
    }
    assert_eq!(
        ids,
        ["12345", "302321", "302322", "900001", "402001", "402002", "502001", "502002", "302500"]
    );
    assert_eq!(pages, 5);
    assert_eq!(currencies.into_iter().collect::<Vec<_>>(), ["DKK", "EUR", "NOK"]);

    let url = format!(
        "{}/settlement/v1/ledgers?settlesForRecipientHandles=NO:57860",
        sim.base_url()
    );
    let page: Value = get_partner(&http, &url, &token).await.json().await.expect("json");
    assert_eq!(page["items"], fixture("ledgers.json")["items"]);
    assert_eq!(sim.stats().ledger_requests, 6);
    sim.shutdown().await;
}

#[tokio::test]
async fn merchant_tokens_come_with_numbers_as_strings_and_see_only_their_ledgers() {
    let sim = start(config()).await;
    let http = reqwest::Client::new();
    let resp = merchant_token(
        &http,
        &sim.base_url(),
        demo::MERCHANT_CLIENT_ID,
        demo::MERCHANT_CLIENT_SECRET,
        demo::MERCHANT_SUBSCRIPTION_KEY,
    )
    .await;
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["expires_in"], "86400");
    assert!(body["expires_on"]
        .as_str()
        .is_some_and(|s| s.parse::<i64>().is_ok()));
    let token = body["access_token"].as_str().expect("token");
    assert!(token.len() > 1000, "JWT-like token of {} chars", token.len());
    assert_eq!(token.split('.').count(), 3);

    let url = format!("{}/settlement/v1/ledgers", sim.base_url());
    let mut ids = Vec::new();
    let mut next = url.clone();
    loop {
        let page: Value = get_merchant(&http, &next, token)
            .await
            .json()
            .await
            .expect("json");
        ids.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|l| l["ledgerId"].clone()),
        );
        let c = page["cursor"].as_str().expect("cursor");
        if c.is_empty() {
            break;
        }
        next = format!("{url}?cursor={c}");
    }
    // Sales-unit keys reach their own MSN's ledger only.
    assert_eq!(ids, ["302321"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn wrong_keys_and_a_missing_subscription_key_answer_401_with_code_and_message() {
    let sim = start(config()).await;
    let http = reqwest::Client::new();
    let base = sim.base_url();

    let resp = merchant_token(
        &http,
        &base,
        demo::MERCHANT_CLIENT_ID,
        "wrong",
        demo::MERCHANT_SUBSCRIPTION_KEY,
    )
    .await;
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["code"], "Unauthorized");
    assert!(body["message"].as_str().is_some_and(|m| !m.contains("wrong")));

    let resp = merchant_token(
        &http,
        &base,
        demo::MERCHANT_CLIENT_ID,
        demo::MERCHANT_CLIENT_SECRET,
        "not-the-key",
    )
    .await;
    assert_eq!(resp.status(), 401);

    let resp = http
        .post(format!("{base}/miami/v1/token"))
        .basic_auth(demo::PARTNER_CLIENT_ID, Some("nope"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);

    // A good merchant token used without its subscription key, or with a wrong one.
    let token = demo_merchant_token(&http, &base).await;
    let url = format!("{base}/settlement/v1/ledgers");
    let resp = http.get(&url).bearer_auth(&token).send().await.expect("request");
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["code"], "Unauthorized");
    assert!(body["message"]
        .as_str()
        .expect("message")
        .contains("subscription key"));
    let resp = http
        .get(&url)
        .bearer_auth(&token)
        .header("Ocp-Apim-Subscription-Key", "someone-elses")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);

    // The word Bearer is required.
    let resp = http
        .get(&url)
        .header("Authorization", token.clone())
        .header("Ocp-Apim-Subscription-Key", demo::MERCHANT_SUBSCRIPTION_KEY)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);
    assert_eq!(get_merchant(&http, &url, &token).await.status(), 200);
    assert_eq!(sim.stats().unauthorized, 6);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_ledger_the_keys_cannot_see_answers_404_problem_json() {
    let sim = start(config()).await;
    let http = reqwest::Client::new();
    let token = partner_token(&http, &sim.base_url()).await;
    let url = format!(
        "{}/report/v2/ledgers/302400/funds/dates/2023-01-10",
        sim.base_url()
    );
    let resp = get_partner(&http, &url, &token).await;
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["status"], 404);
    assert_eq!(body["title"], "Not Found");
    assert!(body["detail"].as_str().expect("detail").contains("302400"));
    assert_eq!(
        body["instance"],
        "/report/v2/ledgers/302400/funds/dates/2023-01-10"
    );

    let merchant = demo_merchant_token(&http, &sim.base_url()).await;
    let url = format!(
        "{}/report/v2/ledgers/12345/funds/dates/2022-10-01",
        sim.base_url()
    );
    assert_eq!(get_merchant(&http, &url, &merchant).await.status(), 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn paging_yields_every_entry_of_a_date_and_repeats_gdpr_on_each_page() {
    let sim = start(SimConfig {
        page_size: 7,
        ..config()
    })
    .await;
    let http = reqwest::Client::new();
    let token = partner_token(&http, &sim.base_url()).await;
    let date = d("2023-03-17");
    let url = format!("{}/report/v2/ledgers/302321/funds/dates/{date}", sim.base_url());
    let (items, pages, try_later) = all_pages(&http, &url, &token, true).await;
    let world = sim.world();
    let expected = world.entries_with_gdpr("302321", Topic::Funds, date);
    assert!(expected.len() > 20, "a busy date: {}", expected.len());
    assert_eq!(items.len(), expected.len());
    assert_eq!(pages as usize, expected.len() / 7 + 1);
    assert!(!try_later);
    for (got, want) in items.iter().zip(&expected) {
        assert_eq!(got["pspReference"], want.psp_reference.as_str());
        assert_eq!(got["amount"], want.amount);
        assert_eq!(got["balanceAfter"], want.balance_after);
        assert_eq!(got["name"].as_str(), want.name.as_deref());
    }
    let with_names = items.iter().filter(|e| e["name"].is_string()).count();
    assert!(with_names > 0, "Vippsnummer payments carry names when asked");
    assert!(items
        .iter()
        .filter(|e| e["name"].is_string())
        .all(|e| e["recipientHandle"] == "NO:57861"));

    let (plain, _, _) = all_pages(&http, &url, &token, false).await;
    assert_eq!(plain.len(), expected.len());
    assert!(plain
        .iter()
        .all(|e| e.get("name").is_none() && e.get("maskedPhoneNo").is_none()));
    assert_eq!(
        sim.stats().report_requests_for("302321", Topic::Funds, date),
        2 * u64::from(pages)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_full_last_page_is_followed_by_an_empty_one() {
    let sim = start(config()).await;
    let world = sim.world();
    let date = d("2023-03-17");
    let n = world.entries("302321", Topic::Fees, date).len();
    sim.shutdown().await;
    // Page size equal to the date's length: page 1 full with hasMore, page 2 empty.
    let sim = start(SimConfig {
        page_size: n,
        ..config()
    })
    .await;
    let http = reqwest::Client::new();
    let token = partner_token(&http, &sim.base_url()).await;
    let url = format!("{}/report/v2/ledgers/302321/fees/dates/{date}", sim.base_url());
    let first: Value = get_partner(&http, &url, &token).await.json().await.expect("json");
    assert_eq!(first["items"].as_array().map(Vec::len), Some(n));
    assert_eq!(first["hasMore"], true);
    let next = format!("{url}?cursor={}", first["cursor"].as_str().expect("cursor"));
    let second: Value = get_partner(&http, &next, &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(second["items"].as_array().map(Vec::len), Some(0));
    assert_eq!(second["hasMore"], false);
    sim.shutdown().await;
}

#[tokio::test]
async fn today_and_later_answer_try_later_until_today_moves() {
    let sim = start(config()).await;
    let http = reqwest::Client::new();
    let token = partner_token(&http, &sim.base_url()).await;
    let url = |date: &str| format!("{}/report/v2/ledgers/302321/funds/dates/{date}", sim.base_url());

    let today: Value = get_partner(&http, &url("2026-11-25"), &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(today["tryLater"], true);
    let partial = today["items"].as_array().expect("items");
    assert!(partial
        .iter()
        .all(|e| e["entryType"] != "payout-scheduled" && e["entryType"] != "fees-retained"));
    let tomorrow: Value = get_partner(&http, &url("2026-11-26"), &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(tomorrow["tryLater"], true);
    assert_eq!(tomorrow["items"].as_array().map(Vec::len), Some(0));
    let yesterday: Value = get_partner(&http, &url("2026-11-24"), &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(yesterday["tryLater"], false);

    sim.set_today(d("2026-11-26"));
    let closed: Value = get_partner(&http, &url("2026-11-25"), &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(closed["tryLater"], false);
    let full = closed["items"].as_array().expect("items");
    assert!(full.len() > partial.len());
    assert_eq!(
        full.last().map(|e| e["entryType"].clone()),
        Some(Value::from("payout-scheduled"))
    );
    assert_eq!(
        full.last().map(|e| e["balanceAfter"].clone()),
        Some(Value::from(0))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_feed_walks_closed_dates_and_ends_with_the_same_cursor_and_try_later() {
    let sim = start(SimConfig {
        today: d("2022-10-05"),
        page_size: 1000,
        ..config()
    })
    .await;
    let http = reqwest::Client::new();
    let token = partner_token(&http, &sim.base_url()).await;
    let base = format!("{}/report/v2/ledgers/12345/funds/feed", sim.base_url());
    let first: Value = get_partner(&http, &base, &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(first["items"].as_array().map(Vec::len), Some(6));
    assert_eq!(first["items"][5]["pspReference"], "12345-2000023");
    assert_eq!(first["tryLater"], true);
    let cursor = first["cursor"].as_str().expect("cursor").to_string();
    let again: Value = get_partner(&http, &format!("{base}?cursor={cursor}"), &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again["items"].as_array().map(Vec::len), Some(0));
    assert_eq!(again["cursor"], cursor.as_str());
    assert_eq!(again["tryLater"], true);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_token_past_its_lifetime_is_refused_and_a_foreign_msn_gets_no_token() {
    let sim = start(SimConfig {
        partner_token_ttl_secs: 1,
        ..config()
    })
    .await;
    let http = reqwest::Client::new();
    let token = partner_token(&http, &sim.base_url()).await;
    let url = format!("{}/settlement/v1/ledgers", sim.base_url());
    assert_eq!(get_partner(&http, &url, &token).await.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let resp = get_partner(&http, &url, &token).await;
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.expect("json");
    assert!(
        body["message"].as_str().expect("message").contains("expired"),
        "{body}"
    );

    let resp = http
        .post(format!("{}/accesstoken/get", sim.base_url()))
        .header("client_id", demo::MERCHANT_CLIENT_ID)
        .header("client_secret", demo::MERCHANT_CLIENT_SECRET)
        .header("Ocp-Apim-Subscription-Key", demo::MERCHANT_SUBSCRIPTION_KEY)
        .header("Merchant-Serial-Number", "999999")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_dates_topics_and_cursors_are_400_problems() {
    let sim = start(config()).await;
    let http = reqwest::Client::new();
    let token = partner_token(&http, &sim.base_url()).await;
    let base = format!("{}/report/v2/ledgers/302321", sim.base_url());
    for url in [
        format!("{base}/funds/dates/2023-13-01"),
        format!("{base}/taxes/dates/2023-01-01"),
        format!("{base}/funds/dates/2023-01-01?cursor=not-a-cursor"),
    ] {
        let resp = get_partner(&http, &url, &token).await;
        assert_eq!(resp.status(), 400, "{url}");
        assert_eq!(resp.headers()["content-type"], "application/problem+json");
    }
    let resp = get_partner(&http, &format!("{}/no/such/endpoint", sim.base_url()), &token).await;
    assert_eq!(resp.status(), 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn pages_are_gzipped_when_the_client_asks() {
    use std::io::Read;
    let sim = start(config()).await;
    let http = reqwest::Client::builder().no_gzip().build().expect("client");
    let token = partner_token(&http, &sim.base_url()).await;
    let url = format!(
        "{}/report/v2/ledgers/302321/funds/dates/2023-03-17",
        sim.base_url()
    );
    let resp = http
        .get(&url)
        .bearer_auth(&token)
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .expect("response");
    assert_eq!(resp.headers()["content-encoding"], "gzip");
    let compressed = resp.bytes().await.expect("body");
    let mut json = String::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_string(&mut json)
        .expect("gunzip");
    let page: Value = serde_json::from_str(&json).expect("json");
    let expected = sim.world().entries("302321", Topic::Funds, d("2023-03-17"));
    assert_eq!(page["items"].as_array().map(Vec::len), Some(expected.len()));
    assert!(
        compressed.len() * 3 < json.len(),
        "{} of {} bytes",
        compressed.len(),
        json.len()
    );

    let plain = get_partner(&http, &url, &token).await;
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(sim.stats().gzipped_responses, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_feed_pages_across_dates_in_ledger_order() {
    let sim = start(SimConfig {
        today: d("2022-01-10"),
        page_size: 17,
        ..config()
    })
    .await;
    let http = reqwest::Client::new();
    let token = partner_token(&http, &sim.base_url()).await;
    let base = format!("{}/report/v2/ledgers/402001/fees/feed", sim.base_url());
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let url = match &cursor {
            Some(c) => format!("{base}?cursor={c}"),
            None => base.clone(),
        };
        let page: Value = get_partner(&http, &url, &token).await.json().await.expect("json");
        pages += 1;
        let got = page["items"].as_array().expect("items");
        items.extend(got.iter().cloned());
        cursor = Some(page["cursor"].as_str().expect("cursor").to_string());
        if page["tryLater"] == true {
            break;
        }
        assert_eq!(got.len(), 17, "a page before the end is full");
    }
    let world = sim.world();
    // Nine closed dates, then today's activity so far (its settlement comes tomorrow).
    let mut expected: Vec<_> = d("2022-01-01")
        .iter_days()
        .take(9)
        .flat_map(|date| world.entries("402001", Topic::Fees, date))
        .collect();
    expected.extend(
        world
            .entries("402001", Topic::Fees, d("2022-01-10"))
            .into_iter()
            .take_while(|e| e.entry_type == avstem_core::model::EntryType::CaptureFee),
    );
    assert_eq!(items.len(), expected.len());
    assert_eq!(pages as usize, expected.len() / 17 + 1);
    for (got, want) in items.iter().zip(&expected) {
        assert_eq!(got["pspReference"], want.psp_reference.as_str());
        assert_eq!(got["ledgerDate"], want.ledger_date.to_string().as_str());
        assert_eq!(got["balanceAfter"], want.balance_after);
    }
    assert!(
        items
            .iter()
            .all(|e| e["time"].as_str().is_some_and(|t| t.ends_with("+0100"))),
        "DKK times carry the offset"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn accounting_tokens_live_900_s_and_every_refusal_is_invalid_client() {
    let sim = start(config()).await;
    let http = reqwest::Client::new();
    let url = format!("{}/miami/v1/token", sim.base_url());
    let ok: Value = http
        .post(&url)
        .basic_auth(demo::PARTNER_CLIENT_ID, Some(demo::PARTNER_CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    assert_eq!(ok["expires_in"], 900, "{ok}");

    // The provider's access-token docs: a missing grant_type, a subscription key sent, and wrong
    // accounting keys all answer `invalid_client`.
    let cases = [
        (
            demo::PARTNER_CLIENT_SECRET,
            None,
            false,
            400,
            "Missing grant type.",
        ),
        (
            demo::PARTNER_CLIENT_SECRET,
            Some("sub"),
            true,
            400,
            "A subscription key is not used with this flow.",
        ),
        ("wrong", None, true, 401, "Invalid client_id or client_secret."),
    ];
    for (secret, sub, grant, status, description) in cases {
        let mut req = http.post(&url).basic_auth(demo::PARTNER_CLIENT_ID, Some(secret));
        if let Some(sub) = sub {
            req = req.header("Ocp-Apim-Subscription-Key", sub);
        }
        if grant {
            req = req.form(&[("grant_type", "client_credentials")]);
        }
        let resp = req.send().await.expect("token");
        assert_eq!(resp.status().as_u16(), status, "{description}");
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["error"], "invalid_client", "{body}");
        assert_eq!(body["error_description"], description, "{body}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_monthly_ledger_keeps_its_month_open_until_the_payout_on_the_1st() {
    // 502001 pays out monthly: on the 20th every date of the month still says tryLater, with its
    // entries; once the 1st's payout has happened (today the 2nd) they are closed.
    let world = sim::World::new(42, d("2024-03-20"));
    assert_eq!(
        world.closing_date("502001", d("2024-03-05"), d("2024-03-20")),
        None
    );
    assert_eq!(
        world.open_reason("502001", d("2024-03-05"), d("2024-03-20")),
        Some(sim::data::OpenReason::MonthlySettlement)
    );
    assert_eq!(
        world.closing_date("502001", d("2024-03-05"), d("2024-04-02")),
        Some(d("2024-04-01"))
    );
    // Daily payouts close each date on itself; the idle ledger never closes.
    assert_eq!(
        world.closing_date("302321", d("2024-03-05"), d("2024-03-20")),
        Some(d("2024-03-05"))
    );
    assert_eq!(
        world.closing_date("302500", d("2024-03-05"), d("2024-06-20")),
        None
    );
    assert_eq!(
        world.open_reason("302500", d("2024-03-05"), d("2024-06-20")),
        Some(sim::data::OpenReason::Idle)
    );

    let sim = start(SimConfig {
        today: d("2024-03-20"),
        ..config()
    })
    .await;
    let http = reqwest::Client::new();
    let token = partner_token(&http, &sim.base_url()).await;
    let get = |ledger: &str, date: &str| {
        format!("{}/report/v2/ledgers/{ledger}/funds/dates/{date}", sim.base_url())
    };
    let resp = get_partner(&http, &get("502001", "2024-03-05"), &token).await;
    assert_eq!(resp.headers()["Vipps-Feed-Page-Size"], "1000");
    let open: Value = resp.json().await.expect("json");
    assert_eq!(open["tryLater"], true, "a monthly date on the 20th");
    assert!(!open["items"].as_array().expect("items").is_empty());
    let daily: Value = get_partner(&http, &get("302321", "2024-03-05"), &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(daily["tryLater"], false);
    let last_month: Value = get_partner(&http, &get("502001", "2024-02-05"), &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(last_month["tryLater"], false, "closed by the payout on 1 March");
    sim.shutdown().await;
}
