//! The accountant's Clients overview: one row per granted ledger for a month, from the cache
//! (works offline): the client's name (saved by the accountant, else the first sales unit), the
//! owner's organisation number, sales units, currency, payout frequency, what needs a look
//! (dates not synced or failed, dates not closed yet and why, checks failed, a negative balance,
//! entry types Avstem does not know, payouts not yet in the bank) and the month's figures.

use crate::bank::matching::BankState;
use crate::clock::Clock;
use crate::model::{Topic, YearMonth};
use crate::month::open::OpenNotes;
use crate::month::reconcile_cached;
use crate::reconcile::{CheckId, DayStatus};
use crate::store::{DateState, Store};
use crate::Result;
use serde::Serialize;

/// One ledger's row on the Clients overview. Amounts in minor units of `currency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClientRow {
    pub ledger_id: String,
    pub client: String,
    /// The accountant gave this name (else it is the first sales unit's).
    pub named: bool,
    pub organisation: String,
    pub sales_units: Vec<String>,
    pub currency: String,
    /// "daily", "weekly", "monthly", or "" when the cache does not tell yet.
    pub frequency: String,
    /// Every date of the month up to the ledger's today is in the cache.
    pub synced: bool,
    /// Dates Vipps has not closed yet, and why (for the first of them), in words.
    pub open_dates: u32,
    pub open_reason: Option<String>,
    /// Dates whose last fetch failed, and the first reason.
    pub failed_dates: u32,
    pub failed_reason: Option<String>,
    pub failed_checks: Vec<String>,
    pub negative_balance: bool,
    pub unknown_types: u32,
    /// Payouts due that the imported bank statements do not show (late or amount differs).
    pub payouts_not_in_bank: u32,
    #[ts(type = "number")]
    pub sales: i64,
    #[ts(type = "number")]
    pub fees: i64,
    #[ts(type = "number")]
    pub paid_out: i64,
}

/// Every cached ledger of `profile` for `month`, in ledger-id order. A ledger whose month cannot
/// be read still has its row (not synced), so no client disappears from the list.
pub fn overview(store: &Store, profile: &str, month: YearMonth, clock: Clock) -> Result<Vec<ClientRow>> {
    let names = store.client_names()?;
    let mut ledgers = store.ledgers(Some(profile))?;
    ledgers.sort_by(|a, b| a.ledger_id.cmp(&b.ledger_id));
    let mut rows = Vec::with_capacity(ledgers.len());
    for l in ledgers {
        let today = clock.today_for(&l);
        let saved = names.get(&l.ledger_id);
        let notes = OpenNotes::read(store, &l, today)?;
        let mut row = ClientRow {
            ledger_id: l.ledger_id.clone(),
            client: saved.cloned().unwrap_or_else(|| l.display_name()),
            named: saved.is_some(),
            organisation: l.owner.id.clone(),
            sales_units: l.sales_units.iter().map(|u| u.name.clone()).collect(),
            currency: l.currency.clone(),
            frequency: notes.frequency().to_string(),
            synced: false,
            open_dates: 0,
            open_reason: None,
            failed_dates: 0,
            failed_reason: None,
            failed_checks: Vec::new(),
            negative_balance: notes.negative_balance(),
            unknown_types: 0,
            payouts_not_in_bank: 0,
            sales: 0,
            fees: 0,
            paid_out: 0,
        };
        if month.first_day() > today {
            rows.push(row);
            continue;
        }
        let last = month.last_day().min(today);
        let mut failed = std::collections::BTreeSet::new();
        for topic in [Topic::Funds, Topic::Fees] {
            for s in store.date_statuses(&l.ledger_id, topic, month.first_day(), last)? {
                if s.state == DateState::Failed {
                    failed.insert(s.date);
                    if row.failed_reason.is_none() {
                        row.failed_reason = s.error.clone();
                    }
                }
            }
        }
        row.failed_dates = failed.len() as u32;
        if let Ok((_, report)) = reconcile_cached(store, &l.ledger_id, month) {
            let f = &report.totals.figures;
            row.sales = f.sales();
            row.fees = f.fees();
            row.paid_out = f.payout();
            let due = report.days.iter().filter(|d| d.date < today);
            row.synced = due.clone().all(|d| d.status != DayStatus::NotSynced);
            let open: Vec<_> = due.filter(|d| d.status == DayStatus::OpenUpstream).collect();
            row.open_dates = open.len() as u32;
            row.open_reason = open.first().map(|d| notes.note(d.date).describe());
            // Dates not synced or not closed have their own chips; the rest are the month's checks.
            row.failed_checks = report
                .failed_checks()
                .filter(|c| c.id != CheckId::DatesClosedAndSynced)
                .map(|c| c.title.clone())
                .collect();
            row.unknown_types = report.unknown_types.len() as u32;
        }
        if let Ok(bank) = crate::bank::status::month_status(store, &l, month, today) {
            row.payouts_not_in_bank = bank
                .payouts
                .iter()
                .filter(|p| matches!(p.state, BankState::Late | BankState::AmountDiffers))
                .count() as u32;
        }
        rows.push(row);
    }
    Ok(rows)
}
