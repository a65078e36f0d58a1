//! Did each payout of a month reach the bank? The month's payouts from the cache, their expected bank
//! lines, the imported statement lines of the ledger's payout account and the choices made by hand,
//! matched ([`super::matching`]) into one state per payout, the unexplained Vipps-looking deposits,
//! and the check "every payout reached the bank". The month screen, the payout screen, the workbook
//! and `avstem bank status` all read this.

use super::account::bban;
use super::calendar::BankCountry;
use super::matching::{match_payouts, BankLineRef, BankState, Confidence, WINDOW_DAYS_AFTER_EXPECTED};
use super::predict::{
    expected_bank_line, recipient_number, ExpectedBankLine, PayoutForBank, MOBILEPAY_TEXT_FORMAT,
};
use crate::model::{format_minor, Ledger, Minor, YearMonth};
use crate::reconcile::payout_label;
use crate::store::bank::{ManualDecision, StoredBankLine};
use crate::store::Store;
use crate::{Error, Result};
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Payouts this many days either side of the month are matched too, so the deposits of the last
/// payout before the month are not "unexplained" in it.
const NEIGHBOUR_DAYS: i64 = 14;

/// The title of the check on the Checks and Summary sheets.
pub const CHECK_TITLE: &str = "Every payout reached the bank";

/// A statement line as the screens show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BankLine {
    /// What a manual match names.
    #[ts(type = "number")]
    pub id: i64,
    pub booking_date: NaiveDate,
    pub value_date: Option<NaiveDate>,
    #[ts(type = "number")]
    pub amount: Minor,
    pub currency: String,
    pub text: String,
    pub counterparty: Option<String>,
}

impl From<&StoredBankLine> for BankLine {
    fn from(s: &StoredBankLine) -> Self {
        BankLine {
            id: s.id,
            booking_date: s.line.booking_date,
            value_date: s.line.value_date,
            amount: s.line.amount,
            currency: s.line.currency.clone(),
            text: s.line.text.clone(),
            counterparty: s.line.counterparty.clone(),
        }
    }
}

/// One payout and where it stands in the bank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PayoutInBank {
    #[ts(type = "number")]
    pub payout_number: u64,
    /// "#2000023".
    pub label: String,
    pub psp_reference: String,
    pub ledger_date: NaiveDate,
    /// What should reach the bank (positive).
    #[ts(type = "number")]
    pub amount: Minor,
    pub currency: String,
    pub expected_date: NaiveDate,
    pub expected_text: String,
    pub state: BankState,
    /// The bank line(s) it was matched to (several when the bank split it).
    pub lines: Vec<BankLine>,
    /// The first matched line's booking date, and what the matched lines add up to.
    pub bank_date: Option<NaiveDate>,
    #[ts(type = "number | null")]
    pub bank_amount: Option<Minor>,
    pub confidence: Option<Confidence>,
    /// Why, in a sentence.
    pub reason: String,
}

impl PayoutInBank {
    /// In the bank, matched by hand, or not due yet: nothing to chase.
    pub fn is_settled_or_not_due(&self) -> bool {
        matches!(
            self.state,
            BankState::InTheBank | BankState::MatchedByHand | BankState::NotDueYet
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum BankCheckStatus {
    Ok,
    Fail,
    /// No statement imported for the month: the check neither passes nor fails.
    NotChecked,
}

/// "Every payout reached the bank", as the Checks and Summary sheets show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BankCheck {
    pub title: String,
    pub status: BankCheckStatus,
    pub detail: String,
    pub problems: Vec<String>,
    pub problem_count: u32,
}

impl BankCheck {
    /// The status cell: OK, FAIL, or NOT CHECKED.
    pub fn status_text(&self) -> &'static str {
        match self.status {
            BankCheckStatus::Ok => "OK",
            BankCheckStatus::Fail => "FAIL",
            BankCheckStatus::NotChecked => "NOT CHECKED",
        }
    }
}

/// A ledger-month against the bank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BankMonth {
    pub ledger_id: String,
    pub month: YearMonth,
    /// The ledger's payout account (domestic number), empty when the ledger list gives none.
    pub account: String,
    /// The first and last booking date the imported statements of the account cover.
    pub statement_from: Option<NaiveDate>,
    pub statement_to: Option<NaiveDate>,
    /// The month's payouts, by ledger date.
    pub payouts: Vec<PayoutInBank>,
    /// Deposits in the month that look like Vipps MobilePay but match no payout.
    pub unexplained: Vec<BankLine>,
    pub check: BankCheck,
    /// Every payout that is due is in the bank (what `avstem bank status` exits 0 on).
    pub all_due_in_bank: bool,
    pub today: NaiveDate,
    /// Denmark/Finland: the text format expected for payouts without a reference (the saved one, or
    /// the MobilePay default); `None` for Norwegian ledgers, whose bank text is fixed.
    pub text_format: Option<TextFormat>,
}

/// A MobilePay ledger's bank text format, as the bank screen shows and edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TextFormat {
    pub format: String,
    pub is_default: bool,
}

/// `ledger`'s text format for the bank screen (see [`BankMonth::text_format`]), from the saved one.
fn text_format(ledger: &Ledger, saved: Option<&str>) -> Option<TextFormat> {
    (ledger.country() != BankCountry::No).then(|| TextFormat {
        is_default: saved.is_none(),
        format: saved.unwrap_or(MOBILEPAY_TEXT_FORMAT).to_string(),
    })
}

/// The payout screen's bank part: the payout, and the lines it could be matched to by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PayoutBankView {
    pub payout: PayoutInBank,
    /// Deposits around the expected date that no other payout took.
    pub candidates: Vec<BankLine>,
    pub statement_imported: bool,
}

/// The month and what matching saw: the loaded lines and the ids any payout took.
struct Matched {
    month: BankMonth,
    lines: Vec<StoredBankLine>,
    used: HashSet<i64>,
}

/// The bank status of `ledger`'s `month` as of `today` (the ledger's).
pub fn month_status(store: &Store, ledger: &Ledger, month: YearMonth, today: NaiveDate) -> Result<BankMonth> {
    Ok(matched(store, ledger, month, today)?.month)
}

/// [`month_status`] for a cached ledger, as of its own today by `clock`.
pub fn month_status_cached(
    store: &Store,
    ledger_id: &str,
    month: YearMonth,
    clock: &crate::clock::Clock,
) -> Result<BankMonth> {
    let ledger = crate::month::cached_ledger(store, ledger_id)?;
    month_status(store, &ledger, month, clock.today_for(&ledger))
}

/// The recipient number in the Norwegian bank text: the ledger's first recipient handle.
pub fn ledger_recipient(ledger: &Ledger) -> u64 {
    ledger
        .settles_for_recipient_handles
        .iter()
        .chain(ledger.sales_units.iter().map(|u| &u.recipient_handle))
        .find_map(|h| recipient_number(h))
        .unwrap_or(0)
}

/// Each cached payout of `ledger` with a ledger date in `from..=to`, and the bank line it should
/// produce: what matching looks for, and what the simulator's bank writes. DK/FI texts use the
/// ledger's saved format (`Store::bank_text_format`) when the payout has no reference.
pub fn expected_lines(
    store: &Store,
    ledger: &Ledger,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(PayoutForBank, ExpectedBankLine)>> {
    let saved = store.bank_text_format(&ledger.ledger_id)?;
    expected_lines_with(store, ledger, saved.as_deref(), from, to)
}

/// [`expected_lines`] with the ledger's saved text format already read (`None`: the default).
fn expected_lines_with(
    store: &Store,
    ledger: &Ledger,
    saved_format: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(PayoutForBank, ExpectedBankLine)>> {
    let country: BankCountry = ledger.country();
    let recipient = ledger_recipient(ledger);
    let format = saved_format.unwrap_or(MOBILEPAY_TEXT_FORMAT);
    Ok(store
        .payouts_for_bank(&ledger.ledger_id, from, to)?
        .into_iter()
        .map(|p| {
            let e = expected_bank_line(country, &p, recipient, format);
            (p, e)
        })
        .collect())
}

fn matched(store: &Store, ledger: &Ledger, month: YearMonth, today: NaiveDate) -> Result<Matched> {
    let account = bban(&ledger.payout_bank_account.id);
    let (first, last) = (month.first_day(), month.last_day());
    let saved_format = store.bank_text_format(&ledger.ledger_id)?;
    let payouts = expected_lines_with(
        store,
        ledger,
        saved_format.as_deref(),
        first - Duration::days(NEIGHBOUR_DAYS),
        last + Duration::days(NEIGHBOUR_DAYS),
    )?;
    let to = payouts
        .iter()
        .map(|(_, e)| e.date)
        .max()
        .unwrap_or(last)
        .max(last)
        + Duration::days(WINDOW_DAYS_AFTER_EXPECTED);
    let manual = store.bank_manual(&ledger.ledger_id)?;
    let mut lines = if account.is_empty() {
        vec![]
    } else {
        store.bank_lines(&account, first - Duration::days(NEIGHBOUR_DAYS), to)?
    };
    let loaded: HashSet<i64> = lines.iter().map(|l| l.id).collect();
    for (_, id) in &manual.matched {
        if !loaded.contains(id) {
            lines.extend(store.bank_line(*id)?.filter(|l| l.account == account));
        }
    }
    let refs: Vec<BankLineRef<'_>> = lines
        .iter()
        .map(|l| BankLineRef {
            id: l.id,
            line: &l.line,
        })
        .collect();
    let result = match_payouts(&payouts, &refs, &manual, today);
    let coverage = if account.is_empty() {
        None
    } else {
        store.bank_coverage(&account)?
    };
    let by_id: HashMap<i64, &StoredBankLine> = lines.iter().map(|l| (l.id, l)).collect();
    let used: HashSet<i64> = result
        .payouts
        .iter()
        .flat_map(|m| m.line_ids.iter().copied())
        .collect();
    let in_month: Vec<PayoutInBank> = payouts
        .iter()
        .zip(&result.payouts)
        .filter(|((p, _), _)| p.ledger_date >= first && p.ledger_date <= last)
        .map(|((p, e), m)| {
            let matched: Vec<BankLine> = m
                .line_ids
                .iter()
                .filter_map(|id| by_id.get(id))
                .map(|l| BankLine::from(*l))
                .collect();
            let mut out = PayoutInBank {
                payout_number: p.payout_number,
                label: payout_label(Some(p.payout_number), ""),
                psp_reference: format!("{}-{}", p.ledger_id, p.payout_number),
                ledger_date: p.ledger_date,
                amount: p.amount,
                currency: p.currency.clone(),
                expected_date: e.date,
                expected_text: e.text.clone(),
                state: m.state,
                bank_date: matched.first().map(|l| l.booking_date),
                bank_amount: (!matched.is_empty())
                    .then(|| matched.iter().fold(0i64, |s, l| s.saturating_add(l.amount))),
                lines: matched,
                confidence: m.confidence,
                reason: m.reason.clone(),
            };
            unless_covered(&mut out, coverage);
            out
        })
        .collect();
    let unexplained: Vec<BankLine> = result
        .unexplained
        .iter()
        .filter_map(|id| by_id.get(id))
        .filter(|l| l.line.booking_date >= first && l.line.booking_date <= last)
        .map(|l| BankLine::from(*l))
        .collect();
    let lines_in_month = lines
        .iter()
        .any(|l| l.line.booking_date >= first && l.line.booking_date <= last);
    let check = bank_check(&account, coverage, lines_in_month, &in_month, &unexplained);
    let month = BankMonth {
        ledger_id: ledger.ledger_id.clone(),
        month,
        account,
        statement_from: coverage.map(|c| c.0),
        statement_to: coverage.map(|c| c.1),
        all_due_in_bank: in_month.iter().all(PayoutInBank::is_settled_or_not_due),
        payouts: in_month,
        unexplained,
        check,
        today,
        text_format: text_format(ledger, saved_format.as_deref()),
    };
    Ok(Matched { month, lines, used })
}

/// A payout "late" only because no imported statement reaches its expected date is not late: no
/// statement says so yet.
fn unless_covered(p: &mut PayoutInBank, coverage: Option<(NaiveDate, NaiveDate)>) {
    if p.state != BankState::Late {
        return;
    }
    match coverage {
        None => {
            p.state = BankState::NoStatement;
            p.reason = format!("expected on {}; no bank statement imported", p.expected_date);
        }
        Some((from, to)) if p.expected_date < from || p.expected_date > to => {
            p.state = BankState::NoStatement;
            p.reason = format!(
                "expected on {}; the imported statements cover {from} to {to} only",
                p.expected_date
            );
        }
        Some(_) => {}
    }
}

fn bank_check(
    account: &str,
    coverage: Option<(NaiveDate, NaiveDate)>,
    lines_in_month: bool,
    payouts: &[PayoutInBank],
    unexplained: &[BankLine],
) -> BankCheck {
    let not_checked = |detail: String| BankCheck {
        title: CHECK_TITLE.into(),
        status: BankCheckStatus::NotChecked,
        detail,
        problems: vec![],
        problem_count: 0,
    };
    if account.is_empty() {
        return not_checked(
            "Not checked: the ledger list gives no payout bank account for this ledger, so no bank statement can be linked to it."
                .into(),
        );
    }
    let covers_a_payout = coverage.is_some_and(|(from, to)| {
        payouts
            .iter()
            .any(|p| p.expected_date >= from && p.expected_date <= to)
    });
    if coverage.is_none() || !(covers_a_payout || lines_in_month) {
        return not_checked(format!(
            "Not checked: no bank statement imported for this month (account {account}). Import the bank statement to check that every payout reached the bank."
        ));
    }
    let problems: Vec<String> = payouts
        .iter()
        .filter(|p| !p.is_settled_or_not_due())
        .map(|p| {
            format!(
                "payout {} of {} ({}): {}",
                p.label,
                p.ledger_date,
                format_minor(p.amount),
                p.reason
            )
        })
        .collect();
    let count = |s: BankState| payouts.iter().filter(|p| p.state == s).count();
    let mut detail = if problems.is_empty() {
        format!(
            "{} payout(s): {} in the bank, {} matched by hand, {} not due yet.",
            payouts.len(),
            count(BankState::InTheBank),
            count(BankState::MatchedByHand),
            count(BankState::NotDueYet)
        )
    } else {
        format!(
            "{} of {} payout(s) not found in the bank as expected: {} late, {} with another amount, {} after the imported statements.",
            problems.len(),
            payouts.len(),
            count(BankState::Late),
            count(BankState::AmountDiffers),
            count(BankState::NoStatement)
        )
    };
    if !unexplained.is_empty() {
        detail.push_str(&format!(
            " {} deposit(s) look like Vipps MobilePay but match no payout (see the Bank sheet).",
            unexplained.len()
        ));
    }
    BankCheck {
        title: CHECK_TITLE.into(),
        status: if problems.is_empty() {
            BankCheckStatus::Ok
        } else {
            BankCheckStatus::Fail
        },
        detail,
        problem_count: u32::try_from(problems.len()).unwrap_or(u32::MAX),
        problems,
    }
}

/// The payout `psp_reference` of `ledger` against the bank, with the deposits it could be matched to.
pub fn payout_status(
    store: &Store,
    ledger: &Ledger,
    psp_reference: &str,
    today: NaiveDate,
) -> Result<PayoutBankView> {
    let not_found = || {
        Error::Input(format!(
            "Payout {psp_reference} is not in the synced data of ledger {}. Sync its month first.",
            ledger.ledger_id
        ))
    };
    let date = store
        .entries_by_psp(psp_reference)?
        .into_iter()
        .filter(|e| {
            e.ledger_id == ledger.ledger_id && e.entry_type == crate::model::EntryType::PayoutScheduled
        })
        .map(|e| e.ledger_date)
        .max()
        .ok_or_else(not_found)?;
    let m = matched(store, ledger, YearMonth::of(date), today)?;
    let statement_imported = m.month.statement_from.is_some();
    let payout = m
        .month
        .payouts
        .into_iter()
        .find(|p| p.psp_reference == psp_reference)
        .ok_or_else(not_found)?;
    let until = payout.expected_date + Duration::days(2 * WINDOW_DAYS_AFTER_EXPECTED);
    let candidates = m
        .lines
        .iter()
        .filter(|l| l.line.amount > 0 && !m.used.contains(&l.id))
        .filter(|l| l.line.booking_date >= payout.ledger_date && l.line.booking_date <= until)
        .map(BankLine::from)
        .collect();
    Ok(PayoutBankView {
        payout,
        candidates,
        statement_imported,
    })
}

/// Match a line to a payout by hand, unmatch it, or forget the choice. The line must be a line of
/// the ledger's payout account and the payout one of the ledger's.
pub fn decide(
    store: &mut Store,
    ledger: &Ledger,
    payout_number: u64,
    line_id: i64,
    decision: ManualDecision,
) -> Result<()> {
    let account = bban(&ledger.payout_bank_account.id);
    let line = store.bank_line(line_id)?;
    if !line.is_some_and(|l| !account.is_empty() && l.account == account) {
        return Err(Error::Input(format!(
            "Bank line {line_id} is not a line of ledger {}'s payout account. Import its statement first.",
            ledger.ledger_id
        )));
    }
    let psp = format!("{}-{payout_number}", ledger.ledger_id);
    let known = store
        .entries_by_psp(&psp)?
        .iter()
        .any(|e| e.ledger_id == ledger.ledger_id && e.entry_type == crate::model::EntryType::PayoutScheduled);
    if !known {
        return Err(Error::Input(format!(
            "Payout {payout_number} is not in the synced data of ledger {}. Sync its month first.",
            ledger.ledger_id
        )));
    }
    store.set_bank_manual(&ledger.ledger_id, payout_number, line_id, decision)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Entry, EntryType, SchemeId, Topic};
    use crate::sim::statement::{lines_for_payouts, StatementFaults};
    use crate::store::bank::{BankFileWrite, StatementWrite};
    use crate::store::DateState;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn ledger() -> Ledger {
        Ledger {
            ledger_id: "302321".into(),
            currency: "NOK".into(),
            payout_bank_account: SchemeId {
                scheme: "BBAN:NO".into(),
                id: "15039912345".into(),
            },
            owner: SchemeId {
                scheme: "business:NO:ORG".into(),
                id: "999888777".into(),
            },
            settles_for_recipient_handles: vec!["api:123455".into()],
            sales_units: vec![],
        }
    }

    /// October 2026: payouts 2000801.. on the 1st, 5th, 9th, 13th, 17th, 21st, 25th and 29th.
    fn store_with_payouts() -> (Store, Vec<(PayoutForBank, ExpectedBankLine)>) {
        let mut store = Store::open_in_memory().expect("store");
        store.upsert_ledgers("demo", &[ledger()]).expect("ledgers");
        let mut out = Vec::new();
        for i in 0..8u64 {
            let date = d("2026-10-01") + Duration::days(4 * i as i64);
            let amount = 10_000 + 100 * i as i64;
            let e = Entry {
                ledger_id: "302321".into(),
                topic: Topic::Funds,
                ledger_date: date,
                seq: 0,
                psp_reference: format!("302321-{}", 2000801 + i),
                time: chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default(),
                entry_type: EntryType::PayoutScheduled,
                reference: String::new(),
                currency: "NOK".into(),
                amount: -amount,
                balance_before: amount,
                balance_after: 0,
                recipient_handle: None,
                name: None,
                masked_phone_no: None,
                message: None,
            };
            store
                .store_date("302321", Topic::Funds, date, &[e], DateState::Complete, None)
                .expect("date");
            let p = store
                .payouts_for_bank("302321", date, date)
                .expect("payout")
                .remove(0);
            let exp = expected_bank_line(BankCountry::No, &p, 123455, MOBILEPAY_TEXT_FORMAT);
            out.push((p, exp));
        }
        (store, out)
    }

    fn import(store: &mut Store, lines: &[crate::bank::StatementLine]) {
        store
            .store_bank_file(&BankFileWrite {
                file_name: "okt.xml",
                format: "camt.053.001.08",
                statements: vec![StatementWrite {
                    account: "15039912345",
                    lines,
                }],
                csv_mapping: None,
            })
            .expect("import");
    }

    fn states(m: &BankMonth) -> Vec<(u64, BankState)> {
        m.payouts.iter().map(|p| (p.payout_number, p.state)).collect()
    }

    #[test]
    fn without_a_statement_the_check_says_so_and_neither_passes_nor_fails() {
        let (store, _) = store_with_payouts();
        let m =
            month_status(&store, &ledger(), YearMonth::of(d("2026-10-01")), d("2026-11-20")).expect("status");
        assert_eq!(m.check.status, BankCheckStatus::NotChecked);
        assert!(
            m.check.detail.contains("no bank statement imported"),
            "{}",
            m.check.detail
        );
        assert!(m.payouts.iter().all(|p| p.state == BankState::NoStatement));
        assert_eq!(m.payouts[0].expected_text, "Utb. 2000801 Vippsnr 123455");
        assert!(!m.all_due_in_bank);
    }

    #[test]
    fn every_payout_ends_in_one_state_and_the_check_names_the_missing_ones() {
        let (mut store, payouts) = store_with_payouts();
        let faults = StatementFaults {
            late_days: vec![(2000802, 2)],
            missing: vec![2000803],
            split: vec![2000804],
            foreign_lines: 3,
            bank_text_format: None,
        };
        let mut lines = lines_for_payouts(&payouts, &faults);
        // 2000805 arrives with another amount; a Vipps deposit no payout explains; the statement
        // ends on 2026-11-01, so 2000808 (expected 2026-11-02) is not covered yet.
        let five = lines
            .iter_mut()
            .find(|l| l.text.contains("2000805"))
            .expect("line");
        five.amount -= 1;
        lines.push(crate::bank::StatementLine {
            booking_date: d("2026-10-20"),
            value_date: None,
            amount: 777,
            currency: "NOK".into(),
            text: "Vipps MobilePay AS tilbakebetaling".into(),
            counterparty: None,
            bank_reference: Some("X-UNEXPLAINED".into()),
        });
        lines.retain(|l| l.booking_date <= d("2026-11-01"));
        import(&mut store, &lines);
        let month = YearMonth::of(d("2026-10-01"));
        let m = month_status(&store, &ledger(), month, d("2026-11-20")).expect("status");
        assert_eq!(
            states(&m),
            [
                (2000801, BankState::InTheBank),
                (2000802, BankState::InTheBank),
                (2000803, BankState::Late),
                (2000804, BankState::InTheBank),
                (2000805, BankState::AmountDiffers),
                (2000806, BankState::InTheBank),
                (2000807, BankState::InTheBank),
                (2000808, BankState::NoStatement),
            ]
        );
        assert_eq!(m.payouts[3].lines.len(), 2, "a split payout has both its lines");
        assert_eq!(m.payouts[3].bank_amount, Some(m.payouts[3].amount));
        assert_eq!(m.unexplained.len(), 1);
        assert_eq!(m.unexplained[0].amount, 777);
        assert_eq!(m.check.status, BankCheckStatus::Fail);
        assert_eq!(m.check.problem_count, 3, "{:?}", m.check.problems);
        assert!(m.check.problems[0].contains("#2000803"), "{:?}", m.check.problems);
        assert!(!m.all_due_in_bank);

        // Before the last expected date the last payout is simply not due yet.
        let early = month_status(&store, &ledger(), month, d("2026-11-01")).expect("status");
        assert_eq!(early.payouts[7].state, BankState::NotDueYet);

        // The owner finds 2000803 in the bank under another text and ties it by hand.
        let view = payout_status(&store, &ledger(), "302321-2000803", d("2026-11-20")).expect("payout");
        assert!(view.statement_imported);
        let candidate = view
            .candidates
            .iter()
            .find(|l| l.amount == 777)
            .expect("the unexplained deposit is a candidate");
        decide(
            &mut store,
            &ledger(),
            2000803,
            candidate.id,
            ManualDecision::Match,
        )
        .expect("match");
        let m = month_status(&store, &ledger(), month, d("2026-11-20")).expect("status");
        assert_eq!(m.payouts[2].state, BankState::MatchedByHand);
        assert!(m.unexplained.is_empty());
        let e = decide(
            &mut store,
            &ledger(),
            2999999,
            candidate.id,
            ManualDecision::Match,
        )
        .expect_err("no such payout");
        assert!(e.to_string().contains("not in the synced data"), "{e}");
        let e =
            decide(&mut store, &ledger(), 2000803, 99_999, ManualDecision::Match).expect_err("no such line");
        assert!(e.to_string().contains("not a line of ledger 302321"), "{e}");
    }

    #[test]
    fn a_month_whose_payouts_are_all_in_the_bank_passes() {
        let (mut store, payouts) = store_with_payouts();
        import(
            &mut store,
            &lines_for_payouts(&payouts, &StatementFaults::default()),
        );
        let m =
            month_status(&store, &ledger(), YearMonth::of(d("2026-10-01")), d("2026-11-20")).expect("status");
        assert_eq!(m.check.status, BankCheckStatus::Ok, "{:?}", m.check);
        assert!(m.all_due_in_bank);
        assert_eq!(
            m.check.detail,
            "8 payout(s): 8 in the bank, 0 matched by hand, 0 not due yet."
        );
        assert_eq!(m.statement_from, Some(d("2026-10-05")));
    }
}
