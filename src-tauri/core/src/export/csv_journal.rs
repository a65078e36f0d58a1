//! The month's journal as a plain CSV for any accounting system without a format of its own: one
//! row per posting, in Avstem's own documented layout (no external specification).
//!
//! Columns: Date (`YYYY-MM-DD`); Voucher; Account; Debit; Credit; Text; VAT code; Currency. Like the
//! settlement CSV: UTF-8 with BOM, `;` separated, decimal comma, CRLF, a field quoted when it holds
//! `;`, `"` or a line break. Amounts are positive, the empty side is `0,00`.
//! VAT code: the saved code of the line's kind, except on the revenue lines of sales booked per VAT
//! rate (issue 17): those carry their rate's standard SAF-T code (`3`, `31`, `33`, `5`) and the net
//! amount; the VAT itself is on its own line on the output VAT account.

use super::books::{self, quoted};
use super::csv::decimal_comma;
use super::{guard_text, ExportFormat, ExportOptions, ExportSummary};
use crate::model::YearMonth;
use crate::store::Store;
use crate::Result;
use std::path::Path;

pub const COLUMNS: [&str; 8] = [
    "Date", "Voucher", "Account", "Debit", "Credit", "Text", "VAT code", "Currency",
];

/// Write the month's CSV journal (atomically) from the cache.
pub fn write_csv_journal(
    store: &Store,
    ledger_id: &str,
    month: YearMonth,
    opts: &ExportOptions,
    out: &Path,
) -> Result<ExportSummary> {
    let booked = books::booked_month(store, ledger_id, month, opts)?;
    books::check_accounts(&booked.vouchers, 1, 20, "the CSV journal")?;
    let rows: Vec<Vec<String>> = booked
        .vouchers
        .iter()
        .flat_map(|v| v.lines.iter().map(move |l| (v, l)))
        .map(|(v, l)| {
            vec![
                v.date.to_string(),
                v.number.to_string(),
                l.account.clone(),
                decimal_comma(l.debit),
                decimal_comma(l.credit),
                quoted(&guard_text(&l.text)),
                l.vat_code.clone(),
                booked.ledger.currency.clone(),
            ]
        })
        .collect();
    let bytes = books::write_semicolon_file(out, "The CSV journal", &COLUMNS, &rows)?;
    Ok(books::summary(out, ExportFormat::CsvJournal, &booked, bytes))
}
