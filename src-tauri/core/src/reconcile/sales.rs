//! What was sold, joined to the money (issue 17): each funds capture and refund on a sales unit
//! finds its sales entry by `pspReference` (the transaction), else by `reference` (the order) with
//! the same kind and amount. Cash sales (no `pspReference`) never passed through Vipps funds: they
//! are listed apart. The month's sales per VAT rate, per category and per day, and the check
//! "every capture has its sales entry, amounts agree". Pure: entries in, figures out.
//!
//! VAT is only counted where the entry says it is complete (`completeness.hasVatBreakdown` and a
//! rate and amount on every line, [`SaleEntry::vat_is_complete`]); the gross of every other entry
//! is "VAT not stated" — never inferred (SKILL.md: "use `completeness`, never infer from empty").

use super::checks::{Check, CheckId};
use crate::model::{Entry, EntryType, Minor, YearMonth};
use crate::sales::{SaleEntry, SaleViolation};
use crate::store::sales::StoredSale;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

const MAX_PROBLEMS: usize = 200;

/// Gross, net and VAT of one group (a VAT rate, a category, a day).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesFigures {
    pub gross: Minor,
    pub net: Minor,
    pub vat: Minor,
    /// Gross whose VAT the merchant did not state (net and VAT exclude it).
    pub vat_unknown: Minor,
    pub entries: u64,
}

impl SalesFigures {
    /// Add a line or an entry. `None` for net/VAT: the VAT is not stated. Overflow returns false.
    fn add(&mut self, gross: Minor, vat: Option<Minor>) -> bool {
        let ok = match vat {
            Some(v) => gross
                .checked_sub(v)
                .and_then(|n| self.net.checked_add(n))
                .zip(self.vat.checked_add(v))
                .map(|(n, v)| {
                    self.net = n;
                    self.vat = v;
                })
                .is_some(),
            None => self
                .vat_unknown
                .checked_add(gross)
                .map(|u| self.vat_unknown = u)
                .is_some(),
        };
        match self.gross.checked_add(gross) {
            Some(g) if ok => {
                self.gross = g;
                true
            }
            _ => false,
        }
    }
}

/// A sale that never passed through Vipps funds (cash on an mPOS terminal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutsideFunds {
    pub date: NaiveDate,
    pub reference: String,
    pub payment_type: String,
    pub gross: Minor,
}

/// The month's sales, joined to its captures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesMonth {
    pub month: YearMonth,
    pub total: SalesFigures,
    /// Basis points (2500 = 25 %) → figures; VAT-unknown gross is in `total.vat_unknown`.
    pub by_rate: BTreeMap<i64, SalesFigures>,
    /// Line category, else the entry's `salesCategory`, else "".
    pub by_category: BTreeMap<String, SalesFigures>,
    pub by_day: BTreeMap<NaiveDate, SalesFigures>,
    pub outside_funds: Vec<OutsideFunds>,
    /// Sales entries that break one of the three invariants, with what broke.
    pub flagged: Vec<(String, Vec<SaleViolation>)>,
    /// Captures and refunds that found their sales entry.
    pub matched: u64,
    pub check: Check,
}

/// Whether a funds entry is a sale or a return on one of `units`.
fn expects_sale(e: &Entry, units: &HashSet<&str>) -> bool {
    matches!(e.entry_type, EntryType::Capture | EntryType::Refund)
        && e.recipient_handle.as_deref().is_some_and(|h| units.contains(h))
}

/// Join the month's funds captures and refunds to its sales entries, and add the sales up. `funds`
/// may hold neighbouring dates: only the month's count. A ledger can settle for units the Sales
/// API does not cover (a webshop's API unit): the units that expect a sales entry per capture are
/// those the month's sales entries are found on by `pspReference` (the Sales API entry names no
/// sales unit).
pub fn sales_month(month: YearMonth, funds: &[Entry], sales: &[StoredSale]) -> SalesMonth {
    let in_month = |d: NaiveDate| d >= month.first_day() && d <= month.last_day();
    let sales: Vec<&StoredSale> = sales.iter().filter(|s| in_month(s.entry.ledger_date)).collect();
    let mut out = SalesMonth {
        month,
        total: SalesFigures::default(),
        by_rate: BTreeMap::new(),
        by_category: BTreeMap::new(),
        by_day: BTreeMap::new(),
        outside_funds: Vec::new(),
        flagged: Vec::new(),
        matched: 0,
        check: Check {
            id: CheckId::SalesMatchCaptures,
            title: "Every capture has its sales entry, amounts agree".into(),
            ok: true,
            detail: String::new(),
            problems: Vec::new(),
            problem_count: 0,
            not_available: false,
        },
    };
    let mut problems: Vec<String> = Vec::new();
    let mut count = 0u32;
    let mut problem = |text: String| {
        count = count.saturating_add(1);
        if problems.len() < MAX_PROBLEMS {
            problems.push(text);
        }
    };
    for s in &sales {
        if !add_entry(&mut out, &s.entry) {
            problem(format!("{}: the month's sales totals no longer fit in 64 bits", s.entry.reference));
        }
        if !s.violations.is_empty() {
            let what: Vec<String> = s.violations.iter().map(ToString::to_string).collect();
            problem(format!(
                "sales entry {} ({}): {}",
                s.entry.reference,
                s.entry.ledger_date,
                what.join("; ")
            ));
            out.flagged.push((s.entry.reference.clone(), s.violations.clone()));
        }
    }
    // The join: by pspReference, else by order reference with the same kind and amount.
    let mut by_psp: HashMap<&str, Vec<&SaleEntry>> = HashMap::new();
    let mut by_ref: HashMap<&str, Vec<&SaleEntry>> = HashMap::new();
    for s in &sales {
        match s.entry.psp_reference.as_deref().filter(|p| !p.trim().is_empty()) {
            Some(p) => by_psp.entry(p).or_default().push(&s.entry),
            None => out.outside_funds.push(OutsideFunds {
                date: s.entry.ledger_date,
                reference: s.entry.reference.clone(),
                payment_type: s.entry.payment_type.as_str().to_string(),
                gross: s.entry.gross.unwrap_or(0),
            }),
        }
        by_ref.entry(s.entry.reference.as_str()).or_default().push(&s.entry);
    }
    // Sales data starts at the provider's floors: captures before the month's first sale expect none.
    let units: HashSet<&str> = funds
        .iter()
        .filter(|f| by_psp.contains_key(f.psp_reference.as_str()))
        .filter_map(|f| f.recipient_handle.as_deref())
        .collect();
    let first_sale = sales.iter().map(|s| s.entry.time).min();
    let mut expected = 0u64;
    for f in funds.iter().filter(|f| in_month(f.ledger_date) && expects_sale(f, &units)) {
        if first_sale.is_none_or(|t| f.time < t) {
            continue;
        }
        expected += 1;
        let kind = if f.entry_type == EntryType::Capture { "capture" } else { "refund" };
        let found = by_psp
            .get(f.psp_reference.as_str())
            .and_then(|l| l.iter().find(|s| s.kind.as_str() == kind))
            .or_else(|| {
                by_ref.get(f.reference.as_str()).and_then(|l| {
                    l.iter()
                        .find(|s| s.kind.as_str() == kind && s.gross == Some(f.amount))
                })
            });
        match found {
            None => problem(format!(
                "{} {kind} {} (order {}, {}): no sales entry",
                f.ledger_date,
                f.psp_reference,
                f.reference,
                crate::model::format_minor(f.amount)
            )),
            Some(s) if s.gross != Some(f.amount) => problem(format!(
                "{} {kind} {} (order {}): funds {}, sales entry {}",
                f.ledger_date,
                f.psp_reference,
                f.reference,
                crate::model::format_minor(f.amount),
                s.gross.map(crate::model::format_minor).unwrap_or_else(|| "no amount".into())
            )),
            Some(_) => out.matched += 1,
        }
    }
    out.check.ok = count == 0;
    out.check.problem_count = count;
    out.check.problems = problems;
    out.check.detail = if sales.is_empty() && expected == 0 {
        "No sales data for this month (the Sales API serves Vippsnummer and mPOS sales, with accounting keys)."
            .into()
    } else {
        format!(
            "{} of {expected} captures and refunds on sales units found their sales entry; {} sales entries, {} \
             outside Vipps funds (cash), {} breaking an invariant.",
            out.matched,
            sales.len(),
            out.outside_funds.len(),
            out.flagged.len()
        )
    };
    out
}

/// Add one entry to the totals, the day, its VAT rates and categories. False on overflow.
fn add_entry(out: &mut SalesMonth, e: &SaleEntry) -> bool {
    let gross = e.gross.unwrap_or(0);
    let complete = e.vat_is_complete();
    let entry_vat = if complete { e.vat.or_else(|| e.lines.iter().map(|l| l.vat_amount).sum()) } else { None };
    let mut ok = out.total.add(gross, entry_vat);
    out.total.entries += 1;
    let day = out.by_day.entry(e.ledger_date).or_default();
    ok &= day.add(gross, entry_vat);
    day.entries += 1;
    if complete {
        for l in &e.lines {
            let (Some(rate), Some(g)) = (l.vat_rate_bp, l.line_total_gross) else { continue };
            ok &= out.by_rate.entry(rate).or_default().add(g, l.vat_amount);
            let cat = l.category.clone().or_else(|| e.sales_category.clone()).unwrap_or_default();
            ok &= out.by_category.entry(cat).or_default().add(g, l.vat_amount);
        }
    } else {
        let cat = e.sales_category.clone().unwrap_or_default();
        ok &= out.by_category.entry(cat).or_default().add(gross, None);
    }
    ok
}
