//! Sales synced into the real SQLite cache from the simulator over loopback (issue 17): stored with
//! funds and fees, each date whole, the feed page with its cursor; the three invariants hold on
//! every synced month; the join finds every capture's sales entry; one altered line amount in the
//! cache makes the check fail with the figures; the Sales sheet is in the workbook.

use avstem_core::api::{ApiClient, ClientConfig, Credentials};
use avstem_core::model::{EntryType, Topic, YearMonth};
use avstem_core::sales::SaleViolation;
use avstem_core::secrets::Secret;
use avstem_core::sim::{self, demo, SimConfig, SimHandle};
use avstem_core::store::{DateState, Store};
use avstem_core::sync::sales::{execute_sales, plan_sales, wants_sales, SalesChoice};
use avstem_core::sync::{self, CancelToken, SyncOptions, SyncRequest};
use chrono::NaiveDate;
use std::path::Path;
use std::time::Duration;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn partner(sim: &SimHandle) -> ApiClient {
    let creds = Credentials::Partner {
        client_id: demo::PARTNER_CLIENT_ID.into(),
        client_secret: Secret::new(demo::PARTNER_CLIENT_SECRET),
    };
    let cfg = ClientConfig {
        timeout: Duration::from_secs(5),
        max_retries: 8,
        base_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(20),
        ..ClientConfig::default()
    };
    ApiClient::new(&sim.base_url(), creds, cfg).expect("client")
}

/// Funds and fees through the sync plan, then sales for the same request.
async fn sync_all(
    client: &ApiClient,
    path: &Path,
    req: &SyncRequest,
    today: NaiveDate,
) -> avstem_core::sync::sales::SalesSummary {
    let plan = sync::plan(&Store::open(path).expect("store"), req, today).expect("plan");
    let s = sync::execute(
        client,
        path,
        plan,
        SyncOptions { concurrency: 4 },
        |_| {},
        CancelToken::new(),
    )
    .await
    .expect("sync");
    assert!(s.failed.is_empty(), "{:?}", s.failed);
    let (items, planned) = plan_sales(&Store::open(path).expect("store"), req, today).expect("sales plan");
    execute_sales(client, path, items, planned, today, 4, &CancelToken::new())
        .await
        .expect("sales")
}

/// Funds captures and refunds on `handle` since the first sale of the month: what needs a sales entry.
fn expected_sales(
    world: &sim::data::World,
    ledger: &str,
    handle: &str,
    month: YearMonth,
    first: chrono::DateTime<chrono::Utc>,
) -> u64 {
    month
        .first_day()
        .iter_days()
        .take_while(|d| *d <= month.last_day())
        .flat_map(|day| world.entries(ledger, Topic::Funds, day))
        .filter(|e| {
            matches!(e.entry_type, EntryType::Capture | EntryType::Refund)
                && e.recipient_handle.as_deref() == Some(handle)
                && e.time >= first
        })
        .count() as u64
}

#[tokio::test]
async fn every_simulator_month_of_sales_is_cached_checked_joined_and_an_altered_line_fails_the_check() {
    let sim = sim::start(SimConfig {
        today: d("2026-07-06"),
        faults: "report:500=0.1,report:429=0.05,retry-after=0".into(),
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let client = partner(&sim);
    assert!(wants_sales(&client, SalesChoice::Auto).expect("auto"));
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cache.sqlite");
    let mut store = Store::open(&path).expect("store");
    sync::refresh_ledgers(&client, &mut store, "partner", None)
        .await
        .expect("ledgers");
    // Every month the Sales API has data for: from the mPOS floor (2026-03-09) to the last closed day.
    // 402001 (a Danish webshop) has no Vippsnummer or mPOS sales: its dates come back empty and it
    // gets no Sales sheet.
    let req = SyncRequest {
        ledger_ids: vec!["302321".into(), "302322".into(), "402001".into()],
        from: d("2026-03-01"),
        to: d("2026-06-30"),
        gdpr: false,
    };
    let today = d("2026-07-06");
    let summary = sync_all(&client, &path, &req, today).await;
    assert_eq!(
        summary.ledgers,
        vec!["302321".to_string(), "302322".to_string(), "402001".to_string()]
    );
    // 122 days × 3 ledgers. A sales date is complete once its funds date is: the two weekly
    // ledgers' 2026-06-30 is still open in funds (the week's payout has not run), so it stays open.
    assert_eq!(
        (summary.complete, summary.open, summary.already_complete),
        (364, 2, 0)
    );
    let mut open = Vec::new();
    for l in &summary.ledgers {
        for st in store.sales_date_statuses(l, req.from, req.to).expect("statuses") {
            let funds = store
                .date_statuses(l, Topic::Funds, st.date, st.date)
                .expect("funds");
            let funds_complete = funds.first().is_some_and(|f| f.state == DateState::Complete);
            assert_eq!(st.state == DateState::Complete, funds_complete, "{l} {}", st.date);
            if st.state != DateState::Complete {
                open.push((l.as_str(), st.date));
            }
        }
    }
    assert_eq!(
        open,
        vec![("302322", d("2026-06-30")), ("402001", d("2026-06-30"))]
    );
    assert!(
        summary.failed.is_empty() && summary.flagged.is_empty(),
        "{summary:?}"
    );

    let world = sim.world();
    let mut seen = Vec::new();
    for m in ["2026-03", "2026-04", "2026-05", "2026-06"] {
        let month = YearMonth::parse(m).expect("month");
        for (ledger, handle) in [("302321", "NO:57861"), ("302322", "NO:57862")] {
            // Every cached entry is what the simulator serves, and keeps the three invariants.
            let cached = store
                .sales_entries(ledger, month.first_day(), month.last_day())
                .expect("read");
            let served: Vec<_> = month
                .first_day()
                .iter_days()
                .take_while(|day| *day <= month.last_day())
                .flat_map(|day| sim::sales::sales_for_date(&world, ledger, day))
                .collect();
            assert_eq!(cached.len(), served.len(), "{ledger} {m}");
            assert!(cached.iter().all(|s| s.violations.is_empty()), "{ledger} {m}");
            let l = store.ledger(ledger).expect("read").expect("ledger");
            let Some(sm) = store.sales_month(&l, month).expect("join") else {
                // Only March of the Vippsnummer ledger can be empty: open amounts start 2026-03-16.
                assert!(cached.is_empty(), "{ledger} {m}");
                continue;
            };
            assert!(sm.check.ok, "{ledger} {m}: {:?}", sm.check.problems);
            // Every capture and refund on the sales unit found its sales entry, and every sales
            // entry with a pspReference is one of them.
            let first = cached.iter().map(|s| s.entry.time).min().expect("first sale");
            assert_eq!(
                sm.matched,
                expected_sales(&world, ledger, handle, month, first),
                "{ledger} {m}"
            );
            assert_eq!(
                sm.matched,
                sm.total.entries - sm.outside_funds.len() as u64,
                "{ledger} {m}"
            );
            // Cash sales have no pspReference and are listed as outside Vipps funds, each of them.
            let cash: Vec<&str> = served
                .iter()
                .filter(|s| s.psp_reference.is_none())
                .map(|s| s.reference.as_str())
                .collect();
            let listed: Vec<&str> = sm.outside_funds.iter().map(|o| o.reference.as_str()).collect();
            assert_eq!(listed, cash, "{ledger} {m}");
            assert!(sm
                .outside_funds
                .iter()
                .all(|o| o.payment_type == "CASH" && o.gross > 0));
            // The per-rate, per-category and per-day tables add up to the month.
            let rate_gross: i64 = sm.by_rate.values().map(|f| f.gross).sum();
            assert_eq!(rate_gross + sm.total.vat_unknown, sm.total.gross, "{ledger} {m}");
            let rate_vat: i64 = sm.by_rate.values().map(|f| f.vat).sum();
            assert_eq!(rate_vat, sm.total.vat, "{ledger} {m}");
            let cat_gross: i64 = sm.by_category.values().map(|f| f.gross).sum();
            assert_eq!(cat_gross, sm.total.gross, "{ledger} {m}");
            let day_gross: i64 = sm.by_day.values().map(|f| f.gross).sum();
            assert_eq!(day_gross, sm.total.gross, "{ledger} {m}");
            eprintln!(
                "{ledger} {m}: {} entries, {} matched, {} cash, gross {} (VAT known {}, unknown {}), rates {:?}",
                sm.total.entries,
                sm.matched,
                sm.outside_funds.len(),
                sm.total.gross,
                sm.total.vat,
                sm.total.vat_unknown,
                sm.by_rate.iter().map(|(r, f)| (*r, f.gross, f.vat)).collect::<Vec<_>>()
            );
            seen.push((
                ledger,
                m,
                sm.total.entries,
                sm.matched,
                sm.outside_funds.len(),
                sm.total.gross,
                sm.total.vat,
            ));
        }
        let dk = store.ledger("402001").expect("read").expect("ledger");
        assert_eq!(store.sales_month(&dk, month).expect("join"), None, "402001 {m}");
    }
    // The simulator's figures (seeded world): (ledger, month, entries, captures and refunds matched,
    // cash sales, gross, VAT stated). March of the Vippsnummer ledger is open amounts only (no VAT
    // stated); shopping baskets start 2026-04-22.
    assert_eq!(
        seen,
        vec![
            ("302321", "2026-03", 291, 291, 0, 2_482_250, 0),
            ("302322", "2026-03", 693, 585, 108, 14_559_725, 1_739_374),
            ("302321", "2026-04", 626, 626, 0, 5_442_300, 132_573),
            ("302322", "2026-04", 850, 718, 132, 17_427_475, 2_051_445),
            ("302321", "2026-05", 641, 641, 0, 5_581_425, 413_694),
            ("302322", "2026-05", 890, 751, 139, 17_554_900, 1_995_264),
            ("302321", "2026-06", 602, 602, 0, 4_994_950, 371_471),
            ("302322", "2026-06", 867, 731, 136, 17_155_950, 2_017_956),
        ]
    );

    // A second sync asks the Sales API again for the two open dates only.
    let before = sim.stats();
    let again = sync_all(&client, &path, &req, today).await;
    assert_eq!((again.complete, again.open, again.already_complete), (0, 2, 364));
    // Two requests, plus one retry per injected fault that hit them.
    let after = sim.stats();
    let sales_requests = after.sales_requests - before.sales_requests;
    let faults = after.faults_injected - before.faults_injected;
    assert!(
        (2..=2 + faults).contains(&sales_requests),
        "complete sales dates are not fetched twice: {sales_requests} requests, {faults} faults"
    );
    let month = YearMonth::new(2026, 5).expect("month");

    // One altered line amount in the cache: the entry is flagged and the check fails, with figures.
    let l = store.ledger("302321").expect("read").expect("ledger");
    let before = store.sales_month(&l, month).expect("join").expect("sales");
    let victim = store
        .sales_entries("302321", month.first_day(), month.last_day())
        .expect("read")
        .into_iter()
        .find(|s| s.entry.lines.len() >= 2 && s.entry.completeness.has_vat_breakdown)
        .expect("a basket");
    let was = victim.entry.lines[0].line_total_gross.expect("total");
    // Plain SQLite on purpose: the alteration is made behind Avstem's back, as a damaged file would be.
    #[allow(clippy::disallowed_methods)]
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    let changed = conn
        .execute(
            "UPDATE sales_entries SET body = json_set(body, '$.lines[0].lineTotalGross', ?1) \
             WHERE ledger_id = '302321' AND reference = ?2 AND kind = 'capture'",
            rusqlite::params![was + 100, victim.entry.reference],
        )
        .expect("alter");
    assert_eq!(changed, 1);
    let after = store.sales_month(&l, month).expect("join").expect("sales");
    assert!(!after.check.ok);
    assert_eq!(after.check.problem_count, 1);
    assert_eq!(after.flagged.len(), 1);
    let gross = victim.entry.gross.expect("gross");
    assert_eq!(
        after.flagged[0].1,
        vec![
            SaleViolation::LineTotal {
                line_id: victim.entry.lines[0].line_id.clone(),
                expected: was,
                actual: was + 100
            },
            SaleViolation::GrossSum {
                lines: gross + 100,
                gross
            },
        ]
    );
    assert!(after.check.problems[0].contains(&victim.entry.reference));
    assert_eq!(
        after.total.gross, before.total.gross,
        "the entry's own gross is unchanged"
    );

    // The workbook has a Sales sheet and the check on Checks.
    let out = dir.path().join("2026-05.xlsx");
    let opts = avstem_core::export::ExportOptions {
        gdpr: false,
        accounts: avstem_core::reconcile::JournalAccounts::defaults_for("NOK"),
        clock: avstem_core::clock::Clock::Fixed("2026-06-15T12:00:00Z".parse().expect("t")),
    };
    avstem_core::export::write_xlsx(&store, "302321", month, &opts, &out).expect("workbook");
    let bytes = std::fs::read(&out).expect("xlsx");
    let zip = zip_names(&bytes);
    assert!(zip.iter().any(|n| n == "xl/worksheets/sheet9.xml"), "{zip:?}");
    sim.shutdown().await;
}

/// The names in an xlsx (zip) file, read from its central directory.
fn zip_names(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 46 <= bytes.len() {
        if bytes[i..i + 4] == [0x50, 0x4b, 0x01, 0x02] {
            let n = usize::from(u16::from_le_bytes([bytes[i + 28], bytes[i + 29]]));
            if let Some(name) = bytes.get(i + 46..i + 46 + n) {
                out.push(String::from_utf8_lossy(name).into_owned());
            }
            i += 46 + n;
        } else {
            i += 1;
        }
    }
    out
}

#[tokio::test]
async fn a_feed_page_and_its_cursor_are_stored_together_and_a_repeat_adds_nothing() {
    let sim = sim::start(SimConfig {
        today: d("2026-04-25"),
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let client = partner(&sim);
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cache.sqlite");
    let mut store = Store::open(&path).expect("store");
    assert_eq!(store.sales_cursor("302322").expect("cursor"), None);
    let page = client.sales_feed_page("302322", None, 50).await.expect("feed");
    assert_eq!(page.entries.len(), 50);
    let w = store
        .store_sales_feed_page("302322", &page.entries, &page.cursor)
        .expect("store");
    assert_eq!((w.stored, w.skipped), (50, 0));
    assert_eq!(
        store.sales_cursor("302322").expect("cursor"),
        Some(page.cursor.clone())
    );
    let again = store
        .store_sales_feed_page("302322", &page.entries, &page.cursor)
        .expect("store");
    assert_eq!((again.stored, again.skipped), (0, 50));
    // The next page resumes from the persisted cursor: no entry of the first page comes back.
    let cursor = store.sales_cursor("302322").expect("cursor").expect("some");
    let next = client
        .sales_feed_page("302322", Some(&cursor), 50)
        .await
        .expect("feed");
    let w = store
        .store_sales_feed_page("302322", &next.entries, &next.cursor)
        .expect("store");
    assert_eq!(w.stored, next.entries.len() as u64);
    let first = page.entries[0].ledger_date;
    let statuses = store
        .sales_date_statuses("302322", first, d("2026-04-25"))
        .expect("s");
    assert!(statuses.iter().all(|s| s.state == DateState::Open));
    // A date stored whole replaces what the feed appended, and is complete from then on.
    let day = client.sales_for_date("302322", first, 1000).await.expect("date");
    store
        .store_sales_date("302322", first, &day.entries, DateState::Complete)
        .expect("date");
    let cached = store.sales_entries("302322", first, first).expect("read");
    assert_eq!(cached.len(), day.entries.len());
    let skip = store
        .store_sales_feed_page("302322", &page.entries, &page.cursor)
        .expect("store");
    assert_eq!(skip.stored, 0);
    let _ = Topic::Funds;
    sim.shutdown().await;
}
