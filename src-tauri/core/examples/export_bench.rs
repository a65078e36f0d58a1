//! Export benchmark: a 1,000,000-entry month from the simulator's bulk ledger, through a real cache,
//! into the full workbook — and the same Funds rows written by Rust and by Python XlsxWriter.
//!
//! Run: `cargo run --release -p avstem-core --example export_bench -- [--entries N] [--dir D] [--fresh]`
//! Targets (issue 7): full export ≤ 15 s and peak memory (VmHWM) ≤ 400 MB; Rust ≥ 4× faster than
//! Python XlsxWriter (constant_memory) on the same Funds rows. Each timed part runs in its own
//! process so VmHWM is that part's peak alone.

use avstem_core::export::{write_csv, write_xlsx, ExportOptions};
use avstem_core::model::{Topic, YearMonth};
use avstem_core::reconcile::needed_range;
use avstem_core::sim::data::{World, BULK_LEDGER_ID};
use avstem_core::store::{DateState, DateWrite, Store};
use chrono::{NaiveDate, NaiveDateTime};
use rust_xlsxwriter::{Format, Workbook};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const MONTH: &str = "2024-10";

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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(arg(&args, "--dir").unwrap_or_else(|| "/tmp/avstem-export-bench".into()));
    let month = YearMonth::parse(MONTH).ok_or("month")?;
    match args.get(1).map(String::as_str) {
        Some("export") => return child_export(&dir, month, false),
        Some("export-csv") => return child_export(&dir, month, true),
        Some("rust-funds") => return child_rust_funds(&dir),
        _ => {}
    }
    let entries: u64 = arg(&args, "--entries")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    std::fs::create_dir_all(&dir)?;
    let cache = dir.join("cache.sqlite");
    if args.iter().any(|a| a == "--fresh") {
        let _ = std::fs::remove_file(&cache);
    }
    if !cache.exists() {
        prepare(&cache, month, entries)?;
    }
    dump_funds(&cache, month, &dir.join("funds.tsv"))?;

    let me = std::env::current_exe()?;
    let run = |what: &str| -> Result<String, Box<dyn std::error::Error>> {
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
    let export = run("export")?;
    println!("full workbook export : {export}");
    let csv = run("export-csv")?;
    println!("settlement CSV export: {csv}");
    let rust = run("rust-funds")?;
    println!("Rust Funds rows      : {rust}");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/export_bench_xlsxwriter.py");
    let py = Command::new("python3")
        .arg(&script)
        .arg(dir.join("funds.tsv"))
        .arg(dir.join("python-funds.xlsx"))
        .output()?;
    let py_line = String::from_utf8_lossy(&py.stdout).trim().to_string();
    if !py.status.success() {
        return Err(format!("python failed: {}", String::from_utf8_lossy(&py.stderr)).into());
    }
    println!("Python Funds rows    : {py_line}");

    let (ex_s, ex_mb, rows) = (
        field(&export, "secs"),
        field(&export, "peak_mb"),
        field(&export, "entries"),
    );
    let (r_s, p_s) = (field(&rust, "secs"), field(&py_line, "secs"));
    println!();
    println!("entries in the month : {rows}");
    println!(
        "full export          : {ex_s:.2} s (target ≤ 15 s) {}",
        if ex_s <= 15.0 { "PASS" } else { "FAIL" }
    );
    println!(
        "peak memory          : {ex_mb:.0} MB (target ≤ 400 MB) {}",
        if ex_mb <= 400.0 { "PASS" } else { "FAIL" }
    );
    println!(
        "Funds rows: Rust {r_s:.2} s vs Python XlsxWriter {p_s:.2} s = {:.1}× (target ≥ 4×) {}",
        p_s / r_s,
        if p_s / r_s >= 4.0 { "PASS" } else { "FAIL" }
    );
    println!(
        "whole Rust export (7 sheets, reconciliation, cache reads) vs Python Funds sheet alone: {:.1}×",
        p_s / ex_s
    );
    Ok(())
}

/// Fill a real cache with the bulk ledger's dates around the month.
fn prepare(cache: &Path, month: YearMonth, entries: u64) -> Result<(), Box<dyn std::error::Error>> {
    let days = month.dates().count() as u64;
    // A bulk date holds n funds entries and n − 1 − (n − 2)/51 fees entries.
    let per_day_total = entries.div_ceil(days);
    let mut n = per_day_total / 2;
    while n + (n - 2) - (n - 2) / 51 + 1 < per_day_total {
        n += 1;
    }
    let started = Instant::now();
    let world = World::with_bulk(42, month.next().next().first_day(), n as u32);
    let mut store = Store::open(cache)?;
    let ledger = world.ledger(BULK_LEDGER_ID).ok_or("bulk ledger")?;
    store.upsert_ledgers("bench", std::slice::from_ref(&ledger))?;
    let (from, to) = needed_range(month);
    let mut total = 0u64;
    for date in from.iter_days().take_while(|d| *d <= to) {
        let day = world.day(BULK_LEDGER_ID, date);
        for topic in Topic::ALL {
            let list = day.topic(topic);
            total += list.len() as u64;
            store.store_date_write(&DateWrite {
                ledger_id: BULK_LEDGER_ID,
                topic,
                date,
                entries: list,
                state: DateState::Complete,
                error: None,
                with_gdpr: false,
            })?;
        }
    }
    eprintln!(
        "prepared {total} entries ({n} funds entries a date) for {from} – {to} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn child_export(dir: &Path, month: YearMonth, csv: bool) -> Result<(), Box<dyn std::error::Error>> {
    // Phase timings on stderr with RUST_LOG=avstem_core::export=debug.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let store = Store::open(&dir.join("cache.sqlite"))?;
    let started = Instant::now();
    let summary = if csv {
        write_csv(
            &store,
            BULK_LEDGER_ID,
            month,
            &ExportOptions::default(),
            &dir.join("month.csv"),
        )?
    } else {
        write_xlsx(
            &store,
            BULK_LEDGER_ID,
            month,
            &ExportOptions::default(),
            &dir.join("month.xlsx"),
        )?
    };
    let secs = started.elapsed().as_secs_f64();
    println!(
        "secs={secs:.3} peak_mb={:.1} entries={} funds={} fees={} captures={} payouts={} bytes={} failed_checks={}",
        peak_mb(),
        summary.funds_rows + summary.fees_rows,
        summary.funds_rows,
        summary.fees_rows,
        summary.captures,
        summary.payouts,
        summary.bytes,
        summary.failed_checks.len()
    );
    Ok(())
}

/// The month's Funds rows as the Funds sheet shows them, tab-separated, for both writers to read.
fn dump_funds(cache: &Path, month: YearMonth, out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let store = Store::open(cache)?;
    let ledger = store.ledger(BULK_LEDGER_ID)?.ok_or("ledger")?;
    let tz = ledger.time_zone();
    let mut w = std::io::BufWriter::new(std::fs::File::create(out)?);
    let units: std::collections::HashMap<String, String> = ledger
        .sales_units
        .iter()
        .map(|u| (u.recipient_handle.clone(), u.name.clone()))
        .collect();
    store.for_each_entry_between(
        BULK_LEDGER_ID,
        Topic::Funds,
        month.first_day(),
        month.last_day(),
        |e| {
            let unit = e
                .recipient_handle
                .as_ref()
                .map(|h| units.get(h).map_or(h.clone(), |n| format!("{n} ({h})")))
                .unwrap_or_default();
            writeln!(
                w,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                e.ledger_date,
                e.time
                    .with_timezone(&tz)
                    .naive_local()
                    .format("%Y-%m-%dT%H:%M:%S%.6f"),
                e.entry_type,
                e.amount,
                e.balance_before,
                e.balance_after,
                e.psp_reference,
                e.reference.replace(['\t', '\n'], " "),
                unit
            )
            .map_err(|err| avstem_core::Error::Io(err.to_string()))
        },
    )?;
    w.flush()?;
    Ok(())
}

struct Row {
    date: NaiveDate,
    time: NaiveDateTime,
    ty: String,
    amount: i64,
    before: i64,
    after: i64,
    psp: String,
    reference: String,
    unit: String,
}

/// Write the dumped Funds rows with rust_xlsxwriter in constant-memory mode (timed: writing only).
fn child_rust_funds(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let file = std::io::BufReader::new(std::fs::File::open(dir.join("funds.tsv"))?);
    let mut rows = Vec::new();
    for line in file.lines() {
        let line = line?;
        let f: Vec<&str> = line.split('\t').collect();
        rows.push(Row {
            date: NaiveDate::parse_from_str(f[0], "%Y-%m-%d")?,
            time: NaiveDateTime::parse_from_str(f[1], "%Y-%m-%dT%H:%M:%S%.f")?,
            ty: f[2].to_string(),
            amount: f[3].parse()?,
            before: f[4].parse()?,
            after: f[5].parse()?,
            psp: f[6].to_string(),
            reference: f[7].to_string(),
            unit: f[8].to_string(),
        });
    }
    let started = Instant::now();
    let mut wb = Workbook::new();
    let money = Format::new().set_num_format("#,##0.00");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let header = Format::new().set_bold();
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name("Funds")?;
    let cols = [
        "Ledger date",
        "Time",
        "Type",
        "Amount",
        "Balance before",
        "Balance after",
        "PSP reference",
        "Reference",
        "Sales unit",
    ];
    for (c, name) in cols.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, &header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, rows.len() as u32, 8)?;
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_date_with_format(row, 0, r.date, &date)?;
        ws.write_datetime_with_format(row, 1, r.time, &datetime)?;
        ws.write_string(row, 2, &r.ty)?;
        ws.write_number_with_format(row, 3, r.amount as f64 / 100.0, &money)?;
        ws.write_number_with_format(row, 4, r.before as f64 / 100.0, &money)?;
        ws.write_number_with_format(row, 5, r.after as f64 / 100.0, &money)?;
        ws.write_string(row, 6, &r.psp)?;
        ws.write_string(row, 7, &r.reference)?;
        ws.write_string(row, 8, &r.unit)?;
    }
    wb.save(dir.join("rust-funds.xlsx"))?;
    println!(
        "secs={:.3} rows={} peak_mb={:.1}",
        started.elapsed().as_secs_f64(),
        rows.len(),
        peak_mb()
    );
    Ok(())
}
