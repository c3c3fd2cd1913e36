"""The account funnel (B2B) on a small SaaS demo: its four rates equal hand counts of the raw exports.

The hand counts read the HubSpot and Stripe CSV files and the Segment events with the csv
module and DuckDB, never the run's tables, and apply the rules of docs/journeys.md ("The
account funnel") in plain Python.
"""

from __future__ import annotations

import calendar
import csv
import json
import statistics
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from personacraft.config import config_from_dict, load_config
from personacraft.errors import ConfigError
from personacraft.pipeline import BuildResult, build
from personacraft.web.service import Service
from tests.browser import needs_chromium
from tests.conftest import tfidf_demo
from tests.web.loopback import chromium, serve

CONTACTS = 2500
SEED = 3


@pytest.fixture(scope="module")
def funnel_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    """A SaaS demo of 2,500 contacts (TF-IDF themes, for speed), built once for this module."""
    root = tmp_path_factory.mktemp("funnel")
    return root, build(load_config(tfidf_demo(root, "saas", CONTACTS, SEED)))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _time(text: str) -> datetime | None:
    return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M") if text and text.strip() else None


def _months_later(t: datetime, months: int) -> datetime:
    """The same day ``months`` calendar months later (the last day of a shorter month)."""
    y, m = divmod(t.month - 1 + months, 12)
    day = min(t.day, calendar.monthrange(t.year + y, m + 1)[1])
    return t.replace(year=t.year + y, month=m + 1, day=day)


def _hand_count(data: Path, term_months: int = 12) -> dict[str, Any]:
    """Win rate, sales cycle, trial-to-paid, renewal rate and cancellations, from the raw exports."""
    contacts = _rows(data / "hubspot-crm-exports-all-contacts.csv")
    deals = _rows(data / "hubspot-crm-exports-all-deals.csv")
    subs = _rows(data / "subscriptions.csv")
    account_of = {c["Email"].strip().lower(): c["Associated Company IDs (Primary)"] for c in contacts}
    with duckdb.connect() as con:  # the end of the data: the latest event, subscription date or deal date
        row = con.execute(
            f"SELECT max(timestamp)::TIMESTAMP FROM read_json_auto('{(data / 'segment' / '*.jsonl').as_posix()}')"
        ).fetchone()
        assert row is not None
        end: datetime = row[0]
    for s in subs:
        for col in ("Start Date (UTC)", "Trial Start (UTC)", "Trial End (UTC)", "Canceled At (UTC)"):
            end = max(end, _time(s[col]) or end)
    for d in deals:  # an open deal's close date is the date expected, not a record
        shut = d["Deal Stage"].lower() in ("closed won", "closed lost")
        end = max(end, _time(d["Create Date"]) or end, (_time(d["Close Date"]) if shut else None) or end)

    closed: set[str] = set()
    won: set[str] = set()
    first_won: dict[str, tuple[datetime, float]] = {}
    for d in deals:
        acc = d["Associated Company IDs (Primary)"]
        if d["Deal Stage"] not in ("Closed Won", "Closed Lost"):
            continue
        closed.add(acc)
        if d["Is Closed Won"] == "true":
            won.add(acc)
            done, made = _time(d["Close Date"]), _time(d["Create Date"])
            assert done is not None and made is not None
            if acc not in first_won or done < first_won[acc][0]:
                first_won[acc] = (done, (done - made).total_seconds() / 86400)

    per_account: dict[str, list[dict[str, Any]]] = {}
    for s in subs:
        acc = account_of.get(s["Customer Email"].strip().lower())
        if acc is None:
            continue
        trial_start, trial_end = _time(s["Trial Start (UTC)"]), _time(s["Trial End (UTC)"])
        start, canceled = _time(s["Start Date (UTC)"]), _time(s["Canceled At (UTC)"])
        never_paid = (trial_end is not None and canceled is not None and canceled <= trial_end) or s[
            "Status"
        ].lower() in ("trialing", "incomplete", "incomplete_expired")
        paid_at = trial_end if trial_end is not None and start is not None and trial_end > start else start
        running = s["Status"].lower() == "trialing" or (trial_end is not None and trial_end > end)
        per_account.setdefault(acc, []).append(
            {"trial": trial_start, "paid": not never_paid, "paid_at": paid_at, "canceled": canceled, "running": running}
        )
    trialled = paid_after = due = renewed = 0
    tenures = []
    for items in per_account.values():
        trials = [x["trial"] for x in items if x["trial"] is not None]
        paid = [x for x in items if x["paid"] and x["paid_at"] is not None]
        converted = bool(trials) and any(x["paid_at"] >= min(trials) for x in paid)
        if trials and (converted or not any(x["running"] and not x["paid"] for x in items if x["trial"])):
            trialled += 1
            paid_after += converted
        if not paid:
            continue
        first = min(x["paid_at"] for x in paid)
        term_end = _months_later(first, term_months)
        covered = any(x["paid_at"] <= term_end and (x["canceled"] is None or x["canceled"] > term_end) for x in paid)
        churned = all(x["canceled"] is not None and x["canceled"] <= end for x in paid)
        if churned:
            tenures.append((max(x["canceled"] for x in paid) - first).total_seconds() / 86400)
        if term_end <= end or churned:
            due += 1
            renewed += term_end <= end and covered
    return {
        "won": len(won),
        "closed": len(closed),
        "cycle": statistics.median(c for _, c in first_won.values()),
        "cycle_n": len(first_won),
        "trialled": trialled,
        "paid": paid_after,
        "due": due,
        "renewed": renewed,
        "churned": len(tenures),
        "tenure": statistics.median(tenures),
    }


def _funnel(out: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((out / "journeys.json").read_text(encoding="utf-8"))
    return doc


def test_the_four_rates_equal_hand_counts_of_the_raw_exports(funnel_demo: tuple[Path, BuildResult]) -> None:
    root, result = funnel_demo
    hand = _hand_count(root / "data")
    af = _funnel(result.out_dir)["population"]["account_funnel"]
    assert (af["win_rate"]["won"], af["win_rate"]["closed"]) == (hand["won"], hand["closed"])
    assert af["win_rate"]["rate"] == round(hand["won"] / hand["closed"], 4)
    assert af["sales_cycle"] == {"median_days": round(hand["cycle"], 1), "n": hand["cycle_n"]}
    assert (af["trial_to_paid"]["paid"], af["trial_to_paid"]["trialled"]) == (hand["paid"], hand["trialled"])
    assert af["trial_to_paid"]["rate"] == round(hand["paid"] / hand["trialled"], 4)
    assert (af["renewal_rate"]["renewed"], af["renewal_rate"]["due"]) == (hand["renewed"], hand["due"])
    assert af["renewal_rate"]["rate"] == round(hand["renewed"] / hand["due"], 4)
    assert af["cancellations"] == {"accounts": hand["churned"], "median_tenure_days": round(hand["tenure"], 1)}
    # the rates are not trivial on this demo: lost deals, unconverted trials, cancellations before the term
    assert 0 < af["win_rate"]["rate"] < 1 and 0 < af["trial_to_paid"]["rate"] < 1 and 0 < af["renewal_rate"]["rate"] < 1
    # won counts the accounts that won a deal or pay; renewed those that renewed
    stages = {s["stage"]: s for s in af["stages"]}
    assert stages["won"]["accounts"] == hand["won"] and stages["renewed"]["accounts"] == hand["renewed"]


def test_the_account_funnel_never_grows_and_personas_count_their_members_accounts(
    funnel_demo: tuple[Path, BuildResult],
) -> None:
    doc = _funnel(funnel_demo[1].out_dir)
    assert [s["stage"] for s in doc["population"]["account_funnel"]["stages"]] == [
        "lead", "mql", "sql", "opportunity", "won", "renewed",
    ]  # fmt: skip
    blocks = [doc["population"], *doc["personas"]]
    for block in blocks:
        counts = [s["accounts"] for s in block["account_funnel"]["stages"] if s["accounts"] is not None]
        assert counts == sorted(counts, reverse=True), counts
        for key in ("funnel", "stages", "abandonment", "paths", "first_touch"):  # the existing keys stay
            assert key in block
    total = doc["population"]["account_funnel"]["accounts"]
    for p in doc["personas"]:
        assert 0 < p["account_funnel"]["accounts"] <= total
    onboarding = [a for a in doc["population"]["abandonment"] if a["step"] == "onboarding"]
    assert onboarding and onboarding[0]["unit"] == "accounts"
    assert onboarding[0]["rate"] == doc["population"]["account_funnel"]["onboarding"]["rate"]


def test_the_report_page_shows_the_account_funnel(funnel_demo: tuple[Path, BuildResult]) -> None:
    html = (funnel_demo[1].out_dir / "report" / "journeys.html").read_text(encoding="utf-8")
    af = _funnel(funnel_demo[1].out_dir)["population"]["account_funnel"]
    assert "Account funnel" in html
    for name in ("Lead", "MQL", "SQL", "Opportunity", "Won", "Renewed", "Win rate", "Trial to paid", "Renewal rate"):
        assert name in html, name
    assert f"{af['win_rate']['won']:,} of {af['win_rate']['closed']:,}" in html


@needs_chromium
def test_the_web_journeys_page_shows_the_account_funnel_in_chromium(funnel_demo: tuple[Path, BuildResult]) -> None:
    """The app's /journeys on the B2B demo, in a real headless Chromium: the account funnels, no console error."""
    root, result = funnel_demo
    service = Service(load_config(root / "personacraft.toml"))
    af = _funnel(result.out_dir)["population"]["account_funnel"]
    problems: list[str] = []
    for url in serve(service):
        for browser in chromium():
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
            page.on("response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
            response = page.goto(url + "/journeys", wait_until="networkidle")
            assert response is not None and response.status == 200
            headings = page.locator("h3", has_text="Account funnel").count()
            text = page.content()
            page.close()
    assert problems == []
    assert headings == 1 + len(result.personas)
    assert f"{af['win_rate']['won']:,} of {af['win_rate']['closed']:,} accounts" in text
    for name in ("Lead", "MQL", "SQL", "Opportunity", "Won", "Renewed", "Trial to paid", "Renewal rate"):
        assert name in text, name


def test_the_retail_demo_has_no_account_funnel(built: BuildResult) -> None:
    doc = _funnel(built.out_dir)
    assert doc["population"]["account_funnel"] is None
    assert "not B2B" in doc["population"]["missing"]["account_funnel"]


def test_account_lifecycle_must_map_to_account_stages(tmp_path: Path) -> None:
    base = {"sources": [{"kind": "hubspot_contacts", "path": "c.csv"}]}
    path = tmp_path / "p.toml"
    cfg = config_from_dict(
        {**base, "journey": {"account_lifecycle": {"Hot lead": "mql"}, "renewal_term_months": 1}}, path
    )
    assert cfg.journey.account_lifecycle["Hot lead"] == "mql" and cfg.journey.renewal_term_months == 1
    with pytest.raises(ConfigError, match="account_lifecycle"):
        config_from_dict({**base, "journey": {"account_lifecycle": {"Hot lead": "consideration"}}}, path)
    with pytest.raises(ConfigError, match="renewal_term_months"):
        config_from_dict({**base, "journey": {"renewal_term_months": 0}}, path)


def test_months_later_keeps_the_day_or_takes_the_last_of_the_month() -> None:
    assert _months_later(datetime(2024, 1, 31), 1) == datetime(2024, 2, 29)
    assert _months_later(datetime(2024, 3, 5), 12) == datetime(2025, 3, 5)
    assert _months_later(datetime(2024, 3, 5), 12) - datetime(2024, 3, 5) == timedelta(days=365)
