"""Coercions of the run documents' loose fields (a mapping, a list of mappings, a number) for the views.

An older or odd ``personas.json`` may lack a field or hold another type; these read it as empty
instead of failing. They stand in for typed persona records, and are kept together for that reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def is_number(value: Any) -> bool:
    """Whether ``value`` is an int or a float (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def as_dict(value: Any) -> dict[str, Any]:
    """A mapping as a dict; anything else: an empty one."""
    return dict(value) if isinstance(value, Mapping) else {}


def maps(value: Any) -> list[Mapping[str, Any]]:
    """The mappings of a list (traits, channels, …); anything else: none."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def as_count(value: Any) -> float:
    """A number as a float (for sorting); anything else: 0."""
    return float(value) if is_number(value) else 0.0
