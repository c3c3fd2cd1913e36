"""Malformed inputs for every source kind, and the check each one must pass.

Shared by ``tests/sources/test_fuzz.py`` (a few hundred hypothesis examples) and
``benchmarks/fuzz_sources.py`` (thousands, seeded). An example is fully determined by
``(kind, seed, mutations)``: the kind's fixture in ``tests/fixtures/<kind>/`` (header and
rows, or JSON lines) is mutated, serialised and encoded, or, for ``parquet``, a file with
random column names and types is written by DuckDB.

The contract checked for every input: ``Source.load`` either returns balanced accounting
(read == accepted + rejected) or raises a :class:`~personacraft.errors.PersonaError` whose
message is one paragraph and names the file. Anything else is a defect.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import json
import os
import re
import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from random import Random
from typing import Any

import duckdb

from personacraft.config import SourceConfig
from personacraft.errors import PersonaError
from personacraft.schema import CANONICAL
from personacraft.sources import REGISTRY, make_source
from personacraft.sources.columns import lit, q
from personacraft.store import Workspace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
KINDS: tuple[str, ...] = tuple(sorted(REGISTRY))

# ---------------------------------------------------------------------------------------
# value pools
# ---------------------------------------------------------------------------------------
GARBAGE = (
    "",
    " ",
    " \t ",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "-",
    "--",
    ".",
    ",",
    "1,2,3",
    "1.2.3",
    "0x1F",
    "１２３",
    "٣٤",
    "½",
    "$",
    "€ 12,34",
    "(12.00)",
    "12-",
    "1 234,56",
    "null",
    "NULL",
    "None",
    "N/A",
    "#N/A",
    "#VALUE!",
    "true",
    "FALSE",
    "maybe",
    "=1+1",
    "+1",
    "'",
    '"',
    '""',
    "\\",
    "\\N",
    "%s%n",
    "{}",
    "[]",
    '{"a": 1}',
    "🙂",
    "\u202etxt",
    "\ufeff",
    "e\u0301",
    "\u00a0",
    "\u2028",
    "\ud800",
    "yesterday",
    "now",
    "epoch",
    "allballs",
    "1/0",
    "a;b;c",
    "x" * 300,
)
BAD_DATES = (
    "2024-13-45",
    "2024-02-30",
    "2023-02-29 10:00:00",
    "0000-00-00",
    "0000-00-00 00:00:00",
    "31/31/2031",
    "12/31/99999",
    "2024-01-01T25:61:61Z",
    "2024-01-01 10:00:00 +9999",
    "2024-01-01 10:00:00 -2400",
    "2024-01-01 10:00:00 UTC+99",
    "2024-01-01 10:00:00 XYZ",
    "2024-1-1 1:1",
    "20240101",
    "1709280000",
    "1709280000000000.5",
    "2024-01-01 10:00:00.1234567891",
    "Mon, 01 Jan 2024 10:00:00 GMT",
    "01.13.2024",
    "not a date",
    "infinity",
    "-infinity",
    "-2024-01-01",
    "2024-01-01 (BC)",
)
HUGE = (
    "9" * 40,
    "-" + "9" * 40,
    "1" + "0" * 400,
    "1e308",
    "-1e308",
    "1e309",
    "1e30",
    "-1e30",
    "1e-400",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "170141183460469231731687303715884105728",
    "2147483648",
    "-2147483649",
    "10000000000",
    "4294967296.0",
    "0.0000000000000000000000000001",
    "99999-12-31 23:59:59",
    "294247-01-10 04:00:54",
    "290309-12-22 (BC) 00:00:00",
    "9999-12-31 23:59:59.999999 +0000",
    "0001-01-01 00:00:00",
    "1677-09-21 00:12:43",
    "5881580-07-11",
)
NUMBERS_RAW_JSON = (
    "1e400",
    "-1e400",
    "123456789012345678901234567890",
    "9223372036854775807",
    "-9223372036854775809",
    "-0",
    "1E+2",
    "0.1e-999",
    "NaN",
    "Infinity",
    "-Infinity",
)
WEIRD_NAMES = (
    "",
    " ",
    '"',
    'a"b',
    "a,b",
    "a;b",
    "a\tb",
    "a\nb",
    "名前",
    "#",
    "_line",
    "_k",
    "_source",
    "_file",
    "rowid",
    "j",
    "e",
    "_bad",
    "_bad_val",
    "column0",
    "SELECT",
    "x'); DROP TABLE t; --",
    "$.a",
    "a.b",
    "a[0]",
    "\\",
    "🙂",
    "k" * 300,
)
NON_ASCII = ("é", "€", "’", "ñ", "ü", "ß", "“q”", "Ω", "中", "🙂")
LATIN1_ONLY = ("\x81", "\x8d", "\x8f", "\x90", "\x9d")
INVALID_UTF8 = (
    b"\xff",
    b"\xfe",
    b"\xc3\x28",
    b"\xa0\xa1",
    b"\xe2\x28\xa1",
    b"\xe2\x82\x28",
    b"\xf0\x28\x8c\xbc",
    b"\xf8\xa1\xa1\xa1\xa1",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"\xe2\x82",
    b"\x80",
)
DATE_LIKE = re.compile(r"\d{2,4}[-/.]\d{1,2}[-/.]\d{2,4}|\d{16}")
NUMBER_LIKE = re.compile(r"^\s*[-+$€]?\d[\d.,]*\s*$")


# ---------------------------------------------------------------------------------------
# seeds: one fixture per kind
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Seed:
    kind: str
    name: str  # the file name written for every example of the kind
    fmt: str  # csv | json | text | parquet
    text: str
    table: str | None
    columns: dict[str, str]
    options: dict[str, Any]


@cache
def seed_for(kind: str) -> Seed:
    folder = FIXTURES / kind
    if not (folder / "expected.json").is_file():
        if kind != "parquet":
            raise ValueError(f"no fixture for kind {kind!r} in {FIXTURES}")
        return Seed(kind, "orders.parquet", "parquet", "", None, {}, {})
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    [export] = [p for p in folder.iterdir() if p.name != "expected.json"]
    suffix = export.suffix.lower()
    fmt = "json" if suffix in (".ndjson", ".jsonl", ".json") else "csv" if suffix in (".csv", ".tsv") else "text"
    return Seed(
        kind,
        export.name,
        fmt,
        export.read_text(encoding="utf-8"),
        expected.get("table"),
        dict(expected.get("columns", {})),
        dict(expected.get("options", {})),
    )


# ---------------------------------------------------------------------------------------
# mutations: name -> stage; the generator applies the chosen ones stage by stage
# ---------------------------------------------------------------------------------------
# shared by the text formats (csv, json)
_VALUE_MUTATIONS = (
    "garbage_values",
    "huge_values",
    "garbage_dates",
    "embed_quotes",
    "embed_newlines",
    "embed_nul",
    "long_cell",
    "very_long_cell",
    "duplicate_rows",
    "shuffle_rows",
    "canonical_names",
)
_TEXT_MUTATIONS = ("blank_lines", "crlf", "cr_only", "no_final_newline")
_ENCODINGS = ("utf8_bom", "utf16", "utf16le_nobom", "utf16be", "cp1252", "latin1")
_BYTE_MUTATIONS = ("invalid_utf8", "byte_flip", "truncate_bytes", "nul_bytes", "random_bytes", "empty_file")

MUTATIONS: dict[str, tuple[str, ...]] = {
    "csv": (
        "truncate_row",
        "extra_columns",
        "missing_column",
        "drop_header",
        "rename_header",
        "duplicate_header",
        "weird_header",
        "only_header",
        "whitespace_cells",
        *_VALUE_MUTATIONS,
        "raw_join",
        "other_delimiter",
        "quote_all",
        *_TEXT_MUTATIONS,
        *_ENCODINGS,
        *_BYTE_MUTATIONS,
    ),
    "json": (
        "wrong_types",
        "nested_garbage",
        "drop_keys",
        "rename_keys",
        "extra_keys",
        "weird_keys",
        "duplicate_keys",
        "raw_numbers",
        "non_object_lines",
        "empty_objects",
        "whitespace_only",
        *_VALUE_MUTATIONS,
        "broken_json",
        "raw_strings",
        "pretty_printed",
        "json_array",
        "ascii_escape",
        *_TEXT_MUTATIONS,
        *_ENCODINGS,
        *_BYTE_MUTATIONS,
    ),
    "text": (
        "drop_front_matter",
        "unclosed_front_matter",
        "key_value_tags",
        "garbage_tags",
        "weird_tags",
        "only_tags",
        "whitespace_only",
        "garbage_values",
        "embed_quotes",
        "embed_newlines",
        "embed_nul",
        "long_cell",
        "very_long_cell",
        *_TEXT_MUTATIONS,
        *_ENCODINGS,
        *_BYTE_MUTATIONS,
    ),
    "parquet": (
        "canonical_names",
        "weird_names",
        "case_duplicates",
        "exotic_types",
        "garbage_strings",
        "huge_values",
        "zero_rows",
        "many_rows",
        "missing_mapped_column",
        "truncate_bytes",
        "byte_flip",
        "random_bytes",
        "empty_file",
        "not_parquet",
    ),
}


# relative odds of a mutation when they are drawn from the seed (default 1)
WEIGHTS = {"very_long_cell": 0.1, "long_cell": 0.5, "empty_file": 0.3, "random_bytes": 0.5, "many_rows": 0.5}
GENERIC_KINDS = ("csv", "jsonl", "parquet")


def mutations_for(kind: str) -> tuple[str, ...]:
    """The mutations that apply to a kind (``canonical_names`` only to the generic kinds)."""
    names = MUTATIONS[seed_for(kind).fmt]
    return names if kind in GENERIC_KINDS else tuple(n for n in names if n != "canonical_names")


def draw_mutations(rng: Random, kind: str) -> tuple[str, ...]:
    """1-4 distinct mutations, by ``WEIGHTS``."""
    pool = list(mutations_for(kind))
    chosen: list[str] = []
    for _ in range(rng.choice((1, 1, 2, 2, 2, 3, 3, 4))):
        pick = rng.choices(pool, weights=[WEIGHTS.get(n, 1.0) for n in pool])[0]
        pool.remove(pick)
        chosen.append(pick)
    return tuple(chosen)


@dataclass
class Case:
    """One generated input file and the source configuration that reads it."""

    kind: str
    name: str
    data: bytes
    table: str | None
    columns: dict[str, str]
    options: dict[str, Any]
    seed: int
    mutations: tuple[str, ...]
    note: str = ""  # how a binary input was made (parquet: the SQL)

    def config(self) -> SourceConfig:
        return SourceConfig(
            kind=self.kind, path=self.name, table=self.table, columns=self.columns, options=self.options
        )

    def reproducer(self, limit: int = 400) -> str:
        shown = repr(self.data[:limit]) + (f" … ({len(self.data):,} bytes)" if len(self.data) > limit else "")
        lines = [
            f"kind={self.kind!r} file={self.name!r} seed={self.seed} mutations={list(self.mutations)}",
            f"table={self.table!r} columns={self.columns!r} options={self.options!r}",
        ]
        if self.note:
            lines.append(f"made by: {self.note[:limit]}")
        lines.append(f"bytes: {shown}")
        return "\n".join(lines)


def make_case(kind: str, seed: int, mutations: Sequence[str] | None = None, *, workdir: Path) -> Case:
    """The input for ``(kind, seed)``; ``mutations`` default to 1-4 drawn from the seed.

    ``workdir`` is where a parquet file is written before its bytes are read back.
    """
    base = seed_for(kind)
    rng = Random(f"{kind}:{seed}")
    names = mutations_for(kind)
    if mutations is None:
        # drawn from their own stream, so make_case(kind, seed, case.mutations) gives the same case
        mutations = draw_mutations(Random(f"{kind}:{seed}:mutations"), kind)
    unknown = [m for m in mutations if m not in names]
    if unknown:
        raise ValueError(f"mutations {unknown} do not apply to kind {kind!r}")
    muts = tuple(mutations)
    case = Case(kind, base.name, b"", base.table, dict(base.columns), dict(base.options), seed, muts)
    if base.fmt == "parquet":
        _parquet_case(rng, case, set(muts), workdir)
    else:
        doc: _Doc = (
            _CsvDoc.parse(base.text)
            if base.fmt == "csv"
            else _JsonDoc.parse(base.text)
            if base.fmt == "json"
            else _TextDoc(base.text.splitlines())
        )
        text = doc.build(rng, case, muts)
        data = _encode(rng, text, muts)
        case.data = _bytes_stage(rng, data, muts)
    return case


# ---------------------------------------------------------------------------------------
# text formats
# ---------------------------------------------------------------------------------------
def _pick_cells(rng: Random, cells: list[tuple[Any, Any]], n: int) -> list[tuple[Any, Any]]:
    return rng.sample(cells, min(n, len(cells))) if cells else []


def _insert_at(rng: Random, s: str, piece: str) -> str:
    i = rng.randint(0, len(s))
    return s[:i] + piece + s[i:]


def _long_text(rng: Random, n: int) -> str:
    unit = rng.choice(("x", "abc ", "é", "🙂", "a,b;c\t", '"q"', "0123456789", "{[\\n"))
    if any(d in unit for d in ",;\t"):
        # many delimiters inside one quoted cell make DuckDB's rejects scan quadratic (about
        # 5 s for 20,000 of them); keep these shorter so a run stays within its time budget
        n = min(n, 3_000)
    return (unit * (n // len(unit) + 1))[:n]


def _value_for(rng: Random, mutation: str, old: str) -> str | None:
    """The replacement of one text value for a value mutation (None: leave it)."""
    if mutation == "garbage_values":
        return rng.choice(GARBAGE)
    if mutation == "huge_values":
        return rng.choice(HUGE) if old.strip() == "" or re.search(r"\d", old) else None
    if mutation == "garbage_dates":
        if DATE_LIKE.search(old):
            return rng.choice(BAD_DATES + HUGE[-8:])
        if NUMBER_LIKE.match(old):
            return rng.choice(GARBAGE[:35] + HUGE[:20])
        return None
    if mutation == "embed_quotes":
        return _insert_at(rng, old, rng.choice(('"', '""', "'", '"x"', '\\"')))
    if mutation == "embed_newlines":
        return _insert_at(rng, old, rng.choice(("\n", "\r\n", "\r", "\n\n", "\u2028")))
    if mutation == "embed_nul":
        return _insert_at(rng, old, rng.choice(("\x00", "\x00\x00", "\x01", "\x1e", "\x1a")))
    if mutation == "long_cell":
        return _long_text(rng, rng.randint(10_000, 300_000))
    if mutation == "very_long_cell":
        return _long_text(rng, rng.randint(2_100_000, 3_000_000))  # DuckDB's max_line_size is 2 MB
    raise AssertionError(mutation)


_CELL_MUTATIONS = (
    "garbage_values",
    "huge_values",
    "garbage_dates",
    "embed_quotes",
    "embed_newlines",
    "embed_nul",
    "long_cell",
    "very_long_cell",
)


class _Doc:
    def build(self, rng: Random, case: Case, muts: tuple[str, ...]) -> str:
        raise NotImplementedError


@dataclass
class _CsvDoc(_Doc):
    header: list[str] | None
    rows: list[list[str]]
    delimiter: str

    @classmethod
    def parse(cls, text: str) -> _CsvDoc:
        first = text.split("\n", 1)[0]
        delimiter = max((",", ";", "\t", "|"), key=first.count)
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        return cls(records[0], records[1:], delimiter)

    def cells(self) -> list[tuple[int, int]]:
        return [(r, c) for r, row in enumerate(self.rows) for c in range(len(row))]

    def build(self, rng: Random, case: Case, muts: tuple[str, ...]) -> str:
        m = set(muts)
        if "canonical_names" in m and case.kind in ("csv",) and self.header:
            # the generic kind without a column map: the file names the canonical columns
            rename = {v: k for k, v in case.columns.items()}
            self.header = [rename.get(h, h) for h in self.header]
            case.columns = {}
        for name in muts:
            self._structural(rng, name, case)
        if "cp1252" in m or "latin1" in m:
            pool = LATIN1_ONLY if "latin1" in m else NON_ASCII
            for r, c in _pick_cells(rng, self.cells(), rng.randint(1, 4)):
                self.rows[r][c] = _insert_at(rng, self.rows[r][c], rng.choice(pool))
        return self._serialise(rng, m)

    def _structural(self, rng: Random, name: str, case: Case) -> None:
        header, rows = self.header, self.rows
        width = len(header) if header else (len(rows[0]) if rows else 1)
        if name in _CELL_MUTATIONS:
            n = 1 if name in ("long_cell", "very_long_cell") else rng.randint(1, 6)
            for r, c in _pick_cells(rng, self.cells(), n):
                new = _value_for(rng, name, rows[r][c])
                if new is not None:
                    rows[r][c] = new
        elif name == "truncate_row" and rows:
            r = rng.randrange(len(rows))
            k = rng.randrange(len(rows[r])) if rows[r] else 0
            cut = rows[r][:k]
            if k < len(rows[r]) and rng.random() < 0.5:
                cut.append(rows[r][k][: rng.randint(0, len(rows[r][k]))])
            rows[r] = cut
        elif name == "extra_columns":
            extra = [rng.choice(("x", "", "1", "extra", *GARBAGE[:10])) for _ in range(rng.randint(1, 3))]
            where = rng.choice(("header", "rows", "both", "one_row"))
            if header is not None and where in ("header", "both"):
                header.extend(f"Extra {i}" for i in range(len(extra)))
            if where in ("rows", "both"):
                for row in rows:
                    row.extend(extra)
            elif where == "one_row" and rows:
                rng.choice(rows).extend(extra)
        elif name == "missing_column" and width:
            j = rng.randrange(width)
            where = rng.choice(("column", "column", "header", "rows", "one_row"))
            if header is not None and where in ("column", "header") and j < len(header):
                del header[j]
            targets = (
                rows if where in ("column", "rows") else ([rng.choice(rows)] if rows and where == "one_row" else [])
            )
            for row in targets:
                if j < len(row):
                    del row[j]
        elif name == "drop_header":
            self.header = None
        elif name == "rename_header" and header:
            for _ in range(rng.randint(1, 3)):
                j = rng.randrange(len(header))
                h = header[j]
                header[j] = rng.choice(
                    (h.upper(), h.lower(), f" {h} ", h + " 2", h.replace(" ", "_"), h[:-1], "", rng.choice(header))
                )
        elif name == "duplicate_header" and header and len(header) > 1:
            i, j = rng.sample(range(len(header)), 2)
            header[j] = rng.choice((header[i], header[i].upper(), header[i].lower(), header[i] + " "))
        elif name == "weird_header" and header:
            for _ in range(rng.randint(1, 2)):
                header[rng.randrange(len(header))] = rng.choice(WEIRD_NAMES)
            if rng.random() < 0.3:
                header.append(rng.choice(WEIRD_NAMES))
        elif name == "only_header":
            rows.clear()
        elif name == "whitespace_cells":
            for r, c in _pick_cells(rng, self.cells(), rng.randint(1, 8)):
                pad = rng.choice((" ", "\t", "\u00a0", "  ", "\u3000"))
                rows[r][c] = pad + rows[r][c] + pad
        elif name == "duplicate_rows" and rows:
            big = sum(len(c) for row in rows for c in row) > 100_000  # a long cell: a few copies are enough
            self.rows = [rng.choice(rows)[:] for _ in range(rng.randint(len(rows), 5 if big else 200))]
        elif name == "shuffle_rows":
            rng.shuffle(rows)

    def _serialise(self, rng: Random, m: set[str]) -> str:
        delim = self.delimiter
        if "other_delimiter" in m:
            delim = rng.choice([d for d in (",", ";", "\t", "|", " ") if d != delim])
        newline = "\r\n" if "crlf" in m else "\r" if "cr_only" in m else "\n"
        records = ([self.header] if self.header is not None else []) + self.rows
        if "raw_join" in m:
            lines = [delim.join(rec) for rec in records]
        else:
            buf = io.StringIO()
            quoting = csv.QUOTE_ALL if "quote_all" in m else csv.QUOTE_MINIMAL
            csv.writer(buf, delimiter=delim, quoting=quoting, lineterminator="\n").writerows(records)
            lines = buf.getvalue().split("\n")[:-1]
        if "blank_lines" in m:
            for _ in range(rng.randint(1, 4)):
                lines.insert(rng.randint(0, len(lines)), rng.choice(("", " ", delim * 3, "\t", delim)))
        text = newline.join(lines)
        if "no_final_newline" not in m and lines:
            text += newline
        return text


class _Raw:
    """JSON text written as is (a number JSON allows but Python cannot hold, or garbage)."""

    def __init__(self, text: str) -> None:
        self.text = text


class _Pairs(list):  # type: ignore[type-arg]
    """An object with duplicate keys: a list of (key, value)."""


def _dump(value: Any, *, ascii_only: bool, raw_strings: bool) -> str:
    if isinstance(value, _Raw):
        return value.text
    if isinstance(value, _Pairs):
        parts = [f"{_dump(k, ascii_only=ascii_only, raw_strings=raw_strings)}: " for k, _ in value]
        return (
            "{"
            + ", ".join(
                p + _dump(v, ascii_only=ascii_only, raw_strings=raw_strings)
                for p, (_, v) in zip(parts, value, strict=True)
            )
            + "}"
        )
    if isinstance(value, dict):
        return _dump(_Pairs(value.items()), ascii_only=ascii_only, raw_strings=raw_strings)
    if isinstance(value, list):
        return "[" + ", ".join(_dump(v, ascii_only=ascii_only, raw_strings=raw_strings) for v in value) + "]"
    if isinstance(value, str) and raw_strings:
        return '"' + value + '"'
    return json.dumps(value, ensure_ascii=ascii_only)


def _fresh(rng: Random, pool: Sequence[Any]) -> Any:
    """A copy of a pool value: inserting a shared list twice would make a cycle, and change the pool."""
    return copy.deepcopy(rng.choice(pool))


def _container(value: Any) -> bool:
    """A dict or list the mutations may look into (not a duplicate-key object)."""
    return isinstance(value, dict | list) and not isinstance(value, _Pairs)


def _deep(rng: Random) -> _Raw:
    depth = rng.choice((5, 50, 500, 3000))
    if rng.random() < 0.5:
        return _Raw("[" * depth + "1" + "]" * depth)
    return _Raw('{"a": ' * depth + "null" + "}" * depth)


WRONG_TYPES: tuple[Any, ...] = (
    0,
    -1,
    1.5,
    1e300,
    True,
    False,
    None,
    "",
    "x",
    [],
    [1, "a", None],
    {},
    {"a": {"b": []}},
    "1709280000000000",
    1709280000000000,
    1.7e15,
    [{"key": 1, "value": "x"}],
    {"key": "ga_session_id", "value": 1},
)


@dataclass
class _JsonDoc(_Doc):
    records: list[Any]
    broken: list[str] = field(default_factory=list)  # fixture lines that are not valid JSON

    @classmethod
    def parse(cls, text: str) -> _JsonDoc:
        records, broken = [], []
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                broken.append(line)
        return cls(records, broken)

    def slots(self) -> list[tuple[Any, Any]]:
        """Every (container, key) below the records, containers first."""
        out: list[tuple[Any, Any]] = []
        stack: list[Any] = [r for r in self.records if _container(r)]
        while stack:
            node = stack.pop()
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for k, v in items:
                out.append((node, k))
                if _container(v):
                    stack.append(v)
        return out

    def leaves(self) -> list[tuple[Any, Any]]:
        return [(c, k) for c, k in self.slots() if not _container(c[k])]

    def objects(self) -> list[dict[str, Any]]:
        return [r for r in self.records if isinstance(r, dict)]

    def build(self, rng: Random, case: Case, muts: tuple[str, ...]) -> str:
        m = set(muts)
        if "canonical_names" in m and case.kind == "jsonl":
            rename = {v: k for k, v in case.columns.items()}
            self.records = [{rename.get(k, k): v for k, v in r.items()} for r in self.objects()]
            case.columns = {}
        for name in muts:
            self._structural(rng, name)
        if "cp1252" in m or "latin1" in m:
            pool = LATIN1_ONLY if "latin1" in m else NON_ASCII
            for c, k in _pick_cells(rng, [s for s in self.leaves() if isinstance(s[0][s[1]], str)], 3):
                c[k] = _insert_at(rng, c[k], rng.choice(pool))
        return self._serialise(rng, m)

    def _structural(self, rng: Random, name: str) -> None:
        if name in _CELL_MUTATIONS:
            n = 1 if name in ("long_cell", "very_long_cell") else rng.randint(1, 6)
            for c, k in _pick_cells(rng, self.leaves(), n):
                old = c[k]
                new = _value_for(rng, name, "" if old is None else old.text if isinstance(old, _Raw) else str(old))
                if new is not None:
                    c[k] = new
        elif name == "wrong_types":
            for c, k in _pick_cells(rng, self.slots(), rng.randint(1, 4)):
                c[k] = _fresh(rng, WRONG_TYPES)
        elif name == "nested_garbage":
            for c, k in _pick_cells(rng, self.slots(), rng.randint(1, 2)):
                c[k] = _deep(rng)
        elif name == "raw_numbers":
            for c, k in _pick_cells(rng, self.leaves(), rng.randint(1, 4)):
                c[k] = _Raw(rng.choice(NUMBERS_RAW_JSON))
        elif name in ("drop_keys", "rename_keys", "extra_keys", "weird_keys", "duplicate_keys"):
            objs = self.objects()
            if not objs:
                return
            targets = objs if rng.random() < 0.5 else [rng.choice(objs)]
            for obj in targets:
                self._keys(rng, name, obj)
            self.records = [self._pairs(r) if isinstance(r, dict) and "__dup__" in r else r for r in self.records]
        elif name == "non_object_lines":
            for _ in range(rng.randint(1, 3)):
                junk = _fresh(rng, ([], [1, 2], "x", 42, None, True, [{"event_name": "x"}], _Raw("{}{}")))
                self.records.insert(rng.randint(0, len(self.records)), junk)
        elif name == "empty_objects":
            for _ in range(rng.randint(1, 3)):
                self.records.insert(rng.randint(0, len(self.records)), {})
        elif name == "whitespace_only":
            self.records = []
        elif name == "duplicate_rows" and self.records:
            big = len(repr(self.records)) > 100_000
            self.records = [copy.deepcopy(rng.choice(self.records)) for _ in range(5 if big else 50)]
        elif name == "shuffle_rows":
            rng.shuffle(self.records)

    def _keys(self, rng: Random, name: str, obj: dict[str, Any]) -> None:
        keys = list(obj)
        if name == "drop_keys" and keys:
            for k in rng.sample(keys, rng.randint(1, min(3, len(keys)))):
                del obj[k]
        elif name == "rename_keys" and keys:
            for k in rng.sample(keys, rng.randint(1, min(3, len(keys)))):
                new = rng.choice((k.upper(), k.title(), f" {k}", k + "_", k.replace("_", " "), ""))
                obj[new] = obj.pop(k)
        elif name == "extra_keys":
            for _ in range(rng.randint(1, 3)):
                k = rng.choice(keys) if keys else "x"
                obj[rng.choice((k.upper(), k.capitalize(), f"{k}_2", "extra"))] = _fresh(rng, WRONG_TYPES)
        elif name == "weird_keys":
            for _ in range(rng.randint(1, 3)):
                obj[rng.choice(WEIRD_NAMES)] = _fresh(rng, WRONG_TYPES + GARBAGE[:10])
        elif name == "duplicate_keys" and keys:
            obj["__dup__"] = rng.choice(keys)

    @staticmethod
    def _pairs(obj: dict[str, Any]) -> _Pairs:
        dup = obj.pop("__dup__")
        pairs = _Pairs(obj.items())
        pairs.append((dup, "duplicate"))
        return pairs

    def _serialise(self, rng: Random, m: set[str]) -> str:
        ascii_only = "ascii_escape" in m
        raw = "raw_strings" in m
        if "pretty_printed" in m:
            lines = []
            for r in self.records:
                lines.extend(json.dumps(r, indent=2, default=lambda o: None).split("\n"))
        else:
            lines = [_dump(r, ascii_only=ascii_only, raw_strings=raw) for r in self.records]
        if "json_array" in m:
            lines = ["[" + ",\n".join(lines) + "]"] if rng.random() < 0.5 else ["[", ",\n".join(lines), "]"]
        # the fixture's own broken lines stay (they are part of the vendor layout sample)
        for b in self.broken:
            lines.insert(rng.randint(0, len(lines)), b)
        if "broken_json" in m and lines:
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(len(lines))
                lines[i] = self._break(rng, lines[i])
        if "blank_lines" in m:
            for _ in range(rng.randint(1, 4)):
                lines.insert(rng.randint(0, len(lines)), rng.choice(("", " ", "\t", "   ")))
        if "whitespace_only" in m and not lines:
            lines = ["", "  ", "\t"]
        newline = "\r\n" if "crlf" in m else "\r" if "cr_only" in m else "\n"
        text = newline.join(lines)
        if "no_final_newline" not in m and lines:
            text += newline
        return text

    @staticmethod
    def _break(rng: Random, line: str) -> str:
        how = rng.randrange(10)
        if how == 0:
            return line[: rng.randint(0, len(line))]
        if how == 1:
            return line.rstrip().rstrip("}")
        if how == 2:
            return line.rstrip()[:-1] + ", }"
        if how == 3:
            return line.replace('"', "'")
        if how == 4:
            return line + " // comment"
        if how == 5:
            return line + line
        if how == 6:
            return re.sub(r'"(\w+)":', r"\1:", line)
        if how == 7:
            return "{" + line
        if how == 8:
            return line.replace(":", "", 1)
        return line + " trailing"


@dataclass
class _TextDoc(_Doc):
    """A plain-text note (interviews): an optional ``---`` front matter of tags, then the body."""

    lines: list[str]

    def build(self, rng: Random, case: Case, muts: tuple[str, ...]) -> str:
        m = set(muts)
        for name in muts:
            self._mutate(rng, name)
        lines = self.lines
        if ("cp1252" in m or "latin1" in m) and lines:
            pool = LATIN1_ONLY if "latin1" in m else NON_ASCII
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(len(lines))
                lines[i] = _insert_at(rng, lines[i], rng.choice(pool))
        if "blank_lines" in m:
            for _ in range(rng.randint(1, 4)):
                lines.insert(rng.randint(0, len(lines)), rng.choice(("", " ", "\t")))
        newline = "\r\n" if "crlf" in m else "\r" if "cr_only" in m else "\n"
        text = newline.join(lines)
        if "no_final_newline" not in m and lines:
            text += newline
        return text

    def _fences(self) -> list[int]:
        return [i for i, line in enumerate(self.lines) if line.strip() == "---"]

    def _mutate(self, rng: Random, name: str) -> None:
        lines, fences = self.lines, self._fences()
        tag = re.compile(r"^\s*([A-Za-z -]{1,20}):")
        if name == "drop_front_matter" and len(fences) >= 2:
            if rng.random() < 0.5:
                self.lines = lines[fences[1] + 1 :]
            else:
                self.lines = [line for line in lines if line.strip() != "---"]
        elif name == "unclosed_front_matter" and len(fences) >= 2:
            del lines[fences[1]]
        elif name == "key_value_tags":
            self.lines = [tag.sub(lambda t: t.group(1).title() + ":", line) for line in lines if line.strip() != "---"]
        elif name == "garbage_tags":
            for i, line in enumerate(lines):
                found = tag.match(line)
                if found and rng.random() < 0.7:
                    lines[i] = f"{found.group(1)}: {rng.choice(GARBAGE + BAD_DATES + HUGE)}"
        elif name == "weird_tags":
            keys = ("Email", "email", "ROLE", "Date", "Interviewee", "E-mail", "x" * 30, "date ")
            extra = [f"{rng.choice(keys)}: {rng.choice(GARBAGE + BAD_DATES)}" for _ in range(rng.randint(1, 4))]
            at = fences[0] + 1 if fences else 0
            lines[at:at] = extra
        elif name == "only_tags":
            self.lines = lines[: fences[1] + 1] if len(fences) >= 2 else lines[:3]
        elif name == "whitespace_only":
            self.lines = list(rng.choice(([""], [" ", "\t"], ["---", "---"], ["---", "email: a@x.com", "---"])))
        elif name in _CELL_MUTATIONS and lines:
            i = rng.randrange(len(lines))
            new = _value_for(rng, name, lines[i])
            if new is not None:
                lines[i] = new


def _encode(rng: Random, text: str, muts: tuple[str, ...]) -> bytes:
    enc = next((m for m in reversed(muts) if m in _ENCODINGS), None)
    if enc == "utf16":
        return text.encode("utf-16", errors="surrogatepass")
    if enc == "utf16le_nobom":
        return text.encode("utf-16-le", errors="surrogatepass")
    if enc == "utf16be":
        return b"\xfe\xff" + text.encode("utf-16-be", errors="surrogatepass")
    if enc == "cp1252":
        return text.encode("cp1252", errors="replace")
    if enc == "latin1":
        return text.encode("latin-1", errors="replace")
    data = text.encode("utf-8", errors="surrogatepass")
    return b"\xef\xbb\xbf" + data if enc == "utf8_bom" else data


def _bytes_stage(rng: Random, data: bytes, muts: tuple[str, ...]) -> bytes:
    for name in muts:
        if name == "invalid_utf8":
            for _ in range(rng.randint(1, 3)):
                i = rng.randint(0, len(data))
                data = data[:i] + rng.choice(INVALID_UTF8) + data[i:]
        elif name == "byte_flip" and data:
            buf = bytearray(data)
            for _ in range(rng.randint(1, 6)):
                buf[rng.randrange(len(buf))] = rng.randrange(256)
            data = bytes(buf)
        elif name == "truncate_bytes":
            data = data[: rng.randint(0, len(data))]
        elif name == "nul_bytes":
            for _ in range(rng.randint(1, 3)):
                i = rng.randint(0, len(data))
                data = data[:i] + b"\x00" * rng.randint(1, 4) + data[i:]
        elif name == "random_bytes":
            n = rng.choice((1, 2, 10, 100, 1000, 5000))
            style = rng.randrange(3)
            if style == 0:
                data = rng.randbytes(n)
            else:
                alphabet = b',;"\n\r\t{}[]:0123456789abcxyz -.' if style == 1 else bytes(range(32, 127)) + b"\n"
                data = bytes(rng.choice(alphabet) for _ in range(n))
        elif name == "empty_file":
            data = b""
    return data


# ---------------------------------------------------------------------------------------
# parquet
# ---------------------------------------------------------------------------------------
_PLAIN_TYPES = ("VARCHAR", "INTEGER", "BIGINT", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP", "DECIMAL(18,3)")
_EXOTIC_TYPES = (
    "HUGEINT",
    "UBIGINT",
    "FLOAT",
    "DECIMAL(38,10)",
    "TIMESTAMPTZ",
    "TIMESTAMP_NS",
    "TIME",
    "INTERVAL",
    "UUID",
    "BLOB",
    "VARCHAR[]",
    "INTEGER[]",
    "STRUCT(a INTEGER, b VARCHAR)",
    "MAP(VARCHAR, INTEGER)",
    "TINYINT",
    "USMALLINT",
)
_PARQUET_CON: duckdb.DuckDBPyConnection | None = None


def _sql_value(rng: Random, typ: str, m: set[str]) -> str:
    """An SQL expression of type ``typ`` (NULL now and then)."""
    if rng.random() < 0.1:
        return f"NULL::{typ}"
    huge = "huge_values" in m and rng.random() < 0.5
    if typ == "VARCHAR":
        pool = ("c1", "a@x.com", "2024-01-01 10:00:00", "12.50", "42", "true", "Mug", "")
        if "garbage_strings" in m:
            pool = pool + GARBAGE + BAD_DATES + HUGE
        return lit(rng.choice(pool).encode("utf-8", "replace").decode("utf-8"))
    if typ in ("INTEGER", "BIGINT", "HUGEINT", "UBIGINT", "TINYINT", "USMALLINT"):
        bits = {"INTEGER": 31, "BIGINT": 63, "HUGEINT": 127, "UBIGINT": 64, "TINYINT": 7, "USMALLINT": 16}[typ]
        lo = 0 if typ.startswith("U") else -(2**bits)
        hi = 2**bits - 1
        v = rng.choice((lo, hi)) if huge else rng.randint(max(lo, -1000), min(hi, 1000))
        return f"CAST({v} AS {typ})"
    if typ in ("DOUBLE", "FLOAT"):
        if huge:
            return f"CAST('{rng.choice(('nan', 'inf', '-inf', '1e308', '-1e308', '1e-320', '-0.0'))}' AS {typ})"
        return f"CAST({rng.uniform(-1e4, 1e4):.3f} AS {typ})"
    if typ.startswith("DECIMAL"):
        digits = 15 if "18" in typ else 28
        v = ("9" * digits) if huge else str(rng.randint(-99999, 99999))
        return f"CAST('{v}.123' AS {typ})"
    if typ == "BOOLEAN":
        return rng.choice(("TRUE", "FALSE"))
    if typ == "DATE":
        v = rng.choice(("infinity", "-infinity", "5881580-07-10", "0001-01-01", "1970-01-01")) if huge else None
        return f"DATE '{v}'" if v else f"DATE '2024-01-01' + {rng.randint(0, 400)}"
    if typ in ("TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMP_NS"):
        if huge:
            v = rng.choice(("infinity", "-infinity", "294246-12-31 23:59:59", "0001-01-01 00:00:00"))
            if typ == "TIMESTAMP_NS":
                v = rng.choice(("2262-04-11 23:47:16", "1677-09-22 00:00:00"))
            return f"CAST('{v}' AS {typ})"
        return f"CAST(TIMESTAMP '2024-01-01 10:00:00' + INTERVAL {rng.randint(0, 10**6)} SECOND AS {typ})"
    if typ == "TIME":
        return f"TIME '{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00'"
    if typ == "INTERVAL":
        return f"INTERVAL {rng.randint(-1000, 1000)} DAY"
    if typ == "UUID":
        return f"'{rng.getrandbits(128):032x}'::UUID"
    if typ == "BLOB":
        return "'\\x00\\xFF\\xC3\\x28abc'::BLOB"
    if typ == "VARCHAR[]":
        return f"[{lit(rng.choice(GARBAGE))}, NULL]::VARCHAR[]"
    if typ == "INTEGER[]":
        return f"[{rng.randint(-9, 9)}, NULL]::INTEGER[]"
    if typ.startswith("STRUCT"):
        return f"{{'a': {rng.randint(0, 9)}, 'b': {lit(rng.choice(GARBAGE))}}}::{typ}"
    if typ.startswith("MAP"):
        return f"MAP {{{lit(rng.choice(('k', '', 'x y')))}: {rng.randint(0, 9)}}}"
    raise AssertionError(typ)


def _parquet_case(rng: Random, case: Case, m: set[str], workdir: Path) -> None:
    global _PARQUET_CON
    table = rng.choice(sorted(CANONICAL))
    canon = list(CANONICAL[table])
    names: list[str] = []
    for _ in range(rng.randint(1, 8)):
        r = rng.random()
        if "weird_names" in m and r < 0.4:
            names.append(rng.choice(WEIRD_NAMES))
        elif "canonical_names" in m or r < 0.6:
            names.append(rng.choice(canon))
        else:
            names.append(rng.choice(("id", "Total", "Email", "Created", "col")) + str(rng.randint(0, 9)))
    if "case_duplicates" in m:
        n = rng.choice(names)
        names.append(rng.choice((n.upper(), n.title(), n)))
    types = [rng.choice(_EXOTIC_TYPES if "exotic_types" in m and rng.random() < 0.6 else _PLAIN_TYPES) for _ in names]
    n_rows = 0 if "zero_rows" in m else rng.randint(1, 2000 if "many_rows" in m else 30)
    cols = ", ".join(q(n) for n in names)
    if n_rows == 0:
        select = "SELECT " + ", ".join(f"NULL::{t} AS {q(n)}" for n, t in zip(names, types, strict=True)) + " LIMIT 0"
    else:
        rows = ["(" + ", ".join(_sql_value(rng, t, m) for t in types) + ")" for _ in range(min(n_rows, 30))]
        reps = -(-n_rows // len(rows))
        select = f"SELECT t.* FROM (VALUES {', '.join(rows)}) AS t({cols}), range({reps}) LIMIT {n_rows}"
    if "missing_mapped_column" in m or rng.random() < 0.5:
        mapped = rng.sample(canon, rng.randint(1, min(4, len(canon))))
        pool = names + (["not_in_file"] if "missing_mapped_column" in m else [])
        case.columns = {c: rng.choice(pool) for c in mapped}
    else:
        case.columns = {}
    case.table = table
    target = workdir / f"_gen_{os.getpid()}.parquet"
    if _PARQUET_CON is None:
        _PARQUET_CON = duckdb.connect()
        _PARQUET_CON.execute("SET threads = 1")
    try:
        _PARQUET_CON.execute(f"COPY ({select}) TO {lit(str(target))} (FORMAT PARQUET)")
    except duckdb.Error as exc:
        # a name or type parquet cannot hold: fall back to plain text columns a0, a1 …
        case.note = f"(parquet refused {type(exc).__name__}; fell back to VARCHAR columns) "
        select = "SELECT " + ", ".join(f"'v{i}' AS a{i}" for i in range(len(names)))
        _PARQUET_CON.execute(f"COPY ({select}) TO {lit(str(target))} (FORMAT PARQUET)")
    case.note += f"COPY ({select[:2000]}) TO '{case.name}' (FORMAT PARQUET)"
    data = target.read_bytes()
    target.unlink()
    if "not_parquet" in m:
        data = b"order_id,amount\nA1,12.5\n"
    case.data = _bytes_stage(rng, data, case.mutations)


# ---------------------------------------------------------------------------------------
# the check
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    status: str  # ok | error | defect
    signature: str  # a short normalised description, to group defects
    detail: str  # accounting, or exception type and message


def _normalise(text: str) -> str:
    line = text.strip().split("\n", 1)[0]
    line = re.sub(r"'(?:[^'\\]|\\.)*'", "'…'", line)
    line = re.sub(r'"(?:[^"\\]|\\.)*"', '"…"', line)
    line = re.sub(r"(?<!\w)[-+]?(?:\d[\d,.]*(?:e[-+]?\d+)?|inf|nan)(?!\w)", "N", line)
    return line[:110]


class Harness:
    """One workspace; each case is loaded into a fresh run, dropped afterwards."""

    def __init__(self, root: Path, *, threads: int | None = None, timeout: float = 60.0) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.threads = threads
        self.timeout = timeout
        self.generation = 0
        self.ws = self._open()

    def _open(self) -> Workspace:
        self.generation += 1
        ws = Workspace(self.root / f"fuzz-{self.generation}.duckdb")
        ws.con.execute("SET enable_progress_bar = false")  # a long load would draw one on the terminal
        if self.threads:
            ws.con.execute(f"SET threads = {int(self.threads)}")
        return ws

    def _reopen(self) -> None:
        with contextlib.suppress(Exception):  # a fatal DuckDB error leaves the connection unusable
            self.ws.close()
        self.ws = self._open()

    def close(self) -> None:
        self.ws.close()

    def check(self, case: Case) -> Outcome:
        folder = self.root / "files"
        folder.mkdir(exist_ok=True)
        path = folder / case.name
        path.write_bytes(case.data)
        run = self.ws.new_run(config_hash="fuzz", config={}, inputs=[], version="fuzz")
        timer = threading.Timer(self.timeout, self.ws.con.interrupt)
        timer.start()
        try:
            src = make_source(case.config(), folder)
            acc = src.load(run)
        except PersonaError as exc:
            outcome = self._judge_error(case, exc)
        except Exception as exc:
            kind = f"{type(exc).__module__}.{type(exc).__name__}"
            if isinstance(exc, duckdb.InterruptException) and not timer.is_alive():
                kind = f"timeout after {self.timeout:.0f} s"
            outcome = Outcome("defect", f"{kind}: {_normalise(str(exc))}", f"{kind}: {str(exc)[:1500]}")
        else:
            if acc.balanced:
                outcome = Outcome("ok", "ok", f"read={acc.read} accepted={acc.accepted} rejected={acc.rejected}")
            else:
                outcome = Outcome(
                    "defect",
                    "unbalanced accounting",
                    f"read={acc.read} accepted={acc.accepted} rejected={acc.rejected} reasons={acc.reasons}",
                )
        finally:
            timer.cancel()
        self._cleanup(run.schema)
        return outcome

    def _judge_error(self, case: Case, exc: PersonaError) -> Outcome:
        msg = str(exc)
        kind = f"{type(exc).__module__}.{type(exc).__name__}"
        problems = []
        if case.name not in msg:
            problems.append("message does not name the file")
        if "\n" in msg.strip():
            problems.append("message is not one paragraph")
        detail = f"{kind}: {msg[:1500]}"
        shown = _normalise(msg.replace(case.name, "<file>"))
        if problems:
            return Outcome("defect", f"{kind} ({'; '.join(problems)}): {shown}", detail)
        return Outcome("error", f"{kind}: {shown}", detail)

    def _cleanup(self, schema: str) -> None:
        try:
            self.ws.con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        except duckdb.Error:
            self._reopen()  # e.g. "database has been invalidated" after a fatal error
        shutil.rmtree(self.ws.path.parent / "tmp" / schema, ignore_errors=True)


def minimize(harness: Harness, case: Case, signature: str, budget: int = 300) -> Case:
    """A smaller input with the same outcome signature (delta debugging: lines, then bytes)."""
    calls = 0

    def same(data: bytes) -> bool:
        nonlocal calls
        calls += 1
        return harness.check(replace(case, data=data)).signature == signature

    def reduce(units: list[bytes]) -> list[bytes]:
        n = 2
        while len(units) >= 2 and calls < budget:
            chunk = max(1, len(units) // n)
            for start in range(0, len(units), chunk):
                rest = units[:start] + units[start + chunk :]
                if calls >= budget:
                    break
                if rest and same(b"".join(rest)):
                    units = rest
                    n = max(n - 1, 2)
                    break
            else:
                if chunk == 1:
                    break
                n = min(len(units), n * 2)
        return units

    data = case.data
    if case.kind != "parquet" and data:
        data = b"".join(reduce(data.splitlines(keepends=True)))
        data = b"".join(reduce([data[i : i + 1] for i in range(len(data))])) if len(data) <= 4000 else data
    return replace(case, data=data)


CheckFn = Callable[[Case], Outcome]
