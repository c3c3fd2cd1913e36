"""Real headless Chromium (Debian's ``chromium``, installed by ``make``) for the page tests."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-logging=stderr",
    "--v=0",
]
# CI must have Chromium (make installs it): there a missing browser fails the test instead of skipping it
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="no Chromium at /usr/bin/chromium"
)


def dump_dom(page: Path, profile: Path) -> subprocess.CompletedProcess[str]:
    """Open ``page`` and return the DOM Chromium built (stdout) and its log (stderr)."""
    return subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def console_errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    """Uncaught errors and console errors Chromium logged."""
    return [line for line in result.stderr.splitlines() if re.search(r"uncaught|console", line, flags=re.I)]
