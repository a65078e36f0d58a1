//! Importing bank statements into a real SQLite cache file: bad input gets one sentence and leaves the
//! cache exactly as it was (row counts of every bank table before and after), the same file twice adds
//! nothing, a 20 MB statement goes in whole or not at all, and a library's published camt.053 samples
//! read with their figures. Every camt.053 fixture and every simulator-written file validates against
//! the vendored ISO 20022 XSDs with `xmllint --schema` (skipped only when xmllint is missing and
//! `AVSTEM_REQUIRE_XMLLINT` is not set; CI sets it).
//!
//! Formats: ISO 20022 camt.053 BankToCustomerStatement V02 and V08 (schemas from iso20022.org,
//! vendored in tests/fixtures/camt053, see NOTICE.md there); the Norwegian online-bank CSV export
//! (`Dato;Forklaring;Rentedato;Ut fra konto;Inn på konto`, as DNB and SpareBank 1 write it).

use avstem_core::bank::account::norwegian_iban;
use avstem_core::bank::calendar::BankCountry;
use avstem_core::bank::import::{import_bytes, import_paths, ImportOptions, MAX_STATEMENT_BYTES};
use avstem_core::bank::predict::{
    expected_bank_line, ExpectedBankLine, PayoutForBank, MOBILEPAY_TEXT_FORMAT,
};
use avstem_core::bank::StatementLine;
use avstem_core::model::{Ledger, SchemeId};
use avstem_core::sim::statement::{
    lines_for_payouts, write_camt053, write_csv_no, CamtVersion, StatementFaults,
};
use avstem_core::store::Store;
use chrono::{Duration, NaiveDate};
use std::path::{Path, PathBuf};

const ACCOUNT: &str = "15039912345";

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn ledger(id: &str, account: &str) -> Ledger {
    Ledger {
        ledger_id: id.into(),
        currency: "NOK".into(),
        payout_bank_account: SchemeId {
            scheme: "BBAN:NO".into(),
            id: account.into(),
        },
        owner: SchemeId::default(),
        settles_for_recipient_handles: vec!["NO:123455".into()],
        sales_units: vec![],
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/camt053")
}

/// October 2026's daily payouts of ledger 302321 and their expected bank lines.
fn payouts(n: u64) -> Vec<(PayoutForBank, ExpectedBankLine)> {
    (0..n)
        .map(|i| {
            let p = PayoutForBank {
                ledger_id: "302321".into(),
                payout_number: 2000800 + i,
                ledger_date: d("2026-10-01") + Duration::days(i as i64),
                amount: 100_000 + 1_234 * i as i64,
                currency: "NOK".into(),
                reference: String::new(),
            };
            let e = expected_bank_line(BankCountry::No, &p, 123455, MOBILEPAY_TEXT_FORMAT);
            (p, e)
        })
        .collect()
}

fn month_lines() -> Vec<StatementLine> {
    let faults = StatementFaults {
        late_days: vec![(2000803, 2)],
        missing: vec![2000805],
        split: vec![2000807],
        foreign_lines: 12,
        bank_text_format: None,
    };
    lines_for_payouts(&payouts(28), &faults)
}

fn camt(version: CamtVersion, lines: &[StatementLine]) -> String {
    let iban = norwegian_iban(ACCOUNT).expect("iban");
    write_camt053(version, &iban, "NOK", d("2026-10-01"), 0, lines)
}

/// A real cache file, opened afresh as the app and the CLI do.
struct Cache {
    _dir: tempfile::TempDir,
    path: PathBuf,
    files: PathBuf,
}

impl Cache {
    fn new() -> Cache {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("data").join("cache.sqlite");
        let files = dir.path().join("files");
        std::fs::create_dir_all(&files).expect("files dir");
        let store = Store::open(&path).expect("store");
        drop(store);
        Cache {
            _dir: dir,
            path,
            files,
        }
    }

    fn store(&self) -> Store {
        Store::open(&self.path).expect("store")
    }

    /// Row counts of every bank table, read with plain SQLite from the file (not through `Store`,
    /// so the check does not rely on the code under test).
    #[allow(clippy::disallowed_methods)]
    fn counts(&self) -> [(&'static str, i64); 4] {
        let conn = rusqlite::Connection::open(&self.path).expect("sqlite");
        let n = |t: &str| -> i64 {
            conn.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0))
                .expect("count")
        };
        [
            ("bank_imports", n("bank_imports")),
            ("bank_lines", n("bank_lines")),
            ("bank_manual", n("bank_manual")),
            ("bank_csv_mappings", n("bank_csv_mappings")),
        ]
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.files.join(name);
        std::fs::write(&p, bytes).expect("write file");
        p
    }

    /// Import one file as the window and the CLI do; the sentence when it is refused.
    fn import(&self, ledgers: &[Ledger], path: &Path) -> Result<(u64, u64), String> {
        let mut store = self.store();
        let report = import_paths(
            &mut store,
            ledgers,
            &[path.to_path_buf()],
            &ImportOptions::default(),
        );
        assert_eq!(report.files.len(), 1);
        let f = &report.files[0];
        match (&f.imported, &f.error) {
            (Some(i), None) => Ok((i.lines, i.added)),
            (None, Some(e)) => {
                assert_eq!(report.failed, 1);
                Err(e.clone())
            }
            other => panic!("one of imported or error: {other:?}"),
        }
    }

    /// The file is refused with a sentence containing `expect`, and the cache is unchanged.
    fn refused(&self, ledgers: &[Ledger], path: &Path, expect: &str) -> String {
        let before = self.counts();
        let e = self.import(ledgers, path).expect_err("the file must be refused");
        assert!(e.contains(expect), "sentence {e:?} should contain {expect:?}");
        assert!(!e.contains('\n'), "one sentence, one line: {e:?}");
        assert!(!e.contains("panicked"), "{e}");
        assert_eq!(
            self.counts(),
            before,
            "nothing half-imported from {}",
            path.display()
        );
        e
    }
}

/// xmllint against the vendored XSD; `None` when xmllint is missing and not required.
fn xmllint(file: &Path, xsd: &str) -> Option<Result<(), String>> {
    let schema = fixtures().join(xsd);
    match std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(file)
        .output()
    {
        Ok(out) if out.status.success() => Some(Ok(())),
        Ok(out) => Some(Err(String::from_utf8_lossy(&out.stderr).into_owned())),
        Err(e) => {
            assert!(
                std::env::var_os("AVSTEM_REQUIRE_XMLLINT").is_none(),
                "AVSTEM_REQUIRE_XMLLINT is set but xmllint cannot run ({e}); install libxml2-utils"
            );
            eprintln!("xmllint not found ({e}): schema validation skipped");
            None
        }
    }
}

#[test]
fn every_fixture_and_every_simulator_statement_validates_against_the_iso_schemas() {
    let cache = Cache::new();
    let mut checked = 0;
    for (file, xsd) in [
        ("camt053.v2.minimal.xml", "camt.053.001.02.xsd"),
        ("camt053.v8.xml", "camt.053.001.08.xsd"),
    ] {
        if let Some(r) = xmllint(&fixtures().join(file), xsd) {
            r.unwrap_or_else(|e| panic!("{file} does not validate: {e}"));
            checked += 1;
        }
    }
    // Every kind of file the simulator writes: both versions, every fault, an empty statement,
    // texts that need escaping, a debit opening balance.
    let mut odd = month_lines();
    odd[0].text = "Utb. <2000800> & \"Vipps\" Vippsnr 123455 — æøå".into();
    let cases: Vec<(&str, Vec<StatementLine>, i64)> = vec![
        ("month", month_lines(), 0),
        ("empty", vec![], 0),
        ("odd-text", odd, -150_000),
    ];
    for (name, lines, opening) in &cases {
        for (v, xsd) in [
            (CamtVersion::V02, "camt.053.001.02.xsd"),
            (CamtVersion::V08, "camt.053.001.08.xsd"),
        ] {
            let iban = norwegian_iban(ACCOUNT).expect("iban");
            let xml = write_camt053(v, &iban, "NOK", d("2026-10-01"), *opening, lines);
            let path = cache.write(&format!("{name}-{xsd}.xml"), xml);
            if let Some(r) = xmllint(&path, xsd) {
                r.unwrap_or_else(|e| panic!("simulator {name} {v:?} does not validate: {e}"));
                checked += 1;
            }
        }
    }
    if std::process::Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok()
    {
        assert_eq!(checked, 2 + 3 * 2, "every file was validated");
    }
}

#[test]
fn a_librarys_published_samples_read_with_their_figures() {
    // genkgo/camt's published samples (MIT; https://github.com/genkgo/camt, test/data/camt053.v2.minimal.xml
    // and test/data/camt053.v8.xml at c99e4fe), used unchanged: a Dutch account, so a ledger paying
    // into NL26VAYB8060476890 is made to receive them.
    let cache = Cache::new();
    let ledgers = [ledger("777001", "NL26VAYB8060476890")];
    let v2 = std::fs::read(fixtures().join("camt053.v2.minimal.xml")).expect("fixture");
    let mut store = cache.store();
    let done = import_bytes(
        &mut store,
        &ledgers,
        "camt053.v2.minimal.xml",
        &v2,
        &ImportOptions::default(),
    )
    .expect("the v02 sample imports");
    assert_eq!(done.format, "camt.053.001.02");
    assert_eq!(done.statements.len(), 1);
    let s = &done.statements[0];
    assert_eq!(s.account, "NL26VAYB8060476890");
    assert_eq!(s.ledger_ids, ["777001"]);
    let lines = store
        .bank_lines("VAYB8060476890", d("2000-01-01"), d("2100-01-01"))
        .expect("lines");
    assert_eq!((s.lines, s.added), (1, 1));
    // The sample's one entry: a credit of EUR 8.85 from NAME NAME, booked 2014-12-31, value 2015-01-02.
    let l = &lines[0].line;
    assert_eq!((l.amount, l.currency.as_str()), (885, "EUR"), "{l:?}");
    assert_eq!(l.booking_date, d("2014-12-31"));
    assert_eq!(l.value_date, Some(d("2015-01-02")));
    assert_eq!(l.counterparty.as_deref(), Some("NAME NAME"));
    let again = import_bytes(
        &mut store,
        &ledgers,
        "camt053.v2.minimal.xml",
        &v2,
        &ImportOptions::default(),
    )
    .expect("again");
    assert_eq!(
        (again.lines, again.added),
        (1, 0),
        "the same file twice adds nothing"
    );

    // The v08 sample: the account as <Othr><Id>, the booking date as a date-time, the bank's reference.
    let v8 = std::fs::read(fixtures().join("camt053.v8.xml")).expect("fixture");
    let done = import_bytes(
        &mut store,
        &ledgers,
        "camt053.v8.xml",
        &v8,
        &ImportOptions::default(),
    )
    .expect("the v08 sample imports");
    assert_eq!(done.format, "camt.053.001.08");
    assert_eq!(done.statements[0].account, "NL26VAYB8060476890");
    assert_eq!((done.lines, done.added), (1, 1), "{done:?}");
    let lines = store
        .bank_lines("VAYB8060476890", d("2014-12-31"), d("2014-12-31"))
        .expect("lines");
    let l = lines
        .iter()
        .map(|x| &x.line)
        .find(|l| l.bank_reference.is_some())
        .expect("the v08 line");
    assert_eq!(l.bank_reference.as_deref(), Some("AAAASESS-FP-CN_98765/01"));
    assert_eq!((l.amount, l.booking_date), (885, d("2014-12-31")));
    assert_eq!(l.value_date, Some(d("2015-01-02")));
}

#[test]
fn a_statement_imports_once_and_the_same_or_an_overlapping_file_adds_no_row() {
    let cache = Cache::new();
    let ledgers = [ledger("302321", ACCOUNT)];
    let lines = month_lines();
    // 28 payouts, one missing, one split in two, twelve foreign lines.
    assert_eq!(lines.len(), 27 + 1 + 12);
    let file = cache.write("okt.xml", camt(CamtVersion::V08, &lines));
    assert_eq!(cache.import(&ledgers, &file), Ok((40, 40)));
    let after = cache.counts();
    assert_eq!(after[1], ("bank_lines", 40));
    assert_eq!(cache.import(&ledgers, &file), Ok((40, 0)), "the same file again");
    assert_eq!(cache.counts()[1], ("bank_lines", 40), "adds 0 rows");
    // The second half of the month again, as a v02 file and as the online bank's CSV export.
    let half: Vec<StatementLine> = lines
        .iter()
        .filter(|l| l.booking_date >= d("2026-10-15"))
        .cloned()
        .collect();
    let overlap = cache.write("okt-2.xml", camt(CamtVersion::V02, &half));
    assert_eq!(cache.import(&ledgers, &overlap), Ok((half.len() as u64, 0)));
    assert_eq!(cache.counts()[1], ("bank_lines", 40));
    let amounts: i64 = lines.iter().map(|l| l.amount).sum();
    let stored: i64 = cache
        .store()
        .bank_lines(ACCOUNT, d("2026-01-01"), d("2027-12-31"))
        .expect("lines")
        .iter()
        .map(|l| l.line.amount)
        .sum();
    assert_eq!(stored, amounts, "every øre as written");
    // The online bank's CSV of the same month: its lines have no bank reference, and are the
    // same deposits and payments as the camt.053 file's (same date, amount and text).
    let csv = cache.write("okt.csv", write_csv_no(&lines));
    assert_eq!(
        cache.import(&ledgers, &csv),
        Ok((40, 0)),
        "the CSV of the same month adds nothing"
    );
    let again = cache.import(&ledgers, &csv).expect("csv again");
    assert_eq!(again, (40, 0), "the CSV twice adds nothing the second time");
    assert_eq!(cache.counts()[1], ("bank_lines", 40));

    // The other way round: the CSV first, then the camt.053 file.
    let other = Cache::new();
    let csv = other.write("okt.csv", write_csv_no(&lines));
    assert_eq!(other.import(&ledgers, &csv), Ok((40, 40)));
    let file = other.write("okt.xml", camt(CamtVersion::V08, &lines));
    assert_eq!(
        other.import(&ledgers, &file),
        Ok((40, 0)),
        "the camt.053 file after the CSV adds nothing"
    );
    assert_eq!(other.counts()[1], ("bank_lines", 40));
}

/// Two equal card payments on one day in one CSV are two lines, and both stay two when the
/// camt.053 file of the same day is imported after it.
#[test]
fn equal_lines_in_one_file_are_kept_apart() {
    let cache = Cache::new();
    let ledgers = [ledger("302321", ACCOUNT)];
    let mut lines = month_lines();
    let twin = StatementLine {
        booking_date: d("2026-10-09"),
        value_date: None,
        amount: -4_990,
        currency: "NOK".into(),
        text: "Kiwi 123 Storgata".into(),
        counterparty: None,
        bank_reference: None,
    };
    lines.push(twin.clone());
    lines.push(twin);
    let csv = cache.write("okt.csv", write_csv_no(&lines));
    assert_eq!(cache.import(&ledgers, &csv), Ok((42, 42)));
    let file = cache.write("okt.xml", camt(CamtVersion::V08, &lines));
    assert_eq!(cache.import(&ledgers, &file), Ok((42, 0)));
    let kiwi = cache
        .store()
        .bank_lines(ACCOUNT, d("2026-10-09"), d("2026-10-09"))
        .expect("lines")
        .into_iter()
        .filter(|l| l.line.text.contains("Kiwi"))
        .count();
    assert_eq!(kiwi, 2);
}

#[test]
fn bad_input_gets_one_sentence_and_leaves_the_cache_as_it_was() {
    let cache = Cache::new();
    let ledgers = [ledger("302321", ACCOUNT)];
    // Something in the cache already, so "unchanged" is not just "empty".
    let lines = month_lines();
    let good = cache.write("okt.xml", camt(CamtVersion::V08, &lines));
    assert_eq!(cache.import(&ledgers, &good), Ok((40, 40)));

    // An XML file that is not camt.053: an ISO 20022 payment order (pain.001).
    let pain = cache.write(
        "betaling.xml",
        "<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03\">\
         <CstmrCdtTrfInitn><GrpHdr><MsgId>1</MsgId></GrpHdr></CstmrCdtTrfInitn></Document>\n",
    );
    cache.refused(&ledgers, &pain, "This XML file is not a camt.053 bank statement");
    let html = cache.write("side.xml", "<html><body>Logg inn i nettbanken</body></html>");
    cache.refused(&ledgers, &html, "not a camt.053 bank statement");

    // A camt.053 file cut off half way (a download that stopped).
    let full = camt(CamtVersion::V08, &lines);
    let cut = cache.write("cut.xml", &full.as_bytes()[..full.len() / 2]);
    let e = cache.refused(&ledgers, &cut, "It may be cut off or damaged");
    assert!(e.contains("Nothing was imported"), "{e}");

    // A CSV export without any amount column.
    let csv = cache.write(
        "konto.csv",
        "Dato;Forklaring;Rentedato\n09.10.2026;Utb. 2000808 Vippsnr 123455;09.10.2026\n10.10.2026;Husleie;10.10.2026\n",
    );
    cache.refused(&ledgers, &csv, "No amount column was found in this CSV file");

    // A statement of another account (the owner's savings account).
    let other_iban = norwegian_iban("15039954321").expect("iban");
    let other = cache.write(
        "sparekonto.xml",
        write_camt053(CamtVersion::V08, &other_iban, "NOK", d("2026-10-01"), 0, &lines),
    );
    let e = cache.refused(&ledgers, &other, "which is not");
    assert!(e.contains(&other_iban), "names the file's account: {e}");
    assert!(e.contains(ACCOUNT), "names the ledger's account: {e}");

    // One unreadable amount in the last entry: the whole file is refused, not all but one line.
    let mut late = month_lines();
    for l in &mut late {
        l.booking_date += Duration::days(40);
        l.bank_reference = l.bank_reference.as_ref().map(|r| format!("{r}-nov"));
    }
    let xml = camt(CamtVersion::V08, &late);
    let at = xml.rfind("<Amt Ccy=\"NOK\">").expect("an amount") + "<Amt Ccy=\"NOK\">".len();
    let end = at + xml[at..].find('<').expect("end");
    let broken = format!("{}12,5O{}", &xml[..at], &xml[end..]);
    let file = cache.write("nov.xml", broken);
    cache.refused(&ledgers, &file, "an amount Avstem cannot read");

    // A file that does not exist, and something larger than a statement can be (sparse: no disk used).
    cache.refused(&ledgers, &cache.files.join("finnes-ikke.xml"), "cannot be opened");
    let huge = cache.files.join("huge.xml");
    std::fs::File::create(&huge)
        .and_then(|f| f.set_len(MAX_STATEMENT_BYTES + 1))
        .expect("sparse file");
    cache.refused(&ledgers, &huge, "Export a shorter period");

    assert_eq!(
        cache.counts()[1],
        ("bank_lines", 40),
        "only the good file's lines"
    );
}

#[test]
fn a_20_mb_statement_goes_in_whole_or_not_at_all() {
    let cache = Cache::new();
    let ledgers = [ledger("302321", ACCOUNT)];
    // A busy account: a year of daily payouts and tens of thousands of card purchases and transfers.
    let faults = StatementFaults {
        foreign_lines: 51_000,
        bank_text_format: None,
        ..StatementFaults::default()
    };
    let lines = lines_for_payouts(&payouts(365), &faults);
    let xml = camt(CamtVersion::V08, &lines);
    assert!(xml.len() >= 20 * 1024 * 1024, "{} bytes", xml.len());
    let n = lines.len() as u64;

    // The last entry damaged: nothing of the 51,000 lines before it goes in.
    let at = xml.rfind("<CdtDbtInd>").expect("indicator") + "<CdtDbtInd>".len();
    let broken = format!("{}BOTH{}", &xml[..at], &xml[at + 4..]);
    let bad = cache.write("aar-skadet.xml", broken);
    let before = cache.counts();
    cache.refused(&ledgers, &bad, "neither credit nor debit");
    assert_eq!(cache.counts(), before);

    let file = cache.write("aar.xml", &xml);
    if let Some(r) = xmllint(&file, "camt.053.001.08.xsd") {
        r.unwrap_or_else(|e| panic!("the 20 MB statement does not validate: {e}"));
    }
    let started = std::time::Instant::now();
    assert_eq!(cache.import(&ledgers, &file), Ok((n, n)));
    let secs = started.elapsed().as_secs_f64();
    eprintln!("20 MB statement, {n} lines: imported in {secs:.2} s");
    assert_eq!(cache.counts()[1], ("bank_lines", n as i64));
    assert_eq!(
        cache.import(&ledgers, &file),
        Ok((n, 0)),
        "a second import adds 0 rows"
    );
    assert_eq!(cache.counts()[1], ("bank_lines", n as i64));
}
