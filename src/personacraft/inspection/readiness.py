"""Is the data enough for each stage of a build? A verdict per stage, with what would unlock it.

The thresholds are the ones the stages use, imported from where they are declared:

- personas: at least ``max(2 × segment.min_size, 20)`` customers (``pipeline.stages.segment``) and some
  behaviour to segment on (orders, events, survey answers, subscriptions or deals);
- CLV: :data:`~personacraft.clv.model.MIN_CUSTOMERS` buyers, of whom
  :data:`~personacraft.clv.model.MIN_REPEAT` bought on more than one day;
- churn: from subscriptions, :data:`~personacraft.churn.classifier.MIN_TRAIN_EVENTS` cancelled and
  :data:`~personacraft.churn.classifier.MIN_TRAIN_NON_EVENTS` active ones; else P(alive) of the CLV model;
- journeys: events of at least ``privacy.min_group_size`` customers (every journey figure covers that many);
- voice: :data:`~personacraft.text.themes.MIN_FOR_COMMON` distinct texts of at least
  :data:`~personacraft.text.themes.MIN_WORDS` words (fewer keep their vectors unrefined);
- accounts and ICP: companies or accounts linked to deals or contacts; deals or subscriptions.

Each verdict is ``{stage, status, message, unlock}``, ``status`` one of ``ready``, ``limited`` or ``missing``.
"""

from __future__ import annotations

from typing import Any

from personacraft.churn.classifier import MIN_TRAIN_EVENTS, MIN_TRAIN_NON_EVENTS
from personacraft.clv.model import MIN_CUSTOMERS, MIN_REPEAT
from personacraft.config import Config
from personacraft.features.bands import not_purchases_sql
from personacraft.inspection import sql
from personacraft.store import Run
from personacraft.text.themes import MIN_FOR_COMMON, MIN_WORDS
from personacraft.unify import keyed

BEHAVIOUR = ("orders", "events", "survey_answers", "subscriptions", "deal_contacts")


def counts(run: Run, event_keys: str) -> dict[str, int]:
    """The figures the verdicts need, from the run's canonical tables (SQL, one pass each) and ``event_keys``
    (:func:`personacraft.inspection.matches.event_keys`)."""
    out: dict[str, int] = {}
    orders = keyed(run, "orders")
    out.update(run.dicts(sql.BUYERS.format(orders=orders, not_purchases=not_purchases_sql()))[0])
    out.update(run.dicts(sql.EVENTS.format(event_keys=event_keys))[0])
    out.update(run.dicts(sql.TEXTS.format(texts=run.t("texts"), min_words=MIN_WORDS))[0])
    out.update(run.dicts(sql.SUBSCRIPTIONS.format(subscriptions=run.t("subscriptions")))[0])
    refs = {t: run.t(t) for t in ("accounts", "deals", "customers")}
    out.update(run.dicts(sql.ACCOUNTS.format(**refs))[0])
    for table in BEHAVIOUR:
        out[f"rows_{table}"] = int(run.scalar(f"SELECT count(*) FROM {run.t(table)}") or 0)
    return {k: int(v or 0) for k, v in out.items()}


def _verdict(stage: str, status: str, message: str, unlock: str | None = None) -> dict[str, Any]:
    return {"stage": stage, "status": status, "message": f"{stage}: {message}", "unlock": unlock}


def verdicts(config: Config, customers: int, c: dict[str, int]) -> list[dict[str, Any]]:
    """One verdict per stage, in the order a build runs them."""
    seg, min_n = config.segment, config.privacy.min_group_size
    out = [_personas(customers, c, max(2 * seg.min_size, 20), max(seg.min_size, int(seg.min_size_share * customers)))]
    out.append(_clv(c))
    out.append(_churn(c))
    out.append(_journeys(c, min_n))
    out.append(_voice(c))
    out.append(_accounts(c))
    out.append(_icp(c))
    return out


def _personas(customers: int, c: dict[str, int], need: int, floor: int) -> dict[str, Any]:
    have = [t.replace("_", " ") for t in BEHAVIOUR if c[f"rows_{t}"]]
    if customers < need:
        return _verdict(
            "personas",
            "missing",
            f"{customers:,} customers, too few, need >= {need:,}",
            "check that the sources share emails or ids (see the matches), or add a customers or orders source",
        )
    if not have:
        return _verdict(
            "personas",
            "missing",
            f"{customers:,} customers but nothing to segment them on",
            "add an orders, events or survey source (e.g. shopify_orders, ga4_bigquery, typeform)",
        )
    return _verdict(
        "personas",
        "ready",
        f"{customers:,} customers with {', '.join(have)}, enough (need >= {need:,}); "
        f"a persona is published from {floor:,} customers",
    )


def _clv(c: dict[str, int]) -> dict[str, Any]:
    unlock = 'add an orders source (shopify_orders, stripe_charges, or a csv with table = "orders")'
    if not c["buyers"]:
        return _verdict("CLV", "missing", "no orders of known customers", unlock)
    if c["buyers"] < MIN_CUSTOMERS or c["repeat_buyers"] < MIN_REPEAT:
        return _verdict(
            "CLV",
            "missing",
            f"{c['buyers']:,} buyers, {c['repeat_buyers']:,} repeat buyers, too few, need >= {MIN_CUSTOMERS} buyers "
            f"and >= {MIN_REPEAT} repeat buyers",
            "add a longer order history (more months of orders)",
        )
    return _verdict("CLV", "ready", f"{c['repeat_buyers']:,} repeat buyers, enough (need >= {MIN_REPEAT})")


def _churn(c: dict[str, int]) -> dict[str, Any]:
    subs, cancelled = c["subscriptions"], c["cancelled"]
    active = subs - cancelled
    if subs:
        if cancelled < MIN_TRAIN_EVENTS or active < MIN_TRAIN_NON_EVENTS:
            return _verdict(
                "churn",
                "limited",
                f"{cancelled:,} cancelled and {active:,} active subscriptions, too few for the churn model, need "
                f">= {MIN_TRAIN_EVENTS} cancelled and >= {MIN_TRAIN_NON_EVENTS} active",
                "add a longer subscription history (cancelled subscriptions included)",
            )
        return _verdict("churn", "ready", f"{cancelled:,} cancelled and {active:,} active subscriptions, enough")
    if c["buyers"] >= MIN_CUSTOMERS and c["repeat_buyers"] >= MIN_REPEAT:
        return _verdict(
            "churn",
            "ready",
            "no subscriptions: churn risk is 1 − P(alive) of the CLV model, from the orders",
            "add a subscriptions source (stripe_subscriptions) for a churn model",
        )
    return _verdict(
        "churn", "missing", "no subscriptions and no CLV model", "add a subscriptions source (stripe_subscriptions)"
    )


def _journeys(c: dict[str, int], min_n: int) -> dict[str, Any]:
    unlock = 'add a Segment, GA4 or generic events source (segment_events, ga4_bigquery, or table = "events")'
    if not c["events"]:
        return _verdict("journeys", "missing", "no events source", unlock)
    if c["event_customers"] < min_n:
        return _verdict(
            "journeys",
            "missing",
            f"{c['events']:,} events of {c['event_customers']:,} known customers, too few, need >= {min_n}",
            "send the user id with the events (GA4 user_id, Segment userId) so they join the customers",
        )
    return _verdict(
        "journeys",
        "ready",
        f"{c['events']:,} events of {c['event_customers']:,} customers and {c['anonymous']:,} anonymous events, enough",
    )


def _voice(c: dict[str, int]) -> dict[str, Any]:
    unlock = "add reviews, support tickets (zendesk_tickets, intercom_conversations), survey answers or interviews"
    if not c["texts"]:
        return _verdict("voice", "missing", "no texts", unlock)
    if c["usable"] < MIN_FOR_COMMON:
        return _verdict(
            "voice",
            "limited",
            f"{c['usable']:,} texts, too few for themes, need >= {MIN_FOR_COMMON} distinct texts of "
            f">= {MIN_WORDS} words",
            unlock,
        )
    return _verdict("voice", "ready", f"{c['usable']:,} texts, enough (need >= {MIN_FOR_COMMON})")


def _accounts(c: dict[str, int]) -> dict[str, Any]:
    unlock = "for B2B: add a companies or accounts source (hubspot_companies, salesforce_accounts)"
    if not c["accounts"]:
        return _verdict("accounts", "missing", "no companies or accounts", unlock)
    linked = c["deals_with_account"] + c["contacts_with_account"]
    if not linked:
        return _verdict(
            "accounts",
            "limited",
            f"{c['accounts']:,} accounts, but no deal or contact names one",
            "add deals or contacts that carry the account or company id",
        )
    return _verdict(
        "accounts",
        "ready",
        f"{c['accounts']:,} accounts, {c['deals_with_account']:,} deals and {c['contacts_with_account']:,} contacts "
        "linked to them, enough",
    )


def _icp(c: dict[str, int]) -> dict[str, Any]:
    if not (c["deals"] or c["subscriptions"]):
        return _verdict(
            "ICP",
            "missing",
            "no deals or subscriptions",
            "add deals (hubspot_deals, salesforce_opportunities) or subscriptions (stripe_subscriptions)",
        )
    return _verdict("ICP", "ready", f"{c['deals']:,} deals and {c['subscriptions']:,} subscriptions to learn from")
