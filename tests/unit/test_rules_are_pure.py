"""Pure rules stay pure (docs/architecture.md). The list of rule modules is the import-linter
contract `pure-rules` in pyproject.toml; `make test` runs that contract statically, and this
test loads each module in a fresh interpreter to catch what an import does at run time."""

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
CONTRACTS = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
PURE = next(contract for contract in CONTRACTS if contract["id"] == "pure-rules")
FRAMEWORKS = ("flask", "werkzeug", "sqlalchemy", "wtforms")
PACKAGES = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["root_packages"]


def _modules_that_say_they_are_pure() -> set[str]:
    """A rule module says so: it is a `rules.py`, or its docstring says "Pure"."""
    root = PYPROJECT.parent
    found = set()
    for package in PACKAGES:
        for path in (root / package).glob("*.py"):
            docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
            if path.name == "rules.py" or "Pure" in docstring:
                found.add(f"{package}.{path.stem}")
    return found


@pytest.mark.parametrize("module", PURE["source_modules"])
def test_a_rule_module_loads_no_framework(module):
    code = (
        f"import sys, {module}; "
        f"bad = [m for m in {FRAMEWORKS!r} if m in sys.modules]; "
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_every_module_that_says_it_is_pure_is_checked():
    assert _modules_that_say_they_are_pure() == set(PURE["source_modules"])
