"""Load one file through one connector into a fresh workspace."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from personacraft.config import SourceConfig
from personacraft.sources import Accounting, make_source
from personacraft.store import Run, Workspace

Loader = Callable[..., tuple[Accounting, Run]]


@pytest.fixture
def load(tmp_path: Path) -> Iterator[Loader]:
    ws = Workspace(tmp_path / "ws.duckdb")

    def _load(kind: str, name: str, content: str | bytes, **options: Any) -> tuple[Accounting, Run]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        run = ws.new_run(config_hash="t", config={}, inputs=[], version="test")
        table = options.pop("_table", None)
        columns = options.pop("_columns", {})
        src = make_source(SourceConfig(kind=kind, path=name, table=table, columns=columns, options=options), tmp_path)
        acc = src.load(run)
        assert acc.balanced, acc.to_dict()
        return acc, run

    yield _load
    ws.close()


def rejects(run: Run) -> list[dict[str, Any]]:
    return run.dicts(f"SELECT * FROM {run.t('rejects')} ORDER BY line")
