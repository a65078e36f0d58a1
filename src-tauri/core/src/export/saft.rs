//! SAF-T Financial (Norway, v1.30): the month's vouchers as an audit file every Norwegian accounting
//! system and auditor reads — Header, MasterFiles (the accounts used, the tax table), GeneralLedgerEntries.
//!
//! Specification: Skatteetaten's schema `Norwegian_SAF-T_Financial_Schema_v_1.30.xsd` and code lists in
//! <https://github.com/Skatteetaten/saf-t> (vendored in `tests/fixtures/saft/`, see its NOTICE.md) and
//! the documentation at <https://www.skatteetaten.no/saf-t>.
//! - v1.30 maps each account to the business statement (næringsspesifikasjon) with `GroupingCategory`
//!   and `GroupingCode`; the old StandardAccountID mapping is gone. The account's own number is the
//!   user's NS 4102 account; its grouping code is the highest code of the same account class at or
//!   below it in `saft_grouping_codes.csv` (1580 → 1570 "Andre kortsiktige krav", 7770 → 7700
//!   "Annen kostnad"); see [`grouping`].
//! - The file holds Avstem's vouchers only: opening balances are 0 and closing balances are the
//!   month's movement on each account; the accounting system keeps the real balances.
//! - Company contact is mandatory in the schema; Avstem knows no contact person, so it says so in
//!   Norwegian ("Ikke oppgitt").

use super::books::{self, cut, BookedMonth};
use super::{write_atomically, ExportFormat, ExportOptions, ExportSummary};
use crate::model::{format_minor, Minor, YearMonth};
use crate::reconcile::{JournalAccounts, Voucher};
use crate::store::Store;
use crate::{Error, Result};
use chrono::{Datelike, NaiveDate};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::Path;

const NAMESPACE: &str = "urn:StandardAuditFile-Taxation-Financial:NO";
const GROUPING_CODES: &str = include_str!("saft_grouping_codes.csv");
/// Skatteetaten's standard tax codes (`Standard Tax Codes/CSV/Standard_Tax_Codes.csv` in
/// <https://github.com/Skatteetaten/saf-t>, commit 1abb7ec; see tests/fixtures/saft/NOTICE.md):
/// `Code;DescriptionNOB;DescriptionENG;TaxRate;Compensation`.
const STANDARD_TAX_CODES: &str = include_str!("saft_standard_tax_codes.csv");

/// A VAT code used on the vouchers, as the TaxTable lists it.
struct TaxCode {
    code: String,
    description: String,
    /// `TaxPercentage`: "0", or the rate of sales booked per VAT rate ("25").
    percentage: String,
}

/// The VAT codes the vouchers use, each one of Skatteetaten's standard codes. A line without VAT
/// (every line but sales revenue) must carry a code without a VAT amount (no rate, or the zero
/// rate): a code with a rate would claim VAT the file does not hold. A revenue line of sales booked
/// per VAT rate (issue 17) carries its rate's code, and its VAT is on the file's own VAT line. An
/// empty code means the line has no tax information.
fn tax_codes_used(vouchers: &[Voucher]) -> Result<Vec<TaxCode>> {
    let mut used: BTreeMap<&str, TaxCode> = BTreeMap::new();
    for l in vouchers
        .iter()
        .flat_map(|v| &v.lines)
        .filter(|l| !l.vat_code.is_empty())
    {
        let code = l.vat_code.as_str();
        if used.contains_key(code) {
            continue;
        }
        let row = STANDARD_TAX_CODES
            .lines()
            .skip(1)
            .map(|l| l.split(';').collect::<Vec<_>>())
            .find(|f| f.first() == Some(&code));
        let tax = match (row, &l.vat) {
            (Some(f), Some(vat)) => TaxCode {
                code: code.to_string(),
                description: f.get(1).unwrap_or(&"").to_string(),
                percentage: percentage(vat.rate_bp),
            },
            (Some(f), None) if matches!(f.get(3), Some(&"") | Some(&"Zero rate")) => TaxCode {
                code: code.to_string(),
                description: f.get(1).unwrap_or(&"").to_string(),
                percentage: "0".into(),
            },
            (Some(f), None) => {
                return Err(Error::Input(format!(
                "VAT code {code} ({}, {}) carries VAT, and Avstem's lines have none (Vipps MobilePay's fees \
                     are outside VAT). Pick a code without VAT, such as 0, for SAF-T; nothing was written.",
                f.get(2).unwrap_or(&""),
                f.get(3).unwrap_or(&"").to_lowercase()
            )))
            }
            (None, _) => {
                return Err(Error::Input(format!(
                "VAT code {code} is not one of Skatteetaten's standard SAF-T tax codes, which SAF-T needs. \
                     Pick one without VAT, such as 0; nothing was written."
            )))
            }
        };
        used.insert(code, tax);
    }
    Ok(used.into_values().collect())
}

/// Write the month's SAF-T Financial file (atomically) from the cache.
pub fn write_saft(
    store: &Store,
    ledger_id: &str,
    month: YearMonth,
    opts: &ExportOptions,
    out: &Path,
) -> Result<ExportSummary> {
    let booked = books::booked_month(store, ledger_id, month, opts)?;
    let org = organisation_number(&booked)?;
    books::check_accounts(&booked.vouchers, 4, 70, "SAF-T (a numeric NS 4102 account)")?;
    let accounts = accounts_used(&booked.vouchers, &opts.accounts)?;
    let taxes = tax_codes_used(&booked.vouchers)?;
    let created = opts.clock.today_for(&booked.ledger);
    let bytes = write_atomically(out, false, |tmp| {
        let file = std::fs::File::create(tmp).map_err(io)?;
        let mut w = Writer::new_with_indent(BufWriter::with_capacity(1 << 16, file), b' ', 2);
        audit_file(&mut w, &booked, &org, &accounts, &taxes, created).map_err(io)?;
        w.into_inner().flush().map_err(io)?;
        Ok(())
    })?;
    Ok(books::summary(out, ExportFormat::Saft, &booked, bytes))
}

fn io(e: std::io::Error) -> Error {
    Error::Io(format!("The SAF-T file could not be written: {e}."))
}

/// The owner's Norwegian organisation number (nine digits), or why the file cannot be made.
fn organisation_number(booked: &BookedMonth) -> Result<String> {
    let owner = &booked.ledger.owner;
    let id: String = owner.id.chars().filter(|c| !c.is_whitespace()).collect();
    if owner.scheme != "business:NO:ORG" {
        let country = owner.scheme.split(':').nth(1).unwrap_or("");
        let named = if country.is_empty() {
            "no Norwegian organisation number".to_string()
        } else {
            format!(
                "a {country} business number ({}), not a Norwegian organisation number",
                owner.scheme
            )
        };
        return Err(Error::Input(format!(
            "SAF-T Financial is the Norwegian audit file, and ledger {} has {named}. \
             Use the CSV journal instead; nothing was written.",
            booked.ledger.ledger_id
        )));
    }
    if id.len() != 9 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Input(format!(
            "Ledger {} has no valid organisation number (got \"{}\"; it has nine digits), \
             which SAF-T needs in its header. Nothing was written.",
            booked.ledger.ledger_id, owner.id
        )));
    }
    Ok(id)
}

/// One account in MasterFiles: its number, what Avstem uses it for, its grouping and movement.
struct Account {
    id: String,
    description: String,
    category: String,
    code: String,
    movement: Minor,
}

/// The accounts the vouchers post to, in number order, with their roles and month's movement.
fn accounts_used(vouchers: &[Voucher], roles: &JournalAccounts) -> Result<Vec<Account>> {
    let named = [
        (&roles.bank, "Bank account (Vipps MobilePay payouts)"),
        (&roles.fees, "Bank and card fees (Vipps MobilePay)"),
        (&roles.clearing, "Vipps MobilePay sales clearing"),
        (&roles.suspense, "Vipps MobilePay movements to classify"),
        (&roles.payable, "Accounts payable (Vipps MobilePay fee invoices)"),
    ];
    let mut movement: BTreeMap<&str, Minor> = BTreeMap::new();
    for l in vouchers.iter().flat_map(|v| &v.lines) {
        let m = movement.entry(l.account.as_str()).or_default();
        *m = m
            .checked_add(l.debit)
            .and_then(|m| m.checked_sub(l.credit))
            .ok_or_else(|| Error::Input("The month's amounts are too large to add up.".into()))?;
    }
    movement
        .into_iter()
        .map(|(id, movement)| {
            let description: Vec<&str> = named
                .iter()
                .filter(|(a, _)| a.as_str() == id)
                .map(|(_, d)| *d)
                .collect();
            let (category, code) = grouping(id).ok_or_else(|| {
                Error::Input(format!(
                    "Account {id} has no SAF-T grouping code (næringsspesifikasjon) in its account class. \
                     Pick an NS 4102 account; nothing was written."
                ))
            })?;
            Ok(Account {
                id: id.to_string(),
                description: if let (true, Some(name)) =
                    (description.is_empty(), crate::reconcile::sales_account_name(id))
                {
                    name.to_string()
                } else if description.is_empty() {
                    format!("Account {id}")
                } else {
                    description.join("; ")
                },
                category,
                code,
                movement,
            })
        })
        .collect()
}

/// The næringsspesifikasjon grouping for an account: its first four digits when they are a code,
/// else the highest round code (a multiple of ten, not a special item like 7701 "CO2-avgift") below
/// them in the same account class; among the categories for ordinary businesses (the bank and
/// insurance and IFRS categories are for those reporters only).
fn grouping(account: &str) -> Option<(String, String)> {
    let key: u32 = account.get(..4)?.parse().ok()?;
    let class = key / 1000;
    GROUPING_CODES
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cells: Vec<&str> = line.split(';').collect();
            let (category, code) = (*cells.first()?, *cells.get(3)?);
            let special = category.starts_with("bankOgForsikring")
                || category.starts_with("gjeldInnenBankOgForsikring")
                || category.starts_with("endringIEgenkapitalInnenBankOgForsikring")
                || category.starts_with("balanseverdiForBankOgForsikring")
                || category.starts_with("resultatkomponentForIFRS");
            let n: u32 = code.parse().ok()?;
            let candidate = n == key || (n.is_multiple_of(10) && n < key);
            (!special && n / 1000 == class && candidate).then_some((n, category, code))
        })
        .max_by_key(|(n, _, _)| *n)
        .map(|(_, category, code)| (category.to_string(), code.to_string()))
}

/// A rate in basis points as SAF-T's `TaxPercentage` (a decimal): 2500 → "25", 1250 → "12.5".
fn percentage(bp: i64) -> String {
    crate::sales::vat_rate_text(bp).trim_end_matches(" %").to_string()
}

type W = Writer<BufWriter<std::fs::File>>;

fn open(w: &mut W, name: &str) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(name)))
}

fn close(w: &mut W, name: &str) -> std::io::Result<()> {
    w.write_event(Event::End(BytesEnd::new(name)))
}

/// `<name>text</name>`, the text escaped.
fn el(w: &mut W, name: &str, text: &str) -> std::io::Result<()> {
    open(w, name)?;
    w.write_event(Event::Text(BytesText::new(text)))?;
    close(w, name)
}

fn audit_file(
    w: &mut W,
    booked: &BookedMonth,
    org: &str,
    accounts: &[Account],
    taxes: &[TaxCode],
    created: NaiveDate,
) -> std::io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut root = BytesStart::new("AuditFile");
    root.push_attribute(("xmlns", NAMESPACE));
    w.write_event(Event::Start(root))?;
    header(w, booked, org, created)?;
    master_files(w, accounts, taxes)?;
    general_ledger_entries(w, booked, created)?;
    close(w, "AuditFile")
}

fn header(w: &mut W, booked: &BookedMonth, org: &str, created: NaiveDate) -> std::io::Result<()> {
    let month = booked.report.month;
    open(w, "Header")?;
    el(w, "AuditFileVersion", "1.30")?;
    el(w, "AuditFileCountry", "NO")?;
    el(w, "AuditFileDateCreated", &created.to_string())?;
    el(w, "SoftwareCompanyName", "Avstem")?;
    el(w, "SoftwareID", "Avstem")?;
    el(w, "SoftwareVersion", env!("CARGO_PKG_VERSION"))?;
    open(w, "Company")?;
    el(w, "RegistrationNumber", org)?;
    el(w, "Name", &cut(&booked.ledger.display_name(), 256))?;
    open(w, "Contact")?;
    open(w, "ContactPerson")?;
    el(w, "FirstName", "Ikke oppgitt")?;
    el(w, "LastName", "Ikke oppgitt")?;
    close(w, "ContactPerson")?;
    close(w, "Contact")?;
    close(w, "Company")?;
    el(w, "DefaultCurrencyCode", &booked.ledger.currency)?;
    open(w, "SelectionCriteria")?;
    el(w, "PeriodStart", &month.month.to_string())?;
    el(w, "PeriodStartYear", &month.year.to_string())?;
    el(w, "PeriodEnd", &month.month.to_string())?;
    el(w, "PeriodEndYear", &month.year.to_string())?;
    close(w, "SelectionCriteria")?;
    el(
        w,
        "HeaderComment",
        &format!(
            "Vipps MobilePay payouts and fee invoices on ledger {} for {month}, reconciled by Avstem",
            booked.ledger.ledger_id
        ),
    )?;
    el(w, "TaxAccountingBasis", "A")?;
    close(w, "Header")
}

fn master_files(w: &mut W, accounts: &[Account], taxes: &[TaxCode]) -> std::io::Result<()> {
    open(w, "MasterFiles")?;
    open(w, "GeneralLedgerAccounts")?;
    for a in accounts {
        open(w, "Account")?;
        el(w, "AccountID", &a.id)?;
        el(w, "AccountDescription", &cut(&a.description, 256))?;
        el(w, "GroupingCategory", &a.category)?;
        el(w, "GroupingCode", &a.code)?;
        el(w, "AccountType", "GL")?;
        el(w, "OpeningDebitBalance", "0.00")?;
        if a.movement >= 0 {
            el(w, "ClosingDebitBalance", &format_minor(a.movement))?;
        } else {
            el(w, "ClosingCreditBalance", &format_minor(-a.movement))?;
        }
        close(w, "Account")?;
    }
    close(w, "GeneralLedgerAccounts")?;
    if !taxes.is_empty() {
        open(w, "TaxTable")?;
        open(w, "TaxTableEntry")?;
        el(w, "TaxType", "MVA")?;
        el(w, "Description", "Merverdiavgift")?;
        for t in taxes {
            open(w, "TaxCodeDetails")?;
            el(w, "TaxCode", &t.code)?;
            el(w, "Description", &cut(&t.description, 256))?;
            el(w, "TaxPercentage", &t.percentage)?;
            el(w, "Country", "NO")?;
            el(w, "StandardTaxCode", &t.code)?;
            el(w, "BaseRate", "100")?;
            close(w, "TaxCodeDetails")?;
        }
        close(w, "TaxTableEntry")?;
        close(w, "TaxTable")?;
    }
    close(w, "MasterFiles")
}

fn general_ledger_entries(w: &mut W, booked: &BookedMonth, created: NaiveDate) -> std::io::Result<()> {
    open(w, "GeneralLedgerEntries")?;
    el(w, "NumberOfEntries", &booked.totals.vouchers.to_string())?;
    el(w, "TotalDebit", &format_minor(booked.totals.debit))?;
    el(w, "TotalCredit", &format_minor(booked.totals.credit))?;
    open(w, "Journal")?;
    el(w, "JournalID", "VIPPS")?;
    el(w, "Description", "Vipps MobilePay payouts and fee invoices")?;
    el(w, "Type", "GL")?;
    for v in &booked.vouchers {
        transaction(w, v, created)?;
    }
    close(w, "Journal")?;
    close(w, "GeneralLedgerEntries")
}

fn transaction(w: &mut W, v: &Voucher, created: NaiveDate) -> std::io::Result<()> {
    open(w, "Transaction")?;
    el(w, "TransactionID", &v.number.to_string())?;
    el(w, "Period", &v.date.month().to_string())?;
    el(w, "PeriodYear", &v.date.year().to_string())?;
    el(w, "TransactionDate", &v.date.to_string())?;
    el(w, "VoucherType", "Vipps MobilePay")?;
    el(w, "Description", &cut(&v.description, 256))?;
    el(w, "SystemEntryDate", &created.to_string())?;
    el(w, "GLPostingDate", &v.date.to_string())?;
    for (i, l) in v.lines.iter().enumerate() {
        open(w, "Line")?;
        el(w, "RecordID", &(i + 1).to_string())?;
        el(w, "AccountID", &l.account)?;
        el(w, "Description", &cut(&l.text, 256))?;
        let (side, amount) = if l.debit != 0 {
            ("DebitAmount", l.debit)
        } else {
            ("CreditAmount", l.credit)
        };
        open(w, side)?;
        el(w, "Amount", &format_minor(amount))?;
        close(w, side)?;
        if l.vat_code.is_empty() {
            close(w, "Line")?;
            continue;
        }
        // Sales booked per VAT rate (issue 17): the net is the base, the VAT its own line's amount.
        let (percentage, tax) = match &l.vat {
            Some(v) => (percentage(v.rate_bp), v.amount),
            None => ("0".to_string(), 0),
        };
        open(w, "TaxInformation")?;
        el(w, "TaxType", "MVA")?;
        el(w, "TaxCode", &l.vat_code)?;
        el(w, "TaxPercentage", &percentage)?;
        el(w, "TaxBase", &format_minor(amount))?;
        let tax_side = if l.debit != 0 {
            "DebitTaxAmount"
        } else {
            "CreditTaxAmount"
        };
        open(w, tax_side)?;
        el(w, "Amount", &format_minor(tax))?;
        close(w, tax_side)?;
        close(w, "TaxInformation")?;
        close(w, "Line")?;
    }
    close(w, "Transaction")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_map_to_the_nearest_grouping_code_of_their_class() {
        let code = |a: &str| grouping(a).map(|(c, g)| format!("{c}/{g}"));
        assert_eq!(code("1920").as_deref(), Some("balanseverdiForOmloepsmiddel/1920"));
        assert_eq!(code("1580").as_deref(), Some("balanseverdiForOmloepsmiddel/1570"));
        assert_eq!(code("7770").as_deref(), Some("annenDriftskostnad/7700"));
        assert_eq!(code("2990").as_deref(), Some("kortsiktigGjeld/2990"));
        assert_eq!(code("2400").as_deref(), Some("kortsiktigGjeld/2400"));
        assert_eq!(
            code("19201").as_deref(),
            Some("balanseverdiForOmloepsmiddel/1920")
        );
        assert_eq!(code("192"), None);
    }

    fn one_line_voucher(code: &str) -> Voucher {
        Voucher {
            number: 1,
            date: NaiveDate::from_ymd_opt(2024, 3, 1).expect("date"),
            description: "payout".into(),
            lines: vec![crate::reconcile::JournalLine {
                account: "1920".into(),
                text: "payout".into(),
                vat_code: code.into(),
                debit: 100,
                credit: 0,
                vat: None,
            }],
        }
    }

    #[test]
    fn a_code_with_a_rate_is_listed_with_its_rate_on_a_revenue_line_booked_per_vat_rate() {
        let mut v = one_line_voucher("31");
        v.lines[0].vat = Some(crate::reconcile::LineVat {
            code: "31".into(),
            rate_bp: 1500,
            amount: 15,
        });
        let t = tax_codes_used(&[v, one_line_voucher("0")]).expect("codes");
        let got: Vec<(&str, &str)> = t
            .iter()
            .map(|t| (t.code.as_str(), t.percentage.as_str()))
            .collect();
        assert_eq!(got, vec![("0", "0"), ("31", "15")]);
        // The same code on a line without VAT is still refused.
        assert!(tax_codes_used(&[one_line_voucher("31")]).is_err());
    }

    #[test]
    fn only_standard_codes_without_vat_go_in_the_tax_table() {
        let t = tax_codes_used(&[one_line_voucher("6"), one_line_voucher("0"), one_line_voucher("")])
            .expect("codes");
        let got: Vec<(&str, &str)> = t
            .iter()
            .map(|t| (t.code.as_str(), t.description.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("0", "Ingen merverdiavgiftsbehandling (anskaffelser)"),
                ("6", "Omsetning og uttak utenfor merverdiavgiftsloven")
            ]
        );
        let err = tax_codes_used(&[one_line_voucher("1")]).err().expect("a rate");
        assert!(
            err.to_string()
                .starts_with("VAT code 1 (Input VAT deductible (domestic), regular rate) carries VAT"),
            "{err}"
        );
        let err = tax_codes_used(&[one_line_voucher("U25")])
            .err()
            .expect("not standard");
        assert!(
            err.to_string()
                .starts_with("VAT code U25 is not one of Skatteetaten's standard"),
            "{err}"
        );
    }
}
