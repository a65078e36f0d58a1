//! The bank in the window (issue 15): pick statement files (the native Open dialog, opened by Rust,
//! or files dropped onto the window), preview a CSV's guessed columns, import, and see each payout
//! against the bank. Every command is one call into `avstem_core::bank`.
//!
//! Only files the user picked in the dialog or dropped onto the window are read (the same rule as
//! the Save dialog for exports): a page in the window cannot make Avstem read any other file.

use super::{blocking, internal, CmdResult};
use crate::AppState;
use avstem_core::bank::csv_import::CsvMapping;
use avstem_core::bank::import::{
    import_paths, preview_bytes, profile_ledgers, read_statement_file, FilePreview, ImportOptions,
    ImportReport,
};
use avstem_core::bank::status::{decide, month_status_cached, payout_status, BankMonth, PayoutBankView};
use avstem_core::model::YearMonth;
use avstem_core::month::cached_ledger;
use avstem_core::store::bank::ManualDecision;
use avstem_core::Error;
use serde::Deserialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tauri::{Emitter, State};

/// The event the month screen listens to: files were dropped onto the window (payload: their paths).
pub const FILES_DROPPED_EVENT: &str = "bank-files-dropped";

/// Statement files the user picked in the Open dialog or dropped onto the window this session.
#[derive(Default)]
pub struct PickedFiles {
    paths: Mutex<HashSet<PathBuf>>,
}

impl PickedFiles {
    pub fn remember(&self, paths: &[PathBuf]) {
        if let Ok(mut set) = self.paths.lock() {
            set.extend(paths.iter().cloned());
        }
    }

    fn allows(&self, path: &Path) -> bool {
        self.paths.lock().is_ok_and(|s| s.contains(path))
    }

    /// Every path was picked or dropped; else the sentence naming the first that was not.
    fn check(&self, paths: &[PathBuf]) -> CmdResult<()> {
        self.check_named(paths, "bank statements chosen with \"Import bank statement\"")
    }

    /// [`PickedFiles::check`] for files of another kind (`what` names them and their button).
    pub(crate) fn check_named(&self, paths: &[PathBuf], what: &str) -> CmdResult<()> {
        match paths.iter().find(|p| !self.allows(p)) {
            None => Ok(()),
            Some(p) => Err(Error::Input(format!(
                "Avstem reads only {what} or dropped onto the window; {} was neither. Choose it again.",
                p.display()
            ))
            .to_user()),
        }
    }
}

/// Files dropped onto the main window: remembered as picked, then the month screen is told.
pub fn on_drop<R: tauri::Runtime>(window: &tauri::Window<R>, event: &tauri::WindowEvent) {
    use tauri::Manager;
    if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
        if paths.is_empty() {
            return;
        }
        window.state::<PickedFiles>().remember(paths);
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        // A window that is closing cannot be told; nothing is lost.
        let _ = window.emit(FILES_DROPPED_EVENT, shown);
    }
}

/// Where end-to-end tests have the Open dialog "answer" (no native dialog can be driven under
/// WebDriver): the paths in `AVSTEM_TEST_OPEN_FILES` (separated like PATH). Set by the test harness only.
#[allow(clippy::disallowed_methods)] // the one test hook read from the environment
fn test_open_files() -> Option<Vec<PathBuf>> {
    std::env::var_os("AVSTEM_TEST_OPEN_FILES").map(|v| std::env::split_paths(&v).collect())
}

/// "Import bank statement": the native Open dialog (several files), opened by Rust. The chosen
/// files are remembered for the preview and the import; empty when the user cancels.
#[tauri::command]
pub async fn choose_statement_files<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    picked: State<'_, PickedFiles>,
) -> CmdResult<Vec<String>> {
    use tauri_plugin_dialog::DialogExt;
    let paths = match test_open_files() {
        Some(paths) => paths,
        None => {
            let dialog = app
                .dialog()
                .file()
                .add_filter("Bank statement (camt.053, CSV)", &["xml", "csv", "txt", "053"]);
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
    Ok(paths.iter().map(|p| p.display().to_string()).collect())
}

fn options(ledger_id: Option<String>, mapping: Option<CsvMapping>) -> ImportOptions {
    ImportOptions {
        ledger_id: ledger_id.filter(|s| !s.trim().is_empty()),
        mapping,
    }
}

/// Read a picked file without storing it: the format, the account, and for a CSV the columns
/// Avstem will read (kept from an earlier import of the account, or guessed) for the user to confirm.
#[tauri::command]
pub async fn preview_statement(
    state: State<'_, AppState>,
    picked: State<'_, PickedFiles>,
    profile: String,
    path: String,
    ledger_id: Option<String>,
    mapping: Option<CsvMapping>,
) -> CmdResult<FilePreview> {
    let path = PathBuf::from(path);
    picked.check(std::slice::from_ref(&path))?;
    let ctx = state.ctx.clone();
    blocking(move || {
        let store = ctx.open_store()?;
        let ledgers = profile_ledgers(&ctx, &store, &profile)?;
        let bytes = read_statement_file(&path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        preview_bytes(&store, &ledgers, &name, &bytes, &options(ledger_id, mapping))
    })
    .await
}

/// Import picked files, each whole or not at all; a file imported before adds nothing. The answer
/// says per file what was added, what was there already, or why the file was refused.
#[tauri::command]
pub async fn import_statements(
    state: State<'_, AppState>,
    picked: State<'_, PickedFiles>,
    profile: String,
    paths: Vec<String>,
    ledger_id: Option<String>,
    mapping: Option<CsvMapping>,
) -> CmdResult<ImportReport> {
    let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
    picked.check(&paths)?;
    let ctx = state.ctx.clone();
    blocking(move || {
        let mut store = ctx.open_store()?;
        let ledgers = profile_ledgers(&ctx, &store, &profile)?;
        Ok(import_paths(
            &mut store,
            &ledgers,
            &paths,
            &options(ledger_id, mapping),
        ))
    })
    .await
}

/// The month screen's bank part: each payout's state in the bank, and unexplained deposits.
#[tauri::command]
pub async fn bank_month(
    state: State<'_, AppState>,
    ledger_id: String,
    month: YearMonth,
) -> CmdResult<BankMonth> {
    let ctx = state.ctx.clone();
    blocking(move || month_status_cached(&ctx.open_store_for_reading()?, &ledger_id, month, &ctx.clock)).await
}

/// Denmark/Finland: save the bank text format of payouts without a reference (`None`: back to the
/// MobilePay default) and answer the month against the bank as it is now. A format Avstem cannot
/// use is refused in a sentence and nothing is saved.
#[tauri::command]
pub async fn set_bank_text_format(
    state: State<'_, AppState>,
    ledger_id: String,
    month: YearMonth,
    format: Option<String>,
) -> CmdResult<BankMonth> {
    let ctx = state.ctx.clone();
    blocking(move || {
        let store = ctx.open_store()?;
        store.set_bank_text_format(&ledger_id, format.as_deref())?;
        month_status_cached(&store, &ledger_id, month, &ctx.clock)
    })
    .await
}

/// The payout screen's bank part: the expected bank line, the matched line or the state, and the
/// deposits it could be matched to by hand.
#[tauri::command]
pub async fn payout_bank(
    state: State<'_, AppState>,
    ledger_id: String,
    psp_reference: String,
) -> CmdResult<PayoutBankView> {
    let ctx = state.ctx.clone();
    blocking(move || {
        let store = ctx.open_store_for_reading()?;
        let ledger = cached_ledger(&store, &ledger_id)?;
        payout_status(&store, &ledger, &psp_reference, ctx.clock.today_for(&ledger))
    })
    .await
}

/// What the user decided about a payout and a bank line.
#[derive(Debug, Clone, Copy, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum BankChoice {
    /// This line is this payout.
    Match,
    /// This line is not this payout.
    Unmatch,
    /// Forget what was decided by hand.
    Forget,
}

/// Match a payout and a bank line by hand, unmatch them, or forget the choice; answers the payout's
/// bank part as it is now.
#[tauri::command]
pub async fn decide_bank_line(
    state: State<'_, AppState>,
    ledger_id: String,
    psp_reference: String,
    line_id: i64,
    choice: BankChoice,
) -> CmdResult<PayoutBankView> {
    let ctx = state.ctx.clone();
    blocking(move || {
        let mut store = ctx.open_store()?;
        let ledger = cached_ledger(&store, &ledger_id)?;
        let number = psp_reference
            .rsplit_once('-')
            .filter(|(l, _)| *l == ledger.ledger_id)
            .and_then(|(_, n)| n.parse::<u64>().ok())
            .ok_or_else(|| Error::Input(format!("{psp_reference} is not a payout of ledger {ledger_id}.")))?;
        let decision = match choice {
            BankChoice::Match => ManualDecision::Match,
            BankChoice::Unmatch => ManualDecision::Unmatch,
            BankChoice::Forget => ManualDecision::Forget,
        };
        decide(&mut store, &ledger, number, line_id, decision)?;
        payout_status(&store, &ledger, &psp_reference, ctx.clock.today_for(&ledger))
    })
    .await
}
