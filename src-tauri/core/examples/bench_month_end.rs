//! Month-end for an accounting firm: the simulator's firm world (200 granted ledgers, one of them
//! over 1,000,000 entries a month) at 40 ms latency with 900-s partner tokens, each run on a fresh
//! cache. Measured in one run:
//! - the 200 ledgers in one month-end (bounded concurrency across ledgers): wall time, requests,
//!   the most requests the simulator saw in flight at once, peak memory (VmHWM of this process,
//!   simulator included, so an upper bound for Avstem's part);
//! - the ratio against the same ledgers one after another, one request at a time: measured on a
//!   sample of every tenth generated ledger (`--sample N`), both ways on the same sample (the full
//!   sequential run takes about nine minutes; `--sample 1` measures all of them);
//! - the overview workbook for the 200 ledgers, written alone.
//!
//! Goals (issue 18): ≥ 8× faster than one after another, never more than
//! `MONTH_END_CONCURRENCY` requests in flight, peak memory ≤ 500 MB, overview ≤ 2 s.
//! Run: `cargo run --release -p avstem-core --example bench_month_end [-- --latency 40 --sample 10]`.

use avstem_core::clock::Clock;
use avstem_core::context::Context;
use avstem_core::export::{ExportFormat, ExportOptions};
use avstem_core::model::YearMonth;
use avstem_core::month_end::{self, MonthEndRequest, MonthEndSummary, MONTH_END_CONCURRENCY};
use avstem_core::profile::{add_profile, NewProfile, ProfileKind};
use avstem_core::reconcile::JournalAccounts;
use avstem_core::secrets::{MemorySecrets, Secret};
use avstem_core::sim::data::{firm_ledger_id, FIRM_LEDGERS};
use avstem_core::sim::{self, demo, SimConfig, SimHandle};
use avstem_core::sync::CancelToken;
use chrono::NaiveDate;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type BoxError = Box<dyn std::error::Error>;

const TODAY: &str = "2024-06-10";
const MONTH: &str = "2024-05";

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|k| k.parse::<f64>().ok()))
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Start VmHWM afresh (Linux: writing 5 to clear_refs resets the peak to the current size).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn context(data: &Path, sim: &SimHandle, today: NaiveDate) -> Result<Context, BoxError> {
    let secrets = Arc::new(MemorySecrets::default());
    let new = NewProfile {
        name: "firm".into(),
        kind: ProfileKind::Accounting,
        client_id: demo::PARTNER_CLIENT_ID.into(),
        msn: None,
        base_url: Some(sim.base_url()),
        env_secrets: false,
        client_secret: Some(Secret::new(demo::PARTNER_CLIENT_SECRET)),
        subscription_key: None,
    };
    std::fs::create_dir_all(data)?;
    add_profile(data, &new, secrets.as_ref())?;
    Ok(Context::with_secret_store(data.to_path_buf(), secrets).with_clock(Clock::at_noon(today)))
}

struct Run {
    time: Duration,
    /// Until the last sync progress event (of the last batch, when one after another).
    sync_time: Duration,
    requests: u64,
    in_flight: u64,
    written: usize,
    summary: Option<MonthEndSummary>,
}

/// Month-end for `ledgers` (None: all) on a fresh cache, at `concurrency`; `one_by_one` runs
/// each ledger as its own month-end, one after another.
async fn measure(
    sim: &SimHandle,
    root: &Path,
    ledgers: Option<Vec<String>>,
    concurrency: usize,
    one_by_one: bool,
) -> Result<Run, BoxError> {
    let today: NaiveDate = TODAY.parse()?;
    let dir = tempfile::tempdir_in(root)?;
    let ctx = context(&dir.path().join("data"), sim, today)?;
    let month = YearMonth::parse(MONTH).ok_or("the month is YYYY-MM")?;
    let req = |ids: Option<Vec<String>>| MonthEndRequest {
        profile: "firm".into(),
        month,
        out_dir: dir.path().join("out"),
        ledger_ids: ids,
        sync: true,
        format: ExportFormat::Xlsx,
        options: ExportOptions {
            gdpr: false,
            accounts: JournalAccounts::defaults_for("NOK"),
            clock: Clock::at_noon(today),
        },
        same_accounts: false,
    };
    sim.reset_stats();
    let started = Instant::now();
    let mut written = 0;
    let mut last = None;
    let batches: Vec<Option<Vec<String>>> = match (&ledgers, one_by_one) {
        (Some(ids), true) => ids.iter().map(|id| Some(vec![id.clone()])).collect(),
        _ => vec![ledgers.clone()],
    };
    // The last progress event marks the end of the sync; the files are written after it.
    let last_progress = Mutex::new(started);
    for ids in batches {
        let on_progress = |_: &avstem_core::sync::SyncProgress| {
            if let Ok(mut t) = last_progress.lock() {
                *t = Instant::now();
            }
        };
        let s = month_end::run_with(&ctx, &req(ids), concurrency, on_progress, CancelToken::new()).await?;
        written += s.ledgers.iter().filter(|l| l.file.is_some()).count();
        last = Some(s);
    }
    let time = started.elapsed();
    let synced_at = last_progress.lock().map(|t| *t).unwrap_or(started);
    let stats = sim.stats();
    Ok(Run {
        time,
        sync_time: synced_at.duration_since(started),
        requests: stats.token_requests + stats.ledger_requests + stats.report_requests + stats.feed_requests,
        in_flight: stats.max_in_flight,
        written,
        summary: last,
    })
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    let latency = arg(&args, "--latency", 40);
    let sample = arg(&args, "--sample", 10).max(1) as u32;
    let bulk = u32::try_from(arg(&args, "--bulk-per-day", 33_334))?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let sim = sim::start(SimConfig {
            seed: 42,
            latency_ms: latency,
            today: TODAY.parse()?,
            firm: true,
            bulk_entries_per_day: bulk,
            partner_token_ttl_secs: 900,
            ledgers_page_size: 100,
            ..SimConfig::default()
        })
        .await?;
        let root = tempfile::tempdir()?;
        println!(
            "firm world: 200 granted ledgers (900001: {} entries a month), month {MONTH}, {latency} ms latency, 900-s tokens, at most {MONTH_END_CONCURRENCY} in flight",
            u64::from(bulk) * 31
        );

        reset_peak();
        let all = measure(&sim, root.path(), None, MONTH_END_CONCURRENCY, false).await?;
        let peak = peak_mb();
        println!(
            "month-end, 200 ledgers    {:>7.1} s (sync {:.1} s, files {:.1} s)  {:>6} requests  {:>3} written  most in flight {:>2}  peak memory {:.0} MB",
            all.time.as_secs_f64(),
            all.sync_time.as_secs_f64(),
            (all.time - all.sync_time).as_secs_f64(),
            all.requests,
            all.written,
            all.in_flight,
            peak
        );

        let ids: Vec<String> = (1..FIRM_LEDGERS)
            .filter(|i| i % sample == 0 || sample == 1)
            .map(firm_ledger_id)
            .collect();
        let n = ids.len();
        let together = measure(&sim, root.path(), Some(ids.clone()), MONTH_END_CONCURRENCY, false).await?;
        let sequential = measure(&sim, root.path(), Some(ids), 1, true).await?;
        let ratio = sequential.time.as_secs_f64() / together.time.as_secs_f64().max(1e-6);
        for (name, r) in [("together", &together), ("one after another", &sequential)] {
            println!(
                "{n} ledgers, {name:18} {:>7.1} s  {:>6} requests  {:>3} written  most in flight {:>2}",
                r.time.as_secs_f64(),
                r.requests,
                r.written,
                r.in_flight
            );
        }
        println!(
            "ratio: {ratio:.1}x faster than one after another (goal >= 8x), most in flight {} of {MONTH_END_CONCURRENCY} allowed",
            all.in_flight.max(together.in_flight)
        );

        if let Some(s) = &all.summary {
            let path = root.path().join("overview-alone.xlsx");
            let started = Instant::now();
            month_end::write_overview(&path, s.month, &s.ledgers)?;
            println!(
                "overview workbook, {} rows  {:>6.3} s (goal <= 2 s)",
                s.ledgers.len(),
                started.elapsed().as_secs_f64()
            );
        }
        let ok = ratio >= 8.0
            && all.in_flight <= MONTH_END_CONCURRENCY as u64
            && peak <= 500.0;
        println!("goals {}", if ok { "met" } else { "NOT met" });
        Ok::<(), BoxError>(())
    })
}
