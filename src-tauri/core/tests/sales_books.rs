//! Sales booked per VAT rate (issue 17) in the workbook's Journal sheet and in every bookkeeping file:
//! a month of the simulator's Vippsnummer (302321) and mPOS (302322) ledgers synced over loopback
//! with its sales, each payout's sales split into revenue (net) and output VAT per rate with the
//! rate's standard VAT code, the rest on the clearing line saying why. Every file is read back by an
//! independent reader (Python's xml.etree and csv; xmllint against Skatteetaten's XSD for SAF-T),
//! balances per voucher and equals the Journal sheet to the øre; the VAT per rate equals what the
//! cached sales entries state, added up here on their own.

// Tests read the environment on purpose (AVSTEM_REQUIRE_XMLLINT).
#![allow(clippy::disallowed_methods)]

use avstem_core::api::{ApiClient, ClientConfig, Credentials};
use avstem_core::clock::Clock;
use avstem_core::export::{self, ExportFormat, ExportOptions, StoreSource};
use avstem_core::model::{Minor, YearMonth};
use avstem_core::month;
use avstem_core::reconcile::{needed_range, JournalAccounts, Voucher};
use avstem_core::secrets::Secret;
use avstem_core::sim::{self, demo, SimConfig};
use avstem_core::store::Store;
use avstem_core::sync::sales::{execute_sales, plan_sales};
use avstem_core::sync::{self, CancelToken, SyncOptions, SyncRequest};
use calamine::{open_workbook, Data, DataType, Reader, Xlsx};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod books_support;
use books_support::{read_back, validate_saft};
use std::time::Duration;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn opts() -> ExportOptions {
    ExportOptions {
        clock: Clock::fixed(chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("t")),
        ..ExportOptions::default()
    }
}

fn money(c: Option<&Data>) -> Minor {
    c.and_then(|v| v.get_float().or_else(|| v.get_int().map(|i| i as f64)))
        .map_or(0, |f| (f * 100.0).round() as Minor)
}

/// The Journal sheet: (debit, credit, lines), and the VAT column per VAT code.
fn journal_sheet(path: &Path) -> ((Minor, Minor, u64), BTreeMap<String, Minor>) {
    let mut wb: Xlsx<_> = open_workbook(path).expect("open workbook");
    let sheet = wb.worksheet_range("Journal").expect("journal sheet");
    let (mut debit, mut credit, mut lines) = (0, 0, 0);
    let mut vat: BTreeMap<String, Minor> = BTreeMap::new();
    for row in sheet.rows().skip(1) {
        if !matches!(row.first(), Some(Data::Float(_) | Data::Int(_))) {
            continue;
        }
        lines += 1;
        debit += money(row.get(4));
        credit += money(row.get(5));
        // Column H is every line's VAT code; column I the VAT of a revenue line booked per rate.
        if let (Some(Data::String(code)), Some(Data::Float(_) | Data::Int(_))) = (row.get(7), row.get(8)) {
            *vat.entry(code.clone()).or_default() += money(row.get(8));
        }
    }
    ((debit, credit, lines), vat)
}

/// The Sales sheet's "All sales" row: (gross, net, VAT, gross with VAT not stated).
fn sales_sheet_total(path: &Path) -> (Minor, Minor, Minor, Minor) {
    let mut wb: Xlsx<_> = open_workbook(path).expect("open workbook");
    let sheet = wb.worksheet_range("Sales").expect("sales sheet");
    let row = sheet
        .rows()
        .find(|r| matches!(r.first(), Some(Data::String(s)) if s == "All sales"))
        .expect("All sales row");
    (
        money(row.get(1)),
        money(row.get(2)),
        money(row.get(3)),
        money(row.get(4)),
    )
}

/// Credits − debits on `account` over the vouchers.
fn credited(vouchers: &[Voucher], account: &str) -> Minor {
    vouchers
        .iter()
        .flat_map(|v| &v.lines)
        .filter(|l| l.account == account)
        .map(|l| l.credit - l.debit)
        .sum()
}

async fn synced_month(dir: &Path, ledgers: &[&str], month: YearMonth) -> (sim::SimHandle, PathBuf) {
    let today = d("2026-07-06");
    let sim = sim::start(SimConfig {
        today,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let creds = Credentials::Partner {
        client_id: demo::PARTNER_CLIENT_ID.into(),
        client_secret: Secret::new(demo::PARTNER_CLIENT_SECRET),
    };
    let cfg = ClientConfig {
        timeout: Duration::from_secs(5),
        ..ClientConfig::default()
    };
    let client = ApiClient::new(&sim.base_url(), creds, cfg).expect("client");
    let path = dir.join("cache.sqlite");
    let mut store = Store::open(&path).expect("store");
    sync::refresh_ledgers(&client, &mut store, "partner", None)
        .await
        .expect("ledgers");
    let (from, to) = needed_range(month);
    let req = SyncRequest {
        ledger_ids: ledgers.iter().map(|l| l.to_string()).collect(),
        from,
        to,
        gdpr: false,
    };
    let plan = sync::plan(&store, &req, today).expect("plan");
    let s = sync::execute(
        &client,
        &path,
        plan,
        SyncOptions { concurrency: 4 },
        |_| {},
        CancelToken::new(),
    )
    .await
    .expect("sync");
    assert!(s.failed.is_empty(), "{:?}", s.failed);
    let (items, planned) = plan_sales(&store, &req, today).expect("sales plan");
    let sold = execute_sales(&client, &path, items, planned, today, 4, &CancelToken::new())
        .await
        .expect("sales");
    assert!(sold.failed.is_empty() && sold.flagged.is_empty(), "{sold:?}");
    (sim, path)
}

/// VAT per rate (basis points → VAT) the cached sales entries state for the payouts' dates: every
/// entry that passed through Vipps funds with complete VAT, independently of the journal's code.
fn stated_vat(
    store: &Store,
    ledger_id: &str,
    vouchers_from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<i64, Minor> {
    let mut out = BTreeMap::new();
    for s in store.sales_entries(ledger_id, vouchers_from, to).expect("sales") {
        let e = &s.entry;
        if e.psp_reference.is_none() || !e.completeness.has_vat_breakdown || !s.violations.is_empty() {
            continue;
        }
        if e.lines
            .iter()
            .any(|l| l.vat_rate_bp.is_none() || l.vat_amount.is_none())
            || e.lines.is_empty()
        {
            continue;
        }
        for l in &e.lines {
            *out.entry(l.vat_rate_bp.expect("rate")).or_default() += l.vat_amount.expect("vat");
        }
    }
    out
}

#[tokio::test]
async fn sales_are_booked_per_vat_rate_in_the_journal_sheet_and_every_books_file_alike() {
    let dir = tempfile::tempdir().expect("dir");
    let month = YearMonth::new(2026, 5).expect("month");
    let (sim, path) = synced_month(dir.path(), &["302321", "302322"], month).await;
    let store = Store::open(&path).expect("store");
    let accounts = JournalAccounts::defaults_for("NOK");
    let mut checked = 0;
    for ledger_id in ["302321", "302322"] {
        let (ledger, report) = month::reconcile_cached(&store, ledger_id, month).expect("reconcile");
        assert!(
            report.all_ok,
            "{ledger_id}: {:?}",
            report.failed_checks().collect::<Vec<_>>()
        );
        let source = StoreSource {
            store: &store,
            ledger_id,
        };
        let vouchers = export::month_vouchers(&source, &ledger, &report, &accounts).expect("vouchers");
        let plain = avstem_core::reconcile::journal(&report, &accounts);
        assert_eq!(vouchers.len(), plain.len());
        for (v, p) in vouchers.iter().zip(&report.payouts) {
            assert_eq!(
                v.debits(),
                v.credits(),
                "{ledger_id} voucher {} balances",
                v.number
            );
            // The sales lines together still book exactly the payout's sales less refunds.
            let sales_accounts = ["3000", "3100", "2700", "2701", "2702"];
            let split: Minor = v
                .lines
                .iter()
                .filter(|l| {
                    sales_accounts.contains(&l.account.as_str())
                        || (l.account == accounts.clearing && l.text.contains("sales less refunds"))
                })
                .map(|l| l.credit - l.debit)
                .sum();
            assert_eq!(split, p.net_sales, "{ledger_id} voucher {}", v.number);
        }
        // What the sales data leaves unknown (open amounts, baskets without VAT, partial refunds)
        // stays on the clearing line, which says so.
        assert!(vouchers
            .iter()
            .flat_map(|v| &v.lines)
            .any(|l| l.account == accounts.clearing && l.text.contains("does not state")));
        // VAT per rate: equal to what the sales entries state for the payouts' dates.
        let from = report
            .payouts
            .iter()
            .map(|p| p.covered_from)
            .min()
            .expect("payouts");
        let to = report
            .payouts
            .iter()
            .map(|p| p.covered_to)
            .max()
            .expect("payouts");
        let stated = stated_vat(&store, ledger_id, from, to);
        assert_eq!(credited(&vouchers, "2700"), stated[&2500], "{ledger_id} 25 %");
        assert_eq!(credited(&vouchers, "2701"), stated[&1500], "{ledger_id} 15 %");
        assert_eq!(stated[&0], 0);
        let vat_lines: Vec<_> = vouchers
            .iter()
            .flat_map(|v| &v.lines)
            .filter_map(|l| l.vat.as_ref())
            .collect();
        let codes: std::collections::BTreeSet<&str> = vat_lines.iter().map(|v| v.code.as_str()).collect();
        assert_eq!(
            codes.into_iter().collect::<Vec<_>>(),
            vec!["3", "31", "5"],
            "{ledger_id}"
        );
        let by_code = |code: &str| -> Minor {
            vat_lines
                .iter()
                .filter(|v| v.code == code)
                .map(|v| v.amount)
                .sum()
        };
        assert_eq!(
            (by_code("3"), by_code("31"), by_code("5")),
            (stated[&2500], stated[&1500], 0)
        );
        let want_debit: Minor = vouchers.iter().map(Voucher::debits).sum();
        let want_lines: u64 = vouchers.iter().map(|v| v.lines.len() as u64).sum();
        // The simulator's month (seeded): daily net payouts on 302321, weekly gross on 302322.
        let want = match ledger_id {
            "302321" => (31, 249, 10_772_584, 166_728, 246_966),
            _ => (5, 30, 14_421_076, 643_678, 944_296),
        };
        assert_eq!(
            (
                vouchers.len(),
                want_lines,
                want_debit,
                stated[&2500],
                stated[&1500]
            ),
            want,
            "{ledger_id}"
        );
        eprintln!(
            "{ledger_id} {month}: {} vouchers, {want_lines} lines, debit = credit = {want_debit}; VAT 25 % {}, 15 % {}",
            vouchers.len(),
            stated[&2500],
            stated[&1500]
        );

        // The workbook: the Journal sheet holds these vouchers, VAT codes and VAT; the Sales sheet the month.
        let xlsx = dir.path().join(format!("{ledger_id}.xlsx"));
        export::write_xlsx(&store, ledger_id, month, &opts(), &xlsx).expect("workbook");
        let (sheet, sheet_vat) = journal_sheet(&xlsx);
        assert_eq!(
            sheet,
            (want_debit, want_debit, want_lines),
            "{ledger_id}: Journal sheet"
        );
        assert_eq!(
            sheet_vat,
            BTreeMap::from([
                ("3".to_string(), stated[&2500]),
                ("31".to_string(), stated[&1500]),
                ("5".to_string(), 0)
            ])
        );
        let sm = store.sales_month(&ledger, month).expect("join").expect("sales");
        assert_eq!(
            sales_sheet_total(&xlsx),
            (sm.total.gross, sm.total.net, sm.total.vat, sm.total.vat_unknown),
            "{ledger_id}: Sales sheet"
        );

        for (kind, format) in [
            ("gbat10", ExportFormat::Gbat10),
            ("csv-journal", ExportFormat::CsvJournal),
            ("economic", ExportFormat::Economic),
            ("saft", ExportFormat::Saft),
        ] {
            let out = dir
                .path()
                .join(format!("{ledger_id}.{kind}.{}", format.extension()));
            let summary = export::write_month(&store, ledger_id, month, format, &opts(), &out)
                .unwrap_or_else(|e| panic!("{kind} {ledger_id}: {e}"));
            let totals = summary.journal.expect("totals");
            assert_eq!(
                (totals.vouchers, totals.lines, totals.debit, totals.credit),
                (vouchers.len() as u64, want_lines, want_debit, want_debit),
                "{kind} {ledger_id}"
            );
            let got = read_back(kind, &out);
            assert_eq!(
                (got.lines, got.debit, got.credit),
                (sheet.2, sheet.0, sheet.1),
                "{kind} {ledger_id}"
            );
            for v in &vouchers {
                let (debit, credit, accts) = &got.vouchers[&v.number];
                assert_eq!(
                    (*debit, *credit),
                    (v.debits(), v.credits()),
                    "{kind} {ledger_id} {}",
                    v.number
                );
                let want: Vec<String> = v.lines.iter().map(|l| l.account.clone()).collect();
                assert_eq!(accts, &want, "{kind} {ledger_id} voucher {}", v.number);
            }
            let text = String::from_utf8_lossy(&std::fs::read(&out).expect("read")).into_owned();
            match kind {
                "saft" => {
                    validate_saft(&out);
                    for code in [
                        "<TaxCode>3</TaxCode>",
                        "<TaxCode>31</TaxCode>",
                        "<StandardTaxCode>31</StandardTaxCode>",
                    ] {
                        assert!(text.contains(code), "{ledger_id}: {code}");
                    }
                    assert!(text.contains("<TaxPercentage>15</TaxPercentage>"));
                }
                "csv-journal" => {
                    // Revenue at 15 % carries code 31 in the VAT code column.
                    assert!(
                        text.lines()
                            .any(|l| l.contains(";3000;") && l.contains(";31;NOK")),
                        "{ledger_id}"
                    );
                }
                _ => assert!(
                    text.contains("VAT code 31"),
                    "{kind} {ledger_id}: the text names the code"
                ),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 8);
    sim.shutdown().await;
}
