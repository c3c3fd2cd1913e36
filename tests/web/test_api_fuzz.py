"""Schemathesis against the API's own OpenAPI schema: no 5xx, and every response as the schema says.

Each operation gets a bounded number of generated requests (with a valid admin token), so the
whole file runs in well under a minute on two cores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.generation.modes import GenerationMode
from schemathesis.openapi import from_asgi

from personacraft.config import load_config
from personacraft.pipeline import BuildResult
from personacraft.store import Workspace
from personacraft.web.app import create_app
from personacraft.web.auth import create_token, list_tokens, revoke_token
from personacraft.web.service import Service

EXAMPLES = 40


@pytest.fixture(scope="module")
def fuzz_token(web_demo: tuple[Path, BuildResult]) -> str:
    with Workspace(load_config(web_demo[0]).workspace_path) as ws:
        if any(r.label == "fuzz" for r in list_tokens(ws)):
            revoke_token(ws, "fuzz")
        return create_token(ws, "admin", "fuzz")[0]


@pytest.fixture(scope="module")
def api_schema(service: Service, fuzz_token: str) -> Any:
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    schema = from_asgi("/api/openapi.json", create_app(service), headers=headers)
    return schema


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_schema(api_schema: Any, fuzz_token: str, mode: GenerationMode) -> None:
    """Every operation of the schema, fuzzed with data that fits the schema and data that does not.

    (schemathesis' pytest loader from a fixture fails under pytest 9, so the operations are walked
    here, each under Hypothesis.)
    """
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 8
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def fuzz(case: Any) -> None:
            # every check but "a schema-valid request is accepted": a schema cannot say which CSV columns a
            # batch needs, nor what a raw record's fields must hold, and those are answered with a 422
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            fuzz()
        except Exception as exc:  # every operation is tried; all failures are reported together
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
