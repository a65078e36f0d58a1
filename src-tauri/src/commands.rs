//! Thin #[tauri::command] functions: parse, call the core crate, map errors to `UserError`.
//! Cache reads run on the blocking pool so a big month never freezes the window.

use crate::AppState;
use avstem_core::api::{ApiClient, ClientConfig};
use avstem_core::export::{self, ExportFormat, ExportOptions, ExportSummary};
use avstem_core::model::{Entry, EntryType, Ledger, Topic, YearMonth};
use avstem_core::profile::{self, NewProfile, Profile, ProfileKind, DEMO_PROFILE};
use avstem_core::reconcile::{CaptureReport, MonthReport, PayoutReport};
use avstem_core::secrets::Secret;
use avstem_core::store::{DayPage, DayQuery, DaySummary};
use avstem_core::sync::{self, CancelToken, SyncOptions, SyncProgress, SyncRequest, SyncSummary};
use avstem_core::{Error, UserError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::{Emitter, State};

/// Every command answers with its value or a sentence for the user — never a stack trace.
pub type CmdResult<T> = Result<T, UserError>;

/// The event the month screen listens to while a sync runs; its payload is [`SyncProgress`].
pub const SYNC_PROGRESS_EVENT: &str = "sync-progress";

/// The running sync, so Cancel can reach it.
#[derive(Default)]
pub struct SyncJobs {
    current: Mutex<Option<CancelToken>>,
}

fn internal(what: impl std::fmt::Display) -> UserError {
    UserError {
        kind: "internal".into(),
        message: format!("Avstem hit an unexpected problem ({what})."),
        context_id: None,
    }
}

/// Run cache work off the main thread.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> avstem_core::Result<T> + Send + 'static,
) -> CmdResult<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(internal)?
        .map_err(|e| e.to_user())
}

#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    pub data_dir: String,
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        name: "Avstem".into(),
        version: avstem_core::VERSION.into(),
        data_dir: state.ctx.data_dir.display().to_string(),
    }
}

/// The saved profiles (the demo profile once the user has started the demo).
#[tauri::command]
pub async fn list_profiles(state: State<'_, AppState>) -> CmdResult<Vec<Profile>> {
    let ctx = state.ctx.clone();
    blocking(move || Ok(ctx.profiles()?.profiles)).await
}

/// "Try with demo data": save the demo profile, start the built-in simulator and fetch its ledgers.
#[tauri::command]
pub async fn start_demo(state: State<'_, AppState>) -> CmdResult<Vec<Ledger>> {
    let ctx = state.ctx.clone();
    let saved = ctx.clone();
    blocking(move || {
        let mut book = saved.profiles()?;
        book.upsert(Profile::demo());
        book.save(&saved.data_dir)
    })
    .await?;
    refresh(&ctx, DEMO_PROFILE).await
}

/// What the "Add your keys" form sends. Secrets travel once, to the keyring, and never come back;
/// `Debug` prints them as `***`.
#[derive(Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeysForm {
    pub name: String,
    pub kind: ProfileKind,
    pub client_id: String,
    pub client_secret: String,
    pub subscription_key: String,
    pub msn: String,
    /// Empty = production.
    pub base_url: String,
}

impl std::fmt::Debug for KeysForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeysForm")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("subscription_key", &"***")
            .field("msn", &self.msn)
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl KeysForm {
    fn new_profile(&self) -> NewProfile {
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        NewProfile {
            name: self.name.trim().to_string(),
            kind: self.kind,
            client_id: self.client_id.trim().to_string(),
            msn: opt(&self.msn),
            base_url: opt(&self.base_url),
            env_secrets: false,
            client_secret: Some(Secret::new(self.client_secret.trim())),
            subscription_key: opt(&self.subscription_key).map(Secret::new),
        }
    }
}

#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConnectionTest {
    pub ledger_count: u32,
}

async fn test_form(form: &KeysForm) -> avstem_core::Result<Vec<Ledger>> {
    let new = form.new_profile();
    let profile = new.profile()?;
    let client = ApiClient::new(&profile.base_url, new.credentials()?, ClientConfig::default())?;
    client.ledgers(None).await
}

/// "Test connection": fetch the ledgers with the typed keys, saving nothing.
#[tauri::command]
pub async fn test_keys(form: KeysForm) -> CmdResult<ConnectionTest> {
    let ledgers = test_form(&form).await.map_err(|e| e.to_user())?;
    Ok(ConnectionTest {
        ledger_count: u32::try_from(ledgers.len()).unwrap_or(u32::MAX),
    })
}

/// Remove a profile and its keyring entries; the cache is kept. The demo profile has nothing to remove.
#[tauri::command]
pub async fn remove_profile(state: State<'_, AppState>, name: String) -> CmdResult<Vec<Profile>> {
    let ctx = state.ctx.clone();
    blocking(move || {
        profile::remove_profile(&ctx.data_dir, &name, ctx.secrets())?;
        Ok(ctx.profiles()?.profiles)
    })
    .await
}

/// Test the keys, then save the profile (secrets to the keyring) and cache its ledgers.
#[tauri::command]
pub async fn save_profile(state: State<'_, AppState>, form: KeysForm) -> CmdResult<Profile> {
    let ledgers = test_form(&form).await.map_err(|e| e.to_user())?;
    let ctx = state.ctx.clone();
    blocking(move || {
        let profile = profile::add_profile(&ctx.data_dir, &form.new_profile(), ctx.secrets())?;
        ctx.open_store()?.upsert_ledgers(&profile.name, &ledgers)?;
        Ok(profile)
    })
    .await
}

/// The ledgers of `profile` already on this computer (works offline).
#[tauri::command]
pub async fn cached_ledgers(state: State<'_, AppState>, profile: String) -> CmdResult<Vec<Ledger>> {
    let ctx = state.ctx.clone();
    blocking(move || ctx.open_store()?.ledgers(Some(&profile))).await
}

async fn refresh(ctx: &avstem_core::context::Context, profile: &str) -> CmdResult<Vec<Ledger>> {
    let (profile, client) = ctx.client_for(profile).await.map_err(|e| e.to_user())?;
    let ledgers = client.ledgers(None).await.map_err(|e| e.to_user())?;
    let ctx = ctx.clone();
    blocking(move || {
        ctx.open_store()?.upsert_ledgers(&profile.name, &ledgers)?;
        Ok(ledgers)
    })
    .await
}

/// Fetch the profile's ledgers from Vipps MobilePay and cache them.
#[tauri::command]
pub async fn refresh_ledgers(state: State<'_, AppState>, profile: String) -> CmdResult<Vec<Ledger>> {
    refresh(&state.ctx, &profile).await
}

#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MonthView {
    pub ledger: Ledger,
    pub report: MonthReport,
    /// Dates of the month (per topic) never synced or failed: what Sync would fetch.
    pub missing_dates: u32,
    /// The cache's view of each date, including dates whose last fetch failed.
    pub cached_days: Vec<DaySummary>,
}

/// The month screen: the reconciled month from the cache.
#[tauri::command]
pub async fn month_report(
    state: State<'_, AppState>,
    ledger_id: String,
    month: YearMonth,
) -> CmdResult<MonthView> {
    let ctx = state.ctx.clone();
    blocking(move || {
        let store = ctx.open_store()?;
        let (ledger, report) = export::reconcile_cached(&store, &ledger_id, month)?;
        let missing = export::missing_dates(&store, &ledger_id, month)?.len();
        let cached_days = store.month_summary(&ledger_id, month)?;
        Ok(MonthView {
            ledger,
            report,
            missing_dates: u32::try_from(missing).unwrap_or(u32::MAX),
            cached_days,
        })
    })
    .await
}

/// One page of a day's entries, sorted and filtered by the cache (the day table is virtualized).
#[tauri::command]
pub async fn day_entries(
    state: State<'_, AppState>,
    ledger_id: String,
    topic: Topic,
    date: NaiveDate,
    query: DayQuery,
) -> CmdResult<DayPage> {
    let ctx = state.ctx.clone();
    blocking(move || ctx.open_store()?.day_entries(&ledger_id, topic, date, &query)).await
}

/// The figures of one ledger date, from the cache's per-date totals (no scan of the entries).
#[tauri::command]
pub async fn day_summary(
    state: State<'_, AppState>,
    ledger_id: String,
    date: NaiveDate,
) -> CmdResult<DaySummary> {
    let ctx = state.ctx.clone();
    blocking(move || {
        let store = ctx.open_store()?;
        let ledger = export::cached_ledger(&store, &ledger_id)?;
        store
            .month_summary(&ledger.ledger_id, YearMonth::of(date))?
            .into_iter()
            .find(|d| d.date == date)
            .ok_or_else(|| Error::Input(format!("{date} is not a date of ledger {ledger_id}.")))
    })
    .await
}

/// "What is in this payout?": the reconciled payout with its parts.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PayoutDetail {
    pub ledger: Ledger,
    /// The payout and its parts (sales, refunds, fees retained, other), all from reconciliation,
    /// so they add up to the payout even when two payouts share a ledger date.
    pub payout: PayoutReport,
    /// The covered dates, each with its whole-date figures (a date shared with another payout shows all of it).
    pub days: Vec<DaySummary>,
    /// The captures this payout pays out.
    pub captures: Vec<CaptureReport>,
}

#[tauri::command]
pub async fn payout_detail(
    state: State<'_, AppState>,
    ledger_id: String,
    psp_reference: String,
) -> CmdResult<PayoutDetail> {
    let ctx = state.ctx.clone();
    blocking(move || {
        let store = ctx.open_store()?;
        let not_found = || {
            Error::Input(format!(
                "Payout {psp_reference} is not in the synced data of ledger {ledger_id}. Sync its month first."
            ))
        };
        // The payout entry's ledger date says which month's reconciliation holds it.
        let date = store
            .entries_by_psp(&psp_reference)?
            .into_iter()
            .filter(|e| e.ledger_id == ledger_id && e.topic == Topic::Funds && e.entry_type == EntryType::PayoutScheduled)
            .map(|e| e.ledger_date)
            .max()
            .ok_or_else(not_found)?;
        let (ledger, report) = export::reconcile_cached(&store, &ledger_id, YearMonth::of(date))?;
        let payout = report
            .payouts
            .iter()
            .find(|p| p.psp_reference == psp_reference)
            .cloned()
            .ok_or_else(not_found)?;
        let from = payout.covered_from;
        let mut days = Vec::new();
        let mut month = YearMonth::of(from);
        while month <= YearMonth::of(payout.covered_to) {
            days.extend(
                store
                    .month_summary(&ledger_id, month)?
                    .into_iter()
                    .filter(|d| d.date >= from && d.date <= payout.covered_to),
            );
            month = month.next();
        }
        let mut captures: Vec<CaptureReport> = report
            .captures
            .iter()
            .filter(|c| c.payout.as_deref() == Some(payout.label.as_str()))
            .cloned()
            .collect();
        if YearMonth::of(from) < report.month {
            // The run started last month: its captures are in last month's reconciliation.
            let (_, previous) = export::reconcile_cached(&store, &ledger_id, report.month.prev())?;
            let earlier = previous
                .captures
                .into_iter()
                .filter(|c| c.capture_date >= from && c.payout.as_deref() == Some(payout.label.as_str()));
            captures.splice(0..0, earlier);
        }
        Ok(PayoutDetail {
            ledger,
            payout,
            days,
            captures,
        })
    })
    .await
}

/// A capture, its refunds and fees (on any date) and the payout it went out in.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CaptureDetail {
    pub ledger: Option<Ledger>,
    /// Every cached entry with this pspReference, both topics.
    pub entries: Vec<Entry>,
    /// The refund entries that reconciliation matched to this capture under their own pspReference
    /// (by order reference); `capture.refunds` gives each one's share of this capture.
    pub related_refunds: Vec<Entry>,
    pub capture: Option<CaptureReport>,
}

#[tauri::command]
pub async fn capture_detail(state: State<'_, AppState>, psp_reference: String) -> CmdResult<CaptureDetail> {
    let ctx = state.ctx.clone();
    blocking(move || {
        let store = ctx.open_store()?;
        let entries = store.entries_by_psp(&psp_reference)?;
        let captured = entries
            .iter()
            .find(|e| e.topic == Topic::Funds && e.entry_type == EntryType::Capture)
            .cloned();
        let Some(captured) = captured else {
            let ledger = match entries.first() {
                Some(e) => store.ledger(&e.ledger_id)?,
                None => None,
            };
            return Ok(CaptureDetail {
                ledger,
                entries,
                related_refunds: vec![],
                capture: None,
            });
        };
        let (ledger, report) =
            export::reconcile_cached(&store, &captured.ledger_id, YearMonth::of(captured.ledger_date))?;
        let capture = report
            .captures
            .into_iter()
            .find(|c| c.psp_reference == psp_reference);
        // Exactly the refunds reconciliation matched (its capacity split by order reference, oldest
        // capture first), not every refund that shares the order reference.
        let mut related_refunds: Vec<Entry> = Vec::new();
        let mut by_psp: HashMap<String, Vec<Entry>> = HashMap::new();
        for m in capture.iter().flat_map(|c| &c.refunds) {
            if m.psp_reference == psp_reference {
                continue; // already among `entries`
            }
            if !by_psp.contains_key(&m.psp_reference) {
                by_psp.insert(m.psp_reference.clone(), store.entries_by_psp(&m.psp_reference)?);
            }
            let found = by_psp[&m.psp_reference].iter().find(|e| {
                e.ledger_id == captured.ledger_id
                    && e.topic == Topic::Funds
                    && e.ledger_date == m.ledger_date
                    && e.seq == m.seq
            });
            if let Some(e) = found {
                if !related_refunds.contains(e) {
                    related_refunds.push(e.clone());
                }
            }
        }
        Ok(CaptureDetail {
            ledger: Some(ledger),
            entries,
            related_refunds,
            capture,
        })
    })
    .await
}

/// Search everything cached by order reference or pspReference.
#[tauri::command]
pub async fn search_entries(state: State<'_, AppState>, text: String) -> CmdResult<Vec<Entry>> {
    let ctx = state.ctx.clone();
    blocking(move || ctx.open_store()?.search(&text, 200)).await
}

/// Sync the month (and the neighbouring dates reconciliation needs), reporting progress as
/// `sync-progress` events. One sync at a time; `cancel_sync` stops it. With `gdpr`, dates stored
/// without the personal-data fields are fetched again with them (for an export that includes them).
#[tauri::command]
pub async fn sync_month<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    jobs: State<'_, SyncJobs>,
    profile: String,
    ledger_id: String,
    month: YearMonth,
    gdpr: bool,
) -> CmdResult<SyncSummary> {
    let ctx = state.ctx.clone();
    let (_, client) = ctx.client_for(&profile).await.map_err(|e| e.to_user())?;
    let (from, to) = avstem_core::reconcile::needed_range(month);
    let today = avstem_core::cli::sync::ledger_today();
    let request = SyncRequest {
        ledger_ids: vec![ledger_id],
        from,
        to: to.min(today),
        gdpr,
        concurrency: sync::DEFAULT_CONCURRENCY,
    };
    let planner = ctx.clone();
    let plan = blocking(move || sync::plan(&planner.open_store()?, &request, today)).await?;
    let token = CancelToken::new();
    if let Ok(mut current) = jobs.current.lock() {
        if let Some(previous) = current.replace(token.clone()) {
            previous.cancel();
        }
    }
    let emit = move |p: &SyncProgress| {
        // A closed window cannot be told; the sync still finishes and stores what it fetched.
        let _ = app.emit(SYNC_PROGRESS_EVENT, p);
    };
    let result = sync::execute(
        &client,
        &ctx.cache_path(),
        plan,
        SyncOptions::default(),
        emit,
        token,
    )
    .await;
    if let Ok(mut current) = jobs.current.lock() {
        *current = None;
    }
    result.map_err(|e| e.to_user())
}

#[tauri::command]
pub fn cancel_sync(jobs: State<'_, SyncJobs>) -> bool {
    match jobs.current.lock() {
        Ok(current) => current.as_ref().map(|t| t.cancel()).is_some(),
        Err(_) => false,
    }
}

#[derive(Debug, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExportRequest {
    pub ledger_id: String,
    pub month: YearMonth,
    pub format: ExportFormat,
    pub gdpr: bool,
    /// Where the file goes, as chosen in the Save dialog (or typed).
    pub path: String,
}

/// Write the month's workbook or CSV. Refuses, naming the dates, when the month is not synced.
#[tauri::command]
pub async fn export_month(state: State<'_, AppState>, request: ExportRequest) -> CmdResult<ExportSummary> {
    let ctx = state.ctx.clone();
    blocking(move || {
        let path = PathBuf::from(request.path.trim());
        if path.as_os_str().is_empty() {
            return Err(Error::Input("Choose where to save the file first.".into()));
        }
        let store = ctx.open_store()?;
        let opts = ExportOptions {
            gdpr: request.gdpr,
            ..ExportOptions::default()
        };
        match request.format {
            ExportFormat::Xlsx => export::write_xlsx(&store, &request.ledger_id, request.month, &opts, &path),
            ExportFormat::Csv => export::write_csv(&store, &request.ledger_id, request.month, &opts, &path),
        }
    })
    .await
}

/// The dates of the month that must be synced before an export.
#[tauri::command]
pub async fn missing_dates(
    state: State<'_, AppState>,
    ledger_id: String,
    month: YearMonth,
) -> CmdResult<u32> {
    let ctx = state.ctx.clone();
    blocking(move || {
        let n = export::missing_dates(&ctx.open_store()?, &ledger_id, month)?.len();
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keys_form_never_prints_its_secrets() {
        let form: KeysForm = serde_json::from_value(serde_json::json!({
            "name": "kafe", "kind": "merchant", "clientId": "id-1", "clientSecret": "sentinel-secret",
            "subscriptionKey": "sentinel-sub", "msn": "123455", "baseUrl": ""
        }))
        .expect("form");
        let printed = format!("{form:?} {:?}", form.new_profile());
        assert!(!printed.contains("sentinel"), "{printed}");
        assert!(printed.contains("id-1"));
    }
}
