"""Product and store reviews from the common review exports.

Columns are detected by name, so Judge.me, Trustpilot, Google Play (UTF-16), App Store,
Capterra and G2-style CSVs work as exported; ``[sources.columns]`` overrides the detection
(e.g. ``body = "What do you dislike about the product?"``). A review of another brand carries
``brand`` (a column, or a fixed value) and ``ours`` (:mod:`personacraft.sources.brands`,
docs/competitors.md).
"""

from __future__ import annotations

from personacraft.errors import MissingColumnError
from personacraft.sources.base import Source, register
from personacraft.sources.brands import Brand
from personacraft.sources.columns import Col
from personacraft.sources.reading.delimited import csv_header, read_csv
from personacraft.sources.reading.files import FileLoad
from personacraft.sources.reading.stage import insert, reject_where
from personacraft.store import Run

DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S %Z",
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%d",
)

# canonical role -> names used by review apps, most specific first
ROLES: dict[str, tuple[str, ...]] = {
    "body": (
        "body",
        "review_body",
        "Review Content",
        "Review Text",
        "review",
        "Review",
        "content",
        "text",
        "comment",
        "Body",
        "What do you dislike about the product?",
        "What do you like best about the product?",
        "Cons",
        "Pros",
    ),
    "title": ("title", "review_title", "Review Title", "Title", "headline"),
    "rating": (
        "rating",
        "Rating",
        "stars",
        "Stars",
        "score",
        "review_rating",
        "Review Stars",
        "Star Rating",
        "star_rating",
        "Overall Rating",
    ),
    "created_at": (
        "review_date",
        "Review Date",
        "date",
        "Date",
        "created_at",
        "Date of Experience",
        "Review Created (UTC)",
        "Review Submit Date and Time",
        "Created Date",
        "submitted_at",
        "createdDate",
    ),
    "email": (
        "reviewer_email",
        "Reviewer Email",
        "email",
        "Email",
        "author_email",
        "Customer Email",
        "Review User Email",
    ),
    "author": (
        "reviewer_name",
        "Reviewer Name",
        "Review Username",
        "Reviewer Nickname",
        "author",
        "Author",
        "user_name",
        "Name",
        "reviewerNickname",
    ),
    "id": ("id", "review_id", "Review ID", "Review Id", "metaobject_handle", "Review Link"),
    # only names that say "brand": a vendor's app or package column is mapped with brand = "Package Name"
    "brand": ("brand", "Brand", "brand_name", "Brand Name", "company", "Company", "Company Name"),
}


def detect(
    header: list[str], overrides: dict[str, str], roles: dict[str, tuple[str, ...]] = ROLES
) -> dict[str, str | None]:
    """Map each of ``roles`` (the review roles by default) to a column of ``header`` (``overrides`` win)."""
    lower = {h.lower(): h for h in header}
    found: dict[str, str | None] = {}
    overrides = dict(overrides)
    for role, names in roles.items():
        if role in overrides:
            found[role] = overrides[role]
            continue
        found[role] = next((lower[n.lower()] for n in names if n.lower() in lower), None)
    return found


@register
class Reviews(Source):
    """A CSV of reviews: text, rating, date and the reviewer's email."""

    kind = "reviews"
    tables = ("texts",)
    description = "Review exports (Judge.me; columns detected by name)."

    @classmethod
    def known_columns(cls) -> frozenset[str]:
        return frozenset(name.lower() for names in ROLES.values() for name in names)

    def load_file(self, run: Run, file: FileLoad) -> None:
        header = csv_header(run, file)
        roles = detect(header, dict(self.config.columns))
        if roles["body"] is None:
            raise MissingColumnError(file.path, ["body"], header, self.kind)
        types = {
            "body": Col(required=False),
            "title": Col(),
            "rating": Col("number", example="4"),
            "created_at": Col("timestamp", formats=DATE_FORMATS, example="2025-02-28 13:05:00 UTC"),
            "email": Col(),
            "author": Col(),
            "id": Col(),
        }
        brand = Brand.of(self.config.options, header, roles.pop("brand"))
        specs = {col: types[role] for role, col in roles.items() if col is not None}
        if brand.column:
            specs[brand.column] = Col()
        read_csv(run, file, specs, stage="_stage", header=header)

        def col(role: str) -> str:
            name = roles[role]
            return "NULL" if name is None else '"' + name.replace('"', '""') + '"'

        reject_where(
            run,
            file,
            "_stage",
            f"{col('body')} IS NULL AND {col('title')} IS NULL AND {col('rating')} IS NULL",
            roles["body"] or "body",
            "NULL",
            "'has no review text, title or rating'",
        )
        brand.reject(run, file, "_stage")
        insert(
            run,
            file,
            "texts",
            {
                **brand.select(),
                "text_id": f"coalesce({col('id')}, 'line' || _line::VARCHAR)",
                "customer_id": "NULL",
                "email": col("email"),
                "created_at": col("created_at"),
                "kind": "'review'",
                "rating": col("rating"),
                "title": col("title"),
                "body": col("body"),
                "author_name": col("author"),
            },
            "_stage",
        )
