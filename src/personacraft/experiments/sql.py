"""The SQL of an experiment reading: exposed units classified, group sizes, and the per group × variant statistics.

Templates over ``str.format`` placeholders (listed in the statement registry,
:mod:`personacraft.pipeline.statements`). ``{relation}`` is the caller's table or subquery with
one row per exposed unit; the rest are names and expressions built by
:mod:`personacraft.experiments.reading` from quoted column names only.
"""

from __future__ import annotations

# one row per exposed unit as read: its line, variant, group, unit id, outcomes (HUGEINT micro-units)
BASE = """
CREATE OR REPLACE TEMP TABLE {base} AS SELECT {columns} FROM {relation}
"""
# the rows of units seen more than once (a hash aggregate finds them; the windows then run over those
# rows only): whether the unit is under two variants, and each row's rank within its unit and variant
DUPLICATES = """
CREATE OR REPLACE TEMP TABLE {dups} AS
SELECT rowid AS _rid,
       min(_variant) OVER (PARTITION BY _unit) <> max(_variant) OVER (PARTITION BY _unit) AS _mixed,
       row_number() OVER (PARTITION BY _unit, _variant ORDER BY {order}) AS _repeat
FROM {base}
WHERE _unit IN (SELECT _unit FROM {base} WHERE _unit IS NOT NULL GROUP BY _unit HAVING count(*) > 1)
"""
# every row with why it is excluded (NULL when it is used)
UNITS = """
CREATE OR REPLACE TEMP VIEW {units} AS
SELECT b.*, d._mixed, d._repeat, {reason} AS _reason FROM {base} b LEFT JOIN {dups} d ON d._rid = b.rowid
"""
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
# email of a customer, else to the bare value of any id the run linked to one customer only (an
# export naming the shop's id without its namespace); {persona_id} is an expression over l.persona
# ('' when not published)
PERSONA_GROUPS = """
SELECT f.*, CASE WHEN coalesce(k.customer_key, e.customer_key, i.customer_key) IS NULL THEN {unknown}
                 WHEN l.persona IS NULL OR {persona_id} = '' THEN {no_persona}
                 ELSE {persona_id} END AS {group}
FROM {file} f
LEFT JOIN {customer_index} k ON k.customer_key = trim(CAST(f.{customer} AS VARCHAR))
LEFT JOIN (SELECT email, min(customer_key) AS customer_key FROM {customer_emails} GROUP BY email) e
       ON k.customer_key IS NULL AND e.email = lower(trim(CAST(f.{customer} AS VARCHAR)))
LEFT JOIN {bare_ids} i
       ON k.customer_key IS NULL AND e.customer_key IS NULL AND i.bare = trim(CAST(f.{customer} AS VARCHAR))
LEFT JOIN {labels} l ON l.customer_key = coalesce(k.customer_key, e.customer_key, i.customer_key)
"""
# the value of every id node ('id:<namespace>:<value>') that belongs to one customer only
BARE_IDS = """
SELECT regexp_extract(node, '^id:[^:]*:(.*)$', 1) AS bare, min(customer_key) AS customer_key
FROM {identity} WHERE node LIKE 'id:%' GROUP BY bare HAVING count(DISTINCT customer_key) = 1
"""
