"""HubSpot CRM exports (CRM → Contacts/Companies/Deals → Export, CSV).

HubSpot writes every value quoted, numbers as floats ("468.0"), datetimes as
``YYYY-MM-DD HH:MM`` in the account's time zone, display labels (``Lead``, ``Closed Won``)
and associations as ``;``-joined ids. Headers were renamed over the years (``Contact ID`` →
``Record ID``, ``Original Source`` → ``Original Traffic Source``) and exports made
through the API use internal property names (``email``, ``hs_buying_role``); all are read.
"""

from __future__ import annotations

from typing import ClassVar

from personacraft.sources.base import Source, register
from personacraft.sources.columns import ANY_DATE, Col, domain_sql
from personacraft.sources.reading.delimited import read_csv
from personacraft.sources.reading.files import FileLoad
from personacraft.sources.reading.stage import insert, reject_where
from personacraft.store import Run

TS = Col("timestamp", formats=("%Y-%m-%d %H:%M", *ANY_DATE), example="2025-02-28 13:05")
ID = "regexp_replace(trim({c}), '[.]0$', '')"  # "418695870174.0" from a spreadsheet re-save


def hs_id(col: str) -> str:
    """``hubspot:<id>`` from a column holding an id (NULL when empty)."""
    return f"'hubspot:' || {ID.format(c=col)}"


def first_id(col: str) -> str:
    """The first of ``;``-joined association ids, as ``hubspot:<id>``."""
    return (
        f"CASE WHEN nullif(trim({col}), '') IS NOT NULL THEN {hs_id(f'split_part({col}, {chr(39)};{chr(39)}, 1)')} END"
    )


@register
class HubSpotContacts(Source):
    """Contacts: people, their role in buying, their lifecycle stage and where they came from."""

    kind = "hubspot_contacts"
    tables = ("customers",)
    description = "HubSpot contacts export."

    SPECS: ClassVar[dict[str, Col]] = {
        "Record ID": Col(required=True),
        "Email": Col(),
        "First Name": Col(),
        "Last Name": Col(),
        "Phone Number": Col(),
        "Job Title": Col(),
        "Company Name": Col(),
        "Lifecycle Stage": Col(),
        "Original Source": Col(),
        "Original Source Drill-Down 1": Col(),
        "Buying Role": Col(),
        "Associated Company IDs (Primary)": Col(),
        "Associated Company IDs": Col(),
        "Country/Region": Col(),
        "City": Col(),
        "State/Region": Col(),
        "Create Date": TS,
    }
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {
        "Record ID": ("Contact ID", "hs_object_id", "vid"),
        "Email": ("email",),
        "First Name": ("firstname",),
        "Last Name": ("lastname",),
        "Phone Number": ("phone",),
        "Job Title": ("jobtitle",),
        "Company Name": ("company",),
        "Lifecycle Stage": ("lifecyclestage",),
        "Original Source": ("Original Traffic Source", "hs_analytics_source"),
        "Original Source Drill-Down 1": ("Original Traffic Source Drill-Down 1", "hs_analytics_source_data_1"),
        "Buying Role": ("hs_buying_role",),
        "Associated Company IDs (Primary)": ("Primary Associated Company ID", "associatedcompanyid"),
        "Associated Company IDs": ("Associated Company ID", "Company ID"),
        "Country/Region": ("Country", "country"),
        "City": ("city",),
        "State/Region": ("State", "state"),
        "Create Date": ("createdate", "Created Date"),
    }

    def load_file(self, run: Run, file: FileLoad) -> None:
        read_csv(run, file, self.SPECS, stage="_stage", aliases=self.ALIASES)
        company = (
            "coalesce("
            + first_id('"Associated Company IDs (Primary)"')
            + ", "
            + first_id('"Associated Company IDs"')
            + ")"
        )
        insert(
            run,
            file,
            "customers",
            {
                "customer_id": hs_id('"Record ID"'),
                "email": '"Email"',
                "phone": '"Phone Number"',
                "first_name": '"First Name"',
                "last_name": '"Last Name"',
                "job_title": '"Job Title"',
                "company": '"Company Name"',
                "account_id": company,
                "city": '"City"',
                "region": '"State/Region"',
                "country": '"Country/Region"',
                "created_at": '"Create Date"',
                "lifecycle_stage": 'lower("Lifecycle Stage")',
                "acquisition_source": '"Original Source"',
                "acquisition_medium": '"Original Source Drill-Down 1"',
                # a multi-checkbox: several roles joined with ';'
                "buying_role": "replace(\"Buying Role\", ';', '; ')",
            },
            "_stage",
        )


@register
class HubSpotCompanies(Source):
    """Companies: the accounts contacts belong to, with firmographics."""

    kind = "hubspot_companies"
    tables = ("accounts",)
    description = "HubSpot companies export."

    SPECS: ClassVar[dict[str, Col]] = {
        "Record ID": Col(required=True),
        "Company name": Col(),
        "Company Domain Name": Col(),
        "Industry": Col(),
        "Number of Employees": Col("int", example="250"),
        "Annual Revenue": Col("money", example="1000000.0"),
        "Country/Region": Col(),
        "Create Date": TS,
    }
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {
        "Record ID": ("Company ID", "hs_object_id"),
        "Company name": ("Name", "name"),
        "Company Domain Name": ("domain", "Website URL"),
        "Industry": ("industry",),
        "Number of Employees": ("numberofemployees",),
        "Annual Revenue": ("annualrevenue",),
        "Country/Region": ("Country", "country"),
        "Create Date": ("createdate",),
    }

    def load_file(self, run: Run, file: FileLoad) -> None:
        read_csv(run, file, self.SPECS, stage="_stage", aliases=self.ALIASES)
        insert(
            run,
            file,
            "accounts",
            {
                "account_id": hs_id('"Record ID"'),
                "name": '"Company name"',
                "domain": domain_sql('"Company Domain Name"'),
                "industry": '"Industry"',
                "employees": '"Number of Employees"',
                "annual_revenue": '"Annual Revenue"',
                "country": '"Country/Region"',
                "created_at": '"Create Date"',
            },
            "_stage",
        )


@register
class HubSpotDeals(Source):
    """Deals: what each account bought or was offered, who was on it, and why it was won or lost.

    ``Closed Lost Reason`` / ``Closed Won Reason`` (internal ``closed_lost_reason`` /
    ``closed_won_reason``) are HubSpot's default deal properties for the reason a rep records
    on closing; they feed ``lost_reason`` / ``won_reason`` as written.
    """

    kind = "hubspot_deals"
    tables = ("deals", "deal_contacts")
    description = "HubSpot deals export, with associated company and contacts."

    SPECS: ClassVar[dict[str, Col]] = {
        "Record ID": Col(required=True),
        "Deal Name": Col(),
        "Deal Stage": Col(present=True),
        "Amount": Col("money", example="25000.0"),
        "Create Date": TS,
        "Close Date": TS,
        "Is Closed Won": Col("bool", example="true"),
        "Associated Company IDs (Primary)": Col(),
        "Associated Company IDs": Col(),
        "Associated Contact IDs": Col(),
        "Closed Lost Reason": Col(),
        "Closed Won Reason": Col(),
    }
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {
        "Record ID": ("Deal ID", "hs_object_id"),
        "Deal Name": ("dealname",),
        "Deal Stage": ("dealstage", "Stage"),
        "Amount": ("amount",),
        "Create Date": ("createdate",),
        "Close Date": ("closedate",),
        "Is Closed Won": ("hs_is_closed_won",),
        "Associated Company IDs (Primary)": ("Primary Associated Company ID",),
        "Associated Company IDs": ("Associated Company ID", "Company ID"),
        "Associated Contact IDs": ("Associated Contact ID", "Contact IDs"),
        "Closed Lost Reason": ("closed_lost_reason",),
        "Closed Won Reason": ("closed_won_reason",),
    }

    def load_file(self, run: Run, file: FileLoad) -> None:
        read_csv(run, file, self.SPECS, stage="_stage", aliases=self.ALIASES)
        reject_where(
            run,
            file,
            "_stage",
            '"Deal Stage" IS NULL',
            "Deal Stage",
            "NULL",
            "'is empty; a deal needs its stage'",
        )
        stage = 'lower("Deal Stage")'
        won = f"coalesce(\"Is Closed Won\", {stage} IN ('closed won', 'closedwon'))"
        closed = f"({won} OR {stage} IN ('closed lost', 'closedlost'))"
        insert(
            run,
            file,
            "deals",
            {
                "deal_id": hs_id('"Record ID"'),
                "account_id": "coalesce("
                + first_id('"Associated Company IDs (Primary)"')
                + ", "
                + first_id('"Associated Company IDs"')
                + ")",
                "amount": '"Amount"',
                "stage": '"Deal Stage"',
                "created_at": '"Create Date"',
                "closed_at": f'CASE WHEN {closed} THEN "Close Date" END',
                "won": f"CASE WHEN {closed} THEN {won} END",
                "lost_reason": '"Closed Lost Reason"',
                "won_reason": '"Closed Won Reason"',
            },
            "_stage",
        )
        insert(
            run,
            file,
            "deal_contacts",
            {"deal_id": hs_id("rid"), "customer_id": hs_id("cid"), "role": "NULL"},
            '(SELECT * FROM (SELECT _line, "Record ID" AS rid, '
            "trim(unnest(string_split(\"Associated Contact IDs\", ';'))) AS cid FROM _stage) WHERE cid <> '')",
        )
