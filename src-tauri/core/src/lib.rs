//! Avstem's core: everything that matters, with no Tauri dependency.
//! The desktop window and the command line are thin shells over this crate.

pub mod api;
pub mod bank;
pub mod clients;
pub mod clock;
pub mod context;
pub mod error;
pub mod export;
pub mod feed;
pub mod figures;
pub mod files;
pub mod model;
pub mod month;
pub mod month_end;
pub mod portal;
pub mod profile;
pub mod reconcile;
pub mod sales;
pub mod secrets;
pub mod sim;
pub mod store;
pub mod sync;

pub use error::{Error, Result, UserError};

/// Shown in the Vipps-System-* headers and `--version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
