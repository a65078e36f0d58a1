//! `avstem export` end to end: the demo profile's simulator over real HTTP, `--sync` filling the
//! cache, then the workbook and the CSV; without `--sync` an unsynced month is refused by name.

// The test alters the cache with a raw SQLite connection on purpose.
#![allow(clippy::disallowed_methods)]

use avstem_cli::export::{run, AccountArgs, ExportArgs, EXIT_CHECKS_FAILED};
use avstem_core::context::Context;
use avstem_core::export::ExportFormat;
use avstem_core::model::Country;
use avstem_core::model::YearMonth;
use avstem_core::month;
use calamine::{open_workbook, Data, Reader, Xlsx};

fn args(dir: &std::path::Path, month: YearMonth, sync: bool, format: ExportFormat, file: &str) -> ExportArgs {
    ExportArgs {
        profile: "demo".into(),
        ledger: "302321".into(),
        month,
        out: dir.join(file),
        gdpr: false,
        sync,
        format,
        accounts: AccountArgs {
            clearing: Some("1589".into()),
            ..AccountArgs::default()
        },
        json: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_with_sync_fetches_the_month_and_writes_a_workbook_that_matches_the_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = Context::new(dir.path().join("data"));
    let today = ctx.clock.today_in(Country::No);
    let month = YearMonth::of(today).prev().prev();

    // Nothing cached yet: refused, with the dates named.
    let refused = run(
        &ctx,
        &args(dir.path(), month, false, ExportFormat::Xlsx, "m.xlsx"),
    )
    .await;
    let message = refused.expect_err("refused").to_string();
    assert!(
        message.contains("Ledger 302321 is not in the cache") || message.contains("not synced"),
        "{message}"
    );
    assert!(!dir.path().join("m.xlsx").exists());

    let code = run(&ctx, &args(dir.path(), month, true, ExportFormat::Xlsx, "m.xlsx"))
        .await
        .expect("export");
    assert_eq!(code, 0);
    let store = ctx.open_store().expect("store");
    assert!(month::missing_dates(&store, "302321", month, today)
        .expect("missing")
        .is_empty());
    let (_, report) = month::reconcile_cached(&store, "302321", month).expect("reconcile");
    assert!(report.all_ok, "{:?}", report.failed_checks().collect::<Vec<_>>());
    assert!(
        report.totals.figures.sales() > 0 && report.totals.payout_count >= 28,
        "{:?}",
        report.totals
    );

    let mut wb: Xlsx<_> = open_workbook(dir.path().join("m.xlsx")).expect("open");
    let journal = wb.worksheet_range("Journal").expect("journal");
    let accounts: Vec<String> = journal
        .rows()
        .skip(1)
        .filter_map(|r| match r.get(2) {
            Some(Data::String(s)) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert!(
        accounts.contains(&"1589".to_string()),
        "the chosen clearing account is used"
    );
    let summary = wb.worksheet_range("Summary").expect("summary");
    assert_eq!(summary.get_value((1, 1)), Some(&Data::String("302321".into())));

    // The CSV from the same cache, without syncing again.
    let code = run(&ctx, &args(dir.path(), month, false, ExportFormat::Csv, "m.csv"))
        .await
        .expect("csv");
    assert_eq!(code, 0);
    let csv = std::fs::read_to_string(dir.path().join("m.csv")).expect("read");
    assert_eq!(
        csv.lines().count() as u64,
        1 + report.totals.funds_count + report.totals.fees_count
    );

    // One amount altered in the cache: the workbook is still written (to show the failing check),
    // and the command says so with its own exit status, so a script does not post the month.
    drop(store);
    let conn = rusqlite::Connection::open(ctx.cache_path()).expect("open cache");
    let changed = conn
        .execute(
            "UPDATE entries SET amount = amount + 100 WHERE (ledger_id, topic, date, seq) IN \
             (SELECT ledger_id, topic, date, seq FROM entries \
              WHERE ledger_id = '302321' AND topic = 0 AND entry_type = 'capture' AND date = ?1 LIMIT 1)",
            [i64::from(
                month
                    .first_day()
                    .format("%Y%m15")
                    .to_string()
                    .parse::<i32>()
                    .expect("key"),
            )],
        )
        .expect("alter");
    assert_eq!(changed, 1);
    drop(conn);
    let code = run(
        &ctx,
        &args(dir.path(), month, false, ExportFormat::Xlsx, "altered.xlsx"),
    )
    .await
    .expect("written");
    assert_eq!(code, EXIT_CHECKS_FAILED);
    assert!(dir.path().join("altered.xlsx").exists());
}

/// A month that is not over is refused like an unsynced one, and nothing is written (issue 13, item 6).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_not_over_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = Context::new(dir.path().join("data"));
    let month = YearMonth::of(ctx.clock.today_in(Country::No)).next();
    let err = run(
        &ctx,
        &args(dir.path(), month, true, ExportFormat::Xlsx, "future.xlsx"),
    )
    .await
    .expect_err("refused");
    assert!(
        err.to_string().contains("has not started") || err.to_string().contains("not over"),
        "{err}"
    );
    assert!(!dir.path().join("future.xlsx").exists());
}
