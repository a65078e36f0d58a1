//! The journal: the balanced vouchers the accountant books for a reconciled month, one per payout
//! and one per gross-settled fee invoice, on the accounts the user picked.

use super::MonthReport;
use crate::model::Minor;
use chrono::NaiveDate;
use serde::Serialize;

/// The VAT code each kind of line is posted with, in the user's accounting system's own codes.
/// Every line Avstem posts is outside VAT: Vipps MobilePay's fees are financial services (Norwegian
/// VAT Act § 3-6, the Danish momslov § 13, the Finnish AVL § 41), and the other lines move money
/// between balance accounts. The defaults are therefore "no VAT": Skatteetaten's standard SAF-T
/// code `0` ("Ingen merverdiavgiftsbehandling") for NOK ledgers, an empty code (e-conomic's and
/// most Danish and Finnish systems' "no VAT") for DKK and EUR ledgers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct VatCodes {
    /// The payout's line on the bank account.
    pub bank: String,
    /// The fees line (retained fees, and the fee invoice's cost line).
    pub fees: String,
    /// The sales-less-refunds line and the balance carried, on the clearing account.
    pub clearing: String,
    /// The suspense line (corrections, top-ups, disputes, unknown types).
    pub suspense: String,
    /// The fee invoice's line on accounts payable.
    pub payable: String,
}

impl VatCodes {
    /// The same code on every kind of line.
    pub fn all(code: &str) -> VatCodes {
        VatCodes {
            bank: code.into(),
            fees: code.into(),
            clearing: code.into(),
            suspense: code.into(),
            payable: code.into(),
        }
    }

    /// (kind of line, code) for messages and listings, in the order of [`JournalAccounts::roles`].
    pub fn roles(&self) -> [(&'static str, &str); 5] {
        [
            ("bank", &self.bank),
            ("fees", &self.fees),
            ("clearing", &self.clearing),
            ("suspense", &self.suspense),
            ("payable", &self.payable),
        ]
    }
}

impl Default for VatCodes {
    fn default() -> Self {
        VatCodes::all("0")
    }
}

/// Which date a payout's voucher is dated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum VoucherDate {
    /// The day Vipps MobilePay paid the payout out (its ledger date).
    #[default]
    Ledger,
    /// The day the payout reached the bank, from the matched bank statement line; the ledger date
    /// while no bank line is matched (the voucher says so).
    Bank,
}

impl VoucherDate {
    pub fn as_str(self) -> &'static str {
        match self {
            VoucherDate::Ledger => "ledger",
            VoucherDate::Bank => "bank",
        }
    }

    pub fn parse(s: &str) -> Option<VoucherDate> {
        match s {
            "ledger" => Some(VoucherDate::Ledger),
            "bank" => Some(VoucherDate::Bank),
            _ => None,
        }
    }
}

/// How a ledger's month is posted: the accounts (Norwegian standard chart defaults), the VAT code
/// of each kind of line, and the voucher date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct JournalAccounts {
    /// Bank account the payout reaches (1920 Bankinnskudd).
    pub bank: String,
    /// Bank and card fees (7770 Bank- og kortgebyrer).
    pub fees: String,
    /// Sales clearing account the shop books its Vipps sales against (user-picked 15xx/19xx).
    pub clearing: String,
    /// Suspense account for movements that need a person's judgement (2990 is a common choice).
    pub suspense: String,
    /// Accounts payable, for gross-settled fee invoices (2400 Leverandørgjeld).
    pub payable: String,
    /// The VAT code of each kind of line.
    pub vat: VatCodes,
    /// Payout vouchers dated by the ledger date or the bank date.
    pub voucher_date: VoucherDate,
}

impl Default for JournalAccounts {
    fn default() -> Self {
        JournalAccounts {
            bank: "1920".into(),
            fees: "7770".into(),
            clearing: "1580".into(),
            suspense: "2990".into(),
            payable: "2400".into(),
            vat: VatCodes::default(),
            voucher_date: VoucherDate::Ledger,
        }
    }
}

impl JournalAccounts {
    /// The defaults for a ledger in `currency`, from the chart its accountants use:
    /// - NOK: the Norwegian standard chart (NS 4102): 1920 Bankinnskudd, 7770 Bank- og
    ///   kortgebyrer, 1580 (other short-term receivables, the sales clearing), 2990 Annen kortsiktig
    ///   gjeld (suspense), 2400 Leverandørgjeld.
    /// - DKK: Erhvervsstyrelsen's standardkontoplan (the Danish Business Authority's standard chart
    ///   under the bookkeeping act, as Microsoft Business Central ships it in its "Standard Account
    ///   DK" list): 6480 Bankkonto, 2390 Porto og gebyrer, 6340 Andre tilgodehavender
    ///   (kortfristede), 8040 Øvrig anden gæld, 7440 Leverandører af varer og tjenesteydelser.
    /// - EUR: Finland has no official standard chart; these follow the common Finnish chart
    ///   practice ("tilikartta", the layout of the Accounting Act's balance sheet formula): 1910
    ///   Pankkitili, 8450 Muut hallintokulut (Procountor's default chart, where bank charges go),
    ///   1700 Myyntisaamiset, 2990 Muut lyhytaikaiset velat (suspense), 2870 Ostovelat.
    ///
    /// [`JournalAccounts::defaults_name`] names the chart for the user.
    pub fn defaults_for(currency: &str) -> JournalAccounts {
        let a = |bank: &str, fees: &str, clearing: &str, suspense: &str, payable: &str| JournalAccounts {
            bank: bank.into(),
            fees: fees.into(),
            clearing: clearing.into(),
            suspense: suspense.into(),
            payable: payable.into(),
            // Danish and Finnish systems mark "no VAT" with an empty code (e-conomic's Momskode).
            vat: VatCodes::all(""),
            voucher_date: VoucherDate::Ledger,
        };
        match currency {
            "DKK" => a("6480", "2390", "6340", "8040", "7440"),
            "EUR" => a("1910", "8450", "1700", "2990", "2870"),
            _ => JournalAccounts::default(),
        }
    }

    /// The chart the defaults for `currency` follow, for the user.
    pub fn defaults_name(currency: &str) -> &'static str {
        match currency {
            "NOK" => "the Norwegian standard chart of accounts (NS 4102)",
            "DKK" => "the Danish standard chart of accounts (Erhvervsstyrelsens standardkontoplan)",
            "EUR" => "common Finnish chart practice (tilikartta); check them against your own chart",
            _ => "the Norwegian standard chart of accounts (NS 4102); check them against your own chart",
        }
    }

    /// (role, account) for messages and listings.
    pub fn roles(&self) -> [(&'static str, &str); 5] {
        [
            ("bank", &self.bank),
            ("fees", &self.fees),
            ("clearing", &self.clearing),
            ("suspense", &self.suspense),
            ("payable", &self.payable),
        ]
    }
}

/// One journal line; exactly one of `debit` / `credit` is non-zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct JournalLine {
    pub account: String,
    pub text: String,
    /// The VAT code the line is posted with (the saved code for its kind of line).
    pub vat_code: String,
    #[ts(type = "number")]
    pub debit: Minor,
    #[ts(type = "number")]
    pub credit: Minor,
    /// The output VAT of a revenue line booked per VAT rate from the sales data (issue 17);
    /// `None`: no VAT treatment (every other line Avstem posts).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub vat: Option<LineVat>,
}

/// A revenue line's VAT: the standard SAF-T tax code, the rate, and the VAT booked on its own line
/// (on the same side as this line's amount, which is the net base).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LineVat {
    /// Skatteetaten's standard tax code ("3" output VAT 25 %, "31" 15 %, "33" 12 %, "5" 0 %).
    pub code: String,
    /// Basis points: 2500 = 25 %.
    #[ts(type = "number")]
    pub rate_bp: i64,
    #[ts(type = "number")]
    pub amount: Minor,
}

/// One balanced voucher: a payout, or a gross-settled fee invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Voucher {
    pub number: u32,
    pub date: NaiveDate,
    pub description: String,
    pub lines: Vec<JournalLine>,
}

impl Voucher {
    pub fn debits(&self) -> Minor {
        self.lines.iter().map(|l| l.debit).sum()
    }
    pub fn credits(&self) -> Minor {
        self.lines.iter().map(|l| l.credit).sum()
    }
}

fn line(account: &str, vat_code: &str, text: String, signed_debit: Minor) -> Option<JournalLine> {
    (signed_debit != 0).then(|| JournalLine {
        account: account.to_string(),
        text,
        vat_code: vat_code.to_string(),
        debit: signed_debit.max(0),
        credit: (-signed_debit).max(0),
        vat: None,
    })
}

/// The vouchers for the month: one per payout (sales clearing credited with captures less refunds,
/// fees debited, bank debited with the payout, other movements on the suspense line, any balance
/// carried in or kept back on the clearing account), then one per fee invoice.
pub fn journal(report: &MonthReport, accounts: &JournalAccounts) -> Vec<Voucher> {
    journal_with(report, accounts, None)
}

/// [`journal`], booking each payout's sales per VAT rate with its VAT code where the Sales API
/// data for its dates is complete, and only the rest on the clearing line, which says so
/// (issue 17; see [`super::journal_sales`]). `sales`: the sales of the payouts' dates, per date.
pub fn journal_with_sales(
    report: &MonthReport,
    accounts: &JournalAccounts,
    sales: &super::journal_sales::SalesByDate,
) -> Vec<Voucher> {
    journal_with(report, accounts, Some(sales))
}

fn journal_with(
    report: &MonthReport,
    accounts: &JournalAccounts,
    sales: Option<&super::journal_sales::SalesByDate>,
) -> Vec<Voucher> {
    let mut out = Vec::new();
    for p in &report.payouts {
        let period = format!("{} to {}", p.covered_from, p.covered_to);
        let head = [
            line(
                &accounts.bank,
                &accounts.vat.bank,
                format!("Vipps MobilePay payout {}", p.label),
                p.amount,
            ),
            line(
                &accounts.fees,
                &accounts.vat.fees,
                format!("Vipps MobilePay fees retained {period}"),
                p.fees_retained,
            ),
        ];
        let sold = super::journal_sales::sales_lines(accounts, p, &period, sales);
        let tail = [
            line(
                &accounts.suspense,
                &accounts.vat.suspense,
                format!("SUSPENSE: other Vipps MobilePay movements {period} (corrections, top-ups, disputes) — classify"),
                -p.other,
            ),
            line(
                &accounts.clearing,
                &accounts.vat.clearing,
                "Vipps MobilePay balance carried in from the previous payout / kept back".to_string(),
                p.balance_after - p.carried_in,
            ),
        ];
        let lines: Vec<JournalLine> = head
            .into_iter()
            .flatten()
            .chain(sold)
            .chain(tail.into_iter().flatten())
            .collect();
        out.push(Voucher {
            number: out.len() as u32 + 1,
            date: p.date,
            description: format!("Vipps MobilePay payout {} ({})", p.label, period),
            lines,
        });
    }
    for inv in &report.fee_invoices {
        let lines: Vec<JournalLine> = [
            line(
                &accounts.fees,
                &accounts.vat.fees,
                format!("Vipps MobilePay fees {} to {}", inv.covered_from, inv.covered_to),
                inv.amount,
            ),
            line(
                &accounts.payable,
                &accounts.vat.payable,
                format!("Vipps MobilePay fee invoice {}", inv.psp_reference),
                -inv.amount,
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        out.push(Voucher {
            number: out.len() as u32 + 1,
            date: inv.date,
            description: format!("Vipps MobilePay fee invoice {}", inv.psp_reference),
            lines,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_debits_a_positive_amount_credits_a_negative_one_and_skips_zero() {
        let debit = line("1920", "0", "bank".into(), 28800).expect("a line");
        let credit = line("1580", "5", "sales".into(), -30000).expect("a line");
        assert_eq!(
            (debit.debit, debit.credit, debit.vat_code.as_str()),
            (28800, 0, "0")
        );
        assert_eq!(
            (credit.debit, credit.credit, credit.vat_code.as_str()),
            (0, 30000, "5")
        );
        assert_eq!(line("7770", "0", "fees".into(), 0), None);
    }
}
