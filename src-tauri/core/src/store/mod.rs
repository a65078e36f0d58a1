//! The local cache: SQLite (WAL) with embedded migrations run at open. All SQL lives here.
//! A ledger date is written in one transaction, so a crash leaves it complete or absent.

mod accounts;
pub mod bank;
mod clients;
mod feed;
pub mod portal;
mod read;
pub mod sales;
mod types;
mod write;

pub use feed::{FeedPlace, FeedWrite};
pub use types::{
    CacheStats, DateSource, DateState, DateStatus, DateWrite, DayPage, DayQuery, DaySort, DaySummary,
};

use crate::clock::Clock;
use crate::model::Topic;
use crate::{Error, Result};
use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Embedded migrations; migration `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_cache.sql"),
    include_str!("../../migrations/0002_bank.sql"),
    include_str!("../../migrations/0003_feed_catch_up.sql"),
    include_str!("../../migrations/0004_portal.sql"),
    include_str!("../../migrations/0005_accounts.sql"),
    include_str!("../../migrations/0006_bank_text.sql"),
    include_str!("../../migrations/0007_books_settings.sql"),
    include_str!("../../migrations/0008_sales.sql"),
    include_str!("../../migrations/0009_clients.sql"),
    include_str!("../../migrations/0010_payout_index.sql"),
];

/// The schema this build knows.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// `PRAGMA application_id` of an Avstem cache ("AVST"): tells our file from another app's.
const APPLICATION_ID: i32 = 0x4156_5354;

const RESET_HINT: &str = "Run `avstem cache reset` to rebuild the cache; your profiles are kept.";

/// The cache. One per thread: wraps a single SQLite connection.
pub struct Store {
    pub(crate) conn: Connection,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// The cache holds personal data after a GDPR sync: create it 0600 (SQLite gives the WAL and SHM
/// files the main file's mode) and make a cache an older version left 0644 private. Failures are
/// left to the open that follows, which names them.
fn make_cache_private(path: &Path) {
    if path.exists() {
        for p in [path.to_path_buf(), sidecar(path, "-wal"), sidecar(path, "-shm")] {
            if p.exists() {
                let _ = crate::files::make_private(&p);
            }
        }
    } else {
        let _ = crate::files::ensure_private_file(path);
    }
}

/// Whether this process may write the cache file and create its WAL and SHM files beside it.
fn writable(path: &Path) -> bool {
    let file_ok = std::fs::OpenOptions::new().append(true).open(path).is_ok();
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir_ok = tempfile::Builder::new()
        .prefix(".avstem-probe-")
        .tempfile_in(dir)
        .is_ok();
    file_ok && dir_ok
}

fn sidecar(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    std::path::PathBuf::from(name)
}

impl Store {
    /// Open (or create) the cache at `path` and bring its schema up to date.
    ///
    /// A damaged or foreign file, a newer schema, or a read-only location is an
    /// `Error::Cache` with a sentence and the way out; the file is never touched then.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::files::create_private_dir(dir).map_err(|e| {
                Error::Cache(format!(
                    "The cache folder {} could not be created ({e}). Check that the folder is writable.",
                    dir.display()
                ))
            })?;
        }
        make_cache_private(path);
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| open_error(path, &e))?;
        let mut store = Store {
            conn,
            path: Some(path.to_path_buf()),
        };
        store.prepare().map_err(|e| match e {
            Error::Cache(msg) if !msg.contains(&path.display().to_string()) => {
                Error::Cache(format!("{} {msg}", at_path(path)))
            }
            other => other,
        })?;
        Ok(store)
    }

    /// SQLite's `PRAGMA quick_check` over the whole file: `Ok` when it finds nothing, else a
    /// sentence with the first problem and the way out. A sync that has nothing to fetch runs it,
    /// so a damaged cache is not reported as "all complete"; `avstem cache check` runs it on demand.
    pub fn quick_check(&self) -> Result<()> {
        let mut stmt = self.conn.prepare("PRAGMA quick_check")?;
        let found: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<std::result::Result<_, _>>()?;
        if found.len() == 1 && found[0] == "ok" {
            return Ok(());
        }
        Err(Error::Cache(format!(
            "The cache file is damaged: SQLite's check found {} problem(s), the first: {}. {RESET_HINT} (The \
             damaged file is moved aside, not deleted.)",
            found.len(),
            found.first().map(String::as_str).unwrap_or("unknown")
        )))
    }

    /// Open the cache for reading only (the month, its export, entries): like [`Store::open`], but
    /// when the file or its folder cannot be written (a read-only mount, another user's cache), the
    /// file is opened read-only and treated as unchanging (`immutable=1`, no WAL or SHM files needed).
    pub fn open_for_reading(path: &Path) -> Result<Store> {
        // The normal open first: the write probe below costs I/O, so it runs only when that fails.
        match Store::open(path) {
            Ok(store) => return Ok(store),
            Err(e) if !path.exists() || writable(path) => return Err(e),
            Err(_) => {}
        }
        let mut url = url::Url::from_file_path(path)
            .map_err(|()| Error::Cache(format!("{} cannot be opened as a cache.", path.display())))?;
        url.set_query(Some("immutable=1"));
        let conn = Connection::open_with_flags(
            url.as_str(),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| open_error(path, &e))?;
        let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        if app_id != APPLICATION_ID || version != SCHEMA_VERSION {
            return Err(Error::Cache(format!(
                "The cache at {} is read-only and {}, so it cannot be read as it is. Make it writable \
                 (Avstem then upgrades it), or point Avstem at another data folder.",
                path.display(),
                if app_id != APPLICATION_ID {
                    "not an Avstem cache"
                } else {
                    "of another version of Avstem"
                }
            )));
        }
        tracing::info!(path = %path.display(), "cache opened read-only");
        Ok(Store {
            conn,
            path: Some(path.to_path_buf()),
        })
    }

    /// A throwaway cache for tests and previews.
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        let mut store = Store { conn, path: None };
        store.prepare()?;
        Ok(store)
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn prepare(&mut self) -> Result<()> {
        self.conn.busy_timeout(Duration::from_secs(10))?;
        // Reading the header first: a file that is not SQLite fails here, before any write.
        let app_id: i32 = self.conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        let version: u32 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if app_id != APPLICATION_ID {
            let tables: i64 = self.conn.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )?;
            if app_id != 0 || tables > 0 {
                return Err(Error::Cache(format!(
                    "The cache file is a database of another application, not an Avstem cache. {RESET_HINT} \
                     (The other file is moved aside, not deleted.)"
                )));
            }
        }
        if version > SCHEMA_VERSION {
            return Err(Error::Cache(format!(
                "The cache was written by a newer version of Avstem (schema {version}; this version knows \
                 {SCHEMA_VERSION}). Update Avstem, or {}",
                lowercase_first(RESET_HINT)
            )));
        }
        if self.path.is_some() && self.conn.is_readonly("main")? {
            return Err(Error::Cache(
                "The cache file is read-only, so nothing can be synced into it. Make the file and its folder \
                 writable, or point Avstem at another data folder. Reading the month, its export and \
                 `avstem entries` still work."
                    .into(),
            ));
        }
        if version == 0 {
            // Fixed when the first table is created: 16 KiB pages store a date ~20% faster than 4 KiB.
            self.conn.execute_batch("PRAGMA page_size = 16384;")?;
        }
        if self.path.is_some() {
            let mode: String = self
                .conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                tracing::warn!(mode, "cache is not in WAL mode");
            }
        }
        self.conn.execute_batch(
            "PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -65536;",
        )?;
        self.conn.set_prepared_statement_cache_capacity(64);
        self.migrate(version)
    }

    fn migrate(&mut self, from: u32) -> Result<()> {
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
            tx.execute_batch(sql)?;
            tx.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {};",
                i + 1
            ))?;
            tx.commit()?;
        }
        Ok(())
    }

    pub fn schema_version(&self) -> Result<u32> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}

/// Move a broken cache aside (`cache.sqlite.broken-<timestamp>`, with its `-wal`/`-shm`)
/// and create a fresh one. Nothing is deleted: the old file stays for recovery.
/// Returns where the old file went, if there was one.
pub fn reset_cache(path: &Path) -> Result<Option<PathBuf>> {
    let stamp = Clock::System.now().format("%Y%m%dT%H%M%SZ");
    let mut moved = None;
    if path.exists() {
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let aside = path.with_file_name(format!("{file_name}.broken-{stamp}"));
        std::fs::rename(path, &aside).map_err(|e| {
            Error::Cache(format!(
                "The old cache {} could not be moved aside ({e}). Check that its folder is writable.",
                path.display()
            ))
        })?;
        for suffix in ["-wal", "-shm"] {
            let side = path.with_file_name(format!("{file_name}{suffix}"));
            if side.exists() {
                let side_aside = path.with_file_name(format!("{file_name}.broken-{stamp}{suffix}"));
                // A leftover -shm is only an index; if it will not move, a fresh cache cannot reuse it either.
                std::fs::rename(&side, &side_aside).map_err(|e| {
                    Error::Cache(format!("{} could not be moved aside ({e}).", side.display()))
                })?;
            }
        }
        moved = Some(aside);
    }
    Store::open(path)?;
    Ok(moved)
}

fn at_path(path: &Path) -> String {
    format!("Cache {}:", path.display())
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn open_error(path: &Path, e: &rusqlite::Error) -> Error {
    Error::Cache(format!("{} {}", at_path(path), describe_sqlite_error(e)))
}

/// Turn a SQLite error into a sentence with a way out.
pub fn describe_sqlite_error(e: &rusqlite::Error) -> String {
    let code = match e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.code),
        _ => None,
    };
    match code {
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => format!(
            "The cache file is damaged or is not an Avstem cache ({e}). {RESET_HINT} (The damaged file is moved \
             aside, not deleted.)"
        ),
        Some(ErrorCode::ReadOnly) | Some(ErrorCode::PermissionDenied) | Some(ErrorCode::CannotOpen) => format!(
            "The cache cannot be written: the file or its folder is read-only or not accessible ({e}). Make them \
             writable, or point Avstem at another data folder."
        ),
        Some(ErrorCode::DiskFull) => format!(
            "The disk is full, so the cache could not be written ({e}). Nothing was half-written: free some disk \
             space and sync again."
        ),
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => format!(
            "The cache is busy: another Avstem is writing to it ({e}). Wait for it to finish and try again."
        ),
        Some(ErrorCode::SystemIoFailure) => format!(
            "The cache could not be read or written because of a disk error ({e}). Check the disk; {}",
            lowercase_first(RESET_HINT)
        ),
        _ => format!("The local cache could not be read or written ({e}). {RESET_HINT}"),
    }
}

/// Dates are stored as the integer YYYYMMDD: compact, ordered, readable in `sqlite3`.
pub(crate) fn date_key(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}

pub(crate) fn key_date(k: i64) -> Option<NaiveDate> {
    let y = i32::try_from(k / 10_000).ok()?;
    NaiveDate::from_ymd_opt(
        y,
        u32::try_from(k / 100 % 100).ok()?,
        u32::try_from(k % 100).ok()?,
    )
}

pub(crate) fn topic_key(t: Topic) -> i64 {
    match t {
        Topic::Funds => 0,
        Topic::Fees => 1,
    }
}

pub(crate) fn key_topic(k: i64) -> Option<Topic> {
    match k {
        0 => Some(Topic::Funds),
        1 => Some(Topic::Fees),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_their_integer_key() {
        let d = NaiveDate::from_ymd_opt(2022, 10, 1).expect("date");
        assert_eq!(date_key(d), 20221001);
        assert_eq!(key_date(20221001), Some(d));
        assert_eq!(key_date(20221301), None);
    }

    #[test]
    fn a_full_disk_is_a_sentence_and_leaves_the_date_absent() {
        use crate::model::{Entry, EntryType};
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("cache.sqlite")).expect("open");
        let used: u32 = store
            .conn
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .expect("pages");
        // The file may not grow past a few more pages: SQLite answers SQLITE_FULL, as on a full disk.
        store
            .conn
            .execute_batch(&format!("PRAGMA max_page_count = {};", used + 4))
            .expect("limit");
        let date = NaiveDate::from_ymd_opt(2024, 3, 1).expect("date");
        let entries: Vec<Entry> = (0..5000u32)
            .map(|i| Entry {
                ledger_id: "1".into(),
                topic: Topic::Funds,
                ledger_date: date,
                seq: i,
                psp_reference: format!("psp-{i:08}"),
                time: chrono::DateTime::from_timestamp(1_709_280_000 + i64::from(i), 0).unwrap_or_default(),
                entry_type: EntryType::Capture,
                reference: format!("order-{i:08}"),
                currency: "NOK".into(),
                amount: 100,
                balance_before: i64::from(i) * 100,
                balance_after: i64::from(i) * 100 + 100,
                recipient_handle: None,
                name: None,
                masked_phone_no: None,
                message: None,
            })
            .collect();
        let err = store.store_date("1", Topic::Funds, date, &entries, DateState::Complete, None);
        let Err(Error::Cache(message)) = err else {
            panic!("expected a cache error, got {err:?}")
        };
        assert!(message.contains("disk is full"), "{message}");
        assert!(message.contains("free some disk space"), "{message}");
        assert!(store
            .date_statuses("1", Topic::Funds, date, date)
            .expect("statuses")
            .is_empty());
        assert!(store
            .entries_between("1", Topic::Funds, date, date)
            .expect("rows")
            .is_empty());
    }

    #[test]
    fn a_fresh_cache_has_the_known_schema() {
        let store = Store::open_in_memory().expect("open");
        assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    }
}
