//! The month's Funds and Fees rows as a CSV in the column order of the business portal's
//! settlement report: UTF-8 with BOM, `;` separated, decimal comma, CRLF line ends.
//!
//! Columns (report-api.md §10): Sales unit; MSN/Vipps number; Country; Payment solution; Time;
//! Booking date; Type; Amount; Balance; Fee; Net amount; Currency; Customer name; Customer phone
//! number; Message; Category; PSP reference; Order ID/Reference.
//! - Time is local to the ledger (`YYYY-MM-DD HH:MM:SS`), Booking date is the ledger date.
//! - Amount and Balance (after) are in major units with a decimal comma, as Nordic spreadsheets read them.
//! - Fee is filled on funds `capture` rows: the capture fees matched by pspReference (negative);
//!   Net amount = Amount + Fee. On other rows Fee is empty and Net amount = Amount.
//! - Category is `Funds` or `Fees` (which report the row comes from).
//! - Customer name, phone and message stay empty unless GDPR data was asked for.
//! - Text from the API gets the formula-injection guard described in `export`.

use super::{
    guard_text, sales_unit_names, write_atomically, EntrySource, ExportFormat, ExportOptions, ExportSummary,
};
use crate::model::{Entry, EntryType, Ledger, Minor, Topic};
use crate::reconcile::MonthReport;
use crate::{Error, Result};
use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::Path;

pub const COLUMNS: [&str; 18] = [
    "Sales unit",
    "MSN/Vipps number",
    "Country",
    "Payment solution",
    "Time",
    "Booking date",
    "Type",
    "Amount",
    "Balance",
    "Fee",
    "Net amount",
    "Currency",
    "Customer name",
    "Customer phone number",
    "Message",
    "Category",
    "PSP reference",
    "Order ID/Reference",
];

/// "288,00", "-100,00", "-0,05".
pub fn decimal_comma(m: Minor) -> String {
    crate::model::format_minor(m).replace('.', ",")
}

/// One CSV field: guarded if it is API text, quoted when it holds `;`, `"` or a line break.
fn field(out: &mut String, s: &str, api_text: bool) {
    let s = if api_text {
        guard_text(s)
    } else {
        std::borrow::Cow::Borrowed(s)
    };
    if s.contains([';', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&s);
    }
}

fn io(e: std::io::Error) -> Error {
    Error::Io(format!("The CSV file could not be written: {e}."))
}

/// Write the settlement-report CSV (atomically) for `report`'s month, streaming rows from `source`.
pub fn write_settlement_csv(
    ledger: &Ledger,
    report: &MonthReport,
    source: &dyn EntrySource,
    opts: &ExportOptions,
    out: &Path,
) -> Result<ExportSummary> {
    let units = sales_unit_names(ledger);
    let tz = ledger.time_zone();
    let fees: HashMap<&str, Minor> = report
        .captures
        .iter()
        .map(|c| (c.psp_reference.as_str(), c.fees))
        .collect();
    let mut counts = (0u64, 0u64);
    let bytes = write_atomically(out, opts.gdpr, |tmp| {
        let file = std::fs::File::create(tmp).map_err(io)?;
        let mut w = BufWriter::with_capacity(1 << 16, file);
        w.write_all("\u{FEFF}".as_bytes()).map_err(io)?;
        w.write_all(COLUMNS.join(";").as_bytes()).map_err(io)?;
        w.write_all(b"\r\n").map_err(io)?;
        let mut line = String::with_capacity(512);
        for topic in Topic::ALL {
            let mut n = 0u64;
            source.for_each(
                topic,
                report.month.first_day(),
                report.month.last_day(),
                &mut |e: &Entry| {
                    n += 1;
                    line.clear();
                    row(&mut line, e, ledger, &units, tz, &fees, opts.gdpr);
                    w.write_all(line.as_bytes()).map_err(io)
                },
            )?;
            match topic {
                Topic::Funds => counts.0 = n,
                Topic::Fees => counts.1 = n,
            }
        }
        w.flush().map_err(io)?;
        Ok(())
    })?;
    Ok(ExportSummary::of(
        out,
        ExportFormat::Csv,
        ledger,
        report,
        counts,
        bytes,
    ))
}

fn row(
    line: &mut String,
    e: &Entry,
    ledger: &Ledger,
    units: &HashMap<String, String>,
    tz: chrono_tz::Tz,
    fees: &HashMap<&str, Minor>,
    gdpr: bool,
) {
    let handle = e.recipient_handle.as_deref().unwrap_or("");
    let (prefix, number) = handle.split_once(':').unwrap_or(("", handle));
    let country = match prefix {
        "NO" | "DK" | "FI" => prefix.to_string(),
        _ => match ledger.currency.as_str() {
            "DKK" => "DK".to_string(),
            "EUR" => "FI".to_string(),
            _ => "NO".to_string(),
        },
    };
    let solution = match prefix {
        "" => "",
        "api" => "API",
        _ => "Vipps number / MyShop",
    };
    let fee = match (e.topic, &e.entry_type) {
        (Topic::Funds, EntryType::Capture) => fees.get(e.psp_reference.as_str()).map(|f| -f),
        _ => None,
    };
    let time = e
        .time
        .with_timezone(&tz)
        .naive_local()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    let (name, phone, message) = if gdpr {
        (
            e.name.as_deref(),
            e.masked_phone_no.as_deref(),
            e.message.as_deref(),
        )
    } else {
        (None, None, None)
    };
    let cells: [(&str, bool); 18] = [
        (units.get(handle).map_or("", String::as_str), true),
        (number, true),
        (&country, false),
        (solution, false),
        (&time, false),
        (&e.ledger_date.to_string(), false),
        (e.entry_type.as_str(), true),
        (&decimal_comma(e.amount), false),
        (&decimal_comma(e.balance_after), false),
        (&fee.map(decimal_comma).unwrap_or_default(), false),
        (&decimal_comma(e.amount + fee.unwrap_or(0)), false),
        (&e.currency, true),
        (name.unwrap_or(""), true),
        (phone.unwrap_or(""), true),
        (message.unwrap_or(""), true),
        (if e.topic == Topic::Funds { "Funds" } else { "Fees" }, false),
        (&e.psp_reference, true),
        (&e.reference, true),
    ];
    for (i, (s, api)) in cells.iter().enumerate() {
        if i > 0 {
            line.push(';');
        }
        field(line, s, *api);
    }
    line.push_str("\r\n");
}
