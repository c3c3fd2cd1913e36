"""The SQL registry: every statement template is enumerable, and every one parses in DuckDB."""

from __future__ import annotations

import re

import duckdb
import pytest

from personacraft.pipeline import statements

PLACEHOLDER = re.compile(r"\{(\w+)\}")
SUBQUERY = re.compile(r"\b(FROM|JOIN|IN)\s*\(\{\w+\}\)", re.I)


def test_the_registry_lists_the_build_statements() -> None:
    found = statements.statements()
    for name in ("features.sql.FEATURE_COUNTS", "features.sql.RFM_SUMMARY", "pipeline.outputs.ASSIGNMENTS",
                 "segment.profile.PROFILE_SQL"):  # fmt: skip
        assert name in found, name
    assert not set(found) & set(statements.fragments())


@pytest.mark.parametrize(("name", "template"), sorted(statements.statements().items()))
def test_every_statement_parses(name: str, template: str) -> None:
    """With each placeholder as a plain name (a subquery after FROM, JOIN or IN), it is valid DuckDB SQL."""
    sql = PLACEHOLDER.sub(lambda m: f"p_{m[1]}", SUBQUERY.sub(r"\1 (SELECT 1 AS x)", template))
    con = duckdb.connect()
    try:
        assert con.extract_statements(sql), name
    finally:
        con.close()
