"""The Source interface, the registry of kinds, and the shared reading machinery.

A source turns vendor files into rows of the canonical tables (``schema.CANONICAL``).
Reading is done by DuckDB in two passes, never row by row in Python:

1. the structural pass reads every cell as text and keeps rows with the wrong number
   of columns, bad quoting or bad encoding as rejects, with the line DuckDB reports;
2. the value pass parses each typed column in SQL (:class:`Col`) and keeps rows whose
   value does not parse as rejects, naming line, column and value.

Line numbers count records the way a spreadsheet shows them: the header is line 1.
"""

from __future__ import annotations

import glob
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from personacraft.config import SourceConfig
from personacraft.errors import ConfigError, InputFormatError, MissingColumnError, SourceNotFoundError
from personacraft.store import Run


def q(name: str) -> str:
    """Quote an identifier (a vendor column name may hold any character)."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """Quote a string literal."""
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Col:
    """How one vendor column is parsed and checked.

    ``type`` is one of text, int, number, money, timestamp, date, bool. ``formats`` are
    strptime formats tried in order for timestamps and dates. A spec named
    ``"Column@variant"`` parses ``Column`` a second way (e.g. local time) without
    checking it again.
    """

    type: str = "text"
    required: bool = False  # the column must exist and every value be non-empty
    present: bool = False  # the column must exist (values may be empty)
    formats: tuple[str, ...] = ()
    example: str = ""
    local: bool = False  # timestamps: keep the wall-clock time, drop the UTC offset

    def parse(self, raw: str) -> str:
        """SQL expression that parses the text expression ``raw`` (NULL when it fails)."""
        t = f"nullif(trim({raw}), '')"
        if self.local:
            t = f"regexp_replace({t}, '\\s*([+-][0-9]{{2}}:?[0-9]{{2}}|Z|UTC)$', '')"
        if self.type == "text":
            return t
        if self.type == "int":
            return f"try_cast(replace({t}, ',', '') AS BIGINT)"
        if self.type == "number":
            return f"try_cast({t} AS DOUBLE)"
        if self.type == "money":
            return money_sql(t)
        if self.type in ("timestamp", "date"):
            tries = (
                ", ".join(f"try_strptime({t}, {lit(f)})::TIMESTAMP" for f in self.formats)
                or f"try_cast({t} AS TIMESTAMP)"
            )
            expr = f"coalesce({tries})" if self.formats else tries
            return f"CAST({expr} AS DATE)" if self.type == "date" else expr
        if self.type == "bool":
            return (
                f"CASE WHEN lower({t}) IN ('true', 'yes', 'y', '1', 'subscribed') THEN TRUE "
                f"WHEN lower({t}) IN ('false', 'no', 'n', '0', 'not_subscribed', "
                f"'unsubscribed', 'pending') THEN FALSE END"
            )
        raise ValueError(f"unknown column type {self.type!r}")

    def problem(self) -> str:
        what = {
            "int": "a whole number",
            "number": "a number",
            "money": "an amount of money",
            "timestamp": "a date and time",
            "date": "a date",
            "bool": "a yes/no value",
        }.get(self.type, "text")
        hint = f" (expected e.g. {self.example})" if self.example else ""
        return f"is not {what}{hint}"


def money_sql(t: str) -> str:
    """Parse '$1,234.50', '1.234,50 €', '-12.3' and '1234' as DOUBLE."""
    s = f"regexp_replace({t}, '[^0-9,.\\-]', '', 'g')"
    return (
        f"CASE WHEN regexp_matches({s}, '^-?[0-9.]*,[0-9]{{1,2}}$') "
        f"THEN try_cast(replace(replace({s}, '.', ''), ',', '.') AS DOUBLE) "
        f"WHEN regexp_matches({t}, '[0-9]') THEN try_cast(replace({s}, ',', '') AS DOUBLE) END"
    )


@dataclass
class Accounting:
    """Rows read, accepted and rejected by one source, with the reasons for rejects."""

    source: str
    kind: str
    files: list[str] = field(default_factory=list)
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return self.read == self.accepted + self.rejected

    @property
    def reject_share(self) -> float:
        return self.rejected / self.read if self.read else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "files": self.files,
            "read": self.read,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "balanced": self.balanced,
            "reasons": self.reasons,
            "examples": self.examples,
        }


class Source(ABC):
    """One configured input in one vendor format."""

    kind: ClassVar[str]
    tables: ClassVar[tuple[str, ...]]  # canonical tables this kind feeds
    description: ClassVar[str] = ""

    def __init__(self, config: SourceConfig, files: Sequence[Path]) -> None:
        self.config = config
        self.files = list(files)
        self.label = config.name or f"{config.kind}:{Path(config.path).name}"

    @abstractmethod
    def load_file(self, run: Run, path: Path) -> None:
        """Read one file into the canonical tables, keeping rejects (see module doc)."""

    def load(self, run: Run) -> Accounting:
        """Read every file, then count what went where."""
        acc = Accounting(self.label, self.kind, [str(p) for p in self.files])
        for path in self.files:
            if path.stat().st_size == 0:
                continue
            self.load_file(run, path)
        return self.account(run, acc)

    def account(self, run: Run, acc: Accounting) -> Accounting:
        """Fill the accounting from what landed in the canonical tables and the rejects."""
        src = lit(self.label)
        landed = " UNION ALL ".join(f"SELECT _file, _line FROM {run.t(t)} WHERE _source = {src}" for t in self.tables)
        acc.accepted = int(run.scalar(f"SELECT count(*) FROM (SELECT DISTINCT _file, _line FROM ({landed}))") or 0)
        acc.rejected = int(
            run.scalar(
                f"SELECT count(*) FROM (SELECT DISTINCT file, line FROM {run.t('rejects')} WHERE source = {src})"
            )
            or 0
        )
        acc.read = int(run.scalar(f"SELECT coalesce(sum(n), 0) FROM {run.t('read_counts')} WHERE source = {src}") or 0)
        for reason, n in run.execute(
            f"SELECT regexp_replace(reason, '''.*''', '…'), count(*) FROM {run.t('rejects')} "
            f"WHERE source = {src} GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall():
            acc.reasons[str(reason)] = int(n)
        acc.examples = run.dicts(
            f"SELECT file, line, column_name, value, reason FROM {run.t('rejects')} "
            f"WHERE source = {src} ORDER BY file, line LIMIT 5"
        )
        return acc

    # -- shared reading machinery ---------------------------------------------------------
    def keep_raw(self, run: Run, path: Path) -> str:
        """Register and name the run's raw table for one file: ``raw_<kind>_<n>``."""
        n = int(run.scalar(f"SELECT count(*) FROM {run.t('raw_files')} WHERE kind = ?", [self.kind]) or 0)
        name = f"raw_{self.kind}_{n + 1}"
        run.execute(f"INSERT INTO {run.t('raw_files')} VALUES (?, ?, ?, ?)", [name, self.label, self.kind, str(path)])
        return run.t(name)

    def note_read(self, run: Run, path: Path, n: int) -> None:
        run.execute(f"INSERT INTO {run.t('read_counts')} VALUES (?, ?, ?)", [self.label, str(path), n])

    def read_csv(
        self,
        run: Run,
        path: Path,
        specs: Mapping[str, Col],
        *,
        stage: str,
        aliases: Mapping[str, Sequence[str]] | None = None,
    ) -> list[str]:
        """Read a delimited file into table ``stage`` with typed columns and ``_line``.

        Returns the header as found. Columns in ``specs`` missing from the file are
        added as NULL unless required. ``aliases`` maps a spec name to other names the
        vendor has used for it (older export layouts).
        """
        header = csv_header(run, path)
        rename: dict[str, str] = {}
        for name in specs:
            if name in header:
                continue
            for alt in (aliases or {}).get(name, ()):
                if alt in header:
                    rename[name] = alt
                    break
        missing = [n for n, c in specs.items() if (c.required or c.present) and n not in header and n not in rename]
        if missing:
            raise MissingColumnError(path, missing, header, self.kind)
        raw = f"_raw_{stage}"
        run.execute("DROP TABLE IF EXISTS _rej_errors")
        run.execute("DROP TABLE IF EXISTS _rej_scans")
        run.execute(
            f"CREATE OR REPLACE TEMP TABLE {raw} AS SELECT * FROM read_csv({lit(str(path))}, "
            "header = true, all_varchar = true, store_rejects = true, "
            "rejects_table = '_rej_errors', rejects_scan = '_rej_scans', "
            "strict_mode = true, parallel = true)"
        )
        # structural rejects: one per record, with DuckDB's line and message
        run.execute(
            f"INSERT INTO {run.t('rejects')} SELECT ?, ?, line, column_name, NULL, "
            "error_type || ': ' || error_message, csv_line "
            "FROM (SELECT *, row_number() OVER (PARTITION BY line ORDER BY column_idx) AS rn "
            "FROM _rej_errors) WHERE rn = 1",
            [self.label, str(path)],
        )
        n_struct = int(run.scalar("SELECT count(DISTINCT line) FROM _rej_errors") or 0)
        n_ok = int(run.scalar(f"SELECT count(*) FROM {raw}") or 0)
        self.note_read(run, path, n_ok + n_struct)
        # line of each accepted record = 2 + its index + structural rejects before it
        run.execute(
            "CREATE OR REPLACE TEMP TABLE _rej_lines AS SELECT slot, max(shift) AS shift FROM ("
            "SELECT line - row_number() OVER (ORDER BY line) + 1 AS slot, "
            "row_number() OVER (ORDER BY line) AS shift "
            "FROM (SELECT DISTINCT line FROM _rej_errors)) GROUP BY slot"
        )

        def src_col(name: str) -> str:
            name = name.split("@", 1)[0]
            if name in header:
                return q(name)
            if name in rename:
                return q(rename[name])
            return "NULL::VARCHAR"

        parsed = ", ".join(f"{c.parse(src_col(n))} AS {q(n)}" for n, c in specs.items())
        checks = []
        for n, c in specs.items():
            s = src_col(n)
            if s == "NULL::VARCHAR" or "@" in n:
                continue
            raw_t = f"nullif(trim({s}), '')"
            if c.required:
                checks.append((f"{raw_t} IS NULL", n, s, "is empty, but the column is required"))
            if c.type != "text":
                checks.append((f"{raw_t} IS NOT NULL AND ({c.parse(s)}) IS NULL", n, s, c.problem()))
        if checks:
            bad_col = "CASE " + " ".join(f"WHEN {cond} THEN {lit(n)}" for cond, n, _, _ in checks) + " END"
            bad_val = "CASE " + " ".join(f"WHEN {cond} THEN {s}" for cond, _, s, _ in checks) + " END"
            bad_why = "CASE " + " ".join(f"WHEN {cond} THEN {lit(p)}" for cond, _, _, p in checks) + " END"
        else:
            bad_col = bad_val = bad_why = "NULL"
        # keep the rows as read (all text, with their line) in the run: the raw ingested table
        kept = self.keep_raw(run, path)
        run.execute(
            f"CREATE TABLE {kept} AS SELECT r._k + 2 + coalesce(j.shift, 0) AS _line, r.* EXCLUDE (_k) "
            f"FROM (SELECT rowid AS _k, * FROM {raw}) r ASOF LEFT JOIN _rej_lines j ON r._k + 2 >= j.slot "
            "ORDER BY _line"
        )
        run.execute(
            f"CREATE OR REPLACE TEMP TABLE {stage} AS SELECT _line, {bad_col} AS _bad_col, "
            f"{bad_val} AS _bad_val, {bad_why} AS _bad_why, {parsed} FROM {kept}"
        )
        run.execute(
            f"INSERT INTO {run.t('rejects')} SELECT ?, ?, _line, _bad_col, _bad_val, _bad_why, NULL "
            f"FROM {stage} WHERE _bad_col IS NOT NULL",
            [self.label, str(path)],
        )
        run.execute(f"DELETE FROM {stage} WHERE _bad_col IS NOT NULL")
        run.execute(f"DROP TABLE {raw}")
        return header

    def reject_where(
        self, run: Run, path: Path, stage: str, condition: str, column: str, value_sql: str, reason: str
    ) -> None:
        """Move rows of ``stage`` matching ``condition`` to the rejects, with a reason."""
        run.execute(
            f"INSERT INTO {run.t('rejects')} SELECT ?, ?, _line, ?, CAST({value_sql} AS VARCHAR), {reason}, NULL "
            f"FROM {stage} WHERE {condition}",
            [self.label, str(path), column],
        )
        run.execute(f"DELETE FROM {stage} WHERE {condition}")

    def insert(self, run: Run, table: str, path: Path, select: Mapping[str, str], from_sql: str) -> None:
        """INSERT canonical rows: ``select`` maps canonical column -> SQL expression."""
        cols = [*list(select), "_source", "_file", "_line"]
        exprs = [*list(select.values()), lit(self.label), lit(str(path)), "_line"]
        run.execute(
            f"INSERT INTO {run.t(table)} ({', '.join(q(c) for c in cols)}) SELECT {', '.join(exprs)} FROM {from_sql}"
        )


def csv_header(run: Run, path: Path) -> list[str]:
    """The column names of a delimited file, as DuckDB's sniffer reads them."""
    try:
        cur = run.execute(
            f"SELECT * FROM read_csv({lit(str(path))}, header = true, all_varchar = true, ignore_errors = true) LIMIT 0"
        )
    except Exception as exc:  # duckdb raises several error types for unreadable files
        raise InputFormatError(path, f"cannot be read as a delimited text file: {exc}") from exc
    return [d[0] for d in cur.description or []]


REGISTRY: dict[str, type[Source]] = {}


def register(cls: type[Source]) -> type[Source]:
    """Class decorator: make a Source available under its ``kind``."""
    REGISTRY[cls.kind] = cls
    return cls


def resolve_files(root: Path, pattern: str) -> list[Path]:
    """Files matching a configured path or glob, sorted, relative to ``root``."""
    p = Path(pattern)
    full = str(p if p.is_absolute() else root / p)
    if any(ch in pattern for ch in "*?["):
        files = sorted(Path(f) for f in glob.glob(full, recursive=True) if Path(f).is_file())
    else:
        files = [Path(full)] if Path(full).is_file() else []
    return files


def make_source(config: SourceConfig, root: Path) -> Source:
    """Instantiate the Source for a ``[[sources]]`` entry, checking kind and files."""
    if config.kind not in REGISTRY:
        import difflib

        close = difflib.get_close_matches(config.kind, list(REGISTRY), n=1)
        hint = f' Did you mean "{close[0]}"?' if close else ""
        raise ConfigError(f'unknown source kind "{config.kind}".{hint} Built-in kinds: {", ".join(sorted(REGISTRY))}.')
    files = resolve_files(root, config.path)
    if not files:
        raise SourceNotFoundError(
            f'source "{config.kind}": no file matches "{config.path}" (looked in {root}). '
            "Check the path in personacraft.toml; it is relative to the config file."
        )
    return REGISTRY[config.kind](config, files)


def fingerprint(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Size, modification time and SHA-256 of each input file."""
    out = []
    for p in paths:
        h = hashlib.sha256()
        with p.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 22), b""):
                h.update(chunk)
        st = p.stat()
        out.append({"path": str(p), "bytes": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": h.hexdigest()})
    return out
