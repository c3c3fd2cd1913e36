"""The pages' views (web/views/) as pure functions, and the web package's seams: no route reaches the workspace."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import personacraft.web.routes as routes
from personacraft.web.service import RunView, Service
from personacraft.web.views.compare import compare_context
from personacraft.web.views.fields import as_count, as_dict, is_number, maps
from personacraft.web.views.personas import card_filename, gallery_context, persona_context
from personacraft.web.views.runs import health_context, run_rows


def test_fields_read_odd_values_as_empty() -> None:
    assert is_number(3) and is_number(0.5) and not is_number(True) and not is_number("3")
    assert as_dict({"a": 1}) == {"a": 1} and as_dict(None) == {} and as_dict([1]) == {}
    assert maps([{"a": 1}, "x", None, {"b": 2}]) == [{"a": 1}, {"b": 2}] and maps({"a": 1}) == []
    assert as_count(2) == 2.0 and as_count(None) == 0.0 and as_count(False) == 0.0


def test_gallery_and_persona_contexts_come_from_the_run_alone(service: Service) -> None:
    view = service.view
    gallery = gallery_context(view)
    assert [it["id"] for it in gallery["personas"]] == [p["id"] for p in view.personas]
    assert abs(sum(s["w"] for s in gallery["strip"]) - 100 * sum(p["share"] for p in view.personas)) < 1e-6
    pid = view.personas[0]["id"]
    page = persona_context(view, pid)
    assert page["p"]["id"] == pid and pid not in [o["id"] for o in page["others"]]
    assert {c["fmt"] for c in page["cards"]} <= {"html", "pdf", "png", "md", "json"}


def test_compare_names_unknown_ids_and_card_names_are_slugs(service: Service) -> None:
    view = service.view
    ctx = compare_context(view, ["p1", "nobody"])
    assert ctx["chosen_ids"] == ["p1"] and ctx["unknown"] == ["nobody"]
    assert [row["label"] for row in ctx["rows"]][:2] == ["Share of customers", "Share of revenue"]
    assert all(len(row["cells"]) == 1 for row in ctx["rows"])
    name = card_filename(view, "p1", "pdf")
    assert name.startswith("p1-") and name.endswith(".pdf") and " " not in name


def test_run_rows_and_health_without_accounting(service: Service, tmp_path: Path) -> None:
    view: RunView = replace(service.view, accounting=None)
    rows = run_rows([{"run_id": view.run_id, "seq": 1, "status": None, "summary_json": "not json"}], view)
    assert rows[0]["shown"] and rows[0]["status"] == "unknown" and rows[0]["summary"] == {}
    assert health_context(view)["acc"] is None


def test_no_route_module_imports_the_store() -> None:
    for path in Path(routes.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [n for n in names if n.startswith(("personacraft.store", "duckdb"))], path.name
