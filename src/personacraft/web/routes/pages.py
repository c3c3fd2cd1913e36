"""The pages' routes: personas, comparison, journeys, ICP, runs, alerts, data health, beliefs, assets (docs/web.md).

Every page reads what the service holds (``request.app.state.service``: the run shown, the run
list, the alerts, the personas' history) and nothing else: no database query, and no file read
but a card download (the persona page checks which card files exist). The contexts come from
:mod:`personacraft.web.views`, the look from :mod:`personacraft.web.templating`. The pages' one
script (``/assets/app.js``) only adds the copy buttons. The stylesheet, the script and the icon
are served by this router (``/assets/…``), so a page loads nothing but its own origin. The member
lists, audiences and the CRM import hold personal data: when the pages need a login, only an
admin's session may download them.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from personacraft.errors import NotFoundError
from personacraft.render.plain import analysts, people_word, period_of
from personacraft.web.auth import COOKIE, session_principal
from personacraft.web.service import CARD_TYPES, SLIDES, RunView, Service
from personacraft.web.templating import ICON, SCRIPT, TEMPLATES, stylesheet
from personacraft.web.views.accounts import accounts_context, filtered_csv
from personacraft.web.views.alerts import alerts_context
from personacraft.web.views.beliefs import beliefs_context
from personacraft.web.views.compare import compare_context
from personacraft.web.views.competitors import competitors_context
from personacraft.web.views.experiments import experiments_context
from personacraft.web.views.history import history_context
from personacraft.web.views.icp import icp_context
from personacraft.web.views.journeys import journeys_context
from personacraft.web.views.personas import card_filename, gallery_context, persona_context, persona_items
from personacraft.web.views.runs import accounting_context, changes_context, health_context, run_rows

router = APIRouter(include_in_schema=False)

NAV = [("gallery", "/", "Personas"), ("compare", "/compare", "Compare"), ("journeys", "/journeys", "Journeys")]
NAV += [("accounts", "/accounts", "Accounts"), ("icp", "/icp", "ICP"), ("experiments", "/experiments", "Experiments")]
NAV += [("runs", "/runs", "Runs"), ("alerts", "/alerts", "Alerts"), ("health", "/health", "Data health")]
NAV += [("beliefs", "/beliefs", "Beliefs")]
NAV += [("competitors", "/competitors", "Competitors")]


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    check = getattr(service, "check", None)  # a `personacraft forget` since the last request: read the run again
    if check is not None:
        check()
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
        "period": period_of(view.personas_doc) if view is not None else None,
        "people": people_word(view.personas_doc) if view is not None else "customers",
        "method": analysts(view.personas_doc) if view is not None else None,
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
    service = _service(request)
    view = service.view
    history = getattr(service, "history", None)
    if persona_id not in view.by_id:
        last = history.last_run(persona_id) if history is not None else None
        was = f" It was last published in run {last}." if last else ""
        return _not_found(request, view, f"There is no persona “{persona_id}” in run {view.run_id}.{was}")
    ctx = persona_context(view, persona_id)
    section = history_context(history, view, persona_id, ctx["p"]["colors"].base)
    return _page(request, "persona.html.j2", view, "gallery", history=section, **ctx)


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


def _csv(path: Path, filename: str, cleanup: bool = False) -> FileResponse:
    return FileResponse(
        path,
        media_type="text/csv; charset=utf-8",
        filename=filename,
        background=BackgroundTask(path.unlink, missing_ok=True) if cleanup else None,
    )


def _forbidden(request: Request) -> Response | None:
    """None when the request may download personal data: the pages are open (loopback), or an admin signed in."""
    auth = getattr(request.app.state, "auth", None)
    if auth is None or not auth.pages_login:
        return None
    principal = session_principal(auth, request.cookies.get(COOKIE))
    if principal is not None and principal.admin:
        return None
    view = _service(request).view
    message = "Member lists, audiences and the CRM import hold personal data: sign in with an admin token."
    return _page(
        request, "404.html.j2", view, "", status=403, code=403, message=message, personas=persona_items(view, 40)
    )


@router.get("/personas/{persona_id}/members.csv")
def members_file(request: Request, persona_id: str) -> Response:
    """The persona's members (customer id, email, confidence) as CSV, from the run's assignments."""
    view = _service(request).view
    denied = _forbidden(request)
    if denied is not None:
        return denied
    handle, name = tempfile.mkstemp(suffix=".csv")
    os.close(handle)
    try:
        path = view.members_csv(persona_id, Path(name))
    except NotFoundError as exc:
        Path(name).unlink(missing_ok=True)
        return _not_found(request, view, str(exc).rstrip(".") + ".")
    return _csv(path, f"{card_filename(view, persona_id, 'csv').removesuffix('.csv')}-members.csv", cleanup=True)


@router.get("/personas/{persona_id}/audience/{platform}.csv")
def audience_file(request: Request, persona_id: str, platform: str) -> Response:
    """The persona's hashed Google or Meta audience (activation/<platform>/<id>.csv)."""
    view = _service(request).view
    denied = _forbidden(request)
    if denied is not None:
        return denied
    try:
        path = view.activation_path(persona_id, platform)
    except NotFoundError as exc:
        return _not_found(request, view, str(exc).rstrip(".") + ".")
    return _csv(path, f"{card_filename(view, persona_id, 'csv').removesuffix('.csv')}-{platform}-audience.csv")


@router.get("/activation/crm.csv")
def crm_file(request: Request) -> Response:
    """The CRM import: every customer's email with their persona (activation/crm_personas.csv)."""
    view = _service(request).view
    denied = _forbidden(request)
    if denied is not None:
        return denied
    try:
        path = view.activation_path(None, "crm")
    except NotFoundError as exc:
        return _not_found(request, view, str(exc).rstrip(".") + ".")
    return _csv(path, "crm_personas.csv")


@router.get("/personas/{persona_id}/{kind}")
def slide_file(request: Request, persona_id: str, kind: str) -> Response:
    """A persona's slide (``slide.png``, ``slide.pdf``) when the cards wrote one."""
    view = _service(request).view
    if kind not in SLIDES:
        return _not_found(request, view, f"There is no page “{kind}” for persona “{persona_id}”.")
    try:
        path = view.slide_path(persona_id, kind)
    except NotFoundError as exc:
        return _not_found(request, view, str(exc).rstrip(".") + ".")
    return FileResponse(path, media_type=SLIDES[kind], filename=f"{persona_id}.{kind}")


@router.get("/deck.pdf")
def deck_file(request: Request) -> Response:
    """Every persona's slide in one PDF, when the cards wrote it."""
    view = _service(request).view
    try:
        path = view.slide_path(None, "deck.pdf")
    except NotFoundError as exc:
        return _not_found(request, view, str(exc).rstrip(".") + ".")
    return FileResponse(path, media_type="application/pdf", filename="deck.pdf")


@router.get("/accounts")
def accounts_page(request: Request, show: str = "all") -> Response:
    """Every account (B2B): deals, money, buying group and churn, with the filters sales and success use."""
    view = _service(request).view
    try:
        ctx = accounts_context(view, show)
    except NotFoundError as exc:
        return _page(request, "accounts.html.j2", view, "accounts", accounts=None, reason=str(exc))
    return _page(request, "accounts.html.j2", view, "accounts", accounts=ctx, reason=None)


@router.get("/accounts.csv")
def accounts_file(request: Request, show: str = "all") -> Response:
    """The accounts of a filter as CSV (all of ``accounts.csv`` by default)."""
    view = _service(request).view
    handle, name = tempfile.mkstemp(suffix=".csv")
    os.close(handle)
    try:
        path = filtered_csv(view, show, Path(name))
    except NotFoundError as exc:
        Path(name).unlink(missing_ok=True)
        return _not_found(request, view, str(exc).rstrip(".") + ".")
    return _csv(path, "accounts.csv" if show == "all" else f"accounts-{show}.csv", cleanup=True)


@router.get("/journeys")
def journeys_page(request: Request) -> Response:
    """The journey map of all customers and of each persona; in B2B, the account funnel first."""
    view = _service(request).view
    return _page(request, "journeys.html.j2", view, "journeys", **journeys_context(view))


@router.get("/experiments")
def experiments_page(request: Request) -> Response:
    """Each persona's A/B test results: a forest plot and the sentences (docs/experiments.md)."""
    view = _service(request).view
    return _page(request, "experiments.html.j2", view, "experiments", **experiments_context(view))


@router.get("/competitors")
def competitors_page(request: Request) -> Response:
    """Competitor voice: brands, their weak points and ours, every theme's share by brand (docs/competitors.md)."""
    view = _service(request).view
    return _page(request, "competitors.html.j2", view, "competitors", **competitors_context(view))


@router.get("/icp")
def icp_page(request: Request) -> Response:
    view = _service(request).view
    return _page(request, "icp.html.j2", view, "icp", icp=icp_context(view))


@router.get("/runs")
def runs_page(request: Request, run: str | None = None) -> Response:
    """Every run, what changed in the one shown (or in ``run``), and the accounting of the one shown."""
    service = _service(request)
    view = service.view
    history = getattr(service, "history", None)
    changes = changes_context(view, history, run)
    if run is not None and changes is None:
        message = (
            f"Run “{run}” has no record of what changed: it is not a successful run of this workspace, "
            "it is the first one, or its outputs were moved."
        )
        return _not_found(request, view, message)
    return _page(
        request,
        "runs.html.j2",
        view,
        "runs",
        runs=run_rows(service.runs, view, history),
        acc=accounting_context(view),
        changes=changes,
        retention=getattr(service.config, "privacy", None),
    )


@router.get("/alerts")
def alerts_page(request: Request) -> Response:
    service = _service(request)
    view = service.view
    return _page(request, "alerts.html.j2", view, "alerts", **alerts_context(getattr(service, "alerts", None), view))


@router.get("/health")
def health_page(request: Request) -> Response:
    service = _service(request)
    view = service.view
    return _page(
        request,
        "health.html.j2",
        view,
        "health",
        erasures=getattr(service, "erasures", 0),
        **health_context(view, getattr(service, "inspection", None)),
    )


@router.get("/beliefs")
def beliefs_page(request: Request) -> Response:
    """Beliefs vs evidence: the newest ``personacraft hypotheses`` check of the run shown (its hypotheses.json)."""
    view = _service(request).view
    return _page(request, "beliefs.html.j2", view, "beliefs", **beliefs_context(view))


@router.get("/assets/app.css")
def app_css() -> Response:
    return Response(
        stylesheet(), media_type="text/css; charset=utf-8", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/assets/app.js")
def app_js() -> Response:
    return Response(
        SCRIPT, media_type="text/javascript; charset=utf-8", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/assets/icon.svg")
def icon() -> Response:
    return Response(ICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})
