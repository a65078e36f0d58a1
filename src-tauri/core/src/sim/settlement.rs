//! The business portal's settlement report for a simulated ledger-month, in each format Avstem
//! imports (see [`crate::portal`] for the published descriptions): XML 3.0
//! (`SettlementReport-3.0.xsd`, valid against it), the CSV with sections
//! (`csv/settlement-report.csv`) and the portal's sheet as XLSX (Salgsdato … Oppgjørskonto).
//! One settlement per payout whose date is in the month, with the captures and refunds since the
//! payout before it, each with its capture fee; a gross ledger's fee invoices dated in those runs too.

use super::data::{Settlement, World};
use crate::model::{format_minor, payout_number, EntryType, Topic, YearMonth};
use crate::portal::{
    FeeInvoice, PortalSettlement, PortalTransaction, ReportFormat, SalesUnitRef, SettlementReport,
};
use crate::{Error, Result};
use chrono::{Datelike, Duration, NaiveDate};
use std::collections::HashMap;
use std::fmt::Write;

/// How far back a month's first settlement run may start (monthly payouts: a month and a day).
const RUN_LOOKBACK_DAYS: i64 = 70;

/// The month's settlement report of `ledger_id`, built from the world's entries. `None` for an
/// unknown ledger.
pub fn report_for_month(world: &World, ledger_id: &str, month: YearMonth) -> Option<SettlementReport> {
    let ledger = world.ledger(ledger_id)?;
    let profile = world.ledger_profile(ledger_id)?;
    let tz = ledger.time_zone();
    let gross = profile.settlement == Settlement::Gross;
    let from = month.first_day() - Duration::days(RUN_LOOKBACK_DAYS);
    let to = month.last_day();
    let days = |a: NaiveDate, b: NaiveDate| a.iter_days().take_while(move |d| *d <= b);
    let mut fee_of: HashMap<String, i64> = HashMap::new();
    let mut fee_invoices = Vec::new();
    for d in days(from, to + Duration::days(10)) {
        for e in world.entries(ledger_id, Topic::Fees, d) {
            match e.entry_type {
                EntryType::CaptureFee => *fee_of.entry(e.psp_reference.clone()).or_insert(0) -= e.amount,
                EntryType::FeesInvoiced if d >= month.first_day() && d <= to => {
                    fee_invoices.push(FeeInvoice {
                        id: format!("{:04}{:02}", d.year(), d.month()),
                        date: d,
                        amount: e.amount,
                        account: Some(ledger.payout_bank_account.id.clone()),
                        sales_unit: None,
                    })
                }
                _ => {}
            }
        }
    }
    let unit = ledger
        .sales_units
        .first()
        .map(|u| SalesUnitRef {
            number: u
                .recipient_handle
                .rsplit(':')
                .next()
                .unwrap_or_default()
                .to_string(),
            name: u.name.clone(),
        })
        .unwrap_or_else(|| SalesUnitRef {
            number: ledger_id.to_string(),
            name: ledger.display_name(),
        });
    for f in &mut fee_invoices {
        f.sales_unit = Some(unit.number.clone());
    }
    let mut settlements = Vec::new();
    let mut run: Vec<PortalTransaction> = Vec::new();
    let mut started = false;
    // The dates the month's settlements cover: a fee invoice goes in the file that covers its date.
    let mut covered: Option<(NaiveDate, NaiveDate)> = None;
    let mut previous_payout: Option<NaiveDate> = None;
    for d in days(from, to) {
        for e in world.entries(ledger_id, Topic::Funds, d) {
            let tx = |capture, refund, fee| PortalTransaction {
                id: e.psp_reference.clone(),
                order_id: e.reference.clone(),
                time: Some(e.time.with_timezone(&tz).fixed_offset()),
                date: d,
                sales_unit: None,
                capture,
                refund,
                fee,
            };
            match e.entry_type {
                EntryType::Capture => run.push(tx(
                    e.amount,
                    0,
                    fee_of.get(&e.psp_reference).copied().unwrap_or(0),
                )),
                EntryType::Refund => run.push(tx(0, e.amount, 0)),
                EntryType::PayoutScheduled => {
                    let transactions = std::mem::take(&mut run);
                    if let (true, Some(p)) = (started && d >= month.first_day(), previous_payout) {
                        let start = covered.map_or(p + Duration::days(1), |c| c.0);
                        covered = Some((start, d));
                        settlements.push(PortalSettlement {
                            sales_unit: unit.clone(),
                            number: payout_number(&e.psp_reference).unwrap_or_default(),
                            date: d,
                            account: Some(ledger.payout_bank_account.id.clone()),
                            currency: ledger.currency.clone(),
                            gross,
                            amount: -e.amount,
                            transactions,
                        });
                    }
                    started = true;
                    previous_payout = Some(d);
                }
                _ => {}
            }
        }
    }
    fee_invoices.retain(|f| covered.is_some_and(|(a, b)| f.date >= a && f.date <= b));
    Some(SettlementReport {
        format: ReportFormat::Xml3,
        organization_number: Some(ledger.owner.id.clone()),
        organization_name: Some(unit.name.clone()),
        period: Some((month.first_day(), to)),
        settlements,
        fee_invoices,
        ledger_rows: None,
    })
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

struct Sums {
    capture: i64,
    refund: i64,
    fee: i64,
}

fn sums(s: &PortalSettlement) -> Sums {
    Sums {
        capture: s.transactions.iter().map(|t| t.capture).sum(),
        refund: s.transactions.iter().map(|t| t.refund).sum(),
        fee: s.transactions.iter().map(|t| t.fee).sum(),
    }
}

/// The report as XML 3.0. A report with no settlement is refused (the schema needs one).
pub fn write_xml(r: &SettlementReport) -> Result<String> {
    let first = r
        .settlements
        .first()
        .ok_or_else(|| Error::Input("A settlement report needs at least one settlement.".into()))?;
    let (from, to) = r.period.unwrap_or((first.date, first.date));
    let mut x = String::new();
    let _ = writeln!(x, r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#);
    let _ = writeln!(
        x,
        r#"<SettlementReport xmlns="{}">"#,
        crate::portal::xml::NAMESPACE_3_0
    );
    let _ = writeln!(
        x,
        "<SettlementDetailsInfo><SaleUnitName>{}</SaleUnitName><SerialNumber>{}</SerialNumber>\
         <OrganizationName>{}</OrganizationName><OrganizationNumber>{}</OrganizationNumber><MainAddress></MainAddress>\
         <MainAddressZipCode></MainAddressZipCode><MainAddressCity></MainAddressCity><MainAddressCountryCode></MainAddressCountryCode>",
        esc(&first.sales_unit.name),
        esc(&first.sales_unit.number),
        esc(r.organization_name.as_deref().unwrap_or_default()),
        esc(r.organization_number.as_deref().unwrap_or_default()),
    );
    let _ = writeln!(
        x,
        "<PaymentsInfo><ReportDateFrom>{from}</ReportDateFrom><ReportDateTo>{to}</ReportDateTo>\
         <SettlementCurrencyCode>{}</SettlementCurrencyCode><SettlementAccountNum>{}</SettlementAccountNum>",
        first.currency,
        esc(first.account.as_deref().unwrap_or_default())
    );
    for s in &r.settlements {
        let _ = writeln!(
            x,
            "<SettlementInfo><SettlementDate>{}</SettlementDate><SettlementID>{}</SettlementID>\
             <SettlementCurrencyCode>{}</SettlementCurrencyCode><SettlementType>{}</SettlementType>",
            s.date,
            s.number,
            s.currency,
            if s.gross { "Gross" } else { "Net" }
        );
        for t in &s.transactions {
            let time = t
                .time
                .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string())
                .unwrap_or_else(|| format!("{}T12:00:00", t.date));
            let _ = writeln!(
                x,
                "<TransactionInfo><TransactionTime>{time}</TransactionTime><TransactionCaptureAmount>{}</TransactionCaptureAmount>\
                 <TransactionRefundAmount>{}</TransactionRefundAmount><TransactionGrossAmount>{}</TransactionGrossAmount>\
                 <TransactionNetAmount>{}</TransactionNetAmount><TransactionFeeAmount>{}</TransactionFeeAmount>\
                 <SettlementCurrencyCode>{}</SettlementCurrencyCode><TransactionID>{}</TransactionID><OrderID>{}</OrderID></TransactionInfo>",
                format_minor(t.capture),
                format_minor(t.refund),
                format_minor(t.capture + t.refund),
                format_minor(t.capture + t.refund - t.fee),
                format_minor(t.fee),
                s.currency,
                esc(&t.id),
                esc(&t.order_id)
            );
        }
        let m = sums(s);
        let _ = writeln!(
            x,
            "<NumOfTransactions>{}</NumOfTransactions><CaptureSettlementAmount>{}</CaptureSettlementAmount>\
             <RefundSettlementAmount>{}</RefundSettlementAmount><GrossSettlementAmount>{}</GrossSettlementAmount>\
             <NetSettlementAmount>{}</NetSettlementAmount><FeeSettlementAmount>{}</FeeSettlementAmount>\
             <SettledAmount>{}</SettledAmount></SettlementInfo>",
            s.transactions.len(),
            format_minor(m.capture),
            format_minor(m.refund),
            format_minor(m.capture + m.refund),
            format_minor(m.capture + m.refund - m.fee),
            format_minor(m.fee),
            format_minor(s.amount)
        );
    }
    let _ = write!(x, "<NumOfSettlements>{}</NumOfSettlements>", r.settlements.len());
    if !r.fee_invoices.is_empty() {
        x.push_str("<FeeDetailsInfo>");
        for f in &r.fee_invoices {
            let _ = write!(
                x,
                "<FeeInfo><FeeDate>{}</FeeDate><FeeID>{}</FeeID><FeeAmount>{}</FeeAmount><FeeAccount>{}</FeeAccount><FeeType>Invoice</FeeType></FeeInfo>",
                f.date,
                esc(&f.id),
                format_minor(f.amount),
                esc(f.account.as_deref().unwrap_or_default())
            );
        }
        x.push_str("</FeeDetailsInfo>");
    }
    x.push_str(
        "</PaymentsInfo></SettlementDetailsInfo>\n<VippsInfo><Name>Vipps AS</Name><WebSite>vipps.no</WebSite>\
         <VisitingAddress>Dronning Eufemias Gate 42</VisitingAddress><PostBox></PostBox><PostAddress>N-0191 Oslo</PostAddress>\
         <Country>Norway</Country></VippsInfo>\n</SettlementReport>\n",
    );
    Ok(x)
}

fn no_date(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// The report as the CSV with sections (comma-delimited, decimal point).
pub fn write_csv(r: &SettlementReport) -> Result<String> {
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    let io = |e: csv::Error| Error::Io(format!("The settlement report could not be written ({e})."));
    let mut row = |fields: Vec<String>| w.write_record(&fields).map_err(io);
    let s = |v: &str| v.to_string();
    row(vec![s("OrganizationNumber"), s("MerchantName")])?;
    row(vec![
        r.organization_number.clone().unwrap_or_default(),
        r.organization_name.clone().unwrap_or_default(),
    ])?;
    row([
        "SettlementInfo",
        "SalesUnitName",
        "SaleUnitNumber",
        "SettlementDate",
        "SettlementID",
        "SettlementAccount",
        "Gross",
        "Currency",
        "Fee",
        "Refund",
        "Net",
        "NumberOfTransactions",
    ]
    .map(s)
    .to_vec())?;
    for p in &r.settlements {
        let m = sums(p);
        row(vec![
            s("SettlementInfo"),
            p.sales_unit.name.clone(),
            p.sales_unit.number.clone(),
            no_date(p.date),
            p.number.to_string(),
            p.account.clone().unwrap_or_default(),
            format_minor(m.capture),
            p.currency.clone(),
            format_minor(-m.fee),
            format_minor(m.refund),
            format_minor(p.amount),
            p.transactions.len().to_string(),
        ])?;
    }
    row([
        "FeeInfo",
        "SettlementDate",
        "SaleUnitName",
        "SaleUnitNumber",
        "FeeAccount",
        "Fee",
        "Currency",
    ]
    .map(s)
    .to_vec())?;
    let unit = r.settlements.first().map(|p| p.sales_unit.clone());
    for f in &r.fee_invoices {
        row(vec![
            s("FeeInfo"),
            no_date(f.date),
            unit.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
            f.sales_unit.clone().unwrap_or_default(),
            f.account.clone().unwrap_or_default(),
            format_minor(-f.amount),
            r.settlements
                .first()
                .map(|p| p.currency.clone())
                .unwrap_or_default(),
        ])?;
    }
    row([
        "TransactionInfo",
        "SalesDate",
        "SaleUnitName",
        "SaleUnitNumber",
        "TransactionId",
        "SettlementId",
        "OrderID",
        "SettlementDate",
        "Gross",
        "Currency",
        "Fee",
        "Refund",
        "Net",
    ]
    .map(s)
    .to_vec())?;
    for p in &r.settlements {
        for t in &p.transactions {
            row(vec![
                s("TransactionInfo"),
                no_date(t.date),
                p.sales_unit.name.clone(),
                p.sales_unit.number.clone(),
                t.id.clone(),
                p.number.to_string(),
                t.order_id.clone(),
                no_date(p.date),
                format_minor(t.capture),
                p.currency.clone(),
                format_minor(-t.fee),
                format_minor(t.refund),
                format_minor(t.capture + t.refund - t.fee),
            ])?;
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Io(format!("The settlement report could not be written ({e}).")))?;
    String::from_utf8(bytes).map_err(|e| Error::Io(e.to_string()))
}

/// The report as the portal's sheet (XLSX, Norwegian columns, amounts as numbers).
pub fn write_xlsx(r: &SettlementReport) -> Result<Vec<u8>> {
    use rust_xlsxwriter::Workbook;
    let err = |e: rust_xlsxwriter::XlsxError| {
        Error::Io(format!("The settlement report could not be written ({e})."))
    };
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let money = |m: i64| m as f64 / 100.0;
    sheet.write_string(0, 0, "Oppgjørsrapport").map_err(err)?;
    let head = [
        ("Bedriften", r.organization_name.clone().unwrap_or_default()),
        (
            "Organisasjonsnummer",
            r.organization_number.clone().unwrap_or_default(),
        ),
        ("Fra dato", r.period.map(|p| no_date(p.0)).unwrap_or_default()),
        ("Til dato", r.period.map(|p| no_date(p.1)).unwrap_or_default()),
    ];
    for (i, (k, v)) in head.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        sheet.write_string(row, 0, *k).map_err(err)?;
        sheet.write_string(row, 2, v.as_str()).map_err(err)?;
    }
    let columns = [
        "Salgsdato",
        "Salgssted",
        "Vippsnummer",
        "Produkt",
        "Transaksjons-ID",
        "Ordre-ID",
        "Brutto",
        "Gebyr",
        "Netto",
        "Transaksjonstype",
        "Oppgjørs-ID",
        "Oppgjørsdato",
        "Oppgjørssum",
        "Oppgjørskonto",
    ];
    for (c, name) in columns.iter().enumerate() {
        sheet.write_string(7, c as u16, *name).map_err(err)?;
    }
    let mut row: u32 = 8;
    for p in &r.settlements {
        for t in &p.transactions {
            let gross = t.capture + t.refund;
            sheet.write_string(row, 0, no_date(t.date)).map_err(err)?;
            sheet
                .write_string(row, 1, p.sales_unit.name.as_str())
                .map_err(err)?;
            sheet
                .write_string(row, 2, p.sales_unit.number.as_str())
                .map_err(err)?;
            sheet.write_string(row, 3, "Vipps Bedrift").map_err(err)?;
            sheet.write_string(row, 4, t.id.as_str()).map_err(err)?;
            sheet.write_string(row, 5, t.order_id.as_str()).map_err(err)?;
            sheet.write_number(row, 6, money(gross)).map_err(err)?;
            sheet.write_number(row, 7, money(-t.fee)).map_err(err)?;
            sheet.write_number(row, 8, money(gross - t.fee)).map_err(err)?;
            sheet
                .write_string(row, 9, if t.refund != 0 { "Refusjon" } else { "Salg" })
                .map_err(err)?;
            sheet.write_string(row, 10, p.number.to_string()).map_err(err)?;
            sheet.write_string(row, 11, no_date(p.date)).map_err(err)?;
            row += 1;
        }
        sheet
            .write_string(
                row,
                0,
                if p.gross {
                    "Til utbetaling brutto"
                } else {
                    "Til utbetaling netto"
                },
            )
            .map_err(err)?;
        sheet
            .write_string(row, 1, p.sales_unit.name.as_str())
            .map_err(err)?;
        sheet
            .write_string(row, 2, p.sales_unit.number.as_str())
            .map_err(err)?;
        sheet.write_string(row, 10, p.number.to_string()).map_err(err)?;
        sheet.write_string(row, 11, no_date(p.date)).map_err(err)?;
        sheet.write_number(row, 12, money(p.amount)).map_err(err)?;
        sheet
            .write_string(row, 13, p.account.clone().unwrap_or_default())
            .map_err(err)?;
        row += 2;
    }
    book.save_to_buffer().map_err(err)
}
