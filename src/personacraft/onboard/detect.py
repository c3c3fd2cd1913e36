"""Which built-in kind a file is: its header against each kind's known columns, and a sample of its values.

Each kind gets a score: every header column the kind reads by name counts, weighted by how few
kinds know it (``Record ID`` says less than ``Lineitem quantity``), and each value check that
holds (Shopify order names like ``#1001``, Stripe ids ``ch_``/``sub_``/``cus_``, GA4's nested
``event_params``, Segment's call types …) counts more. The confidence in [0, 1] grows with the
best score and shrinks with the runner-up's; the evidence lists what matched.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import duckdb

from personacraft.onboard.files import Candidate
from personacraft.sources import REGISTRY
from personacraft.sources.columns import lit, q

GENERIC = ("csv", "parquet", "jsonl")
# value checks: kind -> [(column names it may be under, lower case), regex most sample values match, what it says]
VALUE_CHECKS: dict[str, list[tuple[tuple[str, ...], str, str]]] = {
    "shopify_orders": [
        (("name",), r"^#?[A-Z]{0,4}[0-9]{3,}$", "order names like #1001"),
        (
            ("financial status",),
            r"^(paid|pending|refunded|partially_refunded|authorized|voided)$",
            "Shopify financial statuses",
        ),
    ],
    "shopify_customers": [
        (("customer id",), r"^'?[0-9]{6,}$", "Shopify customer ids"),
        (("accepts email marketing", "accepts marketing"), r"^(yes|no)$", "yes/no marketing consent"),
    ],
    "stripe_charges": [
        (("id",), r"^(ch|py|pi|in)_[A-Za-z0-9]+$", "charge ids ch_/py_/pi_"),
        (("customer id", "customer"), r"^cus_[A-Za-z0-9]+$", "customer ids cus_"),
    ],
    "stripe_subscriptions": [
        (("id",), r"^sub_[A-Za-z0-9]+$", "subscription ids sub_"),
        (("customer id", "customer"), r"^cus_[A-Za-z0-9]+$", "customer ids cus_"),
    ],
    "hubspot_contacts": [(("record id", "contact id"), r"^[0-9]{5,}$", "numeric HubSpot record ids")],
    "hubspot_companies": [(("record id", "company id"), r"^[0-9]{5,}$", "numeric HubSpot record ids")],
    "hubspot_deals": [(("record id", "deal id"), r"^[0-9]{5,}$", "numeric HubSpot record ids")],
    "salesforce_contacts": [(("id", "contact id"), r"^003[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$", "Contact ids 003…")],
    "salesforce_accounts": [(("id", "account id"), r"^001[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$", "Account ids 001…")],
    "salesforce_opportunities": [
        (("id", "opportunity id"), r"^006[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$", "Opportunity ids 006…")
    ],
    "salesforce_contact_roles": [
        (("opportunityid", "opportunity id"), r"^006[A-Za-z0-9]{12}", "Opportunity ids 006…"),
        (("contactid", "contact id"), r"^003[A-Za-z0-9]{12}", "Contact ids 003…"),
    ],
    "google_forms": [
        (
            ("timestamp",),
            r"^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{1,2}:[0-9]{2}:[0-9]{2}( [AP]M)?",
            "Google Forms timestamps",
        )
    ],
    "typeform": [(("#",), r"^[a-z0-9]{20,40}$", "Typeform response tokens")],
    "reviews": [
        (("rating", "review_rating", "review stars", "star rating", "score"), r"^[1-5](\.0)?$", "1-5 star ratings")
    ],
    # JSON kinds: the flattened key paths
    "ga4_bigquery": [
        (("event_params",), r'^\[\{"key"', "nested event_params [{key, value}]"),
        (("event_timestamp",), r"^[0-9]{16}$", "event timestamps in microseconds"),
    ],
    "segment_events": [
        (("type",), r"^(track|identify|page|screen|group|alias)$", "Segment call types"),
        (("messageId",), r".+", "messageId on every call"),
    ],
    "intercom_conversations": [(("type",), r"^conversation$", 'type = "conversation"')],
    "zendesk_tickets": [(("requester_id",), r"^[0-9]+$", "numeric requester ids")],
}
# JSON kinds read no header by name: the key paths that give them away
JSON_KEYS: dict[str, tuple[str, ...]] = {
    "ga4_bigquery": ("event_name", "event_params", "user_pseudo_id", "event_timestamp", "event_date", "traffic_source"),
    "segment_events": ("type", "anonymousId", "userId", "messageId", "event", "traits", "context", "timestamp"),
    "intercom_conversations": ("conversation_rating", "source.body", "source.author.email", "contacts", "state"),
    "zendesk_tickets": ("requester_id", "subject", "description", "satisfaction_rating", "via", "requester.email"),
}
ACCEPT = 0.75  # at least this confident: written as it is; below: marked CHECK


@dataclass
class Guess:
    """A kind for a candidate, how sure, and why."""

    kind: str
    confidence: float
    evidence: list[str] = field(default_factory=list)
    alternatives: list[tuple[str, float]] = field(default_factory=list)

    @property
    def generic(self) -> bool:
        return self.kind in GENERIC


def _known(json: bool) -> dict[str, frozenset[str]]:
    """The names each kind reads: header columns for delimited files, key paths for JSON lines."""
    if json:
        return {kind: frozenset(k.lower() for k in keys) for kind, keys in JSON_KEYS.items()}
    return {k: cls.known_columns() for k, cls in REGISTRY.items() if k not in GENERIC and cls.known_columns()}


def _readable(kind: str, header: set[str]) -> bool:
    """Whether a header holds every column kind ``kind`` requires (by its name or an alias)."""
    cls = REGISTRY[kind]
    if kind == "reviews":  # reviews find their columns by role; without a text column there is nothing to read
        from personacraft.sources.reviews import ROLES

        return any(n.lower() in header for n in ROLES["body"])
    if kind == "social":  # the same for social comments: a text column, or it is no choice
        from personacraft.sources.social import ROLES as SOCIAL

        return any(n in header for n in SOCIAL["text"])
    specs = getattr(cls, "CSV_SPECS", None) or getattr(cls, "SPECS", {}) or {}
    aliases = getattr(cls, "CSV_ALIASES", None) or getattr(cls, "ALIASES", {}) or {}
    for name, col in specs.items():
        if "@" in name or not (getattr(col, "required", False) or getattr(col, "present", False)):
            continue
        if not {name.lower(), *(a.lower() for a in aliases.get(name, ()))} & header:
            return False
    return True


def _check_column(cand: Candidate, header: dict[str, str], names: tuple[str, ...]) -> str | None:
    """The candidate's column a value check looks at: the first of ``names`` it has (any case)."""
    col = next((header[n] for n in names if n in header and header[n] in cand.columns), None)
    return col if col is not None else next((c for c in cand.columns if c.lower() in names), None)


def _value_shares(
    con: duckdb.DuckDBPyConnection, cand: Candidate, header: dict[str, str]
) -> dict[tuple[str, str], float]:
    """The share of sample values matching each value check whose column the candidate has, in one query."""
    checks = sorted(
        {
            (col, pattern)
            for rules in VALUE_CHECKS.values()
            for names, pattern, _ in rules
            if (col := _check_column(cand, header, names)) is not None
        }
    )
    if not checks:
        return {}
    exprs = []
    for col, pattern in checks:
        v = f"nullif(trim({q(col)}), '')"
        exprs.append(f"count(*) FILTER (WHERE regexp_matches({v}, {lit(pattern)})) / greatest(count({v}), 1)")
    row = con.execute(f"SELECT {', '.join(exprs)} FROM {cand.sample}").fetchone()
    return {check: float(share) for check, share in zip(checks, row or (), strict=False)}


def detect(con: duckdb.DuckDBPyConnection, cand: Candidate) -> Guess:
    """The kind of one candidate (a generic kind when no built-in one explains it)."""
    generic = cand.format if cand.format in GENERIC else "csv"
    known = _known(cand.format == "jsonl")
    header = {c.strip().lower(): c for c in cand.columns}
    if cand.format == "jsonl":
        header.update({c.split(".", 1)[0].lower(): c.split(".", 1)[0] for c in cand.columns})
    if cand.format != "jsonl":  # a kind missing a column it needs could not read the file: it is no choice,
        known = {k: cols for k, cols in known.items() if _readable(k, set(header))}  # and shares no evidence
    counts = Counter(c for cols in known.values() for c in cols)
    shares = _value_shares(con, cand, header)
    scores: dict[str, tuple[float, list[str]]] = {}
    for kind, cols in known.items():
        shared = [c for c in header if c in cols]
        weight = sum(1.0 / counts[c] for c in shared)
        evidence = []
        for names, pattern, says in VALUE_CHECKS.get(kind, []):
            col = _check_column(cand, header, names)
            if col is not None and shares.get((col, pattern), 0.0) >= 0.8:
                weight += 1.5
                evidence.append(f'{says} in "{col}"')
        if shared:
            shown = ", ".join(f'"{header[c]}"' for c in shared[:6]) + (
                f" and {len(shared) - 6} more" if len(shared) > 6 else ""
            )
            evidence.append(f"{len(shared)} of its columns: {shown}")
        if len(shared) >= 2 or weight >= 1.5:
            scores[kind] = (weight, evidence)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1][0], kv[0]))
    if not ranked or ranked[0][1][0] < 1.2:
        alt = [(k, round(_conf(s[0], 0), 2)) for k, s in ranked[:2]]
        return Guess(generic, 0.0, ["no built-in kind's columns or values match"], alt)
    best_kind, (best, evidence) = ranked[0]
    second = ranked[1][1][0] if len(ranked) > 1 else 0.0
    conf = _conf(best, second)
    alts = [(k, c) for k, c in ((k, round(_conf(s[0], best), 2)) for k, s in ranked[1:3]) if c >= 0.05]
    return Guess(best_kind, conf, evidence, alts)


def _conf(score: float, rival: float) -> float:
    """Confidence from a kind's score and the best other kind's: saturating, less when a rival is close."""
    strength = 1 - math.exp(-score / 1.6)
    margin = 1 - 0.7 * (rival / score) ** 2 if score > 0 else 0.0
    return round(max(0.0, min(1.0, strength * margin)), 2)


def notes_guess(files: list[Candidate]) -> Guess:
    """Interview notes: text files in one folder, with how many carry a tag block (email:, role:, date:)."""
    tagged = 0
    for cand in files:
        head = cand.local.read_text(encoding="utf-8", errors="replace")[:2000]
        if re.search(r"(?im)^\s*(email|e-mail|role|name|date|interviewee)\s*:", head):
            tagged += 1
    share = tagged / len(files) if files else 0.0
    evidence = [f"{len(files)} text notes, {tagged} with a tag block (email:, role:, date:)"]
    return Guess("interviews", round(0.5 + 0.45 * share, 2), evidence)
