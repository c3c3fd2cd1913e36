"""The owner of DuckDB connections: the workspace file, its runs, table I/O, and scratch connections.

A workspace is one DuckDB file. Each build is a :class:`Run` that writes into its own
schema (``run_0001`` …), so a run never overwrites an earlier one and a failed build is
dropped without touching the last good run. Work that needs no workspace (reading a file
for ``personacraft clv``, scoring an API batch) opens an in-memory connection with
:func:`scratch`, set up the same way. Everything else asks this module for data.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from personacraft.engine_settings import duckdb_memory
from personacraft.errors import NotFoundError, WorkspaceError
from personacraft.locking import Lock, acquire, describe, holder
from personacraft.schema import ACCOUNTING, CANONICAL, HANDLED, PROVENANCE, RAW_FILES, READ_COUNTS, REJECTS, ddl

_RUNS_DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    seq INTEGER NOT NULL,
    schema_name VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status VARCHAR NOT NULL,
    config_hash VARCHAR,
    config_json VARCHAR,
    inputs_json VARCHAR,
    version VARCHAR,
    out_dir VARCHAR,
    summary_json VARCHAR,
    error VARCHAR,
    fingerprint VARCHAR,
    pid INTEGER
)
"""
# workspaces made before `build --if-changed` have no fingerprint column yet, before the lock no pid
_RUNS_MIGRATE = (
    "ALTER TABLE runs ADD COLUMN IF NOT EXISTS fingerprint VARCHAR",
    "ALTER TABLE runs ADD COLUMN IF NOT EXISTS pid INTEGER",
)

# every persona id a run of the workspace has published: a new persona never gets one of these
_PERSONA_IDS_DDL = """
CREATE TABLE IF NOT EXISTS persona_ids (persona_id VARCHAR PRIMARY KEY, run_id VARCHAR NOT NULL)
"""

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _ident(name: str) -> str:
    if not _IDENT.match(name):
        raise WorkspaceError(f"internal: {name!r} is not a safe table name")
    return name


def _configured(con: duckdb.DuckDBPyConnection, memory_limit: str = "auto") -> duckdb.DuckDBPyConnection:
    # every timestamp is stored in UTC; vendor offsets are applied when parsing
    con.execute("SET TimeZone = 'UTC'")
    # the CLI draws its own progress; DuckDB's bar would print into stdout on long queries
    con.execute("SET enable_progress_bar = false")
    # [engine] memory_limit: DuckDB alone would take 80 % of the machine before it spills
    limit = duckdb_memory(memory_limit)
    if limit:
        con.execute(f"SET memory_limit = '{limit}'")
    return con


def scratch() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection set up as a workspace's is (UTC, no progress bar); close it after use."""
    return _configured(duckdb.connect())


class Workspace:
    """A DuckDB workspace file holding every run of a project.

    Opened for writing, it holds the workspace's lock (:mod:`personacraft.locking`) until closed,
    waiting up to ``wait`` seconds for another writer; opened ``read_only``, it takes no lock.
    ``memory_limit`` is ``[engine] memory_limit`` (DuckDB's, :func:`~personacraft.engine_settings.duckdb_memory`)."""

    def __init__(
        self, path: str | Path, *, read_only: bool = False, wait: float = 0.0, memory_limit: str = "auto"
    ) -> None:
        self.path = Path(path)
        self.lock: Lock | None = None
        try:
            if not read_only:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.lock = acquire(self.path, wait)
            elif not self.path.exists():
                raise NotFoundError(f"{self.path}: no workspace yet; run `personacraft build` first.")
            self.con = _configured(duckdb.connect(str(self.path), read_only=read_only), memory_limit)
        except duckdb.Error as exc:
            if self.lock is not None:
                self.lock.release()
            busy = holder(self.path)
            who = f"it is in use by {describe(busy)}" if busy is not None else "is another process using it?"
            raise WorkspaceError(f"{self.path}: cannot open the workspace ({exc}); {who}") from exc
        if not read_only:
            self.con.execute(_RUNS_DDL)
            for statement in _RUNS_MIGRATE:
                self.con.execute(statement)
            self.con.execute(_PERSONA_IDS_DDL)

    def close(self) -> None:
        self.con.close()
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- runs ---------------------------------------------------------------------------
    def new_run(
        self,
        *,
        config_hash: str,
        config: Mapping[str, Any],
        inputs: Sequence[Mapping[str, Any]],
        version: str,
        fingerprint: str | None = None,
        out_dir: str | None = None,
    ) -> Run:
        """Open a new run in its own schema, with its canonical tables created; ``fingerprint``: of its
        sources' bytes and its config, which ``build --if-changed`` compares (pipeline/refresh.py);
        ``out_dir``: the folder its files will go to (known from the start, so that the files of a run
        whose process died can be found and cleaned)."""
        rows = self.con.execute("SELECT coalesce(max(seq), 0) + 1 FROM runs").fetchall()
        seq = int(rows[0][0]) if rows else 1
        now = datetime.now(UTC).replace(tzinfo=None)
        run_id = f"{seq:04d}-{now:%Y%m%dT%H%M%SZ}"
        schema = f"run_{seq:04d}"
        self.con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        self.con.execute(f"CREATE SCHEMA {schema}")
        for table, cols in CANONICAL.items():
            self.con.execute(ddl(table, {**cols, **PROVENANCE}, schema))
        self.con.execute(ddl("rejects", REJECTS, schema))
        self.con.execute(ddl("handled", HANDLED, schema))
        self.con.execute(ddl("read_counts", READ_COUNTS, schema))
        self.con.execute(ddl("raw_files", RAW_FILES, schema))
        self.con.execute(ddl("accounting", ACCOUNTING, schema))
        self.con.execute(
            "INSERT INTO runs (run_id, seq, schema_name, created_at, status, config_hash, "
            "config_json, inputs_json, version, fingerprint, pid, out_dir) "
            "VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                seq,
                schema,
                now,
                config_hash,
                json.dumps(config, default=str),
                json.dumps(list(inputs), default=str),
                version,
                fingerprint,
                os.getpid(),
                out_dir,
            ],
        )
        return Run(self, run_id, schema, now)

    def newest_succeeded(self) -> dict[str, Any] | None:
        """The newest successful run's ``run_id``, ``fingerprint`` (None before there was one) and ``out_dir``."""
        has = self.con.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'runs' AND column_name = 'fingerprint'"
        ).fetchall()[0][0]
        fingerprint = "fingerprint" if has else "NULL AS fingerprint"
        rows = _dicts(
            self.con.execute(
                f"SELECT run_id, {fingerprint}, out_dir FROM runs WHERE status = 'succeeded' ORDER BY seq DESC LIMIT 1"
            )
        )
        return rows[0] if rows else None

    def newest_inspection(self) -> dict[str, Any] | None:
        """The newest inspection's ``run_id``, ``finished_at``, ``out_dir`` and ``summary`` (None when none ran)."""
        rows = _dicts(
            self.con.execute(
                "SELECT run_id, finished_at, out_dir, summary_json FROM runs WHERE status = 'inspected' "
                "ORDER BY seq DESC LIMIT 1"
            )
        )
        if not rows:
            return None
        row = rows[0]
        row["summary"] = json.loads(row.pop("summary_json") or "{}")
        return row

    def previous_run(self, run_id: str) -> Run | None:
        """The newest successful run started before ``run_id``; None when there is none."""
        rows = self.con.execute(
            "SELECT run_id, schema_name, created_at FROM runs WHERE status = 'succeeded' "
            "AND seq < (SELECT seq FROM runs WHERE run_id = ?) ORDER BY seq DESC LIMIT 1",
            [run_id],
        ).fetchall()
        return Run(self, rows[0][0], rows[0][1], rows[0][2]) if rows else None

    def used_persona_ids(self) -> set[str]:
        """Every persona id any run of this workspace has published (segment.lineage never reuses one)."""
        has = self.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'persona_ids'").fetchall()
        if not has[0][0]:
            return set()
        return {str(r[0]) for r in self.con.execute("SELECT persona_id FROM persona_ids").fetchall()}

    def record_persona_ids(self, run_id: str, ids: Sequence[str]) -> None:
        """Remember the persona ids run ``run_id`` published (those already known keep their first run)."""
        for pid in ids:
            self.con.execute("INSERT OR IGNORE INTO persona_ids VALUES (?, ?)", [str(pid), run_id])

    def runs(self) -> list[dict[str, Any]]:
        """All runs, newest first."""
        return _dicts(self.con.execute("SELECT * FROM runs ORDER BY seq DESC"))

    def run(self, run_id: str | None = None) -> Run:
        """A finished run by id, or the latest successful one."""
        # fetchall: a half-read result (fetchone) blocks registering arrays on the connection
        if run_id is None:
            rows = self.con.execute(
                "SELECT run_id, schema_name, created_at FROM runs WHERE status = 'succeeded' ORDER BY seq DESC LIMIT 1"
            ).fetchall()
        else:
            rows = self.con.execute(
                "SELECT run_id, schema_name, created_at FROM runs WHERE run_id = ?", [run_id]
            ).fetchall()
        res = rows[0] if rows else None
        if res is None:
            raise NotFoundError(
                f"{self.path.name}: no {'successful run' if run_id is None else 'run ' + run_id}"
                " in this workspace; run `personacraft build` first."
            )
        return Run(self, res[0], res[1], res[2])


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cols = [d[0] for d in cursor.description or []]
    return [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]


@dataclass
class Run:
    """One build's slice of the workspace: a schema plus its row in ``runs``."""

    ws: Workspace
    run_id: str
    schema: str
    created_at: datetime

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        return self.ws.con

    @property
    def scratch(self) -> Path:
        """A folder for this run's temporary files, next to the workspace."""
        return self.ws.path.parent / "tmp" / self.schema

    def t(self, name: str) -> str:
        """The qualified name of a table of this run."""
        return f'{self.schema}."{_ident(name)}"'

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> duckdb.DuckDBPyConnection:
        return self.con.execute(sql, params or [])

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        # fetchall: fetchone leaves a streaming result half-read, which blocks the next register()
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0][0] if rows else None

    def dicts(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        return _dicts(self.con.execute(sql, params or []))

    def numpy(self, sql: str, params: Sequence[Any] | None = None) -> dict[str, np.ndarray]:
        """A query result as column arrays (NULLs become NaN or None)."""
        return fetch_arrays(self.con, sql, params)

    def write_arrays(self, name: str, columns: Mapping[str, np.ndarray]) -> None:
        """Create (or replace) a table of this run from column arrays."""
        with self.arrays(name, columns) as view:
            self.con.execute(f"CREATE OR REPLACE TABLE {self.t(name)} AS SELECT * FROM {view}")

    @contextmanager
    def arrays(self, name: str, columns: Mapping[str, np.ndarray]) -> Iterator[str]:
        """Column arrays as a view SQL can read while the block runs (nothing is stored)."""
        view = f"_arrays_{_ident(name)}"
        self.con.register(view, dict(columns))
        try:
            yield view
        finally:
            self.con.unregister(view)

    def has_rows(self, table: str) -> bool:
        return bool(self.scalar(f"SELECT EXISTS (SELECT 1 FROM {self.t(table)})"))

    def has_table(self, table: str) -> bool:
        """Whether this run made the table ``table`` (optional stages make theirs only when they apply)."""
        return bool(
            self.scalar(
                "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                [self.schema, _ident(table)],
            )
        )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def finish(self, *, out_dir: str, summary: Mapping[str, Any]) -> None:
        self.con.execute(
            "UPDATE runs SET status = 'succeeded', finished_at = ?, out_dir = ?, summary_json = ? WHERE run_id = ?",
            [datetime.now(UTC).replace(tzinfo=None), out_dir, json.dumps(summary), self.run_id],
        )

    def inspected(self, *, out_dir: str, summary: Mapping[str, Any]) -> None:
        """Mark the run an inspection (``personacraft inspect``) and drop its tables: its status is
        ``inspected``, never ``succeeded``, so it is never served, diffed or reused as a build."""
        self.con.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        self.con.execute(
            "UPDATE runs SET status = 'inspected', finished_at = ?, out_dir = ?, summary_json = ? WHERE run_id = ?",
            [datetime.now(UTC).replace(tzinfo=None), out_dir, json.dumps(summary), self.run_id],
        )

    def fail(self, error: str) -> None:
        """Mark the run failed and drop its tables; earlier runs are untouched."""
        self.con.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        self.con.execute(
            "UPDATE runs SET status = 'failed', finished_at = ?, error = ? WHERE run_id = ?",
            [datetime.now(UTC).replace(tzinfo=None), error[:2000], self.run_id],
        )


def fetch_arrays(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None
) -> dict[str, np.ndarray]:
    """A query result as column arrays: NULL becomes NaN in numbers, None in anything else.

    ENUM columns come back as text: DuckDB turns them into pandas Categoricals otherwise, and
    pandas is an optional extra (every command runs on the base install).
    """
    cur = con.execute(sql, params or [])
    kinds = [(str(d[0]), getattr(d[1], "id", "")) for d in cur.description or []]
    if any(kind == "enum" for _, kind in kinds):
        cast = ", ".join(
            f"CAST({_quoted(c)} AS VARCHAR) AS {_quoted(c)}" if kind == "enum" else _quoted(c) for c, kind in kinds
        )
        cur = con.execute(f"SELECT {cast} FROM ({sql.strip().rstrip(';')})", params or [])
    out: dict[str, np.ndarray] = {}
    for k, v in cur.fetchnumpy().items():
        if isinstance(v, np.ma.MaskedArray):
            mask = np.ma.getmaskarray(v)
            # filled(None) would use numpy's default fill ('?' for objects): set NULLs by hand
            v = v.data.astype(float if v.dtype.kind in "iuf" else object)
            v[mask] = np.nan if v.dtype.kind == "f" else None
        out[k] = np.asarray(v)
    return out


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
