//! CSV exports from online banks: the delimiter, decimal comma, date format and the date, amount
//! and text columns are guessed ([`detect`]); the guess is a [`CsvMapping`] the user confirms and
//! Avstem keeps per account. Read with the `csv` crate.

use super::{parse_amount, Statement, StatementLine};
use crate::{Error, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How to read one bank's CSV export (columns count from 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CsvMapping {
    #[ts(type = "string")]
    pub delimiter: char,
    pub has_header: bool,
    #[ts(type = "number")]
    pub date_column: usize,
    /// chrono format, e.g. `%d.%m.%Y`.
    pub date_format: String,
    /// One signed amount column, or separate money-in / money-out columns (DNB "Inn på konto").
    #[ts(type = "number | null")]
    pub amount_column: Option<usize>,
    #[ts(type = "number | null")]
    pub credit_column: Option<usize>,
    #[ts(type = "number | null")]
    pub debit_column: Option<usize>,
    #[ts(type = "number | null")]
    pub text_column: Option<usize>,
    pub decimal_comma: bool,
    pub currency: String,
}

const DATE_FORMATS: [&str; 6] = [
    "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%y", "%Y%m%d",
];

fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.trim_start_matches('\u{feff}').to_string(),
        // Older Nordic exports are Windows-1252/Latin-1: every byte is its own code point there.
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

fn has_word(header: &str, words: &[&str]) -> bool {
    let h = header.to_lowercase();
    words.iter().any(|w| h.contains(w))
}

fn rows(text: &str, delimiter: char, limit: usize) -> Vec<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter as u8)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    rdr.records()
        .take(limit)
        .filter_map(|r| r.ok())
        .map(|r| r.iter().map(|f| f.trim().to_string()).collect())
        .filter(|r: &Vec<String>| r.iter().any(|f| !f.is_empty()))
        .collect()
}

/// Guess how to read a CSV bank export, or say in a sentence why it cannot be read.
pub fn detect(bytes: &[u8]) -> Result<CsvMapping> {
    let text = decode(bytes);
    let delimiter = [';', '\t', ',', '|']
        .into_iter()
        .max_by_key(|d| {
            let sample = rows(&text, *d, 20);
            let widths: Vec<usize> = sample.iter().map(Vec::len).collect();
            let consistent = widths.windows(2).all(|w| w[0] == w[1]);
            (
                consistent && widths.first().copied().unwrap_or(0) > 1,
                widths.first().copied().unwrap_or(0),
            )
        })
        .unwrap_or(';');
    let sample = rows(&text, delimiter, 50);
    let header = sample.first().cloned().unwrap_or_default();
    let body: &[Vec<String>] = sample.get(1..).unwrap_or(&[]);
    let column_values = |i: usize| {
        body.iter()
            .filter_map(|r| r.get(i))
            .filter(|v| !v.is_empty())
            .cloned()
            .collect::<Vec<_>>()
    };
    let date_format_of = |i: usize| -> Option<&'static str> {
        let vals = column_values(i);
        if vals.is_empty() {
            return None;
        }
        DATE_FORMATS
            .into_iter()
            .find(|f| vals.iter().all(|v| NaiveDate::parse_from_str(v, f).is_ok()))
    };
    let date_cols: Vec<usize> = (0..header.len())
        .filter(|i| date_format_of(*i).is_some())
        .collect();
    let date_column = date_cols
        .iter()
        .copied()
        .find(|i| has_word(&header[*i], &["bokf", "bogf", "booking", "kirjaus", "dato", "date", "päivä"]))
        .or(date_cols.first().copied())
        .ok_or_else(|| Error::Input("No date column was found in this CSV file. Check that it is the bank's account export (with a header row).".into()))?;
    let date_format = date_format_of(date_column).unwrap_or("%d.%m.%Y").to_string();
    let money: Vec<usize> = (0..header.len())
        .filter(|i| *i != date_column && !date_cols.contains(i))
        .filter(|i| {
            let vals = column_values(*i);
            !vals.is_empty()
                && vals.iter().all(|v| {
                    v.chars().any(|c| c.is_ascii_digit())
                        && v.chars()
                            .all(|c| c.is_ascii_digit() || " .,-+'\u{a0}".contains(c))
                })
        })
        .collect();
    let decimal_comma = money.iter().flat_map(|i| column_values(*i)).any(|v| {
        let b = v.as_bytes();
        b.len() >= 3 && b[b.len() - 3] == b','
    });
    let named = |words: &[&str]| money.iter().copied().find(|i| has_word(&header[*i], words));
    let credit_column = named(&["inn", "ind", "credit", "kredit", "pano"]);
    let debit_column =
        named(&["ut ", "ut", "udbet", "debit", "debet", "otto"]).filter(|c| Some(*c) != credit_column);
    let amount_column = named(&[
        "beløp", "beløb", "belopp", "amount", "summa", "määrä", "belob", "belop",
    ])
    .or(if credit_column.is_some() && debit_column.is_some() {
        None
    } else {
        money.first().copied()
    });
    if amount_column.is_none() && (credit_column.is_none() || debit_column.is_none()) {
        return Err(Error::Input("No amount column was found in this CSV file (looked for Beløp, Amount, Inn/Ut and columns of numbers). Nothing was imported.".into()));
    }
    let text_column = (0..header.len())
        .filter(|i| *i != date_column && !money.contains(i))
        .find(|i| {
            has_word(
                &header[*i],
                &[
                    "tekst", "text", "beskriv", "forklar", "descr", "selitys", "viesti", "meddel",
                ],
            )
        })
        .or((0..header.len()).find(|i| *i != date_column && !money.contains(i) && !date_cols.contains(i)));
    Ok(CsvMapping {
        delimiter,
        has_header: true,
        date_column,
        date_format,
        amount_column,
        credit_column: if amount_column.is_some() {
            None
        } else {
            credit_column
        },
        debit_column: if amount_column.is_some() {
            None
        } else {
            debit_column
        },
        text_column,
        decimal_comma,
        currency: "NOK".into(),
    })
}

/// Read every line of a CSV export with a confirmed mapping. Any unreadable row fails the whole
/// file (nothing half-imported) with its row number.
pub fn parse(bytes: &[u8], m: &CsvMapping) -> Result<Statement> {
    let text = decode(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(m.delimiter as u8)
        .has_headers(m.has_header)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut lines = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 1 + usize::from(m.has_header);
        let rec = rec.map_err(|e| {
            Error::Input(format!(
                "Row {row} of the CSV file cannot be read ({e}). Nothing was imported."
            ))
        })?;
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let field = |c: Option<usize>| c.and_then(|c| rec.get(c)).map(str::trim).unwrap_or("");
        let raw_date = field(Some(m.date_column));
        let booking_date = NaiveDate::parse_from_str(raw_date, &m.date_format).map_err(|_| {
            Error::Input(format!(
                "Row {row}: {raw_date:?} is not a date in the format {}. Nothing was imported.",
                m.date_format
            ))
        })?;
        let amount_of = |c: Option<usize>| -> Result<i64> {
            let raw = field(c);
            if raw.is_empty() {
                return Ok(0);
            }
            parse_amount(raw, m.decimal_comma).ok_or_else(|| {
                Error::Input(format!(
                    "Row {row}: {raw:?} is not an amount. Nothing was imported."
                ))
            })
        };
        let amount = match m.amount_column {
            Some(c) => amount_of(Some(c))?,
            None => amount_of(m.credit_column)?
                .abs()
                .checked_sub(amount_of(m.debit_column)?.abs())
                .ok_or_else(|| {
                    Error::Input(format!(
                        "Row {row}: the amount is too large. Nothing was imported."
                    ))
                })?,
        };
        lines.push(StatementLine {
            booking_date,
            value_date: None,
            amount,
            currency: m.currency.clone(),
            text: field(m.text_column).to_string(),
            counterparty: None,
            bank_reference: None,
        });
    }
    Ok(Statement {
        account: None,
        currency: Some(m.currency.clone()),
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_norwegian_export_with_semicolons_and_decimal_commas_is_understood() {
        let csv = "Dato;Forklaring;Rentedato;Ut fra konto;Inn på konto\n\
                   09.10.2026;Utb. 2000810 Vippsnr 117703;09.10.2026;;1 288,00\n\
                   10.10.2026;Husleie;10.10.2026;12 000,00;\n";
        let m = detect(csv.as_bytes()).expect("mapping");
        assert_eq!(m.delimiter, ';');
        assert!(m.decimal_comma);
        assert_eq!(m.date_format, "%d.%m.%Y");
        assert_eq!((m.date_column, m.text_column), (0, Some(1)));
        assert_eq!(
            (m.amount_column, m.credit_column, m.debit_column),
            (None, Some(4), Some(3))
        );
        let s = parse(csv.as_bytes(), &m).expect("parse");
        let got: Vec<(String, i64, &str)> = s
            .lines
            .iter()
            .map(|l| (l.booking_date.to_string(), l.amount, l.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("2026-10-09".into(), 128800, "Utb. 2000810 Vippsnr 117703"),
                ("2026-10-10".into(), -1200000, "Husleie")
            ]
        );
    }

    #[test]
    fn an_english_export_with_commas_and_iso_dates_is_understood() {
        let csv = "Date,Description,Amount\n2026-10-09,\"Utb. 2000810 Vippsnr 117703\",288.00\n2026-10-12,Coffee beans,-45.50\n";
        let m = detect(csv.as_bytes()).expect("mapping");
        assert_eq!(
            (
                m.delimiter,
                m.decimal_comma,
                m.date_format.as_str(),
                m.amount_column
            ),
            (',', false, "%Y-%m-%d", Some(2))
        );
        let s = parse(csv.as_bytes(), &m).expect("parse");
        assert_eq!(
            s.lines.iter().map(|l| l.amount).collect::<Vec<_>>(),
            [28800, -4550]
        );
    }

    #[test]
    fn a_csv_without_an_amount_column_is_refused_with_a_sentence() {
        let csv = "Dato;Tekst;Kategori\n09.10.2026;Utb. 2000810 Vippsnr 117703;Inntekt\n";
        let e = detect(csv.as_bytes()).expect_err("no amount");
        assert!(e.to_string().contains("No amount column"), "{e}");
    }

    #[test]
    fn a_bad_row_fails_the_whole_file_with_its_row_number() {
        let csv = "Date,Description,Amount\n2026-10-09,a,288.00\n2026-10-10,b,twelve\n";
        let m = detect(b"Date,Description,Amount\n2026-10-09,a,288.00\n").expect("mapping");
        let e = parse(csv.as_bytes(), &m).expect_err("bad row");
        assert!(e.to_string().contains("Row 3"), "{e}");
    }
}
