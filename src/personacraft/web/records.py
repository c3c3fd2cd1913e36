"""Raw vendor and canonical fields of one customer (job title, UTM, orders, …) mapped to the build's feature families.

A job title becomes seniority and job function through the build's own ``PEOPLE`` SQL,
``utm_source`` and ``utm_medium`` a channel, and orders become order value, frequency,
discount, daypart, weekday, season and product, banded by :mod:`personacraft.features.bands`
as the build bands them.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import duckdb

from personacraft.errors import InputError
from personacraft.features import sql
from personacraft.features.bands import LEGACY_FREQUENCY, NOT_PURCHASES, band, orders_per_month
from personacraft.store import scratch
from personacraft.web.assigner import Assigner, Counts

MAX_PAYLOAD_ITEMS = 1000  # list items or keys in one field of a raw record


class RecordError(InputError, ValueError):
    """A field of a customer record cannot be used; ``loc`` names it (as in a 422's ``loc``)."""

    def __init__(self, loc: Sequence[str | int], message: str) -> None:
        self.loc = tuple(loc)
        self.problem = message
        super().__init__(f"{'.'.join(str(p) for p in self.loc)}: {message}")


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
                self._con = scratch()
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
        value = self.a.custom.value(family, value)  # a [sources.features] family's raw value, as the build mapped it
        value = self.a.folded.get(family, {}).get(value.casefold(), value)
        known = counts.add(self.a.index, family, value, n)
        if len(mapped) < 100:
            mapped.append({"field": key, "family": family, "value": value, "n": n, "known": known})

    def _orders(self, counts: Counts, mapped: list[dict[str, Any]], key: str, orders: Any) -> None:
        """Orders → the order families, banded by :mod:`personacraft.features.bands` with the build's terciles."""
        if not isinstance(orders, list):
            raise RecordError(("record", key), "must be a list of orders")
        per: dict[tuple[str, str], float] = {}
        n_orders = 0
        first: datetime | None = None
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
            utc = when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when  # as the build's ordered_at
            first = utc if first is None else min(first, utc)
            amount = _number((*loc, "amount"), fields.get("amount", fields.get("total")))
            amount = 0.0 if amount is None else amount
            if self.a.order_terciles is not None:
                a1, a2 = self.a.order_terciles
                value = band("order value", amount, {"a1": a1, "a2": a2})
                per[("order value", value)] = per.get(("order value", value), 0) + 1
            discount = _number((*loc, "discount_amount"), fields.get("discount_amount")) or 0.0
            code = _text((key, fields.get("discount_code")))
            # the order's wall-clock hour, ISO weekday and month, as the build's local_at
            for family, measure in (
                ("discount", float(discount > 0 or code is not None)),
                ("daypart", when.hour),
                ("weekday", when.isoweekday()),
                ("season", when.month),
            ):
                value = band(family, measure)
                per[(family, value)] = per.get((family, value), 0) + 1
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
        rule = self.a.tenure
        if n_orders and rule is None:
            per[("frequency", band(LEGACY_FREQUENCY, n_orders))] = 1.0
        elif n_orders and rule is not None and first is not None:
            # as the build: orders per month since the first order; a new customer has no frequency yet
            ref, new_days = rule
            tenure = (ref - first).total_seconds() / 86400
            if tenure >= new_days:
                per[("frequency", band("frequency", orders_per_month(n_orders, tenure)))] = 1.0
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
