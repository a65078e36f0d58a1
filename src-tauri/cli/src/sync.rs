//! `avstem sync`: fetch every missing or open ledger date of a range into the cache.
//! A progress bar on a terminal, plain lines otherwise; exit 1 when any date failed.

use crate::outln;
use crate::output::{emit, emit_json, parse_month};
use avstem_core::context::Context;
use avstem_core::model::YearMonth;
use avstem_core::sync::sales::{self, SalesChoice, SalesSummary};
use avstem_core::sync::{self, CancelToken, SyncOptions, SyncProgress, SyncRequest, SyncSummary};
use avstem_core::{Error, Result};
use chrono::NaiveDate;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, clap::Args)]
pub struct SyncArgs {
    #[arg(long)]
    pub profile: String,
    /// A ledger to sync (repeatable). Without it: every ledger the profile sees.
    #[arg(long = "ledger", value_name = "ID")]
    pub ledgers: Vec<String>,
    /// The month to sync, YYYY-MM.
    #[arg(long, value_parser = parse_month, conflicts_with_all = ["from", "to"], required_unless_present = "from")]
    pub month: Option<YearMonth>,
    /// First ledger date, YYYY-MM-DD (with --to).
    #[arg(long, requires = "to")]
    pub from: Option<NaiveDate>,
    /// Last ledger date, YYYY-MM-DD (with --from).
    #[arg(long, requires = "from")]
    pub to: Option<NaiveDate>,
    /// Also fetch names, phone numbers and messages (personal data; Vippsnummer payments only).
    #[arg(long)]
    pub gdpr: bool,
    /// Ledger dates fetched at once.
    #[arg(long, default_value_t = sync::DEFAULT_CONCURRENCY, value_parser = parse_concurrency)]
    pub concurrency: usize,
    /// Also fetch what was sold (Sales API: order lines, VAT). The default with accounting keys.
    #[arg(long, conflicts_with = "no_sales")]
    pub sales: bool,
    /// Do not fetch what was sold, even with accounting keys.
    #[arg(long)]
    pub no_sales: bool,
    /// Print the summary as JSON on stdout (progress still goes to stderr).
    #[arg(long)]
    pub json: bool,
}

pub async fn run(ctx: &Context, args: &SyncArgs) -> Result<i32> {
    let (from, to) = match (args.month, args.from, args.to) {
        (Some(m), _, _) => (m.first_day(), m.last_day()),
        (None, Some(f), Some(t)) => (f, t),
        _ => return Err(Error::Input("Give --month YYYY-MM, or --from and --to.".into())),
    };
    let (profile, client) = ctx.client_for(&args.profile).await?;
    let mut store = ctx.open_store()?;
    let visible = sync::refresh_ledgers(&client, &mut store, &profile.name, None).await?;
    let ledger_ids: Vec<String> = if args.ledgers.is_empty() {
        visible.iter().map(|l| l.ledger_id.clone()).collect()
    } else {
        for id in &args.ledgers {
            if !visible.iter().any(|l| &l.ledger_id == id) {
                eprintln!(
                    "warning: ledger {id} is not in the list profile \"{}\" sees; trying anyway.",
                    profile.name
                );
            }
        }
        args.ledgers.clone()
    };
    if ledger_ids.is_empty() {
        eprintln!(
            "No ledgers are visible to profile \"{}\": nothing to sync.",
            profile.name
        );
        return Ok(1);
    }
    // The ledgers' own today (the earliest, when they are in different time zones): `--month` stops
    // there, as the window's Sync does.
    let today = ledger_ids
        .iter()
        .filter_map(|id| visible.iter().find(|l| &l.ledger_id == id))
        .map(|l| ctx.clock.today_for(l))
        .min()
        .unwrap_or_else(|| ctx.clock.today_in(avstem_core::model::Country::No));
    let to = if args.month.is_some() { to.min(today) } else { to };
    if let (Some(month), true) = (args.month, from > to) {
        return Err(Error::Input(format!(
            "{month} has not started yet: its first date, {from}, is after today ({today})."
        )));
    }
    let request = SyncRequest {
        ledger_ids,
        from,
        to,
        gdpr: args.gdpr,
    };
    let plan = sync::plan(&store, &request, today)?;
    let sales_choice = match (args.sales, args.no_sales) {
        (true, _) => SalesChoice::On,
        (_, true) => SalesChoice::Off,
        _ => SalesChoice::Auto,
    };
    let sales_plan = if sales::wants_sales(&client, sales_choice)? {
        Some(sales::plan_sales(&store, &request, today)?)
    } else {
        None
    };
    drop(store);
    eprintln!(
        "{} ledger(s), {from} to {to}: {} date(s) to fetch, {} already complete.",
        request.ledger_ids.len(),
        plan.items.len(),
        plan.already_complete
    );

    let cancel = CancelToken::new();
    let on_ctrl_c = cancel.clone();
    let ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nStopping after the dates in flight (Ctrl-C again to quit at once)…");
            on_ctrl_c.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let display = ProgressDisplay::new(plan.items.len() as u64);
    let result = sync::execute(
        &client,
        &ctx.cache_path(),
        plan,
        SyncOptions {
            concurrency: args.concurrency,
        },
        |p| display.show(p),
        cancel,
    )
    .await;
    ctrl_c.abort();
    display.finish();
    let summary = result?;
    let sold = match sales_plan {
        Some((items, planned)) if !summary.cancelled => Some(
            sales::execute_sales(
                &client,
                &ctx.cache_path(),
                items,
                planned,
                today,
                args.concurrency,
                &CancelToken::new(),
            )
            .await?,
        ),
        _ => None,
    };
    let mut out = String::new();
    if args.json {
        // The summary as before, with what was sold under "sales" (null when not fetched).
        let mut v = serde_json::to_value(&summary).map_err(|e| Error::Io(format!("JSON: {e}")))?;
        if let Some(map) = v.as_object_mut() {
            map.insert(
                "sales".into(),
                serde_json::to_value(&sold).map_err(|e| Error::Io(format!("JSON: {e}")))?,
            );
        }
        emit_json(&v)?;
    } else {
        print_summary(&mut out, &summary);
        if let Some(s) = &sold {
            print_sales(&mut out, s);
        }
    }
    emit(&out)?;
    let sales_failed = sold.as_ref().is_some_and(|s| !s.failed.is_empty());
    Ok(match summary.exit_code() {
        0 if sales_failed => 1,
        code => code,
    })
}

fn print_sales(out: &mut String, s: &SalesSummary) {
    if s.ledgers.is_empty() {
        outln!(
            out,
            "Sales: no ledger with Vippsnummer or mPOS sales units; nothing sold to fetch."
        );
        return;
    }
    outln!(
        out,
        "Sales ({} ledger(s)): {} date(s) complete, {} still open, {} already complete; {} sales entries stored.",
        s.ledgers.len(),
        s.complete,
        s.open,
        s.already_complete,
        s.entries_stored
    );
    if !s.flagged.is_empty() {
        outln!(
            out,
            "{} sales entries break one of the Sales API's rules (kept, and shown on Checks):",
            s.flagged.len()
        );
        for f in s.flagged.iter().take(20) {
            let what: Vec<String> = f.violations.iter().map(ToString::to_string).collect();
            outln!(
                out,
                "  ledger {} {} order {}: {}",
                f.ledger_id,
                f.date,
                f.reference,
                what.join("; ")
            );
        }
    }
    for f in &s.failed {
        outln!(out, "  sales ledger {} {}: {}", f.ledger_id, f.date, f.reason);
    }
}

fn print_summary(out: &mut String, s: &SyncSummary) {
    let secs = s.elapsed_ms as f64 / 1000.0;
    let rate = if secs > 0.0 {
        s.entries_stored as f64 / secs
    } else {
        0.0
    };
    outln!(out,
        "{} complete, {} still open upstream, {} failed, {} already complete; {} entries stored in {secs:.1} s \
         ({rate:.0} entries/s, {} requests).",
        s.complete,
        s.open + s.followed,
        s.failed.len(),
        s.already_complete,
        s.entries_stored,
        s.requests
    );
    if s.followed > 0 {
        outln!(out,
            "{} open date(s) followed through the feed ({} page(s), {} new entries): fetched whole once closed.",
            s.followed, s.feed_pages, s.feed_entries
        );
    }
    if s.cancelled {
        outln!(
            out,
            "Cancelled: {} date(s) not attempted. Run the same command again to continue.",
            s.not_attempted
        );
    }
    if !s.failed.is_empty() {
        outln!(out, "Failed (run the same command again to retry only these):");
        for f in &s.failed {
            outln!(
                out,
                "  ledger {} {:<5} {}: {}",
                f.ledger_id,
                f.topic,
                f.date,
                f.reason
            );
        }
    }
}

/// A bar on a terminal; a line every few seconds in a log file or a pipe.
pub(crate) enum ProgressDisplay {
    Bar(indicatif::ProgressBar),
    Lines(Mutex<Instant>),
}

impl ProgressDisplay {
    pub(crate) fn new(total: u64) -> ProgressDisplay {
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:30.cyan/blue} {pos}/{len} dates  {msg}  [{elapsed_precise}, ~{eta} left]",
            ) {
                bar.set_style(style.progress_chars("█▉▊▋▌▍▎▏ "));
            }
            bar.enable_steady_tick(Duration::from_millis(200));
            ProgressDisplay::Bar(bar)
        } else {
            ProgressDisplay::Lines(Mutex::new(Instant::now()))
        }
    }

    pub(crate) fn show(&self, p: &SyncProgress) {
        let ledger = p.current_ledger.as_deref().unwrap_or("-");
        let failed = if p.dates_failed > 0 {
            format!(", {} failed", p.dates_failed)
        } else {
            String::new()
        };
        match self {
            ProgressDisplay::Bar(bar) => {
                bar.set_length(u64::from(p.dates_total));
                bar.set_position(u64::from(p.dates_done));
                bar.set_message(format!(
                    "ledger {ledger}, {} entries ({:.0}/s){failed}",
                    p.entries_stored, p.entries_per_sec
                ));
            }
            ProgressDisplay::Lines(last) => {
                let Ok(mut last) = last.lock() else { return };
                let finished = p.dates_done == p.dates_total;
                if p.dates_done == 0 || finished || last.elapsed() >= Duration::from_secs(2) {
                    *last = Instant::now();
                    eprintln!(
                        "sync: {}/{} dates, ledger {ledger}, {} entries ({:.0}/s){failed}",
                        p.dates_done, p.dates_total, p.entries_stored, p.entries_per_sec
                    );
                }
            }
        }
    }

    pub(crate) fn finish(&self) {
        if let ProgressDisplay::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

/// `--topic` values.
/// `--concurrency`: 1 to 32.
pub fn parse_concurrency(s: &str) -> std::result::Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=sync::MAX_CONCURRENCY).contains(&n) => Ok(n),
        _ => Err(format!(
            "not a concurrency between 1 and {}: {s}",
            sync::MAX_CONCURRENCY
        )),
    }
}
