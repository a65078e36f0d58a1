//! `avstem accounts`: the accounts a ledger's vouchers post to, saved in the cache so every export
//! (window, CLI, every format) uses them. Without account flags it shows them; with flags it saves.

use crate::export::AccountArgs;
use crate::outln;
use crate::output::{emit, emit_json};
use avstem_core::context::Context;
use avstem_core::export;
use avstem_core::Result;
use serde::Serialize;

#[derive(Debug, clap::Args)]
pub struct AccountsArgs {
    /// The ledger whose accounts to show or set.
    #[arg(long, value_name = "ID")]
    pub ledger: String,
    /// The accounts to save (the others keep their saved or default number).
    #[command(flatten)]
    pub accounts: AccountArgs,
    /// Print the accounts as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Shown<'a> {
    ledger_id: &'a str,
    saved: bool,
    accounts: avstem_core::reconcile::JournalAccounts,
}

pub async fn run(ctx: &Context, args: &AccountsArgs) -> Result<i32> {
    tokio::task::block_in_place(|| {
        let mut store = ctx.open_store()?;
        if args.accounts.any() {
            let accounts = args.accounts.over(export::accounts_for(&store, &args.ledger)?);
            store.set_ledger_accounts(&args.ledger, &accounts, ctx.clock.now().timestamp())?;
        }
        let saved = store.ledger_accounts(&args.ledger)?;
        let shown = Shown {
            ledger_id: &args.ledger,
            saved: saved.is_some(),
            accounts: match saved {
                Some(a) => a,
                None => export::accounts_for(&store, &args.ledger)?,
            },
        };
        if args.json {
            emit_json(&shown)?;
            return Ok(0);
        }
        let mut out = String::new();
        outln!(
            out,
            "Accounts for ledger {} ({}):",
            args.ledger,
            if shown.saved {
                "saved"
            } else {
                "defaults, not saved"
            }
        );
        for (role, account) in shown.accounts.roles() {
            outln!(out, "  {role:<9} {account}");
        }
        emit(&out)?;
        Ok(0)
    })
}
