//! The Clients overview in the window (issue 18): every granted ledger's row for a month, the
//! name the accountant gives a client (saved in the cache, used in month-end's file names), and
//! Sync / Export of many clients at once with one progress view (`sync-progress` events, the same
//! cancel as a single sync). Each command is one call into `avstem_core`.

use super::{blocking, internal, test_save_dir, CmdResult, SyncJobs, SYNC_PROGRESS_EVENT};
use crate::AppState;
use avstem_core::clients::{self, ClientRow};
use avstem_core::export::{ExportFormat, ExportOptions};
use avstem_core::model::YearMonth;
use avstem_core::month_end::{self, MonthEndRequest, MonthEndSummary, SyncedLedger};
use avstem_core::reconcile::JournalAccounts;
use avstem_core::sync::SyncProgress;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::{Emitter, State};

/// One row per cached ledger of `profile` for `month`, from the cache (works offline).
#[tauri::command]
pub async fn clients_overview(
    state: State<'_, AppState>,
    profile: String,
    month: YearMonth,
) -> CmdResult<Vec<ClientRow>> {
    let ctx = state.ctx.clone();
    blocking(move || clients::overview(&ctx.open_store_for_reading()?, &profile, month, ctx.clock)).await
}

/// Save the client's name for `ledger_id` (empty: show the sales unit's name again).
#[tauri::command]
pub async fn set_client_name(state: State<'_, AppState>, ledger_id: String, name: String) -> CmdResult<()> {
    let ctx = state.ctx.clone();
    blocking(move || {
        let now = ctx.clock.now().timestamp();
        ctx.open_store()?.set_client_name(&ledger_id, &name, now)
    })
    .await
}

/// The folders picked in the Choose-folder dialog this session: `clients_export` writes only
/// into one of them, so a page in the window cannot make Avstem write anywhere else.
#[derive(Default)]
pub struct ChosenFolders {
    folders: Mutex<std::collections::HashSet<PathBuf>>,
}

impl ChosenFolders {
    fn remember(&self, dir: &std::path::Path) {
        if let Ok(mut f) = self.folders.lock() {
            f.insert(dir.to_path_buf());
        }
    }

    fn allows(&self, dir: &std::path::Path) -> bool {
        self.folders.lock().is_ok_and(|f| f.contains(dir))
    }
}

/// The native Choose-folder dialog, opened by Rust, for the files of many clients; `None` when
/// the user cancels. (End-to-end tests: `AVSTEM_TEST_SAVE_DIR` is the answer.)
#[tauri::command]
pub async fn choose_clients_folder<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    chosen: State<'_, ChosenFolders>,
) -> CmdResult<Option<String>> {
    use tauri_plugin_dialog::DialogExt;
    let dir = match test_save_dir() {
        Some(dir) => Some(dir),
        None => {
            let dialog = app.dialog().file();
            tauri::async_runtime::spawn_blocking(move || dialog.blocking_pick_folder())
                .await
                .map_err(internal)?
                .and_then(|p| p.into_path().ok())
        }
    };
    Ok(dir.map(|d| {
        chosen.remember(&d);
        d.display().to_string()
    }))
}

/// Sync the month of the chosen clients (all the profile sees when `ledger_ids` is empty) in one
/// polite run; progress as `sync-progress`, `cancel_sync` stops it. Each ledger says how it went.
#[tauri::command]
pub async fn clients_sync<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    jobs: State<'_, SyncJobs>,
    profile: String,
    month: YearMonth,
    ledger_ids: Vec<String>,
) -> CmdResult<Vec<SyncedLedger>> {
    let token = jobs.start();
    let emit = move |p: &SyncProgress| drop(app.emit(SYNC_PROGRESS_EVENT, p));
    let ids = (!ledger_ids.is_empty()).then_some(ledger_ids);
    let result = month_end::sync_only(&state.ctx, &profile, month, ids, emit, token).await;
    jobs.finish();
    result.map_err(|e| e.to_user())
}

#[derive(Debug, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ClientsExport {
    pub profile: String,
    pub month: YearMonth,
    /// Empty: every client the profile sees.
    pub ledger_ids: Vec<String>,
    pub format: ExportFormat,
    /// A folder picked with `choose_clients_folder`.
    pub folder: String,
    /// Fetch what the months lack first.
    pub sync: bool,
}

/// Month-end for the chosen clients: one file each in the picked folder plus the overview
/// workbook, as `avstem month-end` writes them.
#[tauri::command]
pub async fn clients_export<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    jobs: State<'_, SyncJobs>,
    chosen: State<'_, ChosenFolders>,
    request: ClientsExport,
) -> CmdResult<MonthEndSummary> {
    let folder = PathBuf::from(&request.folder);
    if !chosen.allows(&folder) {
        return Err(avstem_core::Error::Input(
            "Pick the folder for the files with Choose folder first; Avstem writes only where you chose."
                .into(),
        )
        .to_user());
    }
    let ctx = state.ctx.clone();
    let req = MonthEndRequest {
        profile: request.profile,
        month: request.month,
        out_dir: folder,
        ledger_ids: (!request.ledger_ids.is_empty()).then_some(request.ledger_ids),
        sync: request.sync,
        format: request.format,
        options: ExportOptions {
            gdpr: false,
            accounts: JournalAccounts::defaults_for("NOK"),
            clock: ctx.clock,
        },
        same_accounts: false,
    };
    let token = jobs.start();
    let emit = move |p: &SyncProgress| drop(app.emit(SYNC_PROGRESS_EVENT, p));
    let result = month_end::run(&ctx, &req, emit, token).await;
    jobs.finish();
    result.map_err(|e| e.to_user())
}
