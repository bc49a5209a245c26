"""Sign-in timing (SPEC §14): the median time of a failed sign-in for a known email against
an unknown one, with the production argon2 cost, through the whole request path.

    .venv/bin/python -m bench.sign_in_timing [--attempts 41]"""

import argparse
import statistics
import tempfile
import time

from flask_migrate import upgrade

from application.factory import create_app
from auth.services import create_user

KNOWN = "known@hiretechtalent.example"
UNKNOWN = "unknown@hiretechtalent.example"


def _median_ms(client, email: str, attempts: int) -> float:
    times = []
    for _ in range(attempts):
        started = time.perf_counter()
        response = client.post("/login", data={"email": email, "password": "a wrong password"})
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts", type=int, default=41)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config = {
            "SECRET_KEY": "sign-in-timing-benchmark-key-of-32-chars",
            "DATABASE_URL": f"sqlite:///{folder}/bench.db",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
        app = create_app(config, instance_path=folder)
        with app.app_context():
            upgrade()
            create_user(KNOWN, "sales", "the real password of this account")
            client = app.test_client()
            _median_ms(client, UNKNOWN, 3)  # warm-up: the unknown email's hash is made once
            rounds = {email: [] for email in (KNOWN, UNKNOWN)}
            for _ in range(3):
                for email in rounds:
                    rounds[email].append(_median_ms(client, email, args.attempts // 3))
    known, unknown = (statistics.median(rounds[email]) for email in (KNOWN, UNKNOWN))
    print("| failed sign-in | median ms |")
    print("|---|---|")
    print(f"| known email, wrong password | {known:.1f} |")
    print(f"| unknown email | {unknown:.1f} |")
    print(f"| difference | {abs(known - unknown):.1f} ({abs(known - unknown) / known:.1%}) |")


if __name__ == "__main__":
    main()
