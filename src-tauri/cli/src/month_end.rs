//! `avstem month-end`: every ledger a profile sees (or those named), synced in one polite run, one
//! file per ledger and an overview workbook, with one summary line per ledger. Exit status as for
//! `avstem export`: 0 all written and every check OK, 3 all written but a check failed, 1 something
//! not written, 2 usage.

use crate::export::{parse_format, AccountArgs};
use crate::output::emit_json;
use crate::sayln;
use crate::sync::ProgressDisplay;
use avstem_core::context::Context;
use avstem_core::export::{ExportFormat, ExportOptions};
use avstem_core::model::{format_minor, YearMonth};
use avstem_core::month_end::{self, LedgerState, MonthEndRequest};
use avstem_core::reconcile::JournalAccounts;
use avstem_core::sync::CancelToken;
use avstem_core::Result;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct MonthEndArgs {
    #[arg(long)]
    pub profile: String,
    /// The month, YYYY-MM.
    #[arg(long, value_parser = crate::output::parse_month)]
    pub month: YearMonth,
    /// The folder the files go to (created when missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Fetch what the months lack first (and refresh the ledger list).
    #[arg(long)]
    pub sync: bool,
    /// Only these ledgers (repeat the option); default every ledger the profile sees.
    #[arg(long = "ledger", value_name = "ID")]
    pub ledgers: Vec<String>,
    /// xlsx: the reconciliation workbook; csv: the portal-style CSV; saft, gbat10, csv-journal, economic: the books.
    #[arg(long, value_parser = parse_format(), default_value = "xlsx")]
    pub format: ExportFormat,
    #[command(flatten)]
    pub accounts: AccountArgs,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(ctx: &Context, args: &MonthEndArgs) -> Result<i32> {
    let req = MonthEndRequest {
        profile: args.profile.clone(),
        month: args.month,
        out_dir: args.out.clone(),
        ledger_ids: (!args.ledgers.is_empty()).then(|| args.ledgers.clone()),
        sync: args.sync,
        format: args.format,
        options: ExportOptions {
            gdpr: false,
            accounts: args.accounts.over(JournalAccounts::defaults_for("NOK")),
            clock: ctx.clock,
        },
        same_accounts: args.accounts.any(),
    };
    let display = ProgressDisplay::new(0);
    let summary = month_end::run(ctx, &req, |p| display.show(p), CancelToken::new()).await;
    display.finish();
    let summary = summary?;
    if args.json {
        emit_json(&summary)?;
    } else {
        for l in &summary.ledgers {
            let what = match l.state {
                LedgerState::Ok => format!("OK -> {}", l.file.as_deref().unwrap_or("")),
                LedgerState::ChecksFailed => format!(
                    "CHECKS FAILED ({}) -> {}",
                    l.failed_checks.join("; "),
                    l.file.as_deref().unwrap_or("")
                ),
                LedgerState::NotWritten => format!("NOT WRITTEN: {}", l.error.as_deref().unwrap_or("")),
            };
            sayln!(
                "{:<8} {:<28} sales {:>12} {}  fees {:>10}  paid to bank {:>12}  {what}",
                l.ledger_id,
                l.client,
                format_minor(l.sales),
                l.currency,
                format_minor(l.fees),
                format_minor(l.paid_out)
            )?;
        }
        match &summary.overview {
            Some(o) => sayln!("Overview: {}", args.out.join(o).display())?,
            None => sayln!(
                "The overview workbook could not be written: {}",
                summary.overview_error.as_deref().unwrap_or("no reason given")
            )?,
        }
    }
    Ok(summary.exit_code())
}
