"""Reading files into a run, below the connectors: it knows files and runs, never a Source.

Every cell is read as text by DuckDB first; rows with the wrong shape are rejects with the
line DuckDB reports. Typed columns are then parsed in SQL (:class:`~personacraft.sources.columns.Col`),
and rows whose value does not parse are rejects naming line, column and value. Nothing loops over
rows in Python. Line numbers count records the way a spreadsheet shows them (header = 1).
A connector is handed a :class:`~personacraft.sources.reading.files.FileLoad` per file and passes it on.
"""
