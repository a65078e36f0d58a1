//! Payouts that share a ledger date, and entries after a payout on its own date: each payout's parts
//! (from reconciliation's run, not whole dates) add up to what it paid, and each capture goes out in
//! the payout entry that follows it. And refunds shared by order reference: each capture records the
//! refunds (and shares) it was matched, adding up to its `refunded`.

use avstem_core::model::{Entry, EntryType, Topic, YearMonth};
use avstem_core::reconcile::{
    reconcile_month_with_states, synth, DateStates, MonthReport, RefundMatch, SyncState,
};
use chrono::{NaiveDate, TimeZone, Utc};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// Funds entries in order, each date's balance chained from the previous entry.
fn funds(rows: &[(&str, &str, &str, &str, i64)]) -> Vec<Entry> {
    let mut balance = 0;
    let mut out: Vec<Entry> = Vec::new();
    for (i, (date, ty, psp, reference, amount)) in rows.iter().enumerate() {
        let date = d(date);
        let seq = out.iter().filter(|e| e.ledger_date == date).count() as u32;
        out.push(Entry {
            ledger_id: "12345".into(),
            topic: Topic::Funds,
            ledger_date: date,
            seq,
            psp_reference: psp.to_string(),
            time: Utc.from_utc_datetime(&date.and_hms_opt(8, 0, 0).expect("time"))
                + chrono::Duration::minutes(i as i64),
            entry_type: EntryType::parse(ty),
            reference: reference.to_string(),
            currency: "NOK".into(),
            amount: *amount,
            balance_before: balance,
            balance_after: balance + amount,
            recipient_handle: Some("NO:123455".into()),
            name: None,
            masked_phone_no: None,
            message: None,
        });
        balance += amount;
    }
    out
}

fn reconcile(rows: &[(&str, &str, &str, &str, i64)]) -> MonthReport {
    let month = YearMonth::parse("2024-03").expect("month");
    let states = DateStates::all(d("2024-02-01"), d("2024-04-30"), SyncState::Complete);
    reconcile_month_with_states(&synth::ledger("12345", "NOK"), month, &funds(rows), &[], &states)
}

#[test]
fn two_payouts_on_one_date_each_add_up_to_what_they_paid() {
    let r = reconcile(&[
        ("2024-03-04", "capture", "c-a", "order-a", 10000),
        ("2024-03-04", "fees-retained", "fr-4", "", -300),
        ("2024-03-05", "capture", "c-b", "order-b", 5000),
        ("2024-03-05", "refund", "r-a", "order-a", -1000),
        ("2024-03-05", "fees-retained", "fr-5a", "", -150),
        (
            "2024-03-05",
            "payout-scheduled",
            "12345-2000001",
            "payout 1",
            -13550,
        ),
        // After the first payout, on the same date: the second payout's.
        ("2024-03-05", "capture", "c-c", "order-c", 8000),
        ("2024-03-05", "correction", "x-1", "", 50),
        ("2024-03-05", "fees-retained", "fr-5b", "", -240),
        (
            "2024-03-05",
            "payout-scheduled",
            "12345-2000002",
            "payout 2",
            -7810,
        ),
        // Entries after the second payout on its own date: the next payout's.
        ("2024-03-05", "capture", "c-d", "order-d", 2000),
        ("2024-03-05", "refund", "r-d", "order-d", -500),
        ("2024-03-06", "capture", "c-e", "order-e", 3000),
        (
            "2024-03-06",
            "payout-scheduled",
            "12345-2000003",
            "payout 3",
            -4500,
        ),
    ]);
    let got: Vec<_> = r
        .payouts
        .iter()
        .map(|p| {
            (
                p.label.as_str(),
                p.carried_in,
                p.sales,
                p.refunds,
                p.net_sales,
                p.fees_retained,
                p.other,
                p.amount,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("#2000001", 0, 15000, -1000, 14000, 450, 0, 13550),
            ("#2000002", 0, 8000, 0, 8000, 240, 50, 7810),
            ("#2000003", 0, 5000, -500, 4500, 0, 0, 4500),
        ]
    );
    for p in &r.payouts {
        assert_eq!(
            p.carried_in + p.sales + p.refunds - p.fees_retained + p.other,
            p.amount,
            "{}",
            p.label
        );
        assert_eq!(p.covered_sum, p.amount, "{}", p.label);
        assert!(p.ok, "{}", p.label);
    }
    // The whole date 2024-03-05 is more than any one payout: its parts must not come from the date.
    let day = r.days.iter().find(|x| x.date == d("2024-03-05")).expect("day");
    assert_eq!((day.figures.sales(), day.figures.refunds()), (15000, -1500));

    // Each capture goes out in the payout entry that follows it, even on a shared date.
    let paid: Vec<_> = r
        .captures
        .iter()
        .map(|c| (c.psp_reference.as_str(), c.payout.as_deref()))
        .collect();
    assert_eq!(
        paid,
        vec![
            ("c-a", Some("#2000001")),
            ("c-b", Some("#2000001")),
            ("c-c", Some("#2000002")),
            ("c-d", Some("#2000003")),
            ("c-e", Some("#2000003")),
        ]
    );
    // So the captures listed under a payout add up to its sales.
    for p in &r.payouts {
        let gross: i64 = r
            .captures
            .iter()
            .filter(|c| c.payout.as_deref() == Some(p.label.as_str()))
            .map(|c| c.gross)
            .sum();
        assert_eq!(gross, p.sales, "{}", p.label);
    }
}

#[test]
fn a_refund_shared_by_order_reference_is_split_and_each_capture_records_its_share() {
    let r = reconcile(&[
        ("2024-03-04", "capture", "c-x", "order-1", 3000),
        ("2024-03-05", "capture", "c-y", "order-1", 2000),
        ("2024-03-05", "capture", "c-z", "order-2", 5000),
        // Oldest capture first, each up to its gross: c-x takes 3000, c-y 1000.
        ("2024-03-06", "refund", "r-1", "order-1", -4000),
        ("2024-03-06", "refund", "r-3", "order-2", -700),
        // c-x is used up; c-y has 1000 left and takes the 500 excess too (last capture).
        ("2024-03-07", "refund", "r-2", "order-1", -1500),
    ]);
    let m = |psp: &str, date: &str, seq: u32, amount: i64, whole: i64| RefundMatch {
        psp_reference: psp.into(),
        ledger_date: d(date),
        seq,
        amount,
        refund_amount: whole,
    };
    let by_psp = |psp: &str| {
        r.captures
            .iter()
            .find(|c| c.psp_reference == psp)
            .expect("capture")
    };
    let x = by_psp("c-x");
    assert_eq!(x.refunded, -3000);
    assert_eq!(x.refunds, vec![m("r-1", "2024-03-06", 0, -3000, -4000)]);
    let y = by_psp("c-y");
    assert_eq!(y.refunded, -2500);
    assert_eq!(
        y.refunds,
        vec![
            m("r-1", "2024-03-06", 0, -1000, -4000),
            m("r-2", "2024-03-07", 0, -1500, -1500),
        ]
    );
    let z = by_psp("c-z");
    assert_eq!(z.refunded, -700);
    assert_eq!(z.refunds, vec![m("r-3", "2024-03-06", 1, -700, -700)]);
    for c in &r.captures {
        assert_eq!(
            c.refunds.iter().map(|x| x.amount).sum::<i64>(),
            c.refunded,
            "{}",
            c.psp_reference
        );
        assert_eq!(c.net, c.gross + c.refunded - c.fees);
    }
    assert_eq!(r.unmatched_refunds, 0);
}
