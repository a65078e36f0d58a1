//! `avstem export --format saft|gbat10|csv-journal|economic` on the real binary against the demo
//! simulator: last month of a daily net, a weekly gross, a weekly DKK and a monthly gross DKK
//! ledger, synced with `--sync`. Each file is read back independently (xmllint against
//! Skatteetaten's XSD, Python's xml.etree and csv) and its totals equal what `--json` printed.
//! Bad input — an account the format cannot hold, SAF-T for a Danish business, an unsynced
//! month — gets one sentence and no file.

// The test reads the wall clock on purpose: the demo simulator's month must be over.
#![allow(clippy::disallowed_methods)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_avstem");

fn avstem(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("AVSTEM_DATA_DIR")
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

fn last_month() -> String {
    let month = chrono::Utc::now().date_naive().format("%Y-%m").to_string();
    avstem_core::model::YearMonth::parse(&month)
        .expect("month")
        .prev()
        .to_string()
}

fn export(data: &Path, ledger: &str, format: &str, out: &Path, extra: &[&str]) -> Output {
    let month = last_month();
    let out = out.to_string_lossy().into_owned();
    let mut args = vec![
        "export",
        "--profile",
        "demo",
        "--ledger",
        ledger,
        "--month",
        &month,
        "--out",
        &out,
        "--format",
        format,
    ];
    args.extend_from_slice(extra);
    avstem(data, &args)
}

/// Python's reading of the file (see `src-tauri/core/tests/books_check.py`).
fn read_back(kind: &str, path: &Path) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src-tauri/core/tests/books_check.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(kind)
        .arg(path)
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

fn validate_saft(path: &Path) {
    let xsd = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src-tauri/core/tests/fixtures/saft/Norwegian_SAF-T_Financial_Schema_v_1.30.xsd");
    match Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(path)
        .output()
    {
        Ok(out) => assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr)),
        Err(e) if std::env::var_os("AVSTEM_REQUIRE_XMLLINT").is_none() => {
            eprintln!("xmllint not available ({e}); skipping the SAF-T schema validation");
        }
        Err(e) => panic!("AVSTEM_REQUIRE_XMLLINT is set but xmllint cannot run: {e}"),
    }
}

#[test]
fn bookkeeping_files_from_the_binary_read_back_equal_to_what_it_printed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    // The daily ledger's clearing account saved once: every format then uses it.
    let o = avstem(
        &data,
        &[
            "accounts",
            "--ledger",
            "302321",
            "--clearing-account",
            "1589",
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let shown: Value = serde_json::from_slice(&o.stdout).expect("accounts --json");
    assert_eq!(shown["saved"], true);
    assert_eq!(shown["accounts"]["clearing"], "1589");
    assert_eq!(shown["accounts"]["bank"], "1920");
    let mut files = 0;
    for (ledger, saft) in [
        ("302321", true),
        ("302322", true),
        ("402001", false),
        ("402002", false),
    ] {
        let mut formats = vec!["gbat10", "csv-journal"];
        if ledger.starts_with('4') {
            formats.push("economic");
        }
        if saft {
            formats.insert(0, "saft");
        }
        for (i, kind) in formats.into_iter().enumerate() {
            let ext = if kind == "saft" { "xml" } else { "csv" };
            let out = dir.path().join(format!("{ledger}-{kind}.{ext}"));
            // The first export of a ledger syncs what the month lacks.
            let extra: &[&str] = if i == 0 {
                &["--sync", "--json"]
            } else {
                &["--json"]
            };
            let o = export(&data, ledger, kind, &out, extra);
            assert_eq!(o.status.code(), Some(0), "{ledger} {kind}: {}", text(&o));
            let printed: Value = serde_json::from_slice(&o.stdout).expect("--json output");
            let journal = &printed["journal"];
            assert_eq!(printed["format"], kind, "{ledger}");
            assert_eq!(printed["ledgerId"], ledger);
            assert_eq!(journal["debit"], journal["credit"], "{ledger} {kind}");
            assert!(
                journal["debit"].as_i64().expect("debit") > 0,
                "{ledger} {kind}: {printed}"
            );
            if kind == "saft" {
                validate_saft(&out);
            }
            let got = read_back(kind, &out);
            assert_eq!(got["debit"], journal["debit"], "{ledger} {kind}");
            assert_eq!(got["credit"], journal["credit"], "{ledger} {kind}");
            assert_eq!(got["lines"], journal["lines"], "{ledger} {kind}");
            let vouchers = got["vouchers"].as_object().expect("vouchers");
            assert_eq!(
                vouchers.len() as u64,
                journal["vouchers"].as_u64().expect("n"),
                "{ledger} {kind}"
            );
            assert_eq!(
                printed["payouts"].as_u64().expect("payouts") as usize
                    + usize::from(ledger == "302322" || ledger == "402002"),
                vouchers.len(),
                "{ledger} {kind}: a voucher per payout and per fee invoice"
            );
            for (number, v) in vouchers {
                assert_eq!(v["debit"], v["credit"], "{ledger} {kind}: voucher {number}");
            }
            let accounts: Vec<&str> = vouchers
                .values()
                .flat_map(|v| v["accounts"].as_array().expect("accounts"))
                .map(|a| a.as_str().expect("account"))
                .collect();
            // Danish ledgers default to Erhvervsstyrelsen's standardkontoplan (6340, bank 6480).
            let (default_clearing, default_bank) = if ledger.starts_with('4') {
                ("6340", "6480")
            } else {
                ("1580", "1920")
            };
            assert!(
                accounts.contains(&default_bank),
                "{ledger} {kind}: bank {accounts:?}"
            );
            let (saved, default) = (accounts.contains(&"1589"), accounts.contains(&default_clearing));
            assert_eq!(
                (saved, default),
                (ledger == "302321", ledger != "302321"),
                "{ledger} {kind}: clearing"
            );
            files += 1;
        }
    }
    assert_eq!(files, 12);
}

#[test]
fn bad_input_gets_one_sentence_and_no_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");

    // Not synced, and no --sync: refused, the dates named.
    let out = dir.path().join("unsynced.csv");
    let o = export(&data, "302321", "gbat10", &out, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("not synced") || text(&o).contains("is not in the cache"),
        "{}",
        text(&o)
    );
    assert!(!out.exists());

    // An account of five digits in GBAT10 (which holds four).
    let out = dir.path().join("five.csv");
    let o = export(
        &data,
        "302321",
        "gbat10",
        &out,
        &["--sync", "--clearing-account", "15890"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains(
            "Account \"15890\" does not fit GBAT10, which holds account numbers of exactly 4 digits."
        ),
        "{}",
        text(&o)
    );
    assert!(!out.exists());

    // Ten digits in e-conomic (which holds nine).
    let out = dir.path().join("ten.csv");
    let o = export(
        &data,
        "402001",
        "economic",
        &out,
        &["--sync", "--clearing-account", "1234567890"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains(
            "Account \"1234567890\" does not fit e-conomic, which holds account numbers of 1 to 9 digits."
        ),
        "{}",
        text(&o)
    );
    assert!(!out.exists());

    // SAF-T for a Danish business: no Norwegian organisation number.
    let out = dir.path().join("dk.xml");
    let o = export(&data, "402001", "saft", &out, &["--sync"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains(
            "SAF-T Financial is the Norwegian audit file, and ledger 402001 has a DK business number"
        ),
        "{}",
        text(&o)
    );
    assert!(!out.exists());

    // One capture altered in the cache (with Python's sqlite3): the month no longer reconciles,
    // so no postings are written, in any of the three formats.
    let day: i64 = format!("{}15", last_month().replace('-', ""))
        .parse()
        .expect("date key");
    let sql = format!(
        "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); \
         n=c.execute(\"UPDATE entries SET amount = amount + 100 WHERE (ledger_id, topic, date, seq) IN \
         (SELECT ledger_id, topic, date, seq FROM entries WHERE ledger_id = '302321' AND topic = 0 \
         AND entry_type = 'capture' AND date = {day} LIMIT 1)\").rowcount; c.commit(); print(n)"
    );
    let altered = Command::new("python3")
        .args(["-c", &sql])
        .arg(data.join("cache.sqlite"))
        .output()
        .expect("python3");
    assert_eq!(
        String::from_utf8_lossy(&altered.stdout).trim(),
        "1",
        "{}",
        text(&altered)
    );
    for (kind, file) in [
        ("saft", "altered.xml"),
        ("gbat10", "altered.csv"),
        ("csv-journal", "altered-journal.csv"),
        ("economic", "altered-economic.csv"),
    ] {
        let out = dir.path().join(file);
        let o = export(&data, "302321", kind, &out, &[]);
        assert_eq!(o.status.code(), Some(1), "{kind}: {}", text(&o));
        assert!(
            text(&o).contains(&format!("{} on ledger 302321 does not reconcile (", last_month())),
            "{kind}: {}",
            text(&o)
        );
        assert!(!out.exists(), "{kind}");
    }
    assert!(
        std::fs::read_dir(dir.path())
            .expect("dir")
            .flatten()
            .all(|e| !e.file_name().to_string_lossy().starts_with(".avstem-export-")),
        "no temporary file is left"
    );
}

/// `avstem accounts`: VAT codes and the voucher date saved per ledger, a profile's defaults per
/// currency used by its ledgers without their own, `--reset` back to them; a bad VAT code or an
/// unknown currency refused in a sentence, saving nothing.
#[test]
fn posting_settings_are_saved_per_ledger_and_as_a_profiles_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let json = |args: &[&str]| -> Value {
        let o = avstem(&data, args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o));
        serde_json::from_slice(&o.stdout).expect("json")
    };
    // The demo's ledgers are seen by profile "demo".
    let o = avstem(&data, &["ledgers", "--profile", "demo"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    let shown = json(&["accounts", "--ledger", "302321", "--json"]);
    assert_eq!(
        (&shown["source"], &shown["saved"]),
        (&Value::from("chart"), &Value::from(false))
    );
    assert_eq!(shown["accounts"]["vat"]["fees"], "0");
    assert_eq!(shown["accounts"]["voucherDate"], "ledger");

    let shown = json(&[
        "accounts",
        "--ledger",
        "302321",
        "--fees-vat",
        "6",
        "--voucher-date",
        "bank",
        "--json",
    ]);
    assert_eq!(shown["source"], "ledger");
    assert_eq!(shown["accounts"]["vat"]["fees"], "6");
    assert_eq!(shown["accounts"]["vat"]["bank"], "0");
    assert_eq!(shown["accounts"]["voucherDate"], "bank");

    let o = avstem(&data, &["accounts", "--ledger", "302321", "--fees-vat", "6;DROP"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("The VAT code \"6;DROP\" of the fees line is not a VAT code"),
        "{}",
        text(&o)
    );
    assert_eq!(
        json(&["accounts", "--ledger", "302321", "--json"])["accounts"]["vat"]["fees"],
        "6"
    );

    let shown = json(&[
        "accounts",
        "--profile",
        "demo",
        "--currency",
        "nok",
        "--clearing-account",
        "1570",
        "--json",
    ]);
    assert_eq!(
        (&shown["saved"], &shown["currency"]),
        (&Value::from(true), &Value::from("NOK"))
    );
    assert_eq!(shown["accounts"]["clearing"], "1570");
    // 302322 (NOK) has none of its own: it takes the profile's; 402001 (DKK) the Danish chart's.
    let other = json(&["accounts", "--ledger", "302322", "--json"]);
    assert_eq!(
        (&other["source"], &other["accounts"]["clearing"]),
        (&Value::from("profile"), &Value::from("1570"))
    );
    let dk = json(&["accounts", "--ledger", "402001", "--json"]);
    assert_eq!(
        (&dk["source"], &dk["accounts"]["clearing"]),
        (&Value::from("chart"), &Value::from("6340"))
    );
    assert_eq!(dk["accounts"]["vat"]["fees"], "", "no VAT code outside Norway");
    // 302321 keeps its own until reset.
    assert_eq!(
        json(&["accounts", "--ledger", "302321", "--json"])["accounts"]["clearing"],
        "1580"
    );
    let reset = json(&["accounts", "--ledger", "302321", "--reset", "--json"]);
    assert_eq!(
        (&reset["source"], &reset["accounts"]["clearing"]),
        (&Value::from("profile"), &Value::from("1570"))
    );

    let o = avstem(
        &data,
        &[
            "accounts",
            "--profile",
            "demo",
            "--currency",
            "SEK",
            "--clearing-account",
            "1570",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("NOK, DKK or EUR, not \"SEK\""), "{}", text(&o));
    let o = avstem(&data, &["accounts", "--ledger", "302321", "--profile", "demo"]);
    assert_eq!(o.status.code(), Some(2), "usage: {}", text(&o));
    // The words a person reads.
    let o = avstem(&data, &["accounts", "--ledger", "302322"]);
    let t = text(&o);
    assert!(
        t.contains("Postings for ledger 302322 (the profile's defaults):"),
        "{t}"
    );
    assert!(t.contains("fees      7770       0"), "{t}");
    assert!(
        t.contains("dated by the day Vipps MobilePay paid the payout out"),
        "{t}"
    );
}
