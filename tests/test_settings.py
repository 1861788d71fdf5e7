"""Settings read top to bottom, each default once, every environment variable documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = ROOT / "config" / "settings"
APP_FOLDERS = ("config", "kernel", "members", "schools", "strikes", "demo")


def _env_names() -> set[str]:
    names: set[str] = set()
    for path in SETTINGS.glob("*.py"):
        names |= set(re.findall(r'\benv(?:\.\w+)?\(\s*"([A-Z0-9_]+)"', path.read_text()))
    return names


def test_every_environment_variable_is_in_env_example():
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    missing = _env_names() - listed
    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_no_setting_is_read_with_a_second_default():
    pattern = re.compile(r"getattr\(\s*settings\s*,\s*\"[A-Z0-9_]+\"\s*,")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in APP_FOLDERS
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts and pattern.search(path.read_text())
    ]
    assert offenders == [], "read settings.X directly and define X in config/settings/base.py"


def test_base_settings_import_at_the_top_and_set_middleware_once():
    source = (SETTINGS / "base.py").read_text()
    tree = ast.parse(source)
    seen_other = False
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            assert not seen_other, f"import halfway down, line {node.lineno}"
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            seen_other = True
    assert "MIDDLEWARE +=" not in source
    assigned = [
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id.isupper()
    ]
    twice = {name for name in assigned if assigned.count(name) > 1}
    assert not twice, f"set once: {sorted(twice)}"
