//! The XML settlement report, versions 3.0 and 2.0, read with quick-xml + serde. Schemas:
//! `tests/fixtures/portal/SettlementReport-{3.0,2.0}.xsd` (vippsas/vipps-developers@2f9248f,
//! `downloads/settlements/xml/`, see NOTICE.md). v3.0's rules, from its comments: capture ≥ 0,
//! refund ≤ 0, fee ≥ 0, gross = capture + refund, net = gross − fee, each `…SettlementAmount` the sum
//! of its transactions', `SettledAmount` the net or gross amount by `SettlementType`.

use super::{add, damaged, not_a_report, parse_amount, parse_date, FeeInvoice, PortalSettlement};
use super::{PortalTransaction, ReportFormat, SalesUnitRef, SettlementReport};
use crate::model::Minor;
use crate::{Error, Result};
use chrono::DateTime;
use quick_xml::events::Event;
use serde::Deserialize;

pub const NAMESPACE_3_0: &str = "http://vipps.no/xmlschema/SettlementReport-3.0.xsd";
pub const NAMESPACE_2_0: &str = "http://vipps.dnb.no/XMLSchema/SettlementReport.xsd";

#[derive(Deserialize)]
struct Report {
    #[serde(rename = "SettlementDetailsInfo", default)]
    details: Vec<Details>,
}

#[derive(Deserialize)]
struct Details {
    #[serde(rename = "SaleUnitName", default)]
    sale_unit_name: String,
    #[serde(rename = "SerialNumber", default)]
    serial_number: String,
    #[serde(rename = "OrganizationName")]
    organization_name: Option<String>,
    #[serde(rename = "OrganizationNumber")]
    organization_number: Option<String>,
    #[serde(rename = "PaymentsInfo")]
    payments: Option<Payments>,
}

#[derive(Deserialize)]
struct Payments {
    #[serde(rename = "ReportDateFrom")]
    from: Option<String>,
    #[serde(rename = "ReportDateTo")]
    to: Option<String>,
    #[serde(rename = "SettlementCurrencyCode", default)]
    currency: String,
    #[serde(rename = "SettlementAccountNum")]
    account: Option<String>,
    #[serde(rename = "NumOfSettlements")]
    count: Option<String>,
    #[serde(rename = "SettlementInfo", default)]
    settlements: Vec<Settlement>,
    #[serde(rename = "FeeDetailsInfo")]
    fees: Option<FeeDetails>,
}

#[derive(Deserialize)]
struct FeeDetails {
    #[serde(rename = "FeeInfo", default)]
    fees: Vec<Fee>,
}

#[derive(Deserialize)]
struct Fee {
    #[serde(rename = "FeeDate", default)]
    date: String,
    #[serde(rename = "FeeID", default)]
    id: String,
    #[serde(rename = "FeeAmount", default)]
    amount: String,
    #[serde(rename = "FeeAccount")]
    account: Option<String>,
}

/// Both versions' fields: v3.0 `SettlementDate`, v2.0 `SettlementBatchDate`; v2.0 has no type,
/// capture, refund or settled amount.
#[derive(Deserialize)]
struct Settlement {
    #[serde(rename = "SettlementDate")]
    date: Option<String>,
    #[serde(rename = "SettlementBatchDate")]
    batch_date: Option<String>,
    #[serde(rename = "SettlementID", default)]
    id: String,
    #[serde(rename = "SettlementCurrencyCode")]
    currency: Option<String>,
    #[serde(rename = "SettlementType")]
    kind: Option<String>,
    #[serde(rename = "TransactionInfo", default)]
    transactions: Vec<Transaction>,
    #[serde(rename = "NumOfTransactions")]
    count: Option<String>,
    #[serde(rename = "CaptureSettlementAmount")]
    capture: Option<String>,
    #[serde(rename = "RefundSettlementAmount")]
    refund: Option<String>,
    #[serde(rename = "GrossSettlementAmount")]
    gross: Option<String>,
    #[serde(rename = "NetSettlementAmount")]
    net: Option<String>,
    #[serde(rename = "FeeSettlementAmount")]
    fee: Option<String>,
    #[serde(rename = "SettledAmount")]
    settled: Option<String>,
}

#[derive(Deserialize)]
struct Transaction {
    #[serde(rename = "TransactionTime")]
    time: Option<String>,
    #[serde(rename = "TransactionDate")]
    date: Option<String>,
    #[serde(rename = "TransactionCaptureAmount")]
    capture: Option<String>,
    #[serde(rename = "TransactionRefundAmount")]
    refund: Option<String>,
    #[serde(rename = "TransactionGrossAmount")]
    gross: Option<String>,
    #[serde(rename = "TransactionNetAmount")]
    net: Option<String>,
    #[serde(rename = "TransactionFeeAmount")]
    fee: Option<String>,
    #[serde(rename = "TransactionID", default)]
    id: String,
    #[serde(rename = "OrderID")]
    order_id: Option<String>,
}

/// The root element's name and namespace, after checking the whole file is well-formed XML (a
/// file cut off mid-way fails here, with its position).
fn root_of(name: &str, text: &str) -> Result<(String, String)> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut root: Option<(String, String)> = None;
    let mut depth: u64 = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                if root.is_none() {
                    let ns = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == "xmlns")
                        .map(|a| a.value.to_string())
                        .unwrap_or_default();
                    let local = e.local_name().as_ref().to_string();
                    root = Some((local, ns));
                }
                depth += 1;
            }
            Ok(Event::Empty(e)) if root.is_none() => {
                let local = e.local_name().as_ref().to_string();
                root = Some((local, String::new()));
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                return Err(match root {
                    Some(_) => damaged(
                        name,
                        &format!(
                            "the XML breaks off or is damaged at byte {} ({e})",
                            reader.buffer_position()
                        ),
                    ),
                    None => not_a_report(name, "it is not readable XML"),
                })
            }
        }
    }
    match root {
        Some(_) if depth > 0 => Err(damaged(name, "the XML ends before its last element is closed")),
        Some(r) => Ok(r),
        None => Err(not_a_report(name, "the XML file holds no element")),
    }
}

/// Read an XML settlement report (v3.0 or v2.0).
pub fn parse(name: &str, bytes: &[u8]) -> Result<SettlementReport> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| not_a_report(name, "the XML is not UTF-8 text"))?
        .trim_start_matches('\u{feff}');
    let (root, ns) = root_of(name, text)?;
    if root != "SettlementReport" {
        return Err(not_a_report(
            name,
            &format!("its XML is a <{root}>, not a <SettlementReport>"),
        ));
    }
    let format = match ns.as_str() {
        NAMESPACE_3_0 => ReportFormat::Xml3,
        NAMESPACE_2_0 => ReportFormat::Xml2,
        other => return Err(unknown_version(name, other)),
    };
    let doc: Report = quick_xml::de::from_str(text).map_err(|e| {
        damaged(
            name,
            &format!("its XML does not follow the settlement report schema ({e})"),
        )
    })?;
    let mut report = SettlementReport {
        format,
        organization_number: None,
        organization_name: None,
        period: None,
        settlements: Vec::new(),
        fee_invoices: Vec::new(),
        ledger_rows: None,
    };
    for d in doc.details {
        details(name, format, d, &mut report)?;
    }
    if report.settlements.is_empty() && report.fee_invoices.is_empty() {
        return Err(Error::Input(format!(
            "{name} is a settlement report with no settlements in it: there is nothing to import."
        )));
    }
    Ok(report)
}

fn unknown_version(name: &str, ns: &str) -> Error {
    let version = ns
        .rsplit_once("SettlementReport-")
        .map(|(_, v)| v.trim_end_matches(".xsd").to_string())
        .filter(|v| !v.is_empty());
    let shown = match version {
        Some(v) => format!("format version {v}"),
        None if ns.is_empty() => "a format without a namespace".to_string(),
        None => format!("a format Avstem does not know (namespace {ns})"),
    };
    Error::Input(format!(
        "{name} is a settlement report in {shown}; Avstem reads versions 3.0 and 2.0. Download the report as XML 3.0, CSV or XLSX from the business portal. Nothing was imported."
    ))
}

fn details(name: &str, format: ReportFormat, d: Details, report: &mut SettlementReport) -> Result<()> {
    report.organization_number = report.organization_number.take().or(d.organization_number);
    report.organization_name = report.organization_name.take().or(d.organization_name);
    let payments = d.payments.ok_or_else(|| {
        damaged(
            name,
            &format!("sales unit {} has no PaymentsInfo", d.serial_number),
        )
    })?;
    if let (Some(f), Some(t)) = (
        payments.from.as_deref().and_then(parse_date),
        payments.to.as_deref().and_then(parse_date),
    ) {
        let (f0, t0) = report.period.unwrap_or((f, t));
        report.period = Some((f0.min(f), t0.max(t)));
    }
    let unit = SalesUnitRef {
        number: d.serial_number.trim().to_string(),
        name: d.sale_unit_name.trim().to_string(),
    };
    if let Some(n) = payments.count.as_deref().map(str::trim) {
        if n.parse::<usize>().ok() != Some(payments.settlements.len()) {
            return Err(damaged(
                name,
                &format!(
                    "it states {n} settlement(s) but holds {}",
                    payments.settlements.len()
                ),
            ));
        }
    }
    let account = payments
        .account
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty());
    for s in payments.settlements {
        let currency = s.currency.clone().unwrap_or_else(|| payments.currency.clone());
        report
            .settlements
            .push(settlement(name, format, s, &unit, account.clone(), currency)?);
    }
    for f in payments.fees.map(|f| f.fees).unwrap_or_default() {
        let date = parse_date(&f.date).ok_or_else(|| damaged(name, &format!("fee {} has no date", f.id)))?;
        let amount = money(name, "FeeAmount", Some(&f.amount))?.abs();
        report.fee_invoices.push(FeeInvoice {
            id: f.id.trim().to_string(),
            date,
            amount,
            account: f.account.map(|a| a.trim().to_string()),
            sales_unit: Some(unit.number.clone()),
        });
    }
    Ok(())
}

fn money(name: &str, field: &str, raw: Option<&str>) -> Result<Minor> {
    let raw = raw.map(str::trim).unwrap_or_default();
    parse_amount(raw).ok_or_else(|| damaged(name, &format!("{field} \"{raw}\" is not an amount")))
}

/// Stated totals of a settlement against the sums of its transactions.
#[derive(Default)]
struct Sums {
    capture: Minor,
    refund: Minor,
    fee: Minor,
    count: usize,
}

fn settlement(
    name: &str,
    format: ReportFormat,
    s: Settlement,
    unit: &SalesUnitRef,
    account: Option<String>,
    currency: String,
) -> Result<PortalSettlement> {
    let id = s.id.trim().to_string();
    let number: u64 = id
        .parse()
        .map_err(|_| damaged(name, &format!("SettlementID \"{id}\" is not a number")))?;
    let date = s
        .date
        .as_deref()
        .or(s.batch_date.as_deref())
        .and_then(parse_date)
        .ok_or_else(|| damaged(name, &format!("settlement {id} has no readable date")))?;
    let mut sums = Sums::default();
    let mut transactions = Vec::with_capacity(s.transactions.len());
    for t in &s.transactions {
        let tx = transaction(name, format, t, &id)?;
        sums.capture = add(sums.capture, tx.capture, name)?;
        sums.refund = add(sums.refund, tx.refund, name)?;
        sums.fee = add(sums.fee, tx.fee, name)?;
        sums.count += 1;
        transactions.push(tx);
    }
    let gross_sum = add(sums.capture, sums.refund, name)?;
    let net_sum = gross_sum
        .checked_sub(sums.fee)
        .ok_or_else(|| damaged(name, "its amounts do not fit"))?;
    let stated = |field: &str, raw: &Option<String>, sum: Minor| -> Result<()> {
        match raw {
            Some(r) if money(name, field, Some(r))?.abs() != sum.abs() => Err(damaged(
                name,
                &format!(
                    "settlement {id} states {field} {} but its transactions add up to {}",
                    r.trim(),
                    crate::model::format_minor(sum)
                ),
            )),
            _ => Ok(()),
        }
    };
    if let Some(n) = s.count.as_deref().map(str::trim) {
        if n.parse::<usize>().ok() != Some(sums.count) {
            return Err(damaged(
                name,
                &format!(
                    "settlement {id} states {n} transaction(s) but holds {}",
                    sums.count
                ),
            ));
        }
    }
    stated("CaptureSettlementAmount", &s.capture, sums.capture)?;
    stated("RefundSettlementAmount", &s.refund, sums.refund)?;
    stated("FeeSettlementAmount", &s.fee, sums.fee)?;
    stated("GrossSettlementAmount", &s.gross, gross_sum)?;
    stated("NetSettlementAmount", &s.net, net_sum)?;
    let gross = match s.kind.as_deref().map(str::trim) {
        Some("Gross") => true,
        Some("Net") | None => false,
        Some(other) => {
            return Err(damaged(
                name,
                &format!("settlement {id} has SettlementType \"{other}\" (Net or Gross)"),
            ))
        }
    };
    let amount = match &s.settled {
        Some(r) => money(name, "SettledAmount", Some(r))?,
        None if gross => gross_sum,
        None => net_sum,
    };
    let expected = if gross { gross_sum } else { net_sum };
    if amount != expected {
        return Err(damaged(
            name,
            &format!(
                "settlement {id} pays out {} but its {} transactions add up to {}",
                crate::model::format_minor(amount),
                if gross { "gross" } else { "net" },
                crate::model::format_minor(expected)
            ),
        ));
    }
    Ok(PortalSettlement {
        sales_unit: unit.clone(),
        number,
        date,
        account,
        currency,
        gross,
        amount,
        transactions,
    })
}

fn transaction(
    name: &str,
    format: ReportFormat,
    t: &Transaction,
    settlement: &str,
) -> Result<PortalTransaction> {
    let id = t.id.trim().to_string();
    if id.is_empty() {
        return Err(damaged(
            name,
            &format!("a transaction of settlement {settlement} has no TransactionID"),
        ));
    }
    let time = t.time.as_deref().map(str::trim).map(DateTime::parse_from_rfc3339);
    let time = match time {
        Some(Ok(t)) => Some(t),
        Some(Err(_)) => {
            return Err(damaged(
                name,
                &format!("transaction {id} has an unreadable TransactionTime"),
            ))
        }
        None => None,
    };
    let date = match time {
        Some(t) => t.date_naive(),
        None => t
            .date
            .as_deref()
            .and_then(parse_date)
            .ok_or_else(|| damaged(name, &format!("transaction {id} has no readable date")))?,
    };
    let gross = money(name, "TransactionGrossAmount", t.gross.as_deref())?;
    let fee = money(name, "TransactionFeeAmount", t.fee.as_deref())?.abs();
    let (capture, refund) = match format {
        ReportFormat::Xml3 => (
            money(name, "TransactionCaptureAmount", t.capture.as_deref())?,
            money(name, "TransactionRefundAmount", t.refund.as_deref())?,
        ),
        _ if gross < 0 => (0, gross),
        _ => (gross, 0),
    };
    let rule = |ok: bool, what: &str| -> Result<()> {
        if ok {
            Ok(())
        } else {
            Err(damaged(name, &format!("transaction {id}: {what}")))
        }
    };
    rule(
        capture >= 0 && refund <= 0,
        "a capture below zero or a refund above zero",
    )?;
    rule(
        capture.checked_add(refund) == Some(gross),
        "gross is not capture + refund",
    )?;
    if let Some(net) = t.net.as_deref() {
        rule(
            gross.checked_sub(fee) == Some(money(name, "TransactionNetAmount", Some(net))?),
            "net is not gross − fee",
        )?;
    }
    Ok(PortalTransaction {
        id,
        order_id: t.order_id.clone().unwrap_or_default().trim().to_string(),
        time,
        date,
        sales_unit: None,
        capture,
        refund,
        fee,
    })
}

#[cfg(test)]
pub(crate) mod tests;
