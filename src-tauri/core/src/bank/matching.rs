//! Ticking payouts off against bank lines. Pass 1: exact amount and the payout number (DK/FI: the
//! whole expected text) in the text
//! (also a payout split over several lines that carry its number). Pass 2: exact amount within a
//! date window around the expected bank date. What is left is late, not due yet, or differs.

use super::predict::{ExpectedBankLine, PayoutForBank};
use super::StatementLine;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Calendar days before the ledger date and after the expected date a line may fall in (pass 2).
pub const WINDOW_DAYS_AFTER_EXPECTED: i64 = 7;

/// Where a payout stands in the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum BankState {
    /// Found, with the line(s).
    InTheBank,
    /// Its expected bank date has not come yet.
    NotDueYet,
    /// Past its expected date, and the statements covering that date do not have it.
    Late,
    /// Its number is in the bank, with another amount.
    AmountDiffers,
    /// The user tied it to a line.
    MatchedByHand,
    /// Due, but no imported statement covers its expected date (set by [`super::status`]).
    NoStatement,
}

impl BankState {
    /// Plain words for the workbook and the command line.
    pub fn describe(self) -> &'static str {
        match self {
            BankState::InTheBank => "in the bank",
            BankState::NotDueYet => "not due yet",
            BankState::Late => "late: not found in the bank",
            BankState::AmountDiffers => "amount differs",
            BankState::MatchedByHand => "matched by hand",
            BankState::NoStatement => "no statement for that date yet",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// A stored line with its id (the store's row id).
#[derive(Debug, Clone)]
pub struct BankLineRef<'a> {
    pub id: i64,
    pub line: &'a StatementLine,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutBankMatch {
    pub payout_number: u64,
    pub state: BankState,
    pub line_ids: Vec<i64>,
    pub confidence: Option<Confidence>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BankMatchResult {
    pub payouts: Vec<PayoutBankMatch>,
    /// Vipps-looking deposits that match no payout.
    pub unexplained: Vec<i64>,
}

/// Choices the user made by hand, kept in the store.
#[derive(Debug, Clone, Default)]
pub struct ManualChoices {
    pub matched: Vec<(u64, i64)>,
    pub unmatched: HashSet<(u64, i64)>,
}

/// A text without spaces, in lower case: a bank line "contains the expected text" when its squashed
/// text contains the squashed expected text. Short expected texts (under 8 characters) never
/// count: they would name many lines.
pub(crate) fn squash(t: &str) -> String {
    t.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

pub fn looks_like_vipps(line: &StatementLine) -> bool {
    let t = format!("{} {}", line.text, line.counterparty.as_deref().unwrap_or("")).to_lowercase();
    line.amount > 0 && (t.contains("vipps") || t.contains("mobilepay") || t.contains("utb."))
}

/// Match every payout to the bank. `today` decides "not due yet" against "late".
///
/// Hand-made matches first, then the payout number in the text (pass 1), then the exact amount
/// within the window (pass 2); a bank line is used by at most one payout. Each line's digit runs
/// and squashed text are worked out once, not once per payout (a month of daily payouts meets
/// every line of its statement ~30 times).
pub fn match_payouts(
    payouts: &[(PayoutForBank, ExpectedBankLine)],
    lines: &[BankLineRef<'_>],
    manual: &ManualChoices,
    today: NaiveDate,
) -> BankMatchResult {
    let mut used: HashSet<i64> = HashSet::new();
    let mut out: Vec<Option<PayoutBankMatch>> =
        payouts.iter().map(|(p, _)| matched_by_hand(p, manual)).collect();
    for m in out.iter().flatten() {
        used.extend(m.line_ids.iter().copied());
    }
    // Digit run → the lines whose text has it: a payout is named by its number as a whole run.
    let mut runs: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, l) in lines.iter().enumerate() {
        for w in l
            .line
            .text
            .split(|c: char| !c.is_ascii_digit())
            .filter(|w| !w.is_empty())
        {
            let at = runs.entry(w).or_default();
            if at.last() != Some(&i) {
                at.push(i);
            }
        }
    }
    let squashed: Vec<std::cell::OnceCell<String>> =
        lines.iter().map(|_| std::cell::OnceCell::new()).collect();
    let free = |used: &HashSet<i64>, p: &PayoutForBank, l: &BankLineRef<'_>| {
        !used.contains(&l.id)
            && (manual.unmatched.is_empty() || !manual.unmatched.contains(&(p.payout_number, l.id)))
            && l.line.currency == p.currency
    };
    // Pass 1: the payout number (DK/FI: the whole expected text) in the text.
    for (i, (p, exp)) in payouts.iter().enumerate() {
        if out[i].is_some() {
            continue;
        }
        let number = p.payout_number.to_string();
        let mut named: Vec<&BankLineRef> = runs
            .get(number.as_str())
            .into_iter()
            .flatten()
            .map(|&j| &lines[j])
            .filter(|l| l.line.amount > 0 && free(&used, p, l))
            .collect();
        let mut what = format!("payout number {}", p.payout_number);
        if named.is_empty() {
            // DK/FI texts carry no payout number: the whole expected text names the payout.
            let e = squash(&exp.text);
            if e.chars().count() >= 8 {
                named = lines
                    .iter()
                    .enumerate()
                    .filter(|(j, l)| {
                        l.line.amount > 0
                            && free(&used, p, l)
                            && squashed[*j].get_or_init(|| squash(&l.line.text)).contains(&e)
                    })
                    .map(|(_, l)| l)
                    .collect();
            }
            what = format!("the bank text {}", exp.text);
        }
        if let Some(m) = by_payout_number(p, exp, &named, what) {
            used.extend(m.line_ids.iter().copied());
            out[i] = Some(m);
        }
    }
    // Pass 2: the exact amount within the window.
    for (i, (p, exp)) in payouts.iter().enumerate() {
        if out[i].is_some() {
            continue;
        }
        let candidates: Vec<&BankLineRef> = lines.iter().filter(|l| free(&used, p, l)).collect();
        if let Some(m) = by_amount_in_window(p, exp, &candidates) {
            used.extend(m.line_ids.iter().copied());
            out[i] = Some(m);
        }
    }
    let payouts_out = payouts
        .iter()
        .zip(out)
        .map(|((p, exp), m)| m.unwrap_or_else(|| not_in_the_bank(p, exp, today)))
        .collect();
    let unexplained = lines
        .iter()
        .filter(|l| !used.contains(&l.id) && looks_like_vipps(l.line))
        .map(|l| l.id)
        .collect();
    BankMatchResult {
        payouts: payouts_out,
        unexplained,
    }
}

/// The lines the user tied to this payout by hand, if any.
fn matched_by_hand(p: &PayoutForBank, manual: &ManualChoices) -> Option<PayoutBankMatch> {
    let ids: Vec<i64> = manual
        .matched
        .iter()
        .filter(|(n, _)| *n == p.payout_number)
        .map(|(_, id)| *id)
        .collect();
    (!ids.is_empty()).then(|| PayoutBankMatch {
        payout_number: p.payout_number,
        state: BankState::MatchedByHand,
        line_ids: ids,
        confidence: Some(Confidence::High),
        reason: "matched by hand".into(),
    })
}

/// Pass 1: deposits whose text names the payout (`named`, found by [`match_payouts`]) — one with
/// the exact amount, parts that add up to it, or (else) the amount differs.
fn by_payout_number(
    p: &PayoutForBank,
    exp: &ExpectedBankLine,
    named: &[&BankLineRef<'_>],
    what: String,
) -> Option<PayoutBankMatch> {
    if named.is_empty() {
        return None;
    }
    let exact = named.iter().find(|l| l.line.amount == exp.amount);
    let sum: i64 = named.iter().fold(0i64, |s, l| s.saturating_add(l.line.amount));
    let all_ids = || named.iter().map(|l| l.id).collect();
    let (state, line_ids, reason) = if let Some(l) = exact {
        (
            BankState::InTheBank,
            vec![l.id],
            format!("amount and {what} in the text"),
        )
    } else if sum == exp.amount {
        (
            BankState::InTheBank,
            all_ids(),
            format!("paid in {} parts that carry {what}", named.len()),
        )
    } else {
        (
            BankState::AmountDiffers,
            all_ids(),
            format!(
                "payout {} is in the bank with {} instead of {}",
                p.payout_number,
                crate::model::format_minor(sum),
                crate::model::format_minor(exp.amount)
            ),
        )
    };
    Some(PayoutBankMatch {
        payout_number: p.payout_number,
        state,
        line_ids,
        confidence: Some(Confidence::High),
        reason,
    })
}

/// Pass 2: the exact amount within the window, nearest the expected date first.
fn by_amount_in_window(
    p: &PayoutForBank,
    exp: &ExpectedBankLine,
    free: &[&BankLineRef<'_>],
) -> Option<PayoutBankMatch> {
    let from = p.ledger_date;
    let to = exp.date + Duration::days(WINDOW_DAYS_AFTER_EXPECTED);
    let l = free
        .iter()
        .filter(|l| l.line.amount == exp.amount)
        .filter(|l| l.line.booking_date >= from && l.line.booking_date <= to)
        .min_by_key(|l| ((l.line.booking_date - exp.date).num_days().abs(), l.id))?;
    let off = (l.line.booking_date - exp.date).num_days();
    let confidence = if off.abs() <= 1 && looks_like_vipps(l.line) {
        Confidence::Medium
    } else {
        Confidence::Low
    };
    Some(PayoutBankMatch {
        payout_number: p.payout_number,
        state: BankState::InTheBank,
        line_ids: vec![l.id],
        confidence: Some(confidence),
        reason: format!(
            "same amount, {} day(s) from the expected date {}; the text does not name the payout",
            off.abs(),
            exp.date
        ),
    })
}

/// No line found: not due yet, or late.
fn not_in_the_bank(p: &PayoutForBank, exp: &ExpectedBankLine, today: NaiveDate) -> PayoutBankMatch {
    let (state, reason) = if today <= exp.date {
        (
            BankState::NotDueYet,
            format!("expected in the bank on {}", exp.date),
        )
    } else {
        (
            BankState::Late,
            format!("expected on {}, not found in the bank", exp.date),
        )
    };
    PayoutBankMatch {
        payout_number: p.payout_number,
        state,
        line_ids: vec![],
        confidence: None,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::calendar::BankCountry;
    use crate::bank::predict::{expected_bank_line, MOBILEPAY_TEXT_FORMAT};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }
    fn payout(n: u64, date: &str, amount: i64) -> (PayoutForBank, ExpectedBankLine) {
        let p = PayoutForBank {
            ledger_id: "302321".into(),
            payout_number: n,
            ledger_date: d(date),
            amount,
            currency: "NOK".into(),
            reference: String::new(),
        };
        let e = expected_bank_line(BankCountry::No, &p, 117703, MOBILEPAY_TEXT_FORMAT);
        (p, e)
    }
    fn line(date: &str, amount: i64, text: &str) -> StatementLine {
        StatementLine {
            booking_date: d(date),
            value_date: None,
            amount,
            currency: "NOK".into(),
            text: text.into(),
            counterparty: None,
            bank_reference: None,
        }
    }

    #[test]
    fn every_state_a_payout_can_end_in() {
        let payouts = vec![
            payout(2000810, "2026-10-07", 28800), // named in the text
            payout(2000811, "2026-10-08", 10000), // same amount, no text
            payout(2000812, "2026-10-09", 5000),  // named, wrong amount
            payout(2000813, "2026-10-12", 7000),  // late
            payout(2000814, "2026-10-29", 9000),  // not due yet
            payout(2000815, "2026-10-13", 6000),  // split in two
        ];
        let stored = [
            line("2026-10-09", 28800, "Utb. 2000810 Vippsnr 117703"),
            line("2026-10-12", 10000, "Overføring"),
            line("2026-10-13", 4999, "Utb. 2000812 Vippsnr 117703"),
            line("2026-10-15", 4000, "Utb. 2000815 Vippsnr 117703 del 1"),
            line("2026-10-15", 2000, "Utb. 2000815 Vippsnr 117703 del 2"),
            line("2026-10-20", 12345, "Vipps MobilePay AS"),
            line("2026-10-20", -5000, "Husleie"),
        ];
        let lines: Vec<BankLineRef> = stored
            .iter()
            .enumerate()
            .map(|(i, l)| BankLineRef {
                id: i as i64 + 1,
                line: l,
            })
            .collect();
        let r = match_payouts(&payouts, &lines, &ManualChoices::default(), d("2026-10-28"));
        let states: Vec<(u64, BankState, Vec<i64>, Option<Confidence>)> = r
            .payouts
            .iter()
            .map(|m| (m.payout_number, m.state, m.line_ids.clone(), m.confidence))
            .collect();
        assert_eq!(
            states,
            [
                (2000810, BankState::InTheBank, vec![1], Some(Confidence::High)),
                (2000811, BankState::InTheBank, vec![2], Some(Confidence::Low)),
                (2000812, BankState::AmountDiffers, vec![3], Some(Confidence::High)),
                (2000813, BankState::Late, vec![], None),
                (2000814, BankState::NotDueYet, vec![], None),
                (2000815, BankState::InTheBank, vec![4, 5], Some(Confidence::High)),
            ]
        );
        assert_eq!(r.unexplained, [6]);
        assert!(
            r.payouts[2].reason.contains("49.99 instead of 50.00"),
            "{}",
            r.payouts[2].reason
        );
    }

    #[test]
    fn a_manual_match_and_unmatch_are_kept() {
        let payouts = vec![payout(2000811, "2026-10-08", 10000)];
        let stored = [
            line("2026-10-12", 10000, "Overføring"),
            line("2026-10-30", 10000, "Vipps"),
        ];
        let lines: Vec<BankLineRef> = stored
            .iter()
            .enumerate()
            .map(|(i, l)| BankLineRef {
                id: i as i64 + 1,
                line: l,
            })
            .collect();
        let mut manual = ManualChoices::default();
        manual.unmatched.insert((2000811, 1));
        let r = match_payouts(&payouts, &lines, &manual, d("2026-10-31"));
        assert_eq!(
            r.payouts[0].state,
            BankState::Late,
            "the unmatched line is not taken again; the other is outside the window"
        );
        manual.matched.push((2000811, 2));
        let r = match_payouts(&payouts, &lines, &manual, d("2026-10-31"));
        assert_eq!(
            (r.payouts[0].state, r.payouts[0].line_ids.clone()),
            (BankState::MatchedByHand, vec![2])
        );
        assert!(r.unexplained.is_empty());
    }
}
