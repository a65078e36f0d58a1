//! e-conomic (Visma, Denmark): the month's postings as a file for the day book ("kassekladde")
//! import, one row per posting, one voucher number per payout or fee invoice.
//!
//! Specification: e-copedia, "Import Data" (importing day book entries),
//! <http://wiki.e-conomic.co.uk/doku.php/import-of-data:start>: a CSV file, loaded with "Load
//! file" in the day book; "Skip rows" drops the heading rows (here exactly one); the columns are
//! mapped once to the day book fields in a saved import template and reused every month. The day
//! book's fields are those of e-copedia, "Day books (making entries)",
//! <http://wiki.e-conomic.co.uk/bookkeeping/create-new-entries>: Date, Voucher no., Account no.,
//! Text, Amount, VAT code (and a Contra account, left empty: each voucher balances over its rows).
//! The VAT code is left empty: e-conomic's codes are the agreement's own (`I25`, `U25`, …) and an
//! empty code is "no VAT", which is right for these lines (see [`super::books::NO_VAT`]).
//! The Danish e-copedia, "Importér kontoplan", <https://wiki2.e-conomic.dk/import-af-data/import-af-kontoplan>,
//! states the Danish files are semicolon separated ("CSV (semikolonsepareret)"); account numbers
//! hold at most 9 characters (e-copedia, "Importera kontoplan", <http://wiki.e-conomic.se/importera-data/importerakontoplan>).
//!
//! Layout: heading row `Dato;Bilag;Konto;Tekst;Beløb;Modkonto;Momskode;Valuta`; date `DD-MM-YYYY`
//! (the Danish date e-conomic shows); amount signed with a decimal comma and no thousands
//! separator (positive = debit on the account, negative = credit); UTF-8 with BOM, CRLF; a field
//! quoted when it holds `;`, `"` or a line break.

use super::books;
use super::csv::decimal_comma;
use super::{guard_text, write_atomically, ExportFormat, ExportOptions, ExportSummary};
use crate::model::YearMonth;
use crate::store::Store;
use crate::{Error, Result};
use std::io::{BufWriter, Write};
use std::path::Path;

/// The heading row (skipped by the import: "Skip rows" = 1).
pub const COLUMNS: [&str; 8] = [
    "Dato", "Bilag", "Konto", "Tekst", "Beløb", "Modkonto", "Momskode", "Valuta",
];
const ACCOUNT_MAX: usize = 9;

/// Write the month's e-conomic day book file (atomically) from the cache.
pub fn write_economic(
    store: &Store,
    ledger_id: &str,
    month: YearMonth,
    opts: &ExportOptions,
    out: &Path,
) -> Result<ExportSummary> {
    let booked = books::booked_month(store, ledger_id, month, opts)?;
    books::check_accounts(&booked.vouchers, 1, ACCOUNT_MAX, "e-conomic")?;
    let io = |e: std::io::Error| Error::Io(format!("The e-conomic file could not be written: {e}."));
    let bytes = write_atomically(out, false, |tmp| {
        let file = std::fs::File::create(tmp).map_err(io)?;
        let mut w = BufWriter::new(file);
        w.write_all("\u{FEFF}".as_bytes()).map_err(io)?;
        w.write_all(COLUMNS.join(";").as_bytes()).map_err(io)?;
        w.write_all(b"\r\n").map_err(io)?;
        for v in &booked.vouchers {
            for l in &v.lines {
                let signed = l
                    .debit
                    .checked_sub(l.credit)
                    .ok_or_else(|| Error::Input("The month's amounts are too large to write.".into()))?;
                let cells = [
                    v.date.format("%d-%m-%Y").to_string(),
                    v.number.to_string(),
                    l.account.clone(),
                    quoted(&guard_text(&one_line(&l.text))),
                    decimal_comma(signed),
                    String::new(),
                    String::new(),
                    booked.ledger.currency.clone(),
                ];
                w.write_all(cells.join(";").as_bytes()).map_err(io)?;
                w.write_all(b"\r\n").map_err(io)?;
            }
        }
        w.flush().map_err(io)
    })?;
    Ok(books::summary(out, ExportFormat::Economic, &booked, bytes))
}

/// A day book text is one line.
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

fn quoted(s: &str) -> String {
    if s.contains([';', '"']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_one_line_and_quoted_when_it_holds_the_separator() {
        assert_eq!(quoted(&one_line("a;\"b\"\r\nc")), "\"a;\"\"b\"\"  c\"");
        assert_eq!(quoted("Udbetaling 1234"), "Udbetaling 1234");
    }
}
