//! The Clients overview in the window (issue 18): every granted ledger's row for a month, and the
//! name the accountant gives a client (saved in the cache, used in month-end's file names). Each
//! command is one call into `avstem_core::clients` or the store.

use super::{blocking, CmdResult};
use crate::AppState;
use avstem_core::clients::{self, ClientRow};
use avstem_core::model::YearMonth;
use tauri::State;

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
