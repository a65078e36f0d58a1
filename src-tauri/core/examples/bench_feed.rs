//! Hourly re-sync of a monthly-settled ledger on day 20 of its month, at 40 ms latency: requests and
//! wall time with open dates followed through the feed, against the baseline of re-fetching every
//! open date (`OpenDates::Refetch`), both measured here in one run. Not a timed test.
//! Run: `cargo run --release -p avstem-core --example bench_feed [-- --hours 6 --latency 40]`.
//!
//! Ledger 502001 (Sauna Oy, MobilePay FI) is paid out monthly: on day 20 every date of the month
//! is still open upstream (`tryLater: true`) and stays so until the payout on the 1st.

use avstem_core::api::{ApiClient, ClientConfig, Credentials};
use avstem_core::secrets::Secret;
use avstem_core::sim::{self, demo, SimConfig, SimHandle};
use avstem_core::store::Store;
use avstem_core::sync::{self, CancelToken, OpenDates, SyncOptions, SyncRequest};
use chrono::NaiveDate;
use std::path::Path;
use std::time::{Duration, Instant};

const LEDGER: &str = "502001";
const FROM: &str = "2024-05-01";
const TODAY: &str = "2024-05-20";

type BoxError = Box<dyn std::error::Error>;

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    let hours = arg(&args, "--hours", 6);
    let latency = arg(&args, "--latency", 40);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let sim = sim::start(SimConfig {
            seed: 42,
            latency_ms: latency,
            today: TODAY.parse()?,
            ..SimConfig::default()
        })
        .await?;
        println!("ledger {LEDGER} (monthly payouts), {FROM}..{TODAY}, {latency} ms latency, {hours} hourly re-syncs");
        let refetch = measure(&sim, OpenDates::Refetch, hours).await?;
        let feed = measure(&sim, OpenDates::Feed, hours).await?;
        for (name, m) in [("re-fetch open dates (baseline)", &refetch), ("follow the feed", &feed)] {
            println!(
                "{name:32} first sync {:>4} req {:>6.2} s | next hour {:>4} req {:>6.2} s | then each hour {:>5.1} req {:>6.3} s",
                m.first_requests,
                m.first_time.as_secs_f64(),
                m.catch_up_requests,
                m.catch_up_time.as_secs_f64(),
                m.hourly_requests,
                m.hourly_time.as_secs_f64()
            );
        }
        let ratio = refetch.hourly_requests / feed.hourly_requests.max(0.001);
        let time_ratio = refetch.hourly_time.as_secs_f64() / feed.hourly_time.as_secs_f64().max(1e-6);
        let day = |m: &Measured| m.catch_up_requests as f64 + 23.0 * m.hourly_requests;
        println!(
            "a day of hourly re-syncs (the first one reads the feed's history): {:.0} vs {:.0} requests, {:.1}x fewer",
            day(&refetch),
            day(&feed),
            day(&refetch) / day(&feed).max(0.001)
        );
        println!(
            "hourly re-sync: {ratio:.1}x fewer requests (goal >= 10x: {}), {time_ratio:.1}x less wall time",
            if ratio >= 10.0 { "met" } else { "NOT MET" }
        );
        sim.shutdown().await;
        Ok(())
    })
}

struct Measured {
    first_requests: u64,
    first_time: Duration,
    catch_up_requests: u64,
    catch_up_time: Duration,
    hourly_requests: f64,
    hourly_time: Duration,
}

/// A fresh cache: the first sync of the month, then `hours` re-syncs as an hourly schedule runs them.
async fn measure(sim: &SimHandle, mode: OpenDates, hours: u64) -> Result<Measured, BoxError> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("cache.sqlite");
    let client = ApiClient::new(
        &sim.base_url(),
        Credentials::Partner {
            client_id: demo::PARTNER_CLIENT_ID.into(),
            client_secret: Secret::new(demo::PARTNER_CLIENT_SECRET),
        },
        ClientConfig::default(),
    )?;
    let mut store = Store::open(&path)?;
    sync::refresh_ledgers(&client, &mut store, "bench", None).await?;
    drop(store);
    let (first_requests, first_time) = once(&client, &path, mode).await?;
    // The first re-sync finds the month still open and reads the feed's history once (feed mode).
    let (catch_up_requests, catch_up_time) = once(&client, &path, mode).await?;
    let mut requests = 0;
    let mut time = Duration::ZERO;
    let n = hours.max(1);
    for _ in 0..n {
        let (r, t) = once(&client, &path, mode).await?;
        requests += r;
        time += t;
    }
    Ok(Measured {
        first_requests,
        first_time,
        catch_up_requests,
        catch_up_time,
        hourly_requests: requests as f64 / n as f64,
        hourly_time: time / u32::try_from(n)?,
    })
}

async fn once(client: &ApiClient, path: &Path, mode: OpenDates) -> Result<(u64, Duration), BoxError> {
    let today: NaiveDate = TODAY.parse()?;
    let req = SyncRequest {
        ledger_ids: vec![LEDGER.into()],
        from: FROM.parse()?,
        to: today,
        gdpr: false,
    };
    let before = client.requests_made();
    let started = Instant::now();
    let plan = sync::plan_with(&Store::open(path)?, &req, today, mode)?;
    let summary = sync::execute(
        client,
        path,
        plan,
        SyncOptions::default(),
        |_| {},
        CancelToken::new(),
    )
    .await?;
    if !summary.failed.is_empty() {
        return Err(format!("dates failed: {:?}", summary.failed).into());
    }
    Ok((client.requests_made() - before, started.elapsed()))
}
