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
    let mut rng = SmallRng::seed_from_u64(cfg.seed);
    let tz = crate::model::time_zone_for_currency(&cfg.currency);
    let mut out = SynthLedger {
        ledger: ledger(&cfg.ledger_id, &cfg.currency),
        funds: BTreeMap::new(),
        fees: BTreeMap::new(),
    };
    let mut funds_balance: Minor = 0;
    let mut fees_balance: Minor = 0;
    let mut psp_counter: u64 = 3_100_000_000 + cfg.seed % 1000 * 1_000_000;
    let mut payout_no: u64 = 2_000_001;
    let mut order_no: u64 = 1;
    // Fees waiting for their ledger date: date → (psp, reference, amount, handle).
    let mut pending_fees: BTreeMap<NaiveDate, Vec<Pending>> = BTreeMap::new();
    let mut recent: Vec<Pending> = Vec::new();
    let mut negative_days = 0u32;
    let handles = ["NO:57860", "api:123455"];

    for date in from.iter_days().take_while(|d| *d <= to) {
        let local = |h: u32, m: u32, s: u32, micro: u32| {
            let naive = date.and_hms_micro_opt(h, m, s, micro).unwrap_or_default();
            tz.from_local_datetime(&naive)
                .earliest()
                .map(|t| t.with_timezone(&chrono::Utc))
                .unwrap_or_default()
        };
        let mut funds = Book {
            ledger_id: cfg.ledger_id.clone(),
            currency: cfg.currency.clone(),
            topic: Topic::Funds,
            balance: funds_balance,
            entries: Vec::new(),
            date,
        };
        let mut fees = Book {
            ledger_id: cfg.ledger_id.clone(),
            currency: cfg.currency.clone(),
            topic: Topic::Fees,
            balance: fees_balance,
            entries: Vec::new(),
            date,
        };
        let n = rng.random_range(0..=cfg.captures_per_day);
        let mut secs: Vec<u32> = (0..n).map(|_| rng.random_range(6 * 3600..23 * 3600)).collect();
        secs.sort_unstable();
        for s in secs {
            psp_counter += 1;
            let psp = psp_counter.to_string();
            // Two captures on one order now and then, as purchase-12 in the documented example.
            if rng.random_bool(0.9) || order_no == 1 {
                order_no += 1;
            }
            let reference = format!("order-{order_no}");
            let amount: Minor = rng.random_range(1..=400) * 500 + rng.random_range(0..100);
            let handle = Some(handles[rng.random_range(0..handles.len())].to_string());
            let gdpr = handle.as_deref().filter(|h| h.starts_with("NO:")).map(|_| {
                (
                    format!("Kari Nordmann {order_no}"),
                    "xxxx1234".to_string(),
                    "Takk for kaffen".to_string(),
                )
            });
            funds.push(
                local(s / 3600, s / 60 % 60, s % 60, 123_456),
                EntryType::Capture,
                psp.clone(),
                reference.clone(),
                amount,
                handle.clone(),
                gdpr,
            );
            let fee = -(amount * 175 / 10_000 + 100);
            let lag = rng.random_range(0..=cfg.max_fee_lag.max(0));
            pending_fees.entry(date + Duration::days(lag)).or_default().push((
                psp.clone(),
                reference.clone(),
                fee,
                handle.clone(),
            ));
            recent.push((psp, reference, amount, handle));
            if recent.len() > 60 {
                recent.remove(0);
            }
        }
        // Refunds of recent captures (possibly earlier dates, possibly partial).
        if !recent.is_empty() && rng.random_bool(0.5) {
            let i = rng.random_range(0..recent.len());
            let (psp, reference, amount, handle) = recent.remove(i);
            let refund = if rng.random_bool(0.5) {
                amount
            } else {
                (amount / 2).max(1)
            };
            let rpsp = if cfg.refund_same_psp {
                psp
            } else {
                psp_counter += 1;
                psp_counter.to_string()
            };
            funds.push(
                local(23, 30, 0, 1),
                EntryType::Refund,
                rpsp,
                reference,
                -refund,
                handle,
                None,
            );
        }
        if cfg.negative_balances && rng.random_bool(0.04) {
            psp_counter += 1;
            let big = funds.balance.max(0) + rng.random_range(1_000..50_000);
            funds.push(
                local(23, 40, 0, 2),
                EntryType::Refund,
                psp_counter.to_string(),
                format!("order-{}", order_no.saturating_sub(3)),
                -big,
                None,
                None,
            );
        }
        if cfg.other_movements && rng.random_bool(0.08) {
            psp_counter += 1;
            let ty = match rng.random_range(0..4) {
                0 => EntryType::Correction,
                1 => EntryType::RetainedDisputedCapture,
                2 => EntryType::ReturnedDisputedCapture,
                _ => EntryType::CreditNote,
            };
            let amt = match ty {
                EntryType::RetainedDisputedCapture => -rng.random_range(1_000..20_000),
                EntryType::Correction => rng.random_range(-5_000..5_000),
                _ => rng.random_range(1_000..20_000),
            };
            funds.push(
                local(23, 45, 0, 3),
                ty,
                psp_counter.to_string(),
                String::new(),
                amt,
                None,
                None,
            );
        }
        if cfg.unknown_types && rng.random_bool(0.15) {
            psp_counter += 1;
            funds.push(
                local(23, 46, 0, 4),
                EntryType::Other("loyalty-bonus".into()),
                psp_counter.to_string(),
                String::new(),
                250,
                None,
                None,
            );
        }
        // The fees that land on this date.
        for (psp, reference, fee, handle) in pending_fees.remove(&date).unwrap_or_default() {
            fees.push(
                local(23, 50, 0, 0),
                EntryType::CaptureFee,
                psp,
                reference,
                fee,
                handle,
                None,
            );
        }
        if cfg.other_movements && rng.random_bool(0.05) {
            psp_counter += 1;
            fees.push(
                local(23, 51, 0, 0),
                EntryType::CreditNote,
                psp_counter.to_string(),
                String::new(),
                rng.random_range(100..1_000),
                None,
                None,
            );
        }
        let midnight = {
            let next = date + Duration::days(1);
            let naive = next.and_hms_opt(0, 0, 0).unwrap_or_default();
            tz.from_local_datetime(&naive)
                .earliest()
                .map(|t| t.with_timezone(&chrono::Utc))
                .unwrap_or_default()
        };
        if cfg.gross {
            if date.day() == 1 && fees.balance < 0 {
                psp_counter += 1;
                let amt = -fees.balance;
                fees.push(
                    midnight,
                    EntryType::FeesInvoiced,
                    format!("INV-{psp_counter}"),
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
                format!("{}-{}", cfg.ledger_id, 2_000_300 + psp_counter % 1000),
                String::new(),
                amt,
                None,
                None,
            );
            psp_counter += 1;
            funds.push(
                midnight,
                EntryType::FeesRetained,
                format!("01H{psp_counter:X}"),
                String::new(),
                -amt,
                None,
                None,
            );
        }
        if funds.balance < 0 {
            negative_days += 1;
            if negative_days > 5 {
                psp_counter += 1;
                let amt = -funds.balance;
                funds.push(
                    midnight,
                    EntryType::TopUp,
                    format!("TOPUP-{psp_counter}"),
                    String::new(),
                    amt,
                    None,
                    None,
                );
                negative_days = 0;
            }
        } else {
            negative_days = 0;
        }
        let pays = match cfg.frequency {
            Frequency::Daily => true,
            Frequency::Weekly => date.weekday() == Weekday::Mon,
            Frequency::Monthly => date.day() == 1,
        };
        if pays && funds.balance > 0 {
            let amt = funds.balance;
            funds.push(
                midnight,
                EntryType::PayoutScheduled,
                format!("{}-{payout_no}", cfg.ledger_id),
                format!("Vipps utbet. {payout_no} Vippsnr 57860"),
                -amt,
                None,
                None,
            );
            payout_no += 1;
        }
        funds_balance = funds.balance;
        fees_balance = fees.balance;
        out.funds.insert(date, funds.entries);
        out.fees.insert(date, fees.entries);
    }
    out
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
