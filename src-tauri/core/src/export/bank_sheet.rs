//! The workbook's Bank sheet (each payout: expected date and text, the bank line found, its state)
//! and the check "every payout reached the bank" on the Checks and Summary sheets. A child of the
//! workbook writer, so it writes through the same cell writer and formats.

use super::Sheet;
use crate::bank::status::{BankCheck, BankCheckStatus, BankMonth};
use crate::Result;
use rust_xlsxwriter::Format;

/// Bank: one row per payout of the month, then the deposits no payout explains, then what the
/// imported statements cover.
pub(super) fn bank(s: &mut Sheet, b: &BankMonth) -> Result<()> {
    s.header(
        0,
        &[
            ("Payout no.", 12.0),
            ("Ledger date", 12.0),
            ("Amount", 14.0),
            ("Expected bank date", 12.0),
            ("Expected bank text", 30.0),
            ("Bank date", 12.0),
            ("Bank amount", 14.0),
            ("Bank text", 34.0),
            ("State", 24.0),
            ("Bank line(s)", 10.0),
            ("Note", 60.0),
        ],
    )?;
    for (i, p) in b.payouts.iter().enumerate() {
        let row = 1 + i as u32;
        s.text(row, 0, &p.label)?;
        s.date(row, 1, p.ledger_date)?;
        s.money(row, 2, p.amount)?;
        s.date(row, 3, p.expected_date)?;
        s.text(row, 4, &p.expected_text)?;
        if let Some(d) = p.bank_date {
            s.date(row, 5, d)?;
        }
        if let Some(a) = p.bank_amount {
            s.money(row, 6, a)?;
        }
        let texts: Vec<&str> = p.lines.iter().map(|l| l.text.as_str()).collect();
        s.text(row, 7, &texts.join(" | "))?;
        let fmt = if p.is_settled_or_not_due() {
            &s.f.ok
        } else {
            &s.f.fail
        };
        s.text_fmt(row, 8, p.state.describe(), fmt)?;
        let ids: Vec<String> = p.lines.iter().map(|l| l.id.to_string()).collect();
        s.text(row, 9, &ids.join(", "))?;
        s.text(row, 10, &p.reason)?;
    }
    let n = b.payouts.len() as u32;
    s.table(0, n.max(1), 10)?;
    let mut row = n + 2;
    s.text_fmt(
        row,
        0,
        "Deposits that look like Vipps MobilePay but match no payout",
        &s.f.label,
    )?;
    if b.unexplained.is_empty() {
        row += 1;
        s.text(row, 0, "None.")?;
    }
    for l in &b.unexplained {
        row += 1;
        s.text(row, 0, &format!("line {}", l.id))?;
        s.date(row, 5, l.booking_date)?;
        s.money(row, 6, l.amount)?;
        s.text(row, 7, &l.text)?;
        s.text(row, 10, l.counterparty.as_deref().unwrap_or(""))?;
    }
    row += 2;
    let covered = match (b.statement_from, b.statement_to) {
        (Some(a), Some(z)) => format!("Bank statements imported for account {}: {a} to {z}.", b.account),
        _ => "No bank statement imported for this ledger's payout account.".to_string(),
    };
    s.text(row, 0, &covered)?;
    Ok(())
}

fn status_format<'f>(s: &Sheet<'f>, c: &BankCheck) -> &'f Format {
    match c.status {
        BankCheckStatus::Fail => &s.f.fail,
        _ => &s.f.ok,
    }
}

/// The bank check as one row of a checks table: title, status and detail in the given columns
/// (the detail wrapped in its cell on the Checks sheet, spilling over on the Summary).
pub(super) fn check_row(
    s: &mut Sheet,
    row: u32,
    cols: (u16, u16, u16),
    c: &BankCheck,
    wrap: bool,
) -> Result<()> {
    s.text(row, cols.0, &c.title)?;
    let f = status_format(s, c);
    s.text_fmt(row, cols.1, c.status_text(), f)?;
    if wrap {
        s.text_fmt(row, cols.2, &c.detail, &s.f.wrap)
    } else {
        s.text(row, cols.2, &c.detail)
    }
}

/// The bank check's problem lines under the Checks sheet's problem list; the next free row.
pub(super) fn problem_rows(s: &mut Sheet, mut row: u32, c: &BankCheck) -> Result<u32> {
    if c.status != BankCheckStatus::Fail {
        return Ok(row);
    }
    for p in &c.problems {
        row += 1;
        s.text(row, 0, &c.title)?;
        s.text_fmt(row, 1, "FAIL", &s.f.fail)?;
        s.text(row, 2, p)?;
    }
    Ok(row)
}

/// The Summary's verdict line, with the bank check counted when it was made.
pub(super) fn verdict(failed: &[&str], checks: usize, bank: &BankCheck) -> (String, bool) {
    let mut failed: Vec<&str> = failed.to_vec();
    let mut total = checks;
    if bank.status != BankCheckStatus::NotChecked {
        total += 1;
    }
    if bank.status == BankCheckStatus::Fail {
        failed.push(&bank.title);
    }
    if failed.is_empty() {
        let bank_note = match bank.status {
            BankCheckStatus::NotChecked if bank.detail.contains("no bank statement imported") => {
                "; the bank was not checked: no bank statement imported"
            }
            BankCheckStatus::NotChecked => "; the bank was not checked: the ledger names no payout account",
            _ => "",
        };
        (
            format!("OK — all {total} checks pass{bank_note} (see the Checks sheet)"),
            true,
        )
    } else {
        (
            format!(
                "FAIL — {} of {total} checks failed: {} (see the Checks sheet)",
                failed.len(),
                failed.join("; ")
            ),
            false,
        )
    }
}
