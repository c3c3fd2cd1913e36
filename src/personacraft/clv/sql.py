"""The SQL of CLV (declarations only): the last purchase, the rejects, the CSV writes, the value stage's checks.

The per-customer summary the models read is ``RFM_SUMMARY`` in :mod:`personacraft.features.sql`.
"""

# the day the calibration ends by default: the newest purchase
LAST_PURCHASE = "SELECT max(ordered_at) FROM {purchases}"

# the rows that could not be read, in file order
REJECTS = "SELECT * FROM {rejects} ORDER BY _line"

# ``personacraft clv --out``: one row per customer, and the rejects beside it
WRITE_PREDICTIONS = "COPY {table} TO {path} (HEADER, DELIMITER ',')"
WRITE_REJECTS = "COPY (SELECT * FROM {table} ORDER BY _line) TO {path} (HEADER)"

# The value stage's checks (personacraft.value.holdout): each buyer's order history as of a
# cutoff, over the distinct order days up to {holdout_end}. ``window_repeats`` are the order
# days after the first within the {window_days} days before the cutoff, ``exposure_days`` how
# long of that window the customer had been one, ``holdout_purchases`` the order days after it.
ORDER_HISTORY = """
CREATE OR REPLACE TABLE {out} AS
WITH days AS (
    SELECT DISTINCT customer_key, CAST(ordered_at AS DATE) AS day
    FROM {cust_orders}
    WHERE customer_key IS NOT NULL AND ordered_at IS NOT NULL AND CAST(ordered_at AS DATE) <= {holdout_end}
),
marked AS (SELECT customer_key, day, min(day) OVER (PARTITION BY customer_key) AS first_day FROM days)
SELECT customer_key,
       date_diff('day', max(day) FILTER (WHERE day <= {cutoff}), {cutoff})::DOUBLE AS recency_days,
       count(*) FILTER (WHERE day > first_day AND day > {cutoff} - {window_days} AND day <= {cutoff})::DOUBLE
           AS window_repeats,
       date_diff('day', greatest(min(day), {cutoff} - {window_days}), {cutoff})::DOUBLE AS exposure_days,
       count(*) FILTER (WHERE day > {cutoff})::DOUBLE AS holdout_purchases
FROM marked
GROUP BY customer_key
HAVING min(day) <= {cutoff}
ORDER BY customer_key
"""

# The typical gap between a persona's orders: the median of the days between consecutive
# order days of its members, up to {cutoff} (personas -1: every customer, the population).
TYPICAL_GAPS = """
WITH days AS (
    SELECT DISTINCT customer_key, CAST(ordered_at AS DATE) AS day
    FROM {cust_orders}
    WHERE customer_key IS NOT NULL AND ordered_at IS NOT NULL AND CAST(ordered_at AS DATE) <= {cutoff}
),
gaps AS (
    SELECT customer_key, date_diff('day', lag(day) OVER (PARTITION BY customer_key ORDER BY day), day) AS gap
    FROM days
)
SELECT l.persona, grouping(l.persona) = 1 AS everyone, quantile_cont(g.gap, 0.5)::DOUBLE AS typical_gap,
       count(*) AS gaps
FROM gaps g LEFT JOIN {labels} l USING (customer_key)
WHERE g.gap IS NOT NULL
GROUP BY GROUPING SETS ((l.persona), ())
"""

# Each customer of a summary table (in its order: by customer_key) and the published persona
# they belong to, -1 for none.
PERSONA_GROUPS = """
SELECT coalesce(CASE WHEN l.persona < {published} THEN l.persona END, -1) AS g
FROM {summary} s LEFT JOIN {labels} l USING (customer_key)
ORDER BY s.customer_key
"""
