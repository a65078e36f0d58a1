//! The bookkeeping files (SAF-T Financial, GBAT10, CSV journal, e-conomic) written from real cache files of
//! simulator months and read back by independent readers: xmllint against Skatteetaten's XSD,
//! Python's xml.etree and csv. Every voucher balances, and the totals equal the workbook's Journal
//! sheet to the øre. Bad input gets one sentence and no file.

// Tests read the environment and raw SQLite files on purpose.
#![allow(clippy::disallowed_methods)]

use avstem_core::clock::Clock;
use avstem_core::export::{self, ExportFormat, ExportOptions};
use avstem_core::model::{Entry, Ledger, Minor, Topic, YearMonth};
use avstem_core::month;
use avstem_core::reconcile::{journal, needed_range, JournalAccounts, Voucher};
use avstem_core::sim::data::World;
use avstem_core::store::{DateState, DateWrite, Store};
use calamine::{open_workbook, Data, DataType, Reader, Xlsx};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::Path;

mod books_support;
use books_support::{read_back, validate_saft, ReadBack};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn opts() -> ExportOptions {
    ExportOptions {
        // 2027-01-15: every month the tests build is over.
        clock: Clock::fixed(chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("t")),
        ..ExportOptions::default()
    }
}

/// A real cache file holding `ledger` with the world's entries for every date `from..=to`,
/// except the dates in `skip`.
fn cache_with(
    ledger: &Ledger,
    entries: &dyn Fn(Topic, NaiveDate) -> Vec<Entry>,
    (from, to): (NaiveDate, NaiveDate),
    skip: &[NaiveDate],
) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("cache.sqlite")).expect("open");
    store
        .upsert_ledgers("test", std::slice::from_ref(ledger))
        .expect("ledgers");
    for date in from.iter_days().take_while(|x| *x <= to) {
        if skip.contains(&date) {
            continue;
        }
        for topic in Topic::ALL {
            store
                .store_date_write(&DateWrite {
                    ledger_id: &ledger.ledger_id,
                    topic,
                    date,
                    entries: &entries(topic, date),
                    state: DateState::Complete,
                    error: None,
                    with_gdpr: false,
                })
                .expect("store date");
        }
    }
    (dir, store)
}

fn world_cache(world: &World, ledger: &Ledger, month: YearMonth) -> (tempfile::TempDir, Store) {
    let id = ledger.ledger_id.clone();
    cache_with(
        ledger,
        &|topic, date| world.entries(&id, topic, date),
        needed_range(month),
        &[],
    )
}

/// The Journal sheet's Debit and Credit columns summed, as the accountant sees them.
fn journal_sheet_totals(path: &Path) -> (Minor, Minor, u64) {
    let mut wb: Xlsx<_> = open_workbook(path).expect("open workbook");
    let sheet = wb.worksheet_range("Journal").expect("journal sheet");
    let money = |c: Option<&Data>| -> Minor {
        c.and_then(|v| v.get_float().or_else(|| v.get_int().map(|i| i as f64)))
            .map_or(0, |f| (f * 100.0).round() as Minor)
    };
    let (mut debit, mut credit, mut lines) = (0, 0, 0);
    for row in sheet.rows().skip(1) {
        // Posting rows carry the voucher number; the total row below them does not.
        if !matches!(row.first(), Some(Data::Float(_) | Data::Int(_))) {
            continue;
        }
        lines += 1;
        debit += money(row.get(4));
        credit += money(row.get(5));
    }
    (debit, credit, lines)
}

fn assert_matches_journal(kind: &str, got: &ReadBack, vouchers: &[Voucher], m: &str) {
    assert_eq!(got.vouchers.len(), vouchers.len(), "{kind} {m}: vouchers");
    for v in vouchers {
        let (debit, credit, accounts) = got
            .vouchers
            .get(&v.number)
            .unwrap_or_else(|| panic!("{kind} {m}: voucher {} missing", v.number));
        assert_eq!(*debit, *credit, "{kind} {m}: voucher {} balances", v.number);
        assert_eq!(
            (*debit, *credit),
            (v.debits(), v.credits()),
            "{kind} {m}: voucher {}",
            v.number
        );
        let want: Vec<String> = v.lines.iter().map(|l| l.account.clone()).collect();
        assert_eq!(accounts, &want, "{kind} {m}: voucher {} accounts", v.number);
    }
}

/// Simulator months: daily net (302321), weekly gross with month-end fee invoices (302322), weekly
/// DKK (402001), monthly gross DKK (402002), daily EUR with refund-driven negative stretches and
/// top-ups (502002). SAF-T only for the Norwegian businesses.
#[test]
fn simulator_months_as_bookkeeping_files_balance_and_equal_the_journal_sheet() {
    let world = World::new(7, d("2025-06-01"));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut checked = 0;
    for (ledger_id, m, saft) in [
        ("302321", "2024-03", true),
        ("302322", "2024-03", true),
        ("302322", "2024-07", true),
        ("402001", "2024-10", false),
        ("402002", "2024-05", false),
        ("502002", "2024-02", false),
    ] {
        let month = YearMonth::parse(m).expect("month");
        let ledger = world.ledger(ledger_id).expect("ledger");
        let (_cache, store) = world_cache(&world, &ledger, month);
        let (_, report) = month::reconcile_cached(&store, ledger_id, month).expect("reconcile");
        // 502002 has a `loyalty-adjustment` Avstem does not know: posted to suspense, to classify.
        let unknown = ledger_id == "502002";
        assert_eq!(
            report.all_ok,
            !unknown,
            "{ledger_id} {m}: {:?}",
            report.failed_checks().collect::<Vec<_>>()
        );
        let vouchers = journal(&report, &JournalAccounts::default());
        assert!(vouchers.len() >= 2, "{ledger_id} {m}: {}", vouchers.len());
        let want_debit: Minor = vouchers.iter().map(Voucher::debits).sum();
        let want_lines: u64 = vouchers.iter().map(|v| v.lines.len() as u64).sum();
        let suspense = vouchers
            .iter()
            .flat_map(|v| &v.lines)
            .filter(|l| l.account == "2990")
            .count();
        assert!(
            suspense > 0 || !unknown,
            "{ledger_id} {m}: the unknown type is on suspense"
        );

        let xlsx = dir.path().join(format!("{ledger_id}-{m}.xlsx"));
        export::write_xlsx(&store, ledger_id, month, &opts(), &xlsx).expect("workbook");
        let sheet = journal_sheet_totals(&xlsx);
        assert_eq!(
            sheet,
            (want_debit, want_debit, want_lines),
            "{ledger_id} {m}: Journal sheet"
        );

        let mut formats = vec![
            ("gbat10", ExportFormat::Gbat10),
            ("csv-journal", ExportFormat::CsvJournal),
        ];
        if ledger.currency == "DKK" {
            formats.push(("economic", ExportFormat::Economic));
        }
        if saft {
            formats.push(("saft", ExportFormat::Saft));
        }
        for (kind, format) in formats {
            let out = dir
                .path()
                .join(format!("{ledger_id}-{m}.{kind}.{}", format.extension()));
            let summary = export::write_month(&store, ledger_id, month, format, &opts(), &out)
                .unwrap_or_else(|e| panic!("{kind} {ledger_id} {m}: {e}"));
            let totals = summary.journal.expect("journal totals");
            assert_eq!(
                (totals.vouchers, totals.lines, totals.debit, totals.credit),
                (vouchers.len() as u64, want_lines, want_debit, want_debit),
                "{kind} {ledger_id} {m}"
            );
            if kind == "saft" {
                validate_saft(&out);
            }
            let got = read_back(kind, &out);
            // The payout's bank text is in the file beside it (report-api.md §6).
            let written = String::from_utf8_lossy(&std::fs::read(&out).expect("read")).into_owned();
            let first = &report.payouts[0];
            let bank_text = if ledger.currency == "NOK" {
                format!("Utb. {} Vippsnr ", first.number.expect("number"))
            } else {
                let reference = world
                    .entries(ledger_id, Topic::Funds, first.date)
                    .into_iter()
                    .find(|e| e.entry_type == avstem_core::model::EntryType::PayoutScheduled)
                    .expect("payout entry")
                    .reference;
                if reference.is_empty() {
                    "02".to_string()
                } else {
                    reference
                }
            };
            assert!(
                written.contains(&bank_text),
                "{kind} {ledger_id} {m}: no bank text {bank_text:?} in the file"
            );
            assert_matches_journal(kind, &got, &vouchers, &format!("{ledger_id} {m}"));
            assert_eq!(
                (got.lines, got.debit, got.credit),
                (sheet.2, sheet.0, sheet.1),
                "{kind} {ledger_id} {m}: equal to the Journal sheet"
            );
            if kind == "saft" {
                assert_eq!(got.declared["entries"], vouchers.len() as u64);
                assert_eq!(got.declared["debit"], want_debit);
                assert_eq!(got.declared["credit"], want_debit);
                assert_eq!(got.declared["org"], ledger.owner.id.as_str());
                assert_eq!(got.declared["currency"], "NOK");
            }
            eprintln!(
                "{kind} {ledger_id} {m}: {} vouchers, {} lines, debit = credit = {}",
                got.vouchers.len(),
                got.lines,
                avstem_core::model::format_minor(got.debit)
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 17);
}

/// The gross ledger's fee invoice is its own voucher: fees debited, payable credited.
#[test]
fn a_gross_months_fee_invoice_is_its_own_voucher_to_payable() {
    let world = World::new(7, d("2025-06-01"));
    let month = YearMonth::parse("2024-03").expect("month");
    let ledger = world.ledger("302322").expect("ledger");
    let (_cache, store) = world_cache(&world, &ledger, month);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("gross.csv");
    export::write_gbat10(&store, "302322", month, &opts(), &out).expect("gbat10");
    let got = read_back("gbat10", &out);
    let (_, report) = month::reconcile_cached(&store, "302322", month).expect("reconcile");
    assert_eq!(report.fee_invoices.len(), 1);
    let invoice = &report.fee_invoices[0];
    let last = got.vouchers.values().last().expect("a voucher");
    assert_eq!(
        last,
        &(
            invoice.amount,
            invoice.amount,
            vec!["7770".to_string(), "2400".to_string()]
        )
    );
    assert!(invoice.amount > 0);
}

fn assert_refused(result: avstem_core::Result<export::ExportSummary>, out: &Path, want: &str) {
    let err = result.expect_err("refused").to_string();
    assert!(err.contains(want), "{err}");
    assert!(!out.exists(), "{} was written", out.display());
    assert!(
        std::fs::read_dir(out.parent().expect("dir"))
            .expect("dir")
            .flatten()
            .all(|e| !e.file_name().to_string_lossy().starts_with(".avstem-export-")),
        "a temporary file was left"
    );
}

#[test]
fn an_account_the_format_cannot_hold_is_refused_and_nothing_is_written() {
    let world = World::new(7, d("2025-06-01"));
    let month = YearMonth::parse("2024-03").expect("month");
    let ledger = world.ledger("302321").expect("ledger");
    let (_cache, store) = world_cache(&world, &ledger, month);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut o = opts();
    o.accounts.clearing = "15890".into();
    let out = dir.path().join("five.csv");
    assert_refused(
        export::write_gbat10(&store, "302321", month, &o, &out),
        &out,
        "Account \"15890\" does not fit GBAT10, which holds account numbers of exactly 4 digits.",
    );
    o.accounts.clearing = "15A0".into();
    let out = dir.path().join("letters.xml");
    assert_refused(
        export::write_saft(&store, "302321", month, &o, &out),
        &out,
        "Account \"15A0\" does not fit SAF-T",
    );
    o.accounts.clearing = "1234567890".into();
    let out = dir.path().join("ten.csv");
    assert_refused(
        export::write_economic(&store, "302321", month, &o, &out),
        &out,
        "Account \"1234567890\" does not fit e-conomic, which holds account numbers of 1 to 9 digits.",
    );
    o.accounts.clearing = "158A".into();
    let out = dir.path().join("letters-dk.csv");
    assert_refused(
        export::write_economic(&store, "302321", month, &o, &out),
        &out,
        "Account \"158A\" does not fit e-conomic",
    );
    o.accounts.clearing = "1234567890123456789012".into();
    let out = dir.path().join("long-journal.csv");
    assert_refused(
        export::write_csv_journal(&store, "302321", month, &o, &out),
        &out,
        "does not fit the CSV journal, which holds account numbers of 1 to 20 digits.",
    );
    // Five digits are fine in SAF-T: mapped by their first four.
    o.accounts.clearing = "15890".into();
    let out = dir.path().join("five.xml");
    export::write_saft(&store, "302321", month, &o, &out).expect("saft with 15890");
    validate_saft(&out);
}

#[test]
fn saft_without_a_norwegian_organisation_number_is_refused_and_nothing_is_written() {
    let world = World::new(7, d("2025-06-01"));
    let month = YearMonth::parse("2024-03").expect("month");
    let dir = tempfile::tempdir().expect("tempdir");

    let mut ledger = world.ledger("302321").expect("ledger");
    ledger.owner.id = String::new();
    let (_cache, store) = world_cache(&world, &ledger, month);
    let out = dir.path().join("no-org.xml");
    assert_refused(
        export::write_saft(&store, "302321", month, &opts(), &out),
        &out,
        "Ledger 302321 has no valid organisation number",
    );
    // The voucher imports carry no organisation number (the accounting system knows its own
    // company), so they do not need one: written as usual.
    for format in [
        ExportFormat::Gbat10,
        ExportFormat::CsvJournal,
        ExportFormat::Economic,
    ] {
        let out = dir.path().join(format!("no-org-{format:?}.csv"));
        let summary = export::write_month(&store, "302321", month, format, &opts(), &out)
            .unwrap_or_else(|e| panic!("{format:?} without an organisation number: {e}"));
        assert!(summary.journal.expect("totals").debit > 0);
    }

    let month = YearMonth::parse("2024-10").expect("month");
    let ledger = world.ledger("402001").expect("ledger");
    let (_cache, store) = world_cache(&world, &ledger, month);
    let out = dir.path().join("dk.xml");
    assert_refused(
        export::write_saft(&store, "402001", month, &opts(), &out),
        &out,
        "SAF-T Financial is the Norwegian audit file, and ledger 402001 has a DK business number",
    );
}

#[test]
fn an_unsynced_or_unreconciled_month_is_refused_and_nothing_is_written() {
    let world = World::new(7, d("2025-06-01"));
    let month = YearMonth::parse("2024-03").expect("month");
    let ledger = world.ledger("302321").expect("ledger");
    let dir = tempfile::tempdir().expect("tempdir");

    let (_cache, store) = cache_with(
        &ledger,
        &|topic, date| world.entries("302321", topic, date),
        needed_range(month),
        &[d("2024-03-12")],
    );
    for format in [
        ExportFormat::Saft,
        ExportFormat::Gbat10,
        ExportFormat::CsvJournal,
        ExportFormat::Economic,
    ] {
        let out = dir.path().join(format!("unsynced.{}", format.extension()));
        assert_refused(
            export::write_month(&store, "302321", month, format, &opts(), &out),
            &out,
            "2024-03-12",
        );
    }

    // One capture altered: the month no longer reconciles, so nothing is posted.
    let (_cache, store) = cache_with(
        &ledger,
        &|topic, date| {
            let mut entries = world.entries("302321", topic, date);
            if topic == Topic::Funds && date == d("2024-03-15") {
                if let Some(e) = entries
                    .iter_mut()
                    .find(|e| e.entry_type == avstem_core::model::EntryType::Capture)
                {
                    e.amount += 100;
                }
            }
            entries
        },
        needed_range(month),
        &[],
    );
    for format in [
        ExportFormat::Saft,
        ExportFormat::Gbat10,
        ExportFormat::CsvJournal,
        ExportFormat::Economic,
    ] {
        let out = dir.path().join(format!("altered.{}", format.extension()));
        assert_refused(
            export::write_month(&store, "302321", month, format, &opts(), &out),
            &out,
            "2024-03 on ledger 302321 does not reconcile (",
        );
    }
}

/// The defaults per currency are the standard charts named to the user, and every default fits
/// every format (four digits: GBAT10's limit is the tightest).
#[test]
fn defaults_follow_the_standard_chart_of_the_ledgers_country() {
    let dk = JournalAccounts::defaults_for("DKK");
    assert_eq!(
        (
            dk.bank.as_str(),
            dk.fees.as_str(),
            dk.clearing.as_str(),
            dk.suspense.as_str(),
            dk.payable.as_str()
        ),
        ("6480", "2390", "6340", "8040", "7440")
    );
    let fi = JournalAccounts::defaults_for("EUR");
    assert_eq!(
        (
            fi.bank.as_str(),
            fi.fees.as_str(),
            fi.clearing.as_str(),
            fi.suspense.as_str(),
            fi.payable.as_str()
        ),
        ("1910", "8450", "1700", "2990", "2870")
    );
    assert_eq!(JournalAccounts::defaults_for("NOK"), JournalAccounts::default());
    assert!(JournalAccounts::defaults_name("DKK").contains("standardkontoplan"));
    assert!(JournalAccounts::defaults_name("EUR").contains("tilikartta"));
    for currency in ["NOK", "DKK", "EUR"] {
        for (role, account) in JournalAccounts::defaults_for(currency).roles() {
            assert!(
                account.len() == 4 && account.bytes().all(|b| b.is_ascii_digit()),
                "{currency} {role}: {account}"
            );
        }
    }

    // A DKK month in e-conomic with the Danish defaults: the bank line is on 6480.
    let world = World::new(7, d("2025-06-01"));
    let month = YearMonth::parse("2024-10").expect("month");
    let ledger = world.ledger("402001").expect("ledger");
    let (_cache, store) = world_cache(&world, &ledger, month);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("dk.csv");
    let mut o = opts();
    o.accounts = export::accounts_for(&store, "402001").expect("accounts");
    assert_eq!(o.accounts, dk);
    export::write_economic(&store, "402001", month, &o, &out).expect("economic");
    let got = read_back("economic", &out);
    let accounts: Vec<&str> = got
        .vouchers
        .values()
        .flat_map(|(_, _, a)| a.iter().map(String::as_str))
        .collect();
    assert!(
        accounts.contains(&"6480") && accounts.contains(&"6340"),
        "{accounts:?}"
    );
}

/// Each kind of line carries the VAT code saved for it, in every format; SAF-T lists the codes in
/// its tax table (with Skatteetaten's descriptions) and still validates; a code that carries VAT is
/// refused for SAF-T with a sentence and no file.
#[test]
fn the_vat_code_saved_for_each_kind_of_line_is_on_its_lines_in_every_format() {
    let world = World::new(7, d("2025-06-01"));
    let month = YearMonth::parse("2024-03").expect("month");
    let ledger = world.ledger("302322").expect("ledger");
    let (_cache, mut store) = world_cache(&world, &ledger, month);
    let mut settings = JournalAccounts::default();
    settings.vat.fees = "6".into();
    settings.vat.clearing = "5".into();
    store.set_ledger_accounts("302322", &settings, 1).expect("save");
    let mut o = opts();
    o.accounts = export::accounts_for(&store, "302322").expect("settings");
    assert_eq!(o.accounts, settings);
    let want = |account: &str| match account {
        "7770" => "6",
        "1580" => "5",
        _ => "0",
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut seen = BTreeMap::new();
    for (kind, format) in [
        ("gbat10", ExportFormat::Gbat10),
        ("csv-journal", ExportFormat::CsvJournal),
        ("economic", ExportFormat::Economic),
        ("saft", ExportFormat::Saft),
    ] {
        let out = dir.path().join(format!("{kind}.{}", format.extension()));
        export::write_month(&store, "302322", month, format, &o, &out).expect("written");
        if kind == "saft" {
            validate_saft(&out);
            let xml = std::fs::read_to_string(&out).expect("saft");
            assert!(
                xml.contains("<TaxCode>6</TaxCode>")
                    && xml.contains(
                        "<Description>Omsetning og uttak utenfor merverdiavgiftsloven</Description>"
                    )
                    && xml.contains("<StandardTaxCode>5</StandardTaxCode>"),
                "the tax table lists 0, 5 and 6"
            );
        }
        let got = read_back(kind, &out);
        for (n, (_, _, accounts)) in &got.vouchers {
            let vats = &got.details[n].1;
            assert_eq!(accounts.len(), vats.len(), "{kind} voucher {n}");
            for (a, v) in accounts.iter().zip(vats) {
                assert_eq!(v, want(a), "{kind} voucher {n} account {a}");
                *seen.entry(v.clone()).or_insert(0) += 1;
            }
        }
    }
    // The workbook's Journal sheet shows the same codes.
    let xlsx = dir.path().join("month.xlsx");
    export::write_xlsx(&store, "302322", month, &o, &xlsx).expect("workbook");
    let mut wb: Xlsx<_> = open_workbook(&xlsx).expect("open workbook");
    let sheet = wb.worksheet_range("Journal").expect("journal sheet");
    let header: Vec<String> = sheet
        .rows()
        .next()
        .expect("header")
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header.get(7).map(String::as_str), Some("VAT code"), "{header:?}");
    let mut sheet_lines = 0;
    for row in sheet
        .rows()
        .skip(1)
        .filter(|r| matches!(r.first(), Some(Data::Float(_) | Data::Int(_))))
    {
        let (account, code) = (row[2].to_string(), row[7].to_string());
        assert_eq!(code, want(&account), "Journal sheet, account {account}");
        sheet_lines += 1;
    }
    let booked = export::books::booked_month(&store, "302322", month, &o).expect("booked");
    assert_eq!(
        sheet_lines, booked.totals.lines,
        "every posting line is on the sheet"
    );
    assert_eq!(booked.totals.lines, 10, "5 vouchers of 2 lines");
    // 302322 settles gross: fee invoices (7770 / 2400) beside the weekly payouts (1920 / 1580).
    assert!(seen["6"] >= 4 && seen["5"] >= 4 && seen["0"] >= 8, "{seen:?}");

    o.accounts.vat.fees = "1".into();
    let out = dir.path().join("refused.xml");
    assert_refused(
        export::write_month(&store, "302322", month, ExportFormat::Saft, &o, &out),
        &out,
        "VAT code 1 (Input VAT deductible (domestic), regular rate) carries VAT",
    );
    o.accounts.vat.fees = "U25".into();
    assert_refused(
        export::write_month(&store, "302322", month, ExportFormat::Saft, &o, &out),
        &out,
        "VAT code U25 is not one of Skatteetaten's standard SAF-T tax codes",
    );
    // An empty code: no tax information on the line, and the file still validates.
    o.accounts.vat = avstem_core::reconcile::VatCodes::all("");
    let out = dir.path().join("no-codes.xml");
    export::write_month(&store, "302322", month, ExportFormat::Saft, &o, &out).expect("written");
    validate_saft(&out);
    let got = read_back("saft", &out);
    assert!(got.details.values().all(|(_, v)| v.iter().all(String::is_empty)));
}

/// With the voucher date set to "bank", each payout's voucher is dated by its matched bank line
/// (Vipps NO: 2 bank days after the payout); a payout the statement lacks keeps its payout date and
/// says so; fee invoices keep theirs.
#[test]
fn bank_dated_vouchers_take_the_date_of_the_matched_bank_line() {
    use avstem_core::bank::import::{import_bytes, ImportOptions};
    use avstem_core::sim::statement::{month_statement, StatementFaults, StatementFormat};
    let world = World::new(7, d("2025-06-01"));
    let month = YearMonth::parse("2024-03").expect("month");
    let ledger = world.ledger("302322").expect("ledger");
    let (_cache, mut store) = world_cache(&world, &ledger, month);
    let (_, report) = month::reconcile_cached(&store, "302322", month).expect("reconcile");
    let numbers: Vec<u64> = report.payouts.iter().filter_map(|p| p.number).collect();
    assert!(numbers.len() >= 4, "weekly payouts: {numbers:?}");
    let missing = numbers[1];
    let faults = StatementFaults {
        missing: vec![missing],
        ..StatementFaults::default()
    };
    // April's statement too: a payout at the end of March reaches the bank in April.
    for m in ["2024-03", "2024-04"] {
        let m = YearMonth::parse(m).expect("month");
        let xml = month_statement(&store, &ledger, m, StatementFormat::Camt08, &faults).expect("camt");
        import_bytes(
            &mut store,
            std::slice::from_ref(&ledger),
            "statement.xml",
            xml.as_bytes(),
            &ImportOptions::default(),
        )
        .expect("import");
    }
    let mut o = opts();
    o.accounts.voucher_date = avstem_core::reconcile::VoucherDate::Bank;
    let status =
        avstem_core::bank::status::month_status(&store, &ledger, month, d("2027-01-15")).expect("status");
    let dir = tempfile::tempdir().expect("tempdir");
    for (kind, format) in [
        ("csv-journal", ExportFormat::CsvJournal),
        ("economic", ExportFormat::Economic),
    ] {
        let out = dir.path().join(format!("{kind}.csv"));
        let summary = export::write_month(&store, "302322", month, format, &o, &out).expect("written");
        let totals = summary.journal.expect("journal totals");
        assert_eq!(
            (totals.bank_dated, totals.not_in_bank),
            (numbers.len() as u64 - 1, 1),
            "{kind}"
        );
        let got = read_back(kind, &out);
        for (i, p) in report.payouts.iter().enumerate() {
            let date = &got.details[&(i as u32 + 1)].0;
            let in_bank = status
                .payouts
                .iter()
                .find(|b| Some(b.payout_number) == p.number)
                .expect("payout in the bank status");
            if p.number == Some(missing) {
                assert_eq!(in_bank.bank_date, None);
                assert_eq!(
                    *date,
                    p.date.to_string(),
                    "{kind}: the missing payout keeps its date"
                );
            } else {
                let bank = in_bank.bank_date.expect("matched");
                assert_eq!(bank, in_bank.expected_date);
                assert_ne!(bank, p.date, "a bank day later");
                assert_eq!(*date, bank.to_string(), "{kind}: payout {:?}", p.number);
            }
        }
        for (j, inv) in report.fee_invoices.iter().enumerate() {
            let n = (report.payouts.len() + j) as u32 + 1;
            assert_eq!(got.details[&n].0, inv.date.to_string(), "{kind}: fee invoice");
        }
    }
    let out = dir.path().join("journal.csv");
    export::write_month(&store, "302322", month, ExportFormat::CsvJournal, &o, &out).expect("written");
    let text = std::fs::read_to_string(&out).expect("read");
    assert_eq!(
        text.matches("not matched in the bank yet").count(),
        1,
        "on the missing payout's bank line"
    );
    let booked = export::books::booked_month(&store, "302322", month, &o).expect("booked");
    let flagged: Vec<&str> = booked
        .vouchers
        .iter()
        .filter(|v| {
            v.description
                .contains("not matched in the bank yet: dated by the payout date")
        })
        .map(|v| v.description.as_str())
        .collect();
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert!(flagged[0].contains(&missing.to_string()), "{flagged:?}");
}

/// A profile's defaults for a currency apply to its ledgers in that currency that have no settings
/// of their own; the ledger's own settings win; forgetting them goes back to the profile's.
#[test]
fn a_profiles_defaults_apply_to_its_ledgers_without_their_own() {
    let world = World::new(7, d("2025-06-01"));
    let month = YearMonth::parse("2024-03").expect("month");
    let ledger = world.ledger("302321").expect("ledger");
    // world_cache saves the ledger as seen by profile "test".
    let (_cache, mut store) = world_cache(&world, &ledger, month);
    use avstem_core::export::AccountsSource;
    let source = |s: &Store| export::accounts_and_source(s, "302321").expect("settings");
    assert_eq!(
        source(&store),
        (JournalAccounts::default(), AccountsSource::Chart)
    );
    let firm = JournalAccounts {
        clearing: "1570".into(),
        vat: avstem_core::reconcile::VatCodes {
            fees: "6".into(),
            ..Default::default()
        },
        ..JournalAccounts::default()
    };
    store.set_profile_accounts("test", "NOK", &firm, 1).expect("save");
    store
        .set_profile_accounts(
            "other",
            "NOK",
            &JournalAccounts {
                clearing: "1500".into(),
                ..JournalAccounts::default()
            },
            2,
        )
        .expect("save");
    store
        .set_profile_accounts("test", "DKK", &JournalAccounts::defaults_for("DKK"), 3)
        .expect("save");
    assert_eq!(
        source(&store),
        (firm.clone(), AccountsSource::Profile),
        "the profile that sees the ledger"
    );
    let mut o = opts();
    o.accounts = export::accounts_for(&store, "302321").expect("settings");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("journal.csv");
    export::write_csv_journal(&store, "302321", month, &o, &out).expect("written");
    let got = read_back("csv-journal", &out);
    let lines: Vec<(&String, &String)> = got
        .vouchers
        .iter()
        .flat_map(|(n, (_, _, a))| a.iter().zip(&got.details[n].1))
        .collect();
    assert!(lines.iter().any(|(a, _)| a.as_str() == "1570"));
    assert!(lines.iter().all(|(a, _)| a.as_str() != "1580"));
    assert!(lines
        .iter()
        .filter(|(a, _)| a.as_str() == "7770")
        .all(|(_, v)| v.as_str() == "6"));

    let own = JournalAccounts {
        clearing: "1589".into(),
        ..JournalAccounts::default()
    };
    store.set_ledger_accounts("302321", &own, 4).expect("save");
    assert_eq!(source(&store), (own, AccountsSource::Ledger));
    store.clear_ledger_accounts("302321").expect("forget");
    assert_eq!(source(&store), (firm, AccountsSource::Profile));
}
