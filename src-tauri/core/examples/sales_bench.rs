//! Sales benchmark (issue 17): a busy shopping-basket month. The simulator's bulk ledger 900001 sells
//! baskets on a Vippsnummer, so May 2026 at `--per-day 6000` funds entries a date has well over
//! 100,000 sales entries with order lines. Timed, in a child process of its own (so its VmHWM is that
//! part's peak alone, not the simulator's): the sales sync over loopback HTTP into a real SQLite cache
//! whose funds and fees are already synced, the join to the month's captures, and the Sales sheet
//! written to an xlsx file. Goal: ≤ 10 s and peak memory ≤ 300 MB.
//!
//! Baseline, measured in the same run on the same simulator: the Sales API client alone fetching and
//! decoding every date of the month (no cache, no join, no sheet), the floor HTTP and JSON set; the
//! ratio says what the cache, the checks, the join and the sheet add on top.
//!
//! Run: `cargo run --release -p avstem-core --example sales_bench [-- --per-day 6000]`.

use avstem_core::api::{ApiClient, ClientConfig, Credentials, SALES_MAX_PAGE_SIZE};
use avstem_core::model::YearMonth;
use avstem_core::secrets::Secret;
use avstem_core::sim::{self, demo, SimConfig};
use avstem_core::store::Store;
use avstem_core::sync::sales::{execute_sales, plan_sales};
use avstem_core::sync::{self, CancelToken, SyncOptions, SyncRequest};
use chrono::NaiveDate;
use futures_util::StreamExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

type BoxResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const TODAY: &str = "2026-06-10";
const MONTH: (i32, u32) = (2026, 5);
const GOAL_SECS: f64 = 10.0;
const GOAL_MB: f64 = 300.0;

fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<f64>().ok()))
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn client(url: &str) -> BoxResult<ApiClient> {
    Ok(ApiClient::new(
        url,
        Credentials::Partner {
            client_id: demo::PARTNER_CLIENT_ID.into(),
            client_secret: Secret::new(demo::PARTNER_CLIENT_SECRET),
        },
        ClientConfig::default(),
    )?)
}

fn month() -> BoxResult<YearMonth> {
    YearMonth::new(MONTH.0, MONTH.1).ok_or_else(|| "month".into())
}

fn request(month: YearMonth) -> SyncRequest {
    SyncRequest {
        ledger_ids: vec![sim::data::BULK_LEDGER_ID.to_string()],
        from: month.first_day(),
        to: month.last_day(),
        gdpr: false,
    }
}

fn main() -> BoxResult<()> {
    let args: Vec<String> = std::env::args().collect();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match args.get(1).map(String::as_str) {
        Some("sync") => return rt.block_on(child_sync(&args)),
        Some("fetch") => return rt.block_on(child_fetch(&args)),
        _ => {}
    }
    let per_day: u32 = arg(&args, "--per-day")
        .and_then(|v| v.parse().ok())
        .unwrap_or(6000);
    rt.block_on(parent(per_day))
}

/// Start the simulator, sync the month's funds and fees into a seed cache (not timed: that is
/// bench_sync's figure), then run the timed parts as child processes against the same simulator.
async fn parent(per_day: u32) -> BoxResult<()> {
    let today: NaiveDate = TODAY.parse()?;
    let month = month()?;
    let sim = sim::start(SimConfig {
        today,
        bulk_entries_per_day: per_day,
        ..SimConfig::default()
    })
    .await?;
    let url = sim.base_url();
    let dir = tempfile::tempdir()?;
    let seed = dir.path().join("seed.sqlite");
    {
        let c = client(&url)?;
        let mut store = Store::open(&seed)?;
        sync::refresh_ledgers(&c, &mut store, "bench", None).await?;
        let plan = sync::plan(&store, &request(month), today)?;
        let t = Instant::now();
        sync::execute(
            &c,
            &seed,
            plan,
            SyncOptions::default(),
            |_| {},
            CancelToken::new(),
        )
        .await?;
        println!(
            "funds + fees sync (not counted) : {:.2} s",
            t.elapsed().as_secs_f64()
        );
    }
    let me = std::env::current_exe()?;
    let run = |what: &'static str| {
        let (me, url, dir) = (me.clone(), url.clone(), dir.path().to_path_buf());
        tokio::task::spawn_blocking(move || -> BoxResult<String> {
            let out = Command::new(&me)
                .arg(what)
                .arg("--url")
                .arg(&url)
                .arg("--dir")
                .arg(&dir)
                .output()?;
            if !out.status.success() {
                return Err(format!("{what} failed: {}", String::from_utf8_lossy(&out.stderr)).into());
            }
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        })
    };
    let full = run("sync").await??;
    println!("sync + join + Sales sheet       : {full}");
    let fetch = run("fetch").await??;
    println!("client fetch + decode only      : {fetch}");
    sim.shutdown().await;

    let field = |line: &str, key: &str| -> f64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{key}=")).and_then(|v| v.parse().ok()))
            .unwrap_or(f64::NAN)
    };
    let (secs, mb) = (field(&full, "secs"), field(&full, "peak_mb"));
    let with_lines = field(&full, "with_lines");
    let base = field(&fetch, "secs");
    println!();
    println!(
        "{} sales entries, {with_lines} with order lines (need ≥ 100000) {}",
        field(&full, "entries"),
        if with_lines >= 100_000.0 { "PASS" } else { "FAIL" }
    );
    println!(
        "sync + join + sheet             : {secs:.2} s (goal ≤ {GOAL_SECS} s) {}",
        if secs <= GOAL_SECS { "PASS" } else { "FAIL" }
    );
    println!(
        "peak memory                     : {mb:.0} MB (goal ≤ {GOAL_MB} MB) {}",
        if mb <= GOAL_MB { "PASS" } else { "FAIL" }
    );
    println!(
        "ratio to the client alone       : {:.2}× its time, {:.2}× its peak memory",
        secs / base,
        mb / field(&fetch, "peak_mb")
    );
    Ok(())
}

fn child_paths(args: &[String]) -> BoxResult<(String, PathBuf)> {
    let url = arg(args, "--url").ok_or("--url")?;
    let dir = PathBuf::from(arg(args, "--dir").ok_or("--dir")?);
    Ok((url, dir))
}

/// The timed figure: sales sync into a copy of the seed cache, the join, the Sales sheet.
async fn child_sync(args: &[String]) -> BoxResult<()> {
    let (url, dir) = child_paths(args)?;
    let today: NaiveDate = TODAY.parse()?;
    let month = month()?;
    let path = dir.join("cache.sqlite");
    copy_cache(&dir.join("seed.sqlite"), &path)?;
    let c = client(&url)?;
    let t = Instant::now();
    let store = Store::open(&path)?;
    let (items, planned) = plan_sales(&store, &request(month), today)?;
    let summary = execute_sales(&c, &path, items, planned, today, 4, &CancelToken::new()).await?;
    let sync_secs = t.elapsed().as_secs_f64();
    let ledger = store.ledger(sim::data::BULK_LEDGER_ID)?.ok_or("ledger")?;
    let m = store.sales_month(&ledger, month)?.ok_or("no sales")?;
    let join_secs = t.elapsed().as_secs_f64() - sync_secs;
    avstem_core::export::write_sales_sheet(&m, &dir.join("sales.xlsx"))?;
    let secs = t.elapsed().as_secs_f64();
    let sheet_secs = secs - sync_secs - join_secs;
    let peak = peak_mb();
    // Counted after the clock stopped: how many of the entries carry order lines.
    let with_lines = store
        .sales_entries(sim::data::BULK_LEDGER_ID, month.first_day(), month.last_day())?
        .iter()
        .filter(|s| !s.entry.lines.is_empty())
        .count();
    println!(
        "secs={secs:.3} peak_mb={peak:.0} entries={} with_lines={with_lines} matched={} check={} \
         (sync {sync_secs:.2} s, join {join_secs:.2} s, sheet {sheet_secs:.2} s)",
        summary.entries_stored,
        m.matched,
        if m.check.ok { "OK" } else { "FAIL" }
    );
    Ok(())
}

/// The baseline: every date of the month fetched and decoded by the client, nothing kept.
async fn child_fetch(args: &[String]) -> BoxResult<()> {
    let (url, _) = child_paths(args)?;
    let month = month()?;
    let c = client(&url)?;
    let t = Instant::now();
    // Four dates at once, as the sync fetches them.
    let dates: Vec<NaiveDate> = month
        .first_day()
        .iter_days()
        .take_while(|d| *d <= month.last_day())
        .collect();
    let mut pages = futures_util::stream::iter(dates)
        .map(|date| {
            let c = c.clone();
            async move {
                c.sales_for_date(sim::data::BULK_LEDGER_ID, date, SALES_MAX_PAGE_SIZE)
                    .await
            }
        })
        .buffer_unordered(4);
    let mut entries = 0usize;
    while let Some(page) = pages.next().await {
        entries += page?.entries.len();
    }
    let secs = t.elapsed().as_secs_f64();
    println!("secs={secs:.3} peak_mb={:.0} entries={entries}", peak_mb());
    Ok(())
}

fn copy_cache(from: &Path, to: &Path) -> BoxResult<()> {
    std::fs::copy(from, to)?;
    for ext in ["-wal", "-shm"] {
        let src = PathBuf::from(format!("{}{ext}", from.display()));
        if src.exists() {
            std::fs::copy(&src, format!("{}{ext}", to.display()))?;
        }
    }
    Ok(())
}
