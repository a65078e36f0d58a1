//! One date's plan, before strings: how many captures, their amounts, fees and lags, refunds,
//! corrections, negative stretches and which capture fees land. Cheap enough to run for every
//! earlier date when carried balances are needed; the bulk ledger's fixed volume is decided here too.

use super::day::day_number;
use super::rng::hash;
use super::{Kind, LedgerSpec, World};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};

const MICROS_PER_HOUR: i64 = 3_600_000_000;
const MICROS_PER_MINUTE: i64 = 60_000_000;

#[derive(Debug, Clone, Copy)]
pub(super) struct Capture {
    pub(super) idx: u32,
    pub(super) amount: i64,
    pub(super) fee: i64,
    pub(super) lag: u8,
    pub(super) time: DateTime<Utc>,
    pub(super) handle: usize,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum FundsAct {
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
pub(super) struct FeeAct {
    pub(super) time: DateTime<Utc>,
    pub(super) fee: i64,
    pub(super) src: NaiveDate,
    pub(super) src_idx: u32,
    pub(super) handle: usize,
}

pub(super) struct DayCtx {
    pub(super) date: NaiveDate,
    pub(super) day: u64,
    pub(super) start: DateTime<Utc>,
    pub(super) next_start: DateTime<Utc>,
    pub(super) count: u32,
    pub(super) slot: i64,
}

/// A date's acts in time order, the sum of what was left unlisted, and the capture fees that land.
pub(super) struct DayPlan {
    pub(super) acts: Vec<FundsAct>,
    /// Sales and refunds summed instead of listed (when not materializing).
    pub(super) unlisted: i64,
    pub(super) fees: Vec<FeeAct>,
    pub(super) landed: i64,
}

impl World {
    /// What happens on a date, in time order. With `materialize` off only sums are kept for what
    /// needs no listing: the top-up (06:00) is the one entry whose amount depends on the balance before
    /// it, and it precedes all other activity, so balances can sum sales and refunds without listing them.
    pub(super) fn plan_day(&self, spec: &LedgerSpec, ctx: &DayCtx, materialize: bool) -> DayPlan {
        let mut acts: Vec<FundsAct> = self.extras(spec, ctx);
        let mut unlisted = 0;
        let (fees, landed) = if materialize {
            acts.reserve(ctx.count as usize + 8);
            for idx in 0..ctx.count {
                acts.push(FundsAct::Capture(self.capture(spec, ctx, idx)));
            }
            acts.extend(self.refunds(spec, ctx));
            acts.sort_by_key(|a| a.time());
            let fees = self.landed_fees(spec, ctx);
            let landed = fees.iter().map(|f| f.fee).sum::<i64>() + service_fee(spec, ctx.date);
            (fees, landed)
        } else {
            unlisted += (0..ctx.count)
                .map(|i| self.capture_money(spec, ctx.day, i).1)
                .sum::<i64>();
            for refund in self.refunds(spec, ctx) {
                if let FundsAct::Refund { amount, .. } = refund {
                    unlisted += amount;
                }
            }
            (
                Vec::new(),
                self.landed_total(spec, ctx) + service_fee(spec, ctx.date),
            )
        };
        DayPlan {
            acts,
            unlisted,
            fees,
            landed,
        }
    }

    pub(super) fn day_ctx(&self, spec: &LedgerSpec, date: NaiveDate) -> DayCtx {
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
        if spec.mean_captures == 0 {
            // The idle ledger: no traffic at all.
            return 0;
        }
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

/// A monthly subscription charged as `service-fee` on the 1st (a fee tied to no capture), on the
/// ledgers that also show unknown types. Part of the date's landed fees, so it is retained on net
/// ledgers and invoiced on gross ones like any other fee.
pub(super) fn service_fee(spec: &LedgerSpec, date: NaiveDate) -> i64 {
    if spec.unknown_types && date.day() == 1 && date > spec.start {
        SERVICE_FEE
    } else {
        0
    }
}

/// 29.00 a month, in minor units.
pub(super) const SERVICE_FEE: i64 = 2_900;
