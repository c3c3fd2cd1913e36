"""The pages in a real headless Chromium (Debian's, driven by Playwright; never ``playwright install``).

A real uvicorn server on a free loopback port serves ``create_app`` over the web demo. The test
clicks through gallery → persona → PDF download → comparison of two personas, takes screenshots
(under pytest's tmp_path), and checks that no page logs a console error or fails a request, that
text reads at 4.5:1 against its background, and that a phone-sized screen (390×844) needs no
horizontal scroll.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from personacraft.web.service import Service
from tests.browser import needs_chromium
from tests.web.loopback import chromium, serve

pytestmark = needs_chromium

# Playwright adds its own headless and logging switches
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

# Every text node's colour against the first opaque background behind it (WCAG contrast ratio).
CONTRAST_JS = """
() => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const background = (el) => { for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0.5) return c; }
    return {r: 255, g: 255, b: 255, a: 1}; };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || el.closest('svg') || el.closest('.sr-only, .skip')) continue;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none' || !el.getClientRects().length) continue;
    const fg = parse(s.color), bg = background(el);
    if (!fg) continue;
    const r = ratio(fg, bg);
    if (r < 4.5) out.push(`${r.toFixed(2)} ${s.color} on ${JSON.stringify(bg)}: ${n.textContent.trim().slice(0, 40)}`);
  }
  return out;
}
"""


@pytest.fixture(scope="module")
def server(service: Service) -> Iterator[str]:
    """A real uvicorn server on a free loopback port; yields its base URL."""
    yield from serve(service)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from chromium()


class Watch:
    """Console errors, uncaught errors, failed requests and error responses of a page."""

    def __init__(self, page: Any) -> None:
        self.problems: list[str] = []
        page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        page.on("response", lambda r: self.problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None)


def _open(page: Any, url: str) -> Any:
    """Go to ``url`` and wait until the network is idle (the icon too: a next navigation would abort it)."""
    return page.goto(url, wait_until="networkidle")


def _no_horizontal_scroll(page: Any) -> None:
    sizes = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert sizes[0] <= sizes[1], f"{page.url}: {sizes[0]} px wide on a {sizes[1]} px screen"


def test_click_through_gallery_persona_download_and_compare(
    server: str, browser: Any, service: Service, tmp_path: Path
) -> None:
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    watch = Watch(page)
    first, second = service.view.personas[0], service.view.personas[1]

    _open(page, server + "/")
    assert page.locator("li.tile").count() == len(service.view.personas)
    page.screenshot(path=str(tmp_path / "gallery.png"), full_page=True)

    page.get_by_role("link", name=first["story"]["name"]).click()
    page.wait_for_url(f"**/personas/{first['id']}")
    assert page.locator("h1").inner_text() == first["story"]["name"]
    assert page.locator("svg.funnel").count() == 1
    assert page.locator(".card-preview img").evaluate("img => img.complete && img.naturalWidth > 0")
    page.screenshot(path=str(tmp_path / "persona.png"), full_page=True)

    with page.expect_download() as info:
        page.locator(f'.downloads a[href="/personas/{first["id"]}/card.pdf"]').click()
    download = info.value
    assert download.suggested_filename.startswith(first["id"]) and download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes()[:4] == b"%PDF"

    _open(page, server + "/")
    page.locator(f'input[name="ids"][value="{first["id"]}"]').check()
    page.locator(f'input[name="ids"][value="{second["id"]}"]').check()
    page.get_by_role("button", name="Compare selected").click()
    page.wait_for_url(f"**/compare?ids={first['id']},{second['id']}")
    assert page.locator("table.compare thead th").count() == 2
    assert first["story"]["name"] in page.locator("table.compare thead").inner_text()
    page.screenshot(path=str(tmp_path / "compare.png"), full_page=True)

    for path in ("/icp", "/runs", "/alerts", "/health"):
        _open(page, server + path)
        page.screenshot(path=str(tmp_path / f"{path.strip('/')}.png"), full_page=True)
        assert page.evaluate(CONTRAST_JS) == [], path
    context.close()
    assert watch.problems == []
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "alerts.png",
        "compare.png",
        "gallery.png",
        "health.png",
        "icp.png",
        "persona.png",
        "runs.png",
    ]


def test_the_journeys_page_opens_from_the_nav_with_every_map(
    server: str, browser: Any, service: Service, tmp_path: Path
) -> None:
    """The journeys page: linked from the nav, one funnel for all customers and one per persona, no console error."""
    page = browser.new_page(viewport=DESKTOP)
    watch = Watch(page)
    _open(page, server + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Journeys").click()
    page.wait_for_url("**/journeys")
    page.wait_for_load_state("networkidle")
    assert page.locator("h2", has_text="All customers").count() == 1
    assert page.locator("svg.funnel").count() == 1 + len(service.view.personas)
    assert page.evaluate(CONTRAST_JS) == []
    page.screenshot(path=str(tmp_path / "journeys.png"), full_page=True)
    page.set_viewport_size(PHONE)
    _no_horizontal_scroll(page)
    page.close()
    assert watch.problems == []


def test_text_contrast_on_the_persona_pages(server: str, browser: Any, service: Service) -> None:
    page = browser.new_page(viewport=DESKTOP)
    watch = Watch(page)
    for path in ["/", "/compare", *(f"/personas/{p['id']}" for p in service.view.personas)]:
        _open(page, server + path)
        assert page.evaluate(CONTRAST_JS) == [], path
    page.close()
    assert watch.problems == []


def test_a_phone_screen_needs_no_horizontal_scroll(server: str, browser: Any, service: Service, tmp_path: Path) -> None:
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    watch = Watch(page)
    pid = service.view.personas[0]["id"]
    for name, path in [
        ("gallery", "/"),
        ("persona", f"/personas/{pid}"),
        ("compare", "/compare"),
        ("journeys", "/journeys"),
        ("icp", "/icp"),
        ("runs", "/runs"),
        ("alerts", "/alerts"),
        ("health", "/health"),
    ]:
        _open(page, server + path)
        _no_horizontal_scroll(page)
        page.screenshot(path=str(tmp_path / f"phone-{name}.png"), full_page=True)
    page.close()
    assert watch.problems == []
    assert len(list(tmp_path.glob("phone-*.png"))) == 8


def test_the_404_page_is_friendly_in_the_browser(server: str, browser: Any) -> None:
    page = browser.new_page(viewport=PHONE)
    response = _open(page, server + "/personas/nobody")
    assert response is not None and response.status == 404
    assert "We could not find that" in page.locator("h1").inner_text()
    _no_horizontal_scroll(page)
    page.get_by_role("link", name="Back to the personas").click()
    page.wait_for_url(server + "/")
    page.close()
