"""What was sold in the real window (issue 17): the demo profile has accounting keys, so the month's
Sync also fetches its sales (Sales API); the month screen shows sales by VAT rate, a payout screen the
sales by VAT rate of its dates, a capture screen its order lines. English and Bokmål, screenshots in
target/e2e/.
"""
import datetime

from conftest import screenshot, wait_for

LEDGER = "302321"  # Fjordkaffe AS: a Vippsnummer with open amounts and shopping baskets


def js(drv, script, *args):
    return drv.execute_script(script, *args)


def two_months_ago() -> str:
    # The demo's clock is the real one: a month that is over and after the Sales API's floors.
    d = datetime.date.today().replace(day=1)
    for _ in range(2):
        d = (d - datetime.timedelta(days=1)).replace(day=1)
    return d.strftime("%Y-%m")


def rate_rows(drv, section):
    return js(drv, "return [...document.querySelectorAll(`[data-testid=${arguments[0]}] [data-testid^=sales-rate-]`)]"
                   ".map(r => ({id: r.dataset.testid, label: r.cells[0].innerText, gross: Number(r.cells[1].querySelector('.num').dataset.minor)}))",
              section)


def test_sales_by_vat_rate_and_order_lines_after_a_sync(session):
    drv = session
    month = two_months_ago()
    wait_for(drv, "document.body.dataset.ready === 'true'", message="the UI never became ready")
    js(drv, "localStorage.setItem('avstem.lang', 'en')")
    drv.refresh()
    wait_for(drv, "document.body.dataset.ready === 'true' && document.body.dataset.route === 'welcome'")
    drv.find_element("css selector", '[data-testid="try-demo"]').click()
    wait_for(drv, "document.querySelectorAll('[data-testid=ledger-row]').length > 0", 30, "no ledgers after the demo started")
    js(drv, f"location.hash = '#/month/{LEDGER}/{month}'")
    wait_for(drv, f"document.body.dataset.monthLoaded === '{LEDGER}|{month}'", 30, "the month never loaded")
    # Nothing synced: no sales part.
    assert js(drv, "const s = document.querySelector('[data-testid=month-sales]'); return s ? s.innerText : ''") == ""
    js(drv, "document.body.dataset.salesLoaded = ''")
    drv.find_element("css selector", '[data-testid="sync"]').click()
    wait_for(drv, "document.querySelector('[data-testid=sync-done]')", 120, "sync did not finish")
    wait_for(drv, "document.body.dataset.salesLoaded === 'month-sales'", 30, "the month's sales by VAT rate never showed")
    rows = rate_rows(drv, "month-sales")
    ids = [r["id"] for r in rows]
    assert ids[:3] == ["sales-rate-0", "sales-rate-1500", "sales-rate-2500"], rows
    assert [r["label"] for r in rows[:3]] == ["0 %", "15 %", "25 %"], rows
    # Open amounts have no VAT stated: their gross is on its own row.
    assert ids[-1] == "sales-rate-unknown" and rows[-1]["label"] == "VAT not stated", rows
    assert all(r["gross"] > 0 for r in rows), rows
    js(drv, "document.querySelector('[data-testid=month-sales]').scrollIntoView({block: 'start'})")
    screenshot(drv, "70-month-sales-by-vat-rate")

    # A payout: the sales by VAT rate of the dates it covers.
    js(drv, "document.body.dataset.salesLoaded = ''; document.querySelector('[data-testid=payout-list] a').click()")
    wait_for(drv, "document.body.dataset.payoutLoaded && document.body.dataset.salesLoaded === 'payout-sales'", 30,
             "the payout's sales never showed")
    payout_rows = rate_rows(drv, "payout-sales")
    assert payout_rows, "a daily payout of a café has sales"
    js(drv, "document.querySelector('[data-testid=payout-sales]').scrollIntoView({block: 'start'})")
    screenshot(drv, "71-payout-sales-by-vat-rate")

    # The captures of the payout: the first one with order lines shows them, adding up to its gross.
    links = js(drv, "return [...document.querySelectorAll('a')].map(a => a.getAttribute('href')).filter(h => h && h.startsWith('#/capture/'))")
    assert links, "the payout lists its captures"
    found = None
    for link in links[:40]:
        js(drv, "document.body.dataset.orderLinesLoaded = ''; location.hash = arguments[0]", link)
        wait_for(drv, "document.body.dataset.captureLoaded", 20)
        psp = link.rsplit("/", 1)[-1]
        try:
            wait_for(drv, f"document.body.dataset.orderLinesLoaded === '{psp}'", 10)
        except Exception:
            continue
        lines = js(drv, "const t = document.querySelector('[data-testid=order-lines-capture]');"
                        " return t ? [...t.querySelectorAll('tbody tr')].map(r => Number((r.cells[2].querySelector('.num')||{dataset:{minor:0}}).dataset.minor)) : []")
        if lines:
            found = (psp, lines)
            break
    assert found, "some capture of the payout is a shopping basket with order lines"
    psp, lines = found
    gross = js(drv, "return Number(document.querySelector('[data-testid=capture-gross]').dataset.minor)")
    assert sum(lines) == gross, (lines, gross)
    assert js(drv, "return document.querySelector('[data-testid=order-lines] h2').innerText") == "Order lines"
    screenshot(drv, "72-capture-order-lines")

    # Bokmål: the same screen in plain Norwegian words.
    js(drv, "const s = document.querySelector('[data-testid=lang-switch]'); s.value = 'nb'; s.dispatchEvent(new Event('change'));")
    wait_for(drv, "document.documentElement.lang === 'nb'", 10)
    wait_for(drv, f"document.body.dataset.orderLinesLoaded === '{psp}' && document.querySelector('[data-testid=order-lines] h2')"
                  " && document.querySelector('[data-testid=order-lines] h2').innerText === 'Ordrelinjer'", 20,
             "the order lines in Bokmål")
    screenshot(drv, "73-capture-order-lines-nb")
