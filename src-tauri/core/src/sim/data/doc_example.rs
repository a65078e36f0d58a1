//! The documented example day, ledger 12345 on 2022-10-01, field for field as the Report API's
//! documentation shows it (see `tests/fixtures/doc-example-2022-10-01`); every other date is empty.

use super::{DayEntries, LedgerSpec, DOC_DATE};
use crate::model::{Entry, EntryType, Topic};
use chrono::NaiveDate;

/// The documented example day, field for field (see `tests/fixtures/doc-example-2022-10-01`).
pub(super) fn doc_example_day(spec: &LedgerSpec, date: NaiveDate) -> DayEntries {
    if date != DOC_DATE {
        return DayEntries::default();
    }
    // (psp, UTC time h:m:s.micros — the fixture shows +0200, entry type, reference, amount, handle)
    let at = |d: u32, h: u32, m: u32, s: u32, us: u32| {
        NaiveDate::from_ymd_opt(2022, 10, d)
            .and_then(|nd| nd.and_hms_micro_opt(h, m, s, us))
            .map(|n| n.and_utc())
            .unwrap_or_default()
    };
    let captures = [
        ("3343121302", at(1, 14, 33, 0, 824_993), "purchase-12", 10_000),
        ("3334234112", at(1, 16, 37, 55, 982_497), "purchase-12", 10_000),
        ("3259823497", at(1, 17, 12, 54, 932_428), "purchase-14", 20_000),
    ];
    // 2022-10-02T00:00:00+0200 is 2022-10-01T22:00:00Z.
    let settle = at(1, 22, 0, 0, 0);
    let handle = Some("NO:57860".to_string());
    let mk = |topic: Topic,
              seq: u32,
              psp: &str,
              time,
              ty: EntryType,
              reference: &str,
              amount: i64,
              before: i64,
              h: &Option<String>| Entry {
        ledger_id: spec.ledger.ledger_id.clone(),
        topic,
        ledger_date: date,
        seq,
        psp_reference: psp.to_string(),
        time,
        entry_type: ty,
        reference: reference.to_string(),
        currency: "NOK".to_string(),
        amount,
        balance_before: before,
        balance_after: before + amount,
        recipient_handle: h.clone(),
        name: None,
        masked_phone_no: None,
        message: None,
    };
    let mut funds = Vec::new();
    let mut fees = Vec::new();
    let mut balance = 0;
    for (i, (psp, time, reference, amount)) in captures.iter().enumerate() {
        let seq = u32::try_from(i).unwrap_or(0);
        funds.push(mk(
            Topic::Funds,
            seq,
            psp,
            *time,
            EntryType::Capture,
            reference,
            *amount,
            balance,
            &handle,
        ));
        balance += amount;
        fees.push(mk(
            Topic::Fees,
            seq,
            psp,
            *time,
            EntryType::CaptureFee,
            reference,
            -400,
            -400 * i64::from(seq),
            &handle,
        ));
    }
    funds.push(mk(
        Topic::Funds,
        3,
        "1154320987",
        at(1, 21, 47, 59, 984_224),
        EntryType::Refund,
        "purchase-12",
        -10_000,
        40_000,
        &handle,
    ));
    funds.push(mk(
        Topic::Funds,
        4,
        "01H7W7Q6Y5R-3G58CTAZX0MHKV2",
        settle,
        EntryType::FeesRetained,
        "",
        -1_200,
        30_000,
        &None,
    ));
    funds.push(mk(
        Topic::Funds,
        5,
        "12345-2000023",
        settle,
        EntryType::PayoutScheduled,
        "Vipps utbet. 2000023 Vippsnr 57860",
        -28_800,
        28_800,
        &None,
    ));
    fees.push(mk(
        Topic::Fees,
        3,
        "12345-2000321",
        settle,
        EntryType::FeesRetained,
        "",
        1_200,
        -1_200,
        &None,
    ));
    DayEntries { funds, fees }
}
