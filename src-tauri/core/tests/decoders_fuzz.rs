//! Every decoder of server answers and imported files, fed arbitrary bytes and arbitrary JSON:
//! a value or an error, never a panic (issue 13, item 5). Token, ledgers, entries, error bodies,
//! the Sales API pages and entries, and the bank statement parsers (camt.053 and CSV).

use avstem_core::api::auth::Token;
use avstem_core::api::dto::{self, EntriesPage, EntryContext, ErrorBody, LedgersPage, TokenResponse};
use avstem_core::api::sales_dto::{self, SaleContext, SalesPageDto};
use avstem_core::bank::{self, csv_import};
use avstem_core::model::Topic;
use proptest::prelude::*;
use serde_json::Value;
use std::time::Instant;

/// Any JSON value, a few levels deep, with the field names the decoders look for mixed in so the
/// interesting paths are reached, not only "not an object".
fn json() -> impl Strategy<Value = Value> {
    let names = prop::sample::select(vec![
        "items",
        "entries",
        "cursor",
        "hasMore",
        "tryLater",
        "pspReference",
        "time",
        "ledgerDate",
        "entryType",
        "reference",
        "currency",
        "amount",
        "balanceBefore",
        "balanceAfter",
        "recipientHandle",
        "name",
        "message",
        "ledgerId",
        "payoutScheme",
        "owner",
        "salesUnits",
        "access_token",
        "expires_in",
        "expires_on",
        "errorCode",
        "detail",
        "title",
        "lines",
        "vat",
        "net",
        "gross",
        "quantity",
        "x",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
        "(2026-1[0-2]-[0-3][0-9])(T1[0-9]:00:00Z)?".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((names.clone(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

/// Every decoder on one body. Only panics matter: each result is dropped.
fn decode_everything(body: &[u8]) {
    let _ = ErrorBody::parse(body).text();
    if let Ok(resp) = dto::decode::<TokenResponse>(body, "token") {
        let _ = Token::from_response(resp, Instant::now(), 1_790_000_000);
    }
    if let Ok(page) = dto::decode::<LedgersPage>(body, "ledgers") {
        let _: Vec<_> = page.items.into_iter().map(|l| l.into_model()).collect();
    }
    if let Ok(page) = dto::decode::<EntriesPage>(body, "entries") {
        for (i, e) in page.items.into_iter().enumerate() {
            let ctx = EntryContext {
                ledger_id: "1",
                topic: Topic::Funds,
                requested_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 3),
                gdpr: i % 2 == 0,
            };
            let _ = e.into_model(ctx, i as u32);
        }
    }
    if let Ok(page) = dto::decode::<SalesPageDto>(body, "sales") {
        for (i, e) in page.items.into_iter().enumerate() {
            let _ = e.into_model(
                SaleContext {
                    ledger_id: "1",
                    requested_date: None,
                },
                i as u32,
            );
        }
    }
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        let _ = sales_dto::lookup_page(value, "lookup");
    }
    let _ = bank::parse_statement_file(body);
    let _ = bank::camt::parse(body);
    if let Ok(mapping) = csv_import::detect(body) {
        let _ = csv_import::parse(body, &mapping);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        decode_everything(&body);
    }

    #[test]
    fn arbitrary_json_never_panics(value in json()) {
        decode_everything(&serde_json::to_vec(&value).expect("json"));
        // The same wrapped as a page, so the item decoders see it too.
        let page = serde_json::json!({"items": [value.clone()], "hasMore": false});
        decode_everything(&serde_json::to_vec(&page).expect("json"));
    }

    #[test]
    fn text_that_looks_like_a_statement_never_panics(
        lines in prop::collection::vec("[0-9a-zA-Z;,.\" -]{0,40}", 0..12),
        xml in "<\\?xml version=\"1.0\"\\?><Document[ a-z=\"]{0,20}>[<>/a-zA-Z0-9 ]{0,200}",
    ) {
        decode_everything(lines.join("\n").as_bytes());
        decode_everything(xml.as_bytes());
    }
}
