use super::*;
use crate::model::{Entry, EntryType};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn request(ledgers: &[&str], from: &str, to: &str) -> SyncRequest {
    SyncRequest {
        ledger_ids: ledgers.iter().map(|s| s.to_string()).collect(),
        from: d(from),
        to: d(to),
        gdpr: false,
    }
}

fn one_entry(ledger: &str, topic: Topic, date: NaiveDate) -> Vec<Entry> {
    vec![Entry {
        ledger_id: ledger.into(),
        topic,
        ledger_date: date,
        seq: 0,
        psp_reference: "p".into(),
        time: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default(),
        entry_type: EntryType::Capture,
        reference: "o".into(),
        currency: "NOK".into(),
        amount: 100,
        balance_before: 0,
        balance_after: 100,
        recipient_handle: None,
        name: None,
        masked_phone_no: None,
        message: None,
    }]
}

#[test]
fn an_empty_cache_plans_every_date_of_both_topics() {
    let store = Store::open_in_memory().expect("store");
    let p = plan(
        &store,
        &request(&["12345"], "2024-02-01", "2024-02-29"),
        d("2024-06-01"),
    )
    .expect("plan");
    assert_eq!(p.items.len(), 58);
    assert_eq!(p.count(PlanReason::Missing), 58);
    assert_eq!(p.already_complete, 0);
    assert_eq!((p.items[0].topic, p.items[1].topic), (Topic::Funds, Topic::Fees));
    assert_eq!(p.items[57].date, d("2024-02-29"));
}

#[test]
fn complete_dates_are_never_planned_and_open_or_failed_ones_always_are() {
    let mut store = Store::open_in_memory().expect("store");
    let l = "12345";
    let (d1, d2, d3) = (d("2024-03-01"), d("2024-03-02"), d("2024-03-03"));
    store
        .store_date(
            l,
            Topic::Funds,
            d1,
            &one_entry(l, Topic::Funds, d1),
            DateState::Complete,
            None,
        )
        .expect("1");
    store
        .store_date(l, Topic::Fees, d1, &[], DateState::Complete, None)
        .expect("1f");
    store
        .store_date(
            l,
            Topic::Funds,
            d2,
            &one_entry(l, Topic::Funds, d2),
            DateState::Open,
            None,
        )
        .expect("2");
    store.mark_failed(l, Topic::Fees, d2, "timeout").expect("2f");
    let req = request(&[l], "2024-03-01", "2024-03-03");
    let today = d("2024-06-01");
    let p = plan_with(&store, &req, today, OpenDates::Refetch).expect("plan");
    let got: Vec<_> = p.items.iter().map(|i| (i.topic, i.date, i.reason)).collect();
    assert_eq!(
        got,
        vec![
            (Topic::Funds, d2, PlanReason::Open),
            (Topic::Fees, d2, PlanReason::Failed),
            (Topic::Funds, d3, PlanReason::Missing),
            (Topic::Fees, d3, PlanReason::Missing),
        ]
    );
    assert_eq!(p.already_complete, 2);
    assert!(p.feeds.is_empty() && p.followed.is_empty());

    // A feed never read to its end would walk the ledger's history first: the open date is still
    // fetched by date, and the feed is read as a bounded catch-up, storing nothing before the range.
    let p = plan(&store, &req, today).expect("plan");
    assert!(p.followed.is_empty());
    assert_eq!(p.items.len(), 4);
    assert_eq!(
        p.feeds,
        vec![FeedItem {
            ledger_id: l.into(),
            topic: Topic::Funds,
            from: d("2024-03-01"),
            catch_up: true,
        }]
    );

    // Following a caught-up feed: the open date (fetched just now, no payout after it) is left
    // to the feed; the failed one is still fetched whole.
    store
        .store_feed_page(l, Topic::Funds, &[], "c0", false)
        .expect("cursor");
    let p = plan(&store, &req, today).expect("plan");
    let got: Vec<_> = p.items.iter().map(|i| (i.topic, i.date, i.reason)).collect();
    assert_eq!(got[0], (Topic::Fees, d2, PlanReason::Failed));
    assert_eq!(got.len(), 3);
    let followed: Vec<_> = p.followed.iter().map(|i| (i.topic, i.date)).collect();
    assert_eq!(followed, vec![(Topic::Funds, d2)]);
    assert_eq!(
        p.feeds,
        vec![FeedItem {
            ledger_id: l.into(),
            topic: Topic::Funds,
            from: d2,
            catch_up: false,
        }]
    );
}

#[test]
fn an_open_date_with_a_payout_after_it_is_fetched_whole_again() {
    let mut store = Store::open_in_memory().expect("store");
    let l = "12345";
    let (d2, d3) = (d("2024-03-02"), d("2024-03-03"));
    for day in [d2, d3] {
        store
            .store_date(
                l,
                Topic::Funds,
                day,
                &one_entry(l, Topic::Funds, day),
                DateState::Open,
                None,
            )
            .expect("open");
    }
    let mut payout = one_entry(l, Topic::Funds, d3);
    payout[0].entry_type = crate::model::EntryType::PayoutScheduled;
    payout[0].seq = 1;
    store
        .store_feed_page(l, Topic::Funds, &payout, "c1", false)
        .expect("feed page");
    let p = plan(
        &store,
        &request(&[l], "2024-03-02", "2024-03-03"),
        d("2024-06-01"),
    )
    .expect("plan");
    let funds: Vec<_> = p
        .items
        .iter()
        .filter(|i| i.topic == Topic::Funds)
        .map(|i| (i.date, i.reason))
        .collect();
    assert_eq!(funds, vec![(d2, PlanReason::Open), (d3, PlanReason::Open)]);
    assert!(p.followed.is_empty());
}

#[test]
fn today_is_followed_and_later_dates_are_never_planned() {
    let mut store = Store::open_in_memory().expect("store");
    let req = request(&["1"], "2024-03-30", "2024-04-02");
    // Before the feeds have ever reached their end, today is fetched by date, and only today is
    // open: not worth reading the feed's history for.
    let p = plan(&store, &req, d("2024-04-01")).expect("plan");
    assert!(p.followed.is_empty());
    assert_eq!(p.items.len(), 6);
    assert!(p.feeds.is_empty());
    for t in Topic::ALL {
        store.store_feed_page("1", t, &[], "end", false).expect("cursor");
    }
    let p = plan(&store, &req, d("2024-04-01")).expect("plan");
    let reasons: Vec<_> = p.items.iter().step_by(2).map(|i| (i.date, i.reason)).collect();
    assert_eq!(
        reasons,
        vec![
            (d("2024-03-30"), PlanReason::Missing),
            (d("2024-03-31"), PlanReason::Missing),
        ]
    );
    let followed: Vec<_> = p.followed.iter().map(|i| (i.date, i.reason)).collect();
    assert_eq!(
        followed,
        vec![
            (d("2024-04-01"), PlanReason::NotClosedYet),
            (d("2024-04-01"), PlanReason::NotClosedYet)
        ]
    );
    assert_eq!(p.feeds.len(), 2);
    // Without the feed, today is fetched by date; the day after still never is.
    let p = plan_with(&store, &req, d("2024-04-01"), OpenDates::Refetch).expect("plan");
    let last = p.items.last().map(|i| (i.date, i.reason));
    assert_eq!(last, Some((d("2024-04-01"), PlanReason::NotClosedYet)));
    assert_eq!(p.items.len(), 6);
}

#[test]
fn asking_for_gdpr_data_refetches_dates_stored_without_it() {
    let mut store = Store::open_in_memory().expect("store");
    let day = d("2024-03-01");
    store
        .store_date("1", Topic::Funds, day, &[], DateState::Complete, None)
        .expect("plain");
    let mut req = request(&["1"], "2024-03-01", "2024-03-01");
    assert_eq!(plan(&store, &req, d("2024-06-01")).expect("plan").items.len(), 1);
    req.gdpr = true;
    let p = plan(&store, &req, d("2024-06-01")).expect("plan");
    assert_eq!(
        p.items.iter().map(|i| i.reason).collect::<Vec<_>>(),
        vec![PlanReason::GdprMissing, PlanReason::Missing]
    );
}

#[test]
fn many_ledgers_are_planned_in_one_run() {
    let store = Store::open_in_memory().expect("store");
    let p = plan(
        &store,
        &request(&["a", "b", "c"], "2024-01-01", "2024-01-31"),
        d("2024-06-01"),
    )
    .expect("plan");
    assert_eq!(p.items.len(), 3 * 31 * 2);
    assert_eq!(p.items.iter().filter(|i| i.ledger_id == "b").count(), 62);
}

#[test]
fn a_sync_can_run_on_any_runtime_thread() {
    fn assert_send<T: Send>(_: &T) {}
    let creds = crate::api::Credentials::Partner {
        client_id: "id".into(),
        client_secret: crate::secrets::Secret::new("secret"),
    };
    let client =
        ApiClient::new("http://127.0.0.1:9", creds, crate::api::ClientConfig::default()).expect("client");
    let plan = SyncPlan {
        followed: Vec::new(),
        feeds: Vec::new(),
        items: vec![],
        already_complete: 0,
        gdpr: false,
    };
    let path = std::path::PathBuf::from("unused.sqlite");
    // The window spawns the sync on its runtime: the future must be Send.
    let fut = execute(
        &client,
        &path,
        plan,
        SyncOptions::default(),
        |_| {},
        CancelToken::new(),
    );
    assert_send(&fut);
}

#[test]
fn a_backwards_range_is_refused() {
    let store = Store::open_in_memory().expect("store");
    let r = plan(
        &store,
        &request(&["1"], "2024-02-01", "2024-01-01"),
        d("2024-06-01"),
    );
    assert!(matches!(r, Err(Error::Input(_))));
}

#[test]
fn the_summary_exit_code_says_whether_anything_failed() {
    let mut s = SyncSummary {
        complete: 60,
        open: 2,
        failed: vec![],
        already_complete: 0,
        entries_stored: 10,
        requests: 62,
        pages: 62,
        not_attempted: 0,
        followed: 0,
        feed_pages: 0,
        feed_entries: 0,
        cancelled: false,
        elapsed_ms: 5,
    };
    assert_eq!(s.exit_code(), 0);
    s.failed.push(FailedDate {
        ledger_id: "1".into(),
        topic: Topic::Fees,
        date: d("2024-01-01"),
        reason: "x".into(),
    });
    assert_eq!(s.exit_code(), 1);
}
