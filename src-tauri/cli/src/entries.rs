//! `avstem entries`: one ledger date's entries from the cache, offline.
//! A table for people, `--json` (an array of entries) for scripts.

use crate::outln;
use crate::output::{emit, emit_json, parse_topic};
use avstem_core::context::Context;
use avstem_core::model::{format_minor, Entry, Topic};
use avstem_core::store::{DateState, Store};
use avstem_core::{Error, Result};
use chrono::NaiveDate;

#[derive(Debug, Clone, clap::Args)]
pub struct EntriesArgs {
    #[arg(long)]
    pub profile: String,
    #[arg(long)]
    pub ledger: String,
    /// The ledger date, YYYY-MM-DD.
    #[arg(long)]
    pub date: NaiveDate,
    /// funds or fees (default: both).
    #[arg(long, value_parser = parse_topic)]
    pub topic: Option<Topic>,
    #[arg(long)]
    pub json: bool,
    /// Include names, masked phone numbers and messages (personal data) when the cache has them.
    #[arg(long)]
    pub gdpr: bool,
}

/// The ledger must be one the profile sees, when the cache knows what the profile sees.
pub fn check_ledger_visible(ctx: &Context, store: &Store, profile: &str, ledger_id: &str) -> Result<()> {
    let profile = ctx.profile(profile)?;
    let visible = store.ledgers(Some(&profile.name))?;
    if !visible.is_empty() && !visible.iter().any(|l| l.ledger_id == ledger_id) {
        return Err(Error::Input(format!(
            "Ledger {ledger_id} is not among the ledgers profile \"{}\" sees. Run `avstem ledgers --profile {}` \
             to refresh the list.",
            profile.name, profile.name
        )));
    }
    Ok(())
}

pub async fn run(ctx: &Context, args: &EntriesArgs) -> Result<i32> {
    let store = ctx.open_store_for_reading()?;
    check_ledger_visible(ctx, &store, &args.profile, &args.ledger)?;
    let topics: Vec<Topic> = args.topic.map(|t| vec![t]).unwrap_or_else(|| Topic::ALL.to_vec());
    let tz = store
        .ledger(&args.ledger)?
        .map(|l| l.time_zone())
        .unwrap_or_else(|| avstem_core::model::Country::No.time_zone());
    let mut all: Vec<Entry> = Vec::new();
    let mut missing = Vec::new();
    let mut notes = Vec::new();
    for topic in &topics {
        let status = store
            .date_statuses(&args.ledger, *topic, args.date, args.date)?
            .into_iter()
            .next();
        match &status {
            None => missing.push(*topic),
            Some(s) if s.state == DateState::Open => notes.push(format!(
                "{topic}: not closed upstream yet; these rows may still change"
            )),
            Some(s) if s.state == DateState::Failed => notes.push(format!(
                "{topic}: the last sync failed ({})",
                s.error.as_deref().unwrap_or("no reason recorded")
            )),
            Some(_) => {}
        }
        let rows = store.entries_between(&args.ledger, *topic, args.date, args.date)?;
        // Personal data only when asked for (--gdpr), never by default.
        all.extend(
            rows.into_iter()
                .map(|e| if args.gdpr { e } else { e.without_personal_data() }),
        );
    }
    let mut out = String::new();
    for note in &notes {
        eprintln!("note: {note}");
    }
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|t| t.as_str()).collect();
        eprintln!(
            "Ledger {} {} for {} is not in the cache. Run `avstem sync --profile {} --ledger {} --from {} --to {}`.",
            args.ledger,
            names.join(" and "),
            args.date,
            args.profile,
            args.ledger,
            args.date,
            args.date
        );
    }
    if args.json {
        emit_json(&all)?;
    } else {
        for topic in &topics {
            if missing.contains(topic) {
                continue;
            }
            let rows: Vec<&Entry> = all.iter().filter(|e| e.topic == *topic).collect();
            outln!(
                out,
                "{} {} {} — {} entries",
                args.ledger,
                topic,
                args.date,
                rows.len()
            );
            outln!(
                out,
                "{:>5}  {:<8}  {:<18}  {:>12}  {:>12}  {:<28}  REFERENCE",
                "SEQ",
                "TIME",
                "TYPE",
                "AMOUNT",
                "BALANCE",
                "PSP REFERENCE"
            );
            for e in rows {
                outln!(
                    out,
                    "{:>5}  {:<8}  {:<18}  {:>12}  {:>12}  {:<28}  {}",
                    e.seq,
                    e.time.with_timezone(&tz).format("%H:%M:%S"),
                    e.entry_type.as_str(),
                    format_minor(e.amount),
                    format_minor(e.balance_after),
                    e.psp_reference,
                    e.reference
                );
            }
            outln!(out);
        }
    }
    emit(&out)?;
    Ok(if missing.len() == topics.len() { 1 } else { 0 })
}
