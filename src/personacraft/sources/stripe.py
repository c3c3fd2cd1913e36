"""Stripe dashboard exports: Payments (charges) and Subscriptions, CSV.

Amounts are in major units ("45.00", or "399,00" in some locales), currencies lower
case, payment statuses title case (``Paid``, ``Failed``) and subscription statuses lower
case. The payments date column was renamed from ``Created (UTC)`` to ``Created date (UTC)``.
"""

from __future__ import annotations

from typing import ClassVar

from personacraft.sources.base import Source, register
from personacraft.sources.columns import ANY_DATE, Col
from personacraft.sources.reading.delimited import read_csv
from personacraft.sources.reading.files import FileLoad
from personacraft.sources.reading.stage import insert
from personacraft.store import Run

TS = Col("timestamp", formats=("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", *ANY_DATE), example="2025-02-28 13:05")
MONEY = Col("money", example="45.00")


def stripe_id(col: str) -> str:
    return f"CASE WHEN nullif(trim({col}), '') IS NOT NULL THEN 'stripe:' || trim({col}) END"


@register
class StripeCharges(Source):
    """Payments → Export: one row per charge, failed and refunded attempts included."""

    kind = "stripe_charges"
    tables = ("orders",)
    description = "Stripe payments (charges) export."

    SPECS: ClassVar[dict[str, Col]] = {
        "id": Col(required=True),
        "Created (UTC)": TS,
        "Amount": Col("money", present=True, example="45.00"),
        "Amount Refunded": MONEY,
        "Currency": Col(),
        "Status": Col(),
        "Customer ID": Col(),
        "Customer Email": Col(),
        "Description": Col(),
    }
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {
        "Created (UTC)": ("Created date (UTC)", "Created", "created"),
        "Customer ID": ("customer",),
        "Customer Email": ("email (metadata)", "receipt_email"),
    }

    def load_file(self, run: Run, file: FileLoad) -> None:
        read_csv(run, file, self.SPECS, stage="_stage", aliases=self.ALIASES)
        status = 'lower("Status")'
        insert(
            run,
            file,
            "orders",
            {
                "order_id": stripe_id('"id"'),
                "customer_id": stripe_id('"Customer ID"'),
                "email": '"Customer Email"',
                "ordered_at": '"Created (UTC)"',
                "ordered_at_local": '"Created (UTC)"',
                "amount": 'coalesce("Amount", 0) - coalesce("Amount Refunded", 0)',
                "currency": 'upper("Currency")',
                "discount_amount": "NULL",
                "discount_code": "NULL",
                "status": f"CASE WHEN {status} IN ('paid', 'succeeded') THEN 'paid' ELSE {status} END",
                "channel": "'stripe'",
            },
            "_stage",
        )


@register
class StripeSubscriptions(Source):
    """Billing → Subscriptions → Export: plan, amount, interval, status and the trial."""

    kind = "stripe_subscriptions"
    tables = ("subscriptions",)
    description = "Stripe subscriptions export."

    SPECS: ClassVar[dict[str, Col]] = {
        "id": Col(required=True),
        "Customer ID": Col(),
        "Customer Email": Col(),
        "Plan": Col(),
        "Product": Col(),
        "Quantity": Col("int", example="1"),
        "Interval": Col(),
        "Amount": MONEY,
        "Status": Col(present=True),
        "Created (UTC)": TS,
        "Start (UTC)": TS,
        "Trial Start (UTC)": TS,
        "Trial End (UTC)": TS,
        "Canceled At (UTC)": TS,
        "Ended At (UTC)": TS,
    }
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {
        "Start (UTC)": ("Start Date (UTC)", "Current Period Start (UTC)"),
        "Plan": ("Price ID", "Plan ID"),
        "Customer ID": ("customer",),
    }
    PER_MONTH = (
        "CASE lower(\"Interval\") WHEN 'year' THEN 1 / 12 WHEN 'week' THEN 52 / 12 WHEN 'day' THEN 365 / 12 ELSE 1 END"
    )

    def load_file(self, run: Run, file: FileLoad) -> None:
        read_csv(run, file, self.SPECS, stage="_stage", aliases=self.ALIASES)
        insert(
            run,
            file,
            "subscriptions",
            {
                "subscription_id": stripe_id('"id"'),
                "customer_id": stripe_id('"Customer ID"'),
                "email": '"Customer Email"',
                "plan": 'coalesce(nullif("Product", \'\'), "Plan")',
                "mrr": f'"Amount" * coalesce("Quantity", 1) * {self.PER_MONTH}',
                "started_at": 'coalesce("Start (UTC)", "Created (UTC)")',
                "canceled_at": 'coalesce("Canceled At (UTC)", "Ended At (UTC)")',
                "status": 'lower("Status")',
                "trial_start": '"Trial Start (UTC)"',
                "trial_end": '"Trial End (UTC)"',
                "quantity": '"Quantity"',
                "billing_interval": "lower(nullif(trim(\"Interval\"), ''))",
            },
            "_stage",
        )
