//! `avstem import`: settlement reports downloaded from the business portal (XML, CSV, XLSX) into the
//! cache, for sales units without API keys. Without `--profile` they go to the keyless profile
//! `files`; `avstem month`, `export` and the window then work on the ledger it prints.

use crate::output::{emit, emit_json};
use avstem_core::context::Context;
use avstem_core::portal::import::PortalImportReport;
use avstem_core::portal::{import_files, PortalImportOptions};
use avstem_core::Result;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// The profile to import into (default: the keyless profile "files", made on first use).
    #[arg(long)]
    pub profile: Option<String>,
    /// The ledger the files belong to (default: the ledger of each file's sales unit, made for the
    /// keyless profile when it has none).
    #[arg(long, conflicts_with = "ledger_name")]
    pub ledger: Option<String>,
    /// The ledger by its name (a sales unit's name), or the name of the new ledger.
    #[arg(long, value_name = "NAME")]
    pub ledger_name: Option<String>,
    #[arg(long)]
    pub json: bool,
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Exit 0 when every file was imported (or held nothing new), 1 when any was refused.
pub async fn run(ctx: &Context, args: &ImportArgs) -> Result<i32> {
    let opts = PortalImportOptions {
        profile: args.profile.clone(),
        ledger_id: args.ledger.clone(),
        ledger_name: args.ledger_name.clone(),
    };
    let report = import_files(ctx, &args.files, &opts)?;
    if args.json {
        emit_json(&report)?;
    } else {
        emit(&import_text(&report))?;
    }
    Ok(if report.failed == 0 { 0 } else { 1 })
}

fn import_text(report: &PortalImportReport) -> String {
    let mut out = format!("Profile: {}\n", report.profile);
    for f in &report.files {
        match (&f.imported, &f.error) {
            (Some(i), _) => {
                for l in &i.ledgers {
                    let span = match (l.first_date, l.last_date) {
                        (Some(a), Some(b)) => format!(", {a} – {b}"),
                        _ => String::new(),
                    };
                    out.push_str(&format!(
                        "{}: ledger {} ({}{}): {} settlement(s), {} entries added, {} already cached{}\n",
                        i.file_name,
                        l.ledger_id,
                        l.name,
                        if l.created { ", new" } else { "" },
                        l.payouts.len(),
                        l.added,
                        l.duplicates,
                        span
                    ));
                }
            }
            (None, Some(e)) => out.push_str(&format!("{}: {e}\n", f.path)),
            (None, None) => {}
        }
    }
    match &report.ledger_id {
        Some(id) if report.ledger_ids.len() == 1 => out.push_str(&format!(
            "Imported into ledger {id}. See the month with `avstem month --profile {} --ledger {id} --month YYYY-MM`.\n",
            report.profile
        )),
        Some(_) => out.push_str(&format!("Imported into ledgers {}.\n", report.ledger_ids.join(", "))),
        None => {}
    }
    if report.failed > 0 {
        out.push_str(&format!("{} file(s) not imported.\n", report.failed));
    }
    out
}
