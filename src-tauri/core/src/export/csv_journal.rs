//! The month's journal as a plain CSV for any accounting system without a format of its own: one
//! row per posting, in Avstem's own documented layout (no external specification).
//!
//! Columns: Date (`YYYY-MM-DD`); Voucher; Account; Debit; Credit; Text; VAT code; Currency. Like the
//! settlement CSV: UTF-8 with BOM, `;` separated, decimal comma, CRLF, a field quoted when it holds
//! `;`, `"` or a line break. Amounts are positive, the empty side is `0,00`.

use super::books::{self, NO_VAT};
use super::csv::decimal_comma;
use super::{guard_text, write_atomically, ExportFormat, ExportOptions, ExportSummary};
use crate::model::YearMonth;
use crate::store::Store;
use crate::{Error, Result};
use std::io::{BufWriter, Write};
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
    let io = |e: std::io::Error| Error::Io(format!("The CSV journal could not be written: {e}."));
    let bytes = write_atomically(out, false, |tmp| {
        let file = std::fs::File::create(tmp).map_err(io)?;
        let mut w = BufWriter::new(file);
        w.write_all("\u{FEFF}".as_bytes()).map_err(io)?;
        w.write_all(COLUMNS.join(";").as_bytes()).map_err(io)?;
        w.write_all(b"\r\n").map_err(io)?;
        for v in &booked.vouchers {
            for l in &v.lines {
                let cells = [
                    v.date.to_string(),
                    v.number.to_string(),
                    l.account.clone(),
                    decimal_comma(l.debit),
                    decimal_comma(l.credit),
                    quoted(&guard_text(&l.text)),
                    NO_VAT.to_string(),
                    booked.ledger.currency.clone(),
                ];
                w.write_all(cells.join(";").as_bytes()).map_err(io)?;
                w.write_all(b"\r\n").map_err(io)?;
            }
        }
        w.flush().map_err(io)
    })?;
    Ok(books::summary(out, ExportFormat::CsvJournal, &booked, bytes))
}

fn quoted(s: &str) -> String {
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
