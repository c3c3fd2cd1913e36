"""The FastAPI application of ``personacraft serve``: the API under ``/api``, the pages at ``/``."""

from __future__ import annotations

from fastapi import FastAPI

from personacraft import __version__
from personacraft.web import api, pages
from personacraft.web.service import Service


def create_app(service: Service) -> FastAPI:
    """The app over ``service``; routes find it as ``request.app.state.service``."""
    app = FastAPI(
        title="personacraft",
        version=__version__,
        description="Customer personas built on evidence: browse them, and assign customers to them.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.service = service
    app.include_router(api.router, prefix="/api")
    app.include_router(pages.router)
    return app
