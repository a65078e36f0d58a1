//! The provider's CSV and XLSX samples, read and checked against their own totals.

use super::*;
use crate::portal::xml::tests::fixture;

fn read(name: &str) -> SettlementReport {
    let bytes = std::fs::read(fixture(name)).expect("fixture");
    crate::portal::parse(name, &bytes).expect("a settlement report")
}

/// (number, unit, date, transactions, Σ capture, Σ refund, Σ fee, paid out, account)
type Figures = (u64, String, String, usize, Minor, Minor, Minor, Minor, String);

fn figures(r: &SettlementReport) -> Vec<Figures> {
    r.settlements
        .iter()
        .map(|s| {
            (
                s.number,
                s.sales_unit.number.clone(),
                s.date.to_string(),
                s.transactions.len(),
                s.transactions.iter().map(|t| t.capture).sum(),
                s.transactions.iter().map(|t| t.refund).sum(),
                s.transactions.iter().map(|t| t.fee).sum(),
                s.amount,
                s.account.clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn the_csv_sample_is_read_with_its_decimal_comma_net() {
    let r = read("settlement-report.csv");
    assert_eq!(r.format, ReportFormat::Csv);
    assert_eq!(r.organization_number.as_deref(), Some("918713867"));
    assert_eq!(
        figures(&r),
        vec![(
            2_000_001,
            "513428".into(),
            "2021-04-12".into(),
            7,
            1_651_171,
            -149_000,
            6109,
            1_645_062,
            "15039794613".into()
        )]
    );
    let s = &r.settlements[0];
    assert_eq!(s.sales_unit.name, "VippsExampleStore");
    let refund = &s.transactions[5];
    assert_eq!(
        (refund.id.as_str(), refund.capture, refund.refund, refund.fee),
        ("2179112123", 0, -149_000, 0)
    );
    assert_eq!(refund.sales_unit.as_deref(), Some("595976"));
}

#[test]
fn the_real_xlsx_report_has_one_payment_of_100_with_a_fee_of_2_25() {
    let r = read("Vipps-oppgjørsrapport-16655-2018-09-23.xlsx");
    assert_eq!(r.format, ReportFormat::Xlsx);
    assert_eq!(r.organization_number.as_deref(), Some("998724341"));
    assert_eq!(
        r.period.map(|(a, b)| (a.to_string(), b.to_string())),
        Some(("2018-09-03".into(), "2018-09-23".into()))
    );
    assert_eq!(
        figures(&r),
        vec![(
            2_000_004,
            "16655".into(),
            "2018-09-22".into(),
            1,
            10_000,
            0,
            225,
            9775,
            "15037654733".into()
        )]
    );
    assert_eq!(r.settlements[0].sales_unit.name, "Blodsmak Sportsklubb");
    assert_eq!(r.settlements[0].transactions[0].id, "5584146378");
}

#[test]
fn the_xlsx_example_holds_four_settlements_of_two_sales_units() {
    let r = read("vipps-settlement-example.xlsx");
    let acct = || "99999999999".to_string();
    assert_eq!(
        figures(&r),
        vec![
            (
                2_000_461,
                "2142".into(),
                "2019-12-01".into(),
                20,
                557_000,
                0,
                8355,
                548_645,
                acct()
            ),
            (
                2_000_010,
                "575598".into(),
                "2019-12-01".into(),
                15,
                986_000,
                0,
                14_790,
                971_210,
                acct()
            ),
            (
                2_000_462,
                "2142".into(),
                "2019-12-08".into(),
                24,
                574_800,
                0,
                8623,
                566_177,
                acct()
            ),
            (
                2_000_011,
                "575598".into(),
                "2019-12-08".into(),
                11,
                870_000,
                0,
                13_050,
                856_950,
                acct()
            ),
        ]
    );
    assert_eq!(r.sales_units().len(), 2);
    assert_eq!(r.settlements[1].transactions[0].order_id, "93517-000141");
}

#[test]
fn a_semicolon_csv_in_windows_1252_with_norwegian_columns_is_read() {
    let text = "Oppgjørsrapport\nOrganisasjonsnummer;;998724341\n\nSalgsdato;Salgssted;Vippsnummer;Produkt;Transaksjons-ID;Ordre-ID;Brutto;Gebyr;Netto;Transaksjonstype;Oppgjørs-ID;Oppgjørsdato;Oppgjørssum;Oppgjørskonto\n\
        22.09.2018;Blåbær Kafé;16655;Vipps Bedrift;5584146378;;1 100,00;-2,25;1 097,75;Salg;2000004;22.09.2018;;\n\
        22.09.2018;Blåbær Kafé;16655;Vipps Bedrift;5584146379;;-100,00;0,00;-100,00;Refusjon;2000004;22.09.2018;;\n\
        Til utbetaling netto;;;;;;;;;;2000004;22.09.2018;997,75;15037654733\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let r = parse_csv("kafe.csv", &bytes).expect("read");
    assert_eq!(
        figures(&r),
        vec![(
            2_000_004,
            "16655".into(),
            "2018-09-22".into(),
            2,
            110_000,
            -10_000,
            225,
            99_775,
            "15037654733".into()
        )]
    );
    assert_eq!(r.settlements[0].sales_unit.name, "Blåbær Kafé");
    assert_eq!(r.organization_number.as_deref(), Some("998724341"));
}

#[test]
fn a_csv_cut_off_mid_way_is_refused_as_truncated() {
    let text = std::fs::read_to_string(fixture("settlement-report.csv")).expect("fixture");
    let cut: String = text
        .lines()
        .take(text.lines().count() - 2)
        .map(|l| format!("{l}\n"))
        .collect();
    let e = parse_csv("cut.csv", cut.as_bytes()).expect_err("refused");
    assert_eq!(
        e.to_string(),
        "cut.csv cannot be imported: settlement 2000001 states 7 transaction(s) but the file holds 6. The file looks truncated or edited; download it again from the business portal. Nothing was imported."
    );
}

#[test]
fn a_bank_statement_csv_is_not_a_settlement_report() {
    let e = parse_csv(
        "bank.csv",
        b"Dato;Forklaring;Inn;Ut\n01.03.2024;Utb. 2000810 Vippsnr 117703;288,00;\n",
    )
    .expect_err("refused");
    assert_eq!(
        e.to_string(),
        "bank.csv is not a settlement report from Vipps MobilePay (it has neither SettlementInfo rows, nor the portal's columns Salgsdato … Oppgjørs-ID, nor Booking date … PSP reference). Download the settlement report (XML, CSV or XLSX) from the business portal. Nothing was imported."
    );
}

#[test]
fn a_truncated_xlsx_is_refused() {
    let bytes = std::fs::read(fixture("vipps-settlement-example.xlsx")).expect("fixture");
    let e = crate::portal::parse("cut.xlsx", &bytes[..bytes.len() / 2]).expect_err("refused");
    assert!(
        e.to_string()
            .starts_with("cut.xlsx cannot be imported: it is not a readable XLSX workbook"),
        "{e}"
    );
}
