"""A day with 30,000 entries: the table stays a bounded window of DOM rows and reaches any row.

The cache is filled the way an accountant's scheduled job would: `avstem sim` serves the bulk ledger
with 30,000 funds entries a date, and `avstem profile add` / `ledgers` / `sync` (command line, same
data folder) store that one date. The window then only reads the cache.
"""
import os
import socket
import subprocess
import time

from conftest import APP, screenshot, wait_for

DATE = "2025-10-15"
BULK = "900001"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(env, *args):
    out = subprocess.run([str(APP), *args], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, f"avstem {' '.join(args)}: {out.stdout}{out.stderr}"
    return out.stdout


def test_thirty_thousand_entries_scroll_with_a_bounded_dom(session, app_env):
    drv = session
    port = free_port()
    sim = subprocess.Popen([str(APP), "sim", "--port", str(port), "--bulk-per-day", "30000"],
                           env=app_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        # Lysgården Interiør AS's own sales-unit keys (the busy webshop): merchant keys see only their own MSN's ledger.
        env = dict(app_env, AVSTEM_CLIENT_SECRET="bench-merchant-secret", AVSTEM_SUBSCRIPTION_KEY="bench-subscription-key")
        cli(env, "profile", "add", "bulk", "--kind", "merchant", "--client-id", "bench-merchant",
            "--msn", "900001", "--base-url", f"http://127.0.0.1:{port}", "--env-secrets")
        cli(env, "ledgers", "--profile", "bulk")
        started = time.time()
        cli(env, "sync", "--profile", "bulk", "--ledger", BULK, "--from", DATE, "--to", DATE)
        print(f"synced one 30,000-entry date in {time.time() - started:.1f} s")
    finally:
        sim.terminate()
        sim.wait(timeout=10)

    # The window reads the cache only (the simulator is gone now: offline browsing).
    js = drv.execute_script
    js("localStorage.setItem('avstem.lang', 'en'); localStorage.setItem('avstem.profile', 'bulk')")
    js(f"location.hash = '#/day/{BULK}/{DATE}'")
    drv.refresh()
    wait_for(drv, "Number(document.body.dataset.dayTotal) >= 30000", 30, "the 30,000-entry day did not load")
    total = int(js("return document.body.dataset.dayTotal"))
    assert js("return document.querySelectorAll('.vlayer > .vrow').length") <= 60

    timings = []
    for target in (total // 2, total - 1, 1234):
        t0 = time.time()
        js(f"const v = document.querySelector('[data-testid=day-table]'); v.scrollTop = {target} * 34 - 100;")
        wait_for(drv, f"!!document.querySelector('[data-testid=entry-row][data-index=\"{target}\"]')", 20,
                 f"row {target} never rendered")
        timings.append(time.time() - t0)
        rows = js("return document.querySelectorAll('.vlayer > .vrow').length")
        assert rows <= 60, rows
    print(f"jump-and-render times: {[round(t, 3) for t in timings]} s")
    # Rows are in served order, so the balance chain holds across the window.
    chain = js("return [...document.querySelectorAll('[data-testid=entry-row]')].map(r => [Number(r.dataset.amount), Number(r.dataset.balance)])")
    for (_, before), (amount, after) in zip(chain, chain[1:]):
        assert after == before + amount
    screenshot(drv, "26-day-30000")

    # Sorting 30,000 rows happens in the cache: the largest amount comes first.
    drv.find_element("css selector", '[data-testid="sort-amount"]').click()
    wait_for(drv, "(() => { const r = document.querySelector('[data-testid=entry-row][data-index=\"0\"]'); return r && document.querySelector('[data-testid=day-table]').scrollTop === 0; })()", 20)
    amounts = js("return [...document.querySelectorAll('[data-testid=entry-row]')].map(r => Number(r.dataset.amount))")
    assert amounts == sorted(amounts, reverse=True), amounts[:5]
