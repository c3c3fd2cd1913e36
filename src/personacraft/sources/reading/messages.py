"""How a DuckDB error reads in a message to a person: one line, and the error for an unreadable file."""

from __future__ import annotations

from pathlib import Path

from personacraft.errors import InputFormatError


def duck_message(exc: BaseException) -> str:
    """DuckDB's message in one line, without its error-class prefix and hints."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for prefix in ("Invalid Input Error: ", "Conversion Error: ", "Binder Error: ", "IO Error: "):
        first = first.removeprefix(prefix)
    return first[:300]


def unreadable(path: Path, problem: str, exc: BaseException) -> InputFormatError:
    """The error for a file DuckDB could not read: the problem, with DuckDB's message as the hint."""
    return InputFormatError(path, problem, hint=f"DuckDB: {duck_message(exc)}")
