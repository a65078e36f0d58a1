//! Bank statements in the cache: a file's statements go in with one transaction (a second import of
//! the same or an overlapping file adds no line), the lines of an account by booking date, the
//! matches and unmatches made by hand, the CSV mapping kept per account, and the payout entries the
//! bank matcher needs.

use super::{date_key, key_date, topic_key, Store};
use crate::bank::csv_import::CsvMapping;
use crate::bank::matching::ManualChoices;
use crate::bank::predict::PayoutForBank;
use crate::bank::{line_keys, StatementLine};
use crate::clock::Clock;
use crate::model::{payout_number, EntryType, Topic};
use crate::{Error, Result};
use chrono::NaiveDate;
use rusqlite::types::Type;
use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};

/// One statement of a file, for one account (its BBAN, [`crate::bank::account::bban`]).
#[derive(Debug, Clone, Copy)]
pub struct StatementWrite<'a> {
    pub account: &'a str,
    pub lines: &'a [StatementLine],
}

/// Everything one file brings: its statements, and for a CSV the mapping the user confirmed.
#[derive(Debug, Clone)]
pub struct BankFileWrite<'a> {
    pub file_name: &'a str,
    /// `camt.053.001.02`, `camt.053.001.08`, … or `csv`.
    pub format: &'a str,
    pub statements: Vec<StatementWrite<'a>>,
    /// For a CSV: the header row and the mapping, remembered for the account.
    pub csv_mapping: Option<(&'a str, &'a CsvMapping)>,
}

/// What storing one statement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementCounts {
    pub lines: u64,
    /// New lines; `lines - added` were in the cache already.
    pub added: u64,
}

/// A stored line with its row id (what a manual match names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBankLine {
    pub id: i64,
    pub account: String,
    pub line: StatementLine,
}

/// A manual decision on a (payout, line) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManualDecision {
    /// This line is this payout (a line is matched by hand to one payout at most).
    Match,
    /// This line is not this payout: automatic matching never pairs them again.
    Unmatch,
    /// Forget what was decided: automatic matching decides again.
    Forget,
}

const LINE_COLUMNS: &str =
    "line_id, account, booking_date, value_date, amount, currency, text, counterparty, bank_reference";

fn bad_date(col: usize) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(col, Type::Integer, "not a valid date".into())
}

fn line_from_row(row: &Row<'_>) -> rusqlite::Result<StoredBankLine> {
    let value: Option<i64> = row.get(3)?;
    Ok(StoredBankLine {
        id: row.get(0)?,
        account: row.get(1)?,
        line: StatementLine {
            booking_date: key_date(row.get(2)?).ok_or_else(|| bad_date(2))?,
            value_date: match value {
                Some(k) => Some(key_date(k).ok_or_else(|| bad_date(3))?),
                None => None,
            },
            amount: row.get(4)?,
            currency: row.get(5)?,
            text: row.get(6)?,
            counterparty: row.get(7)?,
            bank_reference: row.get(8)?,
        },
    })
}

impl Store {
    /// Begin a batch of bank files: until [`Store::commit_bank_batch`], each
    /// [`Store::store_bank_file`] is a savepoint inside one transaction (still all of a file or
    /// nothing of it), so 2,400 files are one commit, not 2,400. A batch never committed (a crash)
    /// leaves the cache as it was before the batch.
    pub fn begin_bank_batch(&mut self) -> Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(())
    }

    /// Commit the batch begun by [`Store::begin_bank_batch`].
    pub fn commit_bank_batch(&mut self) -> Result<()> {
        if let Err(e) = self.conn.execute_batch("COMMIT") {
            // The batch is not stored; leave no transaction open behind it.
            let _ = self.conn.execute_batch("ROLLBACK");
            return Err(e.into());
        }
        Ok(())
    }

    /// Store every statement of one file in one transaction (a savepoint inside a batch): all of
    /// it, or (on any error) nothing. Lines already in the cache (same key) are left as they are
    /// and not counted as added.
    pub fn store_bank_file(&mut self, file: &BankFileWrite<'_>) -> Result<Vec<StatementCounts>> {
        if self.conn.is_autocommit() {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = write_bank_file(&tx, file)?;
            tx.commit()?;
            Ok(out)
        } else {
            let sp = self.conn.savepoint()?;
            let out = write_bank_file(&sp, file)?;
            sp.commit()?;
            Ok(out)
        }
    }

    /// The lines of `account` booked `from..=to`, by booking date then as imported.
    pub fn bank_lines(&self, account: &str, from: NaiveDate, to: NaiveDate) -> Result<Vec<StoredBankLine>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {LINE_COLUMNS} FROM bank_lines WHERE account = ?1 AND booking_date BETWEEN ?2 AND ?3 \
             ORDER BY booking_date, line_id"
        ))?;
        let rows = stmt
            .query_map(params![account, date_key(from), date_key(to)], line_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    pub fn bank_line(&self, line_id: i64) -> Result<Option<StoredBankLine>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {LINE_COLUMNS} FROM bank_lines WHERE line_id = ?1"
        ))?;
        Ok(stmt.query_row([line_id], line_from_row).optional()?)
    }

    /// The first and last booking date the statements imported for `account` cover, if any.
    pub fn bank_coverage(&self, account: &str) -> Result<Option<(NaiveDate, NaiveDate)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT min(first_date), max(last_date) FROM bank_imports WHERE account = ?1 AND first_date IS NOT NULL",
        )?;
        let (first, last): (Option<i64>, Option<i64>) =
            stmt.query_row([account], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(match (first.and_then(key_date), last.and_then(key_date)) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        })
    }

    /// Every line in the cache, all accounts.
    pub fn bank_line_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM bank_lines", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// The matches and unmatches made by hand on `ledger_id`'s payouts.
    pub fn bank_manual(&self, ledger_id: &str) -> Result<ManualChoices> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT payout_number, line_id, matched FROM bank_manual WHERE ledger_id = ?1 ORDER BY decided_at, line_id",
        )?;
        let mut choices = ManualChoices::default();
        let rows = stmt.query_map([ledger_id], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, bool>(2)?))
        })?;
        for row in rows {
            let (payout, line, matched) = row?;
            let payout = payout as u64;
            if matched {
                choices.matched.push((payout, line));
            } else {
                choices.unmatched.insert((payout, line));
            }
        }
        Ok(choices)
    }

    /// Record a decision made by hand. A match takes the line from any other payout it was matched to.
    pub fn set_bank_manual(
        &mut self,
        ledger_id: &str,
        payout: u64,
        line_id: i64,
        decision: ManualDecision,
    ) -> Result<()> {
        let now = Clock::System.now().timestamp();
        let payout =
            i64::try_from(payout).map_err(|_| Error::Input(format!("{payout} is not a payout number.")))?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "DELETE FROM bank_manual WHERE ledger_id = ?1 AND payout_number = ?2 AND line_id = ?3",
            params![ledger_id, payout, line_id],
        )?;
        match decision {
            ManualDecision::Match => {
                tx.execute(
                    "DELETE FROM bank_manual WHERE ledger_id = ?1 AND line_id = ?2 AND matched = 1",
                    params![ledger_id, line_id],
                )?;
                tx.execute(
                    "INSERT INTO bank_manual (ledger_id, payout_number, line_id, matched, decided_at) \
                     VALUES (?1, ?2, ?3, 1, ?4)",
                    params![ledger_id, payout, line_id, now],
                )?;
            }
            ManualDecision::Unmatch => {
                tx.execute(
                    "INSERT INTO bank_manual (ledger_id, payout_number, line_id, matched, decided_at) \
                     VALUES (?1, ?2, ?3, 0, ?4)",
                    params![ledger_id, payout, line_id, now],
                )?;
            }
            ManualDecision::Forget => {}
        }
        tx.commit()?;
        Ok(())
    }

    /// The CSV mapping kept for `account`, with the header row it was confirmed for.
    pub fn bank_csv_mapping(&self, account: &str) -> Result<Option<(String, CsvMapping)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT header, mapping FROM bank_csv_mappings WHERE account = ?1")?;
        let row: Option<(String, String)> = stmt
            .query_row([account], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.and_then(|(header, json)| serde_json::from_str(&json).ok().map(|m| (header, m))))
    }

    /// The payouts (`payout-scheduled` entries) of `ledger_id` on ledger dates `from..=to`, found
    /// through the per-date totals so only paying dates are read.
    pub fn payouts_for_bank(
        &self,
        ledger_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<PayoutForBank>> {
        // The literals match the partial index `entries_payouts` (migration 0010), which a bound
        // parameter could not: one short range scan of the ledger's payouts.
        debug_assert_eq!(
            (topic_key(Topic::Funds), EntryType::PayoutScheduled.as_str()),
            (0, "payout-scheduled")
        );
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.psp_reference, COALESCE(e.entry_date, e.date), e.amount, e.currency, e.reference FROM entries e \
             INDEXED BY entries_payouts \
             WHERE e.ledger_id = ?1 AND e.topic = 0 AND e.entry_type = 'payout-scheduled' AND e.date BETWEEN ?2 AND ?3 \
             ORDER BY e.date, e.seq",
        )?;
        let rows = stmt.query_map(params![ledger_id, date_key(from), date_key(to)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (psp, date, amount, currency, reference) = row?;
            let (Some(number), Some(ledger_date)) = (payout_number(&psp), key_date(date)) else {
                continue;
            };
            out.push(PayoutForBank {
                ledger_id: ledger_id.to_string(),
                payout_number: number,
                ledger_date,
                amount: amount.checked_neg().unwrap_or(i64::MAX),
                currency,
                reference,
            });
        }
        Ok(out)
    }

    /// The DK/FI bank text format saved for `ledger_id`, if the user set one.
    pub fn bank_text_format(&self, ledger_id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT format FROM ledger_bank_text WHERE ledger_id = ?1",
                params![ledger_id],
                |r| r.get::<_, String>(0),
            )
            .optional()?)
    }

    /// Save `format` as `ledger_id`'s DK/FI bank text format (checked first), or with `None` go back
    /// to the MobilePay default.
    pub fn set_bank_text_format(&self, ledger_id: &str, format: Option<&str>) -> Result<()> {
        match format {
            Some(f) => {
                crate::bank::predict::check_text_format(f).map_err(crate::Error::Input)?;
                self.conn.execute(
                    "INSERT INTO ledger_bank_text (ledger_id, format, updated_at) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (ledger_id) DO UPDATE SET format = excluded.format, updated_at = excluded.updated_at",
                    params![ledger_id, f.trim(), Clock::System.now().timestamp()],
                )?;
            }
            None => {
                self.conn.execute(
                    "DELETE FROM ledger_bank_text WHERE ledger_id = ?1",
                    params![ledger_id],
                )?;
            }
        }
        Ok(())
    }
}

/// The same line from another kind of file: a CSV export has no bank reference, so its key differs
/// from the camt.053 line of the same deposit. A line is already stored when the account has a line
/// on the same booking date with the same amount whose text contains the other's (spaces and case
/// aside), one of the two without a bank reference, and no earlier line of this file took it.
struct SameLine {
    /// The account has lines without a bank reference in this statement's dates.
    unreferenced_in_range: bool,
    taken: std::collections::HashSet<i64>,
}

impl SameLine {
    fn new(tx: &rusqlite::Connection, s: &StatementWrite<'_>) -> Result<SameLine> {
        let (Some(first), Some(last)) = (
            s.lines.iter().map(|l| l.booking_date).min(),
            s.lines.iter().map(|l| l.booking_date).max(),
        ) else {
            return Ok(SameLine {
                unreferenced_in_range: false,
                taken: Default::default(),
            });
        };
        let unreferenced_in_range = tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM bank_lines WHERE account = ?1 AND booking_date BETWEEN ?2 AND ?3 \
                 AND bank_reference IS NULL)",
            )?
            .query_row(params![s.account, date_key(first), date_key(last)], |r| r.get(0))?;
        Ok(SameLine {
            unreferenced_in_range,
            taken: Default::default(),
        })
    }

    /// `import_id`: this statement's own import, whose lines (two equal purchases on one day) are
    /// never taken for each other.
    fn already_stored(
        &mut self,
        tx: &rusqlite::Connection,
        account: &str,
        import_id: i64,
        l: &StatementLine,
    ) -> Result<bool> {
        let referenced = l.bank_reference.is_some();
        if referenced && !self.unreferenced_in_range {
            return Ok(false);
        }
        let squash = crate::bank::matching::squash;
        let mine = squash(&l.text);
        let mut stmt = tx.prepare_cached(
            "SELECT line_id, text, bank_reference IS NOT NULL FROM bank_lines \
             WHERE account = ?1 AND booking_date = ?2 AND amount = ?3 AND import_id <> ?4 ORDER BY line_id",
        )?;
        let rows = stmt.query_map(
            params![account, date_key(l.booking_date), l.amount, import_id],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, bool>(2)?)),
        )?;
        for row in rows {
            let (id, text, has_ref) = row?;
            if (referenced && has_ref) || self.taken.contains(&id) {
                continue;
            }
            let theirs = squash(&text);
            if !mine.is_empty() && !theirs.is_empty() && (theirs.contains(&mine) || mine.contains(&theirs)) {
                self.taken.insert(id);
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// [`Store::store_bank_file`]'s writes, in the open transaction or savepoint `tx`.
fn write_bank_file(tx: &rusqlite::Connection, file: &BankFileWrite<'_>) -> Result<Vec<StatementCounts>> {
    let now = Clock::System.now().timestamp();
    let mut out = Vec::with_capacity(file.statements.len());
    {
        let mut import = tx.prepare_cached(
            "INSERT INTO bank_imports (account, file_name, format, first_date, last_date, line_count, added, \
             imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7)",
        )?;
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO bank_lines (account, line_key, booking_date, value_date, amount, currency, \
             text, counterparty, bank_reference, import_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        let mut added_to = tx.prepare_cached("UPDATE bank_imports SET added = ?2 WHERE import_id = ?1")?;
        for s in &file.statements {
            let first = s.lines.iter().map(|l| l.booking_date).min().map(date_key);
            let last = s.lines.iter().map(|l| l.booking_date).max().map(date_key);
            import.execute(params![
                s.account,
                file.file_name,
                file.format,
                first,
                last,
                s.lines.len() as i64,
                now
            ])?;
            let import_id = tx.last_insert_rowid();
            let mut added = 0u64;
            let mut same = SameLine::new(tx, s)?;
            for (l, key) in s.lines.iter().zip(line_keys(s.account, s.lines)) {
                if same.already_stored(tx, s.account, import_id, l)? {
                    continue;
                }
                added += insert.execute(params![
                    s.account,
                    key,
                    date_key(l.booking_date),
                    l.value_date.map(date_key),
                    l.amount,
                    l.currency,
                    l.text,
                    l.counterparty,
                    l.bank_reference,
                    import_id
                ])? as u64;
            }
            added_to.execute(params![import_id, added as i64])?;
            out.push(StatementCounts {
                lines: s.lines.len() as u64,
                added,
            });
        }
        if let Some((header, mapping)) = file.csv_mapping {
            let json = serde_json::to_string(mapping)
                .map_err(|e| Error::Cache(format!("The CSV mapping could not be saved ({e}).")))?;
            let mut keep = tx.prepare_cached(
                "INSERT OR REPLACE INTO bank_csv_mappings (account, header, mapping, updated_at) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for s in &file.statements {
                keep.execute(params![s.account, header, json, now])?;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(date: &str, amount: i64, text: &str) -> StatementLine {
        StatementLine {
            booking_date: date.parse().expect("date"),
            value_date: None,
            amount,
            currency: "NOK".into(),
            text: text.into(),
            counterparty: None,
            bank_reference: None,
        }
    }

    fn file<'a>(lines: &'a [StatementLine]) -> BankFileWrite<'a> {
        BankFileWrite {
            file_name: "oktober.csv",
            format: "csv",
            statements: vec![StatementWrite {
                account: "15039912345",
                lines,
            }],
            csv_mapping: None,
        }
    }

    #[test]
    fn the_same_or_an_overlapping_file_imported_again_adds_nothing() {
        let mut store = Store::open_in_memory().expect("store");
        let october = [
            line("2026-10-09", 28800, "Utb. 2000810 Vippsnr 123455"),
            line("2026-10-09", -4500, "Kaffe"),
            line("2026-10-09", -4500, "Kaffe"),
        ];
        let counts = store.store_bank_file(&file(&october)).expect("import");
        assert_eq!(counts, [StatementCounts { lines: 3, added: 3 }]);
        let again = store.store_bank_file(&file(&october)).expect("again");
        assert_eq!(again, [StatementCounts { lines: 3, added: 0 }]);
        let overlap = [
            october[1].clone(),
            october[2].clone(),
            line("2026-10-10", 10000, "Utb. 2000811 Vippsnr 123455"),
        ];
        let more = store.store_bank_file(&file(&overlap)).expect("overlap");
        assert_eq!(more, [StatementCounts { lines: 3, added: 1 }]);
        assert_eq!(store.bank_line_count().expect("count"), 4);
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let lines = store
            .bank_lines("15039912345", d("2026-10-10"), d("2026-10-31"))
            .expect("lines");
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].line.amount, 10000);
        assert_eq!(
            store.bank_coverage("15039912345").expect("coverage"),
            Some((d("2026-10-09"), d("2026-10-10")))
        );
        assert_eq!(store.bank_coverage("99").expect("coverage"), None);
    }

    #[test]
    fn manual_choices_are_kept_and_a_match_moves_the_line() {
        let mut store = Store::open_in_memory().expect("store");
        store
            .store_bank_file(&file(&[line("2026-10-09", 100, "x")]))
            .expect("import");
        let id = store
            .bank_lines("15039912345", NaiveDate::MIN, NaiveDate::MAX)
            .expect("lines")[0]
            .id;
        store
            .set_bank_manual("302321", 2000810, id, ManualDecision::Match)
            .expect("match");
        store
            .set_bank_manual("302321", 2000811, id, ManualDecision::Match)
            .expect("match again");
        store
            .set_bank_manual("302321", 2000812, id, ManualDecision::Unmatch)
            .expect("unmatch");
        let m = store.bank_manual("302321").expect("manual");
        assert_eq!(
            m.matched,
            [(2000811, id)],
            "a line is matched by hand to one payout"
        );
        assert!(m.unmatched.contains(&(2000812, id)));
        store
            .set_bank_manual("302321", 2000812, id, ManualDecision::Forget)
            .expect("forget");
        assert!(store.bank_manual("302321").expect("manual").unmatched.is_empty());
        assert!(store.bank_manual("other").expect("manual").matched.is_empty());
    }

    #[test]
    fn a_csv_mapping_is_remembered_per_account() {
        let mut store = Store::open_in_memory().expect("store");
        let csv = "Date,Description,Amount\n2026-10-09,a,288.00\n";
        let mapping = crate::bank::csv_import::detect(csv.as_bytes()).expect("mapping");
        let lines = [line("2026-10-09", 28800, "a")];
        let mut f = file(&lines);
        f.csv_mapping = Some(("Date,Description,Amount", &mapping));
        store.store_bank_file(&f).expect("import");
        assert_eq!(
            store.bank_csv_mapping("15039912345").expect("read"),
            Some(("Date,Description,Amount".to_string(), mapping))
        );
        assert_eq!(store.bank_csv_mapping("1").expect("read"), None);
    }
}
