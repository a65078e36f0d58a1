//! Reads for the UI, the CLI and the export: ledgers, statuses, pages of a day, month
//! summaries from the per-date totals, search, and streaming over many rows.

use super::{
    date_key, key_date, key_topic, topic_key, CacheStats, DateSource, DateState, DateStatus, DayPage,
};
use super::{DayQuery, DaySort, DaySummary, Store, SCHEMA_VERSION};
use crate::figures::{classify, Figures};
use crate::model::{Entry, EntryType, Ledger, SchemeId, Topic, YearMonth};
use crate::{Error, Result};
use chrono::{DateTime, NaiveDate};
use rusqlite::types::Type;
use rusqlite::{params, params_from_iter, Row};
use std::collections::{BTreeMap, HashSet};

const ENTRY_COLUMNS: &str =
    "ledger_id, topic, date, seq, psp_reference, time_us, entry_type, reference, currency, \
     amount, balance_before, balance_after, recipient_handle, name, masked_phone_no, message, entry_date";

/// Every date in the cache: the lookup indexes lead with the date, so a search by reference
/// seeks once per date.
const CACHED_DATES: &str = "SELECT DISTINCT date FROM date_status";

fn bad(col: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(col, Type::Integer, format!("not a valid {what}").into())
}

fn entry_from_row(row: &Row<'_>) -> rusqlite::Result<Entry> {
    let date_k: i64 = row.get(2)?;
    let date = key_date(date_k).ok_or_else(|| bad(2, "date"))?;
    let entry_date: Option<i64> = row.get(16)?;
    let ledger_date = match entry_date {
        Some(k) => key_date(k).ok_or_else(|| bad(16, "date"))?,
        None => date,
    };
    let time_us: i64 = row.get(5)?;
    let entry_type: String = row.get(6)?;
    Ok(Entry {
        ledger_id: row.get(0)?,
        topic: key_topic(row.get(1)?).ok_or_else(|| bad(1, "topic"))?,
        ledger_date,
        seq: row.get(3)?,
        psp_reference: row.get(4)?,
        time: DateTime::from_timestamp_micros(time_us).ok_or_else(|| bad(5, "time"))?,
        entry_type: EntryType::parse(&entry_type),
        reference: row.get(7)?,
        currency: row.get(8)?,
        amount: row.get(9)?,
        balance_before: row.get(10)?,
        balance_after: row.get(11)?,
        recipient_handle: row.get(12)?,
        name: row.get(13)?,
        masked_phone_no: row.get(14)?,
        message: row.get(15)?,
    })
}

fn ledger_from_row(row: &Row<'_>) -> rusqlite::Result<Ledger> {
    let settles: String = row.get(6)?;
    let units: String = row.get(7)?;
    let json = |col: usize, e: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(col, Type::Text, e.into())
    };
    Ok(Ledger {
        ledger_id: row.get(0)?,
        currency: row.get(1)?,
        payout_bank_account: SchemeId {
            scheme: row.get(2)?,
            id: row.get(3)?,
        },
        owner: SchemeId {
            scheme: row.get(4)?,
            id: row.get(5)?,
        },
        settles_for_recipient_handles: serde_json::from_str(&settles).map_err(|e| json(6, e))?,
        sales_units: serde_json::from_str(&units).map_err(|e| json(7, e))?,
    })
}

fn status_from_row(row: &Row<'_>) -> rusqlite::Result<DateStatus> {
    let state: String = row.get(3)?;
    let fetched_us: i64 = row.get(5)?;
    Ok(DateStatus {
        ledger_id: row.get(0)?,
        topic: key_topic(row.get(1)?).ok_or_else(|| bad(1, "topic"))?,
        date: key_date(row.get(2)?).ok_or_else(|| bad(2, "date"))?,
        state: DateState::parse(&state).ok_or_else(|| bad(3, "state"))?,
        entry_count: row.get(4)?,
        fetched_at: DateTime::from_timestamp_micros(fetched_us).ok_or_else(|| bad(5, "time"))?,
        error: row.get(6)?,
        with_gdpr: row.get(7)?,
        source: DateSource::parse(&row.get::<_, String>(8)?),
    })
}

/// `LIKE` pattern for a substring, with the user's `%`, `_` and `\` taken literally.
fn like_contains(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

impl Store {
    /// Ledgers `profile` sees (all cached ledgers when `None`), by ledger id.
    pub fn ledgers(&self, profile: Option<&str>) -> Result<Vec<Ledger>> {
        let cols = "l.ledger_id, l.currency, l.payout_scheme, l.payout_account, l.owner_scheme, l.owner_id, \
                    l.settles_for, l.sales_units";
        let rows = match profile {
            Some(p) => {
                let mut stmt = self.conn.prepare_cached(&format!(
                    "SELECT {cols} FROM ledgers l JOIN ledger_visibility v ON v.ledger_id = l.ledger_id \
                     WHERE v.profile = ?1 ORDER BY l.ledger_id"
                ))?;
                let rows = stmt
                    .query_map([p], ledger_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                rows
            }
            None => {
                let mut stmt = self
                    .conn
                    .prepare_cached(&format!("SELECT {cols} FROM ledgers l ORDER BY l.ledger_id"))?;
                let rows = stmt
                    .query_map([], ledger_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                rows
            }
        };
        Ok(rows)
    }

    pub fn ledger(&self, ledger_id: &str) -> Result<Option<Ledger>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT ledger_id, currency, payout_scheme, payout_account, owner_scheme, owner_id, settles_for, \
             sales_units FROM ledgers WHERE ledger_id = ?1",
        )?;
        let mut rows = stmt.query_map([ledger_id], ledger_from_row)?;
        Ok(rows.next().transpose()?)
    }

    /// Statuses of the dates in `from..=to` that were ever attempted (missing dates have none).
    pub fn date_statuses(
        &self,
        ledger_id: &str,
        topic: Topic,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DateStatus>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT ledger_id, topic, date, state, entry_count, fetched_at, error, with_gdpr, source FROM date_status \
             WHERE ledger_id = ?1 AND topic = ?2 AND date BETWEEN ?3 AND ?4 ORDER BY date",
        )?;
        let rows = stmt
            .query_map(
                params![ledger_id, topic_key(topic), date_key(from), date_key(to)],
                status_from_row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Every entry of the dates in `from..=to`, by date then served order.
    pub fn entries_between(
        &self,
        ledger_id: &str,
        topic: Topic,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Entry>> {
        let mut out = Vec::new();
        self.for_each_entry_between(ledger_id, topic, from, to, |e| {
            out.push(e.clone());
            Ok(())
        })?;
        Ok(out)
    }

    /// Stream the entries of `from..=to` in date and served order without holding them all.
    pub fn for_each_entry_between(
        &self,
        ledger_id: &str,
        topic: Topic,
        from: NaiveDate,
        to: NaiveDate,
        mut f: impl FnMut(&Entry) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM entries WHERE ledger_id = ?1 AND topic = ?2 AND date BETWEEN ?3 AND ?4 \
             ORDER BY date, seq"
        ))?;
        let mut rows = stmt.query(params![ledger_id, topic_key(topic), date_key(from), date_key(to)])?;
        while let Some(row) = rows.next()? {
            f(&entry_from_row(row)?)?;
        }
        Ok(())
    }

    /// One page of a date's entries, sorted and filtered, with the total that matches.
    pub fn day_entries(
        &self,
        ledger_id: &str,
        topic: Topic,
        date: NaiveDate,
        q: &DayQuery,
    ) -> Result<DayPage> {
        let mut filter = String::from("ledger_id = ?1 AND topic = ?2 AND date = ?3");
        let mut args: Vec<rusqlite::types::Value> = vec![
            ledger_id.to_string().into(),
            topic_key(topic).into(),
            date_key(date).into(),
        ];
        if let Some(t) = q.entry_type.as_deref().filter(|t| !t.is_empty()) {
            args.push(t.to_string().into());
            filter.push_str(&format!(" AND entry_type = ?{}", args.len()));
        }
        if let Some(text) = q
            .reference_contains
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            args.push(like_contains(text).into());
            let n = args.len();
            filter.push_str(&format!(
                " AND (reference LIKE ?{n} ESCAPE '\\' OR psp_reference LIKE ?{n} ESCAPE '\\')"
            ));
        }
        let total: i64 = self
            .conn
            .prepare_cached(&format!("SELECT count(*) FROM entries WHERE {filter}"))?
            .query_row(params_from_iter(args.iter()), |r| r.get(0))?;
        let dir = if q.descending { "DESC" } else { "ASC" };
        let order = match q.sort {
            DaySort::Seq => format!("seq {dir}"),
            DaySort::Time => format!("time_us {dir}, seq {dir}"),
            DaySort::Amount => format!("amount {dir}, seq {dir}"),
            DaySort::Type => format!("entry_type {dir}, seq {dir}"),
        };
        let limit = q.limit.min(10_000);
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM entries WHERE {filter} ORDER BY {order} LIMIT {limit} OFFSET {}",
            q.offset
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let entries = stmt
            .query_map(params_from_iter(args.iter()), entry_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(DayPage {
            total: u64::try_from(total).unwrap_or(0),
            offset: q.offset,
            entries,
        })
    }

    /// Every cached entry with this pspReference: a capture, its fees, its refunds.
    pub fn entries_by_psp(&self, psp_reference: &str) -> Result<Vec<Entry>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM entries WHERE date IN ({CACHED_DATES}) AND psp_reference = ?1 \
             ORDER BY ledger_id, date, topic, seq"
        ))?;
        let rows = stmt
            .query_map([psp_reference], entry_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Find entries by order reference or pspReference: prefix matches first (indexed), then
    /// substring matches, at most `limit` in all.
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<Entry>> {
        let text = text.trim();
        if text.is_empty() || limit == 0 {
            return Ok(vec![]);
        }
        let lim = i64::try_from(limit).unwrap_or(i64::MAX);
        let upper = format!("{text}\u{10FFFF}");
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut take = |rows: Vec<Entry>, out: &mut Vec<Entry>| {
            for e in rows {
                if out.len() >= limit {
                    break;
                }
                if seen.insert((
                    e.ledger_id.clone(),
                    e.topic,
                    e.ledger_date,
                    e.seq,
                    e.psp_reference.clone(),
                )) {
                    out.push(e);
                }
            }
        };
        for column in ["psp_reference", "reference"] {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM entries WHERE date IN ({CACHED_DATES}) AND {column} >= ?1 AND {column} < ?2 \
                 ORDER BY {column}, date, topic, seq LIMIT ?3"
            ))?;
            let rows = stmt
                .query_map(params![text, upper, lim], entry_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            take(rows, &mut out);
        }
        if out.len() < limit {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM entries NOT INDEXED \
                 WHERE instr(psp_reference, ?1) > 0 OR instr(reference, ?1) > 0 \
                 ORDER BY ledger_id, topic, date, seq LIMIT ?2"
            ))?;
            let rows = stmt
                .query_map(params![text, lim.saturating_mul(2)], entry_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            take(rows, &mut out);
        }
        Ok(out)
    }

    /// One row per calendar date of `month`, from the per-date totals (never a scan of entries).
    pub fn month_summary(&self, ledger_id: &str, month: YearMonth) -> Result<Vec<DaySummary>> {
        let from = date_key(month.first_day());
        let to = date_key(month.last_day());
        let mut days: BTreeMap<i64, DaySummary> = month
            .dates()
            .map(|d| {
                (
                    date_key(d),
                    DaySummary {
                        date: d,
                        figures: Figures::default(),
                        funds_count: 0,
                        fees_count: 0,
                        funds_state: None,
                        fees_state: None,
                        funds_error: None,
                        fees_error: None,
                    },
                )
            })
            .collect();
        let mut stmt = self.conn.prepare_cached(
            "SELECT topic, date, state, entry_count, error FROM date_status \
             WHERE ledger_id = ?1 AND date BETWEEN ?2 AND ?3",
        )?;
        let mut rows = stmt.query(params![ledger_id, from, to])?;
        while let Some(row) = rows.next()? {
            let Some(day) = days.get_mut(&row.get::<_, i64>(1)?) else {
                continue;
            };
            let state = DateState::parse(&row.get::<_, String>(2)?);
            let count: u32 = row.get(3)?;
            let error: Option<String> = row.get(4)?;
            match key_topic(row.get(0)?) {
                Some(Topic::Funds) => {
                    (day.funds_state, day.funds_count, day.funds_error) = (state, count, error)
                }
                Some(Topic::Fees) => (day.fees_state, day.fees_count, day.fees_error) = (state, count, error),
                None => {}
            }
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT topic, date, entry_type, amount FROM day_totals WHERE ledger_id = ?1 AND date BETWEEN ?2 AND ?3",
        )?;
        let mut rows = stmt.query(params![ledger_id, from, to])?;
        while let Some(row) = rows.next()? {
            let Some(day) = days.get_mut(&row.get::<_, i64>(1)?) else {
                continue;
            };
            let Some(topic) = key_topic(row.get(0)?) else {
                continue;
            };
            let entry_type = EntryType::parse(&row.get::<_, String>(2)?);
            let amount: i64 = row.get(3)?;
            day.figures
                .add(classify(topic, &entry_type), amount)
                .map_err(|e| Error::Cache(format!("The figures of {} cannot be added up: {e}.", day.date)))?;
        }
        Ok(days.into_values().collect())
    }

    pub fn feed_cursor(&self, ledger_id: &str, topic: Topic) -> Result<Option<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT cursor FROM feed_cursors WHERE ledger_id = ?1 AND topic = ?2")?;
        let mut rows = stmt.query_map(params![ledger_id, topic_key(topic)], |r| r.get(0))?;
        Ok(rows.next().transpose()?)
    }

    pub fn stats(&self) -> Result<CacheStats> {
        let count = |sql: &str| -> Result<u64> {
            let n: i64 = self.conn.query_row(sql, [], |r| r.get(0))?;
            u64::try_from(n).map_err(|_| Error::Cache("The cache returned a negative count.".into()))
        };
        let file_bytes = self
            .path()
            .and_then(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .unwrap_or(0);
        Ok(CacheStats {
            path: self.path().map(|p| p.display().to_string()),
            schema_version: SCHEMA_VERSION,
            ledgers: count("SELECT count(*) FROM ledgers")?,
            entries: count("SELECT coalesce(sum(entry_count), 0) FROM date_status")?,
            dates_complete: count("SELECT count(*) FROM date_status WHERE state = 'complete'")?,
            dates_open: count("SELECT count(*) FROM date_status WHERE state = 'open'")?,
            dates_failed: count("SELECT count(*) FROM date_status WHERE state = 'failed'")?,
            file_bytes,
        })
    }
}
