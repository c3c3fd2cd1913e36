"""The SQL of the feature vocabulary and of hypotheses, over a run's stored ``attributes`` and ``labels``.

``{attributes}`` is the run's ``attributes`` table (customer_key, feature, value, source): the
values the profiles and the traits of ``personas.json`` are computed on, so a figure here is the
figure a trait shows. ``{labels}`` is the run's ``labels`` (customer_key, persona) and ``{persona_id}``
the expression that turns a segment number into its published persona id ('' when unpublished;
:func:`personacraft.segment.assignment.persona_id_sql`). The population is every labelled
customer, as in :data:`personacraft.segment.profile.PROFILE_SQL`.
"""

from __future__ import annotations

# every (feature, value) with its population count, and how many customers have the feature known
VOCABULARY = """
WITH a AS (SELECT a.customer_key, a.feature, a.value FROM {attributes} a JOIN {labels} l USING (customer_key)),
known AS (SELECT feature, count(DISTINCT customer_key) AS n_known FROM a GROUP BY 1),
cnt AS (SELECT feature, value, count(DISTINCT customer_key) AS n FROM a GROUP BY 1, 2)
SELECT c.feature, c.value, c.n, k.n_known
FROM cnt c JOIN known k USING (feature)
ORDER BY c.feature, c.n DESC, c.value
"""

# each published persona's (and everyone's, persona_id 'all') count per (feature, value) and per feature known
CELLS = """
WITH a AS (
    SELECT a.customer_key, a.feature, a.value, {persona_id} AS persona_id
    FROM {attributes} a JOIN {labels} l USING (customer_key)
),
cnt AS (
    SELECT CASE WHEN grouping(persona_id) = 1 THEN 'all' ELSE persona_id END AS persona_id, feature, value,
           count(DISTINCT customer_key) AS n
    FROM a GROUP BY GROUPING SETS ((persona_id, feature, value), (feature, value))
),
known AS (
    SELECT CASE WHEN grouping(persona_id) = 1 THEN 'all' ELSE persona_id END AS persona_id, feature,
           count(DISTINCT customer_key) AS n_known
    FROM a GROUP BY GROUPING SETS ((persona_id, feature), (feature))
)
SELECT c.persona_id, c.feature, c.value, c.n, k.n_known
FROM cnt c JOIN known k USING (persona_id, feature)
WHERE c.persona_id <> ''
ORDER BY ALL
"""

# each published persona's size, and everyone's
SIZES = """
SELECT CASE WHEN grouping(persona_id) = 1 THEN 'all' ELSE persona_id END AS persona_id, count(*) AS n
FROM (SELECT {persona_id} AS persona_id FROM {labels} l)
GROUP BY GROUPING SETS ((persona_id), ())
HAVING grouping(persona_id) = 1 OR persona_id <> ''
ORDER BY ALL
"""

# hand-made personas: {wanted} (person, feature, value) lists each description's claimed values. A customer fits
# a description when they hold every claimed value; they count as "known" when every claimed feature of it is
# known for them. Per description and persona: how many fit, how many are known ('all': everyone).
FITS = """
WITH w AS (SELECT person, feature, value FROM {wanted}),
need AS (SELECT person, count(DISTINCT feature) AS features, count(*) AS claims FROM w GROUP BY 1),
a AS (SELECT a.customer_key, a.feature, a.value FROM {attributes} a JOIN {labels} l USING (customer_key)),
held AS (
    SELECT w.person, a.customer_key, count(DISTINCT a.feature) AS features_known,
           count(DISTINCT CASE WHEN a.value = w.value THEN w.feature || chr(31) || w.value END) AS claims_held
    FROM w JOIN a USING (feature) GROUP BY 1, 2
),
per AS (
    SELECT h.person, {persona_id} AS persona_id, h.features_known = n.features AS known,
           h.claims_held = n.claims AS fits
    FROM held h JOIN need n USING (person) JOIN {labels} l USING (customer_key)
)
SELECT person, CASE WHEN grouping(persona_id) = 1 THEN 'all' ELSE persona_id END AS persona_id,
       count(*) FILTER (WHERE fits) AS fit, count(*) FILTER (WHERE known) AS known
FROM per GROUP BY GROUPING SETS ((person, persona_id), (person))
HAVING grouping(persona_id) = 1 OR persona_id <> ''
ORDER BY ALL
"""

# Says against does: per group (each published persona and everyone, 'all'), every stated value s (a family whose
# source is in {stated}) against every behavioural value b (source in {behaviour}), over the customers with both
# families known. n_sb: customers holding s and b; n_s: holding s (b's family known); n_b: holding b (s's family
# known); n: both families known. The 2×2 table of s against b follows (hypotheses/says.py).
SAYS_DOES = """
WITH a AS (
    SELECT a.customer_key, a.feature, a.value, a.source, {persona_id} AS persona_id
    FROM {attributes} a JOIN {labels} l USING (customer_key)
),
st AS (SELECT DISTINCT customer_key, persona_id, feature AS s_family, value AS s_value, source AS s_source
       FROM a WHERE source IN ({stated})),
bh AS (SELECT DISTINCT customer_key, feature AS b_family, value AS b_value, source AS b_source
       FROM a WHERE source IN ({behaviour})),
j AS (SELECT * FROM st JOIN bh USING (customer_key)),
sb AS (
    SELECT CASE WHEN grouping(persona_id) = 1 THEN 'all' ELSE persona_id END AS g,
           s_family, s_value, b_family, b_value, count(DISTINCT customer_key) AS n_sb
    FROM j GROUP BY GROUPING SETS ((persona_id, s_family, s_value, b_family, b_value),
                                   (s_family, s_value, b_family, b_value))
),
sn AS (
    SELECT CASE WHEN grouping(persona_id) = 1 THEN 'all' ELSE persona_id END AS g,
           s_family, any_value(s_source) AS s_source, s_value, b_family, count(DISTINCT customer_key) AS n_s
    FROM j GROUP BY GROUPING SETS ((persona_id, s_family, s_value, b_family), (s_family, s_value, b_family))
),
bn AS (
    SELECT CASE WHEN grouping(persona_id) = 1 THEN 'all' ELSE persona_id END AS g,
           s_family, b_family, any_value(b_source) AS b_source, b_value, count(DISTINCT customer_key) AS n_b
    FROM j GROUP BY GROUPING SETS ((persona_id, s_family, b_family, b_value), (s_family, b_family, b_value))
),
tn AS (
    SELECT CASE WHEN grouping(persona_id) = 1 THEN 'all' ELSE persona_id END AS g,
           s_family, b_family, count(DISTINCT customer_key) AS n
    FROM j GROUP BY GROUPING SETS ((persona_id, s_family, b_family), (s_family, b_family))
)
SELECT x.g AS persona_id, x.s_family, x.s_source, x.s_value, y.b_family, y.b_source, y.b_value,
       coalesce(sb.n_sb, 0) AS n_sb, x.n_s, y.n_b, t.n
FROM sn x JOIN bn y USING (g, s_family, b_family) JOIN tn t USING (g, s_family, b_family)
LEFT JOIN sb USING (g, s_family, s_value, b_family, b_value)
WHERE x.g <> ''
ORDER BY ALL
"""
