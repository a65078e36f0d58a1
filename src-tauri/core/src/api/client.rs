//! HTTP client for the Report API. STUB: to be implemented.

use crate::model::{Entry, Ledger, Topic};
use crate::secrets::Secret;
use crate::Result;
use chrono::NaiveDate;
use std::time::Duration;

/// The keys a profile holds. Secrets print as `***`.
#[derive(Debug, Clone)]
pub enum Credentials {
    Merchant {
        client_id: String,
        client_secret: Secret,
        subscription_key: Secret,
        msn: Option<String>,
    },
    Partner {
        client_id: String,
        client_secret: Secret,
    },
}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub timeout: Duration,
    pub max_retries: u32,
    /// First backoff step; doubled each retry, with jitter, capped by `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            timeout: Duration::from_secs(30),
            max_retries: 5,
            base_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// All entries of one (ledger, topic, date), every page followed.
#[derive(Debug, Clone)]
pub struct DatePage {
    pub entries: Vec<Entry>,
    /// The date is not closed upstream: nothing here is final.
    pub try_later: bool,
    pub pages: u32,
}

#[derive(Debug, Clone)]
pub struct FeedPage {
    pub entries: Vec<Entry>,
    pub cursor: String,
    pub try_later: bool,
}

/// Cheap to clone: share one per profile across concurrent requests.
#[derive(Clone)]
pub struct ApiClient {}

impl ApiClient {
    /// `base_url`: production by default; `http://` only for loopback.
    pub fn new(_base_url: &str, _credentials: Credentials, _config: ClientConfig) -> Result<Self> {
        Ok(ApiClient {})
    }

    pub async fn ledgers(&self, _settles_for_recipient_handle: Option<&str>) -> Result<Vec<Ledger>> {
        Ok(vec![])
    }

    pub async fn entries_for_date(
        &self,
        _ledger_id: &str,
        _topic: Topic,
        _date: NaiveDate,
        _gdpr: bool,
    ) -> Result<DatePage> {
        Ok(DatePage { entries: vec![], try_later: false, pages: 0 })
    }

    pub async fn feed_page(&self, _ledger_id: &str, _topic: Topic, _cursor: Option<&str>) -> Result<FeedPage> {
        Ok(FeedPage { entries: vec![], cursor: String::new(), try_later: true })
    }
}
