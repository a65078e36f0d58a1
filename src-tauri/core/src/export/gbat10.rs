//! GBAT10, Mamut's voucher import ("Bilag: GBAT10") that Tripletex, PowerOffice, Visma eAccounting
//! and others read: one row per posting, one voucher per payout or fee invoice.
//!
//! Specification: Mamut Business Software, "Bilag: GBAT10",
//! <http://help.mamut.com/no/mhelp/rtm/import_export/csv_formats/journal_formats/gbat10.htm>
//! (English: <https://help.mamut.com/uk/mhelp/rtm/import_export/csv_formats/journal_formats/gbat10.htm>),
//! and Tripletex's reading of it, <https://hjelp.tripletex.no/hc/no/articles/4411155692945>.
//! - `;` between fields, no fixed widths, no header row, no quoting; the maximum lengths are the
//!   Norwegian page's (account 4 digits, voucher number 8, text 100). UTF-8, CRLF.
//! - Columns 0–29 (30 fields): 0 `GBAT10`; 1 voucher number; 2 voucher date `YYYYMMDD`; 3 voucher
//!   type; 4 period (month); 5 accounting year; 6 account; 7 VAT code (the saved code of the kind of
//!   line, `VatCodes`); 8 balance (signed amount,
//!   two decimals with a point: debit positive, credit negative); 9–19 customer, supplier, contact,
//!   address, invoice, KID, due date and bank fields (empty: no reskontro); 20 general-ledger text;
//!   21–25 empty; 26 gross `T`; 27 gross sum (= balance: no VAT on these lines, and Tripletex wants
//!   net and gross to balance alike); 28–29 IBAN, SWIFT/BIC (empty).
//! - The revenue lines of sales booked per VAT rate (issue 17) carry the clearing line's (no-VAT)
//!   code, not their rate's: a code in column 7 makes the importing system compute the VAT from the
//!   line again, and Avstem posts the VAT on its own line (2700–2702) already; the text names it.
//! - Voucher type [`VOUCHER_TYPE`]: Tripletex makes the number series "Mamut 10" for it.

use super::books::{self, cut};
use super::{write_atomically, ExportFormat, ExportOptions, ExportSummary};
use crate::model::{format_minor, YearMonth};
use crate::store::Store;
use crate::{Error, Result};
use chrono::Datelike;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Bilagsart (numeric, at most 3 digits).
pub const VOUCHER_TYPE: &str = "10";
/// Fields per row (columns 0–29).
pub const FIELDS: usize = 30;
const ACCOUNT_DIGITS: usize = 4;
const TEXT_MAX: usize = 100;
const VOUCHER_MAX: u32 = 99_999_999;

/// Write the month's GBAT10 voucher file (atomically) from the cache.
pub fn write_gbat10(
    store: &Store,
    ledger_id: &str,
    month: YearMonth,
    opts: &ExportOptions,
    out: &Path,
) -> Result<ExportSummary> {
    let booked = books::booked_month(store, ledger_id, month, opts)?;
    books::check_accounts(&booked.vouchers, ACCOUNT_DIGITS, ACCOUNT_DIGITS, "GBAT10")?;
    if booked.vouchers.iter().any(|v| v.number > VOUCHER_MAX) {
        return Err(Error::Input(
            "GBAT10 voucher numbers have at most eight digits; nothing was written.".into(),
        ));
    }
    let io = |e: std::io::Error| Error::Io(format!("The GBAT10 file could not be written: {e}."));
    let bytes = write_atomically(out, false, |tmp| {
        let file = std::fs::File::create(tmp).map_err(io)?;
        let mut w = BufWriter::new(file);
        for v in &booked.vouchers {
            for l in &v.lines {
                let balance = format_minor(l.debit - l.credit);
                let mut row: [String; FIELDS] = Default::default();
                row[0] = "GBAT10".into();
                row[1] = v.number.to_string();
                row[2] = v.date.format("%Y%m%d").to_string();
                row[3] = VOUCHER_TYPE.into();
                row[4] = v.date.month().to_string();
                row[5] = v.date.year().to_string();
                row[6] = l.account.clone();
                // A revenue line of sales booked per VAT rate: its VAT is on its own line already.
                row[7] = if l.vat.is_some() {
                    opts.accounts.vat.clearing.clone()
                } else {
                    l.vat_code.clone()
                };
                row[8] = balance.clone();
                row[20] = cut(&plain(&l.text), TEXT_MAX);
                row[26] = "T".into();
                row[27] = balance;
                w.write_all(row.join(";").as_bytes()).map_err(io)?;
                w.write_all(b"\r\n").map_err(io)?;
            }
        }
        w.flush().map_err(io)
    })?;
    Ok(books::summary(out, ExportFormat::Gbat10, &booked, bytes))
}

/// A text field without the separator or line breaks the unquoted format cannot carry.
fn plain(text: &str) -> String {
    text.replace(';', ",").replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_loses_separators_and_line_breaks() {
        assert_eq!(plain("a;b\r\nc"), "a,b  c");
    }
}
