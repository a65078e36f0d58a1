//! What was sold: Sales API entries as the rest of Avstem sees them, and the three invariants the
//! provider documents, checked on every entry with checked arithmetic.
//!
//! Source: vippsas/agent-toolkit `plugins/vipps-developer/skills/sales/SKILL.md` (commit c5c7b325),
//! "An entry" and "Three invariants worth asserting on ingest"; shared/report-api.md §10.

use crate::model::Minor;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Historical floors (SKILL.md "There is a hard historical floor"): nothing earlier exists.
pub const MPOS_FLOOR: &str = "2026-03-09T12:45:00Z";
pub const VARIABLE_AMOUNT_FLOOR: &str = "2026-03-16T09:28:00Z";
pub const SHOPPING_BASKET_FLOOR: &str = "2026-04-22T11:04:00Z";

/// A VAT rate in basis points as a percentage: 2500 → "25 %", 1250 → "12.5 %", 1234 → "12.34 %".
pub fn vat_rate_text(bp: i64) -> String {
    let (whole, frac) = (bp / 100, (bp % 100).abs());
    match frac {
        0 => format!("{whole} %"),
        f if f % 10 == 0 => format!("{whole}.{} %", f / 10),
        f => format!("{whole}.{f:02} %"),
    }
}

/// `entryType`: one financial transaction on an order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SaleKind {
    Capture,
    Refund,
    /// A type the documentation does not list yet: kept and shown.
    Other(String),
}

impl SaleKind {
    pub fn parse(s: &str) -> SaleKind {
        match s.trim().to_ascii_lowercase().as_str() {
            "capture" => SaleKind::Capture,
            "refund" | "return" => SaleKind::Refund,
            other => SaleKind::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            SaleKind::Capture => "capture",
            SaleKind::Refund => "refund",
            SaleKind::Other(s) => s,
        }
    }
}

/// `paymentType`: CARD, CASH or WALLET. Cash never passes through Vipps funds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PaymentType {
    Card,
    Cash,
    Wallet,
    Other(String),
}

impl PaymentType {
    pub fn parse(s: &str) -> PaymentType {
        match s.trim().to_ascii_uppercase().as_str() {
            "CARD" => PaymentType::Card,
            "CASH" => PaymentType::Cash,
            "WALLET" => PaymentType::Wallet,
            other => PaymentType::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            PaymentType::Card => "CARD",
            PaymentType::Cash => "CASH",
            PaymentType::Wallet => "WALLET",
            PaymentType::Other(s) => s,
        }
    }
}

/// `classification.solution`: how the sale was made.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Solution {
    /// Open amount: the customer typed the amount; no order lines.
    VariableAmount,
    ShoppingBasket,
    Mpos,
    Other(String),
}

impl Solution {
    pub fn parse(s: &str) -> Solution {
        match s.trim().to_ascii_uppercase().as_str() {
            "VARIABLE_AMOUNT" => Solution::VariableAmount,
            "SHOPPING_BASKET" => Solution::ShoppingBasket,
            "MPOS" => Solution::Mpos,
            other => Solution::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Solution::VariableAmount => "VARIABLE_AMOUNT",
            Solution::ShoppingBasket => "SHOPPING_BASKET",
            Solution::Mpos => "MPOS",
            Solution::Other(s) => s,
        }
    }
}

/// One order line. Prices are before discount, totals after it; gross includes VAT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaleLine {
    pub line_id: String,
    pub name: String,
    /// Thousandths of a unit (2 items = 2000, 0.25 kg = 250), so a weighed item stays exact.
    pub quantity_milli: Option<i64>,
    pub unit_price_gross: Option<Minor>,
    pub unit_price_net: Option<Minor>,
    /// Absent means no discount.
    pub discount_total: Minor,
    pub line_total_gross: Option<Minor>,
    pub line_total_net: Option<Minor>,
    /// Basis points: 2500 = 25 %. `None`: the merchant entered no VAT for this line.
    pub vat_rate_bp: Option<i64>,
    pub vat_amount: Option<Minor>,
    pub category: Option<String>,
}

/// What the merchant provided, as the API states it: "not provided" is not "nothing".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Completeness {
    pub has_line_items: bool,
    pub has_vat_breakdown: bool,
    pub has_customer_identity: bool,
}

/// One Sales API entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaleEntry {
    pub ledger_id: String,
    pub ledger_date: NaiveDate,
    /// Position within (ledger, ledger date) in the order the API served it.
    pub seq: u32,
    pub kind: SaleKind,
    pub time: DateTime<Utc>,
    /// `None` for payments with no PSP (cash): never a required key.
    pub psp_reference: Option<String>,
    pub reference: String,
    pub currency: String,
    pub payment_type: PaymentType,
    pub solution: Solution,
    pub sales_category: Option<String>,
    /// Amounts as sent ("when available"); gross includes VAT.
    pub gross: Option<Minor>,
    pub net: Option<Minor>,
    pub vat: Option<Minor>,
    pub lines: Vec<SaleLine>,
    pub completeness: Completeness,
}

/// A broken invariant: the figures say exactly what disagreed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "rule")]
pub enum SaleViolation {
    /// `unitPriceGross × quantity − discountTotal ≠ lineTotalGross`.
    LineTotal {
        line_id: String,
        expected: Minor,
        actual: Minor,
    },
    /// `Σ lineTotalGross ≠ amounts.gross`.
    GrossSum { lines: Minor, gross: Minor },
    /// `Σ vatAmount ≠ amounts.vat`.
    VatSum { lines: Minor, vat: Minor },
    /// A product or sum does not fit in 64 bits.
    Overflow { what: String },
}

impl fmt::Display for SaleViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaleViolation::LineTotal {
                line_id,
                expected,
                actual,
            } => write!(
                f,
                "line {line_id}: unit price × quantity − discount is {expected}, the line total says {actual}"
            ),
            SaleViolation::GrossSum { lines, gross } => {
                write!(f, "the lines add up to {lines}, the entry's gross is {gross}")
            }
            SaleViolation::VatSum { lines, vat } => {
                write!(f, "the lines' VAT adds up to {lines}, the entry's VAT is {vat}")
            }
            SaleViolation::Overflow { what } => write!(f, "{what} does not fit in 64 bits"),
        }
    }
}

impl SaleLine {
    /// `unitPriceGross × quantity − discountTotal`, rounded half away from zero to a minor unit
    /// (only a fractional quantity can need it). `None` when a figure is missing.
    pub fn expected_total_gross(&self) -> Option<Result<Minor, SaleViolation>> {
        let unit = i128::from(self.unit_price_gross?);
        let q = i128::from(self.quantity_milli?);
        let overflow = || SaleViolation::Overflow {
            what: format!("line {}'s price × quantity", self.line_id),
        };
        let Some(product) = unit.checked_mul(q) else {
            return Some(Err(overflow()));
        };
        let rounded = if product >= 0 {
            (product + 500) / 1000
        } else {
            (product - 500) / 1000
        };
        let total = rounded - i128::from(self.discount_total);
        Some(Minor::try_from(total).map_err(|_| overflow()))
    }
}

impl SaleEntry {
    /// The three documented invariants. A figure that is missing leaves its rule unchecked: partial
    /// data is normal ("use `completeness`, never infer from empty"); a figure that disagrees is not.
    pub fn violations(&self) -> Vec<SaleViolation> {
        let mut out = Vec::new();
        for line in &self.lines {
            match (line.expected_total_gross(), line.line_total_gross) {
                (Some(Ok(expected)), Some(actual)) if expected != actual => {
                    out.push(SaleViolation::LineTotal {
                        line_id: line.line_id.clone(),
                        expected,
                        actual,
                    })
                }
                (Some(Err(v)), _) => out.push(v),
                _ => {}
            }
        }
        if self.lines.is_empty() {
            return out;
        }
        if let (Some(gross), Some(lines)) = (self.gross, self.lines_sum(|l| l.line_total_gross)) {
            match lines {
                Some(lines) if lines != gross => out.push(SaleViolation::GrossSum { lines, gross }),
                Some(_) => {}
                None => out.push(SaleViolation::Overflow {
                    what: "the sum of the line totals".into(),
                }),
            }
        }
        if let (Some(vat), Some(lines)) = (self.vat, self.lines_sum(|l| l.vat_amount)) {
            match lines {
                Some(lines) if lines != vat => out.push(SaleViolation::VatSum { lines, vat }),
                Some(_) => {}
                None => out.push(SaleViolation::Overflow {
                    what: "the sum of the lines' VAT".into(),
                }),
            }
        }
        out
    }

    /// `None` when some line lacks the figure (nothing to compare); `Some(None)` on overflow.
    fn lines_sum(&self, field: impl Fn(&SaleLine) -> Option<Minor>) -> Option<Option<Minor>> {
        let mut sum: Option<Minor> = Some(0);
        for line in &self.lines {
            let v = field(line)?;
            sum = sum.and_then(|s| s.checked_add(v));
        }
        Some(sum)
    }

    /// Cash and other PSP-less payments: sold, but never part of a Vipps payout.
    pub fn outside_vipps_funds(&self) -> bool {
        self.psp_reference.as_deref().is_none_or(|p| p.trim().is_empty())
    }

    /// VAT per rate can be booked from this entry: the API says the breakdown is there and every
    /// line carries a rate and an amount.
    pub fn vat_is_complete(&self) -> bool {
        self.completeness.has_vat_breakdown
            && !self.lines.is_empty()
            && self
                .lines
                .iter()
                .all(|l| l.vat_rate_bp.is_some() && l.vat_amount.is_some() && l.line_total_gross.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, qty: i64, unit: Minor, discount: Minor, total: Minor, rate: i64) -> SaleLine {
        let vat = total * rate / (10_000 + rate);
        SaleLine {
            line_id: id.into(),
            name: format!("item {id}"),
            quantity_milli: Some(qty * 1000),
            unit_price_gross: Some(unit),
            unit_price_net: None,
            discount_total: discount,
            line_total_gross: Some(total),
            line_total_net: Some(total - vat),
            vat_rate_bp: Some(rate),
            vat_amount: Some(vat),
            category: None,
        }
    }

    fn entry(lines: Vec<SaleLine>) -> SaleEntry {
        let gross = lines.iter().filter_map(|l| l.line_total_gross).sum();
        let vat = lines.iter().filter_map(|l| l.vat_amount).sum::<i64>();
        SaleEntry {
            ledger_id: "302321".into(),
            ledger_date: NaiveDate::from_ymd_opt(2026, 5, 4).expect("date"),
            seq: 0,
            kind: SaleKind::Capture,
            time: DateTime::<Utc>::UNIX_EPOCH,
            psp_reference: Some("p1".into()),
            reference: "o1".into(),
            currency: "NOK".into(),
            payment_type: PaymentType::Wallet,
            solution: Solution::ShoppingBasket,
            sales_category: None,
            gross: Some(gross),
            net: Some(gross - vat),
            vat: Some(vat),
            lines,
            completeness: Completeness {
                has_line_items: true,
                has_vat_breakdown: true,
                has_customer_identity: false,
            },
        }
    }

    #[test]
    fn the_documented_example_entry_keeps_all_three_invariants() {
        // SKILL.md's example: 2 × 125.00 at 25 % = 250.00, VAT 50.00.
        let mut l = line("121772", 2, 12500, 0, 25000, 2500);
        l.vat_amount = Some(5000);
        let e = entry(vec![l]);
        assert_eq!((e.gross, e.vat), (Some(25000), Some(5000)));
        assert!(e.violations().is_empty());
        assert!(e.vat_is_complete());
    }

    #[test]
    fn a_basket_with_a_discount_and_three_rates_holds_and_one_altered_line_breaks_two_rules() {
        let lines = vec![
            line("1", 2, 4500, 1000, 8000, 2500),
            line("2", 1, 3900, 0, 3900, 1500),
            line("3", 3, 2000, 0, 6000, 0),
        ];
        let good = entry(lines);
        assert_eq!(good.gross, Some(17900));
        assert!(good.violations().is_empty());
        let mut bad = good.clone();
        bad.lines[1].line_total_gross = Some(3800);
        assert_eq!(
            bad.violations(),
            vec![
                SaleViolation::LineTotal {
                    line_id: "2".into(),
                    expected: 3900,
                    actual: 3800
                },
                SaleViolation::GrossSum {
                    lines: 17800,
                    gross: 17900
                },
            ]
        );
        let mut vat_off = good;
        vat_off.vat = vat_off.vat.map(|v| v + 1);
        assert!(matches!(
            vat_off.violations().as_slice(),
            [SaleViolation::VatSum { .. }]
        ));
    }

    #[test]
    fn partial_vat_is_not_a_violation_but_is_not_complete() {
        let mut e = entry(vec![
            line("1", 1, 5000, 0, 5000, 2500),
            line("2", 1, 2000, 0, 2000, 1500),
        ]);
        e.lines[1].vat_rate_bp = None;
        e.lines[1].vat_amount = None;
        e.vat = None;
        e.completeness.has_vat_breakdown = false;
        assert!(e.violations().is_empty());
        assert!(!e.vat_is_complete());
    }

    #[test]
    fn a_weighed_quantity_rounds_to_the_nearest_minor_unit_and_overflow_is_reported() {
        let mut l = line("w", 1, 3333, 0, 833, 1500);
        l.quantity_milli = Some(250); // 0.25 × 33.33 = 8.3325 → 8.33
        assert_eq!(l.expected_total_gross(), Some(Ok(833)));
        l.unit_price_gross = Some(i64::MAX);
        l.quantity_milli = Some(i64::MAX);
        assert!(matches!(
            l.expected_total_gross(),
            Some(Err(SaleViolation::Overflow { .. }))
        ));
        let mut e = entry(vec![line("a", 1, 1, 0, 1, 0), line("b", 1, 1, 0, 1, 0)]);
        e.lines[0].unit_price_gross = Some(i64::MAX);
        e.lines[0].line_total_gross = Some(i64::MAX);
        assert!(e
            .violations()
            .iter()
            .any(|v| matches!(v, SaleViolation::Overflow { .. })));
    }

    #[test]
    fn cash_has_no_psp_reference_and_is_outside_vipps_funds() {
        let mut e = entry(vec![line("1", 1, 100, 0, 100, 2500)]);
        assert!(!e.outside_vipps_funds());
        e.psp_reference = None;
        e.payment_type = PaymentType::Cash;
        assert!(e.outside_vipps_funds());
    }
}
