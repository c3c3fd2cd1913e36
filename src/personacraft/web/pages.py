"""The server-rendered pages: gallery, comparison, persona, ICP, runs, data health (docs/web.md).

Every page reads the run the service holds (``request.app.state.service.view``) and nothing else:
no database query, and no file read but a card download (the persona page checks which card files
exist). What a run does not have
(no journeys, no ICP, no committee, an older ``personas.json`` without story fields) is said in
words on the page, with the reason the documents give, never an error. No page shows personal data:
the pages show what ``personas.json``, ``journeys.json`` and ``icp.json`` publish (aggregates over
at least the minimum group size, invented names, redacted quotes) and, from ``accounting.json``,
counts and reasons only (never its reject examples, which hold raw values).

The pages have no script. The stylesheet and the icon are served by this router (``/assets/…``),
so a page loads nothing but its own origin; persona colours are CSS classes (``pc0``…), derived
from the report's palette with the cards' contrast helpers (text at 4.5:1 or better).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChainableUndefined, PackageLoader
from markupsafe import Markup

from personacraft import __version__
from personacraft.errors import NotFoundError
from personacraft.render.cards.content import MARKDOWN, card_context
from personacraft.render.cards.svg import Colors, avatar_svg
from personacraft.render.charts import PALETTE
from personacraft.render.journey.content import journey_section, stage_order
from personacraft.render.report import environment
from personacraft.render.style import INK, MUTED, WHITE, contrast, fig
from personacraft.web.service import CARD_FORMATS, CARD_TYPES, RunView, Service

router = APIRouter(include_in_schema=False)

# the page's neutral colours; every text pair below reads at 4.5:1 or better (tests/web/test_pages.py)
BG = "#f5f6f8"
LINE = "#e2e5ea"
LINK = "#1f5582"
HEADER = "#1d2330"
HEADER_TEXT = "#d5dae2"
GOOD, BAD, WARN = "#1c6b35", "#9b1c1c", "#7a4b00"
TEXT_PAIRS = [
    (INK, WHITE),
    (INK, BG),
    (MUTED, WHITE),
    (MUTED, BG),
    (LINK, WHITE),
    (LINK, BG),
    (WHITE, HEADER),
    (HEADER_TEXT, HEADER),
    (GOOD, "#e3f4e8"),
    (BAD, "#fbe4e4"),
    (WARN, "#fdf1dc"),
]
NAV = [("gallery", "/", "Personas"), ("compare", "/compare", "Compare"), ("icp", "/icp", "ICP")]
NAV += [("runs", "/runs", "Runs"), ("health", "/health", "Data health")]
CARD_LABELS = {
    "html": ("HTML", "the card as a web page"),
    "pdf": ("PDF", "one A4 page to print"),
    "png": ("PNG", "an image for slides"),
    "md": ("Markdown", "for Notion or Google Docs"),
    "json": ("JSON", "the persona with its evidence"),
}
_SLUG = re.compile(r"[^a-z0-9]+")


# ---------------------------------------------------------------- small helpers


def _numbers_only(fmt: Callable[[Any], str]) -> Callable[[Any], str]:
    """A report number filter that treats anything but a number (undefined, text) as missing."""

    def wrapped(value: Any) -> str:
        return fmt(value if _num(value) else None)

    return wrapped


def _feature(feature: Any) -> str:
    """A trait's feature before its value: ``Device:``, but ``How old are you?`` without a colon."""
    text = str(feature).rstrip()
    return text if text.endswith(("?", ":", ".")) else f"{text}:"


def _bar(share: Any, cls: str = "") -> Markup:
    """A share as a small inline SVG bar (SVG attributes, no style attribute)."""
    if not isinstance(share, int | float) or isinstance(share, bool):
        return Markup("")
    width = max(0.0, min(1.0, float(share))) * 100
    return Markup(
        '<svg class="bar {}" viewBox="0 0 100 6" preserveAspectRatio="none" aria-hidden="true" focusable="false">'
        '<rect class="bg" width="100" height="6" rx="3"/><rect class="fg" width="{:.1f}" height="6" rx="3"/></svg>'
    ).format(cls, width)


def _num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _maps(value: Any) -> list[Mapping[str, Any]]:
    """The mappings of a list (traits, channels, …); anything else: none."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _count(value: Any) -> float:
    return float(value) if _num(value) else 0.0


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _root(request: Request) -> str:
    return str(request.scope.get("root_path") or "").rstrip("/")


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:60]


def _palette_class(i: int) -> str:
    return f"pc{i % len(PALETTE)}"


def _first_line(bio: str | None) -> str | None:
    """The bio's most telling sentence: the second (the first says how many customers), else the first."""
    if not bio:
        return None
    parts = [s for s in re.split(r"(?<=[.!?])\s+", bio.strip()) if s]
    line = parts[1] if len(parts) > 1 else parts[0]
    return line if len(line) <= 200 else line[:199].rsplit(" ", 1)[0] + "…"


def _when(value: Any) -> str:
    """A timestamp as ``2026-11-28 22:51``; text stays as it is."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    text = str(value or "")
    m = re.match(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})", text)
    return f"{m.group(1)} {m.group(2)}" if m else text


def _duration(start: Any, end: Any) -> str | None:
    if not isinstance(start, dt.datetime) or not isinstance(end, dt.datetime):
        try:
            start, end = dt.datetime.fromisoformat(str(start)), dt.datetime.fromisoformat(str(end))
        except ValueError:
            return None
    seconds = (end - start).total_seconds()
    if seconds < 0:
        return None
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _environment() -> Any:
    """The report's Jinja environment (its number filters) over this package's templates."""
    env = environment()
    env.loader = PackageLoader("personacraft", "web/templates")
    env.undefined = ChainableUndefined  # a key an older document lacks reads as undefined, never an error
    for name in ("pct", "num", "money", "lift", "pvalue"):  # the report's formats; anything not a number: "–"
        env.filters[name] = _numbers_only(env.filters[name])
    env.filters["fig"] = fig
    env.filters["label"] = lambda key: str(key).replace("_", " ").strip().capitalize()
    env.filters["bar"] = _bar
    env.filters["feature"] = _feature
    env.globals["version"] = __version__
    return env


TEMPLATES = Jinja2Templates(env=_environment())


# ---------------------------------------------------------------- what the pages show


def _persona(view: RunView, persona: Mapping[str, Any], i: int, *, avatar: int = 56) -> dict[str, Any]:
    """A persona as the pages show it: the card's context (the cards' fallbacks and reasons) and its colours."""
    color = PALETTE[i % len(PALETTE)]
    ctx = card_context(persona, color=color, title="", run_id=view.run_id, density=MARKDOWN)
    colors: Colors = ctx["colors"]
    return {
        "id": ctx["id"],
        "index": i,
        "cls": _palette_class(i),
        "ctx": ctx,
        "raw": persona,
        "colors": colors,
        "avatar": Markup(avatar_svg(ctx["initials"], colors.base, str(persona.get("id") or ctx["name"]), avatar)),
        "who": ctx["person"] or ctx["name"],
        "line": _first_line(ctx["bio"]),
        "href": f"/personas/{quote(ctx['id'], safe='')}",
    }


def _personas(view: RunView, avatar: int = 56) -> list[dict[str, Any]]:
    return [_persona(view, p, i, avatar=avatar) for i, p in enumerate(view.personas)]


def _cards(view: RunView, persona_id: str) -> list[dict[str, Any]]:
    """The card files this run wrote for a persona, with their sizes."""
    out = []
    for fmt in CARD_FORMATS:
        try:
            path = view.card_path(persona_id, fmt)
        except NotFoundError:
            continue
        label, what = CARD_LABELS[fmt]
        size = path.stat().st_size
        out.append(
            {
                "fmt": fmt,
                "label": label,
                "what": what,
                "size": f"{size / 1024:,.0f} KB" if size >= 1024 else f"{size} B",
                "href": f"/personas/{quote(persona_id, safe='')}/card.{fmt}",
            }
        )
    return out


def _journey(view: RunView, persona_id: str, name: str, color: str) -> dict[str, Any] | None:
    """The persona's journey section as the journey page builds it (render.journey.content), or None."""
    block = view.journey(persona_id)
    if block is None:
        return None
    doc = _dict(view.journeys)
    return journey_section(
        block,
        sid=persona_id,
        name=name,
        color=color,
        population=False,
        stages=stage_order(doc),
        min_group=_dict(doc.get("definition")).get("min_group_size"),
    )


def _no_journey_reason(view: RunView) -> str:
    if view.journeys is None:
        return (
            "this run has no journeys.json: it was built before journeys existed, or the build did not reach "
            "the journey step. Build again with `personacraft build` to map them."
        )
    return "journeys.json has no journey for this persona (its members' events, orders and deals were too few)."


def _trait_line(t: Mapping[str, Any]) -> dict[str, str]:
    figures = [f"{t['share']:.0%}" if _num(t.get("share")) else "", f"{t['lift']:.1f}×" if _num(t.get("lift")) else ""]
    return {"text": f"{_feature(t.get('feature'))} {t.get('value')}", "fig": " · ".join(f for f in figures if f)}


def _compare_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per comparison line, one cell per persona."""
    rows: list[dict[str, Any]] = []

    def row(label: str, cells: list[dict[str, Any]]) -> None:
        rows.append({"label": label, "cells": cells})

    row("Size", [{"value": it["ctx"]["size"], "note": it["ctx"]["share"], "unit": "customers"} for it in items])
    row("Type", [{"value": it["ctx"]["type"]["label"], "why": it["ctx"]["type"]["why"]} for it in items])
    row(
        "Top traits",
        [
            {"list": [_trait_line(t) for t in _maps(it["raw"].get("traits"))[:3]], "why": it["ctx"]["traits_why"]}
            for it in items
        ],
    )
    row(
        "Pains",
        [{"list": [{"text": t} for t in it["ctx"]["pains"].items[:3]], "why": it["ctx"]["pains"].why} for it in items],
    )
    row(
        "Channels",
        [
            {
                "list": [
                    {"text": str(c.get("channel")), "fig": f"{c['share']:.0%}" if _num(c.get("share")) else ""}
                    for c in _maps(it["raw"].get("channels"))[:3]
                    if c.get("channel")
                ],
                "why": _dict(it["raw"].get("missing")).get("channels") or "no channel in the sources",
            }
            for it in items
        ],
    )
    for label in ("Predicted CLV", "Share of revenue", "Revenue per customer", "Churn risk"):
        cells = []
        for it in items:
            found = next((r for r in it["ctx"]["value"]["rows"] if r["label"] == label), None)
            if found is None:  # revenue per customer: no row without orders; the reason is revenue share's
                missing = _dict(_dict(it["raw"].get("value")).get("missing"))
                cells.append({"value": None, "why": missing.get("revenue_share") or "not in this personas.json"})
            else:
                cells.append({"value": found.get("value"), "note": found.get("note"), "why": found.get("why")})
            if label == "Churn risk":
                cells[-1]["flags"] = it["ctx"]["value"]["flags"]
        row(label, cells)
    row(
        "Recommendations",
        [
            {
                "list": [{"text": r["texts"][0], "tag": r["label"]} for r in it["ctx"]["recs"] if r["texts"]],
                "why": "no recommendation in this personas.json",
            }
            for it in items
        ],
    )
    return rows


def _icp_context(view: RunView) -> dict[str, Any] | None:
    """The ICP document with persona links and the fit points scaled for their bars."""
    if not isinstance(view.icp, Mapping):
        return None
    icp = dict(view.icp)
    index = {p["id"]: i for i, p in enumerate(view.personas)}
    why, fit = _dict(icp.get("why")), _dict(icp.get("fit_score"))
    personas = []
    for line in _maps(why.get("personas")):
        pid = str(line.get("persona_id") or line.get("value") or "")
        known = pid in index
        personas.append(
            {
                **line,
                "href": f"/personas/{quote(pid, safe='')}" if known else None,
                "cls": _palette_class(index[pid]) if known else "",
            }
        )
    points = [p for p in _maps(fit.get("points")) if _num(p.get("points"))][:14]
    top = max((abs(float(p["points"])) for p in points), default=0.0) or 1.0
    bars = []
    for p in points:  # a bar from the middle (0 points), to the right when the value adds points
        v = float(p["points"])
        half = abs(v) / top * 48
        bars.append({**p, "x": 50 if v >= 0 else 50 - half, "w": max(half, 0.6), "sign": "pos" if v >= 0 else "neg"})
    return {
        "doc": icp,
        "outcome": _dict(icp.get("outcome")),
        "rules": _maps(icp.get("rules")),
        "who": _maps(_dict(icp.get("who")).get("profile")),
        "why": why,
        "personas": personas,
        "answers": _maps(why.get("answers")),
        "where": _dict(icp.get("where")),
        "missing": _dict(icp.get("missing")),
        "fit": fit,
        "evaluation": _dict(fit.get("evaluation")),
        "bars": bars,
    }


def _run_rows(service: Service, view: RunView) -> list[dict[str, Any]]:
    rows = []
    for r in service.runs:
        try:
            summary = json.loads(r.get("summary_json") or "{}")
        except (TypeError, ValueError):
            summary = {}
        rows.append(
            {
                "run_id": r.get("run_id"),
                "seq": r.get("seq"),
                "status": str(r.get("status") or "unknown"),
                "created": _when(r.get("created_at")),
                "finished": _when(r.get("finished_at")) if r.get("finished_at") else None,
                "duration": _duration(r.get("created_at"), r.get("finished_at")) if r.get("finished_at") else None,
                "config_hash": r.get("config_hash"),
                "version": r.get("version"),
                "summary": summary if isinstance(summary, Mapping) else {},
                "error": r.get("error"),
                "shown": r.get("run_id") == view.run_id,
            }
        )
    return rows


def _accounting(view: RunView) -> dict[str, Any] | None:
    """Per source: counts and reasons (never the reject examples: they hold raw values)."""
    acc = view.accounting
    if not isinstance(acc, Mapping):
        return None
    sources: list[dict[str, Any]] = []
    for s in _maps(acc.get("sources")):
        read, rejected = s.get("read"), s.get("rejected")
        reasons, skipped = _dict(s.get("reasons")), _dict(s.get("skipped_files"))
        sources.append(
            {
                "source": s.get("source"),
                "kind": s.get("kind"),
                "files": len(s["files"]) if isinstance(s.get("files"), list) else 0,
                "read": read,
                "accepted": s.get("accepted"),
                "rejected": rejected,
                "rate": rejected / read if _num(read) and _num(rejected) and read else None,
                "accepted_share": s.get("accepted") / read if _num(read) and _num(s.get("accepted")) and read else None,
                "balanced": s.get("balanced"),
                "reasons": sorted(((str(k), v) for k, v in reasons.items()), key=lambda kv: -_count(kv[1])),
                "superseded": s.get("superseded"),
                "skipped": len(skipped),
                "reused_from": s.get("reused_from"),
            }
        )
    total = {k: sum(s[k] for s in sources if _num(s[k])) for k in ("read", "accepted", "rejected")}
    return {
        "balanced": acc.get("balanced"),
        "sources": sources,
        "total": total,
        "rate": total["rejected"] / total["read"] if total["read"] else None,
    }


def _identity(view: RunView) -> dict[str, Any] | None:
    """The identity resolution report, counts only (never its conflict examples)."""
    ident = _dict(view.accounting).get("identity")
    if not isinstance(ident, Mapping):  # older runs: the copy in personas.json's provenance
        ident = _dict(view.personas_doc.get("provenance")).get("identity")
    if not isinstance(ident, Mapping):
        return None
    merged, conflicts = _dict(ident.get("merged_on")), _dict(ident.get("conflicts"))
    linked = sorted(((k, v) for k, v in merged.items() if "linked" in k), key=lambda kv: -_count(kv[1]))
    keyed = sorted(((k, v) for k, v in merged.items() if "linked" not in k), key=lambda kv: -_count(kv[1]))
    figures = [
        ("Records", ident.get("records"), "rows from every source that carry an identifier"),
        ("Customers", ident.get("customers"), "people after resolution"),
        ("Visitors", ident.get("visitors"), "anonymous, never linked to a customer"),
        ("In several sources", ident.get("multi_source_customers"), "customers seen in two or more sources"),
        ("Phones normalised", ident.get("phones_normalised"), "to E.164"),
        ("Phones unusable", ident.get("phones_unusable"), "could not be parsed"),
        ("Phones shared", ident.get("phones_shared"), "by several customers, so not used to link"),
    ]
    return {
        "figures": [(k, v, note) for k, v, note in figures if v is not None],
        "linked": linked,
        "keyed": keyed,
        "conflicts": sorted(conflicts.items()),
        "iterations": ident.get("iterations"),
    }


# ---------------------------------------------------------------- rendering


def _page(
    request: Request, template: str, view: RunView | None, active: str, status: int = 200, **ctx: Any
) -> Response:
    service = _service(request)
    config = getattr(service, "config", None)
    report = getattr(config, "report", None)
    context = {
        "root": _root(request),
        "title": getattr(report, "title", None) or "Customer personas",
        "project": getattr(config, "name", None) or "personacraft",
        "view": view,
        "nav": NAV,
        "active": active,
        # the pages need a login when the server listens beyond loopback (web/security.py): offer to sign out
        "signout": bool(getattr(getattr(request.app.state, "auth", None), "pages_login", False)),
        **ctx,
    }
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status)


def _not_found(request: Request, view: RunView, message: str) -> Response:
    return _page(request, "404.html.j2", view, "", status=404, message=message, personas=_personas(view, avatar=40))


# ---------------------------------------------------------------- routes


@router.get("/")
def gallery(request: Request) -> Response:
    view = _service(request).view
    items = _personas(view)
    prov = _dict(view.personas_doc.get("provenance"))
    seg = _dict(prov.get("segmentation"))
    offset = 0.0
    strip = []
    for it in items:
        share = it["raw"].get("share")
        if _num(share) and share > 0:
            strip.append({**it, "x": offset * 100, "w": float(share) * 100})
            offset += float(share)
    return _page(
        request,
        "gallery.html.j2",
        view,
        "gallery",
        personas=items,
        customers=view.personas_doc.get("customers"),
        strip=strip,
        message=seg.get("message") or "No persona met the minimum size and stability.",
        has_journeys=view.journeys is not None,
        has_icp=view.icp is not None,
        sources=len(_maps(view.accounting.get("sources"))) if isinstance(view.accounting, Mapping) else None,
    )


@router.get("/compare")
def compare(request: Request, ids: list[str] = Query(default=[])) -> Response:
    view = _service(request).view
    wanted: list[str] = []
    for part in ids:
        for pid in part.split(","):
            if pid.strip() and pid.strip() not in wanted:
                wanted.append(pid.strip())
    if len(ids) > 1:  # the picker's form sends ids=p1&ids=p2: one canonical address, ids=p1,p2
        target = f"{_root(request)}/compare?ids={quote(','.join(wanted), safe=',')}"
        return RedirectResponse(target, status_code=303)
    everyone = _personas(view, avatar=44)
    chosen = [it for it in everyone if it["id"] in wanted] if wanted else everyone
    unknown = [pid for pid in wanted if pid not in view.by_id]
    return _page(
        request,
        "compare.html.j2",
        view,
        "compare",
        personas=everyone,
        chosen=chosen,
        chosen_ids=[it["id"] for it in chosen],
        unknown=unknown,
        rows=_compare_rows(chosen),
    )


@router.get("/personas/{persona_id}")
def persona_page(request: Request, persona_id: str) -> Response:
    view = _service(request).view
    if persona_id not in view.by_id:
        return _not_found(request, view, f"There is no persona “{persona_id}” in run {view.run_id}.")
    i = next(n for n, p in enumerate(view.personas) if p["id"] == persona_id)
    item = _persona(view, view.by_id[persona_id], i, avatar=88)
    raw = item["raw"]
    value = _dict(raw.get("value"))
    others = [it for it in _personas(view, avatar=32) if it["id"] != persona_id]
    ids_of_others = [o["id"] for o in others]
    return _page(
        request,
        "persona.html.j2",
        view,
        "gallery",
        p=item,
        c=item["ctx"],
        raw=raw,
        missing=_dict(raw.get("missing")),
        value=value,
        drivers=_maps(value.get("churn_drivers")),
        traits=_maps(raw.get("traits")),
        goals=_maps(raw.get("goals")),
        needs=_maps(raw.get("needs")),
        pains=_maps(raw.get("pain_points")),
        channels=_maps(raw.get("channels")),
        evidence=_maps(raw.get("evidence")),
        journey=_journey(view, persona_id, item["who"], item["colors"].base),
        no_journey=_no_journey_reason(view),
        cards=_cards(view, persona_id),
        others=others,
        compare_href="/compare?ids=" + ",".join(quote(x, safe="") for x in [persona_id, *ids_of_others][:2]),
    )


@router.get("/personas/{persona_id}/card.{fmt}")
def card_file(request: Request, persona_id: str, fmt: str, inline: bool = False) -> Response:
    """A card file: only known personas and formats (``RunView.card_path``), as a download unless ``inline``."""
    view = _service(request).view
    try:
        path = view.card_path(persona_id, fmt)
    except NotFoundError as exc:
        return _not_found(request, view, str(exc).rstrip(".") + ".")
    persona = view.by_id[persona_id]
    name = _dict(persona.get("story")).get("name") or persona.get("name") or ""
    stem = "-".join(s for s in (_slug(persona_id), _slug(str(name))) if s) or "persona"
    return FileResponse(
        path,
        media_type=CARD_TYPES[fmt],
        filename=f"{stem}.{fmt}",
        content_disposition_type="inline" if inline else "attachment",
    )


@router.get("/icp")
def icp_page(request: Request) -> Response:
    view = _service(request).view
    return _page(request, "icp.html.j2", view, "icp", icp=_icp_context(view))


@router.get("/runs")
def runs_page(request: Request) -> Response:
    service = _service(request)
    view = service.view
    return _page(request, "runs.html.j2", view, "runs", runs=_run_rows(service, view), acc=_accounting(view))


@router.get("/health")
def health_page(request: Request) -> Response:
    view = _service(request).view
    prov = _dict(view.personas_doc.get("provenance"))
    seg = _dict(prov.get("segmentation"))
    return _page(
        request,
        "health.html.j2",
        view,
        "health",
        acc=_accounting(view),
        identity=_identity(view),
        seg=seg,
        prov=prov,
        customers=view.personas_doc.get("customers"),
    )


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """The pages' stylesheet, with a class per palette colour (``pc0``…); the same for every run."""
    shades = [{"cls": _palette_class(i), "c": Colors.of(color)} for i, color in enumerate(PALETTE)]
    template = TEMPLATES.env.get_template("app.css.j2")
    return template.render(
        shades=shades,
        neutral=Colors.of("#4d5359"),
        ink=INK,
        muted=MUTED,
        bg=BG,
        line=LINE,
        link=LINK,
        header=HEADER,
        header_text=HEADER_TEXT,
        good=GOOD,
        bad=BAD,
        warn=WARN,
    )


@router.get("/assets/app.css")
def app_css() -> Response:
    return Response(
        stylesheet(), media_type="text/css; charset=utf-8", headers={"Cache-Control": "public, max-age=3600"}
    )


ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    f'<rect width="32" height="32" rx="8" fill="{HEADER}"/>'
    f'<circle cx="12" cy="13" r="5" fill="{PALETTE[0]}"/><circle cx="21" cy="13" r="5" fill="{PALETTE[1]}"/>'
    f'<rect x="6" y="20" width="20" height="5" rx="2.5" fill="{PALETTE[3]}"/></svg>'
)


@router.get("/assets/icon.svg")
def icon() -> Response:
    return Response(ICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


def contrast_pairs() -> list[tuple[str, str, float]]:
    """Every (text, background) pair of the stylesheet with its WCAG contrast ratio, for the tests."""
    pairs = list(TEXT_PAIRS)
    for color in PALETTE:
        pairs += Colors.of(color).text_pairs()
    return [(a, b, contrast(a, b)) for a, b in pairs]
