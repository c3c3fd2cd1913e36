"""The server-rendered pages: gallery, persona, ICP, runs, data health (docs/web.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
