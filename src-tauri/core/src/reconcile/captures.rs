//! Captures ↔ capture fees, by pspReference whatever the date: fees matched as they stream in or,
//! when a fee came before its capture, at the end; then one [`CaptureReport`] per capture of the
//! month with its refunds, its fees and the payout that pays it out.

use super::book::CaptureBook;
use super::refunds::{RefundAcc, RefundMatch, RefundMatches};
use super::runs::PayoutReport;
use crate::model::{Entry, Minor};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::HashMap;

/// One captured pspReference with what was refunded, the fees matched to it and its payout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CaptureReport {
    pub psp_reference: String,
    pub reference: String,
    pub capture_date: NaiveDate,
    #[ts(type = "string")]
    pub time: DateTime<Utc>,
    pub recipient_handle: Option<String>,
    #[ts(type = "number")]
    pub gross: Minor,
    /// Negative (or 0): refunds matched to this capture up to the month's end.
    #[ts(type = "number")]
    pub refunded: Minor,
    /// The refunds behind `refunded`, in the order matched; their `amount`s add up to `refunded`.
    pub refunds: Vec<RefundMatch>,
    /// Positive: −Σ capture-fee amounts with this pspReference, on any loaded date.
    #[ts(type = "number")]
    pub fees: Minor,
    pub fee_count: u32,
    /// The latest ledger date of a matched fee (may be after the capture date, even next month).
    pub fee_date: Option<NaiveDate>,
    /// gross + refunded − fees.
    #[ts(type = "number")]
    pub net: Minor,
    /// The payout that pays the capture out: the first payout entry after it.
    pub payout: Option<String>,
    pub payout_date: Option<NaiveDate>,
}

/// Capture fees (in the month) whose pspReference matched no capture when they arrived.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct FeeAcc {
    pub amount: Minor,
    pub count: u32,
    pub last_date: Option<NaiveDate>,
}

/// The month's capture fees: how many matched a capture, and those that matched none (yet).
#[derive(Debug, Default)]
pub(super) struct CaptureFees {
    pub orphans: HashMap<String, FeeAcc>,
    pub matched_in_month: u32,
}

impl CaptureFees {
    /// A capture-fee entry of the month or after it (fees before the month belong to earlier
    /// captures); after the month it only counts for a capture it finds.
    pub fn push(&mut self, book: &mut CaptureBook, e: &Entry, in_month: bool) {
        if let Some(i) = book.find(&e.psp_reference) {
            let c = &mut book.captures[i];
            c.fees -= e.amount;
            c.fee_count += 1;
            c.fee_last = Some(c.fee_last.map_or(e.ledger_date, |d| d.max(e.ledger_date)));
            if in_month {
                self.matched_in_month += 1;
            }
        } else if in_month {
            let f = self.orphans.entry(e.psp_reference.clone()).or_default();
            f.amount -= e.amount;
            f.count += 1;
            f.last_date = Some(f.last_date.map_or(e.ledger_date, |d| d.max(e.ledger_date)));
        }
    }

    /// Fees that arrived before their capture was pushed (fees streamed first) match now.
    pub fn match_late_captures(&mut self, book: &mut CaptureBook) {
        let orphans = std::mem::take(&mut self.orphans);
        for (psp, f) in orphans {
            match book.find(&psp) {
                Some(i) => {
                    let c = &mut book.captures[i];
                    c.fees += f.amount;
                    c.fee_count += f.count;
                    c.fee_last = c.fee_last.max(f.last_date);
                    self.matched_in_month += f.count;
                }
                None => {
                    self.orphans.insert(psp, f);
                }
            }
        }
    }
}

/// The captures of `first..=last` in streamed order. `payouts` are all the payouts streamed: the
/// next payout entry after a capture pays it (not the first payout of its date: entries after a
/// payout on its own date go to the next one).
pub(super) fn capture_reports(
    book: &CaptureBook,
    refunds: &[RefundAcc],
    matched: &RefundMatches,
    payouts: &[PayoutReport],
    first: NaiveDate,
    last: NaiveDate,
) -> Vec<CaptureReport> {
    // Counted first: a million-entry month should not double a Vec.
    let in_month_count = book.captures.iter().filter(|c| c.date >= first).count();
    let mut captures: Vec<CaptureReport> = Vec::with_capacity(in_month_count);
    captures.extend(
        book.captures
            .iter()
            .enumerate()
            .filter(|(_, c)| c.date >= first && c.date <= last)
            .map(|(i, c)| {
                let payout = payouts.get(c.run as usize);
                CaptureReport {
                    psp_reference: book.str(c.psp).to_string(),
                    reference: book.str(c.reference).to_string(),
                    capture_date: c.date,
                    time: c.time,
                    recipient_handle: c.handle.map(|h| book.str(h).to_string()),
                    gross: c.gross,
                    refunded: c.refunded,
                    refunds: matched.of_capture(i, refunds),
                    fees: c.fees,
                    fee_count: c.fee_count,
                    fee_date: c.fee_last,
                    net: c.gross + c.refunded - c.fees,
                    payout: payout.map(|p| p.label.clone()),
                    payout_date: payout.map(|p| p.date),
                }
            }),
    );
    captures
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntryType, Topic};

    fn fee(psp: &str, d: u32, amount: Minor) -> Entry {
        Entry {
            ledger_id: "1".into(),
            topic: Topic::Fees,
            ledger_date: NaiveDate::from_ymd_opt(2024, 3, d).expect("date"),
            seq: 0,
            psp_reference: psp.into(),
            time: DateTime::UNIX_EPOCH,
            entry_type: EntryType::CaptureFee,
            reference: String::new(),
            currency: "NOK".into(),
            amount,
            balance_before: 0,
            balance_after: amount,
            recipient_handle: None,
            name: None,
            masked_phone_no: None,
            message: None,
        }
    }

    #[test]
    fn a_fee_that_comes_before_its_capture_matches_it_at_the_end() {
        let mut book = CaptureBook::default();
        let mut fees = CaptureFees::default();
        fees.push(&mut book, &fee("c-1", 2, -30), true);
        fees.push(&mut book, &fee("c-2", 3, -5), true);
        assert_eq!((fees.orphans.len(), fees.matched_in_month), (2, 0));
        let day = NaiveDate::from_ymd_opt(2024, 3, 1).expect("date");
        book.add("c-1", "order-1", None, day, DateTime::UNIX_EPOCH, 1000);
        fees.push(&mut book, &fee("c-1", 4, -10), false);
        fees.match_late_captures(&mut book);
        assert_eq!((book.captures[0].fees, book.captures[0].fee_count), (40, 2));
        assert_eq!(book.captures[0].fee_last, NaiveDate::from_ymd_opt(2024, 3, 4));
        assert_eq!(
            (fees.matched_in_month, fees.orphans.len()),
            (1, 1),
            "c-2 has no capture"
        );
    }
}
