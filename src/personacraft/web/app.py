"""Assembles the FastAPI application of ``personacraft serve``: the API under ``/api``, the pages at ``/``.

:func:`create_app` wires the routers (:mod:`personacraft.web.routes`), the error handlers (a
:class:`~personacraft.errors.PersonaError` becomes its HTTP status with a one-paragraph message; a
422 names the field) and, outermost, the :class:`~personacraft.web.hardening.Guard` (security
headers on every response, body limits, the pages' login when the server listens beyond loopback);
inside it, :class:`~personacraft.web.fastpath.AssignFastPath` answers most ``POST /api/assign``
requests without FastAPI's per-request machinery (the same answer, from the same parts).
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp

from personacraft.errors import InputError, ModelError, PersonaError, WorkspaceError
from personacraft.version import __version__
from personacraft.web.auth import Auth, require_token
from personacraft.web.fastpath import AssignFastPath
from personacraft.web.hardening import Guard, HeadAsGet, Limits
from personacraft.web.records import RecordError
from personacraft.web.routes import api, login, pages
from personacraft.web.service import Assigners, Service

OPENAPI_URL = "/api/openapi.json"


class _App(FastAPI):
    """FastAPI with the :class:`Guard` outside everything, even the 500 handler."""

    def build_middleware_stack(self) -> ASGIApp:
        inner = super().build_middleware_stack()
        state = self.state
        fast = AssignFastPath(inner, state.service, state.assigners, state.auth)
        return Guard(HeadAsGet(fast), state.auth, state.limits)


def create_app(service: Service, *, auth: Auth | None = None, limits: Limits | None = None) -> FastAPI:
    """The app over ``service``; routes find it as ``request.app.state.service``.

    ``auth``: the tokens and whether the pages need a login (default: the workspace's tokens,
    pages open, as on loopback); ``limits``: request body limits. The API always needs a token.
    """
    app = _App(
        title="personacraft",
        version=__version__,
        description="Customer personas built on evidence: browse them, and assign customers to them. "
        "Every call needs `Authorization: Bearer <token>` (`personacraft token create`).",
        docs_url=None,  # Swagger UI loads from a CDN, which the Content-Security-Policy forbids
        redoc_url=None,
        openapi_url=None,  # served below, behind a token like the rest of /api
    )
    app.state.service = service
    app.state.auth = auth or Auth.for_workspace(service.config.workspace_path)
    app.state.limits = limits or Limits()
    app.state.assigners = Assigners(service)
    app.state.assigners.load()

    @app.get(OPENAPI_URL, include_in_schema=False, dependencies=[Depends(require_token)])
    async def openapi() -> dict[str, Any]:
        return app.openapi()

    app.add_exception_handler(PersonaError, _persona_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.include_router(api.router, prefix="/api")
    app.include_router(login.login_router)
    app.include_router(pages.router)
    return app


def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with FastAPI's list of errors (without echoing the input) and one readable message."""
    errors = [
        {
            "loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "value_error")),
        }
        for e in exc.errors()
    ]
    message = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:5])
    return JSONResponse({"detail": errors, "message": message}, status_code=422)


def _persona_error(request: Request, exc: PersonaError) -> JSONResponse:
    if isinstance(exc, RecordError):
        error = {"loc": ["body", *exc.loc], "msg": exc.problem, "type": "value_error"}
        return JSONResponse({"detail": [error], "message": f"body.{exc}"}, status_code=422)
    if isinstance(exc, InputError | ModelError):
        error = {"loc": ["body"], "msg": str(exc), "type": "value_error"}
        return JSONResponse({"detail": [error], "message": str(exc)}, status_code=422)
    if isinstance(exc, WorkspaceError):
        return JSONResponse({"detail": str(exc)}, status_code=503)
    return JSONResponse({"detail": str(exc)}, status_code=exc.http_status)
