"""Text helpers of a persona card: values made showable, whole sentences kept, reasons shortened, lines wrapped."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def as_dict(value: Any) -> dict[str, Any]:
    """A copy of ``value`` when it is a mapping, else an empty dict."""
    return dict(value) if isinstance(value, Mapping) else {}


def as_text(value: Any) -> str | None:
    """A string worth showing, or None (None, empty and whitespace are not)."""
    if value is None or isinstance(value, Mapping | list | tuple):
        return None
    text = " ".join(str(value).split())
    return text or None


def as_strings(value: Any) -> list[str]:
    """The showable strings of a list or tuple (:func:`as_text` of each), else none."""
    if not isinstance(value, list | tuple):
        return []
    return [t for t in (as_text(v) for v in value) if t]


def sentences(text: str, limit: int) -> str:
    """Whole sentences up to ``limit`` characters (at least the first one, whole, however long)."""
    if len(text) <= limit:
        return text
    parts = re.split(r"(?<=[.!?])\s+", text)
    out = ""
    for part in parts:
        if out and len(out) + len(part) + 1 > limit:
            break
        out = f"{out} {part}".strip()
    return out


def brief(text: str, limit: int) -> str:
    """A reason short enough for the card: its first clause, whole, when the whole is too long."""
    if len(text) <= limit:
        return text
    for sep in ("; ", ": ", " (", ", "):
        i = text.find(sep)
        if 20 <= i <= limit:
            return text[:i]
    return text


def wrap(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` characters, broken between words (a longer word is a line)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines
