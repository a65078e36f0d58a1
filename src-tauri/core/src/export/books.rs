//! What every bookkeeping file shares (SAF-T, GBAT10, CSV journal, e-conomic): a month that is over,
//! synced and reconciled, its balanced vouchers (with the bank text, dated by the ledger or the bank
//! as the settings say) and their totals, or one sentence saying why not.

use super::{ready_ledger, ExportFormat, ExportOptions, ExportSummary};
use crate::model::{Ledger, Minor, YearMonth};
use crate::month::reconcile_cached;
use crate::reconcile::{CheckId, MonthReport, Voucher, VoucherDate};
use crate::store::Store;
use crate::{Error, Result};
use serde::Serialize;
use std::path::Path;

/// What a bookkeeping file holds: vouchers, lines and the two sides, equal by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct JournalTotals {
    pub vouchers: u64,
    pub lines: u64,
    #[ts(type = "number")]
    pub debit: Minor,
    #[ts(type = "number")]
    pub credit: Minor,
    /// Payout vouchers dated by their bank line (the voucher-date setting is "bank").
    pub bank_dated: u64,
    /// Payout vouchers left on their ledger date although the setting is "bank": no bank line is
    /// matched to them yet (each one's text says so).
    pub not_in_bank: u64,
}

/// A reconciled month and the vouchers to post.
pub struct BookedMonth {
    pub ledger: Ledger,
    pub report: MonthReport,
    pub vouchers: Vec<Voucher>,
    pub totals: JournalTotals,
}

/// The month's vouchers from the cache. Refuses a month that is not over or not synced (naming the
/// dates), one whose checks fail, one with nothing to post, and a voucher that does not balance.
/// An entry type Avstem does not know is not a reason to refuse: its money still adds up, and the
/// journal posts it to the suspense account marked for classification (the summary still lists the
/// check as failed, so the command's exit status says "look at this").
pub fn booked_month(
    store: &Store,
    ledger_id: &str,
    month: YearMonth,
    opts: &ExportOptions,
) -> Result<BookedMonth> {
    ready_ledger(store, ledger_id, month, opts)?;
    let (ledger, report) = reconcile_cached(store, ledger_id, month)?;
    let failed: Vec<&str> = report
        .failed_checks()
        .filter(|c| c.id != CheckId::EntryTypesRecognised)
        .map(|c| c.title.as_str())
        .collect();
    if !failed.is_empty() {
        return Err(Error::Input(format!(
            "{month} on ledger {ledger_id} does not reconcile ({}), so no postings were written. \
             Export the workbook to see the failing checks on its Checks sheet.",
            failed.join("; ")
        )));
    }
    let source = super::StoreSource { store, ledger_id };
    // The same vouchers as the workbook's Journal sheet: sales per VAT rate where the data is complete.
    let mut vouchers = super::month_vouchers(&source, &ledger, &report, &opts.accounts)?;
    with_bank_text(store, &ledger, month, &report, &opts.accounts.bank, &mut vouchers)?;
    let dated = match opts.accounts.voucher_date {
        VoucherDate::Ledger => (0, 0),
        VoucherDate::Bank => {
            let today = opts.clock.today_for(&ledger);
            bank_dated(
                store,
                &ledger,
                month,
                today,
                &report,
                &opts.accounts.bank,
                &mut vouchers,
            )?
        }
    };
    if vouchers.is_empty() {
        return Err(Error::Input(format!(
            "Ledger {ledger_id} has no payouts or fee invoices in {month}: there is nothing to post."
        )));
    }
    let mut totals = totals(&vouchers)?;
    (totals.bank_dated, totals.not_in_bank) = dated;
    Ok(BookedMonth {
        ledger,
        report,
        vouchers,
        totals,
    })
}

/// Each payout voucher's text also carries the text the payout has in the bank (report-api.md §6:
/// `Utb. <payout> Vippsnr <n>` in Norway, the reference or the ledger's `02…` format in DK/FI), so
/// the voucher can be found beside its bank line. The journal makes one voucher per payout, first,
/// in the report's order.
fn with_bank_text(
    store: &Store,
    ledger: &Ledger,
    month: YearMonth,
    report: &MonthReport,
    bank_account: &str,
    vouchers: &mut [Voucher],
) -> Result<()> {
    let from = month.first_day() - chrono::Duration::days(1);
    let to = month.last_day() + chrono::Duration::days(1);
    let texts: std::collections::HashMap<u64, String> =
        crate::bank::status::expected_lines(store, ledger, from, to)?
            .into_iter()
            .map(|(p, e)| (p.payout_number, e.text))
            .collect();
    for (v, p) in vouchers.iter_mut().zip(&report.payouts) {
        let Some(text) = p.number.and_then(|n| texts.get(&n)) else {
            continue;
        };
        v.description = format!("{} · bank text: {text}", v.description);
        // The line on the bank account is the one the bank line ticks off.
        if let Some(l) = v
            .lines
            .iter_mut()
            .find(|l| l.account == bank_account && l.debit == p.amount)
        {
            l.text = format!("{text} ({})", l.text);
        }
    }
    Ok(())
}

/// Each payout voucher dated by the day its bank line was booked (the matched line of the bank
/// statement, issue 15), when the setting asks for bank dates. A payout with no matched line keeps
/// its ledger date and its voucher says so. Fee invoices keep their date: they are paid by invoice,
/// not seen in the bank as a payout. Returns (bank dated, not in the bank).
fn bank_dated(
    store: &Store,
    ledger: &Ledger,
    month: YearMonth,
    today: chrono::NaiveDate,
    report: &MonthReport,
    bank_account: &str,
    vouchers: &mut [Voucher],
) -> Result<(u64, u64)> {
    let status = crate::bank::status::month_status(store, ledger, month, today)?;
    let dates: std::collections::HashMap<u64, chrono::NaiveDate> = status
        .payouts
        .iter()
        .filter_map(|p| p.bank_date.map(|d| (p.payout_number, d)))
        .collect();
    let (mut bank, mut missing) = (0, 0);
    for (v, p) in vouchers.iter_mut().zip(&report.payouts) {
        match p.number.and_then(|n| dates.get(&n)) {
            Some(d) => {
                v.date = *d;
                bank += 1;
            }
            None => {
                let note = "not matched in the bank yet: dated by the payout date";
                v.description = format!("{} · {note}", v.description);
                // Formats with line texts only (GBAT10, the CSV journal) show it on the bank line.
                if let Some(l) = v.lines.iter_mut().find(|l| l.account == bank_account) {
                    l.text = format!("{} · {note}", l.text);
                }
                missing += 1;
            }
        }
    }
    Ok((bank, missing))
}

/// A field of a semicolon-separated books file, quoted when it holds `;`, `"` or a line break.
pub fn quoted(s: &str) -> String {
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Write a semicolon-separated books file atomically: UTF-8 with BOM, the heading row, then `rows`,
/// CRLF line ends. `what` names the file in an error ("The CSV journal").
pub fn write_semicolon_file(out: &Path, what: &str, columns: &[&str], rows: &[Vec<String>]) -> Result<u64> {
    use std::io::{BufWriter, Write};
    let io = |e: std::io::Error| Error::Io(format!("{what} could not be written: {e}."));
    super::write_atomically(out, false, |tmp| {
        let file = std::fs::File::create(tmp).map_err(io)?;
        let mut w = BufWriter::new(file);
        w.write_all("\u{FEFF}".as_bytes()).map_err(io)?;
        w.write_all(columns.join(";").as_bytes()).map_err(io)?;
        w.write_all(b"\r\n").map_err(io)?;
        for row in rows {
            w.write_all(row.join(";").as_bytes()).map_err(io)?;
            w.write_all(b"\r\n").map_err(io)?;
        }
        w.flush().map_err(io)
    })
}

/// Totals with checked sums; a voucher whose sides differ is refused (never expected: the journal
/// balances by construction, and this is where a file would go wrong if it did not).
pub fn totals(vouchers: &[Voucher]) -> Result<JournalTotals> {
    let too_large = || Error::Input("The month's amounts are too large to add up.".to_string());
    let mut t = JournalTotals {
        vouchers: vouchers.len() as u64,
        lines: 0,
        debit: 0,
        credit: 0,
        bank_dated: 0,
        not_in_bank: 0,
    };
    for v in vouchers {
        let (mut debit, mut credit): (Minor, Minor) = (0, 0);
        for l in &v.lines {
            debit = debit.checked_add(l.debit).ok_or_else(too_large)?;
            credit = credit.checked_add(l.credit).ok_or_else(too_large)?;
        }
        if debit != credit {
            return Err(Error::Input(format!(
                "Voucher {} ({}) does not balance: debit {} against credit {}. Nothing was written.",
                v.number,
                v.description,
                crate::model::format_minor(debit),
                crate::model::format_minor(credit)
            )));
        }
        t.lines += v.lines.len() as u64;
        t.debit = t.debit.checked_add(debit).ok_or_else(too_large)?;
        t.credit = t.credit.checked_add(credit).ok_or_else(too_large)?;
    }
    Ok(t)
}

/// `account` as the format can hold it: ASCII digits only, `min..=max` of them.
pub fn check_account(account: &str, min: usize, max: usize, format: &str) -> Result<()> {
    let digits = account.bytes().all(|b| b.is_ascii_digit());
    if digits && (min..=max).contains(&account.len()) {
        return Ok(());
    }
    let size = if min == max {
        format!("exactly {min} digits")
    } else {
        format!("{min} to {max} digits")
    };
    Err(Error::Input(format!(
        "Account \"{account}\" does not fit {format}, which holds account numbers of {size}. \
         Pick another account number; nothing was written."
    )))
}

/// Every account the vouchers post to, checked with [`check_account`].
pub fn check_accounts(vouchers: &[Voucher], min: usize, max: usize, format: &str) -> Result<()> {
    vouchers
        .iter()
        .flat_map(|v| &v.lines)
        .try_for_each(|l| check_account(&l.account, min, max, format))
}

/// The summary of a written bookkeeping file.
pub(crate) fn summary(out: &Path, format: ExportFormat, booked: &BookedMonth, bytes: u64) -> ExportSummary {
    let mut s = ExportSummary::of(out, format, &booked.ledger, &booked.report, (0, 0), bytes);
    s.journal = Some(booked.totals);
    s
}

/// Text for a field of at most `max` characters, cut on a character boundary.
pub fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_must_be_digits_of_the_length_the_format_holds() {
        assert!(check_account("1920", 4, 4, "GBAT10").is_ok());
        let err = check_account("19201", 4, 4, "GBAT10").expect_err("too long");
        assert_eq!(
            err.to_string(),
            "Account \"19201\" does not fit GBAT10, which holds account numbers of exactly 4 digits. \
             Pick another account number; nothing was written."
        );
        assert!(check_account("15A0", 4, 8, "SAF-T").is_err());
        assert!(check_account("", 1, 4, "GBAT10").is_err());
    }

    #[test]
    fn cut_counts_characters_not_bytes() {
        assert_eq!(cut("Kafé Fjord", 4), "Kafé");
    }
}
