"""Typed records that read and write JSON objects exactly: the base of the persona dataclasses.

A :class:`Record` is a keyword-only dataclass whose fields are the keys of a JSON object.
:meth:`Record.from_dict` is the one place where files written by older versions are
tolerated: a missing key takes the field's default (and is not written back), a key this
version does not know is kept in ``extra``, and a nested object or list of the wrong type
becomes ``None`` instead of failing. :meth:`Record.to_dict` writes the keys in the order
they were read, so a file read and written again is the same file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar, Self

# fields of the base class, which are not keys of the JSON object
_OWN = frozenset(("extra", "keys_read"))


@dataclasses.dataclass(kw_only=True)
class Record:
    """A JSON object as a dataclass; subclasses declare their keys as fields, in the order a build writes them."""

    # nested records: field name -> the Record type of its object, or of each item of its list
    nested: ClassVar[Mapping[str, type[Record]]] = {}

    extra: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False, compare=False)
    keys_read: tuple[str, ...] | None = dataclasses.field(default=None, repr=False, compare=False)

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """The JSON keys this version knows, in the order it writes them."""
        return tuple(f.name for f in dataclasses.fields(cls) if f.name not in _OWN)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The record of a JSON object, from this version or an older one."""
        known = set(cls.keys())
        values: dict[str, Any] = {}
        for key in known & data.keys():
            values[key] = _read(cls.nested.get(key), data[key])
        extra = {k: v for k, v in data.items() if k not in known}
        return cls(**values, extra=extra, keys_read=tuple(data.keys()))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object: the keys read (in their order), or every known key for a record made in code."""
        order = self.keys_read if self.keys_read is not None else (*self.keys(), *self.extra)
        out: dict[str, Any] = {}
        for key in order:
            if key in self.extra:
                out[key] = self.extra[key]
            elif key not in _OWN and hasattr(self, key):
                out[key] = _write(getattr(self, key))
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out


def _read(kind: type[Record] | None, value: Any) -> Any:
    if kind is None or value is None:
        return value
    if isinstance(value, Mapping):
        return kind.from_dict(value)
    if isinstance(value, list):
        return [kind.from_dict(v) if isinstance(v, Mapping) else v for v in value]
    return None  # an older file held something else here: no record can be read from it


def _write(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, list):
        return [_write(v) for v in value]
    return value
