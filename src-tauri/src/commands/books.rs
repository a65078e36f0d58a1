//! The books in the window (issue 16): how a ledger's month is posted (accounts, the VAT code of
//! each kind of line, the voucher date), shown with where the settings come from and the chart the
//! defaults follow; saved per ledger, or as the profile's defaults for its ledgers in that currency
//! (the same store the CLI's `avstem accounts` writes, so the window, the CLI and every export
//! format post the same way).

use super::{blocking, CmdResult};
use crate::AppState;
use avstem_core::export::{self, AccountsSource};
use avstem_core::month::cached_ledger;
use avstem_core::reconcile::{JournalAccounts, VatCodes};
use serde::Serialize;
use tauri::State;

/// A ledger's posting settings for the settings form.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LedgerAccountsView {
    pub ledger_id: String,
    /// The ledger's currency (the profile's defaults are per currency).
    pub currency: String,
    /// What the vouchers post to now: the ledger's, else its profile's, else the chart's.
    pub accounts: JournalAccounts,
    /// Whether `accounts` were saved for the ledger itself.
    pub saved: bool,
    /// Where `accounts` come from.
    pub source: AccountsSource,
    /// The chart defaults for the ledger's currency, to go back to.
    pub defaults: JournalAccounts,
    /// The chart the defaults follow, in words ("the Norwegian standard chart of accounts (NS 4102)").
    pub defaults_name: String,
}

fn view(store: &avstem_core::store::Store, ledger_id: &str) -> avstem_core::Result<LedgerAccountsView> {
    let currency = cached_ledger(store, ledger_id)
        .map(|l| l.currency)
        .unwrap_or_else(|_| "NOK".to_string());
    let (accounts, source) = export::accounts_and_source(store, ledger_id)?;
    Ok(LedgerAccountsView {
        ledger_id: ledger_id.to_string(),
        saved: source == AccountsSource::Ledger,
        source,
        accounts,
        defaults: JournalAccounts::defaults_for(&currency),
        defaults_name: JournalAccounts::defaults_name(&currency).to_string(),
        currency,
    })
}

/// The form's values without the spaces around them.
fn trimmed(a: JournalAccounts) -> JournalAccounts {
    let t = |s: String| s.trim().to_string();
    JournalAccounts {
        bank: t(a.bank),
        fees: t(a.fees),
        clearing: t(a.clearing),
        suspense: t(a.suspense),
        payable: t(a.payable),
        vat: VatCodes {
            bank: t(a.vat.bank),
            fees: t(a.vat.fees),
            clearing: t(a.vat.clearing),
            suspense: t(a.vat.suspense),
            payable: t(a.vat.payable),
        },
        voucher_date: a.voucher_date,
    }
}

/// How `ledger_id`'s month is posted.
#[tauri::command]
pub async fn ledger_accounts(state: State<'_, AppState>, ledger_id: String) -> CmdResult<LedgerAccountsView> {
    let ctx = state.ctx.clone();
    blocking(move || view(&ctx.open_store_for_reading()?, &ledger_id)).await
}

/// Save the settings for `ledger_id` (each account a number of letters and digits, each VAT code
/// letters and digits or empty; the formats check their own limits when writing, and say so).
#[tauri::command]
pub async fn save_ledger_accounts(
    state: State<'_, AppState>,
    ledger_id: String,
    accounts: JournalAccounts,
) -> CmdResult<LedgerAccountsView> {
    let ctx = state.ctx.clone();
    blocking(move || {
        let mut store = ctx.open_store()?;
        store.set_ledger_accounts(&ledger_id, &trimmed(accounts), ctx.clock.now().timestamp())?;
        view(&store, &ledger_id)
    })
    .await
}

/// Save the settings as `profile`'s defaults for its ledgers in `ledger_id`'s currency, and let
/// `ledger_id` use them (its own saved settings are forgotten).
#[tauri::command]
pub async fn save_profile_accounts(
    state: State<'_, AppState>,
    profile: String,
    ledger_id: String,
    accounts: JournalAccounts,
) -> CmdResult<LedgerAccountsView> {
    let ctx = state.ctx.clone();
    blocking(move || {
        ctx.profile(&profile)?;
        let mut store = ctx.open_store()?;
        let currency = cached_ledger(&store, &ledger_id)?.currency;
        store.set_profile_accounts(
            &profile,
            &currency,
            &trimmed(accounts),
            ctx.clock.now().timestamp(),
        )?;
        store.clear_ledger_accounts(&ledger_id)?;
        view(&store, &ledger_id)
    })
    .await
}

/// Forget `ledger_id`'s own settings: it goes back to its profile's or the chart's defaults.
#[tauri::command]
pub async fn reset_ledger_accounts(
    state: State<'_, AppState>,
    ledger_id: String,
) -> CmdResult<LedgerAccountsView> {
    let ctx = state.ctx.clone();
    blocking(move || {
        let mut store = ctx.open_store()?;
        store.clear_ledger_accounts(&ledger_id)?;
        view(&store, &ledger_id)
    })
    .await
}
