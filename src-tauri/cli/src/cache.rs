//! `avstem cache`: rebuild a broken cache (the old file is kept aside) or show what it holds.
//! Profiles live in their own file, so a reset never loses keys.

use crate::outln;
use crate::output::{emit, emit_json};
use avstem_core::context::Context;
use avstem_core::store;
use avstem_core::Result;

#[derive(Debug, Clone, clap::Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub action: CacheAction,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum CacheAction {
    /// Move the cache aside (cache.sqlite.broken-<time>) and start an empty one. Profiles are kept.
    Reset,
    /// Erase every name, masked phone number and message from the cache (GDPR), zeroed on disk.
    ForgetPersonalData,
    /// Check the whole cache file for damage (SQLite's quick check); exit 1 when damaged.
    Check,
    /// Where the cache is and what it holds.
    Info {
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(ctx: &Context, args: &CacheArgs) -> Result<i32> {
    let mut out = String::new();
    let code = match &args.action {
        CacheAction::Reset => {
            let path = ctx.cache_path();
            match store::reset_cache(&path)? {
                Some(aside) => outln!(out,
                    "The old cache was moved to {} and a new, empty cache was created at {}. Profiles are unchanged; \
                     run `avstem sync` to fill it again.",
                    aside.display(),
                    path.display()
                ),
                None => outln!(out, "A new, empty cache was created at {}.", path.display()),
            }
            0
        }
        CacheAction::ForgetPersonalData => {
            let n = ctx.open_store()?.forget_personal_data()?;
            outln!(
                out,
                "Personal data (names, phone numbers, messages) erased from {n} entries. Sync with --gdpr to fetch it again."
            );
            0
        }
        CacheAction::Check => {
            let path = ctx.cache_path();
            ctx.open_store_for_reading()?.quick_check()?;
            outln!(out, "The cache at {} is intact.", path.display());
            0
        }
        CacheAction::Info { json } => {
            let stats = ctx.open_store_for_reading()?.stats()?;
            if *json {
                emit_json(&stats)?;
            } else {
                outln!(
                    out,
                    "Cache:      {}",
                    stats.path.as_deref().unwrap_or("(in memory)")
                );
                outln!(out, "Schema:     {}", stats.schema_version);
                outln!(out, "Size:       {:.1} MB", stats.file_bytes as f64 / 1_048_576.0);
                outln!(out, "Ledgers:    {}", stats.ledgers);
                outln!(out, "Entries:    {}", stats.entries);
                outln!(
                    out,
                    "Dates:      {} complete, {} open, {} failed",
                    stats.dates_complete,
                    stats.dates_open,
                    stats.dates_failed
                );
            }
            0
        }
    };
    emit(&out)?;
    Ok(code)
}
