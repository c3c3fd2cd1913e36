"""Malformed files, every kind: each loads with balanced accounting or fails with a clean PersonaError.

The inputs come from ``tests/sources/fuzzing.py``, shared with ``benchmarks/fuzz_sources.py`` (which
runs thousands of them). Here hypothesis draws, per kind, a seed and the list of mutations
(truncated rows, renamed headers, other encodings, broken JSON, random parquet columns …),
so a failure shrinks towards the fewest mutations that still break the contract.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from tests.sources.fuzzing import KINDS, Harness, make_case, mutations_for

pytestmark = pytest.mark.slow  # fuzzing: the whole suite runs it, the fast lane does not

# about 300 examples in all, spread evenly over the kinds
EXAMPLES_PER_KIND = max(5, 300 // len(KINDS))


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    h = Harness(tmp_path_factory.mktemp("fuzz"), timeout=60)
    yield h
    h.close()


@pytest.mark.parametrize("kind", KINDS)
@settings(
    max_examples=EXAMPLES_PER_KIND,
    deadline=None,
    derandomize=True,
    database=None,
    # one bug per kind, shrunk, without the costly explain phase: keeps a failing run under a minute
    report_multiple_bugs=False,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
)
@given(data=st.data())
def test_malformed_file_loads_balanced_or_fails_cleanly(harness: Harness, kind: str, data: st.DataObject) -> None:
    seed = data.draw(st.integers(min_value=0, max_value=2**32 - 1), label="seed")
    mutations = data.draw(
        st.lists(st.sampled_from(mutations_for(kind)), min_size=1, max_size=4, unique=True), label="mutations"
    )
    case = make_case(kind, seed, mutations, workdir=harness.root)
    outcome = harness.check(case)
    if outcome.status == "defect":
        pytest.fail(f"{outcome.detail[:800]}\n\nreproducer:\n{case.reproducer()}", pytrace=False)
