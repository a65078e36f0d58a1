"""No API keys (issue 19): the business portal's settlement report imported in the real window. The
welcome screen's "I sell with a Vippsnummer" card opens the file (the Open dialog is answered from
AVSTEM_TEST_OPEN_FILES under WebDriver) and goes straight to the imported month, whose figures are
the file's; the newer report with balances opens the same way; a file that is no settlement report
gets one sentence and the window stays where it was. English and Bokmål, light and dark;
screenshots in target/e2e/.
"""
import shutil
from pathlib import Path

import pytest

from conftest import screenshot, wait_for

FIXTURES = Path(__file__).resolve().parents[2] / "src-tauri" / "core" / "tests" / "fixtures" / "portal"


def js(drv, script, *args):
    return drv.execute_script(script, *args)


def report_path(data_dir) -> Path:
    return Path(data_dir) / "downloads" / "oppgjørsrapport.csv"


@pytest.fixture
def app_env(app_env, data_dir):
    """The Open dialog answers with the file each test puts in place before clicking."""
    report_path(data_dir).parent.mkdir(parents=True, exist_ok=True)
    app_env["AVSTEM_TEST_OPEN_FILES"] = str(report_path(data_dir))
    return app_env


@pytest.fixture
def session_dark(app_env, request):
    app_env["GTK_THEME"] = "Adwaita:dark"
    return request.getfixturevalue("session")


def welcome(drv, lang):
    wait_for(drv, "document.body.dataset.ready === 'true'", message="the UI never became ready")
    js(drv, "localStorage.setItem('avstem.lang', arguments[0])", lang)
    drv.refresh()
    wait_for(drv, "document.body.dataset.ready === 'true' && document.body.dataset.route === 'welcome'")
    wait_for(drv, "document.querySelector('[data-testid=portal-import]')", 10, "no import button on the welcome screen")


def import_file(drv, data_dir, fixture_name):
    shutil.copyfile(FIXTURES / fixture_name, report_path(data_dir))
    drv.find_element("css selector", '[data-testid="portal-import"]').click()


def month_of(drv, ledger, month):
    wait_for(drv, f"document.body.dataset.monthLoaded === '{ledger}|{month}'", 30, f"the month {ledger} {month} never opened")
    return js(drv, "return document.querySelector('[data-testid=month-totals]').innerText")


def test_a_portal_report_opens_its_month_with_the_files_figures(session, data_dir):
    drv = session
    welcome(drv, "en")
    import_file(drv, data_dir, "Vipps-oppgjørsrapport-16655-2018-09-23.xml")
    totals = month_of(drv, "portal-16655", "2018-09")
    # The real report of sales unit 16655: 100.00 sold, 2.25 in fees, 97.75 paid out.
    for figure in ("100.00", "2.25", "97.75"):
        assert figure in totals, (figure, totals)
    # The older report has no balances: the window says so instead of passing those checks.
    na = js(drv, "return document.querySelector('[data-testid=checks-not-available]').innerText")
    assert na.startswith("Not available from a portal file (the settlement report has no balances)"), na
    screenshot(drv, "75-portal-month-en")


def test_the_newer_report_with_balances_opens_in_norwegian_in_the_dark(session_dark, data_dir):
    drv = session_dark
    welcome(drv, "nb")
    import_file(drv, data_dir, "ledger-rows-2025-03-03.csv")
    totals = month_of(drv, "portal-123455", "2025-03")
    # 500,00 sold, 100,00 refunded, 7,50 in fees, 392,50 paid out.
    for figure in ("500,00", "100,00", "7,50", "392,50"):
        assert figure in totals, (figure, totals)
    assert js(drv, "return matchMedia('(prefers-color-scheme: dark)').matches") is True
    # Only 3 March is in the file; the rest is to import, not to sync (a keyless profile cannot).
    missing = js(drv, "return document.querySelector('[data-testid=month-missing]').innerText")
    assert "importert oppgjørsrapport" in missing and "Synkroniser" not in missing, missing
    # This report carries the balances: no check is left "not available".
    assert js(drv, "return document.querySelector('[data-testid=checks-not-available]')") is None
    screenshot(drv, "76-portal-balances-month-nb-dark")


def test_a_file_that_is_not_a_settlement_report_gets_one_sentence(session, data_dir):
    drv = session
    welcome(drv, "en")
    report_path(data_dir).write_text("Dato;Forklaring;Inn;Ut\n01.03.2024;Utb. 2000810 Vippsnr 117703;288,00;\n", encoding="utf-8")
    drv.find_element("css selector", '[data-testid="portal-import"]').click()
    wait_for(drv, "document.querySelector('[data-testid=portal-import-error]')", 20, "no sentence for a file that is not a report")
    text = js(drv, "return document.querySelector('[data-testid=portal-import-error]').innerText")
    assert "oppgjørsrapport.csv is not a settlement report from Vipps MobilePay" in text, text
    assert "Nothing was imported." in text, text
    assert js(drv, "return document.body.dataset.route") == "welcome"
    js(drv, "document.querySelector('[data-testid=portal-import-error]').scrollIntoView({block: 'center'})")
    screenshot(drv, "77-portal-not-a-report-en")

    # A path the Open dialog did not return is refused: a page cannot make Avstem read other files.
    answer = drv.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.__TAURI_INTERNALS__.invoke('import_portal_files', {paths: ['/etc/passwd'], options: null})"
        ".then(() => done('read'), e => done(JSON.stringify(e)));")
    assert "Avstem reads only settlement reports chosen with" in answer and "/etc/passwd was neither" in answer, answer
