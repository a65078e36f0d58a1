"""The window comes back at the size the user left it (kept in the data directory)."""
import json
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions

from conftest import APP, wait_for


def test_the_window_remembers_its_size(session, app_env):
    drv = session
    wait_for(drv, "document.body.dataset.ready === 'true'")
    drv.set_window_size(1000, 700)
    saved = Path(app_env["AVSTEM_DATA_DIR"]) / "window.json"
    deadline = time.time() + 10
    while time.time() < deadline:
        if saved.exists() and json.loads(saved.read_text()) == {"width": 1000.0, "height": 700.0}:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"window size not saved: {saved.read_text() if saved.exists() else 'no file'}")
    drv.quit()

    # Start the app again: it opens at 1000 × 700, not the default 1200 × 780.
    opts = ArgOptions()
    opts.set_capability("browserName", "wry")
    opts.set_capability("tauri:options", {"application": str(APP)})
    again = webdriver.Remote(command_executor="http://127.0.0.1:4444", options=opts)
    try:
        wait_for(again, "document.body.dataset.ready === 'true'")
        size = again.get_window_size()
        assert (size["width"], size["height"]) == (1000, 700), size
    finally:
        again.quit()
