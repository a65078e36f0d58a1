//! ISO 20022 camt.053 BankToCustomerStatement, versions 001.02 to 001.08 (the element names Avstem
//! reads are the same in all of them), read with quick-xml's pull reader: one pass over the
//! events, keeping only the elements below, without building the rest of the document (a year of
//! statements for 200 ledgers is 2,400 files). Schemas:
//! `tests/fixtures/camt053/camt.053.001.0{2,8}.xsd` (from genkgo/camt@c99e4fe, see NOTICE.md).

use super::{account, parse_amount, Statement, StatementLine};
use crate::{Error, Result};
use chrono::NaiveDate;
use quick_xml::events::Event;

const NAMESPACE_PREFIX: &str = "urn:iso:std:iso:20022:tech:xsd:camt.053.";

#[derive(Default)]
struct Document {
    statement: Option<BkToCstmrStmt>,
}

#[derive(Default)]
struct BkToCstmrStmt {
    stmts: Vec<Stmt>,
}

#[derive(Default)]
struct Stmt {
    acct: Option<Acct>,
    entries: Vec<Ntry>,
}

#[derive(Default)]
struct Acct {
    id: AcctId,
    ccy: Option<String>,
}

#[derive(Default)]
struct AcctId {
    iban: Option<String>,
    othr: Option<IdOnly>,
}

#[derive(Default)]
struct IdOnly {
    id: String,
}

#[derive(Default)]
struct Amt {
    ccy: String,
    value: String,
}

/// v02: `<Sts>BOOK</Sts>`; v08: `<Sts><Cd>BOOK</Cd></Sts>`.
#[derive(Default)]
struct Sts {
    text: Option<String>,
    cd: Option<String>,
}

#[derive(Default)]
struct DateChoice {
    dt: Option<String>,
    dt_tm: Option<String>,
}

#[derive(Default)]
struct Ntry {
    ntry_ref: Option<String>,
    amt: Option<Amt>,
    cdt_dbt_ind: Option<String>,
    rvsl_ind: Option<String>,
    sts: Option<Sts>,
    bookg_dt: Option<DateChoice>,
    val_dt: Option<DateChoice>,
    acct_svcr_ref: Option<String>,
    details: Vec<NtryDtls>,
    addtl_ntry_inf: Option<String>,
}

#[derive(Default)]
struct NtryDtls {
    txs: Vec<TxDtls>,
}

#[derive(Default)]
struct TxDtls {
    parties: Option<RltdPties>,
    rmt_inf: Option<RmtInf>,
    addtl_tx_inf: Option<String>,
}

#[derive(Default)]
struct RltdPties {
    dbtr: Option<Party>,
    cdtr: Option<Party>,
}

/// v02: `<Dbtr><Nm>`; v08: `<Dbtr><Pty><Nm>`.
#[derive(Default)]
struct Party {
    nm: Option<String>,
    pty: Option<Box<Party>>,
}

#[derive(Default)]
struct RmtInf {
    ustrd: Vec<String>,
}

/// Every statement in a camt.053 file (one per account and period).
pub fn parse(bytes: &[u8]) -> Result<Vec<Statement>> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        Error::Input("This bank statement is not UTF-8 text, so it is not a camt.053 file.".into())
    })?;
    // The namespace is on the root element, at the top of the file (after the declaration).
    let head = &text[..text.floor_char_boundary(64 * 1024)];
    if !head.contains(NAMESPACE_PREFIX) {
        return Err(Error::Input(
            "This XML file is not a camt.053 bank statement (no ISO 20022 camt.053 namespace). Export the statement from the online bank as camt.053 (ISO 20022) or CSV.".into(),
        ));
    }
    let doc = read_document(text.trim_start_matches('\u{feff}')).map_err(|e| {
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

/// The elements Avstem reads; any other is [`El::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum El {
    BkToCstmrStmt,
    Stmt,
    Acct,
    Id,
    Iban,
    Othr,
    Ccy,
    Ntry,
    NtryRef,
    Amt,
    CdtDbtInd,
    RvslInd,
    Sts,
    Cd,
    BookgDt,
    ValDt,
    Dt,
    DtTm,
    AcctSvcrRef,
    NtryDtls,
    TxDtls,
    RltdPties,
    Dbtr,
    Cdtr,
    Pty,
    Nm,
    RmtInf,
    Ustrd,
    AddtlTxInf,
    AddtlNtryInf,
    Other,
}

impl El {
    fn of(local: &[u8]) -> El {
        match local {
            b"BkToCstmrStmt" => El::BkToCstmrStmt,
            b"Stmt" => El::Stmt,
            b"Acct" => El::Acct,
            b"Id" => El::Id,
            b"IBAN" => El::Iban,
            b"Othr" => El::Othr,
            b"Ccy" => El::Ccy,
            b"Ntry" => El::Ntry,
            b"NtryRef" => El::NtryRef,
            b"Amt" => El::Amt,
            b"CdtDbtInd" => El::CdtDbtInd,
            b"RvslInd" => El::RvslInd,
            b"Sts" => El::Sts,
            b"Cd" => El::Cd,
            b"BookgDt" => El::BookgDt,
            b"ValDt" => El::ValDt,
            b"Dt" => El::Dt,
            b"DtTm" => El::DtTm,
            b"AcctSvcrRef" => El::AcctSvcrRef,
            b"NtryDtls" => El::NtryDtls,
            b"TxDtls" => El::TxDtls,
            b"RltdPties" => El::RltdPties,
            b"Dbtr" => El::Dbtr,
            b"Cdtr" => El::Cdtr,
            b"Pty" => El::Pty,
            b"Nm" => El::Nm,
            b"RmtInf" => El::RmtInf,
            b"Ustrd" => El::Ustrd,
            b"AddtlTxInf" => El::AddtlTxInf,
            b"AddtlNtryInf" => El::AddtlNtryInf,
            _ => El::Other,
        }
    }
}

/// What is being read: the open statement, entry and transaction details.
#[derive(Default)]
struct Reading {
    doc: Document,
    stmt: Option<Stmt>,
    ntry: Option<Ntry>,
    tx: Option<TxDtls>,
    /// The `Ccy` attribute of the entry's `Amt`, read at its start.
    amt_ccy: Option<String>,
}

/// One pass over the events: each element's text is collected between its start and end, then
/// put where its place in the document (the open elements, innermost last) says.
fn read_document(text: &str) -> std::result::Result<Document, String> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut open: Vec<El> = Vec::with_capacity(16);
    let mut r = Reading::default();
    let mut buf = String::new();
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("at byte {}: {e}", reader.buffer_position()))?
        {
            Event::Start(e) => {
                let el = El::of(e.local_name().as_ref().as_bytes());
                buf.clear();
                if el == El::Amt && open.last() == Some(&El::Ntry) {
                    r.amt_ccy = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == "Ccy")
                        .and_then(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .ok()
                                .map(|v| v.into_owned())
                        });
                }
                open.push(el);
                start(&mut r, &open);
            }
            Event::Empty(e) => {
                open.push(El::of(e.local_name().as_ref().as_bytes()));
                buf.clear();
                start(&mut r, &open);
                end(&mut r, &open, "")?;
                open.pop();
            }
            // Text comes without its entity references, which come as GeneralRef.
            Event::Text(t) => buf.push_str(&t.xml10_content()),
            Event::CData(t) => buf.push_str(&t.xml10_content()),
            Event::GeneralRef(g) => match g.resolve_char_ref().map_err(|e| e.to_string())? {
                Some(c) => buf.push(c),
                None => {
                    let name = g.xml10_content();
                    let v = quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| format!("the entity &{name}; is not defined"))?;
                    buf.push_str(v);
                }
            },
            Event::End(_) => {
                end(&mut r, &open, &buf)?;
                buf.clear();
                open.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !open.is_empty() {
        return Err("the file ends before its last element is closed".into());
    }
    Ok(r.doc)
}

/// An element opens: a statement, entry or transaction details begins.
fn start(r: &mut Reading, open: &[El]) {
    match open {
        [.., El::BkToCstmrStmt] if open.len() == 2 => {
            r.doc.statement.get_or_insert_with(BkToCstmrStmt::default);
        }
        [.., El::BkToCstmrStmt, El::Stmt] => r.stmt = Some(Stmt::default()),
        [.., El::Stmt, El::Ntry] => r.ntry = Some(Ntry::default()),
        [.., El::Ntry, El::NtryDtls] => {
            if let Some(n) = r.ntry.as_mut() {
                n.details.push(NtryDtls::default());
            }
        }
        [.., El::NtryDtls, El::TxDtls] => r.tx = Some(TxDtls::default()),
        _ => {}
    }
}

/// An element closes with its text: put it in place.
fn end(r: &mut Reading, open: &[El], text: &str) -> std::result::Result<(), String> {
    let some = || Some(text.to_string());
    match open {
        // The account of the statement.
        [.., El::Stmt, El::Acct, El::Id, El::Iban] => acct(r).id.iban = some(),
        [.., El::Stmt, El::Acct, El::Id, El::Othr, El::Id] => {
            acct(r).id.othr = Some(IdOnly { id: text.to_string() })
        }
        [.., El::Stmt, El::Acct, El::Ccy] => acct(r).ccy = some(),
        [.., El::Stmt, El::Acct] => {
            acct(r);
        }
        // A transaction's details.
        // v02: RltdPties/Dbtr/Nm; v08: RltdPties/Dbtr/Pty/Nm.
        [.., El::TxDtls, El::RltdPties, party @ (El::Dbtr | El::Cdtr), El::Nm] => {
            if let Some(p) = party_of(r, *party) {
                p.nm = some();
            }
        }
        [.., El::TxDtls, El::RltdPties, party @ (El::Dbtr | El::Cdtr), El::Pty, El::Nm] => {
            if let Some(p) = party_of(r, *party) {
                p.pty.get_or_insert_with(Box::default).nm = some();
            }
        }
        [.., El::TxDtls, El::RmtInf, El::Ustrd] => {
            if let Some(tx) = r.tx.as_mut() {
                tx.rmt_inf
                    .get_or_insert_with(RmtInf::default)
                    .ustrd
                    .push(text.to_string());
            }
        }
        [.., El::TxDtls, El::AddtlTxInf] => {
            if let Some(tx) = r.tx.as_mut() {
                tx.addtl_tx_inf = some();
            }
        }
        [.., El::NtryDtls, El::TxDtls] => {
            if let (Some(tx), Some(n)) = (r.tx.take(), r.ntry.as_mut()) {
                if let Some(d) = n.details.last_mut() {
                    d.txs.push(tx);
                }
            }
        }
        // The entry.
        [.., El::Ntry, el] if r.ntry.is_some() => {
            let n = r.ntry.as_mut().ok_or("an entry ended twice")?;
            match el {
                El::NtryRef => n.ntry_ref = some(),
                El::Amt => {
                    let ccy = r.amt_ccy.take().ok_or("an entry's Amt has no Ccy")?;
                    n.amt = Some(Amt {
                        ccy,
                        value: text.to_string(),
                    });
                }
                El::CdtDbtInd => n.cdt_dbt_ind = some(),
                El::RvslInd => n.rvsl_ind = some(),
                El::Sts => {
                    let sts = n.sts.get_or_insert_with(Sts::default);
                    if !text.trim().is_empty() {
                        sts.text = some();
                    }
                }
                El::AcctSvcrRef => n.acct_svcr_ref = some(),
                El::AddtlNtryInf => n.addtl_ntry_inf = some(),
                _ => {}
            }
        }
        [.., El::Ntry, El::Sts, El::Cd] => {
            if let Some(n) = r.ntry.as_mut() {
                n.sts.get_or_insert_with(Sts::default).cd = some();
            }
        }
        [.., El::Ntry, which @ (El::BookgDt | El::ValDt), dt @ (El::Dt | El::DtTm)] => {
            if let Some(n) = r.ntry.as_mut() {
                let c = if *which == El::BookgDt {
                    &mut n.bookg_dt
                } else {
                    &mut n.val_dt
                };
                let c = c.get_or_insert_with(DateChoice::default);
                if *dt == El::Dt {
                    c.dt = some();
                } else {
                    c.dt_tm = some();
                }
            }
        }
        [.., El::Stmt, El::Ntry] => {
            let n = r.ntry.take().ok_or("an entry ended twice")?;
            if n.amt.is_none() || n.cdt_dbt_ind.is_none() {
                return Err("an entry lacks its Amt or CdtDbtInd".into());
            }
            r.stmt
                .as_mut()
                .ok_or("an entry outside a statement")?
                .entries
                .push(n);
        }
        [.., El::BkToCstmrStmt, El::Stmt] => {
            let s = r.stmt.take().ok_or("a statement ended twice")?;
            if s.acct.is_none() {
                return Err("a statement lacks its Acct".into());
            }
            if let Some(b) = r.doc.statement.as_mut() {
                b.stmts.push(s);
            }
        }
        _ => {}
    }
    Ok(())
}

/// The open transaction's debtor or creditor, made when first needed.
fn party_of(r: &mut Reading, which: El) -> Option<&mut Party> {
    let p = r.tx.as_mut()?.parties.get_or_insert_with(RltdPties::default);
    let slot = if which == El::Dbtr {
        &mut p.dbtr
    } else {
        &mut p.cdtr
    };
    Some(slot.get_or_insert_with(Party::default))
}

/// The open statement's account, made when first needed.
fn acct(r: &mut Reading) -> &mut Acct {
    r.stmt
        .get_or_insert_with(Stmt::default)
        .acct
        .get_or_insert_with(Acct::default)
}

fn statement(s: Stmt) -> Result<Statement> {
    // Read only with an account (read_document refuses a statement without one).
    let acct = s.acct.unwrap_or_default();
    let account = acct
        .id
        .iban
        .or(acct.id.othr.map(|o| o.id))
        .map(|a| account::normalise(&a));
    let mut lines = Vec::with_capacity(s.entries.len());
    for e in s.entries {
        if let Some(line) = line(e)? {
            lines.push(line);
        }
    }
    Ok(Statement {
        account,
        currency: acct.ccy,
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
    // Both are there: read_document refuses an entry without them.
    let amt = e.amt.unwrap_or_default();
    let abs = parse_amount(amt.value.trim(), false).ok_or_else(|| {
        Error::Input(format!(
            "A camt.053 entry has an amount Avstem cannot read: {:?}. Nothing was imported.",
            amt.value
        ))
    })?;
    let credit = match e.cdt_dbt_ind.as_deref().unwrap_or_default().trim() {
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
        currency: amt.ccy,
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

    fn one_entry(entry: &str) -> String {
        format!(
            "<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\"><BkToCstmrStmt>\
             <Stmt><Acct><Id><IBAN>NO9386011117947</IBAN></Id><Ccy>NOK</Ccy></Acct>{entry}</Stmt></BkToCstmrStmt></Document>"
        )
    }

    #[test]
    fn texts_keep_their_entities_and_a_debit_names_its_creditor() {
        let xml = one_entry(
            "<Ntry><Amt Ccy=\"NOK\">1250.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>\
             <BookgDt><Dt>2026-10-05</Dt></BookgDt><NtryDtls><TxDtls><RltdPties><Cdtr><Pty><Nm>Bl&#229;b&#xE6;r &amp; Co</Nm></Pty></Cdtr></RltdPties>\
             <RmtInf><Ustrd>Husleie &lt;oktober&gt;</Ustrd><Ustrd>Faktura 17</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>",
        );
        let s = parse(xml.as_bytes()).expect("parse");
        let l = &s[0].lines[0];
        assert_eq!((l.amount, l.currency.as_str()), (-125_050, "NOK"));
        assert_eq!(l.text, "Husleie <oktober> Faktura 17");
        assert_eq!(l.counterparty.as_deref(), Some("Blåbær & Co"));
        assert_eq!(s[0].account.as_deref(), Some("NO9386011117947"));
    }

    #[test]
    fn an_entry_without_its_direction_or_a_statement_without_its_account_is_refused() {
        let xml =
            one_entry("<Ntry><Amt Ccy=\"NOK\">10.00</Amt><BookgDt><Dt>2026-10-05</Dt></BookgDt></Ntry>");
        let e = parse(xml.as_bytes()).expect_err("no CdtDbtInd");
        assert!(
            e.to_string().contains("an entry lacks its Amt or CdtDbtInd"),
            "{e}"
        );
        let xml = one_entry("").replace(
            "<Acct><Id><IBAN>NO9386011117947</IBAN></Id><Ccy>NOK</Ccy></Acct>",
            "",
        );
        let e = parse(xml.as_bytes()).expect_err("no Acct");
        assert!(e.to_string().contains("a statement lacks its Acct"), "{e}");
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
