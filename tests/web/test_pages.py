"""The server-rendered pages (web/routes/pages.py) through FastAPI's test client.

The demo's pages go through the real app (``create_app``); the empty states and odd documents go
through an app with the pages' router only, over hand-made ``RunView`` objects.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from personacraft.alerts.log import ALERTS_FILE, AlertLog
from personacraft.config import load_config
from personacraft.pipeline import BuildResult
from personacraft.render.cards.svg import Colors
from personacraft.render.charts import PALETTE
from personacraft.render.style import contrast
from personacraft.version import __version__
from personacraft.web import templating
from personacraft.web.app import create_app
from personacraft.web.routes import pages
from personacraft.web.service import CARD_FORMATS, CARD_TYPES, RunView, Service
from personacraft.wording import value_label, whole_label
from tests.conftest import read_csv

PAGES = ["/", "/compare", "/journeys", "/accounts", "/icp", "/runs", "/alerts", "/health", "/beliefs"]
PAGES += ["/competitors"]


@pytest.fixture(scope="module")
def client(service: Service) -> TestClient:
    return TestClient(create_app(service))


@pytest.fixture(scope="module")
def view(service: Service) -> RunView:
    return service.view


def _fake_client(view: RunView, runs: list[dict[str, Any]] | None = None, alerts: AlertLog | None = None) -> TestClient:
    """An app with the pages only, over a hand-made run."""
    app = FastAPI()
    config = SimpleNamespace(name="Test shop", report=SimpleNamespace(title="Test shop personas"))
    app.state.service = SimpleNamespace(config=config, view=view, runs=runs or [], alerts=alerts)
    app.include_router(pages.router)
    return TestClient(app)


def _bare(view: RunView, tmp_path: Path, **changes: Any) -> RunView:
    """The demo's run without journeys, ICP, accounting or cards (a run folder with personas.json only)."""
    (tmp_path / "personas.json").write_text(json.dumps(view.personas_doc), encoding="utf-8")
    fields: dict[str, Any] = {"run_dir": tmp_path, "journeys": None, "icp": None, "accounting": None}
    return replace(view, **(fields | changes))


def _text(html: str) -> str:
    """The page's visible text, roughly: tags out, entities of quotes back."""
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&"))


# ---------------------------------------------------------------- every page of the demo


@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_with_html(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    # one script, from this origin (the copy buttons): nothing inline, nothing external
    assert re.findall(r"<script[^>]*>", r.text) == ['<script src="/assets/app.js?v=' + __version__ + '" defer>']
    assert '<link rel="stylesheet" href="/assets/app.css' in r.text


def test_gallery_shows_a_tile_per_persona(client: TestClient, view: RunView) -> None:
    html = client.get("/").text
    assert html.count('class="tile ') == len(view.personas) > 1
    for p in view.personas:
        assert f'href="/personas/{p["id"]}"' in html
        assert p["story"]["name"] in html and p["name"] in html
        assert f"{p['size']:,}" in html
    assert 'action="/compare"' in html and 'name="ids"' in html


def test_compare_puts_the_chosen_personas_side_by_side(client: TestClient, view: RunView) -> None:
    a, b = view.personas[0], view.personas[1]
    html = client.get(f"/compare?ids={a['id']},{b['id']}").text
    assert "cols-2" in html
    heads = re.findall(r'<th scope="col" class="pc\d">.*?</th>', html, flags=re.S)
    assert len(heads) == 2 and a["story"]["name"] in heads[0] and b["story"]["name"] in heads[1]
    for label in ("Share of customers", "Share of revenue", "What sets them apart", "What to do"):
        assert f'<th scope="row">{label}</th>' in html
    if a["persona_type"] == b["persona_type"]:  # a row that says the same for every persona is left out
        assert '<th scope="row">Type</th>' not in html
    assert value_label(a["traits"][0]["feature"], a["traits"][0]["value"]) in _text(html)
    # the picker's form sends ids=a&ids=b: one canonical address
    r = client.get(f"/compare?ids={a['id']}&ids={b['id']}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/compare?ids={a['id']},{b['id']}"


def test_compare_without_ids_shows_everyone_and_names_unknown_ids(client: TestClient, view: RunView) -> None:
    assert f"cols-{len(view.personas)}" in client.get("/compare").text
    html = client.get(f"/compare?ids={view.personas[0]['id']},nobody").text
    assert "cols-1" in html and "left out: nobody" in html
    html = client.get("/compare?ids=nobody").text
    assert "Nothing to compare" in html


def test_persona_page_shows_evidence_journey_value_and_downloads(client: TestClient, view: RunView) -> None:
    p = view.personas[0]
    r = client.get(f"/personas/{p['id']}")
    assert r.status_code == 200
    html, text = r.text, _text(r.text)
    assert p["story"]["name"] in html and p["name"] in html
    assert p["fit"]["words"] in text  # how clearly the members fit, in words, under the name
    for t in p["traits"]:  # every trait with its share, its population share, lift and n
        assert t["value"] in text
        assert f"{t['share']:.0%}" in text and f"{t['population_share']:.0%}" in text
        assert f"{t['lift']:.1f}×" in text
    sections = ("At a glance", "What sets them apart", "What frustrates them", "Where they come from", "Journey")
    for section in (*sections, "Value and risk", "Everything to do", "Use this persona", "For analysts"):
        assert f">{section}</h2>" in html
    assert html.index("At a glance") < html.index("Who they are")
    assert '<svg class="funnel"' in html and "Stages: barriers and opportunities" in html
    for stage in (view.journeys or {})["definition"]["stages"]:
        assert f"{stage.capitalize()}</div>" in html
    for rec in p["recommendations"].get("messaging") or []:
        assert rec["text"] in text
    for fmt in CARD_FORMATS:
        assert f'href="/personas/{p["id"]}/card.{fmt}" download' in html
    assert f'<img src="/personas/{p["id"]}/card.png?inline=1"' in html


def test_the_use_box_offers_the_members_audiences_crm_import_and_messaging(client: TestClient, view: RunView) -> None:
    p = view.personas[0]
    html = client.get(f"/personas/{p['id']}").text
    for href in (f"/personas/{p['id']}/members.csv", f"/personas/{p['id']}/audience/google.csv", "/activation/crm.csv"):
        assert f'href="{href}" download' in html
        r = client.get(href)  # loopback: the pages are open, and so are these files
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), href
    for rec in p["recommendations"].get("messaging") or []:
        assert rec["text"] in _text(html)
    assert 'data-copy="msg-' in html
    assert client.get(f"/personas/{p['id']}/audience/tiktok.csv").status_code == 404


def test_pain_points_show_their_quotes(client: TestClient, view: RunView) -> None:
    with_pains = [p for p in view.personas if p.get("pain_points")]
    if not with_pains:
        pytest.skip("no persona of this demo has a pain theme")
    p = with_pains[0]
    html = client.get(f"/personas/{p['id']}").text
    for x in p["pain_points"]:
        assert whole_label(x["label"], x["quotes"]) in _text(html)
        for q in x["quotes"][:3]:
            assert f"<q>{q}</q>".replace("'", "&#39;").replace('"', "&#34;") in html or q in _text(html)


@pytest.mark.parametrize("fmt", CARD_FORMATS)
def test_card_downloads_have_the_right_type_and_disposition(client: TestClient, view: RunView, fmt: str) -> None:
    p = view.personas[0]
    r = client.get(f"/personas/{p['id']}/card.{fmt}")
    assert r.status_code == 200
    assert r.headers["content-type"] == CARD_TYPES[fmt]
    assert r.headers["content-disposition"].startswith("attachment; filename=")
    assert r.headers["content-disposition"].endswith(f'.{fmt}"')
    assert r.content == view.card_path(p["id"], fmt).read_bytes()
    if fmt == "pdf":
        assert r.content.startswith(b"%PDF")
    inline = client.get(f"/personas/{p['id']}/card.{fmt}?inline=1")
    assert inline.headers["content-disposition"].startswith("inline; filename=")


@pytest.mark.parametrize(
    "path",
    [
        "/personas/nobody",
        "/personas/nobody/card.pdf",
        "/personas/p1/card.exe",
        "/personas/p1/card.PDF",
        "/personas/p1/card.json.exe",
    ],
)
def test_unknown_personas_and_formats_get_a_friendly_404(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "We could not find that" in r.text and 'href="/"' in r.text


@pytest.mark.parametrize(
    "path",
    [
        "/personas/..%2F..%2Fpersonas/card.json",
        "/personas/p1%2F..%2F..%2Faccounting/card.json",
        "/personas/%2E%2E/card.json",
    ],
)
def test_no_path_from_the_request_reaches_the_disk(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert '"sources"' not in r.text and '"personas"' not in r.text


def test_journeys_page_shows_all_customers_and_every_persona(client: TestClient, view: RunView) -> None:
    html = client.get("/journeys").text
    assert '<a href="/journeys" aria-current="page">Journeys</a>' in html
    assert html.count('<svg class="funnel"') == 1 + len(view.personas)
    assert ">All customers</h2>" in html
    for p in view.personas:
        assert f'href="/personas/{p["id"]}"' in html
    assert "Account funnel" not in html  # the retail demo is not B2B


def test_accounts_empty_state_in_a_shop_says_which_export_to_add(client: TestClient) -> None:
    html = client.get("/accounts").text
    assert '<a href="/accounts" aria-current="page">Accounts</a>' in html
    assert "this run has no accounts: add a CRM companies or accounts export" in html
    r = client.get("/accounts.csv")
    assert r.status_code == 404 and "no accounts" in r.text


def test_icp_empty_state_says_how_to_create_it(client: TestClient, view: RunView) -> None:
    assert view.icp is None  # the build does not learn the ICP
    html = client.get("/icp").text
    assert "No ideal customer profile for this run yet" in html
    assert "personacraft icp" in html


def test_runs_page_lists_the_runs_and_the_accounting(client: TestClient, service: Service, view: RunView) -> None:
    html = client.get("/runs").text
    for run in service.runs:
        assert run["run_id"] in html
    assert "shown" in html
    for s in (view.accounting or {})["sources"]:
        assert s["source"] in html and f"{s['read']:,}" in html
    # retention and pruning are found where the runs are
    assert "every run is kept" in html and "personacraft runs prune" in html


def test_runs_page_states_the_retention_rules(
    client: TestClient, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = replace(service.config, privacy=replace(service.config.privacy, keep_runs=2, keep_days=30))
    monkeypatch.setattr(service, "config", kept)
    html = client.get("/runs").text
    assert "the newest 2 successful runs and any newer run are kept; runs older than 30 days are removed" in html


def test_health_page_shows_sources_and_identity(client: TestClient, view: RunView) -> None:
    html = client.get("/health").text
    acc = view.accounting or {}
    for s in acc["sources"]:
        assert s["source"] in html
    assert "Identity resolution" in html
    assert f"{acc['identity']['customers']:,}" in html
    assert "records keyed by email".capitalize() in html


def test_no_page_references_a_remote_asset(client: TestClient, view: RunView) -> None:
    paths = [*PAGES, *(f"/personas/{p['id']}" for p in view.personas), "/personas/nobody", "/assets/app.css"]
    for path in paths:
        text = client.get(path).text
        assert "http://" not in text and "https://" not in text, path
        assert not re.search(r'(src|href)="//', text), path
        assert "@import" not in text and "url(" not in text, path


def test_no_customer_pii_on_any_page(client: TestClient, view: RunView, web_demo: tuple[Path, BuildResult]) -> None:
    root = web_demo[0].parent
    secrets: set[str] = set()
    for c in read_csv(root / "data" / "customers_export.csv"):
        secrets |= {c["Email"], f"{c['First Name']} {c['Last Name']}", c["Default Address Address1"]}
        if c["Phone"]:
            secrets.add(c["Phone"])
    for r in read_csv(root / "data" / "trustpilot_competitors.csv"):  # competitor reviews' authors and contacts
        secrets |= {r["Review Username"], "#48213", "555-013-2233"}
    orders = read_csv(root / "data" / "orders_export.csv")
    order_numbers = re.compile("|".join(rf"{re.escape(o['Name'])}(?![0-9A-Za-z])" for o in orders))
    paths = [*PAGES, *(f"/personas/{p['id']}" for p in view.personas)]
    paths.append("/compare?ids=" + ",".join(p["id"] for p in view.personas))
    for path in paths:
        text = _text(client.get(path).text)
        leaked = [s for s in secrets if s and s in text] + order_numbers.findall(text)
        assert leaked == [], f"{path} leaks {leaked[:5]}"


def test_stylesheet_and_icon(client: TestClient) -> None:
    css = client.get("/assets/app.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    for i in range(len(PALETTE)):
        assert f".pc{i} {{" in css.text
    assert "@media (max-width: 760px)" in css.text
    icon = client.get("/assets/icon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"


def test_text_colours_read_at_4_5_to_1() -> None:
    pairs = templating.contrast_pairs()
    assert len(pairs) > len(templating.TEXT_PAIRS)
    weak = [(a, b, round(r, 2)) for a, b, r in pairs if r < 4.5]
    assert weak == []
    for color in PALETTE:  # text on a tile's tint and the persona chip
        c = Colors.of(color)
        assert contrast(c.accent, c.tint) >= 4.5 and contrast(c.on_chip, c.chip) >= 4.5


# ---------------------------------------------------------------- empty states and odd documents


def test_a_run_without_journeys_icp_accounting_or_cards_shows_empty_states(view: RunView, tmp_path: Path) -> None:
    client = _fake_client(_bare(view, tmp_path))
    p = view.personas[0]
    for path in [*PAGES, f"/personas/{p['id']}", "/compare?ids=" + p["id"]]:
        assert client.get(path).status_code == 200, path
    html = client.get(f"/personas/{p['id']}").text
    assert "No journey for this persona" in html and "no journeys.json" in html
    assert "No card:" in html and "card.pdf" not in html
    assert client.get(f"/personas/{p['id']}/card.pdf").status_code == 404
    assert "No ideal customer profile for this run yet" in client.get("/icp").text
    assert "No accounting for this run" in client.get("/health").text
    assert "No accounting for this run" in client.get("/runs").text
    assert "No run is recorded" in client.get("/runs").text
    assert "journeys: not mapped in this run" in client.get("/").text.lower()
    assert "No journeys in this run" in client.get("/journeys").text


def test_a_run_without_personas_says_why(view: RunView, tmp_path: Path) -> None:
    doc = copy.deepcopy(view.personas_doc)
    doc["personas"] = []
    doc["provenance"]["segmentation"]["message"] = "no stable structure: every k had a segment under 0.6"
    client = _fake_client(_bare(view, tmp_path, personas_doc=doc, by_id={}))
    html = client.get("/").text
    assert "No persona in this run" in html and "no stable structure" in html
    assert "Nothing to compare" in client.get("/compare").text
    assert client.get("/personas/p1").status_code == 404


def test_an_old_personas_json_without_story_or_value_still_renders(view: RunView, tmp_path: Path) -> None:
    old = {"id": "p1", "name": "Weekend browser", "size": 120, "share": 0.3, "traits": []}
    doc = {"run_id": "old", "created_at": "2024-01-01T00:00:00", "customers": 400, "personas": [old]}
    client = _fake_client(_bare(view, tmp_path, personas_doc=doc, by_id={"p1": old}, run_id="old"))
    for path in [*PAGES, "/personas/p1", "/compare?ids=p1"]:
        r = client.get(path)
        assert r.status_code == 200, path
        assert "None" not in _text(r.text), path
    html = client.get("/personas/p1").text
    assert "Weekend browser" in html and "unknown" in html
    assert "Buying committee" not in html  # no committee: no box


def test_health_shows_reject_reasons_but_never_the_rejected_rows(view: RunView, tmp_path: Path) -> None:
    raw = "jane.roe@example.com"
    accounting = {
        "run_id": view.run_id,
        "balanced": True,
        "sources": [
            {
                "source": "shopify_customers:customers.csv",
                "kind": "shopify_customers",
                "files": ["/data/customers.csv"],
                "read": 120,
                "accepted": 100,
                "rejected": 20,
                "balanced": True,
                "reasons": {"email is not an address: …": 15, "duplicate customer id": 5},
                "examples": [{"file": "customers.csv", "line": 7, "column_name": "Email", "value": raw}],
                "superseded": 3,
                "skipped_files": {},
                "reused_from": None,
            }
        ],
        "identity": {
            "records": 500,
            "customers": 90,
            "conflicts": {"customers with several emails": 2},
            "conflict_examples": [{"customer_key": f"email:{raw}"}],
        },
    }
    client = _fake_client(_bare(view, tmp_path, accounting=accounting))
    for path in ("/health", "/runs"):
        html = client.get(path).text
        assert raw not in html, path
    text = _text(client.get("/health").text)
    assert "email is not an address: …: 15" in text and "duplicate customer id: 5" in text
    assert "16.7%" in text  # 20 of 120 rejected
    assert "3 rows superseded" in text


def test_runs_page_shows_older_and_failed_runs_from_their_rows(view: RunView, tmp_path: Path) -> None:
    import datetime as dt

    t0 = dt.datetime(2025, 3, 1, 9, 0, 0)
    runs = [
        {
            "run_id": view.run_id,
            "seq": 3,
            "status": "succeeded",
            "created_at": t0,
            "finished_at": t0 + dt.timedelta(seconds=42),
            "config_hash": "abc",
            "version": "0.1.0",
            "summary_json": json.dumps({"customers": 1000, "personas": 5}),
            "error": None,
        },
        {
            "run_id": "0002-old",
            "seq": 2,
            "status": "failed",
            "created_at": t0 - dt.timedelta(days=1),
            "finished_at": None,
            "config_hash": "abc",
            "version": "0.1.0",
            "summary_json": None,
            "error": "source shopify_orders: no file matches orders.csv",
        },
        {"run_id": "0001-older", "seq": 1, "status": "succeeded", "created_at": "2025-02-01 08:00:00"},
    ]
    html = _fake_client(view, runs).get("/runs").text
    text = _text(html)
    assert "0002-old" in text and "failed" in text and "no file matches orders.csv" in text
    assert "0001-older" in text and "2025-02-01 08:00" in text
    assert "42.0 s" in text and "1,000" in text
    assert html.count("shown</span>") == 1


def test_icp_page_renders_rules_personas_channels_and_fit_points(view: RunView, tmp_path: Path) -> None:
    pid, name = view.personas[0]["id"], view.personas[0]["name"]
    line = {"share": 0.35, "population_share": 0.26, "lift": 1.33, "n": 62, "p_adjusted": 0.0148}
    icp = {
        "run_id": view.run_id,
        "outcome": {"unit": "account", "definition": "won a deal", "units": 492, "best": 179, "best_rate": 0.3638},
        "rules": [
            {
                "id": "r1",
                "label": "Industry = Software and Company size = 201-1000",
                "n": 19,
                "coverage": 0.0386,
                "precision": 0.8947,
                "best_rate": 0.3638,
                "lift": 2.459,
                "recall": 0.095,
                "p_adjusted": 1.63e-05,
                "evidence": "17 of 19 won and kept (likely 69–97 %)",
                "warning": "only 19 accounts: a rule covering fewer than 30 is often chance",
            }
        ],
        "ignored": [
            {"feature": "Country", "value": "United States", "units": 492, "of": 492, "reason": "no variation"}
        ],
        "who": {"profile": [{"feature": "Company size", "value": "1001-5000 employees", **line}]},
        "why": {
            "compared": "people of accounts matching the rules",
            "personas": [{"persona_id": pid, "name": name, "over_represented": True, "goals": [], **line}],
            "answers": [],
        },
        "where": {"compared": "the same", "channels": [{"feature": "First channel", "value": "g2 / referral", **line}]},
        "missing": {},
        "fit_score": {
            "model": "logistic regression",
            "score_with_nothing_known": 26.6,
            "evaluation": {"cv_auc": 0.793},
            "points": [
                {"feature": "Industry", "value": "Software", "points": 9.7},
                {"feature": "Company size", "value": "1-50 employees", "points": -19.3},
            ],
        },
    }
    html = _fake_client(_bare(view, tmp_path, icp=icp)).get("/icp").text
    text = _text(html)
    assert "Industry = Software and Company size = 201-1000" in text and "89%" in text and "2.5×" in text
    assert f'href="/personas/{pid}"' in html and "over-represented" in text
    assert "g2 / referral" in text and "0.79" in text
    assert "+10" in text and "−19" in text
    assert "17 of 19 won and kept (likely 69–97 %)" in text and "few accounts" in text
    assert "only 19 accounts: a rule covering fewer than 30 is often chance" in text
    assert "Not scored" in text and "Country: United States no variation" in text
    # a partial document (an older icp.json) still renders
    partial = {"run_id": view.run_id, "outcome": {"unit": "customer", "units": 500, "best": 100}}
    r = _fake_client(_bare(view, tmp_path, icp=partial)).get("/icp")
    assert r.status_code == 200 and "No rule" in r.text


def test_a_persona_missing_any_field_or_with_it_null_still_renders(view: RunView, tmp_path: Path) -> None:
    base = view.personas[0]
    client_pages = ["/", f"/personas/{base['id']}", f"/compare?ids={base['id']}"]
    for key in [k for k in base if k != "id"]:
        for variant in ("absent", "null"):
            p = copy.deepcopy(base)
            if variant == "absent":
                del p[key]
            else:
                p[key] = None
            doc = copy.deepcopy(view.personas_doc) | {"personas": [p]}
            client = _fake_client(_bare(view, tmp_path, personas_doc=doc, by_id={p["id"]: p}))
            for path in client_pages:
                r = client.get(path)
                assert r.status_code == 200, (key, variant, path)
                assert "None" not in _text(r.text).replace("Nonetheless", ""), (key, variant, path)


def test_an_empty_journey_block_says_unknown(view: RunView, tmp_path: Path) -> None:
    pid = view.personas[0]["id"]
    journeys = {"run_id": view.run_id, "definition": {}, "personas": [{"persona_id": pid}]}
    html = _fake_client(_bare(view, tmp_path, journeys=journeys)).get(f"/personas/{pid}").text
    assert "unknown: no funnel for this group" in html
    assert "No path is shared by enough customers" in html


def test_pages_behind_a_login_offer_to_sign_out(view: RunView) -> None:
    client = _fake_client(view)
    assert 'action="/logout"' not in client.get("/").text  # loopback: the pages are open
    client.app.state.auth = SimpleNamespace(pages_login=True)  # type: ignore[attr-defined]
    assert '<form method="post" action="/logout"' in client.get("/").text


def test_alerts_page_lists_the_alerts_newest_first_with_evidence(view: RunView) -> None:
    p = view.personas[0]
    alerts = [
        {"run_id": view.run_id, "time": "2026-12-05T06:40:00Z", "kind": "new_pain", "persona_id": p["id"],
         "message": "A new complaint: late delivery.", "evidence": {"share": 0.12, "n": 41, "p_adjusted": 0.0021}},
        {"run_id": "0001-old", "time": "2026-11-05T06:40:00Z", "kind": "persona_died", "persona_id": "p99",
         "message": "Weekend browsers matches no persona of this run.", "evidence": {}},
    ]  # fmt: skip
    html = _fake_client(view, alerts=AlertLog(alerts, 2, 1)).get("/alerts").text
    text = _text(html)
    assert "2 alerts" in text and "New pain point A new complaint: late delivery." in text
    assert f'href="/personas/{p["id"]}"' in html and "<code>p99</code>" in html  # a persona the run lacks: no link
    assert "Share: 0.12 · N: 41 · P adjusted: 0.0021" in text and "run 0001 2026-11-05 06:40" in text
    assert text.index("late delivery") < text.index("Weekend browsers")
    assert "1 line of alerts.jsonl could not be read" in text
    assert 'aria-current="page">Alerts<' in html
    assert "No alerts yet" in _fake_client(view).get("/alerts").text


def test_the_service_reads_the_workspaces_alerts(web_demo: tuple[Path, BuildResult]) -> None:
    config = load_config(web_demo[0])
    path = config.workspace_path.parent / ALERTS_FILE
    line = {"run_id": "r", "time": "t", "kind": "size_change", "persona_id": "p1", "message": "Grew.", "evidence": {}}
    path.write_text(json.dumps(line) + "\n" + "not json\n", encoding="utf-8")
    try:
        service = Service(config)
        assert service.alerts.alerts == [line] and service.alerts.unreadable == 1
        assert "Grew." in TestClient(create_app(service)).get("/alerts").text
    finally:
        path.unlink()


def test_competitors_page_shows_every_brand_and_is_in_the_nav(client: TestClient, view: RunView) -> None:
    doc = json.loads((view.run_dir / "competitors.json").read_text(encoding="utf-8"))
    page = client.get("/competitors")
    assert page.status_code == 200
    assert 'href="/competitors"' in client.get("/").text
    text = _text(page.text)
    assert "Their weak points" in text and "Our weak points" in text
    for b in doc["brands"]:
        assert b["brand"] in text
    for t in doc["themes"]:
        assert t["label"] in text
