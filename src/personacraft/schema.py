"""The canonical tables every source maps into, and the published output schema."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

# Canonical tables: name -> ordered {column: DuckDB type}. Every source writes into these
# (plus the provenance columns below); nothing downstream reads a vendor table directly.
CANONICAL: dict[str, dict[str, str]] = {
    "customers": {
        "customer_id": "VARCHAR",
        "email": "VARCHAR",
        "phone": "VARCHAR",
        "first_name": "VARCHAR",
        "last_name": "VARCHAR",
        "age": "BIGINT",
        "birth_date": "DATE",
        "gender": "VARCHAR",
        "job_title": "VARCHAR",
        "company": "VARCHAR",
        "account_id": "VARCHAR",
        "city": "VARCHAR",
        "region": "VARCHAR",
        "country": "VARCHAR",
        "created_at": "TIMESTAMP",
        "lifecycle_stage": "VARCHAR",
        "acquisition_source": "VARCHAR",
        "acquisition_medium": "VARCHAR",
        "buying_role": "VARCHAR",
        "accepts_marketing": "BOOLEAN",
    },
    "accounts": {
        "account_id": "VARCHAR",
        "name": "VARCHAR",
        "domain": "VARCHAR",
        "industry": "VARCHAR",
        "employees": "BIGINT",
        "annual_revenue": "DOUBLE",
        "country": "VARCHAR",
        "created_at": "TIMESTAMP",
    },
    "orders": {
        "order_id": "VARCHAR",
        "customer_id": "VARCHAR",
        "email": "VARCHAR",
        "ordered_at": "TIMESTAMP",
        "ordered_at_local": "TIMESTAMP",  # wall-clock time in the shop's zone, for hour-of-day
        "amount": "DOUBLE",
        "currency": "VARCHAR",
        "discount_amount": "DOUBLE",
        "discount_code": "VARCHAR",
        "status": "VARCHAR",
        "channel": "VARCHAR",
    },
    "order_lines": {
        "order_id": "VARCHAR",
        "product": "VARCHAR",
        "sku": "VARCHAR",
        "category": "VARCHAR",
        "quantity": "BIGINT",
        "price": "DOUBLE",
    },
    "subscriptions": {
        "subscription_id": "VARCHAR",
        "customer_id": "VARCHAR",
        "email": "VARCHAR",
        "plan": "VARCHAR",
        "mrr": "DOUBLE",
        "started_at": "TIMESTAMP",
        "canceled_at": "TIMESTAMP",
        "status": "VARCHAR",
        "trial_start": "TIMESTAMP",
        "trial_end": "TIMESTAMP",
        "quantity": "BIGINT",  # seats, where the plan is priced per seat
        "billing_interval": "VARCHAR",  # month, year …: when it renews
    },
    "deals": {
        "deal_id": "VARCHAR",
        "account_id": "VARCHAR",
        "amount": "DOUBLE",
        "stage": "VARCHAR",
        "created_at": "TIMESTAMP",
        "closed_at": "TIMESTAMP",
        "won": "BOOLEAN",
        "lost_reason": "VARCHAR",  # why a lost deal was lost, as the CRM records it (free text or a picklist)
        "won_reason": "VARCHAR",
    },
    "deal_contacts": {"deal_id": "VARCHAR", "customer_id": "VARCHAR", "role": "VARCHAR"},
    "events": {
        "customer_id": "VARCHAR",
        "anonymous_id": "VARCHAR",
        "email": "VARCHAR",
        "occurred_at": "TIMESTAMP",
        "event_name": "VARCHAR",
        "session_id": "VARCHAR",
        "page": "VARCHAR",
        "source": "VARCHAR",
        "medium": "VARCHAR",
        "campaign": "VARCHAR",
        "device": "VARCHAR",
        "country": "VARCHAR",
    },
    "texts": {
        "text_id": "VARCHAR",
        "customer_id": "VARCHAR",
        "email": "VARCHAR",
        "created_at": "TIMESTAMP",
        "kind": "VARCHAR",
        "rating": "DOUBLE",
        "title": "VARCHAR",
        "body": "VARCHAR",
        "author_name": "VARCHAR",  # used only to redact the author's name from quotes
        "author_role": "VARCHAR",  # interviews: the interviewee's role, when tagged
        "status": "VARCHAR",  # tickets and chats: open, solved …
        "brand": "VARCHAR",  # the brand reviewed (NULL: ours, the config's name); docs/competitors.md
        "ours": "BOOLEAN",  # whether the brand is ours (NULL: decided by the text stage from the brand)
    },
    "survey_answers": {
        "response_id": "VARCHAR",
        "customer_id": "VARCHAR",
        "email": "VARCHAR",
        "submitted_at": "TIMESTAMP",
        "question": "VARCHAR",
        "answer": "VARCHAR",
    },
    "experiments": {
        "experiment_id": "VARCHAR",
        "variant": "VARCHAR",
        "customer_id": "VARCHAR",
        "exposed_at": "TIMESTAMP",
        "converted": "BOOLEAN",
        "revenue": "DOUBLE",
        "email": "VARCHAR",  # an email tool's export names the recipient by email
        "anonymous_id": "VARCHAR",  # a Segment Experiment Viewed call before the visitor was identified
    },
    # the other numeric outcomes of an experiment export, one row per (line, outcome) with a value
    # (sources/experiments.py); joined back to their exposure by (_source, _file, _line)
    "experiment_outcomes": {
        "experiment_id": "VARCHAR",
        "customer_id": "VARCHAR",
        "outcome": "VARCHAR",
        "value": "DOUBLE",
    },
    # the columns a source declares in [sources.features], one row per (line, column) with a value,
    # keyed to the customer the line names (sources/features.py)
    "custom_attributes": {"customer_id": "VARCHAR", "email": "VARCHAR", "family": "VARCHAR", "value": "VARCHAR"},
}

# Provenance carried by every canonical row: which source and which line it came from.
PROVENANCE: dict[str, str] = {"_source": "VARCHAR", "_file": "VARCHAR", "_line": "BIGINT"}

# Where kept rejects go: one row per rejected input row, with the first reason found.
REJECTS: dict[str, str] = {
    "source": "VARCHAR",
    "file": "VARCHAR",
    "line": "BIGINT",
    "column_name": "VARCHAR",
    "value": "VARCHAR",
    "reason": "VARCHAR",
    "raw": "VARCHAR",
}

# Rows read and kept, but treated specially (a return netted, a guest order, postage, a test order, another
# currency): one row per rule applied, with its reason. They count as accepted (docs/sources.md).
HANDLED: dict[str, str] = {c: t for c, t in REJECTS.items() if c != "raw"}

# Rows read per source file (a blank line is not a row), for the accounting.
READ_COUNTS: dict[str, str] = {"source": "VARCHAR", "file": "VARCHAR", "n": "BIGINT"}

# The raw ingested tables of a run: one per source file, every cell as read, with ``_line``.
RAW_FILES: dict[str, str] = {"table_name": "VARCHAR", "source": "VARCHAR", "kind": "VARCHAR", "file": "VARCHAR"}

# Each source's accounting as JSON, so a later run that reuses the source reports the same.
ACCOUNTING: dict[str, str] = {"source": "VARCHAR", "accounting": "VARCHAR"}

PERSONA_TYPES = ("buyer", "decision_maker", "influencer", "end_user", "mixed")


def ddl(table: str, columns: dict[str, str], schema: str) -> str:
    cols = ", ".join(f'"{c}" {t}' for c, t in columns.items())
    return f'CREATE TABLE IF NOT EXISTS {schema}."{table}" ({cols})'


@cache
def personas_schema() -> dict[str, Any]:
    """The JSON Schema of ``personas.json``, as shipped with the package."""
    text = resources.files("personacraft").joinpath("data/personas.schema.json").read_text("utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


@cache
def alerts_schema() -> dict[str, Any]:
    """The JSON Schema of the alert webhook's payload, as shipped with the package (docs/alerts.md)."""
    text = resources.files("personacraft").joinpath("data/alerts.schema.json").read_text("utf-8")
    result: dict[str, Any] = json.loads(text)
    return result
