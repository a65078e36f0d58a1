//! Open dates followed through the feed, against the real simulator over HTTP into a real SQLite
//! file, when the feed misbehaves: a cursor the server rejects, a feed that repeats what it already
//! sent, a month that stays open for weeks. Each ends with exactly the entries the server holds,
//! once (no duplicates, no gaps). (An entry first seen on the feed and later on its closed date is
//! `sync_sim::open_dates_become_complete_once_the_simulator_closes_them`; SIGKILL between pages is
//! `tests/crash_sync.sh`, whose demo profile follows today through the feed.)

use avstem_core::api::{ApiClient, ClientConfig, Credentials};
use avstem_core::model::{Entry, Topic};
use avstem_core::month::open::{OpenNotes, OpenWhy};
use avstem_core::secrets::Secret;
use avstem_core::sim::data::OpenReason;
use avstem_core::sim::{self, demo, SimConfig, SimHandle};
use avstem_core::store::{DateState, Store};
use avstem_core::sync::{self, CancelToken, SyncOptions, SyncRequest, SyncSummary};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Sauna Oy, paid out monthly: on day 20 every date of the month is open upstream.
const MONTHLY: &str = "502001";

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

async fn simulator(today: &str, page_size: usize) -> SimHandle {
    sim::start(SimConfig {
        seed: 5,
        today: d(today),
        page_size,
        ..SimConfig::default()
    })
    .await
    .expect("simulator")
}

fn partner(sim: &SimHandle) -> ApiClient {
    let config = ClientConfig {
        timeout: Duration::from_secs(10),
        base_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(20),
        ..ClientConfig::default()
    };
    let creds = Credentials::Partner {
        client_id: demo::PARTNER_CLIENT_ID.into(),
        client_secret: Secret::new(demo::PARTNER_CLIENT_SECRET),
    };
    ApiClient::new(&sim.base_url(), creds, config).expect("client")
}

async fn setup(sim: &SimHandle, path: &Path) -> ApiClient {
    let client = partner(sim);
    let mut store = Store::open(path).expect("store");
    sync::refresh_ledgers(&client, &mut store, "accountant", None)
        .await
        .expect("ledgers");
    client
}

async fn sync_month(client: &ApiClient, path: &Path, ledger: &str, from: &str, today: &str) -> SyncSummary {
    let req = SyncRequest {
        ledger_ids: vec![ledger.into()],
        from: d(from),
        to: d(today),
        gdpr: false,
    };
    let plan = sync::plan(&Store::open(path).expect("store"), &req, d(today)).expect("plan");
    sync::execute(
        client,
        path,
        plan,
        SyncOptions::default(),
        |_| {},
        CancelToken::new(),
    )
    .await
    .expect("sync")
}

type Key = (String, i64, i64);

/// Per (topic, date): each entry's identity (payment id, amount, balance after) with how often it is stored.
fn stored(
    path: &Path,
    ledger: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<(Topic, NaiveDate), Vec<Key>> {
    let store = Store::open(path).expect("store");
    let mut out = BTreeMap::new();
    for t in Topic::ALL {
        for day in from.iter_days().take_while(|x| *x <= to) {
            let es = store.entries_between(ledger, t, day, day).expect("read");
            out.insert((t, day), keys(&es));
        }
    }
    out
}

fn keys(es: &[Entry]) -> Vec<Key> {
    let mut k: Vec<Key> = es
        .iter()
        .map(|e| (e.psp_reference.clone(), e.amount, e.balance_after))
        .collect();
    k.sort();
    k
}

/// What the server holds for the closed part of the range, and what its feed shows of today.
fn served(
    sim: &SimHandle,
    ledger: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<(Topic, NaiveDate), Vec<Key>> {
    let world = sim.world();
    let mut out = BTreeMap::new();
    for t in Topic::ALL {
        for day in from.iter_days().take_while(|x| *x <= to) {
            out.insert((t, day), keys(&world.entries(ledger, t, day)));
        }
    }
    out
}

/// The first sync fetches every date; the next (an hour later) finds the month's dates still open
/// and reads the feed's history once, to the present. From then on the feed is followed.
async fn sync_and_catch_up(client: &ApiClient, path: &Path, ledger: &str, from: &str, today: &str) {
    let first = sync_month(client, path, ledger, from, today).await;
    assert!(first.failed.is_empty(), "{:?}", first.failed);
    assert_eq!(
        (first.followed, first.feed_pages),
        (0, 0),
        "a first sync fetches by date: {first:?}"
    );
    let second = sync_month(client, path, ledger, from, today).await;
    assert!(second.failed.is_empty(), "{:?}", second.failed);
    assert!(second.feed_pages >= 2, "the feed's history read once: {second:?}");
    let store = Store::open(path).expect("store");
    for t in Topic::ALL {
        assert!(
            store.feed_caught_up(ledger, t).expect("read"),
            "{t:?} feed caught up"
        );
    }
}

fn total(m: &BTreeMap<(Topic, NaiveDate), Vec<Key>>) -> usize {
    m.values().map(Vec::len).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_monthly_ledger_open_for_weeks_is_followed_and_says_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.sqlite");
    let sim = simulator("2024-05-20", 1000).await;
    let client = setup(&sim, &path).await;
    sync_and_catch_up(&client, &path, MONTHLY, "2024-04-01", "2024-05-20").await;
    // April closed with the payout on 1 May; 2–19 May are open upstream, today is followed.
    let store = Store::open(&path).expect("store");
    let may = store
        .date_statuses(MONTHLY, Topic::Funds, d("2024-05-01"), d("2024-05-20"))
        .expect("status");
    assert_eq!(may.len(), 20);
    // 1 May pays out (April's payout) and is closed; every later date waits for 1 June.
    assert_eq!(may[0].state, DateState::Complete);
    assert!(may[1..].iter().all(|s| s.state == DateState::Open), "{may:?}");
    let world = sim.world();
    for day in d("2024-05-02").iter_days().take(18) {
        assert_eq!(
            world.open_reason(MONTHLY, day, d("2024-05-20")),
            Some(OpenReason::MonthlySettlement)
        );
    }
    // The product reads the same reason from the cache alone, with the day it closes.
    let ledger = store.ledger(MONTHLY).expect("read").expect("ledger");
    let notes = OpenNotes::read(&store, &ledger, d("2024-05-20")).expect("notes");
    let note = notes.note(d("2024-05-07"));
    assert_eq!(
        (note.why, note.closes),
        (OpenWhy::MonthlySettlement, Some(d("2024-06-01")))
    );
    assert_eq!(notes.note(d("2024-05-20")).why, OpenWhy::Today);
    drop(store);
    // An hourly re-sync from now on: the open dates are not fetched again, only the feed is read.
    sim.reset_stats();
    let again = sync_month(&client, &path, MONTHLY, "2024-04-01", "2024-05-20").await;
    let stats = sim.stats();
    assert_eq!(stats.report_requests, 0, "{stats:?}");
    assert!(stats.feed_requests <= 4, "{stats:?}");
    assert_eq!(again.entries_stored, 0, "nothing new on the feed: {again:?}");
    let want = served(&sim, MONTHLY, d("2024-04-01"), d("2024-05-19"));
    let got = stored(&path, MONTHLY, d("2024-04-01"), d("2024-05-19"));
    assert!(total(&want) > 500, "{}", total(&want));
    assert_eq!(got, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_cursor_the_server_rejects_is_read_again_from_the_start_without_duplicates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.sqlite");
    let sim = simulator("2024-05-20", 1000).await;
    let client = setup(&sim, &path).await;
    sync_and_catch_up(&client, &path, MONTHLY, "2024-05-01", "2024-05-20").await;
    let before = stored(&path, MONTHLY, d("2024-05-01"), d("2024-05-20"));
    // A cursor the server no longer knows (expired, or from another ledger).
    let mut store = Store::open(&path).expect("store");
    store
        .store_feed_page(MONTHLY, Topic::Funds, &[], "not-a-cursor-this-server-gave", false)
        .expect("cursor");
    drop(store);
    let summary = sync_month(&client, &path, MONTHLY, "2024-05-01", "2024-05-20").await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert!(summary.feed_pages >= 2, "read again from the start: {summary:?}");
    assert_eq!(
        summary.feed_entries, 0,
        "everything it re-read was already stored"
    );
    assert_eq!(stored(&path, MONTHLY, d("2024-05-01"), d("2024-05-20")), before);
    let cursor = Store::open(&path)
        .expect("store")
        .feed_cursor(MONTHLY, Topic::Funds)
        .expect("cursor");
    assert!(cursor.is_some_and(|c| c != "not-a-cursor-this-server-gave"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_that_repeats_everything_it_sent_stores_each_entry_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cache.sqlite");
    let sim = simulator("2024-05-20", 1000).await;
    let client = setup(&sim, &path).await;
    sync_and_catch_up(&client, &path, MONTHLY, "2024-05-01", "2024-05-20").await;
    let before = stored(&path, MONTHLY, d("2024-05-01"), d("2024-05-20"));
    let today_count = before[&(Topic::Funds, d("2024-05-20"))].len();
    assert!(today_count > 0, "today so far has entries");
    // Forget both cursors: the next sync reads both feeds from the beginning, every page a repeat.
    for _ in 0..2 {
        let mut store = Store::open(&path).expect("store");
        for t in Topic::ALL {
            store.clear_feed_cursor(MONTHLY, t).expect("clear");
        }
        drop(store);
        sim.reset_stats();
        let summary = sync_month(&client, &path, MONTHLY, "2024-05-01", "2024-05-20").await;
        assert!(summary.failed.is_empty(), "{:?}", summary.failed);
        assert!(sim.stats().feed_requests >= 4, "{:?}", sim.stats());
        assert_eq!(summary.feed_entries, 0);
        let after = stored(&path, MONTHLY, d("2024-05-01"), d("2024-05-20"));
        assert_eq!(after, before);
        assert!(
            after.values().all(|ks| ks.windows(2).all(|w| w[0] != w[1])),
            "no entry twice"
        );
    }
}
