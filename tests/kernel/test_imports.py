"""Imports run one way (the contracts in pyproject.toml). `make lint` runs lint-imports too;
running it here means the suite fails before a wrong-way import lands."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from importlinter.cli import lint_imports


def test_imports_run_one_way(monkeypatch, capsys):
    monkeypatch.chdir(Path(settings.BASE_DIR))
    result = lint_imports(no_cache=True, no_logo=True)
    assert result == 0, capsys.readouterr().out
