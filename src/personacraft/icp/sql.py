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
