//! ISO 20022 camt.053 BankToCustomerStatement, versions 001.02 to 001.08 (the element names Avstem
//! reads are the same in all of them), read with quick-xml + serde. Schemas:
//! `tests/fixtures/camt053/camt.053.001.0{2,8}.xsd` (from genkgo/camt@c99e4fe, see NOTICE.md).

use super::{account, parse_amount, Statement, StatementLine};
use crate::{Error, Result};
use chrono::NaiveDate;
use serde::Deserialize;

const NAMESPACE_PREFIX: &str = "urn:iso:std:iso:20022:tech:xsd:camt.053.";

#[derive(Deserialize)]
struct Document {
    #[serde(rename = "BkToCstmrStmt")]
    statement: Option<BkToCstmrStmt>,
}

#[derive(Deserialize)]
struct BkToCstmrStmt {
    #[serde(rename = "Stmt", default)]
    stmts: Vec<Stmt>,
}

#[derive(Deserialize)]
struct Stmt {
    #[serde(rename = "Acct")]
    acct: Acct,
    #[serde(rename = "Ntry", default)]
    entries: Vec<Ntry>,
}

#[derive(Deserialize)]
struct Acct {
    #[serde(rename = "Id")]
    id: AcctId,
    #[serde(rename = "Ccy")]
    ccy: Option<String>,
}

#[derive(Deserialize)]
struct AcctId {
    #[serde(rename = "IBAN")]
    iban: Option<String>,
    #[serde(rename = "Othr")]
    othr: Option<IdOnly>,
}

#[derive(Deserialize)]
struct IdOnly {
    #[serde(rename = "Id")]
    id: String,
}

#[derive(Deserialize)]
struct Amt {
    #[serde(rename = "@Ccy")]
    ccy: String,
    #[serde(rename = "$text")]
    value: String,
}

/// v02: `<Sts>BOOK</Sts>`; v08: `<Sts><Cd>BOOK</Cd></Sts>`.
#[derive(Deserialize)]
struct Sts {
    #[serde(rename = "$text")]
    text: Option<String>,
    #[serde(rename = "Cd")]
    cd: Option<String>,
}

#[derive(Deserialize)]
struct DateChoice {
    #[serde(rename = "Dt")]
    dt: Option<String>,
    #[serde(rename = "DtTm")]
    dt_tm: Option<String>,
}

#[derive(Deserialize)]
struct Ntry {
    #[serde(rename = "NtryRef")]
    ntry_ref: Option<String>,
    #[serde(rename = "Amt")]
    amt: Amt,
    #[serde(rename = "CdtDbtInd")]
    cdt_dbt_ind: String,
    #[serde(rename = "RvslInd")]
    rvsl_ind: Option<String>,
    #[serde(rename = "Sts")]
    sts: Option<Sts>,
    #[serde(rename = "BookgDt")]
    bookg_dt: Option<DateChoice>,
    #[serde(rename = "ValDt")]
    val_dt: Option<DateChoice>,
    #[serde(rename = "AcctSvcrRef")]
    acct_svcr_ref: Option<String>,
    #[serde(rename = "NtryDtls", default)]
    details: Vec<NtryDtls>,
    #[serde(rename = "AddtlNtryInf")]
    addtl_ntry_inf: Option<String>,
}

#[derive(Deserialize)]
struct NtryDtls {
    #[serde(rename = "TxDtls", default)]
    txs: Vec<TxDtls>,
}

#[derive(Deserialize)]
struct TxDtls {
    #[serde(rename = "RltdPties")]
    parties: Option<RltdPties>,
    #[serde(rename = "RmtInf")]
    rmt_inf: Option<RmtInf>,
    #[serde(rename = "AddtlTxInf")]
    addtl_tx_inf: Option<String>,
}

#[derive(Deserialize)]
struct RltdPties {
    #[serde(rename = "Dbtr")]
    dbtr: Option<Party>,
    #[serde(rename = "Cdtr")]
    cdtr: Option<Party>,
}

/// v02: `<Dbtr><Nm>`; v08: `<Dbtr><Pty><Nm>`.
#[derive(Deserialize)]
struct Party {
    #[serde(rename = "Nm")]
    nm: Option<String>,
    #[serde(rename = "Pty")]
    pty: Option<Box<Party>>,
}

#[derive(Deserialize)]
struct RmtInf {
    #[serde(rename = "Ustrd", default)]
    ustrd: Vec<String>,
}

/// Every statement in a camt.053 file (one per account and period).
pub fn parse(bytes: &[u8]) -> Result<Vec<Statement>> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        Error::Input("This bank statement is not UTF-8 text, so it is not a camt.053 file.".into())
    })?;
    if !text.contains(NAMESPACE_PREFIX) {
        return Err(Error::Input(
            "This XML file is not a camt.053 bank statement (no ISO 20022 camt.053 namespace). Export the statement from the online bank as camt.053 (ISO 20022) or CSV.".into(),
        ));
    }
    let doc: Document = quick_xml::de::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        Error::Input(format!(
            "This camt.053 file could not be read ({e}). It may be cut off or damaged: download it again from the bank. Nothing was imported."
        ))
    })?;
    let stmts = doc
        .statement
        .ok_or_else(|| {
            Error::Input("This camt.053 file holds no BankToCustomerStatement. Nothing was imported.".into())
        })?
        .stmts;
    stmts.into_iter().map(statement).collect()
}

fn statement(s: Stmt) -> Result<Statement> {
    let account = s
        .acct
        .id
        .iban
        .or(s.acct.id.othr.map(|o| o.id))
        .map(|a| account::normalise(&a));
    let mut lines = Vec::with_capacity(s.entries.len());
    for e in s.entries {
        if let Some(line) = line(e)? {
            lines.push(line);
        }
    }
    Ok(Statement {
        account,
        currency: s.acct.ccy,
        lines,
    })
}

fn date(c: &Option<DateChoice>) -> Option<NaiveDate> {
    let c = c.as_ref()?;
    let raw = c.dt.as_deref().or(c.dt_tm.as_deref())?;
    NaiveDate::parse_from_str(raw.get(..10)?, "%Y-%m-%d").ok()
}

/// A booked entry as a line; pending and informational entries are left out.
fn line(e: Ntry) -> Result<Option<StatementLine>> {
    let status = e
        .sts
        .as_ref()
        .and_then(|s| s.cd.clone().or(s.text.clone()))
        .unwrap_or_default();
    if !status.trim().is_empty() && status.trim() != "BOOK" {
        return Ok(None);
    }
    let abs = parse_amount(e.amt.value.trim(), false).ok_or_else(|| {
        Error::Input(format!(
            "A camt.053 entry has an amount Avstem cannot read: {:?}. Nothing was imported.",
            e.amt.value
        ))
    })?;
    let credit = match e.cdt_dbt_ind.trim() {
        "CRDT" => true,
        "DBIT" => false,
        other => {
            return Err(Error::Input(format!(
                "A camt.053 entry is neither credit nor debit ({other:?}). Nothing was imported."
            )))
        }
    };
    let reversed = e.rvsl_ind.as_deref().map(str::trim) == Some("true");
    let amount = if credit != reversed { abs } else { -abs };
    let booking_date = date(&e.bookg_dt)
        .or(date(&e.val_dt))
        .ok_or_else(|| Error::Input("A camt.053 entry has no booking date. Nothing was imported.".into()))?;
    let mut texts: Vec<String> = Vec::new();
    let mut counterparty = None;
    for tx in e.details.iter().flat_map(|d| d.txs.iter()) {
        if let Some(r) = &tx.rmt_inf {
            texts.extend(r.ustrd.iter().map(|s| s.trim().to_string()));
        }
        if let Some(t) = &tx.addtl_tx_inf {
            texts.push(t.trim().to_string());
        }
        if counterparty.is_none() {
            // The other side: who paid a credit, who was paid by a debit.
            counterparty = tx
                .parties
                .as_ref()
                .and_then(|p| {
                    if amount >= 0 {
                        p.dbtr.as_ref()
                    } else {
                        p.cdtr.as_ref()
                    }
                })
                .and_then(party_name);
        }
    }
    if let Some(t) = &e.addtl_ntry_inf {
        texts.push(t.trim().to_string());
    }
    texts.retain(|t| !t.is_empty());
    texts.dedup();
    Ok(Some(StatementLine {
        booking_date,
        value_date: date(&e.val_dt),
        amount,
        currency: e.amt.ccy,
        text: texts.join(" "),
        counterparty,
        bank_reference: e.acct_svcr_ref.or(e.ntry_ref).filter(|r| !r.trim().is_empty()),
    }))
}

fn party_name(p: &Party) -> Option<String> {
    p.nm.clone().or_else(|| p.pty.as_deref().and_then(party_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/camt053/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("fixture")
    }

    // genkgo/camt's published v02 sample (test/data/camt053.v2.minimal.xml).
    #[test]
    fn the_libraries_published_v02_sample_reads_account_and_lines() {
        let stmts = parse(&fixture("camt053.v2.minimal.xml")).expect("parse");
        assert_eq!(stmts.len(), 1);
        let s = &stmts[0];
        assert_eq!(s.account.as_deref(), Some("NL26VAYB8060476890"));
        assert_eq!(s.currency.as_deref(), Some("EUR"));
        assert_eq!(s.lines.len(), 1);
        let l = &s.lines[0];
        assert_eq!((l.amount, l.currency.as_str()), (885, "EUR"));
        assert_eq!(l.booking_date.to_string(), "2014-12-31");
        assert_eq!(l.value_date.map(|d| d.to_string()).as_deref(), Some("2015-01-02"));
        assert_eq!(l.counterparty.as_deref(), Some("NAME NAME"));
    }

    #[test]
    fn the_libraries_published_v08_sample_reads_account_and_lines() {
        let stmts = parse(&fixture("camt053.v8.xml")).expect("parse");
        assert_eq!(stmts[0].account.as_deref(), Some("NL26VAYB8060476890"));
        assert_eq!(stmts[0].lines.len(), 1);
        let l = &stmts[0].lines[0];
        assert_eq!(l.amount, 885);
        assert_eq!(l.booking_date.to_string(), "2014-12-31", "read from BookgDt/DtTm");
        assert_eq!(
            l.counterparty.as_deref(),
            Some("NAME NAME"),
            "v08 nests the name in Pty"
        );
        assert_eq!(l.bank_reference.as_deref(), Some("AAAASESS-FP-CN_98765/01"));
    }

    #[test]
    fn xml_that_is_not_camt053_is_refused_with_a_sentence() {
        let e = parse(b"<?xml version=\"1.0\"?><Invoice><Id>1</Id></Invoice>").expect_err("not camt");
        assert!(e.to_string().contains("not a camt.053 bank statement"), "{e}");
        let full = fixture("camt053.v8.xml");
        let cut = &full[..full.len() / 2];
        let e = parse(cut).expect_err("truncated");
        assert!(e.to_string().contains("cut off or damaged"), "{e}");
    }
}
