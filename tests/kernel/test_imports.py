"""Imports run one way (the contracts in pyproject.toml). `make lint` runs lint-imports too;
running it here means the suite fails before a wrong-way import lands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_imports_run_one_way():
    # A process of its own: import-linter reconfigures logging, which would disable this
    # process's loggers for the tests that run after it.
    result = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"],
        cwd=Path(settings.BASE_DIR),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
