//! Thin #[tauri::command] functions: parse, call the core crate, map errors to `UserError`.
//! Cache reads run on the blocking pool so a big month never freezes the window.

use crate::AppState;
use avstem_core::export::{self, ExportFormat, ExportOptions, ExportSummary};
use avstem_core::model::{Country, Entry, Ledger, Topic, YearMonth};
use avstem_core::month::views::{self, CaptureDetail, DayView, MonthView, PayoutDetail};
use avstem_core::month::{self as month_service};
use avstem_core::profile::{self, NewProfile, Profile, ProfileKind};
use avstem_core::secrets::Secret;
use avstem_core::store::{DayPage, DayQuery};
use avstem_core::sync::{CancelToken, SyncProgress, SyncSummary};
use avstem_core::{Error, UserError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::{Emitter, State};

pub mod bank;
pub mod books;
pub mod clients;
pub mod sales;
pub mod saved;

/// Every command answers with its value or a sentence for the user — never a stack trace.
pub type CmdResult<T> = Result<T, UserError>;

/// The event the month screen listens to while a sync runs; its payload is [`SyncProgress`].
pub const SYNC_PROGRESS_EVENT: &str = "sync-progress";

/// The running sync, so Cancel can reach it.
#[derive(Default)]
pub struct SyncJobs {
    current: Mutex<Option<CancelToken>>,
}

impl SyncJobs {
    /// A token for a new sync; the one still running (if any) is cancelled.
    pub(crate) fn start(&self) -> CancelToken {
        let token = CancelToken::new();
        if let Ok(mut current) = self.current.lock() {
            if let Some(previous) = current.replace(token.clone()) {
                previous.cancel();
            }
        }
        token
    }

    pub(crate) fn finish(&self) {
        if let Ok(mut current) = self.current.lock() {
            *current = None;
        }
    }
}

pub(crate) fn internal(what: impl std::fmt::Display) -> UserError {
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
    /// Today in Norway by the app's clock (`AVSTEM_NOW` pins it); screens of one ledger get the
    /// ledger's own today with their data.
    pub today: NaiveDate,
    /// The month a fresh user most likely wants: the last one that is over.
    pub default_month: YearMonth,
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        name: "Avstem".into(),
        version: avstem_core::VERSION.into(),
        data_dir: state.ctx.data_dir.display().to_string(),
        today: state.ctx.clock.today_in(Country::No),
        default_month: month_service::default_month(&state.ctx.clock),
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
    state.ctx.start_demo().await.map_err(|e| e.to_user())
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

/// "Test connection": fetch the ledgers with the typed keys, saving nothing.
#[tauri::command]
pub async fn test_keys(form: KeysForm) -> CmdResult<ConnectionTest> {
    let ledgers = form
        .new_profile()
        .test_connection()
        .await
        .map_err(|e| e.to_user())?;
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
    state
        .ctx
        .save_tested_profile(form.new_profile())
        .await
        .map_err(|e| e.to_user())
}

/// The ledgers of `profile` already on this computer (works offline).
#[tauri::command]
pub async fn cached_ledgers(state: State<'_, AppState>, profile: String) -> CmdResult<Vec<Ledger>> {
    let ctx = state.ctx.clone();
    blocking(move || ctx.open_store_for_reading()?.ledgers(Some(&profile))).await
}

/// Fetch the profile's ledgers from Vipps MobilePay and cache them.
#[tauri::command]
pub async fn refresh_ledgers(state: State<'_, AppState>, profile: String) -> CmdResult<Vec<Ledger>> {
    state.ctx.refresh_ledgers(&profile).await.map_err(|e| e.to_user())
}

/// The month screen: the reconciled month from the cache, with the ledger's own today.
#[tauri::command]
pub async fn month_report(
    state: State<'_, AppState>,
    ledger_id: String,
    month: YearMonth,
) -> CmdResult<MonthView> {
    let ctx = state.ctx.clone();
    blocking(move || views::month_view(&ctx.open_store_for_reading()?, &ledger_id, month, &ctx.clock)).await
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
    blocking(move || views::day_entries(&ctx.open_store_for_reading()?, &ledger_id, topic, date, &query))
        .await
}

/// The figures of one ledger date, from the cache's per-date totals (no scan of the entries).
#[tauri::command]
pub async fn day_summary(
    state: State<'_, AppState>,
    ledger_id: String,
    date: NaiveDate,
) -> CmdResult<DayView> {
    let ctx = state.ctx.clone();
    blocking(move || views::day_summary(&ctx.open_store_for_reading()?, &ledger_id, date, &ctx.clock)).await
}

/// "What is in this payout?"
#[tauri::command]
pub async fn payout_detail(
    state: State<'_, AppState>,
    ledger_id: String,
    psp_reference: String,
) -> CmdResult<PayoutDetail> {
    let ctx = state.ctx.clone();
    blocking(move || views::payout_detail(&ctx.open_store_for_reading()?, &ledger_id, &psp_reference)).await
}

/// A capture, its refunds and fees (on any date) and the payout it went out in.
#[tauri::command]
pub async fn capture_detail(state: State<'_, AppState>, psp_reference: String) -> CmdResult<CaptureDetail> {
    let ctx = state.ctx.clone();
    blocking(move || views::capture_detail(&ctx.open_store_for_reading()?, &psp_reference)).await
}

/// Search everything cached by order reference or pspReference.
#[tauri::command]
pub async fn search_entries(state: State<'_, AppState>, text: String) -> CmdResult<Vec<Entry>> {
    let ctx = state.ctx.clone();
    // 201: the window lists 200 and says when there are more (ui/src/views/search.ts, SEARCH_SHOWN).
    blocking(move || views::search(&ctx.open_store_for_reading()?, &text, 201)).await
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
    let token = jobs.start();
    // A closed window cannot be told; the sync still finishes and stores what it fetched.
    let emit = move |p: &SyncProgress| drop(app.emit(SYNC_PROGRESS_EVENT, p));
    let result =
        month_service::fetch::sync_month(&state.ctx, &profile, &ledger_id, month, gdpr, emit, token).await;
    jobs.finish();
    result.map_err(|e| e.to_user())
}

/// "Forget personal data": erase names, phone numbers and messages from the cache; returns how
/// many entries had any.
#[tauri::command]
pub async fn forget_personal_data(state: State<'_, AppState>) -> CmdResult<u64> {
    let ctx = state.ctx.clone();
    blocking(move || ctx.open_store()?.forget_personal_data()).await
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
    /// Sync what the month lacks with this profile's keys first (progress as `sync-progress`);
    /// `None` writes from the cache as it is.
    pub sync_profile: Option<String>,
}

/// The files the user picked in the Save dialog this session: `export_month` writes only there
/// (the path, or the same path with the other format's extension), so a page in the window cannot
/// make Avstem write anywhere else (issue 13, item 3).
#[derive(Default)]
pub struct ChosenPaths {
    stems: Mutex<std::collections::HashSet<PathBuf>>,
}

impl ChosenPaths {
    pub(crate) fn remember(&self, path: &std::path::Path) {
        if let Ok(mut stems) = self.stems.lock() {
            stems.insert(path.with_extension(""));
        }
    }

    /// `path` was chosen in the dialog and ends in the format's own extension.
    fn allows(&self, path: &std::path::Path, format: ExportFormat) -> bool {
        let want = format.extension();
        let ext_ok = path.extension().is_some_and(|e| e.eq_ignore_ascii_case(want));
        ext_ok
            && self
                .stems
                .lock()
                .is_ok_and(|s| s.contains(&path.with_extension("")))
    }
}

/// Where end-to-end tests have the Save dialog "answer" (no native dialog can be driven under
/// WebDriver): `AVSTEM_TEST_SAVE_DIR`/<the suggested name>. Set by the test harness only.
#[allow(clippy::disallowed_methods)] // the one test hook read from the environment
pub(crate) fn test_save_dir() -> Option<PathBuf> {
    std::env::var_os("AVSTEM_TEST_SAVE_DIR").map(PathBuf::from)
}

/// The native Save dialog, opened by Rust; the chosen file is remembered for `export_month`.
/// `None` when the user cancels.
#[tauri::command]
pub async fn choose_export_path<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    chosen: State<'_, ChosenPaths>,
    suggested_name: String,
    format: ExportFormat,
) -> CmdResult<Option<String>> {
    use tauri_plugin_dialog::DialogExt;
    let name = std::path::Path::new(&suggested_name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "avstem-export".into());
    let path = match test_save_dir() {
        Some(dir) => Some(dir.join(&name)),
        None => {
            let ext = format.extension();
            let filter = match ext {
                "xlsx" => "Excel",
                "xml" => "XML",
                _ => "CSV",
            };
            let mut dialog = app
                .dialog()
                .file()
                .set_file_name(&name)
                .add_filter(filter, &[ext]);
            // The folder picked last time, so a month-end of many exports is not a walk per file.
            if let Some(dir) = saved::last_folder(&state.ctx.data_dir) {
                dialog = dialog.set_directory(dir);
            }
            tauri::async_runtime::spawn_blocking(move || dialog.blocking_save_file())
                .await
                .map_err(internal)?
                .and_then(|p| p.into_path().ok())
        }
    };
    Ok(path.map(|p| {
        chosen.remember(&p);
        if let Some(dir) = p.parent() {
            saved::remember_folder(&state.ctx.data_dir, dir);
        }
        p.display().to_string()
    }))
}

/// Write the month's workbook, CSV or bookkeeping file (SAF-T, GBAT10, CSV journal, e-conomic), first fetching what it lacks when `sync_profile` is given.
/// Refuses, naming the dates, when the month is not over or not synced.
#[tauri::command]
pub async fn export_month<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    jobs: State<'_, SyncJobs>,
    chosen: State<'_, ChosenPaths>,
    exported: State<'_, saved::ExportedFiles>,
    request: ExportRequest,
) -> CmdResult<ExportSummary> {
    let path = PathBuf::from(request.path.trim());
    if path.as_os_str().is_empty() {
        return Err(Error::Input("Choose where to save the file first.".into()).to_user());
    }
    if !chosen.allows(&path, request.format) {
        return Err(Error::Input(
            "Choose where to save the file with \"Choose…\": Avstem writes only to a file picked in the Save dialog, \
             with the format's extension (.xlsx, .csv or .xml)."
                .into(),
        )
        .to_user());
    }
    let ctx = state.ctx.clone();
    if let Some(profile) = &request.sync_profile {
        let token = jobs.start();
        let emit = move |p: &SyncProgress| drop(app.emit(SYNC_PROGRESS_EVENT, p));
        let synced = month_service::fetch::sync_month(
            &ctx,
            profile,
            &request.ledger_id,
            request.month,
            request.gdpr,
            emit,
            token,
        )
        .await;
        jobs.finish();
        synced.map_err(|e| e.to_user())?;
    }
    let summary = blocking(move || {
        let store = ctx.open_store_for_reading()?;
        let opts = ExportOptions {
            gdpr: request.gdpr,
            clock: ctx.clock,
            // The ledger's saved accounts (`avstem accounts`), else its currency's defaults.
            accounts: export::accounts_for(&store, &request.ledger_id)?,
        };
        export::write_month(
            &store,
            &request.ledger_id,
            request.month,
            request.format,
            &opts,
            &path,
        )
    })
    .await?;
    // "Open file" on the success panel may open this one (and nothing a page names itself).
    exported.remember(std::path::Path::new(&summary.path));
    Ok(summary)
}

/// The dates of the month that must be synced before an export, up to the ledger's today.
#[tauri::command]
pub async fn missing_dates(
    state: State<'_, AppState>,
    ledger_id: String,
    month: YearMonth,
) -> CmdResult<u32> {
    let ctx = state.ctx.clone();
    blocking(move || {
        month_service::missing_count(&ctx.open_store_for_reading()?, &ledger_id, month, &ctx.clock)
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

/// Where `AVSTEM_TEST_OPEN_FILES` (paths separated by the OS path separator) stands in for the
/// Open dialog in end-to-end tests.
fn test_open_files() -> Option<Vec<PathBuf>> {
    std::env::var_os("AVSTEM_TEST_OPEN_FILES").map(|v| std::env::split_paths(&v).collect())
}

/// The native Open dialog for the business portal's settlement reports (several at once), opened by
/// Rust. Empty when the user cancels.
#[tauri::command]
pub async fn choose_portal_files<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    picked: State<'_, bank::PickedFiles>,
) -> CmdResult<Vec<String>> {
    use tauri_plugin_dialog::DialogExt;
    let paths = match test_open_files() {
        Some(paths) => paths,
        None => {
            let dialog = app
                .dialog()
                .file()
                .add_filter("Settlement report", &["xml", "csv", "xlsx"]);
            tauri::async_runtime::spawn_blocking(move || dialog.blocking_pick_files())
                .await
                .map_err(internal)?
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| p.into_path().ok())
                .collect()
        }
    };
    picked.remember(&paths);
    Ok(paths.into_iter().map(|p| p.display().to_string()).collect())
}

/// Import settlement report files (picked in the Open dialog or dropped on the window: no other
/// path is read), each in its own transaction; without a profile they go to the keyless profile
/// `files`.
#[tauri::command]
pub async fn import_portal_files(
    state: State<'_, AppState>,
    picked: State<'_, bank::PickedFiles>,
    paths: Vec<String>,
    options: Option<avstem_core::portal::PortalImportOptions>,
) -> CmdResult<avstem_core::portal::import::PortalImportReport> {
    let ctx = state.ctx.clone();
    let paths: Vec<PathBuf> = paths.iter().map(|p| PathBuf::from(p.trim())).collect();
    if paths.is_empty() {
        return Err(Error::Input("Choose a settlement report file first.".into()).to_user());
    }
    picked.check_named(
        &paths,
        "settlement reports chosen with \"Import a settlement report\"",
    )?;
    blocking(move || avstem_core::portal::import_files(&ctx, &paths, &options.unwrap_or_default())).await
}
