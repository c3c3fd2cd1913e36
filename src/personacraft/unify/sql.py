"""The SQL of identity resolution: keys in order of precedence, each level linking what the stronger ones built.

Templates over the temporary tables of one resolution (``_rec``: the records with their keys and
their strongest key, the ``hub``; ``_comp``: node → component so far; ``_adj``: this level's keys
and the components they touch; ``_contested``: keys left out because they would join two ids of
one system). ``{col}``, ``{level}`` and ``{kind}`` name the level; docs/identity.md states the rules.
"""

from __future__ import annotations

# the namespace of an ``id:`` node (``id:shopify:42`` → ``shopify``); ids without a prefix share ""
NAMESPACE = "CASE WHEN strpos(substr({node}, 4), ':') > 0 THEN split_part(substr({node}, 4), ':', 1) ELSE '' END"

# the records with their strongest key (the hub every other key of the record links to) and its level
RECORDS = """
CREATE OR REPLACE TEMP TABLE _rec AS
SELECT *, coalesce(n_id, n_email, n_phone, n_anon) AS hub,
       CASE WHEN n_id IS NOT NULL THEN 1 WHEN n_email IS NOT NULL THEN 2 WHEN n_phone IS NOT NULL THEN 3
            WHEN n_anon IS NOT NULL THEN 5 END AS hub_level  -- the levels of unify.precedence.LEVELS (4: links)
FROM _rec0
"""
# level 1: every system id is a component of its own (a record carries one id; ids never link ids)
ID_COMPONENTS = """
CREATE OR REPLACE TEMP TABLE _comp AS SELECT DISTINCT hub AS node, hub AS comp FROM _rec WHERE hub_level = 1
"""
CONTESTED = """
CREATE OR REPLACE TEMP TABLE _contested (node VARCHAR, kind VARCHAR, rule VARCHAR, ns VARCHAR, ids VARCHAR[])
"""
# a level's keys and the components of the stronger keys they sit with on a record (records whose
# strongest key was left out are not attributed, so their weaker keys link nothing)
ADJACENT = """
CREATE OR REPLACE TEMP TABLE _adj AS
SELECT DISTINCT r.{col} AS node, c.comp FROM _rec r JOIN _comp c ON c.node = r.hub
WHERE r.{col} IS NOT NULL AND r.hub_level < {level}
"""
# the level of probabilistic links (``_links``: pairs of records' strongest keys a linker matched): each
# link is a key of its own that touches the components of its two records
ADJACENT_LINKS = """
CREATE OR REPLACE TEMP TABLE _adj AS
SELECT DISTINCT 'link:' || md5(l.a || '|' || l.b) AS node, c.comp
FROM _links l JOIN _comp c ON c.node = l.a OR c.node = l.b
"""
DROP_LINK_NODES = "DELETE FROM _comp WHERE node LIKE 'link:%'"
# the system ids of each component so far, with their namespace
COMPONENT_IDS = """
CREATE OR REPLACE TEMP TABLE _cids AS
SELECT comp, {namespace} AS ns, node AS id FROM _comp WHERE node LIKE 'id:%'
"""
# rule "local": a key whose own records name two ids of one system is left out
LOCAL_CONFLICTS = """
INSERT INTO _contested
SELECT a.node, '{kind}', 'local', i.ns, list(DISTINCT i.id ORDER BY i.id)
FROM _adj a JOIN _cids i USING (comp) GROUP BY a.node, i.ns HAVING count(DISTINCT i.id) > 1
"""
DROP_CONTESTED = "DELETE FROM _adj WHERE node IN (SELECT node FROM _contested)"
# the graph label propagation runs on: this level's keys that touch two components or more (a key on one
# component's records only, the usual case, merges nothing), and the components they touch
BRIDGES = """
CREATE OR REPLACE TEMP TABLE _bridge AS
SELECT * FROM _adj WHERE node IN (SELECT node FROM _adj GROUP BY node HAVING count(*) > 1)
"""
VERTICES = """
CREATE OR REPLACE TEMP TABLE _v AS
SELECT DISTINCT node AS v, node AS lab FROM _bridge UNION SELECT DISTINCT comp, comp FROM _bridge
"""
EDGES = """
CREATE OR REPLACE TEMP TABLE _e AS SELECT node AS a, comp AS b FROM _bridge UNION ALL SELECT comp, node FROM _bridge
"""
# one step: each vertex takes the smallest label among itself and its neighbours
PROPAGATE = """
CREATE OR REPLACE TEMP TABLE _v2 AS
SELECT v.v, least(v.lab, coalesce(min(m.lab), v.lab)) AS lab
FROM _v v LEFT JOIN _e e ON e.a = v.v LEFT JOIN _v m ON m.v = e.b
GROUP BY v.v, v.lab
"""
CHANGED = "SELECT count(*) FROM _v2 x JOIN _v v USING (v) WHERE x.lab <> v.lab"
# rule "chain": a merged component that still holds two ids of one system (A-phone-X-phone-B) ...
BAD_COMPONENTS = """
CREATE OR REPLACE TEMP TABLE _bad AS
SELECT v.lab, i.ns, list(DISTINCT i.id ORDER BY i.id) AS ids
FROM _v v JOIN _cids i ON i.comp = v.v GROUP BY v.lab, i.ns HAVING count(DISTINCT i.id) > 1
"""
# ... loses every key of this level that bridges two of its parts
CHAIN_CONFLICTS = """
INSERT INTO _contested
SELECT a.node, '{kind}', 'chain', any_value(b.ns), any_value(b.ids)
FROM _adj a JOIN _v v ON v.v = a.node JOIN _bad b ON b.lab = v.lab
GROUP BY a.node HAVING count(DISTINCT a.comp) > 1
"""
# the components after this level: merged ones, except where a conflict kept the parts apart; a key
# of this level on no stronger key's record (an email-only order) starts a component of its own
NEXT_COMPONENTS = """
CREATE OR REPLACE TEMP TABLE _comp2 AS
WITH v AS (SELECT v, lab, lab IN (SELECT lab FROM _bad) AS bad FROM _v),
moved AS (
    SELECT c.node, c.comp AS was, CASE WHEN v.lab IS NULL OR v.bad THEN c.comp ELSE v.lab END AS comp
    FROM _comp c LEFT JOIN v ON v.v = c.comp
),
comps AS (SELECT DISTINCT was, comp FROM moved)
SELECT node, comp FROM moved
UNION ALL
SELECT a.node, min(m.comp) FROM _adj a JOIN comps m ON m.was = a.comp
WHERE a.node NOT IN (SELECT node FROM _contested) GROUP BY a.node
UNION ALL
SELECT DISTINCT hub, hub FROM _rec
WHERE hub_level = {level} AND hub NOT IN (SELECT node FROM _adj) AND hub NOT IN (SELECT node FROM _contested)
"""
# a customer is a component with an id, an email or a phone; its key is its smallest id if any
IDENTITY = """
CREATE OR REPLACE TABLE {identity} AS
WITH comp AS (
    SELECT comp,
           min(CASE WHEN node LIKE 'id:%' THEN substr(node, 4) END) AS min_id,
           min(CASE WHEN node NOT LIKE 'anon:%' THEN node END) AS min_known,
           bool_or(node NOT LIKE 'anon:%') AS known
    FROM _comp GROUP BY comp
)
SELECT n.node, coalesce(c.min_id, 'pc:' || left(md5(c.min_known), 16)) AS customer_key
FROM _comp n JOIN comp c USING (comp) WHERE c.known
"""
VISITORS = "SELECT count(*) FROM (SELECT comp FROM _comp GROUP BY comp HAVING bool_and(node LIKE 'anon:%'))"
# every email any record gives a customer (the record's strongest key finds the customer), whether or
# not the email was left out of linking: the CRM write-back has a row for each
CUSTOMER_EMAILS = """
CREATE OR REPLACE TABLE {customer_emails} AS
SELECT i.customer_key, substr(r.n_email, 7) AS email, bool_or(r.tbl = 'customers') AS from_customers
FROM _rec r JOIN {identity} i ON i.node = r.hub
WHERE r.n_email IS NOT NULL GROUP BY ALL ORDER BY ALL
"""
# the published email of a customer: from a customer record first, else the smallest seen
CUSTOMER_INDEX = """
CREATE OR REPLACE TABLE {customer_index} AS
WITH em AS (
    SELECT customer_key, count(*) AS n_emails,
           arg_min(email, (NOT from_customers, email)) AS email
    FROM {customer_emails} GROUP BY customer_key
),
ns AS (
    SELECT customer_key, {namespace} AS namespace, count(*) AS n
    FROM {identity} WHERE node LIKE 'id:%' GROUP BY 1, 2
),
ns_max AS (SELECT customer_key, max(n) AS n FROM ns GROUP BY 1)
SELECT k.customer_key, any_value(em.email) AS email,
       coalesce(any_value(em.n_emails), 0) AS n_emails,
       count(*) FILTER (WHERE k.node LIKE 'id:%') AS n_ids,
       count(*) FILTER (WHERE k.node LIKE 'phone:%') AS n_phones,
       count(*) FILTER (WHERE k.node LIKE 'anon:%') AS n_cookies,
       coalesce(any_value(ns_max.n), 0) AS max_ids_per_namespace
FROM {identity} k LEFT JOIN em USING (customer_key) LEFT JOIN ns_max USING (customer_key)
GROUP BY k.customer_key
"""
# records whose strongest key was left out: they belong to no one, per table
UNATTRIBUTED = """
SELECT tbl, count(*) FROM _rec WHERE hub IN (SELECT node FROM _contested) GROUP BY tbl ORDER BY tbl
"""
# each key left out, without its value: its kind, a hash, the rule, and the ids it would have joined
KEPT_APART_EXAMPLES = """
SELECT kind AS key, left(sha256(node), 12) AS key_sha256, rule, ns AS namespace, ids[1:5] AS ids
FROM _contested ORDER BY kind, key_sha256, ns LIMIT 10
"""
