"""A busy day keeps a bounded number of rows in the DOM however far the user scrolls: rows are
fetched from the cache a page at a time (the demo's bulk ledger has hundreds of entries a day)."""
from conftest import screenshot, wait_for

BULK = "900001"
MONTH = "2025-10"


def js(drv, script):
    return drv.execute_script(script)


def test_a_busy_day_scrolls_to_its_last_entry_with_few_dom_rows(session):
    drv = session
    wait_for(drv, "document.body.dataset.ready === 'true'")
    js(drv, "localStorage.setItem('avstem.lang', 'en')")
    drv.refresh()
    wait_for(drv, "document.body.dataset.ready === 'true' && document.body.dataset.route === 'welcome'")
    drv.find_element("css selector", '[data-testid="try-demo"]').click()
    wait_for(drv, f"!!document.querySelector('[data-ledger=\"{BULK}\"]')", 30, "the bulk ledger is not listed")
    js(drv, f"location.hash = '#/month/{BULK}/{MONTH}'")
    wait_for(drv, f"document.body.dataset.monthLoaded === '{BULK}|{MONTH}'", 30)
    drv.find_element("css selector", '[data-testid="sync"]').click()
    wait_for(drv, "document.querySelector('[data-testid=sync-done]') || document.querySelector('[data-testid=error-message]')", 180)
    assert not js(drv, "return document.querySelector('[data-testid=error-message]')")

    js(drv, f"location.hash = '#/day/{BULK}/{MONTH}-15'")
    wait_for(drv, "Number(document.body.dataset.dayTotal) > 0 && document.querySelectorAll('[data-testid=entry-row]').length > 0", 20)
    total = int(js(drv, "return document.body.dataset.dayTotal"))
    assert total >= 300, total
    first_rows = js(drv, "return document.querySelectorAll('.vlayer > .vrow').length")
    assert first_rows <= 60, first_rows

    # Scroll to the end: the last entry appears, the DOM still holds only a window of rows.
    js(drv, "const v = document.querySelector('[data-testid=day-table]'); v.scrollTop = v.scrollHeight;")
    wait_for(drv, f"!!document.querySelector('[data-testid=entry-row][data-index=\"{total - 1}\"]')", 20,
             "the last entry never rendered")
    rows = js(drv, "return document.querySelectorAll('.vlayer > .vrow').length")
    assert rows <= 60, rows
    # The balance chain holds on the last rows: each balance after = the one before + its amount.
    chain = js(drv, "return [...document.querySelectorAll('[data-testid=entry-row]')].map(r => [Number(r.dataset.amount), Number(r.dataset.balance)])")
    assert len(chain) > 5
    for (_, before), (amount, after) in zip(chain, chain[1:]):
        assert after == before + amount, (before, amount, after)
    assert chain[-1][1] == 0, "the day ends with the payout taking the balance to zero"
    screenshot(drv, "23-day-bulk-scrolled")

    # Filter by type: one payout on a daily-payout ledger's date.
    js(drv, "const s = document.querySelector('[data-testid=type-filter]'); s.value = 'payout-scheduled'; s.dispatchEvent(new Event('change'));")
    wait_for(drv, "document.body.dataset.dayTotal === '1'", 10, "one payout on the date")
    assert js(drv, "return document.querySelector('[data-testid=entry-row]').dataset.type") == "payout-scheduled"
    # Search by order reference (the type filter still applies, so clear it first).
    js(drv, "const s = document.querySelector('[data-testid=type-filter]'); s.value = ''; s.dispatchEvent(new Event('change'));")
    wait_for(drv, f"document.body.dataset.dayTotal === '{total}'", 10)
    drv.find_element("css selector", '[data-testid="reference-search"]').send_keys("-0012")
    wait_for(drv, "Number(document.body.dataset.dayTotal) > 0 && Number(document.body.dataset.dayTotal) < 20", 10,
             "a reference search narrows the day")
    refs = js(drv, "return [...document.querySelectorAll('[data-testid=entry-row]')].map(r => r.children[2].innerText)")
    assert refs and all("-0012" in r for r in refs), refs
