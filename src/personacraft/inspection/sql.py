"""The SQL of ``personacraft inspect``: per-source profiles, who each source knows, and the counts readiness needs.

Templates over the run's canonical tables (``str.format`` placeholders are table names, subqueries
of :func:`personacraft.unify.keyed`, or column lists built from the canonical schema); the
source's label is a bound parameter (``$source``).
"""

from __future__ import annotations

# one pass over a source's rows in one table: row count, filled cells per column, date range
PROFILE = "SELECT {columns} FROM {table} WHERE _source = ?"

# events are the largest table: resolved once, per source and customer (NULL: anonymous), with their count
EVENT_KEYS = """
CREATE OR REPLACE TEMP TABLE {out} AS
SELECT _source, customer_key, count(*) AS n FROM {events} AS e GROUP BY _source, customer_key
"""

# (source, customer_key): the customers whose records a source holds, from every table that names a person
MEMBERS = """
CREATE OR REPLACE TEMP TABLE {out} AS
SELECT DISTINCT _source AS source, customer_key FROM ({records}) WHERE customer_key IS NOT NULL
"""
# one table's contribution to MEMBERS
MEMBER_ROWS = "SELECT _source, customer_key FROM {keyed} AS r"

SOURCE_CUSTOMERS = "SELECT source, count(*) AS customers FROM {members} GROUP BY source ORDER BY source"

# customers present in both sources of each pair
PAIRS = """
SELECT a.source AS a, b.source AS b, count(*) AS both_sources
FROM {members} a JOIN {members} b ON a.customer_key = b.customer_key AND a.source < b.source
GROUP BY a.source, b.source ORDER BY a.source, b.source
"""

# customers who bought, and those who bought on more than one day (the CLV model's repeat buyers)
BUYERS = """
SELECT count(*) AS buyers, count(*) FILTER (WHERE days > 1) AS repeat_buyers
FROM (
    SELECT customer_key, count(DISTINCT CAST(ordered_at AS DATE)) AS days
    FROM {orders} AS o
    WHERE customer_key IS NOT NULL AND ordered_at IS NOT NULL AND coalesce(lower(status), '') NOT IN {not_purchases}
    GROUP BY customer_key
)
"""

EVENTS = """
SELECT coalesce(sum(n), 0) AS events, count(DISTINCT customer_key) AS event_customers,
       coalesce(sum(n) FILTER (WHERE customer_key IS NULL), 0) AS anonymous
FROM {event_keys}
"""

# texts with a body, and the distinct ones long enough to get a theme
TEXTS = """
SELECT count(*) AS texts,
       count(DISTINCT lower(trim(body))) FILTER (WHERE len(regexp_extract_all(body, '[^\\W\\d_]+')) >= {min_words})
         AS usable
FROM {texts} WHERE nullif(trim(body), '') IS NOT NULL
"""

SUBSCRIPTIONS = """
SELECT count(*) AS subscriptions,
       count(*) FILTER (WHERE canceled_at IS NOT NULL OR lower(coalesce(status, '')) IN ('canceled', 'cancelled'))
         AS cancelled
FROM {subscriptions}
"""

ACCOUNTS = """
SELECT (SELECT count(*) FROM {accounts}) AS accounts,
       (SELECT count(*) FROM {deals}) AS deals,
       (SELECT count(*) FROM {deals} WHERE account_id IS NOT NULL) AS deals_with_account,
       (SELECT count(*) FROM {customers} WHERE account_id IS NOT NULL) AS contacts_with_account
"""
