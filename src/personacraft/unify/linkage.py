"""Probabilistic links between customer records with Splink (the ``linkage`` extra): ``[identity] method = "splink"``.

Splink (a Fellegi-Sunter model on DuckDB) scores pairs of customer records on first and last name,
email, phone and city; pairs at or above the threshold become links that :func:`personacraft.unify.unify`
adds below phones, under the same precedence (a link never joins two ids of one system). The model
is trained on the run's own records (u by random sampling with the config's seed, m by EM), in a
separate in-memory DuckDB; nothing leaves the machine. Measured against the rules in docs/identity.md.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from personacraft.errors import MissingExtraError
from personacraft.store import Run

# starting m values of a name comparison (exact, Jaro-Winkler >= 0.92, >= 0.88, >= 0.7, other): EM refines
# the levels it sees; a person's records rarely disagree on a name
NAME_M = [0.85, 0.08, 0.03, 0.02, 0.02]
MIN_RECORDS = 50  # fewer named customer records than this: nothing to train a model on
MAX_U_PAIRS = 1e6

# each customer record with a name: its strongest key (as ``_rec`` computes it) and the compared fields
LINKAGE_RECORDS = """
SELECT row_number() OVER (ORDER BY hub, first_name, last_name, email, phone, city) AS unique_id, *
FROM (
    SELECT DISTINCT coalesce({n_id}, {n_email}, {n_phone}) AS hub,
           nullif(lower(trim(r.first_name)), '') AS first_name, nullif(lower(trim(r.last_name)), '') AS last_name,
           substr({n_email}, 7) AS email, substr({n_phone}, 7) AS phone, nullif(lower(trim(r.city)), '') AS city
    FROM {customers} r
)
WHERE hub IS NOT NULL AND (first_name IS NOT NULL OR last_name IS NOT NULL)
"""


def score_pairs(run: Run, records_sql: str, seed: int) -> Any:
    """Splink's scored pairs of the records ``records_sql`` gives: an Arrow table of
    ``hub_l, hub_r, match_probability`` (every pair its blocking rules compare)."""
    try:
        import splink  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError('[identity] method = "splink"', "linkage") from exc
    table = run.con.sql(records_sql).to_arrow_table()
    splink_log = logging.getLogger("splink")
    level = splink_log.level
    splink_log.setLevel(logging.ERROR)  # its training notes (untrained levels, small samples) are not the user's
    try:
        return _score(table, seed)
    finally:
        splink_log.setLevel(level)


def _score(table: Any, seed: int) -> Any:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    from splink.internals.exceptions import EMTrainingException

    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name").configure(m_probabilities=NAME_M),
            cl.NameComparison("last_name").configure(m_probabilities=NAME_M),
            cl.EmailComparison("email"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("city"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("email"),
            block_on("phone"),
            block_on("first_name", "last_name"),
            block_on("last_name", "city"),
        ],
        additional_columns_to_retain=["hub"],
    )
    linker = Linker(DuckDBAPI().register(table), settings, log_level=None)
    train = linker.training
    with contextlib.suppress(ValueError):  # no pair agrees on those keys: the prior below
        train.estimate_probability_two_random_records_match(
            [block_on("email"), block_on("first_name", "last_name", "city")], recall=0.8
        )
    n = table.num_rows
    if not 0 < linker._settings_obj._probability_two_random_records_match < 1:  # Splink 5's only setter
        # no record pair agrees on email or on full name and city: expect about one match among all pairs
        linker._settings_obj._probability_two_random_records_match = 2 / max(n * (n - 1), 2)
    train.estimate_u_using_random_sampling(max_pairs=MAX_U_PAIRS, seed=seed)
    # m by EM, each session blocked on keys whose own m it cannot learn; a session with no pairs is skipped
    for rule in (block_on("first_name", "last_name"), block_on("phone"), block_on("email")):
        try:
            train.estimate_parameters_using_expectation_maximisation(rule)
        except EMTrainingException:
            continue
    pairs = linker.inference.predict()
    return pairs.as_duckdbpyrelation().select("hub_l, hub_r, match_probability").to_arrow_table()


def linkage_records(run: Run) -> str:
    """SQL: the run's named customer records as Splink compares them (needs the run's phone map)."""
    from personacraft.unify import node_sql, phone_node

    n_id, n_email, _ = node_sql("r.customer_id", "r.email", "NULL")
    phone = phone_node(run, "r.phone", "r.country")
    return LINKAGE_RECORDS.format(n_id=n_id, n_email=n_email, n_phone=phone, customers=run.t("customers"))


def splink_linker(threshold: float, seed: int, found: dict[str, Any] | None = None) -> Callable[[Run], str]:
    """For :func:`personacraft.unify.unify`: SQL of the pairs Splink matches at ``threshold`` or above.

    ``found`` receives what was done (records compared, pairs linked, or why nothing was)."""

    def links(run: Run) -> str:
        sql = linkage_records(run)
        n = int(run.scalar(f"SELECT count(*) FROM ({sql})") or 0)
        info: dict[str, Any] = {"method": "splink", "threshold": threshold, "records": n, "links": 0}
        if n < MIN_RECORDS:
            info["note"] = f"{n} customer records with a name, under {MIN_RECORDS}: no model trained, no links"
            run.execute("CREATE OR REPLACE TEMP TABLE _splink AS SELECT NULL::VARCHAR AS a, NULL::VARCHAR AS b LIMIT 0")
        else:
            run.con.register("_splink_pairs", score_pairs(run, sql, seed))
            run.execute(
                "CREATE OR REPLACE TEMP TABLE _splink AS SELECT hub_l AS a, hub_r AS b FROM _splink_pairs "
                f"WHERE match_probability >= {float(threshold)!r}"
            )
            run.con.unregister("_splink_pairs")
            info["links"] = int(run.scalar("SELECT count(*) FROM _splink") or 0)
        if found is not None:
            found.update(info)
        return "SELECT a, b FROM _splink"

    return links
