//! A reconciled month from the cache: the one place that reads a ledger-month. The month, day,
//! payout and capture screens, the exporters and the CLI all call in here; none assembles a month
//! itself.
//!
//! - this file: which dates to stream ([`load_range`]), streaming them through the reconciler
//!   ([`reconcile_source`]) and [`reconcile_cached`], the month straight from the cache;
//! - [`missing`]: which dates still need a sync, and the refusal sentence for an export;
//! - [`views`]: what the window's month, day, payout and capture screens show;
//! - [`sales_view`]: what was sold, for those screens (order lines, sales by VAT rate);
//! - [`fetch`]: "sync what this month needs", shared by the window's Sync, its Export and `avstem export --sync`.

pub mod fetch;
pub mod missing;
pub mod open;
pub mod sales_view;
pub mod views;

pub use missing::{describe_missing, missing_dates, refuse_unless_ready};

use crate::clock::Clock;
use crate::export::{EntrySource, StoreSource};
use crate::model::{Ledger, Topic, YearMonth};
use crate::reconcile::{needed_range, DateStates, MonthReport, Reconciler};
use crate::store::{DateStatus, Store};
use crate::{Error, Result};
use chrono::NaiveDate;

/// How many days a capture fee may land after its capture and still be matched when the capture
/// was before the month (observed: 1–2; a week of slack).
pub const FEE_LAG_DAYS: i64 = crate::reconcile::CAPTURE_LOOKBACK_DAYS;

/// How many ledger dates (per topic) of the month still need a sync, up to the ledger's own today.
pub fn missing_count(store: &Store, ledger_id: &str, month: YearMonth, clock: &Clock) -> Result<u32> {
    let today = clock.today_for(&cached_ledger(store, ledger_id)?);
    let n = missing_dates(store, ledger_id, month, today)?.len();
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// The month a user most likely wants to reconcile: the last one that is over in Norway by `clock`.
pub fn default_month(clock: &Clock) -> YearMonth {
    YearMonth::of(clock.today_in(crate::model::Country::No)).prev()
}

/// The ledger dates streamed per topic for one month (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadRange {
    pub funds: (NaiveDate, NaiveDate),
    pub fees: (NaiveDate, NaiveDate),
}

/// [`needed_range`], narrowed with what the cache already knows, so a high-volume ledger does not
/// stream five weeks it does not need: funds from the last payout before the month (its balance
/// after is the next run's start) or [`FEE_LAG_DAYS`] before the month, whichever is earlier, to the
/// first payout after it; fees from the last fee invoice
/// before the month (gross settlement) or the funds start, to 10 days after (lagging fees).
pub fn load_range(store: &Store, ledger_id: &str, month: YearMonth) -> Result<LoadRange> {
    let (from, to) = needed_range(month);
    let (first, last) = (month.first_day(), month.last_day());
    let mut before = store.month_summary(ledger_id, month.prev().prev())?;
    before.extend(store.month_summary(ledger_id, month.prev())?);
    let funds_from = before
        .iter()
        .filter(|d| d.date >= from && d.date < first && d.figures.payout() != 0)
        .map(|d| d.date)
        .max()
        .unwrap_or(from)
        // Captures of the last days before the month own capture fees that land inside it.
        .min(first - chrono::Duration::days(FEE_LAG_DAYS));
    let funds_to = store
        .month_summary(ledger_id, month.next())?
        .iter()
        .filter(|d| d.date > last && d.date <= to && d.figures.payout() != 0)
        .map(|d| d.date)
        .min()
        .unwrap_or(to);
    let q = crate::store::DayQuery {
        limit: 1,
        entry_type: Some(crate::model::EntryType::FeesInvoiced.as_str().to_string()),
        ..Default::default()
    };
    let mut invoice = None;
    let mut d = first.pred_opt().unwrap_or(first);
    while d >= from {
        if store.day_entries(ledger_id, Topic::Fees, d, &q)?.total > 0 {
            invoice = Some(d);
            break;
        }
        d = match d.pred_opt() {
            Some(p) => p,
            None => break,
        };
    }
    let fees_from = invoice
        .unwrap_or(funds_from)
        .min(first.pred_opt().unwrap_or(first));
    Ok(LoadRange {
        funds: (funds_from, funds_to),
        fees: (fees_from, to),
    })
}

/// Reconcile a month by streaming the entries of `range` through the reconciler (funds first).
pub fn reconcile_source(
    ledger: &Ledger,
    month: YearMonth,
    source: &dyn EntrySource,
    range: LoadRange,
    states: &DateStates,
) -> Result<MonthReport> {
    let mut r = Reconciler::new(ledger, month);
    source.for_each(Topic::Funds, range.funds.0, range.funds.1, &mut |e| {
        r.push_funds(e);
        Ok(())
    })?;
    source.for_each(Topic::Fees, range.fees.0, range.fees.1, &mut |e| {
        r.push_fees(e);
        Ok(())
    })?;
    Ok(r.finish(states))
}

/// The cached statuses of every date reconciliation looks at.
pub fn statuses_for(store: &Store, ledger_id: &str, month: YearMonth) -> Result<Vec<DateStatus>> {
    let (from, to) = needed_range(month);
    let mut all = store.date_statuses(ledger_id, Topic::Funds, from, to)?;
    all.extend(store.date_statuses(ledger_id, Topic::Fees, from, to)?);
    Ok(all)
}

/// The cached ledger, or a sentence saying how to get it.
pub fn cached_ledger(store: &Store, ledger_id: &str) -> Result<Ledger> {
    store.ledger(ledger_id)?.ok_or_else(|| {
        Error::Input(format!(
            "Ledger {ledger_id} is not in the cache. Run `avstem ledgers --profile <name>` (or sync it) first."
        ))
    })
}

/// Reconcile a month straight from the cache.
pub fn reconcile_cached(store: &Store, ledger_id: &str, month: YearMonth) -> Result<(Ledger, MonthReport)> {
    let ledger = cached_ledger(store, ledger_id)?;
    let statuses = statuses_for(store, ledger_id, month)?;
    let states = DateStates::from(statuses.as_slice());
    let range = load_range(store, ledger_id, month)?;
    let report = reconcile_source(&ledger, month, &StoreSource { store, ledger_id }, range, &states)?;
    Ok((ledger, report))
}
