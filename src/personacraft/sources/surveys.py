"""Survey exports: one row per response, one column per question (Typeform, Google Forms).

Every column that is not the vendor's own metadata or a hidden field is a question; each
answered question becomes one ``survey_answers`` row.
"""

from __future__ import annotations

from typing import ClassVar

from personacraft.sources.base import Source, register
from personacraft.sources.columns import ANY_DATE, Col, lit, q
from personacraft.sources.reading.delimited import csv_header, read_csv
from personacraft.sources.reading.files import FileLoad
from personacraft.sources.reading.stage import insert, reject_where
from personacraft.store import Run

EMAIL_HEADERS = ("email", "e-mail", "email address", "e-mail address")


class Survey(Source):
    """Shared by survey kinds. Options: ``email_field`` and ``hidden_fields``."""

    tables = ("survey_answers",)
    META: ClassVar[tuple[str, ...]] = ()
    ID: ClassVar[str | None] = None  # the response id column, if the vendor has one
    SUBMITTED: ClassVar[str] = ""
    DATE: ClassVar[Col] = Col()
    PREFIX: ClassVar[str] = ""

    @classmethod
    def known_columns(cls) -> frozenset[str]:
        return super().known_columns() | set(EMAIL_HEADERS)

    def load_file(self, run: Run, file: FileLoad) -> None:
        header = csv_header(run, file)
        opts = self.config.options
        email_field = opts.get("email_field") or next((h for h in header if h.strip().lower() in EMAIL_HEADERS), None)
        meta = {m.lower() for m in self.META}
        hidden = set(opts.get("hidden_fields", ())) | ({email_field} if email_field else set())
        questions = [h for h in header if h.strip().lower() not in meta and h not in hidden]
        specs: dict[str, Col] = {self.SUBMITTED: self.DATE}
        if self.ID:
            specs[self.ID] = Col(required=True)
        specs |= {h: Col() for h in questions}
        if email_field:
            specs[email_field] = Col()
        read_csv(run, file, specs, stage="_stage", header=header)
        key = self.ID or self.SUBMITTED
        any_answer = " OR ".join(f"{q(h)} IS NOT NULL" for h in questions) or "FALSE"
        reject_where(run, file, "_stage", f"NOT ({any_answer})", key, q(key), "'response has no answers'")
        email = q(email_field) if email_field else "NULL"
        rid = q(self.ID) if self.ID else f"{lit(file.path.name + ':')} || _line"
        unpivot = " UNION ALL ".join(
            f"SELECT _line, {rid} AS rid, {email} AS email, {q(self.SUBMITTED)} AS ts, "
            f"{lit(h)} AS question, {q(h)} AS answer FROM _stage WHERE {q(h)} IS NOT NULL"
            for h in questions
        )
        if not unpivot:
            return
        insert(
            run,
            file,
            "survey_answers",
            {
                "response_id": f"{lit(self.PREFIX + ':')} || rid",
                "customer_id": "NULL",
                "email": "email",
                "submitted_at": "ts",
                "question": "question",
                "answer": "answer",
            },
            f"({unpivot})",
        )


@register
class Typeform(Survey):
    """Results → Responses → Download (CSV); the email as a hidden field."""

    kind = "typeform"
    description = "Typeform responses CSV with the email as a hidden field."
    META = (
        "#",
        "Response Type",
        "Start Date (UTC)",
        "Stage Date (UTC)",
        "Submit Date (UTC)",
        "Network ID",
        "Tags",
        "Ending",
    )
    ID = "#"
    SUBMITTED = "Submit Date (UTC)"
    DATE = Col("timestamp", formats=("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"), example="2025-02-28 13:05:00")
    PREFIX = "typeform"


@register
class GoogleForms(Survey):
    """Responses → Download responses (.csv), or the linked Sheet saved as CSV.

    ``Timestamp`` is in the sheet's locale (``1/15/2024 14:32:05``) or, from the
    Responses tab, ``2024/01/15 2:32:05 PM GMT+1``; the wall-clock time is kept.
    Checkbox answers stay as Google joins them (``Red, Blue``).
    """

    kind = "google_forms"
    description = "Google Forms responses CSV."
    META = ("Timestamp", "Score")
    SUBMITTED = "Timestamp"
    DATE = Col(
        "timestamp",
        formats=("%Y/%m/%d %I:%M:%S %p", "%Y/%m/%d %H:%M:%S", *ANY_DATE, "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S"),
        example="1/15/2024 14:32:05",
        local=True,
        required=True,
    )
    PREFIX = "google_forms"
