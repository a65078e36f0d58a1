//! Workbook (xlsx) and CSV writers for a reconciled month, reading the cache and streaming rows.
//! Files appear atomically: written under a temporary name in the target folder, then renamed.
//!
//! Text from the API is never interpreted: in the workbook it is always written as a string
//! cell, and in the CSV any text field beginning with `=`, `+`, `-`, `@`, a tab or a carriage
//! return gets a leading `'` (the OWASP CSV-injection guard), so an order reference like
//! `=HYPERLINK(...)` or a phone number `+47…` stays text in Excel and LibreOffice. Amounts and
//! dates that Avstem formats itself are not text from the API and are never prefixed.

pub mod csv;
pub mod xlsx;

use crate::model::{Entry, Ledger, Topic, YearMonth};
use crate::reconcile::{needed_range, DateStates, JournalAccounts, MonthReport, Reconciler};
use crate::store::{DateState, DateStatus, Store};
use crate::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
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
    /// The "generated" time printed on the Summary sheet; `None` = now.
    #[ts(type = "string | null")]
    pub generated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ExportFormat {
    #[default]
    Xlsx,
    Csv,
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
}

/// Entries already in memory, each topic ordered by (ledger date, seq).
pub struct MemorySource<'a> {
    pub funds: &'a [Entry],
    pub fees: &'a [Entry],
}

impl EntrySource for MemorySource<'_> {
    fn for_each(
        &self,
        topic: Topic,
        from: NaiveDate,
        to: NaiveDate,
        f: &mut dyn FnMut(&Entry) -> Result<()>,
    ) -> Result<()> {
        let list = match topic {
            Topic::Funds => self.funds,
            Topic::Fees => self.fees,
        };
        for e in list
            .iter()
            .filter(|e| e.ledger_date >= from && e.ledger_date <= to)
        {
            f(e)?;
        }
        Ok(())
    }
}

/// How many days a capture fee may land after its capture and still be matched when the capture
/// was before the month (observed: 1–2; a week of slack).
pub const FEE_LAG_DAYS: i64 = crate::reconcile::CAPTURE_LOOKBACK_DAYS;

/// The ledger dates streamed per topic for one month (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadRange {
    pub funds: (NaiveDate, NaiveDate),
    pub fees: (NaiveDate, NaiveDate),
}

impl LoadRange {
    /// The whole of [`needed_range`] on both topics.
    pub fn full(month: YearMonth) -> Self {
        let r = needed_range(month);
        LoadRange { funds: r, fees: r }
    }
}

/// [`needed_range`], narrowed with what the cache already knows, so a high-volume ledger does not
/// stream five weeks it does not need: funds from the last payout before the month (its balance
/// after is the next run's start) or [`FEE_LAG_DAYS`] before the month, whichever is earlier, to the
/// first payout after it; fees from the last fee invoice
/// before the month (gross settlement) or the funds start, to 10 days after (lagging fees).
pub fn load_range(store: &Store, ledger_id: &str, month: YearMonth) -> Result<LoadRange> {
    let (from, to) = needed_range(month);
    let (first, last) = (month.first_day(), month.last_day());
    let mut before = store.month_summary(ledger_id, month.prev().prev())?;
    before.extend(store.month_summary(ledger_id, month.prev())?);
    let funds_from = before
        .iter()
        .filter(|d| d.date >= from && d.date < first && d.payout != 0)
        .map(|d| d.date)
        .max()
        .unwrap_or(from)
        // Captures of the last days before the month own capture fees that land inside it.
        .min(first - chrono::Duration::days(FEE_LAG_DAYS));
    let funds_to = store
        .month_summary(ledger_id, month.next())?
        .iter()
        .filter(|d| d.date > last && d.date <= to && d.payout != 0)
        .map(|d| d.date)
        .min()
        .unwrap_or(to);
    let q = crate::store::DayQuery {
        limit: 1,
        entry_type: Some(crate::model::EntryType::FeesInvoiced.as_str().to_string()),
        ..Default::default()
    };
    let mut invoice = None;
    let mut d = first.pred_opt().unwrap_or(first);
    while d >= from {
        if store.day_entries(ledger_id, Topic::Fees, d, &q)?.total > 0 {
            invoice = Some(d);
            break;
        }
        d = match d.pred_opt() {
            Some(p) => p,
            None => break,
        };
    }
    let fees_from = invoice
        .unwrap_or(funds_from)
        .min(first.pred_opt().unwrap_or(first));
    Ok(LoadRange {
        funds: (funds_from, funds_to),
        fees: (fees_from, to),
    })
}

/// Reconcile a month by streaming the entries of `range` through the reconciler (funds first).
pub fn reconcile_source(
    ledger: &Ledger,
    month: YearMonth,
    source: &dyn EntrySource,
    range: LoadRange,
    states: &DateStates,
) -> Result<MonthReport> {
    let mut r = Reconciler::new(ledger, month);
    source.for_each(Topic::Funds, range.funds.0, range.funds.1, &mut |e| {
        r.push_funds(e);
        Ok(())
    })?;
    source.for_each(Topic::Fees, range.fees.0, range.fees.1, &mut |e| {
        r.push_fees(e);
        Ok(())
    })?;
    Ok(r.finish(states))
}

/// The cached statuses of every date reconciliation looks at.
pub fn statuses_for(store: &Store, ledger_id: &str, month: YearMonth) -> Result<Vec<DateStatus>> {
    let (from, to) = needed_range(month);
    let mut all = store.date_statuses(ledger_id, Topic::Funds, from, to)?;
    all.extend(store.date_statuses(ledger_id, Topic::Fees, from, to)?);
    Ok(all)
}

/// The cached ledger, or a sentence saying how to get it.
pub fn cached_ledger(store: &Store, ledger_id: &str) -> Result<Ledger> {
    store.ledger(ledger_id)?.ok_or_else(|| {
        Error::Input(format!(
            "Ledger {ledger_id} is not in the cache. Run `avstem ledgers --profile <name>` (or sync it) first."
        ))
    })
}

/// Reconcile a month straight from the cache.
pub fn reconcile_cached(store: &Store, ledger_id: &str, month: YearMonth) -> Result<(Ledger, MonthReport)> {
    let ledger = cached_ledger(store, ledger_id)?;
    let statuses = statuses_for(store, ledger_id, month)?;
    let states = DateStates::from(statuses.as_slice());
    let range = load_range(store, ledger_id, month)?;
    let report = reconcile_source(&ledger, month, &StoreSource { store, ledger_id }, range, &states)?;
    Ok((ledger, report))
}

/// The month's dates that must be synced before an export: never fetched, or the last fetch failed.
/// Open dates (not closed upstream) do not count: they are synced, and the Checks sheet says so.
/// Dates after today (in the ledger's time zone) cannot be fetched yet and are not asked for.
pub fn missing_dates(store: &Store, ledger_id: &str, month: YearMonth) -> Result<Vec<(Topic, NaiveDate)>> {
    let tz = store
        .ledger(ledger_id)?
        .map_or(chrono_tz::Europe::Oslo, |l| l.time_zone());
    missing_dates_at(
        store,
        ledger_id,
        month,
        Utc::now().with_timezone(&tz).date_naive(),
    )
}

/// [`missing_dates`] as of `today`.
pub fn missing_dates_at(
    store: &Store,
    ledger_id: &str,
    month: YearMonth,
    today: NaiveDate,
) -> Result<Vec<(Topic, NaiveDate)>> {
    let mut out = Vec::new();
    for topic in Topic::ALL {
        let have: HashMap<NaiveDate, DateState> = store
            .date_statuses(ledger_id, topic, month.first_day(), month.last_day())?
            .into_iter()
            .map(|s| (s.date, s.state))
            .collect();
        for d in month.dates().take_while(|d| *d <= today) {
            if !matches!(have.get(&d), Some(DateState::Complete | DateState::Open)) {
                out.push((topic, d));
            }
        }
    }
    out.sort_by_key(|(t, d)| (*d, *t));
    Ok(out)
}

/// The refusal sentence for [`missing_dates`]: dates folded into ranges, e.g.
/// "these dates are not synced: 2024-03-01 – 2024-03-04 (funds, fees), 2024-03-09 (fees); run with --sync".
pub fn describe_missing(missing: &[(Topic, NaiveDate)]) -> String {
    let mut by_date: std::collections::BTreeMap<NaiveDate, Vec<Topic>> = Default::default();
    for (t, d) in missing {
        by_date.entry(*d).or_default().push(*t);
    }
    let mut parts: Vec<String> = Vec::new();
    let mut run: Option<(NaiveDate, NaiveDate, Vec<Topic>)> = None;
    let flush = |run: &mut Option<(NaiveDate, NaiveDate, Vec<Topic>)>, parts: &mut Vec<String>| {
        if let Some((a, b, topics)) = run.take() {
            let t: Vec<&str> = topics.iter().map(|t| t.as_str()).collect();
            let span = if a == b {
                a.to_string()
            } else {
                format!("{a} – {b}")
            };
            parts.push(format!("{span} ({})", t.join(", ")));
        }
    };
    for (d, mut topics) in by_date {
        topics.sort();
        let extend = matches!(&run, Some((_, b, t)) if b.succ_opt() == Some(d) && *t == topics);
        if extend {
            if let Some(r) = run.as_mut() {
                r.1 = d;
            }
        } else {
            flush(&mut run, &mut parts);
            run = Some((d, d, topics));
        }
    }
    flush(&mut run, &mut parts);
    format!(
        "these dates are not synced: {}; run with --sync",
        parts.join(", ")
    )
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
    refuse_if_missing(store, ledger_id, month)?;
    let source = StoreSource { store, ledger_id };
    let Some(path) = store.path().map(Path::to_path_buf) else {
        let (ledger, report) = reconcile_cached(store, ledger_id, month)?;
        return xlsx::write_workbook(&ledger, &report, &source, opts, out);
    };
    let ledger = cached_ledger(store, ledger_id)?;
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
            Ok(std::borrow::Cow::Owned(report))
        };
        xlsx::write_workbook_with(&ledger, month, &mut report, &source, opts, out)
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
    refuse_if_missing(store, ledger_id, month)?;
    let (ledger, report) = reconcile_cached(store, ledger_id, month)?;
    csv::write_settlement_csv(&ledger, &report, &StoreSource { store, ledger_id }, opts, out)
}

fn refuse_if_missing(store: &Store, ledger_id: &str, month: YearMonth) -> Result<()> {
    cached_ledger(store, ledger_id)?;
    let missing = missing_dates(store, ledger_id, month)?;
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::Input(format!(
            "Cannot export ledger {ledger_id} for {month}: {}.",
            describe_missing(&missing)
        )))
    }
}

/// Write `out` atomically: `write` fills a temporary file in the same folder, which then replaces
/// `out` by rename. On any failure the temporary file is removed and `out` is untouched.
pub fn write_atomically(out: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<u64> {
    let dir: PathBuf = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if out.is_dir() {
        return Err(Error::Io(format!(
            "{} is a folder; give a file name to export to.",
            out.display()
        )));
    }
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
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // tempfile creates 0600; an export is an ordinary document.
        let _ = std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644));
    }
    tmp.persist(out).map_err(|e| {
        Error::Io(format!(
            "Cannot save {} ({}). The previous file, if any, is unchanged.",
            out.display(),
            io_reason(&e.error)
        ))
    })?;
    Ok(bytes)
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
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
