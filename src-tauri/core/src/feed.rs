//! Following the feed (`…/{topic}/feed`) for dates upstream still holds open: the provider's
//! preferred way to keep up with a ledger, and the cheap one. A date stays open for weeks on
//! monthly settlement, on a negative balance and on an idle merchant; fetching every open date
//! every hour costs one request per date, while the feed costs one per page of *new* entries.
//!
//! The cursor is the whole position. It is stored with the page it belongs to (one transaction,
//! [`Store::store_feed_page`]), so a crash or SIGKILL resumes after the last stored page and
//! never re-reads from the start. The feed's first read has no cursor and starts at the ledger's
//! beginning (production's feed takes no start date): until it has once reached the end, a sync
//! reads at most [`CATCH_UP_PAGES_PER_RUN`] pages of it and fetches the open dates by date, and
//! entries older than the dates synced are skipped, so old history never fills the cache.
//!
//! Closed dates are still fetched once through the dates endpoint (the feed never marks a date
//! complete): a date the feed follows is fetched whole again when a payout on or after it shows
//! that upstream has closed it, or when its last full fetch is [`RECHECK_AFTER_DAYS`] days old.

use crate::api::ApiClient;
use crate::model::Topic;
use crate::store::{FeedPlace, FeedWrite, Store};
use crate::sync::CancelToken;
use crate::{Error, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// An open date the feed follows is fetched whole again after this many days without a payout
/// (a date can close without one, e.g. a top-up that ends exactly at zero).
pub const RECHECK_AFTER_DAYS: i64 = 7;

/// Pages one run reads from one feed at most (a first read of a long history is 1,000 entries a
/// page; 5,000 pages is five million entries). The next run goes on from the stored cursor.
pub const MAX_FEED_PAGES_PER_RUN: u32 = 5_000;

/// Pages one run reads from a feed that has not yet reached the present (its first read walks
/// the ledger's history); its open dates are fetched by date meanwhile. A shop's few years fit in
/// one run; a very large ledger catches up over several.
pub const CATCH_UP_PAGES_PER_RUN: u32 = 100;

/// One feed to follow in a sync: a ledger's topic.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FeedItem {
    pub ledger_id: String,
    pub topic: Topic,
    /// The earliest date whose entries are stored from the feed (older history is skipped).
    pub from: NaiveDate,
    /// The feed has not yet been read to its end: read at most [`CATCH_UP_PAGES_PER_RUN`] pages,
    /// and its open dates are fetched by date in this run.
    pub catch_up: bool,
}

/// What following one feed did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedRun {
    pub pages: u32,
    pub write: FeedWrite,
    /// The stored cursor was refused and the feed was read again from the beginning.
    pub restarted: bool,
}

impl FeedRun {
    fn add(&mut self, w: FeedWrite) {
        self.pages += 1;
        self.write.added += w.added;
        self.write.repeated += w.repeated;
        self.write.on_closed_dates += w.on_closed_dates;
        self.write.dates_touched += w.dates_touched;
        self.write.before_range += w.before_range;
    }
}

/// Read `item`'s feed from the stored cursor until the server says `tryLater` (the end for now),
/// storing each page with its cursor. A stored cursor the server refuses (4xx) is dropped once and
/// the feed read from the beginning; what is already cached is skipped, so nothing is duplicated.
/// `on_page` is told after every stored page.
pub async fn follow(
    client: &ApiClient,
    store_path: &Path,
    item: &FeedItem,
    gdpr: bool,
    cancel: &CancelToken,
    mut on_page: impl FnMut(&FeedRun),
) -> Result<FeedRun> {
    let mut store = Some(Store::open(store_path)?);
    let mut run = FeedRun::default();
    let mut cursor = with_store(&mut store, {
        let item = item.clone();
        move |s| s.feed_cursor(&item.ledger_id, item.topic)
    })
    .await?;
    let budget = if item.catch_up {
        CATCH_UP_PAGES_PER_RUN
    } else {
        MAX_FEED_PAGES_PER_RUN
    };
    while run.pages < budget {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let page = match client
            .feed_page_with(&item.ledger_id, item.topic, cursor.as_deref(), gdpr)
            .await
        {
            Ok(page) => page,
            Err(Error::Validation { message, .. }) if cursor.is_some() && !run.restarted => {
                tracing::warn!(ledger = %item.ledger_id, topic = %item.topic, %message,
                    "the feed refused its stored cursor; reading it again from the beginning");
                let it = item.clone();
                with_store(&mut store, move |s| s.clear_feed_cursor(&it.ledger_id, it.topic)).await?;
                run.restarted = true;
                cursor = None;
                continue;
            }
            Err(e) => return Err(e),
        };
        let same_place = cursor.as_deref() == Some(page.cursor.as_str());
        let empty = page.entries.is_empty();
        let at_end = page.try_later;
        let next = page.cursor.clone();
        let it = item.clone();
        let place = FeedPlace {
            from: item.from,
            at_end: at_end || (empty && same_place),
        };
        let written = with_store(&mut store, move |s| {
            s.store_feed_page_at(&it.ledger_id, it.topic, &page.entries, &page.cursor, gdpr, place)
        })
        .await?;
        run.add(written);
        on_page(&run);
        if at_end || (empty && same_place) || next.is_empty() {
            // `tryLater`: nothing more for now. An empty page that does not move is the same end
            // said without the flag; a page without a cursor gives nothing to continue from.
            break;
        }
        cursor = Some(next);
    }
    Ok(run)
}

/// Run `job` on the store off the async threads and put the store back.
async fn with_store<T: Send + 'static>(
    slot: &mut Option<Store>,
    job: impl FnOnce(&mut Store) -> Result<T> + Send + 'static,
) -> Result<T> {
    let mut store = slot
        .take()
        .ok_or_else(|| Error::Cache("The cache was lost while following the feed.".into()))?;
    let (store, result) = tokio::task::spawn_blocking(move || {
        let r = job(&mut store);
        (store, r)
    })
    .await
    .map_err(|e| Error::Io(format!("A cache task stopped unexpectedly ({e}).")))?;
    *slot = Some(store);
    result
}

/// Whether an open date the feed follows should be fetched whole again: a payout on or after it
/// (before today) shows it is covered, or its last full fetch is old.
pub fn recheck_due(
    date: NaiveDate,
    latest_payout: Option<NaiveDate>,
    fetched_on: NaiveDate,
    today: NaiveDate,
) -> bool {
    latest_payout.is_some_and(|p| p >= date) || (today - fetched_on).num_days() >= RECHECK_AFTER_DAYS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn a_followed_date_is_fetched_again_after_a_payout_covers_it_or_a_week() {
        let today = d("2026-11-20");
        // Monthly settlement: no payout since the 1st, fetched yesterday: the feed is enough.
        assert!(!recheck_due(
            d("2026-11-05"),
            Some(d("2026-11-01")),
            d("2026-11-19"),
            today
        ));
        // The 1st's payout covers the 1st itself.
        assert!(recheck_due(
            d("2026-11-01"),
            Some(d("2026-11-01")),
            d("2026-11-19"),
            today
        ));
        // A weekly payout on Monday the 16th covers the week before it.
        assert!(recheck_due(
            d("2026-11-12"),
            Some(d("2026-11-16")),
            d("2026-11-13"),
            today
        ));
        // No payout at all (an idle ledger): once a week.
        assert!(!recheck_due(d("2026-11-10"), None, d("2026-11-14"), today));
        assert!(recheck_due(d("2026-11-10"), None, d("2026-11-13"), today));
    }
}
