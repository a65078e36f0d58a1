//! Writes from the feed: one feed page and its cursor in one transaction, appended to the open
//! dates it touches without duplicates. Closed (complete) dates are never touched: the dates
//! endpoint stored them once and they never change.

use super::{date_key, key_date, topic_key, Store};
use crate::clock::Clock;
use crate::model::{Entry, Topic};
use crate::{Error, Result};
use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use std::collections::{BTreeMap, HashSet};

/// What one stored feed page changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedWrite {
    /// Entries new to the cache.
    pub added: u64,
    /// Entries already cached (a repeated page, or a date first fetched by date).
    pub repeated: u64,
    /// Entries of dates already complete (skipped: closed dates are immutable).
    pub on_closed_dates: u64,
    /// Open dates that got at least one new entry.
    pub dates_touched: u32,
    /// Entries of dates before the range the feed follows (old history on a first read: skipped).
    pub before_range: u64,
}

/// What makes an entry the same entry when it comes twice: a pspReference is not unique on fees
/// (one capture can have several), but with its type, time, amount and the balance it left, it is.
type Identity = (String, String, i64, i64, i64);

fn identity(e: &Entry) -> Identity {
    (
        e.psp_reference.clone(),
        e.entry_type.as_str().to_string(),
        e.time.timestamp_micros(),
        e.amount,
        e.balance_after,
    )
}

fn overflow() -> Error {
    Error::Cache("A day's total no longer fits in 64 bits; the feed page was not stored.".into())
}

impl Store {
    /// Store one feed page of (`ledger_id`, `topic`) and then its `cursor`, all in one transaction:
    /// a crash leaves either both or neither, so the feed resumes where the cache stands and never
    /// re-reads from the start. Entries go to their own ledger date, after the rows it has, skipping
    /// any already there; their dates are marked open (a failed date stays failed, so the plan
    /// still fetches it whole). `with_gdpr` is whether the page was asked for with personal data.
    pub fn store_feed_page(
        &mut self,
        ledger_id: &str,
        topic: Topic,
        entries: &[Entry],
        cursor: &str,
        with_gdpr: bool,
    ) -> Result<FeedWrite> {
        let place = FeedPlace {
            from: NaiveDate::MIN,
            at_end: true,
        };
        self.store_feed_page_at(ledger_id, topic, entries, cursor, with_gdpr, place)
    }

    /// [`Store::store_feed_page`], keeping only entries dated `place.from` or later (a feed that
    /// walks old history must not fill the cache with it) and recording whether this page reached
    /// the feed's end (`tryLater`): from then on the feed is caught up.
    pub fn store_feed_page_at(
        &mut self,
        ledger_id: &str,
        topic: Topic,
        entries: &[Entry],
        cursor: &str,
        with_gdpr: bool,
        place: FeedPlace,
    ) -> Result<FeedWrite> {
        let mut by_date: BTreeMap<NaiveDate, Vec<&Entry>> = BTreeMap::new();
        let mut out = FeedWrite::default();
        for e in entries {
            if e.ledger_date < place.from {
                out.before_range += 1;
                continue;
            }
            by_date.entry(e.ledger_date).or_default().push(e);
        }
        let t = topic_key(topic);
        let now = Clock::System.now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (date, list) in &by_date {
            let d = date_key(*date);
            let state: Option<String> = tx
                .prepare_cached(
                    "SELECT state FROM date_status WHERE ledger_id = ?1 AND topic = ?2 AND date = ?3",
                )?
                .query_row(params![ledger_id, t, d], |r| r.get(0))
                .optional()?;
            if state.as_deref() == Some("complete") {
                out.on_closed_dates += list.len() as u64;
                continue;
            }
            let mut seen: HashSet<Identity> = HashSet::new();
            let mut next_seq: i64 = 0;
            {
                let mut stmt = tx.prepare_cached(
                    "SELECT psp_reference, entry_type, time_us, amount, balance_after, seq FROM entries \
                     WHERE ledger_id = ?1 AND topic = ?2 AND date = ?3",
                )?;
                let rows = stmt.query_map(params![ledger_id, t, d], |r| {
                    Ok((
                        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
                        r.get::<_, i64>(5)?,
                    ))
                })?;
                for row in rows {
                    let (id, seq) = row?;
                    seen.insert(id);
                    next_seq = next_seq.max(seq + 1);
                }
            }
            let mut added: Vec<&Entry> = Vec::new();
            for e in list {
                if seen.insert(identity(e)) {
                    added.push(e);
                } else {
                    out.repeated += 1;
                }
            }
            if added.is_empty() {
                continue;
            }
            let mut insert = tx.prepare_cached(super::write::INSERT_ENTRY)?;
            let mut sums: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
            for e in &added {
                super::write::insert_entry(&mut insert, (ledger_id, t, d), next_seq, e, with_gdpr, None)?;
                let sum = sums.entry(e.entry_type.as_str()).or_insert((0, 0));
                sum.0 += 1;
                sum.1 = sum.1.checked_add(e.amount).ok_or_else(overflow)?;
                next_seq += 1;
            }
            for (entry_type, (n, amount)) in sums {
                let before: Option<(i64, i64)> = tx
                    .prepare_cached(
                        "SELECT entry_count, amount FROM day_totals \
                         WHERE ledger_id = ?1 AND topic = ?2 AND date = ?3 AND entry_type = ?4",
                    )?
                    .query_row(params![ledger_id, t, d, entry_type], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .optional()?;
                let (n0, a0) = before.unwrap_or((0, 0));
                let amount = a0.checked_add(amount).ok_or_else(overflow)?;
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO day_totals (ledger_id, topic, date, entry_type, entry_count, amount) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![ledger_id, t, d, entry_type, n0 + n, amount])?;
            }
            let n = added.len() as i64;
            tx.prepare_cached(
                "INSERT INTO date_status (ledger_id, topic, date, state, entry_count, fetched_at, error, with_gdpr) \
                 VALUES (?1, ?2, ?3, 'open', ?4, ?5, NULL, ?6)
                 ON CONFLICT (ledger_id, topic, date) DO UPDATE SET entry_count = entry_count + excluded.entry_count,
                   with_gdpr = with_gdpr AND excluded.with_gdpr",
            )?
            .execute(params![ledger_id, t, d, n, now.timestamp_micros(), with_gdpr])?;
            out.added += added.len() as u64;
            out.dates_touched += 1;
        }
        tx.prepare_cached(
            "INSERT INTO feed_cursors (ledger_id, topic, cursor, updated_at, caught_up) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (ledger_id, topic) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at, \
             caught_up = MAX(caught_up, excluded.caught_up)",
        )?
        .execute(params![ledger_id, t, cursor, now.timestamp(), place.at_end])?;
        tx.commit()?;
        Ok(out)
    }

    /// Forget a feed position the server no longer accepts: the next page starts from the
    /// beginning, and [`Store::store_feed_page`] skips what is already cached.
    pub fn clear_feed_cursor(&mut self, ledger_id: &str, topic: Topic) -> Result<()> {
        self.conn.execute(
            "DELETE FROM feed_cursors WHERE ledger_id = ?1 AND topic = ?2",
            params![ledger_id, topic_key(topic)],
        )?;
        Ok(())
    }

    /// The latest ledger date before `before` with a payout on `ledger_id`: every open date up to
    /// it is covered by a payout, so upstream has (almost surely) closed it.
    pub fn latest_payout_date(&self, ledger_id: &str, before: NaiveDate) -> Result<Option<NaiveDate>> {
        let key: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT MAX(date) FROM day_totals WHERE ledger_id = ?1 AND topic = 0 \
                 AND entry_type IN ('payout-scheduled', 'scheduled-for-payout') AND date < ?2",
            )?
            .query_row(params![ledger_id, date_key(before)], |r| r.get(0))?;
        match key {
            None => Ok(None),
            Some(k) => key_date(k)
                .map(Some)
                .ok_or_else(|| Error::Cache(format!("A cached date ({k}) is not a date."))),
        }
    }

    /// The ledger dates with a payout on `ledger_id` up to `until`, newest first, at most `limit`.
    pub fn payout_dates(&self, ledger_id: &str, until: NaiveDate, limit: u32) -> Result<Vec<NaiveDate>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT date FROM day_totals WHERE ledger_id = ?1 AND topic = 0 \
             AND entry_type IN ('payout-scheduled', 'scheduled-for-payout') AND date <= ?2 \
             ORDER BY date DESC LIMIT ?3",
        )?;
        let keys = stmt
            .query_map(params![ledger_id, date_key(until), limit], |r| r.get::<_, i64>(0))?
            .collect::<std::result::Result<Vec<i64>, _>>()?;
        keys.into_iter()
            .map(|k| key_date(k).ok_or_else(|| Error::Cache(format!("A cached date ({k}) is not a date."))))
            .collect()
    }

    /// The latest funds entry of `ledger_id` up to `until`: its ledger date and the balance after it.
    pub fn latest_funds_balance(
        &self,
        ledger_id: &str,
        until: NaiveDate,
    ) -> Result<Option<(NaiveDate, i64)>> {
        let row: Option<(i64, i64)> = self
            .conn
            .prepare_cached(
                "SELECT date, balance_after FROM entries WHERE ledger_id = ?1 AND topic = 0 AND date <= ?2 \
                 ORDER BY date DESC, seq DESC LIMIT 1",
            )?
            .query_row(params![ledger_id, date_key(until)], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        match row {
            None => Ok(None),
            Some((k, balance)) => key_date(k)
                .map(|d| Some((d, balance)))
                .ok_or_else(|| Error::Cache(format!("A cached date ({k}) is not a date."))),
        }
    }

    /// Whether the feed of `ledger_id`'s `topic` has once been read to its end (its cursor is near
    /// the present), so that following it costs pages of new entries only.
    pub fn feed_caught_up(&self, ledger_id: &str, topic: Topic) -> Result<bool> {
        let v: Option<bool> = self
            .conn
            .prepare_cached("SELECT caught_up FROM feed_cursors WHERE ledger_id = ?1 AND topic = ?2")?
            .query_row(params![ledger_id, topic_key(topic)], |r| r.get(0))
            .optional()?;
        Ok(v.unwrap_or(false))
    }
}

/// Where a feed page sits: the earliest date worth storing, and whether it is the feed's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedPlace {
    pub from: NaiveDate,
    pub at_end: bool,
}
