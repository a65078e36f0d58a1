//! The settlement report as a table, from CSV or XLSX, in either of the portal's two layouts
//! (vippsas/vipps-developers@2f9248f, `downloads/settlements/`, described in `settlements/README.md`):
//! - sections (`csv/settlement-report.csv`): rows led by `SettlementInfo`, `FeeInfo` or
//!   `TransactionInfo`, each section's first such row its header;
//! - the portal's sheet (`xlsx/vipps-settlement-example.xlsx`, `csv/Vipps-oppgjørsrapport-….xlsx`):
//!   a header row Salgsdato, Salgssted, Vippsnummer, Produkt, Transaksjons-ID, Ordre-ID, Brutto, Gebyr,
//!   Netto, Transaksjonstype, Oppgjørs-ID, Oppgjørsdato, Oppgjørssum, Oppgjørskonto, then each
//!   settlement's transactions closed by a "Til utbetaling netto" (or "brutto") row with its sum.
//!
//! A CSV's encoding (UTF-8 or Windows-1252), delimiter (`,` `;` tab) and decimal mark are detected.

use super::{add, damaged, not_a_report, parse_amount, parse_date, FeeInvoice, PortalSettlement};
use super::{PortalTransaction, ReportFormat, SalesUnitRef, SettlementReport};
use crate::model::Minor;
use crate::{Error, Result};
use std::collections::BTreeMap;

type Row = Vec<String>;

/// Decode a CSV: UTF-8 (a byte-order mark is dropped), else Windows-1252, which older Nordic
/// exports use.
fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.trim_start_matches('\u{feff}').to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

/// The delimiter that splits the most header-like lines into the most fields.
fn delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(20).collect();
    [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|d| {
            lines
                .iter()
                .map(|l| l.bytes().filter(|b| b == d).count())
                .sum::<usize>()
        })
        .unwrap_or(b',')
}

/// Read a CSV settlement report.
pub fn parse_csv(name: &str, bytes: &[u8]) -> Result<SettlementReport> {
    if bytes.contains(&0) {
        return Err(not_a_report(name, "it is not a text file"));
    }
    let text = decode(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter(&text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Row> = Vec::new();
    for (i, r) in rdr.records().enumerate() {
        let r = r.map_err(|e| damaged(name, &format!("line {} cannot be read as CSV ({e})", i + 1)))?;
        rows.push(r.iter().map(|f| f.trim().to_string()).collect());
    }
    parse_rows(name, ReportFormat::Csv, rows)
}

/// Read an XLSX settlement report: the first sheet that holds one.
pub fn parse_xlsx(name: &str, bytes: &[u8]) -> Result<SettlementReport> {
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|e| damaged(name, &format!("it is not a readable XLSX workbook ({e})")))?;
    let sheets = book.sheet_names().to_vec();
    let mut first_error = None;
    for sheet in sheets {
        let range = book
            .worksheet_range(&sheet)
            .map_err(|e| damaged(name, &format!("sheet \"{sheet}\" cannot be read ({e})")))?;
        let rows: Vec<Row> = range.rows().map(|r| r.iter().map(cell_text).collect()).collect();
        match parse_rows(name, ReportFormat::Xlsx, rows) {
            Ok(r) => return Ok(r),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| not_a_report(name, "the workbook has no sheets")))
}

/// A cell as the text a CSV would hold: numbers with at most two decimals, whole numbers (ids)
/// without any, dates as `YYYY-MM-DD`.
fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => {
            let cents = (f * 100.0).round();
            if f.is_finite() && (f * 100.0 - cents).abs() < 1e-6 && cents.abs() < 9e15 {
                crate::model::format_minor(cents as i64)
            } else {
                f.to_string()
            }
        }
        Data::DateTime(d) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            chrono::NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(day))
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_default()
        }
        Data::Bool(b) => b.to_string(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

fn parse_rows(name: &str, format: ReportFormat, rows: Vec<Row>) -> Result<SettlementReport> {
    let rows: Vec<Row> = rows
        .into_iter()
        .filter(|r| r.iter().any(|f| !f.is_empty()))
        .collect();
    let lead = |r: &Row| r.first().map(|f| f.to_ascii_lowercase()).unwrap_or_default();
    if rows.iter().any(|r| lead(r) == "settlementinfo") {
        return sections(name, format, &rows);
    }
    if let Some(h) = rows.iter().position(|r| sheet_columns(r).is_some()) {
        return sheet(name, format, &rows, h);
    }
    if let Some(h) = rows.iter().position(|r| super::ledger_rows::columns(r).is_some()) {
        return super::ledger_rows::parse(name, format, &rows, h);
    }
    Err(not_a_report(
        name,
        "it has neither SettlementInfo rows, nor the portal's columns Salgsdato … Oppgjørs-ID, nor Booking date … PSP reference",
    ))
}

fn norm(s: &str) -> String {
    s.trim().to_lowercase().replace([' ', '_', '-'], "")
}

/// Column positions of a header row, by normalised name.
fn columns(header: &Row) -> BTreeMap<String, usize> {
    header.iter().enumerate().map(|(i, h)| (norm(h), i)).collect()
}

fn cell<'r>(row: &'r Row, cols: &BTreeMap<String, usize>, names: &[&str]) -> &'r str {
    names
        .iter()
        .find_map(|n| cols.get(*n))
        .and_then(|&i| row.get(i))
        .map(String::as_str)
        .unwrap_or("")
}

fn amount(name: &str, line: usize, what: &str, raw: &str) -> Result<Minor> {
    if raw.trim().is_empty() {
        return Ok(0);
    }
    parse_amount(raw).ok_or_else(|| damaged(name, &format!("row {line}: {what} \"{raw}\" is not an amount")))
}

/// A comma-delimited row whose amount was written with a decimal comma has one field too many per
/// such amount (`…,16450,62,7`): join them back where an integer is followed by one or two digits.
fn rejoin(row: &Row, header_len: usize, amount_cols: &[usize]) -> Row {
    let mut row = row.clone();
    for &i in amount_cols {
        if row.len() <= header_len {
            break;
        }
        let joinable = row.get(i).is_some_and(|a| {
            let a = a.strip_prefix('-').unwrap_or(a);
            !a.is_empty() && a.chars().all(|c| c.is_ascii_digit())
        }) && row
            .get(i + 1)
            .is_some_and(|b| (1..=2).contains(&b.len()) && b.chars().all(|c| c.is_ascii_digit()));
        if joinable {
            let frac = row.remove(i + 1);
            row[i] = format!("{},{frac}", row[i]);
        }
    }
    row
}

/// What a settlement row of the sections layout states.
struct Stated {
    settlement: PortalSettlement,
    gross: Minor,
    fee: Minor,
    refund: Minor,
    count: Option<usize>,
}

fn sections(name: &str, format: ReportFormat, rows: &[Row]) -> Result<SettlementReport> {
    let mut headers: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut header_lens: BTreeMap<String, usize> = BTreeMap::new();
    let mut report = SettlementReport {
        format,
        organization_number: None,
        organization_name: None,
        period: None,
        settlements: Vec::new(),
        fee_invoices: Vec::new(),
        ledger_rows: None,
    };
    let mut stated: Vec<Stated> = Vec::new();
    let mut transactions: Vec<(String, PortalTransaction)> = Vec::new();
    let mut after_org_header = false;
    for (i, raw) in rows.iter().enumerate() {
        let line = i + 1;
        let section = raw[0].to_ascii_lowercase();
        if after_org_header {
            report.organization_number = raw.first().cloned().filter(|s| !s.is_empty());
            report.organization_name = raw.get(1).cloned().filter(|s| !s.is_empty());
            after_org_header = false;
            continue;
        }
        if norm(&raw[0]) == "organizationnumber" {
            after_org_header = true;
            continue;
        }
        if !matches!(section.as_str(), "settlementinfo" | "feeinfo" | "transactioninfo") {
            continue;
        }
        let Some(cols) = headers.get(&section) else {
            headers.insert(section.clone(), columns(raw));
            header_lens.insert(section, raw.len());
            continue;
        };
        let len = header_lens.get(&section).copied().unwrap_or(raw.len());
        let amount_cols: Vec<usize> = ["gross", "fee", "refund", "net"]
            .iter()
            .filter_map(|n| cols.get(*n).copied())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let row = rejoin(raw, len, &amount_cols);
        if row.len() > len {
            return Err(damaged(
                name,
                &format!("row {line} has {} fields where its header has {len}", row.len()),
            ));
        }
        match section.as_str() {
            "settlementinfo" => stated.push(settlement_row(name, line, &row, cols)?),
            "feeinfo" => report.fee_invoices.push(fee_row(name, line, &row, cols)?),
            _ => transactions.push(transaction_row(name, line, &row, cols)?),
        }
    }
    if stated.is_empty() {
        return Err(damaged(name, "it has a SettlementInfo header but no settlement"));
    }
    for (settlement_id, t) in transactions {
        let only_one = stated.len() == 1;
        let target = stated
            .iter_mut()
            .position(|s| s.settlement.number.to_string() == settlement_id)
            .or(if only_one { Some(0) } else { None })
            .ok_or_else(|| {
                damaged(
                    name,
                    &format!(
                        "transaction {} belongs to settlement {settlement_id}, which the file does not hold",
                        t.id
                    ),
                )
            })?;
        stated[target].settlement.transactions.push(t);
    }
    for mut s in stated {
        s.settlement.gross = check_sections_totals(name, &s)?;
        report.settlements.push(s.settlement);
    }
    Ok(report)
}

fn settlement_row(name: &str, line: usize, row: &Row, cols: &BTreeMap<String, usize>) -> Result<Stated> {
    let id = cell(row, cols, &["settlementid"]);
    let number = id.parse().map_err(|_| {
        damaged(
            name,
            &format!("row {line}: SettlementID \"{id}\" is not a number"),
        )
    })?;
    let date = parse_date(cell(row, cols, &["settlementdate"]))
        .ok_or_else(|| damaged(name, &format!("row {line}: settlement {id} has no readable date")))?;
    let count = cell(row, cols, &["numberoftransactions"]);
    Ok(Stated {
        settlement: PortalSettlement {
            sales_unit: SalesUnitRef {
                number: cell(row, cols, &["saleunitnumber", "salesunitnumber"]).to_string(),
                name: cell(row, cols, &["salesunitname", "saleunitname"]).to_string(),
            },
            number,
            date,
            account: Some(cell(row, cols, &["settlementaccount"]).to_string()).filter(|a| !a.is_empty()),
            currency: Some(cell(row, cols, &["currency"]).to_string())
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| "NOK".into()),
            gross: false,
            amount: amount(name, line, "Net", cell(row, cols, &["net"]))?,
            transactions: Vec::new(),
        },
        gross: amount(name, line, "Gross", cell(row, cols, &["gross"]))?,
        fee: amount(name, line, "Fee", cell(row, cols, &["fee"]))?.abs(),
        refund: amount(name, line, "Refund", cell(row, cols, &["refund"]))?,
        count: if count.is_empty() {
            None
        } else {
            Some(count.parse().map_err(|_| {
                damaged(
                    name,
                    &format!("row {line}: NumberOfTransactions \"{count}\" is not a number"),
                )
            })?)
        },
    })
}

fn fee_row(name: &str, line: usize, row: &Row, cols: &BTreeMap<String, usize>) -> Result<FeeInvoice> {
    let date = parse_date(cell(row, cols, &["settlementdate", "feedate"]))
        .ok_or_else(|| damaged(name, &format!("row {line}: a fee has no readable date")))?;
    let unit = cell(row, cols, &["saleunitnumber", "salesunitnumber"]).to_string();
    Ok(FeeInvoice {
        id: format!("{unit}-{}", date.format("%Y%m%d")),
        date,
        amount: amount(name, line, "Fee", cell(row, cols, &["fee"]))?.abs(),
        account: Some(cell(row, cols, &["feeaccount"]).to_string()).filter(|a| !a.is_empty()),
        sales_unit: Some(unit).filter(|u| !u.is_empty()),
    })
}

fn transaction_row(
    name: &str,
    line: usize,
    row: &Row,
    cols: &BTreeMap<String, usize>,
) -> Result<(String, PortalTransaction)> {
    let id = cell(row, cols, &["transactionid"]).to_string();
    if id.is_empty() {
        return Err(damaged(
            name,
            &format!("row {line}: a transaction has no TransactionId"),
        ));
    }
    let date = parse_date(cell(row, cols, &["salesdate"])).ok_or_else(|| {
        damaged(
            name,
            &format!("row {line}: transaction {id} has no readable SalesDate"),
        )
    })?;
    let gross = amount(name, line, "Gross", cell(row, cols, &["gross"]))?;
    let refund = amount(name, line, "Refund", cell(row, cols, &["refund"]))?;
    let (capture, refund) = if gross < 0 {
        (0, add(refund, gross, name)?)
    } else {
        (gross, refund)
    };
    if refund > 0 {
        return Err(damaged(
            name,
            &format!("row {line}: transaction {id} has a refund above zero"),
        ));
    }
    let settlement = cell(row, cols, &["settlementid"]).to_string();
    Ok((
        settlement,
        PortalTransaction {
            id,
            order_id: cell(row, cols, &["orderid"]).to_string(),
            time: None,
            date,
            sales_unit: Some(cell(row, cols, &["saleunitnumber", "salesunitnumber"]).to_string())
                .filter(|u| !u.is_empty()),
            capture,
            refund,
            fee: amount(name, line, "Fee", cell(row, cols, &["fee"]))?.abs(),
        },
    ))
}

/// The sections layout's settlement row states Gross, Fee, Refund, Net and the count: each must
/// be what its transactions add up to. The layout names no settlement type: a Net that leaves the
/// fees in (Gross + Refund, with fees charged) is a gross settlement. Returns whether it is gross.
fn check_sections_totals(name: &str, s: &Stated) -> Result<bool> {
    let p = &s.settlement;
    let txs = &p.transactions;
    let sum = |f: fn(&PortalTransaction) -> Minor| -> Result<Minor> {
        txs.iter().try_fold(0, |acc, t| add(acc, f(t), name))
    };
    let (capture, fee, refund) = (sum(|t| t.capture)?, sum(|t| t.fee)?, sum(|t| t.refund)?);
    let net = capture
        .checked_sub(fee)
        .ok_or_else(|| damaged(name, "its amounts do not fit"))?;
    let id = p.number;
    let fmt = crate::model::format_minor;
    if let Some(n) = s.count {
        if n != txs.len() {
            return Err(damaged(
                name,
                &format!(
                    "settlement {id} states {n} transaction(s) but the file holds {}",
                    txs.len()
                ),
            ));
        }
    }
    for (what, stated, found) in [
        ("Gross", s.gross, capture),
        ("Fee", s.fee, fee),
        ("Refund", s.refund, refund),
    ] {
        if stated != found {
            return Err(damaged(
                name,
                &format!(
                    "settlement {id} states {what} {} but its transactions add up to {}",
                    fmt(stated),
                    fmt(found)
                ),
            ));
        }
    }
    // The provider's sample leaves refunds out of Net; a payout of net sales less fees is read too.
    let with_refunds = net.checked_add(refund).unwrap_or(net);
    let gross = capture.checked_add(refund).unwrap_or(capture);
    if p.amount == with_refunds || p.amount == net {
        Ok(false)
    } else if p.amount == gross && fee != 0 {
        Ok(true)
    } else {
        Err(damaged(
            name,
            &format!(
                "settlement {id} states Net {} but its transactions add up to {}",
                fmt(p.amount),
                fmt(with_refunds)
            ),
        ))
    }
}

/// The sheet's columns, when `row` is its header (Norwegian, or the same names in English).
fn sheet_columns(row: &Row) -> Option<BTreeMap<String, usize>> {
    let cols = columns(row);
    let has = |names: &[&str]| names.iter().any(|n| cols.contains_key(*n));
    (has(&["salgsdato", "salesdate"]) && has(&["oppgjørsid", "settlementid"]) && has(&["brutto", "gross"]))
        .then_some(cols)
}

/// One settlement of the sheet while its rows are read.
#[derive(Default)]
struct Open {
    transactions: Vec<PortalTransaction>,
    net: Minor,
    gross: Minor,
    /// Salgssted of the first transaction: a sum row may leave it empty.
    unit_name: String,
}

fn sheet(name: &str, format: ReportFormat, rows: &[Row], header: usize) -> Result<SettlementReport> {
    let cols = sheet_columns(&rows[header]).unwrap_or_default();
    let mut report = SettlementReport {
        format,
        organization_number: None,
        organization_name: None,
        period: None,
        settlements: Vec::new(),
        fee_invoices: Vec::new(),
        ledger_rows: None,
    };
    let (mut from, mut to) = (None, None);
    for r in &rows[..header] {
        let value = r.iter().skip(1).find(|f| !f.is_empty()).cloned();
        match norm(&r[0]).as_str() {
            "organisasjonsnummer" | "organizationnumber" => report.organization_number = value,
            "bedriften" | "company" => report.organization_name = value,
            "fradato" | "fromdate" => from = value.as_deref().and_then(parse_date),
            "tildato" | "todate" => to = value.as_deref().and_then(parse_date),
            _ => {}
        }
    }
    report.period = from.zip(to);
    let mut open: BTreeMap<String, Open> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate().skip(header + 1) {
        let line = i + 1;
        let c = |names: &[&str]| cell(row, &cols, names).to_string();
        let settlement_id = c(&["oppgjørsid", "settlementid"]);
        let lead = norm(&row[0]);
        if lead.starts_with("tilutbetaling") || lead.starts_with("topayout") {
            let o = open.remove(&settlement_id).unwrap_or_default();
            report.settlements.push(sheet_settlement(
                name,
                line,
                row,
                &cols,
                o,
                lead.contains("brutto") || lead.contains("gross"),
            )?);
            continue;
        }
        let Some(date) = parse_date(&c(&["salgsdato", "salesdate"])) else {
            return Err(damaged(
                name,
                &format!("row {line} is neither a transaction nor a \"Til utbetaling\" row"),
            ));
        };
        let id = c(&["transaksjonsid", "transactionid"]);
        let gross = amount(name, line, "Brutto", &c(&["brutto", "gross"]))?;
        let fee = amount(name, line, "Gebyr", &c(&["gebyr", "fee"]))?.abs();
        let net = c(&["netto", "net"]);
        let net = if net.is_empty() {
            gross - fee
        } else {
            amount(name, line, "Netto", &net)?
        };
        if gross.checked_sub(fee) != Some(net) {
            return Err(damaged(
                name,
                &format!("row {line}: transaction {id}'s Netto is not Brutto less Gebyr"),
            ));
        }
        let kind = c(&["transaksjonstype", "transactiontype"]).to_lowercase();
        let is_refund = gross < 0 || ["refus", "retur", "refund"].iter().any(|w| kind.contains(w));
        let o = open.entry(settlement_id).or_default();
        if o.unit_name.is_empty() {
            o.unit_name = c(&["salgssted", "salesunit"]);
        }
        o.net = add(o.net, net, name)?;
        o.gross = add(o.gross, gross, name)?;
        o.transactions.push(PortalTransaction {
            id,
            order_id: c(&["ordreid", "orderid"]),
            time: None,
            date,
            sales_unit: Some(c(&["vippsnummer", "msn", "vippsnumber"])).filter(|u| !u.is_empty()),
            capture: if is_refund { 0 } else { gross },
            refund: if is_refund { -gross.abs() } else { 0 },
            fee,
        });
    }
    if let Some((id, o)) = open.into_iter().next() {
        return Err(damaged(
            name,
            &format!(
                "settlement {id} has {} transaction(s) but no \"Til utbetaling\" row with its sum",
                o.transactions.len()
            ),
        ));
    }
    if report.settlements.is_empty() {
        return Err(Error::Input(format!(
            "{name} is a settlement report with no settlements in it: there is nothing to import."
        )));
    }
    Ok(report)
}

fn sheet_settlement(
    name: &str,
    line: usize,
    row: &Row,
    cols: &BTreeMap<String, usize>,
    open: Open,
    gross: bool,
) -> Result<PortalSettlement> {
    let c = |names: &[&str]| cell(row, cols, names).to_string();
    let id = c(&["oppgjørsid", "settlementid"]);
    let number = id
        .parse()
        .map_err(|_| damaged(name, &format!("row {line}: Oppgjørs-ID \"{id}\" is not a number")))?;
    let date = parse_date(&c(&["oppgjørsdato", "settlementdate"])).ok_or_else(|| {
        damaged(
            name,
            &format!("row {line}: settlement {id} has no readable Oppgjørsdato"),
        )
    })?;
    let paid = amount(
        name,
        line,
        "Oppgjørssum",
        &c(&["oppgjørssum", "settlementamount"]),
    )?;
    let expected = if gross { open.gross } else { open.net };
    if paid != expected {
        return Err(damaged(
            name,
            &format!(
                "settlement {id} pays out {} but its transactions add up to {}",
                crate::model::format_minor(paid),
                crate::model::format_minor(expected)
            ),
        ));
    }
    let unit_number = c(&["vippsnummer", "msn", "vippsnumber"]);
    let unit_number = if unit_number.is_empty() {
        open.transactions
            .iter()
            .find_map(|t| t.sales_unit.clone())
            .unwrap_or_default()
    } else {
        unit_number
    };
    let unit_name = Some(c(&["salgssted", "salesunit"]))
        .filter(|n| !n.is_empty())
        .unwrap_or(open.unit_name);
    Ok(PortalSettlement {
        sales_unit: SalesUnitRef {
            number: unit_number,
            name: unit_name,
        },
        number,
        date,
        account: Some(c(&["oppgjørskonto", "settlementaccount"])).filter(|a| !a.is_empty()),
        currency: Some(c(&["valuta", "currency"]))
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "NOK".into()),
        gross,
        amount: paid,
        transactions: open.transactions,
    })
}

#[cfg(test)]
mod tests;
