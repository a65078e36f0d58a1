//! What the window shows of what was sold (issue 17): a capture's order lines, and the sales by VAT
//! rate of a payout's dates or of a month. Read from the sales cache only; empty when the ledger's
//! sales were never synced (the screens then say nothing about sales).

use crate::model::{Minor, YearMonth};
use crate::reconcile::sales::{sales_month, SalesFigures};
use crate::sales::SaleEntry;
use crate::store::Store;
use crate::Result;
use chrono::NaiveDate;
use serde::Serialize;

/// One order line as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OrderLine {
    pub name: String,
    /// Thousandths of a unit (2 items = 2000).
    #[ts(type = "number | null")]
    pub quantity_milli: Option<i64>,
    #[ts(type = "number | null")]
    pub line_total_gross: Option<Minor>,
    /// Basis points (2500 = 25 %); null when the merchant stated no VAT for the line.
    #[ts(type = "number | null")]
    pub vat_rate_bp: Option<i64>,
    #[ts(type = "number | null")]
    pub vat_amount: Option<Minor>,
    pub category: Option<String>,
}

/// A sales entry (a capture or a refund) with its order lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SaleView {
    /// "capture" or "refund".
    pub kind: String,
    pub ledger_date: NaiveDate,
    pub reference: String,
    pub psp_reference: Option<String>,
    /// CARD, CASH or WALLET.
    pub payment_type: String,
    /// VARIABLE_AMOUNT (open amount), SHOPPING_BASKET or MPOS.
    pub solution: String,
    pub sales_category: Option<String>,
    #[ts(type = "number | null")]
    pub gross: Option<Minor>,
    #[ts(type = "number | null")]
    pub vat: Option<Minor>,
    /// The merchant stated the VAT of every line.
    pub vat_complete: bool,
    /// What breaks one of the Sales API's rules, in words; empty when all hold.
    pub problems: Vec<String>,
    pub lines: Vec<OrderLine>,
}

impl From<&SaleEntry> for SaleView {
    fn from(e: &SaleEntry) -> Self {
        SaleView {
            kind: e.kind.as_str().to_string(),
            ledger_date: e.ledger_date,
            reference: e.reference.clone(),
            psp_reference: e.psp_reference.clone(),
            payment_type: e.payment_type.as_str().to_string(),
            solution: e.solution.as_str().to_string(),
            sales_category: e.sales_category.clone(),
            gross: e.gross,
            vat: e.vat,
            vat_complete: e.vat_is_complete(),
            problems: e.violations().iter().map(ToString::to_string).collect(),
            lines: e
                .lines
                .iter()
                .map(|l| OrderLine {
                    name: l.name.clone(),
                    quantity_milli: l.quantity_milli,
                    line_total_gross: l.line_total_gross,
                    vat_rate_bp: l.vat_rate_bp,
                    vat_amount: l.vat_amount,
                    category: l.category.clone(),
                })
                .collect(),
        }
    }
}

/// One VAT rate's sales.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RateRow {
    #[ts(type = "number")]
    pub rate_bp: i64,
    #[ts(type = "number")]
    pub gross: Minor,
    #[ts(type = "number")]
    pub net: Minor,
    #[ts(type = "number")]
    pub vat: Minor,
}

/// Sales by VAT rate over some ledger dates; `entries` 0 when nothing was sold or synced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SalesByRate {
    pub rates: Vec<RateRow>,
    /// Gross whose VAT the merchant did not state (open amounts, baskets without VAT).
    #[ts(type = "number")]
    pub vat_unknown: Minor,
    #[ts(type = "number")]
    pub gross: Minor,
    #[ts(type = "number")]
    pub entries: u64,
    /// Sales that never passed through Vipps funds (cash).
    #[ts(type = "number")]
    pub outside_funds: u64,
    /// The check "every capture has its sales entry, amounts agree" (month only), and its sentence.
    pub check_ok: Option<bool>,
    pub check_detail: Option<String>,
}

fn by_rate(rates: &std::collections::BTreeMap<i64, SalesFigures>) -> Vec<RateRow> {
    rates
        .iter()
        .map(|(bp, f)| RateRow {
            rate_bp: *bp,
            gross: f.gross,
            net: f.net,
            vat: f.vat,
        })
        .collect()
}

/// The sales entries cached under `psp_reference` on `ledger_id` (a capture and its refunds).
pub fn order_lines(store: &Store, ledger_id: &str, psp_reference: &str) -> Result<Vec<SaleView>> {
    Ok(store
        .sales_by_psp(ledger_id, psp_reference)?
        .iter()
        .map(|s| SaleView::from(&s.entry))
        .collect())
}

/// Sales by VAT rate of ledger dates `from..=to` (a payout's covered dates).
pub fn sales_by_rate(store: &Store, ledger_id: &str, from: NaiveDate, to: NaiveDate) -> Result<SalesByRate> {
    let sales = store.sales_entries(ledger_id, from, to)?;
    if sales.is_empty() {
        return Ok(SalesByRate::default());
    }
    // The same adding-up as the month's Sales sheet, over these dates (no funds: no join).
    let m = sales_month(YearMonth::of(from), &[], &sales);
    let mut out = SalesByRate {
        rates: Vec::new(),
        vat_unknown: 0,
        gross: 0,
        entries: 0,
        outside_funds: 0,
        check_ok: None,
        check_detail: None,
    };
    // `sales_month` counts one month; a range over a month's end adds each month's part.
    let mut month = YearMonth::of(from);
    let mut rates: std::collections::BTreeMap<i64, SalesFigures> = std::collections::BTreeMap::new();
    let mut parts = vec![m];
    while month.last_day() < to {
        month = month.next();
        parts.push(sales_month(month, &[], &sales));
    }
    for p in &parts {
        for (bp, f) in &p.by_rate {
            let r = rates.entry(*bp).or_default();
            r.gross = r.gross.saturating_add(f.gross);
            r.net = r.net.saturating_add(f.net);
            r.vat = r.vat.saturating_add(f.vat);
        }
        out.vat_unknown = out.vat_unknown.saturating_add(p.total.vat_unknown);
        out.gross = out.gross.saturating_add(p.total.gross);
        out.entries += p.total.entries;
        out.outside_funds += p.outside_funds.len() as u64;
    }
    out.rates = by_rate(&rates);
    Ok(out)
}

/// The month's sales by VAT rate with the check on captures, or nothing sold/synced.
pub fn month_sales(store: &Store, ledger_id: &str, month: YearMonth) -> Result<SalesByRate> {
    let Some(ledger) = store.ledger(ledger_id)? else {
        return Ok(SalesByRate::default());
    };
    let Some(m) = store.sales_month(&ledger, month)? else {
        return Ok(SalesByRate::default());
    };
    Ok(SalesByRate {
        rates: by_rate(&m.by_rate),
        vat_unknown: m.total.vat_unknown,
        gross: m.total.gross,
        entries: m.total.entries,
        outside_funds: m.outside_funds.len() as u64,
        check_ok: Some(m.check.ok),
        check_detail: Some(m.check.detail.clone()),
    })
}
