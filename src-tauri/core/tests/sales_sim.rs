//! The Sales API end to end: the client against the simulator on loopback. The documented invariants
//! hold on every simulated entry, every capture and refund of a sales unit has its sales entry, and a
//! single altered line amount breaks the check with the exact figures.

use avstem_core::api::{ApiClient, ClientConfig, Credentials};
use avstem_core::model::{EntryType, Topic};
use avstem_core::sales::{PaymentType, SaleEntry, SaleKind, SaleViolation, Solution};
use avstem_core::secrets::Secret;
use avstem_core::sim::{self, demo, SimConfig};
use chrono::{Duration, NaiveDate};
use std::collections::{BTreeSet, HashMap};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn partner() -> Credentials {
    Credentials::Partner {
        client_id: demo::PARTNER_CLIENT_ID.into(),
        client_secret: Secret::new(demo::PARTNER_CLIENT_SECRET),
    }
}

fn quick() -> ClientConfig {
    ClientConfig {
        timeout: std::time::Duration::from_secs(5),
        max_retries: 6,
        base_backoff: std::time::Duration::from_millis(2),
        max_backoff: std::time::Duration::from_millis(50),
        ..ClientConfig::default()
    }
}

async fn month(client: &ApiClient, ledger: &str, first: NaiveDate, page_size: u32) -> Vec<SaleEntry> {
    let mut out = Vec::new();
    let mut date = first;
    while date < first + Duration::days(31) {
        let page = client
            .sales_for_date(ledger, date, page_size)
            .await
            .expect("sales date");
        assert!(page.entries.iter().all(|e| e.ledger_date == date));
        out.extend(page.entries);
        date += Duration::days(1);
    }
    out
}

#[tokio::test]
async fn every_simulated_entry_keeps_the_three_invariants_and_matches_its_funds_entry() {
    let sim = sim::start(SimConfig {
        today: d("2026-06-15"),
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let client = ApiClient::new(&sim.base_url(), partner(), quick()).expect("client");
    let world = sim.world();
    let mut all = Vec::new();
    for (ledger, handle) in [("302321", "NO:57861"), ("302322", "NO:57862")] {
        // Small pages on purpose: a month is many pages, each with its cursor.
        let sales = month(&client, ledger, d("2026-05-01"), 7).await;
        assert!(sales.len() > 300, "{ledger}: {}", sales.len());
        for e in &sales {
            assert_eq!(
                e.violations(),
                Vec::<SaleViolation>::new(),
                "{ledger} {}",
                e.reference
            );
        }
        // Every capture and refund of the sales unit has its sales entry, same pspReference and amount.
        let by_psp: HashMap<&str, &SaleEntry> = sales
            .iter()
            .filter_map(|e| e.psp_reference.as_deref().map(|p| (p, e)))
            .collect();
        let mut matched = 0;
        for day in 0..31 {
            let date = d("2026-05-01") + Duration::days(day);
            for f in world.entries(ledger, Topic::Funds, date) {
                if f.recipient_handle.as_deref() != Some(handle)
                    || !matches!(f.entry_type, EntryType::Capture | EntryType::Refund)
                {
                    continue;
                }
                let s = by_psp.get(f.psp_reference.as_str()).unwrap_or_else(|| {
                    panic!(
                        "{ledger}: no sales entry for {} {}",
                        f.entry_type, f.psp_reference
                    )
                });
                assert_eq!(s.gross, Some(f.amount), "{}", f.psp_reference);
                assert_eq!(s.reference, f.reference);
                matched += 1;
            }
        }
        assert_eq!(
            matched,
            by_psp.len(),
            "{ledger}: every sales entry with a pspReference is in funds"
        );
        all.extend(sales);
    }

    // The catalogue the issue asks for is all there.
    let rates: BTreeSet<i64> = all
        .iter()
        .flat_map(|e| e.lines.iter().filter_map(|l| l.vat_rate_bp))
        .collect();
    assert_eq!(rates, BTreeSet::from([0, 1500, 2500]));
    assert!(all.iter().any(|e| e.lines.iter().any(|l| l.discount_total > 0)));
    assert!(all.iter().any(|e| e.lines.len() >= 3));
    let open: Vec<_> = all
        .iter()
        .filter(|e| e.solution == Solution::VariableAmount)
        .collect();
    assert!(
        open.iter().any(|e| e.sales_category.is_some()) && open.iter().any(|e| e.sales_category.is_none())
    );
    assert!(open
        .iter()
        .all(|e| e.lines.is_empty() && !e.completeness.has_vat_breakdown));
    let basket: Vec<_> = all
        .iter()
        .filter(|e| e.solution == Solution::ShoppingBasket)
        .collect();
    let partial = basket
        .iter()
        .filter(|e| !e.completeness.has_vat_breakdown)
        .count();
    assert!(
        partial > 0 && partial < basket.len() / 3,
        "{partial} of {}",
        basket.len()
    );
    let cash: Vec<_> = all
        .iter()
        .filter(|e| e.payment_type == PaymentType::Cash)
        .collect();
    assert!(
        !cash.is_empty()
            && cash
                .iter()
                .all(|e| e.outside_vipps_funds() && e.solution == Solution::Mpos)
    );
    for p in [PaymentType::Card, PaymentType::Wallet] {
        assert!(
            all.iter()
                .any(|e| e.payment_type == p && e.solution == Solution::Mpos),
            "{p:?}"
        );
    }
    let refunds: Vec<_> = all.iter().filter(|e| e.kind == SaleKind::Refund).collect();
    assert!(!refunds.is_empty() && refunds.iter().all(|e| e.gross.is_some_and(|g| g < 0)));

    // One altered line amount fails the check, with the figures.
    let mut altered = basket
        .iter()
        .find(|e| e.completeness.has_vat_breakdown && e.lines.len() >= 2)
        .map(|e| (*e).clone())
        .expect("a complete basket");
    let was = altered.lines[0].line_total_gross.expect("total");
    altered.lines[0].line_total_gross = Some(was + 100);
    let v = altered.violations();
    assert_eq!(v.len(), 2, "{v:?}");
    assert_eq!(
        v[0],
        SaleViolation::LineTotal {
            line_id: altered.lines[0].line_id.clone(),
            expected: was,
            actual: was + 100
        }
    );
    let gross = altered.gross.expect("gross");
    assert_eq!(
        v[1],
        SaleViolation::GrossSum {
            lines: gross + 100,
            gross
        }
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_historical_floors_hold_and_the_feed_serves_what_the_dates_serve() {
    let sim = sim::start(SimConfig {
        today: d("2026-04-25"),
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let client = ApiClient::new(&sim.base_url(), partner(), quick()).expect("client");
    let day = |l: &'static str, s: &'static str| {
        let c = client.clone();
        async move { c.sales_for_date(l, d(s), 1000).await.expect("date").entries }
    };
    assert!(
        day("302322", "2026-03-08").await.is_empty(),
        "before the mPOS floor"
    );
    let floor_day = day("302322", "2026-03-09").await;
    assert!(!floor_day.is_empty());
    assert!(floor_day.iter().all(|e| e.time
        >= "2026-03-09T12:45:00Z"
            .parse::<chrono::DateTime<chrono::Utc>>()
            .expect("t")));
    assert!(
        day("302321", "2026-03-15").await.is_empty(),
        "before the open-amount floor"
    );
    let before_basket = day("302321", "2026-04-21").await;
    assert!(
        !before_basket.is_empty()
            && before_basket
                .iter()
                .all(|e| e.solution == Solution::VariableAmount)
    );
    let basket_day = day("302321", "2026-04-23").await;
    assert!(basket_day.iter().any(|e| e.solution == Solution::ShoppingBasket));
    assert!(
        day("402001", "2026-04-23").await.is_empty(),
        "a ledger without Vippsnummer/mPOS sales"
    );

    // The feed from the beginning delivers every closed date's entries, in order, then stops.
    let mut cursor: Option<String> = None;
    let mut fed = Vec::new();
    for _ in 0..1000 {
        let page = client
            .sales_feed_page("302322", cursor.as_deref(), 1000)
            .await
            .expect("feed");
        fed.extend(page.entries);
        let end = page.at_end;
        cursor = Some(page.cursor);
        if end {
            break;
        }
    }
    let mut dated = 0;
    let mut date = d("2026-03-09");
    while date < d("2026-04-25") {
        dated += client
            .sales_for_date("302322", date, 1000)
            .await
            .expect("date")
            .entries
            .len();
        date += Duration::days(1);
    }
    assert_eq!(fed.len(), dated);
    assert!(fed.windows(2).all(|w| w[0].time <= w[1].time));
    let again = client
        .sales_feed_page("302322", cursor.as_deref(), 1000)
        .await
        .expect("end");
    assert!(again.entries.is_empty() && again.at_end);

    // Lookups by order and by transaction find the same entries.
    let capture = fed
        .iter()
        .find(|e| e.kind == SaleKind::Capture && !e.outside_vipps_funds())
        .expect("capture");
    let psp = capture.psp_reference.clone().expect("psp");
    let by_psp = client
        .sales_for_psp_reference("302322", &psp)
        .await
        .expect("psp lookup");
    assert_eq!(by_psp.len(), 1);
    assert_eq!(by_psp[0].gross, capture.gross);
    let by_ref = client
        .sales_for_reference("302322", &capture.reference)
        .await
        .expect("ref lookup");
    assert!(by_ref
        .iter()
        .any(|e| e.psp_reference.as_deref() == Some(psp.as_str())));
    sim.shutdown().await;
}

#[tokio::test]
async fn faults_are_retried_and_merchant_keys_get_the_production_refusal() {
    let sim = sim::start(SimConfig {
        today: d("2026-06-15"),
        faults: "report:500=0.2,report:429=0.1,report:cut=0.1,report:empty=0.1,retry-after=0".into(),
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let client = ApiClient::new(&sim.base_url(), partner(), quick()).expect("client");
    let clean = sales_direct(&sim, "302321", d("2026-05-08"));
    let got = client
        .sales_for_date("302321", d("2026-05-08"), 5)
        .await
        .expect("despite faults");
    assert_eq!(got.entries.len(), clean);
    assert!(sim.stats().faults_injected > 0);

    // A merchant token on the Sales API: 403 from the server (raw request, the client refuses early).
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{}/accesstoken/get", sim.base_url()))
        .header("client_id", demo::MERCHANT_CLIENT_ID)
        .header("client_secret", demo::MERCHANT_CLIENT_SECRET)
        .header("Ocp-Apim-Subscription-Key", demo::MERCHANT_SUBSCRIPTION_KEY)
        .header("Merchant-Serial-Number", demo::MERCHANT_MSN)
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let bearer = token["access_token"].as_str().expect("access_token").to_string();
    let status = loop {
        let r = http
            .get(format!(
                "{}/sales/report/v1/ledgers/302321/dates/2026-05-08",
                sim.base_url()
            ))
            .bearer_auth(&bearer)
            .header("Ocp-Apim-Subscription-Key", demo::MERCHANT_SUBSCRIPTION_KEY)
            .send()
            .await;
        // Faults are on for this endpoint: ask until an answer comes back that is not one.
        if let Ok(r) = r {
            if ![429, 500].contains(&r.status().as_u16()) {
                break r.status().as_u16();
            }
        }
    };
    assert_eq!(status, 403);
    sim.shutdown().await;
}

fn sales_direct(sim: &sim::SimHandle, ledger: &str, date: NaiveDate) -> usize {
    sim::sales::sales_for_date(&sim.world(), ledger, date).len()
}
