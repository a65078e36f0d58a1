//! A small, self-consistent ledger generator for reconciliation tests and the export benchmark.
//! It knows the true figures it wrote, so tests can compare the model against them.

use crate::model::{Entry, EntryType, Ledger, Minor, SalesUnit, SchemeId, Topic};
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Weekday};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    Daily,
    /// Mondays.
    Weekly,
    /// The 1st.
    Monthly,
}

#[derive(Debug, Clone)]
pub struct SynthConfig {
    pub seed: u64,
    pub ledger_id: String,
    pub currency: String,
    pub frequency: Frequency,
    /// Fees invoiced monthly instead of retained from funds.
    pub gross: bool,
    /// Capture fees land 0..=max_fee_lag days after the capture.
    pub max_fee_lag: i64,
    /// Captures per date (upper bound; the actual count is random below it).
    pub captures_per_day: u32,
    /// Refunds reuse the capture's pspReference (else a fresh one, as in the documented example).
    pub refund_same_psp: bool,
    /// Now and then a large refund drives the balance negative; a top-up follows after a while.
    pub negative_balances: bool,
    /// Corrections, disputes, credit notes and an unknown type now and then.
    pub other_movements: bool,
    pub unknown_types: bool,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            seed: 1,
            ledger_id: "777001".into(),
            currency: "NOK".into(),
            frequency: Frequency::Daily,
            gross: false,
            max_fee_lag: 2,
            captures_per_day: 12,
            refund_same_psp: false,
            negative_balances: true,
            other_movements: true,
            unknown_types: false,
        }
    }
}

/// What was generated: entries per (topic, date) in served order.
#[derive(Debug, Clone)]
pub struct SynthLedger {
    pub ledger: Ledger,
    pub funds: BTreeMap<NaiveDate, Vec<Entry>>,
    pub fees: BTreeMap<NaiveDate, Vec<Entry>>,
}

impl SynthLedger {
    pub fn funds_between(&self, from: NaiveDate, to: NaiveDate) -> Vec<Entry> {
        self.funds
            .range(from..=to)
            .flat_map(|(_, v)| v.iter().cloned())
            .collect()
    }
    pub fn fees_between(&self, from: NaiveDate, to: NaiveDate) -> Vec<Entry> {
        self.fees
            .range(from..=to)
            .flat_map(|(_, v)| v.iter().cloned())
            .collect()
    }
    /// Σ amounts of one type over ledger dates `from..=to`.
    pub fn sum(&self, topic: Topic, ty: &EntryType, from: NaiveDate, to: NaiveDate) -> Minor {
        let m = match topic {
            Topic::Funds => &self.funds,
            Topic::Fees => &self.fees,
        };
        m.range(from..=to)
            .flat_map(|(_, v)| v.iter())
            .filter(|e| &e.entry_type == ty)
            .map(|e| e.amount)
            .sum()
    }
}

pub fn ledger(id: &str, currency: &str) -> Ledger {
    Ledger {
        ledger_id: id.to_string(),
        currency: currency.to_string(),
        payout_bank_account: SchemeId {
            scheme: "BBAN:NO".into(),
            id: "86011117947".into(),
        },
        owner: SchemeId {
            scheme: "business:NO:ORG".into(),
            id: "987654321".into(),
        },
        settles_for_recipient_handles: vec!["NO:57860".into(), "api:123455".into()],
        sales_units: vec![
            SalesUnit {
                name: "Kafé Fjord".into(),
                recipient_handle: "NO:57860".into(),
                business_identifier: None,
            },
            SalesUnit {
                name: "Kafé Fjord nettbutikk".into(),
                recipient_handle: "api:123455".into(),
                business_identifier: None,
            },
        ],
    }
}

/// A capture waiting for its fee or refund: (pspReference, order reference, amount, sales unit).
type Pending = (String, String, Minor, Option<String>);

struct Book {
    ledger_id: String,
    currency: String,
    topic: Topic,
    balance: Minor,
    entries: Vec<Entry>,
    date: NaiveDate,
}

impl Book {
    fn new(cfg: &SynthConfig, topic: Topic, balance: Minor, date: NaiveDate) -> Self {
        Book {
            ledger_id: cfg.ledger_id.clone(),
            currency: cfg.currency.clone(),
            topic,
            balance,
            entries: Vec::new(),
            date,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        time: chrono::DateTime<chrono::Utc>,
        ty: EntryType,
        psp: String,
        reference: String,
        amount: Minor,
        handle: Option<String>,
        gdpr: Option<(String, String, String)>,
    ) {
        let before = self.balance;
        self.balance += amount;
        let (name, phone, message) = match gdpr {
            Some((n, p, m)) => (Some(n), Some(p), Some(m)),
            None => (None, None, None),
        };
        self.entries.push(Entry {
            ledger_id: self.ledger_id.clone(),
            topic: self.topic,
            ledger_date: self.date,
            seq: self.entries.len() as u32,
            psp_reference: psp,
            time,
            entry_type: ty,
            reference,
            currency: self.currency.clone(),
            amount,
            balance_before: before,
            balance_after: self.balance,
            recipient_handle: handle,
            name,
            masked_phone_no: phone,
            message,
        });
    }
}

/// Generate ledger dates `from..=to`. Balances start at 0 on `from`.
pub fn generate(cfg: &SynthConfig, from: NaiveDate, to: NaiveDate) -> SynthLedger {
    let mut g = Generator::new(cfg);
    let mut out = SynthLedger {
        ledger: ledger(&cfg.ledger_id, &cfg.currency),
        funds: BTreeMap::new(),
        fees: BTreeMap::new(),
    };
    let (mut funds_balance, mut fees_balance): (Minor, Minor) = (0, 0);
    for date in from.iter_days().take_while(|d| *d <= to) {
        let mut funds = Book::new(cfg, Topic::Funds, funds_balance, date);
        let mut fees = Book::new(cfg, Topic::Fees, fees_balance, date);
        // The order of the steps is the order of the random draws: changing it changes every ledger.
        g.captures(date, &mut funds);
        g.refund_a_recent_capture(date, &mut funds);
        g.movements(date, &mut funds);
        g.fees_due(date, &mut fees);
        let midnight = g.local(date + Duration::days(1), 0, 0, 0, 0);
        g.settle_fees(date, midnight, &mut funds, &mut fees);
        g.top_up(midnight, &mut funds);
        g.payout(date, midnight, &mut funds);
        funds_balance = funds.balance;
        fees_balance = fees.balance;
        out.funds.insert(date, funds.entries);
        out.fees.insert(date, fees.entries);
    }
    out
}

/// The generator's state from one date to the next.
struct Generator<'a> {
    cfg: &'a SynthConfig,
    rng: SmallRng,
    tz: chrono_tz::Tz,
    psp_counter: u64,
    payout_no: u64,
    order_no: u64,
    /// Fees waiting for their ledger date: date → (psp, reference, amount, handle).
    pending_fees: BTreeMap<NaiveDate, Vec<Pending>>,
    /// Captures that may still be refunded.
    recent: Vec<Pending>,
    negative_days: u32,
}

const HANDLES: [&str; 2] = ["NO:57860", "api:123455"];

impl<'a> Generator<'a> {
    fn new(cfg: &'a SynthConfig) -> Self {
        Generator {
            cfg,
            rng: SmallRng::seed_from_u64(cfg.seed),
            tz: crate::model::time_zone_for_currency(&cfg.currency),
            psp_counter: 3_100_000_000 + cfg.seed % 1000 * 1_000_000,
            payout_no: 2_000_001,
            order_no: 1,
            pending_fees: BTreeMap::new(),
            recent: Vec::new(),
            negative_days: 0,
        }
    }

    /// The ledger's local time on `date`, in UTC.
    fn local(&self, date: NaiveDate, h: u32, m: u32, s: u32, micro: u32) -> chrono::DateTime<chrono::Utc> {
        let naive = date.and_hms_micro_opt(h, m, s, micro).unwrap_or_default();
        self.tz
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_default()
    }

    fn next_psp(&mut self) -> String {
        self.psp_counter += 1;
        self.psp_counter.to_string()
    }

    /// The date's captures at random times, each with its fee due 0..=max_fee_lag days later.
    fn captures(&mut self, date: NaiveDate, funds: &mut Book) {
        let n = self.rng.random_range(0..=self.cfg.captures_per_day);
        let mut secs: Vec<u32> = (0..n)
            .map(|_| self.rng.random_range(6 * 3600..23 * 3600))
            .collect();
        secs.sort_unstable();
        for s in secs {
            let psp = self.next_psp();
            // Two captures on one order now and then, as purchase-12 in the documented example.
            if self.rng.random_bool(0.9) || self.order_no == 1 {
                self.order_no += 1;
            }
            let order_no = self.order_no;
            let reference = format!("order-{order_no}");
            let amount: Minor = self.rng.random_range(1..=400) * 500 + self.rng.random_range(0..100);
            let handle = Some(HANDLES[self.rng.random_range(0..HANDLES.len())].to_string());
            let gdpr = handle.as_deref().filter(|h| h.starts_with("NO:")).map(|_| {
                (
                    format!("Kari Nordmann {order_no}"),
                    "xxxx1234".to_string(),
                    "Takk for kaffen".to_string(),
                )
            });
            funds.push(
                self.local(date, s / 3600, s / 60 % 60, s % 60, 123_456),
                EntryType::Capture,
                psp.clone(),
                reference.clone(),
                amount,
                handle.clone(),
                gdpr,
            );
            let fee = -(amount * 175 / 10_000 + 100);
            let lag = self.rng.random_range(0..=self.cfg.max_fee_lag.max(0));
            self.pending_fees
                .entry(date + Duration::days(lag))
                .or_default()
                .push((psp.clone(), reference.clone(), fee, handle.clone()));
            self.recent.push((psp, reference, amount, handle));
            if self.recent.len() > 60 {
                self.recent.remove(0);
            }
        }
    }

    /// Now and then a refund of a recent capture (possibly of an earlier date, possibly partial).
    fn refund_a_recent_capture(&mut self, date: NaiveDate, funds: &mut Book) {
        if self.recent.is_empty() || !self.rng.random_bool(0.5) {
            return;
        }
        let i = self.rng.random_range(0..self.recent.len());
        let (psp, reference, amount, handle) = self.recent.remove(i);
        let refund = if self.rng.random_bool(0.5) {
            amount
        } else {
            (amount / 2).max(1)
        };
        let rpsp = if self.cfg.refund_same_psp {
            psp
        } else {
            self.next_psp()
        };
        let time = self.local(date, 23, 30, 0, 1);
        funds.push(time, EntryType::Refund, rpsp, reference, -refund, handle, None);
    }

    /// The rarer funds movements the config asks for: a balance-breaking refund, a correction,
    /// dispute or credit note, an unknown type.
    fn movements(&mut self, date: NaiveDate, funds: &mut Book) {
        if self.cfg.negative_balances && self.rng.random_bool(0.04) {
            let psp = self.next_psp();
            let big = funds.balance.max(0) + self.rng.random_range(1_000..50_000);
            let reference = format!("order-{}", self.order_no.saturating_sub(3));
            let time = self.local(date, 23, 40, 0, 2);
            funds.push(time, EntryType::Refund, psp, reference, -big, None, None);
        }
        if self.cfg.other_movements && self.rng.random_bool(0.08) {
            let psp = self.next_psp();
            let ty = match self.rng.random_range(0..4) {
                0 => EntryType::Correction,
                1 => EntryType::RetainedDisputedCapture,
                2 => EntryType::ReturnedDisputedCapture,
                _ => EntryType::CreditNote,
            };
            let amt = match ty {
                EntryType::RetainedDisputedCapture => -self.rng.random_range(1_000..20_000),
                EntryType::Correction => self.rng.random_range(-5_000..5_000),
                _ => self.rng.random_range(1_000..20_000),
            };
            let time = self.local(date, 23, 45, 0, 3);
            funds.push(time, ty, psp, String::new(), amt, None, None);
        }
        if self.cfg.unknown_types && self.rng.random_bool(0.15) {
            let psp = self.next_psp();
            let time = self.local(date, 23, 46, 0, 4);
            let ty = EntryType::Other("loyalty-bonus".into());
            funds.push(time, ty, psp, String::new(), 250, None, None);
        }
    }

    /// The capture fees that land on this date, and now and then a credit note on fees.
    fn fees_due(&mut self, date: NaiveDate, fees: &mut Book) {
        let time = self.local(date, 23, 50, 0, 0);
        for (psp, reference, fee, handle) in self.pending_fees.remove(&date).unwrap_or_default() {
            fees.push(time, EntryType::CaptureFee, psp, reference, fee, handle, None);
        }
        if self.cfg.other_movements && self.rng.random_bool(0.05) {
            let psp = self.next_psp();
            let amount = self.rng.random_range(100..1_000);
            let time = self.local(date, 23, 51, 0, 0);
            fees.push(
                time,
                EntryType::CreditNote,
                psp,
                String::new(),
                amount,
                None,
                None,
            );
        }
    }

    /// Gross: fees invoiced on the 1st. Net: the fees owed retained from funds every night.
    fn settle_fees(
        &mut self,
        date: NaiveDate,
        midnight: chrono::DateTime<chrono::Utc>,
        funds: &mut Book,
        fees: &mut Book,
    ) {
        if self.cfg.gross {
            if date.day() == 1 && fees.balance < 0 {
                self.psp_counter += 1;
                let amt = -fees.balance;
                fees.push(
                    midnight,
                    EntryType::FeesInvoiced,
                    format!("INV-{}", self.psp_counter),
                    format!("Faktura {}", date.format("%Y-%m")),
                    amt,
                    None,
                    None,
                );
            }
        } else if fees.balance < 0 {
            let amt = -fees.balance;
            fees.push(
                midnight,
                EntryType::FeesRetained,
                format!("{}-{}", self.cfg.ledger_id, 2_000_300 + self.psp_counter % 1000),
                String::new(),
                amt,
                None,
                None,
            );
            self.psp_counter += 1;
            let psp = format!("01H{:X}", self.psp_counter);
            funds.push(
                midnight,
                EntryType::FeesRetained,
                psp,
                String::new(),
                -amt,
                None,
                None,
            );
        }
    }

    /// A balance negative for more than five dates is topped up.
    fn top_up(&mut self, midnight: chrono::DateTime<chrono::Utc>, funds: &mut Book) {
        if funds.balance >= 0 {
            self.negative_days = 0;
            return;
        }
        self.negative_days += 1;
        if self.negative_days > 5 {
            self.psp_counter += 1;
            let psp = format!("TOPUP-{}", self.psp_counter);
            let amt = -funds.balance;
            funds.push(midnight, EntryType::TopUp, psp, String::new(), amt, None, None);
            self.negative_days = 0;
        }
    }

    /// On a payout date (daily, Mondays or the 1st) a positive balance is paid out whole.
    fn payout(&mut self, date: NaiveDate, midnight: chrono::DateTime<chrono::Utc>, funds: &mut Book) {
        let pays = match self.cfg.frequency {
            Frequency::Daily => true,
            Frequency::Weekly => date.weekday() == Weekday::Mon,
            Frequency::Monthly => date.day() == 1,
        };
        if pays && funds.balance > 0 {
            let amt = funds.balance;
            let payout_no = self.payout_no;
            funds.push(
                midnight,
                EntryType::PayoutScheduled,
                format!("{}-{payout_no}", self.cfg.ledger_id),
                format!("Vipps utbet. {payout_no} Vippsnr 57860"),
                -amt,
                None,
                None,
            );
            self.payout_no += 1;
        }
    }
}

/// The documented example day (ledger 12345, 2022-10-01) from the fixture JSON, as stored entries:
/// (ledger, funds, fees). The fixture is copied into this crate so tests do not depend on the
/// checkout's layout.
pub fn documented_example() -> crate::Result<(Ledger, Vec<Entry>, Vec<Entry>)> {
    const LEDGERS: &str = include_str!("../../tests/fixtures/doc-example-2022-10-01/ledgers.json");
    const FUNDS: &str = include_str!("../../tests/fixtures/doc-example-2022-10-01/funds.json");
    const FEES: &str = include_str!("../../tests/fixtures/doc-example-2022-10-01/fees.json");
    let bad = |e: String| crate::Error::Input(format!("The documented example fixture does not parse: {e}"));
    let v: serde_json::Value = serde_json::from_str(LEDGERS).map_err(|e| bad(e.to_string()))?;
    let l = &v["items"][0];
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let scheme = |v: &serde_json::Value| SchemeId {
        scheme: s(&v["scheme"]),
        id: s(&v["id"]),
    };
    let ledger = Ledger {
        ledger_id: s(&l["ledgerId"]),
        currency: s(&l["currency"]),
        payout_bank_account: scheme(&l["payoutBankAccount"]),
        owner: scheme(&l["owner"]),
        settles_for_recipient_handles: l["settlesForRecipientHandles"]
            .as_array()
            .map(|a| a.iter().map(s).collect())
            .unwrap_or_default(),
        sales_units: l["salesUnits"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|u| SalesUnit {
                        name: s(&u["name"]),
                        recipient_handle: s(&u["recipientHandle"]),
                        business_identifier: Some(scheme(&u["businessIdentifier"])),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    let entries = |text: &str, topic: Topic| -> crate::Result<Vec<Entry>> {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let items = v["items"].as_array().cloned().unwrap_or_default();
        items
            .iter()
            .enumerate()
            .map(|(i, it)| {
                let time = chrono::DateTime::parse_from_str(&s(&it["time"]), "%Y-%m-%dT%H:%M:%S%.f%z")
                    .map_err(|e| bad(e.to_string()))?
                    .with_timezone(&chrono::Utc);
                let date = NaiveDate::parse_from_str(&s(&it["ledgerDate"]), "%Y-%m-%d")
                    .map_err(|e| bad(e.to_string()))?;
                let int = |k: &str| {
                    it[k]
                        .as_i64()
                        .ok_or_else(|| bad(format!("{k} is not an integer")))
                };
                Ok(Entry {
                    ledger_id: ledger.ledger_id.clone(),
                    topic,
                    ledger_date: date,
                    seq: i as u32,
                    psp_reference: s(&it["pspReference"]),
                    time,
                    entry_type: EntryType::parse(&s(&it["entryType"])),
                    reference: s(&it["reference"]),
                    currency: s(&it["currency"]),
                    amount: int("amount")?,
                    balance_before: int("balanceBefore")?,
                    balance_after: int("balanceAfter")?,
                    recipient_handle: it["recipientHandle"].as_str().map(str::to_string),
                    name: it["name"].as_str().map(str::to_string),
                    masked_phone_no: it["maskedPhoneNo"].as_str().map(str::to_string),
                    message: it["message"].as_str().map(str::to_string),
                })
            })
            .collect()
    };
    let funds = entries(FUNDS, Topic::Funds)?;
    let fees = entries(FEES, Topic::Fees)?;
    Ok((ledger, funds, fees))
}
