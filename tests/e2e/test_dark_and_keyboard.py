"""Dark mode follows the system (here GTK's dark theme), and the month-end path works from the
keyboard alone: Tab to a control, Enter to use it, with a visible focus ring."""
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from conftest import screenshot, wait_for

LEDGER = "302321"


def js(drv, script):
    return drv.execute_script(script)


def tab_to(drv, testid, limit=40):
    """Press Tab until the element with `testid` has focus; returns how many presses it took."""
    for n in range(1, limit + 1):
        ActionChains(drv).send_keys(Keys.TAB).perform()
        if js(drv, "return document.activeElement && document.activeElement.dataset.testid") == testid:
            return n
    raise AssertionError(f"{testid} never got focus by Tab")


def test_dark_mode_and_keyboard_only(session_dark):
    drv = session_dark
    wait_for(drv, "document.body.dataset.ready === 'true'")
    js(drv, "localStorage.setItem('avstem.lang', 'en')")
    drv.refresh()
    wait_for(drv, "document.body.dataset.ready === 'true' && document.body.dataset.route === 'welcome'")
    assert js(drv, "return matchMedia('(prefers-color-scheme: dark)').matches"), "the system is dark"
    bg = js(drv, "return getComputedStyle(document.body).backgroundColor")
    assert bg == "rgb(27, 27, 29)", bg

    tab_to(drv, "try-demo")
    outline = js(drv, "return getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", f"focus must be visible, outline is {outline}"
    ActionChains(drv).send_keys(Keys.ENTER).perform()
    wait_for(drv, "document.querySelectorAll('[data-testid=ledger-row]').length > 0", 30)

    tab_to(drv, f"ledger-{LEDGER}")
    ActionChains(drv).send_keys(Keys.ENTER).perform()
    wait_for(drv, f"(document.body.dataset.monthLoaded || '').startsWith('{LEDGER}|')", 20)
    tab_to(drv, "sync")
    ActionChains(drv).send_keys(Keys.ENTER).perform()
    wait_for(drv, "document.querySelector('[data-testid=sync-done]')", 120)
    wait_for(drv, "!document.querySelector('[data-testid=month-missing]')", 30)
    screenshot(drv, "24-month-dark")


import pytest  # noqa: E402


@pytest.fixture
def session_dark(app_env, request):
    """The usual session, with GTK asked for its dark theme (WebKit maps it to prefers-color-scheme)."""
    app_env["GTK_THEME"] = "Adwaita:dark"
    return request.getfixturevalue("session")
