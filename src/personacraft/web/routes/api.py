"""The REST API's routes (``/api``): personas, runs, and assigning customers to personas (docs/api.md).

Every route needs a bearer token (:mod:`personacraft.web.auth`); what reads personal data
(a customer looked up by email) or changes the server (reload) needs the admin role. Routes are
thin: they parse the request, call the :class:`~personacraft.web.service.Service`, the in-memory
:class:`~personacraft.web.assigner.Assigner` (:mod:`personacraft.web.batch` for batches), and
format the answer.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask

from personacraft.web import batch
from personacraft.web.auth import Principal, require_admin, require_token
from personacraft.web.hardening import Limits
from personacraft.web.schemas import (
    BATCH_BODY,
    AssignRequest,
    AssignResponse,
    CustomerPersona,
    Invalid,
    PersonaSummary,
    Reloaded,
    RunInfo,
    ValueSummary,
    error_responses,
)
from personacraft.web.service import CARD_TYPES, Assigners, Service


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    check = getattr(service, "check", None)  # a `personacraft forget` since the last request: read the run again
    if check is not None:
        check()
    return service


def _assigners(request: Request) -> Assigners:
    assigners: Assigners = request.app.state.assigners
    return assigners


router = APIRouter(tags=["api"], dependencies=[Depends(require_token)], responses=error_responses(401))


# -- assigning (first: routes are matched in order, and these are the busiest) ---------------------


@router.post(
    "/assign",
    response_model=AssignResponse,
    responses={**error_responses(400, 404, 413), 422: {"description": "A field cannot be used.", "model": Invalid}},
    summary="Assign one customer to a persona",
)
async def assign(request: Request, body: AssignRequest) -> dict[str, Any]:
    # most requests are answered by web.fastpath before they reach this route (same answer); this one answers
    # the rest: raw records, and the requests FastAPI refuses (a bad token, a 422)
    _service(request)
    assigner, mapper = _assigners(request).get()
    if body.record:  # a job title may need the build's SQL: off the event loop
        return await run_in_threadpool(batch.answer, assigner, mapper, body)
    return batch.answer(assigner, mapper, body)


@router.post(
    "/assign/batch",
    response_class=StreamingResponse,
    responses={
        **error_responses(400, 404, 413, 415),
        422: {"description": "The records or the CSV cannot be used.", "model": Invalid},
        200: {
            "description": (
                "customer_id, persona_id, confidence, second_persona_id, second_confidence, known_values (CSV)."
            ),
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
    },
    openapi_extra={"requestBody": BATCH_BODY},
    summary="Assign many customers: a JSON array, or a CSV (long or wide form)",
)
async def assign_batch(request: Request) -> StreamingResponse:
    assigner, mapper = _assigners(request).get()
    limits: Limits = request.app.state.limits
    return await batch.respond(request, assigner, mapper, limits)


# -- personas and runs --------------------------------------------------------------------------


@router.get("/personas", response_model=list[PersonaSummary], summary="The personas of the run shown")
async def personas(request: Request) -> list[dict[str, Any]]:
    view = _service(request).view
    out = []
    for p in view.personas:
        value = p.get("value") or None
        out.append(
            {
                "id": p["id"],
                "name": p.get("name") or p["id"],
                "size": int(p.get("size") or 0),
                "share": float(p.get("share") or 0.0),
                "type": p.get("persona_type"),
                "story_name": (p.get("story") or {}).get("name"),
                "value": {k: value.get(k) for k in ValueSummary.model_fields} if isinstance(value, dict) else None,
                "cards": {fmt: f"/api/personas/{p['id']}/card.{fmt}" for fmt in CARD_TYPES},
            }
        )
    return out


CARD_MEDIA = [t.split(";")[0] for t in CARD_TYPES.values()]
PersonaId = Annotated[str, PathParam(description="A persona id, as p1.")]


@router.get(
    "/personas/{persona_id}",
    response_model=dict[str, Any],
    responses=error_responses(404),
    summary="One persona, as in personas.json",
)
async def persona(request: Request, persona_id: PersonaId) -> dict[str, Any]:
    return _service(request).view.persona(persona_id)


@router.get(
    "/personas/{persona_id}/card.{fmt}",
    responses={
        **error_responses(404),
        200: {
            "description": "The card file.",
            "content": {
                t.split(";")[0]: {"schema": {"type": "string", "format": "binary"}} for t in CARD_TYPES.values()
            },
        },
    },
    response_class=FileResponse,
    summary="A persona's card: html, pdf, png, md or json",
)
async def card(
    request: Request, persona_id: PersonaId, fmt: Annotated[str, PathParam(description="html, pdf, png, md or json.")]
) -> FileResponse:
    path = _service(request).view.card_path(persona_id, fmt)  # only known ids and formats: no path from the URL
    return FileResponse(path, media_type=CARD_TYPES[fmt], filename=path.name)


CSV: dict[int | str, dict[str, Any]] = {
    200: {"description": "A CSV file.", "content": {"text/csv": {"schema": {"type": "string"}}}}
}


@router.get(
    "/personas/{persona_id}/members.csv",
    response_class=FileResponse,
    responses={**error_responses(403, 404), **CSV},
    summary="A persona's members: customer_id, email, persona_id, confidence (admin)",
)
def members(request: Request, persona_id: PersonaId, _: Principal = Depends(require_admin)) -> FileResponse:
    handle, name = tempfile.mkstemp(suffix=".csv")
    os.close(handle)
    try:
        path = _service(request).view.members_csv(persona_id, Path(name))
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return FileResponse(
        path,
        media_type="text/csv; charset=utf-8",
        filename=f"{persona_id}-members.csv",
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


@router.get(
    "/personas/{persona_id}/audience/{platform}.csv",
    response_class=FileResponse,
    responses={**error_responses(403, 404), **CSV},
    summary="A persona's hashed audience for Google (Customer Match) or Meta (admin)",
)
def audience(
    request: Request,
    persona_id: PersonaId,
    platform: Annotated[str, PathParam(description="google or meta.")],
    _: Principal = Depends(require_admin),
) -> FileResponse:
    path = _service(request).view.activation_path(persona_id, platform)
    return FileResponse(path, media_type="text/csv; charset=utf-8", filename=f"{persona_id}-{platform}-audience.csv")


@router.get(
    "/activation/crm.csv",
    response_class=FileResponse,
    responses={**error_responses(403, 404), **CSV},
    summary="The CRM import: every customer's email, persona name, persona id and confidence (admin)",
)
def crm(request: Request, _: Principal = Depends(require_admin)) -> FileResponse:
    path = _service(request).view.activation_path(None, "crm")
    return FileResponse(path, media_type="text/csv; charset=utf-8", filename=path.name)


@router.get("/runs", response_model=list[RunInfo], summary="The workspace's builds, newest first")
async def runs(request: Request) -> list[dict[str, Any]]:
    service = _service(request)
    out = []
    for r in service.runs:
        summary = r.get("summary_json")
        try:
            parsed = json.loads(summary) if summary else None
        except ValueError:
            parsed = None
        out.append(
            {
                "run_id": str(r["run_id"]),
                "seq": int(r["seq"]),
                "status": str(r["status"]),
                "created_at": _iso(r.get("created_at")),
                "finished_at": _iso(r.get("finished_at")),
                "version": r.get("version"),
                "config_hash": r.get("config_hash"),
                "summary": parsed if isinstance(parsed, dict) else None,
                "error": r.get("error"),
                "current": r["run_id"] == service.view.run_id,
            }
        )
    return out


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


@router.post(
    "/reload",
    response_model=Reloaded,
    responses=error_responses(403, 503),
    summary="Read the newest run again (admin)",
)
def reload(request: Request, _: Principal = Depends(require_admin)) -> dict[str, str]:
    service = _service(request)
    service.reload()
    service.announce_reload()  # the other workers of serve --workers, on their next request
    _assigners(request).load()
    return {"run_id": service.view.run_id}


# -- customers of the run ------------------------------------------------------------------------


@router.get(
    "/customers/{customer}/persona",
    response_model=CustomerPersona,
    response_model_exclude_none=False,
    responses=error_responses(403, 404, 503),
    summary="A customer's persona in the run shown (by id; by email with an admin token)",
)
def customer_persona(
    request: Request,
    customer: Annotated[str, PathParam(max_length=320, description="A customer id, or an email (admin only).")],
    principal: Principal = Depends(require_token),
) -> dict[str, Any]:
    service = _service(request)
    view = service.view
    if "@" in customer and not principal.admin:
        raise HTTPException(403, "emails are personal data: looking a customer up by email needs an admin token.")
    found, email = service.customer(view.run_id, customer.strip(), with_email=principal.admin)
    pid = found.get("persona_id")
    return {
        "run_id": view.run_id,
        "customer_id": found["customer_id"],
        "email": email,
        "persona_id": pid,
        "persona_name": view.by_id[pid].get("name") if pid in view.by_id else None,
        "confidence": found.get("confidence"),
        "reasons": found.get("reasons", []),
    }
