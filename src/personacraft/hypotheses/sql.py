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
