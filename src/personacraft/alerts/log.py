"""``alerts.jsonl``, the workspace's record of every alert: one JSON object a line, appended by each build.

Each line holds the alert (``kind``, ``persona_id``, ``message``, ``evidence``) with the
``run_id`` that raised it, the UTC ``time`` it was delivered, the ``project`` and ``url``, the
persona's page when ``[report] base_url`` is set (else null). The file lives next to the
workspace's DuckDB file and is only ever appended to; :func:`read` gives it back newest first.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ALERTS_FILE = "alerts.jsonl"


def jsonable(value: Any) -> Any:
    """``value`` as strict JSON takes it: NaN and infinities become null, numpy scalars plain numbers."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # a numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def append(path: Path, records: Iterable[Mapping[str, Any]]) -> int:
    """Append ``records`` to ``path`` (created with its folder), one line each, in one write; returns the count."""
    # keys in the order given: the evidence reads as its maker wrote it
    lines = [json.dumps(jsonable(r), ensure_ascii=False) + "\n" for r in records]
    if lines:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write("".join(lines))
    return len(lines)


@dataclass(frozen=True)
class AlertLog:
    """The alerts of ``alerts.jsonl``, newest first, and how many lines could not be read."""

    alerts: list[dict[str, Any]]
    total: int
    unreadable: int


def read(path: Path, limit: int = 200) -> AlertLog:
    """The newest ``limit`` alerts of ``path`` (an empty log when the file does not exist)."""
    if not path.is_file():
        return AlertLog([], 0, 0)
    found: list[dict[str, Any]] = []
    unreadable = 0
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except ValueError:
                unreadable += 1
                continue
            if isinstance(doc, dict):
                found.append(doc)
            else:
                unreadable += 1
    found.reverse()
    return AlertLog(found[:limit], len(found), unreadable)
