//! Personal data (names, masked phone numbers, messages) on the real binary (issue 13, item 13):
//! `entries --json` leaves it out unless `--gdpr` asks for it, and `cache forget-personal-data`
//! erases it from the cache, down to the bytes of the file.

// The test reads the wall clock on purpose: the demo simulator's month must be over.
#![allow(clippy::disallowed_methods)]

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_avstem");

fn avstem(data: &Path, args: &[&str]) -> Output {
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("AVSTEM_DATA_DIR")
        .output()
        .expect("run avstem");
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The names in `entries --json` output.
fn names(out: &Output) -> Vec<String> {
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    rows.as_array()
        .expect("array")
        .iter()
        .filter_map(|e| e["name"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn personal_data_is_shown_only_when_asked_for_and_can_be_forgotten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let month = avstem_core::model::YearMonth::of(chrono::Utc::now().date_naive()).prev();
    let (from, to) = (month.first_day().to_string(), month.last_day().to_string());
    avstem(
        &data,
        &[
            "sync",
            "--profile",
            "demo",
            "--ledger",
            "302321",
            "--from",
            &from,
            "--to",
            &to,
            "--gdpr",
        ],
    );

    // The day with the most names in the cache.
    let mut best: Option<(String, Vec<String>)> = None;
    for date in month.dates() {
        let date = date.to_string();
        let out = avstem(
            &data,
            &[
                "entries",
                "--profile",
                "demo",
                "--ledger",
                "302321",
                "--date",
                &date,
                "--json",
                "--gdpr",
            ],
        );
        let found = names(&out);
        if found.len() > best.as_ref().map_or(0, |b| b.1.len()) {
            best = Some((date, found));
        }
    }
    let (date, with_gdpr) = best.expect("a GDPR sync of the demo month has named payers");
    let args = [
        "entries",
        "--profile",
        "demo",
        "--ledger",
        "302321",
        "--date",
        &date,
        "--json",
    ];
    assert!(
        names(&avstem(&data, &args)).is_empty(),
        "entries --json without --gdpr shows no names"
    );

    let cache = data.join("cache.sqlite");
    let sample = with_gdpr.iter().max_by_key(|n| n.len()).expect("a name").clone();
    let out = avstem(&data, &["cache", "forget-personal-data"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("erased from"), "{said}");
    let mut gdpr_args = args.to_vec();
    gdpr_args.push("--gdpr");
    assert!(
        names(&avstem(&data, &gdpr_args)).is_empty(),
        "nothing left to show"
    );
    for file in [cache.clone(), data.join("cache.sqlite-wal")] {
        if let Ok(bytes) = std::fs::read(&file) {
            assert!(
                !bytes.windows(sample.len()).any(|w| w == sample.as_bytes()),
                "{sample:?} is still in {}",
                file.display()
            );
        }
    }
}
