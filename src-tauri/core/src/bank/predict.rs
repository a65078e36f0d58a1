//! What a payout should look like in the bank: amount, day and text (report-api.md §6). Other code
//! (payout screen, exports) calls [`expected_bank_line`]; it needs no database.

use super::calendar::{expected_bank_date, BankCountry};
use crate::model::Minor;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A payout as the bank matcher sees it: from a `payout-scheduled` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutForBank {
    pub ledger_id: String,
    pub payout_number: u64,
    pub ledger_date: NaiveDate,
    /// What reaches the bank: the payout entry's amount with the sign turned (positive).
    pub amount: Minor,
    pub currency: String,
}

/// The bank line a payout should produce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpectedBankLine {
    pub amount: Minor,
    pub date: NaiveDate,
    pub text: String,
}

/// The DK/FI payout text. Default `02{recipient:08}001{DD}{MM}{YY}{C}`: recipient number padded to
/// 8 digits, the ledger date, and `{C}` a mod-10 (Luhn) check digit over the digits before it.
pub const MOBILEPAY_TEXT_FORMAT: &str = "02{recipient:08}001{DD}{MM}{YY}{C}";

/// The number in a recipient handle: `NO:117703` → 117703, `api:123455` → 123455.
pub fn recipient_number(handle: &str) -> Option<u64> {
    handle.rsplit(':').next().and_then(|n| n.trim().parse().ok())
}

/// The expected bank text. Norway: `Utb. <payout> Vippsnr <number>` (not configurable).
pub fn expected_text(
    country: BankCountry,
    payout: &PayoutForBank,
    recipient: u64,
    dk_fi_format: &str,
) -> String {
    match country {
        BankCountry::No => format!("Utb. {} Vippsnr {recipient}", payout.payout_number),
        BankCountry::Dk | BankCountry::Fi => {
            let d = payout.ledger_date;
            let before_check = dk_fi_format
                .replace("{recipient:08}", &format!("{recipient:08}"))
                .replace("{recipient}", &recipient.to_string())
                .replace("{payout}", &payout.payout_number.to_string())
                .replace("{DD}", &format!("{:02}", d.day()))
                .replace("{MM}", &format!("{:02}", d.month()))
                .replace("{YY}", &format!("{:02}", d.year() % 100));
            match before_check.split_once("{C}") {
                Some((head, tail)) => format!("{head}{}{tail}", luhn_check_digit(head)),
                None => before_check,
            }
        }
    }
}

/// The Luhn (mod 10) check digit for the digits of `s`.
pub fn luhn_check_digit(s: &str) -> u32 {
    let sum: u32 = s
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// Amount, expected bank date and text of a payout.
pub fn expected_bank_line(
    country: BankCountry,
    payout: &PayoutForBank,
    recipient: u64,
    dk_fi_format: &str,
) -> ExpectedBankLine {
    ExpectedBankLine {
        amount: payout.amount,
        date: expected_bank_date(country, payout.ledger_date),
        text: expected_text(country, payout, recipient, dk_fi_format),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payout(n: u64, date: &str, currency: &str) -> PayoutForBank {
        PayoutForBank {
            ledger_id: "302321".into(),
            payout_number: n,
            ledger_date: NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date"),
            amount: 28800,
            currency: currency.into(),
        }
    }

    #[test]
    fn a_norwegian_payout_reads_utb_and_vippsnr_in_the_bank() {
        let line = expected_bank_line(
            BankCountry::No,
            &payout(2000810, "2026-10-07", "NOK"),
            117703,
            MOBILEPAY_TEXT_FORMAT,
        );
        assert_eq!(line.text, "Utb. 2000810 Vippsnr 117703");
        assert_eq!(line.date.to_string(), "2026-10-09");
        assert_eq!(line.amount, 28800);
        assert_eq!(recipient_number("NO:117703"), Some(117703));
        assert_eq!(recipient_number("api:123455"), Some(123455));
    }

    #[test]
    fn a_mobilepay_payout_text_is_the_02_format_with_a_check_digit() {
        let p = payout(2000001, "2026-05-13", "DKK");
        let text = expected_text(BankCountry::Dk, &p, 4711, MOBILEPAY_TEXT_FORMAT);
        assert_eq!(&text[..19], "0200004711001130526");
        assert_eq!(text.len(), 20);
        assert_eq!(luhn_check_digit("7992739871"), 3, "the textbook Luhn example");
        assert_eq!(
            text[19..].parse::<u32>().ok(),
            Some(luhn_check_digit(&text[..19]))
        );
        let custom = expected_text(BankCountry::Fi, &p, 4711, "MobilePay {payout}");
        assert_eq!(custom, "MobilePay 2000001");
    }
}
