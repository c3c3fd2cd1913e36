"""Column names: what a run's table calls a file's columns, and which file column a spec names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from personacraft.errors import MissingColumnError
from personacraft.sources.columns import Col
from personacraft.sources.reading.files import FileLoad

# names the reader gives columns of its own (DuckDB's row id, the line); a file column of
# that name is renamed, like a duplicate name, with a suffix
RESERVED = ("rowid", "_line")


def table_names(names: Sequence[str]) -> list[str]:
    """The names a table gives these file columns: DuckDB names are case-insensitive and
    :data:`RESERVED` names are taken, so a clash gets ``_1``, ``_2`` … as DuckDB's CSV
    reader names a repeated header; an empty name becomes ``column<i>``, as DuckDB names it."""
    seen = set(RESERVED)
    out = []
    for i, given in enumerate(names):
        name = given or f"column{i}"
        new, k = name, 0
        while new.lower() in seen:
            k += 1
            new = f"{name}_{k}"
        seen.add(new.lower())
        out.append(new)
    return out


def find_column(header: Sequence[str], name: str) -> str | None:
    """The header's spelling of ``name``: exact, then any case; a reserved name as renamed."""
    by_lower = {h.strip().lower(): h for h in reversed(header)}
    for candidate in (name, *table_names([name])):
        if candidate in header:
            return candidate
        if candidate.strip().lower() in by_lower:
            return by_lower[candidate.strip().lower()]
    return None


def resolve_columns(
    file: FileLoad, header: list[str], specs: Mapping[str, Col], aliases: Mapping[str, Sequence[str]] | None
) -> dict[str, str]:
    """Map each spec name to the file's spelling of it (exact, then any case, then aliases)."""
    rename: dict[str, str] = {}
    for name in specs:
        base = name.split("@", 1)[0]
        for candidate in (base, *(aliases or {}).get(base, ())):
            found = find_column(header, candidate)
            if found is not None:
                rename[name] = found
                break
    missing = [n for n, c in specs.items() if (c.required or c.present) and n not in rename]
    if missing:
        raise MissingColumnError(file.path, missing, header, file.kind)
    return rename
