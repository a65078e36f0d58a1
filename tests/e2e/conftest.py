"""End-to-end harness: the real `avstem` binary in a real window, driven through tauri-driver.

Each test gets a fresh data directory (profiles, cache) and its own app process. Screenshots go to
target/e2e/. Run under Xvfb: scripts/test.sh does `xvfb-run ... pytest tests/e2e`.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions

ROOT = Path(__file__).resolve().parents[2]
# The app under test: the debug build by default; AVSTEM_E2E_APP picks another binary, e.g. the one the
# installed .deb put at /usr/bin/avstem (tests/package_deb.sh).
APP = Path(os.environ.get("AVSTEM_E2E_APP") or ROOT / "target" / "debug" / "avstem")
SHOTS = ROOT / "target" / "e2e"


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait_ports(ports, proc, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"tauri-driver exited with {proc.returncode}")
        if all(_port_open(p) for p in ports):
            return
        time.sleep(0.1)
    raise RuntimeError(f"tauri-driver did not open ports {ports} in {timeout} s")


@pytest.fixture
def data_dir():
    d = Path(tempfile.mkdtemp(prefix="avstem-e2e-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def app_env(data_dir):
    """The environment the app runs with; tests may add variables before starting the session."""
    env = dict(os.environ)
    xdg = data_dir / "xdg"
    for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"), ("XDG_CONFIG_HOME", "config")):
        (xdg / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(xdg / sub)
    env["AVSTEM_DATA_DIR"] = str(data_dir / "avstem")
    # The Save dialog cannot be driven under WebDriver: the app "answers" it with this folder.
    env["AVSTEM_TEST_SAVE_DIR"] = str(data_dir / "export")
    env.setdefault("LANG", "en_US.UTF-8")
    return env


@pytest.fixture
def session(app_env):
    """A WebDriver session on a freshly started app window."""
    assert APP.exists(), f"build the app first: {APP}"
    driver_bin = shutil.which("tauri-driver") or str(Path.home() / ".cargo" / "bin" / "tauri-driver")
    log = open(SHOTS / "tauri-driver.log", "ab") if SHOTS.exists() else subprocess.DEVNULL
    proc = subprocess.Popen([driver_bin], env=app_env, stdout=log, stderr=log)
    try:
        _wait_ports([4444, 4445], proc)
        opts = ArgOptions()
        opts.set_capability("browserName", "wry")
        opts.set_capability("tauri:options", {"application": str(APP)})
        drv = webdriver.Remote(command_executor="http://127.0.0.1:4444", options=opts)
        try:
            drv.set_window_size(1200, 780)
        except Exception:
            pass
        yield drv
        try:
            drv.quit()
        except Exception:
            pass
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_for(drv, js_condition: str, timeout: float = 15.0, message: str = ""):
    """Poll a JavaScript expression until it is truthy; returns its value."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = drv.execute_script(f"return ({js_condition});")
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(message or f"timed out waiting for: {js_condition} (last: {last!r})")


def screenshot(drv, name: str) -> Path:
    """Wait two animation frames so the last render is on screen, then save target/e2e/<name>.png."""
    drv.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "requestAnimationFrame(() => requestAnimationFrame(() => done(true)));"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    drv.save_screenshot(str(path))
    return path
