//! The payout voucher's sales, booked per VAT rate where the Sales API says the VAT is complete
//! (issue 17). A payout's "sales less refunds" is split: for each VAT rate, revenue (net) on the
//! rate's revenue account and output VAT on its VAT account, each line stating its Norwegian
//! standard VAT code; what `completeness` leaves unknown (no VAT breakdown, an unknown rate, or a
//! capture with no sales entry) stays on the clearing line, and the line says so.
//!
//! VAT codes: Skatteetaten's SAF-T standard tax codes
//! (https://github.com/Skatteetaten/saf-t/blob/master/Standard%20Tax%20Codes/), code 3 "output VAT,
//! standard rate" (25 %), 31 "middle rate" (15 %), 33 "low rate" (12 %), 5 "zero rate" (0 %).
//! Accounts: NS 4102 (3000 taxable sales, 3100 sales outside/zero-rated, 2700–2702 output VAT per rate).

use super::journal::{JournalAccounts, JournalLine, LineVat};
use super::runs::PayoutReport;
use crate::model::Minor;
use crate::sales::SaleEntry;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// (rate in basis points, revenue account, output VAT account, standard VAT code).
const RATES: [(i64, &str, &str, &str); 4] = [
    (2500, "3000", "2700", "3"),
    (1500, "3000", "2701", "31"),
    (1200, "3000", "2702", "33"),
    (0, "3100", "2700", "5"),
];

/// The VAT split uses Norwegian VAT codes and NS 4102 accounts: only a NOK ledger's Journal books
/// its sales per VAT rate; a Danish or Finnish ledger keeps the clearing line.
pub const SALES_VAT_CURRENCY: &str = "NOK";

/// What a revenue or output VAT account of the split is for (SAF-T's account list names it).
pub fn sales_account_name(account: &str) -> Option<&'static str> {
    Some(match account {
        "3000" => "Sales revenue, VAT liable (Vipps MobilePay sales per VAT rate)",
        "3100" => "Sales revenue, zero rate (Vipps MobilePay sales at 0 % VAT)",
        "2700" => "Output VAT, standard rate 25 %",
        "2701" => "Output VAT, middle rate 15 %",
        "2702" => "Output VAT, low rate 12 %",
        _ => return None,
    })
}

fn rate_row(bp: i64) -> Option<(&'static str, &'static str, &'static str)> {
    RATES.iter().find(|r| r.0 == bp).map(|r| (r.1, r.2, r.3))
}

fn signed(account: &str, vat_code: &str, text: String, signed_debit: Minor) -> Option<JournalLine> {
    (signed_debit != 0).then(|| JournalLine {
        account: account.to_string(),
        text,
        vat_code: vat_code.to_string(),
        debit: signed_debit.max(0),
        credit: (-signed_debit).max(0),
        vat: None,
    })
}

/// The sales the Journal can book per VAT rate, added up per ledger date as they stream past (a
/// busy month's entries are never all in memory): gross and VAT per rate of the sales that passed
/// through Vipps funds, for entries whose VAT is complete, that keep the three rules and whose every
/// line's rate has a code. Anything else stays on the clearing line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SalesByDate {
    days: BTreeMap<NaiveDate, BTreeMap<i64, (Minor, Minor)>>,
    /// Some figure did not fit in 64 bits: nothing is split, every payout keeps its clearing line.
    overflow: bool,
    /// Entries seen, bookable or not.
    pub seen: u64,
}

impl SalesByDate {
    pub fn add(&mut self, e: &SaleEntry) {
        self.seen += 1;
        let bookable = !e.outside_vipps_funds()
            && e.vat_is_complete()
            && e.violations().is_empty()
            && e.lines.iter().all(|l| l.vat_rate_bp.and_then(rate_row).is_some());
        if !bookable {
            return;
        }
        let day = self.days.entry(e.ledger_date).or_default();
        for l in &e.lines {
            let (Some(bp), Some(g), Some(v)) = (l.vat_rate_bp, l.line_total_gross, l.vat_amount) else {
                continue;
            };
            let slot = day.entry(bp).or_default();
            match (slot.0.checked_add(g), slot.1.checked_add(v)) {
                (Some(g), Some(v)) => *slot = (g, v),
                _ => self.overflow = true,
            }
        }
    }

    /// Gross and VAT per rate on the payout's covered dates. `None` on overflow.
    fn for_payout(&self, p: &PayoutReport) -> Option<BTreeMap<i64, (Minor, Minor)>> {
        if self.overflow {
            return None;
        }
        let mut out: BTreeMap<i64, (Minor, Minor)> = BTreeMap::new();
        for rates in self.days.range(p.covered_from..=p.covered_to).map(|(_, r)| r) {
            for (bp, (g, v)) in rates {
                let slot = out.entry(*bp).or_default();
                slot.0 = slot.0.checked_add(*g)?;
                slot.1 = slot.1.checked_add(*v)?;
            }
        }
        Some(out)
    }
}

/// The lines that book a payout's sales less refunds (`net_sales`, credited). Without sales data,
/// or when the figures do not fit, one clearing line as before.
pub(super) fn sales_lines(
    accounts: &JournalAccounts,
    p: &PayoutReport,
    period: &str,
    sales: Option<&SalesByDate>,
) -> Vec<JournalLine> {
    let plain = || {
        signed(
            &accounts.clearing,
            &accounts.vat.clearing,
            format!("Vipps MobilePay sales less refunds {period}"),
            -p.net_sales,
        )
        .into_iter()
        .collect()
    };
    let Some(known) = sales.and_then(|s| s.for_payout(p)) else {
        return plain();
    };
    let Some(known_gross) = known.values().try_fold(0i64, |a, (g, _)| a.checked_add(*g)) else {
        return plain();
    };
    let Some(unknown) = p.net_sales.checked_sub(known_gross) else {
        return plain();
    };
    if known.is_empty() {
        return plain();
    }
    let mut out = Vec::new();
    for (bp, (gross, vat)) in &known {
        let Some((revenue, vat_account, code)) = rate_row(*bp) else {
            continue;
        };
        let Some(net) = gross.checked_sub(*vat) else {
            return plain();
        };
        let pct = crate::sales::vat_rate_text(*bp);
        let revenue_line = signed(
            revenue,
            code,
            format!("Vipps MobilePay sales {pct} VAT (VAT code {code}) {period}"),
            -net,
        )
        .map(|mut l| {
            // The VAT on the line's own side: credited with a credited (positive) net.
            let amount = if l.credit > 0 { *vat } else { -*vat };
            l.vat = Some(LineVat {
                code: code.to_string(),
                rate_bp: *bp,
                amount,
            });
            l
        });
        out.extend(revenue_line);
        // The VAT line itself has no VAT treatment: the clearing line's (no-VAT) code.
        out.extend(signed(
            vat_account,
            &accounts.vat.clearing,
            format!("Output VAT {pct} (VAT code {code}) on Vipps MobilePay sales {period}"),
            -vat,
        ));
    }
    out.extend(signed(
        &accounts.clearing,
        &accounts.vat.clearing,
        format!(
            "Vipps MobilePay sales less refunds {period} whose VAT the sales data does not state \
             (completeness: no VAT breakdown or no sales entry) — book by hand"
        ),
        -unknown,
    ));
    out
}
