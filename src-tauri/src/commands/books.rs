//! The books in the window (issue 16): the accounts a ledger's vouchers post to, shown with the
//! chart their defaults come from, and saved per ledger (the same store the CLI's `avstem accounts`
//! writes, so the window, the CLI and every export format post to the same accounts).

use super::{blocking, CmdResult};
use crate::AppState;
use avstem_core::export;
use avstem_core::month::cached_ledger;
use avstem_core::reconcile::JournalAccounts;
use serde::Serialize;
use tauri::State;

/// A ledger's accounts for the settings form.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LedgerAccountsView {
    pub ledger_id: String,
    /// What the vouchers post to now: the saved accounts, else the defaults.
    pub accounts: JournalAccounts,
    /// Whether `accounts` were saved for the ledger (false: they are the defaults).
    pub saved: bool,
    /// The defaults for the ledger's currency, to go back to.
    pub defaults: JournalAccounts,
    /// The chart the defaults follow, in words ("the Norwegian standard chart of accounts (NS 4102)").
    pub defaults_name: String,
}

fn view(store: &avstem_core::store::Store, ledger_id: &str) -> avstem_core::Result<LedgerAccountsView> {
    let currency = cached_ledger(store, ledger_id)
        .map(|l| l.currency)
        .unwrap_or_else(|_| "NOK".to_string());
    let saved = store.ledger_accounts(ledger_id)?;
    Ok(LedgerAccountsView {
        ledger_id: ledger_id.to_string(),
        saved: saved.is_some(),
        accounts: match saved {
            Some(a) => a,
            None => export::accounts_for(store, ledger_id)?,
        },
        defaults: JournalAccounts::defaults_for(&currency),
        defaults_name: JournalAccounts::defaults_name(&currency).to_string(),
    })
}

/// The accounts `ledger_id`'s vouchers post to.
#[tauri::command]
pub async fn ledger_accounts(state: State<'_, AppState>, ledger_id: String) -> CmdResult<LedgerAccountsView> {
    let ctx = state.ctx.clone();
    blocking(move || view(&ctx.open_store_for_reading()?, &ledger_id)).await
}

/// Save the accounts for `ledger_id` (each a number of letters and digits; the formats check their
/// own limits when writing, and say so).
#[tauri::command]
pub async fn save_ledger_accounts(
    state: State<'_, AppState>,
    ledger_id: String,
    accounts: JournalAccounts,
) -> CmdResult<LedgerAccountsView> {
    let ctx = state.ctx.clone();
    blocking(move || {
        let mut store = ctx.open_store()?;
        let trimmed = JournalAccounts {
            bank: accounts.bank.trim().to_string(),
            fees: accounts.fees.trim().to_string(),
            clearing: accounts.clearing.trim().to_string(),
            suspense: accounts.suspense.trim().to_string(),
            payable: accounts.payable.trim().to_string(),
        };
        store.set_ledger_accounts(&ledger_id, &trimmed, ctx.clock.now().timestamp())?;
        view(&store, &ledger_id)
    })
    .await
}
