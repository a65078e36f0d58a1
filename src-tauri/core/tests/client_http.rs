//! The Report API client against tiny scripted servers on 127.0.0.1: auth flows, headers,
//! paging, every fault kind, and the documented example day from the fixture JSON.

mod client_support;

use avstem_core::api::{ApiClient, ClientConfig};
use avstem_core::model::Topic;
use avstem_core::Error;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use client_support::*;
use std::time::{Duration, Instant};

const DATES: &str = "/report/v2/ledgers/{ledger}/{topic}/dates/{date}";

fn oct1() -> NaiveDate {
    NaiveDate::from_ymd_opt(2022, 10, 1).expect("date")
}

/// A router whose report-by-date route answers `answer(call index, query)`.
fn dates_router(
    tokens: Hits,
    api: Hits,
    seen: Seen,
    answer: impl Fn(usize, &str) -> Response + Clone + Send + Sync + 'static,
) -> Router {
    let route = get(move |headers: HeaderMap, RawQuery(q): RawQuery| {
        let api = api.clone();
        let seen = seen.clone();
        let answer = answer.clone();
        async move {
            seen.push(&headers, q.clone());
            answer(api.next(), q.as_deref().unwrap_or(""))
        }
    });
    with_tokens(Router::new().route(DATES, route), tokens, Seen::default(), "3600")
}

fn fixture_answer(_: usize, _: &str) -> Response {
    json(StatusCode::OK, FUNDS)
}

async fn client_for(router: Router, config: ClientConfig) -> ApiClient {
    let base = serve(router).await;
    ApiClient::new(&base, merchant(), config).expect("client")
}

// ------------------------------------------------------------------ auth and headers

#[tokio::test]
async fn merchant_keys_travel_as_headers_and_every_call_carries_the_identification_headers() {
    let (tokens, api, api_seen, token_seen) =
        (Hits::default(), Hits::default(), Seen::default(), Seen::default());
    let route = {
        let (api, api_seen) = (api.clone(), api_seen.clone());
        get(move |headers: HeaderMap| {
            let (api, api_seen) = (api.clone(), api_seen.clone());
            async move {
                api.next();
                api_seen.push(&headers, None);
                json(StatusCode::OK, FUNDS)
            }
        })
    };
    let router = with_tokens(
        Router::new().route(DATES, route),
        tokens.clone(),
        token_seen.clone(),
        "86398",
    );
    let client = client_for(router, quick()).await;

    let page = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect("page");
    client
        .entries_for_date("12345", Topic::Fees, oct1(), false)
        .await
        .expect("page");
    assert_eq!(page.entries.len(), 6);
    assert_eq!((tokens.get(), api.get()), (1, 2), "one token serves both calls");
    assert_eq!(client.requests_made(), 3);
    assert_eq!(client.token_requests(), 1);

    let (th, body) = token_seen.all().remove(0);
    assert_eq!(header(&th, "client_id"), Some("merchant-id"));
    assert_eq!(header(&th, "client_secret"), Some(SENTINEL_SECRET));
    assert_eq!(
        header(&th, "ocp-apim-subscription-key"),
        Some(SENTINEL_SUBSCRIPTION)
    );
    assert_eq!(header(&th, "merchant-serial-number"), Some("123455"));
    assert_eq!(header(&th, "authorization"), None);
    assert_eq!(body.as_deref(), Some(""), "merchant token call has an empty body");

    for (h, _) in api_seen.all() {
        assert_eq!(header(&h, "authorization"), Some("Bearer sentinel-token-0"));
        assert_eq!(
            header(&h, "ocp-apim-subscription-key"),
            Some(SENTINEL_SUBSCRIPTION)
        );
        assert_eq!(header(&h, "merchant-serial-number"), Some("123455"));
        assert_eq!(header(&h, "vipps-system-name"), Some("avstem"));
        assert_eq!(header(&h, "vipps-system-version"), Some(avstem_core::VERSION));
        assert_eq!(header(&h, "vipps-system-plugin-name"), Some("avstem-core"));
        assert_eq!(
            header(&h, "vipps-system-plugin-version"),
            Some(avstem_core::VERSION)
        );
        for name in [
            "vipps-system-name",
            "vipps-system-version",
            "vipps-system-plugin-name",
            "vipps-system-plugin-version",
        ] {
            assert!(header(&h, name).map_or(0, str::len) <= 30);
        }
        assert!(header(&h, "accept-encoding").is_some_and(|v| v.contains("gzip")));
        assert_eq!(
            header(&h, "client_secret"),
            None,
            "the secret goes to the token call only"
        );
    }
}

#[tokio::test]
async fn partner_keys_use_basic_auth_and_a_client_credentials_form() {
    let (tokens, token_seen, api_seen) = (Hits::default(), Seen::default(), Seen::default());
    let route = {
        let api_seen = api_seen.clone();
        get(move |headers: HeaderMap, RawQuery(q): RawQuery| {
            let api_seen = api_seen.clone();
            async move {
                api_seen.push(&headers, q);
                json(StatusCode::OK, LEDGERS)
            }
        })
    };
    let router = with_tokens(
        Router::new().route("/settlement/v1/ledgers", route),
        tokens.clone(),
        token_seen.clone(),
        "3600",
    );
    let base = serve(router).await;
    let client = ApiClient::new(&base, partner(), quick()).expect("client");
    let ledgers = client.ledgers(None).await.expect("ledgers");
    assert_eq!(ledgers.len(), 1);

    let (th, body) = token_seen.all().remove(0);
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("partner-id:{SENTINEL_SECRET}"));
    assert_eq!(
        header(&th, "authorization"),
        Some(format!("Basic {basic}").as_str())
    );
    assert_eq!(body.as_deref(), Some("grant_type=client_credentials"));
    assert_eq!(
        header(&th, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let (ah, _) = api_seen.all().remove(0);
    assert_eq!(header(&ah, "authorization"), Some("Bearer sentinel-token-0"));
    assert_eq!(
        header(&ah, "ocp-apim-subscription-key"),
        None,
        "partner keys have no subscription key"
    );
    assert_eq!(header(&ah, "merchant-serial-number"), None);
}

#[tokio::test]
async fn a_401_fetches_one_new_token_and_the_call_succeeds() {
    let (tokens, api, seen) = (Hits::default(), Hits::default(), Seen::default());
    let router = dates_router(tokens.clone(), api.clone(), seen.clone(), |i, _| match i {
        0 => json(
            StatusCode::UNAUTHORIZED,
            r#"{"code":"Unauthorized","message":"token expired"}"#,
        ),
        _ => json(StatusCode::OK, FUNDS),
    });
    let client = client_for(router, quick()).await;
    let page = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect("page");
    assert_eq!(page.entries.len(), 6);
    assert_eq!((tokens.get(), api.get()), (2, 2));
    let auths: Vec<String> = seen
        .all()
        .iter()
        .map(|(h, _)| header(h, "authorization").unwrap_or("").to_string())
        .collect();
    assert_eq!(auths, vec!["Bearer sentinel-token-0", "Bearer sentinel-token-1"]);
}

#[tokio::test]
async fn a_second_401_after_a_fresh_token_means_the_keys_are_rejected() {
    let (tokens, api) = (Hits::default(), Hits::default());
    let router = dates_router(tokens.clone(), api.clone(), Seen::default(), |_, _| {
        json(
            StatusCode::UNAUTHORIZED,
            r#"{"code":"Unauthorized","message":"Access denied due to invalid subscription key."}"#,
        )
    });
    let client = client_for(router, quick()).await;
    let err = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect_err("401 twice");
    assert!(matches!(err, Error::KeysRejected), "{err:?}");
    assert_eq!(
        (tokens.get(), api.get()),
        (2, 2),
        "exactly one refresh, never a retry loop"
    );
}

#[tokio::test]
async fn a_refused_token_call_means_the_keys_are_rejected_without_any_report_call() {
    let api = Hits::default();
    let token_calls = Hits::default();
    let router = Router::new()
        .route(
            "/accesstoken/get",
            axum::routing::post({
                let token_calls = token_calls.clone();
                move || {
                    let token_calls = token_calls.clone();
                    async move {
                        token_calls.next();
                        json(
                            StatusCode::UNAUTHORIZED,
                            r#"{"error":"invalid_client","error_description":"AADSTS7000215"}"#,
                        )
                    }
                }
            }),
        )
        .route(
            DATES,
            get({
                let api = api.clone();
                move || {
                    let api = api.clone();
                    async move {
                        api.next();
                        json(StatusCode::OK, FUNDS)
                    }
                }
            }),
        );
    let client = client_for(router, quick()).await;
    let err = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::KeysRejected));
    assert_eq!((token_calls.get(), api.get()), (1, 0));
    assert!(matches!(client.verify_keys().await, Err(Error::KeysRejected)));
}

#[tokio::test]
async fn a_token_is_renewed_shortly_before_it_expires() {
    let (tokens, api) = (Hits::default(), Hits::default());
    let route = {
        let api = api.clone();
        get(move || {
            let api = api.clone();
            async move {
                api.next();
                json(StatusCode::OK, FUNDS)
            }
        })
    };
    // Lives 2 s: too short for the 60 s margin, so it is used for half its life.
    let router = with_tokens(
        Router::new().route(DATES, route),
        tokens.clone(),
        Seen::default(),
        "2",
    );
    let client = client_for(router, quick()).await;
    client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect("first");
    client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect("second");
    assert_eq!(tokens.get(), 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect("third");
    assert_eq!((tokens.get(), api.get()), (2, 3));
}

#[tokio::test]
async fn concurrent_calls_share_one_token_fetch() {
    let (tokens, api) = (Hits::default(), Hits::default());
    let router = dates_router(tokens.clone(), api.clone(), Seen::default(), fixture_answer);
    let client = client_for(router, quick()).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let c = client.clone();
        tasks.push(tokio::spawn(async move {
            c.entries_for_date("12345", Topic::Funds, oct1(), false).await
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.expect("join").expect("page").entries.len();
    }
    assert_eq!(total, 48);
    assert_eq!((tokens.get(), api.get()), (1, 8));
}

// ------------------------------------------------------------------ status codes and retries

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_then_succeeds() {
    let (tokens, api) = (Hits::default(), Hits::default());
    let router = dates_router(tokens.clone(), api.clone(), Seen::default(), |i, _| match i {
        0 => (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "slow down").into_response(),
        _ => json(StatusCode::OK, FUNDS),
    });
    let client = client_for(router, quick()).await;
    let started = Instant::now();
    let page = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect("page");
    let elapsed = started.elapsed();
    assert_eq!(page.entries.len(), 6);
    assert_eq!(api.get(), 2);
    assert!(elapsed >= Duration::from_millis(980), "waited {elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "waited {elapsed:?}");
}

#[tokio::test]
async fn rate_limiting_that_never_ends_is_reported_with_its_retry_after() {
    let api = Hits::default();
    let router = dates_router(Hits::default(), api.clone(), Seen::default(), |_, _| {
        (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "0")], "").into_response()
    });
    let config = ClientConfig {
        max_retries: 2,
        ..quick()
    };
    let client = client_for(router, config).await;
    let err = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect_err("429");
    assert!(
        matches!(
            err,
            Error::RateLimited {
                retry_after_secs: Some(0)
            }
        ),
        "{err:?}"
    );
    assert_eq!(api.get(), 3, "the first try and two retries");
}

#[tokio::test]
async fn a_transient_10001_is_retried_until_it_succeeds() {
    let api = Hits::default();
    let router = dates_router(Hits::default(), api.clone(), Seen::default(), |i, _| match i {
        0 | 1 => json(
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"errorCode":10001,"errorMessage":"Unknown error","contextId":"ctx-10001"}"#,
        ),
        _ => json(StatusCode::OK, FUNDS),
    });
    let client = client_for(router, quick()).await;
    let page = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect("page");
    assert_eq!(page.entries.iter().map(|e| e.amount).sum::<i64>(), 0);
    assert_eq!(api.get(), 3);
}

#[tokio::test]
async fn a_server_error_that_persists_is_reported_with_its_context_id_after_the_retries() {
    let api = Hits::default();
    let router = dates_router(Hits::default(), api.clone(), Seen::default(), |_, _| {
        json(
            StatusCode::BAD_GATEWAY,
            r#"{"errorCode":"10001","errorMessage":"x","contextId":"ctx-502"}"#,
        )
    });
    let client = client_for(
        router,
        ClientConfig {
            max_retries: 2,
            ..quick()
        },
    )
    .await;
    let err = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect_err("502");
    match &err {
        Error::ServerTransient { status, context_id } => {
            assert_eq!((*status, context_id.as_deref()), (502, Some("ctx-502")));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("ctx-502"));
    assert_eq!(api.get(), 3);
}

#[tokio::test]
async fn a_10002_validation_error_is_never_retried() {
    let api = Hits::default();
    let router = dates_router(Hits::default(), api.clone(), Seen::default(), |_, _| {
        json(
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"errorCode":10002,"errorMessage":"Invalid date format","contextId":"ctx-10002"}"#,
        )
    });
    let client = client_for(router, quick()).await;
    let err = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect_err("10002");
    match &err {
        Error::Validation { message, context_id } => {
            assert!(message.contains("Invalid date format"), "{message}");
            assert_eq!(context_id.as_deref(), Some("ctx-10002"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(api.get(), 1, "exactly one request");
}

#[tokio::test]
async fn a_400_problem_is_a_validation_error_and_not_retried() {
    let api = Hits::default();
    let router = dates_router(Hits::default(), api.clone(), Seen::default(), |_, _| {
        (
            StatusCode::BAD_REQUEST,
            [("content-type", "application/problem+json")],
            r#"{"type":"about:blank","title":"Bad Request","status":400,"detail":"cursor is not valid","traceId":"tr-1"}"#,
        )
            .into_response()
    });
    let client = client_for(router, quick()).await;
    let err = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect_err("400");
    assert_eq!(err.kind(), "validation");
    assert!(err.to_string().contains("cursor is not valid"), "{err}");
    assert_eq!(err.context_id(), Some("tr-1"));
    assert_eq!(api.get(), 1);
}

#[tokio::test]
async fn a_404_means_the_ledger_is_not_visible_to_these_keys() {
    let api = Hits::default();
    let router = dates_router(Hits::default(), api.clone(), Seen::default(), |_, _| {
        json(StatusCode::NOT_FOUND, r#"{"title":"Not Found","status":404}"#)
    });
    let client = client_for(router, quick()).await;
    let err = client
        .entries_for_date("99999", Topic::Funds, oct1(), false)
        .await
        .expect_err("404");
    assert!(
        matches!(&err, Error::NoAccess(l) if l.contains("99999")),
        "{err:?}"
    );
    assert_eq!(api.get(), 1);
}

#[tokio::test]
async fn malformed_json_is_undecodable_with_an_excerpt_of_the_body_only() {
    let api = Hits::default();
    let router = dates_router(Hits::default(), api.clone(), Seen::default(), |_, _| {
        json(
            StatusCode::OK,
            r#"{"items":[{"pspReference":"3343121302","amount":10000"#,
        )
    });
    let client = client_for(
        router,
        ClientConfig {
            max_retries: 1,
            ..quick()
        },
    )
    .await;
    let err = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect_err("cut json");
    match &err {
        Error::Undecodable { detail, excerpt } => {
            assert!(detail.contains("ended in the middle"), "{detail}");
            assert!(
                excerpt.starts_with(r#"{"items":[{"pspReference":"3343121302""#),
                "{excerpt}"
            );
            assert!(excerpt.chars().count() <= 120);
        }
        other => panic!("unexpected {other:?}"),
    }
    let text = err.to_string();
    assert!(!text.contains(SENTINEL_TOKEN_PREFIX) && !text.contains(SENTINEL_SUBSCRIPTION));
    assert_eq!(api.get(), 2, "a cut body is worth one more try");
}

#[tokio::test]
async fn a_body_cut_off_mid_transfer_is_retried() {
    let api = Hits::default();
    let script = vec![
        Raw::Cut {
            body: FUNDS[..200].to_string(),
            announced: FUNDS.len(),
        },
        Raw::Json(FUNDS.into()),
    ];
    let base = serve_raw(script, api.clone()).await;
    let client = ApiClient::new(&base, merchant(), quick()).expect("client");
    let page = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect("page");
    assert_eq!(page.entries.len(), 6);
    assert_eq!(api.get(), 2);
}

#[tokio::test]
async fn a_dropped_connection_is_retried() {
    let api = Hits::default();
    let base = serve_raw(vec![Raw::Drop, Raw::Drop, Raw::Json(FEES.into())], api.clone()).await;
    let client = ApiClient::new(&base, merchant(), quick()).expect("client");
    let page = client
        .entries_for_date("12345", Topic::Fees, oct1(), false)
        .await
        .expect("page");
    assert_eq!(page.entries.iter().map(|e| e.amount).sum::<i64>(), 0);
    assert_eq!(page.entries.len(), 4);
    assert_eq!(api.get(), 3);
}

#[tokio::test]
async fn connections_that_keep_dropping_are_a_network_error_naming_the_host() {
    let api = Hits::default();
    let base = serve_raw(vec![Raw::Drop], api.clone()).await;
    let client = ApiClient::new(
        &base,
        merchant(),
        ClientConfig {
            max_retries: 2,
            ..quick()
        },
    )
    .expect("client");
    let err = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect_err("drops");
    match &err {
        Error::Network { host, .. } => assert_eq!(format!("http://{host}"), base),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(api.get(), 3);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_as_a_network_error() {
    let api = Hits::default();
    let base = serve_raw(vec![Raw::Hang], api.clone()).await;
    let config = ClientConfig {
        timeout: Duration::from_millis(300),
        max_retries: 1,
        ..quick()
    };
    let client = ApiClient::new(&base, merchant(), config).expect("client");
    let started = Instant::now();
    let err = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect_err("hang");
    let elapsed = started.elapsed();
    assert!(
        matches!(&err, Error::Network { detail, .. } if detail.contains("no answer within 0.3 s")),
        "{err:?}"
    );
    assert_eq!(api.get(), 2);
    assert!(
        elapsed >= Duration::from_millis(600) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn nobody_listening_is_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let client = ApiClient::new(
        &base,
        merchant(),
        ClientConfig {
            max_retries: 1,
            ..quick()
        },
    )
    .expect("client");
    let err = client.ledgers(None).await.expect_err("refused");
    assert!(
        matches!(&err, Error::Network { detail, .. } if detail.starts_with("could not connect")),
        "{err:?}"
    );
    assert_eq!(client.requests_made(), 2, "the token call and its one retry");
}

// ------------------------------------------------------------------ paging

#[tokio::test]
async fn many_pages_are_followed_with_gdpr_asked_on_every_page() {
    let (api, seen) = (Hits::default(), Seen::default());
    // 25 pages of 40: cursor "c1".."c24", then the end.
    let router = dates_router(Hits::default(), api.clone(), seen.clone(), |i, _| {
        let more = i < 24;
        json(
            StatusCode::OK,
            captures_page(
                i * 40,
                40,
                more,
                &if more {
                    format!("c{}", i + 1)
                } else {
                    String::new()
                },
            ),
        )
    });
    let client = client_for(router, quick()).await;
    let page = client
        .entries_for_date("12345", Topic::Funds, oct1(), true)
        .await
        .expect("page");
    assert_eq!(page.pages, 25);
    assert_eq!(page.entries.len(), 1000);
    assert_eq!(page.entries.iter().map(|e| e.amount).sum::<i64>(), 100_000);
    assert!(page.entries.iter().enumerate().all(|(i, e)| e.seq as usize == i));
    assert!(page
        .entries
        .windows(2)
        .all(|w| w[0].balance_after == w[1].balance_before));
    assert_eq!(page.entries[999].psp_reference, "psp-999");
    assert_eq!(page.entries[0].name.as_deref(), Some("Kari"));
    let queries = seen.queries();
    assert_eq!(queries.len(), 25);
    assert_eq!(queries[0], "includeGDPRSensitiveData=true");
    assert_eq!(queries[1], "cursor=c1&includeGDPRSensitiveData=true");
    assert!(queries
        .iter()
        .all(|q| q.contains("includeGDPRSensitiveData=true")));
    assert!(queries[24].contains("cursor=c24"));
}

#[tokio::test]
async fn without_gdpr_the_parameter_is_absent_and_personal_fields_are_dropped() {
    let seen = Seen::default();
    let router = dates_router(Hits::default(), Hits::default(), seen.clone(), |_, _| {
        json(StatusCode::OK, captures_page(0, 3, false, ""))
    });
    let client = client_for(router, quick()).await;
    let page = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect("page");
    assert_eq!(page.entries.len(), 3);
    assert!(page
        .entries
        .iter()
        .all(|e| e.name.is_none() && e.masked_phone_no.is_none() && e.message.is_none()));
    assert_eq!(seen.queries(), vec![String::new()]);
}

#[tokio::test]
async fn an_empty_page_after_has_more_is_normal() {
    let api = Hits::default();
    let router = dates_router(Hits::default(), api.clone(), Seen::default(), |i, q| {
        match (i, q) {
            (0, "") => json(StatusCode::OK, captures_page(0, 5, true, "next")),
            (1, "cursor=next") => json(StatusCode::OK, r#"{"items":[],"hasMore":true,"cursor":"last"}"#),
            (2, "cursor=last") => json(StatusCode::OK, r#"{"items":[],"hasMore":false,"cursor":""}"#),
            _ => json(StatusCode::BAD_REQUEST, r#"{"detail":"unexpected cursor"}"#),
        }
    });
    let client = client_for(router, quick()).await;
    let page = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect("page");
    assert_eq!((page.entries.len(), page.pages, page.try_later), (5, 3, false));
    assert_eq!(api.get(), 3);
}

#[tokio::test]
async fn a_server_repeating_its_cursor_is_stopped_not_followed_forever() {
    let api = Hits::default();
    let router = dates_router(Hits::default(), api.clone(), Seen::default(), |_, _| {
        json(StatusCode::OK, r#"{"items":[],"hasMore":true,"cursor":"same"}"#)
    });
    let client = client_for(
        router,
        ClientConfig {
            max_retries: 0,
            ..quick()
        },
    )
    .await;
    let err = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect_err("loop");
    assert!(
        matches!(&err, Error::Undecodable { detail, .. } if detail.contains("already sent")),
        "{err:?}"
    );
    // The first page, five patient re-asks of the same cursor, then the sixth stall stops it.
    assert_eq!(api.get(), 7);
}

#[tokio::test]
async fn an_empty_page_that_keeps_its_cursor_is_asked_again_until_entries_come() {
    let (api, seen) = (Hits::default(), Seen::default());
    let router = dates_router(Hits::default(), api.clone(), seen.clone(), |i, _| match i {
        0 => json(StatusCode::OK, captures_page(0, 4, true, "p2")),
        1 | 2 => json(StatusCode::OK, r#"{"items":[],"hasMore":true,"cursor":"p2"}"#),
        3 => json(StatusCode::OK, captures_page(4, 4, true, "p3")),
        _ => json(StatusCode::OK, captures_page(8, 2, false, "")),
    });
    let client = client_for(router, quick()).await;
    let page = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect("page");
    assert_eq!((page.entries.len(), page.pages), (10, 5));
    assert_eq!(page.entries.iter().map(|e| e.amount).sum::<i64>(), 1000);
    assert!(page
        .entries
        .windows(2)
        .all(|w| w[0].balance_after == w[1].balance_before));
    assert_eq!(
        seen.queries(),
        vec!["", "cursor=p2", "cursor=p2", "cursor=p2", "cursor=p3"]
    );
}

#[tokio::test]
async fn a_cursor_that_jumps_back_to_an_earlier_page_is_refused_at_once() {
    let api = Hits::default();
    let router = dates_router(Hits::default(), api.clone(), Seen::default(), |i, _| match i {
        0 => json(StatusCode::OK, captures_page(0, 4, true, "p2")),
        1 => json(StatusCode::OK, captures_page(4, 4, true, "p3")),
        _ => json(StatusCode::OK, captures_page(8, 4, true, "p2")),
    });
    let client = client_for(
        router,
        ClientConfig {
            max_retries: 0,
            ..quick()
        },
    )
    .await;
    let err = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect_err("loop");
    assert_eq!(err.kind(), "undecodable");
    assert_eq!(api.get(), 3, "entries would repeat: no patience for that");
}

#[tokio::test]
async fn try_later_is_surfaced_for_an_open_date() {
    let router = dates_router(Hits::default(), Hits::default(), Seen::default(), |_, _| {
        json(
            StatusCode::OK,
            r#"{"items":[],"hasMore":false,"cursor":"","tryLater":true}"#,
        )
    });
    let client = client_for(router, quick()).await;
    let page = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect("page");
    assert!(page.try_later);
    assert_eq!((page.entries.len(), page.pages), (0, 1));
}

#[tokio::test]
async fn ledgers_follow_the_cursor_and_pass_the_recipient_filter() {
    let seen = Seen::default();
    let route = {
        let seen = seen.clone();
        get(move |headers: HeaderMap, RawQuery(q): RawQuery| {
            let seen = seen.clone();
            async move {
                seen.push(&headers, q.clone());
                if q.as_deref().unwrap_or("").contains("cursor=p2") {
                    json(
                        StatusCode::OK,
                        r#"{"items":[{"ledgerId":"302321","currency":"DKK","unknownField":1}],"cursor":""}"#,
                    )
                } else {
                    let first = LEDGERS.replace(r#""cursor": """#, r#""cursor": "p2""#);
                    json(StatusCode::OK, first)
                }
            }
        })
    };
    let router = with_tokens(
        Router::new().route("/settlement/v1/ledgers", route),
        Hits::default(),
        Seen::default(),
        "3600",
    );
    let client = client_for(router, quick()).await;
    let ledgers = client.ledgers(Some("NO:57860")).await.expect("ledgers");
    assert_eq!(
        ledgers.iter().map(|l| l.ledger_id.as_str()).collect::<Vec<_>>(),
        vec!["12345", "302321"]
    );
    let first = &ledgers[0];
    assert_eq!(first.currency, "NOK");
    assert_eq!(first.payout_bank_account.id, "86011117947");
    assert_eq!(first.owner.scheme, "business:NO:ORG");
    assert_eq!(first.settles_for_recipient_handles, vec!["NO:57860"]);
    assert_eq!(first.sales_units.len(), 1);
    assert_eq!(first.sales_units[0].name, "Example Shop");
    assert_eq!(
        first.sales_units[0]
            .business_identifier
            .as_ref()
            .map(|b| b.id.as_str()),
        Some("987654321")
    );
    assert_eq!(
        seen.queries(),
        vec![
            "settlesForRecipientHandles=NO%3A57860",
            "settlesForRecipientHandles=NO%3A57860&cursor=p2"
        ]
    );
}

#[tokio::test]
async fn a_feed_page_returns_the_cursor_to_persist_and_keeps_it_at_the_end() {
    let seen = Seen::default();
    let route = {
        let seen = seen.clone();
        get(
            move |headers: HeaderMap,
                  RawQuery(q): RawQuery,
                  Path((ledger, topic)): Path<(String, String)>| {
                let seen = seen.clone();
                async move {
                    seen.push(&headers, q.clone());
                    assert_eq!((ledger.as_str(), topic.as_str()), ("12345", "fees"));
                    match q.as_deref() {
                        None => json(
                            StatusCode::OK,
                            FEES.replace(r#""tryLater": false"#, r#""cursor": "f-4", "tryLater": false"#),
                        ),
                        _ => json(StatusCode::OK, r#"{"items":[],"tryLater":true}"#),
                    }
                }
            },
        )
    };
    let router = with_tokens(
        Router::new().route("/report/v2/ledgers/{ledger}/{topic}/feed", route),
        Hits::default(),
        Seen::default(),
        "3600",
    );
    let client = client_for(router, quick()).await;
    let first = client.feed_page("12345", Topic::Fees, None).await.expect("feed");
    assert_eq!(
        (first.entries.len(), first.cursor.as_str(), first.try_later),
        (4, "f-4", false)
    );
    assert_eq!(first.entries.iter().map(|e| e.amount).sum::<i64>(), 0);
    assert!(first
        .entries
        .iter()
        .all(|e| e.ledger_date == oct1() && e.topic == Topic::Fees));
    let end = client
        .feed_page("12345", Topic::Fees, Some(&first.cursor))
        .await
        .expect("feed end");
    assert_eq!(
        (end.entries.len(), end.cursor.as_str(), end.try_later),
        (0, "f-4", true)
    );
    assert_eq!(seen.queries(), vec![String::new(), "cursor=f-4".to_string()]);
}

// ------------------------------------------------------------------ the example day and secrets

#[tokio::test]
async fn the_documented_example_day_comes_through_the_client_with_the_guides_figures() {
    let route = get(
        |Path((ledger, topic, date)): Path<(String, String, String)>| async move {
            match (ledger.as_str(), topic.as_str(), date.as_str()) {
                ("12345", "funds", "2022-10-01") => json(StatusCode::OK, FUNDS),
                ("12345", "fees", "2022-10-01") => json(StatusCode::OK, FEES),
                _ => json(StatusCode::NOT_FOUND, "{}"),
            }
        },
    );
    let router = with_tokens(
        Router::new().route(DATES, route),
        Hits::default(),
        Seen::default(),
        "3600",
    );
    let client = client_for(router, quick()).await;
    let funds = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect("funds")
        .entries;
    let fees = client
        .entries_for_date("12345", Topic::Fees, oct1(), false)
        .await
        .expect("fees")
        .entries;
    assert_example_day(&funds, &fees);
}

#[tokio::test]
async fn no_error_text_or_debug_output_contains_a_key_or_a_token() {
    // Keys rejected, validation, undecodable (token answer too), network: format them all.
    let mut texts = Vec::new();
    let router = dates_router(Hits::default(), Hits::default(), Seen::default(), |i, _| {
        match i % 3 {
            0 => json(StatusCode::UNAUTHORIZED, "{}"),
            1 => json(StatusCode::UNAUTHORIZED, "{}"),
            _ => json(
                StatusCode::BAD_REQUEST,
                r#"{"errorCode":10002,"errorMessage":"bad","contextId":"c"}"#,
            ),
        }
    });
    let client = client_for(router, quick()).await;
    let e1 = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect_err("401");
    let e2 = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect_err("400");
    texts.push(format!("{e1} {e1:?} {e2} {e2:?} {client:?}"));

    // A token answer that cannot be read must not be quoted: it may hold a token.
    let bad_token = Router::new().route(
        "/accesstoken/get",
        axum::routing::post(|| async {
            json(
                StatusCode::OK,
                format!(r#"{{"access_token":"{SENTINEL_TOKEN_PREFIX}x","expires_in":"#),
            )
        }),
    );
    let client2 = client_for(
        bad_token,
        ClientConfig {
            max_retries: 0,
            ..quick()
        },
    )
    .await;
    let e3 = client2.ledgers(None).await.expect_err("cut token");
    assert_eq!(e3.kind(), "undecodable");
    texts.push(format!("{e3} {e3:?} {client2:?} {:?}", merchant()));

    let hang = serve_raw(vec![Raw::Hang], Hits::default()).await;
    let cfg = ClientConfig {
        timeout: Duration::from_millis(200),
        max_retries: 0,
        ..quick()
    };
    let client3 = ApiClient::new(&hang, partner(), cfg).expect("client");
    let e4 = client3.ledgers(None).await.expect_err("hang");
    texts.push(format!(
        "{e4} {e4:?} {client3:?} {:?} {}",
        partner(),
        e4.to_user().message
    ));

    let all = texts.join("\n");
    for needle in [SENTINEL_SECRET, SENTINEL_SUBSCRIPTION, SENTINEL_TOKEN_PREFIX] {
        assert!(!all.contains(needle), "{needle} leaked into: {all}");
    }
    assert!(all.contains("ApiClient { base_url: \"http://127.0.0.1:"), "{all}");
    assert!(matches!(e1, Error::KeysRejected));
}

#[tokio::test]
async fn a_redirect_is_not_followed_so_the_keys_never_travel_to_another_host() {
    let api = Hits::default();
    let router = dates_router(Hits::default(), api.clone(), Seen::default(), |_, _| {
        axum::response::Response::builder()
            .status(StatusCode::FOUND)
            .header("location", "http://127.0.0.2:9/steal")
            .body(axum::body::Body::empty())
            .expect("response")
    });
    let client = client_for(router, quick()).await;
    let err = client
        .entries_for_date("302321", Topic::Funds, oct1(), false)
        .await
        .expect_err("a 302 is an error, not a hop");
    assert_eq!(api.get(), 1, "asked once, not followed and not retried: {err:?}");
    assert!(!err.to_string().contains("127.0.0.2"), "{err}");
}

// ------------------------------------------------------------------ bounds on the server (issue 13, item 8)

/// A server that accepts and never answers costs one call at most its deadline, retries
/// included, not timeout × retries (here 9 attempts × 1 s would pass the 3 s deadline).
#[tokio::test]
async fn a_server_that_never_answers_is_given_up_on_within_the_deadline() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let config = ClientConfig {
        timeout: Duration::from_secs(1),
        max_retries: 8,
        base_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(20),
        deadline: Duration::from_secs(3),
        ..ClientConfig::default()
    };
    let client = ApiClient::new(&format!("http://{addr}"), merchant(), config).expect("client");
    let started = Instant::now();
    let err = client.ledgers(None).await.expect_err("no answer");
    let took = started.elapsed();
    assert!(matches!(err, Error::Network { .. }), "{err:?}");
    assert!(err.to_string().contains("no answer within"), "{err}");
    assert!(
        took >= Duration::from_millis(2900) && took < Duration::from_millis(3500),
        "took {took:?}"
    );
}

/// The token fetch and the call share one deadline: a token endpoint that hangs leaves the call
/// nothing more, and the sentence says the call's time ran out.
#[tokio::test]
async fn a_hanging_token_endpoint_uses_up_the_calls_deadline_and_no_more() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hits = Hits::default();
    let accepted = hits.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            accepted.next();
            held.push(socket);
        }
    });
    let config = ClientConfig {
        timeout: Duration::from_millis(800),
        max_retries: 8,
        base_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(20),
        deadline: Duration::from_millis(2000),
        ..ClientConfig::default()
    };
    let client = ApiClient::new(&format!("http://{addr}"), merchant(), config).expect("client");
    let started = Instant::now();
    let err = client.ledgers(None).await.expect_err("no token");
    let took = started.elapsed();
    assert!(
        err.to_string()
            .contains("no answer within the 2 s a call may take, retries included"),
        "{err}"
    );
    assert!(took < Duration::from_millis(2500), "took {took:?}");
    assert_eq!(hits.get(), 3, "0.8 s + 0.8 s + the 0.4 s left");
    assert_eq!(client.requests_made(), 3);
}

/// An endless body is refused at the cap while it arrives, with the cap named, and not asked for
/// again: a second try would only fetch it again.
#[tokio::test]
async fn an_endless_body_is_refused_at_the_cap() {
    use futures_util::StreamExt;
    let hits = Hits::default();
    let counted = hits.clone();
    let route = get(move || {
        counted.next();
        async {
            let chunk = bytes::Bytes::from(vec![b' '; 64 * 1024]);
            let endless = futures_util::stream::repeat(chunk).map(Ok::<_, std::io::Error>);
            Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "application/json")
                .body(axum::body::Body::from_stream(endless))
                .expect("response")
        }
    });
    let router = with_tokens(
        Router::new().route(DATES, route),
        Hits::default(),
        Seen::default(),
        "3600",
    );
    let config = ClientConfig {
        max_body_bytes: 1024 * 1024,
        ..quick()
    };
    let client = client_for(router, config).await;
    let err = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("sent more than 1 MiB"), "{err}");
    assert_eq!(hits.get(), 1, "an answer over the cap is not asked for again");
}

/// The default cap is 64 MiB, and a Content-Length above it is refused before a byte is read.
#[tokio::test]
async fn a_declared_length_over_the_cap_is_refused_unread() {
    assert_eq!(ClientConfig::default().max_body_bytes, 64 * 1024 * 1024);
    let route = get(|| async {
        Response::builder()
            .status(StatusCode::OK)
            .header("content-length", (64u64 << 20) + 1)
            .body(axum::body::Body::from_stream(futures_util::stream::pending::<
                Result<bytes::Bytes, std::io::Error>,
            >()))
            .expect("response")
    });
    let router = with_tokens(
        Router::new().route(DATES, route),
        Hits::default(),
        Seen::default(),
        "3600",
    );
    let client = client_for(router, ClientConfig::default()).await;
    let err = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("sent more than 64 MiB"), "{err}");
}

// ------------------------------------------------------------------ server text (issue 13, item 11)

/// Escape sequences and control characters in an error body or a body excerpt never reach the
/// message a terminal or the window shows.
#[tokio::test]
async fn server_text_in_an_error_message_has_no_control_characters() {
    let route = get(|Path((_, _, date)): Path<(String, String, String)>| async move {
        if date == "2022-10-01" {
            (
                StatusCode::BAD_REQUEST,
                [("content-type", "application/problem+json")],
                r#"{"title":"Bad Request","detail":"\u001b[31mred\u0007 \u001b]0;owned\u0007text"}"#,
            )
        } else {
            (
                StatusCode::OK,
                [("content-type", "application/json")],
                "\u{1b}[2J\u{1b}]0;owned\u{7}<html>not json",
            )
        }
    });
    let router = with_tokens(
        Router::new().route(DATES, route),
        Hits::default(),
        Seen::default(),
        "3600",
    );
    let client = client_for(
        router,
        ClientConfig {
            max_retries: 0,
            ..quick()
        },
    )
    .await;
    let validation = client
        .entries_for_date("12345", Topic::Funds, oct1(), false)
        .await
        .expect_err("400");
    let undecodable = client
        .entries_for_date("12345", Topic::Funds, oct1().succ_opt().expect("date"), false)
        .await
        .expect_err("not json");
    for err in [validation, undecodable] {
        let text = err.to_string();
        assert!(!text.chars().any(char::is_control), "{text:?}");
        assert!(!text.contains("]0;owned") && !text.contains("[31m"), "{text:?}");
    }
}
