//! Sync and cache benchmarks: prints each figure, its target and the ratio. Not a timed test.
//! Run: `cargo run --release -p avstem-core --example bench_sync [-- --bulk 33334 --skip-latency]`.
//!
//! The simulator runs in a child process (this binary with `serve-sim`), so the peak memory
//! (VmHWM) and CPU figures are the sync's own; on a 2-core machine both still share the CPUs.

use avstem_core::api::{ApiClient, ClientConfig, Credentials};
use avstem_core::model::{Topic, YearMonth};
use avstem_core::secrets::Secret;
use avstem_core::sim::{self, demo, SimConfig};
use avstem_core::store::{DayQuery, DaySort, Store};
use avstem_core::sync::{self, CancelToken, SyncOptions, SyncRequest};
use chrono::NaiveDate;
use futures_util::StreamExt;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const MONTH: &str = "2024-03";
const TODAY: &str = "2024-06-01";

type BoxError = Box<dyn std::error::Error>;

fn arg_value(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    if args.get(1).map(String::as_str) == Some("serve-sim") {
        return rt.block_on(serve_sim(&args));
    }
    rt.block_on(run_benches(&args))
}

/// Child mode: run a simulator, print its URL, live until stdin closes (the parent died or finished).
async fn serve_sim(args: &[String]) -> Result<(), BoxError> {
    let num = |name: &str, default: u64| {
        arg_value(args, name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let handle = sim::start(SimConfig {
        seed: num("--seed", 42),
        latency_ms: num("--latency", 0),
        today: TODAY.parse()?,
        bulk_entries_per_day: u32::try_from(num("--bulk", 300))?,
        ..SimConfig::default()
    })
    .await?;
    println!("{}", handle.base_url());
    tokio::task::spawn_blocking(|| {
        let mut sink = String::new();
        while std::io::stdin()
            .read_line(&mut sink)
            .map(|n| n > 0)
            .unwrap_or(false)
        {}
    })
    .await?;
    handle.shutdown().await;
    Ok(())
}

struct SimChild {
    child: Child,
    url: String,
}

impl Drop for SimChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_sim(latency_ms: u64, bulk: u32) -> Result<SimChild, BoxError> {
    let mut child = Command::new(std::env::current_exe()?)
        .args([
            "serve-sim",
            "--latency",
            &latency_ms.to_string(),
            "--bulk",
            &bulk.to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    Ok(SimChild {
        child,
        url: line.trim().to_string(),
    })
}

fn merchant(url: &str, bench: bool) -> avstem_core::Result<ApiClient> {
    let creds = if bench {
        Credentials::Merchant {
            client_id: demo::BENCH_CLIENT_ID.into(),
            client_secret: Secret::new(demo::BENCH_CLIENT_SECRET),
            subscription_key: Secret::new(demo::BENCH_SUBSCRIPTION_KEY),
            msn: Some(demo::BENCH_MSN.into()),
        }
    } else {
        Credentials::Merchant {
            client_id: demo::MERCHANT_CLIENT_ID.into(),
            client_secret: Secret::new(demo::MERCHANT_CLIENT_SECRET),
            subscription_key: Secret::new(demo::MERCHANT_SUBSCRIPTION_KEY),
            msn: Some(demo::MERCHANT_MSN.into()),
        }
    };
    ApiClient::new(url, creds, ClientConfig::default())
}

async fn sync_month(
    client: &ApiClient,
    db: &Path,
    ledger: &str,
    concurrency: usize,
) -> Result<(Duration, u64, u32), BoxError> {
    let month = YearMonth::parse(MONTH).ok_or("month")?;
    let req = SyncRequest {
        ledger_ids: vec![ledger.to_string()],
        from: month.first_day(),
        to: month.last_day(),
        gdpr: false,
    };
    let plan = sync::plan(&Store::open(db)?, &req, TODAY.parse()?)?;
    let started = Instant::now();
    let summary = sync::execute(
        client,
        db,
        plan,
        SyncOptions { concurrency },
        |_| {},
        CancelToken::new(),
    )
    .await?;
    if !summary.failed.is_empty() {
        return Err(format!("dates failed: {:?}", summary.failed).into());
    }
    Ok((started.elapsed(), summary.entries_stored, summary.complete))
}

/// CPU seconds (user + system) a process has used so far.
fn cpu_secs(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn vm_hwm_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "MISS"
    }
}

async fn run_benches(args: &[String]) -> Result<(), BoxError> {
    let dir = tempfile::tempdir()?;
    let bulk: u32 = arg_value(args, "--bulk")
        .and_then(|v| v.parse().ok())
        .unwrap_or(33_334);
    println!(
        "Avstem sync benchmarks ({} CPUs)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );

    if !args.iter().any(|a| a == "--skip-latency") {
        bench_latency(dir.path()).await?;
    }
    let (db, entries) = bench_ingest(args, dir.path(), bulk).await?;
    bench_reads(&db, entries)?;
    Ok(())
}

/// 1. The month sync at concurrency 1, 2, 4 and 8 against 40 ms of latency: speed-ups against 1.
async fn bench_latency(dir: &std::path::Path) -> Result<(), BoxError> {
    println!("\n1. Month sync of ledger 302321 ({MONTH}, 31 dates x 2 topics), 40 ms injected latency");
    let sim = spawn_sim(40, 300)?;
    let client = merchant(&sim.url, false)?;
    let mut base = None;
    for concurrency in [1usize, 2, 4, 8] {
        let db = dir.join(format!("latency-{concurrency}.sqlite"));
        let (took, entries, dates) = sync_month(&client, &db, "302321", concurrency).await?;
        let secs = took.as_secs_f64();
        let base_secs = *base.get_or_insert(secs);
        let speedup = base_secs / secs;
        let target = if concurrency >= 4 {
            format!("  (target >= 6x: {})", verdict(speedup >= 6.0))
        } else {
            String::new()
        };
        println!(
            "   concurrency {concurrency}: {secs:6.2} s  {dates} dates, {entries} entries  speed-up {speedup:4.1}x{target}"
        );
    }
    Ok(())
}

/// 2. The bulk ledger's month end to end, then the same fetches without storing. Returns the cache file.
async fn bench_ingest(
    args: &[String],
    dir: &std::path::Path,
    bulk: u32,
) -> Result<(std::path::PathBuf, u64), BoxError> {
    println!("\n2. Ingest of the bulk ledger 900001 ({MONTH}, {bulk} funds entries a date) over loopback");
    let sim = spawn_sim(0, bulk)?;
    let client = merchant(&sim.url, true)?;
    let db = dir.join("bulk.sqlite");
    let hwm_before = vm_hwm_mb();
    let sim_pid = sim.child.id().to_string();
    let (cpu_self0, cpu_sim0) = (cpu_secs("self"), cpu_secs(&sim_pid));
    let ingest_concurrency: usize = arg_value(args, "--ingest-concurrency")
        .and_then(|v| v.parse().ok())
        .unwrap_or(sync::DEFAULT_CONCURRENCY);
    let (took, entries, dates) = sync_month(&client, &db, "900001", ingest_concurrency).await?;
    let hwm = vm_hwm_mb();
    let rate = entries as f64 / took.as_secs_f64();
    println!(
        "   end to end (fetch + parse + store, concurrency {}): {entries} entries in {dates} dates, {:.2} s = {rate:.0} entries/s  \
         (target >= 150000: {}, ratio {:.2})",
        ingest_concurrency,
        took.as_secs_f64(),
        verdict(rate >= 150_000.0),
        rate / 150_000.0
    );
    println!(
        "   peak memory (VmHWM): {hwm:.0} MB (before the ingest {hwm_before:.0} MB)  (target <= 300 MB: {}, ratio {:.2})",
        verdict(hwm <= 300.0),
        hwm / 300.0
    );
    println!(
        "   CPU used: sync process {:.1} s, simulator process {:.1} s, over {:.1} s of wall time",
        cpu_secs("self") - cpu_self0,
        cpu_secs(&sim_pid) - cpu_sim0,
        took.as_secs_f64()
    );
    let file_mb = std::fs::metadata(&db)
        .map(|m| m.len() as f64 / 1_048_576.0)
        .unwrap_or(0.0);
    println!(
        "   cache file: {file_mb:.0} MB ({:.0} bytes an entry)",
        file_mb * 1_048_576.0 / entries as f64
    );

    // The same fetches without storing: what the HTTP + JSON part costs alone.
    let month = YearMonth::parse(MONTH).ok_or("month")?;
    let work: Vec<(Topic, NaiveDate)> = month
        .dates()
        .flat_map(|d| Topic::ALL.map(move |t| (t, d)))
        .collect();
    let (cpu_self0, cpu_sim0) = (cpu_secs("self"), cpu_secs(&sim_pid));
    let started = Instant::now();
    let mut fetches = futures_util::stream::iter(work)
        .map(|(topic, date)| {
            let client = client.clone();
            async move {
                client
                    .entries_for_date("900001", topic, date, false)
                    .await
                    .map(|p| p.entries.len())
            }
        })
        .buffer_unordered(sync::DEFAULT_CONCURRENCY);
    let mut parsed = 0usize;
    while let Some(n) = fetches.next().await {
        parsed += n?;
    }
    let parse_rate = parsed as f64 / started.elapsed().as_secs_f64();
    let (cpu_self1, cpu_sim1) = (cpu_secs("self"), cpu_secs(&sim_pid));
    println!(
        "   fetch + parse only: {parsed} entries, {parse_rate:.0} entries/s; storing costs {:.0}% of the end-to-end time",
        (1.0 - rate / parse_rate) * 100.0
    );
    println!(
        "   CPU used by fetch + parse only: client {:.1} s, simulator {:.1} s",
        cpu_self1 - cpu_self0,
        cpu_sim1 - cpu_sim0
    );

    Ok((db, entries))
}

/// 3. Reads over the ingested month: month summary, day pages, search.
fn bench_reads(db: &std::path::Path, entries: u64) -> Result<(), BoxError> {
    let month = YearMonth::parse(MONTH).ok_or("month")?;
    println!("\n3. Reads over that month");
    let store = Store::open(db)?;
    let mut times = Vec::new();
    let mut days = 0;
    for _ in 0..21 {
        let t = Instant::now();
        days = store.month_summary("900001", month)?.len();
        times.push(t.elapsed());
    }
    let cold = times[0];
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "   month summary ({days} days): first {:.2} ms, median {:.2} ms  (target <= 50 ms: {}, ratio {:.3})",
        cold.as_secs_f64() * 1000.0,
        median.as_secs_f64() * 1000.0,
        verdict(cold <= Duration::from_millis(50)),
        cold.as_secs_f64() * 1000.0 / 50.0
    );
    let date = month.first_day() + chrono::Days::new(14);
    let pages: [(&str, DayQuery); 4] = [
        (
            "first 1000 rows in served order",
            DayQuery {
                offset: 0,
                limit: 1000,
                ..DayQuery::default()
            },
        ),
        (
            "rows 20000-20999 in served order",
            DayQuery {
                offset: 20_000,
                limit: 1000,
                ..DayQuery::default()
            },
        ),
        (
            "1000 largest amounts",
            DayQuery {
                sort: DaySort::Amount,
                descending: true,
                limit: 1000,
                ..DayQuery::default()
            },
        ),
        (
            "1000 refunds matching \"order\"",
            DayQuery {
                entry_type: Some("refund".into()),
                reference_contains: Some("order".into()),
                limit: 1000,
                ..DayQuery::default()
            },
        ),
    ];
    for (what, q) in pages {
        let t = Instant::now();
        let page = store.day_entries("900001", Topic::Funds, date, &q)?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        println!(
            "   day page, {what}: {} of {} rows in {ms:.2} ms  (target <= 20 ms: {}, ratio {:.2})",
            page.entries.len(),
            page.total,
            verdict(ms <= 20.0),
            ms / 20.0
        );
    }
    let t = Instant::now();
    let found = store.search("order-1234", 50)?.len();
    println!(
        "   search \"order-1234\" across {entries} entries: {found} hits in {:.2} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}
