"""Text themes in a build: interview notes as statements, and themes as a segmentation feature."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from personacraft.config import load_config
from personacraft.pipeline import build
from personacraft.store import Workspace
from tests.conftest import read_csv


@pytest.mark.slow
def test_interviews_become_statements_and_themes_can_be_segmentation_features(
    retail_demo: Path, tmp_path: Path
) -> None:
    customers = read_csv(retail_demo / "data" / "customers_export.csv")[:60]
    notes = tmp_path / "interviews"
    notes.mkdir()
    lines = (
        "Shipping costs are too high for small orders.\nI wish the app had a wish list.\nReturns take too long.",
        "The discount code did not work at checkout. I need clearer sizing.\nDelivery was late again.",
    )
    for i, c in enumerate(customers):
        (notes / f"note-{i}.md").write_text(f"---\nemail: {c['Email']}\n---\n{lines[i % 2]}\n", encoding="utf-8")
    text = (retail_demo / "personacraft.toml").read_text(encoding="utf-8")
    text = text.replace('path = "', f'path = "{retail_demo.as_posix()}/').replace(
        'file = "', f'file = "{retail_demo.as_posix()}/'
    )
    text += f'\n[[sources]]\nkind = "interviews"\npath = "{notes.as_posix()}/*.md"\n'
    config = tmp_path / "personacraft.toml"
    config.write_text(text + "\n[segment]\ntext_themes = true\n", encoding="utf-8")
    result = build(load_config(config))
    seg = result.personas.provenance["segmentation"]
    assert "text theme" in seg["families"]
    with Workspace(load_config(config).workspace_path, read_only=True) as ws:
        run = ws.run()
        rows = run.dicts(f"SELECT text_id, body_redacted FROM {run.t('text_themes')} WHERE kind = 'interview'")
    # each note of two or three lines is split into its statements, ids note#1, note#2 …
    assert len(rows) >= 2 * len(customers) and all("#" in r["text_id"] for r in rows)
    assert all(c["Email"] not in r["body_redacted"] for c in customers for r in rows)
    voice = result.personas.provenance["voice"]
    assert any("interview" in t["sources"] for t in voice["themes"])
    assert json.dumps(result.personas.to_dict())  # still valid and serialisable


def test_why_they_left_compares_those_who_left_with_everyone(built) -> None:  # type: ignore[no-untyped-def]
    left = built.personas.why_they_left
    assert left is not None and left["customers_left"] > 0 and left["customers_stayed"] > 0
    min_n = built.personas.provenance["min_group_size"]
    for t in left["themes"]:
        assert t["n"] >= min_n and t["p_adjusted"] < 0.05 and t["share_left"] > t["share_all"]
        assert all("@" not in q for q in t["quotes"])
    if left["themes"]:
        assert "Why customers left" in built.report.read_text(encoding="utf-8")
