//! The window's commands through Tauri's IPC (mock runtime, no display), against the built-in
//! simulator and a real SQLite cache: the demo month-end, and errors as plain `UserError`s.

use avstem_core::secrets::{Secret, SecretKind};
use serde_json::{json, Value};

mod ipc;
use ipc::{minor, open_window};

const LEDGER: &str = "302321";
const MONTH: &str = "2025-10";

#[test]
fn the_demo_month_end_through_the_windows_commands() {
    let w = open_window();
    let info = w.ok("app_info", json!({}));
    assert_eq!(info["name"], "Avstem");

    // Try with demo data: a demo profile, the simulator's ledgers cached.
    let ledgers = w.ok("start_demo", json!({}));
    let ids: Vec<&str> = ledgers
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|l| l["ledgerId"].as_str())
        .collect();
    assert!(ids.contains(&LEDGER), "{ids:?}");
    let profiles = w.ok("list_profiles", json!({}));
    assert_eq!(profiles[0]["name"], "demo");
    assert_eq!(profiles[0]["demo"], true);
    let cached = w.ok("cached_ledgers", json!({"profile": "demo"}));
    assert_eq!(cached.as_array().map(Vec::len), Some(ids.len()));

    // Before a sync the month is all "not synced" and export refuses to guess.
    let before = w.ok("month_report", json!({"ledgerId": LEDGER, "month": MONTH}));
    assert_eq!(before["missingDates"], 62); // 31 dates × funds and fees
    assert_eq!(before["report"]["totals"]["sales"], 0);

    // Sync the month (plus the neighbouring dates reconciliation needs).
    let summary = w.ok(
        "sync_month",
        json!({"profile": "demo", "ledgerId": LEDGER, "month": MONTH, "gdpr": false}),
    );
    assert_eq!(summary["failed"].as_array().map(Vec::len), Some(0), "{summary}");
    assert_eq!(summary["cancelled"], false);
    let dates = minor(&summary["complete"]);
    assert_eq!(dates, 2 * (35 + 31 + 10), "{summary}");
    assert!(minor(&summary["entriesStored"]) > 1000);

    let view = w.ok("month_report", json!({"ledgerId": LEDGER, "month": MONTH}));
    assert_eq!(view["missingDates"], 0);
    let report = &view["report"];
    let check = |id: &str| {
        report["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["ok"].clone())
    };
    assert_eq!(
        check("payoutsMatchFunds"),
        Some(json!(true)),
        "{}",
        report["checks"]
    );
    assert_eq!(check("fundsBalanceChain"), Some(json!(true)));
    assert_eq!(check("datesClosedAndSynced"), Some(json!(true)));
    let days = report["days"].as_array().expect("days");
    assert_eq!(days.len(), 31);
    let totals = &report["totals"];
    let sum = |field: &str| days.iter().map(|d| minor(&d[field])).sum::<i64>();
    assert_eq!(minor(&totals["sales"]), sum("sales"));
    assert_eq!(minor(&totals["payout"]), sum("payout"));
    assert_eq!(minor(&totals["net"]), sum("net"));
    assert_eq!(minor(&totals["payoutCount"]), 31, "daily payouts");
    // Each date's state comes from Rust: a synced month of daily payouts is paid throughout.
    let states: Vec<&str> = view["days"]
        .as_array()
        .expect("days")
        .iter()
        .filter_map(|d| d["state"].as_str())
        .collect();
    assert_eq!(states.len(), 31);
    assert!(states.iter().all(|s| *s == "paid"), "{states:?}");

    // A day, one page at a time: the total counts every row, the page holds only what was asked.
    let day = days.iter().find(|d| d["date"] == "2025-10-15").expect("15th");
    let page = w.ok(
        "day_entries",
        json!({"ledgerId": LEDGER, "topic": "funds", "date": "2025-10-15",
               "query": {"offset": 0, "limit": 10, "sort": "amount", "descending": true}}),
    );
    assert_eq!(page["total"], day["fundsCount"]);
    let entries = page["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 10);
    assert!(entries
        .windows(2)
        .all(|p| minor(&p[0]["amount"]) >= minor(&p[1]["amount"])));

    // What is in a payout: the parts add up to the amount paid.
    let payout = &report["payouts"][3];
    let psp = payout["pspReference"].as_str().expect("psp");
    let detail = w.ok("payout_detail", json!({"ledgerId": LEDGER, "pspReference": psp}));
    let p = &detail["payout"];
    let parts = minor(&p["carriedIn"]) + minor(&p["sales"]) + minor(&p["refunds"])
        - minor(&p["feesRetained"])
        + minor(&p["other"]);
    assert_eq!(parts, minor(&p["coveredSum"]));
    assert_eq!(
        minor(&p["coveredSum"]) - minor(&p["difference"]),
        minor(&p["amount"])
    );
    assert_eq!(minor(&p["amount"]), minor(&payout["amount"]));
    assert_eq!(p["ok"], true);
    let captures = detail["captures"].as_array().expect("captures");
    assert!(!captures.is_empty());
    let gross: i64 = captures.iter().map(|c| minor(&c["gross"])).sum();
    assert_eq!(
        gross,
        minor(&p["sales"]),
        "the listed captures are the payout's sales"
    );

    // A capture: its fee and its payout.
    let capture_psp = captures[0]["pspReference"].as_str().expect("psp");
    let capture = w.ok("capture_detail", json!({"pspReference": capture_psp}));
    assert_eq!(capture["capture"]["payout"], p["label"]);
    assert_eq!(
        capture["payout"]["pspReference"], psp,
        "the payout link comes from Rust"
    );
    assert!(minor(&capture["capture"]["fees"]) > 0);
    let kinds: Vec<&str> = capture["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["entryType"].as_str())
        .collect();
    assert!(
        kinds.contains(&"capture") && kinds.contains(&"capture-fee"),
        "{kinds:?}"
    );

    // A fee charged days after its capture still belongs to it.
    let all_captures = report["captures"].as_array().expect("captures");
    let lagging = all_captures
        .iter()
        .find(|c| {
            c["feeDate"]
                .as_str()
                .is_some_and(|f| Some(f) > c["captureDate"].as_str())
        })
        .expect("the demo ledger has lagging fees");
    let lag = w.ok("capture_detail", json!({"pspReference": lagging["pspReference"]}));
    let fee_dates: Vec<&str> = lag["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["entryType"] == "capture-fee")
        .filter_map(|e| e["ledgerDate"].as_str())
        .collect();
    assert!(
        fee_dates
            .iter()
            .any(|d| Some(*d) > lagging["captureDate"].as_str()),
        "{fee_dates:?}"
    );
    // A refunded capture shows its refunds, whichever pspReference they were booked under.
    let refunded = all_captures
        .iter()
        .find(|c| minor(&c["refunded"]) < 0)
        .expect("the month has refunds");
    let detail_r = w.ok(
        "capture_detail",
        json!({"pspReference": refunded["pspReference"]}),
    );
    // Each refund row counts this capture's share, as reconciliation matched it.
    let matches = detail_r["capture"]["refunds"]
        .as_array()
        .expect("matched refunds");
    let share = |e: &Value| {
        matches
            .iter()
            .find(|m| {
                m["pspReference"] == e["pspReference"]
                    && m["ledgerDate"] == e["ledgerDate"]
                    && m["seq"] == e["seq"]
            })
            .map_or(minor(&e["amount"]), |m| minor(&m["amount"]))
    };
    for e in detail_r["relatedRefunds"].as_array().expect("related") {
        assert!(
            matches.iter().any(|m| m["pspReference"] == e["pspReference"]
                && m["ledgerDate"] == e["ledgerDate"]
                && m["seq"] == e["seq"]),
            "only refunds reconcile matched to this capture: {e}"
        );
    }
    assert_eq!(
        matches.iter().map(|m| minor(&m["amount"])).sum::<i64>(),
        minor(&refunded["refunded"])
    );
    let shown: i64 = detail_r["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .chain(detail_r["relatedRefunds"].as_array().expect("related"))
        .filter(|e| e["entryType"] == "refund")
        .map(share)
        .sum();
    assert_eq!(shown, minor(&refunded["refunded"]), "{detail_r}");

    // Search finds it by pspReference.
    let hits = w.ok("search_entries", json!({"text": capture_psp}));
    assert!(hits
        .as_array()
        .expect("hits")
        .iter()
        .any(|e| e["pspReference"] == capture_psp));

    // Export: only to a file picked in the Save dialog (opened by Rust; under test it answers from
    // AVSTEM_TEST_SAVE_DIR), without personal data.
    let out = w.ctx.data_dir.join("out").join("october.xlsx");
    std::fs::create_dir_all(out.parent().expect("parent")).expect("dir");
    let refused = w
        .invoke(
            "export_month",
            json!({"request": {"ledgerId": LEDGER, "month": MONTH, "format": "xlsx", "gdpr": false,
                               "path": out.display().to_string()}}),
        )
        .expect_err("not chosen in the dialog");
    assert!(refused.to_string().contains("Save dialog"), "{refused}");
    assert!(!out.exists());
    std::env::set_var("AVSTEM_TEST_SAVE_DIR", out.parent().expect("parent"));
    let chosen = w.ok(
        "choose_export_path",
        json!({"suggestedName": "october.xlsx", "format": "xlsx"}),
    );
    assert_eq!(chosen, out.display().to_string());
    let written = w.ok(
        "export_month",
        json!({"request": {"ledgerId": LEDGER, "month": MONTH, "format": "xlsx", "gdpr": false,
                           "path": out.display().to_string()}}),
    );
    assert!(out.exists());
    assert_eq!(written["payouts"], 31);
    assert!(minor(&written["fundsRows"]) > 0);
    assert_eq!(
        w.ok("missing_dates", json!({"ledgerId": LEDGER, "month": MONTH})),
        0
    );
    let csv_out = w.ctx.data_dir.join("out").join("october.csv");
    let csv = w.ok(
        "export_month",
        json!({"request": {"ledgerId": LEDGER, "month": MONTH, "format": "csv", "gdpr": false,
                           "path": csv_out.display().to_string()}}),
    );
    let text = std::fs::read_to_string(&csv_out).expect("csv written");
    let rows = minor(&csv["fundsRows"]) + minor(&csv["feesRows"]);
    assert_eq!(
        text.lines().count() as i64,
        rows + 1,
        "a header and one line per entry"
    );
    assert_eq!(csv["fundsRows"], written["fundsRows"]);

    // With personal data in the cache (a GDPR sync), the window's screens still show none.
    w.ok(
        "sync_month",
        json!({"profile": "demo", "ledgerId": LEDGER, "month": MONTH, "gdpr": true}),
    );
    let named = |entries: &Value| {
        entries
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| !e["name"].is_null() || !e["message"].is_null() || !e["maskedPhoneNo"].is_null())
            .count()
    };
    let mut cached_names = 0;
    let mut shown_names = 0;
    for day in 1..=31 {
        let date = format!("{MONTH}-{day:02}");
        let page = w.ok(
            "day_entries",
            json!({"ledgerId": LEDGER, "topic": "funds", "date": date,
                   "query": {"offset": 0, "limit": 1000}}),
        );
        shown_names += named(&page["entries"]);
        let store = w.ctx.open_store().expect("store");
        let date: chrono::NaiveDate = date.parse().expect("date");
        let rows = store
            .entries_between(LEDGER, avstem_core::model::Topic::Funds, date, date)
            .expect("rows");
        cached_names += rows.iter().filter(|e| e.name.is_some()).count();
    }
    assert!(cached_names > 0, "the GDPR sync stored names");
    assert_eq!(shown_names, 0, "the day screen shows no personal data");
}

#[test]
fn wrong_keys_and_unknown_ledgers_come_back_as_plain_sentences() {
    let w = open_window();
    w.ok("start_demo", json!({}));
    let base_url = tauri::async_runtime::block_on(w.ctx.demo_base_url()).expect("demo simulator");
    let form = |secret: &str| {
        json!({"form": {"name": "Fjordkaffe AS", "kind": "merchant", "clientId": "demo-merchant",
                        "clientSecret": secret, "subscriptionKey": "demo-subscription-key",
                        "msn": "", "baseUrl": base_url}})
    };
    let err = w
        .invoke("test_keys", form("wrong-secret"))
        .expect_err("wrong keys are refused");
    assert_eq!(err["kind"], "keys-rejected");
    let message = err["message"].as_str().expect("message");
    assert!(message.starts_with("The keys were rejected"), "{message}");
    assert!(!message.contains("wrong-secret"));

    let ok = w.ok("test_keys", form("demo-merchant-secret"));
    assert!(minor(&ok["ledgerCount"]) >= 1);
    // An accountant's accounting keys (the old kind name "partner" is still accepted): no
    // subscription key, and they see every granting merchant.
    let partner = w.ok(
        "test_keys",
        json!({"form": {"name": "regnskap", "kind": "partner", "clientId": "demo-partner",
                        "clientSecret": "demo-partner-secret", "subscriptionKey": "", "msn": "",
                        "baseUrl": base_url}}),
    );
    assert_eq!(partner["ledgerCount"], 9, "the demo partner sees nine ledgers");
    // Saving puts the secrets in the (here: in-memory) keyring and the profile in profiles.json.
    let saved = w.ok("save_profile", form("demo-merchant-secret"));
    assert_eq!(saved["name"], "Fjordkaffe AS", "a profile's name is any text");
    let json = std::fs::read_to_string(w.ctx.data_dir.join("profiles.json")).expect("profiles.json");
    assert!(!json.contains("demo-merchant-secret") && !json.contains("demo-subscription-key"));

    let err = w
        .invoke("month_report", json!({"ledgerId": "nope", "month": MONTH}))
        .expect_err("an unknown ledger is an error");
    assert_eq!(err["kind"], "input");
    assert!(err["message"].as_str().is_some_and(|m| m.contains("nope")));

    let err = w
        .invoke("export_month", json!({"request": {"ledgerId": LEDGER, "month": MONTH, "format": "csv", "gdpr": false, "path": " "}}))
        .expect_err("no path");
    assert_eq!(err["message"], "Choose where to save the file first.");
}

#[test]
fn cancel_stops_a_running_sync_and_keeps_what_was_fetched() {
    use tauri::Listener;
    let w = open_window();
    w.ok("start_demo", json!({}));
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    w.main.listen_any("sync-progress", move |event| {
        if let Ok(p) = serde_json::from_str::<Value>(event.payload()) {
            let _ = tx.send(p);
        }
    });
    // The bulk ledger: hundreds of entries a date, so the sync is still running when Cancel comes.
    let main = w.main.clone();
    let key = w.invoke_key.clone();
    let sync = std::thread::spawn(move || {
        let request = tauri::webview::InvokeRequest {
            cmd: "sync_month".into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: tauri::ipc::InvokeBody::Json(
                json!({"profile": "demo", "ledgerId": "900001", "month": MONTH, "gdpr": false}),
            ),
            headers: Default::default(),
            invoke_key: key,
        };
        tauri::test::get_ipc_response(&main, request).map(|b| b.deserialize::<Value>().expect("json"))
    });
    // Wait for the first stored date, then cancel.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let p = rx
            .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
            .expect("progress events arrive");
        if minor(&p["datesDone"]) >= 1 {
            assert!(minor(&p["datesDone"]) < minor(&p["datesTotal"]), "{p}");
            break;
        }
    }
    assert_eq!(w.ok("cancel_sync", json!({})), json!(true));
    let summary = sync
        .join()
        .expect("sync thread")
        .expect("a cancelled sync is not an error");
    assert_eq!(summary["cancelled"], true, "{summary}");
    assert!(minor(&summary["notAttempted"]) > 0, "{summary}");
    let stored = minor(&summary["complete"]);
    assert!(stored >= 1);
    // What arrived is kept: the month knows those dates, and the rest are still to fetch.
    let view = w.ok("month_report", json!({"ledgerId": "900001", "month": MONTH}));
    assert!(minor(&view["missingDates"]) > 0);
    assert_eq!(
        w.ok("cancel_sync", json!({})),
        json!(false),
        "nothing left to cancel"
    );
}

#[test]
fn offline_the_cache_still_answers_and_refresh_says_check_the_network() {
    use avstem_core::profile::{Profile, ProfileKind};
    let w = open_window();
    let ledgers: Vec<avstem_core::model::Ledger> =
        serde_json::from_value(w.ok("start_demo", json!({}))).expect("ledgers");
    w.ok(
        "sync_month",
        json!({"profile": "demo", "ledgerId": LEDGER, "month": MONTH, "gdpr": false}),
    );
    // A profile whose server cannot be reached (nothing listens on port 9 here), seeing the cached ledgers.
    let mut book = w.ctx.profiles().expect("profiles");
    book.upsert(Profile {
        name: "cafe".into(),
        kind: ProfileKind::Merchant,
        client_id: "demo-merchant".into(),
        msn: None,
        base_url: "http://127.0.0.1:9".into(),
        env_secrets: false,
        demo: false,
    });
    book.save(&w.ctx.data_dir).expect("save profiles");
    for (kind, value) in [
        (SecretKind::ClientSecret, "demo-merchant-secret"),
        (SecretKind::SubscriptionKey, "demo-subscription-key"),
    ] {
        w.ctx
            .secrets()
            .set("cafe", kind, &Secret::new(value))
            .expect("secret");
    }
    w.ctx
        .open_store()
        .expect("store")
        .upsert_ledgers("cafe", &ledgers)
        .expect("cache ledgers");

    let err = w
        .invoke("refresh_ledgers", json!({"profile": "cafe"}))
        .expect_err("no network");
    assert_eq!(err["kind"], "network", "{err}");
    assert!(err["message"]
        .as_str()
        .is_some_and(|m| m.contains("Check the network connection")));
    let cached = w.ok("cached_ledgers", json!({"profile": "cafe"}));
    assert_eq!(cached.as_array().map(Vec::len), Some(ledgers.len()));
    let view = w.ok("month_report", json!({"ledgerId": LEDGER, "month": MONTH}));
    assert_eq!(view["missingDates"], 0);
    assert!(minor(&view["report"]["totals"]["sales"]) > 0);
}
