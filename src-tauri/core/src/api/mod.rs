//! The Report API client: auth (merchant and partner), paging, liberal decoding, retries.
//! Wire DTOs live in `dto`; callers only ever see `crate::model` types.

pub mod client;
pub mod dto;

pub use client::{ApiClient, ClientConfig, Credentials, DatePage, FeedPage};
