"""The MobilePay bank text format in the real window (issue 12): a Finnish ledger's bank part offers
the text its payouts carry in the bank (MobilePay's standard 02… text by default); a format with an
unknown placeholder is refused in a sentence and nothing is saved; a good one is saved in the cache
(the CLI reads it back) and can be reset. A Norwegian ledger has no such form: its bank text is
fixed. English and Bokmål, light; screenshots in target/e2e/.
"""
import json
import subprocess

from conftest import APP, screenshot, wait_for

LEDGER = "502001"  # Sauna Oy, EUR, monthly payouts with no reference
MONTH = "2025-03"


def js(drv, script, *args):
    return drv.execute_script(script, *args)


def bank_loaded(drv, ledger):
    wait_for(drv, f"(document.body.dataset.bankLoaded || '').startsWith('{ledger}|{MONTH}|')", 30,
             f"the bank part of {ledger} never loaded")


def cli_format(app_env):
    out = subprocess.run([str(APP), "bank", "text-format", "--profile", "demo", "--ledger", LEDGER, "--json"],
                         env=app_env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def save(drv, text):
    js(drv, "const i = document.querySelector('[data-testid=bank-text-format]'); i.value = arguments[0];", text)
    drv.find_element("css selector", '[data-testid="bank-text-format-save"]').click()


def test_a_finnish_ledgers_bank_text_format_is_checked_saved_and_reset(session, app_env):
    drv = session
    wait_for(drv, "document.body.dataset.ready === 'true'", message="the UI never became ready")
    js(drv, "localStorage.setItem('avstem.lang', 'en')")
    drv.refresh()
    wait_for(drv, "document.body.dataset.ready === 'true' && document.body.dataset.route === 'welcome'")
    drv.find_element("css selector", '[data-testid="try-demo"]').click()
    wait_for(drv, "document.querySelectorAll('[data-testid=ledger-row]').length > 0", 30, "no ledgers after the demo started")

    # Norway: no form, the text is fixed.
    js(drv, f"location.hash = '#/month/302321/{MONTH}'")
    bank_loaded(drv, "302321")
    assert js(drv, "return document.querySelector('[data-testid=bank-text-format-form]')") is None

    js(drv, f"location.hash = '#/month/{LEDGER}/{MONTH}'")
    bank_loaded(drv, LEDGER)
    wait_for(drv, "document.querySelector('[data-testid=bank-text-format]')", 15, "no text format form for a Finnish ledger")
    assert js(drv, "return document.querySelector('[data-testid=bank-text-format]').value") == "02{recipient:08}001{DD}{MM}{YY}{C}"
    assert "MobilePay's standard text" in js(drv, "return document.querySelector('[data-testid=bank-text-format-kind]').innerText")
    screenshot(drv, "50-bank-text-format-default-en")

    save(drv, "MP {order}")
    wait_for(drv, "document.querySelector('[data-testid=bank-text-format-message]').innerText.includes('{order}')", 15,
             "an unknown placeholder was not refused")
    assert "does not know" in js(drv, "return document.querySelector('[data-testid=bank-text-format-message]').innerText")
    screenshot(drv, "51-bank-text-format-refused-en")
    assert cli_format(app_env)["isDefault"] is True, "nothing saved"

    save(drv, "MobilePay {payout} {DD}.{MM}.{YYYY}")
    wait_for(drv, "(document.querySelector('[data-testid=bank-text-format-kind]') || {innerText: ''}).innerText.includes('your own format')", 15,
             "the format was not saved")
    saved = cli_format(app_env)
    assert saved["isDefault"] is False and saved["format"] == "MobilePay {payout} {DD}.{MM}.{YYYY}", saved

    js(drv, "const s = document.querySelector('[data-testid=lang-switch]'); s.value = 'nb'; s.dispatchEvent(new Event('change'));")
    wait_for(drv, "document.documentElement.lang === 'nb'", 10)
    bank_loaded(drv, LEDGER)
    wait_for(drv, "(document.querySelector('[data-testid=bank-text-format-kind]') || {innerText: ''}).innerText.includes('ditt eget format')", 15)
    assert "Banktekst for MobilePay-utbetalinger" in js(drv, "return document.querySelector('[data-testid=bank-text-format-form]').innerText")
    screenshot(drv, "52-bank-text-format-saved-nb")

    drv.find_element("css selector", '[data-testid="bank-text-format-reset"]').click()
    wait_for(drv, "(document.querySelector('[data-testid=bank-text-format-kind]') || {innerText: ''}).innerText.includes('MobilePays standardtekst')", 15,
             "reset did not go back to the standard")
    assert cli_format(app_env)["isDefault"] is True
