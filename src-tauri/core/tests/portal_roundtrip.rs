//! The simulator's months as the portal's settlement reports, imported back: API data (synced over
//! HTTP from the simulator on 127.0.0.1) → XML / CSV / XLSX file → import into a fresh keyless
//! profile → the same month figures (sales, refunds, fees, paid out), on several months of a net
//! and a gross ledger. The XML files follow `SettlementReport-3.0.xsd` (xmllint).

use avstem_core::api::{ApiClient, ClientConfig, Credentials};
use avstem_core::context::Context;
use avstem_core::model::YearMonth;
use avstem_core::month::reconcile_cached;
use avstem_core::portal::{import_files, PortalImportOptions};
use avstem_core::reconcile::CheckId;
use avstem_core::secrets::Secret;
use avstem_core::sim::{self, demo, settlement, SimConfig};
use avstem_core::store::Store;
use avstem_core::sync::{self, CancelToken, SyncOptions, SyncRequest};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn month(s: &str) -> YearMonth {
    YearMonth::parse(s).expect("month")
}

/// Net daily (the bulk bench ledger, kept small) and gross monthly (DKK), neither with lagging fees.
const LEDGERS: [(&str, &str); 2] = [("900001", "portal-900001"), ("402002", "portal-223344")];
const FILE_MONTHS: [&str; 5] = ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"];
const CHECKED_MONTHS: [&str; 3] = ["2024-02", "2024-03", "2024-04"];

/// (sales, refunds, fees, paid out, payouts) of a month.
fn figures(store: &Store, ledger: &str, m: &str) -> (i64, i64, i64, i64, u32) {
    let (_, r) = reconcile_cached(store, ledger, month(m)).expect("month");
    let t = &r.totals;
    (
        t.figures.sales(),
        t.figures.refunds(),
        t.figures.fees(),
        t.figures.payout(),
        t.payout_count,
    )
}

/// The CSV as a workbook a user could have saved it as: text cells, and the money columns as numbers.
fn csv_as_workbook(csv: &Path, xlsx: &Path) {
    let text = std::fs::read_to_string(csv).expect("csv");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        for (c, field) in line.split(';').enumerate() {
            let (r, c) = (r as u32, c as u16);
            match (r, c) {
                (1.., 7..=10) if !field.is_empty() => {
                    let n: f64 = field.replace(',', ".").parse().expect("an amount");
                    sheet.write_number(r, c, n).expect("cell");
                }
                _ => {
                    sheet.write_string(r, c, field).expect("cell");
                }
            }
        }
    }
    book.save(xlsx).expect("save");
}

fn xmllint(xsd: &Path, file: &Path) {
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd)
        .arg(file)
        .output()
        .expect("xmllint is installed");
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn months_written_as_settlement_reports_import_to_the_same_figures() {
    let sim = sim::start(SimConfig {
        seed: 19,
        today: d("2024-07-15"),
        bulk_entries_per_day: 12,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let api_dir = tempfile::tempdir().expect("tempdir");
    let api_cache = api_dir.path().join("cache.sqlite");
    let creds = Credentials::Partner {
        client_id: demo::PARTNER_CLIENT_ID.into(),
        client_secret: Secret::new(demo::PARTNER_CLIENT_SECRET),
    };
    let client = ApiClient::new(&sim.base_url(), creds, ClientConfig::default()).expect("client");
    {
        let mut store = Store::open(&api_cache).expect("cache");
        sync::refresh_ledgers(&client, &mut store, "partner", None)
            .await
            .expect("ledgers");
    }
    let req = SyncRequest {
        ledger_ids: LEDGERS.iter().map(|(l, _)| l.to_string()).collect(),
        from: d("2023-11-15"),
        to: d("2024-06-10"),
        gdpr: false,
    };
    let plan = sync::plan(&Store::open(&api_cache).expect("cache"), &req, d("2024-07-15")).expect("plan");
    sync::execute(
        &client,
        &api_cache,
        plan,
        SyncOptions { concurrency: 2 },
        |_| {},
        CancelToken::new(),
    )
    .await
    .expect("sync");
    let api = Store::open(&api_cache).expect("cache");

    let world = sim.world();
    let files_dir = tempfile::tempdir().expect("tempdir");
    let xsd =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/portal/SettlementReport-3.0.xsd");
    let export_opts = avstem_core::export::ExportOptions {
        clock: avstem_core::clock::Clock::at_noon(d("2024-07-15")),
        ..Default::default()
    };
    // The older reports (settlements and their transactions), and the newer one with a row per
    // entry and its balance (report-api.md §11) as `avstem export --format csv` writes it, in CSV
    // and as a workbook.
    for format in ["xml", "csv", "xlsx", "entries.csv", "entries.xlsx"] {
        let entries = format.starts_with("entries");
        let mut paths = Vec::new();
        for (ledger, _) in LEDGERS {
            for m in FILE_MONTHS {
                let r = settlement::report_for_month(&world, ledger, month(m)).expect("report");
                assert!(!r.settlements.is_empty(), "{ledger} {m} has payouts");
                let path = files_dir.path().join(format!("{ledger}-{m}.{format}"));
                match format {
                    "xml" => std::fs::write(&path, settlement::write_xml(&r).expect("xml")),
                    "csv" => std::fs::write(&path, settlement::write_csv(&r).expect("csv")),
                    "xlsx" => std::fs::write(&path, settlement::write_xlsx(&r).expect("xlsx")),
                    _ => {
                        let csv = files_dir.path().join(format!("{ledger}-{m}.export.csv"));
                        avstem_core::export::write_csv(&api, ledger, month(m), &export_opts, &csv)
                            .expect("export");
                        if format == "entries.xlsx" {
                            csv_as_workbook(&csv, &path);
                        } else {
                            std::fs::rename(&csv, &path).expect("rename");
                        }
                        Ok(())
                    }
                }
                .expect("write");
                if format == "xml" {
                    xmllint(&xsd, &path);
                }
                paths.push(path);
            }
        }
        let data = tempfile::tempdir().expect("tempdir");
        let ctx = Context::new(data.path().to_path_buf());
        let report = import_files(&ctx, &paths, &PortalImportOptions::default()).expect("import");
        assert_eq!(
            report.failed,
            0,
            "{format}: {:?}",
            report
                .files
                .iter()
                .filter_map(|f| f.error.clone())
                .collect::<Vec<_>>()
        );
        assert_eq!(report.profile, "files");
        assert_eq!(
            report.ledger_ids,
            LEDGERS.iter().map(|(_, p)| p.to_string()).collect::<Vec<_>>()
        );
        let files = ctx.open_store().expect("cache");
        for (ledger, imported) in LEDGERS {
            for m in CHECKED_MONTHS {
                let want = figures(&api, ledger, m);
                assert!(
                    want.0 > 0 && want.2 > 0 && want.3 > 0 && want.4 > 0,
                    "{ledger} {m}: {want:?}"
                );
                assert_eq!(
                    figures(&files, imported, m),
                    want,
                    "{format} {ledger} {m}: sales, refunds, fees, paid out"
                );
                let (_, r) = reconcile_cached(&files, imported, month(m)).expect("month");
                let chain = r.check(CheckId::FundsBalanceChain).expect("check");
                if entries {
                    // The newer report carries the balances: the chain is checked, and holds.
                    assert!(
                        chain.ok && !chain.not_available,
                        "{format} {imported} {m}: {chain:?}"
                    );
                    assert!(
                        r.all_ok,
                        "{format} {imported} {m}: {:?}",
                        r.failed_checks().collect::<Vec<_>>()
                    );
                } else {
                    assert!(
                        chain.not_available && chain.detail.contains("not available from a portal file"),
                        "{chain:?}"
                    );
                }
                let payouts = r.check(CheckId::PayoutsMatchFunds).expect("check");
                assert!(
                    payouts.ok && !payouts.not_available,
                    "{format} {imported} {m}: {payouts:?}"
                );
                let synced = r.check(CheckId::DatesClosedAndSynced).expect("check");
                assert!(synced.ok, "{format} {imported} {m}: {synced:?}");
            }
        }
        // The same files again add nothing.
        if entries {
            // The settlement formats rebuild what the files show; this one stores the rows as served.
            for (ledger, imported) in LEDGERS {
                let m = month("2024-03");
                let first = |s: &Store, l: &str| {
                    // The file writes times to the second.
                    s.entries_between(l, avstem_core::model::Topic::Funds, m.first_day(), m.first_day())
                        .expect("entries")
                        .into_iter()
                        .map(|e| {
                            (
                                e.psp_reference,
                                e.entry_type,
                                e.amount,
                                e.balance_after,
                                e.time.timestamp(),
                            )
                        })
                        .collect::<Vec<_>>()
                };
                assert_eq!(
                    first(&files, imported),
                    first(&api, ledger),
                    "{format} {ledger}: the first date, row for row"
                );
            }
        }
        let again = import_files(&ctx, &paths, &PortalImportOptions::default()).expect("import");
        assert_eq!((again.failed, again.added), (0, 0), "{format}");
        assert!(again.duplicates > 0);
    }
    sim.shutdown().await;
}
