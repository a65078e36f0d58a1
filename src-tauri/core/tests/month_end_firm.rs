//! Month-end at the scale of an accounting firm: the simulator's firm world (200 granted ledgers,
//! `SimConfig::firm`) over real HTTP on loopback, a real SQLite cache and real files read back by
//! their readers. Grants change (a ledger appears, one is withdrawn mid-run → 404), one ledger's
//! dates all fail, the output disk fills up while writing file 120 (a real tmpfs of the right size,
//! when this runs as root as CI does), and a second run on the same data folder is refused while
//! the first holds the cache. Every ledger's outcome is reported and no file is half written.

use avstem_core::clock::Clock;
use avstem_core::context::Context;
use avstem_core::export::{ExportFormat, ExportOptions};
use avstem_core::model::YearMonth;
use avstem_core::month_end::{self, CacheWriter, LedgerState, MonthEndRequest, MonthEndSummary};
use avstem_core::profile::{add_profile, NewProfile, ProfileKind};
use avstem_core::reconcile::JournalAccounts;
use avstem_core::secrets::{MemorySecrets, Secret};
use avstem_core::sim::data::{firm_ledger_id, FIRM_LATE_LEDGER};
use avstem_core::sim::{self, demo, SimConfig, SimHandle};
use avstem_core::sync::CancelToken;
use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const TODAY: &str = "2024-06-10";
const MONTH: &str = "2024-05";
/// Every by-date report of this ledger fails (500, errorCode 10002).
const BROKEN: &str = "700010";
/// Withdrawn by its merchant while the run is under way.
const WITHDRAWN: &str = "700150";

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

async fn firm_sim() -> SimHandle {
    sim::start(SimConfig {
        today: d(TODAY),
        firm: true,
        ledgers_page_size: 50,
        ..SimConfig::default()
    })
    .await
    .expect("sim")
}

fn firm_context(data: &Path, sim: &SimHandle) -> Context {
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
    std::fs::create_dir_all(data).expect("data dir");
    add_profile(data, &new, secrets.as_ref()).expect("profile");
    Context::with_secret_store(data.to_path_buf(), secrets).with_clock(Clock::at_noon(d(TODAY)))
}

fn request(out_dir: PathBuf, sync: bool) -> MonthEndRequest {
    MonthEndRequest {
        profile: "firm".into(),
        month: YearMonth::parse(MONTH).expect("month"),
        out_dir,
        ledger_ids: None,
        sync,
        format: ExportFormat::Xlsx,
        options: ExportOptions {
            gdpr: false,
            accounts: JournalAccounts::defaults_for("NOK"),
            clock: Clock::at_noon(d(TODAY)),
        },
        same_accounts: false,
    }
}

/// Files in `dir`: every `.xlsx` must open as a whole zip (python's zipfile reads the central
/// directory at the end, so a half-written file fails), and no temporary is left behind.
fn check_whole_files(dir: &Path) -> usize {
    let names: Vec<String> = std::fs::read_dir(dir)
        .expect("read out dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.ends_with(".tmp")),
        "no temporary is left: {names:?}"
    );
    let py = "import sys, zipfile\nfor p in sys.argv[1:]:\n    z = zipfile.ZipFile(p)\n    assert z.testzip() is None, p\n    assert 'xl/workbook.xml' in z.namelist(), p\nprint(len(sys.argv) - 1)";
    let xlsx: Vec<PathBuf> = names
        .iter()
        .filter(|n| n.ends_with(".xlsx"))
        .map(|n| dir.join(n))
        .collect();
    let read = Command::new("python3")
        .arg("-c")
        .arg(py)
        .args(&xlsx)
        .output()
        .expect("python3");
    assert!(
        read.status.success(),
        "every file is whole: {}",
        String::from_utf8_lossy(&read.stderr)
    );
    xlsx.len()
}

fn ledger<'a>(s: &'a MonthEndSummary, id: &str) -> &'a month_end::LedgerOutcome {
    s.ledgers
        .iter()
        .find(|l| l.ledger_id == id)
        .unwrap_or_else(|| panic!("ledger {id} reported"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn month_end_for_the_firm_through_changing_grants_a_broken_ledger_and_a_full_disk() {
    let sim = firm_sim().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = firm_context(&dir.path().join("data"), &sim);

    // 200 granted at the start; a merchant grants one more: it appears in the next list.
    assert_eq!(ctx.refresh_ledgers("firm").await.expect("ledgers").len(), 200);
    sim.grant(FIRM_LATE_LEDGER);
    let seen = ctx.refresh_ledgers("firm").await.expect("ledgers");
    assert_eq!(seen.len(), 201);
    assert!(seen.iter().any(|l| l.ledger_id == FIRM_LATE_LEDGER));

    // One ledger's dates all fail; another's grant is withdrawn once a thousand dates are in.
    sim.break_ledger(BROKEN);
    let withdrawn = AtomicBool::new(false);
    let out_dir = dir.path().join("out");
    let summary = month_end::run(
        &ctx,
        &request(out_dir.clone(), true),
        |p| {
            if p.dates_done >= 1_000 && !withdrawn.swap(true, Ordering::SeqCst) {
                sim.withdraw(WITHDRAWN);
            }
        },
        CancelToken::new(),
    )
    .await
    .expect("month-end runs to the end");
    assert!(withdrawn.load(Ordering::SeqCst));
    assert_eq!(summary.ledgers.len(), 201, "every ledger has its row");
    assert_eq!(summary.exit_code(), 1, "two ledgers could not be written");

    let broken = ledger(&summary, BROKEN);
    assert_eq!(broken.state, LedgerState::NotWritten);
    assert_eq!(broken.failed_dates, 31, "every date of May failed");
    let why = broken.error.as_deref().unwrap_or("");
    assert!(why.starts_with("31 dates could not be fetched"), "{why}");
    assert!(broken.file.is_none());

    let gone = ledger(&summary, WITHDRAWN);
    assert_eq!(gone.state, LedgerState::NotWritten);
    assert_eq!(gone.failed_dates, 31, "the grant was withdrawn before its turn");
    assert!(gone.file.is_none());

    let not_written: Vec<&str> = summary
        .ledgers
        .iter()
        .filter(|l| l.state == LedgerState::NotWritten)
        .map(|l| l.ledger_id.as_str())
        .collect();
    assert_eq!(not_written, vec![BROKEN, WITHDRAWN], "{:#?}", summary.ledgers);
    assert_eq!(
        check_whole_files(&out_dir),
        199 + 1,
        "199 ledgers and the overview"
    );
    assert_eq!(summary.overview.as_deref(), Some("overview-2024-05.xlsx"));
    let late = ledger(&summary, FIRM_LATE_LEDGER);
    assert!(late.file.is_some() && late.sales > 0, "{late:?}");
    let big = ledger(&summary, &firm_ledger_id(20));
    let small = ledger(&summary, &firm_ledger_id(1));
    assert!(
        big.sales > small.sales,
        "sizes are mixed: {} vs {}",
        big.sales,
        small.sales
    );

    full_disk(&ctx, &summary, dir.path()).await;
    drop(sim);
}

/// The files of a run without `--sync` into a tmpfs that holds files 1–119 and half of file 120.
async fn full_disk(ctx: &Context, first: &MonthEndSummary, root: &Path) {
    let written: Vec<&month_end::LedgerOutcome> = first.ledgers.iter().filter(|l| l.file.is_some()).collect();
    let pages = |l: &month_end::LedgerOutcome| -> u64 {
        let path = PathBuf::from(&first.out_dir).join(l.file.as_deref().unwrap_or(""));
        std::fs::metadata(path).expect("size").len().div_ceil(4096)
    };
    let before: u64 = written.iter().take(119).map(|l| pages(l)).sum();
    let size = (before + pages(written[119]) / 2) * 4096;
    let disk = root.join("small-disk");
    std::fs::create_dir_all(&disk).expect("mount point");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(&disk)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("full disk: skipped (mounting a tmpfs needs root, as on CI)");
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(disk.clone());
    let out = disk.join("out");
    let summary = month_end::run(ctx, &request(out.clone(), false), |_| {}, CancelToken::new())
        .await
        .expect("the run reports the full disk per ledger");
    let now_written: Vec<&month_end::LedgerOutcome> =
        summary.ledgers.iter().filter(|l| l.file.is_some()).collect();
    assert_eq!(summary.ledgers.len(), 201);
    assert_eq!(summary.exit_code(), 1);
    let ids = |ls: &[&month_end::LedgerOutcome]| ls.iter().map(|l| l.ledger_id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&now_written[..119]), ids(&written[..119]), "files 1–119 fit");
    let file120 = ledger(&summary, &written[119].ledger_id);
    assert_eq!(file120.state, LedgerState::NotWritten);
    let why = file120.error.as_deref().unwrap_or("");
    assert!(
        why.starts_with("The disk is full"),
        "the sentence says the disk is full: {why}"
    );
    // The ledgers after it are not tried, each row says why; the overview still lists all 201.
    let at = summary
        .ledgers
        .iter()
        .position(|l| l.ledger_id == file120.ledger_id)
        .expect("file 120's row");
    let after = &summary.ledgers[at + 1..];
    assert_eq!(
        after.len(),
        201 - 121,
        "ledgers after file 120 (the broken one is before it)"
    );
    for l in after {
        assert_eq!(l.state, LedgerState::NotWritten, "{}", l.ledger_id);
        let why = l.error.as_deref().unwrap_or("");
        assert!(
            why.contains("this file was not tried") && why.contains(&file120.ledger_id),
            "{why}"
        );
    }
    assert_eq!(now_written.len(), 119);
    // Whatever else was or was not written, nothing is half a file.
    let whole = check_whole_files(&out);
    assert_eq!(whole, now_written.len() + usize::from(summary.overview.is_some()));
    if summary.overview.is_none() {
        assert!(summary.overview_error.is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_month_end_on_the_same_data_folder_is_refused_and_fetches_nothing() {
    let sim = firm_sim().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = firm_context(&dir.path().join("data"), &sim);
    // The first run holds the cache (another process would hold the same lock on the same file).
    let first = CacheWriter::take(&ctx.cache_path()).expect("first run's lock");
    sim.reset_stats();
    let out_dir = dir.path().join("out");
    let refused = month_end::run(&ctx, &request(out_dir.clone(), true), |_| {}, CancelToken::new())
        .await
        .expect_err("the second run is refused");
    let why = refused.to_string();
    assert!(
        why.contains("Another month-end is already syncing this data folder"),
        "{why}"
    );
    let stats = sim.stats();
    assert_eq!(
        (stats.token_requests, stats.ledger_requests, stats.report_requests),
        (0, 0, 0),
        "the second run asked Vipps for nothing"
    );
    assert!(!out_dir.exists(), "and wrote nothing");
    // When the first finishes, the next run goes ahead.
    drop(first);
    let mut req = request(out_dir.clone(), true);
    req.ledger_ids = Some(vec![firm_ledger_id(1)]);
    let summary = month_end::run(&ctx, &req, |_| {}, CancelToken::new())
        .await
        .expect("runs once the lock is free");
    assert_eq!(summary.ledgers.len(), 1);
    assert_ne!(summary.ledgers[0].state, LedgerState::NotWritten);
    drop(sim);
}
