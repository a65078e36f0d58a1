//! Which figure an entry counts towards ([`classify`]) and the figures themselves ([`Figures`]):
//! one definition shared by the cache's month summary, reconciliation, the CLI and the exports.
//!
//! Signs: `sales`, `fees`, `fees_retained` and `payout` are positive figures; `refunds` and `other`
//! keep the report's sign. `net = sales + refunds − fees_retained + other` is the change of the funds
//! balance before any payout, so the `net` of the dates a payout covers adds up to the payout.
//! The documented example day: sales 40000, refunds −10000, fees 1200, feesRetained 1200, other 0,
//! net 28800, payout 28800.

use crate::model::{EntryType, Minor, Topic};
use serde::{Deserialize, Serialize};

/// What an entry of a topic and type counts towards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// Funds `capture`.
    Sales,
    /// Funds `refund` (negative amounts).
    Refunds,
    /// Funds `fees-retained`: fees taken from funds (net settlement).
    FeesRetained,
    /// Funds `payout-scheduled`.
    Payout,
    /// Every other funds type: corrections, top-ups, disputes, credit notes, `payout-aborted`,
    /// unknown types.
    Other,
    /// Fees `capture-fee` and `service-fee`: fees charged.
    Fees,
    /// Fees `fees-retained`: the fees topic's side of the funds `fees-retained` (not a figure of
    /// its own; reconciliation checks that both sides agree).
    FeesRetainedOnFees,
    /// Fees `fees-invoiced` (gross settlement).
    FeesInvoiced,
    /// Every other fees type: `credit-note`, `correction` and unknown types; they change what is owed.
    FeeAdjustments,
}

/// The one place that says which figure an entry of `topic` and `entry_type` counts towards.
pub fn classify(topic: Topic, entry_type: &EntryType) -> Bucket {
    match (topic, entry_type) {
        (Topic::Funds, EntryType::Capture) => Bucket::Sales,
        (Topic::Funds, EntryType::Refund) => Bucket::Refunds,
        (Topic::Funds, EntryType::FeesRetained) => Bucket::FeesRetained,
        (Topic::Funds, EntryType::PayoutScheduled) => Bucket::Payout,
        (Topic::Funds, _) => Bucket::Other,
        // A service fee is a fee like a capture's, with no capture to match it to.
        (Topic::Fees, EntryType::CaptureFee | EntryType::ServiceFee) => Bucket::Fees,
        (Topic::Fees, EntryType::FeesRetained) => Bucket::FeesRetainedOnFees,
        (Topic::Fees, EntryType::FeesInvoiced) => Bucket::FeesInvoiced,
        (Topic::Fees, _) => Bucket::FeeAdjustments,
    }
}

/// A sum that no longer fits in 64 bits; the figures are left as they were before the amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a sum of amounts no longer fits in 64 bits")]
pub struct Overflow;

/// The figures of a ledger date, a month or a payout run, in minor units (see the module docs for
/// signs). The fields only change through [`Figures::add`] and [`Figures::merge`], so `net` always
/// follows from the others.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Figures {
    /// Σ funds `capture` amounts.
    #[ts(type = "number")]
    sales: Minor,
    /// Σ funds `refund` amounts (negative).
    #[ts(type = "number")]
    refunds: Minor,
    /// Fees charged: −Σ fees-topic `capture-fee` and `service-fee` amounts.
    #[ts(type = "number")]
    fees: Minor,
    /// Fees taken from funds (net settlement): −Σ funds `fees-retained` amounts.
    #[ts(type = "number")]
    fees_retained: Minor,
    /// Σ every other funds amount: corrections, top-ups, disputes, aborted payouts, unknown types.
    #[ts(type = "number")]
    other: Minor,
    /// `sales + refunds − fees_retained + other`: the cash movement on funds before any payout.
    #[ts(type = "number")]
    net: Minor,
    /// −Σ funds `payout-scheduled` amounts.
    #[ts(type = "number")]
    payout: Minor,
}

impl Figures {
    /// Count one entry's `amount` towards `bucket`. Buckets that are not one of these figures
    /// (fee adjustments, fees invoiced, the fees topic's fees retained) change nothing.
    pub fn add(&mut self, bucket: Bucket, amount: Minor) -> Result<(), Overflow> {
        let mut next = *self;
        match bucket {
            Bucket::Sales => checked_sum(&mut next.sales, amount)?,
            Bucket::Refunds => checked_sum(&mut next.refunds, amount)?,
            Bucket::FeesRetained => checked_sum(&mut next.fees_retained, negate(amount)?)?,
            Bucket::Other => checked_sum(&mut next.other, amount)?,
            Bucket::Payout => checked_sum(&mut next.payout, negate(amount)?)?,
            Bucket::Fees => checked_sum(&mut next.fees, negate(amount)?)?,
            Bucket::FeesRetainedOnFees | Bucket::FeesInvoiced | Bucket::FeeAdjustments => return Ok(()),
        }
        // Every funds movement but the payout moves the balance the payout pays out.
        if matches!(
            bucket,
            Bucket::Sales | Bucket::Refunds | Bucket::FeesRetained | Bucket::Other
        ) {
            checked_sum(&mut next.net, amount)?;
        }
        next.checked_net_sales()?;
        *self = next;
        Ok(())
    }

    /// Add another set of figures (a date's to a month's, say).
    pub fn merge(&mut self, other: &Figures) -> Result<(), Overflow> {
        let sum = |a: Minor, b: Minor| a.checked_add(b).ok_or(Overflow);
        let next = Figures {
            sales: sum(self.sales, other.sales)?,
            refunds: sum(self.refunds, other.refunds)?,
            fees: sum(self.fees, other.fees)?,
            fees_retained: sum(self.fees_retained, other.fees_retained)?,
            other: sum(self.other, other.other)?,
            net: sum(self.net, other.net)?,
            payout: sum(self.payout, other.payout)?,
        };
        next.checked_net_sales()?;
        *self = next;
        Ok(())
    }

    fn checked_net_sales(&self) -> Result<Minor, Overflow> {
        self.sales.checked_add(self.refunds).ok_or(Overflow)
    }

    pub fn sales(&self) -> Minor {
        self.sales
    }
    pub fn refunds(&self) -> Minor {
        self.refunds
    }
    /// `sales + refunds` (add and merge refuse figures where it would not fit).
    pub fn net_sales(&self) -> Minor {
        self.sales.saturating_add(self.refunds)
    }
    pub fn fees(&self) -> Minor {
        self.fees
    }
    pub fn fees_retained(&self) -> Minor {
        self.fees_retained
    }
    pub fn other(&self) -> Minor {
        self.other
    }
    pub fn net(&self) -> Minor {
        self.net
    }
    pub fn payout(&self) -> Minor {
        self.payout
    }
}

/// `−amount`, for the figures kept positive (fees, fees retained, payout).
pub fn negate(amount: Minor) -> Result<Minor, Overflow> {
    amount.checked_neg().ok_or(Overflow)
}

/// A running sum of one amount outside [`Figures`] (fee adjustments, fees invoiced), checked.
pub fn checked_sum(total: &mut Minor, amount: Minor) -> Result<(), Overflow> {
    *total = total.checked_add(amount).ok_or(Overflow)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(entries: &[(Topic, EntryType, Minor)]) -> Figures {
        let mut f = Figures::default();
        for (topic, t, amount) in entries {
            f.add(classify(*topic, t), *amount).expect("fits");
        }
        f
    }

    #[test]
    fn the_documented_example_day_nets_to_its_payout() {
        let f = day(&[
            (Topic::Funds, EntryType::Capture, 40000),
            (Topic::Funds, EntryType::Refund, -10000),
            (Topic::Funds, EntryType::FeesRetained, -1200),
            (Topic::Funds, EntryType::PayoutScheduled, -28800),
            (Topic::Fees, EntryType::CaptureFee, -1200),
            (Topic::Fees, EntryType::FeesRetained, 1200),
        ]);
        assert_eq!((f.sales(), f.refunds(), f.net_sales()), (40000, -10000, 30000));
        assert_eq!((f.fees(), f.fees_retained(), f.other()), (1200, 1200, 0));
        assert_eq!((f.net(), f.payout()), (28800, 28800));
    }

    #[test]
    fn other_funds_types_and_unknown_types_count_under_other_and_move_net() {
        let f = day(&[
            (Topic::Funds, EntryType::TopUp, 500),
            (Topic::Funds, EntryType::PayoutAborted, 300),
            (Topic::Funds, EntryType::Other("mystery".into()), -100),
        ]);
        assert_eq!((f.other(), f.net(), f.payout()), (700, 700, 0));
    }

    #[test]
    fn fee_adjustments_and_invoices_are_classified_but_not_figures_here() {
        assert_eq!(
            classify(Topic::Fees, &EntryType::CreditNote),
            Bucket::FeeAdjustments
        );
        assert_eq!(
            classify(Topic::Fees, &EntryType::Other("x".into())),
            Bucket::FeeAdjustments
        );
        assert_eq!(
            classify(Topic::Fees, &EntryType::FeesInvoiced),
            Bucket::FeesInvoiced
        );
        assert_eq!(classify(Topic::Fees, &EntryType::Capture), Bucket::FeeAdjustments);
        let f = day(&[
            (Topic::Fees, EntryType::CreditNote, 90),
            (Topic::Fees, EntryType::FeesInvoiced, 40),
        ]);
        assert_eq!(f, Figures::default());
    }

    #[test]
    fn merging_two_dates_adds_every_figure() {
        let a = day(&[
            (Topic::Funds, EntryType::Capture, 100),
            (Topic::Fees, EntryType::CaptureFee, -3),
        ]);
        let mut m = a;
        m.merge(&a).expect("fits");
        assert_eq!((m.sales(), m.fees(), m.net()), (200, 6, 200));
    }

    #[test]
    fn an_overflowing_amount_is_refused_and_leaves_the_figures_as_they_were() {
        let mut f = day(&[(Topic::Funds, EntryType::Capture, Minor::MAX)]);
        let before = f;
        assert_eq!(f.add(Bucket::Sales, 1), Err(Overflow));
        assert_eq!(f.add(Bucket::Other, 1), Err(Overflow), "net would overflow");
        assert_eq!(f, before);
        assert_eq!(f.merge(&before), Err(Overflow));
        assert_eq!(f, before);
    }
}
