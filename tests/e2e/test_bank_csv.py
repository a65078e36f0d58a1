"""The CSV step of the bank import in the real window: the online bank's CSV export (written by the
simulator's bank for the synced demo month) is read, Avstem shows how it will read the columns for the
user to confirm, and after "Import" every payout of the month is in the bank. The second time, the
columns are the ones kept for the account. Screenshot target/e2e/47-bank-csv.png.
"""
import subprocess
from pathlib import Path

import pytest

from conftest import APP, screenshot, wait_for
from test_bank import LEDGER, MONTH, check_month, js, month_loaded


def csv_path(data_dir) -> Path:
    return Path(data_dir) / "statements" / "oktober.csv"


@pytest.fixture
def app_env(app_env, data_dir):
    csv_path(data_dir).parent.mkdir(parents=True, exist_ok=True)
    app_env["AVSTEM_TEST_OPEN_FILES"] = str(csv_path(data_dir))
    return app_env


def test_a_csv_export_is_confirmed_then_imported(session, app_env, data_dir):
    drv = session
    wait_for(drv, "document.body.dataset.ready === 'true'")
    js(drv, "localStorage.setItem('avstem.lang', 'en')")
    drv.refresh()
    wait_for(drv, "document.body.dataset.ready === 'true' && document.body.dataset.route === 'welcome'")
    drv.find_element("css selector", '[data-testid="try-demo"]').click()
    wait_for(drv, "document.querySelectorAll('[data-testid=ledger-row]').length > 0", 30)
    js(drv, f"location.hash = '#/month/{LEDGER}/{MONTH}'")
    month_loaded(drv)
    drv.find_element("css selector", '[data-testid="sync"]').click()
    wait_for(drv, "document.querySelector('[data-testid=sync-done]')", 120)
    wait_for(drv, "document.querySelectorAll('[data-testid=bank-row]').length >= 28", 30)
    out = subprocess.run([str(APP), "bank", "sim-statement", "--profile", "demo", "--ledger", LEDGER, "--month", MONTH,
                          "--format", "csv", "--foreign", "3", "--out", str(csv_path(data_dir))],
                         env=app_env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = len(csv_path(data_dir).read_text().splitlines()) - 1

    drv.find_element("css selector", '[data-testid="bank-import-button"]').click()
    wait_for(drv, "document.querySelector('[data-testid=csv-confirm]') && document.querySelector('[data-testid=csv-sample]')", 30,
             "the CSV's columns are shown for confirmation")
    summary = js(drv, "return document.querySelector('[data-testid=csv-summary]').innerText")
    assert summary == "semicolon · decimal comma (1 234,50) · dates like 31.12.2026 · guessed from the file", summary
    picked = js(drv, "const v = id => document.querySelector(`[data-testid=${id}]`).value;"
                     "return {date: v('csv-date-column'), text: v('csv-text-column'), amount: v('csv-amount-column'),"
                     " credit: v('csv-credit-column'), debit: v('csv-debit-column')}")
    # Dato;Forklaring;Rentedato;Ut fra konto;Inn på konto
    assert picked == {"date": "0", "text": "1", "amount": "", "credit": "4", "debit": "3"}, picked
    sample = js(drv, "return [...document.querySelectorAll('[data-testid=csv-sample] tbody tr')].map(r => Number(r.querySelector('.num').dataset.minor))")
    assert len(sample) == 8 and all(m != 0 for m in sample), sample
    js(drv, "document.querySelector('[data-testid=csv-confirm]').scrollIntoView({block: 'start'})")
    screenshot(drv, "47-bank-csv")
    drv.find_element("css selector", '[data-testid="csv-import"]').click()
    wait_for(drv, "document.querySelector('[data-testid=bank-report]')", 30)
    added = js(drv, "return document.querySelector('[data-testid=bank-report]').dataset.added")
    assert int(added) == lines, (added, lines)
    wait_for(drv, "document.querySelector('[data-testid=bank-summary]') && document.querySelector('[data-testid=bank-summary]').dataset.all === 'true'", 20)
    check_month(drv, "in the bank")

    # The second time the columns are the ones kept for the account.
    drv.find_element("css selector", '[data-testid="bank-import-button"]').click()
    wait_for(drv, "document.querySelector('[data-testid=csv-summary]')", 30)
    assert js(drv, "return document.querySelector('[data-testid=csv-summary]').innerText").endswith("as last time for this account")
    drv.find_element("css selector", '[data-testid="csv-import"]').click()
    wait_for(drv, "document.querySelector('[data-testid=bank-report]')", 30)
    assert js(drv, "return document.querySelector('[data-testid=bank-report]').dataset.added") == "0"
