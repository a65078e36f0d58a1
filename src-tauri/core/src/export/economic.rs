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
//! The VAT code is the one saved for each kind of line ([`crate::reconcile::VatCodes`]); the DKK
//! default is empty: e-conomic's codes are the agreement's own (`I25`, `U25`, …) and an empty code
//! is "no VAT", which is right for these lines.
//! Sales booked per VAT rate (issue 17, NOK ledgers only) post their VAT on its own line already:
//! their revenue lines carry the clearing line's code, so e-conomic does not add the VAT a second
//! time; the text names the Norwegian code.
//! The Danish e-copedia, "Importér kontoplan", <https://wiki2.e-conomic.dk/import-af-data/import-af-kontoplan>,
//! states the Danish files are semicolon separated ("CSV (semikolonsepareret)"); account numbers
//! hold at most 9 characters (e-copedia, "Importera kontoplan", <http://wiki.e-conomic.se/importera-data/importerakontoplan>).
//!
//! Layout: heading row `Dato;Bilag;Konto;Tekst;Beløb;Modkonto;Momskode;Valuta`; date `DD-MM-YYYY`
//! (the Danish date e-conomic shows); amount signed with a decimal comma and no thousands
//! separator (positive = debit on the account, negative = credit); UTF-8 with BOM, CRLF; a field
//! quoted when it holds `;`, `"` or a line break.

use super::books::{self, quoted};
use super::csv::decimal_comma;
use super::{guard_text, ExportFormat, ExportOptions, ExportSummary};
use crate::model::YearMonth;
use crate::store::Store;
use crate::{Error, Result};
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
    let mut rows: Vec<Vec<String>> = Vec::new();
    for v in &booked.vouchers {
        for l in &v.lines {
            let signed = l
                .debit
                .checked_sub(l.credit)
                .ok_or_else(|| Error::Input("The month's amounts are too large to write.".into()))?;
            rows.push(vec![
                v.date.format("%d-%m-%Y").to_string(),
                v.number.to_string(),
                l.account.clone(),
                quoted(&guard_text(&one_line(&l.text))),
                decimal_comma(signed),
                String::new(),
                // A revenue line of sales booked per VAT rate: its VAT is on its own line already.
                if l.vat.is_some() {
                    opts.accounts.vat.clearing.clone()
                } else {
                    l.vat_code.clone()
                },
                booked.ledger.currency.clone(),
            ]);
        }
    }
    let bytes = books::write_semicolon_file(out, "The e-conomic file", &COLUMNS, &rows)?;
    Ok(books::summary(out, ExportFormat::Economic, &booked, bytes))
}

/// A day book text is one line.
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
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
