"""The ``[engine]`` settings: which engine runs the customer-scale SQL (DuckDB, or Spark with its master and conf).

A leaf below :mod:`personacraft.config` (it imports only the errors), as ``[report]`` is;
:mod:`personacraft.config` re-exports its names (docs/config.md, docs/spark.md).
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from personacraft.errors import ConfigError


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


ENGINE_KINDS = ("duckdb", "spark")
MEMORY = re.compile(r"\s*\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", re.IGNORECASE)
AUTO_CAP = 4 << 30  # "auto": at most 4 GB for DuckDB (a 1M build: 22 GB without a limit; README, Accuracy and speed)


def duckdb_memory(limit: str) -> str:
    """DuckDB's ``memory_limit`` for the setting ``limit`` (``"auto"``: half the machine's memory, at most 4 GB;
    empty where the machine's memory is unknown, which leaves DuckDB's default)."""
    if limit != "auto":
        return limit.strip()
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):  # not POSIX: DuckDB's own default
        return ""
    return f"{min(total // 2, AUTO_CAP) >> 20}MB"


@dataclass(frozen=True)
class EngineConfig:
    kind: str = _setting(
        "duckdb",
        'Which engine runs the customer-scale SQL: "duckdb" (one machine, the default) or "spark" '
        "(needs the spark extra and Java 17; docs/spark.md).",
    )
    master: str = _setting("local[2]", 'The Spark master, e.g. "local[2]", "spark://host:7077" or "yarn".')
    app_name: str = _setting("personacraft", "The Spark application's name.")
    shuffle_partitions: int = _setting(
        8, "spark.sql.shuffle.partitions: a few per core on one machine, about 2-3 per core on a cluster."
    )
    memory_limit: str = _setting(
        "auto",
        'DuckDB\'s memory limit, e.g. "4GB"; beyond it, large sorts, joins and windows spill to a folder next to '
        'the workspace. "auto": half the machine\'s memory, at most 4 GB (DuckDB alone would take 80 %).',
    )
    conf: Mapping[str, Any] = field(
        default_factory=dict,
        metadata={"help": 'Extra Spark conf, e.g. conf = { "spark.executor.memory" = "8g" }.'},
    )

    def __post_init__(self) -> None:
        if self.kind not in ENGINE_KINDS:
            close = difflib.get_close_matches(str(self.kind), ENGINE_KINDS, n=1)
            hint = f' Did you mean "{close[0]}"?' if close else ""
            raise ConfigError(f'[engine] kind: unknown engine {self.kind!r}.{hint} Choose "duckdb" or "spark".')
        if not str(self.master).strip():
            raise ConfigError('[engine] master must name a Spark master, e.g. "local[2]".')
        if isinstance(self.shuffle_partitions, bool) or self.shuffle_partitions < 1:
            raise ConfigError(f"[engine] shuffle_partitions must be at least 1, got {self.shuffle_partitions!r}.")
        if self.memory_limit != "auto" and not MEMORY.fullmatch(str(self.memory_limit)):
            raise ConfigError(
                f'[engine] memory_limit: {self.memory_limit!r} is not a size; write e.g. "4GB", "512MB" or "auto".'
            )
        bad = [k for k, v in self.conf.items() if not isinstance(v, (str, int, float, bool))]
        if bad:
            raise ConfigError(f"[engine] conf: {bad[0]!r} must be a string, number or boolean.")
        object.__setattr__(self, "conf", dict(self.conf))

    @property
    def spark(self) -> bool:
        return self.kind == "spark"
