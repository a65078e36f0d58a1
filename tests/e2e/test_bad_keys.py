"""Wrong keys against the simulator give one plain sentence and what to do next — never a stack
trace — and the app stays usable: the right keys then connect, and the demo ledgers still open.

Saving needs a Secret Service (scripts/test.sh runs the suite with an unlocked gnome-keyring).
The simulator here is the real one the app starts in-process for the demo (on a loopback port); the
test finds that port from /proc and types it into the form's "Advanced → Server address" field, as
someone testing against a staging server would.
"""
import os
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from conftest import screenshot, wait_for


def js(drv, script):
    return drv.execute_script(script)


def loopback_listen_ports_of_app(data_dir: Path) -> list[int]:
    """Ports the app process (recognised by its AVSTEM_DATA_DIR) listens on at 127.0.0.1."""
    want = f"AVSTEM_DATA_DIR={data_dir / 'avstem'}".encode()
    inodes = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() != "avstem":
                continue
            if want not in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                continue
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    inodes.add(link[8:-1])
        except OSError:
            continue
    ports = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        cols = line.split()
        local, state, inode = cols[1], cols[3], cols[9]
        addr, port = local.split(":")
        if state == "0A" and addr == "0100007F" and inode in inodes:
            ports.append(int(port, 16))
    return ports


def speaks_http(port: int) -> bool:
    """The app also holds WebKit's automation socket; only the simulator answers HTTP."""
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
        return True
    except urllib.error.HTTPError:
        return True
    except Exception:
        return False


NAME = "Kafé Test AS"


def fill(drv, testid, text):
    el = drv.find_element("css selector", f'[data-testid="{testid}"]')
    el.clear()
    el.send_keys(text)


def test_wrong_keys_say_so_in_plain_words_and_the_app_stays_usable(session, data_dir):
    drv = session
    wait_for(drv, "document.body.dataset.ready === 'true'")
    js(drv, "localStorage.setItem('avstem.lang', 'en')")
    drv.refresh()
    wait_for(drv, "document.body.dataset.ready === 'true' && document.body.dataset.route === 'welcome'")
    drv.find_element("css selector", '[data-testid="try-demo"]').click()
    wait_for(drv, "document.querySelectorAll('[data-testid=ledger-row]').length > 0", 30)
    ports = [p for p in loopback_listen_ports_of_app(Path(data_dir)) if speaks_http(p)]
    assert len(ports) == 1, f"expected the demo simulator's one HTTP port, found {ports}"
    server = f"http://127.0.0.1:{ports[0]}"

    js(drv, "location.hash = '#/keys'")
    wait_for(drv, "document.body.dataset.route === 'keys'")
    # Secrets are masked until the user asks to see them.
    assert js(drv, "return document.querySelector('[data-testid=keys-clientSecret]').type") == "password"
    assert js(drv, "return document.querySelector('[data-testid=keys-subscriptionKey]').type") == "password"
    # A missing field is said on the field itself, which gets the focus.
    drv.find_element("css selector", '[data-testid="test-connection"]').click()
    wait_for(drv, "!document.querySelector('[data-testid=keys-name-error]').hidden", 10, "no message on the empty name field")
    assert js(drv, "return document.querySelector('[data-testid=keys-name-error]').innerText") == "Please fill in Name for this profile."
    assert js(drv, "return document.activeElement.dataset.testid") == "keys-name"
    assert js(drv, "return document.querySelector('[data-testid=keys-name]').getAttribute('aria-invalid')") == "true"
    assert not js(drv, "return document.querySelector('[data-testid=error]')"), "the field's problem is not a box at the bottom"
    # A profile's name is any text a person gives it.
    fill(drv, "keys-name", NAME)
    assert js(drv, "return document.querySelector('[data-testid=keys-name-error]').hidden"), "typing clears the message"
    fill(drv, "keys-clientId", "demo-merchant")
    fill(drv, "keys-clientSecret", "not-the-secret")
    fill(drv, "keys-subscriptionKey", "not-the-key")
    js(drv, "document.querySelector('details.advanced').open = true")
    fill(drv, "keys-baseUrl", server)
    drv.find_element("css selector", '[data-testid="test-connection"]').click()
    wait_for(drv, "document.querySelector('[data-testid=error]')", 30, "no error for wrong keys")
    kind = js(drv, "return document.querySelector('[data-testid=error]').dataset.kind")
    message = js(drv, "return document.querySelector('[data-testid=error]').innerText")
    assert kind == "keys-rejected", (kind, message)
    assert "keys were rejected" in message, message
    assert "client ID" in message  # what to do next
    for leak in ("not-the-secret", "not-the-key", "panicked", "src/", ".rs:", "RUST_BACKTRACE"):
        assert leak not in message, f"{leak!r} leaked into: {message}"
    screenshot(drv, "21-bad-keys")

    # Still usable: the right keys connect without a restart…
    fill(drv, "keys-clientSecret", "demo-merchant-secret")
    fill(drv, "keys-subscriptionKey", "demo-subscription-key")
    drv.find_element("css selector", '[data-testid="test-connection"]').click()
    wait_for(drv, "document.querySelector('[data-testid=keys-ok]')", 30, "the right keys did not connect")
    assert "Connected" in js(drv, "return document.querySelector('[data-testid=keys-ok]').innerText")
    screenshot(drv, "22-keys-ok")

    # …and saving them (secrets into the OS keyring) makes a second profile with its ledgers.
    drv.find_element("css selector", '[data-testid="save-profile"]').click()
    wait_for(drv, "document.body.dataset.route === 'ledgers' || document.querySelector('[data-testid=error]')", 30)
    err = js(drv, "return (document.querySelector('[data-testid=error]')||{}).innerText")
    assert not err, err
    wait_for(drv, "document.querySelectorAll('[data-testid=ledger-row]').length > 0", 20)
    profiles = js(drv, "return [...document.querySelectorAll('[data-testid=profile-switcher] option')].map(o => o.value)")
    assert sorted(profiles) == sorted(["demo", NAME]), profiles
    assert js(drv, "return document.querySelector('[data-testid=profile-switcher]').value") == NAME
    assert js(drv, "return document.querySelector('[data-testid=demo-banner]').hidden"), "real keys: no demo banner"
    screenshot(drv, "25-own-profile-ledgers")

    # Switching back to the demo brings its banner and ledgers back.
    js(drv, "const s = document.querySelector('[data-testid=profile-switcher]'); s.value = 'demo'; s.dispatchEvent(new Event('change'));")
    wait_for(drv, "!document.querySelector('[data-testid=demo-banner]').hidden && document.querySelectorAll('[data-testid=ledger-row]').length > 0", 20)

    # The saved profile's secrets are in the keyring; removing the profile in the UI deletes them.
    # Entries are <the data folder's id>/<profile>/<kind>, so profiles of two data folders never collide.
    folder_id = (Path(data_dir) / "avstem" / "folder-id").read_text().strip()

    def lookup(kind):
        out = subprocess.run(
            ["secret-tool", "lookup", "service", "avstem", "username", f"{folder_id}/{NAME}/{kind}"],
            capture_output=True, text=True,
        )
        return out.stdout.strip() if out.returncode == 0 else None

    assert lookup("client_secret") == "demo-merchant-secret"
    assert lookup("subscription_key") == "demo-subscription-key"
    js(drv, "location.hash = '#/keys'")
    wait_for(drv, f"document.querySelector('[data-testid=\"remove-{NAME}\"]')", 20, "no Remove button for the saved profile")
    page = js(drv, "return document.body.innerText")
    assert "demo-merchant-secret" not in page and "demo-subscription-key" not in page, "a secret came back to the UI"
    drv.find_element("css selector", f'[data-testid="remove-{NAME}"]').click()
    drv.find_element("css selector", f'[data-testid="remove-{NAME}"]').click()
    wait_for(drv, f"!document.querySelector('[data-testid=\"remove-{NAME}\"]')", 20, "the profile was not removed")
    assert lookup("client_secret") is None and lookup("subscription_key") is None, "keyring entries left behind"
    profiles = js(drv, "return [...document.querySelectorAll('[data-testid=profile-switcher] option')].map(o => o.value)")
    assert profiles == ["demo"], profiles

    # "Forget personal data" on the same screen erases names from the cache after a second click.
    drv.find_element("css selector", '[data-testid="forget-personal-data"]').click()
    drv.find_element("css selector", '[data-testid="forget-personal-data"]').click()
    wait_for(drv, "document.querySelector('[data-testid=forget-status] .ok')", 20, "no answer from Forget personal data")
    said = js(drv, "return document.querySelector('[data-testid=forget-status]').innerText")
    assert "erased from" in said or "slettet fra" in said, said
