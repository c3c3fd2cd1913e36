"""Reading a beliefs file: YAML and Markdown, and every mistake named by file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from personacraft.errors import InputFormatError, SourceNotFoundError
from personacraft.hypotheses.spec import HAND_MADE_EXPECT, read_beliefs

GOOD = """\
hypotheses:
  - id: h1
    claim: "Our deal seekers mostly use a discount code"
    persona: p1
    family: discount_use
    value: a_code_on_most_orders
    expect: majority
  - family: Device
    value: yes
    expect: at_least
    share: 40%
personas:
  - name: Budget parent
    size: 25%
    claims:
      - family: Discount use
        value: a code on most orders
  - name: Big spenders
    size: 1,200
    claims:
      - {family: Order value, value: $197 and more, expect: majority}
"""


def write(tmp_path: Path, text: str, name: str = "beliefs.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_reads_with_defaults_and_the_values_as_written(tmp_path: Path) -> None:
    b = read_beliefs(write(tmp_path, GOOD))
    h1, h2 = b.hypotheses
    assert (h1.id, h1.persona, h1.family, h1.value, h1.expect, h1.line) == (
        "h1", "p1", "discount_use", "a_code_on_most_orders", "majority", 2
    )  # fmt: skip
    assert h1.text == "Our deal seekers mostly use a discount code"
    # no id: its place; no persona: everyone; "yes" as written (not YAML's true); 40% a share
    assert (h2.id, h2.persona, h2.value, h2.share, h2.line) == ("h2", "all", "yes", 0.4, 8)
    p1, p2 = b.personas
    assert (p1.name, p1.size, p1.size_count, p1.claims[0].expect) == ("Budget parent", 0.25, None, HAND_MADE_EXPECT)
    assert (p2.size, p2.size_count, p2.claims[0].expect, p2.claims[0].line) == (None, 1200, "majority", 21)


def test_a_markdown_persona_reads_its_front_matter_and_keeps_the_text(tmp_path: Path) -> None:
    text = "---\nname: Weekend gifter\nsize: 0.2\nclaims:\n  - family: Season\n    value: all year\n"
    text += "---\n\nBuys gifts.\n"
    b = read_beliefs(write(tmp_path, text, "gifter.md"))
    [p] = b.personas
    assert (p.name, p.size, p.description, p.claims[0].line) == ("Weekend gifter", 0.2, "Buys gifts.", 5)
    assert not b.hypotheses


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("hypotheses:\n  - family: a\n    value: b\n    expect: majority\n   persona: p1\n", 5, "is not valid YAML"),
        ("hypotheses:\n  - family: a\n    value: b\n    expect: mostly\n", 4, "'mostly' is not an expect"),
        ("hypotheses:\n  - family: a\n    value: b\n    expect: at_least\n", 2, "gives no share"),
        ("hypotheses:\n  - family: a\n    value: b\n    expect: majority\n    share: 0.3\n", 5, "only at_least"),
        ("hypotheses:\n  - family: a\n    value: b\n    expect: at_least\n    share: 1.5\n", 5, "'1.5' is not a share"),
        ("hypotheses:\n  - family: a\n    expect: majority\n", 2, "has no 'value'"),
        ("hypotheses:\n  - family: a\n    value: b\n    expect: majority\n    persno: p1\n", 5, "'persno' is not"),
        ("hypotheses:\n  - family: a\n    family: b\n", 3, "appears twice"),
        ("hypotheses: []\n", 1, "must be a non-empty list"),
        ("beliefs:\n  - x\n", 1, "'beliefs' is not a key of the file"),
        ("hypotheses:\n  - just a sentence\n", 1, "must be a mapping"),
        ("personas:\n  - name: A\n    size: lots\n    claims: [{family: a, value: b}]\n", 3, "'lots' is not a size"),
        ("personas:\n  - name: A\n    claims: []\n", 3, "'claims' must be a non-empty list"),
        (
            "hypotheses:\n  - {id: x, family: a, value: b, expect: majority}\n"
            "  - {id: x, family: a, value: c, expect: majority}\n",
            3,
            "id 'x' twice",
        ),
        ("", 1, "is empty"),
    ],
)
def test_a_mistake_names_the_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    with pytest.raises(InputFormatError) as err:
        read_beliefs(write(tmp_path, text))
    assert err.value.line == line, str(err.value)
    assert str(err.value).startswith(f"beliefs.yaml, line {line}: ") and words in str(err.value), str(err.value)


def test_markdown_lines_count_from_the_top_of_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputFormatError, match=r"p.md, line 4: 'weekly' is not an expect"):
        read_beliefs(write(tmp_path, "---\nname: A\nclaims:\n  - {family: a, value: b, expect: weekly}\n---\n", "p.md"))
    with pytest.raises(InputFormatError, match=r"p.md, line 1: has no YAML front matter"):
        read_beliefs(write(tmp_path, "# A persona\n", "p.md"))


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError, match=r"nowhere\.yaml: no such file"):
        read_beliefs(tmp_path / "nowhere.yaml")


# ---------------------------------------------------------------- any input: a result or a named error, never a crash

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12))
_KEYS = st.sampled_from(
    ["hypotheses", "personas", "claims", "family", "value", "expect", "share", "size", "name", "id"]
)
_DOCS = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=_DOCS)
def test_any_yaml_document_reads_or_fails_with_a_line(tmp_path: Path, doc: object) -> None:
    path = write(tmp_path, yaml.safe_dump(doc))
    try:
        read_beliefs(path)
    except InputFormatError as err:
        assert err.line is not None and str(err).startswith("beliefs.yaml, line ")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=80))
def test_any_text_reads_or_fails_with_a_named_error(tmp_path: Path, text: str) -> None:
    for name in ("beliefs.yaml", "persona.md"):
        path = write(tmp_path, text, name)
        try:
            read_beliefs(path)
        except InputFormatError as err:
            assert str(err).startswith(f"{name}")
