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
    /// The payout entry's `reference`: meant to be the bank text. Wrong or missing in Norway; in
    /// Denmark and Finland the expected text when it is not empty (report-api.md §6).
    #[serde(default)]
    pub reference: String,
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
/// Configurable per ledger (`Store::set_bank_text_format`), checked by [`check_text_format`].
pub const MOBILEPAY_TEXT_FORMAT: &str = "02{recipient:08}001{DD}{MM}{YY}{C}";

/// The placeholders a DK/FI text format may use.
pub const TEXT_FORMAT_PLACEHOLDERS: &[&str] = &[
    "{recipient:08}",
    "{recipient}",
    "{payout}",
    "{DD}",
    "{MM}",
    "{YY}",
    "{YYYY}",
    "{C}",
];

/// The longest bank text: camt.053's unstructured remittance line (`Max140Text`).
pub const TEXT_FORMAT_MAX_LEN: usize = 140;

/// The number in a recipient handle: `NO:117703` → 117703, `api:123455` → 123455.
pub fn recipient_number(handle: &str) -> Option<u64> {
    handle.rsplit(':').next().and_then(|n| n.trim().parse().ok())
}

/// Why a DK/FI text format cannot be used, in a sentence; `Ok` when it can.
pub fn check_text_format(format: &str) -> Result<(), String> {
    let f = format.trim();
    if f.is_empty() {
        return Err("The bank text format is empty. Use e.g. 02{recipient:08}001{DD}{MM}{YY}{C}, the MobilePay default.".into());
    }
    let mut rest = f;
    let mut checks = 0;
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open..].find('}') else {
            return Err(format!(
                "The bank text format has a '{{' that is never closed: {f}"
            ));
        };
        let placeholder = &rest[open..open + len + 1];
        if !TEXT_FORMAT_PLACEHOLDERS.contains(&placeholder) {
            return Err(format!(
                "The bank text format uses {placeholder}, which Avstem does not know. It may use {}.",
                TEXT_FORMAT_PLACEHOLDERS.join(", ")
            ));
        }
        checks += usize::from(placeholder == "{C}");
        rest = &rest[open + len + 1..];
    }
    if rest.contains('}') {
        return Err(format!(
            "The bank text format has a '}}' with no '{{' before it: {f}"
        ));
    }
    if checks > 1 {
        return Err("The bank text format has {C} (the check digit) more than once.".into());
    }
    let longest = format_text(f, u64::MAX, u64::MAX, NaiveDate::MAX);
    if longest.chars().count() > TEXT_FORMAT_MAX_LEN {
        return Err(format!(
            "The bank text format makes texts longer than the {TEXT_FORMAT_MAX_LEN} characters a bank line holds."
        ));
    }
    Ok(())
}

/// A DK/FI text from `format` (see [`MOBILEPAY_TEXT_FORMAT`]) for a payout.
pub fn format_text(format: &str, recipient: u64, payout_number: u64, date: NaiveDate) -> String {
    let before_check = format
        .trim()
        .replace("{recipient:08}", &format!("{recipient:08}"))
        .replace("{recipient}", &recipient.to_string())
        .replace("{payout}", &payout_number.to_string())
        .replace("{DD}", &format!("{:02}", date.day()))
        .replace("{MM}", &format!("{:02}", date.month()))
        .replace("{YYYY}", &format!("{:04}", date.year()))
        .replace("{YY}", &format!("{:02}", date.year().rem_euclid(100)));
    match before_check.split_once("{C}") {
        Some((head, tail)) => format!("{head}{}{tail}", luhn_check_digit(head)),
        None => before_check,
    }
}

/// The expected bank text. Norway: `Utb. <payout> Vippsnr <number>` (not configurable; the entry's
/// reference is wrong there). Denmark/Finland: the payout's `reference` when it has one, else
/// `dk_fi_format`.
pub fn expected_text(
    country: BankCountry,
    payout: &PayoutForBank,
    recipient: u64,
    dk_fi_format: &str,
) -> String {
    match country {
        BankCountry::No => format!("Utb. {} Vippsnr {recipient}", payout.payout_number),
        BankCountry::Dk | BankCountry::Fi => match payout.reference.trim() {
            "" => format_text(dk_fi_format, recipient, payout.payout_number, payout.ledger_date),
            reference => reference.to_string(),
        },
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
            reference: String::new(),
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

    #[test]
    fn a_mobilepay_payout_with_a_reference_expects_the_reference_and_norway_never_does() {
        let mut p = payout(2000002, "2026-05-20", "DKK");
        p.reference = " 0200004711001200526 ".into();
        assert_eq!(
            expected_text(BankCountry::Dk, &p, 4711, "MP {payout}"),
            "0200004711001200526",
            "a DK/FI reference is the bank text, whatever the format"
        );
        p.reference = "Vipps utbet. 2000002 Vippsnr 4711".into();
        assert_eq!(
            expected_text(BankCountry::No, &p, 4711, MOBILEPAY_TEXT_FORMAT),
            "Utb. 2000002 Vippsnr 4711",
            "Norway's reference is wrong: the real text is used"
        );
        assert_eq!(
            format_text("MP {payout} {YYYY}-{MM}-{DD}", 1, 2000002, p.ledger_date),
            "MP 2000002 2026-05-20"
        );
    }

    #[test]
    fn a_text_format_with_an_unknown_placeholder_or_too_long_is_refused_in_a_sentence() {
        assert_eq!(check_text_format(MOBILEPAY_TEXT_FORMAT), Ok(()));
        assert_eq!(check_text_format("MobilePay {payout}"), Ok(()));
        let unknown = check_text_format("02{recipient:10}001").expect_err("refused");
        assert!(
            unknown.contains("{recipient:10}") && unknown.contains("{payout}"),
            "{unknown}"
        );
        assert!(check_text_format("02{payout")
            .expect_err("refused")
            .contains("never closed"));
        assert!(check_text_format("02}x").expect_err("refused").contains("no '{'"));
        assert!(check_text_format("{C}{C}")
            .expect_err("refused")
            .contains("more than once"));
        assert!(check_text_format("   ").expect_err("refused").contains("empty"));
        let long = "x".repeat(141);
        assert!(check_text_format(&long).expect_err("refused").contains("140"));
    }
}
