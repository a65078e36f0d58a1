//! Writes of imported settlement reports: a file's dates for its ledgers, its ledgers (when the
//! file made them) and the import's record, all in one transaction. Its dates are `complete` with
//! source `portal`, so a sync never re-fetches them and the month knows they carry no balances.

use super::{date_key, topic_key, DateSource, Store};
use crate::clock::Clock;
use crate::model::{Entry, Ledger, Topic};
use crate::{Error, Result};
use chrono::NaiveDate;
use rusqlite::{params, TransactionBehavior};
use std::collections::BTreeMap;

/// One date of one topic to store from a report (possibly empty: nothing happened on it).
#[derive(Debug, Clone, Copy)]
pub struct PortalDate<'a> {
    pub topic: Topic,
    pub date: NaiveDate,
    pub entries: &'a [Entry],
    /// The entries carry the report's own balances (report-api.md §11): stored with source
    /// `portal-balances`, whose balance checks run; else `portal` (balances counted, not checked).
    pub balances: bool,
}

/// Everything one report file writes for one ledger.
#[derive(Debug, Clone)]
pub struct PortalLedgerWrite<'a> {
    pub ledger: &'a Ledger,
    /// The ledger is new (made from the file): store it. Else it is already cached.
    pub new_ledger: bool,
    pub dates: Vec<PortalDate<'a>>,
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
    pub settlements: u32,
    pub duplicates: u64,
}

/// One report file: every ledger it touches.
#[derive(Debug, Clone)]
pub struct PortalFileWrite<'a> {
    pub profile: &'a str,
    pub file_name: &'a str,
    pub format: &'a str,
    pub ledgers: Vec<PortalLedgerWrite<'a>>,
}

fn json_error(e: serde_json::Error) -> Error {
    Error::Cache(format!("A ledger could not be written to the cache ({e})."))
}

impl Store {
    /// Store a report file in one transaction: new ledgers (seen by `profile`), the dates, and a
    /// record per ledger in `portal_imports`. Returns the entries added per ledger.
    pub fn store_portal_file(&mut self, w: &PortalFileWrite<'_>) -> Result<Vec<u64>> {
        let now = Clock::System.now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut added_per_ledger = Vec::with_capacity(w.ledgers.len());
        for lw in &w.ledgers {
            let l = lw.ledger;
            if lw.new_ledger {
                let settles = serde_json::to_string(&l.settles_for_recipient_handles).map_err(json_error)?;
                let units = serde_json::to_string(&l.sales_units).map_err(json_error)?;
                tx.prepare_cached(
                    "INSERT INTO ledgers (ledger_id, currency, payout_scheme, payout_account, owner_scheme, owner_id, \
                     settles_for, sales_units, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT (ledger_id) DO NOTHING",
                )?
                .execute(params![
                    l.ledger_id,
                    l.currency,
                    l.payout_bank_account.scheme,
                    l.payout_bank_account.id,
                    l.owner.scheme,
                    l.owner.id,
                    settles,
                    units,
                    now.timestamp()
                ])?;
            }
            tx.prepare_cached(
                "INSERT OR IGNORE INTO ledger_visibility (profile, ledger_id, seen_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![w.profile, l.ledger_id, now.timestamp()])?;
            let mut added = 0u64;
            for d in &lw.dates {
                added += insert_date(&tx, &l.ledger_id, d, now.timestamp_micros())?;
            }
            tx.prepare_cached(
                "INSERT INTO portal_imports (ledger_id, file_name, format, first_date, last_date, settlements, added, \
                 duplicates, imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                l.ledger_id,
                w.file_name,
                w.format,
                lw.first_date.map(date_key),
                lw.last_date.map(date_key),
                lw.settlements,
                added,
                lw.duplicates,
                now.timestamp()
            ])?;
            added_per_ledger.push(added);
        }
        tx.commit()?;
        Ok(added_per_ledger)
    }

    /// How many report files were imported into `ledger_id`.
    pub fn portal_import_count(&self, ledger_id: &str) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM portal_imports WHERE ledger_id = ?1",
            [ledger_id],
            |r| r.get(0),
        )?)
    }
}

/// One date's rows, totals and status (complete, source portal). The date held nothing before
/// (the importer only writes dates the cache does not have).
fn insert_date(
    tx: &rusqlite::Transaction<'_>,
    ledger_id: &str,
    d: &PortalDate<'_>,
    now_us: i64,
) -> Result<u64> {
    let (topic, date) = (topic_key(d.topic), date_key(d.date));
    tx.prepare_cached("DELETE FROM entries WHERE ledger_id = ?1 AND topic = ?2 AND date = ?3")?
        .execute(params![ledger_id, topic, date])?;
    tx.prepare_cached("DELETE FROM day_totals WHERE ledger_id = ?1 AND topic = ?2 AND date = ?3")?
        .execute(params![ledger_id, topic, date])?;
    let mut insert = tx.prepare_cached(super::write::INSERT_ENTRY)?;
    let mut totals: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for e in d.entries {
        super::write::insert_entry(
            &mut insert,
            (ledger_id, topic, date),
            e.seq.into(),
            e,
            false,
            None,
        )?;
        let t = totals.entry(e.entry_type.as_str()).or_insert((0, 0));
        t.0 += 1;
        t.1 = t.1.checked_add(e.amount).ok_or_else(|| {
            Error::Cache("A day's total no longer fits in 64 bits; the report was not stored.".into())
        })?;
    }
    let mut insert_total = tx.prepare_cached(
        "INSERT INTO day_totals (ledger_id, topic, date, entry_type, entry_count, amount) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (entry_type, (n, amount)) in &totals {
        insert_total.execute(params![ledger_id, topic, date, entry_type, n, amount])?;
    }
    let count = d.entries.len() as u64;
    tx.prepare_cached(
        "INSERT OR REPLACE INTO date_status (ledger_id, topic, date, state, entry_count, fetched_at, error, with_gdpr, \
         source) VALUES (?1, ?2, ?3, 'complete', ?4, ?5, NULL, 0, ?6)",
    )?
    .execute(params![
        ledger_id,
        topic,
        date,
        count,
        now_us,
        if d.balances {
            DateSource::PortalBalances.as_str()
        } else {
            DateSource::Portal.as_str()
        }
    ])?;
    Ok(count)
}
