//! `avstem accounts`: how a ledger's month is posted (accounts, the VAT code of each kind of line,
//! the voucher date), saved in the cache so every export (window, CLI, every format) uses them.
//! Without setting flags it shows them; with flags it saves. `--profile P --currency CUR` instead
//! of `--ledger` shows or sets the profile's defaults for its ledgers in that currency.

use crate::export::AccountArgs;
use crate::outln;
use crate::output::{emit, emit_json};
use avstem_core::context::Context;
use avstem_core::export::{self, AccountsSource};
use avstem_core::reconcile::{JournalAccounts, VoucherDate};
use avstem_core::{Error, Result};
use serde::Serialize;

#[derive(Debug, clap::Args)]
pub struct AccountsArgs {
    /// The ledger whose settings to show or set.
    #[arg(long, value_name = "ID", conflicts_with_all = ["profile", "currency"], required_unless_present = "profile")]
    pub ledger: Option<String>,
    /// The profile whose defaults to show or set (with --currency): they apply to its ledgers in
    /// that currency that have no settings of their own.
    #[arg(long, requires = "currency")]
    pub profile: Option<String>,
    /// The currency of the profile's defaults (NOK, DKK or EUR).
    #[arg(long, requires = "profile")]
    pub currency: Option<String>,
    /// The settings to save (the others keep their saved or default value).
    #[command(flatten)]
    pub accounts: AccountArgs,
    /// Forget the ledger's own settings: it goes back to its profile's or the chart's defaults.
    #[arg(long, requires = "ledger", conflicts_with = "profile")]
    pub reset: bool,
    /// Print the settings as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Shown {
    #[serde(skip_serializing_if = "Option::is_none")]
    ledger_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    currency: Option<String>,
    /// Whether these settings are saved where asked (the ledger's own, or the profile's).
    saved: bool,
    /// Where a ledger's settings come from: ledger, profile or chart.
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<AccountsSource>,
    accounts: JournalAccounts,
}

pub async fn run(ctx: &Context, args: &AccountsArgs) -> Result<i32> {
    tokio::task::block_in_place(|| {
        let mut store = ctx.open_store()?;
        let now = ctx.clock.now().timestamp();
        let shown = match (&args.ledger, &args.profile, &args.currency) {
            (Some(ledger), _, _) => {
                if args.reset {
                    store.clear_ledger_accounts(ledger)?;
                }
                if args.accounts.any() {
                    let accounts = args.accounts.over(export::accounts_for(&store, ledger)?);
                    store.set_ledger_accounts(ledger, &accounts, now)?;
                }
                let (accounts, source) = export::accounts_and_source(&store, ledger)?;
                Shown {
                    ledger_id: Some(ledger.clone()),
                    profile: None,
                    currency: None,
                    saved: source == AccountsSource::Ledger,
                    source: Some(source),
                    accounts,
                }
            }
            (None, Some(profile), Some(currency)) => {
                let currency = currency.trim().to_uppercase();
                if !matches!(currency.as_str(), "NOK" | "DKK" | "EUR") {
                    return Err(Error::Input(format!(
                        "Vipps MobilePay ledgers are in NOK, DKK or EUR, not \"{currency}\". Nothing was saved."
                    )));
                }
                ctx.profile(profile)?;
                let saved = store.profile_accounts(profile, &currency)?;
                if args.accounts.any() {
                    let base = saved
                        .clone()
                        .unwrap_or_else(|| JournalAccounts::defaults_for(&currency));
                    store.set_profile_accounts(profile, &currency, &args.accounts.over(base), now)?;
                }
                let saved = store.profile_accounts(profile, &currency)?;
                Shown {
                    ledger_id: None,
                    profile: Some(profile.clone()),
                    currency: Some(currency.clone()),
                    saved: saved.is_some(),
                    source: None,
                    accounts: saved.unwrap_or_else(|| JournalAccounts::defaults_for(&currency)),
                }
            }
            _ => {
                return Err(Error::Input(
                    "Name a ledger (--ledger ID), or a profile and a currency.".into(),
                ))
            }
        };
        if args.json {
            emit_json(&shown)?;
            return Ok(0);
        }
        emit(&describe(&shown))?;
        Ok(0)
    })
}

fn describe(shown: &Shown) -> String {
    let mut out = String::new();
    let whose = match (&shown.ledger_id, &shown.profile, &shown.currency) {
        (Some(l), _, _) => format!("ledger {l}"),
        (None, Some(p), Some(c)) => format!("the {c} ledgers of profile {p}"),
        _ => String::new(),
    };
    let from = match shown.source {
        Some(AccountsSource::Ledger) => "saved for this ledger",
        Some(AccountsSource::Profile) => "the profile's defaults",
        Some(AccountsSource::Chart) => "the chart's defaults, not saved",
        None if shown.saved => "saved",
        None => "the chart's defaults, not saved",
    };
    outln!(out, "Postings for {whose} ({from}):");
    outln!(out, "  {:<9} {:<10} VAT code", "line", "account");
    for ((role, account), (_, code)) in shown.accounts.roles().into_iter().zip(shown.accounts.vat.roles()) {
        let code = if code.is_empty() { "(none)" } else { code };
        outln!(out, "  {role:<9} {account:<10} {code}");
    }
    let date = match shown.accounts.voucher_date {
        VoucherDate::Ledger => "the day Vipps MobilePay paid the payout out",
        VoucherDate::Bank => "the day the payout reached the bank (from the bank statement)",
    };
    outln!(out, "  Payout vouchers are dated by {date}.");
    out
}
