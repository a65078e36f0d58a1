//! `avstem export`: the month's workbook (or settlement CSV) for one ledger, from the cache.
//! Refuses and names the dates when the month is not synced, unless `--sync` fetches them first.

use crate::context::Context;
use crate::export::{self, ExportFormat, ExportOptions, ExportSummary};
use crate::model::YearMonth;
use crate::reconcile::{needed_range, JournalAccounts};
use crate::sync::{self, CancelToken, SyncOptions, SyncRequest};
use crate::{Error, Result};
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// The profile whose keys sync missing dates (with --sync).
    #[arg(long)]
    pub profile: String,
    /// The ledger to export.
    #[arg(long, value_name = "ID")]
    pub ledger: String,
    /// The month, YYYY-MM.
    #[arg(long, value_parser = super::sync::parse_month)]
    pub month: YearMonth,
    /// The file to write (replaced only once the new one is complete).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Include customer names, phone numbers and messages (personal data). Off by default.
    #[arg(long)]
    pub gdpr: bool,
    /// Fetch dates the cache lacks before exporting, instead of refusing.
    #[arg(long)]
    pub sync: bool,
    /// xlsx: the reconciliation workbook; csv: Funds and Fees rows as the portal's settlement report.
    #[arg(long, value_enum, default_value_t = ExportFormat::Xlsx)]
    pub format: ExportFormat,
    #[command(flatten)]
    pub accounts: AccountArgs,
    /// Print the export summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Journal account numbers (Norwegian standard chart defaults).
#[derive(Debug, Clone, clap::Args)]
pub struct AccountArgs {
    /// Bank account the payouts reach.
    #[arg(long = "bank-account", default_value = "1920", value_name = "ACCOUNT")]
    pub bank: String,
    /// Bank and card fees.
    #[arg(long = "fees-account", default_value = "7770", value_name = "ACCOUNT")]
    pub fees: String,
    /// Sales clearing account (a 15xx/19xx account of your choice).
    #[arg(long = "clearing-account", default_value = "1580", value_name = "ACCOUNT")]
    pub clearing: String,
    /// Suspense account for corrections, top-ups, disputes and unknown movements.
    #[arg(long = "suspense-account", default_value = "2990", value_name = "ACCOUNT")]
    pub suspense: String,
    /// Accounts payable, for gross-settled fee invoices.
    #[arg(long = "payable-account", default_value = "2400", value_name = "ACCOUNT")]
    pub payable: String,
}

impl From<&AccountArgs> for JournalAccounts {
    fn from(a: &AccountArgs) -> Self {
        JournalAccounts {
            bank: a.bank.clone(),
            fees: a.fees.clone(),
            clearing: a.clearing.clone(),
            suspense: a.suspense.clone(),
            payable: a.payable.clone(),
        }
    }
}

pub async fn run(ctx: &Context, args: &ExportArgs) -> Result<i32> {
    if args.sync {
        sync_around(ctx, args).await?;
    }
    let opts = ExportOptions {
        gdpr: args.gdpr,
        accounts: (&args.accounts).into(),
        generated_at: None,
    };
    let summary = tokio::task::block_in_place(|| -> Result<ExportSummary> {
        let store = ctx.open_store()?;
        if args.gdpr && !gdpr_cached(&store, &args.ledger, args.month)? {
            eprintln!(
                "warning: some dates were synced without personal data; their name, phone and message \
                 columns stay empty. Sync again with --gdpr to fill them."
            );
        }
        match args.format {
            ExportFormat::Xlsx => export::write_xlsx(&store, &args.ledger, args.month, &opts, &args.out),
            ExportFormat::Csv => export::write_csv(&store, &args.ledger, args.month, &opts, &args.out),
        }
    })?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&summary).map_err(|e| Error::Io(e.to_string()))?
        );
    } else {
        println!(
            "Wrote {}: {} funds and {} fees entries, {} captures, {} payout(s), {:.1} MB.",
            summary.path,
            summary.funds_rows,
            summary.fees_rows,
            summary.captures,
            summary.payouts,
            summary.bytes as f64 / 1_048_576.0
        );
        if summary.failed_checks.is_empty() {
            println!("All checks OK.");
        } else {
            println!(
                "FAIL: {} (details on the Checks sheet).",
                summary.failed_checks.join("; ")
            );
        }
    }
    Ok(0)
}

/// Fetch whatever the month and its neighbouring dates lack (up to today).
async fn sync_around(ctx: &Context, args: &ExportArgs) -> Result<()> {
    let (from, to) = needed_range(args.month);
    let today = super::sync::ledger_today();
    let to = to.min(today);
    let (profile, client) = ctx.client_for(&args.profile).await?;
    let mut store = ctx.open_store()?;
    sync::refresh_ledgers(&client, &mut store, &profile.name, None).await?;
    let request = SyncRequest {
        ledger_ids: vec![args.ledger.clone()],
        from,
        to,
        gdpr: args.gdpr,
        concurrency: sync::DEFAULT_CONCURRENCY,
    };
    let plan = sync::plan(&store, &request, today)?;
    drop(store);
    if plan.items.is_empty() {
        return Ok(());
    }
    eprintln!(
        "Syncing {} ledger date(s) for ledger {} ({from} to {to})…",
        plan.items.len(),
        args.ledger
    );
    let summary = sync::execute(
        &client,
        &ctx.cache_path(),
        plan,
        SyncOptions {
            concurrency: sync::DEFAULT_CONCURRENCY,
        },
        |_| {},
        CancelToken::new(),
    )
    .await?;
    eprintln!(
        "Synced: {} complete, {} open upstream, {} failed; {} entries stored.",
        summary.complete,
        summary.open,
        summary.failed.len(),
        summary.entries_stored
    );
    Ok(())
}

/// Whether every cached date of the month was fetched with the personal-data fields.
fn gdpr_cached(store: &crate::store::Store, ledger_id: &str, month: YearMonth) -> Result<bool> {
    let statuses = export::statuses_for(store, ledger_id, month)?;
    Ok(statuses
        .iter()
        .filter(|s| s.date >= month.first_day() && s.date <= month.last_day())
        .all(|s| s.with_gdpr))
}
