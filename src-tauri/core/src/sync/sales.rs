//! Syncing what was sold (issue 17): the Sales API dates of the same range as funds and fees, for
//! the ledgers that have Vippsnummer or mPOS sales units, with accounting keys only.
//!
//! A sales date is stored complete once the same ledger's funds date is complete in the cache and
//! the date is before today (the Sales API has no `tryLater` of its own: "the matching funds date's
//! state is what counts"); otherwise it is stored open and fetched again at the next sync.

use super::{CancelToken, SyncRequest, MAX_CONCURRENCY};
use crate::api::{ApiClient, SALES_MAX_PAGE_SIZE};
use crate::model::Topic;
use crate::sales::SaleViolation;
use crate::store::{DateState, Store};
use crate::{Error, Result};
use chrono::NaiveDate;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

/// Whether a sync fetches sales too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SalesChoice {
    /// With accounting keys, yes; with a merchant's keys, no (the API refuses them).
    Auto,
    /// Yes: merchant keys are an error that says why.
    On,
    Off,
}

/// A sales entry that broke an invariant on ingest: kept in the cache, reported here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlaggedSale {
    pub ledger_id: String,
    pub date: NaiveDate,
    pub reference: String,
    pub violations: Vec<SaleViolation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedSalesDate {
    pub ledger_id: String,
    pub date: NaiveDate,
    pub reason: String,
}

/// What a sales sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesSummary {
    /// Ledgers asked about (those with sales units).
    pub ledgers: Vec<String>,
    pub complete: u32,
    pub open: u32,
    pub already_complete: u32,
    pub entries_stored: u64,
    pub flagged: Vec<FlaggedSale>,
    pub failed: Vec<FailedSalesDate>,
    pub cancelled: bool,
}

/// One (ledger, date) to fetch from the Sales API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesItem {
    pub ledger_id: String,
    pub date: NaiveDate,
}

/// Whether this client should ask for sales: `Auto` means "when the keys can".
pub fn wants_sales(client: &ApiClient, choice: SalesChoice) -> Result<bool> {
    let partner = client.credentials_kind() == "partner";
    match choice {
        SalesChoice::Off => Ok(false),
        SalesChoice::Auto => Ok(partner),
        SalesChoice::On if partner => Ok(true),
        SalesChoice::On => Err(Error::Input(
            "--sales needs accounting keys: the Sales API does not answer a merchant's own keys. Use a \
             profile with accounting keys, or leave out --sales."
                .into(),
        )),
    }
}

/// The sales dates to fetch: every date of the range up to `today` not complete in the sales
/// cache, on the requested ledgers the cache knows to have sales units.
pub fn plan_sales(
    store: &Store,
    req: &SyncRequest,
    today: NaiveDate,
) -> Result<(Vec<SalesItem>, SalesSummary)> {
    let mut items = Vec::new();
    let mut summary = SalesSummary::default();
    for ledger_id in &req.ledger_ids {
        let has_units = store
            .ledger(ledger_id)?
            .is_some_and(|l| !l.sales_units.is_empty());
        if !has_units {
            continue;
        }
        summary.ledgers.push(ledger_id.clone());
        let complete: HashSet<NaiveDate> = store
            .sales_date_statuses(ledger_id, req.from, req.to)?
            .into_iter()
            .filter(|s| s.state == DateState::Complete)
            .map(|s| s.date)
            .collect();
        for date in req.from.iter_days().take_while(|d| *d <= req.to.min(today)) {
            if complete.contains(&date) {
                summary.already_complete += 1;
            } else {
                items.push(SalesItem {
                    ledger_id: ledger_id.clone(),
                    date,
                });
            }
        }
    }
    Ok((items, summary))
}

/// Fetch the planned sales dates (`concurrency` at a time) and store each whole in one
/// transaction. Run it after funds and fees: a date's state follows its funds date.
pub async fn execute_sales(
    client: &ApiClient,
    store_path: &Path,
    items: Vec<SalesItem>,
    mut summary: SalesSummary,
    today: NaiveDate,
    concurrency: usize,
    cancel: &CancelToken,
) -> Result<SalesSummary> {
    let mut store = Store::open(store_path)?;
    let mut fetches = futures_util::stream::iter(items)
        .map(|item| {
            let client = client.clone();
            async move {
                let page = client
                    .sales_for_date(&item.ledger_id, item.date, SALES_MAX_PAGE_SIZE)
                    .await;
                (item, page)
            }
        })
        .buffer_unordered(concurrency.clamp(1, MAX_CONCURRENCY));
    while let Some((item, page)) = fetches.next().await {
        if cancel.is_cancelled() {
            summary.cancelled = true;
            break;
        }
        let page = match page {
            Ok(p) => p,
            Err(Error::KeysRejected) => return Err(Error::KeysRejected),
            Err(e) => {
                let reason = e.to_stored_text();
                store.mark_sales_failed(&item.ledger_id, item.date, &reason)?;
                summary.failed.push(FailedSalesDate {
                    ledger_id: item.ledger_id,
                    date: item.date,
                    reason,
                });
                continue;
            }
        };
        let funds_complete = store
            .date_statuses(&item.ledger_id, Topic::Funds, item.date, item.date)?
            .first()
            .is_some_and(|s| s.state == DateState::Complete);
        let state = if funds_complete && item.date < today && !page.try_later {
            DateState::Complete
        } else {
            DateState::Open
        };
        let written = store.store_sales_date(&item.ledger_id, item.date, &page.entries, state)?;
        match state {
            DateState::Complete => summary.complete += 1,
            _ => summary.open += 1,
        }
        summary.entries_stored += written.stored;
        for (reference, violations) in written.flagged {
            tracing::warn!(ledger = %item.ledger_id, date = %item.date, %reference, "sales entry breaks an invariant");
            summary.flagged.push(FlaggedSale {
                ledger_id: item.ledger_id.clone(),
                date: item.date,
                reference,
                violations,
            });
        }
    }
    Ok(summary)
}
