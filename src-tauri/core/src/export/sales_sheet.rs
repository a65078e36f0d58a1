//! The workbook's Sales sheet (issue 17): what was sold in the month, per VAT rate, per category
//! and per day (gross, net, VAT, and the gross whose VAT the merchant did not state), then the
//! sales that never passed through Vipps funds (cash). Written only when the month has sales data.
//! The check "every capture has its sales entry, amounts agree" goes on the Checks sheet.

use super::Sheet;
use crate::reconcile::sales::{SalesFigures, SalesMonth};
use crate::reconcile::Check;
use crate::Result;

pub(super) const SALES_SHEET: &str = "Sales";

fn figures(s: &mut Sheet, row: u32, f: &SalesFigures) -> Result<()> {
    s.money(row, 1, f.gross)?;
    s.money(row, 2, f.net)?;
    s.money(row, 3, f.vat)?;
    s.money(row, 4, f.vat_unknown)?;
    s.int(row, 5, f.entries)
}

fn block_header(s: &mut Sheet, row: u32, first: &str) -> Result<()> {
    for (c, name) in [first, "Gross", "Net", "VAT", "Gross, VAT not stated", "Entries"]
        .iter()
        .enumerate()
    {
        s.text_fmt(row, c as u16, name, &s.f.header)?;
    }
    Ok(())
}

/// Rate in basis points as a percentage: 2500 → "25 %".
pub(crate) fn rate_text(bp: i64) -> String {
    crate::sales::vat_rate_text(bp)
}

pub(super) fn sales(s: &mut Sheet, m: &SalesMonth) -> Result<()> {
    for (c, w) in [28.0, 14.0, 14.0, 14.0, 18.0, 10.0].iter().enumerate() {
        s.ws.set_column_width(c as u16, *w).map_err(super::xerr)?;
    }
    s.text_fmt(0, 0, &format!("What was sold, {}", m.month), &s.f.title)?;
    s.text(
        1,
        0,
        "From the Sales API. VAT only where the merchant stated it; the rest is 'Gross, VAT not stated'.",
    )?;
    let mut row = 3;
    s.text_fmt(row, 0, "Month", &s.f.label)?;
    row += 1;
    block_header(s, row, "")?;
    row += 1;
    s.text(row, 0, "All sales")?;
    figures(s, row, &m.total)?;
    row += 2;

    s.text_fmt(row, 0, "Per VAT rate (order lines)", &s.f.label)?;
    row += 1;
    block_header(s, row, "VAT rate")?;
    for (rate, f) in &m.by_rate {
        row += 1;
        s.text(row, 0, &rate_text(*rate))?;
        figures(s, row, f)?;
    }
    if m.total.vat_unknown != 0 {
        row += 1;
        s.text(row, 0, "VAT not stated")?;
        s.money(row, 1, m.total.vat_unknown)?;
        s.money(row, 4, m.total.vat_unknown)?;
    }
    row += 2;

    s.text_fmt(row, 0, "Per category", &s.f.label)?;
    row += 1;
    block_header(s, row, "Category")?;
    for (cat, f) in &m.by_category {
        row += 1;
        s.text(row, 0, if cat.is_empty() { "(no category)" } else { cat })?;
        figures(s, row, f)?;
    }
    row += 2;

    s.text_fmt(row, 0, "Per day", &s.f.label)?;
    row += 1;
    block_header(s, row, "Ledger date")?;
    for (day, f) in &m.by_day {
        row += 1;
        s.date(row, 0, *day)?;
        figures(s, row, f)?;
    }
    row += 2;

    s.text_fmt(
        row,
        0,
        &format!("Sold outside Vipps funds (cash): {}", m.outside_funds.len()),
        &s.f.label,
    )?;
    row += 1;
    for (c, name) in ["Ledger date", "Order reference", "Payment type", "Gross"]
        .iter()
        .enumerate()
    {
        s.text_fmt(row, c as u16, name, &s.f.header)?;
    }
    for o in &m.outside_funds {
        row += 1;
        s.date(row, 0, o.date)?;
        s.text(row, 1, &o.reference)?;
        s.text(row, 2, &o.payment_type)?;
        s.money(row, 3, o.gross)?;
    }
    Ok(())
}

/// A workbook with the Sales sheet alone (the benchmark's figure; `avstem export` writes it inside
/// the month's workbook). Written to a temporary file and renamed, as every export.
pub fn write_sales_sheet(m: &SalesMonth, out: &std::path::Path) -> Result<()> {
    super::super::write_atomically(out, false, |tmp| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let f = super::Formats::new();
        let ws = wb.add_worksheet();
        ws.set_name(SALES_SHEET).map_err(super::xerr)?;
        sales(&mut Sheet { ws, f: &f }, m)?;
        wb.save(tmp).map_err(super::xerr)?;
        Ok(())
    })?;
    Ok(())
}

/// The sales check's row on Checks, and its problem lines below the table (`problems_from`).
pub(super) fn check_row(s: &mut Sheet, row: u32, c: &Check) -> Result<()> {
    s.text(row, 0, &c.title)?;
    s.text_fmt(row, 1, c.status(), if c.ok { &s.f.ok } else { &s.f.fail })?;
    s.text_fmt(row, 2, &c.detail, &s.f.wrap)?;
    s.int(row, 3, u64::from(c.problem_count))
}

#[cfg(test)]
mod tests {
    #[test]
    fn rates_read_as_percentages() {
        assert_eq!(super::rate_text(2500), "25 %");
        assert_eq!(super::rate_text(0), "0 %");
        assert_eq!(super::rate_text(1250), "12.5 %");
        assert_eq!(super::rate_text(1234), "12.34 %");
    }
}
