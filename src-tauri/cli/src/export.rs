//! `avstem export`: the month's workbook, settlement CSV or bookkeeping file (SAF-T, GBAT10, CSV
//! journal) for one ledger, from the cache.
//! Refuses and names the dates when the month is not synced, unless `--sync` fetches them first.

use crate::output::emit_json;
use crate::sayln;
use avstem_core::context::Context;
use avstem_core::export::{self, ExportFormat, ExportOptions, ExportSummary};
use avstem_core::model::YearMonth;
use avstem_core::month::fetch;
use avstem_core::reconcile::{JournalAccounts, VatCodes, VoucherDate};
use avstem_core::sync::CancelToken;
use avstem_core::Result;
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
    #[arg(long, value_parser = crate::output::parse_month)]
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
    /// xlsx: the reconciliation workbook; csv: Funds and Fees rows as the portal's settlement report;
    /// saft: SAF-T Financial (Norway, v1.30); gbat10: Mamut GBAT10 vouchers (Tripletex, PowerOffice,
    /// Visma); csv-journal: the month's postings as a plain CSV; economic: e-conomic's day book
    /// (kassekladde) import, Denmark.
    #[arg(long, value_parser = parse_format(), default_value = "xlsx")]
    pub format: ExportFormat,
    #[command(flatten)]
    pub accounts: AccountArgs,
    /// Print the export summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Journal accounts, VAT codes and voucher date for this export only; without them, the ledger's
/// saved settings (`avstem accounts`), else its profile's defaults, else the defaults for its
/// currency (NS 4102 for NOK).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AccountArgs {
    /// Bank account the payouts reach (default 1920).
    #[arg(long = "bank-account", value_name = "ACCOUNT")]
    pub bank: Option<String>,
    /// Bank and card fees (default 7770).
    #[arg(long = "fees-account", value_name = "ACCOUNT")]
    pub fees: Option<String>,
    /// Sales clearing account, a 15xx/19xx account of your choice (default 1580).
    #[arg(long = "clearing-account", value_name = "ACCOUNT")]
    pub clearing: Option<String>,
    /// Suspense account for corrections, top-ups, disputes and unknown movements (default 2990).
    #[arg(long = "suspense-account", value_name = "ACCOUNT")]
    pub suspense: Option<String>,
    /// Accounts payable, for gross-settled fee invoices (default 2400).
    #[arg(long = "payable-account", value_name = "ACCOUNT")]
    pub payable: Option<String>,
    /// VAT code of the payout's bank line ("" for none; default 0 for NOK, none for DKK/EUR).
    #[arg(long = "bank-vat", value_name = "CODE")]
    pub bank_vat: Option<String>,
    /// VAT code of the fees lines (fees are outside VAT; default 0 for NOK, none for DKK/EUR).
    #[arg(long = "fees-vat", value_name = "CODE")]
    pub fees_vat: Option<String>,
    /// VAT code of the sales clearing lines.
    #[arg(long = "clearing-vat", value_name = "CODE")]
    pub clearing_vat: Option<String>,
    /// VAT code of the suspense line.
    #[arg(long = "suspense-vat", value_name = "CODE")]
    pub suspense_vat: Option<String>,
    /// VAT code of the fee invoice's payable line.
    #[arg(long = "payable-vat", value_name = "CODE")]
    pub payable_vat: Option<String>,
    /// Date each payout's voucher by the day Vipps paid it out (ledger) or the day it reached the
    /// bank, from the matched bank statement line (bank).
    #[arg(long = "voucher-date", value_parser = ["ledger", "bank"], value_name = "ledger|bank")]
    pub voucher_date: Option<String>,
}

impl AccountArgs {
    /// `base` with the settings given on the command line in their place.
    pub fn over(&self, base: JournalAccounts) -> JournalAccounts {
        let pick = |flag: &Option<String>, saved: String| flag.clone().unwrap_or(saved);
        JournalAccounts {
            bank: pick(&self.bank, base.bank),
            fees: pick(&self.fees, base.fees),
            clearing: pick(&self.clearing, base.clearing),
            suspense: pick(&self.suspense, base.suspense),
            payable: pick(&self.payable, base.payable),
            vat: VatCodes {
                bank: pick(&self.bank_vat, base.vat.bank),
                fees: pick(&self.fees_vat, base.vat.fees),
                clearing: pick(&self.clearing_vat, base.vat.clearing),
                suspense: pick(&self.suspense_vat, base.vat.suspense),
                payable: pick(&self.payable_vat, base.vat.payable),
            },
            voucher_date: self
                .voucher_date
                .as_deref()
                .and_then(VoucherDate::parse)
                .unwrap_or(base.voucher_date),
        }
    }

    /// Whether any setting was given.
    pub fn any(&self) -> bool {
        [
            &self.bank,
            &self.fees,
            &self.clearing,
            &self.suspense,
            &self.payable,
            &self.bank_vat,
            &self.fees_vat,
            &self.clearing_vat,
            &self.suspense_vat,
            &self.payable_vat,
            &self.voucher_date,
        ]
        .iter()
        .any(|a| a.is_some())
    }
}

pub async fn run(ctx: &Context, args: &ExportArgs) -> Result<i32> {
    if args.sync {
        sync_around(ctx, args).await?;
    }
    let summary = tokio::task::block_in_place(|| -> Result<ExportSummary> {
        let store = ctx.open_store_for_reading()?;
        let opts = ExportOptions {
            gdpr: args.gdpr,
            accounts: args.accounts.over(export::accounts_for(&store, &args.ledger)?),
            clock: ctx.clock,
        };
        if args.gdpr && !gdpr_cached(&store, &args.ledger, args.month)? {
            eprintln!(
                "warning: some dates were synced without personal data; their name, phone and message \
                 columns stay empty. Sync again with --gdpr to fill them."
            );
        }
        export::write_month(&store, &args.ledger, args.month, args.format, &opts, &args.out)
    })?;
    if args.json {
        emit_json(&summary)?;
    } else if let Some(t) = summary.journal {
        sayln!(
            "Wrote {}: {} voucher(s), {} lines, debit {} = credit {}.",
            summary.path,
            t.vouchers,
            t.lines,
            avstem_core::model::format_minor(t.debit),
            avstem_core::model::format_minor(t.credit)
        )?;
    } else {
        sayln!(
            "Wrote {}: {} funds and {} fees entries, {} captures, {} payout(s), {:.1} MB.",
            summary.path,
            summary.funds_rows,
            summary.fees_rows,
            summary.captures,
            summary.payouts,
            summary.bytes as f64 / 1_048_576.0
        )?;
        if summary.failed_checks.is_empty() {
            sayln!("All checks OK.")?;
        } else {
            sayln!(
                "FAIL: {} (details on the Checks sheet).",
                summary.failed_checks.join("; ")
            )?;
        }
    }
    Ok(exit_code(&summary))
}

/// Exit status of a written export: 0 when every check holds, [`EXIT_CHECKS_FAILED`] when the file
/// was written but a check failed (so a script does not post a month that does not add up).
pub fn exit_code(summary: &ExportSummary) -> i32 {
    if summary.failed_checks.is_empty() {
        0
    } else {
        EXIT_CHECKS_FAILED
    }
}

/// `avstem export`: the file is written, but at least one reconciliation check failed.
pub const EXIT_CHECKS_FAILED: i32 = 3;

/// Fetch whatever the month and its neighbouring dates lack (up to the ledger's today).
async fn sync_around(ctx: &Context, args: &ExportArgs) -> Result<()> {
    eprintln!("Syncing what ledger {} needs for {}…", args.ledger, args.month);
    let summary = fetch::sync_month(
        ctx,
        &args.profile,
        &args.ledger,
        args.month,
        args.gdpr,
        |_| {},
        CancelToken::new(),
    )
    .await?;
    eprintln!(
        "Synced: {} complete, {} open upstream, {} failed, {} already complete; {} entries stored.",
        summary.complete,
        summary.open,
        summary.failed.len(),
        summary.already_complete,
        summary.entries_stored
    );
    Ok(())
}

/// `--format xlsx|csv|saft|gbat10|csv-journal|economic`, listed in `--help` like any enum.
pub(crate) fn parse_format() -> impl clap::builder::TypedValueParser<Value = ExportFormat> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["xlsx", "csv", "saft", "gbat10", "csv-journal", "economic"])
        .map(|s| match s.as_str() {
            "csv" => ExportFormat::Csv,
            "saft" => ExportFormat::Saft,
            "gbat10" => ExportFormat::Gbat10,
            "csv-journal" => ExportFormat::CsvJournal,
            "economic" => ExportFormat::Economic,
            _ => ExportFormat::Xlsx,
        })
}

/// Whether every cached date of the month was fetched with the personal-data fields.
fn gdpr_cached(store: &avstem_core::store::Store, ledger_id: &str, month: YearMonth) -> Result<bool> {
    let statuses = avstem_core::month::statuses_for(store, ledger_id, month)?;
    Ok(statuses
        .iter()
        .filter(|s| s.date >= month.first_day() && s.date <= month.last_day())
        .all(|s| s.with_gdpr))
}
