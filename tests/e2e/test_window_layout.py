"""Every screen at the default size (1280 × 800) and at the minimum (820 × 560), in every language
the window speaks (issue 14): nothing sticks out of the viewport unless it is inside a box that
scrolls, the page never scrolls sideways, the header fits (the links fold into a menu when narrow),
"paid to bank" is on screen without scrolling, and no calendar day cuts its figures off. One
screenshot per screen, size and language: target/e2e/9x-<size>-<lang>-<screen>.png.
"""
import pytest

from conftest import screenshot, wait_for

LEDGER = "302321"  # Fjordkaffe AS, daily payouts
MONTH = "2025-10"
SIZES = {"wide": (1280, 800), "small": (820, 560)}

# Everything that reaches past the viewport's edges and is not inside a box that scrolls or clips
# sideways: those are what a user would have to scroll the page sideways for, or never see.
OVERFLOW_JS = """
const W = document.documentElement.clientWidth;
const bad = [];
if (document.documentElement.scrollWidth > W + 1) bad.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + W);
for (const el of document.querySelectorAll('body *')) {
  if (el.closest('.skip, .sr-only, [hidden]')) continue;
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) continue;
  if (r.right <= W + 1 && r.left >= -1) continue;
  let p = el.parentElement, boxed = false;
  while (p && p !== document.body) {
    const o = getComputedStyle(p).overflowX;
    if (o === 'auto' || o === 'scroll') { boxed = true; break; }
    p = p.parentElement;
  }
  if (!boxed) bad.push(el.tagName.toLowerCase() + (el.dataset.testid ? '[' + el.dataset.testid + ']' : '') + '.' + el.className + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
}
// Figures cut by their own card, button or cell: a number runs past the box it sits in.
for (const el of document.querySelectorAll('.total .num, .total .label, button, .saved-figure dd')) {
  if (el.closest('[hidden]')) continue;
  const box = el.closest('.total, .saved-figure') || el;
  const r = el.getBoundingClientRect(), b = box.getBoundingClientRect();
  if (r.width === 0) continue;
  if (el.scrollWidth > el.clientWidth + 1 || r.right > b.right + 1) bad.push('cut: ' + el.tagName.toLowerCase() + (el.dataset.testid ? '[' + el.dataset.testid + ']' : '') + ' "' + el.textContent.slice(0, 30) + '"');
}
return bad.slice(0, 8);
"""

# Calendar days whose figures are cut off by the cell (it clips what does not fit).
CLIPPED_DAYS_JS = """
return [...document.querySelectorAll('.cal-link')]
  .filter(a => a.scrollWidth > a.clientWidth + 1)
  .map(a => a.dataset.testid + ' ' + a.scrollWidth + '>' + a.clientWidth).slice(0, 5);
"""


def js(drv, script, *args):
    return drv.execute_script(script, *args)


def go(drv, hash_, ready, what):
    # Forget what the last screen said it loaded, so `ready` waits for this one.
    js(drv, "for (const k of ['monthLoaded', 'bankLoaded', 'payoutLoaded', 'captureLoaded', 'clientsRefreshed', 'dayTotal']) delete document.body.dataset[k];")
    js(drv, f"location.hash = {hash_!r}")
    wait_for(drv, ready, 30, f"{what} did not load")


def check(drv, size, lang, name):
    bad = js(drv, OVERFLOW_JS)
    screenshot(drv, f"9{'0' if size == 'wide' else '5'}-{size}-{lang}-{name}")
    assert not bad, f"{name} at {size} in {lang}: {bad}"
    header = js(drv, "return document.querySelector('header.topbar').getBoundingClientRect().height")
    assert header < 80, f"the header takes {header}px on {name} at {size} in {lang}"


def set_lang(drv, lang):
    js(drv, "const s = document.querySelector('[data-testid=lang-switch]'); s.value = arguments[0]; s.dispatchEvent(new Event('change'));", lang)
    wait_for(drv, f"document.documentElement.lang === {lang!r} || document.documentElement.lang.startsWith({lang!r})", 10,
             f"the window did not switch to {lang}")


@pytest.mark.parametrize("size", list(SIZES))
def test_every_screen_fits_the_window(session, size):
    drv = session
    wait_for(drv, "document.body.dataset.ready === 'true'")
    js(drv, "localStorage.setItem('avstem.lang', 'en')")
    drv.refresh()
    wait_for(drv, "document.body.dataset.ready === 'true' && document.body.dataset.route === 'welcome'")
    drv.set_window_size(*SIZES[size])
    wait_for(drv, f"document.documentElement.clientWidth === {SIZES[size][0]}", 10,
             f"the window is not {SIZES[size][0]} wide: {js(drv, 'return document.documentElement.clientWidth')}")
    check(drv, size, "en", "welcome")

    drv.find_element("css selector", '[data-testid="try-demo"]').click()
    wait_for(drv, "document.querySelectorAll('[data-testid=ledger-row]').length > 0", 30, "no ledgers after the demo started")
    go(drv, f"#/month/{LEDGER}/{MONTH}", f"document.body.dataset.monthLoaded === '{LEDGER}|{MONTH}'", "the month")
    drv.find_element("css selector", '[data-testid="sync"]').click()
    wait_for(drv, "document.querySelector('[data-testid=sync-done]') || document.querySelector('[data-testid=error-message]')", 180, "the sync did not finish")
    assert not js(drv, "return document.querySelector('[data-testid=error-message]')"), "the sync failed"
    psp = js(drv, "return document.querySelector('[data-testid=payout-link]').dataset.psp")

    langs = js(drv, "return [...document.querySelectorAll('[data-testid=lang-switch] option')].map(o => o.value)")
    assert {"en", "nb"} <= set(langs), langs
    for lang in langs:
        set_lang(drv, lang)
        go(drv, "#/welcome", "document.body.dataset.route === 'welcome'", "welcome")
        check(drv, size, lang, "welcome")
        go(drv, f"#/clients/{MONTH}", f"document.body.dataset.clientsRefreshed === '{MONTH}'", "Clients")
        check(drv, size, lang, "clients")
        go(drv, "#/ledgers", "document.querySelectorAll('[data-testid=ledger-row]').length > 0", "the shops")
        check(drv, size, lang, "ledgers")

        go(drv, f"#/month/{LEDGER}/{MONTH}",
           f"document.body.dataset.monthLoaded === '{LEDGER}|{MONTH}' && document.body.dataset.bankLoaded && document.querySelector('[data-testid=total-payout]')",
           "the month")
        top = js(drv, "window.scrollTo(0, 0); const r = document.querySelector('[data-testid=total-payout]').getBoundingClientRect(); return [r.top, r.bottom, r.right]")
        assert top[1] <= SIZES[size][1] and top[2] <= SIZES[size][0], f"'paid to bank' is off screen at {size} in {lang}: {top}"
        clipped = js(drv, CLIPPED_DAYS_JS)
        assert not clipped, f"calendar days cut off at {size} in {lang}: {clipped}"
        check(drv, size, lang, "month")

        go(drv, f"#/day/{LEDGER}/{MONTH}-15", "Number(document.body.dataset.dayTotal) > 0 && document.querySelectorAll('[data-testid=entry-row]').length > 0", "the day")
        check(drv, size, lang, "day")
        go(drv, f"#/payout/{LEDGER}/{psp}", f"document.body.dataset.payoutLoaded === {psp!r}", "the payout")
        check(drv, size, lang, "payout")
        js(drv, "delete document.body.dataset.captureLoaded")
        js(drv, "document.querySelector('[data-testid=payout-captures] a').click()")
        wait_for(drv, "document.body.dataset.captureLoaded && document.querySelector('[data-testid=capture-summary]')", 20, "the sale")
        check(drv, size, lang, "capture")
        go(drv, "#/search?q=0", "document.querySelectorAll('[data-testid=search-hit]').length > 0", "search")
        check(drv, size, lang, "search")
        go(drv, f"#/export/{LEDGER}/{MONTH}", "document.body.dataset.route === 'export' && !!document.querySelector('[data-testid=export-go]')", "export")
        check(drv, size, lang, "export")
        go(drv, "#/keys", "document.body.dataset.route === 'keys'", "keys")
        check(drv, size, lang, "keys")
        go(drv, "#/about", "!!document.querySelector('[data-testid=about-data-dir]')", "about")
        check(drv, size, lang, "about")

    if size == "small":
        # The links are in the menu: closed, then open over the page, and a link closes it again.
        assert js(drv, "return getComputedStyle(document.querySelector('#main-nav')).display") == "none"
        drv.find_element("css selector", '[data-testid="nav-menu"]').click()
        wait_for(drv, "document.querySelector('#main-nav').classList.contains('open')")
        assert js(drv, "return document.querySelector('[data-testid=nav-menu]').getAttribute('aria-expanded')") == "true"
        bad = js(drv, OVERFLOW_JS)
        screenshot(drv, "95-small-menu-open")
        assert not bad, bad
        drv.find_element("css selector", '[data-testid="nav-search"]').click()
        wait_for(drv, "document.body.dataset.route === 'search' && !document.querySelector('#main-nav').classList.contains('open')")
    else:
        assert js(drv, "return getComputedStyle(document.querySelector('[data-testid=nav-menu]')).display") == "none"
