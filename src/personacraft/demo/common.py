"""Helpers shared by the demo companies: people from Faker, and fast file writing."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from faker import Faker


@dataclass(frozen=True)
class People:
    """Customer identities: names, emails, phones and addresses, one per index."""

    first: np.ndarray
    last: np.ndarray
    email: np.ndarray
    phone: np.ndarray
    street: np.ndarray
    city: np.ndarray
    zip: np.ndarray


def people(
    n: int, rng: np.random.Generator, seed: int, locale: str = "en_US", start: int = 0, total: int | None = None
) -> People:
    """Draw ``n`` people from pools that Faker fills (fast for any ``n``); ``start``: the index of the first
    (emails and phones are unique by index), ``total``: of all people the demo writes, in chunks (sets the
    pools' size, so every chunk draws from the same pools)."""
    fake = Faker(locale)
    fake.seed_instance(seed)
    pool = max(200, min(3000, n if total is None else total))
    firsts = np.array([fake.first_name() for _ in range(pool)], dtype=object)
    lasts = np.array([fake.last_name() for _ in range(pool)], dtype=object)
    streets = np.array([fake.street_address() for _ in range(pool)], dtype=object)
    cities = np.array([fake.city() for _ in range(pool)], dtype=object)
    zips = np.array([fake.postcode() for _ in range(pool)], dtype=object)
    first = firsts[rng.integers(0, pool, n)]
    last = lasts[rng.integers(0, pool, n)]
    domains = np.array(["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "proton.me"])
    dom = domains[rng.integers(0, len(domains), n)]
    idx = start + np.arange(n)
    email = np.array(
        [f"{f.lower()}.{s.lower()}{i}@{d}" for f, s, i, d in zip(first, last, idx, dom, strict=True)],
        dtype=object,
    )
    email = np.char.replace(email.astype(str), "'", "").astype(object)
    return People(
        first=first,
        last=last,
        email=email,
        # personal numbers are one per person: area code and line from the index (555: fictional)
        phone=np.array([f"+1 ({201 + (i // 10000) % 700}) 555-{i % 10000:04d}" for i in idx.tolist()], dtype=object),
        street=streets[rng.integers(0, pool, n)],
        city=cities[rng.integers(0, pool, n)],
        zip=zips[rng.integers(0, pool, n)],
    )


def normalise(rows: list[tuple[float, ...]]) -> np.ndarray:
    """Rows of weights as rows of probabilities."""
    arr = np.asarray(rows, dtype=float)
    return arr / arr.sum(axis=1, keepdims=True)


def choice(rng: np.random.Generator, options: Sequence[Any], probs: np.ndarray) -> np.ndarray:
    """Per-row categorical draw: ``probs`` has one row of probabilities per item."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None]
    idx = (u > cum).sum(axis=1).clip(0, len(options) - 1)
    return np.asarray(options, dtype=object)[idx]


def or_empty(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` where ``mask`` holds, an empty cell (None) elsewhere."""
    out = np.asarray(values, dtype=object).copy()
    out[~np.asarray(mask, dtype=bool)] = None
    return out


def messy_email(emails: np.ndarray, rng: np.random.Generator, share: float) -> np.ndarray:
    """Emails as people type them: some upper-cased, some with stray spaces."""
    out = emails.copy()
    k = rng.random(len(out))
    up = k < share / 2
    sp = (k >= share / 2) & (k < share)
    out[up] = np.char.upper(out[up].astype(str)).astype(object)
    out[sp] = np.char.add(" ", np.char.add(out[sp].astype(str), " ")).astype(object)
    return out


def write_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    columns: Mapping[str, np.ndarray],
    order: list[str],
    money: frozenset[str] = frozenset(),
    append: bool = False,
) -> None:
    """Write columns to a CSV in the given header order; absent columns stay empty.

    Columns named in ``money`` are written with two decimals, as vendors do. ``append``: add the rows
    to the end of ``path`` (written by an earlier chunk, with the header), without a second header.
    """
    data = {f"c{i}": np.asarray(columns[name]) for i, name in enumerate(order) if name in columns}
    parts = []
    for i, name in enumerate(order):
        if name not in columns:
            parts.append(f'NULL::VARCHAR AS "{name}"')
        elif name in money:
            parts.append(f"printf('%.2f', c{i}) AS \"{name}\"")
        else:
            parts.append(f'c{i} AS "{name}"')
    query = f"SELECT {', '.join(parts)} FROM _demo"
    copy_out(con, data, query, path, "HEADER, DELIMITER ',', QUOTE '\"'", append=append)


def copy_out(
    con: duckdb.DuckDBPyConnection,
    columns: Mapping[str, np.ndarray],
    query: str,
    path: Path,
    options: str,
    append: bool = False,
) -> None:
    """COPY ``query`` to ``path``; the query reads the column arrays as the table ``_demo``. ``append``: add
    the rows to the end of ``path`` instead (a header line, when the options write one, is left out)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    target = path.with_name(path.name + ".part") if append else path
    con.register("_demo", dict(columns))
    try:
        con.execute(f"COPY ({query}) TO '{target}' ({options})")
    finally:
        con.unregister("_demo")
    if append:
        with target.open("rb") as part, path.open("ab") as whole:
            if "HEADER" in options.upper():
                part.readline()
            shutil.copyfileobj(part, whole, 1 << 22)
        target.unlink()
