//! The Report API client against the built-in simulator on a random loopback port: both auth
//! flows, refused keys, hidden ledgers, paging, open dates, injected faults, the example day.

mod client_support;

use avstem_core::api::{ApiClient, ClientConfig, Credentials};
use avstem_core::model::{Entry, Topic};
use avstem_core::secrets::Secret;
use avstem_core::sim::{self, demo, SimConfig, SimHandle};
use avstem_core::Error;
use chrono::NaiveDate;
use client_support::assert_example_day;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// "Today" in the simulator's world: fixed, so every figure is reproducible.
fn today() -> NaiveDate {
    d("2024-06-01")
}

async fn start(page_size: usize, faults: &str) -> SimHandle {
    sim::start(SimConfig {
        page_size,
        faults: faults.into(),
        today: today(),
        ..SimConfig::default()
    })
    .await
    .expect("simulator")
}

fn demo_merchant() -> Credentials {
    Credentials::Merchant {
        client_id: demo::MERCHANT_CLIENT_ID.into(),
        client_secret: Secret::new(demo::MERCHANT_CLIENT_SECRET),
        subscription_key: Secret::new(demo::MERCHANT_SUBSCRIPTION_KEY),
        msn: Some(demo::MERCHANT_MSN.into()),
    }
}

fn bench_merchant() -> Credentials {
    Credentials::Merchant {
        client_id: demo::BENCH_CLIENT_ID.into(),
        client_secret: Secret::new(demo::BENCH_CLIENT_SECRET),
        subscription_key: Secret::new(demo::BENCH_SUBSCRIPTION_KEY),
        msn: Some(demo::BENCH_MSN.into()),
    }
}

/// What the feed shows of `today`: its activity so far, without the settlement still to come.
fn today_so_far(world: &sim::World, ledger: &str, today: NaiveDate) -> Vec<Entry> {
    use avstem_core::model::EntryType;
    world
        .entries(ledger, Topic::Funds, today)
        .into_iter()
        .take_while(|e| {
            !matches!(
                e.entry_type,
                EntryType::FeesRetained | EntryType::PayoutScheduled | EntryType::FeesInvoiced
            )
        })
        .collect()
}

fn demo_partner() -> Credentials {
    Credentials::Partner {
        client_id: demo::PARTNER_CLIENT_ID.into(),
        client_secret: Secret::new(demo::PARTNER_CLIENT_SECRET),
    }
}

fn quick() -> ClientConfig {
    ClientConfig {
        timeout: Duration::from_secs(5),
        max_retries: 8,
        base_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(50),
        ..ClientConfig::default()
    }
}

fn client(sim: &SimHandle, credentials: Credentials) -> ApiClient {
    ApiClient::new(&sim.base_url(), credentials, quick()).expect("client")
}

fn ids(ledgers: &[avstem_core::model::Ledger]) -> BTreeSet<String> {
    ledgers.iter().map(|l| l.ledger_id.clone()).collect()
}

fn sum(entries: &[Entry]) -> i64 {
    entries.iter().map(|e| e.amount).sum()
}

#[tokio::test]
async fn merchant_keys_see_their_own_sales_unit_ledger_only() {
    let sim = start(1000, "").await;
    let c = client(&sim, demo_merchant());
    let ledgers = c.ledgers(None).await.expect("ledgers");
    // Sales-unit keys (MSN 123455) reach the ledger of api:123455 and nothing else: Fjordkaffe's
    // Vippsnummer ledger 302322 is only seen through an accounting partner.
    assert_eq!(ids(&ledgers), ["302321"].map(String::from).into());
    let kaffe = ledgers.iter().find(|l| l.ledger_id == "302321").expect("302321");
    assert_eq!(kaffe.currency, "NOK");
    let handles: BTreeSet<&str> = kaffe
        .sales_units
        .iter()
        .map(|u| u.recipient_handle.as_str())
        .collect();
    assert_eq!(handles, ["NO:57861", "api:123455"].into());

    let only = c.ledgers(Some("NO:57861")).await.expect("filtered");
    assert_eq!(ids(&only), ["302321".to_string()].into());

    let stats = sim.stats();
    assert_eq!(
        (stats.merchant_token_requests, stats.partner_token_requests),
        (1, 0)
    );
    assert_eq!(stats.ledger_requests, 2, "one page, then one filtered page");
    let hidden = c
        .entries_for_date("302322", Topic::Funds, d("2024-03-15"), false)
        .await
        .expect_err("302322 is not this sales unit's");
    assert!(matches!(&hidden, Error::NoAccess(_)), "{hidden:?}");
    assert!(
        hidden.to_string().contains("Reports → Accounting partners"),
        "{hidden}"
    );
    assert_eq!(c.requests_made(), sim.stats().total_requests());
}

#[tokio::test]
async fn partner_keys_see_every_granted_ledger_and_nothing_else() {
    let sim = start(1000, "").await;
    let c = client(&sim, demo_partner());
    let ledgers = c.ledgers(None).await.expect("ledgers");
    assert_eq!(
        ids(&ledgers),
        ["12345", "302321", "302322", "302500", "402001", "402002", "502001", "502002", "900001"]
            .map(String::from)
            .into()
    );
    let currencies: BTreeSet<&str> = ledgers.iter().map(|l| l.currency.as_str()).collect();
    assert_eq!(currencies, ["DKK", "EUR", "NOK"].into());
    let err = c
        .entries_for_date("302400", Topic::Funds, d("2024-03-15"), false)
        .await
        .expect_err("hidden");
    assert!(
        matches!(&err, Error::NoAccess(l) if l.contains("302400")),
        "{err:?}"
    );
    let stats = sim.stats();
    assert_eq!(
        (stats.partner_token_requests, stats.merchant_token_requests),
        (1, 0)
    );
    assert_eq!(stats.ledger_requests, 5, "nine ledgers at two a page");
    assert_eq!(stats.report_requests, 1, "a hidden ledger is not retried");
}

#[tokio::test]
async fn wrong_keys_and_a_wrong_subscription_key_are_rejected() {
    let sim = start(1000, "").await;
    let wrong_secret = Credentials::Merchant {
        client_id: demo::MERCHANT_CLIENT_ID.into(),
        client_secret: Secret::new("not-the-secret"),
        subscription_key: Secret::new(demo::MERCHANT_SUBSCRIPTION_KEY),
        msn: Some(demo::MERCHANT_MSN.into()),
    };
    let wrong_subscription = Credentials::Merchant {
        client_id: demo::MERCHANT_CLIENT_ID.into(),
        client_secret: Secret::new(demo::MERCHANT_CLIENT_SECRET),
        subscription_key: Secret::new("not-the-subscription-key"),
        msn: Some(demo::MERCHANT_MSN.into()),
    };
    let wrong_partner = Credentials::Partner {
        client_id: demo::PARTNER_CLIENT_ID.into(),
        client_secret: Secret::new("nope"),
    };
    for creds in [wrong_secret, wrong_subscription, wrong_partner] {
        let c = client(&sim, creds);
        let err = c.ledgers(None).await.expect_err("rejected");
        assert!(matches!(err, Error::KeysRejected), "{err:?}");
        assert!(!err.to_string().contains("not-the"));
    }
    let stats = sim.stats();
    assert_eq!(stats.ledger_requests, 0, "no API call without a token");
    assert_eq!(stats.token_requests, 3, "a refusal is not retried");
}

#[tokio::test]
async fn a_ledger_of_another_merchant_is_no_access() {
    let sim = start(1000, "").await;
    let c = client(&sim, demo_merchant());
    let err = c
        .entries_for_date("12345", Topic::Funds, d("2022-10-01"), false)
        .await
        .expect_err("not granted");
    assert!(
        matches!(&err, Error::NoAccess(l) if l == "Ledger 12345"),
        "{err:?}"
    );
    assert_eq!(err.kind(), "no-access");
    assert_eq!(sim.stats().report_requests, 1);
}

#[tokio::test]
async fn a_closed_date_comes_back_entry_for_entry_across_many_small_pages() {
    let sim = start(7, "").await;
    let c = client(&sim, demo_merchant());
    let date = d("2024-03-15");
    let world = sim.world();
    for topic in Topic::ALL {
        let want = world.entries("302321", topic, date);
        assert!(
            want.len() > 14,
            "{topic}: a busy enough date ({} entries)",
            want.len()
        );
        let page = c
            .entries_for_date("302321", topic, date, false)
            .await
            .expect("page");
        assert!(!page.try_later);
        assert_eq!(page.entries, want, "{topic}");
        // Full pages say "more"; an exact multiple ends with an empty page.
        assert_eq!(page.pages as usize, want.len() / 7 + 1, "{topic}");
        assert_eq!(
            sim.stats().report_requests_for("302321", topic, date),
            u64::from(page.pages)
        );
    }
    let funds = c
        .entries_for_date("302321", Topic::Funds, date, false)
        .await
        .expect("again");
    assert_eq!(
        funds.entries.last().map(|e| e.balance_after),
        Some(0),
        "a daily payout empties the ledger"
    );
    let last = funds.entries.last().map_or(0, |e| e.balance_after);
    assert_eq!(
        funds.entries[0].balance_before + sum(&funds.entries),
        last,
        "balances chain"
    );
    assert_eq!(c.requests_made(), sim.stats().total_requests());
}

#[tokio::test]
async fn today_is_try_later_until_the_date_closes() {
    let sim = start(1000, "").await;
    let c = client(&sim, demo_merchant());
    let yesterday = c
        .entries_for_date("302321", Topic::Funds, d("2024-05-31"), false)
        .await
        .expect("closed");
    assert!(!yesterday.try_later);
    let open = c
        .entries_for_date("302321", Topic::Funds, today(), false)
        .await
        .expect("today");
    assert!(open.try_later);
    let tomorrow = c
        .entries_for_date("302321", Topic::Funds, d("2024-06-02"), false)
        .await
        .expect("tomorrow");
    assert!(tomorrow.try_later);
    assert_eq!(tomorrow.entries.len(), 0);

    sim.set_today(d("2024-06-02"));
    let closed = c
        .entries_for_date("302321", Topic::Funds, today(), false)
        .await
        .expect("closed now");
    assert!(!closed.try_later);
    assert_eq!(
        closed.entries,
        sim.world().entries("302321", Topic::Funds, today())
    );
    assert!(closed.entries.len() >= open.entries.len());
}

#[tokio::test]
async fn personal_data_comes_only_when_asked_for() {
    let sim = start(1000, "").await;
    let c = client(&sim, demo_merchant());
    let world = sim.world();
    // The first date in March with Vippsnummer payments that carry a name.
    let date = d("2024-03-01")
        .iter_days()
        .take(31)
        .find(|day| {
            world
                .entries_with_gdpr("302321", Topic::Funds, *day)
                .iter()
                .any(|e| e.name.is_some())
        })
        .expect("a date with Vippsnummer payments");
    let want = world.entries_with_gdpr("302321", Topic::Funds, date);
    let named = want.iter().filter(|e| e.name.is_some()).count();
    assert!(named > 0);

    let with = c
        .entries_for_date("302321", Topic::Funds, date, true)
        .await
        .expect("gdpr");
    assert_eq!(with.entries, want);
    assert_eq!(with.entries.iter().filter(|e| e.name.is_some()).count(), named);
    let without = c
        .entries_for_date("302321", Topic::Funds, date, false)
        .await
        .expect("no gdpr");
    assert_eq!(
        without
            .entries
            .iter()
            .filter(|e| e.name.is_some() || e.message.is_some())
            .count(),
        0
    );
    assert_eq!(sum(&without.entries), sum(&with.entries));
}

#[tokio::test]
async fn injected_faults_are_recovered_and_the_data_is_exact() {
    let faults = "report:429=0.1,report:500=0.1,report:cut=0.1,report:drop=0.1,report:slow=0.05,\
                  report:empty=0.1,token:expire-after=9,retry-after=0";
    let sim = start(25, faults).await;
    let c = client(&sim, demo_merchant());
    let world = sim.world();
    let mut entries = 0usize;
    for date in d("2024-02-01").iter_days().take(10) {
        for topic in Topic::ALL {
            let page = c
                .entries_for_date("302321", topic, date, false)
                .await
                .expect("recovered");
            assert_eq!(
                page.entries,
                world.entries("302321", topic, date),
                "{topic} {date}"
            );
            entries += page.entries.len();
        }
    }
    let stats = sim.stats();
    assert!(entries > 200, "{entries} entries");
    assert!(stats.faults_injected >= 10, "{:?}", stats.faults_by_kind);
    for kind in ["429", "500", "cut", "drop", "empty"] {
        assert!(
            stats.faults_by_kind.get(kind).copied().unwrap_or(0) >= 1,
            "{kind}: {:?}",
            stats.faults_by_kind
        );
    }
    println!(
        "{entries} entries, faults {:?}, unauthorized {}",
        stats.faults_by_kind, stats.unauthorized
    );
    assert!(
        stats.unauthorized >= 1,
        "tokens expired and were renewed: {stats:?}"
    );
    assert!(stats.token_requests >= 2);
    assert!(c.requests_made() >= stats.total_requests());
}

#[tokio::test]
async fn a_validation_error_is_asked_exactly_once() {
    let sim = start(1000, "report:10002=1").await;
    let c = client(&sim, demo_merchant());
    let err = c
        .entries_for_date("302321", Topic::Funds, d("2024-03-15"), false)
        .await
        .expect_err("10002");
    assert_eq!(err.kind(), "validation");
    assert!(err.context_id().is_some(), "{err:?}");
    assert_eq!(sim.stats().report_requests, 1);
}

#[tokio::test]
async fn retry_after_is_honoured_beyond_the_backoff_cap_and_reported() {
    let sim = start(1000, "report:429=1,retry-after=1").await;
    // The backoff cap (50 ms) and a deadline shorter than the wait do not shorten the server's
    // own `Retry-After`: asked for 1 s, the client waits 1 s, and tells the observer.
    let config = ClientConfig {
        max_retries: 1,
        deadline: Duration::from_millis(500),
        ..quick()
    };
    let c = ApiClient::new(&sim.base_url(), demo_merchant(), config).expect("client");
    let told = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = told.clone();
    c.on_server_wait(Some(std::sync::Arc::new(move |wait: Duration, what: &str| {
        sink.lock().expect("lock").push((wait, what.to_string()));
    })));
    let started = Instant::now();
    let err = c
        .entries_for_date("302321", Topic::Funds, d("2024-03-15"), false)
        .await
        .expect_err("429");
    assert!(
        matches!(
            err,
            Error::RateLimited {
                retry_after_secs: Some(1)
            }
        ),
        "{err:?}"
    );
    assert_eq!(sim.stats().report_requests, 2);
    assert!(
        started.elapsed() >= Duration::from_millis(980),
        "{:?}",
        started.elapsed()
    );
    let told = told.lock().expect("lock").clone();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].0, Duration::from_secs(1));
    assert!(told[0].1.contains("302321"), "{told:?}");
    // Far beyond any sensible wait, the bound holds.
    assert_eq!(avstem_core::api::MAX_SERVER_WAIT, Duration::from_secs(300));
}

#[tokio::test]
async fn the_documented_example_day_through_the_simulator() {
    let sim = start(1000, "").await;
    let doc = Credentials::Merchant {
        client_id: demo::DOC_MERCHANT_CLIENT_ID.into(),
        client_secret: Secret::new(demo::DOC_MERCHANT_CLIENT_SECRET),
        subscription_key: Secret::new(demo::DOC_MERCHANT_SUBSCRIPTION_KEY),
        msn: Some(demo::DOC_MERCHANT_MSN.into()),
    };
    for creds in [doc, demo_partner()] {
        let c = client(&sim, creds);
        let funds = c
            .entries_for_date("12345", Topic::Funds, d("2022-10-01"), false)
            .await
            .expect("funds");
        let fees = c
            .entries_for_date("12345", Topic::Fees, d("2022-10-01"), false)
            .await
            .expect("fees");
        assert!(!funds.try_later && !fees.try_later);
        assert_example_day(&funds.entries, &fees.entries);
    }
}

#[tokio::test]
async fn the_feed_delivers_every_closed_entry_once_and_then_says_try_later() {
    let sim = sim::start(SimConfig {
        page_size: 100,
        today: d("2022-01-08"),
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let c = client(&sim, demo_merchant());
    let world = sim.world();
    let mut got: Vec<Entry> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = c
            .feed_page("302321", Topic::Funds, cursor.as_deref())
            .await
            .expect("feed");
        pages += 1;
        got.extend(page.entries);
        cursor = Some(page.cursor);
        if page.try_later || pages > 1000 {
            break;
        }
    }
    // Seven closed dates, then today's activity so far.
    let mut want: Vec<Entry> = d("2022-01-01")
        .iter_days()
        .take(7)
        .flat_map(|day| world.entries("302321", Topic::Funds, day))
        .collect();
    let so_far = today_so_far(&world, "302321", d("2022-01-08"));
    assert!(!so_far.is_empty());
    want.extend(so_far);
    assert!(!want.is_empty());
    let strip = |es: &[Entry]| -> Vec<(NaiveDate, String, i64, i64)> {
        es.iter()
            .map(|e| (e.ledger_date, e.psp_reference.clone(), e.amount, e.balance_after))
            .collect()
    };
    assert_eq!(strip(&got), strip(&want));
    assert_eq!(pages, want.len() / 100 + 1);
    // At the end the same cursor comes back.
    let again = c
        .feed_page("302321", Topic::Funds, cursor.as_deref())
        .await
        .expect("end");
    assert!(again.try_later && again.entries.is_empty());
    assert_eq!(Some(again.cursor), cursor);
}

#[tokio::test]
async fn faults_on_every_endpoint_are_recovered_for_several_seeds() {
    let faults = "token:500=0.3,token:drop=0.2,ledgers:429=0.3,ledgers:cut=0.2,feed:500=0.2,feed:cut=0.2,\
                  report:drop=0.2,report:429=0.2,retry-after=0";
    for seed in 1..=4 {
        let sim = sim::start(SimConfig {
            seed,
            page_size: 40,
            faults: faults.into(),
            today: d("2022-01-05"),
            ..SimConfig::default()
        })
        .await
        .expect("simulator");
        let c = client(&sim, demo_partner());
        let world = sim.world();
        let ledgers = c.ledgers(None).await.expect("ledgers");
        // Ledgers that start after "today" do not exist yet.
        let granted: BTreeSet<String> = world
            .ledgers()
            .into_iter()
            .map(|l| l.ledger_id)
            .filter(|id| world.partner().ledger_ids.contains(id))
            .collect();
        assert!(granted.len() >= 5, "{granted:?}");
        assert_eq!(ids(&ledgers), granted, "seed {seed}");
        let date = d("2022-01-03");
        let page = c
            .entries_for_date("302321", Topic::Fees, date, false)
            .await
            .expect("report");
        assert_eq!(
            page.entries,
            world.entries("302321", Topic::Fees, date),
            "seed {seed}"
        );
        let mut feed = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..100 {
            let p = c
                .feed_page("302321", Topic::Funds, cursor.as_deref())
                .await
                .expect("feed");
            feed.extend(p.entries);
            cursor = Some(p.cursor);
            if p.try_later {
                break;
            }
        }
        let want: usize = d("2022-01-01")
            .iter_days()
            .take(4)
            .map(|day| world.entries("302321", Topic::Funds, day).len())
            .sum::<usize>()
            + today_so_far(&world, "302321", d("2022-01-05")).len();
        assert_eq!(feed.len(), want, "seed {seed}");
        let stats = sim.stats();
        assert!(
            stats.faults_injected >= 1,
            "seed {seed}: {:?}",
            stats.faults_by_kind
        );
        assert!(c.requests_made() >= stats.total_requests(), "seed {seed}");
    }
}

#[tokio::test]
async fn a_body_that_trickles_past_the_timeout_is_a_network_error() {
    let sim = start(1000, "report:slow=1,slow-ms=400").await;
    let config = ClientConfig {
        timeout: Duration::from_millis(300),
        max_retries: 1,
        ..quick()
    };
    let c = ApiClient::new(&sim.base_url(), demo_merchant(), config).expect("client");
    let err = c
        .entries_for_date("302321", Topic::Funds, d("2024-03-15"), false)
        .await
        .expect_err("slow");
    assert!(
        matches!(&err, Error::Network { detail, .. } if detail.contains("no answer within 0.3 s")),
        "{err:?}"
    );
    assert_eq!(sim.stats().report_requests, 2);
}

#[tokio::test]
async fn a_bulk_date_comes_in_production_size_pages() {
    let sim = sim::start(SimConfig {
        bulk_entries_per_day: 2500,
        today: today(),
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let c = client(&sim, bench_merchant());
    let date = d("2024-03-15");
    let page = c
        .entries_for_date("900001", Topic::Funds, date, false)
        .await
        .expect("bulk");
    let want = sim.world().entries("900001", Topic::Funds, date);
    assert!(want.len() >= 2500, "{}", want.len());
    assert_eq!(page.entries.len(), want.len());
    assert_eq!(page.pages as usize, want.len() / 1000 + 1);
    assert!(page.entries.iter().enumerate().all(|(i, e)| e.seq as usize == i));
    assert_eq!(page.entries, want);
}

/// Run with `--ignored --nocapture`: a month of a million funds entries is ~33,334 a date.
#[tokio::test]
#[ignore]
async fn throughput_of_a_full_bulk_date() {
    let sim = sim::start(SimConfig {
        bulk_entries_per_day: 33_334,
        today: today(),
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let c = client(&sim, bench_merchant());
    let started = Instant::now();
    let page = c
        .entries_for_date("900001", Topic::Funds, d("2024-03-15"), false)
        .await
        .expect("bulk");
    let secs = started.elapsed().as_secs_f64();
    assert!(page.entries.len() >= 33_334);
    println!(
        "{} entries in {} pages, {secs:.2} s, {:.0} entries/s",
        page.entries.len(),
        page.pages,
        page.entries.len() as f64 / secs
    );
}
