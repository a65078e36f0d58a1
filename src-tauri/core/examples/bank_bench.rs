//! Bank benchmark (issue 15): a year of bank statements for 200 ledgers (≈ 75,000 lines: every daily
//! payout and some card purchases), as the simulator's bank writes them (camt.053.001.08, one file per
//! ledger and month), imported into a real cache and matched month by month; then imported again,
//! which must add 0 rows.
//!
//! Run: `cargo run --release -p avstem-core --example bank_bench -- [--ledgers N] [--dir D] [--fresh]`
//! Targets: import and match ≤ 2 s and peak memory (VmHWM) ≤ 200 MB. Baselines measured in the same
//! run, on the same files: Avstem's camt.053 parser alone (no cache, no matching), and libxml2's
//! `xmllint --noout` (C) only parsing them. Each timed part runs in its own process, so VmHWM is that
//! part's peak alone.

use avstem_core::bank::account::norwegian_iban;
use avstem_core::bank::import::{import_paths, read_statement_file, ImportOptions};
use avstem_core::bank::matching::BankState;
use avstem_core::bank::status::{expected_lines, month_status};
use avstem_core::model::{Entry, EntryType, Ledger, SchemeId, Topic, YearMonth};
use avstem_core::sim::statement::{lines_for_payouts, write_camt053, CamtVersion, StatementFaults};
use avstem_core::store::{DateState, Store};
use chrono::{Duration, NaiveDate};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const YEAR: i32 = 2025;
const PROFILE: &str = "bench";
/// Card purchases and transfers per ledger and month, mixed in with the payouts.
const FOREIGN_PER_MONTH: usize = 1;

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

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> BoxResult<()> {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(arg(&args, "--dir").unwrap_or_else(|| "/tmp/avstem-bank-bench".into()));
    match args.get(1).map(String::as_str) {
        Some("import") => return child_import(&dir),
        Some("parse") => return child_parse(&dir),
        _ => {}
    }
    let ledgers: usize = arg(&args, "--ledgers")
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    if args.iter().any(|a| a == "--fresh") {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let seed = dir.join("seed.sqlite");
    if !seed.exists() {
        prepare(&dir, ledgers)?;
    }
    let files = statement_files(&dir)?;
    let bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    // Every timed run starts from the same cache: the ledgers and their payouts, no statement.
    std::fs::copy(&seed, dir.join("cache.sqlite"))?;
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("cache.sqlite{ext}")));
    }

    let me = std::env::current_exe()?;
    let run = |what: &str| -> BoxResult<String> {
        let out = Command::new(&me).arg(what).arg("--dir").arg(&dir).output()?;
        if !out.status.success() {
            return Err(format!("{what} failed: {}", String::from_utf8_lossy(&out.stderr)).into());
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let field = |line: &str, key: &str| -> f64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{key}=")).and_then(|v| v.parse().ok()))
            .unwrap_or(f64::NAN)
    };
    let first = run("import")?;
    println!("import + match      : {first}");
    let second = run("import")?;
    println!("second import       : {second}");
    let parse = run("parse")?;
    println!("parse only (Avstem) : {parse}");
    let xmllint = time_xmllint(&files);
    match &xmllint {
        Some(s) => println!("xmllint --noout     : secs={s:.3}"),
        None => println!("xmllint --noout     : xmllint not found, baseline skipped"),
    }

    let (secs, mb) = (field(&first, "secs"), field(&first, "peak_mb"));
    let lines = field(&first, "lines");
    println!();
    println!(
        "{} ledgers, {} files, {:.1} MB, {lines} lines",
        ledgers_in(&dir)?,
        files.len(),
        bytes as f64 / 1e6
    );
    println!(
        "import and match    : {secs:.2} s (target ≤ 2 s) {}",
        if secs <= 2.0 { "PASS" } else { "FAIL" }
    );
    println!(
        "peak memory         : {mb:.0} MB (target ≤ 200 MB) {}",
        if mb <= 200.0 { "PASS" } else { "FAIL" }
    );
    let again = field(&second, "added");
    println!(
        "second import adds  : {again} rows (target 0) {}",
        if again == 0.0 { "PASS" } else { "FAIL" }
    );
    let p = field(&parse, "secs");
    println!(
        "import and match vs Avstem's parser alone on the same files: {:.1}×",
        secs / p
    );
    if let Some(x) = xmllint {
        println!(
            "import and match vs libxml2 (xmllint) only parsing the same files: {:.2}×",
            secs / x
        );
    }
    Ok(())
}

fn account(i: usize) -> String {
    format!("1503{:07}", 1_000_000 + i)
}

fn ledger(i: usize) -> Ledger {
    Ledger {
        ledger_id: format!("{}", 600_000 + i),
        currency: "NOK".into(),
        payout_bank_account: SchemeId {
            scheme: "BBAN:NO".into(),
            id: account(i),
        },
        owner: SchemeId {
            scheme: "business:NO:ORG".into(),
            id: format!("{}", 910_000_000 + i),
        },
        settles_for_recipient_handles: vec![format!("NO:{}", 100_000 + i)],
        sales_units: vec![],
    }
}

fn ledgers_in(dir: &Path) -> BoxResult<usize> {
    Ok(Store::open(&dir.join("seed.sqlite"))?
        .ledgers(Some(PROFILE))?
        .len())
}

/// The seed cache (200 ledgers, a daily payout on every date of the year) and the statement files.
fn prepare(dir: &Path, n: usize) -> BoxResult<()> {
    let started = Instant::now();
    let files = dir.join("statements");
    std::fs::create_dir_all(&files)?;
    let seed = dir.join("seed.sqlite");
    let mut store = Store::open(&seed)?;
    let ledgers: Vec<Ledger> = (0..n).map(ledger).collect();
    store.upsert_ledgers(PROFILE, &ledgers)?;
    let first = NaiveDate::from_ymd_opt(YEAR, 1, 1).ok_or("date")?;
    let last = NaiveDate::from_ymd_opt(YEAR, 12, 31).ok_or("date")?;
    for (i, l) in ledgers.iter().enumerate() {
        let mut date = first - Duration::days(7);
        let mut k = 0u64;
        while date <= last {
            let amount = 50_000 + ((i as i64 * 7_919 + k as i64 * 104_729) % 900_000);
            let e = Entry {
                ledger_id: l.ledger_id.clone(),
                topic: Topic::Funds,
                ledger_date: date,
                seq: 0,
                psp_reference: format!("{}-{}", l.ledger_id, 2_000_000 + k),
                time: chrono::DateTime::from_timestamp(1_735_689_600 + k as i64 * 86_400, 0)
                    .unwrap_or_default(),
                entry_type: EntryType::PayoutScheduled,
                reference: String::new(),
                currency: "NOK".into(),
                amount: -amount,
                balance_before: amount,
                balance_after: 0,
                recipient_handle: None,
                name: None,
                masked_phone_no: None,
                message: None,
            };
            store.store_date(&l.ledger_id, Topic::Funds, date, &[e], DateState::Complete, None)?;
            date += Duration::days(1);
            k += 1;
        }
        let iban = norwegian_iban(&l.payout_bank_account.id).ok_or("iban")?;
        for m in 1..=12u32 {
            let ym = YearMonth::parse(&format!("{YEAR}-{m:02}")).ok_or("month")?;
            let (from, to) = (ym.first_day(), ym.last_day());
            let payouts: Vec<_> = expected_lines(&store, l, from - Duration::days(7), to)?
                .into_iter()
                .filter(|(_, e)| e.date >= from && e.date <= to)
                .collect();
            let faults = StatementFaults {
                foreign_lines: FOREIGN_PER_MONTH,
                bank_text_format: None,
                ..StatementFaults::default()
            };
            let mut lines = lines_for_payouts(&payouts, &faults);
            for (j, line) in lines.iter_mut().enumerate() {
                if line.amount < 0 {
                    // Foreign lines: their own reference per ledger and month.
                    line.bank_reference = Some(format!("SIM-FOREIGN-{}-{m}-{j}", l.ledger_id));
                    line.booking_date = from + Duration::days(j as i64 % 28);
                }
            }
            let xml = write_camt053(CamtVersion::V08, &iban, "NOK", from, 0, &lines);
            std::fs::write(files.join(format!("{}-{YEAR}-{m:02}.xml", l.ledger_id)), xml)?;
        }
    }
    drop(store);
    eprintln!("prepared {n} ledgers in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn statement_files(dir: &Path) -> BoxResult<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("statements"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Timed: import every file (each in its own transaction), then every ledger-month's bank status.
fn child_import(dir: &Path) -> BoxResult<()> {
    let files = statement_files(dir)?;
    let started = Instant::now();
    let mut store = Store::open(&dir.join("cache.sqlite"))?;
    let ledgers = store.ledgers(Some(PROFILE))?;
    let report = import_paths(&mut store, &ledgers, &files, &ImportOptions::default());
    if report.failed > 0 {
        let why = report
            .files
            .iter()
            .find_map(|f| f.error.clone())
            .unwrap_or_default();
        return Err(format!("{} files failed: {why}", report.failed).into());
    }
    let imported = started.elapsed().as_secs_f64();
    let today = NaiveDate::from_ymd_opt(YEAR + 1, 2, 1).ok_or("date")?;
    let (mut payouts, mut in_bank, mut other) = (0u64, 0u64, 0u64);
    for l in &ledgers {
        for m in 1..=12u32 {
            let ym = YearMonth::parse(&format!("{YEAR}-{m:02}")).ok_or("month")?;
            let status = month_status(&store, l, ym, today)?;
            for p in &status.payouts {
                payouts += 1;
                if p.state == BankState::InTheBank {
                    in_bank += 1;
                } else {
                    other += 1;
                }
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "secs={secs:.3} import_secs={imported:.3} peak_mb={:.1} files={} lines={} added={} payouts={payouts} in_bank={in_bank} other={other}",
        peak_mb(),
        files.len(),
        report.lines,
        report.added
    );
    Ok(())
}

/// Baseline: read and parse the same files with Avstem's camt.053 parser, nothing stored.
fn child_parse(dir: &Path) -> BoxResult<()> {
    let files = statement_files(dir)?;
    let started = Instant::now();
    let mut lines = 0usize;
    for f in &files {
        let bytes = read_statement_file(f)?;
        lines += avstem_core::bank::camt::parse(&bytes)?
            .iter()
            .map(|s| s.lines.len())
            .sum::<usize>();
    }
    println!(
        "secs={:.3} peak_mb={:.1} lines={lines}",
        started.elapsed().as_secs_f64(),
        peak_mb()
    );
    Ok(())
}

/// Baseline: libxml2 only parsing the same files (no schema), in one process.
fn time_xmllint(files: &[PathBuf]) -> Option<f64> {
    let mut total = 0.0;
    for chunk in files.chunks(500) {
        let t = Instant::now();
        let out = Command::new("xmllint").arg("--noout").args(chunk).output().ok()?;
        if !out.status.success() {
            return None;
        }
        total += t.elapsed().as_secs_f64();
    }
    Some(total)
}
