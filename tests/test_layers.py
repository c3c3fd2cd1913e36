"""The house's import rules: imports point down the layers of the pipeline, and no module imports itself back.

Read from the source with ``ast`` (nothing is imported): every ``import`` and ``from … import``
in a module counts, at module level or inside a function, except under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "personacraft"

# lowest first; a module may import from its own layer or a lower one. A name is a module or a
# package (with everything under it); the most specific name decides a module's layer.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("version", "errors", "schema", "phones", "wording", "threads", "journey.vocabulary"),
    # the sections config declares
    (
        "alerts.settings",
        "icp.settings",
        "journey.settings",
        "source_settings",
        "experiment_settings",
        "report_settings",
        "engine_settings",
    ),
    ("config",),
    ("locking", "store", "upkeep", "erasure"),  # one writer at a time; the owner of the database and its upkeep
    ("engine",),  # where a stage's customer-scale SQL runs (DuckDB or Spark)
    ("sources", "ingest", "suppression"),
    ("unify",),
    ("features",),
    ("segment", "text", "clv", "churn", "icp", "experiments"),  # models
    ("value", "journey", "accounts"),  # stages that run the models over a run
    ("personas",),
    ("render", "activation", "alerts", "personas.persona_set"),  # a PersonaSet owns its exports; alerts delivered
    ("pipeline", "inspection", "hypotheses", "forget"),  # hypotheses: beliefs graded on a finished run
    ("", "api", "demo", "onboard"),  # "": the package itself (the public API); onboard: init
    ("cli", "web", "__main__"),
)


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name relative to it ("" for the package itself)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules that ``name`` imports (a submodule where ``from pkg import sub`` names one)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def local(dotted: str) -> str | None:
        if dotted == "personacraft":
            return ""
        return dotted.removeprefix("personacraft.") if dotted.startswith("personacraft.") else None

    def visit(node: ast.AST) -> None:
        if _type_checking(node):
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                mod = local(alias.name)
                if mod is not None:
                    found.add(mod)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - node.level + 1]
                mod: str | None = ".".join([*base, *([node.module] if node.module else [])])
            else:
                mod = local(node.module or "")
            if mod is not None:
                for alias in node.names:
                    sub = f"{mod}.{alias.name}" if mod else alias.name
                    found.add(sub if sub in known else mod)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    found.discard(name)
    return {m for m in found if m in known}


def layer(name: str) -> int:
    best, rank = -1, None
    for i, names in enumerate(LAYERS):
        for prefix in names:
            covers = prefix == name or (prefix and name.startswith(prefix + "."))
            if covers and len(prefix) > best:
                best, rank = len(prefix), i
    if rank is None:
        raise AssertionError(f"personacraft.{name} is in no layer of tests/test_layers.py: add it")
    return rank


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def test_every_module_has_a_layer() -> None:
    for name in modules():
        layer(name)


def test_imports_point_down_the_layers() -> None:
    upward = [
        f"personacraft.{a or '(package)'} (layer {layer(a)}) imports personacraft.{b or '(package)'} (layer {layer(b)})"
        for a, targets in graph().items()
        for b in sorted(targets)
        if layer(b) > layer(a)
    ]
    assert not upward, "imports from a higher layer:\n" + "\n".join(upward)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return found


def test_no_import_cycle() -> None:
    found = cycles(graph())
    assert not found, "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set()}, []),
    ],
)
def test_the_cycle_finder_finds_cycles(edges: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert cycles(edges) == expected


def test_the_import_reader_sees_function_level_imports(tmp_path: Path) -> None:
    mod = tmp_path / "m.py"
    mod.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from personacraft.web import app\n"
        "def f():\n    from personacraft.pipeline import build\n",
        encoding="utf-8",
    )
    known = {"m": mod, "pipeline": Path("p"), "web.app": Path("w")}
    assert imports("m", mod, known) == {"pipeline"}


def test_every_module_says_what_it_is_for() -> None:
    """A module's first docstring line states its one responsibility; one over 400 lines holds only declarations."""
    problems = []
    for name, path in modules().items():
        text = path.read_text(encoding="utf-8")
        doc = ast.get_docstring(ast.parse(text)) or ""
        first = doc.splitlines()[0] if doc else ""
        if not first or not first.endswith((".", ":")) or len(first) > 120:
            problems.append(f"personacraft.{name or '(package)'}: first docstring line {first!r}")
        if len(text.splitlines()) > 400 and "declarations" not in doc:
            problems.append(f"personacraft.{name}: {len(text.splitlines())} lines and not declarations only")
    assert not problems, "\n".join(problems)
