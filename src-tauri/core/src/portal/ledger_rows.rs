//! The business portal's newer settlement report: one row per ledger entry, with the balance after
//! it (report-api.md §11, the columns as the provider's 2026 documentation lists them):
//! Sales unit; MSN/Vipps number; Country; Payment solution; Time; Booking date; Type; Amount;
//! Balance; Fee; Net amount; Currency; Customer name; Customer phone number; Message; Category;
//! PSP reference; Order ID/Reference. Read from CSV or XLSX through [`super::table`].
//!
//! No public sample of this export exists (the provider's samples in `vippsas/vipps-developers` are
//! of the older formats); the reading follows §11 and Avstem's own writer of it
//! (`export::csv`, `avstem export --format csv`):
//! - Booking date is the ledger date; Time is local to the sales unit's country.
//! - Type is the Report API's entry type (`capture`, `refund`, `fees-retained`, `payout-scheduled`,
//!   `capture-fee`, …); the portal's plain words (Sale/Salg, Refund/Refundering, Payout/Utbetaling)
//!   are read as the same types. Unknown types are kept as such, like the API's.
//! - Category `Funds` or `Fees` says which of the two reports a row belongs to. A file with no
//!   `Fees` rows gets its fees from the Fee column of its captures (`capture-fee`), whose
//!   balances the file does not show.
//! - Amount and Balance are in major units; Balance is the balance after the row. Net amount is
//!   Amount + Fee.
//!
//! Unlike the older reports this one carries balances, so the balance-chain checks run on it; and
//! it checks itself: each row's balance must follow from the row before (a file cut short or edited
//! in the middle is refused whole).

use super::{add, damaged, parse_amount, parse_date, ReportFormat, SalesUnitRef, SettlementReport};
use crate::model::{payout_number, Entry, EntryType, Ledger, Minor, Topic};
use crate::Result;
use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use std::collections::{BTreeMap, BTreeSet};

type Row = Vec<String>;

/// The header names of §11, normalised as [`norm`] does.
const REQUIRED: [&str; 7] = [
    "msn/vippsnumber",
    "bookingdate",
    "type",
    "amount",
    "balance",
    "currency",
    "pspreference",
];

/// The entry rows of a report in the §11 layout: one ledger's (the Balance column is the ledger's,
/// whichever of its sales units a row is for), in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRows {
    /// The sales units the rows name, in order of first appearance.
    pub units: Vec<SalesUnitRef>,
    pub currency: String,
    pub rows: Vec<LedgerRow>,
    /// The file had `Fees` rows; else the fees come from the captures' Fee column.
    pub has_fee_rows: bool,
}

/// One entry as the file gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub topic: Topic,
    pub date: NaiveDate,
    /// Local to the ledger's country; `None`: noon.
    pub time: Option<NaiveDateTime>,
    pub entry_type: EntryType,
    pub amount: Minor,
    pub balance_after: Minor,
    /// The capture's fee, as written (≤ 0), when the Fee column has one.
    pub fee: Minor,
    pub psp_reference: String,
    pub reference: String,
    /// The MSN or Vippsnummer; empty on the ledger's own rows (payouts, fees retained).
    pub unit_number: String,
}

fn norm(s: &str) -> String {
    s.trim().to_lowercase().replace([' ', '_', '-'], "")
}

/// The column positions when `row` is the §11 header.
pub(super) fn columns(row: &Row) -> Option<BTreeMap<String, usize>> {
    let cols: BTreeMap<String, usize> = row.iter().enumerate().map(|(i, h)| (norm(h), i)).collect();
    REQUIRED.iter().all(|c| cols.contains_key(*c)).then_some(cols)
}

/// The portal's plain words for a type, else the API's own name.
fn entry_type(raw: &str) -> EntryType {
    match raw.trim().to_lowercase().as_str() {
        "sale" | "salg" | "capture" => EntryType::Capture,
        "refund" | "refundering" => EntryType::Refund,
        "payout" | "utbetaling" => EntryType::PayoutScheduled,
        other => EntryType::parse(other),
    }
}

fn time(raw: &str) -> Option<NaiveDateTime> {
    let s = raw.trim();
    [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%d.%m.%Y %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
}

/// Read the rows below the header at `header` (rows already without empty lines).
pub(super) fn parse(
    name: &str,
    format: ReportFormat,
    rows: &[Row],
    header: usize,
) -> Result<SettlementReport> {
    let cols = columns(&rows[header]).unwrap_or_default();
    let width = rows[header].len();
    let get = |row: &Row, col: &str| -> String {
        cols.get(col)
            .and_then(|&i| row.get(i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let money = |line: usize, what: &str, raw: &str| -> Result<Minor> {
        parse_amount(raw)
            .ok_or_else(|| damaged(name, &format!("row {line}: {what} \"{raw}\" is not an amount")))
    };
    let mut units: Vec<SalesUnitRef> = Vec::new();
    let mut currency: Option<String> = None;
    let mut has_fee_rows = false;
    let mut out_rows = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(header + 1) {
        let line = i + 1;
        if row.len() < cols.values().max().map_or(0, |m| m + 1) {
            return Err(damaged(
                name,
                &format!("row {line} has {} of its {width} columns", row.len()),
            ));
        }
        let date = parse_date(&get(row, "bookingdate"))
            .ok_or_else(|| damaged(name, &format!("row {line} has no booking date")))?;
        let amount = money(line, "the amount", &get(row, "amount"))?;
        let balance_after = money(line, "the balance", &get(row, "balance"))?;
        let fee_raw = get(row, "fee");
        let fee = if fee_raw.is_empty() {
            0
        } else {
            money(line, "the fee", &fee_raw)?
        };
        let net_raw = get(row, "netamount");
        if !net_raw.is_empty() && money(line, "the net amount", &net_raw)? != add(amount, fee, name)? {
            return Err(damaged(
                name,
                &format!("row {line}: the net amount is not the amount plus the fee"),
            ));
        }
        let topic = if get(row, "category").eq_ignore_ascii_case("fees") {
            Topic::Fees
        } else {
            Topic::Funds
        };
        let row_currency = get(row, "currency").to_uppercase();
        let psp_reference = get(row, "pspreference");
        if row_currency.is_empty() || psp_reference.is_empty() {
            return Err(damaged(
                name,
                &format!("row {line} lacks its currency or PSP reference"),
            ));
        }
        match &currency {
            Some(c) if *c != row_currency => {
                return Err(damaged(
                    name,
                    &format!("row {line} is in {row_currency}, the rows before it in {c}"),
                ));
            }
            Some(_) => {}
            None => currency = Some(row_currency),
        }
        // Payouts and fees retained belong to the ledger, not a sales unit: their MSN is empty.
        let number = get(row, "msn/vippsnumber");
        if !number.is_empty() && !units.iter().any(|u| u.number == number) {
            units.push(SalesUnitRef {
                number: number.clone(),
                name: get(row, "salesunit"),
            });
        }
        has_fee_rows |= topic == Topic::Fees;
        out_rows.push(LedgerRow {
            topic,
            date,
            time: time(&get(row, "time")),
            entry_type: entry_type(&get(row, "type")),
            amount,
            balance_after,
            fee,
            psp_reference,
            reference: get(row, "orderid/reference"),
            unit_number: number,
        });
    }
    let (Some(currency), false) = (currency, units.is_empty()) else {
        return Err(damaged(
            name,
            "it has the report's columns but no rows naming a sales unit",
        ));
    };
    let rows = LedgerRows {
        units,
        currency,
        rows: out_rows,
        has_fee_rows,
    };
    check_balances(name, &rows)?;
    Ok(SettlementReport {
        format,
        organization_number: None,
        organization_name: None,
        period: None,
        settlements: Vec::new(),
        fee_invoices: Vec::new(),
        ledger_rows: Some(rows),
    })
}

/// Each row's balance follows from the one before it in the same report (funds, fees), and the
/// dates do not go back.
fn check_balances(name: &str, u: &LedgerRows) -> Result<()> {
    for topic in Topic::ALL {
        let mut last: Option<(Minor, NaiveDate)> = None;
        for (n, r) in u.rows.iter().filter(|r| r.topic == topic).enumerate() {
            let before = r
                .balance_after
                .checked_sub(r.amount)
                .ok_or_else(|| damaged(name, "its amounts are larger than Avstem can hold"))?;
            if let Some((prev, prev_date)) = last {
                if before != prev {
                    return Err(damaged(
                        name,
                        &format!(
                            "on {}, the {} balance does not follow from the row before ({} after it, {} before this one: a row is missing or was changed)",
                            r.date,
                            topic.as_str(),
                            crate::model::format_minor(prev),
                            crate::model::format_minor(before)
                        ),
                    ));
                }
                if r.date < prev_date {
                    return Err(damaged(
                        name,
                        &format!("its {} row {} goes back in date", topic.as_str(), n + 1),
                    ));
                }
            }
            last = Some((r.balance_after, r.date));
        }
    }
    Ok(())
}

/// The unit's rows as `ledger`'s entries by topic and date, and the dates the file covers whole
/// (its first to its last booking date); the funds carry the file's balances, the fees too when
/// the file has Fees rows.
pub(super) fn ledger_entries(ledger: &Ledger, u: &LedgerRows) -> Result<super::entries::LedgerEntries> {
    let mut out = super::entries::LedgerEntries::default();
    let tz = ledger.time_zone();

    let mut fee_balance: Minor = 0;
    for r in &u.rows {
        let local = r
            .time
            .unwrap_or_else(|| r.date.and_hms_opt(12, 0, 0).unwrap_or_default());
        let time = tz
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| local.and_utc());
        let entry =
            |topic: Topic, entry_type: EntryType, amount: Minor, before: Minor, after: Minor, seq: usize| {
                Entry {
                    ledger_id: ledger.ledger_id.clone(),
                    topic,
                    ledger_date: r.date,
                    seq: u32::try_from(seq).unwrap_or(u32::MAX),
                    psp_reference: r.psp_reference.clone(),
                    time,
                    entry_type,
                    reference: r.reference.clone(),
                    currency: u.currency.clone(),
                    amount,
                    balance_before: before,
                    balance_after: after,
                    recipient_handle: (!r.unit_number.is_empty())
                        .then(|| super::entries::handle_for(ledger, &r.unit_number)),
                    name: None,
                    masked_phone_no: None,
                    message: None,
                }
            };
        let list = match r.topic {
            Topic::Funds => out.funds.entry(r.date).or_default(),
            Topic::Fees => out.fees.entry(r.date).or_default(),
        };
        let before = r
            .balance_after
            .checked_sub(r.amount)
            .ok_or_else(|| damaged("The report", "its amounts are larger than Avstem can hold"))?;
        let seq = list.len();
        list.push(entry(
            r.topic,
            r.entry_type.clone(),
            r.amount,
            before,
            r.balance_after,
            seq,
        ));
        // Without Fees rows, the Fees report as the API gives it (and as `entries` builds it from
        // the older reports): each capture's fee as `capture-fee` (negative, as the Fee column
        // writes it), and on net settlement the fees retained back (positive).
        let derived = match (&r.entry_type, r.topic) {
            _ if u.has_fee_rows => None,
            (EntryType::Capture, Topic::Funds) if r.fee != 0 => Some((EntryType::CaptureFee, r.fee)),
            (EntryType::FeesRetained, Topic::Funds) => {
                r.amount.checked_neg().map(|a| (EntryType::FeesRetained, a))
            }
            _ => None,
        };
        if let Some((entry_type, amount)) = derived {
            let after = fee_balance
                .checked_add(amount)
                .ok_or_else(|| damaged("The report", "its fees add up to more than Avstem can hold"))?;
            let fees = out.fees.entry(r.date).or_default();
            let seq = fees.len();
            fees.push(entry(Topic::Fees, entry_type, amount, fee_balance, after, seq));
            fee_balance = after;
        }
    }
    if let (Some(first), Some(last)) = (u.rows.first(), u.rows.last()) {
        out.covered = first
            .date
            .iter_days()
            .take_while(|d| *d <= last.date)
            .collect::<BTreeSet<_>>();
    }
    out.funds_balances = true;
    out.fees_balances = u.has_fee_rows;
    Ok(out)
}

/// The payout numbers among the unit's rows.
pub(super) fn payouts(u: &LedgerRows) -> Vec<u64> {
    u.rows
        .iter()
        .filter(|r| r.topic == Topic::Funds && r.entry_type == EntryType::PayoutScheduled)
        .filter_map(|r| payout_number(&r.psp_reference))
        .collect()
}
