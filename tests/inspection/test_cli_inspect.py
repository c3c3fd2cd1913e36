"""``personacraft inspect`` as a user runs it: a real process, its exit codes, no tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from personacraft.errors import ConfigError, SourceNotFoundError
from tests.inspection.test_bad_input import workspace
from tests.test_cli import cli

pytestmark = pytest.mark.slow  # each test starts the command in its own process


def test_a_missing_or_bad_config_is_one_clear_message(tmp_path: Path) -> None:
    r = cli("inspect", cwd=tmp_path)
    assert r.returncode == ConfigError.exit_code and "config file not found" in r.stderr
    assert "Traceback" not in r.stderr
    (tmp_path / "personacraft.toml").write_text("[[sources]]\nkind = 3\n", encoding="utf-8")
    r = cli("inspect", cwd=tmp_path)
    assert r.returncode == ConfigError.exit_code and "Traceback" not in r.stderr


def test_inspect_reports_every_source_and_exits_with_the_first_source_error(tmp_path: Path) -> None:
    workspace(tmp_path, '\n[[sources]]\nkind = "typeform"\npath = "survey.csv"\n')
    r = cli("inspect", "--json", "checks/inspect.json", cwd=tmp_path)
    assert r.returncode == SourceNotFoundError.exit_code, r.stderr
    assert "Traceback" not in r.stderr
    assert "Not read: typeform:survey.csv" in r.stderr
    assert "sales.csv line 3, column 'total' (as amount): 'not-money-7731'" in r.stderr
    assert "build would stop" in r.stderr
    page = Path(r.stdout.strip().splitlines()[-1])
    assert page == tmp_path / "checks" / "inspect.html" and page.is_file()
    assert (tmp_path / "checks" / "inspect.json").is_file()
    (tmp_path / "survey.csv").unlink(missing_ok=True)
    r = cli("runs", cwd=tmp_path)
    assert r.returncode == 0 and "inspected" in r.stderr
