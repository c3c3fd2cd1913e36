"""The REST API (``/api``): personas, runs, and assigning customers to personas (docs/api.md).

Every route needs a bearer token (:mod:`personacraft.web.security`); what reads personal data
(a customer looked up by email) or changes the server (reload) needs the admin role. Routes are
thin: they call the :class:`~personacraft.web.service.Service`, the in-memory
:class:`~personacraft.web.assigner.Assigner`, and the library.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    StringConstraints,
    Tag,
    TypeAdapter,
    ValidationError,
)

from personacraft.errors import PersonaError
from personacraft.segment.persist import explain
from personacraft.store import Workspace
from personacraft.web.assigner import Assigner, Counts, RecordMapper, load_csv
from personacraft.web.security import Limits, Principal, require_admin, require_token
from personacraft.web.service import CARD_TYPES, Service

# -- models -----------------------------------------------------------------------------------


class Error(BaseModel):
    """An error: what went wrong and what to do."""

    detail: str


class Problem(BaseModel):
    """One thing wrong with a request: where (``loc``), what (``msg``), and its kind."""

    loc: list[str | int]
    msg: str
    type: str


class Invalid(BaseModel):
    """A 422: the problems (as FastAPI lists them) and one readable message naming the fields."""

    detail: list[Problem]
    message: str


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        400: "The body cannot be decoded (not UTF-8).",
        401: "No token, or a token that is not known.",
        403: "The token's role may not do this.",
        404: "No such persona, card or customer.",
        413: "The request body is over the limit.",
        415: "The body is neither JSON, CSV nor a multipart upload.",
        503: "The workspace is busy (a build holds it); try again.",
    }
    return {c: {"model": Error, "description": text[c]} for c in codes}


Text = Annotated[str, StringConstraints(max_length=1000)]
Count = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Values = Annotated[list[Text], Field(max_length=1000)]
ValueCounts = Annotated[dict[Text, Count], Field(max_length=1000)]


def _shape(value: Any) -> str | None:
    """Which form a feature's value has (a 422's location names it)."""
    if isinstance(value, str):
        return "as a value"
    if isinstance(value, list):
        return "as a list"
    return "as counts" if isinstance(value, dict) else None


FeatureValue = Annotated[
    Annotated[Text, Tag("as a value")] | Annotated[Values, Tag("as a list")] | Annotated[ValueCounts, Tag("as counts")],
    Discriminator(
        _shape,
        custom_error_type="feature_value",
        custom_error_message="must be a string, a list of strings, or an object {value: count}",
    ),
]


class AssignRequest(BaseModel):
    """One customer: feature families of the build, raw vendor/canonical fields, or both."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"customer_id": "c-1", "features": {"device": "mobile", "product": {"Linen Shirt": 2}}},
                {"customer_id": "lead-7", "record": {"Job Title": "VP Finance", "Buying Role": "Decision Maker"}},
            ]
        },
    )

    customer_id: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        None, description="Your id for the customer; echoed back."
    )
    features: Annotated[dict[Text, FeatureValue], Field(max_length=500)] = Field(
        default_factory=dict,
        description="Feature family → a value, a list of values, or {value: count} (as features.parquet).",
    )
    record: Annotated[dict[Text, JsonValue], Field(max_length=500)] | None = Field(
        None,
        description="Raw fields (HubSpot, Salesforce, GA4, Segment or canonical names) mapped to families: "
        "job title, buying role, device, utm_source/utm_medium, survey, events, orders (docs/api.md).",
    )


class Reason(BaseModel):
    feature: str
    value: str
    persona_share: float
    population_share: float
    lift: float
    weight_of_evidence: float


class Mapped(BaseModel):
    field: str = Field(description="The raw field.")
    family: str
    value: str
    n: float
    known: bool = Field(description="Whether the model knows this value (else it was ignored).")


class AssignResponse(BaseModel):
    run_id: str
    customer_id: str | None
    persona_id: str | None = Field(description="None: no value the model knows, or a segment too small to publish.")
    persona_name: str | None
    confidence: float = Field(description="The persona's posterior probability (0 when none).")
    known_values: int = Field(description="How many of the customer's values the model knows.")
    unknown_values: int = Field(description="Values the model does not know; ignored.")
    unknown_examples: list[str]
    reasons: list[Reason]
    mapped: list[Mapped] = Field(default_factory=list, description="What the raw record's fields became.")
    ignored_fields: list[str] = Field(default_factory=list, description="Raw fields that map to no family.")


class ValueSummary(BaseModel):
    clv_mean: float | None = None
    expected_value_share: float | None = None
    revenue_share: float | None = None
    revenue_per_customer: float | None = None
    orders_per_customer: float | None = None
    churn_risk: float | None = None
    most_valuable: bool | None = None
    at_risk: bool | None = None


class PersonaSummary(BaseModel):
    id: str
    name: str
    size: int
    share: float
    type: str | None = Field(description="buyer, user, decision maker … (persona_type).")
    story_name: str | None = Field(description="The invented name the persona's story is told with.")
    value: ValueSummary | None
    cards: dict[str, str] = Field(description="Card format → its URL.")


class RunInfo(BaseModel):
    run_id: str
    seq: int
    status: str
    created_at: str | None
    finished_at: str | None
    version: str | None
    config_hash: str | None
    summary: dict[str, Any] | None
    error: str | None
    current: bool = Field(description="Whether the server shows this run.")


class CustomerPersona(BaseModel):
    run_id: str
    customer_id: str
    email: str | None = Field(None, description="Only for admin tokens.")
    persona_id: str | None
    persona_name: str | None
    confidence: float | None
    reasons: list[Reason]


class Reloaded(BaseModel):
    run_id: str


# -- the assigner of the run shown ---------------------------------------------------------------


class Assigners:
    """The :class:`Assigner` of the service's run, made again when the run changes."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self._lock = threading.Lock()
        self._current: tuple[str, Assigner | PersonaError, RecordMapper | None] | None = None

    def load(self) -> None:
        view = self.service.view
        names = {p["id"]: p.get("name") or p["id"] for p in view.personas}
        with self._lock:
            if self._current is not None and self._current[0] == view.run_id:
                return
            try:
                assigner: Assigner | PersonaError = Assigner.from_workspace(
                    self.service.config.workspace_path, view.run_id, names
                )
            except PersonaError as exc:  # no stable personas, or an old build without a saved model
                assigner = exc
            if self._current is not None and self._current[2] is not None:
                self._current[2].close()
            mapper = RecordMapper(assigner) if isinstance(assigner, Assigner) else None
            self._current = (view.run_id, assigner, mapper)

    def get(self) -> tuple[Assigner, RecordMapper]:
        current = self._current
        if current is None or current[0] != self.service.view.run_id:
            self.load()
            current = self._current
        assert current is not None
        if isinstance(current[1], PersonaError):
            raise current[1]
        assert current[2] is not None
        return current[1], current[2]


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _assigners(request: Request) -> Assigners:
    assigners: Assigners = request.app.state.assigners
    return assigners


router = APIRouter(tags=["api"], dependencies=[Depends(require_token)], responses=_errors(401))


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
    responses=_errors(404),
    summary="One persona, as in personas.json",
)
async def persona(request: Request, persona_id: PersonaId) -> dict[str, Any]:
    return _service(request).view.persona(persona_id)


@router.get(
    "/personas/{persona_id}/card.{fmt}",
    responses={
        **_errors(404),
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
    responses=_errors(403, 503),
    summary="Read the newest run again (admin)",
)
def reload(request: Request, _: Principal = Depends(require_admin)) -> dict[str, str]:
    service = _service(request)
    service.reload()
    _assigners(request).load()
    return {"run_id": service.view.run_id}


# -- assigning --------------------------------------------------------------------------------


def _counts(assigner: Assigner, mapper: RecordMapper, req: AssignRequest) -> tuple[Counts, list[Any], list[str]]:
    counts = assigner.empty()
    assigner.add_features(counts, req.features)
    mapped: list[Any] = []
    ignored: list[str] = []
    if req.record:
        mapper.add(counts, req.record, mapped, ignored)
    return counts, mapped, ignored


@router.post(
    "/assign",
    response_model=AssignResponse,
    responses={**_errors(400, 404, 413), 422: {"description": "A field cannot be used.", "model": Invalid}},
    summary="Assign one customer to a persona",
)
async def assign(request: Request, body: AssignRequest) -> dict[str, Any]:
    assigner, mapper = _assigners(request).get()
    if body.record:  # a job title may need the build's SQL: off the event loop
        counts, mapped, ignored = await run_in_threadpool(_counts, assigner, mapper, body)
    else:
        counts, mapped, ignored = _counts(assigner, mapper, body)
    result = assigner.assign(counts, body.customer_id)
    result["mapped"] = mapped
    result["ignored_fields"] = ignored
    return result


_RECORDS = TypeAdapter(list[AssignRequest])
BATCH_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/AssignRequest"}}},
        "text/csv": {
            "schema": {"type": "string"},
            "example": "customer_id,family,value,n\nc-1,device,mobile,3\nc-1,product,Linen Shirt,1\n",
        },
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
    },
}


@router.post(
    "/assign/batch",
    response_class=StreamingResponse,
    responses={
        **_errors(400, 404, 413, 415),
        422: {"description": "The records or the CSV cannot be used.", "model": Invalid},
        200: {
            "description": "customer_id, persona_id, confidence, known_values (CSV).",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
    },
    openapi_extra={"requestBody": BATCH_BODY},
    summary="Assign many customers: a JSON array, or a CSV (long or wide form)",
)
async def assign_batch(request: Request) -> StreamingResponse:
    assigner, mapper = _assigners(request).get()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    headers = {"Content-Disposition": 'attachment; filename="assignments.csv"'}
    if kind == "application/json":
        limits: Limits = request.app.state.limits
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
            return [(r.customer_id, _counts(assigner, mapper, r)[0]) for r in records]

        rows = await run_in_threadpool(score)
        return StreamingResponse(assigner.assign_rows(rows), media_type="text/csv; charset=utf-8", headers=headers)
    if kind not in ("text/csv", "multipart/form-data"):
        raise HTTPException(415, "send application/json (an array of records), text/csv, or a multipart file upload.")
    folder = Path(tempfile.mkdtemp(prefix="personacraft-batch-"))
    try:
        path = folder / "upload.csv"
        if kind == "text/csv":
            with path.open("wb") as fh:
                async for chunk in request.stream():
                    fh.write(chunk)
        else:
            form = await request.form(max_files=1, max_fields=10)
            try:
                upload = form.get("file")
                if upload is None or isinstance(upload, str):
                    raise RequestValidationError(
                        [
                            {
                                "loc": ("body", "file"),
                                "msg": "a CSV file is needed in the field 'file'",
                                "type": "missing",
                            }
                        ]
                    )
                with path.open("wb") as fh:
                    await run_in_threadpool(shutil.copyfileobj, upload.file, fh, 1 << 20)
            finally:
                await form.close()
        batch = await run_in_threadpool(load_csv, assigner, path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return StreamingResponse(batch.chunks(), media_type="text/csv; charset=utf-8", headers=headers)


# -- customers of the run ------------------------------------------------------------------------


@router.get(
    "/customers/{customer}/persona",
    response_model=CustomerPersona,
    response_model_exclude_none=False,
    responses=_errors(403, 404, 503),
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
    with Workspace(service.config.workspace_path, read_only=True) as ws:
        run = ws.run(view.run_id)
        found = explain(run, customer.strip())
        email = None
        if principal.admin:
            rows = run.execute(
                f"SELECT email FROM {run.t('customer_index')} WHERE customer_key = ?", [found["customer_id"]]
            ).fetchall()
            email = rows[0][0] if rows else None
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
