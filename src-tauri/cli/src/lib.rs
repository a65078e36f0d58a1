//! The command-line face of Avstem: the same core, for accountants who script their month-end.
//! Parsing, terminal output and progress live here (so the core crate has no clap, no terminal);
//! each subcommand's handler lives beside it in its own file and only calls `avstem_core`.

pub mod accounts;
pub mod bank;
pub mod cache;
pub mod entries;
pub mod export;
pub mod import;
pub mod ledgers;
pub mod month;
pub mod month_end;
pub mod output;
pub mod profile;
pub mod sim;
pub mod sync;

use avstem_core::clock::Clock;
use avstem_core::context::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "avstem",
    version,
    about = "Reconcile Vipps MobilePay payouts with sales, refunds and fees.",
    long_about = "Reconcile Vipps MobilePay payouts with sales, refunds and fees.\n\nWith no command, opens the Avstem window. With a command, works as a command-line tool (no display needed)."
)]
pub struct Cli {
    /// Where Avstem keeps its profiles and cache (default: the OS data directory).
    #[arg(long, global = true, env = "AVSTEM_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// More log output on stderr (-v info, -vv debug, -vvv trace). Secrets are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add, list, test or remove a profile (a set of keys).
    #[command(subcommand)]
    Profile(profile::ProfileCommand),
    /// Fetch and cache the ledgers a profile sees.
    Ledgers(ledgers::LedgersArgs),
    /// Fetch what is missing for a month or a date range into the local cache.
    Sync(sync::SyncArgs),
    /// Show one ledger date's entries from the cache (works offline).
    Entries(entries::EntriesArgs),
    /// Show a month's daily summary from the cache (works offline).
    Month(month::MonthArgs),
    /// Write a month's workbook (xlsx), the portal-style CSV, or its postings for the books
    /// (SAF-T, GBAT10, CSV journal).
    Export(export::ExportArgs),
    /// Month-end for every ledger a profile sees: sync, one file per ledger and an overview workbook.
    MonthEnd(month_end::MonthEndArgs),
    /// Show or save how a ledger is posted: accounts (bank, fees, clearing, suspense, payable), the
    /// VAT code of each kind of line and the voucher date; or a profile's defaults per currency.
    Accounts(accounts::AccountsArgs),
    /// Import bank statements and check that every payout reached the bank.
    #[command(subcommand_required = true)]
    Bank(bank::BankArgs),
    /// Import settlement reports downloaded from the business portal (XML, CSV, XLSX): no API keys needed.
    Import(import::ImportArgs),
    /// Rebuild or inspect the local cache.
    Cache(cache::CacheArgs),
    /// Run the built-in Report API simulator on 127.0.0.1 (demo data, injectable faults).
    #[command(after_help = sim::SIM_AFTER_HELP)]
    Sim(sim::SimArgs),
}

impl Cli {
    /// The data folder from `--data-dir`/`AVSTEM_DATA_DIR` (else the OS default) and the clock
    /// (`AVSTEM_NOW` pins it; a sentence when it cannot be read).
    pub fn context(&self) -> avstem_core::Result<Context> {
        let dir = self.data_dir.clone().unwrap_or_else(Context::default_data_dir);
        Ok(Context::new(dir).with_clock(Clock::from_env()?))
    }
}

/// Log to stderr. `AVSTEM_LOG` (e.g. `trace`) overrides `-v`.
pub fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("AVSTEM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Run a parsed subcommand; returns the process exit status.
pub fn run(cli: Cli) -> i32 {
    init_logging(cli.verbose);
    let ctx = match cli.context() {
        Ok(ctx) => ctx,
        Err(e) => {
            eprintln!("avstem: {e}");
            return 1;
        }
    };
    let Some(command) = cli.command else { return 0 };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("avstem: could not start: {e}");
            return 1;
        }
    };
    let result = runtime.block_on(async move {
        match &command {
            Command::Profile(c) => profile::run(&ctx, c).await,
            Command::Ledgers(a) => ledgers::run(&ctx, a).await,
            Command::Sync(a) => sync::run(&ctx, a).await,
            Command::Entries(a) => entries::run(&ctx, a).await,
            Command::Month(a) => month::run(&ctx, a).await,
            Command::Export(a) => export::run(&ctx, a).await,
            Command::MonthEnd(a) => month_end::run(&ctx, a).await,
            Command::Accounts(a) => accounts::run(&ctx, a).await,
            Command::Bank(a) => bank::run(&ctx, a).await,
            Command::Import(a) => import::run(&ctx, a).await,
            Command::Cache(a) => cache::run(&ctx, a).await,
            Command::Sim(a) => sim::run(&ctx, a).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("avstem: {e}");
            1
        }
    }
}
