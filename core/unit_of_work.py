"""One unit of work per use case: the only place that commits or rolls back a change.

A service function decorated with `@use_case` runs in one transaction: it commits when the
function returns and rolls back when it raises. A use case called from inside another joins
the outer transaction (it neither commits nor rolls back), so use cases compose. Where a
use case expects a concurrent twin to win a unique constraint (two submissions of one
email, two conversions creating one client, a retried `external_id`), it says
`retry_on_conflict=True`: the whole function runs once more in a fresh transaction, where
its own look-ups find the twin's row.
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import g, has_request_context
from sqlalchemy.exc import IntegrityError, OperationalError

from core.db import WRITING
from core.extensions import db

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

_DEPTH_KEY = "unit_of_work_depth"


def in_unit_of_work() -> bool:
    return db.session.info.get(_DEPTH_KEY, 0) > 0


def run_in_transaction(work: Callable[[], R], *, retry_on_conflict: bool = False) -> R:
    """Run `work` as one transaction (or inside the one already open)."""
    if in_unit_of_work():
        return work()
    session = db.session
    if session().in_transaction():
        # The transaction of what the caller read before the use case: end it, so the use
        # case's own starts as a writer's (BEGIN IMMEDIATE on SQLite) and sees the latest
        # rows. (Only test arrangements leave changes pending here; they are kept.)
        session.commit()
    attempts = 2 if retry_on_conflict else 1
    for attempt in range(1, attempts + 1):
        session.info[_DEPTH_KEY] = 1
        writing = WRITING.set(True)
        try:
            result = work()
            session.info[_DEPTH_KEY] = 0
            _note_commit_attempt()
            session.commit()
        except IntegrityError:
            session.rollback()
            if attempt == attempts:
                raise
        except BaseException:
            session.rollback()
            raise
        else:
            return result
        finally:
            session.info[_DEPTH_KEY] = 0
            WRITING.reset(writing)
    raise AssertionError("unreachable")  # pragma: no cover


def preview(work: Callable[[], R]) -> R:
    """Run a use case and undo it (SPEC §13's dry runs): `work` does the change and reads
    what it would answer and what it would cause, all inside the transaction, which is then
    rolled back — no row, no email, no audit entry remains."""
    if in_unit_of_work():
        raise RuntimeError("a preview cannot run inside another unit of work")
    session = db.session
    if session().in_transaction():
        session.commit()
    session.info[_DEPTH_KEY] = 1
    writing = WRITING.set(True)
    try:
        return work()
    finally:
        session.info[_DEPTH_KEY] = 0
        WRITING.reset(writing)
        session.rollback()


def record_in_passing(work: Callable[[], object]) -> None:
    """Bookkeeping a read does on the side (a session's last request, a token's last use):
    its own small transaction, skipped with a warning when the database is busy or away, so
    that it never fails the read it rides on nor changes what that read's errors say."""
    attempted = commit_was_attempted()
    try:
        run_in_transaction(work)
    except OperationalError:
        log.warning("bookkeeping write skipped", exc_info=True)
    finally:
        if has_request_context():
            g.commit_attempted = attempted


def _note_commit_attempt() -> None:
    if has_request_context():
        g.commit_attempted = True


def commit_was_attempted() -> bool:
    """Whether this request tried to commit: after that, an error cannot say "nothing was
    changed" (the commit may have landed even if the connection dropped while it answered)."""
    return has_request_context() and g.get("commit_attempted", False)


def discard_uncommitted() -> None:
    """After an unexpected error outside any use case (a view that read and failed), the
    request's session starts clean."""
    db.session.rollback()


def use_case(
    function: Callable[P, R] | None = None, *, retry_on_conflict: bool = False
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator form of `run_in_transaction`."""

    def decorate(inner: Callable[P, R]) -> Callable[P, R]:
        @wraps(inner)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            return run_in_transaction(
                lambda: inner(*args, **kwargs), retry_on_conflict=retry_on_conflict
            )

        return wrapped

    return decorate if function is None else decorate(function)
