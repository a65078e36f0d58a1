//! Importing the portal's settlement reports into a real cache file: what a file adds, that the
//! same payments from another format or file add nothing, and bad input — not a report, a cut-off
//! file, an unknown format version, two files for the same dates with different figures — each
//! refused with one sentence and nothing stored.

use avstem_core::context::Context;
use avstem_core::model::{Topic, YearMonth};
use avstem_core::month::reconcile_cached;
use avstem_core::portal::{import_files, PortalImportOptions};
use avstem_core::reconcile::CheckId;
use avstem_core::store::{DateSource, Store};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/portal")
        .join(name)
}

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

/// Every entry of the ledger's cached dates in 2018, both topics.
fn entry_count(store: &Store, ledger: &str) -> usize {
    Topic::ALL
        .iter()
        .map(|t| {
            store
                .entries_between(ledger, *t, d("2018-01-01"), d("2018-12-31"))
                .expect("entries")
                .len()
        })
        .sum()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

/// Import one file; the error sentence, if it was refused.
fn import_one(ctx: &Context, path: &Path) -> Option<String> {
    let r = import_files(ctx, &[path.to_path_buf()], &PortalImportOptions::default()).expect("import");
    r.files[0].error.clone()
}

#[test]
fn a_report_imports_as_a_month_whose_balance_checks_are_not_available() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = Context::new(dir.path().join("data"));
    let r = import_files(
        &ctx,
        &[fixture("Example-Net.xml")],
        &PortalImportOptions::default(),
    )
    .expect("import");
    assert_eq!((r.failed, r.ledger_id.as_deref()), (0, Some("portal-100716")));
    let store = ctx.open_store().expect("cache");
    let ledgers = store.ledgers(Some("files")).expect("ledgers");
    assert_eq!(ledgers.len(), 1);
    assert_eq!(ledgers[0].display_name(), "Ecomm_RC_Net_NoFF");
    assert_eq!(ledgers[0].payout_bank_account.id, "05394985866");
    assert!(ctx.profile("files").expect("profile").is_keyless());
    let (_, m) = reconcile_cached(
        &store,
        "portal-100716",
        YearMonth::parse("2018-03").expect("month"),
    )
    .expect("month");
    let f = &m.totals.figures;
    assert_eq!(
        (
            f.sales(),
            f.refunds(),
            f.fees(),
            f.payout(),
            m.totals.payout_count
        ),
        (10_400, -8700, 0, 1700, 2)
    );
    assert!(m.payouts.iter().all(|p| p.ok), "{:?}", m.payouts);
    for id in [
        CheckId::FundsBalanceChain,
        CheckId::FeesBalanceChain,
        CheckId::FeesRetainedAgree,
    ] {
        let c = m.check(id).expect("check");
        assert!(
            c.not_available && c.ok && c.detail.contains("not available from a portal file"),
            "{c:?}"
        );
        assert_eq!(c.status(), "NOT AVAILABLE");
    }
    // 2018-03-02 … 03-12 are covered by settlement 2000002: complete and empty where nothing happened.
    let statuses = store
        .date_statuses("portal-100716", Topic::Funds, d("2018-03-01"), d("2018-03-14"))
        .expect("statuses");
    assert_eq!(statuses.len(), 12);
    assert!(statuses.iter().all(|s| s.source == DateSource::Portal));
}

#[test]
fn the_same_payments_from_another_format_add_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = Context::new(dir.path().join("data"));
    assert_eq!(
        import_one(&ctx, &fixture("Vipps-oppgjørsrapport-16655-2018-09-23.xml")),
        None
    );
    let r = import_files(
        &ctx,
        &[fixture("Vipps-oppgjørsrapport-16655-2018-09-23.xlsx")],
        &PortalImportOptions::default(),
    )
    .expect("import");
    assert_eq!((r.failed, r.added, r.duplicates), (0, 0, 5));
    let store = ctx.open_store().expect("cache");
    assert_eq!(entry_count(&store, "portal-16655"), 5);
    assert_eq!(store.portal_import_count("portal-16655").expect("count"), 2);
}

#[test]
fn bad_files_are_refused_with_one_sentence_and_store_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = Context::new(dir.path().join("data"));
    let net = std::fs::read_to_string(fixture("Example-Net.xml")).expect("fixture");
    let cases: Vec<(PathBuf, String)> = vec![
        (
            write(dir.path(), "statement.csv", b"Dato;Forklaring;Inn;Ut\n01.03.2024;Utb. 2000810 Vippsnr 117703;288,00;\n"),
            "statement.csv is not a settlement report from Vipps MobilePay (it has neither SettlementInfo rows, nor the portal's columns Salgsdato … Oppgjørs-ID, nor Booking date … PSP reference). Download the settlement report (XML, CSV or XLSX) from the business portal. Nothing was imported.".into(),
        ),
        (
            // Cut off after the last transaction, as an interrupted download leaves it.
            write(dir.path(), "cut.xml", &net.as_bytes()[..net.rfind("</TransactionInfo>").expect("a transaction") + 18]),
            "cut.xml cannot be imported: the XML ends before its last element is closed. The file looks truncated or edited; download it again from the business portal. Nothing was imported.".into(),
        ),
        (
            write(dir.path(), "v4.xml", net.replace("SettlementReport-3.0.xsd", "SettlementReport-4.0.xsd").as_bytes()),
            "v4.xml is a settlement report in format version 4.0; Avstem reads versions 3.0 and 2.0. Download the report as XML 3.0, CSV or XLSX from the business portal. Nothing was imported.".into(),
        ),
    ];
    for (path, sentence) in cases {
        assert_eq!(import_one(&ctx, &path).as_deref(), Some(sentence.as_str()));
    }
    let store = ctx.open_store().expect("cache");
    assert!(store.ledgers(Some("files")).expect("ledgers").is_empty());
    assert_eq!(entry_count(&store, "portal-100716"), 0);
}

#[test]
fn two_files_for_the_same_dates_with_different_figures_keep_the_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = Context::new(dir.path().join("data"));
    assert_eq!(import_one(&ctx, &fixture("Example-Net.xml")), None);
    let before = entry_count(&ctx.open_store().expect("cache"), "portal-100716");
    // The same settlement 2000002 with its last refund of 10.00 made 11.00 (its totals kept consistent).
    let other = std::fs::read_to_string(fixture("Example-Net.xml"))
        .expect("fixture")
        .replace("<TransactionRefundAmount>-10.00</TransactionRefundAmount>\n                      <TransactionGrossAmount>-10.00</TransactionGrossAmount>\n                      <TransactionNetAmount>-10.00</TransactionNetAmount>",
                 "<TransactionRefundAmount>-11.00</TransactionRefundAmount>\n                      <TransactionGrossAmount>-11.00</TransactionGrossAmount>\n                      <TransactionNetAmount>-11.00</TransactionNetAmount>")
        .replace("<RefundSettlementAmount>-46.00</RefundSettlementAmount>", "<RefundSettlementAmount>-47.00</RefundSettlementAmount>")
        .replace("<GrossSettlementAmount>2.00</GrossSettlementAmount>", "<GrossSettlementAmount>1.00</GrossSettlementAmount>")
        .replace("<NetSettlementAmount>2.00</NetSettlementAmount>", "<NetSettlementAmount>1.00</NetSettlementAmount>")
        .replace("<SettledAmount>2.00</SettledAmount>", "<SettledAmount>1.00</SettledAmount>");
    assert!(other.contains("-11.00"));
    let path = write(dir.path(), "again.xml", other.as_bytes());
    let error = import_one(&ctx, &path).expect("refused");
    assert_eq!(
        error,
        "again.xml was not imported: it disagrees with what Avstem already holds on 2 payment(s) (2018-03-07 refund 5001145702: 11.00 in the file, 10.00 in the cache; 2018-03-12 payout 2000002: 1.00 in the file, 2.00 in the cache). The cache keeps what it had; nothing from this file was stored. If both files are the portal's, download the report for these dates again."
    );
    let store = ctx.open_store().expect("cache");
    assert_eq!(entry_count(&store, "portal-100716"), before);
    let (_, m) = reconcile_cached(
        &store,
        "portal-100716",
        YearMonth::parse("2018-03").expect("month"),
    )
    .expect("month");
    assert_eq!(
        (m.totals.figures.refunds(), m.totals.figures.payout()),
        (-8700, 1700)
    );
    assert_eq!(store.portal_import_count("portal-100716").expect("count"), 1);
}

/// The newer report, one row per entry with its balance (report-api.md §11), as a shop downloads
/// it for 3 March 2025 (Avstem's own fixture, written from §11: no public sample exists): two sales with fees, a refund, the fees kept back and the payout (Funds),
/// and the same fees as the Fees report shows them.
const LEDGER_ROWS: &str = include_str!("fixtures/portal/ledger-rows-2025-03-03.csv");

#[test]
fn the_newer_report_with_balances_is_stored_row_for_row_with_its_balances() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = Context::new(dir.path().join("data"));
    let path = write(dir.path(), "settlement-2025-03-03.csv", LEDGER_ROWS.as_bytes());
    let r = import_files(&ctx, std::slice::from_ref(&path), &PortalImportOptions::default()).expect("import");
    assert_eq!(
        (r.failed, r.added, r.ledger_id.as_deref()),
        (0, 8, Some("portal-123455")),
        "{:?}",
        r.files[0].error
    );
    let imported = r.files[0].imported.as_ref().expect("imported");
    assert_eq!(imported.format, "csv");
    assert_eq!(imported.ledgers[0].payouts, vec![2000001]);
    let store = ctx.open_store().expect("cache");
    let funds = store
        .entries_between("portal-123455", Topic::Funds, d("2025-03-03"), d("2025-03-03"))
        .expect("funds");
    let got: Vec<(&str, i64, i64, i64)> = funds
        .iter()
        .map(|e| (e.entry_type.as_str(), e.amount, e.balance_before, e.balance_after))
        .collect();
    assert_eq!(
        got,
        [
            ("capture", 30000, 0, 30000),
            ("capture", 20000, 30000, 50000),
            ("refund", -10000, 50000, 40000),
            ("fees-retained", -750, 40000, 39250),
            ("payout-scheduled", -39250, 39250, 0),
        ]
    );
    assert_eq!(funds[0].recipient_handle.as_deref(), Some("NO:123455"));
    assert_eq!(funds[4].recipient_handle, None, "the payout is the ledger's");
    assert_eq!(
        funds[0].time.to_rfc3339(),
        "2025-03-03T08:12:00+00:00",
        "09:12 in Oslo"
    );
    let fees = store
        .entries_between("portal-123455", Topic::Fees, d("2025-03-03"), d("2025-03-03"))
        .expect("fees");
    assert_eq!(
        fees.iter().map(|e| e.balance_after).collect::<Vec<_>>(),
        [-450, -750, 0]
    );
    let statuses: Vec<_> = Topic::ALL
        .iter()
        .flat_map(|t| {
            store
                .date_statuses("portal-123455", *t, d("2025-03-01"), d("2025-03-31"))
                .expect("statuses")
        })
        .collect();
    assert_eq!(statuses.len(), 2, "one date, both reports");
    assert!(
        statuses.iter().all(|s| s.source == DateSource::PortalBalances),
        "{statuses:?}"
    );
    let ledger = store.ledger("portal-123455").expect("read").expect("ledger");
    assert_eq!(
        (ledger.currency.as_str(), ledger.sales_units[0].name.as_str()),
        ("NOK", "Kafé Fjord")
    );
    // Again: nothing added.
    let again = import_files(&ctx, &[path], &PortalImportOptions::default()).expect("import");
    assert_eq!((again.failed, again.added), (0, 0));
}

#[test]
fn a_newer_report_that_was_cut_or_edited_is_refused_whole() {
    let lines: Vec<&str> = LEDGER_ROWS.split_inclusive("\r\n").collect();
    let without = |i: usize| {
        let mut l = lines.clone();
        l.remove(i);
        l.concat()
    };
    let cut = &LEDGER_ROWS[..LEDGER_ROWS.rfind(";7,50;").expect("the last row")];
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "missing.csv",
            without(2),
            "missing.csv cannot be imported: on 2025-03-03, the funds balance does not follow from the row before (300.00 after it, 500.00 before this one: a row is missing or was changed). The file looks truncated or edited; download it again from the business portal. Nothing was imported.",
        ),
        (
            "cut.csv",
            cut.to_string(),
            "cut.csv cannot be imported: row 9 has 10 of its 18 columns. The file looks truncated or edited; download it again from the business portal. Nothing was imported.",
        ),
        (
            "net.csv",
            LEDGER_ROWS.replacen("-3,00;197,00", "-3,00;198,00", 1),
            "net.csv cannot be imported: row 3: the net amount is not the amount plus the fee. The file looks truncated or edited; download it again from the business portal. Nothing was imported.",
        ),
        (
            "currency.csv",
            LEDGER_ROWS.replacen("-100,00;NOK", "-100,00;DKK", 1),
            "currency.csv cannot be imported: row 4 is in DKK, the rows before it in NOK. The file looks truncated or edited; download it again from the business portal. Nothing was imported.",
        ),
        (
            "amount.csv",
            LEDGER_ROWS.replacen(";200,00;500,00;", ";2OO,00;500,00;", 1),
            "amount.csv cannot be imported: row 3: the amount \"2OO,00\" is not an amount. The file looks truncated or edited; download it again from the business portal. Nothing was imported.",
        ),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = Context::new(dir.path().join("data"));
    for (name, text, sentence) in cases {
        let path = write(dir.path(), name, text.as_bytes());
        assert_eq!(import_one(&ctx, &path).as_deref(), Some(sentence), "{name}");
    }
    let store = ctx.open_store().expect("cache");
    assert!(store.ledgers(Some("files")).expect("ledgers").is_empty());
}
