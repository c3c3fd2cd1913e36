"""The API's request and response models (pydantic), and its documented error bodies (docs/api.md)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, JsonValue, StringConstraints, Tag


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


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        400: "The body cannot be decoded (not UTF-8).",
        401: "No token, or a token that is not known.",
        403: "The token's role may not do this.",
        404: "No such persona, card or customer.",
        413: "The request body is over the limit.",
        415: "The body is neither JSON, CSV nor a multipart upload.",
        503: "The workspace is busy (a build holds it); try again.",
    }
    """The documented error bodies of ``codes``, for a route's ``responses``."""
    return {c: {"model": Error, "description": text[c]} for c in codes}


Text = Annotated[str, StringConstraints(max_length=1000)]
# strict: a JSON number only (true or "2" is refused, as the schema's "type": "number" says)
Count = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
Number = Annotated[float, Field(allow_inf_nan=False, strict=True)]  # a raw value of a numeric [sources.features] family
Values = Annotated[list[Text], Field(max_length=1000)]
ValueCounts = Annotated[dict[Text, Count], Field(max_length=1000)]


def _shape(value: Any) -> str | None:
    """Which form a feature's value has (a 422's location names it)."""
    if isinstance(value, str):
        return "as a value"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "as a number"
    if isinstance(value, list):
        return "as a list"
    return "as counts" if isinstance(value, dict) else None


FeatureValue = Annotated[
    Annotated[Text, Tag("as a value")]
    | Annotated[Number, Tag("as a number")]
    | Annotated[Values, Tag("as a list")]
    | Annotated[ValueCounts, Tag("as counts")],
    Discriminator(
        _shape,
        custom_error_type="feature_value",
        custom_error_message="must be a string, a number (a numeric family of [sources.features]), a list of "
        "strings, or an object {value: count}",
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
        description="Feature family → a value, a list of values, or {value: count} (as features.parquet); a family "
        "of [sources.features] also takes its raw value as in the source file (a category, a number).",
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
    second_persona_id: str | None = Field(
        default=None, description="For a customer in between two personas (posteriors within 0.2): the second."
    )
    second_confidence: float = Field(default=0.0, description="The second persona's posterior (0 when none).")
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


# the batch's body, read by hand (JSON, CSV or multipart), as the OpenAPI document describes it
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
