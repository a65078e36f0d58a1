//! Reconciliation over many generated ledgers: consistent data passes every check, the figures
//! equal what the generator wrote, and one altered amount trips the check that should catch it.

use avstem_core::model::{EntryType, Minor, Topic, YearMonth};
use avstem_core::reconcile::synth::{generate, Frequency, SynthConfig, SynthLedger};
use avstem_core::reconcile::{
    journal, needed_range, reconcile_month_with_states, CheckId, DateStates, DayStatus, JournalAccounts,
    MonthReport, Settlement, SyncState,
};
use chrono::{Datelike, Duration, NaiveDate};
use proptest::prelude::*;
use std::collections::HashMap;

fn config(seed: u64) -> SynthConfig {
    SynthConfig {
        seed,
        frequency: [Frequency::Daily, Frequency::Weekly, Frequency::Monthly][(seed % 3) as usize],
        gross: seed % 4 == 3,
        max_fee_lag: (seed % 5) as i64,
        refund_same_psp: seed.is_multiple_of(2),
        captures_per_day: 6,
        ..SynthConfig::default()
    }
}

fn month_of(seed: u64) -> YearMonth {
    YearMonth::new(2024, 1 + (seed % 12) as u32).expect("month")
}

fn world(cfg: &SynthConfig, month: YearMonth) -> SynthLedger {
    generate(
        cfg,
        month.first_day() - Duration::days(70),
        month.last_day() + Duration::days(20),
    )
}

fn run(s: &SynthLedger, month: YearMonth, states: &DateStates) -> MonthReport {
    let (from, to) = needed_range(month);
    reconcile_month_with_states(
        &s.ledger,
        month,
        &s.funds_between(from, to),
        &s.fees_between(from, to),
        states,
    )
}

fn synced(month: YearMonth) -> DateStates {
    let (from, to) = needed_range(month);
    DateStates::all(from, to, SyncState::Complete)
}

fn assert_matches_truth(s: &SynthLedger, month: YearMonth, r: &MonthReport) {
    let (a, b) = (month.first_day(), month.last_day());
    assert_eq!(
        r.totals.figures.sales(),
        s.sum(Topic::Funds, &EntryType::Capture, a, b)
    );
    assert_eq!(
        r.totals.figures.refunds(),
        s.sum(Topic::Funds, &EntryType::Refund, a, b)
    );
    assert_eq!(
        r.totals.figures.fees(),
        -s.sum(Topic::Fees, &EntryType::CaptureFee, a, b)
    );
    assert_eq!(
        r.totals.figures.fees_retained(),
        -s.sum(Topic::Funds, &EntryType::FeesRetained, a, b)
    );
    assert_eq!(
        r.totals.fees_invoiced,
        s.sum(Topic::Fees, &EntryType::FeesInvoiced, a, b)
    );
    assert_eq!(
        r.totals.figures.payout(),
        -s.sum(Topic::Funds, &EntryType::PayoutScheduled, a, b)
    );
    let payouts = s
        .funds_between(a, b)
        .iter()
        .filter(|e| e.entry_type == EntryType::PayoutScheduled)
        .count();
    assert_eq!(r.payouts.len(), payouts);
    // Σ daily net over a payout's run (inside the month) plus what came before = the payout.
    let captures = s
        .funds_between(a, b)
        .iter()
        .filter(|e| e.entry_type == EntryType::Capture)
        .count();
    assert_eq!(r.captures.len(), captures);
    // Fees matched by pspReference, wherever (whenever) they landed.
    let mut fee_by_psp: HashMap<String, Minor> = HashMap::new();
    for e in s
        .fees
        .values()
        .flatten()
        .filter(|e| e.entry_type == EntryType::CaptureFee)
    {
        *fee_by_psp.entry(e.psp_reference.clone()).or_default() -= e.amount;
    }
    let (_, to) = needed_range(month);
    for c in &r.captures {
        let lagged_beyond_range = s
            .fees
            .range(to + Duration::days(1)..)
            .flat_map(|(_, v)| v)
            .any(|e| e.psp_reference == c.psp_reference);
        if !lagged_beyond_range {
            assert_eq!(
                c.fees,
                fee_by_psp.get(&c.psp_reference).copied().unwrap_or(0),
                "{}",
                c.psp_reference
            );
        }
        assert_eq!(c.net, c.gross + c.refunded - c.fees);
    }
    // Every refund of the month lands on a capture or is reported as unmatched.
    let month_refunds = r.totals.figures.refunds();
    assert!(r.captures.iter().map(|c| c.refunded).sum::<Minor>() + r.unmatched_refunds <= 0);
    assert!(month_refunds <= 0);
    // Each voucher balances.
    for v in journal(r, &JournalAccounts::default()) {
        assert_eq!(v.debits(), v.credits(), "{}", v.description);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn consistent_ledgers_pass_every_check(seed in 0u64..10_000) {
        let cfg = config(seed);
        let month = month_of(seed);
        let s = world(&cfg, month);
        let r = run(&s, month, &synced(month));
        let failed: Vec<_> = r.failed_checks().map(|c| (c.id, c.problems.clone())).collect();
        prop_assert!(r.all_ok, "seed {seed}: {failed:?}");
        prop_assert_eq!(r.settlement, if cfg.gross { Settlement::Gross } else { Settlement::Net });
        assert_matches_truth(&s, month, &r);
        // Every date is paid or carried, and carried dates come only after the month's last payout.
        let last_payout = r.payouts.last().map(|p| p.date);
        for d in &r.days {
            match d.status {
                DayStatus::Paid => {}
                DayStatus::Carried => prop_assert!(last_payout.is_none_or(|p| d.date > p), "{}", d.date),
                other => prop_assert!(false, "{} {other:?}", d.date),
            }
        }
    }

    #[test]
    fn one_altered_funds_amount_breaks_the_funds_chain_and_its_payout(seed in 0u64..10_000, pick in 0usize..1000) {
        let cfg = config(seed);
        let month = month_of(seed);
        let mut s = world(&cfg, month);
        let dates: Vec<NaiveDate> = s.funds.range(month.first_day()..=month.last_day()).filter(|(_, v)| !v.is_empty()).map(|(d, _)| *d).collect();
        let date = dates[pick % dates.len()];
        let v = s.funds.get_mut(&date).expect("date");
        let i = pick % v.len();
        v[i].amount += 1;
        let altered = v[i].clone();
        let r = run(&s, month, &synced(month));
        let chain = r.check(CheckId::FundsBalanceChain).expect("check");
        prop_assert!(!chain.ok);
        prop_assert_eq!(chain.problem_count, 1);
        prop_assert!(chain.problems[0].contains(&altered.psp_reference), "{:?}", chain.problems);
        prop_assert!(r.check(CheckId::FeesBalanceChain).expect("check").ok);
        prop_assert!(r.check(CheckId::CaptureFeesMatchCaptures).expect("check").ok);
        // If a payout in the month covers the date, that payout no longer adds up.
        if let Some(p) = r.payouts.iter().find(|p| p.covered_from <= date && date <= p.covered_to) {
            prop_assert!(!p.ok);
            prop_assert!(!r.check(CheckId::PayoutsMatchFunds).expect("check").ok);
        }
    }

    #[test]
    fn one_altered_fee_amount_breaks_the_fees_chain_only(seed in 0u64..10_000, pick in 0usize..1000) {
        let cfg = config(seed);
        let month = month_of(seed);
        let mut s = world(&cfg, month);
        let dates: Vec<NaiveDate> = s.fees.range(month.first_day()..=month.last_day()).filter(|(_, v)| v.iter().any(|e| e.entry_type == EntryType::CaptureFee)).map(|(d, _)| *d).collect();
        let date = dates[pick % dates.len()];
        let v = s.fees.get_mut(&date).expect("date");
        let fees: Vec<usize> = (0..v.len()).filter(|&i| v[i].entry_type == EntryType::CaptureFee).collect();
        v[fees[pick % fees.len()]].amount -= 7;
        let r = run(&s, month, &synced(month));
        prop_assert!(!r.check(CheckId::FeesBalanceChain).expect("check").ok);
        prop_assert!(r.check(CheckId::FundsBalanceChain).expect("check").ok);
        prop_assert!(r.check(CheckId::PayoutsMatchFunds).expect("check").ok);
        prop_assert!(r.check(CheckId::FeesRetainedAgree).expect("check").ok);
    }
}

#[test]
fn a_fees_retained_that_disagrees_between_funds_and_fees_is_named_by_date() {
    let cfg = SynthConfig {
        seed: 5,
        ..SynthConfig::default()
    };
    let month = YearMonth::parse("2024-03").expect("month");
    let mut s = world(&cfg, month);
    let date = NaiveDate::from_ymd_opt(2024, 3, 14).expect("date");
    let v = s.fees.get_mut(&date).expect("date");
    let e = v
        .iter_mut()
        .find(|e| e.entry_type == EntryType::FeesRetained)
        .expect("fees-retained");
    e.amount += 100;
    e.balance_after += 100; // keep the entry itself consistent: only the cross-topic check can see it
    let r = run(&s, month, &synced(month));
    let c = r.check(CheckId::FeesRetainedAgree).expect("check");
    assert!(!c.ok);
    assert_eq!(c.problem_count, 1);
    assert!(c.problems[0].starts_with("2024-03-14"), "{:?}", c.problems);
}

#[test]
fn a_capture_fee_without_its_capture_is_listed() {
    let cfg = SynthConfig {
        seed: 9,
        ..SynthConfig::default()
    };
    let month = YearMonth::parse("2024-05").expect("month");
    let mut s = world(&cfg, month);
    let date = NaiveDate::from_ymd_opt(2024, 5, 20).expect("date");
    let v = s.fees.get_mut(&date).expect("date");
    let e = v
        .iter_mut()
        .find(|e| e.entry_type == EntryType::CaptureFee)
        .expect("fee");
    e.psp_reference = "9999999999".into();
    let r = run(&s, month, &synced(month));
    let c = r.check(CheckId::CaptureFeesMatchCaptures).expect("check");
    assert!(!c.ok);
    assert_eq!(c.problem_count, 1);
    assert!(c.problems[0].contains("9999999999"));
    assert!(r.check(CheckId::FeesBalanceChain).expect("check").ok);
}

#[test]
fn unsynced_and_open_dates_are_named_and_the_days_say_so() {
    let cfg = SynthConfig {
        seed: 11,
        ..SynthConfig::default()
    };
    let month = YearMonth::parse("2024-06").expect("month");
    let s = world(&cfg, month);
    let mut states = synced(month);
    let d10 = NaiveDate::from_ymd_opt(2024, 6, 10).expect("date");
    let d30 = NaiveDate::from_ymd_opt(2024, 6, 30).expect("date");
    states.set(Topic::Fees, d10, SyncState::Missing);
    states.set(Topic::Funds, d30, SyncState::Open);
    let r = run(&s, month, &states);
    let c = r.check(CheckId::DatesClosedAndSynced).expect("check");
    assert!(!c.ok);
    assert_eq!(
        c.problems,
        vec![
            "fees 2024-06-10: not synced".to_string(),
            "funds 2024-06-30: open upstream (not closed by Vipps MobilePay yet)".to_string()
        ]
    );
    assert_eq!(r.days[9].status, DayStatus::NotSynced);
    assert_eq!(r.days[29].status_text, "open upstream");
}

#[test]
fn weekly_payouts_straddling_the_month_boundary_cover_dates_in_both_months() {
    let cfg = SynthConfig {
        seed: 21,
        frequency: Frequency::Weekly,
        negative_balances: false,
        ..SynthConfig::default()
    };
    // March 2024 starts on a Friday: the first Monday payout (4 March) covers 27 Feb – 4 Mar.
    let month = YearMonth::parse("2024-03").expect("month");
    let s = world(&cfg, month);
    let r = run(&s, month, &synced(month));
    assert!(r.all_ok, "{:?}", r.failed_checks().collect::<Vec<_>>());
    let first = &r.payouts[0];
    assert_eq!(first.date, NaiveDate::from_ymd_opt(2024, 3, 4).expect("d"));
    assert_eq!(
        first.covered_from,
        NaiveDate::from_ymd_opt(2024, 2, 27).expect("d")
    );
    assert!(first.previous_payout_known);
    // Its covered sum includes February's funds: more than the March dates' net alone.
    let march_part: Minor = r.days.iter().take(4).map(|d| d.figures.net()).sum();
    let feb_part: Minor = s
        .funds_between(
            first.covered_from,
            NaiveDate::from_ymd_opt(2024, 2, 29).expect("d"),
        )
        .iter()
        .filter(|e| e.entry_type != EntryType::PayoutScheduled)
        .map(|e| e.amount)
        .sum();
    assert_eq!(first.amount, first.carried_in + feb_part + march_part);
    // 31 March is a Sunday: 26–31 March are paid in April's first payout (1 April, in the loaded range).
    let last_day = r.days.last().expect("day");
    let april_payout = s.funds[&NaiveDate::from_ymd_opt(2024, 4, 1).expect("d")]
        .last()
        .expect("payout")
        .psp_reference
        .clone();
    assert_eq!(
        last_day.paid_in.as_deref(),
        Some(format!("#{}", april_payout.rsplit('-').next().unwrap_or_default()).as_str())
    );
    assert_eq!(
        r.payouts.iter().map(|p| p.date.day()).collect::<Vec<_>>(),
        vec![4, 11, 18, 25]
    );
}

#[test]
fn gross_settlement_reports_the_months_fee_invoice() {
    let cfg = SynthConfig {
        seed: 33,
        gross: true,
        frequency: Frequency::Daily,
        ..SynthConfig::default()
    };
    let month = YearMonth::parse("2024-09").expect("month");
    let s = world(&cfg, month);
    let r = run(&s, month, &synced(month));
    assert!(r.all_ok, "{:?}", r.failed_checks().collect::<Vec<_>>());
    assert_eq!(r.settlement, Settlement::Gross);
    assert_eq!(r.fee_invoices.len(), 1);
    let inv = &r.fee_invoices[0];
    // The invoice on 1 September settles every fee charged 2 August – 1 September.
    let charged = -s
        .fees_between(inv.covered_from, inv.covered_to)
        .iter()
        .filter(|e| e.entry_type != EntryType::FeesInvoiced)
        .map(|e| e.amount)
        .sum::<Minor>();
    assert_eq!(inv.amount, charged);
    assert_eq!(inv.covered_from, NaiveDate::from_ymd_opt(2024, 8, 2).expect("d"));
    assert_eq!(r.totals.figures.fees_retained(), 0);
    assert_eq!(r.totals.fees_invoiced, inv.amount);
    let c = r.check(CheckId::FeeInvoices).expect("check");
    assert!(
        c.detail.contains(&avstem_core::model::format_minor(inv.amount)),
        "{}",
        c.detail
    );
    let vouchers = journal(&r, &JournalAccounts::default());
    let last = vouchers.last().expect("voucher");
    assert_eq!(
        last.lines
            .iter()
            .map(|l| (l.account.as_str(), l.debit, l.credit))
            .collect::<Vec<_>>(),
        vec![("7770", inv.amount, 0), ("2400", 0, inv.amount)]
    );
}

#[test]
fn unknown_entry_types_are_listed_and_counted_as_other() {
    let cfg = SynthConfig {
        seed: 41,
        unknown_types: true,
        other_movements: false,
        ..SynthConfig::default()
    };
    let month = YearMonth::parse("2024-10").expect("month");
    let s = world(&cfg, month);
    let r = run(&s, month, &synced(month));
    let n = s
        .funds_between(month.first_day(), month.last_day())
        .iter()
        .filter(|e| !e.entry_type.is_known())
        .count();
    assert!(n > 0);
    let c = r.check(CheckId::EntryTypesRecognised).expect("check");
    assert!(!c.ok);
    assert_eq!(r.unknown_types.len(), 1);
    assert_eq!(r.unknown_types[0].count as usize, n);
    assert_eq!(r.totals.figures.other(), 250 * n as Minor);
    let others: Vec<_> = r
        .checks
        .iter()
        .filter(|c| c.id != CheckId::EntryTypesRecognised && !c.ok)
        .collect();
    assert!(others.is_empty(), "{others:?}");
}

#[test]
fn negative_balances_roll_into_a_later_payout() {
    // Find a seed whose month has a date that ends negative, then check it is carried and paid later.
    for seed in 0..200u64 {
        let cfg = SynthConfig {
            seed,
            ..SynthConfig::default()
        };
        let month = YearMonth::parse("2024-02").expect("month");
        let s = world(&cfg, month);
        let r = run(&s, month, &synced(month));
        assert!(
            r.all_ok,
            "seed {seed}: {:?}",
            r.failed_checks().collect::<Vec<_>>()
        );
        if let Some(neg) = r.days.iter().find(|d| {
            d.funds_closing.is_some_and(|b| b < 0) && d.date < month.last_day() - Duration::days(10)
        }) {
            assert_eq!(neg.figures.payout(), 0);
            let p = r
                .payouts
                .iter()
                .find(|p| p.covered_from <= neg.date && neg.date <= p.covered_to)
                .expect("paid later");
            assert!(p.date > neg.date);
            assert!(p.covered_to > p.covered_from);
            return;
        }
    }
    panic!("no seed produced a negative balance");
}
