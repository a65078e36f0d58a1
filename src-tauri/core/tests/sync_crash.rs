//! Crash safety: a sync process is SIGKILLed at random moments, re-run, and the cache ends
//! equal to an uninterrupted sync — no duplicates, no gaps, no complete date with missing rows.
//!
//! The test binary re-executes itself as the sync worker (`AVSTEM_CRASH_WORKER` set), so a
//! real OS process dies mid-write; the simulator runs in the parent and outlives every kill.

// Tests read the environment, the wall clock and raw SQLite files on purpose.
#![allow(clippy::disallowed_methods)]

use avstem_core::api::{ApiClient, ClientConfig, Credentials};
use avstem_core::model::Topic;
use avstem_core::secrets::Secret;
use avstem_core::sim::{self, demo, SimConfig};
use avstem_core::store::{DateState, Store};
use avstem_core::sync::{self, CancelToken, SyncOptions, SyncRequest};
use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const WORKER_ENV: &str = "AVSTEM_CRASH_WORKER";
const LEDGERS: [&str; 2] = ["302321", "302322"];
const FROM: &str = "2024-01-01";
const TO: &str = "2024-02-29";
const TODAY: &str = "2024-02-20";

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn request() -> SyncRequest {
    SyncRequest {
        ledger_ids: LEDGERS.iter().map(|s| s.to_string()).collect(),
        from: d(FROM),
        to: d(TO),
        gdpr: false,
    }
}

async fn sync_once(base_url: &str, db: &Path) -> avstem_core::Result<()> {
    // The accounting partner: 302322 is a Vippsnummer ledger, seen through accounting keys only.
    let creds = Credentials::Partner {
        client_id: demo::PARTNER_CLIENT_ID.into(),
        client_secret: Secret::new(demo::PARTNER_CLIENT_SECRET),
    };
    let config = ClientConfig {
        base_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(20),
        ..ClientConfig::default()
    };
    let client = ApiClient::new(base_url, creds, config)?;
    let plan = sync::plan(&Store::open(db)?, &request(), d(TODAY))?;
    let summary = sync::execute(
        &client,
        db,
        plan,
        SyncOptions::default(),
        |_| {},
        CancelToken::new(),
    )
    .await?;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    Ok(())
}

/// The worker side: only does something when the parent started this binary as a worker.
#[test]
fn crash_worker_process() {
    let Ok(spec) = std::env::var(WORKER_ENV) else {
        return;
    };
    let (url, db) = spec.split_once('|').expect("url|db");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(sync_once(url, Path::new(db))).expect("worker sync");
}

/// Every (ledger, topic, date): its state, row count and a checksum of every field.
fn snapshot(db: &Path) -> Vec<(String, Topic, NaiveDate, DateState, u32, usize, u64)> {
    let store = Store::open(db).expect("open");
    let mut out = Vec::new();
    for ledger in LEDGERS {
        for topic in Topic::ALL {
            for s in store
                .date_statuses(ledger, topic, d(FROM), d(TO))
                .expect("statuses")
            {
                let rows = store
                    .entries_between(ledger, topic, s.date, s.date)
                    .expect("rows");
                let mut h = DefaultHasher::new();
                for e in &rows {
                    (
                        &e.psp_reference,
                        e.seq,
                        e.time,
                        e.entry_type.as_str(),
                        &e.reference,
                        e.amount,
                    )
                        .hash(&mut h);
                    (
                        e.balance_before,
                        e.balance_after,
                        &e.recipient_handle,
                        e.ledger_date,
                    )
                        .hash(&mut h);
                }
                out.push((
                    ledger.to_string(),
                    topic,
                    s.date,
                    s.state,
                    s.entry_count,
                    rows.len(),
                    h.finish(),
                ));
            }
        }
    }
    out
}

/// What must hold after any crash: the file is sound and no date claims rows it lacks.
fn assert_consistent(db: &Path) -> usize {
    let conn = rusqlite::Connection::open(db).expect("raw open");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity");
    assert_eq!(check, "ok");
    drop(conn);
    let snap = snapshot(db);
    for (ledger, topic, date, state, count, rows, _) in &snap {
        assert_eq!(
            *count as usize, *rows,
            "{ledger} {topic} {date} ({state}) claims {count} rows, has {rows}"
        );
    }
    snap.iter().filter(|s| s.3 == DateState::Complete).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_at_random_moments_ends_equal_to_an_uninterrupted_one() {
    // Small pages and some latency: a date takes several requests, so kills land mid-date too.
    let sim = sim::start(SimConfig {
        seed: 11,
        latency_ms: 2,
        page_size: 40,
        today: d(TODAY),
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let reference = dir.path().join("reference.sqlite");
    let started = Instant::now();
    sync_once(&sim.base_url(), &reference)
        .await
        .expect("reference sync");
    let full_run = started.elapsed();

    let total = snapshot(&reference)
        .iter()
        .filter(|s| s.3 == DateState::Complete)
        .count();
    let open = snapshot(&reference).len() - total;
    let crashed = dir.path().join("crashed.sqlite");
    let seed: u64 = std::env::var("AVSTEM_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_240_229);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let exe = std::env::current_exe().expect("test binary");
    let mut kills = 0;
    let mut runs = 0;
    let mut completes_seen: Vec<usize> = Vec::new();
    while kills < 15 && runs < 60 {
        runs += 1;
        let mut child = Command::new(&exe)
            .args([
                "crash_worker_process",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(WORKER_ENV, format!("{}|{}", sim.base_url(), crashed.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("worker");
        // Anywhere from "still opening the cache" to "nearly done" with what is left to do.
        // Open dates (today onward) are fetched again by every run.
        let done = *completes_seen.last().unwrap_or(&0) as f64;
        let left = (total as f64 + open as f64 - done) / (total + open) as f64;
        let max_ms = ((full_run.as_millis() as f64 * left) as u64 + 30).clamp(20, 3000);
        tokio::time::sleep(Duration::from_millis(rng.random_range(5..max_ms))).await;
        if child.try_wait().expect("wait").is_none() {
            child.kill().expect("SIGKILL");
            kills += 1;
        }
        let _ = child.wait();
        completes_seen.push(assert_consistent(&crashed));
        if completes_seen.last() == Some(&total) {
            // Finished before we could kill it; start over so every kill hits a live sync.
            std::fs::remove_file(&crashed).ok();
            for s in ["-wal", "-shm"] {
                std::fs::remove_file(format!("{}{s}", crashed.display())).ok();
            }
        }
    }
    assert!(
        kills >= 10,
        "only {kills} kills landed in {runs} runs (seed {seed})"
    );

    let status = Command::new(&exe)
        .args([
            "crash_worker_process",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(WORKER_ENV, format!("{}|{}", sim.base_url(), crashed.display()))
        .stdout(Stdio::null())
        .status()
        .expect("final run");
    assert!(status.success());
    assert_consistent(&crashed);
    let (got, want) = (snapshot(&crashed), snapshot(&reference));
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want, "seed {seed}");
    // Open dates (today onward) too: each has exactly the rows of its last fetch.
    assert!(want.iter().any(|s| s.3 == DateState::Open));
    let conn = rusqlite::Connection::open(&crashed).expect("raw");
    let dupes: i64 = conn
        .query_row(
            "SELECT count(*) FROM (SELECT ledger_id, topic, date, psp_reference, seq FROM entries \
             GROUP BY ledger_id, topic, date, seq HAVING count(*) > 1)",
            [],
            |r| r.get(0),
        )
        .expect("dupes");
    assert_eq!(dupes, 0);
    eprintln!(
        "crash test: {kills} kills in {runs} runs, complete dates seen after kills: {completes_seen:?}"
    );
}
