//! `avstem month`: a ledger's month day by day from the cache, offline: sales, refunds,
//! fees, other, net, payout and whether each date is complete.

use crate::entries::check_ledger_visible;
use crate::outln;
use crate::output::{emit, emit_json, parse_month};
use avstem_core::context::Context;
use avstem_core::figures::Figures;
use avstem_core::model::{format_minor, YearMonth};
use avstem_core::month::open::{OpenNote, OpenNotes};
use avstem_core::store::{DateState, DaySummary};
use avstem_core::{Error, Result};
use serde::Serialize;

#[derive(Debug, Clone, clap::Args)]
pub struct MonthArgs {
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

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct MonthJson<'a> {
    ledger_id: &'a str,
    month: YearMonth,
    currency: Option<String>,
    days: &'a [DaySummary],
    totals: Figures,
    /// Dates not complete on both topics.
    incomplete_dates: usize,
    /// Dates Vipps has not closed yet, each with why and (when known) the day it closes.
    open_dates: Vec<OpenDate>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct OpenDate {
    date: chrono::NaiveDate,
    #[serde(flatten)]
    note: OpenNote,
    text: String,
}

fn state_text(s: Option<DateState>) -> &'static str {
    match s {
        Some(DateState::Complete) => "ok",
        Some(DateState::Open) => "open",
        Some(DateState::Failed) => "FAILED",
        None => "-",
    }
}

pub async fn run(ctx: &Context, args: &MonthArgs) -> Result<i32> {
    let store = ctx.open_store_for_reading()?;
    check_ledger_visible(ctx, &store, &args.profile, &args.ledger)?;
    let currency = store.ledger(&args.ledger)?.map(|l| l.currency);
    let days = store.month_summary(&args.ledger, args.month)?;
    let mut t = Figures::default();
    for d in &days {
        t.merge(&d.figures)
            .map_err(|e| Error::Cache(format!("The month's totals cannot be added up: {e}.")))?;
    }
    let complete = |s: Option<DateState>| s == Some(DateState::Complete);
    let incomplete = days
        .iter()
        .filter(|d| !complete(d.funds_state) || !complete(d.fees_state))
        .count();
    let synced = days
        .iter()
        .any(|d| d.funds_state.is_some() || d.fees_state.is_some());
    let open_dates = match store.ledger(&args.ledger)? {
        Some(ledger) => {
            let notes = OpenNotes::read(&store, &ledger, ctx.clock.today_for(&ledger))?;
            days.iter()
                .filter(|d| d.funds_state == Some(DateState::Open) || d.fees_state == Some(DateState::Open))
                .map(|d| {
                    let note = notes.note(d.date);
                    OpenDate {
                        date: d.date,
                        text: note.describe(),
                        note,
                    }
                })
                .collect()
        }
        None => Vec::new(),
    };
    let mut out = String::new();
    if args.json {
        let json = MonthJson {
            ledger_id: &args.ledger,
            month: args.month,
            currency,
            days: &days,
            totals: t,
            incomplete_dates: incomplete,
            open_dates,
        };
        emit_json(&json)?;
    } else {
        outln!(
            out,
            "Ledger {} {} ({})",
            args.ledger,
            args.month,
            currency.as_deref().unwrap_or("currency unknown")
        );
        outln!(
            out,
            "{:<10}  {:>12}  {:>12}  {:>10}  {:>10}  {:>12}  {:>12}  {:<6}  {:<6}",
            "DATE",
            "SALES",
            "REFUNDS",
            "FEES",
            "OTHER",
            "NET",
            "PAYOUT",
            "FUNDS",
            "FEES"
        );
        for d in &days {
            outln!(
                out,
                "{:<10}  {:>12}  {:>12}  {:>10}  {:>10}  {:>12}  {:>12}  {:<6}  {:<6}",
                d.date,
                format_minor(d.figures.sales()),
                format_minor(d.figures.refunds()),
                format_minor(d.figures.fees()),
                format_minor(d.figures.other()),
                format_minor(d.figures.net()),
                format_minor(d.figures.payout()),
                state_text(d.funds_state),
                state_text(d.fees_state)
            );
        }
        outln!(
            out,
            "{:<10}  {:>12}  {:>12}  {:>10}  {:>10}  {:>12}  {:>12}",
            "TOTAL",
            format_minor(t.sales()),
            format_minor(t.refunds()),
            format_minor(t.fees()),
            format_minor(t.other()),
            format_minor(t.net()),
            format_minor(t.payout())
        );
        let mut reasons: Vec<(String, usize)> = Vec::new();
        for o in &open_dates {
            match reasons.iter_mut().find(|(t, _)| *t == o.text) {
                Some((_, n)) => *n += 1,
                None => reasons.push((o.text.clone(), 1)),
            }
        }
        for (text, n) in reasons {
            outln!(out, "Not closed yet by Vipps: {n} date(s), {text}.");
        }
        if incomplete > 0 {
            outln!(out,
                "{incomplete} date(s) not complete in the cache. Run `avstem sync --profile {} --ledger {} --month {}`.",
                args.profile, args.ledger, args.month
            );
        }
    }
    emit(&out)?;
    Ok(if synced { 0 } else { 1 })
}
