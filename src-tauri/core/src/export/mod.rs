//! Workbook (xlsx), CSV and bookkeeping (SAF-T, GBAT10, CSV journal) writers for a reconciled month, reading the cache and streaming rows.
//! Files appear atomically: written under a temporary name in the target folder, then renamed.
//!
//! Text from the API is never interpreted: in the workbook it is always written as a string
//! cell, and in the CSV any text field beginning with `=`, `+`, `-`, `@`, a tab or a carriage
//! return gets a leading `'` (the OWASP CSV-injection guard), so an order reference like
//! `=HYPERLINK(...)` or a phone number `+47…` stays text in Excel and LibreOffice. Amounts and
//! dates that Avstem formats itself are not text from the API and are never prefixed.

pub mod books;
pub mod csv;
pub mod csv_journal;
pub mod economic;
pub mod gbat10;
pub mod saft;
pub mod xlsx;

pub use books::JournalTotals;
pub use csv_journal::write_csv_journal;
pub use economic::write_economic;
pub use gbat10::write_gbat10;
pub use saft::write_saft;
pub use xlsx::write_sales_sheet;

use crate::clock::Clock;
use crate::model::{Entry, Ledger, Topic, YearMonth};
use crate::month::{cached_ledger, reconcile_cached, refuse_unless_ready};
use crate::reconcile::{JournalAccounts, MonthReport};
use crate::store::Store;
use crate::{Error, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What the user chose for one export.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct ExportOptions {
    /// Include customer name, phone and message columns (personal data). Off by default.
    pub gdpr: bool,
    /// Account numbers for the Journal sheet.
    pub accounts: JournalAccounts,
    /// The clock: "now" printed on the Summary sheet, and the ledger's today that decides whether
    /// the month is over and synced.
    #[serde(skip)]
    #[ts(skip)]
    pub clock: Clock,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, Default)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ExportFormat {
    #[default]
    Xlsx,
    Csv,
    /// SAF-T Financial (Norway, v1.30), XML.
    Saft,
    /// Mamut GBAT10 voucher import (Tripletex, PowerOffice, Visma).
    Gbat10,
    /// Avstem's plain CSV journal.
    #[serde(rename = "csv-journal")]
    CsvJournal,
    /// e-conomic's day book (kassekladde) import, Denmark.
    Economic,
}

impl ExportFormat {
    /// The file name extension a file of this format gets.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv | ExportFormat::Gbat10 | ExportFormat::CsvJournal | ExportFormat::Economic => {
                "csv"
            }
            ExportFormat::Saft => "xml",
        }
    }

    /// Whether the file holds the month's postings (vouchers) rather than its entries.
    pub fn is_bookkeeping(self) -> bool {
        matches!(
            self,
            ExportFormat::Saft | ExportFormat::Gbat10 | ExportFormat::CsvJournal | ExportFormat::Economic
        )
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExportSummary {
    pub path: String,
    pub format: ExportFormat,
    pub ledger_id: String,
    pub month: YearMonth,
    pub funds_rows: u64,
    pub fees_rows: u64,
    pub captures: u64,
    pub payouts: u64,
    /// Titles of the checks that failed (empty = all OK).
    pub failed_checks: Vec<String>,
    pub bytes: u64,
    /// For SAF-T, GBAT10 and the CSV journal: the vouchers, lines and totals written.
    pub journal: Option<JournalTotals>,
}

/// Where the writers get entries from: the cache, or memory (tests, benchmarks).
pub trait EntrySource {
    /// Call `f` for every entry of `topic` on ledger dates `from..=to`, by date then served order.
    fn for_each(
        &self,
        topic: Topic,
        from: NaiveDate,
        to: NaiveDate,
        f: &mut dyn FnMut(&Entry) -> Result<()>,
    ) -> Result<()>;

    /// The month's sales joined to its captures (issue 17), when the cache has sales for it.
    fn sales(
        &self,
        _ledger: &Ledger,
        _month: YearMonth,
    ) -> Result<Option<crate::reconcile::sales::SalesMonth>> {
        Ok(None)
    }

    /// The cached sales of ledger dates `from..=to`, added up per date for the Journal's VAT split.
    fn sales_by_date(&self, _from: NaiveDate, _to: NaiveDate) -> Result<crate::reconcile::SalesByDate> {
        Ok(crate::reconcile::SalesByDate::default())
    }
}

/// The month's Journal vouchers, the same for the workbook's Journal sheet and every bookkeeping
/// file: on a NOK ledger whose cache holds sales entries of the payouts' dates, each payout's sales
/// are booked per VAT rate with their VAT codes (issue 17, [`crate::reconcile::journal_with_sales`]);
/// otherwise on the clearing line.
pub fn month_vouchers(
    source: &dyn EntrySource,
    ledger: &Ledger,
    report: &MonthReport,
    accounts: &JournalAccounts,
) -> Result<Vec<crate::reconcile::Voucher>> {
    let from = report.payouts.iter().map(|p| p.covered_from).min();
    let to = report.payouts.iter().map(|p| p.covered_to).max();
    if ledger.currency == crate::reconcile::SALES_VAT_CURRENCY {
        if let (Some(from), Some(to)) = (from, to) {
            let sales = source.sales_by_date(from, to)?;
            if sales.seen > 0 {
                return Ok(crate::reconcile::journal_with_sales(report, accounts, &sales));
            }
        }
    }
    Ok(crate::reconcile::journal(report, accounts))
}

/// A store and one ledger.
pub struct StoreSource<'a> {
    pub store: &'a Store,
    pub ledger_id: &'a str,
}

impl EntrySource for StoreSource<'_> {
    fn for_each(
        &self,
        topic: Topic,
        from: NaiveDate,
        to: NaiveDate,
        f: &mut dyn FnMut(&Entry) -> Result<()>,
    ) -> Result<()> {
        self.store
            .for_each_entry_between(self.ledger_id, topic, from, to, f)
    }

    fn sales(
        &self,
        ledger: &Ledger,
        month: YearMonth,
    ) -> Result<Option<crate::reconcile::sales::SalesMonth>> {
        self.store.sales_month(ledger, month)
    }

    fn sales_by_date(&self, from: NaiveDate, to: NaiveDate) -> Result<crate::reconcile::SalesByDate> {
        let mut out = crate::reconcile::SalesByDate::default();
        self.store.for_each_sale(self.ledger_id, from, to, |s| {
            out.add(&s.entry);
            Ok(())
        })?;
        Ok(out)
    }
}

/// Write the month in `format` ([`write_xlsx`], [`write_csv`], [`write_saft`], [`write_gbat10`],
/// [`write_csv_journal`], [`write_economic`]).
pub fn write_month(
    store: &Store,
    ledger_id: &str,
    month: YearMonth,
    format: ExportFormat,
    opts: &ExportOptions,
    out: &Path,
) -> Result<ExportSummary> {
    write_month_seen(store, ledger_id, month, format, opts, out, &mut |_| {})
}

/// As [`write_month`], handing the month's reconciliation to `seen` when the writer made one
/// (xlsx and CSV), so a caller that also needs the figures (month-end's overview) does not
/// reconcile the month a second time.
pub fn write_month_seen(
    store: &Store,
    ledger_id: &str,
    month: YearMonth,
    format: ExportFormat,
    opts: &ExportOptions,
    out: &Path,
    seen: &mut dyn FnMut(&MonthReport),
) -> Result<ExportSummary> {
    match format {
        ExportFormat::Xlsx => write_xlsx_seen(store, ledger_id, month, opts, out, seen),
        ExportFormat::Csv => {
            ready_ledger(store, ledger_id, month, opts)?;
            let (ledger, report) = reconcile_cached(store, ledger_id, month)?;
            seen(&report);
            csv::write_settlement_csv(&ledger, &report, &StoreSource { store, ledger_id }, opts, out)
        }
        ExportFormat::Saft => write_saft(store, ledger_id, month, opts, out),
        ExportFormat::Gbat10 => write_gbat10(store, ledger_id, month, opts, out),
        ExportFormat::CsvJournal => write_csv_journal(store, ledger_id, month, opts, out),
        ExportFormat::Economic => write_economic(store, ledger_id, month, opts, out),
    }
}

/// Write the month's workbook from the cache. Refuses (naming the dates) when the month is not synced.
/// With a cache file, reconciliation runs on a second connection and thread while the Funds and
/// Fees sheets are written.
pub fn write_xlsx(
    store: &Store,
    ledger_id: &str,
    month: YearMonth,
    opts: &ExportOptions,
    out: &Path,
) -> Result<ExportSummary> {
    write_xlsx_seen(store, ledger_id, month, opts, out, &mut |_| {})
}

fn write_xlsx_seen(
    store: &Store,
    ledger_id: &str,
    month: YearMonth,
    opts: &ExportOptions,
    out: &Path,
    seen: &mut dyn FnMut(&MonthReport),
) -> Result<ExportSummary> {
    let ledger = ready_ledger(store, ledger_id, month, opts)?;
    let bank = crate::bank::status::month_status(store, &ledger, month, opts.clock.today_for(&ledger))?;
    let source = StoreSource { store, ledger_id };
    let Some(path) = store.path().map(Path::to_path_buf) else {
        let (ledger, report) = reconcile_cached(store, ledger_id, month)?;
        seen(&report);
        return xlsx::write_workbook(&ledger, &report, &bank, &source, opts, out);
    };
    std::thread::scope(|scope| {
        let worker = scope.spawn(move || -> Result<MonthReport> {
            let started = std::time::Instant::now();
            let own = Store::open(&path)?;
            let (_, report) = reconcile_cached(&own, ledger_id, month)?;
            tracing::debug!(target: "avstem_core::export", "reconciled in {:.2} s", started.elapsed().as_secs_f64());
            Ok(report)
        });
        let mut worker = Some(worker);
        let mut report = || -> Result<std::borrow::Cow<'static, MonthReport>> {
            let handle = worker
                .take()
                .ok_or_else(|| Error::Io("Reconciliation ran twice.".into()))?;
            let report = handle
                .join()
                .map_err(|_| Error::Io("Reconciliation stopped unexpectedly while exporting.".into()))??;
            seen(&report);
            Ok(std::borrow::Cow::Owned(report))
        };
        xlsx::write_workbook_with(&ledger, month, &mut report, &bank, &source, opts, out)
    })
}

/// Write the month's Funds and Fees rows as the portal's settlement report CSV, from the cache.
pub fn write_csv(
    store: &Store,
    ledger_id: &str,
    month: YearMonth,
    opts: &ExportOptions,
    out: &Path,
) -> Result<ExportSummary> {
    ready_ledger(store, ledger_id, month, opts)?;
    let (ledger, report) = reconcile_cached(store, ledger_id, month)?;
    csv::write_settlement_csv(&ledger, &report, &StoreSource { store, ledger_id }, opts, out)
}

/// How `ledger_id`'s month is posted (accounts, VAT codes, voucher date): what was saved for it,
/// else its profile's defaults for its currency, else the chart defaults for its currency
/// ([`JournalAccounts::defaults_for`]; NOK when the ledger is not cached yet).
pub fn accounts_for(store: &Store, ledger_id: &str) -> Result<JournalAccounts> {
    Ok(accounts_and_source(store, ledger_id)?.0)
}

/// Where a ledger's posting settings come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum AccountsSource {
    /// Saved for this ledger.
    Ledger,
    /// The profile's defaults for the ledger's currency.
    Profile,
    /// The chart of accounts' defaults for the ledger's currency.
    Chart,
}

/// [`accounts_for`], and where the settings come from.
pub fn accounts_and_source(store: &Store, ledger_id: &str) -> Result<(JournalAccounts, AccountsSource)> {
    if let Some(saved) = store.ledger_accounts(ledger_id)? {
        return Ok((saved, AccountsSource::Ledger));
    }
    let currency = cached_ledger(store, ledger_id)
        .map(|l| l.currency)
        .unwrap_or_else(|_| "NOK".to_string());
    if let Some(defaults) = store.profile_accounts_for_ledger(ledger_id, &currency)? {
        return Ok((defaults, AccountsSource::Profile));
    }
    Ok((JournalAccounts::defaults_for(&currency), AccountsSource::Chart))
}

/// The cached ledger, once the month is over and synced by the ledger's own today.
pub(crate) fn ready_ledger(
    store: &Store,
    ledger_id: &str,
    month: YearMonth,
    opts: &ExportOptions,
) -> Result<Ledger> {
    let ledger = cached_ledger(store, ledger_id)?;
    refuse_unless_ready(store, ledger_id, month, opts.clock.today_for(&ledger))?;
    Ok(ledger)
}

impl ExportSummary {
    /// What was written where: the file, its rows and the month's checks.
    pub(crate) fn of(
        out: &Path,
        format: ExportFormat,
        ledger: &Ledger,
        report: &MonthReport,
        rows: (u64, u64),
        bytes: u64,
    ) -> Self {
        ExportSummary {
            path: out.display().to_string(),
            format,
            ledger_id: ledger.ledger_id.clone(),
            month: report.month,
            funds_rows: rows.0,
            fees_rows: rows.1,
            captures: report.captures.len() as u64,
            payouts: report.payouts.len() as u64,
            failed_checks: report.failed_checks().map(|c| c.title.clone()).collect(),
            bytes,
            journal: None,
        }
    }
}

/// Write `out` atomically: `write` fills a temporary file in the same folder, which then replaces
/// `out` by rename. On any failure the temporary file is removed and `out` is untouched. `out`
/// must be a regular file or a new name ([`crate::files::check_export_target`]); the file gets the
/// umask's mode, or 0600 with `personal_data`. Temporary files an export killed mid-way left in
/// the folder (older than an hour) are removed first.
pub fn write_atomically(
    out: &Path,
    personal_data: bool,
    write: impl FnOnce(&Path) -> Result<()>,
) -> Result<u64> {
    let dir: PathBuf = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    crate::files::check_export_target(out)?;
    remove_stale_temporaries(&dir);
    let tmp = tempfile::Builder::new()
        .prefix(".avstem-export-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| {
            Error::Io(format!(
                "Cannot write in the folder {} ({}). Pick a folder you can write to.",
                dir.display(),
                io_reason(&e)
            ))
        })?;
    write(tmp.path())?;
    let bytes = std::fs::metadata(tmp.path()).map(|m| m.len()).unwrap_or(0);
    // tempfile creates 0600; an export without personal data is an ordinary document.
    let _ = crate::files::set_document_mode(tmp.path(), personal_data);
    tmp.persist(out).map_err(|e| {
        Error::Io(format!(
            "Cannot save {} ({}). The previous file, if any, is unchanged.",
            out.display(),
            io_reason(&e.error)
        ))
    })?;
    Ok(bytes)
}

/// Remove `.avstem-export-*.tmp` files older than an hour: an export killed mid-way leaves one.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let hour = std::time::Duration::from_secs(3600);
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(".avstem-export-") && name.ends_with(".tmp")) {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > hour);
        if old && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// How every sentence about a full disk while writing a file begins (month-end stops trying the
/// ledgers after the one that met it).
pub const DISK_FULL: &str = "The disk is full";

/// The error is the disk (or the user's quota) being full: ENOSPC or EDQUOT.
pub(crate) fn disk_full(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        _ if disk_full(e) => format!("{}: {e}", DISK_FULL.to_lowercase()),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::NotFound => "the folder does not exist".to_string(),
        _ => e.to_string(),
    }
}

/// A text cell from the API, made safe for a CSV opened in a spreadsheet: see the module docs.
pub fn guard_text(s: &str) -> std::borrow::Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => std::borrow::Cow::Owned(format!("'{s}")),
        _ => std::borrow::Cow::Borrowed(s),
    }
}

/// "Kafé Fjord (NO:57860)" for a handle the ledger names, else the handle itself.
pub(crate) fn sales_unit_names(ledger: &Ledger) -> HashMap<String, String> {
    ledger
        .sales_units
        .iter()
        .map(|u| (u.recipient_handle.clone(), u.name.clone()))
        .collect()
}
