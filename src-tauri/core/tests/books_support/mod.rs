//! What the books tests share: a written file read back by Python's own readers
//! (`books_check.py`), and SAF-T validated by xmllint against the official XSD.
#![allow(dead_code)] // each test binary reads its own part

use avstem_core::model::Minor;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What Python's readers found in a file: per voucher (debit, credit, accounts), and the totals.
#[derive(Debug)]
pub struct ReadBack {
    pub vouchers: BTreeMap<u32, (Minor, Minor, Vec<String>)>,
    /// Per voucher: its date (YYYY-MM-DD) and each line's VAT code.
    pub details: BTreeMap<u32, (String, Vec<String>)>,
    pub declared: serde_json::Value,
    pub lines: u64,
    pub debit: Minor,
    pub credit: Minor,
}

pub fn read_back(kind: &str, path: &Path) -> ReadBack {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/books_check.py");
    let out = std::process::Command::new("python3")
        .arg(&script)
        .arg(kind)
        .arg(path)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "{kind}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let int = |v: &serde_json::Value| v.as_i64().expect("number");
    let vouchers = v["vouchers"]
        .as_object()
        .expect("vouchers")
        .iter()
        .map(|(k, x)| {
            let accounts = x["accounts"]
                .as_array()
                .expect("accounts")
                .iter()
                .map(|a| a.as_str().expect("account").to_string())
                .collect();
            (
                k.parse().expect("voucher number"),
                (int(&x["debit"]), int(&x["credit"]), accounts),
            )
        })
        .collect();
    let details = v["vouchers"]
        .as_object()
        .expect("vouchers")
        .iter()
        .map(|(k, x)| {
            let vats = x["vats"]
                .as_array()
                .expect("vats")
                .iter()
                .map(|a| a.as_str().expect("vat code").to_string())
                .collect();
            let date = x["date"].as_str().expect("date").to_string();
            (k.parse().expect("voucher number"), (date, vats))
        })
        .collect();
    ReadBack {
        vouchers,
        details,
        declared: v["declared"].clone(),
        lines: v["lines"].as_u64().expect("lines"),
        debit: int(&v["debit"]),
        credit: int(&v["credit"]),
    }
}

/// xmllint against the vendored v1.30 XSD. Skipped only when xmllint is absent and
/// `AVSTEM_REQUIRE_XMLLINT` is unset (CI sets it).
pub fn validate_saft(path: &Path) {
    let xsd = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/saft/Norwegian_SAF-T_Financial_Schema_v_1.30.xsd");
    let out = match std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(path)
        .output()
    {
        Ok(out) => out,
        Err(e) if std::env::var_os("AVSTEM_REQUIRE_XMLLINT").is_none() => {
            eprintln!("xmllint not available ({e}); skipping the SAF-T schema validation");
            return;
        }
        Err(e) => panic!("AVSTEM_REQUIRE_XMLLINT is set but xmllint cannot run: {e}"),
    };
    assert!(
        out.status.success(),
        "{} does not validate:\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}
