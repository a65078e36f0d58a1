//! `avstem sync` and what was sold (issue 17): the demo profile has accounting keys, so a sync
//! fetches the Sales API with funds and fees unless `--no-sales` says not to; `--sales` asks for it.
//! The simulator over real HTTP, a real cache file.

use avstem_cli::sync::{run, SyncArgs};
use avstem_core::context::Context;
use avstem_core::model::{Country, YearMonth};
use avstem_core::store::DateState;

fn args(month: YearMonth, sales: bool, no_sales: bool) -> SyncArgs {
    SyncArgs {
        profile: "demo".into(),
        ledgers: vec!["302321".into()],
        month: Some(month),
        from: None,
        to: None,
        gdpr: false,
        concurrency: 4,
        sales,
        no_sales,
        json: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_fetches_sales_with_accounting_keys_unless_told_not_to() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = Context::new(dir.path().join("data"));
    let today = ctx.clock.today_in(Country::No);
    // A month that is over and after the Sales API's floors (the demo's clock is the real one).
    let month = YearMonth::of(today).prev().prev();
    let days = u32::try_from(
        month
            .last_day()
            .signed_duration_since(month.first_day())
            .num_days()
            + 1,
    )
    .expect("days");

    assert_eq!(run(&ctx, &args(month, false, true)).await.expect("sync"), 0);
    let store = ctx.open_store().expect("store");
    assert!(store
        .sales_date_statuses("302321", month.first_day(), month.last_day())
        .expect("statuses")
        .is_empty());
    drop(store);

    // The default with accounting keys: sales too, every date of the month complete.
    assert_eq!(run(&ctx, &args(month, false, false)).await.expect("sync"), 0);
    let store = ctx.open_store().expect("store");
    let statuses = store
        .sales_date_statuses("302321", month.first_day(), month.last_day())
        .expect("statuses");
    assert_eq!(statuses.len() as u32, days);
    assert!(statuses.iter().all(|s| s.state == DateState::Complete));
    let ledger = store.ledger("302321").expect("read").expect("ledger");
    let sold = store.sales_month(&ledger, month).expect("join").expect("sales");
    assert!(sold.check.ok, "{:?}", sold.check.problems);
    assert!(
        sold.total.entries > 300 && sold.matched == sold.total.entries,
        "{:?}",
        sold.total
    );
    let cached = sold.total.entries;
    drop(store);

    // `--sales` again: nothing new (every date complete), the same entries.
    assert_eq!(run(&ctx, &args(month, true, false)).await.expect("sync"), 0);
    let store = ctx.open_store().expect("store");
    let again = store.sales_month(&ledger, month).expect("join").expect("sales");
    assert_eq!(again.total.entries, cached);
}
