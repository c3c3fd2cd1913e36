"""Reading a beliefs file: hypotheses and hand-made personas in YAML, or one hand-made persona in Markdown.

A YAML file holds ``hypotheses:`` and/or ``personas:`` (docs/hypotheses.md). A Markdown file
(``.md``) is one hand-made persona: its YAML front matter (between two ``---`` lines at the top)
holds ``name``, ``size`` and ``claims``, and its text is kept as the description. Every mistake is
an :class:`~personacraft.errors.InputFormatError` naming the file and the line (YAML's marks);
an unknown key is an error too, so nothing written is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from personacraft.errors import InputFormatError, SourceNotFoundError
from personacraft.hypotheses.stats import EXPECTS

HYPOTHESIS_KEYS = ("id", "claim", "persona", "family", "value", "expect", "share")
PERSONA_KEYS = ("id", "name", "size", "description", "claims")
CLAIM_KEYS = ("claim", "family", "value", "expect", "share")
HAND_MADE_EXPECT = "more_than_average"  # a hand-made persona's claim, unless it says otherwise
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?$\n?(.*)\Z", re.S | re.M)


@dataclass(frozen=True)
class Claim:
    """One belief about a share: a hypothesis of the file, or one claim of a hand-made persona."""

    id: str
    text: str  # as written (or made from the fields)
    persona: str  # a persona id or name, "all"; "" in a hand-made persona
    family: str
    value: str
    expect: str
    share: float | None  # the threshold of at_least
    line: int


@dataclass(frozen=True)
class HandMade:
    """A persona written by hand: its name, the size guessed for it and its claims."""

    id: str
    name: str
    size: float | None  # a share of the customers (0 to 1) …
    size_count: int | None  # … or a number of customers
    description: str
    claims: tuple[Claim, ...]
    line: int


@dataclass(frozen=True)
class Beliefs:
    path: Path
    hypotheses: tuple[Claim, ...]
    personas: tuple[HandMade, ...]


class _Map(dict[str, Any]):
    """A YAML mapping that remembers its line, each key's line and each scalar's text as written."""

    line: int = 0
    lines: dict[str, int]
    raw: dict[str, str]


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.line, out.lines, out.raw = node.start_mark.line + 1, {}, {}
    for key_node, value_node in node.value:
        key = str(loader.construct_object(key_node, deep=True))
        if key in out:
            raise yaml.constructor.ConstructorError(None, None, f"the key {key!r} appears twice", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
        if isinstance(value_node, yaml.ScalarNode):
            out.raw[key] = str(value_node.value)
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _yaml(path: Path, text: str, offset: int = 0) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        where = f" (column {mark.column + 1})" if mark is not None else ""
        line = mark.line + 1 + offset if mark is not None else None
        raise InputFormatError(
            path, f"is not valid YAML: {problem}{where}", line=line, hint="check the indentation and the quotes"
        ) from None


class _Reader:
    """Checks the parsed document, naming the file and the line of each mistake."""

    def __init__(self, path: Path, offset: int = 0) -> None:
        self.path, self.offset = path, offset

    def fail(self, line: int, problem: str, *, value: str | None = None, hint: str | None = None) -> InputFormatError:
        return InputFormatError(self.path, problem, line=line + self.offset, value=value, hint=hint)

    def mapping(self, node: Any, line: int, what: str, keys: tuple[str, ...]) -> _Map:
        if not isinstance(node, _Map):
            raise self.fail(line, f"{what} must be a mapping of keys ({', '.join(keys)})")
        for key in node:
            if key not in keys:
                raise self.fail(node.lines[key], f"is not a key of {what}", value=key, hint=f"use {', '.join(keys)}")
        return node

    def items(self, node: _Map, key: str, what: str) -> list[Any]:
        found = node.get(key)
        if not isinstance(found, list) or not found:
            raise self.fail(node.lines.get(key, node.line), f"{key!r} must be a non-empty list of {what}")
        return found

    def text(self, node: _Map, key: str, *, required: bool = True, default: str = "") -> str:
        if key not in node or node[key] is None:
            if required:
                raise self.fail(node.line, f"has no {key!r}", hint=f"every entry needs {key}")
            return default
        value = node[key]
        if isinstance(value, list | dict):
            raise self.fail(node.lines[key], f"{key!r} must be a single value, not a list or mapping")
        return node.raw.get(key, str(value)).strip()

    def share(self, node: _Map, key: str) -> float | None:
        if key not in node or node[key] is None:
            return None
        raw = node.raw.get(key, str(node[key])).strip()
        try:
            value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
        except ValueError:
            value = -1.0
        if not 0 < value < 1:
            raise self.fail(
                node.lines[key],
                f"is not a share for {key!r}",
                value=raw,
                hint="a number between 0 and 1, or a percentage such as 40%",
            )
        return value

    def claim(self, node: Any, line: int, index: str, *, hand_made: bool) -> Claim:
        keys = CLAIM_KEYS if hand_made else HYPOTHESIS_KEYS
        m = self.mapping(node, line, "a claim" if hand_made else "a hypothesis", keys)
        expect = self.text(m, "expect", required=not hand_made, default=HAND_MADE_EXPECT)
        if expect not in EXPECTS:
            raise self.fail(
                m.lines["expect"], "is not an expect", value=expect, hint=f"use one of {', '.join(EXPECTS)}"
            )
        share = self.share(m, "share")
        if expect == "at_least" and share is None:
            raise self.fail(m.line, "expects at_least but gives no share", hint="add for example  share: 0.4")
        if expect != "at_least" and share is not None:
            raise self.fail(m.lines["share"], f"gives a share, which only at_least uses (this one expects {expect})")
        family, value = self.text(m, "family"), self.text(m, "value")
        persona = "" if hand_made else self.text(m, "persona", required=False, default="all")
        text = self.text(m, "claim", required=False) or f"{family} = {value} ({expect.replace('_', ' ')})"
        ident = index if hand_made else self.text(m, "id", required=False, default=index)
        return Claim(ident, text, persona, family, value, expect, share, m.line + self.offset)

    def hand_made(self, node: Any, line: int, index: str) -> HandMade:
        m = self.mapping(node, line, "a hand-made persona", PERSONA_KEYS)
        name = self.text(m, "name")
        size, count = self.size(m)
        claims = tuple(
            self.claim(c, m.lines["claims"], f"{index}.{i}", hand_made=True)
            for i, c in enumerate(self.items(m, "claims", "claims (family, value)"), 1)
        )
        description = self.text(m, "description", required=False)
        ident = self.text(m, "id", required=False, default=index)
        return HandMade(ident, name, size, count, description, claims, m.line + self.offset)

    def size(self, m: _Map) -> tuple[float | None, int | None]:
        if "size" not in m or m["size"] is None:
            return None, None
        raw = m.raw.get("size", str(m["size"])).strip()
        try:
            number = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw.replace(",", ""))
        except ValueError:
            number = -1.0
        if raw.endswith("%") or 0 < number < 1:
            if not 0 < number < 1:
                raise self.fail(
                    m.lines["size"],
                    "is not a size",
                    value=raw,
                    hint="a share such as 0.25 or 25%, or a number of customers",
                )
            return number, None
        if number < 1 or number != int(number):
            raise self.fail(
                m.lines["size"],
                "is not a size",
                value=raw,
                hint="a share such as 0.25 or 25%, or a number of customers",
            )
        return None, int(number)


def _unique(path: Path, items: list[Claim] | list[HandMade], what: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise InputFormatError(
                path, f"uses the {what} id {item.id!r} twice", line=item.line, hint="give each its own id"
            )
        seen.add(item.id)


def read_beliefs(path: str | Path) -> Beliefs:
    """Read ``path``: YAML (``hypotheses:`` and/or ``personas:``), or Markdown with front matter (one persona)."""
    path = Path(path)
    if not path.is_file():
        raise SourceNotFoundError(f"{path}: no such file; give the path of a hypotheses YAML or a persona in Markdown")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFormatError(path, f"cannot be read as UTF-8 text ({exc})") from None
    if path.suffix.lower() in (".md", ".markdown"):
        front = _FRONT.match(text)
        if front is None:
            raise InputFormatError(
                path,
                "has no YAML front matter",
                line=1,
                hint="start the file with a --- line, the persona's name, size and claims, then another --- line",
            )
        reader = _Reader(path, offset=1)
        doc = _yaml(path, front.group(1), offset=1)
        person = reader.hand_made(doc, 1, "hm1")
        if not person.description and front.group(2).strip():
            person = HandMade(
                person.id,
                person.name,
                person.size,
                person.size_count,
                front.group(2).strip(),
                person.claims,
                person.line,
            )
        return Beliefs(path, (), (person,))
    reader = _Reader(path)
    doc = _yaml(path, text)
    if doc is None:
        raise InputFormatError(path, "is empty", line=1, hint="write a hypotheses: list (docs/hypotheses.md)")
    top = reader.mapping(doc, 1, "the file", ("hypotheses", "personas"))
    if not top:
        raise InputFormatError(path, "holds no hypotheses and no personas", line=1)
    hypotheses = [
        reader.claim(h, top.lines["hypotheses"], f"h{i}", hand_made=False)
        for i, h in enumerate(reader.items(top, "hypotheses", "hypotheses") if "hypotheses" in top else [], 1)
    ]
    personas = [
        reader.hand_made(p, top.lines["personas"], f"hm{i}")
        for i, p in enumerate(reader.items(top, "personas", "hand-made personas") if "personas" in top else [], 1)
    ]
    _unique(path, hypotheses, "hypothesis")
    _unique(path, personas, "persona")
    return Beliefs(path, tuple(hypotheses), tuple(personas))
