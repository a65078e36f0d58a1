//! What to fetch, in what order: a plan as plain data from the cache's date statuses, then
//! its execution with bounded concurrency, one writer, progress events and cancellation.

use crate::api::{ApiClient, DatePage};
use crate::feed::{self, FeedItem};

mod follow;
pub mod sales;
use crate::model::{Ledger, Topic};
use crate::store::{DateState, DateWrite, Store};
use crate::{Error, Result};
use chrono::NaiveDate;
use follow::{follow_feeds, WaitBoard};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Requests in flight when nobody says otherwise: polite to the API, fast enough on latency.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// A hard ceiling, whatever the user asks for.
pub const MAX_CONCURRENCY: usize = 32;

/// What the user asked to have in the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncRequest {
    pub ledger_ids: Vec<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Ask for names, phone numbers and messages (Vippsnummer payments only).
    pub gdpr: bool,
}

/// Why a (ledger, topic, date) is in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum PlanReason {
    /// Never fetched.
    Missing,
    /// Fetched while upstream still said `tryLater`: fetch again and replace.
    Open,
    /// The last attempt failed.
    Failed,
    /// Today: will come back open, but the provisional rows are still useful.
    NotClosedYet,
    /// Complete, but stored without the GDPR fields the user now asks for.
    GdprMissing,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PlanItem {
    pub ledger_id: String,
    pub topic: Topic,
    pub date: NaiveDate,
    pub reason: PlanReason,
}

/// The fetches a sync will make, in order. Complete dates are never in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncPlan {
    pub items: Vec<PlanItem>,
    /// Dates in the range already complete in the cache (skipped).
    pub already_complete: u32,
    pub gdpr: bool,
    /// Open dates (and today) left to the feed instead of fetched one by one.
    pub followed: Vec<PlanItem>,
    /// The feeds to read: each (ledger, topic) with a followed date.
    pub feeds: Vec<FeedItem>,
}

/// How a sync keeps up with the dates upstream still holds open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenDates {
    /// Follow them through the feed; fetch one whole again only when it has (almost surely)
    /// closed (see [`crate::feed`]). The default.
    Feed,
    /// Fetch every open date again on every sync (one request per date: the old way, kept as
    /// the benchmark's baseline).
    Refetch,
}

impl SyncPlan {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.feeds.is_empty()
    }
    pub fn count(&self, reason: PlanReason) -> usize {
        self.items.iter().filter(|i| i.reason == reason).count()
    }
}

/// Work out what to fetch from what the cache holds, following open dates through the feed.
/// Pure: no network, no writes.
pub fn plan(store: &Store, req: &SyncRequest, today: NaiveDate) -> Result<SyncPlan> {
    plan_with(store, req, today, OpenDates::Feed)
}

/// [`plan`], choosing how open dates are kept up with. Dates after `today` are never planned:
/// nothing exists for them yet.
pub fn plan_with(
    store: &Store,
    req: &SyncRequest,
    today: NaiveDate,
    open_dates: OpenDates,
) -> Result<SyncPlan> {
    if req.from > req.to {
        return Err(Error::Input(format!(
            "The range starts after it ends ({} to {}).",
            req.from, req.to
        )));
    }
    let days = (req.to - req.from).num_days() + 1;
    if days > 3700 {
        return Err(Error::Input(format!(
            "{days} days is too long a range for one sync; sync at most ten years."
        )));
    }
    let feed = open_dates == OpenDates::Feed;
    let mut catching_up: Vec<FeedItem> = Vec::new();
    let mut plan = SyncPlan {
        items: Vec::new(),
        already_complete: 0,
        gdpr: req.gdpr,
        followed: Vec::new(),
        feeds: Vec::new(),
    };
    for ledger_id in &req.ledger_ids {
        let mut known = HashMap::new();
        for topic in Topic::ALL {
            for s in store.date_statuses(ledger_id, topic, req.from, req.to)? {
                known.insert((topic, s.date), (s.state, s.with_gdpr, s.fetched_at.date_naive()));
            }
        }
        let latest_payout = store.latest_payout_date(ledger_id, today)?;
        // A feed that has never reached its end would walk the ledger's history first: until it
        // has, its open dates are fetched by date and the feed only moves on (a bounded catch-up).
        let mut caught_up = HashMap::new();
        if feed {
            for topic in Topic::ALL {
                caught_up.insert(topic, store.feed_caught_up(ledger_id, topic)?);
            }
        }
        let last = req.to.min(today);
        for date in req.from.iter_days().take_while(|d| *d <= last) {
            for topic in Topic::ALL {
                let status = known.get(&(topic, date));
                let gdpr_missing = req.gdpr && !status.is_some_and(|s| s.1);
                let reason = match status {
                    Some((DateState::Complete, ..)) if gdpr_missing => PlanReason::GdprMissing,
                    Some((DateState::Complete, ..)) => {
                        plan.already_complete += 1;
                        continue;
                    }
                    _ if date == today => PlanReason::NotClosedYet,
                    Some((DateState::Open, ..)) => PlanReason::Open,
                    Some((DateState::Failed, ..)) => PlanReason::Failed,
                    None => PlanReason::Missing,
                };
                let item = PlanItem {
                    ledger_id: ledger_id.clone(),
                    topic,
                    date,
                    reason,
                };
                let left_to_feed = feed
                    && match (reason, status) {
                        // Today is only ever followed: its dates page would be stale within the hour.
                        (PlanReason::NotClosedYet, _) => true,
                        (PlanReason::Open, Some((_, _, fetched_on))) => {
                            !gdpr_missing && !feed::recheck_due(date, latest_payout, *fetched_on, today)
                        }
                        _ => false,
                    };
                if left_to_feed && caught_up.get(&topic) == Some(&true) {
                    plan.followed.push(item);
                } else {
                    // Only a date that stays open past its own day (monthly settlement, a negative
                    // balance, no sales) is worth a first read of the feed's history; a ledger
                    // that closes every day costs two requests for today either way.
                    if left_to_feed && reason == PlanReason::Open {
                        catching_up.push(FeedItem {
                            ledger_id: ledger_id.clone(),
                            topic,
                            from: req.from,
                            catch_up: true,
                        });
                    }
                    plan.items.push(item);
                }
            }
        }
    }
    // One feed per (ledger, topic), storing from its earliest followed date.
    let mut feeds: Vec<FeedItem> = plan
        .followed
        .iter()
        .map(|i| FeedItem {
            ledger_id: i.ledger_id.clone(),
            topic: i.topic,
            from: i.date,
            catch_up: false,
        })
        .chain(catching_up)
        .collect();
    feeds.sort_by(|a, b| {
        (&a.ledger_id, a.topic.as_str(), a.from).cmp(&(&b.ledger_id, b.topic.as_str(), b.from))
    });
    feeds.dedup_by(|b, a| a.ledger_id == b.ledger_id && a.topic == b.topic);
    plan.feeds = feeds;
    Ok(plan)
}

/// Cooperative cancellation: cheap to clone, checked between steps.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> CancelToken {
        CancelToken::default()
    }
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncOptions {
    /// Dates fetched at once (each date's pages are followed one after the other).
    pub concurrency: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            concurrency: DEFAULT_CONCURRENCY,
        }
    }
}

/// Sent after every stored date, and once at the start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncProgress {
    pub dates_done: u32,
    pub dates_total: u32,
    pub dates_failed: u32,
    #[ts(type = "number")]
    pub entries_stored: u64,
    pub current_ledger: Option<String>,
    pub current_date: Option<NaiveDate>,
    pub entries_per_sec: f64,
    /// Vipps asked us to wait this many seconds (`Retry-After`) before the next request.
    pub waiting_secs: Option<u32>,
    /// Feed pages read so far in this run.
    pub feed_pages: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FailedDate {
    pub ledger_id: String,
    pub topic: Topic,
    pub date: NaiveDate,
    /// The error as a sentence for the user.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncSummary {
    /// Dates stored complete in this run.
    pub complete: u32,
    /// Dates stored open (upstream said `tryLater`).
    pub open: u32,
    pub failed: Vec<FailedDate>,
    /// Dates already complete before the run (not fetched).
    pub already_complete: u32,
    #[ts(type = "number")]
    pub entries_stored: u64,
    /// HTTP requests the client sent during the run: pages, retries and token calls.
    #[ts(type = "number")]
    pub requests: u64,
    /// Report pages stored (one request each when nothing had to be retried).
    #[ts(type = "number")]
    pub pages: u64,
    /// Planned dates never attempted because the run was cancelled.
    pub not_attempted: u32,
    /// Open dates kept up through the feed (still open upstream; not fetched one by one).
    pub followed: u32,
    /// Feed pages read and the entries they added to the cache.
    pub feed_pages: u32,
    #[ts(type = "number")]
    pub feed_entries: u64,
    pub cancelled: bool,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

impl SyncSummary {
    /// 0 when every date is complete or still open upstream, 1 when any failed.
    pub fn exit_code(&self) -> i32 {
        if self.failed.is_empty() && !self.cancelled {
            0
        } else if self.cancelled {
            130
        } else {
            1
        }
    }
}

enum WriteJob {
    Date { item: PlanItem, page: DatePage },
    Failed { item: PlanItem, reason: String },
}

struct WriteDone {
    item: PlanItem,
    outcome: Result<Written>,
}

enum Written {
    Stored {
        state: DateState,
        entries: u64,
        pages: u32,
    },
    Failed {
        reason: String,
    },
}

/// Aborts the fetch task when the sync stops caring about it (cancel, keys rejected).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Fetch every planned date and store each in one transaction.
///
/// Fetches run `opts.concurrency` at a time on the runtime; a single writer thread owns
/// the SQLite connection. A failing date is marked failed and the rest carry on; rejected
/// keys or a cache that cannot be written stop the run with that error. Cancellation stops
/// new fetches, stores what already arrived, and returns a summary with `cancelled`.
pub async fn execute(
    client: &ApiClient,
    store_path: &Path,
    plan: SyncPlan,
    opts: SyncOptions,
    progress: impl Fn(&SyncProgress) + Send + Sync,
    cancel: CancelToken,
) -> Result<SyncSummary> {
    let requests_before = client.requests_made();
    let concurrency = opts.concurrency.clamp(1, MAX_CONCURRENCY);
    let gdpr = plan.gdpr;
    if plan.is_empty() {
        let tally = Tally::new(&plan);
        progress(&tally.report);
        // "All complete" is only true of a cache that can still be read: check the whole file.
        Store::open(store_path)?.quick_check()?;
        return Ok(tally.summary);
    }
    let waits = WaitBoard::watch(client);
    let mut plan = plan;
    let feed_runs = follow_feeds(client, store_path, &mut plan, &progress, &cancel, &waits).await?;
    let mut tally = Tally::new(&plan);
    tally.summary.feed_pages = feed_runs.pages;
    tally.summary.feed_entries = feed_runs.entries;
    tally.summary.failed.extend(feed_runs.failed);
    tally.summary.entries_stored += feed_runs.entries;
    tally.report.feed_pages = feed_runs.pages;
    tally.report.entries_stored = tally.summary.entries_stored;
    progress(&tally.report);
    if cancel.is_cancelled() {
        tally.summary.cancelled = true;
        client.on_server_wait(None);
        return Ok(tally.summary);
    }

    let store = Store::open(store_path)?;
    // One fetched date waits while another is written: enough to keep the writer busy, and
    // memory stays bounded by (concurrency + 2) dates.
    let (job_tx, job_rx) = tokio::sync::mpsc::channel::<WriteJob>(1);
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<WriteDone>();
    let writer = std::thread::Builder::new()
        .name("avstem-cache-writer".into())
        .spawn(move || write_loop(store, gdpr, job_rx, done_tx))
        .map_err(|e| Error::Io(format!("Could not start the cache writer ({e}).")))?;
    let mut fetches = fetch_stream(client, plan.items, gdpr).buffer_unordered(concurrency);

    let mut job_tx = Some(job_tx);
    let mut fetching = true;
    let mut in_writer = 0usize;
    let mut fatal: Option<Error> = None;
    while fetching || in_writer > 0 {
        if cancel.is_cancelled() {
            tally.summary.cancelled = true;
            break;
        }
        tokio::select! {
            next = fetches.next(), if fetching => {
                let job = match next {
                    None => { fetching = false; continue; }
                    Some(Err(join)) => {
                        fatal = Some(Error::Io(format!("A fetch task stopped unexpectedly ({join}).")));
                        break;
                    }
                    Some(Ok((_, Err(Error::KeysRejected)))) => { fatal = Some(Error::KeysRejected); break; }
                    Some(Ok((item, Ok(page)))) => WriteJob::Date { item, page },
                    Some(Ok((item, Err(e)))) => {
                        let reason = e.to_stored_text();
                        tracing::warn!(ledger = %item.ledger_id, topic = %item.topic, date = %item.date, error = %reason, "date failed");
                        WriteJob::Failed { item, reason }
                    }
                };
                let Some(tx) = job_tx.as_ref() else { break };
                if tx.send(job).await.is_err() {
                    fatal = Some(Error::Cache("The cache writer stopped unexpectedly.".into()));
                    break;
                }
                in_writer += 1;
            }
            done = done_rx.recv(), if in_writer > 0 => {
                let Some(done) = done else {
                    fatal = Some(Error::Cache("The cache writer stopped unexpectedly.".into()));
                    break;
                };
                in_writer -= 1;
                if let Some(e) = tally.apply(done, &progress) {
                    fatal = Some(e);
                    break;
                }
            }
            _ = tokio::time::sleep(Duration::from_millis(100)) => {
                if let Some(secs) = waits.take() {
                    tally.report.waiting_secs = Some(secs);
                    progress(&tally.report);
                    tally.report.waiting_secs = None;
                }
            }
        }
    }
    client.on_server_wait(None);

    // Stop fetching (aborts requests in flight), let the writer finish what it holds, count it.
    drop(fetches);
    drop(job_tx.take());
    let joined = tokio::task::spawn_blocking(move || writer.join()).await;
    while let Ok(done) = done_rx.try_recv() {
        if let Some(e) = tally.apply(done, &progress) {
            fatal.get_or_insert(e);
        }
    }
    if !matches!(joined, Ok(Ok(()))) {
        fatal.get_or_insert(Error::Cache("The cache writer stopped unexpectedly.".into()));
    }
    if let Some(e) = fatal {
        return Err(e);
    }
    let mut summary = tally.summary;
    summary.requests = client.requests_made().saturating_sub(requests_before);
    summary.elapsed_ms = u64::try_from(tally.started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(summary)
}

/// One fetch task per planned date, each aborted when its future is dropped. A ledger these keys
/// cannot see answers 404 for every date: after the first, the rest stop asking.
fn fetch_stream(
    client: &ApiClient,
    items: Vec<PlanItem>,
    gdpr: bool,
) -> impl futures_util::Stream<
    Item = impl std::future::Future<
        Output = std::result::Result<(PlanItem, Result<DatePage>), tokio::task::JoinError>,
    >,
> {
    let fetch_client = client.clone();
    let no_access: Arc<std::sync::Mutex<HashMap<String, String>>> = Arc::default();
    futures_util::stream::iter(items).map(move |item| {
        let client = fetch_client.clone();
        let no_access = no_access.clone();
        let handle = tokio::spawn(async move {
            let known = no_access
                .lock()
                .ok()
                .and_then(|m| m.get(&item.ledger_id).cloned());
            if let Some(what) = known {
                return (item, Err(Error::NoAccess(what)));
            }
            let result = client
                .entries_for_date(&item.ledger_id, item.topic, item.date, gdpr)
                .await;
            if let Err(Error::NoAccess(what)) = &result {
                if let Ok(mut m) = no_access.lock() {
                    m.insert(item.ledger_id.clone(), what.clone());
                }
            }
            (item, result)
        });
        let guard = AbortOnDrop(handle);
        async move {
            let mut guard = guard;
            (&mut guard.0).await
        }
    })
}

/// The run's running count: the summary it returns and the progress it reports.
struct Tally {
    started: Instant,
    summary: SyncSummary,
    report: SyncProgress,
}

impl Tally {
    fn new(plan: &SyncPlan) -> Tally {
        let dates_total = u32::try_from(plan.items.len()).unwrap_or(u32::MAX);
        Tally {
            started: Instant::now(),
            summary: SyncSummary {
                complete: 0,
                open: 0,
                failed: vec![],
                already_complete: plan.already_complete,
                entries_stored: 0,
                requests: 0,
                pages: 0,
                not_attempted: dates_total,
                followed: u32::try_from(plan.followed.len()).unwrap_or(u32::MAX),
                feed_pages: 0,
                feed_entries: 0,
                cancelled: false,
                elapsed_ms: 0,
            },
            report: SyncProgress {
                dates_done: 0,
                dates_total,
                dates_failed: 0,
                entries_stored: 0,
                current_ledger: plan.items.first().map(|i| i.ledger_id.clone()),
                current_date: None,
                entries_per_sec: 0.0,
                waiting_secs: None,
                feed_pages: 0,
            },
        }
    }

    /// Count one date the writer finished and report progress; a cache that cannot be written is fatal.
    fn apply(&mut self, done: WriteDone, progress: &impl Fn(&SyncProgress)) -> Option<Error> {
        let (summary, report) = (&mut self.summary, &mut self.report);
        summary.not_attempted = summary.not_attempted.saturating_sub(1);
        match done.outcome {
            Ok(Written::Stored {
                state,
                entries,
                pages,
            }) => {
                match state {
                    DateState::Open => summary.open += 1,
                    _ => summary.complete += 1,
                }
                summary.entries_stored += entries;
                summary.pages += u64::from(pages);
            }
            Ok(Written::Failed { reason }) => {
                report.dates_failed += 1;
                summary.failed.push(FailedDate {
                    ledger_id: done.item.ledger_id.clone(),
                    topic: done.item.topic,
                    date: done.item.date,
                    reason,
                });
            }
            Err(e) => return Some(e),
        }
        report.dates_done += 1;
        report.entries_stored = summary.entries_stored;
        report.current_ledger = Some(done.item.ledger_id);
        report.current_date = Some(done.item.date);
        let secs = self.started.elapsed().as_secs_f64();
        report.entries_per_sec = if secs > 0.0 {
            summary.entries_stored as f64 / secs
        } else {
            0.0
        };
        progress(report);
        None
    }
}

fn write_loop(
    mut store: Store,
    gdpr: bool,
    mut jobs: tokio::sync::mpsc::Receiver<WriteJob>,
    done: tokio::sync::mpsc::UnboundedSender<WriteDone>,
) {
    while let Some(job) = jobs.blocking_recv() {
        let result = match job {
            WriteJob::Date { item, mut page } => {
                // Served order defines seq; renumbering makes a duplicate impossible.
                for (i, e) in page.entries.iter_mut().enumerate() {
                    e.seq = u32::try_from(i).unwrap_or(u32::MAX);
                }
                // A date from the ledger's today on is open, whatever the server says: its
                // entries may still change, and completeness must not rest on `tryLater` alone.
                let state = if page.try_later || item.reason == PlanReason::NotClosedYet {
                    DateState::Open
                } else {
                    DateState::Complete
                };
                let outcome = store
                    .store_date_write(&DateWrite {
                        ledger_id: &item.ledger_id,
                        topic: item.topic,
                        date: item.date,
                        entries: &page.entries,
                        state,
                        error: None,
                        with_gdpr: gdpr,
                    })
                    .map(|()| Written::Stored {
                        state,
                        entries: page.entries.len() as u64,
                        pages: page.pages,
                    });
                WriteDone { item, outcome }
            }
            WriteJob::Failed { item, reason } => {
                let outcome = store
                    .mark_failed(&item.ledger_id, item.topic, item.date, &reason)
                    .map(|()| Written::Failed { reason });
                WriteDone { item, outcome }
            }
        };
        if done.send(result).is_err() {
            return;
        }
    }
}

/// Fetch the ledger list `profile` sees and cache it.
pub async fn refresh_ledgers(
    client: &ApiClient,
    store: &mut Store,
    profile: &str,
    settles_for_recipient_handle: Option<&str>,
) -> Result<Vec<Ledger>> {
    let ledgers = client.ledgers(settles_for_recipient_handle).await?;
    store.upsert_ledgers(profile, &ledgers)?;
    Ok(ledgers)
}

#[cfg(test)]
mod tests;
