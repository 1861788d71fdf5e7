"""Every code a domain error is raised with is declared in the registry (``kernel.errors.CODES``),
found by reading the source, so a new ad-hoc code fails here before it reaches a view."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from kernel.errors import CODES, DomainError, NotAllowed, Refused, register_code

BASE = Path(settings.BASE_DIR)
ROOTS = {"DomainError", "NotAllowed", "Refused"}


def our_source_files() -> list[Path]:
    """Every module of our apps and of config, migrations aside."""
    dirs = [Path(app.path) for app in apps.get_app_configs() if Path(app.path).is_relative_to(BASE)]
    dirs.append(BASE / "config")
    return sorted(
        path
        for folder in dirs
        for path in folder.rglob("*.py")
        if "migrations" not in path.relative_to(BASE).parts
    )


def error_classes(trees: list[ast.AST]) -> set[str]:
    """DomainError and every class that inherits from it, however deep."""
    names = set(ROOTS)
    grown = True
    while grown:
        grown = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {
                        b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")
                        for b in node.bases
                    }
                    if bases & names:
                        names.add(node.name)
                        grown = True
    return names


def codes_in(trees: dict[str, ast.AST]) -> tuple[dict[str, list[str]], list[str]]:
    """(code -> where it is raised or declared, raises whose code is not a plain string)."""
    classes = error_classes(list(trees.values()))
    used: dict[str, list[str]] = {}
    unreadable: list[str] = []
    for where, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                code = next((k.value for k in node.keywords if k.arg == "code"), None)
                if name not in classes or code is None:
                    continue
                if isinstance(code, ast.Constant) and isinstance(code.value, str):
                    used.setdefault(code.value, []).append(f"{where}:{node.lineno}")
                else:
                    unreadable.append(f"{where}:{node.lineno}")
            elif isinstance(node, ast.ClassDef) and node.name in classes:
                for stmt in node.body:
                    target = stmt.targets if isinstance(stmt, ast.Assign) else []
                    if isinstance(stmt, ast.AnnAssign):
                        target = [stmt.target]
                    value = getattr(stmt, "value", None)
                    if any(isinstance(t, ast.Name) and t.id == "code" for t in target) and (
                        isinstance(value, ast.Constant)
                    ):
                        used.setdefault(value.value, []).append(f"{where}:{stmt.lineno}")
    return used, unreadable


@pytest.fixture(scope="module")
def source_codes() -> tuple[dict[str, list[str]], list[str]]:
    trees = {
        str(path.relative_to(BASE)): ast.parse(path.read_text(encoding="utf-8"))
        for path in our_source_files()
    }
    return codes_in(trees)


def test_the_scan_reads_the_apps_it_guards():
    files = {str(path.relative_to(BASE)) for path in our_source_files()}
    assert {"kernel/errors.py", "schools/importer.py", "strikes/services/lines.py"} <= files
    assert not any("/migrations/" in f for f in files)


def test_every_code_raised_is_registered(source_codes):
    used, _ = source_codes
    unregistered = {code: where for code, where in used.items() if code not in CODES}
    assert not unregistered, (
        "Declare these codes with register_code in the app's codes.py (or as a DomainError "
        f"subclass's code): {unregistered}"
    )
    assert len(used) > 40  # the scan found the raises (about 60 codes today)


def test_every_code_is_passed_as_a_plain_string(source_codes):
    _, unreadable = source_codes
    assert not unreadable, f"Pass code='...' as a literal so it can be checked: {unreadable}"


def test_every_registered_code_is_raised_somewhere(source_codes):
    used, _ = source_codes
    assert set(CODES) - set(used) == set()


def test_the_scan_catches_an_unregistered_code_and_a_computed_one():
    tree = ast.parse(
        "class LineFull(DomainError):\n    code = 'line_full'\n"
        "raise DomainError('x', code='no_such_code')\n"
        "raise NotAllowed('y', code=some_variable)\n"
    )
    used, unreadable = codes_in({"example.py": tree})
    assert set(used) == {"line_full", "no_such_code"}
    assert "no_such_code" not in CODES
    assert unreadable == ["example.py:4"]


def test_a_code_cannot_be_registered_twice_with_different_meanings():
    assert register_code("not_found", CODES["not_found"]) == "not_found"
    with pytest.raises(ValueError, match="already registered"):
        register_code("not_found", "Something else.")


def test_errors_carry_their_code():
    assert DomainError("x").code == "error"
    assert DomainError("x", code="started").code == "started"
    assert NotAllowed("x").code == "not_allowed"
    refused = Refused(hide=True)
    assert (refused.code, refused.hide) == ("refused", True)
    assert str(refused) == "You do not have access to this page."
