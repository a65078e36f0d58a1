//! Reconciliation over the simulator's world, many seeds: every ledger's month passes every check
//! (unknown entry types aside, which must be listed), and one altered amount trips the right check.

use avstem_core::model::{Entry, EntryType, Minor, Topic, YearMonth};
use avstem_core::reconcile::{
    needed_range, reconcile_month_with_states, CheckId, DateStates, MonthReport, Settlement, SyncState,
};
use avstem_core::sim::data::{PayoutFrequency, Settlement as SimSettlement, World, DOC_LEDGER_ID};
use chrono::{Duration, NaiveDate};
use proptest::prelude::*;

const LEDGERS: [&str; 7] = [
    "302321", "302322", "402001", "402002", "502001", "502002", "302400",
];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 1).expect("date")
}

struct Loaded {
    funds: Vec<Entry>,
    fees: Vec<Entry>,
    states: DateStates,
}

fn load(world: &World, ledger_id: &str, month: YearMonth) -> Loaded {
    let (from, to) = needed_range(month);
    let mut l = Loaded {
        funds: vec![],
        fees: vec![],
        states: DateStates::new(),
    };
    for d in from.iter_days().take_while(|d| *d <= to) {
        l.funds.extend(world.entries(ledger_id, Topic::Funds, d));
        l.fees.extend(world.entries(ledger_id, Topic::Fees, d));
        for t in Topic::ALL {
            l.states.set(t, d, SyncState::Complete);
        }
    }
    l
}

fn reconcile(world: &World, ledger_id: &str, month: YearMonth, l: &Loaded) -> MonthReport {
    let ledger = world.ledger(ledger_id).expect("ledger");
    reconcile_month_with_states(&ledger, month, &l.funds, &l.fees, &l.states)
}

fn sum(entries: &[Entry], month: YearMonth, ty: &EntryType) -> Minor {
    entries
        .iter()
        .filter(|e| {
            e.ledger_date >= month.first_day() && e.ledger_date <= month.last_day() && &e.entry_type == ty
        })
        .map(|e| e.amount)
        .sum()
}

fn month_strategy() -> impl Strategy<Value = YearMonth> {
    // 2023-05 .. 2025-04: every ledger has data, and the month after is before `today`.
    (0u32..24).prop_map(|i| YearMonth::new(2023 + ((4 + i) / 12) as i32, (4 + i) % 12 + 1).expect("month"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn every_simulated_ledger_month_passes_every_check(seed in 0u64..1_000_000, month in month_strategy()) {
        let world = World::new(seed, today());
        for id in LEDGERS {
            let l = load(&world, id, month);
            let r = reconcile(&world, id, month, &l);
            let profile = world.ledger_profile(id).expect("profile");
            for c in &r.checks {
                if c.id == CheckId::EntryTypesRecognised {
                    // Unknown types are listed: the check fails exactly when the month has one.
                    let unknown = l.funds.iter().chain(&l.fees).any(|e| {
                        !e.entry_type.is_known() && YearMonth::of(e.ledger_date) == month
                    });
                    prop_assert_eq!(c.ok, !unknown, "{} {}: {:?}", id, month, c.problems);
                } else {
                    prop_assert!(c.ok, "seed {} ledger {} {}: {:?} {} {:?}", seed, id, month, c.id, c.detail, c.problems);
                }
            }
            prop_assert_eq!(r.totals.figures.sales(), sum(&l.funds, month, &EntryType::Capture));
            prop_assert_eq!(r.totals.figures.refunds(), sum(&l.funds, month, &EntryType::Refund));
            // Fees: capture fees and the monthly `service-fee` (a fee with no capture, never "unknown").
            let service = sum(&l.fees, month, &EntryType::ServiceFee);
            prop_assert_eq!(r.totals.figures.fees(), -sum(&l.fees, month, &EntryType::CaptureFee) - service);
            if ["502001", "502002"].contains(&id) {
                prop_assert_eq!(service, -2_900, "{} {}: one subscription a month", id, month);
            }
            prop_assert_eq!(r.totals.figures.payout(), -sum(&l.funds, month, &EntryType::PayoutScheduled));
            match profile.settlement {
                SimSettlement::Net => prop_assert_eq!(r.settlement, Settlement::Net),
                SimSettlement::Gross => {
                    prop_assert_eq!(r.settlement, Settlement::Gross);
                    prop_assert_eq!(r.totals.figures.fees_retained(), 0);
                    // Invoiced on the month's last date: one invoice, all fees since the last one.
                    prop_assert_eq!(r.fee_invoices.len(), 1);
                    prop_assert!(r.fee_invoices[0].previous_invoice_known);
                }
            }
            // Lagging fees: a capture's fees are found by pspReference even when they land next month.
            for c in r.captures.iter().filter(|c| c.capture_date == month.last_day()) {
                prop_assert!(c.fee_count >= 1, "{} {}", id, c.psp_reference);
            }
            if profile.payout == PayoutFrequency::Weekly {
                if let Some(p) = r.payouts.first() {
                    prop_assert!(p.previous_payout_known);
                    prop_assert_eq!(p.covered_to - p.covered_from, Duration::days(6));
                }
            }
        }
    }

    #[test]
    fn one_altered_amount_in_a_simulated_month_trips_the_right_check(
        seed in 0u64..1_000_000,
        month in month_strategy(),
        which in 0usize..LEDGERS.len(),
        pick in 0usize..100_000,
        on_fees in any::<bool>(),
    ) {
        let world = World::new(seed, today());
        let id = LEDGERS[which];
        let mut l = load(&world, id, month);
        let in_month: Vec<usize> = {
            let list = if on_fees { &l.fees } else { &l.funds };
            (0..list.len()).filter(|&i| YearMonth::of(list[i].ledger_date) == month).collect()
        };
        prop_assume!(!in_month.is_empty());
        let i = in_month[pick % in_month.len()];
        let list = if on_fees { &mut l.fees } else { &mut l.funds };
        list[i].amount += 1;
        let altered = list[i].clone();
        let r = reconcile(&world, id, month, &l);
        let (broken, intact) = if on_fees {
            (CheckId::FeesBalanceChain, CheckId::FundsBalanceChain)
        } else {
            (CheckId::FundsBalanceChain, CheckId::FeesBalanceChain)
        };
        let c = r.check(broken).expect("check");
        prop_assert!(!c.ok);
        prop_assert_eq!(c.problem_count, 1);
        prop_assert!(c.problems[0].contains(&altered.psp_reference) && c.problems[0].contains(&altered.ledger_date.to_string()));
        prop_assert!(r.check(intact).expect("check").ok);
        prop_assert!(r.check(CheckId::CaptureFeesMatchCaptures).expect("check").ok);
        if !on_fees {
            let covering = r.payouts.iter().find(|p| p.covered_from <= altered.ledger_date && altered.ledger_date <= p.covered_to);
            if let Some(p) = covering {
                prop_assert!(!p.ok, "payout {} covers the altered date", p.label);
                prop_assert!(!r.check(CheckId::PayoutsMatchFunds).expect("check").ok);
            }
        }
    }
}

#[test]
fn the_simulators_documented_example_day_reconciles_like_the_fixture() {
    let world = World::new(42, today());
    let month = YearMonth::parse("2022-10").expect("month");
    let l = load(&world, DOC_LEDGER_ID, month);
    let r = reconcile(&world, DOC_LEDGER_ID, month, &l);
    let d = &r.days[0];
    assert_eq!(
        (
            d.figures.sales(),
            d.figures.refunds(),
            d.net_sales,
            d.figures.fees(),
            d.figures.payout()
        ),
        (40000, -10000, 30000, 1200, 28800)
    );
    assert_eq!(d.payout_label.as_deref(), Some("#2000023"));
    assert!(r.all_ok, "{:?}", r.failed_checks().collect::<Vec<_>>());
}
