//! `avstem import` as the real binary: the portal's settlement reports into the keyless profile
//! `files`, the ledger it prints, `avstem month` on it, the same payment from another format adding
//! nothing, and refused files (not a report, a conflicting report) with exit 1 and one sentence.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_avstem");

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src-tauri/core/tests/fixtures/portal")
        .join(name)
}

fn avstem(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("AVSTEM_DATA_DIR")
        .env_remove("AVSTEM_CLIENT_SECRET")
        .env_remove("AVSTEM_SUBSCRIPTION_KEY")
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

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

#[test]
fn a_vippsnummer_report_imports_into_the_keyless_profile_and_the_month_reads_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let xml = fixture("Vipps-oppgjørsrapport-16655-2018-09-23.xml");
    let out = avstem(dir.path(), &["import", "--json", xml.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let j = json(&out);
    assert_eq!(j["profile"], "files");
    assert_eq!(j["ledgerId"], "portal-16655");
    assert_eq!(j["ledger"], "portal-16655");
    // Funds: capture, fees retained, payout; fees: the capture fee and its retention.
    assert_eq!(j["files"][0]["added"], 5);
    assert_eq!(j["files"][0]["duplicates"], 0);
    assert_eq!(j["files"][0]["conflicts"], serde_json::json!([]));
    assert_eq!(
        j["files"][0]["imported"]["ledgers"][0]["name"],
        "Blodsmak Sportsklubb"
    );
    assert_eq!(
        j["files"][0]["imported"]["ledgers"][0]["payouts"],
        serde_json::json!([2000004])
    );

    let out = avstem(
        dir.path(),
        &[
            "month",
            "--profile",
            "files",
            "--ledger",
            "portal-16655",
            "--month",
            "2018-09",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let m = json(&out);
    assert_eq!(m["totals"]["sales"], 10_000);
    assert_eq!(m["totals"]["fees"], 225);
    assert_eq!(m["totals"]["payout"], 9775);

    // The same payment from the portal's XLSX: nothing new.
    let xlsx = fixture("Vipps-oppgjørsrapport-16655-2018-09-23.xlsx");
    let out = avstem(dir.path(), &["import", xlsx.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains(
            "ledger portal-16655 (Blodsmak Sportsklubb): 1 settlement(s), 0 entries added, 5 already cached"
        ),
        "{t}"
    );
    assert!(t.contains("Imported into ledger portal-16655."), "{t}");

    // The file covers 19–23 September: an export of the month names the other dates as to import,
    // not to sync (the keyless profile has no keys), and writes nothing.
    let book = dir.path().join("sept.xlsx");
    let out = avstem(
        dir.path(),
        &[
            "export",
            "--profile",
            "files",
            "--ledger",
            "portal-16655",
            "--month",
            "2018-09",
            "--out",
            book.to_str().expect("path"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("Cannot export ledger portal-16655 for 2018-09: these dates are in no imported settlement report: 2018-09-01"),
        "{t}"
    );
    assert!(t.contains("import it with `avstem import`"), "{t}");
    assert!(!t.contains("--sync"), "{t}");
    assert!(!book.exists());
}

#[test]
fn a_file_that_is_no_report_or_disagrees_with_the_cache_is_refused_with_exit_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bank = dir.path().join("bank.csv");
    std::fs::write(
        &bank,
        "Dato;Forklaring;Inn;Ut\n01.03.2024;Utb. 2000810 Vippsnr 117703;288,00;\n",
    )
    .expect("write");
    let out = avstem(dir.path(), &["import", bank.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("bank.csv is not a settlement report from Vipps MobilePay"),
        "{}",
        text(&out)
    );

    let xml = fixture("Vipps-oppgjørsrapport-16655-2018-09-23.xml");
    let out = avstem(dir.path(), &["import", xml.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let edited = dir.path().join("edited.xml");
    let changed = std::fs::read_to_string(&xml)
        .expect("read")
        .replace(">100.00<", ">90.00<")
        .replace(">97.75<", ">87.75<");
    std::fs::write(&edited, changed).expect("write");
    let out = avstem(dir.path(), &["import", "--json", edited.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let j = json(&out);
    assert_eq!(j["failed"], 1);
    assert_eq!(j["added"], 0);
    let error = j["files"][0]["error"].as_str().unwrap_or_default();
    assert!(error.starts_with("edited.xml was not imported: it disagrees with what Avstem already holds on 2 payment(s) (2018-09-22 capture 5584146378: 90.00 in the file, 100.00 in the cache; 2018-09-22 payout 2000004: 87.75 in the file, 97.75 in the cache)"), "{error}");
    assert_eq!(j["files"][0]["conflicts"].as_array().map(Vec::len), Some(2));
}
