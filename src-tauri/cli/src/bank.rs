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
    /// Denmark and Finland: the text MobilePay payouts carry in the bank when the payout has no
    /// reference (default 02{recipient:08}001{DD}{MM}{YY}{C}). Shows it, sets it, or (--default) resets it.
    TextFormat(TextFormatArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct TextFormatArgs {
    #[arg(long)]
    pub profile: String,
    #[arg(long)]
    pub ledger: String,
    /// The new format, from {recipient:08} {recipient} {payout} {DD} {MM} {YY} {YYYY} {C} (check digit) and text.
    #[arg(value_name = "FORMAT", conflicts_with = "default")]
    pub format: Option<String>,
    /// Go back to the MobilePay default.
    #[arg(long)]
    pub default: bool,
    #[arg(long)]
    pub json: bool,
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
    /// Denmark/Finland: the text format this bank really writes for payouts without a reference
    /// (to try `avstem bank text-format`); default: the ledger's saved format.
    #[arg(long, value_name = "FORMAT")]
    pub bank_text_format: Option<String>,
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
        BankAction::TextFormat(a) => text_format(ctx, a),
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
        bank_text_format: args.bank_text_format.clone(),
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

/// What `avstem bank text-format --json` prints.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct TextFormatOut {
    ledger_id: String,
    format: String,
    is_default: bool,
    /// The text the latest cached payout is expected with, when there is one.
    example: Option<TextExample>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct TextExample {
    payout_number: u64,
    ledger_date: chrono::NaiveDate,
    text: String,
    /// True when the payout carries its own reference, which is expected instead of the format.
    from_reference: bool,
}

fn text_format(ctx: &Context, args: &TextFormatArgs) -> Result<i32> {
    use avstem_core::bank::predict::{expected_text, MOBILEPAY_TEXT_FORMAT};
    use avstem_core::bank::status::ledger_recipient;
    let store = if args.default || args.format.is_some() {
        ctx.open_store()?
    } else {
        ctx.open_store_for_reading()?
    };
    check_ledger_visible(ctx, &store, &args.profile, &args.ledger)?;
    let ledger = cached_ledger(&store, &args.ledger)?;
    let country = ledger.country();
    if country == avstem_core::bank::calendar::BankCountry::No {
        return Err(avstem_core::Error::Input(format!(
            "Ledger {} is Norwegian: Vipps payouts reach a Norwegian bank as `Utb. <payout> Vippsnr <number>`, which cannot be changed. The text format is for MobilePay ledgers in Denmark and Finland.",
            args.ledger
        )));
    }
    if args.default {
        store.set_bank_text_format(&args.ledger, None)?;
    } else if let Some(f) = &args.format {
        store.set_bank_text_format(&args.ledger, Some(f))?;
    }
    let saved = store.bank_text_format(&args.ledger)?;
    let format = saved.clone().unwrap_or_else(|| MOBILEPAY_TEXT_FORMAT.to_string());
    let today = ctx.clock.today_for(&ledger);
    let latest = store
        .payouts_for_bank(&args.ledger, today - chrono::Duration::days(400), today)?
        .pop();
    let example = latest.map(|p| TextExample {
        payout_number: p.payout_number,
        ledger_date: p.ledger_date,
        text: expected_text(country, &p, ledger_recipient(&ledger), &format),
        from_reference: !p.reference.trim().is_empty(),
    });
    let out = TextFormatOut {
        ledger_id: args.ledger.clone(),
        format,
        is_default: saved.is_none(),
        example,
    };
    if args.json {
        emit_json(&out)?;
        return Ok(0);
    }
    let mut text = String::new();
    outln!(
        text,
        "Ledger {}: payouts without a reference are expected in the bank as {}{}",
        out.ledger_id,
        out.format,
        if out.is_default {
            " (the MobilePay default)"
        } else {
            ""
        }
    );
    if let Some(e) = &out.example {
        outln!(
            text,
            "Payout {} of {} is expected as: {}{}",
            e.payout_number,
            e.ledger_date,
            e.text,
            if e.from_reference {
                " (its own reference, which is used instead of the format)"
            } else {
                ""
            }
        );
    }
    emit(&text)?;
    Ok(0)
}
