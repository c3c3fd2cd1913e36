"""Texts by their purpose, as persona fields: objections from lost deals, sentiment labelled by its source.

- ``objections`` (when the sources hold closed deals): what the persona's accounts' lost deals
  give as their reason (:mod:`personacraft.text.objections`), most common first, each with n,
  the persona's lost deals with a reason, share, lift and quotes of the reasons; null with a
  reason in ``missing`` when there is none to show. Support tickets and chats never feed it.
- ``sentiment``: the persona's mean sentiment per kind of text, each labelled by its source
  ("support-chat sentiment", "NPS-survey sentiment"), against everyone's, from the minimum group
  of writers (:mod:`personacraft.text.sentiment`).
"""

from __future__ import annotations

from typing import Any

from personacraft.text.sentiment import SUPPORT_KINDS
from personacraft.text.voice import Voice

OBJECTIONS_METHOD = (
    "lost-deal reasons (HubSpot Closed Lost Reason, a Salesforce loss-reason field, or a column mapped to "
    "lost_reason), redacted and themed; the persona's lost deals are those of its members' accounts or with "
    "its members on them; share of those with a readable reason; published from the minimum group size"
)
SENTIMENT_METHOD = (
    "mean text sentiment (-1 to +1) of the persona's texts of one source kind: by rating on that kind's "
    "own scale, else by words (support tickets and chats by words only); n counts the writers"
)


def text_kinds(item: dict[str, Any]) -> list[str]:
    """The kinds of text a pain or need theme comes from (``kinds``, else read from its ``source`` line)."""
    kinds = item.get("kinds")
    if kinds is None:  # a file written before themes listed their kinds
        kinds = [k.strip() for k in str(item.get("source", "")).removeprefix("texts:").split(",") if k.strip()]
    return [str(k) for k in kinds]


def support_only(item: dict[str, Any]) -> bool:
    """Whether a pain or need theme comes only from support tickets and chats."""
    kinds = text_kinds(item)
    return bool(kinds) and all(k in SUPPORT_KINDS for k in kinds)


def purpose_fields(voice: Voice, p: int) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, str]]:
    """Persona ``p``'s ``objections`` (B2B) and ``sentiment`` fields, their evidence and what is missing."""
    fields: dict[str, Any] = {}
    evidence: list[dict[str, Any]] = []
    missing: dict[str, str] = {}
    if voice.deals:
        items = voice.objections.get(p)
        fields["objections"] = items or None
        if items:
            evidence.append(
                {
                    "field": "objections",
                    "claim": "Objections are the reasons recorded on the lost deals of this persona's accounts.",
                    "method": OBJECTIONS_METHOD,
                    "facts": [{k: v for k, v in x.items() if k != "quotes"} for x in items],
                }
            )
        else:
            missing["objections"] = voice.no_objections.get(p) or "no lost-deal reason reaches the minimum group size"
    if voice.wrote:
        items = voice.sentiment.get(p)
        fields["sentiment"] = items or None
        if items:
            evidence.append(
                {
                    "field": "sentiment",
                    "claim": "; ".join(f"{x['source']} {x['sentiment']:+.2f} (n = {x['n']:,})" for x in items) + ".",
                    "method": SENTIMENT_METHOD,
                    "facts": items,
                }
            )
        else:
            missing["sentiment"] = "too few of this persona's customers wrote a text of any one kind"
    return fields, evidence, missing
