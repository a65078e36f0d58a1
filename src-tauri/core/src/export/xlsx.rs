//! The monthly workbook: Summary, Payouts, Funds, Fees, Captures, Bank, Checks, Journal — in that
//! order. Amounts are numbers in major units; totals are formulas with their values stored.

#[path = "bank_sheet.rs"]
mod bank_sheet;
#[path = "sales_sheet.rs"]
mod sales_sheet;
pub use sales_sheet::write_sales_sheet;

use super::{sales_unit_names, write_atomically, EntrySource, ExportFormat, ExportOptions, ExportSummary};
use crate::bank::status::{BankCheckStatus, BankMonth};
use crate::model::{format_minor, Entry, Ledger, Minor, Topic};
use crate::reconcile::{Check, JournalAccounts, MonthReport, Settlement};
use crate::{Error, Result};
use chrono::{NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use rust_xlsxwriter::utility::{column_number_to_name, row_col_to_cell};
use rust_xlsxwriter::{Color, Format, FormatBorder, Formula, Workbook, Worksheet, XlsxError};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

/// Sheet names, in order.
pub const SHEETS: [&str; 8] = [
    "Summary", "Payouts", "Funds", "Fees", "Captures", "Bank", "Checks", "Journal",
];
/// Excel's row limit (one header row leaves this many for data).
const MAX_DATA_ROWS: u64 = 1_048_575;
/// Deflate level for the xlsx zip (1 = fastest).
const ZIP_LEVEL: u8 = 3;
/// Excel's cell text limit.
const MAX_TEXT: usize = 32_767;

fn xerr(e: XlsxError) -> Error {
    let io = match &e {
        XlsxError::IoError(io) => Some(io),
        // The zip writer's own error wraps the io error it met.
        other => std::error::Error::source(other).and_then(|s| s.downcast_ref::<std::io::Error>()),
    };
    if io.is_some_and(super::disk_full) {
        return Error::Io(format!(
            "{} ({e}): the workbook was not written, nothing is half a file. Free some disk space and export \
             again.",
            super::DISK_FULL
        ));
    }
    Error::Io(format!("The workbook could not be written: {e}."))
}

/// Minor units to the number a cell holds (the only place amounts become floats).
fn major(m: Minor) -> f64 {
    m as f64 / 100.0
}

struct Formats {
    title: Format,
    header: Format,
    label: Format,
    money: Format,
    money_bold: Format,
    date: Format,
    datetime: Format,
    bold: Format,
    ok: Format,
    fail: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Self {
        let money = "#,##0.00";
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xDDE6F0))
                .set_border_bottom(FormatBorder::Thin),
            label: Format::new().set_bold(),
            money: Format::new().set_num_format(money),
            money_bold: Format::new()
                .set_num_format(money)
                .set_bold()
                .set_border_top(FormatBorder::Thin),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            bold: Format::new().set_bold().set_border_top(FormatBorder::Thin),
            ok: Format::new().set_font_color(Color::RGB(0x1E7B34)).set_bold(),
            fail: Format::new().set_font_color(Color::RGB(0xC00000)).set_bold(),
            wrap: Format::new().set_text_wrap(),
        }
    }
}

/// A cell writer for one sheet that maps errors and keeps text as text.
struct Sheet<'a> {
    ws: &'a mut Worksheet,
    f: &'a Formats,
}

impl Sheet<'_> {
    /// Text from anywhere (API or ours) is written as a string cell: never a formula, never a number.
    fn text(&mut self, r: u32, c: u16, s: &str) -> Result<()> {
        if s.is_empty() {
            return Ok(());
        }
        let s = if s.len() > MAX_TEXT {
            truncate(s, MAX_TEXT)
        } else {
            s
        };
        self.ws.write_string(r, c, s).map_err(xerr)?;
        Ok(())
    }
    fn text_fmt(&mut self, r: u32, c: u16, s: &str, f: &Format) -> Result<()> {
        let s = if s.len() > MAX_TEXT {
            truncate(s, MAX_TEXT)
        } else {
            s
        };
        self.ws.write_string_with_format(r, c, s, f).map_err(xerr)?;
        Ok(())
    }
    fn money(&mut self, r: u32, c: u16, m: Minor) -> Result<()> {
        self.ws
            .write_number_with_format(r, c, major(m), &self.f.money)
            .map_err(xerr)?;
        Ok(())
    }
    fn int(&mut self, r: u32, c: u16, n: u64) -> Result<()> {
        self.ws.write_number(r, c, n as f64).map_err(xerr)?;
        Ok(())
    }
    fn date(&mut self, r: u32, c: u16, d: NaiveDate) -> Result<()> {
        self.ws
            .write_date_with_format(r, c, d, &self.f.date)
            .map_err(xerr)?;
        Ok(())
    }
    fn datetime(&mut self, r: u32, c: u16, t: NaiveDateTime) -> Result<()> {
        self.ws
            .write_datetime_with_format(r, c, t, &self.f.datetime)
            .map_err(xerr)?;
        Ok(())
    }
    /// A formula whose value Avstem computed too, stored so non-recalculating viewers show it.
    fn formula(&mut self, r: u32, c: u16, formula: &str, value: Minor, bold: bool) -> Result<()> {
        let fmt = if bold { &self.f.money_bold } else { &self.f.money };
        let f = Formula::new(formula).set_result(format_minor(value));
        self.ws.write_formula_with_format(r, c, f, fmt).map_err(xerr)?;
        Ok(())
    }
    fn header(&mut self, r: u32, cols: &[(&str, f64)]) -> Result<()> {
        for (c, (name, width)) in cols.iter().enumerate() {
            let c = c as u16;
            self.ws.set_column_width(c, *width).map_err(xerr)?;
            self.ws
                .write_string_with_format(r, c, *name, &self.f.header)
                .map_err(xerr)?;
        }
        Ok(())
    }
    /// Frozen header, autofilter over the table, header repeated on every printed page.
    fn table(&mut self, header_row: u32, last_row: u32, last_col: u16) -> Result<()> {
        self.ws.set_freeze_panes(header_row + 1, 0).map_err(xerr)?;
        self.ws
            .autofilter(header_row, 0, last_row.max(header_row), last_col)
            .map_err(xerr)?;
        self.ws.set_repeat_rows(header_row, header_row).map_err(xerr)?;
        self.ws.set_landscape();
        self.ws.set_print_fit_to_pages(1, 0);
        Ok(())
    }
}

fn truncate(s: &str, max: usize) -> &str {
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn col(c: u16) -> String {
    column_number_to_name(c)
}

fn sum_formula(c: u16, first: u32, last: u32) -> String {
    format!("=SUM({}:{})", row_col_to_cell(first, c), row_col_to_cell(last, c))
}

/// Local wall-clock time of an entry, in the ledger's time zone.
fn local(tz: Tz, t: chrono::DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&tz).naive_local()
}

/// Write the workbook for `report` to `out` (atomically), streaming the month's Funds and Fees rows
/// from `source`.
pub fn write_workbook(
    ledger: &Ledger,
    report: &MonthReport,
    bank: &BankMonth,
    source: &dyn EntrySource,
    opts: &ExportOptions,
    out: &Path,
) -> Result<ExportSummary> {
    write_workbook_with(
        ledger,
        report.month,
        &mut || Ok(Cow::Borrowed(report)),
        bank,
        source,
        opts,
        out,
    )
}

/// As [`write_workbook`], with the report produced by `report` only after the Funds and Fees sheets
/// are written — so the caller can reconcile on another thread meanwhile.
pub fn write_workbook_with<'r>(
    ledger: &Ledger,
    month: crate::model::YearMonth,
    report: &mut dyn FnMut() -> Result<Cow<'r, MonthReport>>,
    bank: &BankMonth,
    source: &dyn EntrySource,
    opts: &ExportOptions,
    out: &Path,
) -> Result<ExportSummary> {
    let mut counts = (0u64, 0u64);
    let started = std::time::Instant::now();
    let lap = |what: &str| tracing::debug!(target: "avstem_core::export", "{what} at {:.2} s", started.elapsed().as_secs_f64());
    let mut done: Option<Cow<'r, MonthReport>> = None;
    let bytes = write_atomically(out, opts.gdpr, |tmp| {
        let mut wb = Workbook::new();
        // A light deflate: a million rows save in a fraction of the time for a slightly larger file.
        wb.set_zip_compression_level(ZIP_LEVEL);
        let f = Formats::new();
        let tz = ledger.time_zone();
        let generated = local(tz, opts.clock.now());

        // Summary and Payouts come first in the file but are filled last, once the report is ready.
        wb.add_worksheet().set_name(SHEETS[0]).map_err(xerr)?;
        wb.add_worksheet().set_name(SHEETS[1]).map_err(xerr)?;

        let units = sales_unit_names(ledger);
        for (i, topic) in [(2, Topic::Funds), (3, Topic::Fees)] {
            let ws = wb.add_worksheet_with_constant_memory().map_err(xerr)?;
            ws.set_name(SHEETS[i]).map_err(xerr)?;
            let n = entries(
                &mut Sheet { ws, f: &f },
                month,
                source,
                topic,
                opts.gdpr,
                tz,
                &units,
            )?;
            match topic {
                Topic::Funds => counts.0 = n,
                Topic::Fees => counts.1 = n,
            }
            lap(SHEETS[i]);
        }

        let report = report()?;
        lap("reconciled");
        let ws = wb.worksheet_from_index(0).map_err(xerr)?;
        summary(&mut Sheet { ws, f: &f }, ledger, &report, bank, generated)?;
        let ws = wb.worksheet_from_index(1).map_err(xerr)?;
        payouts(&mut Sheet { ws, f: &f }, &report, tz)?;

        let ws = wb.add_worksheet_with_constant_memory().map_err(xerr)?;
        ws.set_name(SHEETS[4]).map_err(xerr)?;
        captures(&mut Sheet { ws, f: &f }, &report, tz, &units)?;
        lap("Captures");

        let ws = wb.add_worksheet();
        ws.set_name(SHEETS[5]).map_err(xerr)?;
        bank_sheet::bank(&mut Sheet { ws, f: &f }, bank)?;

        let sold = source.sales(ledger, month)?;
        let ws = wb.add_worksheet();
        ws.set_name(SHEETS[6]).map_err(xerr)?;
        checks(
            &mut Sheet { ws, f: &f },
            &report,
            bank,
            sold.as_ref().map(|m| &m.check),
        )?;

        let ws = wb.add_worksheet();
        ws.set_name(SHEETS[7]).map_err(xerr)?;
        // With sales data, the Journal books each payout's sales per VAT rate (issue 17).
        let vouchers = super::month_vouchers(source, ledger, &report, &opts.accounts)?;
        journal_sheet(&mut Sheet { ws, f: &f }, &vouchers, &opts.accounts)?;

        // Issue 17: what was sold, last (the other sheets keep their places), when the month has sales data.
        if let Some(m) = &sold {
            let ws = wb.add_worksheet();
            ws.set_name(sales_sheet::SALES_SHEET).map_err(xerr)?;
            sales_sheet::sales(&mut Sheet { ws, f: &f }, m)?;
        }

        wb.save(tmp).map_err(xerr)?;
        lap("saved");
        done = Some(report);
        Ok(())
    })?;
    let report = done.ok_or_else(|| Error::Io("The workbook was not written.".into()))?;
    let mut written = ExportSummary::of(out, ExportFormat::Xlsx, ledger, &report, counts, bytes);
    if bank.check.status == BankCheckStatus::Fail {
        written.failed_checks.push(bank.check.title.clone());
    }
    Ok(written)
}

/// Summary: the header block, the checks verdict, one row per ledger date, a totals row.
pub const SUMMARY_HEADER_ROW: u32 = 10;

fn summary(
    s: &mut Sheet,
    ledger: &Ledger,
    r: &MonthReport,
    bank: &BankMonth,
    generated: NaiveDateTime,
) -> Result<()> {
    let f = s.f;
    s.text_fmt(0, 0, "Vipps MobilePay reconciliation (Avstem)", &f.title)?;
    let owner = format!("{} ({})", ledger.owner.id, ledger.owner.scheme);
    let units: Vec<String> = ledger
        .sales_units
        .iter()
        .map(|u| format!("{} ({})", u.name, u.recipient_handle))
        .collect();
    let settlement = match r.settlement {
        Settlement::Net => "net (fees retained from funds)",
        Settlement::Gross => "gross (fees invoiced)",
        Settlement::Unknown => "unknown (no fees this month)",
    };
    let rows: [(&str, String); 6] = [
        ("Ledger", ledger.ledger_id.clone()),
        ("Owner", owner),
        ("Sales units", units.join(", ")),
        ("Currency", ledger.currency.clone()),
        ("Month", r.month.to_string()),
        ("Settlement", settlement.to_string()),
    ];
    for (i, (k, v)) in rows.iter().enumerate() {
        let row = 1 + i as u32;
        s.text_fmt(row, 0, k, &f.label)?;
        s.text(row, 1, v)?;
    }
    s.text_fmt(7, 0, "Generated", &f.label)?;
    // As text: a date-time in this narrow column would show as ### in viewers.
    s.text(
        7,
        1,
        &format!("{} ({})", generated.format("%Y-%m-%d %H:%M"), ledger.time_zone()),
    )?;
    s.text_fmt(8, 0, "Checks", &f.label)?;
    let failed: Vec<&str> = r.failed_checks().map(|c| c.title.as_str()).collect();
    let (verdict, ok) = bank_sheet::verdict(&failed, r.checks.len(), &bank.check);
    s.text_fmt(8, 1, &verdict, if ok { &f.ok } else { &f.fail })?;

    let h = SUMMARY_HEADER_ROW;
    s.header(
        h,
        &[
            ("Date", 12.0),
            ("Sales", 14.0),
            ("Refunds", 14.0),
            ("Net sales", 14.0),
            ("Fees charged", 13.0),
            ("Fee adjustments", 15.0),
            ("Fees retained", 13.0),
            ("Fees invoiced", 13.0),
            ("Other movements", 16.0),
            ("Net", 14.0),
            ("Payout", 14.0),
            ("Payout no.", 12.0),
            ("Status", 26.0),
        ],
    )?;
    let first = h + 1;
    for (i, d) in r.days.iter().enumerate() {
        let row = first + i as u32;
        let x = row + 1; // 1-based row in formulas
        s.date(row, 0, d.date)?;
        s.money(row, 1, d.figures.sales())?;
        s.money(row, 2, d.figures.refunds())?;
        s.formula(row, 3, &format!("=B{x}+C{x}"), d.net_sales, false)?;
        s.money(row, 4, d.figures.fees())?;
        s.money(row, 5, d.fee_adjustments)?;
        s.money(row, 6, d.figures.fees_retained())?;
        s.money(row, 7, d.fees_invoiced)?;
        s.money(row, 8, d.figures.other())?;
        s.formula(row, 9, &format!("=D{x}-G{x}+I{x}"), d.figures.net(), false)?;
        s.money(row, 10, d.figures.payout())?;
        s.text(row, 11, d.payout_label.as_deref().unwrap_or(""))?;
        s.text(row, 12, &d.status_text)?;
    }
    let last = (first + r.days.len() as u32).saturating_sub(1).max(first);
    let total = last + 1;
    s.text_fmt(total, 0, "Total", &f.bold)?;
    let t = &r.totals;
    let values = [
        t.figures.sales(),
        t.figures.refunds(),
        t.net_sales,
        t.figures.fees(),
        t.fee_adjustments,
        t.figures.fees_retained(),
        t.fees_invoiced,
        t.figures.other(),
        t.figures.net(),
        t.figures.payout(),
    ];
    for (i, v) in values.iter().enumerate() {
        let c = 1 + i as u16;
        s.formula(total, c, &sum_formula(c, first, last), *v, true)?;
    }
    s.text_fmt(total, 11, &format!("{} payout(s)", t.payout_count), &f.bold)?;

    // The checks again, so a FAIL cannot be missed.
    let mut row = total + 2;
    s.text_fmt(row, 0, "Checks", &f.label)?;
    for c in &r.checks {
        row += 1;
        // The title spills over the empty cells to its right; status and detail start further on.
        s.text(row, 0, &c.title)?;
        s.text_fmt(row, 4, c.status(), if c.ok { &f.ok } else { &f.fail })?;
        s.text(row, 5, &c.detail)?;
    }
    bank_sheet::check_row(s, row + 1, (0, 4, 5), &bank.check, false)?;
    s.ws.set_column_width(0, 12).map_err(xerr)?;
    s.table(h, last, 12)
}

fn payouts(s: &mut Sheet, r: &MonthReport, tz: Tz) -> Result<()> {
    s.header(
        0,
        &[
            ("Payout no.", 12.0),
            ("Date", 12.0),
            ("Time", 19.0),
            ("Amount", 14.0),
            ("Bank text", 34.0),
            ("First covered date", 12.0),
            ("Last covered date", 12.0),
            ("Carried in", 12.0),
            ("Net sales", 14.0),
            ("Fees retained", 13.0),
            ("Other movements", 14.0),
            ("Covered funds sum", 16.0),
            ("Difference", 12.0),
            ("Balance left", 12.0),
            ("Status", 10.0),
            ("PSP reference", 20.0),
            ("Note", 40.0),
        ],
    )?;
    for (i, p) in r.payouts.iter().enumerate() {
        let row = 1 + i as u32;
        let x = row + 1;
        s.text(row, 0, &p.label)?;
        s.date(row, 1, p.date)?;
        s.datetime(row, 2, local(tz, p.time))?;
        s.money(row, 3, p.amount)?;
        s.text(row, 4, &p.bank_text)?;
        s.date(row, 5, p.covered_from)?;
        s.date(row, 6, p.covered_to)?;
        s.money(row, 7, p.carried_in)?;
        s.money(row, 8, p.net_sales)?;
        s.money(row, 9, p.fees_retained)?;
        s.money(row, 10, p.other)?;
        s.formula(row, 11, &format!("=H{x}+I{x}-J{x}+K{x}"), p.covered_sum, false)?;
        s.formula(row, 12, &format!("=L{x}-D{x}"), p.difference, false)?;
        s.money(row, 13, p.balance_after)?;
        let (status, fmt) = if p.ok {
            ("OK", &s.f.ok)
        } else {
            ("FAIL", &s.f.fail)
        };
        s.text_fmt(row, 14, status, fmt)?;
        s.text(row, 15, &p.psp_reference)?;
        if !p.previous_payout_known {
            s.text(
                row,
                16,
                "No earlier payout cached: the first covered date is the first date Avstem has.",
            )?;
        }
    }
    let n = r.payouts.len() as u32;
    let total = n + 1;
    s.text_fmt(total, 0, "Total", &s.f.bold)?;
    if n > 0 {
        s.formula(
            total,
            3,
            &sum_formula(3, 1, n),
            r.payouts.iter().map(|p| p.amount).sum(),
            true,
        )?;
    } else {
        s.formula(total, 3, "=0", 0, true)?;
    }
    s.table(0, n.max(1), 16)
}

fn entries(
    s: &mut Sheet,
    month: crate::model::YearMonth,
    source: &dyn EntrySource,
    topic: Topic,
    gdpr: bool,
    tz: Tz,
    units: &HashMap<String, String>,
) -> Result<u64> {
    let mut cols: Vec<(&str, f64)> = vec![
        ("Ledger date", 12.0),
        ("Time", 19.0),
        ("Type", 18.0),
        ("Amount", 14.0),
        ("Balance before", 14.0),
        ("Balance after", 14.0),
        ("PSP reference", 22.0),
        ("Reference", 30.0),
        ("Sales unit", 22.0),
    ];
    if gdpr {
        cols.extend([("Customer name", 22.0), ("Phone", 14.0), ("Message", 30.0)]);
    }
    let last_col = cols.len() as u16 - 1;
    s.header(0, &cols)?;
    let mut row: u32 = 0;
    let mut unit_text: HashMap<&str, String> = HashMap::new();
    source.for_each(topic, month.first_day(), month.last_day(), &mut |e: &Entry| {
        row += 1;
        if u64::from(row) > MAX_DATA_ROWS {
            return Err(Error::Input(format!(
                "The {topic} sheet has more than Excel's {MAX_DATA_ROWS} rows. Export with --format csv instead."
            )));
        }
        s.date(row, 0, e.ledger_date)?;
        s.datetime(row, 1, local(tz, e.time))?;
        s.text(row, 2, e.entry_type.as_str())?;
        s.money(row, 3, e.amount)?;
        s.money(row, 4, e.balance_before)?;
        s.money(row, 5, e.balance_after)?;
        s.text(row, 6, &e.psp_reference)?;
        s.text(row, 7, &e.reference)?;
        if let Some(h) = &e.recipient_handle {
            match units.get_key_value(h.as_str()) {
                Some((key, name)) => {
                    let t = unit_text.entry(key.as_str()).or_insert_with(|| format!("{name} ({h})"));
                    s.ws.write_string(row, 8, t.as_str()).map_err(xerr)?;
                }
                None => s.text(row, 8, h)?,
            }
        }
        if gdpr {
            s.text(row, 9, e.name.as_deref().unwrap_or(""))?;
            s.text(row, 10, e.masked_phone_no.as_deref().unwrap_or(""))?;
            s.text(row, 11, e.message.as_deref().unwrap_or(""))?;
        }
        Ok(())
    })?;
    // Freeze, filter and print titles are stored apart from the rows, so they can follow them.
    s.table(0, row, last_col)?;
    Ok(u64::from(row))
}

fn captures(s: &mut Sheet, r: &MonthReport, tz: Tz, units: &HashMap<String, String>) -> Result<()> {
    s.header(
        0,
        &[
            ("PSP reference", 20.0),
            ("Order reference", 24.0),
            ("Capture date", 12.0),
            ("Time", 19.0),
            ("Sales unit", 22.0),
            ("Gross", 13.0),
            ("Refunded", 13.0),
            ("Fees", 11.0),
            ("Net", 13.0),
            ("Fee entries", 8.0),
            ("Last fee date", 12.0),
            ("Payout", 12.0),
            ("Payout date", 12.0),
        ],
    )?;
    let n = r.captures.len() as u32;
    if u64::from(n) + 1 > MAX_DATA_ROWS {
        return Err(Error::Input(format!(
            "The Captures sheet would need {n} rows, more than Excel allows. Export with --format csv instead."
        )));
    }
    s.table(0, n, 12)?;
    for (i, c) in r.captures.iter().enumerate() {
        let row = 1 + i as u32;
        s.text(row, 0, &c.psp_reference)?;
        s.text(row, 1, &c.reference)?;
        s.date(row, 2, c.capture_date)?;
        s.datetime(row, 3, local(tz, c.time))?;
        if let Some(h) = &c.recipient_handle {
            s.text(row, 4, units.get(h).map_or(h.as_str(), String::as_str))?;
        }
        s.money(row, 5, c.gross)?;
        s.money(row, 6, c.refunded)?;
        s.money(row, 7, c.fees)?;
        s.money(row, 8, c.net)?;
        s.int(row, 9, u64::from(c.fee_count))?;
        if let Some(d) = c.fee_date {
            s.date(row, 10, d)?;
        }
        s.text(row, 11, c.payout.as_deref().unwrap_or("not yet paid out"))?;
        if let Some(d) = c.payout_date {
            s.date(row, 12, d)?;
        }
    }
    let total = n + 1;
    s.text_fmt(total, 0, "Total", &s.f.bold)?;
    let sums = [
        r.captures.iter().map(|c| c.gross).sum::<Minor>(),
        r.captures.iter().map(|c| c.refunded).sum(),
        r.captures.iter().map(|c| c.fees).sum(),
        r.captures.iter().map(|c| c.net).sum(),
    ];
    for (i, v) in sums.iter().enumerate() {
        let c = 5 + i as u16;
        let formula = if n > 0 {
            sum_formula(c, 1, n)
        } else {
            "=0".to_string()
        };
        s.formula(total, c, &formula, *v, true)?;
    }
    Ok(())
}

fn checks(s: &mut Sheet, r: &MonthReport, bank: &BankMonth, sales: Option<&Check>) -> Result<()> {
    s.header(
        0,
        &[
            ("Check", 50.0),
            ("Status", 10.0),
            ("Detail", 90.0),
            ("Problems", 10.0),
        ],
    )?;
    for (i, c) in r.checks.iter().enumerate() {
        let row = 1 + i as u32;
        s.text(row, 0, &c.title)?;
        s.text_fmt(row, 1, c.status(), if c.ok { &s.f.ok } else { &s.f.fail })?;
        s.text_fmt(row, 2, &c.detail, &s.f.wrap)?;
        s.int(row, 3, u64::from(c.problem_count))?;
    }
    let n = r.checks.len() as u32;
    bank_sheet::check_row(s, n + 1, (0, 1, 2), &bank.check, true)?;
    s.int(n + 1, 3, u64::from(bank.check.problem_count))?;
    let mut row = n + 3;
    if let Some(c) = sales {
        sales_sheet::check_row(s, n + 2, c)?;
        row += 1;
    }
    s.ws.set_freeze_panes(1, 0).map_err(xerr)?;
    s.ws.set_repeat_rows(0, 0).map_err(xerr)?;
    s.text_fmt(row, 0, "Problems (first 200 per check)", &s.f.header)?;
    s.text_fmt(row, 1, "Status", &s.f.header)?;
    s.text_fmt(row, 2, "What is wrong", &s.f.header)?;
    for c in r.checks.iter().filter(|c| !c.ok) {
        for p in &c.problems {
            row += 1;
            s.text(row, 0, &c.title)?;
            s.text_fmt(row, 1, "FAIL", &s.f.fail)?;
            s.text(row, 2, p)?;
        }
    }
    row = bank_sheet::problem_rows(s, row, &bank.check)?;
    if let Some(c) = sales.filter(|c| !c.ok) {
        for p in &c.problems {
            row += 1;
            s.text(row, 0, &c.title)?;
            s.text_fmt(row, 1, "FAIL", &s.f.fail)?;
            s.text(row, 2, p)?;
        }
    }
    if r.all_ok && bank.check.status != BankCheckStatus::Fail && sales.is_none_or(|c| c.ok) {
        row += 1;
        s.text(row, 0, "None.")?;
    }
    Ok(())
}

fn journal_sheet(
    s: &mut Sheet,
    vouchers: &[crate::reconcile::Voucher],
    accounts: &JournalAccounts,
) -> Result<()> {
    s.header(
        0,
        &[
            ("Voucher", 9.0),
            ("Date", 12.0),
            ("Account", 10.0),
            ("Text", 70.0),
            ("Debit", 14.0),
            ("Credit", 14.0),
            ("Debits − credits", 16.0),
            ("VAT code", 10.0),
            ("VAT", 14.0),
        ],
    )?;
    let mut row = 0u32;
    for v in vouchers {
        let first = row + 1;
        // A voucher always has lines; an empty one must still not underflow.
        let last = (first + v.lines.len() as u32).saturating_sub(1).max(first);
        for l in &v.lines {
            row += 1;
            s.int(row, 0, u64::from(v.number))?;
            s.date(row, 1, v.date)?;
            s.text(row, 2, &l.account)?;
            s.text(row, 3, &l.text)?;
            if l.debit != 0 {
                s.money(row, 4, l.debit)?;
            }
            if l.credit != 0 {
                s.money(row, 5, l.credit)?;
            }
            s.text(row, 7, &l.vat_code)?;
            if let Some(vat) = &l.vat {
                s.money(row, 8, vat.amount)?;
            }
        }
        // Debits equal credits on every voucher: the formula shows 0.00, or the gap.
        let (a, b) = (first + 1, last + 1);
        s.formula(
            first,
            6,
            &format!("=SUM(E{a}:E{b})-SUM(F{a}:F{b})"),
            v.debits() - v.credits(),
            false,
        )?;
    }
    let n = row;
    s.table(0, n.max(1), 8)?;
    if n > 0 {
        let total = n + 2;
        s.text_fmt(total, 3, "Total", &s.f.bold)?;
        let (d, c): (Minor, Minor) = (
            vouchers.iter().map(|v| v.debits()).sum(),
            vouchers.iter().map(|v| v.credits()).sum(),
        );
        s.formula(total, 4, &sum_formula(4, 1, n), d, true)?;
        s.formula(total, 5, &sum_formula(5, 1, n), c, true)?;
        s.formula(
            total,
            6,
            &format!("={}{}-{}{}", col(4), total + 1, col(5), total + 1),
            d - c,
            true,
        )?;
    }
    let note_row = n + 4;
    s.text(
        note_row,
        3,
        &format!(
            "Accounts: bank {}, fees {}, sales clearing {}, suspense {}, payable {} (change them in the settings).",
            accounts.bank, accounts.fees, accounts.clearing, accounts.suspense, accounts.payable
        ),
    )?;
    if vouchers.iter().flat_map(|v| &v.lines).any(|l| l.vat.is_some()) {
        s.text(
            note_row + 1,
            3,
            "Sales per VAT rate from the Sales API (NS 4102): 3000 revenue, 3100 zero rate, output VAT \
             2700 (25 %), 2701 (15 %), 2702 (12 %); VAT codes are Skatteetaten's standard SAF-T codes.",
        )?;
    }
    Ok(())
}
