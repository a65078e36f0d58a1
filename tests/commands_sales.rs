//! What was sold through the window's commands (issue 17), Tauri's IPC on the mock runtime against
//! the built-in simulator and a real SQLite cache: the demo profile has accounting keys, so the
//! window's Sync fetches the month's sales with its funds and fees; a capture's order lines, the
//! sales by VAT rate of a payout's dates and of the month, equal to the cache's own figures.

use avstem_core::model::{Country, YearMonth};
use serde_json::{json, Value};

mod ipc;
use ipc::{open_window, rows};

const LEDGER: &str = "302321";

#[test]
fn order_lines_and_sales_by_vat_rate_through_the_windows_commands() {
    let w = open_window();
    w.ok("start_demo", json!({}));
    // A month that is over and after the Sales API's floors (the demo's clock is the real one).
    let month = YearMonth::of(w.ctx.clock.today_in(Country::No)).prev().prev();
    let summary = w.ok(
        "sync_month",
        json!({"profile": "demo", "ledgerId": LEDGER, "month": month.to_string(), "gdpr": false}),
    );
    assert_eq!(rows(&summary["failed"]).len(), 0, "{summary}");

    let store = w.ctx.open_store().expect("store");
    let ledger = store.ledger(LEDGER).expect("read").expect("ledger");
    let sold = store
        .sales_month(&ledger, month)
        .expect("join")
        .expect("sales synced with the month");
    assert!(sold.check.ok, "{:?}", sold.check.problems);

    // The month screen: sales by VAT rate, as the cache adds them up.
    let m = w.ok(
        "month_sales",
        json!({"ledgerId": LEDGER, "month": month.to_string()}),
    );
    assert_eq!(m["entries"].as_u64(), Some(sold.total.entries));
    assert_eq!(m["gross"].as_i64(), Some(sold.total.gross));
    assert_eq!(m["vatUnknown"].as_i64(), Some(sold.total.vat_unknown));
    assert_eq!(m["checkOk"], json!(true));
    let rates: Vec<(i64, i64, i64)> = rows(&m["rates"])
        .iter()
        .map(|r| {
            (
                r["rateBp"].as_i64().expect("rate"),
                r["gross"].as_i64().expect("g"),
                r["vat"].as_i64().expect("v"),
            )
        })
        .collect();
    let want: Vec<(i64, i64, i64)> = sold.by_rate.iter().map(|(bp, f)| (*bp, f.gross, f.vat)).collect();
    assert_eq!(rates, want);
    assert_eq!(rates.iter().map(|r| r.0).collect::<Vec<_>>(), vec![0, 1500, 2500]);

    // The capture screen: a shopping basket's order lines, adding up to the capture.
    let basket = store
        .sales_entries(LEDGER, month.first_day(), month.last_day())
        .expect("sales")
        .into_iter()
        .find(|s| s.entry.lines.len() >= 2 && s.entry.vat_is_complete())
        .expect("a basket with VAT");
    let psp = basket.entry.psp_reference.clone().expect("psp");
    let lines = w.ok("order_lines", json!({"ledgerId": LEDGER, "pspReference": psp}));
    let capture = rows(&lines)
        .iter()
        .find(|s| s["kind"] == "capture")
        .expect("the capture's sale");
    assert_eq!(capture["gross"].as_i64(), basket.entry.gross);
    assert_eq!(capture["vatComplete"], json!(true));
    assert_eq!(rows(&capture["problems"]).len(), 0);
    let line_sum: i64 = rows(&capture["lines"])
        .iter()
        .map(|l| l["lineTotalGross"].as_i64().expect("total"))
        .sum();
    assert_eq!(Some(line_sum), basket.entry.gross);
    assert_eq!(rows(&capture["lines"]).len(), basket.entry.lines.len());

    // The payout screen: sales by VAT rate of the dates the payout covers (one date, daily payouts).
    let day = basket.entry.ledger_date.to_string();
    let p = w.ok(
        "sales_by_rate",
        json!({"ledgerId": LEDGER, "from": day, "to": day}),
    );
    let on_day = &sold.by_day[&basket.entry.ledger_date];
    assert_eq!(p["gross"].as_i64(), Some(on_day.gross));
    assert_eq!(p["entries"].as_u64(), Some(on_day.entries));
    assert_eq!(p["checkOk"], Value::Null);

    // Nothing synced for another ledger's sales: empty, not an error.
    let none = w.ok("order_lines", json!({"ledgerId": "402001", "pspReference": psp}));
    assert_eq!(rows(&none).len(), 0);
}
