"""The health page's source table lists the rows a source handled on purpose (returns, postage …), by count."""

from types import SimpleNamespace

from personacraft.web.views.runs import accounting_context


def test_handled_reasons_are_listed_most_frequent_first() -> None:
    source = {"source": "csv:sales.csv (orders)", "read": 10, "accepted": 10, "rejected": 0, "balanced": True}
    source["handled"] = {"test order (test_pattern)": 1, "excluded product (exclude_skus)": 4}
    ctx = accounting_context(SimpleNamespace(accounting={"sources": [source]}))  # type: ignore[arg-type]
    assert ctx is not None
    assert ctx["sources"][0]["handled"] == [("excluded product (exclude_skus)", 4), ("test order (test_pattern)", 1)]
    older = accounting_context(SimpleNamespace(accounting={"sources": [{"source": "x", "read": 1}]}))  # type: ignore[arg-type]
    assert older is not None and older["sources"][0]["handled"] == []
