"""Typeform responses, as downloaded from Results → Responses → Download (CSV)."""

from __future__ import annotations

from pathlib import Path

from personacraft.sources.base import Source, register
from personacraft.sources.columns import Col, lit, q
from personacraft.sources.reading import csv_header, insert, read_csv, reject_where
from personacraft.store import Run

# Columns Typeform adds to every export; everything else is a question or hidden field.
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
DATE = Col("timestamp", formats=("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"), example="2025-02-28 13:05:00")


@register
class Typeform(Source):
    """A survey: one row per response, one column per question and hidden field.

    Options: ``email_field`` (default: the column named email, any case) and
    ``hidden_fields`` (other hidden-field columns that are not questions).
    """

    kind = "typeform"
    tables = ("survey_answers",)
    description = "Typeform responses CSV with the email as a hidden field."

    def load_file(self, run: Run, path: Path) -> None:
        header = csv_header(self, run, path)
        opts = self.config.options
        email_field = opts.get("email_field") or next(
            (h for h in header if h.strip().lower() in ("email", "e-mail", "email address")), None
        )
        hidden = set(opts.get("hidden_fields", ())) | ({email_field} if email_field else set())
        questions = [h for h in header if h not in META and h not in hidden]
        specs: dict[str, Col] = {"#": Col(required=True), "Submit Date (UTC)": DATE}
        specs |= {h: Col() for h in questions}
        if email_field:
            specs[email_field] = Col()
        read_csv(self, run, path, specs, stage="_stage")
        any_answer = " OR ".join(f"{q(h)} IS NOT NULL" for h in questions) or "FALSE"
        reject_where(self, run, path, "_stage", f"NOT ({any_answer})", "#", '"#"', "'response has no answers'")
        email = q(email_field) if email_field else "NULL"
        if not questions:
            return
        unpivot = " UNION ALL ".join(
            f'SELECT _line, "#" AS rid, {email} AS email, "Submit Date (UTC)" AS ts, '
            f"{lit(h)} AS question, {q(h)} AS answer FROM _stage WHERE {q(h)} IS NOT NULL"
            for h in questions
        )
        insert(
            self,
            run,
            "survey_answers",
            path,
            {
                "response_id": "'typeform:' || rid",
                "customer_id": "NULL",
                "email": "email",
                "submitted_at": "ts",
                "question": "question",
                "answer": "answer",
            },
            f"({unpivot})",
        )
