//! The provider's XML samples, read and checked against their own totals and their schema.

use super::*;
use std::path::PathBuf;

pub(crate) fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/portal")
        .join(name)
}

fn read(name: &str) -> SettlementReport {
    let bytes = std::fs::read(fixture(name)).expect("fixture");
    super::super::parse(name, &bytes).expect("a settlement report")
}

/// (number, date, gross?, transactions, Σ capture, Σ refund, Σ fee, paid out)
type Figures = (u64, String, bool, usize, Minor, Minor, Minor, Minor);

fn figures(r: &SettlementReport) -> Vec<Figures> {
    r.settlements
        .iter()
        .map(|s| {
            (
                s.number,
                s.date.to_string(),
                s.gross,
                s.transactions.len(),
                s.transactions.iter().map(|t| t.capture).sum(),
                s.transactions.iter().map(|t| t.refund).sum(),
                s.transactions.iter().map(|t| t.fee).sum(),
                s.amount,
            )
        })
        .collect()
}

#[test]
fn the_net_example_pays_out_its_captures_less_its_refunds() {
    let r = read("Example-Net.xml");
    assert_eq!(r.format, ReportFormat::Xml3);
    assert_eq!(r.organization_number.as_deref(), Some("915608345"));
    assert_eq!(
        r.period.map(|(a, b)| (a.to_string(), b.to_string())),
        Some(("2018-02-25".into(), "2018-03-14".into()))
    );
    assert_eq!(
        figures(&r),
        vec![
            (2_000_001, "2018-03-01".into(), false, 7, 5600, -4100, 0, 1500),
            (2_000_002, "2018-03-12".into(), false, 8, 4800, -4600, 0, 200),
        ]
    );
    let s = &r.settlements[0];
    assert_eq!(s.sales_unit.number, "100716");
    assert_eq!(s.sales_unit.name, "Ecomm_RC_Net_NoFF");
    assert_eq!(s.account.as_deref(), Some("05394985866"));
    let t = &s.transactions[2];
    assert_eq!(
        (t.id.as_str(), t.order_id.as_str(), t.refund),
        ("5001145480", "210", -1300)
    );
    assert_eq!(
        t.time.map(|t| t.to_rfc3339()),
        Some("2018-03-01T11:42:03.732+01:00".into())
    );
}

#[test]
fn the_gross_example_pays_out_gross_and_charges_fees_apart() {
    let r = read("Example-Gross.xml");
    assert_eq!(
        figures(&r),
        vec![
            (
                2_000_001,
                "2018-02-20".into(),
                true,
                37,
                251_071,
                -169_111,
                9204,
                81_960
            ),
            (
                2_000_002,
                "2018-02-28".into(),
                true,
                10,
                13_200,
                -3930,
                1464,
                9270
            ),
            (2_000_003, "2018-03-01".into(), true, 1, 1530, 0, 181, 1530),
        ]
    );
}

#[test]
fn the_real_report_has_one_payment_of_100_with_a_fee_of_2_25() {
    let r = read("Vipps-oppgjørsrapport-16655-2018-09-23.xml");
    assert_eq!(
        figures(&r),
        vec![(2_000_004, "2018-09-22".into(), false, 1, 10_000, 0, 225, 9775)]
    );
    assert_eq!(r.settlements[0].sales_unit.name, "Blodsmak Sportsklubb");
    assert_eq!(r.settlements[0].account.as_deref(), Some("15037654733"));
}

#[test]
fn a_version_2_report_reads_refunds_from_negative_gross_amounts() {
    let r = read("SettlementReport-2.0-avstem-sample.xml");
    assert_eq!(r.format, ReportFormat::Xml2);
    assert_eq!(
        figures(&r),
        vec![(
            2_000_001,
            "2017-05-03".into(),
            false,
            3,
            30_000,
            -5000,
            562,
            24_438
        )]
    );
}

#[test]
fn every_xml_sample_follows_its_schema() {
    for (file, xsd) in [
        ("Example-Net.xml", "SettlementReport-3.0.xsd"),
        ("Example-Gross.xml", "SettlementReport-3.0.xsd"),
        (
            "Vipps-oppgjørsrapport-16655-2018-09-23.xml",
            "SettlementReport-3.0.xsd",
        ),
        (
            "SettlementReport-2.0-avstem-sample.xml",
            "SettlementReport-2.0.xsd",
        ),
    ] {
        let out = std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(fixture(xsd))
            .arg(fixture(file))
            .output()
            .expect("xmllint is installed");
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_report_in_an_unknown_version_is_refused_by_its_version() {
    let text = std::fs::read_to_string(fixture("Example-Net.xml"))
        .expect("fixture")
        .replace("SettlementReport-3.0.xsd", "SettlementReport-4.0.xsd");
    let e = super::super::parse("report.xml", text.as_bytes()).expect_err("refused");
    assert_eq!(
        e.to_string(),
        "report.xml is a settlement report in format version 4.0; Avstem reads versions 3.0 and 2.0. Download the report as XML 3.0, CSV or XLSX from the business portal. Nothing was imported."
    );
}

#[test]
fn a_cut_off_report_is_refused_as_truncated() {
    let text = std::fs::read_to_string(fixture("Example-Net.xml")).expect("fixture");
    let cut = &text[..text.len() / 2];
    let e = super::super::parse("cut.xml", cut.as_bytes()).expect_err("refused");
    assert!(
        e.to_string()
            .starts_with("cut.xml cannot be imported: the XML ends before its last element is closed."),
        "{e}"
    );
}

#[test]
fn a_report_whose_totals_disagree_with_its_transactions_is_refused() {
    let text = std::fs::read_to_string(fixture("Vipps-oppgjørsrapport-16655-2018-09-23.xml"))
        .expect("fixture")
        .replace(
            "<SettledAmount>97.75</SettledAmount>",
            "<SettledAmount>98.75</SettledAmount>",
        );
    let e = super::super::parse("edited.xml", text.as_bytes()).expect_err("refused");
    assert!(
        e.to_string()
            .contains("settlement 2000004 pays out 98.75 but its net transactions add up to 97.75"),
        "{e}"
    );
}

#[test]
fn another_xml_document_is_not_a_settlement_report() {
    let e = super::super::parse("camt.xml", b"<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt/></Document>")
        .expect_err("refused");
    assert_eq!(
        e.to_string(),
        "camt.xml is not a settlement report from Vipps MobilePay (its XML is a <Document>, not a <SettlementReport>). Download the settlement report (XML, CSV or XLSX) from the business portal. Nothing was imported."
    );
}
