"""The REST API of ``personacraft serve``: endpoints, agreement with ``personacraft assign``, security."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from fastapi.testclient import TestClient

from personacraft.config import load_config
from personacraft.erasure import bump_generation
from personacraft.errors import ConfigError
from personacraft.pipeline import BuildResult
from personacraft.segment import assign_file
from personacraft.store import Workspace
from personacraft.web.app import create_app
from personacraft.web.auth import (
    COOKIE,
    Auth,
    TokenStore,
    check_bind,
    create_token,
    is_loopback,
    list_tokens,
    read_tokens,
    revoke_token,
)
from personacraft.web.fastpath import AssignFastPath
from personacraft.web.hardening import Limits
from personacraft.web.records import RecordMapper
from personacraft.web.service import Service
from tests.conftest import read_csv

Demo = tuple[Path, BuildResult]
HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")


@pytest.fixture(scope="module")
def tokens(web_demo: Demo) -> dict[str, str]:
    """An admin and a read token in the demo's workspace."""
    cfg = load_config(web_demo[0])
    with Workspace(cfg.workspace_path) as ws:
        have = {r.label for r in list_tokens(ws)}
        out = {}
        for role in ("admin", "read"):
            label = f"api-test-{role}"
            if label in have:
                revoke_token(ws, label)
            out[role] = create_token(ws, role, label)[0]
    return out


@pytest.fixture(scope="module")
def client(service: Service, tokens: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(service)) as c:
        yield c


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def admin(tokens: dict[str, str]) -> dict[str, str]:
    return auth(tokens["admin"])


@pytest.fixture(scope="module")
def reader(tokens: dict[str, str]) -> dict[str, str]:
    return auth(tokens["read"])


@pytest.fixture(scope="module")
def features(web_demo: Demo) -> dict[str, dict[str, dict[str, float]]]:
    """Every demo customer's features (features.parquet) as the API's ``features`` object."""
    rows = duckdb.sql(
        f"SELECT customer_id, family, value, n FROM read_parquet('{web_demo[1].run_dir / 'features.parquet'}')"
    ).fetchall()
    out: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for cid, family, value, n in rows:
        out[cid][family][value] = out[cid][family].get(value, 0.0) + n
    return {k: {f: dict(v) for f, v in fam.items()} for k, fam in out.items()}


@pytest.fixture(scope="module")
def cli_assigned(web_demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """``personacraft assign`` (assign_file) on the build's features.parquet."""
    out = tmp_path_factory.mktemp("assign") / "assigned.csv"
    with Workspace(load_config(web_demo[0]).workspace_path, read_only=True) as ws:
        assign_file(ws.run(), web_demo[1].run_dir / "features.parquet", out)
    return {r["customer_id"]: r for r in read_csv(out)}


# -- personas, runs, cards -------------------------------------------------------------------


def test_personas_list_and_detail(client: TestClient, reader: dict[str, str], web_demo: Demo) -> None:
    r = client.get("/api/personas", headers=reader)
    assert r.status_code == 200
    listed = r.json()
    built = web_demo[1].personas
    assert [p["id"] for p in listed] == [p["id"] for p in client.app.state.service.view.personas]  # type: ignore[attr-defined]
    assert len(listed) == len(built.personas) >= 2
    first = listed[0]
    assert set(first) >= {"id", "name", "size", "share", "type", "story_name", "value", "cards"}
    assert first["size"] > 0 and 0 < first["share"] <= 1 and first["story_name"]
    assert first["value"]["clv_mean"] is not None
    detail = client.get(f"/api/personas/{first['id']}", headers=reader)
    assert detail.status_code == 200
    assert detail.json()["name"] == first["name"] and "story" in detail.json() and "evidence" in detail.json()
    missing = client.get("/api/personas/p99", headers=reader)
    assert missing.status_code == 404 and "p99" in missing.json()["detail"]


def test_runs_have_no_config_blobs(client: TestClient, reader: dict[str, str], web_demo: Demo) -> None:
    r = client.get("/api/runs", headers=reader)
    assert r.status_code == 200
    runs = r.json()
    assert runs[0]["run_id"] == web_demo[1].run_id and runs[0]["current"] and runs[0]["status"] == "succeeded"
    text = r.text
    assert "config_json" not in text and "inputs_json" not in text and "out_dir" not in text


def test_card_downloads(client: TestClient, reader: dict[str, str]) -> None:
    signatures = {"pdf": b"%PDF", "png": b"\x89PNG", "html": b"<!doctype html", "md": b"#", "json": b"{"}
    for fmt, start in signatures.items():
        r = client.get(f"/api/personas/p1/card.{fmt}", headers=reader)
        assert r.status_code == 200, fmt
        assert r.content.lower().lstrip().startswith(start.lower()), fmt
        assert f'filename="p1.{fmt}"' in r.headers["content-disposition"]
        assert r.headers["x-content-type-options"] == "nosniff"
    assert client.get("/api/personas/p1/card.pdf", headers=reader).headers["content-type"] == "application/pdf"


@pytest.mark.parametrize(
    "path",
    [
        "/api/personas/p1/card.exe",
        "/api/personas/p1/card.pdf%00.md",
        "/api/personas/p1/card.",
        "/api/personas/p99/card.md",
        "/api/personas/..%2F..%2F..%2Fpersonas/card.json",
        "/api/personas/../../personas.json/card.md",
        "/api/personas/%2E%2E/card.json",
        "/api/personas/p1/card.%2E%2E%2Fpersonas.json",
        "/api/personas/p1%2F..%2F..%2Fpersonas/card.json",
    ],
)
def test_card_path_safety(client: TestClient, reader: dict[str, str], path: str) -> None:
    r = client.get(path, headers=reader)
    assert r.status_code == 404, (path, r.status_code, r.text[:200])
    assert b"run_id" not in r.content  # never personas.json or any other file


# -- assigning -------------------------------------------------------------------------------


def test_assign_agrees_with_assign_file_on_every_customer(
    client: TestClient,
    reader: dict[str, str],
    features: dict[str, dict[str, dict[str, float]]],
    cli_assigned: dict[str, dict[str, str]],
) -> None:
    assert len(features) == len(cli_assigned) >= 1000
    disagree = []
    for cid, fam in features.items():
        r = client.post("/api/assign", headers=reader, json={"customer_id": cid, "features": fam})
        assert r.status_code == 200, r.text
        got, want = r.json(), cli_assigned[cid]
        if (got["persona_id"] or "") != want["persona_id"] or abs(got["confidence"] - float(want["confidence"])) > 1e-4:
            disagree.append((cid, got["persona_id"], want["persona_id"]))
        if (got["second_persona_id"] or "") != want["second_persona_id"]:
            disagree.append((cid, got["second_persona_id"], want["second_persona_id"]))
        assert got["known_values"] == int(want["known_values"])
    assert disagree == []


def test_assign_answer(client: TestClient, reader: dict[str, str], features: dict[str, Any]) -> None:
    cid, fam = next(iter(features.items()))
    r = client.post(
        "/api/assign", headers=reader, json={"customer_id": cid, "features": {**fam, "no such family": "x"}}
    ).json()
    assert r["customer_id"] == cid and r["persona_id"].startswith("p") and r["persona_name"]
    assert r["unknown_values"] == 1 and r["unknown_examples"] == ["no such family = x"]
    assert 1 <= len(r["reasons"]) <= 5
    for reason in r["reasons"]:
        assert reason["lift"] > 1 and 0 < reason["population_share"] < 1 and reason["feature"] in fam
    # string, list and {value: count} forms
    one = client.post("/api/assign", headers=reader, json={"features": {"device": "mobile"}}).json()
    listed = client.post("/api/assign", headers=reader, json={"features": {"device": ["mobile"]}}).json()
    counted = client.post("/api/assign", headers=reader, json={"features": {"device": {"mobile": 1}}}).json()
    assert one["persona_id"] == listed["persona_id"] == counted["persona_id"] and one["known_values"] == 1
    nothing = client.post("/api/assign", headers=reader, json={"features": {"device": "fax"}}).json()
    assert nothing["persona_id"] is None and nothing["known_values"] == 0 and nothing["unknown_values"] == 1


ODD_FORMS: list[dict[str, Any]] = [
    {"features": {"device": "mobile"}},
    {"features": {"device": ["mobile", "desktop"], "daypart": {"evening": 3, "morning": 1.5}}},
    {"customer_id": "c-1", "features": {"device": {"mobile": 0}}},
    {"features": {"device": "fax", "no such family": ["x", "y"]}},
    {"features": {}},
    {},
]


def test_fast_path_answers_as_the_route(
    client: TestClient, reader: dict[str, str], features: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``web.fastpath`` answers POST /api/assign as FastAPI's route (and its response model) does."""
    bodies = [{"customer_id": cid, "features": fam} for cid, fam in list(features.items())[:150]] + ODD_FORMS
    answered: list[bool] = []
    real = AssignFastPath._answer

    async def counted(self: AssignFastPath, *args: Any) -> bytes | None:
        out = await real(self, *args)
        answered.append(out is not None)
        return out

    monkeypatch.setattr(AssignFastPath, "_answer", counted)
    fast = [client.post("/api/assign", headers=reader, json=b) for b in bodies]
    assert answered == [True] * len(bodies)  # it can fail: every one of these went the fast way
    for r in fast:
        assert r.status_code == 200 and r.headers["content-type"] == "application/json", r.text
        assert r.headers["cache-control"] == "no-store" and all(h in r.headers for h in HEADERS)

    async def never(self: AssignFastPath, *args: Any) -> None:
        return None

    monkeypatch.setattr(AssignFastPath, "_answer", never)
    routed = [client.post("/api/assign", headers=reader, json=b) for b in bodies]
    assert [r.json() for r in fast] == [r.json() for r in routed]


@pytest.mark.parametrize(
    ("headers", "content"),
    [
        ({"Authorization": None}, b'{"features": {}}'),  # no token
        ({"Authorization": "Bearer nope"}, b'{"features": {}}'),
        ({"Authorization": "Basic abc"}, b'{"features": {}}'),
        ({"Content-Type": "text/plain"}, b'{"features": {}}'),
        ({}, b"{nope"),
        ({}, b'{"features": {"device": {"mobile": -1}}}'),
        ({}, b'{"features": {"device": {"mobile": "2"}}}'),
        ({}, b'{"features": {}, "extra": 1}'),
        ({}, b'{"record": {"Job Title": "VP Finance"}}'),
    ],
)
def test_fast_path_hands_the_rest_to_the_route(
    client: TestClient,
    reader: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    headers: dict[str, str | None],
    content: bytes,
) -> None:
    """What the fast path does not answer (a token missing or unknown, a body FastAPI refuses, a raw record)
    gets the route's answer, the same as with no fast path at all."""
    given = {"Content-Type": "application/json", **reader, **headers}
    sent = {k: v for k, v in given.items() if v is not None}
    with_fast = client.post("/api/assign", headers=sent, content=content)

    async def never(self: AssignFastPath, *args: Any) -> None:
        return None

    monkeypatch.setattr(AssignFastPath, "_answer", never)
    without = client.post("/api/assign", headers=sent, content=content)
    assert (with_fast.status_code, with_fast.json()) == (without.status_code, without.json())


def test_fast_path_sees_a_forget(client: TestClient, reader: dict[str, str], service: Service) -> None:
    """A ``personacraft forget`` (the erasure counter) is seen by the next assign, which reads the run again."""
    before = service.generation
    bump_generation(service.config.workspace_path)
    assert client.post("/api/assign", headers=reader, json={"features": {"device": "mobile"}}).status_code == 200
    assert service.generation == before + 1
    assert client.app.state.assigners.get()[0] is not None


def test_assign_raw_fields(client: TestClient, reader: dict[str, str]) -> None:
    record = {
        "Job Title": "VP Finance",
        "Buying Role": "Decision Maker;Champion",
        "Country/Region": "Germany",
        "device": "Mobile",
        "utm_source": "google",
        "utm_medium": "cpc",
        "orders": [
            {"amount": 9.5, "ordered_at": "2024-12-07T23:30:00", "discount_code": "SAVE10", "items": []},
            {"amount": 12.0, "ordered_at": "2024-12-14T22:05:00+01:00", "discount_code": "SAVE10"},
        ],
    }
    r = client.post("/api/assign", headers=reader, json={"customer_id": "lead-1", "record": record})
    assert r.status_code == 200, r.text
    body = r.json()
    mapped = {(m["family"], m["value"]): m for m in body["mapped"]}
    # the job title went through the build's SQL; a retail build has no such family, so unknown
    assert mapped[("seniority", "executive")]["known"] is False
    assert mapped[("job function", "finance and accounting")]["field"] == "Job Title"
    assert ("buying role", "Decision Maker") in mapped and ("buying role", "Champion") in mapped
    assert mapped[("device", "mobile")]["known"] is True  # matched regardless of case
    assert mapped[("channel", "google / cpc")]["known"] is True
    # two orders in the demo's last month: a new customer, whose frequency is not judged yet
    assert not any(f == "frequency" for f, _ in mapped) and mapped[("discount", "code")]["n"] == 2
    assert mapped[("daypart", "evening")]["n"] == 2 and mapped[("weekday", "weekend")]["n"] == 2
    assert mapped[("season", "holiday")]["n"] == 2
    assert body["ignored_fields"] == ["Country/Region"]
    assert body["persona_id"] is not None and body["known_values"] >= 7


def test_raw_orders_map_as_the_build_computes_them(client: TestClient, web_demo: Demo) -> None:
    """Orders given raw become the same order families as the build's FEATURE_COUNTS made."""
    families = ("order value", "frequency", "discount", "daypart", "weekday", "season", "product")
    with Workspace(load_config(web_demo[0]).workspace_path, read_only=True) as ws:
        run = ws.run()
        lines = run.dicts(
            f"""SELECT o.customer_key, o.order_id, o.amount, o.local_at, o.discounted, l.category, l.product,
                   l.quantity
            FROM {run.t("cust_orders")} o LEFT JOIN {run.t("order_lines")} l USING (order_id)
            WHERE o.customer_key IN (SELECT DISTINCT customer_key FROM {run.t("cust_orders")}
                                     ORDER BY customer_key LIMIT 150)"""
        )
        expected_rows = run.dicts(
            f"""SELECT customer_key, family, value, n FROM {run.t("feature_counts")}
            WHERE family IN {families} AND customer_key IN (SELECT DISTINCT customer_key
                FROM {run.t("cust_orders")} ORDER BY customer_key LIMIT 150)"""
        )
    orders: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in lines:
        order = orders[row["customer_key"]].setdefault(
            row["order_id"],
            {
                "amount": row["amount"],
                "ordered_at": row["local_at"].isoformat(),
                "discount_code": "CODE" if row["discounted"] else None,
                "items": [],
            },
        )
        if row["product"] is not None or row["category"] is not None:
            order["items"].append({"category": row["category"], "product": row["product"], "quantity": row["quantity"]})
    expected: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    for row in expected_rows:
        expected[row["customer_key"]][(row["family"], row["value"])] = row["n"]
    assigner, mapper = client.app.state.assigners.get()  # type: ignore[attr-defined]
    assert isinstance(mapper, RecordMapper) and len(orders) == 150
    for key, by_id in orders.items():
        counts, mapped, ignored = assigner.empty(), [], []  # type: ignore[var-annotated]
        mapper.add(counts, {"orders": list(by_id.values())}, mapped, ignored)
        got = {(m["family"], m["value"]): m["n"] for m in mapped}
        assert got == pytest.approx(expected[key]), key


def test_batch_csv_agrees_with_assign_file(
    client: TestClient, reader: dict[str, str], web_demo: Demo, tmp_path: Path
) -> None:
    long_csv = tmp_path / "features.csv"
    duckdb.sql(
        f"COPY (SELECT * FROM read_parquet('{web_demo[1].run_dir / 'features.parquet'}')) TO '{long_csv}' (HEADER)"
    )
    want = tmp_path / "cli.csv"
    with Workspace(load_config(web_demo[0]).workspace_path, read_only=True) as ws:
        assign_file(ws.run(), long_csv, want)
    expected = [
        (r["customer_id"], r["persona_id"], float(r["confidence"]), r["second_persona_id"], r["known_values"])
        for r in read_csv(want)
    ]
    raw = client.post(
        "/api/assign/batch", headers={**reader, "Content-Type": "text/csv"}, content=long_csv.read_bytes()
    )
    upload = client.post(
        "/api/assign/batch", headers=reader, files={"file": ("features.csv", long_csv.read_bytes(), "text/csv")}
    )
    for r in (raw, upload):
        assert r.status_code == 200, r.text[:300]
        assert r.headers["content-type"].startswith("text/csv")
        got = [
            (r_["customer_id"], r_["persona_id"], float(r_["confidence"]), r_["second_persona_id"], r_["known_values"])
            for r_ in csv.DictReader(io.StringIO(r.text))
        ]
        assert got == expected


def test_batch_wide_csv_and_json(client: TestClient, reader: dict[str, str], features: dict[str, Any]) -> None:
    some = list(features.items())[:40]
    singles = {
        cid: client.post("/api/assign", headers=reader, json={"customer_id": cid, "features": fam}).json()
        for cid, fam in some
    }
    r = client.post("/api/assign/batch", headers=reader, json=[{"customer_id": cid, "features": f} for cid, f in some])
    assert r.status_code == 200, r.text[:300]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["customer_id"] for row in rows] == [cid for cid, _ in some]
    for row in rows:
        assert row["persona_id"] == (singles[row["customer_id"]]["persona_id"] or "")
    # wide form: one column per family, several values separated by |
    wide = "customer_id,device,daypart\nw1,mobile,night|night\nw2,desktop,\nw3,,\n"
    r = client.post("/api/assign/batch", headers={**reader, "Content-Type": "text/csv"}, content=wide)
    assert r.status_code == 200, r.text
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["customer_id"] for row in rows] == ["w1", "w2", "w3"]
    assert rows[0]["known_values"] == "2" and rows[2]["persona_id"] == "" and rows[2]["known_values"] == "0"


def test_batch_bad_input(client: TestClient, reader: dict[str, str]) -> None:
    bad = {**reader, "Content-Type": "text/csv"}
    for body in ("", "a,b\n1,2\n", "customer_id,family,value,n\nc,device,mobile,lots\n"):
        r = client.post("/api/assign/batch", headers=bad, content=body)
        assert r.status_code == 422, (body, r.status_code, r.text)
        assert r.json()["message"]
    r = client.post("/api/assign/batch", headers={**reader, "Content-Type": "application/xml"}, content="<a/>")
    assert r.status_code == 415
    r = client.post("/api/assign/batch", headers=reader, json=[{"features": {"device": 3}}])
    assert r.status_code == 422 and "body.0.features.device" in r.json()["message"]
    r = client.post("/api/assign/batch", headers=reader, files={"other": ("x.csv", b"a", "text/csv")})
    assert r.status_code == 422 and "file" in r.json()["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"features": {"device": 3}}, "features.device"),
        ({"features": {"device": {"mobile": -1}}}, "features.device.as counts.mobile"),
        ({"features": {"device": {"mobile": True}}}, "features.device.as counts.mobile"),  # a count is a number
        ({"features": {"device": {"mobile": "2"}}}, "features.device.as counts.mobile"),
        ({"features": {"device": ["a", 1]}}, "features.device.as a list.1"),
        ({"features": {}, "extra": 1}, "extra"),
        ({"record": {"orders": "many"}}, "record.orders"),
        ({"record": {"orders": [{"ordered_at": "yesterday"}]}}, "record.orders.0.ordered_at"),
        ({"record": {"orders": [{"ordered_at": "2024-01-01", "amount": "ten"}]}}, "record.orders.0.amount"),
        ({"record": {"device": {"mobile": "x"}}}, "record.device.mobile"),
        ({"record": {"survey": ["a"]}}, "record.survey"),
    ],
)
def test_assign_422_names_the_field(client: TestClient, reader: dict[str, str], body: Any, field: str) -> None:
    r = client.post("/api/assign", headers=reader, json=body)
    assert r.status_code == 422, r.text
    assert f"body.{field}" in r.json()["message"], r.json()
    assert isinstance(r.json()["detail"], list)


def test_bad_json_is_422(client: TestClient, reader: dict[str, str]) -> None:
    r = client.post("/api/assign", headers={**reader, "Content-Type": "application/json"}, content=b"{nope")
    assert r.status_code == 422
    r = client.post("/api/assign", headers={**reader, "Content-Type": "application/json"}, content=b"[1, 2]")
    assert r.status_code == 422


# -- customers ---------------------------------------------------------------------------------


def test_customer_lookup_read_and_admin(
    client: TestClient, reader: dict[str, str], admin: dict[str, str], web_demo: Demo
) -> None:
    assigned = read_csv(web_demo[1].out_dir / "assignments.csv")
    person = next(r for r in assigned if r["persona_id"] and r["email"])
    by_id = client.get(f"/api/customers/{person['customer_id']}/persona", headers=reader)
    assert by_id.status_code == 200, by_id.text
    body = by_id.json()
    assert body["persona_id"] == person["persona_id"] and body["email"] is None
    assert person["email"] not in by_id.text and body["reasons"]
    by_email_read = client.get(f"/api/customers/{person['email']}/persona", headers=reader)
    assert by_email_read.status_code == 403 and person["email"] not in by_email_read.text
    by_email = client.get(f"/api/customers/{person['email'].upper()}/persona", headers=admin)
    assert by_email.status_code == 200
    assert by_email.json()["customer_id"] == person["customer_id"] and by_email.json()["email"] == person["email"]
    assert client.get("/api/customers/nobody-here/persona", headers=reader).status_code == 404


# -- security ----------------------------------------------------------------------------------


def test_401_and_403(client: TestClient, reader: dict[str, str], admin: dict[str, str]) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic dXNlcjpwYXNz"}):
        for method, path in (("GET", "/api/personas"), ("POST", "/api/assign"), ("GET", "/api/openapi.json")):
            r = client.request(method, path, headers=headers, json={})
            assert r.status_code == 401, (headers, path, r.status_code)
            assert r.headers["www-authenticate"] == "Bearer"
    r = client.post("/api/reload", headers=reader)
    assert r.status_code == 403 and "admin" in r.json()["detail"]
    r = client.post("/api/reload", headers=admin)
    assert r.status_code == 200 and r.json()["run_id"]


def test_members_audiences_and_crm_import_need_an_admin(
    client: TestClient, reader: dict[str, str], admin: dict[str, str], service: Service
) -> None:
    view = service.view
    pid = view.personas[0]["id"]
    paths = [f"/api/personas/{pid}/members.csv", f"/api/personas/{pid}/audience/google.csv", "/api/activation/crm.csv"]
    for path in paths:
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers=reader).status_code == 403, path
    r = client.get(paths[0], headers=admin)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    with (view.run_dir / "assignments.csv").open(encoding="utf-8", newline="") as f:
        expected = sorted(row["customer_id"] for row in csv.DictReader(f) if row["persona_id"] == pid)
    assert sorted(row["customer_id"] for row in rows) == expected and {row["persona_id"] for row in rows} == {pid}
    r = client.get(paths[1], headers=admin)
    assert r.status_code == 200 and r.content == view.activation_path(pid, "google").read_bytes()
    assert client.get(paths[2], headers=admin).content == view.activation_path(None, "crm").read_bytes()
    assert client.get(f"/api/personas/{pid}/audience/tiktok.csv", headers=admin).status_code == 404
    assert client.get("/api/personas/nobody/members.csv", headers=admin).status_code == 404


def test_revoked_token_is_refused(service: Service, web_demo: Demo) -> None:
    path = load_config(web_demo[0]).workspace_path
    with Workspace(path) as ws:
        token = create_token(ws, "read", "short-lived")[0]
    app = create_app(service, auth=Auth(TokenStore(path, refresh_seconds=0.0)))
    with TestClient(app) as c:
        assert c.get("/api/personas", headers=auth(token)).status_code == 200
        with Workspace(path) as ws:
            revoke_token(ws, "short-lived")
        assert c.get("/api/personas", headers=auth(token)).status_code == 401


def test_tokens_stored_hashed(tokens: dict[str, str], web_demo: Demo) -> None:
    path = load_config(web_demo[0]).workspace_path
    records = {r.label: r for r in read_tokens(path)}
    assert records["api-test-admin"].role == "admin" and records["api-test-read"].role == "read"
    assert records["api-test-admin"].sha256 == hashlib.sha256(tokens["admin"].encode()).hexdigest()
    stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    for token in tokens.values():
        assert token.encode() not in stored


def test_body_limits(service: Service, client: TestClient, reader: dict[str, str]) -> None:
    big = b'{"features": {"x": "' + b"a" * (1 << 20) + b'"}}'
    r = client.post("/api/assign", headers={**reader, "Content-Type": "application/json"}, content=big)
    assert r.status_code == 413 and "1 MiB" in r.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"features": {"x": "'
        for _ in range(40):
            yield b"a" * 65536
        yield b'"}}'

    r = client.post("/api/assign", headers={**reader, "Content-Type": "application/json"}, content=chunks())
    assert r.status_code == 413
    small = create_app(service, limits=Limits(batch_bytes=10_000))
    with TestClient(small) as c:
        body = "customer_id,family,value\n" + "c1,device,mobile\n" * 2000
        r = c.post("/api/assign/batch", headers={**reader, "Content-Type": "text/csv"}, content=body)
        assert r.status_code == 413
        for header in HEADERS:
            assert header in r.headers


def test_security_headers_everywhere(client: TestClient, reader: dict[str, str]) -> None:
    for r in (
        client.get("/api/personas", headers=reader),
        client.get("/api/personas"),
        client.get("/api/personas/p404", headers=reader),
        client.get("/no-such-page"),
        client.post("/api/assign", headers=reader, json={"features": 1}),
    ):
        for header in HEADERS:
            assert header in r.headers, (r.url, header)
        assert r.headers["x-frame-options"] == "DENY" and r.headers["referrer-policy"] == "no-referrer"
        assert "http" not in r.headers["content-security-policy"]  # no external source
        assert "server" not in r.headers


def test_pages_login_beyond_loopback(service: Service, tokens: dict[str, str]) -> None:
    app = create_app(service, auth=Auth.for_workspace(service.config.workspace_path, pages_login=True))
    with TestClient(app, base_url="https://testserver") as c:
        r = c.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login?next=%2F"
        form = c.get("/login?next=/")
        assert form.status_code == 200 and 'name="token"' in form.text
        assert c.post("/login", data={"token": "wrong", "next": "/"}).status_code == 401
        r = c.post("/login", data={"token": tokens["read"], "next": "//evil.example/"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/"  # no open redirect
        cookie = r.headers["set-cookie"]
        assert cookie.startswith(COOKIE + "=")
        for flag in ("Secure", "HttpOnly", "SameSite=strict", "Path=/"):
            assert flag.lower() in cookie.lower()
        value = cookie.split(";")[0].split("=", 1)[1]
        full_hash = hashlib.sha256(tokens["read"].encode()).hexdigest()
        assert tokens["read"] not in value and full_hash not in value
        after = c.get("/", follow_redirects=False)
        assert after.status_code != 303
        # the cookie is for the pages; the API still wants the bearer token
        assert c.get("/api/personas").status_code == 401
        # a forged cookie is refused
        c.cookies.clear()
        c.cookies.set(COOKIE, value[:-4] + "0000")
        assert c.get("/", follow_redirects=False).status_code == 303


def test_behind_a_login_only_an_admin_may_download_members_audiences_and_the_crm_import(
    service: Service, tokens: dict[str, str]
) -> None:
    pid = service.view.personas[0]["id"]
    paths = [f"/personas/{pid}/members.csv", f"/personas/{pid}/audience/google.csv", "/activation/crm.csv"]
    app = create_app(service, auth=Auth.for_workspace(service.config.workspace_path, pages_login=True))
    for role, status in (("read", 403), ("admin", 200)):
        with TestClient(app, base_url="https://testserver") as c:
            assert (
                c.post("/login", data={"token": tokens[role], "next": "/"}, follow_redirects=False).status_code == 303
            )
            assert c.get(f"/personas/{pid}").status_code == 200
            for path in paths:
                r = c.get(path)
                assert r.status_code == status, (role, path)
                if status == 200:
                    assert r.headers["content-type"].startswith("text/csv")
                else:
                    assert "admin" in r.text and "@" not in r.text.split("<main", 1)[1].split("</main>", 1)[0]


def test_loopback_and_bind_check() -> None:
    for host in ("127.0.0.1", "127.8.9.1", "::1", "[::1]", "localhost", "LOCALHOST"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "::", "192.168.1.10", "example.com", "10.0.0.1"):
        assert not is_loopback(host), host
    check_bind("127.0.0.1", 0)
    check_bind("0.0.0.0", 1)
    with pytest.raises(ConfigError, match="token create"):
        check_bind("0.0.0.0", 0)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERSONACRAFT")}
    return subprocess.run(
        [sys.executable, "-m", "personacraft", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


def test_serve_refuses_public_bind_without_tokens(web_demo: Demo, tmp_path: Path) -> None:
    config = tmp_path / "personacraft.toml"  # the demo's config, next to a workspace that does not exist yet
    config.write_text(web_demo[0].read_text(encoding="utf-8"), encoding="utf-8")
    result = _cli("serve", "--config", str(config), "--host", "0.0.0.0", "--port", "1", cwd=tmp_path)
    assert result.returncode == ConfigError.exit_code, result.stderr
    assert "will not listen on 0.0.0.0" in result.stderr and "token create" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_token_commands(web_demo: Demo, tmp_path: Path) -> None:
    config = tmp_path / "personacraft.toml"
    config.write_text(web_demo[0].read_text(encoding="utf-8"), encoding="utf-8")
    made = _cli("token", "create", "--role", "read", "--label", "ci", "--config", str(config), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert len(token) >= 40
    listed = _cli("token", "list", "--config", str(config), cwd=tmp_path)
    assert "ci" in listed.stderr and "read" in listed.stderr and token not in listed.stdout + listed.stderr
    again = _cli("token", "create", "--role", "read", "--label", "ci", "--config", str(config), cwd=tmp_path)
    assert again.returncode == ConfigError.exit_code and "exists already" in again.stderr
    wrong = _cli("token", "create", "--role", "root", "--config", str(config), cwd=tmp_path)
    assert wrong.returncode == ConfigError.exit_code and "read, admin" in wrong.stderr
    assert _cli("token", "revoke", "ci", "--config", str(config), cwd=tmp_path).returncode == 0
    gone = _cli("token", "revoke", "ci", "--config", str(config), cwd=tmp_path)
    assert gone.returncode == 8 and "Traceback" not in gone.stderr


# -- a real server ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_real_uvicorn_server(web_demo: Demo, tokens: dict[str, str], features: dict[str, Any]) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERSONACRAFT")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "personacraft", "serve", "--config", str(web_demo[0]), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=10) as http:
            deadline = time.monotonic() + 60
            while True:
                try:
                    http.get("/api/personas")
                    break
                except httpx.TransportError:
                    assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.2)
            r = http.get("/api/personas", headers=auth(tokens["read"]))
            assert r.status_code == 200 and r.json()[0]["id"] == "p1"
            assert "server" not in r.headers and r.headers["x-frame-options"] == "DENY"
            assert http.get("/api/personas").status_code == 401
            cid, fam = next(iter(features.items()))
            a = http.post("/api/assign", headers=auth(tokens["read"]), json={"customer_id": cid, "features": fam})
            assert a.status_code == 200 and a.json()["persona_id"]
            pdf = http.get("/api/personas/p1/card.pdf", headers=auth(tokens["read"]))
            assert pdf.content.startswith(b"%PDF")
            # HEAD answers as GET does, headers and all, without the body
            for path, headers, status in (
                ("/", {}, 200),
                ("/health", {}, 200),
                ("/personas/p1", {}, 200),
                ("/api/personas", auth(tokens["read"]), 200),
                ("/api/personas", {}, 401),
                ("/api/personas/p1/card.pdf", auth(tokens["read"]), 200),
            ):
                got, head = http.get(path, headers=headers), http.head(path, headers=headers)
                assert (head.status_code, head.content) == (status, b""), path
                assert head.headers["content-type"] == got.headers["content-type"], path
                assert head.headers.get("content-length") == got.headers.get("content-length"), path
                assert head.headers["x-frame-options"] == "DENY", path
            assert http.head("/api/assign", headers=auth(tokens["read"])).status_code == 405
            big = http.post(
                "/api/assign",
                headers={**auth(tokens["read"]), "Content-Type": "application/json"},
                content=b"[" + b" " * (2 << 20) + b"]",
            )
            assert big.status_code == 413
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert tokens["read"] not in out and "Traceback" not in out
