//! Bank statements for the simulator's ledgers: the payouts as the bank books them, as camt.053
//! (001.02 or 001.08, valid against the vendored ISO 20022 XSDs) or a CSV export, with late,
//! missing, split and foreign lines on request.

use crate::bank::predict::{ExpectedBankLine, PayoutForBank};
use crate::bank::StatementLine;
use chrono::{Duration, NaiveDate};
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CamtVersion {
    V02,
    V08,
}

/// What the statement should get wrong, by payout number.
#[derive(Debug, Clone, Default)]
pub struct StatementFaults {
    pub late_days: Vec<(u64, i64)>,
    pub missing: Vec<u64>,
    pub split: Vec<u64>,
    /// Non-Vipps lines (rent, card purchases) mixed in, this many.
    pub foreign_lines: usize,
    /// The DK/FI text format the bank really uses for payouts without a reference, when it is not
    /// the one Avstem expects (`bank::predict::format_text`).
    pub bank_text_format: Option<String>,
}

/// The bank's lines for these payouts: on the expected date with the expected text, unless faulted.
pub fn lines_for_payouts(
    payouts: &[(PayoutForBank, ExpectedBankLine)],
    faults: &StatementFaults,
) -> Vec<StatementLine> {
    let mut out = Vec::new();
    for (p, e) in payouts {
        if faults.missing.contains(&p.payout_number) {
            continue;
        }
        let late = faults
            .late_days
            .iter()
            .find(|(n, _)| *n == p.payout_number)
            .map(|(_, d)| *d)
            .unwrap_or(0);
        let date = e.date + Duration::days(late);
        let mk = |amount: i64, suffix: &str, part: u32| StatementLine {
            booking_date: date,
            value_date: Some(date),
            amount,
            currency: p.currency.clone(),
            text: format!("{}{suffix}", e.text),
            counterparty: Some("Vipps MobilePay AS".into()),
            bank_reference: Some(format!("SIM-{}-{}-{part}", p.ledger_id, p.payout_number)),
        };
        if faults.split.contains(&p.payout_number) && e.amount > 1 {
            let first = e.amount / 2;
            out.push(mk(first, " 1/2", 1));
            out.push(mk(e.amount - first, " 2/2", 2));
        } else {
            out.push(mk(e.amount, "", 0));
        }
    }
    let start = payouts.first().map(|(_, e)| e.date).unwrap_or_default();
    let currency = payouts
        .first()
        .map(|(p, _)| p.currency.clone())
        .unwrap_or_else(|| "NOK".into());
    for i in 0..faults.foreign_lines {
        out.push(StatementLine {
            booking_date: start + Duration::days(i as i64 % 28),
            value_date: None,
            amount: -(10_000 + 137 * i as i64),
            currency: currency.clone(),
            text: format!("Varekjøp {i}"),
            counterparty: Some("Grossist AS".into()),
            bank_reference: Some(format!("SIM-FOREIGN-{i}")),
        });
    }
    out.sort_by_key(|l| l.booking_date);
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn amt(minor: i64) -> String {
    let a = minor.unsigned_abs();
    format!("{}.{:02}", a / 100, a % 100)
}

/// A camt.053 document for one account. `opening` is the opening booked balance in minor units.
pub fn write_camt053(
    version: CamtVersion,
    iban: &str,
    currency: &str,
    from: NaiveDate,
    opening: i64,
    lines: &[StatementLine],
) -> String {
    let ns = match version {
        CamtVersion::V02 => "camt.053.001.02",
        CamtVersion::V08 => "camt.053.001.08",
    };
    let mut x = String::with_capacity(600 + lines.len() * 700);
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:{ns}\"><BkToCstmrStmt>\
         <GrpHdr><MsgId>AVSTEM-SIM-{from}</MsgId><CreDtTm>{from}T23:00:00</CreDtTm></GrpHdr>\
         <Stmt><Id>AVSTEM-{iban}-{from}</Id><CreDtTm>{from}T23:00:00</CreDtTm>\
         <Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>{currency}</Ccy></Acct>\
         <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"{currency}\">{}</Amt><CdtDbtInd>{}</CdtDbtInd><Dt><Dt>{from}</Dt></Dt></Bal>",
        amt(opening),
        if opening < 0 { "DBIT" } else { "CRDT" }
    );
    for l in lines {
        let credit = l.amount >= 0;
        let ind = if credit { "CRDT" } else { "DBIT" };
        let sts = match version {
            CamtVersion::V02 => "<Sts>BOOK</Sts>".to_string(),
            CamtVersion::V08 => "<Sts><Cd>BOOK</Cd></Sts>".to_string(),
        };
        let fmly = if credit { "RCDT" } else { "ICDT" };
        let party = l.counterparty.as_deref().map(|n| {
            let role = if credit { "Dbtr" } else { "Cdtr" };
            match version {
                CamtVersion::V02 => format!("<RltdPties><{role}><Nm>{}</Nm></{role}></RltdPties>", esc(n)),
                CamtVersion::V08 => format!(
                    "<RltdPties><{role}><Pty><Nm>{}</Nm></Pty></{role}></RltdPties>",
                    esc(n)
                ),
            }
        });
        let text: String = l.text.chars().take(140).collect();
        let _ = write!(
            x,
            "<Ntry><Amt Ccy=\"{cur}\">{a}</Amt><CdtDbtInd>{ind}</CdtDbtInd>{sts}<BookgDt><Dt>{d}</Dt></BookgDt>{v}{r}\
             <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{fmly}</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>\
             <NtryDtls><TxDtls>{p}<RmtInf><Ustrd>{t}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>",
            cur = esc(&l.currency),
            a = amt(l.amount),
            d = l.booking_date,
            v = l.value_date.map(|v| format!("<ValDt><Dt>{v}</Dt></ValDt>")).unwrap_or_default(),
            r = l.bank_reference.as_deref().map(|r| format!("<AcctSvcrRef>{}</AcctSvcrRef>", esc(r))).unwrap_or_default(),
            p = party.unwrap_or_default(),
            t = esc(&text),
        );
    }
    x.push_str("</Stmt></BkToCstmrStmt></Document>\n");
    x
}

/// A Norwegian online bank's CSV export: `Dato;Forklaring;Rentedato;Ut fra konto;Inn på konto`.
pub fn write_csv_no(lines: &[StatementLine]) -> String {
    let mut s = String::from("Dato;Forklaring;Rentedato;Ut fra konto;Inn på konto\n");
    for l in lines {
        let money = amt(l.amount).replace('.', ",");
        let (out, inn) = if l.amount < 0 {
            (money, String::new())
        } else {
            (String::new(), money)
        };
        let d = l.booking_date.format("%d.%m.%Y");
        let _ = writeln!(s, "{d};{};{d};{out};{inn}", l.text.replace([';', '\n', '"'], " "));
    }
    s
}

/// What [`month_statement`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementFormat {
    Camt02,
    Camt08,
    /// The Norwegian online bank's CSV export ([`write_csv_no`]).
    CsvNo,
}

impl StatementFormat {
    /// `camt02`, `camt08` or `csv`, as the command line names them.
    pub fn parse(s: &str) -> Option<StatementFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "camt02" | "camt.053.001.02" => Some(StatementFormat::Camt02),
            "camt08" | "camt.053.001.08" | "camt" => Some(StatementFormat::Camt08),
            "csv" => Some(StatementFormat::CsvNo),
            _ => None,
        }
    }
}

/// The statement of `ledger`'s payout account from the first of `month` until the last of the
/// month's payouts reaches the bank, as the simulator's bank books the payouts in the cache: each on
/// its expected bank date with the expected text, plus `faults`. Norwegian, Danish and Finnish accounts (the IBAN
/// is made from the BBAN).
pub fn month_statement(
    store: &crate::store::Store,
    ledger: &crate::model::Ledger,
    month: crate::model::YearMonth,
    format: StatementFormat,
    faults: &StatementFaults,
) -> crate::Result<String> {
    let (first, last) = (month.first_day(), month.last_day());
    let account = &ledger.payout_bank_account;
    let iban = crate::bank::account::payout_account_iban(&account.scheme, &account.id).ok_or_else(|| {
        crate::Error::Input(format!(
            "Ledger {}'s payout account ({} {}) is not a Norwegian, Danish or Finnish account number; the simulator writes statements for those only.",
            ledger.ledger_id, account.scheme, account.id
        ))
    })?;
    let mut all = crate::bank::status::expected_lines(store, ledger, first - Duration::days(10), last)?;
    if let Some(f) = &faults.bank_text_format {
        let (country, recipient) = (ledger.country(), crate::bank::status::ledger_recipient(ledger));
        for (p, e) in &mut all {
            e.text = crate::bank::predict::expected_text(country, p, recipient, f);
        }
    }
    // Until the last of the month's payouts reaches the bank (early the next month).
    let to = all
        .iter()
        .filter(|(p, _)| p.ledger_date >= first)
        .map(|(_, e)| e.date)
        .max()
        .unwrap_or(last)
        .max(last);
    let payouts: Vec<_> = all
        .into_iter()
        .filter(|(_, e)| e.date >= first && e.date <= to)
        .collect();
    let mut lines = lines_for_payouts(&payouts, faults);
    lines.retain(|l| l.booking_date >= first && l.booking_date <= to);
    Ok(match format {
        StatementFormat::Camt02 => write_camt053(CamtVersion::V02, &iban, &ledger.currency, first, 0, &lines),
        StatementFormat::Camt08 => write_camt053(CamtVersion::V08, &iban, &ledger.currency, first, 0, &lines),
        StatementFormat::CsvNo => write_csv_no(&lines),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::calendar::BankCountry;
    use crate::bank::predict::{expected_bank_line, MOBILEPAY_TEXT_FORMAT};
    use crate::bank::{camt, csv_import};

    fn payouts() -> Vec<(PayoutForBank, ExpectedBankLine)> {
        (0..5u64)
            .map(|i| {
                let p = PayoutForBank {
                    ledger_id: "302321".into(),
                    payout_number: 2000810 + i,
                    ledger_date: NaiveDate::from_ymd_opt(2026, 10, 5).unwrap_or_default()
                        + Duration::days(i as i64),
                    amount: 28800 + 1000 * i as i64,
                    currency: "NOK".into(),
                    reference: String::new(),
                };
                let e = expected_bank_line(BankCountry::No, &p, 117703, MOBILEPAY_TEXT_FORMAT);
                (p, e)
            })
            .collect()
    }

    fn xmllint(xml: &str, xsd: &str) -> bool {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("s.xml");
        std::fs::write(&f, xml).expect("write");
        let schema = format!("{}/tests/fixtures/camt053/{xsd}", env!("CARGO_MANIFEST_DIR"));
        let out = std::process::Command::new("xmllint")
            .args(["--noout", "--schema", &schema])
            .arg(&f)
            .output()
            .expect("xmllint is installed (libxml2-utils)");
        if !out.status.success() {
            eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        }
        out.status.success()
    }

    #[test]
    fn generated_statements_validate_against_the_iso_schemas_and_read_back() {
        let faults = StatementFaults {
            late_days: vec![(2000811, 3)],
            missing: vec![2000812],
            split: vec![2000813],
            foreign_lines: 3,
            bank_text_format: None,
        };
        let lines = lines_for_payouts(&payouts(), &faults);
        assert_eq!(
            lines.len(),
            4 + 1 + 3,
            "one missing, one split in two, three foreign"
        );
        for (v, xsd) in [
            (CamtVersion::V02, "camt.053.001.02.xsd"),
            (CamtVersion::V08, "camt.053.001.08.xsd"),
        ] {
            let xml = write_camt053(
                v,
                "NO9386011117947",
                "NOK",
                NaiveDate::from_ymd_opt(2026, 10, 1).unwrap_or_default(),
                0,
                &lines,
            );
            assert!(xmllint(&xml, xsd), "{xsd}");
            let back = camt::parse(xml.as_bytes()).expect("parse");
            assert_eq!(back[0].account.as_deref(), Some("NO9386011117947"));
            assert_eq!(back[0].lines, lines, "{v:?} round-trips");
        }
        let csv = write_csv_no(&lines);
        let m = csv_import::detect(csv.as_bytes()).expect("mapping");
        let back = csv_import::parse(csv.as_bytes(), &m).expect("parse");
        let amounts: Vec<i64> = back.lines.iter().map(|l| l.amount).collect();
        assert_eq!(amounts, lines.iter().map(|l| l.amount).collect::<Vec<_>>());
    }
}
