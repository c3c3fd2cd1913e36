"""The Accounts page in real Chromium over the SaaS demo: totals, filters, the CSV download, no console error."""

from __future__ import annotations

import csv
import io
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from personacraft.config import load_config
from personacraft.pipeline import BuildResult
from personacraft.web.service import Service
from tests.browser import needs_chromium
from tests.web.loopback import chromium, serve


@pytest.fixture(scope="module")
def site(saas_demo: tuple[Path, BuildResult]) -> Iterator[tuple[str, BuildResult]]:
    root, built = saas_demo
    for url in serve(Service(load_config(root / "personacraft.toml"))):
        yield url, built


def _csv(url: str) -> list[dict[str, str]]:
    with urllib.request.urlopen(url) as r:  # a loopback server
        assert r.headers["content-type"].startswith("text/csv")
        return list(csv.DictReader(io.StringIO(r.read().decode("utf-8"))))


def test_the_csv_download_is_accounts_csv_and_filters_hold(site: tuple[str, BuildResult]) -> None:
    url, built = site
    with (built.out_dir / "accounts.csv").open(newline="", encoding="utf-8") as fh:
        every = list(csv.DictReader(fh))
    got = _csv(f"{url}/accounts.csv")
    assert {r["account_id"] for r in got} == {r["account_id"] for r in every}
    missing = _csv(f"{url}/accounts.csv?show=open-missing")
    assert missing and all(int(r["deals_open"]) > 0 and r["roles_missing"] for r in missing)
    expected = sum(int(r["deals_open"]) > 0 and bool(r["roles_missing"]) for r in every)
    assert len(missing) == expected
    risky = _csv(f"{url}/accounts.csv?show=at-risk")
    paying = [float(r["churn_risk"]) for r in every if float(r["mrr"]) > 0 and r["churn_risk"]]
    assert risky and all(float(r["churn_risk"]) >= 2 * sum(paying) / len(paying) - 1e-9 for r in risky)


@needs_chromium
def test_the_accounts_page_opens_with_no_console_error(site: tuple[str, BuildResult]) -> None:
    url, _ = site
    errors: list[str] = []
    for browser in chromium():
        page: Any = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}/accounts", wait_until="networkidle")
        text = page.inner_text("main").lower()  # as shown: the labels are set in capitals
        assert "no confirmed decision maker" in text and "why accounts leave" in text
        assert page.locator("nav a[href$='/accounts']").count() == 1
        page.click("text=Open deals missing a role")
        page.wait_for_load_state("networkidle")
        assert "show=open-missing" in page.url and page.locator("table.rtable tbody tr").count() > 0
        page.close()
    assert errors == []
