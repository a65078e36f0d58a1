"""The accountant's Clients screen (issue 18), in the real window against the built-in simulator: the
demo partner's nine client shops for one month, a client renamed (and the name kept after a
reload), search and "needs attention", three clients selected → Sync with one progress view, then
Export of the same three into a folder: one workbook each plus the overview, every file read back
by openpyxl. Both languages are looked at.

The folder is chosen with the native dialog, which Rust opens; under WebDriver the app answers it
from AVSTEM_TEST_SAVE_DIR (conftest).
"""
from pathlib import Path

import openpyxl
from selenium.webdriver.common.keys import Keys

from conftest import screenshot, wait_for

MONTH = "2025-10"
CHOSEN = ["302321", "402002", "502001"]


def js(drv, script, *args):
    return drv.execute_script(script, *args)


def click(drv, testid):
    el = drv.find_element("css selector", f'[data-testid="{testid}"]')
    el.click()
    return el


def rows(drv):
    return js(drv, "return [...document.querySelectorAll('[data-testid=client-row]')].map(r => r.dataset.ledger)")


def test_clients_overview_rename_sync_and_export_many(session, data_dir, app_env):
    drv = session
    wait_for(drv, "document.body.dataset.ready === 'true'", message="the UI never became ready")
    js(drv, "localStorage.setItem('avstem.lang', 'en')")
    drv.refresh()
    wait_for(drv, "document.body.dataset.ready === 'true' && document.body.dataset.route === 'welcome'")
    click(drv, "try-demo")
    wait_for(drv, "document.querySelectorAll('[data-testid=ledger-row]').length > 0", 30, "no ledgers after the demo started")

    # With accounting keys the first screen is the Clients overview (the start address).
    js(drv, "location.hash = ''")
    wait_for(drv, "document.body.dataset.route === 'clients'", 15, "the accountant does not start on Clients")
    js(drv, f"location.hash = '#/clients/{MONTH}'")
    wait_for(drv, f"document.body.dataset.clientsRefreshed === '{MONTH}' && document.querySelectorAll('[data-testid=client-row]').length === 9", 30)
    first = rows(drv)
    assert len(first) == 9 and all(c in first for c in CHOSEN), first
    # Nothing fetched yet: every client says "Not synced" and so needs attention.
    chips = js(drv, "return [...document.querySelectorAll('[data-testid=client-row]')].map(r => [...r.querySelectorAll('[data-chip]')].map(c => c.dataset.chip).join(','))")
    assert all("notSynced" in c for c in chips), chips
    screenshot(drv, "80-clients-before-sync")

    # Rename a client: saved in the cache, shown after a reload.
    click(drv, "rename-302321")
    box = drv.find_element("css selector", '[data-testid="name-input-302321"]')
    # The editor starts with the name selected: typing replaces it (WebDriver's clear() would blur it).
    box.send_keys("Fjordkaffe Sentrum (kunde 17)" + Keys.ENTER)
    try:
        wait_for(drv, "(document.querySelector('[data-testid=client-302321]')||{}).innerText === 'Fjordkaffe Sentrum (kunde 17)'", 10)
    except AssertionError:
        screenshot(drv, "80-debug")
        raise AssertionError(js(drv, "return document.querySelector('[data-ledger=\"302321\"]').innerText"))
    drv.refresh()
    wait_for(drv, f"document.body.dataset.clientsRefreshed === '{MONTH}'", 30)
    wait_for(drv, "(document.querySelector('[data-testid=client-302321]')||{}).innerText === 'Fjordkaffe Sentrum (kunde 17)'", 30, "the name was not kept")

    # Search by the new name, by organisation number; then clear.
    search = drv.find_element("css selector", '[data-testid="clients-search"]')
    search.send_keys("kunde 17")
    wait_for(drv, "document.querySelectorAll('[data-testid=client-row]').length === 1")
    assert rows(drv) == ["302321"]
    search.clear()
    search.send_keys(" ")
    wait_for(drv, "document.querySelectorAll('[data-testid=client-row]').length === 9")

    # Select three and Sync: one progress view, each client done.
    for c in CHOSEN:
        click(drv, f"select-{c}")
    assert "3" in js(drv, "return document.querySelector('[data-testid=clients-sync]').innerText")
    click(drv, "clients-sync")
    wait_for(drv, "!document.querySelector('[data-testid=clients-job]').hidden", 10)
    wait_for(drv, "document.querySelectorAll('[data-testid=job-row][data-state=done]').length === 3", 120, "the three clients did not sync")
    job = js(drv, "return [...document.querySelectorAll('[data-testid=job-row]')].map(r => [r.dataset.ledger, r.dataset.state])")
    assert sorted(job) == sorted([[c, "done"] for c in CHOSEN]), job
    assert "3 done, 0 failed" in js(drv, "return document.querySelector('[data-testid=clients-progress-text]').innerText")
    # The rows now say Synced for those three (the overview is read again from the cache).
    wait_for(drv, "['302321','402002','502001'].every(id => !!document.querySelector(`[data-ledger='${id}'] [data-chip=synced]`))", 30)
    sales = js(drv, "return Object.fromEntries(['302321','402002','502001'].map(id => [id, Number(document.querySelector(`[data-testid=client-row][data-ledger='${id}'] td.num span`).dataset.minor)]))")
    assert all(v > 0 for v in sales.values()), sales
    screenshot(drv, "81-clients-synced")

    # Needs attention: the six not synced remain, the three synced are hidden.
    attention = js(drv, "return [...document.querySelectorAll('[data-testid=client-row]')].filter(r => r.querySelector('.chip.attention')).map(r => r.dataset.ledger)")
    chosen_chips = js(drv, "return ['302321','402002','502001'].map(id => [...document.querySelectorAll(`[data-ledger='${id}'] [data-chip]`)].map(c => c.dataset.chip).join(','))")
    assert len(attention) >= 6, (attention, chosen_chips)
    click(drv, "clients-attention")
    wait_for(drv, f"document.querySelectorAll('[data-testid=client-row]').length === {len(attention)}")
    assert sorted(rows(drv)) == sorted(attention)
    print("chips of the synced three:", chosen_chips)
    click(drv, "clients-attention")
    wait_for(drv, "document.querySelectorAll('[data-testid=client-row]').length === 9")

    # Export the three into the chosen folder: one workbook each and the overview.
    click(drv, "clients-export")
    wait_for(drv, "document.querySelectorAll('[data-testid=job-row][data-state=done]').length === 3 && (document.querySelector('[data-testid=clients-progress-text]')||{}).innerText.startsWith('Export finished')", 120, "the export did not finish")
    screenshot(drv, "82-clients-exported")
    folder = Path(app_env["AVSTEM_TEST_SAVE_DIR"])
    files = sorted(p.name for p in folder.iterdir())
    assert f"overview-{MONTH}.xlsx" in files, files
    books = [f for f in files if f != f"overview-{MONTH}.xlsx"]
    assert len(books) == 3, files
    assert any(f.startswith("Fjordkaffe-Sentrum-kunde-17-302321-") for f in books), books
    overview = openpyxl.load_workbook(folder / f"overview-{MONTH}.xlsx", read_only=True)["Overview"]
    by_ledger = {r[1]: r for r in overview.iter_rows(min_row=4, values_only=True) if r[1]}
    assert sorted(by_ledger) == sorted(CHOSEN), by_ledger
    for c in CHOSEN:
        # The overview's sales (kroner) are the screen's (øre).
        assert round(by_ledger[c][5] * 100) == sales[c], (c, by_ledger[c][5], sales[c])
    for f in books:
        openpyxl.load_workbook(folder / f, read_only=True)

    # Bokmål: the same screen in Norwegian.
    js(drv, "document.querySelector('[data-testid=lang-switch]').value = 'nb'; document.querySelector('[data-testid=lang-switch]').dispatchEvent(new Event('change'))")
    wait_for(drv, "document.querySelector('h1').innerText.startsWith('Klienter')", 10)
    wait_for(drv, "document.querySelectorAll('[data-testid=client-row]').length === 9", 30)
    screenshot(drv, "83-clients-nb")
