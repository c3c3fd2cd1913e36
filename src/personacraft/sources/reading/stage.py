"""Moving a stage's rows: to the rejects with a reason, or into a canonical table as the source's rows."""

from __future__ import annotations

from collections.abc import Mapping

from personacraft.engine.script import Statements
from personacraft.sources.columns import lit, q
from personacraft.sources.reading.files import FileLoad


def reject_where(
    run: Statements, file: FileLoad, stage: str, condition: str, column: str, value_sql: str, reason: str
) -> int:
    """Move rows of ``stage`` matching ``condition`` to the rejects, with a reason; return how many."""
    row = run.execute(
        f"INSERT INTO {run.t('rejects')} SELECT ?, ?, _line, ?, CAST({value_sql} AS VARCHAR), {reason}, NULL "
        f"FROM {stage} WHERE {condition}",
        [file.source, str(file.path), column],
    ).fetchone()
    moved = int(row[0]) if row else 0
    if moved:
        run.execute(f"DELETE FROM {stage} WHERE {condition}")
    return moved


def insert(run: Statements, file: FileLoad, table: str, select: Mapping[str, str], from_sql: str) -> None:
    """INSERT canonical rows: ``select`` maps canonical column -> SQL expression."""
    cols = [*list(select), "_source", "_file", "_line"]
    exprs = [*list(select.values()), lit(file.source), lit(str(file.path)), "_line"]
    run.execute(
        f"INSERT INTO {run.t(table)} ({', '.join(q(c) for c in cols)}) SELECT {', '.join(exprs)} FROM {from_sql}"
    )
