"""The window opens, renders the Avstem page, and a Rust command round-trips from the UI."""
from conftest import screenshot, wait_for


def test_the_window_renders_avstem_and_talks_to_rust(session):
    wait_for(session, "document.body && document.body.dataset.ready === 'true'", message="the UI never became ready")
    assert session.title == "Avstem"
    text = session.execute_script("return document.body.innerText")
    assert "Avstem" in text
    # The version on the page comes from the `app_info` Rust command: a real IPC round trip.
    info = session.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.__TAURI_INTERNALS__.invoke('app_info').then(done, e => done({error: String(e)}));"
    )
    assert info.get("name") == "Avstem", info
    assert info.get("version") == "0.1.0", info
    shot = screenshot(session, "01-start")
    assert shot.stat().st_size > 5000
