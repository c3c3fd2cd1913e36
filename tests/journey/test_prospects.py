"""The journey starts with prospects: anonymous visitors in the population funnel, identified visitors in their
customer's journey, advocacy labelled by its evidence and no biggest drop after the first purchase."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from personacraft.config import JourneyConfig, load_config
from personacraft.journey.tables import write_maps, write_prospects
from personacraft.journey.vocabulary import PURCHASE_PATH
from personacraft.pipeline import BuildResult
from personacraft.store import Workspace
from personacraft.unify import unify
from tests.conftest import read_csv


def _doc(out_dir: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((out_dir / "journeys.json").read_text(encoding="utf-8"))
    return doc


def _ga4_lines(root: Path) -> list[dict[str, Any]]:
    lines = []
    for path in sorted((root / "data").rglob("*.ndjson")):
        lines += [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return lines


def test_population_funnel_starts_with_the_anonymous_visitors(built: BuildResult, retail_demo: Path) -> None:
    doc = _doc(built.out_dir)
    pop = doc["population"]
    # a hand count from the raw GA4 export: pseudo ids never seen with a user_id
    lines = _ga4_lines(retail_demo)
    identified = {x["user_pseudo_id"] for x in lines if x.get("user_id")}
    anonymous = {x["user_pseudo_id"] for x in lines} - identified
    assert anonymous, "the retail demo's GA4 export has anonymous visitors"
    assert pop["prospects"] == len(anonymous)
    customers = len(read_csv(built.out_dir / "assignments.csv"))
    assert pop["customers"] == customers  # visitors are not customers: no assignment, no persona
    assert pop["people"] == customers + len(anonymous)
    funnel = {f["stage"]: f for f in pop["funnel"]}
    assert funnel["awareness"]["people"] > pop["customers"]
    assert funnel["awareness"]["prospects"] == len(anonymous)
    assert funnel["purchase"]["prospects"] == 0  # an anonymous purchase event makes no buyer
    assert funnel["purchase"]["conversion"] < 1
    assert funnel["purchase"]["people"] == funnel["purchase"]["customers"]
    # the visitors who did more than read pages reach consideration; the readers stop at awareness
    viewers = {x["user_pseudo_id"] for x in lines if x["event_name"] == "view_item"} & anonymous
    assert funnel["consideration"]["prospects"] == len(viewers) < len(anonymous)
    people = [f["people"] for f in pop["funnel"]]
    assert people == sorted(people, reverse=True)
    assert funnel["awareness"]["share"] <= 1 and funnel["purchase"]["share"] == round(
        funnel["purchase"]["people"] / pop["people"], 4
    )


def test_an_identified_visitors_earlier_anonymous_events_count_for_the_customer(
    built: BuildResult, retail_demo: Path
) -> None:
    cfg = load_config(retail_demo / "personacraft.toml")
    with Workspace(cfg.workspace_path, read_only=True) as ws:
        run = ws.run(built.run_id)
        t = run.t
        # every event becomes a touch of a customer, except those of visitors never identified
        events, anonymous_only = run.execute(
            f"""SELECT count(*), count(*) FILTER (WHERE anonymous_id NOT IN (
                    SELECT anonymous_id FROM {t("events")} WHERE customer_id IS NOT NULL))
                FROM {t("events")}"""
        ).fetchone() or (0, 0)
        touches = run.scalar(f"SELECT count(*) FROM {t('journey_touches')} WHERE origin = 'event'")
        assert anonymous_only > 0 and touches == events - anonymous_only
        # a customer whose first tracked event was anonymous: the journey starts there
        row = run.execute(
            f"""WITH a AS (
                    SELECT anonymous_id, min(occurred_at) FILTER (WHERE customer_id IS NULL) AS anon_first,
                           min(occurred_at) FILTER (WHERE customer_id IS NOT NULL) AS known_first,
                           min(customer_id) AS customer_id
                    FROM {t("events")} GROUP BY 1)
                SELECT a.anonymous_id, a.anon_first, a.known_first, i.customer_key FROM a
                JOIN {t("identity")} i ON i.node = 'id:' || a.customer_id
                WHERE a.anon_first < a.known_first ORDER BY 1 LIMIT 1"""
        ).fetchone()
        assert row is not None, "some customer browsed anonymously before being identified"
        _, anon_first, known_first, key = row
        first_event = run.scalar(
            f"SELECT min(touched_at) FROM {t('journey_touches')} WHERE customer_key = ? AND origin = 'event'", [key]
        )
        assert first_event == anon_first < known_first
        # visitors are prospects only: not in the customers' journey tables
        assert not run.scalar(f"SELECT count(*) FROM {t('journey_customers')} WHERE customer_key LIKE 'anon:%'")
        assert (
            run.scalar(f"SELECT count(*) FROM {t('journey_prospects')}")
            == _doc(built.out_dir)["population"]["prospects"]
        )


def test_advocacy_is_labelled_by_its_evidence_and_is_never_the_biggest_drop(built: BuildResult) -> None:
    doc = _doc(built.out_dir)
    labels = doc["definition"]["stage_labels"]
    assert labels["advocacy"] == "left a review rated 4+ or recommended us"
    for block in [doc["population"], *doc["personas"]]:
        for f in block["funnel"]:
            assert f["label"] == labels[f["stage"]]
            if f["biggest_drop"]:
                assert f["stage"] in PURCHASE_PATH, (block.get("name"), f)
    # all customers: the biggest drop is on the way to the first purchase, where the visitors leave
    flagged = [f["stage"] for f in doc["population"]["funnel"] if f["biggest_drop"]]
    assert flagged and flagged[0] in PURCHASE_PATH[1:]
    page = (built.out_dir / "report" / "journeys.html").read_text(encoding="utf-8")
    assert labels["advocacy"] in page
    assert "biggest drop: " not in page  # only "biggest drop before purchase"


def test_persona_funnels_say_why_visitors_are_not_in_them(built: BuildResult) -> None:
    doc = _doc(built.out_dir)
    for p in doc["personas"]:
        assert p["prospects"] is None
        assert p["missing"]["prospects"].startswith("visitors are not scored: personas are built on")
        assert all(f["people"] == f["customers"] for f in p["funnel"] if f["customers"] is not None)
    page = (built.out_dir / "report" / "journeys.html").read_text(encoding="utf-8")
    assert page.count("visitors are not scored") == len(doc["personas"])


def test_segment_visitors_are_prospects_until_identified(tmp_path: Path) -> None:
    """Segment anonymousIds: a visitor who only read pages stays at awareness, one who viewed a product
    reaches consideration, an anonymous order makes no buyer, and an identified one is a customer."""
    with Workspace(tmp_path / "w.duckdb") as ws:
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="t")
        run.execute(
            f"""INSERT INTO {run.t("events")} (customer_id, anonymous_id, occurred_at, event_name, source, medium,
                                               _source, _file, _line) VALUES
            (NULL, 'segment:a1', TIMESTAMP '2025-01-01 10:00', 'page_view', 'google', 'organic', 's', 'f', 1),
            (NULL, 'segment:a2', TIMESTAMP '2025-01-01 11:00', 'page_view', 'facebook', 'cpc', 's', 'f', 2),
            (NULL, 'segment:a2', TIMESTAMP '2025-01-01 11:01', 'Product Viewed', NULL, NULL, 's', 'f', 3),
            (NULL, 'segment:a3', TIMESTAMP '2025-01-02 09:00', 'Order Completed', NULL, NULL, 's', 'f', 4),
            (NULL, 'segment:a4', TIMESTAMP '2025-01-03 09:00', 'Product Viewed', NULL, NULL, 's', 'f', 5),
            ('segment:u4', 'segment:a4', TIMESTAMP '2025-01-05 09:00', 'Order Completed', NULL, NULL, 's', 'f', 6),
            (NULL, 'segment:a5', TIMESTAMP '2025-01-06 09:00', 'Some App Event', NULL, NULL, 's', 'f', 7)"""
        )
        unify(run)
        write_maps(run, JourneyConfig())
        write_prospects(run)
        rows = run.dicts(
            f"SELECT visitor_key, furthest, reach_1, reach_2, first_channel FROM {run.t('journey_prospects')} "
            "ORDER BY visitor_key"
        )
    got = {r["visitor_key"]: (r["furthest"], r["reach_2"] is not None, r["first_channel"]) for r in rows}
    assert got == {
        "anon:segment:a1": (1, False, "google / organic"),
        "anon:segment:a2": (2, True, "facebook / cpc"),
        "anon:segment:a3": (2, True, None),  # an anonymous order: consideration at most
        "anon:segment:a5": (1, False, None),  # any event is a visit
    }  # a4 logged in: a customer, with the product view before it
