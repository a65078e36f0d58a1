//! The accountant's Clients overview and the window's Sync of many clients, against the built-in
//! simulator's default world over real HTTP on loopback with a real SQLite cache: two of the
//! partner's clients synced in one run, their rows' figures equal to the month's reconciliation,
//! the others shown as not synced, a saved client name used on the row and in month-end's file
//! name, a ledger whose dates all fail reported with its sentence, and a second sync refused
//! while another process holds the cache.

use avstem_core::clients;
use avstem_core::clock::Clock;
use avstem_core::context::Context;
use avstem_core::export::{ExportFormat, ExportOptions};
use avstem_core::model::YearMonth;
use avstem_core::month::reconcile_cached;
use avstem_core::month_end::{self, CacheWriter, MonthEndRequest};
use avstem_core::profile::{add_profile, NewProfile, ProfileKind};
use avstem_core::reconcile::JournalAccounts;
use avstem_core::secrets::{MemorySecrets, Secret};
use avstem_core::sim::{self, demo, SimConfig};
use avstem_core::sync::CancelToken;
use chrono::NaiveDate;
use std::path::Path;
use std::sync::Arc;

const TODAY: &str = "2024-06-10";

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn context(data: &Path, base_url: String) -> Context {
    let secrets = Arc::new(MemorySecrets::default());
    let new = NewProfile {
        name: "firm".into(),
        kind: ProfileKind::Accounting,
        client_id: demo::PARTNER_CLIENT_ID.into(),
        msn: None,
        base_url: Some(base_url),
        env_secrets: false,
        client_secret: Some(Secret::new(demo::PARTNER_CLIENT_SECRET)),
        subscription_key: None,
    };
    std::fs::create_dir_all(data).expect("data dir");
    add_profile(data, &new, secrets.as_ref()).expect("profile");
    Context::with_secret_store(data.to_path_buf(), secrets).with_clock(Clock::at_noon(d(TODAY)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_synced_their_rows_add_up_a_saved_name_names_the_file_and_a_broken_one_says_why() {
    let sim = sim::start(SimConfig {
        today: d(TODAY),
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = context(&dir.path().join("data"), sim.base_url());
    let month = YearMonth::parse("2024-05").expect("month");
    let chosen = vec!["302321".to_string(), "402002".to_string()];

    let synced = month_end::sync_only(
        &ctx,
        "firm",
        month,
        Some(chosen.clone()),
        |_| {},
        CancelToken::new(),
    )
    .await
    .expect("sync of two clients");
    assert_eq!(
        synced
            .iter()
            .map(|s| (s.ledger_id.as_str(), s.failed_dates))
            .collect::<Vec<_>>(),
        vec![("302321", 0), ("402002", 0)]
    );
    assert!(synced.iter().all(|s| s.error.is_none()));

    let store = ctx.open_store_for_reading().expect("store");
    let rows = clients::overview(&store, "firm", month, ctx.clock).expect("overview");
    let all: Vec<&str> = rows.iter().map(|r| r.ledger_id.as_str()).collect();
    assert!(
        all.len() > 2 && all.windows(2).all(|w| w[0] < w[1]),
        "every granted client, in order: {all:?}"
    );
    for r in &rows {
        let was_synced = chosen.contains(&r.ledger_id);
        assert_eq!(r.synced, was_synced, "{}", r.ledger_id);
        if was_synced {
            let (_, report) = reconcile_cached(&store, &r.ledger_id, month).expect("reconcile");
            let f = &report.totals.figures;
            assert_eq!(
                (r.sales, r.fees, r.paid_out),
                (f.sales(), f.fees(), f.payout()),
                "{}",
                r.ledger_id
            );
            assert!(r.sales > 0);
            assert_eq!(r.failed_dates, 0);
            assert!(
                !r.frequency.is_empty(),
                "the cached payouts tell how often: {}",
                r.ledger_id
            );
        } else {
            assert_eq!((r.sales, r.fees, r.paid_out), (0, 0, 0));
        }
        assert!(
            !r.failed_checks.iter().any(|c| c.contains("synced")),
            "not synced has its own chip: {:?}",
            r.failed_checks
        );
    }
    drop(store);

    // A saved name shows on the row and names the month-end file.
    ctx.open_store()
        .expect("store")
        .set_client_name("302321", "Fjordkaffe Sentrum (kunde 17)", 1)
        .expect("name");
    let store = ctx.open_store_for_reading().expect("store");
    let rows = clients::overview(&store, "firm", month, ctx.clock).expect("overview");
    let fjord = rows.iter().find(|r| r.ledger_id == "302321").expect("row");
    assert_eq!(
        (fjord.client.as_str(), fjord.named),
        ("Fjordkaffe Sentrum (kunde 17)", true)
    );
    drop(store);
    let out = dir.path().join("out");
    let summary = month_end::run(
        &ctx,
        &MonthEndRequest {
            profile: "firm".into(),
            month,
            out_dir: out.clone(),
            ledger_ids: Some(vec!["302321".into()]),
            sync: false,
            format: ExportFormat::Xlsx,
            options: ExportOptions {
                gdpr: false,
                accounts: JournalAccounts::defaults_for("NOK"),
                clock: ctx.clock,
            },
            same_accounts: false,
        },
        |_| {},
        CancelToken::new(),
    )
    .await
    .expect("month-end from the cache");
    assert_eq!(
        summary.ledgers[0].file.as_deref(),
        Some("Fjordkaffe-Sentrum-kunde-17-302321-2024-05.xlsx")
    );
    assert!(out
        .join("Fjordkaffe-Sentrum-kunde-17-302321-2024-05.xlsx")
        .is_file());

    // A client whose dates all fail: its sentence, the other one fine.
    sim.break_ledger("502001");
    let synced = month_end::sync_only(
        &ctx,
        "firm",
        month,
        Some(vec!["502001".into(), "302500".into()]),
        |_| {},
        CancelToken::new(),
    )
    .await
    .expect("sync runs to the end");
    let broken = synced.iter().find(|s| s.ledger_id == "502001").expect("row");
    assert_eq!(broken.failed_dates, 31);
    assert!(
        broken
            .error
            .as_deref()
            .unwrap_or("")
            .starts_with("31 dates could not be fetched"),
        "{:?}",
        broken.error
    );
    assert_eq!(
        synced
            .iter()
            .find(|s| s.ledger_id == "302500")
            .map(|s| s.failed_dates),
        Some(0)
    );

    // While another run holds the cache, Sync is refused and asks Vipps for nothing.
    let held = CacheWriter::take(&ctx.cache_path()).expect("lock");
    sim.reset_stats();
    let refused = month_end::sync_only(&ctx, "firm", month, None, |_| {}, CancelToken::new())
        .await
        .expect_err("refused");
    assert!(
        refused
            .to_string()
            .contains("Another month-end is already syncing"),
        "{refused}"
    );
    let stats = sim.stats();
    assert_eq!(
        (stats.token_requests, stats.ledger_requests, stats.report_requests),
        (0, 0, 0)
    );
    drop(held);
}
