"""Google Analytics 4's BigQuery export, as newline-delimited JSON (one event a line)."""

from __future__ import annotations

from personacraft.engine.script import Statements
from personacraft.sources.base import Source, register
from personacraft.sources.columns import lit, q
from personacraft.sources.reading.files import FileLoad
from personacraft.sources.reading.jsonl import read_json_lines
from personacraft.sources.reading.stage import insert, reject_where

# The part of the export schema we read; json_transform ignores everything else.
EVENT_SCHEMA = """{
 "event_date": "VARCHAR", "event_timestamp": "VARCHAR", "event_name": "VARCHAR",
 "event_params": [{"key": "VARCHAR", "value": {"string_value": "VARCHAR", "int_value": "VARCHAR"}}],
 "user_id": "VARCHAR", "user_pseudo_id": "VARCHAR",
 "device": {"category": "VARCHAR", "operating_system": "VARCHAR"},
 "geo": {"country": "VARCHAR", "city": "VARCHAR"},
 "traffic_source": {"name": "VARCHAR", "medium": "VARCHAR", "source": "VARCHAR"}
}"""


def _param(name: str, field: str = "string_value") -> str:
    return f"list_extract(list_filter(e.event_params, lambda p: p.key = {lit(name)}), 1).value.{field}"


@register
class GA4BigQuery(Source):
    """GA4 events exported from BigQuery as NDJSON (``bq extract`` or a table export).

    Option ``user_id_namespace``: the system whose customer ids GA4 carries in
    ``user_id`` (e.g. "shopify"), so events join that system's customers.
    """

    kind = "ga4_bigquery"
    tables = ("events",)
    description = "GA4 BigQuery export, newline-delimited JSON with nested fields."
    spark_reads = True  # the same statements on Spark, [engine] kind = "spark" (docs/spark.md)

    def load_file(self, run: Statements, file: FileLoad) -> None:
        ns = str(self.config.options.get("user_id_namespace", "ga4"))
        # microseconds between 1970 and 3000; anything else is not a GA4 timestamp
        micros = "try_cast(e.event_timestamp AS BIGINT)"
        columns = {
            "customer_id": f"CASE WHEN e.user_id IS NOT NULL THEN {lit(ns + ':')} || e.user_id END",
            "anonymous_id": "'ga4:' || e.user_pseudo_id",
            "occurred_at": f"CASE WHEN {micros} BETWEEN 0 AND 32503680000000000 THEN make_timestamp({micros}) END",
            "event_name": "e.event_name",
            "session_id": f"e.user_pseudo_id || ':' || {_param('ga_session_id', 'int_value')}",
            "page": _param("page_location"),
            "source": "e.traffic_source.source",
            "medium": "e.traffic_source.medium",
            "campaign": "e.traffic_source.name",
            "device": "e.device.category",
            "country": "e.geo.country",
        }
        # the event's canonical columns are computed as each line is parsed (the nested record is not stored)
        read_json_lines(run, file, stage="_stage", schema=EVENT_SCHEMA, columns={**columns, "_ts": "e.event_timestamp"})
        reject_where(
            run,
            file,
            "_stage",
            "occurred_at IS NULL",
            "event_timestamp",
            "_ts",
            "'is not a whole number of microseconds since 1970 (expected e.g. 1718000000000000)'",
        )
        reject_where(
            run,
            file,
            "_stage",
            "event_name IS NULL OR anonymous_id IS NULL",
            "event_name",
            "coalesce(event_name, anonymous_id)",
            "'has no event_name or user_pseudo_id'",
        )
        insert(run, file, "events", {c: q(c) for c in columns}, "_stage")
