//! Deterministic ledgers and entries from a seed: the simulator's world, also usable without HTTP.
//! Every date is generated on demand; only a small per-ledger table of closing balances is remembered.
//!
//! Shape of the world (fixed ids, seed-dependent figures):
//!
//! | ledger | owner | currency | payout | settlement | notes |
//! |---|---|---|---|---|---|
//! | 12345  | Example Shop (doc merchant) | NOK | daily | net | only 2022-10-01, exactly the documented example |
//! | 302321 | Fjordkaffe AS (demo merchant) | NOK | daily | net | `api:123455` + Vippsnummer `NO:57861`, lagging fees, corrections |
//! | 302322 | Fjordkaffe AS (demo merchant) | NOK | weekly (Monday) | gross | `fees-invoiced` on the last date of each month |
//! | 900001 | Bulk Bench AS (+ demo merchant) | NOK | daily | net | volume from `bulk_entries_per_day` funds entries a date |
//! | 402001 | Hygge Bageri ApS | DKK | weekly (Monday) | net | times served with `+0100/+0200` offsets, lagging fees |
//! | 402002 | Hygge Bageri ApS | DKK | monthly (1st) | gross | starts 2023-04-01 |
//! | 502001 | Sauna Oy | EUR | monthly (1st) | net | Vippsnummer `FI:70123`, `loyalty-adjustment` entries |
//! | 502002 | Sauna Oy | EUR | daily | net | negative stretches ending in a `top-up`, lagging fees, corrections, `loyalty-adjustment` |
//! | 302400 | Nordlys Sykkel AS | NOK | daily | net | like 502002; NOT granted to the partner (404 for partner keys) |
//!
//! The demo partner sees 12345, 302321, 302322, 402001, 402002, 502001 and 502002.
//! Data starts on [`DATA_START`] (2022-01-01) unless a ledger starts later.
//!
//! Rules the generator keeps (and the property tests check): `balanceAfter = balanceBefore + amount`,
//! balances chain across entries and dates on both topics; a payout is the last funds entry of its
//! date and takes the balance to 0; it happens on a paying date (every date, each Monday's date or
//! each 1st's date) only when the balance is positive;
//! payout numbers run from 2000001 per ledger; net ledgers retain each date's landed fees
//! (`fees-retained` negative on funds, positive on fees, so the fees balance closes at 0 daily);
//! gross ledgers let capture fees accumulate until a month-end `fees-invoiced`. Capture fees carry
//! their capture's pspReference and reference and land 0–2 dates later on "lagging fees" ledgers.
//! Refunds carry no fees. Names, masked phone numbers and messages exist only on Vippsnummer
//! (`NO:`/`DK:`/`FI:`) captures.
//! [`World::entries`] returns a date's final form whatever `today` is; the server decides what an
//! open date shows.

use super::rng::{hash, hash_str};
use crate::model::{Entry, EntryType, Ledger, SalesUnit, SchemeId, Topic};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use std::collections::HashMap;
use std::sync::Mutex;

/// The first ledger date the simulator has data for.
pub const DATA_START: NaiveDate = match NaiveDate::from_ymd_opt(2022, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// The documented example: ledger 12345, 2022-10-01.
pub const DOC_LEDGER_ID: &str = "12345";
pub const DOC_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2022, 10, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// The high-volume ledger for benchmarks.
pub const BULK_LEDGER_ID: &str = "900001";
/// Funds entries per date on the bulk ledger when nobody asks for more.
pub const DEFAULT_BULK_ENTRIES_PER_DAY: u32 = 300;

/// First payout number of every ledger.
pub const FIRST_PAYOUT_NUMBER: u64 = 2_000_001;

const MICROS_PER_HOUR: i64 = 3_600_000_000;
const MICROS_PER_MINUTE: i64 = 60_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutFrequency {
    Daily,
    /// The payout entry is on each Monday's ledger date.
    Weekly,
    /// The payout entry is on the ledger date of each 1st.
    Monthly,
}

impl PayoutFrequency {
    pub fn is_paying_date(self, date: NaiveDate) -> bool {
        match self {
            PayoutFrequency::Daily => true,
            PayoutFrequency::Weekly => date.weekday() == Weekday::Mon,
            PayoutFrequency::Monthly => date.day() == 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// Fees leave funds as `fees-retained` on the date they land.
    Net,
    /// Fees accumulate on the fees topic and are invoiced (`fees-invoiced`) on the last date of the month.
    Gross,
}

/// How the server writes `time`: `...Z` (UTC) or with the merchant's offset (`+0200`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeStyle {
    Utc,
    LocalOffset,
}

/// What kind of ledger this is and how it settles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerProfile {
    pub ledger_id: String,
    pub payout: PayoutFrequency,
    pub settlement: Settlement,
    pub first_date: NaiveDate,
    pub time_style: TimeStyle,
    /// Capture fees may land 1–2 ledger dates after their capture.
    pub lagging_fees: bool,
    pub negative_stretches: bool,
    pub is_bulk: bool,
    pub is_doc_example: bool,
}

/// Keys of one simulated merchant (a sales unit's API keys) and the ledgers they see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimMerchant {
    pub name: String,
    pub client_id: String,
    pub client_secret: String,
    pub subscription_key: String,
    pub msn: String,
    pub ledger_ids: Vec<String>,
}

/// The accounting partner's keys and the ledgers merchants granted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimPartner {
    pub client_id: String,
    pub client_secret: String,
    pub ledger_ids: Vec<String>,
}

/// Both topics of one ledger date, GDPR fields included.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayEntries {
    pub funds: Vec<Entry>,
    pub fees: Vec<Entry>,
}

impl DayEntries {
    pub fn topic(&self, topic: Topic) -> &[Entry] {
        match topic {
            Topic::Funds => &self.funds,
            Topic::Fees => &self.fees,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Regular,
    Bulk,
    DocExample,
}

#[derive(Debug, Clone)]
struct LedgerSpec {
    ledger: Ledger,
    kind: Kind,
    payout: PayoutFrequency,
    settlement: Settlement,
    start: NaiveDate,
    time_style: TimeStyle,
    tz: chrono_tz::Tz,
    /// Mean captures per date (regular ledgers).
    mean_captures: u32,
    /// Capture amounts in whole major units (kroner, euro).
    price_min: i64,
    price_max: i64,
    fee_bp: i64,
    fee_fixed: i64,
    lagging_fees: bool,
    refund_permille: u64,
    corrections: bool,
    unknown_types: bool,
    negative_stretches: bool,
    /// The number shown in the bank text ("Vippsnr 57860").
    bank_number: String,
    /// Small number that makes pspReferences of different ledgers disjoint.
    code: u64,
    /// Seed-derived hash for this ledger.
    tag: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct DayClose {
    funds: i64,
    fees: i64,
    /// Payouts made up to and including this date.
    payouts: u64,
}

/// The simulated Report API world. Cheap to share (`Arc<World>`); all methods take `&self`.
pub struct World {
    seed: u64,
    today: NaiveDate,
    bulk_entries_per_day: u32,
    specs: Vec<LedgerSpec>,
    merchants: Vec<SimMerchant>,
    partner: SimPartner,
    /// Closing balances per ledger and date offset, filled forward on demand (a few KB per ledger).
    closings: Mutex<HashMap<String, Vec<DayClose>>>,
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("seed", &self.seed)
            .field("today", &self.today)
            .field("bulk_entries_per_day", &self.bulk_entries_per_day)
            .finish()
    }
}

/// Days since the Unix epoch: a stable number for hashing a date.
fn day_number(date: NaiveDate) -> u64 {
    u64::try_from(date.signed_duration_since(NaiveDate::default()).num_days()).unwrap_or(0)
}

/// Local midnight of `date` in `tz`, as UTC.
fn local_midnight(tz: chrono_tz::Tz, date: NaiveDate) -> DateTime<Utc> {
    let naive = date.and_time(chrono::NaiveTime::MIN);
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| naive.and_utc())
}

fn micros(n: i64) -> Duration {
    Duration::microseconds(n)
}

/// A 13-digit, random-looking but collision-free number: a bijection of (kind, ledger, date, index).
fn psp_number(kind: u64, code: u64, day: u64, idx: u64) -> String {
    const MODULUS: u128 = 10_000_000_000_000;
    let x =
        u128::from(((kind % 10 * 100 + code % 100) * 10_000 + day % 10_000) * 1_000_000 + idx % 1_000_000);
    // Multiplying by a number coprime to 10 permutes the residues mod 10^13.
    let y = (x * 7_919_000_003 + 1_234_567_890_123) % MODULUS;
    format!("{y:013}")
}

/// A ULID-looking id for fees-retained / top-up entries.
fn ulid_like(h: u64, h2: u64) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut out = String::with_capacity(26);
    let mut bits = u128::from(h) << 64 | u128::from(h2);
    for _ in 0..26 {
        out.push(char::from(ALPHABET[(bits & 31) as usize]));
        bits >>= 5;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The cast.

struct LedgerSeed {
    id: &'static str,
    currency: &'static str,
    owner: (&'static str, &'static str),
    bank: (&'static str, &'static str),
    units: &'static [(&'static str, &'static str)],
    kind: Kind,
    payout: PayoutFrequency,
    settlement: Settlement,
    start: NaiveDate,
    time_style: TimeStyle,
    mean_captures: u32,
    price: (i64, i64),
    fee: (i64, i64),
    lagging_fees: bool,
    refund_permille: u64,
    corrections: bool,
    unknown_types: bool,
    negative_stretches: bool,
    code: u64,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(DATA_START)
}

const DEMO_ORG: (&str, &str) = ("business:NO:ORG", "912345678");
const DOC_ORG: (&str, &str) = ("business:NO:ORG", "987654321");
const DK_CVR: (&str, &str) = ("business:DK:CVR", "31415926");
const FI_Y: (&str, &str) = ("business:FI:Y-tunnus", "2718281-8");
const NORDLYS_ORG: (&str, &str) = ("business:NO:ORG", "998877665");
const BENCH_ORG: (&str, &str) = ("business:NO:ORG", "900000001");

fn ledger_seeds() -> Vec<LedgerSeed> {
    let regular = |id, currency, owner, bank, units, payout, settlement, code| LedgerSeed {
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
        code,
    };
    vec![
        LedgerSeed {
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
                1,
            )
        },
        LedgerSeed {
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
                2,
            )
        },
        LedgerSeed {
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
                3,
            )
        },
        LedgerSeed {
            kind: Kind::Bulk,
            price: (100, 1000),
            ..regular(
                BULK_LEDGER_ID,
                "NOK",
                BENCH_ORG,
                ("BBAN:NO", "12345678903"),
                &[("Bulk Bench nettbutikk", "api:900001")],
                PayoutFrequency::Daily,
                Settlement::Net,
                4,
            )
        },
        LedgerSeed {
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
                5,
            )
        },
        LedgerSeed {
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
                6,
            )
        },
        LedgerSeed {
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
                7,
            )
        },
        LedgerSeed {
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
                8,
            )
        },
        LedgerSeed {
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
                9,
            )
        },
    ]
}

fn merchants_and_partner() -> (Vec<SimMerchant>, SimPartner) {
    use super::demo;
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
            ledger_ids: ids(&["302321", "302322", BULK_LEDGER_ID]),
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
            name: "Bulk Bench AS".to_string(),
            client_id: demo::BENCH_CLIENT_ID.to_string(),
            client_secret: demo::BENCH_CLIENT_SECRET.to_string(),
            subscription_key: demo::BENCH_SUBSCRIPTION_KEY.to_string(),
            msn: demo::BENCH_MSN.to_string(),
            ledger_ids: ids(&[BULK_LEDGER_ID]),
        },
        keyed("Hygge Bageri ApS", "hygge", "223344", &["402001", "402002"]),
        keyed("Sauna Oy", "sauna", "323232", &["502001", "502002"]),
        keyed("Nordlys Sykkel AS", "nordlys", "580010", &["302400"]),
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
        ]),
    };
    (merchants, partner)
}

// ---------------------------------------------------------------------------------------------
// One date's plan, before strings: cheap enough to run for every earlier date when balances are needed.

#[derive(Debug, Clone, Copy)]
struct Capture {
    idx: u32,
    amount: i64,
    fee: i64,
    lag: u8,
    time: DateTime<Utc>,
    handle: usize,
}

#[derive(Debug, Clone, Copy)]
enum FundsAct {
    Capture(Capture),
    Refund {
        time: DateTime<Utc>,
        amount: i64,
        n: u32,
        src: NaiveDate,
        src_idx: u32,
        handle: usize,
    },
    Correction {
        time: DateTime<Utc>,
        amount: i64,
    },
    Unknown {
        time: DateTime<Utc>,
        amount: i64,
    },
    /// The start of a negative stretch: a large return of goods.
    BigRefund {
        time: DateTime<Utc>,
        amount: i64,
    },
    TopUp {
        time: DateTime<Utc>,
    },
}

impl FundsAct {
    fn time(&self) -> DateTime<Utc> {
        match *self {
            FundsAct::Capture(c) => c.time,
            FundsAct::Refund { time, .. }
            | FundsAct::Correction { time, .. }
            | FundsAct::Unknown { time, .. }
            | FundsAct::BigRefund { time, .. }
            | FundsAct::TopUp { time } => time,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct FeeAct {
    time: DateTime<Utc>,
    fee: i64,
    src: NaiveDate,
    src_idx: u32,
    handle: usize,
}

struct DayCtx {
    date: NaiveDate,
    day: u64,
    start: DateTime<Utc>,
    next_start: DateTime<Utc>,
    count: u32,
    slot: i64,
}

impl World {
    /// A world with the default (small) bulk ledger volume.
    pub fn new(seed: u64, today: NaiveDate) -> World {
        World::with_bulk(seed, today, DEFAULT_BULK_ENTRIES_PER_DAY)
    }

    /// A world whose bulk ledger (900001) has `bulk_entries_per_day` funds entries on every date
    /// (33,334 a day gives a ledger-month of over 1,000,000).
    pub fn with_bulk(seed: u64, today: NaiveDate, bulk_entries_per_day: u32) -> World {
        let specs = ledger_seeds()
            .into_iter()
            .map(|s| {
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
            })
            .collect();
        let (merchants, partner) = merchants_and_partner();
        World {
            seed,
            today,
            bulk_entries_per_day: bulk_entries_per_day.max(3),
            specs,
            merchants,
            partner,
            closings: Mutex::new(HashMap::new()),
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn today(&self) -> NaiveDate {
        self.today
    }

    pub fn bulk_entries_per_day(&self) -> u32 {
        self.bulk_entries_per_day
    }

    /// Every ledger of every merchant whose first date is before `today`.
    pub fn ledgers(&self) -> Vec<Ledger> {
        self.specs
            .iter()
            .filter(|s| s.start < self.today)
            .map(|s| s.ledger.clone())
            .collect()
    }

    pub fn ledger(&self, ledger_id: &str) -> Option<Ledger> {
        self.spec(ledger_id).map(|s| s.ledger.clone())
    }

    pub fn ledger_profile(&self, ledger_id: &str) -> Option<LedgerProfile> {
        self.spec(ledger_id).map(|s| LedgerProfile {
            ledger_id: s.ledger.ledger_id.clone(),
            payout: s.payout,
            settlement: s.settlement,
            first_date: s.start,
            time_style: s.time_style,
            lagging_fees: s.lagging_fees,
            negative_stretches: s.negative_stretches,
            is_bulk: s.kind == Kind::Bulk,
            is_doc_example: s.kind == Kind::DocExample,
        })
    }

    /// Accept another set of merchant keys (seeing `merchant.ledger_ids`).
    pub fn add_merchant(&mut self, merchant: SimMerchant) {
        self.merchants.push(merchant);
    }

    pub fn merchants(&self) -> &[SimMerchant] {
        &self.merchants
    }

    pub fn partner(&self) -> &SimPartner {
        &self.partner
    }

    /// A date's final entries on one topic, in served order, without personal data
    /// (what a sync without `includeGDPRSensitiveData` stores). Empty for an unknown ledger.
    pub fn entries(&self, ledger_id: &str, topic: Topic, date: NaiveDate) -> Vec<Entry> {
        let mut entries = self.entries_with_gdpr(ledger_id, topic, date);
        for e in &mut entries {
            strip_gdpr(e);
        }
        entries
    }

    /// As [`World::entries`], with `name`, `maskedPhoneNo` and `message` on Vippsnummer payments.
    pub fn entries_with_gdpr(&self, ledger_id: &str, topic: Topic, date: NaiveDate) -> Vec<Entry> {
        let day = self.day(ledger_id, date);
        match topic {
            Topic::Funds => day.funds,
            Topic::Fees => day.fees,
        }
    }

    /// Both topics of a date at once (GDPR fields included): what the server caches.
    pub fn day(&self, ledger_id: &str, date: NaiveDate) -> DayEntries {
        let Some(spec) = self.spec(ledger_id) else {
            return DayEntries::default();
        };
        if date < spec.start {
            return DayEntries::default();
        }
        match spec.kind {
            Kind::DocExample => doc_example_day(spec, date),
            Kind::Bulk | Kind::Regular => {
                let open = self.opening(spec, date);
                self.build_day(spec, date, open, true).1
            }
        }
    }

    /// Balances at the start of a date (funds, fees), as the first entries' `balanceBefore` show them.
    pub fn opening_balances(&self, ledger_id: &str, date: NaiveDate) -> (i64, i64) {
        match self.spec(ledger_id) {
            Some(spec) if spec.kind != Kind::DocExample && date > spec.start => {
                let o = self.opening(spec, date);
                (o.funds, o.fees)
            }
            _ => (0, 0),
        }
    }

    /// The time style the server uses for this ledger's `time` fields.
    pub fn format_time(&self, ledger_id: &str, time: DateTime<Utc>) -> String {
        match self.spec(ledger_id) {
            Some(spec) if spec.time_style == TimeStyle::LocalOffset => time
                .with_timezone(&spec.tz)
                .format("%Y-%m-%dT%H:%M:%S%.6f%z")
                .to_string(),
            _ => time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        }
    }

    fn spec(&self, ledger_id: &str) -> Option<&LedgerSpec> {
        self.specs.iter().find(|s| s.ledger.ledger_id == ledger_id)
    }

    // -----------------------------------------------------------------------------------------
    // Balances carried between dates.

    fn opening(&self, spec: &LedgerSpec, date: NaiveDate) -> DayClose {
        let offset = usize::try_from(date.signed_duration_since(spec.start).num_days()).unwrap_or(0);
        if offset == 0 {
            return DayClose::default();
        }
        if spec.kind == Kind::Bulk {
            // Bulk dates are independent: every date nets positive and pays out (see `bulk_plan`).
            return DayClose {
                funds: 0,
                fees: 0,
                payouts: offset as u64,
            };
        }
        let mut memo = match self.closings.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let closes = memo.entry(spec.ledger.ledger_id.clone()).or_default();
        while closes.len() < offset {
            let d = spec.start + Duration::days(closes.len() as i64);
            let open = closes.last().copied().unwrap_or_default();
            let (close, _) = self.build_day(spec, d, open, false);
            closes.push(close);
        }
        closes[offset - 1]
    }

    // -----------------------------------------------------------------------------------------
    // Generation.

    fn day_ctx(&self, spec: &LedgerSpec, date: NaiveDate) -> DayCtx {
        let day = day_number(date);
        let count = self.capture_count(spec, date, day);
        let start = local_midnight(spec.tz, date);
        let next_start = local_midnight(spec.tz, date + Duration::days(1));
        // Sales between 07:00 and 22:00 local: inside the date even on DST days.
        let span = 15 * MICROS_PER_HOUR;
        let slot = (span / i64::from(count.max(1))).max(1);
        DayCtx {
            date,
            day,
            start,
            next_start,
            count,
            slot,
        }
    }

    fn capture_count(&self, spec: &LedgerSpec, date: NaiveDate, day: u64) -> u32 {
        if spec.kind == Kind::Bulk {
            // captures + refunds (1 per 51 entries) + fees-retained + payout = the configured count.
            let n = self.bulk_entries_per_day.saturating_sub(2);
            return (n - n / 51).max(1);
        }
        if date < spec.start {
            return 0;
        }
        let weekday_pct: u64 = match date.weekday() {
            Weekday::Mon => 80,
            Weekday::Tue => 85,
            Weekday::Wed => 90,
            Weekday::Thu => 100,
            Weekday::Fri => 125,
            Weekday::Sat => 130,
            Weekday::Sun => 65,
        };
        let season_pct: u64 = if date.month() == 12 { 130 } else { 100 };
        let noise = 75 + hash(&[spec.tag, day, 1]) % 51;
        let n = u64::from(spec.mean_captures) * weekday_pct * season_pct * noise / 1_000_000;
        u32::try_from(n.max(1)).unwrap_or(u32::MAX)
    }

    /// Amount, fee and fee lag of one capture: all that carried balances need.
    fn capture_money(&self, spec: &LedgerSpec, day: u64, idx: u32) -> (u64, i64, i64, u8) {
        let h = hash(&[spec.tag, day, u64::from(idx), 2]);
        let span = u64::try_from(spec.price_max - spec.price_min).unwrap_or(1).max(1);
        let kroner = spec.price_min + i64::try_from(h % span).unwrap_or(0);
        // Prices end in 9 or 5, with the odd 50 øre: they look like a menu.
        let kroner = if kroner >= 10 {
            kroner - kroner % 10 + if h >> 50 & 1 == 0 { 9 } else { 5 }
        } else {
            kroner
        };
        let cents = if (h >> 40).is_multiple_of(5) { 50 } else { 0 };
        let amount = kroner * 100 + cents;
        let fee = spec.fee_fixed + (amount * spec.fee_bp + 5_000) / 10_000;
        let lag = if spec.lagging_fees {
            match (h >> 20) % 100 {
                0..=64 => 0,
                65..=89 => 1,
                _ => 2,
            }
        } else {
            0
        };
        (h, amount, fee, lag)
    }

    fn capture(&self, spec: &LedgerSpec, ctx: &DayCtx, idx: u32) -> Capture {
        let (h, amount, fee, lag) = self.capture_money(spec, ctx.day, idx);
        let jitter = i64::try_from((h >> 8) % u64::try_from(ctx.slot).unwrap_or(1).max(1)).unwrap_or(0);
        let time = ctx.start + micros(7 * MICROS_PER_HOUR + i64::from(idx) * ctx.slot + jitter);
        let handles = spec.ledger.settles_for_recipient_handles.len().max(1);
        let handle = usize::try_from((h >> 33) % handles as u64).unwrap_or(0);
        Capture {
            idx,
            amount,
            fee,
            lag,
            time,
            handle,
        }
    }

    fn refunds(&self, spec: &LedgerSpec, ctx: &DayCtx) -> Vec<FundsAct> {
        let expected = u64::from(ctx.count) * spec.refund_permille;
        let r = if spec.kind == Kind::Bulk {
            u64::from(self.bulk_entries_per_day.saturating_sub(2) / 51)
        } else {
            (expected + hash(&[spec.tag, ctx.day, 3]) % 1000) / 1000
        };
        let mut out = Vec::with_capacity(usize::try_from(r).unwrap_or(0));
        for k in 0..r {
            let h = hash(&[spec.tag, ctx.day, k, 4]);
            let back: i64 = if spec.kind == Kind::Bulk {
                0
            } else {
                match h % 10 {
                    0..=5 => 0,
                    6..=7 => 1,
                    _ => 2,
                }
            };
            let src = ctx.date - Duration::days(back);
            if src < spec.start {
                continue;
            }
            let src_ctx = if back == 0 {
                None
            } else {
                Some(self.day_ctx(spec, src))
            };
            let sctx = src_ctx.as_ref().unwrap_or(ctx);
            let src_idx = if spec.kind == Kind::Bulk {
                // Distinct captures, so a bulk date's refunds never exceed its sales.
                u32::try_from(k * 50 + (h >> 8) % 50)
                    .unwrap_or(0)
                    .min(sctx.count.saturating_sub(1))
            } else {
                u32::try_from((h >> 8) % u64::from(sctx.count.max(1))).unwrap_or(0)
            };
            let cap = self.capture(spec, sctx, src_idx);
            let amount = if (h >> 4).is_multiple_of(3) {
                -(cap.amount / 2)
            } else {
                -cap.amount
            };
            let time = if back == 0 {
                let later =
                    cap.time + micros((5 + i64::try_from((h >> 16) % 115).unwrap_or(0)) * MICROS_PER_MINUTE);
                later.min(ctx.next_start - micros(15 * MICROS_PER_MINUTE))
            } else {
                ctx.start
                    + micros(7 * MICROS_PER_HOUR + i64::try_from((h >> 16) % 14_000_000_000).unwrap_or(0) * 3)
            };
            out.push(FundsAct::Refund {
                time,
                amount,
                n: u32::try_from(k).unwrap_or(0),
                src,
                src_idx,
                handle: cap.handle,
            });
        }
        out
    }

    /// Start of the negative stretch containing `date`, if any: one every 180 days, 10 dates long.
    fn stretch_day(&self, spec: &LedgerSpec, date: NaiveDate) -> Option<i64> {
        if !spec.negative_stretches {
            return None;
        }
        let offset = date.signed_duration_since(spec.start).num_days();
        let phase = i64::try_from(20 + spec.tag % 140).unwrap_or(20);
        let pos = (offset - phase).rem_euclid(180);
        (offset >= phase && pos < 10).then_some(pos)
    }

    fn extras(&self, spec: &LedgerSpec, ctx: &DayCtx) -> Vec<FundsAct> {
        let mut out = Vec::new();
        if spec.kind == Kind::Bulk {
            return out;
        }
        let offset = u64::try_from(ctx.date.signed_duration_since(spec.start).num_days()).unwrap_or(0);
        let h = hash(&[spec.tag, ctx.day, 5]);
        // The top-up comes first: it is the one entry whose amount depends on the balance before it.
        match self.stretch_day(spec, ctx.date) {
            Some(0) => {
                // Three weeks of sales going back at once: the balance stays negative for days.
                let typical = i64::from(spec.mean_captures) * (spec.price_min + spec.price_max) * 50;
                let time = ctx.start + micros(10 * MICROS_PER_HOUR);
                out.push(FundsAct::BigRefund {
                    time,
                    amount: -(typical * 21),
                });
            }
            Some(9) => out.push(FundsAct::TopUp {
                time: ctx.start + micros(6 * MICROS_PER_HOUR),
            }),
            _ => {}
        }
        if spec.corrections && offset % 40 == spec.tag % 40 {
            let size = 100 + i64::try_from(h % 5_000).unwrap_or(0);
            let amount = if h >> 32 & 3 == 0 { size } else { -size };
            let time = ctx.start
                + micros(12 * MICROS_PER_HOUR + i64::try_from((h >> 8) % 3_600_000_000).unwrap_or(0));
            out.push(FundsAct::Correction { time, amount });
        }
        if spec.unknown_types && offset % 29 == spec.tag % 29 {
            let amount = 500 + i64::try_from((h >> 16) % 2_000).unwrap_or(0);
            let time = ctx.start
                + micros(13 * MICROS_PER_HOUR + i64::try_from((h >> 24) % 3_600_000_000).unwrap_or(0));
            out.push(FundsAct::Unknown { time, amount });
        }
        out
    }

    /// Capture fees whose ledger date is `ctx.date`: from captures of this date and up to 2 dates earlier.
    fn landed_fees(&self, spec: &LedgerSpec, ctx: &DayCtx) -> Vec<FeeAct> {
        let mut out = Vec::with_capacity(ctx.count as usize);
        let max_back: i64 = if spec.lagging_fees { 2 } else { 0 };
        for back in (0..=max_back).rev() {
            let src = ctx.date - Duration::days(back);
            if src < spec.start {
                continue;
            }
            let owned;
            let sctx = if back == 0 {
                ctx
            } else {
                owned = self.day_ctx(spec, src);
                &owned
            };
            for idx in 0..sctx.count {
                let c = self.capture(spec, sctx, idx);
                if i64::from(c.lag) != back {
                    continue;
                }
                let time = if back == 0 {
                    c.time
                } else {
                    let h = hash(&[spec.tag, sctx.day, u64::from(idx), 6]);
                    ctx.start + micros(MICROS_PER_HOUR + i64::try_from(h % 14_400_000_000).unwrap_or(0))
                };
                out.push(FeeAct {
                    time,
                    fee: c.fee,
                    src,
                    src_idx: idx,
                    handle: c.handle,
                });
            }
        }
        out.sort_by_key(|f| f.time);
        out
    }

    /// The sum of [`World::landed_fees`] without listing them: for carried balances.
    fn landed_total(&self, spec: &LedgerSpec, ctx: &DayCtx) -> i64 {
        let max_back: i64 = if spec.lagging_fees { 2 } else { 0 };
        let mut total = 0;
        for back in 0..=max_back {
            let src = ctx.date - Duration::days(back);
            if src < spec.start {
                continue;
            }
            let (day, count) = if back == 0 {
                (ctx.day, ctx.count)
            } else {
                let day = day_number(src);
                (day, self.capture_count(spec, src, day))
            };
            for idx in 0..count {
                let (_, _, fee, lag) = self.capture_money(spec, day, idx);
                if i64::from(lag) == back {
                    total += fee;
                }
            }
        }
        total
    }

    /// Generates one date from its opening balances; returns the closing balances and, when asked,
    /// the entries. The same code computes carried balances, so the two can never disagree.
    fn build_day(
        &self,
        spec: &LedgerSpec,
        date: NaiveDate,
        open: DayClose,
        materialize: bool,
    ) -> (DayClose, DayEntries) {
        let ctx = self.day_ctx(spec, date);
        // The top-up (06:00) is the one entry whose amount depends on the balance before it, and it
        // precedes all other activity: so balances alone can sum sales and refunds without listing them.
        let mut acts: Vec<FundsAct> = self.extras(spec, &ctx);
        let mut unlisted = 0;
        let (fees, landed) = if materialize {
            acts.reserve(ctx.count as usize + 8);
            for idx in 0..ctx.count {
                acts.push(FundsAct::Capture(self.capture(spec, &ctx, idx)));
            }
            acts.extend(self.refunds(spec, &ctx));
            acts.sort_by_key(|a| a.time());
            let fees = self.landed_fees(spec, &ctx);
            let landed = fees.iter().map(|f| f.fee).sum();
            (fees, landed)
        } else {
            unlisted += (0..ctx.count)
                .map(|i| self.capture_money(spec, ctx.day, i).1)
                .sum::<i64>();
            for refund in self.refunds(spec, &ctx) {
                if let FundsAct::Refund { amount, .. } = refund {
                    unlisted += amount;
                }
            }
            (Vec::new(), self.landed_total(spec, &ctx))
        };

        let ledger_id = spec.ledger.ledger_id.as_str();
        let currency = spec.ledger.currency.as_str();
        let settle_time = ctx.next_start;
        let mut funds_out = Vec::new();
        let mut fees_out = Vec::new();
        let mut balance = open.funds;
        let entry = |topic: Topic,
                     seq: usize,
                     psp: String,
                     time,
                     ty: EntryType,
                     reference: String,
                     amount,
                     before,
                     handle: Option<String>| Entry {
            ledger_id: ledger_id.to_string(),
            topic,
            ledger_date: date,
            seq: u32::try_from(seq).unwrap_or(u32::MAX),
            psp_reference: psp,
            time,
            entry_type: ty,
            reference,
            currency: currency.to_string(),
            amount,
            balance_before: before,
            balance_after: before + amount,
            recipient_handle: handle,
            name: None,
            masked_phone_no: None,
            message: None,
        };

        if materialize {
            funds_out.reserve(acts.len() + 2);
        }
        for act in &acts {
            let (amount, time) = match *act {
                FundsAct::Capture(c) => (c.amount, c.time),
                FundsAct::Refund { amount, time, .. }
                | FundsAct::Correction { amount, time }
                | FundsAct::Unknown { amount, time }
                | FundsAct::BigRefund { amount, time } => (amount, time),
                FundsAct::TopUp { time } => {
                    if balance >= 0 {
                        continue;
                    }
                    (-balance, time)
                }
            };
            if materialize {
                let seq = funds_out.len();
                let e = match *act {
                    FundsAct::Capture(c) => {
                        let handle = self.handle(spec, c.handle);
                        let mut e = entry(
                            Topic::Funds,
                            seq,
                            psp_number(0, spec.code, ctx.day, u64::from(c.idx)),
                            time,
                            EntryType::Capture,
                            self.order_reference(spec, date, c.idx),
                            amount,
                            balance,
                            Some(handle.clone()),
                        );
                        if is_vippsnummer(&handle) {
                            fill_gdpr(&mut e, spec, hash(&[spec.tag, ctx.day, u64::from(c.idx), 7]));
                        }
                        e
                    }
                    FundsAct::Refund {
                        n,
                        src,
                        src_idx,
                        handle,
                        ..
                    } => entry(
                        Topic::Funds,
                        seq,
                        psp_number(1, spec.code, ctx.day, u64::from(n)),
                        time,
                        EntryType::Refund,
                        self.order_reference(spec, src, src_idx),
                        amount,
                        balance,
                        Some(self.handle(spec, handle)),
                    ),
                    FundsAct::Correction { .. } => entry(
                        Topic::Funds,
                        seq,
                        psp_number(2, spec.code, ctx.day, 0),
                        time,
                        EntryType::Correction,
                        format!("Correction {}", date.format("%Y%m%d")),
                        amount,
                        balance,
                        None,
                    ),
                    FundsAct::Unknown { .. } => entry(
                        Topic::Funds,
                        seq,
                        psp_number(3, spec.code, ctx.day, 0),
                        time,
                        EntryType::Other("loyalty-adjustment".to_string()),
                        format!("loyalty-{}", date.format("%Y%m")),
                        amount,
                        balance,
                        None,
                    ),
                    FundsAct::BigRefund { .. } => entry(
                        Topic::Funds,
                        seq,
                        psp_number(4, spec.code, ctx.day, 0),
                        time,
                        EntryType::Refund,
                        format!("return-{}", date.format("%Y%m%d")),
                        amount,
                        balance,
                        Some(self.handle(spec, 0)),
                    ),
                    FundsAct::TopUp { .. } => entry(
                        Topic::Funds,
                        seq,
                        ulid_like(hash(&[spec.tag, ctx.day, 8]), hash(&[spec.tag, ctx.day, 9])),
                        time,
                        EntryType::TopUp,
                        format!("Top-up {}", date.format("%Y-%m-%d")),
                        amount,
                        balance,
                        None,
                    ),
                };
                funds_out.push(e);
            }
            balance += amount;
        }
        balance += unlisted;

        // Fees topic: landed capture fees, then the date's settlement of them.
        let mut fees_balance = open.fees;
        if materialize {
            fees_out.reserve(fees.len() + 1);
            for f in &fees {
                let sctx_day = day_number(f.src);
                let e = entry(
                    Topic::Fees,
                    fees_out.len(),
                    psp_number(0, spec.code, sctx_day, u64::from(f.src_idx)),
                    f.time,
                    EntryType::CaptureFee,
                    self.order_reference(spec, f.src, f.src_idx),
                    -f.fee,
                    fees_balance,
                    Some(self.handle(spec, f.handle)),
                );
                fees_out.push(e);
                fees_balance -= f.fee;
            }
        } else {
            fees_balance -= landed;
        }

        match spec.settlement {
            Settlement::Net if landed != 0 => {
                let psp = ulid_like(hash(&[spec.tag, ctx.day, 10]), hash(&[spec.tag, ctx.day, 11]));
                if materialize {
                    let seq = funds_out.len();
                    funds_out.push(entry(
                        Topic::Funds,
                        seq,
                        psp.clone(),
                        settle_time,
                        EntryType::FeesRetained,
                        String::new(),
                        -landed,
                        balance,
                        None,
                    ));
                    let seq = fees_out.len();
                    fees_out.push(entry(
                        Topic::Fees,
                        seq,
                        psp,
                        settle_time,
                        EntryType::FeesRetained,
                        String::new(),
                        -fees_balance,
                        fees_balance,
                        None,
                    ));
                }
                balance -= landed;
                fees_balance = 0;
            }
            Settlement::Gross if date.month() != (date + Duration::days(1)).month() && fees_balance != 0 => {
                if materialize {
                    let seq = fees_out.len();
                    fees_out.push(entry(
                        Topic::Fees,
                        seq,
                        format!("INV-{}-{}", spec.ledger.ledger_id, date.format("%Y%m")),
                        settle_time,
                        EntryType::FeesInvoiced,
                        format!("Invoice {}", date.format("%Y-%m")),
                        -fees_balance,
                        fees_balance,
                        None,
                    ));
                }
                fees_balance = 0;
            }
            _ => {}
        }

        let mut payouts = open.payouts;
        if spec.payout.is_paying_date(date) && balance > 0 {
            let number = FIRST_PAYOUT_NUMBER + payouts;
            if materialize {
                let seq = funds_out.len();
                funds_out.push(entry(
                    Topic::Funds,
                    seq,
                    format!("{}-{number}", spec.ledger.ledger_id),
                    settle_time,
                    EntryType::PayoutScheduled,
                    format!("Vipps utbet. {number} Vippsnr {}", spec.bank_number),
                    -balance,
                    balance,
                    None,
                ));
            }
            payouts += 1;
            balance = 0;
        }
        (
            DayClose {
                funds: balance,
                fees: fees_balance,
                payouts,
            },
            DayEntries {
                funds: funds_out,
                fees: fees_out,
            },
        )
    }

    fn handle(&self, spec: &LedgerSpec, idx: usize) -> String {
        spec.ledger
            .settles_for_recipient_handles
            .get(idx)
            .cloned()
            .unwrap_or_default()
    }

    fn order_reference(&self, spec: &LedgerSpec, date: NaiveDate, idx: u32) -> String {
        let prefix = match spec.ledger.currency.as_str() {
            "DKK" => "ordre",
            "EUR" => "tilaus",
            _ => "order",
        };
        format!("{prefix}-{}-{:05}", date.format("%y%m%d"), idx + 1)
    }
}

fn is_vippsnummer(handle: &str) -> bool {
    handle.starts_with("NO:") || handle.starts_with("DK:") || handle.starts_with("FI:")
}

fn strip_gdpr(e: &mut Entry) {
    e.name = None;
    e.masked_phone_no = None;
    e.message = None;
}

fn fill_gdpr(e: &mut Entry, spec: &LedgerSpec, h: u64) {
    let (names, messages, prefix): (&[&str], &[&str], &str) = match spec.ledger.currency.as_str() {
        "DKK" => (
            &[
                "Mette Jensen",
                "Lars Nielsen",
                "Sofie Hansen",
                "Mads Pedersen",
                "Freja Larsen",
            ],
            &[
                "Tak for kagen",
                "Rugbrød x2",
                "Fødselsdagsgave",
                "Kaffe og wienerbrød",
            ],
            "+45",
        ),
        "EUR" => (
            &[
                "Aino Virtanen",
                "Mikko Korhonen",
                "Emma Mäkinen",
                "Juha Nieminen",
                "Sanna Laine",
            ],
            &["Kiitos!", "Saunavuoro", "Lahjakortti", "Pyyhe ja vihta"],
            "+358",
        ),
        _ => (
            &[
                "Kari Nordmann",
                "Ola Hansen",
                "Ingrid Berg",
                "Per Johansen",
                "Sigrid Dahl",
                "Nils Lie",
            ],
            &[
                "Takk for kaffen!",
                "Kaffe og bolle",
                "Bursdagsgave til Per",
                "Lunsj fredag",
            ],
            "+47",
        ),
    };
    e.name = Some(names[usize::try_from(h % names.len() as u64).unwrap_or(0)].to_string());
    e.masked_phone_no = Some(format!("{prefix}xxxxx{:03}", (h >> 16) % 1000));
    if (h >> 32) % 5 < 2 {
        e.message =
            Some(messages[usize::try_from((h >> 40) % messages.len() as u64).unwrap_or(0)].to_string());
    }
}

/// The documented example day, field for field (see `tests/fixtures/doc-example-2022-10-01`).
fn doc_example_day(spec: &LedgerSpec, date: NaiveDate) -> DayEntries {
    if date != DOC_DATE {
        return DayEntries::default();
    }
    // (psp, UTC time h:m:s.micros — the fixture shows +0200, entry type, reference, amount, handle)
    let at = |d: u32, h: u32, m: u32, s: u32, us: u32| {
        NaiveDate::from_ymd_opt(2022, 10, d)
            .and_then(|nd| nd.and_hms_micro_opt(h, m, s, us))
            .map(|n| n.and_utc())
            .unwrap_or_default()
    };
    let captures = [
        ("3343121302", at(1, 14, 33, 0, 824_993), "purchase-12", 10_000),
        ("3334234112", at(1, 16, 37, 55, 982_497), "purchase-12", 10_000),
        ("3259823497", at(1, 17, 12, 54, 932_428), "purchase-14", 20_000),
    ];
    // 2022-10-02T00:00:00+0200 is 2022-10-01T22:00:00Z.
    let settle = at(1, 22, 0, 0, 0);
    let handle = Some("NO:57860".to_string());
    let mk = |topic: Topic,
              seq: u32,
              psp: &str,
              time,
              ty: EntryType,
              reference: &str,
              amount: i64,
              before: i64,
              h: &Option<String>| Entry {
        ledger_id: spec.ledger.ledger_id.clone(),
        topic,
        ledger_date: date,
        seq,
        psp_reference: psp.to_string(),
        time,
        entry_type: ty,
        reference: reference.to_string(),
        currency: "NOK".to_string(),
        amount,
        balance_before: before,
        balance_after: before + amount,
        recipient_handle: h.clone(),
        name: None,
        masked_phone_no: None,
        message: None,
    };
    let mut funds = Vec::new();
    let mut fees = Vec::new();
    let mut balance = 0;
    for (i, (psp, time, reference, amount)) in captures.iter().enumerate() {
        let seq = u32::try_from(i).unwrap_or(0);
        funds.push(mk(
            Topic::Funds,
            seq,
            psp,
            *time,
            EntryType::Capture,
            reference,
            *amount,
            balance,
            &handle,
        ));
        balance += amount;
        fees.push(mk(
            Topic::Fees,
            seq,
            psp,
            *time,
            EntryType::CaptureFee,
            reference,
            -400,
            -400 * i64::from(seq),
            &handle,
        ));
    }
    funds.push(mk(
        Topic::Funds,
        3,
        "1154320987",
        at(1, 21, 47, 59, 984_224),
        EntryType::Refund,
        "purchase-12",
        -10_000,
        40_000,
        &handle,
    ));
    funds.push(mk(
        Topic::Funds,
        4,
        "01H7W7Q6Y5R-3G58CTAZX0MHKV2",
        settle,
        EntryType::FeesRetained,
        "",
        -1_200,
        30_000,
        &None,
    ));
    funds.push(mk(
        Topic::Funds,
        5,
        "12345-2000023",
        settle,
        EntryType::PayoutScheduled,
        "Vipps utbet. 2000023 Vippsnr 57860",
        -28_800,
        28_800,
        &None,
    ));
    fees.push(mk(
        Topic::Fees,
        3,
        "12345-2000321",
        settle,
        EntryType::FeesRetained,
        "",
        1_200,
        -1_200,
        &None,
    ));
    DayEntries { funds, fees }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn the_same_seed_gives_the_same_day_and_another_seed_another() {
        let a = World::new(7, d("2026-01-01"));
        let b = World::new(7, d("2026-01-01"));
        let c = World::new(8, d("2026-01-01"));
        let day = d("2022-03-15");
        assert_eq!(
            a.entries("302321", Topic::Funds, day),
            b.entries("302321", Topic::Funds, day)
        );
        assert_ne!(
            a.entries("302321", Topic::Funds, day),
            c.entries("302321", Topic::Funds, day)
        );
    }

    #[test]
    fn psp_numbers_do_not_collide_across_kinds_and_dates() {
        let mut seen = std::collections::HashSet::new();
        for kind in 0..3 {
            for day in 0..30 {
                for idx in 0..200 {
                    assert!(seen.insert(psp_number(kind, 2, 19_000 + day, idx)));
                }
            }
        }
    }

    #[test]
    fn the_bulk_ledger_has_exactly_the_configured_funds_entries_a_day() {
        let w = World::with_bulk(1, d("2026-01-01"), 1_000);
        let funds = w.entries(BULK_LEDGER_ID, Topic::Funds, d("2023-05-02"));
        assert_eq!(funds.len(), 1_000);
        assert_eq!(funds.last().map(|e| e.balance_after), Some(0));
        assert_eq!(funds.first().map(|e| e.balance_before), Some(0));
    }
}
