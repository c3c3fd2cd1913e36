"""The SQL of an experiment reading: exposed units classified, group sizes, and the per group × variant statistics.

Templates over ``str.format`` placeholders (listed in the statement registry,
:mod:`personacraft.pipeline.statements`). ``{relation}`` is the caller's table or subquery with
one row per exposed unit; the rest are names and expressions built by
:mod:`personacraft.experiments.reading` from quoted column names only.
"""

from __future__ import annotations

# one row per exposed unit: its line, variant, group, unit id and outcomes (as DOUBLE), and why it is
# excluded (NULL when it is used). {windows} adds the unit checks when a unit column is given.
UNITS = """
CREATE OR REPLACE TEMP TABLE {units} AS
SELECT *, {reason} AS _reason
FROM (SELECT {columns}{windows} FROM {relation})
"""
# a unit seen under two variants (min <> max over the unit), and its repeated rows in one variant
UNIT_WINDOWS = (
    ", min(_variant) OVER (PARTITION BY _unit) <> max(_variant) OVER (PARTITION BY _unit) AS _mixed"
    ", row_number() OVER (PARTITION BY _unit, _variant ORDER BY {order}) AS _repeat"
)
# units used, per group and variant (the group sizes that decide which groups are shown)
GROUP_SIZES = """
SELECT _group, _variant, count(*) AS n FROM {units} WHERE _reason IS NULL GROUP BY ALL ORDER BY ALL
"""
# rows excluded, per reason, with the first few as examples ({example} is a struct that starts with the
# line: min_by keeps the smallest few without collecting every excluded row)
EXCLUDED = """
SELECT _reason AS reason, count(*) AS n, min_by({example}, {example}, {examples}) AS examples
FROM {units} WHERE _reason IS NOT NULL GROUP BY _reason ORDER BY n DESC, reason
"""
# per shown group (and overall: grouping sets) and variant: n, and per outcome its mean, sample
# variance and whether every value is 0 or 1
AGGREGATE = """
SELECT m.label AS _label, u._variant, grouping(m.label) AS _overall, count(*) AS n, {aggregates}
FROM {units} u LEFT JOIN {groups} m ON m.g = u._group
WHERE u._reason IS NULL
GROUP BY GROUPING SETS ((m.label, u._variant), (u._variant))
ORDER BY _overall DESC, _label, u._variant
"""
# the unit-level values of one outcome, per shown group and variant (for the bootstrap), in a
# deterministic order
VALUES_OF = """
SELECT m.label AS _label, u._variant, u.{outcome} AS value
FROM {units} u JOIN {groups} m ON m.g = u._group
WHERE u._reason IS NULL AND m.label IS NOT NULL
ORDER BY _label, u._variant, value
"""
OVERALL_VALUES_OF = """
SELECT u._variant, u.{outcome} AS value FROM {units} u WHERE u._reason IS NULL ORDER BY u._variant, value
"""
# each row of an export with its persona: the customer column matched to a customer id, else to any
# email of a customer; {persona_id} is an expression over l.persona ('' when not published)
PERSONA_GROUPS = """
SELECT f.*, CASE WHEN k.customer_key IS NULL AND e.customer_key IS NULL THEN {unknown}
                 WHEN l.persona IS NULL OR {persona_id} = '' THEN {no_persona}
                 ELSE {persona_id} END AS {group}
FROM {file} f
LEFT JOIN {customer_index} k ON k.customer_key = trim(CAST(f.{customer} AS VARCHAR))
LEFT JOIN (SELECT email, min(customer_key) AS customer_key FROM {customer_emails} GROUP BY email) e
       ON k.customer_key IS NULL AND e.email = lower(trim(CAST(f.{customer} AS VARCHAR)))
LEFT JOIN {labels} l ON l.customer_key = coalesce(k.customer_key, e.customer_key)
"""
