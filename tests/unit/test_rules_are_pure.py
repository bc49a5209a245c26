"""Rules import neither Flask nor SQLAlchemy (STYLE.md: layers)."""

import subprocess
import sys

import pytest

RULE_MODULES = [
    "leads.rules",
    "core.company",
    "core.csv_export",
    "core.pagination",
    "core.time",
    "core.validation",
    "core.config",
]


@pytest.mark.parametrize("module", RULE_MODULES)
def test_a_rule_module_loads_neither_flask_nor_sqlalchemy(module):
    code = (
        f"import sys, {module}; "
        "bad = [m for m in ('flask', 'sqlalchemy') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
