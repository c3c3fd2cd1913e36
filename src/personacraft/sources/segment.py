"""Segment-spec events as JSON lines (an S3 or warehouse dump of track, page, identify … calls).

``track``, ``page`` and ``screen`` calls become events; ``identify`` calls become customer
records (their traits: email, name, title, company); ``group`` calls become accounts. A call
repeating an earlier ``messageId`` is a duplicate delivery and is kept as a reject. ``Experiment Viewed``
calls are exposures of an experiment too (:mod:`personacraft.sources.experiments`).
"""

from __future__ import annotations

from personacraft.engine.script import Statements
from personacraft.sources import experiments
from personacraft.sources.base import Source, register
from personacraft.sources.columns import lit
from personacraft.sources.reading.files import FileLoad
from personacraft.sources.reading.jsonl import read_json_lines
from personacraft.sources.reading.stage import insert, reject_where

CALL_SCHEMA = """{
 "type": "VARCHAR", "userId": "VARCHAR", "anonymousId": "VARCHAR", "event": "VARCHAR", "name": "VARCHAR",
 "timestamp": "VARCHAR", "messageId": "VARCHAR", "groupId": "VARCHAR",
 "properties": {"url": "VARCHAR", "path": "VARCHAR", "experiment_id": "VARCHAR", "experiment_name": "VARCHAR",
                "variation_id": "VARCHAR", "variation_name": "VARCHAR"},
 "traits": {"email": "VARCHAR", "name": "VARCHAR", "firstName": "VARCHAR", "lastName": "VARCHAR",
            "title": "VARCHAR", "company": "VARCHAR", "phone": "VARCHAR", "industry": "VARCHAR",
            "employees": "VARCHAR", "plan": "VARCHAR"},
 "context": {"traits": {"email": "VARCHAR"}, "page": {"url": "VARCHAR"},
             "campaign": {"source": "VARCHAR", "medium": "VARCHAR", "name": "VARCHAR"},
             "device": {"type": "VARCHAR"}, "location": {"country": "VARCHAR"}, "sessionId": "VARCHAR"}
}"""
EMP = "try_cast(c.traits.employees AS DOUBLE)"
TYPES = ("track", "page", "screen", "identify", "group", "alias")


@register
class SegmentEvents(Source):
    """Option ``user_id_namespace`` (default ``segment``): the system whose ids ``userId`` carries."""

    kind = "segment_events"
    tables = ("events", "customers", "accounts", "experiments")
    description = "Segment-spec calls as JSON lines."
    spark_reads = True  # the same statements on Spark, [engine] kind = "spark" (docs/spark.md)

    def load_file(self, run: Statements, file: FileLoad) -> None:
        ns = lit(str(self.config.options.get("user_id_namespace", "segment")) + ":")
        read_json_lines(run, file, stage="_lines")
        run.execute(
            f"CREATE OR REPLACE TEMP TABLE _stage AS SELECT _line, j, json_transform(j, '{CALL_SCHEMA}') AS c, "
            "try_cast(json_extract_string(j, '$.timestamp') AS TIMESTAMPTZ)::TIMESTAMP AS ts FROM _lines"
        )
        types = ", ".join(lit(t) for t in TYPES)
        reject_where(
            run,
            file,
            "_stage",
            f"coalesce(lower(c.type), '') NOT IN ({types})",
            "type",
            "c.type",
            f"'is not a Segment call type (one of {', '.join(TYPES)})'",
        )
        reject_where(
            run,
            file,
            "_stage",
            "c.userId IS NULL AND c.anonymousId IS NULL",
            "userId",
            "NULL",
            "'has neither userId nor anonymousId'",
        )
        reject_where(
            run,
            file,
            "_stage",
            "ts IS NULL",
            "timestamp",
            "c.timestamp",
            "'is not an ISO-8601 timestamp (expected e.g. 2025-02-28T13:05:00.000Z)'",
        )
        run.execute(
            "CREATE OR REPLACE TEMP TABLE _dups AS SELECT _line, first_line FROM (SELECT _line, "
            "min(_line) OVER (PARTITION BY c.messageId) AS first_line FROM _stage WHERE c.messageId IS NOT NULL) "
            "WHERE _line > first_line"
        )
        reject_where(
            run,
            file,
            "_stage",
            "_line IN (SELECT _line FROM _dups)",
            "messageId",
            "c.messageId",
            "'repeats the messageId of an earlier call (a duplicate delivery)'",
        )
        reject_where(
            run,
            file,
            "_stage",
            "lower(c.type) = 'group' AND c.groupId IS NULL",
            "groupId",
            "NULL",
            "'a group call needs a groupId'",
        )
        uid = f"CASE WHEN c.userId IS NOT NULL THEN {ns} || c.userId END"
        anon = "CASE WHEN c.anonymousId IS NOT NULL THEN 'segment:' || c.anonymousId END"
        kind = "lower(c.type)"
        insert(
            run,
            file,
            "events",
            {
                "customer_id": uid,
                "anonymous_id": anon,
                "email": "coalesce(c.context.traits.email, c.traits.email)",
                "occurred_at": "ts",
                "event_name": f"CASE {kind} WHEN 'track' THEN c.event WHEN 'page' THEN 'page_view' "
                f"WHEN 'screen' THEN 'screen_view' ELSE {kind} END",
                "session_id": "c.context.sessionId",
                "page": "coalesce(c.properties.url, c.context.page.url)",
                "source": "c.context.campaign.source",
                "medium": "c.context.campaign.medium",
                "campaign": "c.context.campaign.name",
                "device": "c.context.device.type",
                "country": "c.context.location.country",
            },
            f"_stage WHERE {kind} IN ('track', 'page', 'screen', 'alias')",
        )
        experiments.land_views(run, file, uid, anon)
        insert(
            run,
            file,
            "customers",
            {
                "customer_id": uid,
                "email": "c.traits.email",
                "phone": "c.traits.phone",
                "first_name": "coalesce(c.traits.firstName, split_part(c.traits.name, ' ', 1))",
                "last_name": "coalesce(c.traits.lastName, nullif(regexp_replace(c.traits.name, '^\\S+\\s*', ''), ''))",
                "job_title": "c.traits.title",
                "company": "c.traits.company",
                "account_id": f"CASE WHEN {kind} = 'group' THEN 'segment:' || c.groupId END",  # groupId: checked
                "created_at": "ts",
            },
            f"_stage WHERE {kind} = 'identify' OR ({kind} = 'group' AND c.userId IS NOT NULL)",
        )
        insert(
            run,
            file,
            "accounts",
            {
                "account_id": "'segment:' || c.groupId",
                "name": "coalesce(c.traits.name, c.traits.company)",
                "industry": "c.traits.industry",
                "employees": f"CASE WHEN isfinite({EMP}) AND {EMP} = floor({EMP}) AND abs({EMP}) < 1e18 "
                f"THEN CAST({EMP} AS BIGINT) END",
                "created_at": "ts",
            },
            f"_stage WHERE {kind} = 'group' AND c.groupId IS NOT NULL",
        )
