//! What the window's screens show, built from the cache by reconciling the month: the month screen
//! ([`month_view`]), one date ([`day_summary`]), "What is in this payout?" ([`payout_detail`]) and a
//! capture with its refunds and fees ([`capture_detail`]). The Tauri commands are one-line calls to
//! these, run off the main thread.

use super::open::{OpenNote, OpenNotes};
use super::{cached_ledger, missing_dates, reconcile_cached};
use crate::clock::Clock;
use crate::model::{Entry, EntryType, Ledger, Topic, YearMonth};
use crate::reconcile::{CaptureReport, MonthReport, PayoutReport};
use crate::store::{DateState, DayPage, DayQuery, DaySummary, Store};
use crate::{Error, Result};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

/// How one ledger date stands, decided here so that no screen merges sync and payout states itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum DayState {
    /// Complete and covered by a payout (`paidIn`).
    Paid,
    /// Complete, no payout covering it is cached yet: it rolls into the next payout.
    Carried,
    /// Fetched, but Vipps MobilePay has not closed the date yet (or it is the ledger's today).
    OpenUpstream,
    /// The last fetch of the date failed; a sync tries it again.
    Failed,
    /// Never fetched.
    NotSynced,
    /// After the ledger's today: nothing to fetch yet.
    Upcoming,
    /// Complete, where the payout is not asked (the day screen: that is the month's business).
    Complete,
}

impl DayState {
    /// A date's state from its sync states (`None` = never fetched) and, for a complete date,
    /// whether a payout covers it (`None`: not asked). After `today` it is upcoming whatever the
    /// cache says.
    pub fn of(
        date: NaiveDate,
        today: NaiveDate,
        funds: Option<DateState>,
        fees: Option<DateState>,
        paid: Option<bool>,
    ) -> DayState {
        let states = [funds, fees];
        if date > today {
            DayState::Upcoming
        } else if states.contains(&Some(DateState::Failed)) {
            DayState::Failed
        } else if states.contains(&None) {
            DayState::NotSynced
        } else if states.contains(&Some(DateState::Open)) {
            DayState::OpenUpstream
        } else {
            match paid {
                Some(true) => DayState::Paid,
                Some(false) => DayState::Carried,
                None => DayState::Complete,
            }
        }
    }
}

/// A payout as a link: its label ("#2000023") and the pspReference that opens it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PayoutLink {
    pub label: String,
    pub psp_reference: String,
}

/// One date of the month screen: its state, the payout that pays it and the payouts made on it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MonthDay {
    pub date: NaiveDate,
    pub state: DayState,
    /// The payout that covers this date, when it is cached.
    pub paid_in: Option<PayoutLink>,
    /// The payouts made on this date (a date can have two).
    pub payouts: Vec<PayoutLink>,
    /// Why the date is still open upstream, when it is.
    pub open: Option<OpenNote>,
}

/// The month screen.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MonthView {
    pub ledger: Ledger,
    pub report: MonthReport,
    /// Dates of the month (per topic) never synced or failed, up to the ledger's today: what Sync would fetch.
    pub missing_dates: u32,
    /// Each date's state and payout links, in date order.
    pub days: Vec<MonthDay>,
    /// The ledger's own today (its time zone), so the window never computes one.
    pub today: NaiveDate,
}

/// The reconciled month from the cache, as of the ledger's own today by `clock`.
pub fn month_view(store: &Store, ledger_id: &str, month: YearMonth, clock: &Clock) -> Result<MonthView> {
    let (ledger, report) = reconcile_cached(store, ledger_id, month)?;
    let today = clock.today_for(&ledger);
    let missing = missing_dates(store, ledger_id, month, today)?.len();
    let cached: HashMap<NaiveDate, DaySummary> = store
        .month_summary(ledger_id, month)?
        .into_iter()
        .map(|d| (d.date, d))
        .collect();
    let notes = OpenNotes::read(store, &ledger, today)?;
    let link = |p: &PayoutReport| PayoutLink {
        label: p.label.clone(),
        psp_reference: p.psp_reference.clone(),
    };
    let days = report
        .days
        .iter()
        .map(|d| {
            let c = cached.get(&d.date);
            let paid_in = d
                .paid_in
                .as_deref()
                .and_then(|label| report.payouts.iter().find(|p| p.label == label))
                .map(link);
            let state = DayState::of(
                d.date,
                today,
                c.and_then(|c| c.funds_state),
                c.and_then(|c| c.fees_state),
                Some(d.paid_in.is_some()),
            );
            MonthDay {
                date: d.date,
                state,
                open: (state == DayState::OpenUpstream).then(|| notes.note(d.date)),
                paid_in,
                payouts: report
                    .payouts
                    .iter()
                    .filter(|p| p.date == d.date)
                    .map(link)
                    .collect(),
            }
        })
        .collect();
    Ok(MonthView {
        missing_dates: u32::try_from(missing).unwrap_or(u32::MAX),
        days,
        today,
        ledger,
        report,
    })
}

/// One date for the day screen: its figures from the cache's per-date totals (no scan of the
/// entries) and its state (which payout pays it is the month's business: a closed date is `complete`).
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DayView {
    #[serde(flatten)]
    #[ts(flatten)]
    pub summary: DaySummary,
    pub state: DayState,
    /// Why the date is still open upstream, when it is.
    pub open: Option<OpenNote>,
}

/// The figures and state of one ledger date.
pub fn day_summary(store: &Store, ledger_id: &str, date: NaiveDate, clock: &Clock) -> Result<DayView> {
    let ledger = cached_ledger(store, ledger_id)?;
    let summary = store
        .month_summary(&ledger.ledger_id, YearMonth::of(date))?
        .into_iter()
        .find(|d| d.date == date)
        .ok_or_else(|| Error::Input(format!("{date} is not a date of ledger {ledger_id}.")))?;
    let today = clock.today_for(&ledger);
    let state = DayState::of(date, today, summary.funds_state, summary.fees_state, None);
    let open = match state {
        DayState::OpenUpstream => Some(OpenNotes::read(store, &ledger, today)?.note(date)),
        _ => None,
    };
    Ok(DayView { summary, state, open })
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
    /// The payout that paid the capture out, as a link (it may be in the next month).
    pub payout: Option<PayoutLink>,
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
            payout: None,
        });
    };
    let (ledger, report) = reconcile_cached(store, &captured.ledger_id, YearMonth::of(captured.ledger_date))?;
    let capture = report
        .captures
        .iter()
        .find(|c| c.psp_reference == psp_reference)
        .cloned();
    let related_refunds: Vec<Entry> = matched_refunds(store, &captured, capture.as_ref())?
        .into_iter()
        .map(Entry::without_personal_data)
        .collect();
    let payout = match &capture {
        Some(c) => payout_link(store, &report, &captured.ledger_id, c)?,
        None => None,
    };
    Ok(CaptureDetail {
        ledger: Some(ledger),
        entries,
        related_refunds,
        capture,
        payout,
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

/// The payout a capture went out in: from the month's payouts, else (paid next month) the payout
/// entry on its date whose label it carries.
fn payout_link(
    store: &Store,
    report: &MonthReport,
    ledger_id: &str,
    c: &CaptureReport,
) -> Result<Option<PayoutLink>> {
    let (Some(label), Some(date)) = (c.payout.as_deref(), c.payout_date) else {
        return Ok(None);
    };
    if let Some(p) = report.payouts.iter().find(|p| p.label == label) {
        return Ok(Some(PayoutLink {
            label: p.label.clone(),
            psp_reference: p.psp_reference.clone(),
        }));
    }
    Ok(store
        .entries_between(ledger_id, Topic::Funds, date, date)?
        .into_iter()
        .filter(|e| e.entry_type == EntryType::PayoutScheduled)
        .find(|e| {
            crate::reconcile::payout_label(crate::model::payout_number(&e.psp_reference), &e.psp_reference)
                == label
        })
        .map(|e| PayoutLink {
            label: label.to_string(),
            psp_reference: e.psp_reference,
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn a_dates_state_is_decided_in_one_place() {
        use DateState::{Complete as C, Failed as F, Open as O};
        let today = d("2026-11-10");
        let of = |date: &str, funds, fees, paid| DayState::of(d(date), today, funds, fees, paid);
        assert_eq!(of("2026-11-11", Some(C), Some(C), Some(true)), DayState::Upcoming);
        assert_eq!(
            of("2026-11-09", Some(C), Some(F), Some(true)),
            DayState::Failed,
            "a failure wins"
        );
        assert_eq!(
            of("2026-11-09", None, Some(F), None),
            DayState::Failed,
            "over not synced too"
        );
        assert_eq!(of("2026-11-09", Some(C), None, Some(false)), DayState::NotSynced);
        assert_eq!(
            of("2026-11-10", Some(O), Some(C), Some(false)),
            DayState::OpenUpstream
        );
        assert_eq!(of("2026-11-09", Some(C), Some(C), Some(true)), DayState::Paid);
        assert_eq!(of("2026-11-09", Some(C), Some(C), Some(false)), DayState::Carried);
        assert_eq!(of("2026-11-09", Some(C), Some(C), None), DayState::Complete);
    }
}
