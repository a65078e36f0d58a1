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
use crate::model::{format_minor, Entry, EntryType, Minor, YearMonth};
use crate::sales::{SaleEntry, SaleKind, SaleViolation};
use crate::store::sales::StoredSale;
use chrono::{DateTime, NaiveDate, Utc};
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

/// What the join keeps of a sales entry: whether it is a capture (else a refund) and its gross.
type SaleKey = (bool, Option<Minor>);

/// What the join keeps of a funds capture or refund.
struct FundsRow {
    date: NaiveDate,
    time: DateTime<Utc>,
    capture: bool,
    psp_reference: String,
    reference: String,
    amount: Minor,
    handle: Option<String>,
}

fn sale_key(e: &SaleEntry) -> Option<SaleKey> {
    match e.kind {
        SaleKind::Capture => Some((true, e.gross)),
        SaleKind::Refund => Some((false, e.gross)),
        SaleKind::Other(_) => None,
    }
}

/// The month's sales joined to its captures, added up as they stream past: sales entries with
/// [`SalesJoin::add_sale`], funds entries with [`SalesJoin::add_funds`], then [`SalesJoin::finish`].
/// Keeps the figures and, per sale, only its keys (a busy month's entries are never all in memory).
pub struct SalesJoin {
    out: SalesMonth,
    by_psp: HashMap<String, Vec<SaleKey>>,
    by_ref: HashMap<String, Vec<SaleKey>>,
    first_sale: Option<DateTime<Utc>>,
    funds: Vec<FundsRow>,
    problems: Vec<String>,
    count: u32,
}

impl SalesJoin {
    pub fn new(month: YearMonth) -> SalesJoin {
        SalesJoin {
            out: SalesMonth {
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
            },
            by_psp: HashMap::new(),
            by_ref: HashMap::new(),
            first_sale: None,
            funds: Vec::new(),
            problems: Vec::new(),
            count: 0,
        }
    }

    fn in_month(&self, d: NaiveDate) -> bool {
        d >= self.out.month.first_day() && d <= self.out.month.last_day()
    }

    fn problem(&mut self, text: String) {
        self.count = self.count.saturating_add(1);
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(text);
        }
    }

    /// A sales entry; one of another month is left out.
    pub fn add_sale(&mut self, s: &StoredSale) {
        let e = &s.entry;
        if !self.in_month(e.ledger_date) {
            return;
        }
        if !add_entry(&mut self.out, e) {
            self.problem(format!(
                "{}: the month's sales totals no longer fit in 64 bits",
                e.reference
            ));
        }
        if !s.violations.is_empty() {
            let what: Vec<String> = s.violations.iter().map(ToString::to_string).collect();
            self.problem(format!(
                "sales entry {} ({}): {}",
                e.reference,
                e.ledger_date,
                what.join("; ")
            ));
            self.out.flagged.push((e.reference.clone(), s.violations.clone()));
        }
        self.first_sale = Some(self.first_sale.map_or(e.time, |t| t.min(e.time)));
        match e.psp_reference.as_deref().filter(|p| !p.trim().is_empty()) {
            Some(p) => {
                if let Some(k) = sale_key(e) {
                    self.by_psp.entry(p.to_string()).or_default().push(k);
                }
            }
            None => self.out.outside_funds.push(OutsideFunds {
                date: e.ledger_date,
                reference: e.reference.clone(),
                payment_type: e.payment_type.as_str().to_string(),
                gross: e.gross.unwrap_or(0),
            }),
        }
        if let Some(k) = sale_key(e) {
            self.by_ref.entry(e.reference.clone()).or_default().push(k);
        }
    }

    /// A funds entry; only the month's captures and refunds are kept (by their keys).
    pub fn add_funds(&mut self, f: &Entry) {
        if !self.in_month(f.ledger_date) || !matches!(f.entry_type, EntryType::Capture | EntryType::Refund) {
            return;
        }
        self.funds.push(FundsRow {
            date: f.ledger_date,
            time: f.time,
            capture: f.entry_type == EntryType::Capture,
            psp_reference: f.psp_reference.clone(),
            reference: f.reference.clone(),
            amount: f.amount,
            handle: f.recipient_handle.clone(),
        });
    }

    /// The join: each capture and refund on a unit the Sales API covers finds its sales entry by
    /// `pspReference`, else by order reference with the same kind and amount.
    pub fn finish(mut self) -> SalesMonth {
        let units: HashSet<String> = self
            .funds
            .iter()
            .filter(|f| self.by_psp.contains_key(&f.psp_reference))
            .filter_map(|f| f.handle.clone())
            .collect();
        let funds = std::mem::take(&mut self.funds);
        let mut expected = 0u64;
        for f in funds
            .iter()
            .filter(|f| f.handle.as_ref().is_some_and(|h| units.contains(h)))
        {
            // Sales data starts at the provider's floors: captures before the month's first sale expect none.
            if self.first_sale.is_none_or(|t| f.time < t) {
                continue;
            }
            expected += 1;
            let kind = if f.capture { "capture" } else { "refund" };
            let found: Option<SaleKey> = self
                .by_psp
                .get(&f.psp_reference)
                .and_then(|l| l.iter().find(|s| s.0 == f.capture))
                .or_else(|| {
                    self.by_ref
                        .get(&f.reference)
                        .and_then(|l| l.iter().find(|s| s.0 == f.capture && s.1 == Some(f.amount)))
                })
                .copied();
            match found {
                None => self.problem(format!(
                    "{} {kind} {} (order {}, {}): no sales entry",
                    f.date,
                    f.psp_reference,
                    f.reference,
                    format_minor(f.amount)
                )),
                Some((_, gross)) if gross != Some(f.amount) => self.problem(format!(
                    "{} {kind} {} (order {}): funds {}, sales entry {}",
                    f.date,
                    f.psp_reference,
                    f.reference,
                    format_minor(f.amount),
                    gross.map(format_minor).unwrap_or_else(|| "no amount".into())
                )),
                Some(_) => self.out.matched += 1,
            }
        }
        let mut out = self.out;
        out.check.ok = self.count == 0;
        out.check.problem_count = self.count;
        out.check.problems = self.problems;
        out.check.detail = if out.total.entries == 0 && expected == 0 {
            "No sales data for this month (the Sales API serves Vippsnummer and mPOS sales, with accounting keys)."
                .into()
        } else {
            format!(
                "{} of {expected} captures and refunds on sales units found their sales entry; {} sales entries, {} \
                 outside Vipps funds (cash), {} breaking an invariant.",
                out.matched,
                out.total.entries,
                out.outside_funds.len(),
                out.flagged.len()
            )
        };
        out
    }
}

/// Join the month's funds captures and refunds to its sales entries, and add the sales up. `funds`
/// and `sales` may hold neighbouring dates: only the month's count. A ledger can settle for units
/// the Sales API does not cover (a webshop's API unit): the units that expect a sales entry per
/// capture are those the month's sales entries are found on by `pspReference` (the Sales API entry
/// names no sales unit).
pub fn sales_month(month: YearMonth, funds: &[Entry], sales: &[StoredSale]) -> SalesMonth {
    let mut join = SalesJoin::new(month);
    for s in sales {
        join.add_sale(s);
    }
    for f in funds {
        join.add_funds(f);
    }
    join.finish()
}

/// Add one entry to the totals, the day, its VAT rates and categories. False on overflow.
fn add_entry(out: &mut SalesMonth, e: &SaleEntry) -> bool {
    let gross = e.gross.unwrap_or(0);
    let complete = e.vat_is_complete();
    let entry_vat = if complete {
        e.vat.or_else(|| e.lines.iter().map(|l| l.vat_amount).sum())
    } else {
        None
    };
    let mut ok = out.total.add(gross, entry_vat);
    out.total.entries += 1;
    let day = out.by_day.entry(e.ledger_date).or_default();
    ok &= day.add(gross, entry_vat);
    day.entries += 1;
    if complete {
        for l in &e.lines {
            let (Some(rate), Some(g)) = (l.vat_rate_bp, l.line_total_gross) else {
                continue;
            };
            ok &= out.by_rate.entry(rate).or_default().add(g, l.vat_amount);
            let cat = l
                .category
                .clone()
                .or_else(|| e.sales_category.clone())
                .unwrap_or_default();
            ok &= out.by_category.entry(cat).or_default().add(g, l.vat_amount);
        }
    } else {
        let cat = e.sales_category.clone().unwrap_or_default();
        ok &= out.by_category.entry(cat).or_default().add(gross, None);
    }
    ok
}
