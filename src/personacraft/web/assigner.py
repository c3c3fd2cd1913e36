"""Assigning customers to a run's personas from the API: in memory for one customer, in chunks for many.

:class:`Assigner` holds a run's saved segmenter (:func:`personacraft.segment.load_model`) and a
dict (family, value) → column, so one request is a dict walk and a small numpy product: no
DuckDB on that path. The arithmetic is the model's own (its tempering, then the posterior of
each segment), and the decision is :func:`personacraft.segment.assign_file`'s: the most likely
segment, a persona when the customer has a value the model knows and the segment was published.

Customers come as feature families (``{"device": "mobile", "product": {"Linen Shirt": 2}}``)
or as raw vendor and canonical fields (:class:`RecordMapper`: a job title becomes seniority and
job function through the build's own SQL, ``utm_source`` and ``utm_medium`` a channel, orders
become order value, frequency, discount, daypart, weekday, season and product). Batches are read
into an in-memory DuckDB with :func:`personacraft.segment.persist` 's own reader and scored in
chunks (:func:`assign_csv`).
"""

from __future__ import annotations

import csv
import io
import math
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import duckdb
import numpy as np

from personacraft.errors import InputError, InputFormatError, NotFoundError
from personacraft.features import sql
from personacraft.segment.persist import SavedModel, input_counts, load_model
from personacraft.sources.reading.messages import duck_message
from personacraft.store import Run, Workspace

CHUNK = 65_536  # customers scored at once in a batch
REASONS = 5
MAX_PAYLOAD_ITEMS = 1000  # list items or keys in one field of a raw record


class RecordError(InputError, ValueError):
    """A field of a customer record cannot be used; ``loc`` names it (as in a 422's ``loc``)."""

    def __init__(self, loc: Sequence[str | int], message: str) -> None:
        self.loc = tuple(loc)
        self.problem = message
        super().__init__(f"{'.'.join(str(p) for p in self.loc)}: {message}")


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
            self.unknown += 1
            if len(self.unknown_examples) < 10:
                self.unknown_examples.append(f"{family} = {value}")
            return False
        if n > 0:
            self.row[j] += n
        return True


class Assigner:
    """A run's personas, ready to assign customers in memory."""

    def __init__(
        self,
        run_id: str,
        saved: SavedModel,
        *,
        names: Mapping[str, str] | None = None,
        order_terciles: tuple[float, float] | None = None,
    ) -> None:
        if not saved.structure_found:
            raise NotFoundError(f"run {run_id} found no stable personas, so there is nothing to assign to.")
        self.run_id = run_id
        self.saved = saved
        self.model = saved.model
        self.names = dict(names or {})
        self.order_terciles = order_terciles
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
        self.log_theta = np.log(self.model.theta_)
        self.log_w = np.log(self.model.weights_)
        self.population = saved.population
        self.log_lift = self.log_theta - np.log(self.population)
        self.published = saved.published

    @classmethod
    def load(cls, run: Run, names: Mapping[str, str] | None = None) -> Assigner:
        """The assigner of ``run`` (its saved model, and the order-value terciles of its build)."""
        terciles = None
        if run.has_table("cust_orders"):
            row = run.execute(
                f"SELECT quantile_cont(amount, 1 / 3), quantile_cont(amount, 2 / 3) FROM {run.t('cust_orders')}"
            ).fetchall()[0]
            if row[0] is not None:
                terciles = (float(row[0]), float(row[1]))
        return cls(run.run_id, load_model(run), names=names, order_terciles=terciles)

    @classmethod
    def from_workspace(cls, path: Path, run_id: str, names: Mapping[str, str] | None = None) -> Assigner:
        with Workspace(path, read_only=True) as ws:
            return cls.load(ws.run(run_id), names)

    # -- scoring ------------------------------------------------------------------------------
    def posterior(self, N: np.ndarray) -> np.ndarray:
        """Each segment's posterior for each row of counts: the model's tempering and E-step."""
        Nt = self.model.temper(N)
        L = Nt @ self.log_theta.T + self.log_w
        P = np.exp(L - L.max(axis=1, keepdims=True))
        return np.asarray(P / P.sum(axis=1, keepdims=True))

    def decide(self, N: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(segment index, assigned?, confidence, known values) per row, as ``assign_file`` decides."""
        known = (N > 0).sum(axis=1)
        proba = self.posterior(N) if len(N) else np.zeros((0, len(self.log_w)))
        best = proba.argmax(axis=1)
        assigned = (known > 0) & (best < self.published)
        confidence = np.where(assigned, np.round(proba.max(axis=1), 4), 0.0)
        return best, assigned, confidence, known

    def empty(self) -> Counts:
        return Counts(np.zeros(self.width))

    def add_features(self, counts: Counts, features: Mapping[str, Any]) -> None:
        """Add ``{family: value | [values] | {value: count}}`` (validated by the API's model)."""
        for family, given in features.items():
            if isinstance(given, str):
                counts.add(self.index, family, given, 1.0)
            elif isinstance(given, Mapping):
                for value, n in given.items():
                    counts.add(self.index, family, str(value), float(n))
            else:
                for value in given:
                    counts.add(self.index, family, str(value), 1.0)

    def assign(self, counts: Counts, customer_id: str | None = None, *, top: int = REASONS) -> dict[str, Any]:
        """One customer's persona, confidence and the values that pulled them there."""
        N = counts.row[None, :]
        best, assigned, confidence, known = self.decide(N)
        result: dict[str, Any] = {
            "run_id": self.run_id,
            "customer_id": customer_id,
            "persona_id": None,
            "persona_name": None,
            "confidence": 0.0,
            "known_values": int(known[0]),
            "unknown_values": counts.unknown,
            "unknown_examples": counts.unknown_examples,
            "reasons": [],
        }
        if not assigned[0]:
            return result
        p = int(best[0])
        pid = f"p{p + 1}"
        result.update(persona_id=pid, persona_name=self.names.get(pid), confidence=float(confidence[0]))
        # as `personacraft explain`: each value adds tempered count × log(persona share / population share)
        contribution = self.model.temper(N)[0] * self.log_lift[p]
        theta = self.model.theta_[p]
        for j in np.argsort(-contribution, kind="stable")[:top]:
            if contribution[j] <= 0:
                break
            family, value = self.saved.columns[j]
            result["reasons"].append(
                {
                    "feature": family,
                    "value": value,
                    "persona_share": round(float(theta[j]), 4),
                    "population_share": round(float(self.population[j]), 4),
                    "lift": round(float(theta[j] / self.population[j]), 2),
                    "weight_of_evidence": round(float(contribution[j]), 3),
                }
            )
        return result

    def assign_rows(self, rows: Sequence[tuple[str | None, Counts]]) -> Iterator[str]:
        """CSV text (with header) for many customers given as counts, in chunks."""
        yield "customer_id,persona_id,confidence,known_values\n"
        for start in range(0, len(rows), CHUNK):
            part = rows[start : start + CHUNK]
            N = np.vstack([c.row for _, c in part]) if part else np.zeros((0, self.width))
            ids = np.array([cid or "" for cid, _ in part], dtype=object)
            yield self._csv(ids, N)

    def _csv(self, ids: np.ndarray, N: np.ndarray) -> str:
        best, assigned, confidence, known = self.decide(N)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerows(
            zip(
                ids.tolist(),
                np.where(assigned, np.char.add("p", (best + 1).astype(str)), "").tolist(),
                confidence.tolist(),
                known.tolist(),
                strict=True,
            )
        )
        return out.getvalue()


# -- batches through DuckDB ---------------------------------------------------------------------


class _Memory:
    """The part of a :class:`Workspace` a :class:`Run` uses, over an in-memory DuckDB."""

    def __init__(self) -> None:
        self.con = duckdb.connect()
        self.con.execute("SET enable_progress_bar = false")
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
        yield "customer_id,persona_id,confidence,known_values\n"
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
            input_counts(run, path, set(assigner.values))
        except duckdb.Error as exc:  # e.g. a count that is not a number
            raise InputFormatError(path, "cannot be used", hint=f"DuckDB: {duck_message(exc)}") from exc
        columns = {
            "family": np.array([f for f, _ in assigner.saved.columns], dtype=object),
            "value": np.array([v for _, v in assigner.saved.columns], dtype=object),
            "j": np.arange(assigner.width, dtype=np.int64),
        }
        with run.arrays("columns", columns) as cols:
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


# -- raw fields -----------------------------------------------------------------------------------


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", key.casefold()).strip("_")


# raw field (normalised: lower case, other characters as "_") → what it is
RAW_FIELDS: dict[str, str] = {
    **dict.fromkeys(("job_title", "jobtitle", "title"), "job_title"),
    **dict.fromkeys(("buying_role", "hs_buying_role"), "buying_role"),
    **dict.fromkeys(("device", "device_category", "device_type", "context_device_type"), "device"),
    **dict.fromkeys(
        ("utm_source", "source", "traffic_source_source", "campaign_source", "context_campaign_source"), "source"
    ),
    **dict.fromkeys(
        ("utm_medium", "medium", "traffic_source_medium", "campaign_medium", "context_campaign_medium"), "medium"
    ),
    **dict.fromkeys(("orders",), "orders"),
    **dict.fromkeys(("events", "actions"), "events"),
    **dict.fromkeys(("survey", "survey_answers"), "survey"),
}
GENERIC = frozenset(re.findall(r"'([^']+)'", sql.GENERIC_EVENTS))
NOT_PURCHASES = frozenset(("cancelled", "voided", "refunded", "failed"))


class RecordMapper:
    """Raw vendor or canonical fields of one customer → feature families of the build.

    Job titles go through the build's ``PEOPLE`` SQL (seniority, job function) in a private
    in-memory DuckDB, cached per title; everything else is a lookup.
    """

    def __init__(self, assigner: Assigner) -> None:
        self.a = assigner
        self._con: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()
        self.people = lru_cache(maxsize=4096)(self._people)

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None

    def _people(self, job_title: str | None, buying_role: str | None) -> tuple[str | None, str | None, str | None]:
        """(seniority, job function, buying role) as the build's PEOPLE statement derives them."""
        with self._lock:
            if self._con is None:
                self._con = duckdb.connect()
            con = self._con
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _person AS SELECT 'x' AS customer_key, ?::VARCHAR AS job_title, "
                "?::VARCHAR AS buying_role, NULL::VARCHAR AS lifecycle_stage, NULL::VARCHAR AS acquisition_source, "
                "NULL::VARCHAR AS account_id",
                [job_title, buying_role],
            )
            con.execute(sql.PEOPLE.format(out="_people", customers="_person"))
            rows = con.execute("SELECT seniority, job_function, buying_role FROM _people").fetchall()
        return rows[0] if rows else (None, None, None)

    def add(self, counts: Counts, record: Mapping[str, Any], mapped: list[dict[str, Any]], ignored: list[str]) -> None:
        """Map ``record`` into ``counts``; note what became which value, and the fields not used."""
        raw: dict[str, tuple[str, Any]] = {}
        for key, value in record.items():
            kind = RAW_FIELDS.get(_norm(key))
            if kind is not None:
                raw[kind] = (key, value)
            elif key.casefold() in self.a.families_folded:
                family = self.a.families_folded[key.casefold()]
                for v, n in _values(("record", key), value):
                    self._put(counts, mapped, key, family, v, n)
            else:
                ignored.append(key)

        title = _text(raw.get("job_title"))
        role = _text(raw.get("buying_role"))
        if title is not None or role is not None:
            seniority, function, roles = self.people(title, role)
            if title is not None:
                key = raw["job_title"][0]
                for derived, found in (("seniority", seniority), ("job function", function)):
                    if found is not None:
                        self._put(counts, mapped, key, derived, found, 1.0)
            if roles is not None:
                key = raw["buying_role"][0]
                for r in roles.split(";"):
                    self._put(counts, mapped, key, "buying role", r.strip(), 1.0)
        if "device" in raw:
            key, value = raw["device"]
            for v, n in _values(("record", key), value):
                self._put(counts, mapped, key, "device", v, n)
        source, medium = _text(raw.get("source")), _text(raw.get("medium"))
        if source is not None or medium is not None:
            key = " + ".join(raw[k][0] for k in ("source", "medium") if k in raw)
            self._put(counts, mapped, key, "channel", f"{source or '(unknown)'} / {medium or '(unknown)'}", 1.0)
        if "survey" in raw:
            key, answers = raw["survey"]
            if not isinstance(answers, Mapping):
                raise RecordError(("record", key), 'must be an object {"question": "answer"}')
            for question, answer in list(answers.items())[:MAX_PAYLOAD_ITEMS]:
                if answer is not None and not isinstance(answer, str | int | float):
                    raise RecordError(("record", key, question), "must be a string (the answer)")
                text = _text((key, answer))
                if text is not None:
                    self._put(counts, mapped, key, f"survey: {question}", text, 1.0)
        if "events" in raw:
            key, events = raw["events"]
            for name, n in _values(("record", key), events):
                if name.casefold() not in GENERIC:
                    self._put(counts, mapped, key, "activity", name, n)
        if "orders" in raw:
            self._orders(counts, mapped, *raw["orders"])

    def _put(self, counts: Counts, mapped: list[dict[str, Any]], key: str, family: str, value: str, n: float) -> None:
        family = self.a.families_folded.get(family.casefold(), family)
        value = self.a.folded.get(family, {}).get(value.casefold(), value)
        known = counts.add(self.a.index, family, value, n)
        if len(mapped) < 100:
            mapped.append({"field": key, "family": family, "value": value, "n": n, "known": known})

    def _orders(self, counts: Counts, mapped: list[dict[str, Any]], key: str, orders: Any) -> None:
        """Orders → the order families of FEATURE_COUNTS, with the build's order-value terciles."""
        if not isinstance(orders, list):
            raise RecordError(("record", key), "must be a list of orders")
        per: dict[tuple[str, str], float] = {}
        n_orders = 0
        products: dict[str, float] = {}
        for i, order in enumerate(orders[:MAX_PAYLOAD_ITEMS]):
            loc = ("record", key, i)
            if not isinstance(order, Mapping):
                raise RecordError(loc, "must be an object with amount, ordered_at, discount_code, items")
            fields = {_norm(k): v for k, v in order.items()}
            status = fields.get("status")
            if isinstance(status, str) and status.strip().casefold() in NOT_PURCHASES:
                continue
            when = _timestamp(loc, fields.get("ordered_at", fields.get("created_at")))
            if when is None:
                continue  # as the build: an order without a time does not count
            n_orders += 1
            amount = _number((*loc, "amount"), fields.get("amount", fields.get("total")))
            amount = 0.0 if amount is None else amount
            if self.a.order_terciles is not None:
                a1, a2 = self.a.order_terciles
                band = "low" if amount < a1 else "mid" if amount < a2 else "high"
                per[("order value", band)] = per.get(("order value", band), 0) + 1
            discount = _number((*loc, "discount_amount"), fields.get("discount_amount")) or 0.0
            code = _text((key, fields.get("discount_code")))
            d = "code" if discount > 0 or code is not None else "no code"
            per[("discount", d)] = per.get(("discount", d), 0) + 1
            h = when.hour
            part = "night" if h < 6 else "morning" if h < 12 else "afternoon" if h < 18 else "evening"
            per[("daypart", part)] = per.get(("daypart", part), 0) + 1
            day = "weekend" if when.weekday() >= 5 else "weekday"
            per[("weekday", day)] = per.get(("weekday", day), 0) + 1
            m = when.month
            season = "holiday" if m in (11, 12) else "summer" if 4 <= m <= 8 else "rest of year"
            per[("season", season)] = per.get(("season", season), 0) + 1
            items = fields.get("items", fields.get("lines", fields.get("line_items")))
            if items is None:
                continue
            if not isinstance(items, list):
                raise RecordError((*loc, "items"), "must be a list of {product, category, quantity}")
            for k, item in enumerate(items[:MAX_PAYLOAD_ITEMS]):
                if not isinstance(item, Mapping):
                    raise RecordError((*loc, "items", k), "must be an object with product, category, quantity")
                it = {_norm(a): b for a, b in item.items()}
                name = _text((key, it.get("category"))) or _text((key, it.get("product"))) or "unknown"
                qty = _number((*loc, "items", k, "quantity"), it.get("quantity"))
                products[name] = products.get(name, 0.0) + (1.0 if qty is None else qty)
        if n_orders:
            freq = "1" if n_orders == 1 else "2-3" if n_orders <= 3 else "4+"
            per[("frequency", freq)] = 1.0
        known_products = self.a.folded.get("product", {})
        for name, qty in products.items():
            # the build keeps its top products and calls the rest "other"
            value = known_products.get(name.casefold(), "other" if "other" in known_products else name)
            per[("product", value)] = per.get(("product", value), 0) + qty
        for (family, value), n in per.items():
            self._put(counts, mapped, key, family, value, n)


def _text(item: tuple[str, Any] | None) -> str | None:
    if item is None or item[1] is None:
        return None
    key, value = item
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RecordError(("record", key), "must be a string")
    text = str(value).strip()
    return text or None


def _number(loc: tuple[str | int, ...], value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(loc, "must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RecordError(loc, "must be a number") from None
    if not math.isfinite(number):
        raise RecordError(loc, "must be a finite number")
    return number


def _timestamp(loc: tuple[str | int, ...], value: Any) -> datetime | None:
    """An ISO 8601 time; its wall-clock time is used (the shop's local time), the offset dropped."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError((*loc, "ordered_at"), "must be an ISO 8601 date and time")
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise RecordError((*loc, "ordered_at"), f"{value[:40]!r} is not an ISO 8601 date and time") from None


def _values(loc: tuple[str, ...], value: Any) -> Iterator[tuple[str, float]]:
    """A raw value as (value, count) pairs: a string, a list of strings, or {value: count}."""
    if value is None:
        return
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        if str(value).strip():
            yield str(value).strip(), 1.0
    elif isinstance(value, list):
        for i, v in enumerate(value[:MAX_PAYLOAD_ITEMS]):
            if not isinstance(v, str):
                raise RecordError((*loc, i), "must be a string")
            if v.strip():
                yield v.strip(), 1.0
    elif isinstance(value, Mapping):
        for k, n in list(value.items())[:MAX_PAYLOAD_ITEMS]:
            count = _number((*loc, k), n)
            if count is not None and count < 0:
                raise RecordError((*loc, k), "must be a count, 0 or more")
            yield str(k), count or 0.0
    else:
        raise RecordError(loc, "must be a string, a list of strings or an object {value: count}")
