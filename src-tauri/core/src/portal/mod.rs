//! The settlement reports the business portal (and its SFTP report service) hands out, for sales
//! units without API keys: read from XML (v2.0, v3.0), CSV or XLSX into one [`SettlementReport`],
//! turned into ledger entries ([`entries`]) and stored beside the API's ([`import`]).
//!
//! Formats as the provider documented them, with samples and schemas, in `vippsas/vipps-developers`
//! at commit 2f9248f (`downloads/settlements/`, described in `settlements/README.md`; vendored in
//! `tests/fixtures/portal/`, see NOTICE.md there):
//! - [`xml`][]: `SettlementReport-3.0.xsd` (namespace `http://vipps.no/xmlschema/SettlementReport-3.0.xsd`)
//!   and `SettlementReport-2.0.xsd` (`http://vipps.dnb.no/XMLSchema/SettlementReport.xsd`);
//! - [`table`][]: the CSV with `SettlementInfo` / `TransactionInfo` sections (`csv/settlement-report.csv`)
//!   and the portal's sheet with Norwegian columns (Salgsdato … Oppgjørskonto, the `xlsx/` samples),
//!   read from CSV ([`table::parse_csv`]) or XLSX ([`table::parse_xlsx`]);
//! - [`ledger_rows`][]: the newer report with one row per entry and its balance (report-api.md §11),
//!   from CSV or XLSX.

pub mod entries;
pub mod import;
pub mod ledger_rows;
pub mod table;
pub mod xml;

pub use import::{import_files, import_report, PortalFileOutcome, PortalImport, PortalImportOptions};

use crate::model::Minor;
use crate::{Error, Result};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

/// Larger files are refused before they are read (a year of a busy sales unit is a few MB).
pub const MAX_REPORT_BYTES: u64 = 100 * 1024 * 1024;

/// Which of the portal's formats a report came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ReportFormat {
    /// XML, `SettlementReport-3.0.xsd`.
    Xml3,
    /// XML, `SettlementReport-2.0.xsd` (the DNB-era namespace).
    Xml2,
    Csv,
    Xlsx,
}

impl ReportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::Xml3 => "xml-3.0",
            ReportFormat::Xml2 => "xml-2.0",
            ReportFormat::Csv => "csv",
            ReportFormat::Xlsx => "xlsx",
        }
    }
}

/// One settlement report: its sales units' settlements (payouts) and any fee invoices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementReport {
    pub format: ReportFormat,
    pub organization_number: Option<String>,
    pub organization_name: Option<String>,
    /// ReportDateFrom / ReportDateTo (Fra dato / Til dato), when the file names them.
    pub period: Option<(NaiveDate, NaiveDate)>,
    pub settlements: Vec<PortalSettlement>,
    /// Gross settlement: the fees invoiced (XML FeeInfo, CSV FeeInfo rows).
    pub fee_invoices: Vec<FeeInvoice>,
    /// The newer report's entry rows (report-api.md §11), in place of settlements.
    pub ledger_rows: Option<ledger_rows::LedgerRows>,
}

/// A sales unit as a report names it: the MSN or Vippsnummer and its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SalesUnitRef {
    pub number: String,
    pub name: String,
}

/// One settlement: a payout of one sales unit and the transactions it pays out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalSettlement {
    pub sales_unit: SalesUnitRef,
    /// SettlementID / Oppgjørs-ID: the payout number (2000001 upward).
    pub number: u64,
    pub date: NaiveDate,
    pub account: Option<String>,
    pub currency: String,
    /// SettlementType Gross: fees are invoiced, the payout is the gross amount.
    pub gross: bool,
    /// What reaches the bank (SettledAmount, Oppgjørssum, the CSV's Net): positive.
    pub amount: Minor,
    pub transactions: Vec<PortalTransaction>,
}

/// One payment (or refund) of a settlement, in minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalTransaction {
    /// TransactionID / Transaksjons-ID: the pspReference the Report API gives the same payment.
    pub id: String,
    pub order_id: String,
    /// TransactionTime (XML v3.0); the CSV and XLSX have a sales date only.
    pub time: Option<DateTime<FixedOffset>>,
    /// The sales date in the merchant's own time (the time's date as written).
    pub date: NaiveDate,
    /// The transaction's own sales unit, when the row names one.
    pub sales_unit: Option<String>,
    /// ≥ 0.
    pub capture: Minor,
    /// ≤ 0.
    pub refund: Minor,
    /// The fee charged, ≥ 0 (written positive in XML, negative in CSV and XLSX).
    pub fee: Minor,
}

/// A gross-settlement fee invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeInvoice {
    pub id: String,
    pub date: NaiveDate,
    /// Positive: what is invoiced.
    pub amount: Minor,
    pub account: Option<String>,
    pub sales_unit: Option<String>,
}

impl SettlementReport {
    /// Every sales unit with a settlement (or rows) in the report, in order of first appearance.
    pub fn sales_units(&self) -> Vec<SalesUnitRef> {
        let mut out: Vec<SalesUnitRef> = Vec::new();
        if let Some(rows) = &self.ledger_rows {
            return rows.units.clone();
        }
        for s in &self.settlements {
            if !out.iter().any(|u| u.number == s.sales_unit.number) {
                out.push(s.sales_unit.clone());
            }
        }
        out
    }
}

/// Read a report from its bytes, whichever format it is in. `name` is only for the sentences.
pub fn parse(name: &str, bytes: &[u8]) -> Result<SettlementReport> {
    if bytes.starts_with(b"PK\x03\x04") {
        return table::parse_xlsx(name, bytes);
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]);
    if head.trim_start_matches('\u{feff}').trim_start().starts_with('<') {
        return xml::parse(name, bytes);
    }
    if bytes.starts_with(b"\xd0\xcf\x11\xe0") {
        return Err(Error::Input(format!(
            "{name} is an old Excel file (.xls), which Avstem cannot read. Download the settlement report as XLSX, CSV or XML from the business portal. Nothing was imported."
        )));
    }
    table::parse_csv(name, bytes)
}

/// The sentence for a file that is no settlement report.
pub(crate) fn not_a_report(name: &str, why: &str) -> Error {
    Error::Input(format!(
        "{name} is not a settlement report from Vipps MobilePay ({why}). Download the settlement report (XML, CSV or XLSX) from the business portal. Nothing was imported."
    ))
}

/// The sentence for a report that breaks its own rules (truncated, edited, or damaged).
pub(crate) fn damaged(name: &str, what: &str) -> Error {
    Error::Input(format!(
        "{name} cannot be imported: {what}. The file looks truncated or edited; download it again from the business portal. Nothing was imported."
    ))
}

/// An amount as the reports write it: `1490.00`, `-61.09`, `16450,62`, `1 490,50`, `1.490,50`.
/// The decimal separator is the last `.` or `,` followed by one or two digits; anything else is
/// a thousands separator. More than two decimals is refused (money is minor units).
pub fn parse_amount(raw: &str) -> Option<Minor> {
    let s: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}' && *c != '\'')
        .collect();
    let (neg, body) = match s.strip_prefix('-').or_else(|| s.strip_prefix('\u{2212}')) {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(&s)),
    };
    if body.is_empty() {
        return None;
    }
    let sep = body.rfind(['.', ',']);
    let (int, frac) = match sep {
        Some(i) if body.len() - i - 1 <= 2 && body.len() - i > 1 => (&body[..i], &body[i + 1..]),
        // `1.490` or `1,490`: a thousands separator.
        Some(i) if body.len() - i - 1 == 3 => (body, ""),
        Some(_) => return None,
        None => (body, ""),
    };
    let int: String = int.chars().filter(|c| *c != '.' && *c != ',').collect();
    if !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let units: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let cents: i64 = format!("{frac:0<2}").parse().ok()?;
    let v = units.checked_mul(100)?.checked_add(cents)?;
    Some(if neg { -v } else { v })
}

/// A date as the reports write it: `2018-09-22`, `22.09.2018`, `22/09/2018`.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let s = raw.trim();
    let s = s.split(['T', ' ']).next().unwrap_or(s);
    ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%Y%m%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
}

/// Checked sum of minor units from a file.
pub(crate) fn add(total: Minor, amount: Minor, name: &str) -> Result<Minor> {
    total
        .checked_add(amount)
        .ok_or_else(|| damaged(name, "its amounts add up to more than Avstem can hold"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_with_either_decimal_mark() {
        assert_eq!(parse_amount("1490.00"), Some(149_000));
        assert_eq!(parse_amount("-61.09"), Some(-6109));
        assert_eq!(parse_amount("16450,62"), Some(1_645_062));
        assert_eq!(parse_amount("1 490,5"), Some(149_050));
        assert_eq!(parse_amount("1.490,50"), Some(149_050));
        assert_eq!(parse_amount("1,490.50"), Some(149_050));
        assert_eq!(parse_amount("500"), Some(50_000));
        assert_eq!(parse_amount("-7.5"), Some(-750));
        assert_eq!(parse_amount("0.0001"), None);
        assert_eq!(parse_amount("abc"), None);
        assert_eq!(parse_amount(""), None);
    }

    #[test]
    fn dates_are_read_in_the_portal_s_ways() {
        let d = NaiveDate::from_ymd_opt(2018, 9, 22);
        assert_eq!(parse_date("2018-09-22"), d);
        assert_eq!(parse_date("22.09.2018"), d);
        assert_eq!(parse_date("2018-09-22T18:43:57.437+02:00"), d);
        assert_eq!(parse_date("32.09.2018"), None);
    }
}
