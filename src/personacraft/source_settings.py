"""The keys a ``[[sources]]`` entry may hold besides its own fields: kind options and ``[sources.features]``.

A leaf below :mod:`personacraft.config` (it imports only the errors), as ``[journey]`` and ``[icp]`` are.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from personacraft.errors import ConfigError

FEATURE_KINDS = ("categorical", "ordinal", "numeric")


@dataclass(frozen=True)
class FeatureSpec:
    """One column of a ``[sources.features]`` table, used as a feature family (docs/sources.md)."""

    column: str  # the column as written in the file; it names the family
    type: str  # categorical, ordinal or numeric (binned by quantiles)
    order: tuple[str, ...] = ()  # ordinal: the values from lowest to highest (default: their natural order)

    @property
    def family(self) -> str:
        return self.column


# the keys a [[sources]] entry may hold besides SourceConfig's own fields: kind-specific options
# (docs/sources.md) and those of the contract (brand and ours for competitors, [sources.features])
SOURCE_OPTIONS: dict[str, str] = {
    "user_id_namespace": "ga4_bigquery, segment_events: the system whose ids the events carry as user ids",
    "email_field": "typeform, google_forms: the column holding the respondent's email",
    "hidden_fields": "typeform, google_forms: hidden fields that are not questions",
    "brand": "reviews and text sources: the brand reviewed (a column, or a fixed value)",
    "ours": "reviews and text sources: whether the brand is ours (true or false)",
    "brands": "reviews and social: the brands expected; a row naming another is rejected as an unknown brand",
    "features": "[sources.features]: extra columns used as feature families (column = kind)",
    # generic order sources (sources/order_rules.py): messy orders, each row handled is counted with its reason
    "return_prefix": 'orders: an order id starting with it is a return, netted against earlier orders ("C")',
    "cancelled_statuses": "orders: status values of rows that never happened (default cancelled, refunded …)",
    "exclude_skus": 'orders: SKUs that are not products (postage "POST", fees): set aside, not revenue',
    "exclude_products": "orders: regexes of product names that are not products (postage, gift card): set aside",
    "test_pattern": "orders: regex marking test orders in test_columns (default: the email and customer id)",
    "test_columns": "orders: the file columns test_pattern is matched against",
    "guest_ids": 'orders: customer id values that mean "no customer" ("0", "guest")',
    "currency": "orders: the reporting currency (default: the most common one in the file)",
    "rates": "orders: currency -> rate into the reporting currency (a CSV path, or an inline table)",
}


def feature_spec(where: str, column: Any, given: Any) -> FeatureSpec:
    """One ``[sources.features]`` entry: ``"Col" = "ordinal"``, or ``"Col" = { type = "ordinal", order = [..] }``."""
    where = f'{where} [sources.features] "{column}"'
    spec = dict(given) if isinstance(given, Mapping) else {"type": given}
    for key in spec:
        if key not in ("type", "order"):
            raise ConfigError(f'{where}: unknown setting "{key}"; a feature takes "type" and "order".')
    kind = spec.get("type")
    if kind not in FEATURE_KINDS:
        close = difflib.get_close_matches(str(kind), FEATURE_KINDS, n=1)
        hint = f' Did you mean "{close[0]}"?' if close else ""
        raise ConfigError(
            f"{where}: unknown feature type {kind!r}; use one of {', '.join(FEATURE_KINDS)} "
            f'(numeric is binned by quantiles), e.g. "{column}" = "categorical".{hint}'
        )
    order = spec.get("order", [])
    if not isinstance(order, list) or not all(isinstance(v, str | int | float) for v in order):
        raise ConfigError(f'{where}: "order" must be a list of the values from lowest to highest, got {order!r}.')
    if order and kind != "ordinal":
        raise ConfigError(f'{where}: "order" is for type = "ordinal" only, not {kind!r}.')
    values = [str(v) for v in order]
    if len(set(values)) != len(values):
        raise ConfigError(f'{where}: "order" names a value twice: {values!r}.')
    return FeatureSpec(column=str(column), type=str(kind), order=tuple(values))
