//! What the window's screens show, built from the cache by reconciling the month: the month screen
//! ([`month_view`]), one date ([`day_summary`]), "What is in this payout?" ([`payout_detail`]) and a
//! capture with its refunds and fees ([`capture_detail`]). The Tauri commands are one-line calls to
//! these, run off the main thread.

use super::{cached_ledger, missing_dates, reconcile_cached};
use crate::clock::Clock;
use crate::model::{Entry, EntryType, Ledger, Topic, YearMonth};
use crate::reconcile::{CaptureReport, MonthReport, PayoutReport};
use crate::store::{DayPage, DayQuery, DaySummary, Store};
use crate::{Error, Result};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

/// The month screen.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MonthView {
    pub ledger: Ledger,
    pub report: MonthReport,
    /// Dates of the month (per topic) never synced or failed, up to the ledger's today: what Sync would fetch.
    pub missing_dates: u32,
    /// The cache's view of each date, including dates whose last fetch failed.
    pub cached_days: Vec<DaySummary>,
    /// The ledger's own today (its time zone), so the window never computes one.
    pub today: NaiveDate,
}

/// The reconciled month from the cache, as of the ledger's own today by `clock`.
pub fn month_view(store: &Store, ledger_id: &str, month: YearMonth, clock: &Clock) -> Result<MonthView> {
    let (ledger, report) = reconcile_cached(store, ledger_id, month)?;
    let today = clock.today_for(&ledger);
    let missing = missing_dates(store, ledger_id, month, today)?.len();
    let cached_days = store.month_summary(ledger_id, month)?;
    Ok(MonthView {
        ledger,
        report,
        missing_dates: u32::try_from(missing).unwrap_or(u32::MAX),
        cached_days,
        today,
    })
}

/// The figures of one ledger date, from the cache's per-date totals (no scan of the entries).
pub fn day_summary(store: &Store, ledger_id: &str, date: NaiveDate) -> Result<DaySummary> {
    let ledger = cached_ledger(store, ledger_id)?;
    store
        .month_summary(&ledger.ledger_id, YearMonth::of(date))?
        .into_iter()
        .find(|d| d.date == date)
        .ok_or_else(|| Error::Input(format!("{date} is not a date of ledger {ledger_id}.")))
}

/// One page of a date's entries for the day table, without personal data (the window never shows it).
pub fn day_entries(
    store: &Store,
    ledger_id: &str,
    topic: Topic,
    date: NaiveDate,
    query: &DayQuery,
) -> Result<DayPage> {
    let mut page = store.day_entries(ledger_id, topic, date, query)?;
    page.entries = page
        .entries
        .into_iter()
        .map(Entry::without_personal_data)
        .collect();
    Ok(page)
}

/// Everything cached whose order reference or pspReference contains `text`, without personal data.
pub fn search(store: &Store, text: &str, limit: usize) -> Result<Vec<Entry>> {
    Ok(store
        .search(text, limit)?
        .into_iter()
        .map(Entry::without_personal_data)
        .collect())
}

/// "What is in this payout?": the reconciled payout with its parts.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PayoutDetail {
    pub ledger: Ledger,
    /// The payout and its parts (sales, refunds, fees retained, other), all from reconciliation,
    /// so they add up to the payout even when two payouts share a ledger date.
    pub payout: PayoutReport,
    /// The covered dates, each with its whole-date figures (a date shared with another payout shows all of it).
    pub days: Vec<DaySummary>,
    /// The captures this payout pays out.
    pub captures: Vec<CaptureReport>,
}

/// The payout `psp_reference` of ledger `ledger_id`, reconciled in the month of its payout entry.
pub fn payout_detail(store: &Store, ledger_id: &str, psp_reference: &str) -> Result<PayoutDetail> {
    let not_found = || {
        Error::Input(format!(
            "Payout {psp_reference} is not in the synced data of ledger {ledger_id}. Sync its month first."
        ))
    };
    // The payout entry's ledger date says which month's reconciliation holds it.
    let date = store
        .entries_by_psp(psp_reference)?
        .into_iter()
        .filter(|e| {
            e.ledger_id == ledger_id && e.topic == Topic::Funds && e.entry_type == EntryType::PayoutScheduled
        })
        .map(|e| e.ledger_date)
        .max()
        .ok_or_else(not_found)?;
    let (ledger, report) = reconcile_cached(store, ledger_id, YearMonth::of(date))?;
    let payout = report
        .payouts
        .iter()
        .find(|p| p.psp_reference == psp_reference)
        .cloned()
        .ok_or_else(not_found)?;
    let days = covered_days(store, ledger_id, payout.covered_from, payout.covered_to)?;
    let captures = payout_captures(store, &report, &payout)?;
    Ok(PayoutDetail {
        ledger,
        payout,
        days,
        captures,
    })
}

/// Each date `from..=to` with its whole-date figures, across month boundaries.
fn covered_days(store: &Store, ledger_id: &str, from: NaiveDate, to: NaiveDate) -> Result<Vec<DaySummary>> {
    let mut days = Vec::new();
    let mut month = YearMonth::of(from);
    while month <= YearMonth::of(to) {
        days.extend(
            store
                .month_summary(ledger_id, month)?
                .into_iter()
                .filter(|d| d.date >= from && d.date <= to),
        );
        month = month.next();
    }
    Ok(days)
}

/// The captures a payout pays out; a run that started last month has its first captures in last
/// month's reconciliation.
fn payout_captures(store: &Store, report: &MonthReport, payout: &PayoutReport) -> Result<Vec<CaptureReport>> {
    let in_payout = |c: &CaptureReport| c.payout.as_deref() == Some(payout.label.as_str());
    let mut captures: Vec<CaptureReport> = report.captures.iter().filter(|c| in_payout(c)).cloned().collect();
    let from = payout.covered_from;
    if YearMonth::of(from) < report.month {
        let (_, previous) = reconcile_cached(store, &report.ledger_id, report.month.prev())?;
        let earlier = previous
            .captures
            .into_iter()
            .filter(|c| c.capture_date >= from && in_payout(c));
        captures.splice(0..0, earlier);
    }
    Ok(captures)
}

/// A capture, its refunds and fees (on any date) and the payout it went out in.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CaptureDetail {
    pub ledger: Option<Ledger>,
    /// Every cached entry with this pspReference, both topics.
    pub entries: Vec<Entry>,
    /// The refund entries that reconciliation matched to this capture under their own pspReference
    /// (by order reference); `capture.refunds` gives each one's share of this capture.
    pub related_refunds: Vec<Entry>,
    pub capture: Option<CaptureReport>,
}

/// Everything cached under `psp_reference`, and when it is a capture, its reconciled report.
pub fn capture_detail(store: &Store, psp_reference: &str) -> Result<CaptureDetail> {
    let entries: Vec<Entry> = store
        .entries_by_psp(psp_reference)?
        .into_iter()
        .map(Entry::without_personal_data)
        .collect();
    let captured = entries
        .iter()
        .find(|e| e.topic == Topic::Funds && e.entry_type == EntryType::Capture)
        .cloned();
    let Some(captured) = captured else {
        let ledger = match entries.first() {
            Some(e) => store.ledger(&e.ledger_id)?,
            None => None,
        };
        return Ok(CaptureDetail {
            ledger,
            entries,
            related_refunds: vec![],
            capture: None,
        });
    };
    let (ledger, report) = reconcile_cached(store, &captured.ledger_id, YearMonth::of(captured.ledger_date))?;
    let capture = report
        .captures
        .into_iter()
        .find(|c| c.psp_reference == psp_reference);
    let related_refunds: Vec<Entry> = matched_refunds(store, &captured, capture.as_ref())?
        .into_iter()
        .map(Entry::without_personal_data)
        .collect();
    Ok(CaptureDetail {
        ledger: Some(ledger),
        entries,
        related_refunds,
        capture,
    })
}

/// Exactly the refunds reconciliation matched (its capacity split by order reference, oldest capture
/// first), not every refund that shares the order reference.
fn matched_refunds(store: &Store, captured: &Entry, capture: Option<&CaptureReport>) -> Result<Vec<Entry>> {
    let mut related: Vec<Entry> = Vec::new();
    let mut by_psp: HashMap<String, Vec<Entry>> = HashMap::new();
    for m in capture.iter().flat_map(|c| &c.refunds) {
        if m.psp_reference == captured.psp_reference {
            continue; // already among the capture's own entries
        }
        if !by_psp.contains_key(&m.psp_reference) {
            by_psp.insert(m.psp_reference.clone(), store.entries_by_psp(&m.psp_reference)?);
        }
        let found = by_psp[&m.psp_reference].iter().find(|e| {
            e.ledger_id == captured.ledger_id
                && e.topic == Topic::Funds
                && e.ledger_date == m.ledger_date
                && e.seq == m.seq
        });
        if let Some(e) = found {
            if !related.contains(e) {
                related.push(e.clone());
            }
        }
    }
    Ok(related)
}
