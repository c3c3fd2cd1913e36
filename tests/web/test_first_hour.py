"""The first hour as a marketer sees it, in a real headless Chromium, on both demos (retail and SaaS).

On the persona page at 1400×900 the "At a glance" band with its actions is above the fold; no page
(report, gallery, persona pages, comparison; the journeys page's header cells) shows
``personas.json``, a label cut with "…", or "Unknown" in a header cell; a persona has the same name
in the report, the app, its card and the CRM export; and at 390 px wide no text overlaps other text.
"""

from __future__ import annotations

import csv
import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from personacraft.config import load_config
from personacraft.personas.identity import badge
from personacraft.web.service import Service
from tests.browser import needs_chromium
from tests.web.loopback import chromium, serve

pytestmark = [needs_chromium, pytest.mark.slow]

DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}

# Text that overlaps other text: the boxes of every visible text node (a Range's client rects, so a
# line's own box, not its element's), cut to what their clipping ancestors (overflow, clip: a
# scrolled table, a visually hidden header) let show, compared pairwise; overlaps of tol px or less
# do not count.
OVERLAP_JS = r"""
(tol) => {
  const clipOf = (el) => {  // the visible window of el's text: the intersection of its clipping ancestors
    let box = {l: -Infinity, t: -Infinity, r: Infinity, b: Infinity};
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.overflowX !== 'visible' || s.overflowY !== 'visible' || (s.clip && s.clip !== 'auto')) {
        const r = e.getBoundingClientRect();
        let c = {l: r.left, t: r.top, r: r.right, b: r.bottom};
        if (s.clip && /rect\(0px,? 0px,? 0px,? 0px\)/.test(s.clip)) c = {l: 0, t: 0, r: 0, b: 0};
        box = {l: Math.max(box.l, c.l), t: Math.max(box.t, c.t), r: Math.min(box.r, c.r), b: Math.min(box.b, c.b)};
      }
    }
    return box;
  };
  const boxes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(), i = 0; n; n = walker.nextNode(), i++) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || el.closest('svg, textarea, .sr-only, .skip, script, style')) continue;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none' || s.opacity === '0') continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    const clip = clipOf(el);
    for (const q of range.getClientRects()) {
      const r = {l: Math.max(q.left, clip.l), t: Math.max(q.top, clip.t), r: Math.min(q.right, clip.r),
                 b: Math.min(q.bottom, clip.b)};
      if (r.r - r.l < 1 || r.b - r.t < 1) continue;  // empty, or clipped away
      boxes.push({i, l: r.l + scrollX, t: r.t + scrollY, r: r.r + scrollX, b: r.b + scrollY,
                  text: n.textContent.trim().slice(0, 40)});
    }
  }
  boxes.sort((a, b) => a.t - b.t);
  const out = [];
  for (let a = 0; a < boxes.length; a++) {
    for (let b = a + 1; b < boxes.length && boxes[b].t < boxes[a].b - tol; b++) {
      const x = boxes[a], y = boxes[b];
      if (x.i === y.i) continue;
      const w = Math.min(x.r, y.r) - Math.max(x.l, y.l), h = Math.min(x.b, y.b) - Math.max(x.t, y.t);
      if (w > tol && h > tol) out.push(`${JSON.stringify(x.text)} overlaps ${JSON.stringify(y.text)}`);
    }
  }
  return out;
}
"""

# What no page may show: the file name personas.json, a label cut with "…", "Unknown" in a header cell
WORDING_JS = """
(headersOnly) => {
  const out = [];
  const visible = (el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden';
  if (!headersOnly && document.body.innerText.includes('personas.json')) out.push('shows personas.json');
  for (const th of document.querySelectorAll('th')) {
    if (visible(th) && /^unknown\\b/i.test(th.innerText.trim())) out.push(`header cell: ${th.innerText.trim()}`);
  }
  const labels = headersOnly ? 'th' : 'th, td, li, dt, dd, h1, h2, h3, h4, b, strong, label, .label, .chip, a, summary';
  for (const el of document.querySelectorAll(labels)) {
    const t = el.innerText ? el.innerText.trim() : '';
    if (visible(el) && (t.endsWith('…') || t.endsWith('...'))) out.push(`cut label: ${t.slice(-60)}`);
  }
  return out;
}
"""


@pytest.fixture(scope="module", params=["retail", "saas"])
def demo(request: pytest.FixtureRequest) -> Iterator[tuple[str, Service, str]]:
    """(kind, service, base URL) over the retail web demo and the SaaS demo of tests/conftest.py."""
    if request.param == "retail":
        service = request.getfixturevalue("service")
    else:
        root, _ = request.getfixturevalue("saas_demo")
        service = Service(load_config(root / "personacraft.toml"))
    for url in serve(service):
        yield request.param, service, url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from chromium()


def _open(page: Any, url: str) -> None:
    page.goto(url, wait_until="networkidle")


def _report(service: Service) -> Path:
    return service.view.run_dir / "report" / "index.html"


def test_the_glance_band_with_actions_is_above_the_fold(demo: tuple[str, Service, str], browser: Any, tmp_path: Path):
    kind, service, url = demo
    page = browser.new_page(viewport=DESKTOP)
    for persona in service.view.personas:
        _open(page, f"{url}/personas/{persona['id']}")
        band = page.locator("section.glance")
        assert band.count() == 1
        box = band.bounding_box()
        assert box is not None and box["y"] + box["height"] <= DESKTOP["height"], (kind, persona["id"], box)
        actions = band.locator(".actions")
        assert actions.locator("li").count() >= 1 or "export" in actions.inner_text(), (kind, persona["id"])
        assert band.locator("h3", has_text="What to do").count() == 1
    page.screenshot(path=str(tmp_path / f"{kind}-persona-1400.png"))
    page.close()


def test_no_page_shows_the_file_name_a_cut_label_or_an_unknown_header(
    demo: tuple[str, Service, str], browser: Any
) -> None:
    kind, service, url = demo
    page = browser.new_page(viewport=DESKTOP)
    pages = [f"{url}/", f"{url}/compare", *(f"{url}/personas/{p['id']}" for p in service.view.personas)]
    pages.append(_report(service).as_uri())
    problems = {}
    for target in pages:
        _open(page, target)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # the folds too
        found = page.evaluate(WORDING_JS, False)
        if found:
            problems[target] = found
    journeys = _report(service).with_name("journeys.html")
    if journeys.is_file():
        _open(page, journeys.as_uri())
        found = page.evaluate(WORDING_JS, True)
        if found:
            problems[journeys.as_uri()] = found
    page.close()
    assert problems == {}, kind


def test_a_persona_has_one_name_in_the_report_the_app_its_card_and_the_crm_export(
    demo: tuple[str, Service, str], browser: Any
) -> None:
    kind, service, url = demo
    view = service.view
    with (view.run_dir / "activation" / "crm_personas.csv").open(encoding="utf-8", newline="") as f:
        crm = {row["Persona ID"]: row["Persona"] for row in csv.DictReader(f)}
    page = browser.new_page(viewport=DESKTOP)
    _open(page, _report(service).as_uri())
    report = page.locator("main").inner_text()
    for i, persona in enumerate(view.personas):
        b = badge(persona, i)
        if persona["id"] in crm:  # a persona whose members have no email has no CRM row
            assert crm[persona["id"]] == b.name, (kind, persona["id"])
        assert b.name in report and b.who in report, (kind, persona["id"])
        report_avatar = page.locator(f"section#{persona['id']} .avatar").inner_text().strip()
        assert report_avatar == b.initials, (kind, persona["id"])
        card = view.run_dir / "report" / "cards" / f"{persona['id']}.html"
        card_text = html.unescape(card.read_text(encoding="utf-8"))
        assert b.name in card_text and b.who in card_text, (kind, persona["id"])
        app = browser.new_page(viewport=DESKTOP)
        _open(app, f"{url}/personas/{persona['id']}")
        assert app.locator("h1").inner_text().strip() == b.who
        assert b.name in app.locator("section.hero").inner_text()
        assert app.locator("section.hero svg.avatar").get_attribute("aria-label") == b.initials
        app.close()
    page.close()


def test_no_text_overlaps_other_text_on_a_phone(demo: tuple[str, Service, str], browser: Any, tmp_path: Path) -> None:
    kind, service, url = demo
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    pid = service.view.personas[0]["id"]
    problems = {}
    for name, target in [
        ("gallery", f"{url}/"),
        ("persona", f"{url}/personas/{pid}"),
        ("compare", f"{url}/compare"),
        ("report", _report(service).as_uri()),
    ]:
        _open(page, target)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        found = page.evaluate(OVERLAP_JS, 2)
        if found:
            problems[name] = found[:10]
        page.screenshot(path=str(tmp_path / f"{kind}-{name}-390.png"), full_page=True)
    page.close()
    assert problems == {}, kind


def test_the_overlap_check_can_fail(browser: Any) -> None:
    """Two words drawn on top of each other are found; the same words side by side are not."""
    page = browser.new_page(viewport=PHONE)
    at = '<p style="position:absolute;top:{}px;left:{}px">{}</p>'
    page.set_content(at.format(10, 10, "first") + at.format(12, 14, "second"))
    assert page.evaluate(OVERLAP_JS, 2) != []
    page.set_content("<p>first</p><p>second</p>")
    assert page.evaluate(OVERLAP_JS, 2) == []
    page.close()
