"""The SQL templates of the families declared in ``[sources.features]`` (declarations only; listed in the registry).

``{attributes_keyed}`` is the run's ``custom_attributes`` with each row's ``customer_key``;
``{families}`` is the table of each family's values (``custom_families``: family, type, value,
rank, raw, lo, hi, n) decided by :mod:`personacraft.features.custom`.
"""

# Each customer's values of each family: per source, the value of the newest line (the file
# that sorts last, then the later line), as the newest copy of a record wins at ingest; the
# values of several sources are all kept (a customer may hold two, as for buying role).
CUSTOM_RAW = """
CREATE OR REPLACE TABLE {out} AS
SELECT DISTINCT customer_key, family, value FROM (
    SELECT customer_key, family, arg_max(value, (_file, _line)) AS value
    FROM {attributes_keyed} WHERE customer_key IS NOT NULL AND value IS NOT NULL
    GROUP BY customer_key, family, _source
)
"""

# Numeric families: each customer's number (the median of their values; NULL when none is a number).
CUSTOM_NUMBERS = """
CREATE OR REPLACE TABLE {out} AS
SELECT customer_key, family, median(try_cast(replace(value, ',', '') AS DOUBLE)) AS x,
       count(*) FILTER (WHERE try_cast(replace(value, ',', '') AS DOUBLE) IS NULL) AS unparsed
FROM {custom_raw} WHERE family IN (SELECT family FROM {families} WHERE type = 'numeric')
GROUP BY customer_key, family
"""

# How many customers hold each value of the categorical and ordinal families.
CUSTOM_LEVELS = """
SELECT family, value, count(DISTINCT customer_key) AS n FROM {custom_raw}
WHERE family IN ({names}) GROUP BY family, value ORDER BY family, value
"""

# The quantile cuts of a numeric family (over customers, one number each), and how many numbers it has.
CUSTOM_QUANTILES = """
SELECT family, quantile_disc(x, {cuts}) AS cuts, count(x) AS n, min(x) AS lo, max(x) AS hi,
       sum(unparsed) AS unparsed
FROM {custom_numbers} GROUP BY family ORDER BY family
"""

# Customers per candidate bin of the numeric families (bins: family, b, lo, hi).
CUSTOM_BIN_COUNTS = """
SELECT b.family, b.b, count(n.x) AS n FROM {bins} b
LEFT JOIN {custom_numbers} n ON n.family = b.family AND n.x >= b.lo AND n.x < b.hi
GROUP BY b.family, b.b ORDER BY b.family, b.b
"""

# Each customer's published value of each family: a raw value as mapped (rare ones folded), a
# number in its bin. A value mapped to no published one (a rare value when "other" itself would
# be rare) adds nothing: the customer is missing from that family.
CUSTOM_VALUES = """
CREATE OR REPLACE TABLE {out} AS
SELECT DISTINCT r.customer_key, f.family, f.value
FROM {custom_raw} r JOIN {families} f ON f.family = r.family AND f.raw = r.value
WHERE f.type <> 'numeric' AND f.value IS NOT NULL
UNION ALL
SELECT n.customer_key, f.family, f.value
FROM {custom_numbers} n JOIN {families} f ON f.family = n.family AND n.x >= f.lo AND n.x < f.hi
WHERE f.type = 'numeric'
"""

# The declared families in the counts that segmentation reads (one count per customer and value) ...
CUSTOM_FEATURE_COUNTS = """
INSERT INTO {feature_counts} SELECT customer_key, family, value, 1.0 FROM {custom_values}
"""

# ... and in the attributes that profiles (traits) read, labelled with the column's name as written.
CUSTOM_PROFILE_ATTRIBUTES = """
INSERT INTO {attributes} SELECT customer_key, family, value, 'custom' FROM {custom_values}
"""

# Values of an assign input in the declared families, mapped as the build mapped them: a value the
# model knows stays; a raw value takes its mapped value, a number its bin, an unknown category
# "other" when the family has it.
CUSTOM_ASSIGN_MAP = """
CREATE OR REPLACE TEMP TABLE {out} AS
WITH fam AS (SELECT DISTINCT family FROM {families}),
known AS (SELECT DISTINCT family, value FROM {families} WHERE value IS NOT NULL),
other AS (SELECT DISTINCT family FROM {families} WHERE value = 'other' AND type = 'categorical')
SELECT c.customer_key, c.family,
       CASE WHEN fam.family IS NULL OR k.value IS NOT NULL THEN c.value
            ELSE coalesce(r.value, b.value, CASE WHEN o.family IS NOT NULL THEN 'other' END, c.value) END AS value,
       c.n
FROM {counts} c
LEFT JOIN fam ON fam.family = c.family
LEFT JOIN known k ON k.family = c.family AND k.value = c.value
LEFT JOIN other o ON o.family = c.family
LEFT JOIN {families} r ON r.family = c.family AND r.type <> 'numeric' AND r.raw = c.value
LEFT JOIN {families} b ON b.family = c.family AND b.type = 'numeric'
     AND try_cast(replace(c.value, ',', '') AS DOUBLE) >= b.lo AND try_cast(replace(c.value, ',', '') AS DOUBLE) < b.hi
"""
