"""Random secrets handed out once (API tokens, session keys, sign-in links) and the SHA-256
kept of them: a database leak gives nothing usable. Pure."""

import hashlib
import secrets


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
