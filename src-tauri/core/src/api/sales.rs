//! Sales API client: what was sold, for Vippsnummer and mPOS ledgers, with accounting keys only.
//! Same token, headers, retries and backoff as the Report API (it goes through the same `get_json`).
//!
//! Source: vippsas/agent-toolkit `plugins/vipps-developer/skills/sales/SKILL.md` (commit c5c7b325),
//! "Endpoints" (four GETs under `/sales/report/v1/ledgers/{ledgerId}`, `pageSize` 1–1000, default
//! 100, `cursor` on the feed and dates, `hasMore` on dates, "Persist the cursor"), and
//! `plugins/vipps-developer/skills/access-token/SKILL.md` (accounting keys, `/miami/v1/token`).

use super::client::{repeated_cursor, too_many_pages, ApiClient, DatePageParts};
use super::sales_dto::{lookup_page, SaleContext, SalesPageDto};
use crate::sales::SaleEntry;
use crate::{Error, Result};
use chrono::NaiveDate;
use std::collections::HashSet;

/// The documented cap on `pageSize`.
pub const SALES_MAX_PAGE_SIZE: u32 = 1000;
/// What the API uses when `pageSize` is not sent.
pub const SALES_DEFAULT_PAGE_SIZE: u32 = 100;
/// Pages of one order or one transaction: a lookup that does not end is a loop.
const MAX_LOOKUP_PAGES: u32 = 1000;

/// Every sales entry of one (ledger, date), all pages followed.
#[derive(Debug, Clone)]
pub struct SalesDatePage {
    pub entries: Vec<SaleEntry>,
    /// Sent only if the Sales API ever says so; the matching funds date's state is what counts.
    pub try_later: bool,
    pub pages: u32,
}

/// One page of a ledger's sales feed. `cursor` is the caller's whole position: store the entries,
/// then the cursor, in one transaction.
#[derive(Debug, Clone)]
pub struct SalesFeedPage {
    pub entries: Vec<SaleEntry>,
    pub cursor: String,
    /// Nothing more right now: ask again later with the same cursor.
    pub at_end: bool,
}

fn page_size_text(page_size: u32) -> String {
    page_size.clamp(1, SALES_MAX_PAGE_SIZE).to_string()
}

impl ApiClient {
    /// The Sales API answers accounting keys only (SKILL.md "Constraints"): say so before spending a
    /// request, in words that name the way out.
    fn require_accounting_keys(&self) -> Result<()> {
        if self.credentials_kind() == "partner" {
            return Ok(());
        }
        Err(Error::Input(
            "What was sold (the Sales API) is only available with accounting keys; this profile has a \
             merchant's own keys. Designate an accounting partner in the business portal, or use a \
             profile with accounting keys."
                .into(),
        ))
    }

    /// Every sales entry of one ledger date. `page_size` is clamped to 1–1000.
    pub async fn sales_for_date(
        &self,
        ledger_id: &str,
        date: NaiveDate,
        page_size: u32,
    ) -> Result<SalesDatePage> {
        self.require_accounting_keys()?;
        let date_text = date.format("%Y-%m-%d").to_string();
        let what = format!("sales page for ledger {ledger_id} {date_text}");
        let ctx = SaleContext {
            ledger_id,
            requested_date: Some(date),
        };
        let size = page_size_text(page_size);
        let mut entries: Vec<SaleEntry> = Vec::new();
        let (try_later, pages) = self
            .all_date_pages(
                &what,
                ledger_id,
                |cursor| {
                    let query = [Some(("pageSize", size.as_str())), cursor.map(|c| ("cursor", c))];
                    self.url_with(
                        &["sales", "report", "v1", "ledgers", ledger_id, "dates", &date_text],
                        &query,
                    )
                },
                |page: SalesPageDto| DatePageParts::from(page),
                |item: super::sales_dto::SaleEntryDto| {
                    let seq = u32::try_from(entries.len()).map_err(|_| too_many_pages(&what))?;
                    entries.push(item.into_model(ctx, seq)?);
                    Ok(())
                },
            )
            .await?;
        Ok(SalesDatePage {
            entries,
            try_later,
            pages,
        })
    }

    /// One page of the sales feed from `cursor` (`None` = the ledger's very first sale).
    pub async fn sales_feed_page(
        &self,
        ledger_id: &str,
        cursor: Option<&str>,
        page_size: u32,
    ) -> Result<SalesFeedPage> {
        self.require_accounting_keys()?;
        let what = format!("sales feed page for ledger {ledger_id}");
        let size = page_size_text(page_size);
        let asked = cursor.filter(|c| !c.is_empty());
        let query = [Some(("pageSize", size.as_str())), asked.map(|c| ("cursor", c))];
        let url = self.url_with(&["sales", "report", "v1", "ledgers", ledger_id], &query);
        let page: SalesPageDto = self.get_json(url, &what, Some(ledger_id)).await?;
        let ctx = SaleContext {
            ledger_id,
            requested_date: None,
        };
        let at_end_flag = page.try_later.unwrap_or(false) || page.has_more == Some(false);
        let entries = page
            .items
            .into_iter()
            .enumerate()
            .map(|(i, item)| item.into_model(ctx, u32::try_from(i).unwrap_or(u32::MAX)))
            .collect::<Result<Vec<_>>>()?;
        let next = page
            .cursor
            .filter(|c| !c.is_empty())
            .or_else(|| asked.map(str::to_string))
            .unwrap_or_default();
        let at_end = at_end_flag || entries.is_empty() || asked == Some(next.as_str());
        Ok(SalesFeedPage {
            entries,
            cursor: next,
            at_end,
        })
    }

    /// Every capture and return on one order (`reference`).
    pub async fn sales_for_reference(&self, ledger_id: &str, reference: &str) -> Result<Vec<SaleEntry>> {
        self.sales_lookup(ledger_id, "references", reference).await
    }

    /// One transaction (`pspReference`). Cash sales have none: look them up by reference.
    pub async fn sales_for_psp_reference(
        &self,
        ledger_id: &str,
        psp_reference: &str,
    ) -> Result<Vec<SaleEntry>> {
        self.sales_lookup(ledger_id, "psp-references", psp_reference)
            .await
    }

    async fn sales_lookup(&self, ledger_id: &str, kind: &str, key: &str) -> Result<Vec<SaleEntry>> {
        self.require_accounting_keys()?;
        if key.trim().is_empty() {
            return Err(Error::Input("Give a reference to look up; it is empty.".into()));
        }
        let what = format!("sales {kind} lookup on ledger {ledger_id}");
        let ctx = SaleContext {
            ledger_id,
            requested_date: None,
        };
        let mut entries = Vec::new();
        let mut cursor: Option<String> = None;
        let mut seen = HashSet::new();
        for _ in 0..MAX_LOOKUP_PAGES {
            let query = [
                Some(("pageSize", "1000")),
                cursor.as_deref().map(|c| ("cursor", c)),
            ];
            let url = self.url_with(
                &["sales", "report", "v1", "ledgers", ledger_id, kind, key],
                &query,
            );
            let value: serde_json::Value = self.get_json(url, &what, Some(ledger_id)).await?;
            let page = lookup_page(value, &what)?;
            for item in page.items {
                let seq = u32::try_from(entries.len()).map_err(|_| endless(&what))?;
                entries.push(item.into_model(ctx, seq)?);
            }
            match (
                page.has_more.unwrap_or(false),
                page.cursor.filter(|c| !c.is_empty()),
            ) {
                (true, Some(next)) if seen.insert(next.clone()) => cursor = Some(next),
                (true, Some(next)) => return Err(repeated_cursor(&what, &next)),
                _ => return Ok(entries),
            }
        }
        Err(endless(&what))
    }
}

impl From<SalesPageDto> for DatePageParts<super::sales_dto::SaleEntryDto> {
    fn from(page: SalesPageDto) -> Self {
        DatePageParts {
            has_more: page.has_more.unwrap_or(false),
            absent_has_more: false,
            cursor: page.cursor,
            try_later: page.try_later.unwrap_or(false),
            items: page.items,
        }
    }
}

/// A lookup that pages past [`MAX_LOOKUP_PAGES`].
fn endless(what: &str) -> Error {
    Error::Undecodable {
        detail: format!("the {what} did not end after {MAX_LOOKUP_PAGES} pages"),
        excerpt: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ClientConfig, Credentials};
    use crate::secrets::Secret;

    #[tokio::test]
    async fn merchant_keys_are_told_the_sales_api_needs_accounting_keys_without_a_request() {
        let c = ApiClient::new(
            "http://127.0.0.1:9",
            Credentials::Merchant {
                client_id: "id".into(),
                client_secret: Secret::new("s"),
                subscription_key: Secret::new("k"),
                msn: None,
            },
            ClientConfig::default(),
        )
        .expect("client");
        let date = NaiveDate::from_ymd_opt(2026, 5, 4).expect("date");
        let err = c.sales_for_date("302321", date, 100).await.expect_err("merchant");
        assert_eq!(err.kind(), "input");
        assert!(err.to_string().contains("accounting keys"), "{err}");
        assert_eq!(c.requests_made(), 0);
    }

    #[test]
    fn page_size_is_kept_within_the_documented_range() {
        assert_eq!(page_size_text(0), "1");
        assert_eq!(page_size_text(250), "250");
        assert_eq!(page_size_text(5000), "1000");
    }
}
