//! The Report API client: auth (merchant and partner), paging, liberal decoding, retries.
//! Wire DTOs live in `dto`; callers only ever see `crate::model` types.

pub mod auth;
pub mod client;
pub mod dto;
pub mod retry;

pub use client::{ApiClient, ClientConfig, Credentials, DatePage, FeedPage, PRODUCTION_BASE_URL};
