"""The roles of a B2B buying committee, one rule for contacts, accounts and personas.

A contact's **committee role** is one of :data:`COMMITTEE_ROLES`. It is *confirmed* when the
CRM says it (HubSpot Buying Role, Salesforce contact roles: :data:`CRM_ROLES`) and *inferred*
from the job title otherwise (:func:`title_role_sql`). A CRM role that names no specific role
(Influencer, Blocker, Other) is refined by the title when the title is technical: an IT
manager marked Influencer is a technical evaluator.

Each committee role maps onto the four persona types of the contract (:data:`PERSONA_TYPES`):
the economic buyer buys, the decision maker decides, the champion and any other influencer
influence; a technical evaluator influences, or is an end user when the evidence says they use
the product like one (:func:`personacraft.personas.types.committee_type` decides).
"""

from __future__ import annotations

COMMITTEE_ROLES = ("economic_buyer", "decision_maker", "champion", "technical_evaluator", "influencer", "end_user")
# the roles an account's buying group needs; an account with no *confirmed* contact in one of
# them misses it (accounts.csv roles_missing)
REQUIRED_ROLES = ("decision_maker", "economic_buyer", "champion", "end_user")
ROLE_LABELS = {
    "economic_buyer": "economic buyer",
    "decision_maker": "decision maker",
    "champion": "champion",
    "technical_evaluator": "technical evaluator",
    "influencer": "influencer",
    "end_user": "end user",
}
# CRM buying roles (lower case) -> committee role
CRM_ROLES: dict[str, str] = {
    "decision maker": "decision_maker",
    "economic decision maker": "decision_maker",
    "executive sponsor": "decision_maker",
    "approver": "decision_maker",
    "budget holder": "economic_buyer",
    "economic buyer": "economic_buyer",
    "buyer": "economic_buyer",
    "legal and compliance": "economic_buyer",
    "legal & compliance": "economic_buyer",
    "champion": "champion",
    "technical buyer": "technical_evaluator",
    "technical evaluator": "technical_evaluator",
    "evaluator": "technical_evaluator",
    "influencer": "influencer",
    "blocker": "influencer",
    "other": "influencer",
    "end user": "end_user",
    "business user": "end_user",
    "user": "end_user",
}
# committee role -> the contract's persona type (technical evaluators: see the module docstring)
PERSONA_TYPES = {
    "economic_buyer": "buyer",
    "decision_maker": "decision_maker",
    "champion": "influencer",
    "technical_evaluator": "influencer",
    "influencer": "influencer",
    "end_user": "end_user",
}


def crm_role_sql(column: str) -> str:
    """SQL: the committee role of a lower-case CRM buying role ``column`` (NULL when unknown)."""
    whens = " ".join(f"WHEN '{role}' THEN '{r}'" for role, r in CRM_ROLES.items())
    return f"CASE {column} {whens} END"


def title_role_sql(seniority: str, function: str, title: str) -> str:
    """SQL: the committee role a job title implies, from its ``seniority`` and ``function``
    (features/sql.py PEOPLE) and the lower-case ``title``:

    executives decide; procurement, and finance directors, hold the budget; technical people
    (below the executive level) evaluate; other managers and directors champion; individual
    contributors use the product.
    """
    return (
        f"CASE WHEN {seniority} IS NULL THEN NULL "
        f"WHEN {seniority} = 'executive' THEN 'decision_maker' "
        f"WHEN {function} = 'procurement' THEN 'economic_buyer' "
        f"WHEN {seniority} = 'director' AND regexp_matches({title}, 'financ|budget|treasur') "
        "THEN 'economic_buyer' "
        f"WHEN {function} = 'IT and engineering' THEN 'technical_evaluator' "
        f"WHEN {seniority} IN ('director', 'manager') THEN 'champion' "
        "ELSE 'end_user' END"
    )
