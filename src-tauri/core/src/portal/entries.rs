//! A settlement report as ledger entries of the Report API's model (report-api.md §5–6), so the
//! month, payout drill-down, checks and workbook read them like the API's:
//! - funds: each transaction's `capture` and `refund`; on net settlement the date's fees as one
//!   `fees-retained`; the settlement as the last entry of its date, `payout-scheduled`
//!   (pspReference `<ledgerId>-<SettlementID>`);
//! - fees: each fee as `capture-fee` (the transaction's pspReference); on net settlement the date's
//!   `fees-retained`; gross fee invoices as `fees-invoiced`.
//!
//! A report carries no balances: they are counted from zero at each settlement run (the payout
//! leaves zero), so the balance-chain checks say "not available from a portal file" instead.
//! A transaction dated before its run (a cut-off after midnight) is given the run's first date.

use super::{FeeInvoice, PortalSettlement, PortalTransaction};
use crate::model::{Entry, EntryType, Ledger, Minor, Topic};
use crate::{Error, Result};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// One ledger's entries from a report, by topic and ledger date, and the dates it covers whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerEntries {
    pub funds: BTreeMap<NaiveDate, Vec<Entry>>,
    pub fees: BTreeMap<NaiveDate, Vec<Entry>>,
    /// Every date of every settlement run in the report (from the day after the previous
    /// settlement, or the run's first transaction, to the settlement date): nothing else
    /// happened on them.
    pub covered: BTreeSet<NaiveDate>,
    /// The funds (fees) entries carry the file's own balances (the §11 layout), not counted ones.
    pub funds_balances: bool,
    pub fees_balances: bool,
}

impl LedgerEntries {
    pub fn topic(&self, topic: Topic) -> &BTreeMap<NaiveDate, Vec<Entry>> {
        match topic {
            Topic::Funds => &self.funds,
            Topic::Fees => &self.fees,
        }
    }
}

fn overflow() -> Error {
    Error::Input("The report's amounts add up to more than Avstem can hold. Nothing was imported.".into())
}

/// Builds one topic's dates, keeping each date's balance running.
struct TopicWriter<'l> {
    ledger: &'l Ledger,
    topic: Topic,
    dates: BTreeMap<NaiveDate, Vec<Entry>>,
    balance: Minor,
}

impl<'l> TopicWriter<'l> {
    fn new(ledger: &'l Ledger, topic: Topic) -> Self {
        TopicWriter {
            ledger,
            topic,
            dates: BTreeMap::new(),
            balance: 0,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        date: NaiveDate,
        time: DateTime<Utc>,
        entry_type: EntryType,
        psp_reference: String,
        reference: String,
        amount: Minor,
        handle: Option<String>,
    ) -> Result<()> {
        let before = self.balance;
        self.balance = before.checked_add(amount).ok_or_else(overflow)?;
        let list = self.dates.entry(date).or_default();
        list.push(Entry {
            ledger_id: self.ledger.ledger_id.clone(),
            topic: self.topic,
            ledger_date: date,
            seq: u32::try_from(list.len()).map_err(|_| overflow())?,
            psp_reference,
            time,
            entry_type,
            reference,
            currency: self.ledger.currency.clone(),
            amount,
            balance_before: before,
            balance_after: self.balance,
            recipient_handle: handle,
            name: None,
            masked_phone_no: None,
            message: None,
        });
        Ok(())
    }
}

/// The time of a transaction: its own, else noon of its date in the ledger's zone.
fn time_of(ledger: &Ledger, t: &PortalTransaction) -> DateTime<Utc> {
    t.time.map(|t| t.with_timezone(&Utc)).unwrap_or_else(|| {
        local(
            ledger,
            t.date,
            NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default(),
        )
    })
}

fn local(ledger: &Ledger, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    ledger
        .time_zone()
        .from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| date.and_time(time).and_utc())
}

fn end_of_day(ledger: &Ledger, date: NaiveDate) -> DateTime<Utc> {
    local(
        ledger,
        date,
        NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default(),
    )
}

/// The handle of a sales unit number in the ledger's country (`NO:16655`).
pub fn handle_for(ledger: &Ledger, number: &str) -> String {
    let known = ledger
        .settles_for_recipient_handles
        .iter()
        .find(|h| h.rsplit(':').next() == Some(number));
    match known {
        Some(h) => h.clone(),
        None => format!("{:?}:{number}", ledger.country()).to_uppercase(),
    }
}

/// The entries `settlements` (all of one ledger) and `invoices` give `ledger`.
pub fn ledger_entries(
    ledger: &Ledger,
    settlements: &[&PortalSettlement],
    invoices: &[&FeeInvoice],
) -> Result<LedgerEntries> {
    let mut sorted: Vec<&PortalSettlement> = settlements.to_vec();
    sorted.sort_by_key(|s| (s.date, s.number));
    let mut funds = TopicWriter::new(ledger, Topic::Funds);
    let mut fees = TopicWriter::new(ledger, Topic::Fees);
    let mut covered = BTreeSet::new();
    let gross = sorted.iter().any(|s| s.gross);
    let mut invoices: Vec<&FeeInvoice> = invoices.to_vec();
    invoices.sort_by_key(|i| i.date);
    let mut invoices = invoices.into_iter().peekable();
    let mut previous: Option<NaiveDate> = None;
    for s in sorted {
        let run_from = previous.map(|p| if p < s.date { p.succ_opt().unwrap_or(p) } else { p });
        let mut by_date: BTreeMap<NaiveDate, Vec<&PortalTransaction>> = BTreeMap::new();
        for t in &s.transactions {
            let date = run_from.map_or(t.date, |f| t.date.max(f)).min(s.date);
            by_date.entry(date).or_default().push(t);
        }
        let first = run_from
            .or_else(|| by_date.keys().next().copied())
            .unwrap_or(s.date);
        covered.extend(first.iter_days().take_while(|d| *d <= s.date));
        // Funds run from zero: the previous payout left nothing (a report shows no balances).
        funds.balance = 0;
        for (date, mut txs) in by_date {
            txs.sort_by_key(|t| (time_of(ledger, t), t.id.clone()));
            while let Some(inv) = invoices.next_if(|i| i.date < date) {
                invoice(&mut fees, ledger, inv)?;
            }
            run_date(&mut funds, &mut fees, ledger, s, date, &txs)?;
        }
        let number = s.number;
        funds.push(
            s.date,
            end_of_day(ledger, s.date),
            EntryType::PayoutScheduled,
            format!("{}-{number}", ledger.ledger_id),
            String::new(),
            s.amount.checked_neg().ok_or_else(overflow)?,
            None,
        )?;
        // What a settlement pays out leaves nothing behind; the payouts check compares it with the
        // run's transactions (balance after 0, whatever the run added up to).
        if let Some(p) = funds.dates.get_mut(&s.date).and_then(|l| l.last_mut()) {
            p.balance_after = 0;
        }
        previous = Some(s.date);
        if !gross {
            fees.balance = 0;
        }
    }
    for inv in invoices {
        invoice(&mut fees, ledger, inv)?;
    }
    Ok(LedgerEntries {
        funds: funds.dates,
        fees: fees.dates,
        covered,
        funds_balances: false,
        fees_balances: false,
    })
}

/// One date of a run: its captures and refunds, fees, and (net) the fees retained.
fn run_date(
    funds: &mut TopicWriter<'_>,
    fees: &mut TopicWriter<'_>,
    ledger: &Ledger,
    s: &PortalSettlement,
    date: NaiveDate,
    txs: &[&PortalTransaction],
) -> Result<()> {
    let mut retained: Minor = 0;
    let mut last = None;
    for t in txs {
        let time = time_of(ledger, t);
        let unit = t.sales_unit.as_deref().unwrap_or(&s.sales_unit.number);
        let handle = Some(handle_for(ledger, unit));
        if t.capture != 0 || t.refund == 0 {
            funds.push(
                date,
                time,
                EntryType::Capture,
                t.id.clone(),
                t.order_id.clone(),
                t.capture,
                handle.clone(),
            )?;
        }
        if t.refund != 0 {
            funds.push(
                date,
                time,
                EntryType::Refund,
                t.id.clone(),
                t.order_id.clone(),
                t.refund,
                handle.clone(),
            )?;
        }
        if t.fee != 0 {
            let fee = t.fee.checked_neg().ok_or_else(overflow)?;
            fees.push(
                date,
                time,
                EntryType::CaptureFee,
                t.id.clone(),
                t.order_id.clone(),
                fee,
                handle,
            )?;
            retained = retained.checked_add(t.fee).ok_or_else(overflow)?;
        }
        last = Some(time);
    }
    if !s.gross && retained != 0 {
        let time = last.unwrap_or_else(|| end_of_day(ledger, date));
        let psp = format!("{}-fees-{}", ledger.ledger_id, date.format("%Y%m%d"));
        funds.push(
            date,
            time,
            EntryType::FeesRetained,
            psp.clone(),
            String::new(),
            -retained,
            None,
        )?;
        fees.push(
            date,
            time,
            EntryType::FeesRetained,
            psp,
            String::new(),
            retained,
            None,
        )?;
    }
    Ok(())
}

fn invoice(fees: &mut TopicWriter<'_>, ledger: &Ledger, inv: &FeeInvoice) -> Result<()> {
    fees.push(
        inv.date,
        end_of_day(ledger, inv.date),
        EntryType::FeesInvoiced,
        format!("INV-{}-{}", ledger.ledger_id, inv.id),
        format!("Invoice {}", inv.id),
        inv.amount,
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SchemeId;

    fn ledger() -> Ledger {
        Ledger {
            ledger_id: "portal-16655".into(),
            currency: "NOK".into(),
            payout_bank_account: SchemeId {
                scheme: "BBAN:NO".into(),
                id: "15037654733".into(),
            },
            owner: SchemeId::default(),
            settles_for_recipient_handles: vec!["NO:16655".into()],
            sales_units: vec![],
        }
    }

    #[test]
    fn a_net_settlement_becomes_captures_fees_retained_and_a_payout() {
        let bytes = std::fs::read(crate::portal::xml::tests::fixture(
            "Vipps-oppgjørsrapport-16655-2018-09-23.xml",
        ))
        .expect("fixture");
        let r = crate::portal::parse("r.xml", &bytes).expect("report");
        let l = ledger();
        let e = ledger_entries(&l, &r.settlements.iter().collect::<Vec<_>>(), &[]).expect("entries");
        let d: NaiveDate = "2018-09-22".parse().expect("date");
        let funds: Vec<(&str, Minor, Minor)> = e.funds[&d]
            .iter()
            .map(|x| (x.entry_type.as_str(), x.amount, x.balance_after))
            .collect();
        assert_eq!(
            funds,
            vec![
                ("capture", 10_000, 10_000),
                ("fees-retained", -225, 9775),
                ("payout-scheduled", -9775, 0)
            ]
        );
        let fees: Vec<(&str, Minor)> = e.fees[&d]
            .iter()
            .map(|x| (x.entry_type.as_str(), x.amount))
            .collect();
        assert_eq!(fees, vec![("capture-fee", -225), ("fees-retained", 225)]);
        assert_eq!(e.funds[&d][2].psp_reference, "portal-16655-2000004");
        assert_eq!(e.funds[&d][0].recipient_handle.as_deref(), Some("NO:16655"));
        assert_eq!(
            e.covered.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            vec!["2018-09-22"]
        );
    }

    #[test]
    fn a_payment_after_the_previous_settlement_s_cut_off_goes_to_the_next_run() {
        let bytes = std::fs::read(crate::portal::xml::tests::fixture("Example-Gross.xml")).expect("fixture");
        let r = crate::portal::parse("g.xml", &bytes).expect("report");
        let e = ledger_entries(&ledger(), &r.settlements.iter().collect::<Vec<_>>(), &[]).expect("entries");
        let mar1: NaiveDate = "2018-03-01".parse().expect("date");
        let types: Vec<(&str, Minor)> = e.funds[&mar1]
            .iter()
            .map(|x| (x.entry_type.as_str(), x.amount))
            .collect();
        // Gross: no fees retained; the 13:31 payment of 28 February is paid by settlement 2000003.
        assert_eq!(types, vec![("capture", 1530), ("payout-scheduled", -1530)]);
        assert_eq!(
            e.fees[&mar1].iter().map(|x| x.amount).collect::<Vec<_>>(),
            vec![-181]
        );
        assert_eq!(
            e.covered.first().map(|d| d.to_string()),
            Some("2018-01-22".into())
        );
        assert_eq!(e.covered.last().map(|d| d.to_string()), Some("2018-03-01".into()));
    }
}
