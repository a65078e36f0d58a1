//! The figures of each ledger date: gathered per topic while the entries stream in ([`FundsDay`],
//! [`FeesDay`]), then reported for every date of the month ([`DayFigures`], with its [`DayStatus`])
//! and summed over the month ([`MonthTotals`]).

use super::checks::Chain;
use super::runs::PayoutReport;
use super::states::{DateStates, SyncState};
use crate::figures::{checked_sum, Figures, Overflow};
use crate::model::{Entry, Minor, Topic};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// How a ledger date of the month stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum DayStatus {
    /// Covered by a payout (see `paidIn`).
    Paid,
    /// Closed, but no payout covering it is cached yet: it rolls into the next payout.
    Carried,
    /// Upstream has not closed the date (`tryLater`).
    OpenUpstream,
    /// Not in the cache (or the last fetch failed).
    NotSynced,
}

/// The figures of one ledger date. Amounts in minor units; see the module docs for signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DayFigures {
    pub date: NaiveDate,
    #[serde(flatten)]
    #[ts(flatten)]
    pub figures: Figures,
    /// sales + refunds.
    #[ts(type = "number")]
    pub net_sales: Minor,
    #[ts(type = "number")]
    pub fee_adjustments: Minor,
    #[ts(type = "number")]
    pub fees_invoiced: Minor,
    /// The payout made on this date, e.g. "#2000023".
    pub payout_label: Option<String>,
    /// Funds balance at the end of the date (`None` when the date has no funds entries).
    #[ts(type = "number | null")]
    pub funds_closing: Option<Minor>,
    #[ts(type = "number | null")]
    pub fees_closing: Option<Minor>,
    pub funds_count: u32,
    pub fees_count: u32,
    pub status: DayStatus,
    /// `paid in #2000023`, `carried to next payout`, `open upstream`, `not synced`.
    pub status_text: String,
    /// The payout that covers this date.
    pub paid_in: Option<String>,
}

/// The month's totals over its own ledger dates (plus its payouts and invoices).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MonthTotals {
    #[serde(flatten)]
    #[ts(flatten)]
    pub figures: Figures,
    /// sales + refunds.
    #[ts(type = "number")]
    pub net_sales: Minor,
    #[ts(type = "number")]
    pub fee_adjustments: Minor,
    #[ts(type = "number")]
    pub fees_invoiced: Minor,
    pub payout_count: u32,
    pub capture_count: u32,
    pub funds_count: u64,
    pub fees_count: u64,
    /// Funds balance before the month's first entry / after its last (when known).
    #[ts(type = "number | null")]
    pub funds_opening: Option<Minor>,
    #[ts(type = "number | null")]
    pub funds_closing: Option<Minor>,
    #[ts(type = "number | null")]
    pub fees_opening: Option<Minor>,
    #[ts(type = "number | null")]
    pub fees_closing: Option<Minor>,
}

/// The entries of one topic on one date: how many, the balance before the first, after the last.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct DayEntries {
    pub count: u32,
    pub first_before: Minor,
    pub last_after: Minor,
}

impl DayEntries {
    pub fn push(&mut self, e: &Entry) {
        if self.count == 0 {
            self.first_before = e.balance_before;
        }
        self.count += 1;
        self.last_after = e.balance_after;
    }
}

/// A date's funds entries, as they stream in.
#[derive(Debug, Default, Clone)]
pub(super) struct FundsDay {
    pub figures: Figures,
    /// "#2000023", or several joined by ", " when payouts share the date.
    pub payout_label: Option<String>,
    pub entries: DayEntries,
}

impl FundsDay {
    pub fn add_payout_label(&mut self, label: &str) {
        self.payout_label = Some(match self.payout_label.take() {
            Some(prev) => format!("{prev}, {label}"),
            None => label.to_string(),
        });
    }
}

/// A date's fees entries, as they stream in.
#[derive(Debug, Default, Clone)]
pub(super) struct FeesDay {
    /// Only `fees` (fees charged) is ever set here.
    pub figures: Figures,
    /// −Σ credit notes, corrections and unknown fee types.
    pub adjustments: Minor,
    /// Σ fees-topic `fees-retained` (compared with the funds side by a check).
    pub retained: Minor,
    pub invoiced: Minor,
    pub entries: DayEntries,
}

/// Every date of the month with its figures and status, and the month's totals. `payouts` are all
/// the payouts streamed (a date is paid by the one whose run covers it, even next month's).
/// Figures that no longer fit in 64 bits are reported as breaks of the funds chain.
pub(super) fn month_days(
    dates: &[NaiveDate],
    funds_days: &BTreeMap<NaiveDate, FundsDay>,
    fees_days: &BTreeMap<NaiveDate, FeesDay>,
    states: &DateStates,
    payouts: &[PayoutReport],
    funds_chain: &mut Chain,
) -> (Vec<DayFigures>, MonthTotals) {
    let mut days = Vec::with_capacity(dates.len());
    let mut totals = MonthTotals::default();
    for &d in dates {
        let f = funds_days.get(&d).cloned().unwrap_or_default();
        let g = fees_days.get(&d).cloned().unwrap_or_default();
        let payout = payouts.iter().find(|p| d >= p.covered_from && d <= p.covered_to);
        let (status, status_text) =
            day_status(states.get(Topic::Funds, d), states.get(Topic::Fees, d), payout);
        let mut figures = f.figures;
        let mut fits = figures.merge(&g.figures).is_ok();
        let day = DayFigures {
            date: d,
            figures,
            net_sales: figures.net_sales(),
            fee_adjustments: g.adjustments,
            fees_invoiced: g.invoiced,
            payout_label: f.payout_label.clone(),
            funds_closing: (f.entries.count > 0).then_some(f.entries.last_after),
            fees_closing: (g.entries.count > 0).then_some(g.entries.last_after),
            funds_count: f.entries.count,
            fees_count: g.entries.count,
            status,
            status_text,
            paid_in: payout.map(|p| p.label.clone()),
        };
        fits &= totals.add_day(&day, &f.entries, &g.entries).is_ok();
        if !fits {
            funds_chain.date_overflow(d);
        }
        days.push(day);
    }
    (days, totals)
}

/// Not synced beats open upstream beats paid; a closed date no payout covers yet is carried.
fn day_status(funds: SyncState, fees: SyncState, payout: Option<&PayoutReport>) -> (DayStatus, String) {
    if [funds, fees]
        .iter()
        .any(|s| matches!(s, SyncState::Missing | SyncState::Failed))
    {
        (DayStatus::NotSynced, "not synced".to_string())
    } else if funds == SyncState::Open || fees == SyncState::Open {
        (DayStatus::OpenUpstream, "open upstream".to_string())
    } else if let Some(p) = payout {
        (DayStatus::Paid, format!("paid in {}", p.label))
    } else {
        (DayStatus::Carried, "carried to next payout".to_string())
    }
}

impl MonthTotals {
    /// Add a date of the month (its figures and both topics' entries, in date order).
    fn add_day(&mut self, day: &DayFigures, funds: &DayEntries, fees: &DayEntries) -> Result<(), Overflow> {
        self.figures.merge(&day.figures)?;
        self.net_sales = self.figures.net_sales();
        checked_sum(&mut self.fee_adjustments, day.fee_adjustments)?;
        checked_sum(&mut self.fees_invoiced, day.fees_invoiced)?;
        self.funds_count += u64::from(funds.count);
        self.fees_count += u64::from(fees.count);
        if funds.count > 0 {
            self.funds_opening.get_or_insert(funds.first_before);
            self.funds_closing = Some(funds.last_after);
        }
        if fees.count > 0 {
            self.fees_opening.get_or_insert(fees.first_before);
            self.fees_closing = Some(fees.last_after);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_not_synced_on_either_topic_is_not_synced_whatever_pays_it() {
        assert_eq!(
            day_status(SyncState::Complete, SyncState::Failed, None).0,
            DayStatus::NotSynced
        );
        assert_eq!(
            day_status(SyncState::Missing, SyncState::Open, None).0,
            DayStatus::NotSynced
        );
        assert_eq!(
            day_status(SyncState::Open, SyncState::Complete, None).0,
            DayStatus::OpenUpstream
        );
        assert_eq!(
            day_status(SyncState::Complete, SyncState::Complete, None),
            (DayStatus::Carried, "carried to next payout".to_string())
        );
    }

    #[test]
    fn a_days_entries_keep_the_first_balance_before_and_the_last_after() {
        let mut d = DayEntries::default();
        for (before, after) in [(100, 150), (150, 120)] {
            let e = Entry {
                ledger_id: "1".into(),
                topic: Topic::Funds,
                ledger_date: NaiveDate::from_ymd_opt(2024, 3, 1).expect("date"),
                seq: 0,
                psp_reference: String::new(),
                time: chrono::DateTime::UNIX_EPOCH,
                entry_type: crate::model::EntryType::Capture,
                reference: String::new(),
                currency: "NOK".into(),
                amount: after - before,
                balance_before: before,
                balance_after: after,
                recipient_handle: None,
                name: None,
                masked_phone_no: None,
                message: None,
            };
            d.push(&e);
        }
        assert_eq!((d.count, d.first_before, d.last_after), (2, 100, 120));
    }
}
