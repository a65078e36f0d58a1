//! MobilePay (Denmark, Finland) payouts in the bank (report-api.md §6): the payout's own `reference`
//! is the expected text when it has one; when it is empty the ledger's configurable `02…` format
//! applies, saved in a real SQLite cache. A bank that writes another format is matched only by amount
//! and date until the user saves that format; then by its text, with high confidence.

use avstem_core::bank::calendar::BankCountry;
use avstem_core::bank::import::{import_bytes, ImportOptions};
use avstem_core::bank::matching::{BankState, Confidence};
use avstem_core::bank::predict::{format_text, MOBILEPAY_TEXT_FORMAT};
use avstem_core::bank::status::{expected_lines, month_status_cached};
use avstem_core::clock::Clock;
use avstem_core::model::{EntryType, Topic, YearMonth};
use avstem_core::sim::data::World;
use avstem_core::sim::statement::{month_statement, StatementFaults, StatementFormat};
use avstem_core::store::{DateState, DateWrite, Store};
use chrono::NaiveDate;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

/// The bank's own text for payouts without a reference, unlike MobilePay's default.
/// It does not name the payout number, so only the whole text can tie a line to the payout.
const BANK_FORMAT: &str = "MobilePay {recipient} {DD}.{MM}.{YYYY}";

/// A cache holding 2025-02-20..2025-04-10 of `ledger_id` from the simulator's world.
fn store_with(ledger_id: &str) -> (tempfile::TempDir, Store, World) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("cache.sqlite")).expect("store");
    let world = World::new(7, d("2025-06-01"));
    let ledger = world.ledger(ledger_id).expect("ledger");
    store
        .upsert_ledgers("demo", std::slice::from_ref(&ledger))
        .expect("ledgers");
    for date in d("2025-02-20").iter_days().take_while(|x| *x <= d("2025-04-10")) {
        for topic in Topic::ALL {
            let entries = world.entries(ledger_id, topic, date);
            store
                .store_date_write(&DateWrite {
                    ledger_id,
                    topic,
                    date,
                    entries: &entries,
                    state: DateState::Complete,
                    error: None,
                    with_gdpr: false,
                })
                .expect("date");
        }
    }
    (dir, store, world)
}

fn import_month(store: &mut Store, ledger_id: &str, bank_format: Option<&str>) {
    let ledger = avstem_core::month::cached_ledger(store, ledger_id).expect("ledger");
    let faults = StatementFaults {
        bank_text_format: bank_format.map(str::to_string),
        ..StatementFaults::default()
    };
    let month = YearMonth::parse("2025-03").expect("month");
    let xml = month_statement(store, &ledger, month, StatementFormat::Camt08, &faults).expect("camt");
    let report = import_bytes(
        store,
        std::slice::from_ref(&ledger),
        "statement.xml",
        xml.as_bytes(),
        &ImportOptions::default(),
    )
    .expect("import");
    assert!(report.added > 0, "{report:?}");
}

#[test]
fn a_payout_without_a_reference_is_matched_by_text_once_its_banks_format_is_saved() {
    // 502001 (Sauna Oy, EUR, Finland) pays monthly: its payout references are empty.
    let (_dir, mut store, _) = store_with("502001");
    import_month(&mut store, "502001", Some(BANK_FORMAT));
    let clock = Clock::at_noon(d("2025-04-20"));
    let month = YearMonth::parse("2025-03").expect("month");

    let before = month_status_cached(&store, "502001", month, &clock).expect("status");
    assert_eq!(before.payouts.len(), 1, "the payout of 1 March");
    let p = &before.payouts[0];
    assert_eq!(p.ledger_date, d("2025-03-01"));
    assert_eq!(p.expected_date, d("2025-03-03"), "Saturday + 1 bank day = Monday");
    assert_eq!(p.expected_text.len(), 20, "the 02… default: {}", p.expected_text);
    assert!(
        p.expected_text.starts_with("0200070123001010325"),
        "{}",
        p.expected_text
    );
    assert_eq!(p.state, BankState::InTheBank);
    assert_ne!(p.confidence, Some(Confidence::High), "{}", p.reason);
    assert!(p.reason.contains("same amount"), "{}", p.reason);

    store
        .set_bank_text_format("502001", Some(BANK_FORMAT))
        .expect("save");
    assert_eq!(
        store.bank_text_format("502001").expect("read").as_deref(),
        Some(BANK_FORMAT)
    );
    let after = month_status_cached(&store, "502001", month, &clock).expect("status");
    let p = &after.payouts[0];
    let text = "MobilePay 70123 01.03.2025".to_string();
    assert_eq!(p.expected_text, text);
    assert_eq!(p.state, BankState::InTheBank);
    assert_eq!(p.confidence, Some(Confidence::High), "{}", p.reason);
    assert!(p.reason.contains(&text), "{}", p.reason);
    assert_eq!(p.lines.len(), 1);
    assert_eq!(p.lines[0].amount, p.amount);
    assert_eq!(p.lines[0].text, text);

    store.set_bank_text_format("502001", None).expect("reset");
    assert_eq!(store.bank_text_format("502001").expect("read"), None);
    let bad = store.set_bank_text_format("502001", Some("MP {order}"));
    let msg = bad.expect_err("an unknown placeholder").to_string();
    assert!(msg.contains("{order}"), "{msg}");
    assert_eq!(
        store.bank_text_format("502001").expect("read"),
        None,
        "nothing saved"
    );
}

#[test]
fn a_payout_with_a_reference_expects_the_reference_whatever_the_format() {
    // 402001 (Hygge Bageri, DKK, Denmark) pays weekly: its payouts carry the 02… text.
    let (_dir, mut store, world) = store_with("402001");
    let ledger = world.ledger("402001").expect("ledger");
    assert_eq!(ledger.country(), BankCountry::Dk);
    store
        .set_bank_text_format("402001", Some(BANK_FORMAT))
        .expect("save");
    let lines = expected_lines(&store, &ledger, d("2025-03-01"), d("2025-03-31")).expect("lines");
    assert_eq!(lines.len(), 5, "the Mondays of March 2025");
    for (p, e) in &lines {
        let entry = world
            .entries("402001", Topic::Funds, p.ledger_date)
            .into_iter()
            .find(|e| e.entry_type == EntryType::PayoutScheduled)
            .expect("payout entry");
        assert_eq!(e.text, entry.reference, "the payout's own reference");
        let recipient = avstem_core::bank::status::ledger_recipient(&ledger);
        assert_eq!(
            e.text,
            format_text(MOBILEPAY_TEXT_FORMAT, recipient, p.payout_number, p.ledger_date)
        );
    }
    import_month(&mut store, "402001", None);
    let clock = Clock::at_noon(d("2025-04-20"));
    let month = YearMonth::parse("2025-03").expect("month");
    let status = month_status_cached(&store, "402001", month, &clock).expect("status");
    assert_eq!(status.payouts.len(), 5);
    for p in &status.payouts {
        assert_eq!(p.state, BankState::InTheBank, "{}", p.reason);
        assert_eq!(p.confidence, Some(Confidence::High), "{}", p.reason);
        assert!(p.reason.contains("the bank text 02"), "{}", p.reason);
    }
    assert!(status.all_due_in_bank);
}
