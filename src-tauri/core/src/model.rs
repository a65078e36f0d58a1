//! The domain as Avstem stores and reasons about it: ledgers, entries, topics.
//! Wire shapes live in `api::dto`; these types never change when the API does.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Money in minor units (øre, cents). Never a float.
pub type Minor = i64;

/// The two report topics of a ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Topic {
    Funds,
    Fees,
}

impl Topic {
    pub const ALL: [Topic; 2] = [Topic::Funds, Topic::Fees];
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Funds => "funds",
            Topic::Fees => "fees",
        }
    }
    pub fn parse(s: &str) -> Option<Topic> {
        match s {
            "funds" => Some(Topic::Funds),
            "fees" => Some(Topic::Fees),
            _ => None,
        }
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Entry types from the Report API. Unknown types are kept, shown and counted as "other".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntryType {
    Capture,
    Refund,
    FeesRetained,
    PayoutScheduled,
    PayoutAborted,
    RetainedDisputedCapture,
    ReturnedDisputedCapture,
    Correction,
    TopUp,
    CreditNote,
    CaptureFee,
    FeesInvoiced,
    /// A fee tied to no capture (a monthly subscription, say): a fee, never an unknown type.
    ServiceFee,
    Other(String),
}

impl EntryType {
    pub fn parse(s: &str) -> EntryType {
        match s {
            "capture" => EntryType::Capture,
            "refund" => EntryType::Refund,
            "fees-retained" => EntryType::FeesRetained,
            // Older documents call the payout "scheduled-for-payout".
            "payout-scheduled" | "scheduled-for-payout" => EntryType::PayoutScheduled,
            "payout-aborted" => EntryType::PayoutAborted,
            "retained-disputed-capture" => EntryType::RetainedDisputedCapture,
            "returned-disputed-capture" => EntryType::ReturnedDisputedCapture,
            "correction" => EntryType::Correction,
            "top-up" => EntryType::TopUp,
            "credit-note" => EntryType::CreditNote,
            "capture-fee" => EntryType::CaptureFee,
            "fees-invoiced" => EntryType::FeesInvoiced,
            "service-fee" => EntryType::ServiceFee,
            other => EntryType::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            EntryType::Capture => "capture",
            EntryType::Refund => "refund",
            EntryType::FeesRetained => "fees-retained",
            EntryType::PayoutScheduled => "payout-scheduled",
            EntryType::PayoutAborted => "payout-aborted",
            EntryType::RetainedDisputedCapture => "retained-disputed-capture",
            EntryType::ReturnedDisputedCapture => "returned-disputed-capture",
            EntryType::Correction => "correction",
            EntryType::TopUp => "top-up",
            EntryType::CreditNote => "credit-note",
            EntryType::CaptureFee => "capture-fee",
            EntryType::FeesInvoiced => "fees-invoiced",
            EntryType::ServiceFee => "service-fee",
            EntryType::Other(s) => s,
        }
    }

    pub fn is_known(&self) -> bool {
        !matches!(self, EntryType::Other(_))
    }
}

impl fmt::Display for EntryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EntryType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EntryType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(EntryType::parse(&s))
    }
}

impl ts_rs::TS for EntryType {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;
    fn name(_: &ts_rs::Config) -> String {
        "string".to_string()
    }
    fn inline(_: &ts_rs::Config) -> String {
        "string".to_string()
    }
}

/// One entry of a ledger's funds or fees report, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Entry {
    pub ledger_id: String,
    pub topic: Topic,
    pub ledger_date: NaiveDate,
    /// Position within (ledger, topic, ledger date) in the order the API served it.
    pub seq: u32,
    pub psp_reference: String,
    #[ts(type = "string")]
    pub time: DateTime<Utc>,
    pub entry_type: EntryType,
    pub reference: String,
    pub currency: String,
    pub amount: Minor,
    pub balance_before: Minor,
    pub balance_after: Minor,
    pub recipient_handle: Option<String>,
    /// Personal data: only present when the user asked for GDPR-sensitive data.
    pub name: Option<String>,
    pub masked_phone_no: Option<String>,
    pub message: Option<String>,
}

impl Entry {
    /// Drop the personal-data fields (name, masked phone number, message): what every screen and
    /// `avstem entries` return unless the user asked for personal data.
    pub fn without_personal_data(mut self) -> Entry {
        self.name = None;
        self.masked_phone_no = None;
        self.message = None;
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SchemeId {
    pub scheme: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SalesUnit {
    pub name: String,
    pub recipient_handle: String,
    pub business_identifier: Option<SchemeId>,
}

/// A settlement ledger: one currency, one bank account, one or more sales units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Ledger {
    pub ledger_id: String,
    pub currency: String,
    pub payout_bank_account: SchemeId,
    pub owner: SchemeId,
    pub settles_for_recipient_handles: Vec<String>,
    pub sales_units: Vec<SalesUnit>,
}

impl Ledger {
    /// A name a person recognises: the first sales unit's name, else the ledger id.
    pub fn display_name(&self) -> String {
        self.sales_units
            .first()
            .map(|u| u.name.clone())
            .unwrap_or_else(|| format!("Ledger {}", self.ledger_id))
    }

    /// The country the ledger settles in: the owner's business register (`business:NO:ORG`,
    /// `business:DK:CVR`, `business:FI:Y-tunnus`), else the country of its recipient handles or sales
    /// units (`NO:57860`), else its currency. It decides the time zone, the bank calendar and the payout text.
    pub fn country(&self) -> Country {
        let from_scheme = self.owner.scheme.split(':').nth(1).and_then(Country::from_code);
        let from_handle = || {
            self.settles_for_recipient_handles
                .iter()
                .chain(self.sales_units.iter().map(|u| &u.recipient_handle))
                .find_map(|h| h.split(':').next().and_then(Country::from_code))
        };
        from_scheme
            .or_else(from_handle)
            .unwrap_or_else(|| Country::of_currency(&self.currency))
    }

    /// The merchant's time zone (Europe/Oslo, Copenhagen or Helsinki), from [`Ledger::country`].
    pub fn time_zone(&self) -> chrono_tz::Tz {
        self.country().time_zone()
    }
}

/// The three countries Vipps MobilePay settles in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub enum Country {
    /// Vipps, Norway.
    No,
    /// MobilePay, Denmark.
    Dk,
    /// MobilePay, Finland.
    Fi,
}

impl Country {
    /// `NO`, `DK` or `FI` (any case); anything else is not a settlement country.
    pub fn from_code(code: &str) -> Option<Country> {
        match code.trim().to_ascii_uppercase().as_str() {
            "NO" => Some(Country::No),
            "DK" => Some(Country::Dk),
            "FI" => Some(Country::Fi),
            _ => None,
        }
    }

    /// The last resort when nothing names the country: NOK → NO, DKK → DK, EUR → FI.
    pub fn of_currency(currency: &str) -> Country {
        match currency {
            "DKK" => Country::Dk,
            "EUR" => Country::Fi,
            _ => Country::No,
        }
    }

    /// Where a ledger date runs from midnight to midnight (report-api.md §4).
    pub fn time_zone(self) -> chrono_tz::Tz {
        match self {
            Country::No => chrono_tz::Europe::Oslo,
            Country::Dk => chrono_tz::Europe::Copenhagen,
            Country::Fi => chrono_tz::Europe::Helsinki,
        }
    }
}

/// The time zone when only an entry's currency is known (an entry carries no country).
pub fn time_zone_for_currency(currency: &str) -> chrono_tz::Tz {
    Country::of_currency(currency).time_zone()
}

/// Payout numbers are the tail of a payout's pspReference: `<ledgerId>-<payoutNumber>`.
pub fn payout_number(psp_reference: &str) -> Option<u64> {
    psp_reference.rsplit_once('-').and_then(|(_, n)| n.parse().ok())
}

/// Format minor units as a plain decimal for logs and the CLI ("288.00", "-100.00").
pub fn format_minor(amount: Minor) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A calendar month, `YYYY-MM`: the unit users reconcile and export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ts_rs::TS)]
#[ts(type = "string")]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    pub fn new(year: i32, month: u32) -> Option<YearMonth> {
        NaiveDate::from_ymd_opt(year, month, 1).map(|_| YearMonth { year, month })
    }
    pub fn parse(s: &str) -> Option<YearMonth> {
        let (y, m) = s.trim().split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        YearMonth::new(y.parse().ok()?, m.parse().ok()?)
    }
    pub fn of(date: NaiveDate) -> YearMonth {
        use chrono::Datelike;
        YearMonth {
            year: date.year(),
            month: date.month(),
        }
    }
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or_default()
    }
    pub fn next(self) -> YearMonth {
        if self.month == 12 {
            YearMonth {
                year: self.year + 1,
                month: 1,
            }
        } else {
            YearMonth {
                year: self.year,
                month: self.month + 1,
            }
        }
    }
    pub fn prev(self) -> YearMonth {
        if self.month == 1 {
            YearMonth {
                year: self.year - 1,
                month: 12,
            }
        } else {
            YearMonth {
                year: self.year,
                month: self.month - 1,
            }
        }
    }
    /// Every date of the month, in order.
    pub fn dates(self) -> impl Iterator<Item = NaiveDate> {
        let last = self.last_day();
        self.first_day().iter_days().take_while(move |d| *d <= last)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for YearMonth {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        YearMonth::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a month (YYYY-MM): {s}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_entry_types_are_kept_by_name() {
        let t = EntryType::parse("loyalty-bonus");
        assert_eq!(t, EntryType::Other("loyalty-bonus".into()));
        assert_eq!(t.as_str(), "loyalty-bonus");
        assert!(!t.is_known());
        assert_eq!(
            EntryType::parse("scheduled-for-payout"),
            EntryType::PayoutScheduled
        );
    }

    #[test]
    fn minor_units_format_to_two_decimals() {
        assert_eq!(format_minor(28800), "288.00");
        assert_eq!(format_minor(-10000), "-100.00");
        assert_eq!(format_minor(-5), "-0.05");
        assert_eq!(payout_number("12345-2000023"), Some(2000023));
    }

    #[test]
    fn a_month_knows_its_dates() {
        let m = YearMonth::parse("2024-02").expect("month");
        assert_eq!(m.dates().count(), 29);
        assert_eq!(m.last_day().to_string(), "2024-02-29");
        assert_eq!(m.prev().to_string(), "2024-01");
        assert_eq!(
            YearMonth::parse("2024-12").map(|m| m.next().to_string()),
            Some("2025-01".into())
        );
        assert!(YearMonth::parse("2024-13").is_none());
    }
}
