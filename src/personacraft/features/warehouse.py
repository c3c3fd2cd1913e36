"""The feature SQL for a warehouse (``personacraft sql``): the build's own feature statements, in a dialect.

The statements are :data:`personacraft.features.FEATURE_STEPS`, filled with a config's settings
and rendered by :func:`personacraft.engine.dialect.to_dialect`; they read tables of the plain
names in :data:`INPUT_TABLES`, each row carrying its ``customer_key`` (identity resolution is
not part of them), and write the per-customer tables a build computes (docs/sql.md).
"""

from __future__ import annotations

from personacraft.config import Config
from personacraft.engine.dialect import to_dialect
from personacraft.features import FEATURE_STEPS, feature_params, sql

# the input each template names -> the table the printed SQL reads
INPUT_TABLES = {
    "orders": "orders",
    "order_lines": "order_lines",
    "events": "events",
    "survey": "survey_answers",
    "customers": "customers",
    "subscriptions": sql.PAID_SUBSCRIPTIONS.format(subscriptions="subscriptions"),
    "accounts": "accounts",
}


def feature_statements(config: Config, dialect: str) -> list[tuple[str, str]]:
    """(table, statement) for every feature table, in order, as ``dialect`` SQL."""
    params = feature_params(min_group=config.privacy.min_group_size, new_days=config.segment.new_days)
    outs = {out: out for _, out in FEATURE_STEPS}
    return [
        (out, to_dialect(template.format(**INPUT_TABLES, **outs, **params, out=out), dialect, pretty=True))
        for template, out in FEATURE_STEPS
    ]


def feature_script(config: Config, dialect: str) -> str:
    """The statements as one script, with a header saying what it reads and writes."""
    tables = sorted({"subscriptions" if k == "subscriptions" else v for k, v in INPUT_TABLES.items()})
    head = [
        f"-- personacraft feature SQL ({dialect}) for {config.path.name}",
        f"-- reads: {', '.join(tables)}; every row with its customer_key (docs/sql.md)",
        f"-- writes: {', '.join(out for _, out in FEATURE_STEPS)}",
    ]
    body = [f"-- {out}\n{statement};" for out, statement in feature_statements(config, dialect)]
    return "\n".join(head) + "\n\n" + "\n\n".join(body) + "\n"
