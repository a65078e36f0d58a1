//! `avstem profile add|list|test|remove`. STUB until profiles land.

use crate::context::Context;

#[derive(Debug, clap::Subcommand)]
pub enum ProfileCommand {
    /// List the profiles.
    List {
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(_ctx: &Context, _cmd: &ProfileCommand) -> crate::Result<i32> {
    Ok(0)
}
