//! What was sold in the window (issue 17): a capture's order lines, and sales by VAT rate for a
//! payout's dates or a month, from the sales cache the sync fills with accounting keys.

use super::{blocking, CmdResult};
use crate::AppState;
use avstem_core::model::YearMonth;
use avstem_core::month::sales_view::{self, SaleView, SalesByRate};
use chrono::NaiveDate;
use tauri::State;

/// The sales entries (a capture and its refunds) of `psp_reference` with their order lines; empty
/// when the ledger's sales were never synced.
#[tauri::command]
pub async fn order_lines(
    state: State<'_, AppState>,
    ledger_id: String,
    psp_reference: String,
) -> CmdResult<Vec<SaleView>> {
    let ctx = state.ctx.clone();
    blocking(move || sales_view::order_lines(&ctx.open_store_for_reading()?, &ledger_id, &psp_reference))
        .await
}

/// Sales by VAT rate of the ledger dates `from..=to` (the dates a payout covers).
#[tauri::command]
pub async fn sales_by_rate(
    state: State<'_, AppState>,
    ledger_id: String,
    from: NaiveDate,
    to: NaiveDate,
) -> CmdResult<SalesByRate> {
    let ctx = state.ctx.clone();
    blocking(move || sales_view::sales_by_rate(&ctx.open_store_for_reading()?, &ledger_id, from, to)).await
}

/// The month's sales by VAT rate, with the check "every capture has its sales entry".
#[tauri::command]
pub async fn month_sales(
    state: State<'_, AppState>,
    ledger_id: String,
    month: YearMonth,
) -> CmdResult<SalesByRate> {
    let ctx = state.ctx.clone();
    blocking(move || sales_view::month_sales(&ctx.open_store_for_reading()?, &ledger_id, month)).await
}
