"""Support conversations: Zendesk tickets and Intercom conversations become texts.

Zendesk: the full JSON export (one ticket per line, ``requester`` embedded with its email)
or incremental-export lines (``requester_id`` only; the email is then taken from
``via.source.from.address`` when the ticket came by email).

Intercom: conversation objects as JSON lines (the API's shape: ``source.author.email``,
``source.body`` in HTML, ``created_at`` in Unix seconds), or a CSV export whose columns
are found by name.
"""

from __future__ import annotations

from typing import ClassVar

from personacraft.sources.base import Source, register
from personacraft.sources.columns import ANY_DATE, Col
from personacraft.sources.reading.delimited import read_csv
from personacraft.sources.reading.files import FileLoad
from personacraft.sources.reading.jsonl import read_json_lines
from personacraft.sources.reading.stage import insert, reject_where
from personacraft.store import Run

STRIP_HTML = "trim(regexp_replace(regexp_replace({x}, '<[^>]+>', ' ', 'g'), '\\s+', ' ', 'g'))"

ZENDESK_SCHEMA = """{
 "id": "VARCHAR", "created_at": "VARCHAR", "subject": "VARCHAR", "description": "VARCHAR", "status": "VARCHAR",
 "requester_id": "VARCHAR", "requester": {"email": "VARCHAR", "name": "VARCHAR"},
 "via": {"channel": "VARCHAR", "source": {"from": {"address": "VARCHAR"}}},
 "satisfaction_rating": {"score": "VARCHAR"}
}"""

INTERCOM_SCHEMA = """{
 "id": "VARCHAR", "created_at": "VARCHAR", "state": "VARCHAR", "title": "VARCHAR",
 "source": {"body": "VARCHAR", "subject": "VARCHAR",
            "author": {"email": "VARCHAR", "id": "VARCHAR", "type": "VARCHAR"}},
 "contacts": {"contacts": [{"id": "VARCHAR", "external_id": "VARCHAR"}]},
 "conversation_rating": {"rating": "VARCHAR", "remark": "VARCHAR"}
}"""


@register
class ZendeskTickets(Source):
    """Zendesk tickets as JSON lines."""

    kind = "zendesk_tickets"
    tables = ("texts",)
    description = "Zendesk tickets, JSON export (one ticket per line)."

    def load_file(self, run: Run, file: FileLoad) -> None:
        read_json_lines(run, file, stage="_lines")
        run.execute(
            f"CREATE OR REPLACE TEMP TABLE _stage AS SELECT _line, json_transform(j, '{ZENDESK_SCHEMA}') AS t, "
            "try_cast(json_extract_string(j, '$.created_at') AS TIMESTAMPTZ)::TIMESTAMP AS ts FROM _lines"
        )
        reject_where(run, file, "_stage", "t.id IS NULL", "id", "NULL", "'a ticket needs its id'")
        reject_where(
            run,
            file,
            "_stage",
            "ts IS NULL",
            "created_at",
            "t.created_at",
            "'is not an ISO-8601 time (expected e.g. 2025-02-28T13:05:00Z)'",
        )
        score = "lower(t.satisfaction_rating.score)"
        insert(
            run,
            file,
            "texts",
            {
                "text_id": "'zendesk:' || t.id",
                "customer_id": "CASE WHEN t.requester_id IS NOT NULL THEN 'zendesk:' || t.requester_id END",
                "email": "coalesce(t.requester.email, CASE WHEN t.via.channel = 'email' "
                "THEN t.via.source.from.address END)",
                "created_at": "ts",
                "kind": "'ticket'",
                "rating": f"CASE {score} WHEN 'good' THEN 5 WHEN 'bad' THEN 1 END",
                "title": "t.subject",
                "body": "t.description",
                "status": "lower(t.status)",
            },
            "_stage",
        )


@register
class IntercomConversations(Source):
    """Intercom conversations: JSON lines (API objects) or a CSV export."""

    kind = "intercom_conversations"
    tables = ("texts",)
    description = "Intercom conversations, JSON lines or CSV."

    CSV_SPECS: ClassVar[dict[str, Col]] = {
        "Conversation ID": Col(required=True),
        "Created at": Col("timestamp", formats=ANY_DATE, example="2025-02-28 13:05:00"),
        "User email": Col(),
        "User ID": Col(),
        "First message": Col(),
        "Rating": Col("number", example="4"),
        "State": Col(),
    }
    CSV_ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {
        "Conversation ID": ("id", "conversation_id", "Conversation Id"),
        "Created at": ("created_at", "Conversation started at", "Started at"),
        "User email": ("Email", "Contact email", "user_email", "Customer email"),
        "User ID": ("Contact ID", "user_id", "External ID"),
        "First message": ("Conversation first message", "Body", "Message", "body"),
        "Rating": ("Conversation rating", "rating"),
        "State": ("Status", "state"),
    }

    def load_file(self, run: Run, file: FileLoad) -> None:
        if file.path.suffix.lower() == ".csv":
            self._csv(run, file)
            return
        read_json_lines(run, file, stage="_lines")
        run.execute(
            f"CREATE OR REPLACE TEMP TABLE _stage AS SELECT _line, json_transform(j, '{INTERCOM_SCHEMA}') AS c "
            "FROM _lines"
        )
        reject_where(run, file, "_stage", "c.id IS NULL", "id", "NULL", "'a conversation needs its id'")
        reject_where(
            run,
            file,
            "_stage",
            "coalesce(try_cast(c.created_at AS BIGINT) NOT BETWEEN 0 AND 32503680000, TRUE)",
            "created_at",
            "c.created_at",
            "'is not a Unix time in seconds (expected e.g. 1740747900)'",
        )
        contact = "list_extract(c.contacts.contacts, 1)"
        insert(
            run,
            file,
            "texts",
            {
                "text_id": "'intercom:' || c.id",
                "customer_id": f"CASE WHEN {contact}.id IS NOT NULL THEN 'intercom:' || {contact}.id END",
                "email": "c.source.author.email",
                "created_at": "to_timestamp(c.created_at::BIGINT)::TIMESTAMP",
                "kind": "'chat'",
                "rating": "try_cast(c.conversation_rating.rating AS DOUBLE)",
                "title": "coalesce(c.title, " + STRIP_HTML.format(x="c.source.subject") + ")",
                "body": STRIP_HTML.format(x="c.source.body"),
                "status": "lower(c.state)",
            },
            "_stage",
        )

    def _csv(self, run: Run, file: FileLoad) -> None:
        read_csv(run, file, self.CSV_SPECS, stage="_stage", aliases=self.CSV_ALIASES)
        insert(
            run,
            file,
            "texts",
            {
                "text_id": "'intercom:' || \"Conversation ID\"",
                "customer_id": 'CASE WHEN "User ID" IS NOT NULL THEN \'intercom:\' || "User ID" END',
                "email": '"User email"',
                "created_at": '"Created at"',
                "kind": "'chat'",
                "rating": '"Rating"',
                "title": "NULL",
                "body": STRIP_HTML.format(x='"First message"'),
                "status": 'lower("State")',
            },
            "_stage",
        )
