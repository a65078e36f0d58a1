//! `avstem ledgers`: fetch the ledgers a profile sees, cache them, and show them.

use crate::outln;
use crate::output::{emit, emit_json};
use avstem_core::context::Context;
use avstem_core::model::Ledger;
use avstem_core::Result;

#[derive(Debug, clap::Args)]
pub struct LedgersArgs {
    #[arg(long)]
    pub profile: String,
    /// Only ledgers that settle for this recipient handle (e.g. NO:57860 or api:123455).
    #[arg(long)]
    pub settles_for: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub async fn run(ctx: &Context, args: &LedgersArgs) -> Result<i32> {
    let (profile, client) = ctx.client_for(&args.profile).await?;
    let ledgers = client.ledgers(args.settles_for.as_deref()).await?;
    let mut store = ctx.open_store()?;
    store.upsert_ledgers(&profile.name, &ledgers)?;
    let mut out = String::new();
    if args.json {
        emit_json(&ledgers)?;
        emit(&out)?;
        return Ok(0);
    }
    if ledgers.is_empty() {
        outln!(out, "No ledgers are visible to profile \"{}\".", profile.name);
        emit(&out)?;
        return Ok(0);
    }
    outln!(
        out,
        "{:<10} {:<4} {:<28} {:<16} {:<14} SALES UNITS",
        "LEDGER",
        "CUR",
        "NAME",
        "OWNER",
        "BANK ACCOUNT"
    );
    for l in &ledgers {
        outln!(
            out,
            "{:<10} {:<4} {:<28} {:<16} {:<14} {}",
            l.ledger_id,
            l.currency,
            truncate(&l.display_name(), 28),
            l.owner.id,
            mask_account(&l.payout_bank_account.id),
            units(l)
        );
    }
    emit(&out)?;
    Ok(0)
}

fn units(l: &Ledger) -> String {
    if l.sales_units.is_empty() {
        return l.settles_for_recipient_handles.join(", ");
    }
    l.sales_units
        .iter()
        .map(|u| format!("{} ({})", u.name, u.recipient_handle))
        .collect::<Vec<_>>()
        .join(", ")
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(std::iter::once('…')).collect()
    }
}

/// Show only the last four digits of a bank account.
pub fn mask_account(id: &str) -> String {
    let digits: Vec<char> = id.chars().collect();
    if digits.len() <= 4 {
        return id.to_string();
    }
    let tail: String = digits[digits.len() - 4..].iter().collect();
    format!("•••• {tail}")
}
