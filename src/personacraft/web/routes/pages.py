"""The pages' routes: gallery, comparison, persona, ICP, runs, data health, and their assets (docs/web.md).

Every page reads the run the service holds (``request.app.state.service.view``) and nothing else:
no database query, and no file read but a card download (the persona page checks which card files
exist). The contexts come from :mod:`personacraft.web.views`, the look from
:mod:`personacraft.web.templating`. The pages have no script. The stylesheet and the icon are
served by this router (``/assets/…``), so a page loads nothing but its own origin.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from personacraft.errors import NotFoundError
from personacraft.web.service import CARD_TYPES, RunView, Service
from personacraft.web.templating import ICON, TEMPLATES, stylesheet
from personacraft.web.views.compare import compare_context
from personacraft.web.views.icp import icp_context
from personacraft.web.views.personas import card_filename, gallery_context, persona_context, persona_items
from personacraft.web.views.runs import accounting_context, health_context, run_rows

router = APIRouter(include_in_schema=False)

NAV = [("gallery", "/", "Personas"), ("compare", "/compare", "Compare"), ("icp", "/icp", "ICP")]
NAV += [("runs", "/runs", "Runs"), ("health", "/health", "Data health")]


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _root(request: Request) -> str:
    return str(request.scope.get("root_path") or "").rstrip("/")


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
        # the pages need a login when the server listens beyond loopback (web/hardening.py): offer to sign out
        "signout": bool(getattr(getattr(request.app.state, "auth", None), "pages_login", False)),
        **ctx,
    }
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status)


def _not_found(request: Request, view: RunView, message: str) -> Response:
    return _page(request, "404.html.j2", view, "", status=404, message=message, personas=persona_items(view, avatar=40))


@router.get("/")
def gallery(request: Request) -> Response:
    view = _service(request).view
    return _page(request, "gallery.html.j2", view, "gallery", **gallery_context(view))


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
    return _page(request, "compare.html.j2", view, "compare", **compare_context(view, wanted))


@router.get("/personas/{persona_id}")
def persona_page(request: Request, persona_id: str) -> Response:
    view = _service(request).view
    if persona_id not in view.by_id:
        return _not_found(request, view, f"There is no persona “{persona_id}” in run {view.run_id}.")
    return _page(request, "persona.html.j2", view, "gallery", **persona_context(view, persona_id))


@router.get("/personas/{persona_id}/card.{fmt}")
def card_file(request: Request, persona_id: str, fmt: str, inline: bool = False) -> Response:
    """A card file: only known personas and formats (``RunView.card_path``), as a download unless ``inline``."""
    view = _service(request).view
    try:
        path = view.card_path(persona_id, fmt)
    except NotFoundError as exc:
        return _not_found(request, view, str(exc).rstrip(".") + ".")
    return FileResponse(
        path,
        media_type=CARD_TYPES[fmt],
        filename=card_filename(view, persona_id, fmt),
        content_disposition_type="inline" if inline else "attachment",
    )


@router.get("/icp")
def icp_page(request: Request) -> Response:
    view = _service(request).view
    return _page(request, "icp.html.j2", view, "icp", icp=icp_context(view))


@router.get("/runs")
def runs_page(request: Request) -> Response:
    service = _service(request)
    view = service.view
    return _page(request, "runs.html.j2", view, "runs", runs=run_rows(service.runs, view), acc=accounting_context(view))


@router.get("/health")
def health_page(request: Request) -> Response:
    view = _service(request).view
    return _page(request, "health.html.j2", view, "health", **health_context(view))


@router.get("/assets/app.css")
def app_css() -> Response:
    return Response(
        stylesheet(), media_type="text/css; charset=utf-8", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/assets/icon.svg")
def icon() -> Response:
    return Response(ICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})
