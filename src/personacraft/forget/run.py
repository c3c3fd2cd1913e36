"""``forget(config, keys)``: remove people from every table, run and file of a workspace, and keep them out.

Under the workspace's lock: find the people (:mod:`personacraft.forget.people`); check that every
table is understood (:func:`personacraft.forget.tables.plan`); add their hashed nodes to the suppression
list; then, in one transaction, delete their rows table by table (passes until nothing more goes: an
order takes its lines, a text its statements) and write each run's folder again into a copy
(:mod:`personacraft.forget.files`); commit with the journal's token; swap the copies in and publish the
newest run again (:mod:`personacraft.forget.journal`); append the erasure record; bump the generation
a running server watches; and compact the workspace file, so that no deleted row stays in its free blocks.
"""

from __future__ import annotations

import json
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from personacraft import erasure, upkeep
from personacraft.config import Config
from personacraft.errors import ForgetNotFoundError
from personacraft.forget import journal, people
from personacraft.forget.files import rewrite, scrub
from personacraft.forget.tables import RECORD_COLUMNS, Table, condition, plan, tables, texts_of
from personacraft.pipeline import recover
from personacraft.store import Workspace

MAX_PASSES = 5


@dataclass
class ForgetReport:
    """What one ``forget`` did: per key given, whether it was found; rows per table; files per run."""

    found: list[bool]
    people: int
    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, dict[str, int]] = field(default_factory=dict)
    suppressed_nodes: int = 0
    bytes_before: int = 0
    bytes_after: int = 0

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def forget(config: Config, keys: list[str], out: Path | None = None) -> ForgetReport:
    """Forget everyone ``keys`` name (emails, phones, source ids); raise :class:`ForgetNotFoundError` when none
    names anyone (nothing is changed then)."""
    asked = [people.read_key(k) for k in keys]
    out = (out or config.root / "out").resolve()
    with Workspace(config.workspace_path, wait=config.lock_wait, memory_limit=config.engine.memory_limit) as ws:
        recover(ws, out)
        found_tables = plan(tables(ws.con))
        graphs = sorted({t.schema for t in found_tables if t.name == "identity" and "node" in t.columns})
        per_key = people.find(ws.con, asked, graphs)
        if not any(per_key.values()):
            raise ForgetNotFoundError(
                f"none of the {len(keys)} key(s) given names anyone in {ws.path}: nothing was removed. Check the "
                "email, phone or id (as in the export, with or without the system's prefix)."
            )
        salt = erasure.salt(ws.path, create=True)
        assert salt is not None
        nodes = people.nodes(ws.con)
        report = ForgetReport([per_key[i] > 0 for i in range(len(keys))], _count_people(ws.con))
        report.bytes_before = ws.path.stat().st_size
        # first the suppression list: a forget cut short still keeps them out of the next build
        hashes = [erasure.digest(salt, n) for n in nodes]
        hashes += [erasure.digest(salt, f"token:{t}") for t in people.tokens(ws.con)]
        report.suppressed_nodes = erasure.add_suppressed(ws.path, hashes)
        token = secrets.token_hex(16)
        runs = [r for r in ws.runs() if r["status"] == "succeeded" and r.get("out_dir")]
        _drop_stray_copies(runs)
        ws.con.execute(journal.MARKS_DDL)
        ws.con.execute("BEGIN TRANSACTION")
        moves: list[tuple[str, str]] = []
        try:
            texts, lines = _delete(ws.con, found_tables, report.rows)
            for r in runs:
                run_dir = Path(str(r["out_dir"]))
                if not run_dir.is_dir() or run_dir.name != r["run_id"]:
                    continue
                staged = run_dir.with_name(f".{r['run_id']}.forget")
                shutil.rmtree(staged, ignore_errors=True)
                shutil.copytree(run_dir, staged)
                moves.append((str(staged), str(run_dir)))
                report.files[r["run_id"]] = rewrite(config, ws.run(r["run_id"]), staged, texts, lines)
            doc = {
                "token": token,
                "moves": moves,
                "publish": _shown(out, runs),
                "record": _record(salt, keys, report),
            }
            journal.write(ws, doc)
            ws.con.execute("INSERT INTO erasure_marks VALUES (?, ?)", [token, datetime.now(UTC).replace(tzinfo=None)])
            ws.con.execute("COMMIT")
        except BaseException:
            ws.con.execute("ROLLBACK")
            for copy, _ in moves:
                shutil.rmtree(copy, ignore_errors=True)
            journal.path(ws).unlink(missing_ok=True)
            raise
        journal.finish(ws, doc)
        upkeep.compact(ws)
        report.bytes_after = ws.path.stat().st_size
    return report


def _count_people(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT count(DISTINCT customer_key) FROM _fg_found").fetchall()[0][0])


def _record(salt: str, keys: list[str], report: ForgetReport) -> dict[str, Any]:
    """The erasure record: hashes and counts only."""
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "keys": [
            {"hash": erasure.digest(salt, people.read_key(k).nodes[0][0]), "found": f}
            for k, f in zip(keys, report.found, strict=True)
        ],
        "people": report.people,
        "rows": {k: v for k, v in sorted(report.rows.items()) if v},
        "files": report.files,
        "suppressed_nodes": report.suppressed_nodes,
    }


def _shown(out: Path, runs: list[dict[str, Any]]) -> list[str] | None:
    """The run whose files are at the top of ``out`` (to publish again), when it is one of ``runs``."""
    top = out / "personas.json"
    if not top.is_file():
        return None
    run_id = json.loads(top.read_text(encoding="utf-8")).get("run_id")
    for r in runs:
        if r["run_id"] == run_id and Path(str(r["out_dir"])).is_dir():
            return [str(r["out_dir"]), str(out), str(run_id)]
    return None


def _drop_stray_copies(runs: list[dict[str, Any]]) -> None:
    """Copies left by a forget killed before it wrote its journal."""
    for parent in {Path(str(r["out_dir"])).parent for r in runs}:
        if parent.is_dir():
            for stray in parent.glob(".*.forget"):
                shutil.rmtree(stray, ignore_errors=True)


def _delete(
    con: duckdb.DuckDBPyConnection, found: list[Table], rows: dict[str, int]
) -> tuple[set[str], set[tuple[str, int]]]:
    """Delete the people's rows from every table, in passes until none goes; return their texts (for the files)
    and the (file, line) of their rows (for the reject examples)."""
    con.execute("CREATE OR REPLACE TEMP TABLE _fg_records (col VARCHAR, value VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE _fg_lines (file VARCHAR, line BIGINT)")
    con.execute("CREATE OR REPLACE TEMP TABLE _fg_texts (value VARCHAR)")
    cleaned = [t for t in found if t.rules and t.rules != ["accounting"]]
    for _ in range(MAX_PASSES):
        gone = 0
        for t in cleaned:
            where = condition(t)
            n = int(con.execute(f"SELECT count(*) FROM {t.qualified} WHERE {where}").fetchall()[0][0])
            if not n:
                continue
            _collect(con, t, where)
            con.execute(f"DELETE FROM {t.qualified} WHERE {where}")
            _drop_enums(con, t)
            rows[t.label] = rows.get(t.label, 0) + n
            gone += n
        if not gone:
            break
    texts = {str(r[0]) for r in con.execute("SELECT DISTINCT value FROM _fg_texts").fetchall()}
    lines = {(str(f), int(n)) for f, n in con.execute("SELECT DISTINCT file, line FROM _fg_lines").fetchall()}
    for t in found:
        if t.rules == ["accounting"]:
            _scrub_accounting(con, t, texts, lines)
    return texts, lines


def _collect(con: duckdb.DuckDBPyConnection, t: Table, where: str) -> None:
    """Before the rows go: the records they hold, their lines and their free texts."""
    for col in RECORD_COLUMNS:
        if col in t.columns:
            con.execute(
                f"INSERT INTO _fg_records SELECT DISTINCT '{col}', CAST(\"{col}\" AS VARCHAR) FROM {t.qualified} "
                f'WHERE ({where}) AND "{col}" IS NOT NULL'
            )
    if {"_file", "_line"} <= set(t.columns):
        con.execute(f"INSERT INTO _fg_lines SELECT DISTINCT _file, _line FROM {t.qualified} WHERE {where}")
    elif {"file", "line"} <= set(t.columns):
        con.execute(f"INSERT INTO _fg_lines SELECT DISTINCT file, line FROM {t.qualified} WHERE {where}")
    if t.raw_file is None:
        sql = texts_of(t, where)
        if sql:
            con.execute(f"INSERT INTO _fg_texts {sql}")


def _drop_enums(con: duckdb.DuckDBPyConnection, t: Table) -> None:
    """An ENUM column keeps every value it was made with in its type: made plain text, it keeps only the rows'."""
    enums = [c for c, kind in t.columns.items() if kind.startswith("ENUM")]
    if enums:
        replace = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in enums)
        con.execute(f"CREATE OR REPLACE TABLE {t.qualified} AS SELECT * REPLACE ({replace}) FROM {t.qualified}")


def _scrub_accounting(con: duckdb.DuckDBPyConnection, t: Table, texts: set[str], lines: set[tuple[str, int]]) -> None:
    """A source's stored accounting keeps reject examples with their raw values: theirs go."""
    if "accounting" not in t.columns or "source" not in t.columns:
        return
    for source, doc in con.execute(f"SELECT source, accounting FROM {t.qualified}").fetchall():
        after, gone = scrub(json.loads(doc), texts, lines)
        if gone:
            con.execute(f"UPDATE {t.qualified} SET accounting = ? WHERE source = ?", [json.dumps(after), source])
