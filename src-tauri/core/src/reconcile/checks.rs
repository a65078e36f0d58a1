//! The month's checks: balance chains on both topics, payouts against the funds they cover, fees
//! retained on both sides, capture fees against captures, dates closed and synced, entry types
//! recognised, and gross settlement's fee invoices. Each says OK or FAIL with a sentence and at most
//! [`MAX_PROBLEMS`] offending lines (counted exactly).

use super::captures::{CaptureFees, FeeAcc};
use super::days::{DayEntries, FeesDay, FundsDay};
use super::runs::{FeeInvoiceReport, PayoutReport, Settlement};
use super::states::{DateStates, SyncState};
use super::UnknownType;
use crate::model::{Entry, Minor, Topic};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// At most this many problem lines are kept per check; the count is always exact.
const MAX_PROBLEMS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum CheckId {
    FundsBalanceChain,
    FeesBalanceChain,
    PayoutsMatchFunds,
    FeesRetainedAgree,
    CaptureFeesMatchCaptures,
    DatesClosedAndSynced,
    EntryTypesRecognised,
    FeeInvoices,
    /// Issue 17: every capture and refund on a sales unit has its Sales API entry, amounts agree.
    SalesMatchCaptures,
}

/// One check: OK or FAIL, with a sentence and the offending lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Check {
    pub id: CheckId,
    pub title: String,
    pub ok: bool,
    pub detail: String,
    /// Up to 200 offending lines; `problemCount` is exact.
    pub problems: Vec<String>,
    pub problem_count: u32,
    /// The check needs what the month's data lacks (balances, from a settlement report file): it
    /// neither passes nor fails (`ok` stays true so it is not counted as failed) and `detail` says why.
    #[serde(default)]
    pub not_available: bool,
}

/// The words a check uses when the month's data comes from settlement report files.
pub const NOT_AVAILABLE_FROM_FILE: &str = "not available from a portal file";

impl Check {
    pub fn status(&self) -> &'static str {
        if self.not_available {
            "NOT AVAILABLE"
        } else if self.ok {
            "OK"
        } else {
            "FAIL"
        }
    }
}

/// Problems found while streaming: kept short, counted exactly.
#[derive(Debug, Default, Clone)]
pub(super) struct Problems {
    lines: Vec<String>,
    count: u32,
}

impl Problems {
    fn push(&mut self, line: impl FnOnce() -> String) {
        self.count += 1;
        if self.lines.len() < MAX_PROBLEMS {
            self.lines.push(line());
        }
    }
}

/// One topic's balance chain, checked entry by entry as the entries stream in.
#[derive(Debug, Default, Clone)]
pub(super) struct Chain {
    last: Option<(NaiveDate, u32, Minor)>,
    problems: Problems,
    checked: u64,
}

impl Chain {
    /// Per entry and within its date: `after = before + amount`, and `before` = the previous `after`.
    pub fn push(&mut self, topic: Topic, e: &Entry, in_month: bool) {
        if in_month {
            self.checked += 1;
            if e.balance_before.checked_add(e.amount) != Some(e.balance_after) {
                self.problems.push(|| {
                    format!(
                        "{topic} {} #{} ({} {}): balance after {} ≠ balance before {} + amount {}",
                        e.ledger_date,
                        e.seq,
                        e.entry_type,
                        e.psp_reference,
                        e.balance_after,
                        e.balance_before,
                        e.amount
                    )
                });
            }
            if let Some((date, seq, after)) = self.last {
                if date == e.ledger_date && after != e.balance_before {
                    self.problems.push(|| {
                        format!(
                            "{topic} {} #{} ({} {}): balance before {} ≠ balance after {} of entry #{}",
                            e.ledger_date, e.seq, e.entry_type, e.psp_reference, e.balance_before, after, seq
                        )
                    });
                }
            }
        }
        self.last = Some((e.ledger_date, e.seq, e.balance_after));
    }

    /// An amount that would make a date's or a payout run's figures overflow: counted as a break,
    /// so the check fails instead of a sum wrapping.
    pub fn entry_overflow(&mut self, topic: Topic, e: &Entry) {
        self.problems.push(|| {
            format!(
                "{topic} {} #{} ({} {}): amount {} makes the figures no longer fit in 64 bits",
                e.ledger_date, e.seq, e.entry_type, e.psp_reference, e.amount
            )
        });
    }

    /// The figures of date `d` or of the month up to it no longer fit in 64 bits.
    pub fn date_overflow(&mut self, d: NaiveDate) {
        self.problems
            .push(|| format!("{d}: the figures of the date or the month no longer fit in 64 bits"));
    }
}

/// What the checks look at, once the month's entries have all streamed in.
pub(super) struct CheckInput<'a> {
    /// The month's dates, first to last.
    pub dates: &'a [NaiveDate],
    pub states: &'a DateStates,
    pub funds_chain: Chain,
    pub fees_chain: Chain,
    pub funds_days: &'a BTreeMap<NaiveDate, FundsDay>,
    pub fees_days: &'a BTreeMap<NaiveDate, FeesDay>,
    /// The month's payouts and fee invoices.
    pub payouts: &'a [PayoutReport],
    pub invoices: &'a [FeeInvoiceReport],
    pub capture_fees: &'a CaptureFees,
    pub unknown_types: &'a [UnknownType],
    pub settlement: Settlement,
    /// The month's fees charged plus fee adjustments: what awaits the next invoice when gross.
    pub fees_owed: Minor,
}

/// Every check of the month, in the order the Checks view shows them.
pub(super) fn month_checks(input: CheckInput<'_>) -> Vec<Check> {
    let CheckInput {
        mut funds_chain,
        mut fees_chain,
        ..
    } = input;
    let funds_ends: Vec<(NaiveDate, DayEntries)> =
        input.funds_days.iter().map(|(d, x)| (*d, x.entries)).collect();
    let fees_ends: Vec<(NaiveDate, DayEntries)> =
        input.fees_days.iter().map(|(d, x)| (*d, x.entries)).collect();
    let from_files = |t: Topic| input.states.count_from_files(t, input.dates);
    let funds_files = from_files(Topic::Funds);
    let fees_files = from_files(Topic::Fees);
    let unavailable = |id: CheckId, title: &str, n: usize, what: &str| {
        Check {
        id,
        title: title.to_string(),
        ok: true,
        detail: format!(
            "Not checked: {NOT_AVAILABLE_FROM_FILE} ({n} date(s) of this month come from an imported settlement report, which {what})."
        ),
        problems: vec![],
        problem_count: 0,
        not_available: true,
    }
    };
    vec![
        if funds_files > 0 {
            unavailable(
                CheckId::FundsBalanceChain,
                "Funds balance chain",
                funds_files,
                "shows no balances",
            )
        } else {
            balance_chain(
                Topic::Funds,
                &mut funds_chain,
                &funds_ends,
                input.dates,
                input.states,
            )
        },
        if fees_files > 0 {
            unavailable(
                CheckId::FeesBalanceChain,
                "Fees balance chain",
                fees_files,
                "shows no balances",
            )
        } else {
            balance_chain(
                Topic::Fees,
                &mut fees_chain,
                &fees_ends,
                input.dates,
                input.states,
            )
        },
        payouts_match_funds(input.payouts),
        if funds_files.max(fees_files) > 0 {
            unavailable(
                CheckId::FeesRetainedAgree,
                "Fees retained on funds equal fees retained on fees, per date",
                funds_files.max(fees_files),
                "shows each payment's fee, not the fees retained on each side",
            )
        } else {
            fees_retained_agree(input.dates, input.funds_days, input.fees_days)
        },
        capture_fees_match_captures(input.capture_fees),
        dates_closed_and_synced(input.dates, input.states),
        entry_types_recognised(input.unknown_types),
        fee_invoices(input.invoices, input.settlement, input.fees_owed),
    ]
}

/// Across dates: each date's opening balance is the closing balance of the date before, wherever
/// the dates between are synced (even if empty); within dates, what [`Chain::push`] found.
fn balance_chain(
    topic: Topic,
    chain: &mut Chain,
    ends: &[(NaiveDate, DayEntries)],
    dates: &[NaiveDate],
    states: &DateStates,
) -> Check {
    let (id, title) = match topic {
        Topic::Funds => (CheckId::FundsBalanceChain, "Funds balance chain"),
        Topic::Fees => (CheckId::FeesBalanceChain, "Fees balance chain"),
    };
    let in_month =
        |d: NaiveDate| dates.first().is_some_and(|f| d >= *f) && dates.last().is_some_and(|l| d <= *l);
    let mut links = 0u32;
    for w in ends.windows(2) {
        let ((a, a_day), (b, b_day)) = (w[0], w[1]);
        let (a_after, b_before) = (a_day.last_after, b_day.first_before);
        if !in_month(b) {
            continue;
        }
        // Only compare across dates the cache holds in full (synced, even if empty).
        let gap_synced = a
            .iter_days()
            .skip(1)
            .take_while(|d| *d < b)
            .all(|d| states.synced(topic, d));
        if !gap_synced {
            continue;
        }
        links += 1;
        if a_after != b_before {
            chain.problems.push(|| {
                format!("{topic} {b}: opening balance {b_before} ≠ closing balance {a_after} of {a}")
            });
        }
    }
    let ok = chain.problems.count == 0;
    let detail = if ok {
        format!(
            "{} entries and {links} date-to-date links: every balance follows from the one before.",
            chain.checked
        )
    } else {
        format!("{} break(s) in the balance chain.", chain.problems.count)
    };
    check(id, title, detail, std::mem::take(&mut chain.problems))
}

fn payouts_match_funds(payouts: &[PayoutReport]) -> Check {
    let mut p = Problems::default();
    for po in payouts {
        if !po.ok {
            p.push(|| {
                format!(
                    "payout {} on {}: {} paid, but the funds it covers ({} to {}) add up to {} (difference {}, balance left {})",
                    po.label,
                    po.date,
                    fmt(po.amount),
                    po.covered_from,
                    po.covered_to,
                    fmt(po.covered_sum),
                    fmt(po.difference),
                    fmt(po.balance_after)
                )
            });
        }
    }
    let unknown_start = payouts.iter().filter(|p| !p.previous_payout_known).count();
    let mut detail = if p.count == 0 {
        format!(
            "{} payout(s) this month, each equal to the funds it covers.",
            payouts.len()
        )
    } else {
        format!(
            "{} of {} payout(s) differ from the funds they cover.",
            p.count,
            payouts.len()
        )
    };
    if unknown_start > 0 {
        detail.push_str(&format!(
            " {unknown_start} payout run(s) start before the loaded dates; sync earlier dates to see where they begin."
        ));
    }
    check(
        CheckId::PayoutsMatchFunds,
        "Every payout equals the funds it covers",
        detail,
        p,
    )
}

fn fees_retained_agree(
    month_dates: &[NaiveDate],
    funds_days: &BTreeMap<NaiveDate, FundsDay>,
    fees_days: &BTreeMap<NaiveDate, FeesDay>,
) -> Check {
    let mut p = Problems::default();
    let mut dates = 0;
    for &d in month_dates {
        let funds = funds_days.get(&d).map_or(0, |x| x.figures.fees_retained());
        let fees = fees_days.get(&d).map_or(0, |x| x.retained);
        if funds != 0 || fees != 0 {
            dates += 1;
        }
        if funds != fees {
            p.push(|| {
                format!(
                    "{d}: funds fees-retained {} ≠ fees fees-retained {}",
                    fmt(-funds),
                    fmt(fees)
                )
            });
        }
    }
    let detail = if p.count == 0 {
        format!("{dates} date(s) with fees retained; funds and fees agree on every one.")
    } else {
        format!(
            "{} date(s) where funds and fees disagree on the fees retained.",
            p.count
        )
    };
    check(
        CheckId::FeesRetainedAgree,
        "Fees retained on funds equal fees retained on fees, per date",
        detail,
        p,
    )
}

fn capture_fees_match_captures(fees: &CaptureFees) -> Check {
    let mut p = Problems::default();
    let matched = fees.matched_in_month;
    let mut orphans: Vec<(&String, &FeeAcc)> = fees.orphans.iter().collect();
    orphans.sort_by(|a, b| (a.1.last_date, a.0).cmp(&(b.1.last_date, b.0)));
    for (psp, f) in orphans {
        p.push(|| {
            format!(
                "capture fee {} ({}, last on {}) has no capture with that pspReference",
                psp,
                fmt(f.amount),
                f.last_date.map(|d| d.to_string()).unwrap_or_default()
            )
        });
    }
    let detail = if p.count == 0 {
        format!("{matched} capture fee(s) this month, each matched to its capture by pspReference.")
    } else {
        format!(
            "{} pspReference(s) with capture fees but no capture in the loaded dates.",
            p.count
        )
    };
    check(
        CheckId::CaptureFeesMatchCaptures,
        "Every capture fee matches a capture",
        detail,
        p,
    )
}

fn dates_closed_and_synced(month_dates: &[NaiveDate], states: &DateStates) -> Check {
    let mut p = Problems::default();
    let (mut open, mut missing) = (0, 0);
    for &d in month_dates {
        for t in Topic::ALL {
            match states.get(t, d) {
                SyncState::Complete => {}
                SyncState::Open => {
                    open += 1;
                    p.push(|| format!("{t} {d}: open upstream (not closed by Vipps MobilePay yet)"));
                }
                SyncState::Failed => {
                    missing += 1;
                    p.push(|| format!("{t} {d}: the last fetch failed"));
                }
                SyncState::Missing => {
                    missing += 1;
                    p.push(|| format!("{t} {d}: not synced"));
                }
            }
        }
    }
    let detail = if p.count == 0 {
        format!(
            "All {} dates closed upstream and synced (funds and fees).",
            month_dates.len()
        )
    } else {
        format!("{open} topic-date(s) still open upstream, {missing} not synced.")
    };
    check(
        CheckId::DatesClosedAndSynced,
        "Every date of the month closed and synced",
        detail,
        p,
    )
}

fn entry_types_recognised(unknown_types: &[UnknownType]) -> Check {
    let mut p = Problems::default();
    for u in unknown_types {
        p.push(|| {
            format!(
                "{}: \"{}\" × {} totalling {} (counted under other)",
                u.topic,
                u.entry_type,
                u.count,
                fmt(u.amount)
            )
        });
    }
    let detail = if p.count == 0 {
        "Every entry type is one Avstem knows.".to_string()
    } else {
        format!(
            "{} entry type(s) Avstem does not know; they are counted under other movements and need a look.",
            p.count
        )
    };
    check(CheckId::EntryTypesRecognised, "Entry types recognised", detail, p)
}

fn fee_invoices(invoices: &[FeeInvoiceReport], settlement: Settlement, fees_owed: Minor) -> Check {
    let mut p = Problems::default();
    for inv in invoices {
        if !inv.ok {
            p.push(|| {
                format!(
                    "fees-invoiced {} on {}: {} invoiced, but fees accrued {} to {} are {} (difference {})",
                    inv.psp_reference,
                    inv.date,
                    fmt(inv.amount),
                    inv.covered_from,
                    inv.covered_to,
                    fmt(inv.accrued),
                    fmt(inv.difference)
                )
            });
        }
    }
    let total: Minor = invoices.iter().map(|i| i.amount).sum();
    let detail = match (settlement, invoices.len()) {
        (_, n) if n > 0 => format!(
            "Gross settlement: fees invoiced this month {} in {n} invoice(s){}.",
            fmt(total),
            if p.count == 0 { ", each equal to the fees accrued since the previous invoice" } else { "" }
        ),
        (Settlement::Gross, _) => format!(
            "Gross settlement: no fee invoice this month; {} of fees charged this month await the next invoice.",
            fmt(fees_owed)
        ),
        _ => "Net settlement: fees are retained from funds, no fee invoices.".to_string(),
    };
    check(
        CheckId::FeeInvoices,
        "Gross settlement: the month's fees-invoiced total",
        detail,
        p,
    )
}

fn check(id: CheckId, title: &str, detail: String, p: Problems) -> Check {
    Check {
        id,
        title: title.to_string(),
        ok: p.count == 0,
        detail,
        problems: p.lines,
        problem_count: p.count,
        not_available: false,
    }
}

fn fmt(m: Minor) -> String {
    crate::model::format_minor(m)
}
