"""A stage's SQL script on Spark: statements over temporary tables, run as a run's connection would run them.

Identity resolution (:mod:`personacraft.unify`) is not a list of ``CREATE TABLE … AS`` steps: it
creates temporary tables, inserts into them, deletes and updates rows, loops until a count is zero,
and reads small results back. :class:`SparkScript` answers the part of :class:`personacraft.store.Run`
such a script uses (``t``, ``execute``, ``scalar``, ``numpy``, ``dicts``, ``write_arrays``, and
``fetchall`` on what ``execute`` returns) with Spark, for the registry's DuckDB statements:

- ``CREATE [TEMP] TABLE x AS q`` runs ``q`` as Spark SQL (:func:`personacraft.engine.dialect.to_dialect`),
  writes it as Parquet and makes ``x`` a view of that file (``AS SELECT * FROM y``: of ``y``'s file, no
  job); ``CREATE TABLE x (columns)`` makes an empty one;
- ``INSERT INTO x q`` is ``x UNION ALL q``, ``DELETE FROM x WHERE c`` keeps the rows where ``c`` is not
  true, ``UPDATE x SET a = v WHERE c`` rewrites ``a`` where ``c`` holds: each a new Parquet file for ``x``;
- a query returns its rows to the driver (the script's counts and small lookups).

A table of the run (``t(name)``) is written from the workspace as Parquet on first use, except the
``fresh`` ones, which start empty with the run table's columns (a stage that only adds rows to them,
as reading a source adds to the canonical tables and the rejects); :meth:`keep` loads the tables
the stage makes back into the run, :meth:`append` adds a fresh table's rows to the run's, and
:meth:`keep_lines` keeps a file's lines read by :meth:`read_lines`. Statement parameters (``?``)
are filled in as literals. Every file is removed on :meth:`close`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlglot import exp

from personacraft.engine.dialect import parse, to_dialect
from personacraft.errors import EngineError
from personacraft.store import Run

if TYPE_CHECKING:
    from personacraft.engine.spark import SparkEngine


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


class _Rows:
    """What ``execute`` returns: the rows of a query (none for a statement)."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None


class SparkScript:
    """The statements of one stage on Spark, over views of Parquet files (see the module's docstring)."""

    def __init__(self, engine: SparkEngine, run: Run, fresh: Iterable[str] = ()) -> None:
        self.engine = engine
        self.run = run
        self.fresh = frozenset(fresh)  # the run's tables this script starts empty and only adds to (append)
        self._lines: dict[str, Path] = {}  # the views of files' lines (read_lines), by the run table they keep
        self.folder = run.scratch / "spark-script"
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self._files = 0
        self._paths: dict[str, list[Path]] = {}  # each view's current files (an INSERT adds one)

    def __enter__(self) -> SparkScript:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def session(self) -> Any:
        return self.engine.session

    @property
    def scratch(self) -> Path:
        """The run's scratch folder (where a source's decompressed or transcoded copy of a file goes)."""
        return self.run.scratch

    @property
    def views(self) -> frozenset[str]:
        """The views the script has made or read so far."""
        return frozenset(self._paths)

    # -- the run's tables -------------------------------------------------------------------
    def t(self, name: str) -> str:
        """The view of the run's table ``name`` (written from the workspace on first use)."""
        view = f"pc_{name}"
        if view not in self._paths and self.run.has_table(name):
            path = self._path(view)
            rows = " LIMIT 0" if name in self.fresh else ""
            self.run.execute(f"COPY (SELECT * FROM {self.run.t(name)}{rows}) TO {_literal(path)} (FORMAT parquet)")
            self._register(view, [path])
        return view

    def read_lines(self, view: str, path: Path) -> None:
        """The physical lines of the text file ``path`` as the view ``view``: ``j`` (the line, without its line
        break) and ``rowid`` (its place in the file from 0, as DuckDB numbers a table's rows), so that
        ``rowid + 1`` is the line's number on both engines."""
        try:
            target = self._path(view)
            _numbered_lines(self.session, path).write.parquet(str(target))
        except Exception as exc:
            raise EngineError(f"Spark could not read the lines of {path}: {_first_line(exc)}") from exc
        self._register(view, [target])
        if view.startswith("pc_"):  # a run's table (the lines kept as read), not a temporary one
            self._lines[view.removeprefix("pc_")] = target

    def keep_lines(self) -> None:
        """Keep the lines :meth:`read_lines` read for the run's tables, in file order, as DuckDB keeps them
        (``j`` only; a line's number is its rowid + 1)."""
        for name, path in self._lines.items():
            files = _files(path)
            self.run.execute(f"CREATE OR REPLACE TABLE {self.run.t(name)} (j VARCHAR USING COMPRESSION zstd)")
            self.run.execute(f"INSERT INTO {self.run.t(name)} SELECT j FROM read_parquet({files}) ORDER BY rowid")

    def write_arrays(self, name: str, columns: Mapping[str, np.ndarray]) -> None:
        path = self._path(f"pc_{name}")
        with self.run.arrays(name, columns) as arrays:
            self.run.execute(f"COPY (SELECT * FROM {arrays}) TO {_literal(path)} (FORMAT parquet)")
        self._register(f"pc_{name}", [path])

    def keep(self, names: Iterable[str]) -> None:
        """Load the tables ``names`` (made by the script as ``t(name)``) into the run, from their Parquet."""
        for name in names:
            view = f"pc_{name}"
            if view not in self._paths:
                raise EngineError(f"the Spark script made no table {name}")
            if len(self._paths[view]) > 1:  # rows inserted: one file, with the types the union gives them
                self._materialise(view, parse(f"SELECT * FROM {view}"))
            files = _files(self._paths[view][0])
            self.run.execute(f"CREATE OR REPLACE TABLE {self.run.t(name)} AS SELECT * FROM read_parquet({files})")

    def append(self, names: Iterable[str]) -> None:
        """Add the rows the script gave the ``fresh`` tables ``names`` to the run's tables (the run's column types)."""
        for name in names:
            paths = self._paths.get(f"pc_{name}")
            if name not in self.fresh or paths is None:
                raise EngineError(f"the Spark script has no new rows of {name} to add")
            for path in paths:  # the empty start, then each INSERT's rows
                self._insert(name, path)

    def replace(self, names: Iterable[str]) -> None:
        """Make the run's tables ``names`` hold what the script's copies of them hold (the run's column types)."""
        for name in names:
            paths = self._paths.get(f"pc_{name}")
            if paths is None:
                continue  # never read or changed
            self.run.execute(f"DELETE FROM {self.run.t(name)}")
            for path in paths:
                self._insert(name, path)

    def _insert(self, name: str, path: Path) -> None:
        """Add one file's rows to the run's table ``name``, by column name, cast to the table's types."""
        if path.is_dir() and not any(path.glob("*.parquet")):
            return  # Spark wrote no rows (and no file)
        self.run.execute(f"INSERT INTO {self.run.t(name)} BY NAME SELECT * FROM read_parquet({_files(path)})")

    # -- statements -------------------------------------------------------------------------
    def execute(self, sql: str, params: Any = None) -> _Rows:
        tree = parse(_no_params(sql, params))
        if isinstance(tree, exp.Create):
            target = tree.this
            if isinstance(target, exp.Schema):  # CREATE TABLE x (a TYPE, …): empty
                cols = ", ".join(
                    f"CAST(NULL AS {c.args['kind'].sql('duckdb')}) AS {c.name}" for c in target.expressions
                )
                self._materialise(target.this.name, parse(f"SELECT {cols} WHERE false"))
            elif isinstance(tree.expression, exp.Query):
                copied = _copy_of(tree.expression)
                if copied in self._paths:  # CREATE TABLE x AS SELECT * FROM y: x is a view of y's files
                    self._register(target.name, self._paths[copied])
                else:
                    self._materialise(target.name, tree.expression)
            else:
                raise EngineError(f"a Spark script cannot run: {sql.strip()[:200]}")
            return _Rows([])
        if isinstance(tree, exp.Insert):  # the rows it added, as DuckDB's INSERT returns them
            name = tree.this.name if isinstance(tree.this, exp.Table) else tree.this.this.name
            columns = tree.this.expressions if isinstance(tree.this, exp.Schema) else []
            table = self.session.table(name)
            added = tree.expression
            if columns:  # INSERT INTO x (a, b) q: q's columns named a, b; x's others NULL, in x's order
                added = _named(added, [c.name for c in columns], table.columns)
            rows = _shaped(self._sql(added), table.schema, name)
            part = self._write(name, rows)  # a file of its own: the earlier rows are not rewritten
            count = self.session.read.parquet(str(part)).count() if any(part.glob("*.parquet")) else 0
            if count:
                self._register(name, [*self._paths[name], part])
            return _Rows([(count,)])
        if isinstance(tree, exp.Delete):
            name, where = tree.this.name, tree.args["where"].this
            self._materialise(name, parse(f"SELECT * FROM {name} WHERE NOT coalesce(({where.sql('duckdb')}), false)"))
            return _Rows([])
        if isinstance(tree, exp.Update):
            name, where = tree.this.name, tree.args["where"].this
            sets = {e.this.name: e.expression.sql("duckdb") for e in tree.expressions}
            cond = f"coalesce(({where.sql('duckdb')}), false)"
            rewritten = [
                f"CASE WHEN {cond} THEN {sets[c]} ELSE {c} END AS {c}" if c in sets else c
                for c in self.session.table(name).columns
            ]
            self._materialise(name, parse(f"SELECT {', '.join(rewritten)} FROM {name}"))
            return _Rows([])
        if isinstance(tree, exp.Drop):  # DROP TABLE x: the view goes (its file stays until close)
            for table in tree.args.get("tables") or [tree.this]:
                self.session.catalog.dropTempView(table.name)
                self._paths.pop(table.name, None)
            return _Rows([])
        if isinstance(tree, exp.Query):
            return _Rows([tuple(r) for r in self._sql(tree).collect()])
        raise EngineError(f"a Spark script cannot run: {sql.strip()[:200]}")

    def scalar(self, sql: str, params: Any = None) -> Any:
        rows = self.execute(sql, params).fetchall()
        return rows[0][0] if rows else None

    def dicts(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        tree = parse(_no_params(sql, params))
        return [r.asDict() for r in self._sql(tree).collect()]

    def numpy(self, sql: str, params: Any = None) -> dict[str, np.ndarray]:
        table = self._sql(parse(_no_params(sql, params))).toArrow()  # columnar, no loop over rows
        return {c: np.asarray(table.column(c).to_numpy(zero_copy_only=False), dtype=object) for c in table.column_names}

    # -- the machinery -----------------------------------------------------------------------
    def _sql(self, tree: exp.Expr) -> Any:
        try:
            return self.session.sql(to_dialect(tree, "spark"))
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"Spark could not run {tree.sql('duckdb')[:200]}: {_first_line(exc)}") from exc

    def _path(self, name: str) -> Path:
        self._files += 1
        return self.folder / f"{self._files:05d}_{name}.parquet"

    def _register(self, view: str, paths: list[Path]) -> None:
        """``view`` as the rows of ``paths`` in order (UNION ALL: the types widened as SQL widens them)."""
        frames = [self.session.read.parquet(str(p)) for p in paths]
        rows = frames[0]
        for more in frames[1:]:
            rows = rows.union(more)
        rows.createOrReplaceTempView(view)
        self._paths[view] = list(paths)

    def _write(self, name: str, frame: Any) -> Path:
        """``frame`` written as a new Parquet folder for ``name``; its path."""
        path = self._path(name)
        try:
            frame.write.parquet(str(path))
        except Exception as exc:
            raise EngineError(f"Spark could not write the table {name}: {_first_line(exc)}") from exc
        return path

    def _materialise(self, name: str, query: exp.Expr) -> None:
        """``query`` written as Parquet, and ``name`` a view of it (its earlier files stay until close)."""
        self._register(name, [self._write(name, self._sql(query))])


def _copy_of(query: exp.Expr) -> str | None:
    """The table ``query`` copies whole (``SELECT * FROM y``), or None."""
    if (
        not isinstance(query, exp.Select)
        or len(query.expressions) != 1
        or not isinstance(query.expressions[0], exp.Star)
    ):
        return None
    if any(query.args.get(k) for k in ("where", "joins", "group", "having", "order", "limit", "distinct", "with")):
        return None
    source = query.args.get("from") or query.args.get("from_")
    table = source.this if source is not None else None
    return table.name if isinstance(table, exp.Table) and not table.args.get("db") else None


def _shaped(frame: Any, schema: Any, name: str) -> Any:
    """An INSERT's rows as the table's columns, by position: its names and types (a literal's NULL typed too)."""
    from pyspark.sql import functions as F

    if len(frame.columns) != len(schema.fields):
        raise EngineError(f"{len(frame.columns)} values for the {len(schema.fields)} columns of {name}")
    frame = frame.toDF(*(f"_c{i}" for i in range(len(frame.columns))))
    return frame.select(*(F.col(f"_c{i}").cast(f.dataType).alias(f.name) for i, f in enumerate(schema.fields)))


def _files(path: Path) -> str:
    """The SQL literal DuckDB reads a Parquet file or Spark's folder of parts with."""
    return _literal(path / "*.parquet" if path.is_dir() else path)


def _numbered_lines(session: Any, path: Path) -> Any:
    """The lines of a text file numbered in file order from 0 (``rowid``), in the JVM: Spark's text reader
    splits the file into partitions in file order, ``monotonically_increasing_id`` is the partition (high bits)
    and the place in it (low 33 bits), and each partition's lines are counted once to turn that into a line
    number. An empty line is NULL (``j``), as DuckDB's reader gives it."""
    from pyspark.sql import functions as F

    text = session.read.text(str(path)).select(
        F.monotonically_increasing_id().alias("_m"), F.nullif(F.col("value"), F.lit("")).alias("j")
    )
    part = F.shiftright(F.col("_m"), 33)
    counts = sorted((int(r[0]), int(r[1])) for r in text.groupBy(part.alias("p")).count().collect())
    starts, total = [], 0
    for p, n in counts:
        starts += [F.lit(p), F.lit(total)]
        total += n
    start = F.element_at(F.create_map(*starts), part) if starts else F.lit(0)
    return text.select((start + F.col("_m").bitwiseAND((1 << 33) - 1)).cast("bigint").alias("rowid"), "j")


def _named(query: exp.Expr, given: list[str], columns: list[str]) -> exp.Expr:
    """``query``'s output as the table's ``columns``: its i-th column is ``given[i]``, the others NULL."""
    if not isinstance(query, exp.Select) or len(query.expressions) != len(given):
        raise EngineError(f"a Spark script cannot insert {given} from {query.sql('duckdb')[:200]}")
    renamed = query.copy()
    named = [exp.alias_(e.unalias(), c, quoted=True) for e, c in zip(query.expressions, given, strict=True)]
    renamed.set("expressions", named)
    pick = ", ".join(f'_q."{c}"' if c in given else f'NULL AS "{c}"' for c in columns)
    return parse(f"SELECT {pick} FROM ({renamed.sql('duckdb')}) AS _q")


def _no_params(sql: str, params: Any) -> str:
    """``sql`` with its ``?`` parameters filled in as SQL literals (Spark takes none)."""
    if not params:
        return sql
    values = list(params)
    tree = parse(sql)
    holes = list(tree.find_all(exp.Placeholder))
    if len(holes) != len(values):
        raise EngineError(f"{len(values)} parameters for {len(holes)} places in {sql.strip()[:200]}")
    for hole, value in zip(holes, values, strict=True):
        hole.replace(exp.convert(value))
    return tree.sql("duckdb")


def _first_line(exc: BaseException) -> str:
    from personacraft.engine.spark import _first_line as first

    return first(exc)


# what a stage's statements run on: the run's connection (DuckDB), or a SparkScript
Statements = Run | SparkScript
