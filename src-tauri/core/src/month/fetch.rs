//! "Sync what this month needs": the month and the neighbouring dates its reconciliation reads
//! ([`needed_range`]), up to the ledger's own today, plus the dates stored without personal data
//! when the user asks for it. One function for the window's Sync button, the window's Export and
//! `avstem export --sync`, so the three can never fetch different things.

use crate::context::Context;
use crate::model::{Ledger, YearMonth};
use crate::reconcile::needed_range;
use crate::store::Store;
use crate::sync::{self, CancelToken, SyncOptions, SyncPlan, SyncProgress, SyncRequest, SyncSummary};
use crate::{Error, Result};
use chrono::NaiveDate;

/// What a sync of `ledger`'s `month` would fetch as of `today` (the ledger's). A month that has not
/// started is refused with a sentence; dates after today are never asked for.
pub fn plan_month(
    store: &Store,
    ledger: &Ledger,
    month: YearMonth,
    gdpr: bool,
    today: NaiveDate,
) -> Result<SyncPlan> {
    if month.first_day() > today {
        return Err(Error::Input(format!(
            "{month} has not started yet for ledger {} (today is {today} there).",
            ledger.ledger_id
        )));
    }
    let (from, to) = needed_range(month);
    let request = SyncRequest {
        ledger_ids: vec![ledger.ledger_id.clone()],
        from,
        to: to.min(today),
        gdpr,
    };
    sync::plan(store, &request, today)
}

/// Fetch what `month` of `ledger_id` lacks, with `profile`'s keys, reporting progress. The ledger
/// list is refreshed first when the ledger is not cached yet. When nothing is missing, no report
/// request is sent and the summary counts the dates already complete.
pub async fn sync_month(
    ctx: &Context,
    profile: &str,
    ledger_id: &str,
    month: YearMonth,
    gdpr: bool,
    progress: impl Fn(&SyncProgress) + Send + Sync,
    cancel: CancelToken,
) -> Result<SyncSummary> {
    let (profile, client) = ctx.client_for(profile).await?;
    let mut store = ctx.open_store()?;
    let ledger = match store.ledger(ledger_id)? {
        Some(l) => l,
        None => {
            let seen = sync::refresh_ledgers(&client, &mut store, &profile.name, None).await?;
            seen.into_iter()
                .find(|l| l.ledger_id == ledger_id)
                .ok_or_else(|| {
                    Error::Input(format!(
                        "Ledger {ledger_id} is not among the ledgers profile \"{}\" sees.",
                        profile.name
                    ))
                })?
        }
    };
    let today = ctx.clock.today_for(&ledger);
    let plan = plan_month(&store, &ledger, month, gdpr, today)?;
    drop(store);
    let summary = sync::execute(
        &client,
        &ctx.cache_path(),
        plan,
        SyncOptions::default(),
        progress,
        cancel.clone(),
    )
    .await?;
    if !summary.cancelled {
        sync_month_sales(&client, ctx, &ledger, month, today, &cancel).await;
    }
    Ok(summary)
}

/// What was sold (issue 17), after funds and fees, for the same dates: with accounting keys only
/// (the Sales API refuses a merchant's own keys). Secondary to the money: a failure is kept in the
/// sales cache (the date is retried next time) and logged, and never fails the sync of the funds.
async fn sync_month_sales(
    client: &crate::api::ApiClient,
    ctx: &Context,
    ledger: &Ledger,
    month: YearMonth,
    today: NaiveDate,
    cancel: &CancelToken,
) {
    use crate::sync::sales::{execute_sales, plan_sales, wants_sales, SalesChoice};
    if !wants_sales(client, SalesChoice::Auto).unwrap_or(false) {
        return;
    }
    let (from, to) = needed_range(month);
    let request = SyncRequest {
        ledger_ids: vec![ledger.ledger_id.clone()],
        from,
        to: to.min(today),
        gdpr: false,
    };
    let result = async {
        let (items, planned) = plan_sales(&ctx.open_store()?, &request, today)?;
        execute_sales(
            client,
            &ctx.cache_path(),
            items,
            planned,
            today,
            sync::DEFAULT_CONCURRENCY,
            cancel,
        )
        .await
    }
    .await;
    match result {
        Ok(s) if !s.failed.is_empty() => {
            tracing::warn!(ledger = %ledger.ledger_id, failed = s.failed.len(), "some sales dates could not be fetched")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(ledger = %ledger.ledger_id, error = %e, "sales not synced"),
    }
}
