//! The cast: every simulated ledger (who owns it, how it pays out and settles, how busy it is) and
//! the merchant and partner keys that see them. Fixed ids; the seed only moves the figures.

use super::rng::{hash, hash_str};
use super::{
    Kind, LedgerSpec, PayoutFrequency, Settlement, SimMerchant, SimPartner, TimeStyle, BULK_LEDGER_ID,
    DATA_START, DOC_DATE, DOC_LEDGER_ID,
};
use crate::model::{Ledger, SalesUnit, SchemeId};
use chrono::NaiveDate;

/// Every ledger's settings for this seed.
pub(super) fn ledger_specs(seed: u64) -> Vec<LedgerSpec> {
    ledger_seeds()
        .into_iter()
        .map(|s| LedgerSpec::from_seed(s, seed))
        .collect()
}

pub(super) struct LedgerSeed {
    pub(super) id: &'static str,
    pub(super) currency: &'static str,
    pub(super) owner: (&'static str, &'static str),
    pub(super) bank: (&'static str, &'static str),
    pub(super) units: &'static [(&'static str, &'static str)],
    pub(super) kind: Kind,
    pub(super) payout: PayoutFrequency,
    pub(super) settlement: Settlement,
    pub(super) start: NaiveDate,
    pub(super) time_style: TimeStyle,
    pub(super) mean_captures: u32,
    pub(super) price: (i64, i64),
    pub(super) fee: (i64, i64),
    pub(super) lagging_fees: bool,
    pub(super) refund_permille: u64,
    pub(super) corrections: bool,
    pub(super) unknown_types: bool,
    pub(super) negative_stretches: bool,
    pub(super) code: u64,
}

pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(DATA_START)
}

const DEMO_ORG: (&str, &str) = ("business:NO:ORG", "912345678");
const DOC_ORG: (&str, &str) = ("business:NO:ORG", "987654321");
const DK_CVR: (&str, &str) = ("business:DK:CVR", "31415926");
const FI_Y: (&str, &str) = ("business:FI:Y-tunnus", "2718281-8");
const NORDLYS_ORG: (&str, &str) = ("business:NO:ORG", "998877665");
const BENCH_ORG: (&str, &str) = ("business:NO:ORG", "900000001");
const KIOSK_ORG: (&str, &str) = ("business:NO:ORG", "911222333");

/// A regular ledger: 30 captures a day of 39–899, 1.75 % + 1.00, 3 % refunds, nothing unusual.
/// Each seed below states what differs, and its `code`.
pub(super) fn regular(
    id: &'static str,
    currency: &'static str,
    owner: (&'static str, &'static str),
    bank: (&'static str, &'static str),
    units: &'static [(&'static str, &'static str)],
    payout: PayoutFrequency,
    settlement: Settlement,
) -> LedgerSeed {
    LedgerSeed {
        id,
        currency,
        owner,
        bank,
        units,
        kind: Kind::Regular,
        payout,
        settlement,
        start: DATA_START,
        time_style: TimeStyle::Utc,
        mean_captures: 30,
        price: (39, 899),
        fee: (175, 100),
        lagging_fees: false,
        refund_permille: 30,
        corrections: false,
        unknown_types: false,
        negative_stretches: false,
        code: 0,
    }
}

/// Every ledger, in the order `/settlement/v1/ledgers` lists them.
fn ledger_seeds() -> Vec<LedgerSeed> {
    let mut seeds = norwegian_seeds();
    seeds.extend(nordic_seeds());
    seeds
}

/// The documented example, Fjordkaffe's two ledgers and the bulk bench ledger.
fn norwegian_seeds() -> Vec<LedgerSeed> {
    vec![
        LedgerSeed {
            code: 1,
            kind: Kind::DocExample,
            start: DOC_DATE,
            time_style: TimeStyle::LocalOffset,
            ..regular(
                DOC_LEDGER_ID,
                "NOK",
                DOC_ORG,
                ("BBAN:NO", "86011117947"),
                &[("Example Shop", "NO:57860")],
                PayoutFrequency::Daily,
                Settlement::Net,
            )
        },
        LedgerSeed {
            code: 2,
            mean_captures: 40,
            price: (29, 149),
            lagging_fees: true,
            corrections: true,
            ..regular(
                "302321",
                "NOK",
                DEMO_ORG,
                ("BBAN:NO", "15039912345"),
                &[
                    ("Fjordkaffe nettbutikk", "api:123455"),
                    ("Fjordkaffe Bryggen", "NO:57861"),
                ],
                PayoutFrequency::Daily,
                Settlement::Net,
            )
        },
        LedgerSeed {
            code: 3,
            mean_captures: 25,
            price: (49, 399),
            lagging_fees: true,
            ..regular(
                "302322",
                "NOK",
                DEMO_ORG,
                ("BBAN:NO", "15039954321"),
                &[("Fjordkaffe Sentrum", "NO:57862")],
                PayoutFrequency::Weekly,
                Settlement::Gross,
            )
        },
        LedgerSeed {
            code: 4,
            kind: Kind::Bulk,
            price: (100, 1000),
            ..regular(
                BULK_LEDGER_ID,
                "NOK",
                BENCH_ORG,
                ("BBAN:NO", "12345678903"),
                &[("Lysgården nettbutikk", "api:900001")],
                PayoutFrequency::Daily,
                Settlement::Net,
            )
        },
    ]
}

/// Hygge Bageri (DKK), Sauna Oy (EUR) and Nordlys Sykkel, the ledger the partner may not see.
fn nordic_seeds() -> Vec<LedgerSeed> {
    vec![
        LedgerSeed {
            code: 5,
            time_style: TimeStyle::LocalOffset,
            mean_captures: 35,
            price: (25, 450),
            fee: (100, 100),
            lagging_fees: true,
            corrections: true,
            ..regular(
                "402001",
                "DKK",
                DK_CVR,
                ("BBAN:DK", "30000001234567"),
                &[("Hygge Bageri Nørrebro", "DK:40221")],
                PayoutFrequency::Weekly,
                Settlement::Net,
            )
        },
        LedgerSeed {
            code: 6,
            start: date(2023, 4, 1),
            time_style: TimeStyle::LocalOffset,
            mean_captures: 15,
            price: (100, 2500),
            fee: (100, 100),
            ..regular(
                "402002",
                "DKK",
                DK_CVR,
                ("BBAN:DK", "30000007654321"),
                &[("Hygge Bageri webshop", "api:223344")],
                PayoutFrequency::Monthly,
                Settlement::Gross,
            )
        },
        LedgerSeed {
            code: 7,
            mean_captures: 20,
            price: (5, 120),
            fee: (150, 10),
            unknown_types: true,
            ..regular(
                "502001",
                "EUR",
                FI_Y,
                ("IBAN:FI", "FI2112345600000785"),
                &[("Sauna Oy Kamppi", "FI:70123")],
                PayoutFrequency::Monthly,
                Settlement::Net,
            )
        },
        LedgerSeed {
            code: 8,
            mean_captures: 18,
            price: (8, 90),
            fee: (150, 10),
            lagging_fees: true,
            corrections: true,
            unknown_types: true,
            negative_stretches: true,
            refund_permille: 50,
            ..regular(
                "502002",
                "EUR",
                FI_Y,
                ("IBAN:FI", "FI5512345600000892"),
                &[("Sauna Oy verkkokauppa", "api:323232")],
                PayoutFrequency::Daily,
                Settlement::Net,
            )
        },
        LedgerSeed {
            code: 9,
            mean_captures: 12,
            price: (199, 2999),
            lagging_fees: true,
            corrections: true,
            unknown_types: true,
            negative_stretches: true,
            ..regular(
                "302400",
                "NOK",
                NORDLYS_ORG,
                ("BBAN:NO", "60110512345"),
                &[("Nordlys Sykkel", "NO:58001")],
                PayoutFrequency::Daily,
                Settlement::Net,
            )
        },
        LedgerSeed {
            code: 10,
            // An idle Vippsnummer ledger: no traffic, so production never closes its dates.
            mean_captures: 0,
            ..regular(
                "302500",
                "NOK",
                KIOSK_ORG,
                ("BBAN:NO", "15030012345"),
                &[("Stille Kiosk", "NO:58200")],
                PayoutFrequency::Daily,
                Settlement::Net,
            )
        },
    ]
}

impl LedgerSpec {
    pub(super) fn from_seed(s: LedgerSeed, seed: u64) -> LedgerSpec {
        let units: Vec<SalesUnit> = s
            .units
            .iter()
            .map(|(name, handle)| SalesUnit {
                name: name.to_string(),
                recipient_handle: handle.to_string(),
                business_identifier: Some(SchemeId {
                    scheme: s.owner.0.to_string(),
                    id: s.owner.1.to_string(),
                }),
            })
            .collect();
        let bank_number = s
            .units
            .iter()
            .map(|(_, h)| h.split_once(':').map(|(_, n)| n).unwrap_or(h).to_string())
            .next()
            .unwrap_or_default();
        LedgerSpec {
            ledger: Ledger {
                ledger_id: s.id.to_string(),
                currency: s.currency.to_string(),
                payout_bank_account: SchemeId {
                    scheme: s.bank.0.to_string(),
                    id: s.bank.1.to_string(),
                },
                owner: SchemeId {
                    scheme: s.owner.0.to_string(),
                    id: s.owner.1.to_string(),
                },
                settles_for_recipient_handles: s.units.iter().map(|(_, h)| h.to_string()).collect(),
                sales_units: units,
            },
            kind: s.kind,
            payout: s.payout,
            settlement: s.settlement,
            start: s.start,
            time_style: s.time_style,
            tz: crate::model::time_zone_for_currency(s.currency),
            mean_captures: s.mean_captures,
            price_min: s.price.0,
            price_max: s.price.1,
            fee_bp: s.fee.0,
            fee_fixed: s.fee.1,
            lagging_fees: s.lagging_fees,
            refund_permille: s.refund_permille,
            corrections: s.corrections,
            unknown_types: s.unknown_types,
            negative_stretches: s.negative_stretches,
            bank_number,
            code: s.code,
            tag: hash(&[seed, hash_str(s.id)]),
        }
    }
}

pub(super) fn merchants_and_partner() -> (Vec<SimMerchant>, SimPartner) {
    use crate::sim::demo;
    let ids = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let keyed = |name: &str, slug: &str, msn: &str, ledgers: &[&str]| SimMerchant {
        name: name.to_string(),
        client_id: format!("sim-{slug}"),
        client_secret: format!("sim-{slug}-secret"),
        subscription_key: format!("sim-{slug}-subscription-key"),
        msn: msn.to_string(),
        ledger_ids: ids(ledgers),
    };
    let merchants = vec![
        SimMerchant {
            name: "Fjordkaffe AS".to_string(),
            client_id: demo::MERCHANT_CLIENT_ID.to_string(),
            client_secret: demo::MERCHANT_CLIENT_SECRET.to_string(),
            subscription_key: demo::MERCHANT_SUBSCRIPTION_KEY.to_string(),
            msn: demo::MERCHANT_MSN.to_string(),
            // Sales-unit keys reach their own MSN's ledger only (api:123455); the Vippsnummer
            // ledger 302322 is seen through the accounting partner.
            ledger_ids: ids(&["302321"]),
        },
        SimMerchant {
            name: "Example Shop".to_string(),
            client_id: demo::DOC_MERCHANT_CLIENT_ID.to_string(),
            client_secret: demo::DOC_MERCHANT_CLIENT_SECRET.to_string(),
            subscription_key: demo::DOC_MERCHANT_SUBSCRIPTION_KEY.to_string(),
            msn: demo::DOC_MERCHANT_MSN.to_string(),
            ledger_ids: ids(&[DOC_LEDGER_ID]),
        },
        SimMerchant {
            name: "Lysgården Interiør AS".to_string(),
            client_id: demo::BENCH_CLIENT_ID.to_string(),
            client_secret: demo::BENCH_CLIENT_SECRET.to_string(),
            subscription_key: demo::BENCH_SUBSCRIPTION_KEY.to_string(),
            msn: demo::BENCH_MSN.to_string(),
            ledger_ids: ids(&[BULK_LEDGER_ID]),
        },
        // Each set of keys is one API sales unit: 402001, 502001, 302400 and 302500 settle
        // Vippsnummer sales only, which have no API keys.
        keyed("Hygge Bageri ApS", "hygge", "223344", &["402002"]),
        keyed("Sauna Oy", "sauna", "323232", &["502002"]),
    ];
    let partner = SimPartner {
        client_id: demo::PARTNER_CLIENT_ID.to_string(),
        client_secret: demo::PARTNER_CLIENT_SECRET.to_string(),
        ledger_ids: ids(&[
            DOC_LEDGER_ID,
            "302321",
            "302322",
            "402001",
            "402002",
            "502001",
            "502002",
            "302500",
            BULK_LEDGER_ID,
        ]),
    };
    (merchants, partner)
}
