"""The framework's ceiling for ``bench_api.py``: a bare FastAPI endpoint on the same server stack.

    .venv/bin/python benchmarks/bare_api.py --port 8001

``POST /api/assign`` parses the same JSON body as personacraft's (a customer id and feature
families, each a value, a number, a list of values or ``{value: count}``) into a pydantic model
of that shape, and answers a small JSON object. No token, no model, no middleware: what is left
is uvicorn (httptools, uvloop, one worker, no access log), FastAPI's routing and body
validation, and the JSON answer. ``bench_api.py`` starts it in its own process beside
``personacraft serve`` and drives both with the same ``wrk`` script, so their ratio is measured
in one run on one machine.
"""

from __future__ import annotations

import argparse
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


class Body(BaseModel):
    """The shape of personacraft's ``AssignRequest`` (the same JSON parses into it)."""

    customer_id: str | None = None
    features: dict[str, str | float | list[str] | dict[str, float]] = Field(default_factory=dict)
    record: dict[str, Any] | None = None


@app.post("/api/assign")
async def assign(body: Body) -> dict[str, Any]:
    return {"customer_id": body.customer_id, "families": len(body.features), "persona_id": None}


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        http="httptools",
        loop="uvloop",
        access_log=False,
        server_header=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
