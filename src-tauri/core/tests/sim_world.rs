//! The simulator's data as property tests over many seeds: balances chain, payouts cover their dates,
//! fees match captures, net and gross settlement behave, and the documented example day is exact.

use avstem_core::model::{Entry, EntryType, Topic};
use avstem_core::sim::data::{PayoutFrequency, Settlement, World, BULK_LEDGER_ID, DATA_START};
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::Value;
use std::collections::HashMap;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

const TODAY: &str = "2026-11-25";

/// What the checks saw, summed over ledgers and seeds, so the test can insist the interesting cases occurred.
#[derive(Default, Debug)]
struct Seen {
    dates: u64,
    payouts: u64,
    captures: u64,
    fees_lag: [u64; 3],
    refunds: u64,
    top_ups: u64,
    corrections: u64,
    unknown: u64,
    negative_closings: u64,
    invoices: u64,
    service_fees: u64,
    gdpr_names: u64,
}

fn check_ledger(world: &World, ledger_id: &str, from: NaiveDate, to: NaiveDate, seen: &mut Seen) {
    let profile = world.ledger_profile(ledger_id).expect("profile");
    let ledger = world.ledger(ledger_id).expect("ledger");
    let bank_number = ledger.settles_for_recipient_handles[0]
        .split(':')
        .nth(1)
        .expect("handle number")
        .to_string();
    let (mut funds_balance, mut fees_balance) = world.opening_balances(ledger_id, from);
    // Funds covered by the next payout: everything since the last payout, including what was carried in.
    let mut covered = funds_balance;
    let mut last_payout_number: Option<u64> = None;
    let mut captures: HashMap<String, (NaiveDate, String, Option<String>)> = HashMap::new();
    let lookback = from - Duration::days(2);
    for date in lookback.iter_days().take_while(|x| *x < from) {
        for e in world.entries(ledger_id, Topic::Funds, date) {
            if e.entry_type == EntryType::Capture {
                captures.insert(
                    e.psp_reference.clone(),
                    (date, e.reference.clone(), e.recipient_handle.clone()),
                );
            }
        }
    }

    for date in from.iter_days().take_while(|x| *x <= to) {
        seen.dates += 1;
        // Both topics from one generation (GDPR fields included), as the server caches them.
        let day = world.day(ledger_id, date);
        let (funds, fees) = (day.funds, day.fees);
        for (topic, entries, balance) in [
            (Topic::Funds, &funds, &mut funds_balance),
            (Topic::Fees, &fees, &mut fees_balance),
        ] {
            for (i, e) in entries.iter().enumerate() {
                assert_eq!(e.seq as usize, i, "{ledger_id} {topic} {date}: seq");
                assert_eq!(
                    (e.ledger_id.as_str(), e.topic, e.ledger_date),
                    (ledger_id, topic, date)
                );
                assert_eq!(e.currency, ledger.currency);
                assert_eq!(
                    e.balance_after,
                    e.balance_before + e.amount,
                    "{ledger_id} {topic} {date} #{i}"
                );
                assert_eq!(
                    e.balance_before, *balance,
                    "{ledger_id} {topic} {date} #{i}: chain"
                );
                *balance = e.balance_after;
            }
        }

        // Funds: payouts, coverage, the odd entry types.
        for (i, e) in funds.iter().enumerate() {
            match &e.entry_type {
                EntryType::Capture => {
                    seen.captures += 1;
                    assert!(e.amount > 0);
                    captures.insert(
                        e.psp_reference.clone(),
                        (date, e.reference.clone(), e.recipient_handle.clone()),
                    );
                    let vippsnummer = e
                        .recipient_handle
                        .as_deref()
                        .is_some_and(|h| !h.starts_with("api:"));
                    assert_eq!(
                        e.name.is_some(),
                        vippsnummer,
                        "names only on Vippsnummer payments"
                    );
                    assert_eq!(e.masked_phone_no.is_some(), vippsnummer);
                    seen.gdpr_names += u64::from(e.name.is_some());
                }
                EntryType::Refund => {
                    seen.refunds += 1;
                    assert!(e.amount < 0);
                    assert!(e.name.is_none());
                }
                EntryType::TopUp => {
                    seen.top_ups += 1;
                    assert_eq!(
                        e.balance_after, 0,
                        "a top-up brings a negative balance back to zero"
                    );
                    assert!(e.amount > 0);
                }
                EntryType::Correction => seen.corrections += 1,
                EntryType::Other(name) => {
                    assert_eq!(name, "loyalty-adjustment");
                    seen.unknown += 1;
                }
                EntryType::PayoutScheduled => {
                    seen.payouts += 1;
                    assert_eq!(
                        i,
                        funds.len() - 1,
                        "{ledger_id} {date}: the payout is the last entry"
                    );
                    assert_eq!(e.balance_after, 0);
                    assert_eq!(
                        e.amount, -covered,
                        "{ledger_id} {date}: the payout covers the funds since the last one"
                    );
                    assert!(profile.payout.is_paying_date(date), "{ledger_id} pays on {date}");
                    let number: u64 = e
                        .psp_reference
                        .strip_prefix(&format!("{ledger_id}-"))
                        .expect("psp")
                        .parse()
                        .expect("n");
                    assert!(number >= 2_000_001);
                    if let Some(last) = last_payout_number {
                        assert_eq!(
                            number,
                            last + 1,
                            "{ledger_id} {date}: payout numbers run upward by one"
                        );
                    }
                    last_payout_number = Some(number);
                    // report-api.md §6: Norway's reference is not the bank text; MobilePay's is the
                    // 02… text, empty on the monthly ledgers.
                    let expected_reference = match ledger.currency.as_str() {
                        "NOK" => format!("Vipps utbet. {number} Vippsnr {bank_number}"),
                        _ if profile.payout == avstem_core::sim::data::PayoutFrequency::Monthly => {
                            String::new()
                        }
                        _ => avstem_core::bank::predict::format_text(
                            avstem_core::bank::predict::MOBILEPAY_TEXT_FORMAT,
                            bank_number.parse().expect("number"),
                            number,
                            date,
                        ),
                    };
                    assert_eq!(e.reference, expected_reference, "{ledger_id} {date}");
                    if ledger.currency != "NOK" && !e.reference.is_empty() {
                        assert_eq!(e.reference.len(), 20, "02 + 8 + 001 + DDMMYY + check digit");
                        assert!(e.reference.starts_with("02"));
                    }
                    assert_eq!(e.recipient_handle, None);
                    covered = 0;
                    continue;
                }
                EntryType::FeesRetained => {
                    assert_eq!(
                        profile.settlement,
                        Settlement::Net,
                        "fees-retained only on net ledgers"
                    );
                    assert!(e.amount < 0);
                    assert_eq!(e.reference, "");
                }
                other => panic!("{ledger_id} {date}: unexpected funds entry type {other}"),
            }
            covered += e.amount;
        }
        if profile.payout.is_paying_date(date)
            && !funds.iter().any(|e| e.entry_type == EntryType::PayoutScheduled)
        {
            assert!(
                funds_balance <= 0,
                "{ledger_id} {date}: a paying date with a positive balance pays out"
            );
        }
        if funds_balance < 0 {
            seen.negative_closings += 1;
        }

        // Fees: every capture-fee has its capture, 0–2 dates earlier.
        for e in &fees {
            match e.entry_type {
                EntryType::CaptureFee => {
                    assert!(e.amount < 0);
                    let (capture_date, reference, handle) =
                        captures.get(&e.psp_reference).unwrap_or_else(|| {
                            panic!("{ledger_id} {date}: fee {} has no capture", e.psp_reference)
                        });
                    assert_eq!(&e.reference, reference);
                    assert_eq!(&e.recipient_handle, handle);
                    let lag = (date - *capture_date).num_days();
                    assert!((0..=2).contains(&lag), "fee lag {lag}");
                    seen.fees_lag[lag as usize] += 1;
                }
                EntryType::FeesRetained => assert!(e.amount > 0),
                EntryType::ServiceFee => {
                    // The monthly subscription: on the 1st, tied to no capture.
                    assert_eq!((date.day(), e.amount), (1, -2_900));
                    assert!(!captures.contains_key(&e.psp_reference));
                    seen.service_fees += 1;
                }
                EntryType::FeesInvoiced => {
                    assert_eq!(profile.settlement, Settlement::Gross);
                    assert_eq!(
                        (date + Duration::days(1)).day(),
                        1,
                        "invoiced on the last date of the month"
                    );
                    seen.invoices += 1;
                }
                ref other => panic!("{ledger_id} {date}: unexpected fees entry type {other}"),
            }
        }
        let retained = |entries: &[Entry]| -> i64 {
            entries
                .iter()
                .filter(|e| e.entry_type == EntryType::FeesRetained)
                .map(|e| e.amount)
                .sum()
        };
        match profile.settlement {
            Settlement::Net => {
                assert_eq!(
                    retained(&funds),
                    -retained(&fees),
                    "{ledger_id} {date}: fees-retained mirror"
                );
                assert_eq!(fees_balance, 0, "{ledger_id} {date}: net fees close at zero");
                let landed: i64 = fees
                    .iter()
                    .filter(|e| matches!(e.entry_type, EntryType::CaptureFee | EntryType::ServiceFee))
                    .map(|e| e.amount)
                    .sum();
                assert_eq!(retained(&fees), -landed, "capture and service fees are retained");
                if let (Some(a), Some(b)) = (
                    funds.iter().find(|e| e.entry_type == EntryType::FeesRetained),
                    fees.iter().find(|e| e.entry_type == EntryType::FeesRetained),
                ) {
                    assert_eq!(a.time, b.time, "same moment on both topics");
                }
            }
            Settlement::Gross => {
                if (date + Duration::days(1)).day() == 1 {
                    assert_eq!(
                        fees_balance, 0,
                        "{ledger_id} {date}: the invoice brings fees back to zero"
                    );
                } else {
                    assert!(fees_balance <= 0);
                }
            }
        }
        // Entries of a date are in time order, settlement at the end.
        assert!(funds.windows(2).all(|w| w[0].time <= w[1].time));
        assert!(fees.windows(2).all(|w| w[0].time <= w[1].time));
    }
}

#[test]
fn every_ledger_keeps_its_books_over_many_seeds() {
    let mut seen = Seen::default();
    let today = d(TODAY);
    for seed in 0..50u64 {
        let world = World::new(seed, today);
        // Spread the windows over the years; the first seeds cover each ledger's first months.
        let offset = if seed < 4 { 0 } else { (seed * 97) % 1700 };
        let from = DATA_START + Duration::days(offset as i64);
        for ledger in world.ledgers() {
            let profile = world.ledger_profile(&ledger.ledger_id).expect("profile");
            if profile.is_doc_example || profile.is_bulk {
                continue;
            }
            let from = from.max(profile.first_date);
            let days = if seed < 4 { 200 } else { 30 };
            check_ledger(
                &world,
                &ledger.ledger_id,
                from,
                from + Duration::days(days),
                &mut seen,
            );
        }
    }
    println!("{seen:?}");
    assert!(seen.payouts > 2_000, "{seen:?}");
    assert!(
        seen.fees_lag.iter().all(|&n| n > 100),
        "fees land 0, 1 and 2 dates late: {:?}",
        seen.fees_lag
    );
    assert!(seen.top_ups >= 5 && seen.negative_closings >= 40, "{seen:?}");
    assert!(
        seen.corrections >= 20 && seen.unknown >= 20 && seen.invoices >= 20 && seen.service_fees >= 10,
        "{seen:?}"
    );
    assert!(seen.refunds > 1_000 && seen.gdpr_names > 1_000, "{seen:?}");
}

#[test]
fn weekly_and_monthly_ledgers_pay_on_monday_and_the_first() {
    let world = World::new(3, d(TODAY));
    let payout_dates = |id: &str| -> Vec<NaiveDate> {
        YearDates(d("2024-01-01"), d("2024-04-30"))
            .filter(|date| {
                world
                    .entries(id, Topic::Funds, *date)
                    .iter()
                    .any(|e| e.entry_type == EntryType::PayoutScheduled)
            })
            .collect()
    };
    let weekly = payout_dates("402001");
    assert_eq!(weekly.len(), 18);
    assert!(weekly.iter().all(|x| x.weekday() == chrono::Weekday::Mon));
    let monthly = payout_dates("502001");
    assert_eq!(
        monthly,
        [d("2024-01-01"), d("2024-02-01"), d("2024-03-01"), d("2024-04-01")]
    );
    assert_eq!(
        world.ledger_profile("302322").map(|p| (p.payout, p.settlement)),
        Some((PayoutFrequency::Weekly, Settlement::Gross))
    );
}

struct YearDates(NaiveDate, NaiveDate);
impl Iterator for YearDates {
    type Item = NaiveDate;
    fn next(&mut self) -> Option<NaiveDate> {
        (self.0 <= self.1).then(|| {
            let x = self.0;
            self.0 = x + Duration::days(1);
            x
        })
    }
}

#[test]
fn the_documented_example_day_equals_the_fixture_field_by_field() {
    let world = World::new(42, d(TODAY));
    for topic in [Topic::Funds, Topic::Fees] {
        let path = format!(
            "{}/tests/fixtures/doc-example-2022-10-01/{topic}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let fixture: Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
        let items = fixture["items"].as_array().expect("items");
        let entries = world.entries("12345", topic, d("2022-10-01"));
        assert_eq!(entries.len(), items.len());
        for (e, f) in entries.iter().zip(items) {
            assert_eq!(f["pspReference"], e.psp_reference.as_str());
            assert_eq!(f["time"], world.format_time("12345", e.time).as_str());
            let fixture_time =
                chrono::DateTime::parse_from_str(f["time"].as_str().expect("time"), "%Y-%m-%dT%H:%M:%S%.f%z")
                    .expect("fixture time");
            assert_eq!(fixture_time, e.time);
            assert_eq!(f["ledgerDate"], "2022-10-01");
            assert_eq!(f["entryType"], e.entry_type.as_str());
            assert_eq!(f["reference"], e.reference.as_str());
            assert_eq!(f["currency"], e.currency.as_str());
            assert_eq!(f["amount"], e.amount);
            assert_eq!(f["balanceBefore"], e.balance_before);
            assert_eq!(f["balanceAfter"], e.balance_after);
            assert_eq!(f["recipientHandle"].as_str(), e.recipient_handle.as_deref());
        }
    }
    let funds = world.entries("12345", Topic::Funds, d("2022-10-01"));
    let sales: i64 = funds
        .iter()
        .filter(|e| e.entry_type == EntryType::Capture)
        .map(|e| e.amount)
        .sum();
    assert_eq!(sales, 40_000);
    assert_eq!(
        funds.last().map(|e| (e.amount, e.psp_reference.as_str())),
        Some((-28_800, "12345-2000023"))
    );
    assert!(world.entries("12345", Topic::Funds, d("2022-10-02")).is_empty());
}

#[test]
fn the_bulk_ledger_serves_its_volume_without_carrying_balances() {
    let world = World::with_bulk(5, d(TODAY), 5_000);
    assert!(world.ledger_profile(BULK_LEDGER_ID).is_some_and(|p| p.is_bulk));
    let mut seen = Seen::default();
    check_ledger(
        &world,
        BULK_LEDGER_ID,
        d("2026-03-30"),
        d("2026-04-02"),
        &mut seen,
    );
    assert_eq!(seen.payouts, 4);
    for date in ["2026-03-30", "2026-04-02"] {
        let funds = world.entries(BULK_LEDGER_ID, Topic::Funds, d(date));
        assert_eq!(funds.len(), 5_000);
        let refunds = funds.iter().filter(|e| e.entry_type == EntryType::Refund).count();
        assert_eq!(refunds, 4_998 / 51);
    }
    // Payout numbers follow from the date alone: one payout per date since the ledger began.
    let last = world.entries(BULK_LEDGER_ID, Topic::Funds, d("2022-01-03"));
    assert_eq!(
        last.last().map(|e| e.psp_reference.as_str()),
        Some("900001-2000003")
    );
}

#[test]
fn a_later_date_does_not_need_the_earlier_entries_in_memory() {
    // Opening balances come from a small table of closing sums; asking for a 2026 date of a
    // monthly ledger must be quick and equal the chained value.
    let world = World::new(11, d(TODAY));
    let started = std::time::Instant::now();
    let (funds, fees) = world.opening_balances("402002", d("2026-06-15"));
    let first = world.entries("402002", Topic::Funds, d("2026-06-15"));
    assert_eq!(first.first().map(|e| e.balance_before), Some(funds));
    let first_fee = world.entries("402002", Topic::Fees, d("2026-06-15"));
    assert_eq!(first_fee.first().map(|e| e.balance_before), Some(fees));
    assert!(fees < 0, "gross fees accumulate within the month: {fees}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}
