"""The SQL text of the churn table reader and writer (declarations only): templates over ``raw``, one row per customer.

``raw`` holds the input as text, one VARCHAR column per column (:mod:`personacraft.clv.transactions`).
"""

# a cell as a value: blank is missing
CELL = "nullif(trim({column}), '')"

# whether every non-blank value of a column reads as a number (one expression per column)
ALL_NUMBERS = "count({cell}) = count(TRY_CAST({cell} AS DOUBLE))"
AS_NUMBER = "TRY_CAST({cell} AS DOUBLE)"

# the label, the features (``{select}``: a cell or a number per feature, as c0, c1, …) and the ids
LABEL = "SELECT {cell} AS y FROM raw"
NUMERIC_COLUMNS = "SELECT {checks} FROM raw"
FEATURES = "SELECT {select} FROM raw"
IDS = "SELECT {column} AS id FROM raw"

# ``personacraft churn --out``: each customer's id, label and out-of-fold churn probability
WRITE_CUSTOMERS = "COPY (SELECT * FROM {table}) TO {path} (HEADER, DELIMITER ',')"
