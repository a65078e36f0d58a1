//! Deterministic ledgers and entries from a seed: the simulator's world, also usable without HTTP.
//! Every date is generated on demand; only a small per-ledger table of closing balances is remembered.
//!
//! Shape of the world (fixed ids, seed-dependent figures):
//!
//! | ledger | owner | currency | payout | settlement | notes |
//! |---|---|---|---|---|---|
//! | 12345  | Example Shop (doc merchant) | NOK | daily | net | only 2022-10-01, exactly the documented example |
//! | 302321 | Fjordkaffe AS (demo merchant keys) | NOK | daily | net | `api:123455` + Vippsnummer `NO:57861`, lagging fees, corrections |
//! | 302322 | Fjordkaffe AS (Vippsnummer only) | NOK | weekly (Monday) | gross | `fees-invoiced` on the last date of each month |
//! | 900001 | Lysgården Interiør AS (a busy webshop) | NOK | daily | net | volume from `bulk_entries_per_day` funds entries a date |
//! | 402001 | Hygge Bageri ApS | DKK | weekly (Monday) | net | times served with `+0100/+0200` offsets, lagging fees |
//! | 402002 | Hygge Bageri ApS | DKK | monthly (1st) | gross | starts 2023-04-01 |
//! | 502001 | Sauna Oy | EUR | monthly (1st) | net | Vippsnummer `FI:70123`, `loyalty-adjustment` entries |
//! | 502002 | Sauna Oy | EUR | daily | net | negative stretches ending in a `top-up`, lagging fees, corrections, `loyalty-adjustment` |
//! | 302400 | Nordlys Sykkel AS | NOK | daily | net | like 502002; Vippsnummer only and NOT granted to the partner (404) |
//! | 302500 | Stille Kiosk AS | NOK | daily | net | Vippsnummer `NO:58200`, idle: no traffic, so no date ever closes |
//!
//! Merchant keys (one API sales unit each) see exactly their own MSN's ledger: 302321, 12345,
//! 900001, 402002, 502002. Vippsnummer ledgers are seen only through the accounting partner,
//! which sees 12345, 302321, 302322, 402001, 402002, 502001, 502002, 302500 and 900001.
//!
//! A date closes (`tryLater: false`) once the payout that covers it has happened: the first date
//! on or after it that pays out, before the server's today ([`World::closing_date`]). So monthly
//! ledgers keep every date of the month open until the 1st, weekly ones until Monday, a negative
//! stretch until the payout after its top-up, and the idle ledger for ever.
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

mod cast;
mod day;
mod doc_example;
mod firm;
mod plan;

use super::rng;
use crate::model::{Entry, Ledger, Topic};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
pub use firm::{firm_client_name, firm_granted, firm_ledger_id, FIRM_LATE_LEDGER, FIRM_LEDGERS};
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

/// Why the simulator keeps a past date open (`tryLater: true`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenReason {
    /// Monthly payouts: every date until the 1st of the next month pays out.
    MonthlySettlement,
    /// The balance is below zero: no payout until a top-up brings it back.
    NegativeBalance,
    /// No traffic at all: nothing will close the date.
    Idle,
    /// Waiting for the next paying date (weekly payouts, a quiet date).
    AwaitingPayout,
}

/// The simulated Report API world. Cheap to share (`Arc<World>`); all methods take `&self`.
pub struct World {
    seed: u64,
    today: NaiveDate,
    bulk_entries_per_day: u32,
    specs: Vec<LedgerSpec>,
    merchants: Vec<SimMerchant>,
    partner: SimPartner,
    /// The ledgers the partner sees now (grants change: [`World::grant`], [`World::withdraw`]).
    grants: Mutex<Vec<String>>,
    /// Ledgers whose by-date reports all answer 500 errorCode 10002 (not to be retried).
    broken: Mutex<Vec<String>>,
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

fn lock_grants(m: &Mutex<Vec<String>>) -> std::sync::MutexGuard<'_, Vec<String>> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

impl World {
    /// A world with the default (small) bulk ledger volume.
    pub fn new(seed: u64, today: NaiveDate) -> World {
        World::with_bulk(seed, today, DEFAULT_BULK_ENTRIES_PER_DAY)
    }

    /// A world whose bulk ledger (900001) has `bulk_entries_per_day` funds entries on every date
    /// (33,334 a day gives a ledger-month of over 1,000,000).
    pub fn with_bulk(seed: u64, today: NaiveDate, bulk_entries_per_day: u32) -> World {
        let specs = cast::ledger_specs(seed);
        let (merchants, partner) = cast::merchants_and_partner();
        World {
            seed,
            today,
            bulk_entries_per_day: bulk_entries_per_day.max(3),
            specs,
            merchants,
            grants: Mutex::new(partner.ledger_ids.clone()),
            broken: Mutex::new(Vec::new()),
            partner,
            closings: Mutex::new(HashMap::new()),
        }
    }

    /// The firm world ([`firm`]): the default cast plus 200 generated client ledgers, of which
    /// the partner sees 199 and the bulk ledger at the start.
    pub fn firm(seed: u64, today: NaiveDate, bulk_entries_per_day: u32) -> World {
        let mut world = World::with_bulk(seed, today, bulk_entries_per_day);
        world.specs.extend(firm::firm_specs(seed));
        world.partner.ledger_ids = firm::firm_granted();
        world.grants = Mutex::new(world.partner.ledger_ids.clone());
        world
    }

    /// The ledgers the partner's keys see right now.
    pub fn partner_ledger_ids(&self) -> Vec<String> {
        lock_grants(&self.grants).clone()
    }

    /// A merchant grants `ledger_id` to the partner (it appears in the next ledger list).
    pub fn grant(&self, ledger_id: &str) {
        let mut grants = lock_grants(&self.grants);
        if !grants.iter().any(|l| l == ledger_id) {
            grants.push(ledger_id.to_string());
        }
    }

    /// Every by-date report of `ledger_id` fails from now on (500, errorCode 10002): a ledger
    /// whose dates all fail.
    pub fn break_ledger(&self, ledger_id: &str) {
        lock_grants(&self.broken).push(ledger_id.to_string());
    }

    pub fn is_broken(&self, ledger_id: &str) -> bool {
        lock_grants(&self.broken).iter().any(|l| l == ledger_id)
    }

    /// A merchant withdraws the grant: from now on the partner gets 404 for `ledger_id`.
    pub fn withdraw(&self, ledger_id: &str) {
        lock_grants(&self.grants).retain(|l| l != ledger_id);
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
            day::strip_gdpr(e);
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
            Kind::DocExample => doc_example::doc_example_day(spec, date),
            Kind::Bulk | Kind::Regular => {
                let open = self.opening(spec, date);
                self.build_day(spec, date, open, true).1
            }
        }
    }

    /// The ledger date whose payout closes `date`: the first date on or after it that pays out,
    /// looked for before `until` (the server's today). `None`: still open on `until`. This is how
    /// production keeps dates open for weeks: every date of a monthly-settled month until the 1st,
    /// a negative stretch until the payout after its top-up, an idle ledger for ever.
    pub fn closing_date(&self, ledger_id: &str, date: NaiveDate, until: NaiveDate) -> Option<NaiveDate> {
        let spec = self.spec(ledger_id)?;
        if date >= until {
            return None;
        }
        match spec.kind {
            // The documented example and the bulk ledger pay out every date they have.
            Kind::DocExample | Kind::Bulk => return Some(date),
            Kind::Regular => {}
        }
        if date < spec.start {
            // Before the ledger existed: nothing will ever come; the date is closed and empty.
            return Some(date);
        }
        let mut before = self.opening(spec, date).payouts;
        let mut p = date;
        while p < until {
            let after = self.opening(spec, p.succ_opt()?).payouts;
            if after > before {
                return Some(p);
            }
            before = after;
            p = p.succ_opt()?;
        }
        None
    }

    /// Why a date before `until` is still open, in the terms the API never states but the data shows.
    pub fn open_reason(&self, ledger_id: &str, date: NaiveDate, until: NaiveDate) -> Option<OpenReason> {
        if self.closing_date(ledger_id, date, until).is_some() {
            return None;
        }
        let spec = self.spec(ledger_id)?;
        let open = self.opening(spec, date.succ_opt()?);
        Some(if spec.mean_captures == 0 {
            OpenReason::Idle
        } else if open.funds < 0 {
            OpenReason::NegativeBalance
        } else if spec.payout == PayoutFrequency::Monthly {
            OpenReason::MonthlySettlement
        } else {
            OpenReason::AwaitingPayout
        })
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
            // Bulk dates are independent: every date nets positive and pays out
            // (see `capture_count` in `data/plan.rs`).
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
    fn the_bulk_ledger_has_exactly_the_configured_funds_entries_a_day() {
        let w = World::with_bulk(1, d("2026-01-01"), 1_000);
        let funds = w.entries(BULK_LEDGER_ID, Topic::Funds, d("2023-05-02"));
        assert_eq!(funds.len(), 1_000);
        assert_eq!(funds.last().map(|e| e.balance_after), Some(0));
        assert_eq!(funds.first().map(|e| e.balance_before), Some(0));
    }
}
