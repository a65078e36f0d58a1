//! The window's bank commands through Tauri's IPC (mock runtime, no display), against the built-in
//! simulator and a real SQLite cache: a synced demo month, the simulator bank's camt.053 and CSV
//! statements picked in the (test-answered) Open dialog, the CSV preview, the import report with a
//! refused file, each payout's state in the bank, and a match by hand.

use avstem_core::model::YearMonth;
use avstem_core::sim::statement::{month_statement, StatementFaults, StatementFormat};
use serde_json::{json, Value};

mod ipc;
use ipc::{minor, open_window, rows};

const LEDGER: &str = "302321";

#[test]
fn the_bank_through_the_windows_commands() {
    let w = open_window();
    w.ok("start_demo", json!({}));
    let summary = w.ok(
        "sync_month",
        json!({"profile": "demo", "ledgerId": LEDGER, "month": "2025-10", "gdpr": false}),
    );
    assert_eq!(rows(&summary["failed"]).len(), 0, "{summary}");

    // Before any statement: every payout is "no statement yet" and the check is not made.
    let before = w.ok("bank_month", json!({"ledgerId": LEDGER, "month": "2025-10"}));
    assert_eq!(rows(&before["payouts"]).len(), 31, "daily payouts");
    assert!(rows(&before["payouts"])
        .iter()
        .all(|p| p["state"] == "no-statement"));
    assert_eq!(before["check"]["status"], "notChecked");

    // The simulator bank's statements: October as camt.053.001.08 with one payout missing and
    // five card purchases, September as the online bank's CSV, and a download cut off half way.
    let store = w.ctx.open_store().expect("store");
    let ledger = avstem_core::month::cached_ledger(&store, LEDGER).expect("ledger");
    let october = YearMonth::parse("2025-10").expect("month");
    let first = rows(&before["payouts"])
        .iter()
        .find(|p| p["expectedDate"].as_str().is_some_and(|d| d >= "2025-10-06"))
        .expect("a payout expected in October")
        .clone();
    let missing = first["payoutNumber"].as_u64().expect("number");
    let faults = StatementFaults {
        missing: vec![missing],
        foreign_lines: 5,
        ..StatementFaults::default()
    };
    let camt = month_statement(&store, &ledger, october, StatementFormat::Camt08, &faults).expect("camt");
    let csv = month_statement(
        &store,
        &ledger,
        YearMonth::parse("2025-09").expect("month"),
        StatementFormat::CsvNo,
        &StatementFaults::default(),
    )
    .expect("csv");
    // Only September's bookings: the early-October ones are in the camt file already (a CSV has no
    // bank reference, so the same line from both would be two lines).
    let csv: String = csv
        .lines()
        .filter(|l| l.get(2..10) != Some(".10.2025"))
        .map(|l| format!("{l}\n"))
        .collect();
    drop(store);
    let dir = tempfile::tempdir().expect("dir");
    let camt_path = dir.path().join("oktober.xml");
    let csv_path = dir.path().join("september.csv");
    let cut_path = dir.path().join("avbrutt.xml");
    std::fs::write(&camt_path, &camt).expect("write");
    std::fs::write(&csv_path, &csv).expect("write");
    std::fs::write(&cut_path, &camt.as_bytes()[..camt.len() / 3]).expect("write");
    let s = |p: &std::path::Path| p.display().to_string();

    // A path the user never picked is not read.
    let e = w
        .invoke(
            "import_statements",
            json!({"profile": "demo", "paths": [s(&camt_path)], "ledgerId": null, "mapping": null}),
        )
        .expect_err("not picked");
    assert!(
        e["message"]
            .as_str()
            .is_some_and(|m| m.contains("Avstem reads only bank statements chosen")),
        "{e}"
    );
    assert_eq!(e["kind"], "input");

    // The Open dialog (answered by the test hook, as under WebDriver).
    let joined = std::env::join_paths([&camt_path, &csv_path, &cut_path]).expect("join");
    std::env::set_var("AVSTEM_TEST_OPEN_FILES", &joined);
    let picked = w.ok("choose_statement_files", json!({}));
    assert_eq!(rows(&picked).len(), 3);
    assert_eq!(picked[0], s(&camt_path));

    // The CSV preview: the guessed columns, nothing stored yet.
    let preview = w.ok(
        "preview_statement",
        json!({"profile": "demo", "path": s(&csv_path), "ledgerId": LEDGER, "mapping": null}),
    );
    assert_eq!(preview["format"], "csv");
    assert_eq!(preview["header"][1], "Forklaring");
    assert_eq!(preview["mapping"]["delimiter"], ";");
    assert_eq!(preview["mapping"]["decimalComma"], true);
    assert_eq!(preview["mapping"]["dateFormat"], "%d.%m.%Y");
    assert_eq!(preview["mappingRemembered"], false);
    let csv_lines = csv.lines().count() as i64 - 1;
    assert_eq!(minor(&preview["lineCount"]), csv_lines);
    let sample = rows(&preview["sample"]);
    assert!(minor(&sample[0]["amount"]) > 0, "{preview}");
    let camt_preview = w.ok(
        "preview_statement",
        json!({"profile": "demo", "path": s(&camt_path), "ledgerId": LEDGER, "mapping": null}),
    );
    assert_eq!(camt_preview["format"], "camt.053.001.08");
    assert_eq!(camt_preview["ledgerIds"], json!([LEDGER]));

    // Import: the camt file and the cut one; the cut one is refused with its sentence.
    let report = w.ok(
        "import_statements",
        json!({"profile": "demo", "paths": [s(&camt_path), s(&cut_path)], "ledgerId": null, "mapping": null}),
    );
    let camt_lines = minor(&camt_preview["lineCount"]);
    assert_eq!(camt_lines, camt.matches("<Ntry>").count() as i64);
    assert!(
        camt_lines >= 28 + 5,
        "October's payouts less the missing one, and five purchases: {camt_lines}"
    );
    assert_eq!(minor(&report["added"]), camt_lines);
    assert_eq!(report["failed"], 1);
    assert_eq!(minor(&report["files"][0]["imported"]["added"]), camt_lines);
    assert!(
        report["files"][1]["error"]
            .as_str()
            .is_some_and(|m| m.contains("It may be cut off or damaged")),
        "{report}"
    );
    let again = w.ok(
        "import_statements",
        json!({"profile": "demo", "paths": [s(&camt_path)], "ledgerId": null, "mapping": null}),
    );
    assert_eq!((minor(&again["lines"]), minor(&again["added"])), (camt_lines, 0));
    let csv_report = w.ok(
        "import_statements",
        json!({"profile": "demo", "paths": [s(&csv_path)], "ledgerId": LEDGER, "mapping": preview["mapping"]}),
    );
    assert_eq!(minor(&csv_report["added"]), csv_lines, "{csv_report}");
    let remembered = w.ok(
        "preview_statement",
        json!({"profile": "demo", "path": s(&csv_path), "ledgerId": LEDGER, "mapping": null}),
    );
    assert_eq!(
        remembered["mappingRemembered"], true,
        "the mapping is kept for the account"
    );

    // Each payout against the bank.
    let month = w.ok("bank_month", json!({"ledgerId": LEDGER, "month": "2025-10"}));
    let payouts = rows(&month["payouts"]);
    let state_of = |n: u64| {
        payouts
            .iter()
            .find(|p| p["payoutNumber"] == n)
            .map(|p| p["state"].clone())
    };
    assert_eq!(state_of(missing), Some(json!("late")), "{}", month["check"]);
    let in_bank: Vec<&Value> = payouts.iter().filter(|p| p["state"] == "in-the-bank").collect();
    assert!(in_bank.len() >= 28, "{}", month["check"]);
    for p in &in_bank {
        assert_eq!(p["bankDate"], p["expectedDate"], "{p}");
        assert_eq!(minor(&p["bankAmount"]), minor(&p["amount"]), "{p}");
    }
    assert_eq!(month["check"]["status"], "fail");
    assert_eq!(month["allDueInBank"], false);
    assert_eq!(rows(&month["unexplained"]).len(), 0);

    // The payout screen: expected date and text, the line, and a match by hand.
    let p = in_bank[3];
    let psp = p["pspReference"].as_str().expect("psp").to_string();
    let number = p["payoutNumber"].as_u64().expect("n");
    let view = w.ok("payout_bank", json!({"ledgerId": LEDGER, "pspReference": psp}));
    assert_eq!(view["payout"]["state"], "in-the-bank");
    let text = view["payout"]["expectedText"].as_str().expect("text");
    assert!(text.starts_with(&format!("Utb. {number} Vippsnr ")), "{text}");
    let line = &view["payout"]["lines"][0];
    assert_eq!(line["text"].as_str(), Some(text));
    assert_eq!(minor(&line["amount"]), minor(&p["amount"]));
    let line_id = minor(&line["id"]);
    let unmatched = w.ok(
        "decide_bank_line",
        json!({"ledgerId": LEDGER, "pspReference": psp, "lineId": line_id, "choice": "unmatch"}),
    );
    assert_eq!(unmatched["payout"]["state"], "late");
    assert!(rows(&unmatched["candidates"])
        .iter()
        .any(|c| minor(&c["id"]) == line_id));
    let by_hand = w.ok(
        "decide_bank_line",
        json!({"ledgerId": LEDGER, "pspReference": psp, "lineId": line_id, "choice": "match"}),
    );
    assert_eq!(by_hand["payout"]["state"], "matched-by-hand");
    assert_eq!(minor(&by_hand["payout"]["bankAmount"]), minor(&p["amount"]));
    let forgot = w.ok(
        "decide_bank_line",
        json!({"ledgerId": LEDGER, "pspReference": psp, "lineId": line_id, "choice": "forget"}),
    );
    assert_eq!(forgot["payout"]["state"], "in-the-bank");
    let e = w
        .invoke(
            "decide_bank_line",
            json!({"ledgerId": LEDGER, "pspReference": psp, "lineId": 999_999, "choice": "match"}),
        )
        .expect_err("no such line");
    assert!(
        e["message"]
            .as_str()
            .is_some_and(|m| m.contains("is not a line of ledger 302321")),
        "{e}"
    );
}
