//! `avstem month-end`, the accounting partner's one command, run as the real binary against the
//! built-in simulator (the demo profile: accounting keys): several client ledgers synced in one
//! run, one workbook each with a plain name, an overview workbook whose figures equal each
//! ledger's month, and the exit status a script can read. A ledger that is not granted is refused
//! in a sentence, before anything is written.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_avstem");
const NOW: (&str, &str) = ("AVSTEM_NOW", "2024-06-10T12:00:00Z");

fn avstem(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("AVSTEM_CLIENT_SECRET")
        .env_remove("AVSTEM_SUBSCRIPTION_KEY")
        .env_remove("AVSTEM_DATA_DIR")
        .env(NOW.0, NOW.1)
        .output()
        .expect("run avstem")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const LEDGERS: [&str; 4] = ["302321", "402002", "502001", "302500"];

#[test]
fn month_end_writes_one_workbook_per_client_and_an_overview_that_adds_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("out");
    let out_s = out_dir.to_str().expect("utf-8");
    let mut args = vec![
        "month-end",
        "--profile",
        "demo",
        "--month",
        "2024-05",
        "--out",
        out_s,
        "--sync",
        "--json",
    ];
    for l in LEDGERS {
        args.extend(["--ledger", l]);
    }
    let out = avstem(dir.path(), &args);
    let code = out.status.code();
    let summary: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let ledgers = summary["ledgers"].as_array().expect("ledgers");
    assert_eq!(
        ledgers
            .iter()
            .map(|l| l["ledgerId"].as_str().unwrap_or(""))
            .collect::<Vec<_>>(),
        vec!["302321", "302500", "402002", "502001"],
        "in ledger order"
    );
    let any_checks_failed = ledgers.iter().any(|l| l["state"] == "checksFailed");
    assert!(
        ledgers.iter().all(|l| l["state"] != "notWritten"),
        "{}",
        text(&out)
    );
    assert_eq!(
        code,
        Some(if any_checks_failed { 3 } else { 0 }),
        "{}",
        text(&out)
    );
    assert!(
        summary["requests"].as_u64().unwrap_or(0) > 100,
        "one sync for all: {}",
        summary["requests"]
    );
    for l in ledgers {
        let id = l["ledgerId"].as_str().expect("id");
        let file = l["file"].as_str().expect("file");
        assert!(
            file.ends_with(&format!("-{id}-2024-05.xlsx")) && !file.contains('/'),
            "{file}"
        );
        assert!(
            out_dir.join(file).metadata().expect("written").len() > 5_000,
            "{file}"
        );
        // The overview's figures are the ledger's month, as `avstem month` shows it.
        let month = avstem(
            dir.path(),
            &[
                "month",
                "--profile",
                "demo",
                "--ledger",
                id,
                "--month",
                "2024-05",
                "--json",
            ],
        );
        let m: serde_json::Value =
            serde_json::from_slice(&month.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&month)));
        assert_eq!(l["sales"], m["totals"]["sales"], "ledger {id}");
        assert_eq!(l["paidOut"], m["totals"]["payout"], "ledger {id}");
    }
    let sauna = ledgers
        .iter()
        .find(|l| l["ledgerId"] == "502001")
        .expect("502001");
    assert_eq!(sauna["file"], "Sauna-Oy-Kamppi-502001-2024-05.xlsx");
    assert!(sauna["sales"].as_i64().unwrap_or(0) > 100_000, "{sauna}");
    let idle = ledgers
        .iter()
        .find(|l| l["ledgerId"] == "302500")
        .expect("302500");
    assert_eq!(
        (idle["sales"].as_i64(), idle["payouts"].as_u64()),
        (Some(0), Some(0)),
        "{idle}"
    );

    // The overview, read back by an independent reader (openpyxl), row for row.
    let overview = out_dir.join("overview-2024-05.xlsx");
    assert_eq!(summary["overview"], "overview-2024-05.xlsx");
    let py = r#"
import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1]).active
rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4) if r[1].value]
print(json.dumps([{"ledger": r[1], "sales": round(r[5] * 100), "paid": round(r[8] * 100), "file": r[13], "link": ws.cell(row=4 + i, column=14).hyperlink.target} for i, r in enumerate(rows)]))
"#;
    let read = Command::new("python3")
        .arg("-c")
        .arg(py)
        .arg(&overview)
        .output()
        .expect("python3");
    assert!(read.status.success(), "{}", text(&read));
    let rows: serde_json::Value = serde_json::from_slice(&read.stdout).expect("rows");
    let rows = rows.as_array().expect("rows");
    assert_eq!(rows.len(), 4);
    for (row, l) in rows.iter().zip(ledgers) {
        assert_eq!(row["ledger"], l["ledgerId"]);
        assert_eq!(row["sales"], l["sales"]);
        assert_eq!(row["paid"], l["paidOut"]);
        assert_eq!(row["file"], l["file"]);
        assert_eq!(row["link"], l["file"], "the file is a link next to its row");
    }

    // Again without --sync: from the cache, the same figures, nothing fetched.
    let again = avstem(
        dir.path(),
        &[
            "month-end",
            "--profile",
            "demo",
            "--month",
            "2024-05",
            "--out",
            out_s,
            "--ledger",
            "502001",
            "--json",
        ],
    );
    let s: serde_json::Value =
        serde_json::from_slice(&again.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&again)));
    assert_eq!(s["requests"], 0);
    assert_eq!(s["ledgers"][0]["sales"], sauna["sales"]);
}

#[test]
fn a_ledger_that_is_not_granted_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("out");
    let out = avstem(
        dir.path(),
        &[
            "month-end",
            "--profile",
            "demo",
            "--month",
            "2024-05",
            "--out",
            out_dir.to_str().expect("utf-8"),
            "--sync",
            "--ledger",
            "302400",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("Ledger 302400 is not among the ledgers this profile sees"),
        "{t}"
    );
    assert!(t.contains("Reports → Accounting partners"), "{t}");
    assert_eq!(
        std::fs::read_dir(&out_dir).map(|d| d.count()).unwrap_or(0),
        0,
        "nothing written"
    );

    // An output "folder" that is a file: one sentence, exit 1.
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "x").expect("write");
    let out = avstem(
        dir.path(),
        &[
            "month-end",
            "--profile",
            "demo",
            "--month",
            "2024-05",
            "--out",
            file.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("Cannot create the folder"), "{}", text(&out));
}

/// One cache writer across processes: while another process (here the test itself, holding the
/// same advisory lock a running `month-end --sync` holds) syncs the data folder, a second
/// `month-end --sync` is refused in a sentence before it asks Vipps for anything or writes a file;
/// once the first lets go, the same command runs.
#[test]
fn a_second_month_end_on_the_same_data_folder_is_refused_while_the_first_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("out");
    let out_s = out_dir.to_str().expect("utf-8");
    let cache = dir.path().join("cache.sqlite");
    let args = [
        "month-end",
        "--profile",
        "demo",
        "--month",
        "2024-05",
        "--out",
        out_s,
        "--sync",
        "--ledger",
        "302321",
    ];
    let first = avstem_core::month_end::CacheWriter::take(&cache).expect("the first run's lock");
    let out = avstem(dir.path(), &args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("Another month-end is already syncing this data folder"),
        "{t}"
    );
    assert!(!out_dir.exists(), "no output folder, no file");
    assert!(!cache.exists(), "nothing was fetched into the cache");

    drop(first);
    let out = avstem(dir.path(), &args);
    assert_eq!(
        out.status.code().map(|c| c == 0 || c == 3),
        Some(true),
        "{}",
        text(&out)
    );
    let files: Vec<String> = std::fs::read_dir(&out_dir)
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 2, "one workbook and the overview: {files:?}");
    assert!(files.iter().any(|f| f == "overview-2024-05.xlsx"), "{files:?}");
}

/// Month-end fetches what was sold too (accounting keys): a month after the Sales API's start has
/// its Sales sheet in the client's workbook, and its Journal books revenue per VAT rate, without a
/// separate `avstem sync --sales`.
#[test]
fn month_end_brings_what_was_sold_into_the_clients_workbook() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("out");
    let out_s = out_dir.to_str().expect("utf-8");
    let run = |now: &str, args: &[&str]| {
        Command::new(BIN)
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .env_remove("AVSTEM_DATA_DIR")
            .env("AVSTEM_NOW", now)
            .output()
            .expect("run avstem")
    };
    let out = run(
        "2026-06-10T12:00:00Z",
        &[
            "month-end",
            "--profile",
            "demo",
            "--month",
            "2026-05",
            "--out",
            out_s,
            "--sync",
            "--ledger",
            "302321",
        ],
    );
    assert!(matches!(out.status.code(), Some(0 | 3)), "{}", text(&out));
    let book = std::fs::read_dir(&out_dir)
        .expect("out")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains("302321-2026-05"))
        })
        .expect("the client's workbook");
    let py = r#"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
print(",".join(wb.sheetnames))
ws = wb["Journal"]
codes = set()
for row in ws.iter_rows(min_row=2, values_only=True):
    if row and len(row) > 7 and row[7] not in (None, ""):
        codes.add(str(row[7]))
print(",".join(sorted(codes)))
"#;
    let o = Command::new("python3")
        .arg("-c")
        .arg(py)
        .arg(&book)
        .output()
        .expect("python3");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let printed = String::from_utf8_lossy(&o.stdout);
    let mut lines = printed.lines();
    let sheets = lines.next().unwrap_or_default();
    assert!(sheets.split(',').any(|s| s == "Sales"), "{sheets}");
    let codes = lines.next().unwrap_or_default();
    assert!(
        codes.split(',').any(|c| c == "3" || c == "31"),
        "revenue booked per VAT rate: {codes}"
    );
}
