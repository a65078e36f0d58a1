//! Importing bank statement files: read (camt.053 or CSV), link each statement to the ledgers whose
//! payout account it is, and store the file in one transaction. A preview shows a CSV's guessed
//! columns before anything is stored, so the user can confirm them; the mapping is then kept per account.

use super::account::{bban, same_account};
use super::csv_import::{self, CsvMapping};
use super::{camt, Statement, StatementLine};
use crate::model::Ledger;
use crate::store::bank::{BankFileWrite, StatementWrite};
use crate::store::Store;
use crate::{Error, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Larger files are refused before they are read (a year of a busy account is a few MB).
pub const MAX_STATEMENT_BYTES: u64 = 100 * 1024 * 1024;

/// How many parsed lines a preview shows.
const PREVIEW_LINES: usize = 8;

/// What the user said about a file: which ledger it belongs to (a CSV names no account) and, for a
/// CSV, the column mapping they confirmed (else the kept one, else the guess).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct ImportOptions {
    pub ledger_id: Option<String>,
    pub mapping: Option<CsvMapping>,
}

/// One statement of an imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StatementImport {
    /// The account as the file names it (or the ledger's payout account for a CSV).
    pub account: String,
    /// The ledgers paying out to this account.
    pub ledger_ids: Vec<String>,
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
    #[ts(type = "number")]
    pub lines: u64,
    /// New lines; the others were imported before.
    #[ts(type = "number")]
    pub added: u64,
}

/// What importing one file did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FileImport {
    pub file_name: String,
    /// `camt.053.001.08`, `csv`, …
    pub format: String,
    pub statements: Vec<StatementImport>,
    /// Accounts in the file that are no ledger's payout account (left out).
    pub skipped_accounts: Vec<String>,
    #[ts(type = "number")]
    pub lines: u64,
    #[ts(type = "number")]
    pub added: u64,
}

/// A file read but not stored: for the window's "is this right?" step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FilePreview {
    pub file_name: String,
    pub format: String,
    pub accounts: Vec<String>,
    pub ledger_ids: Vec<String>,
    /// A CSV's header row, and how Avstem will read it (guessed, or kept from an earlier import).
    pub header: Vec<String>,
    pub mapping: Option<CsvMapping>,
    /// The mapping is the one kept for the account, not a fresh guess.
    pub mapping_remembered: bool,
    #[ts(type = "number")]
    pub line_count: u64,
    #[ts(type = "Array<{ bookingDate: string, amount: number, currency: string, text: string }>")]
    pub sample: Vec<StatementLine>,
}

/// One file of [`import_paths`]: what it imported, or why it imported nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FileOutcome {
    pub path: String,
    pub imported: Option<FileImport>,
    pub error: Option<String>,
}

/// Several files, each in its own transaction: a bad file imports nothing and the others still do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ImportReport {
    pub files: Vec<FileOutcome>,
    #[ts(type = "number")]
    pub lines: u64,
    #[ts(type = "number")]
    pub added: u64,
    pub failed: u32,
}

/// A file read and linked: what [`import_bytes`] stores and [`preview_bytes`] shows.
struct Linked<'l> {
    format: String,
    statements: Vec<(Statement, String, Vec<&'l Ledger>)>,
    skipped: Vec<String>,
    csv: Option<(String, CsvMapping, bool)>,
}

/// Read a statement file from disk, refusing one too large before reading it.
pub fn read_statement_file(path: &Path) -> Result<Vec<u8>> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::Input(format!(
            "The bank statement {shown} cannot be opened ({e}). Check the file name."
        ))
    })?;
    if !meta.is_file() {
        return Err(Error::Input(format!(
            "{shown} is not a file. Choose a bank statement file."
        )));
    }
    if meta.len() > MAX_STATEMENT_BYTES {
        return Err(Error::Input(format!(
            "{shown} is {} MB, larger than the {} MB Avstem reads as one statement. Export a shorter period from the online bank. Nothing was imported.",
            meta.len() / (1024 * 1024),
            MAX_STATEMENT_BYTES / (1024 * 1024)
        )));
    }
    std::fs::read(path).map_err(|e| Error::Input(format!("The bank statement {shown} cannot be read ({e}).")))
}

/// Import each file in its own transaction, for the ledgers `ledgers` (a profile's).
pub fn import_paths(
    store: &mut Store,
    ledgers: &[Ledger],
    paths: &[std::path::PathBuf],
    opts: &ImportOptions,
) -> ImportReport {
    let mut report = ImportReport {
        files: Vec::with_capacity(paths.len()),
        lines: 0,
        added: 0,
        failed: 0,
    };
    // Many files are stored in batches: one commit per batch, each file a savepoint in it (all of
    // the file or nothing). A batch that cannot be committed stores none of its files, and says so.
    let batched = paths.len() > 1;
    let mut batch_start = 0usize;
    let mut in_batch = false;
    // Reading and parsing a camt.053 file needs no cache: a second thread does it for the next
    // files while this one stores them, in the given order.
    std::thread::scope(|scope| {
        // Two readers, taking every other file; this thread takes their results in file order.
        let readers: Vec<std::sync::mpsc::Receiver<Result<Read<'_>>>> = (0..READERS)
            .map(|k| {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Read<'_>>>(4);
                scope.spawn(move || {
                    for path in paths.iter().skip(k).step_by(READERS) {
                        let read = read_statement_file(path).and_then(|bytes| {
                            if looks_like_xml(&bytes) {
                                let chosen = chosen_ledger(ledgers, opts)?;
                                Ok(Read::Camt(Box::new(link_camt(ledgers, chosen, &bytes)?)))
                            } else {
                                Ok(Read::Other(bytes))
                            }
                        });
                        if tx.send(read).is_err() {
                            return;
                        }
                    }
                });
                rx
            })
            .collect();
        for (i, path) in paths.iter().enumerate() {
            let rx = &readers[i % READERS];
            if batched && !in_batch {
                batch_start = report.files.len();
                in_batch = store.begin_bank_batch().is_ok();
            }
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string());
            let read = rx
                .recv()
                .unwrap_or_else(|_| Err(Error::Input(format!("{name} could not be read."))));
            let result = read.and_then(|r| match r {
                Read::Camt(linked) => store_linked(store, &name, *linked),
                Read::Other(bytes) => import_bytes(store, ledgers, &name, &bytes, opts),
            });
            let (imported, error) = match result {
                Ok(f) => {
                    report.lines += f.lines;
                    report.added += f.added;
                    (Some(f), None)
                }
                Err(e) => {
                    report.failed += 1;
                    (None, Some(e.to_string()))
                }
            };
            report.files.push(FileOutcome {
                path: path.display().to_string(),
                imported,
                error,
            });
            if in_batch
                && (report.files.len() - batch_start >= BATCH_FILES || report.files.len() == paths.len())
            {
                in_batch = false;
                if let Err(e) = store.commit_bank_batch() {
                    unstore(&mut report, batch_start, &e);
                }
            }
        }
    });
    report
}

/// Threads reading and parsing statement files ahead of the one storing them.
const READERS: usize = 2;

/// Files stored per commit when many are imported at once.
const BATCH_FILES: usize = 500;

/// The files from `from` on were not stored after all (their batch could not be committed).
fn unstore(report: &mut ImportReport, from: usize, e: &Error) {
    for f in report.files.iter_mut().skip(from) {
        if let Some(i) = f.imported.take() {
            report.lines -= i.lines;
            report.added -= i.added;
            report.failed += 1;
            f.error = Some(format!("{} was not stored: {e}", i.file_name));
        }
    }
}

/// A file read (and, for camt.053, parsed and linked) ahead of storing it.
enum Read<'l> {
    Camt(Box<Linked<'l>>),
    Other(Vec<u8>),
}

/// The ledgers profile `name` sees, from the cache (what statements are linked against).
pub fn profile_ledgers(ctx: &crate::context::Context, store: &Store, name: &str) -> Result<Vec<Ledger>> {
    let profile = ctx.profile(name)?;
    store.ledgers(Some(&profile.name))
}

/// Import one file's bytes: every statement for one of `ledgers`' payout accounts, in one
/// transaction. A file with no such statement, or with any unreadable line, imports nothing.
pub fn import_bytes(
    store: &mut Store,
    ledgers: &[Ledger],
    file_name: &str,
    bytes: &[u8],
    opts: &ImportOptions,
) -> Result<FileImport> {
    let linked = link(store, ledgers, bytes, opts)?;
    store_linked(store, file_name, linked)
}

/// Store a read and linked file in one transaction.
fn store_linked(store: &mut Store, file_name: &str, linked: Linked<'_>) -> Result<FileImport> {
    let statements: Vec<StatementWrite<'_>> = linked
        .statements
        .iter()
        .map(|(s, account, _)| StatementWrite {
            account: account.as_str(),
            lines: &s.lines,
        })
        .collect();
    let csv_mapping = linked.csv.as_ref().map(|(h, m, _)| (h.as_str(), m));
    let counts = store.store_bank_file(&BankFileWrite {
        file_name,
        format: &linked.format,
        statements,
        csv_mapping,
    })?;
    let statements: Vec<StatementImport> = linked
        .statements
        .iter()
        .zip(counts)
        .map(|((s, account, ls), c)| StatementImport {
            account: s.account.clone().unwrap_or_else(|| account.clone()),
            ledger_ids: ls.iter().map(|l| l.ledger_id.clone()).collect(),
            first_date: s.lines.iter().map(|l| l.booking_date).min(),
            last_date: s.lines.iter().map(|l| l.booking_date).max(),
            lines: c.lines,
            added: c.added,
        })
        .collect();
    Ok(FileImport {
        file_name: file_name.to_string(),
        format: linked.format,
        lines: statements.iter().map(|s| s.lines).sum(),
        added: statements.iter().map(|s| s.added).sum(),
        statements,
        skipped_accounts: linked.skipped,
    })
}

/// Read and link a file without storing it: the window shows this before the user confirms.
pub fn preview_bytes(
    store: &Store,
    ledgers: &[Ledger],
    file_name: &str,
    bytes: &[u8],
    opts: &ImportOptions,
) -> Result<FilePreview> {
    let linked = link(store, ledgers, bytes, opts)?;
    let mut ledger_ids: Vec<String> = linked
        .statements
        .iter()
        .flat_map(|(_, _, ls)| ls.iter().map(|l| l.ledger_id.clone()))
        .collect();
    ledger_ids.dedup();
    let (header, mapping, remembered) = match linked.csv {
        Some((h, m, r)) => (csv_header_fields(&h, m.delimiter), Some(m), r),
        None => (vec![], None, false),
    };
    Ok(FilePreview {
        file_name: file_name.to_string(),
        format: linked.format,
        accounts: linked
            .statements
            .iter()
            .map(|(s, a, _)| s.account.clone().unwrap_or_else(|| a.clone()))
            .collect(),
        ledger_ids,
        header,
        mapping,
        mapping_remembered: remembered,
        line_count: linked
            .statements
            .iter()
            .map(|(s, _, _)| s.lines.len() as u64)
            .sum(),
        sample: linked
            .statements
            .iter()
            .flat_map(|(s, _, _)| s.lines.iter().cloned())
            .take(PREVIEW_LINES)
            .collect(),
    })
}

/// The ledger the user named for the import, if any; refused when the profile has no ledgers or
/// not that one.
fn chosen_ledger<'l>(ledgers: &'l [Ledger], opts: &ImportOptions) -> Result<Option<&'l Ledger>> {
    if ledgers.is_empty() {
        return Err(Error::Input(
            "No ledgers are cached for this profile, so a statement cannot be linked to one. Fetch the ledgers first (`avstem ledgers --profile <name>`, or open the profile in the window).".into(),
        ));
    }
    match &opts.ledger_id {
        Some(id) => Ok(Some(ledgers.iter().find(|l| &l.ledger_id == id).ok_or_else(
            || Error::Input(format!("Ledger {id} is not among this profile's ledgers.")),
        )?)),
        None => Ok(None),
    }
}

/// Parse the file and find each statement's ledgers.
fn link<'l>(store: &Store, ledgers: &'l [Ledger], bytes: &[u8], opts: &ImportOptions) -> Result<Linked<'l>> {
    let chosen = chosen_ledger(ledgers, opts)?;
    if looks_like_xml(bytes) {
        return link_camt(ledgers, chosen, bytes);
    }
    let target = csv_target(ledgers, chosen)?;
    let account = bban(&target.payout_bank_account.id);
    let header = first_line(bytes);
    let (mapping, remembered) = match &opts.mapping {
        Some(m) => (m.clone(), false),
        None => match store.bank_csv_mapping(&account)? {
            Some((h, m)) if h == header => (m, true),
            _ => {
                let mut m = csv_import::detect(bytes)?;
                m.currency = target.currency.clone();
                (m, false)
            }
        },
    };
    let statement = csv_import::parse(bytes, &mapping)?;
    Ok(Linked {
        format: "csv".into(),
        statements: vec![(statement, account.clone(), ledgers_of(ledgers, &account))],
        skipped: vec![],
        csv: Some((header, mapping, remembered)),
    })
}

fn link_camt<'l>(ledgers: &'l [Ledger], chosen: Option<&Ledger>, bytes: &[u8]) -> Result<Linked<'l>> {
    let format = camt_format(bytes);
    let mut statements = Vec::new();
    let mut skipped = Vec::new();
    let parsed = camt::parse(bytes)?;
    if parsed.is_empty() {
        return Err(Error::Input(
            "This camt.053 file holds no statement. Nothing was imported.".into(),
        ));
    }
    for s in parsed {
        let raw = s.account.clone().unwrap_or_default();
        let account = bban(&raw);
        let linked = ledgers_of(ledgers, &account);
        let for_chosen = chosen.is_none_or(|c| linked.iter().any(|l| l.ledger_id == c.ledger_id));
        if linked.is_empty() || !for_chosen {
            skipped.push(if raw.is_empty() {
                "(no account)".to_string()
            } else {
                raw
            });
        } else {
            statements.push((s, account, linked));
        }
    }
    if statements.is_empty() {
        return Err(Error::Input(not_our_account(&skipped, ledgers, chosen)));
    }
    Ok(Linked {
        format,
        statements,
        skipped,
        csv: None,
    })
}

/// The sentence for a statement of an account no ledger pays out to.
fn not_our_account(accounts: &[String], ledgers: &[Ledger], chosen: Option<&Ledger>) -> String {
    let theirs = match chosen {
        Some(l) => format!(
            "ledger {}'s payout account ({})",
            l.ledger_id, l.payout_bank_account.id
        ),
        None => {
            let mut known: Vec<&str> = ledgers
                .iter()
                .map(|l| l.payout_bank_account.id.as_str())
                .collect();
            known.sort_unstable();
            known.dedup();
            let shown: Vec<&str> = known.iter().take(3).copied().collect();
            let more = if known.len() > 3 {
                format!(" and {} more", known.len() - 3)
            } else {
                String::new()
            };
            format!(
                "the payout account of any ledger this profile sees ({}{more})",
                shown.join(", ")
            )
        }
    };
    format!(
        "This statement is for account {}, which is not {theirs}. Import the statement of the account Vipps MobilePay pays into. Nothing was imported.",
        accounts.join(", ")
    )
}

/// The ledger a CSV (which names no account) belongs to: the one chosen, or the only payout account.
fn csv_target<'l>(ledgers: &'l [Ledger], chosen: Option<&'l Ledger>) -> Result<&'l Ledger> {
    if let Some(l) = chosen {
        return Ok(l);
    }
    let first = &ledgers[0];
    let one_account = ledgers
        .iter()
        .all(|l| same_account(&first.payout_bank_account.id, &l.payout_bank_account.id));
    if one_account {
        Ok(first)
    } else {
        Err(Error::Input(
            "This CSV file does not say which bank account it is from, and this profile's ledgers pay into several. Choose the ledger it belongs to (`--ledger ID`). Nothing was imported.".into(),
        ))
    }
}

fn ledgers_of<'l>(ledgers: &'l [Ledger], account: &str) -> Vec<&'l Ledger> {
    // `same_account`, with the statement's side worked out once rather than once per ledger.
    let wanted = bban(account);
    if account.is_empty() || wanted.is_empty() {
        return Vec::new();
    }
    ledgers
        .iter()
        .filter(|l| bban(&l.payout_bank_account.id) == wanted)
        .collect()
}

fn looks_like_xml(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]);
    head.trim_start_matches('\u{feff}').trim_start().starts_with('<')
}

/// `camt.053.001.08` from the namespace, or `camt.053` when it cannot be told.
fn camt_format(bytes: &[u8]) -> String {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    head.find("camt.053.001.")
        .and_then(|i| head.get(i..i + 15))
        .filter(|v| v[13..].chars().all(|c| c.is_ascii_digit()))
        .unwrap_or("camt.053")
        .to_string()
}

fn first_line(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == b'\n').unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end])
        .trim_start_matches('\u{feff}')
        .trim()
        .to_string()
}

fn csv_header_fields(header: &str, delimiter: char) -> Vec<String> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter as u8)
        .has_headers(false)
        .from_reader(header.as_bytes())
        .records()
        .next()
        .and_then(|r| r.ok())
        .map(|r| r.iter().map(|f| f.trim().to_string()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SchemeId;

    fn ledger(id: &str, account: &str) -> Ledger {
        Ledger {
            ledger_id: id.into(),
            currency: "NOK".into(),
            payout_bank_account: SchemeId {
                scheme: "BBAN:NO".into(),
                id: account.into(),
            },
            owner: SchemeId::default(),
            settles_for_recipient_handles: vec!["NO:57861".into()],
            sales_units: vec![],
        }
    }

    const CSV: &str = "Dato;Forklaring;Rentedato;Ut fra konto;Inn på konto\n\
                       09.10.2026;Utb. 2000810 Vippsnr 57861;09.10.2026;;1 288,00\n\
                       10.10.2026;Husleie;10.10.2026;12 000,00;\n";

    #[test]
    fn a_csv_goes_to_the_only_payout_account_and_its_mapping_is_kept() {
        let mut store = Store::open_in_memory().expect("store");
        let ledgers = [ledger("302321", "15039912345")];
        let preview = preview_bytes(
            &store,
            &ledgers,
            "okt.csv",
            CSV.as_bytes(),
            &ImportOptions::default(),
        )
        .expect("preview");
        assert_eq!(preview.header[1], "Forklaring");
        assert!(!preview.mapping_remembered);
        assert_eq!((preview.line_count, preview.sample.len()), (2, 2));
        assert_eq!(
            store.bank_line_count().expect("count"),
            0,
            "a preview stores nothing"
        );
        let done = import_bytes(
            &mut store,
            &ledgers,
            "okt.csv",
            CSV.as_bytes(),
            &ImportOptions::default(),
        )
        .expect("import");
        assert_eq!((done.format.as_str(), done.lines, done.added), ("csv", 2, 2));
        assert_eq!(done.statements[0].ledger_ids, ["302321"]);
        let again = preview_bytes(
            &store,
            &ledgers,
            "okt.csv",
            CSV.as_bytes(),
            &ImportOptions::default(),
        )
        .expect("preview");
        assert!(again.mapping_remembered, "the mapping is kept for the account");
    }

    #[test]
    fn a_csv_for_a_profile_with_several_accounts_needs_a_ledger() {
        let mut store = Store::open_in_memory().expect("store");
        let ledgers = [ledger("302321", "15039912345"), ledger("302322", "15039954321")];
        let e = import_bytes(
            &mut store,
            &ledgers,
            "okt.csv",
            CSV.as_bytes(),
            &ImportOptions::default(),
        )
        .expect_err("which account?");
        assert!(e.to_string().contains("Choose the ledger"), "{e}");
        let opts = ImportOptions {
            ledger_id: Some("302322".into()),
            ..ImportOptions::default()
        };
        let done = import_bytes(&mut store, &ledgers, "okt.csv", CSV.as_bytes(), &opts).expect("import");
        assert_eq!(done.statements[0].ledger_ids, ["302322"]);
        assert_eq!(done.statements[0].account, "15039954321");
    }

    #[test]
    fn the_camt_version_is_read_from_the_namespace() {
        assert_eq!(
            camt_format(b"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">"),
            "camt.053.001.02"
        );
        assert_eq!(camt_format(b"<Document>"), "camt.053");
    }
}
