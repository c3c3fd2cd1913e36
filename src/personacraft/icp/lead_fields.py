"""The columns of a leads file, by name: fit attributes, people, the record id and name it keeps; values not known.

- :data:`FIT_COLUMNS` and :data:`PERSON_COLUMNS`: the names a CRM export gives each attribute;
- :func:`kept_columns`: the record id and company name columns passed through to the scores
  (HubSpot's ``Record ID`` and ``Company name``, Salesforce's ``Id`` or ``Account ID`` and
  ``Account Name``, or the columns ``--id-column`` and ``--name-column`` name);
- :func:`flag_unrecognised`: per lead, the fields whose values the profile did not know
  (``unrecognised``, the field names ``;``-separated, and ``unrecognised_values``, ``field = value``);
- :func:`tiers`: the fit tier (A to D) of a score, against the best rate the profile was learned on.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from personacraft.errors import InputFormatError
from personacraft.icp import sql as icp_sql
from personacraft.sources.columns import lit, q
from personacraft.sources.reading.names import find_column
from personacraft.store import Run

# each fit attribute and the column names a leads file may give it, most specific first
FIT_COLUMNS: dict[str, tuple[str, ...]] = {
    "Industry": ("Industry", "Company industry", "Account industry"),
    "Company size": (
        "Number of Employees",
        "NumberOfEmployees",
        "employees",
        "Employee count",
        "Company size",
        "Headcount",
        "size",
    ),
    "Country": ("Country/Region", "Country", "Company country", "BillingCountry", "Billing country"),
    "Region": ("State/Region", "Region", "State"),
    "Gender": ("Gender",),
    "Age": ("Age",),
}
PERSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "buying_role": ("Buying Role", "buying_role", "Contact role", "Role"),
    "job_title": ("Job Title", "job_title", "JobTitle", "Title"),
}
# the attributes each person column gives (seniority and job function come from the title)
PERSON_FEATURES = {"buying_role": ("Buying role",), "job_title": ("Seniority", "Job function")}
# the output's lead_id: the first of these the file has, else the row number
ID_COLUMNS = (
    "lead_id",
    "Record ID",
    "id",
    "customer_id",
    "account_id",
    "Email",
    "Company Domain Name",
    "domain",
    "Company name",
    "Company",
    "Name",
)
# the CRM record id and company name, kept under their own names (HubSpot first, then Salesforce, then generic)
RECORD_ID_COLUMNS = (
    "Record ID",
    "hs_object_id",
    "Account ID",
    "AccountId",
    "Id",
    "Company ID",
    "company_id",
    "account_id",
    "record_id",
)
NAME_COLUMNS = (
    "Company name",
    "Account Name",
    "company_name",
    "account_name",
    "Company",
    "Account",
    "Organization",
    "Organisation",
    "Name",
)
TIERS = ("A", "B", "C", "D")


def first(header: Sequence[str], names: Sequence[str]) -> str | None:
    """The header's spelling of the first of ``names`` it has (any case)."""
    return next((c for n in names if (c := find_column(list(header), n))), None)


def kept_columns(
    path: Path, header: list[str], id_column: str | None, name_column: str | None, taken: Sequence[str]
) -> list[str]:
    """The record id and name columns to pass through: those named (refused when absent), else found by name.

    ``taken``: the output's own column names, which a kept column may not shadow.
    """
    out: list[str] = []
    for flag, given, names in (
        ("--id-column", id_column, RECORD_ID_COLUMNS),
        ("--name-column", name_column, NAME_COLUMNS),
    ):
        if given is not None:
            col = find_column(header, given) if given.strip() else None
            if col is None:
                raise InputFormatError(
                    path,
                    f"is not a column of the file (given by {flag})",
                    value=given,
                    hint=f"its columns: {', '.join(header[:20])}{' …' if len(header) > 20 else ''}",
                )
        else:
            col = first(header, names)
        if col and col not in out and col not in taken:
            out.append(col)
    return out


def flag_unrecognised(run: Run, columns: dict[str, str]) -> None:
    """``_icp_lead_unrecognised`` (_row, unrecognised, unrecognised_values) from ``_icp_lead_known``.

    ``columns``: each attribute the profile scores and the file's column for it. A lead's field is
    unrecognised when it holds a value and one of the attribute values read from it is not a value
    of the profile (or none could be read, like "lots" employees).
    """
    if not columns:
        run.execute(icp_sql.NO_UNRECOGNISED)
        return
    fields = list(dict.fromkeys(columns.values()))
    raw = " UNION ALL ".join(
        f"SELECT _row, {lit(f)} AS feature, {lit(c)} AS field, {fields.index(c)} AS k, trim(CAST({q(c)} AS VARCHAR)) "
        f"AS raw FROM _icp_leads WHERE nullif(trim(CAST({q(c)} AS VARCHAR)), '') IS NOT NULL"
        for f, c in columns.items()
    )
    run.execute(icp_sql.UNRECOGNISED.format(raw=raw))


def tiers(fit: np.ndarray, best_rate: float) -> np.ndarray:
    """A: twice the best rate or halfway from it to 100 %, whichever is lower; B: the best rate; C: half; D: below."""
    b = 100 * float(best_rate)
    cuts = (min(2 * b, (100 + b) / 2), b, b / 2)
    return np.select([fit >= cuts[0], fit >= cuts[1], fit >= cuts[2]], list(TIERS[:3]), TIERS[3]).astype(object)
