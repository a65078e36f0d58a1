//! The streaming reconciler: entries pushed one at a time (funds, then fees, each in (ledger date,
//! seq) order) with constant work per entry and memory per date and per capture only, so a
//! million-entry month can be reconciled straight from the cache; [`Reconciler::finish`] then
//! matches, sums and checks in named steps.

use super::book::CaptureBook;
use super::captures::{capture_reports, CaptureFees};
use super::checks::{month_checks, Chain, CheckInput};
use super::days::{month_days, FeesDay, FundsDay};
use super::refunds::{match_refunds, RefundAcc};
use super::runs::{invoice_report, payout_report, settlement, FeeInvoiceReport, PayoutReport, RunStart};
use super::states::DateStates;
use super::{MonthReport, UnknownType, CAPTURE_LOOKBACK_DAYS};
use crate::figures::{checked_sum, classify, negate, Bucket, Figures};
use crate::model::{Entry, EntryType, Ledger, Minor, Topic, YearMonth};
use chrono::{Duration, NaiveDate};
use std::collections::BTreeMap;

/// Feeds entries one at a time (funds and fees each in (ledger date, seq) order) and builds the
/// [`MonthReport`] at the end. Used by [`super::reconcile_month`] and by the export, which streams
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
    payout_start: RunStart,
    payouts: Vec<PayoutReport>,
    // Fee invoice runs.
    /// Σ fees amounts since the previous invoice.
    fee_run: Minor,
    invoice_start: RunStart,
    invoices: Vec<FeeInvoiceReport>,
    // Captures, refunds and fees by pspReference.
    book: CaptureBook,
    refunds: Vec<RefundAcc>,
    capture_fees: CaptureFees,
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
            payout_start: RunStart::default(),
            payouts: Vec::new(),
            fee_run: 0,
            invoice_start: RunStart::default(),
            invoices: Vec::new(),
            book: CaptureBook::default(),
            refunds: Vec::new(),
            capture_fees: CaptureFees::default(),
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
        self.payout_start.see(e);
        let day = self.funds_days.entry(e.ledger_date).or_default();
        day.entries.push(e);
        let bucket = classify(Topic::Funds, &e.entry_type);
        let mut fits = day.figures.add(bucket, e.amount).is_ok();
        match bucket {
            Bucket::Payout => {
                let payout = payout_report(e, self.payout_start.close(e), &self.run);
                day.add_payout_label(&payout.label);
                self.payouts.push(payout);
                self.run = Figures::default();
            }
            Bucket::Sales => self.keep_capture(e),
            // A refund after the month belongs to a later month's figures.
            Bucket::Refunds if e.ledger_date <= self.last => self.refunds.push(RefundAcc::of(e)),
            Bucket::FeesRetained => self.saw_retained = true,
            _ => self.count_unknown(Topic::Funds, e, in_month),
        }
        if bucket != Bucket::Payout {
            fits &= self.run.add(bucket, e.amount).is_ok();
        }
        if !fits {
            self.funds_chain.entry_overflow(Topic::Funds, e);
        }
    }

    /// Captures after the month can neither be reported nor own the month's fees; captures long
    /// before it only matter for refunds, which are then reported as unmatched.
    fn keep_capture(&mut self, e: &Entry) {
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
        self.invoice_start.see(e);
        let day = self.fees_days.entry(e.ledger_date).or_default();
        day.entries.push(e);
        let bucket = classify(Topic::Fees, &e.entry_type);
        let fits = match bucket {
            Bucket::Fees => day.figures.add(bucket, e.amount),
            Bucket::FeesRetainedOnFees => checked_sum(&mut day.retained, e.amount),
            Bucket::FeesInvoiced => checked_sum(&mut day.invoiced, e.amount),
            _ => negate(e.amount).and_then(|a| checked_sum(&mut day.adjustments, a)),
        }
        .is_ok();
        if !fits {
            self.fees_chain.entry_overflow(Topic::Fees, e);
        }
        match bucket {
            // A service fee belongs to no capture.
            Bucket::Fees if e.entry_type == EntryType::ServiceFee => {}
            // Fees before the month belong to earlier captures.
            Bucket::Fees if e.ledger_date >= self.first => {
                self.capture_fees.push(&mut self.book, e, in_month)
            }
            Bucket::Fees => {}
            Bucket::FeesRetainedOnFees => self.saw_retained = true,
            Bucket::FeesInvoiced => {
                self.saw_invoiced = true;
                let invoice = invoice_report(e, self.invoice_start.close(e), self.fee_run);
                self.invoices.push(invoice);
                self.fee_run = 0;
                return;
            }
            _ => self.count_unknown(Topic::Fees, e, in_month),
        }
        self.fee_run += e.amount;
    }

    /// The month's report: fees and refunds matched to captures, the dates and totals, the
    /// month's payouts and invoices, and the checks.
    pub fn finish(mut self, states: &DateStates) -> MonthReport {
        let month_dates: Vec<NaiveDate> = self.month.dates().collect();
        self.capture_fees.match_late_captures(&mut self.book);
        let refunds = match_refunds(&mut self.book, &self.refunds, self.first, self.last);
        let captures = capture_reports(
            &self.book,
            &self.refunds,
            &refunds,
            &self.payouts,
            self.first,
            self.last,
        );
        let (days, mut totals) = month_days(
            &month_dates,
            &self.funds_days,
            &self.fees_days,
            states,
            &self.payouts,
            &mut self.funds_chain,
        );
        let payouts = self.of_month(&self.payouts, |p| p.date);
        let invoices = self.of_month(&self.invoices, |i| i.date);
        totals.payout_count = payouts.len() as u32;
        totals.capture_count = captures.len() as u32;
        let unknown_types = self.unknown_types();
        let settlement = settlement(self.saw_invoiced, self.saw_retained, &self.fees_days);
        let checks = month_checks(CheckInput {
            dates: &month_dates,
            states,
            funds_chain: self.funds_chain,
            fees_chain: self.fees_chain,
            funds_days: &self.funds_days,
            fees_days: &self.fees_days,
            payouts: &payouts,
            invoices: &invoices,
            capture_fees: &self.capture_fees,
            unknown_types: &unknown_types,
            settlement,
            fees_owed: totals.figures.fees() + totals.fee_adjustments,
        });
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
            unmatched_refunds: refunds.unmatched,
            all_ok,
        }
    }

    /// The reports dated in the month (payouts and invoices of neighbouring dates are streamed too).
    fn of_month<T: Clone>(&self, all: &[T], date: impl Fn(&T) -> NaiveDate) -> Vec<T> {
        all.iter().filter(|x| self.in_month(date(x))).cloned().collect()
    }

    fn unknown_types(&self) -> Vec<UnknownType> {
        self.unknown
            .iter()
            .map(|((topic, name), (count, amount))| UnknownType {
                topic: *topic,
                entry_type: name.clone(),
                count: *count,
                amount: *amount,
            })
            .collect()
    }
}
