//! Bank statements (camt.053, CSV exports) and the question every user asks: did each Vipps payout
//! reach the bank? Parsers, account linking, the expected bank line and matching; all pure.

pub mod account;
pub mod calendar;
pub mod camt;
pub mod csv_import;
pub mod matching;
pub mod predict;

use crate::model::Minor;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One booked line of a bank statement. Credits are positive, debits negative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementLine {
    pub booking_date: NaiveDate,
    pub value_date: Option<NaiveDate>,
    pub amount: Minor,
    pub currency: String,
    /// Everything the bank says about the line (remittance info, additional info), one string.
    pub text: String,
    pub counterparty: Option<String>,
    /// The bank's own reference for the line (camt `AcctSvcrRef`/`NtryRef`), when given.
    pub bank_reference: Option<String>,
}

impl StatementLine {
    /// A key that is the same whenever the same line is imported again, from any overlapping file.
    pub fn dedup_key(&self, account: &str, occurrence: u32) -> String {
        match &self.bank_reference {
            Some(r) if !r.is_empty() => format!("{account}|ref|{r}"),
            _ => format!(
                "{account}|{}|{}|{}|{}|{occurrence}",
                self.booking_date, self.amount, self.currency, self.text
            ),
        }
    }
}

/// A parsed statement file: the account it belongs to and its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Statement {
    /// IBAN or domestic account number as the file gives it (normalised: no spaces, upper case).
    pub account: Option<String>,
    pub currency: Option<String>,
    pub lines: Vec<StatementLine>,
}

/// Read a file the user dropped: camt.053 if it looks like XML, else a CSV export.
pub fn parse_statement_file(bytes: &[u8]) -> crate::Result<Vec<Statement>> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]);
    if head.trim_start_matches('\u{feff}').trim_start().starts_with('<') {
        camt::parse(bytes)
    } else {
        let mapping = csv_import::detect(bytes)?;
        Ok(vec![csv_import::parse(bytes, &mapping)?])
    }
}

/// Parse a decimal amount in major units ("1 234,50", "-288.00") into minor units, exactly.
pub fn parse_amount(raw: &str, decimal_comma: bool) -> Option<Minor> {
    let mut s: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\'')
        .collect();
    if decimal_comma {
        s = s.replace('.', "").replace(',', ".");
    } else {
        s = s.replace(',', "");
    }
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b.to_string()),
        None => (false, s.trim_start_matches('+').to_string()),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body.as_str(), ""));
    if (int.is_empty() && frac.is_empty())
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let frac_digits = frac.trim_end_matches('0');
    if frac_digits.len() > 2 {
        return None;
    }
    let cents: i64 = format!("{frac:0<2}")[..2].parse().ok()?;
    let units: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let v = units.checked_mul(100)?.checked_add(cents)?;
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_exactly_in_both_notations() {
        assert_eq!(parse_amount("1 234,50", true), Some(123450));
        assert_eq!(parse_amount("-288,00", true), Some(-28800));
        assert_eq!(parse_amount("1.234,5", true), Some(123450));
        assert_eq!(parse_amount("288.00", false), Some(28800));
        assert_eq!(parse_amount("1,234.05", false), Some(123405));
        assert_eq!(parse_amount("18.15000", false), Some(1815));
        assert_eq!(parse_amount("0.001", false), None, "sub-cent amounts are refused");
        assert_eq!(parse_amount("abc", false), None);
        assert_eq!(
            parse_amount("99999999999999999999", false),
            None,
            "overflow is refused"
        );
    }
}
