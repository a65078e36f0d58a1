//! The documented example day (ledger 12345, 2022-10-01) reconciles to the figures in the guide.

use avstem_core::model::YearMonth;
use avstem_core::reconcile::synth::documented_example;
use avstem_core::reconcile::{
    journal, reconcile_month_with_states, CheckId, DateStates, DayStatus, JournalAccounts, SyncState,
};
use chrono::NaiveDate;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

#[test]
fn the_documented_example_day_reconciles_to_the_guides_figures() {
    let (ledger, funds, fees) = documented_example().expect("fixture");
    let month = YearMonth::parse("2022-10").expect("month");
    // Only 2022-10-01 is synced: the rest of the month shows as not synced.
    let mut states = DateStates::new();
    states.set(
        avstem_core::model::Topic::Funds,
        d("2022-10-01"),
        SyncState::Complete,
    );
    states.set(
        avstem_core::model::Topic::Fees,
        d("2022-10-01"),
        SyncState::Complete,
    );
    let report = reconcile_month_with_states(&ledger, month, &funds, &fees, &states);

    let day = &report.days[0];
    assert_eq!(day.date, d("2022-10-01"));
    assert_eq!(day.figures.sales(), 40000);
    assert_eq!(day.figures.refunds(), -10000);
    assert_eq!(day.net_sales, 30000);
    assert_eq!(day.figures.fees(), 1200);
    assert_eq!(day.figures.fees_retained(), 1200);
    assert_eq!(day.figures.other(), 0);
    assert_eq!(day.figures.net(), 28800);
    assert_eq!(day.figures.payout(), 28800);
    assert_eq!(day.payout_label.as_deref(), Some("#2000023"));
    assert_eq!(day.funds_closing, Some(0));
    assert_eq!(day.fees_closing, Some(0));
    assert_eq!(day.status, DayStatus::Paid);
    assert_eq!(day.status_text, "paid in #2000023");
    assert_eq!(report.days[1].status_text, "not synced");

    assert_eq!(report.payouts.len(), 1);
    let p = &report.payouts[0];
    assert_eq!(
        (p.number, p.amount, p.date),
        (Some(2000023), 28800, d("2022-10-01"))
    );
    assert_eq!(p.bank_text, "Vipps utbet. 2000023 Vippsnr 57860");
    assert_eq!(
        (p.covered_from, p.covered_to, p.covered_sum, p.difference),
        (d("2022-10-01"), d("2022-10-01"), 28800, 0)
    );
    assert!(p.ok);

    // Three captures; the refund (its own pspReference) goes to the first purchase-12 capture.
    let caps: Vec<(&str, i64, i64, i64, i64)> = report
        .captures
        .iter()
        .map(|c| (c.psp_reference.as_str(), c.gross, c.refunded, c.fees, c.net))
        .collect();
    assert_eq!(
        caps,
        vec![
            ("3343121302", 10000, -10000, 400, -400),
            ("3334234112", 10000, 0, 400, 9600),
            ("3259823497", 20000, 0, 400, 19600),
        ]
    );
    assert!(report
        .captures
        .iter()
        .all(|c| c.payout.as_deref() == Some("#2000023")));

    let t = &report.totals;
    assert_eq!(
        (
            t.figures.sales(),
            t.figures.refunds(),
            t.net_sales,
            t.figures.fees(),
            t.figures.fees_retained(),
            t.figures.payout()
        ),
        (40000, -10000, 30000, 1200, 1200, 28800)
    );
    assert_eq!(
        (t.funds_count, t.fees_count, t.capture_count, t.payout_count),
        (6, 4, 3, 1)
    );

    for c in &report.checks {
        let expect_ok = c.id != CheckId::DatesClosedAndSynced;
        assert_eq!(c.ok, expect_ok, "{:?}: {} {:?}", c.id, c.detail, c.problems);
    }
    // 30 dates × 2 topics not synced.
    assert_eq!(
        report
            .check(CheckId::DatesClosedAndSynced)
            .map(|c| c.problem_count),
        Some(60)
    );

    let vouchers = journal(&report, &JournalAccounts::default());
    assert_eq!(vouchers.len(), 1);
    let v = &vouchers[0];
    let lines: Vec<(&str, i64, i64)> = v
        .lines
        .iter()
        .map(|l| (l.account.as_str(), l.debit, l.credit))
        .collect();
    assert_eq!(
        lines,
        vec![("1920", 28800, 0), ("7770", 1200, 0), ("1580", 0, 30000)]
    );
    assert_eq!(v.debits(), v.credits());
}

#[test]
fn a_whole_synced_month_around_the_example_day_passes_every_check() {
    let (ledger, funds, fees) = documented_example().expect("fixture");
    let month = YearMonth::parse("2022-10").expect("month");
    let states = DateStates::all(month.first_day(), month.last_day(), SyncState::Complete);
    let report = reconcile_month_with_states(&ledger, month, &funds, &fees, &states);
    assert!(report.all_ok, "{:?}", report.failed_checks().collect::<Vec<_>>());
    assert_eq!(report.days[1].status_text, "carried to next payout");
}
