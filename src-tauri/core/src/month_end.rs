//! Month-end for an accounting partner: every granted ledger (or those named) synced in one run
//! with bounded concurrency, one file per ledger named `<client>-<ledgerId>-YYYY-MM.<ext>`, and an
//! overview workbook `overview-YYYY-MM.xlsx` with one row per ledger (status, figures, checks,
//! a link to its file). One ledger that cannot be synced or written never stops the others: each
//! outcome is reported, and every file appears atomically or not at all.

use crate::context::Context;
use crate::export::{self, write_atomically, ExportFormat, ExportOptions};
use crate::model::{Ledger, YearMonth};
use crate::month::fetch::plan_month;
use crate::month::reconcile_cached;
use crate::reconcile::MonthReport;
use crate::store::Store;
use crate::sync::{self, CancelToken, SyncOptions, SyncPlan, SyncProgress, SyncRequest};
use crate::{Error, Result};
use rust_xlsxwriter::{Format, Url, Workbook};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Requests in flight at most during a month-end sync, across all ledgers (polite to the API:
/// the simulator counts them, `examples/bench_month_end.rs` prints the most it saw).
pub const MONTH_END_CONCURRENCY: usize = 10;

/// What a month-end run is asked to do.
#[derive(Debug, Clone)]
pub struct MonthEndRequest {
    pub profile: String,
    pub month: YearMonth,
    pub out_dir: PathBuf,
    /// `None`: every ledger the profile sees.
    pub ledger_ids: Option<Vec<String>>,
    pub sync: bool,
    pub format: ExportFormat,
    /// `options.accounts` is used for every ledger when `same_accounts`; otherwise each ledger's
    /// saved accounts (`avstem accounts`), else the defaults for its currency.
    pub options: ExportOptions,
    pub same_accounts: bool,
}

/// How one ledger's month ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum LedgerState {
    /// Written, every check holds.
    Ok,
    /// Written, but a reconciliation check failed (the file says which).
    ChecksFailed,
    /// Not written: the sentence says why.
    NotWritten,
}

/// One ledger's row of the overview.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LedgerOutcome {
    pub ledger_id: String,
    pub client: String,
    pub organisation: String,
    pub currency: String,
    pub state: LedgerState,
    /// The file written, relative to the output folder.
    pub file: Option<String>,
    pub error: Option<String>,
    pub failed_checks: Vec<String>,
    /// Dates of the month whose fetch failed in this run.
    pub failed_dates: u32,
    /// Dates Vipps has not closed yet.
    pub open_dates: u32,
    #[ts(type = "number")]
    pub sales: i64,
    #[ts(type = "number")]
    pub refunds: i64,
    #[ts(type = "number")]
    pub fees: i64,
    #[ts(type = "number")]
    pub paid_out: i64,
    pub payouts: u32,
}

/// What the run did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MonthEndSummary {
    pub profile: String,
    pub month: YearMonth,
    pub out_dir: String,
    pub overview: Option<String>,
    /// Why the overview could not be written.
    pub overview_error: Option<String>,
    pub ledgers: Vec<LedgerOutcome>,
    #[ts(type = "number")]
    pub requests: u64,
}

impl MonthEndSummary {
    /// 0 every file written and every check OK; 3 every file written, some check failed; 1
    /// something could not be written (the same rule as `avstem export`).
    pub fn exit_code(&self) -> i32 {
        if self.overview.is_none() || self.ledgers.iter().any(|l| l.state == LedgerState::NotWritten) {
            1
        } else if self.ledgers.iter().any(|l| l.state == LedgerState::ChecksFailed) {
            3
        } else {
            0
        }
    }
}

/// A file name part from a client's name: letters (any script) and digits kept, everything else
/// one `-`, at most 40 characters; never empty, never a path.
pub fn file_stem(client: &str) -> String {
    let mut out = String::new();
    for c in client.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.chars().count() >= 40 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "ledger".into()
    } else {
        out
    }
}

/// The file for one ledger: `<client>-<ledgerId>-YYYY-MM.<ext>`.
pub fn file_name(ledger: &Ledger, month: YearMonth, format: ExportFormat) -> String {
    client_file_name(&ledger.display_name(), ledger, month, format)
}

/// As [`file_name`], with the name the accountant gave the client.
pub fn client_file_name(client: &str, ledger: &Ledger, month: YearMonth, format: ExportFormat) -> String {
    let ext = format.extension();
    format!(
        "{}-{}-{month}.{ext}",
        file_stem(client),
        file_stem(&ledger.ledger_id)
    )
}

/// Run month-end: sync (when asked) every chosen ledger in one bounded run, then write each file
/// and the overview. Keys rejected, an unreadable cache or an output folder that cannot be
/// written stop the run with that sentence; anything about one ledger is in its row.
pub async fn run(
    ctx: &Context,
    req: &MonthEndRequest,
    progress: impl Fn(&SyncProgress) + Send + Sync,
    cancel: CancelToken,
) -> Result<MonthEndSummary> {
    run_with(ctx, req, MONTH_END_CONCURRENCY, progress, cancel).await
}

/// As [`run`], with at most `concurrency` requests in flight (the benchmark's one-at-a-time
/// baseline uses 1).
pub async fn run_with(
    ctx: &Context,
    req: &MonthEndRequest,
    concurrency: usize,
    progress: impl Fn(&SyncProgress) + Send + Sync,
    cancel: CancelToken,
) -> Result<MonthEndSummary> {
    // One cache writer across processes: held until the files are written.
    let _writer = if req.sync {
        Some(CacheWriter::take(&ctx.cache_path())?)
    } else {
        None
    };
    crate::files::create_private_dir(&req.out_dir).map_err(|e| {
        Error::Io(format!(
            "Cannot create the folder {} ({e}). Pick a folder you can write to.",
            req.out_dir.display()
        ))
    })?;
    let (ledgers, requests) = if req.sync {
        sync_chosen(ctx, req, concurrency, progress, cancel).await?
    } else {
        let store = ctx.open_store_for_reading()?;
        let cached = store.ledgers(Some(&req.profile))?;
        let chosen = choose(cached, req.ledger_ids.as_deref())?;
        (chosen.into_iter().map(|l| (None, l)).collect::<Vec<_>>(), 0)
    };
    let store = ctx.open_store_for_reading()?;
    let names = store.client_names()?;
    // Once a file meets a full disk the ledgers after it are not tried (each would fail the same
    // way, half-way through): their rows say so, and the overview, small, is still tried.
    let mut disk_full: Option<String> = None;
    let mut outcomes: Vec<LedgerOutcome> = Vec::with_capacity(ledgers.len());
    for (failed, ledger) in ledgers {
        let client = names
            .get(&ledger.ledger_id)
            .cloned()
            .unwrap_or_else(|| ledger.display_name());
        let row = one_ledger(&store, &ledger, &client, req, failed, disk_full.as_deref());
        if disk_full.is_none()
            && row
                .error
                .as_deref()
                .is_some_and(|e| e.contains(export::DISK_FULL))
        {
            disk_full = Some(format!(
                "{} The disk filled up while writing the file for {} ({}): this file was not tried. Free some \
                 space and run month-end again.",
                export::DISK_FULL,
                row.client,
                row.ledger_id
            ));
        }
        outcomes.push(row);
    }
    let overview_name = format!("overview-{}.xlsx", req.month);
    let overview =
        write_overview(&req.out_dir.join(&overview_name), req.month, &outcomes).map(|_| overview_name);
    let (overview, overview_error) = match overview {
        Ok(name) => (Some(name), None),
        Err(e) => (None, Some(e.to_string())),
    };
    Ok(MonthEndSummary {
        profile: req.profile.clone(),
        month: req.month,
        out_dir: req.out_dir.display().to_string(),
        overview,
        overview_error,
        ledgers: outcomes,
        requests,
    })
}

/// Refresh the ledger list, then sync the chosen ledgers' month in one bounded run: each ledger
/// with the month's dates that failed (if any), and the requests sent.
async fn sync_chosen(
    ctx: &Context,
    req: &MonthEndRequest,
    concurrency: usize,
    progress: impl Fn(&SyncProgress) + Send + Sync,
    cancel: CancelToken,
) -> Result<(Vec<(Option<Failed>, Ledger)>, u64)> {
    let (profile, client) = ctx.client_for(&req.profile).await?;
    let mut store = ctx.open_store()?;
    let seen = sync::refresh_ledgers(&client, &mut store, &profile.name, None).await?;
    let chosen = choose(seen, req.ledger_ids.as_deref())?;
    let plan = combined_plan(&store, &chosen, req, ctx)?;
    drop(store);
    let before = client.requests_made();
    let opts = SyncOptions { concurrency };
    let summary = sync::execute(&client, &ctx.cache_path(), plan, opts, progress, cancel.clone()).await?;
    sync_sales(&client, ctx, &chosen, req.month, concurrency, &cancel).await;
    let requests = client.requests_made().saturating_sub(before);
    // The month's own dates: a neighbouring date that failed only leaves a link unknown.
    let mut failed: BTreeMap<String, Failed> = BTreeMap::new();
    for f in summary
        .failed
        .iter()
        .filter(|f| YearMonth::of(f.date) == req.month)
    {
        let e = failed.entry(f.ledger_id.clone()).or_insert_with(|| Failed {
            dates: std::collections::BTreeSet::new(),
            reason: f.reason.clone(),
        });
        e.dates.insert(f.date);
    }
    let ledgers = chosen
        .into_iter()
        .map(|l| (failed.remove(&l.ledger_id), l))
        .collect();
    Ok((ledgers, requests))
}

/// What was sold (issue 17), after the money, for the chosen ledgers' month and the neighbouring
/// dates the Journal's VAT split reads: with accounting keys only, in one bounded run. Secondary to
/// the money as in the window's sync: a failure is kept in the sales cache (retried next time),
/// logged, and never fails month-end; the Journal then keeps the clearing line for what it lacks.
async fn sync_sales(
    client: &crate::api::ApiClient,
    ctx: &Context,
    ledgers: &[Ledger],
    month: YearMonth,
    concurrency: usize,
    cancel: &CancelToken,
) {
    use crate::sync::sales::{execute_sales, plan_sales, wants_sales, SalesChoice};
    if !wants_sales(client, SalesChoice::Auto).unwrap_or(false) || cancel.is_cancelled() {
        return;
    }
    // The earliest of the ledgers' todays: no date is asked for before it has begun anywhere.
    let Some(today) = ledgers.iter().map(|l| ctx.clock.today_for(l)).min() else {
        return;
    };
    let (from, to) = crate::reconcile::needed_range(month);
    let request = SyncRequest {
        ledger_ids: ledgers.iter().map(|l| l.ledger_id.clone()).collect(),
        from,
        to: to.min(today),
        gdpr: false,
    };
    let result = async {
        let (items, planned) = plan_sales(&ctx.open_store()?, &request, today)?;
        execute_sales(
            client,
            &ctx.cache_path(),
            items,
            planned,
            today,
            concurrency,
            cancel,
        )
        .await
    }
    .await;
    match result {
        Ok(s) if !s.failed.is_empty() => {
            tracing::warn!(
                failed = s.failed.len(),
                "month-end: some sales dates could not be fetched"
            )
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "month-end: sales not synced"),
    }
}

/// How one ledger's sync went (the window's Sync of many clients, without writing files).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncedLedger {
    pub ledger_id: String,
    /// Dates of the month whose fetch failed in this run (0: the month is in the cache).
    pub failed_dates: u32,
    /// Why, as a sentence, when some failed.
    pub error: Option<String>,
}

/// Sync the chosen ledgers' month (or every ledger the profile sees) in one bounded run, under
/// the same one-writer lock as month-end, and say per ledger how it went. Nothing is written
/// but the cache.
pub async fn sync_only(
    ctx: &Context,
    profile: &str,
    month: YearMonth,
    ledger_ids: Option<Vec<String>>,
    progress: impl Fn(&SyncProgress) + Send + Sync,
    cancel: CancelToken,
) -> Result<Vec<SyncedLedger>> {
    let _writer = CacheWriter::take(&ctx.cache_path())?;
    let req = MonthEndRequest {
        profile: profile.to_string(),
        month,
        out_dir: PathBuf::new(),
        ledger_ids,
        sync: true,
        format: ExportFormat::Xlsx,
        options: ExportOptions {
            gdpr: false,
            accounts: crate::reconcile::JournalAccounts::defaults_for("NOK"),
            clock: ctx.clock,
        },
        same_accounts: false,
    };
    let (ledgers, _) = sync_chosen(ctx, &req, MONTH_END_CONCURRENCY, progress, cancel).await?;
    Ok(ledgers
        .into_iter()
        .map(|(failed, l)| SyncedLedger {
            ledger_id: l.ledger_id,
            failed_dates: failed.as_ref().map_or(0, |f| f.dates.len() as u32),
            error: failed.map(|f| format!("{} dates could not be fetched ({}).", f.dates.len(), f.reason)),
        })
        .collect())
}

/// The one process syncing a data folder: an advisory lock on `<cache>.month-end.lock`, released
/// when dropped (and by the system when the process ends, however it ends).
#[derive(Debug)]
pub struct CacheWriter {
    _file: std::fs::File,
}

impl CacheWriter {
    /// Take the lock, or refuse at once with a sentence when another run holds it: a second
    /// month-end on the same data folder never fetches everything alongside the first.
    pub fn take(cache: &Path) -> Result<CacheWriter> {
        let mut name = cache.as_os_str().to_owned();
        name.push(".month-end.lock");
        let path = PathBuf::from(name);
        if let Some(dir) = path.parent() {
            crate::files::create_private_dir(dir)
                .map_err(|e| Error::Io(format!("Cannot create the data folder {} ({e}).", dir.display())))?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::Io(format!("Cannot open the lock file {} ({e}).", path.display())))?;
        match file.try_lock() {
            Ok(()) => Ok(CacheWriter { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::Input(format!(
                "Another month-end is already syncing this data folder ({}). Nothing was fetched or \
                 written by this one: wait until the other finishes, then run again (or run without \
                 --sync to export what is cached).",
                path.parent().map(|p| p.display().to_string()).unwrap_or_default()
            ))),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(Error::Io(format!("Cannot lock {} ({e}).", path.display())))
            }
        }
    }
}

/// The ledgers asked for, in ledger-id order; a named ledger the profile does not see is refused.
fn choose(mut all: Vec<Ledger>, ids: Option<&[String]>) -> Result<Vec<Ledger>> {
    all.sort_by(|a, b| a.ledger_id.cmp(&b.ledger_id));
    let Some(ids) = ids.filter(|ids| !ids.is_empty()) else {
        if all.is_empty() {
            return Err(Error::Input(
                "This profile sees no ledgers. With accounting keys, a business must first grant you its \
                 ledger in the business portal (Reports → Accounting partners)."
                    .into(),
            ));
        }
        return Ok(all);
    };
    if let Some(missing) = ids.iter().find(|id| !all.iter().any(|l| &l.ledger_id == *id)) {
        return Err(Error::Input(format!(
            "Ledger {missing} is not among the ledgers this profile sees. Almost always the merchant has not \
             granted it to this accounting partner: in the business portal, Reports → Accounting partners."
        )));
    }
    all.retain(|l| ids.contains(&l.ledger_id));
    Ok(all)
}

/// Every chosen ledger's month plan, as one plan (the sync bounds requests across all of them).
fn combined_plan(
    store: &Store,
    ledgers: &[Ledger],
    req: &MonthEndRequest,
    ctx: &Context,
) -> Result<SyncPlan> {
    let mut plan = SyncPlan {
        items: Vec::new(),
        already_complete: 0,
        gdpr: req.options.gdpr,
        followed: Vec::new(),
        feeds: Vec::new(),
    };
    for l in ledgers {
        let today = ctx.clock.today_for(l);
        if req.month.first_day() > today {
            continue;
        }
        let p = plan_month(store, l, req.month, req.options.gdpr, today)?;
        plan.items.extend(p.items);
        plan.already_complete += p.already_complete;
        plan.followed.extend(p.followed);
        plan.feeds.extend(p.feeds);
    }
    Ok(plan)
}

/// The month's figures the overview shows.
struct Figures {
    sales: i64,
    refunds: i64,
    fees: i64,
    paid_out: i64,
    payouts: u32,
    open_dates: u32,
}

impl Figures {
    fn of(report: &MonthReport) -> Figures {
        let f = &report.totals.figures;
        Figures {
            sales: f.sales(),
            refunds: f.refunds(),
            fees: f.fees(),
            paid_out: f.payout(),
            payouts: report.totals.payout_count,
            open_dates: report
                .days
                .iter()
                .filter(|d| d.status == crate::reconcile::DayStatus::OpenUpstream)
                .count() as u32,
        }
    }
}

/// The dates of one ledger this run could not fetch, and the first reason.
struct Failed {
    dates: std::collections::BTreeSet<chrono::NaiveDate>,
    reason: String,
}

fn one_ledger(
    store: &Store,
    ledger: &Ledger,
    client: &str,
    req: &MonthEndRequest,
    failed: Option<Failed>,
    skip: Option<&str>,
) -> LedgerOutcome {
    let mut row = LedgerOutcome {
        ledger_id: ledger.ledger_id.clone(),
        client: client.to_string(),
        organisation: ledger.owner.id.clone(),
        currency: ledger.currency.clone(),
        state: LedgerState::NotWritten,
        file: None,
        error: None,
        failed_checks: Vec::new(),
        failed_dates: failed.as_ref().map_or(0, |f| f.dates.len() as u32),
        open_dates: 0,
        sales: 0,
        refunds: 0,
        fees: 0,
        paid_out: 0,
        payouts: 0,
    };
    let name = client_file_name(client, ledger, req.month, req.format);
    let mut options = req.options.clone();
    if let Some(why) = skip {
        row.error = Some(why.to_string());
        fill_figures(&mut row, store, ledger, req.month, None);
        return row;
    }
    if !req.same_accounts {
        match export::accounts_for(store, &ledger.ledger_id) {
            Ok(a) => options.accounts = a,
            Err(e) => {
                row.error = Some(e.to_string());
                return row;
            }
        }
    }
    let mut figures: Option<Figures> = None;
    let written = export::write_month_seen(
        store,
        &ledger.ledger_id,
        req.month,
        req.format,
        &options,
        &req.out_dir.join(&name),
        &mut |r| figures = Some(Figures::of(r)),
    );
    match written {
        Ok(summary) => {
            row.state = if summary.failed_checks.is_empty() {
                LedgerState::Ok
            } else {
                LedgerState::ChecksFailed
            };
            row.failed_checks = summary.failed_checks;
            row.file = Some(name);
        }
        Err(e) => {
            row.error = Some(match &failed {
                Some(f) => format!("{} dates could not be fetched ({}). {e}", f.dates.len(), f.reason),
                None => e.to_string(),
            })
        }
    }
    fill_figures(&mut row, store, ledger, req.month, figures);
    row
}

/// The month's figures on the row: the writer's reconciliation when it made one (xlsx, CSV); the
/// books formats, a month refused before reconciling and a file not tried are reconciled here, once.
fn fill_figures(
    row: &mut LedgerOutcome,
    store: &Store,
    ledger: &Ledger,
    month: YearMonth,
    figures: Option<Figures>,
) {
    let figures = figures.or_else(|| {
        reconcile_cached(store, &ledger.ledger_id, month)
            .ok()
            .map(|(_, r)| Figures::of(&r))
    });
    if let Some(f) = figures {
        row.sales = f.sales;
        row.refunds = f.refunds;
        row.fees = f.fees;
        row.paid_out = f.paid_out;
        row.payouts = f.payouts;
        row.open_dates = f.open_dates;
    }
}

/// The overview workbook: one row per ledger, money as numbers in the ledger's currency, the file
/// as a link next to it.
pub fn write_overview(path: &Path, month: YearMonth, rows: &[LedgerOutcome]) -> Result<u64> {
    write_atomically(path, false, |tmp| {
        let mut wb = Workbook::new();
        let sheet = wb.add_worksheet();
        let xl =
            |e: rust_xlsxwriter::XlsxError| Error::Io(format!("The overview could not be written ({e})."));
        sheet.set_name("Overview").map_err(xl)?;
        let bold = Format::new().set_bold();
        let money = Format::new().set_num_format("#,##0.00");
        sheet
            .write_string_with_format(0, 0, format!("Month-end {month}"), &bold)
            .map_err(xl)?;
        let heads = [
            "Client",
            "Ledger",
            "Organisation no.",
            "Currency",
            "Status",
            "Sales",
            "Refunds",
            "Fees",
            "Paid to bank",
            "Payouts",
            "Dates not closed",
            "Dates failed",
            "Checks failed",
            "File",
        ];
        for (c, h) in heads.iter().enumerate() {
            sheet
                .write_string_with_format(2, c as u16, *h, &bold)
                .map_err(xl)?;
        }
        for (i, r) in rows.iter().enumerate() {
            let row = 3 + i as u32;
            let status = match r.state {
                LedgerState::Ok => "OK".to_string(),
                LedgerState::ChecksFailed => "CHECKS FAILED".to_string(),
                LedgerState::NotWritten => format!("NOT WRITTEN: {}", r.error.as_deref().unwrap_or("")),
            };
            sheet.write_string(row, 0, &r.client).map_err(xl)?;
            sheet.write_string(row, 1, &r.ledger_id).map_err(xl)?;
            sheet.write_string(row, 2, &r.organisation).map_err(xl)?;
            sheet.write_string(row, 3, &r.currency).map_err(xl)?;
            sheet.write_string(row, 4, &status).map_err(xl)?;
            for (c, v) in [(5, r.sales), (6, r.refunds), (7, r.fees), (8, r.paid_out)] {
                // Minor units to the currency's unit (the only place amounts become floats).
                sheet
                    .write_number_with_format(row, c, v as f64 / 100.0, &money)
                    .map_err(xl)?;
            }
            sheet.write_number(row, 9, f64::from(r.payouts)).map_err(xl)?;
            sheet.write_number(row, 10, f64::from(r.open_dates)).map_err(xl)?;
            sheet
                .write_number(row, 11, f64::from(r.failed_dates))
                .map_err(xl)?;
            sheet
                .write_string(row, 12, r.failed_checks.join("; "))
                .map_err(xl)?;
            if let Some(file) = &r.file {
                sheet
                    .write_url_with_text(row, 13, Url::new(format!("file:///{file}")), file.as_str())
                    .map_err(xl)?;
            }
        }
        sheet.set_column_width(0, 28).map_err(xl)?;
        sheet.set_column_width(4, 18).map_err(xl)?;
        sheet.set_column_width(13, 36).map_err(xl)?;
        sheet.set_freeze_panes(3, 1).map_err(xl)?;
        wb.save(tmp).map_err(xl)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_plain_and_never_paths() {
        assert_eq!(file_stem("Fjordkaffe Sentrum"), "Fjordkaffe-Sentrum");
        assert_eq!(file_stem("../../etc/passwd"), "etc-passwd");
        assert_eq!(file_stem("Sauna Oy / Kamppi"), "Sauna-Oy-Kamppi");
        assert_eq!(file_stem("Ærlig Øl & Å"), "Ærlig-Øl-Å");
        assert_eq!(file_stem("///"), "ledger");
        assert!(file_stem(&"x".repeat(100)).chars().count() <= 40);
    }
}
