//! Writes: the ledger list per profile, one ledger date per transaction, failures, feed cursors.
//! Statements are prepared once and cached; a date's rows go in with one statement reused.

use super::{date_key, topic_key, DateState, DateWrite, Store};
use crate::clock::Clock;
use crate::model::{Entry, Ledger, Topic};
use crate::{Error, Result};
use chrono::NaiveDate;
use rusqlite::{params, TransactionBehavior};
use std::collections::BTreeMap;

pub(super) const INSERT_ENTRY: &str = "INSERT INTO entries (ledger_id, topic, date, seq, psp_reference, time_us, entry_type, \
     reference, currency, amount, balance_before, balance_after, recipient_handle, name, masked_phone_no, \
     message, entry_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";

/// Bind `e` to [`INSERT_ENTRY`] as row `seq` of (`ledger_id`, `topic`, `date`) keys; the
/// personal-data fields only `with_gdpr`, and the entry's own ledger date only when given
/// (it differs from the date it was served under). The one place the column list is bound.
pub(super) fn insert_entry(
    insert: &mut rusqlite::CachedStatement<'_>,
    (ledger_id, topic, date): (&str, i64, i64),
    seq: i64,
    e: &Entry,
    with_gdpr: bool,
    entry_date: Option<i64>,
) -> rusqlite::Result<usize> {
    let gdpr = |f: &Option<String>| if with_gdpr { f.clone() } else { None };
    insert.execute(params![
        ledger_id,
        topic,
        date,
        seq,
        e.psp_reference,
        e.time.timestamp_micros(),
        e.entry_type.as_str(),
        e.reference,
        e.currency,
        e.amount,
        e.balance_before,
        e.balance_after,
        e.recipient_handle,
        gdpr(&e.name),
        gdpr(&e.masked_phone_no),
        gdpr(&e.message),
        entry_date,
    ])
}

impl Store {
    /// Cache the ledgers `profile` sees now; ledgers it no longer sees drop out of its list.
    pub fn upsert_ledgers(&mut self, profile: &str, ledgers: &[Ledger]) -> Result<()> {
        let now = Clock::System.now().timestamp();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO ledgers (ledger_id, currency, payout_scheme, payout_account, owner_scheme, owner_id, \
                 settles_for, sales_units, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (ledger_id) DO UPDATE SET currency = excluded.currency,
                   payout_scheme = excluded.payout_scheme, payout_account = excluded.payout_account,
                   owner_scheme = excluded.owner_scheme, owner_id = excluded.owner_id,
                   settles_for = excluded.settles_for, sales_units = excluded.sales_units,
                   updated_at = excluded.updated_at",
            )?;
            tx.execute("DELETE FROM ledger_visibility WHERE profile = ?1", [profile])?;
            let mut see = tx.prepare_cached(
                "INSERT OR REPLACE INTO ledger_visibility (profile, ledger_id, seen_at) VALUES (?1, ?2, ?3)",
            )?;
            for l in ledgers {
                let settles = serde_json::to_string(&l.settles_for_recipient_handles).map_err(json_error)?;
                let units = serde_json::to_string(&l.sales_units).map_err(json_error)?;
                upsert.execute(params![
                    l.ledger_id,
                    l.currency,
                    l.payout_bank_account.scheme,
                    l.payout_bank_account.id,
                    l.owner.scheme,
                    l.owner.id,
                    settles,
                    units,
                    now
                ])?;
                see.execute(params![profile, l.ledger_id, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Store one fetched (ledger, topic, date): old rows out, new rows in, then its status —
    /// all in one transaction.
    pub fn store_date(
        &mut self,
        ledger_id: &str,
        topic: Topic,
        date: NaiveDate,
        entries: &[Entry],
        state: DateState,
        error: Option<&str>,
    ) -> Result<()> {
        self.store_date_write(&DateWrite {
            ledger_id,
            topic,
            date,
            entries,
            state,
            error,
            with_gdpr: false,
        })
    }

    /// `store_date` with every option (GDPR fields requested or not).
    pub fn store_date_write(&mut self, w: &DateWrite<'_>) -> Result<()> {
        let topic = topic_key(w.topic);
        let date = date_key(w.date);
        let count = u32::try_from(w.entries.len()).map_err(|_| {
            Error::Cache("A ledger date with more than 4 billion entries cannot be stored.".into())
        })?;
        let now = Clock::System.now().timestamp_micros();
        let mut totals: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut delete =
                tx.prepare_cached("DELETE FROM entries WHERE ledger_id = ?1 AND topic = ?2 AND date = ?3")?;
            delete.execute(params![w.ledger_id, topic, date])?;
            let mut delete_totals = tx
                .prepare_cached("DELETE FROM day_totals WHERE ledger_id = ?1 AND topic = ?2 AND date = ?3")?;
            delete_totals.execute(params![w.ledger_id, topic, date])?;

            let mut insert = tx.prepare_cached(INSERT_ENTRY)?;
            for e in w.entries {
                let entry_date = (e.ledger_date != w.date).then(|| date_key(e.ledger_date));
                insert_entry(
                    &mut insert,
                    (w.ledger_id, topic, date),
                    e.seq.into(),
                    e,
                    w.with_gdpr,
                    entry_date,
                )?;
                let t = totals.entry(e.entry_type.as_str()).or_insert((0, 0));
                t.0 += 1;
                t.1 = t.1.checked_add(e.amount).ok_or_else(|| {
                    Error::Cache(format!(
                        "The {} entries of ledger {} on {} add up to more than 64 bits can hold; the date was not stored.",
                        e.entry_type.as_str(),
                        w.ledger_id,
                        w.date
                    ))
                })?;
            }
            let mut insert_total = tx.prepare_cached(
                "INSERT INTO day_totals (ledger_id, topic, date, entry_type, entry_count, amount) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (entry_type, (n, amount)) in &totals {
                insert_total.execute(params![w.ledger_id, topic, date, entry_type, n, amount])?;
            }
            let mut status = tx.prepare_cached(
                "INSERT OR REPLACE INTO date_status (ledger_id, topic, date, state, entry_count, fetched_at, error, \
                 with_gdpr) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            status.execute(params![
                w.ledger_id,
                topic,
                date,
                w.state.as_str(),
                count,
                now,
                w.error,
                w.with_gdpr
            ])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Record that fetching a date failed. Rows from an earlier open fetch stay; a complete
    /// date is never downgraded.
    pub fn mark_failed(&mut self, ledger_id: &str, topic: Topic, date: NaiveDate, error: &str) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO date_status (ledger_id, topic, date, state, entry_count, fetched_at, error, with_gdpr) \
             VALUES (?1, ?2, ?3, 'failed', 0, ?4, ?5, 0)
             ON CONFLICT (ledger_id, topic, date) DO UPDATE SET state = 'failed', fetched_at = excluded.fetched_at,
               error = excluded.error WHERE date_status.state != 'complete'",
        )?;
        stmt.execute(params![
            ledger_id,
            topic_key(topic),
            date_key(date),
            Clock::System.now().timestamp_micros(),
            error
        ])?;
        Ok(())
    }

    /// Persist the feed position after the page it belongs to is stored.
    pub fn set_feed_cursor(&mut self, ledger_id: &str, topic: Topic, cursor: &str) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT OR REPLACE INTO feed_cursors (ledger_id, topic, cursor, updated_at) VALUES (?1, ?2, ?3, ?4)",
        )?;
        stmt.execute(params![
            ledger_id,
            topic_key(topic),
            cursor,
            Clock::System.now().timestamp()
        ])?;
        Ok(())
    }
}

fn json_error(e: serde_json::Error) -> Error {
    Error::Cache(format!("A ledger could not be written to the cache ({e})."))
}

impl Store {
    /// Erase every name, masked phone number and message from the cache (the dates stay complete;
    /// a GDPR export then needs a GDPR sync again). Deleted bytes are zeroed (`secure_delete`), the
    /// WAL is truncated and the file vacuumed, so the personal data is gone from disk too. Returns
    /// how many entries had any.
    pub fn forget_personal_data(&mut self) -> Result<u64> {
        self.conn.execute_batch("PRAGMA secure_delete = ON;")?;
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE entries SET name = NULL, masked_phone_no = NULL, message = NULL \
             WHERE name IS NOT NULL OR masked_phone_no IS NOT NULL OR message IS NOT NULL",
            [],
        )?;
        tx.execute("UPDATE date_status SET with_gdpr = 0 WHERE with_gdpr != 0", [])?;
        tx.commit()?;
        self.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(n as u64)
    }
}
