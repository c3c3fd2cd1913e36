"""Assignment input of the API: a request's counts, and batches (a JSON array, a CSV) answered as a streamed CSV.

The scoring itself is :mod:`personacraft.web.assigner`'s; this module reads what a request sends
(feature families, raw records, an upload) into it and wraps the CSV it yields in a response.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import TypeAdapter, ValidationError

from personacraft.web.assigner import Assigner, Counts, load_csv
from personacraft.web.hardening import Limits
from personacraft.web.records import RecordError, RecordMapper
from personacraft.web.schemas import AssignRequest

CSV_MEDIA = "text/csv; charset=utf-8"
_RECORDS = TypeAdapter(list[AssignRequest])


def counts_of(assigner: Assigner, mapper: RecordMapper, req: AssignRequest) -> tuple[Counts, list[Any], list[str]]:
    """A customer's counts from its features and raw record, what the record's fields became, and those ignored."""
    for family, given in req.features.items():
        if isinstance(given, int | float) and not assigner.custom.numeric(family):
            raise RecordError(
                ("features", family),
                "must be a string, a list of strings, or an object {value: count} (a number is for a numeric "
                "family of [sources.features] only)",
            )
    counts = assigner.empty()
    assigner.add_features(counts, req.features)
    mapped: list[Any] = []
    ignored: list[str] = []
    if req.record:
        mapper.add(counts, req.record, mapped, ignored)
    return counts, mapped, ignored


def answer(assigner: Assigner, mapper: RecordMapper, req: AssignRequest) -> dict[str, Any]:
    """The answer of ``POST /api/assign`` (an ``AssignResponse``) for one customer (a record may read SQL)."""
    counts, mapped, ignored = counts_of(assigner, mapper, req)
    result = assigner.assign(counts, req.customer_id)
    result["mapped"] = mapped
    result["ignored_fields"] = ignored
    return result


async def respond(request: Request, assigner: Assigner, mapper: RecordMapper, limits: Limits) -> StreamingResponse:
    """The batch in ``request`` (JSON array, CSV body or multipart upload) assigned, as a CSV download."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    headers = {"Content-Disposition": 'attachment; filename="assignments.csv"'}
    if kind == "application/json":
        rows = await _json_rows(request, assigner, mapper, limits)
        return StreamingResponse(assigner.assign_rows(rows), media_type=CSV_MEDIA, headers=headers)
    if kind not in ("text/csv", "multipart/form-data"):
        raise HTTPException(415, "send application/json (an array of records), text/csv, or a multipart file upload.")
    folder = Path(tempfile.mkdtemp(prefix="personacraft-batch-"))
    try:
        path = folder / "upload.csv"
        await _save_upload(request, kind, path)
        batch = await run_in_threadpool(load_csv, assigner, path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return StreamingResponse(batch.chunks(), media_type=CSV_MEDIA, headers=headers)


async def _json_rows(
    request: Request, assigner: Assigner, mapper: RecordMapper, limits: Limits
) -> list[tuple[str | None, Counts]]:
    """A JSON array of records, validated, as (customer id, counts) rows."""
    body = await request.body()
    if len(body) > limits.batch_json_bytes:
        raise HTTPException(413, f"a JSON batch is limited to {limits.batch_json_bytes:,} bytes; send a CSV.")
    try:
        records = _RECORDS.validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None

    def score() -> list[tuple[str | None, Counts]]:
        out = []
        for i, r in enumerate(records):
            try:
                out.append((r.customer_id, counts_of(assigner, mapper, r)[0]))
            except RecordError as exc:  # name the record of the array
                raise RecordError((i, *exc.loc), exc.problem) from None
        return out

    return await run_in_threadpool(score)


async def _save_upload(request: Request, kind: str, path: Path) -> None:
    """Write the CSV of a ``text/csv`` body or of a multipart upload's ``file`` field to ``path``."""
    if kind == "text/csv":
        with path.open("wb") as fh:
            async for chunk in request.stream():
                fh.write(chunk)
        return
    form = await request.form(max_files=1, max_fields=10)
    try:
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise RequestValidationError(
                [{"loc": ("body", "file"), "msg": "a CSV file is needed in the field 'file'", "type": "missing"}]
            )
        with path.open("wb") as fh:
            await run_in_threadpool(shutil.copyfileobj, upload.file, fh, 1 << 20)
    finally:
        await form.close()
