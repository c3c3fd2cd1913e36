"""The brand of each text: a column of the file or a fixed value per source, and whether it is ours.

``brand = "Acme"`` in a ``[[sources]]`` entry is a fixed brand unless it names a column of the
file (``brand = "Package Name"``); without it, a column named ``brand`` or ``company`` is used when
present. ``ours = true|false`` says whether the brand is ours; left out, the text stage decides
(a text with no brand, or the brand of the config's ``name``, is ours: docs/competitors.md).
In a file with a brand column, a row with no brand is rejected ("has no brand"), and with
``brands = [..]`` a row naming another brand is rejected as an unknown brand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from personacraft.errors import ConfigError
from personacraft.sources.columns import lit, q
from personacraft.sources.reading.files import FileLoad
from personacraft.sources.reading.stage import reject_where
from personacraft.store import Run


@dataclass(frozen=True)
class Brand:
    """Where a source's texts get their brand: ``column`` of the file, else ``fixed``."""

    column: str | None = None
    fixed: str | None = None
    ours: bool | None = None
    expected: tuple[str, ...] = ()

    @classmethod
    def of(cls, options: Mapping[str, Any], header: Sequence[str], detected: str | None) -> Brand:
        """The brand settings of a source (its options) against a file's header."""
        given = options.get("brand")
        ours = options.get("ours")
        if ours is not None and not isinstance(ours, bool):
            raise ConfigError(f'[[sources]] "ours" must be true or false, got {ours!r}.')
        expected = options.get("brands", [])
        if not isinstance(expected, list) or not all(isinstance(b, str) for b in expected):
            raise ConfigError(f'[[sources]] "brands" must be a list of brand names, got {expected!r}.')
        if given is not None and not isinstance(given, str):
            raise ConfigError(f'[[sources]] "brand" must be a column name or a brand name, got {given!r}.')
        if given:
            match = next((h for h in header if h.lower() == given.lower()), None)
            if match:
                return cls(column=match, ours=ours, expected=tuple(expected))
            return cls(fixed=given.strip(), ours=ours, expected=tuple(expected))
        return cls(column=detected, ours=ours, expected=tuple(expected))

    def reject(self, run: Run, file: FileLoad, stage: str) -> None:
        """Reject rows of ``stage`` with no brand (a brand column) or a brand not expected."""
        if self.column:
            col = q(self.column)
            reject_where(run, file, stage, f"nullif(trim({col}), '') IS NULL", self.column, "NULL", "'has no brand'")
        if self.expected:
            value = q(self.column) if self.column else lit(self.fixed or "")
            known = ", ".join(lit(b.lower()) for b in self.expected)
            shown = ", ".join(self.expected).replace("'", "''")
            reject_where(
                run,
                file,
                stage,
                f"lower(trim({value})) NOT IN ({known})",
                self.column or "brand",
                value,
                f"'unknown brand ''' || trim({value}) || ''' (brands = {shown})'",
            )

    def select(self) -> dict[str, str]:
        """The ``brand`` and ``ours`` columns of the texts, as SQL over the stage."""
        brand = f"trim({q(self.column)})" if self.column else lit(self.fixed) if self.fixed else "NULL"
        ours = "NULL" if self.ours is None else ("true" if self.ours else "false")
        return {"brand": brand, "ours": ours}
