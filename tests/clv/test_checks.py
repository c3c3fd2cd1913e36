"""The purchase model's own checks: dropout identified (or not), and the holdout tolerance."""

from pathlib import Path

import duckdb
import numpy as np
import pytest

from personacraft.clv import model as clv
from personacraft.clv.bgnbd import BetaGeo, ParetoNBD
from personacraft.clv.checks import TOLERANCE, degenerate, disagreement
from personacraft.clv.simulate import bgnbd_customers
from personacraft.clv.transactions import load

SAMPLE = Path(__file__).parent.parent / "data" / "cdnow" / "CDNOW_sample.txt"


@pytest.fixture(scope="module")
def cdnow() -> clv.Summary:
    con = duckdb.connect()
    load(con, SAMPLE, customer="1", date="3", amount="5", sep="whitespace")
    return clv.summarise(con, "purchases", "summary", "1997-09-30", "1998-06-30", 7.0)


def test_dropout_is_identified_on_cdnow(cdnow: clv.Summary) -> None:
    """CDNOW's customers do stop buying (a = 0.79, b = 2.43): no model there is degenerate."""
    assert degenerate(BetaGeo().fit(cdnow.X)) is None
    assert degenerate(ParetoNBD().fit(cdnow.X)) is None
    described = clv.describe(clv.fit(cdnow))
    assert described["dropout_identified"] is True
    assert not any("P(alive) is not a churn risk" in n for n in described.get("notes", []))


def test_customers_who_never_stop_give_a_degenerate_fit() -> None:
    """Nobody drops out (p ~ Beta(1, 1e6): one in a million after a purchase): the fit cannot find dropout,
    says so in words, and describe() flags it."""
    X = bgnbd_customers(3000, r=0.8, alpha=10.0, a=1.0, b=1e6, T=np.linspace(40, 104, 3000), seed=3)
    fitted = BetaGeo().fit(X)
    why = degenerate(fitted)
    assert why is not None and "purchase model" in why
    assert fitted.p_alive(X).min() > 0.95  # what it would otherwise have shown as churn risk: about 0
    n = len(X)
    summary = clv.Summary(np.arange(n).astype(str), X, np.full(n, 20.0), np.full(n, 20.0), np.zeros(n))
    described = clv.describe(clv.fit(summary))
    assert described["dropout_identified"] is False
    assert any("P(alive) is not a churn risk" in note for note in described["notes"])


def test_the_holdout_tolerance() -> None:
    # the retail demo's holiday shoppers: forecast 1.16 a member, made 0.53 (se 0.04)
    assert disagreement(1.16, 0.53, 0.04)
    # within the tolerance
    assert not disagreement(0.53 * (1 + TOLERANCE) - 0.01, 0.53, 0.001)
    # far off in share, but a small group's noise covers it
    assert not disagreement(2.0, 1.0, 0.6)
    # nothing bought in the holdout, something forecast, and the group is large
    assert disagreement(0.5, 0.0, 0.0)
