"""A fresh install: every command and web page runs with the base dependencies alone.

The test makes a venv (``--without-pip``) whose only packages are the distributions the base
install pulls in: the ``dependencies`` of pyproject.toml and what they require in turn, linked
from this environment's site-packages. pandas, torch, sentence-transformers, WeasyPrint and
pypdfium2 (the extras) are then simply not installed, as after ``pip install .``: a command
that imports one fails here as it would for a user. Each command runs in its own process
with the worktree's sources first on the path.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import sysconfig
import time
import tomllib
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
EXTRAS = ("pandas", "torch", "sentence_transformers", "weasyprint", "pypdfium2", "pyspark")

pytestmark = pytest.mark.slow


def base_distributions() -> set[str]:
    """The distributions ``pip install .`` installs: pyproject's dependencies and theirs, no extras."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    todo = [Requirement(r) for r in project["dependencies"]]
    seen: set[str] = set()
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen or (req.marker is not None and not req.marker.evaluate({"extra": ""})):
            continue
        seen.add(name)
        todo.extend(Requirement(r) for r in metadata.distribution(name).requires or [])
    return seen


@pytest.fixture(scope="module")
def python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv's interpreter that sees the base distributions and nothing else (personacraft from the worktree)."""
    root = tmp_path_factory.mktemp("fresh")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    site = root / "site"
    site.mkdir()
    wanted = base_distributions()
    assert "pandas" not in wanted, "pandas is a base dependency again"
    purelib = Path(sysconfig.get_paths()["purelib"])
    for dist in metadata.distributions():
        if canonicalize_name(dist.metadata["Name"]) not in wanted:
            continue
        for top in {Path(str(f)).parts[0] for f in dist.files or []}:
            if top not in ("..", "__pycache__") and (purelib / top).exists() and not (site / top).exists():
                (site / top).symlink_to(purelib / top)
    venv_site = next((root / "venv" / "lib").glob("python3*/site-packages"))
    (venv_site / "base.pth").write_text(f"{ROOT / 'src'}\n{site}\n", encoding="utf-8")
    py = root / "venv" / "bin" / "python"
    probe = f"import importlib.util as u; print([m for m in {EXTRAS!r} if u.find_spec(m)])"
    assert run(py, "-c", probe, cwd=root).stdout.strip() == "[]"
    return py


def run(python: Path, *args: str, cwd: Path, code: int = 0) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV") and "PERSONACRAFT" not in k}
    proc = subprocess.run([str(python), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == code, f"{args}: exit {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stderr and "Internal error" not in proc.stderr, proc.stderr[-3000:]
    return proc


def cli(python: Path, *args: str, cwd: Path, code: int = 0) -> subprocess.CompletedProcess[str]:
    return run(python, "-m", "personacraft", *args, cwd=cwd, code=code)


def test_the_venv_holds_no_extra(python: Path) -> None:
    out = run(python, "-c", "import personacraft, duckdb, sklearn, fastapi; print(personacraft.__file__)", cwd=ROOT)
    assert out.stdout.strip() == str(ROOT / "src" / "personacraft" / "__init__.py")


def test_every_command_of_a_shop(python: Path, tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    cli(python, "demo", "--dir", str(shop), "--customers", "1500", "--seed", "1", cwd=tmp_path)
    config = shop / "personacraft.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[text]\nmethod = "tfidf"\n', encoding="utf-8")
    built = cli(python, "build", "--config", str(config), cwd=tmp_path)
    assert "Built run" in built.stderr and (shop / "out" / "report" / "index.html").is_file()
    runs = cli(python, "runs", "--config", str(config), cwd=tmp_path)
    assert "succeeded" in runs.stderr
    assigned = cli(
        python, "assign", str(shop / "out" / "features.parquet"), "--out", str(tmp_path / "a.csv"),
        "--config", str(config), cwd=tmp_path,
    )  # fmt: skip
    assert json.loads(assigned.stdout)["assigned"] > 0
    customer = (shop / "out" / "assignments.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[0]
    cli(python, "explain", customer, "--config", str(config), "--json", cwd=tmp_path)
    vocab = cli(python, "features", "--config", str(config), "--json", cwd=tmp_path)
    assert any(f["family"] == "discount_use" for f in json.loads(vocab.stdout))
    beliefs = tmp_path / "beliefs.yaml"  # YAML: PyYAML is a base dependency
    beliefs.write_text("hypotheses:\n  - {persona: all, family: Device, value: mobile, expect: majority}\n")
    checked = cli(python, "hypotheses", str(beliefs), "--config", str(config), cwd=tmp_path)
    assert "1 hypotheses checked against run" in checked.stdout
    feature_sql = cli(python, "sql", "--dialect", "bigquery", "--config", str(config), cwd=tmp_path)  # sqlglot: base
    assert "CREATE OR REPLACE TABLE feature_counts" in feature_sql.stdout
    icp = cli(python, "icp", "--config", str(config), cwd=tmp_path)
    assert "Ideal customer profile" in icp.stdout
    clv = cli(
        python, "clv", str(DATA / "cdnow" / "CDNOW_sample.txt"), "--customer", "1", "--date", "3", "--amount", "5",
        "--sep", "whitespace", "--draws", "10", "--out", str(tmp_path / "clv.csv"), cwd=tmp_path,
    )  # fmt: skip
    assert json.loads(clv.stdout)["params"] and (tmp_path / "clv.csv").is_file()
    churn = cli(
        python, "churn", str(DATA / "telco" / "Telco-Customer-Churn.csv"), "--target", "Churn", "--id", "customerID",
        "--folds", "3", "--out", str(tmp_path / "churn.csv"), cwd=tmp_path,
    )  # fmt: skip
    assert json.loads(churn.stdout)["cv_auc"] > 0.7 and (tmp_path / "churn.csv").is_file()
    # the Python API: a DataFrame needs the pandas extra, and says so; the arrays do not
    code = (
        "import personacraft as pc\n"
        f"r = pc.clv.fit({str(DATA / 'cdnow' / 'CDNOW_sample.txt')!r}, '1', '3', '5', sep='whitespace', draws=1)\n"
        "print(len(r.columns['customer_id']))\n"
        f"pc.assign({str(shop / 'out' / 'features.parquet')!r}, config={str(config)!r})\n"
    )
    proc = subprocess.run([str(python), "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.stdout.strip().isdigit(), proc.stderr[-2000:]
    assert "MissingExtraError" in proc.stderr and "pip install 'personacraft[pandas]'" in proc.stderr, proc.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=20) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def test_a_saas_build_and_every_page(python: Path, tmp_path: Path) -> None:
    saas = tmp_path / "saas"
    cli(python, "demo", "--dir", str(saas), "--kind", "saas", "--customers", "1500", "--seed", "1", cwd=tmp_path)
    config = saas / "personacraft.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[text]\nmethod = "tfidf"\n', encoding="utf-8")
    cli(python, "build", "--config", str(config), cwd=tmp_path)
    companies = saas / "data" / "hubspot-crm-exports-all-companies.csv"
    scored = cli(
        python, "icp", "score", str(companies), "--out", str(tmp_path / "s.csv"), "--config", str(config), cwd=tmp_path
    )
    assert json.loads(scored.stdout)["leads"] > 0
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV") and "PERSONACRAFT" not in k}
    proc = subprocess.Popen(
        [str(python), "-m", "personacraft", "serve", "--config", str(config), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                _get(base + "/health")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        status, home = _get(base + "/")
        assert status == 200
        pages = {"/", "/compare", "/icp", "/runs", "/health", "/beliefs", "/assets/app.css", "/assets/icon.svg"}
        pages |= set(re.findall(r'href="(/personas/[^"/]+)"', home))
        assert any(p.startswith("/personas/") for p in pages)
        for page in sorted(pages):
            status, body = _get(base + page)
            assert status == 200, (page, status, body[:500])
        # a PDF card needs the pdf extra: without it the build wrote none, and the server does not fail
        status, body = _get(base + "/personas/p1/card.pdf")
        assert status < 500, (status, body[:300])
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "Traceback" not in out, out[-3000:]
