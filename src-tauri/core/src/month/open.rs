//! Why a date is still open upstream, from what the cache already holds.
//!
//! The API only says `tryLater: true`; it does not say why, and it stays true for weeks
//! (`report-api.md` §3): every date of a monthly-settled month until the 1st, every date while
//! the balance is negative (until a top-up), every date of a merchant with no traffic. A user who
//! sees "open" for three weeks needs the reason and, where it is known, the day it will close.
//! The reason is read from the ledger's cached payouts and balance; nothing is fetched.

use crate::model::Ledger;
use crate::store::Store;
use crate::Result;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Serialize;

/// Why open dates are open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum OpenWhy {
    /// The ledger's own today: payments are still coming in.
    Today,
    /// Paid out monthly (on the 1st): every date of the month stays open until then.
    MonthlySettlement,
    /// Paid out weekly (on Mondays): the dates stay open until the next Monday.
    WeeklyPayout,
    /// The balance is below zero: no payout, so no date closes, until a top-up or new sales.
    NegativeBalance,
    /// No sales for weeks: nothing makes a payout, so the dates stay open.
    NoSales,
    /// Waiting for the next payout (daily payouts, or a pattern not yet seen).
    AwaitingPayout,
}

/// The reason a date is open and, when the payout pattern tells it, the date it should close.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OpenNote {
    pub why: OpenWhy,
    /// The ledger date whose payout should close it (monthly: the 1st; weekly: the Monday).
    pub closes: Option<NaiveDate>,
}

impl OpenNote {
    /// In words, for the command line ("monthly settlement: closes 2024-06-01").
    pub fn describe(&self) -> String {
        let closes = |what: &str| match self.closes {
            Some(d) => format!("{what}: closes {d}"),
            None => format!("{what}: closes with the next payout"),
        };
        match self.why {
            OpenWhy::Today => "today so far: payments are still coming in".into(),
            OpenWhy::MonthlySettlement => closes("monthly settlement"),
            OpenWhy::WeeklyPayout => closes("weekly payout"),
            OpenWhy::NegativeBalance => "balance below zero: closes after a top-up or new sales".into(),
            OpenWhy::NoSales => "no sales lately: closes with the next payout, after new sales".into(),
            OpenWhy::AwaitingPayout => "waiting for Vipps to close it with the next payout".into(),
        }
    }
}

/// How often the ledger pays out, as its cached payouts show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pattern {
    Monthly,
    Weekly,
    Daily,
    Unknown,
}

/// Days without a single funds entry after which a ledger counts as having no sales.
const QUIET_DAYS: i64 = 21;

/// What the cache says about one ledger's open run, read once for a month of dates.
#[derive(Debug, Clone)]
pub struct OpenNotes {
    today: NaiveDate,
    pattern: Pattern,
    balance: Option<(NaiveDate, i64)>,
}

impl OpenNotes {
    /// Read the ledger's payouts and latest balance up to `today`.
    pub fn read(store: &Store, ledger: &Ledger, today: NaiveDate) -> Result<OpenNotes> {
        let payouts = store.payout_dates(&ledger.ledger_id, today, 6)?;
        let balance = store.latest_funds_balance(&ledger.ledger_id, today)?;
        Ok(OpenNotes {
            today,
            pattern: pattern(&payouts, today),
            balance,
        })
    }

    /// How often the ledger pays out, as its cached payouts show: "daily", "weekly", "monthly",
    /// or "" when the cache does not tell yet.
    pub fn frequency(&self) -> &'static str {
        match self.pattern {
            Pattern::Monthly => "monthly",
            Pattern::Weekly => "weekly",
            Pattern::Daily => "daily",
            Pattern::Unknown => "",
        }
    }

    /// The latest cached funds balance is below zero.
    pub fn negative_balance(&self) -> bool {
        self.balance.is_some_and(|(_, b)| b < 0)
    }

    /// The note for one open date.
    pub fn note(&self, date: NaiveDate) -> OpenNote {
        let why = if date >= self.today {
            OpenWhy::Today
        } else {
            match self.balance {
                Some((_, b)) if b < 0 => OpenWhy::NegativeBalance,
                Some((last, _)) if (self.today - last).num_days() < QUIET_DAYS => self.by_pattern(),
                _ => OpenWhy::NoSales,
            }
        };
        let closes = match why {
            OpenWhy::MonthlySettlement => first_of_next_month(date),
            OpenWhy::WeeklyPayout => Some(next_monday(date)),
            _ => None,
        };
        OpenNote { why, closes }
    }

    fn by_pattern(&self) -> OpenWhy {
        match self.pattern {
            Pattern::Monthly => OpenWhy::MonthlySettlement,
            Pattern::Weekly => OpenWhy::WeeklyPayout,
            Pattern::Daily | Pattern::Unknown => OpenWhy::AwaitingPayout,
        }
    }
}

/// The payout pattern from the latest payout dates (newest first). Two or more all on the 1st:
/// monthly; all on Mondays: weekly; otherwise daily. One payout on the 1st with more than a week
/// since and none after it is monthly too (a daily or weekly ledger would have paid again).
fn pattern(payouts: &[NaiveDate], today: NaiveDate) -> Pattern {
    match payouts {
        [] => Pattern::Unknown,
        [only] if only.day() == 1 && (today - *only).num_days() > 7 => Pattern::Monthly,
        [only] if only.weekday() == Weekday::Mon => Pattern::Weekly,
        [_] => Pattern::Unknown,
        many if many.iter().all(|d| d.day() == 1) => Pattern::Monthly,
        many if many.iter().all(|d| d.weekday() == Weekday::Mon) => Pattern::Weekly,
        _ => Pattern::Daily,
    }
}

/// The 1st of the month after `date`'s month.
fn first_of_next_month(date: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = if date.month() == 12 {
        (date.year().checked_add(1)?, 1)
    } else {
        (date.year(), date.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
}

/// The first Monday after `date` (a Monday's own payout closes the dates before it).
fn next_monday(date: NaiveDate) -> NaiveDate {
    let ahead = 7 - i64::from(date.weekday().num_days_from_monday());
    date + Duration::days(ahead)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn patterns_from_payout_dates() {
        let today = d("2026-11-20");
        assert_eq!(
            pattern(&[d("2026-11-01"), d("2026-10-01")], today),
            Pattern::Monthly
        );
        assert_eq!(pattern(&[d("2026-11-01")], today), Pattern::Monthly);
        assert_eq!(pattern(&[d("2026-11-01")], d("2026-11-05")), Pattern::Unknown);
        assert_eq!(
            pattern(&[d("2026-11-16"), d("2026-11-09")], today),
            Pattern::Weekly
        );
        assert_eq!(
            pattern(&[d("2026-11-19"), d("2026-11-18"), d("2026-11-16")], today),
            Pattern::Daily
        );
        assert_eq!(pattern(&[], today), Pattern::Unknown);
    }

    #[test]
    fn closing_dates() {
        assert_eq!(first_of_next_month(d("2026-10-20")), Some(d("2026-11-01")));
        assert_eq!(first_of_next_month(d("2026-12-31")), Some(d("2027-01-01")));
        // 2026-11-16 is a Monday.
        assert_eq!(next_monday(d("2026-11-18")), d("2026-11-23"));
        assert_eq!(next_monday(d("2026-11-16")), d("2026-11-23"));
        assert_eq!(next_monday(d("2026-11-22")), d("2026-11-23"));
    }

    #[test]
    fn notes_in_order_of_precedence() {
        let today = d("2026-11-20");
        let notes = |pattern, balance| OpenNotes {
            today,
            pattern,
            balance,
        };
        let monthly = notes(Pattern::Monthly, Some((d("2026-11-19"), 5_000)));
        assert_eq!(
            monthly.note(d("2026-11-03")),
            OpenNote {
                why: OpenWhy::MonthlySettlement,
                closes: Some(d("2026-12-01"))
            }
        );
        assert_eq!(monthly.note(today).why, OpenWhy::Today);
        let negative = notes(Pattern::Monthly, Some((d("2026-11-19"), -1)));
        assert_eq!(
            negative.note(d("2026-11-03")),
            OpenNote {
                why: OpenWhy::NegativeBalance,
                closes: None
            }
        );
        let quiet = notes(Pattern::Daily, Some((d("2026-10-01"), 0)));
        assert_eq!(quiet.note(d("2026-11-03")).why, OpenWhy::NoSales);
        assert_eq!(
            notes(Pattern::Unknown, None).note(d("2026-11-03")).why,
            OpenWhy::NoSales
        );
        let weekly = notes(Pattern::Weekly, Some((d("2026-11-19"), 10)));
        assert_eq!(weekly.note(d("2026-11-17")).closes, Some(d("2026-11-23")));
    }
}
