//! One ledger date written out: the plan's acts become funds and fees entries with balances, the
//! date's fee settlement (net or gross) and its payout. Also computes carried balances, unlisted.

use super::plan::{DayCtx, DayPlan, FundsAct};
use super::rng::hash;
use super::{DayClose, DayEntries, LedgerSpec, Settlement, World, FIRST_PAYOUT_NUMBER};
use crate::model::{Entry, EntryType, Topic};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

/// The parts of an entry that differ from one entry of a date to the next.
struct Line {
    psp: String,
    time: DateTime<Utc>,
    entry_type: EntryType,
    reference: String,
    amount: i64,
    handle: Option<String>,
    /// The hash that picks name, phone and message: Vippsnummer captures only.
    gdpr: Option<u64>,
}

/// Collects one date's entries; with `materialize` off it writes nothing, and only balances move.
struct DayWriter<'a> {
    ledger_id: &'a str,
    currency: &'a str,
    date: NaiveDate,
    materialize: bool,
    funds: Vec<Entry>,
    fees: Vec<Entry>,
}

impl DayWriter<'_> {
    fn entry(&self, topic: Topic, seq: usize, before: i64, line: Line) -> Entry {
        let mut e = Entry {
            ledger_id: self.ledger_id.to_string(),
            topic,
            ledger_date: self.date,
            seq: u32::try_from(seq).unwrap_or(u32::MAX),
            psp_reference: line.psp,
            time: line.time,
            entry_type: line.entry_type,
            reference: line.reference,
            currency: self.currency.to_string(),
            amount: line.amount,
            balance_before: before,
            balance_after: before + line.amount,
            recipient_handle: line.handle,
            name: None,
            masked_phone_no: None,
            message: None,
        };
        if let Some(h) = line.gdpr {
            fill_gdpr(&mut e, h);
        }
        e
    }

    fn push_funds(&mut self, before: i64, line: Line) {
        let e = self.entry(Topic::Funds, self.funds.len(), before, line);
        self.funds.push(e);
    }

    fn push_fees(&mut self, before: i64, line: Line) {
        let e = self.entry(Topic::Fees, self.fees.len(), before, line);
        self.fees.push(e);
    }
}

impl World {
    /// Generates one date from its opening balances; returns the closing balances and, when asked,
    /// the entries. The same code computes carried balances, so the two can never disagree.
    pub(super) fn build_day(
        &self,
        spec: &LedgerSpec,
        date: NaiveDate,
        open: DayClose,
        materialize: bool,
    ) -> (DayClose, DayEntries) {
        let ctx = self.day_ctx(spec, date);
        let plan = self.plan_day(spec, &ctx, materialize);
        let mut out = DayWriter {
            ledger_id: spec.ledger.ledger_id.as_str(),
            currency: spec.ledger.currency.as_str(),
            date,
            materialize,
            funds: Vec::new(),
            fees: Vec::new(),
        };
        let mut run = open;
        run.funds = self.write_funds(spec, &ctx, &plan.acts, open.funds, &mut out) + plan.unlisted;
        run.fees = self.write_landed_fees(spec, &ctx, &plan, open.fees, &mut out);
        self.settle_fees(spec, &ctx, plan.landed, &mut run, &mut out);
        self.pay_out(spec, &ctx, &mut run, &mut out);
        (
            run,
            DayEntries {
                funds: out.funds,
                fees: out.fees,
            },
        )
    }

    /// The funds topic's activity in time order; returns the balance after it.
    fn write_funds(
        &self,
        spec: &LedgerSpec,
        ctx: &DayCtx,
        acts: &[FundsAct],
        open: i64,
        out: &mut DayWriter<'_>,
    ) -> i64 {
        let mut balance = open;
        if out.materialize {
            out.funds.reserve(acts.len() + 2);
        }
        for act in acts {
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
            if out.materialize {
                let line = self.funds_line(spec, ctx, act, amount, time);
                out.push_funds(balance, line);
            }
            balance += amount;
        }
        balance
    }

    /// How one funds act reads as an entry (its amount and time already settled).
    fn funds_line(
        &self,
        spec: &LedgerSpec,
        ctx: &DayCtx,
        act: &FundsAct,
        amount: i64,
        time: DateTime<Utc>,
    ) -> Line {
        let date = ctx.date;
        let line = |psp, entry_type, reference, handle| Line {
            psp,
            time,
            entry_type,
            reference,
            amount,
            handle,
            gdpr: None,
        };
        match *act {
            FundsAct::Capture(c) => {
                let handle = self.handle(spec, c.handle);
                let gdpr = is_vippsnummer(&handle).then(|| hash(&[spec.tag, ctx.day, u64::from(c.idx), 7]));
                Line {
                    gdpr,
                    ..line(
                        psp_number(0, spec.code, ctx.day, u64::from(c.idx)),
                        EntryType::Capture,
                        self.order_reference(spec, date, c.idx),
                        Some(handle),
                    )
                }
            }
            FundsAct::Refund {
                n,
                src,
                src_idx,
                handle,
                ..
            } => line(
                psp_number(1, spec.code, ctx.day, u64::from(n)),
                EntryType::Refund,
                self.order_reference(spec, src, src_idx),
                Some(self.handle(spec, handle)),
            ),
            FundsAct::Correction { .. } => line(
                psp_number(2, spec.code, ctx.day, 0),
                EntryType::Correction,
                format!("Correction {}", date.format("%Y%m%d")),
                None,
            ),
            FundsAct::Unknown { .. } => line(
                psp_number(3, spec.code, ctx.day, 0),
                EntryType::Other("loyalty-adjustment".to_string()),
                format!("loyalty-{}", date.format("%Y%m")),
                None,
            ),
            FundsAct::BigRefund { .. } => line(
                psp_number(4, spec.code, ctx.day, 0),
                EntryType::Refund,
                format!("return-{}", date.format("%Y%m%d")),
                Some(self.handle(spec, 0)),
            ),
            FundsAct::TopUp { .. } => line(
                ulid_like(hash(&[spec.tag, ctx.day, 8]), hash(&[spec.tag, ctx.day, 9])),
                EntryType::TopUp,
                format!("Top-up {}", date.format("%Y-%m-%d")),
                None,
            ),
        }
    }

    /// The fees topic's landed capture fees; returns the fees balance after them.
    fn write_landed_fees(
        &self,
        spec: &LedgerSpec,
        ctx: &DayCtx,
        plan: &DayPlan,
        open: i64,
        out: &mut DayWriter<'_>,
    ) -> i64 {
        let mut fees_balance = open;
        if !out.materialize {
            return fees_balance - plan.landed;
        }
        out.fees.reserve(plan.fees.len() + 1);
        let subscription = super::plan::service_fee(spec, ctx.date);
        if subscription != 0 {
            let line = Line {
                psp: psp_number(3, spec.code, day_number(ctx.date), 0),
                time: ctx.start + Duration::minutes(5),
                entry_type: EntryType::ServiceFee,
                reference: format!("subscription-{}", ctx.date.format("%Y%m")),
                amount: -subscription,
                handle: None,
                gdpr: None,
            };
            out.push_fees(fees_balance, line);
            fees_balance -= subscription;
        }
        for f in &plan.fees {
            let line = Line {
                psp: psp_number(0, spec.code, day_number(f.src), u64::from(f.src_idx)),
                time: f.time,
                entry_type: EntryType::CaptureFee,
                reference: self.order_reference(spec, f.src, f.src_idx),
                amount: -f.fee,
                handle: Some(self.handle(spec, f.handle)),
                gdpr: None,
            };
            out.push_fees(fees_balance, line);
            fees_balance -= f.fee;
        }
        fees_balance
    }

    /// The date's settlement of its fees: net ledgers retain what landed, gross ledgers are
    /// invoiced at month end.
    fn settle_fees(
        &self,
        spec: &LedgerSpec,
        ctx: &DayCtx,
        landed: i64,
        run: &mut DayClose,
        out: &mut DayWriter<'_>,
    ) {
        let date = ctx.date;
        let settle = |psp, entry_type, reference, amount| Line {
            psp,
            time: ctx.next_start,
            entry_type,
            reference,
            amount,
            handle: None,
            gdpr: None,
        };
        match spec.settlement {
            Settlement::Net if landed != 0 => {
                let psp = ulid_like(hash(&[spec.tag, ctx.day, 10]), hash(&[spec.tag, ctx.day, 11]));
                if out.materialize {
                    let line = settle(psp.clone(), EntryType::FeesRetained, String::new(), -landed);
                    out.push_funds(run.funds, line);
                    let line = settle(psp, EntryType::FeesRetained, String::new(), -run.fees);
                    out.push_fees(run.fees, line);
                }
                run.funds -= landed;
                run.fees = 0;
            }
            Settlement::Gross if date.month() != (date + Duration::days(1)).month() && run.fees != 0 => {
                if out.materialize {
                    let line = settle(
                        format!("INV-{}-{}", spec.ledger.ledger_id, date.format("%Y%m")),
                        EntryType::FeesInvoiced,
                        format!("Invoice {}", date.format("%Y-%m")),
                        -run.fees,
                    );
                    out.push_fees(run.fees, line);
                }
                run.fees = 0;
            }
            _ => {}
        }
    }

    /// On a paying date a positive balance leaves as the date's last funds entry.
    fn pay_out(&self, spec: &LedgerSpec, ctx: &DayCtx, run: &mut DayClose, out: &mut DayWriter<'_>) {
        if !(spec.payout.is_paying_date(ctx.date) && run.funds > 0) {
            return;
        }
        let number = FIRST_PAYOUT_NUMBER + run.payouts;
        if out.materialize {
            let line = Line {
                psp: format!("{}-{number}", spec.ledger.ledger_id),
                time: ctx.next_start,
                entry_type: EntryType::PayoutScheduled,
                reference: payout_reference(spec, number, ctx.date),
                amount: -run.funds,
                handle: None,
                gdpr: None,
            };
            out.push_funds(run.funds, line);
        }
        run.payouts += 1;
        run.funds = 0;
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

/// Days since the Unix epoch: a stable number for hashing a date.
pub(super) fn day_number(date: NaiveDate) -> u64 {
    u64::try_from(date.signed_duration_since(NaiveDate::default()).num_days()).unwrap_or(0)
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

fn is_vippsnummer(handle: &str) -> bool {
    handle.starts_with("NO:") || handle.starts_with("DK:") || handle.starts_with("FI:")
}

/// Personal data off: what a sync without `includeGDPRSensitiveData` stores.
pub(super) fn strip_gdpr(e: &mut Entry) {
    e.name = None;
    e.masked_phone_no = None;
    e.message = None;
}

/// Name, masked phone and sometimes a message, in the language of the ledger's currency.
fn fill_gdpr(e: &mut Entry, h: u64) {
    let (names, messages, prefix): (&[&str], &[&str], &str) = match e.currency.as_str() {
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

/// A payout's `reference` as production gives it (report-api.md §6): in Norway a text that is NOT
/// what the bank shows; MobilePay (DK/FI) ledgers paying daily or weekly carry the real bank text in
/// the default `02…` format, monthly ones leave it empty (the user's configured format applies).
fn payout_reference(spec: &LedgerSpec, number: u64, date: NaiveDate) -> String {
    use crate::bank::predict::{format_text, MOBILEPAY_TEXT_FORMAT};
    match spec.ledger.currency.as_str() {
        "DKK" | "EUR" if matches!(spec.payout, super::PayoutFrequency::Monthly) => String::new(),
        "DKK" | "EUR" => {
            let recipient = spec.bank_number.parse().unwrap_or(0);
            format_text(MOBILEPAY_TEXT_FORMAT, recipient, number, date)
        }
        _ => format!("Vipps utbet. {number} Vippsnr {}", spec.bank_number),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
