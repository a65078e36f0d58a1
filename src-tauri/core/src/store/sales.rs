//! The sales cache (migration 0007): Sales API entries per (ledger, date), with the same crash
//! guarantees as funds and fees. A date is stored whole in one transaction; a feed page and its
//! cursor in one transaction. Every entry is checked against the three documented invariants on
//! ingest: one that breaks a rule is kept (it is what Vipps sent) and flagged with the figures.

use super::{date_key, key_date, DateState, Store};
use crate::clock::Clock;
use crate::model::{Ledger, Topic, YearMonth};
use crate::reconcile::sales::{SalesJoin, SalesMonth};
use crate::sales::{SaleEntry, SaleViolation};
use crate::{Error, Result};
use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use std::collections::{BTreeMap, HashSet};

/// A cached sales entry and what the ingest check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSale {
    pub entry: SaleEntry,
    /// Empty when the three invariants hold.
    pub violations: Vec<SaleViolation>,
}

/// What one stored sales date or feed page changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SalesWrite {
    /// Entries written (for a date: all of them; for a feed page: the new ones).
    pub stored: u64,
    /// Feed entries already cached, or on a date already complete (skipped).
    pub skipped: u64,
    /// Entries that break an invariant: (reference, what broke), kept and flagged.
    pub flagged: Vec<(String, Vec<SaleViolation>)>,
}

/// A sales date's state in the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesDateStatus {
    pub date: NaiveDate,
    pub state: DateState,
    pub error: Option<String>,
}

fn encode(e: &SaleEntry) -> Result<String> {
    serde_json::to_string(e).map_err(|err| {
        Error::Cache(format!(
            "Sales entry {} could not be written to the cache ({err}); nothing of its page was stored.",
            e.reference
        ))
    })
}

fn decode(ledger_id: &str, body: &str) -> Result<SaleEntry> {
    serde_json::from_str(body).map_err(|e| {
        Error::Cache(format!(
            "A cached sales entry of ledger {ledger_id} cannot be read ({e}). Run `avstem cache reset` \
             to rebuild the cache; your profiles are kept."
        ))
    })
}

fn encode_violations(v: &[SaleViolation]) -> Result<Option<String>> {
    if v.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(v)
        .map(Some)
        .map_err(|err| Error::Cache(format!("A sales check result could not be written ({err}).")))
}

/// What makes a feed entry the same entry when it comes twice.
type Identity = (Option<String>, String, String, i64, Option<i64>);

fn identity(e: &SaleEntry) -> Identity {
    (
        e.psp_reference.clone(),
        e.reference.clone(),
        e.kind.as_str().to_string(),
        e.time.timestamp_micros(),
        e.gross,
    )
}

fn insert(tx: &Transaction<'_>, e: &SaleEntry, d: i64, seq: i64, out: &mut SalesWrite) -> Result<()> {
    let violations = e.violations();
    tx.prepare_cached(
        "INSERT INTO sales_entries (ledger_id, date, seq, psp_reference, reference, kind, time_us, \
         gross, body, violations) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        e.ledger_id,
        d,
        seq,
        e.psp_reference,
        e.reference,
        e.kind.as_str(),
        e.time.timestamp_micros(),
        e.gross,
        encode(e)?,
        encode_violations(&violations)?,
    ])?;
    out.stored += 1;
    if !violations.is_empty() {
        out.flagged.push((e.reference.clone(), violations));
    }
    Ok(())
}

fn set_state(
    tx: &Transaction<'_>,
    ledger_id: &str,
    d: i64,
    state: DateState,
    error: Option<&str>,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO sales_dates (ledger_id, date, state, error, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (ledger_id, date) DO UPDATE SET state = excluded.state, error = excluded.error, \
         fetched_at = excluded.fetched_at",
    )?
    .execute(params![
        ledger_id,
        d,
        state.as_str(),
        error,
        Clock::System.now().timestamp()
    ])?;
    Ok(())
}

impl Store {
    /// Replace every sales entry of (`ledger_id`, `date`) with `entries` and record `state`, in one
    /// transaction: a crash leaves the date as it was or as it is now, never half of it.
    pub fn store_sales_date(
        &mut self,
        ledger_id: &str,
        date: NaiveDate,
        entries: &[SaleEntry],
        state: DateState,
    ) -> Result<SalesWrite> {
        let d = date_key(date);
        let mut out = SalesWrite::default();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "DELETE FROM sales_entries WHERE ledger_id = ?1 AND date = ?2",
            params![ledger_id, d],
        )?;
        for (i, e) in entries.iter().enumerate() {
            if e.ledger_id != ledger_id || e.ledger_date != date {
                return Err(Error::Cache(format!(
                    "Sales entry {} belongs to ledger {} on {}, not to ledger {ledger_id} on {date}; the \
                     date was not stored.",
                    e.reference, e.ledger_id, e.ledger_date
                )));
            }
            let seq =
                i64::try_from(i).map_err(|_| Error::Cache("Too many sales entries on one date.".into()))?;
            insert(&tx, e, d, seq, &mut out)?;
        }
        set_state(&tx, ledger_id, d, state, None)?;
        tx.commit()?;
        Ok(out)
    }

    /// A sales date that could not be fetched: its rows stay as they were, the date is retried.
    pub fn mark_sales_failed(&mut self, ledger_id: &str, date: NaiveDate, reason: &str) -> Result<()> {
        let d = date_key(date);
        let tx = self.conn.transaction()?;
        let state: Option<String> = tx
            .query_row(
                "SELECT state FROM sales_dates WHERE ledger_id = ?1 AND date = ?2",
                params![ledger_id, d],
                |r| r.get(0),
            )
            .optional()?;
        if state.as_deref() != Some("complete") {
            set_state(&tx, ledger_id, d, DateState::Failed, Some(reason))?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Store one page of the ledger's sales feed and then its `cursor`, in one transaction. Entries
    /// are appended to their own (open) dates, skipping any already there; complete dates are not
    /// touched.
    pub fn store_sales_feed_page(
        &mut self,
        ledger_id: &str,
        entries: &[SaleEntry],
        cursor: &str,
    ) -> Result<SalesWrite> {
        let mut by_date: BTreeMap<NaiveDate, Vec<&SaleEntry>> = BTreeMap::new();
        for e in entries {
            by_date.entry(e.ledger_date).or_default().push(e);
        }
        let mut out = SalesWrite::default();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (date, list) in &by_date {
            let d = date_key(*date);
            let state: Option<String> = tx
                .prepare_cached("SELECT state FROM sales_dates WHERE ledger_id = ?1 AND date = ?2")?
                .query_row(params![ledger_id, d], |r| r.get(0))
                .optional()?;
            if state.as_deref() == Some("complete") {
                out.skipped += list.len() as u64;
                continue;
            }
            let mut seen: HashSet<Identity> = HashSet::new();
            let mut next_seq: i64 = 0;
            {
                let mut stmt = tx.prepare_cached(
                    "SELECT body, seq FROM sales_entries WHERE ledger_id = ?1 AND date = ?2",
                )?;
                let rows = stmt.query_map(params![ledger_id, d], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                })?;
                for row in rows {
                    let (body, seq) = row?;
                    if let Ok(e) = serde_json::from_str::<SaleEntry>(&body) {
                        seen.insert(identity(&e));
                    }
                    next_seq = next_seq.max(seq.saturating_add(1));
                }
            }
            for e in list {
                if e.ledger_id != ledger_id || !seen.insert(identity(e)) {
                    out.skipped += 1;
                    continue;
                }
                insert(&tx, e, d, next_seq, &mut out)?;
                next_seq = next_seq.saturating_add(1);
            }
            if state.as_deref() != Some("open") {
                set_state(&tx, ledger_id, d, DateState::Open, None)?;
            }
        }
        tx.execute(
            "INSERT INTO sales_cursors (ledger_id, cursor, updated_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (ledger_id) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
            params![ledger_id, cursor, Clock::System.now().timestamp()],
        )?;
        tx.commit()?;
        Ok(out)
    }

    /// Where the ledger's sales feed stands (`None`: never read).
    pub fn sales_cursor(&self, ledger_id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT cursor FROM sales_cursors WHERE ledger_id = ?1",
                params![ledger_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The sales dates of `from..=to` the cache knows, in date order.
    pub fn sales_date_statuses(
        &self,
        ledger_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<SalesDateStatus>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT date, state, error FROM sales_dates WHERE ledger_id = ?1 AND date BETWEEN ?2 AND ?3 \
             ORDER BY date",
        )?;
        let rows = stmt.query_map(params![ledger_id, date_key(from), date_key(to)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (d, state, error) = row?;
            if let (Some(date), Some(state)) = (key_date(d), DateState::parse(&state)) {
                out.push(SalesDateStatus { date, state, error });
            }
        }
        Ok(out)
    }

    /// Every cached sales entry of `from..=to`, in (date, seq) order. The invariants are checked
    /// again on read, so a row changed after ingest is flagged too.
    pub fn sales_entries(&self, ledger_id: &str, from: NaiveDate, to: NaiveDate) -> Result<Vec<StoredSale>> {
        let mut out = Vec::new();
        self.for_each_sale(ledger_id, from, to, |s| {
            out.push(s);
            Ok(())
        })?;
        Ok(out)
    }

    /// [`Store::sales_entries`] one at a time, none kept: a busy month streams through `f`.
    pub fn for_each_sale(
        &self,
        ledger_id: &str,
        from: NaiveDate,
        to: NaiveDate,
        mut f: impl FnMut(StoredSale) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT body FROM sales_entries WHERE ledger_id = ?1 AND date BETWEEN ?2 AND ?3 \
             ORDER BY date, seq",
        )?;
        let mut rows = stmt.query(params![ledger_id, date_key(from), date_key(to)])?;
        while let Some(row) = rows.next()? {
            let body: String = row.get(0)?;
            let entry = decode(ledger_id, &body)?;
            let violations = entry.violations();
            f(StoredSale { entry, violations })?;
        }
        Ok(())
    }

    /// The cached sales entries with `psp_reference` on `ledger_id` (a capture and its refunds),
    /// in date order.
    pub fn sales_by_psp(&self, ledger_id: &str, psp_reference: &str) -> Result<Vec<StoredSale>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT body FROM sales_entries WHERE ledger_id = ?1 AND psp_reference = ?2 ORDER BY date, seq",
        )?;
        let rows = stmt.query_map(params![ledger_id, psp_reference], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            let entry = decode(ledger_id, &row?)?;
            let violations = entry.violations();
            out.push(StoredSale { entry, violations });
        }
        Ok(out)
    }

    /// The month's sales joined to its captures and refunds on the ledger's sales units, or `None`
    /// when the cache holds no sales entry of the month: sales not synced, or a ledger the Sales
    /// API has nothing for (a webshop, or a month before the historical floors). No Sales sheet then.
    pub fn sales_month(&self, ledger: &Ledger, month: YearMonth) -> Result<Option<SalesMonth>> {
        let (from, to) = (month.first_day(), month.last_day());
        let any: Option<i64> = self
            .conn
            .query_row(
                "SELECT 1 FROM sales_entries WHERE ledger_id = ?1 AND date BETWEEN ?2 AND ?3 LIMIT 1",
                params![ledger.ledger_id, date_key(from), date_key(to)],
                |r| r.get(0),
            )
            .optional()?;
        if any.is_none() {
            return Ok(None);
        }
        let mut join = SalesJoin::new(month);
        self.for_each_sale(&ledger.ledger_id, from, to, |s| {
            join.add_sale(&s);
            Ok(())
        })?;
        self.for_each_entry_between(&ledger.ledger_id, Topic::Funds, from, to, |e| {
            join.add_funds(e);
            Ok(())
        })?;
        Ok(Some(join.finish()))
    }

    /// How many cached sales entries of the ledger were flagged on ingest.
    pub fn sales_flagged_count(&self, ledger_id: &str) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM sales_entries WHERE ledger_id = ?1 AND violations IS NOT NULL",
            params![ledger_id],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
