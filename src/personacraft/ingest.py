"""Ingest every source of a run: reuse what did not change, read the rest, dedupe, check.

- **Unchanged is a no-op.** A source whose config and files (by SHA-256) equal those of the
  last successful run, read by the same reading code, is copied from that run, not read again.
- **Identical files are read once.** A second file with the same content in one source is
  skipped and named in the accounting.
- **Newer exports update.** When one source's files hold the same record (same natural key)
  more than once, the copy from the file that sorts last wins (exports named by date sort
  by date; within a file, the later line wins); the older copies are counted as
  ``superseded``.
- **Nothing lost.** Every source must balance, ``read = accepted + rejected``, and may not
  reject more than ``ingest.max_reject_share`` of its rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from personacraft.config import Config, SourceConfig
from personacraft.engine import engine_for
from personacraft.engine.spark import SparkEngine
from personacraft.erasure import suppression_digest
from personacraft.errors import RejectThresholdError, WorkspaceError
from personacraft.schema import CANONICAL
from personacraft.sources import Accounting, Source
from personacraft.sources.columns import lit
from personacraft.store import Run
from personacraft.suppression import suppress

# natural key of each canonical table, within one source
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id",),
    "accounts": ("account_id",),
    "orders": ("order_id",),
    "subscriptions": ("subscription_id",),
    "deals": ("deal_id",),
    "deal_contacts": ("deal_id", "customer_id"),
    "texts": ("text_id",),
    "survey_answers": ("response_id", "question"),
    # a customer seen under two variants is a conflict the reading excludes, not a newer copy of one record
    "experiments": ("experiment_id", "customer_id", "variant"),
}
# rows that belong to a record of another table go with that record's newest copy
CHILDREN: dict[str, tuple[str, str]] = {"order_lines": ("orders", "order_id")}


def ingest(
    config: Config,
    run: Run,
    sources: list[Source],
    inputs: list[dict[str, Any]],
    say: Callable[[str], None],
) -> list[Accounting]:
    """Load every source into ``run``; return their accounting."""
    previous = _previous_inputs(run)
    sha = {i["path"]: i["sha256"] for i in inputs}
    engine = engine_for(config)  # [engine] kind = "spark": the kinds that spark_reads are read on Spark
    spark = engine if isinstance(engine, SparkEngine) else None
    out = []
    for src in sources:
        say(f"Reading {src.label}" + (" on Spark" if spark is not None and src.spark_reads else ""))
        src.keep_raw = config.ingest.keep_raw
        acc = _reuse(run, src, previous, sha) or _load(run, src, sha, spark)
        if not acc.balanced:
            raise WorkspaceError(
                f"{src.label}: accounting does not balance (read {acc.read}, accepted {acc.accepted}, "
                f"rejected {acc.rejected}); this is a bug in personacraft, please report it."
            )
        if acc.reject_share > config.ingest.max_reject_share:
            ex = acc.examples[0] if acc.examples else {}
            raise RejectThresholdError(
                f"{src.label}: {acc.rejected:,} of {acc.read:,} rows rejected ({acc.reject_share:.1%}), more "
                f"than ingest.max_reject_share = {config.ingest.max_reject_share:.0%}. First: "
                f"{Path(str(ex.get('file', '?'))).name} line {ex.get('line')}, column "
                f"{ex.get('column_name')!r}: {ex.get('value')!r} {ex.get('reason')}. Fix the export or "
                "raise the threshold in [ingest]."
            )
        out.append(acc)
    return out


def _load(run: Run, src: Source, sha: dict[str, str], spark: SparkEngine | None = None) -> Accounting:
    seen: dict[str, Path] = {}
    keep, skipped = [], {}
    for path in src.files:
        digest = sha[str(path)]
        if digest in seen:
            skipped[str(path)] = f"identical to {seen[digest].name}"
            continue
        seen[digest] = path
        keep.append(path)
    src.files = keep
    acc = src.load(run, spark)
    acc.skipped_files = skipped
    _suppress(run, src, acc)
    acc.superseded = _dedupe(run, src)
    stored = {**acc.to_dict(), "code": code_fingerprint(), "suppression": suppression_digest(run.ws.path)}
    run.execute(f"INSERT INTO {run.t('accounting')} VALUES (?, ?)", [src.label, json.dumps(stored)])
    return acc


def _suppress(run: Run, src: Source, acc: Accounting) -> None:
    """Leave out the people forgotten (the suppression list), counted as ``suppressed``; their reject examples go."""
    lines, rejected = suppress(run, src.label, src.feeds())
    if not lines and not rejected:
        return
    acc.accepted -= lines
    acc.rejected -= rejected
    acc.suppressed = lines + rejected
    kept = {(str(f), int(n)) for f, n in run.execute(f"SELECT file, line FROM {run.t('rejects')}").fetchall()}
    acc.examples = [e for e in acc.examples if (str(e.get("file")), e.get("line")) in kept]


def _dedupe(run: Run, src: Source) -> int:
    """Collapse the copies of each record this source holds into one; return how many went.

    The newest copy wins field by field, and older copies fill the fields it leaves empty
    (a Segment identify call and a later group call describe one person).
    """
    files = {str(p): i for i, p in enumerate(src.files)}
    if not files:
        return 0
    run.execute(
        "CREATE OR REPLACE TEMP TABLE _file_rank AS SELECT * FROM (VALUES "
        + ", ".join(f"({lit(f)}, {i})" for f, i in files.items())
        + ") t(file, rank)"
    )
    total = 0
    label = lit(src.label)
    for table in src.feeds():
        key = NATURAL_KEYS.get(table)
        if key is None:
            continue
        t = run.t(table)
        keys = ", ".join(f'"{k}"' for k in key)
        dup = (
            f"SELECT {keys} FROM {t} WHERE _source = {label} AND "
            + " AND ".join(f'"{k}" IS NOT NULL' for k in key)
            + f" GROUP BY {keys} HAVING count(*) > 1"
        )
        n_dup = int(run.scalar(f"SELECT count(*) FROM ({dup})") or 0)
        if not n_dup:
            continue
        cols = [c for c in (*CANONICAL[table], "_source", "_file", "_line")]
        order = "(r.rank, x._line)"
        merged = ", ".join(
            f'x."{c}"'
            if c in key
            else (
                f'max_by(x."{c}", {order}) AS "{c}"'
                if c in ("_source", "_file", "_line")
                else f'max_by(x."{c}", {order}) FILTER (WHERE x."{c}" IS NOT NULL) AS "{c}"'
            )
            for c in cols
        )
        run.execute(
            f"""CREATE OR REPLACE TEMP TABLE _merged AS SELECT {merged}
            FROM {t} x JOIN _file_rank r ON r.file = x._file JOIN ({dup}) d USING ({keys})
            WHERE x._source = {label} GROUP BY {", ".join(f'x."{k}"' for k in key)}"""
        )
        before = int(
            run.scalar(f"SELECT count(*) FROM {t} x JOIN ({dup}) d USING ({keys}) WHERE x._source = {label}") or 0
        )
        run.execute(f"DELETE FROM {t} x WHERE x._source = {label} AND ({keys}) IN (SELECT ({keys}) FROM ({dup}))")
        run.execute(f"INSERT INTO {t} ({', '.join(chr(34) + c + chr(34) for c in cols)}) SELECT * FROM _merged")
        total += before - int(run.scalar("SELECT count(*) FROM _merged") or 0)
    for child, (parent, fk) in CHILDREN.items():
        if child in src.feeds() and parent in src.feeds():
            # keep the lines of the file whose copy of the order won
            run.execute(
                f"""DELETE FROM {run.t(child)} c WHERE c._source = {label} AND NOT EXISTS (
                    SELECT 1 FROM {run.t(parent)} p WHERE p._source = {label} AND p."{fk}" = c."{fk}"
                    AND p._file = c._file)"""
            )
    return total


def code_files(root: Path = Path(__file__).parent) -> list[Path]:
    """The modules that decide what a source's rows are, under the package folder ``root``: every
    module of the sources package, found by walking it (a connector in a subfolder counts too),
    this module (reuse, dedupe) and the schema (the canonical tables); sorted by their path."""
    modules = [*(root / "sources").rglob("*.py"), root / "ingest.py", root / "schema.py"]
    return sorted(modules, key=lambda p: p.relative_to(root).as_posix())


def hash_code(root: Path) -> str:
    """A hash of :func:`code_files` under ``root``: each module's path in the package, then its bytes."""
    h = hashlib.sha256()
    for path in code_files(root):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


@cache
def code_fingerprint() -> str:
    """A hash of the code that reads sources: a run reuses another's rows only if it matches."""
    return hash_code(Path(__file__).parent)


def _previous_inputs(run: Run) -> tuple[str, dict[str, Any], dict[str, dict[str, str]]] | None:
    """The last successful run's schema, its sources by label, and each source's files' SHA-256."""
    row = run.con.execute(
        "SELECT schema_name, config_json, inputs_json FROM runs WHERE status = 'succeeded' AND run_id <> ? "
        "ORDER BY seq DESC LIMIT 1",
        [run.run_id],
    ).fetchone()
    if row is None:
        return None
    exists = run.scalar("SELECT count(*) FROM information_schema.schemata WHERE schema_name = ?", [row[0]])
    if not exists:
        return None
    config = json.loads(row[1])
    by_label = {_label_of(s): s for s in config.get("sources", [])}
    files: dict[str, dict[str, str]] = {}
    for i in json.loads(row[2]):
        files.setdefault(i.get("source", ""), {})[i["path"]] = i["sha256"]
    return row[0], by_label, files


def _label_of(s: dict[str, Any]) -> str:
    return s.get("name") or f"{s['kind']}:{Path(s['path']).name}"


def _same_config(a: dict[str, Any], b: SourceConfig) -> bool:
    return (
        a.get("kind") == b.kind
        and a.get("path") == b.path
        and a.get("table") == b.table
        and dict(a.get("columns", {})) == dict(b.columns)
        and dict(a.get("options", {})) == dict(b.options)
    )


def _reuse(
    run: Run,
    src: Source,
    previous: tuple[str, dict[str, Any], dict[str, dict[str, str]]] | None,
    sha: dict[str, str],
) -> Accounting | None:
    """Copy the source's rows from the last run when nothing about it changed."""
    if previous is None:
        return None
    schema, by_label, files = previous
    before = by_label.get(src.label)
    if before is None or not _same_config(before, src.config):
        return None
    mine = {str(p): sha[str(p)] for p in src.files}
    if mine != files.get(src.label):
        return None
    has_accounting = run.scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'accounting'", [schema]
    )
    row = (
        run.con.execute(f"SELECT accounting FROM {schema}.accounting WHERE source = ?", [src.label]).fetchone()
        if has_accounting
        else None
    )
    if row is None or json.loads(row[0]).get("code") != code_fingerprint():
        return None
    if json.loads(row[0]).get("suppression", "") != suppression_digest(run.ws.path):
        return None  # someone was forgotten since: read again, leaving them out
    label = lit(src.label)
    for table in (*CANONICAL, "rejects", "handled", "read_counts"):
        column = "_source" if table in CANONICAL else "source"
        run.execute(f'INSERT INTO {run.t(table)} SELECT * FROM {schema}."{table}" WHERE {column} = {label}')
    # the raw tables stay in the run that read them
    run.execute(
        f"INSERT INTO {run.t('raw_files')} SELECT CASE WHEN table_name IS NULL OR contains(table_name, '.') "
        "THEN table_name "
        f"ELSE '{schema}.' || table_name END, source, kind, file FROM {schema}.raw_files WHERE source = {label}"
    )
    before_acc = json.loads(row[0])
    for derived in ("balanced", "code", "suppression"):
        before_acc.pop(derived, None)
    acc = Accounting(**before_acc)
    acc.reused_from = schema
    stored = {**acc.to_dict(), "code": code_fingerprint()}
    run.execute(f"INSERT INTO {run.t('accounting')} VALUES (?, ?)", [src.label, json.dumps(stored)])
    return acc
