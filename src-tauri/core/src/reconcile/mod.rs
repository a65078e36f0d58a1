//! Payouts ↔ dates ↔ entries, captures ↔ fees, and the checks, for one ledger and one month.
//! Pure functions over entries already in memory (or streamed in order); no I/O.
//!
//! # Definitions (one set, used by the model, the workbook, the CSV and the UI)
//!
//! Per ledger date (positive figures unless said otherwise):
//! - `sales` = Σ funds `capture`;  `refunds` = Σ funds `refund` (negative);  `netSales` = sales + refunds.
//! - `fees` = fees *charged* that date = −Σ fees-topic `capture-fee`.
//! - `feeAdjustments` = −Σ other fees-topic movements that change what is owed: `credit-note`,
//!   `correction` and unknown fee types (a credit note is therefore negative here).
//! - `feesRetained` = fees *taken from funds* that date = −Σ funds `fees-retained` (net settlement).
//! - `feesInvoiced` = Σ fees-topic `fees-invoiced` (gross settlement; positive).
//! - `other` = Σ every other funds amount: corrections, top-ups, disputes, credit notes,
//!   `payout-aborted`, unknown types (report sign kept).
//! - `net` = netSales − feesRetained + other: the change of the funds balance before the payout,
//!   so the `net` of the dates a payout covers adds up to the payout (plus any balance carried).
//! - `payout` = −Σ funds `payout-scheduled`.
//!
//! The documented example day: sales 40000, refunds −10000, netSales 30000, fees 1200,
//! feesRetained 1200, net 28800, payout 28800 (#2000023).
//!
//! Matching: a capture fee belongs to the capture with the same `pspReference`, whatever its date.
//! A refund belongs to the capture with its `pspReference` when one exists (some integrations reuse
//! it); otherwise — as in the documented example, where refunds get their own pspReference — to the
//! captures with the same order `reference` captured on or before the refund date, earliest first,
//! each up to what is left of its gross; any excess goes to the last of them. Only refunds up to the
//! month's last date count (a refund next month is next month's figure).
//!
//! Streaming order: push the funds entries before the fees entries (as [`reconcile_month`] does),
//! so capture fees that lag past the month find their captures without keeping every later fee.
//!
//! A payout covers the ledger dates since the previous payout (exclusive) up to its own date. Its
//! *covered sum* is the balance carried in (the previous payout's `balanceAfter`, normally 0) plus
//! every non-payout funds amount since the previous payout entry. Callers load the entries of
//! [`needed_range`] so the run of the month's first payout and the fees of the month's last
//! captures are in reach.
//!
//! # Files, by job
//! - `stream`: the streaming [`Reconciler`] (push entries, then `finish`).
//! - `days`: the figures and status of each date, and the month's totals.
//! - `runs`: payout runs and fee-invoice runs (one `RunStart` for both), and the settlement kind.
//! - `captures`: capture fees ↔ captures, and the per-capture report.
//! - `refunds`: refunds ↔ captures.
//! - `checks`: the month's checks and the balance chains behind them.
//! - `states`: what the cache says of each (topic, date).
//! - `journal`: the vouchers to book.
//! - `book`: the compact store of captures; [`synth`]: synthetic ledgers for tests and benchmarks.
//! - The figures themselves (sales, refunds, fees, net, …) and which entry type counts towards
//!   which are [`crate::figures`].

mod book;
mod captures;
mod checks;
mod days;
mod journal;
mod journal_sales;
mod refunds;
mod runs;
pub mod sales;
mod states;
mod stream;
pub mod synth;

pub use captures::CaptureReport;
pub use checks::{Check, CheckId};
pub use days::{DayFigures, DayStatus, MonthTotals};
pub use journal::{
    journal, journal_with_sales, JournalAccounts, JournalLine, LineVat, VatCodes, Voucher, VoucherDate,
};
pub use journal_sales::{sales_account_name, SalesByDate, SALES_VAT_CURRENCY};
pub use refunds::RefundMatch;
pub use runs::{payout_label, FeeInvoiceReport, PayoutReport, Settlement};
pub use states::{DateStates, SyncState};
pub use stream::Reconciler;

use crate::model::{Entry, Ledger, Minor, Topic, YearMonth};
use chrono::{Duration, NaiveDate};
use serde::Serialize;

/// Days before the month that reconciliation wants: a monthly payout run (≤ 31 days) plus slack.
pub const DAYS_BEFORE: i64 = 35;
/// Days after the month: the next weekly payout (≤ 7 days) and capture fees that lag a few days.
pub const DAYS_AFTER: i64 = 10;
/// Captures up to this many days before the month are kept, so capture fees that lag into the month
/// (1–2 days in practice) find them. Older captures are not kept: a refund of one in this month
/// counts as `unmatchedRefunds`.
pub const CAPTURE_LOOKBACK_DAYS: i64 = 7;

/// The ledger dates whose funds and fees the caller should load for `month`: from 35 days before
/// the first day (so the month's first payout finds the payout before it) through 10 days after the
/// last day (so the dates after the month's last payout find the payout that pays them, and lagging
/// capture fees find their captures). Only the month's own dates are *required*; neighbouring dates
/// that are not cached simply make those links unknown.
pub fn needed_range(month: YearMonth) -> (NaiveDate, NaiveDate) {
    (
        month.first_day() - Duration::days(DAYS_BEFORE),
        month.last_day() + Duration::days(DAYS_AFTER),
    )
}

/// An entry type the app does not know, with how often it appears in the month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UnknownType {
    pub topic: Topic,
    pub entry_type: String,
    pub count: u32,
    #[ts(type = "number")]
    pub amount: Minor,
}

/// Everything the Summary, Payouts, Captures and Checks views show for one ledger and month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MonthReport {
    pub ledger_id: String,
    pub currency: String,
    pub month: YearMonth,
    pub settlement: Settlement,
    pub days: Vec<DayFigures>,
    pub payouts: Vec<PayoutReport>,
    pub fee_invoices: Vec<FeeInvoiceReport>,
    pub captures: Vec<CaptureReport>,
    pub checks: Vec<Check>,
    pub totals: MonthTotals,
    pub unknown_types: Vec<UnknownType>,
    /// Refund amounts in the month that matched no loaded capture (captured before the loaded range).
    #[ts(type = "number")]
    pub unmatched_refunds: Minor,
    pub all_ok: bool,
}

impl MonthReport {
    pub fn check(&self, id: CheckId) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }
    pub fn failed_checks(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.ok)
    }
}

/// Reconcile one month from whole slices. `funds` and `fees` may include neighbouring dates (see
/// [`needed_range`]); each must be ordered by (ledger date, seq) as the cache returns them.
pub fn reconcile_month(
    ledger: &Ledger,
    month: YearMonth,
    funds: &[Entry],
    fees: &[Entry],
    statuses: &[crate::store::DateStatus],
) -> MonthReport {
    reconcile_month_with_states(ledger, month, funds, fees, &DateStates::from(statuses))
}

/// As [`reconcile_month`], with the sync states given directly.
pub fn reconcile_month_with_states(
    ledger: &Ledger,
    month: YearMonth,
    funds: &[Entry],
    fees: &[Entry],
    states: &DateStates,
) -> MonthReport {
    let mut r = Reconciler::new(ledger, month);
    for e in funds {
        r.push_funds(e);
    }
    for e in fees {
        r.push_fees(e);
    }
    r.finish(states)
}
