//! Bank days in Norway, Denmark and Finland, and when a payout is expected in the bank.
//! No maintained Rust crate covers the three countries' *bank* holidays (which include 24 and 31
//! December in NO/DK), so they are computed here from Easter and tested against published lists.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// The country whose bank calendar and payout text apply to a ledger: [`Ledger::country`](crate::model::Ledger::country).
pub use crate::model::Country as BankCountry;

impl BankCountry {
    /// Bank days between the ledger date and the day the money is in the bank (report-api.md §6).
    pub fn payout_lag_bank_days(self) -> u32 {
        match self {
            BankCountry::No => 2,
            BankCountry::Dk | BankCountry::Fi => 1,
        }
    }
}

/// Easter Sunday (Gregorian), by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or_default()
}

/// The weekday holidays on which the country's banks do not settle, in date order.
pub fn bank_holidays(country: BankCountry, year: i32) -> Vec<NaiveDate> {
    let easter = easter_sunday(year);
    let rel = |days: i64| easter + Duration::days(days);
    let fixed = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d).unwrap_or_default();
    let mut days = match country {
        // Norway: helligdager + 1 May, 17 May, and the banks' closed days 24 and 31 December.
        BankCountry::No => vec![
            fixed(1, 1),
            rel(-3),
            rel(-2),
            rel(1),
            fixed(5, 1),
            fixed(5, 17),
            rel(39),
            rel(50),
            fixed(12, 24),
            fixed(12, 25),
            fixed(12, 26),
            fixed(12, 31),
        ],
        // Denmark (Danmarks Nationalbank's closing days; Store Bededag abolished from 2024):
        // the Friday after Ascension, Constitution Day 5 June, 24 and 31 December are bank holidays.
        BankCountry::Dk => vec![
            fixed(1, 1),
            rel(-3),
            rel(-2),
            rel(1),
            rel(39),
            rel(40),
            rel(50),
            fixed(6, 5),
            fixed(12, 24),
            fixed(12, 25),
            fixed(12, 26),
            fixed(12, 31),
        ],
        // Finland (Finance Finland's bank holidays): Epiphany, May Day, Midsummer Eve (the Friday
        // between 19 and 25 June), Independence Day 6 December.
        BankCountry::Fi => vec![
            fixed(1, 1),
            fixed(1, 6),
            rel(-2),
            rel(1),
            fixed(5, 1),
            rel(39),
            midsummer_eve(year),
            fixed(12, 6),
            fixed(12, 24),
            fixed(12, 25),
            fixed(12, 26),
        ],
    };
    days.retain(|d| !is_weekend(*d));
    days.sort();
    days.dedup();
    days
}

fn midsummer_eve(year: i32) -> NaiveDate {
    (19..=25)
        .filter_map(|d| NaiveDate::from_ymd_opt(year, 6, d))
        .find(|d| d.weekday() == Weekday::Fri)
        .unwrap_or_default()
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

pub fn is_bank_day(country: BankCountry, d: NaiveDate) -> bool {
    !is_weekend(d) && !bank_holidays(country, d.year()).contains(&d)
}

/// `n` bank days after `from` (never `from` itself).
pub fn add_bank_days(country: BankCountry, from: NaiveDate, n: u32) -> NaiveDate {
    let mut d = from;
    let mut left = n;
    while left > 0 {
        d = d.succ_opt().unwrap_or(d);
        if is_bank_day(country, d) {
            left -= 1;
        }
    }
    d
}

/// The day a payout booked on `ledger_date` should be in the merchant's bank.
pub fn expected_bank_date(country: BankCountry, ledger_date: NaiveDate) -> NaiveDate {
    add_bank_days(country, ledger_date, country.payout_lag_bank_days())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn list(country: BankCountry, year: i32) -> Vec<String> {
        bank_holidays(country, year)
            .into_iter()
            .map(|d| d.format("%m-%d").to_string())
            .collect()
    }

    #[test]
    fn easter_falls_on_the_published_sundays() {
        assert_eq!(easter_sunday(2025), d("2025-04-20"));
        assert_eq!(easter_sunday(2026), d("2026-04-05"));
        assert_eq!(easter_sunday(2027), d("2027-03-28"));
        assert_eq!(easter_sunday(2019), d("2019-04-21"));
    }

    // Weekday bank holidays as published in the countries' official holiday calendars for
    // 2025–2027 (Norway: helligdager + 1/17 May + bank-closed 24/31 Dec; weekend days dropped).
    #[test]
    fn norwegian_bank_holidays_2025_to_2027() {
        assert_eq!(
            list(BankCountry::No, 2025),
            [
                "01-01", "04-17", "04-18", "04-21", "05-01", "05-29", "06-09", "12-24", "12-25", "12-26",
                "12-31"
            ]
        );
        assert_eq!(
            list(BankCountry::No, 2026),
            ["01-01", "04-02", "04-03", "04-06", "05-01", "05-14", "05-25", "12-24", "12-25", "12-31"]
        );
        assert_eq!(
            list(BankCountry::No, 2027),
            ["01-01", "03-25", "03-26", "03-29", "05-06", "05-17", "12-24", "12-31"]
        );
    }

    #[test]
    fn danish_and_finnish_bank_holidays_2026() {
        assert_eq!(
            list(BankCountry::Dk, 2026),
            [
                "01-01", "04-02", "04-03", "04-06", "05-14", "05-15", "05-25", "06-05", "12-24", "12-25",
                "12-31"
            ]
        );
        assert_eq!(
            list(BankCountry::Fi, 2026),
            ["01-01", "01-06", "04-03", "04-06", "05-01", "05-14", "06-19", "12-24", "12-25"]
        );
        assert_eq!(
            list(BankCountry::Fi, 2025),
            ["01-01", "01-06", "04-18", "04-21", "05-01", "05-29", "06-20", "12-24", "12-25", "12-26"]
        );
    }

    #[test]
    fn a_norwegian_payout_reaches_the_bank_two_bank_days_later() {
        // Wednesday → Friday.
        assert_eq!(
            expected_bank_date(BankCountry::No, d("2026-10-07")),
            d("2026-10-09")
        );
        // Friday → Tuesday (weekend skipped).
        assert_eq!(
            expected_bank_date(BankCountry::No, d("2026-10-09")),
            d("2026-10-13")
        );
        // Tuesday before Easter 2026 → Wednesday, then Maundy Thursday … Easter Monday are closed.
        assert_eq!(
            expected_bank_date(BankCountry::No, d("2026-03-31")),
            d("2026-04-07")
        );
        // 23 Dec 2026 (Wed) → 24, 25 closed, 28 Mon, 29 Tue.
        assert_eq!(
            expected_bank_date(BankCountry::No, d("2026-12-23")),
            d("2026-12-29")
        );
    }

    #[test]
    fn mobilepay_payouts_take_one_bank_day() {
        assert_eq!(
            expected_bank_date(BankCountry::Dk, d("2026-05-13")),
            d("2026-05-18")
        );
        assert_eq!(
            expected_bank_date(BankCountry::Fi, d("2026-05-13")),
            d("2026-05-15")
        );
        assert_eq!(
            expected_bank_date(BankCountry::Fi, d("2026-06-18")),
            d("2026-06-22")
        );
    }
}
