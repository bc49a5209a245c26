"""One unit of work (core/unit_of_work.py) commits and rolls back every use case; only the
outbox sender, which commits per message by design, keeps its own."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "root_packages"
]
ALLOWED = {"core/unit_of_work.py", "notifications/sender.py"}
TRANSACTION_CALL = re.compile(r"\.(commit|rollback)\(")


def test_only_the_unit_of_work_and_the_sender_end_transactions():
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if TRANSACTION_CALL.search(line) and name not in ALLOWED:
                    offenders.append(f"{name}:{number}: {line.strip()}")
    assert offenders == []
