//! The Report API and Sales API clients: auth (merchant and partner), paging, liberal decoding,
//! retries. `client` sends and pages, `request` decides where a request may go (base URL, proxies)
//! and what it carries (headers), `answers` turns a refusal into an `Error`. Wire DTOs live in `dto` and `sales_dto`; callers only ever see `crate::model` and
//! `crate::sales` types.

mod answers;
pub mod auth;
pub mod client;
pub mod dto;
pub mod request;
pub mod retry;
pub mod sales;
pub mod sales_dto;

pub use client::{
    ApiClient, ClientConfig, Credentials, DatePage, FeedPage, ProxySetting, WaitObserver, CALL_DEADLINE,
    MAX_BODY_BYTES, MAX_SERVER_WAIT, PRODUCTION_BASE_URL,
};
pub use sales::{SalesDatePage, SalesFeedPage, SALES_DEFAULT_PAGE_SIZE, SALES_MAX_PAGE_SIZE};
