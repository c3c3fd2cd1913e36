"""Assigning customers to a run's personas from the API: in memory for one customer, in chunks for many.

:class:`Assigner` holds a run's :class:`~personacraft.segment.assignment.PersonaModel` (its saved
segmenter) and a dict (family, value) → column, so one request is a dict walk and a small numpy
product: no DuckDB on that path. The decision and the reasons are the assignment core's, as for
``personacraft assign`` and the build. Customers come as feature families
(``{"device": "mobile", "product": {"Linen Shirt": 2}}``) or as raw vendor fields, which
:mod:`personacraft.web.records` maps to families. Batches are read into an in-memory DuckDB
with :func:`personacraft.segment.persist.input_counts` and scored in chunks (:func:`load_csv`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import duckdb
import numpy as np

from personacraft.config import SegmentConfig
from personacraft.errors import InputFormatError, NotFoundError
from personacraft.features.bands import LEGACY_FREQUENCY
from personacraft.features.custom import CustomFamilies
from personacraft.segment.assignment import REASONS, PersonaModel
from personacraft.segment.persist import input_counts, load_model
from personacraft.sources.reading.messages import duck_message
from personacraft.store import Run, Workspace, scratch

CHUNK = 65_536  # customers scored at once in a batch


# -- the model in memory -----------------------------------------------------------------------


@dataclass
class Counts:
    """One customer's counts over the model's columns, and what was left out."""

    row: np.ndarray
    unknown: int = 0
    unknown_examples: list[str] = field(default_factory=list)

    def add(self, index: Mapping[tuple[str, str], int], family: str, value: str, n: float) -> bool:
        j = index.get((family, value))
        if j is None:
            self.miss(family, value)
            return False
        if n > 0:
            self.row[j] += n
        return True

    def miss(self, family: str, value: str) -> None:
        """A value the model does not know."""
        self.unknown += 1
        if len(self.unknown_examples) < 10:
            self.unknown_examples.append(f"{family} = {value}")


class Assigner:
    """A run's personas, ready to assign customers in memory."""

    def __init__(
        self,
        run_id: str,
        saved: PersonaModel,
        *,
        names: Mapping[str, str] | None = None,
        order_terciles: tuple[float, float] | None = None,
        tenure: tuple[datetime, int] | None = None,
        custom: CustomFamilies | None = None,
    ) -> None:
        if not saved.structure_found:
            raise NotFoundError(f"run {run_id} found no stable personas, so there is nothing to assign to.")
        self.run_id = run_id
        self.saved = saved
        self.names = dict(names or {})
        self.order_terciles = order_terciles
        # the build's newest order and [segment] new_days, when its frequency family reads tenure
        self.tenure = tenure
        # the families of [sources.features]: raw values (a number, a rare category) mapped as the build did
        self.custom = custom or CustomFamilies()
        self.declared = self.custom.families
        self.width = len(saved.columns)
        self.index: dict[tuple[str, str], int] = {col: j for j, col in enumerate(saved.columns)}
        self.values: dict[str, list[str]] = {}
        for family, value in saved.columns:
            self.values.setdefault(family, []).append(value)
        # a raw field's value matches the model's regardless of case ("Mobile" is "mobile")
        self.folded: dict[str, dict[str, str]] = {
            f: {v.casefold(): v for v in reversed(vs)} for f, vs in self.values.items()
        }
        self.families_folded = {f.casefold(): f for f in self.values}

    @classmethod
    def load(cls, run: Run, names: Mapping[str, str] | None = None) -> Assigner:
        """The assigner of ``run`` (its saved model, and the order-value terciles of its build)."""
        saved = load_model(run)
        return cls(
            run.run_id,
            saved,
            names=names,
            order_terciles=order_terciles(run),
            tenure=tenure_rule(run, saved),
            custom=CustomFamilies.load(run),
        )

    @classmethod
    def from_workspace(cls, path: Path, run_id: str, names: Mapping[str, str] | None = None) -> Assigner:
        with Workspace(path, read_only=True) as ws:
            return cls.load(ws.run(run_id), names)

    def empty(self) -> Counts:
        return Counts(np.zeros(self.width))

    def add_features(self, counts: Counts, features: Mapping[str, Any]) -> None:
        """Add ``{family: value | [values] | {value: count}}`` (validated by the API's model)."""
        v = self.custom.value
        declared = self.declared
        index = self.index
        row = counts.row
        for family, given in features.items():
            if isinstance(given, str | int | float):
                counts.add(index, family, v(family, given if isinstance(given, str) else _number(given)), 1.0)
            elif isinstance(given, Mapping):
                # the common case, as features.parquet has it: {value: count}, a dict walk per value
                mapped = family in declared
                for value, n in given.items():
                    value = v(family, str(value)) if mapped else value
                    j = index.get((family, value))
                    if j is None:
                        counts.miss(family, value)
                    elif n > 0:
                        row[j] += float(n)
            else:
                for value in given:
                    counts.add(index, family, v(family, str(value)), 1.0)

    def assign(self, counts: Counts, customer_id: str | None = None, *, top: int = REASONS) -> dict[str, Any]:
        """One customer's persona, confidence and the values that pulled them there."""
        row = counts.row[None, :]
        tempered = self.saved.model.temper(row)  # once, for the decision and the reasons
        decision = self.saved.decide(row, tempered)
        result: dict[str, Any] = {
            "run_id": self.run_id,
            "customer_id": customer_id,
            "persona_id": None,
            "persona_name": None,
            "confidence": 0.0,
            "second_persona_id": None,
            "second_confidence": 0.0,
            "known_values": int(decision.known[0]),
            "unknown_values": counts.unknown,
            "unknown_examples": counts.unknown_examples,
            "reasons": [],
        }
        if not decision.assigned[0]:
            return result
        p = int(decision.segment[0])
        pid = self.saved.persona_id(p)
        result.update(
            persona_id=pid,
            persona_name=self.names.get(pid),
            confidence=float(decision.confidence[0]),
            reasons=self.saved.reasons(counts.row, p, top=top, tempered=tempered[0]),
        )
        if decision.hybrid[0]:
            result.update(
                second_persona_id=self.saved.persona_id(int(decision.second[0])),
                second_confidence=float(decision.second_confidence[0]),
            )
        return result

    def assign_rows(self, rows: Sequence[tuple[str | None, Counts]]) -> Iterator[str]:
        """CSV text (with header) for many customers given as counts, in chunks."""
        yield "customer_id,persona_id,confidence,second_persona_id,second_confidence,known_values\n"
        for start in range(0, len(rows), CHUNK):
            part = rows[start : start + CHUNK]
            N = np.vstack([c.row for _, c in part]) if part else np.zeros((0, self.width))
            ids = np.array([cid or "" for cid, _ in part], dtype=object)
            yield self._csv(ids, N)

    def _csv(self, ids: np.ndarray, N: np.ndarray) -> str:
        decision = self.saved.decide(N)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerows(
            zip(
                ids.tolist(),
                decision.persona_ids.tolist(),
                decision.confidence.tolist(),
                decision.second_persona_ids.tolist(),
                decision.second_confidence.tolist(),
                decision.known.tolist(),
                strict=True,
            )
        )
        return out.getvalue()


def _number(x: float) -> str:
    """A number given for a numeric family, as its file would write it (``120``, ``2.5``)."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def tenure_rule(run: Run, saved: PersonaModel) -> tuple[datetime, int] | None:
    """The build's newest order and ``[segment] new_days``, or None when its frequency family counts orders.

    Runs built before tenure was read have frequency labels "1", "2-3", "4+" (the count of
    orders); their customers are banded that way (:data:`~personacraft.features.bands.LEGACY_FREQUENCY`).
    """
    labels = {v for f, v in saved.columns if f == "frequency"}
    if not run.has_table("cust_orders") or labels & set(LEGACY_FREQUENCY.labels):
        return None
    ref = run.scalar(f"SELECT max(ordered_at) FROM {run.t('cust_orders')}")
    raw = run.scalar("SELECT config_json FROM runs WHERE run_id = ?", [run.run_id])
    new_days = (json.loads(raw) if raw else {}).get("segment", {}).get("new_days", SegmentConfig.new_days)
    if ref is None:
        return None
    return (ref.astimezone(UTC).replace(tzinfo=None) if ref.tzinfo else ref), int(new_days)


def order_terciles(run: Run) -> tuple[float, float] | None:
    """The bounds of the build's order-value bands (``a1``, ``a2`` of FEATURE_COUNTS), or None without orders."""
    if not run.has_table("cust_orders"):
        return None
    row = run.execute(
        f"SELECT quantile_cont(amount, 1 / 3), quantile_cont(amount, 2 / 3) FROM {run.t('cust_orders')}"
    ).fetchall()[0]
    return None if row[0] is None else (float(row[0]), float(row[1]))


# -- batches through DuckDB ---------------------------------------------------------------------


class _Memory:
    """The part of a :class:`Workspace` a :class:`Run` uses, over an in-memory DuckDB."""

    def __init__(self) -> None:
        self.con = scratch()
        self.path = Path("memory")


@dataclass
class CsvBatch:
    """A loaded CSV batch: its customers (sorted, as ``assign_file`` writes them) and their counts."""

    assigner: Assigner
    customers: np.ndarray
    i: np.ndarray
    j: np.ndarray
    n: np.ndarray

    def __len__(self) -> int:
        return len(self.customers)

    def chunks(self) -> Iterator[str]:
        """The CSV answer (header, then ``CHUNK`` customers at a time)."""
        yield "customer_id,persona_id,confidence,second_persona_id,second_confidence,known_values\n"
        bounds = np.searchsorted(self.i, np.arange(0, len(self.customers) + CHUNK, CHUNK))
        for c, start in enumerate(range(0, len(self.customers), CHUNK)):
            stop = min(start + CHUNK, len(self.customers))
            lo, hi = bounds[c], bounds[c + 1]
            N = np.zeros((stop - start, self.assigner.width))
            N[self.i[lo:hi] - start, self.j[lo:hi]] = self.n[lo:hi]
            yield self.assigner._csv(self.customers[start:stop], N)


def load_csv(assigner: Assigner, path: Path) -> CsvBatch:
    """Read a CSV of customers in long or wide form, as ``personacraft assign`` reads it.

    The file is loaded into an in-memory DuckDB by the reader of ``assign_file`` (same id
    columns, long and wide forms, ``|``-separated cells) and grouped there; only the counts
    of known values come back, as three arrays.
    """
    mem = _Memory()
    try:
        run = Run(cast(Workspace, mem), assigner.run_id, "main", datetime.now(UTC))
        try:
            input_counts(run, path, set(assigner.values), assigner.custom)
        except duckdb.Error as exc:  # e.g. a count that is not a number
            raise InputFormatError(path, "cannot be used", hint=f"DuckDB: {duck_message(exc)}") from exc
        with run.arrays("columns", assigner.saved.column_arrays()) as cols:
            run.execute(
                """CREATE TEMP TABLE _cidx AS
                SELECT customer_key, (row_number() OVER (ORDER BY customer_key)) - 1 AS i
                FROM (SELECT DISTINCT customer_key FROM _assign_keys)"""
            )
            vals = run.numpy(
                f"""SELECT c.i, v.j, sum(x.n) AS n FROM _assign_counts x
                JOIN _cidx c USING (customer_key) JOIN {cols} v USING (family, value)
                WHERE x.n > 0 AND isfinite(x.n) GROUP BY 1, 2 ORDER BY 1, 2"""
            )
        customers = run.numpy("SELECT customer_key FROM _cidx ORDER BY i")["customer_key"]
    finally:
        mem.con.close()
    return CsvBatch(
        assigner,
        np.asarray(customers, dtype=object),
        np.asarray(vals["i"], dtype=np.int64),
        np.asarray(vals["j"], dtype=np.int64),
        np.asarray(vals["n"], dtype=np.float64),
    )
