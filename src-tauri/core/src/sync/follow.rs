//! The feed phase of a sync: follow open dates through the feed before fetching closed ones.

use super::{CancelToken, FailedDate, PlanItem, PlanReason, SyncPlan, SyncProgress, Tally};
use crate::api::ApiClient;
use crate::feed;
use crate::store::Store;
use crate::{Error, Result};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// The waits the server asked for (`Retry-After`), handed from the client to progress.
#[derive(Clone, Default)]
pub(super) struct WaitBoard(Arc<std::sync::atomic::AtomicU64>);

impl WaitBoard {
    pub(super) fn watch(client: &ApiClient) -> WaitBoard {
        let board = WaitBoard::default();
        let slot = board.0.clone();
        client.on_server_wait(Some(Arc::new(move |wait: Duration, _what: &str| {
            slot.store(wait.as_secs().max(1), Ordering::Relaxed);
        })));
        board
    }

    /// The latest wait not yet shown, in whole seconds.
    pub(super) fn take(&self) -> Option<u32> {
        let secs = self.0.swap(0, Ordering::Relaxed);
        (secs > 0).then(|| u32::try_from(secs).unwrap_or(u32::MAX))
    }
}

/// What the feed phase did, for the summary.
#[derive(Default)]
pub(super) struct FeedTotals {
    pub(super) pages: u32,
    pub(super) entries: u64,
    pub(super) failed: Vec<FailedDate>,
}

/// Read every planned feed (before the dates: the feed may show a followed date closed), then move
/// each followed date that a payout now covers into the plan's dates, to be fetched whole once.
/// A feed that fails leaves its followed dates marked failed, so the next sync fetches them by
/// date; rejected keys and an unwritable cache stop the run.
pub(super) async fn follow_feeds(
    client: &ApiClient,
    store_path: &Path,
    plan: &mut SyncPlan,
    progress: &(impl Fn(&SyncProgress) + Send + Sync),
    cancel: &CancelToken,
    waits: &WaitBoard,
) -> Result<FeedTotals> {
    let mut totals = FeedTotals::default();
    if plan.feeds.is_empty() {
        return Ok(totals);
    }
    let mut report = Tally::new(plan).report;
    for item in plan.feeds.clone() {
        if cancel.is_cancelled() {
            break;
        }
        report.current_ledger = Some(item.ledger_id.clone());
        let pages_before = totals.pages;
        let entries_before = totals.entries;
        let result = feed::follow(client, store_path, &item, plan.gdpr, cancel, |run| {
            report.feed_pages = pages_before + run.pages;
            report.entries_stored = entries_before + run.write.added;
            report.waiting_secs = waits.take();
            progress(&report);
        })
        .await;
        match result {
            Ok(run) => {
                totals.pages += run.pages;
                totals.entries += run.write.added;
            }
            Err(Error::Cancelled) => break,
            Err(e @ (Error::KeysRejected | Error::Cache(_))) => return Err(e),
            Err(e) => {
                let reason = e.to_stored_text();
                tracing::warn!(ledger = %item.ledger_id, topic = %item.topic, error = %reason, "feed failed");
                let mut store = Store::open(store_path)?;
                let (failed, kept): (Vec<PlanItem>, Vec<PlanItem>) = std::mem::take(&mut plan.followed)
                    .into_iter()
                    .partition(|f| f.ledger_id == item.ledger_id && f.topic == item.topic);
                plan.followed = kept;
                for f in failed {
                    store.mark_failed(&f.ledger_id, f.topic, f.date, &reason)?;
                    totals.failed.push(FailedDate {
                        ledger_id: f.ledger_id,
                        topic: f.topic,
                        date: f.date,
                        reason: reason.clone(),
                    });
                }
            }
        }
    }
    // A payout the feed brought closes the followed dates up to it: fetch those whole, once.
    let store = Store::open(store_path)?;
    let mut payouts: HashMap<String, Option<NaiveDate>> = HashMap::new();
    let mut still = Vec::new();
    for f in std::mem::take(&mut plan.followed) {
        let latest = match payouts.get(&f.ledger_id) {
            Some(p) => *p,
            None => {
                let p = store.latest_payout_date(&f.ledger_id, NaiveDate::MAX)?;
                payouts.insert(f.ledger_id.clone(), p);
                p
            }
        };
        let covered = f.reason != PlanReason::NotClosedYet && latest.is_some_and(|p| p >= f.date);
        if covered {
            plan.items.push(PlanItem {
                reason: PlanReason::Open,
                ..f
            });
        } else {
            still.push(f);
        }
    }
    plan.followed = still;
    Ok(totals)
}
