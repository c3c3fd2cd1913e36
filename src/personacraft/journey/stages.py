"""What maps records to journey steps: the default mappings with ``[journey]`` over them, and the definitions.

A *step* is one kind of evidence (a visit, a cart, a trial, a first order …); every step
belongs to one *stage* (both named in :mod:`personacraft.journey.vocabulary`). Events map to
steps by name (``DEFAULT_EVENTS``, extended by ``[journey.events]``); CRM lifecycle stages map
to stages (``DEFAULT_LIFECYCLE``, extended by ``[journey.lifecycle]``); orders, subscriptions,
deals, reviews and survey answers map to steps by fixed rules
(``personacraft.features.sql.JOURNEY_TOUCHES``). Texts are placed at a stage by what they say
(``DEFAULT_CUES``) or else by when they were written.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from personacraft.journey.vocabulary import PURCHASE_PATH, STAGES, STEPS, stage_labels

if TYPE_CHECKING:
    from personacraft.config import JourneyConfig

# events that map to no step are product use ("use"): they count for onboarding only
USE = "use"

# GA4's recommended events and Segment's e-commerce and B2B SaaS specs (lower case)
DEFAULT_EVENTS: dict[str, str] = {
    # GA4
    "first_visit": "visit",
    "session_start": "visit",
    "page_view": "visit",
    "user_engagement": "visit",
    "scroll": "visit",
    "view_promotion": "visit",
    "select_promotion": "visit",
    "search": "view",
    "view_search_results": "view",
    "view_item_list": "view",
    "select_item": "view",
    "view_item": "view",
    "add_to_wishlist": "view",
    "add_to_cart": "cart",
    "view_cart": "cart",
    "begin_checkout": "checkout",
    "add_shipping_info": "checkout",
    "add_payment_info": "checkout",
    "purchase": "purchase",
    "sign_up": "signup",
    "generate_lead": "signup",
    "share": "referral",
    # Segment
    "products searched": "view",
    "product list viewed": "view",
    "product viewed": "view",
    "product clicked": "view",
    "product added": "cart",
    "cart viewed": "cart",
    "checkout started": "checkout",
    "checkout step viewed": "checkout",
    "checkout step completed": "checkout",
    "payment info entered": "checkout",
    "order completed": "purchase",
    "product shared": "referral",
    "cart shared": "referral",
    "product reviewed": "review",
    "signed up": "signup",
    "account created": "signup",
    "trial started": "trial",
    "demo requested": "consideration",
    "invite sent": "referral",
    "referral sent": "referral",
}

# HubSpot lifecycle stages (internal names and labels), Salesforce-style statuses
DEFAULT_LIFECYCLE: dict[str, str] = {
    "subscriber": "awareness",
    "lead": "awareness",
    "marketingqualifiedlead": "consideration",
    "salesqualifiedlead": "consideration",
    "opportunity": "consideration",
    "customer": "purchase",
    "evangelist": "advocacy",
}

# The account funnel's stage of each lifecycle stage (HubSpot internal names and labels, compared
# by :func:`lifecycle_key`) and of Salesforce's default lead statuses
DEFAULT_ACCOUNT_LIFECYCLE: dict[str, str] = {
    "subscriber": "lead",
    "lead": "lead",
    "other": "lead",
    "marketingqualifiedlead": "mql",
    "mql": "mql",
    "salesqualifiedlead": "sql",
    "sql": "sql",
    "opportunity": "opportunity",
    "customer": "won",
    "evangelist": "won",
    # Salesforce lead statuses (Lead Status picklist defaults)
    "opennotcontacted": "lead",
    "workingcontacted": "lead",
    "nurturing": "lead",
    "closednotconverted": "lead",
    "unqualified": "lead",
    "qualified": "sql",
    "closedconverted": "sql",
}

# A text that matches a stage's cue is placed at that stage (the first stage in order).
DEFAULT_CUES: dict[str, str] = {
    "awareness": r"\b(heard (of|about) you|found (you|out about you)|saw (an|your) ad|advert\w*)\b",
    "consideration": r"\b(compar\w*|free trial|trial|demo|sign(ing|ed)? ?up|onboard\w*|set ?up|setting up|"
    r"product page)\b",
    "purchase": r"\b(checkout|check out|cart|basket|payment|card (was )?declined|shipping (cost|fee|price)s?|"
    r"delivery (cost|fee|charge)s?|coupon|discount code|promo code)\b",
    "retention": r"\b(renew\w*|cancel\w*|unsubscrib\w*|reorder\w*|order(ed)? again)\b",
    "advocacy": r"\b(recommend\w*|referr\w*|told (my|all my) friends)\b",
}

# readable touchpoints: the source kinds behind the evidence
KIND_LABELS: dict[str, str] = {
    "ga4_bigquery": "GA4 web analytics",
    "segment_events": "product events (Segment)",
    "shopify_orders": "Shopify orders",
    "shopify_customers": "Shopify customers",
    "stripe_subscriptions": "Stripe subscriptions",
    "stripe_charges": "Stripe charges",
    "hubspot_contacts": "HubSpot contacts",
    "hubspot_deals": "HubSpot deals",
    "salesforce_contacts": "Salesforce contacts",
    "salesforce_opportunities": "Salesforce opportunities",
    "reviews": "reviews",
    "typeform": "Typeform survey",
    "google_forms": "Google Forms survey",
    "zendesk_tickets": "Zendesk tickets",
    "intercom_conversations": "Intercom conversations",
    "interviews": "interviews",
}


def lifecycle_key(value: str) -> str:
    """A lifecycle stage as compared: lower case, no spaces, dashes or underscores."""
    return re.sub(r"[\s_-]+", "", value.strip().lower())


def event_map(cfg: JourneyConfig) -> dict[str, str]:
    """Event name (lower case) -> step: the defaults with ``[journey.events]`` over them."""
    out = dict(DEFAULT_EVENTS)
    for name, step in cfg.events.items():
        key = name.strip().lower()
        if step:
            out[key] = step
        else:
            out.pop(key, None)
    return out


def lifecycle_map(cfg: JourneyConfig) -> dict[str, str]:
    """Lifecycle stage (:func:`lifecycle_key`) -> stage: the defaults with ``[journey.lifecycle]`` over them."""
    out = dict(DEFAULT_LIFECYCLE)
    for name, stage in cfg.lifecycle.items():
        if stage:
            out[lifecycle_key(name)] = stage
        else:
            out.pop(lifecycle_key(name), None)
    return out


def account_lifecycle_map(cfg: JourneyConfig) -> dict[str, str]:
    """Lifecycle stage or lead status (:func:`lifecycle_key`) -> account funnel stage, with
    ``[journey.account_lifecycle]`` over the defaults."""
    out = dict(DEFAULT_ACCOUNT_LIFECYCLE)
    for name, stage in cfg.account_lifecycle.items():
        if stage:
            out[lifecycle_key(name)] = stage
        else:
            out.pop(lifecycle_key(name), None)
    return out


def cues(cfg: JourneyConfig) -> dict[str, str]:
    """Stage -> text cue (a regular expression), in stage order."""
    merged = {**DEFAULT_CUES, **cfg.text_cues}
    return {s: merged[s] for s in STAGES if merged.get(s)}


def stage_rows() -> dict[str, list[object]]:
    """The step table written to the run (``journey_steps``): step, stage, stage number, label."""
    steps: list[object] = [*STEPS, USE]
    return {
        "step": steps,
        "stage": [STEPS[str(s)][0] if s in STEPS else None for s in steps],
        "stage_no": [STAGES.index(STEPS[str(s)][0]) + 1 if s in STEPS else None for s in steps],
        "label": [STEPS[str(s)][1] if s in STEPS else "product use" for s in steps],
    }


def describe(cfg: JourneyConfig) -> dict[str, object]:
    """The definitions a journeys.json carries, so every figure can be read back to a rule."""
    return {
        "stages": list(STAGES),
        "stage_labels": stage_labels(cfg.advocacy_rating),
        "funnel": "A person counts at every stage up to the furthest one with any evidence: evidence of a "
        "later stage implies the earlier ones, so no stage holds more people than the one before. "
        "Conversion is the share of a stage's people who reach the next one. The funnel of all customers "
        "starts with the anonymous visitors too (prospects): they count at awareness and consideration.",
        "prospects": "An anonymous visitor is an analytics id (GA4 user_pseudo_id, Segment anonymousId) never "
        "seen with a customer id, email or phone. A visitor later identified is that customer, with their "
        "earlier anonymous events. Visitors are not customers: no persona, no customer figure; an anonymous "
        "purchase event does not make one a buyer (the order is in the shop's export already).",
        "biggest_drop": "The biggest drop is looked for on the way to the first purchase ("
        + " → ".join(PURCHASE_PATH)
        + "): a repeat purchase or a review is something only some customers ever do, not a leak.",
        "stage_time": "A customer reaches a stage at their first evidence of it or of a later stage; the time "
        "between stages is the median over customers who reached both.",
        "account_records": "Deals and subscriptions of an account count for every contact of the account (B2B).",
        "steps": {s: stage for s, (stage, _) in STEPS.items() if s not in STAGES},
        "events": event_map(cfg),
        "lifecycle": lifecycle_map(cfg),
        "text_cues": cues(cfg),
        "window_days": cfg.window_days,
        "path_steps": cfg.path_steps,
        "retention_days": cfg.retention_days,
        "onboarding_days": cfg.onboarding_days,
        "advocacy_rating": cfg.advocacy_rating,
        "barrier_stage": "A barrier sits at the stage it keeps customers from completing: leaving a cart or a "
        "trial is consideration (still deciding); leaving a checkout is purchase (decided, and the act of buying "
        "failed); no product use after a start is retention. A text sits at the stage its words name (text_cues), "
        "else at the furthest stage its author had reached when writing it.",
        "account_funnel": {
            "stages": "B2B only (deals name an account, or a subscription's customer belongs to one). Each account "
            "counts at every stage up to the furthest one with evidence: Lead (a contact or a deal), MQL and SQL "
            "(a contact's lifecycle stage or lead status, account_lifecycle), Opportunity (any deal, or the "
            "opportunity lifecycle stage), Won (a deal won, a paid subscription, or a customer contact), Renewed "
            f"(a paid subscription still paying {cfg.renewal_term_months} months after the account's first paid "
            "day). Later evidence implies the earlier stages.",
            "personas": "A persona's account funnel counts the accounts its members belong to: an account counts "
            "in every persona with a contact in it, at the account's own stage.",
            "win_rate": "Accounts with a won deal divided by accounts with a closed (won or lost) deal.",
            "sales_cycle": "Median days from creation to close of each account's first won deal.",
            "trial_to_paid": "Accounts with a Stripe trial (any contact's subscription with a trial start) that "
            "then paid (a paid subscription whose first paid day is on or after the first trial start), divided "
            "by the accounts that trialled; accounts whose only trials are still running are left out.",
            "renewal_rate": f"Accounts still paying {cfg.renewal_term_months} months after their first paid day, "
            "divided by the accounts whose first term has come up: its end is in the data, or every paid "
            "subscription ended before it.",
            "cancellations": "Accounts whose every paid subscription ended by the end of the data; tenure is "
            "the days from the first paid day to the last cancellation.",
            "onboarding": f"Accounts whose first start (any contact's sign-up, trial or first purchase) is at least "
            f"{cfg.onboarding_days} days before the last touch, and no contact used the product within "
            f"{cfg.onboarding_days} days of it.",
            "steps": "Contact-level steps (first touch, sign-up, trial, product use …) are shown at an account "
            "stage: the accounts that reached the stage and where any contact took the step.",
            "end_of_data": "The latest event, subscription date or deal date.",
        },
        "account_lifecycle": account_lifecycle_map(cfg),
        "renewal_term_months": cfg.renewal_term_months,
        "abandonment": {
            "cart": "sessions with an add-to-cart step and neither a checkout nor a purchase in the session",
            "checkout": "sessions with a checkout step and no purchase in the session",
            "trial": "customers whose first trial (or their account's) was not followed by a purchase; trials "
            "still running are left out",
            "onboarding": f"customers with a sign-up, trial or first purchase and no product use within "
            f"{cfg.onboarding_days} days (only where the data has product events, and only for starts at least "
            f"{cfg.onboarding_days} days before the end of the data); in B2B counted by account (account_funnel)",
        },
    }
