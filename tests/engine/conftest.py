"""The one local Spark session of a test session (local[2], no UI, 4 shuffle partitions), started on first use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from personacraft.engine.spark import spark_session
from personacraft.engine_settings import EngineConfig

# every test that asks for Spark uses this one session: starting it costs about 15 s
LOCAL = EngineConfig(kind="spark", master="local[2]", app_name="personacraft-tests", shuffle_partitions=4)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """The local Spark session; engines built from any [engine] config reuse it (getOrCreate)."""
    session = spark_session(LOCAL)
    yield session
    session.stop()
