//! The Report API's data endpoints: the ledger list, a ledger date's entries page by page (only
//! the visible part of today; `tryLater` until the payout covering a date has happened), and the
//! feed (every date, then today's activity so far, then the same cursor with `tryLater`), in
//! production's wire shape.

use super::paging::{encode_cursor, feed_position, ledger_not_found, page_offset, path_date, query_value};
use super::{problem, server_error, Principal, Reply, Shared};
use crate::model::{Entry, EntryType, Topic};
use crate::sim::data::{DayEntries, World};
use chrono::NaiveDate;
use http::StatusCode;
use serde::Serialize;
use std::sync::Arc;

/// Dates one feed page may walk through.
const FEED_MAX_DATES_PER_PAGE: usize = 2_000;

pub(super) fn ledgers(shared: &Shared, who: Principal, query: &[(String, String)]) -> Reply {
    let path = "/settlement/v1/ledgers";
    let wanted: Vec<String> = query
        .iter()
        .filter(|(k, _)| k == "settlesForRecipientHandles")
        .flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_string()).collect::<Vec<_>>())
        .filter(|s| !s.is_empty())
        .collect();
    let visible: Vec<_> = shared
        .world
        .ledgers()
        .into_iter()
        .filter(|l| shared.can_see(who, &l.ledger_id))
        .filter(|l| wanted.is_empty() || l.settles_for_recipient_handles.iter().any(|h| wanted.contains(h)))
        .collect();
    let offset = match page_offset(shared, query, path, "ledgers:") {
        Ok(n) => n,
        Err(r) => return r,
    };
    let end = (offset + shared.ledgers_page_size).min(visible.len());
    let items = visible.get(offset.min(end)..end).unwrap_or_default();
    let cursor = if end < visible.len() {
        encode_cursor(&format!("ledgers:{end}"))
    } else {
        String::new()
    };
    Reply::json(
        StatusCode::OK,
        &serde_json::json!({ "items": items, "cursor": cursor }),
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireEntry<'a> {
    psp_reference: &'a str,
    time: String,
    ledger_date: String,
    entry_type: &'a str,
    reference: &'a str,
    currency: &'a str,
    amount: i64,
    balance_before: i64,
    balance_after: i64,
    recipient_handle: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    masked_phone_no: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
}

fn wire<'a>(world: &World, e: &'a Entry, gdpr: bool) -> WireEntry<'a> {
    WireEntry {
        psp_reference: &e.psp_reference,
        time: world.format_time(&e.ledger_id, e.time),
        ledger_date: e.ledger_date.format("%Y-%m-%d").to_string(),
        entry_type: e.entry_type.as_str(),
        reference: &e.reference,
        currency: &e.currency,
        amount: e.amount,
        balance_before: e.balance_before,
        balance_after: e.balance_after,
        recipient_handle: e.recipient_handle.as_deref(),
        name: e.name.as_deref().filter(|_| gdpr),
        masked_phone_no: e.masked_phone_no.as_deref().filter(|_| gdpr),
        message: e.message.as_deref().filter(|_| gdpr),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DatePage<'a> {
    items: Vec<WireEntry<'a>>,
    has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    cursor: Option<String>,
    try_later: bool,
}

fn is_settlement(t: &EntryType) -> bool {
    matches!(
        t,
        EntryType::FeesRetained | EntryType::PayoutScheduled | EntryType::FeesInvoiced
    )
}

/// How much of a date is visible: all of a closed date; of today, the activity so far; of later dates, nothing.
fn visible_len(entries: &[Entry], date: NaiveDate, today: NaiveDate) -> usize {
    if date < today {
        entries.len()
    } else if date == today {
        let now = crate::clock::Clock::System.now();
        entries
            .iter()
            .take_while(|e| e.time <= now && !is_settlement(&e.entry_type))
            .count()
    } else {
        0
    }
}

/// Whether `date` is still open on `today`: not closed until the payout covering it has happened.
async fn still_open(shared: &Shared, ledger_id: &str, date: NaiveDate, today: NaiveDate) -> bool {
    if date >= today {
        return true;
    }
    let world = shared.world.clone();
    let id = ledger_id.to_string();
    tokio::task::spawn_blocking(move || world.closing_date(&id, date, today).is_none())
        .await
        .unwrap_or(true)
}

fn wants_gdpr(query: &[(String, String)]) -> bool {
    query_value(query, "includeGDPRSensitiveData").is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

pub(super) async fn dates(
    shared: &Shared,
    who: Principal,
    (ledger_id, topic, date): (&str, &str, &str),
    query: &[(String, String)],
    path: &str,
    empty_page: bool,
) -> Reply {
    let topic = match visible_topic(shared, who, ledger_id, topic, path) {
        Ok(topic) => topic,
        Err(reply) => return reply,
    };
    let date = match path_date(shared, date, path) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let offset = match page_offset(shared, query, path, "page:") {
        Ok(n) => n,
        Err(r) => return r,
    };
    let today = shared.today();
    let Some(day) = shared.day(ledger_id, date).await else {
        return server_error(
            10001,
            "The report could not be produced. Please try again.",
            shared.context_id(),
        );
    };
    let entries = day.topic(topic);
    let len = visible_len(entries, date, today);
    let open = still_open(shared, ledger_id, date, today).await;
    let start = offset.min(len);
    let end = (offset + shared.page_size).min(len);
    if empty_page && start < len {
        // Production sometimes answers "more to come" with nothing in it; the cursor stays put.
        let page = DatePage {
            items: Vec::new(),
            has_more: true,
            cursor: Some(encode_cursor(&format!("page:{offset}"))),
            try_later: open,
        };
        return paged(Reply::json(StatusCode::OK, &page), shared.page_size);
    }
    let gdpr = wants_gdpr(query);
    let items: Vec<WireEntry> = entries[start..end]
        .iter()
        .map(|e| wire(&shared.world, e, gdpr))
        .collect();
    // A full page says "more", even when nothing follows: production can answer with an empty last page.
    let has_more = items.len() == shared.page_size && offset + shared.page_size <= len;
    let page = DatePage {
        items,
        has_more,
        cursor: has_more.then(|| encode_cursor(&format!("page:{}", offset + shared.page_size))),
        try_later: open,
    };
    paged(Reply::json(StatusCode::OK, &page), shared.page_size)
}

/// Report and feed pages say their page size in a header (production resolves it per ledger).
fn paged(mut reply: Reply, page_size: usize) -> Reply {
    reply.page_size = Some(page_size);
    reply
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FeedPage<'a> {
    items: Vec<WireEntry<'a>>,
    cursor: String,
    try_later: bool,
}

pub(super) async fn feed(
    shared: &Shared,
    who: Principal,
    ledger_id: &str,
    topic: &str,
    query: &[(String, String)],
    path: &str,
) -> Reply {
    let topic = match visible_topic(shared, who, ledger_id, topic, path) {
        Ok(topic) => topic,
        Err(reply) => return reply,
    };
    let first = shared
        .world
        .ledger_profile(ledger_id)
        .map(|p| p.first_date)
        .unwrap_or(crate::sim::data::DATA_START);
    let (mut date, mut offset) = match feed_position(shared, query, path, "feed:", first) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let today = shared.today();
    let mut taken: Vec<(Arc<DayEntries>, usize, usize)> = Vec::new();
    let mut count = 0usize;
    let mut at_end = false;
    for _ in 0..FEED_MAX_DATES_PER_PAGE {
        if date > today {
            at_end = true;
            break;
        }
        let Some(day) = shared.day(ledger_id, date).await else {
            return server_error(
                10001,
                "The feed could not be produced. Please try again.",
                shared.context_id(),
            );
        };
        // Past dates in full; today only as far as it has happened (no settlement yet).
        let len = visible_len(day.topic(topic), date, today);
        let end = (offset + shared.page_size - count).min(len).max(offset);
        if end > offset {
            count += end - offset;
            taken.push((day.clone(), offset, end));
        }
        if date == today && end >= len {
            // The end of what has happened: the same position again later, with `tryLater`.
            offset = end;
            at_end = true;
            break;
        }
        if end >= len {
            date = date.succ_opt().unwrap_or(date);
            offset = 0;
        } else {
            offset = end;
        }
        if count >= shared.page_size {
            break;
        }
    }
    let gdpr = wants_gdpr(query);
    let items: Vec<WireEntry> = taken
        .iter()
        .flat_map(|(day, s, e)| day.topic(topic)[*s..*e].iter())
        .map(|e| wire(&shared.world, e, gdpr))
        .collect();
    let page = FeedPage {
        items,
        cursor: encode_cursor(&format!("feed:{}/{offset}", date.format("%Y-%m-%d"))),
        try_later: at_end,
    };
    paged(Reply::json(StatusCode::OK, &page), shared.page_size)
}

/// The ledger must be visible to the caller (else 404, as production) and the topic known (else 400).
fn visible_topic(
    shared: &Shared,
    who: Principal,
    ledger_id: &str,
    topic: &str,
    path: &str,
) -> Result<Topic, Reply> {
    if !shared.can_see(who, ledger_id) {
        return Err(ledger_not_found(shared, ledger_id, path));
    }
    if shared.world.is_broken(ledger_id) {
        return Err(super::server_error(
            10002,
            "Input validation failed: the request is not valid.",
            shared.context_id(),
        ));
    }
    Topic::parse(topic).ok_or_else(|| {
        problem(
            StatusCode::BAD_REQUEST,
            "The topic must be funds or fees.",
            path,
            shared.context_id(),
        )
    })
}
