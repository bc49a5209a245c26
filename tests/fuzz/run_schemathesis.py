"""Schemathesis against the real app (SPEC §15): a server on a fresh database, once with an
admin's token over every operation, once without a token against the two public posts
(their links lead to operations that need a token, so that run has no stateful phase).
Exits non-zero on any failure. `make test` runs a short budget on SQLite; `make fuzz` a longer
one on SQLite and, when TEST_DATABASE_URL is set, on a fresh PostgreSQL database too."""

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
from support import free_port, fresh_postgres_database  # noqa: E402 - after the path is set

BIN = Path(sys.executable).parent
CONFIG = Path(__file__).with_name("schemathesis.toml")
ADMIN = "fuzz-admin@hiretechtalent.example"


def _environment(database_url: str) -> dict:
    return {
        **os.environ,
        "FLASK_APP": "wsgi",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "MFA_REQUIRED_ROLES": "",
        "PUBLIC_RATE_LIMIT": "100000/minute",
        "LOGIN_RATE_LIMIT": "100000/minute",
    }


def _flask(env: dict, *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def _wait_for(port: int, server: subprocess.Popen) -> None:
    for _ in range(100):
        if server.poll() is not None:
            raise SystemExit("the app did not start")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the app did not answer")


def _schemathesis(url: str, examples: int, seed: int, *extra: str) -> int:
    command = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(CONFIG),
        "run",
        url,
        "--checks",
        "all",
        "--max-examples",
        str(examples),
        "--seed",
        str(seed),
        *extra,
    ]
    return subprocess.run(command, cwd=ROOT).returncode


def run_against(database_url: str, examples: int, seed: int) -> int:
    env = _environment(database_url)
    _flask(env, "db", "upgrade")
    _flask(env, "users", "create", ADMIN, "--role", "admin", "--password", secrets.token_hex(12))
    token = _flask(env, "tokens", "create", ADMIN, "--name", "fuzz").strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "flask"), "run", "--port", str(port), "--no-reload"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, server)
        url = f"http://127.0.0.1:{port}/api/v1/openapi.json"
        with_token = _schemathesis(
            url, examples, seed, "--header", f"Authorization: Bearer {token}"
        )
        public = _schemathesis(
            url,
            examples,
            seed,
            "--include-name",
            "POST /leads",
            "--include-name",
            "POST /referrers",
            "--phases",
            "examples,coverage,fuzzing",
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    return with_token or public


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--postgres", action="store_true", help="also on TEST_DATABASE_URL")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        failed = run_against(f"sqlite:///{folder}/fuzz.db", options.examples, options.seed)
    if options.postgres and os.environ.get("TEST_DATABASE_URL"):
        with fresh_postgres_database(os.environ["TEST_DATABASE_URL"], "htt_fuzz") as url:
            failed = run_against(url, options.examples, options.seed) or failed
    return failed


if __name__ == "__main__":
    sys.exit(main())
