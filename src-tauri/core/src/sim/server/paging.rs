//! What every data endpoint reads from a request the same way: query values, opaque cursors (a page
//! offset, or a feed position of date and offset), the ledger date in the path, and the answers
//! for a bad cursor, a bad date or a ledger these keys may not see.

use super::{problem, Reply, Shared, B64};
use base64::Engine;
use chrono::NaiveDate;
use http::StatusCode;

pub(super) fn query_value<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

pub(super) fn encode_cursor(s: &str) -> String {
    B64.encode(s)
}

pub(super) fn decode_cursor(c: &str, prefix: &str) -> Option<String> {
    let raw = String::from_utf8(B64.decode(c.trim()).ok()?).ok()?;
    raw.strip_prefix(prefix).map(str::to_string)
}

pub(super) fn bad_cursor(shared: &Shared, path: &str) -> Reply {
    let mut reply = problem(
        StatusCode::BAD_REQUEST,
        "The cursor is not valid.",
        path,
        shared.context_id(),
    );
    // Newer services name the offending field in `extraDetails`; clients must keep it.
    with_extra_details(
        &mut reply,
        serde_json::json!({ "cursor": "unknown or expired position" }),
    );
    reply
}

/// Add `extraDetails` to a problem reply's body.
pub(super) fn with_extra_details(reply: &mut Reply, extra: serde_json::Value) {
    if let Ok(serde_json::Value::Object(mut body)) = serde_json::from_slice::<serde_json::Value>(&reply.body)
    {
        body.insert("extraDetails".into(), extra);
        reply.body = serde_json::to_vec(&body).unwrap_or_else(|_| reply.body.clone());
    }
}

/// The entry offset a page cursor (`{prefix}{offset}`) names; no cursor is the first page.
pub(super) fn page_offset(
    shared: &Shared,
    query: &[(String, String)],
    path: &str,
    prefix: &str,
) -> Result<usize, Reply> {
    match query_value(query, "cursor").filter(|c| !c.is_empty()) {
        None => Ok(0),
        Some(c) => decode_cursor(c, prefix)
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| bad_cursor(shared, path)),
    }
}

/// The position a feed cursor (`{prefix}{date}/{offset}`) names; no cursor starts at `first`.
pub(super) fn feed_position(
    shared: &Shared,
    query: &[(String, String)],
    path: &str,
    prefix: &str,
    first: NaiveDate,
) -> Result<(NaiveDate, usize), Reply> {
    let Some(c) = query_value(query, "cursor").filter(|c| !c.is_empty()) else {
        return Ok((first, 0));
    };
    decode_cursor(c, prefix)
        .and_then(|s| {
            let (d, o) = s.split_once('/')?;
            Some((
                NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?,
                o.parse::<usize>().ok()?,
            ))
        })
        .ok_or_else(|| bad_cursor(shared, path))
}

/// The ledger date named in the path (`…/dates/YYYY-MM-DD`).
pub(super) fn path_date(shared: &Shared, date: &str, path: &str) -> Result<NaiveDate, Reply> {
    NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
        problem(
            StatusCode::BAD_REQUEST,
            "The date must be YYYY-MM-DD.",
            path,
            shared.context_id(),
        )
    })
}

/// Production's answer for a ledger that does not exist and one these keys may not see: the same 404.
pub(super) fn ledger_not_found(shared: &Shared, ledger_id: &str, path: &str) -> Reply {
    problem(
        StatusCode::NOT_FOUND,
        &format!("Ledger {ledger_id} was not found or is not available to these credentials."),
        path,
        shared.context_id(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_foreign_ones() {
        let c = encode_cursor("page:2000");
        assert_eq!(decode_cursor(&c, "page:").as_deref(), Some("2000"));
        assert_eq!(decode_cursor(&c, "feed:"), None);
        assert_eq!(decode_cursor("!!!", "page:"), None);
    }
}
