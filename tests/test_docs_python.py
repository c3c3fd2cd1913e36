"""docs/python.md runs: its Python blocks, in order, in one namespace, on a small demo shop.

The page's examples use ``shop/personacraft.toml``; the test makes that shop with the demo
generator (1,500 customers, TF-IDF themes for speed) in a temporary folder, copies the Telco
sample beside it, and runs there.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from personacraft.demo import generate

DOC = Path(__file__).resolve().parents[1] / "docs" / "python.md"
TELCO = Path(__file__).resolve().parent / "data" / "telco" / "Telco-Customer-Churn.csv"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def blocks() -> list[str]:
    return BLOCK.findall(DOC.read_text(encoding="utf-8"))


def test_the_page_has_examples() -> None:
    assert len(blocks()) >= 6


@pytest.mark.slow
def test_the_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    generate("retail", tmp_path / "shop", 1500, 1)
    config = tmp_path / "shop" / "personacraft.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[text]\nmethod = "tfidf"\n', encoding="utf-8")
    shutil.copyfile(TELCO, tmp_path / "telco.csv")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "docs_python"}
    for i, code in enumerate(blocks()):
        try:
            exec(compile(code, f"docs/python.md block {i + 1}", "exec"), namespace)
        except Exception as exc:  # name the block that failed
            raise AssertionError(f"docs/python.md block {i + 1} failed: {exc!r}\n{code}") from exc
    out = capsys.readouterr().out
    assert "out" in out and "p1" in out
    assert (tmp_path / "report" / "index.html").is_file() and (tmp_path / "personas-copy.json").is_file()
    assert (tmp_path / "cards" / "p1.md").is_file() and (tmp_path / "cards" / "p1.html").is_file()
    assert "ConfigError" in out  # the errors example printed its error
    assert "AUC 0.8" in out
