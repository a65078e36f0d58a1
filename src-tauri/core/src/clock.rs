//! The one clock. "Now" is read here and nowhere else (`clippy.toml` forbids `Utc::now` and
//! `Local::now` outside this file), and "today" is always a ledger's own date in its own time zone:
//! Europe/Oslo, Copenhagen or Helsinki by the country that owns it ([`Ledger::country`]), never the
//! computer's zone and never UTC. The window gets its dates from Rust and never computes "today".
//!
//! Tests fix the clock with [`Clock::fixed`]; the `avstem` binary reads `AVSTEM_NOW` (RFC 3339,
//! e.g. `2026-03-10T12:00:00Z`) so the end-to-end tests and the demo can be pinned to a moment.

use crate::model::{Country, Ledger};
use crate::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};

/// The environment variable that pins the binary's clock (tests and screenshots).
pub const NOW_ENV: &str = "AVSTEM_NOW";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// The computer's clock.
    #[default]
    System,
    /// A fixed moment: tests, and `AVSTEM_NOW`.
    Fixed(DateTime<Utc>),
}

impl Clock {
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock::Fixed(at)
    }

    /// The clock pinned at noon UTC of `date` (tests that think in ledger dates).
    pub fn at_noon(date: NaiveDate) -> Clock {
        Clock::Fixed(date.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc())
    }

    /// `AVSTEM_NOW` when set (a sentence when it cannot be read), else the computer's clock.
    #[allow(clippy::disallowed_methods)] // the one place this variable is read
    pub fn from_env() -> Result<Clock> {
        match std::env::var(NOW_ENV) {
            Ok(s) if !s.trim().is_empty() => DateTime::parse_from_rfc3339(s.trim())
                .map(|t| Clock::Fixed(t.with_timezone(&Utc)))
                .map_err(|_| {
                    Error::Input(format!(
                        "{NOW_ENV} must be a moment like 2026-03-10T12:00:00Z, not {:?}.",
                        crate::api::dto::excerpt(&s)
                    ))
                }),
            _ => Ok(Clock::System),
        }
    }

    #[allow(clippy::disallowed_methods)] // the one place "now" is read
    pub fn now(self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(at) => at,
        }
    }

    /// Today's date in the country's time zone.
    pub fn today_in(self, country: Country) -> NaiveDate {
        self.now().with_timezone(&country.time_zone()).date_naive()
    }

    /// The ledger's today: the ledger date that is still being written (report-api.md §4).
    pub fn today_for(self, ledger: &Ledger) -> NaiveDate {
        self.today_in(ledger.country())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SalesUnit, SchemeId};

    fn ledger(owner_scheme: &str, currency: &str, handle: &str) -> Ledger {
        Ledger {
            ledger_id: "1".into(),
            currency: currency.into(),
            payout_bank_account: SchemeId::default(),
            owner: SchemeId {
                scheme: owner_scheme.into(),
                id: "9".into(),
            },
            settles_for_recipient_handles: vec![],
            sales_units: vec![SalesUnit {
                name: "Kafe".into(),
                recipient_handle: handle.into(),
                business_identifier: None,
            }],
        }
    }

    #[test]
    fn the_country_comes_from_the_owner_then_the_handles_then_the_currency() {
        assert_eq!(ledger("business:DK:CVR", "NOK", "NO:1").country(), Country::Dk);
        assert_eq!(ledger("", "NOK", "FI:1").country(), Country::Fi);
        assert_eq!(ledger("", "DKK", "api:123").country(), Country::Dk);
        assert_eq!(ledger("business:XX:ORG", "EUR", "").country(), Country::Fi);
        assert_eq!(ledger("business:NO:ORG", "EUR", "FI:1").country(), Country::No);
    }

    #[test]
    fn today_is_the_ledgers_own_date_not_utc() {
        // 22:30 UTC on 31 March 2026: already 1 April in Oslo (UTC+2, summer time) and Helsinki (UTC+3).
        let clock = Clock::fixed("2026-03-31T22:30:00Z".parse().expect("time"));
        let day = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert_eq!(clock.now().date_naive(), day("2026-03-31"));
        assert_eq!(clock.today_in(Country::No), day("2026-04-01"));
        assert_eq!(
            clock.today_for(&ledger("business:FI:Y-tunnus", "EUR", "")),
            day("2026-04-01")
        );
        // 22:30 UTC on 2 January: 23:30 in Oslo and Copenhagen (winter time), 00:30 next day in Helsinki.
        let winter = Clock::fixed("2026-01-02T22:30:00Z".parse().expect("time"));
        assert_eq!(winter.today_in(Country::Dk), day("2026-01-02"));
        assert_eq!(winter.today_in(Country::Fi), day("2026-01-03"));
    }
}
