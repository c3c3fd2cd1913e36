"""The SQL text of the ICP's learning data and card (declarations only): templates over its temp tables.

The outcomes and attributes of the units are ``ICP_*`` in :mod:`personacraft.features.sql`;
these number the units and their attribute values, and profile the best ones.
"""

# units left out of the learning (e.g. to test on them)
EXCLUDE_UNITS = "DELETE FROM _icp_outcomes WHERE unit IN (SELECT unit FROM {excluded})"

# each unit numbered (i), its values, and the values at least ``?`` (min_n) units have, numbered (j)
UNITS = (
    "CREATE OR REPLACE TEMP TABLE _icp_units AS SELECT *, row_number() OVER (ORDER BY unit) - 1 AS i FROM _icp_outcomes"
)
CELLS = """CREATE OR REPLACE TEMP TABLE _icp_cells AS
           SELECT DISTINCT u.i, a.feature, a.value FROM _icp_attributes a JOIN _icp_units u USING (unit)
           WHERE a.value IS NOT NULL"""
COLUMNS = """CREATE OR REPLACE TEMP TABLE _icp_columns AS
           SELECT feature, value, row_number() OVER (ORDER BY feature, value) - 1 AS j
           FROM _icp_cells GROUP BY feature, value HAVING count(*) >= ?"""

# read back as arrays: the outcomes, the columns, the cells of the 0/1 matrix, the multi-valued features
UNIT_OUTCOMES = "SELECT unit, best, won, churned FROM _icp_units ORDER BY i"
COLUMN_VALUES = "SELECT feature, value FROM _icp_columns ORDER BY j"
MATRIX_CELLS = "SELECT c.i, k.j FROM _icp_cells c JOIN _icp_columns k USING (feature, value)"
MULTI_VALUED = "SELECT DISTINCT feature FROM (SELECT i, feature FROM _icp_cells GROUP BY ALL HAVING count(*) > 1)"

# the card's "who": the best units' attribute values against every unit's, as profile cells
BEST_ATTRIBUTES = (
    "CREATE OR REPLACE TEMP VIEW _icp_best_attrs AS SELECT unit AS customer_key, feature, value, "
    "'crm' AS source FROM _icp_attributes WHERE unit IN (SELECT unit FROM _icp_units)"
)
BEST_LABELS = (
    "CREATE OR REPLACE TEMP VIEW _icp_best_labels AS SELECT unit AS customer_key, best::INT AS persona FROM _icp_units"
)

# the card's "why" and "where": the people of each unit (accounts: its contacts), 1 where the unit was chosen
ACCOUNT_PEOPLE = (
    "SELECT DISTINCT p.customer_key, p.account_id AS unit FROM {people} p "
    "WHERE p.account_id IN (SELECT unit FROM _icp_units)"
)
CUSTOMER_PEOPLE = "SELECT unit AS customer_key, unit FROM _icp_units"
PEOPLE = (
    "CREATE OR REPLACE TEMP TABLE _icp_people AS SELECT customer_key, "
    "(unit IN (SELECT unit FROM {chosen}))::INT AS persona FROM ({who})"
)

# -- industry synonyms (personacraft.icp.industries) ---------------------------------------------
# An industry's key: lower case, without "&", the word "and" and anything but letters and digits, so
# "COMPUTER_SOFTWARE" and "Computer Software", "IT & Services" and "IT and services" are one key.
INDUSTRY_KEY = r"regexp_replace(regexp_replace(lower(trim({e})), '\band\b|&', '', 'g'), '[^a-z0-9]', '', 'g')"
# the synonym table ({synonyms}: synonym, label, priority) by key; the config's lines (priority 1) win
INDUSTRY_SYNONYMS = """CREATE OR REPLACE TEMP TABLE _icp_industry_synonyms AS
SELECT key, first(label ORDER BY priority DESC, label) AS label
FROM (SELECT {key} AS key, label, priority FROM {synonyms}) GROUP BY key"""
# ``{table}`` (feature, value, …) with every industry under its table label ({key}: INDUSTRY_KEY of t.value)
CANONICAL_INDUSTRY = """CREATE OR REPLACE TEMP TABLE {out} AS
SELECT t.* REPLACE (coalesce(s.label, t.value) AS value) FROM {table} t
LEFT JOIN _icp_industry_synonyms s ON t.feature = 'Industry' AND s.key = {key}"""
# how many units have any value of each feature (a rare value counts too)
UNITS_WITH_FEATURE = "SELECT feature, count(DISTINCT i) AS n FROM _icp_cells GROUP BY feature ORDER BY feature"

# -- a leads file (personacraft.icp.leads) -------------------------------------------------------
# each lead attribute value (_icp_lead_attrs: _row, feature, value) and the profile's column it is
# ({columns}: feature, value, j; -1 for a value it knows but ignores, NULL when it does not know it),
# matched on INDUSTRY_KEY ({a}, {m})
LEAD_KNOWN = """CREATE OR REPLACE TEMP TABLE _icp_lead_known AS
SELECT DISTINCT a._row, a.feature, a.value, m.j, m.value AS model_value
FROM _icp_lead_attrs a LEFT JOIN {columns} m ON a.feature = m.feature AND {a} = {m}"""
# the fields of a lead (raw: _row, feature, field, k, raw) whose value was not read into a known value
UNRECOGNISED = """CREATE OR REPLACE TEMP TABLE _icp_lead_unrecognised AS
WITH raw AS (SELECT * FROM ({raw})),
bad AS (
    SELECT DISTINCT r._row, r.field, r.k, r.raw FROM raw r
    WHERE NOT EXISTS (SELECT 1 FROM _icp_lead_known n WHERE n._row = r._row AND n.feature = r.feature)
       OR EXISTS (SELECT 1 FROM _icp_lead_known n WHERE n._row = r._row AND n.feature = r.feature AND n.j IS NULL)
)
SELECT _row, string_agg(field, ';' ORDER BY k) AS unrecognised,
       string_agg(field || ' = ' || raw, '; ' ORDER BY k) AS unrecognised_values
FROM bad GROUP BY _row"""
NO_UNRECOGNISED = (
    "CREATE OR REPLACE TEMP TABLE _icp_lead_unrecognised AS SELECT NULL::BIGINT AS _row, "
    "NULL::VARCHAR AS unrecognised, NULL::VARCHAR AS unrecognised_values WHERE false"
)
