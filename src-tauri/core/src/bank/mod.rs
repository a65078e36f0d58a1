//! Bank statements (camt.053, CSV exports) and the question every user asks: did each Vipps payout
//! reach the bank? Parsers, account linking, the expected bank line and matching; all pure.

pub mod account;
pub mod calendar;
pub mod camt;
pub mod csv_import;
pub mod import;
pub mod matching;
pub mod predict;
pub mod status;

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
    /// What identifies the line apart from its place in the file: the bank's reference with the
    /// amount when given (a reference some banks repeat across lines), else date, amount and text.
    fn identity(&self) -> String {
        match &self.bank_reference {
            Some(r) if !r.trim().is_empty() => format!("ref|{}|{}|{}", r.trim(), self.amount, self.currency),
            _ => format!(
                "{}|{}|{}|{}",
                self.booking_date, self.amount, self.currency, self.text
            ),
        }
    }
}

/// One key per line that is the same whenever the same line is imported again, from the same or an
/// overlapping file: `account|identity|n`, where `n` counts identical lines before it in the file
/// (two coffees of 45.00 on one day are two lines, in every file that holds that day).
pub fn line_keys(account: &str, lines: &[StatementLine]) -> Vec<String> {
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    lines
        .iter()
        .map(|l| {
            let id = l.identity();
            let n = seen.entry(id.clone()).or_insert(0);
            let key = format!("{account}|{id}|{n}");
            *n += 1;
            key
        })
        .collect()
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

    fn line(date: &str, amount: i64, text: &str, reference: Option<&str>) -> StatementLine {
        StatementLine {
            booking_date: date.parse().expect("date"),
            value_date: None,
            amount,
            currency: "NOK".into(),
            text: text.into(),
            counterparty: None,
            bank_reference: reference.map(str::to_string),
        }
    }

    #[test]
    fn identical_lines_get_their_own_keys_and_the_same_keys_in_an_overlapping_file() {
        let coffee = line("2026-10-09", -4500, "Kaffe", None);
        let rent = line("2026-10-10", -1_200_000, "Husleie", None);
        let a = line_keys("15039912345", &[coffee.clone(), coffee.clone(), rent.clone()]);
        assert_eq!(a.len(), 3);
        assert_ne!(a[0], a[1], "two coffees are two lines");
        let b = line_keys("15039912345", &[coffee.clone(), coffee, rent]);
        assert_eq!(a, b);
        let other = line_keys("15039954321", &[line("2026-10-10", -1_200_000, "Husleie", None)]);
        assert_ne!(other[0], a[2], "another account's line is another line");
        let r1 = line("2026-10-09", 100, "a", Some("X1"));
        let r2 = line("2026-10-11", 100, "a (booked)", Some("X1"));
        assert_eq!(
            line_keys("1", &[r1])[0],
            line_keys("1", &[r2])[0],
            "the bank's reference identifies the line"
        );
    }

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
