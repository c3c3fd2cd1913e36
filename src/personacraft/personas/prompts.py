"""What each export unlocks: the prompt a card shows instead of "unknown" when a source is missing.

A field with no data keeps its key in a ``missing`` dict (other code reads the keys). When the
field is empty because a *kind of source* is absent from the build, its message is the one
prompt of that source (:data:`SOURCES`), the same text for every field it would fill, so a
card can show one prompt per missing source instead of a row of "unknown". When the source
is there but the evidence is too thin, the message stays the reason.

:data:`FIELDS` says which source fills which field; README.md ("What each export unlocks")
and docs/personas.md show the same table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Source:
    """A kind of export: the config kinds that give it, what to ask for, and what it unlocks."""

    kinds: tuple[str, ...]
    export: str
    unlocks: str

    @property
    def prompt(self) -> str:
        return f"Add {self.export} to learn {self.unlocks}."


SOURCES: dict[str, Source] = {
    "orders": Source(
        ("shopify_orders", "stripe_charges", "csv"),
        "an orders export (Shopify, Stripe or any CSV)",
        "what they buy, when and for how much",
    ),
    "texts": Source(
        ("reviews", "zendesk_tickets", "intercom_conversations", "interviews"),
        "a reviews or support-ticket export (Judge.me, Zendesk, Intercom) or interview notes",
        "their pains, needs and own words",
    ),
    "survey": Source(
        ("typeform", "google_forms"),
        "a survey export (Typeform, Google Forms)",
        "their goals, age and income",
    ),
    "analytics": Source(
        ("ga4_bigquery", "segment_events"),
        "web analytics (GA4, Segment)",
        "where they come from, their device and where they drop off",
    ),
    "billing": Source(
        ("stripe_subscriptions",),
        "a subscriptions export (Stripe)",
        "their plan, what they pay each month and their churn risk",
    ),
    "crm": Source(
        (
            "hubspot_contacts",
            "hubspot_companies",
            "hubspot_deals",
            "salesforce_contacts",
            "salesforce_accounts",
            "salesforce_opportunities",
            "salesforce_contact_roles",
        ),
        "CRM contacts and deals (HubSpot, Salesforce)",
        "their job, their role in buying and what wins deals",
    ),
}

# (block, field) -> the kinds of source that fill it, the best first; an empty field is prompted
# for (with the first one's prompt) when none of them is present, else its message stays the
# reason the sources gave too little
FIELDS: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("persona", "goals"): "survey",
    ("persona", "needs"): "texts",
    ("persona", "pain_points"): "texts",
    ("persona", "channels"): "analytics",
    ("story", "age"): "survey",
    ("story", "occupation"): "crm",
    ("story", "income"): "survey",
    ("story", "goals"): "survey",
    ("story", "values"): "texts",
    ("story", "pains"): "texts",
    ("story", "quote"): "texts",
    ("story", "objections"): "texts",
    ("story", "channels"): "analytics",
    ("story", "typical_day"): ("orders", "analytics"),
    ("story", "content"): ("orders", "analytics"),
    ("story", "triggers"): ("orders", "analytics", "crm"),
    ("recommendations", "messaging"): "texts",
    ("recommendations", "channels"): "analytics",
    ("recommendations", "sales"): "crm",
    ("recommendations", "product"): "texts",
    ("recommendations", "retention"): ("orders", "billing"),
}

# where a profile cell comes from (segment.profile's ``source``) -> the kind of source
CELL_SOURCES = {"orders": "orders", "survey": "survey", "events": "analytics", "crm": "crm", "billing": "billing"}


def present(cells: Iterable[Mapping[str, Any]], wrote: bool) -> frozenset[str]:
    """The kinds of source the build had: from the profile cells' sources, and whether anyone wrote a text."""
    found = {CELL_SOURCES[str(c.get("source"))] for c in cells if str(c.get("source")) in CELL_SOURCES}
    if wrote:
        found.add("texts")
    return frozenset(found)


def prompt_for(block: str, field: str, have: frozenset[str]) -> str | None:
    """The prompt for ``block.field`` when no source that fills it is present, else None."""
    wanted = FIELDS.get((block, field))
    kinds = (wanted,) if isinstance(wanted, str) else wanted or ()
    return SOURCES[kinds[0]].prompt if kinds and not set(kinds) & have else None


def prompted(block: str, missing: Mapping[str, str], have: frozenset[str]) -> dict[str, str]:
    """``missing`` with each reason that comes from an absent source replaced by that source's prompt."""
    return {k: prompt_for(block, k, have) or v for k, v in missing.items()}
