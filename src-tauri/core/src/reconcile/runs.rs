//! Payout runs and fee-invoice runs. A payout pays out the funds since the previous payout entry;
//! a gross-settlement `fees-invoiced` entry settles the fees since the previous invoice. One
//! [`RunStart`] says where either kind of run begins; the reports say whether each payout or
//! invoice equals what it covers, and [`Settlement`] which way the ledger settles its fees.

use super::days::FeesDay;
use crate::figures::Figures;
use crate::model::{payout_number, Entry, Minor};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// One payout and the run of ledger dates it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PayoutReport {
    /// Payout number from the pspReference (`<ledgerId>-<number>`), when it parses.
    #[ts(type = "number | null")]
    pub number: Option<u64>,
    /// "#2000023", or the pspReference when no number parses.
    pub label: String,
    pub psp_reference: String,
    pub date: NaiveDate,
    #[ts(type = "string")]
    pub time: DateTime<Utc>,
    /// Positive: what reaches the bank.
    #[ts(type = "number")]
    pub amount: Minor,
    /// The bank-transfer text (may be empty in Norway).
    pub bank_text: String,
    pub covered_from: NaiveDate,
    pub covered_to: NaiveDate,
    /// False when no earlier payout is loaded, so `coveredFrom` is only the first date we know.
    pub previous_payout_known: bool,
    /// Balance left by the previous payout (normally 0).
    #[ts(type = "number")]
    pub carried_in: Minor,
    /// Σ captures since the previous payout entry (the run's, not whole dates': two payouts may share a date).
    #[ts(type = "number")]
    pub sales: Minor,
    /// Σ refunds since the previous payout entry (negative).
    #[ts(type = "number")]
    pub refunds: Minor,
    /// sales + refunds.
    #[ts(type = "number")]
    pub net_sales: Minor,
    #[ts(type = "number")]
    pub fees_retained: Minor,
    #[ts(type = "number")]
    pub other: Minor,
    /// carried_in + every non-payout funds amount since the previous payout
    /// = carried_in + sales + refunds − fees_retained + other.
    #[ts(type = "number")]
    pub covered_sum: Minor,
    /// covered_sum − amount: what the payout left on the ledger (0, or a reserve).
    #[ts(type = "number")]
    pub difference: Minor,
    /// The funds balance after the payout entry.
    #[ts(type = "number")]
    pub balance_after: Minor,
    pub ok: bool,
}

/// A gross-settlement fee invoice and the fees it settles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FeeInvoiceReport {
    pub psp_reference: String,
    pub reference: String,
    pub date: NaiveDate,
    /// Positive: what is invoiced.
    #[ts(type = "number")]
    pub amount: Minor,
    pub covered_from: NaiveDate,
    pub covered_to: NaiveDate,
    pub previous_invoice_known: bool,
    /// Fees owed since the previous invoice: −(carried balance + fees-topic movements).
    #[ts(type = "number")]
    pub accrued: Minor,
    /// amount − accrued.
    #[ts(type = "number")]
    pub difference: Minor,
    pub ok: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Settlement {
    /// Fees retained from funds (the default).
    Net,
    /// Fees invoiced monthly.
    Gross,
    /// No fees seen at all, so it cannot tell.
    Unknown,
}

/// "#2000023", or the pspReference when it carries no number.
pub fn payout_label(number: Option<u64>, psp_reference: &str) -> String {
    match number {
        Some(n) => format!("#{n}"),
        None => psp_reference.to_string(),
    }
}

/// Where the runs of one topic start: the first entry streamed (for a run whose previous payout or
/// invoice is not loaded) and the previous closing entry's date and balance after.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct RunStart {
    first_date: Option<NaiveDate>,
    first_before: Option<Minor>,
    previous: Option<(NaiveDate, Minor)>,
}

/// The start of the run that an entry closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RunBounds {
    /// The previous closing entry's balance after (or the first entry's balance before).
    pub carried_in: Minor,
    pub from: NaiveDate,
    /// False when the previous closing entry is not loaded, so `from` is only the first date we know.
    pub previous_known: bool,
}

impl RunStart {
    /// Every entry of the topic, in order.
    pub fn see(&mut self, e: &Entry) {
        self.first_before.get_or_insert(e.balance_before);
        self.first_date.get_or_insert(e.ledger_date);
    }

    /// `e` closes a run: where it started; the next run starts after `e`.
    pub fn close(&mut self, e: &Entry) -> RunBounds {
        let bounds = match self.previous {
            Some((d, after)) => RunBounds {
                carried_in: after,
                // Two closing entries on one date: the later run starts on that date.
                from: if d < e.ledger_date {
                    d + Duration::days(1)
                } else {
                    d
                },
                previous_known: true,
            },
            None => RunBounds {
                carried_in: self.first_before.unwrap_or(0),
                from: self.first_date.unwrap_or(e.ledger_date),
                previous_known: false,
            },
        };
        self.previous = Some((e.ledger_date, e.balance_after));
        bounds
    }
}

/// The payout entry `e` and the run it closes (`run`: the figures since the previous payout entry).
pub(super) fn payout_report(e: &Entry, bounds: RunBounds, run: &Figures) -> PayoutReport {
    let number = payout_number(&e.psp_reference);
    let covered_sum = bounds.carried_in + run.net();
    let amount = -e.amount;
    let difference = covered_sum - amount;
    PayoutReport {
        number,
        label: payout_label(number, &e.psp_reference),
        psp_reference: e.psp_reference.clone(),
        date: e.ledger_date,
        time: e.time,
        amount,
        bank_text: e.reference.clone(),
        covered_from: bounds.from,
        covered_to: e.ledger_date,
        previous_payout_known: bounds.previous_known,
        carried_in: bounds.carried_in,
        sales: run.sales(),
        refunds: run.refunds(),
        net_sales: run.net_sales(),
        fees_retained: run.fees_retained(),
        other: run.other(),
        covered_sum,
        difference,
        balance_after: e.balance_after,
        // A reserve may stay behind, but then the ledger must say so in balanceAfter.
        ok: difference == e.balance_after,
    }
}

/// The `fees-invoiced` entry `e` and the run it closes (`fee_run`: Σ fees amounts since the previous invoice).
pub(super) fn invoice_report(e: &Entry, bounds: RunBounds, fee_run: Minor) -> FeeInvoiceReport {
    let accrued = -(bounds.carried_in + fee_run);
    let difference = e.amount - accrued;
    FeeInvoiceReport {
        psp_reference: e.psp_reference.clone(),
        reference: e.reference.clone(),
        date: e.ledger_date,
        amount: e.amount,
        covered_from: bounds.from,
        covered_to: e.ledger_date,
        previous_invoice_known: bounds.previous_known,
        accrued,
        difference,
        // What the invoice leaves owing must be what the ledger says is left.
        ok: -(accrued - e.amount) == e.balance_after,
    }
}

/// Invoices and no retained fees: gross; retained fees: net; fees charged but never retained
/// from funds wait for an invoice: gross; no fees at all: unknown.
pub(super) fn settlement(
    saw_invoiced: bool,
    saw_retained: bool,
    fees_days: &BTreeMap<NaiveDate, FeesDay>,
) -> Settlement {
    if saw_invoiced && !saw_retained {
        Settlement::Gross
    } else if saw_retained {
        Settlement::Net
    } else if fees_days.values().any(|d| d.figures.fees() != 0) {
        Settlement::Gross
    } else {
        Settlement::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntryType, Topic};

    fn entry(date: &str, before: Minor, amount: Minor) -> Entry {
        Entry {
            ledger_id: "1".into(),
            topic: Topic::Funds,
            ledger_date: date.parse().expect("date"),
            seq: 0,
            psp_reference: "1-2000023".into(),
            time: DateTime::UNIX_EPOCH,
            entry_type: EntryType::PayoutScheduled,
            reference: String::new(),
            currency: "NOK".into(),
            amount,
            balance_before: before,
            balance_after: before + amount,
            recipient_handle: None,
            name: None,
            masked_phone_no: None,
            message: None,
        }
    }

    #[test]
    fn the_first_run_starts_at_the_first_entry_and_the_next_the_day_after_the_payout() {
        let mut s = RunStart::default();
        let (first, payout) = (entry("2024-03-01", 50, 100), entry("2024-03-03", 150, -150));
        s.see(&first);
        s.see(&payout);
        let b = s.close(&payout);
        assert_eq!(
            (b.carried_in, b.from.to_string(), b.previous_known),
            (50, "2024-03-01".into(), false)
        );
        let next = entry("2024-03-05", 0, 0);
        s.see(&next);
        let b = s.close(&next);
        assert_eq!(
            (b.carried_in, b.from.to_string(), b.previous_known),
            (0, "2024-03-04".into(), true)
        );
    }

    #[test]
    fn a_second_payout_on_the_same_date_covers_from_that_date() {
        let mut s = RunStart::default();
        let a = entry("2024-03-03", 0, -10);
        s.see(&a);
        s.close(&a);
        let b = s.close(&entry("2024-03-03", 0, -20));
        assert_eq!(b.from.to_string(), "2024-03-03");
    }

    #[test]
    fn a_payout_equal_to_its_run_is_ok_and_labelled_by_its_number() {
        let mut run = Figures::default();
        run.add(crate::figures::Bucket::Sales, 150).expect("fits");
        let bounds = RunBounds {
            carried_in: 0,
            from: "2024-03-01".parse().expect("date"),
            previous_known: true,
        };
        let p = payout_report(&entry("2024-03-03", 150, -150), bounds, &run);
        assert_eq!(
            (p.label.as_str(), p.amount, p.covered_sum, p.difference, p.ok),
            ("#2000023", 150, 150, 0, true)
        );
    }
}
