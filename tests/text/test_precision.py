"""MiniLM in bfloat16 where the CPU has the units: nearly the float32 vectors, and ``[text] precision`` turns it off."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from personacraft.config import load_config
from personacraft.errors import ConfigError
from personacraft.text import embed

pytestmark = pytest.mark.skipif(not embed.model_available(), reason="the text extra is not installed")

TEXTS = [
    "The parcel arrived three days late and the box was crushed",
    "Lovely soft fabric, fits true to size",
    "Customer service never answered my emails about the refund",
    "Great price for the quality, will buy again",
    "The zip broke after one week of use",
]


def test_float32_and_auto_give_nearly_the_same_vectors() -> None:
    with embed.precision("float32"):
        exact = embed.embed_minilm(TEXTS)
    fast = embed.embed_minilm(TEXTS)
    cosine = (exact * fast).sum(axis=1)
    assert np.all(cosine > 0.999)
    if not embed.native_bfloat16():
        assert np.array_equal(exact, fast)  # no bfloat16 units: auto is float32


def test_the_setting_is_scoped_to_its_block() -> None:
    with embed.precision("float32"):
        assert embed._PRECISION.get() == "float32"
    assert embed._PRECISION.get() == "auto"


def test_a_bad_precision_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "personacraft.toml"
    p.write_text('[[sources]]\nkind = "reviews"\npath = "r.csv"\n\n[text]\nprecision = "float16"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match='"precision" must be "auto" or "float32", got \'float16\''):
        load_config(p)


@pytest.mark.slow  # encodes thousands of texts with MiniLM: seconds
def test_many_texts_are_encoded_in_shares_in_their_order(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [f"{t} ({i})" for i in range(60) for t in TEXTS]  # 300 texts: two shares of batches of 64
    monkeypatch.setattr(embed, "encoders", lambda: 2)
    shared = embed.embed_minilm(texts, batch_size=64)
    monkeypatch.setattr(embed, "encoders", lambda: 1)
    alone = embed.embed_minilm(texts, batch_size=64)
    assert shared.shape == (300, 384)
    assert np.all((shared * alone).sum(axis=1) > 0.999)  # each text's own vector, in its place
    assert (shared[:5] @ alone[:5].T).argmax(axis=1).tolist() == [0, 1, 2, 3, 4]
    monkeypatch.setattr(embed, "encoders", lambda: 2)
    assert np.array_equal(shared, embed.embed_minilm(texts, batch_size=64))  # the same shares, the same vectors
