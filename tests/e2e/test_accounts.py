"""How the month is posted, in the real window's export screen (issue 16): the accounts, the VAT
code of each kind of line and the voucher date, saved for one ledger or as the profile's defaults
for all its ledgers in that currency, and read back by the CLI from the same cache. A bad VAT code
is refused in a sentence and nothing is saved. English and Bokmål, light and dark; screenshots in
target/e2e/.
"""
import json
import subprocess

import pytest

from conftest import APP, screenshot, wait_for

MONTH = "2025-03"


def js(drv, script, *args):
    return drv.execute_script(script, *args)


def cli_accounts(app_env, ledger):
    out = subprocess.run([str(APP), "accounts", "--ledger", ledger, "--json"],
                         env=app_env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def start_demo(drv, lang):
    wait_for(drv, "document.body.dataset.ready === 'true'", message="the UI never became ready")
    js(drv, "localStorage.setItem('avstem.lang', arguments[0])", lang)
    drv.refresh()
    wait_for(drv, "document.body.dataset.ready === 'true' && document.body.dataset.route === 'welcome'")
    drv.find_element("css selector", '[data-testid="try-demo"]').click()
    wait_for(drv, "document.querySelectorAll('[data-testid=ledger-row]').length > 0", 30, "no ledgers after the demo started")


def open_export(drv, ledger, source_has):
    js(drv, f"location.hash = '#/export/{ledger}/{MONTH}'")
    wait_for(drv, "document.body.dataset.route === 'export'")
    wait_for(drv, f"(document.querySelector('[data-testid=accounts-source]') || {{textContent: ''}}).textContent.includes({json.dumps(source_has)})",
             20, f"the posting settings of {ledger} never said {source_has!r}")
    wait_for(drv, f"document.querySelector('[data-testid=account-bank]').value !== ''", 10)


def set_value(drv, testid, value):
    js(drv, "const i = document.querySelector(`[data-testid=${arguments[0]}]`); i.value = arguments[1];", testid, value)


def click(drv, testid):
    drv.find_element("css selector", f'[data-testid="{testid}"]').click()


def status(drv):
    return js(drv, "return document.querySelector('[data-testid=accounts-status]').innerText")


def scroll_to_panel(drv):
    js(drv, "document.querySelector('[data-testid=accounts]').scrollIntoView({block: 'start'})")


def test_posting_settings_are_saved_per_ledger_and_for_all_ledgers_of_a_currency(session, app_env):
    drv = session
    start_demo(drv, "en")
    open_export(drv, "302321", "Not saved yet")
    assert js(drv, "return document.querySelector('[data-testid=vat-fees]').value") == "0"
    assert js(drv, "return document.querySelector('[data-testid=voucher-date-ledger]').checked") is True
    assert "Norwegian standard chart of accounts (NS 4102)" in js(drv, "return document.querySelector('[data-testid=accounts-source]').textContent")
    assert js(drv, "return document.querySelector('[data-testid=accounts-forget]').hidden") is True
    scroll_to_panel(drv)
    screenshot(drv, "60-accounts-defaults-en")

    # A VAT code that cannot be one: refused in a sentence, nothing saved.
    set_value(drv, "vat-fees", "6;x")
    click(drv, "accounts-save")
    wait_for(drv, "document.querySelector('[data-testid=accounts-status]').innerText.includes('VAT code')", 10, "a bad VAT code was not refused")
    assert "The VAT code of the Fees line must be letters and digits" in status(drv), status(drv)
    scroll_to_panel(drv)
    screenshot(drv, "61-accounts-bad-vat-en")
    assert cli_accounts(app_env, "302321")["source"] == "chart", "nothing saved"

    # Fees outside the VAT act (6), bank-dated vouchers: saved for this ledger.
    set_value(drv, "vat-fees", " 6 ")
    click(drv, "voucher-date-bank")
    click(drv, "accounts-save")
    wait_for(drv, "document.querySelector('[data-testid=accounts-done]')", 10, "saving did not finish")
    assert "Saved for this shop" in status(drv)
    saved = cli_accounts(app_env, "302321")
    assert saved["source"] == "ledger", saved
    assert saved["accounts"]["vat"]["fees"] == "6" and saved["accounts"]["vat"]["bank"] == "0", saved
    assert saved["accounts"]["voucherDate"] == "bank", saved
    assert js(drv, "return document.querySelector('[data-testid=accounts-forget]').hidden") is False

    # Another NOK ledger: a clearing account saved for all NOK ledgers of the profile.
    open_export(drv, "302322", "Not saved yet")
    set_value(drv, "account-clearing", "1570")
    assert js(drv, "return document.querySelector('[data-testid=accounts-save-profile]').textContent") == "Save for all NOK shops"
    click(drv, "accounts-save-profile")
    wait_for(drv, "document.querySelector('[data-testid=accounts-done]')", 10, "saving the profile's defaults did not finish")
    assert "defaults for all NOK shops" in status(drv), status(drv)
    wait_for(drv, "document.querySelector('[data-testid=accounts-source]').textContent.includes('Your defaults for all NOK shops')", 10)
    other = cli_accounts(app_env, "302322")
    assert (other["source"], other["accounts"]["clearing"]) == ("profile", "1570"), other
    scroll_to_panel(drv)
    screenshot(drv, "62-accounts-profile-defaults-en")
    dk = cli_accounts(app_env, "402001")
    assert (dk["source"], dk["accounts"]["clearing"]) == ("chart", "6340"), "a DKK ledger keeps the Danish chart"

    # 302321 keeps its own settings until they are forgotten; then it follows the profile's.
    assert cli_accounts(app_env, "302321")["accounts"]["clearing"] == "1580"
    open_export(drv, "302321", "Saved for this shop")
    assert js(drv, "return document.querySelector('[data-testid=vat-fees]').value") == "6"
    assert js(drv, "return document.querySelector('[data-testid=voucher-date-bank]').checked") is True
    click(drv, "accounts-forget")
    wait_for(drv, "document.querySelector('[data-testid=accounts-source]').textContent.includes('Your defaults for all NOK shops')", 10,
             "forgetting did not go back to the profile's defaults")
    assert js(drv, "return document.querySelector('[data-testid=account-clearing]').value") == "1570"
    back = cli_accounts(app_env, "302321")
    assert (back["source"], back["accounts"]["clearing"], back["accounts"]["vat"]["fees"]) == ("profile", "1570", "0"), back

    # Bokmål: the same panel in Norwegian words.
    js(drv, "const s = document.querySelector('[data-testid=lang-switch]'); s.value = 'nb'; s.dispatchEvent(new Event('change'));")
    wait_for(drv, "document.documentElement.lang === 'nb'", 10)
    open_export(drv, "302321", "Dine standardvalg for alle NOK-butikker")
    text = js(drv, "return document.querySelector('[data-testid=accounts]').innerText")
    for words in ("Slik føres måneden", "Mva-kode", "Dato på hvert utbetalingsbilag", "Dagen den kom inn på konto"):
        assert words in text, words
    scroll_to_panel(drv)
    screenshot(drv, "63-accounts-nb")


@pytest.fixture
def session_dark(app_env, request):
    """The usual session, with GTK asked for its dark theme (WebKit maps it to prefers-color-scheme)."""
    app_env["GTK_THEME"] = "Adwaita:dark"
    return request.getfixturevalue("session")


def test_the_posting_settings_in_the_dark_in_norwegian(session_dark):
    drv = session_dark
    start_demo(drv, "nb")
    open_export(drv, "402001", "Ikke lagret ennå")
    assert js(drv, "return matchMedia('(prefers-color-scheme: dark)').matches") is True
    # Denmark: the Danish chart, and no VAT code.
    assert js(drv, "return document.querySelector('[data-testid=account-bank]').value") == "6480"
    assert js(drv, "return document.querySelector('[data-testid=vat-fees]').value") == ""
    assert "standardkontoplan" in js(drv, "return document.querySelector('[data-testid=accounts-source]').textContent")
    scroll_to_panel(drv)
    screenshot(drv, "64-accounts-dk-dark-nb")
