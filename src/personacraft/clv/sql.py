"""The SQL text of the CLV entry point (declarations only): the last purchase, the rejects, the CSV writes.

The per-customer summary the models read is ``RFM_SUMMARY`` in :mod:`personacraft.features.sql`.
"""

# the day the calibration ends by default: the newest purchase
LAST_PURCHASE = "SELECT max(ordered_at) FROM {purchases}"

# the rows that could not be read, in file order
REJECTS = "SELECT * FROM {rejects} ORDER BY _line"

# ``personacraft clv --out``: one row per customer, and the rejects beside it
WRITE_PREDICTIONS = "COPY {table} TO {path} (HEADER, DELIMITER ',')"
WRITE_REJECTS = "COPY (SELECT * FROM {table} ORDER BY _line) TO {path} (HEADER)"
