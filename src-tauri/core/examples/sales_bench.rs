//! A busy shopping-basket month (issue 17): the simulator's bulk ledger 900001 sells baskets, so May
//! 2026 has over 100,000 sales entries with order lines. Timed: the sales sync over loopback HTTP
//! into a real SQLite cache, the join to the month's captures, and the Sales sheet written to an
//! xlsx file. Prints time and peak memory (VmHWM); goal ≤ 10 s and ≤ 300 MB. Not a timed test.
//! Run: `cargo run --release -p avstem-core --example sales_bench [-- --per-day 6000]`.

use avstem_core::api::{ApiClient, ClientConfig, Credentials};
use avstem_core::model::YearMonth;
use avstem_core::secrets::Secret;
use avstem_core::sim::{self, demo, SimConfig};
use avstem_core::store::Store;
use avstem_core::sync::sales::{execute_sales, plan_sales};
use avstem_core::sync::{self, CancelToken, SyncOptions, SyncRequest};
use chrono::NaiveDate;
use std::time::Instant;

type BoxError = Box<dyn std::error::Error>;

fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<f64>().ok()))
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    let per_day: u32 = args
        .iter()
        .position(|a| a == "--per-day")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(6000);
    let today: NaiveDate = "2026-06-10".parse()?;
    let month = YearMonth::new(2026, 5).ok_or("month")?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let sim = sim::start(SimConfig {
            today,
            bulk_entries_per_day: per_day,
            ..SimConfig::default()
        })
        .await?;
        let client = ApiClient::new(
            &sim.base_url(),
            Credentials::Partner {
                client_id: demo::PARTNER_CLIENT_ID.into(),
                client_secret: Secret::new(demo::PARTNER_CLIENT_SECRET),
            },
            ClientConfig::default(),
        )?;
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("cache.sqlite");
        let mut store = Store::open(&path)?;
        sync::refresh_ledgers(&client, &mut store, "bench", None).await?;
        let req = SyncRequest {
            ledger_ids: vec![sim::data::BULK_LEDGER_ID.to_string()],
            from: month.first_day(),
            to: month.last_day(),
            gdpr: false,
        };
        // Funds and fees first (not part of the figure: that is bench_sync's).
        let plan = sync::plan(&store, &req, today)?;
        let t = Instant::now();
        sync::execute(&client, &path, plan, SyncOptions::default(), |_| {}, CancelToken::new()).await?;
        let funds_secs = t.elapsed().as_secs_f64();

        let t = Instant::now();
        let (items, planned) = plan_sales(&store, &req, today)?;
        let summary = execute_sales(&client, &path, items, planned, today, 4, &CancelToken::new()).await?;
        let sync_secs = t.elapsed().as_secs_f64();

        let t = Instant::now();
        let ledger = store.ledger(sim::data::BULK_LEDGER_ID)?.ok_or("ledger")?;
        let m = store.sales_month(&ledger, month)?.ok_or("no sales")?;
        let join_secs = t.elapsed().as_secs_f64();
        let with_lines = store
            .sales_entries(sim::data::BULK_LEDGER_ID, month.first_day(), month.last_day())?
            .iter()
            .filter(|s| !s.entry.lines.is_empty())
            .count();

        let t = Instant::now();
        let out = dir.path().join("sales.xlsx");
        avstem_core::export::write_sales_sheet(&m, &out)?;
        let sheet_secs = t.elapsed().as_secs_f64();
        let total = sync_secs + join_secs + sheet_secs;
        println!(
            "sales month      : {} entries ({with_lines} with order lines), {} captures/refunds matched, check {}",
            summary.entries_stored,
            m.matched,
            if m.check.ok { "OK" } else { "FAIL" }
        );
        println!("funds+fees sync  : {funds_secs:.2} s (not counted)");
        println!("sales sync       : {sync_secs:.2} s");
        println!("join             : {join_secs:.2} s");
        println!("Sales sheet      : {sheet_secs:.2} s");
        println!(
            "total            : {total:.2} s (goal ≤ 10 s), peak memory {:.0} MB (goal ≤ 300 MB)",
            peak_mb()
        );
        sim.shutdown().await;
        Ok::<(), BoxError>(())
    })
}
