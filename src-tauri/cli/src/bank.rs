//! `avstem bank`: import bank statements (camt.053, CSV) and see, per month, whether every payout
//! reached the bank; match or unmatch a payout and a bank line by hand. Works offline, on the cache.

use crate::entries::check_ledger_visible;
use crate::outln;
use crate::output::{emit, emit_json, parse_month};
use avstem_core::bank::import::{import_paths, profile_ledgers, ImportOptions, ImportReport};
use avstem_core::bank::status::{decide, month_status_cached, BankMonth};
use avstem_core::context::Context;
use avstem_core::model::{format_minor, YearMonth};
use avstem_core::month::cached_ledger;
use avstem_core::sim::statement::{month_statement, StatementFaults, StatementFormat};
use avstem_core::store::bank::ManualDecision;
use avstem_core::Result;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct BankArgs {
    #[command(subcommand)]
    pub action: BankAction,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum BankAction {
    /// Import bank statements (camt.053 XML or the online bank's CSV export). Each file is imported
    /// whole or not at all; importing the same or an overlapping file again adds nothing.
    Import(ImportArgs),
    /// Whether each payout of a month reached the bank. Exit 0 when every due payout is in the bank, 1 otherwise.
    Status(StatusArgs),
    /// Tie a bank line to a payout by hand (`avstem bank status` shows the line numbers).
    Match(ChoiceArgs),
    /// Say a bank line is not this payout, so it is never matched to it again (`--forget` undoes either choice).
    Unmatch(UnmatchArgs),
    /// Write the statement the simulator's bank would send for a ledger's month, from the payouts
    /// in the cache (camt.053 or the online bank's CSV), to try the import with demo data.
    SimStatement(SimStatementArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct SimStatementArgs {
    #[arg(long)]
    pub profile: String,
    #[arg(long)]
    pub ledger: String,
    /// YYYY-MM.
    #[arg(long, value_parser = parse_month)]
    pub month: YearMonth,
    /// camt08 (camt.053.001.08), camt02 (camt.053.001.02) or csv.
    #[arg(long, default_value = "camt08", value_parser = parse_format)]
    pub format: StatementFormat,
    /// Leave these payouts out of the statement (payout numbers), as if they never arrived.
    #[arg(long, value_delimiter = ',', value_name = "PAYOUT")]
    pub missing: Vec<u64>,
    /// Mix in this many lines that are not Vipps MobilePay (card purchases, transfers).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub foreign: usize,
    /// Where to write the file.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

fn parse_format(s: &str) -> std::result::Result<StatementFormat, String> {
    StatementFormat::parse(s).ok_or_else(|| format!("{s:?} is not camt08, camt02 or csv"))
}

#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    #[arg(long)]
    pub profile: String,
    /// The ledger a CSV file belongs to (a CSV names no account); needed when the profile's
    /// ledgers pay into more than one account. A camt.053 file names its account itself.
    #[arg(long)]
    pub ledger: Option<String>,
    #[arg(long)]
    pub json: bool,
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    #[arg(long)]
    pub profile: String,
    #[arg(long)]
    pub ledger: String,
    /// YYYY-MM.
    #[arg(long, value_parser = parse_month)]
    pub month: YearMonth,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ChoiceArgs {
    #[arg(long)]
    pub profile: String,
    #[arg(long)]
    pub ledger: String,
    /// The payout number, e.g. 2000810.
    #[arg(long)]
    pub payout: u64,
    /// The bank line's number (the LINE column of `avstem bank status`).
    #[arg(long)]
    pub line: i64,
}

#[derive(Debug, Clone, clap::Args)]
pub struct UnmatchArgs {
    #[command(flatten)]
    pub choice: ChoiceArgs,
    /// Forget what was decided by hand; automatic matching decides again.
    #[arg(long)]
    pub forget: bool,
}

pub async fn run(ctx: &Context, args: &BankArgs) -> Result<i32> {
    match &args.action {
        BankAction::Import(a) => import(ctx, a),
        BankAction::SimStatement(a) => sim_statement(ctx, a),
        BankAction::Status(a) => status(ctx, a),
        BankAction::Match(a) => choose(ctx, a, ManualDecision::Match),
        BankAction::Unmatch(a) => choose(
            ctx,
            &a.choice,
            if a.forget {
                ManualDecision::Forget
            } else {
                ManualDecision::Unmatch
            },
        ),
    }
}

fn import(ctx: &Context, args: &ImportArgs) -> Result<i32> {
    let mut store = ctx.open_store()?;
    let ledgers = profile_ledgers(ctx, &store, &args.profile)?;
    let opts = ImportOptions {
        ledger_id: args.ledger.clone(),
        mapping: None,
    };
    let report = import_paths(&mut store, &ledgers, &args.files, &opts);
    if args.json {
        emit_json(&report)?;
    } else {
        emit(&import_text(&report))?;
    }
    Ok(if report.failed == 0 { 0 } else { 1 })
}

fn import_text(report: &ImportReport) -> String {
    let mut out = String::new();
    for f in &report.files {
        match (&f.imported, &f.error) {
            (Some(i), _) => {
                for s in &i.statements {
                    let period = match (s.first_date, s.last_date) {
                        (Some(a), Some(b)) => format!(", {a} to {b}"),
                        _ => String::new(),
                    };
                    outln!(
                        out,
                        "{} ({}): account {}, ledger {}: {} line(s), {} new{period}",
                        f.path,
                        i.format,
                        s.account,
                        s.ledger_ids.join(", "),
                        s.lines,
                        s.added
                    );
                }
                for a in &i.skipped_accounts {
                    outln!(
                        out,
                        "{}: account {a} left out (no ledger of this profile pays into it)",
                        f.path
                    );
                }
            }
            (None, Some(e)) => outln!(out, "{}: {e}", f.path),
            (None, None) => {}
        }
    }
    let ok = report.files.len() - report.failed as usize;
    outln!(
        out,
        "{} new line(s) from {ok} file(s); {} already imported.{}",
        report.added,
        report.lines - report.added,
        if report.failed > 0 {
            format!(" {} file(s) not imported.", report.failed)
        } else {
            String::new()
        }
    );
    out
}

fn status(ctx: &Context, args: &StatusArgs) -> Result<i32> {
    let store = ctx.open_store_for_reading()?;
    check_ledger_visible(ctx, &store, &args.profile, &args.ledger)?;
    let m = month_status_cached(&store, &args.ledger, args.month, &ctx.clock)?;
    if args.json {
        emit_json(&m)?;
    } else {
        emit(&status_text(&m))?;
    }
    Ok(if m.all_due_in_bank { 0 } else { 1 })
}

fn status_text(m: &BankMonth) -> String {
    let mut out = String::new();
    let covered = match (m.statement_from, m.statement_to) {
        (Some(a), Some(b)) => format!("statements imported {a} to {b}"),
        _ => "no bank statement imported".to_string(),
    };
    outln!(
        out,
        "Ledger {} {}, account {} ({covered})",
        m.ledger_id,
        m.month,
        if m.account.is_empty() {
            "unknown"
        } else {
            &m.account
        }
    );
    outln!(
        out,
        "{:<10}  {:<10}  {:<10}  {:<10}  {:>12}  {:<28}  {:<8}",
        "PAYOUT",
        "DATE",
        "EXPECTED",
        "IN BANK",
        "AMOUNT",
        "STATE",
        "LINE"
    );
    for p in &m.payouts {
        let lines: Vec<String> = p.lines.iter().map(|l| l.id.to_string()).collect();
        outln!(
            out,
            "{:<10}  {:<10}  {:<10}  {:<10}  {:>12}  {:<28}  {:<8}",
            p.label,
            p.ledger_date,
            p.expected_date,
            p.bank_date.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
            format_minor(p.amount),
            p.state.describe(),
            lines.join(",")
        );
        if !p.is_settled_or_not_due() {
            outln!(out, "            {}", p.reason);
        }
    }
    if !m.unexplained.is_empty() {
        outln!(
            out,
            "Deposits that look like Vipps MobilePay but match no payout:"
        );
        for l in &m.unexplained {
            outln!(
                out,
                "  line {:<8}  {}  {:>12}  {}",
                l.id,
                l.booking_date,
                format_minor(l.amount),
                l.text
            );
        }
    }
    outln!(
        out,
        "{}: {} — {}",
        m.check.title,
        m.check.status_text(),
        m.check.detail
    );
    out
}

fn choose(ctx: &Context, args: &ChoiceArgs, decision: ManualDecision) -> Result<i32> {
    let mut store = ctx.open_store()?;
    check_ledger_visible(ctx, &store, &args.profile, &args.ledger)?;
    let ledger = cached_ledger(&store, &args.ledger)?;
    decide(&mut store, &ledger, args.payout, args.line, decision)?;
    let what = match decision {
        ManualDecision::Match => "matched by hand to",
        ManualDecision::Unmatch => "marked as not",
        ManualDecision::Forget => "left to automatic matching for",
    };
    crate::sayln!("Bank line {} {what} payout {}.", args.line, args.payout)?;
    Ok(0)
}

fn sim_statement(ctx: &Context, args: &SimStatementArgs) -> Result<i32> {
    let store = ctx.open_store_for_reading()?;
    check_ledger_visible(ctx, &store, &args.profile, &args.ledger)?;
    let ledger = cached_ledger(&store, &args.ledger)?;
    let faults = StatementFaults {
        missing: args.missing.clone(),
        foreign_lines: args.foreign,
        ..StatementFaults::default()
    };
    let text = month_statement(&store, &ledger, args.month, args.format, &faults)?;
    std::fs::write(&args.out, text.as_bytes()).map_err(|e| {
        avstem_core::Error::Io(format!(
            "The statement could not be written to {} ({e}).",
            args.out.display()
        ))
    })?;
    let mut out = String::new();
    outln!(
        out,
        "wrote {} ({} bytes): the simulator bank's statement of ledger {} for {}",
        args.out.display(),
        text.len(),
        args.ledger,
        args.month
    );
    emit(&out)?;
    Ok(0)
}
