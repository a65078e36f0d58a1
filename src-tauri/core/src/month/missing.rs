//! Which dates of a month still need a sync, and the sentence that refuses an export until they have
//! one. "Today" is the ledger's own (see [`crate::clock`]): its dates after today cannot be fetched
//! yet, and a month that is not over cannot be exported.

use crate::model::{Topic, YearMonth};
use crate::store::{DateState, Store};
use crate::{Error, Result};
use chrono::NaiveDate;
use std::collections::HashMap;

/// The month's dates that must be synced before an export: never fetched, or the last fetch failed.
/// Open dates (not closed upstream) do not count: they are synced, and the Checks sheet says so.
/// Dates after `today` (the ledger's, from [`crate::clock::Clock::today_for`]) cannot be fetched yet
/// and are not asked for.
pub fn missing_dates(
    store: &Store,
    ledger_id: &str,
    month: YearMonth,
    today: NaiveDate,
) -> Result<Vec<(Topic, NaiveDate)>> {
    let mut out = Vec::new();
    for topic in Topic::ALL {
        let have: HashMap<NaiveDate, DateState> = store
            .date_statuses(ledger_id, topic, month.first_day(), month.last_day())?
            .into_iter()
            .map(|s| (s.date, s.state))
            .collect();
        for d in month.dates().take_while(|d| *d <= today) {
            if !matches!(have.get(&d), Some(DateState::Complete | DateState::Open)) {
                out.push((topic, d));
            }
        }
    }
    out.sort_by_key(|(t, d)| (*d, *t));
    Ok(out)
}

/// The refusal sentence for [`missing_dates`]: dates folded into ranges, e.g.
/// "these dates are not synced: 2024-03-01 – 2024-03-04 (funds, fees), 2024-03-09 (fees); run with --sync".
pub fn describe_missing(missing: &[(Topic, NaiveDate)]) -> String {
    let mut by_date: std::collections::BTreeMap<NaiveDate, Vec<Topic>> = Default::default();
    for (t, d) in missing {
        by_date.entry(*d).or_default().push(*t);
    }
    let mut parts: Vec<String> = Vec::new();
    let mut run: Option<(NaiveDate, NaiveDate, Vec<Topic>)> = None;
    let flush = |run: &mut Option<(NaiveDate, NaiveDate, Vec<Topic>)>, parts: &mut Vec<String>| {
        if let Some((a, b, topics)) = run.take() {
            let t: Vec<&str> = topics.iter().map(|t| t.as_str()).collect();
            let span = if a == b {
                a.to_string()
            } else {
                format!("{a} – {b}")
            };
            parts.push(format!("{span} ({})", t.join(", ")));
        }
    };
    for (d, mut topics) in by_date {
        topics.sort();
        let extend = matches!(&run, Some((_, b, t)) if b.succ_opt() == Some(d) && *t == topics);
        if extend {
            if let Some(r) = run.as_mut() {
                r.1 = d;
            }
        } else {
            flush(&mut run, &mut parts);
            run = Some((d, d, topics));
        }
    }
    flush(&mut run, &mut parts);
    format!(
        "these dates are not synced: {}; run with --sync",
        parts.join(", ")
    )
}

/// Refuse an export of a month that is not over yet (its last date is the ledger's today or later),
/// or whose dates are not all synced (naming them).
pub fn refuse_unless_ready(store: &Store, ledger_id: &str, month: YearMonth, today: NaiveDate) -> Result<()> {
    super::cached_ledger(store, ledger_id)?;
    if month.last_day() >= today {
        return Err(Error::Input(format!(
            "Cannot export ledger {ledger_id} for {month}: the month is not over yet (its last date, {}, \
             is complete on the day after). Export it from {}.",
            month.last_day(),
            month.last_day().succ_opt().unwrap_or(month.last_day())
        )));
    }
    let missing = missing_dates(store, ledger_id, month, today)?;
    if missing.is_empty() {
        return Ok(());
    }
    let described = describe_missing(&missing);
    // A ledger made from the portal's files has no keys to sync with: its dates come from reports.
    if ledger_id.starts_with("portal-") && store.portal_import_count(ledger_id)? > 0 {
        let dates = described
            .trim_start_matches("these dates are not synced: ")
            .trim_end_matches("; run with --sync");
        return Err(Error::Input(format!(
            "Cannot export ledger {ledger_id} for {month}: these dates are in no imported settlement report: {dates}. \
             Download the report for them from the business portal and import it with `avstem import`."
        )));
    }
    Err(Error::Input(format!(
        "Cannot export ledger {ledger_id} for {month}: {described}."
    )))
}
