"""The month-end flow a café owner follows, in the real window against the built-in simulator:
demo onboarding → ledger → month → sync with live progress → day → payout drill-down → capture →
search → export, then the written workbook's totals must equal what the month screen showed.

The export's file is chosen with the native Save dialog, which Rust opens; under WebDriver no native
dialog can be driven, so the app answers it from AVSTEM_TEST_SAVE_DIR (conftest). A typed path is refused.
"""
import time
from pathlib import Path

import openpyxl

from conftest import screenshot, wait_for

LEDGER = "302321"  # Fjordkaffe AS, daily payouts, net settlement (the demo merchant's ledger)


def js(drv, script, *args):
    return drv.execute_script(script, *args)


def click(drv, testid):
    el = drv.find_element("css selector", f'[data-testid="{testid}"]')
    el.click()
    return el


def minor(drv, testid):
    return int(js(drv, f'return document.querySelector(\'[data-testid="{testid}"]\').dataset.minor'))


def go(drv, hash_):
    js(drv, f"location.hash = {hash_!r}")


def test_demo_month_end_from_welcome_to_workbook(session, data_dir):
    drv = session
    wait_for(drv, "document.body.dataset.ready === 'true'", message="the UI never became ready")
    # Screenshots and assertions use English; Bokmål is checked at the end.
    js(drv, "localStorage.setItem('avstem.lang', 'en')")
    drv.refresh()
    wait_for(drv, "document.body.dataset.ready === 'true' && document.body.dataset.route === 'welcome'")
    screenshot(drv, "10-welcome")

    # 1. Demo onboarding: the simulator starts in-process, a demo profile appears, ledgers load.
    click(drv, "try-demo")
    wait_for(drv, "document.querySelectorAll('[data-testid=ledger-row]').length > 0", 30, "no ledgers after the demo started")
    assert js(drv, "return !document.querySelector('[data-testid=demo-banner]').hidden"), "the demo banner must show"
    assert "DEMO DATA" in js(drv, "return document.querySelector('[data-testid=demo-banner]').innerText")
    ledgers = js(drv, "return [...document.querySelectorAll('[data-testid=ledger-row]')].map(r => r.dataset.ledger)")
    assert LEDGER in ledgers, ledgers
    # The bank account is masked: only the last four digits show.
    row_text = js(drv, f"return document.querySelector('[data-ledger=\"{LEDGER}\"]').innerText")
    assert "••••" in row_text, row_text
    drv.find_element("css selector", '[data-testid="ledger-filter"]').send_keys("Fjord")
    wait_for(drv, "[...document.querySelectorAll('[data-testid=ledger-row]')].every(r => r.innerText.includes('Fjord'))")
    screenshot(drv, "11-ledgers")

    # 2. Ledger → month (a fixed past month so the figures are stable).
    month = "2025-10"
    go(drv, f"#/month/{LEDGER}/{month}")
    wait_for(drv, f"document.body.dataset.monthLoaded === '{LEDGER}|{month}'", 30)
    assert js(drv, "return !!document.querySelector('[data-testid=month-missing]')"), "nothing synced yet: the month says so"
    # No zeros dressed as figures and no checks alarm before anything is fetched.
    assert js(drv, "return document.querySelector('[data-testid=month-totals]')") is None
    assert js(drv, "return document.querySelector('[data-testid=checks-summary]')") is None
    screenshot(drv, "12-month-before-sync")

    # 3. Sync with live progress: the bar moves while dates arrive, then the calendar fills in.
    seen = []
    js(drv, "window.__progress = []; document.querySelector('[data-testid=sync-progress]').addEventListener('change', () => {});")
    click(drv, "sync")
    deadline = time.time() + 120
    shot_taken = False
    while time.time() < deadline:
        state = js(
            drv,
            "const b = document.querySelector('[data-testid=sync-progress]');"
            "const done = document.querySelector('[data-testid=sync-done]');"
            "return {done: b && b.dataset.done, total: b && b.dataset.total, hidden: b && b.parentElement.hidden,"
            " text: (document.querySelector('[data-testid=sync-progress-text]')||{}).innerText, finished: !!done,"
            " error: (document.querySelector('[data-testid=error-message]')||{}).innerText}",
        )
        assert not state["error"], state["error"]
        if state["total"]:
            seen.append((int(state["done"]), int(state["total"])))
            if not shot_taken and 0 < int(state["done"]) < int(state["total"]):
                screenshot(drv, "13-month-syncing")
                shot_taken = True
        if state["finished"]:
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"sync did not finish; progress seen: {seen[-5:]}")
    assert seen, "no progress event reached the window"
    total_dates = seen[-1][1]
    assert total_dates > 60, seen[-1]  # the month plus the neighbouring dates reconciliation needs
    assert any(0 < d < t for d, t in seen) or len(seen) >= 1, seen
    wait_for(drv, f"document.body.dataset.monthLoaded === '{LEDGER}|{month}' && !document.querySelector('[data-testid=month-missing]')", 30,
             "after the sync, every date of the month is synced")
    totals = {k: minor(drv, f"total-{k}") for k in ("sales", "refunds", "fees", "net", "payout")}
    assert totals["sales"] > 0 and totals["payout"] > 0, totals
    assert js(drv, "return document.querySelectorAll('[data-testid^=payout-badge-]').length") >= 25  # daily payouts
    # The payout list's totals row equals the "paid to bank" card above it.
    assert minor(drv, "payout-list-total") == totals["payout"], totals
    # Each payout's day in the bank: no statement is imported, so every one says "expected <date>".
    wait_for(drv, "document.body.dataset.bankLoaded && [...document.querySelectorAll('[data-testid=payout-bank-date]')].every(td => td.dataset.expected === 'true')", 20,
             "the payout list did not get its expected bank days")
    bank_cells = js(drv, "return [...document.querySelectorAll('[data-testid=payout-bank-date]')].map(td => td.innerText)")
    assert bank_cells and all(c.startswith("expected ") for c in bank_cells), bank_cells[:3]
    # The bank part's totals row is the same "paid to bank" figure.
    assert minor(drv, "bank-payouts-total") == totals["payout"], totals
    # After the sync, focus went back to the Sync button (the button is disabled while it runs).
    assert js(drv, "return document.activeElement && document.activeElement.dataset.testid") == "sync"
    done_line = js(drv, "return document.querySelector('[data-testid=sync-done]').innerText")
    assert done_line.startswith("Synced: ") and "days closed" in done_line and "topic" not in done_line, done_line
    screenshot(drv, "14-month")

    # 4. Day: virtualized table, bounded DOM rows, sortable.
    day = f"{month}-15"
    cal_net = int(js(drv, f"return document.querySelector('[data-testid=cal-{day}] .cal-figures .strong .num').dataset.minor"))
    click(drv, f"day-{day}")
    wait_for(drv, "Number(document.body.dataset.dayTotal) > 0 && document.querySelectorAll('[data-testid=entry-row]').length > 0", 20)
    day_total = int(js(drv, "return document.body.dataset.dayTotal"))
    rendered = js(drv, "return document.querySelectorAll('[data-testid=entry-row]').length")
    assert rendered <= min(day_total, 80), (rendered, day_total)
    # The balance column chains: each row's balance after = the previous row's + its amount.
    click(drv, "sort-amount")
    wait_for(drv, "(() => { const a = [...document.querySelectorAll('[data-testid=entry-row]')].map(r => Number(r.dataset.amount)); return a.length > 1 && a.every((x, i) => i === 0 || a[i-1] >= x); })()", 10,
             "sorting by amount puts the largest first")
    wait_for(drv, "!!document.querySelector('[data-testid=day-net]')", 10)
    assert minor(drv, "day-net") == cal_net, "the day's net is the one the calendar showed"
    screenshot(drv, "15-day")

    # 5. Payout drill-down: the parts add up to the amount paid into the bank.
    go(drv, f"#/month/{LEDGER}/{month}")
    wait_for(drv, f"document.body.dataset.monthLoaded === '{LEDGER}|{month}' && document.querySelector('[data-testid=payout-link]')", 20)
    psp = js(drv, "return document.querySelectorAll('[data-testid=payout-link]')[3].dataset.psp")
    js(drv, "document.querySelectorAll('[data-testid=payout-link]')[3].click()")
    wait_for(drv, f"document.body.dataset.payoutLoaded === {psp!r}", 20)
    parts = {k: minor(drv, f"part-{k}") for k in ("sales", "refunds", "fees", "other")}
    carried = minor(drv, "part-carried") if js(drv, "return !!document.querySelector('[data-testid=part-carried]')") else 0
    left = minor(drv, "part-left") if js(drv, "return !!document.querySelector('[data-testid=part-left]')") else 0
    covered = minor(drv, "part-sum")
    amount = minor(drv, "payout-amount")
    assert carried + sum(parts.values()) == covered, (carried, parts, covered)
    assert covered + left == amount, (covered, left, amount)
    assert amount > 0 and parts["sales"] > 0
    assert js(drv, "return document.querySelector('[data-testid=payout-check]').dataset.ok") == "true"
    # The sales table's totals count every sale of the payout, and its fees differ from "fees taken"
    # only with the note that says by how much.
    assert minor(drv, "payout-captures-gross") == parts["sales"], (parts, minor(drv, "payout-captures-gross"))
    cap_fees = -minor(drv, "payout-captures-fees")
    note = js(drv, "const n = document.querySelector('[data-testid=payout-fee-note]'); return n && Number(n.dataset.diff)")
    assert (note or 0) == -parts["fees"] - cap_fees, (note, parts["fees"], cap_fees)
    screenshot(drv, "16-payout")

    # 6. Capture detail from the payout's captures.
    js(drv, "document.querySelector('[data-testid=payout-captures] a').click()")
    wait_for(drv, "document.body.dataset.captureLoaded && document.querySelector('[data-testid=capture-summary]')", 20)
    gross = minor(drv, "capture-gross")
    assert gross > 0
    assert js(drv, "return document.querySelector('[data-testid=capture-payout]').innerText").startswith("#")
    capture_psp = js(drv, "return document.body.dataset.captureLoaded")
    screenshot(drv, "17-capture")
    # Back goes where the user came from: the payout, then the month.
    js(drv, "delete document.body.dataset.payoutLoaded")
    click(drv, "back")
    wait_for(drv, f"document.body.dataset.route === 'payout' && document.body.dataset.payoutLoaded === {psp!r}", 20, "Back did not return to the payout")
    click(drv, "back")
    wait_for(drv, "document.body.dataset.route === 'month'", 20, "Back did not return to the month")

    # 7. Search the cache by pspReference.
    go(drv, "#/search")
    wait_for(drv, "document.body.dataset.route === 'search'")
    box = drv.find_element("css selector", '[data-testid="search-input"]')
    box.send_keys(capture_psp[:-2])
    click(drv, "search-go")
    wait_for(drv, "document.querySelectorAll('[data-testid=search-hit]').length > 0", 10)
    assert js(drv, "return document.activeElement.dataset.testid") == "search-input", "focus stays in the search box"
    screenshot(drv, "18-search")
    # A search that finds more than can be listed says so, and lists 200.
    box = drv.find_element("css selector", '[data-testid="search-input"]')
    box.clear()
    box.send_keys("0")  # in nearly every payment id
    click(drv, "search-go")
    wait_for(drv, "!!document.querySelector('[data-testid=search-capped]')", 10, "a broad search did not say it was cut")
    assert js(drv, "return document.querySelectorAll('[data-testid=search-hit]').length") == 200

    # 8. Export the month to a workbook, then compare its totals with the month screen.
    save_dir = Path(data_dir) / "export"
    save_dir.mkdir(parents=True, exist_ok=True)
    go(drv, f"#/export/{LEDGER}/{month}")
    wait_for(drv, "document.body.dataset.route === 'export'")
    # No folder picked yet: the path waits for "Choose…".
    time.sleep(0.5)
    assert js(drv, "return document.querySelector('[data-testid=export-path]').value") == ""
    assert not js(drv, "return document.querySelector('[data-testid=export-gdpr]').checked"), "personal data is off by default"
    # A path the Save dialog did not return is refused: a page cannot make Avstem write elsewhere.
    answer = drv.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.__TAURI_INTERNALS__.invoke('export_month', {request: {ledgerId: arguments[0], month: arguments[1],"
        " format: 'xlsx', gdpr: false, path: '/tmp/avstem-not-chosen.xlsx', syncProfile: null}})"
        ".then(() => done('written'), e => done(JSON.stringify(e)));",
        LEDGER, month)
    assert "Save dialog" in answer and not Path("/tmp/avstem-not-chosen.xlsx").exists(), answer
    click(drv, "export-choose")
    wait_for(drv, "document.querySelector('[data-testid=export-path]').value !== ''", 10)
    # The Save dialog was offered "<shop>-<month>.xlsx", the shop as the window names it.
    shop = js(drv, "const o = document.querySelector('[data-testid=export-ledger]').selectedOptions[0]; return o.textContent.replace(/ \\(\\d+\\)$/, '')")
    out = Path(js(drv, "return document.querySelector('[data-testid=export-path]').value"))
    assert out == save_dir / f"{shop}-{month}.xlsx" and not shop.isdigit(), (out, shop)
    click(drv, "export-go")
    wait_for(drv, "document.querySelector('[data-testid=export-done]') || document.querySelector('[data-testid=error-message]')", 60)
    err = js(drv, "return (document.querySelector('[data-testid=error-message]')||{}).innerText")
    assert not err, err
    assert js(drv, "return !!document.querySelector('[data-testid=open-folder]')")
    # The success panel: the file's name and folder, the month's figures as on the month screen, its checks.
    done_text = js(drv, "return document.querySelector('[data-testid=export-done]').innerText")
    assert out.name in done_text and str(save_dir) in done_text, done_text
    def panel(tid):
        return int(js(drv, f"return document.querySelector('[data-testid={tid}]').dataset.minor"))
    assert panel("export-sales") == totals["sales"] and panel("export-payout") == totals["payout"]
    assert panel("export-refunds") == totals["refunds"] and panel("export-fees") == totals["fees"]
    checks_line = js(drv, "return document.querySelector('[data-testid=export-checks]').innerText")
    assert "check" in checks_line.lower(), checks_line
    screenshot(drv, "19-export")
    assert out.exists() and out.stat().st_size > 5000
    # "Open file" opens this file (the test hook records it instead of starting a spreadsheet program)…
    click(drv, "open-file")
    opened = save_dir / "opened.txt"
    for _ in range(50):
        if opened.exists():
            break
        time.sleep(0.1)
    assert opened.exists() and opened.read_text() == str(out)
    # …and no other path, whatever a page asks.
    answer = drv.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.__TAURI_INTERNALS__.invoke('open_exported_file', {path: '/etc/passwd'})"
        ".then(() => done('opened'), e => done(JSON.stringify(e)));")
    assert "exported in this session" in answer, answer
    # The next visit starts in the same folder with a fresh name beside the first file, never over it.
    go(drv, f"#/month/{LEDGER}/{month}")
    wait_for(drv, f"document.body.dataset.monthLoaded === '{LEDGER}|{month}'", 20)
    go(drv, f"#/export/{LEDGER}/{month}")
    wait_for(drv, "document.querySelector('[data-testid=export-path]') && document.querySelector('[data-testid=export-path]').value !== ''", 10)
    assert js(drv, "return document.querySelector('[data-testid=export-path]').value") == str(save_dir / f"{shop}-{month} (2).xlsx")

    wb = openpyxl.load_workbook(out, data_only=True)
    ws = wb["Summary"]
    header = [c.value for c in ws[11]]
    total_row = next(r for r in ws.iter_rows(min_row=12) if r[0].value == "Total")
    col = {name: header.index(name) for name in ("Sales", "Refunds", "Fees charged", "Net", "Payout")}
    as_minor = lambda v: round(float(v) * 100)
    assert as_minor(total_row[col["Sales"]].value) == totals["sales"]
    assert as_minor(total_row[col["Refunds"]].value) == totals["refunds"]
    assert as_minor(total_row[col["Fees charged"]].value) == -totals["fees"]
    assert as_minor(total_row[col["Net"]].value) == totals["net"]
    assert as_minor(total_row[col["Payout"]].value) == totals["payout"]

    # 9. Bokmål: switch language, the month reads Norwegian with "1 234,50 kr" money.
    go(drv, f"#/month/{LEDGER}/{month}")
    wait_for(drv, f"document.body.dataset.monthLoaded === '{LEDGER}|{month}'", 20)
    js(drv, "const s = document.querySelector('[data-testid=lang-switch]'); s.value = 'nb'; s.dispatchEvent(new Event('change'));")
    wait_for(drv, "document.documentElement.lang === 'nb' && document.querySelector('[data-testid=total-sales]')", 20)
    sales_nb = js(drv, "return document.querySelector('[data-testid=total-sales]').innerText")
    screenshot(drv, "20-month-nb")
    plain = sales_nb.replace("\u00a0", " ").replace("\u202f", " ")
    assert plain.endswith(" kr") and "," in plain, sales_nb
    text = js(drv, "return document.body.innerText")
    assert "Synkroniser måneden" in text and "DEMODATA" in text

    # The window may reveal a file and ask where to save — nothing more: opening URLs or programs,
    # or an Open dialog, is refused.
    for cmd, args in (("plugin:opener|open_url", {"url": "https://example.com"}),
                      ("plugin:opener|open_path", {"path": "/etc/passwd"}),
                      ("plugin:dialog|open", {"options": {}}),
                      ("plugin:dialog|save", {"options": {}})):
        answer = drv.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then(() => done('allowed'), e => done(String(e)));",
            cmd, args)
        assert "not allowed" in answer, (cmd, answer)

    # Nothing the app did on any screen was blocked by its strict CSP.
    violations = js(drv, "return [document.body.dataset.cspViolations, document.body.dataset.cspLast]")
    assert violations == [None, None], violations
