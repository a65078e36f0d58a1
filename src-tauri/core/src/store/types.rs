//! The shapes the cache hands out: date states and statuses, day pages, month summaries.
//! Plain data, serialised camelCase for the UI and the CLI's `--json`.

use crate::figures::Figures;
use crate::model::{Entry, Topic};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Where a (ledger, topic, date) stands in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum DateState {
    /// Closed upstream and stored whole: never fetched again.
    Complete,
    /// Upstream said `tryLater`: rows are provisional and replaced at every sync.
    Open,
    /// The last attempt failed after retries; `error` says why.
    Failed,
}

impl DateState {
    pub fn as_str(self) -> &'static str {
        match self {
            DateState::Complete => "complete",
            DateState::Open => "open",
            DateState::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<DateState> {
        match s {
            "complete" => Some(DateState::Complete),
            "open" => Some(DateState::Open),
            "failed" => Some(DateState::Failed),
            _ => None,
        }
    }
}

impl std::fmt::Display for DateState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DateStatus {
    pub ledger_id: String,
    pub topic: Topic,
    pub date: NaiveDate,
    pub state: DateState,
    pub entry_count: u32,
    #[ts(type = "string")]
    pub fetched_at: DateTime<Utc>,
    pub error: Option<String>,
    /// The rows include the GDPR-sensitive fields (name, phone, message).
    pub with_gdpr: bool,
    /// The Report API, or a settlement report imported from a file.
    #[serde(default)]
    pub source: DateSource,
}

/// Where a cached date's rows came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum DateSource {
    /// Fetched from the Report API.
    #[default]
    Api,
    /// Imported from the business portal's settlement report (no balances).
    Portal,
    /// Imported from the portal's newer report, which carries each entry's balance (§11).
    #[serde(rename = "portal-balances")]
    PortalBalances,
}

impl DateSource {
    pub fn as_str(self) -> &'static str {
        match self {
            DateSource::Api => "api",
            DateSource::Portal => "portal",
            DateSource::PortalBalances => "portal-balances",
        }
    }
    pub fn parse(s: &str) -> DateSource {
        match s {
            "portal" => DateSource::Portal,
            "portal-balances" => DateSource::PortalBalances,
            _ => DateSource::Api,
        }
    }
}

/// Everything needed to store one fetched date in one transaction.
#[derive(Debug, Clone, Copy)]
pub struct DateWrite<'a> {
    pub ledger_id: &'a str,
    pub topic: Topic,
    pub date: NaiveDate,
    pub entries: &'a [Entry],
    pub state: DateState,
    pub error: Option<&'a str>,
    pub with_gdpr: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum DaySort {
    /// The order the API served them: the balance chain reads top to bottom.
    #[default]
    Seq,
    Time,
    Amount,
    Type,
}

/// One page of a day's entries: which rows, in which order, filtered how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct DayQuery {
    pub offset: u32,
    pub limit: u32,
    pub sort: DaySort,
    pub descending: bool,
    /// Exact entry type, e.g. `capture`.
    pub entry_type: Option<String>,
    /// Case-insensitive substring of the order reference or the pspReference.
    pub reference_contains: Option<String>,
}

impl Default for DayQuery {
    fn default() -> Self {
        DayQuery {
            offset: 0,
            limit: 1000,
            sort: DaySort::Seq,
            descending: false,
            entry_type: None,
            reference_contains: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DayPage {
    /// Rows matching the filter, over all pages.
    pub total: u64,
    pub offset: u32,
    pub entries: Vec<Entry>,
}

/// One ledger date of a month, as the month view and `avstem month` show it: the date's
/// [`Figures`] (signs and the documented example day in [`crate::figures`]) and how the cache holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DaySummary {
    pub date: NaiveDate,
    #[serde(flatten)]
    #[ts(flatten)]
    pub figures: Figures,
    pub funds_count: u32,
    pub fees_count: u32,
    /// `None` = never synced.
    pub funds_state: Option<DateState>,
    pub fees_state: Option<DateState>,
    pub funds_error: Option<String>,
    pub fees_error: Option<String>,
}

/// Counts for `avstem cache info` and the settings screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CacheStats {
    pub path: Option<String>,
    pub schema_version: u32,
    pub ledgers: u64,
    pub entries: u64,
    pub dates_complete: u64,
    pub dates_open: u64,
    pub dates_failed: u64,
    pub file_bytes: u64,
}
