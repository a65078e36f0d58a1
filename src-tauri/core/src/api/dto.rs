//! Wire shapes of the Report API, decoded liberally (see report-api.md §5).
//! Unknown fields are ignored, numbers may come as strings, and nothing here leaks past `api`.

use crate::model::{time_zone_for_currency, Entry, EntryType, Ledger, SalesUnit, SchemeId, Topic};
use crate::{Error, Result};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer};

/// The largest amount or balance accepted on one entry (10^12 minor units).
pub const MAX_PLAUSIBLE_MINOR: u64 = 1_000_000_000_000;

/// The longest piece of a body an error may quote.
pub const EXCERPT_CHARS: usize = 120;

/// An integer that may arrive as a JSON number, an integral float or a numeric string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LenientInt(pub i64);

impl<'de> Deserialize<'de> for LenientInt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        lenient_int(&v).map(LenientInt).ok_or_else(|| {
            serde::de::Error::custom(format!("expected an integer, got {}", excerpt(&v.to_string())))
        })
    }
}

fn lenient_int(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| {
            // 10000.0 is still a whole number of øre; 100.5 is not.
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        serde_json::Value::String(s) => {
            let t = s.trim();
            t.parse::<i64>().ok().or_else(|| {
                t.strip_suffix(".0")
                    .or_else(|| t.strip_suffix(".00"))
                    .and_then(|w| w.parse().ok())
            })
        }
        _ => None,
    }
}

/// `Option<LenientInt>` where null and absent both mean "not sent".
pub(super) fn opt_int<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<i64>, D::Error> {
    Ok(Option::<LenientInt>::deserialize(d)?.map(|n| n.0))
}

/// Server text made safe to show in a terminal, the window or a file: terminal escape sequences
/// (`ESC [ … final`, `ESC x`, the C1 CSI) are removed, and every other control character (BEL,
/// backspace, newline, tab, C1) becomes a space. Every string the API decoders read passes here,
/// so no server can recolour, retitle or rewrite the user's terminal (issue 13, item 11).
pub fn printable(s: String) -> String {
    if !s.chars().any(char::is_control) {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    // Parameters and intermediates up to the final byte (@ to ~).
                    for p in chars.by_ref() {
                        if ('@'..='~').contains(&p) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    // OSC: up to BEL or ESC \.
                    chars.next();
                    while let Some(p) = chars.next() {
                        if p == '\u{7}' || (p == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                }
                Some(_) => {
                    chars.next();
                }
                None => {}
            },
            '\u{9b}' => {
                for p in chars.by_ref() {
                    if ('@'..='~').contains(&p) {
                        break;
                    }
                }
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A string field that may be null, absent, or (liberally) a number; server text passes [`printable`].
pub(super) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(printable(s)),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(serde_json::Value::Bool(b)) => Some(b.to_string()),
        Some(_) => None,
    })
}

/// A boolean that may be null, absent, or the string "true"/"false".
pub(super) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<bool>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        Some(serde_json::Value::Bool(b)) => Some(b),
        Some(serde_json::Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    })
}

/// A list that may be null or absent (both mean empty).
pub(super) fn vec_or_null<'de, D, T>(d: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

// ---------------------------------------------------------------- tokens

/// Both token endpoints. The merchant one also sends `ext_expires_in`, `expires_on`, `not_before`,
/// `resource`; their numbers are often strings.
#[derive(Deserialize)]
pub struct TokenResponse {
    #[serde(default, deserialize_with = "opt_string")]
    pub access_token: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub token_type: Option<String>,
    #[serde(default, deserialize_with = "opt_int")]
    pub expires_in: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub ext_expires_in: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub expires_on: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub not_before: Option<i64>,
}

// A hand-written Debug so a token can never be printed by accident.
impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &self.access_token.as_ref().map(|_| "***"))
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("expires_on", &self.expires_on)
            .finish()
    }
}

impl TokenResponse {
    /// Seconds the token lives from now: `expires_in`, else `expires_on` relative to `now`.
    pub fn lifetime_secs(&self, now_epoch: i64) -> Option<i64> {
        self.expires_in
            .or(self.ext_expires_in)
            .or_else(|| self.expires_on.and_then(|on| on.checked_sub(now_epoch)))
            .filter(|s| *s > 0)
    }
}

// ---------------------------------------------------------------- errors

/// Every error shape the API family uses: the 10001/10002 body, `{code, message}` on 401,
/// problem+json, and OAuth's `{error, error_description}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(default, deserialize_with = "opt_int")]
    pub error_code: Option<i64>,
    #[serde(default, deserialize_with = "opt_string")]
    pub error_message: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub context_id: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub detail: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub trace_id: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub error: Option<String>,
    #[serde(default, deserialize_with = "opt_string", rename = "error_description")]
    pub error_description: Option<String>,
    /// Newer services name the offending fields here; kept in the message (any JSON shape).
    #[serde(default)]
    pub extra_details: Option<serde_json::Value>,
}

impl ErrorBody {
    /// Anything that is not a JSON object decodes to an empty body: the status still speaks.
    pub fn parse(body: &[u8]) -> ErrorBody {
        serde_json::from_slice(body).unwrap_or_default()
    }

    /// The server's own words, first the most specific field, with its `extraDetails`.
    pub fn text(&self) -> Option<String> {
        let words = self.words();
        let extra = self.extra_text();
        match (words, extra) {
            (Some(w), Some(x)) => Some(truncate_chars(&format!("{w} ({x})"), 400)),
            (w, x) => w.or(x),
        }
    }

    /// `extraDetails` as short text: `field: reason; …` for an object, compact JSON otherwise.
    fn extra_text(&self) -> Option<String> {
        let text = match self.extra_details.as_ref()? {
            serde_json::Value::Null => return None,
            serde_json::Value::Object(map) if map.is_empty() => return None,
            serde_json::Value::Array(list) if list.is_empty() => return None,
            serde_json::Value::Object(map) => map
                .iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => format!("{k}: {s}"),
                    other => format!("{k}: {other}"),
                })
                .collect::<Vec<_>>()
                .join("; "),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let text = printable(text.trim().to_string());
        (!text.is_empty()).then(|| truncate_chars(&text, 200))
    }

    fn words(&self) -> Option<String> {
        [
            &self.error_message,
            &self.detail,
            &self.message,
            &self.error_description,
            &self.title,
        ]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .find(|s| !s.is_empty())
        .map(|s| truncate_chars(s, 300))
    }

    pub fn context(&self) -> Option<String> {
        self.context_id
            .clone()
            .or_else(|| self.trace_id.clone())
            .filter(|s| !s.trim().is_empty())
    }
}

// ---------------------------------------------------------------- ledgers

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgersPage {
    #[serde(default, deserialize_with = "vec_or_null")]
    pub items: Vec<LedgerDto>,
    #[serde(default, deserialize_with = "opt_string")]
    pub cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemeIdDto {
    #[serde(default, deserialize_with = "opt_string")]
    pub scheme: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub id: Option<String>,
}

impl SchemeIdDto {
    fn into_model(self) -> SchemeId {
        SchemeId {
            scheme: self.scheme.unwrap_or_default(),
            id: self.id.unwrap_or_default(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesUnitDto {
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub recipient_handle: Option<String>,
    #[serde(default)]
    pub business_identifier: Option<SchemeIdDto>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerDto {
    #[serde(default, deserialize_with = "opt_string")]
    pub ledger_id: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub currency: Option<String>,
    #[serde(default)]
    pub payout_bank_account: Option<SchemeIdDto>,
    #[serde(default)]
    pub owner: Option<SchemeIdDto>,
    #[serde(default, deserialize_with = "vec_or_null")]
    pub settles_for_recipient_handles: Vec<String>,
    #[serde(default, deserialize_with = "vec_or_null")]
    pub sales_units: Vec<SalesUnitDto>,
}

impl LedgerDto {
    /// `None` for an item without a ledger id: it cannot be asked for anything, so it is skipped.
    pub fn into_model(self) -> Option<Ledger> {
        let ledger_id = self.ledger_id.filter(|s| !s.trim().is_empty())?;
        Some(Ledger {
            ledger_id,
            currency: self.currency.unwrap_or_default(),
            payout_bank_account: self.payout_bank_account.unwrap_or_default().into_model(),
            owner: self.owner.unwrap_or_default().into_model(),
            settles_for_recipient_handles: self
                .settles_for_recipient_handles
                .into_iter()
                .map(printable)
                .collect(),
            sales_units: self
                .sales_units
                .into_iter()
                .map(|u| SalesUnit {
                    name: u.name.unwrap_or_default(),
                    recipient_handle: u.recipient_handle.unwrap_or_default(),
                    business_identifier: u.business_identifier.map(SchemeIdDto::into_model),
                })
                .collect(),
        })
    }
}

// ---------------------------------------------------------------- entries

/// One page of `/report/v2/ledgers/{id}/{topic}/dates/{date}` or `/feed`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntriesPage {
    #[serde(default, deserialize_with = "vec_or_null")]
    pub items: Vec<EntryDto>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub has_more: Option<bool>,
    #[serde(default, deserialize_with = "opt_string")]
    pub cursor: Option<String>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub try_later: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryDto {
    #[serde(default, deserialize_with = "opt_string")]
    pub psp_reference: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub time: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub ledger_date: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub entry_type: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub reference: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "opt_int")]
    pub amount: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub balance_before: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    pub balance_after: Option<i64>,
    #[serde(default, deserialize_with = "opt_string")]
    pub recipient_handle: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub masked_phone_no: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub message: Option<String>,
}

/// Where an entry sits, as the caller asked for it.
#[derive(Debug, Clone, Copy)]
pub struct EntryContext<'a> {
    pub ledger_id: &'a str,
    pub topic: Topic,
    /// The date asked for; `None` on the feed (the date then comes from `time`).
    pub requested_date: Option<NaiveDate>,
    /// Keep name, masked phone number and message only when the user asked for them.
    pub gdpr: bool,
}

impl EntryDto {
    pub fn into_model(self, ctx: EntryContext<'_>, seq: u32) -> Result<Entry> {
        let psp = self.psp_reference.clone().unwrap_or_default();
        let bad = |what: String| Error::Undecodable {
            detail: format!("entry {} on {} {}: {what}", seq, ctx.ledger_id, ctx.topic),
            excerpt: excerpt(&psp),
        };

        let amount = self.amount.ok_or_else(|| bad("no amount".into()))?;
        // Ten billion kroner in øre per entry is far beyond any real movement; refusing more keeps every
        // sum downstream (days, months, payouts) far from i64 overflow.
        let plausible = |v: i64| v.unsigned_abs() <= MAX_PLAUSIBLE_MINOR;
        if !plausible(amount)
            || !self.balance_before.is_none_or(plausible)
            || !self.balance_after.is_none_or(plausible)
        {
            return Err(bad("an amount or balance beyond 10^12 minor units".into()));
        }
        // Either balance can be derived from the other; both missing leaves nothing to chain.
        let (balance_before, balance_after) = match (self.balance_before, self.balance_after) {
            (Some(b), Some(a)) => (b, a),
            (Some(b), None) => (b, b.saturating_add(amount)),
            (None, Some(a)) => (a.saturating_sub(amount), a),
            (None, None) => return Err(bad("no balanceBefore or balanceAfter".into())),
        };
        let currency = self.currency.unwrap_or_default();

        let (time, ledger_date) = time_and_ledger_date(
            self.time.as_deref(),
            self.ledger_date.as_deref(),
            ctx.requested_date,
            &currency,
        )
        .map_err(bad)?;

        let entry_type = match self.entry_type.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => EntryType::parse(t),
            _ => EntryType::Other("unknown".to_string()),
        };

        let keep = |v: Option<String>| if ctx.gdpr { v } else { None };
        Ok(Entry {
            ledger_id: ctx.ledger_id.to_string(),
            topic: ctx.topic,
            ledger_date,
            seq,
            psp_reference: psp,
            time,
            entry_type,
            reference: self.reference.unwrap_or_default(),
            currency,
            amount,
            balance_before,
            balance_after,
            recipient_handle: self.recipient_handle.filter(|s| !s.is_empty()),
            name: keep(self.name),
            masked_phone_no: keep(self.masked_phone_no),
            message: keep(self.message),
        })
    }
}

/// `YYYY-MM-DD`, also tolerating a full timestamp (its date part).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().or_else(|| {
        s.get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    })
}

/// RFC 3339 with `Z`, `+02:00` or `+0200`, with or without fractional seconds; a time without an
/// offset is taken as UTC (the API's documented zone).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%#z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(Utc.from_utc_datetime(&n));
        }
    }
    None
}

/// An entry's time and ledger date, as the Report and Sales APIs send them: a missing time falls back
/// to the ledger date (or the requested date) at midnight UTC, a missing ledger date to the requested
/// date, else to the time's date in the currency's zone. `Err` is the sentence for `Undecodable`.
pub(super) fn time_and_ledger_date(
    time: Option<&str>,
    ledger_date: Option<&str>,
    requested_date: Option<NaiveDate>,
    currency: &str,
) -> std::result::Result<(DateTime<Utc>, NaiveDate), String> {
    let time = match time.map(str::trim).filter(|s| !s.is_empty()) {
        Some(t) => parse_time(t).ok_or_else(|| format!("unreadable time {}", excerpt(t)))?,
        None => ledger_date
            .and_then(parse_date)
            .or(requested_date)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|n| n.and_utc())
            .ok_or_else(|| "no time and no ledgerDate".to_string())?,
    };
    let ledger_date = match ledger_date.map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => parse_date(d).ok_or_else(|| format!("unreadable ledgerDate {}", excerpt(d)))?,
        None => requested_date
            .unwrap_or_else(|| time.with_timezone(&time_zone_for_currency(currency)).date_naive()),
    };
    Ok((time, ledger_date))
}

/// At most [`EXCERPT_CHARS`] characters of a body, on one line and [`printable`], for an error message.
pub fn excerpt(body: &str) -> String {
    let one_line: String = printable(body.to_string())
        .chars()
        .take(EXCERPT_CHARS + 1)
        .collect();
    let one_line = one_line.trim();
    if one_line.chars().count() > EXCERPT_CHARS {
        let cut: String = one_line.chars().take(EXCERPT_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        one_line.to_string()
    }
}

fn truncate_chars(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        let cut: String = s.chars().take(n - 1).collect();
        format!("{cut}…")
    } else {
        s.to_string()
    }
}

/// Decode a JSON body into `T`, or say in words what was wrong, quoting only the body.
pub fn decode<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::Undecodable {
        detail: describe_json_error(what, &e),
        excerpt: excerpt(&String::from_utf8_lossy(body)),
    })
}

fn describe_json_error(what: &str, e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => format!(
            "the {what} ended in the middle (line {}, column {})",
            e.line(),
            e.column()
        ),
        Category::Syntax => format!(
            "the {what} is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ),
        Category::Data => format!("the {what} has an unexpected shape: {e}"),
        Category::Io => format!("the {what} could not be read"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_loses_its_escape_sequences_and_control_characters() {
        assert_eq!(printable("\u{1b}[31mred\u{7}\u{1b}[0m".into()), "red ");
        assert_eq!(
            printable("a\u{1b}]0;owned\u{7}b\tc\nd\u{9b}2Je".into()),
            "ab c de"
        );
        assert_eq!(printable("Kafé Fjord".into()), "Kafé Fjord");
        let body = ErrorBody::parse(br#"{"detail":"\u001b[2J\u001b[31mBad\u0008 request\u0007"}"#);
        let text = body.text().expect("text");
        assert_eq!(text, "Bad  request");
        assert!(!text.chars().any(char::is_control));
    }

    fn ctx(gdpr: bool) -> EntryContext<'static> {
        EntryContext {
            ledger_id: "12345",
            topic: Topic::Funds,
            requested_date: NaiveDate::from_ymd_opt(2022, 10, 1),
            gdpr,
        }
    }

    fn entry(json: &str, gdpr: bool) -> Result<Entry> {
        let dto: EntryDto = serde_json::from_str(json).map_err(|e| Error::Input(e.to_string()))?;
        dto.into_model(ctx(gdpr), 7)
    }

    #[test]
    fn amounts_arrive_as_numbers_strings_or_whole_floats() {
        let e = entry(
            r#"{"pspReference":"p","time":"2022-10-01T10:00:00Z","entryType":"capture",
                "amount":"49900","balanceBefore":100.0,"balanceAfter":" 50000 "}"#,
            false,
        )
        .expect("entry");
        assert_eq!((e.amount, e.balance_before, e.balance_after), (49900, 100, 50000));
        assert!(entry(
            r#"{"amount":100.5,"balanceBefore":0,"balanceAfter":1,"time":"2022-10-01T00:00:00Z"}"#,
            false
        )
        .is_err());
    }

    #[test]
    fn amounts_no_business_could_have_are_refused_before_they_reach_a_sum() {
        let at = |amount: &str, after: &str| {
            entry(
                &format!(
                    r#"{{"time":"2022-10-01T10:00:00Z","entryType":"capture","amount":{amount},"balanceBefore":0,"balanceAfter":{after}}}"#
                ),
                false,
            )
        };
        assert_eq!(
            at("1000000000000", "1000000000000")
                .expect("10^12 is accepted")
                .amount,
            1_000_000_000_000
        );
        let err = at("1000000000001", "1000000000001").expect_err("beyond 10^12");
        assert!(matches!(err, Error::Undecodable { .. }), "{err:?}");
        assert!(
            at("5", "9223372036854775807").is_err(),
            "a balance near i64::MAX is refused too"
        );
    }

    #[test]
    fn times_with_offsets_and_without_fractions_become_utc() {
        let cases = [
            ("2022-10-01T16:33:00.824993+0200", "2022-10-01T14:33:00.824993Z"),
            ("2022-10-01T16:33:00+02:00", "2022-10-01T14:33:00Z"),
            ("2020-10-05T00:00:00.000000Z", "2020-10-05T00:00:00Z"),
            ("2022-10-01T16:33:00Z", "2022-10-01T16:33:00Z"),
            ("2022-10-01T16:33:00.5-0130", "2022-10-01T18:03:00.500Z"),
            ("2022-10-01T16:33:00", "2022-10-01T16:33:00Z"),
        ];
        for (wire, utc) in cases {
            let want = DateTime::parse_from_rfc3339(utc)
                .expect("want")
                .with_timezone(&Utc);
            assert_eq!(parse_time(wire), Some(want), "{wire}");
        }
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn missing_ledger_date_means_the_requested_date_and_null_handles_are_none() {
        let e = entry(
            r#"{"pspReference":"p","time":"2022-10-01T23:30:00+0200","entryType":"refund",
                "amount":-100,"balanceBefore":100,"balanceAfter":0,"recipientHandle":null,"futureField":{"x":1}}"#,
            false,
        )
        .expect("entry");
        assert_eq!(e.ledger_date, NaiveDate::from_ymd_opt(2022, 10, 1).expect("date"));
        assert_eq!(e.recipient_handle, None);
        assert_eq!(e.seq, 7);
        assert_eq!(e.entry_type, EntryType::Refund);
        assert_eq!(e.reference, "");
    }

    #[test]
    fn unknown_entry_types_are_kept_not_rejected() {
        let e = entry(
            r#"{"time":"2022-10-01T10:00:00Z","entryType":"loyalty-bonus","amount":5,"balanceBefore":0}"#,
            false,
        )
        .expect("entry");
        assert_eq!(e.entry_type, EntryType::Other("loyalty-bonus".into()));
        assert_eq!(e.balance_after, 5, "derived from balanceBefore + amount");
    }

    #[test]
    fn personal_data_is_kept_only_when_asked_for() {
        let json = r#"{"time":"2022-10-01T10:00:00Z","entryType":"capture","amount":5,"balanceBefore":0,
            "balanceAfter":5,"name":"Ola Nordmann","maskedPhoneNo":"xxx xx 123","message":"takk"}"#;
        let without = entry(json, false).expect("entry");
        assert_eq!(
            (without.name, without.masked_phone_no, without.message),
            (None, None, None)
        );
        let with = entry(json, true).expect("entry");
        assert_eq!(with.name.as_deref(), Some("Ola Nordmann"));
        assert_eq!(with.masked_phone_no.as_deref(), Some("xxx xx 123"));
        assert_eq!(with.message.as_deref(), Some("takk"));
    }

    #[test]
    fn token_numbers_may_be_strings() {
        let t: TokenResponse = serde_json::from_str(
            r#"{"token_type":"Bearer","expires_in":"86398","ext_expires_in":"86398",
                "expires_on":"1700086398","not_before":"1700000000","resource":"x","access_token":"eyJ"}"#,
        )
        .expect("token");
        assert_eq!(t.expires_in, Some(86398));
        assert_eq!(t.lifetime_secs(0), Some(86398));
        let p: TokenResponse =
            serde_json::from_str(r#"{"access_token":"a","expires_in":3600,"token_type":"Bearer"}"#)
                .expect("token");
        assert_eq!(p.expires_in, Some(3600));
        let on_only: TokenResponse =
            serde_json::from_str(r#"{"access_token":"a","expires_on":"1000"}"#).expect("token");
        assert_eq!(on_only.lifetime_secs(400), Some(600));
        assert!(!format!("{p:?}").contains("\"a\""));
    }

    #[test]
    fn error_bodies_of_every_shape_give_words_and_a_context_id() {
        let e = ErrorBody::parse(br#"{"errorCode":"10002","errorMessage":"bad date","contextId":"c-1"}"#);
        assert_eq!(
            (e.error_code, e.text().as_deref(), e.context().as_deref()),
            (Some(10002), Some("bad date"), Some("c-1"))
        );
        let p = ErrorBody::parse(
            br#"{"type":"x","title":"Bad Request","status":400,"detail":"cursor invalid","traceId":"t-9"}"#,
        );
        assert_eq!(
            (p.text().as_deref(), p.context().as_deref()),
            (Some("cursor invalid"), Some("t-9"))
        );
        assert_eq!(ErrorBody::parse(b"<html>").text(), None);
    }

    #[test]
    fn an_excerpt_is_one_short_line() {
        let long = "x\n".repeat(500);
        let ex = excerpt(&long);
        assert!(ex.chars().count() <= EXCERPT_CHARS);
        assert!(!ex.contains('\n'));
        assert_eq!(excerpt("  {\"a\":  "), "{\"a\":");
    }

    #[test]
    fn ledgers_with_nulls_and_without_sales_units_decode() {
        let page: LedgersPage = decode(
            br#"{"items":[{"ledgerId":302321,"currency":"DKK","owner":null,"settlesForRecipientHandles":null},
                          {"currency":"NOK"}],"cursor":null}"#,
            "ledger list",
        )
        .expect("page");
        let ledgers: Vec<Ledger> = page.items.into_iter().filter_map(LedgerDto::into_model).collect();
        assert_eq!(ledgers.len(), 1);
        assert_eq!(ledgers[0].ledger_id, "302321");
        assert_eq!(ledgers[0].owner, SchemeId::default());
        assert!(ledgers[0].sales_units.is_empty());
    }

    #[test]
    fn a_cut_body_is_undecodable_with_an_excerpt_of_the_body() {
        let err = decode::<EntriesPage>(br#"{"items":[{"amount":1"#, "report page").expect_err("cut");
        match err {
            Error::Undecodable { detail, excerpt } => {
                assert!(detail.contains("ended in the middle"), "{detail}");
                assert_eq!(excerpt, r#"{"items":[{"amount":1"#);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
