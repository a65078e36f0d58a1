"""Dates Vipps has not closed yet, as production keeps them open for weeks, in the real window:
the demo (an accounting partner) on 20 May 2024, the monthly-settled ledger 502001 (Sauna Oy).
Every May date after the 1st waits for the payout on 1 June, and the window says so; today's date
says its figures are what has arrived so far. The welcome screen tells a Vippsnummer owner that
there are no keys to type. Both languages, light and dark (screenshots in target/e2e/).
"""
import time

import pytest

from conftest import screenshot, wait_for

LEDGER = "502001"
MONTH = "2024-05"


def js(drv, script, *args):
    return drv.execute_script(script, *args)


def text(drv, testid):
    return js(drv, f"const e = document.querySelector('[data-testid={testid}]'); return e ? e.innerText : null")


@pytest.fixture
def session_may(app_env, request):
    app_env["AVSTEM_NOW"] = "2024-05-20T10:00:00Z"
    if getattr(request, "param", None) == "dark":
        app_env["GTK_THEME"] = "Adwaita:dark"
    return request.getfixturevalue("session")


def sync_month(drv):
    js(drv, f"location.hash = '#/month/{LEDGER}/{MONTH}'")
    wait_for(drv, f"document.body.dataset.monthLoaded === '{LEDGER}|{MONTH}'", 30)
    drv.find_element("css selector", '[data-testid="sync"]').click()
    deadline = time.time() + 120
    while time.time() < deadline:
        if js(drv, "return !!document.querySelector('[data-testid=sync-done]')"):
            break
        err = text(drv, "error-message")
        assert not err, err
        time.sleep(0.1)
    else:
        raise AssertionError("the sync did not finish")
    wait_for(drv, "document.querySelectorAll('[data-testid=month-open]').length > 0", 30, "no open-date note")


@pytest.mark.parametrize("session_may", ["light", "dark"], indirect=True)
def test_open_dates_say_why_and_today_says_so_far(session_may):
    drv = session_may
    dark = js(drv, "return matchMedia('(prefers-color-scheme: dark)').matches")
    theme = "dark" if dark else "light"
    wait_for(drv, "document.body.dataset.ready === 'true'")
    js(drv, "localStorage.setItem('avstem.lang', 'en')")
    drv.refresh()
    wait_for(drv, "document.body.dataset.ready === 'true' && document.body.dataset.route === 'welcome'")
    card = text(drv, "welcome-vippsnummer")
    assert card and "Vippsnummer" in card and "Reports → Accounting partners" in card, card
    screenshot(drv, f"40-welcome-vippsnummer-{theme}")

    drv.find_element("css selector", '[data-testid="try-demo"]').click()
    wait_for(drv, "document.querySelectorAll('[data-testid=ledger-row]').length > 0", 30)
    sync_month(drv)
    states = js(drv, "return Object.fromEntries([...document.querySelectorAll('[data-testid^=cal-2024]')].map(c => [c.dataset.testid.slice(4), c.dataset.status]))")
    assert states["2024-05-01"] in ("paid", "carried"), states["2024-05-01"]
    assert all(states[f"2024-05-{d:02d}"] == "openUpstream" for d in range(2, 21)), states
    assert all(states[f"2024-05-{d:02d}"] == "future" for d in range(21, 32)), states
    notes = js(drv, "return [...document.querySelectorAll('[data-testid=month-open]')].map(e => e.innerText)")
    assert notes == ["Not closed yet (18 days): monthly settlement: closes Saturday, 1 June 2024"], notes
    chip = js(drv, "return document.querySelector('[data-testid=cal-2024-05-07] .chip').title")
    assert chip == "monthly settlement: closes Saturday, 1 June 2024", chip
    screenshot(drv, f"41-month-open-en-{theme}")
    # The open days say their net is not final.
    net = js(drv, "return document.querySelector('[data-testid=cal-2024-05-07] .cal-figures .strong').innerText")
    assert net.startswith("Net so far"), net

    # June has not begun: nothing to sync, no zeros.
    js(drv, f"location.hash = '#/month/{LEDGER}/2024-06'")
    wait_for(drv, "document.querySelector('[data-testid=month-future]')", 20, "a month to come says so")
    assert js(drv, "return document.querySelector('[data-testid=sync]').hidden") is True
    assert js(drv, "return document.querySelector('[data-testid=month-totals]')") is None
    js(drv, f"location.hash = '#/month/{LEDGER}/2024-05'")
    wait_for(drv, "document.querySelector('[data-testid=month-totals]')", 20)

    js(drv, f"location.hash = '#/day/{LEDGER}/2024-05-20/funds'")
    wait_for(drv, "document.querySelector('[data-testid=day-open]') && !document.querySelector('[data-testid=day-open]').hidden", 20)
    assert text(drv, "day-open").startswith("Today so far"), text(drv, "day-open")
    assert js(drv, "return document.querySelector('h1').innerText").startswith("Today so far")
    screenshot(drv, f"42-today-so-far-en-{theme}")

    js(drv, "localStorage.setItem('avstem.lang', 'nb')")
    drv.refresh()
    wait_for(drv, "document.body.dataset.ready === 'true'")
    js(drv, f"location.hash = '#/month/{LEDGER}/{MONTH}'")
    wait_for(drv, "document.querySelectorAll('[data-testid=month-open]').length > 0", 30)
    notes = js(drv, "return [...document.querySelectorAll('[data-testid=month-open]')].map(e => e.innerText)")
    assert notes == ["Ikke lukket ennå (18 dager): månedlig oppgjør: lukkes lørdag 1. juni 2024"], notes
    screenshot(drv, f"43-month-open-nb-{theme}")
