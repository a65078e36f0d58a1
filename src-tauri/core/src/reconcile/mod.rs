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

mod book;
pub mod synth;

use crate::figures::{checked_sum, classify, negate, Bucket, Figures};
use crate::model::{payout_number, Entry, EntryType, Ledger, Minor, Topic, YearMonth};
use book::CaptureBook;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Days before the month that reconciliation wants: a monthly payout run (≤ 31 days) plus slack.
pub const DAYS_BEFORE: i64 = 35;
/// Days after the month: the next weekly payout (≤ 7 days) and capture fees that lag a few days.
pub const DAYS_AFTER: i64 = 10;
/// Captures up to this many days before the month are kept, so capture fees that lag into the month
/// (1–2 days in practice) find them. Older captures are not kept: a refund of one in this month
/// counts as `unmatchedRefunds`.
pub const CAPTURE_LOOKBACK_DAYS: i64 = 7;
/// At most this many problem lines are kept per check; the count is always exact.
const MAX_PROBLEMS: usize = 200;

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

/// Where the cache stands for one (topic, date), as reconciliation sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum SyncState {
    /// Closed upstream and stored whole.
    Complete,
    /// Upstream said `tryLater`: provisional.
    Open,
    /// The last fetch failed.
    Failed,
    /// Never fetched.
    Missing,
}

/// The sync state of every (topic, date) the caller knows; anything absent is `Missing`.
#[derive(Debug, Clone, Default)]
pub struct DateStates {
    map: HashMap<(Topic, NaiveDate), SyncState>,
}

impl DateStates {
    pub fn new() -> Self {
        DateStates::default()
    }
    /// Every date from `from` to `to` (inclusive), both topics, in `state`. Handy for tests and demos.
    pub fn all(from: NaiveDate, to: NaiveDate, state: SyncState) -> Self {
        let mut s = DateStates::new();
        for d in from.iter_days().take_while(|d| *d <= to) {
            for t in Topic::ALL {
                s.set(t, d, state);
            }
        }
        s
    }
    pub fn set(&mut self, topic: Topic, date: NaiveDate, state: SyncState) {
        self.map.insert((topic, date), state);
    }
    pub fn get(&self, topic: Topic, date: NaiveDate) -> SyncState {
        self.map
            .get(&(topic, date))
            .copied()
            .unwrap_or(SyncState::Missing)
    }
    fn synced(&self, topic: Topic, date: NaiveDate) -> bool {
        matches!(self.get(topic, date), SyncState::Complete | SyncState::Open)
    }
}

impl From<&[crate::store::DateStatus]> for DateStates {
    fn from(statuses: &[crate::store::DateStatus]) -> Self {
        let mut s = DateStates::new();
        for st in statuses {
            let state = match st.state {
                crate::store::DateState::Complete => SyncState::Complete,
                crate::store::DateState::Open => SyncState::Open,
                crate::store::DateState::Failed => SyncState::Failed,
            };
            s.set(st.topic, st.date, state);
        }
        s
    }
}

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

/// A refund entry (or the part of one) that reconciliation matched to a capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RefundMatch {
    /// The refund entry's own pspReference (the capture's, when the integration reuses it).
    pub psp_reference: String,
    /// The refund entry: funds topic, this ledger date and position.
    pub ledger_date: NaiveDate,
    pub seq: u32,
    /// This capture's share (negative).
    #[ts(type = "number")]
    pub amount: Minor,
    /// The whole refund (negative); differs from `amount` when the refund was split over captures
    /// with the same order reference.
    #[ts(type = "number")]
    pub refund_amount: Minor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum CheckId {
    FundsBalanceChain,
    FeesBalanceChain,
    PayoutsMatchFunds,
    FeesRetainedAgree,
    CaptureFeesMatchCaptures,
    DatesClosedAndSynced,
    EntryTypesRecognised,
    FeeInvoices,
}

/// One check: OK or FAIL, with a sentence and the offending lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Check {
    pub id: CheckId,
    pub title: String,
    pub ok: bool,
    pub detail: String,
    /// Up to 200 offending lines; `problemCount` is exact.
    pub problems: Vec<String>,
    pub problem_count: u32,
}

impl Check {
    pub fn status(&self) -> &'static str {
        if self.ok {
            "OK"
        } else {
            "FAIL"
        }
    }
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

// ---------------------------------------------------------------------------------------------
// The streaming reconciler: constant work per entry, memory per date and per capture only, so a
// million-entry month can be reconciled straight from the cache.

#[derive(Debug, Default, Clone)]
struct FundsDay {
    figures: Figures,
    payout_label: Option<String>,
    count: u32,
    first_before: Minor,
    last_after: Minor,
}

#[derive(Debug, Default, Clone)]
struct FeesDay {
    /// Only `fees` (fees charged) is ever set here.
    figures: Figures,
    adjustments: Minor,
    retained: Minor,
    invoiced: Minor,
    count: u32,
    first_before: Minor,
    last_after: Minor,
}

#[derive(Debug, Clone)]
struct RefundAcc {
    psp: String,
    reference: String,
    date: NaiveDate,
    seq: u32,
    amount: Minor,
}

/// Capture fees (in the month) whose pspReference matched no capture when they arrived.
#[derive(Debug, Clone, Copy, Default)]
struct FeeAcc {
    amount: Minor,
    count: u32,
    last_date: Option<NaiveDate>,
}

/// Problems found while streaming: kept short, counted exactly.
#[derive(Debug, Default, Clone)]
struct Problems {
    lines: Vec<String>,
    count: u32,
}

impl Problems {
    fn push(&mut self, line: impl FnOnce() -> String) {
        self.count += 1;
        if self.lines.len() < MAX_PROBLEMS {
            self.lines.push(line());
        }
    }
}

#[derive(Debug, Default, Clone)]
struct Chain {
    last: Option<(NaiveDate, u32, Minor)>,
    problems: Problems,
    checked: u64,
}

impl Chain {
    /// Per entry and within its date: `after = before + amount`, and `before` = the previous `after`.
    fn push(&mut self, topic: Topic, e: &Entry, in_month: bool) {
        if in_month {
            self.checked += 1;
            if e.balance_before.checked_add(e.amount) != Some(e.balance_after) {
                self.problems.push(|| {
                    format!(
                        "{topic} {} #{} ({} {}): balance after {} ≠ balance before {} + amount {}",
                        e.ledger_date,
                        e.seq,
                        e.entry_type,
                        e.psp_reference,
                        e.balance_after,
                        e.balance_before,
                        e.amount
                    )
                });
            }
            if let Some((date, seq, after)) = self.last {
                if date == e.ledger_date && after != e.balance_before {
                    self.problems.push(|| {
                        format!(
                            "{topic} {} #{} ({} {}): balance before {} ≠ balance after {} of entry #{}",
                            e.ledger_date, e.seq, e.entry_type, e.psp_reference, e.balance_before, after, seq
                        )
                    });
                }
            }
        }
        self.last = Some((e.ledger_date, e.seq, e.balance_after));
    }

    /// An amount that would make a date's or a payout run's figures overflow: counted as a break,
    /// so the check fails instead of a sum wrapping.
    fn overflow(&mut self, topic: Topic, e: &Entry) {
        self.problems.push(|| {
            format!(
                "{topic} {} #{} ({} {}): amount {} makes the figures no longer fit in 64 bits",
                e.ledger_date, e.seq, e.entry_type, e.psp_reference, e.amount
            )
        });
    }
}

/// Feeds entries one at a time (funds and fees each in (ledger date, seq) order) and builds the
/// [`MonthReport`] at the end. Used by [`reconcile_month`] and by the export, which streams
/// a million entries from the cache without holding them all.
#[derive(Debug)]
pub struct Reconciler {
    ledger_id: String,
    currency: String,
    month: YearMonth,
    first: NaiveDate,
    last: NaiveDate,
    /// Captures before this date are not kept (see [`CAPTURE_LOOKBACK_DAYS`]).
    lookback: NaiveDate,
    funds_days: BTreeMap<NaiveDate, FundsDay>,
    fees_days: BTreeMap<NaiveDate, FeesDay>,
    funds_chain: Chain,
    fees_chain: Chain,
    // Payout runs.
    /// The figures since the previous payout entry; their `net` is the run's funds movement.
    run: Figures,
    run_start: Option<NaiveDate>,
    prev_payout: Option<(NaiveDate, Minor)>,
    first_funds_before: Option<Minor>,
    payouts: Vec<PayoutReport>,
    // Fee invoice runs.
    fee_run: Minor,
    fee_run_start: Option<NaiveDate>,
    prev_invoice: Option<(NaiveDate, Minor)>,
    first_fees_before: Option<Minor>,
    invoices: Vec<FeeInvoiceReport>,
    // Captures, refunds and fees by pspReference.
    book: CaptureBook,
    refunds: Vec<RefundAcc>,
    orphan_fees: HashMap<String, FeeAcc>,
    matched_fees_in_month: u32,
    unknown: BTreeMap<(Topic, String), (u32, Minor)>,
    saw_retained: bool,
    saw_invoiced: bool,
}

impl Reconciler {
    pub fn new(ledger: &Ledger, month: YearMonth) -> Self {
        Reconciler {
            ledger_id: ledger.ledger_id.clone(),
            currency: ledger.currency.clone(),
            month,
            first: month.first_day(),
            last: month.last_day(),
            lookback: month.first_day() - Duration::days(CAPTURE_LOOKBACK_DAYS),
            funds_days: BTreeMap::new(),
            fees_days: BTreeMap::new(),
            funds_chain: Chain::default(),
            fees_chain: Chain::default(),
            run: Figures::default(),
            run_start: None,
            prev_payout: None,
            first_funds_before: None,
            payouts: Vec::new(),
            fee_run: 0,
            fee_run_start: None,
            prev_invoice: None,
            first_fees_before: None,
            invoices: Vec::new(),
            book: CaptureBook::default(),
            refunds: Vec::new(),
            orphan_fees: HashMap::new(),
            matched_fees_in_month: 0,
            unknown: BTreeMap::new(),
            saw_retained: false,
            saw_invoiced: false,
        }
    }

    fn in_month(&self, d: NaiveDate) -> bool {
        d >= self.first && d <= self.last
    }

    /// The next funds entry, in (ledger date, seq) order.
    pub fn push_funds(&mut self, e: &Entry) {
        let in_month = self.in_month(e.ledger_date);
        self.funds_chain.push(Topic::Funds, e, in_month);
        self.first_funds_before.get_or_insert(e.balance_before);
        self.run_start.get_or_insert(e.ledger_date);
        let day = self.funds_days.entry(e.ledger_date).or_insert_with(|| FundsDay {
            first_before: e.balance_before,
            ..FundsDay::default()
        });
        day.count += 1;
        day.last_after = e.balance_after;
        let bucket = classify(Topic::Funds, &e.entry_type);
        let mut fits = day.figures.add(bucket, e.amount).is_ok();
        match bucket {
            Bucket::Payout => {
                let number = payout_number(&e.psp_reference);
                let label = payout_label(number, &e.psp_reference);
                day.payout_label = Some(match day.payout_label.take() {
                    Some(prev) => format!("{prev}, {label}"),
                    None => label.clone(),
                });
                self.close_payout_run(e, number, label);
                if !fits {
                    self.funds_chain.overflow(Topic::Funds, e);
                }
                return;
            }
            Bucket::Sales => {
                // Captures after the month can neither be reported nor own the month's fees; captures
                // long before it only matter for refunds, which are then reported as unmatched.
                if e.ledger_date <= self.last && e.ledger_date >= self.lookback {
                    self.book.add(
                        &e.psp_reference,
                        &e.reference,
                        e.recipient_handle.as_deref(),
                        e.ledger_date,
                        e.time,
                        e.amount,
                    );
                    if let Some(c) = self.book.captures.last_mut() {
                        c.run = u32::try_from(self.payouts.len()).unwrap_or(u32::MAX);
                    }
                }
            }
            Bucket::Refunds => {
                // A refund after the month belongs to a later month's figures.
                if e.ledger_date <= self.last {
                    self.refunds.push(RefundAcc {
                        psp: e.psp_reference.clone(),
                        reference: e.reference.clone(),
                        date: e.ledger_date,
                        seq: e.seq,
                        amount: e.amount,
                    });
                }
            }
            Bucket::FeesRetained => self.saw_retained = true,
            _ => self.count_unknown(Topic::Funds, e, in_month),
        }
        fits &= self.run.add(bucket, e.amount).is_ok();
        if !fits {
            self.funds_chain.overflow(Topic::Funds, e);
        }
    }

    /// A payout entry closes the run of funds since the previous one.
    fn close_payout_run(&mut self, e: &Entry, number: Option<u64>, label: String) {
        let (carried_in, from, known) = match self.prev_payout {
            Some((d, after)) => (
                after,
                if d < e.ledger_date {
                    d + Duration::days(1)
                } else {
                    d
                },
                true,
            ),
            None => (
                self.first_funds_before.unwrap_or(0),
                self.run_start.unwrap_or(e.ledger_date),
                false,
            ),
        };
        let covered_sum = carried_in + self.run.net();
        let amount = -e.amount;
        let difference = covered_sum - amount;
        self.payouts.push(PayoutReport {
            number,
            label,
            psp_reference: e.psp_reference.clone(),
            date: e.ledger_date,
            time: e.time,
            amount,
            bank_text: e.reference.clone(),
            covered_from: from,
            covered_to: e.ledger_date,
            previous_payout_known: known,
            carried_in,
            sales: self.run.sales(),
            refunds: self.run.refunds(),
            net_sales: self.run.net_sales(),
            fees_retained: self.run.fees_retained(),
            other: self.run.other(),
            covered_sum,
            difference,
            balance_after: e.balance_after,
            // A reserve may stay behind, but then the ledger must say so in balanceAfter.
            ok: difference == e.balance_after,
        });
        self.prev_payout = Some((e.ledger_date, e.balance_after));
        self.run = Figures::default();
    }

    /// An entry type the app does not know, counted for the month (it still counts under other).
    fn count_unknown(&mut self, topic: Topic, e: &Entry, in_month: bool) {
        if let EntryType::Other(name) = &e.entry_type {
            if in_month {
                let u = self.unknown.entry((topic, name.clone())).or_default();
                u.0 += 1;
                u.1 += e.amount;
            }
        }
    }

    /// The next fees entry, in (ledger date, seq) order.
    pub fn push_fees(&mut self, e: &Entry) {
        let in_month = self.in_month(e.ledger_date);
        self.fees_chain.push(Topic::Fees, e, in_month);
        self.first_fees_before.get_or_insert(e.balance_before);
        self.fee_run_start.get_or_insert(e.ledger_date);
        let day = self.fees_days.entry(e.ledger_date).or_insert_with(|| FeesDay {
            first_before: e.balance_before,
            ..FeesDay::default()
        });
        day.count += 1;
        day.last_after = e.balance_after;
        let bucket = classify(Topic::Fees, &e.entry_type);
        let fits = match bucket {
            Bucket::Fees => day.figures.add(bucket, e.amount),
            Bucket::FeesRetainedOnFees => checked_sum(&mut day.retained, e.amount),
            Bucket::FeesInvoiced => checked_sum(&mut day.invoiced, e.amount),
            _ => negate(e.amount).and_then(|a| checked_sum(&mut day.adjustments, a)),
        }
        .is_ok();
        if !fits {
            self.fees_chain.overflow(Topic::Fees, e);
        }
        match bucket {
            Bucket::Fees => {
                // Fees before the month belong to earlier captures; after it, only to known captures.
                if e.ledger_date >= self.first {
                    if let Some(i) = self.book.find(&e.psp_reference) {
                        let c = &mut self.book.captures[i];
                        c.fees -= e.amount;
                        c.fee_count += 1;
                        c.fee_last = Some(c.fee_last.map_or(e.ledger_date, |d| d.max(e.ledger_date)));
                        if in_month {
                            self.matched_fees_in_month += 1;
                        }
                    } else if in_month {
                        let f = self.orphan_fees.entry(e.psp_reference.clone()).or_default();
                        f.amount -= e.amount;
                        f.count += 1;
                        f.last_date = Some(f.last_date.map_or(e.ledger_date, |d| d.max(e.ledger_date)));
                    }
                }
            }
            Bucket::FeesRetainedOnFees => self.saw_retained = true,
            Bucket::FeesInvoiced => {
                self.saw_invoiced = true;
                self.close_invoice_run(e);
                return;
            }
            _ => self.count_unknown(Topic::Fees, e, in_month),
        }
        self.fee_run += e.amount;
    }

    /// A fees-invoiced entry closes the run of fees since the previous invoice.
    fn close_invoice_run(&mut self, e: &Entry) {
        let (carried, from, known) = match self.prev_invoice {
            Some((d, after)) => (
                after,
                if d < e.ledger_date {
                    d + Duration::days(1)
                } else {
                    d
                },
                true,
            ),
            None => (
                self.first_fees_before.unwrap_or(0),
                self.fee_run_start.unwrap_or(e.ledger_date),
                false,
            ),
        };
        let accrued = -(carried + self.fee_run);
        let difference = e.amount - accrued;
        self.invoices.push(FeeInvoiceReport {
            psp_reference: e.psp_reference.clone(),
            reference: e.reference.clone(),
            date: e.ledger_date,
            amount: e.amount,
            covered_from: from,
            covered_to: e.ledger_date,
            previous_invoice_known: known,
            accrued,
            difference,
            // What the invoice leaves owing must be what the ledger says is left.
            ok: -(accrued - e.amount) == e.balance_after,
        });
        self.prev_invoice = Some((e.ledger_date, e.balance_after));
        self.fee_run = 0;
    }

    pub fn finish(mut self, states: &DateStates) -> MonthReport {
        let month_dates: Vec<NaiveDate> = self.month.dates().collect();

        // Which payout pays which date.
        let paid_in = |d: NaiveDate| -> Option<&PayoutReport> {
            self.payouts
                .iter()
                .find(|p| d >= p.covered_from && d <= p.covered_to)
        };

        // Fees that arrived before their capture was pushed (fees streamed first) match now.
        let orphans = std::mem::take(&mut self.orphan_fees);
        for (psp, f) in orphans {
            match self.book.find(&psp) {
                Some(i) => {
                    let c = &mut self.book.captures[i];
                    c.fees += f.amount;
                    c.fee_count += f.count;
                    c.fee_last = c.fee_last.max(f.last_date);
                    self.matched_fees_in_month += f.count;
                }
                None => {
                    self.orphan_fees.insert(psp, f);
                }
            }
        }

        // Refunds to captures: by pspReference, else by order reference (see the module docs).
        let wanted: HashSet<&str> = self
            .refunds
            .iter()
            .filter(|r| self.book.find(&r.psp).is_none())
            .map(|r| r.reference.as_str())
            .collect();
        let mut by_reference: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, c) in self.book.captures.iter().enumerate() {
            let reference = self.book.str(c.reference);
            if let Some(key) = wanted.get(reference) {
                by_reference.entry(key).or_default().push(i);
            }
        }
        // (capture, refund, share)
        let mut refunded: Vec<(usize, usize, Minor)> = Vec::new();
        let mut unmatched_refunds = 0;
        let mut taken: HashMap<usize, Minor> = HashMap::new();
        for (ri, r) in self.refunds.iter().enumerate() {
            if let Some(i) = self.book.find(&r.psp) {
                refunded.push((i, ri, r.amount));
                continue;
            }
            let candidates: Vec<usize> = by_reference
                .get(r.reference.as_str())
                .map(|v| {
                    v.iter()
                        .copied()
                        .filter(|&i| self.book.captures[i].date <= r.date)
                        .collect()
                })
                .unwrap_or_default();
            let Some(&last) = candidates.last() else {
                if self.in_month(r.date) {
                    unmatched_refunds += r.amount;
                }
                continue;
            };
            let mut left = r.amount; // negative
            for &i in &candidates {
                if left == 0 {
                    break;
                }
                let room = self.book.captures[i].gross + taken.get(&i).copied().unwrap_or(0);
                if room <= 0 {
                    continue;
                }
                let take = left.max(-room);
                *taken.entry(i).or_default() += take;
                refunded.push((i, ri, take));
                left -= take;
            }
            if left != 0 {
                *taken.entry(last).or_default() += left;
                refunded.push((last, ri, left));
            }
        }
        let mut matched: HashMap<usize, Vec<(usize, Minor)>> = HashMap::new();
        for (i, ri, amount) in refunded {
            self.book.captures[i].refunded += amount;
            let shares = matched.entry(i).or_default();
            match shares.last_mut() {
                // A refund's excess lands on a capture that already took a share of it: one match.
                Some((last, share)) if *last == ri => *share += amount,
                _ => shares.push((ri, amount)),
            }
        }

        // Captures of the month (counted first: a million-entry month should not double a Vec).
        let in_month_count = self.book.captures.iter().filter(|c| c.date >= self.first).count();
        let mut captures: Vec<CaptureReport> = Vec::with_capacity(in_month_count);
        captures.extend(
            self.book
                .captures
                .iter()
                .enumerate()
                .filter(|(_, c)| c.date >= self.first && c.date <= self.last)
                .map(|(i, c)| {
                    // The next payout entry after the capture pays it (not the first payout of its
                    // date: entries after a payout on its own date go to the next one).
                    let payout = self.payouts.get(c.run as usize);
                    CaptureReport {
                        psp_reference: self.book.str(c.psp).to_string(),
                        reference: self.book.str(c.reference).to_string(),
                        capture_date: c.date,
                        time: c.time,
                        recipient_handle: c.handle.map(|h| self.book.str(h).to_string()),
                        gross: c.gross,
                        refunded: c.refunded,
                        refunds: matched
                            .get(&i)
                            .into_iter()
                            .flatten()
                            .map(|&(ri, amount)| {
                                let r = &self.refunds[ri];
                                RefundMatch {
                                    psp_reference: r.psp.clone(),
                                    ledger_date: r.date,
                                    seq: r.seq,
                                    amount,
                                    refund_amount: r.amount,
                                }
                            })
                            .collect(),
                        fees: c.fees,
                        fee_count: c.fee_count,
                        fee_date: c.fee_last,
                        net: c.gross + c.refunded - c.fees,
                        payout: payout.map(|p| p.label.clone()),
                        payout_date: payout.map(|p| p.date),
                    }
                }),
        );

        // Days.
        let mut days = Vec::with_capacity(month_dates.len());
        let mut totals = MonthTotals::default();
        for &d in &month_dates {
            let f = self.funds_days.get(&d).cloned().unwrap_or_default();
            let g = self.fees_days.get(&d).cloned().unwrap_or_default();
            let mut figures = f.figures;
            let mut fits = figures.merge(&g.figures).is_ok();
            let (fs, gs) = (states.get(Topic::Funds, d), states.get(Topic::Fees, d));
            let payout = paid_in(d);
            let (status, status_text) = if [fs, gs]
                .iter()
                .any(|s| matches!(s, SyncState::Missing | SyncState::Failed))
            {
                (DayStatus::NotSynced, "not synced".to_string())
            } else if fs == SyncState::Open || gs == SyncState::Open {
                (DayStatus::OpenUpstream, "open upstream".to_string())
            } else if let Some(p) = payout {
                (DayStatus::Paid, format!("paid in {}", p.label))
            } else {
                (DayStatus::Carried, "carried to next payout".to_string())
            };
            let day = DayFigures {
                date: d,
                figures,
                net_sales: figures.net_sales(),
                fee_adjustments: g.adjustments,
                fees_invoiced: g.invoiced,
                payout_label: f.payout_label.clone(),
                funds_closing: (f.count > 0).then_some(f.last_after),
                fees_closing: (g.count > 0).then_some(g.last_after),
                funds_count: f.count,
                fees_count: g.count,
                status,
                status_text,
                paid_in: payout.map(|p| p.label.clone()),
            };
            fits &= totals.figures.merge(&day.figures).is_ok()
                && checked_sum(&mut totals.fee_adjustments, day.fee_adjustments).is_ok()
                && checked_sum(&mut totals.fees_invoiced, day.fees_invoiced).is_ok();
            if !fits {
                self.funds_chain
                    .problems
                    .push(|| format!("{d}: the figures of the date or the month no longer fit in 64 bits"));
            }
            totals.net_sales = totals.figures.net_sales();
            totals.funds_count += u64::from(f.count);
            totals.fees_count += u64::from(g.count);
            if f.count > 0 {
                totals.funds_opening.get_or_insert(f.first_before);
                totals.funds_closing = Some(f.last_after);
            }
            if g.count > 0 {
                totals.fees_opening.get_or_insert(g.first_before);
                totals.fees_closing = Some(g.last_after);
            }
            days.push(day);
        }
        let in_month = |d: NaiveDate| d >= self.first && d <= self.last;
        let payouts: Vec<PayoutReport> = self
            .payouts
            .iter()
            .filter(|p| in_month(p.date))
            .cloned()
            .collect();
        let invoices: Vec<FeeInvoiceReport> = self
            .invoices
            .iter()
            .filter(|p| in_month(p.date))
            .cloned()
            .collect();
        totals.payout_count = payouts.len() as u32;
        totals.capture_count = captures.len() as u32;

        // Checks.
        let mut checks = Vec::new();
        for (topic, id, title) in [
            (Topic::Funds, CheckId::FundsBalanceChain, "Funds balance chain"),
            (Topic::Fees, CheckId::FeesBalanceChain, "Fees balance chain"),
        ] {
            let (chain, days_map): (&mut Chain, Vec<(NaiveDate, Minor, Minor)>) = match topic {
                Topic::Funds => (
                    &mut self.funds_chain,
                    self.funds_days
                        .iter()
                        .map(|(d, x)| (*d, x.first_before, x.last_after))
                        .collect(),
                ),
                Topic::Fees => (
                    &mut self.fees_chain,
                    self.fees_days
                        .iter()
                        .map(|(d, x)| (*d, x.first_before, x.last_after))
                        .collect(),
                ),
            };
            let mut links = 0u32;
            for w in days_map.windows(2) {
                let ((a, _, a_after), (b, b_before, _)) = (w[0], w[1]);
                if !in_month(b) {
                    continue;
                }
                // Only compare across dates the cache holds in full (synced, even if empty).
                let gap_synced = a
                    .iter_days()
                    .skip(1)
                    .take_while(|d| *d < b)
                    .all(|d| states.synced(topic, d));
                if !gap_synced {
                    continue;
                }
                links += 1;
                if a_after != b_before {
                    chain.problems.push(|| {
                        format!("{topic} {b}: opening balance {b_before} ≠ closing balance {a_after} of {a}")
                    });
                }
            }
            let ok = chain.problems.count == 0;
            let detail = if ok {
                format!(
                    "{} entries and {links} date-to-date links: every balance follows from the one before.",
                    chain.checked
                )
            } else {
                format!("{} break(s) in the balance chain.", chain.problems.count)
            };
            checks.push(check(id, title, detail, std::mem::take(&mut chain.problems)));
        }

        {
            let mut p = Problems::default();
            for po in &payouts {
                if !po.ok {
                    p.push(|| {
                        format!(
                            "payout {} on {}: {} paid, but the funds it covers ({} to {}) add up to {} (difference {}, balance left {})",
                            po.label,
                            po.date,
                            fmt(po.amount),
                            po.covered_from,
                            po.covered_to,
                            fmt(po.covered_sum),
                            fmt(po.difference),
                            fmt(po.balance_after)
                        )
                    });
                }
            }
            let unknown_start = payouts.iter().filter(|p| !p.previous_payout_known).count();
            let mut detail = if p.count == 0 {
                format!(
                    "{} payout(s) this month, each equal to the funds it covers.",
                    payouts.len()
                )
            } else {
                format!(
                    "{} of {} payout(s) differ from the funds they cover.",
                    p.count,
                    payouts.len()
                )
            };
            if unknown_start > 0 {
                detail.push_str(&format!(
                    " {unknown_start} payout run(s) start before the loaded dates; sync earlier dates to see where they begin."
                ));
            }
            checks.push(check(
                CheckId::PayoutsMatchFunds,
                "Every payout equals the funds it covers",
                detail,
                p,
            ));
        }

        {
            let mut p = Problems::default();
            let mut dates = 0;
            for &d in &month_dates {
                let funds = self.funds_days.get(&d).map_or(0, |x| x.figures.fees_retained());
                let fees = self.fees_days.get(&d).map_or(0, |x| x.retained);
                if funds != 0 || fees != 0 {
                    dates += 1;
                }
                if funds != fees {
                    p.push(|| {
                        format!(
                            "{d}: funds fees-retained {} ≠ fees fees-retained {}",
                            fmt(-funds),
                            fmt(fees)
                        )
                    });
                }
            }
            let detail = if p.count == 0 {
                format!("{dates} date(s) with fees retained; funds and fees agree on every one.")
            } else {
                format!(
                    "{} date(s) where funds and fees disagree on the fees retained.",
                    p.count
                )
            };
            checks.push(check(
                CheckId::FeesRetainedAgree,
                "Fees retained on funds equal fees retained on fees, per date",
                detail,
                p,
            ));
        }

        {
            let mut p = Problems::default();
            let matched = self.matched_fees_in_month;
            let mut orphans: Vec<(&String, &FeeAcc)> = self.orphan_fees.iter().collect();
            orphans.sort_by(|a, b| (a.1.last_date, a.0).cmp(&(b.1.last_date, b.0)));
            for (psp, f) in orphans {
                p.push(|| {
                    format!(
                        "capture fee {} ({}, last on {}) has no capture with that pspReference",
                        psp,
                        fmt(f.amount),
                        f.last_date.map(|d| d.to_string()).unwrap_or_default()
                    )
                });
            }
            let detail = if p.count == 0 {
                format!("{matched} capture fee(s) this month, each matched to its capture by pspReference.")
            } else {
                format!(
                    "{} pspReference(s) with capture fees but no capture in the loaded dates.",
                    p.count
                )
            };
            checks.push(check(
                CheckId::CaptureFeesMatchCaptures,
                "Every capture fee matches a capture",
                detail,
                p,
            ));
        }

        {
            let mut p = Problems::default();
            let (mut open, mut missing) = (0, 0);
            for &d in &month_dates {
                for t in Topic::ALL {
                    match states.get(t, d) {
                        SyncState::Complete => {}
                        SyncState::Open => {
                            open += 1;
                            p.push(|| format!("{t} {d}: open upstream (not closed by Vipps MobilePay yet)"));
                        }
                        SyncState::Failed => {
                            missing += 1;
                            p.push(|| format!("{t} {d}: the last fetch failed"));
                        }
                        SyncState::Missing => {
                            missing += 1;
                            p.push(|| format!("{t} {d}: not synced"));
                        }
                    }
                }
            }
            let detail = if p.count == 0 {
                format!(
                    "All {} dates closed upstream and synced (funds and fees).",
                    month_dates.len()
                )
            } else {
                format!("{open} topic-date(s) still open upstream, {missing} not synced.")
            };
            checks.push(check(
                CheckId::DatesClosedAndSynced,
                "Every date of the month closed and synced",
                detail,
                p,
            ));
        }

        let unknown_types: Vec<UnknownType> = self
            .unknown
            .iter()
            .map(|((topic, name), (count, amount))| UnknownType {
                topic: *topic,
                entry_type: name.clone(),
                count: *count,
                amount: *amount,
            })
            .collect();
        {
            let mut p = Problems::default();
            for u in &unknown_types {
                p.push(|| {
                    format!(
                        "{}: \"{}\" × {} totalling {} (counted under other)",
                        u.topic,
                        u.entry_type,
                        u.count,
                        fmt(u.amount)
                    )
                });
            }
            let detail = if p.count == 0 {
                "Every entry type is one Avstem knows.".to_string()
            } else {
                format!(
                    "{} entry type(s) Avstem does not know; they are counted under other movements and need a look.",
                    p.count
                )
            };
            checks.push(check(
                CheckId::EntryTypesRecognised,
                "Entry types recognised",
                detail,
                p,
            ));
        }

        let settlement = if self.saw_invoiced && !self.saw_retained {
            Settlement::Gross
        } else if self.saw_retained {
            Settlement::Net
        } else if self.fees_days.values().any(|d| d.figures.fees() != 0) {
            // Fees charged but never retained from funds: they wait for an invoice.
            Settlement::Gross
        } else {
            Settlement::Unknown
        };
        {
            let mut p = Problems::default();
            for inv in &invoices {
                if !inv.ok {
                    p.push(|| {
                        format!(
                            "fees-invoiced {} on {}: {} invoiced, but fees accrued {} to {} are {} (difference {})",
                            inv.psp_reference,
                            inv.date,
                            fmt(inv.amount),
                            inv.covered_from,
                            inv.covered_to,
                            fmt(inv.accrued),
                            fmt(inv.difference)
                        )
                    });
                }
            }
            let total: Minor = invoices.iter().map(|i| i.amount).sum();
            let detail = match (settlement, invoices.len()) {
                (_, n) if n > 0 => format!(
                    "Gross settlement: fees invoiced this month {} in {n} invoice(s){}.",
                    fmt(total),
                    if p.count == 0 { ", each equal to the fees accrued since the previous invoice" } else { "" }
                ),
                (Settlement::Gross, _) => format!(
                    "Gross settlement: no fee invoice this month; {} of fees charged this month await the next invoice.",
                    fmt(totals.figures.fees() + totals.fee_adjustments)
                ),
                _ => "Net settlement: fees are retained from funds, no fee invoices.".to_string(),
            };
            checks.push(check(
                CheckId::FeeInvoices,
                "Gross settlement: the month's fees-invoiced total",
                detail,
                p,
            ));
        }

        let all_ok = checks.iter().all(|c| c.ok);
        MonthReport {
            ledger_id: self.ledger_id,
            currency: self.currency,
            month: self.month,
            settlement,
            days,
            payouts,
            fee_invoices: invoices,
            captures,
            checks,
            totals,
            unknown_types,
            unmatched_refunds,
            all_ok,
        }
    }
}

fn check(id: CheckId, title: &str, detail: String, p: Problems) -> Check {
    Check {
        id,
        title: title.to_string(),
        ok: p.count == 0,
        detail,
        problems: p.lines,
        problem_count: p.count,
    }
}

fn fmt(m: Minor) -> String {
    crate::model::format_minor(m)
}

/// "#2000023", or the pspReference when it carries no number.
pub fn payout_label(number: Option<u64>, psp_reference: &str) -> String {
    match number {
        Some(n) => format!("#{n}"),
        None => psp_reference.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// The journal: what the accountant books.

/// Account numbers for the journal (Norwegian standard chart defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct JournalAccounts {
    /// Bank account the payout reaches (1920 Bankinnskudd).
    pub bank: String,
    /// Bank and card fees (7770 Bank- og kortgebyrer).
    pub fees: String,
    /// Sales clearing account the shop books its Vipps sales against (user-picked 15xx/19xx).
    pub clearing: String,
    /// Suspense account for movements that need a person's judgement (2990 is a common choice).
    pub suspense: String,
    /// Accounts payable, for gross-settled fee invoices (2400 Leverandørgjeld).
    pub payable: String,
}

impl Default for JournalAccounts {
    fn default() -> Self {
        JournalAccounts {
            bank: "1920".into(),
            fees: "7770".into(),
            clearing: "1580".into(),
            suspense: "2990".into(),
            payable: "2400".into(),
        }
    }
}

/// One journal line; exactly one of `debit` / `credit` is non-zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct JournalLine {
    pub account: String,
    pub text: String,
    #[ts(type = "number")]
    pub debit: Minor,
    #[ts(type = "number")]
    pub credit: Minor,
}

/// One balanced voucher: a payout, or a gross-settled fee invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Voucher {
    pub number: u32,
    pub date: NaiveDate,
    pub description: String,
    pub lines: Vec<JournalLine>,
}

impl Voucher {
    pub fn debits(&self) -> Minor {
        self.lines.iter().map(|l| l.debit).sum()
    }
    pub fn credits(&self) -> Minor {
        self.lines.iter().map(|l| l.credit).sum()
    }
}

fn line(account: &str, text: String, signed_debit: Minor) -> Option<JournalLine> {
    (signed_debit != 0).then(|| JournalLine {
        account: account.to_string(),
        text,
        debit: signed_debit.max(0),
        credit: (-signed_debit).max(0),
    })
}

/// The vouchers for the month: one per payout (sales clearing credited with captures less refunds,
/// fees debited, bank debited with the payout, other movements on the suspense line, any balance
/// carried in or kept back on the clearing account), then one per fee invoice.
pub fn journal(report: &MonthReport, accounts: &JournalAccounts) -> Vec<Voucher> {
    let mut out = Vec::new();
    for p in &report.payouts {
        let period = format!("{} to {}", p.covered_from, p.covered_to);
        let lines: Vec<JournalLine> = [
            line(&accounts.bank, format!("Vipps MobilePay payout {}", p.label), p.amount),
            line(&accounts.fees, format!("Vipps MobilePay fees retained {period}"), p.fees_retained),
            line(&accounts.clearing, format!("Vipps MobilePay sales less refunds {period}"), -p.net_sales),
            line(
                &accounts.suspense,
                format!("SUSPENSE: other Vipps MobilePay movements {period} (corrections, top-ups, disputes) — classify"),
                -p.other,
            ),
            line(
                &accounts.clearing,
                "Vipps MobilePay balance carried in from the previous payout / kept back".to_string(),
                p.balance_after - p.carried_in,
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        out.push(Voucher {
            number: out.len() as u32 + 1,
            date: p.date,
            description: format!("Vipps MobilePay payout {} ({})", p.label, period),
            lines,
        });
    }
    for inv in &report.fee_invoices {
        let lines: Vec<JournalLine> = [
            line(
                &accounts.fees,
                format!("Vipps MobilePay fees {} to {}", inv.covered_from, inv.covered_to),
                inv.amount,
            ),
            line(
                &accounts.payable,
                format!("Vipps MobilePay fee invoice {}", inv.psp_reference),
                -inv.amount,
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        out.push(Voucher {
            number: out.len() as u32 + 1,
            date: inv.date,
            description: format!("Vipps MobilePay fee invoice {}", inv.psp_reference),
            lines,
        });
    }
    out
}
