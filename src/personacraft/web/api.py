"""The REST API (``/api``): personas, runs, and assigning customers to personas (docs/api.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["api"])
