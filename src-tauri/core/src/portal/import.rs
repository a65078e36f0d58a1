//! Importing settlement report files into the cache: find (or make) each sales unit's ledger, turn
//! the report into entries, leave out what the cache already holds, refuse the whole file when it
//! disagrees with the cache, and store the rest in one transaction.
//!
//! Without a profile the files go to the keyless profile `files` (made on first use). A cached
//! date (from the API or an earlier file) is compared payment by payment (captures, refunds and
//! capture fees by pspReference, payouts by number): the same amounts add nothing; a different
//! amount, or a payment the cached date lacks, is a conflict and nothing of the file is stored.

use super::entries::{handle_for, ledger_entries, LedgerEntries};
use super::{FeeInvoice, PortalSettlement, SettlementReport};
use crate::context::Context;
use crate::model::{
    format_minor, payout_number, Entry, EntryType, Ledger, Minor, SalesUnit, SchemeId, Topic,
};
use crate::profile::{Profile, FILES_PROFILE};
use crate::store::portal::{PortalDate, PortalFileWrite, PortalLedgerWrite};
use crate::store::Store;
use crate::{Error, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How many conflicts a refusal sentence names (the outcome lists them all).
const CONFLICTS_NAMED: usize = 3;

/// Where the files go: a profile (default: the keyless `files`) and, optionally, its ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct PortalImportOptions {
    pub profile: Option<String>,
    pub ledger_id: Option<String>,
    pub ledger_name: Option<String>,
}

/// What one file did to one ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PortalLedgerImport {
    pub ledger_id: String,
    pub name: String,
    /// The ledger was made from this file.
    pub created: bool,
    /// The settlements' payout numbers.
    #[ts(type = "Array<number>")]
    pub payouts: Vec<u64>,
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
    /// Entries stored; entries the cache held already.
    #[ts(type = "number")]
    pub added: u64,
    #[ts(type = "number")]
    pub duplicates: u64,
}

/// What importing one file did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PortalImport {
    pub file_name: String,
    /// `xml-3.0`, `xml-2.0`, `csv` or `xlsx`.
    pub format: String,
    pub ledgers: Vec<PortalLedgerImport>,
    #[ts(type = "number")]
    pub added: u64,
    #[ts(type = "number")]
    pub duplicates: u64,
}

/// One file of [`import_files`]: what it imported, or why it imported nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PortalFileOutcome {
    pub path: String,
    /// Entries stored from this file; entries of it the cache held already.
    #[ts(type = "number")]
    pub added: u64,
    #[ts(type = "number")]
    pub duplicates: u64,
    pub imported: Option<PortalImport>,
    pub error: Option<String>,
    /// Payments where the file and the cache disagree (the file was refused).
    pub conflicts: Vec<String>,
}

/// Several files, each in its own transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PortalImportReport {
    pub profile: String,
    /// The (first) ledger the files went into; `ledger` is the same, by its other name.
    pub ledger_id: Option<String>,
    pub ledger: Option<String>,
    pub ledger_ids: Vec<String>,
    pub files: Vec<PortalFileOutcome>,
    #[ts(type = "number")]
    pub added: u64,
    #[ts(type = "number")]
    pub duplicates: u64,
    pub failed: u32,
}

/// The profile the files go to; the keyless `files` profile is made on first use.
pub fn import_profile(ctx: &Context, opts: &PortalImportOptions) -> Result<Profile> {
    let name = opts.profile.as_deref().unwrap_or(FILES_PROFILE);
    match ctx.profile(name) {
        Ok(p) => Ok(p),
        Err(_) if name == FILES_PROFILE => {
            let mut book = ctx.profiles()?;
            let p = Profile::files(FILES_PROFILE);
            book.upsert(p.clone());
            book.save(&ctx.data_dir)?;
            Ok(p)
        }
        Err(e) => Err(e),
    }
}

/// Read a report file, refusing one too large before reading it.
pub fn read_report_file(path: &Path) -> Result<Vec<u8>> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::Input(format!(
            "The settlement report {shown} cannot be opened ({e}). Check the file name."
        ))
    })?;
    if !meta.is_file() {
        return Err(Error::Input(format!(
            "{shown} is not a file. Choose a settlement report file."
        )));
    }
    if meta.len() > super::MAX_REPORT_BYTES {
        return Err(Error::Input(format!(
            "{shown} is {} MB, larger than the {} MB Avstem reads as one settlement report. Download a shorter period from the business portal. Nothing was imported.",
            meta.len() / (1024 * 1024),
            super::MAX_REPORT_BYTES / (1024 * 1024)
        )));
    }
    std::fs::read(path)
        .map_err(|e| Error::Input(format!("The settlement report {shown} cannot be read ({e}).")))
}

/// Import each file in its own transaction into the profile `opts` names (default `files`).
pub fn import_files(
    ctx: &Context,
    paths: &[PathBuf],
    opts: &PortalImportOptions,
) -> Result<PortalImportReport> {
    let profile = import_profile(ctx, opts)?;
    let mut store = ctx.open_store()?;
    let mut report = PortalImportReport {
        profile: profile.name.clone(),
        ledger_id: None,
        ledger: None,
        ledger_ids: Vec::new(),
        files: Vec::with_capacity(paths.len()),
        added: 0,
        duplicates: 0,
        failed: 0,
    };
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let mut conflicts = Vec::new();
        let result = read_report_file(path).and_then(|bytes| {
            let parsed = super::parse(&name, &bytes)?;
            import_parsed(&mut store, &profile, &name, &parsed, opts, &mut conflicts)
        });
        let (imported, error) = match result {
            Ok(f) => {
                report.added += f.added;
                report.duplicates += f.duplicates;
                for l in &f.ledgers {
                    if !report.ledger_ids.contains(&l.ledger_id) {
                        report.ledger_ids.push(l.ledger_id.clone());
                    }
                }
                (Some(f), None)
            }
            Err(e) => {
                report.failed += 1;
                (None, Some(e.to_string()))
            }
        };
        report.files.push(PortalFileOutcome {
            path: path.display().to_string(),
            added: imported.as_ref().map_or(0, |i| i.added),
            duplicates: imported.as_ref().map_or(0, |i| i.duplicates),
            imported,
            error,
            conflicts,
        });
    }
    report.ledger_id = report.ledger_ids.first().cloned();
    report.ledger = report.ledger_id.clone();
    Ok(report)
}

/// Import one report's bytes into `profile`'s cache (one transaction).
pub fn import_report(
    store: &mut Store,
    profile: &Profile,
    file_name: &str,
    bytes: &[u8],
    opts: &PortalImportOptions,
) -> Result<PortalImport> {
    let parsed = super::parse(file_name, bytes)?;
    import_parsed(store, profile, file_name, &parsed, opts, &mut Vec::new())
}

/// One ledger's part of a file, planned before anything is written.
struct Planned {
    ledger: Ledger,
    created: bool,
    entries: LedgerEntries,
    payouts: Vec<u64>,
    /// (topic, date) to write.
    write: Vec<(Topic, NaiveDate)>,
    duplicates: u64,
}

fn import_parsed(
    store: &mut Store,
    profile: &Profile,
    file_name: &str,
    report: &SettlementReport,
    opts: &PortalImportOptions,
    conflicts: &mut Vec<String>,
) -> Result<PortalImport> {
    let known = store.ledgers(Some(&profile.name))?;
    let mut planned: Vec<Planned> = Vec::new();
    for (ledger, created, settlements, number) in assign_ledgers(profile, report, &known, opts)? {
        let rows = report
            .ledger_rows
            .as_ref()
            .filter(|r| r.units.first().is_some_and(|u| u.number == number));
        let (entries, payouts) = match rows {
            Some(u) => (
                super::ledger_rows::ledger_entries(&ledger, u)?,
                super::ledger_rows::payouts(u),
            ),
            None => {
                let invoices: Vec<&FeeInvoice> = report
                    .fee_invoices
                    .iter()
                    .filter(|i| match &i.sales_unit {
                        Some(u) => settlements.iter().any(|s| &s.sales_unit.number == u),
                        None => planned.is_empty(),
                    })
                    .collect();
                (
                    ledger_entries(&ledger, &settlements, &invoices)?,
                    settlements.iter().map(|s| s.number).collect(),
                )
            }
        };
        let mut p = Planned {
            payouts,
            ledger,
            created,
            entries,
            write: Vec::new(),
            duplicates: 0,
        };
        compare_with_cache(store, &mut p, conflicts)?;
        planned.push(p);
    }
    if !conflicts.is_empty() {
        let named: Vec<&str> = conflicts
            .iter()
            .take(CONFLICTS_NAMED)
            .map(String::as_str)
            .collect();
        return Err(Error::Input(format!(
            "{file_name} was not imported: it disagrees with what Avstem already holds on {} payment(s) ({}{}). The cache keeps what it had; nothing from this file was stored. If both files are the portal's, download the report for these dates again.",
            conflicts.len(),
            named.join("; "),
            if conflicts.len() > CONFLICTS_NAMED { "; …" } else { "" }
        )));
    }
    let empty: Vec<Entry> = Vec::new();
    let writes: Vec<PortalLedgerWrite<'_>> = planned
        .iter()
        .map(|p| PortalLedgerWrite {
            ledger: &p.ledger,
            new_ledger: p.created,
            dates: p
                .write
                .iter()
                .map(|(topic, date)| PortalDate {
                    topic: *topic,
                    date: *date,
                    entries: p.entries.topic(*topic).get(date).unwrap_or(&empty),
                    balances: match topic {
                        Topic::Funds => p.entries.funds_balances,
                        Topic::Fees => p.entries.fees_balances,
                    },
                })
                .collect(),
            first_date: p.entries.covered.first().copied(),
            last_date: p.entries.covered.last().copied(),
            settlements: u32::try_from(p.payouts.len()).unwrap_or(u32::MAX),
            duplicates: p.duplicates,
        })
        .collect();
    let added = store.store_portal_file(&PortalFileWrite {
        profile: &profile.name,
        file_name,
        format: report.format.as_str(),
        ledgers: writes,
    })?;
    let ledgers: Vec<PortalLedgerImport> = planned
        .iter()
        .zip(added)
        .map(|(p, added)| PortalLedgerImport {
            ledger_id: p.ledger.ledger_id.clone(),
            name: p.ledger.display_name(),
            created: p.created,
            payouts: p.payouts.clone(),
            first_date: p.entries.covered.first().copied(),
            last_date: p.entries.covered.last().copied(),
            added,
            duplicates: p.duplicates,
        })
        .collect();
    Ok(PortalImport {
        file_name: file_name.to_string(),
        format: report.format.as_str().to_string(),
        added: ledgers.iter().map(|l| l.added).sum(),
        duplicates: ledgers.iter().map(|l| l.duplicates).sum(),
        ledgers,
    })
}

/// A ledger a report's part goes to: the ledger, whether it is new, its settlements and the sales
/// unit number it was found by.
type Assigned<'r> = (Ledger, bool, Vec<&'r PortalSettlement>, String);

/// Each sales unit's ledger (found among the profile's, or made for a keyless profile) and its
/// settlements.
fn assign_ledgers<'r>(
    profile: &Profile,
    report: &'r SettlementReport,
    known: &[Ledger],
    opts: &PortalImportOptions,
) -> Result<Vec<Assigned<'r>>> {
    let mut units = report.sales_units();
    if report.ledger_rows.is_some() {
        // One ledger's rows: the ledger of its first sales unit (or the one named).
        units.truncate(1);
    }
    let chosen = opts.ledger_id.is_some() || opts.ledger_name.is_some();
    if chosen && units.len() > 1 {
        let numbers: Vec<&str> = units.iter().map(|u| u.number.as_str()).collect();
        return Err(Error::Input(format!(
            "This report holds settlements of {} sales units ({}), each its own ledger; import it without --ledger or --ledger-name. Nothing was imported.",
            units.len(),
            numbers.join(", ")
        )));
    }
    let mut out = Vec::new();
    for unit in units {
        let settlements: Vec<&PortalSettlement> = report
            .settlements
            .iter()
            .filter(|s| s.sales_unit.number == unit.number)
            .collect();
        // The unit's currency and payout account: from its first settlement, or its rows.
        let (currency, account) = match settlements.first() {
            Some(s) => (s.currency.clone(), s.account.clone()),
            None => (
                report
                    .ledger_rows
                    .as_ref()
                    .map(|r| r.currency.clone())
                    .unwrap_or_default(),
                None,
            ),
        };
        let found = if let Some(id) = &opts.ledger_id {
            known.iter().find(|l| &l.ledger_id == id)
        } else if let Some(name) = &opts.ledger_name {
            known
                .iter()
                .find(|l| l.display_name().eq_ignore_ascii_case(name.trim()))
        } else {
            known.iter().find(|l| settles_for(l, &unit.number))
        };
        let (ledger, created) = match found {
            Some(l) => (l.clone(), false),
            None if profile.is_keyless() => {
                let mut l = new_ledger(report, &unit, &currency, account.as_deref(), opts);
                // The ledger's other sales units in a §11 file.
                for u in report.sales_units().iter().skip(1) {
                    let handle = handle_for(&l, &u.number);
                    l.settles_for_recipient_handles.push(handle.clone());
                    l.sales_units.push(SalesUnit {
                        name: u.name.clone(),
                        recipient_handle: handle,
                        business_identifier: None,
                    });
                }
                (l, true)
            }
            None => {
                return Err(Error::Input(match (&opts.ledger_id, &opts.ledger_name) {
                    (Some(id), _) => format!("Ledger {id} is not among profile \"{}\"'s ledgers. Nothing was imported.", profile.name),
                    (_, Some(n)) => format!("Profile \"{}\" has no ledger named \"{n}\". Nothing was imported.", profile.name),
                    _ => format!(
                        "No ledger of profile \"{}\" settles for sales unit {} ({}). Name its ledger with --ledger, or import into the keyless profile (leave out --profile). Nothing was imported.",
                        profile.name, unit.number, unit.name
                    ),
                }))
            }
        };
        if let Some(s) = settlements.iter().find(|s| s.currency != ledger.currency) {
            return Err(Error::Input(format!(
                "Settlement {} is in {}, but ledger {} settles in {}. Nothing was imported.",
                s.number, s.currency, ledger.ledger_id, ledger.currency
            )));
        }
        if settlements.is_empty() && currency != ledger.currency {
            return Err(Error::Input(format!(
                "Sales unit {}'s rows are in {currency}, but ledger {} settles in {}. Nothing was imported.",
                unit.number, ledger.ledger_id, ledger.currency
            )));
        }
        let number = unit.number.clone();
        out.push((ledger, created, settlements, number));
    }
    Ok(out)
}

fn settles_for(l: &Ledger, number: &str) -> bool {
    let ends = |h: &str| h.rsplit(':').next() == Some(number);
    l.settles_for_recipient_handles.iter().any(|h| ends(h))
        || l.sales_units.iter().any(|u| ends(&u.recipient_handle))
}

/// A ledger for a keyless profile, from what the report says of the sales unit.
fn new_ledger(
    report: &SettlementReport,
    unit: &super::SalesUnitRef,
    currency: &str,
    account: Option<&str>,
    opts: &PortalImportOptions,
) -> Ledger {
    let country = crate::model::Country::of_currency(currency);
    let code = format!("{country:?}").to_uppercase();
    let org = report.organization_number.clone().unwrap_or_default();
    let owner = SchemeId {
        scheme: if org.is_empty() {
            String::new()
        } else {
            format!("business:{code}:ORG")
        },
        id: org,
    };
    let mut ledger = Ledger {
        ledger_id: opts
            .ledger_id
            .clone()
            .unwrap_or_else(|| format!("portal-{}", unit.number)),
        currency: currency.to_string(),
        payout_bank_account: SchemeId {
            scheme: format!("BBAN:{code}"),
            id: account.unwrap_or_default().to_string(),
        },
        owner: owner.clone(),
        settles_for_recipient_handles: vec![],
        sales_units: vec![],
    };
    let handle = handle_for(&ledger, &unit.number);
    let name = opts
        .ledger_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| unit.name.clone());
    ledger.settles_for_recipient_handles = vec![handle.clone()];
    ledger.sales_units = vec![SalesUnit {
        name: if name.is_empty() {
            format!("Sales unit {}", unit.number)
        } else {
            name
        },
        recipient_handle: handle,
        business_identifier: (!owner.id.is_empty()).then_some(owner),
    }];
    ledger
}

/// What makes two entries the same payment when a file meets the cache: captures, refunds and
/// capture fees by pspReference, payouts by number. Fees retained and invoiced are left out (the
/// API may retain a lagging fee on another date than the file shows it).
fn payment_key(e: &Entry) -> Option<(String, String)> {
    match e.entry_type {
        EntryType::Capture | EntryType::Refund | EntryType::CaptureFee => {
            Some((e.entry_type.as_str().to_string(), e.psp_reference.clone()))
        }
        EntryType::PayoutScheduled => Some((
            "payout".to_string(),
            payout_number(&e.psp_reference).map_or_else(|| e.psp_reference.clone(), |n| n.to_string()),
        )),
        _ => None,
    }
}

fn sums(entries: &[Entry]) -> BTreeMap<(String, String), Minor> {
    let mut out: BTreeMap<(String, String), Minor> = BTreeMap::new();
    for e in entries {
        if let Some(k) = payment_key(e) {
            let v = out.entry(k).or_insert(0);
            *v = v.saturating_add(e.amount);
        }
    }
    out
}

/// Decide per (topic, date) of the file: write it (the cache has nothing), or compare it with what
/// the cache has (duplicates, or conflicts).
fn compare_with_cache(store: &Store, p: &mut Planned, conflicts: &mut Vec<String>) -> Result<()> {
    let id = p.ledger.ledger_id.clone();
    for topic in Topic::ALL {
        let dates: std::collections::BTreeSet<NaiveDate> = p
            .entries
            .covered
            .iter()
            .copied()
            .chain(p.entries.topic(topic).keys().copied())
            .collect();
        for date in dates {
            let file: &[Entry] = p.entries.topic(topic).get(&date).map_or(&[], Vec::as_slice);
            let status = store.date_statuses(&id, topic, date, date)?.into_iter().next();
            let cached = match status {
                None => None,
                Some(s) if s.state == crate::store::DateState::Failed && s.entry_count == 0 => None,
                Some(_) => Some(store.entries_between(&id, topic, date, date)?),
            };
            let Some(cached) = cached else {
                p.write.push((topic, date));
                continue;
            };
            let have = sums(&cached);
            for ((kind, key), amount) in sums(file) {
                match have.get(&(kind.clone(), key.clone())) {
                    Some(v) if *v == amount => {}
                    Some(v) => conflicts.push(format!(
                        "{date} {kind} {key}: {} in the file, {} in the cache",
                        format_minor(amount.abs()),
                        format_minor(v.abs())
                    )),
                    None => conflicts.push(format!(
                        "{date} {kind} {key}: {} in the file, none in the cache",
                        format_minor(amount.abs())
                    )),
                }
            }
            p.duplicates += file.len() as u64;
        }
    }
    Ok(())
}
