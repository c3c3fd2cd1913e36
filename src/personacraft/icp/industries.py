"""Industry synonyms (declarations only): the labels CRMs give one industry, mapped to one label.

Before any comparison an industry is reduced to a key: lower case, ``&`` and the word "and"
dropped, every character but letters and digits dropped (``icp.sql.INDUSTRY_KEY``). So the
spellings of one label match without a table: HubSpot's enum code ``COMPUTER_SOFTWARE`` and its
label "Computer Software", "Information Technology and Services" and "Information Technology &
Services", "Non-Profit" and "Nonprofit". :data:`SYNONYMS` adds the different words for one
industry: LinkedIn's 2022 industry names (V2), Salesforce's standard Industry picklist where one of
its values means one HubSpot/LinkedIn (2016) label, and common short forms. Each maps to the
HubSpot label (HubSpot's company ``industry`` property uses LinkedIn's 2016 list). A label is
written once here: ``[icp] industry_synonyms`` in the config adds lines or overrides them
(docs/icp.md).

Left out on purpose, because one Salesforce value spans several labels: Technology,
Communications, Education, Electronics, Energy, Engineering, Media, Manufacturing, Shipping and
Other. Such a value stays as it is and is flagged in a lead file when the profile does not know it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

# the HubSpot / LinkedIn (2016) label -> the other names of that industry
SYNONYMS: dict[str, tuple[str, ...]] = {
    "Computer Software": ("Software", "Software Development", "SaaS", "Software as a Service", "Software Publishers"),
    "Information Technology & Services": (
        "IT Services",
        "IT Services and IT Consulting",
        "Information Technology",
        "IT",
        "IT Consulting",
    ),
    "Hospital & Health Care": ("Healthcare", "Health Care", "Hospitals and Health Care", "Hospitals"),
    "Financial Services": ("Finance", "Financial"),
    "Non-Profit Organization Management": ("Not For Profit", "Non-profit Organizations", "Nonprofit"),
    "Food & Beverages": ("Food & Beverage", "Food and Beverage Services"),
    "Government Administration": ("Government",),
    "Management Consulting": ("Consulting", "Business Consulting and Services"),
    "Apparel & Fashion": ("Apparel",),
    "Environmental Services": ("Environmental",),
    "Recreational Facilities & Services": ("Recreation", "Recreational Facilities"),
    "Transportation/Trucking/Railroad": ("Transportation", "Truck Transportation"),
    "Marketing & Advertising": ("Advertising Services", "Marketing Services", "Advertising"),
    "Internet": ("Technology, Information and Internet",),
    "Computer & Network Security": ("Cybersecurity", "Cyber Security", "Network Security"),
    "Pharmaceuticals": ("Pharmaceutical Manufacturing",),
    "Automotive": ("Motor Vehicle Manufacturing",),
    "Semiconductors": ("Semiconductor Manufacturing",),
    "E-Learning": ("E-Learning Providers",),
    "Computer Hardware": ("Computer Hardware Manufacturing",),
    "Biotechnology": ("Biotechnology Research", "Biotech"),
    "Oil & Energy": ("Oil and Gas",),
    "Telecommunications": ("Telecom", "Telecommunications Carriers"),
    "Banking": ("Banks",),
    "Insurance": ("Insurance Carriers",),
    "Staffing & Recruiting": ("Staffing",),
    "Higher Education": ("Colleges & Universities", "Universities"),
}


def synonym_arrays(extra: Mapping[str, str] | None = None) -> dict[str, np.ndarray]:
    """The table as arrays (``synonym``, ``label``, ``priority``): each label maps to itself, ``extra`` wins."""
    rows = [(label, label, 0) for label in SYNONYMS]
    rows += [(s, label, 0) for label, names in SYNONYMS.items() for s in names]
    rows += [(s, label, 1) for s, label in (extra or {}).items()]
    return {
        "synonym": np.array([r[0] for r in rows], dtype=object),
        "label": np.array([r[1] for r in rows], dtype=object),
        "priority": np.array([r[2] for r in rows], dtype=np.int64),
    }
