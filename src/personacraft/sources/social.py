"""Public social comments about a brand: ``platform, author_hash, date, text, brand``.

An ``author``, ``handle`` or ``username`` column is hashed on read (SHA-256 of the lower-cased
handle, the first 16 hex digits) and never stored in clear; an ``author_hash`` column is kept as
given. Handles inside a comment ("@jane_doe") are redacted like names (text.redact). The brand
comes from the ``brand`` column or a fixed ``brand = "Acme"`` (:mod:`personacraft.sources.brands`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from personacraft.errors import MissingColumnError
from personacraft.sources.base import Accounting, Source, register
from personacraft.sources.brands import Brand
from personacraft.sources.columns import Col, q
from personacraft.sources.reading.delimited import csv_header, read_csv
from personacraft.sources.reading.files import FileLoad
from personacraft.sources.reading.stage import insert, reject_where
from personacraft.sources.reviews import DATE_FORMATS, detect
from personacraft.store import Run

if TYPE_CHECKING:
    from personacraft.engine.spark import SparkEngine

ROLES: dict[str, tuple[str, ...]] = {
    "text": ("text", "comment", "body", "message", "content"),
    "platform": ("platform", "network", "source"),
    "date": ("date", "created_at", "posted_at", "timestamp"),
    "author_hash": ("author_hash",),
    "author": ("author", "handle", "username", "user", "screen_name"),
    "brand": ("brand", "company"),
}


@register
class Social(Source):
    """A CSV of public social comments about brands (ours or others')."""

    kind = "social"
    tables = ("texts",)
    description = "Public social comments: platform, author_hash, date, text, brand (handles hashed on read)."

    @classmethod
    def known_columns(cls) -> frozenset[str]:
        return frozenset(name for names in ROLES.values() for name in names)

    def load(self, run: Run, spark: SparkEngine | None = None) -> Accounting:
        self.keep_raw = False  # the lines as read hold handles in clear: they are never kept
        return super().load(run, spark)

    def load_file(self, run: Run, file: FileLoad) -> None:
        header = csv_header(run, file)
        roles = detect(header, dict(self.config.columns), ROLES)
        if roles["text"] is None:
            raise MissingColumnError(file.path, ["text"], header, self.kind)
        brand = Brand.of(self.config.options, header, roles.pop("brand"))
        types = {
            "text": Col(),
            "platform": Col(),
            "date": Col("timestamp", formats=DATE_FORMATS, example="2025-02-28 13:05:00"),
            "author_hash": Col(),
            "author": Col(),
        }
        specs = {col: types[role] for role, col in roles.items() if col is not None}
        if brand.column:
            specs[brand.column] = Col()
        read_csv(run, file, specs, stage="_stage", header=header)

        def col(role: str) -> str:
            name = roles[role]
            return "NULL" if name is None else q(name)

        reject_where(
            run, file, "_stage", f"nullif(trim({col('text')}), '') IS NULL", roles["text"], "NULL", "'has no text'"
        )
        brand.reject(run, file, "_stage")
        handle = col("author")
        author = f"coalesce({col('author_hash')}, left(sha256(lower(trim({handle}))), 16))"
        insert(
            run,
            file,
            "texts",
            {
                **brand.select(),
                "text_id": f"'social:' || coalesce({col('platform')}, '') || ':' || coalesce({author}, '') "
                "|| ':' || _line::VARCHAR",
                "customer_id": "NULL",
                "created_at": col("date"),
                "kind": "'social'",
                "body": col("text"),
            },
            "_stage",
        )
        if roles["author"] is not None:  # the handle in clear never leaves this file's stage
            run.execute(f"UPDATE _stage SET {handle} = NULL")
