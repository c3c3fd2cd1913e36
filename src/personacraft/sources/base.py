"""The Source interface, the registry of kinds, and the accounting of what a source read.

A source turns vendor files into rows of the canonical tables (``schema.CANONICAL``);
how files are read is in :mod:`personacraft.sources.reading`, which knows nothing of a Source:
each file is handed to :meth:`Source.load_file` as a :class:`FileLoad`.
"""

from __future__ import annotations

import csv
import difflib
import glob
import hashlib
import json
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import duckdb

from personacraft.config import Config, SourceConfig
from personacraft.engine.script import SparkScript
from personacraft.errors import ConfigError, SourceNotFoundError
from personacraft.sources.columns import lit
from personacraft.sources.features import land_features
from personacraft.sources.reading import containers
from personacraft.sources.reading.files import FileLoad, text_copy
from personacraft.sources.reading.messages import unreadable
from personacraft.store import Run

if TYPE_CHECKING:
    from personacraft.engine.spark import SparkEngine


@dataclass
class Accounting:
    """Rows read, accepted and rejected by one source, with the reasons for rejects.

    ``handled`` counts, by reason, the accepted rows a rule treated specially (a return netted against
    its order, a guest order, postage, a test order, another currency: :mod:`personacraft.sources.order_rules`);
    they are kept in the run's ``handled`` table and count as accepted, so ``read = accepted + rejected``
    still holds. A row may be handled for two reasons (a return in euros is converted, then netted).
    """

    source: str
    kind: str
    files: list[str] = field(default_factory=list)
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)
    encodings: dict[str, str] = field(default_factory=dict)
    superseded: int = 0  # accepted rows replaced by a newer copy of the same record
    skipped_files: dict[str, str] = field(default_factory=dict)  # file -> why it was not read
    reused_from: str | None = None  # the run whose rows were copied, when nothing changed
    handled: dict[str, int] = field(default_factory=dict)  # accepted rows treated specially, by reason
    suppressed: int = 0  # lines of people forgotten (`personacraft forget`), left out by the suppression list

    @property
    def balanced(self) -> bool:
        return self.read == self.accepted + self.rejected + self.suppressed

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
            "handled": self.handled,
            "examples": self.examples,
            "encodings": self.encodings,
            "superseded": self.superseded,
            "skipped_files": self.skipped_files,
            "reused_from": self.reused_from,
            "suppressed": self.suppressed,
        }


class Source(ABC):
    """One configured input in one vendor format."""

    kind: ClassVar[str]
    tables: ClassVar[tuple[str, ...]]  # canonical tables this kind feeds
    footer: ClassVar[str | None] = None  # regex of trailing report lines that are not rows
    # its statements run on Spark as they are, when [engine] kind = "spark" (load_on_spark, docs/spark.md)
    spark_reads: ClassVar[bool] = False
    description: ClassVar[str] = ""

    def __init__(self, config: SourceConfig, files: Sequence[Path]) -> None:
        self.config = config
        self.files = list(files)
        self.label = config.name or f"{config.kind}:{Path(config.path).name}"
        self.keep_raw = True  # keep every row as read in the run (ingest.keep_raw)
        self.root = Path(".")  # the config's folder, which relative paths in options are read from (make_source)

    def feeds(self) -> tuple[str, ...]:
        """The canonical tables this source writes to."""
        return self.tables

    @classmethod
    def known_columns(cls) -> frozenset[str]:
        """The header columns this kind reads by name, lower-cased (its specs, their aliases, a survey's metadata).

        Empty for kinds that read no fixed header (JSON events, folders of notes, any CSV).
        """
        names: set[str] = set()
        for specs in (getattr(cls, "SPECS", {}), getattr(cls, "CSV_SPECS", {})):
            names.update(specs)
        for aliases in (getattr(cls, "ALIASES", {}), getattr(cls, "CSV_ALIASES", {})):
            names.update(alt for alts in aliases.values() for alt in alts)
        names.update(getattr(cls, "META", ()))
        names.update(v for v in (getattr(cls, "ID", None), getattr(cls, "SUBMITTED", None)) if isinstance(v, str))
        return frozenset(n.strip().lower() for n in names if n)

    @abstractmethod
    def load_file(self, run: Run, file: FileLoad) -> None:
        """Read one file into the canonical tables, keeping rejects (see module doc)."""

    def load(self, run: Run, spark: SparkEngine | None = None) -> Accounting:
        """Read every file, then count what went where. Given a Spark engine, a kind that reads on Spark
        (``spark_reads``) runs its statements there (:meth:`load_on_spark`)."""
        if spark is not None and self.spark_reads and not self.config.features:
            return self.load_on_spark(run, spark)
        return self.account(run, self.read_files(run))

    def load_on_spark(self, run: Run, spark: SparkEngine) -> Accounting:
        """The same statements over :class:`~personacraft.engine.script.SparkScript`: the files are read by
        Spark, and only the rows they gave (the canonical rows, rejects, read counts and the lines kept as
        read) come back into the run, where they are counted as any source's (docs/spark.md)."""
        added = (*self.feeds(), "rejects", "read_counts", "handled")
        with SparkScript(spark, run, fresh=added) as script:
            acc = self.read_files(script)
            script.append(t for t in added if f"pc_{t}" in script.views)
            script.replace(["raw_files"])
            script.keep_lines()
        return self.account(run, acc)

    def read_files(self, run: Run | SparkScript) -> Accounting:
        """Hand every file to :meth:`load_file`; the accounting of the files (their encodings)."""
        acc = Accounting(self.label, self.kind, [str(p) for p in self.files])
        folder = run.scratch  # where a compressed or transcoded copy goes
        for path in self.files:
            if containers.size(path) == 0:
                continue
            with (
                containers.readable_copy(path, folder) as plain,
                text_copy(plain, folder) as (readable, encoding),
            ):
                file = FileLoad(self.label, self.kind, path, readable, encoding, self.keep_raw, self.footer)
                try:
                    # a SparkScript only for a kind that spark_reads: its statements run on Spark as they are
                    self.load_file(run, file)  # type: ignore[arg-type]
                    if isinstance(run, Run):
                        land_features(run, self, file)  # the columns of [sources.features], if any
                except duckdb.Error as exc:
                    # a shape no check above foresaw: still one clear paragraph naming the file
                    raise unreadable(path, f"could not be read as {self.kind}", exc) from exc
                finally:
                    if isinstance(run, Run):
                        _drop_temporary_raw(run)
            acc.encodings[str(path)] = file.encoding
        return acc

    def account(self, run: Run, acc: Accounting) -> Accounting:
        """Fill the accounting from what landed in the canonical tables and the rejects."""
        src = lit(self.label)
        landed = " UNION ALL ".join(
            [
                *(f"SELECT _file, _line FROM {run.t(t)} WHERE _source = {src}" for t in self.feeds()),
                f"SELECT file, line FROM {run.t('handled')} WHERE source = {src}",
            ]
        )
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
        for reason, n in run.execute(
            f"SELECT reason, count(*) FROM {run.t('handled')} WHERE source = {src} GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall():
            acc.handled[str(reason)] = int(n)
        acc.examples = reject_examples(run, self.label)
        return acc


def reject_examples(run: Run, source: str, n: int = 5) -> list[dict[str, Any]]:
    """The first ``n`` rejects of a source, by file and line: where, which column, the value and why."""
    return run.dicts(
        f"SELECT file, line, column_name, value, reason FROM {run.t('rejects')} "
        f"WHERE source = ? ORDER BY file, line LIMIT {int(n)}",
        [source],
    )


def _drop_temporary_raw(run: Run) -> None:
    """Drop the temporary tables of a file's rows as read (``ingest.keep_raw`` off): they go with the file's load,
    so a source of many files never holds more than one file's lines in memory."""
    for (name,) in run.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, '_raw_')"
    ).fetchall():
        run.execute(f'DROP TABLE IF EXISTS temp."{name}"')


REGISTRY: dict[str, type[Source]] = {}


def register(cls: type[Source]) -> type[Source]:
    """Class decorator: make a Source available under its ``kind``."""
    REGISTRY[cls.kind] = cls
    return cls


def resolve_files(root: Path, pattern: str) -> list[Path]:
    """Files matching a configured path or glob, sorted, relative to ``root``; a zip member or a
    sheet is named after a ``!`` (:mod:`personacraft.sources.reading.containers`)."""
    p = Path(pattern)
    full = str(p if p.is_absolute() else root / p)
    if containers.is_part(full):
        return containers.expand(Path(full))
    if any(ch in pattern for ch in "*?["):
        files = sorted(Path(f) for f in glob.glob(full, recursive=True) if Path(f).is_file())
    else:
        files = [Path(full)] if Path(full).is_file() else []
    return files


def header(path: Path) -> list[str]:
    """The column names on the first line of ``path``: a CSV header, or the keys of a JSON line (empty if neither,
    or for a zip member, a workbook or a Parquet file)."""
    if containers.is_part(path) or path.suffix.lower() in (*containers.EXCEL, ".parquet", ".zip"):
        return []
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        first = fh.readline()
    if first.lstrip().startswith("{"):
        try:
            doc = json.loads(first)
        except ValueError:
            return []
        return [str(k) for k in doc] if isinstance(doc, dict) else []
    return next(csv.reader([first]), [])


def kind_for_header(columns: Sequence[str]) -> tuple[str, list[str]] | None:
    """The built-in kind whose known columns best match ``columns`` (Jaccard), with the columns that match."""
    found = {c.strip().lower(): c for c in columns if c.strip()}
    best: tuple[float, str, list[str]] | None = None
    for kind, cls in sorted(REGISTRY.items()):
        known = cls.known_columns()
        shared = [found[c] for c in found if c in known]
        if len(shared) < 2:
            continue
        score = len(shared) / len(known | set(found))
        if best is None or score > best[0]:
            best = (score, kind, shared)
    return (best[1], best[2]) if best else None


def unknown_kind(config: SourceConfig, files: Sequence[Path], where: str = "") -> ConfigError:
    """The error for a kind that is not built in: the kind whose columns the header has, else the nearest name."""
    close = difflib.get_close_matches(config.kind, list(REGISTRY), n=1)
    hint = f' Did you mean "{close[0]}"?' if close else ""
    match = kind_for_header(header(files[0])) if files else None
    if match is not None:
        kind, shared = match
        shown = ", ".join(f'"{c}"' for c in shared[:5]) + (" …" if len(shared) > 5 else "")
        if close and close[0] == kind:
            hint += f" The header of {files[0].name} has its columns ({shown})."
        else:
            hint = f' The header of {files[0].name} has the columns of kind "{kind}" ({shown}): use kind = "{kind}".'
    prefix = f"{where}: " if where else ""
    return ConfigError(
        f'{prefix}unknown source kind "{config.kind}".{hint} Built-in kinds: {", ".join(sorted(REGISTRY))}.'
    )


def make_source(config: SourceConfig, root: Path, where: str = "") -> Source:
    """Instantiate the Source for a ``[[sources]]`` entry, checking kind and files; ``where`` names the entry."""
    if config.kind not in REGISTRY:
        raise unknown_kind(config, resolve_files(root, config.path), where)
    files = resolve_files(root, config.path)
    if not files:
        raise SourceNotFoundError(
            f'source "{config.kind}": no file matches "{config.path}" (looked in {root}). '
            "Check the path in personacraft.toml; it is relative to the config file."
        )
    source = REGISTRY[config.kind](config, files)
    source.root = root
    return source


def make_sources(config: Config) -> list[Source]:
    """Every ``[[sources]]`` entry of ``config`` as a Source. Two unnamed entries that would share a label (one
    flat export mapped once to ``orders`` and once to ``customers``) are told apart by the table each feeds,
    else by their position, so that each one's accounting counts its own rows."""
    sources = [
        make_source(s, config.root, f"{config.path.name} [[sources]] #{i}") for i, s in enumerate(config.sources, 1)
    ]
    shared = Counter(s.label for s in sources)
    for i, src in enumerate(sources, 1):
        if shared[src.label] > 1 and not src.config.name:
            table = getattr(src.config, "table", None)
            src.label = f"{src.label} ({table})" if table else f"{src.label} #{i}"
    again = Counter(s.label for s in sources)
    for i, src in enumerate(sources, 1):
        if again[src.label] > 1 and not src.config.name:  # the same file mapped to the same table twice
            src.label = f"{src.label} #{i}"
    return sources


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    h = hashlib.sha256()
    with containers.open_bytes(path) as fh:  # a zip member or a workbook: the bytes of the member
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def fingerprint(sources: Iterable[Source]) -> list[dict[str, Any]]:
    """Source, size, modification time and SHA-256 of each input file."""
    out = []
    for src, p in ((s, f) for s in sources for f in s.files):
        st = containers.split(p)[0].stat()
        out.append(
            {
                "source": src.label,
                "path": str(p),
                "bytes": containers.size(p),
                "mtime_ns": st.st_mtime_ns,
                "sha256": file_sha256(p),
            }
        )
    return out
