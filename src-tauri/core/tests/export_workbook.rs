//! The workbook and CSV as written to disk, read back: figures equal the model, text stays text,
//! personal data only on request, and a failed write never leaves half a file. The Bank sheet
//! shows each payout against the imported statements, and "every payout reached the bank" is on
//! Checks and Summary (not checked when no statement was imported).

// Tests read the environment, the wall clock and raw SQLite files on purpose.
#![allow(clippy::disallowed_methods)]

use avstem_core::clock::Clock;
use avstem_core::export::{self, csv::COLUMNS, write_csv, write_xlsx, ExportOptions};
use avstem_core::model::{format_minor, Entry, EntryType, Ledger, Minor, Topic, YearMonth};
use avstem_core::month::{self, missing_dates};
use avstem_core::reconcile::synth::{documented_example, generate, Frequency, SynthConfig, SynthLedger};
use avstem_core::reconcile::{journal, needed_range, CheckId, JournalAccounts, MonthReport};
use avstem_core::store::{DateState, DateWrite, Store};
use calamine::{open_workbook, Data, DataType, Reader, Xlsx};
use chrono::{Duration, NaiveDate};
use std::path::{Path, PathBuf};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn excel_serial(date: NaiveDate) -> f64 {
    (date - d("1899-12-30")).num_days() as f64
}

/// A real cache file holding `ledger` with the given entries for every date `from..=to`.
fn cache_with(
    ledger: &Ledger,
    funds: &dyn Fn(NaiveDate) -> Vec<Entry>,
    fees: &dyn Fn(NaiveDate) -> Vec<Entry>,
    from: NaiveDate,
    to: NaiveDate,
) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("cache.sqlite")).expect("open");
    store
        .upsert_ledgers("test", std::slice::from_ref(ledger))
        .expect("ledgers");
    for date in from.iter_days().take_while(|x| *x <= to) {
        for (topic, entries) in [(Topic::Funds, funds(date)), (Topic::Fees, fees(date))] {
            store
                .store_date_write(&DateWrite {
                    ledger_id: &ledger.ledger_id,
                    topic,
                    date,
                    entries: &entries,
                    state: DateState::Complete,
                    error: None,
                    with_gdpr: true,
                })
                .expect("store date");
        }
    }
    (dir, store)
}

fn synth_cache(s: &SynthLedger, month: YearMonth) -> (tempfile::TempDir, Store) {
    let (from, to) = needed_range(month);
    cache_with(
        &s.ledger,
        &|date| s.funds.get(&date).cloned().unwrap_or_default(),
        &|date| s.fees.get(&date).cloned().unwrap_or_default(),
        from,
        to,
    )
}

struct Book {
    wb: Xlsx<std::io::BufReader<std::fs::File>>,
}

impl Book {
    fn open(path: &Path) -> Book {
        Book {
            wb: open_workbook(path).expect("open workbook"),
        }
    }
    fn sheet(&mut self, name: &str) -> calamine::Range<Data> {
        self.wb.worksheet_range(name).expect("sheet")
    }
    fn formulas(&mut self, name: &str) -> calamine::Range<String> {
        self.wb.worksheet_formula(name).expect("formulas")
    }
}

fn cell(r: &calamine::Range<Data>, row: u32, col: u32) -> Data {
    r.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

/// A date or time cell as Excel's serial number.
fn serial(v: Data) -> Option<f64> {
    match v {
        Data::DateTime(dt) => Some(dt.as_f64()),
        Data::Float(f) => Some(f),
        _ => None,
    }
}

fn num(r: &calamine::Range<Data>, row: u32, col: u32) -> Minor {
    let v = cell(r, row, col);
    let f = v
        .get_float()
        .or_else(|| v.get_int().map(|i| i as f64))
        .unwrap_or_else(|| panic!("not a number at {row},{col}: {v:?}"));
    (f * 100.0).round() as Minor
}

fn text(r: &calamine::Range<Data>, row: u32, col: u32) -> String {
    match cell(r, row, col) {
        Data::String(s) => s,
        Data::Empty => String::new(),
        other => panic!("not text at {row},{col}: {other:?}"),
    }
}

fn find_row(r: &calamine::Range<Data>, col: u32, want: &str) -> u32 {
    (0..r.end().map_or(0, |e| e.0 + 1))
        .find(|&row| matches!(cell(r, row, col), Data::String(s) if s == want))
        .unwrap_or_else(|| panic!("no row with {want:?}"))
}

fn opts() -> ExportOptions {
    ExportOptions {
        // 2027-01-15: every month the tests build is over.
        clock: Clock::fixed(chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("t")),
        ..ExportOptions::default()
    }
}

/// Summary, Payouts, Funds, Fees, Captures and Journal read back equal the model.
fn assert_workbook_matches(path: &Path, report: &MonthReport, s: Option<&SynthLedger>) {
    let mut b = Book::open(path);
    assert_eq!(
        b.wb.sheet_names(),
        vec!["Summary", "Payouts", "Funds", "Fees", "Captures", "Bank", "Checks", "Journal"]
    );

    let sum = b.sheet("Summary");
    let h = find_row(&sum, 0, "Date");
    assert_eq!(h, export::xlsx::SUMMARY_HEADER_ROW);
    for (i, day) in report.days.iter().enumerate() {
        let row = h + 1 + i as u32;
        assert_eq!(
            serial(cell(&sum, row, 0)),
            Some(excel_serial(day.date)),
            "date row {row}"
        );
        let got: Vec<Minor> = (1..=10).map(|c| num(&sum, row, c)).collect();
        let want = vec![
            day.figures.sales(),
            day.figures.refunds(),
            day.net_sales,
            day.figures.fees(),
            day.fee_adjustments,
            day.figures.fees_retained(),
            day.fees_invoiced,
            day.figures.other(),
            day.figures.net(),
            day.figures.payout(),
        ];
        assert_eq!(got, want, "{}", day.date);
        assert_eq!(text(&sum, row, 12), day.status_text);
    }
    let total = h + 1 + report.days.len() as u32;
    assert_eq!(text(&sum, total, 0), "Total");
    let t = &report.totals;
    let got: Vec<Minor> = (1..=10).map(|c| num(&sum, total, c)).collect();
    assert_eq!(
        got,
        vec![
            t.figures.sales(),
            t.figures.refunds(),
            t.net_sales,
            t.figures.fees(),
            t.fee_adjustments,
            t.figures.fees_retained(),
            t.fees_invoiced,
            t.figures.other(),
            t.figures.net(),
            t.figures.payout()
        ]
    );
    let f = b.formulas("Summary");
    let formula_at = |row: u32, col: u32| f.get_value((row, col)).cloned().unwrap_or_default();
    assert_eq!(formula_at(total, 1), format!("SUM(B{}:B{})", h + 2, total));

    let pay = b.sheet("Payouts");
    for (i, p) in report.payouts.iter().enumerate() {
        let row = 1 + i as u32;
        assert_eq!(text(&pay, row, 0), p.label);
        assert_eq!(serial(cell(&pay, row, 1)), Some(excel_serial(p.date)));
        assert_eq!(num(&pay, row, 3), p.amount);
        assert_eq!(text(&pay, row, 4), p.bank_text);
        assert_eq!(serial(cell(&pay, row, 5)), Some(excel_serial(p.covered_from)));
        assert_eq!(serial(cell(&pay, row, 6)), Some(excel_serial(p.covered_to)));
        assert_eq!(
            (num(&pay, row, 11), num(&pay, row, 12)),
            (p.covered_sum, p.difference)
        );
        assert_eq!(text(&pay, row, 14), if p.ok { "OK" } else { "FAIL" });
    }

    for (name, topic, count) in [
        ("Funds", Topic::Funds, report.totals.funds_count),
        ("Fees", Topic::Fees, report.totals.fees_count),
    ] {
        let sh = b.sheet(name);
        let rows = sh.end().map_or(0, |e| e.0);
        assert_eq!(u64::from(rows), count, "{name} rows");
        let amounts: Minor = (1..=rows).map(|r| num(&sh, r, 3)).sum();
        if let Some(s) = s {
            let m = report.month;
            let list = match topic {
                Topic::Funds => s.funds_between(m.first_day(), m.last_day()),
                Topic::Fees => s.fees_between(m.first_day(), m.last_day()),
            };
            assert_eq!(amounts, list.iter().map(|e| e.amount).sum::<Minor>());
            // Spot-check the last row against the entry.
            if let Some(e) = list.last() {
                assert_eq!(text(&sh, rows, 2), e.entry_type.as_str());
                assert_eq!(
                    (num(&sh, rows, 4), num(&sh, rows, 5)),
                    (e.balance_before, e.balance_after)
                );
                assert_eq!(text(&sh, rows, 6), e.psp_reference);
            }
        }
    }

    let caps = b.sheet("Captures");
    assert_eq!(
        u64::from(caps.end().map_or(0, |e| e.0)),
        report.captures.len() as u64 + 1,
        "captures + total"
    );
    for (i, c) in report.captures.iter().enumerate().step_by(7) {
        let row = 1 + i as u32;
        assert_eq!(text(&caps, row, 0), c.psp_reference);
        assert_eq!(
            (
                num(&caps, row, 5),
                num(&caps, row, 6),
                num(&caps, row, 7),
                num(&caps, row, 8)
            ),
            (c.gross, c.refunded, c.fees, c.net)
        );
        assert_eq!(
            text(&caps, row, 11),
            c.payout.clone().unwrap_or_else(|| "not yet paid out".into())
        );
    }

    let checks = b.sheet("Checks");
    for (i, c) in report.checks.iter().enumerate() {
        assert_eq!(text(&checks, 1 + i as u32, 0), c.title);
        assert_eq!(text(&checks, 1 + i as u32, 1), c.status());
    }
    let bank_row = 1 + report.checks.len() as u32;
    assert_eq!(text(&checks, bank_row, 0), "Every payout reached the bank");
    assert!(
        ["OK", "FAIL", "NOT CHECKED"].contains(&text(&checks, bank_row, 1).as_str()),
        "{}",
        text(&checks, bank_row, 1)
    );

    // The Bank sheet lists the month's payouts as reconciliation found them.
    let bank = b.sheet("Bank");
    for (i, p) in report.payouts.iter().enumerate() {
        let row = 1 + i as u32;
        assert_eq!(text(&bank, row, 0), p.label);
        assert_eq!(serial(cell(&bank, row, 1)), Some(excel_serial(p.date)));
        assert_eq!(num(&bank, row, 2), p.amount);
    }
    assert_eq!(
        cell(&bank, 1 + report.payouts.len() as u32, 0),
        Data::Empty,
        "one row per payout"
    );

    let j = b.sheet("Journal");
    let vouchers = journal(report, &JournalAccounts::default());
    let mut row = 1;
    for v in &vouchers {
        // The balance formula sits on the voucher's first line and shows 0.00.
        assert_eq!(num(&j, row, 6), v.debits() - v.credits());
        for l in &v.lines {
            assert_eq!(num(&j, row, 0), Minor::from(v.number) * 100);
            assert_eq!(text(&j, row, 2), l.account);
            let debit = if l.debit != 0 { num(&j, row, 4) } else { 0 };
            let credit = if l.credit != 0 { num(&j, row, 5) } else { 0 };
            assert_eq!((debit, credit), (l.debit, l.credit));
            row += 1;
        }
    }
}

#[test]
fn the_documented_example_month_exports_the_guides_figures() {
    let (ledger, funds, fees) = documented_example().expect("fixture");
    let month = YearMonth::parse("2022-10").expect("month");
    let day = d("2022-10-01");
    let (dir, store) = cache_with(
        &ledger,
        &|date| if date == day { funds.clone() } else { vec![] },
        &|date| if date == day { fees.clone() } else { vec![] },
        month.first_day(),
        month.last_day(),
    );
    let out = dir.path().join("2022-10.xlsx");
    let summary = write_xlsx(&store, "12345", month, &opts(), &out).expect("export");
    assert_eq!(
        (
            summary.funds_rows,
            summary.fees_rows,
            summary.captures,
            summary.payouts
        ),
        (6, 4, 3, 1)
    );
    assert!(summary.failed_checks.is_empty(), "{:?}", summary.failed_checks);

    let (_, report) = month::reconcile_cached(&store, "12345", month).expect("reconcile");
    assert_workbook_matches(&out, &report, None);

    let mut b = Book::open(&out);
    let sum = b.sheet("Summary");
    let row = export::xlsx::SUMMARY_HEADER_ROW + 1;
    assert_eq!(
        (
            num(&sum, row, 1),
            num(&sum, row, 2),
            num(&sum, row, 3),
            num(&sum, row, 4),
            num(&sum, row, 10)
        ),
        (40000, -10000, 30000, 1200, 28800)
    );
    assert_eq!(text(&sum, row, 11), "#2000023");
    assert_eq!(text(&sum, row, 12), "paid in #2000023");
    assert_eq!(text(&sum, 1, 1), "12345");
    assert_eq!(
        text(&sum, 8, 1),
        "OK — all 8 checks pass; the bank was not checked: no bank statement imported (see the Checks sheet)"
    );
    let checks = b.sheet("Checks");
    assert_eq!(
        (text(&checks, 9, 0), text(&checks, 9, 1)),
        (
            "Every payout reached the bank".to_string(),
            "NOT CHECKED".to_string()
        ),
        "no statement imported: the check neither passes nor fails"
    );
    assert!(
        text(&checks, 9, 2).contains("no bank statement imported"),
        "{}",
        text(&checks, 9, 2)
    );
    let bank = b.sheet("Bank");
    assert_eq!(
        (text(&bank, 1, 0), text(&bank, 1, 4), text(&bank, 1, 8)),
        (
            "#2000023".to_string(),
            "Utb. 2000023 Vippsnr 57860".to_string(),
            "no statement for that date yet".to_string()
        )
    );
    assert_eq!(
        serial(cell(&bank, 1, 3)),
        Some(excel_serial(d("2022-10-04"))),
        "two bank days after Saturday 1 October"
    );
    let funds_sheet = b.sheet("Funds");
    // 16:33:00 Oslo time, as the fixture says (+0200).
    let t = serial(cell(&funds_sheet, 1, 1)).expect("time");
    assert_eq!(
        (t.fract() * 86400.0).floor() as i64,
        16 * 3600 + 33 * 60,
        "16:33:00.82 local"
    );
    let pay = b.sheet("Payouts");
    assert_eq!(
        (text(&pay, 1, 0), num(&pay, 1, 3)),
        ("#2000023".to_string(), 28800)
    );
    let j = b.sheet("Journal");
    assert_eq!((text(&j, 1, 2), num(&j, 1, 4)), ("1920".to_string(), 28800));
    assert_eq!((text(&j, 2, 2), num(&j, 2, 4)), ("7770".to_string(), 1200));
    assert_eq!((text(&j, 3, 2), num(&j, 3, 5)), ("1580".to_string(), 30000));
}

#[test]
fn an_unsynced_month_is_refused_with_the_dates_named() {
    let (ledger, funds, fees) = documented_example().expect("fixture");
    let day = d("2022-10-01");
    let (dir, store) = cache_with(&ledger, &|_| funds.clone(), &|_| fees.clone(), day, day);
    let month = YearMonth::parse("2022-10").expect("month");
    let missing = missing_dates(&store, "12345", month, d("2027-01-15")).expect("missing");
    assert_eq!(missing.len(), 60);
    assert_eq!(missing[0], (Topic::Funds, d("2022-10-02")));
    let out = dir.path().join("refused.xlsx");
    let err = write_xlsx(&store, "12345", month, &opts(), &out).expect_err("refused");
    assert_eq!(
        err.to_string(),
        "Cannot export ledger 12345 for 2022-10: these dates are not synced: 2022-10-02 – 2022-10-31 (funds, fees); run with --sync."
    );
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(dir.path())
            .expect("dir")
            .filter(|e| e
                .as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().contains("avstem-export")))
            .count(),
        0
    );
}

#[test]
fn weekly_payouts_straddling_the_month_read_back_equal_to_the_model() {
    let cfg = SynthConfig {
        seed: 21,
        frequency: Frequency::Weekly,
        ..SynthConfig::default()
    };
    let month = YearMonth::parse("2024-03").expect("month");
    let s = generate(
        &cfg,
        month.first_day() - Duration::days(70),
        month.last_day() + Duration::days(20),
    );
    let (dir, store) = synth_cache(&s, month);
    let out = dir.path().join("weekly.xlsx");
    write_xlsx(&store, &cfg.ledger_id, month, &opts(), &out).expect("export");
    let (_, report) = month::reconcile_cached(&store, &cfg.ledger_id, month).expect("reconcile");
    assert!(report.all_ok, "{:?}", report.failed_checks().collect::<Vec<_>>());
    assert_eq!(report.payouts[0].covered_from, d("2024-02-27"));
    assert_workbook_matches(&out, &report, Some(&s));
    let mut b = Book::open(&out);
    let pay = b.sheet("Payouts");
    assert_eq!(serial(cell(&pay, 1, 5)), Some(excel_serial(d("2024-02-27"))));
}

#[test]
fn gross_settlement_and_daily_months_read_back_equal_to_the_model() {
    for (seed, gross, freq, m) in [
        (33, true, Frequency::Daily, "2024-09"),
        (7, false, Frequency::Monthly, "2024-01"),
        (8, false, Frequency::Daily, "2024-12"),
    ] {
        let cfg = SynthConfig {
            seed,
            gross,
            frequency: freq,
            unknown_types: seed == 8,
            ..SynthConfig::default()
        };
        let month = YearMonth::parse(m).expect("month");
        let s = generate(
            &cfg,
            month.first_day() - Duration::days(70),
            month.last_day() + Duration::days(20),
        );
        let (dir, store) = synth_cache(&s, month);
        let out = dir.path().join(format!("{m}.xlsx"));
        write_xlsx(&store, &cfg.ledger_id, month, &opts(), &out).expect("export");
        let (_, report) = month::reconcile_cached(&store, &cfg.ledger_id, month).expect("reconcile");
        assert_workbook_matches(&out, &report, Some(&s));
        let mut b = Book::open(&out);
        let sum = b.sheet("Summary");
        if gross {
            assert_eq!(report.fee_invoices.len(), 1);
            assert!(report.totals.fees_invoiced > 0);
            assert!(text(&sum, 6, 1).starts_with("gross"));
        }
        if seed == 8 {
            // An unknown entry type is a FAIL that shows on the Summary sheet.
            assert!(!report.check(CheckId::EntryTypesRecognised).expect("check").ok);
            let verdict = text(&sum, 8, 1);
            assert!(
                verdict.starts_with("FAIL — 1 of 8 checks failed: Entry types recognised"),
                "{verdict}"
            );
        } else {
            assert!(
                report.all_ok,
                "{m}: {:?}",
                report.failed_checks().collect::<Vec<_>>()
            );
        }
    }
}

fn poisoned_example() -> (Ledger, Vec<Entry>, Vec<Entry>) {
    let (ledger, mut funds, fees) = documented_example().expect("fixture");
    funds[0].reference = "=HYPERLINK(\"http://evil.example\",\"Click\")".into();
    funds[1].reference = "+4712345678".into();
    funds[2].reference = "@SUM(1+1)".into();
    funds[3].reference = "-2+3".into();
    for e in funds.iter_mut().filter(|e| e.entry_type == EntryType::Capture) {
        e.name = Some("Kari Nordmann".into());
        e.masked_phone_no = Some("+47xxxx1234".into());
        e.message = Some("=1+1 takk".into());
    }
    (ledger, funds, fees)
}

fn poisoned_cache() -> (tempfile::TempDir, Store, YearMonth) {
    let (ledger, funds, fees) = poisoned_example();
    let month = YearMonth::parse("2022-10").expect("month");
    let day = d("2022-10-01");
    let (dir, store) = cache_with(
        &ledger,
        &|date| if date == day { funds.clone() } else { vec![] },
        &|date| if date == day { fees.clone() } else { vec![] },
        month.first_day(),
        month.last_day(),
    );
    (dir, store, month)
}

#[test]
fn references_that_look_like_formulas_stay_text_in_the_workbook() {
    let (dir, store, month) = poisoned_cache();
    let out = dir.path().join("poison.xlsx");
    write_xlsx(
        &store,
        "12345",
        month,
        &ExportOptions { gdpr: true, ..opts() },
        &out,
    )
    .expect("export");
    let mut b = Book::open(&out);
    let funds = b.sheet("Funds");
    assert_eq!(
        text(&funds, 1, 7),
        "=HYPERLINK(\"http://evil.example\",\"Click\")"
    );
    assert_eq!(text(&funds, 2, 7), "+4712345678");
    assert_eq!(text(&funds, 3, 7), "@SUM(1+1)");
    assert_eq!(text(&funds, 4, 7), "-2+3");
    assert_eq!(text(&funds, 1, 11), "=1+1 takk");
    let formulas = b.formulas("Funds");
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formula on the Funds sheet"
    );
    // And in the raw XML the reference is an inline string, not a <f> formula.
    let raw = unzip_entry(&out, "xl/worksheets/sheet3.xml");
    assert!(raw.contains("HYPERLINK"), "sheet3 is Funds");
    assert!(!raw.contains("<f>"), "no formula element in Funds");
    // Frozen header, autofilter over the rows (GDPR columns A–L), header repeated when printed.
    assert!(
        raw.contains(r#"<autoFilter ref="A1:L7"/>"#),
        "{}",
        &raw[raw.len().saturating_sub(600)..]
    );
    assert!(raw.contains(r#"<pane ySplit="1" topLeftCell="A2""#));
    let book = unzip_entry(&out, "xl/workbook.xml");
    assert!(book.contains("Funds!$1:$1"), "print titles");
}

#[test]
fn references_that_look_like_formulas_are_quoted_in_the_csv() {
    let (dir, store, month) = poisoned_cache();
    let out = dir.path().join("poison.csv");
    let summary = write_csv(
        &store,
        "12345",
        month,
        &ExportOptions { gdpr: true, ..opts() },
        &out,
    )
    .expect("export");
    assert_eq!((summary.funds_rows, summary.fees_rows), (6, 4));
    let bytes = std::fs::read(&out).expect("read");
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).expect("utf8");
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines[0], COLUMNS.join(";"));
    assert_eq!(lines.len(), 1 + 6 + 4 + 1, "header, rows, final empty");
    let cols = |l: &str| l.split(';').map(str::to_string).collect::<Vec<_>>();
    let first = cols(lines[1]);
    assert_eq!(first.len(), 18);
    assert_eq!(first[0], "Example Shop");
    assert_eq!(first[1], "57860");
    assert_eq!(first[2], "NO");
    assert_eq!(first[4], "2022-10-01 16:33:00");
    assert_eq!(first[5], "2022-10-01");
    assert_eq!(first[6], "capture");
    assert_eq!(
        (first[7].as_str(), first[9].as_str(), first[10].as_str()),
        ("100,00", "-4,00", "96,00")
    );
    assert_eq!(first[12], "Kari Nordmann");
    assert_eq!(first[13], "'+47xxxx1234");
    assert_eq!(first[14], "'=1+1 takk");
    assert_eq!(first[15], "Funds");
    assert_eq!(first[16], "3343121302");
    // The reference holds a ';'-free quote-bearing formula: guarded, then quoted.
    assert!(
        lines[1].ends_with(";\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\""),
        "{}",
        lines[1]
    );
    assert!(cols(lines[2])[17] == "'+4712345678");
    assert!(cols(lines[3])[17] == "'@SUM(1+1)");
    assert!(cols(lines[4])[17] == "'-2+3");
    // Payout row: amount negative but ours, so never prefixed.
    let payout = cols(lines[6]);
    assert_eq!(
        (payout[6].as_str(), payout[7].as_str(), payout[8].as_str()),
        ("payout-scheduled", "-288,00", "0,00")
    );
    let fee = cols(lines[7]);
    assert_eq!(
        (fee[6].as_str(), fee[7].as_str(), fee[15].as_str()),
        ("capture-fee", "-4,00", "Fees")
    );
}

#[test]
fn personal_data_is_left_out_unless_asked_for() {
    let (dir, store, month) = poisoned_cache();
    let plain = dir.path().join("plain.xlsx");
    write_xlsx(&store, "12345", month, &opts(), &plain).expect("export");
    let mut b = Book::open(&plain);
    for name in ["Funds", "Fees"] {
        let sh = b.sheet(name);
        let headers: Vec<String> = (0..sh.width() as u32).map(|c| text(&sh, 0, c)).collect();
        assert_eq!(
            headers,
            [
                "Ledger date",
                "Time",
                "Type",
                "Amount",
                "Balance before",
                "Balance after",
                "PSP reference",
                "Reference",
                "Sales unit"
            ]
        );
        assert!(!sh.used_cells().any(|(_, _, v)| matches!(v, Data::String(s) if s.contains("Kari") || s.contains("xxxx1234") || s.contains("takk"))));
    }
    let all = unzip_all(&plain);
    assert!(
        !all.contains("Kari Nordmann") && !all.contains("xxxx1234"),
        "no personal data anywhere in the file"
    );
    let csv_path = dir.path().join("plain.csv");
    write_csv(&store, "12345", month, &opts(), &csv_path).expect("csv");
    let csv = std::fs::read_to_string(&csv_path).expect("read");
    assert!(!csv.contains("Kari") && !csv.contains("xxxx1234") && !csv.contains("takk"));

    let with = dir.path().join("gdpr.xlsx");
    write_xlsx(
        &store,
        "12345",
        month,
        &ExportOptions { gdpr: true, ..opts() },
        &with,
    )
    .expect("export");
    let mut b = Book::open(&with);
    let funds = b.sheet("Funds");
    assert_eq!(
        (text(&funds, 0, 9), text(&funds, 0, 10), text(&funds, 0, 11)),
        ("Customer name".into(), "Phone".into(), "Message".into())
    );
    assert_eq!(text(&funds, 1, 9), "Kari Nordmann");
}

#[cfg(unix)]
#[test]
fn a_read_only_folder_gives_a_clear_error_and_leaves_no_file() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, store, month) = poisoned_cache();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).expect("mkdir");
    let root = std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false);
    let lock = |on: bool| {
        if root {
            std::process::Command::new("chattr")
                .arg(if on { "+i" } else { "-i" })
                .arg(&locked)
                .status()
                .is_ok_and(|s| s.success())
        } else {
            std::fs::set_permissions(
                &locked,
                std::fs::Permissions::from_mode(if on { 0o555 } else { 0o755 }),
            )
            .is_ok()
        }
    };
    if !lock(true) {
        eprintln!("cannot make a folder read-only here; skipping");
        return;
    }
    let out = locked.join("month.xlsx");
    let result = write_xlsx(&store, "12345", month, &opts(), &out);
    let csv_result = write_csv(&store, "12345", month, &opts(), &locked.join("month.csv"));
    let left: Vec<PathBuf> = std::fs::read_dir(&locked)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    assert!(lock(false), "could not restore write access");
    let err = result.expect_err("read-only");
    assert_eq!(err.kind(), "io");
    assert!(
        err.to_string()
            .starts_with(&format!("Cannot write in the folder {} (", locked.display())),
        "{err}"
    );
    assert!(
        err.to_string().contains("Pick a folder you can write to"),
        "{err}"
    );
    assert_eq!(csv_result.expect_err("read-only").kind(), "io");
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn an_existing_file_is_replaced_only_by_a_complete_one() {
    let (dir, store, month) = poisoned_cache();
    let out = dir.path().join("month.xlsx");
    std::fs::write(&out, b"previous export").expect("write");
    // A failing export (a ledger that is not cached) leaves the old file alone...
    let err = write_xlsx(&store, "99999", month, &opts(), &out).expect_err("unknown ledger");
    assert_eq!(err.kind(), "input");
    assert_eq!(std::fs::read(&out).expect("read"), b"previous export");
    // ...and a failure inside the writer too (the sheet cannot be written): no temp file remains.
    let failing = export::write_atomically(&out, false, |tmp| {
        std::fs::write(tmp, b"half a workbook").expect("w");
        Err(avstem_core::Error::Io("disk full".into()))
    });
    assert!(failing.is_err());
    assert_eq!(std::fs::read(&out).expect("read"), b"previous export");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("avstem-export")), "{names:?}");
    // A good export replaces it.
    write_xlsx(&store, "12345", month, &opts(), &out).expect("export");
    assert_eq!(&std::fs::read(&out).expect("read")[..2], b"PK");
    let _ = format_minor(0);
}

fn unzip_entry(path: &Path, name: &str) -> String {
    let out = std::process::Command::new("unzip")
        .arg("-p")
        .arg(path)
        .arg(name)
        .output()
        .expect("unzip");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn unzip_all(path: &Path) -> String {
    let out = std::process::Command::new("unzip")
        .arg("-p")
        .arg(path)
        .output()
        .expect("unzip");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// LibreOffice recalculates every formula of several exported months to the value Avstem stored.
/// Skipped (with a note) when LibreOffice or openpyxl is missing, unless AVSTEM_REQUIRE_LIBREOFFICE=1.
#[test]
fn libreoffice_recalculates_every_formula_to_the_stored_value() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/workbook_check.py");
    let required = std::env::var("AVSTEM_REQUIRE_LIBREOFFICE").is_ok_and(|v| v == "1");
    let have_soffice = std::process::Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let have_openpyxl = std::process::Command::new("python3")
        .args(["-c", "import openpyxl"])
        .status()
        .is_ok_and(|s| s.success());
    if !(have_soffice && have_openpyxl && script.exists()) {
        assert!(
            !required,
            "LibreOffice ({have_soffice}) / openpyxl ({have_openpyxl}) / {} missing",
            script.display()
        );
        eprintln!("LibreOffice or openpyxl not installed; skipping the recalculation check");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    for (seed, gross, freq, m) in [
        (21, false, Frequency::Weekly, "2024-03"),
        (33, true, Frequency::Daily, "2024-09"),
        (8, false, Frequency::Monthly, "2024-12"),
    ] {
        let cfg = SynthConfig {
            seed,
            gross,
            frequency: freq,
            captures_per_day: 4,
            unknown_types: seed == 8,
            ..SynthConfig::default()
        };
        let month = YearMonth::parse(m).expect("month");
        let s = generate(
            &cfg,
            month.first_day() - Duration::days(70),
            month.last_day() + Duration::days(20),
        );
        let (_cache_dir, store) = synth_cache(&s, month);
        let out = dir.path().join(format!("{m}.xlsx"));
        write_xlsx(&store, &cfg.ledger_id, month, &opts(), &out).expect("export");
        files.push(out);
    }
    // And a simulator month: weekly payouts straddling the boundary, gross settlement.
    {
        let world = avstem_core::sim::data::World::new(7, d("2025-06-01"));
        let month = YearMonth::parse("2024-03").expect("month");
        let ledger = world.ledger("302322").expect("ledger");
        let (from, to) = needed_range(month);
        let (_cache_dir, store) = cache_with(
            &ledger,
            &|date| world.entries("302322", Topic::Funds, date),
            &|date| world.entries("302322", Topic::Fees, date),
            from,
            to,
        );
        let out = dir.path().join("302322-2024-03.xlsx");
        write_xlsx(&store, "302322", month, &opts(), &out).expect("export");
        files.push(out);
    }
    let output = std::process::Command::new("python3")
        .arg(&script)
        .args(&files)
        .output()
        .expect("run workbook_check.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("OK ")).count(),
        4,
        "{stdout}"
    );
}

/// The export streams a narrowed range from the cache; it must reconcile exactly as the full
/// needed range does.
#[test]
fn the_narrowed_cache_range_reconciles_like_the_full_range() {
    use avstem_core::reconcile::{reconcile_month_with_states, DateStates, SyncState};
    for (seed, gross, freq, m) in [
        (21, false, Frequency::Weekly, "2024-03"),
        (33, true, Frequency::Daily, "2024-09"),
        (7, false, Frequency::Monthly, "2024-01"),
        (9, true, Frequency::Monthly, "2024-06"),
    ] {
        let cfg = SynthConfig {
            seed,
            gross,
            frequency: freq,
            max_fee_lag: 3,
            ..SynthConfig::default()
        };
        let month = YearMonth::parse(m).expect("month");
        let s = generate(
            &cfg,
            month.first_day() - Duration::days(70),
            month.last_day() + Duration::days(20),
        );
        let (_dir, store) = synth_cache(&s, month);
        let (_, cached) = month::reconcile_cached(&store, &cfg.ledger_id, month).expect("reconcile");
        let (from, to) = needed_range(month);
        let full = reconcile_month_with_states(
            &s.ledger,
            month,
            &s.funds_between(from, to),
            &s.fees_between(from, to),
            &DateStates::all(from, to, SyncState::Complete),
        );
        let range = month::load_range(&store, &cfg.ledger_id, month).expect("range");
        assert!(
            range.funds.0 > from || freq == Frequency::Monthly,
            "{m}: {range:?}"
        );
        assert_eq!(cached.days, full.days, "{m}");
        assert_eq!(cached.payouts, full.payouts, "{m}");
        assert_eq!(cached.fee_invoices, full.fee_invoices, "{m}");
        assert_eq!(cached.captures, full.captures, "{m}");
        assert_eq!(cached.totals, full.totals, "{m}");
        assert_eq!(cached.all_ok, full.all_ok, "{m}");
        assert!(
            cached.all_ok,
            "{m}: {:?}",
            cached.failed_checks().collect::<Vec<_>>()
        );
    }
}

#[test]
fn the_current_month_asks_only_for_dates_up_to_today() {
    let (ledger, funds, fees) = documented_example().expect("fixture");
    let day = d("2022-10-01");
    let (_dir, store) = cache_with(&ledger, &|_| funds.clone(), &|_| fees.clone(), day, day);
    let month = YearMonth::parse("2022-10").expect("month");
    let missing = month::missing_dates(&store, "12345", month, d("2022-10-03")).expect("missing");
    assert_eq!(
        missing,
        vec![
            (Topic::Funds, d("2022-10-02")),
            (Topic::Fees, d("2022-10-02")),
            (Topic::Funds, d("2022-10-03")),
            (Topic::Fees, d("2022-10-03"))
        ]
    );
    assert_eq!(
        month::describe_missing(&missing),
        "these dates are not synced: 2022-10-02 – 2022-10-03 (funds, fees); run with --sync"
    );
}

/// Simulator months read back equal to the model: weekly payouts straddling the month boundary with
/// gross settlement (302322), weekly DKK with local-offset times (402001), monthly gross (402002),
/// and daily EUR with negative stretches, top-ups and an unknown entry type (502002).
#[test]
fn simulator_months_read_back_equal_to_the_model() {
    use avstem_core::sim::data::World;
    let world = World::new(7, d("2025-06-01"));
    for (ledger_id, m) in [
        ("302322", "2024-03"),
        ("402001", "2024-10"),
        ("402002", "2024-05"),
        ("502002", "2024-02"),
    ] {
        let month = YearMonth::parse(m).expect("month");
        let ledger = world.ledger(ledger_id).expect("ledger");
        let (from, to) = needed_range(month);
        let (dir, store) = cache_with(
            &ledger,
            &|date| world.entries(ledger_id, Topic::Funds, date),
            &|date| world.entries(ledger_id, Topic::Fees, date),
            from,
            to,
        );
        let out = dir.path().join(format!("{ledger_id}-{m}.xlsx"));
        let summary = write_xlsx(&store, ledger_id, month, &opts(), &out).expect("export");
        let (_, report) = month::reconcile_cached(&store, ledger_id, month).expect("reconcile");
        let failed: Vec<CheckId> = report.failed_checks().map(|c| c.id).collect();
        assert!(
            failed.is_empty() || failed == [CheckId::EntryTypesRecognised],
            "{ledger_id} {m}: {:?}",
            report.failed_checks().collect::<Vec<_>>()
        );
        assert_eq!(summary.funds_rows, report.totals.funds_count);
        assert_workbook_matches(&out, &report, None);
        let month_funds: Vec<Entry> = month
            .dates()
            .flat_map(|date| world.entries(ledger_id, Topic::Funds, date))
            .collect();
        assert_eq!(
            report.totals.figures.sales(),
            month_funds
                .iter()
                .filter(|e| e.entry_type == EntryType::Capture)
                .map(|e| e.amount)
                .sum::<Minor>()
        );
        match ledger_id {
            "302322" => {
                // March 2024 starts on a Friday: the payout of Monday 4 March covers 27 Feb – 4 Mar.
                assert_eq!(report.payouts[0].covered_from, d("2024-02-27"));
                assert_eq!(
                    report.fee_invoices.len(),
                    1,
                    "gross: invoiced on the month's last date"
                );
                assert_eq!(report.fee_invoices[0].date, d("2024-03-31"));
            }
            "402002" => assert_eq!(report.fee_invoices.len(), 1),
            _ => {}
        }
    }
}

/// A temporary file an export killed mid-way left behind (older than an hour) is removed by the
/// next export into that folder; a recent one (an export still running) is left alone.
#[test]
fn stale_export_temporaries_are_cleaned_by_the_next_export() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stale = dir.path().join(".avstem-export-killed.tmp");
    let recent = dir.path().join(".avstem-export-running.tmp");
    for p in [&stale, &recent] {
        std::fs::write(p, b"half a workbook").expect("write");
    }
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .and_then(|f| f.set_modified(two_hours_ago))
        .expect("age the stale file");
    let out = dir.path().join("month.csv");
    export::write_atomically(&out, false, |tmp| {
        std::fs::write(tmp, b"a;b\n").map_err(|e| avstem_core::Error::Io(e.to_string()))
    })
    .expect("export");
    assert!(!stale.exists(), "the stale temporary is removed");
    assert!(recent.exists(), "a running export's temporary is kept");
    assert_eq!(std::fs::read(&out).expect("read"), b"a;b\n");
}

/// Two payouts on one ledger date: the month screen gets both, each with its own pspReference
/// from Rust (the window no longer rebuilds one from a label, which broke here), and the date's
/// state is decided in Rust too (issue 11).
#[test]
fn two_payouts_on_one_date_each_link_to_their_own_payout() {
    let (ledger, funds, fees) = documented_example().expect("fixture");
    let day = d("2022-10-01");
    let mut two = funds.clone();
    let last = two.last().expect("payout").clone();
    let capture = Entry {
        seq: last.seq + 1,
        psp_reference: "3399999999".into(),
        entry_type: EntryType::Capture,
        reference: "order-late".into(),
        amount: 5000,
        balance_before: 0,
        balance_after: 5000,
        time: last.time + Duration::minutes(5),
        ..last.clone()
    };
    let payout = Entry {
        seq: last.seq + 2,
        psp_reference: "12345-2000024".into(),
        entry_type: EntryType::PayoutScheduled,
        reference: "payout-2000024".into(),
        amount: -5000,
        balance_before: 5000,
        balance_after: 0,
        time: last.time + Duration::minutes(9),
        ..last.clone()
    };
    two.extend([capture, payout]);
    let (_dir, store) = cache_with(
        &ledger,
        &|x| if x == day { two.clone() } else { vec![] },
        &|x| if x == day { fees.clone() } else { vec![] },
        d("2022-09-20"),
        d("2022-10-31"),
    );
    let month = YearMonth::parse("2022-10").expect("month");
    let view =
        month::views::month_view(&store, "12345", month, &Clock::at_noon(d("2022-10-20"))).expect("view");
    let first = view.days.iter().find(|x| x.date == day).expect("the 1st");
    let links: Vec<(&str, &str)> = first
        .payouts
        .iter()
        .map(|p| (p.label.as_str(), p.psp_reference.as_str()))
        .collect();
    assert_eq!(
        links,
        [("#2000023", "12345-2000023"), ("#2000024", "12345-2000024")]
    );
    assert_eq!(first.state, month::views::DayState::Paid);
    let late = view
        .days
        .iter()
        .find(|x| x.date == d("2022-10-21"))
        .expect("the 21st");
    assert_eq!(
        late.state,
        month::views::DayState::Upcoming,
        "after the ledger's today"
    );
    let mid = view
        .days
        .iter()
        .find(|x| x.date == d("2022-10-02"))
        .expect("the 2nd");
    assert_eq!(
        mid.state,
        month::views::DayState::Carried,
        "closed, no payout yet"
    );
}

/// A statement imported for the month: the Bank sheet shows each payout's bank date, text and state,
/// the deposit no payout explains, and the check fails on Checks, on the Summary and in the
/// export's summary when a payout is missing from the bank.
#[test]
fn the_bank_sheet_shows_each_payout_against_the_imported_statement() {
    use avstem_core::bank::import::{import_bytes, ImportOptions};
    use avstem_core::bank::status::month_status;
    use avstem_core::sim::data::World;
    use avstem_core::sim::statement::{lines_for_payouts, write_camt053, CamtVersion, StatementFaults};
    let world = World::new(7, d("2025-06-01"));
    let month = YearMonth::parse("2025-03").expect("month");
    let ledger = world.ledger("302321").expect("ledger");
    let (from, to) = needed_range(month);
    let (dir, mut store) = cache_with(
        &ledger,
        &|date| world.entries("302321", Topic::Funds, date),
        &|date| world.entries("302321", Topic::Fees, date),
        from,
        to,
    );
    let today = opts().clock.today_for(&ledger);
    // What the bank should show for each payout, from the status before any statement.
    let before = month_status(&store, &ledger, month, today).expect("status");
    let payouts: Vec<_> = store
        .payouts_for_bank("302321", from, to)
        .expect("payouts")
        .into_iter()
        .map(|p| {
            let e = before
                .payouts
                .iter()
                .find(|b| b.payout_number == p.payout_number)
                .map(|b| avstem_core::bank::predict::ExpectedBankLine {
                    amount: b.amount,
                    date: b.expected_date,
                    text: b.expected_text.clone(),
                })
                .unwrap_or_else(|| {
                    avstem_core::bank::predict::expected_bank_line(
                        ledger.country(),
                        &p,
                        123455,
                        avstem_core::bank::predict::MOBILEPAY_TEXT_FORMAT,
                    )
                });
            (p, e)
        })
        .collect();
    let missing = before.payouts[9].payout_number;
    let mut lines = lines_for_payouts(
        &payouts,
        &StatementFaults {
            missing: vec![missing],
            foreign_lines: 5,
            bank_text_format: None,
            ..StatementFaults::default()
        },
    );
    lines.push(avstem_core::bank::StatementLine {
        booking_date: d("2025-03-20"),
        value_date: None,
        amount: 4242,
        currency: "NOK".into(),
        text: "Vipps MobilePay AS".into(),
        counterparty: None,
        bank_reference: Some("EXTRA".into()),
    });
    let iban = avstem_core::bank::account::norwegian_iban("15039912345").expect("iban");
    let xml = write_camt053(CamtVersion::V08, &iban, "NOK", from, 0, &lines);
    import_bytes(
        &mut store,
        std::slice::from_ref(&ledger),
        "mars.xml",
        xml.as_bytes(),
        &ImportOptions::default(),
    )
    .expect("import");

    let out = dir.path().join("302321-2025-03.xlsx");
    let summary = write_xlsx(&store, "302321", month, &opts(), &out).expect("export");
    assert_eq!(summary.failed_checks, ["Every payout reached the bank"]);
    let (_, report) = month::reconcile_cached(&store, "302321", month).expect("reconcile");
    assert_workbook_matches(&out, &report, None);

    let mut b = Book::open(&out);
    let bank = b.sheet("Bank");
    let status = month_status(&store, &ledger, month, today).expect("status");
    assert_eq!(status.payouts.len(), report.payouts.len());
    for (i, p) in status.payouts.iter().enumerate() {
        let row = 1 + i as u32;
        assert_eq!(text(&bank, row, 8), p.state.describe(), "{}", p.label);
        assert_eq!(
            serial(cell(&bank, row, 5)),
            p.bank_date.map(excel_serial),
            "{}",
            p.label
        );
        if p.payout_number != missing {
            assert_eq!(text(&bank, row, 7), p.expected_text, "the bank text as booked");
            assert_eq!(num(&bank, row, 6), p.amount);
        }
    }
    assert_eq!(text(&bank, 10, 8), "late: not found in the bank");
    let n = report.payouts.len() as u32;
    assert_eq!(
        text(&bank, n + 2, 0),
        "Deposits that look like Vipps MobilePay but match no payout"
    );
    assert_eq!(
        (text(&bank, n + 3, 0), num(&bank, n + 3, 6)),
        (format!("line {}", status.unexplained[0].id), 4242)
    );

    let checks = b.sheet("Checks");
    let row = 1 + report.checks.len() as u32;
    assert_eq!(text(&checks, row, 1), "FAIL");
    assert_eq!(num(&checks, row, 3), 100, "one problem (num reads a number ×100)");
    let problem = find_row(&checks, 0, "Every payout reached the bank");
    assert_eq!(problem, row);
    let sum = b.sheet("Summary");
    assert_eq!(
        text(&sum, 8, 1),
        "FAIL — 1 of 9 checks failed: Every payout reached the bank (see the Checks sheet)"
    );
}
